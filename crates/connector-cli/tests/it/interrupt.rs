//! An interrupted bulk run keeps what it finished, through the real binary: the server answers
//! the first lines at once and holds the others for 30 s; once the fast results are out, the
//! test sends SIGINT or SIGTERM (with `kill`), and the run must end within its deadline plus a
//! margin, with exit status 130, only whole JSON lines on stdout (each line at most once, in
//! input order, the fast ones included) and a summary on stderr counting the interrupted lines.
//! A second signal ends the run at once.

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, ExitStatus};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Lines answered at once.
const FAST: usize = 4;
/// Lines held by the server for 30 s; with `--concurrency 2`, two are sent and the rest wait.
const SLOW: usize = 6;
/// The per-check deadline of these runs.
const DEADLINE: Duration = Duration::from_secs(2);
/// Time for the process to notice, write and exit.
const MARGIN: Duration = Duration::from_millis(1500);

fn key(n: usize) -> String {
    format!("8e5dcfdd-d23d-4e6f-a136-{n:012}")
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    for n in 0..FAST + SLOW {
        let response = ResponseTemplate::new(200).set_body_json(json!({"data": {
            "email": "ops@example.com", "organization_id": "o1",
            "organization_name": "Acme Data", "role": "admin"}}));
        let response = if n < FAST {
            response
        } else {
            response.set_delay(Duration::from_secs(30))
        };
        Mock::given(method("GET"))
            .and(path("/api/me"))
            .and(header(
                "authorization",
                format!("Bearer {}", key(n)).as_str(),
            ))
            .respond_with(response)
            .mount(&server)
            .await;
    }
    server
}

/// Waits until `server` has received `count` requests (at most 10 s).
fn wait_for_requests(server: &MockServer, count: usize) {
    let started = Instant::now();
    while runtime_requests(server) < count {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{count} requests were not sent"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// How many requests `server` has received, from a thread outside any runtime.
fn runtime_requests(server: &MockServer) -> usize {
    let handle = tokio::runtime::Handle::current();
    tokio::task::block_in_place(|| handle.block_on(server.received_requests()))
        .map_or(0, |requests| requests.len())
}

/// Collects everything a pipe says, as it comes.
fn collect(mut pipe: impl Read + Send + 'static) -> (Arc<Mutex<Vec<u8>>>, JoinHandle<()>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let thread = std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n @ 1..) = pipe.read(&mut chunk) {
            sink.lock()
                .expect("not poisoned")
                .extend_from_slice(&chunk[..n]);
        }
    });
    (seen, thread)
}

/// A bulk run in progress, its input still open.
struct Running {
    child: Child,
    stdin: ChildStdin,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

impl Running {
    /// Starts `connector check --bulk -` against `server` with a 2 s deadline and `args`.
    fn spawn(server: &MockServer, args: &[&str]) -> Self {
        let base = format!("polytomic={}", server.uri());
        let mut child = crate::support::connector()
            .args([
                "check",
                "--bulk",
                "-",
                "--timeout",
                "2",
                "--base-url",
                &base,
            ])
            .args(args)
            .command()
            .spawn()
            .expect("the connector binary runs");
        let stdin = child.stdin.take().expect("stdin is piped");
        let (stdout, out_reader) = collect(child.stdout.take().expect("stdout is piped"));
        let (stderr, err_reader) = collect(child.stderr.take().expect("stderr is piped"));
        Self {
            child,
            stdin,
            stdout,
            stderr,
            readers: vec![out_reader, err_reader],
        }
    }

    /// Starts the run and waits until the fast lines are out and two slow lines are sent.
    fn start(server: &MockServer) -> Self {
        let mut run = Self::spawn(server, &["--concurrency", "2"]);
        // The fast lines first, on their own: checks start in no set order, and a slow line
        // holding one of the two permits would hold the fast ones back.
        run.send(0..FAST);
        run.wait_for(&run.stdout, |out| {
            out.iter().filter(|&&b| b == b'\n').count() >= FAST
        });
        run.send(FAST..FAST + SLOW);
        // Two of the slow lines are sent, the others wait for a permit.
        wait_for_requests(server, FAST + 2);
        run
    }

    fn send(&mut self, lines: std::ops::Range<usize>) {
        for n in lines {
            let line =
                json!({"id": n, "connector": "polytomic", "credentials": {"api_key": key(n)}});
            writeln!(self.stdin, "{line}").expect("stdin");
        }
        self.stdin.flush().expect("stdin");
    }

    /// Waits until `pipe` holds `what` (at most 10 s).
    fn wait_for(&self, pipe: &Mutex<Vec<u8>>, what: impl Fn(&[u8]) -> bool) {
        let started = Instant::now();
        while !what(&pipe.lock().expect("not poisoned")) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "timed out; stdout: {}\nstderr: {}",
                String::from_utf8_lossy(&self.stdout.lock().expect("not poisoned")),
                String::from_utf8_lossy(&self.stderr.lock().expect("not poisoned")),
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, name: &str) {
        use rustix::process::{kill_process, Pid, Signal};
        let signal = match name {
            "INT" => Signal::INT,
            "TERM" => Signal::TERM,
            other => panic!("no signal {other} in these tests"),
        };
        let pid = i32::try_from(self.child.id())
            .ok()
            .and_then(Pid::from_raw)
            .expect("a child's pid");
        kill_process(pid, signal).expect("the signal is sent");
    }

    /// Waits for the process to end (at most 10 s); the status, stdout and stderr.
    fn finish(mut self) -> (ExitStatus, String, String) {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("waits") {
                break status;
            }
            if started.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                panic!("the run did not end within 10 s");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        for reader in self.readers.drain(..) {
            reader.join().expect("the reader ends");
        }
        let stdout = String::from_utf8(self.stdout.lock().expect("not poisoned").clone())
            .expect("stdout is UTF-8");
        let stderr =
            String::from_utf8_lossy(&self.stderr.lock().expect("not poisoned")).into_owned();
        (status, stdout, stderr)
    }
}

/// Every stdout line is a whole JSON object, ids strictly increasing; returns the lines.
fn whole_lines(stdout: &str) -> Vec<Value> {
    assert!(
        stdout.is_empty() || stdout.ends_with('\n'),
        "a partial line: {stdout:?}"
    );
    let lines: Vec<Value> = stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a whole JSON line ({e}): {line}"))
        })
        .collect();
    let ids: Vec<u64> = lines
        .iter()
        .map(|l| l["id"].as_u64().expect("a numeric id"))
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "order or repeats: {ids:?}"
    );
    lines
}

fn assert_fast_lines_verified(lines: &[Value]) {
    for (n, line) in lines.iter().take(FAST).enumerate() {
        assert_eq!(line["id"], n, "{line}");
        assert_eq!(line["status"], "verified", "{line}");
    }
}

async fn one_signal_keeps_the_finished_lines(signal: &str) {
    let server = server().await;
    let run = Running::start(&server);

    let sent = Instant::now();
    run.signal(signal);
    let (status, stdout, stderr) = run.finish();
    let took = sent.elapsed();

    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        took < DEADLINE + MARGIN,
        "{signal}: the run lasted {took:?} after it"
    );
    let lines = whole_lines(&stdout);
    assert_fast_lines_verified(&lines);
    // The two checks in flight ended at their deadline; the four waiting were never sent.
    assert_eq!(lines.len(), FAST + 2, "{stdout}");
    for line in &lines[FAST..] {
        assert_eq!(line["status"], "unavailable", "{line}");
    }
    assert!(
        stderr.contains("interrupted: 4 lines read but not reported"),
        "{signal}: {stderr}"
    );
    assert!(stderr.contains("checked 6 lines"), "{stderr}");
    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(requests.len(), FAST + 2, "nothing is sent after the signal");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_ends_the_run_with_every_finished_line_and_a_summary() {
    one_signal_keeps_the_finished_lines("INT").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_ends_the_run_the_same_way() {
    one_signal_keeps_the_finished_lines("TERM").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_sigint_ends_the_run_at_once_with_whole_lines() {
    let server = server().await;
    let run = Running::start(&server);

    run.signal("INT");
    run.wait_for(&run.stderr, |err| {
        String::from_utf8_lossy(err).contains("Ctrl-C again")
    });
    let sent = Instant::now();
    run.signal("INT");
    let (status, stdout, stderr) = run.finish();
    let took = sent.elapsed();

    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        took < Duration::from_secs(1),
        "the second signal took {took:?}"
    );
    let lines = whole_lines(&stdout);
    assert_fast_lines_verified(&lines);
    assert_eq!(
        lines.len(),
        FAST,
        "the checks in flight were not waited for: {stdout}"
    );
    assert!(stderr.contains("stopped at once"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn checks_waiting_for_their_rate_slot_are_not_sent_after_the_signal() {
    let server = server().await;
    // One request per 5 s: the first line goes at once, the others wait for their slots.
    let mut run = Running::spawn(&server, &["--rate", "polytomic=0.2"]);
    run.send(0..FAST);
    // Checks start in no set order: wait for whichever got the first slot to be sent.
    wait_for_requests(&server, 1);

    let sent = Instant::now();
    run.signal("INT");
    let (status, stdout, stderr) = run.finish();
    let took = sent.elapsed();

    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        took < Duration::from_secs(2),
        "the rate waits held the run {took:?}"
    );
    let lines = whole_lines(&stdout);
    assert_eq!(lines.len(), 1, "{stdout}");
    assert_eq!(lines[0]["status"], "verified");
    assert!(
        stderr.contains("interrupted: 3 lines read but not reported"),
        "{stderr}"
    );
    assert_eq!(server.received_requests().await.expect("recorded").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn checks_waiting_for_their_host_to_answer_first_are_not_sent_after_the_signal() {
    let server = server().await;
    // Four slow lines for one host: the first is sent, the others wait for it to answer.
    let mut run = Running::spawn(&server, &["--concurrency", "4"]);
    run.send(FAST..FAST + 4);
    wait_for_requests(&server, 1);
    // Time for the others to be sent, were they not held back.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        runtime_requests(&server),
        1,
        "one at a time before an answer"
    );

    let sent = Instant::now();
    run.signal("INT");
    let (status, stdout, stderr) = run.finish();
    let took = sent.elapsed();

    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(took < DEADLINE + MARGIN, "took {took:?}");
    let lines = whole_lines(&stdout);
    assert_eq!(
        lines.len(),
        1,
        "the check in flight ends in its deadline: {stdout}"
    );
    assert_eq!(
        server.received_requests().await.expect("recorded").len(),
        1,
        "nothing is sent after the signal"
    );
}
