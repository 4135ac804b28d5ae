//! The MCP tools: their stable names, the scope each needs, the input types their schemas are
//! generated from (doc comments become descriptions), and what each does, through `Hub`'s
//! methods only. Answers reuse the REST API's views, so an agent reads what an API client reads.
//! No tool returns stored credentials, whatever the key's scopes: there is none to call.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use connector_core::{Field, RawCredentials, Status};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::Method;
use rmcp::handler::server::tool::schema_for_input;
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::resources::guide_uri;
use crate::clock::rfc3339;
use crate::http::api::accounts::{AccountChecked, AccountPage, AccountView};
use crate::http::api::actions::{ActionRunView, ActionView, InputView};
use crate::http::api::sessions::SessionCreated;
use crate::http::error::HttpError;
use crate::http::extract::Caller;
use crate::hubkey::Scope;
use crate::service::accounts::filter;
use crate::service::proxy::ProxyRequest;
use crate::service::{Hub, HubError};

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
        "list_connectors" => run(arguments, |a| async move { list_connectors(a) }).await,
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
                Ok(to_value(&AccountChecked::new(&account, &report)))
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

// ---- list_connectors ----

/// Which connectors to list.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListConnectors {
    /// Only this connector id, e.g. `lever`; every connector when absent.
    #[serde(default)]
    pub connector: Option<String>,
}

/// A connector as `list_connectors` shows it.
#[derive(Debug, Serialize)]
struct ConnectorView {
    id: &'static str,
    name: &'static str,
    category: &'static str,
    summary: &'static str,
    /// The ways to authenticate; the first is the default.
    variants: Vec<VariantView>,
    actions: Vec<ActionView>,
    /// The MCP resource holding how a person creates the key (markdown).
    guide: String,
}

#[derive(Debug, Serialize)]
struct VariantView {
    name: &'static str,
    label: &'static str,
    description: &'static str,
    /// What the person fills in on the connect page (the secret ones only there).
    fields: Vec<InputView>,
}

fn list_connectors(args: ListConnectors) -> Result<Value, ToolError> {
    let wanted = args.connector.filter(|c| !c.trim().is_empty());
    let connectors: Vec<ConnectorView> = connector_registry::all()
        .iter()
        .map(|c| c.spec())
        .filter(|spec| wanted.as_deref().is_none_or(|w| w == spec.id))
        .map(|spec| ConnectorView {
            id: spec.id,
            name: spec.name,
            category: spec.category,
            summary: spec.summary,
            variants: spec
                .variants
                .iter()
                .map(|v| VariantView {
                    name: v.name,
                    label: v.label,
                    description: v.description,
                    fields: v.fields.iter().map(field_view).collect(),
                })
                .collect(),
            actions: spec.actions.iter().map(ActionView::from).collect(),
            guide: guide_uri(spec.id),
        })
        .collect();
    if connectors.is_empty() {
        return Err(ToolError::new(
            "not_found",
            "no connector has this id; call `list_connectors` without `connector` to see them all",
        ));
    }
    Ok(json!({ "connectors": to_value(&connectors) }))
}

/// A credential field as `list_connectors` shows it. A secret field's example is left out: an
/// agent never enters a key, and an example shaped like a key has no place in its context.
fn field_view(field: &Field) -> InputView {
    let mut view = InputView::from(field);
    if field.secret {
        view.example = None;
    }
    view
}

// ---- list_accounts, get_account, verify_account ----

/// Filters and paging of the linked accounts.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListAccounts {
    /// Only the accounts of this owner: your identifier for the customer, as given when the
    /// connect link was created.
    #[serde(default)]
    pub owner: Option<String>,
    /// Only the accounts of this connector id, e.g. `lever` (see `list_connectors`).
    #[serde(default)]
    pub connector: Option<String>,
    /// Only the accounts with this status: `verified`, `rejected`, `forbidden`, `rate_limited`,
    /// `unavailable`, `unexpected`, `unchecked` (not checked yet) or `sealed` (its credentials
    /// do not open).
    #[serde(default)]
    pub status: Option<String>,
    /// Accounts per page, 1 to 500; 50 when absent.
    #[serde(default)]
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    #[serde(default)]
    pub cursor: Option<String>,
}

async fn list_accounts(hub: &Hub, args: ListAccounts) -> Result<Value, ToolError> {
    let limit = args.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ToolError::new(
            "invalid_arguments",
            format!("`limit` must be between 1 and {MAX_PAGE}"),
        ));
    }
    let (accounts, next_cursor) = hub
        .list_accounts(
            &filter(&args.connector, &args.status, &args.owner),
            args.cursor.as_deref(),
            i64::from(limit),
        )
        .await?;
    Ok(to_value(&AccountPage {
        accounts: accounts.iter().map(AccountView::from).collect(),
        next_cursor,
    }))
}

/// One linked account.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountId {
    /// The account's id (`acc_…`), as `list_accounts` gives it.
    pub account_id: String,
}

impl HasAccount for AccountId {
    fn account_id(&self) -> &str {
        &self.account_id
    }
}

// ---- create_connect_session ----

/// A connect link for one customer.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConnectSession {
    /// Your identifier for the customer (e.g. `customer-42`); the linked account is filed under
    /// it.
    pub owner: String,
    /// The connector ids the person may choose from (see `list_connectors`); every connector
    /// when absent or empty. With one, the link opens its form directly.
    #[serde(default)]
    pub connectors: Option<Vec<String>>,
    /// How long the link works, in seconds: 60 to 604800; 1800 when absent.
    #[serde(default)]
    #[schemars(range(min = 60, max = 604800))]
    pub expires_in: Option<i64>,
}

async fn create_connect_session(
    hub: &Hub,
    caller: &Caller,
    args: CreateConnectSession,
    context: &CallContext,
) -> Result<Value, ToolError> {
    let connectors = args.connectors.unwrap_or_default();
    let new = hub
        .create_session(
            &args.owner,
            &connectors,
            args.expires_in,
            &format!("{} over MCP", caller.actor()),
        )
        .await?;
    let path = format!("/connect/{}", new.token.expose_secret());
    let created = SessionCreated {
        id: new.session.id.clone(),
        url: format!("{}{path}", context.base_url),
        expires_at: rfc3339(new.session.expires_at),
        owner: new.session.owner.clone(),
        connectors: new.session.connectors.clone(),
        return_url: None,
        origin: None,
        relink_account_id: None,
    };
    let mut answer = to_value(&created);
    answer["path"] = json!(path);
    answer["next_step"] = json!(
        "Send `url` to the person who holds the provider account (only to them: it works once \
         and holds a secret token). They open it, choose the provider and enter their key in the \
         hub, which verifies it. Never ask them for the key. `list_accounts` with this owner then \
         shows the linked account."
    );
    if let Some(why) = &context.base_url_guessed {
        answer["url_note"] = json!(why);
    }
    Ok(answer)
}

// ---- run_action ----

/// An action to run with a linked account's stored key.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunAction {
    /// The account's id (`acc_…`).
    pub account_id: String,
    /// The action's id, e.g. `create-api-key` (`list_connectors` lists each connector's
    /// actions with their inputs).
    pub action: String,
    /// The action's inputs by key: strings; `true`, `false` and whole numbers are taken as their
    /// text.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, InputValue>>")]
    pub inputs: Option<Map<String, Value>>,
}

impl std::fmt::Debug for RunAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // An input may be secret: only its key is shown.
        f.debug_struct("RunAction")
            .field("account_id", &self.account_id)
            .field("action", &self.action)
            .field(
                "inputs",
                &self.inputs.as_ref().map(|i| i.keys().collect::<Vec<_>>()),
            )
            .finish()
    }
}

/// One input's value (for the schema only).
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum InputValue {
    Text(String),
    Flag(bool),
    Whole(i64),
}

async fn run_action(hub: &Hub, caller: &Caller, arguments: JsonObject) -> Outcome {
    let hinted = arguments
        .get("account_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let args = match parse::<RunAction>(arguments) {
        Ok(args) => args,
        Err(e) => return Outcome::new(Err(e), hinted),
    };
    let account_id = Some(args.account_id.clone());
    let inputs = match RawCredentials::from_value(Value::Object(args.inputs.unwrap_or_default())) {
        Ok(inputs) => inputs,
        Err(e) => {
            return Outcome::new(
                Err(ToolError::new(
                    "invalid_arguments",
                    format!("`inputs`: {e}"),
                )),
                account_id,
            )
        }
    };
    let run = match hub
        .run_action(
            &args.account_id,
            &args.action,
            &inputs,
            &format!("{} over MCP", caller.actor()),
        )
        .await
    {
        Ok(Ok(run)) => run,
        Ok(Err(unknown)) => {
            return Outcome::new(
                Err(ToolError::new("unknown_action", unknown.message)),
                account_id,
            )
        }
        Err(e) => return Outcome::new(Err(e.into()), account_id),
    };
    let action = run.result.report.action.clone();
    let status = run.result.report.status;
    let view = ActionRunView::from(run);
    let secret_keys: Vec<String> = view.secret_outputs.keys().cloned().collect();
    let mut answer = to_value(&view);
    let audit = format!("{action}: {status}");
    let result = match status {
        Status::InvalidInput | Status::NotFound => Err(ToolError {
            code: status.as_str().to_owned(),
            message: view.message.clone(),
            report: Some(answer),
        }),
        _ => {
            if !secret_keys.is_empty() {
                answer["secret_outputs_notice"] = json!(format!(
                    "SECRET: `secret_outputs` holds {} in clear, shown this once; the hub keeps \
                     no copy. Hand it to where it must be stored; do not repeat it elsewhere.",
                    secret_keys
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            Ok(answer)
        }
    };
    Outcome {
        result,
        account_id,
        audit,
    }
}

// ---- proxy_request ----

/// A request to a linked account's provider API; the hub adds the account's key.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProxyRequestInput {
    /// The account's id (`acc_…`).
    pub account_id: String,
    /// The HTTP method; `GET` when absent.
    #[serde(default)]
    pub method: Option<HttpMethod>,
    /// The path relative to the provider's API base URL, e.g. `v1/candidates` (percent-encode
    /// special characters in a segment). It cannot leave the base: `..`, encoded slashes and
    /// schemes are refused.
    pub path: String,
    /// Query parameters; a list repeats the parameter.
    #[serde(default)]
    pub query: Option<BTreeMap<String, QueryValue>>,
    /// Extra request headers (e.g. `accept`). `authorization`, cookies and hop-by-hop headers
    /// are not sent: the hub sends the account's own credential.
    #[serde(default)]
    pub headers: Option<BTreeMap<String, String>>,
    /// The request body: a string is sent as it is; any other JSON value is sent as JSON
    /// (`content-type: application/json` unless given).
    #[serde(default)]
    pub body: Option<Value>,
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
pub enum HttpMethod {
    #[serde(rename = "GET", alias = "get")]
    Get,
    #[serde(rename = "POST", alias = "post")]
    Post,
    #[serde(rename = "PUT", alias = "put")]
    Put,
    #[serde(rename = "PATCH", alias = "patch")]
    Patch,
    #[serde(rename = "DELETE", alias = "delete")]
    Delete,
    #[serde(rename = "HEAD", alias = "head")]
    Head,
}

impl HttpMethod {
    fn method(self) -> Method {
        match self {
            HttpMethod::Get => Method::GET,
            HttpMethod::Post => Method::POST,
            HttpMethod::Put => Method::PUT,
            HttpMethod::Patch => Method::PATCH,
            HttpMethod::Delete => Method::DELETE,
            HttpMethod::Head => Method::HEAD,
        }
    }
}

/// A query parameter's value, or several.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum QueryValue {
    One(Scalar),
    Many(Vec<Scalar>),
}

/// A string, a number or a boolean.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Scalar {
    Text(String),
    Number(serde_json::Number),
    Flag(bool),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Text(t) => t.clone(),
            Scalar::Number(n) => n.to_string(),
            Scalar::Flag(b) => b.to_string(),
        }
    }
}

/// Characters a path keeps as they are: the unreserved ones, sub-delimiters, `:`, `@`, `/` and
/// `%` (an escape the caller already wrote); anything else is percent-encoded.
const PATH_ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/')
    .remove(b'%')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// Encodes a query's names and values.
const QUERY_ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

async fn proxy_request(hub: &Arc<Hub>, arguments: JsonObject) -> Outcome {
    let hinted = arguments
        .get("account_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let args = match parse::<ProxyRequestInput>(arguments) {
        Ok(args) => args,
        Err(e) => return Outcome::new(Err(e), hinted),
    };
    let account_id = Some(args.account_id.clone());
    let method = args.method.unwrap_or(HttpMethod::Get).method();
    let audit_method = method.to_string();
    let result = forward(hub, args, method).await;
    let audit = match &result {
        Ok(answer) => format!(
            "{audit_method}: {}",
            answer["status"].as_u64().unwrap_or_default()
        ),
        Err(e) => format!("{audit_method}: refused: {}", e.code),
    };
    Outcome {
        result,
        account_id,
        audit,
    }
}

/// The request the proxy sends for these arguments.
fn proxy_request_of(args: &ProxyRequestInput, method: Method) -> Result<ProxyRequest, ToolError> {
    // A query written into the path joins the one given apart.
    let (path, inline_query) = match args.path.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (args.path.as_str(), None),
    };
    let path = percent_encoding::utf8_percent_encode(path.trim_start_matches('/'), PATH_ESCAPED)
        .to_string();
    let mut pairs: Vec<String> = inline_query
        .filter(|q| !q.is_empty())
        .map(|q| vec![q.to_owned()])
        .unwrap_or_default();
    for (name, value) in args.query.iter().flatten() {
        let values = match value {
            QueryValue::One(v) => vec![v.text()],
            QueryValue::Many(vs) => vs.iter().map(Scalar::text).collect(),
        };
        for v in values {
            pairs.push(format!(
                "{}={}",
                percent_encoding::utf8_percent_encode(name, QUERY_ESCAPED),
                percent_encoding::utf8_percent_encode(&v, QUERY_ESCAPED)
            ));
        }
    }
    let mut headers = HeaderMap::new();
    for (name, value) in args.headers.iter().flatten() {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            ToolError::new(
                "invalid_arguments",
                "a name in `headers` is not a valid HTTP header name",
            )
        })?;
        if name == CONTENT_LENGTH {
            // The length is the body's own, set when it is sent.
            continue;
        }
        let value = HeaderValue::from_str(value).map_err(|_| {
            ToolError::new(
                "invalid_arguments",
                format!("the value of header `{name}` holds characters a header cannot carry"),
            )
        })?;
        headers.append(name, value);
    }
    let body = match &args.body {
        None | Some(Value::Null) => reqwest::Body::from(Vec::new()),
        Some(Value::String(text)) => reqwest::Body::from(text.clone()),
        Some(other) => {
            if !headers.contains_key(CONTENT_TYPE) {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            reqwest::Body::from(other.to_string())
        }
    };
    Ok(ProxyRequest {
        method,
        path,
        query: (!pairs.is_empty()).then(|| pairs.join("&")),
        headers,
        body,
    })
}

async fn forward(
    hub: &Arc<Hub>,
    args: ProxyRequestInput,
    method: Method,
) -> Result<Value, ToolError> {
    let request = proxy_request_of(&args, method)?;
    let mut proxied = hub.proxy(&args.account_id, request).await?;
    let status = proxied.status.as_u16();
    let declared = proxied
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut headers = Map::new();
    for name in proxied.headers.keys() {
        let values: Vec<String> = proxied
            .headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        headers.insert(name.as_str().to_owned(), json!(values.join(", ")));
    }
    let json_type = proxied
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            let t = t.to_ascii_lowercase();
            t.contains("json")
        });

    // Read no more than the limit (and a little past it): a huge export is cut, not followed.
    let deadline = Duration::from_secs_f64(hub.settings.proxy_timeout);
    let mut bytes: Vec<u8> = Vec::new();
    let mut ended = false;
    let mut timed_out = false;
    let reading = async {
        loop {
            match proxied.body.chunk().await {
                Ok(Some(chunk)) => {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > MAX_PROXY_BODY + READ_PAST_LIMIT {
                        break Ok(());
                    }
                }
                Ok(None) => {
                    ended = true;
                    break Ok(());
                }
                Err(e) => break Err(e),
            }
        }
    };
    match tokio::time::timeout(deadline, reading).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            let why = proxied.redactor.for_people(&e.without_url().to_string());
            return Err(ToolError::new(
                "provider_unreachable",
                format!("the provider answered {status} but its body broke off ({why}); try again"),
            ));
        }
        Err(_) => timed_out = true,
    }
    let read = bytes.len();
    let truncated = !ended || read > MAX_PROXY_BODY;
    let mut answer = json!({"status": status, "headers": headers});
    let text = String::from_utf8(bytes);
    match text {
        Ok(text) => {
            // Redact first, then cut: a cut can never leave most of a key behind.
            let redacted = proxied.redactor.redact(&text).into_owned();
            let parsed = if truncated || !json_type {
                None
            } else {
                serde_json::from_str::<Value>(&redacted).ok()
            };
            match parsed {
                Some(value) => {
                    answer["body_format"] = json!("json");
                    answer["body"] = value;
                }
                None => {
                    answer["body_format"] = json!("text");
                    answer["body"] = json!(cut(&redacted, MAX_PROXY_BODY));
                }
            }
            if redacted != text {
                answer["redacted"] = json!(
                    "parts of the body held the account's key and were masked: the hub never \
                     hands a provider key to an agent"
                );
            }
        }
        Err(e) => {
            let mut raw = e.into_bytes();
            // A multi-byte character cut by the limit still makes text.
            if truncated {
                raw.truncate(MAX_PROXY_BODY);
                if let Ok(text) = String::from_utf8(raw.clone()) {
                    let redacted = proxied.redactor.redact(&text).into_owned();
                    answer["body_format"] = json!("text");
                    answer["body"] = json!(cut(&redacted, MAX_PROXY_BODY));
                } else {
                    answer["body_format"] = json!("binary");
                    answer["body"] = Value::Null;
                }
            } else {
                answer["body_format"] = json!("binary");
                answer["body"] = Value::Null;
            }
            if answer["body"].is_null() {
                answer["note"] = json!(
                    "the body is binary, which this tool does not show; ask the provider for a \
                     JSON or text representation"
                );
            }
        }
    }
    answer["body_bytes"] = match (truncated, declared) {
        (false, _) => json!(read),
        (true, Some(total)) => json!(total),
        (true, None) => Value::Null,
    };
    answer["truncated"] = json!(truncated);
    if truncated {
        let size = match declared {
            Some(total) => format!("{total} bytes"),
            None if timed_out => format!(
                "more than {read} bytes (it did not finish within {}s)",
                hub.settings.proxy_timeout
            ),
            None => format!("more than {} KiB", MAX_PROXY_BODY / 1024),
        };
        answer["note"] = json!(format!(
            "the body is {size}; only its first {} KiB are shown. Ask for less: a smaller page, \
             a filter, fewer fields.",
            MAX_PROXY_BODY / 1024
        ));
    }
    if matches!(status, 401 | 403) {
        answer["account_note"] = json!(
            "the provider refused the account's key for this call; the hub re-verifies the \
             account (get_account shows its status shortly)"
        );
    }
    Ok(answer)
}

/// `text` cut to at most `max` bytes at a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
