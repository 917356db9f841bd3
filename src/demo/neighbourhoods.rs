//! The 31 real neighbourhoods (wijken) of Genk and the city outline, their union.
//!
//! Each wijk is its real shape (the EPSG:4326 GeoJSON of `geodata/open/`, see
//! [`super::inputs`]), published as it is; the generator works on the same
//! shape in the metric plane of [`Frame`]. "Which wijk is this point in" is a
//! point-in-polygon test ([`containing`]) after a bounding-box prefilter (31
//! boxes: a linear scan is as fast as a tree here). A point outside every wijk
//! (outside the city) belongs to the wijk whose boundary is nearest
//! ([`nearest`]), which matters only for the generator's own bookkeeping:
//! what is published inside the city is always inside its wijk.
//!
//! The outline is the union of the wijken rather than a second file (the
//! municipality polygon): the real wijken tile the municipality exactly (same
//! 87.57 km², same boundary points, no overlaps; `geodata/open/README.md`),
//! so nothing is lost, and outline and membership cannot disagree: every
//! point the generator keeps inside the outline lies in exactly one wijk.
//! Each wijk's centroid (its planar area centroid, which lies inside every
//! one of the 31) is where its built-up area grows from.

use geo::{BoundingRect, Centroid, Coord, MapCoords, MultiPolygon, Orient, Polygon};

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
    /// The union of the wijken's shapes, which must be one polygon without
    /// holes (Genk's are).
    pub fn new(wijken: &[Wijk], frame: &Frame) -> Outline {
        let union = geo::unary_union(wijken.iter().map(|wijk| &wijk.shape));
        let [city] = union.0.as_slice() else {
            panic!("the wijken make {} polygons, not one city", union.0.len())
        };
        assert!(
            city.interiors().is_empty(),
            "the union of the wijken has holes"
        );
        let exterior = &city.exterior().0;
        let open: Vec<Coord<f64>> = exterior[..exterior.len() - 1]
            .iter()
            .map(|&point| frame.to_m(point))
            .collect();
        let ring_m = plane::closed(&open);
        let (min_m, max_m) = bounds(&ring_m);
        Outline {
            ring_m,
            lon_lat: city.clone().orient(geo::orient::Direction::Default),
            min_m,
            max_m,
        }
    }

    pub fn contains_m(&self, point: Coord<f64>) -> bool {
        plane::in_ring(point, &self.ring_m)
    }
}

/// The bounding box of some points, (min, max).
fn bounds(points: &[Coord<f64>]) -> (Coord<f64>, Coord<f64>) {
    let min = Coord {
        x: points.iter().map(|p| p.x).fold(f64::INFINITY, f64::min),
        y: points.iter().map(|p| p.y).fold(f64::INFINITY, f64::min),
    };
    let max = Coord {
        x: points.iter().map(|p| p.x).fold(f64::NEG_INFINITY, f64::max),
        y: points.iter().map(|p| p.y).fold(f64::NEG_INFINITY, f64::max),
    };
    (min, max)
}

/// A neighbourhood as the generator sees it.
#[derive(Debug, Clone)]
pub struct Wijk {
    pub code: String,
    pub name: String,
    /// The real shape, EPSG:4326, exterior rings counter-clockwise: what is published.
    pub shape: MultiPolygon<f64>,
    /// The same shape in metres.
    pub shape_m: MultiPolygon<f64>,
    /// The bounding box of `shape_m`, metres.
    pub min_m: Coord<f64>,
    pub max_m: Coord<f64>,
    /// The area centroid, metres.
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

    /// Whether a point (metres) lies inside the wijk.
    pub fn contains_m(&self, point_m: Coord<f64>) -> bool {
        point_m.x >= self.min_m.x
            && point_m.x <= self.max_m.x
            && point_m.y >= self.min_m.y
            && point_m.y <= self.max_m.y
            && plane::in_multi_polygon(point_m, &self.shape_m)
    }

    /// The distance from a point to the wijk's boundary, metres.
    fn boundary_distance_m(&self, point_m: Coord<f64>) -> f64 {
        self.shape_m
            .0
            .iter()
            .flat_map(|polygon| std::iter::once(polygon.exterior()).chain(polygon.interiors()))
            .flat_map(|ring| ring.0.windows(2))
            .map(|pair| plane::distance_to_segment(point_m, pair[0], pair[1]).0)
            .fold(f64::INFINITY, f64::min)
    }
}

pub fn wijken(inputs: &Inputs, frame: &Frame) -> Vec<Wijk> {
    inputs
        .wijken
        .iter()
        .map(|row| {
            let shape = row.shape.clone().orient(geo::orient::Direction::Default);
            let shape_m = shape.map_coords(|point| frame.to_m(point));
            let bbox = shape_m
                .bounding_rect()
                .unwrap_or_else(|| panic!("{} has an empty shape", row.code));
            let centre_m = shape_m
                .centroid()
                .unwrap_or_else(|| panic!("{} has an empty shape", row.code))
                .0;
            let urban_radius_m = 250.0 + 9.0 * (row.population as f64).sqrt();
            Wijk {
                code: row.code.clone(),
                name: row.name.clone(),
                shape,
                shape_m,
                min_m: bbox.min(),
                max_m: bbox.max(),
                centre_m,
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

/// The wijk the point (metres) lies in, if any. The wijken do not overlap,
/// so at most one holds a point off their boundaries.
pub fn containing(wijken: &[Wijk], point_m: Coord<f64>) -> Option<usize> {
    wijken.iter().position(|wijk| wijk.contains_m(point_m))
}

/// The wijk the point lies in or, outside the city, the one whose boundary
/// is nearest (the first of equals).
pub fn nearest(wijken: &[Wijk], point_m: Coord<f64>) -> usize {
    containing(wijken, point_m).unwrap_or_else(|| {
        let mut best = (f64::INFINITY, 0);
        for (index, wijk) in wijken.iter().enumerate() {
            let distance = wijk.boundary_distance_m(point_m);
            if distance < best.0 {
                best = (distance, index);
            }
        }
        best.1
    })
}

pub fn records(wijken: &[Wijk]) -> Vec<Neighbourhood> {
    wijken
        .iter()
        .map(|wijk| Neighbourhood {
            id: wijk.code.clone(),
            geometry: wijk.shape.clone(),
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

    fn genk() -> (Vec<Wijk>, Outline) {
        let (inputs, frame) = (Inputs::embedded(), Frame::genk());
        let wijken = wijken(&inputs, &frame);
        let outline = Outline::new(&wijken, &frame);
        (wijken, outline)
    }

    #[test]
    fn every_centroid_lies_in_the_outline_and_in_its_own_wijk() {
        let (wijken, outline) = genk();
        for (index, wijk) in wijken.iter().enumerate() {
            assert!(outline.contains_m(wijk.centre_m), "{}", wijk.name);
            assert_eq!(
                containing(&wijken, wijk.centre_m),
                Some(index),
                "{}",
                wijk.name
            );
        }
    }

    #[test]
    fn the_wijken_tile_the_outline() {
        let (wijken, outline) = genk();
        let total: f64 = wijken
            .iter()
            .map(|wijk| measure::area_m2(&wijk.shape.clone().into()))
            .sum();
        let city = measure::area_m2(&outline.lon_lat.clone().into());
        assert!(((total - city) / city).abs() < 1e-6, "{total} vs {city}");
        // the municipality of Genk measures 87.57 km²
        assert!((city / 1e6 - 87.57).abs() < 0.01, "{city}");
    }

    #[test]
    fn membership_is_point_in_polygon_against_a_brute_force() {
        let (wijken, outline) = genk();
        let mut rng = crate::demo::stream(7, "test");
        let (mut inside, mut outside) = (0, 0);
        for _ in 0..2_000 {
            use rand::Rng;
            let point = Coord {
                x: rng.random_range(outline.min_m.x - 500.0..outline.max_m.x + 500.0),
                y: rng.random_range(outline.min_m.y - 500.0..outline.max_m.y + 500.0),
            };
            let holders: Vec<usize> = (0..wijken.len())
                .filter(|&index| plane::in_multi_polygon(point, &wijken[index].shape_m))
                .collect();
            assert!(holders.len() <= 1, "{point:?} lies in {holders:?}");
            assert_eq!(containing(&wijken, point), holders.first().copied());
            assert_eq!(outline.contains_m(point), !holders.is_empty(), "{point:?}");
            if holders.is_empty() {
                outside += 1;
                let by_distance = (0..wijken.len())
                    .min_by(|&a, &b| {
                        wijken[a]
                            .boundary_distance_m(point)
                            .total_cmp(&wijken[b].boundary_distance_m(point))
                    })
                    .unwrap();
                assert_eq!(nearest(&wijken, point), by_distance);
            } else {
                inside += 1;
                assert_eq!(nearest(&wijken, point), holders[0]);
            }
        }
        assert!(inside > 500 && outside > 100, "{inside} in, {outside} out");
    }
}
