//! Plot assembly: every connected group of up to [`MAX_GROUP_PARCELS`]
//! eligible parcels (adjacent on the same park), each exactly once.
//!
//! Groups are found per request with Wernicke's ESU enumeration ("A faster
//! algorithm for detecting network motifs", 2005): a group is grown from its
//! lowest parcel over an extension set of higher-numbered parcels that
//! neighbour the group exclusively through the newest parcel, which makes
//! every connected set come out once. Areas are positive, so a group over the
//! maximum area is not grown further.

/// The most parcels an assembled site has.
pub const MAX_GROUP_PARCELS: usize = 4;

/// Calls `emit(parcels, area_m2)` for every connected group of eligible
/// parcels of at most [`MAX_GROUP_PARCELS`] whose area is at most
/// `max_area_m2` (parcel positions ascending). `neighbours` lists each
/// parcel's adjacent parcels; `area_m2` each parcel's area.
pub fn connected_groups(
    neighbours: &[Vec<u32>],
    eligible: &[bool],
    area_m2: &[f64],
    max_area_m2: f64,
    mut emit: impl FnMut(&[u32], f64),
) {
    let mut group = Vec::with_capacity(MAX_GROUP_PARCELS);
    let mut sorted = Vec::with_capacity(MAX_GROUP_PARCELS);
    for start in 0..neighbours.len() {
        if !eligible[start] || area_m2[start] > max_area_m2 {
            continue;
        }
        let start = start as u32;
        let extension: Vec<u32> = neighbours[start as usize]
            .iter()
            .copied()
            .filter(|&other| other > start && eligible[other as usize])
            .collect();
        group.clear();
        group.push(start);
        let mut search = Search {
            neighbours,
            eligible,
            area_m2,
            max_area_m2,
            start,
            emit: &mut |parcels: &[u32], area: f64| {
                sorted.clear();
                sorted.extend_from_slice(parcels);
                sorted.sort_unstable();
                emit(&sorted, area)
            },
        };
        search.extend(&mut group, extension, area_m2[start as usize]);
    }
}

struct Search<'a, F: FnMut(&[u32], f64)> {
    neighbours: &'a [Vec<u32>],
    eligible: &'a [bool],
    area_m2: &'a [f64],
    max_area_m2: f64,
    start: u32,
    emit: &'a mut F,
}

impl<F: FnMut(&[u32], f64)> Search<'_, F> {
    fn extend(&mut self, group: &mut Vec<u32>, mut extension: Vec<u32>, area: f64) {
        (self.emit)(group, area);
        if group.len() == MAX_GROUP_PARCELS {
            return;
        }
        while let Some(next) = extension.pop() {
            let grown_area = area + self.area_m2[next as usize];
            if grown_area > self.max_area_m2 {
                continue;
            }
            // the new parcel's exclusive neighbours: not in the group, not
            // next to it, above the start
            let mut grown_extension = extension.clone();
            for &other in &self.neighbours[next as usize] {
                if other > self.start
                    && self.eligible[other as usize]
                    && !group.contains(&other)
                    && !group
                        .iter()
                        .any(|&member| self.neighbours[member as usize].contains(&other))
                    && !grown_extension.contains(&other)
                {
                    grown_extension.push(other);
                }
            }
            group.push(next);
            self.extend(group, grown_extension, grown_area);
            group.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use std::collections::BTreeSet;

    /// Every subset of up to 4 eligible parcels that is connected and within
    /// the area, by trying them all.
    fn brute_force(
        neighbours: &[Vec<u32>],
        eligible: &[bool],
        area_m2: &[f64],
        max_area_m2: f64,
    ) -> BTreeSet<Vec<u32>> {
        let n = neighbours.len();
        let mut found = BTreeSet::new();
        for mask in 1u32..(1 << n) {
            let members: Vec<u32> = (0..n as u32).filter(|i| mask & (1 << i) != 0).collect();
            if members.len() > MAX_GROUP_PARCELS
                || members.iter().any(|&i| !eligible[i as usize])
                || members.iter().map(|&i| area_m2[i as usize]).sum::<f64>() > max_area_m2
            {
                continue;
            }
            let mut reached = vec![members[0]];
            let mut changed = true;
            while changed {
                changed = false;
                for &member in &members {
                    if !reached.contains(&member)
                        && reached
                            .iter()
                            .any(|&r| neighbours[r as usize].contains(&member))
                    {
                        reached.push(member);
                        changed = true;
                    }
                }
            }
            if reached.len() == members.len() {
                found.insert(members);
            }
        }
        found
    }

    #[test]
    fn every_connected_group_comes_out_once_on_random_graphs() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for round in 0..200 {
            let n = rng.random_range(1..=11);
            let mut neighbours = vec![Vec::new(); n];
            for a in 0..n {
                for b in a + 1..n {
                    if rng.random_bool(0.3) {
                        neighbours[a].push(b as u32);
                        neighbours[b].push(a as u32);
                    }
                }
            }
            let eligible: Vec<bool> = (0..n).map(|_| rng.random_bool(0.85)).collect();
            let area: Vec<f64> = (0..n).map(|_| rng.random_range(100.0..5000.0)).collect();
            let max_area = rng.random_range(2000.0..20_000.0);
            let mut seen = Vec::new();
            connected_groups(&neighbours, &eligible, &area, max_area, |group, total| {
                let expected: f64 = group.iter().map(|&i| area[i as usize]).sum();
                assert!((total - expected).abs() < 1e-6);
                seen.push(group.to_vec());
            });
            let unique: BTreeSet<Vec<u32>> = seen.iter().cloned().collect();
            assert_eq!(
                unique.len(),
                seen.len(),
                "round {round}: a group came out twice"
            );
            assert_eq!(
                unique,
                brute_force(&neighbours, &eligible, &area, max_area),
                "round {round}"
            );
        }
    }
}
