//! The sweep: sends every planned case with bounded concurrency and reports each outcome as it arrives.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::{RwLock, Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use super::case::ProbeCase;
use super::conform::conform;
use super::verdict::judge;
use crate::client::{Client, Request, Response, path};
use crate::conformance::Checker;
use crate::fixture::ops::Ops;
use crate::fixture::{Fixtures, Private, own_token, tar_of};
use crate::matrix::model::Hijack;
use crate::model::labels::missing_name;
use crate::model::{BODY_EVIDENCE_CAP, DaemonInfo, Evidence, Method, ProbeOutcome, Verdict, template};

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

/// The values a run substitutes into recipes: its id, a name made sure not to exist, the time, and the fixtures.
#[derive(Debug, Clone)]
pub struct RunContext {
    /// The run id; also part of every name the run uses and the value of its `dockmatrix.run` label.
    pub run_id: String,
    /// A name made sure not to exist (`dockmatrix-missing-<run id>`).
    pub missing: String,
    /// Unix time at the start of the run.
    pub now: u64,
    /// The shared fixtures (empty until they are made).
    pub fixtures: Arc<Fixtures>,
    /// What checks answers against the spec of their version; `None` skips the check (`--no-conformance`).
    pub checker: Option<Arc<Checker>>,
}

impl RunContext {
    /// A fresh context with a new run id.
    pub fn new() -> Self {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let seed = now.as_nanos() ^ (u128::from(std::process::id()) << 64);
        let run_id = format!("{:012x}", (seed ^ (seed >> 37)) & 0xffff_ffff_ffff);
        Self { missing: missing_name(&run_id), run_id, now: now.as_secs(), fixtures: Arc::default(), checker: None }
    }

    /// The value of `token` for `case`: the case's own fixture first, then the shared fixtures, then the run's.
    fn lookup(&self, token: &str, case: &ProbeCase, own: Option<&(&'static str, String)>) -> Option<String> {
        if let Some((t, v)) = own
            && *t == token
        {
            return Some(v.clone());
        }
        if let Some(v) = self.fixtures.shared.get(token) {
            return Some(v.clone());
        }
        match token {
            "missing" => Some(self.missing.clone()),
            "now" => Some(self.now.to_string()),
            "run" => Some(self.run_id.clone()),
            "ver" => Some(version_tag(case)),
            "name" => {
                Some(format!("dockmatrix-{}-{}-{}", self.run_id, case.endpoint.id.replace('.', "-"), version_tag(case)))
            }
            _ => None,
        }
    }

    /// Fills in the tokens of `value` for `case` (see [`crate::matrix::tokens::TOKENS`]); a token without a value
    /// (a fixture that was not made) stays as written.
    pub fn substitute(&self, value: &str, case: &ProbeCase, own: Option<&(&'static str, String)>) -> String {
        template::substitute_keeping(value, &|t| self.lookup(t, case, own))
    }

    /// The request a case sends, with `own` the value of the case's own fixture, if it has one.
    pub fn request(&self, case: &ProbeCase, own: Option<&(&'static str, String)>) -> Request {
        let fill = |v: &str| Ok::<_, std::convert::Infallible>(self.substitute(v, case, own));
        let Ok(filled) = case.recipe.request().fill(&fill);
        let (e, body) = (&case.endpoint, filled.body.as_ref());
        let mut req = Request::to(e.method, case.api_version, &e.path, &filled.params, &filled.query, body);
        if let Some(upload) = &case.recipe.upload {
            let tar = if upload.saved_image {
                self.fixtures.saved_image.as_deref().cloned().unwrap_or_default()
            } else {
                let filled: Vec<(String, String)> = upload
                    .archive
                    .iter()
                    .map(|(k, v)| (self.substitute(k, case, own), self.substitute(v, case, own)))
                    .collect();
                tar_of(filled.iter().map(|(k, v)| (k.as_str(), v.as_bytes())))
            };
            req = req.body("application/x-tar", tar);
        }
        if let Some(ms) = case.recipe.stream_ms {
            req = req.stream_for(Duration::from_millis(ms));
        }
        req
    }
}

/// The case's API version as a name part: `v1-41`, or `default` when unversioned.
fn version_tag(case: &ProbeCase) -> String {
    case.api_version.map_or_else(|| "default".to_string(), |v| format!("v{}", v.to_string().replace('.', "-")))
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
        conformance: None,
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

/// Sends one case and judges the answer; `own` is the value of the case's own fixture, if it has one.
pub async fn probe(
    client: &Client,
    ctx: &RunContext,
    case: &ProbeCase,
    daemon: &DaemonInfo,
    own: Option<&(&'static str, String)>,
) -> ProbeOutcome {
    if let Some(reason) = &case.skip {
        return skipped(case, reason);
    }
    if let Some(h) = &case.recipe.hijack {
        return hijacked(client, ctx, case, daemon, own, h).await;
    }
    let req = ctx.request(case, own);
    let request = req.path.clone();
    let start = Instant::now();
    let result = client.send(req).await;
    let duration_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut out = match result {
        Ok(resp) => {
            if case.recipe.remove_created && (200..300).contains(&resp.status) {
                remove_created(client, case, &resp).await;
            }
            let (verdict, reason) = judge(case, &resp, daemon);
            let mut out = outcome(case, verdict, &reason);
            out.status = Some(resp.status);
            out.evidence = evidence(&resp);
            if let Some(checker) = &ctx.checker {
                conform(&mut out, checker, case, daemon, &resp);
            }
            out
        }
        Err(e) => outcome(case, Verdict::Error, &e.to_string()),
    };
    out.request = request;
    out.duration_ms = duration_ms;
    out
}

/// Sends a hijacked case (attach, exec start): writes the recipe's input, reads for the stream window, and is `ok`
/// only when the output holds the expected text in a well-formed stream.
async fn hijacked(
    client: &Client,
    ctx: &RunContext,
    case: &ProbeCase,
    daemon: &DaemonInfo,
    own: Option<&(&'static str, String)>,
    h: &Hijack,
) -> ProbeOutcome {
    let mut req = ctx.request(case, own);
    let request = req.path.clone();
    let mut input = h.input.as_deref().map(|i| ctx.substitute(i, case, own).into_bytes());
    if h.websocket {
        for (k, v) in WEBSOCKET_HEADERS {
            req.headers.push(((*k).to_string(), (*v).to_string()));
        }
        input = input.map(|i| websocket_frame(&i));
    }
    let expect = ctx.substitute(&h.expect, case, own);
    let window = Duration::from_millis(case.recipe.stream_ms.unwrap_or(DEFAULT_HIJACK_MS));
    let start = Instant::now();
    let result = client.hijack_until(req, input, window, Some(expect.as_bytes())).await;
    let mut out = match result {
        Ok(answer) => {
            let resp = answer.to_response();
            let (mut verdict, mut reason) = judge(case, &resp, daemon);
            let mut ev = evidence(&resp);
            if let Some(summary) = answer.summary() {
                // The frames are in the summary; raw stream bytes in the evidence would only be noise.
                ev.body = None;
                ev.stream = Some(summary.describe());
                if verdict == Verdict::Ok {
                    match answer.output() {
                        Err(e) => (verdict, reason) = (Verdict::Incompatible, format!("malformed stream: {e}")),
                        Ok(o) if !o.stdout_text().contains(&expect) => {
                            (verdict, reason) = (
                                Verdict::Incompatible,
                                format!("the output within {} ms lacks `{expect}`", window.as_millis()),
                            );
                        }
                        Ok(_) => {}
                    }
                }
                ev.stream_summary = Some(summary);
            }
            let mut out = outcome(case, verdict, &reason);
            out.status = Some(resp.status);
            out.evidence = ev;
            out
        }
        Err(e) => outcome(case, Verdict::Error, &e.to_string()),
    };
    out.request = request;
    out.duration_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    out
}

/// The handshake of a WebSocket client (RFC 6455); the daemon's frames to us are unmasked, so their text is read as
/// is.
const WEBSOCKET_HEADERS: &[(&str, &str)] = &[
    ("Connection", "Upgrade"),
    ("Upgrade", "websocket"),
    ("Sec-WebSocket-Version", "13"),
    ("Sec-WebSocket-Key", "ZG9ja21hdHJpeC1wcm9iZQ=="),
];

/// `payload` as one masked binary WebSocket frame, as a client must send it.
fn websocket_frame(payload: &[u8]) -> Vec<u8> {
    const MASK: [u8; 4] = [0x64, 0x6d, 0x78, 0x21];
    let mut frame = vec![0x82];
    match payload.len() {
        n @ 0..=125 => frame.push(0x80 | n as u8),
        n @ 126..=0xffff => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&MASK);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
    frame
}

/// How long a hijacked probe reads when its recipe sets no `stream_ms`.
const DEFAULT_HIJACK_MS: u64 = 2000;

/// Removes the object a create answered with (its `Id`, else its `Name`); teardown catches any this misses.
async fn remove_created(client: &Client, case: &ProbeCase, resp: &Response) {
    let Some(v) = resp.json() else { return };
    let Some(id) = v.get("Id").or_else(|| v.get("Name")).and_then(|x| x.as_str()) else { return };
    let Some(base) = case.endpoint.path.strip_suffix("/create") else { return };
    let path = path::build(None, &format!("{base}/{{x}}"), &[("x", id)], &[("force", "1")]);
    let _ = client.send(Request::new(Method::Delete, path)).await;
}

/// Whether the daemon enforces `case`'s version (an unversioned case always counts): outside it, the daemon
/// rejects the request before it looks at any fixture, so none is prepared.
fn enforced(case: &ProbeCase, daemon: &DaemonInfo) -> bool {
    match (case.api_version, daemon.enforced_min, daemon.enforced_max) {
        (Some(v), Some(lo), Some(hi)) => lo <= v && v <= hi,
        _ => true,
    }
}

/// What every task of a sweep shares.
struct Shared {
    client: Client,
    ctx: RunContext,
    daemon: Arc<DaemonInfo>,
    limit: Arc<Semaphore>,
    serial: Arc<RwLock<()>>,
    tx: mpsc::UnboundedSender<ProbeOutcome>,
}

/// Sends the cases of one endpoint whose recipe has its own fixture, one after another, preparing the fixture
/// before each; each case takes a permit of `limit` while it runs.
async fn chain(sweep: Shared, cases: Vec<ProbeCase>, lane: usize) {
    let Shared { client, ctx, daemon, limit, serial, tx } = sweep;
    let Some(first) = cases.first() else { return };
    let Some(kind) = first.recipe.fixture else { return };
    let ops = Ops::new(&client, &ctx.run_id);
    let mut own = Private::new(kind, &first.endpoint.id, &ctx.run_id, lane);
    for case in cases {
        let Ok(_permit) = limit.acquire().await else { return };
        let _turn = Turn::take(&serial, case.recipe.serial).await;
        let value = if enforced(&case, &daemon) {
            let name = ctx.substitute("$name", &case, None);
            // One more try after a pause: making a fixture is setup, not the probe, and a daemon under load can
            // refuse it once (Podman 4.3's network create: "route ip+net: no such network interface").
            let prepared = match own.prepare(&ops, &ctx.fixtures, &name).await {
                Ok(v) => Ok(v),
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                    own.prepare(&ops, &ctx.fixtures, &name).await
                }
            };
            match prepared {
                Ok(v) => v,
                Err(e) => {
                    let mut out = outcome(&case, Verdict::Error, &format!("fixture: {e}"));
                    out.request = ctx.request(&case, None).path;
                    let _ = tx.send(out);
                    continue;
                }
            }
        } else {
            (own_token(kind), ctx.missing.clone())
        };
        let _ = tx.send(probe(&client, &ctx, &case, &daemon, Some(&value)).await);
    }
}

/// A case's hold on the sweep: shared for most, exclusive for `serial` ones, which then run with nothing else in
/// flight. Prunes act on every object that matches, and daemons race against what runs beside them (Podman 4.3's
/// network prune answers 500 when a container goes away meanwhile; its tags and untags of one image lose updates):
/// run alone, their answers do not depend on `--jobs`.
enum Turn<'a> {
    Shared(#[expect(dead_code, reason = "held for its drop")] tokio::sync::RwLockReadGuard<'a, ()>),
    Alone(#[expect(dead_code, reason = "held for its drop")] tokio::sync::RwLockWriteGuard<'a, ()>),
}

impl<'a> Turn<'a> {
    async fn take(lock: &'a RwLock<()>, alone: bool) -> Turn<'a> {
        if alone { Turn::Alone(lock.write().await) } else { Turn::Shared(lock.read().await) }
    }
}

/// How many chains an endpoint with its own fixture is split into.
pub const CHAIN_LANES: usize = 4;

/// Runs every case with at most `jobs` in flight, sending each outcome on `tx` as it finishes. The cases of an
/// endpoint with its own fixture run in order, in one chain; chains and the other cases run side by side. Stops
/// launching new cases when `cancel` turns true, and aborts those in flight. Returns whether every case ran.
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
    let serial = Arc::new(RwLock::new(()));
    let daemon = Arc::new(daemon.clone());
    let mut set = JoinSet::new();
    let mut chains: Vec<(String, Vec<ProbeCase>)> = Vec::new();
    let mut singles = Vec::new();
    let mut last = Vec::new();
    for case in cases {
        if let Some(reason) = &case.skip {
            let _ = tx.send(skipped(&case, reason));
        } else if case.recipe.after_sweep {
            last.push(case);
        } else if case.recipe.fixture.is_some() {
            match chains.iter_mut().find(|(id, _)| *id == case.endpoint.id) {
                Some((_, list)) => list.push(case),
                None => chains.push((case.endpoint.id.clone(), vec![case])),
            }
        } else {
            singles.push(case);
        }
    }
    // Chains first: they are the longest, so they start while the single cases fill the other permits. An
    // endpoint's cases are dealt to CHAIN_LANES chains, each with its own fixture, so no one chain is the whole run.
    // A `serial` endpoint runs alone anyway, so it gets one lane: its cases then run in plan order, every run.
    for (_, list) in chains {
        let n = if list.first().is_some_and(|c| c.recipe.serial) { 1 } else { CHAIN_LANES };
        let mut lanes: Vec<Vec<ProbeCase>> = vec![Vec::new(); n];
        for (i, case) in list.into_iter().enumerate() {
            lanes[i % n].push(case);
        }
        for (i, lane) in lanes.into_iter().enumerate().filter(|(_, l)| !l.is_empty()) {
            let shared = Shared {
                client: client.clone(),
                ctx: ctx.clone(),
                daemon: daemon.clone(),
                limit: limit.clone(),
                serial: serial.clone(),
                tx: tx.clone(),
            };
            set.spawn(chain(shared, lane, i));
        }
    }
    // Versions interleaved (every endpoint at one version, then the next), so slow endpoints (stats waits for the
    // daemon's sampling tick, build and commit keep it busy) do not hold every permit at once.
    singles.sort_by_key(|c| c.api_version);
    for case in singles {
        let permit = tokio::select! {
            p = limit.clone().acquire_owned() => p,
            _ = cancel.wait_for(|c| *c) => break,
        };
        let Ok(permit) = permit else { break };
        let (client, ctx, daemon, tx, serial) =
            (client.clone(), ctx.clone(), daemon.clone(), tx.clone(), serial.clone());
        set.spawn(async move {
            let _turn = Turn::take(&serial, case.recipe.serial).await;
            let outcome = probe(&client, &ctx, &case, &daemon, None).await;
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
    // What must see the daemon at rest goes last, one at a time.
    for case in last {
        tokio::select! {
            outcome = probe(client, ctx, &case, &daemon, None) => { let _ = tx.send(outcome); }
            _ = cancel.wait_for(|c| *c) => return false,
        }
    }
    !*cancel.borrow()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::model::Recipe;
    use crate::model::Method;

    fn case(id: &str, version: Option<crate::model::ApiVersion>, recipe: Recipe) -> ProbeCase {
        let endpoint = crate::matrix::Endpoint {
            id: id.into(),
            method: Method::Post,
            path: "/containers/{id}/stop".into(),
            first: crate::model::ApiVersion::new(1, 0),
            last: None,
            tag: "Container".into(),
            operation_id: None,
            summary: String::new(),
            notes: Vec::new(),
        };
        ProbeCase { endpoint, api_version: version, recipe, skip: None }
    }

    #[test]
    fn masks_websocket_frames() {
        let frame = websocket_frame(b"echo hi\n");
        assert_eq!(&frame[..2], &[0x82, 0x80 | 8]);
        let mask = &frame[2..6];
        let unmasked: Vec<u8> = frame[6..].iter().enumerate().map(|(i, b)| b ^ mask[i % 4]).collect();
        assert_eq!(unmasked, b"echo hi\n");
        assert_eq!(&websocket_frame(&[b'x'; 200])[1..4], &[0x80 | 126, 0, 200]);
    }

    #[test]
    fn fills_the_case_and_fixture_tokens() {
        let mut fixtures = Fixtures::default();
        fixtures.shared.insert("container", "shared-id".into());
        let ctx = RunContext {
            run_id: "abc".into(),
            missing: "dockmatrix-missing-abc".into(),
            now: 1000,
            fixtures: Arc::new(fixtures),
            checker: None,
        };
        let recipe = Recipe {
            params: [("id".to_string(), "$container".to_string())].into(),
            query: [("t".to_string(), "0".to_string()), ("name".to_string(), "$name".to_string())].into(),
            ..Recipe::default()
        };
        let c = case("container.stop", Some(crate::model::ApiVersion::new(1, 41)), recipe);
        assert_eq!(
            ctx.request(&c, None).path,
            "/v1.41/containers/shared-id/stop?name=dockmatrix-abc-container-stop-v1-41&t=0"
        );
        let own = ("container", "own-id".to_string());
        assert!(ctx.request(&c, Some(&own)).path.starts_with("/v1.41/containers/own-id/stop"));
        assert_eq!(ctx.substitute("$ver", &case("x", None, Recipe::default()), None), "default");
    }
}
