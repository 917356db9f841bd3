//! Load run (issue 17): N minutes (`ATLAS_LOAD_MINUTES`, 10 by default) at
//! saturation on one `atlas serve` process over the demo GeoPackage (scale
//! 1, seed 1): vector tiles, feature pages by bounding box, the vacancy
//! summary and shop coverage, from [`CONNECTIONS`] kept-alive connections
//! each sending its next request as soon as the last is answered. Every
//! answer that is not 200/204 (or a broken connection) is an error. The
//! server's resident memory (VmRSS) is read every 10 s; it is called flat
//! when no sample after the first minute exceeds the one at one minute by
//! more than [`FLAT_MARGIN`]. Run with `scripts/bench load [MIN]`. Progress
//! goes to stderr, the figures to stdout. Nothing is asserted.

#[path = "common/servers.rs"]
mod servers;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use servers::{atlas, load_average, millis, percentile, Server};

const CONNECTIONS: usize = 8;
const SAMPLE_EVERY: Duration = Duration::from_secs(10);
/// Growth after the first minute that still counts as flat.
const FLAT_MARGIN: f64 = 0.10;
const TILE_LAYERS: [&str; 3] = ["shop_units", "parcels", "companies"];
const COVERAGE_KINDS: [&str; 6] = [
    "bakery",
    "butcher",
    "supermarket",
    "grocery",
    "pharmacy",
    "daily",
];

/// The z/x/y of the tile at `zoom` holding (lon, lat), Web Mercator.
fn tile_of(lon: f64, lat: f64, zoom: u32) -> (u32, u32) {
    let n = f64::from(1u32 << zoom);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let lat_rad = lat.to_radians();
    let y = ((1.0 - (lat_rad.tan() + 1.0 / lat_rad.cos()).ln() / std::f64::consts::PI) / 2.0 * n)
        .floor() as u32;
    (x, y)
}

/// What a request is counted as.
fn kind_of(path: &str) -> &'static str {
    if path.starts_with("/tiles/") {
        "tiles"
    } else if path.contains("/features") {
        "features"
    } else if path.starts_with("/api/vacancy/summary") {
        "vacancy summary"
    } else {
        "coverage"
    }
}

/// The request list: every z13 to z15 tile of the layers over the city,
/// a page of features around each z15 tile, and between them vacancy
/// summaries (dates over ten years, every grouping) and coverage figures
/// (every kind and threshold), interleaved.
async fn request_paths(server: &Server) -> Vec<String> {
    let mut connection = server.connect().await;
    let layers = connection.get_json("/api/layers").await;
    let bbox = layers["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .find(|layer| layer["id"] == "neighbourhoods")
        .expect("neighbourhoods")["bbox"]
        .clone();
    let [west, south, east, north] = [0, 1, 2, 3].map(|i| bbox[i].as_f64().expect("a bbox"));
    let mut tiles = Vec::new();
    let mut features = Vec::new();
    for zoom in 13..=15 {
        let (x_min, y_min) = tile_of(west, north, zoom);
        let (x_max, y_max) = tile_of(east, south, zoom);
        for layer in TILE_LAYERS {
            for x in x_min..=x_max {
                for y in y_min..=y_max {
                    tiles.push(format!("/tiles/{layer}/{zoom}/{x}/{y}.mvt"));
                }
            }
        }
    }
    let n_steps = 12;
    for i in 0..n_steps {
        for j in 0..n_steps {
            let step_x = (east - west) / f64::from(n_steps);
            let step_y = (north - south) / f64::from(n_steps);
            let (w, s) = (west + step_x * f64::from(i), south + step_y * f64::from(j));
            let layer = TILE_LAYERS[((i + j) % 3) as usize];
            features.push(format!(
                "/api/layers/{layer}/features?bbox={w},{s},{},{}&limit=200",
                w + step_x,
                s + step_y
            ));
        }
    }
    let mut figures = Vec::new();
    for year in 2016..2026 {
        for (month, by) in [
            (1, "city"),
            (4, "street"),
            (7, "shopping_area"),
            (10, "neighbourhood"),
        ] {
            figures.push(format!(
                "/api/vacancy/summary?date={year}-{month:02}-01&by={by}"
            ));
        }
    }
    for kind in COVERAGE_KINDS {
        for threshold in ["400", "800", "1200", "any"] {
            figures.push(format!("/api/coverage?kind={kind}&threshold_m={threshold}"));
        }
    }
    let mut paths = Vec::new();
    let (mut t, mut f, mut g) = (0, 0, 0);
    while t < tiles.len() {
        for _ in 0..8 {
            if t < tiles.len() {
                paths.push(tiles[t].clone());
                t += 1;
            }
        }
        paths.push(features[f % features.len()].clone());
        paths.push(figures[g % figures.len()].clone());
        f += 1;
        g += 1;
    }
    paths
}

/// VmRSS of `pid` in MiB.
fn resident_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

#[derive(Default)]
struct Tally {
    times: BTreeMap<&'static str, Vec<Duration>>,
    errors: BTreeMap<String, usize>,
}

fn main() {
    let minutes: u64 = std::env::var("ATLAS_LOAD_MINUTES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(10);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(run(Duration::from_secs(minutes * 60)));
}

async fn run(length: Duration) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let demo = dir.path().join("demo.gpkg");
    let demo = demo.to_str().unwrap();
    eprintln!("load: the demo at scale 1 (seed 1)");
    atlas(&["demo", "--out", demo, "--seed", "1"]);
    let server = Server::start(&["--gpkg", demo], dir.path(), "warn").await;
    let paths = Arc::new(request_paths(&server).await);
    let load_at_start = load_average();
    eprintln!(
        "load: {} paths, {CONNECTIONS} connections, {} s, load average {load_at_start}",
        paths.len(),
        length.as_secs()
    );
    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut clients = Vec::new();
    for client in 0..CONNECTIONS {
        let (paths, stop, tally, port) = (paths.clone(), stop.clone(), tally.clone(), server.port);
        clients.push(tokio::spawn(async move {
            let mut connection = servers::Connection::open(port).await.expect("a connection");
            let mut index = client * paths.len() / CONNECTIONS;
            while !stop.load(Ordering::Relaxed) {
                let path = &paths[index % paths.len()];
                index += 1;
                let started = Instant::now();
                let answer = connection.get(path).await;
                let elapsed = started.elapsed();
                let broken = {
                    let mut tally = tally.lock().unwrap();
                    match answer {
                        Ok(answer) if answer.status == 200 || answer.status == 204 => {
                            tally.times.entry(kind_of(path)).or_default().push(elapsed);
                            false
                        }
                        Ok(answer) => {
                            *tally
                                .errors
                                .entry(format!("{} {}", answer.status, kind_of(path)))
                                .or_default() += 1;
                            false
                        }
                        Err(error) => {
                            *tally.errors.entry(format!("io {error}")).or_default() += 1;
                            true
                        }
                    }
                };
                if broken {
                    connection = servers::Connection::open(port).await.expect("a connection");
                }
            }
        }));
    }
    let started = Instant::now();
    let mut samples: Vec<(u64, f64, usize)> = Vec::new();
    loop {
        let done: usize = tally.lock().unwrap().times.values().map(Vec::len).sum();
        let elapsed = started.elapsed();
        samples.push((elapsed.as_secs(), resident_mib(server.pid()), done));
        eprintln!(
            "load: {:>4} s  {:>7.1} MiB  {done} answers",
            elapsed.as_secs(),
            samples.last().unwrap().1
        );
        if elapsed >= length {
            break;
        }
        tokio::time::sleep(SAMPLE_EVERY.saturating_sub(started.elapsed() - elapsed)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        let _ = client.await;
    }
    let wall = started.elapsed();
    let load_at_end = load_average();
    let tally = tally.lock().unwrap();
    let n_answers: usize = tally.times.values().map(Vec::len).sum();
    let n_errors: usize = tally.errors.values().sum();
    println!(
        "\n### Load: {:.0} s at saturation, {CONNECTIONS} connections, one server, the demo GeoPackage (scale 1)\n",
        wall.as_secs_f64()
    );
    println!("load average at start {load_at_start}, at end {load_at_end}\n");
    println!("| requests | answered | per s | p50 ms | p99 ms | max ms |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (kind, times) in &tally.times {
        let mut sorted = times.clone();
        sorted.sort();
        println!(
            "| {kind} | {} | {:.0} | {:.1} | {:.1} | {:.1} |",
            sorted.len(),
            sorted.len() as f64 / wall.as_secs_f64(),
            millis(percentile(&sorted, 0.5)),
            millis(percentile(&sorted, 0.99)),
            millis(*sorted.last().unwrap())
        );
    }
    println!(
        "| all | {n_answers} | {:.0} | | | |\n",
        n_answers as f64 / wall.as_secs_f64()
    );
    println!("errors: {n_errors} {:?}\n", tally.errors);
    let series: Vec<String> = samples
        .iter()
        .map(|(s, mib, _)| format!("{s} s {mib:.0}"))
        .collect();
    println!("resident memory (MiB) every 10 s: {}\n", series.join(", "));
    let at_one_minute = samples
        .iter()
        .find(|(s, _, _)| *s >= 60)
        .map_or(0.0, |(_, mib, _)| *mib);
    let max_after = samples
        .iter()
        .filter(|(s, _, _)| *s >= 60)
        .map(|(_, mib, _)| *mib)
        .fold(0.0, f64::max);
    let last = samples.last().map_or(0.0, |(_, mib, _)| *mib);
    let flat = max_after <= at_one_minute * (1.0 + FLAT_MARGIN);
    println!(
        "verdict: resident memory {} after the first minute ({at_one_minute:.0} MiB at 60 s, at most {max_after:.0} MiB after, {last:.0} MiB at the end; flat = at most +{:.0}%); errors {n_errors}",
        if flat { "FLAT" } else { "NOT FLAT" },
        FLAT_MARGIN * 100.0
    );
}
