//! The one request type every connector declares: verification, token exchange and actions are
//! all a [`RequestSpec`] (method, path template, query, headers, body) plus the rules that read
//! its answer, and whether a request may be [`Repeat`]ed after a failure.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::outcome::Status;

/// An HTTP method a connector may declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// The method as reqwest sends it.
    pub fn to_http(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a request may be sent again after a failure whose effect is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Safe to repeat (GET): retried on 429, 5xx and transport errors.
    Safe,
    /// Not safe to repeat blindly (a key-minting POST): retried only on 429, which says the
    /// request was not processed.
    OnlyIfRefused,
}

/// A request a connector sends, as data. `path`, query values, header values and form values are
/// templates: `{field}` is replaced by the field's value (a check) or the input's (an action).
#[derive(Debug, Clone, Copy)]
pub struct RequestSpec<'a> {
    pub method: Method,
    /// Appended to the base URL; starts with `/`. Placeholders here fill one path segment.
    pub path: &'a str,
    pub query: &'a [(&'a str, &'a str)],
    /// Headers for this request, e.g. `Accept: application/json; version=1`; they replace the
    /// default `Accept: application/json`.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: Body<'a>,
    /// How answers map to outcomes beyond the generic HTTP meanings; the first match wins.
    pub answers: &'a [Answer<'a>],
    /// A 2xx answer counts as a success only when this holds (e.g. `"pong": true`); otherwise
    /// the check ends `unexpected`.
    pub success: Option<Match<'a>>,
    /// What a success proves, in one sentence, for docs and reports.
    pub proves: &'a str,
}

impl<'a> RequestSpec<'a> {
    /// A `GET` of `path` with nothing else declared; override the rest with struct update syntax.
    pub const fn get(path: &'a str, proves: &'a str) -> Self {
        Self {
            method: Method::Get,
            path,
            query: &[],
            headers: &[],
            body: Body::None,
            answers: &[],
            success: None,
            proves,
        }
    }

    /// A `POST` of `body` to `path`.
    pub const fn post(path: &'a str, body: Body<'a>, proves: &'a str) -> Self {
        Self {
            method: Method::Post,
            body,
            ..Self::get(path, proves)
        }
    }

    /// `GET /path?query`, for docs and logs (placeholders left as they are); also its
    /// `Display`, which writes it only where a message needs it.
    pub fn describe(&self) -> String {
        self.to_string()
    }

    pub fn path_and_query(&self) -> String {
        PathAndQuery(self).to_string()
    }
}

impl fmt::Display for RequestSpec<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, PathAndQuery(self))
    }
}

/// `/path?key=value&…`, written where it goes.
struct PathAndQuery<'r>(&'r RequestSpec<'r>);

impl fmt::Display for PathAndQuery<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.path)?;
        for (i, (key, value)) in self.0.query.iter().enumerate() {
            let separator = if i == 0 { '?' } else { '&' };
            write!(f, "{separator}{key}={value}")?;
        }
        Ok(())
    }
}

/// A request body.
#[derive(Debug, Clone, Copy)]
pub enum Body<'a> {
    None,
    /// JSON text sent as is with `Content-Type: application/json`, e.g. `{}`.
    Json(&'a str),
    /// `application/x-www-form-urlencoded` pairs; values are templates.
    Form(&'a [(&'a str, &'a str)]),
}

impl<'a> Body<'a> {
    pub fn content_type(&self) -> Option<&'static str> {
        match self {
            Body::None => None,
            Body::Json(_) => Some("application/json"),
            Body::Form(_) => Some("application/x-www-form-urlencoded"),
        }
    }
}

/// One answer rule: a status, optionally a body match, and the outcome with its message.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub status: u16,
    /// The rule applies only when the body matches; `None` matches any body.
    pub when: Option<Match<'a>>,
    pub outcome: Status,
    /// What the outcome means and what to do, in one or two sentences. `{field}` names a
    /// non-secret field's value (e.g. `{api_version}`).
    pub message: &'a str,
}

/// A test on an answer's body.
#[derive(Debug, Clone, Copy)]
pub enum Match<'a> {
    /// The value at a JSON pointer equals a literal.
    Equals {
        pointer: &'a str,
        value: Literal<'a>,
    },
    /// The body's text contains this text.
    Contains(&'a str),
}

impl<'a> Match<'a> {
    /// Whether `body` (raw text) or its parsed JSON satisfies the test.
    pub fn holds(&self, text: &str, json: Option<&Value>) -> bool {
        match self {
            Match::Equals { pointer, value } => json
                .and_then(|j| crate::json::pointer(j, pointer))
                .is_some_and(|found| value.equals(found)),
            Match::Contains(needle) => text.contains(needle),
        }
    }

    /// `/success is true`, for docs.
    pub fn describe(&self) -> String {
        match self {
            Match::Equals { pointer, value } => format!("`{pointer}` is {}", value.describe()),
            Match::Contains(text) => format!("the body mentions `{text}`"),
        }
    }
}

/// A JSON scalar written in a spec.
#[derive(Debug, Clone, Copy)]
pub enum Literal<'a> {
    Bool(bool),
    Int(i64),
    Str(&'a str),
}

impl<'a> Literal<'a> {
    pub fn equals(&self, value: &Value) -> bool {
        match self {
            Literal::Bool(b) => value.as_bool() == Some(*b),
            Literal::Int(i) => value.as_i64() == Some(*i),
            Literal::Str(s) => value.as_str() == Some(*s),
        }
    }

    /// The literal as a JSON value.
    pub fn to_json(&self) -> Value {
        match *self {
            Literal::Bool(b) => Value::Bool(b),
            Literal::Int(i) => Value::from(i),
            Literal::Str(s) => Value::String(s.to_owned()),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Literal::Bool(b) => b.to_string(),
            Literal::Int(i) => i.to_string(),
            Literal::Str(s) => format!("\"{s}\""),
        }
    }
}
