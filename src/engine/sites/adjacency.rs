//! Parcel adjacency for plot assembly: two parcels on the same business park
//! are adjacent when they share at least [`MIN_SHARED_BOUNDARY_M`] of
//! boundary ([`super::geometry::shared_boundary_m`]).
//!
//! Candidate pairs come from an R-tree over the parcels' bounding boxes (in
//! longitude/latitude, grown by the touch tolerance), so the cost is about
//! linear in the number of parcels.

use geo::{BoundingRect, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use super::geometry::{shared_boundary_m, TOUCH_TOLERANCE_M};

/// Parcels sharing at least this much boundary are adjacent, metres.
pub const MIN_SHARED_BOUNDARY_M: f64 = 10.0;

/// The neighbours of each parcel (ascending positions into `polygons`).
/// `park[i]` is parcel i's park; parcels without a park have no neighbours.
pub fn adjacency(polygons: &[&Polygon<f64>], park: &[Option<u32>]) -> Vec<Vec<u32>> {
    assert_eq!(polygons.len(), park.len());
    // a degree of latitude is at least 110.5 km: this margin covers the tolerance
    let margin_deg = 2.0 * TOUCH_TOLERANCE_M / 110_000.0;
    let boxes: Vec<Option<AABB<[f64; 2]>>> = polygons
        .iter()
        .map(|polygon| {
            polygon.bounding_rect().map(|rect| {
                let margin_lon = margin_deg / rect.min().y.to_radians().cos().max(0.1);
                AABB::from_corners(
                    [rect.min().x - margin_lon, rect.min().y - margin_deg],
                    [rect.max().x + margin_lon, rect.max().y + margin_deg],
                )
            })
        })
        .collect();
    let entries: Vec<GeomWithData<Rectangle<[f64; 2]>, u32>> = boxes
        .iter()
        .enumerate()
        .filter(|(position, _)| park[*position].is_some())
        .filter_map(|(position, envelope)| {
            envelope.map(|envelope| {
                GeomWithData::new(
                    Rectangle::from_corners(envelope.lower(), envelope.upper()),
                    position as u32,
                )
            })
        })
        .collect();
    let tree = RTree::bulk_load(entries);
    let mut neighbours = vec![Vec::new(); polygons.len()];
    for (position, envelope) in boxes.iter().enumerate() {
        let (Some(envelope), Some(own_park)) = (envelope, park[position]) else {
            continue;
        };
        for entry in tree.locate_in_envelope_intersecting(envelope) {
            let other = entry.data as usize;
            // each pair once, from its lower position
            if other <= position || park[other] != Some(own_park) {
                continue;
            }
            if shared_boundary_m(polygons[position], polygons[other]) >= MIN_SHARED_BOUNDARY_M {
                neighbours[position].push(other as u32);
                neighbours[other].push(position as u32);
            }
        }
    }
    for list in &mut neighbours {
        list.sort_unstable();
    }
    neighbours
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::sites::geometry::rectangle_m;

    const ORIGIN: (f64, f64) = (5.5, 50.96);

    #[test]
    fn parcels_sharing_ten_metres_on_one_park_are_adjacent() {
        let parcels = [
            rectangle_m(ORIGIN, 0.0, 0.0, 50.0, 50.0),
            rectangle_m(ORIGIN, 50.0, 0.0, 50.0, 50.0), // shares 50 m with 0
            rectangle_m(ORIGIN, 100.0, 41.0, 50.0, 50.0), // shares 9 m with 1
            rectangle_m(ORIGIN, 0.0, 50.0, 50.0, 50.0), // 50 m with 0, a corner with 1
            rectangle_m(ORIGIN, 50.0, 50.0, 50.0, 50.0), // another park
            rectangle_m(ORIGIN, 100.0, -50.0, 50.0, 50.0), // a corner with 1
            rectangle_m(ORIGIN, 100.0, 0.0, 50.0, 30.0), // 30 m with 1, but no park
            rectangle_m(ORIGIN, 150.0, 80.0, 50.0, 50.0), // 11 m with 2
        ];
        let refs: Vec<&Polygon<f64>> = parcels.iter().collect();
        let park = [
            Some(0),
            Some(0),
            Some(0),
            Some(0),
            Some(1),
            Some(0),
            None,
            Some(0),
        ];
        let neighbours = adjacency(&refs, &park);
        let expected: [&[u32]; 8] = [&[1, 3], &[0], &[7], &[0], &[], &[], &[], &[2]];
        for (position, expected) in expected.iter().enumerate() {
            assert_eq!(neighbours[position], *expected, "parcel {position}");
        }
    }

    #[test]
    fn the_tree_finds_the_same_neighbours_as_every_pair() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        // 6 × 6 cells of 40 m, each shifted along its row by 0 to 35 m
        let mut parcels = Vec::new();
        let mut park = Vec::new();
        for row in 0..6 {
            for column in 0..6 {
                let shift = rng.random_range(0.0..35.0);
                parcels.push(rectangle_m(
                    ORIGIN,
                    column as f64 * 40.0,
                    row as f64 * 40.0 + if column % 2 == 0 { 0.0 } else { shift },
                    40.0,
                    40.0,
                ));
                park.push(if rng.random_bool(0.9) {
                    Some(row as u32 / 3)
                } else {
                    None
                });
            }
        }
        let refs: Vec<&Polygon<f64>> = parcels.iter().collect();
        let neighbours = adjacency(&refs, &park);
        let mut n_pairs = 0;
        for a in 0..parcels.len() {
            let expected: Vec<u32> = (0..parcels.len())
                .filter(|&b| {
                    b != a
                        && park[a].is_some()
                        && park[a] == park[b]
                        && shared_boundary_m(&parcels[a], &parcels[b]) >= MIN_SHARED_BOUNDARY_M
                })
                .map(|b| b as u32)
                .collect();
            n_pairs += expected.len();
            assert_eq!(neighbours[a], expected, "parcel {a}");
        }
        assert!(n_pairs > 20, "{n_pairs}");
    }
}
