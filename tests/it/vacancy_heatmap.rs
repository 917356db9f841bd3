//! The vacancy heatmaps over HTTP on the demo city: H3 hexagons
//! (`/api/vacancy/h3`) checked against a brute force (each unit's cell from
//! h3o directly, its state from a scan of its events) and against the city
//! summary, the change in points, the kernel surface against a direct
//! haversine sum, the `vacancy_h3` tiles decoded, and refusals of bad input.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::NaiveDate;
use geo::{Distance, Haversine};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use crate::mvt::decode_tile;
use genk_atlas::demo::{generate, DemoParams};
use genk_atlas::engine::Engine;
use genk_atlas::http::{router, AppState};
use genk_atlas::model::{Dataset, UnitEvent, UnitStatus};
use genk_atlas::store::geopackage::GeoPackageStore;
use genk_atlas::store::SharedStore;
use genk_atlas::tiles::encode::PropertyValue;
use genk_atlas::tiles::{mercator, TileCoord};

fn demo() -> &'static Dataset {
    static CITY: OnceLock<Dataset> = OnceLock::new();
    CITY.get_or_init(|| generate(&DemoParams::default()))
}

/// An app over the demo engine; the temp dir lives as long as the app.
fn demo_app() -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = GeoPackageStore::create(&dir.path().join("atlas.gpkg")).unwrap();
    let store: SharedStore = Arc::new(store);
    (
        AppState::new(store, Engine::from_dataset(demo()), None),
        dir,
    )
}

async fn get(state: &AppState, uri: &str) -> (StatusCode, Vec<u8>) {
    let response = router(state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, bytes.to_vec())
}

async fn ok_json(state: &AppState, uri: &str) -> Value {
    let (status, bytes) = get(state, uri).await;
    let body: Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("{uri}: not JSON: {}", String::from_utf8_lossy(&bytes)));
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    body
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// The state of a unit on `date`: the latest (valid_from, recorded_at,
/// event_id) on or before it, by a scan.
fn brute_state<'a>(events: &[&'a UnitEvent], date: NaiveDate) -> Option<&'a UnitEvent> {
    events
        .iter()
        .filter(|event| event.valid_from <= date)
        .max_by_key(|event| (event.valid_from, event.recorded_at, event.event_id))
        .copied()
}

/// Per H3 cell (hex text): units, occupied, vacant, renovation, by brute
/// force over the demo's units and events.
fn brute_cells(date: NaiveDate, resolution: h3o::Resolution) -> BTreeMap<String, [i64; 4]> {
    let mut events_of: BTreeMap<&str, Vec<&UnitEvent>> = BTreeMap::new();
    for event in &demo().unit_events {
        events_of.entry(&event.unit_id).or_default().push(event);
    }
    let mut cells: BTreeMap<String, [i64; 4]> = BTreeMap::new();
    for unit in &demo().shop_units {
        let Some(state) = events_of
            .get(unit.id.as_str())
            .and_then(|events| brute_state(events, date))
        else {
            continue;
        };
        let column = match state.status {
            UnitStatus::Occupied => 1,
            UnitStatus::Vacant => 2,
            UnitStatus::Renovation => 3,
            UnitStatus::NonCommercial => continue,
        };
        let cell = h3o::LatLng::new(unit.geometry.y(), unit.geometry.x())
            .unwrap()
            .to_cell(resolution)
            .to_string();
        let row = cells.entry(cell).or_default();
        row[0] += 1;
        row[column] += 1;
    }
    cells
}

fn features(body: &Value) -> &Vec<Value> {
    assert_eq!(body["type"], "FeatureCollection");
    body["features"].as_array().unwrap()
}

#[tokio::test]
async fn hexagons_match_a_brute_force_and_add_up_to_the_city() {
    let (state, _dir) = demo_app();
    for date in ["2022-01-01", "2026-10-01"] {
        for (res, resolution) in [(9, h3o::Resolution::Nine), (10, h3o::Resolution::Ten)] {
            let body = ok_json(&state, &format!("/api/vacancy/h3?date={date}&res={res}")).await;
            assert_eq!(
                (body["date"].as_str(), body["res"].as_i64()),
                (Some(date), Some(res))
            );
            assert_eq!(body["min_units"], 5);
            let expected = brute_cells(day(date), resolution);
            let got: BTreeMap<String, [i64; 4]> = features(&body)
                .iter()
                .map(|feature| {
                    let p = &feature["properties"];
                    let n = |key: &str| p[key].as_i64().unwrap();
                    assert_eq!(feature["id"], p["h3"]);
                    (
                        p["h3"].as_str().unwrap().to_string(),
                        [n("units"), n("occupied"), n("vacant"), n("renovation")],
                    )
                })
                .collect();
            assert_eq!(got, expected, "{date} res {res}");
            // too small below five units, and then no rate
            for feature in features(&body) {
                let p = &feature["properties"];
                let units = p["units"].as_i64().unwrap();
                assert_eq!(p["too_small"], units < 5);
                if units < 5 {
                    assert!(p["rate_count"].is_null() && p["rate_area"].is_null());
                } else {
                    let (vacant, occupied) = (
                        p["vacant"].as_f64().unwrap(),
                        p["occupied"].as_f64().unwrap(),
                    );
                    if vacant + occupied > 0.0 {
                        // JSON numbers read back within an ulp or two
                        let rate = p["rate_count"].as_f64().unwrap();
                        assert!((rate - vacant / (vacant + occupied)).abs() < 1e-12);
                    }
                }
                // a closed hexagon (a pentagon never falls on Genk)
                let ring = feature["geometry"]["coordinates"][0].as_array().unwrap();
                assert_eq!(ring.len(), 7);
                assert_eq!(ring[0], ring[6]);
            }
            let city = ok_json(&state, &format!("/api/vacancy/summary?date={date}")).await;
            let sum = |key: &str| -> i64 {
                features(&body)
                    .iter()
                    .map(|f| f["properties"][key].as_i64().unwrap())
                    .sum()
            };
            for key in ["units", "vacant", "occupied", "renovation"] {
                assert_eq!(sum(key), city["groups"][0][key].as_i64().unwrap(), "{key}");
            }
        }
    }
    // a higher minimum marks more cells too small
    let count_small = |body: &Value| {
        features(body)
            .iter()
            .filter(|f| f["properties"]["too_small"] == true)
            .count()
    };
    let five = ok_json(&state, "/api/vacancy/h3?date=2026-10-01").await;
    let twenty = ok_json(&state, "/api/vacancy/h3?date=2026-10-01&min_units=20").await;
    assert!(count_small(&twenty) > count_small(&five));
    assert!(count_small(&five) > 0 && count_small(&five) < features(&five).len());
}

#[tokio::test]
async fn the_change_is_the_difference_of_the_rates_in_points() {
    let (state, _dir) = demo_app();
    let (from, to) = ("2023-10-01", "2026-10-01");
    let change = ok_json(
        &state,
        &format!("/api/vacancy/h3/change?from={from}&to={to}&res=9"),
    )
    .await;
    assert_eq!(
        (change["from"].as_str(), change["to"].as_str()),
        (Some(from), Some(to))
    );
    let rates = |body: &Value| -> BTreeMap<String, Value> {
        features(body)
            .iter()
            .map(|f| {
                (
                    f["id"].as_str().unwrap().to_string(),
                    f["properties"].clone(),
                )
            })
            .collect()
    };
    let before = rates(&ok_json(&state, &format!("/api/vacancy/h3?date={from}&res=9")).await);
    let after = rates(&ok_json(&state, &format!("/api/vacancy/h3?date={to}&res=9")).await);
    let mut n_changed = 0;
    for feature in features(&change) {
        let p = &feature["properties"];
        let id = p["h3"].as_str().unwrap();
        let rate =
            |side: &BTreeMap<String, Value>, key: &str| side.get(id).and_then(|p| p[key].as_f64());
        for (key, pp) in [
            ("rate_count", "change_count_pp"),
            ("rate_area", "change_area_pp"),
        ] {
            match (rate(&before, key), rate(&after, key)) {
                (Some(a), Some(b)) => {
                    assert!((p[pp].as_f64().unwrap() - (b - a) * 100.0).abs() < 1e-9);
                    if b != a {
                        n_changed += 1;
                    }
                }
                _ => assert!(p[pp].is_null(), "{id} {pp}"),
            }
        }
        assert_eq!(
            p["units_from"].as_i64().unwrap_or(0),
            before.get(id).map_or(0, |p| p["units"].as_i64().unwrap())
        );
        assert_eq!(
            p["units_to"].as_i64().unwrap_or(0),
            after.get(id).map_or(0, |p| p["units"].as_i64().unwrap())
        );
    }
    assert!(n_changed > 5, "{n_changed}");
    // every cell of either date is listed
    let ids: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    assert_eq!(ids.len(), features(&change).len());
    // by default the year up to the newest date
    let default = ok_json(&state, "/api/vacancy/h3/change").await;
    let to = NaiveDate::parse_from_str(default["to"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    assert_eq!(default["from"], (to - chrono::Months::new(12)).to_string());
}

#[tokio::test]
async fn the_surface_matches_a_direct_kernel_sum_at_its_cells() {
    use genk_atlas::engine::vacancy::h3::LocatedStock;
    use genk_atlas::engine::vacancy::surface::{counted_units, SurfaceGrid, SurfaceWeight};
    let (state, _dir) = demo_app();
    let located = LocatedStock::from_engine(&Engine::from_dataset(demo())).unwrap();
    let date = "2026-10-01";
    for (weight_param, weight) in [
        ("count", SurfaceWeight::Count),
        ("area", SurfaceWeight::Area),
    ] {
        let body = ok_json(
            &state,
            &format!("/api/vacancy/surface?date={date}&bandwidth_m=150&weight={weight_param}"),
        )
        .await;
        assert_eq!(body["kernel"], "quartic");
        assert_eq!(
            (body["bandwidth_m"].as_f64(), body["cell_m"].as_f64()),
            (Some(150.0), Some(50.0))
        );
        let cells = features(&body);
        assert!(cells.len() > 100, "{} cells", cells.len());
        let counted = counted_units(&located, day(date), weight);
        // every 7th cell against the direct sum over every unit, haversine
        for feature in cells.iter().step_by(7) {
            let ring = feature["geometry"]["coordinates"][0].as_array().unwrap();
            assert_eq!(ring.len(), 5);
            let corner = |i: usize, axis: usize| ring[i][axis].as_f64().unwrap();
            // The centre from the cell's id, not from its corners: those are
            // rounded to 10⁻⁷° (1 cm), and 1 cm moves the kernel of a large
            // unit near the bandwidth enough to shift a ratio by 10⁻⁴.
            let (column, row) = feature["id"].as_str().unwrap().split_once('/').unwrap();
            let (column, row): (i64, i64) = (column.parse().unwrap(), row.parse().unwrap());
            // the grid lies at the units' latitude rounded to a degree: Genk is at 51°
            let grid = SurfaceGrid::new(50.0, 51.0);
            let centre = grid.centre(column, row);
            let square = grid.bounds(column, row).to_polygon();
            for (i, expected) in square.exterior().0.iter().enumerate() {
                assert!(
                    (corner(i, 0) - expected.x).abs() <= 1e-7
                        && (corner(i, 1) - expected.y).abs() <= 1e-7,
                    "cell {column}/{row} is not where its id says"
                );
            }
            let (mut all, mut vacant, mut n_units, mut on_edge) = (0.0, 0.0, 0, false);
            for (point, unit_weight, is_vacant) in &counted {
                let distance = Haversine.distance(centre, *point);
                on_edge |= (distance - 150.0).abs() < 0.05;
                if distance < 150.0 {
                    let kernel = unit_weight * (1.0 - (distance / 150.0).powi(2)).powi(2);
                    all += kernel;
                    if *is_vacant {
                        vacant += kernel;
                    }
                    n_units += 1;
                }
            }
            if on_edge {
                continue;
            }
            let p = &feature["properties"];
            assert_eq!(p["units"].as_i64().unwrap(), n_units);
            assert!(n_units >= 5);
            assert!(
                (p["ratio"].as_f64().unwrap() - vacant / all).abs() < 1e-4,
                "{} vs {}",
                p["ratio"],
                vacant / all
            );
        }
    }
    // a wider bandwidth reaches more cells; a higher minimum masks more
    let n = |body: Value| features(&body).len();
    let wide = n(ok_json(
        &state,
        "/api/vacancy/surface?date=2026-10-01&bandwidth_m=400",
    )
    .await);
    let narrow = n(ok_json(&state, "/api/vacancy/surface?date=2026-10-01").await);
    let strict = n(ok_json(&state, "/api/vacancy/surface?date=2026-10-01&min_units=15").await);
    assert!(wide > narrow && strict < narrow, "{wide} {narrow} {strict}");
}

/// The tile at zoom `z` holding a point.
fn tile_at(lon: f64, lat: f64, z: u8) -> TileCoord {
    let (x, y) = mercator::lonlat_to_world(lon, lat);
    let n = f64::from(1u32 << z);
    TileCoord::new_checked(u32::from(z), (x * n) as u32, (y * n) as u32).unwrap()
}

#[tokio::test]
async fn vacancy_h3_tiles_decode_with_the_figures_of_the_geojson() {
    let (state, _dir) = demo_app();
    let geojson = ok_json(&state, "/api/vacancy/h3?date=2026-10-01&res=9").await;
    let by_id: BTreeMap<String, Value> = features(&geojson)
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["properties"].clone(),
            )
        })
        .collect();
    // Genk's centre, around the Stadsplein
    let tile = tile_at(5.5, 50.965, 14);
    let uri = format!(
        "/tiles/vacancy_h3/{}/{}/{}.mvt?date=2026-10-01&res=9",
        tile.z(),
        tile.x(),
        tile.y()
    );
    let (status, bytes) = get(&state, &uri).await;
    assert_eq!(status, StatusCode::OK);
    let decoded = decode_tile(&bytes).unwrap();
    let layer = decoded.layer("vacancy_h3").expect("the layer vacancy_h3");
    assert!(layer.features.len() > 3, "{}", layer.features.len());
    let mut n_with_rate = 0;
    for feature in &layer.features {
        let id = feature.text("h3").unwrap();
        let expected = &by_id[id];
        assert_eq!(feature.id, Some(u64::from_str_radix(id, 16).unwrap()));
        for key in ["units", "occupied", "vacant", "renovation"] {
            assert_eq!(feature.int(key), expected[key].as_i64(), "{id} {key}");
        }
        assert_eq!(
            feature.properties["too_small"],
            PropertyValue::Bool(expected["too_small"] == true)
        );
        match expected["rate_count"].as_f64() {
            Some(rate) => {
                let PropertyValue::Double(tile_rate) = feature.properties["rate_count"] else {
                    panic!("{id}: rate_count is not a double");
                };
                assert!(
                    (tile_rate - rate).abs() < 1e-12,
                    "{id}: {tile_rate} vs {rate}"
                );
                n_with_rate += 1;
            }
            None => assert!(!feature.properties.contains_key("rate_count")),
        }
    }
    assert!(n_with_rate > 0);
    // the same tile again (from the cache) is the same bytes; another
    // resolution is another tile; far from Genk there is nothing
    assert_eq!(get(&state, &uri).await.1, bytes);
    let res10 = uri.replace("res=9", "res=10");
    let (_, bytes10) = get(&state, &res10).await;
    assert!(decode_tile(&bytes10).unwrap().layers[0].features.len() > layer.features.len());
    let far = tile_at(4.35, 50.85, 14);
    let (status, _) = get(
        &state,
        &format!(
            "/tiles/vacancy_h3/14/{}/{}.mvt?date=2026-10-01",
            far.x(),
            far.y()
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn bad_heatmap_input_is_a_400_naming_the_parameter() {
    let (state, _dir) = demo_app();
    for (uri, parameter) in [
        ("/api/vacancy/h3?res=8", "res"),
        ("/api/vacancy/h3?res=11", "res"),
        ("/api/vacancy/h3?res=nine", "res"),
        ("/api/vacancy/h3?date=2024-13-01", "date"),
        ("/api/vacancy/h3?date=01-10-2026", "date"),
        ("/api/vacancy/h3?min_units=0", "min_units"),
        ("/api/vacancy/h3?min_units=-3", "min_units"),
        ("/api/vacancy/h3?resolution=9", "resolution"),
        (
            "/api/vacancy/h3/change?from=2026-10-02&to=2026-10-01",
            "from",
        ),
        ("/api/vacancy/h3/change?to=yesterday", "to"),
        ("/api/vacancy/h3/change?res=8", "res"),
        ("/api/vacancy/surface?bandwidth_m=-150", "bandwidth_m"),
        ("/api/vacancy/surface?bandwidth_m=1e9", "bandwidth_m"),
        ("/api/vacancy/surface?bandwidth_m=NaN", "bandwidth_m"),
        ("/api/vacancy/surface?bandwidth_m=wide", "bandwidth_m"),
        ("/api/vacancy/surface?weight=floor", "weight"),
        ("/api/vacancy/surface?cell_m=1", "cell_m"),
        ("/api/vacancy/surface?bandwidth_m=2000&cell_m=10", "cell_m"),
        ("/api/vacancy/surface?date=2026-02-30", "date"),
        ("/tiles/vacancy_h3/23/0/0.mvt", "z"),
        ("/tiles/vacancy_h3/14/16384/0.mvt", "x"),
        ("/tiles/vacancy_h3/14/0/99999.mvt", "y"),
        ("/tiles/vacancy_h3/14/8442/5487.mvt?res=8", "res"),
        ("/tiles/vacancy_h3/14/8442/5487.mvt?date=2026-1-1", "date"),
    ] {
        let (status, bytes) = get(&state, uri).await;
        let body: Value =
            serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("{uri}: not JSON"));
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(body["detail"]["parameter"], parameter, "{uri}: {body}");
    }
    let (status, _) = get(&state, "/tiles/vacancy_h3/14/8442/5487.png").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The figures are made from stocks kept per engine snapshot: an edit (a new
/// snapshot) must show at once in the summary, the hexagons and the tiles.
#[tokio::test]
async fn an_edit_shows_at_once_in_the_summary_the_hexagons_and_the_tiles() {
    use axum::http::header;
    use genk_atlas::accounts::add_account;
    use genk_atlas::load::load_engine;
    use genk_atlas::model::access::Role;
    use genk_atlas::store::{LayerStore, WriteBatch};
    use serde_json::json;

    let dir = tempfile::tempdir().unwrap();
    let store = GeoPackageStore::create(&dir.path().join("atlas.gpkg")).unwrap();
    store
        .write(
            &WriteBatch::from_dataset(&crate::fixtures::genk_centre()),
            &|_| {},
        )
        .await
        .unwrap();
    let store: SharedStore = Arc::new(store);
    let password = add_account(store.as_ref(), "retail", Role::Retail, "test")
        .await
        .unwrap();
    let state = AppState::new(
        store.clone(),
        load_engine(store.as_ref()).await.unwrap(),
        None,
    );
    let send = |request: Request<Body>| {
        let state = state.clone();
        async move {
            let response = router(state).oneshot(request).await.unwrap();
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            (status, headers, bytes.to_vec())
        }
    };
    let post = |uri: &str, cookie: Option<&str>, body: Value| {
        let mut request = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.body(Body::from(body.to_string())).unwrap()
    };
    let (status, headers, _) = send(post(
        "/api/session",
        None,
        json!({"name": "retail", "password": password}),
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    let cookie = headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();

    let unit = "unit-stadsplein-12";
    let date = "2026-03-15";
    let tile = tile_at(5.5001, 50.9650, 15);
    let tile_uri = format!(
        "/tiles/vacancy_h3/15/{}/{}.mvt?date={date}&res=10&min_units=1",
        tile.x(),
        tile.y()
    );
    let vacant_in_tile = |bytes: &[u8]| -> i64 {
        decode_tile(bytes).unwrap().layers[0]
            .features
            .iter()
            .map(|f| f.int("vacant").unwrap())
            .sum()
    };
    let figures = |state: AppState| async move {
        let summary = ok_json(&state, &format!("/api/vacancy/summary?date={date}")).await;
        let hexagons = ok_json(
            &state,
            &format!("/api/vacancy/h3?date={date}&res=10&min_units=1"),
        )
        .await;
        let hex_vacant: i64 = features(&hexagons)
            .iter()
            .map(|f| f["properties"]["vacant"].as_i64().unwrap())
            .sum();
        (summary["groups"][0]["vacant"].as_i64().unwrap(), hex_vacant)
    };
    // warm every cache, twice
    let (vacant_before, hex_before) = figures(state.clone()).await;
    assert_eq!(figures(state.clone()).await, (vacant_before, hex_before));
    let (_, _, tile_before) = send(Request::get(&tile_uri).body(Body::empty()).unwrap()).await;
    let tile_vacant_before = vacant_in_tile(&tile_before);

    let (status, _, history) = send(
        Request::get(format!("/api/shop_units/{unit}/history"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let version = serde_json::from_slice::<Value>(&history).unwrap()["version"]
        .as_u64()
        .unwrap();
    let (status, _, answer) = send(post(
        &format!("/api/shop_units/{unit}/events"),
        Some(&cookie),
        json!({"version": version, "valid_from": "2026-03-01", "status": "vacant", "occupant": null}),
    ))
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&answer)
    );

    assert_eq!(
        figures(state.clone()).await,
        (vacant_before + 1, hex_before + 1)
    );
    let (_, _, tile_after) = send(Request::get(&tile_uri).body(Body::empty()).unwrap()).await;
    assert_eq!(vacant_in_tile(&tile_after), tile_vacant_before + 1);
}
