//! Running a connector's declared action with an account's stored credentials, as `connector run`
//! does: the same validation, request and outcome, the hub's base URLs and limits, in one of the
//! places `request_checks` allows. Never retried by the hub. Each run is audited with its outcome;
//! a secret output is handed back once and kept nowhere.

use connector_core::action::run_action;
use connector_core::{ActionResult, ConnectorSpec, RawCredentials};

use super::hub::{Hub, HubError};
use crate::store::AccountRow;

/// The audit action of an action run.
pub const ACTION_RUN: &str = "action.run";

/// How long a request waits for a place to run its action.
const PLACE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// An action the account's connector does not declare; the message lists the ones it does.
#[derive(Debug)]
pub struct UnknownAction {
    pub message: String,
}

/// An action run on an account: its report (secret outputs masked) and the secret outputs, to be
/// shown once. Debug names the secret outputs without their values.
#[derive(Debug)]
pub struct ActionRun {
    pub account: AccountRow,
    pub result: ActionResult,
}

impl Hub {
    /// Runs action `action_id` of the account's connector with its stored credentials and
    /// `inputs`, and audits the run (`action.run`, by `actor`, with the action and its outcome).
    /// Every outcome of the action, `invalid_input` included, is in the report; an action the
    /// connector does not declare is `Ok(Err(..))`.
    pub async fn run_action(
        &self,
        id: &str,
        action_id: &str,
        inputs: &RawCredentials,
        actor: &str,
    ) -> Result<Result<ActionRun, UnknownAction>, HubError> {
        let account = self.account(id).await?;
        let connector = self.connector(&account.connector)?;
        let connector = connector.as_ref();
        let spec = connector.spec();
        let Some(action) = spec.action(action_id) else {
            return Ok(Err(UnknownAction {
                message: unknown_action(spec),
            }));
        };
        let values = self.open_credentials(&account).await?;
        let (credentials, options) = self.check_input(connector, &values);
        let result = {
            let place = tokio::time::timeout(PLACE_WAIT, self.request_checks.acquire()).await;
            let Ok(Ok(_place)) = place else {
                return Err(HubError::Busy(
                    "the hub is running as many provider requests as it allows; try again in a \
                     moment (nothing was sent)"
                        .to_owned(),
                ));
            };
            run_action(
                connector,
                &self.http,
                action,
                Some(&account.variant),
                &credentials,
                inputs,
                &options,
            )
            .await
        };
        let detail = format!("{}: {}", action.id, result.report.status);
        if let Err(e) = self
            .store
            .audit_account(&account, actor, ACTION_RUN, &detail)
            .await
        {
            // The action ran: what it made (a minted key) is shown once, in this answer, or lost.
            // So the answer goes out, and the missing record is in the log.
            tracing::error!(
                account = %account.id,
                action = action.id,
                status = %result.report.status,
                "the audit record of this action run could not be written: {e}"
            );
        }
        Ok(Ok(ActionRun { account, result }))
    }
}

/// Says the connector has no action by the name asked for (never quoted: it may be anything),
/// listing the ones it has.
fn unknown_action(spec: &ConnectorSpec) -> String {
    let ids: Vec<&str> = spec.actions.iter().map(|a| a.id).collect();
    if ids.is_empty() {
        format!("{} declares no actions", spec.name)
    } else {
        format!(
            "{} has no action by that name; its actions are: {} (GET /api/v1/connectors/{}/actions \
             describes them)",
            spec.name,
            ids.join(", "),
            spec.id
        )
    }
}
