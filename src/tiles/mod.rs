//! Vector tiles (Mapbox Vector Tile 2.1) made in-process from the engine.
//!
//! Pure like the rest of the core: a layer index and a tile address in, tile
//! bytes out; no IO, no clock, no async. The HTTP edge (`crate::http::tiles`)
//! parses requests into a [`TileCoord`], runs [`render_tile`] off the async
//! runtime and caches the result. TileJSON and the MapLibre style are built
//! here too, from the layer schema, so that a new layer needs no front-end
//! change. The files, in the order data flows: `coord` and `mercator` (tile
//! maths), `policy` (what each layer shows at which zoom), `clip`,
//! `simplify` and `geometry` (fitting a geometry to a tile), `aggregate`
//! (point clusters), `protobuf` and `encode` (the MVT wire format),
//! `generate` (one tile), `decode` (for the unit tests only; the integration
//! tests read tiles with `mvt-reader`), `labels`, `tilejson` and `style`.

pub mod aggregate;
pub mod clip;
pub mod coord;
#[cfg(test)]
pub mod decode;
pub mod encode;
pub mod generate;
pub mod geometry;
pub mod labels;
pub mod mercator;
pub mod policy;
pub mod protobuf;
pub mod simplify;
pub mod style;
pub mod tilejson;
pub mod vacancy_h3;

pub use coord::{TileCoord, TileCoordError, MAX_ZOOM};
pub use generate::{render_tile, TileParams};
pub use policy::{layer_policy, LayerTilePolicy};
