//! Vacancy benchmark: the H3 heatmap and the summary in the engine against
//! the same aggregation in PostGIS SQL (the baseline), on the demo at scale
//! 1 and 10, in one run.
//!
//! Run with `scripts/bench vacancy` (it starts a throwaway PostGIS and sets
//! `ATLAS_BENCH_DATABASE_URL`). Each figure is the median of several runs
//! after one warm-up; nothing is asserted, but the two sides' totals are
//! compared and printed.
//!
//! - Heatmap, engine: what `GET /api/vacancy/h3` computes per request, the
//!   located stock built from the engine (decode the units, in-force
//!   histories, H3 cells) then the counts per res-9 cell; and the counts
//!   alone on a ready stock.
//! - Heatmap, PostGIS: each unit's state on the date (`DISTINCT ON`), the
//!   units in EPSG:3857 (a copy with a GiST index, made before timing),
//!   `ST_HexagonGrid` over their extent with hexagons of the same ground
//!   size as H3 res 9 (174.4 m edge at Genk's latitude: 276.9 m in
//!   EPSG:3857), joined with `ST_Intersects`, `GROUP BY` hexagon.
//! - Summary, engine: `GET /api/vacancy/summary?by=street` per request (the
//!   stock from the engine, then every figure per street); and the figures
//!   alone on a ready stock.
//! - The engine's stocks are kept per engine snapshot by the HTTP layer, so
//!   only the first request after an edit builds one: both are printed.
//! - Trend: 600 monthly dates by street, one summary per date (the way the
//!   trend was made before) against the one-pass trend, same answers.
//! - Surface: the kernel ratio surface (150 m, 50 m cells), no baseline.
//! - Summary, PostGIS: the integration tests' SQL (state on the date, start
//!   of the current vacancy, duration classes, register candidates, floor
//!   areas) with `GROUP BY` street.

use std::time::{Duration, Instant};

use chrono::NaiveDate;

use genk_atlas::demo::{self, DemoParams};
use genk_atlas::engine::vacancy::h3::{hex_cells, HexParams, HexResolution, LocatedStock};
use genk_atlas::engine::vacancy::surface::{ratio_surface, SurfaceParams};
use genk_atlas::engine::vacancy::{step_dates, summarise, trend, Grouping, RetailStock, Step};
use genk_atlas::engine::Engine;
use genk_atlas::store::postgis::{self, PostgisStore};
use genk_atlas::store::{Store, WriteBatch};

/// H3 res 9's mean edge (174.4 m) in EPSG:3857 units at latitude 50.96°.
const HEX_SIZE_3857_RES_9: f64 = 174.4 / 0.629_9;

const HEATMAP_SQL: &str = r#"
WITH state AS (
    SELECT DISTINCT ON (unit_id) unit_id, status, floor_area_m2
    FROM shop_unit_events
    WHERE valid_from <= $1::date
    ORDER BY unit_id, valid_from DESC, recorded_at DESC, event_id DESC
)
SELECT h.i, h.j,
    count(*),
    count(*) FILTER (WHERE s.status = 'occupied'),
    count(*) FILTER (WHERE s.status = 'vacant'),
    count(*) FILTER (WHERE s.status = 'renovation'),
    COALESCE(sum(s.floor_area_m2) FILTER (WHERE s.status = 'occupied'), 0),
    COALESCE(sum(s.floor_area_m2) FILTER (WHERE s.status = 'vacant'), 0)
FROM ST_HexagonGrid($2, (SELECT ST_SetSRID(ST_Extent(geom)::geometry, 3857) FROM bench_units_3857)) h
JOIN bench_units_3857 p ON ST_Intersects(h.geom, p.geom)
JOIN state s ON s.unit_id = p.id
WHERE s.status <> 'non_commercial'
GROUP BY h.i, h.j
"#;

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
)
SELECT u.street,
    count(*),
    count(*) FILTER (WHERE s.status = 'occupied'),
    count(*) FILTER (WHERE s.status = 'vacant'),
    count(*) FILTER (WHERE s.status = 'renovation'),
    count(*) FILTER (WHERE s.status = 'vacant' AND $1::date < v.since + interval '1 year'),
    count(*) FILTER (WHERE s.status = 'vacant' AND $1::date >= v.since + interval '1 year'
                                               AND $1::date < v.since + interval '3 years'),
    count(*) FILTER (WHERE s.status = 'vacant' AND $1::date >= v.since + interval '3 years'),
    count(*) FILTER (WHERE s.status = 'vacant' AND $1::date >= v.since + interval '12 months'),
    COALESCE(sum(s.floor_area_m2) FILTER (WHERE s.status = 'vacant'), 0),
    COALESCE(sum(s.floor_area_m2) FILTER (WHERE s.status = 'occupied'), 0)
FROM state s
JOIN shop_units u ON u.id = s.unit_id
LEFT JOIN vacancy_start v ON v.unit_id = s.unit_id
WHERE s.status <> 'non_commercial'
GROUP BY u.street
ORDER BY u.street
"#;

async fn fresh_database(admin_url: &str, name: &str) -> String {
    let (client, connection) = tokio_postgres::connect(admin_url, tokio_postgres::NoTls)
        .await
        .expect("connect to the benchmark cluster");
    tokio::spawn(connection);
    for statement in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        client
            .batch_execute(&statement)
            .await
            .expect("create the benchmark database");
    }
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("a database URL ends in /dbname");
    let url = format!("{base}/{name}");
    postgis::migrate(&url).await.expect("migrate");
    url
}

/// The median wall time of `runs` runs of `step` after one warm-up, and
/// the last run's result.
fn median_of<T>(runs: usize, mut step: impl FnMut() -> T) -> (Duration, T) {
    let mut result = step();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        result = std::hint::black_box(step());
        times.push(started.elapsed());
    }
    times.sort();
    (times[times.len() / 2], result)
}

async fn median_of_async<T, F: std::future::Future<Output = T>>(
    runs: usize,
    mut step: impl FnMut() -> F,
) -> (Duration, T) {
    let mut result = step().await;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        result = step().await;
        times.push(started.elapsed());
    }
    times.sort();
    (times[times.len() / 2], result)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn row(scale: u32, what: &str, side: &str, time: Duration, baseline: Duration, check: &str) {
    println!(
        "{scale:<6} {what:<9} {side:<42} {:>10.2} ms {:>9.1}×   {check}",
        ms(time),
        baseline.as_secs_f64() / time.as_secs_f64()
    );
}

async fn bench_scale(admin_url: &str, scale: u32, date: NaiveDate) {
    let dataset = demo::generate(&DemoParams {
        scale,
        ..DemoParams::default()
    });
    let engine = Engine::from_dataset(&dataset);
    let database_url = fresh_database(admin_url, &format!("atlas_bench_vacancy_{scale}")).await;
    let store = PostgisStore::connect(&database_url).await.expect("connect");
    store
        .write(&WriteBatch::from_dataset(&dataset), &|_| {})
        .await
        .expect("load PostGIS");
    let (client, connection) = tokio_postgres::connect(&database_url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    client
        .batch_execute(
            "CREATE TABLE bench_units_3857 AS SELECT id, ST_Transform(geom, 3857) AS geom FROM shop_units;
             CREATE INDEX ON bench_units_3857 USING gist (geom);
             CREATE INDEX ON bench_units_3857 (id);
             ANALYZE;",
        )
        .await
        .expect("the EPSG:3857 copy of the units");
    let n_units = dataset.shop_units.len();
    let n_events = dataset.unit_events.len();
    drop(dataset);
    let runs = if scale == 1 { 21 } else { 7 };
    println!("\nscale {scale}: {n_units} shop units, {n_events} events, date {date}, median of {runs} runs");
    println!(
        "{:<6} {:<9} {:<42} {:>13} {:>10}   check",
        "scale", "figure", "side", "time", "vs SQL"
    );

    // ---- heatmap
    let heatmap_statement = client.prepare(HEATMAP_SQL).await.expect("prepare");
    let (sql_time, rows) = median_of_async(runs, || async {
        client
            .query(&heatmap_statement, &[&date, &HEX_SIZE_3857_RES_9])
            .await
            .expect("the heatmap in SQL")
    })
    .await;
    let sql_units: i64 = rows.iter().map(|row| row.get::<_, i64>(2)).sum();
    let sql_vacant: i64 = rows.iter().map(|row| row.get::<_, i64>(4)).sum();
    let params = HexParams {
        resolution: HexResolution::Nine,
        ..HexParams::default()
    };
    let (full_time, cells) = median_of(runs, || {
        let located = LocatedStock::from_engine(&engine).expect("the stock");
        hex_cells(&located, date, &params)
    });
    let located = LocatedStock::from_engine(&engine).expect("the stock");
    let (cells_time, _) = median_of(runs, || hex_cells(&located, date, &params));
    let units: usize = cells.iter().map(|cell| cell.n_units).sum();
    let vacant: usize = cells.iter().map(|cell| cell.n_vacant).sum();
    let check = format!(
        "units {units} / {sql_units}, vacant {vacant} / {sql_vacant}; {} H3 cells, {} SQL hexagons",
        cells.len(),
        rows.len()
    );
    row(
        scale,
        "heatmap",
        "PostGIS ST_HexagonGrid (baseline)",
        sql_time,
        sql_time,
        "",
    );
    row(
        scale,
        "heatmap",
        "engine, first after an edit (stock+cells)",
        full_time,
        sql_time,
        &check,
    );
    row(
        scale,
        "heatmap",
        "engine, kept stock (every other request)",
        cells_time,
        sql_time,
        "",
    );

    // ---- summary by street
    let summary_statement = client.prepare(SUMMARY_SQL).await.expect("prepare");
    let (sql_time, rows) = median_of_async(runs, || async {
        client
            .query(&summary_statement, &[&date])
            .await
            .expect("the summary in SQL")
    })
    .await;
    let (full_time, summaries) = median_of(runs, || {
        let stock = RetailStock::from_engine(&engine).expect("the stock");
        summarise(&stock, Grouping::Street, date)
    });
    let stock = RetailStock::from_engine(&engine).expect("the stock");
    let (figures_time, _) = median_of(runs, || summarise(&stock, Grouping::Street, date));
    let mut sql_rows: Vec<(String, i64, i64, i64)> = rows
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(3), row.get(8)))
        .collect();
    let mut engine_rows: Vec<(String, i64, i64, i64)> = summaries
        .iter()
        .filter(|summary| summary.n_units > 0)
        .map(|summary| {
            (
                summary.group.id.clone(),
                summary.n_units as i64,
                summary.n_vacant as i64,
                summary.n_register_candidates as i64,
            )
        })
        .collect();
    // the database sorts streets by its collation, the engine by bytes
    sql_rows.sort();
    engine_rows.sort();
    let check = format!(
        "{} streets; units, vacant and register candidates per street {}",
        engine_rows.len(),
        if engine_rows == sql_rows {
            "equal to SQL".to_string()
        } else {
            format!("DIFFER from SQL ({} SQL rows)", sql_rows.len())
        }
    );
    row(
        scale,
        "summary",
        "PostGIS GROUP BY street (baseline)",
        sql_time,
        sql_time,
        "",
    );
    row(
        scale,
        "summary",
        "engine, first after an edit (stock+figs)",
        full_time,
        sql_time,
        &check,
    );
    row(
        scale,
        "summary",
        "engine, kept stock (every other request)",
        figures_time,
        sql_time,
        "",
    );

    // ---- trend: 600 months by street, the old way (a summary per date)
    // against the one pass
    let dates = step_dates(
        date.checked_sub_months(chrono::Months::new(599))
            .expect("a date"),
        date,
        Step::Month,
    )
    .expect("600 dates");
    let trend_runs = if scale == 1 { 5 } else { 3 };
    let (per_date_time, per_date) = median_of(trend_runs, || {
        dates
            .iter()
            .map(|day| summarise(&stock, Grouping::Street, *day))
            .collect::<Vec<_>>()
    });
    let (one_pass_time, series) = median_of(trend_runs, || trend(&stock, Grouping::Street, &dates));
    let same = series.iter().enumerate().all(|(group_idx, group)| {
        group
            .points
            .iter()
            .zip(&per_date)
            .all(|(point, summaries)| {
                let summary = &summaries[group_idx];
                point.n_units == summary.n_units
                    && point.n_vacant == summary.n_vacant
                    && point.rate_count == summary.rate_count()
                    && point.rate_area == summary.rate_area()
            })
    });
    let check = format!(
        "{} dates; {}",
        dates.len(),
        if same {
            "same figures"
        } else {
            "FIGURES DIFFER"
        }
    );
    row(
        scale,
        "trend",
        "a summary per date (before)",
        per_date_time,
        per_date_time,
        "",
    );
    row(
        scale,
        "trend",
        "one pass (now)",
        one_pass_time,
        per_date_time,
        &check,
    );

    // ---- surface (no baseline)
    let surface_params = SurfaceParams::default();
    let (surface_time, cells) = median_of(runs, || ratio_surface(&located, date, &surface_params));
    println!(
        "{scale:<6} {:<9} {:<42} {:>10.2} ms {:>10}   {} squares of 50 m shown",
        "surface",
        "engine, kept stock, 150 m quartic",
        ms(surface_time),
        "",
        cells.len()
    );
}

#[tokio::main]
async fn main() {
    let Ok(admin_url) = std::env::var("ATLAS_BENCH_DATABASE_URL") else {
        eprintln!("ATLAS_BENCH_DATABASE_URL is not set: run scripts/bench, which starts a throwaway PostGIS");
        std::process::exit(2);
    };
    let date = DemoParams::default().reference_date;
    for scale in [1u32, 10] {
        bench_scale(&admin_url, scale, date).await;
    }
}
