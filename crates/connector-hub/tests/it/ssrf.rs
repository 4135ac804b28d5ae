//! Webhook endpoints may not point inside: registration refuses every internal address, literal
//! or behind a name, and a delivery whose name was re-pointed inside after registration is never
//! connected to. Names are looked up in a table the test holds (never the system's DNS), and no
//! test connects anywhere but loopback: a "public" address is only ever resolved, and re-pointed
//! before anything is delivered.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use connector_hub::keyring::Keyring;
use connector_hub::outbound::Lookup;
use connector_hub::Hub;
use futures::FutureExt;
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{fake_provider, send, FakeProvider, TestHub};

/// A public address the tests resolve names to and never connect to.
const PUBLIC: &str = "93.184.216.34";

/// Where names point; a name not in the table does not resolve.
#[derive(Clone, Default)]
struct Pins(Arc<Mutex<HashMap<String, Vec<IpAddr>>>>);

impl Pins {
    fn with(entries: &[(&str, &str)]) -> Self {
        let pins = Self::default();
        for (name, addr) in entries {
            pins.point(name, addr);
        }
        pins
    }

    fn point(&self, name: &str, addr: &str) {
        let addr = addr.parse().expect("an address");
        self.0
            .lock()
            .expect("not poisoned")
            .insert(name.to_owned(), vec![addr]);
    }

    fn lookup(&self) -> Lookup {
        let table = Arc::clone(&self.0);
        Arc::new(move |name: String| {
            let found = table.lock().expect("not poisoned").get(&name).cloned();
            async move { found.ok_or_else(|| std::io::Error::other("no such name")) }.boxed()
        })
    }
}

async fn hub_with(pins: &Pins, providers: &[&FakeProvider], allow_private: bool) -> TestHub {
    TestHub::start_resolving(providers, pins.lookup(), |s| {
        s.webhooks_allow_private_addresses = allow_private
    })
    .await
}

async fn register(hub: &TestHub, url: &str) -> (StatusCode, Value) {
    let request = Request::post("/api/v1/webhooks")
        .header("authorization", format!("Bearer {}", hub.admin_key))
        .header("content-type", "application/json")
        .body(Body::from(json!({"url": url}).to_string()))
        .expect("request");
    let (response, text) = send(hub, request).await;
    (
        response.status(),
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn registration_refuses_every_inside_address_with_what_to_do() {
    let pins = Pins::with(&[
        ("internal.example.test", "10.0.0.7"),
        ("metadata.example.test", "169.254.169.254"),
        ("cgnat.example.test", "100.64.1.1"),
        ("loopback6.example.test", "::1"),
        ("mapped.example.test", "::ffff:10.0.0.1"),
        ("ula.example.test", "fd00::1"),
        ("localhost", PUBLIC),
        ("foo.localhost", PUBLIC),
    ]);
    let hub = hub_with(&pins, &[], false).await;
    let literals = [
        "169.254.169.254",
        "10.0.0.1",
        "10.255.255.254",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.0.1",
        "100.64.0.1",
        "100.127.255.254",
        "127.0.0.1",
        "127.8.9.10",
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "198.18.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "[::1]",
        "[::]",
        "[ff02::1]",
        "[fc00::1]",
        "[fd12:3456::1]",
        "[fe80::1]",
        "[::ffff:10.0.0.1]",
        "[::10.0.0.1]",
        "[::ffff:127.0.0.1]",
        "[64:ff9b::a00:1]",
        // Spellings URL parsing turns into 127.0.0.1 or 169.254.169.254.
        "0x7f.1",
        "2130706433",
        "0177.0.0.1",
        "127.1",
        "0xa9fea9fe",
    ];
    let names = [
        "localhost",
        "foo.localhost",
        "internal.example.test",
        "metadata.example.test",
        "cgnat.example.test",
        "loopback6.example.test",
        "mapped.example.test",
        "ula.example.test",
        "nowhere.example.test",
    ];
    let mut urls: Vec<String> = Vec::new();
    for host in literals.iter().chain(&names) {
        urls.push(format!("https://{host}/hook"));
        urls.push(format!("http://{host}:8080/hook"));
    }
    urls.push("http://169.254.169.254/latest/meta-data/".to_owned());
    for url in &urls {
        let (status, body) = register(&hub, url).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {body}");
        assert_eq!(body["error"]["code"], "invalid_request", "{url}");
        let message = body["error"]["message"].as_str().expect("a message");
        assert!(message.contains("`url`"), "{url}: {message}");
        assert!(message.contains("public https://"), "{url}: {message}");
        assert!(
            message.contains("webhooks_allow_private_addresses"),
            "{url}: {message}"
        );
    }
    assert!(hub.hub.webhooks().await.expect("list").is_empty());
}

#[tokio::test]
async fn http_is_refused_unless_private_addresses_are_allowed() {
    let pins = Pins::with(&[("hooks.example.test", PUBLIC)]);
    let strict = hub_with(&pins, &[], false).await;
    let (status, body) = register(&strict, "http://hooks.example.test/hook").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let message = body["error"]["message"].as_str().expect("a message");
    assert!(message.contains("https://"), "{message}");
    let (status, body) = register(&strict, "https://hooks.example.test/hook").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = register(&strict, &format!("https://{PUBLIC}/hook")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let open = hub_with(&pins, &[], true).await;
    for url in [
        "http://hooks.example.test/hook",
        "http://127.0.0.1:9/hook",
        "http://[::1]:9/hook",
        "http://localhost:9/hook",
        "https://nowhere.example.test/hook",
    ] {
        let (status, body) = register(&open, url).await;
        assert_eq!(status, StatusCode::CREATED, "{url}: {body}");
    }
}

/// Connections accepted on a loopback port, counted until the test ends.
async fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let port = listener.local_addr().expect("addr").port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (port, accepted)
}

/// Queues one delivery to every endpoint: an account is linked (`account.linked`).
async fn queue_a_delivery(hub: &TestHub, lever: &FakeProvider) {
    hub.link("lever", "customer-42", &lever.good).await;
}

/// Registers `https://hooks.example.test:<port>` while the name is public, re-points it at the
/// loopback port, and delivers; returns the connections the port accepted and the error kept.
async fn deliver_after_re_pointing(allow_private: bool) -> (usize, Option<String>) {
    let lever = fake_provider("lever").await;
    let pins = Pins::with(&[("hooks.example.test", PUBLIC)]);
    let hub = hub_with(&pins, &[&lever], allow_private).await;
    let (port, accepted) = counting_listener().await;
    let (webhook, _) = hub
        .hub
        .create_webhook(&format!("https://hooks.example.test:{port}/hook"), "")
        .await
        .expect("a public name is registered");
    pins.point("hooks.example.test", "127.0.0.1");
    queue_a_delivery(&hub, &lever).await;

    let report = hub
        .hub
        .deliver_due(&hub.hub.webhook_client())
        .await
        .expect("deliver");
    assert_eq!((report.delivered, report.retrying), (0, 1), "{report:?}");
    let deliveries = hub
        .hub
        .deliveries(&webhook.id, 10)
        .await
        .expect("deliveries");
    assert_eq!(deliveries[0].state, "pending");
    assert_eq!(deliveries[0].last_status, None);
    (
        accepted.load(Ordering::SeqCst),
        deliveries[0].last_error.clone(),
    )
}

#[tokio::test]
async fn a_name_re_pointed_inside_after_registration_is_never_connected_to() {
    let (accepted, error) = deliver_after_re_pointing(false).await;
    assert_eq!(accepted, 0, "the delivery connected to the re-pointed name");
    let error = error.expect("an error is kept");
    assert_eq!(
        error,
        "the endpoint could not be reached at a public address"
    );
}

#[tokio::test]
async fn with_private_addresses_allowed_the_re_pointed_name_is_connected_to() {
    // The twin of the test above: the same name, resolved by the same table, reaches the port,
    // so the test above sees no connection because of the guard and not of the table.
    let (accepted, error) = deliver_after_re_pointing(true).await;
    assert!(accepted >= 1, "the delivery never connected");
    assert!(error.is_some());
}

#[tokio::test]
async fn a_literal_inside_address_kept_from_before_is_not_connected_to() {
    // Registered while private addresses were allowed, delivered by a hub that no longer
    // allows them: reqwest asks no resolver for a literal address, so the client checks it.
    let lever = fake_provider("lever").await;
    let pins = Pins::default();
    let hub = hub_with(&pins, &[&lever], true).await;
    let (port, accepted) = counting_listener().await;
    let (webhook, _) = hub
        .hub
        .create_webhook(&format!("https://127.0.0.1:{port}/hook"), "")
        .await
        .expect("allowed");
    let (http_webhook, _) = hub
        .hub
        .create_webhook(&format!("http://[::ffff:7f00:1]:{port}/hook"), "")
        .await
        .expect("allowed");
    queue_a_delivery(&hub, &lever).await;

    let settings = connector_hub::settings::Settings {
        webhooks_allow_private_addresses: false,
        ..hub.hub.settings.clone()
    };
    let strict = Hub::start_with_lookup(
        settings,
        Keyring::from_keys(vec![hub.master.duplicate()]),
        pins.lookup(),
    )
    .await
    .expect("second hub starts");
    let report = strict
        .deliver_due(&strict.webhook_client())
        .await
        .expect("deliver");
    assert_eq!(report.retrying, 2, "{report:?}");
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        0,
        "a refused address was connected to"
    );
    let kept = |id: String| {
        let strict = Arc::clone(&strict);
        async move {
            strict.deliveries(&id, 10).await.expect("deliveries")[0]
                .last_error
                .clone()
        }
    };
    assert_eq!(
        kept(webhook.id).await.as_deref(),
        Some("the endpoint could not be reached at a public address")
    );
    let error = kept(http_webhook.id).await.expect("an error is kept");
    assert!(error.contains("https://"), "{error}");
}

#[tokio::test]
async fn a_name_resolving_to_loopback_is_delivered_when_private_addresses_are_allowed() {
    let lever = fake_provider("lever").await;
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&receiver)
        .await;
    let port = receiver.address().port();
    let pins = Pins::with(&[("hooks.on-premises.test", "127.0.0.1")]);
    let hub = hub_with(&pins, &[&lever], true).await;
    hub.hub
        .create_webhook(&format!("http://hooks.on-premises.test:{port}/hook"), "")
        .await
        .expect("allowed");
    queue_a_delivery(&hub, &lever).await;
    let report = hub
        .hub
        .deliver_due(&hub.hub.webhook_client())
        .await
        .expect("deliver");
    assert_eq!(report.delivered, 1, "{report:?}");
}
