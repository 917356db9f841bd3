//! What a shop unit's point alone decides (its neighbourhood, its H3 cells),
//! remembered per point across engine snapshots.
//!
//! An edit of a shop unit or of the history makes a new snapshot whose
//! stocks are built again, but it moves at most the edited units: the
//! neighbourhood of every other point is the one found before. A
//! [`PlaceMemo`] is shared by the snapshots that have the same neighbourhood
//! layer ([`super::VacancyCache`] starts a new one when that layer changes);
//! it maps a point (its exact coordinates) to what was computed for it, so
//! an answer read from it is the one computing would give.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use geo::Point;
use h3o::CellIndex;

use super::hex::{cell_of, HexResolution};

/// A point's exact coordinates.
type PointKey = (u64, u64);

fn key(point: Point<f64>) -> PointKey {
    (point.x().to_bits(), point.y().to_bits())
}

/// One memo: point → value, replaced as a whole when values are added, so
/// that readers never wait on a writer.
#[derive(Debug)]
struct Memo<V>(RwLock<Arc<HashMap<PointKey, V>>>);

impl<V> Default for Memo<V> {
    fn default() -> Self {
        Memo(RwLock::new(Arc::new(HashMap::new())))
    }
}

impl<V: Copy> Memo<V> {
    fn current(&self) -> Arc<HashMap<PointKey, V>> {
        Arc::clone(
            &self
                .0
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }

    /// The value of each point, `compute`d for the points not yet known.
    fn values(&self, points: &[Point<f64>], compute: impl Fn(Point<f64>) -> V) -> Vec<V> {
        let known = self.current();
        let mut found: Vec<(PointKey, V)> = Vec::new();
        let values = points
            .iter()
            .map(|point| {
                let point_key = key(*point);
                known.get(&point_key).copied().unwrap_or_else(|| {
                    let value = compute(*point);
                    found.push((point_key, value));
                    value
                })
            })
            .collect();
        if !found.is_empty() {
            self.add(&known, points.len(), found);
        }
        values
    }

    fn add(&self, known: &HashMap<PointKey, V>, n_points: usize, found: Vec<(PointKey, V)>) {
        // points of units moved or gone stay behind; start over when they
        // outnumber the points in use
        let mut next = if known.len() > 2 * n_points + 1024 {
            HashMap::with_capacity(found.len())
        } else {
            known.clone()
        };
        next.extend(found);
        *self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(next);
    }
}

/// The neighbourhood (a position in the neighbourhood layer) and the H3
/// cells of the points seen so far.
#[derive(Debug, Default)]
pub struct PlaceMemo {
    neighbourhoods: Memo<Option<u32>>,
    cells_9: Memo<Option<CellIndex>>,
    cells_10: Memo<Option<CellIndex>>,
}

impl PlaceMemo {
    /// The neighbourhood of each point, `find` for the points not yet seen.
    pub fn neighbourhoods(
        &self,
        points: &[Point<f64>],
        find: impl Fn(Point<f64>) -> Option<u32>,
    ) -> Vec<Option<u32>> {
        self.neighbourhoods.values(points, find)
    }

    /// The cell of each point at `resolution` ([`cell_of`]).
    pub fn cells(
        &self,
        points: &[Point<f64>],
        resolution: HexResolution,
    ) -> Vec<Option<CellIndex>> {
        let memo = match resolution {
            HexResolution::Nine => &self.cells_9,
            HexResolution::Ten => &self.cells_10,
        };
        memo.values(points, |point| cell_of(point, resolution.h3()))
    }

    /// How many points the neighbourhood memo knows.
    pub fn n_known(&self) -> usize {
        self.neighbourhoods.current().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::point;
    use std::cell::Cell;

    #[test]
    fn a_point_is_computed_once_and_read_back_unchanged() {
        let memo = PlaceMemo::default();
        let n_computed = Cell::new(0);
        let find = |point: Point<f64>| {
            n_computed.set(n_computed.get() + 1);
            (point.x() > 5.5).then_some(7)
        };
        let points = [point!(x: 5.4, y: 50.9), point!(x: 5.6, y: 50.9)];
        assert_eq!(memo.neighbourhoods(&points, find), [None, Some(7)]);
        assert_eq!(n_computed.get(), 2);
        let more = [points[1], point!(x: 5.7, y: 50.9), points[0]];
        assert_eq!(memo.neighbourhoods(&more, find), [Some(7), Some(7), None]);
        assert_eq!(n_computed.get(), 3, "only the new point computed");
        assert_eq!(memo.n_known(), 3);
        let cells = memo.cells(&points, HexResolution::Ten);
        assert_eq!(cells[0], cell_of(points[0], h3o::Resolution::Ten));
        assert_eq!(memo.cells(&points, HexResolution::Ten), cells);
        assert_eq!(
            memo.cells(&points, HexResolution::Nine)[1],
            cell_of(points[1], h3o::Resolution::Nine)
        );
    }
}
