//! OGC API – Features (Parts 1 and 2, and the queryables of Part 3) and OGC
//! API – Tiles under `/ogc`, for QGIS, ArcGIS Pro and GDAL's `OAPIF` driver.
//!
//! One job per file: `landing` (landing page, conformance), `catalogue`
//! (which collections there are: every layer, the vacancy H3 cells and the
//! coverage per neighbourhood), `collections` (their documents), `params`
//! (the query parameters, checked), `crs` (Part 2: the CRSs offered and the
//! transforms), `derived` (the features of the derived collections),
//! `items` (the items and one item), `queryables`, `tiles` (tile matrix set,
//! tilesets and tiles from the same cache as `/tiles/...`), `html` (the view
//! for a person with a browser) and `respond` (formats and headers).
//!
//! Every answer depends on the caller's role (confidential fields), so it is
//! `Cache-Control: private` with `Vary: Accept, Cookie, Authorization`.
//! The OpenAPI document (`/ogc/api`) and its page (`/ogc/api.html`) are made
//! elsewhere from the router; the landing page links them.

mod catalogue;
mod collections;
mod crs;
mod derived;
mod html;
mod items;
mod landing;
mod params;
mod queryables;
mod respond;
mod tiles;

use axum::routing::get;

use super::openapi::{self, Routes};
use super::route_docs::{api as api_docs, ogc as docs};
use super::AppState;

/// Every OGC route with its documentation, to be nested at `/ogc`; the
/// OpenAPI document and its page are the landing page's `service-desc` and
/// `service-doc`.
pub fn routes() -> Routes<AppState> {
    Routes::new()
        .route("/", get(landing::landing), [docs::landing()])
        .route(
            "/api",
            get(openapi::openapi_document),
            [api_docs::document()],
        )
        .route("/api.html", get(openapi::api_page), [api_docs::page()])
        .route(
            "/conformance",
            get(landing::conformance),
            [docs::conformance()],
        )
        .route(
            "/collections",
            get(collections::list),
            [docs::collections()],
        )
        .route(
            "/collections/{collection}",
            get(collections::one),
            [docs::collection()],
        )
        .route(
            "/collections/{collection}/items",
            get(items::items),
            [docs::items()],
        )
        .route(
            "/collections/{collection}/items/{feature_id}",
            get(items::item),
            [docs::item()],
        )
        .route(
            "/collections/{collection}/queryables",
            get(queryables::queryables),
            [docs::queryables()],
        )
        .route(
            "/tileMatrixSets",
            get(tiles::matrix_sets),
            [docs::matrix_sets()],
        )
        .route(
            "/tileMatrixSets/{matrix_set}",
            get(tiles::matrix_set),
            [docs::matrix_set()],
        )
        .route(
            "/collections/{collection}/tiles",
            get(tiles::tilesets),
            [docs::tilesets()],
        )
        .route(
            "/collections/{collection}/tiles/{matrix_set}",
            get(tiles::tileset),
            [docs::tileset()],
        )
        .route(
            "/collections/{collection}/tiles/{matrix_set}/{tile_matrix}/{tile_row}/{tile_col}",
            get(tiles::tile),
            [docs::tile()],
        )
}
