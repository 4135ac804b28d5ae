//! Cookies and CSRF tokens for the pages: reading a cookie, setting a strict HttpOnly one, and
//! tokens bound to a sign-in nonce, a connect session or an operator's session.

use axum::http::{HeaderMap, HeaderValue};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::crypto::hex;
use crate::service::Hub;

/// The operator's sign-in session.
pub const SESSION_COOKIE: &str = "hub_session";
/// The nonce the sign-in form's CSRF token is bound to.
pub const SIGNIN_COOKIE: &str = "hub_signin";

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Secure over TLS; `max_age` 0 deletes it.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// A CSRF token bound to `subject` (a sign-in nonce or a connect session id).
pub fn csrf_token(hub: &Hub, subject: &str) -> String {
    let key = hub.keyring.derive("csrf");
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_ref()).expect("any key length");
    mac.update(subject.as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// Whether `given` is the CSRF token for `subject`, compared in constant time.
pub fn csrf_valid(hub: &Hub, subject: &str, given: &str) -> bool {
    equal(&csrf_token(hub, subject), given)
}

/// Constant-time string equality.
pub fn equal(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_several() {
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::COOKIE,
            HeaderValue::from_static("a=1; hub_session=xyz; b=2"),
        );
        assert_eq!(cookie(&headers, "hub_session").as_deref(), Some("xyz"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn session_cookies_are_strict_and_http_only() {
        let plain = set_cookie("s", "v", 60, false);
        let text = plain.to_str().expect("ascii");
        assert!(text.contains("HttpOnly") && text.contains("SameSite=Strict"));
        assert!(!text.contains("Secure"));
        assert!(set_cookie("s", "v", 60, true)
            .to_str()
            .expect("ascii")
            .contains("; Secure"));
    }
}
