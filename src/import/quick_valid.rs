//! A fast, one-sided validity test for the common small geometry, so that
//! an import asks GEOS (through OGR) only about the rest.
//!
//! [`surely_valid`] answers `true` only for geometries that GEOS's IsValid
//! accepts: a finite point, or a polygon (or a multipolygon of one) without
//! holes whose ring, repeated points removed, has 3 to [`MAX_RING_VERTICES`]
//! distinct vertices, no two neighbouring edges collinear and no two other
//! edges meeting at all, decided with robust orientation predicates (exact
//! signs, no tolerance). Everything else, valid or not, gets `false` and goes
//! to GEOS, which keeps the last word on what is invalid and why. The ring
//! must have been closed in the source: geo closes rings on conversion, so
//! the caller says whether it was (see `reproject.rs`).

use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::{Coord, Geometry, LineString, Polygon};

/// Rings with more distinct vertices go to GEOS (this test is quadratic).
pub const MAX_RING_VERTICES: usize = 64;

/// `true` only when GEOS would call the geometry valid (see the module doc).
pub fn surely_valid(geometry: &Geometry<f64>) -> bool {
    match geometry {
        Geometry::Point(point) => point.x().is_finite() && point.y().is_finite(),
        Geometry::Polygon(polygon) => polygon_surely_valid(polygon),
        Geometry::MultiPolygon(multi) if multi.0.len() == 1 => polygon_surely_valid(&multi.0[0]),
        _ => false,
    }
}

fn polygon_surely_valid(polygon: &Polygon<f64>) -> bool {
    polygon.interiors().is_empty() && ring_surely_simple(polygon.exterior())
}

/// The ring's distinct vertices in order (consecutive repeats and the
/// closing point dropped), or `None` when a coordinate is not finite.
fn distinct_vertices(ring: &LineString<f64>) -> Option<Vec<Coord<f64>>> {
    let mut vertices: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len());
    for coord in &ring.0 {
        if !(coord.x.is_finite() && coord.y.is_finite()) {
            return None;
        }
        if vertices.last() != Some(coord) {
            vertices.push(*coord);
        }
    }
    while vertices.len() > 1 && vertices.first() == vertices.last() {
        vertices.pop();
    }
    Some(vertices)
}

fn ring_surely_simple(ring: &LineString<f64>) -> bool {
    if !ring.is_closed() {
        return false;
    }
    let Some(vertices) = distinct_vertices(ring) else {
        return false;
    };
    let n = vertices.len();
    if !(3..=MAX_RING_VERTICES).contains(&n) {
        return false;
    }
    let edge = |index: usize| (vertices[index], vertices[(index + 1) % n]);
    // neighbouring edges meet only at their shared vertex unless collinear
    for index in 0..n {
        let (a, b) = edge(index);
        let c = vertices[(index + 2) % n];
        if RobustKernel::orient2d(a, b, c) == Orientation::Collinear {
            return false;
        }
    }
    // every other pair of edges must be strictly apart
    for first in 0..n {
        for second in first + 2..n {
            if first == 0 && second == n - 1 {
                continue; // neighbours across the closing vertex
            }
            if !edges_surely_apart(edge(first), edge(second)) {
                return false;
            }
        }
    }
    true
}

/// `true` when the two closed segments surely share no point: their boxes
/// are apart, or one lies strictly on one side of the other's line.
fn edges_surely_apart(
    (p1, q1): (Coord<f64>, Coord<f64>),
    (p2, q2): (Coord<f64>, Coord<f64>),
) -> bool {
    if p1.x.max(q1.x) < p2.x.min(q2.x)
        || p2.x.max(q2.x) < p1.x.min(q1.x)
        || p1.y.max(q1.y) < p2.y.min(q2.y)
        || p2.y.max(q2.y) < p1.y.min(q1.y)
    {
        return true;
    }
    let strictly_one_side = |a: Coord<f64>, b: Coord<f64>, c: Coord<f64>, d: Coord<f64>| {
        let first = RobustKernel::orient2d(a, b, c);
        first != Orientation::Collinear && first == RobustKernel::orient2d(a, b, d)
    };
    strictly_one_side(p1, q1, p2, q2) || strictly_one_side(p2, q2, p1, q1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gdal::vector::ToGdal;
    use geo::polygon;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn geos_valid(geometry: &Geometry<f64>) -> bool {
        geometry.to_gdal().unwrap().is_valid()
    }

    #[test]
    fn small_simple_polygons_are_valid_and_bowties_go_to_geos() {
        let square: Geometry<f64> =
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)].into();
        assert!(surely_valid(&square) && geos_valid(&square));
        let bowtie: Geometry<f64> =
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0), (x: 1.0, y: 0.0), (x: 0.0, y: 1.0)].into();
        assert!(!surely_valid(&bowtie) && !geos_valid(&bowtie));
        let spike: Geometry<f64> = polygon![
            (x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 3.0, y: 1.0),
            (x: 2.0, y: 1.0), (x: 0.0, y: 1.0)
        ]
        .into();
        assert!(!surely_valid(&spike) && !geos_valid(&spike));
        let repeated: Geometry<f64> = polygon![
            (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)
        ]
        .into();
        assert!(surely_valid(&repeated) && geos_valid(&repeated));
    }

    /// Against GEOS on seeded random rings on a coarse grid (so that
    /// touching, collinear and crossing edges are frequent): whenever the
    /// quick test says valid, GEOS agrees; and it says so for most of what
    /// GEOS accepts.
    #[test]
    fn never_valid_where_geos_says_invalid() {
        let _quiet = crate::import::QuietErrors::new(); // GEOS explains each invalid ring
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let (mut n_quick, mut n_geos) = (0, 0);
        for _ in 0..20_000 {
            let n_vertices = rng.random_range(3..9);
            let mut ring: Vec<Coord<f64>> = (0..n_vertices)
                .map(|_| Coord {
                    x: f64::from(rng.random_range(0..5)),
                    y: f64::from(rng.random_range(0..5)),
                })
                .collect();
            ring.push(ring[0]);
            let geometry: Geometry<f64> = Polygon::new(LineString(ring), vec![]).into();
            let (quick, geos) = (surely_valid(&geometry), geos_valid(&geometry));
            assert!(!quick || geos, "quick says valid, GEOS not: {geometry:?}");
            n_quick += usize::from(quick);
            n_geos += usize::from(geos);
        }
        assert!(n_geos > 1_000, "the sample has valid rings: {n_geos}");
        assert!(
            n_quick * 10 >= n_geos * 9,
            "quick accepts {n_quick} of {n_geos} valid rings"
        );
    }
}
