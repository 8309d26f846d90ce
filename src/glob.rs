//! A tiny glob matcher (`*` any run, `?` one character) for endpoint ids such as `container.*`.

/// Whether `text` matches `pattern`.
pub fn matches(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn matches_stars_and_question_marks() {
        assert!(matches("container.*", "container.list"));
        assert!(matches("*.inspect", "image.inspect"));
        assert!(matches("system.ping*", "system.ping.head"));
        assert!(matches("exec.?tart", "exec.start"));
        assert!(!matches("container.*", "image.list"));
        assert!(!matches("exec.?", "exec.start"));
        assert!(matches("*", ""));
        assert!(matches("container.*", "container."));
        assert!(matches("*a*b*", "xxaYYbzz"));
        assert!(!matches("*a*b", "xxaYYbzz"));
        assert!(!matches("system.ping", "system.ping.head"));
    }
}
