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
    let hijack_upgraded = resp.status == 101 && case.recipe.hijack.is_some();
    let served = (200..300).contains(&resp.status)
        || resp.status == 304
        || hijack_upgraded
        || case.recipe.expect.contains(&resp.status);
    let (base, why) = if served {
        (Verdict::Ok, String::new())
    } else if head && resp.status == 404 && uses_missing(case) {
        (Verdict::NotApplicable, "404 to HEAD of a name that does not exist".into())
    } else if is_unrouted(resp.status, &message, resp.body.len()) {
        (
            Verdict::Absent,
            if message.is_empty() { format!("{} with an empty body", resp.status) } else { message.clone() },
        )
    } else if case.recipe.not_applicable.contains(&resp.status) {
        (Verdict::NotApplicable, format!("{} is a defined condition for this request: {message}", resp.status))
    } else if resp.status == 503 || (resp.status == 404 && uses_missing(case)) {
        (Verdict::NotApplicable, message.clone())
    } else if resp.status >= 500 {
        (Verdict::Incompatible, format!("server error {}: {message}", resp.status))
    } else if uses_missing(case) && (400..500).contains(&resp.status) {
        (Verdict::NotApplicable, message.clone())
    } else {
        (Verdict::Incompatible, format!("unexpected {}: {message}", resp.status))
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
    use crate::matrix::model::{Endpoint, Recipe};
    use crate::model::EngineKind;

    fn v(s: &str) -> ApiVersion {
        s.parse().expect("version")
    }

    /// A Podman-like daemon: advertises 1.24..=1.41, answers every version from 1.0 to 1.57.
    fn podman() -> DaemonInfo {
        DaemonInfo {
            name: "podman-4.3".into(),
            kind: EngineKind::Podman,
            version: "4.3.1".into(),
            api_version: Some(v("1.41")),
            min_api_version: Some(v("1.24")),
            enforced_min: Some(v("1.0")),
            enforced_max: Some(v("1.57")),
            os: "linux".into(),
            arch: "amd64".into(),
            server: String::new(),
            ostype: None,
            experimental: None,
            builder_version: None,
            head_ping: true,
        }
    }

    fn case(version: Option<&str>, last: Option<&str>) -> ProbeCase {
        ProbeCase {
            endpoint: Endpoint {
                id: "container.list".into(),
                method: Method::Get,
                path: "/containers/json".into(),
                first: v("1.0"),
                last: last.map(v),
                tag: "Container".into(),
                operation_id: None,
                summary: String::new(),
                notes: Vec::new(),
            },
            api_version: version.map(v),
            recipe: Recipe::default(),
            skip: None,
        }
    }

    fn answer(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            truncated: false,
            elapsed: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn answers_outside_the_advertised_range_of_a_daemon_that_serves_them_are_unenforced() {
        let d = podman();
        type Row<'a> = (Option<&'a str>, Option<&'a str>, u16, &'a str, Verdict, &'a str);
        let rows: &[Row] = &[
            // version, endpoint's last version, status, body, verdict, start of the reason
            (Some("1.30"), None, 200, "[]", Verdict::Ok, ""),
            (
                Some("1.11"),
                None,
                200,
                "[]",
                Verdict::Unenforced,
                "answered v1.11 (200, ok) outside the advertised range 1.24..=1.41",
            ),
            (
                Some("1.57"),
                None,
                500,
                r#"{"message":"boom"}"#,
                Verdict::Unenforced,
                "answered v1.57 (500, incompatible: server error 500: boom)",
            ),
            (Some("1.11"), None, 404, "Not Found", Verdict::Absent, "Not Found"),
            (Some("1.42"), None, 404, r#"{"message":"page not found"}"#, Verdict::Absent, "page not found"),
            (
                Some("1.11"),
                None,
                400,
                r#"{"message":"client version 1.11 is too old. Minimum supported API version is 1.24"}"#,
                Verdict::VersionRejected,
                "client version 1.11 is too old",
            ),
            (Some("1.30"), None, 404, "Not Found", Verdict::Incompatible, "defined at v1.30 but not routed"),
            (Some("1.30"), None, 500, r#"{"message":"boom"}"#, Verdict::Incompatible, "server error 500: boom"),
            (None, None, 200, "[]", Verdict::Ok, ""),
        ];
        for (version, last, status, body, verdict, reason) in rows {
            let (got, why) = judge(&case(*version, *last), &answer(*status, body), &d);
            assert_eq!(got, *verdict, "{version:?} {status}: {why}");
            assert!(why.starts_with(reason), "{version:?} {status}: {why:?} does not start with {reason:?}");
        }
    }

    #[test]
    fn a_daemon_that_serves_more_than_it_advertises_is_told_once() {
        assert_eq!(
            podman().unenforced_note().as_deref(),
            Some("serves 1.0–1.57, advertises 1.24–1.41: does not enforce API versions")
        );
        let docker = DaemonInfo { enforced_min: Some(v("1.24")), enforced_max: Some(v("1.41")), ..podman() };
        assert_eq!(docker.unenforced_note(), None);
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
