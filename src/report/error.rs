//! `ReportError`: a saved run that cannot be read, a report that cannot be written, a format or policy that does not parse.

use std::path::PathBuf;

use crate::model::exit::{EXIT_OUTPUT, EXIT_USAGE};

/// Reading a run, parsing a report option or writing a report failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReportError {
    /// A RUN.json file could not be read.
    #[error("failed to read run {}", path.display())]
    #[diagnostic(
        code(dockmatrix::report::read),
        help("pass the run.json a `dockmatrix run` wrote into its output folder")
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// A RUN.json file is not a run: bad JSON, or a field of the wrong shape.
    #[error("failed to read run {}:{line}:{column}: {message}", path.display())]
    #[diagnostic(code(dockmatrix::report::parse))]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong, with the key path inside the run (`probes[3].verdict: unknown variant ...`).
        message: String,
    },

    /// A RUN.json file was written by a newer dockmatrix.
    #[error("run {} has schema_version {found}; this dockmatrix reads {supported}", path.display())]
    #[diagnostic(code(dockmatrix::report::schema), help("re-render it with the dockmatrix that wrote it, or upgrade"))]
    Schema {
        /// The file.
        path: PathBuf,
        /// The version in the file.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },

    /// `diff` was given a file holding several runs (or none).
    #[error("{} holds {found} runs; diff compares one run with another", path.display())]
    #[diagnostic(
        code(dockmatrix::report::not_one_run),
        help("pass the run.json each `dockmatrix run` wrote into its output folder")
    )]
    NotOneRun {
        /// The file.
        path: PathBuf,
        /// How many runs it holds.
        found: usize,
    },

    /// A report format name does not parse.
    #[error("unknown report format `{input}`")]
    #[diagnostic(
        code(dockmatrix::report::format),
        help("use one of table, md, json, junit, html (optionally FORMAT:FILE)")
    )]
    Format {
        /// What was given.
        input: String,
    },

    /// `FMT:step-summary` with a format GitHub cannot show as a step summary.
    #[error("the step summary takes Markdown, not {format}")]
    #[diagnostic(code(dockmatrix::report::step_summary), help("write --report md:step-summary"))]
    StepSummaryFormat {
        /// The format given.
        format: String,
    },

    /// A `--fail-on` policy does not parse.
    #[error("invalid --fail-on policy `{input}`: {message}")]
    #[diagnostic(
        code(dockmatrix::report::policy),
        help(
            "use incompatible, error, changed-snapshot, kubernetes:RELEASE (kubernetes:1.23) or endpoint:GLOB (endpoint:container.*)"
        )
    )]
    Policy {
        /// What was given.
        input: String,
        /// What is wrong with it.
        message: String,
    },

    /// `report --conformance` was given runs none of whose answers was checked against the spec.
    #[error("no answer of {} was checked against the spec, so there is no drift to show", paths.join(", "))]
    #[diagnostic(
        code(dockmatrix::report::no_conformance),
        help(
            "runs written before the check, or with `run --no-conformance`, carry none: run the daemon again with this dockmatrix"
        )
    )]
    NoConformance {
        /// The files, as given.
        paths: Vec<String>,
    },

    /// A report could not be written.
    #[error("failed to write the {what}")]
    #[diagnostic(code(dockmatrix::report::write), help("check that the folder exists and is writable"))]
    Write {
        /// What was being written (`junit report to out/junit.xml`).
        what: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl ReportError {
    /// The process exit code: bad input is a usage error, a failed write is an output error.
    pub fn exit_code(&self) -> u8 {
        match self {
            ReportError::Read { .. }
            | ReportError::Parse { .. }
            | ReportError::Schema { .. }
            | ReportError::NotOneRun { .. }
            | ReportError::Format { .. }
            | ReportError::StepSummaryFormat { .. }
            | ReportError::Policy { .. }
            | ReportError::NoConformance { .. } => EXIT_USAGE,
            ReportError::Write { .. } => EXIT_OUTPUT,
        }
    }

    /// A write error for `what`.
    pub fn write(what: impl Into<String>, source: std::io::Error) -> Self {
        ReportError::Write { what: what.into(), source }
    }
}
