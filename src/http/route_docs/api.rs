//! Docs of the routes that serve this description: the OpenAPI document
//! (at the OGC API's `service-desc` and as plain JSON) and the API page.

use serde_json::json;

use crate::http::openapi::{Answer, Operation, OPENAPI_MEDIA_TYPE};

const TAG: &str = "api";

fn openapi_schema() -> serde_json::Value {
    json!({"type": "object", "required": ["openapi", "info", "paths"], "properties": {"openapi": {"type": "string", "pattern": "^3\\.0\\.[0-9]+$"}, "info": {"type": "object"}, "paths": {"type": "object"}}})
}

fn example() -> serde_json::Value {
    json!({"openapi": "3.0.3", "info": {"title": "Genk Atlas API", "version": "0.1.0"}, "paths": {}})
}

/// `GET /ogc/api`
pub fn document() -> Operation {
    Operation::get(
        TAG,
        "This OpenAPI 3.0 document (the OGC API's service-desc)",
    )
    .respond(Answer::media(
        200,
        "the document",
        OPENAPI_MEDIA_TYPE,
        openapi_schema(),
        Some(example()),
    ))
}

/// `GET /api/openapi.json`
pub fn json_document() -> Operation {
    Operation::get(TAG, "This OpenAPI 3.0 document as application/json").respond(Answer::json(
        200,
        "the document",
        openapi_schema(),
        example(),
    ))
}

/// `GET /ogc/api.html`
pub fn page() -> Operation {
    Operation::get(
        TAG,
        "This API as a readable page (the OGC API's service-doc)",
    )
    .describe("Plain HTML made from the document, grouped by tag; it loads nothing from elsewhere.")
    .respond(Answer::media(
        200,
        "the page",
        "text/html",
        json!({"type": "string"}),
        None,
    ))
}
