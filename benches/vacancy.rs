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
//! - The engine keeps its stocks with the snapshot (`VacancyCache`), so only
//!   the first request after an edit builds one. Four engine lines: the
//!   stock built from scratch (a fresh engine, as after a start); the first
//!   request after an edit (an engine made by one edit as the API makes it,
//!   a unit's feature upserted and an event added, from a snapshot that has
//!   served the figure: it reads the points' neighbourhoods and cells found
//!   before; each run on its own edited engine, made before timing; checked
//!   against a stock built afresh); the kept stock (every other request);
//!   and "before": the stock built the way it was before the history index
//!   (every event copied into a per-unit history, every unit decoded and
//!   cloned, both H3 resolutions found, neighbourhoods by point-in-polygon,
//!   street groups keyed by cloned strings), timed here, plus the figures
//!   on a kept stock.
//! - Trend: 600 monthly dates by street, one summary per date (the way the
//!   trend was made before) against the one-pass trend, same answers.
//! - Surface: the kernel ratio surface (150 m, 50 m cells), no baseline.
//! - Summary, PostGIS: the integration tests' SQL (state on the date, start
//!   of the current vacancy, duration classes, register candidates, floor
//!   areas) with `GROUP BY` street.

mod common;

use common::fresh_database;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use genk_atlas::demo::{self, DemoParams};
use genk_atlas::engine::vacancy::h3::{hex_cells, HexParams, HexResolution, LocatedStock};
use genk_atlas::engine::vacancy::surface::{ratio_surface, SurfaceParams};
use genk_atlas::engine::vacancy::{
    located_stock, retail_stock, step_dates, summarise, trend, Grouping, RetailStock, Step,
};
use genk_atlas::engine::Engine;
use genk_atlas::model::history::{histories, UnitHistory};
use genk_atlas::model::layers::LayerRecord;
use genk_atlas::model::{LayerId, Neighbourhood, ShopUnit, UnitStatus};
use genk_atlas::store::postgis::PostgisStore;
use genk_atlas::store::{LayerStore, WriteBatch};

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

/// The old way's in-force sequence: `state_on` on each distinct valid-from.
fn old_in_force(history: &UnitHistory) -> Vec<(NaiveDate, u8, f64, NaiveDate)> {
    let mut dates: Vec<NaiveDate> = history.events().iter().map(|e| e.valid_from).collect();
    dates.dedup();
    let mut sequence: Vec<(NaiveDate, u8, f64, NaiveDate)> = Vec::with_capacity(dates.len());
    for date in dates {
        let Some(event) = history.state_on(date) else {
            continue;
        };
        let status = event.status as u8;
        let since = match sequence.last() {
            Some(previous) if previous.1 == status => previous.3,
            _ => date,
        };
        sequence.push((date, status, event.floor_area_m2, since));
    }
    sequence
}

type OldUnit = (ShopUnit, Vec<(NaiveDate, u8, f64, NaiveDate)>);

/// The old way's stock: the units decoded and each event copied.
fn old_stock(engine: &Engine) -> Vec<OldUnit> {
    let units: Vec<ShopUnit> = engine
        .layer(LayerId::ShopUnits)
        .features()
        .iter()
        .map(|feature| ShopUnit::from_feature(feature).expect("a unit"))
        .collect();
    let histories = histories(engine.unit_events());
    units
        .iter()
        .filter_map(|unit| {
            let in_force = old_in_force(histories.get(&unit.id)?);
            Some((unit.clone(), in_force))
        })
        .collect()
}

/// The old way's located stock: both resolutions' cells.
fn old_located(engine: &Engine) -> usize {
    let stock = old_stock(engine);
    let cells: Vec<_> = [h3o::Resolution::Nine, h3o::Resolution::Ten]
        .into_iter()
        .map(|resolution| {
            stock
                .iter()
                .map(|(unit, _)| {
                    genk_atlas::engine::vacancy::h3::cell_of(unit.geometry, resolution)
                })
                .collect::<Vec<_>>()
        })
        .collect();
    std::hint::black_box(cells).len() + stock.len()
}

/// The old way's stock with neighbourhoods and the street groups (cloned keys).
fn old_grouped_stock(engine: &Engine) -> usize {
    use geo::Contains;
    let neighbourhoods: Vec<Neighbourhood> = engine
        .layer(LayerId::Neighbourhoods)
        .features()
        .iter()
        .map(|feature| Neighbourhood::from_feature(feature).expect("a neighbourhood"))
        .collect();
    let index = engine.layer(LayerId::Neighbourhoods);
    let stock = old_stock(engine);
    let neighbourhood_ids: Vec<Option<String>> = stock
        .iter()
        .map(|(unit, _)| {
            let point = unit.geometry;
            index
                .query_bbox(geo::Rect::new(point.0, point.0))
                .into_iter()
                .find(|position| neighbourhoods[*position].geometry.contains(&point))
                .map(|position| neighbourhoods[position].id.clone())
        })
        .collect();
    let streets: std::collections::BTreeMap<String, String> = stock
        .iter()
        .map(|(unit, _)| (unit.street.clone(), unit.street.clone()))
        .collect();
    let keys: Vec<Option<String>> = stock
        .iter()
        .map(|(unit, _)| Some(unit.street.clone()))
        .collect();
    let position_of: std::collections::BTreeMap<&str, usize> = streets
        .keys()
        .enumerate()
        .map(|(position, id)| (id.as_str(), position))
        .collect();
    let group_of_unit: Vec<Option<usize>> = keys
        .iter()
        .map(|id| id.as_deref().and_then(|id| position_of.get(id).copied()))
        .collect();
    std::hint::black_box((neighbourhood_ids, group_of_unit))
        .1
        .len()
}

/// `n` engines, each `engine` after one edit as the API makes it: unit k
/// becomes vacant on `date` (its feature upserted, an event added). Made
/// before timing; they share `engine`'s vacancy cache's points.
fn edited_engines(engine: &Engine, n: usize, date: NaiveDate) -> Vec<Engine> {
    let newest = engine
        .unit_events()
        .iter()
        .map(|e| e.event_id)
        .max()
        .unwrap_or(0);
    let features = engine.layer(LayerId::ShopUnits).features();
    (0..n)
        .map(|k| {
            let mut unit =
                ShopUnit::from_feature(&features[k * 7 % features.len()]).expect("a unit");
            let mut event = engine
                .unit_events()
                .iter()
                .rev()
                .find(|event| event.unit_id == unit.id)
                .expect("a unit with a history")
                .clone();
            event.event_id = newest + 1;
            event.valid_from = date;
            event.recorded_at = chrono::Utc::now();
            event.status = UnitStatus::Vacant;
            event.occupant = None;
            unit.status = UnitStatus::Vacant;
            unit.status_since = date;
            unit.occupant = None;
            engine
                .with_upserted(LayerId::ShopUnits, vec![unit.to_feature()])
                .with_events_added(vec![event])
        })
        .collect()
}

/// The median time of `work` on each engine once (the first is a warm-up).
fn median_over<T>(engines: &[Engine], mut work: impl FnMut(&Engine) -> T) -> (Duration, T) {
    let runs = engines.len() - 1;
    let mut engines = engines.iter();
    median_of(runs, || work(engines.next().expect("an engine per run")))
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
    let (scratch_time, cells) = median_of(runs, || {
        let located = LocatedStock::from_engine(&engine).expect("the stock");
        hex_cells(&located, date, &params)
    });
    let located = LocatedStock::from_engine(&engine).expect("the stock");
    let (cells_time, _) = median_of(runs, || hex_cells(&located, date, &params));
    let (old_build_time, _) = median_of(runs, || old_located(&engine));
    let old_time = old_build_time + cells_time;
    // the snapshot before the edits has served the heatmap
    hex_cells(&located_stock(&engine).expect("the stock"), date, &params);
    let edited = edited_engines(&engine, runs + 1, date);
    let (edit_time, edit_cells) = median_over(&edited, |engine| {
        hex_cells(&located_stock(engine).expect("the stock"), date, &params)
    });
    let last = edited.last().expect("an edited engine");
    let fresh = hex_cells(
        &LocatedStock::from_engine(last).expect("the stock"),
        date,
        &params,
    );
    drop(edited);
    let units: usize = cells.iter().map(|cell| cell.n_units).sum();
    let vacant: usize = cells.iter().map(|cell| cell.n_vacant).sum();
    let check = format!(
        "units {units} / {sql_units}, vacant {vacant} / {sql_vacant}; {} H3 cells, {} SQL hexagons",
        cells.len(),
        rows.len()
    );
    let edit_check = if edit_cells == fresh {
        "same cells as a stock built afresh"
    } else {
        "CELLS DIFFER from a stock built afresh"
    };
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
        "engine, first after an edit, before",
        old_time,
        sql_time,
        "old stock build + cells",
    );
    row(
        scale,
        "heatmap",
        "engine, stock from scratch (stock+cells)",
        scratch_time,
        sql_time,
        &check,
    );
    row(
        scale,
        "heatmap",
        "engine, first after an edit (stock+cells)",
        edit_time,
        sql_time,
        edit_check,
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
    let (scratch_time, summaries) = median_of(runs, || {
        let stock = RetailStock::from_engine(&engine).expect("the stock");
        summarise(&stock, Grouping::Street, date)
    });
    let stock = RetailStock::from_engine(&engine).expect("the stock");
    let (figures_time, _) = median_of(runs, || summarise(&stock, Grouping::Street, date));
    let (old_build_time, _) = median_of(runs, || old_grouped_stock(&engine));
    let old_time = old_build_time + figures_time;
    // the snapshot before the edits has served the summary
    summarise(
        &retail_stock(&engine).expect("the stock"),
        Grouping::Street,
        date,
    );
    let edited = edited_engines(&engine, runs + 1, date);
    let (edit_time, edit_summaries) = median_over(&edited, |engine| {
        summarise(
            &retail_stock(engine).expect("the stock"),
            Grouping::Street,
            date,
        )
    });
    let last = edited.last().expect("an edited engine");
    let fresh = summarise(
        &RetailStock::from_engine(last).expect("the stock"),
        Grouping::Street,
        date,
    );
    drop(edited);
    let edit_check = if edit_summaries == fresh {
        "same figures as a stock built afresh"
    } else {
        "FIGURES DIFFER from a stock built afresh"
    };
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
        "engine, first after an edit, before",
        old_time,
        sql_time,
        "old stock build + figures",
    );
    row(
        scale,
        "summary",
        "engine, stock from scratch (stock+figs)",
        scratch_time,
        sql_time,
        &check,
    );
    row(
        scale,
        "summary",
        "engine, first after an edit (stock+figs)",
        edit_time,
        sql_time,
        edit_check,
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
