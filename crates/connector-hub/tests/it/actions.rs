//! Actions over the API: `GET /api/v1/connectors/{id}/actions` lists what a connector declares,
//! `POST /api/v1/accounts/{id}/actions/{action}` runs one with the account's stored credentials
//! (scope `actions:execute`) against a loopback Polytomic built from its recorded fixtures: the
//! minted key once in the answer, never in the audit log; the status mapping; nothing retried.

use std::collections::BTreeMap;

use crate::support::{assert_hidden, fixtures_dir, send, TestHub};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::response::Response;
use connector_hub::hubkey::Scope;
use connector_hub::settings::UrlSetting;
use connector_testkit::fixture::{Fixtures, Scenario};
use connector_testkit::server::template;
use serde_json::{json, Value};
use wiremock::matchers::{any, header as has_header, method, path};
use wiremock::{Mock, MockServer};

pub const ORG: &str = "0000fa6e-0000-4000-8000-0000000000a1";
/// The user the recorded answer mints a key for.
pub const USER: &str = "0000fa6e-0000-4000-8000-0000000000b2";
/// A user the fake says does not exist.
const UNKNOWN_USER: &str = "0000fa6e-0000-4000-8000-0000000000c3";
/// A user whose key the fake fails to mint with a 500.
const FAILING_USER: &str = "0000fa6e-0000-4000-8000-0000000000d4";

/// A loopback Polytomic from the recorded fixtures, and the hub pointed at it.
pub struct Polytomic {
    pub server: MockServer,
    pub hub: TestHub,
    /// The partner key the account holds.
    pub partner_key: String,
    /// The key the fake mints.
    pub minted: String,
}

fn scenario(scenarios: &[Scenario], name: &str) -> Scenario {
    scenarios
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("fixtures/polytomic/{name}.json is missing"))
        .clone()
}

fn keys_path(user: &str) -> String {
    format!("/api/organizations/{ORG}/users/{user}/keys")
}

impl Polytomic {
    pub async fn start() -> Polytomic {
        let fixtures = Fixtures::load(&fixtures_dir());
        let scenarios = fixtures.for_connector("polytomic");
        let partner = scenario(scenarios, "partner-key");
        let minted = scenario(scenarios, "create-api-key-minted");
        let unknown = scenario(scenarios, "create-api-key-unknown-user");
        let failing = scenario(scenarios, "create-api-key-server-error");
        let revoked = scenario(scenarios, "create-api-key-revoked");
        let partner_key = partner.credentials["api_key"].clone();
        assert_eq!(minted.credentials["api_key"], partner_key);
        let recorded = minted.request.as_ref().expect("request");
        assert_eq!(recorded.path, keys_path(USER));
        let bearer = format!("Bearer {partner_key}");

        let server = MockServer::start().await;
        for (verb, at, answer) in [
            ("GET", "/api/me".to_owned(), &partner),
            ("POST", keys_path(USER), &minted),
            ("POST", keys_path(UNKNOWN_USER), &unknown),
            ("POST", keys_path(FAILING_USER), &failing),
        ] {
            Mock::given(method(verb))
                .and(path(at))
                .and(has_header("authorization", bearer.as_str()))
                .respond_with(template(&answer.responses[0]))
                .with_priority(1)
                .mount(&server)
                .await;
        }
        Mock::given(any())
            .respond_with(template(&revoked.responses[0]))
            .with_priority(5)
            .mount(&server)
            .await;

        let uri = server.uri();
        let hub = TestHub::start_with(&[], |settings| {
            settings
                .base_urls
                .insert("polytomic".to_owned(), UrlSetting::Api(uri));
        })
        .await;
        let value = minted.responses[0].body.as_ref().expect("body")["data"]["value"]
            .as_str()
            .expect("minted value")
            .to_owned();
        Polytomic {
            server,
            hub,
            partner_key,
            minted: value,
        }
    }

    /// Links a Polytomic partner account through a real check against the fake.
    pub async fn link_partner(&self) -> String {
        let session = self
            .hub
            .hub
            .create_session("customer-42", &[], None, "test")
            .await
            .expect("session");
        let connector = connector_registry::find("polytomic").expect("polytomic");
        let partner = connector
            .spec()
            .variants
            .iter()
            .find(|v| v.name == "partner")
            .expect("partner variant");
        let values = BTreeMap::from([(
            "api_key".to_owned(),
            secrecy::SecretString::from(self.partner_key.clone()),
        )]);
        match self
            .hub
            .hub
            .link(&session.session, connector, partner, values, "")
            .await
            .expect("link")
        {
            connector_hub::service::LinkResult::Linked(account, _) => account.id,
            other => panic!("not linked: {other:?}"),
        }
    }

    /// The key-minting requests the fake received.
    async fn posts(&self) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.method.as_str() == "POST")
            .count()
    }
}

async fn call(
    hub: &TestHub,
    verb: Method,
    at: &str,
    key: &str,
    body: Option<&str>,
) -> (Response, Value) {
    let request = Request::builder()
        .method(verb)
        .uri(at)
        .header("authorization", format!("Bearer {key}"));
    let request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_owned())),
        None => request.body(Body::empty()),
    }
    .expect("request");
    let (response, text) = send(hub, request).await;
    (response, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn run(
    hub: &TestHub,
    account: &str,
    action: &str,
    key: &str,
    body: Value,
) -> (Response, Value) {
    call(
        hub,
        Method::POST,
        &format!("/api/v1/accounts/{account}/actions/{action}"),
        key,
        Some(&body.to_string()),
    )
    .await
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("(none)")
}

/// The `action.run` records of an account.
async fn runs(hub: &TestHub, account: &str) -> Vec<Value> {
    let (response, body) = call(
        hub,
        Method::GET,
        &format!("/api/v1/audit?account_id={account}"),
        &hub.admin_key,
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    body["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter(|r| r["action"] == "action.run")
        .cloned()
        .collect()
}

#[tokio::test]
async fn any_key_lists_a_connectors_actions_as_the_catalog_declares_them() {
    let hub = TestHub::start(&[]).await;
    let (_, key) = hub
        .key_with("sessions-only", &[Scope::ConnectSessionsWrite])
        .await;
    let (response, list) = call(
        &hub,
        Method::GET,
        "/api/v1/connectors/polytomic/actions",
        &key,
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK, "{list}");
    assert_eq!(list["connector"], "polytomic");
    let action = &list["actions"][0];
    assert_eq!(action["id"], "create-api-key");
    assert_eq!(action["variant"], "partner");
    assert_eq!(action["method"], "POST");
    assert_eq!(
        action["path"],
        "/api/organizations/{org_id}/users/{user_id}/keys"
    );
    assert_eq!(action["repeat"], "only_if_refused");
    assert_eq!(
        action["query"],
        json!([{"name": "force", "input": "force", "omit_when": "false"}])
    );
    let inputs: Vec<&str> = action["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .filter_map(|i| i["key"].as_str())
        .collect();
    assert_eq!(inputs, ["org_id", "user_id", "force"]);
    let org = &action["inputs"][0];
    assert_eq!(
        (&org["required"], &org["secret"], &org["format"]),
        (&json!(true), &json!(false), &json!("uuid"))
    );
    assert!(org["pattern"].as_str().is_some_and(|p| p.starts_with('^')));
    let force = &action["inputs"][2];
    assert_eq!(
        (&force["required"], &force["format"], &force["default"]),
        (&json!(false), &json!("boolean"), &json!("false"))
    );
    assert_eq!(
        action["outputs"],
        json!([{
            "key": "api_key",
            "label": "API key",
            "description": "The new organization API key for the user. Shown once.",
            "secret": true,
        }])
    );
    assert_eq!(action["cautions"][0]["input"], "force");
    assert_eq!(action["cautions"][0]["when"], "true");

    // The same declarations `connector describe --json` and the catalog show, for every connector.
    for connector in connector_registry::all() {
        let id = connector.spec().id;
        let (_, list) = call(
            &hub,
            Method::GET,
            &format!("/api/v1/connectors/{id}/actions"),
            &key,
            None,
        )
        .await;
        let catalog = connector_docs::catalog_entry(*connector);
        let listed = list["actions"].as_array().expect("actions");
        let declared = catalog["actions"].as_array().expect("catalog actions");
        assert_eq!(listed.len(), declared.len(), "{id}");
        for (listed, declared) in listed.iter().zip(declared) {
            for member in ["id", "name", "description", "variant", "outputs"] {
                let declared = match member {
                    "outputs" => json!(declared["outputs"]
                        .as_array()
                        .expect("outputs")
                        .iter()
                        .map(|o| json!({"key": o["key"], "label": o["label"], "description": o["description"], "secret": o["secret"]}))
                        .collect::<Vec<_>>()),
                    _ => declared[member].clone(),
                };
                assert_eq!(listed[member], declared, "{id}: {member}");
            }
            let declared_inputs: Vec<&String> = declared["inputs"]["properties"]
                .as_object()
                .expect("input schema")
                .keys()
                .collect();
            let mut listed_inputs: Vec<&str> = listed["inputs"]
                .as_array()
                .expect("inputs")
                .iter()
                .filter_map(|i| i["key"].as_str())
                .collect();
            listed_inputs.sort_unstable();
            assert_eq!(
                listed_inputs,
                declared_inputs
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>(),
                "{id}"
            );
        }
    }
}

#[tokio::test]
async fn a_connector_without_actions_lists_none_and_an_unknown_one_is_404() {
    let hub = TestHub::start(&[]).await;
    let (response, list) = call(
        &hub,
        Method::GET,
        "/api/v1/connectors/lever/actions",
        &hub.admin_key,
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(list, json!({"connector": "lever", "actions": []}));
    let (response, body) = call(
        &hub,
        Method::GET,
        "/api/v1/connectors/polytomc/actions",
        &hub.admin_key,
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "not_found");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("polytomic")),
        "{body}"
    );
    let request = Request::get("/api/v1/connectors/polytomic/actions")
        .body(Body::empty())
        .expect("request");
    let (response, _) = send(&hub, request).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn running_create_api_key_answers_the_minted_key_once_and_audits_no_secret() {
    let fake = Polytomic::start().await;
    let hub = &fake.hub;
    let account = fake.link_partner().await;
    let (key_id, key) = hub.key_with("provisioning", &[Scope::ActionsExecute]).await;
    let (response, body) = run(
        hub,
        &account,
        "create-api-key",
        &key,
        json!({"inputs": {"org_id": ORG, "user_id": USER}}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK, "{body}");
    assert_eq!(
        response
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let tail = &fake.minted[fake.minted.len() - 4..];
    assert_eq!(body["account_id"], account.as_str());
    assert_eq!(body["connector"], "polytomic");
    assert_eq!(body["action"], "create-api-key");
    assert_eq!(body["variant"], "partner");
    assert_eq!(body["status"], "done");
    assert_eq!(body["http_status"], 200);
    assert_eq!(body["output"], json!({"api_key": format!("••••{tail}")}));
    assert_eq!(
        body["secret_outputs"],
        json!({"api_key": fake.minted.as_str()})
    );
    assert!(body["elapsed_ms"].is_u64() && body["warnings"].is_array());
    // Only the secret output carries the minted key.
    let mut rest = body.clone();
    rest.as_object_mut()
        .expect("object")
        .remove("secret_outputs");
    assert_hidden(&rest.to_string(), &fake.minted);
    assert_hidden(&body.to_string(), &fake.partner_key);
    assert_eq!(fake.posts().await, 1);

    let records = runs(hub, &account).await;
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["detail"], "create-api-key: done");
    let actor = records[0]["actor"].as_str().expect("actor");
    assert!(
        actor.contains("provisioning") && actor.contains(&key_id),
        "{actor}"
    );
    let (_, everything) = call(hub, Method::GET, "/api/v1/audit", &hub.admin_key, None).await;
    assert_hidden(&everything.to_string(), &fake.minted);
    assert_hidden(&everything.to_string(), &fake.partner_key);
    // Nor does the account, as the API shows it.
    let (_, shown) = call(
        hub,
        Method::GET,
        &format!("/api/v1/accounts/{account}"),
        &hub.admin_key,
        None,
    )
    .await;
    assert_hidden(&shown.to_string(), &fake.minted);
}

#[tokio::test]
async fn inputs_take_what_connector_run_takes_and_a_caution_comes_back_as_a_warning() {
    let fake = Polytomic::start().await;
    let hub = &fake.hub;
    let account = fake.link_partner().await;
    let (response, body) = run(
        hub,
        &account,
        "create-api-key",
        &hub.admin_key,
        json!({"inputs": {"org_id": ORG, "user_id": USER, "force": true}}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK, "{body}");
    assert_eq!(body["status"], "done");
    let warnings = body["warnings"].to_string();
    assert!(warnings.contains("force revokes"), "{warnings}");
    let sent = fake.server.received_requests().await.unwrap_or_default();
    let post = sent
        .iter()
        .find(|r| r.method.as_str() == "POST")
        .expect("the POST");
    assert_eq!(post.url.query(), Some("force=true"));
}

#[tokio::test]
async fn every_other_scope_is_refused_with_403_and_nothing_runs() {
    let fake = Polytomic::start().await;
    let hub = &fake.hub;
    let account = fake.link_partner().await;
    for scope in Scope::ALL {
        if scope == Scope::ActionsExecute {
            continue;
        }
        let (_, key) = hub.key_with(scope.as_str(), &[scope]).await;
        let (response, body) = run(
            hub,
            &account,
            "create-api-key",
            &key,
            json!({"inputs": {"org_id": ORG, "user_id": USER}}),
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{scope:?}: {body}"
        );
        assert_eq!(code(&body), "insufficient_scope");
        assert!(body.to_string().contains("actions:execute"), "{body}");
    }
    assert_eq!(fake.posts().await, 0);
    assert!(runs(hub, &account).await.is_empty());
}

#[tokio::test]
async fn invalid_inputs_are_422_naming_the_field_with_nothing_sent() {
    let fake = Polytomic::start().await;
    let hub = &fake.hub;
    let account = fake.link_partner().await;
    for (inputs, field) in [
        (json!({"org_id": "../../admin", "user_id": USER}), "org_id"),
        (json!({"org_id": ORG}), "user_id"),
        (json!({"org_id": ORG, "user_id": [USER]}), "user_id"),
        (
            json!({"org_id": ORG, "user_id": USER, "force": "maybe"}),
            "force",
        ),
    ] {
        let (response, body) = run(
            hub,
            &account,
            "create-api-key",
            &hub.admin_key,
            json!({ "inputs": inputs }),
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{inputs}: {body}"
        );
        assert_eq!(code(&body), "invalid_input", "{body}");
        let message = body["error"]["message"].as_str().expect("message");
        assert!(message.contains(field), "{field}: {message}");
        assert_eq!(body["report"]["status"], "invalid_input");
        assert_eq!(body["report"]["message"], message);
        assert_eq!(body["report"]["secret_outputs"], json!({}));
    }
    // Without inputs at all.
    let (response, body) = run(hub, &account, "create-api-key", &hub.admin_key, json!({})).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("org_id")));
    assert_eq!(fake.posts().await, 0);
    let records = runs(hub, &account).await;
    assert_eq!(records.len(), 5);
    assert!(records
        .iter()
        .all(|r| r["detail"] == "create-api-key: invalid_input"));
    // A body that does not fit is refused before any run.
    let (response, body) = run(
        hub,
        &account,
        "create-api-key",
        &hub.admin_key,
        json!({"input": {"org_id": ORG}}),
    )
    .await;
    assert_eq!(
        (response.status(), code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body")
    );
    assert_eq!(runs(hub, &account).await.len(), 5);
}

#[tokio::test]
async fn an_unknown_action_or_account_is_404_and_nothing_runs() {
    let fake = Polytomic::start().await;
    let hub = &fake.hub;
    let account = fake.link_partner().await;
    let asked = "delete-every-organization";
    let (response, body) = run(hub, &account, asked, &hub.admin_key, json!({})).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "unknown_action");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(message.contains("create-api-key"), "{message}");
    assert!(!message.contains(asked), "{message}");
    let (response, body) = run(
        hub,
        "acc_missing",
        "create-api-key",
        &hub.admin_key,
        json!({"inputs": {"org_id": ORG, "user_id": USER}}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "not_found");
    assert!(body.get("report").is_none(), "{body}");
    assert_eq!(fake.posts().await, 0);
    assert!(runs(hub, &account).await.is_empty());
}

#[tokio::test]
async fn the_actions_own_not_found_is_404_with_its_report() {
    let fake = Polytomic::start().await;
    let hub = &fake.hub;
    let account = fake.link_partner().await;
    let (response, body) = run(
        hub,
        &account,
        "create-api-key",
        &hub.admin_key,
        json!({"inputs": {"org_id": ORG, "user_id": UNKNOWN_USER}}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "{body}");
    assert_eq!(code(&body), "not_found");
    assert_eq!(body["report"]["status"], "not_found");
    assert_eq!(body["report"]["http_status"], 404);
    assert_eq!(body["report"]["account_id"], account.as_str());
    assert_eq!(body["error"]["message"], body["report"]["message"]);
    assert_eq!(
        runs(hub, &account).await[0]["detail"],
        "create-api-key: not_found"
    );
}

#[tokio::test]
async fn a_provider_failure_is_answered_200_with_its_status_and_the_request_is_not_repeated() {
    let fake = Polytomic::start().await;
    let hub = &fake.hub;
    let account = fake.link_partner().await;
    let (response, body) = run(
        hub,
        &account,
        "create-api-key",
        &hub.admin_key,
        json!({"inputs": {"org_id": ORG, "user_id": FAILING_USER}}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK, "{body}");
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["http_status"], 500);
    assert_eq!(body["secret_outputs"], json!({}));
    assert_eq!(fake.posts().await, 1, "a minting POST is never sent twice");
    assert_eq!(
        runs(hub, &account).await[0]["detail"],
        "create-api-key: unavailable"
    );
}

#[tokio::test]
async fn an_account_whose_credentials_do_not_open_runs_nothing_and_is_marked_sealed() {
    let fake = Polytomic::start().await;
    let hub = &fake.hub;
    let account = fake.link_partner().await;
    hub.execute(&format!(
        "UPDATE accounts SET ciphertext = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE id = '{account}'"
    ))
    .await;
    let (response, body) = run(
        hub,
        &account,
        "create-api-key",
        &hub.admin_key,
        json!({"inputs": {"org_id": ORG, "user_id": USER}}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(code(&body), "sealed_credentials");
    assert_eq!(
        hub.hub.account(&account).await.expect("account").status,
        "sealed"
    );
    assert_eq!(fake.posts().await, 0);
    assert!(runs(hub, &account).await.is_empty());
}

#[test]
fn debug_never_shows_an_input_or_a_secret_output() {
    let secret = "minted-secret-0123456789abcdef";
    let body: connector_hub::http::api::actions::RunAction =
        serde_json::from_value(json!({"inputs": {"token": secret}})).expect("body");
    assert_hidden(&format!("{body:?}"), secret);
    let run = connector_hub::http::api::actions::ActionRunView {
        account_id: "acc_1".to_owned(),
        connector: "polytomic".to_owned(),
        action: "create-api-key".to_owned(),
        variant: "partner".to_owned(),
        status: "done".to_owned(),
        http_status: Some(200),
        message: String::new(),
        warnings: Vec::new(),
        output: None,
        elapsed_ms: 1,
        secret_outputs: BTreeMap::from([("api_key".to_owned(), secret.to_owned().into())]),
    };
    assert_hidden(&format!("{run:?}"), secret);
}
