//! Talking to a daemon: API versions, request paths, and (later) the transports.

pub mod path;
pub mod version;

pub use version::ApiVersion;
