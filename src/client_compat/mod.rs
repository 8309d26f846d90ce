//! Will a real client work against this daemon: the API version each client of `matrices/clients.yaml` (and each
//! kubelet of kubernetes.yaml) would use against a daemon, by the client's own rule, and the verdict of every endpoint
//! its flows call at that version, read from a live run or predicted from the matrices for a Docker release.
//!
//! Pure: no I/O. The reports and the `clients` command render what this module computes.

use crate::matrix::clients::{BelowFloor, ClientSpec, VersionRule};
use crate::matrix::{DockerRelease, Matrices};
use crate::model::{ApiVersion, RequestVersion, RunRecord, Verdict};
pub use crate::model::{ClientOutcome, ClientVerdict};

/// A daemon as a client sees it: what it advertises and enforces, and how each request is answered.
#[derive(Debug, Clone, Copy)]
pub struct DaemonView<'a> {
    name: &'a str,
    advertised: (Option<ApiVersion>, Option<ApiVersion>),
    enforced: (Option<ApiVersion>, Option<ApiVersion>),
    answers: Answers<'a>,
}

/// Where the answers come from.
#[derive(Debug, Clone, Copy)]
enum Answers<'a> {
    /// A live run's probes.
    Run(&'a RunRecord),
    /// The matrices: an endpoint works at a version that defines it, inside the release's range.
    Predicted,
}

impl<'a> DaemonView<'a> {
    /// The daemon of a live run: its advertised range (`/_ping`'s `Api-Version`, `/version`), the range the sweep
    /// found it enforcing, and its probes.
    pub fn of_run(run: &'a RunRecord) -> Self {
        let d = &run.daemon;
        DaemonView {
            name: &d.name,
            advertised: (d.min_api_version, d.api_version),
            enforced: (d.enforced_min.or(d.min_api_version), d.enforced_max.or(d.api_version)),
            answers: Answers::Run(run),
        }
    }

    /// A Docker release of docker.yaml, predicted: it advertises and enforces its documented range.
    pub fn of_release(release: &'a DockerRelease, name: &'a str) -> Self {
        let range = (Some(release.min_api_version), Some(release.api_version));
        DaemonView { name, advertised: range, enforced: range, answers: Answers::Predicted }
    }

    /// Whether the verdicts are predicted.
    pub fn predicted(&self) -> bool {
        matches!(self.answers, Answers::Predicted)
    }

    /// The message a request at `v` gets when `v` is outside the enforced range: the daemon's own, from a probe
    /// the run made at `v`, else the one dockerd gives.
    fn rejects(&self, v: ApiVersion) -> Option<String> {
        if let Answers::Run(run) = self.answers
            && let Some(p) =
                run.probes.iter().find(|p| p.api_version == Some(v) && p.verdict == Verdict::VersionRejected)
        {
            return Some(p.reason.clone());
        }
        match self.enforced {
            (Some(lo), _) if v < lo => Some(format!(
                "client version {v} is too old. Minimum supported API version is {lo}, please upgrade your client to a \
                 newer version"
            )),
            (_, Some(hi)) if v > hi => {
                Some(format!("client version {v} is too new. Maximum supported API version is {hi}"))
            }
            _ => None,
        }
    }

    /// `1.44–1.52`.
    fn enforced_text(&self) -> String {
        RequestVersion::span(self.enforced.0, self.enforced.1)
    }
}

/// How one endpoint answers a client.
enum Answer {
    /// As defined (`ok`, `not-applicable`).
    Fine,
    /// Served, with a warning.
    Warn(String),
    /// Fails: the reason.
    Fails(String),
    /// No evidence: why.
    NotProbed(String),
}

/// The endpoint `id` as the daemon answers it at `at` (`None`: unversioned, served at `served`).
fn answer(m: &Matrices, view: &DaemonView<'_>, id: &str, at: Option<ApiVersion>, served: ApiVersion) -> Answer {
    let Some(e) = m.endpoint(id) else { return Answer::NotProbed(format!("{id} is not in endpoints.yaml")) };
    let route = format!("{} {}", e.method, e.path);
    let shown = RequestVersion(at);
    match view.answers {
        Answers::Predicted => {
            if e.defined_at(served) {
                Answer::Fine
            } else {
                let span = RequestVersion::span(Some(e.first), e.last);
                Answer::Fails(format!("{route} is not defined at API {served} (defined {span})"))
            }
        }
        Answers::Run(run) => {
            let Some(p) = run.probes.iter().find(|p| p.endpoint == id && p.api_version == at) else {
                return Answer::NotProbed(format!("{route} was not probed at {shown}"));
            };
            let status = p.status.map_or_else(|| "no answer".to_string(), |s| s.to_string());
            let why = if p.reason.is_empty() { String::new() } else { format!(": {}", p.reason) };
            match p.verdict {
                Verdict::Ok | Verdict::NotApplicable if !e.defined_at(served) => Answer::Warn(format!(
                    "{route} answers at {shown}, where the spec does not define it (defined {})",
                    RequestVersion::span(Some(e.first), e.last)
                )),
                Verdict::Ok | Verdict::NotApplicable => Answer::Fine,
                Verdict::Unenforced => Answer::Warn(format!(
                    "{route} is answered at {shown}, outside the range the daemon advertises (unenforced)"
                )),
                Verdict::Nonconforming => Answer::Warn(format!("{route} is nonconforming at {shown}{why}")),
                Verdict::Skipped => Answer::NotProbed(format!("{route} was not probed at {shown}{why}")),
                v => Answer::Fails(format!("{route} is {v} at {shown} ({status}{why})")),
            }
        }
    }
}

/// What `spec` would make of the daemon `view`.
pub fn evaluate(spec: &ClientSpec, view: &DaemonView<'_>, m: &Matrices) -> ClientOutcome {
    let mut out = ClientOutcome {
        client: spec.name.clone(),
        family: spec.family.clone(),
        covers: spec.covers.clone(),
        daemon: view.name.to_string(),
        predicted: view.predicted(),
        api_version: None,
        how: String::new(),
        verdict: ClientVerdict::Works,
        reason: String::new(),
        notes: Vec::new(),
    };
    let breaks = |mut out: ClientOutcome, reason: String| {
        out.verdict = ClientVerdict::Breaks;
        out.reason = reason;
        out
    };
    let Some(max) = view.advertised.1 else {
        out.verdict = ClientVerdict::Unknown;
        out.reason = "the daemon's API version is unknown".into();
        return out;
    };
    if let Some(req) = spec.requires
        && max < req
    {
        return breaks(
            out,
            format!("requires API {req} or newer from GET /version; this daemon reports {max}: it refuses to start"),
        );
    }
    let mut warnings = Vec::new();
    let mut unknown = Vec::new();
    // The handshake, unversioned: what the rule reads the daemon's version from.
    let handshake = |id: &str| answer(m, view, id, None, max);
    // The calls that run the failed negotiation themselves and return its error, with the SDK's message.
    let mut refused: Option<(&[String], String)> = None;
    let chosen: Option<ApiVersion> = match &spec.rule {
        VersionRule::Pinned(v) => {
            out.how = format!("pins API {v}");
            Some(*v)
        }
        VersionRule::Negotiate(n) => {
            // HEAD /_ping, then GET /_ping when HEAD does not answer.
            let head = handshake("system.ping.head");
            if !matches!(head, Answer::Fine | Answer::Warn(_)) {
                match (handshake("system.ping"), head) {
                    (Answer::Fine | Answer::Warn(_), _) => warnings
                        .push("HEAD /_ping does not answer: the version handshake falls back to GET /_ping".into()),
                    (Answer::NotProbed(why), _) | (_, Answer::NotProbed(why)) => unknown.push(why),
                    (Answer::Fails(why), _) => return breaks(out, format!("its version handshake fails: {why}")),
                }
            }
            match n.floor.filter(|floor| max < *floor) {
                Some(floor) if n.below_floor == BelowFloor::Refuse => {
                    return breaks(
                        out,
                        format!(
                            "its negotiation fails: the daemon's API {max} is not supported (the client's minimum is \
                             {floor})"
                        ),
                    );
                }
                Some(floor) => {
                    out.how = format!(
                        "negotiation fails below its minimum {floor} (the daemon says {max}), so it stays at its {}",
                        n.cap
                    );
                    if !n.checked.is_empty() {
                        let error = format!(
                            "API version {max} is not supported by this client: the minimum supported API version is \
                             {floor}"
                        );
                        refused = Some((&n.checked, error));
                    }
                    Some(n.cap)
                }
                None => {
                    let v = max.min(n.cap);
                    out.how = format!("negotiates to {v} (the daemon's {max}, its cap {})", n.cap);
                    Some(v)
                }
            }
        }
        VersionRule::VersionEndpoint(e) => {
            match handshake("system.version") {
                Answer::Fine | Answer::Warn(_) => {}
                Answer::NotProbed(why) => unknown.push(why),
                Answer::Fails(why) => {
                    return breaks(out, format!("it reads its version from GET /version, which fails: {why}"));
                }
            }
            if let Some(floor) = e.floor.filter(|floor| max < *floor) {
                return breaks(out, format!("GET /version says {max}; it refuses API versions below {floor}"));
            }
            let v = e.cap.map_or(max, |cap| max.min(cap));
            out.how = match e.cap {
                Some(cap) => format!("takes GET /version's {max}, capped at {cap}: {v}"),
                None => format!("takes GET /version's {max}"),
            };
            Some(v)
        }
        VersionRule::Try(list) => {
            let answers =
                |v: ApiVersion| matches!(answer(m, view, "system.ping", Some(v), v), Answer::Fine | Answer::Warn(_));
            let first = list.iter().copied().find(|v| view.rejects(*v).is_none() && answers(*v));
            let last = *list.last().expect("validated: a try rule lists a version");
            match first {
                Some(v) if v == list[0] => out.how = format!("GET /v{v}/_ping answers: it uses {v}"),
                Some(v) => out.how = format!("GET /v{}/_ping fails, so it falls back to {v}", list[0]),
                None => out.how = format!("no ping answers; it stays at {last}"),
            }
            Some(first.unwrap_or(last))
        }
        VersionRule::Unversioned => {
            out.how = format!("sends no version: the daemon serves its {max}");
            None
        }
    };
    out.api_version = chosen;
    if let Some(v) = chosen
        && let Some(message) = view.rejects(v)
    {
        return breaks(
            out.clone(),
            format!("{}; this daemon enforces {}: every request gets 400 \"{message}\"", out.how, view.enforced_text()),
        );
    }
    let served = chosen.unwrap_or(max);
    let mut fails = Vec::new();
    for id in spec.endpoints() {
        if let Some((checked, error)) = &refused
            && checked.iter().any(|c| c == id)
        {
            let route = m.endpoint(id).map_or_else(|| id.to_string(), |e| format!("{} {}", e.method, e.path));
            fails.push(format!("{route} fails in the client, before it is sent: \"{error}\""));
            continue;
        }
        match answer(m, view, id, chosen, served) {
            Answer::Fine => {}
            Answer::Warn(w) => warnings.push(w),
            Answer::Fails(f) => fails.push(f),
            Answer::NotProbed(n) => unknown.push(n),
        }
    }
    let (verdict, mut reasons) = if !fails.is_empty() {
        (ClientVerdict::Breaks, fails.into_iter().map(|f| format!("{}; {f}", out.how)).collect::<Vec<_>>())
    } else if !unknown.is_empty() {
        (ClientVerdict::Unknown, unknown)
    } else if !warnings.is_empty() {
        (ClientVerdict::WorksWithWarnings, std::mem::take(&mut warnings))
    } else {
        (ClientVerdict::Works, vec![out.how.clone()])
    };
    out.verdict = verdict;
    out.reason = reasons.remove(0);
    out.notes = reasons.into_iter().chain(warnings).collect();
    out
}

/// Every client of `m` (kubelets first) whose name matches one of `globs` (none: all).
pub fn clients(m: &Matrices, globs: &[String]) -> Vec<ClientSpec> {
    m.clients
        .with_kubelets(&m.kubernetes)
        .into_iter()
        .filter(|c| globs.is_empty() || globs.iter().any(|g| crate::glob::matches(g, &c.name)))
        .collect()
}

/// The outcomes of `clients` against each daemon of `views`: one row per client, one cell per daemon.
pub fn table(clients: &[ClientSpec], views: &[DaemonView<'_>], m: &Matrices) -> Vec<Vec<ClientOutcome>> {
    clients.iter().map(|c| views.iter().map(|v| evaluate(c, v, m)).collect()).collect()
}

#[cfg(test)]
mod tests;
