//! Degrees and metres near a latitude: the one place for the local-plane
//! maths (the R-tree's plane, metres per degree on the sphere and on the
//! ellipsoid). Geodesic lengths and areas are in `measure.rs`.

use geo::{Coord, Distance, Euclidean, Geometry, MapCoords, Point, Rect};

use crate::model::{Feature, LayerId};

/// The smallest box holding `held` (if any) and `bbox`.
pub(crate) fn union(held: Option<Rect<f64>>, bbox: Rect<f64>) -> Rect<f64> {
    match held {
        None => bbox,
        Some(held) => Rect::new(
            geo::coord! { x: held.min().x.min(bbox.min().x), y: held.min().y.min(bbox.min().y) },
            geo::coord! { x: held.max().x.max(bbox.max().x), y: held.max().y.max(bbox.max().y) },
        ),
    }
}

/// Metres per degree of a great circle on the sphere of the WGS 84 mean
/// radius (6,371,008.8 m): a degree of latitude, or of longitude scaled by
/// the cosine of the latitude, within 0.5% of the ellipsoid's anywhere.
pub const METRES_PER_DEGREE: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

/// The local plane in which the index measures: longitudes shrink by the
/// cosine of a reference latitude.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalPlane {
    lon_scale: f64,
}

impl LocalPlane {
    pub fn at_latitude(latitude_deg: f64) -> Self {
        LocalPlane {
            lon_scale: latitude_deg.to_radians().cos(),
        }
    }

    /// The plane for the data: at the middle latitude of the
    /// neighbourhoods' extent (the city), else of every feature's, else
    /// the equator's (an empty engine).
    pub fn for_layers<'a>(layers: impl IntoIterator<Item = (LayerId, &'a [Feature])>) -> Self {
        let mut city: Option<Rect<f64>> = None;
        let mut everything: Option<Rect<f64>> = None;
        for (layer, features) in layers {
            for bbox in features.iter().filter_map(Feature::bbox) {
                if layer == LayerId::Neighbourhoods {
                    city = Some(union(city, bbox));
                }
                everything = Some(union(everything, bbox));
            }
        }
        let latitude = city
            .or(everything)
            .map_or(0.0, |extent| (extent.min().y + extent.max().y) / 2.0);
        LocalPlane::at_latitude(latitude)
    }

    /// How much shorter a degree of longitude is than one of latitude here.
    pub fn lon_scale(&self) -> f64 {
        self.lon_scale
    }

    pub(super) fn point(&self, lon: f64, lat: f64) -> [f64; 2] {
        [lon * self.lon_scale, lat]
    }

    pub(super) fn geometry(&self, geometry: &Geometry<f64>) -> Geometry<f64> {
        geometry.map_coords(|coord| geo::coord! { x: coord.x * self.lon_scale, y: coord.y })
    }

    /// The planar distance in metres between two longitude/latitude points.
    pub fn distance_m(&self, a: Point<f64>, b: Point<f64>) -> f64 {
        let [ax, ay] = self.point(a.x(), a.y());
        let [bx, by] = self.point(b.x(), b.y());
        (ax - bx).hypot(ay - by) * METRES_PER_DEGREE
    }

    /// The planar distance in metres from a point to a geometry (0 inside it).
    pub fn distance_to_geometry_m(&self, point: Point<f64>, geometry: &Geometry<f64>) -> f64 {
        let [x, y] = self.point(point.x(), point.y());
        Euclidean.distance(&Point::new(x, y), &self.geometry(geometry)) * METRES_PER_DEGREE
    }
}

/// Metres per degree of longitude and of latitude at a latitude.
#[derive(Debug, Clone, Copy)]
pub struct LocalMetres {
    per_lon_deg: f64,
    per_lat_deg: f64,
}

impl LocalMetres {
    pub fn at_latitude(latitude_deg: f64) -> Self {
        let phi = latitude_deg.to_radians();
        LocalMetres {
            per_lat_deg: 111_132.954 - 559.822 * (2.0 * phi).cos() + 1.175 * (4.0 * phi).cos(),
            per_lon_deg: 111_412.84 * phi.cos() - 93.5 * (3.0 * phi).cos(),
        }
    }

    /// A shift of `east_m`, `north_m` metres in degrees (longitude, latitude).
    pub fn degrees(&self, east_m: f64, north_m: f64) -> (f64, f64) {
        (east_m / self.per_lon_deg, north_m / self.per_lat_deg)
    }

    /// `to` minus `from` in metres (east, north).
    pub(crate) fn offset(&self, from: Coord<f64>, to: Coord<f64>) -> (f64, f64) {
        (
            (to.x - from.x) * self.per_lon_deg,
            (to.y - from.y) * self.per_lat_deg,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::measure::distance_m;
    use geo::point;

    /// The geodesic on the WGS 84 ellipsoid (Karney, through `geo`) is the oracle.
    #[test]
    fn metres_per_degree_agree_with_the_ellipsoid() {
        for latitude in [0.0, 37.0, 50.96, 51.3, 70.0] {
            let north = distance_m(
                point!(x: 5.0, y: latitude),
                point!(x: 5.0, y: latitude + 0.01),
            );
            let east = distance_m(point!(x: 5.0, y: latitude), point!(x: 5.01, y: latitude));
            let local = LocalMetres::at_latitude(latitude);
            let (dlon, dlat) = local.degrees(east, north);
            assert!((dlon - 0.01).abs() < 0.01 * 1e-4, "{latitude}: {dlon}");
            assert!((dlat - 0.01).abs() < 0.01 * 1e-4, "{latitude}: {dlat}");
            let plane = LocalPlane::at_latitude(latitude);
            for (along, geodesic) in [((0.0, 0.01), north), ((0.01, 0.0), east)] {
                let a = point!(x: 5.0, y: latitude);
                let b = point!(x: 5.0 + along.0, y: latitude + along.1);
                let sphere = plane.distance_m(a, b);
                assert!(
                    (sphere / geodesic - 1.0).abs() < 0.007,
                    "{latitude}: {sphere} {geodesic}"
                );
            }
        }
    }
}
