//! The coverage endpoints (Buurtaanbod): figures per neighbourhood, what-if,
//! a shop's walking isochrones and the gaps (residents beyond the threshold).
//!
//! Handlers parse and check the input, then compute from the engine snapshot
//! in `spawn_blocking` (the walking network and the snapped residents are
//! cached on the engine). Defaults: `date` is the newest valid-from in the
//! history (today, UTC, without history); `threshold_m` is 800. Distances are
//! metres rounded to 0.1 m, shares fractions, `null` where undefined. The
//! rules are in `engine::coverage` and in DOMAIN.md.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::Json;
use chrono::{NaiveDate, Utc};
use geo::Point;
use serde::Deserialize;
use serde_json::{json, Value as Json_};

use super::error::{ApiError, ApiQuery};
use super::AppState;
use crate::engine::coverage::base::CoverageBase;
use crate::engine::coverage::figures::{
    coverage, resident_distances, AreaFigures, CoverageFigures,
};
use crate::engine::coverage::isochrone::isochrones as walking_isochrones;
use crate::engine::coverage::shops::{latest_valid_from, open_shops, shop_units, ShopSite};
use crate::engine::coverage::whatif::{
    what_if, AddedShop, AreaDifference, WhatIfError, MAX_CHANGES,
};
use crate::engine::coverage::{CoverageKind, Threshold, MAX_CONNECT_M};
use crate::engine::vacancy::stock::CITY_ID;
use crate::engine::Engine;
use crate::model::geojson::geometry_to_json;
use crate::model::layers::LayerRecord;
use crate::model::{LayerId, ShopKind, ShopUnit};

/// The largest what-if body accepted, bytes.
pub const MAX_WHATIF_BYTES: usize = 64 * 1024;

fn parse_date(query: &ApiQuery) -> Result<Option<NaiveDate>, ApiError> {
    query.get("date").map(parse_date_text).transpose()
}

fn parse_date_text(text: &str) -> Result<NaiveDate, ApiError> {
    let malformed = || ApiError::bad_request("date", format!("'{text}' is not a date YYYY-MM-DD"));
    if text.len() != 10 {
        return Err(malformed());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| malformed())
}

pub(crate) fn parse_kind_text(text: &str) -> Result<CoverageKind, ApiError> {
    text.parse()
        .map_err(|message: String| ApiError::bad_request("kind", message))
}

fn parse_kind(query: &ApiQuery) -> Result<CoverageKind, ApiError> {
    let text = query.get("kind").ok_or_else(|| {
        ApiError::bad_request(
            "kind",
            "missing (expected one of: bakery, butcher, supermarket, grocery, pharmacy, daily)",
        )
    })?;
    parse_kind_text(text)
}

pub(crate) fn parse_threshold_text(text: &str) -> Result<Threshold, ApiError> {
    text.parse()
        .map_err(|message: String| ApiError::bad_request("threshold_m", message))
}

fn parse_threshold(query: &ApiQuery) -> Result<Threshold, ApiError> {
    query
        .get("threshold_m")
        .map(parse_threshold_text)
        .transpose()
        .map(|threshold| threshold.unwrap_or(Threshold::Metres(800)))
}

fn threshold_json(threshold: Threshold) -> Json_ {
    match threshold {
        Threshold::Metres(metres) => json!(metres),
        Threshold::Any => json!("any"),
    }
}

fn metres(value: Option<f64>) -> Json_ {
    match value {
        Some(metres) if metres.is_finite() => json!((metres * 10.0).round() / 10.0),
        _ => Json_::Null,
    }
}

fn area_json(code: &str, name: &str, figures: &AreaFigures) -> Json_ {
    json!({
        "code": code,
        "name": name,
        "population": figures.population,
        "covered": figures.covered,
        "share": figures.share,
        "median_m": metres(figures.median_m),
        "p90_m": metres(figures.p90_m),
        "unreachable": figures.unreachable,
    })
}

fn difference_json(code: &str, name: &str, difference: &AreaDifference) -> Json_ {
    json!({
        "code": code,
        "name": name,
        "population": difference.population,
        "covered": difference.covered,
        "share": difference.share,
        "median_m": metres(difference.median_m),
        "p90_m": metres(difference.p90_m),
        "unreachable": difference.unreachable,
    })
}

/// `{"neighbourhoods": [...], "city": {...}}`.
fn figures_json(base: &CoverageBase, figures: &CoverageFigures, city_name: &str) -> (Json_, Json_) {
    let neighbourhoods: Vec<Json_> = base
        .neighbourhoods
        .iter()
        .zip(&figures.neighbourhoods)
        .map(|(name, area)| area_json(&name.code, &name.name, area))
        .collect();
    (
        Json_::Array(neighbourhoods),
        area_json(CITY_ID, city_name, &figures.city),
    )
}

/// What every coverage answer reads: the base, the decoded shop units, the
/// date and the shops open on it.
pub(crate) struct Snapshot {
    engine: Arc<Engine>,
    pub(crate) base: Arc<CoverageBase>,
    pub(crate) date: NaiveDate,
    pub(crate) open: Vec<ShopSite>,
}

pub(crate) fn snapshot(engine: Arc<Engine>, date: Option<NaiveDate>) -> Result<Snapshot, ApiError> {
    let base = engine.coverage_base().map_err(ApiError::internal)?;
    let units = shop_units(&engine).map_err(ApiError::internal)?;
    let date = date
        .or_else(|| latest_valid_from(&engine))
        .unwrap_or_else(|| Utc::now().date_naive());
    let open = open_shops(&units, &engine, &base.network, date);
    Ok(Snapshot {
        engine,
        base,
        date,
        open,
    })
}

/// Run `work` on a snapshot of the current engine, off the runtime.
async fn with_snapshot<T: Send + 'static>(
    state: &AppState,
    date: Option<NaiveDate>,
    work: impl FnOnce(&Snapshot) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let engine = state.engine();
    tokio::task::spawn_blocking(move || work(&snapshot(engine, date)?))
        .await
        .map_err(ApiError::internal)?
}

/// The metadata every figures answer carries.
fn metadata(snapshot: &Snapshot, kind: CoverageKind) -> Json_ {
    let kinds = kind.shop_kinds();
    let counted: Vec<&ShopSite> = snapshot
        .open
        .iter()
        .filter(|shop| kinds.contains(&shop.kind))
        .collect();
    json!({
        "rule": kind.rule(),
        "kinds": kinds.iter().map(|kind| kind.as_str()).collect::<Vec<_>>(),
        "max_connect_m": MAX_CONNECT_M,
        "open_shops": counted.len(),
        "unreachable_shops": counted.iter().filter(|shop| shop.snap.is_none()).count(),
    })
}

/// `GET /api/coverage?kind=&threshold_m=&date=`
pub async fn figures(
    State(state): State<AppState>,
    query: ApiQuery,
) -> Result<Json<Json_>, ApiError> {
    query.only(&["kind", "threshold_m", "date"])?;
    let kind = parse_kind(&query)?;
    let threshold = parse_threshold(&query)?;
    let date = parse_date(&query)?;
    let body = with_snapshot(&state, date, move |snapshot| {
        let figures = coverage(&snapshot.base, &snapshot.open, kind, threshold);
        let (neighbourhoods, city) =
            figures_json(&snapshot.base, &figures, snapshot.engine.city_name());
        Ok(json!({
            "kind": kind.as_str(),
            "threshold_m": threshold_json(threshold),
            "date": snapshot.date,
            "neighbourhoods": neighbourhoods,
            "city": city,
            "metadata": metadata(snapshot, kind),
        }))
    })
    .await?;
    Ok(Json(body))
}

/// `GET /api/coverage/gaps?kind=&threshold_m=&date=`: a GeoJSON point per
/// resident beyond the threshold or unreachable, with the distance.
pub async fn gaps(State(state): State<AppState>, query: ApiQuery) -> Result<Json<Json_>, ApiError> {
    query.only(&["kind", "threshold_m", "date"])?;
    let kind = parse_kind(&query)?;
    let threshold = parse_threshold(&query)?;
    let date = parse_date(&query)?;
    let body = with_snapshot(&state, date, move |snapshot| {
        let base = &snapshot.base;
        let distances = resident_distances(base, &snapshot.open, kind);
        let features: Vec<Json_> = base
            .residents
            .iter()
            .zip(&distances)
            .filter(|(_, distance_m)| !threshold.covers(**distance_m))
            .map(|(resident, &distance_m)| {
                let neighbourhood = resident
                    .neighbourhood
                    .map(|index| base.neighbourhoods[index as usize].code.as_str());
                json!({
                    "type": "Feature",
                    "id": resident.id,
                    "geometry": {"type": "Point", "coordinates": [resident.point.x(), resident.point.y()]},
                    "properties": {
                        "id": resident.id,
                        "population": resident.population,
                        "distance_m": metres(Some(distance_m)),
                        "unreachable": !distance_m.is_finite(),
                        "neighbourhood": neighbourhood,
                    },
                })
            })
            .collect();
        Ok(json!({
            "type": "FeatureCollection",
            "kind": kind.as_str(),
            "threshold_m": threshold_json(threshold),
            "date": snapshot.date,
            "features": features,
        }))
    })
    .await?;
    Ok(Json(body))
}

/// `GET /api/coverage/isochrones?unit=`: the shop's walking isochrones at
/// 400, 800 and 1,200 m as a GeoJSON FeatureCollection.
pub async fn isochrones(
    State(state): State<AppState>,
    query: ApiQuery,
) -> Result<Json<Json_>, ApiError> {
    query.only(&["unit"])?;
    let unit_id = query
        .get("unit")
        .ok_or_else(|| ApiError::bad_request("unit", "missing (a shop unit id)"))?
        .to_string();
    let engine = state.engine();
    let body = tokio::task::spawn_blocking(move || {
        let feature = engine
            .layer(LayerId::ShopUnits)
            .get(&unit_id)
            .ok_or_else(|| ApiError::NotFound(format!("no shop unit '{unit_id}'")))?;
        let unit = ShopUnit::from_feature(feature).map_err(ApiError::internal)?;
        let base = engine.coverage_base().map_err(ApiError::internal)?;
        let snap = base.network.snap(unit.geometry).ok_or_else(|| {
            ApiError::bad_request(
                "unit",
                format!("shop unit '{unit_id}' is more than {MAX_CONNECT_M} m from every walkable street"),
            )
        })?;
        let features: Vec<Json_> = walking_isochrones(&base.network, unit.geometry, &snap)
            .into_iter()
            .map(|(limit_m, polygon)| {
                json!({
                    "type": "Feature",
                    "geometry": geometry_to_json(&polygon.into()),
                    "properties": {"unit": unit_id, "limit_m": limit_m},
                })
            })
            .collect();
        Ok::<_, ApiError>(json!({"type": "FeatureCollection", "unit": unit_id, "features": features}))
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(Json(body))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WhatIfBody {
    kind: String,
    #[serde(default)]
    threshold_m: Option<Json_>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    add: Vec<AddBody>,
    #[serde(default)]
    remove: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddBody {
    lon: f64,
    lat: f64,
    kind: String,
}

/// The checked what-if request.
struct WhatIfRequest {
    kind: CoverageKind,
    threshold: Threshold,
    date: Option<NaiveDate>,
    added: Vec<AddedShop>,
    removed: Vec<String>,
}

fn parse_whatif(body: &[u8]) -> Result<WhatIfRequest, ApiError> {
    if body.len() > MAX_WHATIF_BYTES {
        return Err(ApiError::bad_request(
            "body",
            format!(
                "{} bytes, more than the {MAX_WHATIF_BYTES} allowed",
                body.len()
            ),
        ));
    }
    let request: WhatIfBody = serde_json::from_slice(body).map_err(|error| {
        ApiError::bad_request("body", format!("not a what-if request: {error}"))
    })?;
    let kind = parse_kind_text(&request.kind)?;
    let threshold = match &request.threshold_m {
        None => Threshold::Metres(800),
        Some(Json_::String(text)) => parse_threshold_text(text)?,
        Some(Json_::Number(number)) => parse_threshold_text(&number.to_string())?,
        Some(other) => {
            return Err(ApiError::bad_request(
                "threshold_m",
                format!("unknown threshold {other} (expected one of: 400, 800, 1200, any)"),
            ))
        }
    };
    let date = request.date.as_deref().map(parse_date_text).transpose()?;
    if request.add.len() + request.remove.len() > MAX_CHANGES {
        return Err(ApiError::bad_request(
            "add",
            format!(
                "{} shops added and removed, more than the {MAX_CHANGES} allowed",
                request.add.len() + request.remove.len()
            ),
        ));
    }
    let added = request
        .add
        .iter()
        .enumerate()
        .map(|(index, shop)| {
            let field = |name: &str| format!("add[{index}].{name}");
            if !(shop.lon.is_finite() && (-180.0..=180.0).contains(&shop.lon)) {
                return Err(ApiError::bad_request(&field("lon"), "not a longitude"));
            }
            if !(shop.lat.is_finite() && (-90.0..=90.0).contains(&shop.lat)) {
                return Err(ApiError::bad_request(&field("lat"), "not a latitude"));
            }
            let kind: ShopKind = shop
                .kind
                .parse()
                .map_err(|message: String| ApiError::bad_request(&field("kind"), message))?;
            Ok(AddedShop {
                point: Point::new(shop.lon, shop.lat),
                kind,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(WhatIfRequest {
        kind,
        threshold,
        date,
        added,
        removed: request.remove,
    })
}

/// `POST /api/coverage/whatif`: the figures before and after adding and
/// removing shops, and the difference (after − before) per neighbourhood.
pub async fn whatif(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Json_>, ApiError> {
    let body = body.map_err(|rejection| ApiError::bad_request("body", rejection.body_text()))?;
    let request = parse_whatif(&body)?;
    let date = request.date;
    let body = with_snapshot(&state, date, move |snapshot| {
        let units = snapshot.engine.layer(LayerId::ShopUnits);
        let outcome = what_if(
            &snapshot.base,
            &snapshot.open,
            request.kind,
            request.threshold,
            &request.added,
            &request.removed,
            |id| units.get(id).is_some(),
        )
        .map_err(|error| match &error {
            WhatIfError::TooFar { index, .. } => {
                ApiError::bad_request(&format!("add[{index}]"), error.to_string())
            }
            WhatIfError::UnknownUnit { index, .. } => {
                ApiError::bad_request(&format!("remove[{index}]"), error.to_string())
            }
            WhatIfError::TooMany { .. } => ApiError::bad_request("add", error.to_string()),
        })?;
        let base = &snapshot.base;
        let (before_neighbourhoods, before_city) =
            figures_json(base, &outcome.before, snapshot.engine.city_name());
        let (after_neighbourhoods, after_city) =
            figures_json(base, &outcome.after, snapshot.engine.city_name());
        let differences: Vec<Json_> = base
            .neighbourhoods
            .iter()
            .zip(
                outcome
                    .before
                    .neighbourhoods
                    .iter()
                    .zip(&outcome.after.neighbourhoods),
            )
            .map(|(name, (before, after))| {
                difference_json(
                    &name.code,
                    &name.name,
                    &AreaDifference::between(before, after),
                )
            })
            .collect();
        Ok(json!({
            "kind": request.kind.as_str(),
            "threshold_m": threshold_json(request.threshold),
            "date": snapshot.date,
            "metadata": metadata(snapshot, request.kind),
            "before": {"neighbourhoods": before_neighbourhoods, "city": before_city},
            "after": {"neighbourhoods": after_neighbourhoods, "city": after_city},
            "added": outcome.added_reach.iter().enumerate().map(|(index, residents)| json!({"index": index, "residents_within": residents})).collect::<Vec<_>>(),
            "difference": {
                "neighbourhoods": differences,
                "city": difference_json(
                    CITY_ID,
                    snapshot.engine.city_name(),
                    &AreaDifference::between(&outcome.before.city, &outcome.after.city),
                ),
            },
        }))
    })
    .await?;
    Ok(Json(body))
}
