//! Buildings with an address in an OpenStreetMap extract as residents: the
//! fallback source of the `residents` layer when the city has no address
//! register to import.
//!
//! A building counts when it is a closed way or a multipolygon relation
//! (GDAL's `multipolygons` layer) with `building=*` and `addr:housenumber`,
//! and either a residential kind ([`is_residential`]: house, detached,
//! semidetached_house, terrace, residential, apartments, ..., and `yes`,
//! which with an address is a home far more often than not in Flanders) or
//! any kind with `building:flats` (flats above a shop). A shop, office,
//! church, garage or shed without flats is left out, as is any building
//! without a house number. The resident is a point on the building's surface
//! (geo's interior point: inside even for an L-shaped footprint), x =
//! longitude, y = latitude; its id is `osm-way-N` or `osm-relation-N`.
//!
//! Population per building (see [`households`]): `building:flats`
//! households when tagged; else an apartment block has one flat per storey
//! (`building:levels`, at least 1); else one household. Each household is
//! [`HOUSEHOLD_SIZE_FLANDERS`] people, an assumption (see the constant).
//! People are whole: buildings get their share by cumulative rounding in
//! reading order, so the extract's total is the rounded sum of the exact
//! expectations and every building is within one person of its own.
//!
//! Whether they are written is [`ResidentsPolicy`]: by default only into a
//! store that holds no residents, or only residents of an earlier OSM import
//! (OSM is the source of last resort: an address register is better).

use geo::{Geometry, InteriorPoint};

use super::Problem;
use crate::model::{Feature, LayerId, Value};
use crate::store::{Store, StoreError};

/// People per private household, the assumption behind every OSM resident.
///
/// ASSUMPTION: about 2.3 people per household in the Flemish Region
/// (Statistiek Vlaanderen, "Huishoudens", the average private household size
/// of the 2020s, rounded; Statbel's household figures give the same order).
/// Genk's own households are somewhat larger, so this errs low; a building
/// with `building:flats` still gets 2.3 per flat, never a count of people.
pub const HOUSEHOLD_SIZE_FLANDERS: f64 = 2.3;

/// `building=*` values that are homes.
pub fn is_residential(building: &str) -> bool {
    matches!(
        building,
        "house"
            | "detached"
            | "semidetached_house"
            | "terrace"
            | "residential"
            | "apartments"
            | "bungalow"
            | "farm"
            | "dormitory"
            | "houseboat"
            | "static_caravan"
            | "yes"
    )
}

/// A positive whole number from a tag (`"12"`, `" 4 "`), else `None`.
fn positive_count(text: Option<&str>) -> Option<u32> {
    text.and_then(|text| text.trim().parse::<u32>().ok())
        .filter(|count| *count > 0)
}

/// The households of a building, `None` when it houses nobody: its
/// `building:flats`; else for `apartments` one per storey
/// (`building:levels`, at least 1); else 1 for a residential kind.
pub fn households(building: &str, flats: Option<&str>, levels: Option<&str>) -> Option<u32> {
    if let Some(flats) = positive_count(flats) {
        return Some(flats);
    }
    if !is_residential(building) {
        return None;
    }
    if building == "apartments" {
        return Some(positive_count(levels).unwrap_or(1));
    }
    Some(1)
}

/// Whole people per building from exact expectations: the running total is
/// rounded, each building gets the step, so the sum is the rounded sum and
/// every building is within one person of its expectation.
pub fn cumulative_round(expected: &[f64]) -> Vec<i64> {
    let mut total = 0.0;
    let mut given = 0i64;
    expected
        .iter()
        .map(|people| {
            total += people;
            let step = total.round() as i64 - given;
            given += step;
            step
        })
        .collect()
}

/// One building that houses people, before its population is rounded.
#[derive(Debug, Clone)]
pub struct Building {
    pub id: String,
    /// The resident's point (EPSG:4326).
    pub point: geo::Point<f64>,
    pub households: u32,
}

/// The building of one OSM area, or why it is none: `Ok(None)` when the
/// area is no building with an address that houses people (not a problem),
/// `Err` when it should be one but its geometry cannot give a point.
pub fn building_of(
    id: String,
    tags: &[(String, String)],
    geometry: Option<Geometry<f64>>,
) -> Result<Option<Building>, Problem> {
    let tag = |key: &str| tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let (Some(building), Some(_number)) = (tag("building"), tag("addr:housenumber")) else {
        return Ok(None);
    };
    let Some(households) = households(building, tag("building:flats"), tag("building:levels"))
    else {
        return Ok(None);
    };
    let problem = |reason: &str| Problem {
        feature: id.clone(),
        field: "geometry".into(),
        reason: reason.into(),
    };
    let geometry = geometry.ok_or_else(|| problem("the building has no geometry"))?;
    if !matches!(geometry, Geometry::Polygon(_) | Geometry::MultiPolygon(_)) {
        return Err(problem("the building is not an area"));
    }
    let point = geometry
        .interior_point()
        .ok_or_else(|| problem("the building's outline is empty"))?;
    Ok(Some(Building {
        id,
        point,
        households,
    }))
}

/// The buildings as resident features, population by cumulative rounding.
pub fn residents_of(buildings: &[Building]) -> Vec<Feature> {
    let expected: Vec<f64> = buildings
        .iter()
        .map(|building| f64::from(building.households) * HOUSEHOLD_SIZE_FLANDERS)
        .collect();
    buildings
        .iter()
        .zip(cumulative_round(&expected))
        .map(|(building, population)| Feature {
            id: building.id.clone(),
            geometry: Geometry::Point(building.point),
            values: vec![Value::Integer(population)],
        })
        .collect()
}

/// The people of resident features (their `population`).
pub fn total_population(residents: &[Feature]) -> i64 {
    residents
        .iter()
        .filter_map(|resident| match resident.values.first() {
            Some(Value::Integer(people)) => Some(*people),
            _ => None,
        })
        .sum()
}

/// When the residents from buildings are written (`--residents`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResidentsPolicy {
    /// Only when the store has no residents, or only those of an earlier
    /// OSM import (ids `osm-...`), which they update.
    #[default]
    Auto,
    /// Upserted by id even beside residents from another source (which
    /// stay: the store never deletes).
    Always,
    /// Never.
    Never,
}

impl std::str::FromStr for ResidentsPolicy {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "auto" => Ok(ResidentsPolicy::Auto),
            "always" => Ok(ResidentsPolicy::Always),
            "never" => Ok(ResidentsPolicy::Never),
            other => Err(format!("'{other}': expected auto, always or never")),
        }
    }
}

/// Whether the residents from buildings go into the store, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentsDecision {
    pub write: bool,
    /// For the summary, e.g. "the store had no residents".
    pub reason: String,
}

/// Decide by the policy and what the store holds (`None`: no store, a dry run).
pub async fn decide(
    policy: ResidentsPolicy,
    store: Option<&dyn Store>,
) -> Result<ResidentsDecision, StoreError> {
    let decision = |write: bool, reason: String| ResidentsDecision { write, reason };
    let Some(store) = store else {
        return Ok(decision(
            policy != ResidentsPolicy::Never,
            "no store to compare with".into(),
        ));
    };
    if policy == ResidentsPolicy::Never {
        return Ok(decision(false, "--residents never".into()));
    }
    let n_existing = store
        .counts()
        .await?
        .get(&LayerId::Residents)
        .copied()
        .unwrap_or(0);
    if n_existing == 0 {
        return Ok(decision(true, "the store had no residents".into()));
    }
    let n_other = store
        .read_layer(LayerId::Residents)
        .await?
        .iter()
        .filter(|resident| !resident.id.starts_with("osm-"))
        .count();
    Ok(match (policy, n_other) {
        (_, 0) => decision(
            true,
            format!("updating the {n_existing} residents of an earlier OSM import"),
        ),
        (ResidentsPolicy::Always, _) => decision(
            true,
            format!("--residents always: beside the {n_other} residents from another source"),
        ),
        _ => decision(
            false,
            format!(
                "the store holds {n_other} residents from a better source; --residents always adds these beside them"
            ),
        ),
    })
}

/// What `atlas import osm` did, for its one-line summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsmSummary {
    pub n_shop_units: usize,
    pub n_streets: usize,
    pub n_residents: usize,
    pub population: i64,
    pub residents: ResidentsDecision,
    pub n_problems: usize,
}

impl std::fmt::Display for OsmSummary {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "{} shop units and {} streets from OpenStreetMap ({} skipped); {} residents ({} people, {} per household) from buildings with an address: {} ({})",
            self.n_shop_units,
            self.n_streets,
            self.n_problems,
            self.n_residents,
            self.population,
            HOUSEHOLD_SIZE_FLANDERS,
            if self.residents.write { "written" } else { "not written" },
            self.residents.reason,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn households_come_from_flats_then_storeys_then_one() {
        assert_eq!(households("house", None, None), Some(1));
        assert_eq!(households("yes", None, None), Some(1));
        assert_eq!(households("apartments", Some("12"), Some("4")), Some(12));
        assert_eq!(households("apartments", None, Some("4")), Some(4));
        assert_eq!(households("apartments", Some("lots"), None), Some(1));
        assert_eq!(households("retail", Some("3"), None), Some(3));
        assert_eq!(households("retail", None, None), None);
        assert_eq!(households("commercial", Some("0"), None), None);
        assert_eq!(households("garage", None, None), None);
    }

    #[test]
    fn cumulative_rounding_keeps_the_total_and_each_within_one() {
        let expected = vec![2.3; 10];
        let people = cumulative_round(&expected);
        assert_eq!(people.iter().sum::<i64>(), 23);
        assert!(people.iter().all(|p| (*p as f64 - 2.3).abs() < 1.0));
        assert_eq!(cumulative_round(&[27.6, 2.3]), vec![28, 2]);
    }

    #[test]
    fn the_point_of_an_l_shaped_building_is_inside_it() {
        use geo::{polygon, Contains};
        let outline = polygon![
            (x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 1.0),
            (x: 1.0, y: 1.0), (x: 1.0, y: 10.0), (x: 0.0, y: 10.0),
        ];
        let tags = vec![
            ("building".to_string(), "house".to_string()),
            ("addr:housenumber".to_string(), "1".to_string()),
        ];
        let building = building_of("osm-way-1".into(), &tags, Some(outline.clone().into()))
            .unwrap()
            .unwrap();
        assert!(outline.contains(&building.point));
        let no_number = &tags[..1];
        assert!(
            building_of("osm-way-2".into(), no_number, Some(outline.into()))
                .unwrap()
                .is_none()
        );
    }
}
