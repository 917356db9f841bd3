//! Shopping areas and where the shop units are, with what they sell.
//!
//! A shopping area is the union of buffers around its streets (the named
//! streets of `geodata/streets.csv`). Its units line both sides of those
//! streets, 9 m off the centre line, numbered odd on the left and even on the
//! right; their branch groups follow the area's shares and its supermarket
//! count. Outside the areas each populated neighbourhood gets scattered
//! neighbourhood shops along its streets (about one per 230 inhabitants)
//! and its supermarkets. A daily kind a neighbourhood must lack
//! (`daily_gaps`) is never drawn there, so coverage has gaps to find.
//!
//! The status, occupant and history of the units are [`super::history`]'s.

use std::collections::BTreeSet;

use geo::{unary_union, Coord, MultiPolygon, Orient};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::frame::Frame;
use super::inputs::Inputs;
use super::lattice::Lattice;
use super::neighbourhoods::{self, Wijk};
use super::plane;
use super::routes::NamedRoutes;
use super::streets::Network;
use super::Layout;
use crate::model::{ShopCategory, ShopKind, ShoppingArea, StreetClass};

/// How far a unit stands from its street's centre line, metres.
pub const OFFSET_FROM_STREET_M: f64 = 9.0;
/// Inhabitants per scattered neighbourhood shop.
const INHABITANTS_PER_LOCAL_SHOP: f64 = 230.0;
/// Percent per category of scattered shops, in [`ShopCategory::ALL`] order.
pub const SCATTERED_SHARES: [f64; 7] = [40.0, 8.0, 2.0, 4.0, 24.0, 19.0, 3.0];

/// One shopping area's polygon, metres.
#[derive(Debug, Clone)]
pub struct AreaPlan {
    /// Index into `inputs.areas`.
    pub row: usize,
    pub polygon_m: MultiPolygon<f64>,
}

#[derive(Debug, Clone)]
pub struct ShoppingAreaPlan {
    pub areas: Vec<AreaPlan>,
    ids: Vec<String>,
    names: Vec<String>,
    kinds: Vec<crate::model::AreaKind>,
}

impl ShoppingAreaPlan {
    pub fn new(inputs: &Inputs, lattice: &Lattice, routes: &NamedRoutes) -> ShoppingAreaPlan {
        let areas = inputs
            .areas
            .iter()
            .enumerate()
            .map(|(row, area)| {
                let buffers: Vec<_> = routes
                    .paths
                    .iter()
                    .filter(|path| path.area_id.as_deref() == Some(area.id.as_str()))
                    .flat_map(|path| {
                        path.nodes.windows(2).map(|pair| {
                            plane::segment_buffer(
                                lattice.nodes[pair[0]],
                                lattice.nodes[pair[1]],
                                area.buffer_m,
                            )
                        })
                    })
                    .collect();
                AreaPlan {
                    row,
                    polygon_m: unary_union(&buffers),
                }
            })
            .collect();
        ShoppingAreaPlan {
            areas,
            ids: inputs.areas.iter().map(|area| area.id.clone()).collect(),
            names: inputs.areas.iter().map(|area| area.name.clone()).collect(),
            kinds: inputs.areas.iter().map(|area| area.kind).collect(),
        }
    }

    /// The area a point (metres) lies in, if any.
    pub fn area_at(&self, point_m: Coord<f64>) -> Option<usize> {
        self.areas
            .iter()
            .position(|area| plane::in_multi_polygon(point_m, &area.polygon_m))
    }

    pub fn contains_m(&self, point_m: Coord<f64>) -> bool {
        self.area_at(point_m).is_some()
    }

    pub fn records(&self, frame: &Frame) -> Vec<ShoppingArea> {
        self.areas
            .iter()
            .map(|area| {
                let geometry = MultiPolygon(
                    area.polygon_m
                        .0
                        .iter()
                        .map(|polygon| frame.polygon_to_lon_lat(polygon))
                        .collect(),
                )
                .orient(geo::orient::Direction::Default);
                ShoppingArea {
                    id: self.ids[area.row].clone(),
                    geometry,
                    name: self.names[area.row].clone(),
                    kind: self.kinds[area.row],
                }
            })
            .collect()
    }
}

/// A shop unit before its history: where it is and what it first sells.
#[derive(Debug, Clone)]
pub struct UnitDraft {
    pub id: String,
    pub location_m: Coord<f64>,
    pub address: String,
    pub street: String,
    /// Index into `inputs.areas`.
    pub area: Option<usize>,
    pub wijk: usize,
    pub category: ShopCategory,
    pub kind: Option<ShopKind>,
    pub floor_area_m2: f64,
}

/// A point on a polyline at `along_m` from its start, and the polyline's
/// direction there (unit vector).
fn point_along(points: &[Coord<f64>], along_m: f64) -> (Coord<f64>, Coord<f64>) {
    let n_edges = points.len() - 1;
    let mut left = along_m;
    for (index, pair) in points.windows(2).enumerate() {
        let length = plane::distance(pair[0], pair[1]);
        if left <= length || index + 1 == n_edges {
            let t = (left / length).clamp(0.0, 1.0);
            let direction = Coord {
                x: (pair[1].x - pair[0].x) / length,
                y: (pair[1].y - pair[0].y) / length,
            };
            return (plane::lerp(pair[0], pair[1], t), direction);
        }
        left -= length;
    }
    (points[0], Coord { x: 1.0, y: 0.0 })
}

fn polyline_length(points: &[Coord<f64>]) -> f64 {
    points
        .windows(2)
        .map(|pair| plane::distance(pair[0], pair[1]))
        .sum()
}

/// Beside the street: `side` +1 on the left of the direction, -1 on the right.
fn beside(point: Coord<f64>, direction: Coord<f64>, side: f64) -> Coord<f64> {
    Coord {
        x: point.x - direction.y * OFFSET_FROM_STREET_M * side,
        y: point.y + direction.x * OFFSET_FROM_STREET_M * side,
    }
}

/// Counts per category from percent shares (largest remainder).
fn allocate(shares: &[f64; 7], total: usize) -> [usize; 7] {
    let sum: f64 = shares.iter().sum();
    let exact: Vec<f64> = shares
        .iter()
        .map(|share| share / sum * total as f64)
        .collect();
    let mut counts = [0usize; 7];
    for (count, value) in counts.iter_mut().zip(&exact) {
        *count = value.floor() as usize;
    }
    let mut order: Vec<usize> = (0..7).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    let mut left = total - counts.iter().sum::<usize>();
    for index in order {
        if left == 0 {
            break;
        }
        counts[index] += 1;
        left -= 1;
    }
    counts
}

/// A daily kind other than supermarket allowed in the wijk, by the shares of
/// `categories.csv`; `None` when the wijk allows none.
pub fn draw_daily_kind(inputs: &Inputs, wijk: &Wijk, rng: &mut ChaCha8Rng) -> Option<ShopKind> {
    let allowed: Vec<(ShopKind, f64)> = inputs
        .categories
        .iter()
        .filter_map(|row| Some((row.kind?, row.daily_share)))
        .filter(|(kind, share)| *share > 0.0 && wijk.allows(*kind))
        .collect();
    let total: f64 = allowed.iter().map(|(_, share)| share).sum();
    if total <= 0.0 {
        return None;
    }
    let mut draw = rng.random_range(0.0..total);
    for (kind, share) in &allowed {
        if draw < *share {
            return Some(*kind);
        }
        draw -= share;
    }
    allowed.last().map(|(kind, _)| *kind)
}

/// A category by percent shares (in [`ShopCategory::ALL`] order).
pub fn draw_category(shares: &[f64; 7], rng: &mut ChaCha8Rng) -> ShopCategory {
    let total: f64 = shares.iter().sum();
    let mut draw = rng.random_range(0.0..total);
    for (category, share) in ShopCategory::ALL.iter().zip(shares) {
        if draw < *share {
            return *category;
        }
        draw -= share;
    }
    ShopCategory::Other
}

/// A sales floor for a category and kind, m², whole square metres; `factor`
/// (the area's) scales non-food branches only.
pub fn draw_floor_area(
    inputs: &Inputs,
    category: ShopCategory,
    kind: Option<ShopKind>,
    factor: f64,
    rng: &mut ChaCha8Rng,
) -> f64 {
    let row = inputs.category(category, kind);
    // larger units only where the area has them: chains and showrooms, not bakeries
    let factor = match category {
        ShopCategory::Periodic | ShopCategory::Exceptional | ShopCategory::Leisure => factor,
        _ => 1.0,
    };
    // log-uniform: many small units, a few large ones
    let (low, high) = (row.floor_min_m2.ln(), row.floor_max_m2.ln());
    (rng.random_range(low..=high).exp() * factor).round()
}

/// Make a drawn category concrete for a wijk: a daily unit gets a kind the
/// wijk allows, or becomes horeca where none is allowed.
pub fn settle_kind(
    inputs: &Inputs,
    wijk: &Wijk,
    category: ShopCategory,
    rng: &mut ChaCha8Rng,
) -> (ShopCategory, Option<ShopKind>) {
    if category != ShopCategory::Daily {
        return (category, None);
    }
    match draw_daily_kind(inputs, wijk, rng) {
        Some(kind) => (ShopCategory::Daily, Some(kind)),
        None => (ShopCategory::Horeca, None),
    }
}

/// Where the units are and what they first sell.
pub fn place_units(layout: &Layout, network: &Network, rng: &mut ChaCha8Rng) -> Vec<UnitDraft> {
    let Layout {
        inputs,
        wijken,
        lattice,
        routes,
        areas,
        landuse,
        ..
    } = *layout;
    let mut units: Vec<UnitDraft> = Vec::new();
    let mut addresses: BTreeSet<String> = BTreeSet::new();

    // Units along the shopping streets.
    for (row, area) in inputs.areas.iter().enumerate() {
        let first = units.len();
        for path in routes
            .paths
            .iter()
            .filter(|path| path.area_id.as_deref() == Some(area.id.as_str()))
        {
            let points: Vec<Coord<f64>> =
                path.nodes.iter().map(|&node| lattice.nodes[node]).collect();
            let length = polyline_length(&points);
            let left = path.units.div_ceil(2);
            for (side, count) in [(1.0, left), (-1.0, path.units - left)] {
                for index in 0..count {
                    let spacing = length / count as f64;
                    let along = (index as f64 + 0.5 + rng.random_range(-0.2..0.2)) * spacing;
                    let (point, direction) = point_along(&points, along);
                    let location_m = beside(point, direction, side);
                    let number =
                        2 * (index + (along / 25.0) as usize) + if side > 0.0 { 1 } else { 2 };
                    let address = format!("{} {number}", path.name);
                    addresses.insert(address.clone());
                    units.push(UnitDraft {
                        id: String::new(),
                        location_m,
                        address,
                        street: path.name.clone(),
                        area: Some(row),
                        wijk: neighbourhoods::nearest(wijken, location_m),
                        category: ShopCategory::Other,
                        kind: None,
                        floor_area_m2: 0.0,
                    });
                }
            }
        }
        // The area's make-up: its supermarkets, then categories by its shares.
        let members: Vec<usize> = (first..units.len()).collect();
        let mut order = members.clone();
        order.shuffle(rng);
        let mut supermarkets = area.supermarkets;
        let mut rest = Vec::new();
        for unit in order {
            if supermarkets > 0 && wijken[units[unit].wijk].allows(ShopKind::Supermarket) {
                units[unit].category = ShopCategory::Daily;
                units[unit].kind = Some(ShopKind::Supermarket);
                supermarkets -= 1;
            } else {
                rest.push(unit);
            }
        }
        let counts = allocate(&area.shares, members.len());
        let mut categories: Vec<ShopCategory> = Vec::new();
        for (category, count) in ShopCategory::ALL.iter().zip(counts) {
            let count = if *category == ShopCategory::Daily {
                count.saturating_sub(area.supermarkets)
            } else {
                count
            };
            categories.extend(std::iter::repeat_n(*category, count));
        }
        categories.resize(rest.len(), ShopCategory::Services);
        for (unit, category) in rest.into_iter().zip(categories) {
            let (category, kind) = settle_kind(inputs, &wijken[units[unit].wijk], category, rng);
            units[unit].category = category;
            units[unit].kind = kind;
        }
        for unit in &mut units[first..] {
            unit.floor_area_m2 =
                draw_floor_area(inputs, unit.category, unit.kind, area.floor_factor, rng);
        }
    }

    // Scattered neighbourhood shops and supermarkets.
    let lines: Vec<Vec<Coord<f64>>> = network
        .segments
        .iter()
        .map(|segment| {
            segment
                .nodes
                .iter()
                .map(|&node| lattice.nodes[node])
                .collect()
        })
        .collect();
    // Each segment's middle and its wijk, found once (point in polygon).
    let middles: Vec<Coord<f64>> = lines
        .iter()
        .map(|line| point_along(line, polyline_length(line) / 2.0).0)
        .collect();
    let middle_wijk: Vec<Option<usize>> = middles
        .iter()
        .map(|&middle| neighbourhoods::containing(wijken, middle))
        .collect();
    for (wijk_index, wijk) in wijken.iter().enumerate() {
        if wijk.population <= 0 {
            continue;
        }
        let candidates: Vec<usize> = network
            .segments
            .iter()
            .enumerate()
            .filter(|(index, segment)| {
                let middle = middles[*index];
                !segment.fixed
                    && middle_wijk[*index] == Some(wijk_index)
                    && !areas.contains_m(middle)
                    && segment.nodes.windows(2).any(|pair| {
                        super::landuse::cells_beside_edge(lattice, pair[0], pair[1])
                            .into_iter()
                            .any(|cell| landuse.cells[cell].urban())
                    })
            })
            .map(|(index, _)| index)
            .collect();
        if candidates.is_empty() {
            continue;
        }
        let main_roads: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&index| {
                matches!(
                    network.streets[network.segments[index].street].class,
                    StreetClass::Primary | StreetClass::Secondary
                )
            })
            .collect();
        let n_local = (wijk.population as f64 / INHABITANTS_PER_LOCAL_SHOP).round() as usize;
        let planned: Vec<(ShopCategory, Option<ShopKind>)> = (0..wijk.supermarkets)
            .map(|_| (ShopCategory::Daily, Some(ShopKind::Supermarket)))
            .chain((0..n_local).map(|_| {
                let category = draw_category(&SCATTERED_SHARES, rng);
                settle_kind(inputs, wijk, category, rng)
            }))
            .filter(|(_, kind)| kind.is_none_or(|kind| wijk.allows(kind)))
            .collect();
        for (category, kind) in planned {
            let pool = if kind == Some(ShopKind::Supermarket) && !main_roads.is_empty() {
                &main_roads
            } else {
                &candidates
            };
            for _attempt in 0..20 {
                let segment_index = pool[rng.random_range(0..pool.len())];
                let segment = &network.segments[segment_index];
                let points = &lines[segment_index];
                let length = polyline_length(points);
                let along = rng.random_range(0.15..0.85) * length;
                let side = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
                let (point, direction) = point_along(points, along);
                let location_m = beside(point, direction, side);
                if areas.contains_m(location_m)
                    || neighbourhoods::containing(wijken, location_m) != Some(wijk_index)
                {
                    continue;
                }
                let street = network.streets[segment.street].name.clone();
                let mut number = 2 * ((segment.offset_m + along) / 12.0) as usize
                    + if side > 0.0 { 1 } else { 2 };
                while addresses.contains(&format!("{street} {number}")) {
                    number += 2;
                }
                let address = format!("{street} {number}");
                addresses.insert(address.clone());
                units.push(UnitDraft {
                    id: String::new(),
                    location_m,
                    address,
                    street,
                    area: None,
                    wijk: wijk_index,
                    category,
                    kind,
                    floor_area_m2: draw_floor_area(inputs, category, kind, 1.0, rng),
                });
                break;
            }
        }
    }
    for (index, unit) in units.iter_mut().enumerate() {
        unit.id = format!("unit-{:04}", index + 1);
    }
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_keeps_the_total_and_follows_the_shares() {
        let counts = allocate(&[11.0, 42.0, 4.0, 9.0, 17.0, 14.0, 3.0], 559);
        assert_eq!(counts.iter().sum::<usize>(), 559);
        assert_eq!(counts[1], 235);
    }

    #[test]
    fn a_point_along_a_polyline_and_beside_it() {
        let points = [
            Coord { x: 0.0, y: 0.0 },
            Coord { x: 100.0, y: 0.0 },
            Coord { x: 100.0, y: 50.0 },
        ];
        let (point, direction) = point_along(&points, 120.0);
        assert!((point.x - 100.0).abs() < 1e-9 && (point.y - 20.0).abs() < 1e-9);
        let left = beside(point, direction, 1.0);
        assert!((left.x - (100.0 - OFFSET_FROM_STREET_M)).abs() < 1e-9);
    }
}
