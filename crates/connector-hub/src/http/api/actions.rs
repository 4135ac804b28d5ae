//! `GET /api/v1/connectors/{id}/actions` and `POST /api/v1/accounts/{id}/actions/{action}`: the
//! actions a connector declares (typed requests beyond verification, such as minting a key for a
//! customer organization), and running one with an account's stored credentials, as `connector
//! run` does. A run's secret outputs are in its answer, once, and nowhere else.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use connector_core::action::ActionSpec;
use connector_core::http::Repeat;
use connector_core::{Field, Format, RawCredentials, Status};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::ToSchema;

use super::credentials::in_clear;
use crate::http::error::{ErrorBody, ErrorDetail, HttpError};
use crate::http::extract::{Body, Caller};
use crate::hubkey::Scope;
use crate::service::actions::ActionRun;
use crate::service::Hub;

/// A connector's declared actions.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionList {
    pub connector: String,
    /// Empty when the connector declares none.
    pub actions: Vec<ActionView>,
}

/// One declared action (the same declaration `connector describe` and docs/catalog.json show).
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionView {
    /// What to put in `POST /api/v1/accounts/{id}/actions/{action}`, e.g. `create-api-key`.
    pub id: String,
    pub name: String,
    pub description: String,
    /// The credential variant the action needs; an account of another variant may run it, with
    /// a warning, and the provider will probably refuse it.
    pub variant: String,
    /// The request's method, e.g. `POST`.
    pub method: String,
    /// The request's path on the provider's API, `{input}` placeholders filled from the inputs.
    pub path: String,
    /// Query parameters filled from inputs.
    pub query: Vec<QueryView>,
    /// `safe`: retried after a timeout or a server error; `only_if_refused`: retried only after
    /// a 429, which says the request was not processed (a request minting a key).
    pub repeat: String,
    pub inputs: Vec<InputView>,
    pub outputs: Vec<OutputView>,
    /// Warnings the run's answer carries when an input has a given value.
    pub cautions: Vec<CautionView>,
}

/// An input of an action.
#[derive(Debug, Serialize, ToSchema)]
pub struct InputView {
    pub key: String,
    pub label: String,
    pub help: String,
    pub required: bool,
    pub secret: bool,
    /// `text`, `uuid`, `pattern`, `choice` or `boolean`. A value that misses a `uuid` or
    /// `pattern` format only earns a warning; one outside `choices` is refused.
    pub format: String,
    /// The format in words, e.g. `UUID (8-4-4-4-12 hexadecimal digits)`.
    pub format_description: String,
    /// The regular expression a value should match, for `uuid` and `pattern`.
    pub pattern: Option<String>,
    /// The accepted values, for `choice`.
    pub choices: Option<Vec<String>>,
    /// Used when the input is absent or empty.
    pub default: Option<String>,
    /// An illustrative value.
    pub example: Option<String>,
}

/// A query parameter filled from an input.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueryView {
    pub name: String,
    pub input: String,
    /// Left out when the input has this value.
    pub omit_when: Option<String>,
}

/// A value the action returns.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutputView {
    pub key: String,
    pub label: String,
    pub description: String,
    /// A secret output (a minted key) is masked in `output` and given in clear in the run's
    /// `secret_outputs`, once.
    pub secret: bool,
}

/// A warning given when an input has a given value.
#[derive(Debug, Serialize, ToSchema)]
pub struct CautionView {
    pub input: String,
    pub when: String,
    pub message: String,
}

impl From<&ActionSpec<'_>> for ActionView {
    fn from(a: &ActionSpec) -> Self {
        Self {
            id: a.id.to_owned(),
            name: a.name.to_owned(),
            description: a.description.to_owned(),
            variant: a.variant.to_owned(),
            method: a.request.method.as_str().to_owned(),
            path: a.request.path_and_query(),
            query: a
                .query
                .iter()
                .map(|q| QueryView {
                    name: q.name.to_owned(),
                    input: q.input.to_owned(),
                    omit_when: q.omit_when.map(str::to_owned),
                })
                .collect(),
            repeat: match a.repeat {
                Repeat::Safe => "safe",
                Repeat::OnlyIfRefused => "only_if_refused",
            }
            .to_owned(),
            inputs: a.inputs.iter().map(InputView::from).collect(),
            outputs: a
                .outputs
                .iter()
                .map(|o| OutputView {
                    key: o.key.to_owned(),
                    label: o.label.to_owned(),
                    description: o.description.to_owned(),
                    secret: o.secret,
                })
                .collect(),
            cautions: a
                .cautions
                .iter()
                .map(|c| CautionView {
                    input: c.input.to_owned(),
                    when: c.when.to_owned(),
                    message: c.message.to_owned(),
                })
                .collect(),
        }
    }
}

impl From<&Field<'_>> for InputView {
    fn from(f: &Field) -> Self {
        let format = match f.format {
            Format::Text => "text",
            Format::Uuid => "uuid",
            Format::Pattern { .. } => "pattern",
            Format::Choice(_) => "choice",
            Format::KeyPrefix { .. } => "key_prefix",
            Format::Boolean => "boolean",
        };
        Self {
            key: f.key.to_owned(),
            label: f.label.to_owned(),
            help: f.help.to_owned(),
            required: f.required,
            secret: f.secret,
            format: format.to_owned(),
            format_description: f.format.describe(),
            pattern: f.format.regex().map(str::to_owned),
            choices: f
                .format
                .choices()
                .map(|values| values.iter().map(|v| (*v).to_owned()).collect()),
            default: f.default.map(str::to_owned),
            example: f.example.map(str::to_owned),
        }
    }
}

/// What to run an action with.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunAction {
    /// The action's inputs by key, as `GET /api/v1/connectors/{id}/actions` lists them. Values
    /// are strings; `true`, `false` and whole numbers are taken as their text, as `connector run
    /// --input` takes them. Absent: none.
    #[serde(default)]
    #[schema(schema_with = input_values)]
    pub inputs: Map<String, Value>,
}

impl fmt::Debug for RunAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // An input may be secret: only the keys are shown.
        f.debug_struct("RunAction")
            .field("inputs", &self.inputs.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn input_values() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(ObjectBuilder::new().schema_type(
            SchemaType::from_iter([Type::String, Type::Boolean, Type::Integer]),
        )))
}

/// An action's run: its report, with the account and the secret outputs. Debug shows no secret
/// output's value.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionRunView {
    pub account_id: String,
    pub connector: String,
    pub action: String,
    /// The credential variant the action ran with (the account's).
    pub variant: String,
    /// How the run ended: `done`; `invalid_input` (refused before sending); `rejected`,
    /// `forbidden`, `rate_limited`, `unavailable`, `unexpected` (as a check's); `not_found` (the
    /// action's target does not exist).
    pub status: String,
    /// The provider's answer, when there was one.
    pub http_status: Option<u16>,
    /// What happened and, on failure, what to do next.
    pub message: String,
    pub warnings: Vec<String>,
    /// The declared outputs, secret ones masked (`••••7c1e`); null unless `done`.
    #[schema(value_type = Option<Object>)]
    pub output: Option<Map<String, Value>>,
    pub elapsed_ms: u64,
    /// The secret outputs (a minted key) in clear, by key. Shown in this answer only: the hub
    /// keeps no copy, logs none and audits none.
    #[serde(serialize_with = "in_clear")]
    #[schema(value_type = BTreeMap<String, String>)]
    pub secret_outputs: BTreeMap<String, SecretString>,
}

impl From<ActionRun> for ActionRunView {
    fn from(run: ActionRun) -> Self {
        let report = run.result.report;
        Self {
            account_id: run.account.id,
            connector: report.connector,
            action: report.action,
            variant: report.variant,
            status: report.status.as_str().to_owned(),
            http_status: report.http_status,
            message: report.message,
            warnings: report.warnings,
            output: report.output,
            elapsed_ms: report.elapsed_ms,
            secret_outputs: run
                .result
                .secret_outputs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        }
    }
}

/// A refused request or run: the error, and the run's report when the action ran (its inputs
/// were refused before sending, or its target does not exist).
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionRefused {
    pub error: ErrorDetail,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<ActionRunView>,
}

#[utoipa::path(get, path = "/api/v1/connectors/{id}/actions", tag = "connectors",
    params(("id" = String, Path, description = "Connector id, e.g. `polytomic`")),
    responses((status = 200, body = ActionList, description = "The actions the connector declares, with their inputs and outputs; empty when it declares none"),
        (status = 404, body = ErrorBody, description = "No connector has this id (`not_found`)")),
    security(("hub_key" = [])))]
pub async fn list_actions(
    State(hub): State<Arc<Hub>>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ActionList>, HttpError> {
    let connector = hub.connector_or_404(&id)?;
    let spec = connector.spec();
    Ok(Json(ActionList {
        connector: spec.id.to_owned(),
        actions: spec.actions.iter().map(ActionView::from).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/actions/{action}", tag = "accounts",
    params(("id" = String, Path, description = "Account id"),
        ("action" = String, Path, description = "Action id, e.g. `create-api-key`")),
    request_body = RunAction,
    responses((status = 200, body = ActionRunView,
            description = "The action ran: `status` says how it ended (`done`, or a provider refusal such as `rejected`); `secret_outputs` holds what it minted, this once. An audit record `action.run` names the hub key, the action and its outcome",
            headers(("Cache-Control" = String, description = "`no-store`: the answer may hold a minted secret"))),
        (status = 403, body = ErrorBody, description = "The hub key lacks `actions:execute` (`insufficient_scope`)"),
        (status = 404, body = ActionRefused, description = "No account has this id (`not_found`); its connector declares no action by that name (`unknown_action`, listing the ones it has); or the action ran and the provider says its target does not exist (`not_found`, with `report`)"),
        (status = 422, body = ActionRefused, description = "The body does not fit (`invalid_body`), or the action ran and its inputs or the stored credentials were refused before sending (`invalid_input`, with `report`; the message names the field)")),
    security(("hub_key" = ["actions:execute"])))]
pub async fn run_action(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path((id, action)): Path<(String, String)>,
    Body(body): Body<RunAction>,
) -> Result<Response, HttpError> {
    caller.require(Scope::ActionsExecute)?;
    let inputs = RawCredentials::from_value(Value::Object(body.inputs))
        .map_err(|e| HttpError::invalid(format!("`inputs`: {e}")))?;
    let run = match hub
        .run_action(&id, &action, &inputs, &caller.actor())
        .await?
    {
        Ok(run) => run,
        Err(unknown) => {
            return Err(HttpError::new(
                StatusCode::NOT_FOUND,
                "unknown_action",
                unknown.message,
            ))
        }
    };
    let status = run.result.report.status;
    let view = ActionRunView::from(run);
    let mut response = match status {
        Status::InvalidInput => refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", view),
        Status::NotFound => refused(StatusCode::NOT_FOUND, "not_found", view),
        _ => Json(view).into_response(),
    };
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn refused(status: StatusCode, code: &str, report: ActionRunView) -> Response {
    let body = ActionRefused {
        error: ErrorDetail {
            code: code.to_owned(),
            message: report.message.clone(),
        },
        report: Some(report),
    };
    (status, Json(body)).into_response()
}
