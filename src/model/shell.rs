//! Words of a POSIX shell command the tool prints for the user to paste (`dockmatrix report ...`, `dockmatrix
//! snapshot review ...`): one quoting rule for every command it suggests.

/// `s` as one word of a POSIX shell: as it is when every character is plain, else in single quotes.
pub fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_./:=@%+,-".contains(c);
    if !s.is_empty() && s.chars().all(plain) { s.to_string() } else { format!("'{}'", s.replace('\'', "'\\''")) }
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn quotes_only_what_a_shell_would_split_or_expand() {
        for (word, expected) in [
            ("snapshots/docker-20.10", "snapshots/docker-20.10"),
            ("run.json", "run.json"),
            ("endpoint:container.*", "'endpoint:container.*'"),
            ("my runs", "'my runs'"),
            ("it's", "'it'\\''s'"),
            ("", "''"),
            ("$HOME", "'$HOME'"),
        ] {
            assert_eq!(shell_word(word), expected, "{word}");
        }
    }
}
