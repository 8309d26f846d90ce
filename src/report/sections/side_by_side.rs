//! The matrix of several runs side by side, which every format leads with when it is given more than one run:
//! one row per endpoint (grouped by tag, in endpoints.yaml order), one column per daemon, and in each cell the
//! API versions probed on that daemon with consecutive versions of the same verdict collapsed into one range.
//!
//! The ranges are those of [`Coverage`] (so a cell reads like the per-run tables: versions that were not probed
//! are passed over). A cell shows the unversioned request only when no versioned one was sent, so an endpoint
//! that was skipped as a whole is not mistaken for one that was not planned.

use std::collections::HashMap;

use serde::Serialize;

use crate::matrix::Endpoint;
use crate::model::{DaemonInfo, EngineKind, Method, RunRecord, Verdict};

use super::coverage::{Coverage, EndpointCoverage, Span, VerdictRange};

/// The side-by-side matrix of several runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SideBySide {
    /// One column per run, in the order the runs were given.
    pub columns: Vec<DaemonColumn>,
    /// One row per endpoint any run probed: endpoints.yaml order, tags kept together; endpoints the matrices do
    /// not know come last, by tag and id.
    pub rows: Vec<MatrixRow>,
}

/// A run's daemon, as the matrix's column header shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DaemonColumn {
    /// The run's target name (`docker-26.1`).
    pub name: String,
    /// Engine kind.
    pub kind: EngineKind,
    /// Engine version (`26.1.4`).
    pub version: String,
    /// The range `/version` advertises (`MinAPIVersion`, `ApiVersion`).
    pub advertised: Span,
    /// The range the sweep found the daemon enforces.
    pub enforced: Span,
}

impl DaemonColumn {
    /// The column of `d`.
    pub fn of(d: &DaemonInfo) -> Self {
        DaemonColumn {
            name: d.name.clone(),
            kind: d.kind,
            version: d.version.clone(),
            advertised: Span { min: d.min_api_version, max: d.api_version },
            enforced: Span { min: d.enforced_min, max: d.enforced_max },
        }
    }

    /// `docker 20.10.24; enforced 1.12–1.41`, with `(advertised 1.24–1.41)` when that differs.
    pub fn summary(&self) -> String {
        let mut s = format!("{} {}; enforced {}", self.kind.as_str(), self.version, self.enforced.text());
        if self.advertised != self.enforced {
            s.push_str(&format!(" (advertised {})", self.advertised.text()));
        }
        s
    }
}

/// One endpoint across every daemon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatrixRow {
    /// Endpoint id (`container.list`).
    pub endpoint: String,
    /// Its tag (`Container`): the matrices' when they know the endpoint, else the probes'.
    pub tag: String,
    /// HTTP method.
    pub method: Method,
    /// Swagger-form path.
    pub path: String,
    /// One cell per column.
    pub cells: Vec<Cell>,
}

impl MatrixRow {
    /// `GET /containers/json`.
    pub fn route(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// What one daemon answered one endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// The verdict of the unversioned request, when one was sent.
    pub unversioned: Option<Verdict>,
    /// Verdicts over the probed API versions, oldest first; consecutive versions with one verdict are one range.
    pub ranges: Vec<VerdictRange>,
}

impl Cell {
    fn of(e: &EndpointCoverage<'_>) -> Self {
        Cell { unversioned: e.unversioned, ranges: e.ranges.clone() }
    }

    /// Whether the daemon was sent anything for the endpoint.
    pub fn probed(&self) -> bool {
        self.unversioned.is_some() || !self.ranges.is_empty()
    }

    /// The cell part by part: `1.12–1.23 version-rejected`, `1.24–1.41 ok`; `unversioned skipped` when only the
    /// unversioned request was sent; nothing when the endpoint was not probed.
    pub fn parts(&self) -> Vec<String> {
        self.verdict_parts().into_iter().map(|(text, _)| text).collect()
    }

    /// [`Cell::parts`], each with its verdict (for colour).
    pub fn verdict_parts(&self) -> Vec<(String, Verdict)> {
        match (self.unversioned, self.ranges.is_empty()) {
            (Some(v), true) => vec![(format!("unversioned {v}"), v)],
            _ => self.ranges.iter().map(|r| (r.to_string(), r.verdict)).collect(),
        }
    }

    /// The parts joined by `sep`, or `not probed`.
    pub fn text(&self, sep: &str) -> String {
        if self.probed() { self.parts().join(sep) } else { NOT_PROBED.into() }
    }
}

/// An endpoint no daemon answered `ok`, and why (see [`SideBySide::ok_nowhere`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OkNowhere {
    /// Endpoint id.
    pub endpoint: String,
    /// `GET /images/search`.
    pub route: String,
    /// `daemons: verdict: reason`, one line per distinct answer.
    pub why: Vec<String>,
}

/// What `run` last said of `endpoint`: the verdict and reason of its newest probe inside the range the daemon
/// advertises (the unversioned one counts as inside), else of its newest probe.
fn newest_word(run: &RunRecord, endpoint: &str) -> Option<String> {
    let d = &run.daemon;
    let inside = |v: Option<crate::model::ApiVersion>| {
        v.is_none_or(|v| d.min_api_version.is_none_or(|lo| lo <= v) && d.api_version.is_none_or(|hi| v <= hi))
    };
    let of = run.probes.iter().filter(|p| p.endpoint == endpoint);
    let newest =
        |inside_only: bool| of.clone().filter(|p| !inside_only || inside(p.api_version)).max_by_key(|p| p.api_version);
    let p = newest(true).or_else(|| newest(false))?;
    // The run's id (in the names it made sure do not exist) would keep daemons that said the same apart.
    let reason = p.reason.replace(&run.run_id, "[run-id]");
    let reason = crate::model::excerpt(reason.as_bytes(), 160);
    Some(if reason.is_empty() { p.verdict.to_string() } else { format!("{}: {reason}", p.verdict) })
}

/// What a cell says for an endpoint a daemon was not sent.
pub const NOT_PROBED: &str = "not probed";

/// The note every rendering puts under the matrix.
pub const NOTE: &str = "Each cell lists the API versions probed on that daemon, consecutive versions with the same \
verdict collapsed into one range (1.24–1.41 ok means ok at every probed version in between); `unversioned` when \
only the request without a version was sent.";

impl SideBySide {
    /// The matrix of `runs`, rows in the order of `endpoints` (the matrices' endpoints.yaml).
    pub fn of(runs: &[RunRecord], endpoints: &[Endpoint]) -> Self {
        let coverages: Vec<Coverage<'_>> = runs.iter().map(Coverage::of).collect();
        Self::of_coverages(&coverages.iter().collect::<Vec<_>>(), endpoints)
    }

    /// The matrix of the runs of `coverages` (see [`SideBySide::of`]).
    pub fn of_coverages(coverages: &[&Coverage<'_>], endpoints: &[Endpoint]) -> Self {
        let by_id: Vec<HashMap<&str, &EndpointCoverage<'_>>> =
            coverages.iter().map(|c| c.endpoints().map(|e| (e.id, e)).collect()).collect();
        // What the runs say about each endpoint they probed: its tag, method and path, first run first.
        let mut probed: Vec<(&str, &str, Method, &str)> = Vec::new();
        for c in coverages {
            for t in &c.tags {
                for e in &t.endpoints {
                    if !probed.iter().any(|(id, ..)| *id == e.id) {
                        probed.push((e.id, t.tag, e.method, e.path));
                    }
                }
            }
        }
        let row = |id: &str, tag: &str, method: Method, path: &str| MatrixRow {
            endpoint: id.to_string(),
            tag: tag.to_string(),
            method,
            path: path.to_string(),
            cells: by_id.iter().map(|m| m.get(id).map_or_else(Cell::default, |e| Cell::of(e))).collect(),
        };
        let mut rows: Vec<MatrixRow> = endpoints
            .iter()
            .filter_map(|e| {
                let (_, _, method, path) = probed.iter().find(|(id, ..)| *id == e.id)?;
                Some(row(&e.id, &e.tag, *method, path))
            })
            .collect();
        let mut unknown: Vec<_> = probed.iter().filter(|(id, ..)| !endpoints.iter().any(|e| e.id == *id)).collect();
        unknown.sort_by_key(|(id, tag, ..)| (*tag, *id));
        rows.extend(unknown.into_iter().map(|(id, tag, method, path)| row(id, tag, *method, path)));
        // Keep each tag's rows together, tags in the order they first appear (a stable sort keeps file order).
        let mut tags: Vec<String> = Vec::new();
        for r in &rows {
            if !tags.contains(&r.tag) {
                tags.push(r.tag.clone());
            }
        }
        rows.sort_by_key(|r| tags.iter().position(|t| *t == r.tag));
        SideBySide { columns: coverages.iter().map(|c| DaemonColumn::of(&c.run.daemon)).collect(), rows }
    }

    /// The rows tag by tag: `(tag, rows)`.
    pub fn tags(&self) -> Vec<(&str, &[MatrixRow])> {
        self.rows.chunk_by(|a, b| a.tag == b.tag).map(|rows| (rows[0].tag.as_str(), rows)).collect()
    }

    /// The endpoints `ok` on no daemon, each with why: what each daemon answered, in the words of its run (the
    /// reason of its newest probe inside its advertised range, else of its newest probe), daemons that said the same
    /// grouped (`docker-20.10, docker-26.1: absent: page not found`), the run ids in their reasons written `[run-id]`.
    pub fn ok_nowhere(&self, runs: &[&RunRecord]) -> Vec<OkNowhere> {
        let ok = |c: &Cell| c.unversioned == Some(Verdict::Ok) || c.ranges.iter().any(|r| r.verdict == Verdict::Ok);
        self.rows
            .iter()
            .filter(|r| !r.cells.iter().any(ok))
            .map(|r| {
                let mut why: Vec<(String, Vec<&str>)> = Vec::new();
                for run in runs.iter().copied() {
                    let Some(said) = newest_word(run, &r.endpoint) else { continue };
                    match why.iter_mut().find(|(w, _)| *w == said) {
                        Some((_, names)) => names.push(&run.daemon.name),
                        None => why.push((said, vec![&run.daemon.name])),
                    }
                }
                OkNowhere {
                    endpoint: r.endpoint.clone(),
                    route: r.route(),
                    why: why.into_iter().map(|(w, names)| format!("{}: {w}", names.join(", "))).collect(),
                }
            })
            .collect()
    }

    /// `3 daemons side by side: docker-20.10, docker-26.1, podman-4.3`.
    pub fn headline(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
        format!("{} daemons side by side: {}", self.columns.len(), names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sections::coverage::tests::fixture;
    use crate::report::synthetic::{add_endpoint, answer, daemon_run, v};

    fn endpoints() -> Vec<Endpoint> {
        crate::matrix::load::MatrixSources::built_in().load().expect("built-in matrices").endpoints.endpoints
    }

    fn four() -> Vec<RunRecord> {
        let mut d26 = daemon_run("docker-26.1", "26.1.4", (24, 45), (24, 45), (23, 46));
        answer(&mut d26, "system.ping.head", 40..=41, Verdict::Absent, Some(404), None);
        let d28 = daemon_run("docker-28.5", "28.5.1", (24, 51), (24, 51), (23, 52));
        let podman = daemon_run("podman-4.3", "4.3.1", (24, 41), (11, 42), (11, 42));
        vec![fixture(), d26, d28, podman]
    }

    #[test]
    fn an_endpoint_ok_nowhere_says_what_each_daemon_answered_daemons_alike_together() {
        let mut runs = four();
        for run in &mut runs {
            let id = run.run_id.clone();
            for p in run.probes.iter_mut().filter(|p| p.endpoint == "swarm.inspect") {
                p.reason = format!("This node is not a swarm manager (dockmatrix-missing-{id})");
            }
        }
        let m = SideBySide::of(&runs, &endpoints());
        let nowhere = m.ok_nowhere(&runs.iter().collect::<Vec<_>>());
        let swarm = nowhere.iter().find(|n| n.endpoint == "swarm.inspect").expect("ok nowhere");
        assert_eq!(swarm.route, "GET /swarm");
        let names: Vec<&str> = runs.iter().map(|r| r.daemon.name.as_str()).collect();
        assert_eq!(
            swarm.why,
            [format!(
                "{}: not-applicable: This node is not a swarm manager (dockmatrix-missing-[run-id])",
                names.join(", ")
            )]
        );
        assert!(!nowhere.iter().any(|n| n.endpoint == "system.ping"), "ok on every daemon");
    }

    #[test]
    fn cells_collapse_consecutive_versions_per_daemon() {
        let m = SideBySide::of(&four(), &endpoints());
        let cases: &[(&str, [&str; 4])] = &[
            (
                "system.ping",
                [
                    "1.11 version-rejected · 1.12–1.41 ok · 1.42 version-rejected",
                    "1.23 version-rejected · 1.24–1.45 ok · 1.46 version-rejected",
                    "1.23 version-rejected · 1.24–1.51 ok · 1.52 version-rejected",
                    "1.12–1.42 ok",
                ],
            ),
            (
                "exec.start",
                [
                    "1.15–1.41 ok · 1.42 version-rejected",
                    "1.23 version-rejected · 1.24–1.45 ok · 1.46 version-rejected",
                    "1.23 version-rejected · 1.24–1.51 ok · 1.52 version-rejected",
                    "1.15–1.42 ok",
                ],
            ),
            (
                "swarm.inspect",
                [
                    "1.24–1.41 not-applicable · 1.42 version-rejected",
                    "1.23 version-rejected · 1.24–1.45 not-applicable · 1.46 version-rejected",
                    "1.23 version-rejected · 1.24–1.51 not-applicable · 1.52 version-rejected",
                    "1.24–1.42 not-applicable",
                ],
            ),
            (
                "system.ping.head",
                [
                    "1.40–1.41 ok · 1.42 version-rejected",
                    "1.23 version-rejected · 1.40–1.41 absent · 1.42–1.45 ok · 1.46 version-rejected",
                    "1.23 version-rejected · 1.40–1.51 ok · 1.52 version-rejected",
                    "1.40–1.42 ok",
                ],
            ),
            ("image.search", ["unversioned skipped"; 4]),
            ("volume.update", ["1.42 absent", "not probed", "not probed", "not probed"]),
        ];
        for (id, expected) in cases {
            let row = m.rows.iter().find(|r| r.endpoint == *id).expect("row");
            let cells: Vec<String> = row.cells.iter().map(|c| c.text(" · ")).collect();
            assert_eq!(cells, expected, "{id}");
        }
    }

    #[test]
    fn a_daemon_not_sent_an_endpoint_says_so_and_unversioned_only_shows() {
        let mut only_unversioned = fixture();
        only_unversioned.daemon.name = "b".into();
        only_unversioned.probes.retain(|p| p.endpoint != "swarm.inspect");
        only_unversioned.probes.retain(|p| p.endpoint != "system.ping" || p.api_version.is_none());
        let m = SideBySide::of(&[fixture(), only_unversioned], &endpoints());
        let cells = |id: &str| -> Vec<String> {
            m.rows.iter().find(|r| r.endpoint == id).expect("row").cells.iter().map(|c| c.text(" · ")).collect()
        };
        assert_eq!(cells("swarm.inspect"), ["1.24–1.41 not-applicable · 1.42 version-rejected", "not probed"]);
        assert_eq!(
            cells("system.ping"),
            ["1.11 version-rejected · 1.12–1.41 ok · 1.42 version-rejected", "unversioned ok"]
        );
    }

    #[test]
    fn rows_follow_endpoints_yaml_grouped_by_tag_and_unknown_endpoints_come_last() {
        let mut run = fixture();
        let mut extra = run.probes[0].clone();
        extra.endpoint = "zz.custom".into();
        extra.tag = "Custom".into();
        run.probes.push(extra);
        let m = SideBySide::of(&[run, fixture()], &endpoints());
        let tags: Vec<&str> = m.tags().iter().map(|(t, _)| *t).collect();
        assert_eq!(tags, ["Container", "Exec", "Image", "Swarm", "System", "Volume", "Custom"]);
        let last = m.rows.last().expect("rows");
        assert_eq!((last.endpoint.as_str(), last.cells[1].probed()), ("zz.custom", false));
        // endpoints.yaml lists create, list, delete, then attach: not by id.
        let mut more = fixture();
        add_endpoint(&mut more, "system.ping", "container.list", Method::Get, "/containers/json");
        add_endpoint(&mut more, "system.ping", "container.create", Method::Post, "/containers/create");
        let m = SideBySide::of(&[more], &endpoints());
        let container: Vec<&str> = m.tags()[0].1.iter().map(|r| r.endpoint.as_str()).collect();
        assert_eq!(container, ["container.create", "container.list", "container.attach"]);
    }

    #[test]
    fn column_headers_name_the_version_and_ranges() {
        let m = SideBySide::of(&four(), &endpoints());
        let summaries: Vec<String> = m.columns.iter().map(DaemonColumn::summary).collect();
        assert_eq!(
            summaries,
            [
                "docker 20.10.24+dfsg1; enforced 1.12–1.41",
                "docker 26.1.4; enforced 1.24–1.45",
                "docker 28.5.1; enforced 1.24–1.51",
                "podman 4.3.1; enforced 1.11–1.42 (advertised 1.24–1.41)",
            ]
        );
        let unknown = Span { min: None, max: Some(v(41)) };
        assert_eq!((unknown.text(), Span { min: None, max: None }.text()), ("?–1.41".into(), "unknown".into()));
    }

    #[test]
    fn serializes_cells_as_ranges_and_verdicts() {
        let m = SideBySide::of(&four()[..2], &endpoints());
        let json = serde_json::to_value(&m).expect("json");
        assert_eq!(json["columns"][1]["enforced"], serde_json::json!({"min": "1.24", "max": "1.45"}));
        let row = json["rows"].as_array().expect("rows").iter().find(|r| r["endpoint"] == "system.ping").expect("row");
        assert_eq!(
            row["cells"][0],
            serde_json::json!({"unversioned": "ok", "ranges": [
                {"first": "1.11", "last": "1.11", "verdict": "version-rejected"},
                {"first": "1.12", "last": "1.41", "verdict": "ok"},
                {"first": "1.42", "last": "1.42", "verdict": "version-rejected"}
            ]})
        );
    }
}
