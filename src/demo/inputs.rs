//! The generator's inputs: the small files of `geodata/`, embedded at compile
//! time with `include_str!` and parsed into typed rows.
//!
//! The tables are `;`-separated with a header line; `#` starts a comment line.
//! The neighbourhoods' shapes are the real wijken of Genk, the EPSG:4326
//! GeoJSON of `geodata/open/` (see its README), joined to the invented
//! per-wijk figures of `neighbourhoods.csv` by code.
//! The files are part of the program, so a malformed row is a bug: parsing
//! panics with the file, line and column (the unit test below parses them all).
//!
//! One piece: one row type and one small parser per `geodata/` file, all on
//! the same table reader; they are read together and only here.

use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::Value as Json;

use crate::model::{
    AccessKind, AreaKind, ParkKind, PlaceKind, ShopCategory, ShopKind, StreetClass, WaterwayKind,
    Zoning,
};

const NEIGHBOURHOODS: &str = include_str!("../../geodata/neighbourhoods.csv");
const WIJK_SHAPES: &str = include_str!("../../geodata/open/genk/genk_wijken_ggw7_epsg4326.geojson");
const BUSINESS_PARKS: &str = include_str!("../../geodata/business_parks.csv");
const SHOPPING_AREAS: &str = include_str!("../../geodata/shopping_areas.csv");
const STREETS: &str = include_str!("../../geodata/streets.csv");
const ACCESS_POINTS: &str = include_str!("../../geodata/access_points.csv");
const PLACES: &str = include_str!("../../geodata/places.csv");
const WATERWAYS: &str = include_str!("../../geodata/waterways.csv");
const CATEGORIES: &str = include_str!("../../geodata/categories.csv");
const SHOP_NAMES: &str = include_str!("../../geodata/shop_names.csv");
const NACE: &str = include_str!("../../geodata/nace.csv");
const SURNAMES: &str = include_str!("../../geodata/names/surnames.txt");
const FIRST_NAMES: &str = include_str!("../../geodata/names/first_names.txt");
const WORDS: &str = include_str!("../../geodata/names/words.txt");
const STREET_STEMS: &str = include_str!("../../geodata/names/street_stems.txt");

/// A neighbourhood (wijk): real code, name and shape, invented population.
#[derive(Debug, Clone)]
pub struct WijkRow {
    pub code: String,
    /// The real name without the municipality the Flemish file adds
    /// (`Bokrijk (Genk)` is `Bokrijk`).
    pub name: String,
    /// The real shape, EPSG:4326 (x = longitude, y = latitude), as published.
    pub shape: MultiPolygon<f64>,
    pub population: i64,
    /// Supermarkets placed in the wijk outside the shopping areas.
    pub supermarkets: usize,
    /// Daily shop kinds the wijk never gets.
    pub daily_gaps: Vec<ShopKind>,
}

/// A business park and the shape it starts from.
#[derive(Debug, Clone)]
pub struct ParkRow {
    pub id: String,
    pub name: String,
    pub kind: ParkKind,
    pub zoning: Zoning,
    pub focus: String,
    pub manager: String,
    /// The centre of the shape, EPSG:4326.
    pub centre: Coord<f64>,
    pub width_m: f64,
    pub height_m: f64,
    pub rotation_deg: f64,
    pub area_ha: f64,
    /// How many of its parcels are offered.
    pub available: usize,
    pub price_min_eur_m2: f64,
    pub price_max_eur_m2: f64,
    pub max_height_m: f64,
    /// Invented companies placed on its parcels.
    pub companies: usize,
}

/// A shopping area and the make-up of its units.
#[derive(Debug, Clone)]
pub struct AreaRow {
    pub id: String,
    pub name: String,
    pub kind: AreaKind,
    /// Target vacancy rate by count on the reference date.
    pub vacancy: f64,
    pub supermarkets: usize,
    /// Percent of units per category, in [`ShopCategory::ALL`] order.
    pub shares: [f64; 7],
    pub floor_factor: f64,
    pub buffer_m: f64,
}

/// How a named road is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoadMode {
    /// Routed along the street grid between the waypoints.
    Lattice,
    /// Drawn through the waypoints as given.
    Free,
}

/// A named road with a fixed place.
#[derive(Debug, Clone)]
pub struct RoadRow {
    pub name: String,
    pub class: StreetClass,
    pub walkable: bool,
    pub area_id: Option<String>,
    /// Shop units along it.
    pub units: usize,
    pub mode: RoadMode,
    /// EPSG:4326.
    pub waypoints: Vec<Coord<f64>>,
}

#[derive(Debug, Clone)]
pub struct AccessRow {
    pub kind: AccessKind,
    pub name: String,
    /// EPSG:4326.
    pub location: Coord<f64>,
    /// The motorway of an exit.
    pub road: Option<String>,
}

/// A known place: real name, rough place.
#[derive(Debug, Clone)]
pub struct PlaceRow {
    pub kind: PlaceKind,
    pub name: String,
    /// Other names, as the `alt_names` field holds them (`|` between).
    pub alt_names: Option<String>,
    /// EPSG:4326.
    pub location: Coord<f64>,
}

/// A canal or stream: real name, schematic course.
#[derive(Debug, Clone)]
pub struct WaterwayRow {
    pub kind: WaterwayKind,
    pub name: String,
    /// EPSG:4326.
    pub waypoints: Vec<Coord<f64>>,
}

#[derive(Debug, Clone)]
pub struct CategoryRow {
    pub category: ShopCategory,
    pub kind: Option<ShopKind>,
    /// Percent among daily units that are not supermarkets.
    pub daily_share: f64,
    pub floor_min_m2: f64,
    pub floor_max_m2: f64,
}

#[derive(Debug, Clone)]
pub struct ShopNameRow {
    pub category: ShopCategory,
    pub kind: Option<ShopKind>,
    pub pattern: String,
}

#[derive(Debug, Clone)]
pub struct NaceRow {
    pub code: String,
    pub label: String,
    /// Park kinds (`industrial`, ...) and `office` (outside parks).
    pub settles_on: Vec<String>,
    pub min_employees: i64,
    pub max_employees: i64,
    pub weight: f64,
    pub pattern: String,
}

/// Every input of the generator.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// In the order of `neighbourhoods.csv` (by code).
    pub wijken: Vec<WijkRow>,
    pub parks: Vec<ParkRow>,
    pub areas: Vec<AreaRow>,
    pub roads: Vec<RoadRow>,
    pub access: Vec<AccessRow>,
    pub places: Vec<PlaceRow>,
    pub waterways: Vec<WaterwayRow>,
    pub categories: Vec<CategoryRow>,
    pub shop_names: Vec<ShopNameRow>,
    pub nace: Vec<NaceRow>,
    pub surnames: Vec<String>,
    pub first_names: Vec<String>,
    pub words: Vec<String>,
    pub street_stems: Vec<String>,
}

impl Inputs {
    /// Parse the embedded `geodata/` files.
    pub fn embedded() -> Inputs {
        Inputs {
            wijken: parse_wijken(),
            parks: parse_parks(),
            areas: parse_areas(),
            roads: parse_roads(),
            access: parse_access(),
            places: parse_places(),
            waterways: parse_waterways(),
            categories: parse_categories(),
            shop_names: parse_shop_names(),
            nace: parse_nace(),
            surnames: lines(SURNAMES),
            first_names: lines(FIRST_NAMES),
            words: lines(WORDS),
            street_stems: lines(STREET_STEMS),
        }
    }

    pub fn area(&self, id: &str) -> Option<&AreaRow> {
        self.areas.iter().find(|area| area.id == id)
    }

    pub fn category(&self, category: ShopCategory, kind: Option<ShopKind>) -> &CategoryRow {
        self.categories
            .iter()
            .find(|row| row.category == category && row.kind == kind)
            .or_else(|| self.categories.iter().find(|row| row.category == category))
            .unwrap_or_else(|| panic!("categories.csv has no row for {category}"))
    }
}

/// The non-empty, non-comment lines of a text list.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// A parsed `;` table: header and rows, with their line numbers for errors.
struct Table<'a> {
    file: &'static str,
    header: Vec<&'a str>,
    rows: Vec<(usize, Vec<&'a str>)>,
}

impl<'a> Table<'a> {
    fn parse(file: &'static str, text: &'a str) -> Table<'a> {
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(index, line)| (index + 1, line.trim()))
            .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'));
        let (_, header) = lines.next().unwrap_or_else(|| panic!("{file}: no header"));
        let header: Vec<&str> = header.split(';').map(str::trim).collect();
        let rows = lines
            .map(|(number, line)| {
                let cells: Vec<&str> = line.split(';').map(str::trim).collect();
                assert_eq!(
                    cells.len(),
                    header.len(),
                    "{file} line {number}: expected {} cells, got {}",
                    header.len(),
                    cells.len()
                );
                (number, cells)
            })
            .collect();
        Table { file, header, rows }
    }

    fn rows(&self) -> impl Iterator<Item = Row<'_, 'a>> {
        self.rows.iter().map(move |(number, cells)| Row {
            table: self,
            number: *number,
            cells,
        })
    }
}

struct Row<'t, 'a> {
    table: &'t Table<'a>,
    number: usize,
    cells: &'t [&'a str],
}

impl Row<'_, '_> {
    fn text(&self, column: &str) -> String {
        let index = self
            .table
            .header
            .iter()
            .position(|name| *name == column)
            .unwrap_or_else(|| panic!("{}: no column {column}", self.table.file));
        self.cells[index].to_string()
    }

    fn optional(&self, column: &str) -> Option<String> {
        Some(self.text(column)).filter(|text| !text.is_empty())
    }

    fn parse<T: std::str::FromStr>(&self, column: &str) -> T
    where
        T::Err: std::fmt::Display,
    {
        let text = self.text(column);
        text.parse().unwrap_or_else(|error| {
            panic!(
                "{} line {}, column {column}: '{text}': {error}",
                self.table.file, self.number
            )
        })
    }

    fn yes_no(&self, column: &str) -> bool {
        match self.text(column).as_str() {
            "yes" => true,
            "no" => false,
            other => panic!(
                "{} line {}, column {column}: '{other}' is not yes or no",
                self.table.file, self.number
            ),
        }
    }

    fn lon_lat(&self, lon: &str, lat: &str) -> Coord<f64> {
        Coord {
            x: self.parse(lon),
            y: self.parse(lat),
        }
    }
}

/// "lon lat|lon lat|..." of `file` as coordinates.
fn waypoints(file: &str, text: &str) -> Vec<Coord<f64>> {
    text.split('|')
        .map(|pair| {
            let mut numbers = pair.split_whitespace().map(|number| {
                number
                    .parse::<f64>()
                    .unwrap_or_else(|_| panic!("{file}: bad waypoint '{pair}'"))
            });
            match (numbers.next(), numbers.next(), numbers.next()) {
                (Some(x), Some(y), None) => Coord { x, y },
                _ => panic!("{file}: bad waypoint '{pair}'"),
            }
        })
        .collect()
}

/// A wijk of the GeoJSON: code, name and shape.
struct WijkShape {
    code: String,
    name: String,
    shape: MultiPolygon<f64>,
}

/// The features of an RFC 7946 FeatureCollection of (multi)polygons with the
/// properties `geoitem` (code) and `naam` (name).
fn parse_wijk_shapes(file: &str, text: &str) -> Vec<WijkShape> {
    let json: Json = serde_json::from_str(text).unwrap_or_else(|error| panic!("{file}: {error}"));
    let number = |value: &Json| {
        value
            .as_f64()
            .unwrap_or_else(|| panic!("{file}: '{value}' is not a number"))
    };
    let ring = |ring: &Json| -> LineString<f64> {
        let points = ring
            .as_array()
            .unwrap_or_else(|| panic!("{file}: bad ring"));
        points
            .iter()
            .map(|point| Coord {
                x: number(&point[0]),
                y: number(&point[1]),
            })
            .collect()
    };
    let polygon = |rings: &Json| -> Polygon<f64> {
        let rings = rings
            .as_array()
            .unwrap_or_else(|| panic!("{file}: bad polygon"));
        let (exterior, holes) = rings
            .split_first()
            .unwrap_or_else(|| panic!("{file}: a polygon without rings"));
        Polygon::new(ring(exterior), holes.iter().map(ring).collect())
    };
    let features = json["features"]
        .as_array()
        .unwrap_or_else(|| panic!("{file}: not a FeatureCollection"));
    features
        .iter()
        .map(|feature| {
            let text = |name: &str| {
                feature["properties"][name]
                    .as_str()
                    .unwrap_or_else(|| panic!("{file}: a feature without {name}"))
                    .to_string()
            };
            let coordinates = &feature["geometry"]["coordinates"];
            let shape = match feature["geometry"]["type"].as_str() {
                Some("Polygon") => MultiPolygon(vec![polygon(coordinates)]),
                Some("MultiPolygon") => MultiPolygon(
                    coordinates
                        .as_array()
                        .unwrap_or_else(|| panic!("{file}: bad multipolygon"))
                        .iter()
                        .map(polygon)
                        .collect(),
                ),
                other => panic!("{file}: {} is a {other:?}, not a polygon", text("geoitem")),
            };
            let name = text("naam");
            // "Bokrijk (Genk)": the Flemish file names the municipality too
            let name = match name.rsplit_once(" (") {
                Some((short, _)) if name.ends_with(')') => short.to_string(),
                _ => name,
            };
            WijkShape {
                code: text("geoitem"),
                name,
                shape,
            }
        })
        .collect()
}

fn parse_wijken() -> Vec<WijkRow> {
    let shapes_file = "open/genk/genk_wijken_ggw7_epsg4326.geojson";
    let mut shapes = parse_wijk_shapes(shapes_file, WIJK_SHAPES);
    let table = Table::parse("neighbourhoods.csv", NEIGHBOURHOODS);
    let rows: Vec<WijkRow> = table
        .rows()
        .map(|row| {
            let code = row.text("code");
            let index = shapes
                .iter()
                .position(|shape| shape.code == code)
                .unwrap_or_else(|| {
                    panic!(
                        "neighbourhoods.csv line {}: {shapes_file} has no wijk {code}",
                        row.number
                    )
                });
            let WijkShape { name, shape, .. } = shapes.swap_remove(index);
            assert_eq!(
                row.text("name"),
                name,
                "neighbourhoods.csv line {}: {code} is called otherwise in {shapes_file}",
                row.number
            );
            WijkRow {
                code,
                name,
                shape,
                population: row.parse("population"),
                supermarkets: row.parse("supermarkets"),
                daily_gaps: row
                    .text("daily_gaps")
                    .split_whitespace()
                    .map(|kind| {
                        kind.parse()
                            .unwrap_or_else(|error| panic!("neighbourhoods.csv: {error}"))
                    })
                    .collect(),
            }
        })
        .collect();
    let missing: Vec<&str> = shapes.iter().map(|shape| shape.code.as_str()).collect();
    assert!(
        missing.is_empty(),
        "neighbourhoods.csv has no row for {missing:?}"
    );
    rows
}

fn parse_parks() -> Vec<ParkRow> {
    let table = Table::parse("business_parks.csv", BUSINESS_PARKS);
    table
        .rows()
        .map(|row| ParkRow {
            id: row.text("id"),
            name: row.text("name"),
            kind: row.parse("kind"),
            zoning: row.parse("zoning"),
            focus: row.text("focus"),
            manager: row.text("manager"),
            centre: row.lon_lat("lon", "lat"),
            width_m: row.parse("width_m"),
            height_m: row.parse("height_m"),
            rotation_deg: row.parse("rotation_deg"),
            area_ha: row.parse("area_ha"),
            available: row.parse("available"),
            price_min_eur_m2: row.parse("price_min"),
            price_max_eur_m2: row.parse("price_max"),
            max_height_m: row.parse("max_height_m"),
            companies: row.parse("companies"),
        })
        .collect()
}

fn parse_areas() -> Vec<AreaRow> {
    let table = Table::parse("shopping_areas.csv", SHOPPING_AREAS);
    table
        .rows()
        .map(|row| {
            let mut shares = [0.0; 7];
            for (share, category) in shares.iter_mut().zip(ShopCategory::ALL) {
                *share = row.parse(category.as_str());
            }
            AreaRow {
                id: row.text("id"),
                name: row.text("name"),
                kind: row.parse("kind"),
                vacancy: row.parse("vacancy"),
                supermarkets: row.parse("supermarkets"),
                shares,
                floor_factor: row.parse("floor_factor"),
                buffer_m: row.parse("buffer_m"),
            }
        })
        .collect()
}

fn parse_roads() -> Vec<RoadRow> {
    let table = Table::parse("streets.csv", STREETS);
    table
        .rows()
        .map(|row| RoadRow {
            name: row.text("name"),
            class: row.parse("class"),
            walkable: row.yes_no("walkable"),
            area_id: row.optional("area_id"),
            units: row.parse("units"),
            mode: match row.text("mode").as_str() {
                "lattice" => RoadMode::Lattice,
                "free" => RoadMode::Free,
                other => panic!("streets.csv line {}: unknown mode '{other}'", row.number),
            },
            waypoints: waypoints("streets.csv", &row.text("waypoints")),
        })
        .collect()
}

fn parse_access() -> Vec<AccessRow> {
    let table = Table::parse("access_points.csv", ACCESS_POINTS);
    table
        .rows()
        .map(|row| AccessRow {
            kind: row.parse("kind"),
            name: row.text("name"),
            location: row.lon_lat("lon", "lat"),
            road: row.optional("road"),
        })
        .collect()
}

fn parse_places() -> Vec<PlaceRow> {
    let table = Table::parse("places.csv", PLACES);
    table
        .rows()
        .map(|row| PlaceRow {
            kind: row.parse("kind"),
            name: row.text("name"),
            alt_names: row.optional("alt_names"),
            location: row.lon_lat("lon", "lat"),
        })
        .collect()
}

fn parse_waterways() -> Vec<WaterwayRow> {
    let table = Table::parse("waterways.csv", WATERWAYS);
    table
        .rows()
        .map(|row| WaterwayRow {
            kind: row.parse("kind"),
            name: row.text("name"),
            waypoints: waypoints("waterways.csv", &row.text("waypoints")),
        })
        .collect()
}

fn parse_categories() -> Vec<CategoryRow> {
    let table = Table::parse("categories.csv", CATEGORIES);
    table
        .rows()
        .map(|row| CategoryRow {
            category: row.parse("category"),
            kind: row
                .optional("kind")
                .map(|kind| kind.parse().expect("a shop kind")),
            daily_share: row
                .optional("daily_share")
                .map_or(0.0, |share| share.parse().expect("a number")),
            floor_min_m2: row.parse("floor_min"),
            floor_max_m2: row.parse("floor_max"),
        })
        .collect()
}

fn parse_shop_names() -> Vec<ShopNameRow> {
    let table = Table::parse("shop_names.csv", SHOP_NAMES);
    table
        .rows()
        .map(|row| ShopNameRow {
            category: row.parse("category"),
            kind: row
                .optional("kind")
                .map(|kind| kind.parse().expect("a shop kind")),
            pattern: row.text("pattern"),
        })
        .collect()
}

fn parse_nace() -> Vec<NaceRow> {
    let table = Table::parse("nace.csv", NACE);
    table
        .rows()
        .map(|row| NaceRow {
            code: row.text("code"),
            label: row.text("label"),
            settles_on: row
                .text("park_kinds")
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            min_employees: row.parse("min_employees"),
            max_employees: row.parse("max_employees"),
            weight: row.parse("weight"),
            pattern: row.text("pattern"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_file_parses() {
        let inputs = Inputs::embedded();
        assert_eq!(inputs.wijken.len(), 31);
        assert_eq!(inputs.wijken[0].code, "71016W01");
        assert_eq!(inputs.wijken[30].code, "71016W31");
        assert_eq!(inputs.wijken[0].name, "Bokrijk");
        assert_eq!(inputs.wijken[28].name, "Winterslag 2 en 4");
        let n_points: usize = inputs
            .wijken
            .iter()
            .map(|wijk| geo::CoordsIter::coords_count(&wijk.shape))
            .sum();
        assert_eq!(n_points, 1_458, "every point of the real wijken");
        assert_eq!(inputs.parks.len(), 6);
        assert_eq!(inputs.areas.len(), 8);
        assert!(inputs.roads.iter().any(|road| road.name == "Vennestraat"));
        assert!(inputs.nace.len() > 30);
        assert!(inputs.street_stems.len() > 150);
    }

    #[test]
    fn populations_add_up_to_genk() {
        let total: i64 = Inputs::embedded()
            .wijken
            .iter()
            .map(|wijk| wijk.population)
            .sum();
        assert!((67_000..=69_000).contains(&total), "{total}");
    }

    #[test]
    fn every_area_has_streets_with_units_and_shares_of_100() {
        let inputs = Inputs::embedded();
        for area in &inputs.areas {
            let units: usize = inputs
                .roads
                .iter()
                .filter(|road| road.area_id.as_deref() == Some(area.id.as_str()))
                .map(|road| road.units)
                .sum();
            assert!(units > 0, "{}", area.id);
            let shares: f64 = area.shares.iter().sum();
            assert!((shares - 100.0).abs() < 1e-9, "{}: {shares}", area.id);
        }
    }
}
