//! The report is made in two steps, and the second builds nothing: `src/report/document.rs` computes every section
//! once (from `src/report/sections/`), and a renderer of `src/report/render/` only turns that document into bytes.
//!
//! The check reads every file under `src/report/render/` (comments, string literals and the `#[cfg(test)]` module
//! at the end of a file left out: tests build the documents they render) and fails on a call that builds a section
//! or a document: a section's constructor (`DriftSection::of`, `RefusalSection::of`, `ClientsSection::of_columns`,
//! `SideBySide::of_coverages`, `Coverage::of`, ...), `ok_nowhere(`, the clients' evaluation
//! (`crate::client_compat::evaluate`, `DaemonView::of_run`), the scenarios' summaries, the Kubernetes table.

use std::path::Path;

use super::layers::{code_of, sources};

/// What a renderer never calls, each the start of a path or a method call (`DriftSection::of` also stands for
/// `DriftSection::of_drifts`).
const BUILDERS: &[&str] = &[
    "Document::of",
    "Document::conformance",
    "Coverage::of",
    "SideBySide::of",
    "ok_nowhere(",
    "Drift::of",
    "DriftMatrix::of",
    "DriftSection::of",
    "RefusalSection::of",
    "ClientsSection::of",
    "clients::clients(",
    "DaemonView::",
    "evaluate(",
    "summaries(",
    "Kubernetes::of",
    "matrix_tables::kubernetes",
];

/// The code of a file without its comments, its strings' contents and its `#[cfg(test)]` module (the last item of
/// the files that have one).
fn renderer_code(text: &str) -> String {
    let code = code_of(text);
    match code.find("#[cfg(test)]") {
        Some(i) => code[..i].to_string(),
        None => code,
    }
}

/// Every call of `files` (path under `src/report/render/`, text) that builds a section, as `file: calls NAME`.
fn violations(files: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in files {
        let code = renderer_code(text);
        for builder in BUILDERS {
            // `Drift::of` is not `MyDrift::of`: the name starts where an identifier cannot go on.
            let found = code
                .match_indices(builder)
                .any(|(i, _)| code[..i].chars().next_back().is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_')));
            if found {
                out.push(format!("{path}: calls {builder}"));
            }
        }
    }
    out
}

#[test]
fn renderers_build_no_section() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src/report/render"), root, &mut files);
    let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    for renderer in ["text.rs", "markdown.rs", "json.rs", "junit.rs", "summary.rs", "html/mod.rs", "html/clients.rs"] {
        assert!(names.contains(&format!("src/report/render/{renderer}").as_str()), "{renderer} in {names:?}");
    }
    let bad = violations(&files);
    assert!(
        bad.is_empty(),
        "renderers that build sections (compute them in src/report/document.rs and render the document's):\n{}",
        bad.join("\n")
    );
}

#[test]
fn a_renderer_building_a_section_is_caught() {
    let file = |text: &str| vec![("src/report/render/x.rs".to_string(), text.to_string())];
    let caught = [
        "if let Some(section) = DriftSection::of(runs, false) {",
        "let d = DriftSection::of_drifts(&drifts, true);",
        "let drifts: Vec<_> = runs.iter().map(|r| Drift::has_conformance(r).then(|| Drift::of(r))).collect();",
        "let r = super::refusals::RefusalSection::of(std::slice::from_ref(run));",
        "match ClientsSection::of_columns(&columns, false) {",
        "let c = Coverage::of(run);",
        "let matrix = SideBySide::of(runs, &matrices.endpoints.endpoints);",
        "let nowhere = matrix.ok_nowhere(&runs);",
        "let o = crate::client_compat::evaluate(&spec, &view, m);",
        "let view = DaemonView::of_run(run);",
        "let summaries = scenario::summaries(run);",
        "let doc = Document::of(runs, m);",
        "let grid = matrix_tables::kubernetes(m, api, &releases);",
    ];
    for text in caught {
        assert_eq!(violations(&file(text)).len(), 1, "{text}");
    }
    let fine = [
        "fn render_drift(section: &DriftSection, out: &mut dyn Write) -> io::Result<()> {",
        "if let Some(section) = &doc.drift {",
        "for part in &doc.parts { render_run(part, out)?; }",
        "// Not DriftSection::of(runs): the document has it.",
        "let s = \"Coverage::of(run)\";",
        "fn evaluated(x: u8) {}",
        "#[cfg(test)]\nmod tests {\n    let doc = Document::of(&runs, &m);\n}",
    ];
    for text in fine {
        assert_eq!(violations(&file(text)), Vec::<String>::new(), "{text}");
    }
}
