//! The proxy against loopback fakes: every auth shape arrives as the connector's check sends it,
//! paths that would leave the base are refused before anything is sent, a token exchange serves
//! many calls until it expires, redirects and refusals come back as they are, a refused call
//! re-verifies the account (and its webhook goes out), bodies stream both ways, and only the
//! `proxy` scope opens it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use connector_core::Auth;
use connector_hub::hubkey::Scope;
use connector_hub::service::EventType;
use connector_hub::settings::UrlSetting;
use connector_testkit::fixture::Fixtures;
use serde_json::Value;
use wiremock::matchers::{header, method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    assert_hidden, fake_provider, fixtures_dir, scenario, send, FakeProvider, TestHub,
};

/// A proxied request from `key` (GET unless said), with a few headers a caller may send.
fn proxied(method: &str, uri: &str, key: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {key}"))
        .header("cookie", "hub_session=caller-cookie")
        .header("x-forwarded-for", "10.9.8.7")
        .header("x-trace", "trace-1")
        .body(Body::empty())
        .expect("request")
}

/// The names of the headers a variant's credential travels in, and its extra headers.
fn credential_headers(variant: &connector_core::CredentialVariant) -> Vec<String> {
    let mut names: Vec<String> = match variant.auth {
        Auth::Bearer { .. } | Auth::Basic { .. } | Auth::Exchange(_) => {
            vec!["authorization".to_owned()]
        }
        Auth::Header { header, .. } => vec![header.to_ascii_lowercase()],
        Auth::Headers(list) => list.iter().map(|h| h.name.to_ascii_lowercase()).collect(),
        Auth::Query { .. } | Auth::JsonBody { .. } => Vec::new(),
    };
    names.extend(
        variant
            .extra_headers
            .iter()
            .map(|h| h.name.to_ascii_lowercase()),
    );
    names
}

fn header_text(request: &wiremock::Request, name: &str) -> Option<String> {
    request
        .headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

fn query_value(request: &wiremock::Request, name: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn every_auth_shape_reaches_the_provider_as_its_check_sends_it() {
    let mut fakes: Vec<FakeProvider> = Vec::new();
    for connector in connector_registry::all() {
        let spec = connector.spec();
        if matches!(spec.default_variant().auth, Auth::Exchange(_)) {
            continue; // a_token_exchange_serves_many_calls_until_it_expires
        }
        fakes.push(fake_provider(spec.id).await);
    }
    assert!(fakes.len() >= 10, "most connectors have a plain credential");
    let refs: Vec<&FakeProvider> = fakes.iter().collect();
    let hub = TestHub::start(&refs).await;
    for fake in &fakes {
        let spec = connector_registry::find(fake.id).expect("connector").spec();
        let variant = spec.default_variant();
        let account = hub.link(fake.id, "customer-1", &fake.good).await;
        let check = fake.server.received_requests().await.expect("recording")[0].clone();

        let (answer, _) = send(
            &hub,
            proxied(
                "GET",
                &format!("/api/v1/proxy/{account}/probe/items?page=2&sort=a%20b"),
                &hub.admin_key,
            ),
        )
        .await;
        if let Auth::JsonBody { .. } = variant.auth {
            // The key goes inside each request's JSON body, which the proxy passes on as the
            // caller sent it: refused before anything is sent.
            assert_eq!(answer.status(), StatusCode::CONFLICT, "{}", fake.id);
            let after = fake.server.received_requests().await.expect("recording");
            assert_eq!(after.len(), 1, "{}: only the link's check arrived", fake.id);
            continue;
        }
        assert_eq!(answer.status(), StatusCode::OK, "{}", fake.id);
        let received = fake.server.received_requests().await.expect("recording");
        let sent = received.last().expect("the proxied call arrived");
        let verify_path = connector_core::template::fill(variant.verify.path, |name, _| {
            fake.good.get(name).cloned()
        })
        .expect("the verification path fills");
        let base_path = check.url.path().trim_end_matches(verify_path.as_str());
        assert_eq!(
            sent.url.path(),
            format!("{base_path}/probe/items"),
            "{}: joined under the base path",
            fake.id
        );
        assert_eq!(query_value(sent, "page").as_deref(), Some("2"));
        assert_eq!(query_value(sent, "sort").as_deref(), Some("a b"));
        for name in credential_headers(variant) {
            assert_eq!(
                header_text(sent, &name),
                header_text(&check, &name),
                "{}: `{name}` as the check sends it",
                fake.id
            );
            assert!(header_text(sent, &name).is_some(), "{}: {name}", fake.id);
        }
        if let Auth::Query { param, .. } = variant.auth {
            assert_eq!(query_value(sent, param), query_value(&check, param));
            assert!(query_value(sent, param).is_some(), "{}", fake.id);
        }
        assert_eq!(header_text(sent, "x-trace").as_deref(), Some("trace-1"));
        assert_eq!(header_text(sent, "cookie"), None, "{}", fake.id);
        assert_eq!(header_text(sent, "x-forwarded-for"), None, "{}", fake.id);
        let host = fake.server.address().to_string();
        assert_eq!(header_text(sent, "host").as_deref(), Some(host.as_str()));
        let authorization = header_text(sent, "authorization").unwrap_or_default();
        assert_hidden(&authorization, &hub.admin_key);
    }
}

#[tokio::test]
async fn paths_that_would_leave_the_base_are_refused_before_anything_is_sent() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start(&[&lever]).await;
    let account = hub.link("lever", "customer-1", &lever.good).await;
    let before = lever.server.received_requests().await.expect("rec").len();
    for path in [
        "..",
        "../v1/users",
        "v1/../../x",
        "./v1",
        "%2e%2e/x",
        ".%2E/x",
        "v1%2fusers",
        "v1%2Fusers",
        "v1%5cusers",
        "v1%255c..",
        "http://evil.example/x",
        "https:%2f%2fevil.example",
        "/evil.example/x",
        "@evil.example/x",
        "v1/users@evil.example",
        "v1//users",
        "v1/%00",
    ] {
        let (answer, body) = send(
            &hub,
            proxied(
                "GET",
                &format!("/api/v1/proxy/{account}/{path}"),
                &hub.admin_key,
            ),
        )
        .await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{path}: {body}");
        let error: Value = serde_json::from_str(&body).expect("json error");
        assert_eq!(error["error"]["code"], "path_refused", "{path}");
    }
    let after = lever.server.received_requests().await.expect("rec").len();
    assert_eq!(before, after, "nothing was sent for a refused path");

    let (answer, _) = send(
        &hub,
        proxied("GET", "/api/v1/proxy/acc_unknown/v1/users", &hub.admin_key),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_the_proxy_scope_opens_the_proxy() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start(&[&lever]).await;
    let account = hub.link("lever", "customer-1", &lever.good).await;
    let uri = format!("/api/v1/proxy/{account}/v1/users");
    for scope in Scope::ALL.into_iter().filter(|s| *s != Scope::Proxy) {
        let (_, key) = hub.key_with("other", &[scope]).await;
        let (answer, body) = send(&hub, proxied("GET", &uri, &key)).await;
        assert_eq!(answer.status(), StatusCode::FORBIDDEN, "{scope:?}");
        assert!(body.contains("insufficient_scope"), "{body}");
    }
    let everything_else: Vec<Scope> = Scope::ALL
        .into_iter()
        .filter(|s| *s != Scope::Proxy)
        .collect();
    let (_, key) = hub.key_with("all-but-proxy", &everything_else).await;
    let (answer, _) = send(&hub, proxied("GET", &uri, &key)).await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    let no_key = Request::builder()
        .uri(&uri)
        .body(Body::empty())
        .expect("req");
    assert_eq!(
        send(&hub, no_key).await.0.status(),
        StatusCode::UNAUTHORIZED
    );
    let (_, key) = hub.key_with("proxy-only", &[Scope::Proxy]).await;
    let (answer, _) = send(&hub, proxied("GET", &uri, &key)).await;
    assert_eq!(answer.status(), StatusCode::OK);
}

/// Personio's exchange, on a fake that counts token requests and gives tokens lasting
/// `expires_in` seconds.
async fn exchange_fake(expires_in: u64) -> (MockServer, BTreeMap<String, String>) {
    let fixtures = Fixtures::load(&fixtures_dir());
    let valid = scenario(fixtures.for_connector("personio"), "valid-key", "personio").clone();
    let server = MockServer::start().await;
    let counter = Arc::new(Mutex::new(0u32));
    let tokens = counter.clone();
    Mock::given(method("POST"))
        .and(path("/v2/auth/token"))
        .respond_with(move |_: &wiremock::Request| {
            let mut n = tokens.lock().expect("lock");
            *n += 1;
            ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "access_token": format!("personio-token-{n:04}-abcdefghijkl"),
                "token_type": "Bearer",
                "expires_in": expires_in,
            }))
        })
        .mount(&server)
        .await;
    let body = valid.responses[0].body.clone().expect("recorded body");
    Mock::given(method("GET"))
        .and(path_regex("^/v2/"))
        .and(wiremock::matchers::header_regex(
            "authorization",
            "^Bearer personio-token-",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    (server, valid.credentials)
}

async fn token_requests(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .expect("recording")
        .iter()
        .filter(|r| r.url.path() == "/v2/auth/token")
        .count()
}

#[tokio::test]
async fn a_token_exchange_serves_many_calls_until_it_expires() {
    let (server, credentials) = exchange_fake(1).await;
    let uri = server.uri();
    let hub = TestHub::start_with(&[], |s| {
        s.base_urls
            .insert("personio".to_owned(), UrlSetting::Api(uri));
    })
    .await;
    let account = hub.link("personio", "customer-1", &credentials).await;
    assert_eq!(token_requests(&server).await, 1, "the link's own check");

    let calls = (0..8).map(|_| {
        send(
            &hub,
            proxied(
                "GET",
                &format!("/api/v1/proxy/{account}/v2/persons?limit=5"),
                &hub.admin_key,
            ),
        )
    });
    for (answer, body) in futures::future::join_all(calls).await {
        assert_eq!(answer.status(), StatusCode::OK, "{body}");
    }
    assert_eq!(token_requests(&server).await, 2, "one exchange for 8 calls");
    let received = server.received_requests().await.expect("rec");
    let last = received.last().expect("a call");
    assert_eq!(
        header_text(last, "authorization").as_deref(),
        Some("Bearer personio-token-0002-abcdefghijkl")
    );

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (answer, _) = send(
        &hub,
        proxied(
            "GET",
            &format!("/api/v1/proxy/{account}/v2/persons"),
            &hub.admin_key,
        ),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(
        token_requests(&server).await,
        3,
        "a new exchange after expiry"
    );
}

#[tokio::test]
async fn redirects_refusals_and_cookies_come_back_as_the_rules_say() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start(&[&lever]).await;
    let account = hub.link("lever", "customer-1", &lever.good).await;
    let secret = lever
        .good
        .get("api_key")
        .cloned()
        .expect("lever's key field");
    lever.server.reset().await;
    Mock::given(path_regex("/redirect$"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", "http://127.0.0.1:9/elsewhere"),
        )
        .mount(&lever.server)
        .await;
    Mock::given(path_regex("/cookies$"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("set-cookie", "provider=1; Path=/")
                .insert_header("x-echo", format!("key was {secret}").as_str())
                .insert_header("x-request-id", "req-77")
                .set_body_string("{\"ok\":true}"),
        )
        .mount(&lever.server)
        .await;
    Mock::given(path_regex("/busy$"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "17")
                .set_body_string("slow down"),
        )
        .mount(&lever.server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex("/echo$"))
        .and(header("content-type", "application/json"))
        .respond_with(|r: &wiremock::Request| {
            ResponseTemplate::new(201).set_body_bytes(r.body.clone())
        })
        .mount(&lever.server)
        .await;

    let at = |p: &str| format!("/api/v1/proxy/{account}/{p}");
    let (answer, _) = send(&hub, proxied("GET", &at("redirect"), &hub.admin_key)).await;
    assert_eq!(answer.status(), StatusCode::FOUND);
    assert_eq!(
        answer.headers()["location"],
        "http://127.0.0.1:9/elsewhere",
        "a redirect is passed back, not followed"
    );

    let (answer, body) = send(&hub, proxied("GET", &at("cookies"), &hub.admin_key)).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(body, "{\"ok\":true}");
    assert!(answer.headers().get("set-cookie").is_none());
    assert!(
        answer.headers().get("x-echo").is_none(),
        "a header carrying the key is dropped"
    );
    assert_eq!(answer.headers()["x-request-id"], "req-77");

    let (answer, body) = send(&hub, proxied("GET", &at("busy"), &hub.admin_key)).await;
    assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(answer.headers()["retry-after"], "17");
    assert_eq!(body, "slow down");
    let busy = lever.server.received_requests().await.expect("rec");
    assert_eq!(
        busy.iter()
            .filter(|r| r.url.path().ends_with("/busy"))
            .count(),
        1,
        "a 429 is not retried by the proxy"
    );

    let post = Request::builder()
        .method("POST")
        .uri(at("echo"))
        .header("authorization", format!("Bearer {}", hub.admin_key))
        .header("content-type", "application/json")
        .body(Body::from("{\"name\":\"Ada\"}"))
        .expect("request");
    let (answer, body) = send(&hub, post).await;
    assert_eq!(answer.status(), StatusCode::CREATED);
    assert_eq!(body, "{\"name\":\"Ada\"}");
}

#[tokio::test]
async fn a_refused_call_reverifies_the_account_once_a_minute_and_its_webhook_goes_out() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start_with(&[&lever], |s| s.webhooks_allow_private_addresses = true).await;
    let receiver = MockServer::start().await;
    let (webhook, _) = hub
        .hub
        .create_webhook_for(
            &format!("{}/hooks", receiver.uri()),
            "status changes",
            &[EventType::StatusChanged],
        )
        .await
        .expect("webhook");
    let account = hub.link("lever", "customer-1", &lever.good).await;
    // The key is revoked at the provider: everything it sends is refused from now on.
    lever
        .accept_only(&lever.revoked, Duration::from_millis(0))
        .await;
    let checks = || async {
        lever
            .server
            .received_requests()
            .await
            .expect("rec")
            .iter()
            .filter(|r| r.url.path() == "/v1/users")
            .count()
    };
    let before = checks().await;
    let uri = format!("/api/v1/proxy/{account}/v1/opportunities");
    let (answer, _) = send(&hub, proxied("GET", &uri, &hub.admin_key)).await;
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "passed back");

    let mut status = String::new();
    for _ in 0..100 {
        status = hub.hub.account(&account).await.expect("account").status;
        if status != "verified" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, "rejected", "re-verified after the refusal");
    assert_eq!(checks().await, before + 1);
    let (changes, _) = hub.hub.history(&account, None, 10).await.expect("history");
    assert_eq!(changes.len(), 1);
    let deliveries = hub
        .hub
        .deliveries(&webhook.id, 10)
        .await
        .expect("deliveries");
    assert_eq!(deliveries.len(), 1, "account.status_changed is queued");

    let (answer, _) = send(&hub, proxied("GET", &uri, &hub.admin_key)).await;
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(checks().await, before + 1, "not again within the minute");
}

#[tokio::test]
async fn a_provider_that_does_not_answer_in_time_gets_504() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start_with(&[&lever], |s| s.proxy_timeout = 0.3).await;
    let account = hub.link("lever", "customer-1", &lever.good).await;
    lever.server.reset().await;
    Mock::given(path_regex("/slow$"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&lever.server)
        .await;
    let (answer, body) = send(
        &hub,
        proxied(
            "GET",
            &format!("/api/v1/proxy/{account}/slow"),
            &hub.admin_key,
        ),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::GATEWAY_TIMEOUT, "{body}");
    assert!(body.contains("provider_timeout"), "{body}");
}

/// A stream of the chunks sent on `rx`, as a body.
fn channel_body(
    rx: tokio::sync::mpsc::Receiver<Vec<u8>>,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (Ok(chunk), rx))
    })
}

#[tokio::test]
async fn bodies_stream_both_ways() {
    use futures::StreamExt as _;
    use tokio::sync::{mpsc, oneshot};

    let fixtures = Fixtures::load(&fixtures_dir());
    let valid = scenario(fixtures.for_connector("lever"), "valid-key", "lever").clone();
    let answer = valid.responses[0].body.clone().expect("recorded body");
    // The provider: the recorded answer for the link's check; `/upload` says when the first
    // chunk of the request arrives and answers with whatever the test sends it, as it comes.
    let (first_tx, first_rx) = oneshot::channel::<Vec<u8>>();
    let (answer_tx, answer_rx) = mpsc::channel::<Vec<u8>>(4);
    let upload = Arc::new(Mutex::new(Some((first_tx, answer_rx))));
    let provider = axum::Router::new()
        .route(
            "/upload",
            axum::routing::post(move |request: axum::extract::Request| {
                let upload = upload.clone();
                async move {
                    let (first_tx, answer_rx) = upload.lock().expect("lock").take().expect("once");
                    let mut body = request.into_body().into_data_stream();
                    let first = body.next().await.expect("a chunk").expect("readable");
                    let _ = first_tx.send(first.to_vec());
                    tokio::spawn(async move { while body.next().await.is_some() {} });
                    axum::response::Response::new(Body::from_stream(channel_body(answer_rx)))
                }
            }),
        )
        .fallback(move || {
            let answer = answer.clone();
            async move { axum::Json(answer) }
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let provider_url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, provider).await });

    let hub = TestHub::start_with(&[], |s| {
        s.base_urls
            .insert("lever".to_owned(), UrlSetting::Api(provider_url));
    })
    .await;
    let account = hub.link("lever", "customer-1", &valid.credentials).await;
    let addr = hub.serve().await;

    let (upload_tx, upload_rx) = mpsc::channel::<Vec<u8>>(4);
    let call = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/proxy/{account}/upload"))
        .bearer_auth(&hub.admin_key)
        .body(reqwest::Body::wrap_stream(channel_body(upload_rx)))
        .send();
    let call = tokio::spawn(call);
    let wait = Duration::from_secs(10);

    upload_tx.send(b"first chunk".to_vec()).await.expect("send");
    let first = tokio::time::timeout(wait, first_rx)
        .await
        .expect("the provider got the first chunk while the rest was unsent")
        .expect("first chunk");
    assert_eq!(first, b"first chunk");

    answer_tx.send(b"part one;".to_vec()).await.expect("send");
    let mut response = tokio::time::timeout(wait, call)
        .await
        .expect("headers came before the answer ended")
        .expect("task")
        .expect("answer");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let chunk = tokio::time::timeout(wait, response.chunk())
        .await
        .expect("the first part came through before the second was written")
        .expect("readable")
        .expect("a chunk");
    assert_eq!(&chunk[..], b"part one;");

    answer_tx.send(b"part two".to_vec()).await.expect("send");
    drop(answer_tx);
    drop(upload_tx);
    let rest = tokio::time::timeout(wait, response.bytes())
        .await
        .expect("the end")
        .expect("readable");
    assert_eq!(&rest[..], b"part two");
}

#[tokio::test]
async fn no_secret_reaches_a_log_line_an_error_or_an_answer_header() {
    let captured = crate::support::captured_logs();

    let (server, credentials) = exchange_fake(3600).await;
    let lever = fake_provider("lever").await;
    let uri = server.uri();
    let hub = TestHub::start_with(&[&lever], |s| {
        s.base_urls
            .insert("personio".to_owned(), UrlSetting::Api(uri));
    })
    .await;
    let personio = hub.link("personio", "customer-1", &credentials).await;
    let account = hub.link("lever", "customer-1", &lever.good).await;
    let key = lever.good["api_key"].clone();
    lever.server.reset().await;
    Mock::given(path_regex("/echo$"))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("x-echo", key.as_str())
                .set_body_string(format!("bad key {key}")),
        )
        .mount(&lever.server)
        .await;
    let mut texts = Vec::new();
    for uri in [
        format!("/api/v1/proxy/{account}/echo"),
        format!("/api/v1/proxy/{account}/%2e%2e/echo"),
        format!("/api/v1/proxy/{personio}/v2/persons"),
    ] {
        let (answer, body) = send(&hub, proxied("GET", &uri, &hub.admin_key)).await;
        if answer.status() == StatusCode::INTERNAL_SERVER_ERROR {
            // The provider's own body passes through as it is; only its headers are screened.
            assert!(body.contains("bad key"), "{body}");
            texts.push(format!("{:?}", answer.headers()));
        } else {
            texts.push(format!("{:?} {body}", answer.headers()));
        }
    }
    // The token endpoint now refuses, with the client secret echoed; the cached token is dropped
    // after a refused call, so the next one exchanges again.
    server.reset().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_string(format!("refused {}", credentials["client_secret"])),
        )
        .mount(&server)
        .await;
    for _ in 0..2 {
        let (answer, body) = send(
            &hub,
            proxied(
                "GET",
                &format!("/api/v1/proxy/{personio}/v2/persons"),
                &hub.admin_key,
            ),
        )
        .await;
        if body.contains("\"error\"") {
            texts.push(format!("{} {:?} {body}", answer.status(), answer.headers()));
        } else {
            // The first call still has its token: the provider's 401 passes through as it is.
            texts.push(format!("{} {:?}", answer.status(), answer.headers()));
        }
    }
    assert!(
        texts
            .last()
            .is_some_and(|t| t.contains("token_exchange_failed")),
        "{texts:?}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = captured.text();
    assert!(
        log.contains("token_exchange"),
        "the log was captured: {log}"
    );
    for secret in [
        key.as_str(),
        credentials["client_secret"].as_str(),
        "personio-token-0002-abcdefghijkl",
        hub.admin_key.as_str(),
    ] {
        assert_hidden(&log, secret);
        for text in &texts {
            assert_hidden(text, secret);
        }
    }
}

#[tokio::test]
async fn a_token_from_another_origin_goes_only_to_the_api_and_the_client_secret_only_to_it() {
    let fixtures = Fixtures::load(&fixtures_dir());
    let valid = scenario(
        fixtures.for_connector("greenhouse"),
        "valid-key",
        "greenhouse",
    )
    .clone();
    let exchange = valid.exchange.clone().expect("an exchange");
    let token = exchange.responses[0].body.clone().expect("token body");
    let token_text = token["access_token"].as_str().expect("token").to_owned();
    let auth = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(exchange.request.path.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(token))
        .mount(&auth)
        .await;
    let api = MockServer::start().await;
    Mock::given(header(
        "authorization",
        format!("Bearer {token_text}").as_str(),
    ))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(valid.responses[0].body.clone().expect("body")),
    )
    .mount(&api)
    .await;
    let slots = BTreeMap::from([
        ("api".to_owned(), api.uri()),
        ("auth".to_owned(), auth.uri()),
    ]);
    let hub = TestHub::start_with(&[], |s| {
        s.base_urls
            .insert("greenhouse".to_owned(), UrlSetting::Slots(slots));
    })
    .await;
    let account = hub
        .link("greenhouse", "customer-1", &valid.credentials)
        .await;
    for _ in 0..3 {
        let (answer, body) = send(
            &hub,
            proxied(
                "GET",
                &format!("/api/v1/proxy/{account}/users?per_page=1"),
                &hub.admin_key,
            ),
        )
        .await;
        assert_eq!(answer.status(), StatusCode::OK, "{body}");
    }
    let exchanges = auth.received_requests().await.expect("rec");
    assert_eq!(
        exchanges.len(),
        2,
        "the link's check, then one for the proxy"
    );
    assert!(exchanges.iter().all(|r| r.url.path() == "/token"));
    let calls = api.received_requests().await.expect("rec");
    assert_eq!(
        calls.iter().filter(|r| r.url.path() == "/users").count(),
        4,
        "the link's check, then the three proxied calls"
    );
    let secret = valid.credentials["client_secret"].clone();
    for call in &calls {
        let text = format!(
            "{} {:?} {}",
            call.url,
            call.headers,
            String::from_utf8_lossy(&call.body)
        );
        assert_hidden(&text, &secret);
    }
}

#[tokio::test]
async fn a_resolve_pin_takes_checks_and_proxied_calls_to_a_customer_host_on_loopback() {
    // Workable's API is on the customer's own host (`https://{subdomain}.workable.com`); here it
    // is `{subdomain}.pinned.test`, a name no resolver knows, pinned to the loopback fake.
    let workable = fake_provider("workable").await;
    let port = workable.server.address().port();
    let hub = TestHub::start_with(&[], |settings| {
        settings.base_urls.insert(
            "workable".to_owned(),
            UrlSetting::Slots(BTreeMap::from([(
                "api".to_owned(),
                format!("http://{{subdomain}}.pinned.test:{port}/spi/v3"),
            )])),
        );
        settings.resolve = vec![format!("*.pinned.test:{port}:127.0.0.1")];
    })
    .await;
    let account = hub.link("workable", "customer-1", &workable.good).await;
    let received = workable
        .server
        .received_requests()
        .await
        .expect("recording");
    assert_eq!(received.len(), 1, "the link's check reached the fake");
    assert_eq!(
        header_text(&received[0], "host"),
        Some(format!("acme.pinned.test:{port}"))
    );
    assert_eq!(received[0].url.path(), "/spi/v3/accounts/acme");

    let (answer, _) = send(
        &hub,
        proxied(
            "GET",
            &format!("/api/v1/proxy/{account}/jobs"),
            &hub.admin_key,
        ),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::OK, "the proxy goes by the pin");
    let received = workable
        .server
        .received_requests()
        .await
        .expect("recording");
    let sent = received.last().expect("the proxied call arrived");
    assert_eq!(sent.url.path(), "/spi/v3/jobs");
    assert_eq!(
        header_text(sent, "host"),
        Some(format!("acme.pinned.test:{port}"))
    );
}
