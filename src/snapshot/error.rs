//! What can go wrong reading, writing and reviewing snapshot files.

use std::path::PathBuf;

/// A snapshot operation that could not complete.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SnapshotError {
    /// A snapshot file or folder could not be read.
    #[error("failed to read snapshot {}", path.display())]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A snapshot file or folder could not be written.
    #[error("failed to write snapshot {}", path.display())]
    #[diagnostic(help("is the snapshot folder writable? pass another one with --snapshots DIR"))]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A pending snapshot could not be removed.
    #[error("failed to remove snapshot {}", path.display())]
    Remove {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A pending snapshot could not be moved over the accepted one.
    #[error("failed to accept snapshot {} as {}", from.display(), to.display())]
    Rename {
        /// The `.snap.new`.
        from: PathBuf,
        /// The `.snap`.
        to: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A `.snap` file without insta's `---` header.
    #[error("snapshot {} has no insta header (`---`, `source:`, `expression:`, `---`)", path.display())]
    #[diagnostic(help("delete the file to write it afresh, or restore it from version control"))]
    Malformed {
        /// The file.
        path: PathBuf,
    },
    /// The review could not talk to the terminal.
    #[error("failed to {what} during snapshot review")]
    Terminal {
        /// `read the answer` or `write the diff`.
        what: &'static str,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}
