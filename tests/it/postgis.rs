//! postgis tests (to be written).
