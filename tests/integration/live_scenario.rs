//! Live scenario tests against the daemon at DOCKER_HOST (`--features live-tests`): the lifecycle scenario passes at
//! every API version the daemon accepts, a failing step stops the sequence, and nothing labelled is left behind.

use std::time::{Duration, Instant};

use dockmatrix::ApiVersion;
use dockmatrix::client::host::{self, HostInputs, TlsOptions};
use dockmatrix::client::{Client, Request, path};
use dockmatrix::matrix::Matrices;
use dockmatrix::matrix::load::MatrixSources;
use dockmatrix::model::labels::RUN_LABEL;
use dockmatrix::model::{Method, ScenarioOutcome};
use dockmatrix::probe::discover;
use dockmatrix::probe::runner::RunContext;
use dockmatrix::scenario::{self, ScenarioVars};

const IMAGE: &str = "dockmatrix/busybox:local";

fn client() -> Client {
    let host = std::env::var("DOCKER_HOST").unwrap_or_else(|_| {
        panic!("live tests need DOCKER_HOST: start a daemon with `eval \"$(bash scripts/dockerd.sh start)\"`")
    });
    let env = |_: &str| None;
    let target =
        host::resolve(&HostInputs { flag: Some(&host), tls_flags: TlsOptions::default(), env: &env, home: None })
            .expect("valid DOCKER_HOST");
    Client::new(target, Duration::from_secs(30), 1 << 20).expect("the daemon socket exists")
}

fn matrices() -> Matrices {
    MatrixSources::built_in().load().expect("built-in matrices")
}

/// The API versions the daemon accepts, as the `run` command finds them (a `/vX.Y/_ping` per known version).
async fn accepted_versions(client: &Client, m: &Matrices) -> Vec<ApiVersion> {
    let mut daemon = discover::discover(client, None).await.expect("the daemon answers /_ping and /version");
    let known = m.endpoints.api_versions;
    let scan: Vec<ApiVersion> = known.iter().chain(std::iter::once(known.last.next())).collect();
    let (lo, hi) = discover::enforced_range(client, &scan).await.expect("the daemon accepts some API version");
    (daemon.enforced_min, daemon.enforced_max) = (Some(lo), Some(hi));
    let versions = scenario::daemon_versions(m, &daemon);
    assert_eq!((versions.first(), versions.last()), (Some(&lo), Some(&hi)));
    versions
}

async fn assert_image_present(client: &Client) {
    let resp = client
        .send(Request::new(Method::Get, path::build(None, "/images/{name}/json", &[("name", IMAGE)], &[])))
        .await
        .expect("inspect the image");
    assert_eq!(resp.status, 200, "{IMAGE} is missing: `bash scripts/dockerd.sh start DIR` imports it");
}

/// The ids of every container (running or not) carrying this run's label.
async fn labelled_containers(client: &Client, run_id: &str) -> Vec<String> {
    let filters = format!(r#"{{"label":["{RUN_LABEL}={run_id}"]}}"#);
    let path = path::build(None, "/containers/json", &[], &[("all", "1"), ("filters", &filters)]);
    let resp = client.send(Request::new(Method::Get, path)).await.expect("list containers");
    assert_eq!(resp.status, 200);
    let list = resp.json().expect("a JSON list");
    list.as_array().expect("an array").iter().map(|c| c["Id"].as_str().unwrap_or_default().to_string()).collect()
}

fn summary(outcomes: &[ScenarioOutcome]) -> String {
    outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| {
            let step =
                o.failed_step().map_or_else(String::new, |s| format!("{} {:?} {}", s.endpoint, s.status, s.reason));
            format!("{:?}: {step}", o.api_version)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_passes_at_every_accepted_api_version_and_leaves_nothing() {
    // Its containers must not show in another test's sweep or object counts.
    let _changing = crate::live::changing_daemon().await;
    let client = client();
    assert_image_present(&client).await;
    let m = matrices();
    let versions = accepted_versions(&client, &m).await;
    let run_id = RunContext::new().run_id;
    let vars = ScenarioVars::new(&run_id, IMAGE);
    let lifecycle = m.scenario("lifecycle").expect("the lifecycle scenario");
    let only_lifecycle = Matrices {
        scenarios: dockmatrix::matrix::ScenariosFile {
            scenarios: [("lifecycle".to_string(), lifecycle.clone())].into(),
            ..m.scenarios.clone()
        },
        ..m.clone()
    };

    let start = Instant::now();
    let outcomes = scenario::run_all(&client, &only_lifecycle, &versions, &vars, 4).await;
    let elapsed = start.elapsed();
    eprintln!("lifecycle at {} API versions with 4 at a time: {:.2} s", versions.len(), elapsed.as_secs_f64());

    let at: Vec<Option<ApiVersion>> = outcomes.iter().map(|o| o.api_version).collect();
    assert_eq!(at, versions.iter().copied().map(Some).collect::<Vec<_>>(), "one outcome per version, in order");
    assert!(outcomes.iter().all(|o| o.passed), "failed:\n{}", summary(&outcomes));
    for o in &outcomes {
        let v = o.api_version.expect("versioned");
        assert_eq!(o.steps.len(), lifecycle.steps.len());
        assert!(o.steps.iter().all(|s| s.sent && s.ok), "{o:#?}");
        let create = &o.steps[2];
        assert_eq!((create.endpoint.as_str(), create.status), ("container.create", Some(201)));
        assert!(create.request.starts_with(&format!("/v{v}/containers/create?name=dockmatrix-")), "{create:?}");
        // The remove step removed the container, so the cleanup finds it gone.
        assert_eq!(o.cleanup.iter().map(|s| s.status).collect::<Vec<_>>(), [Some(404)], "{o:#?}");
    }
    assert_eq!(labelled_containers(&client, &run_id).await, Vec::<String>::new(), "containers left behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_image_fails_at_create_and_leaves_nothing() {
    let client = client();
    let m = matrices();
    let lifecycle = m.scenario("lifecycle").expect("the lifecycle scenario");
    let versions = accepted_versions(&client, &m).await;
    let run_id = RunContext::new().run_id;
    let vars = ScenarioVars::new(&run_id, &format!("dockmatrix/no-such-image:{run_id}"));
    for api in [versions[0], versions[versions.len() - 1]] {
        let o = scenario::run_scenario(&client, lifecycle, &m, Some(api), &vars).await;
        assert!(!o.passed);
        assert_eq!(o.failed_at, Some(2), "{o:#?}");
        let create = o.failed_step().expect("a failed step");
        assert_eq!((create.endpoint.as_str(), create.status), ("container.create", Some(404)), "{o:#?}");
        assert!(create.reason.contains("No such image"), "{}", create.reason);
        assert!(o.steps[..2].iter().all(|s| s.ok), "version and info worked");
        assert!(o.steps[3..].iter().all(|s| !s.sent && !s.ok && s.reason.starts_with("not run")), "{o:#?}");
        assert!(o.cleanup.iter().all(|s| !s.sent), "nothing to remove: {o:#?}");
    }
    assert_eq!(labelled_containers(&client, &run_id).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_failing_after_create_still_removes_the_container() {
    // Its containers must not show in another test's sweep or object counts.
    let _changing = crate::live::changing_daemon().await;
    let client = client();
    assert_image_present(&client).await;
    let m = matrices();
    let versions = accepted_versions(&client, &m).await;
    let mut broken = m.scenario("lifecycle").expect("the lifecycle scenario").clone();
    // The inspect step now expects a stopped container, so it fails while the container runs.
    let inspect = broken.steps.iter_mut().find(|s| s.endpoint == "container.inspect").expect("an inspect step");
    inspect.matches.insert("/State/Running".into(), serde_json::Value::Bool(false));
    let run_id = RunContext::new().run_id;
    let vars = ScenarioVars::new(&run_id, IMAGE);
    let api = versions[versions.len() - 1];
    let o = scenario::run_scenario(&client, &broken, &m, Some(api), &vars).await;
    assert_eq!(o.failed_step().map(|s| s.endpoint.as_str()), Some("container.inspect"), "{o:#?}");
    assert_eq!(o.failed_step().map(|s| s.reason.as_str()), Some("/State/Running is true, expected false"));
    assert!(o.steps.iter().filter(|s| s.endpoint == "container.stop").all(|s| !s.sent));
    assert_eq!(o.cleanup.iter().map(|s| (s.sent, s.status)).collect::<Vec<_>>(), [(true, Some(204))], "{o:#?}");
    assert!(!o.cleanup_failed());
    assert_eq!(labelled_containers(&client, &run_id).await, Vec::<String>::new());
}
