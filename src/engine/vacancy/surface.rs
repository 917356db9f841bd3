//! The smooth vacancy-rate surface (DOMAIN.md, heatmaps): kernel density of
//! vacant units divided by kernel density of all units, on a grid of square
//! cells, masked where too few units are near.
//!
//! # Definition
//! On a date, the units that count are those the rate counts: occupied and
//! vacant (renovation and `non_commercial` are in neither density). At a
//! cell's centre `c`,
//!
//! ```text
//! ratio(c) = Σ_vacant w_i K(d(c, p_i)) / Σ_occupied+vacant w_i K(d(c, p_i))
//! ```
//!
//! with the quartic (biweight) kernel `K(d) = (1 − (d/h)²)²` for `d < h` and
//! 0 beyond, `h` the bandwidth in metres (150 m by default; the kernel of
//! QGIS's and ArcGIS's heatmaps, where the bandwidth is the search radius).
//! The kernel's normalising constant cancels in the ratio. `w_i` is 1, or
//! the unit's floor area on the date with [`SurfaceWeight::Area`]. A cell
//! is *masked* (left out) when fewer than `min_units` counted units lie
//! within the bandwidth of its centre, or when its denominator is 0.
//!
//! # Units and grid
//! Distances are metres on a sphere of the mean Earth radius (6,371,008.8 m,
//! as `geo`'s haversine), by the equirectangular formula at the two points'
//! mean latitude: within 10⁻⁶ of the haversine distance at a few hundred
//! metres. Cells are `cell_m` metres square at the units' latitude, rounded
//! to a whole degree so that an edit does not move the grid
//! ([`LocatedStock::reference_latitude`]): column `i`, row `j` spans longitudes
//! `[i, i+1) × cell_lon_deg` and latitudes `[j, j+1) × cell_lat_deg`,
//! anchored at (0°, 0°), so the grid is the same for every date and request.

use std::collections::HashMap;

use chrono::NaiveDate;
use geo::{coord, Point, Rect};

use super::h3::LocatedStock;
use crate::engine::plane::METRES_PER_DEGREE;
use crate::model::UnitStatus;

pub const DEFAULT_BANDWIDTH_M: f64 = 150.0;
pub const DEFAULT_CELL_M: f64 = 50.0;
/// The bandwidths and cell sizes a request may ask for.
pub const BANDWIDTH_RANGE_M: std::ops::RangeInclusive<f64> = 10.0..=2_000.0;
pub const CELL_RANGE_M: std::ops::RangeInclusive<f64> = 10.0..=500.0;
/// At most this many cells across the bandwidth circle's diameter (bounds
/// the work per unit to about π·40² cells).
pub const MAX_BANDWIDTH_CELLS: f64 = 40.0;

/// What each unit weighs in both densities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SurfaceWeight {
    /// Every unit weighs 1: the rate by count.
    Count,
    /// A unit weighs its floor area on the date: the rate by floor area.
    Area,
}

impl SurfaceWeight {
    pub fn as_str(self) -> &'static str {
        match self {
            SurfaceWeight::Count => "count",
            SurfaceWeight::Area => "area",
        }
    }
}

impl std::str::FromStr for SurfaceWeight {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "count" => Ok(SurfaceWeight::Count),
            "area" => Ok(SurfaceWeight::Area),
            _ => Err(format!(
                "unknown weight '{text}' (expected one of: count, area)"
            )),
        }
    }
}

/// How the surface is made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SurfaceParams {
    pub bandwidth_m: f64,
    pub weight: SurfaceWeight,
    /// A cell with fewer counted units within the bandwidth is masked.
    pub min_units: usize,
    pub cell_m: f64,
}

impl Default for SurfaceParams {
    fn default() -> Self {
        SurfaceParams {
            bandwidth_m: DEFAULT_BANDWIDTH_M,
            weight: SurfaceWeight::Count,
            min_units: super::h3::DEFAULT_MIN_UNITS,
            cell_m: DEFAULT_CELL_M,
        }
    }
}

/// Why parameters are refused: the name of the parameter and the reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{parameter}: {message}")]
pub struct SurfaceParamError {
    pub parameter: &'static str,
    pub message: String,
}

impl SurfaceParams {
    /// Bandwidth and cell size in range, and not too many cells per bandwidth.
    pub fn check(&self) -> Result<(), SurfaceParamError> {
        if !self.bandwidth_m.is_finite() || !BANDWIDTH_RANGE_M.contains(&self.bandwidth_m) {
            return Err(SurfaceParamError {
                parameter: "bandwidth_m",
                message: format!(
                    "{} is out of range ({} to {} m)",
                    self.bandwidth_m,
                    BANDWIDTH_RANGE_M.start(),
                    BANDWIDTH_RANGE_M.end()
                ),
            });
        }
        if !self.cell_m.is_finite() || !CELL_RANGE_M.contains(&self.cell_m) {
            return Err(SurfaceParamError {
                parameter: "cell_m",
                message: format!(
                    "{} is out of range ({} to {} m)",
                    self.cell_m,
                    CELL_RANGE_M.start(),
                    CELL_RANGE_M.end()
                ),
            });
        }
        if 2.0 * self.bandwidth_m / self.cell_m > MAX_BANDWIDTH_CELLS {
            return Err(SurfaceParamError {
                parameter: "cell_m",
                message: format!(
                    "cells of {} m are too small for a bandwidth of {} m (at most {} cells across its diameter)",
                    self.cell_m, self.bandwidth_m, MAX_BANDWIDTH_CELLS
                ),
            });
        }
        Ok(())
    }

    /// The grid of these parameters at `latitude_deg`.
    pub fn grid_at(&self, latitude_deg: f64) -> SurfaceGrid {
        SurfaceGrid::new(self.cell_m, latitude_deg)
    }
}

/// The square grid of the surface.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SurfaceGrid {
    pub cell_lon_deg: f64,
    pub cell_lat_deg: f64,
}

impl SurfaceGrid {
    /// Squares of `cell_m` metres at `latitude_deg`.
    pub fn new(cell_m: f64, latitude_deg: f64) -> Self {
        SurfaceGrid {
            cell_lat_deg: cell_m / METRES_PER_DEGREE,
            cell_lon_deg: cell_m / (METRES_PER_DEGREE * latitude_deg.to_radians().cos()),
        }
    }

    /// The cell (column, row) holding a point (x = longitude, y = latitude).
    pub fn cell_of(&self, point: Point<f64>) -> (i64, i64) {
        (
            (point.x() / self.cell_lon_deg).floor() as i64,
            (point.y() / self.cell_lat_deg).floor() as i64,
        )
    }

    /// A cell's centre (x = longitude, y = latitude).
    pub fn centre(&self, column: i64, row: i64) -> Point<f64> {
        Point::new(
            (column as f64 + 0.5) * self.cell_lon_deg,
            (row as f64 + 0.5) * self.cell_lat_deg,
        )
    }

    /// A cell's square, in degrees.
    pub fn bounds(&self, column: i64, row: i64) -> Rect<f64> {
        Rect::new(
            coord! { x: column as f64 * self.cell_lon_deg, y: row as f64 * self.cell_lat_deg },
            coord! { x: (column + 1) as f64 * self.cell_lon_deg, y: (row + 1) as f64 * self.cell_lat_deg },
        )
    }
}

/// The distance in metres between two longitude/latitude points
/// (equirectangular at their mean latitude, on the mean sphere).
pub fn distance_m(a: Point<f64>, b: Point<f64>) -> f64 {
    let mean_lat = (0.5 * (a.y() + b.y())).to_radians();
    let dx = (a.x() - b.x()) * mean_lat.cos();
    let dy = a.y() - b.y();
    dx.hypot(dy) * METRES_PER_DEGREE
}

/// The quartic kernel, 1 at distance 0, 0 from the bandwidth on.
pub fn quartic_kernel(distance_m: f64, bandwidth_m: f64) -> f64 {
    if distance_m >= bandwidth_m {
        return 0.0;
    }
    let u = distance_m / bandwidth_m;
    let one_minus = 1.0 - u * u;
    one_minus * one_minus
}

/// One unmasked cell of the surface.
#[derive(Debug, Clone, PartialEq)]
pub struct SurfaceCell {
    pub column: i64,
    pub row: i64,
    /// The ratio of the two densities, a fraction from 0 to 1.
    pub ratio: f64,
    /// Counted units (occupied or vacant) within the bandwidth of the centre.
    pub n_units: usize,
}

#[derive(Default)]
struct Sums {
    all: f64,
    vacant: f64,
    n_units: usize,
}

/// A unit that counts on the date: its point, weight and whether vacant.
pub fn counted_units(
    located: &LocatedStock,
    date: NaiveDate,
    weight: SurfaceWeight,
) -> Vec<(Point<f64>, f64, bool)> {
    located
        .stock()
        .units()
        .iter()
        .zip(located.points())
        .filter_map(|(unit, point)| {
            let state = unit.state_on(date)?;
            let vacant = match state.status {
                UnitStatus::Vacant => true,
                UnitStatus::Occupied => false,
                UnitStatus::Renovation | UnitStatus::NonCommercial => return None,
            };
            let unit_weight = match weight {
                SurfaceWeight::Count => 1.0,
                SurfaceWeight::Area => state.floor_area_m2,
            };
            Some((*point, unit_weight, vacant))
        })
        .collect()
}

/// The unmasked cells of the surface on `date`, by row then column. The
/// parameters must pass [`SurfaceParams::check`].
pub fn ratio_surface(
    located: &LocatedStock,
    date: NaiveDate,
    params: &SurfaceParams,
) -> Vec<SurfaceCell> {
    let grid = params.grid_at(located.reference_latitude());
    let bandwidth_m = params.bandwidth_m;
    let reach_lat_deg = bandwidth_m / METRES_PER_DEGREE;
    let mut sums: HashMap<(i64, i64), Sums> = HashMap::new();
    // Each unit adds its kernel to the cells whose centre is within the
    // bandwidth (a splat): the same sum as over all units for each cell.
    for (point, unit_weight, vacant) in counted_units(located, date, params.weight) {
        if !(point.x().is_finite() && point.y().is_finite()) {
            continue;
        }
        // the widest longitude reach over the latitudes the circle spans
        let widest_lat = (point.y().abs() + reach_lat_deg).min(89.0);
        let reach_lon_deg = reach_lat_deg / widest_lat.to_radians().cos();
        let (first_column, first_row) = grid.cell_of(Point::new(
            point.x() - reach_lon_deg - grid.cell_lon_deg,
            point.y() - reach_lat_deg - grid.cell_lat_deg,
        ));
        let (last_column, last_row) = grid.cell_of(Point::new(
            point.x() + reach_lon_deg + grid.cell_lon_deg,
            point.y() + reach_lat_deg + grid.cell_lat_deg,
        ));
        for row in first_row..=last_row {
            for column in first_column..=last_column {
                let distance = distance_m(grid.centre(column, row), point);
                if distance >= bandwidth_m {
                    continue;
                }
                let kernel = unit_weight * quartic_kernel(distance, bandwidth_m);
                let cell = sums.entry((column, row)).or_default();
                cell.all += kernel;
                if vacant {
                    cell.vacant += kernel;
                }
                cell.n_units += 1;
            }
        }
    }
    let mut cells: Vec<SurfaceCell> = sums
        .into_iter()
        .filter(|(_, sums)| sums.n_units >= params.min_units && sums.all > 0.0)
        .map(|((column, row), sums)| SurfaceCell {
            column,
            row,
            ratio: (sums.vacant / sums.all).clamp(0.0, 1.0),
            n_units: sums.n_units,
        })
        .collect();
    cells.sort_unstable_by_key(|cell| (cell.row, cell.column));
    cells
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::vacancy::stock::tests::{day, event, unit};
    use crate::model::{ShopUnit, UnitEvent, UnitStatus::*};
    use geo::{point, Distance, Haversine};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use std::collections::BTreeMap;

    fn unit_at(id: &str, lon: f64, lat: f64) -> ShopUnit {
        let mut shop = unit(id, "Vennestraat", None);
        shop.geometry = point!(x: lon, y: lat);
        shop
    }

    fn random_city(seed: u64, n_units: usize) -> (Vec<ShopUnit>, Vec<UnitEvent>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let statuses = [Occupied, Occupied, Vacant, Renovation, NonCommercial];
        let mut units = Vec::new();
        let mut events = Vec::new();
        for unit_idx in 0..n_units {
            let id = format!("u{unit_idx:04}");
            units.push(unit_at(
                &id,
                5.495 + rng.random_range(-0.01..0.01),
                50.965 + rng.random_range(-0.006..0.006),
            ));
            for event_idx in 0..rng.random_range(1..4) {
                let mut unit_event = event(
                    (unit_idx * 10 + event_idx) as i64,
                    &id,
                    "2019-01-01",
                    "2019-01-01",
                    statuses[rng.random_range(0..statuses.len())],
                );
                unit_event.valid_from =
                    day("2019-01-01") + chrono::Days::new(rng.random_range(0..1500));
                unit_event.floor_area_m2 = rng.random_range(20.0..600.0);
                events.push(unit_event);
            }
        }
        (units, events)
    }

    /// The direct sum at one point over every unit, with haversine
    /// distances from `geo`: (ratio or None, units within the bandwidth,
    /// whether a unit lies within 1 cm of the bandwidth's edge).
    fn brute_force(
        counted: &[(Point<f64>, f64, bool)],
        at: Point<f64>,
        bandwidth_m: f64,
    ) -> (Option<f64>, usize, bool) {
        let (mut all, mut vacant, mut n_units, mut on_edge) = (0.0, 0.0, 0, false);
        for (point, weight, is_vacant) in counted {
            let distance = Haversine.distance(at, *point);
            on_edge |= (distance - bandwidth_m).abs() < 0.01;
            if distance < bandwidth_m {
                let u = distance / bandwidth_m;
                let kernel = weight * (1.0 - u * u).powi(2);
                all += kernel;
                if *is_vacant {
                    vacant += kernel;
                }
                n_units += 1;
            }
        }
        ((all > 0.0).then(|| vacant / all), n_units, on_edge)
    }

    #[test]
    fn the_surface_matches_a_direct_sum_at_every_cell_and_sample_point() {
        let mut n_compared = 0;
        let mut n_masked = 0;
        for seed in 0..3 {
            let (units, events) = random_city(seed, 300);
            let located = LocatedStock::new(&units, &events);
            for (bandwidth_m, weight, cell_m) in [
                (150.0, SurfaceWeight::Count, 50.0),
                (150.0, SurfaceWeight::Area, 50.0),
                (300.0, SurfaceWeight::Count, 25.0),
            ] {
                let params = SurfaceParams {
                    bandwidth_m,
                    weight,
                    min_units: 5,
                    cell_m,
                };
                params.check().unwrap();
                let date = day("2022-06-30");
                let cells = ratio_surface(&located, date, &params);
                let counted = counted_units(&located, date, weight);
                let grid = params.grid_at(located.reference_latitude());
                let by_cell: BTreeMap<(i64, i64), &SurfaceCell> =
                    cells.iter().map(|c| ((c.column, c.row), c)).collect();
                // every cell of a window over the city, shown or masked
                let (c0, r0) = grid.cell_of(point!(x: 5.480, y: 50.955));
                let (c1, r1) = grid.cell_of(point!(x: 5.510, y: 50.975));
                for row in r0..=r1 {
                    for column in c0..=c1 {
                        let centre = grid.centre(column, row);
                        let (ratio, n_units, on_edge) = brute_force(&counted, centre, bandwidth_m);
                        if on_edge {
                            continue;
                        }
                        match by_cell.get(&(column, row)) {
                            Some(cell) => {
                                assert_eq!(cell.n_units, n_units, "seed {seed} {column},{row}");
                                assert!(
                                    (cell.ratio - ratio.unwrap()).abs() < 1e-5,
                                    "{} vs {:?}",
                                    cell.ratio,
                                    ratio
                                );
                                n_compared += 1;
                            }
                            None => {
                                assert!(
                                    n_units < 5 || ratio.is_none(),
                                    "seed {seed} {column},{row} is masked with {n_units} units"
                                );
                                n_masked += 1;
                            }
                        }
                    }
                }
                assert!(cells.iter().all(|c| (0.0..=1.0).contains(&c.ratio)));
            }
        }
        assert!(
            n_compared > 1_000 && n_masked > 100,
            "{n_compared} {n_masked}"
        );
    }

    #[test]
    fn a_hand_computed_surface() {
        // Five units at one spot, two vacant (one of 300 m², the others 100
        // m²): the ratio is 2/5 by count and 400/700 by floor area in every
        // cell within the bandwidth, and every other cell is masked.
        let mut units: Vec<ShopUnit> = (0..5)
            .map(|i| unit_at(&format!("u{i}"), 5.5, 50.965))
            .collect();
        units.push(unit_at("renovating", 5.5, 50.965));
        let statuses = [Occupied, Occupied, Occupied, Vacant, Vacant, Renovation];
        let mut events: Vec<UnitEvent> = statuses
            .iter()
            .enumerate()
            .map(|(i, status)| event(i as i64, &units[i].id, "2020-01-01", "2020-01-01", *status))
            .collect();
        events[4].floor_area_m2 = 300.0;
        let located = LocatedStock::new(&units, &events);
        let params = SurfaceParams::default();
        let cells = ratio_surface(&located, day("2021-01-01"), &params);
        // cells of 50 m whose centre lies within 150 m: about π·3² ≈ 28
        assert!((20..=36).contains(&cells.len()), "{}", cells.len());
        assert!(cells
            .iter()
            .all(|c| c.n_units == 5 && (c.ratio - 0.4).abs() < 1e-12));
        let by_area = SurfaceParams {
            weight: SurfaceWeight::Area,
            ..params
        };
        let cells = ratio_surface(&located, day("2021-01-01"), &by_area);
        assert!(cells
            .iter()
            .all(|c| (c.ratio - 400.0 / 700.0).abs() < 1e-12));
        // one unit fewer than the minimum: all masked
        let six = SurfaceParams {
            min_units: 6,
            ..params
        };
        assert!(ratio_surface(&located, day("2021-01-01"), &six).is_empty());
    }

    #[test]
    fn the_distance_agrees_with_haversine_and_the_kernel_ends_at_the_bandwidth() {
        let a = point!(x: 5.5, y: 50.965);
        for (dx, dy) in [(0.002, 0.0), (0.0, 0.0013), (0.0015, -0.001), (0.02, 0.01)] {
            let b = point!(x: 5.5 + dx, y: 50.965 + dy);
            let haversine = Haversine.distance(a, b);
            assert!(((distance_m(a, b) - haversine) / haversine).abs() < 1e-5);
        }
        assert_eq!(quartic_kernel(0.0, 150.0), 1.0);
        assert_eq!(quartic_kernel(150.0, 150.0), 0.0);
        assert_eq!(quartic_kernel(75.0, 150.0), 0.5625);
        let grid = SurfaceGrid::new(50.0, 51.0);
        let (column, row) = grid.cell_of(a);
        assert!(geo::Intersects::intersects(&grid.bounds(column, row), &a));
        let side_ns = Haversine.distance(
            grid.bounds(column, row).min().into(),
            point!(x: grid.bounds(column, row).min().x, y: grid.bounds(column, row).max().y),
        );
        assert!((side_ns - 50.0).abs() < 0.01, "{side_ns}");
    }

    #[test]
    fn out_of_range_parameters_name_themselves() {
        let with = |bandwidth_m: f64, cell_m: f64| {
            SurfaceParams {
                bandwidth_m,
                cell_m,
                ..SurfaceParams::default()
            }
            .check()
            .map_err(|error| error.parameter)
        };
        assert_eq!(with(150.0, 50.0), Ok(()));
        assert_eq!(with(-150.0, 50.0), Err("bandwidth_m"));
        assert_eq!(with(1e9, 50.0), Err("bandwidth_m"));
        assert_eq!(with(f64::NAN, 50.0), Err("bandwidth_m"));
        assert_eq!(with(150.0, 0.0), Err("cell_m"));
        assert_eq!(with(2_000.0, 10.0), Err("cell_m"));
        assert_eq!("area".parse::<SurfaceWeight>(), Ok(SurfaceWeight::Area));
        assert!("floor".parse::<SurfaceWeight>().is_err());
    }
}
