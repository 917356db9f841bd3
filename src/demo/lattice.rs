//! The street grid's nodes: a square lattice of 150 m over the city, each
//! node jittered so the blocks look drawn rather than ruled.
//!
//! Nodes are numbered by (col, row), col growing east and row north; cell
//! (cx, cy) is the quad between nodes (cx, cy) and (cx + 1, cy + 1). Every
//! street, block and parcel is built from these same node coordinates, so
//! streets meet at exactly equal endpoints and neighbouring blocks share
//! exactly equal corners. Metres, in the [`super::frame::Frame`] plane.

use geo::Coord;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::neighbourhoods::Outline;
use super::plane;

/// The distance between grid lines, metres.
pub const SPACING_M: f64 = 150.0;
/// Grid lines whose index is a multiple of this carry through roads.
pub const ARTERIAL_EVERY: usize = 6;
/// Grid lines whose index is a multiple of this bound the coarse blocks.
pub const COLLECTOR_EVERY: usize = 3;

#[derive(Debug, Clone)]
pub struct Lattice {
    pub n_cols: usize,
    pub n_rows: usize,
    /// The unjittered position of node (0, 0), metres.
    pub origin_m: Coord<f64>,
    /// Jittered node positions, row-major, metres.
    pub nodes: Vec<Coord<f64>>,
}

impl Lattice {
    /// A lattice over the outline's box with a margin of two cells; node
    /// (0, 0) is aligned to the arterial grid so that line classes do not
    /// depend on the outline's exact box.
    pub fn new(outline: &Outline, rng: &mut ChaCha8Rng) -> Lattice {
        let step = SPACING_M * ARTERIAL_EVERY as f64;
        let origin_m = Coord {
            x: ((outline.min_m.x - 2.0 * SPACING_M) / step).floor() * step,
            y: ((outline.min_m.y - 2.0 * SPACING_M) / step).floor() * step,
        };
        let n_cols =
            ((outline.max_m.x + 2.0 * SPACING_M - origin_m.x) / SPACING_M).ceil() as usize + 1;
        let n_rows =
            ((outline.max_m.y + 2.0 * SPACING_M - origin_m.y) / SPACING_M).ceil() as usize + 1;
        let mut nodes = Vec::with_capacity(n_cols * n_rows);
        for row in 0..n_rows {
            for col in 0..n_cols {
                let coarse =
                    col.is_multiple_of(COLLECTOR_EVERY) && row.is_multiple_of(COLLECTOR_EVERY);
                let jitter_m = if coarse { 32.0 } else { 18.0 };
                let dx = rng.random_range(-jitter_m..jitter_m);
                let dy = rng.random_range(-jitter_m..jitter_m);
                nodes.push(Coord {
                    x: origin_m.x + col as f64 * SPACING_M + dx,
                    y: origin_m.y + row as f64 * SPACING_M + dy,
                });
            }
        }
        Lattice {
            n_cols,
            n_rows,
            origin_m,
            nodes,
        }
    }

    pub fn index(&self, col: usize, row: usize) -> usize {
        row * self.n_cols + col
    }

    pub fn col_row(&self, index: usize) -> (usize, usize) {
        (index % self.n_cols, index / self.n_cols)
    }

    pub fn node(&self, col: usize, row: usize) -> Coord<f64> {
        self.nodes[self.index(col, row)]
    }

    pub fn n_cells_x(&self) -> usize {
        self.n_cols - 1
    }

    pub fn n_cells_y(&self) -> usize {
        self.n_rows - 1
    }

    pub fn n_cells(&self) -> usize {
        self.n_cells_x() * self.n_cells_y()
    }

    pub fn cell_index(&self, cx: usize, cy: usize) -> usize {
        cy * self.n_cells_x() + cx
    }

    pub fn cell_xy(&self, cell: usize) -> (usize, usize) {
        (cell % self.n_cells_x(), cell / self.n_cells_x())
    }

    /// The cell's corners counter-clockwise from the south-west: [sw, se, ne, nw].
    pub fn cell_quad(&self, cx: usize, cy: usize) -> [Coord<f64>; 4] {
        [
            self.node(cx, cy),
            self.node(cx + 1, cy),
            self.node(cx + 1, cy + 1),
            self.node(cx, cy + 1),
        ]
    }

    /// The cell as a closed counter-clockwise ring.
    pub fn cell_ring(&self, cx: usize, cy: usize) -> Vec<Coord<f64>> {
        let quad = self.cell_quad(cx, cy);
        vec![quad[0], quad[1], quad[2], quad[3], quad[0]]
    }

    pub fn cell_centre(&self, cx: usize, cy: usize) -> Coord<f64> {
        let quad = self.cell_quad(cx, cy);
        plane::bilinear(&quad, 0.5, 0.5)
    }

    /// The unjittered grid node nearest to a point (clamped to the lattice):
    /// independent of the jitter, so routing does not depend on the seed.
    pub fn nearest_grid_node(&self, point_m: Coord<f64>) -> (usize, usize) {
        let col = ((point_m.x - self.origin_m.x) / SPACING_M).round();
        let row = ((point_m.y - self.origin_m.y) / SPACING_M).round();
        (
            col.clamp(0.0, (self.n_cols - 1) as f64) as usize,
            row.clamp(0.0, (self.n_rows - 1) as f64) as usize,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{frame::Frame, inputs::Inputs, stream};

    #[test]
    fn the_lattice_covers_the_outline_and_cells_stay_convex() {
        let (inputs, frame) = (Inputs::embedded(), Frame::genk());
        let wijken = crate::demo::neighbourhoods::wijken(&inputs, &frame);
        let outline = Outline::new(&wijken, &frame);
        let lattice = Lattice::new(&outline, &mut stream(1, "lattice"));
        let (first, last) = (lattice.nodes[0], lattice.nodes[lattice.nodes.len() - 1]);
        assert!(first.x < outline.min_m.x && first.y < outline.min_m.y);
        assert!(last.x > outline.max_m.x && last.y > outline.max_m.y);
        for cy in 0..lattice.n_cells_y() {
            for cx in 0..lattice.n_cells_x() {
                let ring = lattice.cell_ring(cx, cy);
                assert!(plane::twice_signed_area(&ring) > 0.0);
                assert!(plane::ring_area(&ring) > 0.5 * SPACING_M * SPACING_M);
            }
        }
    }
}
