//! What the API and the pages share over HTTP: the JSON error shape, the security headers, request
//! logging that never names a token, cookies, CSRF tokens and the client's address.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::crypto::hex;
use crate::service::{Hub, HubError};

/// `{"error": {"code", "message"}}` with a status.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds to wait, for 429.
    pub retry_after: Option<u64>,
}

/// The JSON body of every API error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable machine-readable code, e.g. `key_revoked` or `insufficient_scope`.
    pub code: String,
    /// What went wrong and what to do next.
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", message)
    }
}

impl From<HubError> for ApiError {
    fn from(e: HubError) -> Self {
        match e {
            HubError::Invalid { .. } => ApiError::invalid(e.to_string()),
            HubError::NotFound(m) => ApiError::not_found(m),
            HubError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            HubError::Store(e) => {
                tracing::error!("{e}");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the hub's database failed; the operator can find the cause in the hub's log",
                )
            }
            HubError::Key(e) => {
                tracing::error!("{e}");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "sealed_credentials",
                    "the stored credentials of this account cannot be opened with the hub's master \
                     keys; the operator can find the cause in the hub's log",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from(seconds.max(1)));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                "www-authenticate",
                HeaderValue::from_static("Bearer realm=\"connector-hub\""),
            );
        }
        response
    }
}

/// The client's address (loopback when the server was not given connection info, as in tests).
pub fn client_ip(extensions: &axum::http::Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

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

/// Adds the security headers to every answer. Pages refuse framing except the connect pages,
/// which the operator's configured origins may embed.
pub async fn security_headers(
    State(hub): State<Arc<Hub>>,
    request: Request,
    next: Next,
) -> Response {
    let connect = request.uri().path().starts_with("/connect/");
    let mut response = next.run(request).await;
    let ancestors = if connect && !hub.settings.frame_ancestors.is_empty() {
        hub.settings.frame_ancestors.join(" ")
    } else {
        "'none'".to_owned()
    };
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}"
    );
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(CONTENT_SECURITY_POLICY, value);
    }
    if !connect || hub.settings.frame_ancestors.is_empty() {
        headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Connect URLs carry their token in the path: never send it on as a referrer.
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Logs each request by its route pattern (`/connect/{token}`), so no token reaches the log.
pub async fn log_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "(no route)".to_owned());
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        route,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

/// RFC 3339 text of a Unix time in seconds.
pub fn rfc3339(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// A short human form of a Unix time, for pages.
pub fn human_time(seconds: Option<i64>) -> String {
    match seconds.and_then(|s| chrono::DateTime::from_timestamp(s, 0)) {
        Some(t) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        None => "never".to_owned(),
    }
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

    #[test]
    fn times_render_in_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(human_time(Some(0)), "1970-01-01 00:00 UTC");
        assert_eq!(human_time(None), "never");
    }
}
