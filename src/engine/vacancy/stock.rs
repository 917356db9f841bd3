//! The retail stock: every shop unit with its in-force state sequence and its
//! groups, and the state of every unit on a date.
//!
//! A unit's history may hold corrections: a later record with the same or an
//! earlier valid-from. The sequence *in force* is the history as it stands
//! now, read on each distinct valid-from date
//! ([`UnitHistory::state_on`]): a record overruled on its own valid-from day
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

use std::collections::BTreeMap;

use chrono::NaiveDate;
use geo::{Contains, Rect};

use super::VacancyError;
use crate::engine::Engine;
use crate::model::history::{histories, UnitHistory};
use crate::model::layers::LayerRecord;
use crate::model::{
    LayerId, Neighbourhood, ShopCategory, ShopUnit, ShoppingArea, UnitEvent, UnitStatus,
};

/// The id and name of the one group of `by=city`.
pub const CITY_ID: &str = "city";
pub const CITY_NAME: &str = "Genk";

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
}

impl StockUnit {
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

/// The in-force sequence of one history.
fn in_force_sequence(history: &UnitHistory) -> Vec<UnitState> {
    let mut dates: Vec<NaiveDate> = history
        .events()
        .iter()
        .map(|event| event.valid_from)
        .collect();
    dates.dedup();
    let mut sequence: Vec<UnitState> = Vec::with_capacity(dates.len());
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

/// Every shop unit with a history, and the names of the groups.
#[derive(Debug, Clone, Default)]
pub struct RetailStock {
    units: Vec<StockUnit>,
    /// Shopping area id → name.
    area_names: BTreeMap<String, String>,
    /// Neighbourhood id → name.
    neighbourhood_names: BTreeMap<String, String>,
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
        let histories = histories(events);
        let units = units
            .iter()
            .filter_map(|unit| {
                let history = histories.get(&unit.id)?;
                let in_force = in_force_sequence(history);
                if in_force.is_empty() {
                    return None;
                }
                Some(StockUnit {
                    id: unit.id.clone(),
                    address: unit.address.clone(),
                    street: unit.street.clone(),
                    area_id: unit.area_id.clone(),
                    neighbourhood_id: neighbourhood_of(unit),
                    in_force,
                })
            })
            .collect();
        RetailStock {
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
    /// through the neighbourhood layer's index.
    pub fn from_engine(engine: &Engine) -> Result<Self, VacancyError> {
        let units: Vec<ShopUnit> = decode(engine, LayerId::ShopUnits)?;
        let areas: Vec<ShoppingArea> = decode(engine, LayerId::ShoppingAreas)?;
        let neighbourhoods: Vec<Neighbourhood> = decode(engine, LayerId::Neighbourhoods)?;
        let neighbourhood_index = engine.layer(LayerId::Neighbourhoods);
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
        let neighbourhood_of = |unit: &ShopUnit| {
            let point = unit.geometry;
            neighbourhood_index
                .query_bbox(Rect::new(point.0, point.0))
                .into_iter()
                .find(|position| neighbourhoods[*position].geometry.contains(&point))
                .map(|position| neighbourhoods[position].id.clone())
        };
        Ok(RetailStock::new(
            &units,
            engine.unit_events(),
            &area_groups,
            &neighbourhood_groups,
            neighbourhood_of,
        ))
    }

    pub fn units(&self) -> &[StockUnit] {
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
                    name: CITY_NAME.into(),
                }],
                group_of_unit: vec![Some(0); self.units.len()],
            },
            Grouping::ShoppingArea => {
                self.grouped_by(&self.area_names, |unit| unit.area_id.clone())
            }
            Grouping::Neighbourhood => self.grouped_by(&self.neighbourhood_names, |unit| {
                unit.neighbourhood_id.clone()
            }),
            Grouping::Street => {
                let streets: BTreeMap<String, String> = self
                    .units
                    .iter()
                    .map(|unit| (unit.street.clone(), unit.street.clone()))
                    .collect();
                self.grouped_by(&streets, |unit| Some(unit.street.clone()))
            }
        }
    }

    /// Groups named in `names` (id order), plus any id a unit carries that
    /// `names` lacks (named after its id).
    fn grouped_by(
        &self,
        names: &BTreeMap<String, String>,
        key: impl Fn(&StockUnit) -> Option<String>,
    ) -> Grouped {
        let mut names = names.clone();
        let keys: Vec<Option<String>> = self.units.iter().map(key).collect();
        for id in keys.iter().flatten() {
            names.entry(id.clone()).or_insert_with(|| id.clone());
        }
        let position_of: BTreeMap<&str, usize> = names
            .keys()
            .enumerate()
            .map(|(position, id)| (id.as_str(), position))
            .collect();
        let group_of_unit = keys
            .iter()
            .map(|id| id.as_deref().and_then(|id| position_of.get(id).copied()))
            .collect();
        Grouped {
            groups: names
                .iter()
                .map(|(id, name)| Group {
                    id: id.clone(),
                    name: name.clone(),
                })
                .collect(),
            group_of_unit,
        }
    }
}

fn decode<T: LayerRecord>(engine: &Engine, layer: LayerId) -> Result<Vec<T>, VacancyError> {
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
}
