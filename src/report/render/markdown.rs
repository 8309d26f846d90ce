//! The Markdown report for a pull request or a GitHub step summary: coverage, the endpoint × API-version matrix,
//! the Kubernetes table of the matrices with this daemon's answers beside it, and where the daemon and the spec
//! disagree (several runs: side by side, after every run's report).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::model::ApiVersion;
use crate::model::{ProbeOutcome, RequestVersion, RunRecord, Verdict};

use crate::report::document::{Document, Placement, RunPart, SideBySidePart};
use crate::report::error::ReportError;
use crate::report::grid::Grid;
use crate::report::sections::clients::ClientsSection;
use crate::report::sections::coverage::{self, Coverage};
use crate::report::sections::drift::DriftSection;
use crate::report::sections::gates::{GateRow, GatesSection, key_text};
use crate::report::sections::kubernetes::Kubernetes;
use crate::report::sections::overview::{self as o, Mark, Overview};
use crate::report::sections::refusals::{self, RefusalSection};
use crate::report::sections::scenario::{self, ScenarioSummary};
use crate::report::sections::side_by_side::{self, DaemonColumn, SideBySide};
use crate::report::sections::stream;

/// The variable GitHub Actions sets to the file it shows as the step summary.
pub const STEP_SUMMARY_VAR: &str = "GITHUB_STEP_SUMMARY";

/// Writes the Markdown report of each run, one after another.
pub fn write(doc: &Document<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
    render(doc, out).map_err(|e| ReportError::write("md report", e))
}

/// The step summary file from `$GITHUB_STEP_SUMMARY`, when it is set and not empty.
pub fn step_summary_path() -> Option<PathBuf> {
    std::env::var_os(STEP_SUMMARY_VAR).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// Appends the Markdown report of `doc` to `path` (the step summary file), creating it when missing.
pub fn append_step_summary(path: &Path, doc: &Document<'_>) -> Result<(), ReportError> {
    let what = || format!("step summary {}", path.display());
    let file =
        std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(|e| ReportError::write(what(), e))?;
    let mut out = io::BufWriter::new(file);
    render(doc, &mut out).and_then(|()| out.flush()).map_err(|e| ReportError::write(what(), e))
}

/// The symbol of a verdict in Markdown cells.
pub fn symbol(v: Verdict) -> &'static str {
    match v {
        Verdict::Ok => "✅",
        Verdict::VersionRejected => "⛔",
        Verdict::Absent => "➖",
        Verdict::NotApplicable => "💤",
        Verdict::Unsupported => "🚫",
        Verdict::Incompatible => "❌",
        Verdict::Error => "⚠️",
        Verdict::Unenforced => "🔓",
        Verdict::Nonconforming => "🧩",
        Verdict::Skipped => "⏭️",
    }
}

fn legend() -> String {
    let items: Vec<String> = Verdict::ALL.iter().map(|v| format!("{} {v}", symbol(*v))).collect();
    format!("Legend: {}; blank: not probed.", items.join(" · "))
}

/// Writes only where the runs and the spec disagree, every kind of finding listed (`report --conformance`);
/// nothing when no answer was checked.
pub fn write_drift(doc: &Document<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
    match &doc.drift {
        Some(section) => render_drift(section, "##", false, out).map_err(|e| ReportError::write("md report", e)),
        None => Ok(()),
    }
}

/// Several runs lead with their side-by-side matrix; each run's own report follows, then (when any answer was
/// checked against the spec) their drift side by side. One run ends with its own drift.
fn render(doc: &Document<'_>, out: &mut dyn Write) -> io::Result<()> {
    if let Some(SideBySidePart { matrix, overview, ok_nowhere: nowhere }) = &doc.side_by_side {
        writeln!(out, "## dockmatrix: {}\n", matrix.headline())?;
        render_overview(overview, out)?;
        writeln!(out, "### Every API version, daemon by daemon\n")?;
        side_by_side(matrix).write_markdown(out)?;
        writeln!(out)?;
        if !nowhere.is_empty() {
            writeln!(out, "### Ok on no daemon: {} of {} endpoints, and why\n", nowhere.len(), matrix.rows.len())?;
            let rows = nowhere
                .iter()
                .map(|(n, limit)| {
                    vec![format!("`{}`", n.endpoint), format!("`{}`", n.route), limit.clone(), n.why.join(" · ")]
                })
                .collect();
            let headers =
                vec!["Endpoint".into(), "Route".into(), "Why, by the matrix".into(), "What each daemon said".into()];
            Grid { title: String::new(), headers, rows, notes: Vec::new() }.write_markdown(out)?;
            writeln!(out)?;
        }
    }
    if let Some(links) = &doc.apart {
        let links: Vec<String> = links.iter().map(|(name, link)| format!("[{name}]({link})")).collect();
        writeln!(
            out,
            "Each daemon's own report (its failures, scenarios and every API version): {}.",
            links.join(" · ")
        )?;
    } else {
        for (i, part) in doc.parts.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            render_run(part, out)?;
        }
    }
    // One run's sections end its report (a run's report ends the document); several runs' follow all of them.
    let level = match doc.placement() {
        Placement::UnderTheRun => "###",
        Placement::AfterAllRuns => "##",
    };
    if let Some(section) = &doc.drift {
        writeln!(out)?;
        render_drift(section, level, true, out)?;
    }
    if let Some(section) = &doc.refusals {
        writeln!(out)?;
        render_refusals(section, level, out)?;
    }
    if let Some(section) = &doc.gates {
        writeln!(out)?;
        render_gates(section, level, out)?;
    }
    if let Some(section) = &doc.clients {
        writeln!(out)?;
        render_clients(section, level, out)?;
    }
    Ok(())
}

/// The version gates observed: a title at heading `level`, the summary, then each value that changes with the
/// version: one run's as a table row, several runs' as a list item with a line per group of daemons that saw alike;
/// the values that never change in `<details>`.
fn render_gates(section: &GatesSection, level: &str, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{level} Version gates observed\n")?;
    let summary = capitalized(&section.summary());
    writeln!(out, "{summary}: the values the recipes observe (`observe:` in probes.yaml), by API version.\n")?;
    let several = section.daemons.len() > 1;
    let (changing, steady): (Vec<_>, Vec<_>) = section.rows.iter().partition(|r| r.changes);
    let name = |r: &GateRow| format!("`{}` `{}`", r.probe, key_text(&r.key));
    if several {
        for r in &changing {
            writeln!(out, "- {}", name(r))?;
            for (daemons, text) in &r.lines {
                writeln!(out, "  - {}: {}", daemons.join(", "), md_text(text))?;
            }
        }
    } else if !changing.is_empty() {
        let rows = changing.iter().map(|r| vec![name(r), r.lines.first().map(|(_, t)| t.clone()).unwrap_or_default()]);
        let headers = ["Observed", "What each version gave"].map(String::from).to_vec();
        Grid { title: String::new(), headers, rows: rows.collect(), notes: vec![] }.write_markdown(out)?;
    }
    if !steady.is_empty() {
        writeln!(out, "\n<details><summary>The same at every version: {} values</summary>\n", steady.len())?;
        for r in &steady {
            let seen: Vec<String> = r
                .lines
                .iter()
                .map(|(d, t)| if several { format!("{}: {t}", d.join(", ")) } else { t.clone() })
                .collect();
            writeln!(out, "- {}: {}", name(r), md_text(&seen.join("; ")))?;
        }
        writeln!(out, "\n</details>")?;
    }
    Ok(())
}

/// `text` safe in a Markdown line: `<` as an entity.
fn md_text(text: &str) -> String {
    text.replace('<', "&lt;")
}

/// The clients: a title at heading `level` and the table in `<details>`, the reasons of what breaks after it.
pub fn render_clients(section: &ClientsSection, level: &str, out: &mut dyn Write) -> io::Result<()> {
    let grid = section.grid(", ");
    let mut title = grid.title.lines();
    writeln!(out, "{level} {}\n", title.next().unwrap_or_default())?;
    for line in title {
        writeln!(out, "{line}  ")?;
    }
    writeln!(out, "\n<details><summary>Every client</summary>\n")?;
    Grid { title: String::new(), notes: vec![], ..grid.clone() }.write_markdown(out)?;
    writeln!(out, "\n</details>\n")?;
    for note in &grid.notes {
        writeln!(out, "- {note}")?;
    }
    Ok(())
}

/// The refusals: a title at heading `level`, the counts, and a table in `<details>`: one run's answers a row per
/// version range with the daemon's message; several runs' a row per endpoint and kind, a column per daemon.
fn render_refusals(section: &RefusalSection, level: &str, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{level} {}\n", section.title())?;
    for line in section.count_lines() {
        // One run's line starts with a number; several start with a daemon's name, kept as written.
        let line = if section.several() { line } else { capitalized(&line) };
        writeln!(out, "{line}  ")?;
    }
    writeln!(out, "\n{}\n", refusals::NOTE)?;
    let mut headers = ["Endpoint", "Malformed"].map(String::from).to_vec();
    let rows: Vec<Vec<String>> = if section.several() {
        headers.extend(section.columns.iter().cloned());
        section
            .rows
            .iter()
            .map(|r| {
                let mut row = vec![format!("`{}`", r.endpoint), r.kind.to_string()];
                row.extend(r.cells.iter().map(|c| c.text(", ", false)));
                row
            })
            .collect()
    } else {
        headers.extend(["API versions", "Answer", "Message (first answer)"].map(String::from));
        section
            .rows
            .iter()
            .flat_map(|r| r.cells.iter().flat_map(|c| &c.spans).map(move |s| (r, s)))
            .map(|(r, s)| {
                let message = if s.status.is_some() { s.reason.clone() } else { String::new() };
                vec![format!("`{}`", r.endpoint), r.kind.to_string(), s.versions(), s.answer(), message]
            })
            .collect()
    };
    writeln!(out, "<details><summary>Every malformed request</summary>\n")?;
    Grid { title: String::new(), headers, rows, notes: vec![] }.write_markdown(out)?;
    writeln!(out, "\n</details>")
}

/// The drift: a title at heading `level`, the summary, a table with a row per difference (errata last, marked;
/// collapsed in `<details>` when `collapse`), and the notes.
fn render_drift(section: &DriftSection, level: &str, collapse: bool, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{level} {}\n", section.title)?;
    let errata = section.matrix.rows.iter().any(|r| r.erratum.is_some());
    let last = if errata { "; known mistakes of the spec (the daemon is right) come last" } else { "" };
    writeln!(out, "{}{last}.\n", capitalized(&section.summary))?;
    if !section.matrix.rows.is_empty() {
        let mut headers = ["Endpoint", "Where", "Kind", "Detail"].map(String::from).to_vec();
        headers.extend(section.columns.iter().cloned());
        let rows = section
            .matrix
            .rows
            .iter()
            .map(|r| {
                let place = if r.pointer.is_empty() { r.place().to_string() } else { format!("`{}`", r.place()) };
                let detail = match &r.erratum {
                    Some(e) if r.detail.is_empty() => format!("**spec erratum** `{e}`"),
                    Some(e) => format!("{}; **spec erratum** `{e}`", r.detail),
                    None => r.detail.clone(),
                };
                let mut row = vec![format!("`{}`", r.endpoint), place, r.kind.to_string(), detail];
                row.extend(r.cells.iter().map(|c| c.text(", ")));
                row
            })
            .collect();
        let grid = Grid { title: String::new(), headers, rows, notes: vec![] };
        if collapse {
            writeln!(out, "<details><summary>Every difference</summary>\n")?;
            grid.write_markdown(out)?;
            writeln!(out, "\n</details>\n")?;
        } else {
            grid.write_markdown(out)?;
            writeln!(out)?;
        }
    }
    for note in &section.notes {
        writeln!(out, "{note}\n")?;
    }
    Ok(())
}

/// `text` with its first letter upper-case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

fn render_run(part: &RunPart<'_>, out: &mut dyn Write) -> io::Result<()> {
    let (run, c) = (part.run, &part.coverage);
    writeln!(out, "## dockmatrix: {}\n", run.daemon.name)?;
    writeln!(out, "{}  ", coverage::daemon_line(run))?;
    writeln!(out, "{}  ", coverage::api_line(run))?;
    writeln!(out, "{}  ", coverage::run_line(run))?;
    writeln!(out, "Verdicts: {}\n", coverage::verdict_line(run))?;
    writeln!(out, "**{} ({})**\n", c.counts().line(), c.enforced_text())?;

    let mut rows: Vec<Vec<String>> = c
        .tags
        .iter()
        .map(|t| {
            let n = t.counts();
            vec![t.tag.to_string(), n.total.to_string(), n.answered.to_string(), n.ok_in_range.to_string()]
        })
        .collect();
    let n = c.counts();
    rows.push(vec!["**all**".into(), n.total.to_string(), n.answered.to_string(), n.ok_in_range.to_string()]);
    let headers = ["Tag", "Endpoints", "Answered", "Ok in the whole range"];
    Grid { title: String::new(), headers: headers.map(String::from).to_vec(), rows, notes: vec![] }
        .write_markdown(out)?;
    writeln!(out)?;

    failures(run).write_markdown(out)?;
    writeln!(out)?;
    if let Some(grid) = scenarios(&part.scenarios) {
        grid.write_markdown(out)?;
        writeln!(out)?;
    }
    matrix(c).write_markdown(out)?;
    if let Some(grid) = part.kubernetes.as_ref().map(|k| kubernetes(k, &run.daemon.name)) {
        writeln!(out, "<details><summary>{}</summary>\n", grid.title)?;
        Grid { title: String::new(), ..grid }.write_markdown(out)?;
        writeln!(out, "</details>")?;
    }
    Ok(())
}

/// The overview: the legend, a row per endpoint the daemons differ on (by tag), the endpoints alike on every daemon
/// a line per mark, and what differs, a line per way the daemons differ.
fn render_overview(o: &Overview, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### At a glance\n")?;
    writeln!(out, "{}\n", o::LEGEND)?;
    let differ = o.differ();
    let mut headers: Vec<String> = vec!["Endpoint".into()];
    headers.extend(o.columns.iter().cloned());
    let mut range = vec!["*advertised*".to_string()];
    range.extend(o.ranges.iter().cloned());
    let mut rows = vec![range];
    for tagged in differ.chunk_by(|a, b| a.tag == b.tag) {
        let mut row = vec![format!("**{}**", tagged[0].tag)];
        row.extend(o.columns.iter().map(|_| String::new()));
        rows.push(row);
        for r in tagged {
            let mut row = vec![format!("`{}`", r.endpoint)];
            row.extend(r.marks.iter().map(Mark::text));
            rows.push(row);
        }
    }
    Grid { title: String::new(), headers, rows, notes: Vec::new() }.write_markdown(out)?;
    writeln!(out)?;
    for (mark, ids) in o.alike() {
        let ids: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
        writeln!(out, "Alike on every daemon, {} ({}): {}.\n", mark.words(), ids.len(), ids.join(", "))?;
    }
    if !o.differences.is_empty() {
        writeln!(out, "#### What differs between the daemons\n")?;
        for d in &o.differences {
            let ids: Vec<String> = d.endpoints.iter().map(|id| format!("`{id}`")).collect();
            let n = if ids.len() == 1 { "1 endpoint".to_string() } else { format!("{} endpoints", ids.len()) };
            writeln!(out, "- {}. {n}: {}.", d.marks, ids.join(", "))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// The side-by-side matrix: a row of daemon versions and ranges, then a row per tag and per endpoint.
fn side_by_side(m: &SideBySide) -> Grid {
    let mut headers: Vec<String> = vec!["Endpoint".into(), "Route".into()];
    headers.extend(m.columns.iter().map(|c| c.name.clone()));
    let mut daemons = vec!["**daemon**".to_string(), String::new()];
    daemons.extend(m.columns.iter().map(DaemonColumn::summary));
    let mut rows = vec![daemons];
    for (tag, endpoints) in m.tags() {
        let mut row = vec![format!("**{tag}**"), String::new()];
        row.extend(m.columns.iter().map(|_| String::new()));
        rows.push(row);
        for e in endpoints {
            let mut row = vec![format!("`{}`", e.endpoint), format!("`{}`", e.route())];
            row.extend(e.cells.iter().map(|c| c.text(" · ")));
            rows.push(row);
        }
    }
    Grid { title: String::new(), headers, rows, notes: vec![side_by_side::NOTE.into()] }
}

/// The failed probes; a `Stream` column when one of them has a stream summary.
fn failures(run: &RunRecord) -> Grid {
    let failed: Vec<&ProbeOutcome> = run.probes.iter().filter(|p| p.verdict.is_failure()).collect();
    let streams = failed.iter().any(|p| p.evidence.stream_summary.is_some());
    let rows: Vec<Vec<String>> = failed
        .iter()
        .map(|p| {
            let mut row = vec![
                format!("`{}`", p.endpoint),
                p.version_label(),
                format!("{} {}", symbol(p.verdict), p.verdict),
                p.status.map_or_else(|| "no answer".into(), |s| s.to_string()),
                p.reason.clone(),
            ];
            if streams {
                row.push(p.evidence.stream_summary.as_deref().map(stream::line).unwrap_or_default());
            }
            row
        })
        .collect();
    if rows.is_empty() {
        return Grid { title: "### Failures\n\nNone.".into(), ..Grid::default() };
    }
    let mut headers = ["Endpoint", "API", "Verdict", "Status", "Reason"].map(String::from).to_vec();
    if streams {
        headers.push("Stream".into());
    }
    Grid { title: "### Failures".into(), headers, rows, notes: vec![] }
}

/// One row per scenario and range of API versions that ended the same way; `None` when the run has no scenarios.
fn scenarios(summaries: &[ScenarioSummary<'_>]) -> Option<Grid> {
    if summaries.is_empty() {
        return None;
    }
    let mut rows = Vec::new();
    for s in summaries {
        for r in &s.ranges {
            let result = match r.outcome().failed_step() {
                None if r.passed() => "✅ pass".to_string(),
                Some(step) => format!("❌ {}", r.result().replace(&step.endpoint, &format!("`{}`", step.endpoint))),
                None => format!("❌ {}", r.result()),
            };
            let mut reason = r.reason().to_string();
            for o in r.cleanup_failures() {
                let at = RequestVersion(o.api_version).to_string();
                let why = o.cleanup.iter().find(|c| c.sent && !c.ok).map_or("", |c| c.reason.as_str());
                let sep = if reason.is_empty() { "" } else { "; " };
                reason = format!("{reason}{sep}⚠️ cleanup failed at {at} (something may be left): {why}");
            }
            rows.push(vec![format!("`{}`", s.name), r.versions(), result, reason]);
        }
    }
    Some(Grid {
        title: format!("### {}", scenario::headline(summaries)),
        headers: ["Scenario", "API versions", "Result", "Reason (at the first version)"].map(String::from).to_vec(),
        rows,
        notes: vec![],
    })
}

/// Columns of the matrix: `None` for the unversioned request, else a run of probed versions over which every
/// endpoint has the same verdict (so a real sweep of thirty versions shows as a handful of columns).
fn columns(c: &Coverage<'_>) -> Vec<(Option<ApiVersion>, Option<ApiVersion>)> {
    let mut versions: Vec<ApiVersion> =
        c.run.api_versions.iter().copied().chain(c.run.probes.iter().filter_map(|p| p.api_version)).collect();
    versions.sort();
    versions.dedup();
    let column_of = |v: ApiVersion| c.endpoints().map(|e| e.verdict_at(Some(v))).collect::<Vec<_>>();
    let mut cols: Vec<(Option<ApiVersion>, Option<ApiVersion>)> = Vec::new();
    if c.run.probes.iter().any(|p| p.api_version.is_none()) {
        cols.push((None, None));
    }
    let mut previous: Option<Vec<Option<Verdict>>> = None;
    for v in versions {
        let this = column_of(v);
        match (cols.last_mut(), &previous) {
            (Some((Some(_), last)), Some(p)) if *p == this => *last = Some(v),
            _ => cols.push((Some(v), Some(v))),
        }
        previous = Some(this);
    }
    cols
}

fn matrix(c: &Coverage<'_>) -> Grid {
    let cols = columns(c);
    let mut headers: Vec<String> = vec!["Endpoint".into(), "Route".into()];
    headers.extend(cols.iter().map(|(first, last)| RequestVersion::span(*first, *last)));
    let mut rows = Vec::new();
    for tag in &c.tags {
        let mut row = vec![format!("**{}**", tag.tag), tag.counts().line()];
        row.extend(cols.iter().map(|_| String::new()));
        rows.push(row);
        for e in &tag.endpoints {
            let mut row = vec![format!("`{}`", e.id), format!("`{}`", e.route())];
            row.extend(cols.iter().map(|(first, _)| e.verdict_at(*first).map_or("", symbol).to_string()));
            rows.push(row);
        }
    }
    let enforced = match c.enforced {
        Some((lo, hi)) => format!("The daemon enforces API {lo}–{hi}."),
        None => "The daemon's enforced range is unknown.".into(),
    };
    Grid {
        title: "### Endpoints × API versions".into(),
        headers,
        rows,
        notes: vec![
            legend(),
            format!(
                "{enforced} A column spanning versions (1.12–1.23) means every endpoint got the same verdict at each of them."
            ),
        ],
    }
}

/// The matrices' Kubernetes table at the daemon's maximum API version, with a column saying whether the daemon
/// `name` answered each endpoint ok there.
fn kubernetes(k: &Kubernetes, name: &str) -> Grid {
    let api = k.api;
    let mut grid = k.grid.clone();
    let column = format!("{name} at {api}");
    grid.headers.insert(3, column);
    for (row, verdict) in grid.rows.iter_mut().zip(&k.answers) {
        let cell = match *verdict {
            Some(Verdict::Ok) => "✅ ok".to_string(),
            Some(v) => format!("{} {v}", symbol(v)),
            None => "not probed".to_string(),
        };
        row.insert(3, cell);
    }
    grid.title = format!("Kubernetes: {} (with {name}'s answers at API {api})", grid.title);
    grid
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sections::coverage::tests::{fixture, render};

    #[test]
    fn snapshot_of_the_fixed_run() {
        insta::assert_snapshot!(render(write, &[fixture()]));
    }

    #[test]
    fn snapshot_of_the_scenarios_of_a_run() {
        let run = crate::report::sections::scenario::tests::fixture_with_scenarios();
        let text = render(write, &[run]);
        let start = text.find("### Scenarios").expect("a scenario section");
        let end = start + text[start..].find("### Endpoints").expect("the matrix after it");
        insta::assert_snapshot!(&text[start..end]);
    }

    #[test]
    fn failures_show_their_stream_in_a_column_of_its_own() {
        let text = render(write, &[crate::report::synthetic::with_failures()]);
        let start = text.find("### Failures").expect("a failure section");
        let end = start + text[start..].find("\n\n### ").expect("the next section");
        insta::assert_snapshot!(&text[start..end]);
    }

    #[test]
    fn identical_versions_merge_into_one_column() {
        // Columns split only where some endpoint's verdict changes: where exec.start (1.15), swarm.inspect (1.24) and
        // HEAD /_ping (1.40) are first defined, and at the enforced range's ends.
        let run = fixture();
        let headers = matrix(&Coverage::of(&run)).headers;
        assert_eq!(headers[2..], ["unversioned", "1.11", "1.12–1.14", "1.15–1.23", "1.24–1.39", "1.40–1.41", "1.42"]);
        // A failure at one version splits its column off.
        let run = crate::report::synthetic::with_failures();
        let headers = matrix(&Coverage::of(&run)).headers;
        assert_eq!(
            headers[2..],
            ["unversioned", "1.11", "1.12–1.14", "1.15–1.23", "1.24", "1.25–1.39", "1.40", "1.41", "1.42"]
        );
    }

    #[test]
    fn several_runs_lead_with_the_side_by_side_matrix() {
        use crate::report::synthetic::daemon_run;
        let d26 = daemon_run("docker-26.1", "26.1.4", (24, 45), (24, 45), (23, 46));
        let text = render(write, &[fixture(), d26]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "## dockmatrix: 2 daemons side by side: docker-20.10, docker-26.1");
        // At a glance first: a mark per daemon over its advertised range, then every API version.
        assert_eq!(lines[2], "### At a glance");
        assert_eq!(lines[6], "| Endpoint | docker-20.10 | docker-26.1 |");
        assert_eq!(lines[8], "| *advertised* | 1.12–1.41 | 1.24–1.45 |");
        assert!(text.contains("\nAlike on every daemon, works ("), "{text}");
        let full = lines.iter().position(|l| *l == "### Every API version, daemon by daemon").expect("the full matrix");
        let lines = &lines[full..];
        assert_eq!(lines[2], "| Endpoint | Route | docker-20.10 | docker-26.1 |");
        assert_eq!(
            lines[4],
            "| **daemon** |  | docker 20.10.24+dfsg1; enforced 1.12–1.41 | docker 26.1.4; enforced 1.24–1.45 |"
        );
        assert_eq!(lines[5], "| **Container** |  |  |  |");
        assert!(
            text.contains(
                "| `system.ping` | `GET /_ping` | 1.11 version-rejected · 1.12–1.41 ok · 1.42 version-rejected | 1.23 version-rejected · 1.24–1.45 ok · 1.46 version-rejected |"
            ),
            "{text}"
        );
        // Each run's own report follows, as a single run renders it.
        let single = render(write, &[fixture()]);
        let first = text.find("## dockmatrix: docker-20.10\n").expect("the first run's report");
        // Less its drift, which several runs show side by side at the end.
        let (alone, drift) = single.split_at(single.find("\n### Where docker-20.10 and the spec").expect("drift"));
        assert!(text[first..].starts_with(alone), "the first run renders as it does alone");
        assert!(!text.contains(drift), "no run shows its drift on its own");
        assert!(text.contains("\n## Where the daemons and the spec disagree\n"), "{text}");
        assert!(text.contains("## dockmatrix: docker-26.1\n"));
    }

    #[test]
    fn appends_to_the_step_summary() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("summary.md");
        std::fs::write(&path, "before\n").expect("write");
        let (runs, m) = ([fixture()], crate::report::sections::coverage::tests::matrices());
        append_step_summary(&path, &Document::of(&runs, &m).without_clients()).expect("append");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.starts_with("before\n## dockmatrix: docker-20.10"), "{}", &text[..80]);
    }

    #[test]
    fn the_drift_ends_the_report_collapsed_with_errata_last() {
        use crate::report::sections::drift::tests::drifting;
        let text = render(write, &[drifting()]);
        let drift = &text[text.find("### Where docker-20.10 and the spec disagree").expect("a drift section")..];
        insta::assert_snapshot!(drift);
        // `report --conformance`: a document of its own, the null rows listed in the table.
        let alone = crate::report::sections::coverage::tests::render_drift(write_drift, &[drifting()]);
        assert!(alone.starts_with("## Where docker-20.10 and the spec disagree\n\n6 differences on 4 endpoints"));
        assert!(alone.contains("| `container.inspect` | `/Mounts` | null | null, the spec says array | 1.12–1.41 |"));
        assert!(!alone.contains("<details>") && !alone.contains("field is null"), "{alone}");
    }
}
