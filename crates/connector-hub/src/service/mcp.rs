//! What the MCP door needs of the service floor beyond what the API already uses: the audit
//! record every tool call leaves (`mcp.tool`), naming the hub key, the tool, its outcome and,
//! when the call named one, the account.

use super::hub::Hub;

/// The audit action of an MCP tool call.
pub const MCP_TOOL: &str = "mcp.tool";

impl Hub {
    /// Records one MCP tool call by `actor`: `tool` and how it ended (`outcome`, never a secret
    /// nor a value the caller typed), filed under the account when `account_id` names one. A
    /// record that cannot be written is reported in the log: the call has happened (an action
    /// may have minted a key only its answer holds), so its answer still goes out.
    pub async fn audit_mcp_tool(
        &self,
        actor: &str,
        tool: &str,
        account_id: Option<&str>,
        outcome: &str,
    ) {
        let detail = format!("{tool}: {outcome}");
        let written = match account_id.filter(|id| !id.is_empty()) {
            Some(id) => match self.store.account(id).await {
                Ok(Some(account)) => {
                    self.store
                        .audit_account(&account, actor, MCP_TOOL, &detail)
                        .await
                }
                // The id may be anything the agent typed: it is not quoted.
                Ok(None) => {
                    self.store
                        .audit_event(
                            actor,
                            MCP_TOOL,
                            &format!("{detail} (no account has the id given)"),
                        )
                        .await
                }
                Err(e) => Err(e),
            },
            None => self.store.audit_event(actor, MCP_TOOL, &detail).await,
        };
        if let Err(e) = written {
            tracing::error!(
                tool,
                "the audit record of this MCP tool call could not be written: {e}"
            );
        }
    }
}
