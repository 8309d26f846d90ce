//! What a run shows on stderr while it goes: an indicatif progress bar, and with `--verbose` one line per request.
//!
//! The bar shows probes done of the total, the endpoint just answered and the elapsed time. It is drawn only
//! when stderr is a terminal and `--quiet` is off; log lines go through [`indicatif::ProgressBar::suspend`] so
//! they never land inside the bar, and they are written whether or not the bar is drawn.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::model::{ProbeOutcome, RequestVersion, Verdict};

/// `⠋ [00:00:03] ███████░░░░░ 812/2034 container.list v1.41`
const TEMPLATE: &str = "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} probes  {wide_msg}";

/// The progress of one sweep on stderr.
pub struct Progress {
    bar: ProgressBar,
    verbose: bool,
}

impl Progress {
    /// A bar over `total` probes: drawn when stderr is a terminal and not `quiet`; `verbose` logs every request.
    pub fn new(total: usize, quiet: bool, verbose: bool) -> Self {
        let drawn = !quiet && std::io::stderr().is_terminal();
        let target = if drawn { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(Some(total as u64), target);
        if drawn {
            let style = ProgressStyle::with_template(TEMPLATE)
                .expect("the template is a valid indicatif template")
                .progress_chars("█▉▊▋▌▍▎▏ ");
            bar.set_style(style);
            // Redraw on a timer too, so the elapsed time moves while a slow probe holds the next tick back.
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        Self { bar, verbose }
    }

    /// Counts one finished probe, shows its endpoint, and logs it with `--verbose`.
    pub fn tick(&mut self, outcome: &ProbeOutcome) {
        if self.verbose {
            let line = request_line(outcome);
            self.bar.suspend(|| {
                let _ = writeln!(std::io::stderr().lock(), "{line}");
            });
        }
        self.bar.set_message(format!("{} {}", outcome.endpoint, outcome.version_label()));
        self.bar.inc(1);
    }

    /// Clears the bar (the summary that follows starts on a clean line).
    pub fn finish(&mut self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        // An early return (an output error mid-sweep) must not leave the bar or its ticker thread behind.
        if !self.bar.is_finished() {
            self.bar.finish_and_clear();
        }
    }
}

/// One `--verbose` line: `GET /v1.41/containers/json?all=1 -> 200 ok (3 ms)`, then `: reason` when there is one.
pub fn request_line(p: &ProbeOutcome) -> String {
    let reason = if p.reason.is_empty() {
        String::new()
    } else {
        // Daemon messages may span lines; the log keeps one line per request.
        format!(": {}", p.reason.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    if p.verdict == Verdict::Skipped {
        let at = format!("{:#}", RequestVersion(p.api_version));
        return format!("{} {} {at} -> not sent, skipped{reason}", p.method, p.path);
    }
    let status = p.status.map_or_else(|| "no answer".to_string(), |s| s.to_string());
    format!("{} {} -> {status} {} ({} ms){reason}", p.method, p.request, p.verdict, p.duration_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ApiVersion;
    use crate::model::Evidence;
    use crate::model::Method;

    fn outcome(verdict: Verdict, status: Option<u16>, reason: &str) -> ProbeOutcome {
        ProbeOutcome {
            endpoint: "container.list".into(),
            tag: "Container".into(),
            method: Method::Get,
            path: "/containers/json".into(),
            api_version: Some(ApiVersion::new(1, 41)),
            request: "/v1.41/containers/json?all=1".into(),
            status,
            verdict,
            reason: reason.into(),
            duration_ms: 3,
            evidence: Evidence::default(),
            conformance: None,
            retried: None,
            observed: Default::default(),
        }
    }

    #[test]
    fn logs_one_line_per_request_with_status_verdict_and_time() {
        assert_eq!(
            request_line(&outcome(Verdict::Ok, Some(200), "")),
            "GET /v1.41/containers/json?all=1 -> 200 ok (3 ms)"
        );
        assert_eq!(
            request_line(&outcome(Verdict::Incompatible, Some(500), "server error 500:\nboom\n")),
            "GET /v1.41/containers/json?all=1 -> 500 incompatible (3 ms): server error 500: boom"
        );
        assert_eq!(
            request_line(&outcome(Verdict::Error, None, "request timed out after 30s")),
            "GET /v1.41/containers/json?all=1 -> no answer error (3 ms): request timed out after 30s"
        );
    }

    #[test]
    fn logs_skipped_probes_by_their_path_since_nothing_was_sent() {
        let mut p = outcome(Verdict::Skipped, None, "class registry not allowed");
        p.request.clear();
        p.api_version = None;
        assert_eq!(
            request_line(&p),
            "GET /containers/json unversioned -> not sent, skipped: class registry not allowed"
        );
    }

    #[test]
    fn a_quiet_bar_is_hidden_but_still_counts() {
        let mut progress = Progress::new(2, true, false);
        assert!(progress.bar.is_hidden());
        progress.tick(&outcome(Verdict::Ok, Some(200), ""));
        assert_eq!(progress.bar.position(), 1);
        assert_eq!(progress.bar.message(), "container.list 1.41");
        progress.finish();
        assert!(progress.bar.is_finished());
    }
}
