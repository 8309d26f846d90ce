//! The JSON report: the run itself (with `schema_version`), pretty-printed; for several runs, an object holding
//! their side-by-side matrix and the runs.

use std::io::Write;

use serde::Serialize;

use super::error::ReportError;
use super::side_by_side::SideBySide;
use crate::model::{RUN_SCHEMA_VERSION, RunReport};

/// What `--format json` writes for several runs; `dockmatrix report` reads its `runs` back.
#[derive(Serialize)]
struct Several<'a> {
    /// The run schema of `runs` ([`RUN_SCHEMA_VERSION`]).
    schema_version: u32,
    /// The matrix every format leads with.
    matrix: &'a SideBySide,
    /// The runs, in the order they were given.
    runs: &'a [RunReport],
}

/// Writes one run as an object, several as an array; `dockmatrix report` reads both back.
pub fn write(runs: &[RunReport], out: &mut dyn Write) -> Result<(), ReportError> {
    match runs {
        [run] => pretty(run, out),
        runs => pretty(&runs, out),
    }
}

/// Writes several runs as one object: `schema_version`, `matrix` (`columns`, `rows` with one cell per column,
/// each with its `unversioned` verdict and its `ranges` of `first`, `last` and `verdict`) and `runs`.
pub fn write_side_by_side(matrix: &SideBySide, runs: &[RunReport], out: &mut dyn Write) -> Result<(), ReportError> {
    pretty(&Several { schema_version: RUN_SCHEMA_VERSION, matrix, runs }, out)
}

fn pretty(value: &impl Serialize, out: &mut dyn Write) -> Result<(), ReportError> {
    let io = |e| ReportError::write("json report", e);
    serde_json::to_writer_pretty(&mut *out, value).map_err(|e| io(std::io::Error::other(e)))?;
    writeln!(out).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::coverage::tests::fixture;

    #[test]
    fn snapshot_of_the_fixed_run_and_it_reads_back() {
        let run = fixture();
        let mut out = Vec::new();
        write(std::slice::from_ref(&run), &mut out).expect("write to vec");
        let text = String::from_utf8(out).expect("utf8");
        let back = crate::report::read::parse_runs(std::path::Path::new("report.json"), &text).expect("reads back");
        assert_eq!(back, [run]);
        // The run record as written: a hijacked stream's structured summary is in it as is.
        let streams = back[0].probes.iter().filter(|p| p.evidence.stream_summary.is_some()).count();
        assert!(streams > 0 && text.matches("\"stream_summary\": {").count() == streams, "{streams} summaries");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn several_runs_carry_the_matrix_and_read_back() {
        let runs =
            [fixture(), crate::report::synthetic::daemon_run("docker-26.1", "26.1.4", (24, 45), (24, 45), (23, 46))];
        let endpoints = crate::matrix::load::MatrixSources::built_in().load().expect("matrices").endpoints.endpoints;
        let matrix = SideBySide::of(&runs, &endpoints);
        let mut out = Vec::new();
        write_side_by_side(&matrix, &runs, &mut out).expect("write to vec");
        let text = String::from_utf8(out).expect("utf8");
        let value: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(value["schema_version"], 1);
        assert_eq!(value["matrix"]["columns"][1]["name"], "docker-26.1");
        assert_eq!(value["matrix"]["rows"][0]["endpoint"], "container.attach");
        assert_eq!(
            value["matrix"]["rows"][0]["cells"][1]["ranges"][1],
            serde_json::json!({"first": "1.24", "last": "1.45", "verdict": "ok"})
        );
        assert_eq!(value["runs"].as_array().map(Vec::len), Some(2));
        let back = crate::report::read::parse_runs(std::path::Path::new("report.json"), &text).expect("reads back");
        assert_eq!(back, runs);
    }
}
