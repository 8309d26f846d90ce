//! Snapshots of a run: each endpoint's answers, normalised and redacted, stored per target daemon in insta's
//! format, so a daemon upgrade shows as a small, readable diff.
//!
//! The runner calls [`compare`] after a sweep (with the daemon's name as target: `docker-20.10` unless `--name` was given); the
//! `snapshot review|accept|reject` subcommands call [`review()`], [`accept`] and [`reject`].

pub mod diff;
pub mod error;
#[cfg(test)]
mod fixture;
pub mod normalize;
pub mod redact;
pub mod render;
pub mod review;
pub mod store;

pub use error::SnapshotError;
pub use redact::{RULES, Redactions};
pub use render::{RenderedSnapshot, note_info, redactions_for, redactions_of_run, render, render_one};
pub use review::{ReviewSummary, review};
pub use store::{
    CompareOptions, DEFAULT_DIR, Pending, SNAPSHOT_LINES, SnapshotEntry, SnapshotFile, SnapshotStatus, SnapshotSummary,
    accept, compare, compare_each, pending, reject,
};
