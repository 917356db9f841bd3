//! GIS files over HTTP: `POST /api/import/{layer}` (multipart upload, roles,
//! the JSON report, all or nothing) and `GET /api/layers/{layer}/export`
//! (formats, confidential fields per role), in-process on the fixture city
//! and on the real Genk wijken of `geodata/open/`.

use std::path::Path;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

use genk_atlas::model::access::Role;
use genk_atlas::model::LayerId;
use genk_atlas::store::AuditQuery;

use crate::fixtures;
use crate::signed_in::SignedIn;

const BOUNDARY: &str = "atlas-test-boundary-7f3a";

/// The signed-in fixture city with every role logged in once.
pub(crate) struct Atlas {
    app: SignedIn,
    cookies: Vec<(Role, String)>,
}

impl std::ops::Deref for Atlas {
    type Target = SignedIn;
    fn deref(&self) -> &SignedIn {
        &self.app
    }
}

impl Atlas {
    pub(crate) async fn new() -> Atlas {
        let app = SignedIn::new().await;
        let mut cookies = Vec::new();
        for role in Role::ACCOUNT_ROLES {
            cookies.push((role, app.login(role).await));
        }
        Atlas { app, cookies }
    }

    pub(crate) fn cookie(&self, role: Role) -> &str {
        &self.cookies.iter().find(|(r, _)| *r == role).unwrap().1
    }

    /// Upload `bytes` as `file_name` into `layer`, as `role` (or the public).
    pub(crate) async fn import(
        &self,
        layer: &str,
        query: &str,
        role: Option<Role>,
        file_name: &str,
        bytes: &[u8],
    ) -> (StatusCode, Value) {
        let mut body = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        let mut request = Request::post(format!("/api/import/{layer}{query}")).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        );
        if let Some(role) = role {
            request = request.header(header::COOKIE, self.cookie(role));
        }
        let (status, _, bytes) = self.send(request.body(Body::from(body)).unwrap()).await;
        let json = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, json)
    }

    pub(crate) async fn export(
        &self,
        uri: &str,
        role: Option<Role>,
    ) -> (StatusCode, header::HeaderMap, Vec<u8>) {
        let mut request = Request::get(uri);
        if let Some(role) = role {
            request = request.header(header::COOKIE, self.cookie(role));
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    async fn audit_actions(&self) -> Vec<String> {
        let query = AuditQuery {
            target: None,
            target_id: None,
            actor: None,
            limit: 1000,
            offset: 0,
        };
        let entries = self.store.read_audit(&query).await.unwrap();
        entries.into_iter().map(|entry| entry.action).collect()
    }
}

fn genk_wijken() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("geodata/open/genk/genk_wijken_ggw7_epsg31370.geojson");
    std::fs::read(&path).unwrap_or_else(|_| panic!("{} is missing", path.display()))
}

const WIJK_OPTIONS: &str = "?map=code:geoitem,name:naam&default=population:0";

#[tokio::test]
async fn an_admin_uploads_the_real_genk_wijken_and_the_map_has_them() {
    let atlas = Atlas::new().await;
    let (status, report) = atlas
        .import(
            "neighbourhoods",
            WIJK_OPTIONS,
            Some(Role::Admin),
            "genk_wijken.geojson",
            &genk_wijken(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["n_read"], 31);
    assert_eq!(report["n_written"], 31);
    assert_eq!(report["n_invalid"], 0);
    assert_eq!(report["source_crs"], "EPSG:31370");
    let engine = atlas.state.engine();
    let wijken = engine.layer(LayerId::Neighbourhoods);
    assert!(wijken.len() >= 31);
    let area_km2: f64 = wijken
        .features()
        .iter()
        .filter(|feature| feature.id.starts_with("71016"))
        .map(|feature| genk_atlas::engine::measure::area_m2(&feature.geometry))
        .sum::<f64>()
        / 1e6;
    assert!((area_km2 - 87.57).abs() / 87.57 < 0.005, "{area_km2} km²");
    let stored = atlas
        .store
        .read_layer(LayerId::Neighbourhoods)
        .await
        .unwrap();
    assert_eq!(
        stored.len(),
        wijken.len(),
        "the store has what the engine has"
    );
    assert_eq!(atlas.audit_actions().await[0], "import");
}

#[tokio::test]
async fn importing_needs_business_or_admin_with_the_layer() {
    let atlas = Atlas::new().await;
    let file = genk_wijken();
    let (status, _) = atlas
        .import("neighbourhoods", WIJK_OPTIONS, None, "w.geojson", &file)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for role in [Role::Retail, Role::Planner, Role::Business] {
        let (status, answer) = atlas
            .import(
                "neighbourhoods",
                WIJK_OPTIONS,
                Some(role),
                "w.geojson",
                &file,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}: {answer}");
    }
    assert_eq!(
        atlas
            .store
            .read_layer(LayerId::Neighbourhoods)
            .await
            .unwrap()
            .len(),
        fixtures::genk_centre().neighbourhoods.len()
    );
}

#[tokio::test]
async fn parcels_exported_and_imported_again_are_the_same_features() {
    let atlas = Atlas::new().await;
    let before = atlas.store.read_layer(LayerId::Parcels).await.unwrap();
    let (status, headers, bytes) = atlas
        .export(
            "/api/layers/parcels/export?format=gpkg",
            Some(Role::Business),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "application/geopackage+sqlite3"
    );
    assert!(headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("parcels.gpkg"));
    let (status, report) = atlas
        .import(
            "parcels",
            "?key=id",
            Some(Role::Business),
            "parcels.gpkg",
            &bytes,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["n_written"], before.len());
    let after = atlas.store.read_layer(LayerId::Parcels).await.unwrap();
    assert_eq!(after.len(), before.len());
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a.id, b.id);
        assert_eq!(a.values, b.values, "{}", a.id);
    }
}

#[tokio::test]
async fn a_broken_feature_is_reported_by_index_and_nothing_is_written_unless_asked() {
    let atlas = Atlas::new().await;
    let (_, _, bytes) = atlas
        .export(
            "/api/layers/parcels/export?format=geojson",
            Some(Role::Business),
        )
        .await;
    let mut collection: Value = serde_json::from_slice(&bytes).unwrap();
    let n_parcels = collection["features"].as_array().unwrap().len();
    assert!(n_parcels >= 2);
    // a parcel whose ring doubles back on itself (a zero-width spike): invalid,
    // and make-valid repairs it to one polygon
    collection["features"][0]["geometry"] = json!({"type": "Polygon", "coordinates": [[
        [5.500, 50.960], [5.502, 50.960], [5.502, 50.962], [5.501, 50.962],
        [5.501, 50.963], [5.501, 50.962], [5.500, 50.962], [5.500, 50.960]]]});
    let audit_before = atlas.audit_actions().await.len();
    let broken = collection.to_string();
    let (status, report) = atlas
        .import(
            "parcels",
            "",
            Some(Role::Business),
            "parcels.geojson",
            broken.as_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{report}");
    assert_eq!(report["n_invalid"], 1);
    assert_eq!(report["n_written"], 0);
    assert_eq!(report["problems"][0]["field"], "geometry", "{report}");
    assert!(report["error"]
        .as_str()
        .unwrap()
        .contains("nothing was written"));
    assert_eq!(
        atlas.audit_actions().await.len(),
        audit_before,
        "nothing written, nothing audited"
    );
    let (status, report) = atlas
        .import(
            "parcels",
            "?skip_invalid=true",
            Some(Role::Business),
            "parcels.geojson",
            broken.as_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["n_written"], n_parcels - 1);
    let (status, report) = atlas
        .import(
            "parcels",
            "?repair=true&dry_run=true",
            Some(Role::Business),
            "parcels.geojson",
            broken.as_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        (report["n_repaired"].as_u64(), report["n_written"].as_u64()),
        (Some(1), Some(0))
    );
}

#[tokio::test]
async fn bad_uploads_get_a_clear_400_and_write_nothing() {
    let atlas = Atlas::new().await;
    let admin = Some(Role::Admin);
    let before = atlas
        .store
        .read_layer(LayerId::Neighbourhoods)
        .await
        .unwrap();
    let no_crs = br#"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"geoitem": "1", "naam": "x"}, "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1000,0],[1000,1000],[0,0]]]}}]}"#;
    let cases: Vec<(&str, &str, &[u8], &str)> = vec![
        ("empty", WIJK_OPTIONS, b"", "file"),
        ("not gis", WIJK_OPTIONS, b"this is not a GIS file", "file"),
        ("no crs", WIJK_OPTIONS, no_crs, "crs"),
        (
            "unknown field",
            "?map=code:geoitem,name:naem&default=population:0",
            b"",
            "file",
        ),
        ("bad flag", "?dry_run=maybe", b"{}", "dry_run"),
        ("unknown option", "?colour=red", b"{}", "colour"),
    ];
    for (case, query, bytes, _) in &cases {
        let bytes: Vec<u8> = if case == &"unknown field" {
            genk_wijken()
        } else {
            bytes.to_vec()
        };
        let (status, answer) = atlas
            .import("neighbourhoods", query, admin, "upload.geojson", &bytes)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {answer}");
        let message = answer.to_string();
        assert!(
            !message.contains("/tmp"),
            "{case}: the server's paths stay private: {message}"
        );
    }
    let (status, answer) = atlas
        .import(
            "neighbourhoods",
            "?map=code:geoitem,name:naem&default=population:0",
            admin,
            "w.geojson",
            &genk_wijken(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer.to_string().contains("naem"), "{answer}");
    let (status, answer) = atlas
        .import("no_such_layer", "", admin, "w.geojson", &genk_wijken())
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    let not_multipart = Request::post("/api/import/neighbourhoods")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, atlas.cookie(Role::Admin))
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(atlas.send(not_multipart).await.0, StatusCode::BAD_REQUEST);
    let huge = vec![b' '; genk_atlas::http::MAX_UPLOAD_BYTES + 1024];
    let (status, _) = atlas
        .import("neighbourhoods", WIJK_OPTIONS, admin, "huge.geojson", &huge)
        .await;
    assert!(
        status == StatusCode::PAYLOAD_TOO_LARGE || status == StatusCode::BAD_REQUEST,
        "{status}"
    );
    assert_eq!(
        atlas
            .store
            .read_layer(LayerId::Neighbourhoods)
            .await
            .unwrap(),
        before
    );
}

#[tokio::test]
async fn exports_carry_confidential_fields_only_for_roles_that_see_them() {
    let atlas = Atlas::new().await;
    let occupants = |bytes: &[u8]| -> usize {
        let collection: Value = serde_json::from_slice(bytes).unwrap();
        collection["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|feature| feature["properties"].get("occupant").is_some())
            .count()
    };
    let uri = "/api/layers/shop_units/export?format=geojson";
    let (status, headers, public) = atlas.export(uri, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/geo+json");
    assert_eq!(occupants(&public), 0);
    let (_, _, business) = atlas.export(uri, Some(Role::Business)).await;
    assert_eq!(occupants(&business), 0);
    for role in [Role::Retail, Role::Planner, Role::Admin] {
        let (_, _, bytes) = atlas.export(uri, Some(role)).await;
        assert_eq!(
            occupants(&bytes),
            fixtures::genk_centre().shop_units.len(),
            "{role}"
        );
    }
    let (status, _, csv) = atlas
        .export("/api/layers/shop_units/export?format=csv", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.lines().next().unwrap().contains("status") && !csv.contains("occupant"),
        "{csv}"
    );
    let (status, _, lambert) = atlas
        .export(
            "/api/layers/shop_units/export?format=geojson&crs=EPSG:31370",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let lambert: Value = serde_json::from_slice(&lambert).unwrap();
    let x = lambert["features"][0]["geometry"]["coordinates"][0]
        .as_f64()
        .unwrap();
    assert!(
        (200_000.0..260_000.0).contains(&x),
        "Lambert 72 metres, not degrees: {x}"
    );
    for (query, parameter) in [
        ("?format=shp2", "format"),
        ("?crs=EPSG:abc", "crs"),
        ("?crs=EPSG:999999", "crs"),
        ("?page=2", "page"),
    ] {
        let (status, _, body) = atlas
            .export(&format!("/api/layers/shop_units/export{query}"), None)
            .await;
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["detail"]["parameter"], parameter, "{body}");
    }
}
