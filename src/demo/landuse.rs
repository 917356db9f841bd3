//! What each grid cell is: inside or across the city outline, built up or
//! not, along a shopping street, and which of its four quarters belong to a
//! business park.
//!
//! A cell is built up when its centre is within the urban radius of a
//! populated neighbourhood's centroid (the radius grows with the population;
//! a random factor per cell roughens the edge), or when it borders a
//! shopping street. Parks are assigned by
//! [`super::parks::place`] afterwards, per quarter cell; a cell that is
//! mostly park is no longer treated as built up.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::lattice::Lattice;
use super::neighbourhoods::{Outline, Wijk};
use super::plane::{self, Placement};
use super::routes::NamedRoutes;

/// One grid cell.
#[derive(Debug, Clone)]
pub struct Cell {
    pub placement: Placement,
    /// Within the urban radius of a populated neighbourhood.
    pub built_up: bool,
    /// Borders a shopping street.
    pub shopping: bool,
    /// The park (index into the park rows) of each quarter, numbered
    /// `2 * qy + qx` from the south-west.
    pub park_quarters: [Option<u8>; 4],
}

impl Cell {
    pub fn n_park_quarters(&self) -> usize {
        self.park_quarters
            .iter()
            .filter(|park| park.is_some())
            .count()
    }

    pub fn has_park(&self) -> bool {
        self.n_park_quarters() > 0
    }

    /// Built up and not mostly park: dense streets and house lots.
    pub fn urban(&self) -> bool {
        self.placement != Placement::Outside
            && (self.built_up || self.shopping)
            && self.n_park_quarters() < 2
    }

    /// Urban or park: the collector roads run along it.
    pub fn developed(&self) -> bool {
        self.urban() || self.has_park()
    }
}

#[derive(Debug, Clone)]
pub struct Landuse {
    /// Indexed like [`Lattice::cell_index`].
    pub cells: Vec<Cell>,
    /// Whether each lattice node lies inside the outline.
    pub node_inside: Vec<bool>,
}

impl Landuse {
    /// `rng` roughens the edges of the built-up areas (each cell's distance
    /// test uses the urban radius times a factor in [0.85, 1.15)).
    pub fn new(
        lattice: &Lattice,
        outline: &Outline,
        wijken: &[Wijk],
        routes: &NamedRoutes,
        rng: &mut ChaCha8Rng,
    ) -> Landuse {
        let node_inside = lattice
            .nodes
            .iter()
            .map(|&node| outline.contains_m(node))
            .collect();
        let mut cells = Vec::with_capacity(lattice.n_cells());
        for cy in 0..lattice.n_cells_y() {
            for cx in 0..lattice.n_cells_x() {
                let centre = lattice.cell_centre(cx, cy);
                let placement = plane::placement(&lattice.cell_ring(cx, cy), &outline.ring_m);
                let roughness = rng.random_range(0.85..1.15);
                let built_up = wijken.iter().any(|wijk| {
                    wijk.population > 0
                        && plane::distance(centre, wijk.centre_m) < wijk.urban_radius_m * roughness
                });
                cells.push(Cell {
                    placement,
                    built_up,
                    shopping: false,
                    park_quarters: [None; 4],
                });
            }
        }
        for path in &routes.paths {
            if path.area_id.is_none() {
                continue;
            }
            for pair in path.nodes.windows(2) {
                for cell in cells_beside_edge(lattice, pair[0], pair[1]) {
                    cells[cell].shopping = true;
                }
            }
        }
        Landuse { cells, node_inside }
    }

    pub fn cell(&self, lattice: &Lattice, cx: usize, cy: usize) -> &Cell {
        &self.cells[lattice.cell_index(cx, cy)]
    }
}

/// The (up to two) cells on either side of the lattice edge between two
/// neighbouring nodes.
pub fn cells_beside_edge(lattice: &Lattice, a: usize, b: usize) -> Vec<usize> {
    let ((ca, ra), (cb, rb)) = (lattice.col_row(a), lattice.col_row(b));
    let mut cells = Vec::with_capacity(2);
    if ra == rb {
        let cx = ca.min(cb);
        if ra >= 1 && cx < lattice.n_cells_x() {
            cells.push(lattice.cell_index(cx, ra - 1));
        }
        if ra < lattice.n_cells_y() && cx < lattice.n_cells_x() {
            cells.push(lattice.cell_index(cx, ra));
        }
    } else {
        let cy = ra.min(rb);
        if ca >= 1 && cy < lattice.n_cells_y() {
            cells.push(lattice.cell_index(ca - 1, cy));
        }
        if ca < lattice.n_cells_x() && cy < lattice.n_cells_y() {
            cells.push(lattice.cell_index(ca, cy));
        }
    }
    cells
}
