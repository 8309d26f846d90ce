//! The YAML matrices: endpoints, Docker releases and Kubernetes usage; loading, validation and generation.

mod error;
pub mod load;
pub mod model;
pub mod sync;
mod validate;

pub use error::MatrixError;
pub use load::load_dir;
pub use model::{DockerRelease, Endpoint, K8sRelease, Matrices, Method, PathMode, PathVersion};
