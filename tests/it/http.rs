//! http tests (to be written).
