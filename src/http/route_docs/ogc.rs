//! Docs of the OGC API – Features and Tiles routes under `/ogc` (the paths
//! here are relative to it; `Routes::nest` prefixes them). Every answer is
//! JSON (GeoJSON for items) or, with `f=html` or `Accept: text/html`, a
//! plain HTML view; confidential fields only for the roles that see them.

use serde_json::{json, Value};

use super::integer_in;
use crate::http::openapi::schemas::array;
use crate::http::openapi::{Answer, Operation, Parameter};

const TAG: &str = "ogc";
const GEOJSON: &str = "application/geo+json";
const MVT: &str = "application/vnd.mapbox-vector-tile";

/// `f`: the format of the answer.
fn format_param() -> Parameter {
    Parameter::query(
        "f",
        "json (GeoJSON for items) or html; else the Accept header decides, JSON by default",
        json!({"type": "string", "enum": ["json", "geojson", "html"]}),
    )
}

fn collection_param(example: &str) -> Parameter {
    Parameter::path(
        "collection",
        "a layer id (parcels, shop_units, ...), vacancy_h3 or coverage",
        json!({"type": "string"}),
    )
    .example(example)
}

fn links() -> Value {
    array(
        json!({"type": "object", "required": ["href", "rel"], "properties": {"href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"}, "title": {"type": "string"}}}),
    )
}

fn link(href: &str, rel: &str) -> Value {
    json!({"href": format!("http://localhost:8080/ogc{href}"), "rel": rel, "type": "application/json"})
}

/// An answer in JSON (its schema and example) or as the HTML view.
fn json_or_html(
    description: &str,
    media_type: &'static str,
    schema: Value,
    example: Value,
) -> Answer {
    Answer::media(200, description, media_type, schema, Some(example)).or_as(
        "text/html",
        json!({"type": "string"}),
        None,
    )
}

fn document(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties})
}

fn collection_schema() -> Value {
    document(
        &["id", "title", "links"],
        json!({"id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
            "links": links(), "extent": {"type": "object"}, "itemType": {"type": "string"},
            "crs": array(json!({"type": "string"})), "storageCrs": {"type": "string"}}),
    )
}

fn collection_example() -> Value {
    json!({"id": "shop_units", "title": "Handelspanden / Shop units", "links": [link("/collections/shop_units/items", "items")],
        "extent": {"spatial": {"bbox": [[5.42, 50.92, 5.58, 51.03]], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
        "itemType": "feature", "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/EPSG/0/31370"],
        "storageCrs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"})
}

fn feature_schema() -> Value {
    document(
        &["type", "geometry", "properties"],
        json!({"type": {"type": "string", "enum": ["Feature"]}, "id": {"type": "string"},
            "geometry": {"type": "object", "nullable": true}, "properties": {"type": "object"}, "links": links()}),
    )
}

fn feature_example() -> Value {
    json!({"type": "Feature", "id": "unit-0020", "geometry": {"type": "Point", "coordinates": [5.4999, 50.9652]},
        "properties": {"address": "Vennestraat 12", "status": "occupied", "category": "daily"},
        "links": [link("/collections/shop_units/items/unit-0020", "self")]})
}

fn crs_param(name: &'static str, description: &str) -> Parameter {
    Parameter::query(
        name,
        description,
        json!({"type": "string", "format": "uri"}),
    )
}

/// `GET /ogc`
pub fn landing() -> Operation {
    Operation::get(TAG, "The OGC API landing page")
        .at("/")
        .describe("Links to the API definition (service-desc, service-doc), the conformance classes, the collections and the tile matrix sets.")
        .param(format_param())
        .respond(json_or_html(
            "the landing page",
            "application/json",
            document(&["links"], json!({"title": {"type": "string"}, "description": {"type": "string"}, "links": links()})),
            json!({"title": "Genk Atlas", "links": [link("", "self"), link("/api", "service-desc"), link("/conformance", "conformance"), link("/collections", "data")]}),
        ))
        .errors(&[(400, "an unknown parameter or format")])
}

/// `GET /ogc/conformance`
pub fn conformance() -> Operation {
    Operation::get(TAG, "The conformance classes implemented")
        .param(format_param())
        .respond(json_or_html(
            "the classes",
            "application/json",
            document(
                &["conformsTo"],
                json!({"conformsTo": array(json!({"type": "string"})), "links": links()}),
            ),
            json!({"conformsTo": ["http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"]}),
        ))
        .errors(&[(400, "an unknown parameter or format")])
}

/// `GET /ogc/collections`
pub fn collections() -> Operation {
    Operation::get(TAG, "Every collection: the layers, the vacancy H3 cells and the coverage per neighbourhood")
        .param(format_param())
        .respond(json_or_html(
            "the collections",
            "application/json",
            document(&["collections", "links"], json!({"collections": array(collection_schema()), "links": links(), "crs": array(json!({"type": "string"}))})),
            json!({"collections": [collection_example()], "links": [link("/collections", "self")]}),
        ))
        .errors(&[(400, "an unknown parameter or format")])
}

/// `GET /ogc/collections/{collection}`
pub fn collection() -> Operation {
    Operation::get(
        TAG,
        "One collection: titles (Dutch and English), extent, geometry type, CRSs",
    )
    .param(collection_param("shop_units"))
    .param(format_param())
    .respond(json_or_html(
        "the collection",
        "application/json",
        collection_schema(),
        collection_example(),
    ))
    .errors(&[
        (400, "an unknown parameter or format"),
        (404, "an unknown collection"),
    ])
}

/// `GET /ogc/collections/{collection}/items`
pub fn items() -> Operation {
    Operation::get(TAG, "The items of a collection, a page at a time")
        .describe(format!(
            "GeoJSON with numberMatched, numberReturned and next/prev links through the whole collection in a stable order (by id). \
             Any queryable property is also a filter (`?status=vacant`), and `filter` takes a CQL2 expression (Part 3): comparisons, AND/OR/NOT, IS NULL, \
             LIKE, BETWEEN, IN and S_INTERSECTS with a WKT geometry or BBOX(…), in cql2-text or cql2-json; a bad filter is a 400 that says where (a character offset or a JSON pointer). For shop units `datetime=D` answers the units as the history has them on D; \
             vacancy_h3 and coverage take `datetime` as their date, vacancy_h3 also `res` and `min_units`, coverage `kind` and `threshold_m`. \
             Limit {} by default, at most {}.",
            crate::http::ogc_limits::DEFAULT_LIMIT,
            crate::http::ogc_limits::MAX_LIMIT
        ))
        .param(collection_param("shop_units"))
        .param(Parameter::query("limit", "items per page", integer_in(1, crate::http::ogc_limits::MAX_LIMIT as u64)).example(100))
        .param(Parameter::query("offset", "items to skip (the next links carry it)", json!({"type": "integer", "minimum": 0})))
        .param(Parameter::query("bbox", "minx,miny,maxx,maxy in bbox-crs (CRS84 by default): the items whose geometry intersects it", json!({"type": "string"})).example("5.45,50.94,5.55,51.0"))
        .param(crs_param("bbox-crs", "the CRS of bbox: CRS84, EPSG 4326 (latitude first), 31370 or 3812"))
        .param(crs_param("crs", "the CRS of the answer's geometries (the Content-Crs header says which)"))
        .param(Parameter::query("datetime", "a date (YYYY-MM-DD or an RFC 3339 instant), or an interval a/b with .. for open", json!({"type": "string"})).example("2025-06-01"))
        .param(Parameter::query("filter", "a CQL2 expression on the queryables and the geometry", json!({"type": "string"}))
            .example("status = 'vacant' AND floor_area_m2 >= 100"))
        .param(Parameter::query("filter-lang", "the encoding of filter", json!({"type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"})))
        .param(crs_param("filter-crs", "the CRS of the filter's geometries: CRS84, EPSG 4326 (latitude first), 31370 or 3812"))
        .param(format_param())
        .respond(json_or_html(
            "a page of items, with Content-Crs",
            GEOJSON,
            document(
                &["type", "features", "numberMatched", "numberReturned", "links"],
                json!({"type": {"type": "string", "enum": ["FeatureCollection"]}, "features": array(feature_schema()),
                    "numberMatched": {"type": "integer", "minimum": 0}, "numberReturned": {"type": "integer", "minimum": 0},
                    "timeStamp": {"type": "string"}, "links": links()}),
            ),
            json!({"type": "FeatureCollection", "features": [feature_example()], "numberMatched": 412, "numberReturned": 1,
                "timeStamp": "2026-12-03T12:00:00Z", "links": [link("/collections/shop_units/items?limit=1", "self"), link("/collections/shop_units/items?limit=1&offset=1", "next")]}),
        ))
        .errors(&[
            (400, "a parameter out of range or unknown (named), a property that is not a queryable, an unknown CRS, a filter that cannot be read (where)"),
            (404, "an unknown collection"),
        ])
}

/// `GET /ogc/collections/{collection}/items/{feature_id}`
pub fn item() -> Operation {
    Operation::get(TAG, "One item")
        .param(collection_param("shop_units"))
        .param(
            Parameter::path("feature_id", "the feature id", json!({"type": "string"}))
                .example("unit-0020"),
        )
        .param(crs_param("crs", "the CRS of the geometry"))
        .param(Parameter::query(
            "datetime",
            "shop units: the unit as on this date",
            json!({"type": "string"}),
        ))
        .param(format_param())
        .respond(json_or_html(
            "the item, with Content-Crs",
            GEOJSON,
            feature_schema(),
            feature_example(),
        ))
        .errors(&[
            (400, "an unknown parameter or CRS"),
            (404, "an unknown collection or item"),
        ])
}

/// `GET /ogc/collections/{collection}/queryables`
pub fn queryables() -> Operation {
    Operation::get(TAG, "The properties a filter may name, as JSON Schema")
        .describe("Confidential properties only for the roles that see them.")
        .param(collection_param("shop_units"))
        .param(format_param())
        .respond(json_or_html(
            "the queryables",
            "application/schema+json",
            document(&["type", "properties"], json!({"$schema": {"type": "string"}, "$id": {"type": "string"}, "type": {"type": "string", "enum": ["object"]}, "title": {"type": "string"}, "properties": {"type": "object"}})),
            json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "http://localhost:8080/ogc/collections/shop_units/queryables", "type": "object",
                "properties": {"status": {"type": "string", "enum": ["occupied", "vacant"]}}}),
        ))
        .errors(&[(400, "an unknown parameter or format"), (404, "an unknown collection")])
}

/// `GET /ogc/tileMatrixSets`
pub fn matrix_sets() -> Operation {
    Operation::get(TAG, "The tile matrix sets (WebMercatorQuad)")
        .param(format_param())
        .respond(json_or_html(
            "the sets",
            "application/json",
            document(&["tileMatrixSets"], json!({"tileMatrixSets": array(json!({"type": "object", "required": ["id", "links"]})), "links": links()})),
            json!({"tileMatrixSets": [{"id": "WebMercatorQuad", "links": [link("/tileMatrixSets/WebMercatorQuad", "self")]}]}),
        ))
        .errors(&[(400, "an unknown parameter or format")])
}

fn matrix_set_param() -> Parameter {
    Parameter::path(
        "matrix_set",
        "the tile matrix set: WebMercatorQuad",
        json!({"type": "string", "enum": ["WebMercatorQuad"]}),
    )
    .example("WebMercatorQuad")
}

/// `GET /ogc/tileMatrixSets/{matrix_set}`
pub fn matrix_set() -> Operation {
    Operation::get(TAG, "One tile matrix set, in the OGC TMS 2.0 JSON encoding")
        .param(matrix_set_param())
        .param(format_param())
        .respond(json_or_html(
            "the set",
            "application/json",
            document(&["id", "crs", "tileMatrices"], json!({"id": {"type": "string"}, "crs": {"type": "string"}, "tileMatrices": array(json!({"type": "object"}))})),
            json!({"id": "WebMercatorQuad", "crs": "http://www.opengis.net/def/crs/EPSG/0/3857", "tileMatrices": [{"id": "0", "scaleDenominator": 559082264.0287178, "cellSize": 156543.03392804097, "tileWidth": 256, "tileHeight": 256, "matrixWidth": 1, "matrixHeight": 1, "pointOfOrigin": [-20037508.3427892, 20037508.3427892]}]}),
        ))
        .errors(&[(400, "an unknown parameter or format"), (404, "an unknown tile matrix set")])
}

/// `GET /ogc/collections/{collection}/tiles`
pub fn tilesets() -> Operation {
    Operation::get(TAG, "The vector tilesets of a collection")
        .param(collection_param("parcels"))
        .param(format_param())
        .respond(json_or_html(
            "the tilesets",
            "application/json",
            document(&["tilesets"], json!({"tilesets": array(json!({"type": "object", "required": ["links"]})), "links": links()})),
            json!({"tilesets": [{"title": "parcels", "dataType": "vector", "crs": "http://www.opengis.net/def/crs/EPSG/0/3857", "links": [link("/collections/parcels/tiles/WebMercatorQuad", "self")]}]}),
        ))
        .errors(&[(400, "an unknown parameter or format"), (404, "an unknown collection, or one without tiles (coverage)")])
}

/// `GET /ogc/collections/{collection}/tiles/{matrix_set}`
pub fn tileset() -> Operation {
    Operation::get(TAG, "One vector tileset: its zooms and the tile URL template")
        .param(collection_param("parcels"))
        .param(matrix_set_param())
        .param(format_param())
        .respond(json_or_html(
            "the tileset",
            "application/json",
            document(&["dataType", "crs", "links"], json!({"title": {"type": "string"}, "dataType": {"type": "string", "enum": ["vector"]}, "crs": {"type": "string"}, "links": links()})),
            json!({"title": "parcels", "dataType": "vector", "crs": "http://www.opengis.net/def/crs/EPSG/0/3857", "links": [link("/collections/parcels/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}", "item")]}),
        ))
        .errors(&[(400, "an unknown parameter or format"), (404, "an unknown collection or tile matrix set")])
}

/// `GET /ogc/collections/{collection}/tiles/{matrix_set}/{tile_matrix}/{tile_row}/{tile_col}`
pub fn tile() -> Operation {
    Operation::get(
        TAG,
        "One vector tile, from the same cache as /tiles (same bytes and ETag)",
    )
    .param(collection_param("parcels"))
    .param(matrix_set_param())
    .param(
        Parameter::path(
            "tile_matrix",
            "the zoom",
            integer_in(0, crate::tiles::MAX_ZOOM as u64),
        )
        .example(14),
    )
    .param(
        Parameter::path(
            "tile_row",
            "the row (y, from the north)",
            json!({"type": "integer", "minimum": 0}),
        )
        .example(5487),
    )
    .param(
        Parameter::path(
            "tile_col",
            "the column (x)",
            json!({"type": "integer", "minimum": 0}),
        )
        .example(8442),
    )
    .param(Parameter::query(
        "datetime",
        "vacancy_h3: the date of the cells",
        json!({"type": "string"}),
    ))
    .param(Parameter::header(
        "If-None-Match",
        "the ETag of a tile held: a 304 when it is still the same",
        json!({"type": "string"}),
    ))
    .respond(Answer::media(
        200,
        "the tile, with an ETag",
        MVT,
        json!({"type": "string", "format": "binary"}),
        None,
    ))
    .respond(Answer::empty(204, "an empty tile"))
    .respond(Answer::empty(
        304,
        "the tile named by If-None-Match is still current",
    ))
    .errors(&[
        (400, "a zoom, row or column out of range"),
        (404, "an unknown collection or tile matrix set"),
    ])
}
