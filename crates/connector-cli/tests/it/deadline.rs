//! The deadline covers the whole process: with a DNS server that never answers
//! (`CONNECTOR_DNS_SERVERS` pointing at a loopback UDP socket that reads and stays silent), a
//! single check, a bulk run and an action each report `unavailable` and the process exits within
//! the deadline plus a small margin.

use std::net::UdpSocket;
use std::process::Output;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

const KEY: &str = "8e5dcfdd-d23d-4e6f-a136-119e1254847b";
const NOWHERE: &str = "http://never-answers.example:9";
/// `--timeout 1`, plus the margin a process needs to start and stop.
const LIMIT: Duration = Duration::from_millis(2500);

/// A DNS server on 127.0.0.1 that reads every query and never answers.
struct SilentDns {
    address: String,
    queries: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SilentDns {
    fn start() -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("a loopback UDP socket");
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .expect("a read timeout");
        let address = socket.local_addr().expect("its address").to_string();
        let queries = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (queries, stop) = (Arc::clone(&queries), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut buffer = [0u8; 1500];
                while !stop.load(Ordering::Relaxed) {
                    if socket.recv_from(&mut buffer).is_ok() {
                        queries.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        };
        Self {
            address,
            queries,
            stop,
            thread: Some(thread),
        }
    }

    fn queries(&self) -> usize {
        self.queries.load(Ordering::Relaxed)
    }
}

impl Drop for SilentDns {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs the binary with the silent DNS server and `stdin`; returns the output and how long the
/// whole process lived.
fn connector(dns: &SilentDns, args: &[&str], stdin: &str) -> (Output, Duration) {
    let started = Instant::now();
    let out = crate::support::connector()
        .args(args)
        .env("CONNECTOR_DNS_SERVERS", &dns.address)
        .env("POLYTOMIC_API_KEY", KEY)
        .env("POLYTOMIC_PARTNER_KEY", KEY)
        .stdin(stdin)
        .output();
    (out, started.elapsed())
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn a_check_ends_at_the_deadline_when_dns_never_answers() {
    let dns = SilentDns::start();
    let (out, elapsed) = connector(
        &dns,
        &[
            "check",
            "polytomic",
            "--timeout",
            "1",
            "--base-url",
            NOWHERE,
            "--json",
        ],
        "",
    );
    let report = &json_lines(&out)[0];
    assert_eq!(out.status.code(), Some(6), "{report}");
    assert_eq!(report["status"], "unavailable");
    assert!(elapsed < LIMIT, "the process lived {elapsed:?}");
    assert!(
        dns.queries() > 0,
        "the configured DNS server was never asked"
    );
}

#[test]
fn a_bulk_run_ends_at_the_deadline_when_dns_never_answers() {
    let dns = SilentDns::start();
    let input: String = (0..4)
        .map(|n| {
            format!(
                "{{\"id\": {n}, \"connector\": \"polytomic\", \"credentials\": {{\"api_key\": \"8e5dcfdd-d23d-4e6f-a136-11{n:010}\"}}}}\n"
            )
        })
        .collect();
    let base = format!("polytomic={NOWHERE}");
    let (out, elapsed) = connector(
        &dns,
        &[
            "check",
            "--bulk",
            "-",
            "--timeout",
            "1",
            "--base-url",
            &base,
        ],
        &input,
    );
    let lines = json_lines(&out);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(lines.len(), 4);
    assert!(
        lines.iter().all(|l| l["status"] == "unavailable"),
        "{lines:?}"
    );
    assert!(elapsed < LIMIT, "the process lived {elapsed:?}");
    assert!(
        dns.queries() > 0,
        "the configured DNS server was never asked"
    );
}

#[test]
fn an_action_ends_at_the_deadline_when_dns_never_answers() {
    let dns = SilentDns::start();
    let (out, elapsed) = connector(
        &dns,
        &[
            "run",
            "polytomic",
            "create-api-key",
            "--timeout",
            "1",
            "--base-url",
            NOWHERE,
            "--set",
            "org_id=248df4b7-aa70-47b8-a036-33ac447e668d",
            "--set",
            "user_id=7c0e3f1a-2b4d-4e6f-8a9b-0c1d2e3f4a5b",
            "--json",
        ],
        "",
    );
    let report = &json_lines(&out)[0];
    assert_eq!(out.status.code(), Some(6), "{report}");
    assert_eq!(report["status"], "unavailable");
    assert!(elapsed < LIMIT, "the process lived {elapsed:?}");
}

#[test]
fn a_dns_server_that_is_not_an_address_is_a_usage_error() {
    let out = crate::support::connector()
        .args(["check", "polytomic"])
        .env("CONNECTOR_DNS_SERVERS", "127.0.0.1:53,dns.example")
        .env("POLYTOMIC_API_KEY", KEY)
        .output();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("entry 2 of CONNECTOR_DNS_SERVERS"),
        "{stderr}"
    );
}
