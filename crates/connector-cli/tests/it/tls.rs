//! `--ca-cert` and `--resolve` through the real binary, against a loopback HTTPS server whose
//! certificate (for a made-up host) is signed by a CA made at start: pinned and trusted, the
//! check is verified, single and bulk, from flags, the config file, the environment or
//! SSL_CERT_FILE; without the CA it is `unavailable` with a hint naming --ca-cert; a bad CA file
//! or pin is a usage error that sends nothing.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const HOST: &str = "hire.test.example";
const KEY: &str = "ph_test_5f2a9c0d7b1e4f3a8c6d2e9b860c";

/// A CA in a PEM file, and a server on 127.0.0.1 presenting a certificate for [`HOST`] signed
/// by it, answering every request as Polymer Hire's organization endpoint does.
struct Provider {
    _dir: tempfile::TempDir,
    ca_file: PathBuf,
    port: u16,
    requests: Arc<AtomicUsize>,
}

async fn provider() -> Provider {
    let ca_key = KeyPair::generate().expect("a CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "connector tests CA");
    let ca = ca_params.self_signed(&ca_key).expect("a CA certificate");
    let leaf_key = KeyPair::generate().expect("a server key");
    let leaf = CertificateParams::new(vec![HOST.to_owned()])
        .expect("server parameters")
        .signed_by(&leaf_key, &ca, &ca_key)
        .expect("a server certificate");

    let dir = tempfile::tempdir().expect("a temporary directory");
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).expect("the CA file");

    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(
        vec![CertificateDer::from(leaf.der().to_vec())],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    )
    .expect("a server configuration");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let port = listener.local_addr().expect("an address").port();
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                // A client that does not trust the CA ends here.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let body = json!({"id": "org_1", "name": "Acme Hiring"}).to_string();
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    Provider {
        _dir: dir,
        ca_file,
        port,
        requests,
    }
}

impl Provider {
    fn base_url(&self) -> String {
        format!("https://{HOST}:{}/v1/hire", self.port)
    }

    fn pin(&self) -> String {
        format!("{HOST}:{}:127.0.0.1", self.port)
    }
}

/// Runs `connector` with `args`, `stdin` as its input and only `env` set of this tool's
/// variables.
fn connector(args: &[&str], env: &[(&str, &Path)], stdin: &str) -> Output {
    let mut cli = crate::support::connector().args(args).stdin(stdin);
    for (name, value) in env {
        cli = cli.env(name, value);
    }
    cli.output()
}

fn credentials() -> String {
    json!({"api_key": KEY}).to_string()
}

fn report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!(
            "JSON on stdout; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pinned_host_with_a_trusted_ca_is_verified_and_without_the_ca_is_unavailable_with_a_hint()
{
    let p = provider().await;
    let (base, pin) = (p.base_url(), p.pin());
    let ca = p.ca_file.to_str().expect("a UTF-8 path");
    let common = [
        "check",
        "polymer-hire",
        "--credentials",
        "-",
        "--json",
        "--base-url",
        &base,
        "--resolve",
        &pin,
    ];

    let trusted = connector(
        &[&common[..], &["--ca-cert", ca]].concat(),
        &[],
        &credentials(),
    );
    assert_eq!(report(&trusted)["status"], "verified", "{trusted:?}");
    assert_eq!(trusted.status.code(), Some(0));

    let untrusted = connector(&common, &[], &credentials());
    let answer = report(&untrusted);
    assert_eq!(answer["status"], "unavailable", "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("--ca-cert")),
        "the message says how to trust the CA: {answer}"
    );

    let by_env = connector(&common, &[("SSL_CERT_FILE", &p.ca_file)], &credentials());
    assert_eq!(report(&by_env)["status"], "verified", "SSL_CERT_FILE");
    let by_own_env = connector(
        &common,
        &[("CONNECTOR_CA_CERT", &p.ca_file)],
        &credentials(),
    );
    assert_eq!(
        report(&by_own_env)["status"],
        "verified",
        "CONNECTOR_CA_CERT"
    );
    assert_eq!(
        p.requests.load(Ordering::SeqCst),
        3,
        "one request per trusted run"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_config_file_and_bulk_checks_take_the_same_settings() {
    let p = provider().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join("connector.toml");
    std::fs::write(
        &config,
        format!(
            "ca_cert = {:?}\nresolve = [{:?}]\n[base_urls]\npolymer-hire = {:?}\n",
            p.ca_file.to_str().expect("a UTF-8 path"),
            p.pin(),
            p.base_url()
        ),
    )
    .expect("the config file");
    let config = config.to_str().expect("a UTF-8 path");
    let single = connector(
        &[
            "--config",
            config,
            "check",
            "polymer-hire",
            "--credentials",
            "-",
            "--json",
        ],
        &[],
        &credentials(),
    );
    assert_eq!(report(&single)["status"], "verified", "{single:?}");

    let lines = (0..3)
        .map(|i| {
            json!({"id": i, "connector": "polymer-hire", "credentials": {"api_key": format!("{KEY}{i}")}})
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n");
    let bulk = connector(
        &["--config", config, "check", "--bulk", "-"],
        &[],
        &(lines + "\n"),
    );
    let out = String::from_utf8_lossy(&bulk.stdout);
    let statuses: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("a JSON line")["status"].clone())
        .collect();
    assert_eq!(statuses, vec![json!("verified"); 3], "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_ca_file_or_pin_is_a_usage_error_and_nothing_is_sent() {
    let p = provider().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "just text").expect("a file");
    let base = p.base_url();
    let pin = p.pin();
    for (flag, value, wanted) in [
        (
            "--ca-cert",
            not_pem.to_str().expect("UTF-8"),
            "BEGIN CERTIFICATE",
        ),
        ("--ca-cert", "/nonexistent/ca.pem", "cannot read"),
        ("--resolve", "hire.test.example:443", "HOST:PORT:ADDR"),
        ("--resolve", "hire.test.example:99999:127.0.0.1", "PORT"),
        ("--resolve", "hire.test.example:443:not-an-ip", "ADDR"),
    ] {
        let output = connector(
            &[
                "check",
                "polymer-hire",
                "--credentials",
                "-",
                "--base-url",
                &base,
                "--resolve",
                &pin,
                flag,
                value,
            ],
            &[],
            &credentials(),
        );
        assert_eq!(output.status.code(), Some(2), "{flag} {value}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(wanted), "{flag} {value}: {stderr}");
    }
    assert_eq!(p.requests.load(Ordering::SeqCst), 0);
}
