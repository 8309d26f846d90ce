//! The YAML matrices: endpoints, Docker releases, Kubernetes usage, probe recipes, scenarios, clients and
//! API-version gates; loading, validation and generation.

pub mod clients;
mod error;
pub mod gates;
pub mod load;
pub mod model;
pub mod schemas;
pub mod sync;
pub mod tokens;
mod validate;

pub use clients::{ClientSpec, ClientsFile, VersionRule};
pub use error::MatrixError;
pub use load::load_dir;
pub use model::{DockerRelease, Endpoint, K8sRelease, Matrices, PathMode, PathVersion, Scenario, ScenariosFile, Step};
