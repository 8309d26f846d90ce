//! The labels and names that mark what a run creates, so that only those are ever touched again.

/// The label every object of a run carries: `dockmatrix.run=<run id>`.
pub const RUN_LABEL: &str = "dockmatrix.run";
/// The label that says which fixture an object is (`shared`, an endpoint id, `scenario`).
pub const FIXTURE_LABEL: &str = "dockmatrix.fixture";
/// The label that names one fixture of one run, `dockmatrix.key=<run id>/<role>`: list and prune probes filter on
/// it alone, since Podman 4.3 ORs the clauses of a label filter (`dockmatrix.run=X` and `dockmatrix.fixture=Y` would
/// match every object of the run) where dockerd ANDs them.
pub const KEY_LABEL: &str = "dockmatrix.key";
/// The prefix of every name a run gives (`dockmatrix-<run id>-...`).
pub const NAME_PREFIX: &str = "dockmatrix-";
/// The prefix of the name a run makes sure does not exist (`dockmatrix-missing-<run id>`).
pub const MISSING_PREFIX: &str = "dockmatrix-missing-";

/// A name the run `run_id` gives: `dockmatrix-<run id>-<rest>` (what `clean` recognises as the run's).
pub fn run_name(run_id: &str, rest: &str) -> String {
    format!("{NAME_PREFIX}{run_id}-{rest}")
}

/// A probe id as a part of an object name (`image.list[shared-size]` → `image-list-shared-size`): names allow
/// neither dots in every daemon's rules nor brackets.
pub fn name_part(id: &str) -> String {
    id.replace(['.', '['], "-").replace(']', "")
}

/// The name the run `run_id` makes sure does not exist (`$missing`).
pub fn missing_name(run_id: &str) -> String {
    format!("{MISSING_PREFIX}{run_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_missing_name_starts_with_both_prefixes() {
        let m = missing_name("0123456789ab");
        assert_eq!(m, "dockmatrix-missing-0123456789ab");
        assert!(m.starts_with(NAME_PREFIX) && m.starts_with(MISSING_PREFIX));
    }
}
