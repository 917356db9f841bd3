//! `GET /api/search?q=&limit=`: places by name for the search box
//! (`engine::search`): known places, areas, parks, neighbourhoods, access points,
//! companies, streets and shop-unit addresses, each with its box and
//! geometries to fit the map to and outline.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use geo::BoundingRect;
use serde::Serialize;

use super::error::{ApiError, ApiQuery};
use super::layers::parse_count;
use super::AppState;
use crate::engine::plane::union;
use crate::engine::search::{search, Quality, Query};
use crate::model::geojson::GeoJsonGeometry;
use crate::model::LayerId;

/// The longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 100;
/// Hits when no `limit` is asked for, and the most one answer holds.
pub const DEFAULT_LIMIT: usize = 8;
pub const MAX_LIMIT: usize = 50;

#[derive(Serialize)]
struct Answer<'a> {
    query: String,
    results: Vec<Place<'a>>,
}

#[derive(Serialize)]
struct Place<'a> {
    layer: LayerId,
    /// The first feature's id (a street's first segment), and every id.
    id: &'a str,
    ids: Vec<&'a str>,
    name: String,
    /// `whole`, `start`, `word_start`, `inside` or `one_slip`.
    quality: &'static str,
    /// `[minlon, minlat, maxlon, maxlat]`.
    bbox: [f64; 4],
    geometries: Vec<GeoJsonGeometry<'a>>,
}

fn quality_name(quality: Quality) -> &'static str {
    match quality {
        Quality::Whole => "whole",
        Quality::Start => "start",
        Quality::WordStart => "word_start",
        Quality::Inside => "inside",
        Quality::OneSlip => "one_slip",
    }
}

/// `GET /api/search`
pub async fn places(State(state): State<AppState>, query: ApiQuery) -> Result<Response, ApiError> {
    query.only(&["q", "limit"])?;
    let text = query
        .get("q")
        .ok_or_else(|| ApiError::bad_request("q", "is required: the name to look for"))?;
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_request(
            "q",
            format!("is longer than {MAX_QUERY_CHARS} characters"),
        ));
    }
    let limit = parse_count(&query, "limit", DEFAULT_LIMIT, MAX_LIMIT)?;
    if limit == 0 {
        return Err(ApiError::bad_request("limit", "must be at least 1"));
    }
    let engine = state.engine();
    let hits = Query::new(text)
        .map(|query| search(&engine, &query, limit))
        .unwrap_or_default();
    // The answer borrows the snapshot's features: it is written out here, while the snapshot is held.
    let results = hits
        .into_iter()
        .filter_map(|hit| {
            let index = engine.layer(hit.layer);
            let features: Vec<_> = hit
                .positions
                .iter()
                .map(|position| &index.features()[*position])
                .collect();
            let bbox = features
                .iter()
                .filter_map(|feature| feature.geometry.bounding_rect())
                .fold(None, |held, bbox| Some(union(held, bbox)))?;
            Some(Place {
                layer: hit.layer,
                id: features[0].id.as_str(),
                ids: features.iter().map(|feature| feature.id.as_str()).collect(),
                name: hit.name,
                quality: quality_name(hit.quality),
                bbox: [bbox.min().x, bbox.min().y, bbox.max().x, bbox.max().y],
                geometries: features
                    .iter()
                    .map(|feature| GeoJsonGeometry(&feature.geometry))
                    .collect(),
            })
        })
        .collect();
    Ok(Json(Answer {
        query: text.to_string(),
        results,
    })
    .into_response())
}
