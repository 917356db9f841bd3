//! Foundation benchmark: loading the engine from each store, and bounding-box
//! queries in the engine against the same query in PostGIS (the baseline).
//!
//! Run with `scripts/bench` (it starts a throwaway PostGIS and sets
//! `ATLAS_BENCH_DATABASE_URL`). Prints a table; nothing is asserted.

mod common;
#[path = "common/peak_heap.rs"]
mod peak_heap;

use common::fresh_database;
use peak_heap::{mib, PeakAllocator};
use std::time::{Duration, Instant};

use geo::{coord, Rect};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use genk_atlas::demo::{self, DemoParams};
use genk_atlas::engine::Engine;
use genk_atlas::load::load_engine;
use genk_atlas::model::{Feature, LayerId};
use genk_atlas::store::geopackage::GeoPackageStore;
use genk_atlas::store::postgis::PostgisStore;
use genk_atlas::store::{LayerStore, Store, WriteBatch};

#[global_allocator]
static ALLOCATOR: PeakAllocator = PeakAllocator;

/// Run `step`, returning its result, its wall time and the peak heap growth.
async fn measure<T, F: std::future::Future<Output = T>>(step: F) -> (T, Duration, usize) {
    let before = peak_heap::start();
    let started = Instant::now();
    let result = step.await;
    let elapsed = started.elapsed();
    (result, elapsed, peak_heap::peak_growth(before))
}

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * share).round() as usize]
}

/// Square boxes of `side_m` metres centred on seeded random features, so
/// every box lies in the city (not in the gaps between its copies).
fn random_boxes(features: &[Feature], side_m: f64, count: usize) -> Vec<Rect<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let half_lat = side_m / 2.0 / 111_200.0;
    let half_lon = side_m / 2.0 / (111_320.0 * 50.96f64.to_radians().cos());
    (0..count)
        .map(|_| {
            let feature = &features[rng.random_range(0..features.len())];
            let centre = feature.bbox().expect("a parcel has a bbox").center();
            Rect::new(
                coord! { x: centre.x - half_lon, y: centre.y - half_lat },
                coord! { x: centre.x + half_lon, y: centre.y + half_lat },
            )
        })
        .collect()
}

async fn bbox_latencies(engine: &Engine, database_url: &str) {
    let parcels = engine.layer(LayerId::Parcels);
    let boxes = random_boxes(parcels.features(), 500.0, 2_000);
    let mut engine_times = Vec::with_capacity(boxes.len());
    let mut engine_counts = Vec::with_capacity(boxes.len());
    for bbox in &boxes {
        let started = Instant::now();
        let ids: Vec<&str> = parcels
            .query_bbox(*bbox)
            .into_iter()
            .map(|position| parcels.features()[position].id.as_str())
            .collect();
        engine_times.push(started.elapsed());
        engine_counts.push(ids.len());
    }
    let (client, connection) = tokio_postgres::connect(database_url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    let statement = client
        .prepare(
            "SELECT id FROM parcels WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) \
             AND ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 4326))",
        )
        .await
        .expect("prepare");
    let mut postgis_times = Vec::with_capacity(boxes.len());
    let mut mismatches = 0;
    for (bbox, engine_count) in boxes.iter().zip(&engine_counts) {
        let started = Instant::now();
        let rows = client
            .query(
                &statement,
                &[&bbox.min().x, &bbox.min().y, &bbox.max().x, &bbox.max().y],
            )
            .await
            .expect("query");
        postgis_times.push(started.elapsed());
        if rows.len() != *engine_count {
            mismatches += 1;
        }
    }
    engine_times.sort();
    postgis_times.sort();
    let average = engine_counts.iter().sum::<usize>() as f64 / engine_counts.len() as f64;
    println!("\nbbox query on parcels at scale 10: {} boxes of 500 m × 500 m, {average:.0} parcels each on average", boxes.len());
    println!("{:<28} {:>12} {:>12}", "", "p50", "p99");
    for (name, times) in [
        ("engine (rstar)", &engine_times),
        ("PostGIS (GiST, baseline)", &postgis_times),
    ] {
        println!(
            "{name:<28} {:>10.1} µs {:>10.1} µs",
            micros(percentile(times, 0.5)),
            micros(percentile(times, 0.99))
        );
    }
    println!(
        "ratio PostGIS/engine: p50 {:.1}×, p99 {:.1}×; result counts differ in {mismatches} of {} boxes",
        micros(percentile(&postgis_times, 0.5)) / micros(percentile(&engine_times, 0.5)),
        micros(percentile(&postgis_times, 0.99)) / micros(percentile(&engine_times, 0.99)),
        boxes.len()
    );
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

#[tokio::main]
async fn main() {
    let Ok(admin_url) = std::env::var("ATLAS_BENCH_DATABASE_URL") else {
        eprintln!("ATLAS_BENCH_DATABASE_URL is not set: run scripts/bench, which starts a throwaway PostGIS");
        std::process::exit(2);
    };
    let dir = tempfile::tempdir().expect("temp dir");
    println!(
        "{:<8} {:<12} {:>10} {:>12} {:>14}",
        "scale", "store", "features", "load (s)", "peak heap (MiB)"
    );
    let mut engine_at_10 = None;
    for scale in [1u32, 10] {
        let dataset = demo::generate(&DemoParams {
            scale,
            ..DemoParams::default()
        });
        let batch = WriteBatch::from_dataset(&dataset);
        drop(dataset);
        let path = dir.path().join(format!("genk-{scale}.gpkg"));
        let gpkg = GeoPackageStore::create(&path).expect("create the GeoPackage");
        gpkg.write(&batch, &|_| {})
            .await
            .expect("write the GeoPackage");
        let database_url = fresh_database(&admin_url, &format!("atlas_bench_{scale}")).await;
        let postgis = PostgisStore::connect(&database_url).await.expect("connect");
        postgis.write(&batch, &|_| {}).await.expect("load PostGIS");
        drop(batch);
        for store in [&gpkg as &dyn Store, &postgis as &dyn Store] {
            let (engine, elapsed, peak) = measure(load_engine(store)).await;
            let engine = engine.expect("load the engine");
            let features: usize = engine.counts().values().sum();
            println!(
                "{scale:<8} {:<12} {features:>10} {:>12.2} {:>14.0}",
                store.kind().as_str(),
                elapsed.as_secs_f64(),
                mib(peak)
            );
            if scale == 10 && store.kind().as_str() == "postgis" {
                engine_at_10 = Some((engine, database_url.clone()));
            }
        }
    }
    if let Some((engine, database_url)) = engine_at_10 {
        bbox_latencies(&engine, &database_url).await;
    }
}
