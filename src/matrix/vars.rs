//! `$variable` references in scenario values: one parser shared by validation and the scenario runner.

/// The variables every scenario run defines (besides `$now-N`, which is `$now` minus N seconds).
pub const BUILT_IN: &[&str] = &["image", "run", "label", "name", "missing", "now"];

/// A piece of a value: literal text or a reference to a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Literal text (`$$` stands for a literal `$`).
    Text(&'a str),
    /// A variable name without its `$` (`id`, `now-60`).
    Var(&'a str),
}

/// Splits `value` into text and `$name` references. A name is `[A-Za-z_][A-Za-z0-9_]*`, so `$missing-renamed` is
/// `$missing` followed by `-renamed`; `$now-N` (digits) is one reference. `$$` is a literal `$`, and a `$` not
/// followed by a name stays literal.
pub fn pieces(value: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let bytes = value.as_bytes();
    let (mut i, mut text_start) = (0, 0);
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        if bytes.get(i + 1) == Some(&b'$') {
            // Keep the first `$` as text and skip the second.
            out.push(Piece::Text(&value[text_start..=i]));
            i += 2;
            text_start = i;
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while end < bytes.len() && (bytes[end] == b'_' || bytes[end].is_ascii_alphanumeric()) {
            end += 1;
        }
        if end == start || bytes[start].is_ascii_digit() {
            i += 1;
            continue;
        }
        if &value[start..end] == "now" && bytes.get(end) == Some(&b'-') {
            let digits = bytes[end + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
            if digits > 0 {
                end += 1 + digits;
            }
        }
        if text_start < i {
            out.push(Piece::Text(&value[text_start..i]));
        }
        out.push(Piece::Var(&value[start..end]));
        i = end;
        text_start = end;
    }
    if text_start < value.len() {
        out.push(Piece::Text(&value[text_start..]));
    }
    out
}

/// The variables `value` refers to, in order.
pub fn references(value: &str) -> impl Iterator<Item = &str> {
    pieces(value).into_iter().filter_map(|p| match p {
        Piece::Var(v) => Some(v),
        Piece::Text(_) => None,
    })
}

/// Whether `name` is a variable every run defines (`now-60` included).
pub fn is_built_in(name: &str) -> bool {
    BUILT_IN.contains(&name) || name.strip_prefix("now-").is_some_and(|n| n.parse::<u64>().is_ok())
}

/// Whether `name` can be a captured value's name (a `$name` reference reads it back whole).
pub fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Every string inside a JSON value (keys are not substituted, so they are left out).
pub fn json_strings(v: &serde_json::Value) -> Vec<&str> {
    match v {
        serde_json::Value::String(s) => vec![s.as_str()],
        serde_json::Value::Array(a) => a.iter().flat_map(json_strings).collect(),
        serde_json::Value::Object(o) => o.values().flat_map(json_strings).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_text_and_references() {
        assert_eq!(pieces("$id"), [Piece::Var("id")]);
        assert_eq!(pieces("$missing-renamed"), [Piece::Var("missing"), Piece::Text("-renamed")]);
        assert_eq!(
            pieces(r#"{"label":["$label"],"id":["$id"]}"#),
            [
                Piece::Text(r#"{"label":[""#),
                Piece::Var("label"),
                Piece::Text(r#""],"id":[""#),
                Piece::Var("id"),
                Piece::Text(r#""]}"#),
            ]
        );
        assert_eq!(pieces("$now-60"), [Piece::Var("now-60")]);
        assert_eq!(pieces("$now-x"), [Piece::Var("now"), Piece::Text("-x")]);
        assert_eq!(pieces("plain"), [Piece::Text("plain")]);
    }

    #[test]
    fn dollars_without_a_name_stay_literal() {
        assert_eq!(pieces("a$$b"), [Piece::Text("a$"), Piece::Text("b")]);
        assert_eq!(pieces("5$"), [Piece::Text("5$")]);
        assert_eq!(pieces("$1"), [Piece::Text("$1")]);
        assert_eq!(references("$$id").count(), 0);
    }

    #[test]
    fn knows_the_built_in_names() {
        assert!(is_built_in("image") && is_built_in("now-5") && !is_built_in("now-") && !is_built_in("id"));
        assert!(is_name("id") && is_name("_x1") && !is_name("1x") && !is_name("a-b") && !is_name(""));
    }
}
