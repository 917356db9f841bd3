//! The `atlas` command line: serve, migrate, demo, load.
fn main() {}
