//! OpenStreetMap extracts (`.osm` XML or `.osm.pbf`, read by GDAL's OSM
//! driver) into shop units, streets and (from buildings with an address,
//! `osm_residents.rs`) residents.
//!
//! Shop units are the nodes with `shop=*` or `amenity=pharmacy`: the category
//! of DOMAIN.md (daily with its kind for supermarkets, bakeries, butchers,
//! grocers and pharmacies; periodic, exceptional, services, other) from the
//! tag, the address from `addr:street` and `addr:housenumber`, status
//! `occupied` since the date given, the shop's name as (confidential)
//! occupant. OSM knows no sales floor: `floor_area_m2` is 0, meaning unknown.
//! Streets are the ways with a `highway` of a class the atlas knows; they
//! are walkable except motorways and their links (and ways tagged
//! `foot=no`). Ids are `osm-node-N` and `osm-way-N`, so a newer extract
//! upserts the same features. Blocking GDAL work.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use gdal::vector::LayerAccess;

use super::{open_vector, osm_residents, ImportError, Problem};
use crate::model::{Feature, LayerId, Value};

/// What an OSM import produced.
#[derive(Debug, Clone, Default)]
pub struct OsmOutcome {
    pub shop_units: Vec<Feature>,
    pub streets: Vec<Feature>,
    /// One point per building with an address that houses people.
    pub residents: Vec<Feature>,
    /// Shops and ways that could not become atlas features, and why.
    pub problems: Vec<Problem>,
}

/// The tags of an OSM feature: `name`, the driver's own columns, and the
/// pairs of `other_tags` (`"k"=>"v","k2"=>"v2"`).
pub(super) fn tags(
    feature: &gdal::vector::Feature<'_>,
    columns: &[String],
) -> Vec<(String, String)> {
    let mut tags = Vec::new();
    for (index, column) in columns.iter().enumerate() {
        let Ok(Some(text)) = feature.field_as_string(index) else {
            continue;
        };
        if column == "other_tags" {
            tags.extend(parse_other_tags(&text));
        } else if column != "osm_id" && column != "osm_way_id" {
            tags.push((column.clone(), text));
        }
    }
    tags
}

/// Parse GDAL's `other_tags` hstore text.
pub fn parse_other_tags(text: &str) -> Vec<(String, String)> {
    let mut strings = Vec::new();
    let mut current = String::new();
    let mut inside = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (inside, c) {
            (true, '\\') => current.extend(chars.next()),
            (true, '"') => {
                strings.push(std::mem::take(&mut current));
                inside = false;
            }
            (true, c) => current.push(c),
            (false, '"') => inside = true,
            (false, _) => {}
        }
    }
    strings
        .chunks_exact(2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect()
}

pub(super) fn tag<'a>(tags: &'a [(String, String)], key: &str) -> Option<&'a str> {
    tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// (category, kind) of a shop tag (`amenity=pharmacy` is `pharmacy`).
pub fn shop_category(shop: &str) -> (&'static str, Option<&'static str>) {
    match shop {
        "supermarket" => ("daily", Some("supermarket")),
        "bakery" | "pastry" => ("daily", Some("bakery")),
        "butcher" => ("daily", Some("butcher")),
        "greengrocer" | "convenience" | "grocery" | "deli" | "cheese" | "frozen_food" => {
            ("daily", Some("grocery"))
        }
        "pharmacy" => ("daily", Some("pharmacy")),
        "clothes" | "shoes" | "fashion" | "jewelry" | "books" | "variety_store"
        | "department_store" | "gift" | "toys" | "sports" | "chemist" | "cosmetics"
        | "electronics" | "mobile_phone" | "houseware" | "bag" | "stationery" => ("periodic", None),
        "furniture"
        | "doityourself"
        | "hardware"
        | "car"
        | "garden_centre"
        | "kitchen"
        | "bed"
        | "bicycle"
        | "trade"
        | "interior_decoration" => ("exceptional", None),
        "hairdresser" | "beauty" | "optician" | "travel_agency" | "dry_cleaning" | "laundry"
        | "copyshop" => ("services", None),
        _ => ("other", None),
    }
}

/// (class, walkable) of an OSM `highway` value, `None` for what is no street.
pub fn street_class(highway: &str) -> Option<(&'static str, bool)> {
    Some(match highway {
        "motorway" => ("motorway", false),
        "motorway_link" => ("motorway_link", false),
        "trunk" | "trunk_link" | "primary" | "primary_link" => ("primary", true),
        "secondary" | "secondary_link" | "tertiary" | "tertiary_link" => ("secondary", true),
        "residential" | "unclassified" | "living_street" | "service" | "road" => {
            ("residential", true)
        }
        "pedestrian" => ("pedestrian", true),
        "footway" | "path" | "steps" | "cycleway" | "track" | "bridleway" => ("footway", true),
        _ => return None,
    })
}

fn gdal_error(context: &str) -> impl Fn(gdal::errors::GdalError) -> ImportError + '_ {
    move |source| ImportError::Gdal {
        context: context.to_string(),
        source,
    }
}

/// Read the shops and streets of an OSM extract.
pub fn read_osm(path: &Path, status_since: NaiveDate) -> Result<OsmOutcome, ImportError> {
    let dataset = open_vector(path, &super::SourcePolicy::Trusted)?;
    let mut outcome = OsmOutcome::default();
    let path: PathBuf = path.into();

    let mut points = dataset
        .layer_by_name("points")
        .map_err(gdal_error("opening the OSM points"))?;
    let columns: Vec<String> = points.defn().fields().map(|field| field.name()).collect();
    let shop_schema = LayerId::ShopUnits.schema();
    for feature in points.features() {
        let tags = tags(&feature, &columns);
        let shop = match (tag(&tags, "shop"), tag(&tags, "amenity")) {
            (Some(shop), _) => shop,
            (None, Some("pharmacy")) => "pharmacy",
            _ => continue,
        };
        let id = format!("osm-node-{}", feature.fid().unwrap_or_default());
        let (category, kind) = shop_category(shop);
        let street = tag(&tags, "addr:street");
        let Some(street) = street else {
            outcome.problems.push(Problem {
                feature: id,
                field: "street".into(),
                reason: "the shop has no addr:street".into(),
            });
            continue;
        };
        let address = match tag(&tags, "addr:housenumber") {
            Some(number) => format!("{street} {number}"),
            None => street.to_string(),
        };
        let Some(Ok(geometry)) = feature.geometry().map(|geometry| geometry.to_geo()) else {
            continue;
        };
        let text = |value: Option<&str>| value.map_or(Value::Null, |v| Value::Text(v.into()));
        let unit = Feature {
            id,
            geometry,
            values: vec![
                Value::Text(address),
                Value::Text(street.into()),
                Value::Real(0.0),
                Value::Text(category.into()),
                text(kind),
                Value::Text("occupied".into()),
                Value::Date(status_since),
                text(tag(&tags, "name")),
                Value::Null,
            ],
        };
        match unit.validate(shop_schema) {
            Ok(()) => outcome.shop_units.push(unit),
            Err(error) => outcome.problems.push(Problem {
                feature: unit.id,
                field: String::new(),
                reason: error.to_string(),
            }),
        }
    }

    let mut lines = dataset
        .layer_by_name("lines")
        .map_err(gdal_error("opening the OSM lines"))?;
    let columns: Vec<String> = lines.defn().fields().map(|field| field.name()).collect();
    let street_schema = LayerId::Streets.schema();
    for feature in lines.features() {
        let tags = tags(&feature, &columns);
        let Some((class, walkable)) = tag(&tags, "highway").and_then(street_class) else {
            continue;
        };
        let walkable = walkable && tag(&tags, "foot") != Some("no");
        let id = format!("osm-way-{}", feature.fid().unwrap_or_default());
        let Some(Ok(geometry)) = feature.geometry().map(|geometry| geometry.to_geo()) else {
            continue;
        };
        let name = tag(&tags, "name").or(tag(&tags, "ref")).unwrap_or("");
        let street = Feature {
            id,
            geometry,
            values: vec![
                Value::Text(name.into()),
                Value::Boolean(walkable),
                Value::Text(class.into()),
            ],
        };
        match street.validate(street_schema) {
            Ok(()) => outcome.streets.push(street),
            Err(error) => outcome.problems.push(Problem {
                feature: street.id,
                field: String::new(),
                reason: error.to_string(),
            }),
        }
    }
    read_buildings(&dataset, &mut outcome)?;
    if outcome.shop_units.is_empty() && outcome.streets.is_empty() && outcome.residents.is_empty() {
        return Err(ImportError::Empty { path });
    }
    Ok(outcome)
}

/// The buildings with an address of GDAL's `multipolygons` layer (closed
/// ways and multipolygon relations) as residents.
fn read_buildings(dataset: &gdal::Dataset, outcome: &mut OsmOutcome) -> Result<(), ImportError> {
    let mut areas = dataset
        .layer_by_name("multipolygons")
        .map_err(gdal_error("opening the OSM multipolygons"))?;
    let columns: Vec<String> = areas.defn().fields().map(|field| field.name()).collect();
    let column = |name: &str| columns.iter().position(|column| column == name);
    let (relation_column, way_column) = (column("osm_id"), column("osm_way_id"));
    let mut buildings = Vec::new();
    for feature in areas.features() {
        let id_in = |index: Option<usize>| {
            index
                .and_then(|index| feature.field_as_string(index).ok().flatten())
                .filter(|text| !text.is_empty())
        };
        let id = match (id_in(way_column), id_in(relation_column)) {
            (Some(way), _) => format!("osm-way-{way}"),
            (None, Some(relation)) => format!("osm-relation-{relation}"),
            (None, None) => continue,
        };
        let tags = tags(&feature, &columns);
        let geometry = feature
            .geometry()
            .and_then(|geometry| geometry.to_geo().ok());
        match osm_residents::building_of(id, &tags, geometry) {
            Ok(Some(building)) => buildings.push(building),
            Ok(None) => {}
            Err(problem) => outcome.problems.push(problem),
        }
    }
    let schema = LayerId::Residents.schema();
    for resident in osm_residents::residents_of(&buildings) {
        match resident.validate(schema) {
            Ok(()) => outcome.residents.push(resident),
            Err(error) => outcome.problems.push(Problem {
                feature: resident.id,
                field: String::new(),
                reason: error.to_string(),
            }),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_tags_are_parsed_with_escapes() {
        let tags =
            parse_other_tags(r#""shop"=>"bakery","addr:street"=>"Vennestraat","note"=>"a \"b\"""#);
        assert_eq!(
            tags,
            vec![
                ("shop".to_string(), "bakery".to_string()),
                ("addr:street".to_string(), "Vennestraat".to_string()),
                ("note".to_string(), "a \"b\"".to_string()),
            ]
        );
    }

    #[test]
    fn motorways_and_their_links_are_not_walkable() {
        assert_eq!(street_class("motorway"), Some(("motorway", false)));
        assert_eq!(
            street_class("motorway_link"),
            Some(("motorway_link", false))
        );
        assert_eq!(street_class("footway"), Some(("footway", true)));
        assert_eq!(street_class("residential"), Some(("residential", true)));
        assert_eq!(street_class("proposed"), None);
        assert_eq!(shop_category("pharmacy"), ("daily", Some("pharmacy")));
    }
}
