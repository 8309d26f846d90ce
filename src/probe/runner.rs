//! The sweep: sends every planned case with bounded concurrency and reports each outcome as it arrives.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use super::case::ProbeCase;
use super::conform::conform;
use super::observe;
use super::verdict::judge;
use crate::client::{Client, Request, Response, path};
use crate::conformance::Checker;
use crate::fixture::ops::Ops;
use crate::fixture::{Fixtures, Own, Private, own_tokens, tar_of};
use crate::matrix::model::Hijack;
use crate::model::labels::{missing_name, name_part, run_name};
use crate::model::{
    ApiVersion, BODY_EVIDENCE_CAP, DaemonInfo, Evidence, Method, ProbeOutcome, Verdict, field_paths, template,
};

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
    /// The paths the cases' `remove_later` named, to `DELETE` when the sweep's concurrent cases are over.
    pub later: Arc<Mutex<Vec<String>>>,
}

impl RunContext {
    /// A fresh context with a new run id.
    pub fn new() -> Self {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let seed = now.as_nanos() ^ (u128::from(std::process::id()) << 64);
        let run_id = format!("{:012x}", (seed ^ (seed >> 37)) & 0xffff_ffff_ffff);
        Self {
            missing: missing_name(&run_id),
            run_id,
            now: now.as_secs(),
            fixtures: Arc::default(),
            checker: None,
            later: Arc::default(),
        }
    }

    /// The value of `token` for `case`: the case's own fixture first, then the shared fixtures, then the run's.
    fn lookup(&self, token: &str, case: &ProbeCase, own: Option<&Own>) -> Option<String> {
        if let Some((_, v)) = own.into_iter().flatten().find(|(t, _)| *t == token) {
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
            "name" => Some(run_name(&self.run_id, &format!("{}-{}", name_part(&case.endpoint.id), version_tag(case)))),
            _ => None,
        }
    }

    /// Fills in the tokens of `value` for `case` (see [`crate::matrix::tokens::TOKENS`]); a token without a value
    /// (a fixture that was not made) stays as written.
    pub fn substitute(&self, value: &str, case: &ProbeCase, own: Option<&Own>) -> String {
        template::substitute_keeping(value, &|t| self.lookup(t, case, own))
    }

    /// The request a case sends, with `own` the value of the case's own fixture, if it has one.
    pub fn request(&self, case: &ProbeCase, own: Option<&Own>) -> Request {
        let fill = |v: &str| Ok::<_, std::convert::Infallible>(self.substitute(v, case, own));
        let Ok(filled) = case.recipe.request().fill(&fill);
        let (e, body) = (&case.endpoint, filled.body.as_ref());
        let mut req = Request::to(e.method, case.api_version, &e.path, &filled.params, &filled.query, body);
        if let Some(raw) = &case.recipe.raw_body {
            req = req.body("application/json", self.substitute(raw, case, own).into_bytes());
        }
        for (k, v) in &case.recipe.headers {
            req.headers.push((k.clone(), self.substitute(v, case, own)));
        }
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
        if let Some(ms) = case.recipe.stream_quiet_ms {
            req = req.quiet_after(Duration::from_millis(ms));
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
        retried: None,
        observed: Default::default(),
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
        json_stream: false,
        stream: None,
        stream_summary: None,
        fields: cut_fields(resp),
    }
}

/// The field paths of a whole JSON answer longer than the evidence keeps (see [`Evidence::fields`]).
fn cut_fields(resp: &Response) -> Vec<String> {
    if resp.body.len() <= BODY_EVIDENCE_CAP || resp.truncated {
        return Vec::new();
    }
    let Some(v) = observe::json_values(&resp.body) else { return Vec::new() };
    field_paths(&v, &str::to_string).into_iter().collect()
}

/// Sends one case and judges the answer; `own` is the value of the case's own fixture, if it has one.
pub async fn probe(
    client: &Client,
    ctx: &RunContext,
    case: &ProbeCase,
    daemon: &DaemonInfo,
    own: Option<&Own>,
) -> ProbeOutcome {
    if let Some(reason) = &case.skip {
        return skipped(case, reason);
    }
    if let Some(h) = &case.recipe.hijack {
        return hijacked(client, ctx, case, daemon, own, h).await;
    }
    let current;
    let case = if case.recipe.current {
        current = as_it_is(client, ctx, case, own).await;
        &current
    } else {
        case
    };
    let req = ctx.request(case, own);
    let request = req.path.clone();
    let start = Instant::now();
    let result = client.send(req).await;
    let duration_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut out = match result {
        Ok(resp) => {
            let observed = observed(client, ctx, case, own, &resp).await;
            if case.recipe.remove_created && (200..300).contains(&resp.status) {
                remove_created(client, case, &resp).await;
            }
            if let Some(path) = case.recipe.remove_after.as_deref().filter(|_| (200..300).contains(&resp.status)) {
                let _ = client.send(Request::new(Method::Delete, ctx.substitute(path, case, own))).await;
            }
            if let Some(path) = case.recipe.remove_later.as_deref().filter(|_| (200..300).contains(&resp.status)) {
                ctx.later.lock().unwrap_or_else(PoisonError::into_inner).push(ctx.substitute(path, case, own));
            }
            let (verdict, reason) = judge(case, &resp, daemon);
            let mut out = outcome(case, verdict, &reason);
            out.status = Some(resp.status);
            out.evidence = evidence(&resp);
            out.evidence.json_stream = case.recipe.stream_ms.is_some();
            out.observed = observed;
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

/// What the recipe observes: in the answer, or (with `follow:`) in the answer of the read it names, sent at the
/// case's version with `$created` the answer's `Id` or `ID` (its `status` is the read's); an answer that is not 2xx is
/// followed by no read and observes nothing, and a read that gets no answer observes why.
async fn observed(
    client: &Client,
    ctx: &RunContext,
    case: &ProbeCase,
    own: Option<&Own>,
    resp: &Response,
) -> std::collections::BTreeMap<String, String> {
    let wanted = &case.recipe.observe;
    let Some(follow) = case.recipe.follow.as_deref().filter(|_| !wanted.is_empty()) else {
        return observe::observe(wanted, resp, case.recipe.stream_ms.is_some());
    };
    if !(200..300).contains(&resp.status) {
        return std::collections::BTreeMap::new();
    }
    let created = resp.json().and_then(|v| created_id(&v).map(str::to_string));
    let path = template::substitute_keeping(&ctx.substitute(follow, case, own), &|t| {
        (t == "created").then(|| created.clone()).flatten()
    });
    let read = Request::to(Method::Get, case.api_version, &path, &[], &[], None);
    match client.send(read).await {
        Ok(answer) => observe::observe(wanted, &answer, false),
        Err(e) => wanted.keys().map(|k| (k.clone(), format!("read failed: {e}"))).collect(),
    }
}

/// An update case made to change nothing: the object the update names, read at the case's version (the path without
/// its last segment), gives the body (its `Spec`) and `$version` (its `Version.Index`). When it cannot be read
/// (outside a swarm), `$version` is 0 and the recipe's own body stays: the update's answer then says why.
async fn as_it_is(client: &Client, ctx: &RunContext, case: &ProbeCase, own: Option<&Own>) -> ProbeCase {
    let mut out = case.clone();
    let object = case.endpoint.path.rsplit_once('/').map_or(case.endpoint.path.as_str(), |(p, _)| p);
    let fill = |v: &str| Ok::<_, std::convert::Infallible>(ctx.substitute(v, case, own));
    let Ok(filled) = case.recipe.request().fill(&fill);
    let read = Request::to(Method::Get, case.api_version, object, &filled.params, &[], None);
    let answer = client.send(read).await.ok().filter(|r| (200..300).contains(&r.status)).and_then(|r| r.json());
    let index = answer.as_ref().and_then(|v| v.pointer("/Version/Index")).and_then(serde_json::Value::as_u64);
    let recipe = Arc::make_mut(&mut out.recipe);
    if let Some(spec) = answer.as_ref().and_then(|v| v.get("Spec")) {
        recipe.body = Some(spec.clone());
    }
    let index = index.unwrap_or(0).to_string();
    for v in recipe.query.values_mut() {
        *v = template::substitute_keeping(v, &|t| (t == "version").then(|| index.clone()));
    }
    out
}

/// Sends a hijacked case (attach, exec start): writes the recipe's input, reads for the stream window, and is `ok`
/// only when the output holds the expected text in a well-formed stream.
async fn hijacked(
    client: &Client,
    ctx: &RunContext,
    case: &ProbeCase,
    daemon: &DaemonInfo,
    own: Option<&Own>,
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
            let mut resp = answer.to_response();
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
                ev.stream_summary = Some(Box::new(summary));
            }
            let mut out = outcome(case, verdict, &reason);
            out.status = Some(resp.status);
            out.observed = observe::observe(&case.recipe.observe, &resp, false);
            if let Some(summary) = ev.stream_summary.as_deref()
                && let Some(seen) = out.observed.get_mut(observe::STREAM)
            {
                *seen = summary.shape();
            }
            out.evidence = ev;
            if let Some(checker) = &ctx.checker {
                // An upgraded connection's bytes are a stream, not a document: its status and media type are judged.
                if answer.hijacked {
                    resp.body.clear();
                    resp.truncated = false;
                }
                conform(&mut out, checker, case, daemon, &resp);
            }
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

/// The id a create answers with: `Id` (containers, networks, execs), or `ID` (services, secrets, configs).
fn created_id(v: &serde_json::Value) -> Option<&str> {
    v.get("Id").or_else(|| v.get("ID")).and_then(|x| x.as_str())
}

/// Removes the object a create answered with (its `Id` or `ID`, else its `Name`); teardown catches any this
/// misses.
pub async fn remove_created(client: &Client, case: &ProbeCase, resp: &Response) {
    let Some(v) = resp.json() else { return };
    let Some(id) = created_id(&v).or_else(|| v.get("Name").and_then(|x| x.as_str())) else { return };
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
#[derive(Clone)]
struct Shared {
    client: Client,
    ctx: RunContext,
    daemon: Arc<DaemonInfo>,
    limit: Arc<Semaphore>,
    tx: mpsc::UnboundedSender<ProbeOutcome>,
    fixture_ms: Arc<AtomicU64>,
}

/// Sends the cases of one endpoint whose recipe has its own fixture (or of one pool's endpoints), one after
/// another, preparing the fixture before each; each case takes a permit of `limit` while it runs.
async fn chain(sweep: Shared, cases: Vec<ProbeCase>, lane: usize) {
    let Shared { client, ctx, daemon, limit, tx, fixture_ms } = sweep;
    let Some(first) = cases.first() else { return };
    let Some(kind) = first.recipe.fixture else { return };
    let ops = Ops::new(&client, &ctx.run_id);
    let role = first.recipe.pool.as_ref().map_or_else(|| first.endpoint.id.clone(), |p| format!("pool.{p}"));
    let mut own = Private::new(kind, &role, &ctx.run_id, lane);
    for case in cases {
        let Ok(_permit) = limit.acquire().await else { return };
        let kind = case.recipe.fixture.unwrap_or(kind);
        let value = if enforced(&case, &daemon) {
            let name = ctx.substitute("$name", &case, None);
            let started = Instant::now();
            // One more try after a pause: making a fixture is setup, not the probe, and a daemon under load can
            // refuse it once (Podman 4.3's network create: "route ip+net: no such network interface").
            let prepared = match own.prepare(kind, &ops, &ctx.fixtures, &name).await {
                Ok(v) => Ok(v),
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                    own.prepare(kind, &ops, &ctx.fixtures, &name).await
                }
            };
            let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            fixture_ms.fetch_add(ms, Ordering::Relaxed);
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
            own_tokens(kind).iter().map(|t| (*t, ctx.missing.clone())).collect()
        };
        let _ = tx.send(probe(&client, &ctx, &case, &daemon, Some(&value)).await);
    }
    // The lane's container goes when its cases are done, beside the rest of the sweep, not in the teardown after it.
    let started = Instant::now();
    own.release(&ops).await;
    fixture_ms.fetch_add(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX), Ordering::Relaxed);
}

/// How many chains an endpoint with its own fixture is split into.
pub const CHAIN_LANES: usize = 4;

/// How a sweep ended.
#[derive(Debug)]
pub struct SweepEnd<T> {
    /// Whether every case ran (not cancelled).
    pub complete: bool,
    /// What ran beside the cases, unless cancelled first.
    pub beside: Option<T>,
    /// The time the chains spent putting their own fixtures in state, in all: daemon time the probes' durations do
    /// not show.
    pub fixture_ms: u64,
}

/// A sweep's line to its caller: where each outcome goes as it finishes, and the switch that stops the sweep.
#[derive(Debug)]
pub struct Line {
    /// Receives every outcome as soon as it is known.
    pub tx: mpsc::UnboundedSender<ProbeOutcome>,
    /// Turns true to stop the sweep.
    pub cancel: watch::Receiver<bool>,
}

/// Runs every case with at most `jobs` in flight, sending each outcome on the line as it finishes, and `beside`
/// (given the same permits) alongside them. The cases of an endpoint with its own fixture run in order, in
/// [`CHAIN_LANES`] chains; chains, the other cases and `beside` run side by side. Once all of them are over, the
/// `serial` cases run one at a time, then the `after_sweep` ones. Stops launching new cases when the line's cancel
/// turns true, and aborts those in flight and `beside`.
pub async fn sweep<T, F: Future<Output = T>>(
    client: &Client,
    ctx: &RunContext,
    daemon: &DaemonInfo,
    cases: Vec<ProbeCase>,
    jobs: usize,
    line: Line,
    beside: impl FnOnce(Arc<Semaphore>) -> F,
) -> SweepEnd<T> {
    let Line { tx, mut cancel } = line;
    let limit = Arc::new(Semaphore::new(jobs.max(1)));
    let daemon = Arc::new(daemon.clone());
    let fixture_ms = Arc::new(AtomicU64::new(0));
    let shared = || Shared {
        client: client.clone(),
        ctx: ctx.clone(),
        daemon: daemon.clone(),
        limit: limit.clone(),
        tx: tx.clone(),
        fixture_ms: fixture_ms.clone(),
    };
    let mut end = SweepEnd { complete: false, beside: None, fixture_ms: 0 };
    let mut chains: Vec<(String, Vec<ProbeCase>)> = Vec::new();
    let mut singles = Vec::new();
    let mut alone: Vec<(String, Vec<ProbeCase>)> = Vec::new();
    let mut last = Vec::new();
    for case in cases {
        if let Some(reason) = &case.skip {
            let _ = tx.send(skipped(&case, reason));
        } else if case.recipe.after_sweep {
            last.push(case);
        } else if case.recipe.serial {
            group(&mut alone, case.endpoint.id.clone(), case);
        } else if case.recipe.fixture.is_some() {
            let key = case.recipe.pool.clone().unwrap_or_else(|| case.endpoint.id.clone());
            group(&mut chains, key, case);
        } else {
            singles.push(case);
        }
    }
    // Cancelled before anything was launched: launch nothing (a chain spawned now could send a request before the
    // abort below reaches it).
    if *cancel.borrow() {
        return end;
    }
    let mut set = JoinSet::new();
    // Chains first: they are the longest, so they start while the single cases fill the other permits. An
    // endpoint's cases are dealt to CHAIN_LANES chains, each with its own fixture, so no one chain is the whole run.
    for (_, list) in chains {
        for (i, lane) in deal(list, CHAIN_LANES).into_iter().enumerate().filter(|(_, l)| !l.is_empty()) {
            set.spawn(chain(shared(), lane, i));
        }
    }
    let together = async {
        // Versions interleaved (every endpoint at one version, then the next), so slow endpoints (stats waits for
        // the daemon's sampling tick, build and commit keep it busy) do not hold every permit at once.
        singles.sort_by_key(|c| c.api_version);
        for case in singles {
            let Ok(permit) = limit.clone().acquire_owned().await else { break };
            let (client, ctx, daemon, tx) = (client.clone(), ctx.clone(), daemon.clone(), tx.clone());
            set.spawn(async move {
                let outcome = probe(&client, &ctx, &case, &daemon, None).await;
                let _ = tx.send(outcome);
                drop(permit);
            });
            while set.try_join_next().is_some() {}
        }
        while set.join_next().await.is_some() {}
    };
    let mut stop = cancel.clone();
    tokio::select! {
        (_, t) = async { tokio::join!(together, beside(limit.clone())) } => end.beside = Some(t),
        _ = stop.wait_for(|c| *c) => {
            set.abort_all();
            return end;
        }
    }
    // What the concurrent cases left for later (`Recipe::remove_later`) goes now, with nothing else in flight.
    let later = std::mem::take(&mut *ctx.later.lock().unwrap_or_else(PoisonError::into_inner));
    let removals = later.into_iter().map(|p| (p.clone(), Request::new(Method::Delete, p))).collect();
    let removed = crate::fixture::clean::send_all(client, removals, jobs);
    tokio::select! {
        _ = removed => {}
        _ = stop.wait_for(|c| *c) => return end,
    }
    // Then what must run with nothing beside it (`Recipe::serial`: prunes, tag then untag, the image list), one case
    // at a time, each endpoint's in plan order: in a phase of their own, they never make the rest wait for the
    // daemon to drain. Last, one at a time, what must see the daemon at rest (`after_sweep`).
    let alone = async {
        for (_, cases) in alone {
            if cases[0].recipe.fixture.is_some() {
                chain(shared(), cases, 0).await;
            } else {
                for case in cases {
                    let _ = tx.send(probe(client, ctx, &case, &daemon, None).await);
                }
            }
        }
        for case in last {
            let _ = tx.send(probe(client, ctx, &case, &daemon, None).await);
        }
    };
    tokio::select! {
        () = alone => end.complete = !*stop.borrow(),
        _ = cancel.wait_for(|c| *c) => {}
    }
    end.fixture_ms = fixture_ms.load(Ordering::Relaxed);
    end
}

/// Whether `case` changes the daemon's global state (`after_sweep` with a fixture of its own: the swarm's pool of
/// init, join, leave and unlock): such cases go after everything else, the refusals too ([`global`]).
pub fn is_global(case: &ProbeCase) -> bool {
    case.skip.is_none() && case.recipe.after_sweep && case.recipe.fixture.is_some()
}

/// Sends the cases that change the daemon's global state ([`is_global`]), one at a time: one chain per pool,
/// version after version, each version's cases in plan order, so an init leaves what the leave after it needs. The
/// run sends them last, when the refusals are done too: they leave the swarm, and an unlock restarts the daemon,
/// which stops the shared containers and forgets their exec instances.
pub async fn global(
    client: &Client,
    ctx: &RunContext,
    daemon: &DaemonInfo,
    cases: Vec<ProbeCase>,
) -> Vec<ProbeOutcome> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let shared = Shared {
        client: client.clone(),
        ctx: ctx.clone(),
        daemon: Arc::new(daemon.clone()),
        limit: Arc::new(Semaphore::new(1)),
        tx,
        fixture_ms: Arc::new(AtomicU64::new(0)),
    };
    let mut groups = Vec::new();
    for case in cases {
        let key = case.recipe.pool.clone().unwrap_or_else(|| case.endpoint.id.clone());
        group(&mut groups, key, case);
    }
    for (_, mut cases) in groups {
        cases.sort_by_key(|c| c.api_version);
        chain(shared.clone(), cases, 0).await;
    }
    drop(shared);
    let mut out = Vec::new();
    while let Some(o) = rx.recv().await {
        out.push(o);
    }
    out
}

/// Adds `case` to the group `key` (its endpoint, or its pool), in plan order.
fn group(groups: &mut Vec<(String, Vec<ProbeCase>)>, key: String, case: ProbeCase) {
    match groups.iter_mut().find(|(k, _)| *k == key) {
        Some((_, list)) => list.push(case),
        None => groups.push((key, vec![case])),
    }
}

/// The cases of one chain group dealt to `lanes` lanes: an endpoint's round robin; a pool's by version, each
/// version's cases together in plan order, so one container goes through them in turn.
fn deal(cases: Vec<ProbeCase>, lanes: usize) -> Vec<Vec<ProbeCase>> {
    let mut dealt: Vec<Vec<ProbeCase>> = vec![Vec::new(); lanes.max(1)];
    let mut versions: Vec<Option<ApiVersion>> = cases.iter().map(|c| c.api_version).collect();
    versions.sort();
    versions.dedup();
    let pooled = cases.first().is_some_and(|c| c.recipe.pool.is_some());
    for (i, case) in cases.into_iter().enumerate() {
        let n = if pooled { versions.binary_search(&case.api_version).unwrap_or(0) } else { i };
        dealt[n % lanes.max(1)].push(case);
    }
    if pooled {
        // Plan order is endpoint after endpoint: within a lane, a version's cases go together (stable sort).
        for lane in &mut dealt {
            lane.sort_by_key(|c| c.api_version);
        }
    }
    dealt
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::model::Recipe;
    use crate::model::Method;

    #[test]
    fn a_json_body_past_the_evidence_cap_keeps_its_text_cut_and_its_field_paths_whole() {
        let images: Vec<String> = (0..2000).map(|i| format!(r#"{{"Id":"sha256:{i:060}","Size":{i}}}"#)).collect();
        let tail = r#"{"Id":"last","VirtualSize":1}"#;
        let body = format!(r#"{{"Images":[{},{tail}],"Volumes":[]}}"#, images.join(","));
        assert!(body.len() > BODY_EVIDENCE_CAP);
        let resp = |body: &str, truncated| Response {
            status: 200,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            truncated,
            over_budget: false,
            elapsed: Duration::ZERO,
        };
        let ev = evidence(&resp(&body, false));
        assert!(ev.body_truncated && ev.body.as_ref().is_some_and(|b| b.len() == BODY_EVIDENCE_CAP));
        assert_eq!(
            ev.fields,
            ["/Images", "/Images/[]", "/Images/[]/Id", "/Images/[]/Size", "/Images/[]/VirtualSize", "/Volumes"]
        );
        assert!(evidence(&resp(&body, true)).fields.is_empty(), "a body the client cut has no whole shape");
        assert!(evidence(&resp(r#"{"Images":[]}"#, false)).fields.is_empty(), "a body kept whole needs none");
    }

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
        ProbeCase { endpoint: Arc::new(endpoint), api_version: version, recipe: Arc::new(recipe), skip: None }
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
            ..RunContext::new()
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
        let own = vec![("container", "own-id".to_string())];
        assert!(ctx.request(&c, Some(&own)).path.starts_with("/v1.41/containers/own-id/stop"));
        assert_eq!(ctx.substitute("$ver", &case("x", None, Recipe::default()), None), "default");
    }

    use std::time::Duration;

    use crate::client::host::{TlsOptions, parse};
    use crate::fake_daemon::FakeDaemon;
    use crate::matrix::model::FixtureKind;
    use crate::model::ApiVersion;

    const RUN: &str = "0123456789ab";

    fn client_of(fake: &FakeDaemon) -> Client {
        let target = parse(&fake.host(), TlsOptions::default(), "test").expect("target");
        Client::new(target, Duration::from_secs(5), 1 << 20).expect("client")
    }

    /// A case of the endpoint `id` (`method` `path`) at API 1.`minor`.
    fn case_at(id: &str, method: Method, path: &str, minor: u16, recipe: Recipe) -> ProbeCase {
        let mut c = case(id, Some(ApiVersion::new(1, minor)), recipe);
        let e = Arc::make_mut(&mut c.endpoint);
        (e.method, e.path) = (method, path.into());
        c
    }

    fn pings(minors: std::ops::RangeInclusive<u16>) -> Vec<ProbeCase> {
        minors.map(|v| case_at("system.ping", Method::Get, "/_ping", v, Recipe::default())).collect()
    }

    /// `network.inspect` of the case's own new network.
    fn own_network(id: &str, method: Method, minor: u16, serial: bool) -> ProbeCase {
        let recipe = Recipe {
            params: [("id".to_string(), "$network".to_string())].into(),
            fixture: Some(FixtureKind::Network),
            serial,
            ..Recipe::default()
        };
        case_at(id, method, "/networks/{id}", minor, recipe)
    }

    /// A fresh context of the run `RUN`, with the fake daemon's image as its only shared fixture.
    fn ctx() -> RunContext {
        let mut fixtures = Fixtures::default();
        fixtures.shared.insert("image", "busybox:test".into());
        RunContext {
            run_id: RUN.into(),
            missing: missing_name(RUN),
            now: 0,
            fixtures: Arc::new(fixtures),
            ..RunContext::new()
        }
    }

    /// A Docker 20.10 that enforces nothing it was asked about.
    fn daemon() -> DaemonInfo {
        DaemonInfo::docker((Some(ApiVersion::new(1, 12)), Some(ApiVersion::new(1, 41))), (None, None))
    }

    /// Sweeps `cases` with `jobs` permits and nothing cancelled: whether every case ran, and the outcomes in the
    /// order they arrived.
    async fn sweep_all(client: &Client, cases: Vec<ProbeCase>, jobs: usize) -> (bool, Vec<ProbeOutcome>) {
        let (tx, mut rx) = mpsc::unbounded_channel();
        // Held to the end: a dropped sender reads as a cancel.
        let (_cancel, never) = watch::channel(false);
        let end = sweep(client, &ctx(), &daemon(), cases, jobs, Line { tx, cancel: never }, |_| async {}).await;
        let mut outcomes = Vec::new();
        while let Ok(o) = rx.try_recv() {
            outcomes.push(o);
        }
        (end.complete, outcomes)
    }

    /// A recipe of the pool `power` on the case's own container in state `fixture`.
    fn pooled(fixture: FixtureKind) -> Recipe {
        Recipe {
            params: [("id".to_string(), "$container".to_string())].into(),
            fixture: Some(fixture),
            pool: Some("power".into()),
            ..Recipe::default()
        }
    }

    #[tokio::test]
    async fn a_pool_moves_one_container_per_lane_through_its_endpoints_and_sets_no_state_of_its_own() {
        let fake = FakeDaemon::stateful();
        fake.add(crate::fake_daemon::Kind::Image, "busybox:test", &[]);
        let client = client_of(&fake);
        let mut cases = Vec::new();
        // Plan order: every version of one endpoint, then the next.
        for (id, fixture) in [("container.start", FixtureKind::Stopped), ("container.stop", FixtureKind::Running)] {
            let path = format!("/containers/{{id}}/{}", id.trim_start_matches("container."));
            cases.extend([40, 41].map(|minor| case_at(id, Method::Post, &path, minor, pooled(fixture))));
        }
        let (done, outcomes) = sweep_all(&client, cases, 4).await;
        assert!(done);
        assert_eq!(outcomes.len(), 4);
        assert!(outcomes.iter().all(|o| o.verdict == Verdict::Ok && o.status == Some(204)), "{outcomes:#?}");
        // A lane per version, one container each; in a lane the start probe leaves it running for the stop
        // probe, so the fixture only looks (GET .../json) and never starts or stops it itself.
        let log = fake.log();
        let mut created: Vec<&String> = log.iter().filter(|l| l.starts_with("POST /containers/create")).collect();
        created.sort();
        assert_eq!(
            created,
            [
                "POST /containers/create?name=dockmatrix-0123456789ab-pool-power-0",
                "POST /containers/create?name=dockmatrix-0123456789ab-pool-power-1"
            ]
        );
        let moved: Vec<&String> =
            log.iter().filter(|l| l.starts_with("POST /containers/") && !l.contains("create")).collect();
        assert!(moved.is_empty(), "the fixture changed a state itself: {log:#?}");
        for minor in [40, 41] {
            let at = |what: &str| {
                log.iter().position(|l| l.starts_with(&format!("POST /v1.{minor}/containers/")) && l.ends_with(what))
            };
            let (start, stop) = (at("/start").expect("start sent"), at("/stop").expect("stop sent"));
            assert!(start < stop, "{log:#?}");
        }
    }

    #[tokio::test]
    async fn work_beside_the_sweep_shares_its_permits_and_ends_before_the_serial_cases() {
        let fake = FakeDaemon::stateful();
        fake.delay("*", Duration::from_millis(30));
        let client = client_of(&fake);
        let prune = Recipe { serial: true, ..Recipe::default() };
        let mut cases = pings(36..=41);
        cases.push(case_at("container.prune", Method::Post, "/containers/prune", 41, prune));
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (_cancel, never) = watch::channel(false);
        let beside = |limit: Arc<Semaphore>| {
            let client = client.clone();
            async move {
                // Holds the one permit: no probe runs meanwhile.
                let _permit = limit.acquire_owned().await.expect("open");
                for _ in 0..3 {
                    client.send(Request::new(Method::Get, "/info")).await.expect("answered");
                }
                "scenarios"
            }
        };
        let end = sweep(&client, &ctx(), &daemon(), cases, 1, Line { tx, cancel: never }, beside).await;
        assert!(end.complete);
        assert_eq!(end.beside, Some("scenarios"));
        let mut outcomes = Vec::new();
        while let Ok(o) = rx.try_recv() {
            outcomes.push(o);
        }
        assert_eq!(outcomes.len(), 7);
        let log = fake.log();
        assert_eq!(log.last().map(String::as_str), Some("POST /v1.41/containers/prune"), "{log:#?}");
        assert!(fake.overlapped().is_empty(), "one permit, so one request at a time: {log:#?}");
        assert_eq!(log.iter().filter(|l| *l == "GET /info").count(), 3);
    }

    #[tokio::test]
    async fn after_sweep_cases_are_sent_when_every_other_case_is_done() {
        let fake = FakeDaemon::stateful();
        fake.delay("*", Duration::from_millis(20));
        // The chains' probes are the slowest: anything sent beside them would finish first.
        fake.delay("GET /networks/*", Duration::from_millis(200));
        let client = client_of(&fake);
        let last = Recipe { after_sweep: true, ..Recipe::default() };
        let mut cases = vec![case_at("system.info", Method::Get, "/info", 41, last)];
        cases.extend(pings(38..=41));
        cases.extend([
            own_network("network.inspect", Method::Get, 40, false),
            own_network("network.inspect", Method::Get, 41, false),
        ]);
        let (done, outcomes) = sweep_all(&client, cases, 3).await;
        assert!(done);
        let order: Vec<&str> = outcomes.iter().map(|o| o.endpoint.as_str()).collect();
        assert_eq!(order.len(), 7);
        assert_eq!(order.last(), Some(&"system.info"), "{order:?}");
        assert!(outcomes.iter().all(|o| o.status == Some(200)), "{outcomes:#?}");
        let log = fake.log();
        assert_eq!(log.len(), 4 + 2 * 2 + 1, "{log:#?}");
        assert_eq!(log.last().map(String::as_str), Some("GET /v1.41/info"), "{log:#?}");
    }

    #[tokio::test]
    async fn a_swarm_pool_goes_version_by_version_in_plan_order() {
        // The fake reports no swarm state (as Podman): the fixtures leave it as it is, and only the order shows.
        let fake = FakeDaemon::stateful();
        let client = client_of(&fake);
        let pooled = |kind| Recipe {
            class: Some("swarm".into()),
            fixture: Some(kind),
            pool: Some("swarm".into()),
            after_sweep: true,
            ..Recipe::default()
        };
        let mut cases = Vec::new();
        for minor in [40, 41] {
            cases.push(case_at("swarm.init", Method::Post, "/swarm/init", minor, pooled(FixtureKind::SwarmFree)));
        }
        for minor in [40, 41] {
            cases.push(case_at("swarm.leave", Method::Post, "/swarm/leave", minor, pooled(FixtureKind::SwarmMember)));
        }
        assert!(cases.iter().all(is_global));
        let outcomes = global(&client, &ctx(), &daemon(), cases).await;
        let order: Vec<String> =
            outcomes.iter().map(|o| format!("{} {}", o.endpoint, opt(o.api_version.as_ref()))).collect();
        assert_eq!(order, ["swarm.init 1.40", "swarm.leave 1.40", "swarm.init 1.41", "swarm.leave 1.41"]);
    }

    fn opt(v: Option<&ApiVersion>) -> String {
        v.map_or_else(|| "-".into(), ToString::to_string)
    }

    #[tokio::test]
    async fn serial_cases_are_sent_with_no_other_request_in_flight() {
        let fake = FakeDaemon::stateful();
        fake.delay("*", Duration::from_millis(40));
        let client = client_of(&fake);
        let prune = Recipe { serial: true, ..Recipe::default() };
        let mut cases = pings(30..=41);
        for minor in [40, 41] {
            cases.push(case_at("container.prune", Method::Post, "/containers/prune", minor, prune.clone()));
            // A serial endpoint with its own fixture: the fixture is made in the case's turn too.
            cases.push(own_network("network.delete", Method::Delete, minor, true));
        }
        let (done, outcomes) = sweep_all(&client, cases, 4).await;
        assert!(done);
        assert_eq!(outcomes.len(), 12 + 4);
        let log = fake.log();
        let serial: Vec<&String> = log.iter().filter(|l| !l.contains("/_ping")).collect();
        assert_eq!(serial.len(), 2 + 2 * 2, "{log:#?}");
        let overlapped = fake.overlapped();
        assert!(overlapped.iter().any(|l| l.contains("/_ping")), "the other cases ran side by side: {log:#?}");
        let crowded: Vec<&&String> = serial.iter().filter(|l| overlapped.contains(l)).collect();
        assert!(crowded.is_empty(), "serial requests answered beside another: {crowded:?}");
    }

    #[tokio::test]
    async fn what_is_removed_later_goes_after_the_concurrent_cases_and_before_the_serial_ones() {
        let fake = FakeDaemon::stateful();
        fake.delay("*", Duration::from_millis(20));
        let client = client_of(&fake);
        let later =
            Recipe { remove_later: Some("/images/dockmatrix-$run/build:$ver?force=1".into()), ..Recipe::default() };
        let mut cases: Vec<ProbeCase> =
            (30..=31).map(|v| case_at("system.ping", Method::Get, "/_ping", v, later.clone())).collect();
        // Versions go in order: these cases come after those two, so a removal sent at once would come before them.
        cases.extend(pings(32..=41));
        let prune = Recipe { serial: true, ..Recipe::default() };
        cases.push(case_at("container.prune", Method::Post, "/containers/prune", 41, prune));
        let (done, outcomes) = sweep_all(&client, cases, 4).await;
        assert!(done);
        assert_eq!(outcomes.len(), 13);
        let log = fake.log();
        let at = |what: &str| log.iter().position(|l| l.contains(what)).unwrap_or_else(|| panic!("{what}: {log:#?}"));
        let last_ping = log.iter().rposition(|l| l.contains("/_ping")).expect("pings");
        for version in ["v1-30", "v1-31"] {
            let delete = at(&format!("DELETE /images/dockmatrix-{RUN}/build:{version}"));
            assert!(last_ping < delete && delete < at("/containers/prune"), "{log:#?}");
        }
    }

    #[tokio::test]
    async fn a_cancel_stops_sending_cases_and_keeps_the_outcomes_that_finished() {
        let fake = FakeDaemon::stateful();
        fake.delay("*", Duration::from_millis(1000));
        let client = client_of(&fake);
        let mut cases = pings(36..=41);
        cases.push(case_at("system.info", Method::Get, "/info", 41, Recipe { after_sweep: true, ..Recipe::default() }));
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (cancel, cancelled) = watch::channel(false);
        let running = tokio::spawn(async move {
            sweep(&client, &ctx(), &daemon(), cases, 1, Line { tx, cancel: cancelled }, |_| async {}).await.complete
        });
        let first = rx.recv().await.expect("a first outcome");
        assert_eq!((first.endpoint.as_str(), first.status), ("system.ping", Some(200)));
        cancel.send(true).expect("the sweep listens");
        let at = std::time::Instant::now();
        let done = tokio::time::timeout(Duration::from_secs(5), running).await.expect("it returns").expect("no panic");
        assert!(!done, "an interrupted sweep says so");
        assert!(at.elapsed() < Duration::from_millis(800), "the case in flight was dropped, not waited for");
        let mut rest = Vec::new();
        while let Ok(o) = rx.try_recv() {
            rest.push(o);
        }
        assert!(rest.is_empty(), "only what finished before the cancel: {rest:#?}");
        // The first case, and the next one if it had started before the cancel (its request may reach the daemon
        // a moment after the sweep returned); no case after them, nor the one kept for after the sweep.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let sent = fake.log();
        assert!(!sent.is_empty() && sent.len() <= 2 && sent.iter().all(|l| l.ends_with("/_ping")), "{sent:?}");
    }

    #[tokio::test]
    async fn an_own_fixture_refused_once_is_made_again_and_refused_twice_is_an_error() {
        let refusal = r#"{"message":"route ip+net: no such network interface"}"#;
        let fake = FakeDaemon::stateful();
        fake.answer("POST /networks/create", 500, refusal, Some(1));
        let client = client_of(&fake);
        let (done, outcomes) =
            sweep_all(&client, vec![own_network("network.inspect", Method::Get, 41, false)], 2).await;
        assert!(done);
        assert_eq!(outcomes.len(), 1);
        assert_eq!((outcomes[0].verdict, outcomes[0].status), (Verdict::Ok, Some(200)), "{outcomes:#?}");
        let network = format!("7e7000{:058x}", 1);
        assert_eq!(
            fake.log(),
            [
                "POST /networks/create".to_string(),
                "POST /networks/create".into(),
                format!("GET /v1.41/networks/{network}")
            ]
        );

        // Refused again on the second try: the case is an error, and is not sent.
        let fake = FakeDaemon::stateful();
        fake.answer("POST /networks/create", 500, refusal, Some(3));
        let client = client_of(&fake);
        let (done, outcomes) =
            sweep_all(&client, vec![own_network("network.inspect", Method::Get, 41, false)], 2).await;
        assert!(done);
        let o = &outcomes[0];
        assert_eq!((o.verdict, o.status, o.request.as_str()), (Verdict::Error, None, "/v1.41/networks/%24network"));
        assert_eq!(
            o.reason,
            "fixture: create network dockmatrix-0123456789ab-network-inspect-v1-41: the daemon answered 500: route \
             ip+net: no such network interface"
        );
        assert_eq!(fake.log(), ["POST /networks/create", "POST /networks/create"], "one try, one retry");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_sweep_cancelled_before_it_starts_sends_nothing() {
        let fake = FakeDaemon::stateful();
        let client = client_of(&fake);
        // Many tries: a chain spawned on one worker could get its fixture out while the other aborts it.
        for _ in 0..40 {
            let mut cases = pings(30..=41);
            for id in ["network.inspect", "network.delete", "network.connect", "network.disconnect"] {
                cases.extend([40, 41].map(|minor| own_network(id, Method::Get, minor, false)));
            }
            let (tx, mut rx) = mpsc::unbounded_channel();
            let (_cancel, cancelled) = watch::channel(true);
            assert!(
                !sweep(&client, &ctx(), &daemon(), cases, 8, Line { tx, cancel: cancelled }, |_| async {})
                    .await
                    .complete
            );
            assert!(rx.try_recv().is_err(), "no outcome");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(fake.log(), Vec::<String>::new());
    }
}
