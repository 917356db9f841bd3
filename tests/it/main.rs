//! The one integration test binary: contract tests on both stores, the demo,
//! HTTP in-process and over a real socket, and the architecture's invariants.

mod architecture;
mod attack;
mod cli;
mod contract;
mod coverage;
mod cql2_postgis;
mod crashes;
mod demo;
mod edits;
mod elsewhere;
mod fixtures;
mod hostile;
mod http;
mod import;
mod imported_units;
mod mvt;
mod ogc;
mod open_data;
mod openapi;
mod postgis;
mod replicas;
mod search;
mod servers;
mod sessions;
mod signed_in;
mod sites;
mod support;
mod tiles;
mod transfer;
mod vacancy;
mod vacancy_heatmap;
