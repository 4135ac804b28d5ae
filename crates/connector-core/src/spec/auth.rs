//! How the credential travels: the auth schemes (Bearer, Basic, header templates, a query
//! parameter, a token exchange) and the headers every request carries besides it.

use super::request::{Body, RequestSpec};
use crate::template::placeholders;

/// One part of an HTTP Basic credential.
#[derive(Debug, Clone, Copy)]
pub enum Part<'a> {
    /// A field's value.
    Field(&'a str),
    /// A fixed text (`x`, or empty).
    Fixed(&'a str),
}

/// A header whose value is a template over fields, e.g. `Authorization: Token token={api_key}`.
#[derive(Debug, Clone, Copy)]
pub struct SecretHeader<'a> {
    pub name: &'a str,
    pub template: &'a str,
}

/// How the credential is sent.
#[derive(Debug, Clone, Copy)]
pub enum Auth<'a> {
    /// `Authorization: Bearer <field>`.
    Bearer { field: &'a str },
    /// `Authorization: Basic base64(<username>:<password>)`.
    Basic {
        username: Part<'a>,
        password: Part<'a>,
    },
    /// `<header>: <field>`.
    Header { header: &'a str, field: &'a str },
    /// One or more headers whose values are templates over fields; all treated as secret.
    Headers(&'a [SecretHeader<'a>]),
    /// `?<param>=<field>` on every request. The URL is then secret: it is masked wherever shown.
    Query { param: &'a str, field: &'a str },
    /// A client id and secret exchanged for a token first, then `Authorization: Bearer <token>`.
    Exchange(&'a TokenExchange<'a>),
    /// The key as member `member` of every request's JSON object body (`{"APIKey": …}`): each
    /// request is a POST of a JSON object, the key added to it.
    JsonBody { member: &'a str, field: &'a str },
}

/// A token exchange (OAuth client credentials).
#[derive(Debug, Clone, Copy)]
pub struct TokenExchange<'a> {
    /// The named origin of the token endpoint; `None` for the API's own base URL.
    pub origin: Option<&'a str>,
    /// The token request (a `POST` with a form body).
    pub request: RequestSpec<'a>,
    /// How the client credentials reach the token endpoint.
    pub client: ClientAuth<'a>,
    /// JSON pointer to the token in the answer, e.g. `/access_token`; `""` when the whole
    /// answer is the token (a JSON string, or bare text).
    pub token: &'a str,
}

/// How a client id and secret reach a token endpoint.
#[derive(Debug, Clone, Copy)]
pub enum ClientAuth<'a> {
    /// HTTP Basic `id:secret`.
    Basic { id: &'a str, secret: &'a str },
    /// In the form body, named there by `{field}` templates.
    Body,
}

impl<'a> Auth<'a> {
    /// `Authorization: Basic base64(<field>:)`: the key as username, empty password.
    pub const fn basic_key(field: &'a str) -> Auth<'a> {
        Auth::Basic {
            username: Part::Field(field),
            password: Part::Fixed(""),
        }
    }

    /// The one credential field a single-field scheme (bearer, header, query, JSON body) sends;
    /// `None` for the others.
    pub fn sole_field(&self) -> Option<&'a str> {
        match self {
            Auth::Bearer { field }
            | Auth::Header { field, .. }
            | Auth::Query { field, .. }
            | Auth::JsonBody { field, .. } => Some(*field),
            _ => None,
        }
    }

    /// The credential fields the scheme sends, in declaration order.
    pub fn fields(&self) -> Vec<&'a str> {
        let mut out = Vec::new();
        match self {
            Auth::Bearer { .. }
            | Auth::Header { .. }
            | Auth::Query { .. }
            | Auth::JsonBody { .. } => out.extend(self.sole_field()),
            Auth::Basic { username, password } => {
                for part in [username, password] {
                    if let Part::Field(f) = part {
                        out.push(*f);
                    }
                }
            }
            Auth::Headers(headers) => {
                for h in *headers {
                    out.extend(placeholders(h.template).map(|(n, _)| n));
                }
            }
            Auth::Exchange(exchange) => {
                if let ClientAuth::Basic { id, secret } = exchange.client {
                    out.extend([id, secret]);
                }
                if let Body::Form(pairs) = exchange.request.body {
                    for (_, v) in pairs {
                        out.extend(placeholders(v).map(|(n, _)| n));
                    }
                }
                // A token request that takes its credentials in the query (a GET).
                for (_, v) in exchange.request.query {
                    out.extend(placeholders(v).map(|(n, _)| n));
                }
            }
        }
        out.dedup();
        out
    }

    /// How the key travels, in one line, e.g. `Authorization: Bearer <api_key>`. The same text
    /// for `describe`, the guides and the catalog.
    pub fn describe(&self) -> String {
        let part = |p: &Part| match p {
            Part::Field(f) => format!("<{f}>"),
            Part::Fixed(t) => (*t).to_owned(),
        };
        match self {
            Auth::Bearer { field } => format!("Authorization: Bearer <{field}>"),
            Auth::Basic {
                username,
                password: Part::Fixed(""),
            } => format!(
                "Authorization: Basic base64({}:) (the key as username, empty password)",
                part(username)
            ),
            Auth::Basic { username, password } => {
                format!(
                    "Authorization: Basic base64({}:{})",
                    part(username),
                    part(password)
                )
            }
            Auth::Header { header, field } => format!("{header}: <{field}>"),
            Auth::Headers(headers) => {
                let each: Vec<String> = headers
                    .iter()
                    .map(|h| format!("{}: {}", h.name, angle(h.template)))
                    .collect();
                each.join(" and ")
            }
            Auth::Query { param, field } => {
                format!("query parameter `{param}=<{field}>` on every request")
            }
            Auth::Exchange(exchange) => {
                let client = match exchange.client {
                    ClientAuth::Basic { id, secret } => {
                        format!("HTTP Basic <{id}>:<{secret}>")
                    }
                    ClientAuth::Body => "the form body".to_owned(),
                };
                let token = if exchange.token.is_empty() {
                    "the whole answer".to_owned()
                } else {
                    format!("`{}` of the answer", exchange.token.trim_start_matches('/'))
                };
                format!(
                    "{} with the client credentials in {client}; then Authorization: Bearer <token> ({token})",
                    exchange.request.describe(),
                )
            }
            Auth::JsonBody { member, field } => {
                format!("`\"{member}\": <{field}>` in the JSON body of every request (a POST)")
            }
        }
    }

    /// The short name used in listings: `bearer`, `basic`, `header:<name>`, `query:<name>`…
    pub fn kind(&self) -> String {
        match self {
            Auth::Bearer { .. } => "bearer".to_owned(),
            Auth::Basic {
                password: Part::Fixed(""),
                ..
            } => "basic".to_owned(),
            Auth::Basic {
                password: Part::Fixed(p),
                ..
            } => format!("basic-password:{p}"),
            Auth::Basic { .. } => "basic-pair".to_owned(),
            Auth::Header { header, .. } => format!("header:{header}"),
            Auth::Headers([one]) => format!("header-template:{}", one.name),
            Auth::Headers(headers) => {
                let names: Vec<&str> = headers.iter().map(|h| h.name).collect();
                format!("headers:{}", names.join("+"))
            }
            Auth::Query { param, .. } => format!("query:{param}"),
            Auth::Exchange(_) => "exchange".to_owned(),
            Auth::JsonBody { member, .. } => format!("json-body:{member}"),
        }
    }
}

/// `Token token={api_key}` as `Token token=<api_key>`, for docs.
fn angle(template: &str) -> String {
    template.replace('{', "<").replace('}', ">")
}

/// A header sent on every request besides the credential.
#[derive(Debug, Clone, Copy)]
pub struct ExtraHeader<'a> {
    pub name: &'a str,
    pub value: HeaderValueSource<'a>,
}

/// Where an extra header's value comes from.
#[derive(Debug, Clone, Copy)]
pub enum HeaderValueSource<'a> {
    Fixed(&'a str),
    /// The value of a (non-secret) credential field, e.g. an API version.
    Field(&'a str),
}
