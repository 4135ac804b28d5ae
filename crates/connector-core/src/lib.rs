//! What every connector shares: the [`Connector`] trait, the declarative [`spec`] types, local
//! [`validate`]ion, the one request [`build`]er, the steps that [`prepare`] a [`check`] or an
//! [`action`], the shared [`http`] client, the typed [`outcome`]s of a check, and the
//! [`redact`]ion and [`text`] rules that keep secrets and terminal tricks out of what is printed.
//!
//! Modules depend in one direction: [`spec`] (plain data) ← [`validate`] ← [`build`] ←
//! [`prepare`] ← {[`check`], [`action`]}; nothing declared imports anything that runs.
//!
//! A connector is mostly data (a `const` [`ConnectorSpec`]): base URL templates and regions, the
//! way the credential travels (including a token exchange), one [`RequestSpec`] per request and
//! the answer rules that read it. It writes code only for what is its own: reading the account
//! out of the verification response, and, rarely, a provider-specific reading of refusals.

pub mod account;
pub mod action;
pub mod build;
pub mod check;
mod finish;
pub mod http;
pub mod outcome;
pub mod overrides;
pub mod prepare;
pub mod rate;
pub mod redact;
pub mod response;
pub mod secret;
pub mod spec;
pub mod template;
pub mod text;
pub mod validate;

/// The paths the setup guide and request types had before they joined [`spec`].
pub use spec::{guide, request};

use async_trait::async_trait;
use serde_json::Value;

pub use action::{run_action, ActionReport, ActionResult};
pub use build::{BuildError, ShownRequest};
pub use check::{dry_run, run_check, DryRun};
pub use http::{HttpClient, Limits};
pub use outcome::{Account, CheckReport, Status, Verdict};
pub use overrides::{BaseUrlEntry, BaseUrlReader, Overrides, UrlSlot};
pub use prepare::CheckOptions;
pub use redact::Redactor;
pub use secret::{mask, RawCredentials};
pub use spec::{
    ActionSpec, Answer, Auth, BaseUrl, Body, ClientAuth, ConnectorSpec, CredentialVariant, DocLink,
    ExtraHeader, Field, FieldRole, Format, HeaderValueSource, Literal, Match, Method, Origin, Part,
    RequestSpec, SecretHeader, SetupGuide, Step, TokenExchange, Troubleshooting,
};
pub use template::{Placement, UrlTemplate};

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

/// A provider connector. Implementations are unit structs registered once in the registry.
#[async_trait]
pub trait Connector: Send + Sync {
    /// The connector's declaration.
    fn spec(&self) -> &'static ConnectorSpec;

    /// Reads the account a successful verification response proves. An `Err` says which shape
    /// was expected; the check then ends `unexpected`.
    fn account(&self, variant: &CredentialVariant, body: &Value) -> Result<AccountProof, String>;

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

/// Helpers for reading account fields out of provider JSON.
pub mod json {
    use serde_json::{Map, Value};

    /// Copies the named fields of `from` that are present and not null into `into`.
    pub fn copy_fields(into: &mut Map<String, Value>, from: &Value, fields: &[&str]) {
        for field in fields {
            if let Some(v) = from.get(*field).filter(|v| !v.is_null()) {
                into.insert((*field).to_owned(), v.clone());
            }
        }
    }

    /// Copies the named fields of `from` into `into` as `<prefix>_<field>`.
    pub fn copy_prefixed(
        into: &mut Map<String, Value>,
        from: &Value,
        prefix: &str,
        fields: &[&str],
    ) {
        for field in fields {
            if let Some(v) = from.get(*field).filter(|v| !v.is_null()) {
                into.insert(format!("{prefix}_{field}"), v.clone());
            }
        }
    }

    /// Copies the named fields of `from` that are present and not null into `into`, each under
    /// its new name: `(from, to)` pairs such as `("createdAt", "key_created_at")`.
    pub fn copy_renamed(into: &mut Map<String, Value>, from: &Value, fields: &[(&str, &str)]) {
        for (name, renamed) in fields {
            if let Some(v) = from.get(*name).filter(|v| !v.is_null()) {
                into.insert((*renamed).to_owned(), v.clone());
            }
        }
    }

    /// `body["data"]` when the body wraps its payload in `data`, else the body itself.
    pub fn unwrap_data(body: &Value) -> &Value {
        match body.get("data") {
            Some(inner) if !inner.is_null() => inner,
            _ => body,
        }
    }
}
