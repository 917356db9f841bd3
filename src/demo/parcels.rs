//! Parcels: every grid cell (the block between four streets) cut into lots.
//!
//! - a built-up cell gets house lots along its four sides (narrower along a
//!   shopping street) around one inner parcel (gardens, a school, a yard);
//! - a cell with business park in it is cut in four quarters that share their
//!   corners exactly, so adjacent park parcels share whole edges (plot
//!   assembly finds them); each quarter is the park's or not;
//! - any other cell (forest, heath, farmland) is cut in one to three strips.
//!
//! Lots are laid out in the unit square and mapped onto the cell's quad
//! bilinearly, so their sides are straight. Cells across the city outline are
//! clipped to it. Zoning follows the place: the park's zoning, retail or
//! mixed in a shopping area, mostly residential in built-up cells, mostly
//! `other` elsewhere. `area_m2` is the ellipsoidal area of the lon/lat
//! polygon ([`super::frame::polygon_area_m2`]).

use chrono::NaiveDate;
use geo::{BooleanOps, Coord, Polygon};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::frame;
use super::inputs::Inputs;
use super::landuse::Cell;
use super::lattice::Lattice;
use super::neighbourhoods;
use super::plane::{self, Placement};
use super::Layout;
use crate::model::{Availability, OwnerKind, Parcel, Zoning};

/// The cadastral division of Genk in capakeys.
pub const DIVISION: u32 = 71016;
/// Clipped pieces smaller than this are dropped, m².
const MIN_PIECE_M2: f64 = 20.0;

/// A parcel with what the later stages need to know about it.
#[derive(Debug, Clone)]
pub struct ParcelDraft {
    /// EPSG:4326, counter-clockwise.
    pub geometry: Polygon<f64>,
    /// The centroid, metres.
    pub centre_m: Coord<f64>,
    pub cell: usize,
    /// The wijk its centroid lies in; `None` for the few clipped, concave
    /// pieces whose centroid lies outside the city.
    pub wijk: Option<usize>,
    /// Index into `inputs.parks`.
    pub park: Option<usize>,
    pub zoning: Zoning,
    pub owner_kind: OwnerKind,
    /// Cut by the city outline (its corners are not shared with neighbours).
    pub clipped: bool,
    /// A lot along a street in a built-up cell (a house or shop).
    pub frontage: bool,
    pub capakey: String,
    pub availability: Availability,
    pub available_from: Option<NaiveDate>,
    pub price_eur_m2: Option<f64>,
    pub ready_to_build: bool,
    pub max_height_m: Option<f64>,
    /// A company has its site here.
    pub has_company: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Parcels {
    pub drafts: Vec<ParcelDraft>,
}

impl Parcels {
    pub fn into_records(self, inputs: &Inputs) -> Vec<Parcel> {
        self.drafts
            .into_iter()
            .enumerate()
            .map(|(index, draft)| Parcel {
                id: format!("parcel-{:06}", index + 1),
                area_m2: round_cm2(frame::polygon_area_m2(&draft.geometry)),
                geometry: draft.geometry,
                capakey: draft.capakey,
                zoning: draft.zoning,
                owner_kind: draft.owner_kind,
                park_id: draft.park.map(|park| inputs.parks[park].id.clone()),
                availability: draft.availability,
                available_from: draft.available_from,
                price_eur_m2: draft.price_eur_m2,
                ready_to_build: draft.ready_to_build,
                max_height_m: draft.max_height_m,
            })
            .collect()
    }
}

/// Areas are published to the square centimetre.
pub fn round_cm2(area_m2: f64) -> f64 {
    (area_m2 * 10_000.0).round() / 10_000.0
}

/// A lot in the unit square, as (u, v) corners counter-clockwise.
type UvLot = Vec<(f64, f64)>;

fn uv_rect(u0: f64, v0: f64, u1: f64, v1: f64) -> UvLot {
    vec![(u0, v0), (u1, v0), (u1, v1), (u0, v1)]
}

/// Split points 0 = s0 < s1 < ... < sn = 1 between `from` and `to`, each
/// interior one jittered by up to a quarter of a step.
fn splits(from: f64, to: f64, n: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let step = (to - from) / n as f64;
    (0..=n)
        .map(|k| {
            if k == 0 || k == n {
                from + step * k as f64
            } else {
                from + step * (k as f64 + rng.random_range(-0.25..0.25))
            }
        })
        .collect()
}

/// House lots along the four sides of a cell, and its inner parcel (last).
fn frontage_lots(quad: &[Coord<f64>; 4], frontage_m: f64, rng: &mut ChaCha8Rng) -> Vec<UvLot> {
    let depth = rng.random_range(0.22..0.28);
    let side_length = |a: usize, b: usize| plane::distance(quad[a], quad[b]);
    let count = |length: f64| ((length / frontage_m).round() as usize).max(1);
    let mut lots = Vec::new();
    let bottom = splits(0.0, 1.0, count(side_length(0, 1)), rng);
    for pair in bottom.windows(2) {
        lots.push(uv_rect(pair[0], 0.0, pair[1], depth));
    }
    let top = splits(0.0, 1.0, count(side_length(3, 2)), rng);
    for pair in top.windows(2) {
        lots.push(uv_rect(pair[0], 1.0 - depth, pair[1], 1.0));
    }
    let inner_height = 1.0 - 2.0 * depth;
    let left = splits(
        depth,
        1.0 - depth,
        count(side_length(0, 3) * inner_height),
        rng,
    );
    for pair in left.windows(2) {
        lots.push(uv_rect(0.0, pair[0], depth, pair[1]));
    }
    let right = splits(
        depth,
        1.0 - depth,
        count(side_length(1, 2) * inner_height),
        rng,
    );
    for pair in right.windows(2) {
        lots.push(uv_rect(1.0 - depth, pair[0], 1.0, pair[1]));
    }
    lots.push(uv_rect(depth, depth, 1.0 - depth, 1.0 - depth));
    lots
}

/// One to three strips across a cell.
fn strips(rng: &mut ChaCha8Rng) -> Vec<UvLot> {
    let n = rng.random_range(1..=3);
    splits(0.0, 1.0, n, rng)
        .windows(2)
        .map(|pair| uv_rect(pair[0], 0.0, pair[1], 1.0))
        .collect()
}

/// The four quarters of a cell (numbered `2 * qy + qx`), built from the
/// corners and the symmetric midpoints of the sides, so that neighbouring
/// cells' quarters share their points exactly. Closed rings, metres.
pub fn quarters(quad: &[Coord<f64>; 4]) -> [Vec<Coord<f64>>; 4] {
    let [sw, se, ne, nw] = *quad;
    let (south, east) = (plane::midpoint(sw, se), plane::midpoint(se, ne));
    let (north, west) = (plane::midpoint(nw, ne), plane::midpoint(sw, nw));
    let centre = plane::midpoint(south, north);
    [
        vec![sw, south, centre, west, sw],
        vec![south, se, east, centre, south],
        vec![west, centre, north, nw, west],
        vec![centre, east, ne, north, centre],
    ]
}

/// What a built-up lot outside a park and a shopping area is zoned.
fn urban_zoning(inner: bool, rng: &mut ChaCha8Rng) -> Zoning {
    let draw = rng.random_range(0.0..1.0);
    if inner {
        if draw < 0.7 {
            Zoning::Residential
        } else {
            Zoning::Other
        }
    } else if draw < 0.90 {
        Zoning::Residential
    } else if draw < 0.94 {
        Zoning::Mixed
    } else if draw < 0.97 {
        Zoning::Services
    } else if draw < 0.98 {
        Zoning::Care
    } else {
        Zoning::Other
    }
}

fn rural_zoning(rng: &mut ChaCha8Rng) -> Zoning {
    let draw = rng.random_range(0.0..1.0);
    if draw < 0.85 {
        Zoning::Other
    } else if draw < 0.94 {
        Zoning::Residential
    } else if draw < 0.97 {
        Zoning::Sme
    } else {
        Zoning::Services
    }
}

fn owner_for(zoning: Zoning, rng: &mut ChaCha8Rng) -> OwnerKind {
    let public_share = match zoning {
        Zoning::Other => 0.45,
        Zoning::Care | Zoning::Services => 0.25,
        _ => 0.04,
    };
    if rng.random_bool(public_share) {
        OwnerKind::Public
    } else {
        OwnerKind::Private
    }
}

/// The capakey section of a cell: the lattice cut in 4 × 3 regions, A to L.
fn section(lattice: &Lattice, cx: usize, cy: usize) -> char {
    let region = (cy * 3 / lattice.n_cells_y()) * 4 + cx * 4 / lattice.n_cells_x();
    char::from(b'A' + region as u8)
}

/// A lot of a cell before clipping: its ring (metres, closed), its park, and
/// whether it is a street-side lot or the inner parcel of a built-up cell.
struct Lot {
    ring: Vec<Coord<f64>>,
    park: Option<usize>,
    frontage: bool,
    inner: bool,
}

pub fn build(layout: &Layout, rng: &mut ChaCha8Rng) -> Parcels {
    let Layout {
        inputs,
        frame,
        lattice,
        outline,
        landuse,
        wijken,
        areas,
        ..
    } = *layout;
    let outline_m = plane::polygon(outline.ring_m.clone());
    let mut radicals = [0u32; 12];
    let mut drafts = Vec::new();
    for cy in 0..lattice.n_cells_y() {
        for cx in 0..lattice.n_cells_x() {
            let cell_index = lattice.cell_index(cx, cy);
            let cell: &Cell = &landuse.cells[cell_index];
            if cell.placement == Placement::Outside {
                continue;
            }
            let quad = lattice.cell_quad(cx, cy);
            let mut lots: Vec<Lot> = Vec::new();
            if cell.has_park() {
                for (quarter, ring) in quarters(&quad).into_iter().enumerate() {
                    lots.push(Lot {
                        ring,
                        park: cell.park_quarters[quarter].map(usize::from),
                        frontage: false,
                        inner: false,
                    });
                }
            } else {
                let layout = if cell.urban() {
                    let frontage_m = if cell.shopping {
                        rng.random_range(9.0..13.0)
                    } else {
                        rng.random_range(20.0..28.0)
                    };
                    frontage_lots(&quad, frontage_m, rng)
                } else {
                    strips(rng)
                };
                let n = layout.len();
                for (index, lot) in layout.into_iter().enumerate() {
                    let mut ring: Vec<Coord<f64>> = lot
                        .iter()
                        .map(|&(u, v)| plane::bilinear(&quad, u, v))
                        .collect();
                    ring.push(ring[0]);
                    let inner = cell.urban() && index + 1 == n;
                    lots.push(Lot {
                        ring,
                        park: None,
                        frontage: cell.urban() && !inner,
                        inner,
                    });
                }
            }
            let section = section(lattice, cx, cy);
            let region = usize::from(section as u8 - b'A');
            radicals[region] += 1;
            let radical = radicals[region];
            let mut number_in_cell = 0usize;
            for Lot {
                ring,
                park,
                frontage,
                inner,
            } in lots
            {
                let pieces: Vec<(Polygon<f64>, bool)> = if cell.placement == Placement::Inside
                    || plane::placement(&ring, &outline.ring_m) == Placement::Inside
                {
                    vec![(plane::polygon(ring), false)]
                } else if plane::placement(&ring, &outline.ring_m) == Placement::Outside {
                    Vec::new()
                } else {
                    plane::polygon(ring)
                        .intersection(&outline_m)
                        .0
                        .into_iter()
                        .filter(|piece| plane::ring_area(&piece.exterior().0) >= MIN_PIECE_M2)
                        .map(|piece| (piece, true))
                        .collect()
                };
                for (piece_m, clipped) in pieces {
                    let centre_m = plane::ring_centroid(&piece_m.exterior().0);
                    let zoning = match park {
                        Some(park) => inputs.parks[park].zoning,
                        None if areas.contains_m(centre_m) && !inner => {
                            if rng.random_bool(0.75) {
                                Zoning::Retail
                            } else {
                                Zoning::Mixed
                            }
                        }
                        None if cell.urban() => urban_zoning(inner, rng),
                        None if cell.built_up && cell.has_park() => Zoning::Residential,
                        None => rural_zoning(rng),
                    };
                    let geometry = {
                        use geo::Orient;
                        frame
                            .polygon_to_lon_lat(&piece_m)
                            .orient(geo::orient::Direction::Default)
                    };
                    let capakey = format!(
                        "{DIVISION:05}{section}{:04}/{:02}{}000",
                        radical % 10_000,
                        number_in_cell % 100,
                        char::from(b'A' + (number_in_cell / 100) as u8)
                    );
                    number_in_cell += 1;
                    drafts.push(ParcelDraft {
                        geometry,
                        centre_m,
                        cell: cell_index,
                        wijk: neighbourhoods::containing(wijken, centre_m),
                        park,
                        zoning,
                        owner_kind: owner_for(zoning, rng),
                        clipped,
                        frontage,
                        capakey,
                        availability: Availability::NotOffered,
                        available_from: None,
                        price_eur_m2: None,
                        ready_to_build: false,
                        max_height_m: park.map(|park| inputs.parks[park].max_height_m),
                        has_company: false,
                    });
                }
            }
        }
    }
    Parcels { drafts }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_of_neighbouring_cells_share_their_points() {
        let a = [
            Coord { x: 0.0, y: 0.0 },
            Coord { x: 151.3, y: 2.7 },
            Coord { x: 149.1, y: 148.9 },
            Coord { x: -3.3, y: 151.7 },
        ];
        let b = [
            a[1],
            Coord { x: 302.2, y: -4.1 },
            Coord { x: 297.6, y: 153.3 },
            a[2],
        ];
        let (left, right) = (quarters(&a), quarters(&b));
        // a's south-east quarter and b's south-west quarter share an edge
        assert!(left[1].contains(&right[0][3]) && left[1].contains(&right[0][0]));
        let total: f64 = left.iter().map(|ring| plane::ring_area(ring)).sum();
        let whole = plane::ring_area(&[a[0], a[1], a[2], a[3], a[0]]);
        assert!((total - whole).abs() < 1e-6);
    }

    #[test]
    fn frontage_lots_fill_the_cell() {
        let quad = [
            Coord { x: 0.0, y: 0.0 },
            Coord { x: 150.0, y: 0.0 },
            Coord { x: 150.0, y: 150.0 },
            Coord { x: 0.0, y: 150.0 },
        ];
        let mut rng = crate::demo::stream(1, "test");
        let lots = frontage_lots(&quad, 18.0, &mut rng);
        let area: f64 = lots
            .iter()
            .map(|lot| {
                let mut ring: Vec<Coord<f64>> = lot
                    .iter()
                    .map(|&(u, v)| plane::bilinear(&quad, u, v))
                    .collect();
                ring.push(ring[0]);
                plane::ring_area(&ring)
            })
            .sum();
        assert!((area - 150.0 * 150.0).abs() < 1e-6);
        assert!(lots.len() > 20);
    }
}
