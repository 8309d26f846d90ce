//! The terminal summary: per tag, one row per endpoint with its verdict ranges, the coverage lines and a line per
//! scenario; 100 columns.

use std::io::{self, Write};

use crate::probe::outcome::Verdict;

use super::coverage::{self, Coverage};
use super::error::ReportError;
use super::grid::Grid;
use super::model::RunReport;
use super::scenario;

/// The widest line the table writes.
pub const WIDTH: usize = 100;

/// Writes the terminal summary of each run, one after another.
pub fn write(runs: &[RunReport], out: &mut dyn Write) -> Result<(), ReportError> {
    render(runs, out).map_err(|e| ReportError::write("table report", e))
}

fn render(runs: &[RunReport], out: &mut dyn Write) -> io::Result<()> {
    for (i, run) in runs.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        render_run(run, out)?;
    }
    Ok(())
}

fn render_run(run: &RunReport, out: &mut dyn Write) -> io::Result<()> {
    let c = Coverage::of(run);
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
    }
    render_scenarios(run, out)?;
    let skipped = run.probes.iter().filter(|p| p.verdict == Verdict::Skipped).count();
    if skipped > 0 {
        writeln!(out, "{skipped} probes skipped; `--format json` or `--format html` shows why")?;
    }
    Ok(())
}

/// One line per scenario with its version ranges, then an indented line for each failed range (the reason at its
/// first version) and each failed cleanup; nothing when the run has no scenarios.
fn render_scenarios(run: &RunReport, out: &mut dyn Write) -> io::Result<()> {
    let summaries = scenario::summaries(run);
    if summaries.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n{}", scenario::headline(&summaries))?;
    for s in &summaries {
        let parts: Vec<String> = s.ranges.iter().map(scenario::ScenarioRange::line).collect();
        write_wrapped(out, &format!("{}: ", s.name), &parts, WIDTH)?;
        for r in s.ranges.iter().filter(|r| !r.passed()) {
            writeln!(out, "{}", clip(&format!("  {}: {}", r.versions(), r.reason()), WIDTH))?;
        }
        for o in s.ranges.iter().flat_map(|r| r.cleanup_failures()) {
            let at = o.api_version.map_or_else(|| "unversioned".to_string(), |v| v.to_string());
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
    use crate::report::coverage::tests::fixture;

    fn rendered() -> String {
        crate::report::coverage::tests::render(write, &[fixture()])
    }

    #[test]
    fn snapshot_of_the_fixed_run() {
        insta::assert_snapshot!(rendered());
    }

    #[test]
    fn snapshot_of_a_run_with_scenarios() {
        let run = crate::report::scenario::tests::fixture_with_scenarios();
        let text = crate::report::coverage::tests::render(write, &[run]);
        let plain = rendered();
        assert!(text.starts_with(plain.lines().next().unwrap_or_default()));
        let scenarios = &text[text.find("\nScenarios:").expect("a scenario section")..];
        insta::assert_snapshot!(scenarios);
    }

    #[test]
    fn fits_100_columns() {
        let with_scenarios =
            crate::report::coverage::tests::render(write, &[crate::report::scenario::tests::fixture_with_scenarios()]);
        for line in rendered().lines().chain(with_scenarios.lines()) {
            assert!(line.chars().count() <= WIDTH, "too wide ({}): {line}", line.chars().count());
        }
    }
}
