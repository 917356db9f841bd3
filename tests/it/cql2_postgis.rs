//! CQL2 filters on the OGC items against PostGIS: the demo written to a
//! fresh PostGIS database, each filter sent to `/ogc/.../items` and the
//! same question written by hand in SQL (`ST_Intersects`, `ST_Transform`,
//! `LIKE`, `IN`, `BETWEEN`, `IS NULL`, SQL's own three-valued logic);
//! the two id sets must be equal, and each must select something and
//! leave something out.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use genk_atlas::accounts::{add_account, issue_token};
use genk_atlas::demo::{generate, DemoParams};
use genk_atlas::http::{router, AppState};
use genk_atlas::load::load_engine;
use genk_atlas::model::access::Role;
use genk_atlas::store::{LayerStore, SharedStore, WriteBatch};

use crate::support::fresh_database;

/// `text` escaped for a query string.
fn escaped(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn ids_over_http(
    state: &AppState,
    collection: &str,
    query: &str,
    token: Option<&str>,
) -> BTreeSet<String> {
    let uri = format!("/ogc/collections/{collection}/items?limit=10000&{query}");
    let mut request = Request::get(&uri);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let response = router(state.clone())
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(
        status,
        StatusCode::OK,
        "{uri}: {}",
        String::from_utf8_lossy(&body)
    );
    let page: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        page["numberMatched"].as_u64().unwrap() <= 10_000,
        "{uri}: one page must hold every match"
    );
    page["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

async fn ids_in_sql(
    client: &tokio_postgres::Client,
    table: &str,
    condition: &str,
) -> BTreeSet<String> {
    let sql = format!("SELECT id FROM {table} WHERE {condition}");
    client
        .query(&sql, &[])
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
        .iter()
        .map(|row| row.get(0))
        .collect()
}

#[tokio::test]
async fn every_filter_selects_what_the_same_sql_selects_in_postgis() {
    let dataset = generate(&DemoParams::default());
    let database = fresh_database().await;
    let store = database.store().await;
    store
        .write(&WriteBatch::from_dataset(&dataset), &|_| {})
        .await
        .unwrap();
    let store: SharedStore = Arc::new(store);
    add_account(store.as_ref(), "winkelteam", Role::Retail, "test")
        .await
        .unwrap();
    let retail = issue_token(store.as_ref(), "winkelteam", 1, "test")
        .await
        .unwrap();
    let engine = load_engine(store.as_ref()).await.unwrap();
    let state = AppState::new(store, engine, None);
    let client = database.client().await;
    let everything_units = ids_in_sql(&client, "shop_units", "true").await.len();
    let everything_parcels = ids_in_sql(&client, "parcels", "true").await.len();

    // (collection, CQL2 text, the same in SQL)
    let cases: &[(&str, &str, &str)] = &[
        ("shop_units", "status = 'vacant'", "status = 'vacant'"),
        ("shop_units", "status <> 'vacant' AND floor_area_m2 >= 150", "status <> 'vacant' AND floor_area_m2 >= 150"),
        ("shop_units", "floor_area_m2 BETWEEN 50 AND 120.5", "floor_area_m2 BETWEEN 50 AND 120.5"),
        ("shop_units", "NOT floor_area_m2 BETWEEN 50 AND 120.5", "NOT floor_area_m2 BETWEEN 50 AND 120.5"),
        ("shop_units", "category IN ('daily', 'periodic', 'horeca')", "category IN ('daily', 'periodic', 'horeca')"),
        ("shop_units", "kind IS NULL OR kind NOT IN ('bakery', 'grocery')", "kind IS NULL OR kind NOT IN ('bakery', 'grocery')"),
        ("shop_units", "kind <> 'bakery'", "kind <> 'bakery'"),
        ("shop_units", "NOT (kind = 'bakery')", "NOT (kind = 'bakery')"),
        ("shop_units", "street LIKE 'Venn%' OR street LIKE '%laan'", "street COLLATE \"C\" LIKE 'Venn%' OR street COLLATE \"C\" LIKE '%laan'"),
        ("shop_units", "address LIKE '%1_'", "address COLLATE \"C\" LIKE '%1_'"),
        ("shop_units", "street > 'M'", "street COLLATE \"C\" > 'M'"),
        ("shop_units", "status_since >= DATE('2024-01-01') AND status_since < TIMESTAMP('2025-01-01T00:00:00Z')", "status_since >= DATE '2024-01-01' AND status_since < DATE '2025-01-01'"),
        ("shop_units", "area_id IS NOT NULL AND status = 'vacant'", "area_id IS NOT NULL AND status = 'vacant'"),
        (
            "shop_units",
            "S_INTERSECTS(geometry, BBOX(5.49, 50.955, 5.51, 50.97)) AND status = 'vacant'",
            "ST_Intersects(geom, ST_MakeEnvelope(5.49, 50.955, 5.51, 50.97, 4326)) AND status = 'vacant'",
        ),
        (
            "shop_units",
            "S_INTERSECTS(geometry, POLYGON((5.48 50.95, 5.52 50.95, 5.50 50.99, 5.48 50.95)))",
            "ST_Intersects(geom, ST_GeomFromText('POLYGON((5.48 50.95, 5.52 50.95, 5.50 50.99, 5.48 50.95))', 4326))",
        ),
        (
            "parcels",
            "S_INTERSECTS(geometry, LINESTRING(5.45 50.96, 5.55 50.97))",
            "ST_Intersects(geom, ST_GeomFromText('LINESTRING(5.45 50.96, 5.55 50.97)', 4326))",
        ),
        (
            "parcels",
            "S_INTERSECTS(geometry, POINT(5.5 50.96)) OR S_INTERSECTS(geometry, MULTIPOINT((5.47 50.95), (5.53 50.98)))",
            "ST_Intersects(geom, ST_GeomFromText('POINT(5.5 50.96)', 4326)) OR ST_Intersects(geom, ST_GeomFromText('MULTIPOINT((5.47 50.95), (5.53 50.98))', 4326))",
        ),
        ("parcels", "ready_to_build = TRUE AND area_m2 > 5000", "ready_to_build AND area_m2 > 5000"),
        ("parcels", "(price_eur_m2 < 100 OR price_eur_m2 IS NULL) AND zoning = 'industrial'", "(price_eur_m2 < 100 OR price_eur_m2 IS NULL) AND zoning = 'industrial'"),
        ("parcels", "NOT (price_eur_m2 < 100)", "NOT (price_eur_m2 < 100)"),
        ("parcels", "available_from <= '2026-01-01' AND availability <> 'for_sale'", "available_from <= DATE '2026-01-01' AND availability <> 'for_sale'"),
        (
            "parcels",
            "NOT S_INTERSECTS(geometry, BBOX(5.45, 50.93, 5.52, 50.99)) AND zoning = 'industrial'",
            "NOT ST_Intersects(geom, ST_MakeEnvelope(5.45, 50.93, 5.52, 50.99, 4326)) AND zoning = 'industrial'",
        ),
    ];
    for (collection, filter, sql) in cases {
        let expected = ids_in_sql(&client, collection, sql).await;
        let everything = if *collection == "parcels" {
            everything_parcels
        } else {
            everything_units
        };
        assert!(
            !expected.is_empty() && expected.len() < everything,
            "{filter}: the oracle selects {} of {everything}; pick a filter that decides",
            expected.len()
        );
        let got = ids_over_http(
            &state,
            collection,
            &format!("filter={}", escaped(filter)),
            None,
        )
        .await;
        assert_eq!(got, expected, "{filter}");
    }

    // the JSON encoding of one of them gives the same answer
    let json = r#"{"op":"and","args":[{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[5.49,50.955,5.51,50.97]}]},{"op":"=","args":[{"property":"status"},"vacant"]}]}"#;
    let expected = ids_in_sql(&client, "shop_units", "ST_Intersects(geom, ST_MakeEnvelope(5.49, 50.955, 5.51, 50.97, 4326)) AND status = 'vacant'").await;
    let got = ids_over_http(
        &state,
        "shop_units",
        &format!("filter-lang=cql2-json&filter={}", escaped(json)),
        None,
    )
    .await;
    assert_eq!(got, expected);

    // a filter geometry in Belgian Lambert 72 (filter-crs), PostGIS moving it
    let lambert =
        "POLYGON((228000 181000, 231000 181000, 231000 184000, 228000 184000, 228000 181000))";
    let expected = ids_in_sql(
        &client,
        "parcels",
        &format!("ST_Intersects(geom, ST_Transform(ST_GeomFromText('{lambert}', 31370), 4326))"),
    )
    .await;
    assert!(
        !expected.is_empty() && expected.len() < everything_parcels,
        "{}",
        expected.len()
    );
    let query = format!(
        "filter-crs={}&filter={}",
        escaped("http://www.opengis.net/def/crs/EPSG/0/31370"),
        escaped(&format!("S_INTERSECTS(geometry, {lambert})"))
    );
    let got = ids_over_http(&state, "parcels", &query, None).await;
    // the two transforms may differ in the last digits: allow a parcel on the edge
    let differ = got.symmetric_difference(&expected).count();
    assert!(differ <= 1, "{differ} parcels differ of {}", expected.len());

    // with bbox and a filter both hold; a confidential field filters for retail
    let expected = ids_in_sql(&client, "shop_units", "ST_Intersects(geom, ST_MakeEnvelope(5.47, 50.94, 5.53, 50.99, 4326)) AND occupant COLLATE \"C\" LIKE '%a%' AND floor_area_m2 > 60").await;
    assert!(!expected.is_empty());
    let query = format!(
        "bbox=5.47,50.94,5.53,50.99&floor_area_m2=0&filter={}",
        escaped("occupant LIKE '%a%' AND floor_area_m2 > 60")
    );
    assert!(
        ids_over_http(&state, "shop_units", &query, Some(&retail))
            .await
            .is_empty(),
        "floor_area_m2=0 and > 60 cannot both hold"
    );
    let query = format!(
        "bbox=5.47,50.94,5.53,50.99&filter={}",
        escaped("occupant LIKE '%a%' AND floor_area_m2 > 60")
    );
    assert_eq!(
        ids_over_http(&state, "shop_units", &query, Some(&retail)).await,
        expected
    );
}
