//! How long each stage took, and the sweep's bound: the lines `timing:` a run prints on stderr.

use std::time::Instant;

use crate::matrix::Matrices;
use crate::model::{ProbeOutcome, ScenarioOutcome};
use crate::probe::runner;

/// The seconds of each stage, timed lap by lap.
#[derive(Debug)]
pub(super) struct Phases {
    lap: Instant,
    /// Making the shared fixtures.
    pub fixtures: f64,
    /// The sweep, its second tries included.
    pub sweep: f64,
    /// The scenarios, which ran beside the sweep (inside its time).
    pub scenarios_beside: f64,
    /// The malformed requests.
    pub refusals: f64,
    /// What changes the swarm's state.
    pub global: f64,
    /// Removing the run's objects.
    pub teardown: f64,
}

impl Default for Phases {
    fn default() -> Self {
        Phases {
            lap: Instant::now(),
            fixtures: 0.0,
            sweep: 0.0,
            scenarios_beside: 0.0,
            refusals: 0.0,
            global: 0.0,
            teardown: 0.0,
        }
    }
}

impl Phases {
    /// The seconds since the last lap (or since the start), and a new lap.
    pub fn lap(&mut self) -> f64 {
        let s = self.lap.elapsed().as_secs_f64();
        self.lap = Instant::now();
        s
    }

    /// `timing: fixtures 1.2 s, sweep 30.1 s (the scenarios beside it 12.0 s), refusals 2.0 s, swarm state 0.0 s,
    /// teardown 1.3 s`.
    pub fn line(&self) -> String {
        format!(
            "timing: fixtures {:.1} s, sweep {:.1} s (the scenarios beside it {:.1} s), refusals {:.1} s, swarm state \
             {:.1} s, teardown {:.1} s",
            self.fixtures, self.sweep, self.scenarios_beside, self.refusals, self.global, self.teardown
        )
    }
}

/// The sum of the sweep's own latencies, and the shortest the sweep would be if they were the daemon's service time: what shares the permits (the
/// probes, their chains' fixtures, the scenarios) over `--jobs`, plus what runs alone (`serial` and `after_sweep`
/// probes), in full. Also the slowest endpoint with a fixture of its own (its probes run one after another, in
/// [`runner::CHAIN_LANES`] lanes).
pub(super) fn sweep_bound(
    m: &Matrices,
    probes: &[ProbeOutcome],
    fixture_ms: u64,
    scenarios: &[ScenarioOutcome],
    jobs: usize,
) -> String {
    let seconds = |ms: u64| ms as f64 / 1000.0;
    let recipe = |p: &ProbeOutcome| m.probes.probes.get(&p.endpoint);
    let (alone, shared): (Vec<&ProbeOutcome>, Vec<&ProbeOutcome>) =
        probes.iter().partition(|p| recipe(p).is_some_and(|r| r.serial || r.after_sweep));
    let shared_ms: u64 = shared.iter().map(|p| p.duration_ms).sum();
    let alone_ms: u64 = alone.iter().map(|p| p.duration_ms).sum();
    let scenario_ms: u64 = scenarios.iter().map(|s| s.duration_ms).sum();
    let bound = seconds(shared_ms + fixture_ms + scenario_ms) / jobs.max(1) as f64 + seconds(alone_ms);
    let mut line = format!(
        "timing: latency sum {bound:.1} s: probes {:.1} s, their fixtures {:.1} s and scenarios {:.1} s over --jobs \
         {jobs}, and {:.1} s of probes alone (it grows with the wait behind other requests: the floor is the measure)",
        seconds(shared_ms),
        seconds(fixture_ms),
        seconds(scenario_ms),
        seconds(alone_ms)
    );
    let mut chains: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for p in shared.into_iter().filter(|p| recipe(p).is_some_and(|r| r.fixture.is_some())) {
        *chains.entry(p.endpoint.as_str()).or_default() += p.duration_ms;
    }
    if let Some((id, ms)) = chains.into_iter().filter(|(_, ms)| *ms > 0).max_by_key(|(_, ms)| *ms) {
        let lane = seconds(ms) / runner::CHAIN_LANES as f64;
        line.push_str(&format!(
            "; the longest chain: {id}, {:.1} s of probes in {} lanes (about {lane:.1} s each)",
            seconds(ms),
            runner::CHAIN_LANES
        ));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Method, Verdict};

    #[test]
    fn the_timing_line_names_the_probe_time_per_slot_and_the_longest_chain() {
        let m = crate::matrix::load::MatrixSources::built_in().load().expect("matrices");
        let probe = |id: &str, ms: u64| ProbeOutcome {
            endpoint: id.into(),
            tag: String::new(),
            method: Method::Post,
            path: String::new(),
            api_version: None,
            request: String::new(),
            status: Some(204),
            verdict: Verdict::Ok,
            reason: String::new(),
            duration_ms: ms,
            evidence: crate::model::Evidence::default(),
            conformance: None,
            retried: None,
            observed: Default::default(),
        };
        // container.restart and container.start have fixtures of their own (chains); system.ping does not;
        // container.prune runs alone.
        let probes =
            [probe("container.restart", 6000), probe("container.restart", 6000), probe("container.start", 4000)];
        let mut all = probes.to_vec();
        all.extend([probe("system.ping", 16_000), probe("container.prune", 500)]);
        let scenario = ScenarioOutcome {
            scenario: "lifecycle".into(),
            api_version: None,
            passed: true,
            steps: Vec::new(),
            failed_at: None,
            cleanup: Vec::new(),
            duration_ms: 8000,
            environment: None,
            retried: None,
        };
        assert_eq!(
            sweep_bound(&m, &all, 2000, &[scenario], 8),
            "timing: latency sum 5.8 s: probes 32.0 s, their fixtures 2.0 s and scenarios 8.0 s over --jobs 8, and \
             0.5 s of probes alone (it grows with the wait behind other requests: the floor is the measure); the \
             longest chain: container.restart, 12.0 s of probes in 4 lanes (about 3.0 s each)"
        );
        assert_eq!(
            sweep_bound(&m, &[], 0, &[], 8),
            "timing: latency sum 0.0 s: probes 0.0 s, their fixtures 0.0 s and scenarios 0.0 s over --jobs 8, and \
             0.0 s of probes alone (it grows with the wait behind other requests: the floor is the measure)"
        );
    }
}
