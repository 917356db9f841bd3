//! Where imported features may lie: within a margin of the area the atlas
//! already maps (its neighbourhoods' bounding box, or every layer's when it
//! has none), so that a wrong `crs` (Belgian Lambert 2008 taken for Lambert
//! 72, a Dutch RD file, a point at 0, 0) is a problem named per feature
//! instead of a write hundreds of kilometres away.
//!
//! The extent comes from the data: no place in the code knows which city
//! it serves. Distances are geodesic metres (`engine::measure`); extents
//! and geometries are EPSG:4326, x = longitude, y = latitude.

use geo::{coord, BoundingRect, Geometry, Point, Rect};

use crate::engine::measure::distance_m;
use crate::model::Feature;

/// How far beyond the mapped area a feature may lie, in metres: a city's
/// own size again, but far less than a CRS mix-up moves data.
pub const MARGIN_M: f64 = 20_000.0;

/// The mapped area and the margin around it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Surroundings {
    /// EPSG:4326 degrees.
    pub extent: Rect<f64>,
    pub margin_m: f64,
}

impl Surroundings {
    /// The area around `extent` with the default margin.
    pub fn around(extent: Rect<f64>) -> Surroundings {
        Surroundings {
            extent,
            margin_m: MARGIN_M,
        }
    }

    /// The area around the bounding box of `features`; `None` without any.
    pub fn of_features<'a>(
        features: impl IntoIterator<Item = &'a Feature>,
    ) -> Option<Surroundings> {
        features
            .into_iter()
            .filter_map(|feature| feature.geometry.bounding_rect())
            .reduce(|a, b| {
                Rect::new(
                    coord! {x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y)},
                    coord! {x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y)},
                )
            })
            .map(Surroundings::around)
    }

    /// Why `geometry` lies too far from the mapped area, if it does: the
    /// corner of its bounding box farthest from the extent decides.
    pub fn too_far(&self, geometry: &Geometry<f64>) -> Option<String> {
        let bbox = geometry.bounding_rect()?;
        let (min, max) = (bbox.min(), bbox.max());
        let farthest_m = [
            (min.x, min.y),
            (min.x, max.y),
            (max.x, min.y),
            (max.x, max.y),
        ]
        .into_iter()
        .map(|(x, y)| {
            let nearest = Point::new(
                x.clamp(self.extent.min().x, self.extent.max().x),
                y.clamp(self.extent.min().y, self.extent.max().y),
            );
            distance_m(Point::new(x, y), nearest)
        })
        .fold(0.0, f64::max);
        (farthest_m > self.margin_m).then(|| {
            format!(
                "lies at ({:.4}, {:.4}), {:.0} km from the area the atlas maps (more than {:.0} km): is the CRS right?",
                bbox.center().x,
                bbox.center().y,
                farthest_m / 1000.0,
                self.margin_m / 1000.0
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::point;

    fn genk_centre() -> Surroundings {
        Surroundings::around(Rect::new(
            coord! {x: 5.48, y: 50.95},
            coord! {x: 5.52, y: 50.98},
        ))
    }

    #[test]
    fn the_city_and_its_outskirts_pass_null_island_and_a_crs_mix_up_do_not() {
        let around = genk_centre();
        for inside in [point!(x: 5.50, y: 50.96), point!(x: 5.60, y: 51.03)] {
            assert_eq!(around.too_far(&inside.into()), None, "{inside:?}");
        }
        for far in [point!(x: 0.0, y: 0.0), point!(x: 1.2, y: 46.0)] {
            let reason = around.too_far(&far.into()).expect("too far");
            assert!(reason.contains("is the CRS right?"), "{reason}");
        }
    }
}
