//! The HTML report: one self-contained page (inline style and script, no fetches) with a heat map per run:
//! endpoints as rows grouped by tag, API versions as columns, a colour and a letter per verdict, the enforced range
//! marked, filters by tag and verdict, the evidence of a cell on click (with a hijacked stream's summary, field by
//! field), the scenarios under the map, and where the daemon and the spec disagree, how it refused malformed
//! requests and what clients make of it (several runs: side by side, after the heat maps, which the overview of
//! [`overview`] leads).
//!
//! Each section has its module ([`drift`], [`refusals`], [`clients`]); the page's rules and scripts are the files of
//! `assets/`, inlined with `include_str!` (a section's rules only on pages that have it).

use std::fmt::Write as _;
use std::io::Write;

use serde::Serialize;

use crate::model::ApiVersion;
use crate::model::{ProbeOutcome, RequestVersion, SUMMARY_TEXT_CAP, Verdict};

use crate::report::document::{Document, Placement, RunPart};
use crate::report::error::ReportError;
use crate::report::sections::coverage;
use crate::report::sections::scenario::{self, ScenarioSummary};
use crate::report::sections::stream;

pub mod clients;
pub mod drift;
pub mod gates;
pub mod overview;
pub mod refusals;

/// Bodies longer than this many characters are cut in the page's evidence.
const BODY_EXCERPT: usize = 2000;

/// Writes one page holding a heat map for each run; several runs get their side-by-side matrix at the top, then a
/// selector that shows one daemon's heat map at a time.
pub fn write(doc: &Document<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
    out.write_all(render(doc).as_bytes()).map_err(|e| ReportError::write("html report", e))
}

/// Writes a page holding only where the runs and the spec disagree, every kind of finding listed (`report
/// --conformance`); one without rows when no answer was checked.
pub fn write_drift(doc: &Document<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
    let names: Vec<&str> = doc.runs().iter().map(|r| r.daemon.name.as_str()).collect();
    let title = format!("dockmatrix: {}", names.join(", "));
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{0}</title>\n<style>{STYLE}{1}</style>\n</head>\n<body>\n<header><h1>{0}</h1></header>\n<main class=\"drift-only\">\n",
        escape(&title),
        drift::STYLE
    );
    if let Some(section) = &doc.drift {
        page.push_str(&drift::section(section));
    }
    page.push_str("</main>\n</body>\n</html>\n");
    out.write_all(page.as_bytes()).map_err(|e| ReportError::write("html report", e))
}

/// The letter shown in a cell, so the map reads without colour too.
pub fn letter(v: Verdict) -> &'static str {
    match v {
        Verdict::Ok => "O",
        Verdict::VersionRejected => "R",
        Verdict::Absent => "A",
        Verdict::NotApplicable => "N",
        Verdict::Unsupported => "X",
        Verdict::Incompatible => "I",
        Verdict::Error => "E",
        Verdict::Unenforced => "U",
        Verdict::Nonconforming => "C",
        Verdict::Skipped => "S",
    }
}

/// Escapes text for HTML content and double-quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A probe as the page's script sees it (short keys keep big runs small).
#[derive(Serialize)]
struct CellData<'a> {
    target: &'a str,
    endpoint: &'a str,
    api: String,
    method: &'a str,
    request: &'a str,
    status: Option<u16>,
    verdict: &'static str,
    reason: &'a str,
    /// What the first try came to, for a probe asked again alone after the sweep (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    retried: Option<&'a str>,
    ms: u64,
    headers: &'a [(String, String)],
    stream: Option<&'a str>,
    /// The stream summary's fields, labelled (absent for probes without one, and in runs written before it).
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<Vec<(&'static str, String)>>,
    body: Option<String>,
    body_len: u64,
    body_cut: bool,
}

impl<'a> CellData<'a> {
    fn of(target: &'a str, p: &'a ProbeOutcome) -> Self {
        let body = p.evidence.body.as_deref().map(|b| {
            let cut = b.char_indices().nth(BODY_EXCERPT).map_or(b.len(), |(i, _)| i);
            b[..cut].to_string()
        });
        let body_cut = p.evidence.body_truncated
            || body.as_ref().zip(p.evidence.body.as_ref()).is_some_and(|(a, b)| a.len() < b.len());
        CellData {
            target,
            endpoint: &p.endpoint,
            api: p.version_label(),
            method: p.method.as_str(),
            request: if p.request.is_empty() { &p.path } else { &p.request },
            status: p.status,
            verdict: p.verdict.as_str(),
            reason: &p.reason,
            retried: p.retried.as_deref(),
            ms: p.duration_ms,
            headers: &p.evidence.headers,
            stream: p.evidence.stream.as_deref(),
            summary: p.evidence.stream_summary.as_ref().map(|s| stream::fields(s, SUMMARY_TEXT_CAP)),
            body,
            body_len: p.evidence.body_len,
            body_cut,
        }
    }
}

fn render(doc: &Document<'_>) -> String {
    let runs = doc.runs();
    let matrix = doc.side_by_side.as_ref().map(|s| &s.matrix);
    let mut cells: Vec<CellData<'_>> = Vec::new();
    let mut sections = String::new();
    let mut tags: Vec<&str> = Vec::new();
    for part in &doc.parts {
        for t in &part.coverage.tags {
            if !tags.contains(&t.tag) {
                tags.push(t.tag);
            }
        }
        // One run's drift, refusals and clients sit under its heat map; several runs' are one table each after all
        // of them.
        let under = (doc.placement() == Placement::UnderTheRun).then_some(doc);
        section(part, under, &mut cells, &mut sections);
    }
    if doc.placement() == Placement::AfterAllRuns {
        shared_sections(doc, &mut sections);
    }
    tags.sort_unstable();
    let title = match runs {
        [run] => format!("dockmatrix: {}", run.daemon.name),
        runs => format!("dockmatrix: {}", runs.iter().map(|r| r.daemon.name.as_str()).collect::<Vec<_>>().join(", ")),
    };
    let json = serde_json::to_string(&cells).expect("probe data is plain strings and numbers, always serializable");
    // Inside <script>, `</script>` or `<!--` in a body would end or confuse the element: escape the angle brackets.
    let json = json.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026");

    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}{}{}{}{}</style>\n</head>\n<body>\n<header><h1>{}</h1></header>\n",
        escape(&title),
        // Only pages with scenarios carry their rules, so pages without them stay as they were; the same for the
        // drift, which only runs checked against the spec have.
        if runs.iter().any(|r| !r.scenarios.is_empty()) { SCENARIO_STYLE } else { "" },
        if matrix.is_some() { overview::STYLE } else { "" },
        if doc.parts.iter().any(|p| p.checked_drift().is_some()) { drift::STYLE } else { "" },
        if doc.gates.is_some() || doc.parts.iter().any(|p| !p.run.refusals.is_empty() || !p.clients.is_empty()) {
            refusals::STYLE
        } else {
            ""
        },
        escape(&title)
    );
    if let Some(part) = &doc.side_by_side {
        page.push_str(&overview::glance(&part.overview));
        page.push_str(&overview::overview(&part.matrix));
    }
    page.push_str("<form id=\"filters\" class=\"filters\">\n<fieldset><legend>Verdicts</legend>");
    for v in Verdict::ALL {
        let _ = write!(
            page,
            "<label><input type=\"checkbox\" name=\"verdict\" value=\"{v}\" checked><span class=\"cell v-{v}\">{}</span> {v}</label>",
            letter(v)
        );
    }
    page.push_str(
        "<label><span class=\"cell none\"></span> not probed</label></fieldset>\n<fieldset><legend>Tags</legend>",
    );
    for t in &tags {
        let _ =
            write!(page, "<label><input type=\"checkbox\" name=\"tag\" value=\"{0}\" checked> {0}</label>", escape(t));
    }
    page.push_str("</fieldset>\n</form>\n<div class=\"layout\">\n<main>\n");
    if let Some(m) = matrix {
        page.push_str(&overview::picker(m));
    }
    page.push_str(&sections);
    page.push_str("</main>\n<aside id=\"evidence\"><h2>Evidence</h2><p class=\"hint\">Click a cell to see the request, the status, the reason, the headers and the body.</p></aside>\n</div>\n");
    let _ = write!(
        page,
        "<script type=\"application/json\" id=\"probes\">{json}</script>\n<script>{SCRIPT}{}</script>\n</body>\n</html>\n",
        if matrix.is_some() { overview::SCRIPT } else { "" }
    );
    page
}

/// The document's drift, refusals, version gates and clients, each when it has them.
fn shared_sections(doc: &Document<'_>, out: &mut String) {
    if let Some(d) = &doc.drift {
        out.push_str(&drift::section(d));
    }
    if let Some(r) = &doc.refusals {
        out.push_str(&refusals::section(r));
    }
    if let Some(g) = &doc.gates {
        out.push_str(&gates::section(g));
    }
    if let Some(c) = &doc.clients {
        out.push_str(&clients::section(c));
    }
}

/// A run's heat map and scenarios, then the document's shared sections when they go `under` it.
fn section<'a>(part: &RunPart<'a>, under: Option<&Document<'_>>, cells: &mut Vec<CellData<'a>>, out: &mut String) {
    let c = &part.coverage;
    let run = c.run;
    let target = run.daemon.name.as_str();
    let mut versions: Vec<ApiVersion> =
        run.api_versions.iter().copied().chain(run.probes.iter().filter_map(|p| p.api_version)).collect();
    versions.sort();
    versions.dedup();
    let mut columns: Vec<Option<ApiVersion>> = Vec::new();
    if run.probes.iter().any(|p| p.api_version.is_none()) {
        columns.push(None);
    }
    columns.extend(versions.iter().copied().map(Some));
    let inside = |v: Option<ApiVersion>| match (v, c.enforced) {
        (Some(v), Some((lo, hi))) => lo <= v && v <= hi,
        _ => false,
    };
    let first_in = columns.iter().position(|v| inside(*v));
    let last_in = columns.iter().rposition(|v| inside(*v));
    let edge = |i: usize| -> &'static str {
        match (Some(i) == first_in, Some(i) == last_in) {
            (true, true) => " in lo hi",
            (true, false) => " in lo",
            (false, true) => " in hi",
            (false, false) if inside(columns[i]) => " in",
            _ => "",
        }
    };

    let _ = write!(
        out,
        "<section class=\"run\">\n<h2>{}</h2>\n<p class=\"meta\">{}<br>{}; {}<br>Verdicts: {}</p>\n<p class=\"coverage\">{} ({})</p>\n",
        escape(target),
        escape(&coverage::daemon_line(run)),
        escape(&coverage::api_line(run)),
        escape(&coverage::run_line(run)),
        escape(&coverage::verdict_line(run)),
        escape(&c.counts().line()),
        escape(&c.enforced_text())
    );
    out.push_str("<div class=\"scroll\"><table class=\"heat\">\n<thead>\n<tr class=\"band\"><th colspan=\"2\"></th>");
    // The band above the version headers marks the enforced range.
    let mut i = 0;
    while i < columns.len() {
        if Some(i) == first_in {
            let end = last_in.unwrap_or(i);
            let _ =
                write!(out, "<th colspan=\"{}\" class=\"enforced\">{}</th>", end - i + 1, escape(&c.enforced_text()));
            i = end + 1;
        } else {
            out.push_str("<th></th>");
            i += 1;
        }
    }
    out.push_str("</tr>\n<tr><th class=\"ep\">Endpoint</th><th class=\"route\">Route</th>");
    for (i, v) in columns.iter().enumerate() {
        let (label, title) = match v {
            Some(v) => (v.to_string(), format!("API {v}")),
            None => ("unv.".to_string(), "unversioned request".to_string()),
        };
        let _ = write!(
            out,
            "<th class=\"ver{}\" title=\"{}\"><span>{}</span></th>",
            edge(i),
            escape(&title),
            escape(&label)
        );
    }
    out.push_str("</tr>\n</thead>\n");
    for tag in &c.tags {
        let _ = write!(
            out,
            "<tbody data-tag=\"{}\">\n<tr class=\"tag\"><th colspan=\"{}\">{} <small>{}</small></th></tr>\n",
            escape(tag.tag),
            columns.len() + 2,
            escape(tag.tag),
            escape(&tag.counts().line())
        );
        for e in &tag.endpoints {
            let _ = write!(
                out,
                "<tr><th class=\"ep\" title=\"{}\">{}</th><td class=\"route\">{}</td>",
                escape(&e.range_lines().join("; ")),
                escape(e.id),
                escape(&e.route())
            );
            for (i, v) in columns.iter().enumerate() {
                let probes: Vec<&&ProbeOutcome> = e.probes.iter().filter(|p| p.api_version == *v).collect();
                let Some(verdict) = coverage::worst(probes.iter().map(|p| p.verdict)) else {
                    let _ = write!(out, "<td class=\"cell none{}\"></td>", edge(i));
                    continue;
                };
                // The cell opens the probe that decided its verdict.
                let Some(shown) = probes.iter().find(|p| p.verdict == verdict) else { continue };
                let index = cells.len();
                cells.push(CellData::of(target, shown));
                let at = RequestVersion(*v).to_string();
                let status = shown.status.map_or_else(|| "no answer".to_string(), |s| s.to_string());
                let _ = write!(
                    out,
                    "<td class=\"cell v-{verdict}{}\" data-i=\"{index}\" data-verdict=\"{verdict}\" tabindex=\"0\" title=\"{}\">{}</td>",
                    edge(i),
                    escape(&format!("{} {at}: {verdict} ({status})", e.id)),
                    letter(verdict)
                );
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n");
    }
    out.push_str("</table></div>\n");
    scenarios(&part.scenarios, out);
    if let Some(doc) = under {
        shared_sections(doc, out);
    }
    out.push_str("</section>\n");
}

/// The scenarios of a run (nothing when it has none): a row per range of API versions that ended the same way, and
/// for a failed range the steps at its first version.
fn scenarios(summaries: &[ScenarioSummary<'_>], out: &mut String) {
    if summaries.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<h3>Scenarios</h3>\n<p class=\"coverage\">{}</p>\n<table class=\"scenarios\">\n<thead><tr>",
        escape(&scenario::headline(summaries))
    );
    for h in ["Scenario", "API versions", "Result", "Reason (at the first version)"] {
        let _ = write!(out, "<th>{h}</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for s in summaries {
        for r in &s.ranges {
            let class = if r.passed() { "v-ok" } else { "v-incompatible" };
            let _ = write!(
                out,
                "<tr data-scenario=\"{0}\"><th>{0}</th><td>{1}</td><td class=\"{class}\">{2}</td><td>{3}",
                escape(s.name),
                escape(&r.versions()),
                escape(&r.result()),
                escape(r.reason())
            );
            for o in r.cleanup_failures() {
                let at = RequestVersion(o.api_version).to_string();
                let why = o.cleanup.iter().find(|c| c.sent && !c.ok).map_or("", |c| c.reason.as_str());
                let _ = write!(
                    out,
                    "<div class=\"cleanup\">cleanup failed at {} (something may be left): {}</div>",
                    escape(&at),
                    escape(why)
                );
            }
            if !r.passed() {
                steps(r.outcome(), out);
            }
            out.push_str("</td></tr>\n");
        }
    }
    out.push_str("</tbody></table>\n");
}

/// The steps of one scenario run as a collapsed list: request, status, and why a step failed or was not sent.
fn steps(o: &crate::model::ScenarioOutcome, out: &mut String) {
    let at = RequestVersion(o.api_version).to_string();
    let _ = write!(out, "<details><summary>steps at {}</summary><ol>", escape(&at));
    for step in o.steps.iter().chain(&o.cleanup) {
        let status = step.status.map_or_else(|| "no answer".to_string(), |s| s.to_string());
        let what =
            if step.sent { format!("{} {} → {status}", step.method, step.request) } else { step.endpoint.clone() };
        let mark = if step.ok { "✓" } else { "✗" };
        let reason = if step.reason.is_empty() { String::new() } else { format!(": {}", step.reason) };
        let _ = write!(out, "<li>{mark} {}{}</li>", escape(&what), escape(&reason));
    }
    out.push_str("</ol></details>");
}

/// The page's rules: the heat map, the filters, the evidence panel (assets/page.css).
const STYLE: &str = include_str!("assets/page.css");

/// The scenarios' rules, added only to pages whose runs have scenarios (assets/scenarios.css).
const SCENARIO_STYLE: &str = include_str!("assets/scenarios.css");

/// The page's script: the filters and the evidence of a cell (assets/page.js).
const SCRIPT: &str = include_str!("assets/page.js");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RunRecord;
    use crate::report::sections::coverage::tests::{fixture, render};

    fn rendered(runs: &[RunRecord]) -> String {
        render(write, runs)
    }

    #[test]
    fn snapshot_of_the_fixed_run() {
        insta::assert_snapshot!(rendered(&[fixture()]));
    }

    #[test]
    fn is_self_contained() {
        let html = rendered(&[fixture()]);
        for fetch in ["http://", "https://", "src=", "href=", "@import", "url("] {
            assert!(!html.contains(fetch), "page fetches something: {fetch}");
        }
    }

    #[test]
    fn snapshot_of_the_scenarios_of_a_run() {
        let html = rendered(&[crate::report::sections::scenario::tests::fixture_with_scenarios()]);
        let start = html.find("<h3>Scenarios</h3>").expect("a scenario section");
        let end = start + html[start..].find("<section class=\"drift\">").expect("the drift after it");
        insta::assert_snapshot!(&html[start..end]);
    }

    #[test]
    fn scenarios_keep_the_page_self_contained_and_well_formed() {
        let mut run = crate::report::sections::scenario::tests::fixture_with_scenarios();
        run.scenarios[13].steps[6].reason = "</td><script>alert(1)</script>".into();
        let html = rendered(&[run]);
        assert_eq!(html.matches("<script").count(), 2, "only the page's own two scripts");
        for fetch in ["http://", "https://", "src=", "href=", "@import", "url("] {
            assert!(!html.contains(fetch), "page fetches something: {fetch}");
        }
        let start = html.find("<table class=\"scenarios\"").expect("scenario table");
        let end = start + html[start..].find("</table>").expect("end") + "</table>".len();
        roxmltree::Document::parse(&html[start..end]).expect("the scenario table is well-formed");
    }

    #[test]
    fn bodies_cannot_break_out_of_the_page() {
        let mut run = crate::report::synthetic::with_failures();
        let p = run.probes.iter_mut().find(|p| p.verdict == Verdict::Incompatible).expect("one incompatible");
        p.evidence.body = Some("</script><script>alert(1)</script><!--".into());
        p.reason = "<b>bold</b> & \"quoted\"".into();
        p.endpoint = "container.attach<i>".into();
        let html = rendered(&[run]);
        assert_eq!(html.matches("<script").count(), 2, "only the page's own two scripts");
        assert!(!html.contains("<b>bold</b>") && !html.contains("container.attach<i>"));
        assert!(html.contains("container.attach&lt;i&gt;"));
    }

    #[test]
    fn several_runs_get_the_overview_and_a_daemon_selector() {
        let runs =
            [fixture(), crate::report::synthetic::daemon_run("docker-26.1", "26.1.4", (24, 45), (24, 45), (23, 46))];
        let html = rendered(&runs);
        let overview = html.find("<section class=\"overview\">").expect("overview");
        assert!(overview < html.find("<form id=\"filters\"").expect("filters"), "the overview leads");
        assert!(
            html.contains("<option value=\"0\">docker-20.10</option><option value=\"1\">docker-26.1</option></select>")
        );
        assert!(html.contains(
            "<tr><th class=\"ep\">system.ping</th><td class=\"route\">GET /_ping</td><td class=\"ranges\" data-run=\"0\"><span class=\"v-version-rejected\">1.11 version-rejected</span><span class=\"v-ok\">1.12–1.41 ok</span><span class=\"v-version-rejected\">1.42 version-rejected</span></td>"
        ), "{html}");
        assert_eq!(html.matches("<section class=\"run\">").count(), 2, "every heat map is on the page");
        assert_eq!(html.matches("<script").count(), 2, "the selector's script joins the page's own");
        for fetch in ["http://", "https://", "src=", "href=", "@import", "url("] {
            assert!(!html.contains(fetch), "page fetches something: {fetch}");
        }
        let start = html.find("<table class=\"sbs\">").expect("overview table");
        let end = start + html[start..].find("</table>").expect("end") + "</table>".len();
        roxmltree::Document::parse(&html[start..end]).expect("the overview table is well-formed");
    }

    #[test]
    fn the_evidence_of_a_stream_lists_its_summary_field_by_field() {
        let html = rendered(&[crate::report::synthetic::with_failures()]);
        let start = html.find("<script type=\"application/json\" id=\"probes\">").expect("probe data") + 44;
        let end = start + html[start..].find("</script>").expect("its end");
        let cells: Vec<serde_json::Value> = serde_json::from_str(&html[start..end]).expect("probe data is JSON");
        let cell = |endpoint: &str, api: &str| {
            cells.iter().find(|c| c["endpoint"] == endpoint && c["api"] == api).expect("a cell")
        };
        assert_eq!(
            cell("container.attach", "1.40")["summary"],
            serde_json::json!([
                ["format", "multiplexed"],
                ["frames", "1"],
                ["stdout", "0 B"],
                ["stderr", "50 B \"/bin/sh: can't access tty; job control turned off\\n\""],
                ["stdin", "52 B"],
                ["ended by", "window"],
                ["upgraded", "yes (101)"]
            ])
        );
        let ok = &cell("exec.start", "1.41")["summary"];
        assert!(ok[2][1].as_str().is_some_and(|t| t.starts_with("41 B \"dockmatrix-")), "{ok}");
        assert!(cell("exec.start", "1.24").get("summary").is_none(), "no answer, no stream");
        assert!(cell("system.ping", "1.41").get("summary").is_none(), "not a stream");
        assert!(html.contains("add(aside, 'h3', 'Stream');"), "the panel shows it");
    }

    #[test]
    fn one_cell_per_probed_version_and_the_enforced_range_marked() {
        let html = rendered(&[fixture()]);
        // Each probed (endpoint, version) pair is one clickable cell.
        let run = fixture();
        let mut pairs: Vec<_> = run.probes.iter().map(|p| (&p.endpoint, p.api_version)).collect();
        pairs.dedup();
        assert_eq!(html.matches(" data-i=\"").count(), pairs.len());
        assert_eq!(pairs.len(), 121, "one probe per pair in the fixture");
        // 1.12 to 1.41: thirty versions inside the enforced range.
        assert!(html.contains("<th colspan=\"30\" class=\"enforced\">1.12–1.41 enforced</th>"));
    }

    #[test]
    fn the_drift_is_grouped_by_endpoint_under_the_heat_map() {
        use crate::report::sections::drift::tests::drifting;
        let mut run = drifting();
        // A key with markup stays text.
        for p in run.probes.iter_mut().filter(|p| p.endpoint == "image.list") {
            if let Some(c) = p.conformance.as_mut() {
                c.findings.iter_mut().for_each(|f| f.pointer = f.pointer.replace("VirtualSize", "<b>Size</b>"));
            }
        }
        let html = rendered(&[run]);
        let start = html.find("<section class=\"drift\">").expect("a drift section");
        let end = start + html[start..].find("</section>").expect("its end") + "</section>".len();
        // Inside the run's section, after its heat map: what follows it there is the run's version gates.
        let rest = html[end..].trim_start();
        assert!(
            rest.starts_with("</section>") || rest.starts_with("<section class=\"refusals gates\">"),
            "inside the run's section, after its heat map"
        );
        assert!(html[..start].rfind("<section class=\"run\">") > html[..start].rfind("</section>\n</section>"));
        let doc = roxmltree::Document::parse(&html[start..end]).expect("the drift section is well-formed");
        let groups: Vec<(&str, usize)> = doc
            .descendants()
            .filter_map(|n| {
                Some((n.attribute("data-endpoint")?, n.children().filter(|r| r.has_tag_name("tr")).count()))
            })
            .collect();
        // Each endpoint's title row and its rows; the erratum after the others, under a part of its own.
        assert_eq!(
            groups,
            [
                ("container.inspect", 2),
                ("exec.start", 2),
                ("image.list", 2),
                ("swarm.inspect", 2),
                ("container.inspect", 2)
            ]
        );
        assert!(
            html[start..end]
                .contains("<span class=\"kind breaks\" title=\"a typed client trips on it\">missing-required</span>")
        );
        assert!(html[start..end].contains("Known mistakes of the spec"));
        assert!(html[start..end].contains("<span class=\"erratum\">spec erratum exec-ids-string</span>"));
        assert!(
            html[start..end].contains("<code><wbr/>/*<wbr/>/&lt;b&gt;Size&lt;<wbr/>/b&gt;</code>"),
            "{}",
            &html[start..end]
        );
        assert!(html[start..end].contains("<code>dockmatrix report --conformance RUN.json</code> lists it</p>"));
        assert!(html.contains("table.drift {"), "its rules come with it");
        // A run never checked has neither the section nor its rules.
        let mut old = fixture();
        old.probes.iter_mut().for_each(|p| p.conformance = None);
        let plain = rendered(&[old]);
        assert!(!plain.contains("drift"), "no drift in a page of runs from before the check");
    }
}
