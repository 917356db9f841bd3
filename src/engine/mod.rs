//! The spatial engine: every layer in memory with bulk-loaded rstar indexes.
pub mod measure;
