//! An observer installed on the client sees every complete answer, retries included, in order,
//! with the request that got it; without one nothing changes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use connector_core::http::{Exchange, HttpClient, Limits, Observed, Repeat, Request};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::Method;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Method, path, status, `Retry-After`, body.
type Seen = (String, String, u16, Option<String>, Vec<u8>);

#[tokio::test]
async fn the_observer_sees_each_attempt_with_its_request_and_the_answer_as_read() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "0")
                .set_body_string("slow down"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})))
        .mount(&server)
        .await;

    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let sink = seen.clone();
    let client = HttpClient::builder()
        .observer(Arc::new(move |request: &Request, answer: &Observed<'_>| {
            sink.lock().expect("the observer's lock").push((
                request.method.to_string(),
                request.url.path().to_owned(),
                answer.status.as_u16(),
                answer
                    .headers
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                answer.body.to_vec(),
            ));
            assert_eq!(
                request.headers.get(AUTHORIZATION).map(|v| v.as_bytes()),
                Some(&b"Bearer k"[..]),
                "the observer sees the request as sent"
            );
        }))
        .build()
        .expect("a client");
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer k"));
    let request = Request {
        method: Method::GET,
        url: format!("{}/api/me", server.uri()).parse().expect("a URL"),
        headers,
        body: None,
        repeat: Repeat::Safe,
    };
    let limits = Limits {
        backoff: Duration::from_millis(1),
        ..Limits::default()
    };
    let exchange = client.exchange(&request, &limits).await;
    assert!(
        matches!(exchange, Exchange::Response { attempts: 2, .. }),
        "{exchange:?}"
    );
    let seen = seen.lock().expect("the observer's lock");
    assert_eq!(seen.len(), 2, "one observation per attempt");
    assert_eq!(
        seen[0],
        (
            "GET".to_owned(),
            "/api/me".to_owned(),
            429,
            Some("0".to_owned()),
            b"slow down".to_vec()
        )
    );
    assert_eq!(seen[1].2, 200);
    assert_eq!(seen[1].4, br#"{"ok":true}"#.to_vec());
    assert!(format!("{client:?}").contains("observer: true"));
}
