//! What wraps every answer: the security headers (framing allowed only for the connect pages,
//! and only from the configured origins) and request logging that never names a token.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::api::proxy::PROXY_PREFIX;
use super::error::HttpError;
use super::mcp::MCP_PATH;
use crate::service::Hub;

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

/// Brings the process's custom connectors up to date before a request uses them (one small
/// read; see `service/connectors.rs`), so a connector another process added, replaced or
/// removed is served as it now is. Static files need none. A failed read leaves the registry as
/// it was: the request goes on and meets the database's trouble itself if it needs it.
pub async fn current_connectors(
    State(hub): State<Arc<Hub>>,
    request: Request,
    next: Next,
) -> Response {
    if !request.uri().path().starts_with("/static/") {
        if let Err(e) = hub.refresh_connectors().await {
            tracing::warn!("the connector registry could not be refreshed: {e}");
        }
    }
    next.run(request).await
}

/// Answers 503 when a request is not done within the hub's request deadline (a little more than
/// a provider check may take), so no request holds its connection and memory for longer. The
/// proxy has its own; `/mcp` has none here, as its event streams stay open while a session
/// lasts: each of its tool calls is bounded inside the MCP server.
pub async fn request_deadline(
    State(hub): State<Arc<Hub>>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path() == MCP_PATH {
        return next.run(request).await;
    }
    let deadline = if request.uri().path().starts_with(PROXY_PREFIX) {
        hub.settings.proxy_request_timeout()
    } else {
        hub.settings.request_timeout()
    };
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let mut e = HttpError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "request_timeout",
                "the hub did not finish this request in time; try again in a moment",
            );
            e.retry_after = Some(5);
            e.into_response()
        }
    }
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
