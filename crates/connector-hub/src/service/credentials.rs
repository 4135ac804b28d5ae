//! Reading an account's stored credentials in clear, for a caller that calls the provider
//! directly: the values, and the base URLs its requests go to (placeholders filled, the hub's
//! overrides applied). Every read is audited before the values leave the service.

use std::collections::BTreeMap;

use connector_core::build::Target;
use connector_core::validate::validate;
use connector_core::{Connector, CredentialVariant};
use secrecy::SecretString;

use super::checks::sealed;
use super::hub::{variant, Hub, HubError};
use crate::clock::now;
use crate::store::AccountRow;

/// The audit action of a credentials read.
pub const CREDENTIALS_READ: &str = "credentials.read";

/// The key of the API's base URL among [`StoredCredentials::base_urls`]; each origin is under
/// its own name.
pub const API_BASE: &str = "api";

/// An account's stored credentials and where its provider's requests go. Debug shows no value.
#[derive(Debug)]
pub struct StoredCredentials {
    pub account: AccountRow,
    /// Every stored field, secret or not.
    pub values: BTreeMap<String, SecretString>,
    /// [`API_BASE`] and each origin's name to its base URL, without a trailing `/`; a URL that
    /// cannot be built from the stored values is left out.
    pub base_urls: BTreeMap<String, String>,
}

impl Hub {
    /// An account's stored credentials in clear, with its provider's base URLs. The read is
    /// audited (`credentials.read`, by `actor`) before anything is returned: when the record
    /// cannot be written, nothing is.
    pub async fn read_credentials(
        &self,
        id: &str,
        actor: &str,
    ) -> Result<StoredCredentials, HubError> {
        let account = self.account(id).await?;
        let connector = self.connector(&account.connector)?;
        let connector = connector.as_ref();
        let variant = variant(connector, Some(&account.variant))?;
        let values = self.open_credentials(&account).await?;
        let base_urls = self.base_urls(connector, variant, &values);
        self.store
            .audit_account(
                &account,
                actor,
                CREDENTIALS_READ,
                "credentials read for direct provider access",
            )
            .await?;
        Ok(StoredCredentials {
            account,
            values,
            base_urls,
        })
    }

    /// The stored credential values of an account about to be used. Values that do not open
    /// with the hub's master keys mark the account `sealed`, as a re-verification does, so it
    /// is no longer shown with its last checked status.
    pub(crate) async fn open_credentials(
        &self,
        account: &AccountRow,
    ) -> Result<BTreeMap<String, SecretString>, HubError> {
        match self.credentials(account).await {
            Err(HubError::Key(e)) => {
                let sealed = sealed(account.version, &e, self.next_check_at(now()));
                self.store.record_verification(&account.id, &sealed).await?;
                Err(HubError::Key(e))
            }
            other => other,
        }
    }

    /// The base URLs the connector's requests with these values go to: the API's, then each
    /// origin's, with the hub's `[base_urls]` overrides applied. One that cannot be built (a
    /// value it needs missing or refused) is left out; values that fail validation give none.
    fn base_urls(
        &self,
        connector: &dyn Connector,
        variant: &CredentialVariant<'_>,
        values: &BTreeMap<String, SecretString>,
    ) -> BTreeMap<String, String> {
        let (raw, options) = self.check_input(connector, values);
        let Ok(validated) = validate(variant, &raw) else {
            return BTreeMap::new();
        };
        let spec = connector.spec();
        let target = Target {
            spec,
            variant,
            credentials: &validated.credentials,
            overrides: &options.urls,
        };
        let mut urls = BTreeMap::new();
        if let Ok(url) = target.base_url(None) {
            urls.insert(API_BASE.to_owned(), url);
        }
        for origin in spec.origins {
            if let Ok(url) = target.base_url(Some(origin.name)) {
                urls.insert(origin.name.to_owned(), url);
            }
        }
        urls
    }
}
