//! The vacancy endpoints: summary, trend, churn, the register (JSON or CSV)
//! and the units of one group.
//!
//! Handlers parse the query, then build the [`RetailStock`] from the engine
//! snapshot and compute in `spawn_blocking`. Every answer is public: it
//! carries counts, rates, addresses and floor areas, never an occupant.
//!
//! Defaults: `date` (and `to`) is the newest valid-from in the history (the
//! latest day the data speaks about; today, UTC, when there is no history);
//! `by` is `city`; a trend runs monthly over the five years up to `to`, churn
//! over the year up to `to`. Rates are fractions, `null` when their
//! denominator is 0.
//!
//! The heatmaps (`/api/vacancy/h3`, `/api/vacancy/h3/change`,
//! `/api/vacancy/surface` and the tile layer `/tiles/vacancy_h3/...`) use
//! a [`LocatedStock`] instead (the units with their points and H3 cells).
//! Their GeoJSON coordinates are x = longitude, y = latitude, rounded to
//! 10⁻⁷ degrees (about 1 cm).
//!
//! # Caches
//! Building a stock from the engine (decoding the units, every unit's
//! in-force history) is most of a request's time, and the engine snapshot it
//! comes from never changes: an edit swaps in a new snapshot. So the stocks,
//! and the hexagon sets that the tiles are cut from (per date, resolution
//! and minimum), are kept with the snapshot itself
//! ([`VacancyCache`](crate::engine::vacancy::VacancyCache)): the first
//! request after an edit builds them, the next ones reuse them, and a value
//! of an old snapshot is never served for a new one.
//!
//! One piece: the handlers of every `/api/vacancy` route share one query
//! parser, the snapshot's stock lookup and the CSV writer; each is short.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Months, NaiveDate, Utc};
use serde_json::{json, Value as Json_};

use super::error::{ApiError, ApiPath, ApiQuery};
use super::tile_cache::TileSource;
use super::AppState;
use std::sync::Arc;

use crate::engine::vacancy::h3::{
    cell_polygon, hex_cells, hex_change, CellFigures, HexParams, HexResolution, LocatedStock,
    DEFAULT_MIN_UNITS,
};
use crate::engine::vacancy::surface::{ratio_surface, SurfaceParams, SurfaceWeight};
use crate::engine::vacancy::{
    self, step_dates, Grouping, RegisterEntry, RetailStock, Step, VacancyError, MAX_STEPS,
};
use crate::engine::Engine;
use crate::model::UnitStatus;
use crate::tiles::vacancy_h3::{render_hex_tile, HexTileSet};

/// A `YYYY-MM-DD` parameter, `None` when absent.
fn parse_date(query: &ApiQuery, name: &str) -> Result<Option<NaiveDate>, ApiError> {
    let Some(text) = query.get(name) else {
        return Ok(None);
    };
    let malformed = || ApiError::bad_request(name, format!("'{text}' is not a date YYYY-MM-DD"));
    if text.len() != 10 {
        return Err(malformed());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| malformed())
}

fn parse_grouping(query: &ApiQuery) -> Result<Grouping, ApiError> {
    query
        .get("by")
        .map(|text| {
            text.parse()
                .map_err(|message: String| ApiError::bad_request("by", message))
        })
        .transpose()
        .map(|grouping| grouping.unwrap_or(Grouping::City))
}

fn parse_step(query: &ApiQuery) -> Result<Step, ApiError> {
    query
        .get("step")
        .map(|text| {
            text.parse()
                .map_err(|message: String| ApiError::bad_request("step", message))
        })
        .transpose()
        .map(|step| step.unwrap_or(Step::Month))
}

/// Run `work` on the retail stock of the current engine, off the runtime.
async fn with_stock<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&RetailStock) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let engine: Arc<Engine> = state.engine();
    tokio::task::spawn_blocking(move || {
        let stock = vacancy::retail_stock(&engine).map_err(ApiError::internal)?;
        work(&stock)
    })
    .await
    .map_err(ApiError::internal)?
}

/// The default date: the newest valid-from in the history, else today (UTC).
pub(crate) fn default_date(stock: &RetailStock) -> NaiveDate {
    stock
        .latest_valid_from()
        .unwrap_or_else(|| Utc::now().date_naive())
}

/// `date` − `n_months`, the earliest date when out of range.
fn months_before(date: NaiveDate, n_months: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(n_months))
        .unwrap_or(NaiveDate::MIN)
}

fn reversed(from: NaiveDate, to: NaiveDate) -> ApiError {
    ApiError::bad_request("from", format!("{from} is after to = {to}"))
}

/// `GET /api/vacancy/summary?date=&by=`
pub async fn summary(
    State(state): State<AppState>,
    query: ApiQuery,
) -> Result<Json<Json_>, ApiError> {
    query.only(&["date", "by"])?;
    let date = parse_date(&query, "date")?;
    let grouping = parse_grouping(&query)?;
    let body = with_stock(&state, move |stock| {
        let date = date.unwrap_or_else(|| default_date(stock));
        let groups: Vec<Json_> = vacancy::summarise(stock, grouping, date)
            .iter()
            .map(|summary| {
                json!({
                    "id": summary.group.id,
                    "name": summary.group.name,
                    "units": summary.n_units,
                    "occupied": summary.n_occupied,
                    "vacant": summary.n_vacant,
                    "renovation": summary.n_renovation,
                    "rate_count": summary.rate_count(),
                    "rate_area": summary.rate_area(),
                    "frictional": summary.n_frictional,
                    "long_term": summary.n_long_term,
                    "structural": summary.n_structural,
                    "register_candidates": summary.n_register_candidates,
                })
            })
            .collect();
        Ok(json!({"date": date, "by": grouping.as_str(), "groups": groups}))
    })
    .await?;
    Ok(Json(body))
}

/// `GET /api/vacancy/trend?from=&to=&step=&by=`
pub async fn trend(
    State(state): State<AppState>,
    query: ApiQuery,
) -> Result<Json<Json_>, ApiError> {
    query.only(&["from", "to", "step", "by"])?;
    let from = parse_date(&query, "from")?;
    let to = parse_date(&query, "to")?;
    let step = parse_step(&query)?;
    let grouping = parse_grouping(&query)?;
    let body = with_stock(&state, move |stock| {
        let to = to.unwrap_or_else(|| default_date(stock));
        let from = from.unwrap_or_else(|| months_before(to, 60));
        let dates = step_dates(from, to, step).map_err(|error| match error {
            VacancyError::PeriodReversed { from, to } => reversed(from, to),
            VacancyError::TooManySteps { n_steps, .. } => ApiError::bad_request(
                "step",
                format!("{from} to {to} by {} is {n_steps} steps, more than {MAX_STEPS}; choose a longer step or a shorter range", step.as_str()),
            ),
            other => ApiError::bad_request("to", other.to_string()),
        })?;
        let groups: Vec<Json_> = vacancy::trend(stock, grouping, &dates)
            .iter()
            .map(|series| {
                let points: Vec<Json_> = series
                    .points
                    .iter()
                    .map(|point| {
                        json!({
                            "date": point.date,
                            "units": point.n_units,
                            "occupied": point.n_occupied,
                            "vacant": point.n_vacant,
                            "renovation": point.n_renovation,
                            "rate_count": point.rate_count,
                            "rate_area": point.rate_area,
                        })
                    })
                    .collect();
                json!({"id": series.group.id, "name": series.group.name, "points": points})
            })
            .collect();
        Ok(json!({
            "from": from,
            "to": to,
            "step": step.as_str(),
            "by": grouping.as_str(),
            "dates": dates,
            "groups": groups,
        }))
    })
    .await?;
    Ok(Json(body))
}

/// `GET /api/vacancy/churn?from=&to=&by=`: changes over (from, to].
pub async fn churn(
    State(state): State<AppState>,
    query: ApiQuery,
) -> Result<Json<Json_>, ApiError> {
    query.only(&["from", "to", "by"])?;
    let from = parse_date(&query, "from")?;
    let to = parse_date(&query, "to")?;
    let grouping = parse_grouping(&query)?;
    let body = with_stock(&state, move |stock| {
        let to = to.unwrap_or_else(|| default_date(stock));
        let from = from.unwrap_or_else(|| months_before(to, 12));
        let churns = vacancy::churn(stock, grouping, from, to).map_err(|error| match error {
            VacancyError::PeriodReversed { from, to } => reversed(from, to),
            other => ApiError::internal(other),
        })?;
        let groups: Vec<Json_> = churns
            .iter()
            .map(|churn| {
                json!({
                    "id": churn.group.id,
                    "name": churn.group.name,
                    "openings": churn.n_openings,
                    "closures": churn.n_closures,
                    "conversions": churn.n_conversions,
                    "exits": churn.n_exits,
                })
            })
            .collect();
        Ok(json!({"from": from, "to": to, "by": grouping.as_str(), "groups": groups}))
    })
    .await?;
    Ok(Json(body))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RegisterFormat {
    Json,
    Csv,
}

/// `?format=json|csv` wins; otherwise CSV when the client accepts `text/csv`.
fn register_format(query: &ApiQuery, headers: &HeaderMap) -> Result<RegisterFormat, ApiError> {
    match query.get("format") {
        Some("json") => Ok(RegisterFormat::Json),
        Some("csv") => Ok(RegisterFormat::Csv),
        Some(other) => Err(ApiError::bad_request(
            "format",
            format!("unknown format '{other}' (expected one of: json, csv)"),
        )),
        None => {
            let accepts_csv = headers
                .get_all(header::ACCEPT)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .any(|media| {
                    media
                        .split(';')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .eq_ignore_ascii_case("text/csv")
                });
            Ok(if accepts_csv {
                RegisterFormat::Csv
            } else {
                RegisterFormat::Json
            })
        }
    }
}

/// `GET /api/vacancy/register?date=&format=`: the units vacant 12 months or
/// more, longest first.
pub async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: ApiQuery,
) -> Result<Response, ApiError> {
    query.only(&["date", "format"])?;
    let date = parse_date(&query, "date")?;
    let format = register_format(&query, &headers)?;
    let (date, entries) = with_stock(&state, move |stock| {
        let date = date.unwrap_or_else(|| default_date(stock));
        Ok((date, vacancy::register(stock, date)))
    })
    .await?;
    Ok(match format {
        RegisterFormat::Json => {
            let units: Vec<Json_> = entries
                .iter()
                .map(|entry| {
                    json!({
                        "id": entry.unit_id,
                        "address": entry.address,
                        "street": entry.street,
                        "area_id": entry.area_id,
                        "area_name": entry.area_name,
                        "floor_area_m2": entry.floor_area_m2,
                        "vacant_since": entry.vacant_since,
                        "months_vacant": entry.months_vacant,
                    })
                })
                .collect();
            Json(json!({"date": date, "threshold_months": vacancy::duration::REGISTER_MONTHS, "units": units}))
                .into_response()
        }
        RegisterFormat::Csv => {
            let disposition = format!("attachment; filename=\"leegstandsregister-{date}.csv\"");
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                register_csv(&entries),
            )
                .into_response()
        }
    })
}

/// `GET /api/vacancy/units?by=&group=&date=&status=`: the units of one
/// group on the date with their state then (vacant first, longest first).
pub async fn units(
    State(state): State<AppState>,
    query: ApiQuery,
) -> Result<Json<Json_>, ApiError> {
    query.only(&["date", "by", "group", "status"])?;
    let date = parse_date(&query, "date")?;
    let grouping = parse_grouping(&query)?;
    let group_id = match (query.get("group"), grouping) {
        (Some(id), _) => id.to_string(),
        (None, Grouping::City) => vacancy::stock::CITY_ID.to_string(),
        (None, _) => {
            return Err(ApiError::bad_request(
                "group",
                format!("which {grouping} (an id from /api/vacancy/summary?by={grouping})"),
            ))
        }
    };
    let status = query
        .get("status")
        .map(|text| {
            text.parse::<UnitStatus>().map_err(|_| {
                ApiError::bad_request(
                    "status",
                    format!("unknown status '{text}' (expected one of: occupied, vacant, renovation, non_commercial)"),
                )
            })
        })
        .transpose()?;
    with_stock(&state, move |stock| {
        let date = date.unwrap_or_else(|| default_date(stock));
        let (group, listed) = vacancy::units_of(stock, grouping, &group_id, date, status)
            .ok_or_else(|| ApiError::NotFound(format!("no {grouping} '{group_id}'")))?;
        let units: Vec<Json_> = listed
            .iter()
            .map(|unit| {
                json!({
                    "id": unit.unit_id,
                    "address": unit.address,
                    "street": unit.street,
                    "status": unit.status,
                    "status_since": unit.status_since,
                    "months_in_status": unit.months_in_status,
                    "category": unit.category,
                    "floor_area_m2": unit.floor_area_m2,
                    "lon": round_degrees(unit.lon),
                    "lat": round_degrees(unit.lat),
                })
            })
            .collect();
        Ok(Json(json!({
            "date": date,
            "by": grouping.as_str(),
            "group": {"id": group.id, "name": group.name},
            "units": units,
        })))
    })
    .await
}

/// The register as CSV for a Dutch-language spreadsheet: a UTF-8 byte-order
/// mark, `;` between fields, a decimal comma, CRLF line ends and a header row.
pub fn register_csv(entries: &[RegisterEntry]) -> String {
    let mut text = String::from(
        "\u{feff}id;adres;straat;winkelgebied;winkelgebied_id;vloeroppervlakte_m2;leeg_sinds;maanden_leeg\r\n",
    );
    for entry in entries {
        let fields = [
            csv_field(&entry.unit_id),
            csv_field(&entry.address),
            csv_field(&entry.street),
            csv_field(entry.area_name.as_deref().unwrap_or("")),
            csv_field(entry.area_id.as_deref().unwrap_or("")),
            entry.floor_area_m2.to_string().replace('.', ","),
            entry.vacant_since.to_string(),
            entry.months_vacant.to_string(),
        ];
        text.push_str(&fields.join(";"));
        text.push_str("\r\n");
    }
    text
}

/// One text field: quoted when it holds `;`, `"` or a line break, and kept
/// from being read as a formula by a spreadsheet.
fn csv_field(text: &str) -> String {
    let text = crate::model::value::spreadsheet_safe(text);
    if text.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.into_owned()
    }
}

// ---------------------------------------------------------------- heatmaps

/// The largest `min_units` a request may ask for.
pub const MAX_MIN_UNITS: usize = 1_000;

/// `res=9|10`, 9 when absent.
pub(crate) fn parse_resolution(query: &ApiQuery) -> Result<HexResolution, ApiError> {
    let Some(text) = query.get("res") else {
        return Ok(HexResolution::Nine);
    };
    text.parse::<u8>()
        .ok()
        .and_then(HexResolution::from_number)
        .ok_or_else(|| {
            ApiError::bad_request(
                "res",
                format!("'{text}' is not an offered H3 resolution (9 or 10)"),
            )
        })
}

/// `min_units`, a whole number from 1 to [`MAX_MIN_UNITS`], 5 when absent.
pub(crate) fn parse_min_units(query: &ApiQuery) -> Result<usize, ApiError> {
    let Some(text) = query.get("min_units") else {
        return Ok(DEFAULT_MIN_UNITS);
    };
    text.parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_MIN_UNITS).contains(n))
        .ok_or_else(|| {
            ApiError::bad_request(
                "min_units",
                format!("'{text}' is not a whole number from 1 to {MAX_MIN_UNITS}"),
            )
        })
}

/// A number of metres, `default` when absent.
fn parse_metres(query: &ApiQuery, name: &str, default: f64) -> Result<f64, ApiError> {
    let Some(text) = query.get(name) else {
        return Ok(default);
    };
    text.parse::<f64>()
        .ok()
        .filter(|number| number.is_finite())
        .ok_or_else(|| ApiError::bad_request(name, format!("'{text}' is not a number of metres")))
}

/// Run `work` on the located stock of the current engine, off the runtime.
async fn with_located<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&LocatedStock) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let engine: Arc<Engine> = state.engine();
    tokio::task::spawn_blocking(move || {
        let located = located_stock(&engine)?;
        work(&located)
    })
    .await
    .map_err(ApiError::internal)?
}

/// Degrees rounded to 10⁻⁷ (about 1 cm), for GeoJSON.
fn round_degrees(degrees: f64) -> f64 {
    (degrees * 1e7).round() / 1e7
}

/// A closed ring as GeoJSON coordinates.
fn ring_json(ring: &geo::LineString<f64>) -> Json_ {
    Json_::Array(
        ring.0
            .iter()
            .map(|point| json!([round_degrees(point.x), round_degrees(point.y)]))
            .collect(),
    )
}

/// A GeoJSON feature with a cell's outline.
fn hex_feature(cell: h3o::CellIndex, properties: Json_) -> Json_ {
    let polygon = cell_polygon(cell);
    json!({
        "type": "Feature",
        "id": cell.to_string(),
        "geometry": {"type": "Polygon", "coordinates": [ring_json(polygon.exterior())]},
        "properties": properties,
    })
}

fn cell_properties_json(figures: &CellFigures) -> Json_ {
    json!({
        "h3": figures.cell.to_string(),
        "units": figures.n_units,
        "occupied": figures.n_occupied,
        "vacant": figures.n_vacant,
        "renovation": figures.n_renovation,
        "rate_count": figures.rate_count(),
        "rate_area": figures.rate_area(),
        "too_small": figures.too_small,
    })
}

/// `GET /api/vacancy/h3?date=&res=&min_units=`: a FeatureCollection of the
/// hexagons holding a unit on the date.
pub async fn h3(State(state): State<AppState>, query: ApiQuery) -> Result<Json<Json_>, ApiError> {
    query.only(&["date", "res", "min_units"])?;
    let date = parse_date(&query, "date")?;
    let params = HexParams {
        resolution: parse_resolution(&query)?,
        min_units: parse_min_units(&query)?,
    };
    let body = with_located(&state, move |located| {
        let date = date.unwrap_or_else(|| default_date(located.stock()));
        let features: Vec<Json_> = hex_cells(located, date, &params)
            .iter()
            .map(|figures| hex_feature(figures.cell, cell_properties_json(figures)))
            .collect();
        Ok(json!({
            "type": "FeatureCollection",
            "date": date,
            "res": params.resolution.number(),
            "min_units": params.min_units,
            "features": features,
        }))
    })
    .await?;
    Ok(Json(body))
}

/// `GET /api/vacancy/h3/change?from=&to=&res=&min_units=`: per hexagon the
/// figures on both dates and the change of both rates in percentage points
/// (`null` when the cell is too small on either date); by default the year
/// up to `to`.
pub async fn h3_change(
    State(state): State<AppState>,
    query: ApiQuery,
) -> Result<Json<Json_>, ApiError> {
    query.only(&["from", "to", "res", "min_units"])?;
    let from = parse_date(&query, "from")?;
    let to = parse_date(&query, "to")?;
    let params = HexParams {
        resolution: parse_resolution(&query)?,
        min_units: parse_min_units(&query)?,
    };
    let body = with_located(&state, move |located| {
        let to = to.unwrap_or_else(|| default_date(located.stock()));
        let from = from.unwrap_or_else(|| months_before(to, 12));
        let changes = hex_change(located, from, to, &params).map_err(|error| match error {
            VacancyError::PeriodReversed { from, to } => reversed(from, to),
            other => ApiError::internal(other),
        })?;
        let features: Vec<Json_> = changes
            .iter()
            .map(|change| {
                let (before, after) = (&change.before, &change.after);
                hex_feature(
                    change.cell,
                    json!({
                        "h3": change.cell.to_string(),
                        "units_from": before.n_units,
                        "units_to": after.n_units,
                        "vacant_from": before.n_vacant,
                        "vacant_to": after.n_vacant,
                        "rate_count_from": before.rate_count(),
                        "rate_count_to": after.rate_count(),
                        "rate_area_from": before.rate_area(),
                        "rate_area_to": after.rate_area(),
                        "change_count_pp": change.change_count_pp(),
                        "change_area_pp": change.change_area_pp(),
                        "too_small": change.too_small(),
                    }),
                )
            })
            .collect();
        Ok(json!({
            "type": "FeatureCollection",
            "from": from,
            "to": to,
            "res": params.resolution.number(),
            "min_units": params.min_units,
            "features": features,
        }))
    })
    .await?;
    Ok(Json(body))
}

/// `GET /api/vacancy/surface?date=&bandwidth_m=&weight=count|area&min_units=&cell_m=`:
/// the kernel ratio surface as a FeatureCollection of square cells
/// (`cell_m`, 50 m by default) with `ratio` (a fraction) and `units` (units
/// within the bandwidth); masked cells are left out.
pub async fn surface(
    State(state): State<AppState>,
    query: ApiQuery,
) -> Result<Json<Json_>, ApiError> {
    query.only(&["date", "bandwidth_m", "weight", "min_units", "cell_m"])?;
    let date = parse_date(&query, "date")?;
    let defaults = SurfaceParams::default();
    let weight = match query.get("weight") {
        None => defaults.weight,
        Some(text) => text
            .parse::<SurfaceWeight>()
            .map_err(|message| ApiError::bad_request("weight", message))?,
    };
    let params = SurfaceParams {
        bandwidth_m: parse_metres(&query, "bandwidth_m", defaults.bandwidth_m)?,
        weight,
        min_units: parse_min_units(&query)?,
        cell_m: parse_metres(&query, "cell_m", defaults.cell_m)?,
    };
    params
        .check()
        .map_err(|error| ApiError::bad_request(error.parameter, error.message))?;
    let body = with_located(&state, move |located| {
        let date = date.unwrap_or_else(|| default_date(located.stock()));
        let grid = params.grid_at(located.reference_latitude());
        let features: Vec<Json_> = ratio_surface(located, date, &params)
            .iter()
            .map(|cell| {
                let square = grid.bounds(cell.column, cell.row).to_polygon();
                json!({
                    "type": "Feature",
                    "id": format!("{}/{}", cell.column, cell.row),
                    "geometry": {"type": "Polygon", "coordinates": [ring_json(square.exterior())]},
                    "properties": {"ratio": cell.ratio, "units": cell.n_units},
                })
            })
            .collect();
        Ok(json!({
            "type": "FeatureCollection",
            "date": date,
            "bandwidth_m": params.bandwidth_m,
            "weight": params.weight.as_str(),
            "min_units": params.min_units,
            "cell_m": params.cell_m,
            "kernel": "quartic",
            "features": features,
        }))
    })
    .await?;
    Ok(Json(body))
}

pub(crate) fn located_stock(engine: &Engine) -> Result<Arc<LocatedStock>, ApiError> {
    vacancy::located_stock(engine).map_err(ApiError::internal)
}

/// `GET /tiles/vacancy_h3/{z}/{x}/{y}.mvt?date=&res=&min_units=`: the
/// hexagons as a vector tile (layer `vacancy_h3`), `204` when empty.
pub async fn h3_tile(
    State(state): State<AppState>,
    ApiPath((z, x, y_file)): ApiPath<(String, String, String)>,
    query: ApiQuery,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    query.only(&["date", "res", "min_units"])?;
    let tile = super::tiles::parse_tile(&z, &x, &y_file)?;
    let params = HexParams {
        resolution: parse_resolution(&query)?,
        min_units: parse_min_units(&query)?,
    };
    hex_tile(&state, tile, parse_date(&query, "date")?, params, &headers).await
}

/// The hexagons of `date` (the default date when `None`) as one vector
/// tile from the one tile cache (also OGC API – Tiles).
pub(crate) async fn hex_tile(
    state: &AppState,
    tile: crate::tiles::TileCoord,
    date: Option<NaiveDate>,
    params: HexParams,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let engine = state.engine();
    let date = match date {
        Some(date) => date,
        None => {
            let engine = engine.clone();
            tokio::task::spawn_blocking(move || {
                located_stock(&engine).map(|located| default_date(located.stock()))
            })
            .await
            .map_err(ApiError::internal)??
        }
    };
    let source = TileSource::VacancyH3 {
        date,
        resolution: params.resolution.number(),
        min_units: u32::try_from(params.min_units).unwrap_or(u32::MAX),
    };
    let tile_params = state.tile_params();
    super::tiles::cached_tile(state, source, tile, headers, move |engine| {
        let located = located_stock(engine)?;
        let set =
            vacancy::cache::kept(engine, (date, params.resolution, params.min_units), || {
                Ok::<_, ApiError>(HexTileSet::new(hex_cells(&located, date, &params)))
            })?;
        Ok(render_hex_tile(&set, tile, &tile_params))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("Vennestraat 12"), "Vennestraat 12");
        assert_eq!(csv_field("a;b"), "\"a;b\"");
        assert_eq!(csv_field("zeg \"hallo\""), "\"zeg \"\"hallo\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
    }
}
