//! The units of one group (a shopping area, a street, a neighbourhood or the
//! city) on a date, each with its state then: the list behind a row of the
//! vacancy table. Public facts only, never the occupant.

use chrono::NaiveDate;

use super::duration::months_between;
use super::stock::{Group, Grouping, RetailStock};
use crate::engine::search::natural_order;
use crate::model::{ShopCategory, UnitStatus};

/// One unit as it stood on the date.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedUnit {
    pub unit_id: String,
    pub address: String,
    pub street: String,
    pub status: UnitStatus,
    /// The first day of the run of this status.
    pub status_since: NaiveDate,
    /// Whole months from `status_since` to the date.
    pub months_in_status: u32,
    pub category: ShopCategory,
    pub floor_area_m2: f64,
    /// x = longitude, y = latitude.
    pub lon: f64,
    pub lat: f64,
}

/// The units of group `group_id` of `grouping` that existed on `date`
/// (`status` keeps one status only), vacant first and longest vacant first,
/// then under renovation, occupied and non-commercial, each by address
/// (Vennestraat 2 before Vennestraat 10). `None` when there is no such group.
pub fn units_of(
    stock: &RetailStock,
    grouping: Grouping,
    group_id: &str,
    date: NaiveDate,
    status: Option<UnitStatus>,
) -> Option<(Group, Vec<ListedUnit>)> {
    let grouped = stock.grouped(grouping);
    let index = grouped
        .groups
        .iter()
        .position(|group| group.id == group_id)?;
    let mut listed: Vec<ListedUnit> = stock
        .units()
        .iter()
        .zip(&grouped.group_of_unit)
        .filter(|(_, group)| **group == Some(index))
        .filter_map(|(unit, _)| {
            let state = unit.state_on(date)?;
            if status.is_some_and(|wanted| wanted != state.status) {
                return None;
            }
            let point = unit.point();
            Some(ListedUnit {
                unit_id: unit.id.clone(),
                address: unit.address.clone(),
                street: unit.street.clone(),
                status: state.status,
                status_since: state.status_since,
                months_in_status: months_between(state.status_since, date),
                category: state.category,
                floor_area_m2: state.floor_area_m2,
                lon: point.x(),
                lat: point.y(),
            })
        })
        .collect();
    listed.sort_by_cached_key(|unit| {
        let since = match unit.status {
            UnitStatus::Vacant => Some(unit.status_since),
            _ => None,
        };
        (
            status_rank(unit.status),
            since,
            natural_order(&unit.address),
        )
    });
    Some((grouped.groups[index].clone(), listed))
}

fn status_rank(status: UnitStatus) -> u8 {
    match status {
        UnitStatus::Vacant => 0,
        UnitStatus::Renovation => 1,
        UnitStatus::Occupied => 2,
        UnitStatus::NonCommercial => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::vacancy::stock::tests::{day, event, stock, unit};
    use crate::engine::vacancy::stock::CITY_ID;
    use UnitStatus::*;

    fn ids(listed: &[ListedUnit]) -> Vec<&str> {
        listed.iter().map(|unit| unit.unit_id.as_str()).collect()
    }

    #[test]
    fn a_group_lists_its_units_on_the_date_vacant_first_longest_first() {
        let units = [
            unit("10", "Vennestraat", Some("centrum")),
            unit("2", "Vennestraat", Some("centrum")),
            unit("7", "Vennestraat", Some("centrum")),
            unit("3", "Vennestraat", Some("centrum")),
            unit("9", "Stalenstraat", None),
            unit("5", "Vennestraat", Some("centrum")),
        ];
        let events = [
            event(1, "10", "2020-01-01", "2020-01-01", Occupied),
            event(2, "2", "2020-01-01", "2020-01-01", Occupied),
            event(3, "7", "2021-03-01", "2021-03-01", Vacant),
            event(4, "3", "2020-01-01", "2020-01-01", Vacant),
            event(5, "9", "2020-01-01", "2020-01-01", Vacant),
            // not yet there on the date
            event(6, "5", "2024-01-01", "2024-01-01", Vacant),
            event(7, "2", "2022-05-01", "2022-05-01", Renovation),
        ];
        let stock = stock(&units, &events);
        let date = day("2023-01-01");
        let (group, listed) =
            units_of(&stock, Grouping::ShoppingArea, "centrum", date, None).unwrap();
        assert_eq!(group.name, "Centrum Genk");
        // vacant since 2020 (3), since 2021 (7); renovation (2); occupied (10)
        assert_eq!(ids(&listed), ["3", "7", "2", "10"]);
        assert_eq!(listed[0].months_in_status, 36);
        assert_eq!(listed[1].status_since, day("2021-03-01"));
        assert_eq!(listed[1].months_in_status, 22);
        assert_eq!(listed[2].status, Renovation);

        let (_, vacant) = units_of(
            &stock,
            Grouping::ShoppingArea,
            "centrum",
            date,
            Some(Vacant),
        )
        .unwrap();
        assert_eq!(ids(&vacant), ["3", "7"]);
        let (_, later) = units_of(
            &stock,
            Grouping::ShoppingArea,
            "centrum",
            day("2024-06-01"),
            Some(Vacant),
        )
        .unwrap();
        assert_eq!(ids(&later), ["3", "7", "5"]);
        assert!(units_of(&stock, Grouping::ShoppingArea, "nergens", date, None).is_none());
    }

    #[test]
    fn occupied_units_sort_by_house_number() {
        let units = [
            unit("10", "Vennestraat", None),
            unit("2", "Vennestraat", None),
            unit("1", "Stalenstraat", None),
        ];
        let events = [
            event(1, "10", "2020-01-01", "2020-01-01", Occupied),
            event(2, "2", "2020-01-01", "2020-01-01", Occupied),
            event(3, "1", "2020-01-01", "2020-01-01", Occupied),
        ];
        let stock = stock(&units, &events);
        let (_, listed) =
            units_of(&stock, Grouping::City, CITY_ID, day("2021-01-01"), None).unwrap();
        assert_eq!(ids(&listed), ["1", "2", "10"]);
    }
}
