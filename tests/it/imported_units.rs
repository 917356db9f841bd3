//! Issue 17 item 5, a regression test on both stores: shop units brought
//! in by an import had no history, so the vacancy figures left them out
//! and no edit could be made on them. Now `atlas import shop_units` and
//! `POST /api/import/shop_units` give each new unit its first event (its
//! status from the file, `valid_from` its `status_since`, `recorded_by`
//! the importer) in the import's transaction.
//!
//! Oracle: the fixture city's figures by hand plus the file's units (two
//! vacant, one occupied, none of them in the fixture), read back from the
//! store's own event table and from the served figures.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use genk_atlas::accounts::{add_account, issue_token};
use genk_atlas::http::{router, AppState};
use genk_atlas::load::load_engine;
use genk_atlas::model::access::Role;
use genk_atlas::model::UnitStatus;
use genk_atlas::store::geopackage::GeoPackageStore;
use genk_atlas::store::{LayerStore, SharedStore, WriteBatch};

use crate::fixtures;
use crate::support::fresh_database;

const NEW_UNITS: [(&str, &str, &str); 3] = [
    ("unit-import-1", "vacant", "2024-05-01"),
    ("unit-import-2", "vacant", "2025-01-15"),
    ("unit-import-3", "occupied", "2023-09-01"),
];

fn new_units_geojson() -> Vec<u8> {
    let features: Vec<Value> = NEW_UNITS
        .iter()
        .enumerate()
        .map(|(index, (id, status, since))| {
            json!({"type": "Feature",
                "geometry": {"type": "Point", "coordinates": [5.4990 + 0.0004 * index as f64, 50.9655]},
                "properties": {"id": id, "address": format!("Marktstraat {}", index + 1), "street": "Marktstraat",
                    "floor_area_m2": 80.0 + index as f64, "category": "periodic", "status": status,
                    "status_since": since, "occupant": if *status == "occupied" { json!("Boekhandel Peeters") } else { Value::Null }}})
        })
        .collect();
    serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features})).unwrap()
}

async fn send(state: &AppState, request: Request<Body>) -> (StatusCode, Value) {
    let response = router(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn city_figures(state: &AppState) -> (u64, u64) {
    let (status, summary) = send(
        state,
        Request::get("/api/vacancy/summary?date=2025-06-01&by=city")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    let group = &summary["groups"][0];
    (
        group["units"].as_u64().unwrap(),
        group["vacant"].as_u64().unwrap(),
    )
}

/// The store holds exactly one event for each new unit, as the file says;
/// the served figures count them; a retail edit on version 1 is taken.
async fn check_imported(store: SharedStore, before: (u64, u64), recorded_by: &str) {
    let events = store.read_events().await.unwrap();
    for (id, status, since) in NEW_UNITS {
        let of_unit: Vec<_> = events.iter().filter(|event| event.unit_id == id).collect();
        assert_eq!(of_unit.len(), 1, "{id}: {of_unit:?}");
        let event = of_unit[0];
        assert_eq!(event.status, status.parse::<UnitStatus>().unwrap(), "{id}");
        assert_eq!(event.valid_from.to_string(), since, "{id}");
        assert_eq!(event.recorded_by, recorded_by, "{id}");
        assert!(event.event_id > 0, "{id}: the store gave an id");
    }
    let engine = load_engine(store.as_ref()).await.unwrap();
    let state = AppState::new(store.clone(), engine, None);
    // on 2025-06-01 all three exist: two vacant, one occupied
    assert_eq!(city_figures(&state).await, (before.0 + 3, before.1 + 2));
    add_account(store.as_ref(), "winkels", Role::Retail, "test")
        .await
        .unwrap();
    let token = issue_token(store.as_ref(), "winkels", 1, "test")
        .await
        .unwrap();
    let edit = json!({"version": 1, "valid_from": "2025-03-01", "status": "occupied", "category": "periodic", "floor_area_m2": 81.0, "occupant": "Fietsen Claes"});
    let (status, answer) = send(
        &state,
        Request::post("/api/shop_units/unit-import-2/events")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(edit.to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["version"], 2, "{answer}");
    assert_eq!(city_figures(&state).await, (before.0 + 3, before.1 + 1));
}

/// The fixture city's figures on 2025-06-01, from a store that holds it.
async fn figures_of(store: &SharedStore) -> (u64, u64) {
    let engine = load_engine(store.as_ref()).await.unwrap();
    city_figures(&AppState::new(store.clone(), engine, None)).await
}

fn atlas_import(file: &std::path::Path, store_args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_atlas"))
        .args([
            "import",
            "shop_units",
            file.to_str().unwrap(),
            "--key",
            "id",
        ])
        .args(store_args)
        .env("USER", "importer-test")
        .env_remove("ATLAS_DATABASE_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test]
async fn units_imported_by_the_cli_into_a_geopackage_had_no_history() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("atlas.gpkg");
    let store = GeoPackageStore::create(&gpkg).unwrap();
    store
        .write(&WriteBatch::from_dataset(&fixtures::genk_centre()), &|_| {})
        .await
        .unwrap();
    let store: SharedStore = Arc::new(store);
    let before = figures_of(&store).await;
    let file = dir.path().join("units.geojson");
    std::fs::write(&file, new_units_geojson()).unwrap();
    let stdout = atlas_import(&file, &["--gpkg", gpkg.to_str().unwrap()]);
    assert!(
        stdout.contains("3 new shop units got their first event"),
        "{stdout}"
    );
    check_imported(store, before, "importer-test").await;
}

#[tokio::test]
async fn units_imported_by_the_cli_into_postgis_had_no_history() {
    let database = fresh_database().await;
    let store = database.store().await;
    store
        .write(&WriteBatch::from_dataset(&fixtures::genk_centre()), &|_| {})
        .await
        .unwrap();
    let store: SharedStore = Arc::new(store);
    let before = figures_of(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("units.geojson");
    std::fs::write(&file, new_units_geojson()).unwrap();
    let stdout = atlas_import(&file, &["--database-url", &database.url]);
    assert!(
        stdout.contains("3 new shop units got their first event"),
        "{stdout}"
    );
    check_imported(store, before, "importer-test").await;
}

#[tokio::test]
async fn units_uploaded_by_an_admin_had_no_history() {
    let atlas = crate::transfer::Atlas::new().await;
    let before = figures_of(&atlas.store).await;
    let (status, report) = atlas
        .import(
            "shop_units",
            "?key=id",
            Some(Role::Admin),
            "units.geojson",
            &new_units_geojson(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["n_written"], 3, "{report}");
    assert_eq!(report["n_first_events"], 3, "{report}");
    // the same file again: the units have history now, no second event
    let (status, again) = atlas
        .import(
            "shop_units",
            "?key=id",
            Some(Role::Admin),
            "units.geojson",
            &new_units_geojson(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["n_first_events"], 0, "{again}");
    check_imported(atlas.store.clone(), before, "admin").await;
}
