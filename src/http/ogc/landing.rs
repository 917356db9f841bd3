//! `GET /ogc` (the landing page) and `GET /ogc/conformance` (exactly the
//! conformance classes implemented).

use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;

use super::html;
use super::respond::{document, link, ogc_base, self_and_alternate, Format, HTML, JSON};
use crate::http::error::{ApiError, ApiQuery};

/// The conformance classes this API implements, and no other. CQL2 filters
/// (Part 3 `filter`) are not among them yet; the OpenAPI 3.0 class comes
/// with the OpenAPI document at `/ogc/api`.
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/landing-page",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
];

/// `GET /ogc`
pub async fn landing(query: ApiQuery, headers: HeaderMap) -> Result<Response, ApiError> {
    query.only(&["f"])?;
    let format = Format::of(&query, &headers)?;
    let base = ogc_base(&headers);
    let mut links = self_and_alternate(&base, format, JSON).to_vec();
    links.extend([
        link(
            format!("{base}/api"),
            "service-desc",
            "application/vnd.oai.openapi+json;version=3.0",
            "the API definition (OpenAPI 3.0)",
        ),
        link(
            format!("{base}/api.html"),
            "service-doc",
            HTML,
            "the API documentation",
        ),
        link(
            format!("{base}/conformance"),
            "conformance",
            JSON,
            "conformance classes",
        ),
        link(
            format!("{base}/conformance"),
            "http://www.opengis.net/def/rel/ogc/1.0/conformance",
            JSON,
            "conformance classes",
        ),
        link(
            format!("{base}/collections"),
            "data",
            JSON,
            "the collections",
        ),
        link(
            format!("{base}/collections"),
            "http://www.opengis.net/def/rel/ogc/1.0/data",
            JSON,
            "the collections",
        ),
        link(
            format!("{base}/tileMatrixSets"),
            "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
            JSON,
            "the tile matrix sets",
        ),
    ]);
    let body = json!({
        "title": "Genk Atlas",
        "description": "Genk's layers (parcels, business parks, shop units, companies, streets, neighbourhoods, ...), the vacancy per H3 cell and the shop coverage per neighbourhood, as OGC API – Features and Tiles; confidential fields only for roles that may see them (Authorization: Bearer ...).",
        "links": links,
    });
    Ok(document(format, JSON, &body, || {
        html::page("Genk Atlas – OGC API", &body)
    }))
}

/// `GET /ogc/conformance`
pub async fn conformance(query: ApiQuery, headers: HeaderMap) -> Result<Response, ApiError> {
    query.only(&["f"])?;
    let format = Format::of(&query, &headers)?;
    let base = ogc_base(&headers);
    let body = json!({
        "conformsTo": CONFORMANCE,
        "links": self_and_alternate(&format!("{base}/conformance"), format, JSON),
    });
    Ok(document(format, JSON, &body, || {
        html::page("Conformance", &body)
    }))
}
