//! The JSON API (axum): one router that lists every route.
