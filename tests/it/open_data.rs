//! The project's own copy of the real open data (`geodata/open/`, see its
//! README): the files are there and what GDAL reads, no file is over 8 MB,
//! and the derived EPSG:4326 GeoJSON of the 31 Genk wijken (which the demo
//! embeds) still equals GDAL's reprojection of the EPSG:31370 original within
//! 10⁻⁶ degrees (about 7 cm), point by point.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::LayerAccess;
use geo::{Coord, Geometry, LineString, Polygon};

/// How far a derived vertex may lie from GDAL's reprojection, degrees.
const TOLERANCE_DEG: f64 = 1e-6;
/// The largest file the repository may hold.
const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

fn open_data(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("geodata/open")
        .join(relative)
}

/// Twice the signed area of a closed ring (positive when counter-clockwise).
fn twice_signed_area(ring: &[Coord<f64>]) -> f64 {
    ring.windows(2)
        .map(|pair| pair[0].x * pair[1].y - pair[1].x * pair[0].y)
        .sum()
}

/// code → polygon of a GeoJSON file of single polygons, read with serde_json
/// (no GDAL, so the comparison does not read the file the way it was written).
fn derived_polygons(path: &Path) -> BTreeMap<String, Polygon<f64>> {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(json.get("crs").is_none(), "RFC 7946: no crs member");
    let ring = |ring: &serde_json::Value| -> LineString<f64> {
        ring.as_array()
            .unwrap()
            .iter()
            .map(|xy| Coord {
                x: xy[0].as_f64().unwrap(),
                y: xy[1].as_f64().unwrap(),
            })
            .collect()
    };
    json["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|feature| {
            assert_eq!(feature["geometry"]["type"], "Polygon");
            let rings = feature["geometry"]["coordinates"].as_array().unwrap();
            let polygon = Polygon::new(ring(&rings[0]), rings[1..].iter().map(ring).collect());
            let code = feature["properties"]["geoitem"].as_str().unwrap();
            (code.to_string(), polygon)
        })
        .collect()
}

/// code → (name, polygon in EPSG:4326) of the original, reprojected by GDAL
/// (x = longitude, y = latitude).
fn gdal_reprojection(path: &Path) -> BTreeMap<String, (String, Polygon<f64>)> {
    let dataset = gdal::Dataset::open(path).unwrap();
    let mut layer = dataset.layer(0).unwrap();
    let mut source = layer.spatial_ref().expect("the legacy crs member is read");
    assert_eq!(source.auth_code().unwrap(), 31370);
    source.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let mut wgs84 = SpatialRef::from_epsg(4326).unwrap();
    wgs84.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let transform = CoordTransform::new(&source, &wgs84).unwrap();
    layer
        .features()
        .map(|feature| {
            let text = |name: &str| {
                let index = feature.field_index(name).unwrap();
                feature.field_as_string(index).unwrap().unwrap()
            };
            let geometry = feature.geometry().unwrap().transform(&transform).unwrap();
            let Geometry::Polygon(polygon) = geometry.to_geo().unwrap() else {
                panic!("{} is not a polygon", text("geoitem"))
            };
            (text("geoitem"), (text("naam"), polygon))
        })
        .collect()
}

#[test]
fn the_derived_wgs84_wijken_equal_gdals_reprojection_of_the_lambert_original() {
    let derived = derived_polygons(&open_data("genk/genk_wijken_ggw7_epsg4326.geojson"));
    let original = gdal_reprojection(&open_data("genk/genk_wijken_ggw7_epsg31370.geojson"));
    assert_eq!(derived.len(), 31);
    assert_eq!(
        derived.keys().collect::<Vec<_>>(),
        original.keys().collect::<Vec<_>>()
    );
    let (mut n_compared, mut worst_deg) = (0, 0.0_f64);
    for (code, polygon) in &derived {
        let expected = &original[code].1;
        let rings = |polygon: &Polygon<f64>| {
            std::iter::once(polygon.exterior().clone())
                .chain(polygon.interiors().iter().cloned())
                .collect::<Vec<_>>()
        };
        let (ours, theirs) = (rings(polygon), rings(expected));
        assert_eq!(ours.len(), theirs.len(), "{code}: another number of rings");
        for (index, (ring, expected_ring)) in ours.iter().zip(&theirs).enumerate() {
            // RFC 7946 turns rings (exterior counter-clockwise, holes
            // clockwise), keeping the first point: compare in that order.
            let mut expected_ring = expected_ring.0.clone();
            let wanted_sign = if index == 0 { 1.0 } else { -1.0 };
            assert!(
                twice_signed_area(&ring.0) * wanted_sign > 0.0,
                "{code}: ring {index} is not oriented as RFC 7946 says"
            );
            if twice_signed_area(&expected_ring) * wanted_sign < 0.0 {
                expected_ring.reverse();
            }
            assert_eq!(ring.0.len(), expected_ring.len(), "{code}: vertices");
            for (got, want) in ring.0.iter().zip(&expected_ring) {
                let off = (got.x - want.x).abs().max((got.y - want.y).abs());
                worst_deg = worst_deg.max(off);
                n_compared += 1;
            }
        }
    }
    eprintln!("worst vertex difference: {worst_deg:e}° over {n_compared} vertices");
    assert!(n_compared > 1_400, "{n_compared}");
    assert!(
        worst_deg < TOLERANCE_DEG,
        "a vertex lies {worst_deg:e}° from GDAL's reprojection"
    );
    // 7 decimals: the rounding alone is at most 5 × 10⁻⁸°
    assert!(worst_deg <= 5.1e-8, "{worst_deg:e}");
}

#[test]
fn the_genk_geojsons_carry_a_legacy_crs_member_and_the_shapefiles_are_zipped() {
    for file in [
        "genk/genk_wijken_ggw7_epsg31370.geojson",
        "genk/genk_gemeente_epsg31370.geojson",
    ] {
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(open_data(file)).unwrap()).unwrap();
        assert_eq!(
            json["crs"]["properties"]["name"], "urn:ogc:def:crs:EPSG::31370",
            "{file}"
        );
    }
    for (file, count) in [
        ("flanders/ggw7.shp.zip", 2_767),
        ("flanders/gemeente.shp.zip", 304),
    ] {
        let dataset = gdal::Dataset::open(open_data(file)).unwrap();
        assert_eq!(dataset.driver().short_name(), "ESRI Shapefile", "{file}");
        let layer = dataset.layer(0).unwrap();
        assert_eq!(layer.feature_count(), count, "{file}");
        assert!(layer.spatial_ref().is_some(), "{file} has its .prj");
    }
}

#[test]
fn no_file_of_the_open_data_is_over_8_mb_and_the_licence_is_beside_it() {
    let dir = open_data("");
    let mut stack = vec![dir.clone()];
    let mut n_files = 0;
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                n_files += 1;
                let bytes = entry.metadata().unwrap().len();
                assert!(
                    bytes <= MAX_FILE_BYTES,
                    "{} is {bytes} bytes",
                    entry.path().display()
                );
            }
        }
    }
    assert!(n_files >= 7, "{n_files} files");
    let licence =
        std::fs::read_to_string(dir.join("LICENSE_wijken_modellicentie_gratis_hergebruik.md"))
            .unwrap();
    assert!(licence.contains("Modellicentie Gratis Hergebruik"));
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(readme.contains(
        "Wijken voor omgevingsanalyse. © gemeentebesturen, verzameld door Data & Analyse van de Vlaamse provincies"
    ));
}
