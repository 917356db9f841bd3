//! demo tests (to be written).
