//! A hijacked stream's summary (`Evidence::stream_summary`) as the report formats show it: the same fields, in the
//! same order and words, wherever a format shows a probe's evidence (the terminal table and Markdown for failures,
//! JUnit for every test case, the HTML evidence panel; the JSON report is the run record and holds the summary
//! itself).

use crate::model::{StreamFormat, StreamSummary};

/// Characters of the first stdout and stderr text that the one-line form quotes (the HTML evidence panel shows
/// all the summary kept).
pub const TEXT_EXCERPT: usize = 80;

/// The summary's fields, labelled, in the order every format shows them: format, frames (multiplexed streams
/// only), stdout and stderr (bytes, then the first text quoted, cut at `text_cap` characters with `…`), stdin
/// (when anything was written), how reading ended, whether the daemon upgraded the connection (101), and the
/// stream's error when it had one.
pub fn fields(s: &StreamSummary, text_cap: usize) -> Vec<(&'static str, String)> {
    let bytes = |n: u64, text: &str| {
        if text.is_empty() {
            return format!("{n} B");
        }
        let cut: String = text.chars().take(text_cap).collect();
        let more = if cut.len() < text.len() { "…" } else { "" };
        format!("{n} B {}{more}", serde_json::Value::String(cut))
    };
    let mut out = vec![("format", s.format.to_string())];
    if s.format == StreamFormat::Multiplexed {
        out.push(("frames", s.frames.to_string()));
    }
    out.push(("stdout", bytes(s.stdout_bytes, &s.stdout)));
    out.push(("stderr", bytes(s.stderr_bytes, &s.stderr)));
    if s.stdin_bytes > 0 {
        out.push(("stdin", format!("{} B", s.stdin_bytes)));
    }
    out.push(("ended by", s.ended_by.to_string()));
    out.push(("upgraded", if s.upgraded { "yes (101)" } else { "no" }.to_string()));
    if let Some(e) = &s.error {
        out.push(("error", e.clone()));
    }
    out
}

/// The fields on one line, `label: value; …`:
/// `format: multiplexed; frames: 1; stdout: 49 B "dockmatrix-…\n"; stderr: 0 B; stdin: 54 B; ended by: expected
/// output; upgraded: yes (101)`.
pub fn line(s: &StreamSummary) -> String {
    fields(s, TEXT_EXCERPT).iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EndedBy;

    #[test]
    fn every_field_in_order_and_the_optional_ones_only_when_set() {
        let attach = StreamSummary {
            format: StreamFormat::Multiplexed,
            frames: 1,
            stdout_bytes: 49,
            stdout: "dockmatrix-b5898cb91149-container-attach-default\n".into(),
            stdin_bytes: 54,
            ended_by: EndedBy::Expected,
            upgraded: true,
            ..StreamSummary::default()
        };
        assert_eq!(
            line(&attach),
            "format: multiplexed; frames: 1; stdout: 49 B \"dockmatrix-b5898cb91149-container-attach-default\\n\"; \
             stderr: 0 B; stdin: 54 B; ended by: expected output; upgraded: yes (101)"
        );
        let broken = StreamSummary {
            format: StreamFormat::Raw,
            stdout_bytes: 300,
            stdout: "x".repeat(200),
            stderr_bytes: 5,
            stderr: "oops\n".into(),
            ended_by: EndedBy::Error,
            error: Some("connection reset by peer".into()),
            ..StreamSummary::default()
        };
        let labels: Vec<&str> = fields(&broken, TEXT_EXCERPT).iter().map(|(k, _)| *k).collect();
        assert_eq!(labels, ["format", "stdout", "stderr", "ended by", "upgraded", "error"], "no frames for raw");
        assert_eq!(fields(&broken, 3)[1].1, "300 B \"xxx\"…", "cut texts say so");
        assert_eq!(fields(&broken, 200)[1].1, format!("300 B \"{}\"", "x".repeat(200)));
        assert!(line(&broken).ends_with("; ended by: error; upgraded: no; error: connection reset by peer"));
    }
}
