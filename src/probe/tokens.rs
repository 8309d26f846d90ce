//! The `$tokens` recipes and scenarios may use, and the one substitution routine that fills them in.

/// Every token a recipe may use, with what it stands for (for `matrix check` and the docs).
pub const TOKENS: &[(&str, &str)] = &[
    ("missing", "a name the run makes sure does not exist (dockmatrix-missing-<run id>)"),
    ("now", "Unix seconds at the start of the run; `$now-N` is N seconds earlier"),
    ("run", "the run id, also the value of the dockmatrix.run label on everything the run creates"),
    ("name", "a name unique to the case (dockmatrix-<run id>-<endpoint>-<version>)"),
    ("ver", "the case's API version as a tag (`v1-41`, or `default` unversioned)"),
    ("image", "the run's own labelled image (its tags never change during the run)"),
    ("image.spare", "a second labelled image, for the tags probes add and remove"),
    ("container", "the endpoint's own container when the recipe has a container fixture, else a shared running one"),
    ("container.tty", "a shared running container with a TTY"),
    ("container.exited", "a shared container that ran and exited"),
    ("exec", "the endpoint's own new exec instance with `fixture: exec`, else a shared exec never started"),
    ("exec.tty", "a shared running exec instance with a TTY"),
    ("volume", "the endpoint's own new volume with `fixture: volume`, else a shared one"),
    ("network", "the endpoint's own new internal network with `fixture: network`, else a shared one"),
    ("tag", "a new tag of the spare image with `fixture: tag`"),
    ("setup.start", "Unix time (with nanoseconds) when the shared fixtures began to be made"),
    ("setup.end", "Unix time (with nanoseconds) when the shared fixtures were all made"),
];

/// The token starting right after a `$` in `rest`, if `rest` starts with one (longest known match).
fn token_at(rest: &str) -> Option<&'static str> {
    TOKENS
        .iter()
        .map(|(t, _)| *t)
        .filter(|t| {
            rest.starts_with(t)
                && !rest[t.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                && !(rest[t.len()..].starts_with('.')
                    && rest[t.len() + 1..].starts_with(|c: char| c.is_ascii_lowercase()))
        })
        .max_by_key(|t| t.len())
}

/// The `$words` in `value` that are not known tokens (for `matrix check`).
pub fn unknown_tokens(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in value.match_indices('$') {
        let rest = &value[i + 1..];
        if token_at(rest).is_none() {
            let word: String =
                rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '_').collect();
            if !word.is_empty() {
                out.push(word);
            }
        }
    }
    out
}

/// The known tokens `value` uses.
pub fn used(value: &str) -> Vec<&'static str> {
    value.match_indices('$').filter_map(|(i, _)| token_at(&value[i + 1..])).collect()
}

/// Fills in every known token of `value` with `lookup`; `$now-N` subtracts N from `$now`. A token `lookup` has no
/// value for, and any unknown `$word`, stays as written.
pub fn substitute(value: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match token_at(after).and_then(|t| lookup(t).map(|v| (t, v))) {
            Some(("now", v)) => {
                let tail = &after[3..];
                let digits: String =
                    tail.strip_prefix('-').unwrap_or("").chars().take_while(char::is_ascii_digit).collect();
                match (digits.parse::<u64>(), v.parse::<u64>()) {
                    (Ok(n), Ok(now)) => {
                        out.push_str(&now.saturating_sub(n).to_string());
                        rest = &tail[1 + digits.len()..];
                    }
                    _ => {
                        out.push_str(&v);
                        rest = tail;
                    }
                }
            }
            Some((t, v)) => {
                out.push_str(&v);
                rest = &after[t.len()..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(t: &str) -> Option<String> {
        match t {
            "missing" => Some("dockmatrix-missing-abc".into()),
            "now" => Some("1000".into()),
            "container" => Some("C1".into()),
            "container.tty" => Some("T1".into()),
            "run" => Some("abc".into()),
            _ => None,
        }
    }

    #[test]
    fn fills_tokens_longest_first() {
        assert_eq!(substitute("$missing", &lookup), "dockmatrix-missing-abc");
        assert_eq!(substitute("$missing-renamed", &lookup), "dockmatrix-missing-abc-renamed");
        assert_eq!(substitute("$now", &lookup), "1000");
        assert_eq!(substitute("$now-1", &lookup), "999");
        assert_eq!(substitute("$container.tty and $container", &lookup), "T1 and C1");
        assert_eq!(substitute("dockmatrix-$run/tagged", &lookup), "dockmatrix-abc/tagged");
        assert_eq!(substitute("LABEL dockmatrix.run=$run\n", &lookup), "LABEL dockmatrix.run=abc\n");
        assert_eq!(substitute("plain $ sign and $image", &lookup), "plain $ sign and $image");
    }

    #[test]
    fn finds_unknown_and_used_tokens() {
        assert_eq!(unknown_tokens("$contaner and $run"), vec!["contaner".to_string()]);
        assert_eq!(unknown_tokens("$container.ttx"), vec!["container.ttx".to_string()]);
        assert_eq!(used("$container.tty/$image"), vec!["container.tty", "image"]);
        assert!(unknown_tokens("$now-30").is_empty());
    }
}
