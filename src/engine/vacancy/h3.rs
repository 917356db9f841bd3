//! H3 hexagons of the vacancy rate (DOMAIN.md, heatmaps): per cell of
//! resolution 9 or 10 (the `h3o` crate) the units in the retail stock on a
//! date, occupied, vacant and under renovation, both rates and a too-small
//! mark; and the change of the rates between two dates, in percentage points.
//!
//! A unit lies in the cell that contains its point (`LatLng::to_cell`); a
//! unit's place does not change over time, so [`LocatedStock`] finds each
//! unit's cell at both resolutions once. Counts follow the summary
//! ([`super::summary`]): units = occupied + vacant + renovation on the date,
//! `non_commercial` and not-yet-existing units are left out. A cell with
//! fewer units than `min_units` is *too small*: it keeps its counts but shows
//! no rate (`rate_count`/`rate_area` are `None`), so that a map never paints
//! a rate over one or two shops. Only cells holding at least one unit on the
//! date are listed, in H3 index order.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use geo::Point;
use h3o::CellIndex;

pub use super::hex::{cell_of, cell_polygon, HexResolution};
use super::places::PlaceMemo;
use super::stock::{decode, RetailStock};
use super::{rate, VacancyError};
use crate::engine::Engine;
use crate::model::{LayerId, ShopUnit, UnitEvent, UnitStatus};

/// The default minimum number of units for a cell to show a rate.
pub const DEFAULT_MIN_UNITS: usize = 5;

/// The retail stock with each unit's point (x = longitude, y = latitude) and
/// its H3 cells at resolutions 9 and 10, aligned with `stock.units()`. The
/// cells of a resolution are found on first use.
#[derive(Debug, Clone)]
pub struct LocatedStock {
    stock: RetailStock,
    points: Vec<Point<f64>>,
    cells_9: OnceLock<Vec<Option<CellIndex>>>,
    cells_10: OnceLock<Vec<Option<CellIndex>>>,
    /// Where cells found before are read from.
    places: Option<Arc<PlaceMemo>>,
}

impl LocatedStock {
    /// The latitude the surface's grid is laid at: the middle of the units'
    /// latitudes, rounded to a whole degree (stable across edits; a square
    /// of the grid is its size in metres within 1% anywhere in that degree).
    pub fn reference_latitude(&self) -> f64 {
        let (south, north) = self.points.iter().fold(
            (f64::INFINITY, f64::NEG_INFINITY),
            |(south, north), point| (south.min(point.y()), north.max(point.y())),
        );
        if south.is_finite() {
            ((south + north) / 2.0).round()
        } else {
            0.0
        }
    }

    /// The stock of `units` with their `events` (no shopping areas or
    /// neighbourhoods: heatmaps group by cell only).
    pub fn new(units: &[ShopUnit], events: &[UnitEvent]) -> Self {
        let stock = RetailStock::from_units(units.to_vec(), events, &[], &[], |_| None);
        LocatedStock::of_stock(stock, None)
    }

    /// The stock's units located; cells read from `places` when given.
    pub(super) fn of_stock(stock: RetailStock, places: Option<Arc<PlaceMemo>>) -> Self {
        LocatedStock {
            points: stock.units().iter().map(|unit| unit.point()).collect(),
            stock,
            cells_9: OnceLock::new(),
            cells_10: OnceLock::new(),
            places,
        }
    }

    /// The stock of the engine's shop units and history. Built on every
    /// call; the engine keeps one per snapshot
    /// ([`super::cache::located_stock`]).
    pub fn from_engine(engine: &Engine) -> Result<Self, VacancyError> {
        LocatedStock::from_engine_with(engine, None)
    }

    /// As [`LocatedStock::from_engine`], the cells of a point read from
    /// `places` when known there (and added to it when not).
    pub fn from_engine_with(
        engine: &Engine,
        places: Option<Arc<PlaceMemo>>,
    ) -> Result<Self, VacancyError> {
        let units = decode::<ShopUnit>(engine, LayerId::ShopUnits)?;
        let (stock, positions) =
            RetailStock::positioned_from_units(units, engine.unit_events(), &[], &[], |_, _| None);
        Ok(LocatedStock::of_stock(
            stock.with_source(engine, &positions),
            places,
        ))
    }

    pub fn stock(&self) -> &RetailStock {
        &self.stock
    }

    /// Each unit's point, aligned with `stock().units()`.
    pub fn points(&self) -> &[Point<f64>] {
        &self.points
    }

    /// Each unit's cell at `resolution` (`None` for a point that is not a
    /// valid latitude/longitude), aligned with `stock().units()`.
    pub fn cells(&self, resolution: HexResolution) -> &[Option<CellIndex>] {
        let cells = match resolution {
            HexResolution::Nine => &self.cells_9,
            HexResolution::Ten => &self.cells_10,
        };
        cells.get_or_init(|| match &self.places {
            Some(places) => places.cells(&self.points, resolution),
            None => self
                .points
                .iter()
                .map(|point| cell_of(*point, resolution.h3()))
                .collect(),
        })
    }
}

/// How the cells are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HexParams {
    pub resolution: HexResolution,
    /// A cell with fewer units is too small to show a rate.
    pub min_units: usize,
}

impl Default for HexParams {
    fn default() -> Self {
        HexParams {
            resolution: HexResolution::Nine,
            min_units: DEFAULT_MIN_UNITS,
        }
    }
}

/// One cell's figures on one date.
#[derive(Debug, Clone, PartialEq)]
pub struct CellFigures {
    pub cell: CellIndex,
    /// Occupied + vacant + under renovation.
    pub n_units: usize,
    pub n_occupied: usize,
    pub n_vacant: usize,
    pub n_renovation: usize,
    /// m² of sales floor.
    pub occupied_area_m2: f64,
    pub vacant_area_m2: f64,
    /// Fewer units than the minimum: no rate is shown.
    pub too_small: bool,
}

impl CellFigures {
    /// A cell without units on the date (too small for any minimum above 0).
    pub fn empty(cell: CellIndex, min_units: usize) -> Self {
        CellFigures {
            cell,
            n_units: 0,
            n_occupied: 0,
            n_vacant: 0,
            n_renovation: 0,
            occupied_area_m2: 0.0,
            vacant_area_m2: 0.0,
            too_small: min_units > 0,
        }
    }

    /// vacant / (occupied + vacant); `None` when too small or without either.
    pub fn rate_count(&self) -> Option<f64> {
        if self.too_small {
            return None;
        }
        rate(
            self.n_vacant as f64,
            (self.n_occupied + self.n_vacant) as f64,
        )
    }

    /// vacant floor area / (occupied + vacant floor area); `None` when too
    /// small or when the floor area is 0.
    pub fn rate_area(&self) -> Option<f64> {
        if self.too_small {
            return None;
        }
        rate(
            self.vacant_area_m2,
            self.occupied_area_m2 + self.vacant_area_m2,
        )
    }
}

/// The figures of every cell holding a unit of the stock on `date`, in H3
/// index order.
pub fn hex_cells(located: &LocatedStock, date: NaiveDate, params: &HexParams) -> Vec<CellFigures> {
    let mut by_cell: HashMap<CellIndex, CellFigures> = HashMap::new();
    let cells = located.cells(params.resolution);
    for (unit, cell) in located.stock.units().iter().zip(cells) {
        let Some(cell) = cell else {
            continue;
        };
        let Some(state) = unit.state_on(date) else {
            continue;
        };
        if !state.in_retail_stock() {
            continue;
        }
        let figures = by_cell
            .entry(*cell)
            .or_insert_with(|| CellFigures::empty(*cell, params.min_units));
        figures.n_units += 1;
        match state.status {
            UnitStatus::Occupied => {
                figures.n_occupied += 1;
                figures.occupied_area_m2 += state.floor_area_m2;
            }
            UnitStatus::Vacant => {
                figures.n_vacant += 1;
                figures.vacant_area_m2 += state.floor_area_m2;
            }
            UnitStatus::Renovation => figures.n_renovation += 1,
            UnitStatus::NonCommercial => {}
        }
    }
    let mut figures: Vec<CellFigures> = by_cell
        .into_values()
        .map(|mut figures| {
            figures.too_small = figures.n_units < params.min_units;
            figures
        })
        .collect();
    figures.sort_unstable_by_key(|figures| figures.cell);
    figures
}

/// One cell's figures on the two dates of a change.
#[derive(Debug, Clone, PartialEq)]
pub struct CellChange {
    pub cell: CellIndex,
    /// On `from` (empty when the cell held no unit then).
    pub before: CellFigures,
    /// On `to`.
    pub after: CellFigures,
}

impl CellChange {
    /// Whether either date's cell is too small: then no change is shown.
    pub fn too_small(&self) -> bool {
        self.before.too_small || self.after.too_small
    }

    /// The change of the rate by count, in percentage points (0.10 → 0.125
    /// is +2.5); `None` when either rate is missing.
    pub fn change_count_pp(&self) -> Option<f64> {
        Some((self.after.rate_count()? - self.before.rate_count()?) * 100.0)
    }

    /// The change of the rate by floor area, in percentage points.
    pub fn change_area_pp(&self) -> Option<f64> {
        Some((self.after.rate_area()? - self.before.rate_area()?) * 100.0)
    }
}

/// Every cell holding a unit on `from` or on `to`, with both dates' figures,
/// in H3 index order.
pub fn hex_change(
    located: &LocatedStock,
    from: NaiveDate,
    to: NaiveDate,
    params: &HexParams,
) -> Result<Vec<CellChange>, VacancyError> {
    if from > to {
        return Err(VacancyError::PeriodReversed { from, to });
    }
    let mut before = hex_cells(located, from, params).into_iter().peekable();
    let mut after = hex_cells(located, to, params).into_iter().peekable();
    let mut changes = Vec::new();
    // Merge two lists sorted by cell.
    loop {
        let next_cell = match (before.peek(), after.peek()) {
            (None, None) => break,
            (Some(b), None) => b.cell,
            (None, Some(a)) => a.cell,
            (Some(b), Some(a)) => b.cell.min(a.cell),
        };
        let take = |list: &mut std::iter::Peekable<std::vec::IntoIter<CellFigures>>| {
            if list.peek().is_some_and(|figures| figures.cell == next_cell) {
                list.next()
            } else {
                None
            }
        };
        let before_figures =
            take(&mut before).unwrap_or_else(|| CellFigures::empty(next_cell, params.min_units));
        let after_figures =
            take(&mut after).unwrap_or_else(|| CellFigures::empty(next_cell, params.min_units));
        changes.push(CellChange {
            cell: next_cell,
            before: before_figures,
            after: after_figures,
        });
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::vacancy::stock::tests::{day, event, unit};
    use crate::model::UnitStatus::*;
    use geo::point;
    use h3o::{LatLng, Resolution};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use std::collections::BTreeMap;

    fn unit_at(id: &str, lon: f64, lat: f64) -> ShopUnit {
        let mut shop = unit(id, "Vennestraat", None);
        shop.geometry = point!(x: lon, y: lat);
        shop
    }

    /// Seeded random units over central Genk with random histories
    /// (corrections included), as in the summary's random test.
    fn random_units(seed: u64, n_units: usize) -> (Vec<ShopUnit>, Vec<UnitEvent>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let statuses = [
            Occupied,
            Occupied,
            Occupied,
            Vacant,
            Renovation,
            NonCommercial,
        ];
        let mut units = Vec::new();
        let mut events = Vec::new();
        let mut event_id = 0;
        for unit_idx in 0..n_units {
            let id = format!("u{unit_idx:04}");
            // clustered around a few centres, so that cells hold many units
            let (centre_lon, centre_lat) =
                [(5.500, 50.965), (5.478, 50.980), (5.490, 50.990)][rng.random_range(0..3)];
            units.push(unit_at(
                &id,
                centre_lon + rng.random_range(-0.006..0.006),
                centre_lat + rng.random_range(-0.004..0.004),
            ));
            for _ in 0..rng.random_range(0..6) {
                event_id += 1;
                let mut unit_event = event(event_id, &id, "2018-01-01", "2018-01-01", Occupied);
                unit_event.valid_from =
                    day("2018-01-01") + chrono::Days::new(rng.random_range(0..2500));
                unit_event.recorded_at = unit_event
                    .valid_from
                    .and_hms_opt(10, 0, 0)
                    .unwrap()
                    .and_utc()
                    + chrono::Duration::days(rng.random_range(0..300));
                unit_event.status = statuses[rng.random_range(0..statuses.len())];
                unit_event.floor_area_m2 = rng.random_range(20.0..800.0);
                events.push(unit_event);
            }
        }
        (units, events)
    }

    /// The brute force: each unit's cell straight from h3o, its state from
    /// a scan of its events for the latest (valid_from, recorded_at,
    /// event_id) on or before the date, counted in a map.
    fn brute_cells(
        units: &[ShopUnit],
        events: &[UnitEvent],
        date: NaiveDate,
        resolution: Resolution,
    ) -> BTreeMap<u64, (usize, usize, usize, usize, f64, f64)> {
        let mut cells = BTreeMap::new();
        for unit in units {
            let mut best: Option<&UnitEvent> = None;
            for candidate in events {
                if candidate.unit_id != unit.id || candidate.valid_from > date {
                    continue;
                }
                let key = |e: &UnitEvent| (e.valid_from, e.recorded_at, e.event_id);
                if best.is_none_or(|b| key(candidate) > key(b)) {
                    best = Some(candidate);
                }
            }
            let Some(state) = best else { continue };
            if state.status == NonCommercial {
                continue;
            }
            let cell = LatLng::new(unit.geometry.y(), unit.geometry.x())
                .unwrap()
                .to_cell(resolution);
            let row = cells
                .entry(u64::from(cell))
                .or_insert((0, 0, 0, 0, 0.0, 0.0));
            row.0 += 1;
            match state.status {
                Occupied => {
                    row.1 += 1;
                    row.4 += state.floor_area_m2;
                }
                Vacant => {
                    row.2 += 1;
                    row.5 += state.floor_area_m2;
                }
                Renovation => row.3 += 1,
                NonCommercial => {}
            }
        }
        cells
    }

    #[test]
    fn cells_match_a_brute_force_count_on_random_units() {
        let mut n_too_small = 0;
        let mut n_shown = 0;
        for seed in 0..6 {
            let (units, events) = random_units(seed, 400);
            let located = LocatedStock::new(&units, &events);
            for date in ["2017-06-01", "2019-03-31", "2021-02-28", "2024-12-31"] {
                for resolution in HexResolution::ALL {
                    let params = HexParams {
                        resolution,
                        min_units: DEFAULT_MIN_UNITS,
                    };
                    let got = hex_cells(&located, day(date), &params);
                    let expected = brute_cells(&units, &events, day(date), resolution.h3());
                    assert_eq!(got.len(), expected.len(), "seed {seed} {date}");
                    for (figures, (cell, row)) in got.iter().zip(&expected) {
                        assert_eq!(u64::from(figures.cell), *cell);
                        assert_eq!(figures.cell.resolution(), resolution.h3());
                        assert_eq!(
                            (
                                figures.n_units,
                                figures.n_occupied,
                                figures.n_vacant,
                                figures.n_renovation
                            ),
                            (row.0, row.1, row.2, row.3),
                            "seed {seed} {date} cell {cell:x}"
                        );
                        assert!((figures.occupied_area_m2 - row.4).abs() < 1e-6);
                        assert!((figures.vacant_area_m2 - row.5).abs() < 1e-6);
                        assert_eq!(figures.too_small, row.0 < DEFAULT_MIN_UNITS);
                        if figures.too_small {
                            n_too_small += 1;
                            assert_eq!(figures.rate_count(), None);
                        } else {
                            n_shown += 1;
                            let expected_rate = row.2 as f64 / (row.1 + row.2) as f64;
                            if row.1 + row.2 > 0 {
                                assert_eq!(figures.rate_count(), Some(expected_rate));
                            }
                        }
                    }
                }
            }
        }
        // both kinds of cell occur, so the comparison means something
        assert!(n_too_small > 20 && n_shown > 20, "{n_too_small} {n_shown}");
    }

    #[test]
    fn a_tiny_case_counted_by_hand() {
        // Five units in one res-10 cell around Genk's Stadsplein, one unit
        // 1 km east; on 2024-01-01: 3 occupied (100 m² each), 1 vacant
        // (300 m²), 1 under renovation; the far one vacant.
        let (lon, lat) = (5.5000, 50.9650);
        let ids = ["a", "b", "c", "d", "e"];
        let mut units: Vec<ShopUnit> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| unit_at(id, lon + i as f64 * 0.00001, lat))
            .collect();
        units.push(unit_at("far", lon + 0.0143, lat));
        let statuses = [Occupied, Occupied, Occupied, Vacant, Renovation, Vacant];
        let mut events: Vec<UnitEvent> = units
            .iter()
            .zip(statuses)
            .enumerate()
            .map(|(i, (unit, status))| {
                event(i as i64 + 1, &unit.id, "2023-01-01", "2023-01-01", status)
            })
            .collect();
        events[3].floor_area_m2 = 300.0;
        let located = LocatedStock::new(&units, &events);
        let params = HexParams {
            resolution: HexResolution::Ten,
            min_units: 5,
        };
        let cells = hex_cells(&located, day("2024-01-01"), &params);
        let home = LatLng::new(lat, lon).unwrap().to_cell(Resolution::Ten);
        assert!(units[..5]
            .iter()
            .all(|u| cell_of(u.geometry, Resolution::Ten) == Some(home)));
        assert_eq!(cells.len(), 2);
        let centre = cells.iter().find(|c| c.cell == home).unwrap();
        assert_eq!(
            (
                centre.n_units,
                centre.n_occupied,
                centre.n_vacant,
                centre.n_renovation
            ),
            (5, 3, 1, 1)
        );
        assert!(!centre.too_small);
        assert_eq!(centre.rate_count(), Some(0.25));
        assert_eq!(centre.rate_area(), Some(0.5));
        let far = cells.iter().find(|c| c.cell != home).unwrap();
        assert_eq!((far.n_units, far.n_vacant), (1, 1));
        assert!(far.too_small);
        assert_eq!((far.rate_count(), far.rate_area()), (None, None));
        // with a minimum of 1 the lone vacant unit is a rate of 1
        let params_1 = HexParams {
            min_units: 1,
            ..params
        };
        let cells = hex_cells(&located, day("2024-01-01"), &params_1);
        assert_eq!(
            cells.iter().find(|c| c.cell != home).unwrap().rate_count(),
            Some(1.0)
        );
        // before the first event there is nothing
        assert!(hex_cells(&located, day("2022-12-31"), &params).is_empty());
        // the outline holds the cell's centre and is closed, 7 points
        let polygon = cell_polygon(home);
        assert_eq!(polygon.exterior().0.len(), 7);
        use geo::Contains;
        let centre_point = LatLng::from(home);
        assert!(polygon.contains(&point!(x: centre_point.lng(), y: centre_point.lat())));
    }

    #[test]
    fn the_change_is_in_percentage_points_over_the_union_of_cells() {
        // the centre of a res-9 cell, so that six units a few metres apart
        // share it
        let centre = LatLng::from(cell_of(point!(x: 5.5, y: 50.965), Resolution::Nine).unwrap());
        let (lon, lat) = (centre.lng(), centre.lat());
        let mut units: Vec<ShopUnit> = (0..6)
            .map(|i| unit_at(&format!("u{i}"), lon + i as f64 * 0.00001, lat))
            .collect();
        units.push(unit_at("late", lon + 0.0143, lat));
        let mut events: Vec<UnitEvent> = (0..6)
            .map(|i| {
                event(
                    i + 1,
                    &format!("u{i}"),
                    "2020-01-01",
                    "2020-01-01",
                    Occupied,
                )
            })
            .collect();
        // one of six vacant in 2021 (16.67%), three of six in 2023 (50%)
        events.push(event(10, "u0", "2021-01-01", "2021-01-01", Vacant));
        events.push(event(11, "u1", "2022-01-01", "2022-01-01", Vacant));
        events.push(event(12, "u2", "2022-06-01", "2022-06-01", Vacant));
        events.push(event(13, "late", "2022-06-01", "2022-06-01", Vacant));
        let located = LocatedStock::new(&units, &events);
        let params = HexParams {
            resolution: HexResolution::Nine,
            min_units: 5,
        };
        let changes = hex_change(&located, day("2021-06-01"), day("2023-06-01"), &params).unwrap();
        assert_eq!(changes.len(), 2);
        let home = cell_of(units[0].geometry, Resolution::Nine).unwrap();
        let centre = changes.iter().find(|c| c.cell == home).unwrap();
        let expected = (3.0 / 6.0 - 1.0 / 6.0) * 100.0;
        assert!((centre.change_count_pp().unwrap() - expected).abs() < 1e-9);
        assert!((centre.change_area_pp().unwrap() - expected).abs() < 1e-9);
        // a cell that appears only on `to` has an empty `before`, no change
        let late = changes.iter().find(|c| c.cell != home).unwrap();
        assert_eq!(late.before.n_units, 0);
        assert_eq!(late.after.n_vacant, 1);
        assert!(late.too_small());
        assert_eq!(late.change_count_pp(), None);
        // the same date twice is no change; reversed dates are refused
        let same = hex_change(&located, day("2023-06-01"), day("2023-06-01"), &params).unwrap();
        assert!(same
            .iter()
            .filter_map(|c| c.change_count_pp())
            .all(|pp| pp == 0.0));
        assert!(matches!(
            hex_change(&located, day("2023-06-02"), day("2023-06-01"), &params),
            Err(VacancyError::PeriodReversed { .. })
        ));
    }

    #[test]
    fn only_resolutions_9_and_10_exist() {
        assert_eq!(HexResolution::from_number(9), Some(HexResolution::Nine));
        assert_eq!(
            HexResolution::from_number(10).map(HexResolution::number),
            Some(10)
        );
        assert_eq!(HexResolution::from_number(8), None);
        assert_eq!(HexResolution::from_number(11), None);
    }
}
