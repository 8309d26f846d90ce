//! Judging an answer: one verdict and its reason, from the status, the body and the matrices.

use super::case::ProbeCase;
use crate::client::Response;
use crate::model::{ApiVersion, DaemonInfo, Method, Verdict};

/// The version a "too old/too new" message states (`Minimum supported API version is 1.12`).
pub fn stated_version(message: &str) -> Option<ApiVersion> {
    let i = message.find("supported API version is ")?;
    let rest = &message[i + "supported API version is ".len()..];
    let token: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    ApiVersion::parse_lenient(token.trim_end_matches('.')).ok()
}

fn is_version_error(message: &str) -> bool {
    (message.contains("client version") && (message.contains("too old") || message.contains("too new")))
        || message.contains("client is newer than server")
        || message.contains("client is too old")
        || message.contains("requires minimum API version")
}

fn is_unrouted(status: u16, message: &str, body_len: usize) -> bool {
    matches!(status, 405 | 501)
        || (status == 404
            && (message.contains("page not found") || message.eq_ignore_ascii_case("not found") || body_len == 0))
}

/// Whether the daemon says it does not implement the endpoint at all, as opposed to a defined precondition such as
/// dockerd's 503 "This node is not a swarm manager": Podman's compat API answers 503 "Podman does not support
/// service: /v1.41/services/create" for swarm, config and node routes, and 501 "update is not supported" for a
/// secret update. A 501 without a message is a route the daemon lacks (`absent`).
fn says_unsupported(status: u16, message: &str) -> bool {
    (status == 503 && message.contains("does not support service"))
        || (status == 501 && !message.is_empty() && !message.eq_ignore_ascii_case("not implemented"))
}

/// Whether the recipe probes a name made sure not to exist.
fn uses_missing(case: &ProbeCase) -> bool {
    let r = &case.recipe;
    r.params.values().chain(r.query.values()).any(|v| v.contains("$missing"))
        || r.body.as_ref().is_some_and(|b| b.to_string().contains("$missing"))
}

/// The verdict of one answer and why.
pub fn judge(case: &ProbeCase, resp: &Response, daemon: &DaemonInfo) -> (Verdict, String) {
    let message = resp.daemon_message();
    let v = case.api_version;
    let advertised = match (daemon.min_api_version, daemon.api_version) {
        (Some(lo), Some(hi)) => Some((lo, hi)),
        (None, Some(hi)) => Some((ApiVersion::new(1, 0), hi)),
        _ => None,
    };
    let inside = |v: ApiVersion| advertised.is_none_or(|(lo, hi)| lo <= v && v <= hi);
    let range_text = advertised.map_or_else(String::new, |(lo, hi)| format!("{lo}..={hi}"));
    // What the daemon said, for a reason that goes on after a colon.
    let said = if message.is_empty() { "an empty body".to_string() } else { message.clone() };

    // HEAD answers carry no body, so a version error shows only as a bare 400.
    let head = case.endpoint.method == Method::Head;
    let bare_head_400 = head && resp.status == 400 && resp.body.is_empty() && v.is_some_and(|v| !inside(v));
    if bare_head_400 {
        return (
            Verdict::VersionRejected,
            "400 to HEAD outside the advertised range (HEAD answers have no body)".into(),
        );
    }
    if resp.status == 400 && is_version_error(&message) {
        return match v {
            Some(v) if inside(v) && !message.contains("requires minimum API version") => {
                (Verdict::Incompatible, format!("rejected v{v}, inside the advertised range {range_text}: {message}"))
            }
            _ => (Verdict::VersionRejected, message),
        };
    }
    // A gateway's page (502/503/504 that is not JSON): a proxy in front of the daemon answered, not the daemon,
    // whose errors are always JSON. No evidence about the endpoint; a run of them stops the sweep.
    let json = resp.header("content-type").is_some_and(|t| t.contains("json"));
    if (502..=504).contains(&resp.status) && !json && resp.json().is_none() {
        let kind = resp.header("content-type").unwrap_or("no content type");
        let page = crate::model::excerpt(said.as_bytes(), 120);
        return (
            Verdict::Error,
            format!("{} from a proxy in front of the daemon ({kind}), not the daemon's answer: {page}", resp.status),
        );
    }
    let hijack_upgraded = resp.status == 101 && case.recipe.hijack.is_some();
    let served = (200..300).contains(&resp.status)
        || resp.status == 304
        || hijack_upgraded
        || case.recipe.expect.contains(&resp.status);
    // A body cut at the cap (not by a stream window the recipe asked for) is not an answer to judge: a daemon or a
    // proxy that sends without end would otherwise have every probe read up to the cap and pass.
    if resp.over_budget {
        return (
            Verdict::Error,
            format!(
                "{} with a body cut at {} KiB: the bodies being read at once passed the memory budget; not judged",
                resp.status,
                resp.body.len() / 1024
            ),
        );
    }
    if resp.truncated && case.recipe.stream_ms.is_none() && case.recipe.hijack.is_none() {
        let kib = resp.body.len() / 1024;
        return (
            Verdict::Error,
            format!("{} with a body that went on past the {kib} KiB cap: cut, not judged", resp.status),
        );
    }
    let stream_error = if served { resp.stream_error() } else { None };
    let (base, why) = if let Some(e) = stream_error {
        (Verdict::Incompatible, format!("{} whose progress stream ends in an error: {e}", resp.status))
    } else if served {
        (Verdict::Ok, String::new())
    } else if head && resp.status == 404 && uses_missing(case) {
        (Verdict::NotApplicable, "404 to HEAD of a name that does not exist".into())
    } else if says_unsupported(resp.status, &message) {
        (Verdict::Unsupported, format!("{}: the daemon does not implement it: {said}", resp.status))
    } else if is_unrouted(resp.status, &message, resp.body.len()) {
        (
            Verdict::Absent,
            if message.is_empty() { format!("{} with an empty body", resp.status) } else { message.clone() },
        )
    } else if case.recipe.not_applicable.contains(&resp.status) {
        (Verdict::NotApplicable, format!("{} is a defined condition for this request: {said}", resp.status))
    } else if resp.status == 503 || (resp.status == 404 && uses_missing(case)) {
        (Verdict::NotApplicable, message.clone())
    } else if resp.status >= 500 {
        (Verdict::Incompatible, format!("server error {}: {said}", resp.status))
    } else if uses_missing(case) && (400..500).contains(&resp.status) {
        (Verdict::NotApplicable, message.clone())
    } else {
        (Verdict::Incompatible, format!("unexpected {}: {said}", resp.status))
    };
    match (base, v) {
        // A route the daemon lacks is unrouted before any version check (dockerd 20.10 answers 404 to
        // `PUT /v1.42/volumes/x`, not 400): outside the range that is simply absent.
        (Verdict::Absent, Some(v)) if !inside(v) => (base, why),
        // Outside the advertised range a daemon that enforces versions answers 400 "too old/new" (handled above);
        // any other answer there means it does not enforce them, whatever that answer says.
        (_, Some(v)) if !inside(v) => {
            let what = if why.is_empty() { base.to_string() } else { format!("{base}: {why}") };
            (
                Verdict::Unenforced,
                format!("answered v{v} ({}, {what}) outside the advertised range {range_text}", resp.status),
            )
        }
        (Verdict::Absent, _) if case.recipe.absent_ok.is_some() => {
            (Verdict::Absent, format!("{why} ({})", case.recipe.absent_ok.as_deref().unwrap_or_default()))
        }
        (Verdict::Absent, Some(v)) if inside(v) && case.endpoint.defined_at(v) => {
            (Verdict::Incompatible, format!("defined at v{v} but not routed: {why}"))
        }
        (Verdict::Absent, None) if case.endpoint.last.is_none() => {
            (Verdict::Incompatible, format!("not routed on an unversioned path: {why}"))
        }
        _ => (base, why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use crate::matrix::model::{Endpoint, Hijack};
    use crate::model::EngineKind;

    fn v(s: &str) -> ApiVersion {
        s.parse().expect("version")
    }

    /// A Docker-like daemon: advertises and enforces 1.24..=1.41.
    fn docker() -> DaemonInfo {
        DaemonInfo::docker((Some(v("1.24")), Some(v("1.41"))), (Some(v("1.24")), Some(v("1.41"))))
    }

    /// A Podman-like daemon: advertises 1.24..=1.41, answers every version from 1.0 to 1.57.
    fn podman() -> DaemonInfo {
        DaemonInfo {
            name: "podman-4.3".into(),
            kind: EngineKind::Podman,
            version: "4.3.1".into(),
            enforced_min: Some(v("1.0")),
            enforced_max: Some(v("1.57")),
            ..docker()
        }
    }

    /// `GET /containers/json` (defined from 1.0 on) at `version` (`None`: unversioned), with an empty recipe.
    fn get(version: Option<&str>) -> ProbeCase {
        ProbeCase {
            endpoint: Arc::new(Endpoint {
                id: "container.list".into(),
                method: Method::Get,
                path: "/containers/json".into(),
                first: v("1.0"),
                last: None,
                tag: "Container".into(),
                operation_id: None,
                summary: String::new(),
                notes: Vec::new(),
            }),
            api_version: version.map(v),
            recipe: Arc::default(),
            skip: None,
        }
    }

    /// `HEAD /containers/{id}/archive` at `version`.
    fn head(version: Option<&str>) -> ProbeCase {
        let mut c = get(version);
        Arc::make_mut(&mut c.endpoint).id = "container.archive.head".into();
        Arc::make_mut(&mut c.endpoint).method = Method::Head;
        Arc::make_mut(&mut c.endpoint).path = "/containers/{id}/archive".into();
        c
    }

    /// The case, changed by `f`.
    fn with(mut c: ProbeCase, f: impl FnOnce(&mut ProbeCase)) -> ProbeCase {
        f(&mut c);
        c
    }

    /// The recipe names an object made sure not to exist (`id: $missing`).
    fn missing(c: &mut ProbeCase) {
        Arc::make_mut(&mut c.recipe).params.insert("id".into(), "$missing".into());
    }

    fn answer(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            truncated: false,
            over_budget: false,
            elapsed: std::time::Duration::ZERO,
        }
    }

    fn message(status: u16, text: &str) -> Response {
        answer(status, &serde_json::json!({ "message": text }).to_string())
    }

    /// One branch of `judge`: the case, the answer, the daemon, and the verdict and reason it must give.
    struct Row {
        branch: &'static str,
        case: ProbeCase,
        answer: Response,
        daemon: DaemonInfo,
        verdict: Verdict,
        reason: &'static str,
    }

    fn row(branch: &'static str, case: ProbeCase, answer: Response, verdict: Verdict, reason: &'static str) -> Row {
        Row { branch, case, answer, daemon: docker(), verdict, reason }
    }

    impl Row {
        fn on(self, daemon: DaemonInfo) -> Self {
            Self { daemon, ..self }
        }
    }

    const TOO_OLD: &str = "client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version";
    const TOO_NEW: &str = "client version 1.42 is too new. Maximum supported API version is 1.41";

    /// Every `if` and `match` arm of `judge`, against a daemon advertising 1.24..=1.41 unless the row says otherwise.
    fn rows() -> Vec<Row> {
        use Verdict::*;
        vec![
            // The version checks, before anything else.
            row(
                "bare 400 to HEAD outside the range",
                head(Some("1.12")),
                answer(400, ""),
                VersionRejected,
                "400 to HEAD outside the advertised range (HEAD answers have no body)",
            ),
            row(
                "bare 400 to HEAD inside the range is not a version error",
                head(Some("1.30")),
                answer(400, ""),
                Incompatible,
                "unexpected 400: an empty body",
            ),
            row("too old, below the range", get(Some("1.12")), message(400, TOO_OLD), VersionRejected, TOO_OLD),
            row("too new, above the range", get(Some("1.42")), message(400, TOO_NEW), VersionRejected, TOO_NEW),
            row(
                "client is newer than server (old daemons)",
                get(Some("1.42")),
                message(400, "client is newer than server (client API version: 1.42, server API version: 1.41)"),
                VersionRejected,
                "client is newer than server (client API version: 1.42, server API version: 1.41)",
            ),
            row(
                "a version error inside the advertised range",
                get(Some("1.30")),
                message(400, TOO_OLD),
                Incompatible,
                "rejected v1.30, inside the advertised range 1.24..=1.41: client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version",
            ),
            row(
                "requires minimum API version, inside the range: a version rule of the endpoint",
                get(Some("1.30")),
                message(400, "this option requires minimum API version 1.35"),
                VersionRejected,
                "this option requires minimum API version 1.35",
            ),
            row(
                "a version error to an unversioned request",
                get(None),
                message(400, "client is too old"),
                VersionRejected,
                "client is too old",
            ),
            row(
                "without an advertised maximum every version is inside",
                get(Some("1.12")),
                message(400, TOO_OLD),
                Incompatible,
                "rejected v1.12, inside the advertised range : client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version",
            )
            .on(DaemonInfo { api_version: None, min_api_version: None, ..docker() }),
            row(
                "without an advertised minimum the range starts at 1.0",
                get(Some("1.12")),
                message(400, TOO_OLD),
                Incompatible,
                "rejected v1.12, inside the advertised range 1.0..=1.41: client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version",
            )
            .on(DaemonInfo { min_api_version: None, ..docker() }),
            // Served.
            row("2xx", get(Some("1.30")), answer(200, "[]"), Ok, ""),
            row("204", get(Some("1.30")), answer(204, ""), Ok, ""),
            row("304", get(Some("1.30")), answer(304, ""), Ok, ""),
            row("unversioned 2xx", get(None), answer(200, "[]"), Ok, ""),
            row(
                "hijack 101",
                with(get(Some("1.30")), |c| {
                    Arc::make_mut(&mut c.recipe).hijack = Some(Hijack { expect: "x".into(), ..Hijack::default() })
                }),
                answer(101, ""),
                Ok,
                "",
            ),
            row(
                "a progress stream that ends in an error (a push the registry refused)",
                get(Some("1.30")),
                answer(
                    200,
                    "{\"status\":\"Preparing\",\"id\":\"a1\"}\n{\"errorDetail\":{\"message\":\"denied\"},\"error\":\"denied\"}\n",
                ),
                Incompatible,
                "200 whose progress stream ends in an error: denied",
            ),
            row(
                "a progress stream without an error",
                get(Some("1.30")),
                answer(200, "{\"status\":\"Pushed\",\"id\":\"a1\"}\n{\"aux\":{\"Tag\":\"x\"}}\n"),
                Ok,
                "",
            ),
            row("101 without a hijack recipe", get(Some("1.30")), answer(101, ""), Incompatible, "unexpected 101: an empty body"),
            row(
                "a status the recipe expects",
                with(get(Some("1.30")), |c| Arc::make_mut(&mut c.recipe).expect = vec![409]),
                message(409, "already started"),
                Ok,
                "",
            ),
            // Not routed.
            row(
                "404 to HEAD of a name that does not exist",
                with(head(Some("1.30")), missing),
                answer(404, ""),
                NotApplicable,
                "404 to HEAD of a name that does not exist",
            ),
            row(
                "405 -> absent",
                with(get(Some("1.30")), |c| Arc::make_mut(&mut c.endpoint).first = v("1.35")),
                message(405, "method not allowed"),
                Absent,
                "method not allowed",
            ),
            row(
                "501 -> absent",
                with(get(Some("1.30")), |c| Arc::make_mut(&mut c.endpoint).last = Some(v("1.25"))),
                answer(501, ""),
                Absent,
                "501 with an empty body",
            ),
            row(
                "empty-body 404 -> absent",
                with(get(Some("1.30")), |c| Arc::make_mut(&mut c.endpoint).first = v("1.35")),
                answer(404, ""),
                Absent,
                "404 with an empty body",
            ),
            row(
                "404 page not found -> absent",
                with(get(Some("1.30")), |c| Arc::make_mut(&mut c.endpoint).first = v("1.35")),
                message(404, "page not found"),
                Absent,
                "page not found",
            ),
            row(
                "plain-text 404 Not Found -> absent",
                with(get(Some("1.30")), |c| Arc::make_mut(&mut c.endpoint).first = v("1.35")),
                answer(404, "Not Found\n"),
                Absent,
                "Not Found",
            ),
            row(
                "absent_ok",
                with(get(Some("1.30")), |c| Arc::make_mut(&mut c.recipe).absent_ok = Some("only experimental daemons route it".into())),
                message(404, "page not found"),
                Absent,
                "page not found (only experimental daemons route it)",
            ),
            row(
                "defined but unrouted inside the range",
                get(Some("1.30")),
                message(404, "page not found"),
                Incompatible,
                "defined at v1.30 but not routed: page not found",
            ),
            row(
                "unversioned absent, still defined",
                get(None),
                message(404, "page not found"),
                Incompatible,
                "not routed on an unversioned path: page not found",
            ),
            row(
                "unversioned absent, removed from the newest API",
                with(get(None), |c| Arc::make_mut(&mut c.endpoint).last = Some(v("1.24"))),
                message(404, "page not found"),
                Absent,
                "page not found",
            ),
            // Defined conditions.
            row(
                "the recipe's not_applicable statuses",
                with(get(Some("1.30")), |c| Arc::make_mut(&mut c.recipe).not_applicable = vec![500]),
                message(500, "no rootfs"),
                NotApplicable,
                "500 is a defined condition for this request: no rootfs",
            ),
            row(
                "503",
                get(Some("1.30")),
                message(503, "This node is not a swarm manager."),
                NotApplicable,
                "This node is not a swarm manager.",
            ),
            row(
                "503 from a daemon that does not implement the endpoint -> unsupported",
                with(get(Some("1.30")), |c| Arc::make_mut(&mut c.recipe).not_applicable = vec![503]),
                message(503, "Podman does not support service: /v1.30/services/create"),
                Unsupported,
                "503: the daemon does not implement it: Podman does not support service: /v1.30/services/create",
            )
            .on(podman()),
            row(
                "501 with a message -> unsupported",
                get(Some("1.30")),
                message(501, "update is not supported"),
                Unsupported,
                "501: the daemon does not implement it: update is not supported",
            )
            .on(podman()),
            row(
                "unsupported outside the range (unenforced)",
                get(Some("1.44")),
                message(503, "Podman does not support service: /v1.44/nodes"),
                Unenforced,
                "answered v1.44 (503, unsupported: 503: the daemon does not implement it: Podman does not support \
                 service: /v1.44/nodes) outside the advertised range 1.24..=1.41",
            )
            .on(podman()),
            row(
                "404 with a message for a name that does not exist",
                with(get(Some("1.30")), |c| {
                    Arc::make_mut(&mut c.recipe).query.insert("filter".into(), "$missing".into());
                }),
                message(404, "No such container: dockmatrix-missing"),
                NotApplicable,
                "No such container: dockmatrix-missing",
            ),
            row(
                "a 4xx for a name that does not exist",
                with(get(Some("1.30")), |c| Arc::make_mut(&mut c.recipe).body = Some(serde_json::json!({ "Image": "$missing" }))),
                message(409, "conflict"),
                NotApplicable,
                "conflict",
            ),
            // Faults.
            row("a 5xx", get(Some("1.30")), message(500, "boom"), Incompatible, "server error 500: boom"),
            row(
                "a 5xx for a name that does not exist is still a fault",
                with(get(Some("1.30")), missing),
                message(500, "boom"),
                Incompatible,
                "server error 500: boom",
            ),
            row(
                "any other 4xx",
                get(Some("1.30")),
                message(409, "conflict"),
                Incompatible,
                "unexpected 409: conflict",
            ),
            // Outside the advertised range, by a daemon that answered rather than rejected.
            row(
                "served below the range (unenforced)",
                get(Some("1.12")),
                answer(200, "[]"),
                Unenforced,
                "answered v1.12 (200, ok) outside the advertised range 1.24..=1.41",
            )
            .on(podman()),
            row(
                "a fault above the range (unenforced)",
                get(Some("1.57")),
                message(500, "boom"),
                Unenforced,
                "answered v1.57 (500, incompatible: server error 500: boom) outside the advertised range 1.24..=1.41",
            )
            .on(podman()),
            row(
                "a defined condition outside the range (unenforced)",
                get(Some("1.42")),
                message(503, "not a swarm manager"),
                Unenforced,
                "answered v1.42 (503, not-applicable: not a swarm manager) outside the advertised range 1.24..=1.41",
            ),
            row(
                "unrouted outside the range (absent)",
                get(Some("1.12")),
                message(404, "page not found"),
                Absent,
                "page not found",
            ),
            row(
                "unrouted outside the range, even with absent_ok",
                with(get(Some("1.42")), |c| Arc::make_mut(&mut c.recipe).absent_ok = Some("experimental".into())),
                answer(404, ""),
                Absent,
                "404 with an empty body",
            ),
            row(
                "a body cut at the cap (a daemon that sends without end): not judged",
                get(Some("1.41")),
                Response { truncated: true, ..answer(200, &"[".repeat(4096)) },
                Error,
                "200 with a body that went on past the 4 KiB cap: cut, not judged",
            ),
            row(
                "a gateway's HTML page: a proxy answered, not the daemon",
                get(Some("1.41")),
                Response {
                    headers: vec![("content-type".into(), "text/html".into())],
                    ..answer(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
                },
                Error,
                "502 from a proxy in front of the daemon (text/html), not the daemon's answer: <html><body><h1>502 Bad \
                 Gateway</h1></body></html>",
            ),
            row(
                "a body cut by the memory budget, even in a stream window: not judged",
                with(get(Some("1.41")), |c| Arc::make_mut(&mut c.recipe).stream_ms = Some(500)),
                Response { truncated: true, over_budget: true, ..answer(200, &"[".repeat(2048)) },
                Error,
                "200 with a body cut at 2 KiB: the bodies being read at once passed the memory budget; not judged",
            ),
            row(
                "a body cut by the stream window the recipe asked for is judged",
                with(get(Some("1.41")), |c| Arc::make_mut(&mut c.recipe).stream_ms = Some(500)),
                Response { truncated: true, ..answer(200, "{}") },
                Ok,
                "",
            ),
        ]
    }

    #[test]
    fn each_branch_of_judge_gives_its_verdict_and_reason() {
        let mut wrong = Vec::new();
        for r in rows() {
            let got = judge(&r.case, &r.answer, &r.daemon);
            if got != (r.verdict, r.reason.to_string()) {
                wrong.push(format!(
                    "{}:\n    want {} {:?}\n    got  {} {:?}",
                    r.branch, r.verdict, r.reason, got.0, got.1
                ));
            }
        }
        assert!(wrong.is_empty(), "{} rows wrong:\n{}", wrong.len(), wrong.join("\n"));
    }

    #[test]
    fn a_daemon_that_serves_more_than_it_advertises_is_told_once() {
        assert_eq!(
            podman().unenforced_note().as_deref(),
            Some("serves 1.0–1.57, advertises 1.24–1.41: does not enforce API versions")
        );
        assert_eq!(docker().unenforced_note(), None);
    }

    #[test]
    fn reads_the_stated_limits() {
        let old = "client version 1.11 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version";
        assert_eq!(stated_version(old), Some(ApiVersion::new(1, 12)));
        assert!(is_version_error(old));
        let new = "client version 1.42 is too new. Maximum supported API version is 1.41";
        assert_eq!(stated_version(new), Some(ApiVersion::new(1, 41)));
    }
}
