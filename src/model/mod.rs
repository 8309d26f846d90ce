//! The vocabulary and the run record, at the bottom of the crate: API versions, methods, verdicts, what run.json
//! holds, the labels a run puts on what it creates, the `$name` template grammar, the exit codes and the quoting of
//! the commands the tool suggests.
//!
//! Nothing here imports another module of the crate; every other module may import this one.

mod client;
mod conformance;
mod daemon;
pub mod exit;
pub mod labels;
mod method;
mod outcome;
mod refusal;
mod run;
mod scenario;
mod shell;
mod stream;
pub mod template;
mod verdict;
mod version;

pub use client::{ClientOutcome, ClientVerdict};
pub use conformance::{Conformance, Finding, FindingKind, MAX_FINDINGS, fold_pointer};
pub use daemon::{DaemonInfo, EngineKind};
pub use method::Method;
pub use outcome::{BODY_EVIDENCE_CAP, Evidence, ProbeOutcome, field_paths, pointer_step};
pub use refusal::{RefusalKind, RefusalOutcome, RefusalVerdict};
pub use run::{RUN_SCHEMA_VERSION, RunRecord};
pub use scenario::{ScenarioOutcome, StepOutcome};
pub use shell::shell_word;
pub use stream::{EndedBy, SUMMARY_TEXT_CAP, StreamFormat, StreamSummary, excerpt};
pub use verdict::Verdict;
pub use version::{ApiRange, ApiVersion, ParseApiVersionError, RequestVersion};
