//! Slow clients against the real binary with few file descriptors: connections that never finish
//! their request headers are closed after `header_read_timeout`, so they cannot hold the hub
//! unreachable, and the hub serves no more connections than its open-file limit allows. Provider
//! checks started by requests are capped too.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_connector-hub");

/// One plain GET on a fresh connection; the status line, if an answer came in `wait`.
fn get(addr: &str, path: &str, wait: Duration) -> Option<String> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(wait)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.lines().next().map(str::to_owned)
}

#[cfg(unix)]
#[test]
fn half_sent_requests_do_not_keep_the_hub_unreachable() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 256 descriptors, as the review's reproduction: fewer than the slow clients below.
    let mut child = Command::new("sh")
        .args(["-c", "ulimit -n 256 && exec \"$0\" \"$@\""])
        .arg(BIN)
        .args(["serve", "--init", "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove(connector_hub::crypto::MASTER_KEY_ENV)
        .env("CONNECTOR_HUB__HEADER_READ_TIMEOUT", "1")
        .env("CONNECTOR_HUB__SCHEDULER_TICK_SECONDS", "60")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hub starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("hub printed its address")
            .expect("line");
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().expect("addr").to_owned();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    assert_eq!(
        get(&addr, "/api/v1/openapi.json", Duration::from_secs(5)).as_deref(),
        Some("HTTP/1.1 200 OK")
    );

    // 300 clients that send part of their headers and then nothing.
    let slow: Vec<TcpStream> = (0..300)
        .filter_map(|_| {
            let mut stream = TcpStream::connect(&addr).ok()?;
            stream
                .write_all(b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n")
                .ok()?;
            Some(stream)
        })
        .collect();
    assert!(slow.len() > 250, "{} slow clients connected", slow.len());

    // A well-behaved client is served within a few header timeouts, the slow ones still open.
    let started = Instant::now();
    let mut answer = None;
    while answer.is_none() && started.elapsed() < Duration::from_secs(30) {
        answer = get(&addr, "/api/v1/openapi.json", Duration::from_secs(10));
    }
    assert_eq!(answer.as_deref(), Some("HTTP/1.1 200 OK"));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "served after {:?}",
        started.elapsed()
    );

    // The hub closed the slow connections it took.
    let mut closed = 0;
    for mut stream in slow.into_iter().take(50) {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let mut rest = Vec::new();
        if stream.read_to_end(&mut rest).is_ok() {
            closed += 1;
        }
    }
    assert!(closed > 0, "no slow connection was closed by the hub");
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn requests_past_the_cap_on_provider_checks_are_told_to_retry() {
    use crate::support::{fake_provider, TestHub};
    use axum::body::Body;
    use axum::http::{Request, StatusCode};

    let lever = fake_provider("lever").await;
    let hub = TestHub::start_with(&[&lever], |s| s.request_checks = 1).await;
    let id = hub.link("lever", "o", &lever.good).await;
    // Every check now takes three seconds, longer than a request waits for a place.
    lever.server.reset().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(401).set_delay(Duration::from_secs(3)))
        .mount(&lever.server)
        .await;
    let verify = || {
        Request::post(format!("/api/v1/accounts/{id}/verify"))
            .header("authorization", format!("Bearer {}", hub.admin_key))
            .body(Body::empty())
            .expect("request")
    };
    let (first, second) = tokio::join!(
        crate::support::send(&hub, verify()),
        crate::support::send(&hub, verify())
    );
    let mut statuses = [first.0.status(), second.0.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::SERVICE_UNAVAILABLE]);
    let busy = if first.0.status() == StatusCode::OK {
        &second
    } else {
        &first
    };
    assert!(busy.1.contains("\"busy\""), "{}", busy.1);
    assert!(busy.0.headers().contains_key("retry-after"));
    assert_eq!(
        lever.server.received_requests().await.map(|r| r.len()),
        Some(1)
    );
}
