//! Docker's stream frames: the 8-byte header of multiplexed attach, exec and logs output, and the split of a
//! stream into stdout and stderr.

use serde::{Deserialize, Serialize};

use crate::model::StreamFormat;

/// Bytes of a frame header: stream type, three bytes of padding, payload size (u32, big-endian).
pub const FRAME_HEADER_LEN: usize = 8;

/// Which stream a frame belongs to (the first byte of its header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StreamKind {
    /// `0`: stdin (Docker's own reader writes it to stdout).
    Stdin,
    /// `1`: stdout.
    Stdout,
    /// `2`: stderr.
    Stderr,
    /// `3`: an error from the daemon itself, inside the stream (moby `stdcopy.Systemerr`, used by `logs`).
    SystemErr,
}

impl StreamKind {
    fn from_byte(b: u8) -> Option<Self> {
        match b {
            0 => Some(StreamKind::Stdin),
            1 => Some(StreamKind::Stdout),
            2 => Some(StreamKind::Stderr),
            3 => Some(StreamKind::SystemErr),
            _ => None,
        }
    }
}

/// One frame of a multiplexed stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The stream it belongs to.
    pub stream: StreamKind,
    /// Its payload.
    pub data: Vec<u8>,
}

/// Why bytes are not a sequence of Docker stream frames; offsets count from the first byte.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Fewer than 8 bytes left for a header.
    #[error("truncated frame header at byte {offset}: {have} of 8 bytes")]
    TruncatedHeader {
        /// Where the header starts.
        offset: usize,
        /// Bytes present.
        have: usize,
    },
    /// The payload is shorter than its header says.
    #[error("truncated frame at byte {offset}: the header announces {declared} B of payload, {have} B follow")]
    TruncatedPayload {
        /// Where the frame starts.
        offset: usize,
        /// Payload size in the header.
        declared: u32,
        /// Payload bytes present.
        have: usize,
    },
    /// The stream byte is not 0 (stdin), 1 (stdout), 2 (stderr) or 3 (daemon error).
    #[error("frame at byte {offset} names stream {byte} (0 stdin, 1 stdout, 2 stderr and 3 daemon error exist)")]
    BadStream {
        /// Where the frame starts.
        offset: usize,
        /// The stream byte.
        byte: u8,
    },
    /// Bytes 1 to 3 of the header are not zero.
    #[error("frame at byte {offset} has nonzero padding {padding:02x?}")]
    BadPadding {
        /// Where the frame starts.
        offset: usize,
        /// The three padding bytes.
        padding: [u8; 3],
    },
}

/// Splits `bytes` into frames; every byte must belong to a complete, well-formed frame.
pub fn demux(bytes: &[u8]) -> Result<Vec<Frame>, FrameError> {
    let mut frames = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        let rest = &bytes[offset..];
        if rest.len() < FRAME_HEADER_LEN {
            return Err(FrameError::TruncatedHeader { offset, have: rest.len() });
        }
        let stream = StreamKind::from_byte(rest[0]).ok_or(FrameError::BadStream { offset, byte: rest[0] })?;
        if rest[1..4] != [0, 0, 0] {
            return Err(FrameError::BadPadding { offset, padding: [rest[1], rest[2], rest[3]] });
        }
        let declared = u32::from_be_bytes([rest[4], rest[5], rest[6], rest[7]]);
        let payload = &rest[FRAME_HEADER_LEN..];
        let size = usize::try_from(declared).unwrap_or(usize::MAX);
        if payload.len() < size {
            return Err(FrameError::TruncatedPayload { offset, declared, have: payload.len() });
        }
        frames.push(Frame { stream, data: payload[..size].to_vec() });
        offset += FRAME_HEADER_LEN + size;
    }
    Ok(frames)
}

/// Whether `bytes` are (non-empty) well-formed frames: how a `raw-stream` answer, which Docker before API 1.42
/// sends for multiplexed output too, is told apart from a TTY's raw bytes.
pub fn looks_multiplexed(bytes: &[u8]) -> bool {
    !bytes.is_empty() && demux(bytes).is_ok()
}

/// A stream split by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamOutput {
    /// Frames or raw bytes.
    pub format: StreamFormat,
    /// Number of frames (0 for raw bytes).
    pub frames: usize,
    /// stdout bytes (stdin frames included, as Docker's reader does; all of a raw stream).
    pub stdout: Vec<u8>,
    /// stderr bytes.
    pub stderr: Vec<u8>,
    /// Payloads of daemon-error frames (stream 3).
    pub system_error: Vec<u8>,
    /// The kinds of the WebSocket frames that came (`text`, `binary`, `close`, ...), each once, in order of name.
    pub frame_types: std::collections::BTreeSet<&'static str>,
}

/// The name of a WebSocket opcode (RFC 6455 §5.2).
fn opcode_name(op: u8) -> &'static str {
    match op {
        0x0 => "continuation",
        0x1 => "text",
        0x2 => "binary",
        0x8 => "close",
        0x9 => "ping",
        0xA => "pong",
        _ => "reserved",
    }
}

/// The frames a WebSocket server sent (RFC 6455 §5.2: a server's frames are unmasked): the payloads of its data
/// frames as stdout, and the kind of each frame. A frame cut by the end of the bytes read (the window closed in
/// the middle of it) keeps what came of its payload; a masked frame's payload is unmasked.
pub fn websocket(bytes: &[u8]) -> StreamOutput {
    let mut out = StreamOutput { format: StreamFormat::WebSocket, ..StreamOutput::default() };
    let mut at = 0;
    while at + 2 <= bytes.len() {
        let (op, masked, short) = (bytes[at] & 0x0F, bytes[at + 1] & 0x80 != 0, usize::from(bytes[at + 1] & 0x7F));
        let (len, mut head) = match short {
            126 if at + 4 <= bytes.len() => (usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]])), 4),
            127 if at + 10 <= bytes.len() => {
                let mut n = [0u8; 8];
                n.copy_from_slice(&bytes[at + 2..at + 10]);
                (usize::try_from(u64::from_be_bytes(n)).unwrap_or(usize::MAX), 10)
            }
            126 | 127 => break,
            n => (n, 2),
        };
        let mask = if masked && at + head + 4 <= bytes.len() {
            let m = [bytes[at + head], bytes[at + head + 1], bytes[at + head + 2], bytes[at + head + 3]];
            head += 4;
            Some(m)
        } else if masked {
            break;
        } else {
            None
        };
        let start = at + head;
        let end = start.saturating_add(len).min(bytes.len());
        out.frames += 1;
        out.frame_types.insert(opcode_name(op));
        if matches!(op, 0x0..=0x2) {
            let payload = bytes[start..end].iter().enumerate().map(|(i, b)| mask.map_or(*b, |m| b ^ m[i % 4]));
            out.stdout.extend(payload);
        }
        at = end;
    }
    out
}

impl StreamOutput {
    /// stdout as text (lossy UTF-8).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as text (lossy UTF-8).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// The content type says multiplexed, but the bytes are not frames.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("content type `{content_type}` says multiplexed, but the stream is not docker frames: {source}")]
pub struct StreamError {
    /// The content type of the answer.
    pub content_type: String,
    /// What is wrong with the bytes.
    pub source: FrameError,
}

/// Splits a stream into stdout and stderr, given the answer's content type.
///
/// `application/vnd.docker.multiplexed-stream` (API 1.42 and later) must be frames, or this fails. Any other
/// content type (`raw-stream`, none) is frames when the bytes look like frames ([`looks_multiplexed`]) and raw
/// TTY bytes otherwise, because Docker sends `raw-stream` for both before 1.42 and for `exec` at every version.
pub fn decode(content_type: Option<&str>, bytes: &[u8]) -> Result<StreamOutput, StreamError> {
    let declared = content_type.is_some_and(|c| c.to_ascii_lowercase().contains("multiplexed-stream"));
    let frames = match demux(bytes) {
        Ok(frames) if declared || !bytes.is_empty() => frames,
        Ok(_) => return Ok(StreamOutput { stdout: bytes.to_vec(), ..StreamOutput::default() }),
        Err(source) if declared => {
            return Err(StreamError { content_type: content_type.unwrap_or_default().to_string(), source });
        }
        Err(_) => return Ok(StreamOutput { stdout: bytes.to_vec(), ..StreamOutput::default() }),
    };
    let mut out = StreamOutput { format: StreamFormat::Multiplexed, frames: frames.len(), ..StreamOutput::default() };
    for f in frames {
        match f.stream {
            StreamKind::Stdin | StreamKind::Stdout => out.stdout.extend_from_slice(&f.data),
            StreamKind::Stderr => out.stderr.extend_from_slice(&f.data),
            StreamKind::SystemErr => out.system_error.extend_from_slice(&f.data),
        }
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn websocket_frames_give_their_payloads_and_kinds() {
        let mut bytes = vec![0x81, 3];
        bytes.extend(b"hi\n");
        bytes.extend([0x82, 126, 0, 2]);
        bytes.extend(b"ok");
        bytes.extend([0x88, 0]);
        let out = websocket(&bytes);
        assert_eq!(out.stdout_text(), "hi\nok");
        assert_eq!((out.format, out.frames), (StreamFormat::WebSocket, 3));
        assert_eq!(out.frame_types.into_iter().collect::<Vec<_>>(), ["binary", "close", "text"]);
        // Cut in the middle of a payload: what came of it is kept.
        let cut = websocket(&[0x82, 10, b'a', b'b']);
        assert_eq!((cut.stdout_text(), cut.frames), ("ab".to_string(), 1));
        // A masked frame is unmasked; bytes that are no frame header yet end the list.
        let masked = websocket(&[0x81, 0x82, 1, 2, 3, 4, b'o' ^ 1, b'k' ^ 2, 0x81]);
        assert_eq!((masked.stdout_text(), masked.frames), ("ok".to_string(), 1));
    }

    /// One frame of `stream` carrying `data`.
    pub(crate) fn frame(stream: u8, data: &[u8]) -> Vec<u8> {
        let mut v = vec![stream, 0, 0, 0];
        v.extend_from_slice(&(data.len() as u32).to_be_bytes());
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn demux_splits_several_frames_in_order() {
        let mut bytes = frame(1, b"out1\n");
        bytes.extend(frame(2, b"err1\n"));
        bytes.extend(frame(1, b""));
        bytes.extend(frame(0, b"in"));
        let frames = demux(&bytes).expect("valid frames");
        let kinds: Vec<StreamKind> = frames.iter().map(|f| f.stream).collect();
        assert_eq!(kinds, [StreamKind::Stdout, StreamKind::Stderr, StreamKind::Stdout, StreamKind::Stdin]);
        assert_eq!(frames[0].data, b"out1\n");
        assert_eq!(frames[1].data, b"err1\n");
        assert!(frames[2].data.is_empty());
        assert_eq!(demux(&[]).expect("empty is no frames"), []);
    }

    #[test]
    fn demux_reports_a_split_or_truncated_frame() {
        let mut bytes = frame(1, b"hello");
        let whole = bytes.len();
        bytes.extend(frame(2, b"world"));
        // Cut inside the second payload: the first frame is fine, the second is short by 2 bytes.
        let cut = &bytes[..bytes.len() - 2];
        assert_eq!(demux(cut), Err(FrameError::TruncatedPayload { offset: whole, declared: 5, have: 3 }));
        // Cut inside the second header.
        assert_eq!(demux(&bytes[..whole + 3]), Err(FrameError::TruncatedHeader { offset: whole, have: 3 }));
        // A frame delivered in two reads parses once joined.
        let (a, b) = bytes.split_at(whole + 4);
        assert!(demux(a).is_err());
        assert_eq!(demux(&[a, b].concat()).expect("joined").len(), 2);
    }

    #[test]
    fn demux_rejects_a_bad_stream_byte_and_padding() {
        let mut bytes = frame(1, b"ok");
        bytes.extend(frame(4, b"x"));
        assert_eq!(demux(&bytes), Err(FrameError::BadStream { offset: 10, byte: 4 }));
        let mut padded = frame(2, b"x");
        padded[2] = 7;
        assert_eq!(demux(&padded), Err(FrameError::BadPadding { offset: 0, padding: [0, 7, 0] }));
        // Stream 3 is the daemon's own error (moby stdcopy.Systemerr).
        assert_eq!(demux(&frame(3, b"boom")).expect("systemerr")[0].stream, StreamKind::SystemErr);
    }

    #[test]
    fn raw_tty_bytes_are_not_frames() {
        let tty = b"dockmatrix-tty\r\n";
        assert!(!looks_multiplexed(tty));
        assert!(matches!(demux(tty), Err(FrameError::BadStream { offset: 0, byte: b'd' })));
        let out = decode(Some("application/vnd.docker.raw-stream"), tty).expect("raw is fine");
        assert_eq!((out.format, out.frames, out.stdout_text()), (StreamFormat::Raw, 0, "dockmatrix-tty\r\n".into()));
        assert!(!looks_multiplexed(b""));
    }

    #[test]
    fn decode_follows_the_content_type_and_the_bytes() {
        let mut bytes = frame(1, b"out\n");
        bytes.extend(frame(2, b"err\n"));
        bytes.extend(frame(3, b"daemon broke"));
        for ct in [Some("application/vnd.docker.raw-stream"), Some("application/vnd.docker.multiplexed-stream"), None] {
            let out = decode(ct, &bytes).expect("frames");
            assert_eq!(out.format, StreamFormat::Multiplexed, "{ct:?}");
            assert_eq!((out.frames, out.stdout_text(), out.stderr_text()), (3, "out\n".into(), "err\n".into()));
            assert_eq!(out.system_error, b"daemon broke");
        }
        let err = decode(Some("application/vnd.docker.multiplexed-stream"), b"plain text").expect_err("not frames");
        assert_eq!(err.source, FrameError::BadStream { offset: 0, byte: b'p' });
        assert!(err.to_string().contains("says multiplexed"), "{err}");
        let empty = decode(Some("application/vnd.docker.multiplexed-stream"), b"").expect("no frames yet");
        assert_eq!((empty.format, empty.frames), (StreamFormat::Multiplexed, 0));
        assert_eq!(decode(None, b"").expect("empty").format, StreamFormat::Raw);
    }
}
