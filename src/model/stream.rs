//! A hijacked stream as the run record keeps it: frames or raw bytes, byte counts, the first output text and how
//! reading ended.

use serde::{Deserialize, Serialize};

/// The first bytes of stdout and of stderr kept in a [`StreamSummary`], in characters.
pub const SUMMARY_TEXT_CAP: usize = 200;

/// How reading a hijacked stream (or a plain answer's body) stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EndedBy {
    /// The daemon closed the connection (or a plain body was complete).
    #[default]
    Eof,
    /// The window passed first; the connection was closed by us.
    Window,
    /// The client's body cap was reached; the rest was not read.
    Cap,
    /// Reading failed (connection reset, malformed chunked body); see `Hijacked::read_error` in the client.
    Error,
    /// The output held the text the caller waited for (`Client::hijack_until`); the connection was closed by us.
    Expected,
}

impl EndedBy {
    /// The kebab-case name (`eof`, `window`, `cap`, `error`).
    pub fn as_str(self) -> &'static str {
        match self {
            EndedBy::Eof => "eof",
            EndedBy::Window => "window",
            EndedBy::Cap => "cap",
            EndedBy::Error => "error",
            EndedBy::Expected => "expected output",
        }
    }
}

impl std::fmt::Display for EndedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a stream carried frames or raw bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StreamFormat {
    /// Raw bytes (a TTY), all of it stdout.
    #[default]
    Raw,
    /// 8-byte-header frames.
    Multiplexed,
    /// WebSocket frames (RFC 6455), text or binary.
    #[serde(rename = "websocket")]
    WebSocket,
}

impl StreamFormat {
    /// The kebab-case name (`raw`, `multiplexed`, `websocket`).
    pub fn as_str(self) -> &'static str {
        match self {
            StreamFormat::Raw => "raw",
            StreamFormat::Multiplexed => "multiplexed",
            StreamFormat::WebSocket => "websocket",
        }
    }
}

impl std::fmt::Display for StreamFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A hijacked stream, summarised for `Evidence::stream_summary`: small, serde, stable across runs against the
/// same daemon (no timings).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamSummary {
    /// Frames or raw bytes.
    #[serde(default)]
    pub format: StreamFormat,
    /// Number of frames (0 for raw).
    #[serde(default)]
    pub frames: u64,
    /// The kinds of a WebSocket's frames (`binary`, `text`, `close`), each once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frame_types: Vec<String>,
    /// stdout bytes (all bytes of a raw stream).
    #[serde(default)]
    pub stdout_bytes: u64,
    /// stderr bytes.
    #[serde(default)]
    pub stderr_bytes: u64,
    /// The first [`SUMMARY_TEXT_CAP`] characters of stdout (lossy UTF-8).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stdout: String,
    /// The first [`SUMMARY_TEXT_CAP`] characters of stderr (lossy UTF-8).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stderr: String,
    /// Bytes written to stdin.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub stdin_bytes: u64,
    /// How reading stopped.
    #[serde(default)]
    pub ended_by: EndedBy,
    /// Whether the daemon answered `101`.
    #[serde(default)]
    pub upgraded: bool,
    /// What was wrong with the stream: frames announced but not sent, a daemon error frame, a read error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The first `cap` characters of `bytes` as lossy UTF-8.
pub fn excerpt(bytes: &[u8], cap: usize) -> String {
    String::from_utf8_lossy(bytes).chars().take(cap).collect()
}

impl StreamSummary {
    /// The shape an observation keeps (`observe: {stream: value}`): the format, and a WebSocket's frame kinds
    /// (`multiplexed`, `raw`, `websocket binary`).
    pub fn shape(&self) -> String {
        match self.frame_types.as_slice() {
            [] => self.format.to_string(),
            kinds => format!("{} {}", self.format, kinds.join(" | ")),
        }
    }

    /// One line for `Evidence::stream` and snapshots:
    /// `multiplexed stream, 101: 1 frame, stdout 18 B, stderr 0 B, stdin 23 B, ended by window; stdout "…"`.
    pub fn describe(&self) -> String {
        let mut s = format!("{} stream, {}: ", self.format, if self.upgraded { "101" } else { "not upgraded" });
        if self.format != StreamFormat::Raw {
            s += &format!("{} frame{}", self.frames, if self.frames == 1 { "" } else { "s" });
            if !self.frame_types.is_empty() {
                s += &format!(" ({})", self.frame_types.join(", "));
            }
            s += ", ";
        }
        s += &format!("stdout {} B, stderr {} B", self.stdout_bytes, self.stderr_bytes);
        if self.stdin_bytes > 0 {
            s += &format!(", stdin {} B", self.stdin_bytes);
        }
        s += &format!(", ended by {}", self.ended_by);
        let quoted = |t: &str| serde_json::Value::String(t.chars().take(80).collect()).to_string();
        if !self.stdout.is_empty() {
            s += &format!("; stdout {}", quoted(&self.stdout));
        }
        if !self.stderr.is_empty() {
            s += &format!("; stderr {}", quoted(&self.stderr));
        }
        if let Some(e) = &self.error {
            s += &format!("; error: {e}");
        }
        s
    }
}
