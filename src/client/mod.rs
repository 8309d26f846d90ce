//! Talking to a daemon: addresses, the unix and TCP transports, API versions and the one place that writes paths.

mod error;
pub mod host;
pub mod path;
mod transport;
pub mod version;

pub use error::ClientError;
pub use host::{Address, Target, TlsOptions};
pub use transport::{Client, DEFAULT_BODY_CAP, DEFAULT_TIMEOUT, Request, Response};
pub use version::ApiVersion;
