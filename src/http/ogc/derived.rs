//! The features of the collections that are not a layer as it is now: the
//! shop units on a date (from the history), the vacancy H3 cells on a date
//! and the coverage per neighbourhood. Each is computed from the current
//! engine snapshot (off the runtime: the caller runs these in
//! `spawn_blocking`) with the same engine code as `/api/vacancy/h3`,
//! `/api/coverage` and the vacancy model's "state on D", and comes back as
//! `Feature`s whose values follow the collection's fields.

use chrono::NaiveDate;
use geo::Geometry;

use super::catalogue::COVERAGE_FIELDS;
use crate::engine::coverage::figures::coverage;
use crate::engine::coverage::{CoverageKind, Threshold};
use crate::engine::vacancy::h3::{cell_polygon, hex_cells, HexParams};
use crate::engine::Engine;
use crate::http::coverage::{parse_kind_text, parse_threshold_text, snapshot};
use crate::http::error::{ApiError, ApiQuery};
use crate::http::vacancy::{default_date, located_stock, parse_min_units, parse_resolution};
use crate::model::history::units_on;
use crate::model::layers::LayerRecord;
use crate::model::{Feature, LayerId, ShopUnit, Value};

/// What the coverage collection counts: `kind` (the daily basket by
/// default) within `threshold_m` (800 m by default).
#[derive(Debug, Clone, Copy)]
pub struct CoverageParams {
    pub kind: CoverageKind,
    pub threshold: Threshold,
}

impl CoverageParams {
    pub fn parse(query: &ApiQuery) -> Result<Self, ApiError> {
        Ok(CoverageParams {
            kind: query
                .get("kind")
                .map(parse_kind_text)
                .transpose()?
                .unwrap_or(CoverageKind::Daily),
            threshold: query
                .get("threshold_m")
                .map(parse_threshold_text)
                .transpose()?
                .unwrap_or(Threshold::Metres(800)),
        })
    }
}

/// The vacancy cells' `res` and `min_units`.
pub fn hex_params(query: &ApiQuery) -> Result<HexParams, ApiError> {
    Ok(HexParams {
        resolution: parse_resolution(query)?,
        min_units: parse_min_units(query)?,
    })
}

fn count(n: usize) -> Value {
    Value::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

fn real(number: Option<f64>) -> Value {
    number
        .filter(|n| n.is_finite())
        .map_or(Value::Null, Value::Real)
}

/// Every shop unit as it was on `date` (units without an event on or
/// before it did not exist yet), in the layer's order.
pub fn shop_units_on(engine: &Engine, date: NaiveDate) -> Result<Vec<Feature>, ApiError> {
    let units: Vec<ShopUnit> = engine
        .layer(LayerId::ShopUnits)
        .features()
        .iter()
        .map(ShopUnit::from_feature)
        .collect::<Result<_, _>>()
        .map_err(ApiError::internal)?;
    Ok(units_on(&units, engine.unit_events(), date)
        .iter()
        .map(LayerRecord::to_feature)
        .collect())
}

/// The hexagons holding a unit on `date` (the history's newest date when
/// `None`), in the engine's order, and the date used.
pub fn vacancy_cells(
    engine: &Engine,
    date: Option<NaiveDate>,
    params: &HexParams,
) -> Result<(NaiveDate, Vec<Feature>), ApiError> {
    let located = located_stock(engine)?;
    let date = date.unwrap_or_else(|| default_date(located.stock()));
    let features = hex_cells(&located, date, params)
        .iter()
        .map(|figures| Feature {
            id: figures.cell.to_string(),
            geometry: Geometry::Polygon(cell_polygon(figures.cell)),
            values: vec![
                Value::Text(figures.cell.to_string()),
                count(figures.n_units),
                count(figures.n_occupied),
                count(figures.n_vacant),
                count(figures.n_renovation),
                real(figures.rate_count()),
                real(figures.rate_area()),
                Value::Boolean(figures.too_small),
            ],
        })
        .collect();
    Ok((date, features))
}

/// Every neighbourhood (its outline from the layer, id = its code) with its
/// coverage on `date`, and the date used.
pub fn coverage_areas(
    engine: std::sync::Arc<Engine>,
    date: Option<NaiveDate>,
    params: CoverageParams,
) -> Result<(NaiveDate, Vec<Feature>), ApiError> {
    let outlines = engine.layer(LayerId::Neighbourhoods);
    let code_index = LayerId::Neighbourhoods
        .schema()
        .field_index("code")
        .ok_or_else(|| ApiError::internal("the neighbourhoods have no code"))?;
    let snapshot = snapshot(engine.clone(), date)?;
    let figures = coverage(
        &snapshot.base,
        &snapshot.open,
        params.kind,
        params.threshold,
    );
    let features = snapshot
        .base
        .neighbourhoods
        .iter()
        .zip(&figures.neighbourhoods)
        .filter_map(|(name, area)| {
            let outline = outlines.features().iter().find(|feature| {
                feature.values.get(code_index) == Some(&Value::Text(name.code.clone()))
            })?;
            let values = vec![
                Value::Text(name.code.clone()),
                Value::Text(name.name.clone()),
                Value::Integer(area.population),
                Value::Integer(area.covered),
                real(area.share),
                real(area.median_m),
                real(area.p90_m),
                Value::Integer(area.unreachable),
            ];
            debug_assert_eq!(values.len(), COVERAGE_FIELDS.len());
            Some(Feature {
                id: name.code.clone(),
                geometry: outline.geometry.clone(),
                values,
            })
        })
        .collect();
    Ok((snapshot.date, features))
}
