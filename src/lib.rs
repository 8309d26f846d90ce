//! dockmatrix: which Docker Engine API endpoints a real daemon supports at which API version, with evidence.
//!
//! The library never imports clap; `cli` turns arguments into a [`config::Config`] and `dispatch` runs it.
//!
//! # Layers
//!
//! Modules import one way, down this list (`tests/integration/layers.rs` fails on an import that points up or
//! sideways):
//!
//! | rank | modules | what they own |
//! |---|---|---|
//! | 0 | [`model`], [`glob`] | the vocabulary and the run record, the `$name` grammar, exit codes; `*` globs |
//! | 1 | [`client`], [`matrix`] | talking to a daemon; the YAML matrices and their language (peers) |
//! | 2 | [`fixture`], [`conformance`], [`client_compat`] | the objects a run makes, and removing them; answers judged against the spec; what real clients (not our [`client`]) make of a daemon |
//! | 3 | [`probe`] | discovery, the plan, the sweep and the verdicts |
//! | 4 | [`scenario`], [`refusal`] | request sequences replayed at each version; malformed requests sent on purpose |
//! | 5 | [`snapshot`] | normalised answers in insta's format |
//! | 6 | [`report`] | the report as a document of sections computed once, its renderers (every format), the CI policy, diffs of runs |
//! | 7–11 | [`progress`], [`error`], [`run`], [`config`], [`dispatch`], [`cli`] | one command from end to end |
#![warn(missing_docs)]

pub mod cli;
pub mod client;
pub mod client_compat;
pub mod config;
pub mod conformance;
pub mod dispatch;
pub mod error;
/// The tests' fake daemon (`tests/support/fake_daemon.rs`, which the integration tests include too).
#[cfg(test)]
#[path = "../tests/support/fake_daemon.rs"]
pub(crate) mod fake_daemon;
pub mod fixture;
pub mod glob;
pub mod matrix;
pub mod model;
pub mod probe;
pub mod progress;
pub mod refusal;
pub mod report;
pub mod run;
pub mod scenario;
pub mod snapshot;

pub use error::Error;
pub use model::ApiVersion;
