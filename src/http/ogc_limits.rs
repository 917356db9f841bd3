//! The page sizes of OGC API – Features items, in one place for the handler
//! (`ogc/params.rs`) and its documentation (`route_docs/ogc.rs`), so that the
//! docs need nothing from `ogc` (which builds its routes from the docs).

/// The most items one page may hold.
pub const MAX_LIMIT: usize = 10_000;
/// Items per page when `limit` is absent (OGC's customary 10).
pub const DEFAULT_LIMIT: usize = 10;
