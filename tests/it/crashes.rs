//! `kill -9` in the middle of an import, on both stores, by the CLI and
//! through a server: the import is all or nothing (the rows before, or the
//! rows before and every imported one), the store is intact (SQLite's
//! integrity check, PostGIS readable), a restarted server serves what the
//! store holds, and the same import afterwards succeeds.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};

use crate::servers::{atlas, Server};
use crate::support::fresh_database;

/// Enough companies that reading and writing them take a second or more,
/// so that kills at the delays below land while the import runs.
const IMPORTED: u64 = 60_000;

/// When to kill: a while after the import started, or once the store
/// shows it writing (a rollback journal beside the GeoPackage, a `COPY`
/// running in PostgreSQL).
#[derive(Debug, Clone, Copy)]
enum Moment {
    AfterMs(u64),
    WhileWriting,
}

const MOMENTS: [Moment; 5] = [
    Moment::AfterMs(150),
    Moment::AfterMs(450),
    Moment::AfterMs(800),
    Moment::AfterMs(1_200),
    Moment::WhileWriting,
];

fn write_companies(path: &Path) {
    let features: Vec<Json> = (0..IMPORTED)
        .map(|index| {
            json!({
                "type": "Feature",
                "properties": {"id": format!("co-kill-{index:06}"), "name": format!("Kill {index}"), "nace": "62010", "employees": 3},
                "geometry": {"type": "Point", "coordinates": [5.45 + (index % 300) as f64 * 0.0003, 50.94 + (index / 300) as f64 * 0.0003]}
            })
        })
        .collect();
    let collection = json!({"type": "FeatureCollection", "features": features});
    std::fs::write(path, collection.to_string()).unwrap();
}

/// Where the store is, as `atlas` arguments, and how to count its companies
/// without the atlas (`sqlite3`, or SQL on PostGIS).
enum Store {
    Geopackage(std::path::PathBuf),
    Postgis(crate::support::TestDatabase),
}

impl Store {
    fn args(&self) -> Vec<String> {
        match self {
            Store::Geopackage(path) => vec!["--gpkg".into(), path.display().to_string()],
            Store::Postgis(database) => vec!["--database-url".into(), database.url.clone()],
        }
    }

    async fn companies(&self) -> u64 {
        match self {
            Store::Geopackage(path) => {
                let check = sqlite3(path, "PRAGMA integrity_check;");
                assert_eq!(check.trim(), "ok", "the GeoPackage is intact");
                sqlite3(path, "SELECT count(*) FROM companies;")
                    .trim()
                    .parse()
                    .unwrap()
            }
            Store::Postgis(database) => {
                let client = database.client().await;
                let count: i64 = client
                    .query_one("SELECT count(*) FROM companies", &[])
                    .await
                    .unwrap()
                    .get(0);
                count as u64
            }
        }
    }
}

impl Store {
    /// Whether a write transaction is open on the store now.
    async fn writing(&self) -> bool {
        match self {
            Store::Geopackage(path) => path.with_extension("gpkg-journal").exists(),
            Store::Postgis(database) => {
                let client = database.client().await;
                let copies: i64 = client
                    .query_one(
                        "SELECT count(*) FROM pg_stat_activity \
                         WHERE datname = current_database() AND state = 'active' AND query ILIKE 'COPY%'",
                        &[],
                    )
                    .await
                    .unwrap()
                    .get(0);
                copies > 0
            }
        }
    }

    /// Wait for `moment`; false when the store was never seen writing.
    async fn wait_for(&self, moment: Moment) -> bool {
        match moment {
            Moment::AfterMs(delay) => {
                tokio::time::sleep(Duration::from_millis(delay)).await;
                true
            }
            Moment::WhileWriting => {
                let deadline = Instant::now() + Duration::from_secs(30);
                while Instant::now() < deadline {
                    if self.writing().await {
                        return true;
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                false
            }
        }
    }

    /// Take the imported companies out again, for the next round.
    async fn remove_imported(&self) {
        let sql = "DELETE FROM companies WHERE id LIKE 'co-kill-%'";
        match self {
            Store::Geopackage(path) => {
                sqlite3(path, &format!("{sql};"));
            }
            Store::Postgis(database) => {
                database.client().await.execute(sql, &[]).await.unwrap();
            }
        }
    }
}

fn sqlite3(path: &Path, sql: &str) -> String {
    let output = Command::new("sqlite3").arg(path).arg(sql).output().unwrap();
    assert!(
        output.status.success(),
        "sqlite3: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The demo in `dir`: in its GeoPackage, or loaded into a fresh PostGIS.
async fn demo_store(dir: &Path, postgis: bool) -> Store {
    let gpkg = dir.join("demo.gpkg");
    atlas(&["demo", "--out", gpkg.to_str().unwrap(), "--seed", "1"]);
    if !postgis {
        return Store::Geopackage(gpkg);
    }
    let database = fresh_database().await;
    atlas(&[
        "load",
        "--from",
        gpkg.to_str().unwrap(),
        "--database-url",
        &database.url,
    ]);
    Store::Postgis(database)
}

/// The count after a kill is the count before, or before plus every
/// imported feature: nothing half-written.
fn assert_all_or_nothing(after: u64, before: u64, case: &str) {
    assert!(
        after == before || after == before + IMPORTED,
        "{case}: {after} companies, expected {before} or {}",
        before + IMPORTED
    );
}

/// A restarted server serves what the store holds.
async fn assert_served_as_stored(store: &Store, dir: &Path) {
    let args = store.args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = Server::start(&args, dir).await;
    let health = server.get_ok("/api/health").await;
    assert_eq!(
        health["layers"]["companies"].as_u64(),
        Some(store.companies().await)
    );
}

async fn the_cli_killed_mid_import(postgis: bool) {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path(), postgis).await;
    let file = dir.path().join("companies.geojson");
    write_companies(&file);
    let args = store.args();
    let mut import = vec!["import", "companies", file.to_str().unwrap(), "--key", "id"];
    import.extend(args.iter().map(String::as_str));
    let mut killed_running = 0;
    for moment in MOMENTS {
        let before = store.companies().await;
        let mut child = Command::new(env!("CARGO_BIN_EXE_atlas"))
            .args(&import)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        assert!(store.wait_for(moment).await, "the import never wrote");
        if child.try_wait().unwrap().is_none() {
            killed_running += 1;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let after = store.companies().await;
        assert_all_or_nothing(after, before, &format!("atlas import killed at {moment:?}"));
        store.remove_imported().await;
    }
    assert!(
        killed_running >= 3,
        "only {killed_running} kills landed while the import ran"
    );
    assert_served_as_stored(&store, dir.path()).await;
    let before = store.companies().await;
    atlas(&import);
    assert_eq!(
        store.companies().await,
        before + IMPORTED,
        "the import afterwards succeeds"
    );
}

#[tokio::test]
async fn kill_9_of_atlas_import_into_a_geopackage_leaves_all_or_nothing() {
    the_cli_killed_mid_import(false).await;
}

#[tokio::test]
async fn kill_9_of_atlas_import_into_postgis_leaves_all_or_nothing() {
    the_cli_killed_mid_import(true).await;
}

const BOUNDARY: &str = "atlas-kill-boundary";

fn upload_body(file: &Path) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"companies.geojson\"\r\nContent-Type: application/geo+json\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&std::fs::read(file).unwrap());
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn a_server_killed_mid_upload(postgis: bool) {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path(), postgis).await;
    let args = store.args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut name_args = vec!["user", "add", "beheer", "--role", "admin"];
    name_args.extend(&args);
    atlas(&name_args);
    let mut token_args = vec!["user", "token", "beheer"];
    token_args.extend(&args);
    let token = atlas(&token_args).trim().to_string();
    let file = dir.path().join("companies.geojson");
    write_companies(&file);
    let body = upload_body(&file);
    let mut killed_running = 0;
    for moment in MOMENTS {
        let before = store.companies().await;
        let mut server = Server::start(&args, dir.path()).await;
        let port = server.port;
        let (token, body) = (token.clone(), body.clone());
        let upload = tokio::spawn(async move {
            let client = crate::servers::Client { port };
            let headers = [
                ("Authorization", format!("Bearer {token}")),
                (
                    "Content-Type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                ),
            ];
            client
                .request("POST", "/api/import/companies?key=id", &headers, Some(body))
                .await
        });
        let started = Instant::now();
        assert!(store.wait_for(moment).await, "the upload never wrote");
        if !upload.is_finished() {
            killed_running += 1;
        }
        server.kill();
        let answer = upload.await.unwrap();
        let after = store.companies().await;
        let case = format!(
            "server killed at {moment:?}, {:?} into an upload",
            started.elapsed()
        );
        assert_all_or_nothing(after, before, &case);
        if let Ok(answer) = answer {
            // answered before the kill: the answer is what the store holds
            if answer.status == 200 {
                assert_eq!(after, before + IMPORTED, "{case}: answered 200");
            }
        }
        store.remove_imported().await;
    }
    assert!(
        killed_running >= 3,
        "only {killed_running} kills landed while the upload ran"
    );
    assert_served_as_stored(&store, dir.path()).await;
}

#[tokio::test]
async fn kill_9_of_a_server_during_an_upload_into_a_geopackage_leaves_all_or_nothing() {
    a_server_killed_mid_upload(false).await;
}

#[tokio::test]
async fn kill_9_of_a_server_during_an_upload_into_postgis_leaves_all_or_nothing() {
    a_server_killed_mid_upload(true).await;
}
