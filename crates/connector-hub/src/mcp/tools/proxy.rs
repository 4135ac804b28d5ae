//! `proxy_request`: a call to the provider through the hub's proxy, its body read to a limit.

use crate::service::proxy::ProxyRequest;
use crate::service::Hub;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::Method;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::{parse, Outcome, ToolError, MAX_PROXY_BODY, READ_PAST_LIMIT};

/// A request to a linked account's provider API; the hub adds the account's key.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProxyRequestInput {
    /// The account's id (`acc_…`).
    pub account_id: String,
    /// The HTTP method; `GET` when absent.
    #[serde(default)]
    pub method: Option<HttpMethod>,
    /// The path relative to the provider's API base URL, e.g. `v1/candidates` (percent-encode
    /// special characters in a segment). It cannot leave the base: `..`, encoded slashes and
    /// schemes are refused.
    pub path: String,
    /// Query parameters; a list repeats the parameter.
    #[serde(default)]
    pub query: Option<BTreeMap<String, QueryValue>>,
    /// Extra request headers (e.g. `accept`). `authorization`, cookies and hop-by-hop headers
    /// are not sent: the hub sends the account's own credential.
    #[serde(default)]
    pub headers: Option<BTreeMap<String, String>>,
    /// The request body: a string is sent as it is; any other JSON value is sent as JSON
    /// (`content-type: application/json` unless given).
    #[serde(default)]
    pub body: Option<Value>,
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
pub enum HttpMethod {
    #[serde(rename = "GET", alias = "get")]
    Get,
    #[serde(rename = "POST", alias = "post")]
    Post,
    #[serde(rename = "PUT", alias = "put")]
    Put,
    #[serde(rename = "PATCH", alias = "patch")]
    Patch,
    #[serde(rename = "DELETE", alias = "delete")]
    Delete,
    #[serde(rename = "HEAD", alias = "head")]
    Head,
}

impl HttpMethod {
    fn method(self) -> Method {
        match self {
            HttpMethod::Get => Method::GET,
            HttpMethod::Post => Method::POST,
            HttpMethod::Put => Method::PUT,
            HttpMethod::Patch => Method::PATCH,
            HttpMethod::Delete => Method::DELETE,
            HttpMethod::Head => Method::HEAD,
        }
    }
}

/// A query parameter's value, or several.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum QueryValue {
    One(Scalar),
    Many(Vec<Scalar>),
}

/// A string, a number or a boolean.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Scalar {
    Text(String),
    Number(serde_json::Number),
    Flag(bool),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Text(t) => t.clone(),
            Scalar::Number(n) => n.to_string(),
            Scalar::Flag(b) => b.to_string(),
        }
    }
}

/// Characters a path keeps as they are: the unreserved ones, sub-delimiters, `:`, `@`, `/` and
/// `%` (an escape the caller already wrote); anything else is percent-encoded.
pub(super) const PATH_ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/')
    .remove(b'%')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// Encodes a query's names and values.
pub(super) const QUERY_ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

pub(super) async fn proxy_request(hub: &Arc<Hub>, arguments: JsonObject) -> Outcome {
    let hinted = arguments
        .get("account_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let args = match parse::<ProxyRequestInput>(arguments) {
        Ok(args) => args,
        Err(e) => return Outcome::new(Err(e), hinted),
    };
    let account_id = Some(args.account_id.clone());
    let method = args.method.unwrap_or(HttpMethod::Get).method();
    let audit_method = method.to_string();
    let result = forward(hub, args, method).await;
    let audit = match &result {
        Ok(answer) => format!(
            "{audit_method}: {}",
            answer["status"].as_u64().unwrap_or_default()
        ),
        Err(e) => format!("{audit_method}: refused: {}", e.code),
    };
    Outcome {
        result,
        account_id,
        audit,
    }
}

/// The request the proxy sends for these arguments.
pub(super) fn proxy_request_of(
    args: &ProxyRequestInput,
    method: Method,
) -> Result<ProxyRequest, ToolError> {
    // A query written into the path joins the one given apart.
    let (path, inline_query) = match args.path.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (args.path.as_str(), None),
    };
    let path = percent_encoding::utf8_percent_encode(path.trim_start_matches('/'), PATH_ESCAPED)
        .to_string();
    let mut pairs: Vec<String> = inline_query
        .filter(|q| !q.is_empty())
        .map(|q| vec![q.to_owned()])
        .unwrap_or_default();
    for (name, value) in args.query.iter().flatten() {
        let values = match value {
            QueryValue::One(v) => vec![v.text()],
            QueryValue::Many(vs) => vs.iter().map(Scalar::text).collect(),
        };
        for v in values {
            pairs.push(format!(
                "{}={}",
                percent_encoding::utf8_percent_encode(name, QUERY_ESCAPED),
                percent_encoding::utf8_percent_encode(&v, QUERY_ESCAPED)
            ));
        }
    }
    let mut headers = HeaderMap::new();
    for (name, value) in args.headers.iter().flatten() {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            ToolError::new(
                "invalid_arguments",
                "a name in `headers` is not a valid HTTP header name",
            )
        })?;
        if name == CONTENT_LENGTH {
            // The length is the body's own, set when it is sent.
            continue;
        }
        let value = HeaderValue::from_str(value).map_err(|_| {
            ToolError::new(
                "invalid_arguments",
                format!("the value of header `{name}` holds characters a header cannot carry"),
            )
        })?;
        headers.append(name, value);
    }
    let body = match &args.body {
        None | Some(Value::Null) => reqwest::Body::from(Vec::new()),
        Some(Value::String(text)) => reqwest::Body::from(text.clone()),
        Some(other) => {
            if !headers.contains_key(CONTENT_TYPE) {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            reqwest::Body::from(other.to_string())
        }
    };
    Ok(ProxyRequest {
        method,
        path,
        query: (!pairs.is_empty()).then(|| pairs.join("&")),
        headers,
        body,
    })
}

pub(super) async fn forward(
    hub: &Arc<Hub>,
    args: ProxyRequestInput,
    method: Method,
) -> Result<Value, ToolError> {
    let request = proxy_request_of(&args, method)?;
    let mut proxied = hub.proxy(&args.account_id, request).await?;
    let status = proxied.status.as_u16();
    let declared = proxied
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut headers = Map::new();
    for name in proxied.headers.keys() {
        let values: Vec<String> = proxied
            .headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        headers.insert(name.as_str().to_owned(), json!(values.join(", ")));
    }
    let json_type = proxied
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            let t = t.to_ascii_lowercase();
            t.contains("json")
        });

    // Read no more than the limit (and a little past it): a huge export is cut, not followed.
    let deadline = Duration::from_secs_f64(hub.settings.proxy_timeout);
    let mut bytes: Vec<u8> = Vec::new();
    let mut ended = false;
    let mut timed_out = false;
    let reading = async {
        loop {
            match proxied.body.chunk().await {
                Ok(Some(chunk)) => {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > MAX_PROXY_BODY + READ_PAST_LIMIT {
                        break Ok(());
                    }
                }
                Ok(None) => {
                    ended = true;
                    break Ok(());
                }
                Err(e) => break Err(e),
            }
        }
    };
    match tokio::time::timeout(deadline, reading).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            let why = proxied.redactor.for_people(&e.without_url().to_string());
            return Err(ToolError::new(
                "provider_unreachable",
                format!("the provider answered {status} but its body broke off ({why}); try again"),
            ));
        }
        Err(_) => timed_out = true,
    }
    let read = bytes.len();
    let truncated = !ended || read > MAX_PROXY_BODY;
    let mut answer = json!({"status": status, "headers": headers});
    let text = String::from_utf8(bytes);
    match text {
        Ok(text) => {
            // Redact first, then cut: a cut can never leave most of a key behind.
            let redacted = proxied.redactor.redact(&text).into_owned();
            let parsed = if truncated || !json_type {
                None
            } else {
                serde_json::from_str::<Value>(&redacted).ok()
            };
            match parsed {
                Some(value) => {
                    answer["body_format"] = json!("json");
                    answer["body"] = value;
                }
                None => {
                    answer["body_format"] = json!("text");
                    answer["body"] = json!(cut(&redacted, MAX_PROXY_BODY));
                }
            }
            if redacted != text {
                answer["redacted"] = json!(
                    "parts of the body held the account's key and were masked: the hub never \
                     hands a provider key to an agent"
                );
            }
        }
        Err(e) => {
            let mut raw = e.into_bytes();
            // A multi-byte character cut by the limit still makes text.
            if truncated {
                raw.truncate(MAX_PROXY_BODY);
                if let Ok(text) = String::from_utf8(raw.clone()) {
                    let redacted = proxied.redactor.redact(&text).into_owned();
                    answer["body_format"] = json!("text");
                    answer["body"] = json!(cut(&redacted, MAX_PROXY_BODY));
                } else {
                    answer["body_format"] = json!("binary");
                    answer["body"] = Value::Null;
                }
            } else {
                answer["body_format"] = json!("binary");
                answer["body"] = Value::Null;
            }
            if answer["body"].is_null() {
                answer["note"] = json!(
                    "the body is binary, which this tool does not show; ask the provider for a \
                     JSON or text representation"
                );
            }
        }
    }
    answer["body_bytes"] = match (truncated, declared) {
        (false, _) => json!(read),
        (true, Some(total)) => json!(total),
        (true, None) => Value::Null,
    };
    answer["truncated"] = json!(truncated);
    if truncated {
        let size = match declared {
            Some(total) => format!("{total} bytes"),
            None if timed_out => format!(
                "more than {read} bytes (it did not finish within {}s)",
                hub.settings.proxy_timeout
            ),
            None => format!("more than {} KiB", MAX_PROXY_BODY / 1024),
        };
        answer["note"] = json!(format!(
            "the body is {size}; only its first {} KiB are shown. Ask for less: a smaller page, \
             a filter, fewer fields.",
            MAX_PROXY_BODY / 1024
        ));
    }
    if matches!(status, 401 | 403) {
        answer["account_note"] = json!(
            "the provider refused the account's key for this call; the hub re-verifies the \
             account (get_account shows its status shortly)"
        );
    }
    Ok(answer)
}

/// `text` cut to at most `max` bytes at a character boundary.
pub(super) fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
