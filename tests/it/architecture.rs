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

/// A module's path from `src/` (`engine/vacancy/h3.rs` → engine, vacancy,
/// h3; a `mod.rs` is its folder).
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|last| last == "mod" || last == "lib" || last == "main")
    {
        parts.pop();
    }
    parts
}

/// Every module path a file's code (not its tests) names with `crate::` or
/// `super::`, resolved from the file's own module; grouped imports
/// (`super::{a::X, b}`) give one path per member.
fn named_paths(text: &str, own: &[String]) -> Vec<Vec<String>> {
    let code: String = text
        .split("#[cfg(test)]")
        .next()
        .unwrap_or("")
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    let word = |at: usize| -> (String, usize) {
        let end = (at..bytes.len())
            .find(|&i| !(bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_'))
            .unwrap_or(bytes.len());
        (code[at..end].to_string(), end)
    };
    let mut at = 0;
    while at < bytes.len() {
        let starts_word = at == 0
            || !(bytes[at - 1].is_ascii_alphanumeric()
                || bytes[at - 1] == b'_'
                || bytes[at - 1] == b':');
        if !starts_word
            || !(bytes[at..].starts_with(b"crate::") || bytes[at..].starts_with(b"super::"))
        {
            at += 1;
            continue;
        }
        // the module the path starts from
        let mut base: Vec<String> = if bytes[at..].starts_with(b"crate::") {
            at += "crate::".len();
            Vec::new()
        } else {
            // `super` of a file is its folder's module; of a `mod.rs`, the folder's parent
            let mut base = own.to_vec();
            base.pop();
            at += "super::".len();
            while bytes[at..].starts_with(b"super::") {
                base.pop();
                at += "super::".len();
            }
            base
        };
        if bytes.get(at) == Some(&b'{') {
            let close = (at..bytes.len())
                .find(|&i| bytes[i] == b'}')
                .unwrap_or(bytes.len());
            for member in code[at + 1..close].split(',') {
                let member = member.trim();
                let first: String = member
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !first.is_empty() && first != "self" {
                    let mut path = base.clone();
                    path.push(first);
                    found.push(path);
                }
            }
            at = close;
            continue;
        }
        loop {
            let (segment, end) = word(at);
            if segment.is_empty() {
                break;
            }
            base.push(segment);
            at = end;
            if bytes[at..].starts_with(b"::")
                && bytes
                    .get(at + 2)
                    .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
            {
                at += 2;
            } else {
                break;
            }
        }
        found.push(base);
    }
    found
}

/// No two modules of one folder use each other, directly or round a ring:
/// a shared piece moves down into a module of its own.
#[test]
fn sibling_modules_depend_on_each_other_in_one_direction() {
    use std::collections::{BTreeMap, BTreeSet};
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&src);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|file| module_path(&src, file)).collect();
    // parent module → (child → children it uses)
    let mut edges: BTreeMap<Vec<String>, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for file in &files {
        let own = module_path(&src, file);
        for target in named_paths(&fs::read_to_string(file).unwrap(), &own) {
            let common = own.iter().zip(&target).take_while(|(a, b)| a == b).count();
            if common >= own.len() || common >= target.len() {
                continue; // a module using its own descendant or ancestor
            }
            let parent = own[..common].to_vec();
            let mut target_module = parent.clone();
            target_module.push(target[common].clone());
            if !modules.contains(&target_module) {
                continue; // an item of the parent module, not a sibling
            }
            edges
                .entry(parent)
                .or_default()
                .entry(own[common].clone())
                .or_default()
                .insert(target[common].clone());
        }
    }
    let mut cycles = Vec::new();
    for (parent, graph) in &edges {
        // depth-first search for a back edge
        fn visit(
            node: &str,
            graph: &BTreeMap<String, BTreeSet<String>>,
            stack: &mut Vec<String>,
            done: &mut BTreeSet<String>,
            cycles: &mut Vec<String>,
        ) {
            if done.contains(node) {
                return;
            }
            if let Some(at) = stack.iter().position(|seen| seen == node) {
                cycles.push(format!("{} → {node}", stack[at..].join(" → ")));
                return;
            }
            stack.push(node.to_string());
            for next in graph.get(node).into_iter().flatten() {
                visit(next, graph, stack, done, cycles);
            }
            stack.pop();
            done.insert(node.to_string());
        }
        let mut done = BTreeSet::new();
        let mut found = Vec::new();
        for node in graph.keys() {
            visit(node, graph, &mut Vec::new(), &mut done, &mut found);
        }
        cycles.extend(found.into_iter().map(|cycle| {
            format!(
                "in {}: {cycle}",
                if parent.is_empty() {
                    "crate".to_string()
                } else {
                    parent.join("/")
                }
            )
        }));
    }
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

/// Every source path ARCHITECTURE.md names (in backticks: `http/tiles.rs`,
/// `engine/vacancy/`, `panels/vacancy-units.ts`) exists, read from the
/// repository, `src/` or `web/src/` and their folders, as the text uses them.
#[test]
fn every_path_the_architecture_document_names_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let bases = [
        "",
        "src",
        "src/engine",
        "src/http",
        "src/store",
        "src/tiles",
        "src/model",
        "src/import",
        "src/app",
        "src/demo",
        "src/cql2",
        "src/store/geopackage",
        "src/store/postgis",
        "src/engine/vacancy",
        "src/engine/sites",
        "src/engine/coverage",
        "web",
        "web/src",
        "web/src/panels",
        "web/src/print",
        "tests/it",
        "benches",
    ];
    let extensions = [
        ".rs", ".ts", ".md", ".css", ".sql", ".csv", ".mjs", ".sh", ".toml", ".html", ".py",
    ];
    let mut missing = Vec::new();
    let mut checked = 0;
    for (index, token) in text.split('`').enumerate() {
        if index % 2 == 0 {
            continue; // outside backticks
        }
        let looks_like_path = (token.contains('/')
            || extensions.iter().any(|ext| token.ends_with(ext)))
            && !token.starts_with('/')
            && !token.contains(['{', '*', ' ', '?', '=', '(', ':', '<', '#', '@', '"', '\''])
            && !token.starts_with("..");
        if !looks_like_path {
            continue;
        }
        checked += 1;
        let path = token.trim_end_matches('/');
        if !bases.iter().any(|base| root.join(base).join(path).exists()) {
            missing.push(token.to_string());
        }
    }
    assert!(
        checked > 50,
        "only {checked} paths found: the reading is wrong"
    );
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist: {missing:?}"
    );
}

/// A file with more than about 600 lines of code (its inline tests not
/// counted) says in its header why it is one piece.
#[test]
fn a_long_file_says_why_it_is_one_piece() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = rust_files(&root.join("src"));
    let mut stack = vec![root.join("web/src")];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "ts") {
                files.push(path);
            }
        }
    }
    let mut silent = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        let lines = text
            .lines()
            .collect::<Vec<_>>()
            .windows(2)
            .position(|pair| pair[0] == "#[cfg(test)]" && pair[1].contains("mod tests {"))
            .unwrap_or_else(|| text.lines().count());
        let header: String = text
            .lines()
            .take_while(|line| line.starts_with("//"))
            .collect::<Vec<_>>()
            .join(" ");
        if lines > 620 && !header.contains("One piece") {
            silent.push(format!(
                "{} ({lines} lines)",
                file.strip_prefix(root).unwrap().display()
            ));
        }
    }
    assert!(
        silent.is_empty(),
        "long files that do not say why they are one piece: {silent:?}"
    );
}
