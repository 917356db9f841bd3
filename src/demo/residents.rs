//! Residents: points for building blocks, carrying each neighbourhood's
//! population (the weights that coverage counts).
//!
//! In each populated neighbourhood about one residential parcel per seven
//! inhabitants gets a point at its centre; the population is shared out over
//! them by random weights and rounded by largest remainder, so the points of
//! a neighbourhood add up to its population exactly. Every point lies in its
//! neighbourhood: a parcel's centre is a point in that wijk's real shape.

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::frame::Frame;
use super::neighbourhoods::Wijk;
use super::parcels::Parcels;
use crate::model::{Resident, Zoning};

/// Inhabitants per resident point, on average.
const INHABITANTS_PER_POINT: f64 = 7.0;

/// Integers proportional to `weights` that add up to `total` (largest remainder).
pub fn share_out(total: i64, weights: &[f64]) -> Vec<i64> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights
        .iter()
        .map(|weight| weight / sum * total as f64)
        .collect();
    let mut shares: Vec<i64> = exact.iter().map(|value| value.floor() as i64).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    let left = total - shares.iter().sum::<i64>();
    for &index in order.iter().take(left.max(0) as usize) {
        shares[index] += 1;
    }
    shares
}

pub fn place(
    wijken: &[Wijk],
    parcels: &Parcels,
    frame: &Frame,
    rng: &mut ChaCha8Rng,
) -> Vec<Resident> {
    let mut residents = Vec::new();
    for (wijk_index, wijk) in wijken.iter().enumerate() {
        if wijk.population <= 0 {
            continue;
        }
        let in_wijk = |index: &usize| parcels.drafts[*index].wijk == Some(wijk_index);
        let all: Vec<usize> = (0..parcels.drafts.len()).filter(in_wijk).collect();
        let residential: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&index| parcels.drafts[index].zoning == Zoning::Residential)
            .collect();
        let mut candidates = if residential.is_empty() {
            all.iter()
                .copied()
                .filter(|&index| parcels.drafts[index].park.is_none())
                .collect()
        } else {
            residential
        };
        if candidates.is_empty() {
            candidates = all;
        }
        assert!(!candidates.is_empty(), "{} has no parcel", wijk.name);
        let wanted = ((wijk.population as f64 / INHABITANTS_PER_POINT).round() as usize)
            .clamp(1, wijk.population as usize);
        candidates.shuffle(rng);
        candidates.truncate(wanted);
        candidates.sort_unstable();
        let weights: Vec<f64> = candidates
            .iter()
            .map(|_| rng.random_range(0.5..1.5))
            .collect();
        let shares = share_out(wijk.population, &weights);
        for (&parcel, population) in candidates.iter().zip(shares) {
            if population > 0 {
                residents.push(Resident {
                    id: String::new(),
                    geometry: frame.to_lon_lat(parcels.drafts[parcel].centre_m).into(),
                    population,
                });
            }
        }
    }
    for (index, resident) in residents.iter_mut().enumerate() {
        resident.id = format!("resident-{:05}", index + 1);
    }
    residents
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_exactly() {
        let shares = share_out(1_000, &[1.0, 1.0, 1.0]);
        assert_eq!(shares.iter().sum::<i64>(), 1_000);
        assert_eq!(shares, vec![334, 333, 333]);
    }
}
