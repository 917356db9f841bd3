//! Site search benchmark: latency of `engine::sites::search` at demo scale 1
//! and 100, against the same hard-constraint query in PostGIS SQL (the
//! baseline), as a ratio.
//!
//! Run with `scripts/bench sites` (it starts a throwaway PostGIS and sets
//! `ATLAS_BENCH_DATABASE_URL`). For each scale the demo's parcels, business
//! parks, access points and companies are written to a fresh database (with
//! an index on the parcels' availability, so the baseline does not scan
//! every parcel), and the engine is built from the same features. The first
//! search builds the engine's market cache (parcels on offer, adjacency,
//! nearest accesses) and is timed on its own; the requests after it run on
//! the warm cache, each finding its assembly groups anew. The PostGIS query
//! finds the single parcels that meet the hard constraints (no assembly, no
//! scores); as a cross-check every parcel it returns must lie in one of the
//! engine's listed sites, and every listed one-parcel site must be among
//! them. Prints a table; nothing is asserted.

mod common;

use common::fresh_database;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use genk_atlas::demo::{self, DemoParams};
use genk_atlas::engine::sites::request::Near;
use genk_atlas::engine::sites::rules::{self, QUAY_REACH_M, RAIL_REACH_M};
use genk_atlas::engine::sites::{search, SiteRequest};
use genk_atlas::engine::Engine;
use genk_atlas::model::{Feature, LayerId, ParkKind, Zoning};
use genk_atlas::store::postgis::PostgisStore;
use genk_atlas::store::{LayerStore, WriteBatch};

/// Requests per scale.
const N_REQUESTS: usize = 200;

/// Single parcels meeting the hard constraints. $1 needed_by, $2 zonings,
/// $3 park kinds, $4 max price, $5/$6 min/max area, $7 quay, $8 rail,
/// $9/$10 near lon/lat, $11 max distance.
const HARD_CONSTRAINTS_SQL: &str = r#"
SELECT p.id
FROM parcels p
LEFT JOIN business_parks b ON b.id = p.park_id
WHERE p.availability IN ('for_sale', 'for_lease')
  AND ($1::date IS NULL OR p.available_from IS NULL OR p.available_from <= $1::date)
  AND p.zoning = ANY($2::text[])
  AND (b.id IS NULL OR b.kind = ANY($3::text[]))
  AND ($4::float8 IS NULL OR p.price_eur_m2 <= $4::float8)
  AND p.area_m2 >= $5::float8
  AND ($6::float8 IS NULL OR p.area_m2 <= $6::float8)
  AND (NOT $7::bool OR EXISTS (
        SELECT 1 FROM access_points a
        WHERE a.kind = 'quay' AND a.geom && ST_Expand(p.geom, 0.01)
          AND ST_DWithin(a.geom::geography, p.geom::geography, $12::float8)))
  AND (NOT $8::bool OR EXISTS (
        SELECT 1 FROM access_points a
        WHERE (a.kind = 'railway_station' OR (a.kind = 'quay' AND lower(a.name) LIKE '%trimodal%'))
          AND a.geom && ST_Expand(p.geom, 0.02)
          AND ST_DWithin(a.geom::geography, p.geom::geography, $13::float8)))
  AND ($11::float8 IS NULL OR ST_DWithin(
        p.geom::geography, ST_SetSRID(ST_MakePoint($9::float8, $10::float8), 4326)::geography,
        $11::float8))
ORDER BY p.id
"#;

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * share).round() as usize]
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// Seeded requests: activities, areas, access, prices, dates and places.
fn requests(companies: &[Feature], reference: NaiveDate) -> Vec<Value> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let activities = [
        "logistics",
        "logistics",
        "manufacturing",
        "sme_craft",
        "knowledge_intensive",
        "care",
        "water_bound_logistics",
        "services",
    ];
    (0..N_REQUESTS)
        .map(|_| {
            let min: f64 = [1000.0, 2500.0, 5000.0, 8000.0, 15000.0]
                .choose(&mut rng)
                .copied()
                .unwrap();
            let mut body = json!({
                "activity": activities.choose(&mut rng).unwrap(),
                "min_area_m2": min,
                "max_area_m2": min * rng.random_range(1.5..3.0),
                "limit": 20,
            });
            if rng.random_bool(0.3) {
                body["requires"] = json!(["quay"]);
            } else if rng.random_bool(0.1) {
                body["requires"] = json!(["rail"]);
            }
            if rng.random_bool(0.5) {
                body["max_price_eur_m2"] = json!(rng.random_range(80.0..200.0));
            }
            if rng.random_bool(0.5) {
                let days = rng.random_range(0..500);
                body["needed_by"] = json!(reference + Days::new(days));
            }
            if rng.random_bool(0.5) {
                let company = companies.choose(&mut rng).unwrap();
                body["near"] = json!({"company_id": company.id});
                if rng.random_bool(0.5) {
                    body["max_distance_m"] = json!(rng.random_range(2000.0..8000.0));
                }
            }
            body
        })
        .collect()
}

struct SqlParams {
    needed_by: Option<NaiveDate>,
    zonings: Vec<String>,
    park_kinds: Vec<String>,
    max_price: Option<f64>,
    min_area: f64,
    max_area: Option<f64>,
    quay: bool,
    rail: bool,
    near: (Option<f64>, Option<f64>),
    max_distance: Option<f64>,
}

fn sql_params(engine: &Engine, request: &SiteRequest) -> SqlParams {
    let group = request.activity.group;
    let near_point = match &request.near {
        None => None,
        Some(Near::Point(point)) => Some(*point),
        Some(Near::Company(id)) => {
            match &engine.layer(LayerId::Companies).get(id).unwrap().geometry {
                geo::Geometry::Point(point) => Some(*point),
                _ => None,
            }
        }
    };
    SqlParams {
        needed_by: request.needed_by,
        zonings: Zoning::ALL
            .iter()
            .filter(|zoning| rules::zoning_allows(group, **zoning))
            .map(|zoning| zoning.as_str().to_string())
            .collect(),
        park_kinds: ParkKind::ALL
            .iter()
            .filter(|kind| rules::park_allows(group, **kind, request.requires.quay))
            .map(|kind| kind.as_str().to_string())
            .collect(),
        max_price: request.max_price_eur_m2,
        min_area: request.min_area_m2,
        max_area: request.max_area_m2,
        quay: request.requires.quay,
        rail: request.requires.rail,
        near: (near_point.map(|p| p.x()), near_point.map(|p| p.y())),
        max_distance: request.max_distance_m.filter(|_| near_point.is_some()),
    }
}

/// Every parcel id in the engine's listed sites (all pages), and the sites
/// of one parcel.
fn listed_parcels(engine: &Engine, body: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut parcels = BTreeSet::new();
    let mut singles = BTreeSet::new();
    let mut offset = 0;
    loop {
        let mut page = body.clone();
        page["limit"] = json!(100);
        page["offset"] = json!(offset);
        let answer = search(engine, &SiteRequest::from_json(&page).unwrap()).unwrap();
        for site in &answer.sites {
            parcels.extend(site.id.split('+').map(str::to_string));
            if site.parcels.len() == 1 {
                singles.insert(site.id.clone());
            }
        }
        offset += 100;
        if offset >= answer.total {
            return (parcels, singles);
        }
    }
}

/// The stored layers in a fresh database, indexed and analysed; a client on it.
async fn load_postgis(admin_url: &str, scale: u32, batch: &WriteBatch) -> tokio_postgres::Client {
    let database_url = fresh_database(admin_url, &format!("atlas_bench_sites_{scale}")).await;
    let store = PostgisStore::connect(&database_url).await.expect("connect");
    let started = Instant::now();
    store.write(batch, &|_| {}).await.expect("load PostGIS");
    let (client, connection) = tokio_postgres::connect(&database_url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    client
        .batch_execute("CREATE INDEX parcels_offer_idx ON parcels (availability, zoning); ANALYZE;")
        .await
        .expect("index the offer");
    eprintln!(
        "scale {scale}: PostGIS loaded and analysed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    client
}

async fn bench_scale(admin_url: Option<&str>, scale: u32) {
    let params = DemoParams {
        scale,
        ..DemoParams::default()
    };
    let started = Instant::now();
    let dataset = demo::generate(&params);
    let stored = [
        LayerId::Parcels,
        LayerId::BusinessParks,
        LayerId::AccessPoints,
        LayerId::Companies,
    ];
    let batch = WriteBatch {
        layers: stored
            .iter()
            .map(|layer| (*layer, dataset.features(*layer)))
            .collect(),
        events: Vec::new(),
    };
    let streets = dataset.features(LayerId::Streets);
    drop(dataset);
    let n_parcels = batch.layers[0].1.len();
    eprintln!(
        "scale {scale}: {n_parcels} parcels generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let client = match admin_url {
        Some(admin_url) => Some(load_postgis(admin_url, scale, &batch).await),
        None => None,
    };
    let mut layers = batch.layers;
    layers.push((LayerId::Streets, streets));
    let engine = Engine::new(layers, Vec::new());

    let companies = engine.layer(LayerId::Companies).features();
    let bodies = requests(companies, params.reference_date);
    let parsed: Vec<SiteRequest> = bodies
        .iter()
        .map(|body| SiteRequest::from_json(body).expect("a valid request"))
        .collect();

    let started = Instant::now();
    let first = search(&engine, &parsed[0]).expect("search");
    let cold = started.elapsed();
    let market = engine.site_market();
    let n_adjacent: usize = market.neighbours.iter().map(Vec::len).sum::<usize>() / 2;

    let mut engine_times = Vec::with_capacity(parsed.len());
    let mut sizes = Vec::with_capacity(parsed.len());
    let mut n_sites = 0;
    for request in &parsed {
        let started = Instant::now();
        let answer = search(&engine, request).expect("search");
        engine_times.push(started.elapsed());
        n_sites += answer.total;
        sizes.push(answer.total);
    }
    let _ = first;
    let engine_times_unsorted = engine_times.clone();
    let mut slowest: Vec<usize> = (0..parsed.len()).collect();
    slowest.sort_by_key(|&index| std::cmp::Reverse(engine_times[index]));
    engine_times.sort();
    println!(
        "\nsite search at scale {scale}: {n_parcels} parcels, {} on the market, {n_adjacent} adjacent pairs; {} requests",
        market.parcels.len(),
        parsed.len()
    );
    println!(
        "first search (builds the market cache): {:.1} ms",
        millis(cold)
    );
    let slow: Vec<String> = slowest[..3]
        .iter()
        .map(|&index| {
            let body = &bodies[index];
            format!(
                "{:.1} ms ({}, from {} m², {} sites)",
                millis(engine_times_unsorted[index]),
                body["activity"].as_str().unwrap_or(""),
                body["min_area_m2"],
                sizes[index]
            )
        })
        .collect();
    println!("slowest searches: {}", slow.join("; "));
    let Some(client) = client else {
        println!(
            "engine search (warm market): p50 {:.2} ms, p95 {:.2} ms; {:.1} sites listed per request",
            millis(percentile(&engine_times, 0.5)),
            millis(percentile(&engine_times, 0.95)),
            n_sites as f64 / parsed.len() as f64
        );
        return;
    };

    let statement = client.prepare(HARD_CONSTRAINTS_SQL).await.expect("prepare");
    let mut postgis_times = Vec::with_capacity(parsed.len());
    let mut n_rows = 0;
    let mut not_listed = 0;
    let mut checked = 0;
    let mut n_singles = 0;
    let mut singles_not_found = 0;
    for (index, request) in parsed.iter().enumerate() {
        let p = sql_params(&engine, request);
        let started = Instant::now();
        let rows = client
            .query(
                &statement,
                &[
                    &p.needed_by,
                    &p.zonings,
                    &p.park_kinds,
                    &p.max_price,
                    &p.min_area,
                    &p.max_area,
                    &p.quay,
                    &p.rail,
                    &p.near.0,
                    &p.near.1,
                    &p.max_distance,
                    &QUAY_REACH_M,
                    &RAIL_REACH_M,
                ],
            )
            .await
            .expect("query");
        postgis_times.push(started.elapsed());
        n_rows += rows.len();
        // cross-check on the first 50 requests: each single parcel PostGIS
        // finds is in one of the engine's listed sites
        if index < 50 {
            let (listed, singles) = listed_parcels(&engine, &bodies[index]);
            let found: BTreeSet<String> = rows.iter().map(|row| row.get(0)).collect();
            checked += found.len();
            not_listed += found.difference(&listed).count();
            n_singles += singles.len();
            singles_not_found += singles.difference(&found).count();
        }
    }
    postgis_times.sort();
    println!("{:<40} {:>10} {:>10}", "", "p50", "p95");
    for (name, times) in [
        ("engine search (warm market)", &engine_times),
        ("PostGIS hard constraints (baseline)", &postgis_times),
    ] {
        println!(
            "{name:<40} {:>7.2} ms {:>7.2} ms",
            millis(percentile(times, 0.5)),
            millis(percentile(times, 0.95))
        );
    }
    println!(
        "ratio PostGIS/engine: p50 {:.1}×, p95 {:.1}×; {:.1} sites listed and {:.1} single parcels from PostGIS per request",
        millis(percentile(&postgis_times, 0.5)) / millis(percentile(&engine_times, 0.5)),
        millis(percentile(&postgis_times, 0.95)) / millis(percentile(&engine_times, 0.95)),
        n_sites as f64 / parsed.len() as f64,
        n_rows as f64 / parsed.len() as f64
    );
    println!(
        "cross-check (first 50 requests): {not_listed} of {checked} PostGIS parcels are in no listed site; \
         {singles_not_found} of {n_singles} listed one-parcel sites are not in PostGIS's answer"
    );
}

#[tokio::main]
async fn main() {
    // ATLAS_BENCH_SITES_ENGINE_ONLY=1 skips PostGIS (quick runs, profiling)
    let engine_only = std::env::var_os("ATLAS_BENCH_SITES_ENGINE_ONLY").is_some();
    let admin_url = std::env::var("ATLAS_BENCH_DATABASE_URL").ok();
    if admin_url.is_none() && !engine_only {
        eprintln!("ATLAS_BENCH_DATABASE_URL is not set: run scripts/bench, which starts a throwaway PostGIS");
        std::process::exit(2);
    }
    let admin_url = admin_url.filter(|_| !engine_only);
    let scales: Vec<u32> = std::env::var("ATLAS_BENCH_SITES_SCALES")
        .ok()
        .map(|text| {
            text.split(',')
                .filter_map(|s| s.trim().parse().ok())
                .collect()
        })
        .unwrap_or_else(|| vec![1, 100]);
    for scale in scales {
        bench_scale(admin_url.as_deref(), scale).await;
    }
}
