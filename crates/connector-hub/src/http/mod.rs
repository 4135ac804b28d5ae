//! The HTTP floor: the REST API under `/api/v1`, the HTML pages and the MCP server at `/mcp`,
//! all calling the service floor. `error.rs` is the one place errors become status codes, `extract.rs` says who may call
//! what, `middleware.rs` wraps every answer.

pub mod api;
pub mod cookies;
pub mod error;
pub mod extract;
pub mod mcp;
pub mod middleware;
pub mod pages;
pub mod peer;
pub mod serve;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::Router;

use crate::service::Hub;

/// Largest request body accepted (forms and JSON); credentials are small.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Every route, with the security headers, request logging and body limit.
pub fn router(hub: Arc<Hub>) -> Router {
    api::routes()
        .merge(pages::routes())
        .merge(mcp::routes(hub.clone(), MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            hub.clone(),
            middleware::current_connectors,
        ))
        .layer(axum::middleware::from_fn_with_state(
            hub.clone(),
            middleware::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            hub.clone(),
            middleware::request_deadline,
        ))
        .layer(axum::middleware::from_fn(middleware::log_requests))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(hub)
}
