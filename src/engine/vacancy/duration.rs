//! Duration classes of a vacancy and the register candidates.
//!
//! From the start S of a unit's current vacancy to the date D: frictional
//! while D < S + 1 year, long-term from S + 1 year while D < S + 3 years,
//! structural from S + 3 years on (the classes of Locatus and the Dutch
//! planning agency). A unit is a register candidate (the Flemish municipal
//! leegstandsregister) when it has been vacant for 12 consecutive months or
//! more: D ≥ S + 12 months. Months are calendar months, clamped at a month's
//! end as PostgreSQL's `date + interval` does (31 January + 1 month is the last
//! day of February).

use chrono::{Datelike, Months, NaiveDate};

use super::stock::RetailStock;
use crate::model::UnitStatus;

/// Months of vacancy from which a unit is a register candidate.
pub const REGISTER_MONTHS: u32 = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DurationClass {
    /// Under 1 year.
    Frictional,
    /// 1 year to under 3 years.
    LongTerm,
    /// 3 years or more.
    Structural,
}

/// `date` + `n_months` calendar months; `NaiveDate::MAX` when out of range.
fn add_months(date: NaiveDate, n_months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(n_months))
        .unwrap_or(NaiveDate::MAX)
}

impl DurationClass {
    /// The class of a vacancy that started on `since`, on `date` (≥ `since`).
    pub fn of(since: NaiveDate, date: NaiveDate) -> DurationClass {
        if date < add_months(since, 12) {
            DurationClass::Frictional
        } else if date < add_months(since, 36) {
            DurationClass::LongTerm
        } else {
            DurationClass::Structural
        }
    }
}

/// Whether a vacancy that started on `since` makes a register candidate on `date`.
pub fn is_register_candidate(since: NaiveDate, date: NaiveDate) -> bool {
    date >= add_months(since, REGISTER_MONTHS)
}

/// The whole calendar months from `since` to `date`: the largest k with
/// `since` + k months ≤ `date` (0 when `date` < `since`).
pub fn months_between(since: NaiveDate, date: NaiveDate) -> u32 {
    if date < since {
        return 0;
    }
    let rough = (date.year() as i64 * 12 + date.month0() as i64)
        - (since.year() as i64 * 12 + since.month0() as i64);
    let mut n_months = rough.max(0) as u32;
    while n_months > 0 && add_months(since, n_months) > date {
        n_months -= 1;
    }
    n_months
}

/// One unit of the register: public facts only, never the occupant.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterEntry {
    pub unit_id: String,
    pub address: String,
    pub street: String,
    pub area_id: Option<String>,
    /// The shopping area's name, as people know it.
    pub area_name: Option<String>,
    pub floor_area_m2: f64,
    /// The start of the current vacancy.
    pub vacant_since: NaiveDate,
    pub months_vacant: u32,
}

/// The units vacant for 12 months or more on `date`, longest vacancy first
/// (then by unit id).
pub fn register(stock: &RetailStock, date: NaiveDate) -> Vec<RegisterEntry> {
    let mut entries: Vec<RegisterEntry> = stock
        .units()
        .iter()
        .filter_map(|unit| {
            let state = unit.state_on(date)?;
            if state.status != UnitStatus::Vacant
                || !is_register_candidate(state.status_since, date)
            {
                return None;
            }
            Some(RegisterEntry {
                unit_id: unit.id.clone(),
                address: unit.address.clone(),
                street: unit.street.clone(),
                area_id: unit.area_id.clone(),
                area_name: unit
                    .area_id
                    .as_ref()
                    .and_then(|id| stock.area_names.get(id))
                    .cloned(),
                floor_area_m2: state.floor_area_m2,
                vacant_since: state.status_since,
                months_vacant: months_between(state.status_since, date),
            })
        })
        .collect();
    entries.sort_by(|a, b| {
        a.vacant_since
            .cmp(&b.vacant_since)
            .then_with(|| a.unit_id.cmp(&b.unit_id))
    });
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::vacancy::stock::tests::{day, event, stock, unit};
    use DurationClass::*;

    #[test]
    fn class_boundaries_fall_on_exactly_one_and_three_years() {
        let since = day("2022-03-15");
        assert_eq!(DurationClass::of(since, since), Frictional);
        assert_eq!(DurationClass::of(since, day("2023-03-14")), Frictional);
        assert_eq!(DurationClass::of(since, day("2023-03-15")), LongTerm);
        assert_eq!(DurationClass::of(since, day("2025-03-14")), LongTerm);
        assert_eq!(DurationClass::of(since, day("2025-03-15")), Structural);
        assert_eq!(DurationClass::of(since, day("2040-01-01")), Structural);
    }

    #[test]
    fn a_vacancy_from_29_february_is_a_year_old_on_28_february() {
        let since = day("2024-02-29");
        assert_eq!(DurationClass::of(since, day("2025-02-27")), Frictional);
        assert_eq!(DurationClass::of(since, day("2025-02-28")), LongTerm);
        assert_eq!(months_between(since, day("2025-02-28")), 12);
        assert_eq!(months_between(day("2024-01-31"), day("2024-02-29")), 1);
        assert_eq!(months_between(day("2024-01-31"), day("2024-02-28")), 0);
    }

    #[test]
    fn the_register_starts_at_exactly_twelve_months() {
        let since = day("2025-10-01");
        assert!(!is_register_candidate(since, day("2026-09-30")));
        assert!(is_register_candidate(since, day("2026-10-01")));
        assert_eq!(months_between(since, day("2026-09-30")), 11);
        assert_eq!(months_between(since, day("2026-10-01")), 12);
    }

    #[test]
    fn the_register_lists_long_vacancies_with_since_when_and_no_occupant() {
        use UnitStatus::*;
        let units = [
            unit("u1", "Vennestraat", Some("centrum")),
            unit("u2", "Vennestraat", Some("centrum")),
            unit("u3", "Hoogstraat", None),
        ];
        let events = [
            event(1, "u1", "2020-01-01", "2020-01-01", Occupied),
            event(2, "u1", "2024-05-01", "2024-05-03", Vacant),
            event(3, "u2", "2020-01-01", "2020-01-01", Vacant),
            event(4, "u2", "2026-01-01", "2026-01-01", Occupied),
            event(5, "u3", "2025-11-01", "2025-11-01", Vacant),
            // back-dated: u3 was already vacant since 1 September 2025
            event(6, "u3", "2025-09-01", "2026-02-01", Vacant),
        ];
        let stock = stock(&units, &events);
        let entries = register(&stock, day("2026-10-01"));
        let ids: Vec<&str> = entries.iter().map(|e| e.unit_id.as_str()).collect();
        assert_eq!(ids, ["u1", "u3"]);
        assert_eq!(entries[0].vacant_since, day("2024-05-01"));
        assert_eq!(entries[0].months_vacant, 29);
        assert_eq!(entries[1].vacant_since, day("2025-09-01"));
        assert_eq!(entries[1].months_vacant, 13);
        assert!(register(&stock, day("2025-12-31"))
            .iter()
            .all(|e| e.unit_id != "u3"));
    }
}
