//! support tests (to be written).
