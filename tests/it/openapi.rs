//! The OpenAPI document (`/ogc/api`) and the API page (`/ogc/api.html`)
//! against the code and the live answers, on the demo city:
//! - every route registered in the http sources (read as text, not through
//!   the code under test) is in the document, and every documented path and
//!   method answers on the in-process router with a status the document
//!   lists (never a "no such route" 404 or a 405);
//! - the document is valid OpenAPI 3.0 (the OpenAPI Initiative's JSON
//!   schema of 2021-09-28, vendored in `tests/data/`, by the `jsonschema`
//!   crate);
//! - every example validates against its schema, and each operation whose
//!   parameters and body carry examples is sent as documented and its live
//!   answer validated against the documented schema;
//! - confidential fields are described, marked, with no demo value in it;
//! - the page is HTML, lists every path and loads nothing from elsewhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Map, Value};
use tower::ServiceExt;

use genk_atlas::accounts::{add_account, issue_token};
use genk_atlas::demo::{generate, DemoParams};
use genk_atlas::http::{router, AppState};
use genk_atlas::load::load_engine;
use genk_atlas::model::access::Role;
use genk_atlas::model::{Dataset, LayerId, ALL_LAYERS};
use genk_atlas::store::geopackage::GeoPackageStore;
use genk_atlas::store::{LayerStore, SharedStore, WriteBatch};

/// The demo city served in-process, with one account (named after its
/// role) and one token per role.
struct Demo {
    state: AppState,
    dataset: Dataset,
    passwords: BTreeMap<String, String>,
    tokens: BTreeMap<String, String>,
    _dir: tempfile::TempDir,
}

impl Demo {
    async fn new() -> Demo {
        let dataset = generate(&DemoParams::default());
        let dir = tempfile::tempdir().unwrap();
        let store = GeoPackageStore::create(&dir.path().join("demo.gpkg")).unwrap();
        store
            .write(&WriteBatch::from_dataset(&dataset), &|_| {})
            .await
            .unwrap();
        let store: SharedStore = Arc::new(store);
        let mut passwords = BTreeMap::new();
        let mut tokens = BTreeMap::new();
        for role in Role::ACCOUNT_ROLES {
            let name = role.as_str().to_string();
            let password = add_account(store.as_ref(), &name, role, "test")
                .await
                .unwrap();
            let token = issue_token(store.as_ref(), &name, 1, "test").await.unwrap();
            passwords.insert(name.clone(), password);
            tokens.insert(name, token);
        }
        let engine = load_engine(store.as_ref()).await.unwrap();
        Demo {
            state: AppState::new(store, engine, None),
            dataset,
            passwords,
            tokens,
            _dir: dir,
        }
    }

    async fn send(&self, request: Request<Body>) -> (StatusCode, String, Vec<u8>) {
        let response = router(self.state.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|value| value.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, content_type, bytes.to_vec())
    }

    async fn get(&self, uri: &str) -> (StatusCode, String, Vec<u8>) {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    async fn document(&self) -> Value {
        let (status, content_type, body) = self.get("/ogc/api").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type, "application/vnd.oai.openapi+json;version=3.0");
        serde_json::from_slice(&body).unwrap()
    }
}

// ------------------------------------------------------------ the routes

/// Every `.route("...")`, `.no_such_route("...")`, `.redirect("...")` and
/// `.nest("...", m::...)` path written in `src/http/`, with the prefix of
/// the module it is nested under: the routes as (pattern, whether it is a
/// "no such route" catch-all), and the redirected paths.
fn registered_routes() -> (Vec<(String, bool)>, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http");
    let mut files = Vec::new();
    let mut folders = vec![root.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    let calls = |text: &str, call: &str| -> Vec<String> {
        let mut found = Vec::new();
        let needle = format!(".{call}(");
        let mut rest = text;
        while let Some(at) = rest.find(&needle) {
            rest = &rest[at + needle.len()..];
            let trimmed = rest.trim_start();
            if let Some(quoted) = trimmed.strip_prefix('"') {
                found.push(quoted[..quoted.find('"').unwrap()].to_string());
            }
        }
        found
    };
    // `.nest("/ogc", ogc::routes())`: the module's own files get the prefix
    let mut prefixes: Vec<(String, String)> = Vec::new();
    for file in &files {
        let text = without_tests(&std::fs::read_to_string(file).unwrap());
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".nest(") {
            rest = &rest[at + 6..];
            let trimmed = rest.trim_start();
            let Some(quoted) = trimmed.strip_prefix('"') else {
                continue;
            };
            let end = quoted.find('"').unwrap();
            let prefix = quoted[..end].to_string();
            let module: String = quoted[end + 1..]
                .trim_start_matches([',', ' ', '\n'])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            prefixes.push((module, prefix));
        }
    }
    let mut routes = Vec::new();
    let mut redirects = Vec::new();
    for file in &files {
        let text = without_tests(&std::fs::read_to_string(file).unwrap());
        let relative = file.strip_prefix(&root).unwrap();
        let first = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let prefix = prefixes
            .iter()
            .find(|(module, _)| *module == first)
            .map(|(_, prefix)| prefix.clone())
            .unwrap_or_default();
        // axum nests `/` under `/ogc` as `/ogc` itself
        let nested = |path: &str| match (prefix.is_empty(), path) {
            (false, "/") => prefix.clone(),
            _ => format!("{prefix}{path}"),
        };
        for path in calls(&text, "route") {
            routes.push((nested(&path), false));
        }
        for path in calls(&text, "no_such_route") {
            routes.push((nested(&path), true));
        }
        for path in calls(&text, "redirect") {
            redirects.push(nested(&path));
        }
    }
    (routes, redirects)
}

/// A source file without its `#[cfg(test)]` module (whose routers are
/// the unit tests' own, not the atlas's).
fn without_tests(text: &str) -> String {
    match text.find("#[cfg(test)]") {
        Some(at) => text[..at].to_string(),
        None => text.to_string(),
    }
}

/// Whether the concrete path `uri_path` matches the axum pattern: `{x}`
/// takes one non-empty segment, `{*x}` the non-empty rest.
fn matches_pattern(pattern: &str, uri_path: &str) -> bool {
    let pattern: Vec<&str> = pattern.trim_start_matches('/').split('/').collect();
    let path: Vec<&str> = uri_path.trim_start_matches('/').split('/').collect();
    for (index, part) in pattern.iter().enumerate() {
        if part.starts_with("{*") {
            return path.len() > index && !path[index..].join("/").is_empty();
        }
        let Some(segment) = path.get(index) else {
            return false;
        };
        let is_capture = part.starts_with('{') && part.ends_with('}');
        if is_capture && segment.is_empty() || !is_capture && part != segment {
            return false;
        }
    }
    pattern.len() == path.len()
}

/// The documented path with each `{name}` replaced by its parameter's example.
fn concrete_path(path: &str, operation: &Value) -> String {
    let mut concrete = path.to_string();
    for parameter in operation["parameters"].as_array().unwrap() {
        if parameter["in"] == "path" {
            let name = parameter["name"].as_str().unwrap();
            let example = match &parameter["example"] {
                Value::String(text) => text.clone(),
                Value::Null => panic!("path parameter {name} of {path} has no example"),
                other => other.to_string(),
            };
            concrete = concrete.replace(&format!("{{{name}}}"), &escaped(&example));
        }
    }
    assert!(
        !concrete.contains('{'),
        "{path}: a path parameter is not declared"
    );
    concrete
}

/// Every (path, method, operation) of the document.
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            all.push((path.clone(), method.clone(), operation.clone()));
        }
    }
    all
}

/// A query value with everything but unreserved characters (and the
/// commas and colons of boxes and CRS names) escaped.
fn escaped(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' | b':' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The request an operation documents: path and query from the examples,
/// the body's example, and the token of its first role.
fn documented_request(
    demo: &Demo,
    path: &str,
    method: &str,
    operation: &Value,
    body: Option<&Value>,
) -> Request<Body> {
    let mut uri = concrete_path(path, operation);
    let query: Vec<String> = operation["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|parameter| parameter["in"] == "query" && !parameter["example"].is_null())
        .map(|parameter| {
            let value = match &parameter["example"] {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            format!(
                "{}={}",
                parameter["name"].as_str().unwrap(),
                escaped(&value)
            )
        })
        .collect();
    if !query.is_empty() {
        uri = format!("{uri}?{}", query.join("&"));
    }
    let mut request = Request::builder()
        .method(method.to_uppercase().as_str())
        .uri(uri);
    if let Some(role) = operation["x-roles"].get(0).and_then(Value::as_str) {
        request = request.header(
            header::AUTHORIZATION,
            format!("Bearer {}", demo.tokens[role]),
        );
    }
    match body {
        Some(body) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
        None => request.body(Body::empty()).unwrap(),
    }
}

fn documented_statuses(operation: &Value) -> BTreeSet<u16> {
    operation["responses"]
        .as_object()
        .unwrap()
        .keys()
        .map(|status| status.parse().unwrap())
        .collect()
}

#[tokio::test]
async fn every_route_of_the_router_is_in_the_document_and_answers() {
    let demo = Demo::new().await;
    let document = demo.document().await;
    let (registered, redirects) = registered_routes();
    let served: Vec<&str> = registered
        .iter()
        .filter(|(_, no_such)| !no_such)
        .map(|(pattern, _)| pattern.as_str())
        .collect();
    assert!(served.len() >= 25, "{registered:?}");
    let all = operations(&document);
    let concrete: Vec<(String, &str)> = all
        .iter()
        .map(|(path, _, operation)| (concrete_path(path, operation), path.as_str()))
        .collect();
    // every registered route serves at least one documented path
    for pattern in &served {
        assert!(
            concrete
                .iter()
                .any(|(uri, _)| matches_pattern(pattern, uri)),
            "the route {pattern} is in the router but not in the document"
        );
    }
    // every documented path is served by a registered route
    for (uri, path) in &concrete {
        assert!(
            served.iter().any(|pattern| matches_pattern(pattern, uri)),
            "the documented path {path} ({uri}) matches no route of the router"
        );
    }
    // the catch-alls answer a JSON 404, and are the only undocumented routes
    for (pattern, _) in registered.iter().filter(|(_, no_such)| *no_such) {
        let uri = pattern.replace("{*rest}", "no/such/thing");
        let (status, content_type, body) = demo.get(&uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(content_type.starts_with("application/json"), "{uri}");
        assert!(String::from_utf8_lossy(&body).contains("no such"), "{uri}");
    }
    // a redirect leads to a documented path
    assert!(!redirects.is_empty());
    for uri in &redirects {
        let request = Request::get(uri.as_str()).body(Body::empty()).unwrap();
        let response = router(demo.state.clone()).oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT, "{uri}");
        let target = response.headers()[header::LOCATION].to_str().unwrap();
        assert!(
            concrete.iter().any(|(documented, _)| documented == target),
            "{uri} leads to {target}, which is not documented"
        );
    }
    // every documented method on every documented path is answered by its
    // route with a status the document lists for it
    for (path, method, operation) in &all {
        let body = operation["requestBody"]["content"]["application/json"]["example"].clone();
        let body = (!body.is_null()).then_some(body);
        let request = documented_request(&demo, path, method, operation, body.as_ref());
        let (status, _, answer) = demo.send(request).await;
        let text = String::from_utf8_lossy(&answer);
        assert!(
            status != StatusCode::METHOD_NOT_ALLOWED
                && !text.contains("no such API route")
                && !text.contains("no such tile route"),
            "{method} {path}: {status} {text}"
        );
        assert!(
            documented_statuses(operation).contains(&status.as_u16()),
            "{method} {path} answered {status}, which the document does not list: {}",
            &text[..text.len().min(300)]
        );
    }
}

// ------------------------------------------------------ OpenAPI validity

#[tokio::test]
async fn the_document_is_valid_openapi_3_0() {
    let demo = Demo::new().await;
    let document = demo.document().await;
    let schema: Value =
        serde_json::from_str(include_str!("../data/openapi-3.0-schema.json")).unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&document)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .take(10)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // the schema checks shapes; OpenAPI also asks for unique operation ids
    // and a declared parameter for each path template
    let all = operations(&document);
    let ids: BTreeSet<&str> = all
        .iter()
        .map(|(_, _, operation)| operation["operationId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), all.len());
    for (path, _, operation) in &all {
        concrete_path(path, operation);
    }
    // and the same document is served as plain JSON
    let (status, content_type, body) = demo.get("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/json");
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), document);
}

#[tokio::test]
async fn confidential_fields_are_described_and_marked_but_carry_no_data() {
    let demo = Demo::new().await;
    let document = demo.document().await;
    let schemas = &document["components"]["schemas"];
    for layer in ALL_LAYERS {
        for field in layer.fields {
            let described = &schemas[format!("{}.properties", layer.id)]["properties"][field.name];
            assert!(described.is_object(), "{}.{}", layer.id, field.name);
            assert_eq!(
                described["x-confidential"] == json!(true),
                field.confidential,
                "{}.{}",
                layer.id,
                field.name
            );
        }
    }
    let text = document.to_string();
    let mut values = BTreeSet::new();
    for layer in LayerId::ALL {
        let schema = layer.schema();
        for feature in demo.dataset.features(*layer) {
            for (field, value) in schema.fields.iter().zip(&feature.values) {
                if let (true, Some(text)) = (
                    field.confidential,
                    value.to_json().as_str().map(str::to_string),
                ) {
                    values.insert(text);
                }
            }
        }
    }
    for event in &demo.dataset.unit_events {
        values.extend(event.occupant.clone());
        values.extend(event.note.clone());
    }
    assert!(
        values.len() > 100,
        "the demo has confidential values to look for"
    );
    for value in values.iter().filter(|value| value.len() >= 5) {
        assert!(
            !text.contains(value.as_str()),
            "the document holds the confidential value {value:?}"
        );
    }
}

// ------------------------------------------------- examples and answers

/// An OpenAPI 3.0 schema as a JSON Schema (draft 4): references inlined
/// from `components`, `nullable` as a `null` type.
fn json_schema(schema: &Value, components: &Value) -> Value {
    match schema {
        Value::Object(object) => {
            if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
                let name = reference.strip_prefix("#/components/schemas/").unwrap();
                return json_schema(&components[name], components);
            }
            let mut converted = Map::new();
            for (key, value) in object {
                if key == "nullable" || key == "example" || key.starts_with("x-") {
                    continue;
                }
                let value = match key.as_str() {
                    "properties" => Value::Object(
                        value
                            .as_object()
                            .unwrap()
                            .iter()
                            .map(|(name, schema)| (name.clone(), json_schema(schema, components)))
                            .collect(),
                    ),
                    "items" | "not" | "additionalProperties" if value.is_object() => {
                        json_schema(value, components)
                    }
                    "anyOf" | "oneOf" | "allOf" => Value::Array(
                        value
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|schema| json_schema(schema, components))
                            .collect(),
                    ),
                    _ => value.clone(),
                };
                converted.insert(key.clone(), value);
            }
            if object.get("nullable") == Some(&Value::Bool(true)) {
                match converted.get("type").cloned() {
                    Some(Value::String(kind)) => {
                        converted.insert("type".into(), json!([kind, "null"]));
                    }
                    _ => return json!({"anyOf": [Value::Object(converted), {"type": "null"}]}),
                }
            }
            Value::Object(converted)
        }
        other => other.clone(),
    }
}

fn check(schema: &Value, components: &Value, instance: &Value, what: &str) {
    let schema = json_schema(schema, components);
    let validator =
        jsonschema::draft4::new(&schema).unwrap_or_else(|error| panic!("{what}: {error}"));
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .take(5)
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: {errors:#?}\n{}",
        &instance.to_string()[..instance.to_string().len().min(600)]
    );
}

fn essence(media_type: &str) -> &str {
    media_type.split(';').next().unwrap().trim()
}

/// Whether an operation can be sent as documented: every required
/// parameter has an example, and so has a required body.
fn has_example_request(operation: &Value) -> bool {
    let parameters_ok = operation["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .all(|parameter| parameter["required"] != json!(true) || !parameter["example"].is_null());
    let body = &operation["requestBody"];
    let body_ok = body.is_null()
        || body["content"]
            .as_object()
            .unwrap()
            .values()
            .all(|media| !media["example"].is_null());
    parameters_ok && body_ok
}

#[tokio::test]
async fn every_example_validates_against_its_schema_and_the_live_answer() {
    let demo = Demo::new().await;
    let document = demo.document().await;
    let components = &document["components"]["schemas"];
    let mut n_examples = 0;
    let mut live = Vec::new();
    let mut not_sent = Vec::new();
    // Deletes go last, so they take nothing away that another example reads or changes.
    let mut all = operations(&document);
    all.sort_by_key(|(_, method, _)| method == "delete");
    for (path, method, operation) in all {
        let what = format!("{method} {path}");
        // the documented examples against their own schemas
        for (status, response) in operation["responses"].as_object().unwrap() {
            for (media_type, media) in response["content"].as_object().into_iter().flatten() {
                if !media["example"].is_null() && !essence(media_type).ends_with("csv") {
                    check(
                        &media["schema"],
                        components,
                        &media["example"],
                        &format!("{what} {status} {media_type} example"),
                    );
                    n_examples += 1;
                }
            }
        }
        for parameter in operation["parameters"].as_array().unwrap() {
            if !parameter["example"].is_null() {
                let mut example = parameter["example"].clone();
                // query strings are text: a number's example may be sent as text
                if let (Value::Number(_), Some("string")) =
                    (&example, parameter["schema"]["type"].as_str())
                {
                    example = json!(example.to_string());
                }
                check(
                    &parameter["schema"],
                    components,
                    &example,
                    &format!("{what} parameter {}", parameter["name"]),
                );
                n_examples += 1;
            }
        }
        let body_example =
            operation["requestBody"]["content"]["application/json"]["example"].clone();
        if !body_example.is_null() {
            let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
            check(
                schema,
                components,
                &body_example,
                &format!("{what} request body example"),
            );
            n_examples += 1;
        }
        if !has_example_request(&operation) {
            not_sent.push(what);
            continue;
        }
        // the example request, sent as documented; two values only the
        // running atlas knows are filled in: the password of the example
        // account, and the unit's current version for an edit
        let mut body = (!body_example.is_null()).then_some(body_example);
        if let Some(body) = body.as_mut() {
            if let Some(name) = body.get("password").and(body["name"].as_str()) {
                body["password"] = json!(demo.passwords[name]);
            }
            if body.get("version").is_some() {
                let history = path.replace("/events", "/history");
                let uri = concrete_path(&history, &operation);
                let (_, _, answer) = demo.get(&uri).await;
                body["version"] =
                    serde_json::from_slice::<Value>(&answer).unwrap()["version"].clone();
            }
        }
        let request = documented_request(&demo, &path, &method, &operation, body.as_ref());
        let (status, content_type, answer) = demo.send(request).await;
        let response = &operation["responses"][status.as_str()];
        assert!(
            status.is_success() && response.is_object(),
            "{what}: the example request answered {status}: {}",
            String::from_utf8_lossy(&answer[..answer.len().min(400)])
        );
        match response["content"].as_object() {
            None => assert!(answer.is_empty(), "{what}: {status} has a body"),
            Some(content) => {
                let (_, media) = content
                    .iter()
                    .find(|(media_type, _)| essence(media_type) == essence(&content_type))
                    .unwrap_or_else(|| {
                        panic!(
                            "{what}: answered {content_type}, documented {:?}",
                            content.keys()
                        )
                    });
                if essence(&content_type).ends_with("json") {
                    let answer: Value = serde_json::from_slice(&answer).unwrap();
                    check(
                        &media["schema"],
                        components,
                        &answer,
                        &format!("{what} live answer"),
                    );
                }
            }
        }
        live.push(what);
    }
    assert!(n_examples >= 80, "{n_examples} examples");
    // every operation is sent but the upload, whose body is a file
    assert_eq!(
        not_sent,
        ["post /api/import/{layer}"],
        "not sent: {not_sent:?}"
    );
    assert!(live.len() >= 30, "{live:?}");
}

// ------------------------------------------------------------- the page

#[tokio::test]
async fn the_api_page_is_html_lists_every_path_and_loads_nothing_from_elsewhere() {
    let demo = Demo::new().await;
    let document = demo.document().await;
    let (status, content_type, body) = demo.get("/ogc/api.html").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(essence(&content_type), "text/html");
    let page = String::from_utf8(body).unwrap();
    assert!(page.starts_with("<!doctype html>"));
    for (path, method, operation) in operations(&document) {
        let escaped = path.replace('&', "&amp;");
        assert!(page.contains(&format!("<code>{escaped}</code>")), "{path}");
        assert!(
            page.contains(&format!(
                "id=\"{}\"",
                operation["operationId"].as_str().unwrap()
            )),
            "{method} {path}"
        );
    }
    let lower = page.to_lowercase();
    for reference in [
        "<script",
        "<link",
        "@import",
        "@font-face",
        "url(",
        " src=",
        "<iframe",
        "<img",
    ] {
        assert!(!lower.contains(reference), "the page holds {reference}");
    }
}
