//! `GET /api/search` on the demo city, against what a linear scan of the
//! generated dataset says (names compared as written, not through the
//! engine's normalisation): an address finds its unit first, a park is
//! found without its space, a street is one place holding all of its
//! segments with their box, a slip of the keyboard is forgiven, nothing
//! confidential is searched or shown, and bad input is a 400 naming `q` or
//! `limit`.

use std::sync::{Arc, OnceLock};

use axum::http::StatusCode;
use geo::BoundingRect;
use serde_json::Value;

use genk_atlas::demo::{generate, DemoParams};
use genk_atlas::engine::Engine;
use genk_atlas::http::AppState;
use genk_atlas::model::Dataset;
use genk_atlas::store::geopackage::GeoPackageStore;
use genk_atlas::store::SharedStore;

use crate::http::get;

fn demo() -> &'static Dataset {
    static CITY: OnceLock<Dataset> = OnceLock::new();
    CITY.get_or_init(|| generate(&DemoParams::default()))
}

fn app() -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore =
        Arc::new(GeoPackageStore::create(&dir.path().join("atlas.gpkg")).unwrap());
    (
        AppState::new(store, Engine::from_dataset(demo()), None),
        dir,
    )
}

fn results(body: &Value) -> &Vec<Value> {
    body["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results in {body}"))
}

#[tokio::test]
async fn an_address_finds_its_shop_unit_first() {
    let (state, _dir) = app();
    let unit = demo()
        .shop_units
        .iter()
        .find(|unit| unit.address == "Vennestraat 10")
        .expect("the demo has Vennestraat 10");
    let (status, body) = get(&state, "/api/search?q=Vennestraat%2010").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = &results(&body)[0];
    assert_eq!(first["layer"], "shop_units");
    assert_eq!(first["id"], unit.id.as_str());
    assert_eq!(first["name"], "Vennestraat 10");
    assert_eq!(first["quality"], "whole");
    let [lon, lat] = [unit.geometry.x(), unit.geometry.y()];
    assert_eq!(first["bbox"], serde_json::json!([lon, lat, lon, lat]));
    assert_eq!(
        first["geometries"][0]["coordinates"],
        serde_json::json!([lon, lat])
    );
    // The rest start with the same words, house numbers in number order.
    let names: Vec<&str> = results(&body)[1..]
        .iter()
        .map(|hit| hit["name"].as_str().unwrap())
        .collect();
    assert!(
        names.iter().all(|name| name.starts_with("Vennestraat 10")),
        "{names:?}"
    );
}

#[tokio::test]
async fn a_park_is_found_however_it_is_spelled() {
    let (state, _dir) = app();
    let park = demo()
        .business_parks
        .iter()
        .find(|park| park.name == "Thor Park")
        .unwrap();
    for query in [
        "Thorpark",
        "thor%20park",
        "THOR-PARK",
        "Thor%20Parc",
        "th%C3%B6rpark",
    ] {
        let (status, body) = get(&state, &format!("/api/search?q={query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        let first = &results(&body)[0];
        assert_eq!(
            (first["layer"].as_str(), first["id"].as_str()),
            (Some("business_parks"), Some(park.id.as_str())),
            "{query}: {body}"
        );
    }
}

#[tokio::test]
async fn a_street_is_one_place_with_all_its_segments_and_their_box() {
    let (state, _dir) = app();
    let segments: Vec<_> = demo()
        .streets
        .iter()
        .filter(|street| street.name == "Vennestraat")
        .collect();
    assert!(
        segments.len() > 1,
        "Vennestraat has several segments in the demo"
    );
    // A slip: one letter missing.
    let (status, body) = get(&state, "/api/search?q=Venestraat&limit=50").await;
    assert_eq!(status, StatusCode::OK);
    let streets: Vec<&Value> = results(&body)
        .iter()
        .filter(|hit| hit["layer"] == "streets" && hit["name"] == "Vennestraat")
        .collect();
    assert_eq!(streets.len(), 1, "one place for the whole street: {body}");
    let street = streets[0];
    assert_eq!(street["quality"], "one_slip");
    let mut ids: Vec<&str> = street["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut expected: Vec<&str> = segments.iter().map(|segment| segment.id.as_str()).collect();
    expected.sort_unstable();
    assert_eq!(ids, expected);
    let mut bbox = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for segment in &segments {
        let rect = segment.geometry.bounding_rect().unwrap();
        bbox = [
            bbox[0].min(rect.min().x),
            bbox[1].min(rect.min().y),
            bbox[2].max(rect.max().x),
            bbox[3].max(rect.max().y),
        ];
    }
    assert_eq!(street["bbox"], serde_json::json!(bbox));
    assert_eq!(
        street["geometries"].as_array().unwrap().len(),
        segments.len()
    );
    // Whole names come before slips: the shopping street itself is not a slip of anything.
    let (_, exact) = get(&state, "/api/search?q=Vennestraat").await;
    assert_eq!(results(&exact)[0]["quality"], "whole");
}

#[tokio::test]
async fn every_hit_of_a_common_word_holds_it_and_none_is_missed() {
    let (state, _dir) = app();
    let (status, body) = get(&state, "/api/search?q=kaai&limit=50").await;
    assert_eq!(status, StatusCode::OK);
    let found: Vec<&str> = results(&body)
        .iter()
        .map(|hit| hit["name"].as_str().unwrap())
        .collect();
    // The linear scan: every public name or address with "kaai" in it, in any case.
    let mut expected: Vec<&str> = demo()
        .access_points
        .iter()
        .map(|point| point.name.as_str())
        .chain(demo().companies.iter().map(|company| company.name.as_str()))
        .chain(demo().business_parks.iter().map(|park| park.name.as_str()))
        .chain(demo().shopping_areas.iter().map(|area| area.name.as_str()))
        .chain(
            demo()
                .neighbourhoods
                .iter()
                .map(|neighbourhood| neighbourhood.name.as_str()),
        )
        .chain(demo().shop_units.iter().map(|unit| unit.address.as_str()))
        .filter(|name| name.to_lowercase().contains("kaai"))
        .collect();
    // A known place by its name or any of its other names, under its name.
    expected.extend(
        demo()
            .places
            .iter()
            .filter(|place| {
                std::iter::once(place.name.as_str())
                    .chain(place.other_names())
                    .any(|name| name.to_lowercase().contains("kaai"))
            })
            .map(|place| place.name.as_str()),
    );
    let mut street_names: Vec<&str> = demo()
        .streets
        .iter()
        .map(|street| street.name.as_str())
        .filter(|name| name.to_lowercase().contains("kaai"))
        .collect();
    street_names.dedup();
    expected.extend(street_names);
    expected.sort_unstable();
    expected.dedup();
    let mut found_sorted = found.clone();
    found_sorted.sort_unstable();
    found_sorted.dedup();
    assert!(!expected.is_empty());
    assert_eq!(found_sorted, expected);
}

#[tokio::test]
async fn nothing_confidential_is_searched_or_shown() {
    let (state, _dir) = app();
    let occupant = demo()
        .shop_units
        .iter()
        .filter_map(|unit| unit.occupant.as_deref())
        .find(|name| name.len() > 8)
        .unwrap();
    let (status, body) = get(
        &state,
        &format!("/api/search?q={}&limit=50", occupant.replace(' ', "%20")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !body["results"].to_string().contains(occupant),
        "{occupant} shown: {body}"
    );
}

#[tokio::test]
async fn bad_queries_are_a_400_that_names_the_parameter() {
    let (state, _dir) = app();
    let long = "a".repeat(101);
    for (uri, parameter) in [
        ("/api/search".to_string(), "q"),
        (format!("/api/search?q={long}"), "q"),
        ("/api/search?q=genk&limit=0".to_string(), "limit"),
        ("/api/search?q=genk&limit=51".to_string(), "limit"),
        ("/api/search?q=genk&limit=ten".to_string(), "limit"),
        ("/api/search?q=genk&q=zuid".to_string(), "q"),
        ("/api/search?query=genk".to_string(), "query"),
    ] {
        let (status, body) = get(&state, &uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(body["detail"]["parameter"], parameter, "{uri}: {body}");
    }
    // Text that looks like SQL or is only punctuation is just text: an answer, maybe empty.
    for query in [
        "%27%3B%20DROP%20TABLE%20shop_units%3B%20--",
        "%25%25%25",
        "%20",
        "%E2%80%8B",
    ] {
        let (status, body) = get(&state, &format!("/api/search?q={query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        assert!(body["results"].is_array());
    }
    let (_, health) = get(&state, "/api/health").await;
    assert_eq!(health["layers"]["shop_units"], demo().shop_units.len());
}

/// Issue 19 (item 14): "EnergyVille" and "ZOL" found nothing. A known place
/// is found by its name and by its other names, whatever the case, as the
/// place with its coordinates, named as the data names it.
#[tokio::test]
async fn search_finds_known_places_by_name_and_other_names() {
    let (state, _dir) = app();
    for (query, name) in [
        ("EnergyVille", "EnergyVille"),
        ("energyville", "EnergyVille"),
        ("ZOL", "ZOL campus Sint-Jan"),
        ("Ziekenhuis%20Oost-Limburg", "ZOL campus Sint-Jan"),
        ("cegeka%20arena", "Cegeka Arena"),
        ("KRC%20Genk", "Cegeka Arena"),
        ("C-Mine", "C-Mine"),
        ("Bokrijk", "Bokrijk"),
    ] {
        let place = demo()
            .places
            .iter()
            .find(|place| place.name == name)
            .unwrap_or_else(|| panic!("the demo has {name}"));
        let (status, body) = get(&state, &format!("/api/search?q={query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        let first = &results(&body)[0];
        assert_eq!(
            (
                first["layer"].as_str(),
                first["id"].as_str(),
                first["name"].as_str()
            ),
            (Some("places"), Some(place.id.as_str()), Some(name)),
            "{query}: {body}"
        );
        assert_eq!(first["quality"], "whole", "{query}");
        let [lon, lat] = [place.geometry.x(), place.geometry.y()];
        assert_eq!(
            first["geometries"][0],
            serde_json::json!({"type": "Point", "coordinates": [lon, lat]}),
            "{query}"
        );
        assert_eq!(first["bbox"], serde_json::json!([lon, lat, lon, lat]));
        // Found by two names, a place is still one hit.
        let same: Vec<&Value> = results(&body)
            .iter()
            .filter(|hit| hit["id"] == place.id.as_str())
            .collect();
        assert_eq!(same.len(), 1, "{query}: {body}");
    }
    for nonsense in ["qxzvbnw", "Ziekenhuis%20Antwerpen%20Noord"] {
        let (status, body) = get(&state, &format!("/api/search?q={nonsense}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            results(&body).iter().all(|hit| hit["layer"] != "places"),
            "{nonsense}: {body}"
        );
    }
}
