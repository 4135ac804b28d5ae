//! `cargo xtask bench --latency`: bulk checks at internet latency. A loopback HTTPS server
//! (a CA and a wildcard certificate for `*.bench.test` made at start) answers every host under
//! the test domain after a delay, as a provider with one host per customer would; `connector
//! check --bulk` checks keys spread over many hosts through Workable's placeholder host
//! (`https://{subdomain}.…`), pinned with `--resolve` and trusted with `--ca-cert`; a bare
//! reqwest loop with the same concurrency and pins is measured beside it. Reports checks per
//! second against the limit (concurrency ÷ delay) and the bare loop, peak memory (and again at a
//! high concurrency), and the TLS handshakes the server saw, full and resumed.
//!
//! The server also counts the requests carrying each key (keys carry their line's index), so the
//! hub's latency bench ([`super::hub_latency`]) can tell that no account was checked twice.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use bytes::Bytes;
use futures::stream::{self, StreamExt};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;

use super::key_counts::{KeyCounts, Tally, KEY_PREFIX};
use super::process::{measure, Measured};

/// The test domain every customer host lives under.
pub const DOMAIN: &str = "bench.test";
/// The placeholder-host connector the checks go through.
pub(super) const CONNECTOR: &str = "workable";

/// Share of the limit (concurrency ÷ delay) the bulk run reaches: at least this.
const TARGET_OF_LIMIT: f64 = 0.8;
/// Share of the bare loop's rate: at least this.
const TARGET_OF_BARE: f64 = 0.9;
/// Peak memory at the high concurrency: under this.
const TARGET_PEAK_MIB: f64 = 128.0;
/// Full handshakes per distinct host: at most this, or each host's share of the concurrency
/// when there are fewer hosts than requests in flight (each of those needs a connection).
const TARGET_HANDSHAKES_PER_HOST: f64 = 2.0;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub checks: u64,
    pub hosts: u64,
    pub delay: Duration,
    pub concurrency: usize,
    pub memory_concurrency: usize,
}

/// The server, and what it has seen.
pub(super) struct Server {
    pub(super) port: u16,
    pub(super) ca_file: PathBuf,
    full: Arc<AtomicU64>,
    resumed: Arc<AtomicU64>,
    /// Requests per key, by the key's index.
    per_key: Arc<KeyCounts>,
}

impl Server {
    pub(super) fn reset(&self) {
        self.full.store(0, Ordering::SeqCst);
        self.resumed.store(0, Ordering::SeqCst);
        self.per_key.reset();
    }

    /// Requests answered (or being answered) since the last reset.
    pub(super) fn requests(&self) -> u64 {
        self.per_key.recorded()
    }

    /// Requests per key since the last reset, over the first `keys` keys.
    pub(super) fn tally(&self, keys: u64) -> Tally {
        self.per_key.tally(keys as usize)
    }

    fn handshakes(&self) -> (u64, u64) {
        (
            self.full.load(Ordering::SeqCst),
            self.resumed.load(Ordering::SeqCst),
        )
    }
}

/// Makes the CA (written to `dir`) and the wildcard certificate, and starts the server on the
/// current runtime; it counts requests for the first `keys` keys one by one.
pub(super) async fn start(delay: Duration, dir: &Path, keys: u64) -> anyhow::Result<Server> {
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "connector bench CA");
    let ca = ca_params.self_signed(&ca_key)?;
    let leaf_key = KeyPair::generate()?;
    let leaf =
        CertificateParams::new(vec![format!("*.{DOMAIN}")])?.signed_by(&leaf_key, &ca, &ca_key)?;
    let ca_file = dir.join("bench-ca.pem");
    std::fs::write(&ca_file, ca.pem())?;

    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(
        vec![CertificateDer::from(leaf.der().to_vec())],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    )?;
    // Room to resume a session per host.
    config.session_storage = rustls::server::ServerSessionMemoryCache::new(65_536);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let full = Arc::new(AtomicU64::new(0));
    let resumed = Arc::new(AtomicU64::new(0));
    let per_key = Arc::new(KeyCounts::new(keys));
    let (full_seen, resumed_seen, keys_seen) = (full.clone(), resumed.clone(), per_key.clone());
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let _ = tcp.set_nodelay(true);
            let acceptor = acceptor.clone();
            let (full, resumed) = (full_seen.clone(), resumed_seen.clone());
            let keys_seen = keys_seen.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                match tls.get_ref().1.handshake_kind() {
                    Some(rustls::HandshakeKind::Resumed) => resumed.fetch_add(1, Ordering::Relaxed),
                    _ => full.fetch_add(1, Ordering::Relaxed),
                };
                let service = service_fn(move |request: Request<Incoming>| {
                    keys_seen.record(
                        request
                            .headers()
                            .get(hyper::header::AUTHORIZATION)
                            .and_then(|v| v.to_str().ok()),
                    );
                    async move {
                        tokio::time::sleep(delay).await;
                        Ok::<_, Infallible>(answer(&request))
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    Ok(Server {
        port,
        ca_file,
        full,
        resumed,
        per_key,
    })
}

/// Workable's account object for the host asked.
fn answer(request: &Request<Incoming>) -> Response<Full<Bytes>> {
    let subdomain = request
        .uri()
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let body = format!(r#"{{"id":"a1","name":"Bench {subdomain}","subdomain":"{subdomain}"}}"#);
    let mut response = Response::new(Full::new(Bytes::from(body)));
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

/// Line `index`'s customer host label and key.
pub(super) fn line(index: u64, hosts: u64) -> (String, String) {
    (
        format!("customer-{}", index % hosts.max(1)),
        format!("{KEY_PREFIX}{index:016x}"),
    )
}

/// `checks` lines of bulk input spread over `hosts` customer hosts.
pub(super) fn write_input(path: &Path, checks: u64, hosts: u64) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for index in 0..checks {
        let (subdomain, key) = line(index, hosts);
        writeln!(
            out,
            r#"{{"id":{index},"connector":"{CONNECTOR}","credentials":{{"subdomain":"{subdomain}","api_key":"{key}"}}}}"#
        )?;
    }
    out.flush()
}

/// One contender's figures.
pub(super) struct Run {
    pub(super) measured: Measured,
    full: u64,
    resumed: u64,
    /// Requests that got no 200 (the bare loop only: a bulk run must verify every line).
    failed: u64,
}

pub fn run(plan: &Plan, connector: &Path, reference: &Path) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let dir = tempfile::tempdir()?;
    let server = runtime.block_on(start(plan.delay, dir.path(), plan.checks))?;
    let input = dir.path().join("latency.jsonl");
    write_input(&input, plan.checks, plan.hosts)?;
    let limit = plan.concurrency as f64 / plan.delay.as_secs_f64().max(1e-6);
    println!(
        "bench --latency: {} checks over {} hosts, delay {} ms, concurrency {} (limit {limit:.0} checks/s), {} cores",
        plan.checks,
        plan.hosts,
        plan.delay.as_millis(),
        plan.concurrency,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );

    let bulk = bulk_run(
        &server,
        connector,
        &input,
        plan.checks,
        plan.concurrency,
        dir.path(),
    )?;
    let bare = bare(&server, reference, plan)?;
    let memory = bulk_run(
        &server,
        connector,
        &input,
        plan.checks,
        plan.memory_concurrency,
        dir.path(),
    )?;

    let rate = |m: &Measured| plan.checks as f64 / m.elapsed.as_secs_f64().max(1e-9);
    let mib = |m: &Measured| m.peak_rss_kib as f64 / 1024.0;
    for (name, r) in [("bulk", &bulk), ("bare reqwest", &bare)] {
        println!(
            "{name:>13}: {:>7.0} checks/s ({:.2} s), {:.2} of the limit, peak {:.1} MiB, handshakes {} full / {} resumed",
            rate(&r.measured),
            r.measured.elapsed.as_secs_f64(),
            rate(&r.measured) / limit,
            mib(&r.measured),
            r.full,
            r.resumed
        );
    }
    if bare.failed > 0 {
        println!(
            "               the bare loop got no answer for {} of {} requests (it keeps a connection \
             per host: open files run out when there are more hosts than the open-file limit)",
            bare.failed, plan.checks
        );
    }
    println!(
        "   bulk @{:>4}: {:>7.0} checks/s ({:.2} s), peak {:.1} MiB, handshakes {} full / {} resumed",
        plan.memory_concurrency,
        rate(&memory.measured),
        memory.measured.elapsed.as_secs_f64(),
        mib(&memory.measured),
        memory.full,
        memory.resumed
    );
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    let of_limit = rate(&bulk.measured) / limit;
    let of_bare = rate(&bulk.measured) / rate(&bare.measured);
    let hosts = plan.hosts.min(plan.checks).max(1);
    let per_host = bulk.full as f64 / hosts as f64;
    let allowed_per_host =
        TARGET_HANDSHAKES_PER_HOST.max((plan.concurrency as u64).div_ceil(hosts) as f64);
    println!("targets:");
    println!(
        "  >= {TARGET_OF_LIMIT} of the limit at concurrency {}: {} ({of_limit:.2})",
        plan.concurrency,
        verdict(of_limit >= TARGET_OF_LIMIT)
    );
    println!(
        "  >= {TARGET_OF_BARE} of the bare loop: {} ({of_bare:.2})",
        verdict(of_bare >= TARGET_OF_BARE)
    );
    println!(
        "  peak memory at concurrency {} < {TARGET_PEAK_MIB} MiB: {} ({:.1})",
        plan.memory_concurrency,
        verdict(mib(&memory.measured) < TARGET_PEAK_MIB),
        mib(&memory.measured)
    );
    println!(
        "  full handshakes <= {allowed_per_host} per host: {} ({per_host:.2} per host)",
        verdict(per_host <= allowed_per_host)
    );
    drop(runtime);
    Ok(ExitCode::SUCCESS)
}

/// `connector check --bulk` through the pinned, trusted test domain; every line must be
/// verified.
pub(super) fn bulk_run(
    server: &Server,
    connector: &Path,
    input: &Path,
    checks: u64,
    concurrency: usize,
    dir: &Path,
) -> anyhow::Result<Run> {
    server.reset();
    let stdout = dir.join("latency.out");
    let stderr = dir.join("latency.err");
    let mut command = Command::new(connector);
    command
        .args(["check", "--bulk"])
        .arg(input)
        .args(["--concurrency", &concurrency.to_string()])
        .arg("--base-url")
        .arg(format!(
            "{CONNECTOR}=https://{{subdomain}}.{DOMAIN}:{}/spi/v3",
            server.port
        ))
        .arg("--resolve")
        .arg(format!("*.{DOMAIN}:{}:127.0.0.1", server.port))
        .arg("--ca-cert")
        .arg(&server.ca_file)
        // The connector's own bulk rate is for real providers; the point here is the network.
        .args(["--rate", &format!("{CONNECTOR}=1000000")])
        .args(["--timeout", "30"])
        .env_remove("RUST_LOG")
        .env_remove("CONNECTOR_CONFIG")
        .env_remove("SSL_CERT_FILE")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout)?)
        .stderr(std::fs::File::create(&stderr)?);
    let measured = measure(&mut command)?;
    let said = std::fs::read_to_string(&stderr).unwrap_or_default();
    if !measured.status.success() {
        bail!(
            "connector check --bulk failed ({}): {said}",
            measured.status
        );
    }
    let out = std::fs::read_to_string(&stdout)?;
    let verified = out
        .lines()
        .filter(|l| l.contains(r#""status":"verified""#))
        .count() as u64;
    if verified != checks {
        let other = out
            .lines()
            .find(|l| !l.contains(r#""status":"verified""#))
            .unwrap_or_default();
        bail!(
            "connector check --bulk verified {verified} of {checks} lines; one other: {other}; {said}"
        );
    }
    let (full, resumed) = server.handshakes();
    Ok(Run {
        measured,
        full,
        resumed,
        failed: 0,
    })
}

/// The bare loop, as a child process.
fn bare(server: &Server, reference: &Path, plan: &Plan) -> anyhow::Result<Run> {
    server.reset();
    let mut command = Command::new(reference);
    command
        .args([
            "bench",
            "--latency-reference-port",
            &server.port.to_string(),
        ])
        .arg("--latency-reference-ca")
        .arg(&server.ca_file)
        .args(["--checks", &plan.checks.to_string()])
        .args(["--hosts", &plan.hosts.to_string()])
        .args(["--concurrency", &plan.concurrency.to_string()])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    let output_file = tempfile::NamedTempFile::new()?;
    command.stdout(output_file.reopen()?);
    let measured = measure(&mut command)?;
    let said = std::fs::read_to_string(output_file.path()).unwrap_or_default();
    let counts = said
        .trim()
        .strip_prefix("200=")
        .and_then(|rest| rest.split_once(" other="))
        .and_then(|(ok, other)| Some((ok.parse::<u64>().ok()?, other.parse::<u64>().ok()?)));
    let failed = match counts {
        Some((ok, other)) if measured.status.success() && ok + other == plan.checks => other,
        _ => bail!(
            "the bare loop said `{}`, expected `200=N other=M` with {} in all",
            said.trim(),
            plan.checks
        ),
    };
    let (full, resumed) = server.handshakes();
    Ok(Run {
        measured,
        full,
        resumed,
        failed,
    })
}

/// The bare loop itself: the same requests with a plain reqwest client, the same pins (one per
/// host) and the same extra CA; prints the count of 200s and of anything else.
pub fn reference(
    port: u16,
    ca: &Path,
    checks: u64,
    hosts: u64,
    concurrency: usize,
) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let pem = std::fs::read(ca).with_context(|| format!("cannot read {}", ca.display()))?;
    let mut builder = reqwest::Client::builder()
        .user_agent("connector-bench-reference")
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .connect_timeout(Duration::from_secs(10))
        .add_root_certificate(reqwest::Certificate::from_pem(&pem)?);
    let loopback = SocketAddr::from(([127, 0, 0, 1], port));
    for host in 0..hosts.max(1) {
        builder = builder.resolve(&format!("customer-{host}.{DOMAIN}"), loopback);
    }
    let client = builder.build()?;
    let counts = runtime.block_on(async {
        let mut ok = 0u64;
        let mut other = 0u64;
        let mut answers = stream::iter(0..checks)
            .map(|index| {
                let (subdomain, key) = line(index, hosts);
                let request = client
                    .get(format!(
                        "https://{subdomain}.{DOMAIN}:{port}/spi/v3/accounts/{subdomain}"
                    ))
                    .bearer_auth(key)
                    .header("accept", "application/json");
                async move {
                    let response = request.send().await?;
                    let status = response.status().as_u16();
                    response.bytes().await?;
                    Ok::<u16, reqwest::Error>(status)
                }
            })
            .buffer_unordered(concurrency);
        while let Some(answer) = answers.next().await {
            match answer {
                Ok(200) => ok += 1,
                _ => other += 1,
            }
        }
        (ok, other)
    });
    println!("200={} other={}", counts.0, counts.1);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_spread_over_the_hosts_with_unique_keys() {
        assert_eq!(line(0, 3).0, "customer-0");
        assert_eq!(line(4, 3).0, "customer-1");
        assert_ne!(line(1, 3).1, line(4, 3).1);
    }
}
