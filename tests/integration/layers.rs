//! The crate's modules import one way only: from the command line down to `model`, never back up.
//!
//! Each top module of `src/` has a rank; a file may name (`use crate::x`, `crate::x::y(...)`) only modules of a lower
//! rank than its own, or its own module. Modules of one rank are peers and do not import each other (`client` and
//! `matrix`). The check reads the source, comments left out.

use std::path::Path;

/// The top modules, bottom first, and the rank of each.
const RANKS: &[(&str, u8)] = &[
    ("model", 0),
    ("glob", 0),
    // The tests' fake daemon (tests/support/fake_daemon.rs, compiled into the unit tests only): it names nothing of
    // the crate, so any module's tests may use it.
    ("fake_daemon", 0),
    ("client", 1),
    ("matrix", 1),
    ("fixture", 2),
    ("conformance", 2),
    ("client_compat", 2),
    ("probe", 3),
    ("scenario", 4),
    ("refusal", 4),
    ("snapshot", 5),
    ("report", 6),
    ("progress", 7),
    ("error", 7),
    ("run", 8),
    ("config", 9),
    ("dispatch", 10),
    ("cli", 10),
    ("lib", 11),
    ("main", 11),
];

fn rank(module: &str) -> Option<u8> {
    RANKS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

/// The top module a file of `src/` belongs to (`src/client/hijack/mod.rs` → `client`).
fn module_of(path: &str) -> &str {
    let rest = path.strip_prefix("src/").unwrap_or(path);
    let first = rest.split('/').next().unwrap_or(rest);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// The source without `//` comments (doc comments included) and string literals' contents.
pub(crate) fn code_of(text: &str) -> String {
    text.lines()
        .map(|l| {
            let mut out = String::new();
            let mut in_str = false;
            let mut chars = l.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '"' => in_str = !in_str,
                    '\\' if in_str => {
                        chars.next();
                    }
                    '/' if !in_str && chars.peek() == Some(&'/') => break,
                    _ if in_str => {}
                    _ => out.push(c),
                }
            }
            out
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top modules `code` names through `crate::` (`crate::a::b`, `crate::{a, b::c}`).
fn named_modules(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let ident = |s: &str| s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let end = group
                .char_indices()
                .find(|(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(group.len(), |(j, _)| j);
            let mut depth = 0;
            let mut start = 0;
            for (j, c) in group[..end].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(ident(group[start..j].trim()));
                        start = j + 1;
                    }
                    _ => {}
                }
            }
            out.push(ident(group[start..end].trim()));
        } else {
            out.push(ident(rest));
        }
    }
    out.retain(|m| !m.is_empty() && m != "self");
    out
}

/// Every import of `files` (path under `src/`, text) that points up or sideways, as `file: names module`.
fn violations(files: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in files {
        let from = module_of(path);
        let Some(own) = rank(from) else {
            out.push(format!("{path}: module `{from}` has no rank in tests/integration/layers.rs"));
            continue;
        };
        for to in named_modules(&code_of(text)) {
            if to == from {
                continue;
            }
            match rank(&to) {
                Some(r) if r < own => {}
                Some(_) => out.push(format!("{path}: names crate::{to}, which is not below `{from}`")),
                None => out.push(format!("{path}: names crate::{to}, which has no rank")),
            }
        }
    }
    out
}

/// Every `.rs` file under `dir`, as (path from `root`, text).
pub(crate) fn sources(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            sources(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).expect("under the root").to_string_lossy().replace('\\', "/");
            out.push((rel, std::fs::read_to_string(&path).expect("read source")));
        }
    }
}

#[test]
fn every_import_points_down() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), root, &mut files);
    assert!(files.len() > 50, "read the whole tree");
    let bad = violations(&files);
    assert!(bad.is_empty(), "imports that point up or sideways:\n{}", bad.join("\n"));
}

#[test]
fn the_cycles_of_before_the_model_step_are_caught() {
    let file = |path: &str, text: &str| vec![(path.to_string(), text.to_string())];
    let cycles = [
        ("src/client/transport.rs", "use crate::matrix::Method;"),
        ("src/matrix/validate.rs", "use crate::probe::tokens;"),
        ("src/matrix/validate.rs", "let v = crate::fixture::recipe_values(r);"),
        ("src/fixture/ops.rs", "message: crate::probe::verdict::message_of(&resp.body),"),
        ("src/snapshot/render.rs", "use crate::report::model::RunRecord;"),
        ("src/model/run.rs", "use crate::probe::daemon::DaemonInfo;"),
        ("src/model/version.rs", "use crate::{model::Method, client::path};"),
        ("src/model/version.rs", "use crate::glob;"),
        ("src/client/x.rs", "use crate::{\n    model::Method,\n    scenario::{self, Step},\n};"),
    ];
    for (path, text) in cycles {
        assert_eq!(violations(&file(path, text)).len(), 1, "{path}: {text}");
    }
    let fine = [
        ("src/probe/runner.rs", "use crate::fixture::{Fixtures, own_token};\nuse crate::model::Verdict;"),
        ("src/client/x.rs", "// see crate::probe::verdict\nlet s = \"crate::report\";"),
        ("src/report/diff/x.rs", "use crate::report::sections::coverage::Span;"),
    ];
    for (path, text) in fine {
        assert_eq!(violations(&file(path, text)), Vec::<String>::new(), "{path}: {text}");
    }
}
