//! The MCP tools: their stable names, the scope each needs, the input types their schemas are
//! generated from (doc comments become descriptions), and what each does, through `Hub`'s
//! methods only. Answers reuse the REST API's views, so an agent reads what an API client reads.
//! No tool returns stored credentials, whatever the key's scopes: there is none to call.

use std::sync::Arc;

use rmcp::handler::server::tool::schema_for_input;
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use crate::http::api::accounts::{AccountChecked, AccountView};
use crate::http::error::HttpError;
use crate::http::extract::Caller;
use crate::hubkey::Scope;
use crate::service::{Hub, HubError};

mod accounts;
mod actions;
mod connectors;
mod proxy;
mod sessions;

use accounts::*;
use actions::*;
use connectors::*;
use proxy::*;
use sessions::*;

/// Most of a proxied answer's body a tool result holds.
pub const MAX_PROXY_BODY: usize = 256 * 1024;
/// Read past the limit, so a secret cut in two by it is still seen whole and redacted.
const READ_PAST_LIMIT: usize = 4 * 1024;
/// Accounts per page when the call does not say, and the most one page may hold (the API's).
const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;

/// A tool as the server lists it: its name, the scope it needs (none: any valid hub key), what
/// it does for a model, its input schema and hints.
#[derive(Debug)]
pub struct ToolDef {
    pub name: &'static str,
    pub title: &'static str,
    pub scope: Option<Scope>,
    pub description: &'static str,
    schema: fn() -> Result<Arc<JsonObject>, String>,
    /// Changes nothing (read only), or changes something that a second identical call does not
    /// change again (idempotent).
    read_only: bool,
    idempotent: bool,
    /// Reaches a provider outside the hub.
    open_world: bool,
}

/// Every tool, in the order they are listed.
pub static TOOLS: &[ToolDef] = &[
    ToolDef {
        name: "list_connectors",
        title: "List connectors",
        scope: None,
        description: "List the providers the hub can link accounts of: id, name, category, the \
                      credential fields a person fills in, the actions each declares, and its \
                      setup guide (resource `connector://<id>/guide`). No secrets are here.",
        schema: schema_for_input::<ListConnectors>,
        read_only: true,
        idempotent: true,
        open_world: false,
    },
    ToolDef {
        name: "list_accounts",
        title: "List linked accounts",
        scope: Some(Scope::AccountsRead),
        description: "List linked accounts, newest first, filtered by owner, connector or status; \
                      each with its id, status and what its key proves, the key masked. Pass \
                      `next_cursor` back as `cursor` for the next page.",
        schema: schema_for_input::<ListAccounts>,
        read_only: true,
        idempotent: true,
        open_world: false,
    },
    ToolDef {
        name: "get_account",
        title: "Get a linked account",
        scope: Some(Scope::AccountsRead),
        description: "Get one linked account by id: connector, owner, status, last verification \
                      and what its key proves (the key masked, never in clear).",
        schema: schema_for_input::<AccountId>,
        read_only: true,
        idempotent: true,
        open_world: false,
    },
    ToolDef {
        name: "verify_account",
        title: "Re-verify a linked account",
        scope: Some(Scope::AccountsWrite),
        description: "Check a linked account's stored key against its provider now and record the \
                      outcome; returns the account and the check (status, message, advice on \
                      what to do when it failed).",
        schema: schema_for_input::<AccountId>,
        read_only: false,
        idempotent: true,
        open_world: true,
    },
    ToolDef {
        name: "create_connect_session",
        title: "Create a connect link",
        scope: Some(Scope::ConnectSessionsWrite),
        description: "Create a connect link for a customer (`owner`): returns the URL a person \
                      opens to link their own account by entering their key in the hub. Send the \
                      URL to that person; never ask them for the key, and never type one yourself.",
        schema: schema_for_input::<CreateConnectSession>,
        read_only: false,
        idempotent: false,
        open_world: false,
    },
    ToolDef {
        name: "run_action",
        title: "Run a connector action",
        scope: Some(Scope::ActionsExecute),
        description: "Run an action a connector declares (see `list_connectors`), such as minting \
                      an API key, with a linked account's stored key. A secret output is returned \
                      this once, in `secret_outputs`: the hub keeps no copy.",
        schema: schema_for_input::<RunAction>,
        read_only: false,
        idempotent: false,
        open_world: true,
    },
    ToolDef {
        name: "proxy_request",
        title: "Call the provider's API",
        scope: Some(Scope::Proxy),
        description: "Call a linked account's provider API through the hub, which adds the \
                      account's key: give a path relative to the provider's API base URL. Returns \
                      the status, headers and body (JSON or text; cut at 256 KiB, saying so).",
        schema: schema_for_input::<ProxyRequestInput>,
        read_only: false,
        idempotent: false,
        open_world: true,
    },
];

/// The tool called `name`.
pub fn find(name: &str) -> Option<&'static ToolDef> {
    TOOLS.iter().find(|t| t.name == name)
}

impl ToolDef {
    /// Whether a key with `scopes` may call this tool (and so sees it listed).
    pub fn allowed(&self, scopes: &[Scope]) -> bool {
        self.scope.is_none_or(|s| scopes.contains(&s))
    }

    /// The tool as `tools/list` shows it.
    pub fn tool(&self) -> Tool {
        let schema = (self.schema)().unwrap_or_else(|e| {
            // The input types are this file's own; a schema that is not an object is a bug.
            tracing::error!(tool = self.name, "input schema: {e}");
            Arc::new(JsonObject::from_iter([(
                "type".to_owned(),
                json!("object"),
            )]))
        });
        let scope = self
            .scope
            .map_or("Any hub key may call it.".to_owned(), |s| {
                format!("Needs the `{}` scope.", s.as_str())
            });
        Tool::new(self.name, format!("{} {scope}", self.description), schema)
            .with_title(self.title)
            .with_annotations(
                ToolAnnotations::with_title(self.title)
                    .read_only(self.read_only)
                    .destructive(false)
                    .idempotent(self.idempotent)
                    .open_world(self.open_world),
            )
    }
}

/// A tool call that did not do what was asked: a stable code, a message saying what to do next,
/// and, for an action that ran, its report.
#[derive(Debug)]
pub struct ToolError {
    pub code: String,
    pub message: String,
    pub report: Option<Value>,
}

impl ToolError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            report: None,
        }
    }

    /// The key lacks `scope`, which `tool` needs.
    pub fn scope(tool: &str, scope: Scope) -> Self {
        Self::new(
            "insufficient_scope",
            format!(
                "this hub key lacks the `{}` scope, which `{tool}` needs; ask the hub's operator \
                 for a hub key that has it (the Keys page), or use a tool this key lists",
                scope.as_str()
            ),
        )
    }

    /// As the JSON of a tool result.
    pub fn to_value(&self) -> Value {
        let mut error = json!({"error": {"code": self.code, "message": self.message}});
        if let Some(report) = &self.report {
            error["report"] = report.clone();
        }
        error
    }
}

impl From<HubError> for ToolError {
    fn from(e: HubError) -> Self {
        // The API's mapping gives the same codes and messages (and logs what the operator must
        // see); a hint is added where a tool helps.
        let e = HttpError::from(e);
        let message = match e.code {
            "not_found" => format!(
                "{}; `list_accounts` lists the accounts and their ids",
                e.message
            ),
            "busy" => format!("{} (wait a few seconds)", e.message),
            _ => e.message,
        };
        Self::new(e.code, message)
    }
}

/// What a call needs besides its arguments.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// Where the hub's pages are reached, for connect links: `public_url`, or a guess said so.
    pub base_url: String,
    /// Why `base_url` is a guess, when it is one.
    pub base_url_guessed: Option<String>,
}

/// A finished call: the answer, the account it was about, and how it ended for the audit log
/// (no value the caller typed, no secret).
#[derive(Debug)]
pub struct Outcome {
    pub result: Result<Value, ToolError>,
    pub account_id: Option<String>,
    pub audit: String,
}

impl Outcome {
    fn new(result: Result<Value, ToolError>, account_id: Option<String>) -> Self {
        let audit = match &result {
            Ok(_) => "ok".to_owned(),
            Err(e) => format!("refused: {}", e.code),
        };
        Self {
            result,
            account_id,
            audit,
        }
    }
}

/// Runs tool `def` for `caller` with `arguments`: the scope first, then the arguments, then the
/// hub.
pub async fn call(
    hub: &Arc<Hub>,
    caller: &Caller,
    def: &ToolDef,
    arguments: JsonObject,
    context: &CallContext,
) -> Outcome {
    if let Some(scope) = def.scope.filter(|s| !caller.0.scopes.contains(s)) {
        let account_id = arguments
            .get("account_id")
            .and_then(Value::as_str)
            .map(str::to_owned);
        return Outcome::new(Err(ToolError::scope(def.name, scope)), account_id);
    }
    match def.name {
        "list_connectors" => run(arguments, |a| async move { list_connectors(hub, a) }).await,
        "list_accounts" => run(arguments, |a| list_accounts(hub, a)).await,
        "get_account" => {
            let (result, id) = with_account(arguments, |a: AccountId| async move {
                let account = hub.account(&a.account_id).await?;
                Ok(to_value(&AccountView::from(&account)))
            })
            .await;
            Outcome::new(result, id)
        }
        "verify_account" => {
            let (result, id) = with_account(arguments, |a: AccountId| async move {
                let (account, report, _) = hub.reverify(&a.account_id).await?;
                Ok(to_value(&AccountChecked::new(hub, &account, &report)))
            })
            .await;
            Outcome::new(result, id)
        }
        "create_connect_session" => {
            run(arguments, |a| {
                create_connect_session(hub, caller, a, context)
            })
            .await
        }
        "run_action" => run_action(hub, caller, arguments).await,
        "proxy_request" => proxy_request(hub, arguments).await,
        _ => Outcome::new(
            Err(ToolError::new("unknown_tool", "no tool has this name")),
            None,
        ),
    }
}

/// Parses the arguments into `T` and runs `f` with them.
async fn run<T, F, Fut>(arguments: JsonObject, f: F) -> Outcome
where
    T: DeserializeOwned,
    F: FnOnce(T) -> Fut,
    Fut: std::future::Future<Output = Result<Value, ToolError>>,
{
    let result = match parse::<T>(arguments) {
        Ok(args) => f(args).await,
        Err(e) => Err(e),
    };
    Outcome::new(result, None)
}

/// Like [`run`] for a tool about one account: the account's id goes to the audit record.
async fn with_account<T, F, Fut>(
    arguments: JsonObject,
    f: F,
) -> (Result<Value, ToolError>, Option<String>)
where
    T: DeserializeOwned + HasAccount,
    F: FnOnce(T) -> Fut,
    Fut: std::future::Future<Output = Result<Value, HubError>>,
{
    let hinted = arguments
        .get("account_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    match parse::<T>(arguments) {
        Ok(args) => {
            let id = args.account_id().to_owned();
            (f(args).await.map_err(ToolError::from), Some(id))
        }
        Err(e) => (Err(e), hinted),
    }
}

trait HasAccount {
    fn account_id(&self) -> &str;
}

/// Arguments that do not fit the tool's input schema: a tool error naming what is wrong, so the
/// model can call again (never a protocol error).
fn parse<T: DeserializeOwned>(arguments: JsonObject) -> Result<T, ToolError> {
    serde_json::from_value(Value::Object(arguments)).map_err(|e| {
        ToolError::new(
            "invalid_arguments",
            format!("the arguments do not fit this tool's input schema: {e}"),
        )
    })
}

fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or_else(|e| json!({"error": e.to_string()}))
}
