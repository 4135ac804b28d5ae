//! Sorting an HTTP exchange into a [`Status`]: every answer that is not a 2xx JSON body becomes
//! exactly one outcome with a message that says what to do next. Checks and actions share it.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::Value;
use url::Url;

use crate::http::{retry_after, Exchange};
use crate::outcome::{Account, Status};
use crate::reader::Reader;
use crate::redact::Redactor;
use crate::spec::{Answer, ConnectorSpec, Match, Repeat};
use crate::text::printable;

pub use crate::account::bounded_account;

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
pub struct Reading<'a> {
    /// `METHOD /path`, for messages (written only when one needs it).
    pub request: &'a dyn std::fmt::Display,
    /// The status a 404 means: `unexpected` for a verification endpoint, `not_found` for an
    /// action's target.
    pub not_found: Status,
    /// Whether the request may have had an effect when no answer came.
    pub repeat: Repeat,
    /// The request's declared answer rules, tried before the generic HTTP meanings.
    pub answers: &'a [Answer<'a>],
    /// What a 2xx body must satisfy to count as a success.
    pub success: Option<Match<'a>>,
    /// Whether a 2xx body that is not JSON is read as one JSON string, its text trimmed: a
    /// token endpoint that answers the bare token (an exchange whose `token` pointer is `""`).
    pub text_body: bool,
    /// Non-secret field values for `{field}` in rule messages.
    pub fields: &'a [(&'a str, String)],
}

impl std::fmt::Debug for Reading<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reading")
            .field("request", &format_args!("{}", self.request))
            .field("not_found", &self.not_found)
            .field("repeat", &self.repeat)
            .field("answers", &self.answers)
            .field("success", &self.success)
            .field("text_body", &self.text_body)
            .field("fields", &self.fields)
            .finish()
    }
}

impl<'a> Reading<'a> {
    /// Reading an answer with no declared rules.
    pub fn plain(request: &'a dyn std::fmt::Display, not_found: Status, repeat: Repeat) -> Self {
        Self {
            request,
            not_found,
            repeat,
            answers: &[],
            success: None,
            text_body: false,
            fields: &[],
        }
    }

    /// A rule's message with its `{field}` placeholders filled.
    fn message(&self, template: &str) -> String {
        crate::template::fill(template, |name, _| {
            self.fields
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        })
        .unwrap_or_else(|_| template.to_owned())
    }
}

/// Returns the status code and JSON body of a 2xx answer; sorts everything else. A refusal's body
/// is redacted before anything reads it, so a provider echoing the key cannot put it in a message.
pub fn read_success<C: Reader + ?Sized>(
    connector: &C,
    exchange: &Exchange,
    redactor: &Redactor,
    reading: &Reading,
) -> Result<(u16, Value), Interpreted> {
    let spec = connector.declaration();
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
        // Rate limited, then no answer to the retry before the deadline: what the provider
        // last said is that it is rate limiting.
        Exchange::TimedOut {
            timeout,
            last_status: Some(StatusCode::TOO_MANY_REQUESTS),
        } => {
            return Err(Interpreted::new(
                Status::RateLimited,
                Some(StatusCode::TOO_MANY_REQUESTS.as_u16()),
                format!(
                    "{} is rate limiting requests (429), and the retry got no answer within {}. Wait and try again{}",
                    spec.name,
                    human_duration(*timeout),
                    hint(tips.rate_limited)
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
        if let Some(json) = &json {
            if let Some(failed) = declared_answer(spec, code, body, json, redactor, reading) {
                return Err(failed);
            }
            if let Some(success) = &reading.success {
                let text = String::from_utf8_lossy(body);
                if !success.holds(&text, Some(json)) {
                    let said = said(&redactor.redact_json(json));
                    return Err(Interpreted::new(
                        Status::Unexpected,
                        Some(code),
                        format!(
                            "{} answered {code}{said} without the sign of success this connector expects ({}); the API may have changed",
                            spec.name,
                            success.describe()
                        ),
                    ));
                }
            }
        }
        if json.is_none() && reading.text_body {
            if let Some(text) = bare_text(body) {
                return Ok((code, Value::String(text)));
            }
        }
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

    // Walking the parsed body is needed only when the raw text may hold a secret: in it as
    // it stands, or behind a JSON escape (`\u0061`) that only parsing undoes.
    let may_hold_secret = body.contains(&b'\\')
        || std::str::from_utf8(body).map_or(true, |text| redactor.holds_secret(text));
    let json = json.map(|parsed| {
        if may_hold_secret {
            redactor.redact_json(&parsed)
        } else {
            parsed
        }
    });
    let null = Value::Null;
    if let Some(failed) = declared_answer(
        spec,
        code,
        body,
        json.as_ref().unwrap_or(&null),
        redactor,
        reading,
    ) {
        return Err(failed);
    }
    if let Some(verdict) = connector.read_refusal(code, json.as_ref().unwrap_or(&null)) {
        return Err(Interpreted::new(
            verdict.status,
            Some(code),
            verdict.message,
        ));
    }

    let said = json.as_ref().map(said).unwrap_or_default();
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

/// ` (the provider said: "…")` when the (redacted) body holds a message.
fn said(json: &Value) -> String {
    provider_message(json)
        .map(|m| format!(" (the provider said: \"{m}\")"))
        .unwrap_or_default()
}

/// The first declared answer rule matching this status and body, as the outcome it names. The
/// body is matched as received; the message quotes only the redacted body.
fn declared_answer(
    spec: &ConnectorSpec,
    code: u16,
    body: &[u8],
    json: &Value,
    redactor: &Redactor,
    reading: &Reading,
) -> Option<Interpreted> {
    let rule: &Answer = reading.answers.iter().find(|rule| {
        rule.status == code
            && rule
                .when
                .as_ref()
                .is_none_or(|m| m.holds(&String::from_utf8_lossy(body), Some(json)))
    })?;
    let said = said(&redactor.redact_json(json));
    let tip = hint(spec.guide.troubleshooting.for_status(rule.outcome));
    Some(Interpreted::new(
        rule.outcome,
        Some(code),
        format!(
            "{} answered {code}{said}: {}{tip}",
            spec.name,
            reading.message(rule.message)
        ),
    ))
}

/// A bare text answer (a token): UTF-8, at most 8 KiB, one run of visible characters once
/// trimmed.
fn bare_text(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?.trim();
    let fits =
        !text.is_empty() && text.len() <= 8 * 1024 && text.chars().all(|c| c.is_ascii_graphic());
    fits.then(|| text.to_owned())
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

/// The longest provider message quoted, in characters.
pub const MAX_PROVIDER_MESSAGE: usize = 200;

/// The human message in a provider's error body, whatever its shape: `message`, `error` (text or
/// an object with a message), `detail`, `error_description`, `title`, `errorInfo.message`, or
/// the first of an `errors` list (texts, or objects with a `message` or `title`). Control and bidi
/// characters are escaped, then the text is truncated; the body must already be redacted
/// ([`read_success`] hands `classify` a redacted body).
pub fn provider_message(body: &Value) -> Option<String> {
    let obj = body.as_object()?;
    let text_of = |value: &Value| -> Option<String> {
        match value {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::Object(inner) => ["message", "title", "detail"]
                .iter()
                .find_map(|k| inner.get(*k)?.as_str().map(str::to_owned)),
            _ => None,
        }
    };
    // Members are matched whatever their case (`Message`, as some APIs capitalize them).
    let member = |name: &str| {
        obj.get(name).or_else(|| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
    };
    let text = [
        "message",
        "error_description",
        "detail",
        "error",
        "title",
        "errorInfo",
    ]
    .iter()
    .find_map(|k| text_of(member(k)?))
    .or_else(|| match obj.get("errors")? {
        Value::Array(items) => items.iter().find_map(text_of),
        other => text_of(other),
    })?;
    let text: String = printable(&text)
        .chars()
        .take(MAX_PROVIDER_MESSAGE)
        .collect();
    Some(text)
}
