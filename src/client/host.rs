//! Which daemon to talk to: `--host`, `DOCKER_HOST`, the current Docker context, or the default socket.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::error::ClientError;
use super::ssh::{SSH_PROGRAM_VAR, SshSpec};

/// The default daemon address on Linux.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// TLS settings for a tcp daemon (the docker CLI's `--tls*` flags and `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// Use TLS (`--tls`); implied by `verify`.
    pub enabled: bool,
    /// Verify the daemon's certificate against `ca` (`--tlsverify`, `DOCKER_TLS_VERIFY`).
    pub verify: bool,
    /// CA certificate (PEM).
    pub ca: Option<PathBuf>,
    /// Client certificate (PEM).
    pub cert: Option<PathBuf>,
    /// Client key (PEM).
    pub key: Option<PathBuf>,
}

/// A resolved daemon address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// A unix socket.
    Unix(PathBuf),
    /// HTTP(S) over TCP: `base` is `http://host:port` or `https://host:port`.
    Tcp {
        /// Scheme, host and port.
        base: String,
        /// TLS material, for `https`.
        tls: Option<TlsOptions>,
    },
    /// HTTP over `ssh ... docker system dial-stdio`, one ssh per connection (see [`super::ssh`]).
    Ssh {
        /// User, host, port and remote socket.
        spec: SshSpec,
        /// The ssh program and its leading options (`ssh`, or what `DOCKMATRIX_SSH` says).
        program: Vec<String>,
    },
}

/// Where the address came from, for messages (`--host`, `DOCKER_HOST`, `context foo`, `default`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The address.
    pub address: Address,
    /// As the user would write it (`unix:///var/run/docker.sock`).
    pub display: String,
    /// Where it came from.
    pub origin: String,
}

/// The inputs of host resolution; `env` and `home` are injectable so tests need no real environment.
pub struct HostInputs<'a> {
    /// `--host URL`.
    pub flag: Option<&'a str>,
    /// The `--tls*` flags.
    pub tls_flags: TlsOptions,
    /// Reads an environment variable.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// The home directory (for `~/.docker`).
    pub home: Option<PathBuf>,
}

/// Resolves the daemon address the way the docker CLI does. A certificate file named by a `--tls*` flag must
/// exist (files found in `DOCKER_CERT_PATH` or a context's folder are used only when they do, as the CLI does).
pub fn resolve(inputs: &HostInputs<'_>) -> Result<Target, ClientError> {
    let env = |k: &str| (inputs.env)(k).filter(|v| !v.is_empty());
    let flags = &inputs.tls_flags;
    for (flag, path) in [("--tlscacert", &flags.ca), ("--tlscert", &flags.cert), ("--tlskey", &flags.key)] {
        if let Some(p) = path.as_ref().filter(|p| !p.exists()) {
            return Err(ClientError::Tls { message: format!("{flag} {}: no such file", p.display()) });
        }
    }
    let mut tls = inputs.tls_flags.clone();
    if env("DOCKER_TLS_VERIFY").is_some() {
        tls.verify = true;
    }
    if let Some(dir) = env("DOCKER_CERT_PATH") {
        fill_cert_paths(&mut tls, Path::new(&dir));
    }
    let program: Option<Vec<String>> = env(SSH_PROGRAM_VAR).map(|p| p.split_whitespace().map(String::from).collect());
    let with_program = |mut t: Target| {
        if let (Address::Ssh { program: p, .. }, Some(program)) = (&mut t.address, &program) {
            p.clone_from(program);
        }
        t
    };
    if let Some(flag) = inputs.flag {
        return parse(flag, tls, "--host").map(with_program);
    }
    if let Some(host) = env("DOCKER_HOST") {
        return parse(&host, tls, "DOCKER_HOST").map(with_program);
    }
    let config_dir =
        env("DOCKER_CONFIG").map(PathBuf::from).or_else(|| inputs.home.as_ref().map(|h| h.join(".docker")));
    let context = match env("DOCKER_CONTEXT") {
        Some(c) => Some(c),
        None => config_dir.as_deref().and_then(current_context),
    };
    if let Some(name) = context.filter(|c| c != "default") {
        let dir = config_dir
            .ok_or_else(|| ClientError::Context { name: name.clone(), message: "no home directory".into() })?;
        return from_context(&dir, &name, tls).map(with_program);
    }
    parse(DEFAULT_HOST, tls, "default")
}

fn fill_cert_paths(tls: &mut TlsOptions, dir: &Path) {
    tls.ca.get_or_insert_with(|| dir.join("ca.pem"));
    tls.cert.get_or_insert_with(|| dir.join("cert.pem"));
    tls.key.get_or_insert_with(|| dir.join("key.pem"));
}

/// `currentContext` of `config.json`, if any.
fn current_context(config_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(config_dir.join("config.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v.get("currentContext")?.as_str().map(str::to_string).filter(|s| !s.is_empty())
}

/// Reads `contexts/meta/<sha256(name)>/meta.json` (and its TLS folder) under the docker config folder.
fn from_context(config_dir: &Path, name: &str, mut tls: TlsOptions) -> Result<Target, ClientError> {
    let digest = Sha256::digest(name.as_bytes());
    let hash: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let meta = config_dir.join("contexts").join("meta").join(&hash).join("meta.json");
    let err = |message: String| ClientError::Context { name: name.to_string(), message };
    let text = std::fs::read_to_string(&meta).map_err(|e| err(format!("cannot read {}: {e}", meta.display())))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| err(format!("{} is not JSON: {e}", meta.display())))?;
    let endpoint =
        v.pointer("/Endpoints/docker").ok_or_else(|| err(format!("{} has no Endpoints.docker", meta.display())))?;
    let host = endpoint
        .get("Host")
        .and_then(|h| h.as_str())
        .ok_or_else(|| err(format!("{} has no Endpoints.docker.Host", meta.display())))?;
    let tls_dir = config_dir.join("contexts").join("tls").join(&hash).join("docker");
    if tls_dir.is_dir() {
        tls.enabled = true;
        tls.verify = !endpoint.get("SkipTLSVerify").and_then(|s| s.as_bool()).unwrap_or(false);
        fill_cert_paths(&mut tls, &tls_dir);
    }
    parse(host, tls, &format!("context {name}"))
}

/// Parses a daemon URL by scheme.
pub fn parse(given: &str, tls: TlsOptions, origin: &str) -> Result<Target, ClientError> {
    let bad = |message: &str| ClientError::BadAddress { given: given.to_string(), message: message.to_string() };
    let (scheme, rest) = given.split_once("://").ok_or_else(|| bad("no scheme"))?;
    let address = match scheme {
        "unix" => {
            if rest.is_empty() || !rest.starts_with('/') {
                return Err(bad("a unix socket needs an absolute path, as in unix:///var/run/docker.sock"));
            }
            Address::Unix(PathBuf::from(rest))
        }
        "tcp" | "http" | "https" => {
            let hostport = rest.trim_end_matches('/');
            if hostport.is_empty() || hostport.contains('/') {
                return Err(bad("expected host:port with no path"));
            }
            let use_tls = scheme == "https" || (scheme == "tcp" && (tls.enabled || tls.verify));
            let default_port = if use_tls { 2376 } else { 2375 };
            let hostport = if has_port(hostport) { hostport.to_string() } else { format!("{hostport}:{default_port}") };
            let base = format!("{}://{hostport}", if use_tls { "https" } else { "http" });
            Address::Tcp { base, tls: use_tls.then_some(tls) }
        }
        "ssh" => Address::Ssh { spec: SshSpec::parse(rest).map_err(|m| bad(&m))?, program: vec!["ssh".into()] },
        other => return Err(bad(&format!("unsupported scheme `{other}`"))),
    };
    Ok(Target { address, display: given.to_string(), origin: origin.to_string() })
}

fn has_port(hostport: &str) -> bool {
    match hostport.rsplit_once(':') {
        Some((h, p)) => {
            !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()) && (!h.contains(':') || h.ends_with(']'))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn resolve_with(flag: Option<&str>, vars: &[(&str, &str)], home: Option<PathBuf>) -> Result<Target, ClientError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let env = move |k: &str| map.get(k).cloned();
        resolve(&HostInputs { flag, tls_flags: TlsOptions::default(), env: &env, home })
    }

    #[test]
    fn flag_wins_over_environment() {
        let t = resolve_with(Some("unix:///a.sock"), &[("DOCKER_HOST", "unix:///b.sock")], None).expect("valid");
        assert_eq!(t.address, Address::Unix("/a.sock".into()));
        assert_eq!(t.origin, "--host");
    }

    #[test]
    fn docker_host_then_default() {
        let t = resolve_with(None, &[("DOCKER_HOST", "tcp://127.0.0.1:2375")], None).expect("valid");
        assert_eq!(t.address, Address::Tcp { base: "http://127.0.0.1:2375".into(), tls: None });
        let t = resolve_with(None, &[], None).expect("valid");
        assert_eq!(t.address, Address::Unix("/var/run/docker.sock".into()));
    }

    #[test]
    fn tls_verify_turns_tcp_into_https_with_cert_path() {
        let t = resolve_with(
            None,
            &[("DOCKER_HOST", "tcp://127.0.0.1"), ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", "/certs")],
            None,
        )
        .expect("valid");
        let Address::Tcp { base, tls: Some(tls) } = t.address else { panic!("expected tls tcp") };
        assert_eq!(base, "https://127.0.0.1:2376");
        assert!(tls.verify);
        assert_eq!(tls.ca, Some(PathBuf::from("/certs/ca.pem")));
    }

    #[test]
    fn a_certificate_file_a_flag_names_must_exist_and_default_ones_need_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "x").expect("write");
        let env = |_: &str| None;
        let with = |tls: TlsOptions| {
            resolve(&HostInputs { flag: Some("tcp://127.0.0.1:2376"), tls_flags: tls, env: &env, home: None })
        };
        let missing = dir.path().join("cert.pem");
        let err = with(TlsOptions {
            verify: true,
            ca: Some(ca.clone()),
            cert: Some(missing.clone()),
            ..TlsOptions::default()
        })
        .expect_err("a missing --tlscert");
        assert_eq!(
            err.to_string(),
            ClientError::Tls { message: format!("--tlscert {}: no such file", missing.display()) }.to_string()
        );
        with(TlsOptions { verify: true, ca: Some(ca), ..TlsOptions::default() }).expect("an existing --tlscacert");
        let t = resolve_with(None, &[("DOCKER_HOST", "tcp://127.0.0.1"), ("DOCKER_CERT_PATH", "/no/such/dir")], None);
        t.expect("files DOCKER_CERT_PATH would hold are used only when they exist");
    }

    #[test]
    fn rejects_unknown_schemes_and_relative_sockets() {
        for bad in
            ["ssh://me:pw@host", "unix://relative.sock", "/var/run/docker.sock", "tcp://host:1/path", "npipe:///x"]
        {
            let err = resolve_with(Some(bad), &[], None).expect_err(bad);
            assert!(matches!(err, ClientError::BadAddress { .. }), "{bad}: {err}");
        }
    }

    #[test]
    fn an_ssh_address_runs_the_system_ssh_or_the_one_dockmatrix_ssh_names() {
        let t = resolve_with(Some("ssh://me@127.0.0.1:2222/run/docker.sock"), &[], None).expect("valid");
        let Address::Ssh { spec, program } = t.address else { panic!("an ssh address") };
        assert_eq!((spec.user.as_deref(), spec.port, program), (Some("me"), Some(2222), vec!["ssh".to_string()]));
        let t = resolve_with(None, &[("DOCKER_HOST", "ssh://h"), (SSH_PROGRAM_VAR, "ssh  -F /tmp/cfg")], None)
            .expect("valid");
        let Address::Ssh { program, .. } = t.address else { panic!("an ssh address") };
        assert_eq!(program, ["ssh", "-F", "/tmp/cfg"]);
    }

    #[test]
    fn reads_the_current_context_like_the_docker_cli() {
        let home = tempfile::tempdir().expect("tempdir");
        let cfg = home.path().join(".docker");
        std::fs::create_dir_all(&cfg).expect("mkdir");
        std::fs::write(cfg.join("config.json"), r#"{"currentContext":"ci"}"#).expect("write");
        let hash: String = Sha256::digest(b"ci").iter().map(|b| format!("{b:02x}")).collect();
        let meta = cfg.join("contexts/meta").join(hash);
        std::fs::create_dir_all(&meta).expect("mkdir");
        std::fs::write(meta.join("meta.json"), r#"{"Name":"ci","Endpoints":{"docker":{"Host":"unix:///ci.sock"}}}"#)
            .expect("write");
        let t = resolve_with(None, &[], Some(home.path().to_path_buf())).expect("valid");
        assert_eq!(t.address, Address::Unix("/ci.sock".into()));
        assert_eq!(t.origin, "context ci");
        // DOCKER_CONTEXT overrides the config; DOCKER_HOST overrides both (as the CLI's code does).
        let err = resolve_with(None, &[("DOCKER_CONTEXT", "missing")], Some(home.path().to_path_buf()))
            .expect_err("no such context");
        assert!(matches!(err, ClientError::Context { .. }));
        let t =
            resolve_with(None, &[("DOCKER_HOST", "unix:///h.sock")], Some(home.path().to_path_buf())).expect("valid");
        assert_eq!(t.address, Address::Unix("/h.sock".into()));
    }
}
