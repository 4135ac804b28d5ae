//! Connect sessions beyond the plain link, against the router: `return_url` and `origin` checked
//! strictly when a session is opened, the events and the way back the connect pages render,
//! Cancel, a session's status, re-linking an account in place, and the Accounts pages' **Link
//! account** and **Send re-link**.

use crate::pages::{get, post, sign_in};
use crate::support::{assert_hidden, fake_provider, hidden, send, urlencode, TestHub};
use axum::http::{header, Method, StatusCode};
use connector_hub::hubkey::Scope;
use serde_json::{json, Value};

const ALLOWED: &str = "https://allowed.example";
const HOST: &str = "https://app.example";

/// A hub whose `allowed_return_origins` lists [`ALLOWED`] and a loopback origin, and whose
/// `frame_ancestors` lists [`HOST`] and a wildcard.
async fn hub_with_origins(providers: &[&crate::support::FakeProvider]) -> TestHub {
    TestHub::start_with(providers, |s| {
        s.allowed_return_origins = vec![format!("{ALLOWED}/"), "http://127.0.0.1:4000".to_owned()];
        s.frame_ancestors = vec![HOST.to_owned(), "https://*.example.net".to_owned()];
    })
    .await
}

async fn call(
    hub: &TestHub,
    method: Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    crate::support::call_api(hub, method, path, Some(key), body).await
}

async fn create(hub: &TestHub, body: Value) -> (StatusCode, Value) {
    call(
        hub,
        Method::POST,
        "/api/v1/connect-sessions",
        &hub.admin_key,
        Some(body),
    )
    .await
}

async fn status_of(hub: &TestHub, id: &str) -> Value {
    let (status, body) = call(
        hub,
        Method::GET,
        &format!("/api/v1/connect-sessions/{id}"),
        &hub.admin_key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("(none)")
}

async fn page(hub: &TestHub, path: &str) -> (StatusCode, String) {
    let (response, html) = send(hub, get(path, None)).await;
    (response.status(), html)
}

/// Posts a connect form with its CSRF token and these fields.
async fn connect(hub: &TestHub, url: &str, connector: &str, fields: &[(&str, &str)]) -> String {
    let (_, form) = page(hub, &format!("{url}/{connector}")).await;
    let mut body = format!("_csrf={}", hidden(&form, "_csrf"));
    for (k, v) in fields {
        body.push_str(&format!("&{k}={}", urlencode(v)));
    }
    send(hub, post(&format!("{url}/{connector}"), None, &body))
        .await
        .1
}

async fn cancel(hub: &TestHub, url: &str, connector: &str) -> (StatusCode, String) {
    let (_, form) = page(hub, &format!("{url}/{connector}")).await;
    let (response, html) = send(
        hub,
        post(
            &format!("{url}/cancel"),
            None,
            &format!("_csrf={}", hidden(&form, "_csrf")),
        ),
    )
    .await;
    (response.status(), html)
}

/// What a page renders for its script to post: the event, the target origin and the URL to
/// return to, read from `#connector-hub-event`'s attributes (`None` without the element).
fn rendered_event(html: &str) -> Option<(Value, String, Option<String>)> {
    let start = html.find("id=\"connector-hub-event\"")?;
    let tag = &html[start..start + html[start..].find('>').expect("end of tag")];
    let attribute = |name: &str| {
        let marker = format!("{name}=\"");
        tag.find(&marker).map(|at| {
            let value = &tag[at + marker.len()..];
            unescape(&value[..value.find('"').expect("closing quote")])
        })
    };
    let event = serde_json::from_str(&attribute("data-event")?).expect("event JSON");
    Some((
        event,
        attribute("data-target-origin")?,
        attribute("data-return-to"),
    ))
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn query(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .expect("a URL")
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[tokio::test]
async fn a_return_url_or_origin_anywhere_else_is_refused_when_the_session_is_made() {
    let hub = hub_with_origins(&[]).await;
    for return_url in [
        "https://evil.example/back",
        "https://allowed.example.evil.example/back",
        "https://evil.example/https://allowed.example/",
        "javascript:alert(document.domain)",
        "JavaScript://allowed.example/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example/back",
        "//allowed.example/back",
        "/back",
        "allowed.example/back",
        "https:allowed.example/back",
        "https:/allowed.example/back",
        "https:\\\\allowed.example\\back",
        "https://allowed.example\\@evil.example/",
        "https://allowed.example@evil.example/",
        "https://allowed.example:pass@evil.example/",
        "https://user@allowed.example/",
        "https://@allowed.example/",
        "https://allowed.example%40evil.example/",
        "http://allowed.example/back",
        "https://allowed.example:8443/back",
        "ftp://allowed.example/",
        "http://127.0.0.1:4001/back",
        "http://localhost:4000/back",
        " https://allowed.example/back",
        "https://allowed.example/ba ck",
        "https://allowed.example/\u{0}",
        "",
    ] {
        let (status, body) = create(&hub, json!({"owner": "o", "return_url": return_url})).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "invalid_return_url"),
            "{return_url:?}: {body}"
        );
        let message = body["error"]["message"].as_str().expect("message");
        assert!(message.contains("allowed_return_origins"), "{message}");
    }
    for origin in [
        "https://evil.example",
        "https://app.example.evil.example",
        "https://app.example/",
        "https://app.example/path",
        "https://app.example?x",
        "http://app.example",
        "https://app.example:444",
        "https://user@app.example",
        "https://*.example.net",
        "https://x.example.net",
        "*",
        "null",
        "",
    ] {
        let (status, body) = create(&hub, json!({"owner": "o", "origin": origin})).await;
        if origin == "https://app.example/" {
            assert_eq!(status, StatusCode::CREATED, "{body}");
            assert_eq!(body["origin"], HOST, "normalized");
            continue;
        }
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "invalid_origin"),
            "{origin:?}: {body}"
        );
        let message = body["error"]["message"].as_str().expect("message");
        assert!(message.contains("frame_ancestors"), "{message}");
    }
    assert_eq!(
        hub.hub.store().session_ids().await.expect("ids").len(),
        1,
        "only the accepted origin made a session"
    );
    for (return_url, stored) in [
        (
            "https://allowed.example/back?x=1#done",
            "https://allowed.example/back?x=1#done",
        ),
        (
            "HTTPS://ALLOWED.EXAMPLE:443/back",
            "https://allowed.example/back",
        ),
        ("http://127.0.0.1:4000/cb", "http://127.0.0.1:4000/cb"),
    ] {
        let (status, body) = create(
            &hub,
            json!({"owner": "o", "return_url": return_url, "origin": null}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{return_url}: {body}");
        assert_eq!(body["return_url"], stored);
        assert!(body.get("origin").is_none(), "{body}");
    }
}

#[tokio::test]
async fn with_no_allowed_origins_every_return_url_is_refused_naming_the_setting() {
    let hub = TestHub::start(&[]).await;
    let (status, body) = create(
        &hub,
        json!({"owner": "o", "return_url": "https://app.example/back"}),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "invalid_return_url")
    );
    assert!(body["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("allowed_return_origins")));
    let (status, body) = create(&hub, json!({"owner": "o", "origin": "https://app.example"})).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "invalid_origin")
    );
}

#[tokio::test]
async fn the_pages_post_events_only_to_the_sessions_exact_origin_and_carry_no_secret() {
    let provider = fake_provider("lever").await;
    let hub = hub_with_origins(&[&provider]).await;
    let good = provider.good["api_key"].clone();

    // Neither an origin nor a return URL: no event, no script.
    let (_, plain) = create(&hub, json!({"owner": "o", "connectors": ["lever"]})).await;
    let url = plain["url"].as_str().expect("url").to_owned();
    let (_, form) = page(&hub, &format!("{url}/lever")).await;
    assert!(rendered_event(&form).is_none(), "{form}");
    assert!(!form.contains("connect-page.js"));
    let done = connect(&hub, &url, "lever", &[("api_key", &good)]).await;
    assert!(done.contains("Connected") && rendered_event(&done).is_none());

    // With an origin: every page posts to it, and only to it.
    let (_, session) = create(
        &hub,
        json!({"owner": "customer-42", "connectors": ["lever", "ashby"], "origin": HOST}),
    )
    .await;
    let id = session["id"].as_str().expect("id").to_owned();
    let url = session["url"].as_str().expect("url").to_owned();
    let token = url.trim_start_matches("/connect/").to_owned();
    let (_, pick) = page(&hub, &url).await;
    assert!(pick.contains("<script src=\"/static/connect-page.js\" defer></script>"));
    let (event, target, back) = rendered_event(&pick).expect("an event");
    assert_eq!(event, json!({"type": "connector-hub:ready"}));
    assert_eq!((target.as_str(), back), (HOST, None));
    let (_, form) = page(&hub, &format!("{url}/lever")).await;
    assert_eq!(
        rendered_event(&form).expect("an event").0["type"],
        "connector-hub:ready"
    );
    let refused = connect(
        &hub,
        &url,
        "lever",
        &[("api_key", &provider.revoked["api_key"])],
    )
    .await;
    assert_eq!(
        rendered_event(&refused).expect("an event").0["type"],
        "connector-hub:ready"
    );
    let done = connect(&hub, &url, "lever", &[("api_key", &good)]).await;
    let (event, target, back) = rendered_event(&done).expect("an event");
    let account_id = status_of(&hub, &id).await["account_id"]
        .as_str()
        .expect("linked")
        .to_owned();
    assert_eq!(
        event,
        json!({"type": "connector-hub:linked", "session_id": id, "account_id": account_id,
               "connector": "lever", "owner": "customer-42"})
    );
    assert_eq!((target.as_str(), back), (HOST, None));
    for secret in [&good, &token] {
        assert_hidden(&event.to_string(), secret);
    }
    assert!(
        !event.to_string().contains('•'),
        "no masked key in an event"
    );

    // The used link now says so, with an error event.
    let (status, gone) = page(&hub, &url).await;
    assert_eq!(status, StatusCode::GONE);
    let (event, target, _) = rendered_event(&gone).expect("an event");
    assert_eq!(
        event,
        json!({"type": "connector-hub:error", "session_id": id, "code": "used"})
    );
    assert_eq!(target, HOST);
    // An unknown token names no session: nothing to post, nowhere.
    let (status, unknown) = page(&hub, "/connect/cs_0000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(rendered_event(&unknown).is_none());
}

#[tokio::test]
async fn without_an_origin_events_go_to_the_return_urls_origin_and_the_browser_goes_back() {
    let provider = fake_provider("lever").await;
    let hub = hub_with_origins(&[&provider]).await;
    let good = provider.good["api_key"].clone();
    let (_, session) = create(
        &hub,
        json!({"owner": "o", "connectors": ["lever"],
               "return_url": "https://allowed.example/back?from=hub&status=mine#top"}),
    )
    .await;
    let id = session["id"].as_str().expect("id").to_owned();
    let url = session["url"].as_str().expect("url").to_owned();
    let (_, form) = page(&hub, &format!("{url}/lever")).await;
    let (_, target, back) = rendered_event(&form).expect("an event");
    assert_eq!((target.as_str(), back), (ALLOWED, None));
    let done = connect(&hub, &url, "lever", &[("api_key", &good)]).await;
    let (event, target, back) = rendered_event(&done).expect("an event");
    assert_eq!(event["type"], "connector-hub:linked");
    assert_eq!(target, ALLOWED);
    let back = back.expect("the way back");
    let account_id = event["account_id"].as_str().expect("account");
    assert!(
        back.starts_with("https://allowed.example/back?") && back.ends_with("#top"),
        "{back}"
    );
    assert_eq!(
        query(&back),
        [
            ("from", "hub"),
            ("session_id", id.as_str()),
            ("account_id", account_id),
            ("connector", "lever"),
            ("status", "linked"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
        "the return URL's own query kept, a parameter of the hub's names replaced"
    );
    assert!(
        done.contains("id=\"return\""),
        "a link for browsers without scripts"
    );
    assert_hidden(&back, &good);
}

#[tokio::test]
async fn cancel_ends_the_link_posts_closed_and_goes_back_with_status_cancelled() {
    let provider = fake_provider("lever").await;
    let hub = hub_with_origins(&[&provider]).await;
    let (_, session) = create(
        &hub,
        json!({"owner": "o", "connectors": ["lever"], "origin": HOST,
               "return_url": "http://127.0.0.1:4000/cb"}),
    )
    .await;
    let id = session["id"].as_str().expect("id").to_owned();
    let url = session["url"].as_str().expect("url").to_owned();
    assert_eq!(status_of(&hub, &id).await["status"], "pending");
    let (_, form) = page(&hub, &format!("{url}/lever")).await;
    assert!(form.contains(&format!("action=\"{url}/cancel\"")), "{form}");
    assert!(form.contains("id=\"cancel\""));

    // A forged form does not cancel.
    let (response, _) = send(&hub, post(&format!("{url}/cancel"), None, "_csrf=forged")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(status_of(&hub, &id).await["status"], "pending");

    let (status, html) = cancel(&hub, &url, "lever").await;
    assert_eq!(status, StatusCode::OK);
    let (event, target, back) = rendered_event(&html).expect("an event");
    assert_eq!(
        event,
        json!({"type": "connector-hub:closed", "session_id": id})
    );
    assert_eq!(target, HOST, "the origin goes before the return URL's");
    let back = back.expect("the way back");
    assert!(back.starts_with("http://127.0.0.1:4000/cb?"), "{back}");
    assert_eq!(
        query(&back),
        [("session_id", id.as_str()), ("status", "cancelled")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    let view = status_of(&hub, &id).await;
    assert_eq!(view["status"], "cancelled");
    assert!(view["cancelled_at"].is_string() && view.get("account_id").is_none());

    // A cancelled link cannot be used, and says so.
    let (status, gone) = page(&hub, &format!("{url}/lever")).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(gone.contains("cancelled"), "{gone}");
    assert_eq!(
        rendered_event(&gone).expect("an event").0,
        json!({"type": "connector-hub:error", "session_id": id, "code": "cancelled"})
    );
    let (response, _) = send(
        &hub,
        post(
            &format!("{url}/lever"),
            None,
            &format!(
                "_csrf={}&api_key={}",
                hidden(&form, "_csrf"),
                provider.good["api_key"]
            ),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert_eq!(
        provider.server.received_requests().await.map(|r| r.len()),
        Some(0)
    );
    assert!(hub
        .hub
        .store()
        .list_accounts(&Default::default(), None, 10)
        .await
        .expect("list")
        .is_empty());
    // Cancelling again shows the same page; a used link cannot be cancelled.
    let (response, again) = send(
        &hub,
        post(
            &format!("{url}/cancel"),
            None,
            &format!("_csrf={}", hidden(&form, "_csrf")),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        rendered_event(&again).expect("an event").0["type"],
        "connector-hub:closed"
    );
    let (_, used) = create(&hub, json!({"owner": "o", "connectors": ["lever"]})).await;
    let used_url = used["url"].as_str().expect("url").to_owned();
    connect(
        &hub,
        &used_url,
        "lever",
        &[("api_key", &provider.good["api_key"])],
    )
    .await;
    let (response, html) = send(
        &hub,
        post(
            &format!("{used_url}/cancel"),
            None,
            &format!("_csrf={}", hidden(&form, "_csrf")),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert!(html.contains("already used"));
}

#[tokio::test]
async fn a_sessions_status_is_pending_linked_cancelled_or_expired_and_never_shows_its_token() {
    let provider = fake_provider("lever").await;
    let hub = hub_with_origins(&[&provider]).await;
    let (_, session) = create(
        &hub,
        json!({"owner": "customer-42", "connectors": ["lever"], "expires_in": 600,
               "return_url": "https://allowed.example/back", "origin": HOST}),
    )
    .await;
    let id = session["id"].as_str().expect("id").to_owned();
    let url = session["url"].as_str().expect("url").to_owned();
    let token = url.trim_start_matches("/connect/").to_owned();
    let view = status_of(&hub, &id).await;
    assert_eq!(view["status"], "pending");
    assert_eq!(view["owner"], "customer-42");
    assert_eq!(view["connectors"], json!(["lever"]));
    assert_eq!(view["expires_at"], session["expires_at"]);
    assert_eq!(view["return_url"], "https://allowed.example/back");
    assert_eq!(view["origin"], HOST);
    assert!(view.get("account_id").is_none(), "{view}");
    connect(
        &hub,
        &url,
        "lever",
        &[("api_key", &provider.good["api_key"])],
    )
    .await;
    let view = status_of(&hub, &id).await;
    assert_eq!(view["status"], "linked");
    let account_id = view["account_id"].as_str().expect("account_id");
    let (_, account) = call(
        &hub,
        Method::GET,
        &format!("/api/v1/accounts/{account_id}"),
        &hub.admin_key,
        None,
    )
    .await;
    assert_eq!(account["owner"], "customer-42");
    assert!(!view.to_string().contains(&token), "{view}");
    assert!(!view.to_string().contains("cs_"), "{view}");

    let (_, expiring) = create(&hub, json!({"owner": "o"})).await;
    let expiring = expiring["id"].as_str().expect("id").to_owned();
    hub.execute(&format!(
        "UPDATE connect_sessions SET expires_at = 1 WHERE id = '{expiring}'"
    ))
    .await;
    assert_eq!(status_of(&hub, &expiring).await["status"], "expired");

    let (status, body) = call(
        &hub,
        Method::GET,
        "/api/v1/connect-sessions/ses_unknown",
        &hub.admin_key,
        None,
    )
    .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let (_, reader) = hub.key_with("reader", &[Scope::AccountsRead]).await;
    let (status, body) = call(
        &hub,
        Method::GET,
        &format!("/api/v1/connect-sessions/{id}"),
        &reader,
        None,
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "insufficient_scope")
    );
}

#[tokio::test]
async fn a_relink_replaces_the_credentials_of_the_same_account() {
    let provider = fake_provider("workable").await;
    let hub = hub_with_origins(&[&provider]).await;
    let good = provider.good.clone();
    let account_id = hub.link("workable", "customer-42", &good).await;
    // The key stops working: the account is rejected.
    hub.execute(&format!(
        "UPDATE accounts SET status = 'rejected' WHERE id = '{account_id}'"
    ))
    .await;
    let before = hub.hub.account(&account_id).await.expect("account");

    let (status, body) = create(
        &hub,
        json!({"owner": "customer-42", "account_id": account_id, "origin": HOST}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["connectors"], json!(["workable"]));
    assert_eq!(body["relink_account_id"], account_id.as_str());
    let id = body["id"].as_str().expect("id").to_owned();
    let url = body["url"].as_str().expect("url").to_owned();

    // The link goes straight to the account's form: its variant, public values filled in,
    // secrets empty.
    let (response, _) = send(&hub, get(&url, None)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()[header::LOCATION],
        format!("{url}/workable")
    );
    let (_, form) = page(&hub, &format!("{url}/workable?variant=other")).await;
    assert!(form.contains("id=\"relink\""), "{form}");
    assert!(!form.contains("id=\"variants\""));
    assert_eq!(hidden(&form, "_variant"), before.variant);
    assert!(form.contains(&format!("value=\"{}\"", good["subdomain"])));
    assert!(form.contains("name=\"api_key\" type=\"password\" value=\"\""));
    assert_hidden(&form, &good["api_key"]);

    // A refused key changes nothing stored.
    let refused = connect(
        &hub,
        &url,
        "workable",
        &[
            ("subdomain", &good["subdomain"]),
            ("api_key", &provider.revoked["api_key"]),
        ],
    )
    .await;
    assert!(refused.contains("data-status=\"rejected\""), "{refused}");
    let unchanged = hub.hub.account(&account_id).await.expect("account");
    assert_eq!(
        (unchanged.version, unchanged.sealed.ciphertext.as_str()),
        (before.version, before.sealed.ciphertext.as_str())
    );

    let done = connect(
        &hub,
        &url,
        "workable",
        &[
            ("subdomain", &good["subdomain"]),
            ("api_key", &good["api_key"]),
        ],
    )
    .await;
    assert!(done.contains("has its new key"), "{done}");
    let (event, _, _) = rendered_event(&done).expect("an event");
    assert_eq!(event["account_id"], account_id.as_str());
    let after = hub.hub.account(&account_id).await.expect("account");
    assert_eq!(after.status, "verified");
    assert_eq!(after.version, before.version + 1);
    assert_eq!(after.created_at, before.created_at);
    assert_ne!(after.sealed.ciphertext, before.sealed.ciphertext);
    let accounts = hub
        .hub
        .store()
        .list_accounts(&Default::default(), None, 10)
        .await
        .expect("list");
    assert_eq!(accounts.len(), 1, "the same account, not a new one");
    let view = status_of(&hub, &id).await;
    assert_eq!(
        (view["status"].as_str(), view["account_id"].as_str()),
        (Some("linked"), Some(account_id.as_str()))
    );
    // History and audit go on, naming the key that made the re-link.
    let (changes, _) = hub
        .hub
        .history(&account_id, None, 10)
        .await
        .expect("history");
    assert_eq!(
        (
            changes[0].old_status.as_str(),
            changes[0].new_status.as_str()
        ),
        ("rejected", "verified")
    );
    let audit = hub.hub.audit(Some(&account_id), 10).await.expect("audit");
    let record = audit
        .iter()
        .find(|r| r.action == "account.updated")
        .expect("an update record");
    assert!(
        record.actor.contains(&id) && record.actor.contains("hub key admin"),
        "{record:?}"
    );
    assert!(record.detail.contains("re-link"), "{record:?}");
    assert!(audit.iter().any(|r| r.action == "account.linked"));
    // The link is used up.
    let (status, _) = page(&hub, &format!("{url}/workable")).await;
    assert_eq!(status, StatusCode::GONE);
}

#[tokio::test]
async fn a_relink_of_an_unknown_account_is_404_and_of_another_owners_is_409() {
    let provider = fake_provider("lever").await;
    let hub = TestHub::start(&[&provider]).await;
    let account_id = hub.link("lever", "customer-42", &provider.good).await;
    let (status, body) = create(
        &hub,
        json!({"owner": "customer-42", "account_id": "acc_0000"}),
    )
    .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let (status, body) = create(
        &hub,
        json!({"owner": "customer-7", "account_id": account_id}),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "owner_mismatch")
    );
    let (status, body) = create(
        &hub,
        json!({"owner": "customer-42", "account_id": account_id, "connectors": ["ashby"]}),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request")
    );
    // A re-link whose account is unlinked before it is used says so.
    let (_, body) = create(
        &hub,
        json!({"owner": "customer-42", "account_id": account_id}),
    )
    .await;
    let url = body["url"].as_str().expect("url").to_owned();
    hub.hub.unlink(&account_id, "test").await.expect("unlink");
    let (status, html) = page(&hub, &format!("{url}/lever")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("no longer linked"), "{html}");
}

#[tokio::test]
async fn link_account_opens_a_session_for_the_owner_typed_and_audits_the_operators_key() {
    let provider = fake_provider("lever").await;
    let hub = TestHub::start(&[&provider]).await;
    let cookie = sign_in(&hub, &hub.admin_key).await.expect("signed in");
    let (_, accounts) = send(&hub, get("/accounts", Some(&cookie))).await;
    assert!(accounts.contains("href=\"/accounts/link\""), "{accounts}");
    let (response, form) = send(&hub, get("/accounts/link", Some(&cookie))).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(form.contains("name=\"owner\"") && form.contains("value=\"lever\""));
    let csrf = hidden(&form, "_csrf");

    // Without the CSRF token, or without an owner, nothing is opened.
    let (response, _) = send(
        &hub,
        post("/accounts/link", Some(&cookie), "owner=customer-9"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (response, html) = send(
        &hub,
        post(
            "/accounts/link",
            Some(&cookie),
            &format!("_csrf={csrf}&owner=+&connector=lever"),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("owner") && html.contains("checked"), "{html}");
    assert!(hub.hub.store().session_ids().await.expect("ids").is_empty());

    let (response, _) = send(
        &hub,
        post(
            "/accounts/link",
            Some(&cookie),
            &format!("_csrf={csrf}&owner=customer-9&connector=lever"),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = response.headers()[header::LOCATION]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(to.starts_with("/connect/cs_"), "{to}");
    let (response, _) = send(&hub, get(&to, None)).await;
    assert_eq!(
        response.headers()[header::LOCATION],
        format!("{to}/lever"),
        "one provider: straight to its form"
    );
    let done = connect(
        &hub,
        &to,
        "lever",
        &[("api_key", &provider.good["api_key"])],
    )
    .await;
    assert!(done.contains("Connected"), "{done}");
    let accounts = hub
        .hub
        .store()
        .list_accounts(&Default::default(), None, 10)
        .await
        .expect("list");
    assert_eq!(accounts[0].owner, "customer-9");
    let audit = hub
        .hub
        .audit(Some(&accounts[0].id), 10)
        .await
        .expect("audit");
    let admin = &hub.hub.store().list_keys().await.expect("keys")[0];
    assert!(
        audit.iter().any(|r| r.action == "account.linked"
            && r.actor
                .contains(&format!("hub key admin ({}) in the browser", admin.id))),
        "{audit:?}"
    );

    // A key that cannot change accounts neither sees nor uses the form.
    let (_, reader) = hub.key_with("reader", &[Scope::AccountsRead]).await;
    let reader = sign_in(&hub, &reader).await.expect("signed in");
    let (_, accounts) = send(&hub, get("/accounts", Some(&reader))).await;
    assert!(!accounts.contains("/accounts/link"));
    let (response, html) = send(&hub, get("/accounts/link", Some(&reader))).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(html.contains("accounts:write"));
}

#[tokio::test]
async fn send_relink_shows_a_link_to_copy_for_a_refused_account_only() {
    let provider = fake_provider("lever").await;
    let hub = TestHub::start_with(&[&provider], |s| {
        s.public_url = Some("https://hub.example.test/".to_owned())
    })
    .await;
    let account_id = hub.link("lever", "customer-42", &provider.good).await;
    let cookie = sign_in(&hub, &hub.admin_key).await.expect("signed in");
    let (_, verified) = send(&hub, get(&format!("/accounts/{account_id}"), Some(&cookie))).await;
    assert!(!verified.contains("id=\"send-relink\""));
    hub.execute(&format!(
        "UPDATE accounts SET status = 'forbidden' WHERE id = '{account_id}'"
    ))
    .await;
    let (_, list) = send(&hub, get("/accounts", Some(&cookie))).await;
    assert!(list.contains(&format!("action=\"/accounts/{account_id}/relink\"")));
    let (_, detail) = send(&hub, get(&format!("/accounts/{account_id}"), Some(&cookie))).await;
    assert!(detail.contains("id=\"send-relink\""), "{detail}");
    let csrf = hidden(&detail, "_csrf");
    let (response, _) = send(
        &hub,
        post(
            &format!("/accounts/{account_id}/relink"),
            Some(&cookie),
            "expires_in=3600",
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "no CSRF token");
    let (response, shown) = send(
        &hub,
        post(
            &format!("/accounts/{account_id}/relink"),
            Some(&cookie),
            &format!("_csrf={csrf}&expires_in=3600"),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let start = shown.find("id=\"relink-url\">").expect("the URL") + "id=\"relink-url\">".len();
    let link = unescape(&shown[start..start + shown[start..].find('<').expect("end")]);
    assert!(
        link.starts_with("https://hub.example.test/connect/cs_"),
        "{link}"
    );
    assert!(shown.contains("data-copy=\"relink-url\""), "a Copy button");
    let path = link.trim_start_matches("https://hub.example.test");
    let (_, form) = page(&hub, &format!("{path}/lever")).await;
    assert!(form.contains("id=\"relink\""), "{form}");
    let done = connect(
        &hub,
        path,
        "lever",
        &[("api_key", &provider.good["api_key"])],
    )
    .await;
    assert!(done.contains("has its new key"), "{done}");
    let account = hub.hub.account(&account_id).await.expect("account");
    assert_eq!(account.status, "verified");
    let audit = hub.hub.audit(Some(&account_id), 10).await.expect("audit");
    assert!(audit
        .iter()
        .any(|r| r.action == "account.updated" && r.actor.contains("in the browser")));
}

#[tokio::test]
async fn the_served_scripts_never_post_to_a_wildcard() {
    let hub = TestHub::start(&[]).await;
    for path in [
        "/static/connect.js",
        "/static/connect-page.js",
        "/static/hub.js",
    ] {
        let (response, script) = send(&hub, get(path, None)).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(response.headers()[header::CONTENT_TYPE]
            .to_str()
            .expect("type")
            .starts_with("text/javascript"));
        for wildcard in ["\"*\"", "'*'", "`*`"] {
            assert!(!script.contains(wildcard), "{path} names {wildcard}");
        }
        for call in script.match_indices("postMessage(") {
            let args = &script[call.0..call.0 + script[call.0..].find(')').expect("call")];
            assert!(args.contains(", origin"), "{path}: {args}");
        }
    }
    let (_, page_script) = send(&hub, get("/static/connect-page.js", None)).await;
    assert_eq!(page_script.matches("postMessage(").count(), 1);
    assert!(
        page_script.contains("url.origin === text"),
        "exact origins only"
    );
    let (_, host_script) = send(&hub, get("/static/connect.js", None)).await;
    assert!(host_script.contains("message.origin !== hubOrigin"));
    assert!(!host_script.contains("postMessage("));
}
