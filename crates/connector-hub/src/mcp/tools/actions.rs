//! `run_action`: a connector action with an account's stored key; a secret output once.

use crate::http::api::actions::ActionRunView;
use crate::http::extract::Caller;
use crate::service::Hub;
use connector_core::{RawCredentials, Status};
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

use super::{parse, to_value, Outcome, ToolError};

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
pub(super) enum InputValue {
    Text(String),
    Flag(bool),
    Whole(i64),
}

pub(super) async fn run_action(hub: &Hub, caller: &Caller, arguments: JsonObject) -> Outcome {
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
