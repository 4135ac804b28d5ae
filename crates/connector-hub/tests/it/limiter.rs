//! The failure limiter behind a TLS-terminating proxy: failures are counted per client, as the
//! trusted proxy reports it, and never lock out a valid key or another client; sign-in and the
//! API have budgets of their own.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use crate::support::{hidden, send, TestHub};

const BAD: &str = "chub_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// A GET of the accounts list with `key`, as forwarded by a proxy for `client`.
fn api(key: &str, client: Option<&str>) -> Request<Body> {
    let mut request =
        Request::get("/api/v1/accounts").header("authorization", format!("Bearer {key}"));
    if let Some(client) = client {
        request = request.header("x-forwarded-for", format!("{client}, 10.0.0.7"));
    }
    request.body(Body::empty()).expect("request")
}

async fn status(hub: &TestHub, request: Request<Body>) -> StatusCode {
    send(hub, request).await.0.status()
}

/// Posts the sign-in form with `key` for `client`; returns the answer's status.
async fn sign_in(hub: &TestHub, key: &str, client: &str) -> StatusCode {
    let (response, html) = send(
        hub,
        Request::get("/signin").body(Body::empty()).expect("get"),
    )
    .await;
    let nonce = response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("nonce cookie")
        .to_owned();
    let form = format!("_csrf={}&key={key}", hidden(&html, "_csrf"));
    let request = Request::post("/signin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, nonce)
        .header("x-forwarded-for", client)
        .body(Body::from(form))
        .expect("post");
    send(hub, request).await.0.status()
}

#[tokio::test]
async fn behind_a_trusted_proxy_failures_count_per_client_and_never_lock_out_a_valid_key() {
    let hub = TestHub::start_with(&[], |s| {
        s.auth_failures_per_minute = 3;
        // Requests driven through the router come from 127.0.0.1: the proxy.
        s.trusted_proxies = vec!["127.0.0.1".to_owned(), "10.0.0.0/8".to_owned()];
    })
    .await;
    for _ in 0..3 {
        assert_eq!(
            status(&hub, api(BAD, Some("203.0.113.1"))).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        status(&hub, api(BAD, Some("203.0.113.1"))).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the guessing client is slowed down"
    );
    // Another client behind the same proxy is not.
    assert_eq!(
        status(&hub, api(BAD, Some("203.0.113.2"))).await,
        StatusCode::UNAUTHORIZED
    );
    // A valid key is accepted from anyone, the guessing client's address included.
    for client in ["203.0.113.1", "203.0.113.2"] {
        assert_eq!(
            status(&hub, api(&hub.admin_key, Some(client))).await,
            StatusCode::OK
        );
    }
    // Sign-in has a budget of its own: the API failures above do not block it.
    assert_eq!(
        sign_in(&hub, &hub.admin_key, "203.0.113.1").await,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_forwarded_address_from_an_untrusted_peer_is_ignored() {
    let hub = TestHub::start_with(&[], |s| s.auth_failures_per_minute = 3).await;
    // Without trusted proxies, a client cannot escape its budget by naming other addresses.
    for n in 0..3 {
        let client = format!("198.51.100.{n}");
        assert_eq!(
            status(&hub, api(BAD, Some(&client))).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        status(&hub, api(BAD, Some("198.51.100.200"))).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        status(&hub, api(&hub.admin_key, None)).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn sign_in_failures_do_not_spend_the_apis_budget() {
    let hub = TestHub::start_with(&[], |s| s.auth_failures_per_minute = 2).await;
    for _ in 0..2 {
        assert_eq!(
            sign_in(&hub, BAD, "192.0.2.1").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        sign_in(&hub, BAD, "192.0.2.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(status(&hub, api(BAD, None)).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        sign_in(&hub, &hub.admin_key, "192.0.2.1").await,
        StatusCode::SEE_OTHER
    );
}

#[test]
fn trusted_proxies_are_read_from_the_environment_and_a_malformed_one_is_named() {
    use connector_hub::settings::{Flags, Settings};
    let env = |value: &str| {
        std::collections::HashMap::from([(
            "CONNECTOR_HUB__TRUSTED_PROXIES".to_owned(),
            value.to_owned(),
        )])
    };
    let settings =
        Settings::load(None, env("10.0.0.0/8,192.0.2.1"), &Flags::default()).expect("loads");
    assert_eq!(settings.trusted_proxy_nets().expect("valid").len(), 2);
    let err = Settings::load(None, env("10.0.0.0/8,10.0.0.0/33"), &Flags::default())
        .expect_err("refused");
    assert!(err.to_string().contains("trusted_proxies"), "{err}");
}
