//! The terminal summary: per tag, one row per endpoint with its verdict ranges, the coverage lines, a line per
//! scenario, and where the daemon and the spec disagree (a line per drift row; several runs side by side); 100
//! columns.

use std::io::{self, Write};

use crate::model::{RequestVersion, RunRecord, Verdict};

use crate::report::document::{Document, Placement, RunPart};
use crate::report::error::ReportError;
use crate::report::grid::Grid;
use crate::report::sections::clients::ClientsSection;
use crate::report::sections::coverage;
use crate::report::sections::drift::DriftSection;
use crate::report::sections::gates::{GatesSection, key_text};
use crate::report::sections::refusals::{self, RefusalSection};
use crate::report::sections::scenario::{self, ScenarioSummary};
use crate::report::sections::side_by_side::{self, DaemonColumn, SideBySide};
use crate::report::sections::stream;

/// The widest line the table writes.
pub const WIDTH: usize = 100;

/// Writes the terminal summary of each run, one after another, its drift from the spec, refusals and clients
/// under it; several runs lead with their side-by-side matrix and end with those sections of all of them.
pub fn write(doc: &Document<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
    let render = |out: &mut dyn Write| -> io::Result<()> {
        if let Some(s) = &doc.side_by_side {
            render_side_by_side(&s.matrix, out)?;
        }
        for (i, part) in doc.parts.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            render_run(part, out)?;
            if doc.placement() == Placement::UnderTheRun {
                render_sections(doc, out)?;
            }
        }
        if doc.placement() == Placement::AfterAllRuns {
            render_sections(doc, out)?;
        }
        Ok(())
    };
    render(out).map_err(|e| ReportError::write("table report", e))
}

/// The shared sections: drift, refusals, clients, each after a blank line.
fn render_sections(doc: &Document<'_>, out: &mut dyn Write) -> io::Result<()> {
    if let Some(section) = &doc.drift {
        writeln!(out)?;
        render_drift(section, out)?;
    }
    if let Some(section) = &doc.refusals {
        writeln!(out)?;
        render_refusals(section, out)?;
    }
    if let Some(section) = &doc.gates {
        writeln!(out)?;
        render_gates(section, out)?;
    }
    if let Some(section) = &doc.clients {
        writeln!(out)?;
        render_clients(section, out)?;
    }
    Ok(())
}

/// The version gates observed: the summary, then a line per value that changes with the version (one run), or per
/// value a line per group of daemons that saw alike (several).
fn render_gates(section: &GatesSection, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "Version gates observed: {}", section.summary())?;
    for r in section.rows.iter().filter(|r| r.changes) {
        match r.lines.as_slice() {
            [(_, text)] if section.daemons.len() == 1 => {
                let lines = wrap_hanging(&format!("{} {}: {text}", r.probe, key_text(&r.key)), "      ");
                writeln!(out, "  {}", lines.join("\n"))?;
            }
            lines => {
                writeln!(out, "  {} {}", r.probe, key_text(&r.key))?;
                for (daemons, text) in lines {
                    let lines = wrap_hanging(&format!("{}: {text}", daemons.join(", ")), "        ");
                    writeln!(out, "    {}", lines.join("\n"))?;
                }
            }
        }
    }
    Ok(())
}

/// Writes only where the runs and the spec disagree, every kind of finding listed (`report --conformance`); nothing
/// when no answer was checked.
pub fn write_drift(doc: &Document<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
    match &doc.drift {
        Some(section) => render_drift(section, out).map_err(|e| ReportError::write("table report", e)),
        None => Ok(()),
    }
}

/// One run's drift as a line per row (errata last, under a line of their own); several runs as a table, a column
/// per daemon. The notes follow; everything wraps at [`WIDTH`].
fn render_drift(section: &DriftSection, out: &mut dyn Write) -> io::Result<()> {
    let write_wrapped = |out: &mut dyn Write, text: &str, first: &str, rest: &str| -> io::Result<()> {
        for (i, line) in wrap(text, WIDTH - rest.len()).iter().enumerate() {
            writeln!(out, "{}{line}", if i == 0 { first } else { rest })?;
        }
        Ok(())
    };
    if section.several() {
        write_wrapped(out, &section.headline(), "", "    ")?;
        drift_grid(section).write_terminal(out)?;
    } else {
        write_wrapped(out, &section.headline(), "", "    ")?;
        for r in section.matrix.rows.iter().filter(|r| r.erratum.is_none()) {
            write_wrapped(out, &r.line(0), "  ", "      ")?;
        }
        let errata: Vec<_> = section.matrix.rows.iter().filter(|r| r.erratum.is_some()).collect();
        if !errata.is_empty() {
            writeln!(out, "  Spec errata (known mistakes of the spec: the daemon is right):")?;
        }
        for r in errata {
            write_wrapped(out, &r.line(0), "    ", "        ")?;
        }
    }
    for note in &section.notes {
        write_wrapped(out, note, "", "    ")?;
    }
    Ok(())
}

/// The refusals: the title and counts, a table with a row per endpoint and kind of malformed input (one run: each
/// answer with its versions; several: a column per daemon, versions only where they differ), and the note.
fn render_refusals(section: &RefusalSection, out: &mut dyn Write) -> io::Result<()> {
    let mut headers = ["Endpoint", "Malformed"].map(String::from).to_vec();
    if section.several() {
        headers.extend(section.columns.iter().cloned());
    } else {
        headers.push("Answer by API version".into());
    }
    let several = section.several();
    let rows = section
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![r.endpoint.clone(), r.kind.to_string()];
            row.extend(r.cells.iter().map(|c| c.text("\n", !several)));
            row
        })
        .collect();
    let title = match section.count_lines().as_slice() {
        [one] => wrap_indented(&format!("{}: {one}", section.title())),
        lines => std::iter::once(format!("{}:", section.title()))
            .chain(lines.iter().map(|l| wrap_indented(&format!("  {l}"))))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    let notes = wrap(refusals::NOTE, WIDTH);
    Grid { title, headers, rows, notes }.write_terminal_within(out, WIDTH)
}

/// The clients: their grid within [`WIDTH`], the notes wrapped.
pub fn render_clients(section: &ClientsSection, out: &mut dyn Write) -> io::Result<()> {
    let mut grid = section.grid("\n");
    grid.title = grid.title.lines().map(wrap_indented).collect::<Vec<_>>().join("\n");
    grid.notes = grid.notes.iter().map(|n| wrap_indented(n)).collect();
    // Several daemons: a part of a cell a line, never cut (a column is as wide as its longest part).
    if section.several() { grid.write_terminal(out) } else { grid.write_terminal_within(out, WIDTH) }
}

/// `text` wrapped at [`WIDTH`], continuation lines indented by four, as one string.
fn wrap_indented(text: &str) -> String {
    wrap_hanging(text, "    ").join("\n")
}

/// `text` wrapped at [`WIDTH`], the continuation lines indented by `indent`.
pub(crate) fn wrap_hanging(text: &str, indent: &str) -> Vec<String> {
    wrap(text, WIDTH - indent.len())
        .into_iter()
        .enumerate()
        .map(|(i, l)| if i == 0 { l } else { format!("{indent}{l}") })
        .collect()
}

/// One table: a row of daemon versions and ranges, then per tag a title row and a row per endpoint, each cell a
/// line per range. Cells are wrapped here, at spaces, so that the table fits [`WIDTH`] while a column stays as
/// wide as its longest word (with many daemons the table grows wider rather than cutting `version-rejected`).
fn render_side_by_side(m: &SideBySide, out: &mut dyn Write) -> io::Result<()> {
    let mut headers = vec!["Endpoint".to_string()];
    headers.extend(m.columns.iter().map(|c| c.name.clone()));
    let mut daemons = vec!["daemon".to_string()];
    daemons.extend(m.columns.iter().map(DaemonColumn::summary));
    let mut rows = vec![daemons];
    for (tag, endpoints) in m.tags() {
        let mut row = vec![format!("[{tag}]")];
        row.extend(m.columns.iter().map(|_| String::new()));
        rows.push(row);
        for e in endpoints {
            let mut row = vec![e.endpoint.clone()];
            row.extend(e.cells.iter().map(|c| c.text("\n")));
            rows.push(row);
        }
    }
    let first = rows.iter().chain([&headers]).map(|r| r[0].chars().count()).max().unwrap_or(0);
    let longest_word = rows
        .iter()
        .chain([&headers])
        .flat_map(|r| r[1..].iter().flat_map(|c| c.split_whitespace()))
        .map(|w| w.chars().count())
        .max()
        .unwrap_or(0);
    // A terminal table's line: `│ ` before each cell, ` ` after it, and the closing `│`.
    let columns = m.columns.len().max(1);
    let room = WIDTH.saturating_sub(1 + first + 3 + 3 * columns) / columns;
    let width = room.max(longest_word);
    for row in rows.iter_mut().chain([&mut headers]) {
        for cell in row.iter_mut().skip(1) {
            *cell = cell.lines().flat_map(|line| wrap(line, width)).collect::<Vec<_>>().join("\n");
        }
    }
    let notes = wrap(side_by_side::NOTE, WIDTH).into_iter().chain([String::new()]).collect();
    Grid { title: m.headline(), headers, rows, notes }.write_terminal(out)
}

/// The side-by-side drift as a table: the endpoint and the difference in the first column, the versions of each
/// daemon one range a line in the others. The first column takes what the daemons' columns (as wide as their
/// longest range) leave of [`WIDTH`], and long pointers break at their slashes.
fn drift_grid(section: &DriftSection) -> Grid {
    let cells: Vec<Vec<String>> =
        section.matrix.rows.iter().map(|r| r.cells.iter().map(|c| c.text("\n")).collect()).collect();
    let widest = |i: usize| {
        let words = cells.iter().flat_map(|row| row[i].split_whitespace()).chain(section.columns[i].split_whitespace());
        words.map(|w| w.chars().count()).max().unwrap_or(0)
    };
    let widths: Vec<usize> = (0..section.columns.len()).map(widest).collect();
    let room = WIDTH.saturating_sub(1 + 3 * (widths.len() + 1) + widths.iter().sum::<usize>()).max(24);
    let mut headers = vec!["Difference".to_string()];
    headers.extend(section.columns.iter().zip(&widths).map(|(c, w)| wrap(c, *w).join("\n")));
    let rows = section
        .matrix
        .rows
        .iter()
        .zip(cells)
        .map(|(r, versions)| {
            let mut what = r.finding();
            if let Some(e) = r.erratum_text() {
                what = format!("{what}, {e}");
            }
            let mut first = vec![r.endpoint.clone()];
            first.extend(wrap_breaking(&what, room - 2).into_iter().map(|l| format!("  {l}")));
            let mut row = vec![first.join("\n")];
            row.extend(
                versions
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| c.lines().flat_map(|line| wrap(line, *w)).collect::<Vec<_>>().join("\n")),
            );
            row
        })
        .collect();
    Grid { title: String::new(), headers, rows, notes: vec![] }
}

/// `text` cut into lines of at most `width` characters at spaces (a longer word gets a line of its own).
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    wrap_words(text, width, false)
}

/// [`wrap`], but a word wider than `width` (a long JSON pointer) is broken before its slashes, or anywhere when it
/// has none.
fn wrap_breaking(text: &str, width: usize) -> Vec<String> {
    wrap_words(text, width.max(1), true)
}

fn wrap_words(text: &str, width: usize, break_long: bool) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
                continue;
            }
            _ => {}
        }
        // The pieces of a long word each take a line; the last one may take the next words.
        let mut rest: Vec<char> = word.chars().collect();
        while break_long && rest.len() > width {
            let cut = (1..=width).rev().find(|&i| rest[i] == '/').unwrap_or(width);
            lines.push(rest[..cut].iter().collect());
            rest.drain(..cut);
        }
        lines.push(rest.into_iter().collect());
    }
    lines
}

fn render_run(part: &RunPart<'_>, out: &mut dyn Write) -> io::Result<()> {
    let (run, c) = (part.run, &part.coverage);
    writeln!(out, "{}", coverage::daemon_line(run))?;
    writeln!(out, "{}", coverage::api_line(run))?;
    writeln!(out, "{}", coverage::run_line(run))?;
    writeln!(out, "Verdicts: {}", coverage::verdict_line(run))?;
    for tag in &c.tags {
        let grid = Grid {
            title: format!("\n{}: {}", tag.tag, tag.counts().line()),
            headers: ["Endpoint", "Route", "API versions"].map(String::from).to_vec(),
            rows: tag.endpoints.iter().map(|e| vec![e.id.to_string(), e.route(), e.range_lines().join("\n")]).collect(),
            notes: vec![],
        };
        grid.write_terminal_within(out, WIDTH)?;
    }
    writeln!(out)?;
    writeln!(out, "Overall: {} ({})", c.counts().line(), c.enforced_text())?;
    let failures: Vec<Vec<String>> = run
        .probes
        .iter()
        .filter(|p| p.verdict.is_failure())
        .map(|p| {
            vec![
                p.endpoint.clone(),
                p.version_label(),
                p.verdict.to_string(),
                p.status.map_or_else(|| "no answer".to_string(), |s| s.to_string()),
                p.reason.clone(),
            ]
        })
        .collect();
    if !failures.is_empty() {
        let grid = Grid {
            title: "\nFailures".into(),
            headers: ["Endpoint", "API", "Verdict", "Status", "Reason"].map(String::from).to_vec(),
            rows: failures,
            notes: vec![],
        };
        grid.write_terminal_within(out, WIDTH)?;
        render_failed_streams(run, out)?;
    }
    render_scenarios(&part.scenarios, out)?;
    let skipped = run.probes.iter().filter(|p| p.verdict == Verdict::Skipped).count();
    if skipped > 0 {
        let probes = if skipped == 1 { "probe" } else { "probes" };
        writeln!(out, "{skipped} {probes} skipped; `--format json` or `--format html` shows why")?;
    }
    Ok(())
}

/// Under the failures, the stream of each failure that read one: its summary's fields, wrapped at [`WIDTH`];
/// nothing when no failure did.
fn render_failed_streams(run: &RunRecord, out: &mut dyn Write) -> io::Result<()> {
    let streams: Vec<_> = run
        .probes
        .iter()
        .filter(|p| p.verdict.is_failure())
        .filter_map(|p| p.evidence.stream_summary.as_ref().map(|s| (p, s)))
        .collect();
    if streams.is_empty() {
        return Ok(());
    }
    writeln!(out, "Streams of the failures:")?;
    for (p, summary) in streams {
        let text = format!("{} {}: {}", p.endpoint, p.version_label(), stream::line(summary));
        for (i, line) in wrap(&text, WIDTH - 4).iter().enumerate() {
            writeln!(out, "{}{line}", if i == 0 { "  " } else { "    " })?;
        }
    }
    Ok(())
}

/// One line per scenario with its version ranges, then an indented line for each failed range (the reason at its
/// first version) and each failed cleanup; nothing when the run has no scenarios.
fn render_scenarios(summaries: &[ScenarioSummary<'_>], out: &mut dyn Write) -> io::Result<()> {
    if summaries.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n{}", scenario::headline(summaries))?;
    for s in summaries {
        let parts: Vec<String> = s.ranges.iter().map(scenario::ScenarioRange::line).collect();
        write_wrapped(out, &format!("{}: ", s.name), &parts, WIDTH)?;
        for r in s.ranges.iter().filter(|r| !r.passed()) {
            writeln!(out, "{}", clip(&format!("  {}: {}", r.versions(), r.reason()), WIDTH))?;
        }
        for o in s.ranges.iter().flat_map(|r| r.cleanup_failures()) {
            let at = RequestVersion(o.api_version).to_string();
            let reason = o.cleanup.iter().find(|c| c.sent && !c.ok).map_or("", |c| c.reason.as_str());
            writeln!(out, "{}", clip(&format!("  cleanup failed at {at} (something may be left): {reason}"), WIDTH))?;
        }
    }
    Ok(())
}

/// Writes `first` then `parts` joined by `; `, starting a new line (indented by 4) where the next part would pass
/// `width`.
fn write_wrapped(out: &mut dyn Write, first: &str, parts: &[String], width: usize) -> io::Result<()> {
    let mut line = first.to_string();
    for (i, part) in parts.iter().enumerate() {
        let sep = if i + 1 < parts.len() { ";" } else { "" };
        let fresh = line.trim().is_empty() || line.ends_with(": ");
        if !fresh && line.chars().count() + 1 + part.chars().count() + sep.len() > width {
            writeln!(out, "{line}")?;
            line = "    ".to_string();
        } else if !fresh {
            line.push(' ');
        }
        line.push_str(part);
        line.push_str(sep);
    }
    writeln!(out, "{line}")
}

/// `s` cut to `width` characters, with `…` where it was cut.
fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut cut: String = s.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sections::coverage::tests::fixture;

    fn rendered() -> String {
        crate::report::sections::coverage::tests::render(write, &[fixture()])
    }

    #[test]
    fn snapshot_of_the_fixed_run() {
        insta::assert_snapshot!(rendered());
    }

    #[test]
    fn snapshot_of_a_run_with_scenarios() {
        let run = crate::report::sections::scenario::tests::fixture_with_scenarios();
        let text = crate::report::sections::coverage::tests::render(write, &[run]);
        let plain = rendered();
        assert!(text.starts_with(plain.lines().next().unwrap_or_default()));
        let scenarios = &text[text.find("\nScenarios:").expect("a scenario section")..];
        let scenarios = &scenarios[..scenarios.find("\nWhere ").unwrap_or(scenarios.len())];
        insta::assert_snapshot!(scenarios);
    }

    #[test]
    fn several_runs_lead_with_one_matrix_within_100_columns() {
        use crate::report::synthetic::daemon_run;
        let runs = [
            fixture(),
            daemon_run("docker-26.1", "26.1.4", (24, 45), (24, 45), (23, 46)),
            daemon_run("docker-28.5", "28.5.1", (24, 51), (24, 51), (23, 52)),
            daemon_run("podman-4.3", "4.3.1", (24, 41), (0, 57), (0, 57)),
            daemon_run("docker-29.0", "29.0.0", (44, 52), (44, 52), (43, 53)),
        ];
        let render = |runs: &[RunRecord]| crate::report::sections::coverage::tests::render(write, runs);
        let text = render(&runs[..4]);
        assert!(text.starts_with("4 daemons side by side: docker-20.10, docker-26.1, docker-28.5, podman-4.3\n"));
        assert!(
            text.contains(
                "│ system.ping      │ 1.11             │ 1.23             │ 1.23             │ 1.12–1.57 ok      │\n\
                 │                  │ version-rejected │ version-rejected │ version-rejected │                   │\n\
                 │                  │ 1.12–1.41 ok     │ 1.24–1.45 ok     │ 1.24–1.51 ok     │                   │\n"
            ),
            "{text}"
        );
        for line in text.lines() {
            assert!(line.chars().count() <= WIDTH, "too wide ({}): {line}", line.chars().count());
        }
        // The first run's summary follows as it renders alone, less its drift: several runs show theirs side by side
        // at the end.
        let alone = rendered();
        let (summary, drift) = alone.split_at(alone.find("\nWhere docker-20.10 and the spec").expect("drift"));
        assert!(text.contains(summary), "the first run's summary follows as it renders alone");
        assert!(!text.contains(drift) && text.contains("\nWhere the daemons and the spec disagree: "));
        assert_eq!(text.matches("\nAPI enforced ").count(), 4, "one summary per run");
        // Five daemons do not fit: each column keeps `version-rejected` whole and the table grows.
        let widest = render(&runs).lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(WIDTH < widest && widest <= 1 + (16 + 3) + 5 * (16 + 3), "{widest} columns");
    }

    #[test]
    fn the_failures_are_followed_by_their_streams() {
        let text =
            crate::report::sections::coverage::tests::render(write, &[crate::report::synthetic::with_failures()]);
        let failures = &text[text.find("\nFailures").expect("a failure section")..];
        let failures = &failures[..failures.find("\n\n").map_or(failures.len(), |i| i + 1)];
        insta::assert_snapshot!(failures);
        for line in text.lines() {
            assert!(line.chars().count() <= WIDTH, "too wide ({}): {line}", line.chars().count());
        }
        assert!(!rendered().contains("stream:"), "a run without failures lists no stream");
    }

    #[test]
    fn wraps_text_at_spaces() {
        let cases: &[(&str, usize, &[&str])] = &[
            ("a bb ccc", 4, &["a bb", "ccc"]),
            ("a bb ccc", 8, &["a bb ccc"]),
            ("toolongword a", 4, &["toolongword", "a"]),
            ("", 4, &[]),
        ];
        for (text, width, expected) in cases {
            assert_eq!(wrap(text, *width), *expected, "{text:?} in {width}");
        }
    }

    #[test]
    fn fits_100_columns() {
        let with_scenarios = crate::report::sections::coverage::tests::render(
            write,
            &[crate::report::sections::scenario::tests::fixture_with_scenarios()],
        );
        for line in rendered().lines().chain(with_scenarios.lines()) {
            assert!(line.chars().count() <= WIDTH, "too wide ({}): {line}", line.chars().count());
        }
    }

    #[test]
    fn the_drift_is_a_line_per_difference_errata_last_null_counted() {
        use crate::report::sections::drift::tests::drifting;
        let text = crate::report::sections::coverage::tests::render(write, &[drifting()]);
        let drift = &text[text.find("\nWhere docker-20.10 and the spec disagree").expect("a drift section")..];
        insta::assert_snapshot!(drift);
        for line in text.lines() {
            assert!(line.chars().count() <= WIDTH, "too wide ({}): {line}", line.chars().count());
        }
        // `report --conformance`: the drift alone, null rows listed and not counted.
        let all = crate::report::sections::coverage::tests::render_drift(write_drift, &[drifting()]);
        assert!(all.starts_with("Where docker-20.10 and the spec disagree: 6 differences on 4 endpoints"), "{all}");
        assert!(all.contains("\n  container.inspect 1.12–1.41: /Mounts null (null, the spec says array)\n"), "{all}");
        assert!(!all.contains("fields are null") && !all.contains("field is null"), "{all}");
    }

    #[test]
    fn several_runs_end_with_their_drift_side_by_side_within_100_columns() {
        use crate::model::FindingKind;
        use crate::report::sections::drift::tests::{check, drifting, finding};
        let mut podman = drifting();
        podman.daemon.name = "podman-4.3".into();
        let ports = finding(FindingKind::WrongType, "/NetworkSettings/Ports", "object, the spec says array", None);
        check(&mut podman, "container.inspect", &(12..=31).map(Some).collect::<Vec<_>>(), &[ports]);
        let mut old = crate::report::synthetic::daemon_run("docker-26.1", "26.1.4", (24, 45), (24, 45), (23, 46));
        old.probes.iter_mut().for_each(|p| p.conformance = None);
        let runs = [drifting(), podman, old];
        let text = crate::report::sections::coverage::tests::render(write, &runs);
        let drift = &text[text.find("\nWhere the daemons and the spec disagree: ").expect("the drift, last")..];
        insta::assert_snapshot!(drift);
        for line in drift.lines() {
            assert!(line.chars().count() <= WIDTH, "too wide ({}): {line}", line.chars().count());
        }
        assert_eq!(text.matches("and the spec disagree").count(), 1, "no run shows its own drift as well");
    }

    #[test]
    fn long_pointers_break_at_their_slashes() {
        let cases: &[(&str, usize, &[&str])] = &[
            ("/a/bb/ccc/dddd x", 8, &["/a/bb", "/ccc", "/dddd x"]),
            ("/RegistryConfig/Mirrors wrong-type (x)", 16, &["/RegistryConfig", "/Mirrors", "wrong-type (x)"]),
            ("abcdefghij k", 4, &["abcd", "efgh", "ij k"]),
            ("/short undocumented", 40, &["/short undocumented"]),
        ];
        for (text, width, expected) in cases {
            assert_eq!(wrap_breaking(text, *width), *expected, "{text:?} in {width}");
        }
    }
}
