//! The vacancy summary per group on a date: counts, both rates, duration
//! classes and register candidates.
//!
//! The retail stock on D is the units occupied, vacant or under renovation
//! (`non_commercial` units have left it; a unit whose first event is after D
//! did not exist yet). Rate by count = vacant / (occupied + vacant); rate by
//! floor area = Σ floor area of the vacant units / Σ floor area of the
//! occupied and vacant units, each unit's floor area as it was on D. Units
//! under renovation are counted on their own and are in neither rate.

use chrono::NaiveDate;

use super::duration::{is_register_candidate, DurationClass};
use super::rate;
use super::stock::{Group, Grouping, RetailStock};
use crate::model::UnitStatus;

/// The figures of one group on one date.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSummary {
    pub group: Group,
    /// Occupied + vacant + renovation.
    pub n_units: usize,
    pub n_occupied: usize,
    pub n_vacant: usize,
    pub n_renovation: usize,
    pub occupied_area_m2: f64,
    pub vacant_area_m2: f64,
    /// Vacant under 1 year.
    pub n_frictional: usize,
    /// Vacant 1 to under 3 years.
    pub n_long_term: usize,
    /// Vacant 3 years or more.
    pub n_structural: usize,
    /// Vacant 12 months or more.
    pub n_register_candidates: usize,
}

impl GroupSummary {
    fn empty(group: Group) -> Self {
        GroupSummary {
            group,
            n_units: 0,
            n_occupied: 0,
            n_vacant: 0,
            n_renovation: 0,
            occupied_area_m2: 0.0,
            vacant_area_m2: 0.0,
            n_frictional: 0,
            n_long_term: 0,
            n_structural: 0,
            n_register_candidates: 0,
        }
    }

    /// vacant / (occupied + vacant), `None` without either.
    pub fn rate_count(&self) -> Option<f64> {
        rate(
            self.n_vacant as f64,
            (self.n_occupied + self.n_vacant) as f64,
        )
    }

    /// vacant floor area / (occupied + vacant floor area), `None` when 0.
    pub fn rate_area(&self) -> Option<f64> {
        rate(
            self.vacant_area_m2,
            self.occupied_area_m2 + self.vacant_area_m2,
        )
    }
}

/// The summary of every group of `grouping` on `date`, in group order.
pub fn summarise(stock: &RetailStock, grouping: Grouping, date: NaiveDate) -> Vec<GroupSummary> {
    let grouped = stock.grouped(grouping);
    let mut summaries: Vec<GroupSummary> = grouped
        .groups
        .into_iter()
        .map(GroupSummary::empty)
        .collect();
    for (unit, group_idx) in stock.units().iter().zip(&grouped.group_of_unit) {
        let Some(group_idx) = group_idx else {
            continue;
        };
        let Some(state) = unit.state_on(date) else {
            continue;
        };
        let summary = &mut summaries[*group_idx];
        match state.status {
            UnitStatus::NonCommercial => continue,
            UnitStatus::Occupied => {
                summary.n_occupied += 1;
                summary.occupied_area_m2 += state.floor_area_m2;
            }
            UnitStatus::Renovation => summary.n_renovation += 1,
            UnitStatus::Vacant => {
                summary.n_vacant += 1;
                summary.vacant_area_m2 += state.floor_area_m2;
                match DurationClass::of(state.status_since, date) {
                    DurationClass::Frictional => summary.n_frictional += 1,
                    DurationClass::LongTerm => summary.n_long_term += 1,
                    DurationClass::Structural => summary.n_structural += 1,
                }
                if is_register_candidate(state.status_since, date) {
                    summary.n_register_candidates += 1;
                }
            }
        }
        summary.n_units += 1;
    }
    summaries
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::engine::vacancy::stock::tests::{day, event, stock, unit};
    use crate::model::{ShopCategory, UnitEvent};
    use chrono::{Days, TimeZone, Utc};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use std::collections::BTreeMap;
    use UnitStatus::*;

    fn city(stock: &RetailStock, date: &str) -> GroupSummary {
        summarise(stock, Grouping::City, day(date)).remove(0)
    }

    #[test]
    fn each_status_counts_where_domain_md_says() {
        let units = [
            unit("occupied", "Vennestraat", None),
            unit("vacant", "Vennestraat", None),
            unit("renovation", "Vennestraat", None),
            unit("housing", "Vennestraat", None),
            unit("future", "Vennestraat", None),
        ];
        let mut events = vec![
            event(1, "occupied", "2020-01-01", "2020-01-01", Occupied),
            event(2, "vacant", "2020-01-01", "2020-01-01", Vacant),
            event(3, "renovation", "2020-01-01", "2020-01-01", Renovation),
            event(4, "housing", "2020-01-01", "2020-01-01", Occupied),
            event(5, "housing", "2022-01-01", "2022-01-01", NonCommercial),
            // does not exist yet on 2021-06-01
            event(6, "future", "2024-01-01", "2024-01-01", Vacant),
        ];
        events[1].floor_area_m2 = 300.0;
        let stock = stock(&units, &events);
        let summary = city(&stock, "2021-06-01");
        assert_eq!(
            (
                summary.n_units,
                summary.n_occupied,
                summary.n_vacant,
                summary.n_renovation
            ),
            (4, 2, 1, 1)
        );
        assert_eq!(summary.rate_count(), Some(1.0 / 3.0));
        assert_eq!(summary.rate_area(), Some(300.0 / 500.0));
        let summary = city(&stock, "2023-06-01");
        assert_eq!(
            (summary.n_units, summary.n_occupied, summary.n_vacant),
            (3, 1, 1)
        );
        assert_eq!(summary.rate_count(), Some(0.5));
        let summary = city(&stock, "2024-01-01");
        assert_eq!(
            (summary.n_units, summary.n_vacant, summary.n_frictional),
            (4, 2, 1)
        );
        assert_eq!(summary.n_structural, 1);
        assert!(city(&stock, "2019-12-31").rate_count().is_none());
    }

    #[test]
    fn a_back_dated_correction_moves_the_start_of_the_vacancy() {
        let units = [unit("u1", "Vennestraat", None)];
        let events = [
            event(1, "u1", "2020-01-01", "2020-01-01", Occupied),
            event(2, "u1", "2023-06-01", "2023-06-03", Vacant),
            // recorded in 2024: it had been vacant since 1 May 2023
            event(3, "u1", "2023-05-01", "2024-02-01", Vacant),
        ];
        let stock = stock(&units, &events);
        assert_eq!(city(&stock, "2024-05-31").n_register_candidates, 1);
        assert_eq!(city(&stock, "2024-05-31").n_long_term, 1);
        assert_eq!(city(&stock, "2024-04-30").n_frictional, 1);
        assert_eq!(city(&stock, "2023-05-15").n_vacant, 1);
    }

    #[test]
    fn floor_area_is_taken_on_the_date() {
        let units = [
            unit("u1", "Vennestraat", None),
            unit("u2", "Vennestraat", None),
        ];
        let mut events = vec![
            event(1, "u1", "2020-01-01", "2020-01-01", Vacant),
            event(2, "u1", "2022-01-01", "2022-01-01", Vacant),
            event(3, "u2", "2020-01-01", "2020-01-01", Occupied),
        ];
        events[1].floor_area_m2 = 300.0;
        let stock = stock(&units, &events);
        assert_eq!(city(&stock, "2021-01-01").rate_area(), Some(0.5));
        assert_eq!(city(&stock, "2022-01-01").rate_area(), Some(0.75));
        // the vacancy runs on through the floor-area change
        assert_eq!(city(&stock, "2022-01-01").n_long_term, 1);
    }

    /// Seeded random histories: units in three streets, two areas, with
    /// corrections (late records, same-day overrulings).
    pub(crate) fn random_city(seed: u64) -> (Vec<crate::model::ShopUnit>, Vec<UnitEvent>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let streets = ["Vennestraat", "Stalenstraat", "Hoogstraat"];
        let areas = [Some("centrum"), Some("winterslag"), None];
        let statuses = [
            Occupied,
            Occupied,
            Vacant,
            Vacant,
            Renovation,
            NonCommercial,
        ];
        let start = day("2018-01-01");
        let mut units = Vec::new();
        let mut events = Vec::new();
        let mut event_id = 0;
        for unit_idx in 0..40 {
            let id = format!("u{unit_idx:02}");
            units.push(unit(
                &id,
                streets[rng.random_range(0..streets.len())],
                areas[rng.random_range(0..areas.len())],
            ));
            let n_events = rng.random_range(0..9);
            for _ in 0..n_events {
                event_id += 1;
                let valid_from = start + Days::new(rng.random_range(0..3300));
                let recorded = valid_from + Days::new(rng.random_range(0..400));
                let mut unit_event = event(
                    event_id,
                    &id,
                    "2018-01-01",
                    "2018-01-01",
                    statuses[rng.random_range(0..statuses.len())],
                );
                unit_event.valid_from = valid_from;
                unit_event.recorded_at = Utc.from_utc_datetime(
                    &recorded.and_hms_opt(rng.random_range(0..24), 0, 0).unwrap(),
                );
                unit_event.category = if rng.random_bool(0.5) {
                    ShopCategory::Daily
                } else {
                    ShopCategory::Horeca
                };
                unit_event.floor_area_m2 = rng.random_range(20.0..900.0);
                events.push(unit_event.clone());
                if rng.random_bool(0.15) {
                    // overruled on the same day by a later record
                    event_id += 1;
                    unit_event.event_id = event_id;
                    unit_event.status = statuses[rng.random_range(0..statuses.len())];
                    unit_event.recorded_at += chrono::Duration::days(rng.random_range(0..30));
                    events.push(unit_event);
                }
            }
        }
        (units, events)
    }

    /// The event in force: a straight scan for the greatest (valid-from,
    /// recorded-at, event id) on or before `date`.
    pub(crate) fn brute_state<'a>(
        events: &'a [UnitEvent],
        unit_id: &str,
        date: NaiveDate,
    ) -> Option<&'a UnitEvent> {
        let mut best: Option<&UnitEvent> = None;
        for event in events {
            if event.unit_id != unit_id || event.valid_from > date {
                continue;
            }
            let better = match best {
                None => true,
                Some(b) => {
                    (event.valid_from, event.recorded_at, event.event_id)
                        > (b.valid_from, b.recorded_at, b.event_id)
                }
            };
            if better {
                best = Some(event);
            }
        }
        best
    }

    /// The first day of the current vacancy: step back one day at a time
    /// while the unit was vacant.
    fn brute_vacant_since(events: &[UnitEvent], unit_id: &str, date: NaiveDate) -> NaiveDate {
        let mut since = date;
        while let Some(previous) = since.pred_opt() {
            match brute_state(events, unit_id, previous) {
                Some(event) if event.status == Vacant => since = previous,
                _ => break,
            }
        }
        since
    }

    /// (units, occupied, vacant, renovation, frictional, long, structural, register, vacant m², occupied m²) per street.
    fn brute_by_street(
        units: &[crate::model::ShopUnit],
        events: &[UnitEvent],
        date: NaiveDate,
    ) -> BTreeMap<String, [f64; 10]> {
        let mut figures: BTreeMap<String, [f64; 10]> = BTreeMap::new();
        for unit in units {
            let unit_events: Vec<UnitEvent> = events
                .iter()
                .filter(|e| e.unit_id == unit.id)
                .cloned()
                .collect();
            let events = &unit_events[..];
            let Some(state) = brute_state(events, &unit.id, date) else {
                continue;
            };
            let row = figures.entry(unit.street.clone()).or_insert([0.0; 10]);
            match state.status {
                Occupied => {
                    row[0] += 1.0;
                    row[1] += 1.0;
                    row[9] += state.floor_area_m2;
                }
                Renovation => {
                    row[0] += 1.0;
                    row[3] += 1.0;
                }
                Vacant => {
                    row[0] += 1.0;
                    row[2] += 1.0;
                    row[8] += state.floor_area_m2;
                    let since = brute_vacant_since(events, &unit.id, date);
                    // days-free definition: compare (year, month, day) shifted by whole years
                    let years_on = |n: i32| {
                        since.with_year(since.year() + n).unwrap_or_else(|| {
                            NaiveDate::from_ymd_opt(since.year() + n, 2, 28).unwrap()
                        })
                    };
                    if date < years_on(1) {
                        row[4] += 1.0
                    } else if date < years_on(3) {
                        row[5] += 1.0
                    } else {
                        row[6] += 1.0
                    }
                    if date >= years_on(1) {
                        row[7] += 1.0
                    }
                }
                NonCommercial => {}
            }
        }
        figures
    }

    use chrono::Datelike;

    #[test]
    fn summaries_match_a_brute_force_count_on_random_histories() {
        let mut n_checked = [0usize; 4];
        for seed in 0..12 {
            let (units, events) = random_city(seed);
            let stock = stock(&units, &events);
            for date in [
                "2017-12-31",
                "2018-01-01",
                "2019-07-14",
                "2021-02-28",
                "2022-12-31",
                "2024-02-29",
                "2026-10-01",
                "2030-01-01",
            ] {
                let date = day(date);
                let expected = brute_by_street(&units, &events, date);
                let summaries = summarise(&stock, Grouping::Street, date);
                for summary in &summaries {
                    let row = expected
                        .get(&summary.group.id)
                        .copied()
                        .unwrap_or([0.0; 10]);
                    let got = [
                        summary.n_units as f64,
                        summary.n_occupied as f64,
                        summary.n_vacant as f64,
                        summary.n_renovation as f64,
                        summary.n_frictional as f64,
                        summary.n_long_term as f64,
                        summary.n_structural as f64,
                        summary.n_register_candidates as f64,
                    ];
                    assert_eq!(got, row[..8], "seed {seed} {date} {}", summary.group.id);
                    assert!((summary.vacant_area_m2 - row[8]).abs() < 1e-6);
                    assert!((summary.occupied_area_m2 - row[9]).abs() < 1e-6);
                }
                for summary in &summaries {
                    n_checked[0] += summary.n_frictional;
                    n_checked[1] += summary.n_long_term;
                    n_checked[2] += summary.n_structural;
                    n_checked[3] += summary.n_renovation;
                }
                let total: usize = summaries.iter().map(|s| s.n_units).sum();
                assert_eq!(total, city(&stock, &date.to_string()).n_units);
            }
        }
        // the random histories reach every class, so the comparison means something
        assert!(n_checked.iter().all(|n| *n > 10), "{n_checked:?}");
    }
}
