//! The YAML matrices: endpoints, Docker releases, Kubernetes usage, probe recipes and scenarios; loading, validation
//! and generation.

mod error;
pub mod load;
pub mod model;
pub mod schemas;
pub mod sync;
pub mod tokens;
mod validate;

pub use error::MatrixError;
pub use load::load_dir;
pub use model::{DockerRelease, Endpoint, K8sRelease, Matrices, PathMode, PathVersion, Scenario, ScenariosFile, Step};
