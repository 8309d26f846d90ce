//! `ProbeError`: why a run could not start or go on (single probe failures are verdicts, not errors).

use std::path::PathBuf;

use crate::client::ClientError;

/// A failure that stops a run.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ProbeError {
    /// The daemon could not be reached.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Client(#[from] ClientError),

    /// A fixture could not be made or removed in a way that stops the run.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Fixture(#[from] crate::fixture::FixtureError),

    /// Something answers, but not as a Docker Engine API.
    #[error("{address} answers HTTP, but not as a Docker Engine API: {detail}")]
    #[diagnostic(
        code(dockmatrix::probe::not_docker),
        help("point --host or DOCKER_HOST at a Docker or Podman API socket")
    )]
    NotDockerApi {
        /// The address.
        address: String,
        /// What it answered.
        detail: String,
    },

    /// Results could not be written.
    #[error("failed to write {}", path.display())]
    #[diagnostic(code(dockmatrix::probe::output), help("check that --out names a writable folder"))]
    Output {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}
