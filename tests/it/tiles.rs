//! Vector tiles over HTTP, in-process: decoded tiles hold exactly the features
//! that meet them (checked against a brute-force intersects), no confidential
//! property ever leaves, gzip/ETag/304 work, a change written through the
//! store shows in the next tile, an area's name is written once inside it,
//! the label glyphs are served, and bad paths are JSON errors.
//!
//! The dataset is small and hand-made around Genk's centre (z16 tiles are
//! about 385 m wide there), stored in a GeoPackage in a temporary folder.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use bytes::Bytes;
use chrono::NaiveDate;
use geo::{coord, Coord, Intersects, LineString, MultiPolygon, Point, Polygon, Rect};
use http_body_util::BodyExt;
use rand::{Rng, SeedableRng};
use tower::ServiceExt;

use crate::mvt::{decode_tile, DecodedFeature};
use genk_atlas::engine::Engine;
use genk_atlas::http::tile_cache::{TileEncoding, TileKey};
use genk_atlas::http::{router, AppState};
use genk_atlas::model::layers::*;
use genk_atlas::model::{Feature, LayerId};
use genk_atlas::store::geopackage::GeoPackageStore;
use genk_atlas::store::{LayerStore, SharedStore, WriteBatch};
use genk_atlas::tiles::coord::TileTransform;
use genk_atlas::tiles::encode::PropertyValue;
use genk_atlas::tiles::geometry::TileGeometry;
use genk_atlas::tiles::mercator::lonlat_to_world;
use genk_atlas::tiles::{TileCoord, TileParams};

/// Secrets that the confidential fields hold; they must never be served.
const OCCUPANT_PREFIX: &str = "Geheime Uitbater";
const CONTACT_PREFIX: &str = "vertrouwelijk-contact";

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a test date")
}

fn rectangle(west: f64, south: f64, east: f64, north: f64) -> Vec<Coord<f64>> {
    vec![
        coord! { x: west, y: south },
        coord! { x: east, y: south },
        coord! { x: east, y: north },
        coord! { x: west, y: north },
        coord! { x: west, y: south },
    ]
}

/// The z16 tile that holds a point.
fn tile_at(z: u8, lon: f64, lat: f64) -> TileCoord {
    let (x, y) = lonlat_to_world(lon, lat);
    let n_tiles = f64::from(1u32 << z);
    TileCoord::new_checked(u32::from(z), (x * n_tiles) as u32, (y * n_tiles) as u32)
        .expect("a tile")
}

/// Every tile at zoom `z` that covers the box.
fn tiles_over(bbox: Rect<f64>, z: u8) -> Vec<TileCoord> {
    let north_west = tile_at(z, bbox.min().x, bbox.max().y);
    let south_east = tile_at(z, bbox.max().x, bbox.min().y);
    let mut tiles = Vec::new();
    for x in north_west.x()..=south_east.x() {
        for y in north_west.y()..=south_east.y() {
            tiles.push(TileCoord::new_checked(u32::from(z), x, y).expect("a tile"));
        }
    }
    tiles
}

/// The east edge of the z16 tile at Genk's centre: the holed parcel and the
/// long street straddle it.
fn border_lon() -> f64 {
    tile_at(16, 5.505, 50.966).bounds_lonlat().max().x
}

fn parcel(id: String, geometry: Polygon<f64>, availability: Availability) -> Feature {
    Parcel {
        capakey: format!("71016A{id}"),
        id,
        geometry,
        area_m2: 1000.0,
        zoning: Zoning::Retail,
        owner_kind: OwnerKind::Private,
        park_id: None,
        availability,
        available_from: Some(date("2025-01-01")),
        price_eur_m2: Some(95.5),
        ready_to_build: true,
        max_height_m: None,
    }
    .to_feature()
}

fn shop_unit(index: usize, lon: f64, lat: f64, status: UnitStatus) -> Feature {
    ShopUnit {
        id: format!("unit-{index:03}"),
        geometry: Point::new(lon, lat),
        address: format!("Teststraat {index}"),
        street: "Teststraat".into(),
        floor_area_m2: 80.0 + index as f64,
        category: ShopCategory::Daily,
        kind: Some(ShopKind::Bakery),
        status,
        status_since: date("2023-05-01"),
        occupant: Some(format!("{OCCUPANT_PREFIX} {index}")),
        area_id: None,
    }
    .to_feature()
}

/// The hand-made dataset, by layer.
fn dataset() -> BTreeMap<LayerId, Vec<Feature>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let border = border_lon();
    let mut layers: BTreeMap<LayerId, Vec<Feature>> = BTreeMap::new();

    let mut parcels = Vec::new();
    for row in 0..8 {
        for column in 0..12 {
            let west = 5.4953 + f64::from(column) * 0.0017;
            let south = 50.9603 + f64::from(row) * 0.0013;
            let polygon = Polygon::new(
                rectangle(west, south, west + 0.0014, south + 0.0011).into(),
                vec![],
            );
            let availability = if (row + column) % 3 == 0 {
                Availability::ForSale
            } else {
                Availability::NotOffered
            };
            parcels.push(parcel(
                format!("grid-{row}-{column}"),
                polygon,
                availability,
            ));
        }
    }
    let holed = Polygon::new(
        rectangle(border - 0.0015, 50.9651, border + 0.0015, 50.9669).into(),
        vec![rectangle(border - 0.0004, 50.9656, border + 0.0004, 50.9664).into()],
    );
    parcels.push(parcel("holed".into(), holed, Availability::ForLease));
    layers.insert(LayerId::Parcels, parcels);

    let street = |id: &str, points: &[(f64, f64)], class: StreetClass| {
        Street {
            id: id.into(),
            geometry: LineString::from(points.to_vec()),
            name: format!("{id}straat"),
            walkable: class != StreetClass::Motorway,
            class,
        }
        .to_feature()
    };
    layers.insert(
        LayerId::Streets,
        vec![
            street(
                "long",
                &[(5.4901, 50.9631), (5.5051, 50.9668), (5.5199, 50.9689)],
                StreetClass::Primary,
            ),
            street(
                "bend",
                &[(5.5003, 50.9611), (5.5071, 50.9612), (5.5072, 50.9702)],
                StreetClass::Residential,
            ),
            street(
                "short",
                &[(5.5101, 50.9641), (5.5107, 50.9643)],
                StreetClass::Footway,
            ),
        ],
    );

    let statuses = [
        UnitStatus::Occupied,
        UnitStatus::Vacant,
        UnitStatus::Renovation,
    ];
    let units = (0..40)
        .map(|index| {
            let lon = rng.random_range(5.4960..5.5140);
            let lat = rng.random_range(50.9610..50.9700);
            shop_unit(index, lon, lat, statuses[index % 3])
        })
        .collect();
    layers.insert(LayerId::ShopUnits, units);

    let companies = (0..10)
        .map(|index| {
            Company {
                id: format!("company-{index}"),
                geometry: Point::new(
                    rng.random_range(5.4960..5.5140),
                    rng.random_range(50.9610..50.9700),
                ),
                name: format!("Bedrijf {index}"),
                nace: "47.24".into(),
                employees: Some(5 + index as i64),
                contact: Some(format!("{CONTACT_PREFIX}-{index}")),
            }
            .to_feature()
        })
        .collect();
    layers.insert(LayerId::Companies, companies);

    let residents = (0..300)
        .map(|index| {
            Resident {
                id: format!("resident-{index:04}"),
                geometry: Point::new(
                    rng.random_range(5.4950..5.5150),
                    rng.random_range(50.9600..50.9710),
                ),
                population: rng.random_range(1..6),
            }
            .to_feature()
        })
        .collect();
    layers.insert(LayerId::Residents, residents);

    let centre = Neighbourhood {
        id: "71016W06".into(),
        geometry: MultiPolygon::new(vec![Polygon::new(
            rectangle(5.4900, 50.9580, 5.5200, 50.9730).into(),
            vec![rectangle(5.5010, 50.9640, 5.5030, 50.9650).into()],
        )]),
        code: "71016W06".into(),
        name: "Genk-Centrum".into(),
        population: 5000,
    }
    .to_feature();
    layers.insert(LayerId::Neighbourhoods, vec![centre]);
    layers
}

struct Atlas {
    state: AppState,
    layers: BTreeMap<LayerId, Vec<Feature>>,
    _dir: tempfile::TempDir,
}

async fn atlas() -> Atlas {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = GeoPackageStore::create(&dir.path().join("atlas.gpkg")).expect("a new geopackage");
    let layers = dataset();
    let batch = WriteBatch {
        layers: layers.clone().into_iter().collect(),
        events: vec![],
    };
    store
        .write(&batch, &|_| {})
        .await
        .expect("the dataset is written");
    let engine = Engine::new(layers.clone().into_iter().collect(), vec![]);
    let store: SharedStore = Arc::new(store);
    Atlas {
        state: AppState::new(store, engine, None),
        layers,
        _dir: dir,
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

async fn get(state: &AppState, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = Request::get(path).header(header::HOST, "atlas.test:8080");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = router(state.clone())
        .oneshot(request.body(Body::empty()).expect("a request"))
        .await
        .expect("the router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    Answer {
        status,
        headers,
        body,
    }
}

fn tile_path(layer: LayerId, tile: TileCoord) -> String {
    format!("/tiles/{layer}/{}/{}/{}.mvt", tile.z(), tile.x(), tile.y())
}

/// The decoded layers of a tile by name (none for a 204).
async fn tile_layers(
    state: &AppState,
    layer: LayerId,
    tile: TileCoord,
) -> BTreeMap<String, Vec<DecodedFeature>> {
    let answer = get(state, &tile_path(layer, tile), &[]).await;
    match answer.status {
        StatusCode::NO_CONTENT => BTreeMap::new(),
        StatusCode::OK => {
            assert_eq!(
                answer.header(header::CONTENT_TYPE),
                Some("application/vnd.mapbox-vector-tile")
            );
            let decoded = decode_tile(&answer.body).expect("a valid tile");
            decoded
                .layers
                .into_iter()
                .map(|decoded_layer| {
                    assert_eq!(
                        (decoded_layer.version, decoded_layer.extent_units),
                        (2, 4096)
                    );
                    (decoded_layer.name, decoded_layer.features)
                })
                .collect()
        }
        other => panic!("{layer} {tile}: status {other}"),
    }
}

/// The decoded features of a tile's layer (none for a 204); besides it, a
/// tile holds at most the layer's label points.
async fn tile_features(state: &AppState, layer: LayerId, tile: TileCoord) -> Vec<DecodedFeature> {
    let mut layers = tile_layers(state, layer, tile).await;
    let labels = format!("{layer}_labels");
    assert!(
        layers
            .keys()
            .all(|name| name == layer.as_str() || *name == labels),
        "{layer} {tile}: {:?}",
        layers.keys()
    );
    assert!(
        layers.is_empty() || layers.contains_key(layer.as_str()),
        "{layer} {tile}: labels only"
    );
    layers.remove(layer.as_str()).unwrap_or_default()
}

fn ids(features: &[DecodedFeature]) -> BTreeSet<String> {
    features
        .iter()
        .map(|feature| feature.text("id").expect("an id property").to_string())
        .collect()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut plain)
        .expect("valid gzip");
    plain
}

fn data_extent(atlas: &Atlas) -> Rect<f64> {
    atlas.state.engine().extent().expect("data")
}

#[tokio::test]
async fn decoded_tiles_hold_exactly_the_features_that_meet_them() {
    let atlas = atlas().await;
    let params = TileParams::default();
    let mut tiles_per_feature: BTreeMap<(LayerId, String), usize> = BTreeMap::new();
    let cases = [
        (LayerId::Parcels, [15u8, 16, 17]),
        (LayerId::Streets, [15, 16, 17]),
        (LayerId::ShopUnits, [14, 16, 17]),
        (LayerId::Residents, [15, 16, 17]),
        (LayerId::Neighbourhoods, [12, 15, 16]),
    ];
    for (layer, zooms) in cases {
        let features = &atlas.layers[&layer];
        for z in zooms {
            for tile in tiles_over(data_extent(&atlas), z) {
                let decoded = tile_features(&atlas.state, layer, tile).await;
                let got = ids(&decoded);
                assert_eq!(got.len(), decoded.len(), "{layer} {tile}: an id twice");
                let meeting = |bounds: Rect<f64>| -> BTreeSet<String> {
                    features
                        .iter()
                        .filter(|feature| feature.geometry.intersects(&bounds))
                        .map(|feature| feature.id.clone())
                        .collect()
                };
                let in_tile = meeting(tile.bounds_lonlat());
                let in_buffer = meeting(params.query_bounds(tile));
                assert!(
                    in_tile.is_subset(&got),
                    "{layer} {tile}: missing {:?}",
                    in_tile.difference(&got)
                );
                assert!(
                    got.is_subset(&in_buffer),
                    "{layer} {tile}: extra {:?}",
                    got.difference(&in_buffer)
                );
                if z == 16 {
                    for id in in_tile {
                        *tiles_per_feature.entry((layer, id)).or_default() += 1;
                    }
                }
            }
        }
    }
    assert!(tiles_per_feature[&(LayerId::Parcels, "holed".to_string())] >= 2);
    assert!(tiles_per_feature[&(LayerId::Streets, "long".to_string())] >= 3);
}

/// An area's name is written once per zoom, inside the area: its label
/// point is in exactly one of the tiles the area spans.
#[tokio::test]
async fn an_area_name_is_in_one_tile_per_zoom_and_inside_the_area() {
    use geo::Contains;
    let atlas = atlas().await;
    let centre = &atlas.layers[&LayerId::Neighbourhoods][0];
    let geo::Geometry::MultiPolygon(area) = &centre.geometry else {
        panic!("a multipolygon");
    };
    for z in 10..=16u8 {
        let mut labels = Vec::new();
        for tile in tiles_over(data_extent(&atlas), z) {
            for feature in tile_layers(&atlas.state, LayerId::Neighbourhoods, tile)
                .await
                .remove("neighbourhoods_labels")
                .unwrap_or_default()
            {
                let TileGeometry::Points(points) = &feature.geometry else {
                    panic!("a label is a point");
                };
                assert_eq!(points.len(), 1);
                assert!(
                    points[0].iter().all(|unit| (0..4096).contains(unit)),
                    "{tile}: {points:?}"
                );
                let world = TileTransform::new(tile, 4096).to_lonlat(
                    coord! { x: f64::from(points[0][0]) + 0.5, y: f64::from(points[0][1]) + 0.5 },
                );
                labels.push((feature, world));
            }
        }
        assert_eq!(labels.len(), 1, "z{z}: {} label points", labels.len());
        let (label, at) = &labels[0];
        assert_eq!(label.text("name"), Some("Genk-Centrum"));
        assert_eq!(label.text("id"), Some(centre.id.as_str()));
        assert_eq!(
            label.properties.len(),
            2,
            "only the id and the name: {:?}",
            label.properties
        );
        assert!(
            area.contains(&Point(*at)),
            "z{z}: {at:?} is outside the area"
        );
    }
}

#[tokio::test]
async fn a_polygon_with_a_hole_keeps_its_hole_on_both_sides_of_a_tile_border() {
    let atlas = atlas().await;
    let west_tile = tile_at(16, 5.505, 50.966);
    let east_tile = TileCoord::new_checked(16, west_tile.x() + 1, west_tile.y()).expect("a tile");
    assert!(border_lon() == east_tile.bounds_lonlat().min().x);
    for tile in [west_tile, east_tile] {
        let features = tile_features(&atlas.state, LayerId::Parcels, tile).await;
        let holed = features
            .iter()
            .find(|f| f.text("id") == Some("holed"))
            .expect("the holed parcel");
        let TileGeometry::Polygons(polygons) = &holed.geometry else {
            panic!("not a polygon")
        };
        assert_eq!(polygons.len(), 1, "{tile}");
        assert_eq!(polygons[0].len(), 2, "{tile}: exterior and hole");
        // The hole reaches the shared border (x = 4096 or 0) from inside.
        let hole_xs: Vec<i32> = polygons[0][1].iter().map(|point| point[0]).collect();
        let border_x = if tile == west_tile { 4096 } else { 0 };
        let (min_x, max_x) = (hole_xs.iter().min().copied(), hole_xs.iter().max().copied());
        assert!(
            min_x < Some(border_x) || max_x > Some(border_x),
            "{tile}: {hole_xs:?}"
        );
        assert_eq!(
            holed.properties["availability"],
            PropertyValue::String("for_lease".into())
        );
        assert_eq!(
            holed.properties["ready_to_build"],
            PropertyValue::Bool(true)
        );
        assert_eq!(
            holed.properties["price_eur_m2"],
            PropertyValue::Double(95.5)
        );
        assert_eq!(holed.text("available_from"), Some("2025-01-01"));
        assert!(
            !holed.properties.contains_key("park_id"),
            "nulls are left out"
        );
        assert_eq!(
            holed.id,
            Some(genk_atlas::tiles::encode::stable_id("holed"))
        );
    }
}

#[tokio::test]
async fn low_zoom_tiles_cluster_points_and_keep_every_count() {
    let atlas = atlas().await;
    let tile = tile_at(11, 5.505, 50.966);
    let features = tile_features(&atlas.state, LayerId::Residents, tile).await;
    assert!(features.len() < 300, "clustered");
    let total: i64 = features
        .iter()
        .map(|f| f.int("point_count").expect("a count"))
        .sum();
    assert_eq!(total, 300);
    let population: i64 = features
        .iter()
        .map(|f| f.int("population").expect("a sum"))
        .sum();
    let expected: i64 = atlas.layers[&LayerId::Residents]
        .iter()
        .map(|f| match f.values[0] {
            genk_atlas::model::Value::Integer(n) => n,
            _ => 0,
        })
        .sum();
    assert_eq!(population, expected);
    // Parcels have no tiles below their minimum zoom.
    let parcels = get(
        &atlas.state,
        &tile_path(LayerId::Parcels, tile_at(12, 5.505, 50.966)),
        &[],
    )
    .await;
    assert_eq!(parcels.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn no_confidential_property_leaves_in_tiles_or_documents() {
    let atlas = atlas().await;
    let forbidden = ["occupant", "contact", OCCUPANT_PREFIX, CONTACT_PREFIX];
    let mut n_tiles = 0;
    for layer in [LayerId::ShopUnits, LayerId::Companies] {
        for z in [8u8, 12, 13, 14, 15, 16, 18] {
            for tile in tiles_over(data_extent(&atlas), z) {
                let answer = get(&atlas.state, &tile_path(layer, tile), &[]).await;
                let text = String::from_utf8_lossy(&answer.body);
                for word in forbidden {
                    assert!(!text.contains(word), "{layer} {tile} carries '{word}'");
                }
                n_tiles += usize::from(answer.status == StatusCode::OK);
            }
        }
        let tilejson = get(&atlas.state, &format!("/tiles/{layer}.json"), &[]).await;
        assert_eq!(tilejson.status, StatusCode::OK);
        let text = String::from_utf8_lossy(&tilejson.body);
        for word in forbidden {
            assert!(!text.contains(word), "{layer} TileJSON carries '{word}'");
        }
    }
    assert!(n_tiles > 10);
    let style = get(&atlas.state, "/tiles/style.json", &[]).await;
    assert!(!String::from_utf8_lossy(&style.body).contains("occupant"));
}

#[tokio::test]
async fn gzip_etag_and_not_modified() {
    let atlas = atlas().await;
    let path = tile_path(LayerId::Parcels, tile_at(16, 5.505, 50.966));
    let plain = get(&atlas.state, &path, &[]).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.header(header::CONTENT_ENCODING), None);
    let zipped = get(
        &atlas.state,
        &path,
        &[("accept-encoding", "br, gzip;q=0.9")],
    )
    .await;
    assert_eq!(zipped.status, StatusCode::OK);
    assert_eq!(zipped.header(header::CONTENT_ENCODING), Some("gzip"));
    assert_eq!(zipped.header(header::VARY), Some("accept-encoding"));
    assert!(zipped.header(header::CACHE_CONTROL).is_some());
    assert_eq!(gunzip(&zipped.body), plain.body.to_vec());
    assert!(zipped.body.len() < plain.body.len());
    let plain_etag = plain.header(header::ETAG).expect("an etag").to_string();
    let zipped_etag = zipped.header(header::ETAG).expect("an etag").to_string();
    assert_ne!(plain_etag, zipped_etag, "one ETag per representation");
    assert_eq!(
        zipped_etag,
        format!("{}-gzip\"", plain_etag.trim_end_matches('"'))
    );
    // Rendered straight to gzip (no identity cached first): the same bytes.
    let other = tile_path(LayerId::Parcels, tile_at(16, 5.500, 50.963));
    let zipped_first = get(&atlas.state, &other, &[("accept-encoding", "gzip")]).await;
    let plain_second = get(&atlas.state, &other, &[]).await;
    assert_eq!(zipped_first.status, StatusCode::OK);
    assert_eq!(gunzip(&zipped_first.body), plain_second.body.to_vec());
    // From the cache: the same bytes, the same ETag.
    let again = get(&atlas.state, &path, &[("accept-encoding", "gzip")]).await;
    assert_eq!(
        (again.body.clone(), again.header(header::ETAG)),
        (zipped.body.clone(), Some(zipped_etag.as_str()))
    );
    let not_modified = get(
        &atlas.state,
        &path,
        &[("accept-encoding", "gzip"), ("if-none-match", &zipped_etag)],
    )
    .await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert!(not_modified.body.is_empty());
    assert_eq!(
        not_modified.header(header::ETAG),
        Some(zipped_etag.as_str())
    );
    let other_etag = get(&atlas.state, &path, &[("if-none-match", "\"0000\"")]).await;
    assert_eq!(other_etag.status, StatusCode::OK);
    // A tile without features is a 204, cached too.
    let empty = tile_path(
        LayerId::Parcels,
        TileCoord::new_checked(16, 0, 0).expect("a tile"),
    );
    for _ in 0..2 {
        let answer = get(&atlas.state, &empty, &[("accept-encoding", "gzip")]).await;
        assert_eq!(answer.status, StatusCode::NO_CONTENT);
        assert!(answer.body.is_empty());
    }
}

#[tokio::test]
async fn a_change_through_the_store_shows_in_the_next_tile() {
    let atlas = atlas().await;
    let state = &atlas.state;
    let units = &atlas.layers[&LayerId::ShopUnits];
    let moved_from = units[0].geometry.clone();
    let geo::Geometry::Point(from) = moved_from else {
        panic!("a point")
    };
    let old_tile = tile_at(17, from.x(), from.y());
    // A place in another z17 tile, well away from the old one.
    let (to_lon, to_lat) = (if from.x() < 5.505 { 5.5120 } else { 5.4970 }, 50.9690);
    let new_tile = tile_at(17, to_lon, to_lat);
    assert_ne!(old_tile, new_tile);
    let far_tile = tile_at(17, 5.5140, 50.9610);
    assert!(far_tile != old_tile && far_tile != new_tile);

    // Warm the cache at every zoom over the old place, and the other tiles.
    for z in 0..=17 {
        get(
            state,
            &tile_path(LayerId::ShopUnits, tile_at(z, from.x(), from.y())),
            &[("accept-encoding", "gzip")],
        )
        .await;
    }
    let before_old = tile_features(state, LayerId::ShopUnits, old_tile).await;
    assert!(ids(&before_old).contains("unit-000"));
    let before_new = tile_features(state, LayerId::ShopUnits, new_tile).await;
    assert!(!ids(&before_new).contains("unit-000"));
    tile_features(state, LayerId::ShopUnits, far_tile).await;
    let old_etag = get(state, &tile_path(LayerId::ShopUnits, old_tile), &[])
        .await
        .header(header::ETAG)
        .map(str::to_string);
    let key = |tile, encoding| TileKey {
        source: LayerId::ShopUnits.into(),
        tile,
        encoding,
    };
    assert!(state
        .tile_cache()
        .contains(&key(far_tile, TileEncoding::Identity)));

    let mut moved = shop_unit(0, to_lon, to_lat, UnitStatus::Vacant);
    moved.id = units[0].id.clone();
    let n_invalidated = state
        .replace_features(LayerId::ShopUnits, vec![moved])
        .await
        .expect("the write succeeds");
    assert!(n_invalidated >= 18, "{n_invalidated}");

    // Every cached tile over the old place is gone, at every zoom; the far one stays.
    for z in 0..=17 {
        let tile = tile_at(z, from.x(), from.y());
        for encoding in [TileEncoding::Identity, TileEncoding::Gzip] {
            assert!(
                !state.tile_cache().contains(&key(tile, encoding)),
                "z{z} still cached"
            );
        }
    }
    assert!(state
        .tile_cache()
        .contains(&key(far_tile, TileEncoding::Identity)));
    assert!(!state
        .tile_cache()
        .contains(&key(new_tile, TileEncoding::Identity)));

    let after_old = tile_features(state, LayerId::ShopUnits, old_tile).await;
    assert!(!ids(&after_old).contains("unit-000"));
    let after_new = tile_features(state, LayerId::ShopUnits, new_tile).await;
    let unit = after_new
        .iter()
        .find(|f| f.text("id") == Some("unit-000"))
        .expect("the moved unit");
    assert_eq!(unit.text("status"), Some("vacant"));
    let new_etag = get(state, &tile_path(LayerId::ShopUnits, old_tile), &[])
        .await
        .header(header::ETAG)
        .map(str::to_string);
    assert_ne!(old_etag, new_etag);

    // The store has it too.
    let stored = state
        .store()
        .read_layer(LayerId::ShopUnits)
        .await
        .expect("a read");
    let stored_unit = stored
        .iter()
        .find(|f| f.id == "unit-000")
        .expect("the unit");
    assert_eq!(
        stored_unit.geometry,
        geo::Geometry::Point(Point::new(to_lon, to_lat))
    );
    assert_eq!(stored.len(), units.len());
}

#[tokio::test]
async fn a_new_feature_is_added_and_a_bad_one_changes_nothing() {
    let atlas = atlas().await;
    let state = &atlas.state;
    let tile = tile_at(16, 5.5101, 50.9690);
    let before = tile_features(state, LayerId::ShopUnits, tile).await;
    state
        .replace_features(
            LayerId::ShopUnits,
            vec![shop_unit(900, 5.5101, 50.9690, UnitStatus::Occupied)],
        )
        .await
        .expect("the write succeeds");
    let after = tile_features(state, LayerId::ShopUnits, tile).await;
    assert_eq!(after.len(), before.len() + 1);
    assert!(ids(&after).contains("unit-900"));

    let mut invalid = shop_unit(901, 5.5101, 50.9690, UnitStatus::Occupied);
    invalid.values[0] = genk_atlas::model::Value::Null; // the address is required
    assert!(state
        .replace_features(LayerId::ShopUnits, vec![invalid])
        .await
        .is_err());
    assert_eq!(
        tile_features(state, LayerId::ShopUnits, tile).await.len(),
        after.len()
    );
}

#[tokio::test]
async fn tilejson_and_style_describe_every_layer() {
    let atlas = atlas().await;
    let tilejson = get(&atlas.state, "/tiles/parcels.json", &[]).await;
    assert_eq!(tilejson.status, StatusCode::OK);
    assert_eq!(
        tilejson.header(header::CONTENT_TYPE),
        Some("application/json")
    );
    let document = tilejson.json();
    assert_eq!(document["tilejson"], "3.0.0");
    assert_eq!(document["name"], "parcels");
    assert_eq!(
        document["tiles"][0],
        "http://atlas.test:8080/tiles/parcels/{z}/{x}/{y}.mvt"
    );
    assert_eq!(document["minzoom"], 13);
    assert_eq!(document["maxzoom"], 16);
    let bounds = document["bounds"].as_array().expect("bounds");
    assert_eq!(bounds.len(), 4);
    assert!((bounds[0].as_f64().expect("a number") - 5.4953).abs() < 1e-9);
    assert_eq!(document["center"].as_array().map(Vec::len), Some(3));
    let layer = &document["vector_layers"][0];
    assert_eq!(layer["id"], "parcels");
    assert_eq!(layer["fields"]["area_m2"], "Number");
    assert_eq!(layer["fields"]["ready_to_build"], "Boolean");
    assert_eq!(layer["fields"]["capakey"], "String");
    // nothing to credit on the parcels; the wijken credit on the neighbourhoods
    assert!(document.get("attribution").is_none());
    assert_eq!(document["atlas:sources"], serde_json::json!([]));
    let wijken = get(&atlas.state, "/tiles/neighbourhoods.json", &[])
        .await
        .json();
    assert_eq!(wijken["atlas:sources"], serde_json::json!(["wijken"]));
    assert!(wijken["attribution"].as_str().unwrap().contains(
        "Wijken: © gemeentebesturen, verzameld door Data &amp; Analyse van de Vlaamse provincies, Modellicentie Gratis Hergebruik"
    ));

    let style = get(&atlas.state, "/tiles/style.json", &[]).await.json();
    assert_eq!(style["version"], 8);
    for id in LayerId::ALL {
        assert_eq!(
            style["sources"][id.as_str()]["url"],
            format!("http://atlas.test:8080/tiles/{id}.json")
        );
        assert!(style["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .any(|layer| layer["source"] == id.as_str()));
        let source_tilejson = get(&atlas.state, &format!("/tiles/{id}.json"), &[]).await;
        assert_eq!(source_tilejson.status, StatusCode::OK, "{id}");
    }
    let text = style.to_string();
    assert_eq!(
        text.matches("://").count(),
        text.matches("http://atlas.test:8080/").count()
    );
}

#[tokio::test]
async fn bad_tile_paths_are_json_errors() {
    let atlas = atlas().await;
    let cases = [
        (
            "/tiles/parcels/23/0/0.mvt",
            StatusCode::BAD_REQUEST,
            Some("z"),
        ),
        (
            "/tiles/parcels/99999999999/0/0.mvt",
            StatusCode::BAD_REQUEST,
            Some("z"),
        ),
        (
            "/tiles/parcels/abc/0/0.mvt",
            StatusCode::BAD_REQUEST,
            Some("z"),
        ),
        (
            "/tiles/parcels/-1/0/0.mvt",
            StatusCode::BAD_REQUEST,
            Some("z"),
        ),
        (
            "/tiles/parcels/2/4/0.mvt",
            StatusCode::BAD_REQUEST,
            Some("x"),
        ),
        (
            "/tiles/parcels/2/1.5/0.mvt",
            StatusCode::BAD_REQUEST,
            Some("x"),
        ),
        (
            "/tiles/parcels/2/0/4.mvt",
            StatusCode::BAD_REQUEST,
            Some("y"),
        ),
        (
            "/tiles/parcels/2/0/y.mvt",
            StatusCode::BAD_REQUEST,
            Some("y"),
        ),
        (
            "/tiles/parcels/22/4194304/0.mvt",
            StatusCode::BAD_REQUEST,
            Some("x"),
        ),
        ("/tiles/castles/14/0/0.mvt", StatusCode::NOT_FOUND, None),
        ("/tiles/parcels/14/0/0", StatusCode::NOT_FOUND, None),
        ("/tiles/parcels/14/0/0.png", StatusCode::NOT_FOUND, None),
        ("/tiles/parcels/14/0", StatusCode::NOT_FOUND, None),
        ("/tiles/parcels/14/0/0/1.mvt", StatusCode::NOT_FOUND, None),
        ("/tiles/castles.json", StatusCode::NOT_FOUND, None),
        ("/tiles/parcels.xml", StatusCode::NOT_FOUND, None),
        ("/tiles/", StatusCode::NOT_FOUND, None),
    ];
    for (path, status, parameter) in cases {
        let answer = get(&atlas.state, path, &[]).await;
        assert_eq!(answer.status, status, "{path}");
        let body = answer.json();
        assert!(
            body["error"]
                .as_str()
                .is_some_and(|error| !error.is_empty()),
            "{path}: {body}"
        );
        if let Some(parameter) = parameter {
            assert_eq!(body["detail"]["parameter"], parameter, "{path}: {body}");
        }
    }
    // The highest zoom itself is fine.
    let deepest = get(&atlas.state, "/tiles/parcels/22/4194303/0.mvt", &[]).await;
    assert_eq!(deepest.status, StatusCode::NO_CONTENT);
}

/// The most bytes one tile may have (issue #3: 500 KB at any zoom).
const MAX_TILE_BYTES: usize = 500 * 1000;

/// The demo at scale 10: every layer, every zoom a client fetches (0–16).
/// Up to z12 every tile over the whole demo is rendered; from z13 on, the
/// tiles over the first copy (copies are identical and never overlap, and a
/// z13 tile, 0.044° wide, is narrower than the gap between them). Prints the largest tile
/// of each layer and zoom.
#[test]
fn demo_tiles_at_scale_10_stay_under_500_kb() {
    use genk_atlas::demo::replicate::{OFFSET_LAT_DEG, OFFSET_LON_DEG};
    use genk_atlas::demo::{generate, DemoParams};
    use genk_atlas::tiles::render_tile;

    let dataset = generate(&DemoParams {
        scale: 10,
        ..DemoParams::default()
    });
    let engine = Engine::from_dataset(&dataset);
    drop(dataset);
    let params = TileParams::default();
    let whole = engine.extent().expect("a demo");
    let first_copy = Rect::new(
        whole.min(),
        coord! { x: whole.min().x + OFFSET_LON_DEG, y: whole.min().y + OFFSET_LAT_DEG },
    );
    let mut report = Vec::new();
    let mut too_large = Vec::new();
    for layer in LayerId::ALL {
        let index = engine.layer(*layer);
        for z in 0..=16u8 {
            let area = if z <= 12 { whole } else { first_copy };
            let tiles = tiles_over(area, z);
            let largest = std::thread::scope(|scope| {
                let n_threads = 2;
                let handles: Vec<_> = (0..n_threads)
                    .map(|thread| {
                        let tiles = &tiles;
                        scope.spawn(move || {
                            tiles
                                .iter()
                                .skip(thread)
                                .step_by(n_threads)
                                .filter_map(|tile| {
                                    render_tile(*layer, index, *tile, &params)
                                        .map(|bytes| (bytes.len(), *tile))
                                })
                                .max()
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .filter_map(|handle| handle.join().expect("a thread"))
                    .max()
            });
            if let Some((n_bytes, tile)) = largest {
                report.push(format!(
                    "{layer:>15} z{z:<2} {:>4} tiles, largest {n_bytes:>7} B at {tile}",
                    tiles.len()
                ));
                if n_bytes > MAX_TILE_BYTES {
                    too_large.push(format!("{layer} {tile}: {n_bytes} B"));
                }
            }
        }
    }
    println!("{}", report.join("\n"));
    assert!(
        too_large.is_empty(),
        "tiles over {MAX_TILE_BYTES} B: {too_large:?}"
    );
}

/// The label glyphs: Dutch letters in the Latin range, gzip and ETag, and
/// every bad path a 400 or 404 that names what is wrong (the fonts are
/// compiled in: no name reaches a file).
#[tokio::test]
async fn glyph_ranges_are_served_and_bad_ones_refused() {
    use genk_atlas::glyphs::{BOLD, REGULAR};
    use pbf_font_tools::prost::Message;
    let atlas = atlas().await;
    let state = &atlas.state;
    for font in [REGULAR, BOLD] {
        let path = format!("/fonts/{}/0-255.pbf", font.replace(' ', "%20"));
        let plain = get(state, &path, &[]).await;
        assert_eq!(plain.status, StatusCode::OK, "{font}");
        assert_eq!(
            plain.header(header::CONTENT_TYPE),
            Some("application/x-protobuf")
        );
        let glyphs = pbf_font_tools::Glyphs::decode(plain.body.as_ref()).expect("a glyphs message");
        assert_eq!(glyphs.stacks.len(), 1);
        assert_eq!(
            (
                glyphs.stacks[0].name.as_str(),
                glyphs.stacks[0].range.as_str()
            ),
            (font, "0-255")
        );
        let ids: BTreeSet<u32> = glyphs.stacks[0]
            .glyphs
            .iter()
            .map(|glyph| glyph.id)
            .collect();
        for letter in "Genk Sint-Jan, Waterschei: é ë ç ü à".chars() {
            assert!(ids.contains(&u32::from(letter)), "{font}: {letter}");
        }
        let zipped = get(state, &path, &[("accept-encoding", "gzip")]).await;
        assert_eq!(zipped.header(header::CONTENT_ENCODING), Some("gzip"));
        assert_eq!(gunzip(&zipped.body), plain.body.to_vec());
        assert!(zipped.body.len() < plain.body.len() / 2);
        let etag = plain.header(header::ETAG).expect("an ETag").to_string();
        let again = get(state, &path, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    }
    let extended = get(
        state,
        "/fonts/Noto%20Sans%20Bold,Noto%20Sans%20Regular/256-511.pbf",
        &[],
    )
    .await;
    let glyphs = pbf_font_tools::Glyphs::decode(extended.body.as_ref()).unwrap();
    assert!(
        glyphs.stacks[0]
            .glyphs
            .iter()
            .any(|glyph| glyph.id == 0x133),
        "ĳ"
    );

    for (path, status, parameter) in [
        ("/fonts/Noto%20Sans%20Regular/0-100.pbf", 400, Some("range")),
        (
            "/fonts/Noto%20Sans%20Regular/65536-65791.pbf",
            400,
            Some("range"),
        ),
        ("/fonts/Noto%20Sans%20Regular/0-255", 400, Some("range")),
        (
            "/fonts/Noto%20Sans%20Regular/0-255.pbf%00",
            400,
            Some("range"),
        ),
        (
            "/fonts/..%2F..%2F..%2Fetc%2Fpasswd/0-255.pbf",
            400,
            Some("fontstack"),
        ),
        ("/fonts/../Cargo.toml", 400, None),
        (
            "/fonts/Noto%20Sans%20Regular,../0-255.pbf",
            400,
            Some("fontstack"),
        ),
        ("/fonts/Arial%20Unicode%20MS%20Regular/0-255.pbf", 404, None),
        ("/fonts/NotoSans-Regular.ttf/0-255.pbf", 404, None),
        (
            "/fonts/Noto%20Sans%20Regular'%3B%20DROP%20TABLE%20x%3B--/0-255.pbf",
            404,
            None,
        ),
    ] {
        let answer = get(state, path, &[]).await;
        assert_eq!(
            answer.status.as_u16(),
            status,
            "{path}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        let body = answer.json();
        assert!(
            body["error"].as_str().is_some_and(|text| !text.is_empty()),
            "{path}"
        );
        if let Some(parameter) = parameter {
            assert_eq!(body["detail"]["parameter"], parameter, "{path}");
        }
    }
}
