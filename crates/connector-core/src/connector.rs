//! The [`Connector`] trait: what a provider's crate implements. Only its declaration is required;
//! checking runs from the spec, and the account is read by the variant's declared proof unless
//! the connector reads it itself.

use async_trait::async_trait;
use serde_json::Value;

use crate::check::run_check;
use crate::http::HttpClient;
use crate::outcome::{CheckReport, Verdict};
use crate::prepare::CheckOptions;
use crate::proof::read_proof;
use crate::reader::{AccountProof, Reader};
use crate::secret::RawCredentials;
use crate::spec::{ConnectorSpec, CredentialVariant};

/// A provider connector. Implementations are unit structs registered once in the registry.
#[async_trait]
pub trait Connector: Send + Sync {
    /// The connector's declaration.
    fn spec(&self) -> &ConnectorSpec<'_>;

    /// Reads the account a successful verification response proves. An `Err` says which shape
    /// was expected; the check then ends `unexpected`. The default reads the variant's declared
    /// [`Proof`](crate::spec::Proof); override it only for a reading a proof cannot declare.
    fn account(&self, variant: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        read_proof(variant, body)
    }

    /// Provider-specific reading of a non-2xx response (e.g. a scope named in a 403 body). `None`
    /// keeps the generic mapping.
    fn classify(&self, _status: u16, _body: &Value) -> Option<Verdict> {
        None
    }

    /// Checks a credential against the provider. The default runs the spec's verification
    /// request; override only to verify in a way the spec cannot express.
    async fn check(
        &self,
        http: &HttpClient,
        variant: Option<&str>,
        credentials: &RawCredentials,
        options: &CheckOptions,
    ) -> CheckReport {
        run_check(self, http, variant, credentials, options).await
    }
}

impl<C: Connector + ?Sized> Reader for C {
    fn declaration(&self) -> &ConnectorSpec<'_> {
        Connector::spec(self)
    }

    fn read_account(
        &self,
        variant: &CredentialVariant,
        body: &Value,
    ) -> Result<AccountProof, String> {
        Connector::account(self, variant, body)
    }

    fn read_refusal(&self, status: u16, body: &Value) -> Option<Verdict> {
        Connector::classify(self, status, body)
    }
}
