//! The one-screen summary `dockmatrix run` prints by default: the daemon and its ranges, the verdict counts, a line
//! per group of tags, the failures, the scenarios, the drift, the refusals and the clients, in at most
//! [`MAX_LINES`] lines of at most [`WIDTH`] columns. The whole table is `--report table` (or `run -v`).

use std::io::{self, Write};

use crate::model::{ApiVersion, ClientVerdict, RequestVersion, Verdict};

use super::text::{WIDTH, wrap_hanging};
use crate::report::document::{Document, RunPart};
use crate::report::sections::clients;
use crate::report::sections::coverage;

/// The most lines the summary writes: with the few lines `run` writes on stderr (the daemon, the timing, the
/// teardown, where the results are, at most [`RUN_POLICY_LINES`] policy failures), a run fits a 40-line screen.
pub const MAX_LINES: usize = 28;

/// How many policy failures `run` prints under the summary (the summary lists the failures themselves).
pub const RUN_POLICY_LINES: usize = 3;

/// Writes the summary of each run of `doc`, a blank line between two.
pub fn write_all(doc: &Document<'_>, out: &mut dyn Write) -> io::Result<()> {
    for (i, part) in doc.parts.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        write(part, out)?;
    }
    Ok(())
}

/// Writes the summary of one run of a document.
pub fn write(part: &RunPart<'_>, out: &mut dyn Write) -> io::Result<()> {
    for line in lines(part) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The summary's lines, at most [`MAX_LINES`].
pub fn lines(part: &RunPart<'_>) -> Vec<String> {
    let (run, c) = (part.run, &part.coverage);
    let mut head: Vec<String> = Vec::new();
    for line in [coverage::daemon_line(run), coverage::api_line(run), coverage::run_line(run)] {
        head.extend(wrap_hanging(&line, "    "));
    }
    head.extend(wrap_hanging(&format!("Verdicts: {}", coverage::verdict_line(run)), "    "));
    head.extend(wrap_hanging(&format!("Overall: {} ({})", c.counts().line(), c.enforced_text()), "    "));
    let tags: Vec<String> = c
        .tags
        .iter()
        .map(|t| {
            let n = t.counts();
            format!("{} {}/{}", t.tag, n.ok_in_range, n.total)
        })
        .collect();
    head.extend(wrap_hanging(&format!("Ok in the whole range, by tag: {}", tags.join(" · ")), "    "));

    let mut tail: Vec<String> = Vec::new();
    let summaries = &part.scenarios;
    if !summaries.is_empty() {
        let failing: Vec<String> = summaries.iter().filter(|s| !s.all_passed()).map(|s| s.line()).collect();
        let passing = summaries.len() - failing.len();
        let line = format!("Scenarios: {passing} of {} pass at every API version they ran at", summaries.len());
        tail.extend(wrap_hanging(&line, "    "));
        for f in failing.iter().take(2) {
            tail.extend(wrap_hanging(&format!("  {f}"), "      ").into_iter().take(2));
        }
    }
    if let Some(d) = part.checked_drift() {
        tail.extend(wrap_hanging(&format!("Conformance: {}", d.summary(false)), "    ").into_iter().take(2));
    }
    if let Some(r) = &part.refusals {
        tail.extend(wrap_hanging(&format!("Malformed requests: {}", r.counts[0].line()), "    "));
    }
    if !part.clients.is_empty() {
        // The clients that break, by family: `kubelet ×16, cri-dockerd ×6` (a family of one by its name).
        let mut families: Vec<(&str, Vec<&str>)> = Vec::new();
        for o in part.clients.iter().filter(|o| o.verdict == ClientVerdict::Breaks) {
            match families.iter_mut().find(|(f, _)| *f == o.family) {
                Some((_, names)) => names.push(&o.client),
                None => families.push((&o.family, vec![&o.client])),
            }
        }
        let broken: Vec<String> = families
            .iter()
            .map(|(f, names)| if names.len() == 1 { names[0].to_string() } else { format!("{f} ×{}", names.len()) })
            .collect();
        let mut line = format!("Clients: {}", clients::counts(part.clients.iter()));
        if !broken.is_empty() {
            line.push_str(&format!("; breaking: {} (dockmatrix clients RUN.json says why)", broken.join(", ")));
        }
        tail.extend(wrap_hanging(&line, "    ").into_iter().take(3));
    }
    tail.push(
        "The whole table: --report table (or run -v); every format: dockmatrix report RUN.json --format html".into(),
    );

    // The failures get what room is left: one line per endpoint, verdict and status, its versions as a span and a
    // count, the first reason; then how many more.
    let mut groups: Vec<FailureGroup<'_>> = Vec::new();
    for p in run.probes.iter().filter(|p| p.verdict.is_failure()) {
        match groups.iter_mut().find(|g| (g.0, g.1, g.2) == (p.endpoint.as_str(), p.verdict, p.status)) {
            Some(g) => g.3.push(p.api_version),
            None => groups.push((&p.endpoint, p.verdict, p.status, vec![p.api_version], &p.reason)),
        }
    }
    let failures: Vec<String> = groups
        .iter()
        .map(|(endpoint, verdict, status, versions, reason)| {
            let status = status.map_or_else(|| "no answer".to_string(), |s| s.to_string());
            let versioned: Vec<_> = versions.iter().flatten().copied().collect();
            let mut at: Vec<String> = Vec::new();
            if versions.iter().any(Option::is_none) {
                at.push(RequestVersion::UNVERSIONED.to_string());
            }
            if let (Some(lo), Some(hi)) = (versioned.iter().min(), versioned.iter().max()) {
                at.push(RequestVersion::span(Some(*lo), Some(*hi)));
            }
            let n = if versions.len() > 1 { format!(" ({} versions)", versions.len()) } else { String::new() };
            cut(&format!("  {endpoint} at {}{n}: {verdict} ({status}) {reason}", at.join(", ")), WIDTH)
        })
        .collect();
    let total: usize = groups.iter().map(|g| g.3.len()).sum();
    let skipped = run.probes.iter().filter(|p| p.verdict == Verdict::Skipped).count();
    let mut middle = Vec::new();
    if !failures.is_empty() {
        let room = MAX_LINES.saturating_sub(head.len() + tail.len() + 2).max(2);
        middle.push(format!("Failures ({total} probes, {} endpoint verdicts):", failures.len()));
        let shown = if failures.len() > room { room - 1 } else { failures.len() };
        middle.extend(failures[..shown].iter().cloned());
        if shown < failures.len() {
            middle.push(format!("  ... and {} more (--report table lists every probe)", failures.len() - shown));
        }
    }
    if skipped > 0 {
        let probes = if skipped == 1 { "probe" } else { "probes" };
        middle.push(format!("{skipped} {probes} skipped; `--format json` or `--format html` shows why"));
    }
    let mut all = head;
    all.extend(middle);
    all.extend(tail);
    all.truncate(MAX_LINES);
    all
}

/// The failing probes of one endpoint with one verdict and status: its id, verdict, status, versions and the
/// first reason.
type FailureGroup<'a> = (&'a str, Verdict, Option<u16>, Vec<Option<ApiVersion>>, &'a str);

/// `text` cut to `width` characters, an ellipsis marking the cut.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut s: String = text.chars().take(width - 1).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::synthetic::with_failures;

    #[test]
    fn fits_one_screen_whatever_fails() {
        let m = crate::matrix::load::MatrixSources::built_in().load().expect("matrices");
        let mut run = with_failures();
        for i in 0..30 {
            let id = format!("extra.e{i}");
            crate::report::synthetic::add_endpoint(&mut run, "system.ping", &id, crate::model::Method::Get, "/x");
        }
        // Every probe of 37 endpoints failing: the lines stay within the screen, a count says how many were left out.
        for p in &mut run.probes {
            p.verdict = Verdict::Error;
            p.reason = "connection reset by peer".repeat(8);
        }
        let runs = [run];
        let doc = Document::of(&runs, &m);
        let lines = lines(&doc.parts[0]);
        assert!(lines.len() <= MAX_LINES, "{} lines", lines.len());
        assert!(lines.iter().all(|l| l.chars().count() <= WIDTH), "{lines:#?}");
        assert!(
            lines.iter().any(|l| l.starts_with("  ... and ") && l.ends_with("more (--report table lists every probe)"))
        );
        assert!(lines.iter().any(|l| l.starts_with("Clients: ")), "{lines:#?}");
        assert!(lines.last().is_some_and(|l| l.starts_with("The whole table: --report table")));
    }

    #[test]
    fn snapshot_of_the_fixed_run() {
        let m = crate::matrix::load::MatrixSources::built_in().load().expect("matrices");
        let runs = [with_failures()];
        let mut out = Vec::new();
        write_all(&Document::of(&runs, &m), &mut out).expect("write to vec");
        let text = String::from_utf8(out).expect("utf8");
        assert!(text.lines().count() <= MAX_LINES);
        insta::assert_snapshot!(text);
    }
}
