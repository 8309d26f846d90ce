//! The one place that writes versioned request paths (`/v1.41/containers/json`).

use crate::model::ApiVersion;

/// Joins a swagger-style path template with concrete parameters and, when given, the API version prefix.
///
/// `template` is a path such as `/containers/{id}/json`; each `{name}` is replaced by the matching value of
/// `params`, percent-encoded as a path segment. `query` pairs are percent-encoded and appended.
pub fn build(version: Option<ApiVersion>, template: &str, params: &[(&str, &str)], query: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    if let Some(v) = version {
        out.push_str(&format!("/v{v}"));
    }
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let name = &rest[open + 1..open + close];
        match params.iter().find(|(k, _)| *k == name) {
            Some((_, value)) => out.push_str(&encode(value, false)),
            None => out.push_str(&rest[open..=open + close]),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    for (i, (k, v)) in query.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(&encode(k, true));
        out.push('=');
        out.push_str(&encode(v, true));
    }
    out
}

/// Percent-encodes everything but RFC 3986 unreserved characters (and `:` in path segments, as in `busybox:local`).
fn encode(s: &str, query: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') || (!query && b == b':');
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_version_prefix() {
        let v = Some(ApiVersion::new(1, 24));
        assert_eq!(build(v, "/containers/json", &[], &[]), "/v1.24/containers/json");
        assert_eq!(build(None, "/_ping", &[], &[]), "/_ping");
        assert_eq!(build(Some(ApiVersion::new(1, 41)), "/info", &[], &[]), "/v1.41/info");
    }

    #[test]
    fn fills_and_encodes_parameters() {
        let v = Some(ApiVersion::new(1, 41));
        assert_eq!(
            build(v, "/images/{name}/json", &[("name", "dockmatrix/busybox:local")], &[]),
            "/v1.41/images/dockmatrix%2Fbusybox:local/json"
        );
        assert_eq!(
            build(v, "/containers/{id}/stop", &[("id", "abc")], &[("t", "0")]),
            "/v1.41/containers/abc/stop?t=0"
        );
        assert_eq!(
            build(None, "/events", &[], &[("filters", r#"{"label":["a=b"]}"#), ("since", "1")]),
            "/events?filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D&since=1"
        );
    }

    #[test]
    fn leaves_unknown_parameters_visible() {
        assert_eq!(build(None, "/exec/{id}/json", &[], &[]), "/exec/{id}/json");
    }
}
