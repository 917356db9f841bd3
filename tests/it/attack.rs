//! The attack suite of issue 17 over HTTP: a regression test per hole that
//! was found (each named after what broke) and a generated bad-input sweep
//! over every route of `router()`.
//!
//! The sweep's routes are read from the HTTP sources (every `.route("...")`
//! under `src/http`) and its parameter names from every `only(&[...])` list
//! and `*_PARAMETERS` table there, so a new route or parameter is swept
//! without touching this file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::Value;

use genk_atlas::model::access::Role;

use crate::signed_in::json_of;
use crate::transfer::Atlas;

const UNIT_ID: &str = "unit-stadsplein-12";

fn http_sources() -> Vec<PathBuf> {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http"),
        &mut files,
    );
    files.sort();
    files
}

/// The string literals of `text` (no escapes in the ones we read).
fn literals(text: &str) -> Vec<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Every route path given to `.route(` in the HTTP sources.
fn routes() -> BTreeSet<String> {
    let mut routes = BTreeSet::new();
    for file in http_sources() {
        let text = std::fs::read_to_string(&file).unwrap();
        for piece in text.split(".route(").skip(1) {
            let piece = piece.trim_start();
            if let Some(rest) = piece.strip_prefix('"') {
                let path = &rest[..rest.find('"').unwrap()];
                routes.insert(path.to_string());
            }
        }
    }
    routes
}

/// Every query parameter name the handlers accept.
fn parameter_names() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for file in http_sources() {
        let text = std::fs::read_to_string(&file).unwrap();
        for piece in text.split("only(&[").skip(1) {
            names.extend(literals(&piece[..piece.find(']').unwrap()]));
        }
        for piece in text.split("_PARAMETERS: [").skip(1) {
            let list = &piece[piece.find('[').unwrap()..piece.find("];").unwrap()];
            names.extend(literals(list));
        }
    }
    names
}

/// Values for a path parameter: one that exists first, then hostile ones
/// (percent-encoded as a client would send them).
fn path_values(name: &str) -> Vec<&'static str> {
    let good = match name {
        "layer" => "shop_units",
        "unit_id" => UNIT_ID,
        "feature_id" => UNIT_ID,
        "z" => "14",
        "x" => "8468",
        "y" => "5480.mvt",
        _ => "shop_units.json",
    };
    vec![
        good,
        "nope",
        "-1",
        "99999999999999999999999",
        "%27%20OR%201%3D1--",
        "..%2F..%2Fetc%2Fpasswd",
        "%FF%FE",
        "%00",
        "a%2Fb.mvt",
    ]
}

/// `route` with every `{name}` (and `{*name}`) replaced by the
/// `choice`-th value for it.
fn instantiate(route: &str, choice: usize) -> String {
    route
        .split('/')
        .map(|segment| {
            let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                return segment.to_string();
            };
            let name = name.trim_start_matches('*');
            let values = path_values(name);
            values[choice.min(values.len() - 1)].to_string()
        })
        .collect::<Vec<_>>()
        .join("/")
}

const BAD_VALUES: [&str; 10] = [
    "abc",
    "-1",
    "1e308",
    "99999999999999999999",
    "",
    "%27%3B%20DROP%20TABLE%20shop_units%3B--",
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "%00",
    "%FF",
    "2026-02-30",
];

fn bad_bodies() -> Vec<Vec<u8>> {
    vec![
        Vec::new(),
        b"{".to_vec(),
        b"[]".to_vec(),
        b"null".to_vec(),
        br#"{"name": 5, "password": [], "activity": {}, "kind": 7, "status": "' OR 1=1--"}"#
            .to_vec(),
        br#"{"kind": "../../etc/passwd", "threshold_m": -1, "min_area_m2": 1e308}"#.to_vec(),
        vec![0xff, 0xfe, 0x00],
        // larger than any body limit of the atlas
        vec![b'a'; 3 << 20],
    ]
}

/// What no answer may hold: a path of this machine (the client's own
/// `../../etc/passwd` may be echoed back: it is their input, not ours).
fn server_paths(atlas: &Atlas) -> Vec<String> {
    vec![
        env!("CARGO_MANIFEST_DIR").to_string(),
        atlas.gpkg_path.parent().unwrap().display().to_string(),
        std::env::temp_dir().display().to_string() + "/",
    ]
}

/// The rules of every answer to bad input; `case` says which request.
fn check_answer(
    atlas: &Atlas,
    case: &str,
    status: StatusCode,
    headers: &header::HeaderMap,
    bytes: &[u8],
) {
    assert!(
        !status.is_server_error(),
        "{case}: {status} {}",
        json_of(bytes)
    );
    let text = String::from_utf8_lossy(bytes);
    for path in server_paths(atlas) {
        assert!(
            !text.contains(&path),
            "{case}: the answer shows {path}: {text:.300}"
        );
    }
    if !status.is_client_error() {
        return;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    assert!(
        content_type.starts_with("application/json"),
        "{case}: {status} as {content_type:?}: {text:.300}"
    );
    let answer: Value = serde_json::from_slice(bytes)
        .unwrap_or_else(|_| panic!("{case}: {status} is not JSON: {text:.300}"));
    let error = answer["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{case}: no \"error\" text: {answer}"));
    if status == StatusCode::BAD_REQUEST {
        let parameter = answer["detail"]["parameter"]
            .as_str()
            .unwrap_or_else(|| panic!("{case}: a 400 that names no parameter: {answer}"));
        assert!(
            error.contains(parameter),
            "{case}: the message does not say '{parameter}': {error}"
        );
    }
}

/// Whether a 400 names one of the query parameters (rather than the body,
/// the path or the method).
fn names_a_query_parameter(names: &BTreeSet<String>, bytes: &[u8]) -> bool {
    json_of(bytes)["detail"]["parameter"]
        .as_str()
        .is_some_and(|parameter| names.contains(parameter))
}

async fn send_checked(atlas: &Atlas, case: &str, request: Request<Body>) -> StatusCode {
    let (status, headers, bytes) = atlas.send(request).await;
    check_answer(atlas, case, status, &headers, &bytes);
    status
}

fn request(method: &Method, uri: &str, cookie: Option<&str>, body: Vec<u8>) -> Request<Body> {
    let mut builder = Request::builder().method(method.clone()).uri(uri);
    if let Some(cookie) = cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    if !body.is_empty() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    builder.body(Body::from(body)).unwrap()
}

#[tokio::test]
async fn the_sweep_finds_every_route_and_parameter_of_the_router() {
    let routes = routes();
    for expected in [
        "/api/vacancy/summary",
        "/api/shop_units/{unit_id}/events",
        "/tiles/{*path}",
        "/api/import/{layer}",
    ] {
        assert!(
            routes.contains(expected),
            "{expected} not found in {routes:?}"
        );
    }
    let names = parameter_names();
    for expected in ["date", "threshold_m", "bandwidth_m", "dry_run", "bbox"] {
        assert!(
            names.contains(expected),
            "{expected} not found in {names:?}"
        );
    }
}

/// Every route, every method, bad path values, bad query values for every
/// parameter, duplicate keys and bad bodies, as the public and as an
/// admin: never a 5xx, always the JSON shape naming the parameter, no path.
#[tokio::test]
async fn bad_input_to_any_route_never_gives_a_5xx_nor_leaves_the_json_error_shape() {
    let atlas = Atlas::new().await;
    let admin = atlas.cookie(Role::Admin).to_string();
    let methods = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
    ];
    let names = parameter_names();
    let mut n_requests = 0;
    let mut n_400 = 0;
    for route in routes() {
        let n_choices = if route.contains('{') {
            path_values("x").len()
        } else {
            1
        };
        // hostile path values, every method, as the public and as an admin
        for choice in 0..n_choices {
            let uri = instantiate(&route, choice);
            for method in &methods {
                for cookie in [None, Some(admin.as_str())] {
                    let case = format!("{method} {uri} (admin: {})", cookie.is_some());
                    send_checked(&atlas, &case, request(method, &uri, cookie, Vec::new())).await;
                    n_requests += 1;
                }
            }
        }
        let uri = instantiate(&route, 0);
        // a bad value for every parameter, and every parameter twice
        for method in [Method::GET, Method::POST] {
            for name in &names {
                for value in BAD_VALUES {
                    let uri = format!("{uri}?{name}={value}");
                    let case = format!("{method} {uri}");
                    let status = send_checked(
                        &atlas,
                        &case,
                        request(&method, &uri, Some(&admin), Vec::new()),
                    )
                    .await;
                    n_requests += 1;
                    n_400 += usize::from(status == StatusCode::BAD_REQUEST);
                }
                let twice = format!("{uri}?{name}=1&{name}=2");
                let (status, headers, bytes) = atlas
                    .send(request(&method, &twice, Some(&admin), Vec::new()))
                    .await;
                check_answer(
                    &atlas,
                    &format!("{method} {twice}"),
                    status,
                    &headers,
                    &bytes,
                );
                // a handler that reads the query refuses the key given twice
                if status == StatusCode::BAD_REQUEST && names_a_query_parameter(&names, &bytes) {
                    let answer = json_of(&bytes);
                    assert!(
                        answer["detail"]["parameter"] == name.as_str(),
                        "{method} {twice}: {answer}"
                    );
                }
                n_requests += 1;
            }
        }
        // bad bodies
        for method in [Method::POST, Method::DELETE] {
            for body in bad_bodies() {
                let case = format!("{method} {uri} with a body of {} bytes", body.len());
                send_checked(&atlas, &case, request(&method, &uri, Some(&admin), body)).await;
                n_requests += 1;
            }
        }
    }
    assert!(n_requests > 3000, "only {n_requests} requests");
    assert!(n_400 > 500, "only {n_400} answers were 400");
}

#[tokio::test]
async fn duplicate_query_keys_were_taken_silently_the_last_winning() {
    let atlas = Atlas::new().await;
    let (status, _, bytes) = atlas
        .send(request(
            &Method::GET,
            "/api/vacancy/summary?by=city&by=street",
            None,
            Vec::new(),
        ))
        .await;
    let answer = json_of(&bytes);
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["detail"]["parameter"], "by");
    assert!(
        answer["error"].as_str().unwrap().contains("more than once"),
        "{answer}"
    );
    // once is fine
    let (status, _, _) = atlas
        .send(request(
            &Method::GET,
            "/api/vacancy/summary?by=street",
            None,
            Vec::new(),
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_405_had_an_empty_body() {
    let atlas = Atlas::new().await;
    let (status, headers, bytes) = atlas
        .send(request(
            &Method::DELETE,
            "/api/vacancy/summary",
            None,
            Vec::new(),
        ))
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert!(headers[header::ALLOW].to_str().unwrap().contains("GET"));
    let answer = json_of(&bytes);
    assert_eq!(answer["detail"]["parameter"], "method", "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("DELETE"),
        "{answer}"
    );
}

#[tokio::test]
async fn invalid_utf8_in_a_path_answered_plain_text() {
    let atlas = Atlas::new().await;
    for uri in [
        "/api/layers/%FF/features",
        "/api/shop_units/%C0%AF/history",
        "/tiles/%FF.json",
    ] {
        let (status, headers, bytes) = atlas
            .send(request(&Method::GET, uri, None, Vec::new()))
            .await;
        let answer = json_of(&bytes);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {answer}");
        assert_eq!(headers[header::CONTENT_TYPE], "application/json", "{uri}");
        assert_eq!(answer["detail"]["parameter"], "path", "{uri}: {answer}");
    }
}

#[tokio::test]
async fn a_body_too_large_answered_plain_text() {
    let atlas = Atlas::new().await;
    let body = vec![b' '; 3 << 20];
    let (status, headers, bytes) = atlas
        .send(request(&Method::POST, "/api/sites/search", None, body))
        .await;
    let answer = json_of(&bytes);
    assert!(status.is_client_error(), "{status} {answer}");
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(answer["detail"]["parameter"], "body", "{answer}");
}

#[tokio::test]
async fn the_public_history_showed_the_login_names_of_staff() {
    let atlas = Atlas::new().await;
    let uri = format!("/api/shop_units/{UNIT_ID}/history");
    let (status, _, bytes) = atlas
        .send(request(&Method::GET, &uri, None, Vec::new()))
        .await;
    let public = json_of(&bytes);
    assert_eq!(status, StatusCode::OK, "{public}");
    let events = public["events"].as_array().unwrap();
    assert!(!events.is_empty());
    for event in events {
        assert!(event.get("recorded_by").is_none(), "{event}");
        assert!(event.get("occupant").is_none(), "{event}");
    }
    for role in [Role::Retail, Role::Planner, Role::Admin] {
        let (_, _, bytes) = atlas
            .send(request(
                &Method::GET,
                &uri,
                Some(atlas.cookie(role)),
                Vec::new(),
            ))
            .await;
        let staff = json_of(&bytes);
        assert!(
            staff["events"][0]["recorded_by"].is_string(),
            "{role:?}: {staff}"
        );
    }
    // the business team does not keep shop units: no recorded_by either
    let (_, _, bytes) = atlas
        .send(request(
            &Method::GET,
            &uri,
            Some(atlas.cookie(Role::Business)),
            Vec::new(),
        ))
        .await;
    assert!(json_of(&bytes)["events"][0].get("recorded_by").is_none());
}

/// 64 anonymous exports at once: before, each held its whole file in memory
/// with no limit; now two are written at a time, the others are told to
/// come back (503, `Retry-After`, a message), and every 200 is whole.
#[tokio::test]
async fn public_whole_layer_exports_had_no_limit() {
    let atlas = Atlas::new().await;
    let (status, _, whole) = atlas
        .export("/api/layers/shop_units/export?format=geojson", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let whole = json_of(&whole);
    let n_features = whole["features"].as_array().unwrap().len();
    let answers = futures_util::future::join_all(
        (0..64).map(|_| atlas.export("/api/layers/shop_units/export?format=gpkg", None)),
    )
    .await;
    let mut n_ok = 0;
    let mut n_busy = 0;
    for (status, headers, bytes) in answers {
        match status {
            StatusCode::OK => {
                n_ok += 1;
                assert!(bytes.starts_with(b"SQLite format 3\0"));
                assert_eq!(
                    headers[header::CONTENT_LENGTH].to_str().unwrap(),
                    bytes.len().to_string()
                );
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                n_busy += 1;
                assert!(headers.contains_key(header::RETRY_AFTER));
                let answer = json_of(&bytes);
                assert!(
                    answer["error"].as_str().unwrap().contains("try again"),
                    "{answer}"
                );
            }
            other => panic!("{other}: {}", json_of(&bytes)),
        }
    }
    assert!(n_ok >= 2, "{n_ok} exports written");
    assert!(n_busy > 0, "64 public exports at once were all written");
    // a logged-in planner waits for a slot rather than being refused
    let planner = futures_util::future::join_all((0..8).map(|_| {
        atlas.export(
            "/api/layers/shop_units/export?format=geojson",
            Some(Role::Planner),
        )
    }))
    .await;
    for (status, _, bytes) in planner {
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            json_of(&bytes)["features"].as_array().unwrap().len(),
            n_features
        );
    }
}

/// 500 connections that send half a request's headers stayed open for
/// ever; now each is closed after the header-read timeout, and the server
/// still answers.
#[tokio::test]
async fn half_sent_connections_stayed_open_for_ever() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let atlas = Atlas::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let timeout = Duration::from_secs(1);
    let server = tokio::spawn(genk_atlas::http::serve_with_timeout(
        listener,
        atlas.state.clone(),
        timeout,
    ));
    let mut half_sent = Vec::new();
    for _ in 0..500 {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            .await
            .unwrap();
        half_sent.push(stream);
    }
    let started = std::time::Instant::now();
    for (index, mut stream) in half_sent.into_iter().enumerate() {
        let mut rest = Vec::new();
        // closed by the server: end of file (after at most an error status line)
        let read = tokio::time::timeout(timeout * 10, stream.read_to_end(&mut rest)).await;
        assert!(
            read.is_ok(),
            "connection {index} still open after {:?}",
            started.elapsed()
        );
        let rest = String::from_utf8_lossy(&rest);
        assert!(
            rest.is_empty() || rest.starts_with("HTTP/1.1 408"),
            "connection {index}: {rest}"
        );
    }
    assert!(started.elapsed() < timeout * 10);
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    server.abort();
}

/// A connection that sends its request in time is not cut by the timeout:
/// a kept-alive client may pause between requests up to the timeout.
#[tokio::test]
async fn a_request_sent_slowly_but_within_the_timeout_is_answered() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let atlas = Atlas::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(genk_atlas::http::serve_with_timeout(
        listener,
        atlas.state.clone(),
        Duration::from_secs(3),
    ));
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /api/health HTTP/1.1\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    stream
        .write_all(b"Host: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    server.abort();
}

/// The served shop units (the current snapshot) equal the stored ones.
async fn assert_served_equals_stored(atlas: &Atlas, case: &str) {
    use genk_atlas::model::LayerId;
    let mut stored = atlas.store.read_layer(LayerId::ShopUnits).await.unwrap();
    stored.sort_by(|a, b| a.id.cmp(&b.id));
    let engine = atlas.state.engine();
    let mut served = engine.layer(LayerId::ShopUnits).features().to_vec();
    served.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(served.len(), stored.len(), "{case}");
    for (served, stored) in served.iter().zip(&stored) {
        assert_eq!(served.id, stored.id, "{case}");
        assert_eq!(served.values, stored.values, "{case}: {}", served.id);
    }
    let n_events = atlas.store.read_events().await.unwrap().len();
    assert_eq!(engine.unit_events().len(), n_events, "{case}: events");
}

/// The current version of `UNIT_ID`.
async fn unit_version(atlas: &Atlas) -> u64 {
    let (_, _, bytes) = atlas
        .send(request(
            &Method::GET,
            &format!("/api/shop_units/{UNIT_ID}/history"),
            None,
            Vec::new(),
        ))
        .await;
    json_of(&bytes)["version"].as_u64().unwrap()
}

fn edit_request(atlas: &Atlas, version: u64, status: &str, day: u32) -> Request<Body> {
    let body = serde_json::json!({"version": version, "valid_from": format!("2026-02-{day:02}"), "status": status});
    request(
        &Method::POST,
        &format!("/api/shop_units/{UNIT_ID}/events"),
        Some(atlas.cookie(Role::Retail)),
        body.to_string().into_bytes(),
    )
}

/// A client that hangs up (its request future dropped) at several moments
/// of an edit and of an import: whatever the store committed is served,
/// and a normal edit afterwards succeeds on the stored version.
#[tokio::test]
async fn a_client_hanging_up_at_any_moment_of_an_edit_or_an_import_leaves_the_served_state_the_stored_one(
) {
    let atlas = Atlas::new().await;
    let moments_us = [0u64, 50, 200, 1_000, 5_000, 20_000, 100_000];
    for (round, moment) in moments_us.iter().enumerate() {
        let version = unit_version(&atlas).await;
        let status = if round % 2 == 0 { "vacant" } else { "occupied" };
        let sending = atlas.send(edit_request(&atlas, version, status, round as u32 + 1));
        let _ = tokio::time::timeout(Duration::from_micros(*moment), sending).await;
        // let a write that was committed finish applying
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_served_equals_stored(&atlas, &format!("edit, hung up after {moment} µs")).await;
        let version = unit_version(&atlas).await;
        let (status, _, bytes) = atlas
            .send(edit_request(&atlas, version, "occupied", 20))
            .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "edit after hanging up at {moment} µs: {}",
            json_of(&bytes)
        );
        assert_served_equals_stored(&atlas, &format!("the edit after {moment} µs")).await;
    }
    let companies = serde_json::json!({"type": "FeatureCollection", "features": (0..50).map(|i| serde_json::json!({
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [5.49 + 0.0002 * f64::from(i), 50.965]},
        "properties": {"id": format!("hangup-{i}"), "name": format!("Bedrijf {i}"), "nace": "47.11", "employees": 3}}))
        .collect::<Vec<_>>()});
    let file = serde_json::to_vec(&companies).unwrap();
    for moment in moments_us {
        let importing = atlas.import(
            "companies",
            "?key=id",
            Some(Role::Admin),
            "companies.geojson",
            &file,
        );
        let _ = tokio::time::timeout(Duration::from_micros(moment), importing).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_served_equals_stored(&atlas, &format!("import, hung up after {moment} µs")).await;
        let stored = atlas
            .store
            .read_layer(genk_atlas::model::LayerId::Companies)
            .await
            .unwrap();
        let served = atlas
            .state
            .engine()
            .layer(genk_atlas::model::LayerId::Companies)
            .features()
            .len();
        assert_eq!(
            served,
            stored.len(),
            "companies after hanging up an import at {moment} µs"
        );
        let n_imported = stored
            .iter()
            .filter(|feature| feature.id.starts_with("hangup-"))
            .count();
        assert!(
            n_imported == 0 || n_imported == 50,
            "half an import: {n_imported} of 50"
        );
        let version = unit_version(&atlas).await;
        let (status, _, bytes) = atlas
            .send(edit_request(&atlas, version, "vacant", 21))
            .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "edit after an import hung up at {moment} µs: {}",
            json_of(&bytes)
        );
    }
}
