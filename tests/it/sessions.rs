//! Login sessions and the guarded login, through the HTTP API of servers
//! that share one store (GeoPackage file or PostGIS database): a cookie made
//! on one works on another and after a restart, a logout on one counts on
//! all, `atlas user` changes count at once; the cookie slides with the idle
//! timer; wrong passwords lock the name (in the store) and the address (in
//! memory), are audited, and never run more hashes at once than the pool has
//! workers.
//!
//! Each "server" is an `AppState` with a store of its own opened on the
//! shared file or database, as a second `atlas serve` would have.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Request, StatusCode};
use chrono::{Duration, Utc};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use genk_atlas::accounts::{add_account, issue_token, remove_account};
use genk_atlas::auth::{secret_hash, AddressLimitPolicy, LoginPolicy, SESSION_IDLE_LIMIT};
use genk_atlas::http::{router, AppState};
use genk_atlas::load::load_engine;
use genk_atlas::model::access::{LockoutPolicy, Role};
use genk_atlas::store::geopackage::GeoPackageStore;
use genk_atlas::store::postgis::PostgisStore;
use genk_atlas::store::{AuditQuery, SharedStore};

use crate::support::{fresh_database, TestDatabase};

/// Where the servers of a test keep their data.
enum Backing {
    GeoPackage(tempfile::TempDir),
    Postgis(TestDatabase),
}

impl Backing {
    async fn geopackage() -> Backing {
        let folder = tempfile::tempdir().unwrap();
        drop(GeoPackageStore::create(&folder.path().join("atlas.gpkg")).unwrap());
        Backing::GeoPackage(folder)
    }

    async fn postgis() -> Backing {
        Backing::Postgis(fresh_database().await)
    }

    /// A store of its own on the shared data, as another process opens it.
    async fn open(&self) -> SharedStore {
        match self {
            Backing::GeoPackage(folder) => {
                Arc::new(GeoPackageStore::open(&folder.path().join("atlas.gpkg")).unwrap())
            }
            Backing::Postgis(database) => {
                Arc::new(PostgisStore::connect(&database.url).await.unwrap())
            }
        }
    }

    /// A server with `policy` on the shared data.
    async fn server(&self, policy: LoginPolicy) -> Server {
        let store = self.open().await;
        let engine = load_engine(store.as_ref()).await.unwrap();
        Server {
            state: AppState::with_login_policy(
                genk_atlas::app::App::new(store, engine, 0),
                None,
                policy,
            ),
        }
    }

    /// An account made as `atlas user add` makes it; returns its password.
    async fn account(&self, name: &str, role: Role) -> String {
        add_account(self.open().await.as_ref(), name, role, "cli:test")
            .await
            .unwrap()
    }
}

struct Server {
    state: AppState,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    /// The `name=value` part of the Set-Cookie header, if any.
    fn cookie(&self) -> Option<String> {
        let set_cookie = self.headers.get(header::SET_COOKIE)?.to_str().unwrap();
        Some(set_cookie.split(';').next().unwrap().to_string())
    }

    fn set_cookie(&self) -> Option<&str> {
        self.headers
            .get(header::SET_COOKIE)
            .map(|value| value.to_str().unwrap())
    }

    fn retry_after_s(&self) -> u64 {
        self.headers[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    }
}

impl Server {
    async fn send(&self, request: Request<Body>) -> Answer {
        let response = router(self.state.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn login(&self, name: &str, password: &str, from: Option<&str>) -> Answer {
        self.send(login_request(name, password, from)).await
    }

    /// Log in, expecting success; returns the `Cookie` header value.
    async fn cookie(&self, name: &str, password: &str) -> String {
        let answer = self.login(name, password, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.cookie().unwrap()
    }

    /// `GET /api/session` with a cookie.
    async fn who(&self, cookie: &str) -> Answer {
        let request = Request::get("/api/session")
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    async fn who_with_token(&self, token: &str) -> Answer {
        let request = Request::get("/api/session")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    async fn logout(&self, cookie: &str) -> Answer {
        let request = Request::delete("/api/session")
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }
}

/// `POST /api/session`, from the client address `from` (`ip:port`) if given.
fn login_request(name: &str, password: &str, from: Option<&str>) -> Request<Body> {
    let body = json!({"name": name, "password": password});
    let mut request = Request::post("/api/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    if let Some(from) = from {
        let peer: SocketAddr = from.parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(peer));
    }
    request
}

/// The session id of a `Cookie` header value, hashed as the store keeps it.
fn session_hash_of(cookie: &str) -> String {
    secret_hash(cookie.split_once('=').unwrap().1)
}

// ---------------------------------------------------------------- shared sessions

async fn a_cookie_works_on_every_server_and_after_a_restart(backing: Backing) {
    let password = backing.account("an", Role::Retail).await;
    let first = backing.server(LoginPolicy::default()).await;
    let second = backing.server(LoginPolicy::default()).await;
    let cookie = first.cookie("an", &password).await;
    for server in [&first, &second] {
        let answer = server.who(&cookie).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.body, json!({"name": "an", "role": "retail"}));
    }
    drop((first, second));
    let restarted = backing.server(LoginPolicy::default()).await;
    let answer = restarted.who(&cookie).await;
    assert_eq!(
        (answer.status, answer.body["name"].clone()),
        (StatusCode::OK, json!("an")),
        "a restart keeps the session"
    );
}

async fn a_logout_on_one_server_logs_out_on_all(backing: Backing) {
    let password = backing.account("an", Role::Retail).await;
    let first = backing.server(LoginPolicy::default()).await;
    let second = backing.server(LoginPolicy::default()).await;
    let cookie = first.cookie("an", &password).await;
    let other_cookie = first.cookie("an", &password).await;
    let answer = second.logout(&cookie).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert!(answer.set_cookie().unwrap().contains("Max-Age=0"));
    let answer = first.who(&cookie).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.body);
    assert!(
        answer.set_cookie().unwrap().contains("Max-Age=0"),
        "cleared"
    );
    assert_eq!(
        first.who(&other_cookie).await.status,
        StatusCode::OK,
        "only that session ends"
    );
}

async fn atlas_user_changes_count_on_running_servers_at_once(backing: Backing) {
    let password = backing.account("an", Role::Planner).await;
    let first = backing.server(LoginPolicy::default()).await;
    let second = backing.server(LoginPolicy::default()).await;
    let cookie = first.cookie("an", &password).await;
    // a token made by the command line while both run
    let cli = backing.open().await;
    let token = issue_token(cli.as_ref(), "an", 30, "cli:test")
        .await
        .unwrap();
    for server in [&first, &second] {
        let answer = server.who_with_token(&token).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(answer.body["role"], "planner");
    }
    // an account made while they run can log in on either
    let later = backing.account("bo", Role::Business).await;
    second.cookie("bo", &later).await;
    remove_account(cli.as_ref(), "an", "cli:test")
        .await
        .unwrap();
    for server in [&first, &second] {
        assert_eq!(
            server.who_with_token(&token).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(server.who(&cookie).await.status, StatusCode::UNAUTHORIZED);
        let answer = server.login("an", &password, None).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let audit = cli
        .read_audit(&AuditQuery {
            target: Some("accounts".into()),
            target_id: Some("an".into()),
            actor: None,
            limit: 10,
            offset: 0,
        })
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|entry| entry.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "login.failed",
            "login.failed",
            "account.remove",
            "account.token",
            "account.add"
        ]
    );
}

async fn a_new_password_ends_the_sessions_of_the_old_one(backing: Backing) {
    let password = backing.account("an", Role::Retail).await;
    let server = backing.server(LoginPolicy::default()).await;
    let cookie = server.cookie("an", &password).await;
    let new_password = backing.account("an", Role::Admin).await;
    assert_eq!(server.who(&cookie).await.status, StatusCode::UNAUTHORIZED);
    let cookie = server.cookie("an", &new_password).await;
    assert_eq!(server.who(&cookie).await.body["role"], "admin");
}

macro_rules! on_both_stores {
    ($($check:ident),+ $(,)?) => {
        mod geopackage {
            $(
                #[tokio::test]
                async fn $check() {
                    super::$check(super::Backing::geopackage().await).await;
                }
            )+
        }
        mod postgis {
            $(
                #[tokio::test]
                async fn $check() {
                    super::$check(super::Backing::postgis().await).await;
                }
            )+
        }
    };
}

on_both_stores!(
    a_cookie_works_on_every_server_and_after_a_restart,
    a_logout_on_one_server_logs_out_on_all,
    atlas_user_changes_count_on_running_servers_at_once,
    a_new_password_ends_the_sessions_of_the_old_one,
    the_cookie_slides_with_the_idle_timer,
    an_expired_session_is_refused_and_removed,
    wrong_passwords_lock_the_name_on_every_server_until_the_lock_ends,
);

// ---------------------------------------------------------------- the idle timer

async fn the_cookie_slides_with_the_idle_timer(backing: Backing) {
    let password = backing.account("an", Role::Retail).await;
    let server = backing.server(LoginPolicy::default()).await;
    let login = server.login("an", &password, None).await;
    let cookie = login.cookie().unwrap();
    let max_age = format!("Max-Age={}", SESSION_IDLE_LIMIT.num_seconds());
    assert!(login.set_cookie().unwrap().contains(&max_age));
    assert!(!login.set_cookie().unwrap().contains("Secure"));
    let answer = server.who(&cookie).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.set_cookie(), None, "used a moment ago: not renewed");
    // last used two minutes ago: this use renews it, in the store and the cookie
    let store = backing.open().await;
    let hash = session_hash_of(&cookie);
    let two_minutes_ago = Utc::now() - Duration::minutes(2);
    store
        .touch_session(&hash, two_minutes_ago, two_minutes_ago + SESSION_IDLE_LIMIT)
        .await
        .unwrap();
    let before = Utc::now();
    let answer = server.who(&cookie).await;
    assert_eq!(answer.status, StatusCode::OK);
    let renewed = answer.set_cookie().expect("a renewed cookie");
    assert!(renewed.starts_with(&format!("{cookie};")), "{renewed}");
    assert!(
        renewed.contains(&max_age) && renewed.contains("HttpOnly"),
        "{renewed}"
    );
    let session = store.session(&hash).await.unwrap().unwrap().session;
    assert!(session.last_used_at >= before - Duration::seconds(1));
    assert!(session.expires_at >= before + SESSION_IDLE_LIMIT - Duration::seconds(1));
    // other routes renew it too
    store
        .touch_session(&hash, two_minutes_ago, two_minutes_ago + SESSION_IDLE_LIMIT)
        .await
        .unwrap();
    let layers = Request::get("/api/layers")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    assert!(server.send(layers).await.set_cookie().is_some());

    // Secure: by configuration, or behind a proxy that says https
    let secure = backing
        .server(LoginPolicy {
            secure_cookies: true,
            ..LoginPolicy::default()
        })
        .await;
    let answer = secure.login("an", &password, None).await;
    assert!(answer.set_cookie().unwrap().ends_with("; Secure"));
    let mut proxied = login_request("an", &password, None);
    proxied
        .headers_mut()
        .insert("x-forwarded-proto", "https".parse().unwrap());
    let answer = server.send(proxied).await;
    assert!(answer.set_cookie().unwrap().ends_with("; Secure"));
}

async fn an_expired_session_is_refused_and_removed(backing: Backing) {
    let password = backing.account("an", Role::Retail).await;
    let server = backing.server(LoginPolicy::default()).await;
    let cookie = server.cookie("an", &password).await;
    let store = backing.open().await;
    let hash = session_hash_of(&cookie);
    let idle_since = Utc::now() - SESSION_IDLE_LIMIT - Duration::minutes(1);
    store
        .touch_session(&hash, idle_since, idle_since + SESSION_IDLE_LIMIT)
        .await
        .unwrap();
    let answer = server.who(&cookie).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(answer.set_cookie().unwrap().contains("Max-Age=0"));
    assert_eq!(store.session(&hash).await.unwrap(), None, "removed");
}

// ---------------------------------------------------------------- failed logins

/// Locks of a few seconds, so the test waits for one to end.
fn short_lockout() -> LoginPolicy {
    LoginPolicy {
        lockout: LockoutPolicy {
            max_failures: 5,
            window: Duration::seconds(60),
            first_lock: Duration::seconds(3),
            longest_lock: Duration::seconds(3),
            forget_after: Duration::hours(1),
        },
        address_limit: AddressLimitPolicy {
            max_failures: 1_000,
            window: Duration::seconds(60),
        },
        ..LoginPolicy::default()
    }
}

async fn wrong_passwords_lock_the_name_on_every_server_until_the_lock_ends(backing: Backing) {
    let password = backing.account("admin", Role::Admin).await;
    let server = backing.server(short_lockout()).await;
    let other = backing.server(short_lockout()).await;
    let mut statuses = Vec::new();
    for attempt in 0..200 {
        let wrong = format!("guess-{attempt}");
        let answer = server.login("admin", &wrong, Some("192.0.2.1:40000")).await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            assert!((1..=3).contains(&answer.retry_after_s()));
            assert_eq!(answer.body["detail"]["limit"], "name");
            assert!(answer.body["error"].as_str().unwrap().contains("too many"));
        }
        statuses.push(answer.status);
    }
    let refused = statuses
        .iter()
        .filter(|status| **status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(&statuses[..5], [StatusCode::UNAUTHORIZED; 5]);
    assert_eq!(refused, 195, "every attempt after the fifth is refused");
    assert_eq!(
        server.state.login_gate().passwords.stats().checks,
        5,
        "a refused attempt costs no hash"
    );
    // the right password is refused too, on this server and the other
    for server in [&server, &other] {
        let answer = server.login("admin", &password, None).await;
        assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    }
    let wait = server.login("admin", &password, None).await.retry_after_s();
    tokio::time::sleep(std::time::Duration::from_millis(wait * 1000 + 100)).await;
    let answer = other.login("admin", &password, None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        backing.open().await.failed_logins("admin").await.unwrap(),
        None,
        "a right password forgets the failures"
    );
}

#[tokio::test]
async fn an_address_is_limited_after_its_failures_whatever_the_names() {
    let backing = Backing::geopackage().await;
    let password = backing.account("retail", Role::Retail).await;
    let server = backing
        .server(LoginPolicy {
            address_limit: AddressLimitPolicy {
                max_failures: 3,
                window: Duration::seconds(60),
            },
            ..LoginPolicy::default()
        })
        .await;
    for name in ["a", "b", "c"] {
        let answer = server.login(name, "wrong", Some("192.0.2.1:1000")).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let answer = server
        .login("retail", &password, Some("192.0.2.1:2000"))
        .await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        answer.body
    );
    assert_eq!(answer.body["detail"]["limit"], "address");
    assert!((55..=60).contains(&answer.retry_after_s()));
    // an X-Forwarded-For from the client is not trusted by default
    let mut forwarded = login_request("retail", &password, Some("192.0.2.1:3000"));
    forwarded
        .headers_mut()
        .insert("x-forwarded-for", "203.0.113.5".parse().unwrap());
    assert_eq!(
        server.send(forwarded).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let answer = server
        .login("retail", &password, Some("192.0.2.2:1000"))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "another address");
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_counted() {
    let backing = Backing::geopackage().await;
    let password = backing.account("retail", Role::Retail).await;
    let server = backing
        .server(LoginPolicy {
            address_limit: AddressLimitPolicy {
                max_failures: 2,
                window: Duration::seconds(60),
            },
            trust_forwarded_for: true,
            ..LoginPolicy::default()
        })
        .await;
    let from_proxy = |client: &str, password: &str| {
        let mut request = login_request("retail", password, Some("127.0.0.1:9000"));
        request
            .headers_mut()
            .insert("x-forwarded-for", client.parse().unwrap());
        request
    };
    for _ in 0..2 {
        let answer = server.send(from_proxy("203.0.113.5", "wrong")).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let limited = server.send(from_proxy("203.0.113.5", &password)).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let other = server.send(from_proxy("203.0.113.6", &password)).await;
    assert_eq!(
        other.status,
        StatusCode::OK,
        "the proxy itself is not limited"
    );
}

#[tokio::test]
async fn the_audit_trail_shows_failed_logins_with_name_and_address_never_the_password() {
    let backing = Backing::geopackage().await;
    let admin = backing.account("admin", Role::Admin).await;
    let server = backing.server(LoginPolicy::default()).await;
    for (name, password) in [("admin", "hunter2-wrong"), ("nobody", "s3cret-tried")] {
        let answer = server
            .login(name, password, Some("198.51.100.4:5555"))
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let cookie = server.cookie("admin", &admin).await;
    let request = Request::get("/api/audit?target=accounts")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let answer = server.send(request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let failed: Vec<&Value> = answer.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["action"] == "login.failed")
        .collect();
    let names: Vec<&str> = failed
        .iter()
        .map(|entry| entry["target_id"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["nobody", "admin"], "newest first");
    for entry in &failed {
        assert_eq!(entry["actor"], "client:198.51.100.4");
        assert_eq!(entry["after"]["client"], "198.51.100.4");
    }
    let text = answer.body.to_string();
    assert!(
        !text.contains("hunter2") && !text.contains("s3cret"),
        "{text}"
    );
}

#[tokio::test]
async fn fifty_concurrent_wrong_logins_run_no_more_hashes_at_once_than_the_pool_has_workers() {
    let backing = Backing::geopackage().await;
    backing.account("admin", Role::Admin).await;
    let server = Arc::new(
        backing
            .server(LoginPolicy {
                hash_workers: 2,
                hash_queue: 64,
                ..LoginPolicy::default()
            })
            .await,
    );
    let mut logins = Vec::new();
    for attempt in 0..50 {
        let server = Arc::clone(&server);
        logins.push(tokio::spawn(async move {
            // a name each and an address each: no limit stops them before the hash
            let name = if attempt == 0 {
                "admin".to_string()
            } else {
                format!("name-{attempt}")
            };
            let from = format!("192.0.2.{}:1000", attempt + 1);
            server.login(&name, "wrong", Some(&from)).await.status
        }));
    }
    for login in logins {
        assert_eq!(login.await.unwrap(), StatusCode::UNAUTHORIZED);
    }
    let stats = server.state.login_gate().passwords.stats();
    assert_eq!(stats.checks, 50, "every attempt was checked by the pool");
    assert!(
        (1..=2).contains(&stats.peak_running),
        "{} hashes ran at once",
        stats.peak_running
    );
}

#[tokio::test]
async fn a_full_password_queue_is_a_503_with_retry_after() {
    let backing = Backing::geopackage().await;
    let server = Arc::new(
        backing
            .server(LoginPolicy {
                hash_workers: 1,
                hash_queue: 1,
                ..LoginPolicy::default()
            })
            .await,
    );
    let mut logins = Vec::new();
    for attempt in 0..20 {
        let server = Arc::clone(&server);
        logins.push(tokio::spawn(async move {
            let from = format!("192.0.2.{}:1000", attempt + 1);
            let answer = server
                .login(&format!("name-{attempt}"), "wrong", Some(&from))
                .await;
            (
                answer.status,
                answer.headers.get(header::RETRY_AFTER).cloned(),
            )
        }));
    }
    let mut busy = 0;
    for login in logins {
        match login.await.unwrap() {
            (StatusCode::UNAUTHORIZED, _) => {}
            (StatusCode::SERVICE_UNAVAILABLE, retry_after) => {
                assert_eq!(retry_after.unwrap(), "1");
                busy += 1;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(
        busy > 0,
        "one worker and one place in the queue for 20 logins"
    );
    assert_eq!(server.state.login_gate().passwords.stats().peak_running, 1);
}
