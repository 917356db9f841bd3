//! contract tests (to be written).
