//! The vacancy rates as a time series: the summary's rates at regular steps.
//!
//! The dates are `from`, `from` + 1 step, `from` + 2 steps, ... up to and
//! including `to`, each counted from `from` in calendar months (so a series
//! from 31 January keeps to month ends: 29 February, 31 March, ...). A series
//! holds at most [`MAX_STEPS`] dates.
//!
//! The series is made in one pass: the grouping once, then each unit's
//! in-force sequence walked alongside the (ascending) dates, so a series of
//! `n` dates costs one summary's grouping plus `n` steps per unit, not `n`
//! summaries. The figures are the summary's ([`summarise`](super::summarise)) at each date; a
//! test holds them equal.

use chrono::{Months, NaiveDate};

use super::duration::months_between;
use super::stock::{Group, Grouping, RetailStock, UnitState};
use super::{rate, VacancyError};
use crate::model::UnitStatus;

/// The most dates one series may hold (50 years by month).
pub const MAX_STEPS: usize = 600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Month,
    Quarter,
    Year,
}

impl Step {
    pub const ALL: [Step; 3] = [Step::Month, Step::Quarter, Step::Year];

    pub fn n_months(self) -> u32 {
        match self {
            Step::Month => 1,
            Step::Quarter => 3,
            Step::Year => 12,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Month => "month",
            Step::Quarter => "quarter",
            Step::Year => "year",
        }
    }
}

impl std::str::FromStr for Step {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Step::ALL
            .into_iter()
            .find(|step| step.as_str() == text)
            .ok_or_else(|| format!("unknown step '{text}' (expected one of: month, quarter, year)"))
    }
}

/// The dates of a series from `from` to `to` (both included when on a step).
pub fn step_dates(
    from: NaiveDate,
    to: NaiveDate,
    step: Step,
) -> Result<Vec<NaiveDate>, VacancyError> {
    if from > to {
        return Err(VacancyError::PeriodReversed { from, to });
    }
    let n_steps = (months_between(from, to) / step.n_months()) as usize + 1;
    if n_steps > MAX_STEPS {
        return Err(VacancyError::TooManySteps {
            from,
            to,
            n_steps,
            max: MAX_STEPS,
        });
    }
    (0..n_steps as u32)
        .map(|step_idx| {
            from.checked_add_months(Months::new(step_idx * step.n_months()))
                .ok_or(VacancyError::DateOutOfRange(from))
        })
        .filter(|date| !matches!(date, Ok(date) if *date > to))
        .collect()
}

/// One group's figures on one date of the series.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    pub date: NaiveDate,
    pub n_units: usize,
    pub n_occupied: usize,
    pub n_vacant: usize,
    pub n_renovation: usize,
    pub rate_count: Option<f64>,
    pub rate_area: Option<f64>,
}

/// One group's series.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupTrend {
    pub group: Group,
    pub points: Vec<TrendPoint>,
}

/// One group's counts on one date.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    n_units: usize,
    n_occupied: usize,
    n_vacant: usize,
    n_renovation: usize,
    occupied_area_m2: f64,
    vacant_area_m2: f64,
}

impl Tally {
    /// Count a unit in the state `state`, as the summary does.
    fn add(&mut self, state: &UnitState) {
        match state.status {
            UnitStatus::NonCommercial => return,
            UnitStatus::Occupied => {
                self.n_occupied += 1;
                self.occupied_area_m2 += state.floor_area_m2;
            }
            UnitStatus::Vacant => {
                self.n_vacant += 1;
                self.vacant_area_m2 += state.floor_area_m2;
            }
            UnitStatus::Renovation => self.n_renovation += 1,
        }
        self.n_units += 1;
    }

    fn point(&self, date: NaiveDate) -> TrendPoint {
        TrendPoint {
            date,
            n_units: self.n_units,
            n_occupied: self.n_occupied,
            n_vacant: self.n_vacant,
            n_renovation: self.n_renovation,
            rate_count: rate(
                self.n_vacant as f64,
                (self.n_occupied + self.n_vacant) as f64,
            ),
            rate_area: rate(
                self.vacant_area_m2,
                self.occupied_area_m2 + self.vacant_area_m2,
            ),
        }
    }
}

/// The series of every group of `grouping` on `dates` (in any order; in
/// ascending order, as [`step_dates`] makes them, each unit's sequence is
/// walked once).
pub fn trend(stock: &RetailStock, grouping: Grouping, dates: &[NaiveDate]) -> Vec<GroupTrend> {
    let grouped = stock.grouped(grouping);
    let n_groups = grouped.groups.len();
    let ascending = dates.windows(2).all(|pair| pair[0] <= pair[1]);
    // tallies[date_idx * n_groups + group_idx]
    let mut tallies = vec![Tally::default(); dates.len() * n_groups];
    for (unit, group_idx) in stock.units().iter().zip(&grouped.group_of_unit) {
        let Some(group_idx) = group_idx else {
            continue;
        };
        let in_force = unit.in_force();
        // the number of entries with valid_from on or before the date
        let mut n_in_force = 0;
        for (date_idx, date) in dates.iter().enumerate() {
            if ascending {
                while n_in_force < in_force.len() && in_force[n_in_force].valid_from <= *date {
                    n_in_force += 1;
                }
            } else {
                n_in_force = in_force.partition_point(|state| state.valid_from <= *date);
            }
            if let Some(state) = n_in_force.checked_sub(1).map(|index| &in_force[index]) {
                tallies[date_idx * n_groups + group_idx].add(state);
            }
        }
    }
    grouped
        .groups
        .into_iter()
        .enumerate()
        .map(|(group_idx, group)| GroupTrend {
            group,
            points: dates
                .iter()
                .enumerate()
                .map(|(date_idx, date)| tallies[date_idx * n_groups + group_idx].point(*date))
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::vacancy::stock::tests::{day, event, stock, unit};
    use crate::model::UnitStatus::*;

    #[test]
    fn steps_run_from_the_start_and_keep_to_month_ends() {
        let dates = step_dates(day("2024-01-31"), day("2024-05-01"), Step::Month).unwrap();
        assert_eq!(
            dates,
            [
                day("2024-01-31"),
                day("2024-02-29"),
                day("2024-03-31"),
                day("2024-04-30")
            ]
        );
        let dates = step_dates(day("2021-10-01"), day("2026-10-01"), Step::Year).unwrap();
        assert_eq!(dates.len(), 6);
        assert_eq!(
            step_dates(day("2026-10-01"), day("2026-10-01"), Step::Quarter)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            step_dates(day("2020-01-01"), day("2020-12-31"), Step::Quarter)
                .unwrap()
                .len(),
            4
        );
    }

    #[test]
    fn a_reversed_or_overlong_range_is_refused() {
        assert!(matches!(
            step_dates(day("2026-10-02"), day("2026-10-01"), Step::Month),
            Err(VacancyError::PeriodReversed { .. })
        ));
        assert_eq!(
            step_dates(day("1976-11-01"), day("2026-10-01"), Step::Month)
                .unwrap()
                .len(),
            600
        );
        assert!(matches!(
            step_dates(day("1976-10-01"), day("2026-10-01"), Step::Month),
            Err(VacancyError::TooManySteps { n_steps: 601, .. })
        ));
        assert!(step_dates(day("1900-01-01"), day("2026-10-01"), Step::Year).is_ok());
    }

    #[test]
    fn the_one_pass_trend_equals_the_summary_at_every_date() {
        use crate::engine::vacancy::summary::{summarise, tests::random_city};
        let mut n_points = 0;
        for seed in 0..8 {
            let (units, events) = random_city(seed);
            let stock = stock(&units, &events);
            let monthly = step_dates(day("2017-11-15"), day("2027-03-01"), Step::Month).unwrap();
            let mut shuffled = monthly.clone();
            shuffled.reverse();
            shuffled.push(day("2020-02-29"));
            for dates in [monthly, shuffled] {
                for grouping in Grouping::ALL {
                    let series = trend(&stock, grouping, &dates);
                    for (date_idx, date) in dates.iter().enumerate() {
                        let summaries = summarise(&stock, grouping, *date);
                        assert_eq!(series.len(), summaries.len());
                        for (group_series, summary) in series.iter().zip(&summaries) {
                            let point = &group_series.points[date_idx];
                            assert_eq!(group_series.group, summary.group);
                            assert_eq!(
                                point,
                                &TrendPoint {
                                    date: *date,
                                    n_units: summary.n_units,
                                    n_occupied: summary.n_occupied,
                                    n_vacant: summary.n_vacant,
                                    n_renovation: summary.n_renovation,
                                    rate_count: summary.rate_count(),
                                    rate_area: summary.rate_area(),
                                },
                                "seed {seed} {grouping} {date}"
                            );
                            n_points += usize::from(point.n_units > 0);
                        }
                    }
                }
            }
        }
        assert!(n_points > 1_000, "{n_points}");
    }

    #[test]
    fn the_trend_is_the_summary_at_each_step() {
        let units = [
            unit("u1", "Vennestraat", Some("centrum")),
            unit("u2", "Vennestraat", Some("centrum")),
        ];
        let events = [
            event(1, "u1", "2020-01-01", "2020-01-01", Occupied),
            event(2, "u2", "2020-01-01", "2020-01-01", Occupied),
            event(3, "u2", "2021-03-01", "2021-03-01", Vacant),
        ];
        let stock = stock(&units, &events);
        let dates = step_dates(day("2019-01-01"), day("2022-01-01"), Step::Year).unwrap();
        let series = trend(&stock, Grouping::ShoppingArea, &dates);
        assert_eq!(series.len(), 1);
        let rates: Vec<Option<f64>> = series[0].points.iter().map(|p| p.rate_count).collect();
        assert_eq!(rates, [None, Some(0.0), Some(0.0), Some(0.5)]);
    }
}
