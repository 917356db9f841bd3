//! The HTTP API in-process (`router(state).oneshot(request)`) and over one
//! real socket.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use geo::{coord, Intersects, Rect};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use genk_atlas::http::{router, AppState};
use genk_atlas::load::load_engine;
use genk_atlas::model::{Dataset, LayerId};
use genk_atlas::store::geopackage::GeoPackageStore;
use genk_atlas::store::{LayerStore, SharedStore, WriteBatch};

use crate::fixtures;

/// An app over a GeoPackage holding `dataset`; the temp dir lives as long as the app.
async fn app_with(dataset: &Dataset) -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = GeoPackageStore::create(&dir.path().join("atlas.gpkg")).unwrap();
    store
        .write(&WriteBatch::from_dataset(dataset), &|_| {})
        .await
        .unwrap();
    let store: SharedStore = Arc::new(store);
    let engine = load_engine(store.as_ref()).await.unwrap();
    (AppState::new(store, engine, None), dir)
}

/// GET `uri` in-process: the status and the JSON body (or the text as a JSON string).
pub(crate) async fn get(state: &AppState, uri: &str) -> (StatusCode, Value) {
    let response = router(state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, json)
}

#[tokio::test]
async fn health_reports_the_store_and_every_layer_count() {
    let dataset = fixtures::genk_centre();
    let (state, _dir) = app_with(&dataset).await;
    let (status, body) = get(&state, "/api/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["store"], "geopackage");
    for (layer, count) in dataset.counts() {
        assert_eq!(body["layers"][layer.as_str()], count, "{layer}");
    }
}

#[tokio::test]
async fn the_layer_list_describes_every_layer_without_confidential_fields() {
    let dataset = fixtures::genk_centre();
    let (state, _dir) = app_with(&dataset).await;
    let (status, body) = get(&state, "/api/layers").await;
    assert_eq!(status, StatusCode::OK);
    let layers = body["layers"].as_array().unwrap();
    assert_eq!(layers.len(), LayerId::ALL.len());
    let shop_units = layers
        .iter()
        .find(|layer| layer["id"] == "shop_units")
        .unwrap();
    assert_eq!(shop_units["geometry_type"], "Point");
    assert_eq!(shop_units["count"], dataset.shop_units.len());
    let names: Vec<&str> = shop_units["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"address") && names.contains(&"status"));
    assert!(!names.contains(&"occupant"));
    assert_eq!(shop_units["bbox"].as_array().unwrap().len(), 4);
    // the sources to credit: the wijken on the neighbourhoods, nothing else here
    assert_eq!(shop_units["sources"], serde_json::json!([]));
    let neighbourhoods = layers
        .iter()
        .find(|layer| layer["id"] == "neighbourhoods")
        .unwrap();
    let sources = neighbourhoods["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0]["id"], "wijken");
    assert!(sources[0]["credit_nl"].as_str().unwrap().starts_with(
        "Wijken: © gemeentebesturen, verzameld door Data & Analyse van de Vlaamse provincies"
    ));
}

#[tokio::test]
async fn bbox_features_are_exactly_those_that_meet_the_box() {
    let dataset = fixtures::genk_centre();
    let (state, _dir) = app_with(&dataset).await;
    for layer in LayerId::ALL {
        let features = dataset.features(*layer);
        for feature in &features {
            // a box around each feature's first coordinate must return it
            let probe = geo::CoordsIter::coords_iter(&feature.geometry)
                .next()
                .unwrap();
            let bbox = Rect::new(
                coord! { x: probe.x - 1e-4, y: probe.y - 1e-4 },
                coord! { x: probe.x + 1e-4, y: probe.y + 1e-4 },
            );
            let uri = format!(
                "/api/layers/{layer}/features?bbox={},{},{},{}",
                bbox.min().x,
                bbox.min().y,
                bbox.max().x,
                bbox.max().y
            );
            let (status, body) = get(&state, &uri).await;
            assert_eq!(status, StatusCode::OK, "{uri}");
            let mut returned: Vec<&str> = body["features"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_str().unwrap())
                .collect();
            returned.sort();
            let mut expected: Vec<&str> = features
                .iter()
                .filter(|f| f.geometry.intersects(&bbox))
                .map(|f| f.id.as_str())
                .collect();
            expected.sort();
            assert_eq!(returned, expected, "{uri}");
            assert!(returned.contains(&feature.id.as_str()));
        }
    }
}

#[tokio::test]
async fn features_page_with_limit_and_offset_in_id_order() {
    let dataset = fixtures::genk_centre();
    let (state, _dir) = app_with(&dataset).await;
    let mut ids: Vec<String> = dataset
        .shop_units
        .iter()
        .map(|unit| unit.id.clone())
        .collect();
    ids.sort();
    assert!(ids.len() >= 2, "the fixture needs two shop units");
    let (_, first) = get(&state, "/api/layers/shop_units/features?limit=1").await;
    let (_, second) = get(&state, "/api/layers/shop_units/features?limit=1&offset=1").await;
    assert_eq!(first["type"], "FeatureCollection");
    assert_eq!(first["numberMatched"], ids.len());
    assert_eq!(first["numberReturned"], 1);
    assert_eq!(first["features"][0]["id"], ids[0]);
    assert_eq!(second["features"][0]["id"], ids[1]);
    let (_, beyond) = get(&state, "/api/layers/shop_units/features?offset=1000").await;
    assert_eq!(beyond["features"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn public_answers_never_carry_the_occupant_or_the_contact() {
    let dataset = fixtures::genk_centre();
    let secrets: Vec<String> = dataset
        .shop_units
        .iter()
        .filter_map(|unit| unit.occupant.clone())
        .chain(
            dataset
                .companies
                .iter()
                .filter_map(|company| company.contact.clone()),
        )
        .collect();
    assert!(
        !secrets.is_empty(),
        "the fixture needs an occupant or a contact"
    );
    let (state, _dir) = app_with(&dataset).await;
    let mut uris = vec![
        "/api/layers/shop_units/features".to_string(),
        "/api/layers/companies/features".to_string(),
    ];
    uris.extend(
        dataset
            .shop_units
            .iter()
            .map(|unit| format!("/api/layers/shop_units/features/{}", unit.id)),
    );
    uris.extend(
        dataset
            .companies
            .iter()
            .map(|company| format!("/api/layers/companies/features/{}", company.id)),
    );
    for uri in uris {
        let (status, body) = get(&state, &uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        let text = body.to_string();
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{uri} leaks {secret}");
        }
        assert!(
            !text.contains("\"occupant\"") && !text.contains("\"contact\""),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn one_feature_by_id() {
    let dataset = fixtures::genk_centre();
    let (state, _dir) = app_with(&dataset).await;
    let unit = &dataset.shop_units[0];
    let (status, body) = get(
        &state,
        &format!("/api/layers/shop_units/features/{}", unit.id),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["type"], "Feature");
    assert_eq!(body["id"], unit.id.as_str());
    assert_eq!(body["properties"]["address"], unit.address.as_str());
    assert_eq!(body["geometry"]["coordinates"][0], unit.geometry.x());
}

#[tokio::test]
async fn bad_input_is_a_json_4xx_that_names_the_parameter() {
    let (state, _dir) = app_with(&fixtures::genk_centre()).await;
    let cases = [
        (
            "/api/layers/parcels/features?bbox=5.4,50.9,5.6",
            StatusCode::BAD_REQUEST,
            Some("bbox"),
        ),
        (
            "/api/layers/parcels/features?bbox=5.6,50.9,5.4,51.0",
            StatusCode::BAD_REQUEST,
            Some("bbox"),
        ),
        (
            "/api/layers/parcels/features?bbox=x,y,z,w",
            StatusCode::BAD_REQUEST,
            Some("bbox"),
        ),
        (
            "/api/layers/parcels/features?bbox=225702,182034,225800,182100",
            StatusCode::BAD_REQUEST,
            Some("bbox"),
        ),
        (
            "/api/layers/parcels/features?limit=-1",
            StatusCode::BAD_REQUEST,
            Some("limit"),
        ),
        (
            "/api/layers/parcels/features?limit=ten",
            StatusCode::BAD_REQUEST,
            Some("limit"),
        ),
        (
            "/api/layers/parcels/features?limit=1000000",
            StatusCode::BAD_REQUEST,
            Some("limit"),
        ),
        (
            "/api/layers/parcels/features?offset=-5",
            StatusCode::BAD_REQUEST,
            Some("offset"),
        ),
        (
            "/api/layers/parcels/features?bbbox=1,2,3,4",
            StatusCode::BAD_REQUEST,
            Some("bbbox"),
        ),
        (
            "/api/layers/pizzerias/features",
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "/api/layers/parcels%27%3B%20DROP%20TABLE%20parcels%3B--/features",
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "/api/layers/parcels/features/no-such-parcel",
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "/api/layers/parcels/features/%27%20OR%201%3D1%20--",
            StatusCode::NOT_FOUND,
            None,
        ),
        ("/api/nothing-here", StatusCode::NOT_FOUND, None),
    ];
    for (uri, expected_status, parameter) in cases {
        let (status, body) = get(&state, uri).await;
        assert_eq!(status, expected_status, "{uri}: {body}");
        let message = body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{uri}: no JSON error in {body}"));
        if let Some(parameter) = parameter {
            assert!(
                message.contains(parameter),
                "{uri}: '{message}' does not name {parameter}"
            );
            assert_eq!(body["detail"]["parameter"], parameter);
        }
    }
}

#[tokio::test]
async fn the_root_page_answers_without_a_built_front_end() {
    let (state, _dir) = app_with(&fixtures::genk_centre()).await;
    let response = router(state)
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&bytes).contains("Genk Atlas"));
}

#[tokio::test]
async fn the_front_end_is_sent_compressed_and_its_hashed_assets_keep_for_a_year() {
    use std::io::Read;
    let web = tempfile::tempdir().unwrap();
    std::fs::create_dir(web.path().join("assets")).unwrap();
    let script: String = (0..20_000)
        .map(|i| format!("const a{i} = {i};\n"))
        .collect();
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>Genk Atlas</title>",
    )
    .unwrap();
    std::fs::write(web.path().join("assets/index-Dlz1HDX.js"), &script).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore =
        Arc::new(GeoPackageStore::create(&dir.path().join("atlas.gpkg")).unwrap());
    let engine = load_engine(store.as_ref()).await.unwrap();
    let state = AppState::new(store, engine, Some(web.path().to_path_buf()));
    let fetch = |uri: &'static str| {
        let state = state.clone();
        async move {
            let response = router(state)
                .oneshot(
                    Request::get(uri)
                        .header("accept-encoding", "gzip")
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            let headers = response.headers().clone();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            (headers, bytes)
        }
    };
    let (headers, bytes) = fetch("/assets/index-Dlz1HDX.js").await;
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(headers["content-encoding"], "gzip");
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, script, "the same script, unpacked");
    assert!(
        bytes.len() * 4 < script.len(),
        "{} of {} bytes sent",
        bytes.len(),
        script.len()
    );
    for uri in ["/", "/assets/no-such-asset.js"] {
        let (headers, bytes) = fetch(uri).await;
        assert_eq!(headers["cache-control"], "no-cache", "{uri}");
        let mut page = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut page)
            .unwrap();
        assert!(page.contains("Genk Atlas"), "{uri}: {page}");
    }
}

#[tokio::test]
async fn a_real_socket_serves_health() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (state, _dir) = app_with(&fixtures::genk_centre()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(genk_atlas::http::serve(listener, state));
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"store\":\"geopackage\""), "{response}");
    server.abort();
}

/// Issue 19 (items 7 and 14): the known places and the waterways are layers
/// like any other: listed with their geometry, offered as OGC collections
/// whose items carry their fields, and drawn by the style.
#[tokio::test]
async fn places_and_waterways_are_listed_offered_and_drawn() {
    let dataset = fixtures::genk_centre();
    let (state, _dir) = app_with(&dataset).await;
    let (status, body) = get(&state, "/api/layers").await;
    assert_eq!(status, StatusCode::OK);
    for (id, geometry_type, count, fields) in [
        (
            "places",
            "Point",
            dataset.places.len(),
            vec!["kind", "name", "alt_names"],
        ),
        (
            "waterways",
            "LineString",
            dataset.waterways.len(),
            vec!["name", "kind"],
        ),
    ] {
        let layer = body["layers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|layer| layer["id"] == id)
            .unwrap_or_else(|| panic!("no {id} in {body}"));
        assert_eq!(layer["geometry_type"], geometry_type, "{id}");
        assert_eq!(layer["count"], count, "{id}");
        let names: Vec<&str> = layer["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|field| field["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, fields, "{id}");
    }

    let (status, collections) = get(&state, "/ogc/collections").await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = collections["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|collection| collection["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"places") && ids.contains(&"waterways"),
        "{ids:?}"
    );
    let (status, items) = get(&state, "/ogc/collections/places/items").await;
    assert_eq!(status, StatusCode::OK, "{items}");
    let zol = items["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|feature| feature["properties"]["name"] == "ZOL campus Sint-Jan")
        .unwrap_or_else(|| panic!("no ZOL in {items}"));
    assert_eq!(zol["properties"]["kind"], "hospital");
    assert_eq!(
        zol["properties"]["alt_names"],
        "ZOL|Ziekenhuis Oost-Limburg"
    );
    assert_eq!(
        zol["geometry"]["coordinates"],
        serde_json::json!([5.516, 50.9565])
    );
    let (status, canal) = get(
        &state,
        "/ogc/collections/waterways/items/waterway-albertkanaal",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{canal}");
    assert_eq!(canal["geometry"]["type"], "LineString");
    assert_eq!(canal["properties"]["kind"], "canal");

    let (status, style) = get(&state, "/tiles/style.json").await;
    assert_eq!(status, StatusCode::OK);
    let drawn: Vec<&str> = style["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|layer| layer["id"].as_str().unwrap())
        .collect();
    assert!(
        drawn.contains(&"waterways-line") && drawn.contains(&"places-circle"),
        "{drawn:?}"
    );
}
