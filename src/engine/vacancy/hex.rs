//! H3 cells as the vacancy heatmap uses them: the two resolutions it offers,
//! the cell of a point and a cell's outline (the `h3o` crate). Below both
//! the located stock (`h3.rs`) and the unit places (`places.rs`).

use geo::{LineString, Point, Polygon};
use h3o::{CellIndex, LatLng, Resolution};

/// The H3 resolutions the heatmap offers: 9 (about 174 m edge) and 10
/// (about 66 m edge).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HexResolution {
    Nine,
    Ten,
}

impl HexResolution {
    pub const ALL: [HexResolution; 2] = [HexResolution::Nine, HexResolution::Ten];

    /// 9 or 10; `None` for any other number.
    pub fn from_number(number: u8) -> Option<Self> {
        match number {
            9 => Some(HexResolution::Nine),
            10 => Some(HexResolution::Ten),
            _ => None,
        }
    }

    pub fn number(self) -> u8 {
        match self {
            HexResolution::Nine => 9,
            HexResolution::Ten => 10,
        }
    }

    pub fn h3(self) -> Resolution {
        match self {
            HexResolution::Nine => Resolution::Nine,
            HexResolution::Ten => Resolution::Ten,
        }
    }
}

/// The cell of a point (x = longitude, y = latitude) at `resolution`.
pub fn cell_of(point: Point<f64>, resolution: Resolution) -> Option<CellIndex> {
    LatLng::new(point.y(), point.x())
        .ok()
        .map(|lat_lng| lat_lng.to_cell(resolution))
}

/// A cell's outline as a closed polygon, x = longitude, y = latitude,
/// counter-clockwise (as RFC 7946 wants exterior rings).
pub fn cell_polygon(cell: CellIndex) -> Polygon<f64> {
    let mut ring: Vec<geo::Coord<f64>> = cell
        .boundary()
        .iter()
        .map(|vertex| geo::coord! { x: vertex.lng(), y: vertex.lat() })
        .collect();
    if let Some(first) = ring.first().copied() {
        ring.push(first);
    }
    Polygon::new(LineString::new(ring), Vec::new())
}
