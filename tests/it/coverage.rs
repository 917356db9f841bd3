//! Neighbourhood shop coverage: walking distances against pgRouting on the
//! demo's streets in PostGIS, coverage figures against a brute-force Dijkstra
//! per resident on a small city, the 31 real Genk wijken, shop changes,
//! what-if, isochrones, gaps and refusals of bad input over HTTP.
//!
//! The pgRouting side builds its own graph from the `streets` table (the
//! segments of walkable streets, nodes by exact coordinates, costs
//! `ST_Length(geography)`), snaps points itself (nearest edge and nearest
//! point in EPSG:31370, connecting distance on the spheroid) and takes node
//! to node distances from `pgr_dijkstraCost`; only the choice between the
//! edge's two ends is made in Rust.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{NaiveDate, TimeZone, Utc};
use geo::{line_string, point, Contains, Coord, LineString, MultiPolygon, Point};
use http_body_util::BodyExt;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use tower::ServiceExt;

use genk_atlas::demo::{generate, DemoParams};
use genk_atlas::engine::coverage::dijkstra::ShopDistances;
use genk_atlas::engine::coverage::{basket_distance, Snap, WalkNetwork};
use genk_atlas::engine::Engine;
use genk_atlas::http::{router, AppState};
use genk_atlas::model::layers::LayerRecord;
use genk_atlas::model::{
    Dataset, LayerId, Neighbourhood, Resident, ShopCategory, ShopKind, ShopUnit, Street,
    StreetClass, UnitEvent, UnitStatus,
};
use genk_atlas::store::geopackage::GeoPackageStore;
use genk_atlas::store::{EditGuard, LayerStore, SharedStore, WriteBatch};

use crate::support::fresh_database;

fn demo() -> &'static Dataset {
    static CITY: OnceLock<Dataset> = OnceLock::new();
    CITY.get_or_init(|| generate(&DemoParams::default()))
}

fn demo_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::from_dataset(demo()))
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// An app over `engine` (an empty GeoPackage as its store: these endpoints
/// read only the engine); the temp dir lives as long as the app.
fn app(engine: Engine) -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = GeoPackageStore::create(&dir.path().join("atlas.gpkg")).unwrap();
    let store: SharedStore = Arc::new(store);
    (AppState::new(store, engine, None), dir)
}

async fn send(state: &AppState, request: Request<Body>) -> (StatusCode, Value) {
    let uri = request.uri().to_string();
    let response = router(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("{uri}: not JSON: {}", String::from_utf8_lossy(&bytes)));
    (status, json)
}

async fn get(state: &AppState, uri: &str) -> (StatusCode, Value) {
    send(state, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn ok(state: &AppState, uri: &str) -> Value {
    let (status, body) = get(state, uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    body
}

async fn post(state: &AppState, uri: &str, body: impl Into<Body>) -> (StatusCode, Value) {
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap();
    send(state, request).await
}

// ------------------------------------------------------------ pgRouting

/// The walking graph built in SQL from the streets table.
const GRAPH_SQL: &str = r#"
CREATE EXTENSION IF NOT EXISTS pgrouting;
CREATE TABLE walk_segments AS
    SELECT (ST_DumpSegments(geom)).geom AS geom FROM streets WHERE walkable;
CREATE TABLE walk_nodes AS
    SELECT row_number() OVER (ORDER BY x, y) AS id, x, y FROM (
        SELECT ST_X(ST_StartPoint(geom)) AS x, ST_Y(ST_StartPoint(geom)) AS y FROM walk_segments
        UNION
        SELECT ST_X(ST_EndPoint(geom)), ST_Y(ST_EndPoint(geom)) FROM walk_segments
    ) AS ends;
CREATE TABLE walk_edges AS
    SELECT row_number() OVER () AS id, a.id AS source, b.id AS target,
           ST_Length(s.geom::geography) AS cost, ST_Length(s.geom::geography) AS reverse_cost,
           ST_Transform(s.geom, 31370) AS geom_lambert
    FROM walk_segments s
    JOIN walk_nodes a ON a.x = ST_X(ST_StartPoint(s.geom)) AND a.y = ST_Y(ST_StartPoint(s.geom))
    JOIN walk_nodes b ON b.x = ST_X(ST_EndPoint(s.geom)) AND b.y = ST_Y(ST_EndPoint(s.geom))
    WHERE a.id <> b.id;
CREATE INDEX walk_edges_geom_idx ON walk_edges USING gist (geom_lambert);
ANALYZE walk_edges;
"#;

/// For points ($1 longitudes, $2 latitudes): the nearest walkable edge
/// within 250 m (in EPSG:31370), its ends, the fraction along it and the
/// connecting distance on the spheroid.
const SNAP_SQL: &str = r#"
WITH points AS (
    SELECT ordinality AS n, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom
    FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lon, lat)
)
SELECT p.n, e.id, e.source, e.target, e.cost,
       ST_LineLocatePoint(e.geom_lambert, ST_Transform(p.geom, 31370)) AS fraction,
       ST_Distance(p.geom::geography,
                   ST_Transform(ST_ClosestPoint(e.geom_lambert, ST_Transform(p.geom, 31370)), 4326)::geography) AS connect_m
FROM points p
CROSS JOIN LATERAL (
    SELECT id, source, target, cost, geom_lambert FROM walk_edges
    WHERE ST_DWithin(geom_lambert, ST_Transform(p.geom, 31370), 300)
    ORDER BY ST_Distance(geom_lambert, ST_Transform(p.geom, 31370)), id
    LIMIT 1
) e
ORDER BY p.n
"#;

#[derive(Debug, Clone, Copy)]
struct SqlSnap {
    edge: i64,
    source: i64,
    target: i64,
    cost: f64,
    fraction: f64,
    connect_m: f64,
}

async fn sql_snaps(client: &tokio_postgres::Client, points: &[Point<f64>]) -> Vec<Option<SqlSnap>> {
    let lons: Vec<f64> = points.iter().map(|p| p.x()).collect();
    let lats: Vec<f64> = points.iter().map(|p| p.y()).collect();
    let rows = client.query(SNAP_SQL, &[&lons, &lats]).await.unwrap();
    let mut snaps = vec![None; points.len()];
    for row in rows {
        let n: i64 = row.get(0);
        let snap = SqlSnap {
            edge: row.get(1),
            source: row.get(2),
            target: row.get(3),
            cost: row.get(4),
            fraction: row.get(5),
            connect_m: row.get(6),
        };
        if snap.connect_m <= 250.0 {
            snaps[n as usize - 1] = Some(snap);
        }
    }
    snaps
}

/// The distance of two snapped points given pgRouting's node distances.
fn sql_distance(home: &SqlSnap, shop: &SqlSnap, node_m: &HashMap<(i64, i64), f64>) -> f64 {
    let between = |a: i64, b: i64| {
        if a == b {
            0.0
        } else {
            node_m.get(&(a, b)).copied().unwrap_or(f64::INFINITY)
        }
    };
    let home_ends = [
        (home.source, home.fraction * home.cost),
        (home.target, (1.0 - home.fraction) * home.cost),
    ];
    let shop_ends = [
        (shop.source, shop.fraction * shop.cost),
        (shop.target, (1.0 - shop.fraction) * shop.cost),
    ];
    let mut best = f64::INFINITY;
    for (home_node, home_part) in home_ends {
        for (shop_node, shop_part) in shop_ends {
            best = best.min(home_part + between(home_node, shop_node) + shop_part);
        }
    }
    if home.edge == shop.edge {
        best = best.min((home.fraction - shop.fraction).abs() * home.cost);
    }
    home.connect_m + best + shop.connect_m
}

#[tokio::test]
async fn walking_distances_agree_with_pgrouting_within_a_metre() {
    let database = fresh_database().await;
    let store = database.store().await;
    let streets = WriteBatch {
        layers: vec![(LayerId::Streets, demo().features(LayerId::Streets))],
        events: vec![],
    };
    store.write(&streets, &|_| {}).await.unwrap();
    let client = database.client().await;
    client.batch_execute(GRAPH_SQL).await.unwrap();

    let base = demo_engine().coverage_base().unwrap();
    let network = &base.network;
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    // 300 residents, each paired with one of 25 shop units
    let shops: Vec<&ShopUnit> = (0..25)
        .map(|_| &demo().shop_units[rng.random_range(0..demo().shop_units.len())])
        .collect();
    let homes: Vec<&Resident> = (0..300)
        .map(|_| &demo().residents[rng.random_range(0..demo().residents.len())])
        .collect();
    let pairs: Vec<(usize, usize)> = (0..homes.len())
        .map(|home| (home, rng.random_range(0..shops.len())))
        .collect();

    let shop_points: Vec<Point<f64>> = shops.iter().map(|shop| shop.geometry).collect();
    let home_points: Vec<Point<f64>> = homes.iter().map(|home| home.geometry).collect();
    let sql_shops = sql_snaps(&client, &shop_points).await;
    let sql_homes = sql_snaps(&client, &home_points).await;
    let ours_shops: Vec<Option<Snap>> = shop_points.iter().map(|p| network.snap(*p)).collect();
    let ours_homes: Vec<Option<Snap>> = home_points.iter().map(|p| network.snap(*p)).collect();
    for (ours, sql) in ours_shops
        .iter()
        .zip(&sql_shops)
        .chain(ours_homes.iter().zip(&sql_homes))
    {
        assert_eq!(
            ours.is_some(),
            sql.is_some(),
            "snapped in one and not the other: {ours:?} {sql:?}"
        );
        if let (Some(ours), Some(sql)) = (ours, sql) {
            assert!(
                (ours.connect_m - sql.connect_m).abs() < 0.05,
                "{ours:?} {sql:?}"
            );
        }
    }

    // pgRouting: every shop's edge ends to every home's edge ends
    let starts: Vec<i64> = sql_shops
        .iter()
        .flatten()
        .flat_map(|s| [s.source, s.target])
        .collect();
    let ends: Vec<i64> = sql_homes
        .iter()
        .flatten()
        .flat_map(|s| [s.source, s.target])
        .collect();
    let rows = client
        .query(
            "SELECT start_vid, end_vid, agg_cost FROM pgr_dijkstraCost(
                 'SELECT id, source, target, cost, reverse_cost FROM walk_edges',
                 $1::bigint[], $2::bigint[], directed => false)",
            &[&starts, &ends],
        )
        .await
        .unwrap();
    let mut node_m: HashMap<(i64, i64), f64> = HashMap::new();
    for row in rows {
        let (start, end, cost): (i64, i64, f64) = (row.get(0), row.get(1), row.get(2));
        // the home side asks (home node, shop node)
        node_m.insert((end, start), cost);
    }

    let mut n_compared = 0;
    let mut worst_m: f64 = 0.0;
    for (home, shop) in pairs {
        let (Some(ours_home), Some(ours_shop)) = (ours_homes[home], ours_shops[shop]) else {
            continue;
        };
        let ours = ShopDistances::new(network, &[ours_shop]).to(network, &ours_home);
        let theirs = sql_distance(
            sql_homes[home].as_ref().unwrap(),
            sql_shops[shop].as_ref().unwrap(),
            &node_m,
        );
        assert!(ours.is_finite() && theirs.is_finite(), "{ours} vs {theirs}");
        worst_m = worst_m.max((ours - theirs).abs());
        assert!(
            (ours - theirs).abs() < 1.0,
            "resident {} to shop {}: {ours:.2} m here, {theirs:.2} m by pgRouting",
            homes[home].id,
            shops[shop].id
        );
        n_compared += 1;
    }
    eprintln!("{n_compared} pairs, worst difference to pgRouting {worst_m:.4} m");
    assert!(n_compared >= 250, "{n_compared}");
}

/// The shops at ($1 longitudes, $2 latitudes) snapped as the homes are.
const SHOP_SNAPS_SQL: &str = r#"
WITH shop_points AS (
    SELECT ordinality AS n, ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 31370) AS lambert,
           ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom
    FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lon, lat)
)
SELECT p.n, e.id AS edge, e.source, e.target, e.cost,
       ST_LineLocatePoint(e.geom_lambert, p.lambert) AS fraction,
       ST_Distance(p.geom::geography, ST_Transform(ST_ClosestPoint(e.geom_lambert, p.lambert), 4326)::geography) AS connect_m
FROM shop_points p
CROSS JOIN LATERAL (
    SELECT id, source, target, cost, geom_lambert FROM walk_edges
    ORDER BY geom_lambert <-> p.lambert LIMIT 1
) e
"#;

/// Every resident snapped (nearest edge by `<->` in EPSG:31370).
const HOMES_SQL: &str = r#"
CREATE TABLE home_snaps AS
SELECT r.id, e.*,
       ST_LineLocatePoint(e.geom_lambert, ST_Transform(r.geom, 31370)) AS fraction,
       ST_Distance(r.geom::geography,
                   ST_Transform(ST_ClosestPoint(e.geom_lambert, ST_Transform(r.geom, 31370)), 4326)::geography) AS connect_m
FROM residents r
CROSS JOIN LATERAL (
    SELECT id AS edge, source, target, cost, geom_lambert FROM walk_edges
    ORDER BY geom_lambert <-> ST_Transform(r.geom, 31370) LIMIT 1
) e;
ANALYZE home_snaps;
"#;

/// Every resident's distance to the nearest shop of `shop_snaps` by one
/// `pgr_drivingDistance` from a super-source joined to the ends of each
/// shop's edge; residents more than 250 m from every street are infinite.
const RESIDENT_DISTANCES_SQL: &str = r#"
WITH reached AS (
    SELECT node, agg_cost FROM pgr_drivingDistance(
        'SELECT id, source, target, cost, reverse_cost FROM walk_edges
         UNION ALL SELECT 3000000000 + 2 * n, 999999999, source, connect_m + fraction * cost, -1 FROM shop_snaps
         UNION ALL SELECT 3000000001 + 2 * n, 999999999, target, connect_m + (1 - fraction) * cost, -1 FROM shop_snaps',
        999999999, 1e12, directed => true)
)
SELECT h.id, CASE WHEN h.connect_m > 250 THEN 'Infinity'::float8 ELSE
       h.connect_m + LEAST(
           COALESCE(a.agg_cost + h.fraction * h.cost, 'Infinity'),
           COALESCE(b.agg_cost + (1 - h.fraction) * h.cost, 'Infinity'),
           COALESCE((SELECT min(abs(h.fraction - s.fraction) * h.cost + s.connect_m)
                     FROM shop_snaps s WHERE s.edge = h.edge), 'Infinity'))
       END
FROM home_snaps h
LEFT JOIN reached a ON a.node = h.source
LEFT JOIN reached b ON b.node = h.target
"#;

#[tokio::test]
async fn every_residents_distance_to_the_nearest_open_shop_agrees_with_pgrouting() {
    use genk_atlas::engine::coverage::figures::resident_distances;
    use genk_atlas::engine::coverage::shops::{open_shops, shop_units};
    use genk_atlas::engine::coverage::CoverageKind;
    let database = fresh_database().await;
    let store = database.store().await;
    let batch = WriteBatch {
        layers: vec![
            (LayerId::Streets, demo().features(LayerId::Streets)),
            (LayerId::Residents, demo().features(LayerId::Residents)),
        ],
        events: vec![],
    };
    store.write(&batch, &|_| {}).await.unwrap();
    let client = database.client().await;
    client.batch_execute(GRAPH_SQL).await.unwrap();
    client.batch_execute(HOMES_SQL).await.unwrap();

    let engine = demo_engine();
    let base = engine.coverage_base().unwrap();
    let date = DemoParams::default().reference_date;
    let open = open_shops(&shop_units(engine).unwrap(), engine, &base.network, date);
    for kind in [ShopKind::Butcher, ShopKind::Pharmacy] {
        let (lons, lats): (Vec<f64>, Vec<f64>) = open
            .iter()
            .filter(|shop| shop.kind == kind)
            .map(|shop| (shop.point.x(), shop.point.y()))
            .unzip();
        client
            .batch_execute("DROP TABLE IF EXISTS shop_snaps")
            .await
            .unwrap();
        client
            .execute(
                &format!("CREATE TEMP TABLE shop_snaps AS SELECT * FROM ({SHOP_SNAPS_SQL}) s WHERE connect_m <= 250"),
                &[&lons, &lats],
            )
            .await
            .unwrap();
        let theirs: HashMap<String, f64> = client
            .query(RESIDENT_DISTANCES_SQL, &[])
            .await
            .unwrap()
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
        let ours = resident_distances(&base, &open, CoverageKind::Single(kind));
        assert_eq!(theirs.len(), base.residents.len());
        let mut worst_m: f64 = 0.0;
        for (resident, distance_m) in base.residents.iter().zip(ours) {
            let other = theirs[&resident.id];
            assert_eq!(distance_m.is_finite(), other.is_finite(), "{}", resident.id);
            if distance_m.is_finite() {
                worst_m = worst_m.max((distance_m - other).abs());
                assert!(
                    (distance_m - other).abs() < 1.0,
                    "{} to the nearest {kind}: {distance_m:.2} m here, {other:.2} m by pgRouting",
                    resident.id
                );
            }
        }
        eprintln!(
            "{} residents, nearest {kind}: worst difference to pgRouting {worst_m:.4} m",
            base.residents.len()
        );
    }
}

// ------------------------------------------------------------ a small city

/// Degrees per metre near Genk.
const LAT_PER_M: f64 = 1.0 / 111_226.0;
fn lon_per_m() -> f64 {
    1.0 / (111_320.0 * 50.96f64.to_radians().cos())
}

/// A point `east_m`, `north_m` from the small city's origin.
fn at(east_m: f64, north_m: f64) -> Coord<f64> {
    Coord {
        x: 5.45 + east_m * lon_per_m(),
        y: 50.95 + north_m * LAT_PER_M,
    }
}

fn square(west_m: f64, south_m: f64, east_m: f64, north_m: f64) -> MultiPolygon<f64> {
    let ring = LineString::new(vec![
        at(west_m, south_m),
        at(east_m, south_m),
        at(east_m, north_m),
        at(west_m, north_m),
        at(west_m, south_m),
    ]);
    MultiPolygon::new(vec![geo::Polygon::new(ring, vec![])])
}

fn street(id: &str, line: LineString<f64>, walkable: bool) -> Street {
    Street {
        id: id.into(),
        geometry: line,
        name: id.into(),
        walkable,
        class: if walkable {
            StreetClass::Residential
        } else {
            StreetClass::Motorway
        },
    }
}

fn event(
    event_id: i64,
    unit_id: &str,
    valid_from: &str,
    status: UnitStatus,
    kind: ShopKind,
) -> UnitEvent {
    UnitEvent {
        event_id,
        unit_id: unit_id.into(),
        valid_from: day(valid_from),
        recorded_at: Utc.from_utc_datetime(&day(valid_from).and_hms_opt(10, 0, 0).unwrap()),
        recorded_by: "winkelteam".into(),
        status,
        category: ShopCategory::Daily,
        kind: Some(kind),
        floor_area_m2: 120.0,
        occupant: None,
        note: None,
    }
}

fn shop_unit(id: &str, location: Coord<f64>, kind: ShopKind) -> ShopUnit {
    ShopUnit {
        id: id.into(),
        geometry: Point::from(location),
        address: format!("Teststraat {id}"),
        street: "Teststraat".into(),
        floor_area_m2: 120.0,
        category: ShopCategory::Daily,
        kind: Some(kind),
        status: UnitStatus::Occupied,
        status_since: day("2020-01-01"),
        occupant: None,
        area_id: None,
    }
}

/// A jittered 12 × 9 grid of streets 120 m apart with gaps, a motorway, a
/// disconnected street far east, two neighbourhoods, residents (some far
/// from every street) and shops of every kind, some closed in 2024.
fn small_city(seed: u64) -> Engine {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (columns, rows, step) = (12usize, 9usize, 120.0);
    let node = |c: usize, r: usize, rng: &mut ChaCha8Rng| {
        at(
            c as f64 * step + rng.random_range(-15.0..15.0),
            r as f64 * step + rng.random_range(-15.0..15.0),
        )
    };
    let grid: Vec<Vec<Coord<f64>>> = (0..rows)
        .map(|r| (0..columns).map(|c| node(c, r, &mut rng)).collect())
        .collect();
    let mut streets = Vec::new();
    for r in 0..rows {
        for c in 0..columns {
            if c + 1 < columns && rng.random_bool(0.85) {
                // a bend in some of the streets
                let middle = Coord {
                    x: (grid[r][c].x + grid[r][c + 1].x) / 2.0,
                    y: (grid[r][c].y + grid[r][c + 1].y) / 2.0
                        + rng.random_range(-10.0..10.0) * LAT_PER_M,
                };
                streets.push(street(
                    &format!("h{r}_{c}"),
                    LineString::new(vec![grid[r][c], middle, grid[r][c + 1]]),
                    true,
                ));
            }
            if r + 1 < rows && rng.random_bool(0.85) {
                streets.push(street(
                    &format!("v{r}_{c}"),
                    LineString::new(vec![grid[r][c], grid[r + 1][c]]),
                    true,
                ));
            }
        }
    }
    // a motorway across the city: not walkable, so nobody snaps to it
    streets.push(street(
        "e314",
        LineString::new(vec![at(-100.0, 500.0), at(1500.0, 530.0)]),
        false,
    ));
    // a piece of street that connects to nothing
    streets.push(street(
        "island",
        LineString::new(vec![at(1700.0, 300.0), at(1800.0, 300.0)]),
        true,
    ));

    let neighbourhoods = [
        Neighbourhood {
            id: "W1".into(),
            geometry: square(-300.0, -300.0, 660.0, 1300.0),
            code: "W1".into(),
            name: "West".into(),
            population: 0,
        },
        Neighbourhood {
            id: "W2".into(),
            geometry: square(660.0, -300.0, 2000.0, 1300.0),
            code: "W2".into(),
            name: "Oost".into(),
            population: 0,
        },
    ];
    let mut residents: Vec<Resident> = (0..260)
        .map(|i| Resident {
            id: format!("r{i:03}"),
            geometry: Point::from(at(
                rng.random_range(-50.0..1400.0),
                rng.random_range(-50.0..1000.0),
            )),
            population: rng.random_range(1..6),
        })
        .collect();
    // far from every walkable street (the motorway does not count)
    residents.push(Resident {
        id: "r_far".into(),
        geometry: Point::from(at(700.0, 1250.0)),
        population: 4,
    });
    // beside the disconnected street
    residents.push(Resident {
        id: "r_island".into(),
        geometry: Point::from(at(1750.0, 320.0)),
        population: 3,
    });

    let kinds = [
        ShopKind::Bakery,
        ShopKind::Butcher,
        ShopKind::Supermarket,
        ShopKind::Grocery,
        ShopKind::Pharmacy,
    ];
    let mut units = Vec::new();
    let mut events = Vec::new();
    for i in 0..14 {
        let id = format!("s{i:02}");
        let kind = kinds[i % kinds.len()];
        let location = at(rng.random_range(0.0..1320.0), rng.random_range(0.0..960.0));
        units.push(shop_unit(&id, location, kind));
        events.push(event(
            events.len() as i64 + 1,
            &id,
            "2020-01-01",
            UnitStatus::Occupied,
            kind,
        ));
        if i % 4 == 3 {
            events.push(event(
                events.len() as i64 + 1,
                &id,
                "2024-03-01",
                UnitStatus::Vacant,
                kind,
            ));
        }
    }
    // a bakery on the island serves nobody but the island
    units.push(shop_unit("s_island", at(1790.0, 290.0), ShopKind::Bakery));
    events.push(event(
        100,
        "s_island",
        "2020-01-01",
        UnitStatus::Occupied,
        ShopKind::Bakery,
    ));
    Engine::new(
        vec![
            (
                LayerId::Streets,
                streets.iter().map(LayerRecord::to_feature).collect(),
            ),
            (
                LayerId::Residents,
                residents.iter().map(LayerRecord::to_feature).collect(),
            ),
            (
                LayerId::Neighbourhoods,
                neighbourhoods.iter().map(LayerRecord::to_feature).collect(),
            ),
            (
                LayerId::ShopUnits,
                units.iter().map(LayerRecord::to_feature).collect(),
            ),
        ],
        events,
    )
}

/// The walking distance from `home` to the nearest of `shops` by one plain
/// Dijkstra from the home over the graph with the home and the shops
/// inserted as nodes on their edges (no multi-source, no shortcut).
fn brute_force_distance(network: &WalkNetwork, home: &Snap, shops: &[Snap]) -> f64 {
    let n = network.n_nodes();
    let home_node = n;
    let mut adjacency: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n + 1 + shops.len()];
    for (edge_idx, edge) in network.edges().iter().enumerate() {
        let mut stops: Vec<(f64, usize)> =
            vec![(0.0, edge.a as usize), (edge.length_m, edge.b as usize)];
        if home.edge as usize == edge_idx {
            stops.push((home.to_a_m, home_node));
        }
        for (shop_idx, shop) in shops.iter().enumerate() {
            if shop.edge as usize == edge_idx {
                stops.push((shop.to_a_m, n + 1 + shop_idx));
            }
        }
        stops.sort_by(|x, y| x.0.total_cmp(&y.0));
        for pair in stops.windows(2) {
            let length = pair[1].0 - pair[0].0;
            adjacency[pair[0].1].push((pair[1].1, length));
            adjacency[pair[1].1].push((pair[0].1, length));
        }
    }
    let mut distance = vec![f64::INFINITY; adjacency.len()];
    let mut done = vec![false; adjacency.len()];
    distance[home_node] = 0.0;
    while let Some(node) = (0..adjacency.len())
        .filter(|&i| !done[i] && distance[i].is_finite())
        .min_by(|&i, &j| distance[i].total_cmp(&distance[j]))
    {
        done[node] = true;
        for &(next, length) in &adjacency[node] {
            distance[next] = distance[next].min(distance[node] + length);
        }
    }
    shops
        .iter()
        .enumerate()
        .map(|(shop_idx, shop)| home.connect_m + distance[n + 1 + shop_idx] + shop.connect_m)
        .fold(f64::INFINITY, f64::min)
}

/// The figures of (distance, population) pairs, computed plainly.
fn expected_area(mut residents: Vec<(f64, i64)>, threshold_m: Option<f64>) -> Value {
    let population: i64 = residents.iter().map(|r| r.1).sum();
    let covered: i64 = residents
        .iter()
        .filter(|r| r.0.is_finite() && threshold_m.is_none_or(|t| r.0 <= t))
        .map(|r| r.1)
        .sum();
    let unreachable: i64 = residents
        .iter()
        .filter(|r| !r.0.is_finite())
        .map(|r| r.1)
        .sum();
    residents.retain(|r| r.0.is_finite());
    residents.sort_by(|a, b| a.0.total_cmp(&b.0));
    let reachable: i64 = residents.iter().map(|r| r.1).sum();
    let percentile = |q: f64| -> Value {
        let mut so_far = 0;
        for r in &residents {
            so_far += r.1;
            if so_far as f64 >= q * reachable as f64 && reachable > 0 {
                return json!((r.0 * 10.0).round() / 10.0);
            }
        }
        Value::Null
    };
    json!({
        "population": population,
        "covered": covered,
        "unreachable": unreachable,
        "share": if population > 0 { json!(covered as f64 / population as f64) } else { Value::Null },
        "median_m": percentile(0.5),
        "p90_m": percentile(0.9),
    })
}

fn assert_area(got: &Value, expected: &Value, context: &str) {
    for field in ["population", "covered", "unreachable"] {
        assert_eq!(got[field], expected[field], "{context}: {field}");
    }
    for field in ["share", "median_m", "p90_m"] {
        match (got[field].as_f64(), expected[field].as_f64()) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 0.11, "{context}: {field} {a} vs {b}"),
            (a, b) => assert_eq!(a, b, "{context}: {field}"),
        }
    }
}

#[tokio::test]
async fn coverage_figures_equal_a_brute_force_dijkstra_per_resident_on_a_small_city() {
    let engine = small_city(7);
    let base = engine.coverage_base().unwrap();
    let residents = residents_of(&engine);
    let units: Vec<ShopUnit> = engine
        .layer(LayerId::ShopUnits)
        .features()
        .iter()
        .map(|f| ShopUnit::from_feature(f).unwrap())
        .collect();
    let neighbourhood_polygons: Vec<(String, MultiPolygon<f64>)> = engine
        .layer(LayerId::Neighbourhoods)
        .features()
        .iter()
        .map(|f| {
            let n = Neighbourhood::from_feature(f).unwrap();
            (n.code, n.geometry)
        })
        .collect();
    let (state, _dir) = app(engine);
    let mut n_checked = 0;
    for date in ["2022-06-01", "2025-01-01"] {
        // open on the date: the event in force is `occupied` (one event per date here)
        let open = |kind: ShopKind| -> Vec<Snap> {
            units
                .iter()
                .filter(|unit| unit.kind == Some(kind))
                .filter(|unit| {
                    let closed = unit
                        .id
                        .trim_start_matches('s')
                        .parse::<usize>()
                        .map(|i| i % 4 == 3)
                        .unwrap_or(false);
                    !(closed && day(date) >= day("2024-03-01"))
                })
                .filter_map(|unit| base.network.snap(unit.geometry))
                .collect()
        };
        let per_kind: BTreeMap<ShopKind, Vec<f64>> = ShopKind::ALL
            .iter()
            .map(|&kind| {
                let shops = open(kind);
                let distances = residents
                    .iter()
                    .map(|resident| match base.network.snap(resident.geometry) {
                        Some(home) => brute_force_distance(&base.network, &home, &shops),
                        None => f64::INFINITY,
                    })
                    .collect();
                (kind, distances)
            })
            .collect();
        let far = residents.iter().position(|r| r.id == "r_far").unwrap();
        let island = residents.iter().position(|r| r.id == "r_island").unwrap();
        assert!(per_kind[&ShopKind::Supermarket][far].is_infinite());
        assert!(per_kind[&ShopKind::Supermarket][island].is_infinite());
        assert!(
            per_kind[&ShopKind::Bakery][island].is_finite(),
            "the island bakery serves the island"
        );
        for kind in [
            "bakery",
            "butcher",
            "supermarket",
            "grocery",
            "pharmacy",
            "daily",
        ] {
            let distances: Vec<f64> = match kind {
                "daily" => (0..residents.len())
                    .map(|i| {
                        basket_distance([
                            per_kind[&ShopKind::Supermarket][i],
                            per_kind[&ShopKind::Bakery][i],
                            per_kind[&ShopKind::Butcher][i],
                            per_kind[&ShopKind::Grocery][i],
                        ])
                    })
                    .collect(),
                single => per_kind[&single.parse::<ShopKind>().unwrap()].clone(),
            };
            for threshold in ["400", "800", "1200", "any"] {
                let uri = format!("/api/coverage?kind={kind}&threshold_m={threshold}&date={date}");
                let body = ok(&state, &uri).await;
                assert_eq!(body["kind"], kind);
                assert_eq!(body["date"], date);
                let threshold_m = threshold.parse::<f64>().ok();
                let pairs = |filter: &dyn Fn(&Resident) -> bool| -> Vec<(f64, i64)> {
                    residents
                        .iter()
                        .zip(&distances)
                        .filter(|(r, _)| filter(r))
                        .map(|(r, d)| (*d, r.population))
                        .collect()
                };
                assert_area(
                    &body["city"],
                    &expected_area(pairs(&|_| true), threshold_m),
                    &uri,
                );
                let listed = body["neighbourhoods"].as_array().unwrap();
                assert_eq!(listed.len(), 2);
                for (listed, (code, polygon)) in listed.iter().zip(&neighbourhood_polygons) {
                    assert_eq!(listed["code"], code.as_str());
                    let expected =
                        expected_area(pairs(&|r| polygon.contains(&r.geometry)), threshold_m);
                    assert_area(listed, &expected, &format!("{uri} {code}"));
                }
                n_checked += 1;
            }
        }
    }
    assert_eq!(n_checked, 2 * 6 * 4);
}

#[tokio::test]
async fn an_added_shop_says_how_many_residents_live_within_its_reach() {
    let engine = small_city(7);
    let base = engine.coverage_base().unwrap();
    let residents = residents_of(&engine);
    // Two imagined bakeries, at the doors of the first and the last resident near a street.
    let snapped: Vec<&Resident> = residents
        .iter()
        .filter(|r| base.network.snap(r.geometry).is_some())
        .collect();
    let (near, last) = (snapped[0], snapped[snapped.len() - 1]);
    let added = [near.geometry, last.geometry];
    let (state, _dir) = app(engine);
    for threshold in [400u32, 800] {
        let body = json!({"kind": "bakery", "threshold_m": threshold, "date": "2025-01-01",
            "add": added.iter().map(|p| json!({"lon": p.x(), "lat": p.y(), "kind": "bakery"})).collect::<Vec<_>>()});
        let (status, answer) = post(&state, "/api/coverage/whatif", body.to_string()).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        for (index, point) in added.iter().enumerate() {
            let shop = base.network.snap(*point).unwrap();
            let expected: i64 = residents
                .iter()
                .filter(|resident| {
                    base.network.snap(resident.geometry).is_some_and(|home| {
                        brute_force_distance(&base.network, &home, std::slice::from_ref(&shop))
                            <= f64::from(threshold)
                    })
                })
                .map(|resident| resident.population)
                .sum();
            assert_eq!(answer["added"][index]["index"], index);
            assert_eq!(
                answer["added"][index]["residents_within"], expected,
                "shop {index} at {threshold} m"
            );
        }
        assert!(answer["added"][0]["residents_within"].as_i64().unwrap() >= near.population);
    }
}

fn residents_of(engine: &Engine) -> Vec<Resident> {
    engine
        .layer(LayerId::Residents)
        .features()
        .iter()
        .map(|f| Resident::from_feature(f).unwrap())
        .collect()
}

#[tokio::test]
async fn unreachable_residents_are_reported_never_covered_and_are_gaps() {
    let (state, _dir) = app(small_city(7));
    let body = ok(
        &state,
        "/api/coverage?kind=supermarket&threshold_m=any&date=2022-06-01",
    )
    .await;
    let city = &body["city"];
    // r_far (4 people) and r_island (3) at least
    assert!(city["unreachable"].as_i64().unwrap() >= 7, "{city}");
    assert_eq!(
        city["covered"].as_i64().unwrap() + city["unreachable"].as_i64().unwrap(),
        city["population"].as_i64().unwrap()
    );
    let gaps = ok(
        &state,
        "/api/coverage/gaps?kind=supermarket&threshold_m=400&date=2022-06-01",
    )
    .await;
    assert_eq!(gaps["type"], "FeatureCollection");
    let figures = ok(
        &state,
        "/api/coverage?kind=supermarket&threshold_m=400&date=2022-06-01",
    )
    .await;
    let gap_people: i64 = gaps["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["population"].as_i64().unwrap())
        .sum();
    assert_eq!(
        gap_people,
        figures["city"]["population"].as_i64().unwrap()
            - figures["city"]["covered"].as_i64().unwrap()
    );
    let far = gaps["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["id"] == "r_far")
        .expect("the far resident is a gap");
    assert_eq!(far["properties"]["unreachable"], true);
    assert_eq!(far["properties"]["distance_m"], Value::Null);
    assert!(gaps["features"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["properties"]["unreachable"] == true
            || f["properties"]["distance_m"].as_f64().unwrap() > 400.0));
}

// ------------------------------------------------------------ the real wijken

#[tokio::test]
async fn the_31_real_genk_wijken_are_all_named_with_the_demo_population_spread_over_them() {
    use genk_atlas::import::{read_source, FieldMapping, ImportParams};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("geodata/open/genk/genk_wijken_ggw7_epsg31370.geojson");
    assert!(
        path.is_file(),
        "{} is missing (the project's open data, geodata/open)",
        path.display()
    );
    let params = ImportParams {
        layer: LayerId::Neighbourhoods,
        path,
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
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert_eq!(outcome.features.len(), 31);
    // spread the demo's residents over the real wijken
    let mut wijken: Vec<Neighbourhood> = outcome
        .features
        .iter()
        .map(|feature| Neighbourhood::from_feature(feature).unwrap())
        .collect();
    for wijk in &mut wijken {
        wijk.population = demo()
            .residents
            .iter()
            .filter(|resident| wijk.geometry.contains(&resident.geometry))
            .map(|resident| resident.population)
            .sum();
    }
    let layers = LayerId::ALL
        .iter()
        .map(|&layer| match layer {
            LayerId::Neighbourhoods => {
                (layer, wijken.iter().map(LayerRecord::to_feature).collect())
            }
            _ => (layer, demo().features(layer)),
        })
        .collect();
    let engine = Engine::new(layers, demo().unit_events.clone());
    assert_eq!(engine.layer(LayerId::Neighbourhoods).len(), 31);
    let (state, _dir) = app(engine);
    let body = ok(&state, "/api/coverage?kind=daily&threshold_m=800").await;
    let listed = body["neighbourhoods"].as_array().unwrap();
    assert_eq!(listed.len(), 31);
    let by_code: BTreeMap<&str, &Value> = listed
        .iter()
        .map(|n| (n["code"].as_str().unwrap(), n))
        .collect();
    let mut spread = 0;
    for wijk in &wijken {
        let answer = by_code
            .get(wijk.code.as_str())
            .unwrap_or_else(|| panic!("{} is missing", wijk.code));
        assert_eq!(answer["name"], wijk.name.as_str());
        assert_eq!(answer["population"], wijk.population, "{}", wijk.code);
        spread += wijk.population;
    }
    let city_population = body["city"]["population"].as_i64().unwrap();
    let demo_population: i64 = demo().residents.iter().map(|r| r.population).sum();
    assert_eq!(city_population, demo_population);
    assert!(
        spread as f64 > 0.97 * demo_population as f64,
        "{spread} of {demo_population}"
    );
    assert!(body["metadata"]["rule"]
        .as_str()
        .unwrap()
        .contains("supermarket"));
    let share = body["city"]["share"].as_f64().unwrap();
    assert!(share > 0.2 && share < 1.0, "{share}");
}

// ------------------------------------------------------------ changes

#[tokio::test]
async fn shop_openings_and_closings_are_reflected_in_the_next_answer() {
    let engine = small_city(7);
    let (state, _dir) = app(engine);
    // s07 (a supermarket) closes on 1 March 2024
    let before = ok(
        &state,
        "/api/coverage?kind=supermarket&threshold_m=800&date=2024-02-29",
    )
    .await;
    let after = ok(
        &state,
        "/api/coverage?kind=supermarket&threshold_m=800&date=2024-03-01",
    )
    .await;
    assert_eq!(
        before["metadata"]["open_shops"].as_i64().unwrap(),
        after["metadata"]["open_shops"].as_i64().unwrap() + 1
    );
    assert!(after["city"]["covered"].as_i64() <= before["city"]["covered"].as_i64());
    // before 2020 nothing was open: nobody is covered
    let empty = ok(
        &state,
        "/api/coverage?kind=supermarket&threshold_m=any&date=2019-12-31",
    )
    .await;
    assert_eq!(empty["city"]["covered"], 0);
    assert_eq!(empty["city"]["unreachable"], empty["city"]["population"]);
}

/// An app whose store holds what `engine` holds, for tests that write
/// through it (a write is applied from the store's change log).
async fn stored_app(engine: Engine) -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = GeoPackageStore::create(&dir.path().join("atlas.gpkg")).unwrap();
    let batch = WriteBatch {
        layers: LayerId::ALL
            .iter()
            .map(|layer| (*layer, engine.layer(*layer).features().to_vec()))
            .collect(),
        events: engine.unit_events().to_vec(),
    };
    store.write(&batch, &|_| {}).await.unwrap();
    let store: SharedStore = Arc::new(store);
    (AppState::new(store, engine, None), dir)
}

#[tokio::test]
async fn a_shop_opened_and_closed_through_the_app_counts_in_the_next_answer() {
    let (state, _dir) = stored_app(small_city(7)).await;
    let uri = "/api/coverage?kind=bakery&threshold_m=400&date=2025-01-01";
    let before = ok(&state, uri).await;
    let gaps = ok(
        &state,
        "/api/coverage/gaps?kind=bakery&threshold_m=400&date=2025-01-01",
    )
    .await;
    let gap = gaps["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["unreachable"] == false)
        .expect("a resident beyond 400 m of a bakery");
    let location = Coord {
        x: gap["geometry"]["coordinates"][0].as_f64().unwrap(),
        y: gap["geometry"]["coordinates"][1].as_f64().unwrap(),
    };
    // a new bakery at that home, open since 1 June 2024
    let unit = shop_unit("s_new", location, ShopKind::Bakery);
    state
        .write_edit(
            LayerId::ShopUnits,
            vec![unit.to_feature()],
            vec![event(
                0,
                "s_new",
                "2024-06-01",
                UnitStatus::Occupied,
                ShopKind::Bakery,
            )],
            EditGuard::default(),
        )
        .await
        .unwrap();
    let opened = ok(&state, uri).await;
    assert_eq!(
        opened["metadata"]["open_shops"].as_i64().unwrap(),
        before["metadata"]["open_shops"].as_i64().unwrap() + 1
    );
    assert!(
        opened["city"]["covered"].as_i64().unwrap()
            >= before["city"]["covered"].as_i64().unwrap()
                + gap["properties"]["population"].as_i64().unwrap(),
        "{} then {}",
        before["city"],
        opened["city"]
    );
    // it closes on 1 September 2024: the answer for 2025 is as before
    state
        .write_edit(
            LayerId::ShopUnits,
            vec![],
            vec![event(
                0,
                "s_new",
                "2024-09-01",
                UnitStatus::Vacant,
                ShopKind::Bakery,
            )],
            EditGuard::default(),
        )
        .await
        .unwrap();
    let closed = ok(&state, uri).await;
    assert_eq!(closed["city"], before["city"]);
    assert_eq!(closed["neighbourhoods"], before["neighbourhoods"]);
}

#[test]
fn a_changed_shop_layer_keeps_the_network_and_changed_streets_rebuild_it() {
    let engine = small_city(7);
    let base = engine.coverage_base().unwrap();
    let unit =
        ShopUnit::from_feature(engine.layer(LayerId::ShopUnits).get("s00").unwrap()).unwrap();
    let moved = ShopUnit {
        geometry: Point::from(at(50.0, 50.0)),
        ..unit
    };
    let shops_changed = engine.with_upserted(LayerId::ShopUnits, vec![moved.to_feature()]);
    assert!(Arc::ptr_eq(&base, &shops_changed.coverage_base().unwrap()));
    let new_street = street(
        "new",
        line_string![(x: 5.46, y: 50.951), (x: 5.461, y: 50.951)],
        true,
    );
    let streets_changed =
        shops_changed.with_upserted(LayerId::Streets, vec![new_street.to_feature()]);
    let rebuilt = streets_changed.coverage_base().unwrap();
    assert!(!Arc::ptr_eq(&base, &rebuilt));
    assert_eq!(
        rebuilt.network.edges().len(),
        base.network.edges().len() + 1
    );
    let residents_changed = engine.with_upserted(
        LayerId::Residents,
        vec![Resident {
            id: "r_new".into(),
            geometry: point!(x: 5.451, y: 50.951),
            population: 9,
        }
        .to_feature()],
    );
    assert_eq!(
        residents_changed.coverage_base().unwrap().residents.len(),
        base.residents.len() + 1
    );
}

// ------------------------------------------------------------ what-if

#[tokio::test]
async fn a_bakery_dropped_in_the_least_covered_neighbourhood_raises_its_share() {
    let (state, _dir) = app(demo_engine().with_upserted(LayerId::ShopUnits, vec![]));
    let figures = ok(&state, "/api/coverage?kind=bakery&threshold_m=800").await;
    let worst = figures["neighbourhoods"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["population"].as_i64().unwrap() > 500)
        .min_by(|a, b| {
            a["share"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["share"].as_f64().unwrap())
        })
        .unwrap()
        .clone();
    let code = worst["code"].as_str().unwrap();
    // drop it at a gap of that neighbourhood
    let gaps = ok(&state, "/api/coverage/gaps?kind=bakery&threshold_m=800").await;
    let gap = gaps["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["properties"]["neighbourhood"] == code && f["properties"]["unreachable"] == false
        })
        .expect("a gap in the least covered neighbourhood");
    let [lon, lat] = [
        gap["geometry"]["coordinates"][0].clone(),
        gap["geometry"]["coordinates"][1].clone(),
    ];
    let started = std::time::Instant::now();
    let (status, body) = post(
        &state,
        "/api/coverage/whatif",
        json!({"kind": "bakery", "threshold_m": 800, "add": [{"lon": lon, "lat": lat, "kind": "bakery"}], "remove": []}).to_string(),
    )
    .await;
    eprintln!("what-if on the demo answered in {:?}", started.elapsed());
    assert_eq!(status, StatusCode::OK, "{body}");
    // before is the plain answer
    assert_eq!(body["before"]["city"], figures["city"]);
    assert_eq!(body["before"]["neighbourhoods"], figures["neighbourhoods"]);
    let position = figures["neighbourhoods"]
        .as_array()
        .unwrap()
        .iter()
        .position(|n| n["code"] == code)
        .unwrap();
    let before = &body["before"]["neighbourhoods"][position];
    let after = &body["after"]["neighbourhoods"][position];
    let difference = &body["difference"]["neighbourhoods"][position];
    assert!(
        after["share"].as_f64().unwrap() > before["share"].as_f64().unwrap(),
        "{before} {after}"
    );
    assert_eq!(
        difference["covered"].as_i64().unwrap(),
        after["covered"].as_i64().unwrap() - before["covered"].as_i64().unwrap()
    );
    assert!(
        (difference["share"].as_f64().unwrap()
            - (after["share"].as_f64().unwrap() - before["share"].as_f64().unwrap()))
        .abs()
            < 1e-12
    );
    // nobody loses coverage by a shop added
    for (b, a) in body["before"]["neighbourhoods"]
        .as_array()
        .unwrap()
        .iter()
        .zip(body["after"]["neighbourhoods"].as_array().unwrap())
    {
        assert!(a["covered"].as_i64() >= b["covered"].as_i64());
    }

    // removing every open bakery leaves nobody covered
    let open: Vec<String> = demo()
        .shop_units
        .iter()
        .filter(|u| u.kind == Some(ShopKind::Bakery) && u.status == UnitStatus::Occupied)
        .map(|u| u.id.clone())
        .collect();
    let (status, body) = post(
        &state,
        "/api/coverage/whatif",
        json!({"kind": "bakery", "threshold_m": "any", "remove": open}).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["after"]["city"]["covered"], 0);
    assert_eq!(body["threshold_m"], "any");
}

// ------------------------------------------------------------ isochrones

#[tokio::test]
async fn isochrones_follow_the_network_and_nest() {
    let engine = small_city(7);
    let base = engine.coverage_base().unwrap();
    let unit =
        ShopUnit::from_feature(engine.layer(LayerId::ShopUnits).get("s02").unwrap()).unwrap();
    let (state, _dir) = app(engine);
    let body = ok(&state, "/api/coverage/isochrones?unit=s02").await;
    assert_eq!(body["type"], "FeatureCollection");
    let features = body["features"].as_array().unwrap();
    let limits: Vec<f64> = features
        .iter()
        .map(|f| f["properties"]["limit_m"].as_f64().unwrap())
        .collect();
    assert_eq!(limits, [400.0, 800.0, 1200.0]);
    let polygons: Vec<MultiPolygon<f64>> = features
        .iter()
        .map(|f| multipolygon(&f["geometry"]))
        .collect();
    let areas: Vec<f64> = polygons
        .iter()
        .map(|p| genk_atlas::engine::measure::area_m2(&p.clone().into()))
        .collect();
    assert!(
        areas[0] > 0.0 && areas[0] < areas[1] && areas[1] < areas[2],
        "{areas:?}"
    );
    // along the streets: well under a circle of the same radius
    assert!(
        areas[2] < 0.8 * std::f64::consts::PI * 1240.0 * 1240.0,
        "{areas:?}"
    );
    assert!(polygons[0].contains(&unit.geometry));
    // every home near a street within 350 m of the shop lies in the 400 m polygon
    let shop = base.network.snap(unit.geometry).unwrap();
    let from_shop = ShopDistances::new(&base.network, &[shop]);
    let mut n_inside = 0;
    for resident in &base.residents {
        let Some(home) = resident.snap else { continue };
        let distance = from_shop.to(&base.network, &home);
        if home.connect_m < 30.0 && distance < 350.0 {
            assert!(
                polygons[0].contains(&resident.point),
                "{} at {distance} m",
                resident.id
            );
            n_inside += 1;
        }
        if distance > 1300.0 + 100.0 {
            // far along the network; it may still be near a reached street, so only
            // the nesting is asserted above
        }
    }
    assert!(n_inside > 0);
}

fn multipolygon(geometry: &Value) -> MultiPolygon<f64> {
    assert_eq!(geometry["type"], "MultiPolygon");
    let ring = |ring: &Value| {
        LineString::new(
            ring.as_array()
                .unwrap()
                .iter()
                .map(|xy| Coord {
                    x: xy[0].as_f64().unwrap(),
                    y: xy[1].as_f64().unwrap(),
                })
                .collect(),
        )
    };
    MultiPolygon::new(
        geometry["coordinates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|rings| {
                let rings = rings.as_array().unwrap();
                geo::Polygon::new(ring(&rings[0]), rings[1..].iter().map(ring).collect())
            })
            .collect(),
    )
}

// ------------------------------------------------------------ bad input

async fn assert_refused(state: &AppState, uri: &str, parameter: &str) {
    let (status, body) = get(state, uri).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
    assert_eq!(body["detail"]["parameter"], parameter, "{uri}: {body}");
}

async fn assert_whatif_refused(state: &AppState, body: impl Into<Body>, parameter: &str) {
    let (status, answer) = post(state, "/api/coverage/whatif", body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["detail"]["parameter"], parameter, "{answer}");
}

#[tokio::test]
async fn bad_input_is_refused_with_the_parameter_named() {
    let (state, _dir) = app(small_city(7));
    assert_refused(&state, "/api/coverage?kind=florist", "kind").await;
    assert_refused(&state, "/api/coverage?threshold_m=800", "kind").await;
    assert_refused(
        &state,
        "/api/coverage?kind=bakery&threshold_m=500",
        "threshold_m",
    )
    .await;
    assert_refused(
        &state,
        "/api/coverage?kind=bakery&threshold_m=-1",
        "threshold_m",
    )
    .await;
    assert_refused(&state, "/api/coverage?kind=bakery&date=2024-13-01", "date").await;
    assert_refused(&state, "/api/coverage?kind=bakery&date=yesterday", "date").await;
    assert_refused(&state, "/api/coverage?kind=bakery&radius=800", "radius").await;
    assert_refused(
        &state,
        "/api/coverage/gaps?kind=daily&threshold_m=15",
        "threshold_m",
    )
    .await;
    assert_refused(&state, "/api/coverage/isochrones", "unit").await;
    let (status, body) = get(&state, "/api/coverage/isochrones?unit=no-such-unit").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let whatif = |add: Value, remove: Value| {
        json!({"kind": "bakery", "threshold_m": 800, "add": add, "remove": remove}).to_string()
    };
    assert_whatif_refused(&state, "not json", "body").await;
    assert_whatif_refused(
        &state,
        json!({"kind": "bakery", "radius": 3}).to_string(),
        "body",
    )
    .await;
    assert_whatif_refused(&state, json!({"kind": "florist"}).to_string(), "kind").await;
    assert_whatif_refused(
        &state,
        json!({"kind": "bakery", "threshold_m": 500}).to_string(),
        "threshold_m",
    )
    .await;
    assert_whatif_refused(
        &state,
        json!({"kind": "bakery", "date": "1-1-2024"}).to_string(),
        "date",
    )
    .await;
    let inside = at(300.0, 300.0);
    assert_whatif_refused(
        &state,
        whatif(
            json!([{"lon": inside.x, "lat": 95.0, "kind": "bakery"}]),
            json!([]),
        ),
        "add[0].lat",
    )
    .await;
    assert_whatif_refused(
        &state,
        whatif(
            json!([{"lon": inside.x, "lat": inside.y, "kind": "daily"}]),
            json!([]),
        ),
        "add[0].kind",
    )
    .await;
    // far outside the city: more than 250 m from every walkable street
    assert_whatif_refused(
        &state,
        whatif(json!([{"lon": inside.x, "lat": inside.y, "kind": "bakery"}, {"lon": 4.35, "lat": 50.85, "kind": "bakery"}]), json!([])),
        "add[1]",
    )
    .await;
    assert_whatif_refused(
        &state,
        whatif(json!([]), json!(["s00", "no-such-unit"])),
        "remove[1]",
    )
    .await;
    let many: Vec<Value> = (0..600)
        .map(|_| json!({"lon": inside.x, "lat": inside.y, "kind": "bakery"}))
        .collect();
    assert_whatif_refused(&state, whatif(Value::Array(many), json!([])), "add").await;
    // huge bodies: over the what-if limit, and over the server's body limit
    let padding = "x".repeat(100 * 1024);
    assert_whatif_refused(
        &state,
        json!({"kind": "bakery", "remove": [padding]}).to_string(),
        "body",
    )
    .await;
    assert_whatif_refused(&state, vec![b' '; 3 << 20], "body").await;

    // and a good request still answers
    let (status, body) = post(
        &state,
        "/api/coverage/whatif",
        whatif(
            json!([{"lon": inside.x, "lat": inside.y, "kind": "bakery"}]),
            json!(["s00"]),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["difference"]["neighbourhoods"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
