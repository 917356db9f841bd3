//! The layer endpoints: health, the layer list, and features as GeoJSON.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use geo::{coord, Rect};
use serde::Serialize;
use serde_json::{json, Value as Json_};

use super::auth::Caller;
use super::error::{ApiError, ApiPath, ApiQuery};
use super::AppState;
use crate::model::geojson::{Audience, GeoJsonFeature};
use crate::model::{LayerId, ALL_LAYERS};

/// The most features one page may hold.
pub const MAX_LIMIT: usize = 10_000;
/// The page size when none is asked for.
pub const DEFAULT_LIMIT: usize = 1_000;

/// `GET /api/health`
pub async fn health(State(state): State<AppState>) -> Json<Json_> {
    let engine = state.engine();
    let layers: serde_json::Map<String, Json_> = engine
        .counts()
        .into_iter()
        .map(|(layer, count)| (layer.to_string(), json!(count)))
        .collect();
    Json(json!({"status": "ok", "store": state.store().kind().as_str(), "layers": layers}))
}

/// `GET /api/layers`: id, titles, geometry type, count, bbox, the fields the
/// caller may read (confidential ones marked, for the roles that see them)
/// and the data sources to credit (`model::provenance`: name and Dutch credit).
pub async fn list(State(state): State<AppState>, caller: Caller) -> Json<Json_> {
    let engine = state.engine();
    let layers: Vec<Json_> = ALL_LAYERS
        .iter()
        .map(|schema| {
            let index = engine.layer(schema.id);
            let sees_confidential = caller.audience(schema.id) == Audience::Confidential;
            let fields: Vec<Json_> = schema
                .fields
                .iter()
                .filter(|field| sees_confidential || !field.confidential)
                .map(|field| {
                    json!({"name": field.name, "type": field.kind, "title_nl": field.title_nl, "title_en": field.title_en, "confidential": field.confidential})
                })
                .collect();
            json!({
                "id": schema.id,
                "title": schema.title_nl,
                "title_nl": schema.title_nl,
                "title_en": schema.title_en,
                "geometry_type": schema.geometry_type,
                "count": index.len(),
                "bbox": index.extent().map(|r| json!([r.min().x, r.min().y, r.max().x, r.max().y])),
                "fields": fields,
                "sources": index.sources(schema.id).iter().map(|source| json!({
                    "id": source.as_str(),
                    "credit_nl": source.credit_nl(),
                    "url": source.url(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(json!({ "layers": layers }))
}

/// The layer named in a path, or a 404 that lists the layers.
pub(crate) fn parse_layer(text: &str) -> Result<LayerId, ApiError> {
    text.parse().map_err(|_| {
        let names: Vec<&str> = LayerId::ALL.iter().map(|layer| layer.as_str()).collect();
        ApiError::NotFound(format!(
            "unknown layer '{text}' (layers: {})",
            names.join(", ")
        ))
    })
}

/// The comma-separated numbers of a `bbox` parameter named `parameter`
/// (how many is the caller's to check); every one finite.
pub(crate) fn bbox_numbers(
    parameter: &str,
    text: &str,
    expected: &str,
) -> Result<Vec<f64>, ApiError> {
    let numbers: Vec<f64> = text
        .split(',')
        .map(|part| part.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            ApiError::bad_request(
                parameter,
                format!("'{text}' is not four numbers {expected}"),
            )
        })?;
    if numbers.iter().any(|n| !n.is_finite()) {
        return Err(ApiError::bad_request(parameter, "numbers must be finite"));
    }
    Ok(numbers)
}

/// `minlon,minlat,maxlon,maxlat` in EPSG:4326.
fn parse_bbox(text: &str) -> Result<Rect<f64>, ApiError> {
    let numbers = bbox_numbers("bbox", text, "minlon,minlat,maxlon,maxlat")?;
    let [min_lon, min_lat, max_lon, max_lat] = numbers[..] else {
        return Err(ApiError::bad_request(
            "bbox",
            format!(
                "expected 4 numbers minlon,minlat,maxlon,maxlat, got {}",
                numbers.len()
            ),
        ));
    };
    if !(-180.0..=180.0).contains(&min_lon)
        || !(-180.0..=180.0).contains(&max_lon)
        || !(-90.0..=90.0).contains(&min_lat)
        || !(-90.0..=90.0).contains(&max_lat)
    {
        return Err(ApiError::bad_request(
            "bbox",
            "longitudes must lie in -180..180 and latitudes in -90..90 (EPSG:4326)",
        ));
    }
    if min_lon > max_lon || min_lat > max_lat {
        return Err(ApiError::bad_request(
            "bbox",
            "the minimum is above the maximum (expected minlon,minlat,maxlon,maxlat)",
        ));
    }
    Ok(Rect::new(
        coord! { x: min_lon, y: min_lat },
        coord! { x: max_lon, y: max_lat },
    ))
}

/// A whole number parameter from 0 to `max`, `default` when absent.
pub(crate) fn parse_count(
    query: &ApiQuery,
    name: &str,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    let Some(text) = query.get(name) else {
        return Ok(default);
    };
    let number: i64 = text
        .trim()
        .parse()
        .map_err(|_| ApiError::bad_request(name, format!("'{text}' is not a whole number")))?;
    if number < 0 {
        return Err(ApiError::bad_request(name, "must not be negative"));
    }
    if number as u64 > max as u64 {
        return Err(ApiError::bad_request(
            name,
            format!("must be at most {max}"),
        ));
    }
    Ok(number as usize)
}

/// `GET /api/layers/{layer}/features?bbox=&limit=&offset=`: a page of an
/// RFC 7946 FeatureCollection, in id order.
pub async fn features(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(layer): ApiPath<String>,
    query: ApiQuery,
) -> Result<Response, ApiError> {
    let layer = parse_layer(&layer)?;
    let audience = caller.audience(layer);
    query.only(&["bbox", "limit", "offset"])?;
    let bbox = query.get("bbox").map(parse_bbox).transpose()?;
    let limit = parse_count(&query, "limit", DEFAULT_LIMIT, MAX_LIMIT)?;
    let offset = parse_count(&query, "offset", 0, usize::MAX >> 1)?;
    let engine = state.engine();
    let body = tokio::task::spawn_blocking(move || {
        let index = engine.layer(layer);
        let positions: Vec<usize> = match bbox {
            Some(bbox) => index.query_bbox(bbox),
            None => (0..index.len()).collect(),
        };
        let fields = layer.schema().fields;
        let page: Vec<GeoJsonFeature> = positions
            .iter()
            .skip(offset)
            .take(limit)
            .map(|position| GeoJsonFeature::own(&index.features()[*position], fields, audience))
            .collect();
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Page<'a> {
            #[serde(rename = "type")]
            kind: &'static str,
            number_matched: usize,
            number_returned: usize,
            features: Vec<GeoJsonFeature<'a>>,
        }
        let page = Page {
            kind: "FeatureCollection",
            number_matched: positions.len(),
            number_returned: page.len(),
            features: page,
        };
        serde_json::to_string(&page).expect("GeoJSON has string keys")
    })
    .await
    .map_err(ApiError::internal)?;
    Ok(geojson_response(body))
}

/// GeoJSON whose confidential fields depend on who asks: never shared by caches.
fn geojson_response(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/geo+json"),
            (header::VARY, "Cookie, Authorization"),
            (header::CACHE_CONTROL, "private, no-cache"),
        ],
        body,
    )
        .into_response()
}

/// `GET /api/layers/{layer}/features/{feature_id}`
pub async fn feature(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((layer, feature_id)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let layer = parse_layer(&layer)?;
    let engine = state.engine();
    let feature = engine.layer(layer).get(&feature_id).ok_or_else(|| {
        ApiError::NotFound(format!("layer '{layer}' has no feature '{feature_id}'"))
    })?;
    let shown = GeoJsonFeature::own(feature, layer.schema().fields, caller.audience(layer));
    let body = serde_json::to_string(&shown).expect("GeoJSON has string keys");
    Ok(geojson_response(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bbox_parsing_names_each_defect() {
        assert!(parse_bbox("5.4,50.9,5.6,51.0").is_ok());
        assert!(parse_bbox(" 5.4, 50.9 ,5.6,51.0").is_ok());
        for bad in [
            "",
            "5.4,50.9,5.6",
            "a,b,c,d",
            "5.6,50.9,5.4,51.0",
            "5.4,51.0,5.6,50.9",
            "5.4,50.9,5.6,51.0,1",
            "NaN,1,2,3",
            "225702,182034,225800,182100",
        ] {
            let error = parse_bbox(bad).unwrap_err();
            assert!(
                matches!(error, ApiError::BadRequest { ref parameter, .. } if parameter == "bbox"),
                "{bad}"
            );
        }
    }
}
