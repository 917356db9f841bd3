//! The street network: the grid's streets, the real named streets routed
//! along it, the motorways with their exits, and the N702 link.
//!
//! A grid edge carries a street when both its nodes are in the city and
//! - its line is an arterial line (every 6th: through roads everywhere), or
//! - its line is a collector line (every 3rd) beside a built-up or park cell, or
//! - it borders a built-up cell (the fine 150 m blocks), or
//! - a named street of `geodata/streets.csv` is routed over it.
//!
//! Only the largest connected part is kept, so every walkable street can be
//! reached from every other. Streets are cut at every junction (a node where
//! other than two edges meet) and wherever the name changes, so junctions are
//! shared endpoints with exactly equal coordinates. Generated names change
//! every few hundred metres along a line, at a junction.

use std::collections::{BTreeMap, BTreeSet};

use geo::{Coord, LineString};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::frame::Frame;
use super::inputs::{Inputs, RoadMode};
use super::landuse::{cells_beside_edge, Landuse};
use super::lattice::{Lattice, ARTERIAL_EVERY, COLLECTOR_EVERY};
use super::names;
use super::plane;
use super::routes::{edge_key, EdgeKey, NamedRoutes};
use crate::model::{AccessKind, Street, StreetClass};

/// A street drawn along the grid, as the shop placement needs it.
#[derive(Debug, Clone)]
pub struct Segment {
    /// Index into [`Network::streets`].
    pub street: usize,
    /// Lattice node indices, in order.
    pub nodes: Vec<usize>,
    /// A named street of `streets.csv` (not a generated one).
    pub fixed: bool,
    /// Metres from the start of the named stretch to this segment's start
    /// (house numbers grow along it).
    pub offset_m: f64,
}

#[derive(Debug, Clone)]
pub struct Network {
    pub streets: Vec<Street>,
    /// The grid streets (not the free roads), in street order.
    pub segments: Vec<Segment>,
}

/// What an edge carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Label {
    name: usize,
    class: StreetClass,
    fixed: bool,
}

/// Union-find over node indices.
struct Components {
    parent: Vec<usize>,
}

impl Components {
    fn new(n: usize) -> Self {
        Components {
            parent: (0..n).collect(),
        }
    }

    fn root(&mut self, mut node: usize) -> usize {
        while self.parent[node] != node {
            self.parent[node] = self.parent[self.parent[node]];
            node = self.parent[node];
        }
        node
    }

    fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.root(a), self.root(b));
        if a != b {
            self.parent[a.max(b)] = a.min(b);
        }
    }
}

/// The grid lines: each a list of its edges' node pairs in order (rows west
/// to east, then columns south to north), with the line's index.
fn grid_lines(lattice: &Lattice) -> Vec<(usize, Vec<(usize, usize)>)> {
    let mut lines = Vec::with_capacity(lattice.n_rows + lattice.n_cols);
    for row in 0..lattice.n_rows {
        let edges = (0..lattice.n_cols - 1)
            .map(|col| (lattice.index(col, row), lattice.index(col + 1, row)))
            .collect();
        lines.push((row, edges));
    }
    for col in 0..lattice.n_cols {
        let edges = (0..lattice.n_rows - 1)
            .map(|row| (lattice.index(col, row), lattice.index(col, row + 1)))
            .collect();
        lines.push((col, edges));
    }
    lines
}

fn line_class(line: usize) -> StreetClass {
    if line.is_multiple_of(3 * ARTERIAL_EVERY) {
        StreetClass::Primary
    } else if line.is_multiple_of(ARTERIAL_EVERY) {
        StreetClass::Secondary
    } else {
        StreetClass::Residential
    }
}

/// Build the network. `routes` must come from [`route_named_streets`] on the
/// same lattice.
pub fn build(
    inputs: &Inputs,
    frame: &Frame,
    lattice: &Lattice,
    landuse: &Landuse,
    routes: &NamedRoutes,
    rng: &mut ChaCha8Rng,
) -> Network {
    let mut used_names: BTreeSet<String> =
        inputs.roads.iter().map(|road| road.name.clone()).collect();
    let mut names: Vec<String> = routes.paths.iter().map(|path| path.name.clone()).collect();
    let lines = grid_lines(lattice);

    // Which edges carry a street.
    let mut labels: BTreeMap<EdgeKey, Label> = BTreeMap::new();
    for (line, edges) in &lines {
        for &(a, b) in edges {
            let key = edge_key(a, b);
            if let Some(&path) = routes.edges.get(&key) {
                labels.insert(
                    key,
                    Label {
                        name: path,
                        class: routes.paths[path].class,
                        fixed: true,
                    },
                );
                continue;
            }
            if !(landuse.node_inside[a] && landuse.node_inside[b]) {
                continue;
            }
            let beside: Vec<_> = cells_beside_edge(lattice, a, b)
                .into_iter()
                .map(|cell| &landuse.cells[cell])
                .collect();
            let present = line.is_multiple_of(ARTERIAL_EVERY)
                || (line.is_multiple_of(COLLECTOR_EVERY)
                    && beside.iter().any(|cell| cell.developed()))
                || beside.iter().any(|cell| cell.urban());
            if present {
                labels.insert(
                    key,
                    Label {
                        name: usize::MAX,
                        class: line_class(*line),
                        fixed: false,
                    },
                );
            }
        }
    }

    // Keep the largest connected part.
    let mut components = Components::new(lattice.nodes.len());
    for &(a, b) in labels.keys() {
        components.join(a, b);
    }
    let mut sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for &(a, _) in labels.keys() {
        *sizes.entry(components.root(a)).or_default() += 1;
    }
    let main_root = sizes
        .iter()
        .max_by_key(|(root, size)| (**size, std::cmp::Reverse(**root)))
        .map(|(root, _)| *root)
        .expect("the city has streets");
    labels.retain(|&(a, _), label| {
        let keep = components.root(a) == main_root;
        assert!(
            keep || !label.fixed,
            "a named street is cut off from the network"
        );
        keep
    });
    let mut degree = vec![0usize; lattice.nodes.len()];
    for &(a, b) in labels.keys() {
        degree[a] += 1;
        degree[b] += 1;
    }
    let main_nodes: Vec<usize> = (0..lattice.nodes.len())
        .filter(|&node| degree[node] > 0)
        .collect();
    let nearest_main = |point_m: Coord<f64>| -> usize {
        *main_nodes
            .iter()
            .min_by(|&&a, &&b| {
                plane::distance(lattice.nodes[a], point_m)
                    .total_cmp(&plane::distance(lattice.nodes[b], point_m))
            })
            .expect("the network has nodes")
    };

    // Where the free roads and the exit ramps join the grid.
    let free_roads: Vec<_> = inputs
        .roads
        .iter()
        .filter(|road| road.mode == RoadMode::Free)
        .collect();
    let free_ends: Vec<Option<usize>> = free_roads
        .iter()
        .map(|road| {
            road.walkable.then(|| {
                nearest_main(frame.to_m(*road.waypoints.last().expect("a road has waypoints")))
            })
        })
        .collect();
    let ramps: Vec<(usize, usize)> = inputs
        .access
        .iter()
        .enumerate()
        .filter(|(_, access)| access.kind == AccessKind::MotorwayExit)
        .filter(|(_, access)| {
            // an exit where a walkable road begins needs no ramp
            !free_roads
                .iter()
                .any(|road| road.walkable && road.waypoints.first() == Some(&access.location))
        })
        .map(|(index, access)| (index, nearest_main(frame.to_m(access.location))))
        .collect();
    for &node in free_ends
        .iter()
        .flatten()
        .chain(ramps.iter().map(|(_, node)| node))
    {
        degree[node] += 1;
    }

    // Generated names: a new one every few hundred metres, at a junction.
    let mut offsets: BTreeMap<EdgeKey, f64> = BTreeMap::new();
    for (_, edges) in &lines {
        let mut piece: Option<(usize, f64, f64)> = None; // (name, length so far, target)
        for &(a, b) in edges {
            let key = edge_key(a, b);
            let Some(label) = labels.get(&key).copied() else {
                piece = None;
                continue;
            };
            if label.fixed {
                let path = &routes.paths[label.name];
                let position = path
                    .nodes
                    .iter()
                    .position(|&node| node == a || node == b)
                    .unwrap_or(0);
                let along: f64 = path.nodes[..=position]
                    .windows(2)
                    .map(|pair| plane::distance(lattice.nodes[pair[0]], lattice.nodes[pair[1]]))
                    .sum();
                offsets.insert(key, along);
                piece = None;
                continue;
            }
            let length = plane::distance(lattice.nodes[a], lattice.nodes[b]);
            let renew = match piece {
                None => true,
                Some((_, so_far, target)) => so_far >= target && degree[a] >= 3,
            };
            if renew {
                let name = names::street_name(inputs, label.class, rng, &mut used_names);
                names.push(name);
                let target = match label.class {
                    StreetClass::Primary | StreetClass::Secondary => {
                        rng.random_range(1_200.0..2_600.0)
                    }
                    _ => rng.random_range(350.0..900.0),
                };
                piece = Some((names.len() - 1, 0.0, target));
            }
            let (name, so_far, target) = piece.expect("a piece is open");
            labels.get_mut(&key).expect("a labelled edge").name = name;
            offsets.insert(key, so_far);
            piece = Some((name, so_far + length, target));
        }
    }

    // Cut the lines into streets at junctions and name changes.
    let mut streets = Vec::new();
    let mut segments = Vec::new();
    let to_line = |nodes: &[usize]| {
        LineString(
            nodes
                .iter()
                .map(|&node| frame.to_lon_lat(lattice.nodes[node]))
                .collect(),
        )
    };
    for (_, edges) in &lines {
        let mut open: Option<(Label, Vec<usize>, f64)> = None;
        let mut close = |open: &mut Option<(Label, Vec<usize>, f64)>, streets: &mut Vec<Street>| {
            if let Some((label, nodes, offset_m)) = open.take() {
                segments.push(Segment {
                    street: streets.len(),
                    nodes: nodes.clone(),
                    fixed: label.fixed,
                    offset_m,
                });
                streets.push(Street {
                    id: String::new(),
                    geometry: to_line(&nodes),
                    name: names[label.name].clone(),
                    walkable: true,
                    class: label.class,
                });
            }
        };
        for &(a, b) in edges {
            let Some(label) = labels.get(&edge_key(a, b)).copied() else {
                close(&mut open, &mut streets);
                continue;
            };
            let extend = matches!(&open, Some((open_label, nodes, _)) if *open_label == label && nodes.last() == Some(&a) && degree[a] == 2);
            if extend {
                open.as_mut().expect("open").1.push(b);
            } else {
                close(&mut open, &mut streets);
                open = Some((label, vec![a, b], offsets[&edge_key(a, b)]));
            }
        }
        close(&mut open, &mut streets);
    }

    // The free roads (motorways, N702), cut at their exits.
    for (road, end) in free_roads.iter().zip(&free_ends) {
        let mut points = road.waypoints.clone();
        if let Some(node) = end {
            points.push(frame.to_lon_lat(lattice.nodes[*node]));
        }
        let exits: Vec<Coord<f64>> = inputs
            .access
            .iter()
            .filter(|access| access.road.as_deref() == Some(road.name.as_str()))
            .map(|access| access.location)
            .collect();
        let mut piece = vec![points[0]];
        for (index, &point) in points.iter().enumerate().skip(1) {
            piece.push(point);
            if index + 1 < points.len() && exits.contains(&point) {
                streets.push(free_street(
                    road.name.clone(),
                    road.walkable,
                    road.class,
                    std::mem::take(&mut piece),
                ));
                piece.push(point);
            }
        }
        streets.push(free_street(
            road.name.clone(),
            road.walkable,
            road.class,
            piece,
        ));
    }
    for (access, node) in ramps {
        let access = &inputs.access[access];
        streets.push(free_street(
            access.name.clone(),
            false,
            StreetClass::MotorwayLink,
            vec![access.location, frame.to_lon_lat(lattice.nodes[node])],
        ));
    }
    for (index, street) in streets.iter_mut().enumerate() {
        street.id = format!("street-{:05}", index + 1);
    }
    Network { streets, segments }
}

fn free_street(
    name: String,
    walkable: bool,
    class: StreetClass,
    points: Vec<Coord<f64>>,
) -> Street {
    Street {
        id: String::new(),
        geometry: LineString(points),
        name,
        walkable,
        class,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exit_lies_on_a_vertex_of_its_motorway() {
        let inputs = Inputs::embedded();
        for access in inputs
            .access
            .iter()
            .filter(|access| access.kind == AccessKind::MotorwayExit)
        {
            let road = access.road.as_deref().expect("an exit names its road");
            let road = inputs
                .roads
                .iter()
                .find(|row| row.name == road)
                .expect("the road exists");
            assert!(road.waypoints.contains(&access.location), "{}", access.name);
        }
    }
}
