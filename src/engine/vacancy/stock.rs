//! The retail stock: every shop unit with its in-force state sequence and its
//! groups, and the state of every unit on a date.
//!
//! A unit's history may hold corrections: a later record with the same or an
//! earlier valid-from. The sequence *in force* is the history as it stands
//! now, read on each distinct valid-from date
//! ([`UnitHistory::state_on`](crate::model::history::UnitHistory::state_on)): a record overruled on its own valid-from day
//! was never in force and does not break a run of statuses. Each entry keeps
//! the first day of its run of equal statuses (`status_since`), so the start
//! of the current vacancy on any date is one lookup.
//!
//! Groups: the city (one group, id `city`, name `Genk`); a shopping area by the
//! unit's `area_id` (units outside every area are in no group); a street by
//! the unit's `street` field (id and name both the street's name); a
//! neighbourhood by point-in-polygon (the polygon contains the point, its
//! boundary excluded, as `ST_Contains`) through the engine's index. Groups
//! come in id order; shopping areas and neighbourhoods are those of their
//! layers, streets those of the units in the stock.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use geo::{Contains, Point, Rect};

use super::places::PlaceMemo;
use super::VacancyError;
use crate::engine::{Engine, LayerIndex};
use crate::model::history::{HistoryIndex, HistoryView};
use crate::model::layers::LayerRecord;
use crate::model::{
    LayerId, Neighbourhood, ShopCategory, ShopUnit, ShoppingArea, UnitEvent, UnitStatus,
};

/// The id of the one group of `by=city` (its name is the engine's
/// [`Engine::city_name`]).
pub const CITY_ID: &str = "city";

/// How units are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grouping {
    City,
    ShoppingArea,
    Street,
    Neighbourhood,
}

impl Grouping {
    pub const ALL: [Grouping; 4] = [
        Grouping::City,
        Grouping::ShoppingArea,
        Grouping::Street,
        Grouping::Neighbourhood,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Grouping::City => "city",
            Grouping::ShoppingArea => "shopping_area",
            Grouping::Street => "street",
            Grouping::Neighbourhood => "neighbourhood",
        }
    }
}

impl std::str::FromStr for Grouping {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Grouping::ALL
            .into_iter()
            .find(|grouping| grouping.as_str() == text)
            .ok_or_else(|| {
                format!(
                    "unknown grouping '{text}' (expected one of: city, shopping_area, street, neighbourhood)"
                )
            })
    }
}

impl std::fmt::Display for Grouping {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One group of units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub name: String,
}

/// The groups of one grouping and the group of each unit (by unit index).
#[derive(Debug, Clone)]
pub struct Grouped {
    pub groups: Vec<Group>,
    pub group_of_unit: Vec<Option<usize>>,
}

/// A unit's state from `valid_from` until the next entry of its sequence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitState {
    pub valid_from: NaiveDate,
    pub status: UnitStatus,
    pub category: ShopCategory,
    /// Sales floor on that date, m².
    pub floor_area_m2: f64,
    /// The first day of the run of this status (the start of the current
    /// vacancy for a vacant unit).
    pub status_since: NaiveDate,
}

impl UnitState {
    /// Occupied, vacant or under renovation: counted in the retail stock.
    pub fn in_retail_stock(&self) -> bool {
        self.status != UnitStatus::NonCommercial
    }
}

/// A shop unit's fixed facts and its in-force state sequence.
#[derive(Debug, Clone)]
pub struct StockUnit {
    pub id: String,
    pub address: String,
    pub street: String,
    pub area_id: Option<String>,
    pub neighbourhood_id: Option<String>,
    in_force: Vec<UnitState>,
    /// x = longitude, y = latitude.
    point: Point<f64>,
}

impl StockUnit {
    /// The unit's point, x = longitude, y = latitude.
    pub fn point(&self) -> Point<f64> {
        self.point
    }

    /// The in-force sequence, one entry per distinct valid-from, in date order.
    pub fn in_force(&self) -> &[UnitState] {
        &self.in_force
    }

    /// The state on `date`, `None` before the unit's first event.
    pub fn state_on(&self, date: NaiveDate) -> Option<&UnitState> {
        let n_in_force = self
            .in_force
            .partition_point(|state| state.valid_from <= date);
        n_in_force.checked_sub(1).map(|index| &self.in_force[index])
    }
}

impl StockUnit {
    /// A unit of the stock from its decoded feature and in-force sequence.
    pub(super) fn of(
        unit: ShopUnit,
        in_force: Vec<UnitState>,
        neighbourhood_of: impl FnOnce(&ShopUnit) -> Option<String>,
    ) -> Self {
        StockUnit {
            neighbourhood_id: neighbourhood_of(&unit),
            point: unit.geometry,
            id: unit.id,
            address: unit.address,
            street: unit.street,
            area_id: unit.area_id,
            in_force,
        }
    }
}

/// The in-force sequence of one history: of each run of events with one
/// valid-from, the last (the one
/// [`UnitHistory::state_on`](crate::model::history::UnitHistory::state_on)
/// gives that day).
pub(super) fn in_force_sequence(history: HistoryView<'_>) -> Vec<UnitState> {
    let mut sequence: Vec<UnitState> = Vec::with_capacity(history.events().len());
    for event in history.events() {
        let date = event.valid_from;
        if let Some(last) = sequence.last() {
            if last.valid_from == date {
                // overruled by this later record of the same day
                sequence.pop();
            }
        }
        let status_since = match sequence.last() {
            Some(previous) if previous.status == event.status => previous.status_since,
            _ => date,
        };
        sequence.push(UnitState {
            valid_from: date,
            status: event.status,
            category: event.category,
            floor_area_m2: event.floor_area_m2,
            status_since,
        });
    }
    sequence
}

/// Every shop unit with a history, and the names of the groups.
#[derive(Debug, Clone, Default)]
pub struct RetailStock {
    pub(super) units: Vec<Arc<StockUnit>>,
    /// Shopping area id → name.
    pub(super) area_names: BTreeMap<String, String>,
    /// Neighbourhood id → name.
    pub(super) neighbourhood_names: BTreeMap<String, String>,
    /// What an engine's stock was built from (`None` for one built from
    /// units), to patch it for a later snapshot ([`super::patch`]).
    pub(super) source: Option<Arc<Source>>,
    /// The name of the one group of `by=city`.
    pub(super) city_name: Arc<str>,
}

/// The engine data a stock was built from.
#[derive(Debug)]
pub(super) struct Source {
    /// The shop-unit layer.
    pub units_layer: Arc<LayerIndex>,
    /// The number of events in the history (which only grows).
    pub n_events: usize,
    /// For each feature of the layer, its unit's position in the stock.
    pub unit_of_feature: Vec<Option<u32>>,
}

/// The position of the first unit of each id: every unit of one id reads
/// the same history.
fn first_position_of(units: &[ShopUnit]) -> HashMap<&str, usize> {
    let mut position_of: HashMap<&str, usize> = HashMap::with_capacity(units.len());
    for (position, unit) in units.iter().enumerate() {
        position_of.entry(unit.id.as_str()).or_insert(position);
    }
    position_of
}

/// Each unit's in-force sequence (by position in `units`; empty without events).
fn in_force_sequences(units: &[ShopUnit], events: &[UnitEvent]) -> Vec<Vec<UnitState>> {
    let position_of = first_position_of(units);
    let index = HistoryIndex::new(events, units.len(), |id| position_of.get(id).copied());
    units
        .iter()
        .map(|unit| in_force_sequence(index.history(events, position_of[unit.id.as_str()])))
        .collect()
}

impl RetailStock {
    /// The stock of `units` with their `events`; units without any event are
    /// left out (they never existed in the history). `neighbourhood_of` names
    /// the neighbourhood each unit lies in.
    pub fn new(
        units: &[ShopUnit],
        events: &[UnitEvent],
        areas: &[Group],
        neighbourhoods: &[Group],
        neighbourhood_of: impl Fn(&ShopUnit) -> Option<String>,
    ) -> Self {
        let sequences = in_force_sequences(units, events);
        let units = units
            .iter()
            .zip(sequences)
            .filter(|(_, in_force)| !in_force.is_empty())
            .map(|(unit, in_force)| {
                Arc::new(StockUnit {
                    id: unit.id.clone(),
                    address: unit.address.clone(),
                    street: unit.street.clone(),
                    area_id: unit.area_id.clone(),
                    neighbourhood_id: neighbourhood_of(unit),
                    in_force,
                    point: unit.geometry,
                })
            })
            .collect();
        RetailStock::of_units(units, areas, neighbourhoods)
    }

    /// As [`RetailStock::new`], taking the units' fields instead of copying them.
    pub fn from_units(
        units: Vec<ShopUnit>,
        events: &[UnitEvent],
        areas: &[Group],
        neighbourhoods: &[Group],
        neighbourhood_of: impl Fn(&ShopUnit) -> Option<String>,
    ) -> Self {
        RetailStock::positioned_from_units(units, events, areas, neighbourhoods, |_, unit| {
            neighbourhood_of(unit)
        })
        .0
    }

    /// As [`RetailStock::from_units`], with the position in `units` of each
    /// unit of the stock.
    pub(crate) fn positioned_from_units(
        units: Vec<ShopUnit>,
        events: &[UnitEvent],
        areas: &[Group],
        neighbourhoods: &[Group],
        neighbourhood_of: impl Fn(usize, &ShopUnit) -> Option<String>,
    ) -> (Self, Vec<u32>) {
        let sequences = in_force_sequences(&units, events);
        let mut positions = Vec::with_capacity(units.len());
        let units = units
            .into_iter()
            .zip(sequences)
            .enumerate()
            .filter(|(_, (_, in_force))| !in_force.is_empty())
            .map(|(position, (unit, in_force))| {
                positions.push(position as u32);
                Arc::new(StockUnit::of(unit, in_force, |unit| {
                    neighbourhood_of(position, unit)
                }))
            })
            .collect();
        (
            RetailStock::of_units(units, areas, neighbourhoods),
            positions,
        )
    }

    /// The stock of `units` with `source` recorded: `positions` are the
    /// units' features' positions in the source's layer.
    pub(super) fn with_source(mut self, engine: &Engine, positions: &[u32]) -> Self {
        let units_layer = Arc::clone(&engine.layers[&LayerId::ShopUnits]);
        let mut unit_of_feature = vec![None; units_layer.len()];
        for (unit_idx, position) in positions.iter().enumerate() {
            unit_of_feature[*position as usize] = Some(unit_idx as u32);
        }
        self.source = Some(Arc::new(Source {
            units_layer,
            n_events: engine.unit_events().len(),
            unit_of_feature,
        }));
        self.city_name = engine.city_name().into();
        self
    }

    fn of_units(units: Vec<Arc<StockUnit>>, areas: &[Group], neighbourhoods: &[Group]) -> Self {
        RetailStock {
            source: None,
            city_name: crate::engine::UNNAMED_CITY.into(),
            units,
            area_names: areas
                .iter()
                .map(|g| (g.id.clone(), g.name.clone()))
                .collect(),
            neighbourhood_names: neighbourhoods
                .iter()
                .map(|g| (g.id.clone(), g.name.clone()))
                .collect(),
        }
    }

    /// The stock of the engine's shop units and history, neighbourhoods found
    /// through the neighbourhood layer's index. Built on every call; the
    /// engine keeps one per snapshot ([`super::cache::retail_stock`]).
    pub fn from_engine(engine: &Engine) -> Result<Self, VacancyError> {
        RetailStock::from_engine_with(engine, None)
    }

    /// As [`RetailStock::from_engine`], the neighbourhood of a point read
    /// from `places` when it is known there (and added to it when not).
    pub fn from_engine_with(
        engine: &Engine,
        places: Option<&PlaceMemo>,
    ) -> Result<Self, VacancyError> {
        let units: Vec<ShopUnit> = decode(engine, LayerId::ShopUnits)?;
        let areas: Vec<ShoppingArea> = decode(engine, LayerId::ShoppingAreas)?;
        let neighbourhoods: Vec<Neighbourhood> = decode(engine, LayerId::Neighbourhoods)?;
        let area_groups: Vec<Group> = areas
            .iter()
            .map(|area| Group {
                id: area.id.clone(),
                name: area.name.clone(),
            })
            .collect();
        let neighbourhood_groups: Vec<Group> = neighbourhoods
            .iter()
            .map(|n| Group {
                id: n.id.clone(),
                name: n.name.clone(),
            })
            .collect();
        let find = neighbourhood_finder(engine, &neighbourhoods);
        let id_of = |position: Option<u32>| {
            position.map(|position| neighbourhoods[position as usize].id.clone())
        };
        let (stock, positions) = match places {
            None => RetailStock::positioned_from_units(
                units,
                engine.unit_events(),
                &area_groups,
                &neighbourhood_groups,
                |_, unit| id_of(find(unit.geometry)),
            ),
            Some(places) => {
                let points: Vec<Point<f64>> = units.iter().map(|unit| unit.geometry).collect();
                let found = places.neighbourhoods(&points, find);
                RetailStock::positioned_from_units(
                    units,
                    engine.unit_events(),
                    &area_groups,
                    &neighbourhood_groups,
                    |position, _| id_of(found[position]),
                )
            }
        };
        Ok(stock.with_source(engine, &positions))
    }

    pub fn units(&self) -> &[Arc<StockUnit>] {
        &self.units
    }

    /// The newest valid-from of any event: the default date of the figures.
    pub fn latest_valid_from(&self) -> Option<NaiveDate> {
        self.units
            .iter()
            .filter_map(|unit| unit.in_force.last())
            .map(|state| state.valid_from)
            .max()
    }

    /// The groups of `grouping` and each unit's group.
    pub fn grouped(&self, grouping: Grouping) -> Grouped {
        match grouping {
            Grouping::City => Grouped {
                groups: vec![Group {
                    id: CITY_ID.into(),
                    name: self.city_name.to_string(),
                }],
                group_of_unit: vec![Some(0); self.units.len()],
            },
            Grouping::ShoppingArea => {
                self.grouped_by(&self.area_names, |unit| unit.area_id.as_deref())
            }
            Grouping::Neighbourhood => self.grouped_by(&self.neighbourhood_names, |unit| {
                unit.neighbourhood_id.as_deref()
            }),
            Grouping::Street => {
                self.grouped_by(&BTreeMap::new(), |unit| Some(unit.street.as_str()))
            }
        }
    }

    /// Groups named in `names` (id order), plus any id a unit carries that
    /// `names` lacks (named after its id).
    fn grouped_by<'a>(
        &'a self,
        names: &'a BTreeMap<String, String>,
        key: impl Fn(&'a StockUnit) -> Option<&'a str>,
    ) -> Grouped {
        // each distinct key once, in unit order; then all ids in id order
        let mut key_of_unit: Vec<Option<u32>> = Vec::with_capacity(self.units.len());
        let mut distinct: HashMap<&'a str, u32> = HashMap::new();
        for unit in &self.units {
            key_of_unit.push(key(unit).map(|id| {
                let next = distinct.len() as u32;
                *distinct.entry(id).or_insert(next)
            }));
        }
        let mut all: BTreeMap<&'a str, &'a str> = names
            .iter()
            .map(|(id, name)| (id.as_str(), name.as_str()))
            .collect();
        for id in distinct.keys() {
            all.entry(id).or_insert(id);
        }
        let mut group_of_key = vec![0usize; distinct.len()];
        for (position, id) in all.keys().enumerate() {
            if let Some(key_idx) = distinct.get(id) {
                group_of_key[*key_idx as usize] = position;
            }
        }
        Grouped {
            groups: all
                .iter()
                .map(|(id, name)| Group {
                    id: (*id).to_string(),
                    name: (*name).to_string(),
                })
                .collect(),
            group_of_unit: key_of_unit
                .into_iter()
                .map(|key_idx| key_idx.map(|key_idx| group_of_key[key_idx as usize]))
                .collect(),
        }
    }
}

/// The position of the neighbourhood containing a point (boundary
/// excluded, as `ST_Contains`), found through the layer's index.
pub(super) fn neighbourhood_finder<'a>(
    engine: &'a Engine,
    neighbourhoods: &'a [Neighbourhood],
) -> impl Fn(Point<f64>) -> Option<u32> + 'a {
    let index = engine.layer(LayerId::Neighbourhoods);
    move |point: Point<f64>| {
        index
            .query_bbox(Rect::new(point.0, point.0))
            .into_iter()
            .find(|position| neighbourhoods[*position].geometry.contains(&point))
            .map(|position| position as u32)
    }
}

pub(crate) fn decode<T: LayerRecord>(
    engine: &Engine,
    layer: LayerId,
) -> Result<Vec<T>, VacancyError> {
    engine
        .layer(layer)
        .features()
        .iter()
        .map(|feature| {
            T::from_feature(feature).map_err(|source| VacancyError::Feature {
                layer: layer.as_str(),
                feature_id: feature.id.clone(),
                source,
            })
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use geo::point;

    pub(crate) fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a test date")
    }

    /// A unit event, recorded at 10:00 on `recorded`.
    pub(crate) fn event(
        event_id: i64,
        unit_id: &str,
        valid_from: &str,
        recorded: &str,
        status: UnitStatus,
    ) -> UnitEvent {
        UnitEvent {
            event_id,
            unit_id: unit_id.into(),
            valid_from: day(valid_from),
            recorded_at: Utc
                .from_utc_datetime(&day(recorded).and_hms_opt(10, 0, 0).expect("a valid time")),
            recorded_by: "winkelteam".into(),
            status,
            category: ShopCategory::Periodic,
            kind: None,
            floor_area_m2: 100.0,
            occupant: Some("Vertrouwelijk BV".into()),
            note: None,
        }
    }

    pub(crate) fn unit(id: &str, street: &str, area_id: Option<&str>) -> ShopUnit {
        ShopUnit {
            id: id.into(),
            geometry: point!(x: 5.5, y: 50.96),
            address: format!("{street} {id}"),
            street: street.into(),
            floor_area_m2: 100.0,
            category: ShopCategory::Periodic,
            kind: None,
            status: UnitStatus::Occupied,
            status_since: day("2020-01-01"),
            occupant: None,
            area_id: area_id.map(str::to_string),
        }
    }

    /// A stock of `units` in the city, every unit in neighbourhood "w1".
    pub(crate) fn stock(units: &[ShopUnit], events: &[UnitEvent]) -> RetailStock {
        let areas = [Group {
            id: "centrum".into(),
            name: "Centrum Genk".into(),
        }];
        let neighbourhoods = [Group {
            id: "w1".into(),
            name: "Genk-Centrum".into(),
        }];
        RetailStock::new(units, events, &areas, &neighbourhoods, |_| {
            Some("w1".into())
        })
    }

    #[test]
    fn a_correction_on_the_same_day_was_never_in_force() {
        use UnitStatus::*;
        let events = [
            event(1, "u1", "2020-01-01", "2020-01-01", Vacant),
            event(2, "u1", "2022-06-01", "2022-06-01", Occupied),
            // the opening of 1 June 2022 was a mistake: still vacant
            event(3, "u1", "2022-06-01", "2022-08-01", Vacant),
        ];
        let stock = stock(&[unit("u1", "Vennestraat", None)], &events);
        let state = stock.units()[0].state_on(day("2023-01-01")).unwrap();
        assert_eq!(state.status, Vacant);
        assert_eq!(state.status_since, day("2020-01-01"));
        assert_eq!(stock.units()[0].in_force().len(), 2);
    }

    #[test]
    fn a_unit_without_events_is_not_in_the_stock_and_groups_cover_every_unit() {
        use UnitStatus::*;
        let units = [
            unit("u1", "Vennestraat", Some("centrum")),
            unit("u2", "Stalenstraat", Some("elders")),
            unit("u3", "Hoogstraat", None),
        ];
        let events = [
            event(1, "u1", "2020-01-01", "2020-01-01", Occupied),
            event(2, "u2", "2020-01-01", "2020-01-01", Vacant),
        ];
        let stock = stock(&units, &events);
        assert_eq!(stock.units().len(), 2);
        let by_area = stock.grouped(Grouping::ShoppingArea);
        let ids: Vec<&str> = by_area.groups.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(ids, ["centrum", "elders"]);
        assert_eq!(by_area.group_of_unit, [Some(0), Some(1)]);
        let by_street = stock.grouped(Grouping::Street);
        assert_eq!(by_street.groups.len(), 2);
        assert_eq!(
            stock.grouped(Grouping::City).group_of_unit,
            [Some(0), Some(0)]
        );
        assert_eq!(stock.latest_valid_from(), Some(day("2020-01-01")));
        assert_eq!("street".parse::<Grouping>(), Ok(Grouping::Street));
        assert!("wijk".parse::<Grouping>().is_err());
    }

    /// The stock as it was computed before the history index: every event
    /// copied into a [`UnitHistory`](crate::model::history::UnitHistory) per
    /// unit id, the sequence read with `state_on` on each distinct
    /// valid-from, neighbourhoods by a linear scan.
    mod reference {
        use super::super::*;
        use crate::model::history::{histories, UnitHistory};

        pub(crate) struct OldUnit {
            pub id: String,
            pub address: String,
            pub street: String,
            pub area_id: Option<String>,
            pub neighbourhood_id: Option<String>,
            pub in_force: Vec<UnitState>,
        }

        fn in_force_sequence(history: &UnitHistory) -> Vec<UnitState> {
            let mut dates: Vec<NaiveDate> = history
                .events()
                .iter()
                .map(|event| event.valid_from)
                .collect();
            dates.dedup();
            let mut sequence: Vec<UnitState> = Vec::new();
            for date in dates {
                let Some(event) = history.state_on(date) else {
                    continue;
                };
                let status_since = match sequence.last() {
                    Some(previous) if previous.status == event.status => previous.status_since,
                    _ => date,
                };
                sequence.push(UnitState {
                    valid_from: date,
                    status: event.status,
                    category: event.category,
                    floor_area_m2: event.floor_area_m2,
                    status_since,
                });
            }
            sequence
        }

        pub(crate) fn old_units(engine: &Engine) -> Vec<OldUnit> {
            let units: Vec<ShopUnit> = decode(engine, LayerId::ShopUnits).unwrap();
            let neighbourhoods: Vec<Neighbourhood> =
                decode(engine, LayerId::Neighbourhoods).unwrap();
            let histories = histories(engine.unit_events());
            units
                .iter()
                .filter_map(|unit| {
                    let in_force = in_force_sequence(histories.get(&unit.id)?);
                    if in_force.is_empty() {
                        return None;
                    }
                    Some(OldUnit {
                        id: unit.id.clone(),
                        address: unit.address.clone(),
                        street: unit.street.clone(),
                        area_id: unit.area_id.clone(),
                        neighbourhood_id: neighbourhoods
                            .iter()
                            .find(|n| n.geometry.contains(&unit.geometry))
                            .map(|n| n.id.clone()),
                        in_force,
                    })
                })
                .collect()
        }

        /// The groups of the old `grouped`: a map of every key, cloned.
        pub(crate) fn old_grouped(
            units: &[OldUnit],
            names: &BTreeMap<String, String>,
            key: impl Fn(&OldUnit) -> Option<String>,
        ) -> (Vec<(String, String)>, Vec<Option<usize>>) {
            let mut names = names.clone();
            let keys: Vec<Option<String>> = units.iter().map(key).collect();
            for id in keys.iter().flatten() {
                names.entry(id.clone()).or_insert_with(|| id.clone());
            }
            let ids: Vec<&String> = names.keys().collect();
            let group_of_unit = keys
                .iter()
                .map(|id| id.as_ref().and_then(|id| ids.iter().position(|k| *k == id)))
                .collect();
            (names.clone().into_iter().collect(), group_of_unit)
        }
    }

    /// The new stock of `engine` is the old computation's, unit for unit,
    /// and so is every grouping and the state on each of `dates`.
    /// Both as built afresh and as the engine keeps it (reading the points'
    /// neighbourhoods and cells from the snapshots before).
    fn assert_same_as_before(engine: &Engine, dates: &[NaiveDate]) {
        let old = reference::old_units(engine);
        let kept = crate::engine::vacancy::cache::retail_stock(engine).unwrap();
        for stock in [RetailStock::from_engine(engine).unwrap(), (*kept).clone()] {
            assert_same_stock(engine, &stock, &old, dates);
        }
        let kept = crate::engine::vacancy::cache::located_stock(engine).unwrap();
        let fresh = crate::engine::vacancy::h3::LocatedStock::from_engine(engine).unwrap();
        for located in [fresh, (*kept).clone()] {
            assert_same_located(engine, &located, &old);
        }
    }

    fn assert_same_stock(
        engine: &Engine,
        stock: &RetailStock,
        old: &[reference::OldUnit],
        dates: &[NaiveDate],
    ) {
        assert_eq!(stock.units().len(), old.len());
        assert!(old.len() > 100, "a demo with units");
        for (new, old) in stock.units().iter().zip(old) {
            assert_eq!(new.id, old.id);
            assert_eq!(new.address, old.address);
            assert_eq!(new.street, old.street);
            assert_eq!(new.area_id, old.area_id);
            assert_eq!(new.neighbourhood_id, old.neighbourhood_id, "{}", new.id);
            assert_eq!(new.in_force(), old.in_force.as_slice(), "{}", new.id);
            for date in dates {
                let old_state = {
                    let n = old.in_force.partition_point(|s| s.valid_from <= *date);
                    n.checked_sub(1).map(|i| &old.in_force[i])
                };
                assert_eq!(new.state_on(*date), old_state, "{} on {date}", new.id);
            }
        }
        let areas: BTreeMap<String, String> =
            decode::<ShoppingArea>(engine, LayerId::ShoppingAreas)
                .unwrap()
                .into_iter()
                .map(|area| (area.id, area.name))
                .collect();
        let neighbourhoods: BTreeMap<String, String> =
            decode::<Neighbourhood>(engine, LayerId::Neighbourhoods)
                .unwrap()
                .into_iter()
                .map(|n| (n.id, n.name))
                .collect();
        let none = BTreeMap::new();
        let expected = [
            (
                Grouping::ShoppingArea,
                reference::old_grouped(old, &areas, |u| u.area_id.clone()),
            ),
            (
                Grouping::Neighbourhood,
                reference::old_grouped(old, &neighbourhoods, |u| u.neighbourhood_id.clone()),
            ),
            (
                Grouping::Street,
                reference::old_grouped(old, &none, |u| Some(u.street.clone())),
            ),
        ];
        for (grouping, (groups, group_of_unit)) in expected {
            let grouped = stock.grouped(grouping);
            let new_groups: Vec<(String, String)> = grouped
                .groups
                .into_iter()
                .map(|group| (group.id, group.name))
                .collect();
            assert_eq!(new_groups, groups, "{grouping}");
            assert_eq!(grouped.group_of_unit, group_of_unit, "{grouping}");
        }
    }

    /// The located stock holds the same units, with their points and cells.
    fn assert_same_located(
        engine: &Engine,
        located: &crate::engine::vacancy::h3::LocatedStock,
        old: &[reference::OldUnit],
    ) {
        use crate::engine::vacancy::h3::{cell_of, HexResolution};
        let units: Vec<ShopUnit> = decode(engine, LayerId::ShopUnits).unwrap();
        assert_eq!(located.stock().units().len(), old.len());
        let points = located.points();
        for (position, (unit, old)) in located.stock().units().iter().zip(old).enumerate() {
            assert_eq!(unit.id, old.id);
            assert_eq!(unit.in_force(), old.in_force.as_slice());
            let shop_unit = units.iter().find(|u| u.id == unit.id).unwrap();
            assert_eq!(points[position], shop_unit.geometry);
            for resolution in HexResolution::ALL {
                assert_eq!(
                    located.cells(resolution)[position],
                    cell_of(points[position], resolution.h3())
                );
            }
        }
    }

    #[test]
    fn the_stock_is_the_old_computation_on_the_demo_before_and_after_edits() {
        use crate::demo::{generate, DemoParams};
        use crate::engine::vacancy::cache::retail_stock;
        use crate::model::layers::LayerRecord;
        use UnitStatus::*;
        let params = DemoParams::default();
        let reference = params.reference_date;
        let dataset = generate(&params);
        let engine = Engine::from_dataset(&dataset);
        let dates = [
            day("2005-01-01"),
            day("2019-12-31"),
            day("2024-02-29"),
            reference
                .checked_sub_months(chrono::Months::new(13))
                .unwrap(),
            reference,
            reference
                .checked_add_months(chrono::Months::new(12))
                .unwrap(),
        ];
        assert_same_as_before(&engine, &dates);
        let kept = retail_stock(&engine).unwrap();
        assert!(std::sync::Arc::ptr_eq(
            &kept,
            &retail_stock(&engine).unwrap()
        ));

        // edits as the API makes them: a back-dated correction, a record
        // overruling another of the same day, a new unit; the shop-unit
        // features upserted and the events added
        let newest = engine
            .unit_events()
            .iter()
            .map(|e| e.event_id)
            .max()
            .unwrap();
        let units: Vec<ShopUnit> = decode(&engine, LayerId::ShopUnits).unwrap();
        let (first, second) = (&units[0], &units[1]);
        let second_last = engine
            .unit_events()
            .iter()
            .filter(|e| e.unit_id == second.id)
            .map(|e| e.valid_from)
            .max()
            .unwrap();
        let mut correction = event(newest + 1, &first.id, "2018-03-01", "2026-11-01", Vacant);
        correction.recorded_at = chrono::Utc::now();
        let mut overrule = event(
            newest + 2,
            &second.id,
            "2000-01-01",
            "2026-11-01",
            NonCommercial,
        );
        overrule.valid_from = second_last;
        overrule.recorded_at = chrono::Utc::now();
        let mut created = unit("zz-new", "Vennestraat", None);
        // a point not seen before, next to one seen
        created.geometry = geo::point!(x: first.geometry.x() + 1e-4, y: first.geometry.y());
        let opening = event(newest + 3, "zz-new", "2023-05-01", "2023-05-01", Occupied);
        let edited = engine
            .with_upserted(
                LayerId::ShopUnits,
                vec![
                    first.to_feature(),
                    second.to_feature(),
                    created.to_feature(),
                ],
            )
            .with_events_added(vec![correction, overrule, opening]);
        assert_same_as_before(&edited, &dates);
        let after = retail_stock(&edited).unwrap();
        assert!(
            !std::sync::Arc::ptr_eq(&kept, &after),
            "a new snapshot, a new stock"
        );
        assert_eq!(after.units().len(), kept.units().len() + 1);
        let changed = after.units().iter().find(|u| u.id == first.id).unwrap();
        assert_eq!(changed.state_on(day("2018-03-01")).unwrap().status, Vacant);
        let overruled = after.units().iter().find(|u| u.id == second.id).unwrap();
        assert_eq!(
            overruled.state_on(second_last).unwrap().status,
            NonCommercial
        );
        crate::engine::vacancy::cache::located_stock(&edited).unwrap();

        // edits that keep the units' ids: the stocks are patched from the
        // ones before (unchanged units shared), and still the old computation's
        let units: Vec<ShopUnit> = decode(&edited, LayerId::ShopUnits).unwrap();
        let mut moved = units[2].clone();
        moved.address = "Vennestraat 999".into();
        moved.street = "Vennestraat".into();
        moved.geometry = geo::point!(x: moved.geometry.x() - 2e-4, y: moved.geometry.y());
        let reopened = event(
            newest + 4,
            &units[3].id,
            "2026-06-01",
            "2026-11-02",
            Occupied,
        );
        let closed_new = event(newest + 5, "zz-new", "2024-01-01", "2026-11-02", Vacant);
        let patched = edited
            .with_upserted(LayerId::ShopUnits, vec![moved.to_feature()])
            .with_events_added(vec![reopened, closed_new]);
        assert_same_as_before(&patched, &dates);
        let twice = patched.with_events_added(vec![event(
            newest + 6,
            &units[4].id,
            "2019-02-01",
            "2026-11-03",
            Renovation,
        )]);
        assert_same_as_before(&twice, &dates);
        let (before, now) = (
            retail_stock(&edited).unwrap(),
            retail_stock(&twice).unwrap(),
        );
        let shared = |id: &str| {
            let find = |stock: &RetailStock| {
                std::sync::Arc::clone(stock.units().iter().find(|u| u.id == id).unwrap())
            };
            std::sync::Arc::ptr_eq(&find(&before), &find(&now))
        };
        assert!(shared(&units[5].id), "an unchanged unit is shared");
        for changed in [
            &units[2].id,
            &units[3].id,
            &units[4].id,
            &"zz-new".to_string(),
        ] {
            assert!(!shared(changed), "{changed} is built again");
        }
        let located = crate::engine::vacancy::cache::located_stock(&twice).unwrap();
        let moved_unit = located
            .stock()
            .units()
            .iter()
            .position(|u| u.id == moved.id)
            .unwrap();
        assert_eq!(located.points()[moved_unit], moved.geometry);
        // more changed units than are compared one by one
        let many: Vec<UnitEvent> = (0..12)
            .map(|k| {
                let status = [Vacant, Occupied, Renovation][k % 3];
                let valid_from = ["2017-05-01", "2021-09-01", "2026-09-30"][k % 3];
                event(
                    newest + 10 + k as i64,
                    &units[20 + 7 * k].id,
                    valid_from,
                    "2026-11-04",
                    status,
                )
            })
            .collect();
        let thrice = twice.with_events_added(many);
        assert_same_as_before(&thrice, &dates);
    }
}
