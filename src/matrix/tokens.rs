//! The names the matrix language defines: the `$tokens` probe recipes may use, the variables scenarios may use, and
//! what a captured value may be called. The grammar that fills them in is [`crate::model::template`].

use crate::model::template;

/// Every token a recipe may use, with what it stands for (for `matrix check` and the docs).
pub const TOKENS: &[(&str, &str)] = &[
    ("missing", "a name the run makes sure does not exist (dockmatrix-missing-<run id>)"),
    ("now", "Unix seconds at the start of the run; `$now-N` is N seconds earlier"),
    ("run", "the run id, also the value of the dockmatrix.run label on everything the run creates"),
    ("name", "a name unique to the case (dockmatrix-<run id>-<endpoint>-<version>)"),
    ("ver", "the case's API version as a tag (`v1-41`, or `default` unversioned)"),
    ("image", "the run's own labelled image (its tags never change during the run)"),
    ("image.spare", "a second labelled image, for the tags probes add and remove"),
    (
        "image.id",
        "the run image's id (`sha256:...`): a service names its image by it, so dockerd asks no registry for a digest",
    ),
    ("container", "the endpoint's own container when the recipe has a container fixture, else a shared running one"),
    ("container.tty", "a shared running container with a TTY"),
    ("container.exited", "a shared container that ran and exited"),
    ("exec", "the endpoint's own new exec instance with `fixture: exec`, else a shared exec never started"),
    ("exec.tty", "a shared running exec instance with a TTY"),
    ("volume", "the endpoint's own new volume with `fixture: volume`, else a shared one"),
    ("network", "the endpoint's own new internal network with `fixture: network`, else a shared one"),
    ("tag", "a new tag of the spare image with `fixture: tag`"),
    ("config", "the endpoint's own new config with `fixture: config`, else a shared one (in the run's own swarm)"),
    (
        "secret",
        "the endpoint's own new secret with `fixture: secret`, else a shared one (in the run's own swarm, or on a daemon that keeps secrets outside one)",
    ),
    (
        "service",
        "the endpoint's own new service (no replicas) with `fixture: service`, else a shared one with one task",
    ),
    ("task", "the task of the shared service"),
    ("node", "the node of the run's own swarm"),
    (
        "plugin",
        "with --allow plugin, the endpoint's own plugin with a plugin fixture, else a shared disabled one (their server answers the activation handshake)",
    ),
    ("plugin.config", "with --allow plugin, the config.json of the run's plugin (else a text that is not JSON)"),
    ("registry", "with --allow registry, the loopback registry --registry names"),
    ("registry.repo", "the run image's repository in that registry, pushed there as `:shared` before the sweep"),
    ("registry.plugin", "with --allow plugin too, the run's plugin pushed to that registry (a reference with its tag)"),
    (
        "node.peer",
        "with --swarm-peer, the peer's node in the run's swarm (it joined as a worker and left: down) with `fixture: swarm-worker`",
    ),
    (
        "join.token",
        "with --swarm-peer, the worker join token of a swarm of the run's the peer manages on 127.0.0.2:2377 with `fixture: swarm-joinable`",
    ),
    (
        "unlock.key",
        "with --restart-cmd, the unlock key of a swarm of the run's with autolock, locked by a restart of the daemon with `fixture: swarm-locked`",
    ),
    ("created", "in a `follow:` read, the `Id` of what the probe's answer says it created"),
    ("version", "the `Version.Index` of the object a `current: true` update reads first"),
    ("setup.start", "Unix time (with nanoseconds) when the shared fixtures began to be made"),
    ("setup.end", "Unix time (with nanoseconds) when the shared fixtures were all made"),
    (
        "window.since",
        "with `fixture: events`, Unix time (with nanoseconds) just before the endpoint's own window of events",
    ),
    ("window.until", "with `fixture: events`, Unix time (with nanoseconds) just after that window"),
    (
        "window.name",
        "with `fixture: events`, the name of the container, image tag, volume and network the window made and removed",
    ),
];

/// The known probe token `name` stands for, if it is one.
fn known(name: &str) -> Option<&'static str> {
    TOKENS.iter().map(|(t, _)| *t).find(|t| *t == name)
}

/// The `$words` in `value` that are not known probe tokens (for `matrix check`).
pub fn unknown_tokens(value: &str) -> Vec<String> {
    template::references(value).filter(|n| known(n).is_none()).map(str::to_string).collect()
}

/// The known probe tokens `value` uses.
pub fn used(value: &str) -> Vec<&'static str> {
    template::references(value).filter_map(known).collect()
}

/// The variables every scenario run defines (`$now-N` is `$now` less N seconds).
pub const SCENARIO_VARIABLES: &[&str] = &["image", "run", "label", "name", "missing", "now"];

/// Whether `name` is a variable every scenario run defines.
pub fn is_scenario_variable(name: &str) -> bool {
    SCENARIO_VARIABLES.contains(&name)
}

/// Whether `name` can be a captured value's name (a `$name` reference reads it back whole): a letter or `_`, then
/// letters, digits and `_`.
pub fn is_capture_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_unknown_and_used_tokens() {
        assert_eq!(unknown_tokens("$contaner and $run"), vec!["contaner".to_string()]);
        assert_eq!(unknown_tokens("$container.ttx"), vec!["container.ttx".to_string()]);
        assert_eq!(used("$container.tty/$image"), vec!["container.tty", "image"]);
        assert!(unknown_tokens("$now-30 costs $$5").is_empty());
    }

    #[test]
    fn knows_the_scenario_variables_and_capture_names() {
        assert!(is_scenario_variable("image") && is_scenario_variable("now") && !is_scenario_variable("id"));
        assert!(is_capture_name("id") && is_capture_name("_x1") && !is_capture_name("1x"));
        assert!(!is_capture_name("a-b") && !is_capture_name("a.b") && !is_capture_name(""));
    }
}
