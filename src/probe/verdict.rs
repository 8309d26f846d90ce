//! Judging an answer: one verdict and its reason, from the status, the body and the matrices.

use super::case::ProbeCase;
use super::daemon::DaemonInfo;
use super::outcome::Verdict;
use crate::client::Response;
use crate::client::version::ApiVersion;

/// The daemon's message: `message` of a JSON error body, else the body text, trimmed.
pub fn message_of(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body)
        && let Some(m) = v.get("message").and_then(|m| m.as_str())
    {
        return m.to_string();
    }
    String::from_utf8_lossy(&body[..body.len().min(300)]).trim().to_string()
}

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
    let message = message_of(&resp.body);
    let v = case.api_version;
    let advertised = match (daemon.min_api_version, daemon.api_version) {
        (Some(lo), Some(hi)) => Some((lo, hi)),
        (None, Some(hi)) => Some((ApiVersion::new(1, 0), hi)),
        _ => None,
    };
    let inside = |v: ApiVersion| advertised.is_none_or(|(lo, hi)| lo <= v && v <= hi);
    let range_text = advertised.map_or_else(String::new, |(lo, hi)| format!("{lo}..={hi}"));

    // HEAD answers carry no body, so a version error shows only as a bare 400.
    let head = case.endpoint.method == crate::matrix::Method::Head;
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
        (Verdict::Ok | Verdict::NotApplicable, Some(v)) if !inside(v) => {
            (Verdict::Incompatible, format!("served v{v} ({}), outside the advertised range {range_text}", resp.status))
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

    #[test]
    fn reads_the_stated_limits() {
        let old = "client version 1.11 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version";
        assert_eq!(stated_version(old), Some(ApiVersion::new(1, 12)));
        assert!(is_version_error(old));
        let new = "client version 1.42 is too new. Maximum supported API version is 1.41";
        assert_eq!(stated_version(new), Some(ApiVersion::new(1, 41)));
        assert_eq!(message_of(br#"{"message":"page not found"}"#), "page not found");
    }
}
