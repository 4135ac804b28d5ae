//! A connector's declaration as a whole: identity, docs, credential variants (each with its
//! fields, auth and verification request) and what a field is for in a check.

use super::action::ActionSpec;
use super::auth::{Auth, ExtraHeader};
use super::field::Field;
use super::guide::SetupGuide;
use super::origin::{BaseUrl, Origin};
use super::proof::Proof;
use super::request::RequestSpec;
use crate::outcome::Status;
use crate::template::{base_placement, placeholders, Placement};

/// Everything a connector declares about its provider.
#[derive(Debug)]
pub struct ConnectorSpec<'a> {
    /// Stable kebab-case identifier, e.g. `polymer-hire`.
    pub id: &'a str,
    /// Display name, e.g. `Polymer Hire`.
    pub name: &'a str,
    /// What kind of product the provider is, e.g. `ATS (hiring)`.
    pub category: &'a str,
    /// One sentence on what the provider is, for the docs.
    pub summary: &'a str,
    /// The provider's API base URL, path prefix included; requests append their path to it.
    pub base_url: BaseUrl<'a>,
    /// Other origins the connector sends to (a token endpoint), each overridable by its name.
    pub origins: &'a [Origin<'a>],
    /// Links to the provider's own documentation.
    pub docs: &'a [DocLink<'a>],
    /// The credential variants; the first is the default.
    pub variants: &'a [CredentialVariant<'a>],
    /// How a person creates the key.
    pub guide: SetupGuide<'a>,
    /// Facts taken on trust because they could not be confirmed; the docs list them.
    pub assumptions: &'a [&'a str],
    /// Requests the connector can make beyond verification, e.g. minting a key.
    pub actions: &'a [ActionSpec<'a>],
    /// Requests per second `check --bulk` sends to this provider unless `--rate` says otherwise;
    /// `None` for no limit of its own.
    pub bulk_rate: Option<f64>,
    /// Outcomes the provider never documents an answer for (e.g. no documented 403): the suite
    /// does not require a fixture for them and the guide says so.
    pub undocumented: &'a [Status],
    /// Names of JSON members whose values identify a customer or a person (ids, emails, names):
    /// `cargo xtask record` replaces their values with stable placeholders wherever they appear
    /// before it writes a fixture.
    pub identifying: &'a [&'a str],
}

impl<'a> ConnectorSpec<'a> {
    /// The default credential variant (the first one declared).
    pub fn default_variant(&self) -> &'a CredentialVariant<'a> {
        &self.variants[0]
    }

    /// Finds an action by id.
    pub fn action(&self, id: &str) -> Option<&'a ActionSpec<'a>> {
        self.actions.iter().find(|a| a.id == id)
    }

    /// A named origin (e.g. `auth`).
    pub fn origin(&self, name: &str) -> Option<&'a Origin<'a>> {
        self.origins.iter().find(|o| o.name == name)
    }

    /// Finds a variant by name or alias.
    pub fn variant(&self, name: &str) -> Option<&'a CredentialVariant<'a>> {
        self.variants
            .iter()
            .find(|v| v.name == name || v.aliases.contains(&name))
    }
}

/// A link to the provider's documentation.
#[derive(Debug)]
pub struct DocLink<'a> {
    pub title: &'a str,
    pub url: &'a str,
}

/// One way of authenticating with the provider, with its own fields, auth and verification.
#[derive(Debug)]
pub struct CredentialVariant<'a> {
    /// Machine name, e.g. `api_key` or `partner`.
    pub name: &'a str,
    /// Other names accepted by `--variant`.
    pub aliases: &'a [&'a str],
    /// Human label, e.g. `Organization API key`.
    pub label: &'a str,
    /// When to use this variant.
    pub description: &'a str,
    /// The form a person fills in, in display order.
    pub fields: &'a [Field<'a>],
    /// How the key travels to the provider.
    pub auth: Auth<'a>,
    /// Headers sent on every request besides the credential.
    pub extra_headers: &'a [ExtraHeader<'a>],
    /// The request that proves the key works.
    pub verify: RequestSpec<'a>,
    /// How its successful answer is read into the account a report shows. `None` when the
    /// connector writes `account()` itself.
    pub proof: Option<Proof<'a>>,
}

impl<'a> CredentialVariant<'a> {
    pub fn field(&self, key: &str) -> Option<&'a Field<'a>> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// The request a check's verdict rests on: the verification request, or for a variant
    /// verified by its token exchange alone (an exchange and an empty verification path) the
    /// token request.
    pub fn verified_by(&self) -> &RequestSpec<'a> {
        match self.auth {
            Auth::Exchange(exchange) if self.verify.path.is_empty() => &exchange.request,
            _ => &self.verify,
        }
    }

    /// The field that holds the key itself: the first secret field the auth sends (the client
    /// secret of an exchange), else the first field it sends.
    pub fn key_field(&self) -> Option<&'a Field<'a>> {
        // The usual case, one field sent, without listing them (this runs for every check).
        if let Some(field) = self.auth.sole_field() {
            return self.field(field);
        }
        let sent = self.auth.fields();
        sent.iter()
            .filter_map(|k| self.field(k))
            .find(|f| f.secret)
            .or_else(|| sent.first().and_then(|k| self.field(k)))
    }

    /// What `field` is for beyond being typed in: secret, URL placeholder, base URL choice.
    pub fn roles(&self, spec: &ConnectorSpec, field: &Field) -> Vec<FieldRole> {
        let mut roles = Vec::new();
        if field.secret || self.key_field().is_some_and(|k| k.key == field.key) {
            roles.push(FieldRole::Secret);
        }
        if let Some(placement) = self.placement(spec, field.key) {
            roles.push(FieldRole::UrlPlaceholder(placement));
        }
        if spec.base_url.choice_field() == Some(field.key)
            || spec
                .origins
                .iter()
                .any(|o| o.url.choice_field() == Some(field.key))
        {
            roles.push(FieldRole::BaseUrlChoice);
        }
        if self.auth.fields().contains(&field.key) {
            roles.push(FieldRole::Credential);
        }
        roles
    }

    /// Where a field's value lands in a URL, if anywhere: the strictest placement over every
    /// default base URL and request path of this variant. Checked whatever the overrides say,
    /// so an override without the placeholder cannot let an escaping value through elsewhere.
    pub fn placement(&self, spec: &ConnectorSpec, key: &str) -> Option<Placement> {
        let mut found: Option<Placement> = None;
        let mut note = |p: Placement| found = Some(found.map_or(p, |f| f.max(p)));
        // No allocation: this runs for every field of every check, bulk included.
        let bases = std::iter::once(&spec.base_url).chain(spec.origins.iter().map(|o| &o.url));
        for base in bases {
            let single;
            let templates: &[(&str, &str)] = match base {
                BaseUrl::Template(t) => {
                    single = [("", *t)];
                    &single
                }
                BaseUrl::Choice { urls, .. } => urls,
            };
            for (_, template) in templates {
                if !template.contains('{') {
                    continue;
                }
                for (name, range) in placeholders(template) {
                    if name == key {
                        note(base_placement(template, range.start));
                    }
                }
            }
        }
        let exchange_path = match self.auth {
            Auth::Exchange(exchange) => Some(exchange.request.path),
            _ => None,
        };
        for path in std::iter::once(self.verify.path).chain(exchange_path) {
            if path.contains('{') && placeholders(path).any(|(name, _)| name == key) {
                note(Placement::PathSegment);
            }
        }
        found
    }
}

/// A field's part in a check, for forms and `describe --json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldRole {
    /// Masked everywhere, write-only in forms.
    Secret,
    /// Sent to the provider by the auth scheme.
    Credential,
    /// Filled into the URL; the value must fit the placement.
    UrlPlaceholder(Placement),
    /// Picks one of several base URLs (a region or environment).
    BaseUrlChoice,
}

impl FieldRole {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldRole::Secret => "secret",
            FieldRole::Credential => "credential",
            FieldRole::UrlPlaceholder(Placement::HostLabel) => "url_host_placeholder",
            FieldRole::UrlPlaceholder(Placement::PathSegment) => "url_path_placeholder",
            FieldRole::BaseUrlChoice => "base_url_choice",
        }
    }
}
