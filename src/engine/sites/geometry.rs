//! Distances and shared boundaries in metres for the site search.
//!
//! # Units and axes
//! Input is EPSG:4326 (x = longitude, y = latitude). Each measure works in a
//! local equirectangular plane centred on the latitude where it is taken,
//! with the WGS 84 lengths of a degree there (the usual series in the
//! latitude), so a distance of a few kilometres is within 0.1% of the
//! geodesic one at any latitude of the demo copies (a unit test checks it).
//! Distances are straight lines ("hemelsbreed").

use geo::{BoundingRect, Intersects, Point, Polygon};

use crate::engine::plane::LocalMetres;

/// Two boundary segments closer than this count as shared, metres.
pub const TOUCH_TOLERANCE_M: f64 = 0.5;

/// The straight-line distance between two points, metres.
pub fn point_distance_m(a: Point<f64>, b: Point<f64>) -> f64 {
    let plane = LocalMetres::at_latitude((a.y() + b.y()) / 2.0);
    let (dx, dy) = plane.offset(a.0, b.0);
    dx.hypot(dy)
}

/// The distance from a point to a polygon (0 inside or on it), metres.
pub fn point_polygon_distance_m(point: Point<f64>, polygon: &Polygon<f64>) -> f64 {
    // the exact inside test only when the point is in the polygon's box
    let in_box = polygon.bounding_rect().is_some_and(|rect| {
        (rect.min().x..=rect.max().x).contains(&point.x())
            && (rect.min().y..=rect.max().y).contains(&point.y())
    });
    if in_box && polygon.intersects(&point) {
        return 0.0;
    }
    let plane = LocalMetres::at_latitude(point.y());
    let mut best = f64::INFINITY;
    for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
        for pair in ring.0.windows(2) {
            let a = plane.offset(point.0, pair[0]);
            let b = plane.offset(point.0, pair[1]);
            best = best.min(origin_segment_distance(a, b));
        }
    }
    best
}

/// The distance from the origin to the segment a–b (plane metres).
fn origin_segment_distance(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let length_2 = dx * dx + dy * dy;
    let t = if length_2 == 0.0 {
        0.0
    } else {
        (-(a.0 * dx + a.1 * dy) / length_2).clamp(0.0, 1.0)
    };
    (a.0 + t * dx).hypot(a.1 + t * dy)
}

/// The length of boundary two polygons share, metres: the overlap of their
/// boundary segments that run alongside each other (parallel within about a
/// degree and within [`TOUCH_TOLERANCE_M`]). Exact for polygons that share
/// whole or partial edges; a corner touch shares nothing.
pub fn shared_boundary_m(a: &Polygon<f64>, b: &Polygon<f64>) -> f64 {
    let Some(origin) = a.exterior().0.first().copied() else {
        return 0.0;
    };
    let plane = LocalMetres::at_latitude(origin.y);
    let segments = |polygon: &Polygon<f64>| -> Vec<((f64, f64), (f64, f64))> {
        std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .flat_map(|ring| ring.0.windows(2))
            .map(|pair| (plane.offset(origin, pair[0]), plane.offset(origin, pair[1])))
            .collect()
    };
    let (segments_a, segments_b) = (segments(a), segments(b));
    let mut shared = 0.0;
    for &(a0, a1) in &segments_a {
        let (ux, uy) = (a1.0 - a0.0, a1.1 - a0.1);
        let length = ux.hypot(uy);
        if length == 0.0 {
            continue;
        }
        let (ux, uy) = (ux / length, uy / length);
        for &(b0, b1) in &segments_b {
            // signed offsets of b's ends across a's line, and along it
            let across = |p: (f64, f64)| (p.0 - a0.0) * -uy + (p.1 - a0.1) * ux;
            let along = |p: (f64, f64)| (p.0 - a0.0) * ux + (p.1 - a0.1) * uy;
            if across(b0).abs() > TOUCH_TOLERANCE_M || across(b1).abs() > TOUCH_TOLERANCE_M {
                continue;
            }
            let (t0, t1) = (along(b0), along(b1));
            let overlap = t0.max(t1).min(length) - t0.min(t1).max(0.0);
            if overlap > 0.0 {
                shared += overlap;
            }
        }
    }
    shared
}

/// Test fixture: the rectangle `width_m` east × `height_m` north whose
/// south-west corner is `x_m` east and `y_m` north of (lon, lat).
#[cfg(test)]
pub(crate) fn rectangle_m(
    (lon, lat): (f64, f64),
    x_m: f64,
    y_m: f64,
    width_m: f64,
    height_m: f64,
) -> Polygon<f64> {
    let plane = LocalMetres::at_latitude(lat);
    let at = |east_m: f64, north_m: f64| {
        let (dlon, dlat) = plane.degrees(east_m, north_m);
        geo::Coord {
            x: lon + dlon,
            y: lat + dlat,
        }
    };
    Polygon::new(
        geo::LineString(vec![
            at(x_m, y_m),
            at(x_m + width_m, y_m),
            at(x_m + width_m, y_m + height_m),
            at(x_m, y_m + height_m),
            at(x_m, y_m),
        ]),
        vec![],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::measure;
    use geo::point;

    const ORIGIN: (f64, f64) = (5.5, 50.96);

    #[test]
    fn point_distances_agree_with_the_geodesic_at_every_copy_latitude() {
        for lat in [50.9, 51.5, 52.2] {
            for (dlon, dlat) in [(0.03, 0.0), (0.0, 0.04), (-0.05, 0.02), (0.001, -0.002)] {
                let a = point!(x: 5.5, y: lat);
                let b = point!(x: 5.5 + dlon, y: lat + dlat);
                let local = point_distance_m(a, b);
                let geodesic = measure::distance_m(a, b);
                assert!(
                    (local - geodesic).abs() / geodesic < 1e-3,
                    "{lat} {dlon} {dlat}: {local} vs {geodesic}"
                );
            }
        }
    }

    #[test]
    fn a_point_inside_is_at_zero_and_outside_at_the_nearest_side() {
        let square = rectangle_m(ORIGIN, 0.0, 0.0, 100.0, 100.0);
        let plane = LocalMetres::at_latitude(50.96);
        let at = |east_m: f64, north_m: f64| {
            let (dlon, dlat) = plane.degrees(east_m, north_m);
            point!(x: 5.5 + dlon, y: 50.96 + dlat)
        };
        assert_eq!(point_polygon_distance_m(at(40.0, 40.0), &square), 0.0);
        let distance = point_polygon_distance_m(at(50.0, 300.0), &square);
        assert!((distance - 200.0).abs() < 0.05, "{distance}");
        let distance = point_polygon_distance_m(at(-30.0, -40.0), &square);
        assert!((distance - 50.0).abs() < 0.05, "{distance}");
    }

    #[test]
    fn shared_boundary_is_the_overlap_of_the_touching_sides() {
        let west = rectangle_m(ORIGIN, 0.0, 0.0, 80.0, 60.0);
        // east of it, 51 m further north: 9 m of the 60 m side is shared
        let east_shifted = rectangle_m(ORIGIN, 80.0, 51.0, 50.0, 60.0);
        let shared = shared_boundary_m(&west, &east_shifted);
        assert!((shared - 9.0).abs() < 0.01, "{shared}");
        let east_level = rectangle_m(ORIGIN, 80.0, 0.0, 50.0, 60.0);
        let shared = shared_boundary_m(&west, &east_level);
        assert!((shared - 60.0).abs() < 0.01, "{shared}");
        assert!((shared_boundary_m(&east_level, &west) - 60.0).abs() < 0.01);
        // a corner touch shares nothing; a 2 m gap shares nothing
        let corner = rectangle_m(ORIGIN, 80.0, 60.0, 50.0, 60.0);
        assert!(shared_boundary_m(&west, &corner) < 1e-6);
        let apart = rectangle_m(ORIGIN, 82.0, 0.0, 50.0, 60.0);
        assert_eq!(shared_boundary_m(&west, &apart), 0.0);
        // within the tolerance (0.3 m gap) the sides still run alongside
        let near = rectangle_m(ORIGIN, 80.3, 0.0, 50.0, 60.0);
        assert!((shared_boundary_m(&west, &near) - 60.0).abs() < 0.01);
    }
}
