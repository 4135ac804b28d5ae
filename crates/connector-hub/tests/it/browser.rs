//! The hub end to end in a real headless Chromium, driven through chromedriver with fantoccini:
//! a customer links an account from a connect session's link, a refused key keeps the form, an
//! operator unlinks, and a hub key made in the UI is shown once and refused once disabled.
//! Providers are loopback fakes built from the recorded fixtures.
//!
//! Needs `chromium` and `chromedriver` on PATH (Debian's `chromium` and `chromium-driver`;
//! `.ci/run` installs them). Without them the tests are skipped, except under `CI`, where they
//! fail. With `HUB_SCREENSHOTS=1` they save screenshots of the main pages to `docs/hub/`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::{assert_hidden, fake_provider, TestHub};
use connector_hub::service::LinkResult;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use secrecy::SecretString;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(15);

/// A chromedriver process, stopped on drop.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// A browser session, or `None` (skip) when Chromium is missing outside CI.
async fn browser() -> Option<(Driver, Client)> {
    let driver = on_path("chromedriver");
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| on_path(name));
    let (Some(driver), Some(chromium)) = (driver, chromium) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "Chromium and chromedriver are required in CI: apt-get install chromium chromium-driver"
        );
        eprintln!("skipped: chromium or chromedriver is not installed");
        return None;
    };
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        probe.local_addr().expect("addr").port()
    };
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,900", "--lang=en-US"],
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let started = std::time::Instant::now();
    loop {
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities.clone());
        match builder.connect(&url).await {
            Ok(client) => return Some((driver, client)),
            Err(e) if started.elapsed() > WAIT => panic!("chromedriver did not start: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Saves a screenshot to `docs/hub/<name>.png` when `HUB_SCREENSHOTS` is set.
async fn screenshot(client: &Client, name: &str) {
    if std::env::var_os("HUB_SCREENSHOTS").is_none() {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/hub");
    std::fs::create_dir_all(&dir).expect("docs/hub");
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}

async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} never appeared: {e}"))
}

async fn fill(client: &Client, css: &str, text: &str) {
    let input = wait_for(client, css).await;
    input.clear().await.expect("clear");
    input.send_keys(text).await.expect("type");
}

async fn sign_in(client: &Client, base: &str, key: &str) {
    client
        .goto(&format!("{base}/signin"))
        .await
        .expect("sign-in page");
    fill(client, "input[name=key]", key).await;
    wait_for(client, "#signin")
        .await
        .click()
        .await
        .expect("sign in");
    wait_for(client, "main h1").await;
}

async fn connect_session(addr: SocketAddr, key: &str, connectors: &[&str]) -> String {
    let answer: Value = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/connect-sessions"))
        .bearer_auth(key)
        .json(&json!({"owner": "customer-42", "connectors": connectors}))
        .send()
        .await
        .expect("session")
        .json()
        .await
        .expect("json");
    format!("http://{addr}{}", answer["url"].as_str().expect("url"))
}

async fn source(client: &Client) -> String {
    client.source().await.expect("page source")
}

#[tokio::test]
async fn a_customer_links_an_account_and_the_operator_sees_and_unlinks_it() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let (lever, ashby) = (fake_provider("lever").await, fake_provider("ashby").await);
    let hub = TestHub::start(&[&lever, &ashby]).await;
    let addr = hub.serve().await;
    let base = format!("http://{addr}");
    let good = lever.good["api_key"].clone();

    client
        .goto(&connect_session(addr, &hub.admin_key, &["lever", "ashby"]).await)
        .await
        .expect("open link");
    wait_for(&client, "#providers a[data-connector=ashby]").await;
    screenshot(&client, "connect-providers").await;
    wait_for(&client, "#providers a[data-connector=lever]")
        .await
        .click()
        .await
        .expect("choose");
    fill(&client, "input[name=api_key]", &good).await;
    fill(&client, "input[name=_label]", "Recruiting").await;
    let secret_type = wait_for(&client, "input[name=api_key]")
        .await
        .attr("type")
        .await
        .expect("attr");
    assert_eq!(secret_type.as_deref(), Some("password"));
    screenshot(&client, "connect-form").await;
    wait_for(&client, "#connect")
        .await
        .click()
        .await
        .expect("connect");
    let outcome = wait_for(&client, "#outcome[data-status=verified]").await;
    assert!(outcome.text().await.expect("text").contains("Connected"));
    assert!(!wait_for(&client, "#proves")
        .await
        .text()
        .await
        .expect("proves")
        .is_empty());
    assert_hidden(&source(&client).await, &good);
    screenshot(&client, "connect-verified").await;

    sign_in(&client, &base, &hub.admin_key).await;
    let row = wait_for(&client, "#accounts tr[data-connector=lever]").await;
    let row_text = row.text().await.expect("row");
    assert!(
        row_text.contains("customer-42")
            && row_text.contains("Recruiting")
            && row_text.contains("verified"),
        "{row_text}"
    );
    assert!(row_text.contains(&format!("••••{}", &good[good.len() - 4..])));
    let page = source(&client).await;
    assert_hidden(&page, &good);
    assert_hidden(&page, &hub.admin_key);
    screenshot(&client, "accounts").await;

    row.find(Locator::Css("a"))
        .await
        .expect("link")
        .click()
        .await
        .expect("open account");
    wait_for(&client, "#unlink").await;
    assert_hidden(&source(&client).await, &good);
    screenshot(&client, "account").await;
    wait_for(&client, "#unlink")
        .await
        .click()
        .await
        .expect("unlink");
    client.accept_alert().await.expect("confirm the unlink");
    wait_for(&client, "#notice").await;
    assert!(client
        .find(Locator::Css("#accounts tr[data-connector=lever]"))
        .await
        .is_err());
    assert!(hub
        .hub
        .store()
        .list_accounts(&Default::default(), None, 10)
        .await
        .expect("list")
        .is_empty());
    client.close().await.expect("close");
}

#[tokio::test]
async fn a_refused_key_shows_the_hint_and_keeps_only_the_public_fields() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let workable = fake_provider("workable").await;
    let hub = TestHub::start(&[&workable]).await;
    let addr = hub.serve().await;
    let refused = workable.revoked["api_key"].clone();

    client
        .goto(&connect_session(addr, &hub.admin_key, &["workable"]).await)
        .await
        .expect("open link");
    fill(&client, "input[name=subdomain]", "acme").await;
    fill(&client, "input[name=api_key]", &refused).await;
    fill(&client, "input[name=_label]", "Production").await;
    wait_for(&client, "#connect")
        .await
        .click()
        .await
        .expect("connect");
    wait_for(&client, "#outcome[data-status=rejected]").await;
    let advice = wait_for(&client, "#outcome-advice")
        .await
        .text()
        .await
        .expect("advice");
    assert!(!advice.is_empty());
    let value = |css: &'static str| {
        let client = &client;
        async move {
            wait_for(client, css)
                .await
                .prop("value")
                .await
                .expect("value")
                .unwrap_or_default()
        }
    };
    assert_eq!(value("input[name=subdomain]").await, "acme");
    assert_eq!(value("input[name=_label]").await, "Production");
    assert_eq!(
        value("input[name=api_key]").await,
        "",
        "the secret input is cleared"
    );
    assert_hidden(&source(&client).await, &refused);
    screenshot(&client, "connect-rejected").await;
    assert!(hub
        .hub
        .store()
        .list_accounts(&Default::default(), None, 10)
        .await
        .expect("list")
        .is_empty());
    client.close().await.expect("close");
}

#[tokio::test]
async fn a_hub_key_made_in_the_ui_is_shown_once_then_masked_and_refused_when_disabled() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let lever = fake_provider("lever").await;
    let hub = TestHub::start(&[&lever]).await;
    // An account to fill the Accounts page for the screenshot.
    let session = hub
        .hub
        .create_session("customer-7", &[], None, "test")
        .await
        .expect("session");
    let connector = connector_registry::find("lever").expect("lever");
    let values = [(
        "api_key".to_owned(),
        SecretString::from(lever.good["api_key"].clone()),
    )]
    .into();
    let linked = hub
        .hub
        .link(
            &session.session,
            connector,
            connector.spec().default_variant(),
            values,
            "Sourcing",
        )
        .await;
    assert!(matches!(linked, Ok(LinkResult::Linked(..))));
    let addr = hub.serve().await;
    let base = format!("http://{addr}");

    sign_in(&client, &base, &hub.admin_key).await;
    client
        .goto(&format!("{base}/keys"))
        .await
        .expect("keys page");
    fill(&client, "#f-name", "reporting-backend").await;
    wait_for(&client, "input[name=scope][value='connect_sessions:write']")
        .await
        .click()
        .await
        .expect("scope");
    screenshot(&client, "keys").await;
    wait_for(&client, "#create-key")
        .await
        .click()
        .await
        .expect("create");
    let key = wait_for(&client, "#new-key")
        .await
        .text()
        .await
        .expect("key")
        .trim()
        .to_owned();
    assert!(key.starts_with("chub_"), "{key}");
    assert!(wait_for(&client, "#copy-key")
        .await
        .is_displayed()
        .await
        .expect("shown"));
    assert!(wait_for(&client, "#download-key")
        .await
        .is_displayed()
        .await
        .expect("shown"));
    screenshot(&client, "key-shown-once").await;

    wait_for(&client, "#done")
        .await
        .click()
        .await
        .expect("done");
    wait_for(&client, "#keys").await;
    let page = source(&client).await;
    assert_hidden(&page, &key);
    assert!(page.contains(&format!("••••{}", &key[key.len() - 4..])));

    let id = hub
        .hub
        .store()
        .list_keys()
        .await
        .expect("keys")
        .into_iter()
        .find(|k| k.name == "reporting-backend")
        .expect("created")
        .id;
    let api = |key: String| async move {
        reqwest::Client::new()
            .post(format!("http://{addr}/api/v1/connect-sessions"))
            .bearer_auth(key)
            .json(&json!({"owner": "o"}))
            .send()
            .await
            .expect("call")
    };
    assert!(api(key.clone()).await.status().is_success());
    wait_for(
        &client,
        &format!("tr[data-key-id='{id}'] button[data-action=disable]"),
    )
    .await
    .click()
    .await
    .expect("disable");
    wait_for(
        &client,
        &format!("tr[data-key-id='{id}'][data-state=disabled]"),
    )
    .await;
    let refused = api(key.clone()).await;
    assert_eq!(refused.status(), reqwest::StatusCode::UNAUTHORIZED);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "key_disabled");
    client.close().await.expect("close");
}
