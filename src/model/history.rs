//! Shop-unit status history: events, and the state of a unit on a date.
//!
//! An event records the whole changeable state of a unit (status, category,
//! kind, floor area, occupant) from a valid-from date on, with when and by whom
//! it was recorded. The state on date D is the event with the latest
//! valid-from ≤ D; between events with the same valid-from the later recorded
//! one wins. A back-dated correction (recorded late, valid early) therefore
//! changes the past, and the earlier record stays in the history.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::layers::{ShopCategory, ShopKind, ShopUnit, UnitStatus};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitEvent {
    /// Unique, increasing in recording order; the store's primary key.
    pub event_id: i64,
    pub unit_id: String,
    pub valid_from: NaiveDate,
    /// UTC, whole seconds.
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    pub status: UnitStatus,
    pub category: ShopCategory,
    pub kind: Option<ShopKind>,
    pub floor_area_m2: f64,
    /// Confidential.
    pub occupant: Option<String>,
    /// Confidential free text.
    pub note: Option<String>,
}

impl UnitEvent {
    /// The ordering key of "which event is in force": valid-from, then recording.
    fn precedence(&self) -> (NaiveDate, DateTime<Utc>, i64) {
        (self.valid_from, self.recorded_at, self.event_id)
    }
}

/// The events of one unit, sorted so that later entries take precedence.
#[derive(Debug, Clone, Default)]
pub struct UnitHistory {
    events: Vec<UnitEvent>,
}

impl UnitHistory {
    pub fn new(mut events: Vec<UnitEvent>) -> Self {
        events.sort_by_key(UnitEvent::precedence);
        UnitHistory { events }
    }

    /// All events, ordered by valid-from, then recorded-at.
    pub fn events(&self) -> &[UnitEvent] {
        &self.events
    }

    /// The event in force on `date`, `None` before the first one.
    pub fn state_on(&self, date: NaiveDate) -> Option<&UnitEvent> {
        let in_force = self
            .events
            .partition_point(|event| event.valid_from <= date);
        in_force.checked_sub(1).map(|index| &self.events[index])
    }

    /// The first day of the status in force on `date`: walking back while the
    /// status stays the same (e.g. the start of the current vacancy).
    pub fn status_since(&self, date: NaiveDate) -> Option<NaiveDate> {
        let in_force = self
            .events
            .partition_point(|event| event.valid_from <= date);
        let status = self.events.get(in_force.checked_sub(1)?)?.status;
        let mut since = None;
        let mut previous_valid_from = None;
        for event in self.events[..in_force].iter().rev() {
            // of several events with one valid-from, only the last recorded
            // was ever in force; the others were overruled
            if previous_valid_from == Some(event.valid_from) {
                continue;
            }
            previous_valid_from = Some(event.valid_from);
            if event.status != status {
                break;
            }
            since = Some(event.valid_from);
        }
        since
    }
}

/// The histories of all units, by unit id.
pub fn histories(events: &[UnitEvent]) -> BTreeMap<String, UnitHistory> {
    let mut grouped: BTreeMap<String, Vec<UnitEvent>> = BTreeMap::new();
    for event in events {
        grouped
            .entry(event.unit_id.clone())
            .or_default()
            .push(event.clone());
    }
    grouped
        .into_iter()
        .map(|(unit_id, events)| (unit_id, UnitHistory::new(events)))
        .collect()
}

/// Every unit as it was on `date`: its location and address with the state
/// then in force. Units with no event on or before `date` did not exist yet.
pub fn units_on(units: &[ShopUnit], events: &[UnitEvent], date: NaiveDate) -> Vec<ShopUnit> {
    let histories = histories(events);
    units
        .iter()
        .filter_map(|unit| {
            let history = histories.get(&unit.id)?;
            let state = history.state_on(date)?;
            Some(ShopUnit {
                status: state.status,
                category: state.category,
                kind: state.kind,
                floor_area_m2: state.floor_area_m2,
                occupant: state.occupant.clone(),
                status_since: history.status_since(date)?,
                ..unit.clone()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn event(event_id: i64, valid_from: &str, recorded: &str, status: UnitStatus) -> UnitEvent {
        let recorded = day(recorded);
        UnitEvent {
            event_id,
            unit_id: "u1".into(),
            valid_from: day(valid_from),
            recorded_at: Utc.from_utc_datetime(&recorded.and_hms_opt(10, 0, 0).unwrap()),
            recorded_by: "winkelteam".into(),
            status,
            category: ShopCategory::Periodic,
            kind: None,
            floor_area_m2: 90.0,
            occupant: None,
            note: None,
        }
    }

    #[test]
    fn state_on_a_date_is_the_latest_event_in_force() {
        use UnitStatus::*;
        let history = UnitHistory::new(vec![
            event(2, "2022-06-01", "2022-06-02", Vacant),
            event(1, "2020-01-01", "2020-01-01", Occupied),
            event(3, "2024-01-15", "2024-01-15", Occupied),
        ]);
        assert!(history.state_on(day("2019-12-31")).is_none());
        assert_eq!(
            history.state_on(day("2020-01-01")).unwrap().status,
            Occupied
        );
        assert_eq!(
            history.state_on(day("2022-05-31")).unwrap().status,
            Occupied
        );
        assert_eq!(history.state_on(day("2022-06-01")).unwrap().status, Vacant);
        assert_eq!(history.state_on(day("2024-01-14")).unwrap().status, Vacant);
        assert_eq!(
            history.state_on(day("2030-01-01")).unwrap().status,
            Occupied
        );
        assert_eq!(
            history.status_since(day("2023-01-01")),
            Some(day("2022-06-01"))
        );
    }

    #[test]
    fn a_back_dated_correction_changes_the_past_and_keeps_the_record() {
        use UnitStatus::*;
        let history = UnitHistory::new(vec![
            event(1, "2020-01-01", "2020-01-01", Occupied),
            event(2, "2022-06-01", "2022-06-02", Vacant),
            // recorded in 2023: the unit had already closed on 1 March 2022
            event(3, "2022-03-01", "2023-02-01", Vacant),
        ]);
        assert_eq!(history.state_on(day("2022-04-01")).unwrap().status, Vacant);
        assert_eq!(
            history.status_since(day("2022-07-01")),
            Some(day("2022-03-01"))
        );
        assert_eq!(history.events().len(), 3);
    }

    #[test]
    fn same_day_events_resolve_to_the_later_recording() {
        use UnitStatus::*;
        let history = UnitHistory::new(vec![
            event(2, "2022-06-01", "2022-07-01", Renovation),
            event(1, "2022-06-01", "2022-06-01", Vacant),
        ]);
        assert_eq!(
            history.state_on(day("2022-06-01")).unwrap().status,
            Renovation
        );
    }

    #[test]
    fn an_overruled_record_does_not_cut_a_vacancy_short() {
        use UnitStatus::*;
        let history = UnitHistory::new(vec![
            event(1, "2020-01-01", "2020-01-01", Vacant),
            // recorded as reopened on 1 January 2022, then corrected: it stayed vacant
            event(2, "2022-01-01", "2022-01-02", Occupied),
            event(3, "2022-01-01", "2022-03-01", Vacant),
        ]);
        assert_eq!(history.state_on(day("2022-06-01")).unwrap().status, Vacant);
        assert_eq!(
            history.status_since(day("2022-06-01")),
            Some(day("2020-01-01"))
        );
    }

    #[test]
    fn status_since_walks_back_over_repeated_statuses() {
        use UnitStatus::*;
        let history = UnitHistory::new(vec![
            event(1, "2019-01-01", "2019-01-01", Occupied),
            event(2, "2020-01-01", "2020-01-01", Vacant),
            event(3, "2021-01-01", "2021-01-01", Vacant),
        ]);
        assert_eq!(
            history.status_since(day("2021-06-01")),
            Some(day("2020-01-01"))
        );
    }
}
