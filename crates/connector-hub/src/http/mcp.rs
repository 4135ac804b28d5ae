//! `/mcp`: the MCP server over Streamable HTTP, rmcp's tower service mounted in the hub's router
//! behind the API's authentication. Every request must carry `Authorization: Bearer <hub key>`:
//! without a valid one it gets the API's 401 (same codes, same failed-authentication limiter)
//! before rmcp sees it; with one, the key ([`Caller`]) rides in the request's extensions, where
//! the tools read its scopes. An MCP session belongs to the key that opened it: another key
//! presenting its id is refused as if it did not exist.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};

use super::error::HttpError;
use super::extract::Caller;
use crate::mcp::HubMcp;
use crate::service::Hub;

/// Where the MCP server is mounted.
pub const MCP_PATH: &str = "/mcp";

/// The header naming an MCP session.
const SESSION_HEADER: &str = "mcp-session-id";
/// MCP sessions tracked at once; past it, sessions idle for [`IDLE`] are forgotten, and a new
/// one is refused (503) while none is.
const MAX_SESSIONS: usize = 10_000;
/// rmcp ends a session after 5 idle minutes; its owner is forgotten after twice that.
const IDLE: Duration = Duration::from_secs(600);

/// The `/mcp` route: rmcp's Streamable HTTP service (one [`HubMcp`] per MCP session), behind
/// the hub-key gate. Request bodies are limited to `max_body` bytes, as the API's.
pub fn routes(hub: Arc<Hub>, max_body: usize) -> Router<Arc<Hub>> {
    let for_sessions = hub.clone();
    // The hub answers only requests with a valid hub key, which a page in someone's browser
    // never holds, so a rebound DNS name reaches nothing: the Host check that protects
    // unauthenticated local servers would only refuse the hub's own public name.
    let config = StreamableHttpServerConfig::default()
        .disable_allowed_hosts()
        .with_max_request_body_bytes(max_body);
    let service = StreamableHttpService::new(
        move || Ok(HubMcp::over_http(for_sessions.clone())),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let gate = Arc::new(Gate {
        hub,
        sessions: Mutex::default(),
    });
    Router::new()
        .route_service(MCP_PATH, service)
        .route_layer(axum::middleware::from_fn_with_state(gate, authenticate))
}

/// The hub, and which key opened each MCP session.
#[derive(Debug)]
struct Gate {
    hub: Arc<Hub>,
    sessions: Mutex<HashMap<String, Owner>>,
}

#[derive(Debug)]
struct Owner {
    key_id: String,
    seen: Instant,
}

impl Gate {
    /// Whether session `id` was opened by key `key_id` (and marks it used).
    fn owned_by(&self, id: &str, key_id: &str) -> bool {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        match sessions.get_mut(id) {
            Some(owner) if owner.key_id == key_id => {
                owner.seen = Instant::now();
                true
            }
            _ => false,
        }
    }

    /// Whether a new session has room, forgetting long-idle ones when the table is full.
    fn has_room(&self) -> bool {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if sessions.len() >= MAX_SESSIONS {
            sessions.retain(|_, owner| owner.seen.elapsed() < IDLE);
        }
        sessions.len() < MAX_SESSIONS
    }

    fn open(&self, id: &str, key_id: &str) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.insert(
            id.to_owned(),
            Owner {
                key_id: key_id.to_owned(),
                seen: Instant::now(),
            },
        );
    }

    fn close(&self, id: &str) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.remove(id);
    }
}

/// Authenticates the request's hub key as the API does, checks that a session it names is the
/// key's, and hands the key to the MCP server in the request's extensions.
async fn authenticate(State(gate): State<Arc<Gate>>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let caller = match Caller::from_request_parts(&mut parts, &gate.hub).await {
        Ok(caller) => caller,
        Err(e) => return e.into_response(),
    };
    let session = parts
        .headers
        .get(SESSION_HEADER)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    match &session {
        Some(id) if !gate.owned_by(id, &caller.0.id) => {
            return HttpError::new(
                StatusCode::NOT_FOUND,
                "unknown_session",
                "this MCP session has ended, or was opened with another hub key; start a new \
                 session (initialize) with this key",
            )
            .into_response();
        }
        None if !gate.has_room() => {
            let mut e = HttpError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "the hub holds as many MCP sessions as it allows; end unused sessions or try \
                 again in a few minutes",
            );
            e.retry_after = Some(60);
            return e.into_response();
        }
        _ => {}
    }
    let deleting = parts.method == Method::DELETE;
    let key_id = caller.0.id.clone();
    parts.extensions.insert(caller);
    let response = next.run(Request::from_parts(parts, body)).await;
    match session {
        None => {
            if let Some(id) = response.headers().get(SESSION_HEADER) {
                gate.open(&String::from_utf8_lossy(id.as_bytes()), &key_id);
            }
        }
        Some(id) if deleting && response.status().is_success() => gate.close(&id),
        Some(_) => {}
    }
    response
}
