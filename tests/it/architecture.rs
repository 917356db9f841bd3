//! The architecture's invariants, checked on the source text.

use std::fs;
use std::path::{Path, PathBuf};

/// The IO crates the pure core must never use.
const IO_CRATES: [&str; 7] = [
    "tokio",
    "axum",
    "tokio_postgres",
    "deadpool_postgres",
    "rusqlite",
    "gdal",
    "tower_http",
];

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
    {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files
}

#[test]
fn the_pure_core_imports_no_io_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offences = Vec::new();
    for module in ["model", "engine", "demo", "tiles"] {
        for file in rust_files(&root.join(module)) {
            let text = fs::read_to_string(&file).unwrap();
            for (line_number, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for krate in IO_CRATES {
                    if code.contains(&format!("{krate}::"))
                        || code.contains(&format!("use {krate}"))
                    {
                        offences.push(format!(
                            "{}:{}: {}",
                            file.display(),
                            line_number + 1,
                            line.trim()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "the pure core uses IO crates:\n{}",
        offences.join("\n")
    );
}

#[test]
fn every_source_file_opens_with_a_doc_paragraph() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missing = Vec::new();
    for file in rust_files(&root.join("src"))
        .into_iter()
        .chain(rust_files(&root.join("tests")))
    {
        let text = fs::read_to_string(&file).unwrap();
        if !text.trim_start().starts_with("//!") {
            missing.push(file.display().to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "files without a //! header: {missing:?}"
    );
}

#[test]
fn the_architecture_document_states_the_core_invariant() {
    let text =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md")).unwrap();
    assert!(
        text.contains("never imports"),
        "ARCHITECTURE.md must state the pure-core invariant"
    );
}
