//! Who is asking: the `Caller` extractor (Bearer token or session cookie),
//! the login endpoints, and the role checks that handlers call.
//!
//! No credential is the public; a wrong or expired one is a 401 (with the
//! stale cookie cleared), a valid one without the role a 403. Tokens,
//! sessions and accounts are read from the store on every request (nothing
//! is cached), so a change made by `atlas user` or another server counts at
//! once. A session's last use is renewed at most once a minute, and the
//! cookie is sent again with a fresh `Max-Age` each time
//! ([`refresh_session_cookie`]).
//!
//! A login is refused with `429` and `Retry-After` while its client address
//! (this server's memory) or the name tried (the store) has too many recent
//! wrong passwords, before any hashing; the password is checked on the
//! bounded pool of `auth::PasswordPool` (`503` when its queue is full); a
//! wrong one is counted and goes into the audit trail (name and address,
//! never the password).

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::{json, Value as Json_};

use super::error::ApiError;
use super::AppState;
use crate::auth::{self, Identity, SessionUse, SESSION_IDLE_LIMIT};
use crate::model::access::{Account, FailedLogins, LoginAttempt, Role};
use crate::model::geojson::Audience;
use crate::model::LayerId;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "atlas_session";

/// The longest name or password a login accepts.
const MAX_CREDENTIAL_CHARS: usize = 200;

/// The person behind a request, or `None` for the public.
#[derive(Debug, Clone)]
pub struct Caller(pub Option<Identity>);

impl Caller {
    pub fn role(&self) -> Role {
        self.0
            .as_ref()
            .map_or(Role::Public, |identity| identity.role)
    }

    /// What this caller may read of `layer`.
    pub fn audience(&self, layer: LayerId) -> Audience {
        if self.role().may_see_confidential(layer) {
            Audience::Confidential
        } else {
            Audience::Public
        }
    }

    /// The identity, if the role passes `allowed`; else 401 for the public and 403 for others.
    pub fn require(
        &self,
        allowed: impl Fn(Role) -> bool,
        what: &str,
    ) -> Result<&Identity, ApiError> {
        match &self.0 {
            None => Err(ApiError::Unauthorized(format!(
                "{what} needs a login (session cookie or Authorization: Bearer token)"
            ))),
            Some(identity) if allowed(identity.role) => Ok(identity),
            Some(identity) => Err(ApiError::Forbidden(format!(
                "role '{}' may not {what}",
                identity.role
            ))),
        }
    }

    /// The identity of someone who may edit `layer`.
    pub fn editor_of(&self, layer: LayerId) -> Result<&Identity, ApiError> {
        self.require(|role| role.may_edit(layer), &format!("edit {layer}"))
    }
}

/// The API token of the request: `Authorization: Bearer TOKEN`, or HTTP
/// Basic with the account name and an API token as the password (for GIS
/// clients that offer only Basic, such as QGIS 3.22); passwords are never
/// taken this way (each request would run the password hash).
fn bearer_token(headers: &HeaderMap) -> Result<Option<ApiToken>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("");
    let malformed = || {
        ApiError::Unauthorized(
            "the Authorization header must be 'Bearer <token>', or Basic with the account name and an API token".into(),
        )
    };
    match text.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(ApiToken {
                token: token.trim().to_string(),
                account: None,
            }))
        }
        Some((scheme, credentials)) if scheme.eq_ignore_ascii_case("basic") => {
            use base64::Engine as _;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(credentials.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(malformed)?;
            match decoded.split_once(':') {
                Some((name, token)) if !name.is_empty() && !token.is_empty() => {
                    Ok(Some(ApiToken {
                        token: token.to_string(),
                        account: Some(name.to_string()),
                    }))
                }
                _ => Err(malformed()),
            }
        }
        _ => Err(malformed()),
    }
}

/// A token from the Authorization header, and the account it was sent
/// for (Basic names one; it must be the token's).
#[derive(Debug, PartialEq, Eq)]
struct ApiToken {
    token: String,
    account: Option<String>,
}

fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
}

/// Whether the cookie gets the `Secure` flag: always when the server is
/// told so (`--secure-cookies`), and when a TLS proxy in front says
/// `X-Forwarded-Proto: https`.
fn wants_secure_cookie(state: &AppState, headers: &HeaderMap) -> bool {
    state.login_gate().policy.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(',').next())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

fn secure_flag(secure: bool) -> &'static str {
    if secure {
        "; Secure"
    } else {
        ""
    }
}

/// A `Set-Cookie` value with the session id, alive for the idle limit.
fn session_cookie_value(id: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        SESSION_IDLE_LIMIT.num_seconds(),
        secure_flag(secure)
    )
}

/// A `Set-Cookie` value that removes the session cookie.
fn cleared_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{}",
        secure_flag(secure)
    )
}

/// A 401 that also clears a stale session cookie.
struct StaleSession {
    secure: bool,
}

impl IntoResponse for StaleSession {
    fn into_response(self) -> Response {
        let mut response =
            ApiError::Unauthorized("the session has expired or is unknown; log in again".into())
                .into_response();
        if let Ok(value) = cleared_cookie(self.secure).parse() {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
        response
    }
}

/// Where a `Caller` leaves the renewed session cookie for the response.
#[derive(Clone, Default)]
struct CookieRefresh(Arc<OnceLock<String>>);

/// Middleware of every route: gives the request a place for a renewed
/// session cookie and sends it with the response (unless the handler set a
/// cookie itself, as login and logout do).
pub async fn refresh_session_cookie(mut request: Request, next: Next) -> Response {
    let refresh = CookieRefresh::default();
    request.extensions_mut().insert(refresh.clone());
    let mut response = next.run(request).await;
    if let Some(cookie) = refresh.0.get() {
        if !response.headers().contains_key(header::SET_COOKIE) {
            if let Ok(value) = HeaderValue::from_str(cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
        }
    }
    response
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let now = Utc::now();
        if let Some(sent) = bearer_token(&parts.headers).map_err(IntoResponse::into_response)? {
            let identity = identity_of_token(state, &sent.token, now)
                .await
                .map_err(IntoResponse::into_response)?;
            if sent
                .account
                .as_ref()
                .is_some_and(|name| *name != identity.name)
            {
                let wrong = ApiError::Unauthorized("unknown API token".into());
                return Err(wrong.into_response());
            }
            return Ok(Caller(Some(identity)));
        }
        let Some(id) = session_cookie(&parts.headers) else {
            return Ok(Caller(None));
        };
        let secure = wants_secure_cookie(state, &parts.headers);
        match identity_of_session(state, id, now)
            .await
            .map_err(IntoResponse::into_response)?
        {
            Some((identity, renewed)) => {
                if renewed {
                    if let Some(refresh) = parts.extensions.get::<CookieRefresh>() {
                        let _ = refresh.0.set(session_cookie_value(id, secure));
                    }
                }
                Ok(Caller(Some(identity)))
            }
            None => Err(StaleSession { secure }.into_response()),
        }
    }
}

/// The identity of a live session, and whether its idle timer was renewed
/// now; `None` for an unknown, closed or expired session (an expired one is
/// removed) or one whose account is gone. The role is the account's now.
async fn identity_of_session(
    state: &AppState,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Identity, bool)>, ApiError> {
    let store = state.store();
    let session_hash = auth::secret_hash(id);
    let Some(found) = store
        .session(&session_hash)
        .await
        .map_err(ApiError::store)?
    else {
        return Ok(None);
    };
    let renewed = match auth::session_use(&found.session, now) {
        SessionUse::Expired => {
            store
                .close_session(&session_hash)
                .await
                .map_err(ApiError::store)?;
            return Ok(None);
        }
        SessionUse::Live => false,
        SessionUse::Renew {
            last_used_at,
            expires_at,
        } => {
            let still_open = store
                .touch_session(&session_hash, last_used_at, expires_at)
                .await
                .map_err(ApiError::store)?;
            if !still_open {
                return Ok(None); // logged out meanwhile
            }
            true
        }
    };
    Ok(Some((
        Identity {
            name: found.session.account,
            role: found.role,
        },
        renewed,
    )))
}

/// The client's address: the peer of the connection, or the last
/// `X-Forwarded-For` entry when the server is told to trust its proxy.
/// `None` only without a connection (in-process tests); such a login is not
/// counted per address.
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let forwarded = if state.login_gate().policy.trust_forwarded_for {
            forwarded_for(&parts.headers)
        } else {
            None
        };
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip());
        Ok(ClientAddress(forwarded.or(peer)))
    }
}

/// The last address of `X-Forwarded-For`: the one the nearest proxy added.
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .last()
        .and_then(|entry| entry.trim().parse().ok())
}

async fn identity_of_token(
    state: &AppState,
    token: &str,
    now: chrono::DateTime<Utc>,
) -> Result<Identity, ApiError> {
    let wrong = || ApiError::Unauthorized("unknown API token".into());
    let stored = state
        .store()
        .token(&auth::secret_hash(token))
        .await
        .map_err(ApiError::store)?
        .ok_or_else(wrong)?;
    if stored.expires_at <= now {
        return Err(ApiError::Unauthorized(format!(
            "the API token expired on {}; ask for a new one (atlas user token NAME)",
            stored.expires_at.format("%Y-%m-%d")
        )));
    }
    let account = state
        .store()
        .account(&stored.account)
        .await
        .map_err(ApiError::store)?
        .ok_or_else(wrong)?;
    Ok(Identity {
        name: account.name,
        role: account.role,
    })
}

fn identity_json(identity: Option<&Identity>) -> Json_ {
    match identity {
        Some(identity) => json!({"name": identity.name, "role": identity.role}),
        None => json!({"name": null, "role": Role::Public}),
    }
}

/// `GET /api/session`: who the caller is (`role: "public"` without a login).
pub async fn current(caller: Caller) -> Json<Json_> {
    Json(identity_json(caller.0.as_ref()))
}

/// A text field of the login body, checked.
fn credential<'a>(body: &'a Json_, field: &str) -> Result<&'a str, ApiError> {
    let text = body
        .get(field)
        .and_then(Json_::as_str)
        .ok_or_else(|| ApiError::bad_request(field, "a text value is required"))?;
    if text.is_empty() || text.chars().count() > MAX_CREDENTIAL_CHARS {
        return Err(ApiError::bad_request(
            field,
            format!("must be 1 to {MAX_CREDENTIAL_CHARS} characters"),
        ));
    }
    Ok(text)
}

/// A `429` for a limit that runs until `until`.
fn too_many_failures(limit: &str, until: DateTime<Utc>, now: DateTime<Utc>) -> ApiError {
    let milliseconds = (until - now).num_milliseconds().max(0) as u64;
    let retry_after_s = milliseconds.div_ceil(1000).max(1);
    let whose = if limit == "address" {
        "from this address"
    } else {
        "for this name"
    };
    ApiError::TooManyRequests {
        message: format!("too many wrong passwords {whose}; try again in {retry_after_s} s"),
        retry_after_s,
        detail: json!({"limit": limit, "retry_after_s": retry_after_s}),
    }
}

/// Count a wrong password for the name (store, with its audit entry); the
/// address counted it when it was admitted.
async fn record_failure(
    state: &AppState,
    name: &str,
    address: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let gate = state.login_gate();
    let attempt = LoginAttempt {
        name: name.to_string(),
        client: address.map_or_else(|| "unknown".to_string(), |address| address.to_string()),
        at: now,
    };
    let after = state
        .store()
        .record_failed_login(&attempt, &gate.policy.lockout)
        .await
        .map_err(ApiError::store)?;
    // the failure that locks starts a new window at its own time; later
    // ones (checks that began before the lock) leave it as it is
    let locked_now = after.window_started_at == now && after.failures == 0;
    if let Some(until) = after.locked_at(now).filter(|_| locked_now) {
        tracing::warn!(
            "login name {:?} locked until {until} after wrong passwords (the last from {})",
            attempt.name,
            attempt.client
        );
    }
    Ok(())
}

/// The account whose password this is, with the name's failed logins
/// before; `None` for a wrong name or password; a `429` while the name is
/// locked and a `503` when the password pool is full, both without hashing.
async fn check_password(
    state: &AppState,
    name: &str,
    password: String,
    now: DateTime<Utc>,
) -> Result<Option<(Account, Option<FailedLogins>)>, ApiError> {
    let store = state.store();
    let failed = store.failed_logins(name).await.map_err(ApiError::store)?;
    if let Some(until) = failed.as_ref().and_then(|record| record.locked_at(now)) {
        return Err(too_many_failures("name", until, now));
    }
    let account = store.account(name).await.map_err(ApiError::store)?;
    // an unknown name costs one hash too, so timing does not tell names apart
    let stored_hash = account
        .as_ref()
        .map(|account| account.password_hash.clone())
        .unwrap_or_else(|| state.decoy_password_hash().to_string());
    let matches = state
        .login_gate()
        .passwords
        .verify(password, stored_hash)
        .await
        .map_err(|busy| ApiError::Busy(busy.to_string()))?;
    Ok(account.filter(|_| matches).map(|account| (account, failed)))
}

/// `POST /api/session` with `{"name", "password"}`: log in; sets the cookie.
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    body: Result<Json<Json_>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) =
        body.map_err(|rejection| ApiError::bad_request("body", rejection.body_text()))?;
    let name = credential(&body, "name")?.to_string();
    let password = credential(&body, "password")?.to_string();
    let now = Utc::now();
    let gate = state.login_gate();
    if let Some(address) = address {
        gate.addresses
            .admit(address, now)
            .map_err(|until| too_many_failures("address", until, now))?;
    }
    // whatever ends this login but a wrong password takes the count back
    let forgive = || {
        if let Some(address) = address {
            gate.addresses.forgive(address);
        }
    };
    let checked = check_password(&state, &name, password, now).await;
    let (account, failed) = match checked {
        Ok(Some(found)) => {
            forgive();
            found
        }
        Ok(None) => {
            record_failure(&state, &name, address, now).await?;
            return Err(ApiError::Unauthorized("wrong name or password".into()));
        }
        Err(error) => {
            forgive();
            return Err(error);
        }
    };
    let store = state.store();
    if failed.is_some() {
        store
            .clear_failed_logins(&name)
            .await
            .map_err(ApiError::store)?;
    }
    store.prune_sessions(now).await.map_err(ApiError::store)?;
    let (session_id, session) = auth::new_session(&account.name, now);
    store
        .open_session(&session)
        .await
        .map_err(ApiError::store)?;
    let identity = Identity {
        name: account.name,
        role: account.role,
    };
    let cookie = session_cookie_value(&session_id, wants_secure_cookie(&state, &headers));
    Ok((
        StatusCode::OK,
        [(header::SET_COOKIE, cookie)],
        Json(identity_json(Some(&identity))),
    )
        .into_response())
}

/// `DELETE /api/session`: log out on every server of the store; clears the
/// cookie (a `204` also without a session).
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(id) = session_cookie(&headers) {
        state
            .store()
            .close_session(&auth::secret_hash(id))
            .await
            .map_err(ApiError::store)?;
    }
    let cookie = cleared_cookie(wants_secure_cookie(&state, &headers));
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; atlas_session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(session_cookie(&headers), Some("abc"));
        headers.insert(header::COOKIE, "atlas_sessionx=1".parse().unwrap());
        assert_eq!(session_cookie(&headers), None);
    }

    #[test]
    fn a_bearer_token_or_basic_with_name_and_token_is_taken() {
        let sent = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, value.parse().unwrap());
            bearer_token(&headers)
        };
        assert!(matches!(bearer_token(&HeaderMap::new()), Ok(None)));
        let token = |token: &str, account: Option<&str>| {
            Some(ApiToken {
                token: token.into(),
                account: account.map(Into::into),
            })
        };
        assert_eq!(sent("Bearer  atlas_x ").unwrap(), token("atlas_x", None));
        // "winkel:atlas_x" and "user:pw" in base64, written out by hand
        assert_eq!(
            sent("Basic d2lua2VsOmF0bGFzX3g=").unwrap(),
            token("atlas_x", Some("winkel"))
        );
        assert_eq!(
            sent("basic dXNlcjpwdw==").unwrap(),
            token("pw", Some("user"))
        );
        for broken in [
            "Basic",
            "Basic !!!",
            "Basic dXNlcg==",
            "Digest abc",
            "atlas_x",
        ] {
            assert!(
                matches!(sent(broken), Err(ApiError::Unauthorized(_))),
                "{broken}"
            );
        }
    }

    #[test]
    fn the_last_forwarded_for_entry_is_the_client() {
        let mut headers = HeaderMap::new();
        assert_eq!(forwarded_for(&headers), None);
        headers.append(
            "x-forwarded-for",
            "198.51.100.1, 203.0.113.7".parse().unwrap(),
        );
        assert_eq!(forwarded_for(&headers), "203.0.113.7".parse().ok());
        headers.append("x-forwarded-for", " 2001:db8::1 ".parse().unwrap());
        assert_eq!(forwarded_for(&headers), "2001:db8::1".parse().ok());
        headers.insert("x-forwarded-for", "not an address".parse().unwrap());
        assert_eq!(forwarded_for(&headers), None);
    }

    #[test]
    fn a_locked_name_waits_whole_seconds_at_least_one() {
        let now = Utc::now();
        let error = too_many_failures("name", now + chrono::Duration::milliseconds(1500), now);
        match error {
            ApiError::TooManyRequests {
                retry_after_s,
                detail,
                ..
            } => {
                assert_eq!(retry_after_s, 2);
                assert_eq!(detail, json!({"limit": "name", "retry_after_s": 2}));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            too_many_failures("address", now, now),
            ApiError::TooManyRequests {
                retry_after_s: 1,
                ..
            }
        ));
    }
}
