//! The real named streets of `geodata/streets.csv` routed along the grid:
//! which lattice nodes each one runs through and which path owns each grid
//! edge. Below both the land use (which builds beside them) and the street
//! network (which names its edges after them).

use std::collections::BTreeMap;

use super::frame::Frame;
use super::inputs::{Inputs, RoadMode};
use super::lattice::Lattice;
use crate::model::StreetClass;

/// A grid edge as (smaller node index, larger node index).
pub type EdgeKey = (usize, usize);

pub fn edge_key(a: usize, b: usize) -> EdgeKey {
    (a.min(b), a.max(b))
}

/// A named street of `geodata/streets.csv` routed along the grid.
#[derive(Debug, Clone)]
pub struct NamedPath {
    pub name: String,
    pub class: StreetClass,
    pub area_id: Option<String>,
    /// Shop units along it.
    pub units: usize,
    /// Lattice node indices, in order.
    pub nodes: Vec<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct NamedRoutes {
    pub paths: Vec<NamedPath>,
    /// Which path runs over each grid edge.
    pub edges: BTreeMap<EdgeKey, usize>,
}

/// Grid steps from one node to another: straight when they share a line, a
/// staircase otherwise.
fn grid_steps(from: (usize, usize), to: (usize, usize)) -> Vec<(usize, usize)> {
    let (total_c, total_r) = (to.0 as i64 - from.0 as i64, to.1 as i64 - from.1 as i64);
    let mut at = (from.0 as i64, from.1 as i64);
    let mut steps = vec![from];
    while at != (to.0 as i64, to.1 as i64) {
        let (left_c, left_r) = (to.0 as i64 - at.0, to.1 as i64 - at.1);
        // step along the axis that is furthest behind its share of the way
        if left_c != 0
            && (left_r == 0 || left_c.abs() * total_r.abs() >= left_r.abs() * total_c.abs())
        {
            at.0 += left_c.signum();
        } else {
            at.1 += left_r.signum();
        }
        steps.push((at.0 as usize, at.1 as usize));
    }
    steps
}

/// Route the lattice-mode roads of `streets.csv` over the grid.
///
/// # Panics
/// When two named streets would share a grid edge (an input error).
pub fn route_named_streets(inputs: &Inputs, frame: &Frame, lattice: &Lattice) -> NamedRoutes {
    let mut routes = NamedRoutes::default();
    for road in inputs
        .roads
        .iter()
        .filter(|road| road.mode == RoadMode::Lattice)
    {
        let grid: Vec<(usize, usize)> = road
            .waypoints
            .iter()
            .map(|&point| lattice.nearest_grid_node(frame.to_m(point)))
            .collect();
        let mut nodes = vec![lattice.index(grid[0].0, grid[0].1)];
        for pair in grid.windows(2) {
            for step in grid_steps(pair[0], pair[1]).into_iter().skip(1) {
                nodes.push(lattice.index(step.0, step.1));
            }
        }
        let path_index = routes.paths.len();
        for pair in nodes.windows(2) {
            if let Some(other) = routes.edges.insert(edge_key(pair[0], pair[1]), path_index) {
                panic!(
                    "streets.csv: {} and {} share a grid edge",
                    routes.paths[other].name, road.name
                );
            }
        }
        routes.paths.push(NamedPath {
            name: road.name.clone(),
            class: road.class,
            area_id: road.area_id.clone(),
            units: road.units,
            nodes,
        });
    }
    routes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_steps_go_straight_or_by_staircase() {
        assert_eq!(
            grid_steps((2, 5), (5, 5)),
            vec![(2, 5), (3, 5), (4, 5), (5, 5)]
        );
        assert_eq!(grid_steps((3, 3), (3, 1)), vec![(3, 3), (3, 2), (3, 1)]);
        let diagonal = grid_steps((0, 0), (2, 2));
        assert_eq!(diagonal.len(), 5);
        assert_eq!(diagonal.last(), Some(&(2, 2)));
        for pair in diagonal.windows(2) {
            let step = (pair[1].0 as i64 - pair[0].0 as i64).abs()
                + (pair[1].1 as i64 - pair[0].1 as i64).abs();
            assert_eq!(step, 1);
        }
    }
}
