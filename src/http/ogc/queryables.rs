//! `GET /ogc/collections/{id}/queryables`: the properties a caller may filter
//! on, as a JSON Schema (2020-12). A confidential field (a shop's occupant, a
//! company's contact) is listed only for a role that may see it.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json, Map, Value as Json};

use super::catalogue::Collection;
use super::html;
use super::items::audience_of;
use super::params::queryable_fields;
use super::respond::{document, ogc_base, Format};
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ApiQuery};
use crate::http::AppState;
use crate::model::{FieldKind, GeometryType};

/// The JSON Schema of a field's kind.
fn kind_schema(kind: FieldKind) -> Json {
    match kind {
        FieldKind::Text => json!({"type": "string"}),
        FieldKind::Integer => json!({"type": "integer"}),
        FieldKind::Real => json!({"type": "number"}),
        FieldKind::Boolean => json!({"type": "boolean"}),
        FieldKind::Date => json!({"type": "string", "format": "date"}),
    }
}

fn geometry_format(geometry_type: GeometryType) -> &'static str {
    match geometry_type {
        GeometryType::Point => "geometry-point",
        GeometryType::LineString => "geometry-linestring",
        GeometryType::Polygon => "geometry-polygon",
        GeometryType::MultiPolygon => "geometry-multipolygon",
    }
}

/// `application/schema+json`, unless the client accepts only plain JSON
/// (GDAL 3.6 refuses any other type), which the document also is.
fn schema_media(headers: &HeaderMap) -> &'static str {
    let accept = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    if accept.contains("application/json") && !accept.contains("application/schema+json") {
        "application/json"
    } else {
        "application/schema+json"
    }
}

/// `GET /ogc/collections/{collection}/queryables`
pub async fn queryables(
    State(_state): State<AppState>,
    caller: Caller,
    Path(collection): Path<String>,
    query: ApiQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let collection = Collection::parse(&collection)?;
    query.only(&["f"])?;
    let format = Format::of(&query, &headers)?;
    let own = format!(
        "{}/collections/{}/queryables",
        ogc_base(&headers),
        collection.id()
    );
    let mut properties = Map::new();
    properties.insert(
        "geometry".into(),
        json!({"format": geometry_format(collection.geometry_type()), "x-ogc-role": "primary-geometry"}),
    );
    for (_, field) in queryable_fields(collection, audience_of(&caller, collection)) {
        let mut schema = kind_schema(field.kind);
        schema["title"] = json!(field.title_en);
        schema["description"] = json!(field.title_nl);
        properties.insert(field.name.into(), schema);
    }
    // the 2020 draft's list of names, which GDAL 3.6 reads to know what
    // it may send in a filter (JSON Schema ignores the extra member)
    let draft_list: Vec<Json> = properties.keys().map(|name| json!({"id": name})).collect();
    let body = json!({
        "queryables": draft_list,
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": own,
        "type": "object",
        "title": collection.title_nl(),
        "properties": properties,
        "additionalProperties": false,
    });
    Ok(document(format, schema_media(&headers), &body, || {
        html::page(&format!("{} – queryables", collection.title_nl()), &body)
    }))
}
