//! The MCP server with clients nobody here wrote: rmcp's own client over Streamable HTTP (`/mcp`
//! on a served hub) and over stdio (the real `connector-hub mcp`), and the official Python SDK
//! (`tests/python/mcp_client.py`, when `CONNECTOR_HUB_TEST_PYTHON` names a Python that has it).
//! Tools are listed by the key's scopes, a call without its scope is a tool error naming it, the
//! tools act through the hub against loopback fakes, no answer holds a run of a stored secret,
//! and every call leaves an `mcp.tool` audit record.

#![cfg(unix)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;

use connector_hub::hubkey::Scope;
use connector_hub::keyring::write_key_file;
use connector_hub::settings::UrlSetting;
use rmcp::model::{CallToolRequestParams, CallToolResult, ReadResourceRequestParams};
use rmcp::service::RunningService;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{ConfigureCommandExt, StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::actions::{Polytomic, ORG, USER};
use crate::support::{assert_hidden, fake_provider, fixtures_dir, scenario, FakeProvider, TestHub};

const BIN: &str = env!("CARGO_BIN_EXE_connector-hub");

type Client = RunningService<RoleClient, ()>;

/// An MCP session with the served hub at `addr`, over Streamable HTTP with `key`.
async fn over_http(addr: SocketAddr, key: &str) -> Client {
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(format!("http://{addr}/mcp"))
            .auth_header(key),
    );
    ().serve(transport).await.expect("an MCP session over HTTP")
}

/// The environment that gives another hub process `hub`'s settings: where its connectors are
/// sent, its public URL.
fn hub_env(hub: &TestHub) -> Vec<(String, String)> {
    let mut env = Vec::new();
    if let Some(url) = &hub.hub.settings.public_url {
        env.push(("CONNECTOR_HUB__PUBLIC_URL".to_owned(), url.clone()));
    }
    for (id, setting) in &hub.hub.settings.base_urls {
        let id = id.to_ascii_uppercase().replace('-', "_");
        match setting {
            UrlSetting::Api(url) => {
                env.push((format!("CONNECTOR_HUB__BASE_URLS__{id}"), url.clone()))
            }
            UrlSetting::Slots(slots) => {
                for (slot, url) in slots {
                    env.push((
                        format!(
                            "CONNECTOR_HUB__BASE_URLS__{id}__{}",
                            slot.to_ascii_uppercase().replace('-', "_")
                        ),
                        url.clone(),
                    ));
                }
            }
        }
    }
    env
}

/// The master key file of `hub`, for another process on its database.
fn key_file(hub: &TestHub) -> PathBuf {
    let file = hub.dir.path().join("mcp-test.key");
    if !file.exists() {
        write_key_file(&file, &[&hub.master]).expect("key file");
    }
    file
}

/// `connector-hub mcp` on `hub`'s database and master key, with `key` in `CONNECTOR_HUB_KEY`.
fn stdio_command(hub: &TestHub, key: Option<&str>) -> tokio::process::Command {
    let key_file = key_file(hub);
    tokio::process::Command::new(BIN).configure(|cmd| {
        cmd.arg("mcp")
            .arg("--database")
            .arg(&hub.hub.settings.database)
            .arg("--master-key-file")
            .arg(&key_file)
            .current_dir(hub.dir.path())
            .env_remove(connector_hub::crypto::MASTER_KEY_ENV)
            .env_remove("CONNECTOR_HUB_KEY")
            .env("RUST_LOG", "warn");
        if let Some(key) = key {
            cmd.env("CONNECTOR_HUB_KEY", key);
        }
        for (name, value) in hub_env(hub) {
            cmd.env(name, value);
        }
    })
}

/// An MCP session with a `connector-hub mcp` child process acting with `key`.
async fn over_stdio(hub: &TestHub, key: &str) -> Client {
    let (transport, _) = TokioChildProcess::builder(stdio_command(hub, Some(key)))
        .stderr(Stdio::inherit())
        .spawn()
        .expect("connector-hub mcp starts");
    ().serve(transport)
        .await
        .expect("an MCP session over stdio")
}

/// Calls `tool` with `arguments`; the result must be a tool result, never a protocol error.
async fn call(client: &Client, tool: &str, arguments: Value) -> CallToolResult {
    let arguments = arguments.as_object().cloned().unwrap_or_default();
    client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments))
        .await
        .unwrap_or_else(|e| panic!("{tool}: a protocol error instead of a tool result: {e}"))
}

/// A successful call's structured answer (also the text content, as JSON).
fn answer(result: &CallToolResult) -> Value {
    assert_ne!(result.is_error, Some(true), "a tool error: {result:?}");
    let value = result
        .structured_content
        .clone()
        .expect("structured content");
    let text = result.content[0]
        .as_text()
        .expect("text content")
        .text
        .clone();
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("JSON text"),
        value
    );
    value
}

/// A failed call's error code and message.
fn tool_error(result: &CallToolResult) -> (String, String) {
    assert_eq!(result.is_error, Some(true), "not a tool error: {result:?}");
    let error = &result
        .structured_content
        .as_ref()
        .expect("structured error")["error"];
    let text = &result.content[0].as_text().expect("text content").text;
    let message = error["message"].as_str().expect("message").to_owned();
    assert!(text.contains(&message), "{text}");
    (error["code"].as_str().expect("code").to_owned(), message)
}

async fn tool_names(client: &Client) -> BTreeSet<String> {
    client
        .list_all_tools()
        .await
        .expect("tools/list")
        .into_iter()
        .map(|t| t.name.into_owned())
        .collect()
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// The tools a key with `scopes` should see.
fn expected_tools(scopes: &[Scope]) -> BTreeSet<String> {
    let mut tools = names(&["list_connectors"]);
    for (scope, list) in [
        (Scope::AccountsRead, &["list_accounts", "get_account"][..]),
        (Scope::AccountsWrite, &["verify_account"][..]),
        (Scope::ConnectSessionsWrite, &["create_connect_session"][..]),
        (Scope::ActionsExecute, &["run_action"][..]),
        (Scope::Proxy, &["proxy_request"][..]),
    ] {
        if scopes.contains(&scope) {
            tools.extend(names(list));
        }
    }
    tools
}

/// Every stored secret of a fake's accounts.
fn secrets(fake: &FakeProvider) -> Vec<String> {
    let spec = connector_registry::find(fake.id).expect("connector").spec();
    let variant = spec.default_variant();
    fake.good
        .iter()
        .chain(fake.revoked.iter())
        .filter(|(k, _)| variant.field(k).is_some_and(|f| f.secret))
        .map(|(_, v)| v.clone())
        .collect()
}

/// The `mcp.tool` audit records of `account` (or of the hub when `None`).
async fn mcp_records(hub: &TestHub, account: Option<&str>) -> Vec<(String, String)> {
    hub.hub
        .audit(account, 500)
        .await
        .expect("audit")
        .into_iter()
        .filter(|r| r.action == "mcp.tool")
        .map(|r| (r.actor, r.detail))
        .collect()
}

#[tokio::test]
async fn tools_are_listed_by_the_keys_scopes_over_both_transports() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start(&[&lever]).await;
    let addr = hub.serve().await;
    let mut cases: Vec<(Vec<Scope>, &str)> = Scope::ALL.iter().map(|s| (vec![*s], "one")).collect();
    cases.push((Scope::ADMIN.to_vec(), "admin"));
    cases.push((Scope::ALL.to_vec(), "every scope"));
    for (scopes, name) in &cases {
        let (_, key) = hub.key_with(name, scopes).await;
        let client = over_http(addr, &key).await;
        let listed = tool_names(&client).await;
        assert_eq!(listed, expected_tools(scopes), "over HTTP with {scopes:?}");
        // No tool hands out credentials, even to a key holding `credentials:read`.
        assert!(
            listed.iter().all(|t| !t.contains("credential")),
            "{listed:?}"
        );
        client.cancel().await.expect("close");
    }
    for scopes in [vec![Scope::AccountsRead], Scope::ADMIN.to_vec()] {
        let (_, key) = hub.key_with("stdio", &scopes).await;
        let client = over_stdio(&hub, &key).await;
        assert_eq!(
            tool_names(&client).await,
            expected_tools(&scopes),
            "over stdio"
        );
        client.cancel().await.expect("close");
    }

    // Each tool says what it does, for a model, and has an object schema from its Rust type.
    let client = over_http(addr, &hub.admin_key).await;
    let tools = client.list_all_tools().await.expect("tools/list");
    for tool in &tools {
        let description = tool.description.as_deref().unwrap_or_default();
        assert!(
            description.len() > 40 && description.len() < 500,
            "{}: {description}",
            tool.name
        );
        assert_eq!(tool.input_schema["type"], "object", "{}", tool.name);
    }
    let proxy = tools
        .iter()
        .find(|t| t.name == "proxy_request")
        .expect("proxy_request");
    let properties = proxy.input_schema["properties"]
        .as_object()
        .expect("properties");
    for field in ["account_id", "method", "path", "query", "headers", "body"] {
        assert!(
            properties.contains_key(field),
            "proxy_request lacks `{field}`"
        );
    }
    client.cancel().await.expect("close");
}

#[tokio::test]
async fn a_call_without_its_scope_is_a_tool_error_naming_the_scope() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start(&[&lever]).await;
    let account = hub.link("lever", "customer-42", &lever.good).await;
    let addr = hub.serve().await;
    let (key_id, key) = hub.key_with("reader", &[Scope::AccountsRead]).await;
    let client = over_http(addr, &key).await;
    for (tool, arguments, scope) in [
        (
            "verify_account",
            json!({"account_id": account}),
            "accounts:write",
        ),
        (
            "proxy_request",
            json!({"account_id": account, "path": "v1/users"}),
            "proxy",
        ),
        (
            "run_action",
            json!({"account_id": account, "action": "create-api-key"}),
            "actions:execute",
        ),
        (
            "create_connect_session",
            json!({"owner": "customer-42"}),
            "connect_sessions:write",
        ),
    ] {
        let result = call(&client, tool, arguments).await;
        let (code, message) = tool_error(&result);
        assert_eq!(code, "insufficient_scope", "{tool}");
        assert!(message.contains(&format!("`{scope}`")), "{tool}: {message}");
    }
    let requests = lever.server.received_requests().await.unwrap_or_default();
    assert_eq!(
        requests.len(),
        1,
        "only the check that linked the account reached Lever"
    );
    // Refused calls are audited too, naming the key and the tool.
    let records = mcp_records(&hub, Some(&account)).await;
    assert!(
        records.iter().any(|(actor, detail)| actor.contains(&key_id)
            && detail == "verify_account: refused: insufficient_scope"),
        "{records:?}"
    );
    // An unknown tool is the protocol's own error, not a crash.
    let unknown = client
        .call_tool(CallToolRequestParams::new("read_credentials"))
        .await;
    assert!(unknown.is_err());
    assert_eq!(
        call(&client, "list_connectors", json!({})).await.is_error,
        Some(false)
    );
    client.cancel().await.expect("close");
}

#[tokio::test]
async fn account_tools_read_and_verify_against_the_fake_and_no_answer_holds_a_secret() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start(&[&lever]).await;
    let account = hub.link("lever", "customer-42", &lever.good).await;
    let other = hub.link("lever", "customer-7", &lever.good).await;
    let addr = hub.serve().await;
    let (key_id, key) = hub
        .key_with("agent", &[Scope::AccountsRead, Scope::AccountsWrite])
        .await;
    let mut seen = String::new();
    for transport in ["http", "stdio"] {
        let client = match transport {
            "http" => over_http(addr, &key).await,
            _ => over_stdio(&hub, &key).await,
        };
        let page = answer(
            &call(
                &client,
                "list_accounts",
                json!({"owner": "customer-42", "limit": 10}),
            )
            .await,
        );
        let accounts = page["accounts"].as_array().expect("accounts");
        assert_eq!(accounts.len(), 1, "{page}");
        assert_eq!(accounts[0]["id"], account.as_str());
        assert_eq!(accounts[0]["status"], "verified");
        assert!(accounts[0]["key"]
            .as_str()
            .expect("masked")
            .starts_with("••••"));
        seen.push_str(&page.to_string());

        let first = answer(&call(&client, "list_accounts", json!({"limit": 1})).await);
        let cursor = first["next_cursor"].as_str().expect("a next page");
        let second = answer(
            &call(
                &client,
                "list_accounts",
                json!({"limit": 1, "cursor": cursor}),
            )
            .await,
        );
        let both: BTreeSet<&str> = [&first, &second]
            .iter()
            .map(|p| p["accounts"][0]["id"].as_str().expect("id"))
            .collect();
        assert_eq!(both, BTreeSet::from([account.as_str(), other.as_str()]));

        let one = answer(&call(&client, "get_account", json!({"account_id": account})).await);
        assert_eq!(one["connector"], "lever");
        assert_eq!(one["owner"], "customer-42");
        seen.push_str(&one.to_string());

        let checked =
            answer(&call(&client, "verify_account", json!({"account_id": account})).await);
        assert_eq!(checked["check"]["status"], "verified", "{checked}");
        assert_eq!(checked["account"]["id"], account.as_str());
        seen.push_str(&checked.to_string());

        let (code, message) =
            tool_error(&call(&client, "get_account", json!({"account_id": "acc_nope"})).await);
        assert_eq!(code, "not_found");
        assert!(message.contains("list_accounts"), "{message}");
        let (code, _) = tool_error(&call(&client, "list_accounts", json!({"limit": "ten"})).await);
        assert_eq!(code, "invalid_arguments");
        client.cancel().await.expect("close");
    }

    // The provider now refuses the stored key: the re-verification says so, with advice.
    lever
        .accept_only(&lever.revoked, std::time::Duration::ZERO)
        .await;
    let client = over_http(addr, &key).await;
    let checked = answer(&call(&client, "verify_account", json!({"account_id": account})).await);
    assert_eq!(checked["check"]["status"], "rejected", "{checked}");
    assert_eq!(checked["account"]["status"], "rejected");
    assert!(checked["check"]["advice"].is_string(), "{checked}");
    seen.push_str(&checked.to_string());
    client.cancel().await.expect("close");

    for secret in secrets(&lever) {
        assert_hidden(&seen, &secret);
    }
    let records = mcp_records(&hub, Some(&account)).await;
    for tool in ["get_account: ok", "verify_account: ok"] {
        assert!(
            records
                .iter()
                .any(|(actor, detail)| actor.contains(&key_id) && detail == tool),
            "no `{tool}` record: {records:?}"
        );
    }
    let hub_records = mcp_records(&hub, None).await;
    assert!(
        hub_records.iter().any(|(_, d)| d == "list_accounts: ok"),
        "{hub_records:?}"
    );
}

/// A provider that answers what it received, the credential included, so the tool's redaction
/// shows.
struct Echo;

impl wiremock::Respond for Echo {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let headers: BTreeMap<String, String> = request
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "method": request.method.as_str(),
            "path": request.url.path(),
            "query": request.url.query(),
            "headers": headers,
            "body": String::from_utf8_lossy(&request.body),
        }))
    }
}

#[tokio::test]
async fn proxy_request_returns_the_providers_answer_cut_and_masked() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start(&[&lever]).await;
    let account = hub.link("lever", "customer-42", &lever.good).await;
    let addr = hub.serve().await;
    let (key_id, key) = hub.key_with("proxy", &[Scope::Proxy]).await;
    let recorded = scenario(
        connector_testkit::fixture::Fixtures::load(&fixtures_dir()).for_connector("lever"),
        "valid-key",
        "lever",
    )
    .responses[0]
        .body
        .clone()
        .expect("recorded body");
    let mut seen = String::new();
    for transport in ["http", "stdio"] {
        let client = match transport {
            "http" => over_http(addr, &key).await,
            _ => over_stdio(&hub, &key).await,
        };
        let answer_ = answer(
            &call(
                &client,
                "proxy_request",
                json!({"account_id": account, "path": "/users", "query": {"limit": 1}}),
            )
            .await,
        );
        assert_eq!(answer_["status"], 200, "{answer_}");
        assert_eq!(answer_["body_format"], "json");
        assert_eq!(answer_["body"], recorded);
        assert_eq!(answer_["truncated"], false);
        seen.push_str(&answer_.to_string());
        let (code, _) = tool_error(
            &call(
                &client,
                "proxy_request",
                json!({"account_id": account, "path": "users/../../admin"}),
            )
            .await,
        );
        assert_eq!(code, "path_refused");
        client.cancel().await.expect("close");
    }

    // Now the provider echoes what it receives, and has a large export.
    lever.server.reset().await;
    Mock::given(path("/v1/echo/this"))
        .respond_with(Echo)
        .mount(&lever.server)
        .await;
    let big = "x".repeat(600 * 1024);
    Mock::given(method("GET"))
        .and(path("/v1/export"))
        .respond_with(ResponseTemplate::new(200).set_body_string(big))
        .mount(&lever.server)
        .await;
    let client = over_http(addr, &key).await;
    let echoed = answer(
        &call(
            &client,
            "proxy_request",
            json!({
                "account_id": account, "method": "POST", "path": "echo/this",
                "query": {"tag": ["a b", "c"], "n": 2}, "headers": {"x-trace": "t-1"},
                "body": {"name": "Grace"},
            }),
        )
        .await,
    );
    assert_eq!(echoed["status"], 200, "{echoed}");
    let body = &echoed["body"];
    assert_eq!(body["method"], "POST");
    assert_eq!(body["query"], "n=2&tag=a%20b&tag=c");
    assert_eq!(body["headers"]["x-trace"], "t-1");
    assert_eq!(body["headers"]["content-type"], "application/json");
    assert_eq!(body["body"], r#"{"name":"Grace"}"#);
    // The provider echoed the credential: the agent gets it masked, and is told so.
    assert!(body["headers"]["authorization"].is_string(), "{echoed}");
    assert!(echoed["redacted"].is_string(), "{echoed}");
    seen.push_str(&echoed.to_string());

    let export = answer(
        &call(
            &client,
            "proxy_request",
            json!({"account_id": account, "path": "export"}),
        )
        .await,
    );
    assert_eq!(export["truncated"], true);
    assert_eq!(export["body_bytes"], 600 * 1024);
    assert_eq!(
        export["body"].as_str().expect("text").len(),
        256 * 1024,
        "cut at the limit"
    );
    assert!(export["note"]
        .as_str()
        .expect("note")
        .contains("614400 bytes"));
    client.cancel().await.expect("close");

    for secret in secrets(&lever) {
        assert_hidden(&seen, &secret);
    }
    let records = mcp_records(&hub, Some(&account)).await;
    assert!(
        records
            .iter()
            .any(|(actor, detail)| actor.contains(&key_id) && detail == "proxy_request: GET: 200"),
        "{records:?}"
    );
    assert!(
        records
            .iter()
            .any(|(_, detail)| detail == "proxy_request: GET: refused: path_refused"),
        "{records:?}"
    );
}

#[tokio::test]
async fn create_connect_session_returns_a_url_a_person_opens() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start(&[&lever]).await;
    let addr = hub.serve().await;
    let (_, key) = hub
        .key_with("sessions", &[Scope::ConnectSessionsWrite])
        .await;
    let client = over_http(addr, &key).await;
    let created = answer(
        &call(
            &client,
            "create_connect_session",
            json!({"owner": "customer-42", "connectors": ["lever"]}),
        )
        .await,
    );
    let url = created["url"].as_str().expect("url");
    assert!(
        url.starts_with(&format!("http://{addr}/connect/cs_")),
        "{created}"
    );
    assert_eq!(created["owner"], "customer-42");
    assert_eq!(created["connectors"], json!(["lever"]));
    assert!(
        created["url_note"].is_string(),
        "public_url is unset: {created}"
    );
    let page = reqwest::get(url).await.expect("connect page");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("page").contains("Lever"));

    let (code, message) = tool_error(
        &call(
            &client,
            "create_connect_session",
            json!({"owner": "c", "connectors": ["nope"]}),
        )
        .await,
    );
    assert_eq!(code, "invalid_request", "{message}");
    client.cancel().await.expect("close");

    // With `public_url`, links use it.
    let hub = TestHub::start_with(&[&lever], |s| {
        s.public_url = Some("https://hub.example.com/".to_owned());
    })
    .await;
    let (_, key) = hub
        .key_with("sessions", &[Scope::ConnectSessionsWrite])
        .await;
    let client = over_stdio(&hub, &key).await;
    let created = answer(
        &call(
            &client,
            "create_connect_session",
            json!({"owner": "customer-42"}),
        )
        .await,
    );
    assert!(
        created["url"]
            .as_str()
            .expect("url")
            .starts_with("https://hub.example.com/connect/cs_"),
        "{created}"
    );
    assert!(created.get("url_note").is_none());
    client.cancel().await.expect("close");
}

#[tokio::test]
async fn run_action_returns_a_minted_key_once_marked_secret() {
    let polytomic = Polytomic::start().await;
    let hub = &polytomic.hub;
    let account = polytomic.link_partner().await;
    let addr = hub.serve().await;
    let (key_id, key) = hub.key_with("actions", &[Scope::ActionsExecute]).await;
    for transport in ["http", "stdio"] {
        let client = match transport {
            "http" => over_http(addr, &key).await,
            _ => over_stdio(hub, &key).await,
        };
        let run = answer(
            &call(
                &client,
                "run_action",
                json!({
                    "account_id": account, "action": "create-api-key",
                    "inputs": {"org_id": ORG, "user_id": USER, "force": false},
                }),
            )
            .await,
        );
        assert_eq!(run["status"], "done", "{run}");
        assert_eq!(run["secret_outputs"]["api_key"], polytomic.minted.as_str());
        assert!(
            run["secret_outputs_notice"]
                .as_str()
                .expect("marked")
                .starts_with("SECRET"),
            "{run}"
        );
        let masked = run["output"]["api_key"].as_str().expect("masked output");
        assert!(masked.starts_with("••••"), "{masked}");
        assert_hidden(&run.to_string(), &polytomic.partner_key);

        let refused = call(
            &client,
            "run_action",
            json!({"account_id": account, "action": "create-api-key", "inputs": {"org_id": "x"}}),
        )
        .await;
        let (code, message) = tool_error(&refused);
        assert_eq!(code, "invalid_input", "{message}");
        let (code, message) = tool_error(
            &call(
                &client,
                "run_action",
                json!({"account_id": account, "action": "nope"}),
            )
            .await,
        );
        assert_eq!(code, "unknown_action");
        assert!(message.contains("create-api-key"), "{message}");
        client.cancel().await.expect("close");
    }
    // Audited, without the minted key.
    let records = mcp_records(hub, Some(&account)).await;
    assert!(
        records.iter().any(|(actor, detail)| actor.contains(&key_id)
            && detail == "run_action: create-api-key: done"),
        "{records:?}"
    );
    let all = format!("{:?}", hub.hub.audit(None, 500).await.expect("audit"));
    assert_hidden(&all, &polytomic.minted);
}

#[tokio::test]
async fn connector_guides_are_markdown_resources() {
    let hub = TestHub::start(&[]).await;
    let addr = hub.serve().await;
    let (_, key) = hub.key_with("any", &[Scope::CredentialsRead]).await;
    let client = over_http(addr, &key).await;
    let resources = client.list_all_resources().await.expect("resources/list");
    assert_eq!(resources.len(), connector_registry::all().len());
    let lever = resources
        .iter()
        .find(|r| r.uri == "connector://lever/guide")
        .expect("lever's guide");
    assert_eq!(lever.mime_type.as_deref(), Some("text/markdown"));
    let read = client
        .read_resource(ReadResourceRequestParams::new("connector://lever/guide"))
        .await
        .expect("resources/read");
    let text = match &read.contents[0] {
        rmcp::model::ResourceContents::TextResourceContents {
            text, mime_type, ..
        } => {
            assert_eq!(mime_type.as_deref(), Some("text/markdown"));
            text.clone()
        }
        other => panic!("not text: {other:?}"),
    };
    assert!(text.starts_with("# Lever"), "{text}");
    assert!(text.contains("API key"), "{text}");
    assert!(client
        .read_resource(ReadResourceRequestParams::new("connector://nope/guide"))
        .await
        .is_err());
    client.cancel().await.expect("close");
}

#[tokio::test]
async fn mcp_over_http_answers_the_apis_401_and_keeps_sessions_to_their_key() {
    let hub = TestHub::start_with(&[], |s| s.auth_failures_per_minute = 3).await;
    let addr = hub.serve().await;
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/mcp");
    let initialize = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "raw", "version": "1"}},
    });
    let post = |key: Option<&str>, session: Option<&str>, body: &Value| {
        let mut request = http
            .post(&url)
            .header("accept", "application/json, text/event-stream")
            .json(body);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(session) = session {
            request = request.header("mcp-session-id", session);
        }
        request.send()
    };
    for (key, code) in [(None, "missing_key"), (Some("chub_notakey"), "invalid_key")] {
        let response = post(key, None, &initialize).await.expect("answer");
        assert_eq!(response.status(), 401);
        assert!(response.headers().contains_key("www-authenticate"));
        let body: Value = response.json().await.expect("JSON error");
        assert_eq!(body["error"]["code"], code);
    }
    // The same limiter as the API: past the limit, failures get 429; a valid key still works.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            post(Some("chub_notakey"), None, &initialize)
                .await
                .expect("answer")
                .status(),
        );
    }
    assert_eq!(
        statuses.last().map(|s| s.as_u16()),
        Some(429),
        "{statuses:?}"
    );

    let (_, revoked_key) = hub.key_with("soon revoked", &[Scope::AccountsRead]).await;
    let opened = post(Some(&hub.admin_key), None, &initialize)
        .await
        .expect("initialize");
    assert_eq!(opened.status(), 200);
    let session = opened
        .headers()
        .get("mcp-session-id")
        .expect("a session")
        .to_str()
        .expect("text")
        .to_owned();
    // Another key cannot use this session.
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let stolen = post(Some(&revoked_key), Some(&session), &list)
        .await
        .expect("answer");
    assert_eq!(stolen.status(), 404);
    let body: Value = stolen.json().await.expect("JSON error");
    assert_eq!(body["error"]["code"], "unknown_session");

    // A key revoked mid-session is refused at its next request.
    let client = over_http(addr, &revoked_key).await;
    assert_eq!(tool_names(&client).await.len(), 3);
    let id = hub
        .hub
        .list_keys()
        .await
        .expect("keys")
        .into_iter()
        .find(|k| k.name == "soon revoked")
        .expect("key")
        .id;
    hub.hub.revoke_key(&id, "test").await.expect("revoke");
    assert!(client.list_all_tools().await.is_err());
}

#[tokio::test]
async fn connector_hub_mcp_needs_a_working_key_before_speaking() {
    let hub = TestHub::start(&[]).await;
    for key in [None, Some("chub_notakey")] {
        let out = stdio_command(&hub, key)
            .stdin(Stdio::null())
            .output()
            .await
            .expect("runs");
        assert!(!out.status.success());
        assert!(out.stdout.is_empty(), "nothing but protocol on stdout");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("CONNECTOR_HUB_KEY"), "{stderr}");
    }
    // A key revoked while the agent runs stops working at its next call.
    let (id, key) = hub.key_with("agent", &[Scope::AccountsRead]).await;
    let client = over_stdio(&hub, &key).await;
    assert_eq!(
        answer(&call(&client, "list_accounts", json!({})).await)["accounts"],
        json!([])
    );
    hub.hub.revoke_key(&id, "test").await.expect("revoke");
    let (code, _) = tool_error(&call(&client, "list_accounts", json!({})).await);
    assert_eq!(code, "key_revoked");
    client.cancel().await.expect("close");
}

/// The official Python SDK against both transports: `tests/python/mcp_client.py` with the
/// Python `CONNECTOR_HUB_TEST_PYTHON` names (`.ci/run` makes one with `mcp` installed). Skipped
/// with a note when unset, except under `CI`.
#[tokio::test]
async fn the_python_sdk_drives_both_transports() {
    let Some(python) = std::env::var_os("CONNECTOR_HUB_TEST_PYTHON").filter(|p| !p.is_empty())
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CONNECTOR_HUB_TEST_PYTHON must name a Python with the `mcp` package in CI (.ci/run \
             makes one)"
        );
        eprintln!(
            "skipped: set CONNECTOR_HUB_TEST_PYTHON to a Python with the `mcp` package to run the \
             Python SDK test"
        );
        return;
    };
    let lever = fake_provider("lever").await;
    let hub = TestHub::start(&[&lever]).await;
    let account = hub.link("lever", "customer-42", &lever.good).await;
    let addr = hub.serve().await;
    let mut keys = BTreeMap::new();
    for (name, scopes) in [
        ("admin", Scope::ADMIN.to_vec()),
        ("reader", vec![Scope::AccountsRead]),
        ("writer", vec![Scope::AccountsRead, Scope::AccountsWrite]),
        ("proxy", vec![Scope::Proxy]),
        ("credentials", vec![Scope::CredentialsRead]),
    ] {
        let (_, key) = hub.key_with(name, &scopes).await;
        keys.insert(name, json!({"key": key, "tools": expected_tools(&scopes)}));
    }
    let mut env: BTreeMap<String, String> = hub_env(&hub).into_iter().collect();
    env.insert("RUST_LOG".to_owned(), "warn".to_owned());
    let config = json!({
        "http_url": format!("http://{addr}/mcp"),
        "stdio": {
            "command": BIN,
            "args": ["mcp", "--database", hub.hub.settings.database,
                     "--master-key-file", key_file(&hub)],
            "cwd": hub.dir.path(),
            "env": env,
        },
        "keys": keys,
        "account_id": account,
        "owner": "customer-42",
        "secrets": secrets(&lever),
    });
    let config_file = hub.dir.path().join("mcp-python.json");
    std::fs::write(&config_file, config.to_string()).expect("config");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/mcp_client.py");
    let out = tokio::process::Command::new(python)
        .arg(&script)
        .arg(&config_file)
        .env_remove("CONNECTOR_HUB_KEY")
        .env_remove(connector_hub::crypto::MASTER_KEY_ENV)
        .output()
        .await
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}");
    assert!(
        out.status.success(),
        "the Python SDK test failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("passed: stdio") && stdout.contains("passed: http"),
        "{stdout}"
    );
    let records = mcp_records(&hub, Some(&account)).await;
    assert!(
        records.iter().any(|(_, d)| d == "proxy_request: GET: 200"),
        "{records:?}"
    );
}
