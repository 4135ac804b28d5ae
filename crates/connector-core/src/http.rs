//! The one HTTP client all connectors share, and the exchange rules: one deadline for the whole
//! exchange, bounded retries with backoff honouring `Retry-After`, a capped body read, and no
//! redirects (a credential never reaches another origin).

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use tokio::time::Instant;
use url::Url;

/// The User-Agent every request carries (some providers refuse requests without one).
pub const USER_AGENT: &str = concat!(
    "connector-check/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/connector-workspace)"
);

/// Limits for one exchange.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bounds the whole exchange, retries and body included.
    pub timeout: Duration,
    /// Retries after the first attempt, for 429 and (when safe) 5xx and transport errors.
    pub max_retries: u32,
    /// The most body bytes read; a longer body is abandoned unread.
    pub max_body_bytes: usize,
    /// First backoff delay; doubled on each retry.
    pub backoff: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_retries: 2,
            max_body_bytes: 1024 * 1024,
            backoff: Duration::from_millis(200),
        }
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

/// A prepared request. Its headers carry the credential, marked sensitive.
#[derive(Debug)]
pub struct Request {
    pub method: Method,
    pub url: Url,
    pub headers: HeaderMap,
    pub body: Option<serde_json::Value>,
    pub repeat: Repeat,
}

/// What came back, after retries.
#[derive(Debug)]
pub enum Exchange {
    /// A complete response with a body no longer than the limit.
    Response {
        status: StatusCode,
        headers: HeaderMap,
        body: Vec<u8>,
        attempts: u32,
    },
    /// The body was longer than the limit; reading stopped there.
    TooLarge { status: StatusCode, limit: usize },
    /// The deadline passed; `last_status` is the status of the last complete attempt, if any.
    TimedOut {
        timeout: Duration,
        last_status: Option<StatusCode>,
    },
    /// The connection failed (refused, reset, TLS, DNS).
    Transport { error: String },
}

/// The shared client. Cheap to clone; one connection pool.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
}

impl HttpClient {
    pub fn new() -> Self {
        Self::with_pool_size(32)
    }

    /// A client keeping up to `idle_per_host` idle connections per host, for bulk work.
    pub fn with_pool_size(idle_per_host: usize) -> Self {
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(idle_per_host)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self { client }
    }

    /// Sends `request` until it gets an answer worth keeping, a retry budget runs out, or the
    /// deadline passes.
    pub async fn exchange(&self, request: &Request, limits: &Limits) -> Exchange {
        let deadline = Instant::now() + limits.timeout;
        let mut attempts = 0;
        let mut last_status = None;
        loop {
            attempts += 1;
            let attempt = tokio::time::timeout_at(deadline, self.attempt(request, limits));
            let outcome = match attempt.await {
                Ok(outcome) => outcome,
                Err(_) => {
                    return Exchange::TimedOut {
                        timeout: limits.timeout,
                        last_status,
                    }
                }
            };
            let retries_left = attempts <= limits.max_retries;
            let (wait, result) = match outcome {
                Attempt::Done(Exchange::Response {
                    status,
                    headers,
                    body,
                    ..
                }) => {
                    tracing::debug!(status = status.as_u16(), attempt = attempts, "response");
                    let retryable = status == StatusCode::TOO_MANY_REQUESTS
                        || (status.is_server_error() && request.repeat == Repeat::Safe);
                    last_status = Some(status);
                    let wait = retry_after(&headers)
                        .unwrap_or_else(|| limits.backoff * 2u32.saturating_pow(attempts - 1));
                    let result = Exchange::Response {
                        status,
                        headers,
                        body,
                        attempts,
                    };
                    (retryable.then_some(wait), result)
                }
                Attempt::Done(other) => (None, other),
                Attempt::Failed(error) => {
                    tracing::debug!(attempt = attempts, %error, "transport error");
                    let wait = limits.backoff * 2u32.saturating_pow(attempts - 1);
                    let retryable = request.repeat == Repeat::Safe;
                    (retryable.then_some(wait), Exchange::Transport { error })
                }
            };
            let Some(wait) = wait.filter(|_| retries_left) else {
                return result;
            };
            if Instant::now() + wait >= deadline {
                // Waiting would outlast the deadline: report what we have now.
                return result;
            }
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(&self, request: &Request, limits: &Limits) -> Attempt {
        let mut builder = self
            .client
            .request(request.method.clone(), request.url.clone())
            .headers(request.headers.clone());
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let mut response = match builder.send().await {
            Ok(response) => response,
            Err(error) => return Attempt::Failed(describe_transport_error(&error)),
        };
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        if response
            .content_length()
            .is_some_and(|len| len > limits.max_body_bytes as u64)
        {
            return Attempt::Done(Exchange::TooLarge {
                status,
                limit: limits.max_body_bytes,
            });
        }
        let expected = response.content_length().unwrap_or(0) as usize;
        let mut body = Vec::with_capacity(expected.min(limits.max_body_bytes));
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > limits.max_body_bytes {
                        return Attempt::Done(Exchange::TooLarge {
                            status,
                            limit: limits.max_body_bytes,
                        });
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(error) => return Attempt::Failed(describe_transport_error(&error)),
            }
        }
        Attempt::Done(Exchange::Response {
            status,
            headers,
            body,
            attempts: 1,
        })
    }
}

impl Default for HttpClient {
    fn default() -> Self {
        Self::new()
    }
}

enum Attempt {
    Done(Exchange),
    Failed(String),
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

/// A transport error in words, without the request's headers (which is where keys live).
fn describe_transport_error(error: &reqwest::Error) -> String {
    let kind = if error.is_connect() {
        "could not connect"
    } else if error.is_timeout() {
        "timed out"
    } else if error.is_body() || error.is_decode() {
        "the connection broke while reading the response"
    } else {
        "the request failed"
    };
    let host = error
        .url()
        .map(|u| format!(" to {}", u.origin().ascii_serialization()))
        .unwrap_or_default();
    let mut source = std::error::Error::source(error);
    let mut root = String::new();
    while let Some(s) = source {
        root = s.to_string();
        source = s.source();
    }
    if root.is_empty() {
        format!("{kind}{host}")
    } else {
        format!("{kind}{host}: {root}")
    }
}

/// Builds a header value that is never printed by Debug.
pub fn sensitive_header(value: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(value).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// Parses a header name declared in a spec.
pub fn header_name(name: &str) -> Option<HeaderName> {
    HeaderName::from_bytes(name.as_bytes()).ok()
}
