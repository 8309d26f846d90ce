//! Malformed requests sent on purpose (probes.yaml `refusals`): which are sent at which API versions, and how each
//! answer is judged: a 4xx a client can report, a 5xx it would retry, or the input silently accepted.
//!
//! They run after the sweep, one at a time, on the run's shared fixtures, at every API version where the
//! endpoint's own probe was served: a refusal only says something where the endpoint works.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use crate::client::{Client, Response};
use crate::matrix::Matrices;
use crate::model::{
    ApiVersion, DaemonInfo, Evidence, ProbeOutcome, RefusalKind, RefusalOutcome, RefusalVerdict, Verdict,
};
use crate::probe::ProbeCase;
use crate::probe::conform::check;
use crate::probe::runner::{RunContext, evidence, remove_created};

/// One malformed request to send (or a reason not to).
#[derive(Debug, Clone, PartialEq)]
pub struct RefusalCase {
    /// What is malformed.
    pub kind: RefusalKind,
    /// The request: the endpoint, the API version and the refusal's recipe.
    pub case: ProbeCase,
}

/// The refusals of `m` to send at the versions of `probes` (a run's outcomes): for each endpoint `only` selects
/// (globs; empty: all) and each of its refusals, one case per API version at which the endpoint's own probe was
/// served (`ok` or `nonconforming`). Where the probe shows the endpoint does not work, or answers a condition of
/// its own (`absent`, `incompatible`, `not-applicable`, `error`, `skipped`), the case is skipped with that reason;
/// outside the daemon's range (`version-rejected`, `unenforced`) and unversioned, there is none. A refusal in a
/// class `allow` lacks is skipped with the class's reason.
pub fn plan(m: &Matrices, probes: &[ProbeOutcome], only: &[String], allow: &BTreeSet<String>) -> Vec<RefusalCase> {
    let by_key: BTreeMap<(&str, ApiVersion), &ProbeOutcome> =
        probes.iter().filter_map(|p| Some(((p.endpoint.as_str(), p.api_version?), p))).collect();
    let mut out = Vec::new();
    for (id, kinds) in &m.probes.refusals {
        if !only.is_empty() && !only.iter().any(|g| crate::glob::matches(g, id)) {
            continue;
        }
        let Some(endpoint) = m.endpoint(id) else { continue };
        for (kind, recipe) in kinds {
            for ((_, version), probe) in by_key.range((id.as_str(), ApiVersion::new(0, 0))..) {
                if probe.endpoint != *id {
                    break;
                }
                let skip = match probe.verdict {
                    Verdict::Ok | Verdict::Nonconforming => None,
                    Verdict::VersionRejected | Verdict::Unenforced => continue,
                    Verdict::Skipped => Some(format!("the endpoint was not probed: {}", probe.reason)),
                    v => Some(format!("its own probe is `{v}` at {version}: nothing to refuse")),
                };
                let skip = skip.or_else(|| {
                    let class = recipe.class.as_ref().filter(|c| !allow.contains(*c))?;
                    Some(
                        m.probes
                            .classes
                            .get(class)
                            .map_or_else(|| format!("class {class} not allowed"), |c| c.reason.clone()),
                    )
                });
                let (endpoint, recipe) = (Arc::new(endpoint.clone()), Arc::new(recipe.clone()));
                let case = ProbeCase { endpoint, api_version: Some(*version), recipe, skip };
                out.push(RefusalCase { kind: *kind, case });
            }
        }
    }
    out
}

/// Sends every case, one at a time (a refused prune or create changes nothing; an accepted one must not race with
/// the next), and judges each answer. What an accepted create made is removed at once.
pub async fn run_all(
    client: &Client,
    ctx: &RunContext,
    daemon: &DaemonInfo,
    cases: &[RefusalCase],
) -> Vec<RefusalOutcome> {
    let mut out = Vec::with_capacity(cases.len());
    for c in cases {
        out.push(send(client, ctx, daemon, c).await);
    }
    out
}

/// Sends one case and judges the answer.
pub async fn send(client: &Client, ctx: &RunContext, daemon: &DaemonInfo, c: &RefusalCase) -> RefusalOutcome {
    let case = &c.case;
    let mut out = RefusalOutcome {
        endpoint: case.endpoint.id.clone(),
        kind: c.kind,
        method: case.endpoint.method,
        path: case.endpoint.path.clone(),
        api_version: case.api_version,
        request: String::new(),
        status: None,
        verdict: RefusalVerdict::Skipped,
        reason: String::new(),
        duration_ms: 0,
        evidence: Evidence::default(),
        conformance: None,
    };
    if let Some(reason) = &case.skip {
        out.reason.clone_from(reason);
        return out;
    }
    let req = ctx.request(case, None);
    out.request = req.path.clone();
    let start = Instant::now();
    let result = client.send(req).await;
    out.duration_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    match result {
        Ok(resp) => {
            if (200..300).contains(&resp.status) && case.endpoint.path.ends_with("/create") {
                remove_created(client, case, &resp).await;
            }
            (out.verdict, out.reason) = judge(&resp);
            out.status = Some(resp.status);
            out.evidence = evidence(&resp);
            out.conformance = ctx.checker.as_ref().and_then(|checker| check(checker, case, daemon, &resp));
        }
        Err(e) => (out.verdict, out.reason) = (RefusalVerdict::Error, e.to_string()),
    }
    out
}

/// The verdict of an answer to a malformed request, and its reason: the daemon's message quoted, that it sent none,
/// or that it accepted the input.
pub fn judge(resp: &Response) -> (RefusalVerdict, String) {
    let verdict = RefusalVerdict::of_status(resp.status);
    let message = resp.daemon_message();
    let reason = match (verdict, message.is_empty()) {
        (RefusalVerdict::Accepted, _) => "the malformed input was not refused".to_string(),
        (_, true) => "an empty body".to_string(),
        (_, false) => format!("\"{}\"", crate::model::excerpt(message.as_bytes(), 160)),
    };
    (verdict, reason)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::client::host::{TlsOptions, parse};
    use crate::fake_daemon::{FakeDaemon, Kind};
    use crate::matrix::load::MatrixSources;
    use crate::model::labels::missing_name;
    use crate::model::{Method, RefusalKind::*};

    const RUN: &str = "0123456789ab";

    fn matrices() -> Matrices {
        MatrixSources::built_in().load().expect("built-in matrices")
    }

    /// A probe outcome of `endpoint` at 1.`minor` with `verdict`.
    fn probe(endpoint: &str, minor: u16, verdict: Verdict) -> ProbeOutcome {
        ProbeOutcome {
            endpoint: endpoint.into(),
            tag: String::new(),
            method: Method::Get,
            path: String::new(),
            api_version: Some(ApiVersion::new(1, minor)),
            request: String::new(),
            status: None,
            verdict,
            reason: "why not".into(),
            duration_ms: 0,
            evidence: Evidence::default(),
            conformance: None,
            retried: None,
            observed: Default::default(),
        }
    }

    fn ctx() -> RunContext {
        RunContext { run_id: RUN.into(), missing: missing_name(RUN), now: 1_000, ..RunContext::new() }
    }

    fn client_of(fake: &FakeDaemon) -> Client {
        let target = parse(&fake.host(), TlsOptions::default(), "test").expect("target");
        Client::new(target, Duration::from_secs(5), 1 << 20).expect("client")
    }

    fn summary(cases: &[RefusalCase]) -> Vec<String> {
        cases
            .iter()
            .map(|c| {
                let v = c.case.api_version.map(|v| v.to_string()).unwrap_or_default();
                format!(
                    "{} {} {v}{}",
                    c.case.endpoint.id,
                    c.kind,
                    c.case.skip.as_ref().map_or(String::new(), |s| format!(": {s}"))
                )
            })
            .collect()
    }

    #[test]
    fn refusals_go_where_the_endpoint_was_served_and_say_why_not_elsewhere() {
        let m = matrices();
        let probes = [
            probe("container.list", 40, Verdict::Ok),
            probe("container.list", 41, Verdict::Nonconforming),
            probe("container.list", 42, Verdict::VersionRejected),
            probe("container.list", 43, Verdict::Unenforced),
            probe("image.list", 41, Verdict::Absent),
            probe("container.prune", 41, Verdict::Ok),
            probe("plugin.list", 41, Verdict::Skipped),
        ];
        let only = ["container.*".to_string(), "image.list".into(), "plugin.list".into()];
        let cases = plan(&m, &probes, &only, &BTreeSet::new());
        let class = &m.probes.classes["malformed-prune"].reason;
        assert_eq!(
            summary(&cases),
            [
                "container.list filters-not-json 1.40".to_string(),
                "container.list filters-not-json 1.41".into(),
                "container.list filters-unknown-key 1.40".into(),
                "container.list filters-unknown-key 1.41".into(),
                format!("container.prune filters-not-json 1.41: {class}"),
                "container.prune filters-unknown-key 1.41".into(),
                "image.list filters-not-json 1.41: its own probe is `absent` at 1.41: nothing to refuse".into(),
                "image.list filters-unknown-key 1.41: its own probe is `absent` at 1.41: nothing to refuse".into(),
                "plugin.list filters-not-json 1.41: the endpoint was not probed: why not".into(),
                "plugin.list filters-unknown-key 1.41: the endpoint was not probed: why not".into(),
            ]
        );
        let allowed = plan(&m, &probes, &["container.prune".into()], &BTreeSet::from(["malformed-prune".into()]));
        assert!(allowed.iter().all(|c| c.case.skip.is_none()), "{:?}", summary(&allowed));
        assert!(plan(&m, &[], &[], &BTreeSet::new()).is_empty(), "no probe, no refusal");
    }

    #[test]
    fn a_body_that_is_not_json_is_sent_as_written() {
        let m = matrices();
        let cases = plan(&m, &[probe("volume.create", 41, Verdict::Ok)], &[], &BTreeSet::new());
        let not_json = cases.iter().find(|c| c.kind == BodyNotJson).expect("volume.create body-not-json");
        let req = ctx().request(&not_json.case, None);
        assert_eq!((req.method, req.path.as_str()), (Method::Post, "/v1.41/volumes/create"));
        assert_eq!(req.body.as_deref(), Some(&b"dockmatrix: not JSON"[..]));
        assert!(req.headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("content-type") && v == "application/json"));
    }

    #[tokio::test]
    async fn answers_are_judged_by_their_class_and_an_accepted_create_is_removed() {
        let fake = FakeDaemon::stateful();
        fake.add(Kind::Image, "img", &[]);
        fake.answer("GET /containers/json", 500, r#"{"message":"invalid character 'o' in literal null"}"#, None);
        fake.answer("GET /images/json", 400, r#"{"message":"invalid filter"}"#, None);
        // Created anyway: the refusal is `accepted`, and what it made is removed at once.
        fake.answer("POST /volumes/create", 201, r#"{"Name":"made-anyway"}"#, None);
        fake.add(Kind::Volume, "made-anyway", &[]);
        let m = matrices();
        let probes = [
            probe("container.list", 41, Verdict::Ok),
            probe("image.list", 41, Verdict::Ok),
            probe("volume.create", 41, Verdict::Ok),
        ];
        let cases = plan(&m, &probes, &[], &BTreeSet::new());
        let daemon = DaemonInfo::docker((Some(ApiVersion::new(1, 12)), Some(ApiVersion::new(1, 41))), (None, None));
        let out = run_all(&client_of(&fake), &ctx(), &daemon, &cases).await;
        let got: Vec<String> = out
            .iter()
            .map(|o| format!("{} {} {:?} {} {}", o.endpoint, o.kind, o.status, o.verdict, o.reason))
            .collect();
        assert_eq!(
            got,
            [
                r#"container.list filters-not-json Some(500) server-error "invalid character 'o' in literal null""#,
                r#"container.list filters-unknown-key Some(500) server-error "invalid character 'o' in literal null""#,
                r#"image.list filters-not-json Some(400) refused "invalid filter""#,
                r#"image.list filters-unknown-key Some(400) refused "invalid filter""#,
                "volume.create body-not-json Some(201) accepted the malformed input was not refused",
                "volume.create invalid-name Some(201) accepted the malformed input was not refused",
            ]
        );
        assert_eq!(out[0].request, "/v1.41/containers/json?filters=not-json");
        assert!(fake.log().contains(&"DELETE /volumes/made-anyway?force=1".to_string()), "{:?}", fake.log());
        assert!(fake.objects(Kind::Volume).is_empty(), "the accepted create was undone");
    }

    #[tokio::test]
    async fn no_answer_is_an_error_and_a_skipped_case_sends_nothing() {
        let fake = FakeDaemon::stateful();
        fake.delay("GET /containers/json", Duration::from_secs(3));
        let target = parse(&fake.host(), TlsOptions::default(), "test").expect("target");
        let client = Client::new(target, Duration::from_millis(300), 1 << 20).expect("client");
        let m = matrices();
        let probes = [probe("container.list", 41, Verdict::Ok), probe("network.prune", 41, Verdict::Ok)];
        let cases = plan(&m, &probes, &[], &BTreeSet::new());
        let daemon = DaemonInfo::docker((Some(ApiVersion::new(1, 12)), Some(ApiVersion::new(1, 41))), (None, None));
        let out = run_all(&client, &ctx(), &daemon, &cases).await;
        assert_eq!(out[0].verdict, RefusalVerdict::Error);
        assert!(out[0].reason.contains("timed out") || out[0].reason.contains("timeout"), "{}", out[0].reason);
        let skipped = out.iter().find(|o| o.endpoint == "network.prune" && o.kind == FiltersNotJson).expect("planned");
        assert_eq!((skipped.verdict, skipped.status, skipped.request.as_str()), (RefusalVerdict::Skipped, None, ""));
        assert!(!fake.log().iter().any(|l| l.contains("not-json") && l.contains("prune")), "{:?}", fake.log());
    }
}
