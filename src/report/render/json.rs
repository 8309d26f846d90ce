//! The JSON report: the run itself (with `schema_version`), pretty-printed; for several runs, an object holding
//! their side-by-side matrix, their drift from the spec side by side (when any answer was checked against it), how
//! they refused malformed requests (when any was sent) and the runs. `report --conformance` writes the drift alone.

use std::io::Write;

use serde::Serialize;

use crate::model::{RUN_SCHEMA_VERSION, RunRecord};
use crate::report::document::Document;
use crate::report::error::ReportError;
use crate::report::sections::clients::ClientsSection;
use crate::report::sections::drift::DriftMatrix;
use crate::report::sections::gates::GatesSection;
use crate::report::sections::overview::Overview;
use crate::report::sections::refusals::RefusalSection;
use crate::report::sections::side_by_side::SideBySide;

/// What `--format json` writes for several runs; `dockmatrix report` reads its `runs` back.
#[derive(Serialize)]
struct Several<'a> {
    /// The run schema of `runs` ([`RUN_SCHEMA_VERSION`]).
    schema_version: u32,
    /// The matrix every format leads with.
    matrix: &'a SideBySide,
    /// The same at a glance: a mark per endpoint and daemon, and what differs between the daemons.
    overview: &'a Overview,
    /// Where the daemons and the spec disagree, side by side (`null` rows counted per column, not listed); absent
    /// when no answer was checked, so runs from before the check write what they wrote.
    #[serde(skip_serializing_if = "Option::is_none")]
    drift: Option<&'a DriftMatrix>,
    /// How the daemons refused malformed requests, side by side; absent when no run sent any.
    #[serde(skip_serializing_if = "Option::is_none")]
    refusals: Option<&'a RefusalSection>,
    /// The version gates the daemons' runs observed, side by side; absent when no run observed anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    gates: Option<&'a GatesSection>,
    /// What each real client would make of each daemon (see `crate::client_compat`).
    #[serde(skip_serializing_if = "Option::is_none")]
    clients: Option<&'a ClientsSection>,
    /// The runs, in the order they were given.
    runs: &'a [RunRecord],
}

/// Writes one run as an object (the run itself, as run.json holds it), none as an empty array, and several as one
/// object: `schema_version`, `matrix` (`columns`, `rows` with one cell per column, each with its `unversioned`
/// verdict and its `ranges` of `first`, `last` and `verdict`), `overview` (`columns`, `ranges`, `rows` of `endpoint`,
/// `tag` and one `marks` entry per column: `{"mark": "works"}`, `{"mark": "partly", "detail": "1.24–1.40"}`,
/// `{"mark": "lacks", "detail": "unsupported"}`..., and `differences` of `marks` and `endpoints`), `drift` (see [`write_drift`]; only when an answer
/// was checked against the spec), `refusals` (`columns`, `counts`, `rows` of `endpoint`, `kind`, `route` and one
/// cell per column with `spans` of `first`, `last`, `verdict`, `status`, `listed`, `reason`; only when a run sent
/// malformed requests), `gates` (`daemons`, `rows` of `probe`, `key`, `changes` and `lines` of the daemons that saw
/// alike and what they saw by version; only when a run observed anything), `clients` (`columns`, `rows` of `client`, `covers` and one outcome per column:
/// `api_version`, `how`, `verdict`, `reason`, `notes`) and `runs`. `dockmatrix report` reads them all back.
pub fn write(doc: &Document<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
    match (&doc.side_by_side, doc.runs()) {
        (Some(s), runs) => {
            let drift = doc.drift.as_ref().map(|s| &s.matrix);
            let (refusals, gates, clients) = (doc.refusals.as_ref(), doc.gates.as_ref(), doc.clients.as_ref());
            let (matrix, overview) = (&s.matrix, &s.overview);
            let several =
                Several { schema_version: RUN_SCHEMA_VERSION, matrix, overview, drift, refusals, gates, clients, runs };
            pretty(&several, out)
        }
        (None, [run]) => pretty(run, out),
        (None, runs) => pretty(&runs, out),
    }
}

/// Writes where the runs and the spec disagree, every kind listed (`report --conformance`): `columns` (one per run:
/// `name`, `checked`, `null_fields`, `cut`, `left_out`, `approximated`) and `rows` (`endpoint`, `kind`,
/// `pointer`, `erratum`, `detail`, and one cell per column with `checked`, `unversioned` and `ranges` of `first`
/// and `last`), errata last; `null` when no answer was checked.
pub fn write_drift(doc: &Document<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
    pretty(&doc.drift.as_ref().map(|s| &s.matrix), out)
}

fn pretty(value: &impl Serialize, out: &mut dyn Write) -> Result<(), ReportError> {
    let io = |e| ReportError::write("json report", e);
    serde_json::to_writer_pretty(&mut *out, value).map_err(|e| io(std::io::Error::other(e)))?;
    writeln!(out).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sections::coverage::tests::{fixture, render};

    #[test]
    fn snapshot_of_the_fixed_run_and_it_reads_back() {
        let run = fixture();
        let text = render(write, std::slice::from_ref(&run));
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
        let text = render(write, &runs);
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

    #[test]
    fn several_runs_carry_their_drift_beside_the_matrix_and_one_run_is_the_record_alone() {
        use crate::report::sections::drift::tests::drifting;
        let parse = |runs: &[RunRecord]| serde_json::from_str::<serde_json::Value>(&render(write, runs)).expect("json");
        let value = parse(&[drifting(), fixture()]);
        let keys: Vec<&String> = value.as_object().expect("an object").keys().collect();
        assert_eq!(keys, ["schema_version", "matrix", "overview", "drift", "gates", "runs"]);
        let drift = &value["drift"];
        assert_eq!(drift["columns"][0]["null_fields"], 1);
        let kinds: Vec<&str> =
            drift["rows"].as_array().expect("rows").iter().filter_map(|r| r["kind"].as_str()).collect();
        assert_eq!(
            kinds,
            ["missing-required", "undocumented-status", "undocumented", "undocumented-status", "wrong-type"],
            "no null row"
        );
        // Runs never checked against the spec write what they wrote before: no drift key.
        let mut old = [fixture(), fixture()];
        old.iter_mut().flat_map(|r| r.probes.iter_mut()).for_each(|p| p.conformance = None);
        assert!(parse(&old).get("drift").is_none());
        // One run is its record, as run.json holds it: nothing computed beside it.
        let one = parse(&[drifting()]);
        assert!(one.get("drift").is_none() && one["run_id"].is_string());
        // `report --conformance` writes the drift alone, null rows too.
        let alone = crate::report::sections::coverage::tests::render_drift(write_drift, &[drifting()]);
        let alone: serde_json::Value = serde_json::from_str(&alone).expect("json");
        assert_eq!(alone["rows"].as_array().map(Vec::len), Some(6));
        assert_eq!(alone["rows"][1]["kind"], "null");
    }
}
