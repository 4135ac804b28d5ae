//! The operator pages and the connect pages against the router: sign-in, CSRF, cookies, the
//! security headers, and that no secret is written into a page.

use crate::support::{assert_hidden, fake_provider, hidden, send, urlencode, TestHub};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::response::Response;
use connector_hub::hubkey::Scope;

pub(crate) fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut r = Request::get(path);
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    r.body(Body::empty()).expect("request")
}

pub(crate) fn post(path: &str, cookie: Option<&str>, form: &str) -> Request<Body> {
    let mut r =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    r.body(Body::from(form.to_owned())).expect("request")
}

fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect()
}

fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().expect("pair").to_owned()
}

/// Signs in with `key` and returns the session cookie pair.
pub(crate) async fn sign_in(hub: &TestHub, key: &str) -> Result<String, (StatusCode, String)> {
    let (response, html) = send(hub, get("/signin", None)).await;
    let nonce = cookie_pair(&set_cookies(&response)[0]);
    let csrf = hidden(&html, "_csrf");
    let (response, html) = send(
        hub,
        post("/signin", Some(&nonce), &format!("_csrf={csrf}&key={key}")),
    )
    .await;
    if response.status() != StatusCode::SEE_OTHER {
        return Err((response.status(), html));
    }
    let session = set_cookies(&response)
        .into_iter()
        .find(|c| c.starts_with("hub_session="))
        .expect("session cookie");
    Ok(cookie_pair(&session))
}

#[tokio::test]
async fn pages_redirect_to_sign_in_and_sign_in_sets_a_strict_http_only_cookie() {
    let hub = TestHub::start(&[]).await;
    for path in ["/accounts", "/keys", "/accounts/acc_1"] {
        let (response, _) = send(&hub, get(path, None)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()[header::LOCATION], "/signin");
    }
    let (response, html) = send(&hub, get("/signin", None)).await;
    let nonce = cookie_pair(&set_cookies(&response)[0]);
    let csrf = hidden(&html, "_csrf");
    let (response, _) = send(
        &hub,
        post(
            "/signin",
            Some(&nonce),
            &format!("_csrf={csrf}&key={}", hub.admin_key),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let session = set_cookies(&response)
        .into_iter()
        .find(|c| c.starts_with("hub_session="))
        .expect("cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Strict"),
        "{session}"
    );
    assert!(
        !session.contains("Secure"),
        "plain HTTP hub: no Secure flag"
    );
    let (response, html) = send(&hub, get("/accounts", Some(&cookie_pair(&session)))).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(html.contains("No accounts"));
    assert_hidden(&html, &hub.admin_key);
}

#[tokio::test]
async fn cookies_are_secure_when_the_hub_is_reached_over_tls() {
    let hub = TestHub::start_with(&[], |s| {
        s.public_url = Some("https://hub.example.test".to_owned())
    })
    .await;
    let (response, _) = send(&hub, get("/signin", None)).await;
    assert!(set_cookies(&response)[0].contains("; Secure"));
}

#[tokio::test]
async fn sign_in_refuses_a_forged_form_a_wrong_key_and_a_key_without_scopes() {
    let hub = TestHub::start(&[]).await;
    let (response, html) = send(
        &hub,
        post("/signin", None, &format!("_csrf=x&key={}", hub.admin_key)),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(html.contains("expired"));
    let (_, writer) = hub
        .key_with("sessions-only", &[Scope::ConnectSessionsWrite])
        .await;
    let (status, html) = sign_in(&hub, &writer).await.expect_err("no page scope");
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("accounts:read"));
    assert_hidden(&html, &writer);
    let (status, _) = sign_in(&hub, "chub_wrong").await.expect_err("wrong key");
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn operator_forms_without_the_session_csrf_token_are_refused() {
    let hub = TestHub::start(&[]).await;
    let session = sign_in(&hub, &hub.admin_key).await.expect("signed in");
    let (response, _) = send(
        &hub,
        post("/keys", Some(&session), "name=x&scope=accounts:read"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (response, _) = send(
        &hub,
        post(
            "/keys",
            Some(&session),
            "_csrf=forged&name=x&scope=accounts:read",
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let keys = hub.hub.store().list_keys().await.expect("keys");
    assert_eq!(keys.len(), 1, "nothing was created");
}

#[tokio::test]
async fn a_key_created_on_the_keys_page_is_shown_once_then_masked() {
    let hub = TestHub::start(&[]).await;
    let session = sign_in(&hub, &hub.admin_key).await.expect("signed in");
    let (_, page) = send(&hub, get("/keys", Some(&session))).await;
    let csrf = hidden(&page, "_csrf");
    let (response, shown) = send(
        &hub,
        post(
            "/keys",
            Some(&session),
            &format!("_csrf={csrf}&name=ui-key&scope=accounts%3Aread&scope=keys%3Aadmin"),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let start = shown.find("id=\"new-key\">").expect("key shown") + "id=\"new-key\">".len();
    let key = shown[start..start + shown[start..].find('<').expect("end")].to_owned();
    assert!(key.starts_with("chub_"));
    assert!(shown.contains("only time"));
    let (_, page) = send(&hub, get("/keys", Some(&session))).await;
    assert_hidden(&page, &key);
    assert!(page.contains(&format!("••••{}", &key[key.len() - 4..])));
    assert!(sign_in(&hub, &key).await.is_ok());
}

#[tokio::test]
async fn a_disabled_key_ends_its_sign_in_session() {
    let hub = TestHub::start(&[]).await;
    let (id, key) = hub.key_with("reader", &[Scope::AccountsRead]).await;
    let session = sign_in(&hub, &key).await.expect("signed in");
    let (response, _) = send(&hub, get("/accounts", Some(&session))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let (response, _) = send(&hub, get("/keys", Some(&session))).await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "a reader cannot manage keys"
    );
    hub.hub
        .store()
        .set_key_state(&id, connector_hub::hubkey::KeyState::Disabled)
        .await
        .expect("disable");
    let (response, _) = send(&hub, get("/accounts", Some(&session))).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_disabled_keys_sessions_do_not_come_back_when_it_is_enabled() {
    let hub = TestHub::start(&[]).await;
    let (id, key) = hub.key_with("reader", &[Scope::AccountsRead]).await;
    let session = sign_in(&hub, &key).await.expect("signed in");
    hub.hub
        .set_key_state(&id, connector_hub::hubkey::KeyState::Disabled, "test")
        .await
        .expect("disable");
    hub.hub
        .set_key_state(&id, connector_hub::hubkey::KeyState::Enabled, "test")
        .await
        .expect("enable");
    let (response, _) = send(&hub, get("/accounts", Some(&session))).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "the session ended for good"
    );
    // The key itself works again.
    sign_in(&hub, &key).await.expect("signs in again");
}

#[tokio::test]
async fn a_regeneration_ends_the_sessions_of_the_old_value_even_in_the_same_second() {
    let hub = TestHub::start(&[]).await;
    let (id, key) = hub.key_with("reader", &[Scope::AccountsRead]).await;
    // Signed in and regenerated with no second between them (`now()` counts whole seconds).
    let old = sign_in(&hub, &key).await.expect("signed in");
    let (_, new) = hub
        .hub
        .regenerate_key(&id, "test")
        .await
        .expect("regenerate");
    let (response, _) = send(&hub, get("/accounts", Some(&old))).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // A session opened with the new value in the same second stays.
    let fresh = sign_in(&hub, secrecy::ExposeSecret::expose_secret(&new.text))
        .await
        .expect("signed in with the new value");
    let (response, _) = send(&hub, get("/accounts", Some(&fresh))).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn pages_refuse_framing_except_the_connect_page_for_configured_origins() {
    let hub = TestHub::start_with(&[], |s| {
        s.frame_ancestors = vec!["https://app.example.test".to_owned()]
    })
    .await;
    let (response, _) = send(&hub, get("/signin", None)).await;
    let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"));
    assert!(csp.contains("script-src 'self'"));
    assert_eq!(response.headers()[header::X_FRAME_OPTIONS], "DENY");
    let (response, _) = send(&hub, get("/connect/cs_unknown", None)).await;
    let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(
        csp.contains("frame-ancestors https://app.example.test"),
        "{csp}"
    );
    assert!(response.headers().get(header::X_FRAME_OPTIONS).is_none());
    assert_eq!(response.headers()[header::REFERRER_POLICY], "no-referrer");
}

#[tokio::test]
async fn the_connect_form_is_built_from_the_spec_and_never_echoes_a_secret() {
    let provider = fake_provider("lever").await;
    let hub = TestHub::start(&[&provider]).await;
    let new = hub
        .hub
        .create_session("o", &["lever".to_owned()], None, "test")
        .await
        .expect("session");
    let token = secrecy::ExposeSecret::expose_secret(&new.token).to_owned();
    let (response, form) = send(&hub, get(&format!("/connect/{token}"), None)).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "one connector: straight to its form"
    );
    let (_, form_html) = send(&hub, get(&format!("/connect/{token}/lever"), None)).await;
    let spec = connector_registry::find("lever").expect("lever").spec();
    for field in spec.default_variant().fields {
        assert!(
            form_html.contains(&format!("name=\"{}\"", field.key)),
            "{}",
            field.key
        );
        assert!(form_html.contains(field.label));
        if field.secret {
            assert!(form_html.contains(&format!(
                "id=\"f-{}\" name=\"{}\" type=\"password\"",
                field.key, field.key
            )));
        }
    }
    assert!(form_html.contains("href=\"/guides/lever\""));
    assert!(form.is_empty() || !form.contains("Connect"));
    let bad = provider.revoked["api_key"].clone();
    let csrf = hidden(&form_html, "_csrf");
    let (_, refused) = send(
        &hub,
        post(
            &format!("/connect/{token}/lever"),
            None,
            &format!("_csrf={csrf}&api_key={bad}&_label=Prod"),
        ),
    )
    .await;
    assert!(refused.contains("data-status=\"rejected\""));
    assert!(refused.contains("value=\"Prod\""));
    assert_hidden(&refused, &bad);
    let (response, guide) = send(&hub, get("/guides/lever", None)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(guide.contains(spec.name));
}

#[tokio::test]
async fn the_account_page_shows_secrets_masked_and_an_untouched_mask_keeps_the_key() {
    let provider = fake_provider("lever").await;
    let hub = TestHub::start(&[&provider]).await;
    let good = provider.good["api_key"].clone();
    let new = hub
        .hub
        .create_session("o", &[], None, "test")
        .await
        .expect("session");
    let token = secrecy::ExposeSecret::expose_secret(&new.token).to_owned();
    let (_, form) = send(&hub, get(&format!("/connect/{token}/lever"), None)).await;
    let csrf = hidden(&form, "_csrf");
    let (_, done) = send(
        &hub,
        post(
            &format!("/connect/{token}/lever"),
            None,
            &format!("_csrf={csrf}&api_key={good}"),
        ),
    )
    .await;
    assert!(done.contains("Connected"));
    let id = hub
        .hub
        .store()
        .list_accounts(&Default::default(), None, 10)
        .await
        .expect("list")[0]
        .id
        .clone();

    let session = sign_in(&hub, &hub.admin_key).await.expect("signed in");
    let (_, page) = send(&hub, get(&format!("/accounts/{id}"), Some(&session))).await;
    assert_hidden(&page, &good);
    let masked = connector_core::mask(&good);
    assert!(page.contains(&masked), "masked value on the edit form");
    let csrf = hidden(&page, "_csrf");
    let form = format!("_csrf={csrf}&_label=Edited&api_key={}", urlencode(&masked));
    let (response, page) = send(
        &hub,
        post(&format!("/accounts/{id}"), Some(&session), &form),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        page.contains("data-status=\"verified\""),
        "the stored key was kept and verified"
    );
    let account = hub.hub.account(&id).await.expect("account");
    assert_eq!(account.label, "Edited");
    let stored = hub.hub.credentials(&account).await.expect("opens");
    assert_eq!(
        secrecy::ExposeSecret::expose_secret(&stored["api_key"]),
        good
    );

    let (response, _) = send(
        &hub,
        post(
            &format!("/accounts/{id}/unlink"),
            Some(&session),
            &format!("_csrf={csrf}"),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(hub.hub.store().account(&id).await.expect("db").is_none());
}

#[tokio::test]
async fn hostile_and_oversized_form_values_are_refused_by_name_and_nothing_is_sent() {
    let provider = fake_provider("lever").await;
    let hub = TestHub::start(&[&provider]).await;
    let new = hub
        .hub
        .create_session("o", &[], None, "test")
        .await
        .expect("session");
    let token = secrecy::ExposeSecret::expose_secret(&new.token).to_owned();
    let (_, form) = send(&hub, get(&format!("/connect/{token}/lever"), None)).await;
    let csrf = hidden(&form, "_csrf");
    for value in [
        "' OR 1=1 --".to_owned(),
        "x".repeat(5000),
        "key\u{200b}zero-width".to_owned(),
    ] {
        let body = format!("_csrf={csrf}&api_key={}", urlencode(&value));
        let (response, page) =
            send(&hub, post(&format!("/connect/{token}/lever"), None, &body)).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(page.contains("data-status=\"invalid_input\""), "{page}");
        assert!(page.contains("api_key"), "the field is named");
        assert!(!page.contains(&value[..value.len().min(40)]) || value.len() < 12);
    }
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
}

#[tokio::test]
async fn the_accounts_page_filters_pages_and_escapes_what_it_echoes() {
    let hub = TestHub::start(&[]).await;
    let session = sign_in(&hub, &hub.admin_key).await.expect("signed in");
    let owner = "<script>alert(1)</script>' OR '1'='1";
    let (response, page) = send(
        &hub,
        get(
            &format!(
                "/accounts?owner={}&status=verified&connector=lever",
                urlencode(owner)
            ),
            Some(&session),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!page.contains("<script>alert"), "echoed filter is escaped");
    assert!(page.contains("match these filters"));
    let (response, page) = send(&hub, get("/accounts?cursor=nonsense", Some(&session))).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("cursor"));
}

#[tokio::test]
async fn the_webhooks_page_shows_a_new_secret_once_and_the_account_page_its_history() {
    let provider = fake_provider("lever").await;
    let hub =
        TestHub::start_with(&[&provider], |s| s.webhooks_allow_private_addresses = true).await;
    let session = sign_in(&hub, &hub.admin_key).await.expect("signed in");
    let (_, page) = send(&hub, get("/webhooks", Some(&session))).await;
    let csrf = hidden(&page, "_csrf");
    let form = format!(
        "_csrf={csrf}&url={}&description=ops",
        urlencode("http://127.0.0.1:9/hook")
    );
    let (response, created) = send(&hub, post("/webhooks", Some(&session), &form)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let start =
        created.find("id=\"new-secret\">").expect("secret shown") + "id=\"new-secret\">".len();
    // The page escapes `/` (`&#x2f;`): compare the secret itself with the page unescaped, or a
    // secret holding `//` would "leak" as the escapes of the endpoint's `http://`, and a leak
    // holding `/` would go unseen.
    let secret =
        created[start..start + created[start..].find('<').expect("end")].replace("&#x2f;", "/");
    assert!(secret.starts_with("whsec_"));
    let (_, again) = send(&hub, get("/webhooks", Some(&session))).await;
    assert_hidden(&again.replace("&#x2f;", "/"), &secret);
    assert!(again.contains("127.0.0.1:9"), "the endpoint is listed");

    let id = hub.link("lever", "customer-42", &provider.good).await;
    let (_, before) = send(&hub, get(&format!("/accounts/{id}"), Some(&session))).await;
    assert!(before.contains("status-history-empty"));
    provider.server.reset().await;
    hub.hub.reverify(&id).await.expect("reverify");
    let (_, after) = send(&hub, get(&format!("/accounts/{id}"), Some(&session))).await;
    assert!(after.contains("id=\"status-history\""), "{after}");
    assert!(after.contains("verified</span> → <span class=\"badge"));
    let (_, webhooks) = send(&hub, get("/webhooks", Some(&session))).await;
    assert!(
        webhooks.contains("data-state=\"pending\""),
        "a delivery was queued"
    );
}

#[tokio::test]
async fn the_webhooks_page_shows_and_edits_each_endpoints_event_types() {
    use connector_hub::service::EventType;
    let hub = TestHub::start_with(&[], |s| s.webhooks_allow_private_addresses = true).await;
    let session = sign_in(&hub, &hub.admin_key).await.expect("signed in");
    let (_, page) = send(&hub, get("/webhooks", Some(&session))).await;
    assert_eq!(
        page.matches("name=\"events\" value=\"account.").count(),
        4,
        "the new endpoint's form offers every type"
    );
    let csrf = hidden(&page, "_csrf");
    let form = format!(
        "_csrf={csrf}&url={}&events=account.linked&events=account.unlinked",
        urlencode("http://127.0.0.1:9/hook")
    );
    let (response, created) = send(&hub, post("/webhooks", Some(&session), &form)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        created.contains("data-events=\"account.linked,account.unlinked\""),
        "{created}"
    );
    let id = hub.hub.webhooks().await.expect("list")[0].id.clone();
    let events = || async { hub.hub.webhooks().await.expect("list")[0].events.clone() };
    assert_eq!(events().await, [EventType::Linked, EventType::Unlinked]);
    let edit = format!("/webhooks/{id}/events");
    let start = created
        .find(&format!("action=\"{edit}\""))
        .expect("an edit form");
    let edit_form = &created[start..start + created[start..].find("</form>").expect("end")];
    assert!(edit_form.contains("value=\"account.linked\" checked"));
    assert!(edit_form.contains("value=\"account.unlinked\" checked"));
    assert!(edit_form.contains("value=\"account.status_changed\">"));

    let (response, _) = send(
        &hub,
        post(
            &edit,
            Some(&session),
            &format!("_csrf={csrf}&events=account.status_changed"),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(events().await, [EventType::StatusChanged]);
    let (_, listed) = send(&hub, get("/webhooks", Some(&session))).await;
    assert!(listed.contains("data-events=\"account.status_changed\""));

    // Without the form's token, or naming an unknown type, nothing changes.
    let (response, _) = send(&hub, post(&edit, Some(&session), "events=account.linked")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (response, refused) = send(
        &hub,
        post(
            &edit,
            Some(&session),
            &format!("_csrf={csrf}&events=account.deleted"),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        refused.contains("account.status_changed, account.linked"),
        "{refused}"
    );
    assert_eq!(events().await, [EventType::StatusChanged]);

    // None ticked: every type.
    let (response, _) = send(&hub, post(&edit, Some(&session), &format!("_csrf={csrf}"))).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(events().await, EventType::ALL.to_vec());
    let (_, listed) = send(&hub, get("/webhooks", Some(&session))).await;
    assert!(listed.contains("Receives every event type"), "{listed}");

    // A key without keys:admin may not.
    let (_, reader) = hub.key_with("reader", &[Scope::AccountsRead]).await;
    let reader_session = sign_in(&hub, &reader).await.expect("signed in");
    let (_, page) = send(&hub, get("/accounts", Some(&reader_session))).await;
    let reader_csrf = hidden(&page, "_csrf");
    let (response, _) = send(
        &hub,
        post(
            &edit,
            Some(&reader_session),
            &format!("_csrf={reader_csrf}&events=account.linked"),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(events().await, EventType::ALL.to_vec());
}

#[tokio::test]
async fn the_account_page_shows_how_to_call_the_provider_through_the_proxy() {
    let workable = fake_provider("workable").await;
    let hub = TestHub::start(&[&workable]).await;
    let id = hub.link("workable", "customer-9", &workable.good).await;
    let session = sign_in(&hub, &hub.admin_key).await.expect("signed in");
    let (_, page) = send(&hub, get(&format!("/accounts/{id}"), Some(&session))).await;
    let start = page.find("id=\"proxy-example\"").expect("a proxy example");
    let example = page[start..start + page[start..].find("</pre>").expect("end")]
        .replace("&#x2f;", "/")
        .replace("&quot;", "\"");
    // The verification path with the account's subdomain filled in, the hub key a placeholder.
    let subdomain = &workable.good["subdomain"];
    assert!(
        example.contains(&format!("/api/v1/proxy/{id}/accounts/{subdomain}")),
        "{example}"
    );
    assert!(example.contains("$HUB_KEY"), "{example}");
    for (field, value) in &workable.good {
        if field != "subdomain" {
            assert_hidden(&page, value);
        }
    }
    assert_hidden(&page, &hub.admin_key);
}
