//! `atlas import` and `atlas export` on real Flemish open data (the project's
//! own copy in `geodata/open/`: a GeoJSON with a legacy `crs` member and
//! zipped Shapefiles, as the city hands them over) and on small bad inputs: all features in,
//! codes and names intact, Genk's 31 wijken summing to 87.57 km², every
//! geometry valid, coordinates within 0.5 m of `ogr2ogr -t_srs EPSG:4326`;
//! a clear error and an unchanged store for every bad input; export then
//! import gives back the same features.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use gdal::vector::ToGdal;
use genk_atlas::engine::measure::{area_m2, distance_m};
use genk_atlas::import::{read_source, FieldMapping, ImportParams};
use genk_atlas::model::{Feature, LayerId, Value};
use genk_atlas::store::geopackage::GeoPackageStore;
use genk_atlas::store::LayerStore;
use geo::{CoordsIter, Geometry};

use crate::support::fresh_database;

/// Genk's area by the municipality polygon, in km² (data README).
const GENK_KM2: f64 = 87.57;

/// A file of the project's open data, or a clear failure when it is missing.
fn open_data(relative: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("geodata/open")
        .join(relative);
    assert!(
        path.is_file(),
        "{} is missing: the import tests read the real open data in geodata/open (see its README)",
        path.display()
    );
    path
}

fn genk_wijken() -> PathBuf {
    open_data("genk/genk_wijken_ggw7_epsg31370.geojson")
}

/// The parts of a zipped Shapefile (`geodata/open/flanders/NAME.shp.zip`)
/// unzipped into `dir` by GDAL's virtual file system; returns the `.shp`.
fn unzipped_shapefile(name: &str, dir: &Path) -> PathBuf {
    let zip = open_data(&format!("flanders/{name}.shp.zip"));
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        let from =
            std::ffi::CString::new(format!("/vsizip/{}/{name}.{ext}", zip.display())).unwrap();
        let to = dir.join(format!("{name}.{ext}"));
        let to = std::ffi::CString::new(to.to_str().unwrap()).unwrap();
        // SAFETY: two valid NUL-terminated paths; GDAL copies one file to the other.
        let status = unsafe { gdal_sys::CPLCopyFile(to.as_ptr(), from.as_ptr()) };
        assert_eq!(
            status,
            0,
            "cannot unzip {name}.{ext} from {}",
            zip.display()
        );
    }
    dir.join(format!("{name}.shp"))
}

/// Run the built `atlas`; returns (success, stdout, stderr).
fn atlas(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_atlas"))
        .args(args)
        .env_remove("ATLAS_DATABASE_URL")
        .output()
        .expect("the atlas binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The usual options for the wijk and municipality files.
const NEIGHBOURHOOD_MAP: [&str; 6] = [
    "--map",
    "code=geoitem",
    "--map",
    "name=naam",
    "--default",
    "population=0",
];

fn import_neighbourhoods(path: &Path, target: &[&str]) -> (bool, String, String) {
    let mut args = vec!["import", "neighbourhoods", path.to_str().unwrap()];
    args.extend(NEIGHBOURHOOD_MAP);
    args.extend(target);
    atlas(&args)
}

/// (code, name) of every feature of a source file, read with GDAL directly.
fn source_codes_and_names(path: &Path) -> BTreeMap<String, String> {
    use gdal::vector::LayerAccess;
    let dataset = gdal::Dataset::open(path).unwrap();
    let mut layer = dataset.layer(0).unwrap();
    layer
        .features()
        .map(|feature| {
            let text = |name: &str| {
                let index = feature.field_index(name).unwrap();
                feature.field_as_string(index).unwrap().unwrap()
            };
            let (code, name) = (text("geoitem"), text("naam"));
            (code, name)
        })
        .collect()
}

fn codes_and_names(features: &[Feature]) -> BTreeMap<String, String> {
    let schema = LayerId::Neighbourhoods.schema();
    features
        .iter()
        .map(|feature| {
            assert_eq!(
                feature.get(schema, "code"),
                Some(&Value::Text(feature.id.clone()))
            );
            let Some(Value::Text(name)) = feature.get(schema, "name") else {
                panic!("{} has no name", feature.id)
            };
            (feature.id.clone(), name.clone())
        })
        .collect()
}

fn assert_all_valid(features: &[Feature]) {
    for feature in features {
        let geometry = feature.geometry.to_gdal().unwrap();
        assert!(
            geometry.is_valid(),
            "{} is not a valid geometry",
            feature.id
        );
    }
}

fn genk_km2(features: &[Feature]) -> f64 {
    features
        .iter()
        .filter(|feature| feature.id.starts_with("71016W"))
        .map(|feature| area_m2(&feature.geometry))
        .sum::<f64>()
        / 1e6
}

fn assert_genk_area(km2: f64) {
    let error = (km2 - GENK_KM2).abs() / GENK_KM2;
    assert!(
        error < 0.005,
        "Genk measures {km2:.3} km², not {GENK_KM2} km² within 0.5%"
    );
}

async fn gpkg_layer(path: &Path, layer: LayerId) -> Vec<Feature> {
    GeoPackageStore::open(path)
        .unwrap()
        .read_layer(layer)
        .await
        .unwrap()
}

#[tokio::test]
async fn genk_wijken_geojson_with_a_legacy_crs_member_into_a_geopackage() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("atlas.gpkg");
    let (ok, stdout, stderr) =
        import_neighbourhoods(&genk_wijken(), &["--gpkg", gpkg.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("imported 31 of 31") && stdout.contains("EPSG:31370"),
        "{stdout}"
    );
    let features = gpkg_layer(&gpkg, LayerId::Neighbourhoods).await;
    assert_eq!(features.len(), 31);
    assert_eq!(
        codes_and_names(&features),
        source_codes_and_names(&genk_wijken())
    );
    assert!(features
        .iter()
        .all(|feature| matches!(feature.geometry, Geometry::MultiPolygon(_))));
    assert_genk_area(genk_km2(&features));
    assert_all_valid(&features);

    // importing again upserts by code: still 31
    let (ok, _, stderr) =
        import_neighbourhoods(&genk_wijken(), &["--gpkg", gpkg.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert_eq!(gpkg_layer(&gpkg, LayerId::Neighbourhoods).await.len(), 31);
}

#[tokio::test]
async fn all_2767_flemish_wijken_from_a_shapefile_into_postgis() {
    let path = open_data("flanders/ggw7.shp.zip");
    let database = fresh_database().await;
    let (ok, stdout, stderr) = import_neighbourhoods(&path, &["--database-url", &database.url]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("imported 2767 of 2767"), "{stdout}");
    let features = database
        .store()
        .await
        .read_layer(LayerId::Neighbourhoods)
        .await
        .unwrap();
    assert_eq!(features.len(), 2767);
    assert_eq!(codes_and_names(&features), source_codes_and_names(&path));
    assert_genk_area(genk_km2(&features));
    let invalid: i64 = database
        .client()
        .await
        .query_one(
            "SELECT count(*) FROM neighbourhoods WHERE NOT ST_IsValid(geom)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(invalid, 0, "PostGIS finds invalid geometries");
}

#[tokio::test]
async fn all_304_municipalities_from_a_shapefile_into_a_geopackage() {
    let path = open_data("flanders/gemeente.shp.zip");
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("atlas.gpkg");
    let (ok, _, stderr) = import_neighbourhoods(&path, &["--gpkg", gpkg.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    let features = gpkg_layer(&gpkg, LayerId::Neighbourhoods).await;
    assert_eq!(features.len(), 304);
    assert_eq!(codes_and_names(&features), source_codes_and_names(&path));
    let genk = features
        .iter()
        .find(|feature| feature.id == "71016")
        .expect("Genk is 71016");
    assert_genk_area(area_m2(&genk.geometry) / 1e6);
    assert_all_valid(&features);
}

fn neighbourhood_params(path: &Path) -> ImportParams {
    ImportParams {
        layer: LayerId::Neighbourhoods,
        path: path.to_path_buf(),
        source_layer: None,
        crs: None,
        mapping: FieldMapping {
            renames: vec![
                ("code".into(), "geoitem".into()),
                ("name".into(), "naam".into()),
            ],
            defaults: vec![("population".into(), "0".into())],
        },
        key: None,
        repair: false,
        policy: Default::default(),
        surroundings: None,
    }
}

#[test]
fn reprojection_is_within_half_a_metre_of_ogr2ogr() {
    let dir = tempfile::tempdir().unwrap();
    let reference = dir.path().join("ogr2ogr.geojson");
    let status = Command::new("ogr2ogr")
        .args([
            "-f",
            "GeoJSON",
            "-t_srs",
            "EPSG:4326",
            "-lco",
            "COORDINATE_PRECISION=10",
        ])
        .arg(&reference)
        .arg(genk_wijken())
        .status()
        .expect("ogr2ogr (gdal-bin) is installed by scripts/test");
    assert!(status.success());
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&reference).unwrap()).unwrap();
    let outcome = read_source(&neighbourhood_params(&genk_wijken()), &|_, _| {}).unwrap();
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    let ours: BTreeMap<&str, &Feature> = outcome
        .features
        .iter()
        .map(|feature| (feature.id.as_str(), feature))
        .collect();
    let mut n_compared = 0;
    let mut worst_m: f64 = 0.0;
    for feature in reference["features"].as_array().unwrap() {
        let code = feature["properties"]["geoitem"].as_str().unwrap();
        let ring_sets = match feature["geometry"]["type"].as_str().unwrap() {
            "Polygon" => vec![feature["geometry"]["coordinates"].clone()],
            _ => feature["geometry"]["coordinates"]
                .as_array()
                .unwrap()
                .clone(),
        };
        let expected: Vec<(f64, f64)> = ring_sets
            .iter()
            .flat_map(|rings| rings.as_array().unwrap().clone())
            .flat_map(|ring| ring.as_array().unwrap().clone())
            .map(|xy| (xy[0].as_f64().unwrap(), xy[1].as_f64().unwrap()))
            .collect();
        let got: Vec<_> = ours[code].geometry.coords_iter().collect();
        assert_eq!(
            got.len(),
            expected.len(),
            "{code}: another number of vertices"
        );
        for (coord, (x, y)) in got.iter().zip(expected) {
            let metres = distance_m(geo::Point::from(*coord), geo::Point::new(x, y));
            worst_m = worst_m.max(metres);
            n_compared += 1;
        }
    }
    eprintln!("worst vertex distance to ogr2ogr: {worst_m:.6} m over {n_compared} vertices");
    assert!(n_compared > 1000, "{n_compared}");
    assert!(worst_m < 0.5, "a vertex lies {worst_m:.3} m from ogr2ogr's");
}

// ---- bad input: a clear error each, nothing written ----

/// A GeoPackage holding the 31 Genk wijken, to see that bad imports leave it alone.
async fn store_with_genk(dir: &Path) -> PathBuf {
    let gpkg = dir.join("atlas.gpkg");
    let (ok, _, stderr) =
        import_neighbourhoods(&genk_wijken(), &["--gpkg", gpkg.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    gpkg
}

/// Import `path` into the store with extra options: it must fail with one
/// error line mentioning `expected`, and the store must still hold the 31 wijken.
async fn assert_refused(gpkg: &Path, path: &Path, extra: &[&str], expected: &str) {
    let before = gpkg_layer(gpkg, LayerId::Neighbourhoods).await;
    let mut target = vec!["--gpkg", gpkg.to_str().unwrap()];
    target.extend(extra);
    let (ok, _, stderr) = import_neighbourhoods(path, &target);
    assert!(!ok, "importing {} succeeded", path.display());
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("error"))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains(expected),
        "'{}' does not mention '{expected}'",
        errors[0]
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        gpkg_layer(gpkg, LayerId::Neighbourhoods).await,
        before,
        "the store changed"
    );
}

/// Copy a shapefile's parts (without those in `leave_out`) to `dir` as `name.*`.
fn copy_shapefile(source: &Path, dir: &Path, name: &str, leave_out: &[&str]) -> PathBuf {
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        if !leave_out.contains(&ext) {
            std::fs::copy(
                source.with_extension(ext),
                dir.join(format!("{name}.{ext}")),
            )
            .unwrap();
        }
    }
    dir.join(format!("{name}.shp"))
}

const MIXED_GEOMETRIES: &str = r#"{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"geoitem": "X1", "naam": "Vierkant"},
  "geometry": {"type": "Polygon", "coordinates": [[[5.50, 50.96], [5.51, 50.96], [5.51, 50.97], [5.50, 50.97], [5.50, 50.96]]]}},
 {"type": "Feature", "properties": {"geoitem": "X2", "naam": "Punt"},
  "geometry": {"type": "Point", "coordinates": [5.50, 50.96]}}
]}"#;

#[tokio::test]
async fn bad_inputs_are_clear_errors_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = store_with_genk(dir.path()).await;
    let unzipped = tempfile::tempdir().unwrap();
    let ggw7 = unzipped_shapefile("ggw7", unzipped.path());

    let empty = dir.path().join("empty.geojson");
    std::fs::write(&empty, b"").unwrap();
    assert_refused(&gpkg, &empty, &[], "cannot open").await;

    let no_features = dir.path().join("none.geojson");
    std::fs::write(
        &no_features,
        br#"{"type": "FeatureCollection", "features": []}"#,
    )
    .unwrap();
    assert_refused(&gpkg, &no_features, &[], "has no features").await;

    let no_crs = copy_shapefile(&ggw7, dir.path(), "no_crs", &["prj"]);
    assert_refused(&gpkg, &no_crs, &[], "--crs").await;

    let mixed = dir.path().join("mixed.geojson");
    std::fs::write(&mixed, MIXED_GEOMETRIES).unwrap();
    assert_refused(&gpkg, &mixed, &[], "expected MultiPolygon, got Point").await;

    assert_refused(
        &gpkg,
        &genk_wijken(),
        &["--map", "inhabitants=naam"],
        "'inhabitants'",
    )
    .await;
    assert_refused(&gpkg, &genk_wijken(), &["--map", "name=naem"], "'naem'").await;

    // a shapefile cut off halfway through its geometries
    let truncated = copy_shapefile(&ggw7, dir.path(), "truncated", &[]);
    let shp = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &shp[..shp.len() / 2]).unwrap();
    assert_refused(&gpkg, &truncated, &[], "").await;

    // a .shx header that claims 1000 more records than there are
    let inflated = copy_shapefile(&ggw7, dir.path(), "inflated", &[]);
    let shx_path = inflated.with_extension("shx");
    let mut shx = std::fs::read(&shx_path).unwrap();
    let words = u32::from_be_bytes(shx[24..28].try_into().unwrap()) + 1000 * 4;
    shx[24..28].copy_from_slice(&words.to_be_bytes());
    std::fs::write(&shx_path, &shx).unwrap();
    assert_refused(&gpkg, &inflated, &[], "").await;

    // a .dbf header that claims 1000 more records than there are
    let inflated_dbf = copy_shapefile(&ggw7, dir.path(), "inflated_dbf", &[]);
    let dbf_path = inflated_dbf.with_extension("dbf");
    let mut dbf = std::fs::read(&dbf_path).unwrap();
    let records = u32::from_le_bytes(dbf[4..8].try_into().unwrap()) + 1000;
    dbf[4..8].copy_from_slice(&records.to_le_bytes());
    std::fs::write(&dbf_path, &dbf).unwrap();
    assert_refused(&gpkg, &inflated_dbf, &[], "").await;
}

#[tokio::test]
async fn skip_invalid_writes_the_valid_features_and_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("atlas.gpkg");
    let mixed = dir.path().join("mixed.geojson");
    std::fs::write(&mixed, MIXED_GEOMETRIES).unwrap();
    let report = dir.path().join("report.tsv");

    let (ok, _, stderr) = import_neighbourhoods(
        &mixed,
        &[
            "--gpkg",
            gpkg.to_str().unwrap(),
            "--dry-run",
            "--skip-invalid",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert!(ok, "{stderr}");
    assert!(
        gpkg_layer(&gpkg, LayerId::Neighbourhoods).await.is_empty(),
        "a dry run wrote"
    );

    let (ok, stdout, stderr) = import_neighbourhoods(
        &mixed,
        &[
            "--gpkg",
            gpkg.to_str().unwrap(),
            "--skip-invalid",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("imported 1 of 2"), "{stdout}");
    let features = gpkg_layer(&gpkg, LayerId::Neighbourhoods).await;
    assert_eq!(
        features.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        ["X1"]
    );
    let report = std::fs::read_to_string(report).unwrap();
    assert_eq!(report.lines().count(), 2, "{report}");
    assert!(
        report.contains("X2\tgeometry\texpected MultiPolygon, got Point"),
        "{report}"
    );
}

#[tokio::test]
async fn an_invalid_geometry_is_rejected_or_repaired_with_make_valid() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("atlas.gpkg");
    let bow_tie = dir.path().join("bow_tie.geojson");
    std::fs::write(
        &bow_tie,
        r#"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"geoitem": "B1", "naam": "Strik"},
          "geometry": {"type": "Polygon", "coordinates": [[[5.50, 50.96], [5.51, 50.97], [5.51, 50.96], [5.50, 50.97], [5.50, 50.96]]]}}]}"#,
    )
    .unwrap();
    let (ok, _, stderr) = import_neighbourhoods(&bow_tie, &["--gpkg", gpkg.to_str().unwrap()]);
    assert!(
        !ok && stderr.contains("invalid geometry") && stderr.contains("--repair"),
        "{stderr}"
    );
    let (ok, stdout, stderr) =
        import_neighbourhoods(&bow_tie, &["--gpkg", gpkg.to_str().unwrap(), "--repair"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("1 repaired"), "{stdout}");
    let features = gpkg_layer(&gpkg, LayerId::Neighbourhoods).await;
    assert_all_valid(&features);
    assert!(matches!(&features[0].geometry, Geometry::MultiPolygon(multi) if multi.0.len() == 2));
}

#[tokio::test]
async fn lambert_numbers_in_a_geojson_without_crs_are_reported_not_guessed() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("atlas.gpkg");
    // the Genk wijken without their crs member: by RFC 7946 that is WGS 84
    let text = std::fs::read_to_string(genk_wijken()).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json.as_object_mut().unwrap().remove("crs");
    let bare = dir.path().join("bare.geojson");
    std::fs::write(&bare, json.to_string()).unwrap();
    let (ok, _, stderr) = import_neighbourhoods(&bare, &["--gpkg", gpkg.to_str().unwrap()]);
    assert!(
        !ok && stderr.contains("31 of 31 features are invalid") && stderr.contains("EPSG:4326"),
        "{stderr}"
    );
    let (ok, stdout, stderr) = import_neighbourhoods(
        &bare,
        &["--gpkg", gpkg.to_str().unwrap(), "--crs", "EPSG:31370"],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("imported 31 of 31"), "{stdout}");
}

// ---- export ----

#[tokio::test]
async fn export_then_import_gives_back_the_same_features_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = store_with_genk(dir.path()).await;
    let original = gpkg_layer(&gpkg, LayerId::Neighbourhoods).await;
    for (format, extra) in [
        ("gpkg", vec![]),
        ("geojson", vec![]),
        ("fgb", vec![]),
        ("csv", vec!["--crs", "EPSG:4326"]),
    ] {
        let out = dir.path().join(format!("wijken.{format}"));
        let (ok, _, stderr) = atlas(&[
            "export",
            "neighbourhoods",
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
            "--gpkg",
            gpkg.to_str().unwrap(),
        ]);
        assert!(ok, "{format}: {stderr}");
        let back = dir.path().join(format!("back_{format}.gpkg"));
        let mut args = vec![
            "import",
            "neighbourhoods",
            out.to_str().unwrap(),
            "--key",
            "id",
            "--gpkg",
            back.to_str().unwrap(),
        ];
        args.extend(extra);
        let (ok, _, stderr) = atlas(&args);
        assert!(ok, "{format}: {stderr}");
        let returned = gpkg_layer(&back, LayerId::Neighbourhoods).await;
        assert_eq!(returned.len(), original.len(), "{format}");
        for (a, b) in original.iter().zip(&returned) {
            assert_eq!((&a.id, &a.values), (&b.id, &b.values), "{format}");
            let worst = a
                .geometry
                .coords_iter()
                .zip(b.geometry.coords_iter())
                .map(|(p, q)| (p.x - q.x).abs().max((p.y - q.y).abs()))
                .fold(0.0, f64::max);
            assert!(worst < 1e-9, "{format}: {} moved by {worst}°", a.id);
            assert_eq!(
                a.geometry.coords_count(),
                b.geometry.coords_count(),
                "{format}"
            );
        }
    }
}

#[tokio::test]
async fn export_leaves_confidential_fields_out_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("demo.gpkg");
    let (ok, _, stderr) = atlas(&["demo", "--out", gpkg.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    for (flag, expected) in [(None, false), (Some("--include-confidential"), true)] {
        let out = dir.path().join(format!("units_{expected}.geojson"));
        let mut args = vec![
            "export",
            "shop_units",
            "--format",
            "geojson",
            "--out",
            out.to_str().unwrap(),
            "--gpkg",
            gpkg.to_str().unwrap(),
        ];
        args.extend(flag);
        let (ok, _, stderr) = atlas(&args);
        assert!(ok, "{stderr}");
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let properties = &json["features"][0]["properties"];
        assert!(properties.get("address").is_some(), "{properties}");
        assert_eq!(
            properties.get("occupant").is_some(),
            expected,
            "{properties}"
        );
    }
}

// ---- OpenStreetMap ----

#[tokio::test]
async fn an_osm_extract_gives_shop_units_and_walkable_streets() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/genk_centre.osm");
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("atlas.gpkg");
    let (ok, stdout, stderr) = atlas(&[
        "import",
        "osm",
        fixture.to_str().unwrap(),
        "--since",
        "2024-01-01",
        "--gpkg",
        gpkg.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("3 shop units and 5 streets"), "{stdout}");
    assert!(
        stderr.contains("osm-node-14\tstreet"),
        "the shop without address is reported: {stderr}"
    );
    let dataset = genk_atlas::store::read_dataset(&GeoPackageStore::open(&gpkg).unwrap())
        .await
        .unwrap();
    let units: BTreeMap<&str, (&str, Option<&str>, &str)> = dataset
        .shop_units
        .iter()
        .map(|unit| {
            (
                unit.id.as_str(),
                (
                    unit.category.as_str(),
                    unit.kind.map(|kind| kind.as_str()),
                    unit.address.as_str(),
                ),
            )
        })
        .collect();
    assert_eq!(
        units["osm-node-10"],
        ("daily", Some("bakery"), "Vennestraat 12")
    );
    assert_eq!(
        units["osm-node-11"],
        ("daily", Some("pharmacy"), "Vennestraat 40")
    );
    assert_eq!(units["osm-node-12"], ("periodic", None, "Stadsplein 3"));
    let streets: BTreeMap<&str, (&str, bool)> = dataset
        .streets
        .iter()
        .map(|street| (street.id.as_str(), (street.class.as_str(), street.walkable)))
        .collect();
    assert_eq!(
        streets,
        BTreeMap::from([
            ("osm-way-100", ("pedestrian", true)),
            ("osm-way-101", ("motorway", false)),
            ("osm-way-102", ("motorway_link", false)),
            ("osm-way-103", ("residential", true)),
            ("osm-way-104", ("footway", true)),
        ])
    );
    // the ids are the record of the import: the map credits OpenStreetMap there
    use genk_atlas::model::provenance::DataSource;
    let engine = genk_atlas::engine::Engine::from_dataset(&dataset);
    for layer in [LayerId::ShopUnits, LayerId::Streets, LayerId::Residents] {
        assert_eq!(
            engine.layer(layer).sources(layer),
            [DataSource::OpenStreetMap],
            "{layer}"
        );
    }
    for layer in [LayerId::Neighbourhoods, LayerId::Parcels] {
        assert!(engine.layer(layer).sources(layer).is_empty(), "{layer}");
    }
}

// ==== OpenStreetMap buildings as residents (issue 4: "buildings with addresses to residents") ====
// Fixture: tests/data/genk_centre.osm, ways 200-207 and relation 300.

/// The fixture's buildings that house people: id, households (hand-counted
/// from the tags) and the outline's bounding box (min lon, min lat, max lon,
/// max lat) as written in the fixture.
const OSM_HOMES: [(&str, i64, [f64; 4]); 5] = [
    ("osm-way-200", 1, [5.4990, 50.9640, 5.4993, 50.9642]), // house
    ("osm-way-201", 12, [5.5010, 50.9645, 5.5015, 50.9648]), // apartments, building:flats=12
    ("osm-way-206", 1, [5.4960, 50.9670, 5.4963, 50.9672]), // building=yes with an address
    ("osm-way-207", 2, [5.4950, 50.9675, 5.4953, 50.9677]), // retail with building:flats=2
    ("osm-relation-300", 1, [5.4970, 50.9660, 5.4980, 50.9666]), // multipolygon with a courtyard
];

/// The courtyard (inner ring) of relation 300: no one lives there.
const OSM_COURTYARD: [f64; 4] = [5.4973, 50.9662, 5.4977, 50.9664];

fn osm_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/genk_centre.osm")
}

fn import_osm_into(gpkg: &Path, extra: &[&str]) -> String {
    let fixture = osm_fixture();
    let mut args = vec![
        "import",
        "osm",
        fixture.to_str().unwrap(),
        "--since",
        "2024-01-01",
        "--gpkg",
        gpkg.to_str().unwrap(),
    ];
    args.extend(extra);
    let (ok, stdout, stderr) = atlas(&args);
    assert!(ok, "{stderr}");
    stdout
}

/// (id → (population, point)) of the store's residents.
async fn residents_in(gpkg: &Path) -> BTreeMap<String, (i64, geo::Point<f64>)> {
    let dataset = genk_atlas::store::read_dataset(&GeoPackageStore::open(gpkg).unwrap())
        .await
        .unwrap();
    dataset
        .residents
        .into_iter()
        .map(|resident| (resident.id, (resident.population, resident.geometry)))
        .collect()
}

fn inside(point: geo::Point<f64>, [min_x, min_y, max_x, max_y]: [f64; 4]) -> bool {
    (min_x..=max_x).contains(&point.x()) && (min_y..=max_y).contains(&point.y())
}

#[tokio::test]
async fn osm_buildings_with_an_address_become_residents_of_an_empty_store() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("atlas.gpkg");
    let stdout = import_osm_into(&gpkg, &[]);
    // 17 households × 2.3 = 39.1 people
    assert!(
        stdout.contains("5 residents (39 people, 2.3 per household)")
            && stdout.contains("written (the store had no residents)"),
        "{stdout}"
    );
    let residents = residents_in(&gpkg).await;
    let ids: Vec<&str> = residents.keys().map(String::as_str).collect();
    let mut expected_ids: Vec<&str> = OSM_HOMES.iter().map(|(id, _, _)| *id).collect();
    expected_ids.sort();
    assert_eq!(
        ids, expected_ids,
        "the commercial building (202) and the one without an address (203) are left out"
    );
    let mut total = 0;
    for (id, households, outline) in OSM_HOMES {
        let (population, point) = residents[id];
        let exact = households as f64 * 2.3;
        assert!(
            (population as f64 - exact).abs() < 1.0,
            "{id}: {population} people for {households} households"
        );
        assert!(
            inside(point, outline),
            "{id} at {point:?} is not on its building"
        );
        total += population;
    }
    assert_eq!(
        total, 39,
        "the total is the rounded sum of 2.3 per household"
    );
    let (_, block) = residents["osm-relation-300"];
    assert!(
        !inside(block, OSM_COURTYARD),
        "the block's resident is in its courtyard: {block:?}"
    );

    // a newer extract updates the residents of the earlier OSM import
    let stdout = import_osm_into(&gpkg, &[]);
    assert!(
        stdout.contains("written (updating the 5 residents of an earlier OSM import)"),
        "{stdout}"
    );
    assert_eq!(residents_in(&gpkg).await, residents);
}

#[tokio::test]
async fn osm_buildings_leave_residents_from_a_better_source_alone_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("atlas.gpkg");
    let register: Vec<Feature> = [
        ("adres-1", 5.4991, 50.9641, 4),
        ("adres-2", 5.5012, 50.9646, 31),
    ]
    .into_iter()
    .map(|(id, lon, lat, population)| Feature {
        id: id.into(),
        geometry: geo::Point::new(lon, lat).into(),
        values: vec![Value::Integer(population)],
    })
    .collect();
    GeoPackageStore::create(&gpkg)
        .unwrap()
        .write(
            &genk_atlas::store::WriteBatch {
                layers: vec![(LayerId::Residents, register)],
                events: Vec::new(),
            },
            &|_| {},
        )
        .await
        .unwrap();
    let before = residents_in(&gpkg).await;
    assert_eq!(before.len(), 2);

    let stdout = import_osm_into(&gpkg, &[]);
    assert!(
        stdout.contains("5 residents (39 people")
            && stdout.contains("not written (the store holds 2 residents from a better source"),
        "{stdout}"
    );
    assert_eq!(
        residents_in(&gpkg).await,
        before,
        "the register is untouched"
    );
    let dataset = genk_atlas::store::read_dataset(&GeoPackageStore::open(&gpkg).unwrap())
        .await
        .unwrap();
    assert_eq!(
        (dataset.shop_units.len(), dataset.streets.len()),
        (3, 5),
        "shops and streets are imported all the same"
    );

    let stdout = import_osm_into(&gpkg, &["--residents", "never"]);
    assert!(
        stdout.contains("not written (--residents never)"),
        "{stdout}"
    );
    assert_eq!(residents_in(&gpkg).await, before);

    let stdout = import_osm_into(&gpkg, &["--residents", "always"]);
    assert!(stdout.contains("written (--residents always"), "{stdout}");
    let after = residents_in(&gpkg).await;
    assert_eq!(after.len(), 7, "{after:?}");
    for (id, kept) in &before {
        assert_eq!(&after[id], kept, "{id} is kept as it was");
    }
    assert_eq!(
        after
            .values()
            .map(|(population, _)| population)
            .sum::<i64>(),
        4 + 31 + 39
    );
}
