//! Choosing a report format and writing a report's [`Document`] in it: the one dispatcher the `run` and `report`
//! commands call.

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::matrix::Matrices;

use super::document::Document;
use super::error::ReportError;
use super::render::{html, json, junit, markdown, summary, text};
use crate::model::RunRecord;

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportFormat {
    /// The terminal summary (`table`).
    Table,
    /// GitHub-flavoured Markdown for a pull request or a step summary (`md`).
    Markdown,
    /// The run itself (`json`).
    Json,
    /// JUnit XML for CI systems (`junit`).
    Junit,
    /// A self-contained HTML heat map (`html`).
    Html,
    /// The one-screen summary `run` prints by default (`summary`): at most 40 lines per run.
    Summary,
}

impl ReportFormat {
    /// Every format, in help order.
    pub const ALL: [ReportFormat; 6] = [
        ReportFormat::Table,
        ReportFormat::Markdown,
        ReportFormat::Json,
        ReportFormat::Junit,
        ReportFormat::Html,
        ReportFormat::Summary,
    ];

    /// Whether the format shows the probes' evidence (the answers' headers and bodies, the findings one by one),
    /// not only their verdicts: json, junit and html.
    pub fn shows_evidence(self) -> bool {
        matches!(self, ReportFormat::Json | ReportFormat::Junit | ReportFormat::Html)
    }

    /// The name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::Table => "table",
            ReportFormat::Markdown => "md",
            ReportFormat::Json => "json",
            ReportFormat::Junit => "junit",
            ReportFormat::Html => "html",
            ReportFormat::Summary => "summary",
        }
    }
}

impl fmt::Display for ReportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReportFormat {
    type Err = ReportError;

    fn from_str(s: &str) -> Result<Self, ReportError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "table" => Ok(ReportFormat::Table),
            "md" | "markdown" => Ok(ReportFormat::Markdown),
            "json" => Ok(ReportFormat::Json),
            "junit" | "xml" => Ok(ReportFormat::Junit),
            "html" => Ok(ReportFormat::Html),
            "summary" => Ok(ReportFormat::Summary),
            _ => Err(ReportError::Format { input: s.to_string() }),
        }
    }
}

/// A format and where it goes: `junit:out/junit.xml` (`--report FMT[:FILE]`); no file means standard output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTarget {
    /// The format.
    pub format: ReportFormat,
    /// The file, or `None` for standard output.
    pub file: Option<PathBuf>,
}

impl FromStr for ReportTarget {
    type Err = ReportError;

    fn from_str(s: &str) -> Result<Self, ReportError> {
        let (format, file) = match s.split_once(':') {
            Some((f, path)) if !path.is_empty() => (f, Some(PathBuf::from(path))),
            Some((f, _)) => (f, None),
            None => (s, None),
        };
        let target = ReportTarget { format: format.parse()?, file };
        if target.is_step_summary() && target.format != ReportFormat::Markdown {
            return Err(ReportError::StepSummaryFormat { format: target.format.to_string() });
        }
        Ok(target)
    }
}

/// The file name that stands for `$GITHUB_STEP_SUMMARY` in `--report md:step-summary`.
pub const STEP_SUMMARY_FILE: &str = "step-summary";

impl ReportTarget {
    /// Whether the file is the `step-summary` keyword (write `./step-summary` for a file of that name).
    pub fn is_step_summary(&self) -> bool {
        self.file.as_deref().is_some_and(|f| f.as_os_str() == STEP_SUMMARY_FILE)
    }

    /// Writes the report `doc` to the file, or to `stdout` when there is none.
    ///
    /// The step summary is appended to, never truncated (earlier steps' output stays): both `md:step-summary` and
    /// a file that is `$GITHUB_STEP_SUMMARY` itself (`md:$GITHUB_STEP_SUMMARY`). Returns a warning, and writes
    /// nothing, for `step-summary` when `$GITHUB_STEP_SUMMARY` is not set (a local run of a CI command line).
    pub fn write(&self, doc: &Document<'_>, stdout: &mut dyn Write) -> Result<Option<String>, ReportError> {
        let summary = markdown::step_summary_path();
        let Some(path) = &self.file else {
            write_document(self.format, doc, stdout)?;
            return Ok(None);
        };
        if self.is_step_summary() {
            return match summary {
                Some(summary) => write_report_to(self.format, doc, &summary, true).map(|()| None),
                None => Ok(Some(format!(
                    "--report {}:{STEP_SUMMARY_FILE} ignored: {} is not set",
                    self.format,
                    markdown::STEP_SUMMARY_VAR
                ))),
            };
        }
        let append = summary.is_some_and(|s| same_file(&s, path));
        write_report_to(self.format, doc, path, append).map(|()| None)
    }
}

/// Whether two paths name the same file (it may not exist yet: then the paths themselves are compared).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Writes the report of `runs` (one or several targets) in `format` to `out`, read against the matrices.
pub fn write_report(
    format: ReportFormat,
    runs: &[RunRecord],
    matrices: &Matrices,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    write_document(format, &Document::of(runs, matrices), out)
}

/// Writes the document in `format` to `out`: each renderer turns it into bytes. A conformance document
/// ([`Document::conformance`], `report --conformance`) is the drift alone: every kind of finding, `null` too; one
/// run's rows with their versions, several runs side by side (the summary format writes the table's).
pub fn write_document(format: ReportFormat, doc: &Document<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
    if doc.is_conformance() {
        match format {
            ReportFormat::Table | ReportFormat::Summary => text::write_drift(doc, out),
            ReportFormat::Markdown => markdown::write_drift(doc, out),
            ReportFormat::Json => json::write_drift(doc, out),
            ReportFormat::Junit => junit::write_drift(doc, out),
            ReportFormat::Html => html::write_drift(doc, out),
        }?;
    } else {
        match format {
            ReportFormat::Table => text::write(doc, out),
            ReportFormat::Markdown => markdown::write(doc, out),
            ReportFormat::Json => json::write(doc, out),
            ReportFormat::Junit => junit::write(doc, out),
            ReportFormat::Html => html::write(doc, out),
            ReportFormat::Summary => summary::write_all(doc, out).map_err(|e| ReportError::write("summary", e)),
        }?;
    }
    out.flush().map_err(|e| ReportError::write(format!("{format} report"), e))
}

/// Writes the report of `runs` in `format` to the file `path` (created or truncated; its folder is created).
pub fn write_report_file(
    format: ReportFormat,
    runs: &[RunRecord],
    matrices: &Matrices,
    path: &Path,
) -> Result<(), ReportError> {
    write_report_to(format, &Document::of(runs, matrices), path, false)
}

fn write_report_to(format: ReportFormat, doc: &Document<'_>, path: &Path, append: bool) -> Result<(), ReportError> {
    let what = || format!("{format} report to {}", path.display());
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| ReportError::write(what(), e))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(path)
        .map_err(|e| ReportError::write(what(), e))?;
    let mut out = io::BufWriter::new(file);
    write_document(format, doc, &mut out).map_err(|e| match e {
        ReportError::Write { source, .. } => ReportError::write(what(), source),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_format_and_targets_with_files() {
        for f in ReportFormat::ALL {
            assert_eq!(f.as_str().parse::<ReportFormat>().expect("own name parses"), f);
        }
        let t: ReportTarget = "junit:out/junit.xml".parse().expect("target");
        assert_eq!(t, ReportTarget { format: ReportFormat::Junit, file: Some("out/junit.xml".into()) });
        let t: ReportTarget = "md".parse().expect("target");
        assert_eq!(t.file, None);
        let err = "pdf".parse::<ReportFormat>().expect_err("unknown");
        assert_eq!(err.to_string(), "unknown report format `pdf`");
    }

    #[test]
    fn only_markdown_goes_to_the_step_summary() {
        let t: ReportTarget = "md:step-summary".parse().expect("target");
        assert!(t.is_step_summary());
        let plain: ReportTarget = "md:./step-summary".parse().expect("target");
        assert!(!plain.is_step_summary());
        let err = "junit:step-summary".parse::<ReportTarget>().expect_err("not markdown");
        assert_eq!(err.to_string(), "the step summary takes Markdown, not junit");
        assert_eq!(err.exit_code(), crate::model::exit::EXIT_USAGE);
    }

    #[test]
    fn appends_or_truncates_as_asked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("summary.md");
        let m = crate::matrix::load::MatrixSources::built_in().load().expect("built-in matrices");
        std::fs::write(&path, "before\n").expect("write");
        write_report_to(ReportFormat::Json, &Document::of(&[], &m), &path, true).expect("append");
        let appended = std::fs::read_to_string(&path).expect("read");
        assert!(appended.starts_with("before\n[") && appended.len() > "before\n".len(), "{appended:?}");
        write_report_file(ReportFormat::Json, &[], &m, &path).expect("truncate");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), &appended["before\n".len()..]);
        assert!(same_file(&path, &dir.path().join(".").join("summary.md")));
        assert!(!same_file(&path, &dir.path().join("other.md")));
    }

    #[test]
    fn an_unwritable_file_is_an_output_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").expect("write");
        let m = crate::matrix::load::MatrixSources::built_in().load().expect("built-in matrices");
        let err = write_report_file(ReportFormat::Json, &[], &m, &blocker.join("run.json")).expect_err("not a dir");
        assert_eq!(err.exit_code(), crate::model::exit::EXIT_OUTPUT);
        assert!(err.to_string().contains("json report to"), "{err}");
    }
}
