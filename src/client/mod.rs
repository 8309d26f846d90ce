//! Talking to a daemon: addresses, the unix, TCP and ssh transports, hijacked streams and their frames, and the
//! one place that writes paths.

mod error;
pub mod frames;
mod hijack;
pub mod host;
pub mod path;
pub mod ssh;
mod transport;

pub use error::ClientError;
pub use frames::{
    FRAME_HEADER_LEN, Frame, FrameError, StreamError, StreamKind, StreamOutput, decode, demux, looks_multiplexed,
};
pub use hijack::Hijacked;
pub use host::{Address, Target, TlsOptions};
pub use transport::{Client, DEFAULT_BODY_CAP, DEFAULT_TIMEOUT, Request, Response};
