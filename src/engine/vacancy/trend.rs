//! The vacancy rates as a time series: the summary's rates at regular steps.
//!
//! The dates are `from`, `from` + 1 step, `from` + 2 steps, ... up to and
//! including `to`, each counted from `from` in calendar months (so a series
//! from 31 January keeps to month ends: 29 February, 31 March, ...). A series
//! holds at most [`MAX_STEPS`] dates.

use chrono::{Months, NaiveDate};

use super::duration::months_between;
use super::stock::{Group, Grouping, RetailStock};
use super::summary::summarise;
use super::VacancyError;

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

/// The series of every group of `grouping` on `dates`.
pub fn trend(stock: &RetailStock, grouping: Grouping, dates: &[NaiveDate]) -> Vec<GroupTrend> {
    let mut series: Vec<GroupTrend> = stock
        .grouped(grouping)
        .groups
        .into_iter()
        .map(|group| GroupTrend {
            group,
            points: Vec::with_capacity(dates.len()),
        })
        .collect();
    for date in dates {
        for (group_idx, summary) in summarise(stock, grouping, *date).into_iter().enumerate() {
            series[group_idx].points.push(TrendPoint {
                date: *date,
                n_units: summary.n_units,
                n_occupied: summary.n_occupied,
                n_vacant: summary.n_vacant,
                n_renovation: summary.n_renovation,
                rate_count: summary.rate_count(),
                rate_area: summary.rate_area(),
            });
        }
    }
    series
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
