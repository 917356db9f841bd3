//! Change-feed benchmark (issue 12): how soon a change committed through
//! one server, by `atlas import` or by SQL is visible on another server,
//! how many edits per second one and three servers on one PostGIS take,
//! and what a stream of changes costs a server's tile and vacancy reads.
//!
//! Run with `scripts/bench feed` (it starts a throwaway PostGIS and sets
//! `ATLAS_BENCH_DATABASE_URL`). The demo at scale 1 (seed 1) is loaded
//! into a fresh database with `atlas load`; every server is a real
//! `atlas serve` process (`target/release/atlas`, built by `cargo bench`)
//! on a free port, started and killed here. The bench's own HTTP client
//! (`common/servers.rs`) keeps its connections open. Steps:
//!
//! 1. Single edits, PostGIS and GeoPackage: a `POST /api/shop_units/{id}
//!    /events` through server A (each unit once, vacant ↔ occupied) while
//!    the bench polls server B's `GET /api/layers/shop_units/features/{id}`
//!    every 2 ms until it shows the new status; timed from sending the POST.
//!    Edits are a random 0 to 250 ms apart, so that none starts in step
//!    with a poller that has just seen the one before.
//!    The GeoPackage servers share one `.gpkg` file, whose followers poll
//!    `PRAGMA data_version` every 200 ms.
//! 2. Bulk changes on PostGIS: 10,000 new companies, by one SQL `INSERT ...
//!    SELECT generate_series` and by `atlas import companies FILE.geojson
//!    --key id`, until B's `/api/health` counts all of them; after each
//!    round one SQL `DELETE` of the 10,000, until B counts them gone.
//! 3. Edits per second through 1 and 3 servers on one PostGIS: K clients,
//!    each on its own 10 units and its own server (round robin), editing
//!    one after the other until 600 edits in all; every answer's status is
//!    counted, and after the last one the time until every server shows
//!    each client's last edit (the feed applies the log in order).
//! 4. Reads with and without writes: one server, 8 connections, the same
//!    list of z14/z15 tiles of shop units, companies and parcels over the
//!    city plus `/api/vacancy/summary?by=street`, first without writes,
//!    then with a writer committing an SQL `UPDATE` of one company every
//!    second (which the feed applies, dropping the touched tiles), twice
//!    each, alternating, after one warm-up pass that fills the tile cache.
//!
//! Progress goes to stderr, the tables to stdout. Nothing is asserted.

mod common;
#[path = "common/servers.rs"]
mod servers;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value as Json};

use servers::{atlas, load_average, millis, percentile, token_for, Connection, Server, ATLAS};

/// Single edits per store.
const N_SINGLE_EDITS_POSTGIS: usize = 200;
const N_SINGLE_EDITS_GEOPACKAGE: usize = 100;
/// Rounds of each bulk change, and features per round.
const N_BULK_ROUNDS: usize = 5;
const N_BULK_FEATURES: usize = 10_000;
/// How often server B is asked whether it shows a change yet.
const POLL_EVERY: Duration = Duration::from_millis(2);
/// Single edits are this far apart at most (a uniform random pause).
const EDIT_PAUSE_UP_TO: Duration = Duration::from_millis(250);
/// Longer than this, a change counts as not seen.
const SEEN_WITHIN: Duration = Duration::from_secs(30);
/// Edits per throughput run, the client counts, units per client.
const N_THROUGHPUT_EDITS: usize = 600;
const CLIENT_COUNTS: [usize; 2] = [1, 8];
const UNITS_PER_CLIENT: usize = 10;
/// Read benchmark: connections, passes over the request list per round,
/// one summary request after this many tiles, the writer's period.
const READ_CONNECTIONS: usize = 8;
const READ_PASSES: usize = 150;
const TILES_PER_SUMMARY: usize = 50;
const WRITE_EVERY: Duration = Duration::from_secs(1);
const TILE_ZOOMS: [u32; 2] = [14, 15];
const TILE_LAYERS: [&str; 3] = ["shop_units", "companies", "parcels"];
/// Servers log the feed's catch-ups (with the tiles each dropped) at debug.
const SERVER_LOG: &str = "genk_atlas::app=debug,info";
const BULK_ID_PREFIX: &str = "co-feed-";

/// When the bench started, for the progress lines.
static STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

fn step(name: &str) {
    let since = STARTED.get_or_init(Instant::now).elapsed().as_secs_f64();
    eprintln!(
        "[feed] {since:.0} s: {name} (load average {})",
        load_average()
    );
}

/// A progress line every tenth of the way.
fn progress(name: &str, done: usize, total: usize) {
    let tenth = (total / 10).max(1);
    if done.is_multiple_of(tenth) || done == total {
        eprintln!("[feed]   {name}: {done}/{total}");
    }
}

fn p50_p99(mut times: Vec<Duration>) -> (f64, f64, f64) {
    times.sort();
    let max = times.last().copied().unwrap_or_default();
    (
        millis(percentile(&times, 0.5)),
        millis(percentile(&times, 0.99)),
        millis(max),
    )
}

/// The z/x/y of the tile at `zoom` holding (lon, lat), Web Mercator.
fn tile_of(lon: f64, lat: f64, zoom: u32) -> (u32, u32) {
    let n = f64::from(1u32 << zoom);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let lat_rad = lat.to_radians();
    let y = ((1.0 - (lat_rad.tan() + 1.0 / lat_rad.cos()).ln() / std::f64::consts::PI) / 2.0 * n)
        .floor() as u32;
    (x, y)
}

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

async fn connect_sql(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to the benchmark database");
    tokio::spawn(connection);
    client
}

/// A shop unit and its state as the bench knows it.
#[derive(Clone)]
struct Unit {
    id: String,
    version: u64,
    status: String,
}

impl Unit {
    /// The other of vacant and occupied.
    fn next_status(&self) -> &'static str {
        if self.status == "vacant" {
            "occupied"
        } else {
            "vacant"
        }
    }
}

/// The first `count` vacant or occupied units, with their versions.
async fn units(server: &Server, count: usize) -> Vec<Unit> {
    let mut connection = server.connect().await;
    let page = connection
        .get_json("/api/layers/shop_units/features?limit=10000")
        .await;
    let mut units = Vec::new();
    for feature in page["features"].as_array().expect("features") {
        let status = feature["properties"]["status"].as_str().unwrap_or("");
        if status != "vacant" && status != "occupied" {
            continue;
        }
        let id = feature["id"].as_str().expect("an id").to_string();
        let version = connection
            .get_json(&format!("/api/shop_units/{id}/history"))
            .await["version"]
            .as_u64()
            .expect("a version");
        units.push(Unit {
            id,
            version,
            status: status.to_string(),
        });
        if units.len() == count {
            break;
        }
    }
    assert_eq!(units.len(), count, "the demo has enough shop units");
    units
}

fn edit_body(unit: &Unit) -> Json {
    json!({"version": unit.version, "valid_from": today(), "status": unit.next_status()})
}

/// Poll `path` on `connection` every [`POLL_EVERY`] until `seen` says yes;
/// the time since `started`, or `None` after [`SEEN_WITHIN`].
async fn poll_until(
    connection: &mut Connection,
    path: &str,
    started: Instant,
    seen: impl Fn(&servers::Answer) -> bool,
) -> Option<Duration> {
    loop {
        if let Ok(answer) = connection.get(path).await {
            if seen(&answer) {
                return Some(started.elapsed());
            }
        }
        if started.elapsed() > SEEN_WITHIN {
            return None;
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// What a series of single edits measured.
#[derive(Default)]
struct SingleEdits {
    /// From sending the POST to A until B shows the edit.
    seen_on_b: Vec<Duration>,
    /// From sending the POST to A's answer.
    answered_by_a: Vec<Duration>,
    /// B showed it before A's answer arrived.
    n_b_first: usize,
    n_ok: usize,
    n_not_ok: usize,
    n_not_seen: usize,
}

async fn single_edits(
    a: &Server,
    b: &Server,
    token: &str,
    units: &[Unit],
    name: &str,
) -> SingleEdits {
    let mut result = SingleEdits::default();
    let (mut to_a, mut to_b) = (a.connect().await, b.connect().await);
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    for (done, unit) in units.iter().enumerate() {
        // a random pause, so that an edit does not start in step with a
        // poller that has just seen the one before
        tokio::time::sleep(rng.random_range(Duration::ZERO..EDIT_PAUSE_UP_TO)).await;
        let target = unit.next_status();
        let post_path = format!("/api/shop_units/{}/events", unit.id);
        let feature_path = format!("/api/layers/shop_units/features/{}", unit.id);
        let body = edit_body(unit);
        let started = Instant::now();
        let post = async {
            let answer = to_a.post_json(&post_path, token, &body).await;
            (answer, started.elapsed())
        };
        let poll = poll_until(&mut to_b, &feature_path, started, |answer| {
            answer.status == 200 && answer.json()["properties"]["status"] == target
        });
        let ((answer, answered), seen) = tokio::join!(post, poll);
        match answer {
            Ok(answer) if answer.status == 200 => result.n_ok += 1,
            Ok(answer) => {
                result.n_not_ok += 1;
                eprintln!(
                    "[feed]   {name}: {} for {}: {}",
                    answer.status,
                    unit.id,
                    String::from_utf8_lossy(&answer.body)
                );
            }
            Err(error) => {
                result.n_not_ok += 1;
                eprintln!("[feed]   {name}: POST failed: {error}");
            }
        }
        result.answered_by_a.push(answered);
        match seen {
            Some(seen) => {
                if seen < answered {
                    result.n_b_first += 1;
                }
                result.seen_on_b.push(seen);
            }
            None => result.n_not_seen += 1,
        }
        progress(name, done + 1, units.len());
    }
    result
}

/// The table rows of one store; returns the note that goes under the table.
fn print_single_edits(store: &str, edits: &SingleEdits) -> String {
    let (seen_p50, seen_p99, seen_max) = p50_p99(edits.seen_on_b.clone());
    let (answer_p50, answer_p99, answer_max) = p50_p99(edits.answered_by_a.clone());
    println!(
        "| {store} | visible on B (POST sent → B shows it) | {} | {seen_p50:.1} | {seen_p99:.1} | {seen_max:.1} |",
        edits.seen_on_b.len()
    );
    println!(
        "| {store} | A's answer (POST sent → 200) | {} | {answer_p50:.1} | {answer_p99:.1} | {answer_max:.1} |",
        edits.answered_by_a.len()
    );
    format!(
        "{store}: {} answered 200, {} other; {} not seen on B within {} s; B showed the edit before A's answer arrived {} times",
        edits.n_ok,
        edits.n_not_ok,
        edits.n_not_seen,
        SEEN_WITHIN.as_secs(),
        edits.n_b_first
    )
}

async fn companies_on(connection: &mut Connection) -> u64 {
    connection.get_json("/api/health").await["layers"]["companies"]
        .as_u64()
        .expect("a companies count")
}

/// Poll B's health until it counts `count` companies.
async fn until_companies(
    connection: &mut Connection,
    count: u64,
    started: Instant,
) -> Option<Duration> {
    poll_until(connection, "/api/health", started, |answer| {
        answer.status == 200 && answer.json()["layers"]["companies"].as_u64() == Some(count)
    })
    .await
}

/// 10,000 company points on a grid over the city, ids `co-feed-{round}-{i}`.
fn write_companies_geojson(path: &Path, round: usize) {
    let features: Vec<Json> = (0..N_BULK_FEATURES)
        .map(|index| {
            json!({
                "type": "Feature",
                "properties": {"id": format!("{BULK_ID_PREFIX}{round}-{index:05}"), "name": format!("Feed {index}"), "nace": "62010", "employees": 3},
                "geometry": {"type": "Point", "coordinates": [5.45 + (index % 100) as f64 * 0.001, 50.94 + (index / 100) as f64 * 0.001]}
            })
        })
        .collect();
    std::fs::write(
        path,
        json!({"type": "FeatureCollection", "features": features}).to_string(),
    )
    .expect("write the import file");
}

const INSERT_COMPANIES_SQL: &str =
    "INSERT INTO companies (id, geom, name, nace, employees, contact) \
     SELECT $1 || lpad(g::text, 5, '0'), \
            ST_SetSRID(ST_MakePoint(5.45 + (g % 100) * 0.001, 50.94 + (g / 100) * 0.001), 4326), \
            'Feed ' || g, '62010', 3, NULL \
     FROM generate_series(0, 9999) AS g";

#[derive(Default)]
struct Bulk {
    /// SQL INSERT: from sending it to B counting all.
    sql_seen: Vec<Duration>,
    /// SQL INSERT: the statement's own time (autocommit).
    sql_commit: Vec<Duration>,
    /// atlas import: from starting the process to B counting all.
    import_seen: Vec<Duration>,
    /// atlas import: the process's wall time.
    import_wall: Vec<Duration>,
    /// SQL DELETE of the 10,000: from sending it to B counting them gone.
    delete_seen: Vec<Duration>,
    n_not_seen: usize,
}

async fn bulk_changes(b: &Server, url: &str, dir: &Path) -> Bulk {
    let sql = connect_sql(url).await;
    let mut to_b = b.connect().await;
    let base = companies_on(&mut to_b).await;
    let full = base + N_BULK_FEATURES as u64;
    let mut bulk = Bulk::default();
    let total = 2 * N_BULK_ROUNDS;
    for round in 0..total {
        let by_import = round % 2 == 1;
        let started = Instant::now();
        if by_import {
            let file = dir.join(format!("companies-{round}.geojson"));
            write_companies_geojson(&file, round);
            let started = Instant::now();
            let url = url.to_string();
            let import = tokio::task::spawn_blocking(move || {
                let output = std::process::Command::new(ATLAS)
                    .args(["import", "companies", file.to_str().unwrap(), "--key", "id"])
                    .args(["--database-url", &url])
                    .output()
                    .expect("running atlas import");
                assert!(
                    output.status.success(),
                    "atlas import: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
                started.elapsed()
            });
            let (wall, seen) = tokio::join!(import, until_companies(&mut to_b, full, started));
            bulk.import_wall.push(wall.expect("the import task"));
            match seen {
                Some(seen) => bulk.import_seen.push(seen),
                None => bulk.n_not_seen += 1,
            }
        } else {
            let prefix = format!("{BULK_ID_PREFIX}{round}-");
            let insert = async {
                sql.execute(INSERT_COMPANIES_SQL, &[&prefix])
                    .await
                    .expect("insert 10,000 companies");
                started.elapsed()
            };
            let (commit, seen) = tokio::join!(insert, until_companies(&mut to_b, full, started));
            bulk.sql_commit.push(commit);
            match seen {
                Some(seen) => bulk.sql_seen.push(seen),
                None => bulk.n_not_seen += 1,
            }
        }
        let started = Instant::now();
        let delete = async {
            sql.execute(
                "DELETE FROM companies WHERE id LIKE $1",
                &[&format!("{BULK_ID_PREFIX}%")],
            )
            .await
            .expect("delete the bulk companies")
        };
        let (deleted, seen) = tokio::join!(delete, until_companies(&mut to_b, base, started));
        assert_eq!(deleted, N_BULK_FEATURES as u64);
        match seen {
            Some(seen) => bulk.delete_seen.push(seen),
            None => bulk.n_not_seen += 1,
        }
        progress("bulk rounds (SQL, import alternating)", round + 1, total);
    }
    bulk
}

/// A row of runs in milliseconds (signed: a difference may be negative).
fn print_bulk_row(what: &str, runs_ms: &[f64]) {
    let mut sorted = runs_ms.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN);
    let max = sorted.last().copied().unwrap_or(f64::NAN);
    let list: Vec<String> = runs_ms.iter().map(|ms| format!("{ms:.0}")).collect();
    println!(
        "| {what} | {} | {median:.0} | {max:.0} | {} |",
        runs_ms.len(),
        list.join(", ")
    );
}

fn ms_list(times: &[Duration]) -> Vec<f64> {
    times.iter().map(|time| millis(*time)).collect()
}

/// `later - earlier` per run, in milliseconds.
fn differences_ms(later: &[Duration], earlier: &[Duration]) -> Vec<f64> {
    later
        .iter()
        .zip(earlier)
        .map(|(later, earlier)| millis(*later) - millis(*earlier))
        .collect()
}

/// What one throughput run measured.
struct Throughput {
    wall: Duration,
    latencies: Vec<Duration>,
    statuses: BTreeMap<u16, usize>,
    n_failed: usize,
    /// After the last answer, until every server shows every client's last edit.
    converged: Option<Duration>,
}

async fn edit_throughput(
    servers: &[Server],
    token: &str,
    units: &[Unit],
    n_clients: usize,
) -> Throughput {
    let per_client = N_THROUGHPUT_EDITS / n_clients;
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..n_clients {
        let port = servers[client % servers.len()].port;
        let mut own: Vec<Unit> =
            units[client * UNITS_PER_CLIENT..(client + 1) * UNITS_PER_CLIENT].to_vec();
        let token = token.to_string();
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            let mut connection = Connection::open(port).await.expect("connect");
            let mut latencies = Vec::new();
            let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
            let mut n_failed = 0;
            let mut last_ok: Option<Unit> = None;
            for edit in 0..per_client {
                let unit = &mut own[edit % UNITS_PER_CLIENT];
                let path = format!("/api/shop_units/{}/events", unit.id);
                let sent = Instant::now();
                match connection.post_json(&path, &token, &edit_body(unit)).await {
                    Ok(answer) => {
                        latencies.push(sent.elapsed());
                        *statuses.entry(answer.status).or_default() += 1;
                        if answer.status == 200 {
                            unit.status = unit.next_status().to_string();
                            unit.version += 1;
                            last_ok = Some(unit.clone());
                        } else if answer.status == 409 {
                            if let Some(current) = answer.json()["detail"]["version"].as_u64() {
                                unit.version = current;
                            }
                        }
                    }
                    Err(_) => n_failed += 1,
                }
                let total = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress("edits", total, per_client * n_clients);
            }
            (latencies, statuses, n_failed, last_ok)
        }));
    }
    let mut result = Throughput {
        wall: Duration::ZERO,
        latencies: Vec::new(),
        statuses: BTreeMap::new(),
        n_failed: 0,
        converged: None,
    };
    let mut last_edits = Vec::new();
    for task in tasks {
        let (latencies, statuses, n_failed, last_ok) = task.await.expect("a client");
        result.latencies.extend(latencies);
        for (status, count) in statuses {
            *result.statuses.entry(status).or_default() += count;
        }
        result.n_failed += n_failed;
        last_edits.extend(last_ok);
    }
    result.wall = started.elapsed();
    // every server shows each client's last edit (so every edit: the feed
    // applies the log in order)
    let finished = Instant::now();
    let mut all_seen = true;
    for server in servers {
        let mut connection = server.connect().await;
        for unit in &last_edits {
            let path = format!("/api/shop_units/{}/history", unit.id);
            let version = unit.version;
            let seen = poll_until(&mut connection, &path, finished, |answer| {
                answer.status == 200 && answer.json()["version"].as_u64() == Some(version)
            })
            .await;
            all_seen &= seen.is_some();
        }
    }
    result.converged = all_seen.then(|| finished.elapsed());
    // the units as they are now, for the next run
    result
}

/// The units' versions and statuses read again from `server`.
async fn refresh(server: &Server, units: &mut [Unit]) {
    let mut connection = server.connect().await;
    for unit in units {
        unit.version = connection
            .get_json(&format!("/api/shop_units/{}/history", unit.id))
            .await["version"]
            .as_u64()
            .expect("a version");
        unit.status = connection
            .get_json(&format!("/api/layers/shop_units/features/{}", unit.id))
            .await["properties"]["status"]
            .as_str()
            .expect("a status")
            .to_string();
    }
}

fn print_throughput(n_servers: usize, n_clients: usize, run: &Throughput) {
    let (p50, p99, _) = p50_p99(run.latencies.clone());
    let n_edits = run.latencies.len() + run.n_failed;
    let statuses: Vec<String> = run
        .statuses
        .iter()
        .map(|(status, count)| format!("{count} × {status}"))
        .collect();
    println!(
        "| {n_servers} | {n_clients} | {n_edits} | {:.2} | {:.0} | {p50:.1} | {p99:.1} | {}{} | {} |",
        run.wall.as_secs_f64(),
        n_edits as f64 / run.wall.as_secs_f64(),
        statuses.join(", "),
        if run.n_failed > 0 {
            format!(", {} failed", run.n_failed)
        } else {
            String::new()
        },
        run.converged
            .map(|time| format!("{:.0} ms", millis(time)))
            .unwrap_or_else(|| "not within 30 s".to_string())
    );
}

/// The fixed read list: every z14 and z15 tile of the layers over the
/// city's bounding box (its neighbourhoods), with a vacancy summary by
/// street after every [`TILES_PER_SUMMARY`] tiles.
async fn read_paths(server: &Server) -> Vec<String> {
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
    let mut paths = Vec::new();
    for zoom in TILE_ZOOMS {
        let (x_min, y_min) = tile_of(west, north, zoom);
        let (x_max, y_max) = tile_of(east, south, zoom);
        for layer in TILE_LAYERS {
            for x in x_min..=x_max {
                for y in y_min..=y_max {
                    paths.push(format!("/tiles/{layer}/{zoom}/{x}/{y}.mvt"));
                    if paths.len() % (TILES_PER_SUMMARY + 1) == TILES_PER_SUMMARY {
                        paths.push("/api/vacancy/summary?by=street".to_string());
                    }
                }
            }
        }
    }
    paths
}

/// What one round of reads measured.
struct Reads {
    wall: Duration,
    tile_times: Vec<Duration>,
    summary_times: Vec<Duration>,
    statuses: BTreeMap<u16, usize>,
    n_failed: usize,
}

async fn read_round(server: &Server, paths: Arc<Vec<String>>, passes: usize, name: &str) -> Reads {
    let total = paths.len() * passes;
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..READ_CONNECTIONS {
        let (paths, next, port) = (paths.clone(), next.clone(), server.port);
        let name = name.to_string();
        tasks.push(tokio::spawn(async move {
            let mut connection = Connection::open(port).await.expect("connect");
            let headers = [("Accept-Encoding", "gzip")];
            let (mut tiles, mut summaries) = (Vec::new(), Vec::new());
            let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
            let mut n_failed = 0;
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= total {
                    break;
                }
                let path = &paths[index % paths.len()];
                let sent = Instant::now();
                match connection.request("GET", path, &headers, b"").await {
                    Ok(answer) => {
                        let took = sent.elapsed();
                        if path.starts_with("/tiles/") {
                            tiles.push(took);
                        } else {
                            summaries.push(took);
                        }
                        *statuses.entry(answer.status).or_default() += 1;
                    }
                    Err(_) => n_failed += 1,
                }
                progress(&name, index + 1, total);
            }
            (tiles, summaries, statuses, n_failed)
        }));
    }
    let mut reads = Reads {
        wall: Duration::ZERO,
        tile_times: Vec::new(),
        summary_times: Vec::new(),
        statuses: BTreeMap::new(),
        n_failed: 0,
    };
    for task in tasks {
        let (tiles, summaries, statuses, n_failed) = task.await.expect("a reader");
        reads.tile_times.extend(tiles);
        reads.summary_times.extend(summaries);
        for (status, count) in statuses {
            *reads.statuses.entry(status).or_default() += count;
        }
        reads.n_failed += n_failed;
    }
    reads.wall = started.elapsed();
    reads
}

/// Commit `UPDATE companies SET employees = employees + 1` of one company
/// every [`WRITE_EVERY`] until `stop`, cycling through `ids`; the commits
/// made and the last (id, employees).
async fn writer(
    url: String,
    ids: Vec<String>,
    stop: Arc<AtomicBool>,
) -> (usize, Option<(String, i64)>) {
    let sql = connect_sql(&url).await;
    let mut ticker = tokio::time::interval(WRITE_EVERY);
    let (mut n_commits, mut last) = (0, None);
    loop {
        ticker.tick().await;
        if stop.load(Ordering::Relaxed) {
            return (n_commits, last);
        }
        let id = &ids[n_commits % ids.len()];
        let row = sql
            .query_one(
                "UPDATE companies SET employees = COALESCE(employees, 0) + 1 WHERE id = $1 RETURNING employees",
                &[id],
            )
            .await
            .expect("update a company");
        n_commits += 1;
        last = Some((id.clone(), row.get::<_, i64>(0)));
    }
}

/// Catch-ups and tiles dropped, from the server's debug log lines
/// `change feed: applied Applied { .., n_tiles_dropped: N, .. }`.
fn feed_log(log: &Path) -> (usize, usize) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut catch_ups = 0;
    let mut dropped = 0;
    for line in text
        .lines()
        .filter(|line| line.contains("change feed: applied"))
    {
        catch_ups += 1;
        if let Some(rest) = line.split("n_tiles_dropped: ").nth(1) {
            dropped += rest
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0);
        }
    }
    (catch_ups, dropped)
}

fn print_reads(side: &str, round: usize, reads: &Reads, writes: &str) {
    let n = reads.tile_times.len() + reads.summary_times.len() + reads.n_failed;
    let (tile_p50, tile_p99, _) = p50_p99(reads.tile_times.clone());
    let (summary_p50, summary_p99, _) = p50_p99(reads.summary_times.clone());
    let statuses: Vec<String> = reads
        .statuses
        .iter()
        .map(|(status, count)| format!("{count} × {status}"))
        .collect();
    println!(
        "| {side} | {round} | {n} | {:.2} | {:.0} | {tile_p50:.2} | {tile_p99:.2} | {summary_p50:.1} | {summary_p99:.1} | {}{} | {writes} |",
        reads.wall.as_secs_f64(),
        n as f64 / reads.wall.as_secs_f64(),
        statuses.join(", "),
        if reads.n_failed > 0 {
            format!(", {} failed", reads.n_failed)
        } else {
            String::new()
        }
    );
}

#[tokio::main]
async fn main() {
    let Ok(admin_url) = std::env::var("ATLAS_BENCH_DATABASE_URL") else {
        eprintln!("ATLAS_BENCH_DATABASE_URL is not set: run scripts/bench, which starts a throwaway PostGIS");
        std::process::exit(2);
    };
    let started = *STARTED.get_or_init(Instant::now);
    let load_at_start = load_average();
    println!(
        "feed benchmark, {} (UTC), load average at start {load_at_start}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M")
    );
    step("setup: the demo at scale 1 into a fresh PostGIS database and a GeoPackage");
    let dir = tempfile::Builder::new()
        .prefix("atlas-bench-feed")
        .tempdir()
        .expect("a temporary folder");
    let demo = dir.path().join("demo.gpkg");
    let demo = demo.to_str().unwrap();
    atlas(&["demo", "--out", demo, "--seed", "1"]);
    let url = common::fresh_database(&admin_url, "atlas_feed").await;
    atlas(&["load", "--from", demo, "--database-url", &url]);
    let pg_args = ["--database-url", url.as_str()];
    let pg_token = token_for(&pg_args, "feedbench", "retail");
    let shared_gpkg = dir.path().join("shared.gpkg");
    std::fs::copy(demo, &shared_gpkg).expect("copy the demo");
    let gpkg_args = ["--gpkg", shared_gpkg.to_str().unwrap()];
    let gpkg_token = token_for(&gpkg_args, "feedbench", "retail");

    // ---- 1 and 2: latency on a second server
    step("1/4 single edits through A, seen on B (PostGIS)");
    let (single_pg, single_gpkg, bulk);
    {
        let a = Server::start(&pg_args, dir.path(), SERVER_LOG).await;
        let b = Server::start(&pg_args, dir.path(), SERVER_LOG).await;
        let edit_units = units(&a, N_SINGLE_EDITS_POSTGIS).await;
        single_pg = single_edits(&a, &b, &pg_token, &edit_units, "single edits, PostGIS").await;
        step("2/4 10,000 companies by SQL INSERT and by atlas import, seen on B (PostGIS)");
        bulk = bulk_changes(&b, &url, dir.path()).await;
    }
    step("1/4 single edits through A, seen on B (GeoPackage, one file)");
    {
        let a = Server::start(&gpkg_args, dir.path(), SERVER_LOG).await;
        let b = Server::start(&gpkg_args, dir.path(), SERVER_LOG).await;
        let edit_units = units(&a, N_SINGLE_EDITS_GEOPACKAGE).await;
        single_gpkg =
            single_edits(&a, &b, &gpkg_token, &edit_units, "single edits, GeoPackage").await;
    }

    // ---- 3: edits per second
    let mut throughput = Vec::new();
    {
        let mut servers = vec![Server::start(&pg_args, dir.path(), SERVER_LOG).await];
        let max_clients = *CLIENT_COUNTS.iter().max().unwrap();
        let mut edit_units = units(&servers[0], max_clients * UNITS_PER_CLIENT).await;
        for n_servers in [1, 3] {
            while servers.len() < n_servers {
                servers.push(Server::start(&pg_args, dir.path(), SERVER_LOG).await);
            }
            for n_clients in CLIENT_COUNTS {
                step(&format!(
                    "3/4 {N_THROUGHPUT_EDITS} edits through {n_servers} server(s), {n_clients} client(s)"
                ));
                refresh(&servers[0], &mut edit_units).await;
                let run = edit_throughput(&servers, &pg_token, &edit_units, n_clients).await;
                throughput.push((n_servers, n_clients, run));
            }
        }
    }

    // ---- 4: reads with and without writes
    step("4/4 tiles and vacancy summary on one server, without and with a writer");
    let server = Server::start(&pg_args, dir.path(), SERVER_LOG).await;
    let paths = Arc::new(read_paths(&server).await);
    let n_tiles = paths
        .iter()
        .filter(|path| path.starts_with("/tiles/"))
        .count();
    let company_ids: Vec<String> = {
        let sql = connect_sql(&url).await;
        // companies spread over the city, every 50th by id
        sql.query(
            "SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM companies) AS c WHERE n % 50 = 0",
            &[],
        )
        .await
        .expect("company ids")
        .iter()
        .map(|row| row.get(0))
        .collect()
    };
    read_round(&server, paths.clone(), 1, "warm-up pass").await;
    let mut reads = Vec::new();
    for round in 0..4 {
        let with_writes = round % 2 == 1;
        let name = format!(
            "reads round {}, {}",
            round / 2 + 1,
            if with_writes {
                "with writes"
            } else {
                "no writes"
            }
        );
        step(&format!("4/4 {name}"));
        let (catch_ups_before, dropped_before) = feed_log(&server.log);
        let stop = Arc::new(AtomicBool::new(false));
        let writing = with_writes
            .then(|| tokio::spawn(writer(url.clone(), company_ids.clone(), stop.clone())));
        let round_reads = read_round(&server, paths.clone(), READ_PASSES, &name).await;
        stop.store(true, Ordering::Relaxed);
        let mut writes = "none".to_string();
        if let Some(writing) = writing {
            let (n_commits, last) = writing.await.expect("the writer");
            // the last commit is on the server
            let mut applied = "no commit";
            if let Some((id, employees)) = last {
                let mut connection = server.connect().await;
                let seen = poll_until(
                    &mut connection,
                    &format!("/api/layers/companies/features/{id}"),
                    Instant::now(),
                    |answer| {
                        answer.status == 200
                            && answer.json()["properties"]["employees"] == employees
                    },
                )
                .await;
                applied = if seen.is_some() {
                    "last one applied"
                } else {
                    "last one NOT applied"
                };
            }
            let (catch_ups, dropped) = feed_log(&server.log);
            writes = format!(
                "{n_commits} commits ({applied}); {} catch-ups, {} tiles dropped",
                catch_ups - catch_ups_before,
                dropped - dropped_before
            );
        }
        reads.push((with_writes, round / 2 + 1, round_reads, writes));
    }
    drop(server);
    let load_at_end = load_average();

    // ---- tables
    println!("\n### Single edits: POST through server A until server B shows the unit's new status (poll every 2 ms)\n");
    println!("| store | measure | n | p50 ms | p99 ms | max ms |");
    println!("| --- | --- | ---: | ---: | ---: | ---: |");
    let notes = [
        print_single_edits("PostGIS", &single_pg),
        print_single_edits("GeoPackage", &single_gpkg),
    ];
    println!("\n{}", notes.join("\n"));

    println!("\n### 10,000 new companies until server B's /api/health counts all (PostGIS)\n");
    println!("| change | n | median ms | max ms | each run ms |");
    println!("| --- | ---: | ---: | ---: | --- |");
    print_bulk_row(
        "SQL INSERT ... SELECT generate_series: sent → B counts all",
        &ms_list(&bulk.sql_seen),
    );
    print_bulk_row(
        "  the INSERT itself (autocommit, row triggers log 10,000 changes)",
        &ms_list(&bulk.sql_commit),
    );
    print_bulk_row(
        "  B counts all, after the INSERT returned",
        &differences_ms(&bulk.sql_seen, &bulk.sql_commit),
    );
    print_bulk_row(
        "atlas import companies FILE.geojson --key id: started → B counts all",
        &ms_list(&bulk.import_seen),
    );
    print_bulk_row(
        "  the atlas import process (start to exit)",
        &ms_list(&bulk.import_wall),
    );
    print_bulk_row(
        "  B counts all, after the process exited (negative: before)",
        &differences_ms(&bulk.import_seen, &bulk.import_wall),
    );
    print_bulk_row(
        "SQL DELETE of the 10,000: sent → B counts them gone",
        &ms_list(&bulk.delete_seen),
    );
    println!(
        "\nnot seen within {} s: {}",
        SEEN_WITHIN.as_secs(),
        bulk.n_not_seen
    );

    println!(
        "\n### Edits per second on one PostGIS ({N_THROUGHPUT_EDITS} edits, each client its own {UNITS_PER_CLIENT} units and a server round robin)\n"
    );
    println!("| servers | clients | edits | wall s | edits/s | p50 ms | p99 ms | answers | all servers show every edit after the last answer |");
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
    for (n_servers, n_clients, run) in &throughput {
        print_throughput(*n_servers, *n_clients, run);
    }

    println!(
        "\n### Reads on one server: {} requests per round ({n_tiles} z14/z15 tiles of {} over the city and {} vacancy summaries by street, {READ_PASSES} passes), {READ_CONNECTIONS} connections, gzip\n",
        paths.len() * READ_PASSES,
        TILE_LAYERS.join(", "),
        paths.len() - n_tiles
    );
    println!("| writes | round | requests | wall s | requests/s | tile p50 ms | tile p99 ms | summary p50 ms | summary p99 ms | answers | writer |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
    for (with_writes, round, round_reads, writes) in &reads {
        let side = if *with_writes { "1 UPDATE/s" } else { "none" };
        print_reads(side, *round, round_reads, writes);
    }
    let rate = |with: bool| -> f64 {
        let rounds: Vec<&Reads> = reads.iter().filter(|r| r.0 == with).map(|r| &r.2).collect();
        let n: usize = rounds
            .iter()
            .map(|r| r.tile_times.len() + r.summary_times.len())
            .sum();
        let wall: f64 = rounds.iter().map(|r| r.wall.as_secs_f64()).sum();
        n as f64 / wall
    };
    let statuses = |with: bool| -> Vec<BTreeMap<u16, usize>> {
        reads
            .iter()
            .filter(|r| r.0 == with)
            .map(|r| r.2.statuses.clone())
            .collect()
    };
    let all_equal = statuses(false)
        .iter()
        .chain(statuses(true).iter())
        .all(|s| *s == statuses(false)[0]);
    println!(
        "\nwith writes / without: {:.3} (requests/s over both rounds of each); answers per status {} on every round",
        rate(true) / rate(false),
        if all_equal { "equal" } else { "NOT equal" }
    );
    println!(
        "\nload average at start {load_at_start}, at end {load_at_end}; {:.0} s in all",
        started.elapsed().as_secs_f64()
    );
}
