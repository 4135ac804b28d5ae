//! Sorting an HTTP exchange into a [`Status`]: every answer that is not a 2xx JSON body becomes
//! exactly one outcome with a message that says what to do next. Checks and actions share it.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::Value;
use url::Url;

use crate::http::{retry_after, Exchange, Repeat};
use crate::outcome::{Account, Status};
use crate::secret::{scrub, Credentials};
use crate::Connector;

/// A status with everything a report needs.
#[derive(Debug)]
pub struct Interpreted {
    pub status: Status,
    pub http_status: Option<u16>,
    pub message: String,
    /// The account a check proves, or the outputs of an action.
    pub data: Option<Account>,
    pub warnings: Vec<String>,
}

impl Interpreted {
    pub fn new(status: Status, http_status: Option<u16>, message: String) -> Self {
        Self {
            status,
            http_status,
            message,
            data: None,
            warnings: Vec::new(),
        }
    }
}

/// What the exchange was for, to word and sort its failures.
#[derive(Debug)]
pub struct Reading {
    /// `METHOD /path`, for messages.
    pub request: String,
    /// The status a 404 means: `unexpected` for a verification endpoint, `not_found` for an
    /// action's target.
    pub not_found: Status,
    /// Whether the request may have had an effect when no answer came.
    pub repeat: Repeat,
}

/// Returns the status code and JSON body of a 2xx answer; sorts everything else.
pub fn read_success<C: Connector + ?Sized>(
    connector: &C,
    exchange: &Exchange,
    credentials: &Credentials,
    reading: &Reading,
) -> Result<(u16, Value), Interpreted> {
    let spec = connector.spec();
    let tips = &spec.guide.troubleshooting;
    let unsure = if reading.repeat == Repeat::Safe {
        ""
    } else {
        " The request may or may not have been carried out: check on the provider's side before running it again"
    };
    let (status, headers, body, attempts) = match exchange {
        Exchange::Response {
            status,
            headers,
            body,
            attempts,
        } => (*status, headers, body, *attempts),
        Exchange::TooLarge { status, limit } => {
            return Err(Interpreted::new(
                Status::Unexpected,
                Some(status.as_u16()),
                format!(
                    "{} answered {} with a body over {} KiB; stopped reading. Check that the base URL points at the provider's API",
                    spec.name,
                    status.as_u16(),
                    limit / 1024
                ),
            ))
        }
        Exchange::TimedOut {
            timeout,
            last_status,
        } => {
            return Err(Interpreted::new(
                Status::Unavailable,
                last_status.map(|s| s.as_u16()),
                format!(
                    "{} did not answer within {}; it may be down or unreachable. Try again later or raise --timeout{}.{unsure}",
                    spec.name,
                    human_duration(*timeout),
                    hint(tips.unavailable)
                ),
            ))
        }
        Exchange::Transport { error } => {
            return Err(Interpreted::new(
                Status::Unavailable,
                None,
                format!(
                    "{} could not be reached ({error}). Check the network and the base URL, then try again{}.{unsure}",
                    spec.name,
                    hint(tips.unavailable)
                ),
            ))
        }
    };
    let code = status.as_u16();
    let json: Option<Value> = serde_json::from_slice(body).ok();
    if status.is_success() {
        return match json {
            Some(json) => Ok((code, json)),
            None => Err(Interpreted::new(
                Status::Unexpected,
                Some(code),
                format!(
                    "{} answered {code} but the body is not JSON{}; check that the base URL points at the provider's API",
                    spec.name,
                    describe_body(headers, body)
                ),
            )),
        };
    }

    let null = Value::Null;
    if let Some(verdict) = connector.classify(code, json.as_ref().unwrap_or(&null)) {
        return Err(Interpreted::new(
            verdict.status,
            Some(code),
            verdict.message,
        ));
    }

    let said = json
        .as_ref()
        .and_then(provider_message)
        .map(|m| {
            format!(
                " (the provider said: \"{}\")",
                scrub(&m, credentials.secrets())
            )
        })
        .unwrap_or_default();
    let name = spec.name;
    let (status, message) = match status {
        StatusCode::UNAUTHORIZED => (
            Status::Rejected,
            format!(
                "{name} rejected the key (401){said}: it is wrong, was revoked, or was regenerated (which invalidates the old key). Create or copy a current key and try again{}",
                hint(tips.rejected)
            ),
        ),
        StatusCode::FORBIDDEN => (
            Status::Forbidden,
            format!(
                "{name} accepted the key but refused access (403){said}: the key lacks a role or scope{}",
                hint(tips.forbidden)
            ),
        ),
        StatusCode::TOO_MANY_REQUESTS => {
            let after = retry_after(headers)
                .map(|d| format!("; the provider asks to wait {}", human_duration(d)))
                .unwrap_or_default();
            (
                Status::RateLimited,
                format!(
                    "{name} is rate limiting requests (429, {attempts} attempt{}){after}. Wait and try again{}",
                    if attempts == 1 { "" } else { "s" },
                    hint(tips.rate_limited)
                ),
            )
        }
        s if s.is_server_error() => (
            Status::Unavailable,
            format!(
                "{name} has a problem on its side ({code}{}){said}; this says nothing about the key. Try again later{}.{unsure}",
                if attempts > 1 { format!(", {attempts} attempts") } else { String::new() },
                hint(tips.unavailable)
            ),
        ),
        s if s.is_redirection() => {
            let target = headers
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| Url::parse(l).ok())
                .map(|u| format!(" to {}", u.origin().ascii_serialization()))
                .unwrap_or_default();
            (
                Status::Unexpected,
                format!(
                    "{name} redirected the request{target} ({code}); redirects are not followed so the key is never sent elsewhere. If the API moved, set the new base URL with --base-url"
                ),
            )
        }
        StatusCode::NOT_FOUND if reading.not_found == Status::NotFound => (
            Status::NotFound,
            format!(
                "{name} found nothing at {} (404){said}: check the identifiers in the input",
                reading.request
            ),
        ),
        StatusCode::NOT_FOUND => (
            Status::Unexpected,
            format!(
                "{name} has no {} (404){said}; check the base URL (with --base-url for on-premises or proxied deployments)",
                reading.request
            ),
        ),
        _ => (
            Status::Unexpected,
            format!("{name} answered with an unexpected status {code}{said}"),
        ),
    };
    Err(Interpreted::new(status, Some(code), message))
}

fn hint(text: Option<&str>) -> String {
    text.map(|t| format!(". {t}")).unwrap_or_default()
}

fn human_duration(d: Duration) -> String {
    if d > Duration::from_secs(86_400) {
        "more than a day".to_owned()
    } else if d.as_millis() % 1000 == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// Describes a non-JSON body by kind, never quoting it.
fn describe_body(headers: &HeaderMap, body: &[u8]) -> String {
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.contains("html") || body.trim_ascii_start().starts_with(b"<") {
        " (an HTML page)".to_owned()
    } else if body.is_empty() {
        " (empty)".to_owned()
    } else {
        String::new()
    }
}

/// The human message in a provider's error body, whatever its shape: `message`, `error` (text or
/// an object with a message), `detail`, `error_description` or `title`. Truncated.
pub fn provider_message(body: &Value) -> Option<String> {
    let obj = body.as_object()?;
    let text = ["message", "error_description", "detail", "error", "title"]
        .iter()
        .find_map(|k| match obj.get(*k)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::Object(inner) => inner.get("message")?.as_str().map(str::to_owned),
            _ => None,
        })?;
    let text: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
    Some(text)
}
