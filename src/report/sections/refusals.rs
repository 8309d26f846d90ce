//! How daemons refuse malformed requests: the refusal outcomes of runs (see [`crate::model::RefusalOutcome`]) as a
//! row per endpoint and kind of malformed input, one cell per run, each cell the answers by API version range
//! (`400 1.24–1.56`, `500 server error 1.24–1.41`). Consecutive versions join a range while the verdict, the status
//! and whether the spec lists that status stay the same.
//!
//! Pure: no I/O. Every report format renders what this module computes.

use serde::Serialize;

use crate::model::{ApiVersion, RefusalKind, RefusalOutcome, RefusalVerdict, RequestVersion, RunRecord};

/// The mark after a status the spec of that version does not list for the operation.
pub const UNLISTED_MARK: &str = "†";

/// Versions in a row of one run that got the same answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerSpan {
    /// First version of the range.
    pub first: Option<ApiVersion>,
    /// Last version of the range.
    pub last: Option<ApiVersion>,
    /// What the answer means to a client.
    pub verdict: RefusalVerdict,
    /// The status, when one came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Whether the spec lists that status for the operation (`None`: not checked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listed: Option<bool>,
    /// The first answer's reason (the daemon's message), as the example.
    pub reason: String,
}

impl AnswerSpan {
    /// `400`, `400†`, `500 server error`, `200 accepted`, `error`, `skipped`.
    pub fn answer(&self) -> String {
        let mark = if self.listed == Some(false) { UNLISTED_MARK } else { "" };
        let status = self.status.map_or_else(String::new, |s| format!("{s}{mark}"));
        match self.verdict {
            RefusalVerdict::Refused => status,
            RefusalVerdict::ServerError => format!("{status} server error"),
            RefusalVerdict::Accepted => format!("{status} accepted"),
            RefusalVerdict::Error => "no answer".into(),
            RefusalVerdict::Skipped => "skipped".into(),
        }
    }

    /// `1.24–1.41`.
    pub fn versions(&self) -> String {
        RequestVersion::span(self.first, self.last)
    }
}

/// One run's answers to one malformed request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RefusalCell {
    /// The answers by version range, oldest first; empty when the run did not send it.
    pub spans: Vec<AnswerSpan>,
}

impl RefusalCell {
    /// The answers joined by `sep`, each with its versions (`400 1.24–1.43`), or the answer alone when every
    /// version got the same and `versions_when_one` is false.
    pub fn text(&self, sep: &str, versions_when_one: bool) -> String {
        match self.spans.as_slice() {
            [] => String::new(),
            [one] if !versions_when_one => one.answer(),
            spans => spans.iter().map(|s| format!("{} {}", s.answer(), s.versions())).collect::<Vec<_>>().join(sep),
        }
    }

    /// Whether any answer misleads a client (a 5xx, an accepted malformed request, no answer).
    pub fn misleads(&self) -> bool {
        self.spans.iter().any(|s| s.verdict.misleads())
    }
}

/// One endpoint and kind of malformed input, across the runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusalRow {
    /// Endpoint id.
    pub endpoint: String,
    /// What is malformed.
    pub kind: RefusalKind,
    /// `GET /containers/json`.
    pub route: String,
    /// One cell per run, in the order the runs were given.
    pub cells: Vec<RefusalCell>,
}

/// How many answers of one run got each verdict, and how many had a status the spec does not list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RefusalCounts {
    /// 4xx.
    pub refused: usize,
    /// 5xx.
    pub server_error: usize,
    /// 2xx or 3xx.
    pub accepted: usize,
    /// No answer.
    pub error: usize,
    /// Not sent.
    pub skipped: usize,
    /// Answers whose status the spec of their version does not list for the operation.
    pub unlisted: usize,
}

impl RefusalCounts {
    fn of(outcomes: &[RefusalOutcome]) -> Self {
        let count = |v: RefusalVerdict| outcomes.iter().filter(|o| o.verdict == v).count();
        RefusalCounts {
            refused: count(RefusalVerdict::Refused),
            server_error: count(RefusalVerdict::ServerError),
            accepted: count(RefusalVerdict::Accepted),
            error: count(RefusalVerdict::Error),
            skipped: count(RefusalVerdict::Skipped),
            unlisted: outcomes.iter().filter(|o| o.status_documented() == Some(false)).count(),
        }
    }

    /// `56 sent: 54 refused (4xx), 0 server errors (5xx), 2 accepted; 40 with a status the spec does not list (†)`.
    pub fn line(&self) -> String {
        let sent = self.refused + self.server_error + self.accepted + self.error;
        let mut s = format!(
            "{sent} sent: {} refused (4xx), {} server error{} (5xx), {} accepted",
            self.refused,
            self.server_error,
            if self.server_error == 1 { "" } else { "s" },
            self.accepted
        );
        if self.error > 0 {
            s.push_str(&format!(", {} unanswered", self.error));
        }
        if self.skipped > 0 {
            s.push_str(&format!(", {} skipped", self.skipped));
        }
        if self.unlisted > 0 {
            s.push_str(&format!("; {} with a status the spec does not list ({UNLISTED_MARK})", self.unlisted));
        }
        s
    }
}

/// The refusals of one or several runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusalSection {
    /// The runs' daemon names, one per cell.
    pub columns: Vec<String>,
    /// The counts of each run, in column order.
    pub counts: Vec<RefusalCounts>,
    /// Rows sorted by endpoint, then kind.
    pub rows: Vec<RefusalRow>,
}

/// What the section's notes say about the mark and the verdicts.
pub const NOTE: &str = "A 4xx is a refusal a client can report; a 5xx (server error) blames the daemon for the \
client's mistake, and clients retry it; accepted means the malformed input was not refused. † marks a status the \
spec of that version does not list for the operation.";

impl RefusalSection {
    /// The section of `runs`; `None` when no run sent a malformed request (runs made before refusals existed).
    pub fn of(runs: &[RunRecord]) -> Option<Self> {
        if runs.iter().all(|r| r.refusals.is_empty()) {
            return None;
        }
        let mut keys: Vec<(&str, RefusalKind, String)> = runs
            .iter()
            .flat_map(|r| &r.refusals)
            .map(|o| (o.endpoint.as_str(), o.kind, format!("{} {}", o.method, o.path)))
            .collect();
        keys.sort();
        keys.dedup_by(|a, b| (a.0, a.1) == (b.0, b.1));
        let rows = keys
            .into_iter()
            .map(|(endpoint, kind, route)| RefusalRow {
                endpoint: endpoint.to_string(),
                kind,
                route,
                cells: runs.iter().map(|r| cell(r, endpoint, kind)).collect(),
            })
            .collect();
        Some(RefusalSection {
            columns: runs.iter().map(|r| r.daemon.name.clone()).collect(),
            counts: runs.iter().map(|r| RefusalCounts::of(&r.refusals)).collect(),
            rows,
        })
    }

    /// Whether the section compares several runs.
    pub fn several(&self) -> bool {
        self.columns.len() > 1
    }

    /// `How docker-28.5 refuses malformed requests`, or `How the daemons refuse malformed requests`.
    pub fn title(&self) -> String {
        match self.columns.as_slice() {
            [one] => format!("How {one} refuses malformed requests"),
            _ => "How the daemons refuse malformed requests".into(),
        }
    }

    /// The counts: one run's line, or one `name: line` per run.
    pub fn count_lines(&self) -> Vec<String> {
        match self.counts.as_slice() {
            [one] => vec![one.line()],
            all => self.columns.iter().zip(all).map(|(n, c)| format!("{n}: {}", c.line())).collect(),
        }
    }
}

/// One run's answers to one row, oldest version first, like answers joined.
fn cell(run: &RunRecord, endpoint: &str, kind: RefusalKind) -> RefusalCell {
    let mut outcomes: Vec<&RefusalOutcome> =
        run.refusals.iter().filter(|o| o.endpoint == endpoint && o.kind == kind).collect();
    outcomes.sort_by_key(|o| o.api_version);
    let mut spans: Vec<AnswerSpan> = Vec::new();
    for o in outcomes {
        let listed = o.status_documented();
        if let Some(last) = spans.last_mut()
            && (last.verdict, last.status, last.listed) == (o.verdict, o.status, listed)
        {
            last.last = o.api_version;
            continue;
        }
        spans.push(AnswerSpan {
            first: o.api_version,
            last: o.api_version,
            verdict: o.verdict,
            status: o.status,
            listed,
            reason: o.reason.clone(),
        });
    }
    RefusalCell { spans }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Conformance, Evidence, Finding, FindingKind, Method};

    /// A refusal outcome of `endpoint` at `v` with `status` (`None`: skipped), the status listed by the spec or not.
    pub(crate) fn refusal(
        endpoint: &str,
        kind: RefusalKind,
        v: &str,
        status: Option<u16>,
        listed: bool,
    ) -> RefusalOutcome {
        let finding = Finding {
            kind: FindingKind::UndocumentedStatus,
            pointer: String::new(),
            detail: format!("{}; the spec lists 200, 500", status.unwrap_or(0)),
            erratum: None,
        };
        let version: ApiVersion = v.parse().expect("a version");
        RefusalOutcome {
            endpoint: endpoint.into(),
            kind,
            method: Method::Get,
            path: "/containers/json".into(),
            api_version: Some(version),
            request: format!("/v{v}/containers/json?filters=not-json"),
            status,
            verdict: status.map_or(RefusalVerdict::Skipped, RefusalVerdict::of_status),
            reason: status.map_or_else(|| "class malformed-prune not allowed".into(), |_| "\"invalid filter\"".into()),
            duration_ms: 1,
            evidence: Evidence::default(),
            conformance: status.map(|_| Conformance {
                spec: version,
                approximate: false,
                findings: if listed { vec![] } else { vec![finding] },
                more: 0,
            }),
        }
    }

    /// docker-28.5 refusing everything with 400 (unlisted from 1.41), podman-4.3 answering 500 and accepting one.
    pub(crate) fn two_runs() -> [RunRecord; 2] {
        use RefusalKind::*;
        let mut docker = crate::report::synthetic::daemon_run("docker-28.5", "28.5.1", (24, 51), (24, 51), (23, 52));
        docker.refusals = vec![
            refusal("container.list", FiltersNotJson, "1.40", Some(400), true),
            refusal("container.list", FiltersNotJson, "1.41", Some(400), true),
            refusal("image.list", FiltersNotJson, "1.40", Some(400), false),
            refusal("image.list", FiltersNotJson, "1.41", Some(400), false),
            refusal("system.events", FiltersUnknownKey, "1.41", Some(200), true),
        ];
        let mut podman = crate::report::synthetic::daemon_run("podman-4.3", "4.3.1", (24, 41), (0, 57), (23, 42));
        podman.refusals = vec![
            refusal("container.list", FiltersNotJson, "1.40", Some(500), true),
            refusal("container.list", FiltersNotJson, "1.41", Some(400), true),
            refusal("image.list", FiltersNotJson, "1.41", Some(500), true),
            refusal("volume.prune", FiltersNotJson, "1.41", None, true),
        ];
        [docker, podman]
    }

    #[test]
    fn one_row_per_endpoint_and_kind_with_like_answers_joined() {
        let runs = two_runs();
        let s = RefusalSection::of(&runs).expect("a section");
        let rows: Vec<String> = s
            .rows
            .iter()
            .map(|r| {
                format!(
                    "{} {}: {}",
                    r.endpoint,
                    r.kind,
                    r.cells.iter().map(|c| c.text(", ", false)).collect::<Vec<_>>().join(" | ")
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                "container.list filters-not-json: 400 | 500 server error 1.40, 400 1.41",
                "image.list filters-not-json: 400† | 500 server error",
                "system.events filters-unknown-key: 200 accepted | ",
                "volume.prune filters-not-json:  | skipped",
            ]
        );
        assert_eq!(s.title(), "How the daemons refuse malformed requests");
        assert_eq!(
            s.count_lines(),
            [
                "docker-28.5: 5 sent: 4 refused (4xx), 0 server errors (5xx), 1 accepted; 2 with a status the spec does \
                 not list (†)",
                "podman-4.3: 3 sent: 1 refused (4xx), 2 server errors (5xx), 0 accepted, 1 skipped",
            ]
        );
        assert!(!s.rows[0].cells[0].misleads() && s.rows[0].cells[1].misleads());
        assert_eq!(s.rows[1].cells[0].text(", ", true), "400† 1.40–1.41");
    }

    #[test]
    fn runs_without_refusals_have_no_section() {
        let mut runs = two_runs();
        runs.iter_mut().for_each(|r| r.refusals.clear());
        assert_eq!(RefusalSection::of(&runs), None);
        let one = RefusalSection::of(&two_runs()[..1]).expect("one run's section");
        assert_eq!(one.title(), "How docker-28.5 refuses malformed requests");
        assert!(!one.several());
    }

    /// Every format, one run and two side by side.
    fn render(format: crate::report::ReportFormat, runs: &[RunRecord]) -> String {
        let m = crate::matrix::load::MatrixSources::built_in().load().expect("matrices");
        let mut out = Vec::new();
        crate::report::write_report(format, runs, &m, &mut out).expect("write to vec");
        String::from_utf8(out).expect("utf8")
    }

    #[test]
    fn every_format_shows_the_refusals_side_by_side() {
        use crate::report::ReportFormat;
        let runs = two_runs();
        let table = render(ReportFormat::Table, &runs);
        // The section ends where the next begins: the version gates the runs observed, else the clients.
        let next =
            |text: &str, marks: [&str; 2]| marks.iter().filter_map(|m| text.find(m)).min().expect("a section after");
        let start = table.find("How the daemons refuse").expect("the table's section");
        let section = &table[start..start + next(&table[start..], ["\nVersion gates observed", "\nClients against"])];
        insta::assert_snapshot!("refusals_table_several", section);
        assert!(section.lines().all(|l| l.chars().count() <= crate::report::render::text::WIDTH), "{section}");
        let md = render(ReportFormat::Markdown, &runs);
        let start = md.find("## How the daemons refuse").expect("md");
        let end = start + next(&md[start..], ["\n## Version gates observed", "\n## Clients against"]);
        insta::assert_snapshot!("refusals_md_several", &md[start..end]);
        let json: serde_json::Value = serde_json::from_str(&render(ReportFormat::Json, &runs)).expect("json");
        assert_eq!(json["refusals"]["columns"], serde_json::json!(["docker-28.5", "podman-4.3"]));
        assert_eq!(json["refusals"]["rows"][0]["cells"][1]["spans"][0]["verdict"], "server-error");
        assert_eq!(json["runs"][1]["refusals"][0]["status"], 500);
        let junit = render(ReportFormat::Junit, &runs);
        let doc = roxmltree::Document::parse(&junit).expect("well-formed junit");
        let suite = |name: &str| {
            doc.descendants().find(|n| n.has_tag_name("testsuite") && n.attribute("name") == Some(name)).expect(name)
        };
        let podman = suite("podman-4.3.refusals");
        assert_eq!(
            (podman.attribute("tests"), podman.attribute("failures"), podman.attribute("skipped")),
            (Some("3"), Some("2"), Some("1"))
        );
        let docker = suite("docker-28.5.refusals");
        let failure = docker.descendants().find(|n| n.has_tag_name("failure")).expect("the accepted events filter");
        assert_eq!(failure.attribute("type"), Some("accepted"));
        let html = render(ReportFormat::Html, &runs);
        let start = html.find("<section class=\"refusals several\">").expect("one section after the heat maps");
        let end = start + html[start..].find("</section>").expect("its end") + "</section>".len();
        roxmltree::Document::parse(&html[start..end]).expect("the section is well-formed");
        assert!(html[start..end].contains("<span class=\"answer r-server-error\""));
        assert!(html.contains("table.refusals {"), "its rules come with it");
        assert_eq!(html.matches("<section class=\"refusals several").count(), 1, "no run shows its own as well");
        assert_eq!(
            html.matches("<section class=\"refusals").count(),
            3,
            "the refusals, the version gates and the clients"
        );
    }

    #[test]
    fn one_run_lists_each_answer_with_its_versions_and_message() {
        use crate::report::ReportFormat;
        let runs = two_runs();
        let one = &runs[1..];
        let table = render(ReportFormat::Table, one);
        let start = table.find("How podman-4.3 refuses").expect("table");
        let gates_or_clients = ["\nVersion gates observed", "\nClients against"];
        let end =
            start + gates_or_clients.iter().filter_map(|m| table[start..].find(m)).min().expect("a section after");
        insta::assert_snapshot!("refusals_table_one", &table[start..end]);
        let md = render(ReportFormat::Markdown, one);
        let section = &md[md.find("### How podman-4.3 refuses").expect("md")..];
        assert!(
            section.contains(r#"| `container.list` | filters-not-json | 1.40 | 500 server error | "invalid filter" |"#),
            "{section}"
        );
        let html = render(ReportFormat::Html, one);
        assert_eq!(html.matches("<section class=\"refusals\">").count(), 1, "under the run's heat map");
        assert_eq!(html.matches("<section class=\"refusals clients\">").count(), 1, "the clients after them");
        let mut plain = runs[1].clone();
        plain.refusals.clear();
        for format in ReportFormat::ALL {
            assert!(!render(format, &[plain.clone()]).contains("malformed"), "{format}: nothing of runs without any");
        }
    }
}
