//! Walking isochrones of one shop: the parts of the network within 400, 800
//! and 1,200 m of it, as polygons.
//!
//! One Dijkstra from the shop (bounded by the largest limit) gives every
//! node's distance; an edge is reached from each end as far as the distance
//! left allows (and, on the shop's own edge, both ways from the shop). The
//! reached pieces, with the shop's connector, are buffered by
//! [`CORRIDOR_M`] in a plane local to the shop and unioned: a polygon that
//! follows the streets, not a circle. x = longitude, y = latitude.

use geo::{Buffer, Coord, LineString, MultiLineString, MultiPolygon, Point};

use super::dijkstra::node_distances;
use super::graph::WalkNetwork;
use super::snap::Snap;
use crate::engine::plane::METRES_PER_DEGREE;

/// The limits of the isochrones, metres.
pub const LIMITS_M: [f64; 3] = [400.0, 800.0, 1200.0];

/// Half the width of the band drawn around each reached street piece.
pub const CORRIDOR_M: f64 = 40.0;

/// One polygon per limit of [`LIMITS_M`], for the shop at `shop` snapped at `snap`.
pub fn isochrones(
    network: &WalkNetwork,
    shop: Point<f64>,
    snap: &Snap,
) -> Vec<(f64, MultiPolygon<f64>)> {
    let max_limit_m = LIMITS_M[LIMITS_M.len() - 1];
    let edge = network.edges()[snap.edge as usize];
    let seeds = [
        (edge.a, snap.connect_m + snap.to_a_m),
        (edge.b, snap.connect_m + snap.to_b_m),
    ];
    let distance_m = node_distances(network, &seeds, max_limit_m);
    let scale = shop.y().to_radians().cos() * METRES_PER_DEGREE;
    let to_plane = |coord: Coord<f64>| Coord {
        x: (coord.x - shop.x()) * scale,
        y: (coord.y - shop.y()) * METRES_PER_DEGREE,
    };
    let from_plane = |coord: Coord<f64>| Coord {
        x: shop.x() + coord.x / scale,
        y: shop.y() + coord.y / METRES_PER_DEGREE,
    };
    let nodes = network.nodes();
    LIMITS_M
        .iter()
        .map(|&limit_m| {
            let mut pieces: Vec<LineString<f64>> = Vec::new();
            let piece = |a: Coord<f64>, b: Coord<f64>, from_m: f64, to_m: f64, length_m: f64| {
                if length_m <= 0.0 || to_m <= from_m {
                    return None;
                }
                let at = |metres: f64| {
                    let t = (metres / length_m).clamp(0.0, 1.0);
                    to_plane(Coord {
                        x: a.x + t * (b.x - a.x),
                        y: a.y + t * (b.y - a.y),
                    })
                };
                Some(LineString::new(vec![at(from_m), at(to_m)]))
            };
            let left_m = limit_m - snap.connect_m;
            if left_m >= 0.0 {
                let (a, b) = (nodes[edge.a as usize], nodes[edge.b as usize]);
                pieces.extend(piece(
                    a,
                    b,
                    snap.to_a_m - left_m,
                    snap.to_a_m + left_m,
                    edge.length_m,
                ));
                pieces.push(LineString::new(vec![to_plane(shop.0), to_plane(snap.foot)]));
            }
            for (node, &node_m) in distance_m.iter().enumerate() {
                let left_m = limit_m - node_m;
                if left_m <= 0.0 {
                    continue;
                }
                for &(neighbour, edge_idx) in network.neighbours(node as u32) {
                    let length_m = network.edges()[edge_idx as usize].length_m;
                    let (a, b) = (nodes[node], nodes[neighbour as usize]);
                    pieces.extend(piece(a, b, 0.0, left_m.min(length_m), length_m));
                }
            }
            let polygon = if pieces.is_empty() {
                MultiPolygon::new(vec![])
            } else {
                MultiLineString::new(pieces).buffer(CORRIDOR_M)
            };
            (limit_m, geo::MapCoords::map_coords(&polygon, from_plane))
        })
        .collect()
}
