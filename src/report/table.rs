//! The terminal summary: per tag, one row per endpoint with its verdict ranges, and the coverage lines; 100 columns.

use std::io::{self, Write};

use crate::probe::outcome::Verdict;

use super::coverage::{self, Coverage};
use super::error::ReportError;
use super::grid::Grid;
use super::model::RunReport;

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
    let skipped = run.probes.iter().filter(|p| p.verdict == Verdict::Skipped).count();
    if skipped > 0 {
        writeln!(out, "{skipped} probes skipped; `--format json` or `--format html` shows why")?;
    }
    Ok(())
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
    fn fits_100_columns() {
        for line in rendered().lines() {
            assert!(line.chars().count() <= WIDTH, "too wide ({}): {line}", line.chars().count());
        }
    }
}
