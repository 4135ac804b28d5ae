//! The MCP door: the hub as a Model Context Protocol server for AI agents, built on the official
//! Rust SDK (`rmcp`). The same hub keys and scopes as the API: a tool is listed only when the
//! key holds its scope, and calling one without it is a tool error naming the scope. Tools call
//! `Hub`'s methods only (`tools/`); connector setup guides are resources (`resources.rs`).
//! Served over stdio by `connector-hub mcp` and over Streamable HTTP at `/mcp` by the running hub
//! (`http/mcp.rs`). No tool hands out stored credentials.

pub mod resources;
pub mod tools;

use std::fmt;
use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use crate::http::extract::Caller;
use crate::service::Hub;
use tools::{CallContext, ToolError};

/// What the server tells an agent when it connects.
const INSTRUCTIONS: &str = "connector-hub holds API-key accounts that customers linked for \
providers (ATS and HR systems). Use `list_accounts` to find an account, `proxy_request` to call \
its provider's API (the hub adds the key), `run_action` for a connector's declared actions, and \
`verify_account` to re-check a key. To link a new account, `create_connect_session` gives a URL \
for the customer to open: never ask anyone for a provider key, and never type one. Each \
connector's setup guide is the resource `connector://<id>/guide`. The tools listed are those \
this hub key's scopes allow.";

/// Who the requests come from.
#[derive(Clone)]
enum Access {
    /// Streamable HTTP: `/mcp` authenticates every request with its bearer hub key and hands
    /// the [`Caller`] in the request's extensions.
    PerRequest,
    /// stdio: one hub key, authenticated again on every request, so a key disabled, revoked or
    /// regenerated while the agent runs stops working at once.
    Key(Arc<SecretString>),
}

/// The hub's MCP server, for one session (stdio: the process; HTTP: one MCP session).
#[derive(Clone)]
pub struct HubMcp {
    hub: Arc<Hub>,
    access: Access,
}

impl fmt::Debug for HubMcp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubMcp")
            .field(
                "access",
                &match self.access {
                    Access::PerRequest => "per request",
                    Access::Key(_) => "one key",
                },
            )
            .finish_non_exhaustive()
    }
}

impl HubMcp {
    /// A server behind `/mcp`, whose requests each carry their authenticated [`Caller`].
    pub fn over_http(hub: Arc<Hub>) -> Self {
        Self {
            hub,
            access: Access::PerRequest,
        }
    }

    /// A server acting with the hub key `key` (stdio), checked again on every request.
    pub fn with_key(hub: Arc<Hub>, key: SecretString) -> Self {
        Self {
            hub,
            access: Access::Key(Arc::new(key)),
        }
    }

    /// The hub key behind a request, or why there is none that works.
    async fn caller(&self, context: &RequestContext<RoleServer>) -> Result<Caller, ToolError> {
        // Over stdio no request passes the HTTP floor, which refreshes the registry otherwise.
        if matches!(self.access, Access::Key(_)) {
            if let Err(e) = self.hub.refresh_connectors().await {
                tracing::warn!("the connector registry could not be refreshed: {e}");
            }
        }
        match &self.access {
            Access::PerRequest => context
                .extensions
                .get::<axum::http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<Caller>())
                .cloned()
                .ok_or_else(|| {
                    ToolError::new(
                        "missing_key",
                        "this request carried no authenticated hub key; send \
                         `Authorization: Bearer <hub key>`",
                    )
                }),
            Access::Key(key) => match self.hub.authenticate(key.expose_secret()).await {
                Ok(Ok(row)) => Ok(Caller(row)),
                Ok(Err(failure)) => Err(ToolError::new(
                    failure.code(),
                    format!(
                        "{} (the key in CONNECTOR_HUB_KEY); restart the MCP server with a working \
                         hub key",
                        failure.message()
                    ),
                )),
                Err(e) => Err(e.into()),
            },
        }
    }

    /// Where connect links point: the hub's `public_url`, else the address this request reached
    /// (HTTP) or the one the hub listens on (stdio), said to be a guess.
    fn call_context(&self, context: &RequestContext<RoleServer>) -> CallContext {
        if let Some(url) = &self.hub.settings.public_url {
            return CallContext {
                base_url: url.trim_end_matches('/').to_owned(),
                base_url_guessed: None,
            };
        }
        let host = context
            .extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| parts.headers.get(axum::http::header::HOST))
            .and_then(|h| h.to_str().ok())
            .filter(|h| !h.is_empty())
            .map(str::to_owned);
        let (base_url, from) = match host {
            Some(host) => (format!("http://{host}"), "the address this request reached"),
            None => (
                format!("http://{}", self.hub.settings.listen),
                "the address the hub listens on",
            ),
        };
        CallContext {
            base_url,
            base_url_guessed: Some(format!(
                "the hub's `public_url` setting is not set, so `url` was built from {from}; if \
                 the person cannot reach it, give them the hub's public address followed by \
                 `path`"
            )),
        }
    }
}

/// A failed call as a tool result: `isError`, the message (what to do next) as text, and the
/// error as structured content.
fn error_result(error: &ToolError) -> CallToolResult {
    let mut result = CallToolResult::error(vec![ContentBlock::text(format!(
        "{} ({})",
        error.message, error.code
    ))]);
    result.structured_content = Some(error.to_value());
    result
}

impl ServerHandler for HubMcp {
    fn get_info(&self) -> ServerConfig {
        let mut config = ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_instructions(INSTRUCTIONS);
        config.server_info = Implementation::new("connector-hub", env!("CARGO_PKG_VERSION"))
            .with_title("connector-hub: linked API-key accounts");
        config
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let caller = self
            .caller(&context)
            .await
            .map_err(|e| ErrorData::invalid_request(e.message, None))?;
        Ok(ListToolsResult::with_all_items(
            tools::TOOLS
                .iter()
                .filter(|t| t.allowed(&caller.0.scopes))
                .map(|t| t.tool())
                .collect(),
        ))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(def) = tools::find(&request.name) else {
            // The name may be anything: it is not quoted back.
            return Err(ErrorData::invalid_params(
                format!(
                    "no tool has this name; the hub's tools are {} (`tools/list` shows those \
                     this key may call)",
                    tools::TOOLS
                        .iter()
                        .map(|t| t.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None,
            ));
        };
        let caller = match self.caller(&context).await {
            Ok(caller) => caller,
            Err(e) => return Ok(error_result(&e).into()),
        };
        let call_context = self.call_context(&context);
        let arguments = request.arguments.unwrap_or_default();
        // Every provider request inside has its own deadline; this bounds the call as a whole:
        // a proxied call's start, then its body read for at most `proxy_timeout` more.
        let deadline = self.hub.settings.proxy_request_timeout()
            + std::time::Duration::from_secs_f64(self.hub.settings.proxy_timeout);
        let outcome = match tokio::time::timeout(
            deadline,
            tools::call(&self.hub, &caller, def, arguments, &call_context),
        )
        .await
        {
            Ok(outcome) => outcome,
            Err(_) => tools::Outcome {
                result: Err(ToolError::new(
                    "request_timeout",
                    "the hub did not finish this call in time; try again in a moment",
                )),
                account_id: None,
                audit: "refused: request_timeout".to_owned(),
            },
        };
        self.hub
            .audit_mcp_tool(
                &caller.actor(),
                def.name,
                outcome.account_id.as_deref(),
                &outcome.audit,
            )
            .await;
        Ok(match outcome.result {
            Ok(value) => structured(value),
            Err(e) => error_result(&e),
        }
        .into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        self.caller(&context)
            .await
            .map_err(|e| ErrorData::invalid_request(e.message, None))?;
        Ok(ListResourcesResult::with_all_items(resources::guides(
            &self.hub,
        )))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        self.caller(&context)
            .await
            .map_err(|e| ErrorData::invalid_request(e.message, None))?;
        Ok(ListResourceTemplatesResult::with_all_items(vec![
            resources::guide_template(),
        ]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        self.caller(&context)
            .await
            .map_err(|e| ErrorData::invalid_request(e.message, None))?;
        match resources::read_guide(&self.hub, &request.uri) {
            Some(contents) => Ok(ReadResourceResult::new(vec![contents]).into()),
            None => Err(ErrorData::resource_not_found(
                "no resource has this URI; the guides are `connector://<id>/guide` with a \
                 connector id from `list_connectors` (`resources/list` lists them)",
                None,
            )),
        }
    }
}

/// A successful answer: the JSON as structured content, and as text for models that read only
/// text.
fn structured(value: Value) -> CallToolResult {
    CallToolResult::structured(value)
}
