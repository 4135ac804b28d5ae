//! The registry of custom connectors: a definition PUT through the API is validated, stored and
//! served at once (catalog, checks, links) by every process sharing the database; any connector's
//! definition downloads; a custom one is removed only when no account uses it; scopes guard it;
//! and a replaced definition is freed.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use connector_hub::hubkey::Scope;
use serde_json::Value;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{call_api, send, TestHub};

const KEY: &str = "acme-live-7c1f0a9e4b2d86";

/// Acme People, a provider the workspace does not have: a Bearer key, `GET /v1/me` answering
/// `{"company": {"id", "name"}}`.
pub fn acme(name: &str, base_url: &str) -> String {
    format!(
        r#"id = "acme-people"
name = "{name}"
category = "HRIS"
summary = "A test HR system declared in a file."
identifying = ["id", "name"]
base_url = {{ kind = "url", url = "{base_url}" }}

[[variants]]
name = "api_key"
label = "API key"
description = "An Acme People API key."
auth = {{ kind = "bearer", field = "api_key" }}

[[variants.fields]]
key = "api_key"
label = "API Key"
help = "Created under Settings, API."
required = true
secret = true

[variants.verify]
method = "GET"
path = "/v1/me"
proves = "the key is live and names its company."

[variants.proof]
at = ["/company"]
shape = "object"
expected = "expected {{\"company\": {{\"id\", \"name\"}}}}"
required = ["/id"]
account = [{{ name = "id", source = {{ kind = "member", pointer = "/id" }} }}, {{ name = "name", source = {{ kind = "member", pointer = "/name" }} }}]

[guide]
prerequisites = ["An Acme People admin account."]
"#
    )
}

/// A provider that accepts [`KEY`] and refuses every other.
pub async fn acme_provider() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/me"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"company": {"id": "c-42", "name": "Acme Corp"}})),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(serde_json::json!({"error": "bad key"})),
        )
        .with_priority(5)
        .mount(&server)
        .await;
    server
}

/// PUTs `body` as a definition with `content_type`; the status and the answer as text.
pub async fn put(
    hub: &TestHub,
    id: &str,
    key: &str,
    content_type: &str,
    body: impl Into<Body>,
) -> (StatusCode, String) {
    let request = Request::builder()
        .method(Method::PUT)
        .uri(format!("/api/v1/connectors/{id}"))
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", content_type)
        .body(body.into())
        .expect("request");
    let (response, text) = send(hub, request).await;
    (response.status(), text)
}

async fn get_text(hub: &TestHub, uri: &str, key: &str) -> (StatusCode, String, String) {
    let request = Request::builder()
        .uri(uri)
        .header("authorization", format!("Bearer {key}"))
        .body(Body::empty())
        .expect("request");
    let (response, text) = send(hub, request).await;
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (response.status(), content_type, text)
}

fn values() -> std::collections::BTreeMap<String, String> {
    [("api_key".to_owned(), KEY.to_owned())].into()
}

#[tokio::test]
async fn a_connector_put_through_the_api_is_served_links_and_is_removed_once_unused() {
    let provider = acme_provider().await;
    let hub = TestHub::start(&[]).await;
    let admin = hub.admin_key.clone();

    let (status, text) = put(
        &hub,
        "acme-people",
        &admin,
        "application/toml",
        acme("Acme People", &provider.uri()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let entry: Value = serde_json::from_str(&text).expect("ok");
    assert_eq!(entry["id"], "acme-people");
    assert_eq!(entry["custom"], true);

    let (status, list) =
        call_api(&hub, Method::GET, "/api/v1/connectors", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);
    let listed = list["connectors"].as_array().expect("ok");
    let custom: Vec<&str> = listed
        .iter()
        .filter(|c| c["custom"] == true)
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(custom, ["acme-people"]);
    assert!(listed
        .iter()
        .any(|c| c["id"] == "ashby" && c["custom"] == false));

    // The definition downloads as canonical TOML, and as JSON; the JSON PUT back replaces it.
    let (status, content_type, toml) =
        get_text(&hub, "/api/v1/connectors/acme-people/definition", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        content_type.starts_with("application/toml"),
        "{content_type}"
    );
    assert!(toml.starts_with("id = \"acme-people\"\n"), "{toml}");
    let (status, _, json) = get_text(
        &hub,
        "/api/v1/connectors/acme-people/definition?format=json",
        &admin,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mut definition: Value = serde_json::from_str(&json).expect("ok");
    definition["name"] = Value::from("Acme People Cloud");
    let (status, text) = put(
        &hub,
        "acme-people",
        &admin,
        "application/json",
        definition.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (_, entry) = call_api(
        &hub,
        Method::GET,
        "/api/v1/connectors/acme-people",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(entry["name"], "Acme People Cloud");

    // A compiled connector's definition downloads too.
    let (status, _, ashby) = get_text(&hub, "/api/v1/connectors/ashby/definition", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ashby.starts_with("id = \"ashby\"\n"));

    // It links and verifies like a compiled connector.
    let account = hub.link("acme-people", "customer-1", &values()).await;
    let (status, view) = call_api(
        &hub,
        Method::GET,
        &format!("/api/v1/accounts/{account}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["status"], "verified", "{view}");
    assert_eq!(view["proves"]["name"], "Acme Corp", "{view}");

    let (status, refused) = call_api(
        &hub,
        Method::DELETE,
        "/api/v1/connectors/acme-people",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(refused["error"]["code"], "connector_in_use", "{refused}");
    hub.hub.unlink(&account, "test").await.expect("ok");
    let (status, _) = call_api(
        &hub,
        Method::DELETE,
        "/api/v1/connectors/acme-people",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call_api(
        &hub,
        Method::GET,
        "/api/v1/connectors/acme-people",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn scopes_compiled_ids_and_hostile_definitions_are_refused() {
    let hub = TestHub::start(&[]).await;
    let admin = hub.admin_key.clone();
    let (_, reader) = hub.key_with("reader", &[Scope::AccountsRead]).await;
    let good = acme("Acme People", "https://api.acme.example");

    let (status, text) = put(
        &hub,
        "acme-people",
        &reader,
        "application/toml",
        good.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    assert!(text.contains("connectors:write"), "{text}");
    let (status, _, text) = get_text(&hub, "/api/v1/connectors/ashby/definition", &reader).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(text.contains("connectors:read"), "{text}");
    let (status, _) = call_api(
        &hub,
        Method::DELETE,
        "/api/v1/connectors/ashby",
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A custom connector never shadows a compiled one.
    let shadow = good.replace("\"acme-people\"", "\"ashby\"");
    let (status, text) = put(&hub, "ashby", &admin, "application/toml", shadow).await;
    assert_eq!(status, StatusCode::CONFLICT, "{text}");
    assert!(text.contains("compiled_connector"), "{text}");
    let (status, refused) = call_api(
        &hub,
        Method::DELETE,
        "/api/v1/connectors/ashby",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(refused["error"]["code"], "compiled_connector");

    // The URL and the file name the same connector.
    let (status, text) = put(&hub, "other-id", &admin, "application/toml", good.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(text.contains("other-id"), "{text}");

    // Plain http to a public host, with the line and key named.
    let plain = acme("Acme People", "http://api.acme.example");
    let (status, text) = put(&hub, "acme-people", &admin, "application/toml", plain).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(text.contains("acme-people.toml:6: base_url"), "{text}");

    // A placeholder in the host that could take it to another domain.
    let trick = good.replace("https://api.acme.example", "https://{api_key}.acme.example");
    let (status, text) = put(&hub, "acme-people", &admin, "application/toml", trick).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");

    // Too large to be a definition: refused before it is read.
    let huge = format!("{good}\n# {}\n", "x".repeat(300 * 1024));
    let (status, _) = put(&hub, "acme-people", &admin, "application/toml", huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // A JSON body's problems are named by key path (its lines would be the TOML's).
    let mut plain: Value = serde_json::from_str(
        &get_text(
            &hub,
            "/api/v1/connectors/ashby/definition?format=json",
            &admin,
        )
        .await
        .2,
    )
    .expect("JSON");
    plain["id"] = Value::from("acme-people");
    plain["base_url"]["url"] = Value::from("http://api.acme.example");
    let (status, text) = put(
        &hub,
        "acme-people",
        &admin,
        "application/json",
        plain.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(
        text.contains("base_url.url") && !text.contains("acme-people.toml:"),
        "{text}"
    );

    // JSON that is not a definition, and TOML that is not TOML.
    let (status, text) = put(
        &hub,
        "acme-people",
        &admin,
        "application/json",
        "{\"id\": 3}",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    let (status, text) = put(&hub, "acme-people", &admin, "application/toml", "id = ").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(text.contains("acme-people.toml:1"), "{text}");

    let (status, _) = call_api(
        &hub,
        Method::GET,
        "/api/v1/connectors/acme-people",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing refused was stored");
}

#[tokio::test]
async fn every_process_sharing_the_database_serves_the_change_at_once() {
    let first = TestHub::start(&[]).await;
    let admin = first.admin_key.clone();
    let second = first.second_process().await;
    let second_router = connector_hub::router(second.clone());
    let get_name = |router: axum::Router| {
        let admin = admin.clone();
        async move {
            use tower::ServiceExt;
            let request = Request::builder()
                .uri("/api/v1/connectors/acme-people")
                .header("authorization", format!("Bearer {admin}"))
                .body(Body::empty())
                .expect("ok");
            let response = router.oneshot(request).await.expect("ok");
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .expect("ok");
            let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            (
                status,
                value["name"].as_str().unwrap_or_default().to_owned(),
            )
        }
    };
    assert_eq!(
        get_name(second_router.clone()).await.0,
        StatusCode::NOT_FOUND
    );

    let (status, _) = put(
        &first,
        "acme-people",
        &admin,
        "application/toml",
        acme("Acme People", "https://api.acme.example"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        get_name(second_router.clone()).await,
        (StatusCode::OK, "Acme People".to_owned())
    );

    let (status, _) = put(
        &first,
        "acme-people",
        &admin,
        "application/toml",
        acme("Acme People v2", "https://api.acme.example"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        get_name(second_router.clone()).await,
        (StatusCode::OK, "Acme People v2".to_owned())
    );

    let (status, _) = call_api(
        &first,
        Method::DELETE,
        "/api/v1/connectors/acme-people",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(get_name(second_router).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_replaced_definition_is_freed() {
    let hub = TestHub::start(&[]).await;
    let mut dropped = Vec::new();
    for round in 0..200 {
        let text = acme(&format!("Acme People {round}"), "https://api.acme.example");
        let (_, served) = hub
            .hub
            .put_connector(
                "acme-people",
                &text,
                connector_hub::service::DefinitionFormat::Toml,
                "test",
            )
            .await
            .expect("stored");
        assert_eq!(served.spec().name, format!("Acme People {round}"));
        dropped.push(Arc::downgrade(&served));
    }
    let current = hub.hub.find_connector("acme-people").expect("served");
    let alive = dropped.iter().filter(|d| d.upgrade().is_some()).count();
    // Only the definition served now is alive: every one it replaced, arena and all, is gone.
    assert_eq!(alive, 1);
    assert!(Arc::ptr_eq(
        &dropped.last().expect("ok").upgrade().expect("ok"),
        &current
    ));
}

#[tokio::test]
async fn a_connector_added_through_the_api_links_and_verifies_in_chromium() {
    use crate::browser::{browser, connect_session, fill, sign_in, source, wait_for};
    use crate::support::assert_hidden;

    let Some((_driver, client)) = browser().await else {
        return;
    };
    let provider = acme_provider().await;
    let hub = TestHub::start(&[]).await;
    let addr = hub.serve().await;
    let base = format!("http://{addr}");
    let stored = reqwest::Client::new()
        .put(format!("{base}/api/v1/connectors/acme-people"))
        .bearer_auth(&hub.admin_key)
        .header("content-type", "application/toml")
        .body(acme("Acme People", &provider.uri()))
        .send()
        .await
        .expect("put");
    assert_eq!(stored.status(), reqwest::StatusCode::CREATED);

    // The only connector offered: the link opens its form, marked as custom.
    client
        .goto(&connect_session(addr, &hub.admin_key, &["acme-people"]).await)
        .await
        .expect("open link");
    let title = wait_for(&client, "main h1")
        .await
        .text()
        .await
        .expect("title");
    assert!(
        title.contains("Acme People") && title.contains("custom"),
        "{title}"
    );
    fill(&client, "input[name=api_key]", KEY).await;
    wait_for(&client, "#connect")
        .await
        .click()
        .await
        .expect("connect");
    wait_for(&client, "#outcome[data-status=verified]").await;
    assert!(source(&client).await.contains("Acme Corp"));
    assert_hidden(&source(&client).await, KEY);

    sign_in(&client, &base, &hub.admin_key).await;
    let row = wait_for(&client, "#accounts tr[data-connector=acme-people]").await;
    let text = row.text().await.expect("row");
    assert!(
        text.contains("verified") && text.contains("custom"),
        "{text}"
    );
    assert_hidden(&source(&client).await, KEY);
    client.close().await.expect("close");
}
