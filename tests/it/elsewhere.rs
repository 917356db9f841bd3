//! The same binary serves another city: nothing of Genk is built in. The
//! small Genk fixture moved to Antwerp's latitude opens the map there, names
//! the whole city as configured and measures in Antwerp's plane.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use genk_atlas::engine::Engine;
use genk_atlas::http::{router, AppState};
use genk_atlas::model::{Feature, LayerId};
use genk_atlas::store::geopackage::GeoPackageStore;
use genk_atlas::store::{LayerStore, SharedStore, WriteBatch};
use geo::{CoordsIter, MapCoords};
use serde_json::Value;
use tower::ServiceExt;

use crate::fixtures::genk_centre;
use crate::servers::Server;

/// From the centre of Genk (5.50, 50.965) to that of Antwerp (4.40, 51.22).
const SHIFT: (f64, f64) = (-1.10, 0.255);

/// Every layer of the fixture, moved by [`SHIFT`].
fn moved_layers() -> Vec<(LayerId, Vec<Feature>)> {
    let dataset = genk_centre();
    LayerId::ALL
        .iter()
        .map(|layer| {
            let features = dataset
                .features(*layer)
                .into_iter()
                .map(|feature| Feature {
                    geometry: feature
                        .geometry
                        .map_coords(|c| geo::coord! { x: c.x + SHIFT.0, y: c.y + SHIFT.1 }),
                    ..feature
                })
                .collect();
            (*layer, features)
        })
        .collect()
}

/// The box of every coordinate of the moved neighbourhoods and shop units,
/// by a scan of the coordinates (the oracle for the style's bounds).
fn scanned_city_box() -> [f64; 4] {
    let mut bounds = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for (layer, features) in moved_layers() {
        if !matches!(layer, LayerId::Neighbourhoods | LayerId::ShopUnits) {
            continue;
        }
        for c in features
            .iter()
            .flat_map(|feature| feature.geometry.coords_iter())
        {
            bounds = [
                bounds[0].min(c.x),
                bounds[1].min(c.y),
                bounds[2].max(c.x),
                bounds[3].max(c.y),
            ];
        }
    }
    bounds
}

async fn get_json(state: &AppState, uri: &str) -> Value {
    let response = router(state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{uri}");
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn a_city_at_another_latitude_opens_there_and_measures_in_its_own_plane() {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(GeoPackageStore::create(&dir.path().join("a.gpkg")).unwrap());
    let engine = Engine::new(moved_layers(), genk_centre().unit_events).with_city_name("Antwerpen");

    // the plane is at the neighbourhoods' middle latitude
    let neighbourhoods = moved_layers().remove(0).1;
    let (mut south, mut north) = (f64::INFINITY, f64::NEG_INFINITY);
    for c in neighbourhoods
        .iter()
        .flat_map(|feature| feature.geometry.coords_iter())
    {
        (south, north) = (south.min(c.y), north.max(c.y));
    }
    let expected_scale = ((south + north) / 2.0).to_radians().cos();
    assert!((engine.plane().lon_scale() - expected_scale).abs() < 1e-12);
    assert!(south > 51.0, "the fixture moved north of Genk ({south})");

    let state = AppState::new(store, engine, None);
    let style = get_json(&state, "/tiles/style.json").await;
    let bounds: Vec<f64> = style["metadata"]["atlas:bounds"]
        .as_array()
        .expect("the style names the city's bounds")
        .iter()
        .map(|n| n.as_f64().unwrap())
        .collect();
    let scanned = scanned_city_box();
    for (served, scanned) in bounds.iter().zip(scanned) {
        assert!(
            (served - scanned).abs() < 1e-9,
            "{bounds:?} against {scanned:?}"
        );
    }
    let center = style["center"].as_array().unwrap();
    assert!((center[0].as_f64().unwrap() - (scanned[0] + scanned[2]) / 2.0).abs() < 1e-9);
    assert!((center[1].as_f64().unwrap() - (scanned[1] + scanned[3]) / 2.0).abs() < 1e-9);

    let summary = get_json(&state, "/api/vacancy/summary?date=2026-01-01&by=city").await;
    assert_eq!(summary["groups"][0]["name"], "Antwerpen");
}

#[tokio::test]
async fn atlas_serve_names_the_city_as_configured() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.gpkg");
    let store = GeoPackageStore::create(&path).unwrap();
    let dataset = genk_centre();
    let batch = WriteBatch {
        layers: LayerId::ALL
            .iter()
            .map(|layer| (*layer, dataset.features(*layer)))
            .collect(),
        events: dataset.unit_events.clone(),
    };
    store.write(&batch, &|_| {}).await.unwrap();
    drop(store);
    let gpkg = path.to_str().unwrap();
    let named = Server::start(&["--gpkg", gpkg, "--city-name", "Hasselt"], dir.path()).await;
    let summary = named
        .get_ok("/api/vacancy/summary?date=2026-01-01&by=city")
        .await;
    assert_eq!(summary["groups"][0]["name"], "Hasselt");
    let coverage = named.get_ok("/api/coverage?kind=daily").await;
    assert_eq!(coverage["city"]["name"], "Hasselt", "{coverage}");
    drop(named);
    let unnamed = Server::start(&["--gpkg", gpkg], dir.path()).await;
    let summary = unnamed
        .get_ok("/api/vacancy/summary?date=2026-01-01&by=city")
        .await;
    assert_eq!(
        summary["groups"][0]["name"],
        genk_atlas::engine::UNNAMED_CITY
    );
}
