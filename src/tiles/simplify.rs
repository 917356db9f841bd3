//! Douglas–Peucker simplification of lines and rings in tile units.
//!
//! A tolerance in tile units (at extent 4096 a unit is 1/8 of a pixel on a
//! 512-pixel tile) simplifies for the zoom by itself: the same tolerance is
//! half the ground distance one zoom deeper. Endpoints are always kept; a ring
//! is simplified as a line from its first point back to it.

use geo::Coord;

/// The squared distance from `point` to the segment a→b.
fn segment_distance_2(point: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let delta = b - a;
    let length_2 = delta.x * delta.x + delta.y * delta.y;
    let t = if length_2 == 0.0 {
        0.0
    } else {
        (((point.x - a.x) * delta.x + (point.y - a.y) * delta.y) / length_2).clamp(0.0, 1.0)
    };
    let nearest = a + delta * t;
    let offset = point - nearest;
    offset.x * offset.x + offset.y * offset.y
}

/// The points of `line` that Douglas–Peucker keeps at `tolerance_units`
/// (both endpoints always).
pub fn simplify_line(line: &[Coord<f64>], tolerance_units: f64) -> Vec<Coord<f64>> {
    if line.len() <= 2 || tolerance_units <= 0.0 {
        return line.to_vec();
    }
    let tolerance_2 = tolerance_units * tolerance_units;
    let mut keep = vec![false; line.len()];
    keep[0] = true;
    keep[line.len() - 1] = true;
    let mut stack = vec![(0, line.len() - 1)];
    while let Some((first, last)) = stack.pop() {
        let mut farthest = (0, 0.0);
        for index in first + 1..last {
            let distance_2 = segment_distance_2(line[index], line[first], line[last]);
            if distance_2 > farthest.1 {
                farthest = (index, distance_2);
            }
        }
        if farthest.1 > tolerance_2 {
            keep[farthest.0] = true;
            stack.push((first, farthest.0));
            stack.push((farthest.0, last));
        }
    }
    line.iter()
        .zip(keep)
        .filter_map(|(point, kept)| kept.then_some(*point))
        .collect()
}

/// Simplify an open ring (no repeated first point); the result is open too
/// and may have fewer than three points when the ring is below tolerance.
pub fn simplify_ring(ring: &[Coord<f64>], tolerance_units: f64) -> Vec<Coord<f64>> {
    if ring.len() <= 3 || tolerance_units <= 0.0 {
        return ring.to_vec();
    }
    let mut closed = ring.to_vec();
    closed.push(ring[0]);
    let mut simplified = simplify_line(&closed, tolerance_units);
    simplified.pop();
    simplified
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::coord;

    fn coords(points: &[(f64, f64)]) -> Vec<Coord<f64>> {
        points.iter().map(|&(x, y)| coord! { x: x, y: y }).collect()
    }

    #[test]
    fn small_wiggles_go_and_corners_stay() {
        let line = coords(&[(0.0, 0.0), (5.0, 0.2), (10.0, 0.0), (10.0, 10.0)]);
        assert_eq!(
            simplify_line(&line, 0.5),
            coords(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)])
        );
        assert_eq!(simplify_line(&line, 0.1), line);
        assert_eq!(simplify_line(&line, 0.0), line);
    }

    #[test]
    fn a_ring_keeps_its_corners_and_a_tiny_ring_collapses() {
        let square = coords(&[
            (0.0, 0.0),
            (5.0, 0.1),
            (10.0, 0.0),
            (10.0, 10.0),
            (0.0, 10.0),
        ]);
        assert_eq!(
            simplify_ring(&square, 1.0),
            coords(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)])
        );
        let speck = coords(&[(0.0, 0.0), (0.3, 0.0), (0.3, 0.3), (0.0, 0.3)]);
        assert!(simplify_ring(&speck, 1.0).len() < 3);
    }

    #[test]
    fn simplified_points_stay_within_tolerance_of_the_original() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let line: Vec<Coord<f64>> = (0..500)
            .map(|i| coord! { x: f64::from(i), y: rng.random_range(-3.0..3.0) })
            .collect();
        let simplified = simplify_line(&line, 2.0);
        assert!(simplified.len() < line.len());
        // Every dropped point is within the tolerance of the simplified line.
        for point in &line {
            let nearest_2 = simplified
                .windows(2)
                .map(|pair| segment_distance_2(*point, pair[0], pair[1]))
                .fold(f64::INFINITY, f64::min);
            assert!(nearest_2 <= 4.0 + 1e-9, "{point:?}");
        }
    }
}
