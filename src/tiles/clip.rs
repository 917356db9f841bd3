//! Clipping geometry in tile units to a rectangle (the buffered tile).
//!
//! Rings are clipped with Sutherland–Hodgman, one rectangle edge at a time:
//! exact for a convex clip window such as a tile, and a concave ring that
//! leaves and re-enters comes back as one ring with zero-width edges along
//! the window's border, which fill the same area (geojson-vt and tippecanoe
//! do the same). Each ring of a polygon is clipped on its own, so holes stay
//! holes. Lines are clipped segment by segment (Liang–Barsky) into the pieces
//! that lie inside. All coordinates are tile units (x right, y down).

use geo::{coord, Coord};

/// An axis-aligned clip window in tile units, borders included.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClipRect {
    pub min_x: f64,
    pub min_y: f64,
    pub max_x: f64,
    pub max_y: f64,
}

impl ClipRect {
    /// The tile `0..extent_units` grown by `buffer_units` on every side.
    pub fn buffered_tile(extent_units: u32, buffer_units: u32) -> Self {
        let buffer = f64::from(buffer_units);
        let far = f64::from(extent_units) + buffer;
        ClipRect {
            min_x: -buffer,
            min_y: -buffer,
            max_x: far,
            max_y: far,
        }
    }

    pub fn contains(&self, point: Coord<f64>) -> bool {
        (self.min_x..=self.max_x).contains(&point.x) && (self.min_y..=self.max_y).contains(&point.y)
    }

    fn contains_all(&self, points: &[Coord<f64>]) -> bool {
        points.iter().all(|point| self.contains(*point))
    }
}

/// One of the four half-planes whose intersection is the clip window.
#[derive(Debug, Clone, Copy)]
enum Edge {
    Left(f64),
    Right(f64),
    Top(f64),
    Bottom(f64),
}

impl Edge {
    fn inside(self, point: Coord<f64>) -> bool {
        match self {
            Edge::Left(x) => point.x >= x,
            Edge::Right(x) => point.x <= x,
            Edge::Top(y) => point.y >= y,
            Edge::Bottom(y) => point.y <= y,
        }
    }

    /// Where the segment a→b crosses this edge's line (a and b on opposite sides).
    fn crossing(self, a: Coord<f64>, b: Coord<f64>) -> Coord<f64> {
        match self {
            Edge::Left(x) | Edge::Right(x) => {
                let t = (x - a.x) / (b.x - a.x);
                coord! { x: x, y: a.y + t * (b.y - a.y) }
            }
            Edge::Top(y) | Edge::Bottom(y) => {
                let t = (y - a.y) / (b.y - a.y);
                coord! { x: a.x + t * (b.x - a.x), y: y }
            }
        }
    }
}

/// Clip a ring (closed or not) to the window; the result is open (no
/// repeated first point) and empty when nothing of the ring's area is
/// inside. Takes the points by value: a ring inside the window comes back
/// without a copy.
pub fn clip_ring(ring: Vec<Coord<f64>>, window: &ClipRect) -> Vec<Coord<f64>> {
    let mut points = ring;
    if points.len() > 1 && points.first() == points.last() {
        points.pop();
    }
    if window.contains_all(&points) {
        return points;
    }
    let edges = [
        Edge::Left(window.min_x),
        Edge::Right(window.max_x),
        Edge::Top(window.min_y),
        Edge::Bottom(window.max_y),
    ];
    for edge in edges {
        if points.is_empty() {
            break;
        }
        let mut clipped = Vec::with_capacity(points.len() + 4);
        let mut previous = points[points.len() - 1];
        for &current in &points {
            match (edge.inside(previous), edge.inside(current)) {
                (true, true) => clipped.push(current),
                (true, false) => clipped.push(edge.crossing(previous, current)),
                (false, true) => {
                    clipped.push(edge.crossing(previous, current));
                    clipped.push(current);
                }
                (false, false) => {}
            }
            previous = current;
        }
        points = clipped;
    }
    if points.len() < 3 {
        points.clear();
    }
    points
}

/// A polygon as an exterior ring and its holes, each open (tile units).
#[derive(Debug, Clone, PartialEq)]
pub struct Rings {
    pub exterior: Vec<Coord<f64>>,
    pub holes: Vec<Vec<Coord<f64>>>,
}

/// Clip a polygon: its exterior, then every hole on its own. `None` when
/// the exterior leaves nothing inside the window.
pub fn clip_polygon(polygon: &geo::Polygon<f64>, window: &ClipRect) -> Option<Rings> {
    let exterior = clip_ring(polygon.exterior().0.clone(), window);
    if exterior.is_empty() {
        return None;
    }
    let holes = polygon
        .interiors()
        .iter()
        .map(|hole| clip_ring(hole.0.clone(), window))
        .filter(|hole| !hole.is_empty())
        .collect();
    Some(Rings { exterior, holes })
}

/// The part of the segment a→b inside the window as parameters
/// `0 ≤ t_enter ≤ t_exit ≤ 1`, or `None` (Liang–Barsky).
fn clip_segment(a: Coord<f64>, b: Coord<f64>, window: &ClipRect) -> Option<(f64, f64)> {
    let delta = b - a;
    let mut t_enter = 0.0_f64;
    let mut t_exit = 1.0_f64;
    let checks = [
        (-delta.x, a.x - window.min_x),
        (delta.x, window.max_x - a.x),
        (-delta.y, a.y - window.min_y),
        (delta.y, window.max_y - a.y),
    ];
    for (p, q) in checks {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t_enter = t_enter.max(t);
            } else {
                t_exit = t_exit.min(t);
            }
        }
    }
    (t_enter <= t_exit).then_some((t_enter, t_exit))
}

/// Clip a line into the pieces that lie inside the window, in order.
pub fn clip_line(line: &[Coord<f64>], window: &ClipRect) -> Vec<Vec<Coord<f64>>> {
    if window.contains_all(line) {
        return vec![line.to_vec()];
    }
    let mut pieces: Vec<Vec<Coord<f64>>> = Vec::new();
    let mut current: Vec<Coord<f64>> = Vec::new();
    for pair in line.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        match clip_segment(a, b, window) {
            None => {
                if !current.is_empty() {
                    pieces.push(std::mem::take(&mut current));
                }
            }
            Some((t_enter, t_exit)) => {
                let enter = if t_enter == 0.0 {
                    a
                } else {
                    a + (b - a) * t_enter
                };
                let exit = if t_exit == 1.0 {
                    b
                } else {
                    a + (b - a) * t_exit
                };
                if current.last() != Some(&enter) {
                    if !current.is_empty() {
                        pieces.push(std::mem::take(&mut current));
                    }
                    current.push(enter);
                }
                current.push(exit);
                if t_exit < 1.0 {
                    pieces.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn coords(points: &[(f64, f64)]) -> Vec<Coord<f64>> {
        points.iter().map(|&(x, y)| coord! { x: x, y: y }).collect()
    }

    /// Twice the signed area (surveyor's formula) of an open ring.
    fn doubled_area(ring: &[Coord<f64>]) -> f64 {
        (0..ring.len())
            .map(|i| {
                let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
                a.x * b.y - b.x * a.y
            })
            .sum()
    }

    const WINDOW: ClipRect = ClipRect {
        min_x: 0.0,
        min_y: 0.0,
        max_x: 10.0,
        max_y: 10.0,
    };

    #[test]
    fn a_ring_inside_is_kept_as_it_is() {
        let ring = coords(&[(1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.0, 1.0)]);
        assert_eq!(clip_ring(ring.clone(), &WINDOW), ring[..3].to_vec());
    }

    #[test]
    fn a_ring_outside_disappears() {
        let ring = coords(&[(11.0, 1.0), (12.0, 1.0), (12.0, 2.0), (11.0, 1.0)]);
        assert!(clip_ring(ring, &WINDOW).is_empty());
    }

    #[test]
    fn a_square_over_the_corner_keeps_the_overlap() {
        let ring = coords(&[
            (5.0, 5.0),
            (15.0, 5.0),
            (15.0, 15.0),
            (5.0, 15.0),
            (5.0, 5.0),
        ]);
        let clipped = clip_ring(ring, &WINDOW);
        assert!(
            (doubled_area(&clipped).abs() / 2.0 - 25.0).abs() < 1e-9,
            "{clipped:?}"
        );
        assert!(clipped.iter().all(|point| WINDOW.contains(*point)));
    }

    #[test]
    fn a_polygon_with_a_hole_keeps_the_part_of_the_hole_inside() {
        // A 20×20 square from (-5,-5) with a 4×4 hole straddling the right border.
        let polygon = polygon!(
            exterior: [(x: -5.0, y: -5.0), (x: 15.0, y: -5.0), (x: 15.0, y: 15.0), (x: -5.0, y: 15.0), (x: -5.0, y: -5.0)],
            interiors: [
                [(x: 8.0, y: 4.0), (x: 12.0, y: 4.0), (x: 12.0, y: 8.0), (x: 8.0, y: 8.0), (x: 8.0, y: 4.0)],
                [(x: 20.0, y: 20.0), (x: 21.0, y: 20.0), (x: 21.0, y: 21.0), (x: 20.0, y: 20.0)],
            ],
        );
        let rings = clip_polygon(&polygon, &WINDOW).unwrap();
        assert!((doubled_area(&rings.exterior).abs() / 2.0 - 100.0).abs() < 1e-9);
        assert_eq!(rings.holes.len(), 1, "the hole outside the tile is dropped");
        assert!((doubled_area(&rings.holes[0]).abs() / 2.0 - 8.0).abs() < 1e-9);
    }

    #[test]
    fn a_concave_ring_that_leaves_and_returns_keeps_its_area() {
        // A U shape whose two arms poke out above the window.
        let ring = coords(&[
            (1.0, 12.0),
            (1.0, 5.0),
            (9.0, 5.0),
            (9.0, 12.0),
            (7.0, 12.0),
            (7.0, 7.0),
            (3.0, 7.0),
            (3.0, 12.0),
        ]);
        let window = ClipRect {
            max_y: 10.0,
            ..WINDOW
        };
        let clipped = clip_ring(ring, &window);
        // Inside: the base 8×2 plus two arms 2×3.
        assert!(
            (doubled_area(&clipped).abs() / 2.0 - 28.0).abs() < 1e-9,
            "{clipped:?}"
        );
    }

    #[test]
    fn a_line_crossing_the_tile_is_cut_at_both_borders() {
        let line = coords(&[(-5.0, 5.0), (15.0, 5.0)]);
        assert_eq!(
            clip_line(&line, &WINDOW),
            vec![coords(&[(0.0, 5.0), (10.0, 5.0)])]
        );
    }

    #[test]
    fn a_line_leaving_and_returning_makes_two_pieces() {
        let line = coords(&[(2.0, 2.0), (2.0, 12.0), (8.0, 12.0), (8.0, 2.0)]);
        assert_eq!(
            clip_line(&line, &WINDOW),
            vec![
                coords(&[(2.0, 2.0), (2.0, 10.0)]),
                coords(&[(8.0, 10.0), (8.0, 2.0)])
            ]
        );
    }

    #[test]
    fn a_line_outside_gives_nothing_and_a_diagonal_is_cut_exactly() {
        assert!(clip_line(&coords(&[(11.0, 0.0), (20.0, 5.0)]), &WINDOW).is_empty());
        let pieces = clip_line(&coords(&[(-10.0, -10.0), (5.0, 5.0), (6.0, 5.0)]), &WINDOW);
        assert_eq!(pieces, vec![coords(&[(0.0, 0.0), (5.0, 5.0), (6.0, 5.0)])]);
    }
}
