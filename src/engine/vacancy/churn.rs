//! Churn over a period (from, to]: openings, closures, conversions and exits.
//!
//! Counted from each unit's in-force state sequence (the history as it stands
//! now, so a back-dated correction moves or removes a transition): every day
//! d in the period on which the state in force changes is compared with the
//! state in force the day before. An opening is vacant → occupied, a closure
//! occupied → vacant, a conversion a change of category while occupied on
//! both days, an exit any status → `non_commercial`. A unit's first event is
//! no transition (nothing was in force before it), and so, to the letter of
//! DOMAIN.md, neither is renovation → occupied.

use chrono::NaiveDate;

use super::stock::{Group, Grouping, RetailStock};
use super::VacancyError;
use crate::model::UnitStatus;

/// The churn of one group over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupChurn {
    pub group: Group,
    pub n_openings: usize,
    pub n_closures: usize,
    pub n_conversions: usize,
    pub n_exits: usize,
}

/// The churn of every group of `grouping` over (`from`, `to`].
pub fn churn(
    stock: &RetailStock,
    grouping: Grouping,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<GroupChurn>, VacancyError> {
    if from > to {
        return Err(VacancyError::PeriodReversed { from, to });
    }
    let grouped = stock.grouped(grouping);
    let mut churns: Vec<GroupChurn> = grouped
        .groups
        .into_iter()
        .map(|group| GroupChurn {
            group,
            n_openings: 0,
            n_closures: 0,
            n_conversions: 0,
            n_exits: 0,
        })
        .collect();
    for (unit, group_idx) in stock.units().iter().zip(&grouped.group_of_unit) {
        let Some(group_idx) = group_idx else {
            continue;
        };
        let churn = &mut churns[*group_idx];
        let sequence = unit.in_force();
        let first_in_period = sequence.partition_point(|state| state.valid_from <= from);
        let last_in_period = sequence.partition_point(|state| state.valid_from <= to);
        for state_idx in first_in_period.max(1)..last_in_period {
            let before = &sequence[state_idx - 1];
            let after = &sequence[state_idx];
            match (before.status, after.status) {
                (UnitStatus::Vacant, UnitStatus::Occupied) => churn.n_openings += 1,
                (UnitStatus::Occupied, UnitStatus::Vacant) => churn.n_closures += 1,
                (UnitStatus::Occupied, UnitStatus::Occupied)
                    if before.category != after.category =>
                {
                    churn.n_conversions += 1
                }
                (previous, UnitStatus::NonCommercial) if previous != UnitStatus::NonCommercial => {
                    churn.n_exits += 1
                }
                _ => {}
            }
        }
    }
    Ok(churns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::vacancy::stock::tests::{day, event, stock, unit};
    use crate::engine::vacancy::summary::tests::{brute_state, random_city};
    use crate::model::{ShopCategory, UnitEvent};
    use std::collections::BTreeMap;
    use UnitStatus::*;

    fn city(stock: &RetailStock, from: &str, to: &str) -> [usize; 4] {
        let churn = churn(stock, Grouping::City, day(from), day(to))
            .unwrap()
            .remove(0);
        [
            churn.n_openings,
            churn.n_closures,
            churn.n_conversions,
            churn.n_exits,
        ]
    }

    #[test]
    fn each_transition_counts_once_in_its_period() {
        let units = [
            unit("u1", "Vennestraat", None),
            unit("u2", "Vennestraat", None),
        ];
        let mut events = vec![
            event(1, "u1", "2020-01-01", "2020-01-01", Occupied),
            event(2, "u1", "2021-01-01", "2021-01-01", Vacant),
            event(3, "u1", "2022-01-01", "2022-01-01", Occupied),
            event(4, "u1", "2023-01-01", "2023-01-01", Occupied),
            event(5, "u1", "2024-01-01", "2024-01-01", NonCommercial),
            event(6, "u2", "2021-01-01", "2021-01-01", Vacant),
            event(7, "u2", "2021-06-01", "2021-06-01", Renovation),
            event(8, "u2", "2021-09-01", "2021-09-01", Occupied),
        ];
        events[3].category = ShopCategory::Horeca;
        let stock = stock(&units, &events);
        assert_eq!(city(&stock, "2019-01-01", "2025-01-01"), [1, 1, 1, 1]);
        // the period is (from, to]: a change on `from` is outside, on `to` inside
        assert_eq!(city(&stock, "2021-01-01", "2022-01-01"), [1, 0, 0, 0]);
        assert_eq!(city(&stock, "2020-12-31", "2021-01-01"), [0, 1, 0, 0]);
        assert_eq!(city(&stock, "2022-06-01", "2022-06-01"), [0, 0, 0, 0]);
        assert!(churn(&stock, Grouping::City, day("2022-06-02"), day("2022-06-01")).is_err());
    }

    #[test]
    fn a_back_dated_correction_replaces_the_recorded_transition() {
        let units = [unit("u1", "Vennestraat", None)];
        let events = [
            event(1, "u1", "2020-01-01", "2020-01-01", Occupied),
            event(2, "u1", "2023-02-01", "2023-02-02", Vacant),
            // recorded later: the shop had in fact closed at the end of 2022
            event(3, "u1", "2022-12-01", "2023-05-01", Vacant),
        ];
        let stock = stock(&units, &events);
        assert_eq!(city(&stock, "2022-01-01", "2022-12-31"), [0, 1, 0, 0]);
        assert_eq!(city(&stock, "2022-12-31", "2023-12-31"), [0, 0, 0, 0]);
    }

    /// Churn by stepping one day at a time and comparing the state in force
    /// with the day before.
    fn brute_churn(
        units: &[crate::model::ShopUnit],
        events: &[UnitEvent],
        from: NaiveDate,
        to: NaiveDate,
    ) -> BTreeMap<String, [usize; 4]> {
        let mut figures = BTreeMap::new();
        for unit in units {
            let unit_events: Vec<UnitEvent> = events
                .iter()
                .filter(|e| e.unit_id == unit.id)
                .cloned()
                .collect();
            let row: &mut [usize; 4] = figures.entry(unit.street.clone()).or_insert([0; 4]);
            let mut date = from;
            while date < to {
                let next = date.succ_opt().unwrap();
                if let (Some(before), Some(after)) = (
                    brute_state(&unit_events, &unit.id, date),
                    brute_state(&unit_events, &unit.id, next),
                ) {
                    if before.status == Vacant && after.status == Occupied {
                        row[0] += 1
                    }
                    if before.status == Occupied && after.status == Vacant {
                        row[1] += 1
                    }
                    if before.status == Occupied
                        && after.status == Occupied
                        && before.category != after.category
                    {
                        row[2] += 1
                    }
                    if before.status != NonCommercial && after.status == NonCommercial {
                        row[3] += 1
                    }
                }
                date = next;
            }
        }
        figures
    }

    #[test]
    fn churn_matches_a_day_by_day_scan_on_random_histories() {
        let mut n_checked = [0usize; 4];
        for seed in 100..108 {
            let (units, events) = random_city(seed);
            let stock = stock(&units, &events);
            for (from, to) in [
                ("2017-06-01", "2027-01-01"),
                ("2019-03-31", "2020-03-31"),
                ("2022-02-28", "2024-02-29"),
                ("2025-01-01", "2025-01-01"),
            ] {
                let (from, to) = (day(from), day(to));
                let expected = brute_churn(&units, &events, from, to);
                for group in churn(&stock, Grouping::Street, from, to).unwrap() {
                    let got = [
                        group.n_openings,
                        group.n_closures,
                        group.n_conversions,
                        group.n_exits,
                    ];
                    assert_eq!(
                        got,
                        expected.get(&group.group.id).copied().unwrap_or([0; 4]),
                        "seed {seed} {from}..{to} {}",
                        group.group.id
                    );
                    for (count, n) in n_checked.iter_mut().zip(got) {
                        *count += n;
                    }
                }
            }
        }
        // every kind of change occurs, so the comparison means something
        assert!(n_checked.iter().all(|n| *n > 5), "{n_checked:?}");
    }
}
