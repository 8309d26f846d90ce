//! The YAML matrices: endpoints, Docker releases, Kubernetes usage, probe recipes and scenarios; loading, validation
//! and generation.

mod error;
pub mod load;
pub mod model;
pub mod sync;
mod validate;
pub mod vars;

pub use error::MatrixError;
pub use load::load_dir;
pub use model::{
    DockerRelease, Endpoint, K8sRelease, Matrices, Method, PathMode, PathVersion, Scenario, ScenariosFile, Step,
};
