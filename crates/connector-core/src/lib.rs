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
//! the answer rules that read it, and the [`Proof`] that reads the account out of a successful
//! verification ([`proof`]). It writes code only for what the declarations cannot say: rarely, a
//! provider-specific reading of refusals or of the account.

pub mod account;
pub mod action;
pub mod build;
pub mod check;
pub mod connector;
mod finish;
pub mod forward;
pub mod http;
pub mod json;
pub mod outcome;
pub mod overrides;
pub mod prepare;
pub mod proof;
pub mod rate;
pub mod reader;
pub mod redact;
pub mod response;
pub mod secret;
pub mod spec;
pub mod template;
pub mod text;
pub mod validate;

/// The paths the setup guide and request types had before they joined [`spec`].
pub use spec::{guide, request};

pub use action::{run_action, ActionReport, ActionResult};
pub use build::{BuildError, ShownRequest};
pub use check::{
    dry_run, exchange_alone, exchange_token, run_check, DryRun, ExchangeFailed, IssuedToken,
};
pub use connector::Connector;
pub use http::{HttpClient, Limits};
pub use outcome::{Account, CheckReport, Status, Verdict};
pub use overrides::{BaseUrlEntry, BaseUrlReader, Overrides, UrlSlot};
pub use prepare::CheckOptions;
pub use reader::AccountProof;
pub use redact::Redactor;
pub use secret::{mask, RawCredentials};
pub use spec::{
    ActionSpec, Answer, Auth, BaseUrl, Body, ClientAuth, ConnectorSpec, CredentialVariant, DocLink,
    ExtraHeader, Field, FieldRole, Format, HeaderValueSource, Literal, Match, Method, Origin, Part,
    Proof, RequestSpec, SecretHeader, SetupGuide, Shape, Source, Step, TokenExchange,
    Troubleshooting, Warning,
};
pub use template::{Placement, UrlTemplate};
