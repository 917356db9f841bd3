//! Point aggregation for low zooms: a fixed grid of cells over the tile, one
//! cluster per cell that holds points.
//!
//! # Semantics of a cluster
//! Cells are `cell_units` square, aligned to the tile's origin, so at one zoom
//! the grid is the same in every tile and a cell in one tile's buffer is the
//! very same cell (same members, same position) in its neighbour. A cluster
//! sits at the mean position of its points (tile units, rounded); its
//! `point_count` is the number of features in the cell, and each summed field
//! (e.g. `population`) is the total over them. Every point of the buffered
//! tile falls in exactly one cell, so counts are conserved: summing
//! `point_count` over the clusters *inside* each tile of a zoom gives the
//! number of features. The buffer must be a whole number of cells.

use std::collections::BTreeMap;

use geo::Coord;

use super::geometry::TilePoint;

/// The grid and the window of one tile, in tile units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClusterParams {
    pub extent_units: u32,
    pub buffer_units: u32,
    pub cell_units: u32,
}

/// The cells of one cluster grid cell (column, row), the first inside the
/// tile being (0, 0); the buffer's cells are −1 and `extent / cell`.
pub type CellIndex = (i32, i32);

#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub cell: CellIndex,
    /// The mean position of its points, rounded to the grid.
    pub position: TilePoint,
    pub point_count: u64,
    /// One total per summed field, in the order the weights were given.
    pub sums: Vec<f64>,
}

impl Cluster {
    /// Whether the cell lies inside the tile proper (not in its buffer).
    pub fn is_inside_tile(&self, params: &ClusterParams) -> bool {
        let n_cells = (params.extent_units / params.cell_units) as i32;
        (0..n_cells).contains(&self.cell.0) && (0..n_cells).contains(&self.cell.1)
    }
}

struct Accumulator {
    sum_x: f64,
    sum_y: f64,
    point_count: u64,
    sums: Vec<f64>,
}

/// Group points (tile units, with their weights) into grid clusters, in
/// cell order (row, then column). Points outside the buffered tile's cells
/// are left out.
pub fn cluster_points<'w>(
    points: impl IntoIterator<Item = (Coord<f64>, &'w [f64])>,
    params: &ClusterParams,
) -> Vec<Cluster> {
    let cell_units = f64::from(params.cell_units);
    let first_cell = -((params.buffer_units / params.cell_units) as i32);
    let last_cell = ((params.extent_units + params.buffer_units) / params.cell_units) as i32 - 1;
    let mut cells: BTreeMap<(i32, i32), Accumulator> = BTreeMap::new();
    for (point, weights) in points {
        let column = (point.x / cell_units).floor();
        let row = (point.y / cell_units).floor();
        let in_range = |index: f64| index >= f64::from(first_cell) && index <= f64::from(last_cell);
        if !in_range(column) || !in_range(row) {
            continue;
        }
        let accumulator = cells
            .entry((row as i32, column as i32))
            .or_insert_with(|| Accumulator {
                sum_x: 0.0,
                sum_y: 0.0,
                point_count: 0,
                sums: vec![0.0; weights.len()],
            });
        accumulator.sum_x += point.x;
        accumulator.sum_y += point.y;
        accumulator.point_count += 1;
        for (sum, weight) in accumulator.sums.iter_mut().zip(weights) {
            *sum += weight;
        }
    }
    cells
        .into_iter()
        .map(|((row, column), accumulator)| {
            let n_points = accumulator.point_count as f64;
            Cluster {
                cell: (column, row),
                position: [
                    (accumulator.sum_x / n_points).round() as i32,
                    (accumulator.sum_y / n_points).round() as i32,
                ],
                point_count: accumulator.point_count,
                sums: accumulator.sums,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::coord;
    use rand::{Rng, SeedableRng};

    const PARAMS: ClusterParams = ClusterParams {
        extent_units: 4096,
        buffer_units: 64,
        cell_units: 64,
    };

    #[test]
    fn points_in_one_cell_make_one_cluster_at_their_mean() {
        let weights = [[2.0], [3.0], [5.0]];
        let points = [
            (coord! { x: 10.0, y: 10.0 }, &weights[0][..]),
            (coord! { x: 20.0, y: 30.0 }, &weights[1][..]),
            (coord! { x: 200.0, y: 10.0 }, &weights[2][..]),
        ];
        let clusters = cluster_points(points, &PARAMS);
        assert_eq!(
            clusters,
            vec![
                Cluster {
                    cell: (0, 0),
                    position: [15, 20],
                    point_count: 2,
                    sums: vec![5.0]
                },
                Cluster {
                    cell: (3, 0),
                    position: [200, 10],
                    point_count: 1,
                    sums: vec![5.0]
                },
            ]
        );
    }

    #[test]
    fn counts_and_sums_are_conserved() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let points: Vec<(Coord<f64>, [f64; 1])> = (0..5_000)
            .map(|_| {
                let point = coord! { x: rng.random_range(-64.0..4160.0), y: rng.random_range(-64.0..4160.0) };
                (point, [f64::from(rng.random_range(1..8))])
            })
            .collect();
        let clusters = cluster_points(points.iter().map(|(p, w)| (*p, &w[..])), &PARAMS);
        assert_eq!(clusters.iter().map(|c| c.point_count).sum::<u64>(), 5_000);
        let total: f64 = points.iter().map(|(_, w)| w[0]).sum();
        assert_eq!(clusters.iter().map(|c| c.sums[0]).sum::<f64>(), total);
        // Inside the tile proper: exactly the points in 0..4096.
        let inside = points
            .iter()
            .filter(|(p, _)| (0.0..4096.0).contains(&p.x) && (0.0..4096.0).contains(&p.y))
            .count() as u64;
        let clustered_inside: u64 = clusters
            .iter()
            .filter(|cluster| cluster.is_inside_tile(&PARAMS))
            .map(|cluster| cluster.point_count)
            .sum();
        assert_eq!(clustered_inside, inside);
        assert!(clusters.len() <= 66 * 66);
    }

    #[test]
    fn points_beyond_the_buffer_cells_are_left_out() {
        let far = [
            (coord! { x: 4160.0, y: 0.0 }, &[][..]),
            (coord! { x: -64.5, y: 0.0 }, &[][..]),
        ];
        assert!(cluster_points(far, &PARAMS).is_empty());
    }
}
