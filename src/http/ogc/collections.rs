//! `GET /ogc/collections` and `GET /ogc/collections/{id}`: each collection
//! with its Dutch title (`title`) and English one (`title_en`), extent
//! (spatial from the engine; temporal where it has time: from the first
//! day of the shop-unit history, open at the end), geometry type, item
//! type, the CRSs offered and the storage CRS, and its links (items,
//! queryables, tiles).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use geo::Rect;
use serde_json::{json, Value as Json};

use super::catalogue::Collection;
use super::crs::{OgcCrs, OFFERED};
use super::html;
use super::respond::{document, link, ogc_base, self_and_alternate, Format, GEOJSON, HTML, JSON};
use crate::engine::Engine;
use crate::http::error::{ApiError, ApiQuery};
use crate::http::AppState;
use crate::model::LayerId;

/// Where a collection's features lie (CRS84), `None` when it is empty.
fn spatial_extent(engine: &Engine, collection: Collection) -> Option<Rect<f64>> {
    match collection {
        Collection::Layer(layer) => engine.layer(layer).extent(),
        // hexagons reach a little beyond the units: take the whole city
        Collection::VacancyH3 => engine.extent(),
        Collection::Coverage => engine.layer(LayerId::Neighbourhoods).extent(),
    }
}

/// The temporal extent: from the first valid-from of the history, open.
fn temporal_extent(engine: &Engine, collection: Collection) -> Option<Json> {
    if !collection.has_time() {
        return None;
    }
    let first = engine
        .unit_events()
        .iter()
        .map(|event| event.valid_from)
        .min()?;
    Some(json!({
        "interval": [[format!("{first}T00:00:00Z"), null]],
        "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
    }))
}

/// One collection's document.
pub fn collection_json(
    engine: &Engine,
    collection: Collection,
    base: &str,
    format: Format,
) -> Json {
    let own = format!("{base}/collections/{}", collection.id());
    let mut links = self_and_alternate(&own, format, JSON).to_vec();
    links.extend([
        link(
            format!("{own}/items?f=json"),
            "items",
            GEOJSON,
            "the features",
        ),
        link(
            format!("{own}/items?f=html"),
            "items",
            HTML,
            "the features as HTML",
        ),
        link(
            format!("{own}/queryables"),
            "http://www.opengis.net/def/rel/ogc/1.0/queryables",
            "application/schema+json",
            "the properties to filter on",
        ),
        // the rel of the 2020 draft of Part 3, which GDAL 3.6 looks for
        link(
            format!("{own}/queryables"),
            "queryables",
            "application/schema+json",
            "the properties to filter on",
        ),
    ]);
    if collection.has_tiles() {
        links.push(link(
            format!("{own}/tiles"),
            "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
            JSON,
            "vector tiles",
        ));
    }
    let mut extent = json!({});
    if let Some(bbox) = spatial_extent(engine, collection) {
        extent["spatial"] = json!({
            "bbox": [[bbox.min().x, bbox.min().y, bbox.max().x, bbox.max().y]],
            "crs": OgcCrs::Crs84.uri(),
        });
    }
    if let Some(temporal) = temporal_extent(engine, collection) {
        extent["temporal"] = temporal;
    }
    json!({
        "id": collection.id(),
        "title": collection.title_nl(),
        "title_nl": collection.title_nl(),
        "title_en": collection.title_en(),
        "description": collection.description(),
        "itemType": "feature",
        "geometryType": collection.geometry_type().ogc_name(),
        "extent": extent,
        "crs": OFFERED.iter().map(|crs| crs.uri()).collect::<Vec<_>>(),
        "storageCrs": OgcCrs::Crs84.uri(),
        "links": links,
    })
}

/// `GET /ogc/collections`
pub async fn list(
    State(state): State<AppState>,
    query: ApiQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    query.only(&["f"])?;
    let format = Format::of(&query, &headers)?;
    let base = ogc_base(&headers);
    let engine = state.engine();
    let collections: Vec<Json> = Collection::all()
        .into_iter()
        .map(|collection| collection_json(&engine, collection, &base, format))
        .collect();
    let body = json!({
        "links": self_and_alternate(&format!("{base}/collections"), format, JSON),
        "collections": collections,
    });
    Ok(document(format, JSON, &body, || {
        html::page("Collecties", &body)
    }))
}

/// `GET /ogc/collections/{collection}`
pub async fn one(
    State(state): State<AppState>,
    Path(collection): Path<String>,
    query: ApiQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let collection = Collection::parse(&collection)?;
    query.only(&["f"])?;
    let format = Format::of(&query, &headers)?;
    let body = collection_json(&state.engine(), collection, &ogc_base(&headers), format);
    Ok(document(format, JSON, &body, || {
        html::page(
            &format!("{} ({})", collection.title_nl(), collection.title_en()),
            &body,
        )
    }))
}
