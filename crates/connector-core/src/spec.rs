//! The declarative part of a connector: identity, credential fields, how the key is sent, how it is
//! verified and the setup guide. Everything here is `const`-constructible so a connector's
//! definition is checked by the compiler and costs nothing at run time.

use crate::action::ActionSpec;
use crate::guide::SetupGuide;

/// Everything a connector declares about its provider.
#[derive(Debug)]
pub struct ConnectorSpec {
    /// Stable kebab-case identifier, e.g. `polymer-hire`.
    pub id: &'static str,
    /// Display name, e.g. `Polymer Hire`.
    pub name: &'static str,
    /// What kind of product the provider is, e.g. `ATS (hiring)`.
    pub category: &'static str,
    /// One sentence on what the provider is, for the docs.
    pub summary: &'static str,
    /// The provider's API base URL, path prefix included; requests append their path to it.
    pub base_url: &'static str,
    /// Links to the provider's own documentation.
    pub docs: &'static [DocLink],
    /// The credential variants; the first is the default.
    pub variants: &'static [CredentialVariant],
    /// How a person creates the key.
    pub guide: SetupGuide,
    /// Facts taken on trust because they could not be confirmed; the docs list them.
    pub assumptions: &'static [&'static str],
    /// Requests the connector can make beyond verification, e.g. minting a key.
    pub actions: &'static [ActionSpec],
}

impl ConnectorSpec {
    /// The default credential variant (the first one declared).
    pub fn default_variant(&self) -> &'static CredentialVariant {
        &self.variants[0]
    }

    /// Finds an action by id.
    pub fn action(&self, id: &str) -> Option<&'static ActionSpec> {
        self.actions.iter().find(|a| a.id == id)
    }

    /// Finds a variant by name or alias.
    pub fn variant(&self, name: &str) -> Option<&'static CredentialVariant> {
        self.variants
            .iter()
            .find(|v| v.name == name || v.aliases.contains(&name))
    }
}

/// A link to the provider's documentation.
#[derive(Debug)]
pub struct DocLink {
    pub title: &'static str,
    pub url: &'static str,
}

/// One way of authenticating with the provider, with its own fields, auth and verification.
#[derive(Debug)]
pub struct CredentialVariant {
    /// Machine name, e.g. `api_key` or `partner`.
    pub name: &'static str,
    /// Other names accepted by `--variant`.
    pub aliases: &'static [&'static str],
    /// Human label, e.g. `Organization API key`.
    pub label: &'static str,
    /// When to use this variant.
    pub description: &'static str,
    /// The form a person fills in, in display order.
    pub fields: &'static [Field],
    /// How the key travels to the provider.
    pub auth: Auth,
    /// Headers sent on every request besides the credential.
    pub extra_headers: &'static [ExtraHeader],
    /// The request that proves the key works.
    pub verify: VerifyRequest,
}

impl CredentialVariant {
    pub fn field(&self, key: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// The field that holds the key itself (the one the auth scheme sends).
    pub fn key_field(&self) -> Option<&'static Field> {
        self.field(self.auth.field())
    }
}

/// A credential form field.
#[derive(Debug)]
pub struct Field {
    /// JSON key in a credentials object, e.g. `api_key`.
    pub key: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub required: bool,
    /// Secret fields are masked everywhere and marked write-only in the catalog.
    pub secret: bool,
    pub format: Format,
    /// An illustrative value; never a real key.
    pub example: Option<&'static str>,
    /// Environment variable `connector check` reads when no credentials file is given.
    pub env: Option<&'static str>,
    /// Value used when the field is left empty.
    pub default: Option<&'static str>,
}

impl Field {
    /// The usual secret API-key field; override what differs with struct update syntax.
    pub const fn api_key(env: &'static str) -> Field {
        Field {
            key: "api_key",
            label: "API Key",
            help: "The API key created in the provider's settings.",
            required: true,
            secret: true,
            format: Format::Text,
            example: None,
            env: Some(env),
            default: None,
        }
    }
}

/// What a field's value looks like. Checked locally; a mismatch is a warning, never a rejection,
/// because providers do not guarantee their formats.
#[derive(Debug, Clone, Copy)]
pub enum Format {
    /// Any text without whitespace or control characters.
    Text,
    /// A UUID such as `8e5dcfdd-d23d-4e6f-a136-119e1254847b`.
    Uuid,
    /// A regular expression the whole value should match, with a human description.
    Pattern {
        regex: &'static str,
        description: &'static str,
    },
    /// One of a fixed list of values; the list is the only accepted input.
    Choice(&'static [&'static str]),
    /// `true` or `false`.
    Boolean,
}

impl Format {
    /// A short human description, for docs and warnings.
    pub fn describe(&self) -> String {
        match self {
            Format::Text => "text".to_owned(),
            Format::Uuid => "UUID (8-4-4-4-12 hexadecimal digits)".to_owned(),
            Format::Pattern { description, .. } => (*description).to_owned(),
            Format::Choice(values) => format!("one of {}", values.join(", ")),
            Format::Boolean => "true or false".to_owned(),
        }
    }

    /// The regular expression a value should match, if the format has one.
    pub fn regex(&self) -> Option<&'static str> {
        match self {
            Format::Uuid => Some(UUID_REGEX),
            Format::Pattern { regex, .. } => Some(regex),
            _ => None,
        }
    }
}

pub(crate) const UUID_REGEX: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// How the key is sent.
#[derive(Debug, Clone, Copy)]
pub enum Auth {
    /// `Authorization: Bearer <field>`.
    Bearer { field: &'static str },
    /// `Authorization: Basic base64(<field>:)`: the key as username, empty password.
    BasicUsername { field: &'static str },
    /// `<header>: <field>`.
    Header {
        header: &'static str,
        field: &'static str,
    },
}

impl Auth {
    /// The credential field the scheme sends.
    pub fn field(&self) -> &'static str {
        match self {
            Auth::Bearer { field } | Auth::BasicUsername { field } | Auth::Header { field, .. } => {
                field
            }
        }
    }

    /// A one-line description, e.g. `Authorization: Bearer <api_key>`.
    pub fn describe(&self) -> String {
        match self {
            Auth::Bearer { field } => format!("Authorization: Bearer <{field}>"),
            Auth::BasicUsername { field } => {
                format!(
                    "Authorization: Basic base64(<{field}>:) (the key as username, empty password)"
                )
            }
            Auth::Header { header, field } => format!("{header}: <{field}>"),
        }
    }

    /// The short name used in listings: `bearer`, `basic` or `header:<name>`.
    pub fn kind(&self) -> String {
        match self {
            Auth::Bearer { .. } => "bearer".to_owned(),
            Auth::BasicUsername { .. } => "basic".to_owned(),
            Auth::Header { header, .. } => format!("header:{header}"),
        }
    }
}

/// A header sent on every request besides the credential.
#[derive(Debug, Clone, Copy)]
pub struct ExtraHeader {
    pub name: &'static str,
    pub value: HeaderValueSource,
}

/// Where an extra header's value comes from.
#[derive(Debug, Clone, Copy)]
pub enum HeaderValueSource {
    Fixed(&'static str),
    /// The value of a (non-secret) credential field, e.g. an API version.
    Field(&'static str),
}

/// The request that proves a key works.
#[derive(Debug, Clone, Copy)]
pub struct VerifyRequest {
    pub method: &'static str,
    /// Appended to the base URL; starts with `/`.
    pub path: &'static str,
    pub query: &'static [(&'static str, &'static str)],
    /// What a success proves, in one sentence, for docs and reports.
    pub proves: &'static str,
}

impl VerifyRequest {
    /// `GET /path?query`, for docs and logs.
    pub fn describe(&self) -> String {
        format!("{} {}", self.method, self.path_and_query())
    }

    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            return self.path.to_owned();
        }
        let query: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{}?{}", self.path, query.join("&"))
    }
}
