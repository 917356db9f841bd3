//! Import benchmark: one million parcels from a GeoPackage into PostGIS,
//! through `atlas import` (GDAL read, reprojection, mapping, validation of
//! every feature, one `Store::write`) against `ogr2ogr -f PostgreSQL` of the
//! same file into a fresh table of the same database (the baseline), in one
//! run, with the ratio, features per second and peak memory (VmHWM).
//!
//! The parcels are the demo's at scale 27 (1,035,882 parcels, EPSG:4326),
//! written to `target/bench-data/parcels-scale27.gpkg` once by a child
//! process (so its memory is not this process's peak) and reused by later
//! runs. Run with `scripts/bench import` (it starts a throwaway PostGIS and
//! sets `ATLAS_BENCH_DATABASE_URL`). Prints a table; nothing is asserted.

mod common;

use common::fresh_database;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use genk_atlas::demo::{self, DemoParams};
use genk_atlas::import::export::{export_features, ExportFormat, ExportParams};
use genk_atlas::import::run::{import, ImportCommand};
use genk_atlas::import::{FieldMapping, ImportParams};
use genk_atlas::model::LayerId;
use genk_atlas::store::postgis::PostgisStore;

/// Demo copies side by side: 27 × 38,366 parcels ≥ one million (the city on
/// the real wijken; on the older Voronoi city 26 × 38,514 were).
const SCALE: u32 = 27;
/// Set (to the output path) in the child process that writes the GeoPackage.
const GENERATE_ENV: &str = "ATLAS_BENCH_IMPORT_GENERATE";

fn data_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("target/bench-data/parcels-scale{SCALE}.gpkg"))
}

/// The child's job: the demo at `SCALE`, its parcels to a GeoPackage.
fn generate(out: &Path) {
    let dataset = demo::generate(&DemoParams {
        scale: SCALE,
        ..DemoParams::default()
    });
    let parcels = dataset.features(LayerId::Parcels);
    let partial = out.with_extension("partial.gpkg");
    let _ = std::fs::remove_file(&partial);
    export_features(
        &ExportParams {
            layer: LayerId::Parcels,
            format: ExportFormat::GeoPackage,
            out: partial.clone(),
            crs: None,
            include_confidential: true,
        },
        &parcels,
    )
    .expect("write the parcels GeoPackage");
    std::fs::rename(&partial, out).expect("move the GeoPackage into place");
}

/// CPU seconds (user + system) a process has used so far, from
/// `/proc/PID/stat` (fields 14 and 15, in clock ticks of 1/100 s).
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// This process's peak resident memory (VmHWM), in MiB.
fn vm_hwm_mib(pid: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

async fn count_rows(url: &str, table: &str) -> i64 {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    client
        .query_one(&format!("SELECT count(*) FROM \"{table}\""), &[])
        .await
        .expect("count rows")
        .get(0)
}

fn params(path: &Path) -> ImportParams {
    ImportParams {
        layer: LayerId::Parcels,
        path: path.to_path_buf(),
        source_layer: None,
        crs: None,
        mapping: FieldMapping::default(),
        key: None,
        repair: false,
        policy: Default::default(),
        surroundings: None,
    }
}

/// `ogr2ogr` of the file into table `parcels_ogr`; (wall time, its VmHWM in
/// MiB and its CPU seconds, polled every 50 ms while it runs).
fn ogr2ogr(url: &str, path: &Path) -> (Duration, f64, f64) {
    let started = Instant::now();
    let mut child = Command::new("ogr2ogr")
        .args(["-f", "PostgreSQL", &format!("PG:{url}")])
        .arg(path)
        .args(["-nln", "parcels_ogr"])
        .spawn()
        .expect("ogr2ogr runs (Debian package gdal-bin)");
    let pid = child.id().to_string();
    let mut peak: f64 = 0.0;
    let mut cpu: f64 = 0.0;
    let status = loop {
        if let Some(mib) = vm_hwm_mib(&pid) {
            peak = peak.max(mib);
        }
        if let Some(seconds) = cpu_seconds(&pid) {
            cpu = cpu.max(seconds);
        }
        if let Some(status) = child.try_wait().expect("wait for ogr2ogr") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "ogr2ogr failed: {status}");
    (started.elapsed(), peak, cpu)
}

/// The reader's floor: GDAL fetches every feature, its fields and its
/// geometry as WKB, nothing else; (wall time, features).
fn gdal_fetch_only(path: &Path) -> (Duration, usize) {
    use gdal::vector::LayerAccess;
    let started = Instant::now();
    let dataset = gdal::Dataset::open(path).expect("open the GeoPackage");
    let mut layer = dataset.layer(0).expect("its layer");
    let n_fields = layer.defn().fields().count();
    let mut n = 0;
    let mut bytes = 0usize;
    for feature in layer.features() {
        for index in 0..n_fields {
            bytes += usize::from(feature.field(index).ok().flatten().is_some());
        }
        bytes += feature
            .geometry()
            .and_then(|geometry| geometry.wkb().ok())
            .map_or(0, |wkb| wkb.len());
        n += 1;
    }
    std::hint::black_box(bytes);
    (started.elapsed(), n)
}

fn main() {
    if let Ok(out) = std::env::var(GENERATE_ENV) {
        generate(Path::new(&out));
        return;
    }
    let Ok(admin_url) = std::env::var("ATLAS_BENCH_DATABASE_URL") else {
        eprintln!("ATLAS_BENCH_DATABASE_URL is not set: run scripts/bench import");
        return;
    };
    let path = data_path();
    if !path.exists() {
        std::fs::create_dir_all(path.parent().expect("a folder"))
            .expect("create target/bench-data");
        let started = Instant::now();
        let status = Command::new(std::env::current_exe().expect("this benchmark's path"))
            .env(GENERATE_ENV, &path)
            .status()
            .expect("run the generator");
        assert!(status.success(), "generating the parcels failed");
        println!(
            "generated {} in {:.1} s (not timed below)",
            path.display(),
            started.elapsed().as_secs_f64()
        );
    }
    let file_mib = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) as f64 / 1048576.0;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let url = fresh_database(&admin_url, "atlas_bench_import").await;

        // (a) atlas import into PostGIS: read + validate + one write
        let store = PostgisStore::connect(&url).await.expect("connect the store");
        let command = ImportCommand {
            params: params(&path),
            dry_run: false,
            skip_invalid: false,
            report: None,
        };
        let cpu_before = cpu_seconds("self").unwrap_or(f64::NAN);
        let started = Instant::now();
        let summary = import(command, Some(&store)).await.expect("atlas import");
        let atlas_time = started.elapsed();
        let atlas_cpu = cpu_seconds("self").unwrap_or(f64::NAN) - cpu_before;
        let atlas_peak = vm_hwm_mib("self").unwrap_or(f64::NAN);
        let atlas_rows = count_rows(&url, "parcels").await;
        assert_eq!(atlas_rows as usize, summary.n_written);

        // (b) ogr2ogr of the same file into a fresh table of the same database
        let (ogr_time, ogr_peak, ogr_cpu) = ogr2ogr(&url, &path);
        let ogr_rows = count_rows(&url, "parcels_ogr").await;
        assert_eq!(ogr_rows, atlas_rows, "both wrote every parcel");

        let fetch_only = gdal_fetch_only(&path);
        // the read + validate phase again as a dry run, for its CPU time
        let dry_cpu_before = cpu_seconds("self").unwrap_or(f64::NAN);
        let started = Instant::now();
        let dry_run = ImportCommand {
            params: params(&path),
            dry_run: true,
            skip_invalid: false,
            report: None,
        };
        let dry = import(dry_run, None).await.expect("atlas dry run");
        let dry_time = started.elapsed();
        let dry_cpu = cpu_seconds("self").unwrap_or(f64::NAN) - dry_cpu_before;
        assert_eq!(dry.n_read, summary.n_read);
        let n = summary.n_read as f64;
        let per_s = |time: Duration| n / time.as_secs_f64();
        println!(
            "\nimport of {} parcels ({file_mib:.0} MiB GeoPackage, {}) into PostGIS",
            summary.n_read, summary.source_crs
        );
        println!("| step | wall s | features/s | client CPU s | peak memory (VmHWM) |");
        println!("| --- | ---: | ---: | ---: | ---: |");
        println!(
            "| atlas import (read + validate + write) | {:.1} | {:.0} | {atlas_cpu:.1} | {atlas_peak:.0} MiB (whole bench process) |",
            atlas_time.as_secs_f64(),
            per_s(atlas_time)
        );
        println!(
            "|   of which read + validate | {:.1} | {:.0} | | |",
            summary.read_seconds,
            n / summary.read_seconds
        );
        println!(
            "|   of which write (COPY + insert, one transaction) | {:.1} | {:.0} | | |",
            atlas_time.as_secs_f64() - summary.read_seconds,
            n / (atlas_time.as_secs_f64() - summary.read_seconds)
        );
        println!(
            "| atlas read + validate alone (dry run, after) | {:.1} | {:.0} | {dry_cpu:.1} | |",
            dry_time.as_secs_f64(),
            per_s(dry_time)
        );
        println!(
            "| GDAL fetch alone (fields + WKB, one thread) | {:.1} | {:.0} | | |",
            fetch_only.0.as_secs_f64(),
            fetch_only.1 as f64 / fetch_only.0.as_secs_f64()
        );
        println!(
            "| ogr2ogr -f PostgreSQL (no validation) | {:.1} | {:.0} | {ogr_cpu:.1} | {ogr_peak:.0} MiB |",
            ogr_time.as_secs_f64(),
            per_s(ogr_time)
        );
        println!(
            "load average (1, 5, 15 min) at the end: {}",
            std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
        );
        println!(
            "\natlas / ogr2ogr speed: {:.2}x (> 1: atlas faster; target >= 1 while validating)",
            ogr_time.as_secs_f64() / atlas_time.as_secs_f64()
        );
    });
}
