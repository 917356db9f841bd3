//! OGC API – Tiles on the `WebMercatorQuad` tile matrix set: the set's
//! document, each collection's tileset list and tileset metadata, and the
//! tiles themselves, `{tileMatrix}/{tileRow}/{tileCol}` (row = y, col = x of
//! `/tiles/{layer}/{z}/{x}/{y}.mvt`), answered by the same code, cache,
//! ETags and gzip as `/tiles/...` (`http::tiles::layer_tile` and
//! `http::vacancy::hex_tile`).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json, Value as Json};

use super::catalogue::Collection;
use super::derived::hex_params;
use super::html;
use super::params::date_of;
use super::respond::{document, link, ogc_base, self_and_alternate, Format, JSON};
use crate::http::error::{ApiError, ApiQuery};
use crate::http::tiles::{layer_tile, parse_tile_number, MVT_CONTENT_TYPE};
use crate::http::vacancy::hex_tile;
use crate::http::AppState;
use crate::tiles::{layer_policy, TileCoord, MAX_ZOOM};

/// The one tile matrix set offered.
const WEB_MERCATOR_QUAD: &str = "WebMercatorQuad";
const WEB_MERCATOR_QUAD_URI: &str =
    "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";
const EPSG_3857: &str = "http://www.opengis.net/def/crs/EPSG/0/3857";
/// Half the width of the Web Mercator world, metres.
const HALF_WORLD_M: f64 = 20_037_508.342_789_244;
/// The pixel size of the standard rendering (OGC: 0.28 mm), metres.
const PIXEL_M: f64 = 0.000_28;

fn check_matrix_set(name: &str) -> Result<(), ApiError> {
    if name == WEB_MERCATOR_QUAD {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "no tile matrix set '{name}' (offered: {WEB_MERCATOR_QUAD})"
        )))
    }
}

/// The collection's tiles exist, or a 404.
fn tiled(collection: &str) -> Result<Collection, ApiError> {
    let collection = Collection::parse(collection)?;
    if !collection.has_tiles() {
        return Err(ApiError::NotFound(format!(
            "collection '{}' has no tiles",
            collection.id()
        )));
    }
    Ok(collection)
}

/// The zooms a collection's tiles have features at.
fn zoom_range(collection: Collection) -> (u8, u8) {
    match collection {
        Collection::Layer(layer) => {
            let policy = layer_policy(layer);
            (policy.min_zoom, policy.max_zoom)
        }
        _ => (0, 16),
    }
}

/// `GET /ogc/tileMatrixSets`
pub async fn matrix_sets(query: ApiQuery, headers: HeaderMap) -> Result<Response, ApiError> {
    query.only(&["f"])?;
    let format = Format::of(&query, &headers)?;
    let base = ogc_base(&headers);
    let body = json!({
        "links": self_and_alternate(&format!("{base}/tileMatrixSets"), format, JSON),
        "tileMatrixSets": [{
            "id": WEB_MERCATOR_QUAD,
            "title": "Google Maps Compatible for the World",
            "uri": WEB_MERCATOR_QUAD_URI,
            "links": [link(format!("{base}/tileMatrixSets/{WEB_MERCATOR_QUAD}"), "self", JSON, WEB_MERCATOR_QUAD)],
        }],
    });
    Ok(document(format, JSON, &body, || {
        html::page("Tile matrix sets", &body)
    }))
}

/// `GET /ogc/tileMatrixSets/WebMercatorQuad`: OGC 2D Tile Matrix Set 2.0.
pub async fn matrix_set(
    Path(matrix_set): Path<String>,
    query: ApiQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_matrix_set(&matrix_set)?;
    query.only(&["f"])?;
    let format = Format::of(&query, &headers)?;
    let matrices: Vec<Json> = (0..=MAX_ZOOM)
        .map(|z| {
            let n_tiles = 1u64 << z;
            let cell_size = 2.0 * HALF_WORLD_M / 256.0 / n_tiles as f64;
            json!({
                "id": z.to_string(),
                "scaleDenominator": cell_size / PIXEL_M,
                "cellSize": cell_size,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-HALF_WORLD_M, HALF_WORLD_M],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": n_tiles,
                "matrixHeight": n_tiles,
            })
        })
        .collect();
    let body = json!({
        "id": WEB_MERCATOR_QUAD,
        "title": "Google Maps Compatible for the World",
        "uri": WEB_MERCATOR_QUAD_URI,
        "crs": EPSG_3857,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": matrices,
        "links": self_and_alternate(&format!("{}/tileMatrixSets/{WEB_MERCATOR_QUAD}", ogc_base(&headers)), format, JSON),
    });
    Ok(document(format, JSON, &body, || {
        html::page(WEB_MERCATOR_QUAD, &body)
    }))
}

/// A tileset's summary (in the list) or metadata (its own document).
fn tileset_json(collection: Collection, base: &str) -> Json {
    let own = format!(
        "{base}/collections/{}/tiles/{WEB_MERCATOR_QUAD}",
        collection.id()
    );
    let (min_zoom, max_zoom) = zoom_range(collection);
    json!({
        "title": format!("{} ({})", collection.title_nl(), collection.title_en()),
        "dataType": "vector",
        "crs": EPSG_3857,
        "tileMatrixSetURI": WEB_MERCATOR_QUAD_URI,
        "links": [
            link(own.clone(), "self", JSON, "this tileset"),
            link(
                format!("{base}/tileMatrixSets/{WEB_MERCATOR_QUAD}"),
                "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
                JSON,
                WEB_MERCATOR_QUAD,
            ),
            json!({
                "href": format!("{own}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"),
                "rel": "item",
                "type": MVT_CONTENT_TYPE,
                "templated": true,
                "title": "a tile (Mapbox Vector Tile)",
            }),
        ],
        "layers": [{
            "id": collection.id(),
            "dataType": "vector",
            "minTileMatrix": min_zoom.to_string(),
            "maxTileMatrix": max_zoom.to_string(),
        }],
    })
}

/// `GET /ogc/collections/{collection}/tiles`
pub async fn tilesets(
    Path(collection): Path<String>,
    query: ApiQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let collection = tiled(&collection)?;
    query.only(&["f"])?;
    let format = Format::of(&query, &headers)?;
    let base = ogc_base(&headers);
    let body = json!({
        "links": self_and_alternate(&format!("{base}/collections/{}/tiles", collection.id()), format, JSON),
        "tilesets": [tileset_json(collection, &base)],
    });
    Ok(document(format, JSON, &body, || {
        html::page("Tilesets", &body)
    }))
}

/// `GET /ogc/collections/{collection}/tiles/WebMercatorQuad`
pub async fn tileset(
    Path((collection, matrix_set)): Path<(String, String)>,
    query: ApiQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let collection = tiled(&collection)?;
    check_matrix_set(&matrix_set)?;
    query.only(&["f"])?;
    let format = Format::of(&query, &headers)?;
    let body = tileset_json(collection, &ogc_base(&headers));
    Ok(document(format, JSON, &body, || {
        html::page("Tileset", &body)
    }))
}

/// The tile at matrix `z`, row `y`, column `x`; each bad part is a 400
/// naming `tileMatrix`, `tileRow` or `tileCol`.
fn parse_tile(tile_matrix: &str, tile_row: &str, tile_col: &str) -> Result<TileCoord, ApiError> {
    let z = parse_tile_number("tileMatrix", tile_matrix)?;
    let y = parse_tile_number("tileRow", tile_row)?;
    let x = parse_tile_number("tileCol", tile_col)?;
    TileCoord::new_checked(z, x, y).map_err(|error| {
        let parameter = match error.part() {
            "z" => "tileMatrix",
            "y" => "tileRow",
            _ => "tileCol",
        };
        ApiError::bad_request(parameter, error.to_string())
    })
}

/// `GET /ogc/collections/{collection}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}`
pub async fn tile(
    State(state): State<AppState>,
    Path((collection, matrix_set, tile_matrix, tile_row, tile_col)): Path<(
        String,
        String,
        String,
        String,
        String,
    )>,
    query: ApiQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let collection = tiled(&collection)?;
    check_matrix_set(&matrix_set)?;
    let tile = parse_tile(&tile_matrix, &tile_row, &tile_col)?;
    if let Some(f) = query.get("f").filter(|f| *f != "mvt") {
        return Err(ApiError::bad_request(
            "f",
            format!("'{f}' is not an offered tile format (mvt)"),
        ));
    }
    match collection {
        Collection::Layer(layer) => {
            query.only(&["f"])?;
            layer_tile(&state, layer, tile, &headers).await
        }
        _ => {
            query.only(&["f", "datetime", "res", "min_units"])?;
            let date = date_of(&query, collection)?;
            hex_tile(&state, tile, date, hex_params(&query)?, &headers).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_is_y_and_column_is_x() {
        let tile = parse_tile("14", "5487", "8442").unwrap();
        assert_eq!((tile.z(), tile.x(), tile.y()), (14, 8442, 5487));
        let part = |z: &str, row: &str, col: &str| match parse_tile(z, row, col) {
            Err(ApiError::BadRequest { parameter, .. }) => parameter,
            other => panic!("{other:?}"),
        };
        assert_eq!(part("23", "0", "0"), "tileMatrix");
        assert_eq!(part("2", "4", "0"), "tileRow");
        assert_eq!(part("2", "0", "4"), "tileCol");
        assert_eq!(part("2", "0", "x"), "tileCol");
    }
}
