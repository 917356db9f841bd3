//! The OpenAPI 3.0 document of the whole HTTP API, generated from the code,
//! and the readable API page made from it.
//!
//! How it stays whole: every route joins the router through
//! [`Routes::route`], which takes the path, the axum method router and the
//! route's [`Operation`]s (summary, description, who may call it,
//! parameters with type, range, whether required and an example, request
//! body, responses with status, schema and example) and refuses a route
//! without them. `http::router` builds the axum router and this document
//! from that one list, so a route cannot be served undocumented; a module
//! with routes of its own (the OGC API) builds a `Routes` the same way and
//! is brought in with [`Routes::nest`]. We chose this over `utoipa`'s
//! macros because the handlers answer `serde_json::Value`s built by hand,
//! which a derive could not describe, and one small builder keeps the docs
//! beside the router rather than in attributes over every handler. The
//! operations live in `http::route_docs`, one file per area.
//!
//! Served at `/ogc/api` (`application/vnd.oai.openapi+json;version=3.0`,
//! the OGC landing page's `service-desc`), `/api/openapi.json`, and as HTML
//! at `/ogc/api.html` (`service-doc`), rendered here with nothing fetched
//! from elsewhere.

mod document;
pub mod operation;
pub mod page;
mod routes;
pub mod schemas;

use std::sync::Arc;

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use serde_json::Value;

pub use document::{document, TAGS};
pub use operation::{Access, Method, Operation, Parameter, Response as Answer};
pub use routes::{Documented, Routes};

/// The media type of an OpenAPI 3.0 document in JSON.
pub const OPENAPI_MEDIA_TYPE: &str = "application/vnd.oai.openapi+json;version=3.0";

/// The document, built once per router, as the API routes serve it.
#[derive(Debug)]
pub struct ApiDescription {
    pub document: Value,
    /// The document as sent (serialised once).
    text: String,
}

impl ApiDescription {
    pub fn new(documented: &[Documented]) -> ApiDescription {
        let document = document(documented);
        let text = document.to_string();
        ApiDescription { document, text }
    }
}

/// `GET /ogc/api`
pub async fn openapi_document(Extension(description): Extension<Arc<ApiDescription>>) -> Response {
    (
        [(header::CONTENT_TYPE, OPENAPI_MEDIA_TYPE)],
        description.text.clone(),
    )
        .into_response()
}

/// `GET /api/openapi.json`: the same document as plain JSON.
pub async fn openapi_json(Extension(description): Extension<Arc<ApiDescription>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        description.text.clone(),
    )
        .into_response()
}

/// `GET /ogc/api.html`
pub async fn api_page(Extension(description): Extension<Arc<ApiDescription>>) -> Html<String> {
    Html(page::page(&description.document))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation of the router names a known tag, declares each path
    /// template as a path parameter, and gives every response a description.
    #[test]
    fn every_registered_operation_is_complete() {
        let (_, documented) = crate::http::routes().finish();
        assert!(documented.len() >= 30);
        for entry in &documented {
            let path = entry.documented_path();
            let operation = &entry.operation;
            assert!(
                TAGS.iter().any(|(tag, _)| *tag == operation.tag),
                "{path}: tag {}",
                operation.tag
            );
            assert!(!operation.responses.is_empty(), "{path}: no responses");
            assert!(
                operation
                    .responses
                    .iter()
                    .any(|response| (200..300).contains(&response.status)),
                "{path}: no success"
            );
            let templates: Vec<&str> = path
                .split('{')
                .skip(1)
                .filter_map(|part| part.split('}').next())
                .collect();
            for name in templates {
                assert!(
                    operation
                        .parameters
                        .iter()
                        .any(|parameter| parameter.name == name
                            && parameter.location == operation::Location::Path),
                    "{path}: {{{name}}} is not a path parameter"
                );
            }
        }
    }
}
