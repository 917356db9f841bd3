//! Shop-unit status history: events, and the state of a unit on a date.
//!
//! An event records the whole changeable state of a unit (status, category,
//! kind, floor area, occupant) from a valid-from date on, with when and by whom
//! it was recorded. The state on date D is the event with the latest
//! valid-from ≤ D; between events with the same valid-from the later recorded
//! one wins. A back-dated correction (recorded late, valid early) therefore
//! changes the past, and the earlier record stays in the history.

use std::collections::{BTreeMap, HashMap};

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

/// The histories of many units without copying an event: for each unit
/// (by position, `0..n_units`) the positions of its events in one event
/// list, in [`UnitHistory`] order (valid-from, then recording).
#[derive(Debug, Clone, Default)]
pub struct HistoryIndex {
    /// Unit k's events are `order[starts[k]..starts[k + 1]]`.
    starts: Vec<u32>,
    order: Vec<u32>,
}

impl HistoryIndex {
    /// Group `events` by the unit position `position_of(unit_id)` gives
    /// (below `n_units`); events of a unit it does not know are left out.
    pub fn new(
        events: &[UnitEvent],
        n_units: usize,
        position_of: impl Fn(&str) -> Option<usize>,
    ) -> Self {
        let unit_of_event: Vec<Option<u32>> = events
            .iter()
            .map(|event| {
                position_of(&event.unit_id)
                    .filter(|position| *position < n_units)
                    .map(|position| position as u32)
            })
            .collect();
        // counting sort by unit, events of a unit in list order
        let mut starts = vec![0u32; n_units + 1];
        for unit in unit_of_event.iter().flatten() {
            starts[*unit as usize + 1] += 1;
        }
        for k in 0..n_units {
            starts[k + 1] += starts[k];
        }
        let mut next = starts.clone();
        let mut order = vec![0u32; starts[n_units] as usize];
        for (event_idx, unit) in unit_of_event.iter().enumerate() {
            if let Some(unit) = unit {
                let slot = &mut next[*unit as usize];
                order[*slot as usize] = event_idx as u32;
                *slot += 1;
            }
        }
        for k in 0..n_units {
            let range = starts[k] as usize..starts[k + 1] as usize;
            // stable, as `UnitHistory::new`
            order[range].sort_by_key(|event_idx| events[*event_idx as usize].precedence());
        }
        HistoryIndex { starts, order }
    }

    /// The number of units.
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Unit `unit`'s events as positions in the event list, in history order.
    pub fn of(&self, unit: usize) -> &[u32] {
        &self.order[self.starts[unit] as usize..self.starts[unit + 1] as usize]
    }

    /// Unit `unit`'s history read from `events` (the list the index was made of).
    pub fn history<'a>(&'a self, events: &'a [UnitEvent], unit: usize) -> HistoryView<'a> {
        HistoryView {
            events,
            order: self.of(unit),
        }
    }
}

/// One unit's history borrowed from an event list through a [`HistoryIndex`]:
/// the same answers as the [`UnitHistory`] of those events.
#[derive(Debug, Clone, Copy)]
pub struct HistoryView<'a> {
    events: &'a [UnitEvent],
    order: &'a [u32],
}

impl<'a> HistoryView<'a> {
    fn event(&self, position: usize) -> &'a UnitEvent {
        &self.events[self.order[position] as usize]
    }

    /// The events, ordered by valid-from, then recorded-at.
    pub fn events(
        &self,
    ) -> impl DoubleEndedIterator<Item = &'a UnitEvent> + ExactSizeIterator + 'a {
        let events = self.events;
        self.order.iter().map(move |idx| &events[*idx as usize])
    }

    /// The number of events in force on `date` or overruled before it.
    fn n_until(&self, date: NaiveDate) -> usize {
        self.order
            .partition_point(|idx| self.events[*idx as usize].valid_from <= date)
    }

    /// The event in force on `date`, `None` before the first one.
    pub fn state_on(&self, date: NaiveDate) -> Option<&'a UnitEvent> {
        let in_force = self.n_until(date);
        in_force.checked_sub(1).map(|position| self.event(position))
    }

    /// The first day of the status in force on `date` (as
    /// [`UnitHistory::status_since`]).
    pub fn status_since(&self, date: NaiveDate) -> Option<NaiveDate> {
        let in_force = self.n_until(date);
        let status = self.event(in_force.checked_sub(1)?).status;
        let mut since = None;
        let mut previous_valid_from = None;
        for position in (0..in_force).rev() {
            let event = self.event(position);
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

/// Every unit as it was on `date`: its location and address with the state
/// then in force. Units with no event on or before `date` did not exist yet.
pub fn units_on(units: &[ShopUnit], events: &[UnitEvent], date: NaiveDate) -> Vec<ShopUnit> {
    // the first unit of an id takes its events (the id map of `histories`
    // gives every unit of that id the same history)
    let mut position_of: HashMap<&str, usize> = HashMap::with_capacity(units.len());
    for (position, unit) in units.iter().enumerate() {
        position_of.entry(unit.id.as_str()).or_insert(position);
    }
    let index = HistoryIndex::new(events, units.len(), |id| position_of.get(id).copied());
    units
        .iter()
        .filter_map(|unit| {
            let history = index.history(events, position_of[unit.id.as_str()]);
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

    /// Random events of `n_units` units (ids u0..), with same-day records,
    /// back-dated corrections and events of an unknown unit.
    fn random_events(seed: u64, n_units: usize) -> Vec<UnitEvent> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let statuses = [
            UnitStatus::Occupied,
            UnitStatus::Vacant,
            UnitStatus::Renovation,
            UnitStatus::NonCommercial,
        ];
        (0..n_units * 4)
            .map(|k| {
                let unit = rng.random_range(0..n_units + 1);
                // a few distinct days, so that records share a valid-from
                let valid_from =
                    day("2018-01-01") + chrono::Days::new(rng.random_range(0..12) * 90);
                let recorded = day("2018-01-01") + chrono::Days::new(rng.random_range(0..3000));
                let mut event = event(
                    k as i64 + 1,
                    "2018-01-01",
                    "2018-01-01",
                    statuses[rng.random_range(0..4)],
                );
                event.unit_id = if unit == n_units {
                    "ghost".into()
                } else {
                    format!("u{unit}")
                };
                event.valid_from = valid_from;
                event.recorded_at = Utc.from_utc_datetime(&recorded.and_hms_opt(9, 0, 0).unwrap());
                event.floor_area_m2 = rng.random_range(20..400) as f64;
                event
            })
            .collect()
    }

    fn unit(id: &str) -> ShopUnit {
        ShopUnit {
            id: id.into(),
            geometry: geo::point!(x: 5.5, y: 50.96),
            address: format!("Vennestraat {id}"),
            street: "Vennestraat".into(),
            floor_area_m2: 1.0,
            category: ShopCategory::Daily,
            kind: None,
            status: UnitStatus::Occupied,
            status_since: day("2000-01-01"),
            occupant: None,
            area_id: None,
        }
    }

    #[test]
    fn the_history_index_reads_as_the_copied_histories() {
        for seed in 0..8 {
            let n_units = 30;
            let events = random_events(seed, n_units);
            let copied = histories(&events);
            let index = HistoryIndex::new(&events, n_units, |id| {
                id.strip_prefix('u').and_then(|n| n.parse().ok())
            });
            assert_eq!(index.len(), n_units);
            for k in 0..n_units {
                let view = index.history(&events, k);
                let Some(history) = copied.get(&format!("u{k}")) else {
                    assert_eq!(view.events().len(), 0);
                    continue;
                };
                let viewed: Vec<&UnitEvent> = view.events().collect();
                let expected: Vec<&UnitEvent> = history.events().iter().collect();
                assert_eq!(viewed, expected, "seed {seed} unit {k}");
                for step in 0..14 {
                    let date = day("2017-12-31") + chrono::Days::new(step * 90);
                    for date in [date, date + chrono::Days::new(1)] {
                        assert_eq!(view.state_on(date), history.state_on(date));
                        assert_eq!(view.status_since(date), history.status_since(date));
                    }
                }
            }
        }
    }

    #[test]
    fn units_on_is_the_state_of_the_copied_histories() {
        let events = random_events(3, 20);
        // a unit without events, and a duplicated id reading the same history
        let units: Vec<ShopUnit> = (0..21)
            .map(|k| unit(&format!("u{k}")))
            .chain([unit("u4")])
            .collect();
        let copied = histories(&events);
        for date in ["2017-06-01", "2019-01-01", "2020-04-01", "2030-01-01"] {
            let date = day(date);
            let expected: Vec<ShopUnit> = units
                .iter()
                .filter_map(|unit| {
                    let history = copied.get(&unit.id)?;
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
                .collect();
            assert_eq!(units_on(&units, &events, date), expected, "{date}");
        }
        assert!(!units_on(&units, &events, day("2030-01-01")).is_empty());
    }
}
