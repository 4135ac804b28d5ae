//! Whatever a provider or a resolver does, `HttpClient::exchange` ends within its deadline with a
//! typed result and never panics: absurd `Retry-After` values (numbers past `u64`, `u64::MAX`
//! seconds, dates far ahead), and name resolution that never answers.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use connector_core::http::dns::{Name, Resolve, Resolving};
use connector_core::http::{
    retry_after, retry_after_value, Exchange, HttpClient, Limits, Repeat, Request,
};
use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use wiremock::matchers::any as any_request;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn get(url: &str, repeat: Repeat) -> Request {
    Request {
        method: Method::GET,
        url: url.parse().expect("a valid URL"),
        headers: HeaderMap::new(),
        body: None,
        repeat,
    }
}

fn limits(timeout: Duration) -> Limits {
    Limits {
        timeout,
        max_retries: 2,
        backoff: Duration::from_millis(10),
        ..Limits::default()
    }
}

fn headers_with(value: HeaderValue) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(RETRY_AFTER, value);
    headers
}

/// One runtime and one loopback server for every property case.
fn shared() -> &'static (tokio::runtime::Runtime, MockServer, HttpClient) {
    static SHARED: OnceLock<(tokio::runtime::Runtime, MockServer, HttpClient)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let server = runtime.block_on(MockServer::start());
        (runtime, server, HttpClient::try_new().expect("a client"))
    })
}

/// Answers every request with `status` and `Retry-After: value`, then exchanges once.
fn exchange_against(status: u16, value: &str, repeat: Repeat) -> (Exchange, Duration) {
    let (runtime, server, client) = shared();
    runtime.block_on(async {
        server.reset().await;
        Mock::given(any_request())
            .respond_with(ResponseTemplate::new(status).insert_header("retry-after", value))
            .mount(server)
            .await;
        let request = get(&server.uri(), repeat);
        let started = Instant::now();
        let exchange = client
            .exchange(&request, &limits(Duration::from_millis(400)))
            .await;
        (exchange, started.elapsed())
    })
}

fn status_of(exchange: &Exchange) -> Option<StatusCode> {
    match exchange {
        Exchange::Response { status, .. } => Some(*status),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_after_u64_max_on_429_and_503_reports_the_answer_within_the_deadline() {
    let client = HttpClient::try_new().expect("a client");
    for status in [429u16, 503] {
        for value in [u64::MAX.to_string(), (u64::MAX - 1).to_string()] {
            let server = MockServer::start().await;
            Mock::given(any_request())
                .respond_with(ResponseTemplate::new(status).insert_header("retry-after", &*value))
                .mount(&server)
                .await;
            let started = Instant::now();
            let exchange = client
                .exchange(
                    &get(&server.uri(), Repeat::Safe),
                    &limits(Duration::from_secs(2)),
                )
                .await;
            let elapsed = started.elapsed();
            match exchange {
                Exchange::Response {
                    status: got,
                    attempts,
                    ..
                } => {
                    assert_eq!(got.as_u16(), status);
                    assert_eq!(attempts, 1, "{status}: no retry fits such a wait");
                }
                other => panic!("{status}: expected the response, got {other:?}"),
            }
            assert!(elapsed < Duration::from_secs(2), "{status}: {elapsed:?}");
            let requests = server.received_requests().await.expect("recording is on");
            assert_eq!(requests.len(), 1, "{status}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_absurd_deadline_or_backoff_does_not_panic() {
    let server = MockServer::start().await;
    Mock::given(any_request())
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = HttpClient::try_new().expect("a client");
    // A deadline that overflows an instant, and a backoff whose doubling overflows a duration.
    let limits = Limits {
        timeout: Duration::MAX,
        max_retries: 40,
        backoff: Duration::from_secs(u64::MAX / 2),
        ..Limits::default()
    };
    let started = Instant::now();
    let exchange = client
        .exchange(&get(&server.uri(), Repeat::Safe), &limits)
        .await;
    assert_eq!(status_of(&exchange), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn retry_after_reads_seconds_and_dates() {
    assert_eq!(
        retry_after_value(" 120 "),
        Some(Duration::from_secs(120)),
        "seconds"
    );
    assert_eq!(
        retry_after_value(&u64::MAX.to_string()),
        Some(Duration::from_secs(u64::MAX))
    );
    assert_eq!(retry_after_value("18446744073709551616"), None, "past u64");
    assert_eq!(retry_after_value("-1"), None);
    assert_eq!(retry_after_value("soon"), None);
    assert_eq!(
        retry_after_value("Sun, 06 Nov 1994 08:49:37 GMT"),
        Some(Duration::ZERO),
        "a date in the past"
    );
    let far = retry_after_value("Fri, 31 Dec 9999 23:59:59 GMT").expect("a date far ahead");
    assert!(far > Duration::from_secs(86_400 * 365 * 7000), "{far:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_header_bytes_parse_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(value) = HeaderValue::from_bytes(&bytes) {
            let _ = retry_after(&headers_with(value));
        }
    }

    #[test]
    fn any_text_parses_without_panicking(text in "\\PC{0,48}") {
        let _ = retry_after_value(&text);
    }

    #[test]
    fn numbers_parse_exactly(secs in any::<u64>(), left in "[ \t]{0,2}", right in "[ \t]{0,2}") {
        let value = HeaderValue::from_str(&format!("{left}{secs}{right}")).expect("visible ASCII");
        prop_assert_eq!(retry_after(&headers_with(value)), Some(Duration::from_secs(secs)));
    }

    #[test]
    fn dates_in_the_past_mean_no_wait(secs in 0u64..1_600_000_000) {
        let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs));
        prop_assert_eq!(retry_after_value(&date), Some(Duration::ZERO), "{}", date);
    }

    #[test]
    fn dates_ahead_wait_until_then(ahead in 2u64..(86_400 * 365 * 1000)) {
        let when = SystemTime::now() + Duration::from_secs(ahead);
        let wait = retry_after_value(&httpdate::fmt_http_date(when)).expect("a date");
        // HTTP dates have whole seconds, and time passes between formatting and parsing.
        prop_assert!(wait <= Duration::from_secs(ahead), "{:?} > {}", wait, ahead);
        prop_assert!(wait + Duration::from_secs(2) >= Duration::from_secs(ahead), "{:?} < {}", wait, ahead);
    }
}

/// Retry-After values a hostile or broken provider might send.
fn absurd_retry_after() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        (u64::MAX - 1000..=u64::MAX).prop_map(|n| n.to_string()),
        "[0-9]{20,40}",
        (60u64..(86_400 * 365 * 7000)).prop_map(|ahead| {
            httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(ahead))
        }),
        Just("Fri, 31 Dec 9999 23:59:59 GMT".to_owned()),
        "[ -~]{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn absurd_retry_after_ends_within_the_deadline(
        value in absurd_retry_after(),
        status in prop_oneof![Just(429u16), Just(503u16)],
        safe in any::<bool>(),
    ) {
        let repeat = if safe { Repeat::Safe } else { Repeat::OnlyIfRefused };
        let (exchange, elapsed) = exchange_against(status, &value, repeat);
        prop_assert_eq!(status_of(&exchange).map(|s| s.as_u16()), Some(status), "{:?}", exchange);
        prop_assert!(elapsed < Duration::from_millis(900), "{:?} for {:?}", elapsed, value);
    }
}

/// A resolver that never answers.
struct Silent;

impl Resolve for Silent {
    fn resolve(&self, _: Name) -> Resolving {
        Box::pin(std::future::pending())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resolver_that_never_answers_ends_at_the_deadline() {
    let client = HttpClient::builder()
        .resolver(Arc::new(Silent))
        .build()
        .expect("a client");
    let started = Instant::now();
    let exchange = client
        .exchange(
            &get("http://never-answers.example:9/", Repeat::Safe),
            &limits(Duration::from_millis(500)),
        )
        .await;
    let elapsed = started.elapsed();
    assert!(
        matches!(
            exchange,
            Exchange::TimedOut {
                last_status: None,
                ..
            }
        ),
        "{exchange:?}"
    );
    assert!(elapsed >= Duration::from_millis(500), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn dns_servers_are_asked_instead_of_the_system_resolver() {
    // A DNS server that reads queries and never answers.
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("a loopback UDP socket");
    let server: SocketAddr = socket.local_addr().expect("its address");
    let queries = tokio::spawn(async move {
        let mut buffer = [0u8; 512];
        let mut count = 0usize;
        while tokio::time::timeout(Duration::from_secs(3), socket.recv_from(&mut buffer))
            .await
            .is_ok()
        {
            count += 1;
        }
        count
    });
    let client = HttpClient::builder()
        .dns_servers(vec![server], Duration::from_millis(500))
        .build()
        .expect("a client");
    let started = Instant::now();
    let exchange = client
        .exchange(
            &get("http://never-answers.example:9/", Repeat::Safe),
            &limits(Duration::from_millis(700)),
        )
        .await;
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
    assert!(
        matches!(
            exchange,
            Exchange::TimedOut { .. } | Exchange::Transport { .. }
        ),
        "{exchange:?}"
    );
    assert!(
        queries.await.expect("the listener ends") > 0,
        "the configured server was never asked"
    );
}
