//! End-to-end tests of `connector check --bulk` through the real binary against local wiremock
//! servers: input order, deduplication, malformed lines, per-connector base URL and rate, the
//! exit status, and that no key appears unmasked on stdout or stderr.

use std::io::Write;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Polytomic keys are UUIDs, sent as `Bearer <key>`.
fn polytomic_key(n: u32) -> String {
    format!("8e5dcfdd-d23d-4e6f-a136-{n:012}")
}

/// StackOne keys look like `v1.<region>.<random>`, sent as the Basic username.
fn stackone_key(n: u32) -> String {
    format!("v1.eu1.Zm9vYmFyYmF6cXV4{n:08}")
}

fn polytomic_line(id: &str, key: &str) -> String {
    json!({"id": id, "connector": "polytomic", "credentials": {"api_key": key}}).to_string()
}

fn polytomic_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"data": {"email": "ops@example.com",
        "organization_id": "o1", "organization_name": "Acme Data", "role": "admin"}}))
}

/// Mounts an answer for one Polytomic key.
fn answer_key(key: &str, response: ResponseTemplate) -> Mock {
    Mock::given(method("GET"))
        .and(path("/api/me"))
        .and(header("authorization", format!("Bearer {key}").as_str()))
        .respond_with(response)
}

/// What a bulk run printed and how it exited.
struct Run {
    code: i32,
    lines: Vec<Value>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs `connector check --bulk - ARGS` with `input` on stdin.
fn bulk(args: &[&str], input: &str) -> Run {
    let started = Instant::now();
    let out = crate::support::connector()
        .args(["check", "--bulk", "-", "--timeout", "5"])
        .args(args)
        .trace()
        .stdin(input)
        .output();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let lines = stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}\nstderr: {stderr}"))
        })
        .collect();
    Run {
        code: out.status.code().expect("exit code"),
        lines,
        stdout,
        stderr,
        elapsed: started.elapsed(),
    }
}

fn ids(run: &Run) -> Vec<Value> {
    run.lines.iter().map(|line| line["id"].clone()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn results_come_out_in_input_order_whatever_the_response_times() {
    let server = MockServer::start().await;
    let delays = [700, 0, 300, 0, 500, 0, 100, 0];
    let mut input = String::new();
    for (n, delay) in delays.iter().enumerate() {
        let key = polytomic_key(n as u32);
        let response = polytomic_ok().set_delay(Duration::from_millis(*delay));
        answer_key(&key, response).expect(1).mount(&server).await;
        input.push_str(&polytomic_line(&format!("acct-{n}"), &key));
        input.push('\n');
    }

    let run = bulk(
        &["--base-url", &format!("polytomic={}", server.uri())],
        &input,
    );

    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected: Vec<Value> = (0..delays.len())
        .map(|n| json!(format!("acct-{n}")))
        .collect();
    assert_eq!(ids(&run), expected);
    assert!(
        run.lines.iter().all(|l| l["status"] == "verified"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("8 verified"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_credentials_are_verified_once_for_every_line() {
    let server = MockServer::start().await;
    let shared = polytomic_key(1);
    let other = polytomic_key(2);
    answer_key(
        &shared,
        polytomic_ok().set_delay(Duration::from_millis(200)),
    )
    .expect(1)
    .mount(&server)
    .await;
    answer_key(&other, ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    let mut input = String::new();
    for n in 0..7 {
        let key = if n == 3 || n == 5 { &other } else { &shared };
        input.push_str(&polytomic_line(&format!("line-{n}"), key));
        input.push('\n');
    }

    let run = bulk(
        &["--base-url", &format!("polytomic={}", server.uri())],
        &input,
    );

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.lines.len(), 7);
    for (n, line) in run.lines.iter().enumerate() {
        assert_eq!(line["id"], format!("line-{n}"));
        let expected = if n == 3 || n == 5 {
            "rejected"
        } else {
            "verified"
        };
        assert_eq!(line["status"], expected, "{line}");
    }
    assert!(
        run.stderr.contains("2 distinct checks, 5 duplicate lines"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_malformed_line_gets_an_invalid_input_result_naming_it() {
    let server = MockServer::start().await;
    let good = polytomic_key(7);
    // Lines 1 and 9 hold the same key: one request.
    answer_key(&good, polytomic_ok())
        .expect(1)
        .mount(&server)
        .await;
    let lines = [
        polytomic_line("first", &good),
        "{\"connector\": \"polytomic\", \"credentials\": {\"api_key\": 8e5dcfdd-oops".to_owned(),
        String::new(),
        json!({"connector": "polytomik", "credentials": {"api_key": good}}).to_string(),
        json!({"connector": "polytomic"}).to_string(),
        json!({"connector": "polytomic", "variant": "nope", "credentials": {"api_key": good}})
            .to_string(),
        json!({"connector": "polytomic", "credentials": {"api_key": "has space inside it"}})
            .to_string(),
        "[1, 2, 3]".to_owned(),
        json!({"id": 99, "connector": "polytomic", "credentials": {"api_key": good}}).to_string(),
    ];
    let input = lines.join("\n");

    let run = bulk(
        &["--base-url", &format!("polytomic={}", server.uri())],
        &input,
    );

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.lines.len(), lines.len(), "{}", run.stdout);
    let expected_ids = json!(["first", 2, 3, 4, 5, 6, 7, 8, 99]);
    assert_eq!(Value::from(ids(&run)), expected_ids);
    let statuses: Vec<&str> = run
        .lines
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses[0], "verified");
    assert_eq!(statuses[8], "verified");
    for (n, line) in run.lines.iter().enumerate().take(8).skip(1) {
        assert_eq!(line["status"], "invalid_input", "{line}");
        let message = line["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("line {}: ", n + 1)),
            "{message}"
        );
    }
    assert!(run.lines[3]["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `polytomic`"));
    assert!(run.lines[4]["message"]
        .as_str()
        .unwrap()
        .contains("`credentials` is missing"));
    assert!(run.stderr.contains("7 invalid_input"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_connector_goes_to_its_own_base_url() {
    let polytomic = MockServer::start().await;
    let stackone = MockServer::start().await;
    let key = polytomic_key(3);
    answer_key(&key, polytomic_ok())
        .expect(1)
        .mount(&polytomic)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/accounts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&stackone)
        .await;
    let input = [
        polytomic_line("p", &key),
        json!({"id": "s", "connector": "stackone", "credentials": {"api_key": stackone_key(1)}})
            .to_string(),
    ]
    .join("\n");

    let run = bulk(
        &[
            "--base-url",
            &format!("polytomic={}", polytomic.uri()),
            "--base-url",
            &format!("stackone={}/v2", stackone.uri()),
        ],
        &input,
    );

    assert_eq!(run.code, 0, "{}", run.stderr);
    let statuses: Vec<&Value> = run.lines.iter().map(|l| &l["status"]).collect();
    assert_eq!(
        statuses,
        [&json!("verified"), &json!("verified")],
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_base_url_may_be_a_template_over_the_lines_fields() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2024-02-08/api/me"))
        .respond_with(polytomic_ok())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2025-09-18/api/me"))
        .respond_with(polytomic_ok())
        .expect(1)
        .mount(&server)
        .await;
    let input = [
        json!({"id": "a", "connector": "polytomic",
            "credentials": {"api_key": polytomic_key(1), "api_version": "2024-02-08"}}),
        json!({"id": "b", "connector": "polytomic", "credentials": {"api_key": polytomic_key(2)}}),
    ]
    .map(|l| l.to_string())
    .join("\n");
    let base = format!("polytomic={}/{{api_version}}", server.uri());
    let run = bulk(&["--base-url", &base], &input);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let statuses: Vec<&Value> = run.lines.iter().map(|l| &l["status"]).collect();
    assert_eq!(
        statuses,
        [&json!("verified"), &json!("verified")],
        "{}",
        run.stdout
    );
}

#[test]
fn bad_base_urls_and_rates_are_usage_errors() {
    let cases: [(&[&str], &str); 8] = [
        (
            &["--base-url", "polytomik=http://127.0.0.1:9"],
            "did you mean `polytomic`",
        ),
        (&["--base-url", "polytomic=not a url"], "not a valid URL"),
        (&["--base-url", "http://127.0.0.1:9"], "ID=VALUE"),
        (&["--base-url", "http://127.0.0.1:9"], "ID.NAME=URL"),
        (
            &["--base-url", "polytomic.auth=http://127.0.0.1:9"],
            "polytomic has no origin named `auth`",
        ),
        (
            &["--base-url", "polytomik.auth=http://127.0.0.1:9"],
            "did you mean `polytomic`",
        ),
        (
            &[
                "--base-url",
                "stackone=http://127.0.0.1:9",
                "--base-url",
                "stackone=http://127.0.0.1:8",
            ],
            "given twice",
        ),
        (&["--rate", "stackone=fast"], "requests per second"),
    ];
    for (args, expected) in cases {
        let run = bulk(args, "");
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_spaces_the_requests_to_one_connector() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/accounts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": "a"}])))
        .expect(10)
        .mount(&server)
        .await;
    let input: Vec<String> = (0..10)
        .map(|n| {
            json!({"connector": "stackone", "credentials": {"api_key": stackone_key(n)}})
                .to_string()
        })
        .collect();

    let run = bulk(
        &[
            "--base-url",
            &format!("stackone={}", server.uri()),
            "--rate",
            "stackone=5",
        ],
        &input.join("\n"),
    );

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.lines.len(), 10);
    assert!(
        run.lines.iter().all(|l| l["status"] == "verified"),
        "{}",
        run.stdout
    );
    // 10 requests at 5 per second: the last starts 1.8 s after the first.
    assert!(
        run.elapsed >= Duration::from_millis(1500),
        "{:?}",
        run.elapsed
    );
}

/// What a [`counting_server`] saw.
#[derive(Default)]
struct Seen {
    connections: AtomicUsize,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    /// Requests that arrived while the very first one was still being answered.
    beside_the_first: AtomicUsize,
    first_answered: AtomicBool,
    requests: AtomicUsize,
    /// Connections open now, and the most open at once.
    open: AtomicUsize,
    most_open: AtomicUsize,
}

/// What a [`counting_server`] answers to a request head: the JSON body of a 200.
type Answer = fn(&str) -> String;

/// Polytomic's `/api/me`.
fn polytomic_me(_head: &str) -> String {
    json!({"data": {"email": "ops@example.com", "organization_id": "o1",
        "organization_name": "Acme Data", "role": "admin"}})
    .to_string()
}

/// Workable's account object for the subdomain at the end of the path.
fn workable_account(head: &str) -> String {
    let target = head.split(' ').nth(1).unwrap_or_default();
    let subdomain = target.rsplit('/').next().unwrap_or_default();
    json!({"id": "a1", "name": "Acme", "subdomain": subdomain}).to_string()
}

/// A plain HTTP/1.1 server on loopback answering every request with `answer` after `delay`,
/// keeping connections open unless asked to close them; it counts connections and requests
/// in flight.
async fn counting_server(delay: Duration, answer: Answer) -> (String, Arc<Seen>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let seen = Arc::new(Seen::default());
    let counts = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counts.connections.fetch_add(1, Ordering::SeqCst);
            let open = counts.open.fetch_add(1, Ordering::SeqCst) + 1;
            counts.most_open.fetch_max(open, Ordering::SeqCst);
            let counts = Arc::clone(&counts);
            tokio::spawn(async move {
                serve_counting(socket, &counts, delay, answer).await;
                counts.open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    (url, seen)
}

async fn serve_counting(
    mut socket: tokio::net::TcpStream,
    seen: &Seen,
    delay: Duration,
    answer: Answer,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut pending = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        // One GET (no body) per head; the client sends the next only after this answer.
        while !pending.windows(4).any(|w| w == b"\r\n\r\n") {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => pending.extend_from_slice(&buf[..n]),
            }
        }
        let head = String::from_utf8_lossy(&pending).to_ascii_lowercase();
        pending.clear();
        let body = answer(&head);
        let close = head.contains("\r\nconnection: close");
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        let first = seen.requests.fetch_add(1, Ordering::SeqCst) == 0;
        if !first && !seen.first_answered.load(Ordering::SeqCst) {
            seen.beside_the_first.fetch_add(1, Ordering::SeqCst);
        }
        let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        seen.most_in_flight.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(delay).await;
        seen.in_flight.fetch_sub(1, Ordering::SeqCst);
        if first {
            seen.first_answered.store(true, Ordering::SeqCst);
        }
        if socket.write_all(response.as_bytes()).await.is_err() || close {
            return;
        }
    }
}

fn polytomic_lines(count: u32) -> String {
    (0..count)
        .map(|n| polytomic_line(&n.to_string(), &polytomic_key(n)))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn host_concurrency_caps_the_requests_in_flight_to_one_host() {
    let (url, seen) = counting_server(Duration::from_millis(50), polytomic_me).await;
    let base = format!("polytomic={url}");
    let run = bulk(
        &[
            "--base-url",
            &base,
            "--concurrency",
            "12",
            "--host-concurrency",
            "3",
        ],
        &polytomic_lines(24),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.lines.iter().all(|l| l["status"] == "verified"),
        "{}",
        run.stdout
    );
    assert_eq!(seen.most_in_flight.load(Ordering::SeqCst), 3);
    assert!(seen.connections.load(Ordering::SeqCst) <= 3);

    let run = bulk(
        &[
            "--base-url",
            &base,
            "--host-concurrency",
            "13",
            "--concurrency",
            "12",
        ],
        "",
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("--host-concurrency must be between 1 and --concurrency (12)"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_gets_one_request_until_it_has_answered_then_as_many_as_allowed() {
    let (url, seen) = counting_server(Duration::from_millis(150), polytomic_me).await;
    let run = bulk(
        &[
            "--base-url",
            &format!("polytomic={url}"),
            "--concurrency",
            "12",
        ],
        &polytomic_lines(12),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.lines.iter().all(|l| l["status"] == "verified"),
        "{}",
        run.stdout
    );
    assert_eq!(
        seen.beside_the_first.load(Ordering::SeqCst),
        0,
        "requests were sent before the host first answered"
    );
    // The other eleven went together, one reusing the first connection.
    assert!(seen.most_in_flight.load(Ordering::SeqCst) >= 6);
    assert!(seen.connections.load(Ordering::SeqCst) <= 11);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_over_more_customer_hosts_than_open_files_verifies_every_line() {
    // 256 open files less 64 spare leave 192 for connections, 8 of them in use; 400 hosts, each
    // checked once, would otherwise keep 400 idle connections and run out of files.
    let (url, seen) = counting_server(Duration::from_millis(5), workable_account).await;
    let port = url.rsplit(':').next().expect("a port");
    let lines: Vec<String> = (0..400)
        .map(|n| {
            json!({"id": n, "connector": "workable",
                "credentials": {"subdomain": format!("customer{n}"), "api_key": format!("tok-{n:012}")}})
            .to_string()
        })
        .collect();
    let base = format!("workable=http://{{subdomain}}.bulk.test:{port}/spi/v3");
    let pin = format!("*.bulk.test:{port}:127.0.0.1");
    let out = crate::support::connector_with_open_files(256)
        .args([
            "check",
            "--bulk",
            "-",
            "--timeout",
            "10",
            "--concurrency",
            "8",
        ])
        .args([
            "--base-url",
            &base,
            "--resolve",
            &pin,
            "--rate",
            "workable=10000",
        ])
        .stdin(lines.join("\n"))
        .output();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let verified = stdout
        .lines()
        .filter(|line| line.contains(r#""status":"verified""#))
        .count();
    assert_eq!(verified, 400, "{stdout}\n{stderr}");
    let most_open = seen.most_open.load(Ordering::SeqCst);
    assert!(most_open <= 192 + 8, "{most_open} connections open at once");
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_never_appear_unmasked_on_stdout_or_stderr() {
    let server = MockServer::start().await;
    let verified = polytomic_key(11);
    let rejected = polytomic_key(12);
    let forbidden = polytomic_key(13);
    answer_key(&verified, polytomic_ok()).mount(&server).await;
    answer_key(
        &rejected,
        ResponseTemplate::new(401)
            .set_body_json(json!({"message": format!("key {rejected} was revoked")})),
    )
    .mount(&server)
    .await;
    answer_key(
        &forbidden,
        ResponseTemplate::new(403)
            .set_body_json(json!({"error": format!("{forbidden} lacks a role")})),
    )
    .mount(&server)
    .await;
    let broken = polytomic_key(14);
    let input = [
        polytomic_line("v", &verified),
        polytomic_line("r", &rejected),
        polytomic_line("f", &forbidden),
        format!("{{\"connector\": \"polytomic\", \"credentials\": {{\"api_key\": {broken}}}}}"),
        format!("{{\"connector\": \"{broken}\", \"credentials\": {{}}}}"),
        format!("{{\"connector\": \"polytomic\", \"credentials\": \"{broken}\"}}"),
        format!("{{\"connector\": \"polytomic\", \"{broken}\": 1, \"credentials\": {{}}}}"),
    ]
    .join("\n");

    let run = bulk(
        &["--base-url", &format!("polytomic={}", server.uri())],
        &input,
    );

    assert_eq!(run.code, 0, "{}", run.stderr);
    let statuses: Vec<&str> = run
        .lines
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "verified",
            "rejected",
            "forbidden",
            "invalid_input",
            "invalid_input",
            "invalid_input",
            "invalid_input"
        ]
    );
    assert_eq!(run.lines[1]["key"], "••••0012");
    for key in [&verified, &rejected, &forbidden, &broken] {
        // The distinctive middle of each key: its tail is allowed, in the mask.
        let secret = &key[..28];
        assert!(
            !run.stdout.contains(secret),
            "{secret} on stdout: {}",
            run.stdout
        );
        assert!(
            !run.stderr.contains(secret),
            "{secret} on stderr: {}",
            run.stderr
        );
    }
}

#[test]
fn an_unreadable_input_file_is_a_usage_error() {
    let out = crate::support::connector()
        .args(["check", "--bulk", "/nonexistent/keys.jsonl"])
        .output();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/keys.jsonl"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn input_from_a_file_without_a_final_newline_counts_every_line() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("keys.jsonl");
    std::fs::write(&file, "{}\n\n[]").expect("the input file is written");
    let out = crate::support::connector()
        .args(["check", "--bulk"])
        .arg(&file)
        .output();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let ids: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON line")["id"].clone())
        .collect();
    assert_eq!(ids, [json!(1), json!(2), json!(3)]);
}

#[test]
fn a_closed_stdout_stops_the_run_with_status_1() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("keys.jsonl");
    // Enough output to fill a pipe, so the binary must notice the reader is gone.
    std::fs::write(&file, "[]\n".repeat(20_000)).expect("the input file is written");
    let mut child = crate::support::connector()
        .args(["check", "--bulk"])
        .arg(&file)
        .command()
        .spawn()
        .expect("the binary runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("the binary finishes");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot write to standard output"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn results_stream_out_while_the_input_is_still_open() {
    let server = MockServer::start().await;
    answer_key(&polytomic_key(7), polytomic_ok())
        .mount(&server)
        .await;
    let base = format!("polytomic={}", server.uri());
    let mut child = crate::support::connector()
        .args(["check", "--bulk", "-", "--base-url", &base])
        .command()
        .stderr(Stdio::null())
        .spawn()
        .expect("the connector binary runs");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    writeln!(stdin, "{}", polytomic_line("first", &polytomic_key(7))).expect("stdin");
    stdin.flush().expect("stdin");

    // The first result must arrive while stdin stays open: bulk mode streams.
    let stdout = child.stdout.take().expect("stdout is piped");
    let first = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).map(|_| line)
    });
    let first = tokio::time::timeout(Duration::from_secs(20), first)
        .await
        .expect("a result before the input ends")
        .expect("the reader thread ends")
        .expect("stdout is readable");
    drop(stdin);
    let report: Value = serde_json::from_str(&first).expect("a JSON line");
    assert_eq!(report["id"], "first");
    assert_eq!(report["status"], "verified");
    assert!(child.wait().expect("the binary finishes").success());
}

#[test]
fn a_panicking_check_becomes_an_unexpected_line() {
    if !cfg!(debug_assertions) {
        return; // the panic switch exists in debug builds only
    }
    let input = [polytomic_line("a", &polytomic_key(1)), "[]".to_owned()].join("\n");
    let out = crate::support::connector()
        .args([
            "check",
            "--bulk",
            "-",
            "--base-url",
            "polytomic=http://127.0.0.1:9",
        ])
        .env("CONNECTOR_TEST_PANIC", "bulk-check")
        .env("RUST_BACKTRACE", "1")
        .stdin(input)
        .output();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let statuses: Vec<String> = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("a JSON line")["status"].to_string())
        .collect();
    assert_eq!(
        statuses,
        ["\"unexpected\"", "\"invalid_input\""],
        "{stdout}"
    );
    assert!(stderr.contains("error: internal error at "), "{stderr}");
    assert!(
        !stderr.contains("sk_live") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

/// The soft open-file limit is raised to the hard one; a hard limit too low for the
/// concurrency is named with what to do, and the run still goes on.
#[cfg(unix)]
#[test]
fn the_open_file_limit_is_raised_and_a_low_hard_limit_is_named() {
    let run = |limits: &str| {
        let script = format!("{limits}; exec \"$0\" check --bulk - --concurrency 600 </dev/null");
        std::process::Command::new("sh")
            .args(["-c", &script, env!("CARGO_BIN_EXE_connector")])
            .env_remove("RUST_LOG")
            .env_remove("CONNECTOR_CONFIG")
            .output()
            .expect("sh runs")
    };
    let hard = std::process::Command::new("sh")
        .args(["-c", "ulimit -Hn"])
        .output()
        .expect("sh runs");
    let hard = String::from_utf8_lossy(&hard.stdout).trim().to_owned();
    if hard == "unlimited" || hard.parse::<u64>().is_ok_and(|h| h >= 1000) {
        let raised = run("ulimit -Sn 256");
        assert!(raised.status.success(), "{raised:?}");
        assert!(
            !String::from_utf8_lossy(&raised.stderr).contains("open"),
            "a soft limit under the hard one is raised quietly: {raised:?}"
        );
    }
    let low = run("ulimit -n 300");
    assert!(low.status.success(), "{low:?}");
    let stderr = String::from_utf8_lossy(&low.stderr);
    assert!(
        stderr.contains("may open 300 files") && stderr.contains("--concurrency 600"),
        "{stderr}"
    );
}
