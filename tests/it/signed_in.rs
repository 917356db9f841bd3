//! The fixture city in-process with one account per role (named after its
//! role), for the tests of roles, edits, imports and exports.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use genk_atlas::accounts::add_account;
use genk_atlas::http::{router, AppState};
use genk_atlas::load::load_engine;
use genk_atlas::model::access::Role;
use genk_atlas::store::geopackage::GeoPackageStore;
use genk_atlas::store::{LayerStore, SharedStore, WriteBatch};

use crate::fixtures;

pub struct SignedIn {
    pub state: AppState,
    pub store: SharedStore,
    /// The store's GeoPackage file.
    pub gpkg_path: std::path::PathBuf,
    passwords: Vec<(Role, String)>,
    _dir: tempfile::TempDir,
}

/// A body as JSON, or as a JSON string when it is not JSON.
pub fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

impl SignedIn {
    pub async fn new() -> SignedIn {
        let dir = tempfile::tempdir().unwrap();
        let gpkg_path = dir.path().join("atlas.gpkg");
        let store = GeoPackageStore::create(&gpkg_path).unwrap();
        store
            .write(&WriteBatch::from_dataset(&fixtures::genk_centre()), &|_| {})
            .await
            .unwrap();
        let store: SharedStore = Arc::new(store);
        let mut passwords = Vec::new();
        for role in Role::ACCOUNT_ROLES {
            let password = add_account(store.as_ref(), role.as_str(), role, "test")
                .await
                .unwrap();
            passwords.push((role, password));
        }
        let engine = load_engine(store.as_ref()).await.unwrap();
        SignedIn {
            state: AppState::new(store.clone(), engine, None),
            store,
            gpkg_path,
            passwords,
            _dir: dir,
        }
    }

    pub fn password(&self, role: Role) -> &str {
        &self.passwords.iter().find(|(r, _)| *r == role).unwrap().1
    }

    pub async fn send(&self, request: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
        let response = router(self.state.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, bytes.to_vec())
    }

    /// Log in as the account of `role`; returns the `Cookie` header value.
    pub async fn login(&self, role: Role) -> String {
        let body = json!({"name": role.as_str(), "password": self.password(role)});
        let request = Request::post("/api/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let (status, headers, answer) = self.send(request).await;
        assert_eq!(status, StatusCode::OK, "{}", json_of(&answer));
        assert_eq!(json_of(&answer)["role"], role.as_str());
        let cookie = headers[header::SET_COOKIE].to_str().unwrap().to_string();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        cookie.split(';').next().unwrap().to_string()
    }
}
