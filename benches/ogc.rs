//! OGC API – Features against tipg (PyPI), both on one PostGIS database
//! holding the demo at scale 10 (383,660 parcels): items pages of 1,000
//! parcels by `bbox` and by a CQL2 `filter`, requests per second through
//! the same kept-alive client at the same concurrency, and the time for
//! `ogr2ogr` to pull the whole parcel layer through each server.
//!
//! Before timing, every request is sent to both and must give the same
//! `numberMatched` and the same 1,000 ids in the same order (tipg with
//! `sortby=id`, the atlas's own order); the pulled layers must hold the
//! same number of features. Run by `scripts/bench ogc`, which starts the
//! PostGIS cluster and installs tipg with pip when missing.

mod common;
#[path = "common/servers.rs"]
mod servers;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value as Json;
use servers::{
    answers_within, atlas, free_port, load_average, millis, percentile, Connection, Server,
};

/// Items per page, on both sides.
const PAGE: usize = 1000;
/// Connections sending at once, each its next request when answered.
const CONCURRENCY: usize = 8;
/// How long each side is loaded per kind of request.
const LOAD_FOR: Duration = Duration::from_secs(30);
/// tipg's worker processes: one per core, as the atlas uses both cores.
const TIPG_WORKERS: &str = "2";

fn step(name: &str) {
    eprintln!("[ogc] {name} (load average {})", load_average());
}

/// tipg (uvicorn) on a free port over `database_url`, once it answers.
struct Tipg {
    child: Child,
    port: u16,
}

impl Tipg {
    async fn start(database_url: &str, log: &std::path::Path) -> Tipg {
        let port = free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "uvicorn",
                "tipg.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
            ])
            .args(["--workers", TIPG_WORKERS, "--log-level", "warning"])
            .env("DATABASE_URL", database_url)
            .env("TIPG_DB_SCHEMAS", "[\"public\"]")
            .env("TIPG_MAX_FEATURES_PER_QUERY", "10000")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).expect("a log file"))
            .spawn()
            .expect("python3 -m uvicorn tipg.main:app (pip install tipg uvicorn)");
        let tipg = Tipg { child, port };
        if answers_within(
            port,
            "/collections/public.parcels",
            Duration::from_secs(120),
        )
        .await
        {
            return tipg;
        }
        panic!(
            "tipg did not answer: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
    }
}

impl Drop for Tipg {
    fn drop(&mut self) {
        // uvicorn's workers end with their parent on SIGINT
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        std::thread::sleep(Duration::from_secs(1));
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A query value escaped for a URL.
fn escaped(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b',' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One request, as each server spells it.
struct Pair {
    atlas: String,
    tipg: String,
}

fn pair(query: &str) -> Pair {
    Pair {
        atlas: format!("/ogc/collections/parcels/items?limit={PAGE}&{query}"),
        tipg: format!("/collections/public.parcels/items?limit={PAGE}&sortby=id&{query}"),
    }
}

/// (numberMatched, ids in order) of a page.
fn page_of(answer: &Json) -> (u64, Vec<String>) {
    let ids = answer["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            f["id"]
                .as_str()
                .or(f["properties"]["id"].as_str())
                .expect("an id")
                .to_string()
        })
        .collect();
    (
        answer["numberMatched"].as_u64().expect("numberMatched"),
        ids,
    )
}

/// The boxes of a grid over the layer's extent that hold at least a page.
async fn bbox_pairs(atlas: &mut Connection) -> Vec<Pair> {
    let collection = atlas.get_json("/ogc/collections/parcels").await;
    let b = &collection["extent"]["spatial"]["bbox"][0];
    let (w, s, e, n) = (
        b[0].as_f64().unwrap(),
        b[1].as_f64().unwrap(),
        b[2].as_f64().unwrap(),
        b[3].as_f64().unwrap(),
    );
    let cells = 12;
    let (dx, dy) = ((e - w) / cells as f64, (n - s) / cells as f64);
    let mut pairs = Vec::new();
    for i in 0..cells {
        for j in 0..cells {
            let (x, y) = (w + i as f64 * dx, s + j as f64 * dy);
            let query = format!("bbox={:.5},{:.5},{:.5},{:.5}", x, y, x + dx, y + dy);
            let answer = atlas.get_json(&pair(&query).atlas).await;
            if answer["numberMatched"].as_u64().unwrap() >= PAGE as u64 {
                pairs.push(pair(&query));
            }
        }
    }
    pairs
}

/// CQL2 filters on zoning and area that select at least one parcel.
async fn filter_pairs(atlas: &mut Connection) -> Vec<Pair> {
    let mut pairs = Vec::new();
    for zoning in [
        "residential",
        "industrial",
        "mixed",
        "retail",
        "services",
        "sme",
        "other",
        "care",
    ] {
        for (low, high) in [(0, 400), (400, 900), (900, 2000), (2000, 100_000)] {
            let filter = format!("zoning = '{zoning}' AND area_m2 >= {low} AND area_m2 < {high}");
            let query = format!("filter-lang=cql2-text&filter={}", escaped(&filter));
            let answer = atlas.get_json(&pair(&query).atlas).await;
            if answer["numberMatched"].as_u64().unwrap() > 0 {
                pairs.push(pair(&query));
            }
        }
    }
    pairs
}

/// Both servers answer every pair with the same matches and page.
async fn check_same(atlas: &mut Connection, tipg: &mut Connection, pairs: &[Pair]) -> (u64, usize) {
    let (mut matched, mut bytes) = (0, 0);
    for pair in pairs {
        let a = atlas.get(&pair.atlas).await.expect("atlas answers");
        let t = tipg.get(&pair.tipg).await.expect("tipg answers");
        assert_eq!(
            (a.status, t.status),
            (200, 200),
            "{}: {}",
            pair.tipg,
            String::from_utf8_lossy(&t.body)
        );
        let (page_a, page_t) = (page_of(&a.json()), page_of(&t.json()));
        assert_eq!(page_a, page_t, "{} and {} differ", pair.atlas, pair.tipg);
        matched += page_a.0;
        bytes += a.body.len();
    }
    (matched, bytes)
}

struct Run {
    requests: usize,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
    bytes: usize,
}

/// `CONCURRENCY` connections round `paths` for `LOAD_FOR`.
async fn load(port: u16, paths: Arc<Vec<String>>) -> Run {
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..CONCURRENCY {
        let paths = paths.clone();
        workers.push(tokio::spawn(async move {
            let mut connection = Connection::open(port).await.expect("connect");
            let (mut times, mut bytes) = (Vec::new(), 0);
            let mut next = worker * paths.len() / CONCURRENCY;
            while started.elapsed() < LOAD_FOR {
                let sent = Instant::now();
                let answer = connection
                    .get(&paths[next % paths.len()])
                    .await
                    .expect("an answer");
                assert_eq!(answer.status, 200);
                times.push(sent.elapsed());
                bytes += answer.body.len();
                next += 1;
            }
            (times, bytes)
        }));
    }
    let (mut times, mut bytes) = (Vec::new(), 0);
    for worker in workers {
        let (t, b) = worker.await.expect("a worker");
        times.extend(t);
        bytes += b;
    }
    let seconds = started.elapsed().as_secs_f64();
    times.sort();
    Run {
        requests: times.len(),
        seconds,
        p50_ms: millis(percentile(&times, 0.5)),
        p99_ms: millis(percentile(&times, 0.99)),
        bytes,
    }
}

/// `ogr2ogr` of the whole parcel layer from `source` into a GeoPackage:
/// seconds and features pulled.
fn pull(source: &str, layer: &str, out: &std::path::Path) -> (f64, i64) {
    let started = Instant::now();
    let status = Command::new("ogr2ogr")
        .args([
            "-f",
            "GPKG",
            out.to_str().unwrap(),
            source,
            layer,
            "-nln",
            "parcels",
            "-oo",
            "PAGE_SIZE=10000",
        ])
        .status()
        .expect("ogr2ogr (gdal-bin)");
    assert!(status.success(), "ogr2ogr from {source}");
    let seconds = started.elapsed().as_secs_f64();
    let info = Command::new("ogrinfo")
        .args(["-ro", "-so", out.to_str().unwrap(), "parcels"])
        .output()
        .expect("ogrinfo");
    let text = String::from_utf8_lossy(&info.stdout);
    let count = text
        .lines()
        .find_map(|line| line.strip_prefix("Feature Count: "))
        .and_then(|n| n.trim().parse().ok())
        .expect("a feature count");
    (seconds, count)
}

fn print_runs(what: &str, atlas: &Run, tipg: &Run, n_paths: usize, matched: u64, bytes: usize) {
    println!("\n{what}: {n_paths} distinct requests, checked equal on both sides ({matched} matches in all; one round is {:.1} MB from the atlas)", bytes as f64 / 1e6);
    println!("| server | requests | per s | p50 ms | p99 ms | MB/s |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (name, run) in [("atlas", atlas), ("tipg", tipg)] {
        println!(
            "| {name} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            run.requests,
            run.requests as f64 / run.seconds,
            run.p50_ms,
            run.p99_ms,
            run.bytes as f64 / 1e6 / run.seconds
        );
    }
    let ratio = (atlas.requests as f64 / atlas.seconds) / (tipg.requests as f64 / tipg.seconds);
    println!("**atlas/tipg requests per second: {ratio:.1}×**");
}

#[tokio::main]
async fn main() {
    let Ok(admin_url) = std::env::var("ATLAS_BENCH_DATABASE_URL") else {
        eprintln!("ATLAS_BENCH_DATABASE_URL is not set: run scripts/bench ogc, which starts a throwaway PostGIS");
        std::process::exit(2);
    };
    println!(
        "OGC API – Features benchmark, {} (UTC), load average at start {}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M"),
        load_average()
    );
    let tipg_version = Command::new("python3")
        .args(["-c", "import tipg; print(tipg.__version__)"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    step("setup: the demo at scale 10 into a fresh PostGIS database");
    let dir = tempfile::Builder::new()
        .prefix("atlas-bench-ogc")
        .tempdir()
        .expect("a temporary folder");
    let demo = dir.path().join("demo.gpkg");
    atlas(&[
        "demo",
        "--out",
        demo.to_str().unwrap(),
        "--seed",
        "1",
        "--scale",
        "10",
    ]);
    let url = common::fresh_database(&admin_url, "atlas_ogc").await;
    atlas(&[
        "load",
        "--from",
        demo.to_str().unwrap(),
        "--database-url",
        &url,
    ]);
    let server = Server::start(&["--database-url", &url], dir.path(), "warn").await;
    let tipg = Tipg::start(&url, &dir.path().join("tipg.log")).await;
    let mut to_atlas = server.connect().await;
    let mut to_tipg = Connection::open(tipg.port).await.expect("connect to tipg");

    step("the requests, each checked equal on both sides");
    let by_box = bbox_pairs(&mut to_atlas).await;
    let by_filter = filter_pairs(&mut to_atlas).await;
    let (box_matched, box_bytes) = check_same(&mut to_atlas, &mut to_tipg, &by_box).await;
    let (filter_matched, filter_bytes) = check_same(&mut to_atlas, &mut to_tipg, &by_filter).await;

    let mut results = Vec::new();
    for (what, pairs) in [("bbox", &by_box), ("CQL2 filter", &by_filter)] {
        step(&format!(
            "{what}: {} s at {CONCURRENCY} connections on each",
            LOAD_FOR.as_secs()
        ));
        let atlas_paths = Arc::new(pairs.iter().map(|p| p.atlas.clone()).collect::<Vec<_>>());
        let tipg_paths = Arc::new(pairs.iter().map(|p| p.tipg.clone()).collect::<Vec<_>>());
        let a = load(server.port, atlas_paths).await;
        let t = load(tipg.port, tipg_paths).await;
        results.push((what, a, t, pairs.len()));
    }

    step("ogr2ogr pulls the whole parcel layer through each");
    let (atlas_s, atlas_n) = pull(
        &format!("OAPIF:http://127.0.0.1:{}/ogc", server.port),
        "parcels",
        &dir.path().join("from-atlas.gpkg"),
    );
    let (tipg_s, tipg_n) = pull(
        &format!("OAPIF:http://127.0.0.1:{}", tipg.port),
        "public.parcels",
        &dir.path().join("from-tipg.gpkg"),
    );
    assert_eq!(atlas_n, tipg_n, "both pulls hold the same parcels");

    println!("\ntipg {tipg_version} ({TIPG_WORKERS} uvicorn workers) and the atlas (release build, PostGIS store) on one database; pages of {PAGE}, {CONCURRENCY} kept-alive connections, {} s each, no compression asked", LOAD_FOR.as_secs());
    for (what, a, t, n) in &results {
        let (matched, bytes) = if *what == "bbox" {
            (box_matched, box_bytes)
        } else {
            (filter_matched, filter_bytes)
        };
        print_runs(&format!("Items by {what}"), a, t, *n, matched, bytes);
    }
    println!("\nogr2ogr of the whole parcel layer (PAGE_SIZE=10000) into a GeoPackage:");
    println!("| server | features | seconds |");
    println!("| --- | ---: | ---: |");
    println!("| atlas | {atlas_n} | {atlas_s:.1} |");
    println!("| tipg | {tipg_n} | {tipg_s:.1} |");
    println!("**tipg/atlas time: {:.1}×**", tipg_s / atlas_s);
    println!("\nload average at end {}", load_average());
}
