//! The local metric plane the generator draws in, and a fast ellipsoidal area.
//!
//! [`Frame`] maps EPSG:4326 (x = longitude, y = latitude, degrees) to metres
//! east and north of an origin in Genk, linearly (equirectangular with the
//! WGS 84 radii of curvature at the origin). Over the city (about 15 km) that
//! distorts lengths by well under 0.2%: good enough to lay out a synthetic
//! city. Published areas are never planar: [`polygon_area_m2`] measures the
//! lon/lat polygon on the ellipsoid and agrees with the geodesic
//! `engine::measure::area_m2` to about 10⁻⁵ for parcel-sized polygons, at a
//! fraction of the cost (it runs for millions of parcels at scale 100).

use geo::{Coord, LineString, Polygon};

/// WGS 84 semi-major axis, metres.
const A_M: f64 = 6_378_137.0;
/// WGS 84 flattening.
const F: f64 = 1.0 / 298.257_223_563;

/// The meridional and prime-vertical radii of curvature at a latitude, metres.
fn radii_m(lat_deg: f64) -> (f64, f64) {
    let e2 = F * (2.0 - F);
    let sin = lat_deg.to_radians().sin();
    let w2 = 1.0 - e2 * sin * sin;
    let meridional = A_M * (1.0 - e2) / (w2 * w2.sqrt());
    let prime_vertical = A_M / w2.sqrt();
    (meridional, prime_vertical)
}

/// A linear map between lon/lat degrees and metres east/north of an origin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub origin: Coord<f64>,
    pub m_per_deg_lon: f64,
    pub m_per_deg_lat: f64,
}

impl Frame {
    /// The frame centred on Genk (5.49 E, 50.965 N).
    pub fn genk() -> Frame {
        Frame::at(Coord { x: 5.49, y: 50.965 })
    }

    pub fn at(origin: Coord<f64>) -> Frame {
        let (meridional, prime_vertical) = radii_m(origin.y);
        let radians = std::f64::consts::PI / 180.0;
        Frame {
            origin,
            m_per_deg_lon: prime_vertical * origin.y.to_radians().cos() * radians,
            m_per_deg_lat: meridional * radians,
        }
    }

    /// Lon/lat degrees to metres (x east, y north).
    pub fn to_m(&self, lon_lat: Coord<f64>) -> Coord<f64> {
        Coord {
            x: (lon_lat.x - self.origin.x) * self.m_per_deg_lon,
            y: (lon_lat.y - self.origin.y) * self.m_per_deg_lat,
        }
    }

    /// Metres (x east, y north) to lon/lat degrees.
    pub fn to_lon_lat(&self, metres: Coord<f64>) -> Coord<f64> {
        Coord {
            x: self.origin.x + metres.x / self.m_per_deg_lon,
            y: self.origin.y + metres.y / self.m_per_deg_lat,
        }
    }

    pub fn ring_to_lon_lat(&self, ring_m: &[Coord<f64>]) -> LineString<f64> {
        LineString(ring_m.iter().map(|&point| self.to_lon_lat(point)).collect())
    }

    pub fn polygon_to_lon_lat(&self, polygon_m: &Polygon<f64>) -> Polygon<f64> {
        Polygon::new(
            self.ring_to_lon_lat(&polygon_m.exterior().0),
            polygon_m
                .interiors()
                .iter()
                .map(|ring| self.ring_to_lon_lat(&ring.0))
                .collect(),
        )
    }

    pub fn polygon_to_m(&self, polygon: &Polygon<f64>) -> Polygon<f64> {
        let ring =
            |ring: &LineString<f64>| LineString(ring.0.iter().map(|&c| self.to_m(c)).collect());
        Polygon::new(
            ring(polygon.exterior()),
            polygon.interiors().iter().map(ring).collect(),
        )
    }
}

/// The area of a closed lon/lat ring on the WGS 84 ellipsoid, m², unsigned:
/// the shoelace area in degrees scaled by the radii of curvature at the
/// ring's mean latitude. Exact to second order in the ring's size.
pub fn ring_area_m2(ring: &[Coord<f64>]) -> f64 {
    if ring.len() < 4 {
        return 0.0;
    }
    let origin = ring[0];
    let mut twice_area = 0.0;
    let mut lat_sum = 0.0;
    for pair in ring.windows(2) {
        let (a, b) = (pair[0] - origin, pair[1] - origin);
        twice_area += a.x * b.y - b.x * a.y;
        lat_sum += pair[0].y;
    }
    let lat = lat_sum / (ring.len() - 1) as f64;
    let (meridional, prime_vertical) = radii_m(lat);
    let radians = std::f64::consts::PI / 180.0;
    (twice_area / 2.0).abs()
        * radians
        * radians
        * meridional
        * prime_vertical
        * lat.to_radians().cos()
}

/// The area of a lon/lat polygon (exterior minus holes), m².
pub fn polygon_area_m2(polygon: &Polygon<f64>) -> f64 {
    ring_area_m2(&polygon.exterior().0)
        - polygon
            .interiors()
            .iter()
            .map(|ring| ring_area_m2(&ring.0))
            .sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::measure;
    use geo::polygon;

    #[test]
    fn metres_and_degrees_round_trip() {
        let frame = Frame::genk();
        let point = Coord {
            x: 5.5289,
            y: 51.0189,
        };
        let back = frame.to_lon_lat(frame.to_m(point));
        assert!((back.x - point.x).abs() < 1e-12 && (back.y - point.y).abs() < 1e-12);
        // 0.01 degree of latitude is about 1,112 m
        let north = frame.to_m(Coord { x: 5.49, y: 50.975 });
        assert!((north.y - 1_112.0).abs() < 2.0, "{north:?}");
    }

    #[test]
    fn the_fast_area_agrees_with_the_geodesic_one() {
        for (lon, lat, size) in [
            (5.49, 50.96, 0.002),
            (5.41, 50.92, 0.0005),
            (7.9, 52.2, 0.003),
        ] {
            let square = polygon![(x: lon, y: lat), (x: lon + size, y: lat + size * 0.1), (x: lon + size, y: lat + size), (x: lon - size * 0.2, y: lat + size * 0.7), (x: lon, y: lat)];
            let fast = polygon_area_m2(&square);
            let geodesic = measure::area_m2(&square.into());
            assert!(
                ((fast - geodesic) / geodesic).abs() < 1e-4,
                "{fast} vs {geodesic}"
            );
        }
    }
}
