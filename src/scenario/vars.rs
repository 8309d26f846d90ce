//! `ScenarioVars`: the run's values a scenario substitutes (`$image`, `$run`, `$label`, ...), and the per-run
//! bindings that add `$name` and the captured values.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::model::labels::{RUN_LABEL, missing_name, run_name};
use crate::model::{ApiVersion, RequestVersion, template};

/// The values of the built-in variables, the same for every scenario of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioVars {
    /// `$image`: the image containers are made from.
    pub image: String,
    /// `$run`: the run id.
    pub run_id: String,
    /// `$label`: `dockmatrix.run=<run id>`, as label filters write it.
    pub label: String,
    /// `$missing`: a name made sure not to exist (`dockmatrix-missing-<run id>`, as the probe runner's).
    pub missing: String,
    /// `$now`: Unix seconds at the start of the run.
    pub now: u64,
}

impl ScenarioVars {
    /// The values for the run `run_id` using `image`; `$now` is the current time.
    pub fn new(run_id: &str, image: &str) -> Self {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Self::at(run_id, image, now)
    }

    /// As [`ScenarioVars::new`], with `$now` given.
    pub fn at(run_id: &str, image: &str, now: u64) -> Self {
        Self {
            image: image.to_string(),
            run_id: run_id.to_string(),
            label: format!("{RUN_LABEL}={run_id}"),
            missing: missing_name(run_id),
            now,
        }
    }

    /// `$name` of one scenario run: `dockmatrix-<run id>-<scenario>-<api version>`, dots and anything a container
    /// name cannot hold replaced by `-` (`dockmatrix-7f3a-lifecycle-1-41`, `...-unversioned`).
    pub fn name_for(&self, scenario: &str, api: Option<ApiVersion>) -> String {
        let raw = run_name(&self.run_id, &format!("{scenario}-{}", RequestVersion(api)));
        raw.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' }).collect()
    }
}

/// The variables of one scenario run: the built-ins, `$name` and what the steps captured so far.
#[derive(Debug, Clone)]
pub(crate) struct Bindings<'a> {
    vars: &'a ScenarioVars,
    name: String,
    captured: BTreeMap<String, String>,
}

impl<'a> Bindings<'a> {
    /// The bindings of `scenario` at `api`, before any step.
    pub fn new(vars: &'a ScenarioVars, scenario: &str, api: Option<ApiVersion>) -> Self {
        Self { vars, name: vars.name_for(scenario, api), captured: BTreeMap::new() }
    }

    /// Records a captured value.
    pub fn capture(&mut self, name: &str, value: String) {
        self.captured.insert(name.to_string(), value);
    }

    /// The value of one variable, if it has one.
    pub fn get(&self, var: &str) -> Option<String> {
        let v = self.vars;
        match var {
            "image" => Some(v.image.clone()),
            "run" => Some(v.run_id.clone()),
            "label" => Some(v.label.clone()),
            "name" => Some(self.name.clone()),
            "missing" => Some(v.missing.clone()),
            "now" => Some(v.now.to_string()),
            _ => self.captured.get(var).cloned(),
        }
    }

    /// `value` with its variables replaced (see [`template`]); `Err(name)` names the first variable without a value.
    pub fn substitute(&self, value: &str) -> Result<String, String> {
        template::substitute(value, &|var| self.get(var))
    }

    /// Every string of a JSON value substituted, object keys included.
    pub fn substitute_json(&self, v: &serde_json::Value) -> Result<serde_json::Value, String> {
        template::substitute_json(v, &|s| self.substitute(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> ScenarioVars {
        ScenarioVars::at("7f3a9c", "dockmatrix/busybox:local", 1000)
    }

    #[test]
    fn names_are_unique_per_scenario_and_version_and_valid_container_names() {
        let v = vars();
        assert_eq!(v.name_for("lifecycle", Some(ApiVersion::new(1, 41))), "dockmatrix-7f3a9c-lifecycle-1-41");
        assert_eq!(v.name_for("lifecycle", None), "dockmatrix-7f3a9c-lifecycle-unversioned");
        let odd = ScenarioVars::at("20240611T101500Z/7f3a", "x", 0);
        assert_eq!(odd.name_for("a.b", Some(ApiVersion::new(1, 12))), "dockmatrix-20240611T101500Z-7f3a-a-b-1-12");
    }

    #[test]
    fn substitutes_built_ins_and_captured_values() {
        let v = vars();
        let mut b = Bindings::new(&v, "lifecycle", Some(ApiVersion::new(1, 24)));
        assert_eq!(b.substitute("$image").as_deref(), Ok("dockmatrix/busybox:local"));
        assert_eq!(b.substitute(r#"{"label":["$label"]}"#).as_deref(), Ok(r#"{"label":["dockmatrix.run=7f3a9c"]}"#));
        assert_eq!(b.substitute("$name").as_deref(), Ok("dockmatrix-7f3a9c-lifecycle-1-24"));
        assert_eq!(b.substitute("$now-10").as_deref(), Ok("990"));
        assert_eq!(b.substitute("$missing-renamed").as_deref(), Ok("dockmatrix-missing-7f3a9c-renamed"));
        assert_eq!(b.substitute("$id"), Err("id".to_string()));
        b.capture("id", "abc".into());
        assert_eq!(b.substitute("$id/$run").as_deref(), Ok("abc/7f3a9c"));
        let body = serde_json::json!({"Labels": {"dockmatrix.run": "$run"}, "Cmd": ["sleep", "3600"], "N": 1});
        assert_eq!(
            b.substitute_json(&body),
            Ok(serde_json::json!({"Labels": {"dockmatrix.run": "7f3a9c"}, "Cmd": ["sleep", "3600"], "N": 1}))
        );
    }
}
