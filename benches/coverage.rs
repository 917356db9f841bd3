//! Coverage benchmark: whole-city shop coverage for every kind (bakery,
//! butcher, supermarket, grocery, pharmacy and the daily basket, threshold
//! 800 m) on the demo at several scales, against the same computation in
//! PostGIS with pgRouting on the same streets (the baseline), in the same run.
//!
//! The atlas: build the walking network and snap every resident (the cached
//! base, measured cold), find the shops open on the reference date, then one
//! multi-source Dijkstra per shop kind and the figures per neighbourhood.
//! pgRouting: build the graph from the `streets` table (segments of walkable
//! streets, nodes by exact coordinates, `ST_Length(geography)`), snap every
//! resident (nearest edge by `<->` in EPSG:31370), then per kind snap the
//! open shops, join one super-source vertex to the ends of each shop's edge
//! (cost: connecting distance + the part of the edge), one
//! `pgr_drivingDistance` from it, each resident's distance, and population,
//! covered and unreachable per neighbourhood. The covered city population of
//! both and how far apart every resident's distance is are printed. (With
//! the shops as start vertices and `equicost => true` instead, pgRouting
//! 3.4.2 returned distances up to 35 m too long for some residents.)
//!
//! Run with `scripts/bench coverage` (it starts a throwaway PostGIS and sets
//! `ATLAS_BENCH_DATABASE_URL`). `ATLAS_COVERAGE_SCALES` (default `1,10`)
//! picks the scales; pgRouting runs at scales up to
//! `ATLAS_COVERAGE_PGROUTING_MAX_SCALE` (default 10). Peak memory is the
//! process's VmHWM and the heap growth of the atlas's cold computation.
//! Nothing is asserted.

mod common;
#[path = "common/peak_heap.rs"]
mod peak_heap;

use common::fresh_database;
use peak_heap::{mib, PeakAllocator};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use genk_atlas::demo::{self, DemoParams};
use genk_atlas::engine::coverage::figures::{coverage, resident_distances};
use genk_atlas::engine::coverage::shops::{open_shops, shop_units, ShopSite};
use genk_atlas::engine::coverage::whatif::{what_if, AddedShop};
use genk_atlas::engine::coverage::{CoverageKind, Threshold};
use genk_atlas::engine::Engine;
use genk_atlas::model::{Dataset, LayerId, ShopKind};
use genk_atlas::store::postgis::PostgisStore;
use genk_atlas::store::{LayerStore, WriteBatch};

#[global_allocator]
static ALLOCATOR: PeakAllocator = PeakAllocator;

const THRESHOLD_M: u32 = 800;

/// The process's peak resident set (VmHWM), MiB.
fn vm_hwm_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// The layers coverage reads, as an engine.
fn coverage_engine(dataset: &Dataset) -> Engine {
    let layers = [
        LayerId::Streets,
        LayerId::Residents,
        LayerId::Neighbourhoods,
        LayerId::ShopUnits,
    ]
    .iter()
    .map(|layer| (*layer, dataset.features(*layer)))
    .collect();
    Engine::new(layers, dataset.unit_events.clone())
}

/// The atlas's figures for every kind; returns the covered city population
/// per kind and the times of every kind cold (base included) and warm.
fn atlas(engine: &Engine, scale: u32) -> (BTreeMap<&'static str, i64>, Duration, Duration) {
    let date = DemoParams::default().reference_date;
    let before = peak_heap::start();
    let started = Instant::now();
    let base = engine.coverage_base().expect("the coverage base");
    let base_time = started.elapsed();
    let started = Instant::now();
    let units = shop_units(engine).expect("shop units");
    let open = open_shops(&units, engine, &base.network, date);
    let open_time = started.elapsed();
    let mut covered = BTreeMap::new();
    let mut kind_times = Vec::new();
    for kind in CoverageKind::ALL {
        let started = Instant::now();
        let figures = coverage(&base, &open, kind, Threshold::Metres(THRESHOLD_M));
        kind_times.push((kind, started.elapsed()));
        covered.insert(kind.as_str(), figures.city.covered);
    }
    let peak = peak_heap::peak_growth(before);
    let kinds_total: Duration = kind_times.iter().map(|(_, t)| *t).sum();
    let total = base_time + open_time + kinds_total;
    println!(
        "atlas, scale {scale}: {} nodes, {} edges, {} residents, {} open shops with a kind",
        base.network.n_nodes(),
        base.network.edges().len(),
        base.residents.len(),
        open.len()
    );
    println!(
        "  network + snap residents (cold, cached after) {:>8.3} s",
        base_time.as_secs_f64()
    );
    println!(
        "  open shops on {date}                     {:>8.3} s",
        open_time.as_secs_f64()
    );
    for (kind, time) in &kind_times {
        println!(
            "  {:<12} figures                        {:>8.3} s",
            kind.as_str(),
            time.as_secs_f64()
        );
    }
    println!(
        "  every kind, warm (base cached)               {:>8.3} s",
        (open_time + kinds_total).as_secs_f64()
    );
    println!(
        "  every kind, cold (total)                     {:>8.3} s   peak heap growth {:.0} MiB",
        total.as_secs_f64(),
        mib(peak)
    );
    // what-if as a planner asks it: one bakery dropped at a home, one unit removed
    let home = base
        .residents
        .iter()
        .find(|resident| resident.snap.is_some())
        .expect("a home near a street");
    let added = [AddedShop {
        point: home.point,
        kind: ShopKind::Bakery,
    }];
    let removed = [open[0].id.clone()];
    for kind in [CoverageKind::Single(ShopKind::Bakery), CoverageKind::Daily] {
        let started = Instant::now();
        let outcome = what_if(
            &base,
            &open,
            kind,
            Threshold::Metres(THRESHOLD_M),
            &added,
            &removed,
            |_| true,
        )
        .expect("a what-if");
        println!(
            "  what-if {:<8} (before and after, warm)       {:>8.3} s   covered {} -> {}",
            kind.as_str(),
            started.elapsed().as_secs_f64(),
            outcome.before.city.covered,
            outcome.after.city.covered
        );
    }
    (covered, total, open_time + kinds_total)
}

/// The graph and every resident snapped, with their neighbourhood.
const PREPARE_SQL: &str = r#"
CREATE EXTENSION IF NOT EXISTS pgrouting;
CREATE TABLE walk_segments AS
    SELECT (ST_DumpSegments(geom)).geom AS geom FROM streets WHERE walkable;
CREATE TABLE walk_nodes AS
    SELECT row_number() OVER (ORDER BY x, y) AS id, x, y FROM (
        SELECT ST_X(ST_StartPoint(geom)) AS x, ST_Y(ST_StartPoint(geom)) AS y FROM walk_segments
        UNION
        SELECT ST_X(ST_EndPoint(geom)), ST_Y(ST_EndPoint(geom)) FROM walk_segments
    ) AS ends;
CREATE INDEX ON walk_nodes (x, y);
CREATE TABLE walk_edges AS
    SELECT row_number() OVER () AS id, a.id AS source, b.id AS target,
           ST_Length(s.geom::geography) AS cost, ST_Length(s.geom::geography) AS reverse_cost,
           ST_Transform(s.geom, 31370) AS geom_lambert
    FROM walk_segments s
    JOIN walk_nodes a ON a.x = ST_X(ST_StartPoint(s.geom)) AND a.y = ST_Y(ST_StartPoint(s.geom))
    JOIN walk_nodes b ON b.x = ST_X(ST_EndPoint(s.geom)) AND b.y = ST_Y(ST_EndPoint(s.geom))
    WHERE a.id <> b.id;
CREATE INDEX ON walk_edges USING gist (geom_lambert);
ANALYZE walk_edges;
CREATE TABLE resident_snaps AS
    SELECT r.id, r.population,
           (SELECT n.id FROM neighbourhoods n WHERE ST_Contains(n.geom, r.geom) ORDER BY n.id LIMIT 1) AS neighbourhood,
           e.id AS edge, e.source, e.target, e.cost,
           ST_LineLocatePoint(e.geom_lambert, ST_Transform(r.geom, 31370)) AS fraction,
           ST_Distance(r.geom::geography,
                       ST_Transform(ST_ClosestPoint(e.geom_lambert, ST_Transform(r.geom, 31370)), 4326)::geography) AS connect_m
    FROM residents r
    CROSS JOIN LATERAL (
        SELECT id, source, target, cost, geom_lambert FROM walk_edges
        ORDER BY geom_lambert <-> ST_Transform(r.geom, 31370) LIMIT 1
    ) e;
UPDATE resident_snaps SET edge = NULL WHERE connect_m > 250;
CREATE INDEX ON resident_snaps (source);
CREATE INDEX ON resident_snaps (target);
CREATE INDEX ON resident_snaps (edge);
ANALYZE resident_snaps;
"#;

/// Snap the open shops of one kind ($1 longitudes, $2 latitudes).
const SHOPS_SQL: &str = r#"
CREATE TEMP TABLE shop_snaps AS
SELECT * FROM (
    SELECT 1000000000 + p.n AS vid, e.id AS edge, e.source, e.target, e.cost,
           ST_LineLocatePoint(e.geom_lambert, ST_Transform(p.geom, 31370)) AS fraction,
           ST_Distance(p.geom::geography,
                       ST_Transform(ST_ClosestPoint(e.geom_lambert, ST_Transform(p.geom, 31370)), 4326)::geography) AS connect_m
    FROM (
        SELECT ordinality AS n, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom
        FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lon, lat)
    ) p
    CROSS JOIN LATERAL (
        SELECT id, source, target, cost, geom_lambert FROM walk_edges
        ORDER BY geom_lambert <-> ST_Transform(p.geom, 31370) LIMIT 1
    ) e
) snapped
WHERE connect_m <= 250
"#;

/// Every resident's distance to the nearest shop of `shop_snaps` into `table`.
fn distances_sql(table: &str) -> String {
    format!(
        r#"
CREATE TABLE {table} AS
WITH reached AS (
    SELECT node, agg_cost FROM pgr_drivingDistance(
        'SELECT id, source, target, cost, reverse_cost FROM walk_edges
         UNION ALL SELECT 3000000000 + 2 * vid, 999999999, source, connect_m + fraction * cost, -1 FROM shop_snaps
         UNION ALL SELECT 3000000001 + 2 * vid, 999999999, target, connect_m + (1 - fraction) * cost, -1 FROM shop_snaps',
        999999999, 1e12, directed => true)
)
SELECT r.id, r.population, r.neighbourhood,
       CASE WHEN r.edge IS NULL THEN 'Infinity'::float8 ELSE
       r.connect_m + LEAST(
           COALESCE(a.agg_cost + r.fraction * r.cost, 'Infinity'),
           COALESCE(b.agg_cost + (1 - r.fraction) * r.cost, 'Infinity'),
           COALESCE((SELECT min(abs(r.fraction - s.fraction) * r.cost + s.connect_m)
                     FROM shop_snaps s WHERE s.edge = r.edge), 'Infinity'))
       END AS distance_m
FROM resident_snaps r
LEFT JOIN reached a ON a.node = r.source
LEFT JOIN reached b ON b.node = r.target
"#
    )
}

/// Population, covered and unreachable per neighbourhood from a distance table.
fn figures_sql(table: &str) -> String {
    format!(
        "SELECT neighbourhood, sum(population)::bigint,
                COALESCE(sum(population) FILTER (WHERE distance_m <= {THRESHOLD_M}), 0)::bigint,
                COALESCE(sum(population) FILTER (WHERE distance_m = 'Infinity'), 0)::bigint
         FROM {table} GROUP BY ROLLUP (neighbourhood)"
    )
}

/// The baseline; returns the covered city population per kind and the
/// times of every kind cold (graph and snapped residents included) and warm.
async fn pgrouting(dataset: &Dataset, open: &[ShopSite], admin_url: &str, scale: u32) -> Baseline {
    let database_url = fresh_database(admin_url, &format!("atlas_coverage_{scale}")).await;
    let store = PostgisStore::connect(&database_url).await.expect("connect");
    let batch = WriteBatch {
        layers: [
            LayerId::Streets,
            LayerId::Residents,
            LayerId::Neighbourhoods,
        ]
        .iter()
        .map(|layer| (*layer, dataset.features(*layer)))
        .collect(),
        events: vec![],
    };
    store.write(&batch, &|_| {}).await.expect("load PostGIS");
    drop(batch);
    let (client, connection) = tokio_postgres::connect(&database_url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    client
        .batch_execute("SET max_parallel_workers_per_gather = 2; SET work_mem = '256MB'")
        .await
        .expect("settings");

    let started = Instant::now();
    client.batch_execute(PREPARE_SQL).await.expect("prepare");
    let prepare_time = started.elapsed();
    let mut covered = BTreeMap::new();
    let mut kind_times = Vec::new();
    for kind in [
        ShopKind::Bakery,
        ShopKind::Butcher,
        ShopKind::Supermarket,
        ShopKind::Grocery,
        ShopKind::Pharmacy,
    ] {
        let started = Instant::now();
        let (lons, lats): (Vec<f64>, Vec<f64>) = open
            .iter()
            .filter(|shop| shop.kind == kind)
            .map(|shop| (shop.point.x(), shop.point.y()))
            .unzip();
        client
            .batch_execute("DROP TABLE IF EXISTS shop_snaps")
            .await
            .expect("drop");
        client
            .execute(SHOPS_SQL, &[&lons, &lats])
            .await
            .expect("snap the shops");
        let table = format!("distance_{}", kind.as_str());
        client
            .batch_execute(&distances_sql(&table))
            .await
            .expect("pgr_drivingDistance");
        let rows = client
            .query(&figures_sql(&table), &[])
            .await
            .expect("figures");
        kind_times.push((kind.as_str(), started.elapsed()));
        covered.insert(kind.as_str(), city_covered(&rows));
    }
    let started = Instant::now();
    client
        .batch_execute(
            "CREATE TABLE distance_daily AS
             SELECT s.id, s.population, s.neighbourhood,
                    LEAST(s.distance_m, GREATEST(b.distance_m, LEAST(u.distance_m, g.distance_m))) AS distance_m
             FROM distance_supermarket s
             JOIN distance_bakery b USING (id)
             JOIN distance_butcher u USING (id)
             JOIN distance_grocery g USING (id)",
        )
        .await
        .expect("daily");
    let rows = client
        .query(&figures_sql("distance_daily"), &[])
        .await
        .expect("figures");
    kind_times.push(("daily", started.elapsed()));
    covered.insert("daily", city_covered(&rows));
    let kinds_total: Duration = kind_times.iter().map(|(_, t)| *t).sum();
    println!("pgRouting, scale {scale}:");
    println!(
        "  graph + snap residents                       {:>8.3} s",
        prepare_time.as_secs_f64()
    );
    for (kind, time) in &kind_times {
        println!(
            "  {kind:<12} figures                        {:>8.3} s",
            time.as_secs_f64()
        );
    }
    println!(
        "  every kind, warm (graph and residents ready) {:>8.3} s",
        kinds_total.as_secs_f64()
    );
    println!(
        "  every kind, cold (total)                     {:>8.3} s",
        (prepare_time + kinds_total).as_secs_f64()
    );
    // every resident's distance, for the comparison (not timed)
    let mut distances = BTreeMap::new();
    for kind in CoverageKind::ALL {
        let rows = client
            .query(
                &format!("SELECT id, distance_m FROM distance_{}", kind.as_str()),
                &[],
            )
            .await
            .expect("distances");
        let by_id: HashMap<String, f64> = rows.iter().map(|row| (row.get(0), row.get(1))).collect();
        distances.insert(kind.as_str(), by_id);
    }
    Baseline {
        covered,
        cold: prepare_time + kinds_total,
        warm: kinds_total,
        distances,
    }
}

/// What the pgRouting baseline found and how long it took.
struct Baseline {
    covered: BTreeMap<&'static str, i64>,
    cold: Duration,
    warm: Duration,
    /// Per kind, every resident's distance by id.
    distances: BTreeMap<&'static str, HashMap<String, f64>>,
}

/// Print how far the atlas's distance of every resident is from pgRouting's.
fn compare_distances(engine: &Engine, open: &[ShopSite], baseline: &Baseline) {
    let base = engine.coverage_base().expect("the base");
    println!("every resident's distance, atlas vs pgRouting:");
    for kind in CoverageKind::ALL {
        let ours = resident_distances(&base, open, kind);
        let theirs = &baseline.distances[kind.as_str()];
        let (mut worst_m, mut n_over_1_m, mut n_reach_differs) = (0.0f64, 0, 0);
        for (resident, &distance_m) in base.residents.iter().zip(&ours) {
            let other = theirs.get(&resident.id).copied().unwrap_or(f64::INFINITY);
            if distance_m.is_finite() != other.is_finite() {
                n_reach_differs += 1;
            } else if distance_m.is_finite() {
                let difference = (distance_m - other).abs();
                worst_m = worst_m.max(difference);
                if difference > 1.0 {
                    n_over_1_m += 1;
                }
            }
        }
        println!(
            "  {:<12} worst {worst_m:>8.3} m; {n_over_1_m} residents over 1 m apart, {n_reach_differs} reachable in only one",
            kind.as_str()
        );
    }
}

/// The covered population of the ROLLUP's total row.
fn city_covered(rows: &[tokio_postgres::Row]) -> i64 {
    rows.iter()
        .find(|row| row.get::<_, Option<String>>(0).is_none())
        .map(|row| row.get::<_, i64>(2))
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let admin_url = std::env::var("ATLAS_BENCH_DATABASE_URL").ok();
    let scales: Vec<u32> = std::env::var("ATLAS_COVERAGE_SCALES")
        .unwrap_or_else(|_| "1,10".into())
        .split(',')
        .map(|scale| {
            scale
                .trim()
                .parse()
                .expect("ATLAS_COVERAGE_SCALES: scales like 1,10,100")
        })
        .collect();
    let pgrouting_max_scale: u32 = std::env::var("ATLAS_COVERAGE_PGROUTING_MAX_SCALE")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(10);
    if admin_url.is_none() {
        eprintln!("ATLAS_BENCH_DATABASE_URL is not set: the pgRouting baseline is skipped (run scripts/bench coverage)");
    }
    for scale in scales {
        let started = Instant::now();
        let dataset = demo::generate(&DemoParams {
            scale,
            ..DemoParams::default()
        });
        println!(
            "\n== scale {scale}: demo generated in {:.1} s ({} streets, {} residents, {} shop units)",
            started.elapsed().as_secs_f64(),
            dataset.streets.len(),
            dataset.residents.len(),
            dataset.shop_units.len()
        );
        let engine = coverage_engine(&dataset);
        let (ours, atlas_cold, atlas_warm) = atlas(&engine, scale);
        println!("  VmHWM after the atlas: {:.0} MiB", vm_hwm_mib());
        let Some(admin_url) = admin_url
            .as_deref()
            .filter(|_| scale <= pgrouting_max_scale)
        else {
            continue;
        };
        let base = engine.coverage_base().expect("the base");
        let units = shop_units(&engine).expect("units");
        let open = open_shops(
            &units,
            &engine,
            &base.network,
            DemoParams::default().reference_date,
        );
        let baseline = pgrouting(&dataset, &open, admin_url, scale).await;
        let (theirs, pg_cold, pg_warm) = (&baseline.covered, baseline.cold, baseline.warm);
        println!("covered city population at {THRESHOLD_M} m, atlas vs pgRouting:");
        for (kind, covered) in &ours {
            println!(
                "  {kind:<12} {covered:>10} {:>10}",
                theirs.get(kind).copied().unwrap_or(-1)
            );
        }
        compare_distances(&engine, &open, &baseline);
        for (name, pg, ours) in [("cold", pg_cold, atlas_cold), ("warm", pg_warm, atlas_warm)] {
            println!(
                "ratio pgRouting / atlas, every kind {name}: {:.1}× ({:.2} s vs {:.3} s)",
                pg.as_secs_f64() / ours.as_secs_f64(),
                pg.as_secs_f64(),
                ours.as_secs_f64()
            );
        }
    }
    println!(
        "\npeak resident memory (VmHWM) of the run: {:.0} MiB",
        vm_hwm_mib()
    );
}
