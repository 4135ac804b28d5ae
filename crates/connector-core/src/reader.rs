//! What running a check or an action needs of a connector: its declaration and its readings of
//! an answer. Every `Connector` is one; `check`, `action` and
//! `response` ask only this of it, so they need not know the trait that runs them.

use serde_json::Value;

use crate::outcome::{Account, Verdict};
use crate::spec::{ConnectorSpec, CredentialVariant};

/// What a successful verification proves: the account, plus anything worth a warning.
#[derive(Debug, Default)]
pub struct AccountProof {
    pub account: Account,
    pub warnings: Vec<String>,
}

impl AccountProof {
    pub fn new(account: Account) -> Self {
        Self {
            account,
            warnings: Vec::new(),
        }
    }
}

/// A connector as the steps of a check see it.
pub trait Reader: Send + Sync {
    /// The connector's declaration.
    fn declaration(&self) -> &ConnectorSpec<'_>;

    /// The account a successful verification response proves.
    fn read_account(
        &self,
        variant: &CredentialVariant,
        body: &Value,
    ) -> Result<AccountProof, String>;

    /// A provider-specific reading of a non-2xx response, if any.
    fn read_refusal(&self, status: u16, body: &Value) -> Option<Verdict>;
}
