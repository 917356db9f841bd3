//! Attaching a home or a shop to the walking network: the nearest point of
//! the nearest walkable edge (not the nearest node).
//!
//! Candidates come from the edge R-tree (a plane at the reference latitude,
//! off by a few per cent away from it); every edge within 5% + 0.5 m of the
//! nearest in that plane is compared by its geodesic connecting distance, and
//! the smallest wins (ties to the lower edge index). Homes halfway between
//! two streets are common, and the two may lead to very different walks, so
//! "nearest" is decided on the ground, as PostGIS does, not in the plane.
//! The foot of the perpendicular is found in a plane local to the point
//! (x = longitude × cos(the point's latitude)), the connecting distance is
//! geodesic, and the distances along the edge to its ends are the edge's
//! length split at the foot. Points more than
//! [`MAX_CONNECT_M`](super::MAX_CONNECT_M) from every walkable edge do not snap.

use geo::{Coord, Distance, Geodesic, Point};

use super::graph::WalkNetwork;
use super::MAX_CONNECT_M;
use crate::engine::plane::METRES_PER_DEGREE;

/// Candidate edges this much farther than the nearest in the R-tree plane
/// (a share of the nearest distance, plus metres) are still compared by
/// geodesic distance.
const TIE_TOLERANCE_SHARE: f64 = 0.05;
const TIE_TOLERANCE_M: f64 = 0.5;

/// Where a point joins the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    /// The edge's index in [`WalkNetwork::edges`].
    pub edge: u32,
    /// Metres along the edge from its node `a` to the foot.
    pub to_a_m: f64,
    /// Metres along the edge from the foot to its node `b`.
    pub to_b_m: f64,
    /// Metres from the point to the foot.
    pub connect_m: f64,
    /// The foot: the nearest point of the edge (longitude, latitude).
    pub foot: Coord<f64>,
}

impl WalkNetwork {
    /// The point's attachment, `None` when no walkable edge lies within
    /// [`MAX_CONNECT_M`] or the point is not a finite longitude/latitude.
    pub fn snap(&self, point: Point<f64>) -> Option<Snap> {
        if !(point.x().is_finite() && point.y().is_finite()) {
            return None;
        }
        let query = [point.x() * self.lon_scale, point.y()];
        let mut best: Option<(Snap, f64)> = None;
        let mut nearest_plane_m: Option<f64> = None;
        for (entry, distance_2) in self.edge_tree.nearest_neighbor_iter_with_distance_2(&query) {
            let plane_m = distance_2.sqrt() * METRES_PER_DEGREE;
            let nearest = *nearest_plane_m.get_or_insert(plane_m);
            // the plane is within a few per cent of the ground near its latitude
            if nearest > MAX_CONNECT_M * 1.5 {
                return None;
            }
            if plane_m > nearest * (1.0 + TIE_TOLERANCE_SHARE) + TIE_TOLERANCE_M {
                break;
            }
            let candidate = self.snap_to_edge(point, entry.data);
            let better = match &best {
                None => true,
                Some((current, _)) => {
                    candidate.connect_m < current.connect_m
                        || (candidate.connect_m == current.connect_m
                            && candidate.edge < current.edge)
                }
            };
            if better {
                best = Some((candidate, plane_m));
            }
        }
        best.map(|(snap, _)| snap)
            .filter(|snap| snap.connect_m <= MAX_CONNECT_M)
    }

    /// The nearest point of edge `edge_idx` to `point`.
    pub fn snap_to_edge(&self, point: Point<f64>, edge_idx: u32) -> Snap {
        let edge = self.edges()[edge_idx as usize];
        let a = self.nodes()[edge.a as usize];
        let b = self.nodes()[edge.b as usize];
        let scale = point.y().to_radians().cos();
        let (ax, ay) = ((a.x - point.x()) * scale, a.y - point.y());
        let (bx, by) = ((b.x - point.x()) * scale, b.y - point.y());
        let (dx, dy) = (bx - ax, by - ay);
        let length_2 = dx * dx + dy * dy;
        let fraction = if length_2 > 0.0 {
            ((-ax * dx - ay * dy) / length_2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let foot = Coord {
            x: a.x + fraction * (b.x - a.x),
            y: a.y + fraction * (b.y - a.y),
        };
        Snap {
            edge: edge_idx,
            to_a_m: fraction * edge.length_m,
            to_b_m: (1.0 - fraction) * edge.length_m,
            connect_m: Geodesic.distance(point, Point::from(foot)),
            foot,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::coverage::graph::Edge;
    use geo::point;

    /// Two edges: west–east along latitude 50.96 from 5.50 to 5.502, cut at 5.501.
    fn line_network() -> WalkNetwork {
        let nodes = vec![
            Coord { x: 5.500, y: 50.96 },
            Coord { x: 5.501, y: 50.96 },
            Coord { x: 5.502, y: 50.96 },
        ];
        let length =
            |a: Coord<f64>, b: Coord<f64>| Geodesic.distance(Point::from(a), Point::from(b));
        let edges = vec![
            Edge {
                a: 0,
                b: 1,
                length_m: length(nodes[0], nodes[1]),
            },
            Edge {
                a: 1,
                b: 2,
                length_m: length(nodes[1], nodes[2]),
            },
        ];
        WalkNetwork::from_parts(nodes, edges)
    }

    #[test]
    fn a_point_snaps_to_the_foot_on_the_nearest_edge_with_its_distance() {
        let network = line_network();
        // 50 m north of 5.5005 (the middle of the first edge)
        let point = point!(x: 5.5005, y: 50.96 + 50.0 / 111_226.0);
        let snap = network.snap(point).unwrap();
        assert_eq!(snap.edge, 0);
        assert!((snap.connect_m - 50.0).abs() < 0.1, "{}", snap.connect_m);
        assert!((snap.to_a_m - snap.to_b_m).abs() < 0.01);
        // beyond the end: the foot is the end node
        let east = network.snap(point!(x: 5.5025, y: 50.96)).unwrap();
        assert_eq!(east.edge, 1);
        assert!(east.to_b_m.abs() < 1e-9);
        assert!((east.connect_m - 35.1).abs() < 0.2, "{}", east.connect_m);
    }

    /// Regression: a home nearly halfway between two streets, far from the
    /// reference latitude, snapped to the street nearer in the R-tree plane
    /// but 1 m farther on the ground (and its walks differed by 178 m).
    #[test]
    fn the_nearest_street_is_decided_on_the_ground_not_in_the_plane() {
        let lat_per_m = 1.0 / 111_250.0;
        let lon_per_m = 1.0 / (111_320.0 * 52.0f64.to_radians().cos());
        let home = point!(x: 5.5, y: 52.0);
        let at = |east_m: f64, north_m: f64| Coord {
            x: 5.5 + east_m * lon_per_m,
            y: 52.0 + north_m * lat_per_m,
        };
        // an east–west street 80 m north, a north–south street 79 m east
        let nodes = vec![
            at(-300.0, 80.0),
            at(300.0, 80.0),
            at(79.0, -300.0),
            at(79.0, 300.0),
        ];
        let length =
            |a: Coord<f64>, b: Coord<f64>| Geodesic.distance(Point::from(a), Point::from(b));
        let edges = vec![
            Edge {
                a: 0,
                b: 1,
                length_m: length(nodes[0], nodes[1]),
            },
            Edge {
                a: 2,
                b: 3,
                length_m: length(nodes[2], nodes[3]),
            },
        ];
        let network = WalkNetwork::from_parts(nodes, edges);
        let snap = network.snap(home).unwrap();
        assert_eq!(snap.edge, 1, "{snap:?}");
        assert!((snap.connect_m - 79.0).abs() < 0.5, "{snap:?}");
    }

    #[test]
    fn a_point_beyond_250_m_does_not_snap() {
        let network = line_network();
        assert!(network
            .snap(point!(x: 5.5005, y: 50.96 + 260.0 / 111_226.0))
            .is_none());
        assert!(network
            .snap(point!(x: 5.5005, y: 50.96 + 240.0 / 111_226.0))
            .is_some());
        assert!(network.snap(point!(x: f64::NAN, y: 50.96)).is_none());
        assert!(WalkNetwork::from_parts(vec![], vec![])
            .snap(point!(x: 5.5, y: 50.96))
            .is_none());
    }
}
