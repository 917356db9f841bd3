//! Docs of the tile routes: the MapLibre style, TileJSON per layer, vector
//! tiles per layer and the vacancy hexagons as tiles. The first three are
//! served by one wildcard route (`/tiles/{*path}`), so each is documented
//! at its own path.

use serde_json::json;

use super::{date_param, integer_in, layer_param};
use crate::engine::vacancy::h3::DEFAULT_MIN_UNITS;
use crate::http::openapi::schemas::{array, object};
use crate::http::openapi::{Answer, Operation, Parameter};
use crate::http::vacancy::MAX_MIN_UNITS;
use crate::tiles::MAX_ZOOM;

const TAG: &str = "tiles";
const MVT: &str = "application/vnd.mapbox-vector-tile";

fn tile_params(operation: Operation, z: u32, x: u32, y: u32) -> Operation {
    let max_zoom = MAX_ZOOM;
    operation
        .param(
            Parameter::path(
                "z",
                format!("zoom, 0 to {max_zoom}"),
                integer_in(0, max_zoom as u64),
            )
            .example(z),
        )
        .param(
            Parameter::path(
                "x",
                "column, 0 to 2^z − 1",
                json!({"type": "integer", "minimum": 0}),
            )
            .example(x),
        )
        .param(
            Parameter::path(
                "y",
                "row, 0 to 2^z − 1 (XYZ, from the north); the path ends in .mvt",
                json!({"type": "integer", "minimum": 0}),
            )
            .example(y),
        )
        .param(Parameter::header(
            "Accept-Encoding",
            "gzip for a compressed tile",
            json!({"type": "string"}),
        ))
        .param(Parameter::header(
            "If-None-Match",
            "the ETag of a tile held: a 304 when it is still the same",
            json!({"type": "string"}),
        ))
        .respond(Answer::media(
            200,
            "the tile, with an ETag (gzip when asked)",
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
            (400, "a zoom, column or row out of range (naming z, x or y)"),
            (404, "an unknown layer, or a path without .mvt"),
        ])
}

/// `GET /tiles/style.json`
pub fn style() -> Operation {
    Operation::get(TAG, "A MapLibre style that draws every layer")
        .at("/tiles/style.json")
        .respond(Answer::json(
            200,
            "a MapLibre GL style (version 8) whose sources are the layers' TileJSON",
            json!({"type": "object", "required": ["version", "sources", "layers"], "properties": {"version": {"type": "integer", "enum": [8]}, "sources": {"type": "object"}, "layers": array(json!({"type": "object"}))}}),
            json!({"version": 8, "name": "Genk Atlas", "sources": {"neighbourhoods": {"type": "vector", "url": "http://localhost:8080/tiles/neighbourhoods.json"}}, "layers": [{"id": "neighbourhoods-fill", "type": "fill", "source": "neighbourhoods", "source-layer": "neighbourhoods"}]}),
        ))
}

/// `GET /tiles/{layer}.json`
pub fn tilejson() -> Operation {
    Operation::get(TAG, "TileJSON 3.0.0 of one layer")
        .at("/tiles/{layer}.json")
        .param(layer_param("parcels"))
        .respond(Answer::json(
            200,
            "the layer's TileJSON: tile URL, zooms, bounds, fields, attribution",
            json!({"type": "object", "required": ["tilejson", "tiles", "vector_layers"], "properties": {"tilejson": {"type": "string", "enum": ["3.0.0"]}, "tiles": array(json!({"type": "string"})), "vector_layers": array(object(&["id", "fields"], json!({"id": {"type": "string"}, "fields": {"type": "object"}, "description": {"type": "string"}, "minzoom": {"type": "integer"}, "maxzoom": {"type": "integer"}})))}}),
            json!({"tilejson": "3.0.0", "tiles": ["http://localhost:8080/tiles/parcels/{z}/{x}/{y}.mvt"], "minzoom": 13, "maxzoom": 16, "vector_layers": [{"id": "parcels", "fields": {"id": "String", "zoning": "String"}}]}),
        ))
        .errors(&[(404, "an unknown layer")])
}

/// `GET /tiles/{layer}/{z}/{x}/{y}.mvt`
pub fn tile() -> Operation {
    let operation = Operation::get(TAG, "A Mapbox Vector Tile 2.1 of one layer")
        .at("/tiles/{layer}/{z}/{x}/{y}.mvt")
        .describe("One MVT layer named after the atlas layer, public fields only; zoom rules in ARCHITECTURE.md (Tiles by zoom).")
        .param(layer_param("parcels"));
    tile_params(operation, 14, 8442, 5489)
}

/// `GET /tiles/vacancy_h3/{z}/{x}/{y}.mvt`
pub fn vacancy_h3() -> Operation {
    let operation = Operation::get(TAG, "The vacancy hexagons as a vector tile")
        .at("/tiles/vacancy_h3/{z}/{x}/{y}.mvt")
        .describe("Layer `vacancy_h3` with the properties of /api/vacancy/h3 (a null rate left out) and the H3 index as feature id.")
        .param(date_param("date", "the date, the newest in the history by default", "2026-06-01"))
        .param(Parameter::query("res", "H3 resolution, 9 by default", json!({"type": "integer", "enum": [9, 10]})).example(9))
        .param(Parameter::query("min_units", format!("units a cell needs for a rate, {DEFAULT_MIN_UNITS} by default"), integer_in(1, MAX_MIN_UNITS as u64)).example(5));
    tile_params(operation, 14, 8442, 5491)
}

/// `GET /fonts/{fontstack}/{range}.pbf`
pub fn glyphs() -> Operation {
    Operation::get(TAG, "A range of label glyphs for MapLibre")
        .at("/fonts/{fontstack}/{range}.pbf")
        .describe("256 code points of the map's fonts as signed distance fields (MapLibre's glyph protobuf), the style's `glyphs` URL. The fonts are compiled into the atlas: Noto Sans Regular and Noto Sans Bold (SIL OFL 1.1); a stack of several takes each code point from the first that has it.")
        .param(
            Parameter::path(
                "fontstack",
                format!("font names separated by commas: {}", crate::glyphs::font_names().join(", ")),
                json!({"type": "string"}),
            )
            .example(crate::glyphs::REGULAR),
        )
        .param(
            Parameter::path(
                "range",
                "{start}-{end}: 256 code points from a multiple of 256, up to 65535",
                json!({"type": "string", "pattern": "^[0-9]+-[0-9]+$"}),
            )
            .example("0-255"),
        )
        .param(Parameter::header(
            "Accept-Encoding",
            "gzip for a compressed range",
            json!({"type": "string"}),
        ))
        .respond(Answer::media(
            200,
            "the glyphs (an empty stack where the fonts have none)",
            "application/x-protobuf",
            json!({"type": "string", "format": "binary"}),
            None,
        ))
        .errors(&[(400, "a range that is not 256 code points from a multiple of 256, or a font name with a path in it"), (404, "a font the atlas does not have")])
}
