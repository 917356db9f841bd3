//! Genk Atlas: a geospatial commerce and vacancy atlas for the city of Genk.
//!
//! The pure core (`model`, `engine`, `demo`, `tiles`, `glyphs`) takes data
//! and returns data; IO lives at the edges (`store`, `http`, `import`, and
//! the `atlas` binary). See ARCHITECTURE.md for the map of the code.

pub mod accounts;
pub mod app;
pub mod auth;
pub mod cql2;
pub mod demo;
pub mod engine;
pub mod glyphs;
pub mod http;
pub mod import;
pub mod load;
pub mod model;
pub mod store;
pub mod tiles;
