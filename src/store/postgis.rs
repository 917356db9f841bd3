//! The PostGIS store: tokio-postgres with a connection pool, schema from `migrations/`.
