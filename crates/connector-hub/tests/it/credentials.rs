//! `GET /api/v1/accounts/{id}/credentials`: the stored values in clear with the provider's base
//! URLs (overrides applied), only for a key holding `credentials:read`, never cached, each read
//! audited and shown on the account page; and the Keys page marking the keys that may read them.

use std::collections::BTreeMap;

use crate::support::{assert_hidden, fake_provider, hidden, send, TestHub};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::response::Response;
use connector_hub::hubkey::Scope;
use connector_hub::settings::UrlSetting;
use serde_json::{json, Value};

async fn get(hub: &TestHub, path: &str, key: &str) -> (Response, Value) {
    let request = Request::get(path)
        .header("authorization", format!("Bearer {key}"))
        .body(Body::empty())
        .expect("request");
    let (response, text) = send(hub, request).await;
    (response, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("(none)")
}

/// Imports one account (nothing is sent) and returns its id.
async fn import(hub: &TestHub, line: Value) -> String {
    let report = hub
        .hub
        .import(
            std::io::Cursor::new(format!("{line}\n")),
            Some("customer-7"),
            false,
            |_| {},
        )
        .await
        .expect("import");
    assert_eq!(report.imported, 1, "{:?}", report.skipped);
    let (accounts, _) = hub
        .hub
        .list_accounts(&Default::default(), None, 10)
        .await
        .expect("accounts");
    let connector = line["connector"].as_str().expect("connector");
    accounts
        .iter()
        .find(|a| a.connector == connector)
        .expect("imported account")
        .id
        .clone()
}

/// The audit records of an account, as the API lists them.
async fn audit(hub: &TestHub, account_id: &str) -> Vec<Value> {
    let (response, body) = get(
        hub,
        &format!("/api/v1/audit?account_id={account_id}"),
        &hub.admin_key,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK, "{body}");
    body["records"].as_array().expect("records").clone()
}

fn reads(records: &[Value]) -> Vec<&Value> {
    records
        .iter()
        .filter(|r| r["action"] == "credentials.read")
        .collect()
}

#[tokio::test]
async fn a_credentials_read_answers_every_stored_value_and_the_overridden_base_url_uncached() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start(&[&lever]).await;
    let id = hub.link("lever", "customer-42", &lever.good).await;
    let (_, reader) = hub
        .key_with("direct-access", &[Scope::CredentialsRead])
        .await;

    let (response, body) = get(&hub, &format!("/api/v1/accounts/{id}/credentials"), &reader).await;
    assert_eq!(response.status(), StatusCode::OK, "{body}");
    assert_eq!(
        response
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let UrlSetting::Slots(slots) = &lever.urls else {
        panic!("the fake's URLs are slots");
    };
    let api = slots["api"].trim_end_matches('/').to_owned();
    assert!(api.starts_with("http://127.0.0.1:"), "{api}");
    let credentials: Value = lever
        .good
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect::<serde_json::Map<_, _>>()
        .into();
    assert_eq!(
        body,
        json!({
            "account_id": id,
            "connector": "lever",
            "variant": "api_key",
            "credentials": credentials,
            "base_urls": {"api": api},
        })
    );
    // The secret is the stored one, in clear.
    assert_eq!(
        body["credentials"]["api_key"],
        lever.good["api_key"].as_str()
    );
}

#[tokio::test]
async fn base_urls_fill_placeholders_and_name_each_origin() {
    let hub = TestHub::start_with(&[], |settings| {
        settings.base_urls.insert(
            "greenhouse".to_owned(),
            UrlSetting::Slots(BTreeMap::from([
                (
                    "api".to_owned(),
                    "http://127.0.0.1:9/harvest/v3/".to_owned(),
                ),
                ("auth".to_owned(), "http://127.0.0.1:9/".to_owned()),
            ])),
        );
        settings.base_urls.insert(
            "bamboohr".to_owned(),
            UrlSetting::Api("http://127.0.0.1:9/gateway/{company_domain}/v1".to_owned()),
        );
    })
    .await;
    let (_, reader) = hub
        .key_with("direct-access", &[Scope::CredentialsRead])
        .await;
    let secret = "gh-secret-0123456789abcdefghij";
    let greenhouse = import(
        &hub,
        json!({"connector": "greenhouse", "credentials": {"client_id": "EXAMPLE-client-0000", "client_secret": secret}}),
    )
    .await;
    let (response, body) = get(
        &hub,
        &format!("/api/v1/accounts/{greenhouse}/credentials"),
        &reader,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK, "{body}");
    assert_eq!(
        body["credentials"],
        json!({"client_id": "EXAMPLE-client-0000", "client_secret": secret})
    );
    assert_eq!(
        body["base_urls"],
        json!({"api": "http://127.0.0.1:9/harvest/v3", "auth": "http://127.0.0.1:9"})
    );

    let bamboo = import(
        &hub,
        json!({"connector": "bamboohr", "credentials": {"company_domain": "acme", "api_key": "c0ffee00deadbeef00fa4e0a1b2c3d4e5f60ba5e"}}),
    )
    .await;
    let (_, body) = get(
        &hub,
        &format!("/api/v1/accounts/{bamboo}/credentials"),
        &reader,
    )
    .await;
    assert_eq!(
        body["base_urls"],
        json!({"api": "http://127.0.0.1:9/gateway/acme/v1"})
    );
}

#[tokio::test]
async fn without_an_override_the_base_url_is_the_providers_own() {
    let hub = TestHub::start(&[]).await;
    let (_, reader) = hub
        .key_with("direct-access", &[Scope::CredentialsRead])
        .await;
    let bamboo = import(
        &hub,
        json!({"connector": "bamboohr", "credentials": {"company_domain": "acme", "api_key": "c0ffee00deadbeef00fa4e0a1b2c3d4e5f60ba5e"}}),
    )
    .await;
    let (_, body) = get(
        &hub,
        &format!("/api/v1/accounts/{bamboo}/credentials"),
        &reader,
    )
    .await;
    assert_eq!(
        body["base_urls"],
        json!({"api": "https://api.bamboohr.com/api/gateway.php/acme/v1"})
    );
}

#[tokio::test]
async fn every_other_scope_and_the_admin_key_are_refused_with_403() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start(&[&lever]).await;
    let id = hub.link("lever", "customer-42", &lever.good).await;
    let secret = lever.good["api_key"].clone();
    let mut keys = vec![("admin".to_owned(), hub.admin_key.clone())];
    for scope in Scope::ALL {
        if scope != Scope::CredentialsRead {
            let (_, key) = hub.key_with(scope.as_str(), &[scope]).await;
            keys.push((scope.as_str().to_owned(), key));
        }
    }
    let (_, all_but) = hub.key_with("every-admin-scope", &Scope::ADMIN).await;
    keys.push(("every admin scope".to_owned(), all_but));
    for (name, key) in &keys {
        let request = Request::get(format!("/api/v1/accounts/{id}/credentials"))
            .header("authorization", format!("Bearer {key}"))
            .body(Body::empty())
            .expect("request");
        let (response, text) = send(&hub, request).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{name}: {text}");
        let body: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(code(&body), "insufficient_scope", "{name}");
        assert!(text.contains("credentials:read"), "{text}");
        assert_hidden(&text, &secret);
    }
    assert!(reads(&audit(&hub, &id).await).is_empty());
}

#[tokio::test]
async fn an_unknown_account_is_404_and_nothing_is_audited() {
    let hub = TestHub::start(&[]).await;
    let (_, reader) = hub
        .key_with("direct-access", &[Scope::CredentialsRead])
        .await;
    let (response, body) = get(&hub, "/api/v1/accounts/acc_missing/credentials", &reader).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "not_found");
    let (_, everything) = get(&hub, "/api/v1/audit", &hub.admin_key).await;
    assert!(!everything.to_string().contains("credentials.read"));
}

#[tokio::test]
async fn credentials_that_do_not_open_are_not_served_and_mark_the_account_sealed() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start(&[&lever]).await;
    let id = hub.link("lever", "customer-42", &lever.good).await;
    hub.execute(&format!(
        "UPDATE accounts SET ciphertext = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE id = '{id}'"
    ))
    .await;
    let (_, reader) = hub
        .key_with("direct-access", &[Scope::CredentialsRead])
        .await;
    let (response, body) = get(&hub, &format!("/api/v1/accounts/{id}/credentials"), &reader).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(code(&body), "sealed_credentials");
    assert_eq!(
        hub.hub.account(&id).await.expect("account").status,
        "sealed"
    );
    assert!(reads(&audit(&hub, &id).await).is_empty());
}

fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
        .collect()
}

/// Signs in with `key` and returns the session cookie pair.
async fn sign_in(hub: &TestHub, key: &str) -> String {
    let request = Request::get("/signin")
        .body(Body::empty())
        .expect("request");
    let (response, html) = send(hub, request).await;
    let nonce = set_cookies(&response)[0].clone();
    let request = Request::post("/signin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, nonce)
        .body(Body::from(format!(
            "_csrf={}&key={key}",
            hidden(&html, "_csrf")
        )))
        .expect("request");
    let (response, _) = send(hub, request).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    set_cookies(&response)
        .into_iter()
        .find(|c| c.starts_with("hub_session="))
        .expect("session cookie")
}

async fn page(hub: &TestHub, path: &str, cookie: &str) -> String {
    let request = Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .expect("request");
    let (response, html) = send(hub, request).await;
    assert_eq!(response.status(), StatusCode::OK, "{html}");
    html
}

#[tokio::test]
async fn each_read_is_audited_with_the_key_and_shown_on_the_account_page() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start(&[&lever]).await;
    let id = hub.link("lever", "customer-42", &lever.good).await;
    let secret = lever.good["api_key"].clone();
    let (key_id, reader) = hub
        .key_with("direct-access", &[Scope::CredentialsRead])
        .await;
    for _ in 0..2 {
        let (response, _) = get(&hub, &format!("/api/v1/accounts/{id}/credentials"), &reader).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let records = audit(&hub, &id).await;
    let read = reads(&records);
    assert_eq!(read.len(), 2, "one record per read: {records:?}");
    for record in &read {
        assert_eq!(record["account_id"], id.as_str());
        assert_eq!(record["connector"], "lever");
        assert_eq!(record["owner"], "customer-42");
        let actor = record["actor"].as_str().expect("actor");
        assert!(
            actor.contains("direct-access") && actor.contains(&key_id),
            "{actor}"
        );
        assert_eq!(
            record["detail"],
            "credentials read for direct provider access"
        );
    }
    assert_hidden(&Value::from(records).to_string(), &secret);

    let cookie = sign_in(&hub, &hub.admin_key).await;
    let html = page(&hub, &format!("/accounts/{id}"), &cookie).await;
    let audit_list = &html[html.find("id=\"audit\"").expect("audit list")..];
    assert!(
        audit_list.contains("credentials.read: credentials read for direct provider access"),
        "{audit_list}"
    );
    assert!(audit_list.contains(&key_id), "{audit_list}");
    assert_hidden(&html, &secret);
}

#[tokio::test]
async fn the_keys_page_marks_the_keys_that_read_credentials_and_never_preselects_the_scope() {
    let hub = TestHub::start(&[]).await;
    let (reader_id, _) = hub
        .key_with(
            "direct-access",
            &[Scope::AccountsRead, Scope::CredentialsRead],
        )
        .await;
    let (plain_id, _) = hub.key_with("backend", &[Scope::AccountsRead]).await;
    let cookie = sign_in(&hub, &hub.admin_key).await;
    let html = page(&hub, "/keys", &cookie).await;
    let row = |id: &str| {
        let start = html
            .find(&format!("<tr data-key-id=\"{id}\""))
            .expect("row");
        html[start..start + html[start..].find("</tr>").expect("row end")].to_owned()
    };
    let reader_row = row(&reader_id);
    assert!(
        reader_row.contains("data-reads-credentials"),
        "{reader_row}"
    );
    assert!(reader_row.contains("reads credentials"), "{reader_row}");
    let keys = hub.hub.list_keys().await.expect("keys");
    let admin_id = &keys.iter().find(|k| k.name == "admin").expect("admin").id;
    // Neither a key without the scope nor the admin key, which holds every other one.
    for id in [plain_id.as_str(), admin_id.as_str()] {
        let other = row(id);
        assert!(!other.contains("data-reads-credentials"), "{other}");
        assert!(!other.contains("reads credentials"), "{other}");
    }
    let form = &html[html.find("id=\"create-key-form\"").expect("form")..];
    let checkbox = form
        .split("<label class=\"check\">")
        .find(|label| label.contains("value=\"credentials:read\""))
        .expect("the credentials:read checkbox");
    assert!(!checkbox.contains("checked"), "{checkbox}");
    assert!(
        checkbox.contains("stored credentials in clear, for direct provider access"),
        "{checkbox}"
    );
}

#[test]
fn debug_never_shows_a_credential() {
    let secret = "stored-secret-0123456789abcdef";
    let answer = connector_hub::http::api::credentials::AccountCredentials {
        account_id: "acc_1".to_owned(),
        connector: "lever".to_owned(),
        variant: "api_key".to_owned(),
        credentials: BTreeMap::from([("api_key".to_owned(), secret.to_owned().into())]),
        base_urls: BTreeMap::new(),
    };
    assert_hidden(&format!("{answer:?}"), secret);
    // It is serialized in clear: that is the route's purpose.
    assert!(serde_json::to_string(&answer)
        .expect("json")
        .contains(secret));
}
