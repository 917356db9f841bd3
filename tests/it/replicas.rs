//! Several atlas servers on one store, each a real `atlas serve` process:
//! a change by any writer (a server, `atlas import`, direct SQL as QGIS
//! sends it, `sqlite3`) reaches every server through the store's change
//! feed; concurrent edits of one unit through two servers give one success
//! and one 409; event ids come from the store.

use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use serde_json::{json, Value as Json};

use crate::servers::{atlas, eventually, Server, VISIBLE_WITHIN};
use crate::support::{fresh_database, TestDatabase};

/// The demo city in a fresh PostGIS database, with a retail and an admin
/// token; the folder holds the GeoPackage and the servers' logs.
struct City {
    database: TestDatabase,
    dir: tempfile::TempDir,
    retail_token: String,
    admin_token: String,
}

impl City {
    fn store_args(&self) -> [&str; 2] {
        ["--database-url", &self.database.url]
    }

    async fn servers(&self, count: usize) -> Vec<Server> {
        let mut servers = Vec::new();
        for _ in 0..count {
            servers.push(Server::start(&self.store_args(), self.dir.path()).await);
        }
        servers
    }
}

fn token_for(store_args: &[&str], name: &str, role: &str) -> String {
    let mut add = vec!["user", "add", name, "--role", role];
    add.extend_from_slice(store_args);
    atlas(&add);
    let mut token = vec!["user", "token", name];
    token.extend_from_slice(store_args);
    atlas(&token).trim().to_string()
}

async fn demo_city() -> City {
    let database = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("demo.gpkg");
    let gpkg = gpkg.to_str().unwrap();
    atlas(&["demo", "--out", gpkg, "--seed", "1"]);
    atlas(&["load", "--from", gpkg, "--database-url", &database.url]);
    let store_args = ["--database-url", database.url.as_str()];
    let retail_token = token_for(&store_args, "winkelteam", "retail");
    let admin_token = token_for(&store_args, "beheer", "admin");
    City {
        database,
        dir,
        retail_token,
        admin_token,
    }
}

fn today() -> String {
    Utc::now().date_naive().to_string()
}

/// The z/x/y of the tile at `zoom` that holds (lon, lat), Web Mercator.
fn tile_of(lon: f64, lat: f64, zoom: u32) -> (u32, u32, u32) {
    let n = f64::from(1u32 << zoom);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let lat_rad = lat.to_radians();
    let y = ((1.0 - (lat_rad.tan() + 1.0 / lat_rad.cos()).ln() / std::f64::consts::PI) / 2.0 * n)
        .floor() as u32;
    (zoom, x, y)
}

/// An occupied bakery of the demo: (id, lon, lat).
async fn an_open_bakery(server: &Server) -> (String, f64, f64) {
    let page = server
        .get_ok("/api/layers/shop_units/features?limit=10000")
        .await;
    let feature = page["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|feature| {
            feature["properties"]["kind"] == "bakery"
                && feature["properties"]["status"] == "occupied"
        })
        .expect("the demo has an open bakery")
        .clone();
    let coordinates = &feature["geometry"]["coordinates"];
    (
        feature["id"].as_str().unwrap().to_string(),
        coordinates[0].as_f64().unwrap(),
        coordinates[1].as_f64().unwrap(),
    )
}

/// A unit's version as the store has it: its number of events.
async fn stored_version(client: &tokio_postgres::Client, unit_id: &str) -> u64 {
    let count: i64 = client
        .query_one(
            "SELECT count(*) FROM shop_unit_events WHERE unit_id = $1",
            &[&unit_id],
        )
        .await
        .unwrap()
        .get(0);
    count as u64
}

async fn version_of(server: &Server, unit_id: &str) -> u64 {
    server
        .get_ok(&format!("/api/shop_units/{unit_id}/history"))
        .await["version"]
        .as_u64()
        .unwrap()
}

fn city_vacant(summary: &Json) -> u64 {
    summary["groups"][0]["vacant"].as_u64().unwrap()
}

async fn tile_etag(server: &Server, layer: &str, (z, x, y): (u32, u32, u32)) -> String {
    let answer = server
        .get(&format!("/tiles/{layer}/{z}/{x}/{y}.mvt"))
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "tile {z}/{x}/{y} of {layer}");
    answer.header("etag").unwrap().to_string()
}

/// Whether the server answers 404 for the feature.
async fn is_gone(server: &Server, layer: &str, id: &str) -> bool {
    server
        .get(&format!("/api/layers/{layer}/features/{id}"))
        .await
        .is_ok_and(|answer| answer.status == 404)
}

/// Run one statement on a GeoPackage with the `sqlite3` shell.
fn sqlite3(gpkg: &Path, sql: &str) {
    let output = std::process::Command::new("sqlite3")
        .arg(gpkg)
        .arg(sql)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn status_of(server: &Server, layer: &str, id: &str) -> Option<Json> {
    let answer = server
        .get(&format!("/api/layers/{layer}/features/{id}"))
        .await
        .ok()?;
    (answer.status == 200).then(|| answer.json())
}

#[tokio::test]
async fn an_edit_through_one_server_shows_on_the_others_within_two_seconds() {
    let city = demo_city().await;
    let servers = city.servers(3).await;
    let (unit_id, lon, lat) = an_open_bakery(&servers[0]).await;
    let date = today();
    let summary_path = format!("/api/vacancy/summary?by=city&date={date}");
    let coverage_path = format!("/api/coverage?kind=bakery&threshold_m=800&date={date}");
    let tile = tile_of(lon, lat, 15);
    let mut before = Vec::new();
    for server in &servers[1..] {
        before.push((
            city_vacant(&server.get_ok(&summary_path).await),
            server.get_ok(&coverage_path).await["metadata"]["open_shops"]
                .as_u64()
                .unwrap(),
            tile_etag(server, "shop_units", tile).await,
        ));
    }
    let version = version_of(&servers[0], &unit_id).await;
    let answer = servers[0]
        .post_json(
            &format!("/api/shop_units/{unit_id}/events"),
            &city.retail_token,
            &json!({"version": version, "valid_from": date, "status": "vacant"}),
        )
        .await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.json()["unit"]["status"], "vacant");
    assert_eq!(answer.json()["version"], version + 1);
    for (server, (vacant_before, open_before, etag_before)) in servers[1..].iter().zip(before) {
        let (_, took) = eventually(VISIBLE_WITHIN, "the feature on another server", || async {
            let feature = status_of(server, "shop_units", &unit_id).await?;
            (feature["properties"]["status"] == "vacant").then_some(())
        })
        .await;
        eprintln!("seen on port {} after {took:?}", server.port);
        assert_eq!(
            city_vacant(&server.get_ok(&summary_path).await),
            vacant_before + 1
        );
        let coverage = server.get_ok(&coverage_path).await;
        assert_eq!(
            coverage["metadata"]["open_shops"].as_u64().unwrap(),
            open_before - 1,
            "one bakery fewer counts for coverage"
        );
        assert_ne!(
            tile_etag(server, "shop_units", tile).await,
            etag_before,
            "a new tile"
        );
        assert_eq!(version_of(server, &unit_id).await, version + 1);
    }
}

#[tokio::test]
async fn concurrent_edits_of_one_unit_through_two_servers_give_one_success_and_one_409() {
    let city = demo_city().await;
    let servers = city.servers(2).await;
    let (unit_id, _, _) = an_open_bakery(&servers[0]).await;
    let date = today();
    let client = city.database.client().await;
    for round in 0..5 {
        let version = stored_version(&client, &unit_id).await;
        for server in &servers {
            eventually(
                VISIBLE_WITHIN,
                "both servers at the stored version",
                || async { (version_of(server, &unit_id).await == version).then_some(()) },
            )
            .await;
        }
        let path = format!("/api/shop_units/{unit_id}/events");
        let status = if round % 2 == 0 { "vacant" } else { "occupied" };
        let body = json!({"version": version, "valid_from": date, "status": status});
        let (first, second) = tokio::join!(
            servers[0].post_json(&path, &city.retail_token, &body),
            servers[1].post_json(&path, &city.retail_token, &body)
        );
        let mut statuses = [first.status, second.status];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "round {round}");
    }
    let row = client
        .query_one(
            "SELECT count(*), count(DISTINCT event_id) FROM shop_unit_events",
            &[],
        )
        .await
        .unwrap();
    let (count, distinct): (i64, i64) = (row.get(0), row.get(1));
    assert_eq!(count, distinct, "every event id is unique");
}

#[tokio::test]
async fn direct_sql_insert_update_and_delete_reach_every_server() {
    let city = demo_city().await;
    let servers = city.servers(3).await;
    let client = city.database.client().await;
    // what QGIS sends: plain statements on the layer table
    client
        .batch_execute(
            "INSERT INTO companies (id, geom, name, nace, employees, contact) VALUES \
             ('co-qgis', ST_SetSRID(ST_MakePoint(5.50, 50.96), 4326), 'Bakkerij Qgis', '10710', 12, NULL)",
        )
        .await
        .unwrap();
    for server in &servers {
        eventually(VISIBLE_WITHIN, "an inserted company", || async {
            let feature = status_of(server, "companies", "co-qgis").await?;
            (feature["properties"]["employees"] == 12).then_some(())
        })
        .await;
    }
    client
        .batch_execute("UPDATE companies SET employees = 14, geom = ST_SetSRID(ST_MakePoint(5.51, 50.97), 4326) WHERE id = 'co-qgis'")
        .await
        .unwrap();
    for server in &servers {
        eventually(VISIBLE_WITHIN, "an updated company", || async {
            let feature = status_of(server, "companies", "co-qgis").await?;
            (feature["properties"]["employees"] == 14
                && feature["geometry"]["coordinates"][0] == 5.51)
                .then_some(())
        })
        .await;
    }
    client
        .batch_execute("DELETE FROM companies WHERE id = 'co-qgis'")
        .await
        .unwrap();
    for server in &servers {
        eventually(VISIBLE_WITHIN, "a deleted company", || async {
            is_gone(server, "companies", "co-qgis").await.then_some(())
        })
        .await;
    }
    // a parcel taken off the market leaves every server's site search
    let request = json!({"activity": "logistics", "min_area_m2": 1000, "limit": 100});
    let token = city.admin_token.as_str();
    let before = site_search(&servers[0], token, &request).await;
    let first_parcel = before["sites"][0]["parcels"][0]["id"]
        .as_str()
        .expect("a site on the market")
        .to_string();
    client
        .execute(
            "UPDATE parcels SET availability = 'not_offered' WHERE id = $1",
            &[&first_parcel],
        )
        .await
        .unwrap();
    for server in &servers {
        eventually(VISIBLE_WITHIN, "a parcel off the market", || async {
            let answer = site_search(server, token, &request).await;
            let listed = answer["sites"].as_array().unwrap().iter().any(|site| {
                site["parcels"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|parcel| parcel["id"] == first_parcel.as_str())
            });
            (!listed).then_some(())
        })
        .await;
    }
}

#[tokio::test]
async fn a_geometry_broken_by_another_writer_is_kept_out_and_listed_until_fixed() {
    let city = demo_city().await;
    let servers = city.servers(2).await;
    let client = city.database.client().await;
    let parcel_id: String = client
        .query_one("SELECT id FROM parcels ORDER BY id LIMIT 1", &[])
        .await
        .unwrap()
        .get(0);
    // a bow tie: the ring crosses itself
    client
        .execute(
            "UPDATE parcels SET geom = ST_GeomFromText('POLYGON((5.50 50.96, 5.51 50.97, 5.51 50.96, 5.50 50.97, 5.50 50.96))', 4326) WHERE id = $1",
            &[&parcel_id],
        )
        .await
        .unwrap();
    client
        .batch_execute(
            "UPDATE companies SET employees = 777 WHERE id = (SELECT min(id) FROM companies)",
        )
        .await
        .unwrap();
    for server in &servers {
        let (listed, _) = eventually(VISIBLE_WITHIN, "the broken parcel listed", || async {
            let answer = server
                .request(
                    "GET",
                    "/api/admin/rejected",
                    &[("Authorization", format!("Bearer {}", city.admin_token))],
                    None,
                )
                .await
                .ok()?;
            let body = answer.json();
            (body["count"] == 1).then_some(body)
        })
        .await;
        assert_eq!(listed["features"][0]["layer"], "parcels");
        assert_eq!(listed["features"][0]["id"], parcel_id.as_str());
        assert!(
            listed["features"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("invalid geometry"),
            "{listed}"
        );
        let answer = server
            .get(&format!("/api/layers/parcels/features/{parcel_id}"))
            .await
            .unwrap();
        assert_eq!(answer.status, 404, "kept out of the engine");
        // the feed goes on: the later change (a transaction of its own,
        // committed after the broken one) arrives too
        eventually(VISIBLE_WITHIN, "the later change applied", || async {
            let companies = server
                .get_ok("/api/layers/companies/features?limit=1")
                .await;
            (companies["features"][0]["properties"]["employees"] == 777).then_some(())
        })
        .await;
        let anonymous = server.get("/api/admin/rejected").await.unwrap();
        assert_eq!(anonymous.status, 401);
    }
    client
        .execute(
            "UPDATE parcels SET geom = ST_GeomFromText('POLYGON((5.50 50.96, 5.51 50.96, 5.51 50.97, 5.50 50.97, 5.50 50.96))', 4326) WHERE id = $1",
            &[&parcel_id],
        )
        .await
        .unwrap();
    for server in &servers {
        eventually(VISIBLE_WITHIN, "the fixed parcel back", || async {
            status_of(server, "parcels", &parcel_id).await.map(|_| ())
        })
        .await;
    }
}

async fn site_search(server: &Server, token: &str, request: &Json) -> Json {
    let answer = server.post_json("/api/sites/search", token, request).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()
}

fn write_companies_geojson(path: &Path, count: usize) {
    let features: Vec<Json> = (0..count)
        .map(|index| {
            json!({
                "type": "Feature",
                "properties": {"id": format!("co-import-{index:05}"), "name": format!("Import {index}"), "nace": "62010", "employees": 3},
                "geometry": {"type": "Point", "coordinates": [5.45 + (index % 100) as f64 * 0.001, 50.94 + (index / 100) as f64 * 0.001]}
            })
        })
        .collect();
    std::fs::write(
        path,
        json!({"type": "FeatureCollection", "features": features}).to_string(),
    )
    .unwrap();
}

#[tokio::test]
async fn atlas_import_into_the_store_of_running_servers_is_seen_without_a_restart() {
    let city = demo_city().await;
    let servers = city.servers(2).await;
    let count_before = servers[0].get_ok("/api/health").await["layers"]["companies"]
        .as_u64()
        .unwrap();
    let file = city.dir.path().join("companies.geojson");
    write_companies_geojson(&file, 250);
    atlas(&[
        "import",
        "companies",
        file.to_str().unwrap(),
        "--key",
        "id",
        "--database-url",
        &city.database.url,
    ]);
    for server in &servers {
        eventually(VISIBLE_WITHIN, "the imported companies", || async {
            let health = server.get_ok("/api/health").await;
            (health["layers"]["companies"].as_u64()? == count_before + 250).then_some(())
        })
        .await;
        assert!(status_of(server, "companies", "co-import-00249")
            .await
            .is_some());
    }
}

/// The GeoPackage of a running server written by `sqlite3` and by
/// `ogr2ogr -update` (GDAL, as QGIS writes): the server shows each change.
#[tokio::test]
async fn sqlite3_and_ogr2ogr_writes_to_the_geopackage_of_a_running_server_are_seen() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("demo.gpkg");
    let gpkg_text = gpkg.to_str().unwrap();
    atlas(&["demo", "--out", gpkg_text, "--seed", "1"]);
    let servers = [
        Server::start(&["--gpkg", gpkg_text], dir.path()).await,
        Server::start(&["--gpkg", gpkg_text], dir.path()).await,
    ];
    let unit = servers[0]
        .get_ok("/api/layers/shop_units/features?limit=1")
        .await["features"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    sqlite3(
        &gpkg,
        &format!("UPDATE shop_units SET address = 'Vennestraat 999' WHERE id = '{unit}';"),
    );
    for server in &servers {
        eventually(VISIBLE_WITHIN, "the sqlite3 update", || async {
            let feature = status_of(server, "shop_units", &unit).await?;
            (feature["properties"]["address"] == "Vennestraat 999").then_some(())
        })
        .await;
    }
    let file = dir.path().join("companies.geojson");
    write_companies_geojson(&file, 3);
    let ogr = std::process::Command::new("ogr2ogr")
        .args(["-update", "-append", "-nln", "companies", gpkg_text])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        ogr.status.success(),
        "{}",
        String::from_utf8_lossy(&ogr.stderr)
    );
    for server in &servers {
        eventually(VISIBLE_WITHIN, "the ogr2ogr append", || async {
            status_of(server, "companies", "co-import-00002")
                .await
                .map(|_| ())
        })
        .await;
    }
    sqlite3(&gpkg, "DELETE FROM companies WHERE id = 'co-import-00001';");
    for server in &servers {
        eventually(VISIBLE_WITHIN, "the sqlite3 delete", || async {
            is_gone(server, "companies", "co-import-00001")
                .await
                .then_some(())
        })
        .await;
    }
}

#[tokio::test]
async fn postgres_restarted_under_three_servers_reads_go_on_a_write_is_503_and_all_catch_up() {
    let cluster = crate::servers::OwnCluster::start();
    let url = cluster.url();
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("demo.gpkg");
    let gpkg = gpkg.to_str().unwrap();
    atlas(&["migrate", "--database-url", &url]);
    atlas(&["demo", "--out", gpkg, "--seed", "1"]);
    atlas(&["load", "--from", gpkg, "--database-url", &url]);
    let store_args = ["--database-url", url.as_str()];
    let token = token_for(&store_args, "winkelteam", "retail");
    let mut servers = Vec::new();
    for _ in 0..3 {
        servers.push(Server::start(&store_args, dir.path()).await);
    }
    let (unit_id, _, _) = an_open_bakery(&servers[0]).await;
    let version = version_of(&servers[0], &unit_id).await;
    let summary_path = format!("/api/vacancy/summary?by=city&date={}", today());
    let summary = servers[0].get_ok(&summary_path).await;

    cluster.stop();
    for server in &servers {
        // reads go on from memory
        assert_eq!(server.get_ok(&summary_path).await, summary);
        let unit = status_of(server, "shop_units", &unit_id)
            .await
            .expect("read from memory");
        assert_eq!(unit["properties"]["status"], "occupied");
        assert_eq!(
            server
                .get("/tiles/shop_units/15/16884/10974.mvt")
                .await
                .unwrap()
                .status
                / 100,
            2
        );
    }
    let path = format!("/api/shop_units/{unit_id}/events");
    let body = json!({"version": version, "valid_from": today(), "status": "vacant"});
    let refused = servers[1].post_json(&path, &token, &body).await;
    assert_eq!(
        refused.status,
        503,
        "{}",
        String::from_utf8_lossy(&refused.body)
    );
    assert!(refused.header("retry-after").is_some());
    assert!(refused.json()["error"]
        .as_str()
        .unwrap()
        .contains("nothing was written"));

    cluster.restart_later();
    // another writer commits as soon as the database is back
    let client = crate::support::connect(&url).await;
    client
        .batch_execute(
            "UPDATE companies SET employees = 4242 WHERE id = (SELECT min(id) FROM companies)",
        )
        .await
        .unwrap();
    for server in &servers {
        eventually(
            Duration::from_secs(15),
            "the write made after the restart",
            || async {
                let page = server
                    .get_ok("/api/layers/companies/features?limit=1")
                    .await;
                (page["features"][0]["properties"]["employees"] == 4242).then_some(())
            },
        )
        .await;
        assert_eq!(
            version_of(server, &unit_id).await,
            version,
            "the refused edit wrote nothing"
        );
    }
    // writes work again without restarting the atlas
    let (answer, _) = eventually(
        Duration::from_secs(15),
        "an edit after the restart",
        || async {
            let answer = servers[2].post_json(&path, &token, &body).await;
            (answer.status == 200).then_some(answer)
        },
    )
    .await;
    assert_eq!(answer.json()["version"], version + 1);
    for server in &servers {
        eventually(VISIBLE_WITHIN, "the edit after the restart", || async {
            (version_of(server, &unit_id).await == version + 1).then_some(())
        })
        .await;
    }
}

#[tokio::test]
async fn kill_9_of_a_server_in_a_burst_of_edits_loses_nothing_committed() {
    let city = demo_city().await;
    let mut servers = city.servers(2).await;
    let page = servers[0]
        .get_ok("/api/layers/shop_units/features?limit=40")
        .await;
    let units: Vec<String> = page["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|feature| feature["id"].as_str().unwrap().to_string())
        .collect();
    let mut versions = Vec::new();
    for unit in &units {
        versions.push(version_of(&servers[0], unit).await);
    }
    let port = servers[0].port;
    let token = city.retail_token.clone();
    let date = today();
    let burst = {
        let units = units.clone();
        let versions = versions.clone();
        tokio::spawn(async move {
            let client = crate::servers::Client { port };
            let mut confirmed = Vec::new();
            for (unit, version) in units.iter().zip(versions) {
                let body = json!({"version": version, "valid_from": date, "status": "renovation"});
                match client
                    .post_json(&format!("/api/shop_units/{unit}/events"), &token, &body)
                    .await
                {
                    Ok(answer) if answer.status == 200 => confirmed.push(unit.clone()),
                    _ => break,
                }
            }
            confirmed
        })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    servers[0].kill();
    let confirmed = burst.await.unwrap();
    assert!(
        !confirmed.is_empty() && confirmed.len() < units.len(),
        "killed mid-burst: {} of {}",
        confirmed.len(),
        units.len()
    );
    // nothing confirmed is lost, nothing is half written: every unit's row
    // and history agree, in the store and on the surviving server
    let client = city.database.client().await;
    for (unit, version) in units.iter().zip(&versions) {
        let row = client
            .query_one(
                "SELECT (SELECT count(*) FROM shop_unit_events WHERE unit_id = $1), \
                 (SELECT status FROM shop_units WHERE id = $1)",
                &[unit],
            )
            .await
            .unwrap();
        let (stored_version, status): (i64, String) = (row.get(0), row.get(1));
        if confirmed.contains(unit) {
            assert_eq!(stored_version as u64, version + 1, "{unit}");
        }
        let edited = stored_version as u64 == version + 1;
        assert_eq!(
            edited,
            status == "renovation",
            "{unit}: row and history agree"
        );
    }
    let restarted = Server::start(&city.store_args(), city.dir.path()).await;
    let summary_path = format!("/api/vacancy/summary?by=street&date={}", today());
    eventually(
        VISIBLE_WITHIN,
        "the same figures on both servers",
        || async {
            let survivor = servers[1].get_ok(&summary_path).await;
            (survivor == restarted.get_ok(&summary_path).await).then_some(())
        },
    )
    .await;
}

/// Regression (issue 17, item 2): a client that hung up right after sending
/// an edit left the server's snapshot behind the store, and every later
/// edit failed. Now the edit is either not begun or committed and applied
/// (the work after a commit runs without the client): the server shows
/// what the store holds, and the next edit succeeds.
#[tokio::test]
async fn a_client_that_hangs_up_during_an_edit_leaves_editing_working() {
    use tokio::io::AsyncWriteExt;
    let city = demo_city().await;
    let servers = city.servers(1).await;
    let (unit_id, _, _) = an_open_bakery(&servers[0]).await;
    let version = version_of(&servers[0], &unit_id).await;
    let body = json!({"version": version, "valid_from": today(), "status": "vacant"}).to_string();
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", servers[0].port))
        .await
        .unwrap();
    let request = format!(
        "POST /api/shop_units/{unit_id}/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        city.retail_token,
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    drop(stream); // hang up without reading the answer
    tokio::time::sleep(Duration::from_millis(500)).await;
    let client = city.database.client().await;
    let stored = stored_version(&client, &unit_id).await;
    assert!(stored == version || stored == version + 1);
    eventually(
        VISIBLE_WITHIN,
        "the server at the stored version",
        || async { (version_of(&servers[0], &unit_id).await == stored).then_some(()) },
    )
    .await;
    let next = servers[0]
        .post_json(
            &format!("/api/shop_units/{unit_id}/events"),
            &city.retail_token,
            &json!({"version": stored, "valid_from": today(), "status": "occupied"}),
        )
        .await;
    assert_eq!(next.status, 200, "{}", String::from_utf8_lossy(&next.body));
    assert_eq!(next.json()["version"], stored + 1);
}

/// Regression (issue 17, item 4): two edits of one unit on one day within a
/// second: the map kept the first while the history had the second. The
/// answer, the engine and the stored row now all follow the history.
#[tokio::test]
async fn two_edits_of_one_unit_within_a_second_both_reach_the_map() {
    let city = demo_city().await;
    let servers = city.servers(1).await;
    let (unit_id, _, _) = an_open_bakery(&servers[0]).await;
    let version = version_of(&servers[0], &unit_id).await;
    let path = format!("/api/shop_units/{unit_id}/events");
    let date = today();
    for (offset, status) in ["vacant", "renovation"].iter().enumerate() {
        let answer = servers[0]
            .post_json(
                &path,
                &city.retail_token,
                &json!({"version": version + offset as u64, "valid_from": date, "status": status}),
            )
            .await;
        assert_eq!(
            answer.status,
            200,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        assert_eq!(
            answer.json()["unit"]["status"],
            *status,
            "the answer is the new state"
        );
    }
    let feature = status_of(&servers[0], "shop_units", &unit_id)
        .await
        .unwrap();
    assert_eq!(feature["properties"]["status"], "renovation");
    let client = city.database.client().await;
    let stored: String = client
        .query_one("SELECT status FROM shop_units WHERE id = $1", &[&unit_id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, "renovation", "the stored row follows the history");
}
