//! The OpenAPI 3.0 document, built from the registered operations
//! ([`super::routes::Documented`]) and the shared schemas: one path item per
//! documented path, its operations keyed by method, tags in the order of
//! [`TAGS`], and the two ways to log in as security schemes.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::operation::{Access, Content, Operation, Parameter, Response};
use super::routes::Documented;
use super::schemas;
use crate::http::auth::SESSION_COOKIE;

/// The OpenAPI version the document follows.
pub const OPENAPI_VERSION: &str = "3.0.3";

/// Every tag, in the order the API page shows them, with what it groups.
pub const TAGS: [(&str, &str); 9] = [
    ("layers", "The map layers as JSON and GeoJSON, and whole layers as files"),
    ("tiles", "Mapbox vector tiles, TileJSON and the MapLibre style"),
    ("vacancy", "Vacancy (leegstand) of the shop units: figures, trend, churn, register and heatmaps (DOMAIN.md, Vacancy)"),
    ("coverage", "Walking coverage of residents by daily shops (DOMAIN.md, Neighbourhood shop coverage)"),
    ("sites", "Expansion sites on the business parks (DOMAIN.md, Expansion-site matching)"),
    ("editing", "Editing the shop units and importing GIS files"),
    ("accounts", "Logging in and out, the audit trail and what the atlas keeps out"),
    ("ogc", "OGC API – Features and Tiles, for QGIS, ArcGIS Pro and GDAL"),
    ("api", "This description of the API"),
];

const BEARER: &str = "bearerToken";
const COOKIE: &str = "sessionCookie";

fn content_json(content: &Content) -> Value {
    let mut media = json!({"schema": content.schema});
    if let Some(example) = &content.example {
        media["example"] = example.clone();
    }
    media
}

fn parameter_json(parameter: &Parameter) -> Value {
    let mut json = json!({
        "name": parameter.name,
        "in": parameter.location.as_str(),
        "required": parameter.required,
        "description": parameter.description,
        "schema": parameter.schema,
    });
    if let Some(example) = &parameter.example {
        json["example"] = example.clone();
    }
    json
}

fn response_json(response: &Response) -> Value {
    let mut json = json!({"description": response.description});
    if !response.content.is_empty() {
        let content: Map<String, Value> = response
            .content
            .iter()
            .map(|content| (content.media_type.to_string(), content_json(content)))
            .collect();
        json["content"] = Value::Object(content);
    }
    json
}

/// `get /api/layers/{layer}/features` → `get_api_layers_layer_features`.
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_string();
    let mut last_was_separator = false;
    for character in path.chars() {
        if character.is_ascii_alphanumeric() {
            if last_was_separator {
                id.push('_');
            }
            id.push(character);
            last_was_separator = false;
        } else {
            last_was_separator = true;
        }
    }
    id
}

fn operation_json(path: &str, operation: &Operation) -> Value {
    let method = operation.method.as_str();
    let mut description = operation.description.clone();
    let security = match &operation.access {
        Access::Anyone => json!([{}, {BEARER: []}, {COOKIE: []}]),
        Access::Roles(roles) => {
            let names: Vec<&str> = roles.iter().map(|role| role.as_str()).collect();
            if !description.is_empty() {
                description.push_str("\n\n");
            }
            description.push_str(&format!("Roles: {}.", names.join(", ")));
            json!([{BEARER: []}, {COOKIE: []}])
        }
    };
    let mut json = json!({
        "operationId": operation_id(method, path),
        "tags": [operation.tag],
        "summary": operation.summary,
        "description": description,
        "parameters": operation.parameters.iter().map(parameter_json).collect::<Vec<_>>(),
        "responses": operation.responses.iter().map(|response| (response.status.to_string(), response_json(response))).collect::<Map<_, _>>(),
        "security": security,
    });
    if let Access::Roles(roles) = &operation.access {
        json["x-roles"] = json!(roles.iter().map(|role| role.as_str()).collect::<Vec<_>>());
    }
    if let Some(body) = &operation.body {
        json["requestBody"] = json!({
            "description": body.description,
            "required": body.required,
            "content": {body.content.media_type: content_json(&body.content)},
        });
    }
    json
}

/// The whole document.
pub fn document(documented: &[Documented]) -> Value {
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for entry in documented {
        let path = entry.documented_path();
        let item = paths.entry(path.clone()).or_default();
        let method = entry.operation.method.as_str();
        assert!(
            !item.contains_key(method),
            "{method} {path} is documented twice"
        );
        item.insert(method.to_string(), operation_json(&path, &entry.operation));
    }
    json!({
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Genk Atlas API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The commerce and vacancy atlas of Genk: layers, vector tiles, vacancy, shop coverage, expansion sites, edits, imports and exports, and the OGC API. \
                Coordinates are EPSG:4326, x = longitude, y = latitude, unless a route says otherwise. \
                Bad input is a 400 in the shape `{\"error\": ..., \"detail\": {\"parameter\": ...}}` naming the parameter. \
                Log in with `POST /api/session` (a cookie) or send `Authorization: Bearer atlas_...` (a token from `atlas user token`); \
                confidential fields (a shop's occupant, event notes, a company's contact) reach only the roles named beside them. \
                This document is generated from the atlas's router: every route is registered with its documentation.",
            "license": {"name": "MIT"},
        },
        "tags": TAGS.iter().map(|(name, description)| json!({"name": name, "description": description})).collect::<Vec<_>>(),
        "paths": paths,
        "components": {
            "schemas": schemas::components(),
            "securitySchemes": {
                BEARER: {"type": "http", "scheme": "bearer", "description": "an API token from `atlas user token NAME`"},
                COOKIE: {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE, "description": "the session cookie that `POST /api/session` sets"},
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids_are_the_method_and_the_path_words() {
        assert_eq!(
            operation_id("get", "/api/layers/{layer}/features"),
            "get_api_layers_layer_features"
        );
        assert_eq!(
            operation_id("get", "/tiles/{layer}/{z}/{x}/{y}.mvt"),
            "get_tiles_layer_z_x_y_mvt"
        );
    }
}
