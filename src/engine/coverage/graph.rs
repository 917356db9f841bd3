//! The walking network: walkable streets as an undirected graph with edge
//! lengths in metres on the ground.
//!
//! Every segment between two consecutive vertices of a walkable street is an
//! edge; vertices with exactly equal coordinates are one node, so streets meet
//! where they share a vertex (a junction). Lengths are geodesic (WGS 84, as
//! PostGIS `ST_Length(geography)`). Zero-length segments are dropped. The
//! edges are also indexed in an R-tree over a local equirectangular plane
//! (x = longitude × cos(reference latitude), y = latitude, degrees) for
//! [`snap`](super::snap).

use std::collections::HashMap;

use geo::{Coord, Distance, Geodesic, Point};
use rstar::primitives::{GeomWithData, Line};
use rstar::RTree;

use crate::model::Street;

/// One edge between two nodes; `a` < `b` is not implied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub a: u32,
    pub b: u32,
    pub length_m: f64,
}

pub(crate) type EdgeEntry = GeomWithData<Line<[f64; 2]>, u32>;

/// The walkable streets as a graph: nodes (longitude/latitude), edges, an
/// adjacency list and an R-tree of the edges.
pub struct WalkNetwork {
    nodes: Vec<Coord<f64>>,
    edges: Vec<Edge>,
    /// `adjacency[adjacency_start[n]..adjacency_start[n + 1]]` are node n's
    /// (neighbour, edge) pairs.
    adjacency_start: Vec<u32>,
    adjacency: Vec<(u32, u32)>,
    pub(crate) edge_tree: RTree<EdgeEntry>,
    pub(crate) lon_scale: f64,
}

impl std::fmt::Debug for WalkNetwork {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("WalkNetwork")
            .field("n_nodes", &self.nodes.len())
            .field("n_edges", &self.edges.len())
            .finish()
    }
}

impl WalkNetwork {
    /// The network of the walkable streets among `streets`.
    pub fn build(streets: &[Street]) -> Self {
        let mut node_of: HashMap<(u64, u64), u32> = HashMap::new();
        let mut nodes: Vec<Coord<f64>> = Vec::new();
        let mut edges: Vec<Edge> = Vec::new();
        let mut node_id = |coord: Coord<f64>, nodes: &mut Vec<Coord<f64>>| -> u32 {
            // +0.0 so that -0.0 and 0.0 are one node
            let key = ((coord.x + 0.0).to_bits(), (coord.y + 0.0).to_bits());
            *node_of.entry(key).or_insert_with(|| {
                nodes.push(coord);
                (nodes.len() - 1) as u32
            })
        };
        for street in streets.iter().filter(|street| street.walkable) {
            for segment in street.geometry.lines() {
                if segment.start == segment.end {
                    continue;
                }
                let length_m =
                    Geodesic.distance(Point::from(segment.start), Point::from(segment.end));
                let a = node_id(segment.start, &mut nodes);
                let b = node_id(segment.end, &mut nodes);
                edges.push(Edge { a, b, length_m });
            }
        }
        Self::from_parts(nodes, edges)
    }

    /// A network of given nodes and edges (for tests and for [`build`](Self::build)).
    pub fn from_parts(nodes: Vec<Coord<f64>>, edges: Vec<Edge>) -> Self {
        let mut degree = vec![0u32; nodes.len() + 1];
        for edge in &edges {
            degree[edge.a as usize] += 1;
            degree[edge.b as usize] += 1;
        }
        let mut adjacency_start = Vec::with_capacity(nodes.len() + 1);
        let mut total = 0u32;
        for count in &degree[..nodes.len()] {
            adjacency_start.push(total);
            total += count;
        }
        adjacency_start.push(total);
        let mut fill = adjacency_start.clone();
        let mut adjacency = vec![(0u32, 0u32); total as usize];
        for (edge_idx, edge) in edges.iter().enumerate() {
            let edge_idx = edge_idx as u32;
            adjacency[fill[edge.a as usize] as usize] = (edge.b, edge_idx);
            fill[edge.a as usize] += 1;
            adjacency[fill[edge.b as usize] as usize] = (edge.a, edge_idx);
            fill[edge.b as usize] += 1;
        }
        // the plane of the edges' index, at the network's own latitude
        let (south, north) = nodes
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(s, n), node| {
                (s.min(node.y), n.max(node.y))
            });
        let lon_scale = if south.is_finite() {
            ((south + north) / 2.0).to_radians().cos()
        } else {
            1.0
        };
        let entries: Vec<EdgeEntry> = edges
            .iter()
            .enumerate()
            .map(|(edge_idx, edge)| {
                let a = nodes[edge.a as usize];
                let b = nodes[edge.b as usize];
                GeomWithData::new(
                    Line::new([a.x * lon_scale, a.y], [b.x * lon_scale, b.y]),
                    edge_idx as u32,
                )
            })
            .collect();
        WalkNetwork {
            nodes,
            edges,
            adjacency_start,
            adjacency,
            edge_tree: RTree::bulk_load(entries),
            lon_scale,
        }
    }

    pub fn nodes(&self) -> &[Coord<f64>] {
        &self.nodes
    }

    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    pub fn n_nodes(&self) -> usize {
        self.nodes.len()
    }

    /// Node `node`'s (neighbour, edge index) pairs.
    pub fn neighbours(&self, node: u32) -> &[(u32, u32)] {
        let start = self.adjacency_start[node as usize] as usize;
        let end = self.adjacency_start[node as usize + 1] as usize;
        &self.adjacency[start..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::StreetClass;
    use geo::line_string;

    pub(crate) fn street(id: &str, line: geo::LineString<f64>, walkable: bool) -> Street {
        Street {
            id: id.into(),
            geometry: line,
            name: id.into(),
            walkable,
            class: if walkable {
                StreetClass::Residential
            } else {
                StreetClass::Motorway
            },
        }
    }

    #[test]
    fn streets_meet_at_shared_vertices_and_motorways_are_left_out() {
        let streets = [
            street(
                "a",
                line_string![(x: 5.50, y: 50.96), (x: 5.501, y: 50.96), (x: 5.502, y: 50.96)],
                true,
            ),
            street(
                "b",
                line_string![(x: 5.501, y: 50.96), (x: 5.501, y: 50.961)],
                true,
            ),
            street(
                "e40",
                line_string![(x: 5.50, y: 50.96), (x: 5.50, y: 50.97)],
                false,
            ),
        ];
        let network = WalkNetwork::build(&streets);
        assert_eq!(network.n_nodes(), 4);
        assert_eq!(network.edges().len(), 3);
        // the middle vertex of "a" is a junction of three edges
        assert_eq!(network.neighbours(1).len(), 3);
        // 0.001° of longitude at 50.96° is about 70.2 m
        let length = network.edges()[0].length_m;
        assert!((length - 70.2).abs() < 0.3, "{length}");
    }
}
