//! Docs of the layer routes: health, the layer list, features, one feature
//! and a whole layer as a file.

use serde_json::{json, Map, Value};

use super::{integer_in, layer_param};
use crate::http::layers::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::http::openapi::schemas::{
    any_layer_feature, array, count, feature_collection, object, one_of,
};
use crate::http::openapi::{Answer, Operation, Parameter};
use crate::model::{LayerId, ALL_LAYERS};

const TAG: &str = "layers";

/// `GET /api/health`
pub fn health() -> Operation {
    let layers: Map<String, Value> = LayerId::ALL
        .iter()
        .map(|layer| (layer.to_string(), count()))
        .collect();
    let names: Vec<&str> = LayerId::ALL.iter().map(|layer| layer.as_str()).collect();
    let example_layers: Map<String, Value> = LayerId::ALL
        .iter()
        .enumerate()
        .map(|(index, layer)| (layer.to_string(), json!(31 + 100 * index)))
        .collect();
    Operation::get(
        TAG,
        "Whether the atlas runs, on which store, with how many features per layer",
    )
    .respond(Answer::json(
        200,
        "the store kind and the feature count of every layer",
        object(
            &["status", "store", "layers"],
            json!({
                "status": one_of(["ok"]),
                "store": one_of(["geopackage", "postgis"]),
                "layers": object(&names, Value::Object(layers)),
            }),
        ),
        json!({"status": "ok", "store": "geopackage", "layers": example_layers}),
    ))
}

/// `GET /api/layers`
pub fn list() -> Operation {
    let layer = object(
        &[
            "id",
            "title",
            "title_nl",
            "title_en",
            "geometry_type",
            "count",
            "bbox",
            "fields",
            "sources",
        ],
        json!({
            "id": {"type": "string", "enum": LayerId::ALL.iter().map(|layer| layer.as_str()).collect::<Vec<_>>()},
            "title": {"type": "string", "description": "the Dutch title"},
            "title_nl": {"type": "string"},
            "title_en": {"type": "string"},
            "geometry_type": one_of(["Point", "LineString", "Polygon", "MultiPolygon"]),
            "count": count(),
            "bbox": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4, "nullable": true, "description": "minlon, minlat, maxlon, maxlat; null for an empty layer"},
            "fields": array(object(
                &["name", "type", "title_nl", "title_en", "confidential"],
                json!({
                    "name": {"type": "string"},
                    "type": one_of(["text", "integer", "real", "boolean", "date"]),
                    "title_nl": {"type": "string"},
                    "title_en": {"type": "string"},
                    "confidential": {"type": "boolean", "description": "listed only for the roles that see it"},
                }),
            )),
            "sources": array(object(
                &["id", "credit_nl", "url"],
                json!({"id": {"type": "string"}, "credit_nl": {"type": "string"}, "url": {"type": "string"}}),
            )),
        }),
    );
    let schema = &ALL_LAYERS[0];
    let example = json!({"layers": [{
        "id": schema.id, "title": schema.title_nl, "title_nl": schema.title_nl, "title_en": schema.title_en,
        "geometry_type": schema.geometry_type, "count": 31, "bbox": [5.42, 50.92, 5.6, 51.03],
        "fields": [{"name": "code", "type": "text", "title_nl": "Code", "title_en": "Code", "confidential": false}],
        "sources": [{"id": "statbel-wijken", "credit_nl": "Statistische sectoren en wijken: Statbel", "url": "https://statbel.fgov.be/"}],
    }]});
    Operation::get(TAG, "Every layer: ids, titles, geometry type, count, bbox, fields, sources")
        .describe("The fields are those the caller may read; confidential ones (marked) only for the roles that see them.")
        .respond(Answer::json(200, "the layers", object(&["layers"], json!({"layers": array(layer)})), example))
}

fn example_unit_feature() -> Value {
    json!({
        "type": "Feature", "id": "unit-0020",
        "geometry": {"type": "Point", "coordinates": [5.4985, 50.9618]},
        "properties": {"address": "Europalaan 57", "street": "Europalaan", "floor_area_m2": 47.0,
            "category": "daily", "kind": "grocery", "status": "occupied", "status_since": "2013-10-01", "area_id": "centrum"},
    })
}

/// `GET /api/layers/{layer}/features`
pub fn features() -> Operation {
    Operation::get(TAG, "A page of a layer's features as GeoJSON, in id order")
        .describe("An RFC 7946 FeatureCollection; confidential properties only for the roles that see them.")
        .param(layer_param("shop_units"))
        .param(
            Parameter::query("bbox", "minlon,minlat,maxlon,maxlat in EPSG:4326: only features whose bounding box meets it", json!({"type": "string", "pattern": "^[^,]+,[^,]+,[^,]+,[^,]+$"}))
                .example("5.49,50.96,5.51,50.97"),
        )
        .param(Parameter::query("limit", format!("features per page, {DEFAULT_LIMIT} by default"), integer_in(0, MAX_LIMIT as u64)).example(10))
        .param(Parameter::query("offset", "features to skip", json!({"type": "integer", "minimum": 0})).example(0))
        .respond(Answer::media(
            200,
            "the page",
            "application/geo+json",
            feature_collection(any_layer_feature(), &[("numberMatched", count()), ("numberReturned", count())]),
            Some(json!({"type": "FeatureCollection", "numberMatched": 1, "numberReturned": 1, "features": [example_unit_feature()]})),
        ))
        .errors(&[(400, "a bad bbox, limit or offset, or an unknown parameter"), (404, "an unknown layer")])
}

/// `GET /api/layers/{layer}/features/{feature_id}`
pub fn feature() -> Operation {
    Operation::get(TAG, "One feature as GeoJSON")
        .param(layer_param("shop_units"))
        .param(
            Parameter::path("feature_id", "the feature's id", json!({"type": "string"}))
                .example("unit-0020"),
        )
        .respond(Answer::media(
            200,
            "the feature",
            "application/geo+json",
            any_layer_feature(),
            Some(example_unit_feature()),
        ))
        .errors(&[(404, "an unknown layer or feature")])
}

/// `GET /api/layers/{layer}/export`
pub fn export() -> Operation {
    Operation::get(TAG, "A whole layer as a GIS file")
        .describe("GeoPackage, GeoJSON, CSV or FlatGeobuf, in EPSG:4326 unless `crs` says otherwise; confidential fields only for the roles that see them.")
        .param(layer_param("access_points"))
        .param(Parameter::query("format", "the file format, geojson by default", one_of(["gpkg", "geojson", "csv", "fgb"])).example("geojson"))
        .param(Parameter::query("crs", "the CRS to write, EPSG:N", json!({"type": "string", "pattern": "^EPSG:[0-9]+$"})).example("EPSG:4326"))
        .respond(
            Answer::media(
                200,
                "the file (Content-Disposition names it)",
                "application/geo+json",
                json!({"type": "object", "required": ["type", "features"], "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]}, "features": array(json!({"type": "object"}))}}),
                Some(json!({"type": "FeatureCollection", "name": "access_points", "features": [{"type": "Feature", "properties": {"id": "access-afrit-30-genk-west", "kind": "motorway_exit", "name": "Afrit 30 Genk-West"}, "geometry": {"type": "Point", "coordinates": [5.452, 50.973]}}]})),
            )
            .or_as("application/geopackage+sqlite3", json!({"type": "string", "format": "binary"}), None)
            .or_as("text/csv", json!({"type": "string"}), None)
            .or_as("application/flatgeobuf", json!({"type": "string", "format": "binary"}), None),
        )
        .errors(&[(400, "an unknown format or CRS"), (404, "an unknown layer")])
}

/// `GET /api/search`
pub fn search() -> Operation {
    use crate::http::search::{DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_CHARS};
    let layers: Vec<&str> = crate::engine::search::searched_layers()
        .iter()
        .map(|layer| layer.as_str())
        .collect();
    let place = object(
        &[
            "layer",
            "id",
            "ids",
            "name",
            "quality",
            "bbox",
            "geometries",
        ],
        json!({
            "layer": {"type": "string", "enum": layers},
            "id": {"type": "string", "description": "the feature's id (a street's first segment)"},
            "ids": array(json!({"type": "string"})),
            "name": {"type": "string", "description": "the name or address as written in the data"},
            "quality": one_of(["whole", "start", "word_start", "inside", "one_slip"]),
            "bbox": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4, "description": "minlon, minlat, maxlon, maxlat"},
            "geometries": array(json!({"type": "object", "required": ["type"]})),
        }),
    );
    Operation::get(TAG, "Places by name: known places (also by their other names), areas, parks, neighbourhoods, access points, companies, streets and shop-unit addresses")
        .describe("Accents, case and spaces do not count (`Thorpark` finds Thor Park), a known place is found by any of its other names (`ZOL` finds ZOL campus Sint-Jan, under that name), and one slip of the keyboard is forgiven in queries of five letters or more. Best first: the whole name, its start, a word's start, anywhere in it, one slip; then by layer in the order above; then by name, house numbers as numbers. Only public fields are searched, so every role gets the same answer.")
        .param(Parameter::query("q", format!("what to look for, at most {MAX_QUERY_CHARS} characters"), json!({"type": "string", "maxLength": MAX_QUERY_CHARS})).required().example("Vennestraat 10"))
        .param(Parameter::query("limit", format!("the most places, {DEFAULT_LIMIT} by default"), integer_in(1, MAX_LIMIT as u64)).example(8))
        .respond(Answer::json(
            200,
            "the places found, best first (none is an empty list)",
            object(&["query", "results"], json!({"query": {"type": "string"}, "results": array(place)})),
            json!({"query": "thorpark", "results": [{"layer": "business_parks", "id": "thor-park", "ids": ["thor-park"], "name": "Thor Park", "quality": "whole", "bbox": [5.43, 50.97, 5.46, 50.99], "geometries": [{"type": "Polygon", "coordinates": [[[5.43, 50.97], [5.46, 50.97], [5.46, 50.99], [5.43, 50.97]]]}]}]}),
        ))
        .errors(&[(400, "no q, a q that is too long, a bad limit, or an unknown parameter")])
}
