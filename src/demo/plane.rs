//! Small planar geometry on metric coordinates (x east, y north, metres):
//! point in ring, bilinear quads, buffers and how a polygon lies against the
//! city outline.
//!
//! Rings here are closed (first point repeated last) unless a function says
//! otherwise; polygons the generator builds are counter-clockwise.

use geo::{Coord, LineString, MultiPolygon, Polygon};

pub fn distance(a: Coord<f64>, b: Coord<f64>) -> f64 {
    (a.x - b.x).hypot(a.y - b.y)
}

/// The point at t ∈ [0, 1] from a to b; exactly `a` at 0 and `b` at 1.
pub fn lerp(a: Coord<f64>, b: Coord<f64>, t: f64) -> Coord<f64> {
    Coord {
        x: a.x * (1.0 - t) + b.x * t,
        y: a.y * (1.0 - t) + b.y * t,
    }
}

/// The midpoint, computed symmetrically so that `midpoint(a, b) ==
/// midpoint(b, a)` bit for bit: neighbouring quads share their edge points.
pub fn midpoint(a: Coord<f64>, b: Coord<f64>) -> Coord<f64> {
    Coord {
        x: (a.x + b.x) * 0.5,
        y: (a.y + b.y) * 0.5,
    }
}

/// Twice the signed area of a closed ring (positive when counter-clockwise).
pub fn twice_signed_area(ring: &[Coord<f64>]) -> f64 {
    ring.windows(2)
        .map(|pair| pair[0].x * pair[1].y - pair[1].x * pair[0].y)
        .sum()
}

pub fn ring_area(ring: &[Coord<f64>]) -> f64 {
    twice_signed_area(ring).abs() / 2.0
}

/// The area-weighted centroid of a closed ring.
pub fn ring_centroid(ring: &[Coord<f64>]) -> Coord<f64> {
    let origin = ring[0];
    let (mut cx, mut cy, mut twice_area) = (0.0, 0.0, 0.0);
    for pair in ring.windows(2) {
        let (a, b) = (pair[0] - origin, pair[1] - origin);
        let cross = a.x * b.y - b.x * a.y;
        twice_area += cross;
        cx += (a.x + b.x) * cross;
        cy += (a.y + b.y) * cross;
    }
    if twice_area.abs() < 1e-12 {
        return origin;
    }
    Coord {
        x: origin.x + cx / (3.0 * twice_area),
        y: origin.y + cy / (3.0 * twice_area),
    }
}

/// Whether a point lies inside a closed ring (crossing number).
pub fn in_ring(point: Coord<f64>, ring: &[Coord<f64>]) -> bool {
    let mut inside = false;
    for pair in ring.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if (a.y > point.y) != (b.y > point.y) {
            let x = a.x + (point.y - a.y) / (b.y - a.y) * (b.x - a.x);
            if point.x < x {
                inside = !inside;
            }
        }
    }
    inside
}

pub fn in_polygon(point: Coord<f64>, polygon: &Polygon<f64>) -> bool {
    in_ring(point, &polygon.exterior().0)
        && !polygon
            .interiors()
            .iter()
            .any(|hole| in_ring(point, &hole.0))
}

pub fn in_multi_polygon(point: Coord<f64>, multi: &MultiPolygon<f64>) -> bool {
    multi.0.iter().any(|polygon| in_polygon(point, polygon))
}

/// The point at (u, v) ∈ [0, 1]² of a quad given counter-clockwise from its
/// south-west corner: [sw, se, ne, nw].
pub fn bilinear(quad: &[Coord<f64>; 4], u: f64, v: f64) -> Coord<f64> {
    let bottom = lerp(quad[0], quad[1], u);
    let top = lerp(quad[3], quad[2], u);
    lerp(bottom, top, v)
}

/// A closed counter-clockwise ring from open points.
pub fn closed(points: &[Coord<f64>]) -> Vec<Coord<f64>> {
    let mut ring = points.to_vec();
    if twice_signed_area(&[points, &points[..1]].concat()) < 0.0 {
        ring.reverse();
    }
    ring.push(ring[0]);
    ring
}

pub fn polygon(ring: Vec<Coord<f64>>) -> Polygon<f64> {
    Polygon::new(LineString(ring), Vec::new())
}

/// A rectangle around segment a–b, `half_width_m` on each side, plus a square
/// cap at each end: a cheap buffer that unions into a street corridor.
pub fn segment_buffer(a: Coord<f64>, b: Coord<f64>, half_width_m: f64) -> Polygon<f64> {
    let length = distance(a, b).max(1e-9);
    let along = Coord {
        x: (b.x - a.x) / length * half_width_m,
        y: (b.y - a.y) / length * half_width_m,
    };
    let across = Coord {
        x: -along.y,
        y: along.x,
    };
    polygon(closed(&[
        a - along - across,
        b + along - across,
        b + along + across,
        a - along + across,
    ]))
}

/// The distance from a point to segment a–b, and the parameter t ∈ [0, 1] of
/// the nearest point.
pub fn distance_to_segment(point: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> (f64, f64) {
    let ab = b - a;
    let length2 = ab.x * ab.x + ab.y * ab.y;
    let t = if length2 == 0.0 {
        0.0
    } else {
        (((point.x - a.x) * ab.x + (point.y - a.y) * ab.y) / length2).clamp(0.0, 1.0)
    };
    (distance(point, lerp(a, b, t)), t)
}

/// How a polygon lies against the city outline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    Inside,
    Border,
    Outside,
}

fn segments_cross(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>, d: Coord<f64>) -> bool {
    let orient = |p: Coord<f64>, q: Coord<f64>, r: Coord<f64>| {
        (q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x)
    };
    let (d1, d2) = (orient(a, b, c), orient(a, b, d));
    let (d3, d4) = (orient(c, d, a), orient(c, d, b));
    d1 * d2 <= 0.0 && d3 * d4 <= 0.0
}

/// Whether a closed ring lies inside, across or outside the closed ring
/// `outline` (both metric).
pub fn placement(ring: &[Coord<f64>], outline: &[Coord<f64>]) -> Placement {
    let crosses = ring.windows(2).any(|edge| {
        outline
            .windows(2)
            .any(|side| segments_cross(edge[0], edge[1], side[0], side[1]))
    });
    if crosses {
        return Placement::Border;
    }
    if in_ring(ring[0], outline) {
        if outline.iter().any(|&corner| in_ring(corner, ring)) {
            Placement::Border
        } else {
            Placement::Inside
        }
    } else if in_ring(outline[0], ring) {
        Placement::Border
    } else {
        Placement::Outside
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64, size: f64) -> Vec<Coord<f64>> {
        closed(&[
            Coord { x, y },
            Coord { x: x + size, y },
            Coord {
                x: x + size,
                y: y + size,
            },
            Coord { x, y: y + size },
        ])
    }

    #[test]
    fn placement_against_an_outline() {
        let outline = square(0.0, 0.0, 100.0);
        assert_eq!(
            placement(&square(10.0, 10.0, 5.0), &outline),
            Placement::Inside
        );
        assert_eq!(
            placement(&square(98.0, 10.0, 5.0), &outline),
            Placement::Border
        );
        assert_eq!(
            placement(&square(200.0, 10.0, 5.0), &outline),
            Placement::Outside
        );
        assert_eq!(
            placement(&square(-10.0, -10.0, 200.0), &outline),
            Placement::Border
        );
    }

    #[test]
    fn centroid_and_point_in_ring() {
        let ring = square(0.0, 0.0, 2.0);
        let centre = ring_centroid(&ring);
        assert!((centre.x - 1.0).abs() < 1e-12 && (centre.y - 1.0).abs() < 1e-12);
        assert!(in_ring(centre, &ring));
        assert!(!in_ring(Coord { x: 3.0, y: 1.0 }, &ring));
        assert_eq!(midpoint(ring[0], ring[2]), midpoint(ring[2], ring[0]));
    }
}
