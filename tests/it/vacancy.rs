//! The vacancy figures over HTTP, cross-checked against an independent SQL
//! computation in PostGIS on the same data (the demo city written to a fresh
//! database, the app serving from that database), and the endpoints' shapes,
//! CSV and refusals of bad input.
//!
//! The SQL takes the state on D as the latest event by (valid_from,
//! recorded_at, event_id) with `DISTINCT ON`, the start of the current
//! vacancy as the first in-force date after the last non-vacant one, and
//! neighbourhoods with `ST_Contains`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::NaiveDate;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use genk_atlas::demo::{generate, DemoParams};
use genk_atlas::engine::Engine;
use genk_atlas::http::{router, AppState};
use genk_atlas::load::load_engine;
use genk_atlas::model::Dataset;
use genk_atlas::store::geopackage::GeoPackageStore;
use genk_atlas::store::{LayerStore, SharedStore, WriteBatch};

use crate::support::{fresh_database, TestDatabase};

fn demo() -> &'static Dataset {
    static CITY: OnceLock<Dataset> = OnceLock::new();
    CITY.get_or_init(|| generate(&DemoParams::default()))
}

fn reference_date() -> NaiveDate {
    DemoParams::default().reference_date
}

/// The demo written to a fresh PostGIS database, and an app serving from it.
async fn demo_in_postgis() -> (AppState, TestDatabase, tokio_postgres::Client) {
    let database = fresh_database().await;
    let store = database.store().await;
    store
        .write(&WriteBatch::from_dataset(demo()), &|_| {})
        .await
        .unwrap();
    let store: SharedStore = Arc::new(store);
    let engine = load_engine(store.as_ref()).await.unwrap();
    let client = database.client().await;
    (AppState::new(store, engine, None), database, client)
}

/// An app over the demo engine (an empty GeoPackage as its store: these
/// endpoints read only the engine); the temp dir lives as long as the app.
fn demo_app() -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = GeoPackageStore::create(&dir.path().join("atlas.gpkg")).unwrap();
    let store: SharedStore = Arc::new(store);
    (
        AppState::new(
            store,
            Engine::from_dataset(demo()).with_city_name("Genk"),
            None,
        ),
        dir,
    )
}

/// Status, headers and body of a GET with optional extra headers.
async fn request(
    state: &AppState,
    uri: &str,
    accept: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut builder = Request::get(uri);
    if let Some(accept) = accept {
        builder = builder.header(header::ACCEPT, accept);
    }
    let response = router(state.clone())
        .oneshot(builder.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, bytes.to_vec())
}

async fn get_json(state: &AppState, uri: &str) -> (StatusCode, Value) {
    let (status, _, bytes) = request(state, uri, None).await;
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("{uri}: not JSON: {}", String::from_utf8_lossy(&bytes)));
    (status, json)
}

async fn ok_json(state: &AppState, uri: &str) -> Value {
    let (status, body) = get_json(state, uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    body
}

// ---------------------------------------------------------------- SQL

/// Per group on $1: units, occupied, vacant, renovation, frictional,
/// long-term, structural, register candidates, vacant and occupied floor area.
const SUMMARY_SQL: &str = r#"
WITH in_force AS (
    SELECT DISTINCT ON (unit_id, valid_from) unit_id, valid_from, status
    FROM shop_unit_events
    ORDER BY unit_id, valid_from, recorded_at DESC, event_id DESC
),
state AS (
    SELECT DISTINCT ON (unit_id) unit_id, status, floor_area_m2
    FROM shop_unit_events
    WHERE valid_from <= $1::date
    ORDER BY unit_id, valid_from DESC, recorded_at DESC, event_id DESC
),
last_not_vacant AS (
    SELECT unit_id, max(valid_from) AS valid_from
    FROM in_force
    WHERE valid_from <= $1::date AND status <> 'vacant'
    GROUP BY unit_id
),
vacancy_start AS (
    SELECT f.unit_id, min(f.valid_from) AS since
    FROM in_force f
    LEFT JOIN last_not_vacant o ON o.unit_id = f.unit_id
    WHERE f.valid_from <= $1::date AND f.valid_from > COALESCE(o.valid_from, '-infinity'::date)
    GROUP BY f.unit_id
),
grouped AS (
    SELECT CASE $2::text
            WHEN 'city' THEN 'city'
            WHEN 'shopping_area' THEN u.area_id
            WHEN 'street' THEN u.street
            WHEN 'neighbourhood' THEN
                (SELECT n.id FROM neighbourhoods n WHERE ST_Contains(n.geom, u.geom) ORDER BY n.id LIMIT 1)
        END AS group_id,
        s.status, s.floor_area_m2, v.since
    FROM state s
    JOIN shop_units u ON u.id = s.unit_id
    LEFT JOIN vacancy_start v ON v.unit_id = s.unit_id
    WHERE s.status <> 'non_commercial'
)
SELECT group_id,
    count(*),
    count(*) FILTER (WHERE status = 'occupied'),
    count(*) FILTER (WHERE status = 'vacant'),
    count(*) FILTER (WHERE status = 'renovation'),
    count(*) FILTER (WHERE status = 'vacant' AND $1::date < since + interval '1 year'),
    count(*) FILTER (WHERE status = 'vacant' AND $1::date >= since + interval '1 year'
                                             AND $1::date < since + interval '3 years'),
    count(*) FILTER (WHERE status = 'vacant' AND $1::date >= since + interval '3 years'),
    count(*) FILTER (WHERE status = 'vacant' AND $1::date >= since + interval '12 months'),
    COALESCE(sum(floor_area_m2) FILTER (WHERE status = 'vacant'), 0),
    COALESCE(sum(floor_area_m2) FILTER (WHERE status = 'occupied'), 0)
FROM grouped
WHERE group_id IS NOT NULL
GROUP BY group_id
ORDER BY group_id
"#;

/// Per group over ($1, $2]: openings, closures, conversions, exits.
const CHURN_SQL: &str = r#"
WITH in_force AS (
    SELECT DISTINCT ON (unit_id, valid_from) unit_id, valid_from, status, category
    FROM shop_unit_events
    ORDER BY unit_id, valid_from, recorded_at DESC, event_id DESC
),
transitions AS (
    SELECT unit_id, valid_from, status, category,
        lag(status) OVER w AS status_before, lag(category) OVER w AS category_before
    FROM in_force
    WINDOW w AS (PARTITION BY unit_id ORDER BY valid_from)
)
SELECT CASE $3::text WHEN 'city' THEN 'city' WHEN 'shopping_area' THEN u.area_id ELSE u.street END AS group_id,
    count(*) FILTER (WHERE t.status_before = 'vacant' AND t.status = 'occupied'),
    count(*) FILTER (WHERE t.status_before = 'occupied' AND t.status = 'vacant'),
    count(*) FILTER (WHERE t.status_before = 'occupied' AND t.status = 'occupied' AND t.category_before <> t.category),
    count(*) FILTER (WHERE t.status_before <> 'non_commercial' AND t.status = 'non_commercial')
FROM transitions t
JOIN shop_units u ON u.id = t.unit_id
WHERE t.valid_from > $1::date AND t.valid_from <= $2::date
GROUP BY 1
"#;

/// The register on $1: unit id, start of the vacancy, floor area.
const REGISTER_SQL: &str = r#"
WITH in_force AS (
    SELECT DISTINCT ON (unit_id, valid_from) unit_id, valid_from, status, floor_area_m2
    FROM shop_unit_events
    ORDER BY unit_id, valid_from, recorded_at DESC, event_id DESC
),
state AS (
    SELECT DISTINCT ON (unit_id) unit_id, valid_from, status, floor_area_m2
    FROM in_force
    WHERE valid_from <= $1::date
    ORDER BY unit_id, valid_from DESC
),
vacant_run AS (
    -- the in-force entries after the unit's last non-vacant one up to $1
    SELECT f.unit_id, f.valid_from
    FROM in_force f
    WHERE f.valid_from <= $1::date
      AND NOT EXISTS (SELECT 1 FROM in_force g
                      WHERE g.unit_id = f.unit_id AND g.valid_from >= f.valid_from
                        AND g.valid_from <= $1::date AND g.status <> 'vacant')
),
since AS (
    SELECT s.unit_id, s.floor_area_m2, min(r.valid_from) AS since
    FROM state s
    JOIN vacant_run r ON r.unit_id = s.unit_id
    WHERE s.status = 'vacant'
    GROUP BY s.unit_id, s.floor_area_m2
)
SELECT unit_id, since, floor_area_m2 FROM since
WHERE $1::date >= since + interval '12 months'
ORDER BY since, unit_id
"#;

/// The units of group $2 of grouping $3 on $1: unit id, status, the start
/// of its run of that status, floor area.
const UNITS_SQL: &str = r#"
WITH in_force AS (
    SELECT DISTINCT ON (unit_id, valid_from) unit_id, valid_from, status, floor_area_m2
    FROM shop_unit_events
    ORDER BY unit_id, valid_from, recorded_at DESC, event_id DESC
),
state AS (
    SELECT DISTINCT ON (unit_id) unit_id, status, floor_area_m2
    FROM in_force
    WHERE valid_from <= $1::date
    ORDER BY unit_id, valid_from DESC
),
run AS (
    -- the in-force entries after the unit's last one of another status up to $1
    SELECT s.unit_id, min(f.valid_from) AS since
    FROM state s
    JOIN in_force f ON f.unit_id = s.unit_id AND f.valid_from <= $1::date
    WHERE NOT EXISTS (SELECT 1 FROM in_force g
                      WHERE g.unit_id = f.unit_id AND g.valid_from >= f.valid_from
                        AND g.valid_from <= $1::date AND g.status <> s.status)
    GROUP BY s.unit_id
)
SELECT s.unit_id, s.status, r.since, s.floor_area_m2
FROM state s
JOIN run r ON r.unit_id = s.unit_id
JOIN shop_units u ON u.id = s.unit_id
WHERE CASE $3::text
        WHEN 'city' THEN 'city'
        WHEN 'shopping_area' THEN u.area_id
        WHEN 'street' THEN u.street
        WHEN 'neighbourhood' THEN
            (SELECT n.id FROM neighbourhoods n WHERE ST_Contains(n.geom, u.geom) ORDER BY n.id LIMIT 1)
      END = $2::text
ORDER BY s.unit_id
"#;

/// `text` percent-encoded for a query string (every byte but letters and digits).
fn query_value(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

fn rate(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator)
}

fn check_rate(got: &Value, expected: Option<f64>, context: &str) {
    match expected {
        None => assert!(got.is_null(), "{context}: expected null, got {got}"),
        Some(expected) => {
            let got = got
                .as_f64()
                .unwrap_or_else(|| panic!("{context}: {got} is not a number"));
            assert!(close(got, expected), "{context}: {got} != {expected}");
        }
    }
}

/// The summary endpoint against SUMMARY_SQL on one date and grouping.
async fn check_summary(
    state: &AppState,
    client: &tokio_postgres::Client,
    date: NaiveDate,
    by: &str,
) {
    let body = ok_json(state, &format!("/api/vacancy/summary?date={date}&by={by}")).await;
    assert_eq!(body["date"], date.to_string());
    assert_eq!(body["by"], by);
    let rows = client.query(SUMMARY_SQL, &[&date, &by]).await.unwrap();
    let expected: BTreeMap<String, tokio_postgres::Row> = rows
        .into_iter()
        .map(|row| (row.get::<_, String>(0), row))
        .collect();
    let groups = body["groups"].as_array().unwrap();
    let mut seen = 0;
    for group in groups {
        let id = group["id"].as_str().unwrap();
        let context = format!("{by} {id} on {date}");
        let Some(row) = expected.get(id) else {
            assert_eq!(group["units"], 0, "{context}: SQL has no units");
            check_rate(&group["rate_count"], None, &context);
            continue;
        };
        seen += 1;
        let count = |column: usize| row.get::<_, i64>(column);
        for (name, column) in [
            ("units", 1),
            ("occupied", 2),
            ("vacant", 3),
            ("renovation", 4),
            ("frictional", 5),
            ("long_term", 6),
            ("structural", 7),
            ("register_candidates", 8),
        ] {
            assert_eq!(
                group[name].as_i64(),
                Some(count(column)),
                "{context}: {name}"
            );
        }
        let vacant_area: f64 = row.get(9);
        let occupied_area: f64 = row.get(10);
        check_rate(
            &group["rate_count"],
            rate(count(3) as f64, (count(2) + count(3)) as f64),
            &format!("{context}: rate_count"),
        );
        check_rate(
            &group["rate_area"],
            rate(vacant_area, vacant_area + occupied_area),
            &format!("{context}: rate_area"),
        );
    }
    assert_eq!(
        seen,
        expected.len(),
        "{by} on {date}: every SQL group is answered"
    );
}

/// The day after the latest back-dated correction that moved a closure
/// earlier (the demo's corrections carry a note starting "correctie").
async fn day_after_a_correction(client: &tokio_postgres::Client) -> NaiveDate {
    let row = client
        .query_one(
            "SELECT valid_from FROM shop_unit_events WHERE note LIKE 'correctie%' ORDER BY valid_from DESC LIMIT 1",
            &[],
        )
        .await
        .expect("the demo holds back-dated corrections");
    row.get::<_, NaiveDate>(0).succ_opt().unwrap()
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

// ---------------------------------------------------------------- cross-checks

#[tokio::test]
async fn every_summary_figure_matches_sql_in_postgis() {
    let (state, _database, client) = demo_in_postgis().await;
    let corrected = day_after_a_correction(&client).await;
    for date in [
        day("2021-01-01"),
        day("2023-06-30"),
        day("2025-02-28"),
        corrected,
        reference_date(),
    ] {
        for by in ["city", "shopping_area", "street", "neighbourhood"] {
            check_summary(&state, &client, date, by).await;
        }
    }

    // the corrected date means something: without the corrections the city
    // would count fewer vacant units on it
    let vacant_without_corrections: i64 = client
        .query_one(
            "SELECT count(*) FROM (
                 SELECT DISTINCT ON (unit_id) unit_id, status FROM shop_unit_events
                 WHERE valid_from <= $1::date AND (note IS NULL OR note NOT LIKE 'correctie%')
                 ORDER BY unit_id, valid_from DESC, recorded_at DESC, event_id DESC) s
             WHERE status = 'vacant'",
            &[&corrected],
        )
        .await
        .unwrap()
        .get(0);
    let city = ok_json(&state, &format!("/api/vacancy/summary?date={corrected}")).await;
    assert!(
        city["groups"][0]["vacant"].as_i64().unwrap() > vacant_without_corrections,
        "{city}"
    );
}

#[tokio::test]
async fn churn_and_register_match_sql_in_postgis() {
    let (state, _database, client) = demo_in_postgis().await;
    let corrected = day_after_a_correction(&client).await;
    for (from, to) in [
        (day("2020-10-01"), day("2021-10-01")),
        (day("2025-10-01"), reference_date()),
        (corrected.pred_opt().unwrap().pred_opt().unwrap(), corrected),
        (day("2019-01-01"), reference_date()),
    ] {
        for by in ["city", "shopping_area", "street"] {
            let body = ok_json(
                &state,
                &format!("/api/vacancy/churn?from={from}&to={to}&by={by}"),
            )
            .await;
            let rows = client.query(CHURN_SQL, &[&from, &to, &by]).await.unwrap();
            let expected: BTreeMap<String, [i64; 4]> = rows
                .iter()
                .filter_map(|row| {
                    let id: Option<String> = row.get(0);
                    Some((id?, [row.get(1), row.get(2), row.get(3), row.get(4)]))
                })
                .collect();
            for group in body["groups"].as_array().unwrap() {
                let id = group["id"].as_str().unwrap();
                let got = ["openings", "closures", "conversions", "exits"]
                    .map(|name| group[name].as_i64().unwrap());
                assert_eq!(
                    got,
                    expected.get(id).copied().unwrap_or([0; 4]),
                    "churn {by} {id} ({from}, {to}]"
                );
            }
            // and no group with a change in SQL is missing from the answer
            let answered: BTreeSet<&str> = body["groups"]
                .as_array()
                .unwrap()
                .iter()
                .map(|group| group["id"].as_str().unwrap())
                .collect();
            for (id, counts) in &expected {
                assert!(
                    counts == &[0; 4] || answered.contains(id.as_str()),
                    "churn {by} ({from}, {to}]: group {id} with {counts:?} is missing"
                );
            }
            if by == "city" && to == reference_date() && from < day("2020-01-01") {
                assert!(body["groups"][0]["openings"].as_i64().unwrap() > 0);
                assert!(body["groups"][0]["closures"].as_i64().unwrap() > 0);
            }
        }
    }
    for date in [day("2022-03-31"), corrected, reference_date()] {
        let body = ok_json(&state, &format!("/api/vacancy/register?date={date}")).await;
        let rows = client.query(REGISTER_SQL, &[&date]).await.unwrap();
        let expected: Vec<(String, String, f64)> = rows
            .iter()
            .map(|row| {
                (
                    row.get::<_, String>(0),
                    row.get::<_, NaiveDate>(1).to_string(),
                    row.get::<_, f64>(2),
                )
            })
            .collect();
        let got: Vec<(String, String, f64)> = body["units"]
            .as_array()
            .unwrap()
            .iter()
            .map(|unit| {
                (
                    unit["id"].as_str().unwrap().to_string(),
                    unit["vacant_since"].as_str().unwrap().to_string(),
                    unit["floor_area_m2"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(got, expected, "register on {date}");
        assert!(!got.is_empty(), "the demo has long vacancies on {date}");
    }
}

// ---------------------------------------------------------------- the demo's promises

#[tokio::test]
async fn the_demo_city_is_near_13_percent_vacant_and_centrum_above_vennestraat() {
    let (state, _dir) = demo_app();
    let city = ok_json(&state, "/api/vacancy/summary").await;
    assert_eq!(
        city["date"],
        reference_date().to_string(),
        "the default date is the newest valid_from"
    );
    let rate = city["groups"][0]["rate_count"].as_f64().unwrap();
    assert!((0.12..=0.14).contains(&rate), "city rate {rate}");
    let areas = ok_json(&state, "/api/vacancy/summary?by=shopping_area").await;
    let rate_of = |id: &str| {
        areas["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|group| group["id"] == id)
            .unwrap_or_else(|| panic!("no shopping area {id}"))["rate_count"]
            .as_f64()
            .unwrap()
    };
    assert!(
        rate_of("centrum") > rate_of("vennestraat"),
        "{} vs {}",
        rate_of("centrum"),
        rate_of("vennestraat")
    );
}

// ---------------------------------------------------------------- shapes

#[tokio::test]
async fn the_summary_has_exactly_the_documented_shape() {
    let (state, _dir) = demo_app();
    let body = ok_json(&state, "/api/vacancy/summary?date=2026-10-01&by=city").await;
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["by", "date", "groups"]);
    let group = &body["groups"][0];
    let mut keys: Vec<&str> = group
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    let mut expected = [
        "id",
        "name",
        "units",
        "occupied",
        "vacant",
        "renovation",
        "rate_count",
        "rate_area",
        "frictional",
        "long_term",
        "structural",
        "register_candidates",
    ];
    expected.sort();
    assert_eq!(keys, expected);
    assert_eq!(group["id"], "city");
    assert_eq!(group["name"], "Genk");
    assert_eq!(
        group["units"].as_i64().unwrap(),
        ["occupied", "vacant", "renovation"]
            .iter()
            .map(|k| group[*k].as_i64().unwrap())
            .sum::<i64>()
    );
    assert_eq!(
        group["vacant"].as_i64().unwrap(),
        ["frictional", "long_term", "structural"]
            .iter()
            .map(|k| group[*k].as_i64().unwrap())
            .sum::<i64>()
    );
    assert!(group["register_candidates"].as_i64().unwrap() > 0);
    // before the history starts there is no stock: rates are null
    let body = ok_json(&state, "/api/vacancy/summary?date=1990-01-01").await;
    assert_eq!(body["groups"][0]["units"], 0);
    assert!(body["groups"][0]["rate_count"].is_null() && body["groups"][0]["rate_area"].is_null());
    for by in ["street", "neighbourhood"] {
        let body = ok_json(&state, &format!("/api/vacancy/summary?by={by}")).await;
        assert!(body["groups"].as_array().unwrap().len() > 5, "{by}");
    }
}

#[tokio::test]
async fn the_trend_is_the_summary_at_each_step() {
    let (state, _dir) = demo_app();
    let body = ok_json(
        &state,
        "/api/vacancy/trend?from=2021-10-01&to=2026-10-01&step=quarter&by=shopping_area",
    )
    .await;
    assert_eq!(body["step"], "quarter");
    let dates = body["dates"].as_array().unwrap();
    assert_eq!(dates.len(), 21);
    assert_eq!(dates[0], "2021-10-01");
    assert_eq!(dates[20], "2026-10-01");
    for step_idx in [0, 7, 20] {
        let date = dates[step_idx].as_str().unwrap();
        let summary = ok_json(
            &state,
            &format!("/api/vacancy/summary?date={date}&by=shopping_area"),
        )
        .await;
        for (series, group) in body["groups"]
            .as_array()
            .unwrap()
            .iter()
            .zip(summary["groups"].as_array().unwrap())
        {
            assert_eq!(series["id"], group["id"]);
            let point = &series["points"][step_idx];
            assert_eq!(point["date"], date);
            for key in [
                "rate_count",
                "rate_area",
                "units",
                "vacant",
                "occupied",
                "renovation",
            ] {
                assert_eq!(point[key], group[key], "{date} {} {key}", group["id"]);
            }
        }
    }
    // defaults: monthly over the five years up to the newest valid_from
    let body = ok_json(&state, "/api/vacancy/trend").await;
    assert_eq!(body["to"], reference_date().to_string());
    assert_eq!(body["from"], "2021-10-01");
    assert_eq!(body["dates"].as_array().unwrap().len(), 61);
    assert_eq!(body["groups"][0]["id"], "city");
}

#[tokio::test]
async fn churn_counts_each_kind_of_change_per_group() {
    let (state, _dir) = demo_app();
    let body = ok_json(
        &state,
        "/api/vacancy/churn?from=2025-10-01&to=2026-10-01&by=street",
    )
    .await;
    assert_eq!(body["from"], "2025-10-01");
    let groups = body["groups"].as_array().unwrap();
    let total = |name: &str| {
        groups
            .iter()
            .map(|g| g[name].as_i64().unwrap())
            .sum::<i64>()
    };
    let city = ok_json(&state, "/api/vacancy/churn?from=2025-10-01&to=2026-10-01").await;
    for name in ["openings", "closures", "conversions", "exits"] {
        assert_eq!(
            total(name),
            city["groups"][0][name].as_i64().unwrap(),
            "{name}"
        );
    }
    assert!(total("openings") > 0 && total("closures") > 0);
    let empty = ok_json(&state, "/api/vacancy/churn?from=2026-10-01&to=2026-10-01").await;
    assert_eq!(empty["groups"][0]["closures"], 0);
}

#[tokio::test]
async fn the_register_comes_as_dutch_csv_without_occupants() {
    let (state, _dir) = demo_app();
    let json = ok_json(&state, "/api/vacancy/register?date=2026-10-01").await;
    let units = json["units"].as_array().unwrap();
    assert!(!units.is_empty());
    assert!(units
        .iter()
        .all(|unit| unit["months_vacant"].as_i64().unwrap() >= 12));
    assert!(units.iter().all(|unit| unit.get("occupant").is_none()));
    for (uri, accept) in [
        ("/api/vacancy/register?date=2026-10-01&format=csv", None),
        ("/api/vacancy/register?date=2026-10-01", Some("text/csv")),
        (
            "/api/vacancy/register?date=2026-10-01",
            Some("text/html, text/csv;q=0.9"),
        ),
    ] {
        let (status, headers, bytes) = request(&state, uri, accept).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let text = String::from_utf8(bytes).unwrap();
        let text = text
            .strip_prefix('\u{feff}')
            .expect("a byte-order mark for spreadsheets");
        let lines: Vec<&str> = text.split("\r\n").filter(|line| !line.is_empty()).collect();
        assert_eq!(
            lines[0],
            "id;adres;straat;winkelgebied;winkelgebied_id;vloeroppervlakte_m2;leeg_sinds;maanden_leeg"
        );
        assert_eq!(lines.len(), units.len() + 1);
        let first: Vec<&str> = lines[1].split(';').collect();
        assert_eq!(first[0], units[0]["id"]);
        // The area by the name people know, then its id.
        let area_id = units[0]["area_id"].as_str().unwrap_or("");
        let area_name = demo()
            .shopping_areas
            .iter()
            .find(|area| area.id == area_id)
            .map_or("", |area| area.name.as_str());
        assert_eq!((first[3], first[4]), (area_name, area_id));
        assert_eq!(first[6], units[0]["vacant_since"]);
        assert_eq!(
            first[5],
            units[0]["floor_area_m2"]
                .as_f64()
                .unwrap()
                .to_string()
                .replace('.', ",")
        );
        let occupants: Vec<&str> = demo()
            .unit_events
            .iter()
            .filter_map(|e| e.occupant.as_deref())
            .collect();
        for line in &lines[1..] {
            assert!(
                !occupants.iter().any(|occupant| line.contains(occupant)),
                "occupant in {line}"
            );
        }
    }
    // format=json wins over the Accept header
    let (_, headers, _) = request(
        &state,
        "/api/vacancy/register?format=json",
        Some("text/csv"),
    )
    .await;
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
}

#[tokio::test]
async fn each_groups_units_match_sql_in_postgis() {
    let (state, _database, client) = demo_in_postgis().await;
    let corrected = day_after_a_correction(&client).await;
    let status_rank = |status: &str| {
        ["vacant", "renovation", "occupied", "non_commercial"]
            .iter()
            .position(|s| *s == status)
            .unwrap()
    };
    for date in [day("2022-03-31"), corrected, reference_date()] {
        for by in ["city", "shopping_area", "street", "neighbourhood"] {
            let summary =
                ok_json(&state, &format!("/api/vacancy/summary?date={date}&by={by}")).await;
            // every area and neighbourhood; for streets, every eighth (there are many)
            let groups: Vec<&Value> = summary["groups"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
                .filter(|(index, _)| by != "street" || index % 8 == 0)
                .map(|(_, group)| group)
                .collect();
            assert!(!groups.is_empty());
            for group in groups {
                let id = group["id"].as_str().unwrap();
                let uri = format!(
                    "/api/vacancy/units?date={date}&by={by}&group={}",
                    query_value(id)
                );
                let body = ok_json(&state, &uri).await;
                assert_eq!(body["group"]["name"], group["name"], "{uri}");
                let listed = body["units"].as_array().unwrap();
                let mut got: Vec<(String, String, String, f64)> = listed
                    .iter()
                    .map(|unit| {
                        (
                            unit["id"].as_str().unwrap().to_string(),
                            unit["status"].as_str().unwrap().to_string(),
                            unit["status_since"].as_str().unwrap().to_string(),
                            unit["floor_area_m2"].as_f64().unwrap(),
                        )
                    })
                    .collect();
                // vacant first, longest vacant first, then renovation, occupied, non-commercial
                for pair in got.windows(2) {
                    let (a, b) = (&pair[0], &pair[1]);
                    assert!(
                        status_rank(&a.1) <= status_rank(&b.1),
                        "{uri}: {a:?} before {b:?}"
                    );
                    if a.1 == "vacant" && b.1 == "vacant" {
                        assert!(a.2 <= b.2, "{uri}: {a:?} before {b:?}");
                    }
                }
                got.sort_by(|a, b| a.0.cmp(&b.0));
                let expected: Vec<(String, String, String, f64)> = client
                    .query(UNITS_SQL, &[&date, &id, &by])
                    .await
                    .unwrap()
                    .iter()
                    .map(|row| {
                        (
                            row.get(0),
                            row.get(1),
                            row.get::<_, NaiveDate>(2).to_string(),
                            row.get(3),
                        )
                    })
                    .collect();
                assert_eq!(got, expected, "{uri}");
                // the same units the summary counts
                let in_stock = listed
                    .iter()
                    .filter(|unit| unit["status"] != "non_commercial")
                    .count();
                assert_eq!(in_stock as i64, group["units"].as_i64().unwrap(), "{uri}");
                let vacant: Vec<&Value> = listed
                    .iter()
                    .filter(|unit| unit["status"] == "vacant")
                    .collect();
                assert_eq!(
                    vacant.len() as i64,
                    group["vacant"].as_i64().unwrap(),
                    "{uri}"
                );
                let only_vacant = ok_json(&state, &format!("{uri}&status=vacant")).await;
                assert_eq!(
                    only_vacant["units"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .collect::<Vec<_>>(),
                    vacant,
                    "{uri}&status=vacant"
                );
                for unit in listed {
                    assert!(unit.get("occupant").is_none(), "never the occupant: {unit}");
                }
            }
        }
    }
}

#[tokio::test]
async fn the_units_of_a_group_refuse_bad_input() {
    let (state, _dir) = demo_app();
    for (uri, parameter) in [
        ("/api/vacancy/units?by=shopping_area", "group"),
        ("/api/vacancy/units?by=wijk&group=centrum", "by"),
        (
            "/api/vacancy/units?by=shopping_area&group=centrum&status=leeg",
            "status",
        ),
        (
            "/api/vacancy/units?by=shopping_area&group=centrum&date=01-10-2026",
            "date",
        ),
        (
            "/api/vacancy/units?by=shopping_area&group=centrum&occupant=1",
            "occupant",
        ),
    ] {
        let (status, body) = get_json(&state, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(body["detail"]["parameter"], parameter, "{uri}: {body}");
    }
    let (status, body) = get_json(
        &state,
        "/api/vacancy/units?by=shopping_area&group=%27%3B%20DROP%20TABLE%20shop_units%3B--",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("DROP TABLE"),
        "names what was asked: {body}"
    );
    // the city needs no group
    let city = ok_json(&state, "/api/vacancy/units?date=2026-10-01").await;
    assert_eq!(city["group"]["id"], "city");
    assert!(city["units"].as_array().unwrap().len() > 100);
}

#[tokio::test]
async fn bad_input_is_a_400_naming_the_parameter() {
    let (state, _dir) = demo_app();
    for (uri, parameter) in [
        ("/api/vacancy/summary?date=2026-13-01", "date"),
        ("/api/vacancy/summary?date=01-10-2026", "date"),
        ("/api/vacancy/summary?date=2026-1-1", "date"),
        ("/api/vacancy/summary?date=", "date"),
        ("/api/vacancy/summary?by=wijk", "by"),
        ("/api/vacancy/summary?date=2026-10-01&wijk=1", "wijk"),
        ("/api/vacancy/trend?from=2026-10-02&to=2026-10-01", "from"),
        ("/api/vacancy/trend?from=2030-01-01", "from"),
        ("/api/vacancy/trend?step=week", "step"),
        (
            "/api/vacancy/trend?from=1900-01-01&to=2026-10-01&step=month",
            "step",
        ),
        ("/api/vacancy/trend?by=h3", "by"),
        ("/api/vacancy/trend?to=2026-02-30", "to"),
        ("/api/vacancy/churn?from=2026-10-02&to=2026-10-01", "from"),
        ("/api/vacancy/churn?from=yesterday", "from"),
        ("/api/vacancy/churn?by=province", "by"),
        ("/api/vacancy/register?format=xml", "format"),
        ("/api/vacancy/register?date=2026/10/01", "date"),
        ("/api/vacancy/register?by=city", "by"),
    ] {
        let (status, body) = get_json(&state, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(body["detail"]["parameter"], parameter, "{uri}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains(parameter),
            "{uri}: {body}"
        );
    }
    // 600 monthly steps is the limit, not past it
    let (status, _) = get_json(&state, "/api/vacancy/trend?from=1976-11-01&to=2026-10-01").await;
    assert_eq!(status, StatusCode::OK);
}
