//! The documentation of every route, one file per area, as
//! [`Operation`](super::openapi::Operation)s that `http::router` registers
//! together with the handlers (see `http::openapi`). Values that the code
//! fixes (layer ids, enums, limits, roles) are taken from the code.
//!
//! Examples are made up in the shape of the synthetic demo city (ids such
//! as `unit-0020`, dates up to its reference date 2026-10-01); they carry
//! no real data, and no confidential value.

pub mod accounts;
pub mod api;
pub mod coverage;
pub mod editing;
pub mod layers;
pub mod ogc;
pub mod sites;
pub mod tiles;
pub mod vacancy;

use serde_json::json;

use super::openapi::schemas::{date, layer_id};
use super::openapi::Parameter;

/// A `YYYY-MM-DD` query parameter.
fn date_param(name: &'static str, description: &str, example: &str) -> Parameter {
    Parameter::query(name, description, date()).example(example)
}

/// The `{layer}` path parameter.
fn layer_param(example: &str) -> Parameter {
    Parameter::path("layer", "the layer id", layer_id()).example(example)
}

/// An integer parameter in `minimum..=maximum`.
fn integer_in(minimum: u64, maximum: u64) -> serde_json::Value {
    json!({"type": "integer", "minimum": minimum, "maximum": maximum})
}
