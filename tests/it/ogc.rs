//! OGC API – Features and Tiles with real clients: GDAL's `OAPIF` driver
//! (`ogrinfo`, `ogr2ogr`) against a real `atlas serve` on the demo city, the
//! store's own GeoPackage read by GDAL as the oracle; paging by walking the
//! `next` and `prev` links; CRS against `ogr2ogr -t_srs`; roles; bad input.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use gdal::vector::LayerAccess;
use serde_json::Value as Json;

use super::servers::{atlas, Server};

fn token_for(gpkg: &str, name: &str, role: &str) -> String {
    atlas(&["user", "add", name, "--role", role, "--gpkg", gpkg]);
    atlas(&["user", "token", name, "--gpkg", gpkg])
        .trim()
        .to_string()
}

/// Run a GDAL tool to the end; its stdout, or a panic with its stderr.
fn gdal_tool(program: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let output = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|error| panic!("{program} must be installed (gdal-bin): {error}"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A feature's fields as text, and its geometry's coordinates.
type FieldsAndCoordinates = (BTreeMap<String, String>, Vec<(f64, f64)>);

/// Every feature of `layer` in a GDAL-readable file, by id.
fn read_layer(path: &str, layer: &str) -> BTreeMap<String, FieldsAndCoordinates> {
    let dataset = gdal::Dataset::open(path).unwrap();
    let mut layer = dataset.layer_by_name(layer).unwrap();
    let mut out = BTreeMap::new();
    for feature in layer.features() {
        let mut fields = BTreeMap::new();
        let mut id = None;
        for (name, value) in feature.fields() {
            let text = match value {
                None => String::new(),
                Some(gdal::vector::FieldValue::RealValue(x)) => format!("{x}"),
                Some(gdal::vector::FieldValue::IntegerValue(x)) => format!("{x}"),
                Some(gdal::vector::FieldValue::Integer64Value(x)) => format!("{x}"),
                Some(gdal::vector::FieldValue::StringValue(x)) => x,
                Some(gdal::vector::FieldValue::DateValue(x)) => x.to_string(),
                Some(other) => format!("{other:?}"),
            };
            if name == "id" {
                id = Some(text);
            } else if name != "fid" {
                fields.insert(name, text);
            }
        }
        let geometry = feature.geometry().unwrap();
        let mut coords = Vec::new();
        collect_points(geometry, &mut coords);
        out.insert(id.expect("an id field"), (fields, coords));
    }
    out
}

fn collect_points(geometry: &gdal::vector::Geometry, out: &mut Vec<(f64, f64)>) {
    if geometry.geometry_count() == 0 {
        let mut points = Vec::new();
        geometry.get_points(&mut points);
        out.extend(points.iter().map(|(x, y, _)| (*x, *y)));
    } else {
        for index in 0..geometry.geometry_count() {
            collect_points(&geometry.get_geometry(index), out);
        }
    }
}

/// A value as text the way both sides print it: numbers compared as numbers.
fn same_value(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= 1e-9 * x.abs().max(1.0),
        _ => a == b || (a, b) == ("0", "false") || (a, b) == ("1", "true"),
    }
}

async fn get_json(server: &Server, path: &str, headers: &[(&str, String)]) -> Json {
    let answer = server.request("GET", path, headers, None).await.unwrap();
    assert_eq!(
        answer.status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()
}

fn path_of(href: &str, port: u16) -> String {
    href.strip_prefix(&format!("http://127.0.0.1:{port}"))
        .unwrap_or(href)
        .to_string()
}

/// The demo (seed 1) in a GeoPackage in a fresh folder, a retail token for
/// it, and a server on it.
async fn demo_served_with_retail_token() -> (tempfile::TempDir, String, String, Server) {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("demo.gpkg").to_str().unwrap().to_string();
    atlas(&["demo", "--out", &gpkg, "--seed", "1"]);
    let retail = token_for(&gpkg, "winkelteam", "retail");
    let server = Server::start(&["--gpkg", &gpkg], dir.path()).await;
    (dir, gpkg, retail, server)
}

#[tokio::test(flavor = "multi_thread")]
async fn gdal_and_http_clients_read_the_ogc_api_as_the_store_holds_it() {
    let (dir, gpkg, retail, server) = demo_served_with_retail_token().await;
    let gpkg = gpkg.as_str();
    let port = server.port;
    let url = format!("OAPIF:http://127.0.0.1:{port}/ogc");
    let health = server.get_ok("/api/health").await;

    // ogrinfo lists every collection, each layer with the store's count
    let listing = gdal_tool("ogrinfo", &["-ro", "-q", &url], &[]);
    for layer in genk_atlas::model::ALL_LAYERS {
        assert!(listing.contains(&format!(": {} (", layer.id)), "{listing}");
        let summary = gdal_tool("ogrinfo", &["-ro", "-so", &url, layer.id.as_str()], &[]);
        let count = health["layers"][layer.id.as_str()].as_u64().unwrap();
        assert!(
            summary.contains(&format!("Feature Count: {count}\n")),
            "{}: {summary}",
            layer.id
        );
    }
    assert!(
        listing.contains(": vacancy_h3 (") && listing.contains(": coverage ("),
        "{listing}"
    );

    // ogr2ogr pulls the shop units and the parcels through the next links
    // (pages of 1,000): the same ids, values and geometries as the store
    for (layer, page) in [("shop_units", "1000"), ("parcels", "5000")] {
        let out = dir.path().join(format!("{layer}-pulled.gpkg"));
        let out = out.to_str().unwrap();
        gdal_tool(
            "ogr2ogr",
            &[
                "-f",
                "GPKG",
                out,
                &url,
                layer,
                "-oo",
                &format!("PAGE_SIZE={page}"),
            ],
            &[],
        );
        let store = read_layer(gpkg, layer);
        let pulled = read_layer(out, layer);
        assert_eq!(store.len(), pulled.len(), "{layer}");
        for (id, (fields, coords)) in &store {
            let (pulled_fields, pulled_coords) = pulled
                .get(id)
                .unwrap_or_else(|| panic!("{layer} {id} missing"));
            for (name, value) in fields {
                if name == "occupant" {
                    continue;
                }
                let got = pulled_fields.get(name).map(String::as_str).unwrap_or("");
                assert!(
                    same_value(value, got),
                    "{layer} {id} {name}: store {value:?}, OGC {got:?}"
                );
            }
            assert!(
                !pulled_fields.contains_key("occupant"),
                "the public gets no occupant"
            );
            assert_eq!(coords.len(), pulled_coords.len(), "{layer} {id}");
            for (a, b) in coords.iter().zip(pulled_coords) {
                assert!(
                    (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9,
                    "{layer} {id}: {a:?} {b:?}"
                );
            }
        }
    }

    // with a retail token (GDAL_HTTP_HEADERS) the occupant is there
    let with_token = dir.path().join("units-retail.gpkg");
    let with_token = with_token.to_str().unwrap();
    let header = format!("Authorization: Bearer {retail}");
    gdal_tool(
        "ogr2ogr",
        &["-f", "GPKG", with_token, &url, "shop_units"],
        &[("GDAL_HTTP_HEADERS", &header)],
    );
    let pulled = read_layer(with_token, "shop_units");
    let store = read_layer(gpkg, "shop_units");
    let n_occupants = store
        .values()
        .filter(|(fields, _)| !fields["occupant"].is_empty())
        .count();
    assert!(n_occupants > 100);
    for (id, (fields, _)) in &store {
        assert_eq!(fields["occupant"], pulled[id].0["occupant"], "{id}");
    }
    // the same through HTTP Basic, name and token (GDAL_HTTP_USERPWD), as
    // QGIS 3.22 sends it; a token under another account's name is refused
    let with_basic = dir.path().join("units-basic.gpkg");
    let with_basic = with_basic.to_str().unwrap();
    let userpwd = format!("winkelteam:{retail}");
    gdal_tool(
        "ogr2ogr",
        &["-f", "GPKG", with_basic, &url, "shop_units"],
        &[("GDAL_HTTP_USERPWD", &userpwd), ("GDAL_HTTP_AUTH", "BASIC")],
    );
    let pulled = read_layer(with_basic, "shop_units");
    for (id, (fields, _)) in &store {
        assert_eq!(fields["occupant"], pulled[id].0["occupant"], "{id}");
    }
    use base64::Engine as _;
    for (credentials, status) in [
        (format!("beheer:{retail}"), 401),
        ("winkelteam:atlas_not_a_token".to_string(), 401),
        (format!("winkelteam:{retail}"), 200),
    ] {
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(&credentials)
        );
        let answer = server
            .request(
                "GET",
                "/ogc/collections/shop_units/items?limit=1",
                &[("Authorization", basic)],
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            answer.status,
            status,
            "{}",
            credentials.split(':').next().unwrap()
        );
    }

    // paging: every feature once through next, and prev goes back
    let mut seen = BTreeSet::new();
    let mut path = "/ogc/collections/companies/items?limit=97".to_string();
    let mut pages = Vec::new();
    loop {
        let page = get_json(&server, &path, &[]).await;
        assert_eq!(page["numberMatched"], health["layers"]["companies"]);
        assert_eq!(
            page["numberReturned"].as_u64().unwrap() as usize,
            page["features"].as_array().unwrap().len()
        );
        for feature in page["features"].as_array().unwrap() {
            assert!(
                seen.insert(feature["id"].as_str().unwrap().to_string()),
                "twice: {}",
                feature["id"]
            );
        }
        pages.push(page.clone());
        let next = page["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|link| link["rel"] == "next");
        match next {
            Some(link) => path = path_of(link["href"].as_str().unwrap(), port),
            None => break,
        }
    }
    assert_eq!(
        seen.len() as u64,
        health["layers"]["companies"].as_u64().unwrap()
    );
    let last = pages.last().unwrap();
    let prev = last["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|link| link["rel"] == "prev")
        .unwrap();
    let before_last = get_json(&server, &path_of(prev["href"].as_str().unwrap(), port), &[]).await;
    assert_eq!(before_last["features"], pages[pages.len() - 2]["features"]);

    // a property filter on a queryable: the vacant units, by brute force
    // the landing page links what OGC clients look for; /ogc/ leads there
    let landing = get_json(&server, "/ogc", &[]).await;
    let rels: BTreeSet<&str> = landing["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|link| link["rel"].as_str())
        .collect();
    for rel in ["self", "service-desc", "service-doc", "conformance", "data"] {
        assert!(rels.contains(rel), "landing page without {rel}: {rels:?}");
    }
    let slash = server.get("/ogc/").await.unwrap();
    assert_eq!(
        (slash.status, slash.header("location")),
        (308, Some("/ogc"))
    );
    let vacant = get_json(
        &server,
        "/ogc/collections/shop_units/items?status=vacant&limit=10000",
        &[],
    )
    .await;
    let expected: BTreeSet<&String> = store
        .iter()
        .filter(|(_, (f, _))| f["status"] == "vacant")
        .map(|(id, _)| id)
        .collect();
    let got: BTreeSet<String> = vacant["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got.len(), expected.len());
    assert!(expected.iter().all(|id| got.contains(*id)));

    // bbox by brute force over the store's points
    let (w, s, e, n) = (5.49, 50.955, 5.51, 50.965);
    let boxed = get_json(
        &server,
        &format!("/ogc/collections/shop_units/items?bbox={w},{s},{e},{n}&limit=10000"),
        &[],
    )
    .await;
    let inside = store
        .values()
        .filter(|(_, c)| c[0].0 >= w && c[0].0 <= e && c[0].1 >= s && c[0].1 <= n)
        .count();
    assert!(inside > 10);
    assert_eq!(boxed["numberMatched"].as_u64().unwrap() as usize, inside);

    // CRS: EPSG:31370 matches ogr2ogr -t_srs of the store within 1 mm;
    // EPSG:4326 is latitude first
    let lambert = dir.path().join("lambert.gpkg");
    let lambert = lambert.to_str().unwrap();
    gdal_tool(
        "ogr2ogr",
        &[
            "-f",
            "GPKG",
            lambert,
            gpkg,
            "parcels",
            "-t_srs",
            "EPSG:31370",
        ],
        &[],
    );
    let projected = read_layer(lambert, "parcels");
    let (id, (_, coords)) = projected.iter().nth(123).unwrap();
    let answer = server
        .request("GET", &format!("/ogc/collections/parcels/items/{id}?crs=http://www.opengis.net/def/crs/EPSG/0/31370"), &[], None)
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-crs"),
        Some("<http://www.opengis.net/def/crs/EPSG/0/31370>")
    );
    let ring = answer.json()["geometry"]["coordinates"][0].clone();
    let ring = ring.as_array().unwrap();
    assert_eq!(ring.len(), coords.len());
    for (point, (x, y)) in ring.iter().zip(coords) {
        assert!(
            (point[0].as_f64().unwrap() - x).abs() < 1e-3
                && (point[1].as_f64().unwrap() - y).abs() < 1e-3
        );
    }
    let plain = get_json(
        &server,
        &format!("/ogc/collections/parcels/items/{id}"),
        &[],
    )
    .await;
    let latlon = get_json(
        &server,
        &format!("/ogc/collections/parcels/items/{id}?crs=EPSG:4326"),
        &[],
    )
    .await;
    let (a, b) = (
        &plain["geometry"]["coordinates"][0][0],
        &latlon["geometry"]["coordinates"][0][0],
    );
    assert_eq!((a[0].clone(), a[1].clone()), (b[1].clone(), b[0].clone()));

    // roles in queryables and in filters
    let public_q = get_json(&server, "/ogc/collections/shop_units/queryables", &[]).await;
    assert!(
        public_q["properties"].get("occupant").is_none()
            && public_q["properties"].get("status").is_some()
    );
    let auth = [("Authorization", format!("Bearer {retail}"))];
    let retail_q = get_json(&server, "/ogc/collections/shop_units/queryables", &auth).await;
    assert!(retail_q["properties"].get("occupant").is_some());

    // datetime on shop units: the state on the date from the history
    let on_date = get_json(
        &server,
        "/ogc/collections/shop_units/items?datetime=2022-06-01&limit=10000",
        &auth,
    )
    .await;
    let unit = &on_date["features"][0];
    let history = get_json(
        &server,
        &format!("/api/shop_units/{}/history", unit["id"].as_str().unwrap()),
        &auth,
    )
    .await;
    let in_force = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["valid_from"].as_str().unwrap() <= "2022-06-01")
        .max_by_key(|event| {
            (
                event["valid_from"].as_str().unwrap().to_string(),
                event["event_id"].as_i64().unwrap(),
            )
        })
        .unwrap();
    assert_eq!(unit["properties"]["status"], in_force["status"]);
    assert_eq!(unit["properties"]["occupant"], in_force["occupant"].clone());

    // derived collections, tiles from the one cache, HTML
    let cells = get_json(
        &server,
        "/ogc/collections/vacancy_h3/items?limit=10000&datetime=2024-01-01",
        &[],
    )
    .await;
    let api_cells = server.get_ok("/api/vacancy/h3?date=2024-01-01").await;
    assert_eq!(
        cells["numberMatched"].as_u64().unwrap() as usize,
        api_cells["features"].as_array().unwrap().len()
    );
    let tile = server
        .get("/ogc/collections/shop_units/tiles/WebMercatorQuad/14/5487/8442")
        .await
        .unwrap();
    let same = server
        .get("/tiles/shop_units/14/8442/5487.mvt")
        .await
        .unwrap();
    assert_eq!(
        (tile.status, tile.header("etag")),
        (same.status, same.header("etag"))
    );
    let html = server
        .request(
            "GET",
            "/ogc/collections",
            &[("Accept", "text/html".into())],
            None,
        )
        .await
        .unwrap();
    assert!(html
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(String::from_utf8_lossy(&html.body).contains("Handelspanden"));

    // bad input is a 400 naming the parameter, never a 5xx
    for (path, parameter) in [
        ("/ogc/collections/parcels/items?bbox=1,2,3", "bbox"),
        ("/ogc/collections/parcels/items?crs=EPSG:2154", "crs"),
        ("/ogc/collections/parcels/items?limit=0", "limit"),
        ("/ogc/collections/parcels/items?limit=99999", "limit"),
        ("/ogc/collections/parcels/items?datetime=2025-02-30", "datetime"),
        ("/ogc/collections/parcels/items?colour=red", "colour"),
        ("/ogc/collections/shop_units/items?occupant=x", "occupant"),
        ("/ogc/collections/shop_units/items?datetime=2020-01-01/2021-01-01", "datetime"),
        ("/ogc/collections/vacancy_h3/items?res=7", "res"),
        ("/ogc/collections/coverage/items?kind=bar", "kind"),
        ("/ogc/collections/parcels/tiles/WebMercatorQuad/23/0/0", "tileMatrix"),
        ("/ogc/collections/parcels/items?filter=area_m2%20%3E", "filter"),
        ("/ogc/collections/parcels/items?filter=area_m2%20%3E%201%3B%20DROP%20TABLE%20parcels", "filter"),
        ("/ogc/collections/parcels/items?filter=colour%20%3D%20%27red%27", "filter"),
        ("/ogc/collections/parcels/items?filter=area_m2%20%3D%20%27big%27", "filter"),
        ("/ogc/collections/parcels/items?filter-lang=cql2-json&filter=%7B%22op%22%3A%22%3D%22%7D", "filter"),
        ("/ogc/collections/parcels/items?filter-lang=ecql&filter=true", "filter-lang"),
        ("/ogc/collections/parcels/items?filter-crs=EPSG:2154&filter=true", "filter-crs"),
    ] {
        let answer = server.get(path).await.unwrap();
        assert_eq!(answer.status, 400, "{path}");
        assert_eq!(answer.json()["detail"]["parameter"], parameter, "{path}");
    }
}

/// The ids of the features `ogr2ogr -where -spat` copies out of `source`.
fn ids_through_ogr2ogr(
    source: &str,
    layer: &str,
    out: &str,
    where_clause: &str,
    spat: &[&str; 4],
    env: &[(&str, &str)],
) -> BTreeSet<String> {
    let mut args = vec![
        "-f",
        "GPKG",
        out,
        source,
        layer,
        "-where",
        where_clause,
        "-spat",
    ];
    args.extend(spat.iter());
    gdal_tool("ogr2ogr", &args, env);
    read_layer(out, layer).into_keys().collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn gdal_sends_where_as_cql2_and_spat_as_bbox_and_gets_what_the_store_holds() {
    let (dir, gpkg, retail, server) = demo_served_with_retail_token().await;
    let gpkg = gpkg.as_str();
    let url = format!("OAPIF:http://127.0.0.1:{}/ogc", server.port);
    // GDAL 3.6 sends a filter when told the server takes CQL text
    let cql = ("OGR_OAPIF_ALLOW_CQL_TEXT", "YES");
    let header = format!("Authorization: Bearer {retail}");
    let cases: [(&str, &str, [&str; 4], bool); 5] = [
        (
            "shop_units",
            "status = 'vacant' AND floor_area_m2 >= 100",
            ["5.45", "50.93", "5.55", "51.0"],
            false,
        ),
        (
            "shop_units",
            "kind IS NULL OR category LIKE 'dai%'",
            ["5.48", "50.95", "5.52", "50.98"],
            false,
        ),
        (
            "shop_units",
            "NOT (status = 'vacant') AND status_since < '2025-01-01'",
            ["5.40", "50.90", "5.60", "51.05"],
            false,
        ),
        (
            "parcels",
            "area_m2 > 2000 AND zoning = 'industrial'",
            ["5.45", "50.93", "5.56", "51.0"],
            false,
        ),
        // (GDAL 3.6's own LIKE ignores case, CQL2's does not: no LIKE here)
        (
            "shop_units",
            "occupant IS NOT NULL AND floor_area_m2 < 90",
            ["5.45", "50.93", "5.55", "51.0"],
            true,
        ),
    ];
    for (index, (layer, where_clause, spat, with_token)) in cases.iter().enumerate() {
        let from_store = dir.path().join(format!("store-{index}.gpkg"));
        let over_http = dir.path().join(format!("oapif-{index}.gpkg"));
        let expected = ids_through_ogr2ogr(
            gpkg,
            layer,
            from_store.to_str().unwrap(),
            where_clause,
            spat,
            &[],
        );
        let mut env = vec![cql];
        if *with_token {
            env.push(("GDAL_HTTP_HEADERS", header.as_str()));
        }
        let got = ids_through_ogr2ogr(
            &url,
            layer,
            over_http.to_str().unwrap(),
            where_clause,
            spat,
            &env,
        );
        assert!(
            expected.len() > 5,
            "{where_clause}: {} features; pick a filter that selects some",
            expected.len()
        );
        assert_eq!(got, expected, "{where_clause}");
    }
    // the server's log shows each filter and box as GDAL sent them: the
    // work was done by the server, not by GDAL after it read everything
    let log = std::fs::read_to_string(&server.log).unwrap();
    let sent: Vec<&str> = log
        .lines()
        .filter(|line| {
            line.contains("/items?") && line.contains("filter=") && line.contains("bbox=")
        })
        .collect();
    for (layer, where_clause, _, _) in &cases {
        let first_word = where_clause
            .split(' ')
            .next()
            .unwrap()
            .trim_start_matches('(');
        assert!(
            sent.iter().any(
                |line| line.contains(&format!("/collections/{layer}/items?"))
                    && line.contains(first_word)
                    && line.contains(" 200 ")
            ),
            "no items request with the filter '{where_clause}' in the log:\n{}",
            sent.join("\n")
        );
    }
    // the public cannot filter on the occupant: the same 400 as a field
    // that does not exist, saying where
    let answer = server
        .get("/ogc/collections/shop_units/items?filter=occupant%20LIKE%20%27%25a%25%27")
        .await
        .unwrap();
    assert_eq!(answer.status, 400);
    let error = answer.json()["error"].as_str().unwrap().to_string();
    assert!(
        error.contains("unknown property 'occupant'") && error.contains("at character 0"),
        "{error}"
    );
}
