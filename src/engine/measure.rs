//! Lengths and areas in metres on the ground, on the WGS 84 ellipsoid.
//!
//! Geodesic (Karney's algorithm through `geo`), the same model PostGIS uses for
//! `ST_Area(geom::geography)` and `ST_Length(geom::geography)`. Input is
//! EPSG:4326 with x = longitude, y = latitude.

use geo::orient::{Direction, Orient};
use geo::{Geodesic, GeodesicArea, Geometry, Length, LineString, Point};

/// The area of a polygon or multipolygon in m² (holes subtracted); 0 for
/// points and lines. Rings may wind either way: they are oriented first, since
/// the geodesic algorithm reads a clockwise exterior as "the rest of the earth".
pub fn area_m2(geometry: &Geometry<f64>) -> f64 {
    match geometry {
        Geometry::Polygon(polygon) => polygon.orient(Direction::Default).geodesic_area_unsigned(),
        Geometry::MultiPolygon(multi) => multi.orient(Direction::Default).geodesic_area_unsigned(),
        _ => 0.0,
    }
}

/// The length of a line in metres.
pub fn length_m(line: &LineString<f64>) -> f64 {
    Geodesic.length(line)
}

/// The distance between two points in metres.
pub fn distance_m(a: Point<f64>, b: Point<f64>) -> f64 {
    use geo::Distance;
    Geodesic.distance(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, point, polygon};

    #[test]
    fn a_degree_of_latitude_is_about_111_km() {
        let length = length_m(&line_string![(x: 5.5, y: 50.5), (x: 5.5, y: 51.5)]);
        assert!((length - 111_257.0).abs() < 100.0, "{length}");
    }

    #[test]
    fn a_square_hectare_near_genk_measures_one_hectare() {
        // 100 m × 100 m at lat 50.96: 100 m of latitude is 0.000899°, of longitude 0.001417°
        let d_lat = 100.0 / 111_226.0;
        let d_lon = 100.0 / (111_320.0 * 50.96f64.to_radians().cos());
        let square = polygon![(x: 5.5, y: 50.96), (x: 5.5 + d_lon, y: 50.96), (x: 5.5 + d_lon, y: 50.96 + d_lat), (x: 5.5, y: 50.96 + d_lat), (x: 5.5, y: 50.96)];
        let area = area_m2(&square.into());
        assert!((area - 10_000.0).abs() < 50.0, "{area}");
        assert!(
            (distance_m(point!(x: 5.5, y: 50.96), point!(x: 5.5, y: 50.96 + d_lat)) - 100.0).abs()
                < 0.5
        );
    }
}
