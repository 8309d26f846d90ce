//! A readable unified diff of two snapshot bodies; each hunk header names the endpoint, the version range
//! and the field where the change starts (`@@ -3,7 +3,6 @@ container.list v1.24..=v1.41: json[].Status`).

use std::fmt::Write as _;

use similar::{ChangeTag, TextDiff};

/// Where a line of a snapshot body sits: its version block and the field path inside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The version block (`v1.24..=v1.40`, `unversioned`).
    pub block: String,
    /// The field path (`json.NetworkSettings.Networks`, `json[].Status`, `status`); empty on a block label.
    pub field: String,
}

/// The location of every line of a snapshot body (by indentation, `- ` items and `key:` prefixes).
pub fn locate(text: &str) -> Vec<Location> {
    let mut out = Vec::new();
    let mut block = String::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    for line in text.lines() {
        let rest = line.trim_start();
        let indent = line.len() - rest.len();
        if rest.is_empty() {
            out.push(Location { block: block.clone(), field: String::new() });
            continue;
        }
        if indent == 0 {
            block = rest.trim_end_matches(':').to_string();
            stack.clear();
            out.push(Location { block: block.clone(), field: String::new() });
            continue;
        }
        let mut level = indent;
        let mut rest = rest;
        while let Some(r) = rest.strip_prefix("- ") {
            stack.retain(|(i, _)| *i < level);
            stack.push((level, "[]".into()));
            level += 2;
            rest = r;
        }
        stack.retain(|(i, _)| *i < level);
        let key = key_of(rest);
        let mut field = join(stack.iter().map(|(_, k)| k.as_str()));
        if let Some(k) = &key {
            field = join([field.as_str(), k.as_str()].into_iter().filter(|s| !s.is_empty()));
            if rest.ends_with(':') {
                stack.push((level, k.clone()));
            }
        }
        out.push(Location { block: block.clone(), field });
    }
    out
}

fn join<'a>(parts: impl Iterator<Item = &'a str>) -> String {
    let mut s = String::new();
    for p in parts {
        if !s.is_empty() && p != "[]" {
            s.push('.');
        }
        s.push_str(p);
    }
    s
}

/// The key of a `key: value` or `key:` line, `None` for a bare scalar.
fn key_of(rest: &str) -> Option<String> {
    if rest.starts_with('"') {
        let mut de = serde_json::Deserializer::from_str(rest).into_iter::<String>();
        let key = de.next()?.ok()?;
        let after = &rest[de.byte_offset()..];
        return after.starts_with(':').then_some(key);
    }
    let end = rest.find(": ").or_else(|| rest.strip_suffix(':').map(str::len))?;
    Some(rest[..end].to_string())
}

/// A unified diff of `old` -> `new` (3 lines of context); empty when they are equal.
pub fn unified(endpoint: &str, old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    let diff = TextDiff::from_lines(old, new);
    let groups = diff.grouped_ops(3);
    if groups.is_empty() {
        return String::new();
    }
    let old_locs = locate(old);
    let new_locs = locate(new);
    let mut out = String::new();
    let _ = writeln!(out, "--- {old_name}");
    let _ = writeln!(out, "+++ {new_name}");
    for group in groups {
        let (Some(first), Some(last)) = (group.first(), group.last()) else { continue };
        let (os, oe) = (first.old_range().start, last.old_range().end);
        let (ns, ne) = (first.new_range().start, last.new_range().end);
        let mut location = None;
        let mut lines = String::new();
        for op in &group {
            for change in diff.iter_changes(op) {
                let sign = match change.tag() {
                    ChangeTag::Equal => ' ',
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                };
                if location.is_none() {
                    location = match change.tag() {
                        ChangeTag::Equal => None,
                        ChangeTag::Delete => change.old_index().and_then(|i| old_locs.get(i)),
                        ChangeTag::Insert => change.new_index().and_then(|i| new_locs.get(i)),
                    };
                }
                let text = change.value();
                let _ = write!(lines, "{sign}{text}");
                if !text.ends_with('\n') {
                    lines.push('\n');
                }
            }
        }
        let mut header = endpoint.to_string();
        if let Some(loc) = location {
            if !loc.block.is_empty() {
                let _ = write!(header, " {}", loc.block);
            }
            if !loc.field.is_empty() {
                let _ = write!(header, ": {}", loc.field);
            }
        }
        // An empty side starts at line 0, as in `diff -u`.
        let start = |s: usize, len: usize| if len == 0 { s } else { s + 1 };
        let _ = writeln!(out, "@@ -{},{} +{},{} @@ {header}", start(os, oe - os), oe - os, start(ns, ne - ns), ne - ns);
        out.push_str(&lines);
    }
    out
}

/// The diff with ANSI colours (removed red, added green, hunk headers cyan), for a terminal.
pub fn colorize(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() + diff.len() / 4);
    for line in diff.split_inclusive('\n') {
        let (body, nl) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
        let code = if body.starts_with("---") || body.starts_with("+++") {
            "1"
        } else if body.starts_with("@@") {
            "36"
        } else if body.starts_with('-') {
            "31"
        } else if body.starts_with('+') {
            "32"
        } else {
            ""
        };
        if code.is_empty() {
            out.push_str(line);
        } else {
            let _ = write!(out, "\x1b[{code}m{body}\x1b[0m{nl}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "v1.24..=v1.41:\n  status: 200\n  json:\n    - Names:\n        - \"/[fixture]\"\n      State: \"running\"\n      Status: \"Up [duration]\"\n    - \"x y\": 1\n";

    #[test]
    fn locates_fields_through_items_and_nesting() {
        let locs = locate(BODY);
        let fields: Vec<&str> = locs.iter().map(|l| l.field.as_str()).collect();
        assert_eq!(
            fields,
            ["", "status", "json", "json[].Names", "json[].Names[]", "json[].State", "json[].Status", "json[].x y"]
        );
        assert!(locs.iter().all(|l| l.block == "v1.24..=v1.41"));
    }

    #[test]
    fn hunk_header_names_endpoint_range_and_field() {
        let new = BODY.replace("      State: \"running\"\n", "");
        let d = unified("container.list", BODY, &new, "old.snap", "new");
        assert!(d.starts_with("--- old.snap\n+++ new\n"), "{d}");
        assert!(d.contains("@@ container.list v1.24..=v1.41: json[].State\n"), "{d}");
        assert!(d.contains("\n-      State: \"running\"\n"), "{d}");
        assert_eq!(unified("x", BODY, BODY, "a", "b"), "");
        assert!(unified("x", "", "v1.41:\n", "a", "b").contains("@@ -0,0 +1,1 @@ x v1.41\n"));
    }

    #[test]
    fn colours_only_changed_lines_and_headers() {
        let c = colorize("@@ x @@\n a\n-b\n+c\n");
        assert_eq!(c, "\x1b[36m@@ x @@\x1b[0m\n a\n\x1b[31m-b\x1b[0m\n\x1b[32m+c\x1b[0m\n");
    }
}
