//! Uploads from a hostile user (issue 17): files crafted to make the server
//! read another file or an address of the user's choosing, and the formats
//! that must still import. Each test is named after what broke.
//!
//! The secret is a file beside the test's store holding `TOPSECRET-4471`;
//! no answer may contain it, nor a server path, whatever the upload.

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;

use axum::http::StatusCode;
use gdal::vector::{FieldDefn, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType};
use serde_json::Value;

use genk_atlas::model::access::Role;
use genk_atlas::model::LayerId;

use crate::fixtures;
use crate::transfer::Atlas;

const SECRET: &str = "TOPSECRET-4471";
/// Companies need a NACE code; the files below mostly carry none.
const COMPANY_OPTIONS: &str = "?default=nace:47.11&dry_run=true";

/// A folder with the secret as CSV, text, GML and KML.
struct Secrets {
    dir: tempfile::TempDir,
}

impl Secrets {
    fn new() -> Secrets {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            (
                "secret.csv",
                format!("name,nace,employees,x,y\n{SECRET},{SECRET},{SECRET},5.5,50.96\n"),
            ),
            ("secret.txt", format!("{SECRET}\n")),
            (
                "secret.gml",
                format!(
                    r#"<?xml version="1.0"?><gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml" xmlns:x="http://x"><gml:featureMember><x:secret gml:id="b"><x:val>{SECRET}</x:val></x:secret></gml:featureMember></gml:FeatureCollection>"#
                ),
            ),
            (
                "secret.kml",
                format!(
                    r#"<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>{SECRET}</name><Point><coordinates>5.5,50.96</coordinates></Point></Placemark></Document></kml>"#
                ),
            ),
        ];
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        Secrets { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

/// A refusal as it must be: `400`, `{"error": "...", "detail": {...}}`,
/// neither the secret nor a server path in it; returns `detail`.
#[track_caller]
fn assert_refused(case: &str, status: StatusCode, answer: &Value) -> Value {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {answer}");
    assert!(answer["error"].is_string(), "{case}: {answer}");
    assert!(answer["detail"].is_object(), "{case}: {answer}");
    assert_nothing_leaked(case, answer);
    answer["detail"].clone()
}

#[track_caller]
fn assert_nothing_leaked(case: &str, answer: &Value) {
    let text = answer.to_string();
    assert!(
        !text.contains(SECRET),
        "{case}: the secret came back: {text}"
    );
    let temp = std::env::temp_dir().display().to_string();
    for private in [
        temp.as_str(),
        "/tmp",
        "genk-atlas-uploads",
        "upload.",
        "/vsi",
    ] {
        assert!(
            !text.contains(private),
            "{case}: a server path ({private}) in the answer: {text}"
        );
    }
    assert!(
        !text.contains("root:"),
        "{case}: /etc/passwd came back: {text}"
    );
}

async fn n_companies(atlas: &Atlas) -> usize {
    atlas
        .store
        .read_layer(LayerId::Companies)
        .await
        .unwrap()
        .len()
}

/// A stored (uncompressed) zip of `(name, bytes, unix mode)` members, as
/// `zip` on Unix writes it.
fn stored_zip(members: &[(&str, &[u8], u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut directory = Vec::new();
    for (name, data, mode) in members {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let offset = out.len() as u32;
        let mut common = Vec::new();
        common.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]); // flags, stored, time, date
        common.extend_from_slice(&crc.sum().to_le_bytes());
        common.extend_from_slice(&(data.len() as u32).to_le_bytes());
        common.extend_from_slice(&(data.len() as u32).to_le_bytes());
        common.extend_from_slice(&(name.len() as u16).to_le_bytes());
        common.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(b"PK\x03\x04\x14\x00");
        out.extend_from_slice(&common);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        directory.extend_from_slice(b"PK\x01\x02\x1e\x03\x14\x00");
        directory.extend_from_slice(&common);
        directory.extend_from_slice(&[0; 6]);
        directory.extend_from_slice(&(mode << 16).to_le_bytes());
        directory.extend_from_slice(&offset.to_le_bytes());
        directory.extend_from_slice(name.as_bytes());
    }
    let at = out.len() as u32;
    out.extend_from_slice(&directory);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    let n = members.len() as u16;
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&(directory.len() as u32).to_le_bytes());
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

const FILE: u32 = 0o100_644;
const LINK: u32 = 0o120_777;

/// The fixture companies written by GDAL's `driver` into `dir/name` (with
/// its sidecars), fields as text, EPSG:4326.
fn companies_file(dir: &Path, driver: &str, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let driver = gdal::DriverManager::get_driver_by_name(driver).unwrap();
    let mut dataset = driver.create_vector_only(&path).unwrap();
    let mut srs = gdal::spatial_ref::SpatialRef::from_epsg(4326).unwrap();
    // x = longitude as written below, whatever EPSG's axis order
    srs.set_axis_mapping_strategy(gdal::spatial_ref::AxisMappingStrategy::TraditionalGisOrder);
    let layer = dataset
        .create_layer(LayerOptions {
            name: "companies",
            srs: Some(&srs),
            ty: OGRwkbGeometryType::wkbPoint,
            options: None,
        })
        .unwrap();
    let names = ["id", "name", "nace", "employees"];
    for name in names {
        FieldDefn::new(name, OGRFieldType::OFTString)
            .unwrap()
            .add_to_layer(&layer)
            .unwrap();
    }
    for company in fixtures::genk_centre().companies {
        let point = company.geometry;
        let geometry =
            gdal::vector::Geometry::from_wkt(&format!("POINT ({} {})", point.x(), point.y()))
                .unwrap();
        let values = [
            company.id.clone(),
            company.name.clone(),
            company.nace.clone(),
            company.employees.map(|n| n.to_string()).unwrap_or_default(),
        ];
        let mut row = gdal::vector::Feature::new(layer.defn()).unwrap();
        for (index, value) in values.iter().enumerate() {
            row.set_field_string(index, value).unwrap();
        }
        row.set_geometry(geometry).unwrap();
        row.create(&layer).unwrap();
    }
    drop(dataset);
    path
}

// ---- references to other files ----

#[tokio::test]
async fn a_vrt_naming_a_local_file_is_refused_and_the_file_never_answered() {
    let atlas = Atlas::new().await;
    let secrets = Secrets::new();
    let before = n_companies(&atlas).await;
    let csv = secrets.path("secret.csv");
    let sources = [
        format!("<SrcDataSource>CSV:{csv}</SrcDataSource><SrcLayer>secret</SrcLayer>"),
        format!("<SrcDataSource>{csv}</SrcDataSource><SrcSQL>SELECT name, nace, employees FROM secret</SrcSQL>"),
        format!("<SrcDataSource>CSV:{}</SrcDataSource>", secrets.path("secret.txt")),
    ];
    for source in &sources {
        let vrt = format!(
            r#"<OGRVRTDataSource><OGRVRTLayer name="companies">{source}<GeometryType>wkbPoint</GeometryType><LayerSRS>EPSG:4326</LayerSRS><GeometryField encoding="PointFromColumns" x="x" y="y"/></OGRVRTLayer></OGRVRTDataSource>"#
        );
        for query in ["?map=employees:employees&dry_run=true", "?map=name:name"] {
            for file_name in ["companies.vrt", "companies.geojson"] {
                let case = format!("{file_name}{query} {source}");
                let (status, answer) = atlas
                    .import(
                        "companies",
                        query,
                        Some(Role::Business),
                        file_name,
                        vrt.as_bytes(),
                    )
                    .await;
                let detail = assert_refused(&case, status, &answer);
                assert_eq!(detail["refused"], "references", "{case}: {answer}");
            }
        }
    }
    assert_eq!(n_companies(&atlas).await, before, "nothing written");
}

#[tokio::test]
async fn a_vrt_naming_the_atlas_own_geopackage_is_refused() {
    let atlas = Atlas::new().await;
    let store = atlas.gpkg_path.display().to_string();
    let vrt = format!(
        r#"<OGRVRTDataSource><OGRVRTLayer name="companies"><SrcDataSource>{store}</SrcDataSource><SrcSQL>SELECT id, occupant AS name, geom FROM shop_units</SrcSQL></OGRVRTLayer></OGRVRTDataSource>"#
    );
    for dry_run in ["true", "false"] {
        let (status, answer) = atlas
            .import(
                "companies",
                &format!("?default=nace:47.11&dry_run={dry_run}"),
                Some(Role::Business),
                "units.vrt",
                vrt.as_bytes(),
            )
            .await;
        assert_refused("own store", status, &answer);
        let occupant = fixtures::genk_centre().shop_units[0].occupant.clone();
        if let Some(occupant) = occupant {
            assert!(!answer.to_string().contains(&occupant), "{answer}");
        }
        assert!(!answer.to_string().contains(&store), "{answer}");
    }
}

#[tokio::test]
async fn a_vrt_inside_a_zip_is_refused() {
    let atlas = Atlas::new().await;
    let secrets = Secrets::new();
    let vrt = format!(
        r#"<OGRVRTDataSource><OGRVRTLayer name="a"><SrcDataSource>CSV:{}</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"#,
        secrets.path("secret.csv")
    );
    let dir = tempfile::tempdir().unwrap();
    let shp = companies_file(dir.path(), "ESRI Shapefile", "a.shp");
    let part = |ext: &str| std::fs::read(shp.with_extension(ext)).unwrap();
    let (shp, shx, dbf) = (part("shp"), part("shx"), part("dbf"));
    for members in [
        vec![("a.vrt", vrt.as_bytes(), FILE)],
        vec![
            ("a.shp", &shp[..], FILE),
            ("a.shx", &shx[..], FILE),
            ("a.dbf", &dbf[..], FILE),
            ("b.vrt", vrt.as_bytes(), FILE),
        ],
        vec![("x/a.shp.vrt", vrt.as_bytes(), FILE)],
    ] {
        let zip = stored_zip(&members);
        let (status, answer) = atlas
            .import(
                "companies",
                COMPANY_OPTIONS,
                Some(Role::Business),
                "a.zip",
                &zip,
            )
            .await;
        let detail = assert_refused("vrt in zip", status, &answer);
        assert_eq!(detail["refused"], "references", "{answer}");
    }
}

#[tokio::test]
async fn a_zip_member_that_is_a_link_or_climbs_out_is_refused() {
    let atlas = Atlas::new().await;
    let secrets = Secrets::new();
    let dir = tempfile::tempdir().unwrap();
    let shp = companies_file(dir.path(), "ESRI Shapefile", "a.shp");
    let part = |ext: &str| std::fs::read(shp.with_extension(ext)).unwrap();
    let (shp, shx, dbf) = (part("shp"), part("shx"), part("dbf"));
    let target = secrets.path("secret.txt");
    let outside = format!("../../{}", target.trim_start_matches('/'));
    let sneaky: [(&str, &[u8], u32); 6] = [
        ("a.prj", target.as_bytes(), LINK),
        ("a.dbf", target.as_bytes(), LINK),
        (outside.as_str(), b"x", FILE),
        (&target, b"x", FILE),
        ("../a.cpg", b"UTF-8", FILE),
        ("inner.zip", b"PK\x05\x06", FILE),
    ];
    for member in sneaky {
        let mut members = vec![("a.shp", &shp[..], FILE), ("a.shx", &shx[..], FILE)];
        if member.0 != "a.dbf" {
            members.push(("a.dbf", &dbf[..], FILE));
        }
        members.push(member);
        let (status, answer) = atlas
            .import(
                "companies",
                COMPANY_OPTIONS,
                Some(Role::Business),
                "a.zip",
                &stored_zip(&members),
            )
            .await;
        let detail = assert_refused(member.0, status, &answer);
        assert_eq!(detail["refused"], "zip_member", "{}: {answer}", member.0);
    }
}

#[tokio::test]
async fn a_geopackage_with_a_virtual_table_over_a_local_file_is_refused() {
    let atlas = Atlas::new().await;
    let secrets = Secrets::new();
    let (_, _, gpkg) = atlas
        .export(
            "/api/layers/companies/export?format=gpkg",
            Some(Role::Business),
        )
        .await;
    let dir = tempfile::tempdir().unwrap();
    let escaped = secrets.path("secret.csv").replace('\'', "''");
    let crafted = [
        // spatialite's VirtualText reads any text file when GDAL lists the tables
        ("evil", format!("CREATE VIRTUAL TABLE evil USING VirtualText('{escaped}', 'UTF-8', 1, POINT, DOUBLEQUOTE, ',')")),
        ("evil", format!("CREATE VIRTUAL TABLE evil USING VirtualOGR('{escaped}')")),
        ("x USING rtree", format!("CREATE VIRTUAL TABLE \"x USING rtree\" USING VirtualText('{escaped}', 'UTF-8', 1)")),
    ];
    for (index, (table, sql)) in crafted.iter().enumerate() {
        let path = dir.path().join(format!("evil{index}.gpkg"));
        std::fs::write(&path, &gpkg).unwrap();
        let connection = rusqlite::Connection::open(&path).unwrap();
        // SQLite would not create these without the module: write the schema
        connection
            .execute_batch("PRAGMA writable_schema = ON;")
            .unwrap();
        connection
            .execute(
                "INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES ('table', ?1, ?1, 0, ?2)",
                [*table, sql.as_str()],
            )
            .unwrap();
        connection
            .execute_batch(&format!(
                "CREATE VIEW leak AS SELECT fid, geom, id, (SELECT group_concat(name) FROM \"{table}\") AS name, nace FROM companies;
                 INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('leak', 'features', 'leak', 4326);
                 INSERT INTO gpkg_geometry_columns VALUES ('leak', 'geom', 'POINT', 4326, 0, 0);"
            ))
            .unwrap();
        drop(connection);
        let bytes = std::fs::read(&path).unwrap();
        for query in [
            "?source_layer=leak&dry_run=true",
            "?source_layer=evil&default=nace:1",
            "?source_layer=companies&key=id",
        ] {
            let (status, answer) = atlas
                .import(
                    "companies",
                    query,
                    Some(Role::Business),
                    "evil.gpkg",
                    &bytes,
                )
                .await;
            let detail = assert_refused(sql, status, &answer);
            assert_eq!(detail["refused"], "references", "{sql}: {answer}");
        }
    }
}

#[tokio::test]
async fn a_geopackage_view_over_another_database_reads_nothing() {
    let atlas = Atlas::new().await;
    let (_, _, gpkg) = atlas
        .export(
            "/api/layers/companies/export?format=gpkg",
            Some(Role::Business),
        )
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("view.gpkg");
    std::fs::write(&path, &gpkg).unwrap();
    let connection = rusqlite::Connection::open(&path).unwrap();
    // SQLite refuses to create a view naming another database: write it into the schema
    connection
        .execute_batch(
            "PRAGMA writable_schema = ON;
             INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES
               ('view', 'leak', 'leak', 0, 'CREATE VIEW leak AS SELECT * FROM store.shop_units');
             PRAGMA writable_schema = OFF;",
        )
        .unwrap();
    drop(connection);
    let bytes = std::fs::read(&path).unwrap();
    for query in ["?source_layer=leak&dry_run=true", "?key=id&dry_run=true"] {
        let (status, answer) = atlas
            .import(
                "companies",
                query,
                Some(Role::Business),
                "view.gpkg",
                &bytes,
            )
            .await;
        assert_refused(query, status, &answer);
        let occupants: Vec<String> = fixtures::genk_centre()
            .shop_units
            .iter()
            .filter_map(|unit| unit.occupant.clone())
            .collect();
        for occupant in occupants {
            assert!(!answer.to_string().contains(&occupant), "{answer}");
        }
    }
}

#[tokio::test]
async fn a_gml_xlink_to_a_local_file_is_not_followed() {
    // as if the operator's environment asked GDAL to resolve every xlink:
    // the upload's own configuration must win over it
    gdal::config::set_config_option("GML_SKIP_RESOLVE_ELEMS", "NONE").unwrap();
    let atlas = Atlas::new().await;
    let secrets = Secrets::new();
    let gml = format!(
        r#"<?xml version="1.0"?>
<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:x="http://x">
<gml:featureMember><x:company gml:id="c1"><x:name>Kanaal Logistiek NV</x:name><x:employees xlink:href="{}#b"/>
<x:geom><gml:Point srsName="EPSG:4326"><gml:coordinates>5.53,50.942</gml:coordinates></gml:Point></x:geom></x:company></gml:featureMember>
</gml:FeatureCollection>"#,
        secrets.path("secret.gml")
    );
    for query in [
        "?default=nace:47.11&dry_run=true",
        "?default=nace:47.11&map=employees:val&dry_run=true",
        "?default=nace:47.11&map=name:val",
    ] {
        let (status, answer) = atlas
            .import(
                "companies",
                query,
                Some(Role::Business),
                "c.gml",
                gml.as_bytes(),
            )
            .await;
        assert_nothing_leaked(query, &answer);
        assert!(
            answer["n_read"] == 1 || status == StatusCode::BAD_REQUEST,
            "{query}: {answer}"
        );
    }
    gdal::config::clear_config_option("GML_SKIP_RESOLVE_ELEMS").unwrap();
    assert_eq!(
        n_companies(&atlas).await,
        fixtures::genk_centre().companies.len()
    );
}

#[tokio::test]
async fn a_kml_network_link_to_a_local_file_is_not_followed() {
    let atlas = Atlas::new().await;
    let secrets = Secrets::new();
    let kml = format!(
        r#"<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<NetworkLink><name>more</name><Link><href>{0}</href></Link></NetworkLink>
<Placemark><name>Kanaal Logistiek NV</name><styleUrl>{0}#style</styleUrl><Point><coordinates>5.53,50.942</coordinates></Point></Placemark>
</Document></kml>"#,
        secrets.path("secret.kml")
    );
    let (status, answer) = atlas
        .import(
            "companies",
            "?default=nace:47.11&dry_run=true",
            Some(Role::Business),
            "c.kml",
            kml.as_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_nothing_leaked("kml", &answer);
    assert_eq!(
        answer["n_read"], 1,
        "only the file's own placemark: {answer}"
    );
}

#[tokio::test]
async fn an_xml_document_type_that_pulls_in_a_file_is_refused() {
    let atlas = Atlas::new().await;
    let secrets = Secrets::new();
    let kml = format!(
        r#"<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY secret SYSTEM "file://{}">]><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&secret;</name><Point><coordinates>5.53,50.942</coordinates></Point></Placemark></Document></kml>"#,
        secrets.path("secret.txt")
    );
    let (status, answer) = atlas
        .import(
            "companies",
            COMPANY_OPTIONS,
            Some(Role::Business),
            "c.kml",
            kml.as_bytes(),
        )
        .await;
    let detail = assert_refused("doctype", status, &answer);
    assert_eq!(detail["refused"], "xml_document_type", "{answer}");
}

// ---- the network ----

/// The connections made to `listener` so far (it is non-blocking).
fn n_connections(listener: &TcpListener) -> usize {
    let mut n = 0;
    while let Ok((mut stream, _)) = listener.accept() {
        let mut request = [0u8; 256];
        let _ = stream.read(&mut request);
        n += 1;
    }
    n
}

#[tokio::test]
async fn network_references_in_an_upload_or_its_name_reach_nothing() {
    let atlas = Atlas::new().await;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = listener.local_addr().unwrap();
    let point = r#"{"type": "Feature", "properties": {"id": "c1", "name": "Kanaal Logistiek NV"}, "geometry": {"type": "Point", "coordinates": [5.53, 50.942]}}"#;
    let linked = format!(
        r#"{{"type": "FeatureCollection", "crs": {{"type": "link", "properties": {{"href": "http://{address}/crs.wkt", "type": "ogcwkt"}}}}, "features": [{point}]}}"#
    );
    let (status, answer) = atlas
        .import(
            "companies",
            COMPANY_OPTIONS,
            Some(Role::Business),
            "c.geojson",
            linked.as_bytes(),
        )
        .await;
    assert_refused("crs link", status, &answer);
    assert_eq!(answer["detail"]["parameter"], "crs", "{answer}");
    let vrt = format!(
        r#"<OGRVRTDataSource><OGRVRTLayer name="c"><SrcDataSource>/vsicurl/http://{address}/c.geojson</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"#
    );
    let (status, answer) = atlas
        .import(
            "companies",
            COMPANY_OPTIONS,
            Some(Role::Business),
            "c.vrt",
            vrt.as_bytes(),
        )
        .await;
    assert_refused("vsicurl vrt", status, &answer);
    // the part's file name is the client's word only: the bytes are read
    let plain = format!(r#"{{"type": "FeatureCollection", "features": [{point}]}}"#);
    for file_name in [
        format!("/vsicurl/http://{address}/c.geojson"),
        "CSV:/etc/passwd".to_string(),
        "/etc/passwd".to_string(),
        format!("GeoJSON:/vsicurl/http://{address}/c.geojson"),
    ] {
        let (status, answer) = atlas
            .import(
                "companies",
                COMPANY_OPTIONS,
                Some(Role::Business),
                &file_name,
                plain.as_bytes(),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{file_name}: {answer}");
        assert_eq!(answer["n_valid"], 1, "{file_name}: {answer}");
        assert_nothing_leaked(&file_name, &answer);
        assert!(
            !answer.to_string().contains(&address.to_string()),
            "{answer}"
        );
    }
    assert_eq!(
        n_connections(&listener),
        0,
        "the server connected to the tester's address"
    );
}

#[test]
fn atlas_import_refuses_a_network_path_unless_allowed() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_atlas"))
        .args([
            "import",
            "companies",
            "/vsicurl/http://127.0.0.1:9/c.geojson",
            "--dry-run",
        ])
        .env_remove("ATLAS_DATABASE_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("--allow-network"), "{stderr}");
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_atlas"))
        .args(["import", "--help"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("--allow-network"));
}

// ---- what must still work ----

#[tokio::test]
async fn every_allowed_format_still_imports() {
    let atlas = Atlas::new().await;
    let n = fixtures::genk_centre().companies.len();
    let dir = tempfile::tempdir().unwrap();
    let mut uploads: Vec<(String, Vec<u8>, String)> = Vec::new();
    for (format, name) in [
        ("gpkg", "c.gpkg"),
        ("geojson", "c.geojson"),
        ("fgb", "c.fgb"),
        ("csv", "c.csv"),
    ] {
        let (status, _, bytes) = atlas
            .export(
                &format!("/api/layers/companies/export?format={format}"),
                Some(Role::Business),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{format}");
        let query = if format == "csv" {
            "?key=id&crs=EPSG:4326"
        } else {
            "?key=id"
        };
        uploads.push((name.into(), bytes, query.into()));
    }
    let shp = companies_file(dir.path(), "ESRI Shapefile", "c.shp");
    let parts: Vec<(String, Vec<u8>)> = ["shp", "shx", "dbf", "prj"]
        .iter()
        .map(|ext| {
            (
                format!("bedrijven/c.{ext}"),
                std::fs::read(shp.with_extension(ext)).unwrap(),
            )
        })
        .collect();
    let members: Vec<(&str, &[u8], u32)> = parts
        .iter()
        .map(|(name, bytes)| (name.as_str(), &bytes[..], FILE))
        .collect();
    uploads.push(("c.zip".into(), stored_zip(&members), "?key=id".into()));
    for (driver, name, query) in [("GML", "c.gml", "?key=id"), ("LIBKML", "c.kml", "?key=id")] {
        let path = companies_file(dir.path(), driver, name);
        uploads.push((name.into(), std::fs::read(path).unwrap(), query.into()));
    }
    let mut csv = String::from("id;naam;nace;lon;lat\n");
    for company in fixtures::genk_centre().companies {
        let (x, y) = (company.geometry.x(), company.geometry.y());
        csv.push_str(&format!(
            "{};{};{};{x};{y}\n",
            company.id, company.name, company.nace
        ));
    }
    uploads.push((
        "coordinates.csv".into(),
        csv.into_bytes(),
        "?key=id&map=name:naam&crs=EPSG:4326".into(),
    ));
    let mut osm = String::from(r#"<?xml version="1.0"?><osm version="0.6">"#);
    for (index, company) in fixtures::genk_centre().companies.iter().enumerate() {
        osm.push_str(&format!(
            r#"<node id="{}" lat="{}" lon="{}" version="1"><tag k="name" v="{}"/><tag k="office" v="company"/></node>"#,
            index + 1,
            company.geometry.y(),
            company.geometry.x(),
            company.name
        ));
    }
    osm.push_str("</osm>");
    uploads.push((
        "c.osm".into(),
        osm.into_bytes(),
        "?key=osm_id&source_layer=points&default=nace:70.10".into(),
    ));
    for (name, bytes, query) in &uploads {
        let (status, answer) = atlas
            .import(
                "companies",
                &format!("{query}&dry_run=true"),
                Some(Role::Business),
                name,
                bytes,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {answer}");
        assert_eq!(answer["n_valid"], n, "{name}: {answer}");
        assert_eq!(answer["file"], name.as_str(), "{name}");
    }
    // a GeoJSON in Belgian Lambert 72 by its legacy crs member
    let wijken = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("geodata/open/genk/genk_wijken_ggw7_epsg31370.geojson"),
    )
    .unwrap();
    let (status, answer) = atlas
        .import(
            "neighbourhoods",
            "?map=code:geoitem,name:naam&default=population:0&dry_run=true",
            Some(Role::Admin),
            "wijken.geojson",
            &wijken,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["source_crs"], "EPSG:31370");
    // and a real write still writes, and its upload folder is gone afterwards
    let (status, answer) = atlas
        .import(
            "companies",
            "?key=id",
            Some(Role::Business),
            "c.zip",
            &uploads[4].1,
        )
        .await;
    assert_eq!(
        (status, answer["n_written"].as_u64()),
        (StatusCode::OK, Some(n as u64)),
        "{answer}"
    );
    let area = atlas.state.upload_area().unwrap().dir().to_path_buf();
    let left: Vec<_> = std::fs::read_dir(&area)
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name())
        .filter(|name| name != "lock")
        .collect();
    assert!(left.is_empty(), "uploads left behind: {left:?}");
}

#[tokio::test]
async fn a_shapefile_upload_without_its_shx_says_so_without_a_server_path() {
    let atlas = Atlas::new().await;
    let dir = tempfile::tempdir().unwrap();
    let shp = companies_file(dir.path(), "ESRI Shapefile", "c.shp");
    let part = |ext: &str| std::fs::read(shp.with_extension(ext)).unwrap();
    let (status, answer) = atlas
        .import(
            "companies",
            COMPANY_OPTIONS,
            Some(Role::Business),
            "c.shp",
            &part("shp"),
        )
        .await;
    let detail = assert_refused("lone shp", status, &answer);
    assert_eq!(detail["refused"], "shapefile_parts", "{answer}");
    let zip = stored_zip(&[("c.shp", &part("shp"), FILE), ("c.dbf", &part("dbf"), FILE)]);
    let (status, answer) = atlas
        .import(
            "companies",
            COMPANY_OPTIONS,
            Some(Role::Business),
            "c.zip",
            &zip,
        )
        .await;
    let detail = assert_refused("zip without shx", status, &answer);
    assert_eq!(detail["refused"], "shapefile_parts", "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains(".shx"),
        "{answer}"
    );
}

// ---- what an import must refuse (issue 17.6) ----

/// A GeoJSON of companies with these properties and coordinates, WGS 84
/// unless `crs` names one.
fn companies_geojson(rows: &[(Value, [f64; 2])], crs: Option<&str>) -> Vec<u8> {
    let features: Vec<Value> = rows
        .iter()
        .map(|(properties, [x, y])| {
            serde_json::json!({"type": "Feature", "properties": properties,
                "geometry": {"type": "Point", "coordinates": [x, y]}})
        })
        .collect();
    let mut collection = serde_json::json!({"type": "FeatureCollection", "features": features});
    if let Some(crs) = crs {
        collection["crs"] = serde_json::json!({"type": "name", "properties": {"name": crs}});
    }
    collection.to_string().into_bytes()
}

/// The first problem of a refused import: (feature, field, reason).
#[track_caller]
fn first_problem(case: &str, status: StatusCode, answer: &Value) -> (String, String, String) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {answer}");
    assert_eq!(answer["n_written"], 0, "{case}: {answer}");
    let problem = &answer["problems"][0];
    let text = |key: &str| problem[key].as_str().unwrap_or_default().to_string();
    (text("feature"), text("field"), text("reason"))
}

const CENTRE: [f64; 2] = [5.50, 50.96];

#[tokio::test]
async fn a_negative_employee_count_or_an_empty_name_is_refused() {
    let atlas = Atlas::new().await;
    let cases = [
        (
            serde_json::json!({"id": "c1", "name": "Kanaal Logistiek NV", "nace": "52.10", "employees": -5}),
            "employees",
            "negative",
        ),
        (
            serde_json::json!({"id": "c1", "name": "   ", "nace": "52.10"}),
            "name",
            "empty",
        ),
        (
            serde_json::json!({"id": "c1", "name": "Kanaal Logistiek NV", "nace": ""}),
            "nace",
            "empty",
        ),
    ];
    for (properties, field, reason) in cases {
        let file = companies_geojson(&[(properties.clone(), CENTRE)], None);
        let (status, answer) = atlas
            .import(
                "companies",
                "?key=id",
                Some(Role::Business),
                "c.geojson",
                &file,
            )
            .await;
        let (feature, got_field, got_reason) = first_problem(field, status, &answer);
        assert_eq!(
            (feature.as_str(), got_field.as_str()),
            ("c1", field),
            "{answer}"
        );
        assert!(got_reason.contains(reason), "{properties}: {got_reason}");
    }
    assert_eq!(
        n_companies(&atlas).await,
        fixtures::genk_centre().companies.len()
    );
}

#[tokio::test]
async fn a_point_at_null_island_or_a_crs_that_moves_the_data_away_is_refused() {
    let atlas = Atlas::new().await;
    let company =
        |id: &str| serde_json::json!({"id": id, "name": "Kanaal Logistiek NV", "nace": "52.10"});
    // (0, 0), Brussels in degrees, and Amersfoort's RD metres read as EPSG:28992
    let cases: [(Vec<u8>, &str); 3] = [
        (
            companies_geojson(
                &[
                    (company("c1"), CENTRE),
                    (company("null-island"), [0.0, 0.0]),
                ],
                None,
            ),
            "?key=id",
        ),
        (
            companies_geojson(&[(company("brussels"), [4.35, 50.85])], None),
            "?key=id",
        ),
        (
            companies_geojson(&[(company("rd"), [155_000.0, 463_000.0])], None),
            "?key=id&crs=EPSG:28992",
        ),
    ];
    for (file, query) in cases {
        let (status, answer) = atlas
            .import("companies", query, Some(Role::Business), "c.geojson", &file)
            .await;
        let (feature, field, reason) = first_problem(query, status, &answer);
        assert_ne!(feature, "c1", "the feature in the city is fine: {answer}");
        assert_eq!(field, "geometry", "{answer}");
        assert!(reason.contains("is the CRS right?"), "{feature}: {reason}");
    }
}

#[tokio::test]
async fn the_same_target_mapped_twice_is_refused() {
    let atlas = Atlas::new().await;
    let file = companies_geojson(
        &[(
            serde_json::json!({"id": "c1", "naam": "A", "titel": "B", "nace": "52.10"}),
            CENTRE,
        )],
        None,
    );
    for query in [
        "?key=id&map=name:naam,name:titel",
        "?key=id&default=nace:1,nace:2",
    ] {
        let (status, answer) = atlas
            .import("companies", query, Some(Role::Business), "c.geojson", &file)
            .await;
        assert_refused(query, status, &answer);
        assert_eq!(answer["detail"]["parameter"], "map", "{answer}");
        assert!(
            answer["error"].as_str().unwrap().contains("twice"),
            "{answer}"
        );
    }
}

#[tokio::test]
async fn a_geojson_declaring_an_unknown_crs_is_refused_not_read_as_wgs84() {
    let atlas = Atlas::new().await;
    let company = serde_json::json!({"id": "c1", "name": "Kanaal Logistiek NV", "nace": "52.10"});
    for crs in [
        "urn:ogc:def:crs:EPSG::999999",
        "Belgian Lambert 72",
        "/etc/passwd",
    ] {
        let file = companies_geojson(&[(company.clone(), CENTRE)], Some(crs));
        let (status, answer) = atlas
            .import(
                "companies",
                "?key=id&dry_run=true",
                Some(Role::Business),
                "c.geojson",
                &file,
            )
            .await;
        assert_refused(crs, status, &answer);
        assert_eq!(answer["detail"]["parameter"], "crs", "{crs}: {answer}");
        // naming the CRS overrides the file's
        let (status, answer) = atlas
            .import(
                "companies",
                "?key=id&dry_run=true&crs=EPSG:4326",
                Some(Role::Business),
                "c.geojson",
                &file,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{crs}: {answer}");
    }
}

#[tokio::test]
async fn gdal_internals_do_not_show_in_messages() {
    let atlas = Atlas::new().await;
    let company = serde_json::json!({"id": "c1", "name": "Kanaal Logistiek NV", "nace": "52.10"});
    let file = companies_geojson(&[(company, CENTRE)], None);
    let (status, answer) = atlas
        .import(
            "companies",
            "?key=id&crs=EPSG:999999",
            Some(Role::Business),
            "c.geojson",
            &file,
        )
        .await;
    assert_refused("unknown epsg", status, &answer);
    let message = answer["error"].as_str().unwrap();
    assert!(
        !message.contains("OSRImportFromEPSG") && !message.contains("error '6'"),
        "{message}"
    );
    assert!(message.contains("EPSG:999999"), "{message}");
    // a truncated GeoPackage: the answer says so, not what SQLite told GDAL
    let (_, _, gpkg) = atlas
        .export(
            "/api/layers/companies/export?format=gpkg",
            Some(Role::Business),
        )
        .await;
    let (status, answer) = atlas
        .import(
            "companies",
            "?key=id",
            Some(Role::Business),
            "c.gpkg",
            &gpkg[..gpkg.len() / 3],
        )
        .await;
    assert_refused("truncated gpkg", status, &answer);
    assert!(!answer.to_string().contains("sqlite3_"), "{answer}");
}

// ---- what an answer must not carry (issue 17.7) ----

#[tokio::test]
async fn csv_exports_do_not_write_formulas_a_spreadsheet_would_run() {
    let atlas = Atlas::new().await;
    let formulas = [
        "=HYPERLINK(\"http://example.org\",\"x\")",
        "@SUM(1+1)",
        "+31 89 00 00",
        "-2+3",
    ];
    let rows: Vec<(Value, [f64; 2])> = formulas
        .iter()
        .enumerate()
        .map(|(index, name)| {
            (
                serde_json::json!({"id": format!("f{index}"), "name": name, "nace": "=1+2"}),
                CENTRE,
            )
        })
        .collect();
    let (status, answer) = atlas
        .import(
            "companies",
            "?key=id",
            Some(Role::Business),
            "f.geojson",
            &companies_geojson(&rows, None),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, _, csv) = atlas
        .export("/api/layers/companies/export?format=csv", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).unwrap();
    for line in csv.lines().skip(1) {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "a formula cell: {cell} in {line}"
            );
        }
    }
    for formula in formulas {
        assert!(
            csv.contains(&format!("'{}", formula.replace('"', "\"\""))),
            "{formula}: {csv}"
        );
    }
}

#[tokio::test]
async fn a_geopackage_view_may_call_only_functions_sqlite_deems_harmless() {
    // spatialite_version() reads nothing, but like BlobFromFile (which reads
    // any file where spatialite runs relaxed) it is not marked innocuous:
    // with trusted_schema=OFF no view may call it
    let atlas = Atlas::new().await;
    let (_, _, gpkg) = atlas
        .export(
            "/api/layers/companies/export?format=gpkg",
            Some(Role::Business),
        )
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("view.gpkg");
    std::fs::write(&path, &gpkg).unwrap();
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .execute_batch(
            "CREATE VIEW plain AS SELECT fid, geom, id, upper(name) AS name, nace FROM companies;
             CREATE VIEW leak AS SELECT fid, geom, id, spatialite_version() AS name, nace FROM companies;
             INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES
               ('plain', 'features', 'plain', 4326), ('leak', 'features', 'leak', 4326);
             INSERT INTO gpkg_geometry_columns VALUES
               ('plain', 'geom', 'POINT', 4326, 0, 0), ('leak', 'geom', 'POINT', 4326, 0, 0);",
        )
        .unwrap();
    drop(connection);
    let bytes = std::fs::read(&path).unwrap();
    let (status, answer) = atlas
        .import(
            "companies",
            "?source_layer=plain&key=id&dry_run=true",
            Some(Role::Business),
            "v.gpkg",
            &bytes,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a view of plain SQL reads: {answer}"
    );
    let (status, answer) = atlas
        .import(
            "companies",
            "?source_layer=leak&key=id&dry_run=true",
            Some(Role::Business),
            "v.gpkg",
            &bytes,
        )
        .await;
    assert_refused("spatialite in a view", status, &answer);
    assert!(
        !answer.to_string().contains("5."),
        "no spatialite version: {answer}"
    );
}
