//! The REST API against the router: hub keys and their lifecycle, scopes, connect sessions,
//! accounts, errors, and that no secret ever appears in an answer.

use crate::support::{assert_hidden, fake_provider, hidden, send, urlencode, TestHub};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use connector_hub::hubkey::Scope;
use serde_json::{json, Value};

async fn call(
    hub: &TestHub,
    method: Method,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    crate::support::call_api(hub, method, path, key, body).await
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("(none)")
}

/// Links an account through the connect pages, as a person would, and returns its id.
async fn link(hub: &TestHub, connector: &str, values: &[(&str, &str)]) -> (StatusCode, String) {
    let (_, session) = call(
        hub,
        Method::POST,
        "/api/v1/connect-sessions",
        Some(&hub.admin_key),
        Some(json!({"owner": "customer-42", "connectors": [connector]})),
    )
    .await;
    let url = session["url"].as_str().expect("url").to_owned();
    let form = page(hub, &format!("{url}/{connector}")).await;
    let csrf = hidden(&form, "_csrf");
    let mut body = format!("_csrf={csrf}&_variant=");
    for (k, v) in values {
        body.push_str(&format!("&{k}={}", urlencode(v)));
    }
    let request = Request::post(format!("{url}/{connector}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .expect("request");
    let (response, text) = send(hub, request).await;
    (response.status(), text)
}

async fn page(hub: &TestHub, path: &str) -> String {
    let request = Request::get(path).body(Body::empty()).expect("request");
    send(hub, request).await.1
}

#[tokio::test]
async fn a_request_without_a_key_or_with_a_malformed_one_is_refused_with_401() {
    let hub = TestHub::start(&[]).await;
    let (status, body) = call(&hub, Method::GET, "/api/v1/accounts", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body), "missing_key");
    let (status, body) = call(
        &hub,
        Method::GET,
        "/api/v1/accounts",
        Some("chub_nope"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body), "invalid_key");
    let forged = format!("chub_{}", "A".repeat(38));
    let (_, body) = call(&hub, Method::GET, "/api/v1/accounts", Some(&forged), None).await;
    assert_eq!(code(&body), "invalid_key");
}

#[tokio::test]
async fn a_key_without_the_scope_gets_403_naming_it() {
    let hub = TestHub::start(&[]).await;
    let (_, reader) = hub.key_with("reader", &[Scope::AccountsRead]).await;
    let (status, _) = call(&hub, Method::GET, "/api/v1/accounts", Some(&reader), None).await;
    assert_eq!(status, StatusCode::OK);
    for (method, path, body) in [
        (Method::GET, "/api/v1/keys", None),
        (
            Method::POST,
            "/api/v1/keys",
            Some(json!({"name": "x", "scopes": ["accounts:read"]})),
        ),
        (
            Method::POST,
            "/api/v1/connect-sessions",
            Some(json!({"owner": "o"})),
        ),
        (Method::POST, "/api/v1/accounts/acc_0/verify", None),
        (Method::DELETE, "/api/v1/accounts/acc_0", None),
    ] {
        let (status, answer) = call(&hub, method, path, Some(&reader), body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(code(&answer), "insufficient_scope");
        assert!(answer["error"]["message"]
            .as_str()
            .expect("message")
            .contains('`'));
    }
}

#[tokio::test]
async fn a_new_key_is_shown_once_then_only_masked_and_works() {
    let hub = TestHub::start(&[]).await;
    let (status, created) = call(
        &hub,
        Method::POST,
        "/api/v1/keys",
        Some(&hub.admin_key),
        Some(json!({"name": "backend", "scopes": ["accounts:read", "connect_sessions:write"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let key = created["key"].as_str().expect("key shown once").to_owned();
    assert!(key.starts_with("chub_"));
    assert_eq!(
        created["masked_key"],
        format!("••••{}", &key[key.len() - 4..])
    );
    let (_, list) = call(
        &hub,
        Method::GET,
        "/api/v1/keys",
        Some(&hub.admin_key),
        None,
    )
    .await;
    assert_hidden(&list.to_string(), &key);
    let listed = list["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["name"] == "backend")
        .expect("listed");
    assert_eq!(listed["state"], "enabled");
    assert!(listed.get("key").is_none());
    let (status, _) = call(&hub, Method::GET, "/api/v1/accounts", Some(&key), None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn disabled_revoked_and_regenerated_keys_get_401_saying_which() {
    let hub = TestHub::start(&[]).await;
    let admin = hub.admin_key.clone();
    let (id, key) = hub.key_with("k", &[Scope::AccountsRead]).await;

    let (status, body) = call(
        &hub,
        Method::POST,
        &format!("/api/v1/keys/{id}/disable"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(
        (status, body["state"].as_str()),
        (StatusCode::OK, Some("disabled"))
    );
    let (status, body) = call(&hub, Method::GET, "/api/v1/accounts", Some(&key), None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "key_disabled")
    );

    call(
        &hub,
        Method::POST,
        &format!("/api/v1/keys/{id}/enable"),
        Some(&admin),
        None,
    )
    .await;
    let (status, _) = call(&hub, Method::GET, "/api/v1/accounts", Some(&key), None).await;
    assert_eq!(status, StatusCode::OK);

    let (status, regenerated) = call(
        &hub,
        Method::POST,
        &format!("/api/v1/keys/{id}/regenerate"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let new_key = regenerated["key"].as_str().expect("new key").to_owned();
    assert_ne!(new_key, key);
    let (status, body) = call(&hub, Method::GET, "/api/v1/accounts", Some(&key), None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "key_regenerated")
    );
    let (status, _) = call(&hub, Method::GET, "/api/v1/accounts", Some(&new_key), None).await;
    assert_eq!(status, StatusCode::OK);

    let (status, body) = call(
        &hub,
        Method::POST,
        &format!("/api/v1/keys/{id}/revoke"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(
        (status, body["state"].as_str()),
        (StatusCode::OK, Some("revoked"))
    );
    let (status, body) = call(&hub, Method::GET, "/api/v1/accounts", Some(&new_key), None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "key_revoked")
    );
    let (status, body) = call(
        &hub,
        Method::POST,
        &format!("/api/v1/keys/{id}/enable"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "key_revoked"));
}

#[tokio::test]
async fn last_used_is_recorded_at_most_once_a_minute() {
    let hub = TestHub::start(&[]).await;
    let (id, key) = hub.key_with("k", &[Scope::AccountsRead]).await;
    call(&hub, Method::GET, "/api/v1/accounts", Some(&key), None).await;
    let first = hub
        .hub
        .store()
        .key(&id)
        .await
        .expect("db")
        .expect("row")
        .last_used_at;
    assert!(first.is_some());
    hub.hub
        .store()
        .touch_key(&id, first.expect("set") + 30)
        .await
        .expect("touch");
    let second = hub
        .hub
        .store()
        .key(&id)
        .await
        .expect("db")
        .expect("row")
        .last_used_at;
    assert_eq!(first, second, "a use within the minute is not written");
    hub.hub
        .store()
        .touch_key(&id, first.expect("set") + 61)
        .await
        .expect("touch");
    let third = hub
        .hub
        .store()
        .key(&id)
        .await
        .expect("db")
        .expect("row")
        .last_used_at;
    assert_eq!(third, Some(first.expect("set") + 61));
}

#[tokio::test]
async fn repeated_failed_authentications_are_rate_limited() {
    let hub = TestHub::start_with(&[], |s| s.auth_failures_per_minute = 3).await;
    let bad = format!("chub_{}", "A".repeat(38));
    for _ in 0..3 {
        let (status, _) = call(&hub, Method::GET, "/api/v1/accounts", Some(&bad), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = call(&hub, Method::GET, "/api/v1/accounts", Some(&bad), None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_failures")
    );
    // A valid key from the same address is never refused for the failures.
    let (status, _) = call(
        &hub,
        Method::GET,
        "/api/v1/accounts",
        Some(&hub.admin_key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_connect_session_links_a_verified_account_once() {
    let provider = fake_provider("lever").await;
    let hub = TestHub::start(&[&provider]).await;
    let key = provider.good["api_key"].clone();
    let (status, html) = link(&hub, "lever", &[("api_key", &key)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Connected"), "{html}");
    assert_hidden(&html, &key);

    let (_, page) = call(
        &hub,
        Method::GET,
        "/api/v1/accounts?connector=lever",
        Some(&hub.admin_key),
        None,
    )
    .await;
    let accounts = page["accounts"].as_array().expect("accounts");
    assert_eq!(accounts.len(), 1);
    let account = &accounts[0];
    assert_eq!(account["owner"], "customer-42");
    assert_eq!(account["status"], "verified");
    assert_eq!(account["key"], format!("••••{}", &key[key.len() - 4..]));
    assert!(account["proves"].as_object().is_some_and(|p| !p.is_empty()));
    assert_hidden(&page.to_string(), &key);
}

#[tokio::test]
async fn a_used_or_expired_connect_link_shows_a_clear_page() {
    let provider = fake_provider("lever").await;
    let hub = TestHub::start(&[&provider]).await;
    let (_, session) = call(
        &hub,
        Method::POST,
        "/api/v1/connect-sessions",
        Some(&hub.admin_key),
        Some(json!({"owner": "o", "connectors": ["lever"], "expires_in": 60})),
    )
    .await;
    let url = session["url"].as_str().expect("url").to_owned();
    let form = page(&hub, &format!("{url}/lever")).await;
    let body = format!(
        "_csrf={}&api_key={}",
        hidden(&form, "_csrf"),
        provider.good["api_key"]
    );
    let post = || {
        Request::post(format!("{url}/lever"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body.clone()))
            .expect("request")
    };
    assert_eq!(send(&hub, post()).await.0.status(), StatusCode::OK);
    let (again, _) = send(&hub, post()).await;
    assert_eq!(again.status(), StatusCode::GONE);
    assert!(page(&hub, &url).await.contains("already used"));
    assert!(page(&hub, "/connect/cs_0000").await.contains("not valid"));

    let (status, body) = call(
        &hub,
        Method::POST,
        "/api/v1/connect-sessions",
        Some(&hub.admin_key),
        Some(json!({"owner": "o", "expires_in": 5})),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request")
    );
}

#[tokio::test]
async fn a_connect_link_runs_a_bounded_number_of_provider_checks() {
    let provider = fake_provider("lever").await;
    let hub = TestHub::start_with(&[&provider], |s| s.checks_per_connect_session = 3).await;
    let (_, session) = call(
        &hub,
        Method::POST,
        "/api/v1/connect-sessions",
        Some(&hub.admin_key),
        Some(json!({"owner": "o", "connectors": ["lever"]})),
    )
    .await;
    let url = session["url"].as_str().expect("url").to_owned();
    let form = page(&hub, &format!("{url}/lever")).await;
    let attempt = || {
        Request::post(format!("{url}/lever"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "_csrf={}&api_key={}",
                hidden(&form, "_csrf"),
                provider.revoked["api_key"]
            )))
            .expect("request")
    };
    for _ in 0..3 {
        let (response, html) = send(&hub, attempt()).await;
        assert_eq!(response.status(), StatusCode::OK, "refused, the form again");
        assert!(!html.contains("tried too many times"), "{html}");
    }
    let (response, html) = send(&hub, attempt()).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("tried too many times"), "{html}");
    assert!(page(&hub, &format!("{url}/lever"))
        .await
        .contains("tried too many times"));
    assert_eq!(
        provider.server.received_requests().await.map(|r| r.len()),
        Some(3),
        "no check past the limit reached the provider"
    );
    // Another link has its own budget.
    let (status, _) = link(&hub, "lever", &[("api_key", &provider.good["api_key"])]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_rejected_key_is_not_stored_and_keeps_only_public_fields() {
    let provider = fake_provider("lever").await;
    let hub = TestHub::start(&[&provider]).await;
    let bad = provider.revoked["api_key"].clone();
    let (status, html) = link(&hub, "lever", &[("api_key", &bad), ("_label", "Prod")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-status=\"rejected\""), "{html}");
    assert!(html.contains("value=\"Prod\""), "the label is kept");
    assert_hidden(&html, &bad);
    let (_, page) = call(
        &hub,
        Method::GET,
        "/api/v1/accounts",
        Some(&hub.admin_key),
        None,
    )
    .await;
    assert!(page["accounts"].as_array().expect("accounts").is_empty());
}

#[tokio::test]
async fn a_connect_post_without_its_csrf_token_is_refused() {
    let provider = fake_provider("lever").await;
    let hub = TestHub::start(&[&provider]).await;
    let (_, session) = call(
        &hub,
        Method::POST,
        "/api/v1/connect-sessions",
        Some(&hub.admin_key),
        Some(json!({"owner": "o"})),
    )
    .await;
    let url = session["url"].as_str().expect("url");
    let forged = Request::post(format!("{url}/lever"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "_csrf=forged&api_key={}",
            provider.good["api_key"]
        )))
        .expect("request");
    let (response, _) = send(&hub, forged).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        provider.server.received_requests().await.map(|r| r.len()),
        Some(0)
    );
}

#[tokio::test]
async fn accounts_are_filtered_paged_reverified_edited_and_unlinked() {
    let provider = fake_provider("lever").await;
    let hub = TestHub::start(&[&provider]).await;
    let good = provider.good["api_key"].clone();
    for _ in 0..3 {
        assert_eq!(
            link(&hub, "lever", &[("api_key", &good)]).await.0,
            StatusCode::OK
        );
    }
    let admin = hub.admin_key.clone();
    let (_, first) = call(
        &hub,
        Method::GET,
        "/api/v1/accounts?limit=2",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(first["accounts"].as_array().expect("page").len(), 2);
    let cursor = first["next_cursor"].as_str().expect("more").to_owned();
    let (_, second) = call(
        &hub,
        Method::GET,
        &format!("/api/v1/accounts?limit=2&cursor={cursor}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(second["accounts"].as_array().expect("page").len(), 1);
    assert!(second["next_cursor"].is_null());
    let (_, none) = call(
        &hub,
        Method::GET,
        "/api/v1/accounts?status=rejected",
        Some(&admin),
        None,
    )
    .await;
    assert!(none["accounts"].as_array().expect("page").is_empty());

    let id = first["accounts"][0]["id"].as_str().expect("id").to_owned();
    let (status, checked) = call(
        &hub,
        Method::POST,
        &format!("/api/v1/accounts/{id}/verify"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(
        (status, checked["check"]["status"].as_str()),
        (StatusCode::OK, Some("verified"))
    );

    // An untouched masked value keeps the stored secret; a new bad one is checked and recorded.
    let masked = checked["account"]["key"]
        .as_str()
        .expect("masked")
        .to_owned();
    let (status, edited) = call(
        &hub,
        Method::PATCH,
        &format!("/api/v1/accounts/{id}"),
        Some(&admin),
        Some(json!({"label": "Renamed", "credentials": {"api_key": masked}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["account"]["label"], "Renamed");
    assert_eq!(edited["check"]["status"], "verified");
    let bad = provider.revoked["api_key"].clone();
    let (_, edited) = call(
        &hub,
        Method::PATCH,
        &format!("/api/v1/accounts/{id}"),
        Some(&admin),
        Some(json!({"credentials": {"api_key": bad}})),
    )
    .await;
    assert_eq!(edited["account"]["status"], "rejected");
    assert!(edited["check"]["advice"].as_str().is_some());
    assert_hidden(&edited.to_string(), &bad);

    let (status, _) = call(
        &hub,
        Method::DELETE,
        &format!("/api/v1/accounts/{id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(
        &hub,
        Method::GET,
        &format!("/api/v1/accounts/{id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, audit) = call(
        &hub,
        Method::GET,
        &format!("/api/v1/audit?account_id={id}"),
        Some(&admin),
        None,
    )
    .await;
    let actions: Vec<&str> = audit["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"account.unlinked") && actions.contains(&"account.linked"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn stored_credentials_are_encrypted_at_rest() {
    use sqlx::{Connection as _, Row as _};
    let provider = fake_provider("lever").await;
    let hub = TestHub::start(&[&provider]).await;
    let good = provider.good["api_key"].clone();
    link(&hub, "lever", &[("api_key", &good)]).await;

    // Every stored column of every table, as text.
    let mut conn = sqlx::AnyConnection::connect(&hub.hub.settings.database)
        .await
        .expect("database");
    let mut stored = String::new();
    for table in ["accounts", "audit_log", "connect_sessions"] {
        let sql = format!("SELECT * FROM {table}");
        for row in sqlx::query(&sql).fetch_all(&mut conn).await.expect("rows") {
            for i in 0..row.len() {
                if let Ok(Some(text)) = row.try_get::<Option<String>, _>(i) {
                    stored.push_str(&text);
                    stored.push('\n');
                }
            }
        }
    }
    assert!(stored.contains("lever"), "the rows were read");
    assert_hidden(&stored, &good);

    // On SQLite, the database file and its write-ahead log too.
    hub.hub.store().close().await;
    if let Ok(bytes) = std::fs::read(hub.dir.path().join("hub.db")) {
        let wal = std::fs::read(hub.dir.path().join("hub.db-wal")).unwrap_or_default();
        for file in [&bytes, &wal] {
            assert_hidden(&String::from_utf8_lossy(file), &good);
        }
    }
}

#[tokio::test]
async fn sql_metacharacters_and_oversized_values_are_handled_in_every_field() {
    let hub = TestHub::start(&[]).await;
    let admin = hub.admin_key.clone();
    for hostile in ["' OR 1=1 --", "\"; DROP TABLE accounts; --", "%_\\", "ü🦀"] {
        let (status, body) = call(
            &hub,
            Method::POST,
            "/api/v1/connect-sessions",
            Some(&admin),
            Some(json!({"owner": hostile})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["owner"], hostile);
        let (status, page) = call(
            &hub,
            Method::GET,
            &format!("/api/v1/accounts?owner={}", urlencode(hostile)),
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(page["accounts"].as_array().expect("list").is_empty());
        let (status, _) = call(
            &hub,
            Method::GET,
            &format!("/api/v1/accounts/{}", urlencode(hostile)),
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, created) = call(
            &hub,
            Method::POST,
            "/api/v1/keys",
            Some(&admin),
            Some(json!({"name": hostile, "scopes": ["accounts:read"]})),
        )
        .await;
        assert_eq!(
            (status, created["name"].as_str()),
            (StatusCode::CREATED, Some(hostile))
        );
    }
    let huge = "x".repeat(100_000);
    let (status, body) = call(
        &hub,
        Method::POST,
        "/api/v1/connect-sessions",
        Some(&admin),
        Some(json!({"owner": huge})),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let long = "x".repeat(5_000);
    let (status, body) = call(
        &hub,
        Method::POST,
        "/api/v1/connect-sessions",
        Some(&admin),
        Some(json!({"owner": long})),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request")
    );
    let (status, body) = call(
        &hub,
        Method::POST,
        "/api/v1/connect-sessions",
        Some(&admin),
        Some(json!({"owner": "o", "connectors": ["lever'--"]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = call(
        &hub,
        Method::GET,
        "/api/v1/accounts?cursor=%27%20OR%201%3D1",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST.max(status), "{body}");
    assert!(status.is_client_error());
    let (status, body) = call(
        &hub,
        Method::POST,
        "/api/v1/keys",
        Some(&admin),
        Some(json!({"name": "n", "scopes": ["root"]})),
    )
    .await;
    assert!(
        status.is_client_error() && code(&body) == "invalid_body",
        "{status} {body}"
    );
}

#[tokio::test]
async fn errors_are_json_with_a_code_and_a_message() {
    let hub = TestHub::start(&[]).await;
    let (status, body) = call(
        &hub,
        Method::GET,
        "/api/v1/nothing-here",
        Some(&hub.admin_key),
        None,
    )
    .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let (status, body) = call(
        &hub,
        Method::PUT,
        "/api/v1/accounts",
        Some(&hub.admin_key),
        None,
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    let (status, body) = call(
        &hub,
        Method::POST,
        "/api/v1/connect-sessions",
        Some(&hub.admin_key),
        Some(json!({"ownr": "typo"})),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body")
    );
    assert!(body["error"]["message"]
        .as_str()
        .expect("message")
        .contains("ownr"));
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_lists_every_route() {
    let hub = TestHub::start(&[]).await;
    let (status, doc) = call(&hub, Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().expect("version").starts_with("3.1"));
    for path in [
        "/api/v1/accounts",
        "/api/v1/accounts/{id}",
        "/api/v1/connect-sessions",
        "/api/v1/connect-sessions/{id}",
        "/api/v1/keys",
        "/api/v1/keys/{id}/regenerate",
        "/api/v1/connectors",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc["components"]["securitySchemes"]["hub_key"].is_object());
}

#[tokio::test]
async fn the_connectors_endpoint_serves_the_catalog_entries() {
    let hub = TestHub::start(&[]).await;
    let (_, list) = call(
        &hub,
        Method::GET,
        "/api/v1/connectors",
        Some(&hub.admin_key),
        None,
    )
    .await;
    let ids: Vec<&str> = list["connectors"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids.len(), connector_registry::all().len());
    let (_, one) = call(
        &hub,
        Method::GET,
        "/api/v1/connectors/lever",
        Some(&hub.admin_key),
        None,
    )
    .await;
    // The catalog entry, plus whether the connector was added to this hub as a definition.
    let mut one = one;
    assert_eq!(one["custom"], false);
    one.as_object_mut().expect("entry").remove("custom");
    assert_eq!(
        one,
        connector_docs::catalog_entry(connector_registry::find("lever").expect("lever"))
    );
    let (status, body) = call(
        &hub,
        Method::GET,
        "/api/v1/connectors/levr",
        Some(&hub.admin_key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"]["message"]
        .as_str()
        .expect("message")
        .contains("lever"));
}
