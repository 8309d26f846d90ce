//! Talking to a daemon: addresses, the unix and TCP transports, hijacked streams, API versions and the one place
//! that writes paths.

mod error;
mod hijack;
pub mod host;
pub mod path;
mod transport;
pub mod version;

pub use error::ClientError;
pub use hijack::{
    EndedBy, FRAME_HEADER_LEN, Frame, FrameError, Hijacked, SUMMARY_TEXT_CAP, StreamError, StreamFormat, StreamKind,
    StreamOutput, StreamSummary, decode, demux, looks_multiplexed,
};
pub use host::{Address, Target, TlsOptions};
pub use transport::{Client, DEFAULT_BODY_CAP, DEFAULT_TIMEOUT, Request, Response};
pub use version::ApiVersion;
