//! The `atlas` binary end to end: one-line start-up errors, a byte-identical
//! demo for the same seed, `atlas load` into PostGIS, and serving from PostGIS.

use std::process::{Command, Stdio};

use genk_atlas::store::geopackage::GeoPackageStore;
use genk_atlas::store::read_dataset;

use crate::support::fresh_database;

/// Run the built `atlas` binary; returns (exit success, stderr).
fn atlas(args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_atlas"))
        .args(args)
        .env_remove("ATLAS_DATABASE_URL")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_one_line_error(stderr: &str, expected: &str) {
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("error"))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].contains(expected),
        "'{}' does not mention '{expected}'",
        lines[0]
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[test]
fn serving_a_missing_geopackage_is_a_one_line_error() {
    let (ok, stderr) = atlas(&[
        "serve",
        "--gpkg",
        "/nonexistent/atlas.gpkg",
        "--addr",
        "127.0.0.1:0",
    ]);
    assert!(!ok);
    assert_one_line_error(&stderr, "/nonexistent/atlas.gpkg");
}

#[test]
fn serving_a_corrupt_geopackage_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corrupt.gpkg");
    std::fs::write(&path, b"this is not a GeoPackage at all, just text").unwrap();
    let (ok, stderr) = atlas(&[
        "serve",
        "--gpkg",
        path.to_str().unwrap(),
        "--addr",
        "127.0.0.1:0",
    ]);
    assert!(!ok);
    assert_one_line_error(&stderr, "corrupt.gpkg");
}

#[test]
fn serving_an_unreachable_database_is_a_one_line_error() {
    let (ok, stderr) = atlas(&[
        "serve",
        "--database-url",
        "postgresql://atlas:secret@127.0.0.1:1/atlas",
        "--addr",
        "127.0.0.1:0",
    ]);
    assert!(!ok);
    assert_one_line_error(&stderr, "127.0.0.1");
    assert!(!stderr.contains("secret"), "the password leaked: {stderr}");
}

#[test]
fn demo_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exists.gpkg");
    std::fs::write(&path, b"keep me").unwrap();
    let (ok, stderr) = atlas(&["demo", "--out", path.to_str().unwrap()]);
    assert!(!ok);
    assert_one_line_error(&stderr, "--force");
    assert_eq!(std::fs::read(&path).unwrap(), b"keep me");
}

#[test]
fn the_same_seed_gives_a_byte_identical_demo() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.gpkg");
    let second = dir.path().join("second.gpkg");
    let other_seed = dir.path().join("other.gpkg");
    for (path, seed) in [(&first, "7"), (&second, "7"), (&other_seed, "8")] {
        let (ok, stderr) = atlas(&["demo", "--out", path.to_str().unwrap(), "--seed", seed]);
        assert!(ok, "{stderr}");
    }
    let first = std::fs::read(first).unwrap();
    assert!(
        first == std::fs::read(second).unwrap(),
        "two demos with seed 7 differ"
    );
    assert!(
        first != std::fs::read(other_seed).unwrap(),
        "seeds 7 and 8 gave the same file"
    );
}

#[test]
fn ogrinfo_lists_every_demo_layer_with_its_count_in_epsg_4326() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("genk.gpkg");
    let (ok, stderr) = atlas(&["demo", "--out", path.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    let dataset = genk_atlas::demo::generate(&genk_atlas::demo::DemoParams::default());
    let output = Command::new("ogrinfo")
        .args(["-so", "-al", path.to_str().unwrap()])
        .output()
        .expect("ogrinfo (gdal-bin) is installed by scripts/test");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && !String::from_utf8_lossy(&output.stderr).contains("Warning"),
        "{text}"
    );
    for (layer, count) in dataset.counts() {
        let section = text
            .split("Layer name: ")
            .find(|part| part.starts_with(layer.as_str()))
            .unwrap_or_else(|| panic!("{layer} missing in {text}"));
        assert!(
            section.contains(&format!("Feature Count: {count}\n")),
            "{layer}: {section}"
        );
        assert!(
            section.contains("\"EPSG\",4326"),
            "{layer} is not EPSG:4326"
        );
    }
}

#[tokio::test]
async fn load_copies_the_demo_into_postgis_and_serve_answers_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("genk.gpkg");
    let (ok, stderr) = atlas(&["demo", "--out", path.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    let database = fresh_database().await;
    let (ok, stderr) = atlas(&[
        "load",
        "--from",
        path.to_str().unwrap(),
        "--database-url",
        &database.url,
    ]);
    assert!(ok, "{stderr}");

    let from_gpkg = read_dataset(&GeoPackageStore::open(&path).unwrap())
        .await
        .unwrap();
    let from_postgis = read_dataset(&database.store().await).await.unwrap();
    assert_eq!(from_postgis.counts(), from_gpkg.counts());
    assert!(
        from_postgis == from_gpkg,
        "PostGIS holds other data than the GeoPackage"
    );

    // serve from PostGIS on a free port and ask for its health
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_atlas"))
        .args([
            "serve",
            "--database-url",
            &database.url,
            "--addr",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let health = async {
        for _ in 0..100 {
            if let Ok(body) = http_get(port, "/api/health").await {
                return body;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("atlas serve --database-url did not answer");
    }
    .await;
    server.kill().unwrap();
    let _ = server.wait();
    let health: serde_json::Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["store"], "postgis");
    assert_eq!(health["layers"]["parcels"], from_gpkg.parcels.len());
}

/// The body of a plain HTTP/1.1 GET on localhost.
async fn http_get(port: u16, path: &str) -> std::io::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .ok_or_else(|| std::io::Error::other("no body"))
}
