//! What a check and an action do before sending: pick the credential variant, validate the
//! credentials for it, check where their values land in URLs, and start the redactor that keeps
//! every secret sent out of what is printed. Also the settings both run under ([`CheckOptions`]).

use secrecy::ExposeSecret;

use crate::build::{BuildError, Overrides};
use crate::http::{Limits, Request};
use crate::outcome::Status;
use crate::redact::Redactor;
use crate::secret::{Credentials, RawCredentials};
use crate::spec::{ConnectorSpec, CredentialVariant};
use crate::template::UrlTemplate;
use crate::text::describe_value;
use crate::validate::validate;

/// Settings for one check (or action).
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Where requests go instead of the spec's URLs.
    pub urls: Overrides,
    pub limits: Limits,
}

impl CheckOptions {
    /// Options sending the API requests to `base_url` (tests, `--base-url`).
    pub fn with_base_url(base_url: impl Into<UrlTemplate>) -> Self {
        Self {
            urls: Overrides {
                base_url: Some(base_url.into()),
                ..Overrides::default()
            },
            ..Self::default()
        }
    }

    /// These options, with every request asking for its connection to be closed after the
    /// answer (see [`Limits::keep_connection`]).
    pub fn closing_connections(&self) -> Self {
        Self {
            urls: self.urls.clone(),
            limits: Limits {
                keep_connection: false,
                ..self.limits
            },
        }
    }
}

/// No credential variant by the name asked for. Display lists the ones there are; the name
/// itself is described, never quoted (a key given as the variant by mistake would be shown).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{connector} has no credential variant by that name ({described}); use one of: {}", .known.join(", "))]
pub struct UnknownVariant {
    pub connector: String,
    described: String,
    pub known: Vec<String>,
}

/// Picks the named variant, or the default one.
pub fn resolve_variant<'a>(
    spec: &'a ConnectorSpec<'a>,
    name: Option<&str>,
) -> Result<&'a CredentialVariant<'a>, UnknownVariant> {
    match name {
        None => Ok(spec.default_variant()),
        Some(name) => spec.variant(name).ok_or_else(|| UnknownVariant {
            connector: spec.id.to_owned(),
            described: describe_value(name),
            known: spec.variants.iter().map(|v| v.name.to_owned()).collect(),
        }),
    }
}

/// A variant resolved and credentials validated for it: what the requests are built from.
pub(crate) struct Prepared<'a> {
    pub variant: &'a CredentialVariant<'a>,
    pub credentials: Credentials<'a>,
    pub masked_key: Option<String>,
    /// Warnings of the validation, e.g. a key that does not look like its documented format.
    pub warnings: Vec<String>,
}

/// Why nothing is sent, with everything a report needs.
pub(crate) struct Refusal<'a> {
    /// `None` when no variant goes by the name asked for.
    pub variant: Option<&'a CredentialVariant<'a>>,
    pub status: Status,
    pub message: String,
    pub masked_key: Option<String>,
    pub warnings: Vec<String>,
}

/// Resolves the variant and validates the raw credentials for it.
pub(crate) fn prepare<'a>(
    spec: &'a ConnectorSpec<'a>,
    variant: Option<&str>,
    raw: &RawCredentials,
) -> Result<Prepared<'a>, Refusal<'a>> {
    // The unknown name is not repeated: it may be a key given in the wrong place.
    let variant = resolve_variant(spec, variant).map_err(|unknown| Refusal {
        variant: None,
        status: Status::InvalidInput,
        message: unknown.to_string(),
        masked_key: None,
        warnings: Vec::new(),
    })?;
    match validate(variant, raw) {
        Ok(valid) => Ok(Prepared {
            variant,
            credentials: valid.credentials,
            masked_key: valid.masked_key,
            warnings: valid.warnings,
        }),
        Err(invalid) => Err(Refusal {
            variant: Some(variant),
            status: Status::InvalidInput,
            message: invalid.message,
            masked_key: invalid.masked_key,
            warnings: invalid.warnings,
        }),
    }
}

impl<'a> Prepared<'a> {
    /// These credentials, once every field that lands in a URL is known to fit its place (one
    /// DNS label, one path segment) under the spec's default URLs, whatever the overrides say.
    /// Checks do this before their first request; actions rely on the builder, which checks each
    /// value it places.
    pub(crate) fn placed(self, spec: &ConnectorSpec) -> Result<Self, Refusal<'a>> {
        match check_placements(spec, self.variant, &self.credentials) {
            Ok(()) => Ok(self),
            Err(error) => Err(Refusal {
                variant: Some(self.variant),
                status: error.status(),
                message: error.to_string(),
                masked_key: self.masked_key,
                warnings: self.warnings,
            }),
        }
    }
}

/// The checks a credential set must pass before any request: every field that lands in a URL
/// fits its place (host label or path segment), under the spec's default URLs, whatever the
/// overrides say.
pub fn check_placements(
    spec: &ConnectorSpec,
    variant: &CredentialVariant,
    credentials: &Credentials,
) -> Result<(), BuildError> {
    for field in variant.fields {
        let Some(placement) = variant.placement(spec, field.key) else {
            continue;
        };
        match credentials.get(field.key) {
            Some(value) if placement.allows(value.expose_secret()) => {}
            Some(_) => {
                return Err(BuildError::Placement {
                    field: field.key.to_owned(),
                    label: field.label.to_owned(),
                    rule: placement.rule().to_owned(),
                })
            }
            None => {
                return Err(BuildError::Missing {
                    field: field.key.to_owned(),
                    label: field.label.to_owned(),
                })
            }
        }
    }
    Ok(())
}

/// Adds the exact credential-bearing header values of a request to what must never come out.
pub(crate) fn add_sent(redactor: &mut Redactor, request: &Request) {
    for value in request.headers.values().filter(|v| v.is_sensitive()) {
        if let Ok(text) = value.to_str() {
            redactor.add_sent(text);
        }
    }
}

/// What must never come out of a check: the secret field values, in every form, and the exact
/// credential-bearing header values sent.
pub fn redactor_for(credentials: &Credentials, request: &Request) -> Redactor {
    let mut redactor = Redactor::new(credentials.secrets());
    add_sent(&mut redactor, request);
    redactor
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::tests::{call, credentials, SPEC, VARIANT};
    use crate::build::Target;

    #[test]
    fn an_escaping_placeholder_value_is_refused_whatever_the_override() {
        let creds = credentials("acme.evil.example#", "key-0123456789");
        let overrides = Overrides {
            base_url: Some(UrlTemplate::parse("http://127.0.0.1:9").expect("valid in this test")),
            ..Overrides::default()
        };
        let err = check_placements(&SPEC, &VARIANT, &creds).expect_err("must fail");
        assert_eq!(err.field(), Some("subdomain"));
        let target = Target {
            spec: &SPEC,
            variant: &VARIANT,
            credentials: &creds,
            overrides: &overrides,
        };
        assert!(
            target.request(&call()).is_err(),
            "the path placeholder refuses it too"
        );
    }
}
