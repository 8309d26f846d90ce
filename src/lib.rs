//! dockmatrix: which Docker Engine API endpoints a real daemon supports at which API version, with evidence.
//!
//! The library never imports clap; `cli` turns arguments into a [`config::Config`] and `dispatch` runs it.
#![warn(missing_docs)]

pub mod cli;
pub mod client;
pub mod config;
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
pub mod report;
pub mod run;
pub mod scenario;
pub mod snapshot;

pub use error::Error;
pub use model::ApiVersion;
