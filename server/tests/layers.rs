//! The server's modules import downward only: each may use the modules
//! listed before it in `ORDER`, never one after it, so there is no import
//! loop and no module reaches up into the code that starts it. The order is
//! the one `src/lib.rs` and docs/design.md describe; a new module goes into
//! it where it belongs, and this test says which `use` breaks the order.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Bottom first.
const ORDER: &[&str] = &[
    "lock",
    "clock",
    "limits",
    "shutdown",
    "data_dir",
    "text",
    "logging",
    "heap",
    "metrics",
    "db",
    "townships",
    "audit",
    "county",
    "peers",
    "report_table",
    "export",
    "auth",
    "reports",
    "projection",
    "schema",
    "root_maps",
    "backup",
    "change_feed",
    "watch",
    "refusal_log",
    "state",
    "doc_sync",
    "http",
    "conn",
    "serve",
    "admin",
    "bundle",
    "cli",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel
        .components()
        .next()
        .expect("a component")
        .as_os_str()
        .to_string_lossy()
        .to_string();
    first.trim_end_matches(".rs").to_string()
}

/// Every top-level module named after `crate::` in `text`, including each
/// name in a `crate::{a, b::c}` group.
fn crate_imports(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                out.insert(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.insert(name);
        }
    }
    // Types and macros at the crate root (`crate::ServeConfig`) are not
    // modules.
    out.retain(|n| n.chars().next().is_some_and(|c| c.is_ascii_lowercase()));
    out
}

#[test]
fn every_module_imports_only_modules_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let rank = |m: &str| ORDER.iter().position(|o| *o == m);
    let mut wrong = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        if module == "lib" || module == "main" {
            continue;
        }
        let Some(mine) = rank(&module) else {
            wrong.push(format!(
                "{}: module `{module}` is not in ORDER",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("read file");
        for used in crate_imports(&text) {
            if used == module {
                continue;
            }
            match rank(&used) {
                Some(theirs) if theirs < mine => {}
                Some(_) => wrong.push(format!(
                    "{}: `{module}` uses `{used}`, which is above it",
                    file.display()
                )),
                None => wrong.push(format!(
                    "{}: `{module}` uses `{used}`, which is not in ORDER",
                    file.display()
                )),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the order:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_import_reader_sees_groups_and_paths() {
    let found = crate_imports(
        "use crate::db::{Db, DbError};\nuse crate::{audit, auth::Role};\nlet t = crate::clock::now();\ncrate::ServeConfig",
    );
    let expected: BTreeSet<String> = ["audit", "auth", "clock", "db"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(found, expected);
}
