//! The one `$name` template grammar of the matrices: recipes, fixtures and scenarios fill their values with it.
//!
//! # Rules
//!
//! - **A reference** is `$` followed by a name: a letter or `_`, then letters, digits and `_`
//!   (`$run`, `$id`, `$image_id`).
//! - **Dotted names**: a `.` followed by a letter continues the name (`$container.tty`, `$setup.start`); any other
//!   character ends it, so `$missing-renamed` is `$missing` then `-renamed`, and `$run.` ends a sentence.
//! - **`$now-N`**: `$now` followed by `-` and digits is one reference, N seconds before `$now` (`$now-60`). Only
//!   `now` takes an offset.
//! - **Escape**: `$$` is a literal `$`. A `$` not followed by a name or another `$` stays as written (`5$`, `$1`).
//! - **JSON**: in a JSON value, every string is a template, object keys included (`{"$name": 1}`); numbers, booleans
//!   and null are left alone.
//! - **Unknown names**: [`substitute`] fails with the first name the lookup has no value for; [`substitute_keeping`]
//!   leaves such a reference as it was written.

use serde_json::Value;

/// A piece of a template: literal text or a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Literal text (from a `$$`, the single `$` it stands for).
    Text(&'a str),
    /// A reference: the name without its `$`, and for `$now-N` the N.
    Var {
        /// The name (`container.tty`, `now`).
        name: &'a str,
        /// Seconds to subtract (`$now-60`); 0 otherwise.
        minus: u64,
    },
}

/// The length of the name at the start of `rest` (0 when `rest` does not start with one).
fn name_len(rest: &str) -> usize {
    let b = rest.as_bytes();
    let word = |i: usize| b[i..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
    if b.first().is_none_or(|c| !(c.is_ascii_alphabetic() || *c == b'_')) {
        return 0;
    }
    let mut end = word(0);
    while b.get(end) == Some(&b'.') && b.get(end + 1).is_some_and(u8::is_ascii_alphabetic) {
        end += 1 + word(end + 1);
    }
    end
}

/// Splits `value` into text and references (see the module's rules).
pub fn pieces(value: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let (mut i, mut text_start) = (0, 0);
    let bytes = value.as_bytes();
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
        let len = name_len(&value[start..]);
        if len == 0 {
            i += 1;
            continue;
        }
        let (name, mut end, mut minus) = (&value[start..start + len], start + len, 0);
        if name == "now" && bytes.get(end) == Some(&b'-') {
            let digits = bytes[end + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
            if let Ok(n) = value[end + 1..end + 1 + digits].parse::<u64>() {
                minus = n;
                end += 1 + digits;
            }
        }
        if text_start < i {
            out.push(Piece::Text(&value[text_start..i]));
        }
        out.push(Piece::Var { name, minus });
        i = end;
        text_start = end;
    }
    if text_start < value.len() {
        out.push(Piece::Text(&value[text_start..]));
    }
    out
}

/// The names `value` refers to, in order (`$now-60` gives `now`).
pub fn references(value: &str) -> impl Iterator<Item = &str> {
    pieces(value).into_iter().filter_map(|p| match p {
        Piece::Var { name, .. } => Some(name),
        Piece::Text(_) => None,
    })
}

/// One reference's value: `lookup(name)`, less `minus` when it is a number (`$now-60`).
fn value_of(name: &str, minus: u64, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let v = lookup(name)?;
    if minus == 0 {
        return Some(v);
    }
    Some(v.parse::<u64>().map_or(v, |n| n.saturating_sub(minus).to_string()))
}

/// `value` with every reference filled in by `lookup`; `Err` names the first reference without a value.
pub fn substitute(value: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(value.len());
    for piece in pieces(value) {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Var { name, minus } => out.push_str(&value_of(name, minus, lookup).ok_or_else(|| name.to_string())?),
        }
    }
    Ok(out)
}

/// As [`substitute`], but a reference without a value stays as written.
pub fn substitute_keeping(value: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(value.len());
    for piece in pieces(value) {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Var { name, minus } => match value_of(name, minus, lookup) {
                Some(v) => out.push_str(&v),
                None if minus > 0 => out.push_str(&format!("${name}-{minus}")),
                None => out.push_str(&format!("${name}")),
            },
        }
    }
    out
}

/// Every string of a JSON value substituted with `fill`, object keys included.
pub fn substitute_json<E>(v: &Value, fill: &dyn Fn(&str) -> Result<String, E>) -> Result<Value, E> {
    Ok(match v {
        Value::String(s) => Value::String(fill(s)?),
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute_json(x, fill)).collect::<Result<_, _>>()?),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, x)| Ok((fill(k)?, substitute_json(x, fill)?))).collect::<Result<_, E>>()?)
        }
        other => other.clone(),
    })
}

/// Every template inside a JSON value: its strings and its object keys.
pub fn json_strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().flat_map(json_strings).collect(),
        Value::Object(o) => o.iter().flat_map(|(k, x)| std::iter::once(k.as_str()).chain(json_strings(x))).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str) -> Piece<'_> {
        Piece::Var { name, minus: 0 }
    }

    fn lookup(name: &str) -> Option<String> {
        match name {
            "missing" => Some("dockmatrix-missing-abc".into()),
            "now" => Some("1000".into()),
            "container" => Some("C1".into()),
            "container.tty" => Some("T1".into()),
            "run" => Some("abc".into()),
            _ => None,
        }
    }

    #[test]
    fn names_run_over_dots_followed_by_a_letter_only() {
        assert_eq!(pieces("$container.tty"), [var("container.tty")]);
        assert_eq!(pieces("$setup.start/x"), [var("setup.start"), Piece::Text("/x")]);
        assert_eq!(pieces("$run."), [var("run"), Piece::Text(".")]);
        assert_eq!(pieces("$run.1"), [var("run"), Piece::Text(".1")]);
        assert_eq!(pieces("$missing-renamed"), [var("missing"), Piece::Text("-renamed")]);
        assert_eq!(pieces("dockmatrix-$run/tagged"), [Piece::Text("dockmatrix-"), var("run"), Piece::Text("/tagged")]);
    }

    #[test]
    fn now_alone_takes_an_offset() {
        assert_eq!(pieces("$now-60"), [Piece::Var { name: "now", minus: 60 }]);
        assert_eq!(pieces("$now-x"), [var("now"), Piece::Text("-x")]);
        assert_eq!(pieces("$run-5"), [var("run"), Piece::Text("-5")]);
        assert_eq!(substitute("$now-1 $now", &lookup).as_deref(), Ok("999 1000"));
    }

    #[test]
    fn dollars_without_a_name_stay_literal_and_two_make_one() {
        assert_eq!(pieces("a$$b"), [Piece::Text("a$"), Piece::Text("b")]);
        assert_eq!(pieces("5$"), [Piece::Text("5$")]);
        assert_eq!(pieces("$1"), [Piece::Text("$1")]);
        assert_eq!(references("$$run").count(), 0);
        assert_eq!(substitute("$$run costs 5$", &lookup).as_deref(), Ok("$run costs 5$"));
    }

    #[test]
    fn substitutes_or_names_the_first_reference_without_a_value() {
        assert_eq!(substitute("$container.tty and $container", &lookup).as_deref(), Ok("T1 and C1"));
        assert_eq!(substitute("LABEL dockmatrix.run=$run\n", &lookup).as_deref(), Ok("LABEL dockmatrix.run=abc\n"));
        assert_eq!(substitute("$missing-renamed", &lookup).as_deref(), Ok("dockmatrix-missing-abc-renamed"));
        assert_eq!(substitute("$run/$id/$image", &lookup), Err("id".to_string()));
        assert_eq!(substitute_keeping("$run/$id/$now-5/$ghost-5", &lookup), "abc/$id/995/$ghost-5");
    }

    #[test]
    fn json_keys_and_strings_are_templates_and_other_values_are_not() {
        let body =
            serde_json::json!({"Labels": {"dockmatrix.run": "$run", "$run": "k"}, "Cmd": ["$container"], "N": 1});
        let fill = |s: &str| substitute(s, &lookup);
        assert_eq!(
            substitute_json(&body, &fill),
            Ok(serde_json::json!({"Labels": {"dockmatrix.run": "abc", "abc": "k"}, "Cmd": ["C1"], "N": 1}))
        );
        assert_eq!(json_strings(&body), ["Labels", "dockmatrix.run", "$run", "$run", "k", "Cmd", "$container", "N"]);
    }
}
