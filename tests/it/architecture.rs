//! architecture tests (to be written).
