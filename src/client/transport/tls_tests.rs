//! `https://` daemons: a TLS daemon on 127.0.0.1 the test runs itself, with a throwaway CA, a server certificate for
//! 127.0.0.1 and a client certificate, all made by rcgen. The client trusts the CA it is given and no other, and
//! presents its certificate when it has one.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{self, RootCertStore, ServerConfig};

use super::*;
use crate::client::host::{self, TlsOptions};

/// A certificate authority of its own.
fn authority(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    p.distinguished_name.push(DnType::CommonName, name);
    CertifiedIssuer::self_signed(p, KeyPair::generate().expect("key")).expect("CA certificate")
}

/// A certificate `ca` signs for `names` (IP addresses or DNS names), for `usage`: its PEM, DER and key.
struct Leaf {
    pem: String,
    der: CertificateDer<'static>,
    key: KeyPair,
}

fn leaf(ca: &CertifiedIssuer<'static, KeyPair>, cn: &str, names: &[&str], usage: ExtendedKeyUsagePurpose) -> Leaf {
    let mut p = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).expect("params");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.extended_key_usages = vec![usage];
    p.use_authority_key_identifier_extension = true;
    let key = KeyPair::generate().expect("key");
    let cert = p.signed_by(&key, ca).expect("signed");
    Leaf { pem: cert.pem(), der: cert.der().clone(), key }
}

/// What the daemon saw of one connection.
#[derive(Debug)]
enum Seen {
    /// A handshake that completed, with the client's certificate chain (empty: none), and the request line.
    Request { client_chain: Vec<CertificateDer<'static>>, line: String },
    /// A handshake that failed, and why.
    Refused(String),
}

/// A TLS daemon on 127.0.0.1 with `server`'s certificate, which asks for (but does not require) a client
/// certificate signed by `client_ca`, and answers `OK` to every request.
async fn tls_daemon(
    server: &Leaf,
    client_ca: &CertifiedIssuer<'static, KeyPair>,
) -> (u16, mpsc::UnboundedReceiver<Seen>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add(client_ca.der().clone()).expect("client CA");
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .allow_unauthenticated()
        .build()
        .expect("client verifier");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server.key.serialize_der()));
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![server.der.clone()], key)
        .expect("server config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("port").port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, tx) = (acceptor.clone(), tx.clone());
            tokio::spawn(async move {
                let mut tls = match acceptor.accept(tcp).await {
                    Ok(tls) => tls,
                    Err(e) => {
                        let _ = tx.send(Seen::Refused(e.to_string()));
                        return;
                    }
                };
                let client_chain = tls.get_ref().1.peer_certificates().map(<[_]>::to_vec).unwrap_or_default();
                let mut got = Vec::new();
                let mut buf = [0u8; 4096];
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&got).lines().next().unwrap_or_default().to_string();
                let _ = tx.send(Seen::Request { client_chain, line });
                let _ = tls.write_all(b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK").await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, rx)
}

/// The PKI of one test, written to a folder as the docker CLI expects it (`ca.pem`, `cert.pem`, `key.pem`), with
/// a second CA that signed nothing the daemon has (`other-ca.pem`).
struct Pki {
    dir: tempfile::TempDir,
    ca: CertifiedIssuer<'static, KeyPair>,
    server: Leaf,
    client: Leaf,
}

impl Pki {
    fn new() -> Self {
        let ca = authority("dockmatrix test CA");
        let server = leaf(&ca, "daemon", &["127.0.0.1"], ExtendedKeyUsagePurpose::ServerAuth);
        let client = leaf(&ca, "dockmatrix", &[], ExtendedKeyUsagePurpose::ClientAuth);
        let dir = tempfile::tempdir().expect("tempdir");
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).expect("write PEM");
        write("ca.pem", &ca.pem());
        write("cert.pem", &client.pem);
        write("key.pem", &client.key.serialize_pem());
        write("other-ca.pem", &authority("some other CA").pem());
        Self { dir, ca, server, client }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `--tlsverify --tlscacert ca`, with the client certificate when `with_cert`.
    fn verify(&self, ca: &str, with_cert: bool) -> TlsOptions {
        TlsOptions {
            enabled: true,
            verify: true,
            ca: Some(self.path(ca)),
            cert: with_cert.then(|| self.path("cert.pem")),
            key: with_cert.then(|| self.path("key.pem")),
        }
    }
}

fn https(port: u16, tls: TlsOptions) -> Result<Client, ClientError> {
    let target = host::parse(&format!("https://127.0.0.1:{port}"), tls, "--host").expect("address");
    Client::new(target, Duration::from_secs(20), 1024)
}

async fn ping(c: &Client) -> Result<Response, ClientError> {
    c.send(Request::new(Method::Get, "/v1.41/_ping")).await
}

#[tokio::test]
async fn the_right_ca_reaches_the_daemon_and_it_sees_the_client_certificate() {
    let pki = Pki::new();
    let (port, mut seen) = tls_daemon(&pki.server, &pki.ca).await;
    let resp = ping(&https(port, pki.verify("ca.pem", true)).expect("client")).await.expect("an answer over TLS");
    assert_eq!((resp.status, resp.body.as_slice(), resp.header("api-version")), (200, &b"OK"[..], Some("1.41")));
    match seen.recv().await.expect("the daemon saw the connection") {
        Seen::Request { client_chain, line } => {
            assert_eq!(line, "GET /v1.41/_ping HTTP/1.1");
            assert_eq!(client_chain, std::slice::from_ref(&pki.client.der), "the daemon got our client certificate");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn without_a_client_certificate_the_daemon_sees_none() {
    let pki = Pki::new();
    let (port, mut seen) = tls_daemon(&pki.server, &pki.ca).await;
    let resp = ping(&https(port, pki.verify("ca.pem", false)).expect("client")).await.expect("an answer over TLS");
    assert_eq!(resp.status, 200);
    match seen.recv().await.expect("the daemon saw the connection") {
        Seen::Request { client_chain, .. } => assert_eq!(client_chain, []),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_daemon_another_ca_certified_is_refused_as_a_handshake_error() {
    let pki = Pki::new();
    let (port, mut seen) = tls_daemon(&pki.server, &pki.ca).await;
    let err = ping(&https(port, pki.verify("other-ca.pem", true)).expect("client")).await.expect_err("wrong CA");
    let display = format!("https://127.0.0.1:{port}");
    let ClientError::TlsHandshake { address, why, help } = &err else { panic!("{err:?}") };
    assert_eq!(address, &display);
    assert_eq!(why, "the daemon's certificate is not signed by the CA given (UnknownIssuer)");
    assert!(help.starts_with("--tlscacert"), "{help}");
    assert!(err.to_string().starts_with(&format!("TLS handshake with {display} failed: ")), "{err}");
    assert!(err.is_unreachable());
    match seen.recv().await.expect("the daemon saw the connection") {
        Seen::Refused(why) => assert!(why.starts_with("received fatal alert"), "the client said why: {why}"),
        other => panic!("the daemon saw a request: {other:?}"),
    }
}

#[tokio::test]
async fn a_certificate_for_another_address_is_refused() {
    let pki = Pki::new();
    let elsewhere = leaf(&pki.ca, "daemon", &["10.1.2.3", "docker.example"], ExtendedKeyUsagePurpose::ServerAuth);
    let (port, _seen) = tls_daemon(&elsewhere, &pki.ca).await;
    let err = ping(&https(port, pki.verify("ca.pem", true)).expect("client")).await.expect_err("wrong name");
    let ClientError::TlsHandshake { why, .. } = &err else { panic!("{err:?}") };
    assert_eq!(why, "the daemon's certificate is not for this address (certificate not valid for name \"127.0.0.1\")");
}

#[tokio::test]
async fn without_verify_the_daemon_certificate_is_not_checked() {
    let pki = Pki::new();
    let (port, mut seen) = tls_daemon(&pki.server, &pki.ca).await;
    // `--tls` without `--tlsverify`, trusting only a CA that did not sign the daemon's certificate.
    let tls = TlsOptions { verify: false, ..pki.verify("other-ca.pem", true) };
    let resp = ping(&https(port, tls).expect("client")).await.expect("an answer over TLS");
    assert_eq!(resp.status, 200);
    assert!(matches!(seen.recv().await, Some(Seen::Request { client_chain, .. }) if client_chain.len() == 1));
}

#[test]
fn a_ca_file_that_cannot_be_read_is_a_tls_error_naming_it() {
    let pki = Pki::new();
    let missing = pki.path("missing-ca.pem");
    let err = https(1, pki.verify("missing-ca.pem", true)).expect_err("no CA file");
    let ClientError::Tls { message } = &err else { panic!("{err:?}") };
    assert!(message.starts_with(&format!("cannot read {}: ", missing.display())), "{message}");
    assert!(err.to_string().starts_with("TLS setup failed: cannot read ") && err.is_unreachable(), "{err}");
}

/// The certificate and the key are read into one PEM buffer: a certificate file without a final newline (as a
/// secret pasted from a vault often is) must not run its END line into the key's BEGIN line.
#[tokio::test]
async fn a_cert_file_without_a_final_newline_still_pairs_with_its_key() {
    let pki = Pki::new();
    std::fs::write(pki.path("cert.pem"), pki.client.pem.trim_end()).expect("write");
    let (port, mut seen) = tls_daemon(&pki.server, &pki.ca).await;
    let c = https(port, pki.verify("ca.pem", true)).expect("the certificate and key read as one identity");
    assert_eq!(ping(&c).await.expect("an answer over TLS").status, 200);
    match seen.recv().await.expect("the daemon saw the connection") {
        Seen::Request { client_chain, .. } => assert_eq!(client_chain, std::slice::from_ref(&pki.client.der)),
        other => panic!("{other:?}"),
    }
}

/// reqwest reads a PEM root only when the client is built, and its error says only `builder error`: the message
/// must still name the file and say what is wrong with it.
#[test]
fn a_ca_file_without_a_readable_certificate_is_a_tls_error_naming_it_and_why() {
    let pki = Pki::new();
    let garbage = pki.path("garbage.pem");
    std::fs::write(&garbage, "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n").expect("write");
    let err = https(1, pki.verify("garbage.pem", true)).expect_err("no usable CA");
    let ClientError::Tls { message } = &err else { panic!("{err:?}") };
    assert!(message.starts_with(&format!("{}: ", garbage.display())), "names the file: {message}");
    assert!(message.contains("invalid certificate encoding"), "says why: {message}");
}

#[test]
fn a_key_file_without_a_key_is_a_tls_error_naming_the_pair_and_why() {
    let pki = Pki::new();
    std::fs::write(pki.path("key.pem"), "no key here\n").expect("write");
    let err = https(1, pki.verify("ca.pem", true)).expect_err("no key");
    let ClientError::Tls { message } = &err else { panic!("{err:?}") };
    let pair = format!("{} / {}: ", pki.path("cert.pem").display(), pki.path("key.pem").display());
    assert!(message.starts_with(&pair), "names the files: {message}");
    assert!(message.contains("private key or certificate not found"), "says why: {message}");
}
