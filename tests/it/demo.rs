//! The demo city's promises: deterministic, valid against the schemas, and a
//! plausible Genk (counts, tiling, a connected network, park areas, vacancy,
//! coverage gaps, adjacent plots on offer, copies for scale).
//!
//! The scale-1 city is generated once for the whole module.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use genk_atlas::demo::{generate, DemoParams};
use genk_atlas::engine::measure;
use genk_atlas::model::history::{histories, units_on};
use genk_atlas::model::{
    AccessKind, Availability, Dataset, LayerId, ShopCategory, ShopKind, ShopUnit, StreetClass,
    UnitStatus,
};
use geo::orient::Direction;
use geo::{
    BooleanOps, BoundingRect, Contains, Coord, Geometry, MultiPolygon, Orient, Point, Polygon,
};

fn city() -> &'static Dataset {
    static CITY: OnceLock<Dataset> = OnceLock::new();
    CITY.get_or_init(|| generate(&DemoParams::default()))
}

fn reference_date() -> NaiveDate {
    DemoParams::default().reference_date
}

/// The real municipality of Genk (`geodata/open/`, EPSG:31370), read and
/// reprojected to EPSG:4326 by the importer (GDAL): the demo's outline is the
/// union of its wijken, so this checks it against the other real file.
fn outline() -> MultiPolygon<f64> {
    static OUTLINE: OnceLock<MultiPolygon<f64>> = OnceLock::new();
    OUTLINE
        .get_or_init(|| {
            use genk_atlas::import::{read_source, FieldMapping, ImportParams};
            let params = ImportParams {
                layer: LayerId::Neighbourhoods,
                path: std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("geodata/open/genk/genk_gemeente_epsg31370.geojson"),
                source_layer: None,
                crs: None,
                mapping: FieldMapping {
                    renames: vec![
                        ("code".into(), "geoitem".into()),
                        ("name".into(), "naam".into()),
                    ],
                    defaults: vec![("population".into(), "0".into())],
                },
                key: None,
                repair: false,
                policy: Default::default(),
                surroundings: None,
            };
            let outcome = read_source(&params, &|_, _| {}).unwrap();
            assert_eq!(outcome.features.len(), 1);
            let Geometry::MultiPolygon(genk) = outcome.features[0].geometry.clone() else {
                panic!("the municipality is not a polygon")
            };
            genk.orient(Direction::Default)
        })
        .clone()
}

fn area_m2(geometry: impl Into<Geometry<f64>>) -> f64 {
    measure::area_m2(&geometry.into())
}

/// Vacant / (occupied + vacant) over some units.
fn vacancy_rate<'a>(units: impl IntoIterator<Item = &'a ShopUnit>) -> f64 {
    let (mut vacant, mut counted) = (0, 0);
    for unit in units {
        match unit.status {
            UnitStatus::Vacant => {
                vacant += 1;
                counted += 1;
            }
            UnitStatus::Occupied => counted += 1,
            _ => {}
        }
    }
    vacant as f64 / counted as f64
}

fn neighbourhood_of<'a>(dataset: &'a Dataset, point: &Point<f64>) -> Option<&'a str> {
    dataset
        .neighbourhoods
        .iter()
        .find(|neighbourhood| neighbourhood.geometry.contains(point))
        .map(|neighbourhood| neighbourhood.id.as_str())
}

/// Metres east/north of a reference point (equirectangular; fine over a city).
fn metres(coord: Coord<f64>) -> (f64, f64) {
    ((coord.x - 5.49) * 70_230.0, (coord.y - 50.965) * 111_230.0)
}

/// The length of boundary two polygons share, metres: overlaps of collinear edges.
fn shared_edge_m(a: &Polygon<f64>, b: &Polygon<f64>) -> f64 {
    let mut shared = 0.0;
    for edge_a in a.exterior().0.windows(2) {
        let (p, q) = (metres(edge_a[0]), metres(edge_a[1]));
        let length = (q.0 - p.0).hypot(q.1 - p.1);
        if length == 0.0 {
            continue;
        }
        let direction = ((q.0 - p.0) / length, (q.1 - p.1) / length);
        for edge_b in b.exterior().0.windows(2) {
            let (r, s) = (metres(edge_b[0]), metres(edge_b[1]));
            let off = |point: (f64, f64)| {
                ((point.0 - p.0) * direction.1 - (point.1 - p.1) * direction.0).abs()
            };
            if off(r) > 0.01 || off(s) > 0.01 {
                continue;
            }
            let along =
                |point: (f64, f64)| (point.0 - p.0) * direction.0 + (point.1 - p.1) * direction.1;
            let (t0, t1) = (along(r).min(along(s)), along(r).max(along(s)));
            shared += (t1.min(length) - t0.max(0.0)).max(0.0);
        }
    }
    shared
}

#[test]
fn the_same_params_give_the_same_city() {
    let again = generate(&DemoParams::default());
    assert!(again == *city(), "two runs with seed 1 differ");
    let other = generate(&DemoParams {
        seed: 2,
        ..DemoParams::default()
    });
    assert_ne!(other.parcels, city().parcels);
}

#[test]
fn every_feature_validates_against_its_schema_and_ids_are_unique() {
    for layer in LayerId::ALL {
        let features = city().features(*layer);
        assert!(!features.is_empty(), "{layer} is empty");
        let mut ids = BTreeSet::new();
        for feature in &features {
            feature
                .validate(layer.schema())
                .unwrap_or_else(|error| panic!("{layer} {}: {error}", feature.id));
            assert!(
                ids.insert(feature.id.clone()),
                "{layer}: duplicate id {}",
                feature.id
            );
        }
    }
    let city = city();
    assert_eq!(city.neighbourhoods[5].id, "71016W06");
    assert_eq!(city.parcels[122].id, "parcel-000123");
    assert_eq!(city.shop_units[41].id, "unit-0042");
    assert!(city
        .business_parks
        .iter()
        .any(|park| park.id == "genk-zuid"));
}

#[test]
fn the_31_neighbourhoods_carry_genks_population() {
    let city = city();
    assert_eq!(city.neighbourhoods.len(), 31);
    for (index, neighbourhood) in city.neighbourhoods.iter().enumerate() {
        assert_eq!(neighbourhood.code, format!("71016W{:02}", index + 1));
    }
    assert_eq!(city.neighbourhoods[5].name, "Genk-Centrum");
    assert_eq!(city.neighbourhoods[28].name, "Winterslag 2 en 4");
    let total: i64 = city.neighbourhoods.iter().map(|n| n.population).sum();
    assert!((67_000..=69_000).contains(&total), "{total}");
}

#[test]
fn the_neighbourhoods_tile_the_city_without_gaps_or_overlaps() {
    let city = city();
    let outline_m2 = area_m2(outline());
    let total: f64 = city
        .neighbourhoods
        .iter()
        .map(|n| area_m2(n.geometry.clone()))
        .sum();
    assert!(
        ((total - outline_m2) / outline_m2).abs() < 0.001,
        "{total} vs {outline_m2}"
    );
    let mut overlap = 0.0;
    for (index, a) in city.neighbourhoods.iter().enumerate() {
        for b in &city.neighbourhoods[index + 1..] {
            overlap += area_m2(a.geometry.intersection(&b.geometry));
        }
    }
    assert!(overlap < 1.0, "overlaps add up to {overlap} m²");
}

#[test]
fn residents_lie_in_their_neighbourhood_and_add_up_to_its_population() {
    let city = city();
    let mut population: BTreeMap<&str, i64> = BTreeMap::new();
    for resident in &city.residents {
        assert!(resident.population > 0);
        let neighbourhood = neighbourhood_of(city, &resident.geometry)
            .unwrap_or_else(|| panic!("{} lies in no neighbourhood", resident.id));
        *population.entry(neighbourhood).or_default() += resident.population;
    }
    for neighbourhood in &city.neighbourhoods {
        assert_eq!(
            population
                .get(neighbourhood.id.as_str())
                .copied()
                .unwrap_or(0),
            neighbourhood.population,
            "{}",
            neighbourhood.name
        );
    }
}

#[test]
fn the_walkable_network_is_connected_and_meets_at_shared_endpoints() {
    let walkable: Vec<_> = city()
        .streets
        .iter()
        .filter(|street| street.walkable)
        .collect();
    assert!(walkable.len() > 1_000);
    let key = |coord: Coord<f64>| (coord.x.to_bits(), coord.y.to_bits());
    let mut nodes: BTreeMap<(u64, u64), usize> = BTreeMap::new();
    for street in &walkable {
        for end in [street.geometry.0[0], *street.geometry.0.last().unwrap()] {
            let next = nodes.len();
            nodes.entry(key(end)).or_insert(next);
        }
    }
    let mut parent: Vec<usize> = (0..nodes.len()).collect();
    fn root(parent: &mut [usize], mut node: usize) -> usize {
        while parent[node] != node {
            parent[node] = parent[parent[node]];
            node = parent[node];
        }
        node
    }
    for street in &walkable {
        let a = nodes[&key(street.geometry.0[0])];
        let b = nodes[&key(*street.geometry.0.last().unwrap())];
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        parent[ra] = rb;
    }
    let roots: BTreeSet<usize> = (0..nodes.len())
        .map(|node| root(&mut parent, node))
        .collect();
    assert_eq!(
        roots.len(),
        1,
        "the walkable streets fall apart in {} parts",
        roots.len()
    );
    // Streets are cut at junctions: no street passes through another's end.
    for street in &walkable {
        for vertex in &street.geometry.0[1..street.geometry.0.len() - 1] {
            assert!(
                !nodes.contains_key(&key(*vertex)),
                "{} runs through a junction",
                street.id
            );
        }
    }
}

#[test]
fn motorways_exits_station_and_quays_are_in_place() {
    let city = city();
    for motorway in ["E314", "E313"] {
        let pieces: Vec<_> = city
            .streets
            .iter()
            .filter(|street| street.name == motorway)
            .collect();
        assert!(!pieces.is_empty(), "{motorway}");
        assert!(pieces
            .iter()
            .all(|street| !street.walkable && street.class == StreetClass::Motorway));
    }
    assert!(city
        .streets
        .iter()
        .any(|street| street.name.contains("Henry Fordlaan") && street.walkable));
    let exits: Vec<_> = city
        .access_points
        .iter()
        .filter(|point| point.kind == AccessKind::MotorwayExit)
        .collect();
    assert!(exits.len() >= 3);
    let motorway_ends: BTreeSet<(u64, u64)> = city
        .streets
        .iter()
        .filter(|street| street.class == StreetClass::Motorway)
        .flat_map(|street| [street.geometry.0[0], *street.geometry.0.last().unwrap()])
        .map(|coord| (coord.x.to_bits(), coord.y.to_bits()))
        .collect();
    for exit in &exits {
        let at = (exit.geometry.x().to_bits(), exit.geometry.y().to_bits());
        assert!(
            motorway_ends.contains(&at),
            "{} is not on its motorway",
            exit.name
        );
    }
    let station = city
        .access_points
        .iter()
        .find(|point| point.kind == AccessKind::RailwayStation)
        .unwrap();
    assert!(
        (station.geometry.x() - 5.4995).abs() < 0.002
            && (station.geometry.y() - 50.9665).abs() < 0.002
    );
    let genk_zuid = city
        .business_parks
        .iter()
        .find(|park| park.id == "genk-zuid")
        .unwrap();
    let quays: Vec<_> = city
        .access_points
        .iter()
        .filter(|point| point.kind == AccessKind::Quay)
        .collect();
    assert!(quays.len() >= 3);
    for quay in quays {
        assert!(
            (50.92..50.945).contains(&quay.geometry.y()),
            "{}",
            quay.name
        );
        let near = genk_zuid
            .geometry
            .bounding_rect()
            .map(|rect| rect.to_polygon())
            .is_some_and(|rect| rect.contains(&quay.geometry));
        assert!(near, "{} is not at Genk-Zuid", quay.name);
    }
}

#[test]
fn shop_units_are_many_and_varied_like_genks() {
    let city = city();
    let units = &city.shop_units;
    assert!((1_300..=1_700).contains(&units.len()), "{}", units.len());
    let daily = units
        .iter()
        .filter(|unit| unit.category == ShopCategory::Daily)
        .count() as f64
        / units.len() as f64;
    assert!((0.20..=0.25).contains(&daily), "daily share {daily}");
    let range_of = |kind: ShopKind| {
        units
            .iter()
            .filter(|unit| unit.kind == Some(kind))
            .map(|unit| unit.floor_area_m2)
            .fold((f64::MAX, f64::MIN), |(low, high), area| {
                (low.min(area), high.max(area))
            })
    };
    let (low, high) = range_of(ShopKind::Supermarket);
    assert!(
        low >= 800.0 && high <= 2_500.0,
        "supermarkets {low}..{high}"
    );
    let (low, high) = range_of(ShopKind::Bakery);
    assert!(low >= 60.0 && high <= 240.0, "bakeries {low}..{high}");
    for unit in units {
        assert_eq!(
            unit.kind.is_some(),
            unit.category == ShopCategory::Daily,
            "{}",
            unit.id
        );
    }
    let per_area = |id: &str| {
        units
            .iter()
            .filter(|unit| unit.area_id.as_deref() == Some(id))
            .count()
    };
    let centrum = per_area("centrum");
    for area in &city.shopping_areas {
        assert!(per_area(&area.id) > 0, "{}", area.id);
        assert!(centrum >= per_area(&area.id));
    }
    assert!(
        units.iter().filter(|unit| unit.area_id.is_none()).count() > 150,
        "scattered shops"
    );
}

#[test]
fn shop_units_lie_on_their_street_and_in_their_area() {
    let city = city();
    let areas: BTreeMap<&str, &MultiPolygon<f64>> = city
        .shopping_areas
        .iter()
        .map(|area| (area.id.as_str(), &area.geometry))
        .collect();
    let mut addresses = BTreeSet::new();
    for unit in &city.shop_units {
        assert!(
            addresses.insert(unit.address.clone()),
            "two units at {}",
            unit.address
        );
        let number = unit.address.strip_prefix(&format!("{} ", unit.street));
        assert!(
            number.is_some_and(|n| n.parse::<u32>().is_ok()),
            "{}",
            unit.address
        );
        let point = metres(unit.geometry.0);
        let nearest = city
            .streets
            .iter()
            .filter(|street| street.name == unit.street)
            .flat_map(|street| {
                street
                    .geometry
                    .0
                    .windows(2)
                    .map(|pair| (metres(pair[0]), metres(pair[1])))
                    .collect::<Vec<_>>()
            })
            .map(|(a, b)| {
                let (dx, dy) = (b.0 - a.0, b.1 - a.1);
                let t = (((point.0 - a.0) * dx + (point.1 - a.1) * dy) / (dx * dx + dy * dy))
                    .clamp(0.0, 1.0);
                (point.0 - a.0 - t * dx).hypot(point.1 - a.1 - t * dy)
            })
            .fold(f64::MAX, f64::min);
        assert!(
            nearest < 15.0,
            "{} is {nearest} m from {}",
            unit.id,
            unit.street
        );
        if let Some(area) = &unit.area_id {
            assert!(
                areas[area.as_str()].contains(&unit.geometry),
                "{} is outside {area}",
                unit.id
            );
        }
    }
    let vennestraat: Vec<_> = city
        .shop_units
        .iter()
        .filter(|unit| unit.street == "Vennestraat")
        .collect();
    assert!(vennestraat
        .iter()
        .all(|unit| (50.975..50.984).contains(&unit.geometry.y())));
    let stalenstraat: Vec<_> = city
        .shop_units
        .iter()
        .filter(|unit| unit.street == "Stalenstraat")
        .collect();
    assert!(stalenstraat
        .iter()
        .all(|unit| (50.987..50.993).contains(&unit.geometry.y())));
}

#[test]
fn unit_fields_are_their_state_on_the_reference_date() {
    let city = city();
    assert_eq!(
        units_on(&city.shop_units, &city.unit_events, reference_date()),
        city.shop_units
    );
}

#[test]
fn every_unit_has_five_years_of_history_ending_on_the_reference_date() {
    let city = city();
    let reference = reference_date();
    let five_years_before =
        NaiveDate::from_ymd_opt(reference.year() - 5, reference.month(), reference.day()).unwrap();
    let histories = histories(&city.unit_events);
    assert_eq!(histories.len(), city.shop_units.len());
    for history in histories.values() {
        assert!(history.events()[0].valid_from <= five_years_before);
    }
    let mut last_id = 0;
    let mut last_recorded = None;
    for event in &city.unit_events {
        assert!(event.valid_from <= reference && event.recorded_at.date_naive() <= reference);
        assert!(event.recorded_at.date_naive() >= event.valid_from || event.note.is_some());
        assert!(event.event_id > last_id, "event ids increase");
        assert!(
            Some(event.recorded_at) >= last_recorded,
            "event ids follow the recording order"
        );
        assert_eq!(event.recorded_by, "demo");
        last_id = event.event_id;
        last_recorded = Some(event.recorded_at);
    }
    // back-dated corrections: recorded long after they take effect, before a later record
    let corrections = city
        .unit_events
        .iter()
        .filter(|event| (event.recorded_at.date_naive() - event.valid_from).num_days() > 40)
        .filter(|event| {
            event
                .note
                .as_deref()
                .is_some_and(|note| note.starts_with("correctie"))
        })
        .count();
    assert!(corrections >= 5, "{corrections} corrections");
    let statuses: BTreeSet<UnitStatus> =
        city.unit_events.iter().map(|event| event.status).collect();
    assert_eq!(statuses.len(), 4, "every status occurs: {statuses:?}");
    let renovating = city
        .shop_units
        .iter()
        .filter(|unit| unit.status == UnitStatus::Renovation)
        .count();
    let exits = city
        .shop_units
        .iter()
        .filter(|unit| unit.status == UnitStatus::NonCommercial)
        .count();
    assert!(
        renovating > 0 && (1..=100).contains(&exits),
        "{renovating} renovating, {exits} exits"
    );
}

#[test]
fn vacancy_is_between_12_and_14_percent_for_every_seed() {
    let rate = vacancy_rate(&city().shop_units);
    assert!((0.12..=0.14).contains(&rate), "seed 1: {rate}");
    for seed in [2, 3, 17, 2026] {
        let city = generate(&DemoParams {
            seed,
            ..DemoParams::default()
        });
        let rate = vacancy_rate(&city.shop_units);
        assert!((0.12..=0.14).contains(&rate), "seed {seed}: {rate}");
        let centrum = vacancy_rate(
            city.shop_units
                .iter()
                .filter(|u| u.area_id.as_deref() == Some("centrum")),
        );
        let venne = vacancy_rate(
            city.shop_units
                .iter()
                .filter(|u| u.area_id.as_deref() == Some("vennestraat")),
        );
        assert!(
            centrum > venne,
            "seed {seed}: centrum {centrum}, vennestraat {venne}"
        );
    }
}

#[test]
fn centrum_has_more_vacancy_than_vennestraat() {
    let units = &city().shop_units;
    let centrum = vacancy_rate(
        units
            .iter()
            .filter(|unit| unit.area_id.as_deref() == Some("centrum")),
    );
    let venne = vacancy_rate(
        units
            .iter()
            .filter(|unit| unit.area_id.as_deref() == Some("vennestraat")),
    );
    assert!(centrum > venne, "centrum {centrum}, vennestraat {venne}");
}

#[test]
fn long_term_and_structural_vacancies_exist() {
    let reference = reference_date();
    let (mut frictional, mut long_term, mut structural) = (0, 0, 0);
    for unit in city()
        .shop_units
        .iter()
        .filter(|unit| unit.status == UnitStatus::Vacant)
    {
        match (reference - unit.status_since).num_days() {
            days if days < 365 => frictional += 1,
            days if days < 3 * 365 => long_term += 1,
            _ => structural += 1,
        }
    }
    assert!(
        frictional > 0 && long_term >= 10 && structural >= 5,
        "{frictional} {long_term} {structural}"
    );
}

#[test]
fn some_populated_neighbourhoods_lack_a_supermarket_or_a_bakery() {
    let city = city();
    let mut kinds: BTreeMap<&str, BTreeSet<ShopKind>> = BTreeMap::new();
    for unit in city
        .shop_units
        .iter()
        .filter(|unit| unit.status == UnitStatus::Occupied)
    {
        if let (Some(kind), Some(neighbourhood)) =
            (unit.kind, neighbourhood_of(city, &unit.geometry))
        {
            kinds.entry(neighbourhood).or_default().insert(kind);
        }
    }
    let lacking = |kind: ShopKind| {
        city.neighbourhoods
            .iter()
            .filter(|n| n.population >= 1_000)
            .filter(|n| {
                !kinds
                    .get(n.id.as_str())
                    .is_some_and(|kinds| kinds.contains(&kind))
            })
            .count()
    };
    assert!(lacking(ShopKind::Supermarket) >= 1);
    assert!(lacking(ShopKind::Bakery) >= 2);
    assert!(
        lacking(ShopKind::Bakery) < 20,
        "most neighbourhoods have a bakery"
    );
}

#[test]
fn parcels_cover_the_city_with_measured_areas_and_capakeys() {
    let city = city();
    assert!(city.parcels.len() >= 30_000, "{}", city.parcels.len());
    let mut total = 0.0;
    let mut capakeys = BTreeSet::new();
    for parcel in &city.parcels {
        let measured = area_m2(parcel.geometry.clone());
        assert!(
            ((parcel.area_m2 - measured) / measured).abs() < 0.001,
            "{}: {} vs {measured}",
            parcel.id,
            parcel.area_m2
        );
        total += measured;
        let key = parcel.capakey.as_bytes();
        assert!(
            key.len() == 17
                && parcel.capakey.starts_with("71016")
                && key[5].is_ascii_uppercase()
                && key[10] == b'/',
            "{}",
            parcel.capakey
        );
        assert!(
            capakeys.insert(parcel.capakey.clone()),
            "duplicate capakey {}",
            parcel.capakey
        );
    }
    let city_m2 = area_m2(outline());
    assert!(
        ((total - city_m2) / city_m2).abs() < 0.005,
        "parcels cover {total} of {city_m2} m²"
    );
    let zonings: BTreeSet<_> = city.parcels.iter().map(|parcel| parcel.zoning).collect();
    assert!(zonings.len() >= 7, "{zonings:?}");
    let retail_in_areas = city
        .parcels
        .iter()
        .filter(|parcel| parcel.zoning == genk_atlas::model::Zoning::Retail)
        .count();
    assert!(retail_in_areas > 100);
}

#[test]
fn business_parks_have_their_areas_and_zoning() {
    let city = city();
    let expected_ha = [
        ("genk-zuid", 1_500.0),
        ("genk-noord", 230.0),
        ("thor-park", 90.0),
        ("synapspark", 35.0),
        ("portavida", 10.0),
        ("c-mine", 14.0),
    ];
    for (id, hectares) in expected_ha {
        let park = city
            .business_parks
            .iter()
            .find(|park| park.id == id)
            .unwrap();
        let measured = area_m2(park.geometry.clone()) / 10_000.0;
        assert!(
            (measured / hectares - 1.0).abs() < 0.15,
            "{id}: {measured} ha"
        );
    }
    let zuid = city
        .business_parks
        .iter()
        .find(|park| park.id == "genk-zuid")
        .unwrap();
    let biggest = city
        .business_parks
        .iter()
        .map(|park| area_m2(park.geometry.clone()))
        .fold(0.0, f64::max);
    assert_eq!(area_m2(zuid.geometry.clone()), biggest);
    for parcel in city
        .parcels
        .iter()
        .filter(|parcel| parcel.park_id.is_some())
    {
        let expected = match parcel.park_id.as_deref() {
            Some("genk-zuid") => "industrial",
            Some("genk-noord") => "sme",
            Some("thor-park") => "research",
            Some("synapspark" | "portavida") => "care",
            _ => "services",
        };
        assert_eq!(parcel.zoning.as_str(), expected, "{}", parcel.id);
    }
}

#[test]
fn park_parcels_on_offer_come_in_adjacent_clusters() {
    let city = city();
    let offered: Vec<_> = city
        .parcels
        .iter()
        .filter(|parcel| parcel.availability != Availability::NotOffered)
        .collect();
    assert!((150..=600).contains(&offered.len()), "{}", offered.len());
    for parcel in &offered {
        assert!(
            parcel.park_id.is_some() && parcel.available_from.is_some(),
            "{}",
            parcel.id
        );
        let price = parcel.price_eur_m2.unwrap();
        if matches!(parcel.park_id.as_deref(), Some("genk-zuid" | "genk-noord")) {
            assert!((60.0..=150.0).contains(&price), "{}: {price}", parcel.id);
        }
        assert!(parcel.max_height_m.is_some());
    }
    let kinds: BTreeSet<_> = offered.iter().map(|parcel| parcel.availability).collect();
    assert_eq!(kinds.len(), 4);
    // Clusters: components of offered parcels of one park sharing ≥ 10 m of edge.
    let mut parent: Vec<usize> = (0..offered.len()).collect();
    fn root(parent: &mut [usize], mut node: usize) -> usize {
        while parent[node] != node {
            parent[node] = parent[parent[node]];
            node = parent[node];
        }
        node
    }
    let boxes: Vec<_> = offered
        .iter()
        .map(|parcel| parcel.geometry.bounding_rect().unwrap())
        .collect();
    for a in 0..offered.len() {
        for b in a + 1..offered.len() {
            if offered[a].park_id != offered[b].park_id {
                continue;
            }
            let (ra, rb) = (boxes[a], boxes[b]);
            if ra.max().x < rb.min().x
                || rb.max().x < ra.min().x
                || ra.max().y < rb.min().y
                || rb.max().y < ra.min().y
            {
                continue;
            }
            if shared_edge_m(&offered[a].geometry, &offered[b].geometry) >= 10.0 {
                let (x, y) = (root(&mut parent, a), root(&mut parent, b));
                parent[x] = y;
            }
        }
    }
    let mut sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for index in 0..offered.len() {
        *sizes.entry(root(&mut parent, index)).or_default() += 1;
    }
    let clusters_of_3 = sizes.values().filter(|size| **size >= 3).count();
    let in_clusters: usize = sizes.values().filter(|size| **size >= 2).sum();
    assert!(
        clusters_of_3 >= 10 && in_clusters >= 100,
        "{clusters_of_3} clusters of 3+, {in_clusters} parcels in clusters"
    );
}

#[test]
fn companies_sit_on_parcels_mostly_on_the_parks() {
    let city = city();
    assert!(
        (300..=1_500).contains(&city.companies.len()),
        "{}",
        city.companies.len()
    );
    let on_parks = city
        .companies
        .iter()
        .filter(|company| {
            city.business_parks
                .iter()
                .any(|park| park.geometry.contains(&company.geometry))
        })
        .count();
    assert!(
        on_parks * 10 >= city.companies.len() * 6,
        "{on_parks} on parks"
    );
    for company in &city.companies {
        let nace = company.nace.as_bytes();
        assert!(nace.len() == 5 && nace[2] == b'.', "{}", company.nace);
        assert!(company.employees.is_none_or(|employees| employees > 0));
        assert!(company.contact.is_some());
    }
}

#[test]
fn scale_2_doubles_every_count_with_distinct_ids() {
    let double = generate(&DemoParams {
        scale: 2,
        ..DemoParams::default()
    });
    let single = city();
    for (layer, count) in single.counts() {
        assert_eq!(double.counts()[&layer], 2 * count, "{layer}");
        let ids: BTreeSet<String> = double
            .features(layer)
            .into_iter()
            .map(|feature| feature.id)
            .collect();
        assert_eq!(ids.len(), 2 * count, "{layer}: ids are not distinct");
    }
    assert_eq!(double.unit_events.len(), 2 * single.unit_events.len());
    let event_ids: BTreeSet<i64> = double
        .unit_events
        .iter()
        .map(|event| event.event_id)
        .collect();
    assert_eq!(event_ids.len(), double.unit_events.len());
    // copy 0 is the city itself; the copy's references point into the copy
    assert_eq!(double.parcels[..single.parcels.len()], single.parcels[..]);
    let units: BTreeSet<&str> = double
        .shop_units
        .iter()
        .map(|unit| unit.id.as_str())
        .collect();
    assert!(double
        .unit_events
        .iter()
        .all(|event| units.contains(event.unit_id.as_str())));
    let parks: BTreeSet<&str> = double
        .business_parks
        .iter()
        .map(|park| park.id.as_str())
        .collect();
    assert!(double
        .parcels
        .iter()
        .filter_map(|parcel| parcel.park_id.as_deref())
        .all(|id| parks.contains(id)));
    let capakeys: BTreeSet<&str> = double
        .parcels
        .iter()
        .map(|parcel| parcel.capakey.as_str())
        .collect();
    assert_eq!(capakeys.len(), double.parcels.len());
    let copy = &double.parcels[single.parcels.len()];
    assert!(copy.id.starts_with("k1-"));
    assert!((copy.area_m2 / single.parcels[0].area_m2 - 1.0).abs() < 0.01);
}
