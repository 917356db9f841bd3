//! Which park parcels are on offer: clusters of adjacent parcels, each with
//! one seller, one status, one asking price and one date.
//!
//! On each park, clusters of 1 to 6 parcels grow from a random parcel over
//! parcels that share a whole edge with it (the park quarters share exactly
//! equal corners, so "shares an edge" is "has the same two corner points"),
//! until the park's `available` count of `geodata/business_parks.csv` is
//! reached. Parcels cut by the city outline are left out. The rest of a
//! park's parcels are built on and not offered.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::inputs::Inputs;
use super::parcels::Parcels;
use crate::model::{Availability, OwnerKind};

/// An edge of a lon/lat ring, by the exact bits of its two corners.
type EdgeBits = ((u64, u64), (u64, u64));

fn edge_bits(a: geo::Coord<f64>, b: geo::Coord<f64>) -> EdgeBits {
    let (a, b) = (
        (a.x.to_bits(), a.y.to_bits()),
        (b.x.to_bits(), b.y.to_bits()),
    );
    (a.min(b), a.max(b))
}

/// The park parcels that share an edge, as adjacency lists (indices into
/// `candidates`, ascending).
fn adjacency(parcels: &Parcels, candidates: &[usize]) -> Vec<Vec<usize>> {
    let mut by_edge: BTreeMap<EdgeBits, Vec<usize>> = BTreeMap::new();
    for (position, &parcel) in candidates.iter().enumerate() {
        for pair in parcels.drafts[parcel].geometry.exterior().0.windows(2) {
            by_edge
                .entry(edge_bits(pair[0], pair[1]))
                .or_default()
                .push(position);
        }
    }
    let mut neighbours = vec![Vec::new(); candidates.len()];
    for sharing in by_edge.values() {
        for &a in sharing {
            for &b in sharing {
                if a != b {
                    neighbours[a].push(b);
                }
            }
        }
    }
    for list in &mut neighbours {
        list.sort_unstable();
        list.dedup();
    }
    neighbours
}

fn draw_availability(rng: &mut ChaCha8Rng) -> Availability {
    let draw = rng.random_range(0.0..1.0);
    if draw < 0.45 {
        Availability::ForSale
    } else if draw < 0.70 {
        Availability::ForLease
    } else if draw < 0.88 {
        Availability::UnderOption
    } else {
        Availability::Reserved
    }
}

fn draw_cluster_size(rng: &mut ChaCha8Rng) -> usize {
    let draw = rng.random_range(0.0..1.0);
    if draw < 0.30 {
        1
    } else if draw < 0.55 {
        2
    } else if draw < 0.75 {
        3
    } else if draw < 0.90 {
        4
    } else {
        6
    }
}

/// Put clusters of each park's parcels on offer and set the park parcels'
/// owners.
pub fn offer(
    inputs: &Inputs,
    parcels: &mut Parcels,
    reference_date: NaiveDate,
    rng: &mut ChaCha8Rng,
) {
    for (park_index, park) in inputs.parks.iter().enumerate() {
        let candidates: Vec<usize> = (0..parcels.drafts.len())
            .filter(|&index| {
                let draft = &parcels.drafts[index];
                draft.park == Some(park_index) && !draft.clipped
            })
            .collect();
        let agency_park = park.manager.contains("POM");
        // Parcels already built on: mostly privately owned.
        for &parcel in &candidates {
            let draw = rng.random_range(0.0..1.0);
            parcels.drafts[parcel].owner_kind = if draw < 0.75 {
                OwnerKind::Private
            } else if draw < 0.88 && agency_park {
                OwnerKind::DevelopmentAgency
            } else {
                OwnerKind::Public
            };
        }
        let neighbours = adjacency(parcels, &candidates);
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.shuffle(rng);
        let mut offered = vec![false; candidates.len()];
        let mut n_offered = 0;
        for seed in order {
            if n_offered >= park.available {
                break;
            }
            if offered[seed] || neighbours[seed].iter().any(|&n| offered[n]) {
                continue;
            }
            let size = draw_cluster_size(rng).min(park.available - n_offered);
            let mut cluster = vec![seed];
            offered[seed] = true;
            let mut next = 0;
            while cluster.len() < size && next < cluster.len() {
                let mut around: Vec<usize> = neighbours[cluster[next]]
                    .iter()
                    .copied()
                    .filter(|&n| !offered[n])
                    .collect();
                around.shuffle(rng);
                for n in around {
                    if cluster.len() < size {
                        offered[n] = true;
                        cluster.push(n);
                    }
                }
                next += 1;
            }
            n_offered += cluster.len();
            let availability = draw_availability(rng);
            let available_from = if rng.random_bool(0.6) {
                reference_date - Days::new(rng.random_range(0..730))
            } else {
                reference_date + Days::new(rng.random_range(1..540))
            };
            let base_price = rng.random_range(park.price_min_eur_m2..=park.price_max_eur_m2);
            let ready_to_build = rng.random_bool(0.7);
            let draw = rng.random_range(0.0..1.0);
            let owner_kind = if draw < 0.65 {
                if agency_park {
                    OwnerKind::DevelopmentAgency
                } else {
                    OwnerKind::Public
                }
            } else if draw < 0.85 {
                OwnerKind::Public
            } else {
                OwnerKind::Private
            };
            for position in cluster {
                let draft = &mut parcels.drafts[candidates[position]];
                let price = (base_price * rng.random_range(0.95..1.05))
                    .clamp(park.price_min_eur_m2, park.price_max_eur_m2);
                draft.availability = availability;
                draft.available_from = Some(available_from);
                draft.price_eur_m2 = Some((price * 2.0).round() / 2.0);
                draft.ready_to_build = ready_to_build;
                draft.owner_kind = owner_kind;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::parcels::{quarters, ParcelDraft};
    use crate::model::Zoning;
    use geo::{Coord, LineString, Polygon};

    fn draft(ring: Vec<Coord<f64>>) -> ParcelDraft {
        ParcelDraft {
            geometry: Polygon::new(LineString(ring), Vec::new()),
            centre_m: Coord { x: 0.0, y: 0.0 },
            cell: 0,
            wijk: Some(0),
            park: Some(0),
            zoning: Zoning::Industrial,
            owner_kind: OwnerKind::Private,
            clipped: false,
            frontage: false,
            capakey: String::new(),
            availability: Availability::NotOffered,
            available_from: None,
            price_eur_m2: None,
            ready_to_build: false,
            max_height_m: None,
            has_company: false,
        }
    }

    #[test]
    fn quarters_of_two_cells_are_adjacent_across_their_shared_side() {
        let west = [
            Coord { x: 0.0, y: 0.0 },
            Coord { x: 151.3, y: 2.7 },
            Coord { x: 149.1, y: 148.9 },
            Coord { x: -3.3, y: 151.7 },
        ];
        let east = [
            west[1],
            Coord { x: 302.2, y: -4.1 },
            Coord { x: 297.6, y: 153.3 },
            west[2],
        ];
        let parcels = Parcels {
            drafts: quarters(&west)
                .into_iter()
                .chain(quarters(&east))
                .map(draft)
                .collect(),
        };
        let neighbours = adjacency(&parcels, &(0..8).collect::<Vec<_>>());
        // west's south-east quarter (1) touches west's 0 and 3 and east's south-west quarter (4)
        assert_eq!(neighbours[1], vec![0, 3, 4]);
        assert_eq!(neighbours[4], vec![1, 5, 6]);
    }
}
