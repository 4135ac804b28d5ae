//! Building requests from a spec: the URL from a base URL template and the request's path, the
//! credential as the variant sends it, headers and body. Every request (verification, token
//! exchange, action) goes through [`build`], once to send it and, for `--dry-run`, once to show it
//! with every secret masked, so what is shown is what would be sent.

use base64::Engine as _;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::ExposeSecret;
use serde::Serialize;
use url::Url;

use crate::http::{header_name, Repeat, Request, RequestBody, USER_AGENT};
use crate::outcome::Status;
pub use crate::overrides::Overrides;
use crate::secret::{mask, Credentials};
use crate::spec::request::{Body, Method, RequestSpec};
use crate::spec::{
    Auth, BaseUrl, ClientAuth, ConnectorSpec, CredentialVariant, HeaderValueSource, Part,
};
use crate::template::{base_placement, fill, Placement};

/// What a token-bearing request carries in place of the token.
#[derive(Debug, Clone, Copy)]
pub enum Token<'a> {
    /// Not a request that needs one.
    None,
    /// The exchanged token.
    Value(&'a secrecy::SecretString),
    /// Not exchanged yet: shown as a placeholder (`--dry-run`).
    Pending,
}

/// The placeholder shown where an exchanged token will go.
pub const TOKEN_PLACEHOLDER: &str = "<access_token from the exchange>";

/// Whether a request is built to send, or to show with its secrets masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    Send,
    Show,
}

/// One request to build.
#[derive(Debug)]
pub struct Call<'a> {
    pub request: &'a RequestSpec<'a>,
    /// The named origin it goes to; `None` for the API base URL.
    pub origin: Option<&'a str>,
    /// The credential it carries.
    pub credential: Credential<'a>,
    /// Query parameters computed by the caller (an action's inputs), already final.
    pub extra_query: &'a [(&'a str, String)],
    /// Inputs filling placeholders before the credential fields (an action's).
    pub inputs: Option<&'a Credentials<'a>>,
    pub repeat: Repeat,
}

/// The credential a request carries.
#[derive(Debug, Clone, Copy)]
pub enum Credential<'a> {
    /// As the variant's auth declares (for an exchange: the token).
    Variant(Token<'a>),
    /// The client credentials of a token request.
    Client(&'a ClientAuth<'a>),
}

/// A request as `--dry-run` shows it: every secret masked.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ShownRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// Why a request could not be built. Names the field and the fix; never quotes a value.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum BuildError {
    #[error("field `{field}` ({label}) {rule}; nothing was sent")]
    Placement {
        field: String,
        label: String,
        rule: String,
    },
    #[error(
        "field `{field}` ({label}) is required to build the request; put it in the credentials"
    )]
    Missing { field: String, label: String },
    #[error(
        "field `{field}` cannot be sent in an HTTP header (it holds characters HTTP cannot carry)"
    )]
    Unsendable { field: String },
    #[error("{setting} names the placeholder `{{{name}}}`, which {connector} has no field for; use one of its fields or leave it out")]
    UnknownPlaceholder {
        setting: String,
        name: String,
        connector: String,
    },
    #[error("field `{field}` must be one of the listed values to choose the base URL")]
    NoChoice { field: String },
    #[error("{connector} declares a request that cannot be built ({reason}); this is a bug in the connector")]
    Declared { connector: String, reason: String },
}

impl BuildError {
    /// The outcome a check that stops here ends with.
    pub fn status(&self) -> Status {
        match self {
            BuildError::Declared { .. } => Status::Unexpected,
            _ => Status::InvalidInput,
        }
    }

    /// The field at fault, if one is.
    pub fn field(&self) -> Option<&str> {
        match self {
            BuildError::Placement { field, .. }
            | BuildError::Missing { field, .. }
            | BuildError::Unsendable { field }
            | BuildError::NoChoice { field } => Some(field.as_str()),
            _ => None,
        }
    }
}

/// Characters of a substituted value left as they are in a query string or form body.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A base URL: parsed once for every request (an override without placeholders), or filled
/// for this one.
enum Base<'a> {
    Fixed(&'a Url),
    Filled(String),
}

/// Where a request's base URL starts from, before its placeholders are filled.
pub(crate) enum BaseTemplate<'a> {
    /// An override with nothing to fill.
    Fixed(&'a Url),
    /// An override's template.
    Overridden(&'a str),
    /// The spec's own template (for a choice, the one the field's value picks).
    Declared(&'a str),
}

/// The base URL template of a request to `origin` (`None`: the API base URL): its override if
/// one is set, else the spec's, `choice` giving a choice field's value. Building a request and
/// `verify_host` (in `check.rs`) both start here.
pub(crate) fn base_template<'a, 'c>(
    spec: &'a ConnectorSpec<'a>,
    overrides: &'a Overrides,
    origin: Option<&str>,
    choice: impl FnOnce(&'a str) -> Option<&'c str>,
) -> Result<BaseTemplate<'a>, BuildError> {
    let (overridden, declared) = match origin {
        None => (overrides.base_url.as_ref(), Some(&spec.base_url)),
        Some(name) => (
            overrides.origins.get(name),
            spec.origin(name).map(|o| &o.url),
        ),
    };
    if let Some(template) = overridden {
        return Ok(match template.fixed() {
            Some(url) => BaseTemplate::Fixed(url),
            None => BaseTemplate::Overridden(template.as_str()),
        });
    }
    let declared = declared.ok_or_else(|| BuildError::Declared {
        connector: spec.id.to_owned(),
        reason: format!("no origin named `{}`", origin.unwrap_or("")),
    })?;
    match declared {
        BaseUrl::Template(template) => Ok(BaseTemplate::Declared(template)),
        BaseUrl::Choice { field, .. } => declared
            .template_for(choice(field))
            .map(BaseTemplate::Declared)
            .ok_or_else(|| BuildError::NoChoice {
                field: field.to_string(),
            }),
    }
}

/// The request's parts before they become a [`Request`] or a [`ShownRequest`].
struct Parts<'a> {
    method: Method,
    base: Base<'a>,
    /// The request's path, then `?` and the query when there is one.
    path_and_query: String,
    /// Name as declared, value, sensitive.
    headers: Vec<(&'a str, String, bool)>,
    body: Option<(&'static str, String)>,
}

/// A JSON object body (`text`) with `member` set to `key`, for a key sent in the body. The body
/// a spec declares is checked to be an object; one that is not is a connector bug.
fn with_member(text: &str, member: &str, key: String) -> Option<String> {
    let mut body: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text).ok()?;
    body.insert(member.to_owned(), serde_json::Value::String(key));
    Some(serde_json::Value::Object(body).to_string())
}

/// `base` and a path (with its query) joined by exactly one `/`.
fn joined(base: &str, path_and_query: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path_and_query.trim_start_matches('/')
    )
}

/// Everything a request is built from.
#[derive(Debug)]
pub struct Target<'a> {
    pub spec: &'a ConnectorSpec<'a>,
    pub variant: &'a CredentialVariant<'a>,
    pub credentials: &'a Credentials<'a>,
    pub overrides: &'a Overrides,
}

impl<'t> Target<'t> {
    /// Builds `call` to send.
    pub fn request(&self, call: &Call<'_>) -> Result<Request, BuildError> {
        let parts = self.parts(call, Exposure::Send)?;
        let declared = |reason: String| BuildError::Declared {
            connector: self.spec.id.to_owned(),
            reason,
        };
        let (path, query) = match parts.path_and_query.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (parts.path_and_query.as_str(), None),
        };
        let url = match &parts.base {
            // Only the path and query change: the host is not parsed again for every request.
            Base::Fixed(base) => {
                let mut url = (*base).clone();
                let joined = format!(
                    "{}/{}",
                    base.path().trim_end_matches('/'),
                    path.trim_start_matches('/')
                );
                url.set_path(&joined);
                url.set_query(query);
                url
            }
            Base::Filled(base) => Url::parse(&joined(base, &parts.path_and_query))
                .map_err(|e| declared(format!("URL: {e}")))?,
        };
        let mut headers = HeaderMap::with_capacity(parts.headers.len());
        for (name, value, sensitive) in parts.headers {
            let header =
                header_name(name).ok_or_else(|| declared(format!("header name `{name}`")))?;
            let mut value = HeaderValue::from_str(&value).map_err(|_| {
                match self.auth_field_in_header(name) {
                    Some(field) => BuildError::Unsendable {
                        field: field.to_owned(),
                    },
                    None => declared(format!("a value for header `{name}`")),
                }
            })?;
            value.set_sensitive(sensitive);
            headers.insert(header, value);
        }
        Ok(Request {
            method: parts.method.to_http(),
            url,
            headers,
            body: parts.body.map(|(content_type, text)| RequestBody {
                content_type,
                bytes: text.into_bytes(),
            }),
            repeat: call.repeat,
        })
    }

    /// Builds `call` to show, every secret masked.
    pub fn shown(&self, call: &Call<'_>) -> Result<ShownRequest, BuildError> {
        let parts = self.parts(call, Exposure::Show)?;
        let base = match &parts.base {
            Base::Fixed(url) => url.as_str(),
            Base::Filled(text) => text.as_str(),
        };
        Ok(ShownRequest {
            method: parts.method.as_str().to_owned(),
            url: joined(base, &parts.path_and_query),
            headers: parts
                .headers
                .into_iter()
                .map(|(n, v, _)| (n.to_owned(), v))
                .collect(),
            body: parts.body.map(|(_, text)| text),
        })
    }

    /// The base URL requests to `origin` go to (`None`: the API's), placeholders filled and
    /// overrides applied, without a trailing `/`: what the hub's proxy joins paths to and its
    /// credentials route shows.
    pub fn base_url(&self, origin: Option<&str>) -> Result<String, BuildError> {
        let text = match self.base(origin)? {
            Base::Fixed(url) => url.as_str().to_owned(),
            Base::Filled(text) => text,
        };
        Ok(text.trim_end_matches('/').to_owned())
    }

    /// The secret field a header carries, for the message when its value cannot be sent.
    fn auth_field_in_header(&self, _header: &str) -> Option<&'t str> {
        self.variant.key_field().map(|f| f.key)
    }

    /// A field's value as sent, or as shown (secret fields masked).
    fn value(&self, key: &str, exposure: Exposure) -> Option<String> {
        let value = self.credentials.get(key)?.expose_secret();
        let secret = self.credentials.is_secret(key);
        Some(if secret && exposure == Exposure::Show {
            mask(value)
        } else {
            value.to_owned()
        })
    }

    fn required(&self, key: &str, exposure: Exposure) -> Result<String, BuildError> {
        self.value(key, exposure)
            .ok_or_else(|| BuildError::Missing {
                field: key.to_owned(),
                label: self.variant.field(key).map_or(key, |f| f.label).to_owned(),
            })
    }

    fn unknown(&self, setting: &str, name: &str) -> BuildError {
        BuildError::UnknownPlaceholder {
            setting: setting.to_owned(),
            name: name.to_owned(),
            connector: self.spec.id.to_owned(),
        }
    }

    /// The base URL a call goes to, placeholders filled.
    fn base(&self, origin: Option<&str>) -> Result<Base<'_>, BuildError> {
        let choice = |field| self.credentials.get(field).map(|v| v.expose_secret());
        match base_template(self.spec, self.overrides, origin, choice)? {
            BaseTemplate::Fixed(url) => Ok(Base::Fixed(url)),
            BaseTemplate::Overridden(template) => {
                let setting = || match origin {
                    None => "the base URL override".to_owned(),
                    Some(name) => format!("the `{name}` base URL override"),
                };
                self.fill_base(template, setting).map(Base::Filled)
            }
            BaseTemplate::Declared(template) => self
                .fill_base(template, || format!("{}'s base URL", self.spec.id))
                .map(Base::Filled),
        }
    }

    fn fill_base(
        &self,
        template: &str,
        setting: impl FnOnce() -> String,
    ) -> Result<String, BuildError> {
        let mut failure = None;
        let filled = fill(template, |name, range| {
            let placement = base_placement(template, range.start);
            match self.placed(name, placement) {
                Ok(v) => Some(v),
                Err(e) => {
                    failure = Some(e);
                    None
                }
            }
        });
        match filled {
            Ok(url) => Ok(url),
            Err(name) => Err(failure.unwrap_or_else(|| self.unknown(&setting(), name))),
        }
    }

    /// A non-secret field's value checked for where it lands.
    fn placed(&self, name: &str, placement: Placement) -> Result<String, BuildError> {
        let field = self
            .variant
            .field(name)
            .ok_or_else(|| self.unknown("a URL template", name))?;
        let value = self.required(field.key, Exposure::Send)?;
        if placement.allows(&value) {
            Ok(value)
        } else {
            Err(BuildError::Placement {
                field: field.key.to_owned(),
                label: field.label.to_owned(),
                rule: placement.rule().to_owned(),
            })
        }
    }

    /// Fills a path template: inputs are percent-encoded, fields must be one segment.
    fn path(&self, template: &str, inputs: Option<&Credentials>) -> Result<String, BuildError> {
        let mut failure = None;
        let filled = fill(template, |name, _| {
            if let Some(value) = inputs.and_then(|i| i.get(name)) {
                return Some(utf8_percent_encode(value.expose_secret(), QUERY_VALUE).to_string());
            }
            match self.placed(name, Placement::PathSegment) {
                Ok(v) => Some(v),
                Err(e) => {
                    failure = Some(e);
                    None
                }
            }
        });
        filled.map_err(|name| failure.unwrap_or_else(|| self.unknown("a request path", name)))
    }

    /// Fills a value template (query, header, form): secrets masked when shown; encoded for a
    /// query or form when sent.
    fn text(&self, template: &str, exposure: Exposure, encode: bool) -> Result<String, BuildError> {
        let mut failure = None;
        let filled = fill(template, |name, _| {
            let field = match self.variant.field(name) {
                Some(f) => f,
                None => {
                    failure = Some(self.unknown("a request template", name));
                    return None;
                }
            };
            match self.required(field.key, exposure) {
                Ok(v) if encode && exposure == Exposure::Send => {
                    Some(utf8_percent_encode(&v, QUERY_VALUE).to_string())
                }
                Ok(v) => Some(v),
                Err(e) => {
                    failure = Some(e);
                    None
                }
            }
        });
        filled.map_err(|name| failure.unwrap_or_else(|| self.unknown("a request template", name)))
    }

    fn parts<'s>(&'s self, call: &Call<'s>, exposure: Exposure) -> Result<Parts<'s>, BuildError> {
        let request = call.request;
        let base = self.base(call.origin)?;
        let mut url = self.path(request.path, call.inputs)?;
        let mut query: Vec<String> = Vec::new();
        for (name, template) in request.query {
            query.push(format!("{name}={}", self.text(template, exposure, true)?));
        }
        for (name, value) in call.extra_query {
            query.push(format!("{name}={value}"));
        }

        let mut headers: Vec<(&'s str, String, bool)> = Vec::with_capacity(6);
        let set = |headers: &mut Vec<(&'s str, String, bool)>,
                   name: &'s str,
                   value: String,
                   sensitive: bool| {
            headers.retain(|(n, _, _)| !n.eq_ignore_ascii_case(name));
            headers.push((name, value, sensitive));
        };
        if exposure == Exposure::Show {
            // The shared client adds it to every request it sends.
            set(&mut headers, "User-Agent", USER_AGENT.to_owned(), false);
        }
        set(&mut headers, "Accept", "application/json".to_owned(), false);
        for (name, template) in request.headers {
            let value = self.text(template, exposure, false)?;
            set(&mut headers, name, value, false);
        }
        let json_body_key = match (call.credential, self.variant.auth) {
            (Credential::Variant(_), Auth::JsonBody { member, field }) => {
                Some((member, self.required(field, exposure)?))
            }
            _ => None,
        };
        if json_body_key.is_some() {
            set(
                &mut headers,
                "Content-Type",
                "application/json".to_owned(),
                false,
            );
        } else if let Some(content_type) = request.body.content_type() {
            set(&mut headers, "Content-Type", content_type.to_owned(), false);
        }
        for extra in self.variant.extra_headers {
            let value = match extra.value {
                HeaderValueSource::Fixed(v) => v.to_owned(),
                HeaderValueSource::Field(field) => match self.value(field, exposure) {
                    Some(v) => v,
                    None => continue,
                },
            };
            // A secret field's header (a second key beside HTTP Basic) is marked sensitive, and
            // `value` masked it to show.
            let sensitive =
                matches!(extra.value, HeaderValueSource::Field(f) if self.credentials.is_secret(f));
            set(&mut headers, extra.name, value, sensitive);
        }

        match call.credential {
            Credential::Variant(token) => match (self.variant.auth, token) {
                (Auth::Exchange(_), Token::Value(token)) => {
                    let value = match exposure {
                        Exposure::Send => format!("Bearer {}", token.expose_secret()),
                        Exposure::Show => format!("Bearer {}", mask(token.expose_secret())),
                    };
                    set(&mut headers, "Authorization", value, true);
                }
                (Auth::Exchange(_), _) => {
                    set(
                        &mut headers,
                        "Authorization",
                        format!("Bearer {TOKEN_PLACEHOLDER}"),
                        true,
                    );
                }
                (Auth::Bearer { field }, _) => {
                    let value = format!("Bearer {}", self.required(field, exposure)?);
                    set(&mut headers, "Authorization", value, true);
                }
                (Auth::Basic { username, password }, _) => {
                    let value = self.basic(username, password, exposure)?;
                    set(&mut headers, "Authorization", value, true);
                }
                (Auth::Header { header, field }, _) => {
                    let value = self.required(field, exposure)?;
                    set(&mut headers, header, value, true);
                }
                (Auth::Headers(list), _) => {
                    for h in list {
                        let value = self.text(h.template, exposure, false)?;
                        set(&mut headers, h.name, value, true);
                    }
                }
                // Added to the body below.
                (Auth::JsonBody { .. }, _) => {}
                (Auth::Query { param, field }, _) => {
                    let value = self.required(field, exposure)?;
                    let value = match exposure {
                        Exposure::Send => utf8_percent_encode(&value, QUERY_VALUE).to_string(),
                        Exposure::Show => value,
                    };
                    query.push(format!("{param}={value}"));
                }
            },
            Credential::Client(ClientAuth::Basic { id, secret }) => {
                let value = self.basic(Part::Field(id), Part::Field(secret), exposure)?;
                set(&mut headers, "Authorization", value, true);
            }
            Credential::Client(ClientAuth::Body) => {}
        }

        if !query.is_empty() {
            url.push('?');
            url.push_str(&query.join("&"));
        }
        let not_an_object = || BuildError::Declared {
            connector: self.spec.id.to_owned(),
            reason: "the key goes in a JSON body, but the declared body is not a JSON object"
                .to_owned(),
        };
        let body = match (request.body, json_body_key) {
            (Body::None, Some((member, key))) => Some((
                "application/json",
                with_member("{}", member, key).ok_or_else(not_an_object)?,
            )),
            (Body::Json(text), Some((member, key))) => Some((
                "application/json",
                with_member(text, member, key).ok_or_else(not_an_object)?,
            )),
            (Body::Form(_), Some(_)) => {
                return Err(BuildError::Declared {
                    connector: self.spec.id.to_owned(),
                    reason: "the key goes in a JSON body, but the request declares a form body"
                        .to_owned(),
                })
            }
            (Body::None, None) => None,
            (Body::Json(text), None) => Some(("application/json", text.to_owned())),
            (Body::Form(pairs), None) => {
                let mut out = Vec::with_capacity(pairs.len());
                for (name, template) in pairs {
                    out.push(format!("{name}={}", self.text(template, exposure, true)?));
                }
                Some(("application/x-www-form-urlencoded", out.join("&")))
            }
        };
        Ok(Parts {
            method: request.method,
            base,
            path_and_query: url,
            headers,
            body,
        })
    }

    /// `Basic base64(user:password)` to send; `Basic base64(<user>:<password>)` with secrets
    /// masked to show.
    fn basic(
        &self,
        username: Part,
        password: Part,
        exposure: Exposure,
    ) -> Result<String, BuildError> {
        let part = |p: Part| match p {
            Part::Field(f) => self.required(f, exposure),
            Part::Fixed(t) => Ok(t.to_owned()),
        };
        let pair = format!("{}:{}", part(username)?, part(password)?);
        Ok(match exposure {
            Exposure::Send => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            ),
            Exposure::Show => format!("Basic base64({pair})"),
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::secret::RawCredentials;
    use crate::spec::request::RequestSpec;
    use crate::spec::{Field, Format};
    use crate::template::UrlTemplate;
    use crate::validate::validate;

    pub(crate) const SUBDOMAIN: Field = Field {
        key: "subdomain",
        label: "Subdomain",
        help: "",
        required: true,
        secret: false,
        format: Format::Text,
        example: None,
        env: None,
        default: None,
    };

    pub(crate) static VARIANT: CredentialVariant = CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "API key",
        description: "",
        fields: &[SUBDOMAIN, Field::api_key("X_KEY")],
        auth: Auth::Query {
            param: "apikey",
            field: "api_key",
        },
        extra_headers: &[],
        verify: RequestSpec::get("/accounts/{subdomain}", ""),
        proof: None,
    };

    pub(crate) static SPEC: ConnectorSpec = ConnectorSpec {
        id: "x",
        name: "X",
        category: "",
        summary: "",
        base_url: BaseUrl::Template("https://{subdomain}.x.example/v1"),
        origins: &[],
        docs: &[],
        variants: std::slice::from_ref(&VARIANT),
        guide: crate::spec::guide::SetupGuide::EMPTY,
        assumptions: &[],
        actions: &[],
        bulk_rate: None,
        undocumented: &[],
        identifying: &[],
    };

    pub(crate) fn credentials(subdomain: &str, key: &str) -> Credentials<'static> {
        let mut raw = RawCredentials::new();
        raw.insert("subdomain", subdomain);
        raw.insert("api_key", key);
        validate(&VARIANT, &raw)
            .expect("valid in this test")
            .credentials
    }

    pub(crate) fn call() -> Call<'static> {
        Call {
            request: &VARIANT.verify,
            origin: None,
            credential: Credential::Variant(Token::None),
            extra_query: &[],
            inputs: None,
            repeat: Repeat::Safe,
        }
    }

    #[test]
    fn a_query_key_is_sent_encoded_and_shown_masked() {
        let creds = credentials("acme", "k3y/with+chars0123");
        let overrides = Overrides::default();
        let target = Target {
            spec: &SPEC,
            variant: &VARIANT,
            credentials: &creds,
            overrides: &overrides,
        };
        let sent = target.request(&call()).expect("valid in this test");
        assert_eq!(
            sent.url.as_str(),
            "https://acme.x.example/v1/accounts/acme?apikey=k3y%2Fwith%2Bchars0123"
        );
        let shown = target.shown(&call()).expect("valid in this test");
        assert_eq!(
            shown.url,
            "https://acme.x.example/v1/accounts/acme?apikey=••••0123"
        );
        assert!(!format!("{sent:?}").contains("chars0123"));
    }

    #[test]
    fn an_override_may_use_the_default_placeholders() {
        let creds = credentials("acme", "key-0123456789");
        let overrides = Overrides {
            base_url: Some(
                UrlTemplate::parse("http://127.0.0.1:9/{subdomain}").expect("valid in this test"),
            ),
            ..Overrides::default()
        };
        let target = Target {
            spec: &SPEC,
            variant: &VARIANT,
            credentials: &creds,
            overrides: &overrides,
        };
        let sent = target.request(&call()).expect("valid in this test");
        assert_eq!(sent.url.path(), "/acme/accounts/acme");
        let overrides = Overrides {
            base_url: Some(
                UrlTemplate::parse("http://127.0.0.1:9/{nope}").expect("valid in this test"),
            ),
            ..Overrides::default()
        };
        let target = Target {
            overrides: &overrides,
            ..target
        };
        assert!(matches!(
            target.request(&call()),
            Err(BuildError::UnknownPlaceholder { .. })
        ));
    }
}
