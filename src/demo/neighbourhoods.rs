//! The city outline and the 31 neighbourhoods (wijken) that tile it.
//!
//! Each neighbourhood is the Voronoi cell of its real centroid (built by
//! clipping a large box with one half-plane per other centroid), intersected
//! with the real, simplified city outline. Voronoi cells tile the plane, so
//! the neighbourhoods tile the city without gaps or overlaps, and "which wijk
//! is this point in" is simply "which centroid is nearest" ([`nearest`]).

use geo::{BooleanOps, Coord, MultiPolygon, Orient, Polygon};

use super::frame::Frame;
use super::inputs::Inputs;
use super::plane;
use crate::model::{Neighbourhood, ShopKind};

/// The city outline, in metres and in lon/lat.
#[derive(Debug, Clone)]
pub struct Outline {
    /// Closed counter-clockwise ring, metres.
    pub ring_m: Vec<Coord<f64>>,
    /// EPSG:4326.
    pub lon_lat: Polygon<f64>,
    pub min_m: Coord<f64>,
    pub max_m: Coord<f64>,
}

impl Outline {
    pub fn new(inputs: &Inputs, frame: &Frame) -> Outline {
        let open: Vec<Coord<f64>> = inputs.outline[..inputs.outline.len() - 1]
            .iter()
            .map(|&point| frame.to_m(point))
            .collect();
        let ring_m = plane::closed(&open);
        let lon_lat = plane::polygon(
            ring_m
                .iter()
                .map(|&point| frame.to_lon_lat(point))
                .collect(),
        );
        let min_m = Coord {
            x: ring_m.iter().map(|p| p.x).fold(f64::INFINITY, f64::min),
            y: ring_m.iter().map(|p| p.y).fold(f64::INFINITY, f64::min),
        };
        let max_m = Coord {
            x: ring_m.iter().map(|p| p.x).fold(f64::NEG_INFINITY, f64::max),
            y: ring_m.iter().map(|p| p.y).fold(f64::NEG_INFINITY, f64::max),
        };
        Outline {
            ring_m,
            lon_lat,
            min_m,
            max_m,
        }
    }

    pub fn contains_m(&self, point: Coord<f64>) -> bool {
        plane::in_ring(point, &self.ring_m)
    }
}

/// A neighbourhood as the generator sees it.
#[derive(Debug, Clone)]
pub struct Wijk {
    pub code: String,
    pub name: String,
    /// The centroid, metres.
    pub centre_m: Coord<f64>,
    pub population: i64,
    pub supermarkets: usize,
    pub daily_gaps: Vec<ShopKind>,
    /// Grid cells within this distance of the centroid are built up.
    pub urban_radius_m: f64,
    /// Business parks keep out of this distance, so people live around it.
    pub keep_out_radius_m: f64,
}

impl Wijk {
    /// Whether a daily shop of this kind may be in this wijk.
    pub fn allows(&self, kind: ShopKind) -> bool {
        !self.daily_gaps.contains(&kind)
    }
}

pub fn wijken(inputs: &Inputs, frame: &Frame) -> Vec<Wijk> {
    inputs
        .wijken
        .iter()
        .map(|row| {
            let urban_radius_m = 250.0 + 9.0 * (row.population as f64).sqrt();
            Wijk {
                code: row.code.clone(),
                name: row.name.clone(),
                centre_m: frame.to_m(row.centroid),
                population: row.population,
                supermarkets: row.supermarkets,
                daily_gaps: row.daily_gaps.clone(),
                urban_radius_m,
                keep_out_radius_m: if row.population > 0 {
                    (0.45 * urban_radius_m).max(160.0)
                } else {
                    0.0
                },
            }
        })
        .collect()
}

/// The wijk whose centroid is nearest: the one whose cell holds the point.
pub fn nearest(wijken: &[Wijk], point_m: Coord<f64>) -> usize {
    let mut best = (f64::INFINITY, 0);
    for (index, wijk) in wijken.iter().enumerate() {
        let d = wijk.centre_m - point_m;
        let distance2 = d.x * d.x + d.y * d.y;
        if distance2 < best.0 {
            best = (distance2, index);
        }
    }
    best.1
}

/// The Voronoi cell of wijk `index` within a box around the outline, metres.
fn voronoi_cell(wijken: &[Wijk], index: usize, outline: &Outline) -> Vec<Coord<f64>> {
    let margin = 1_000.0;
    let (min, max) = (outline.min_m, outline.max_m);
    let mut ring = plane::closed(&[
        Coord {
            x: min.x - margin,
            y: min.y - margin,
        },
        Coord {
            x: max.x + margin,
            y: min.y - margin,
        },
        Coord {
            x: max.x + margin,
            y: max.y + margin,
        },
        Coord {
            x: min.x - margin,
            y: max.y + margin,
        },
    ]);
    let centre = wijken[index].centre_m;
    for (other_index, other) in wijken.iter().enumerate() {
        if other_index != index && !ring.is_empty() {
            let through = plane::midpoint(centre, other.centre_m);
            ring = plane::clip_half_plane(&ring, through, other.centre_m - centre);
        }
    }
    ring
}

/// The neighbourhood polygons (EPSG:4326), in input order.
pub fn polygons(wijken: &[Wijk], outline: &Outline, frame: &Frame) -> Vec<MultiPolygon<f64>> {
    (0..wijken.len())
        .map(|index| {
            let cell = plane::polygon(
                voronoi_cell(wijken, index, outline)
                    .into_iter()
                    .map(|point| frame.to_lon_lat(point))
                    .collect(),
            );
            cell.intersection(&outline.lon_lat)
                .orient(geo::orient::Direction::Default)
        })
        .collect()
}

pub fn records(wijken: &[Wijk], outline: &Outline, frame: &Frame) -> Vec<Neighbourhood> {
    polygons(wijken, outline, frame)
        .into_iter()
        .zip(wijken)
        .map(|(geometry, wijk)| Neighbourhood {
            id: wijk.code.clone(),
            geometry,
            code: wijk.code.clone(),
            name: wijk.name.clone(),
            population: wijk.population,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::measure;

    #[test]
    fn every_centroid_lies_in_the_outline_and_in_its_own_cell() {
        let (inputs, frame) = (Inputs::embedded(), Frame::genk());
        let outline = Outline::new(&inputs, &frame);
        let wijken = wijken(&inputs, &frame);
        for (index, wijk) in wijken.iter().enumerate() {
            assert!(outline.contains_m(wijk.centre_m), "{}", wijk.name);
            assert_eq!(nearest(&wijken, wijk.centre_m), index);
        }
    }

    #[test]
    fn the_cells_tile_the_outline() {
        let (inputs, frame) = (Inputs::embedded(), Frame::genk());
        let outline = Outline::new(&inputs, &frame);
        let wijken = wijken(&inputs, &frame);
        let total: f64 = polygons(&wijken, &outline, &frame)
            .into_iter()
            .map(|polygon| measure::area_m2(&polygon.into()))
            .sum();
        let city = measure::area_m2(&outline.lon_lat.clone().into());
        // Not exact: the outline's long sides are geodesics, while a cell's
        // piece of such a side is a geodesic between points on the straight
        // lon/lat line; the two differ by about 3 × 10⁻⁵ of the city.
        assert!(((total - city) / city).abs() < 1e-4, "{total} vs {city}");
        // the simplified outline is close to Genk's 87.6 km²
        assert!((80e6..95e6).contains(&city), "{city}");
    }
}
