//! The hub end to end in a real headless Chromium, driven through chromedriver with fantoccini:
//! a customer links an account from a connect session's link, a refused key keeps the form, an
//! operator unlinks, and a hub key made in the UI is shown once and refused once disabled. A
//! host application's page on another loopback origin embeds the hub with `/static/connect.js`
//! in a modal and in a popup and hears `connector-hub:linked`, while a page on an origin the hub
//! lists nowhere hears nothing; an expired link posts `connector-hub:error`; Connect and Cancel
//! return the browser to the `return_url`; an operator links an account from the dashboard and
//! sends a re-link. Providers are loopback fakes built from the recorded fixtures.
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
pub(crate) struct Driver(Child);

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
pub(crate) async fn browser() -> Option<(Driver, Client)> {
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

pub(crate) async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} never appeared: {e}"))
}

pub(crate) async fn fill(client: &Client, css: &str, text: &str) {
    let input = wait_for(client, css).await;
    input.clear().await.expect("clear");
    input.send_keys(text).await.expect("type");
}

pub(crate) async fn sign_in(client: &Client, base: &str, key: &str) {
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

pub(crate) async fn connect_session(addr: SocketAddr, key: &str, connectors: &[&str]) -> String {
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

pub(crate) async fn source(client: &Client) -> String {
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

// ----- Embedding: a host application's page on another loopback origin -----

/// A host application's page: loads the hub's `/static/connect.js`, opens the connect session
/// whose URL is in `#session-url` in a modal or a popup, and keeps every event `onEvent` gives
/// (`window.hubEvents`, and one `#events li` each) and every message the page receives from
/// anyone (`window.rawMessages`).
fn host_page(hub: SocketAddr) -> String {
    format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>Host app</title>
<script src="http://{hub}/static/connect.js"></script></head>
<body>
<h1>Host app</h1>
<input id="session-url" size="80">
<button id="open-modal" type="button">Link an account</button>
<button id="open-popup" type="button">Link in a popup</button>
<ol id="events"></ol>
<script>
window.hubEvents = [];
window.rawMessages = [];
window.addEventListener("message", function (e) {{
  window.rawMessages.push({{ origin: e.origin, data: e.data }});
}});
function openHub(mode) {{
  ConnectorHub.open({{
    url: document.getElementById("session-url").value,
    mode: mode,
    onEvent: function (event) {{
      window.hubEvents.push(event);
      var item = document.createElement("li");
      item.dataset.type = event.type;
      item.textContent = JSON.stringify(event);
      document.getElementById("events").appendChild(item);
    }}
  }});
}}
document.getElementById("open-modal").addEventListener("click", function () {{ openHub("modal"); }});
document.getElementById("open-popup").addEventListener("click", function () {{ openHub("popup"); }});
</script>
</body></html>"#
    )
}

/// Serves [`host_page`] at `/host` and a page at `/back` (where a `return_url` leads) on
/// `listener`.
fn serve_host(listener: tokio::net::TcpListener, hub: SocketAddr) {
    let page = host_page(hub);
    let app = axum::Router::new()
        .route(
            "/host",
            axum::routing::get(move || {
                let page = page.clone();
                async move { axum::response::Html(page) }
            }),
        )
        .route(
            "/back",
            axum::routing::get(|| async {
                axum::response::Html(
                    "<!doctype html><title>Back</title><h1 id=\"back\">Back in the app</h1>",
                )
            }),
        );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
}

async fn loopback() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    (listener, origin)
}

/// A hub that the host origin may frame and return to, the host page, and a second page on
/// another origin (`evil`) the hub lists nowhere.
struct Embedding {
    hub: TestHub,
    addr: SocketAddr,
    host: String,
    evil: String,
    provider: crate::support::FakeProvider,
}

async fn embedding() -> Embedding {
    let provider = fake_provider("lever").await;
    let (host_listener, host) = loopback().await;
    let (evil_listener, evil) = loopback().await;
    let hub = TestHub::start_with(&[&provider], |s| {
        s.frame_ancestors = vec![host.clone()];
        s.allowed_return_origins = vec![host.clone()];
    })
    .await;
    let addr = hub.serve().await;
    serve_host(host_listener, addr);
    serve_host(evil_listener, addr);
    Embedding {
        hub,
        addr,
        host,
        evil,
        provider,
    }
}

impl Embedding {
    /// A connect session for Lever made through the API with these extra members; its id and
    /// its URL as the API gives it (relative to the hub).
    async fn session(&self, extra: Value) -> (String, String) {
        let mut body = json!({"owner": "customer-42", "connectors": ["lever"]});
        for (k, v) in extra.as_object().expect("an object") {
            body[k] = v.clone();
        }
        let answer = reqwest::Client::new()
            .post(format!("http://{}/api/v1/connect-sessions", self.addr))
            .bearer_auth(&self.hub.admin_key)
            .json(&body)
            .send()
            .await
            .expect("session");
        assert_eq!(answer.status(), reqwest::StatusCode::CREATED);
        let answer: Value = answer.json().await.expect("json");
        (
            answer["id"].as_str().expect("id").to_owned(),
            answer["url"].as_str().expect("url").to_owned(),
        )
    }

    async fn status(&self, id: &str) -> Value {
        reqwest::Client::new()
            .get(format!("http://{}/api/v1/connect-sessions/{id}", self.addr))
            .bearer_auth(&self.hub.admin_key)
            .send()
            .await
            .expect("status")
            .json()
            .await
            .expect("json")
    }

    /// Opens `origin`'s host page and asks it to open `url` in `mode`.
    async fn open(&self, client: &Client, origin: &str, url: &str, mode: &str) {
        client
            .goto(&format!("{origin}/host"))
            .await
            .expect("host page");
        fill(client, "#session-url", url).await;
        wait_for(client, &format!("#open-{mode}"))
            .await
            .click()
            .await
            .expect("open");
    }
}

async fn page_value(client: &Client, script: &str) -> Value {
    client.execute(script, Vec::new()).await.expect("script")
}

/// Types the good key into the connect form in the current frame or window and presses Connect.
async fn connect_with(client: &Client, key: &str) {
    fill(client, "input[name=api_key]", key).await;
    wait_for(client, "#connect")
        .await
        .click()
        .await
        .expect("connect");
}

async fn wait_for_event(client: &Client, kind: &str) -> Value {
    wait_for(client, &format!("#events li[data-type='{kind}']")).await;
    let events = page_value(client, "return window.hubEvents").await;
    events
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["type"] == kind)
        .cloned()
        .expect("the event")
}

/// Every message the page received came from the hub and is one of its events.
async fn assert_only_hub_messages(client: &Client, hub: SocketAddr) {
    let raw = page_value(client, "return window.rawMessages").await;
    for message in raw.as_array().expect("messages") {
        assert_eq!(message["origin"], format!("http://{hub}"), "{message}");
        assert!(
            message["data"]["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("connector-hub:")),
            "{message}"
        );
    }
}

#[tokio::test]
async fn a_host_page_embeds_the_hub_in_a_modal_and_hears_the_account_linked() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let e = embedding().await;
    let good = e.provider.good["api_key"].clone();
    let (id, url) = e.session(json!({"origin": e.host})).await;
    // The API's relative URL: connect.js resolves it against the hub it was loaded from.
    e.open(&client, &e.host, &url, "modal").await;
    wait_for_event(&client, "connector-hub:ready").await;
    screenshot(&client, "connect-modal").await;
    let host_window = client.window().await.expect("window");
    wait_for(&client, "#connector-hub-frame")
        .await
        .enter_frame()
        .await
        .expect("into the frame");
    connect_with(&client, &good).await;
    client
        .switch_to_window(host_window)
        .await
        .expect("back to the host page");
    let linked = wait_for_event(&client, "connector-hub:linked").await;
    let status = e.status(&id).await;
    assert_eq!(status["status"], "linked");
    assert_eq!(
        linked,
        json!({"type": "connector-hub:linked", "session_id": id,
               "account_id": status["account_id"], "connector": "lever", "owner": "customer-42"})
    );
    assert!(
        client
            .find(Locator::Css("#connector-hub-modal"))
            .await
            .is_err(),
        "the modal closed itself"
    );
    let events = page_value(&client, "return window.hubEvents").await;
    for event in events.as_array().expect("events") {
        assert_hidden(&event.to_string(), &good);
        assert_hidden(&event.to_string(), url.trim_start_matches("/connect/"));
    }
    assert_only_hub_messages(&client, e.addr).await;
    client.close().await.expect("close");
}

#[tokio::test]
async fn a_host_page_opens_the_hub_in_a_popup_and_another_origin_hears_nothing() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let e = embedding().await;
    let good = e.provider.good["api_key"].clone();
    let (id, url) = e.session(json!({"origin": e.host})).await;
    e.open(
        &client,
        &e.host,
        &format!("http://{}{url}", e.addr),
        "popup",
    )
    .await;
    let host_window = client.window().await.expect("window");
    let popup = wait_for_window(&client, &host_window).await;
    client.switch_to_window(popup).await.expect("popup");
    connect_with(&client, &good).await;
    client
        .switch_to_window(host_window.clone())
        .await
        .expect("back to the host page");
    let linked = wait_for_event(&client, "connector-hub:linked").await;
    let status = e.status(&id).await;
    assert_eq!(linked["account_id"], status["account_id"]);
    assert_eq!(linked["session_id"], id.as_str());
    let started = std::time::Instant::now();
    while client.windows().await.expect("windows").len() > 1 {
        assert!(started.elapsed() < WAIT, "the popup never closed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_only_hub_messages(&client, e.addr).await;

    // The same kind of session opened from a page on an origin the hub lists nowhere: its popup
    // links the account, and that page hears nothing of it.
    let (_, url) = e.session(json!({"origin": e.host})).await;
    e.open(
        &client,
        &e.evil,
        &format!("http://{}{url}", e.addr),
        "popup",
    )
    .await;
    let evil_window = client.window().await.expect("window");
    let popup = wait_for_window(&client, &evil_window).await;
    client.switch_to_window(popup).await.expect("popup");
    connect_with(&client, &good).await;
    wait_for(&client, "#outcome[data-status=verified]").await;
    client
        .switch_to_window(evil_window)
        .await
        .expect("back to the other page");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        page_value(&client, "return window.rawMessages").await,
        json!([])
    );
    assert_eq!(
        page_value(&client, "return window.hubEvents").await,
        json!([])
    );

    // And framed there, the connect page is refused by its frame-ancestors.
    let (_, url) = e.session(json!({"origin": e.host})).await;
    e.open(&client, &e.evil, &url, "modal").await;
    wait_for(&client, "#connector-hub-frame").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        page_value(&client, "return window.rawMessages").await,
        json!([])
    );
    client.close().await.expect("close");
}

/// The window other than `known` once it has opened.
async fn wait_for_window(
    client: &Client,
    known: &fantoccini::wd::WindowHandle,
) -> fantoccini::wd::WindowHandle {
    let started = std::time::Instant::now();
    loop {
        let windows = client.windows().await.expect("windows");
        if let Some(other) = windows.into_iter().find(|w| w != known) {
            return other;
        }
        assert!(started.elapsed() < WAIT, "the popup never opened");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_session_naming_no_origin_posts_nothing_even_to_the_page_that_frames_it() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let e = embedding().await;
    let (_, url) = e.session(json!({})).await;
    e.open(&client, &e.host, &url, "modal").await;
    wait_for(&client, "#connector-hub-frame")
        .await
        .enter_frame()
        .await
        .expect("into the frame");
    wait_for(&client, "#connect-form").await;
    client.enter_parent_frame().await.expect("back");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        page_value(&client, "return window.rawMessages").await,
        json!([])
    );
    // The person closes the modal themselves.
    wait_for(&client, "#connector-hub-close")
        .await
        .click()
        .await
        .expect("close");
    let closed = wait_for_event(&client, "connector-hub:closed").await;
    assert_eq!(closed["session_id"], Value::Null);
    assert!(client
        .find(Locator::Css("#connector-hub-modal"))
        .await
        .is_err());
    client.close().await.expect("close");
}

#[tokio::test]
async fn an_expired_link_posts_an_error_to_the_host_page() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let e = embedding().await;
    let (id, url) = e.session(json!({"origin": e.host})).await;
    e.hub
        .execute(&format!(
            "UPDATE connect_sessions SET expires_at = 1 WHERE id = '{id}'"
        ))
        .await;
    e.open(&client, &e.host, &url, "modal").await;
    let error = wait_for_event(&client, "connector-hub:error").await;
    assert_eq!(
        error,
        json!({"type": "connector-hub:error", "session_id": id, "code": "expired"})
    );
    assert_eq!(e.status(&id).await["status"], "expired");
    assert_only_hub_messages(&client, e.addr).await;
    client.close().await.expect("close");
}

#[tokio::test]
async fn connect_and_cancel_return_the_browser_to_the_return_url() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let e = embedding().await;
    let good = e.provider.good["api_key"].clone();
    let back = format!("{}/back?from=test", e.host);
    let (id, url) = e.session(json!({"return_url": back})).await;
    client
        .goto(&format!("http://{}{url}", e.addr))
        .await
        .expect("open the link");
    connect_with(&client, &good).await;
    wait_for(&client, "#back").await;
    let landed = client.current_url().await.expect("url");
    assert_eq!(landed.origin().ascii_serialization(), e.host);
    assert_eq!(landed.path(), "/back");
    let status = e.status(&id).await;
    let pairs: Vec<(String, String)> = landed
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("from", "test"),
            ("session_id", id.as_str()),
            ("account_id", status["account_id"].as_str().expect("linked")),
            ("connector", "lever"),
            ("status", "linked"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    assert_hidden(landed.as_str(), &good);

    let (id, url) = e.session(json!({"return_url": back})).await;
    client
        .goto(&format!("http://{}{url}", e.addr))
        .await
        .expect("open the link");
    wait_for(&client, "#cancel")
        .await
        .click()
        .await
        .expect("cancel");
    wait_for(&client, "#back").await;
    let landed = client.current_url().await.expect("url");
    assert_eq!(landed.path(), "/back");
    let pairs: Vec<(String, String)> = landed
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("from", "test"),
            ("session_id", id.as_str()),
            ("status", "cancelled")
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    assert_eq!(e.status(&id).await["status"], "cancelled");
    client.close().await.expect("close");
}

#[tokio::test]
async fn an_operator_links_an_account_from_the_dashboard_and_sends_a_relink() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let workable = fake_provider("workable").await;
    let hub = TestHub::start(&[&workable]).await;
    let addr = hub.serve().await;
    let base = format!("http://{addr}");
    sign_in(&client, &base, &hub.admin_key).await;
    wait_for(&client, "#link-account")
        .await
        .click()
        .await
        .expect("Link account");
    fill(&client, "#f-owner", "customer-42").await;
    wait_for(&client, "input[name=connector][value=workable]")
        .await
        .click()
        .await
        .expect("provider");
    screenshot(&client, "link-account").await;
    wait_for(&client, "#open-connect")
        .await
        .click()
        .await
        .expect("open");
    fill(
        &client,
        "input[name=subdomain]",
        &workable.good["subdomain"],
    )
    .await;
    fill(&client, "input[name=api_key]", &workable.good["api_key"]).await;
    wait_for(&client, "#connect")
        .await
        .click()
        .await
        .expect("connect");
    wait_for(&client, "#outcome[data-status=verified]").await;
    let account = hub
        .hub
        .store()
        .list_accounts(&Default::default(), None, 10)
        .await
        .expect("list")
        .pop()
        .expect("linked");
    assert_eq!(account.owner, "customer-42");

    // Its key is refused later: the operator sends a re-link.
    hub.execute(&format!(
        "UPDATE accounts SET status = 'rejected' WHERE id = '{}'",
        account.id
    ))
    .await;
    client
        .goto(&format!("{base}/accounts/{}", account.id))
        .await
        .expect("account page");
    wait_for(&client, "#send-relink")
        .await
        .click()
        .await
        .expect("send re-link");
    let link = wait_for(&client, "#relink-url")
        .await
        .text()
        .await
        .expect("url")
        .trim()
        .to_owned();
    assert!(link.starts_with(&format!("{base}/connect/cs_")), "{link}");
    assert!(wait_for(&client, "#copy-relink")
        .await
        .is_displayed()
        .await
        .expect("shown"));
    screenshot(&client, "relink-url").await;

    client.goto(&link).await.expect("the re-link");
    wait_for(&client, "#relink").await;
    let subdomain = wait_for(&client, "input[name=subdomain]")
        .await
        .prop("value")
        .await
        .expect("value");
    assert_eq!(
        subdomain.as_deref(),
        Some(workable.good["subdomain"].as_str())
    );
    screenshot(&client, "connect-relink").await;
    fill(&client, "input[name=api_key]", &workable.good["api_key"]).await;
    wait_for(&client, "#connect")
        .await
        .click()
        .await
        .expect("connect");
    wait_for(&client, "#outcome[data-status=verified]").await;
    let after = hub.hub.account(&account.id).await.expect("same account");
    assert_eq!(
        (after.status.as_str(), after.version),
        ("verified", account.version + 1)
    );
    client.close().await.expect("close");
}
