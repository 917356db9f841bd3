//! Six years of shop-unit history, ending on the reference date, and the
//! units' state on that date.
//!
//! Each unit runs a monthly Markov chain over the statuses of DOMAIN.md:
//! an occupied unit closes (more often in an area with a higher target
//! vacancy), changes hands, or rarely leaves retail; a vacant unit reopens
//! (some units are "sticky" and stay empty for years: the long-term and
//! structural vacancies), goes into renovation or is converted to housing.
//! A reopening may bring another branch (a conversion). Then each area, and
//! the scattered shops, are calibrated to their target vacancy on the
//! reference date by adding a last opening or closure to a few units, and the
//! scattered shops take up the rest so that the city ends at 13% for every
//! seed. Finally a few closures get a back-dated correction (recorded months
//! later, valid weeks earlier), as the retail team's registers do.
//!
//! Events are recorded a few days after they take effect (a fixed function
//! of the unit and the event, never after the reference date), by "demo";
//! event ids follow the recording order. The units' published state is
//! computed from the events with [`crate::model::history::units_on`], so the
//! two always agree.

use std::collections::BTreeMap;

use chrono::{Days, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::frame::Frame;
use super::inputs::Inputs;
use super::names;
use super::neighbourhoods::Wijk;
use super::shops::{self, UnitDraft, SCATTERED_SHARES};
use crate::model::history::units_on;
use crate::model::{ShopCategory, ShopKind, ShopUnit, UnitEvent, UnitStatus};

/// The simulated span, months before the reference date.
pub const MONTHS: u32 = 72;
/// The city's vacancy rate by count on the reference date.
pub const CITY_VACANCY: f64 = 0.13;
/// The target vacancy of the shops outside the shopping areas.
const SCATTERED_VACANCY: f64 = 0.12;
/// Monthly chance that an occupied unit closes, at the city's vacancy.
const BASE_CLOSE: f64 = 0.011;
pub const RECORDED_BY: &str = "demo";
const CORRECTION_NOTE: &str = "correctie: het pand stond al eerder leeg";
const CONVERSION_NOTE: &str = "herbestemd tot woning";

#[derive(Debug, Clone, PartialEq)]
struct State {
    status: UnitStatus,
    category: ShopCategory,
    kind: Option<ShopKind>,
    floor_area_m2: f64,
    occupant: Option<String>,
}

#[derive(Debug, Clone)]
struct Step {
    valid_from: NaiveDate,
    state: State,
    /// A back-dated correction, with its own recording date.
    correction_recorded: Option<NaiveDate>,
}

/// What a unit's chain needs to know about it.
struct Profile<'a> {
    shares: &'a [f64; 7],
    floor_factor: f64,
    wijk: &'a Wijk,
    p_close: f64,
    p_open: f64,
}

fn new_occupant(inputs: &Inputs, state: &State, rng: &mut ChaCha8Rng) -> Option<String> {
    Some(names::shop_name(inputs, state.category, state.kind, rng))
}

/// A reopening: the same branch, or (one time in four) another one.
fn reopen(inputs: &Inputs, profile: &Profile, state: &State, rng: &mut ChaCha8Rng) -> State {
    let mut next = state.clone();
    next.status = UnitStatus::Occupied;
    if rng.random_bool(0.25) {
        let category = shops::draw_category(profile.shares, rng);
        let (category, kind) = shops::settle_kind(inputs, profile.wijk, category, rng);
        next.category = category;
        next.kind = kind;
        let row = inputs.category(category, kind);
        let (low, high) = (row.floor_min_m2, row.floor_max_m2 * profile.floor_factor);
        if !(low..=high).contains(&next.floor_area_m2) || category == ShopCategory::Daily {
            next.floor_area_m2 =
                shops::draw_floor_area(inputs, category, kind, profile.floor_factor, rng);
        }
    }
    next.occupant = new_occupant(inputs, &next, rng);
    next
}

fn with_status(state: &State, status: UnitStatus) -> State {
    State {
        status,
        occupant: None,
        ..state.clone()
    }
}

/// One month of the chain; `None` when nothing happens.
fn transition(
    inputs: &Inputs,
    profile: &Profile,
    state: &State,
    rng: &mut ChaCha8Rng,
) -> Option<State> {
    let draw = rng.random_range(0.0..1.0);
    match state.status {
        UnitStatus::Occupied => {
            if draw < profile.p_close {
                Some(with_status(state, UnitStatus::Vacant))
            } else if draw < profile.p_close + 0.002 {
                // taken over without standing empty
                let mut next = state.clone();
                next.occupant = new_occupant(inputs, state, rng);
                Some(next)
            } else if draw < profile.p_close + 0.0021 {
                Some(with_status(state, UnitStatus::NonCommercial))
            } else {
                None
            }
        }
        UnitStatus::Vacant => {
            if draw < profile.p_open {
                Some(reopen(inputs, profile, state, rng))
            } else if draw < profile.p_open + 0.012 {
                Some(with_status(state, UnitStatus::Renovation))
            } else if draw < profile.p_open + 0.0135 {
                Some(with_status(state, UnitStatus::NonCommercial))
            } else {
                None
            }
        }
        UnitStatus::Renovation => {
            if draw < 0.12 {
                Some(reopen(inputs, profile, state, rng))
            } else if draw < 0.17 {
                Some(with_status(state, UnitStatus::Vacant))
            } else {
                None
            }
        }
        UnitStatus::NonCommercial => None,
    }
}

/// The chain of one unit from before the simulated span to the reference date.
fn simulate_unit(
    inputs: &Inputs,
    unit: &UnitDraft,
    profile: &Profile,
    start: NaiveDate,
    reference_date: NaiveDate,
    rng: &mut ChaCha8Rng,
) -> Vec<Step> {
    let mut state = State {
        status: UnitStatus::Occupied,
        category: unit.category,
        kind: unit.kind,
        floor_area_m2: unit.floor_area_m2,
        occupant: None,
    };
    let initially_vacant = rng.random_bool((profile.p_close / BASE_CLOSE * CITY_VACANCY).min(0.5));
    let since = if initially_vacant {
        state.status = UnitStatus::Vacant;
        start - Days::new(rng.random_range(0..1_500))
    } else {
        state.occupant = new_occupant(inputs, &state, rng);
        start - Days::new(rng.random_range(30..3_650))
    };
    let mut steps = vec![Step {
        valid_from: since,
        state: state.clone(),
        correction_recorded: None,
    }];
    for month in 1..=MONTHS {
        let month_start = start + Months::new(month);
        if month_start > reference_date {
            break;
        }
        let Some(next) = transition(inputs, profile, &state, rng) else {
            continue;
        };
        let day = (month_start + Days::new(rng.random_range(0..28))).min(reference_date);
        let last = steps.last().expect("a first step").valid_from;
        if day <= last {
            continue;
        }
        state = next;
        steps.push(Step {
            valid_from: day,
            state: state.clone(),
            correction_recorded: None,
        });
    }
    steps
}

/// A date in (after, until], uniformly.
fn date_after(after: NaiveDate, until: NaiveDate, rng: &mut ChaCha8Rng) -> NaiveDate {
    let days = (until - after).num_days().max(1) as u64;
    after + Days::new(rng.random_range(1..=days))
}

/// Open or close units of `group` at the end of their history until exactly
/// `target` of its counted units (occupied or vacant) are vacant.
fn calibrate(
    inputs: &Inputs,
    profiles: &[Profile],
    steps: &mut [Vec<Step>],
    group: &[usize],
    target: usize,
    reference_date: NaiveDate,
    rng: &mut ChaCha8Rng,
) {
    let status =
        |steps: &[Vec<Step>], unit: usize| steps[unit].last().expect("a step").state.status;
    let mut vacant: Vec<usize> = group
        .iter()
        .copied()
        .filter(|&unit| status(steps, unit) == UnitStatus::Vacant)
        .collect();
    let mut occupied: Vec<usize> = group
        .iter()
        .copied()
        .filter(|&unit| status(steps, unit) == UnitStatus::Occupied)
        .collect();
    let can_change = |steps: &[Vec<Step>], unit: usize| {
        steps[unit].last().expect("a step").valid_from < reference_date
    };
    if vacant.len() > target {
        vacant.shuffle(rng);
        let mut excess = vacant.len() - target;
        for unit in vacant {
            if excess == 0 {
                break;
            }
            if !can_change(steps, unit) {
                continue;
            }
            let last = steps[unit].last().expect("a step").clone();
            let state = reopen(inputs, &profiles[unit], &last.state, rng);
            let valid_from = date_after(last.valid_from, reference_date, rng);
            steps[unit].push(Step {
                valid_from,
                state,
                correction_recorded: None,
            });
            excess -= 1;
        }
    } else if vacant.len() < target {
        occupied.shuffle(rng);
        let mut missing = target - vacant.len();
        for unit in occupied {
            if missing == 0 {
                break;
            }
            if !can_change(steps, unit) {
                continue;
            }
            let last = steps[unit].last().expect("a step").clone();
            let earliest = last.valid_from.max(reference_date - Days::new(540));
            let valid_from = date_after(earliest, reference_date, rng);
            steps[unit].push(Step {
                valid_from,
                state: with_status(&last.state, UnitStatus::Vacant),
                correction_recorded: None,
            });
            missing -= 1;
        }
    }
}

fn counted(steps: &[Vec<Step>], group: &[usize]) -> (usize, usize) {
    let (mut vacant, mut total) = (0, 0);
    for &unit in group {
        match steps[unit].last().expect("a step").state.status {
            UnitStatus::Vacant => {
                vacant += 1;
                total += 1;
            }
            UnitStatus::Occupied => total += 1,
            _ => {}
        }
    }
    (vacant, total)
}

/// When an event is recorded: a few days after it takes effect, a fixed
/// function of the unit and the event's position, never after the
/// reference date.
fn recorded_on(
    valid_from: NaiveDate,
    unit: usize,
    position: usize,
    reference_date: NaiveDate,
) -> NaiveDate {
    let delay = 1 + ((unit * 31 + position * 7) % 21) as u64;
    (valid_from + Days::new(delay)).min(reference_date)
}

fn recorded_at(date: NaiveDate, unit: usize, position: usize) -> chrono::DateTime<Utc> {
    let hour = 8 + ((unit + position) % 9) as u32;
    let minute = ((unit * 7 + position * 13) % 60) as u32;
    let time = NaiveTime::from_hms_opt(hour, minute, 0).expect("a valid time");
    Utc.from_utc_datetime(&date.and_time(time))
}

/// Simulate every unit; returns the units in their state on the reference
/// date and all their events, in event-id order.
pub fn simulate(
    inputs: &Inputs,
    units: &[UnitDraft],
    wijken: &[Wijk],
    frame: &Frame,
    reference_date: NaiveDate,
    rng: &mut ChaCha8Rng,
) -> (Vec<ShopUnit>, Vec<UnitEvent>) {
    let start = reference_date - Months::new(MONTHS);
    let profiles: Vec<Profile> = units
        .iter()
        .map(|unit| {
            let area = unit.area.map(|area| &inputs.areas[area]);
            let vacancy = area.map_or(SCATTERED_VACANCY, |area| area.vacancy);
            let draw = rng.random_range(0.0..1.0);
            Profile {
                shares: area.map_or(&SCATTERED_SHARES, |area| &area.shares),
                floor_factor: area.map_or(1.0, |area| area.floor_factor),
                wijk: &wijken[unit.wijk],
                p_close: BASE_CLOSE * vacancy / CITY_VACANCY,
                p_open: if draw < 0.70 {
                    0.10
                } else if draw < 0.90 {
                    0.03
                } else {
                    0.008
                },
            }
        })
        .collect();
    let mut steps: Vec<Vec<Step>> = units
        .iter()
        .zip(&profiles)
        .map(|(unit, profile)| simulate_unit(inputs, unit, profile, start, reference_date, rng))
        .collect();

    // Calibrate each area, then the city through the scattered shops.
    let mut groups: BTreeMap<Option<usize>, Vec<usize>> = BTreeMap::new();
    for (index, unit) in units.iter().enumerate() {
        groups.entry(unit.area).or_default().push(index);
    }
    for (area, group) in &groups {
        let rate = area.map_or(SCATTERED_VACANCY, |area| inputs.areas[area].vacancy);
        let (_, total) = counted(&steps, group);
        let target = (rate * total as f64).round() as usize;
        calibrate(
            inputs,
            &profiles,
            &mut steps,
            group,
            target,
            reference_date,
            rng,
        );
    }
    let everyone: Vec<usize> = (0..units.len()).collect();
    let (city_vacant, city_total) = counted(&steps, &everyone);
    let city_target = (CITY_VACANCY * city_total as f64).round() as i64;
    if let Some(scattered) = groups.get(&None) {
        let (vacant, total) = counted(&steps, scattered);
        let target =
            (vacant as i64 + city_target - city_vacant as i64).clamp(0, total as i64) as usize;
        calibrate(
            inputs,
            &profiles,
            &mut steps,
            scattered,
            target,
            reference_date,
            rng,
        );
    }

    // A few back-dated corrections of closures.
    for (unit, unit_steps) in steps.iter_mut().enumerate() {
        if !rng.random_bool(0.05) {
            continue;
        }
        let closure = (1..unit_steps.len()).find(|&position| {
            unit_steps[position].state.status == UnitStatus::Vacant
                && unit_steps[position - 1].state.status == UnitStatus::Occupied
                && (unit_steps[position].valid_from - unit_steps[position - 1].valid_from)
                    .num_days()
                    >= 45
        });
        let Some(position) = closure else { continue };
        let gap = (unit_steps[position].valid_from - unit_steps[position - 1].valid_from).num_days()
            as u64;
        let valid_from =
            unit_steps[position].valid_from - Days::new(rng.random_range(14..(gap - 1).min(90)));
        let first_recorded = recorded_on(
            unit_steps[position].valid_from,
            unit,
            position,
            reference_date,
        );
        let recorded = first_recorded + Days::new(rng.random_range(45..240));
        if recorded > reference_date {
            continue;
        }
        let state = unit_steps[position].state.clone();
        unit_steps.push(Step {
            valid_from,
            state,
            correction_recorded: Some(recorded),
        });
    }

    let mut events: Vec<UnitEvent> = Vec::new();
    for (unit, unit_steps) in steps.iter().enumerate() {
        for (position, step) in unit_steps.iter().enumerate() {
            let (date, note) = match step.correction_recorded {
                Some(date) => (date, Some(CORRECTION_NOTE.to_string())),
                None => (
                    recorded_on(step.valid_from, unit, position, reference_date),
                    (step.state.status == UnitStatus::NonCommercial)
                        .then(|| CONVERSION_NOTE.to_string()),
                ),
            };
            events.push(UnitEvent {
                event_id: 0,
                unit_id: units[unit].id.clone(),
                valid_from: step.valid_from,
                recorded_at: recorded_at(date, unit, position),
                recorded_by: RECORDED_BY.to_string(),
                status: step.state.status,
                category: step.state.category,
                kind: step.state.kind,
                floor_area_m2: step.state.floor_area_m2,
                occupant: step.state.occupant.clone(),
                note,
            });
        }
    }
    events.sort_by(|a, b| {
        (a.recorded_at, &a.unit_id, a.valid_from).cmp(&(b.recorded_at, &b.unit_id, b.valid_from))
    });
    for (index, event) in events.iter_mut().enumerate() {
        event.event_id = index as i64 + 1;
    }

    let skeletons: Vec<ShopUnit> = units
        .iter()
        .map(|unit| ShopUnit {
            id: unit.id.clone(),
            geometry: frame.to_lon_lat(unit.location_m).into(),
            address: unit.address.clone(),
            street: unit.street.clone(),
            floor_area_m2: unit.floor_area_m2,
            category: unit.category,
            kind: unit.kind,
            status: UnitStatus::Occupied,
            status_since: reference_date,
            occupant: None,
            area_id: unit.area.map(|area| inputs.areas[area].id.clone()),
        })
        .collect();
    let shop_units = units_on(&skeletons, &events, reference_date);
    assert_eq!(
        shop_units.len(),
        units.len(),
        "every unit exists on the reference date"
    );
    (shop_units, events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{neighbourhoods, stream};
    use geo::Coord;

    fn drafts(n: usize) -> Vec<UnitDraft> {
        (0..n)
            .map(|index| UnitDraft {
                id: format!("unit-{index:04}"),
                location_m: Coord {
                    x: index as f64,
                    y: 0.0,
                },
                address: format!("Teststraat {}", index + 1),
                street: "Teststraat".into(),
                area: None,
                wijk: 5,
                category: ShopCategory::Horeca,
                kind: None,
                floor_area_m2: 100.0,
            })
            .collect()
    }

    #[test]
    fn the_city_ends_at_its_target_vacancy_and_events_stop_at_the_reference_date() {
        let (inputs, frame) = (Inputs::embedded(), Frame::genk());
        let wijken = neighbourhoods::wijken(&inputs, &frame);
        let reference = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let units = drafts(400);
        let (shop_units, events) = simulate(
            &inputs,
            &units,
            &wijken,
            &frame,
            reference,
            &mut stream(9, "history"),
        );
        let vacant = shop_units
            .iter()
            .filter(|unit| unit.status == UnitStatus::Vacant)
            .count();
        let counted = shop_units
            .iter()
            .filter(|unit| matches!(unit.status, UnitStatus::Vacant | UnitStatus::Occupied))
            .count();
        assert_eq!(vacant, (CITY_VACANCY * counted as f64).round() as usize);
        assert!(events
            .iter()
            .all(|event| event.valid_from <= reference
                && event.recorded_at.date_naive() <= reference));
        let ids: Vec<i64> = events.iter().map(|event| event.event_id).collect();
        assert_eq!(ids, (1..=events.len() as i64).collect::<Vec<_>>());
    }

    #[test]
    fn recording_follows_the_event_by_a_few_days_but_never_passes_the_reference_date() {
        let reference = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let valid = NaiveDate::from_ymd_opt(2024, 3, 10).unwrap();
        let recorded = recorded_on(valid, 7, 2, reference);
        assert!(recorded > valid && (recorded - valid).num_days() <= 21);
        assert_eq!(recorded_on(reference, 7, 2, reference), reference);
    }
}
