//! Webhooks for links: `account.linked` (a link, an import), `account.updated` and
//! `account.unlinked` delivered beside `account.status_changed` to the endpoints subscribed to
//! their types, with no key in any body; subscriptions through the API; the Standard Webhooks
//! headers, checked here by hand and, when `CONNECTOR_HUB_TEST_PYTHON` names a Python with the
//! `standardwebhooks` package, by that library on real deliveries.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::http::StatusCode;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use connector_hub::hubkey::Scope;
use connector_hub::service::EventType;
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde_json::Value;
use sha2::Sha256;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{assert_hidden, fake_provider, FakeProvider, TestHub};

/// Names the Python interpreter (of a virtual environment with `standardwebhooks`) the library
/// test runs; `.ci/run` makes one.
const PYTHON_ENV: &str = "CONNECTOR_HUB_TEST_PYTHON";

/// A receiver answering 204 to every POST.
async fn receiver() -> MockServer {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&receiver)
        .await;
    receiver
}

/// One delivery as the receiver got it.
struct Received {
    path: String,
    headers: BTreeMap<String, String>,
    body: String,
    event: Value,
}

async fn received(receiver: &MockServer) -> Vec<Received> {
    receiver
        .received_requests()
        .await
        .expect("recorded")
        .into_iter()
        .map(|r| {
            let body = String::from_utf8(r.body.clone()).expect("utf-8");
            Received {
                path: r.url.path().to_owned(),
                headers: r
                    .headers
                    .iter()
                    .map(|(k, v)| (k.as_str().to_owned(), v.to_str().expect("ascii").to_owned()))
                    .collect(),
                event: serde_json::from_str(&body).expect("json"),
                body,
            }
        })
        .collect()
}

/// The one delivery of type `kind`.
fn of_type<'a>(received: &'a [Received], kind: &str) -> &'a Received {
    let found: Vec<&Received> = received
        .iter()
        .filter(|r| r.event["type"] == kind)
        .collect();
    assert_eq!(found.len(), 1, "one {kind}");
    found[0]
}

/// Links an account, replaces its key (the fake then accepts only the new one) and label, and
/// unlinks it; returns its id.
async fn link_edit_unlink(hub: &TestHub, lever: &FakeProvider, owner: &str) -> String {
    let id = hub.link("lever", owner, &lever.good).await;
    lever.accept_only(&lever.revoked, Duration::ZERO).await;
    let (_, report) = hub
        .hub
        .edit(
            &id,
            None,
            Some("Renamed"),
            lever.revoked.clone().into_iter().collect(),
            "hub key ops (hk_test)",
        )
        .await
        .expect("edit");
    assert_eq!(report.status.as_str(), "verified");
    hub.hub
        .unlink(&id, "hub key ops (hk_test)")
        .await
        .expect("unlink");
    id
}

/// The Standard Webhooks signature, computed here apart from the hub's code.
fn standard(secret: &str, id: &str, timestamp: &str, body: &str) -> String {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_"))
        .expect("base64");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("key");
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

#[tokio::test]
async fn a_link_an_edit_and_an_unlink_are_each_delivered_signed_without_the_key() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start_with(&[&lever], |s| s.webhooks_allow_private_addresses = true).await;
    let receiver = receiver().await;
    let (webhook, secret) = hub
        .hub
        .create_webhook(&format!("{}/hooks", receiver.uri()), "everything")
        .await
        .expect("webhook");
    let secret = secret.expose_secret().to_owned();
    assert_eq!(
        STANDARD
            .decode(secret.strip_prefix("whsec_").expect("whsec_"))
            .map(|key| key.len()),
        Ok(24),
        "whsec_ and 24 bytes in base64: {}",
        secret.len()
    );
    assert_eq!(webhook.events, EventType::ALL.to_vec());
    let id = link_edit_unlink(&hub, &lever, "customer-42").await;

    let report = hub
        .hub
        .deliver_due(&hub.hub.webhook_client())
        .await
        .expect("deliver");
    assert_eq!(report.delivered, 3, "{report:?}");
    let received = received(&receiver).await;
    assert_eq!(received.len(), 3);

    let linked = &of_type(&received, "account.linked").event;
    assert_eq!(linked["account_id"], id.as_str());
    assert_eq!(linked["owner"], "customer-42");
    assert_eq!(linked["connector"], "lever");
    assert_eq!(
        linked["variant"],
        connector_registry::find("lever")
            .expect("lever")
            .spec()
            .default_variant()
            .name
    );
    assert!(linked["label"]
        .as_str()
        .is_some_and(|l| l.contains("Lever")));
    assert_eq!(linked["status"], "verified");
    assert!(linked["proves"].is_object(), "{linked}");
    assert!(
        linked["by"]
            .as_str()
            .is_some_and(|b| b.starts_with("connect session ses_")),
        "{linked}"
    );
    assert!(linked["at"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert!(linked.get("changed").is_none());

    let updated = &of_type(&received, "account.updated").event;
    assert_eq!(updated["account_id"], id.as_str());
    assert_eq!(updated["label"], "Renamed");
    assert_eq!(updated["status"], "verified");
    assert!(updated["proves"].is_object());
    assert_eq!(updated["by"], "hub key ops (hk_test)");
    let mut changed: Vec<&str> = updated["changed"]
        .as_array()
        .expect("changed")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    changed.sort_unstable();
    assert_eq!(changed, ["api_key", "label"]);

    let unlinked = &of_type(&received, "account.unlinked").event;
    assert_eq!(unlinked["account_id"], id.as_str());
    assert_eq!(
        (
            &unlinked["owner"],
            &unlinked["connector"],
            &unlinked["label"]
        ),
        (
            &Value::from("customer-42"),
            &Value::from("lever"),
            &Value::from("Renamed")
        )
    );
    assert_eq!(unlinked["by"], "hub key ops (hk_test)");
    assert!(unlinked.get("status").is_none() && unlinked.get("proves").is_none());

    for r in &received {
        assert_eq!(r.path, "/hooks");
        // No key in any body, not even masked.
        assert_hidden(&r.body, &lever.good["api_key"]);
        assert_hidden(&r.body, &lever.revoked["api_key"]);
        assert!(!r.body.contains('•'), "a masked value: {}", r.body);
        let event_id = r.event["id"].as_str().expect("id");
        assert!(event_id.starts_with("evt_"));
        // The hub's own headers, as for status changes.
        assert_eq!(r.headers["connector-hub-event"], event_id);
        let signature = &r.headers["connector-hub-signature"];
        let t: i64 = signature
            .strip_prefix("t=")
            .and_then(|s| s.split(',').next())
            .expect("t=")
            .parse()
            .expect("seconds");
        assert_eq!(
            signature,
            &connector_hub::webhooks::signature(&secret, t, &r.body)
        );
        // The Standard Webhooks headers.
        assert_eq!(r.headers["webhook-id"], event_id);
        assert_eq!(r.headers["webhook-timestamp"], t.to_string());
        assert_eq!(
            r.headers["webhook-signature"],
            standard(&secret, event_id, &t.to_string(), &r.body)
        );
    }
}

#[tokio::test]
async fn the_webhook_id_stays_the_same_across_retries() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start_with(&[&lever], |s| s.webhooks_allow_private_addresses = true).await;
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&receiver)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(2)
        .mount(&receiver)
        .await;
    let (_, secret) = hub
        .hub
        .create_webhook_for(&receiver.uri(), "", &[EventType::Linked])
        .await
        .expect("webhook");
    hub.link("lever", "o", &lever.good).await;
    let client = hub.hub.webhook_client();
    let first = hub.hub.deliver_due(&client).await.expect("deliver");
    assert_eq!(first.retrying, 1);
    hub.execute("UPDATE webhook_deliveries SET next_attempt_at = 0")
        .await;
    assert_eq!(
        hub.hub
            .deliver_due(&client)
            .await
            .expect("deliver")
            .delivered,
        1
    );
    let received = received(&receiver).await;
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].headers["webhook-id"],
        received[1].headers["webhook-id"]
    );
    assert_eq!(received[0].body, received[1].body);
    for r in &received {
        assert_eq!(
            r.headers["webhook-signature"],
            standard(
                secret.expose_secret(),
                &r.headers["webhook-id"],
                &r.headers["webhook-timestamp"],
                &r.body
            )
        );
    }
}

#[tokio::test]
async fn an_endpoint_subscribed_to_status_changes_only_gets_no_link_event() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start_with(&[&lever], |s| s.webhooks_allow_private_addresses = true).await;
    let receiver = receiver().await;
    let (changes_only, _) = hub
        .hub
        .create_webhook_for(
            &format!("{}/changes", receiver.uri()),
            "",
            &[EventType::StatusChanged],
        )
        .await
        .expect("webhook");
    assert_eq!(changes_only.events, vec![EventType::StatusChanged]);
    let (everything, _) = hub
        .hub
        .create_webhook(&format!("{}/all", receiver.uri()), "")
        .await
        .expect("webhook");
    let id = hub.link("lever", "customer-42", &lever.good).await;
    let deliveries = |webhook: String| {
        let hub = hub.hub.clone();
        async move {
            hub.deliveries(&webhook, 10)
                .await
                .expect("deliveries")
                .iter()
                .map(|d| {
                    serde_json::from_str::<Value>(&d.body).expect("json")["type"]
                        .as_str()
                        .expect("type")
                        .to_owned()
                })
                .collect::<Vec<_>>()
        }
    };
    assert!(deliveries(changes_only.id.clone()).await.is_empty());
    assert_eq!(deliveries(everything.id.clone()).await, ["account.linked"]);

    // The key is refused from now on: the status change goes to both.
    lever.accept_only(&BTreeMap::new(), Duration::ZERO).await;
    hub.hub.reverify(&id).await.expect("reverify");
    assert_eq!(
        deliveries(changes_only.id.clone()).await,
        ["account.status_changed"]
    );
    assert_eq!(
        deliveries(everything.id.clone()).await,
        ["account.status_changed", "account.linked"]
    );
    hub.hub
        .deliver_due(&hub.hub.webhook_client())
        .await
        .expect("deliver");
    let received = received(&receiver).await;
    assert_eq!(
        received
            .iter()
            .filter(|r| r.path == "/changes")
            .map(|r| r.event["type"].as_str().expect("type"))
            .collect::<Vec<_>>(),
        ["account.status_changed"]
    );
    // Its body is the same for both, as before subscriptions existed.
    let status: Vec<&Received> = received
        .iter()
        .filter(|r| r.event["type"] == "account.status_changed")
        .collect();
    assert_eq!(status.len(), 2);
    assert_eq!(status[0].body, status[1].body);
    let mut keys: Vec<&String> = status[0]
        .event
        .as_object()
        .expect("object")
        .keys()
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "account_id",
            "at",
            "connector",
            "id",
            "message",
            "new_status",
            "old_status",
            "owner",
            "type"
        ]
    );
}

#[tokio::test]
async fn an_import_announces_each_account_as_linked_and_unchecked() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start_with(&[&lever], |s| s.webhooks_allow_private_addresses = true).await;
    let receiver = receiver().await;
    let (webhook, _) = hub
        .hub
        .create_webhook(&receiver.uri(), "")
        .await
        .expect("webhook");
    let good = &lever.good["api_key"];
    let input = format!(
        "{{\"connector\":\"lever\",\"credentials\":{{\"api_key\":\"{good}\"}},\"owner\":\"c-1\",\"label\":\"Main\"}}\n\
         {{\"connector\":\"lever\",\"credentials\":{{\"api_key\":\"{good}\"}},\"owner\":\"c-2\"}}\n"
    );
    let report = hub
        .hub
        .import(std::io::Cursor::new(input), None, true, |_| {})
        .await
        .expect("import");
    assert_eq!(report.imported, 2);
    let deliveries = hub
        .hub
        .deliveries(&webhook.id, 10)
        .await
        .expect("deliveries");
    assert_eq!(deliveries.len(), 2);
    let mut owners = Vec::new();
    for d in &deliveries {
        assert_hidden(&d.body, good);
        assert!(!d.body.contains('•'));
        let event: Value = serde_json::from_str(&d.body).expect("json");
        assert_eq!(event["type"], "account.linked");
        assert_eq!(event["status"], "unchecked");
        assert_eq!(event["proves"], serde_json::json!({}));
        assert_eq!(event["by"], "connector-hub import");
        owners.push(event["owner"].as_str().expect("owner").to_owned());
    }
    owners.sort();
    assert_eq!(owners, ["c-1", "c-2"]);
    // Their first check is a change of status.
    hub.hub.run_pass().await.expect("pass");
    let deliveries = hub
        .hub
        .deliveries(&webhook.id, 10)
        .await
        .expect("deliveries");
    let changes: Vec<Value> = deliveries
        .iter()
        .map(|d| serde_json::from_str::<Value>(&d.body).expect("json"))
        .filter(|e| e["type"] == "account.status_changed")
        .collect();
    assert_eq!(changes.len(), 2);
    assert!(changes
        .iter()
        .all(|e| e["old_status"] == "unchecked" && e["new_status"] == "verified"));
}

/// Sends `body` to the API with `key`; returns the status and the JSON answer.
async fn api(
    hub: &TestHub,
    method: &str,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let method = axum::http::Method::from_bytes(method.as_bytes()).expect("a method");
    crate::support::call_api(hub, method, path, Some(key), body).await
}

#[tokio::test]
async fn subscriptions_are_chosen_listed_and_changed_through_the_api() {
    let hub = TestHub::start_with(&[], |s| s.webhooks_allow_private_addresses = true).await;
    let key = hub.admin_key.clone();
    let all: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();

    let (status, created) = api(
        &hub,
        "POST",
        "/api/v1/webhooks",
        &key,
        Some(serde_json::json!({"url": "http://127.0.0.1:9/a",
            "events": ["account.unlinked", "account.linked", "account.unlinked"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["events"],
        serde_json::json!(["account.linked", "account.unlinked"])
    );
    assert!(created["secret"]
        .as_str()
        .is_some_and(|s| s.starts_with("whsec_")));
    let id = created["id"].as_str().expect("id").to_owned();

    let (status, every) = api(
        &hub,
        "POST",
        "/api/v1/webhooks",
        &key,
        Some(serde_json::json!({"url": "http://127.0.0.1:9/b"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(every["events"], serde_json::json!(all));

    let (status, refused) = api(
        &hub,
        "POST",
        "/api/v1/webhooks",
        &key,
        Some(serde_json::json!({"url": "http://127.0.0.1:9/c", "events": ["account.deleted"]})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["error"]["code"], "unknown_event_type");
    let message = refused["error"]["message"].as_str().expect("message");
    for name in &all {
        assert!(message.contains(name), "names {name}: {message}");
    }

    let path = format!("/api/v1/webhooks/{id}");
    let (status, changed) = api(
        &hub,
        "PATCH",
        &path,
        &key,
        Some(serde_json::json!({"events": ["account.status_changed"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        changed["events"],
        serde_json::json!(["account.status_changed"])
    );
    let (_, listed) = api(&hub, "GET", "/api/v1/webhooks", &key, None).await;
    let listed = listed["webhooks"].as_array().expect("webhooks").clone();
    assert_eq!(listed.len(), 2);
    let mine = listed
        .iter()
        .find(|w| w["id"] == id.as_str())
        .expect("listed");
    assert_eq!(
        mine["events"],
        serde_json::json!(["account.status_changed"])
    );

    for (body, expected) in [
        (
            serde_json::json!({"events": ["account.linked", "nope"]}),
            StatusCode::BAD_REQUEST,
        ),
        (serde_json::json!({}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            serde_json::json!({"events": null}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            serde_json::json!({"events": "account.linked"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (status, answer) = api(&hub, "PATCH", &path, &key, Some(body.clone())).await;
        assert_eq!(status, expected, "{body}: {answer}");
    }
    let (status, _) = api(
        &hub,
        "PATCH",
        "/api/v1/webhooks/whk_0",
        &key,
        Some(serde_json::json!({"events": []})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, reader) = hub.key_with("reader", &[Scope::AccountsRead]).await;
    let (status, _) = api(
        &hub,
        "PATCH",
        &path,
        &reader,
        Some(serde_json::json!({"events": []})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Refused changes changed nothing; an empty list is every type.
    assert_eq!(
        hub.hub
            .webhooks()
            .await
            .expect("list")
            .iter()
            .find(|w| w.id == id)
            .map(|w| w.events.clone()),
        Some(vec![EventType::StatusChanged])
    );
    let (status, changed) = api(
        &hub,
        "PATCH",
        &path,
        &key,
        Some(serde_json::json!({"events": []})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(changed["events"], serde_json::json!(all));
    let audit = hub.hub.audit(None, 20).await.expect("audit");
    assert!(audit
        .iter()
        .any(|r| r.action == "webhook.updated" && r.detail.contains(&id)));
}

#[tokio::test]
async fn the_document_lists_the_event_types_and_the_patch_route() {
    let hub = TestHub::start(&[]).await;
    let (status, doc) = api(
        &hub,
        "GET",
        "/api/v1/openapi.json",
        &hub.admin_key.clone(),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let all: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
    let schemas = &doc["components"]["schemas"];
    for schema in ["CreateWebhook", "UpdateWebhook"] {
        assert_eq!(
            schemas[schema]["properties"]["events"]["items"]["enum"],
            serde_json::json!(all),
            "{schema}"
        );
        assert_eq!(schemas[schema]["additionalProperties"], false);
    }
    assert!(schemas["UpdateWebhook"]["required"]
        .as_array()
        .is_some_and(|r| r.contains(&"events".into())));
    assert_eq!(schemas["EventType"]["enum"], serde_json::json!(all));
    let patch = &doc["paths"]["/api/v1/webhooks/{id}"]["patch"];
    assert_eq!(
        patch["security"][0]["hub_key"],
        serde_json::json!(["keys:admin"])
    );
    for status in [
        "200", "400", "401", "403", "404", "413", "415", "422", "429", "500",
    ] {
        assert!(
            patch["responses"].get(status).is_some(),
            "PATCH lacks {status}"
        );
    }
    assert!(patch["responses"]["400"]["description"]
        .as_str()
        .is_some_and(|d| d.contains("unknown_event_type")));
}

/// Replaces an endpoint's secret with one of the form the hub made before Standard Webhooks
/// (`whsec_` and 48 hex digits), sealed as the hub seals it.
async fn give_old_form_secret(hub: &TestHub, webhook_id: &str) -> String {
    let secret = format!("whsec_{}", connector_hub::crypto::random_hex(24));
    let sealed = hub
        .hub
        .seal(secret.as_bytes(), webhook_id)
        .await
        .expect("seal");
    hub.execute(&format!(
        "UPDATE webhooks SET key_id = '{}', nonce = '{}', ciphertext = '{}' WHERE id = '{webhook_id}'",
        sealed.key_id, sealed.nonce, sealed.ciphertext
    ))
    .await;
    secret
}

/// Runs the Python script on `captures`; returns whether it exited 0, and what it printed.
fn python_verifies(python: &str, captures: &Value) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("captures.json");
    std::fs::write(&file, captures.to_string()).expect("write captures");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python/verify_standard_webhooks.py");
    let output = std::process::Command::new(python)
        .arg(&script)
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("{PYTHON_ENV}={python} does not run: {e}"));
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "the script failed to run: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

#[tokio::test]
async fn the_standardwebhooks_library_verifies_real_deliveries() {
    let Some(python) = std::env::var(PYTHON_ENV)
        .ok()
        .filter(|p| !p.trim().is_empty())
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{PYTHON_ENV} must name a Python with standardwebhooks in CI (.ci/run makes one)"
        );
        eprintln!(
            "skipped: set {PYTHON_ENV} to a Python with `pip install standardwebhooks` to verify \
             deliveries with the library"
        );
        return;
    };
    let lever = fake_provider("lever").await;
    let hub = TestHub::start_with(&[&lever], |s| s.webhooks_allow_private_addresses = true).await;
    let receiver = receiver().await;
    let (new_form, secret) = hub
        .hub
        .create_webhook(&format!("{}/new", receiver.uri()), "")
        .await
        .expect("webhook");
    let (old_form, _) = hub
        .hub
        .create_webhook(&format!("{}/old", receiver.uri()), "")
        .await
        .expect("webhook");
    let old_secret = give_old_form_secret(&hub, &old_form.id).await;
    let secrets = BTreeMap::from([
        ("/new".to_owned(), secret.expose_secret().to_owned()),
        ("/old".to_owned(), old_secret),
    ]);
    link_edit_unlink(&hub, &lever, "customer-42").await;
    let report = hub
        .hub
        .deliver_due(&hub.hub.webhook_client())
        .await
        .expect("deliver");
    assert_eq!(report.delivered, 6, "{report:?}");
    let received = received(&receiver).await;
    let captures: Vec<Value> = received
        .iter()
        .map(|r| {
            serde_json::json!({"secret": secrets[&r.path], "headers": r.headers, "body": r.body})
        })
        .collect();
    let (ok, output) = python_verifies(&python, &Value::from(captures.clone()));
    assert!(ok, "{output}");
    assert_eq!(output.matches("verified account.").count(), 6, "{output}");
    for kind in ["linked", "updated", "unlinked"] {
        assert!(
            output.contains(&format!("verified account.{kind} evt_")),
            "{output}"
        );
    }
    assert_eq!(
        hub.hub.deliveries(&new_form.id, 10).await.expect("d").len(),
        3
    );

    // A body changed on the way, or the other endpoint's secret, fails.
    let mut tampered = captures[0].clone();
    tampered["body"] = tampered["body"]
        .as_str()
        .expect("body")
        .replace("customer-42", "customer-43")
        .into();
    let (ok, output) = python_verifies(&python, &Value::from(vec![tampered]));
    assert!(!ok, "a tampered body verified: {output}");
    assert!(output.contains("No matching signature"), "{output}");
    let mut other = captures[0].clone();
    other["secret"] = secrets[if received[0].path == "/new" {
        "/old"
    } else {
        "/new"
    }]
    .clone()
    .into();
    let (ok, output) = python_verifies(&python, &Value::from(vec![other]));
    assert!(!ok, "another endpoint's secret verified: {output}");
}

#[tokio::test]
async fn a_relink_announces_the_account_as_updated_without_the_key() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start_with(&[&lever], |s| s.webhooks_allow_private_addresses = true).await;
    let receiver = receiver().await;
    hub.hub
        .create_webhook(&format!("{}/hooks", receiver.uri()), "everything")
        .await
        .expect("webhook");
    let id = hub.link("lever", "customer-42", &lever.good).await;
    let request = connector_hub::service::sessions::SessionRequest {
        owner: "customer-42".to_owned(),
        account_id: Some(id.clone()),
        ..Default::default()
    };
    let session = hub
        .hub
        .create_session_with(&request, "hub key ops (hk_test)")
        .await
        .expect("a re-link session");
    let connector = connector_registry::find("lever").expect("lever");
    let values = lever
        .good
        .iter()
        .map(|(k, v)| (k.clone(), secrecy::SecretString::from(v.clone())))
        .collect();
    let linked = hub
        .hub
        .link(
            &session.session,
            connector,
            connector.spec().default_variant(),
            values,
            "",
        )
        .await
        .expect("re-link");
    assert!(
        matches!(linked, connector_hub::service::LinkResult::Linked(..)),
        "{linked:?}"
    );
    hub.hub
        .deliver_due(&hub.hub.webhook_client())
        .await
        .expect("deliver");
    let received = received(&receiver).await;
    let updated = &of_type(&received, "account.updated").event;
    assert_eq!(updated["account_id"], id.as_str());
    assert_eq!(updated["changed"], serde_json::json!(["api_key"]));
    for delivery in &received {
        assert_hidden(&delivery.body, &lever.good["api_key"]);
    }
}
