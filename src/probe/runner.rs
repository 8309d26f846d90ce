//! The sweep: sends every planned case with bounded concurrency and reports each outcome as it arrives.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use super::case::ProbeCase;
use super::daemon::DaemonInfo;
use super::outcome::{BODY_EVIDENCE_CAP, Evidence, ProbeOutcome, Verdict};
use super::verdict::judge;
use crate::client::{Client, Request, Response, path};

/// Headers kept as evidence (the rest, like Date and Content-Length, change from run to run or say nothing).
pub const EVIDENCE_HEADERS: &[&str] = &[
    "api-version",
    "builder-version",
    "content-type",
    "docker-experimental",
    "ostype",
    "server",
    "swarm",
    "x-docker-container-path-stat",
];

/// The values a run substitutes into recipes.
#[derive(Debug, Clone)]
pub struct RunContext {
    /// The run id; also part of every name the run uses.
    pub run_id: String,
    /// A name made sure not to exist (`dockmatrix-missing-<run id>`).
    pub missing: String,
    /// Unix time at the start of the run.
    pub now: u64,
}

impl RunContext {
    /// A fresh context with a new run id.
    pub fn new() -> Self {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let seed = now.as_nanos() ^ (u128::from(std::process::id()) << 64);
        let run_id = format!("{:012x}", (seed ^ (seed >> 37)) & 0xffff_ffff_ffff);
        Self { missing: format!("dockmatrix-missing-{run_id}"), run_id, now: now.as_secs() }
    }

    /// Replaces `$missing`, `$now` and `$now-N` in a recipe value.
    pub fn substitute(&self, value: &str) -> String {
        if let Some(rest) = value.strip_prefix("$now-")
            && let Ok(n) = rest.parse::<u64>()
        {
            return self.now.saturating_sub(n).to_string();
        }
        if value == "$now" {
            return self.now.to_string();
        }
        value.replace("$missing", &self.missing)
    }

    fn substitute_json(&self, v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::String(s) => serde_json::Value::String(self.substitute(s)),
            serde_json::Value::Array(a) => a.iter().map(|x| self.substitute_json(x)).collect(),
            serde_json::Value::Object(o) => o.iter().map(|(k, x)| (k.clone(), self.substitute_json(x))).collect(),
            other => other.clone(),
        }
    }

    /// The request a case sends.
    pub fn request(&self, case: &ProbeCase) -> Request {
        let params: Vec<(String, String)> =
            case.recipe.params.iter().map(|(k, v)| (k.clone(), self.substitute(v))).collect();
        let query: Vec<(String, String)> =
            case.recipe.query.iter().map(|(k, v)| (k.clone(), self.substitute(v))).collect();
        let p: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let q: Vec<(&str, &str)> = query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut req = Request::new(case.endpoint.method, path::build(case.api_version, &case.endpoint.path, &p, &q));
        if let Some(body) = &case.recipe.body {
            req = req.json(&self.substitute_json(body));
        }
        if let Some(ms) = case.recipe.stream_ms {
            req = req.stream_for(Duration::from_millis(ms));
        }
        req
    }
}

impl Default for RunContext {
    fn default() -> Self {
        Self::new()
    }
}

/// The outcome of a case that was not sent.
pub fn skipped(case: &ProbeCase, reason: &str) -> ProbeOutcome {
    outcome(case, Verdict::Skipped, reason)
}

/// An outcome of `case` with no answer yet (request, status and evidence empty).
fn outcome(case: &ProbeCase, verdict: Verdict, reason: &str) -> ProbeOutcome {
    ProbeOutcome {
        endpoint: case.endpoint.id.clone(),
        tag: case.endpoint.tag.clone(),
        method: case.endpoint.method,
        path: case.endpoint.path.clone(),
        api_version: case.api_version,
        request: String::new(),
        status: None,
        verdict,
        reason: reason.to_string(),
        duration_ms: 0,
        evidence: Evidence::default(),
    }
}

/// The evidence kept of an answer.
pub fn evidence(resp: &Response) -> Evidence {
    let mut headers: Vec<(String, String)> =
        resp.headers.iter().filter(|(k, _)| EVIDENCE_HEADERS.contains(&k.as_str())).cloned().collect();
    headers.sort();
    let cut = resp.body.len().min(BODY_EVIDENCE_CAP);
    let body = (cut > 0).then(|| String::from_utf8_lossy(&resp.body[..cut]).into_owned());
    Evidence {
        headers,
        body,
        body_len: resp.body.len() as u64,
        body_truncated: resp.truncated || resp.body.len() > BODY_EVIDENCE_CAP,
        stream: None,
        stream_summary: None,
    }
}

/// Sends one case and judges the answer.
pub async fn probe(client: &Client, ctx: &RunContext, case: &ProbeCase, daemon: &DaemonInfo) -> ProbeOutcome {
    if let Some(reason) = &case.skip {
        return skipped(case, reason);
    }
    let req = ctx.request(case);
    let request = req.path.clone();
    let start = Instant::now();
    let result = client.send(req).await;
    let duration_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut out = match result {
        Ok(resp) => {
            let (verdict, reason) = judge(case, &resp, daemon);
            let mut out = outcome(case, verdict, &reason);
            out.status = Some(resp.status);
            out.evidence = evidence(&resp);
            out
        }
        Err(e) => outcome(case, Verdict::Error, &e.to_string()),
    };
    out.request = request;
    out.duration_ms = duration_ms;
    out
}

/// Runs every case with at most `jobs` in flight, sending each outcome on `tx` as it finishes. Stops launching new
/// cases when `cancel` turns true, and aborts those in flight. Returns whether every case ran.
pub async fn sweep(
    client: &Client,
    ctx: &RunContext,
    daemon: &DaemonInfo,
    cases: Vec<ProbeCase>,
    jobs: usize,
    tx: mpsc::UnboundedSender<ProbeOutcome>,
    mut cancel: watch::Receiver<bool>,
) -> bool {
    let limit = Arc::new(Semaphore::new(jobs.max(1)));
    let serial = Arc::new(tokio::sync::Mutex::new(()));
    let daemon = Arc::new(daemon.clone());
    let mut set = JoinSet::new();
    for case in cases {
        if case.skip.is_some() {
            let _ = tx.send(skipped(&case, case.skip.as_deref().unwrap_or_default()));
            continue;
        }
        let permit = tokio::select! {
            p = limit.clone().acquire_owned() => p,
            _ = cancel.wait_for(|c| *c) => break,
        };
        let Ok(permit) = permit else { break };
        let (client, ctx, daemon, tx, serial) =
            (client.clone(), ctx.clone(), daemon.clone(), tx.clone(), serial.clone());
        set.spawn(async move {
            let _one_at_a_time = if case.recipe.serial { Some(serial.lock().await) } else { None };
            let outcome = probe(&client, &ctx, &case, &daemon).await;
            let _ = tx.send(outcome);
            drop(permit);
        });
        while set.try_join_next().is_some() {}
    }
    loop {
        tokio::select! {
            next = set.join_next() => if next.is_none() { break },
            _ = cancel.wait_for(|c| *c) => { set.abort_all(); return false; }
        }
    }
    !*cancel.borrow()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_tokens() {
        let ctx = RunContext { run_id: "abc".into(), missing: "dockmatrix-missing-abc".into(), now: 1000 };
        assert_eq!(ctx.substitute("$missing"), "dockmatrix-missing-abc");
        assert_eq!(ctx.substitute("$missing-renamed"), "dockmatrix-missing-abc-renamed");
        assert_eq!(ctx.substitute("$now"), "1000");
        assert_eq!(ctx.substitute("$now-1"), "999");
        assert_eq!(ctx.substitute("plain"), "plain");
    }
}
