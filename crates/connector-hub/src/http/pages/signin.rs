//! Signing in to the operator pages with a hub key, and out. The sign-in form's CSRF token is
//! bound to a nonce cookie; the session cookie is HttpOnly, SameSite=Strict, Secure over TLS.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{Extensions, HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use secrecy::ExposeSecret;

use super::form::{form_value, Fields};
use super::render::{context, page_error, redirect, render};
use crate::crypto::random_hex;
use crate::http::cookies::{
    cookie, csrf_token, csrf_valid, set_cookie, SESSION_COOKIE, SIGNIN_COOKIE,
};
use crate::http::extract::{authenticate, CsrfForm, Operator, PageRejection};
use crate::http::peer::client_addr;
use crate::service::Hub;

fn signin_page(hub: &Hub, status: StatusCode, error: Option<&str>) -> Response {
    let nonce = random_hex(16);
    let csrf = csrf_token(hub, &format!("signin:{nonce}"));
    let mut response = render(
        status,
        "signin.html",
        context! { title => "Sign in", csrf, error },
    );
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(SIGNIN_COOKIE, &nonce, 1800, hub.settings.secure_cookies()),
    );
    response
}

pub async fn signin_form(
    State(hub): State<Arc<Hub>>,
    operator: Result<Operator, PageRejection>,
) -> Response {
    if operator.is_ok() {
        return redirect("/accounts");
    }
    signin_page(&hub, StatusCode::OK, None)
}

pub async fn signin(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    extensions: Extensions,
    Form(form): Form<Fields>,
) -> Response {
    let nonce = cookie(&headers, SIGNIN_COOKIE).unwrap_or_default();
    if nonce.is_empty()
        || !csrf_valid(
            &hub,
            &format!("signin:{nonce}"),
            &form_value(&form, "_csrf"),
        )
    {
        return signin_page(
            &hub,
            StatusCode::FORBIDDEN,
            Some("The sign-in form expired. Paste your key again and sign in."),
        );
    }
    let addr = client_addr(&headers, &extensions, &hub.trusted_proxies);
    let key = match authenticate(&hub, &hub.signin_limiter, addr, &form_value(&form, "key")).await {
        Ok(key) => key,
        Err(e) => return signin_page(&hub, e.status, Some(&e.message)),
    };
    if !Hub::may_sign_in(&key) {
        return signin_page(
            &hub,
            StatusCode::FORBIDDEN,
            Some("This key cannot sign in: it needs the accounts:read or keys:admin scope."),
        );
    }
    let (token, seconds) =
        match hub.sign_in(&key).await {
            Ok(Some(session)) => session,
            Ok(None) => return signin_page(
                &hub,
                StatusCode::UNAUTHORIZED,
                Some(
                    "This key was disabled or regenerated while signing in. Sign in again with \
                     a current key.",
                ),
            ),
            Err(e) => return page_error(e, None),
        };
    let secure = hub.settings.secure_cookies();
    let mut response = redirect("/accounts");
    let headers = response.headers_mut();
    headers.append(
        SET_COOKIE,
        set_cookie(SESSION_COOKIE, token.expose_secret(), seconds, secure),
    );
    headers.append(SET_COOKIE, set_cookie(SIGNIN_COOKIE, "", 0, secure));
    response
}

pub async fn signout(
    State(hub): State<Arc<Hub>>,
    _operator: Operator,
    headers: HeaderMap,
    CsrfForm(_form): CsrfForm<Fields>,
) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let _ = hub.sign_out(&token).await;
    }
    let mut response = redirect("/signin");
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, hub.settings.secure_cookies()),
    );
    response
}
