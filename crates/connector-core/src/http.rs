//! The one HTTP client all connectors share, and the exchange rules: one deadline for the whole
//! exchange, bounded retries with backoff honouring `Retry-After`, a capped body read, and no
//! redirects (a credential never reaches another origin).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

mod hosts;
mod resolve;

pub use hosts::{connection_budget, HostSlot, HostSlots, MAX_SHARDS, POOL_IDLE_TIMEOUT};
pub use resolve::{Pin, PinError};

pub use crate::spec::Repeat;
pub use reqwest::dns;
use reqwest::dns::Resolve;
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
    /// Whether the connection may stay open for the next request to the host. When not, the
    /// request asks for it to be closed after the answer (`Connection: close`): a bulk run over
    /// more hosts than it keeps connections for ([`HostSlot::keep_connection`]).
    pub keep_connection: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_retries: 2,
            max_body_bytes: 1024 * 1024,
            backoff: Duration::from_millis(200),
            keep_connection: true,
        }
    }
}

/// A prepared request. Its headers carry the credential, marked sensitive; its URL may carry a
/// key in the query and its body a client secret, so Debug shows neither.
pub struct Request {
    pub method: Method,
    pub url: Url,
    pub headers: HeaderMap,
    pub body: Option<RequestBody>,
    pub repeat: Repeat,
}

/// A request body with its content type.
#[derive(Clone)]
pub struct RequestBody {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("origin", &self.url.origin().ascii_serialization())
            .field("path", &self.url.path())
            .field("query", &self.url.query().map(|_| "[REDACTED]"))
            .field("headers", &self.headers)
            .field("body", &self.body)
            .field("repeat", &self.repeat)
            .finish()
    }
}

impl std::fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} bytes)", self.content_type, self.bytes.len())
    }
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
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    observer: Option<Observer>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("observer", &self.observer.is_some())
            .finish_non_exhaustive()
    }
}

/// Idle connections kept per host by [`HttpClient::new`].
pub const DEFAULT_POOL_SIZE: usize = 32;

/// The client could not be built with the rules every request needs (no redirects, a
/// User-Agent, the chosen DNS servers). Nothing is sent with a client built otherwise.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the HTTP client ({0}); check the TLS and DNS settings of this machine, then try again")]
pub struct HttpClientError(String);

/// Builds an [`HttpClient`]: pool size and, optionally, the DNS servers to resolve names with
/// instead of the system resolver.
#[derive(Clone)]
pub struct HttpClientBuilder {
    idle_per_host: usize,
    dns_servers: Vec<SocketAddr>,
    dns_timeout: Duration,
    resolver: Option<Arc<dyn Resolve>>,
    observer: Option<Observer>,
    roots: Vec<reqwest::Certificate>,
    pinned: Vec<(String, SocketAddr)>,
}

/// Sees every complete answer with the request that got it (retries included), in order: how
/// `cargo xtask record` captures what a provider really sends. It sees the credential in the
/// clear, so only a tool that redacts what it keeps may install one.
pub type Observer = Arc<dyn Fn(&Request, &Observed<'_>) + Send + Sync>;

/// One answer as an [`Observer`] sees it: before any interpretation, the body as read (never
/// more than the limit).
#[derive(Debug)]
pub struct Observed<'a> {
    pub status: StatusCode,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

impl std::fmt::Debug for HttpClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClientBuilder")
            .field("idle_per_host", &self.idle_per_host)
            .field("dns_servers", &self.dns_servers)
            .field("dns_timeout", &self.dns_timeout)
            .field("custom_resolver", &self.resolver.is_some())
            .field("observer", &self.observer.is_some())
            .field("extra_roots", &self.roots.len())
            .field("pinned", &self.pinned)
            .finish()
    }
}

impl Default for HttpClientBuilder {
    fn default() -> Self {
        Self {
            idle_per_host: DEFAULT_POOL_SIZE,
            dns_servers: Vec::new(),
            dns_timeout: Limits::default().timeout,
            resolver: None,
            observer: None,
            roots: Vec::new(),
            pinned: Vec::new(),
        }
    }
}

impl HttpClientBuilder {
    /// Keeps up to `idle_per_host` idle connections per host (bulk work wants more).
    pub fn pool_size(mut self, idle_per_host: usize) -> Self {
        self.idle_per_host = idle_per_host;
        self
    }

    /// Resolves names by asking these DNS servers (UDP, then TCP) instead of the system
    /// resolver, each query giving up after `query_timeout`: keep it no longer than the check's
    /// deadline. An empty list keeps the system resolver.
    pub fn dns_servers(mut self, servers: Vec<SocketAddr>, query_timeout: Duration) -> Self {
        self.dns_servers = servers;
        self.dns_timeout = query_timeout;
        self
    }

    /// Resolves names with `resolver` (tests, embedders); takes precedence over
    /// [`HttpClientBuilder::dns_servers`].
    pub fn resolver(mut self, resolver: Arc<dyn Resolve>) -> Self {
        self.resolver = Some(resolver);
        self
    }

    /// Trusts these certificate authorities besides the built-in ones (corporate TLS
    /// inspection, a test server); see [`load_ca_bundle`].
    pub fn extra_roots(mut self, roots: Vec<reqwest::Certificate>) -> Self {
        self.roots.extend(roots);
        self
    }

    /// Connects to `host` at `addr` instead of resolving it, as curl's `--resolve` does. The
    /// port the connection uses is still the URL's. `*.example.com` pins every name under
    /// `example.com`, `*` every name.
    pub fn pin(mut self, host: &str, addr: SocketAddr) -> Self {
        self.pinned.push((host.to_ascii_lowercase(), addr));
        self
    }

    /// Shows every complete answer, with its request, to `observer` (see [`Observer`]).
    pub fn observer(mut self, observer: Observer) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Builds the client, or says why it cannot be built. There is no fallback: a client
    /// without these rules would follow redirects and carry a key to another origin.
    pub fn build(self) -> Result<HttpClient, HttpClientError> {
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(self.idle_per_host)
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .connect_timeout(Duration::from_secs(10));
        for root in self.roots {
            builder = builder.add_root_certificate(root);
        }
        let mut wildcards = Vec::new();
        for (host, addr) in &self.pinned {
            match resolve::wildcard_suffix(host) {
                Some(suffix) => wildcards.push((suffix.to_owned(), addr.ip())),
                None => builder = builder.resolve(host, *addr),
            }
        }
        let inner: Arc<dyn Resolve> = if let Some(resolver) = self.resolver {
            resolver
        } else if !self.dns_servers.is_empty() {
            Arc::new(resolve::ServersResolver::new(
                &self.dns_servers,
                self.dns_timeout,
            ))
        } else {
            Arc::new(resolve::System::new())
        };
        builder = if wildcards.is_empty() {
            builder.dns_resolver(Arc::new(resolve::Shared(inner)))
        } else {
            builder.dns_resolver(Arc::new(resolve::Wildcards { wildcards, inner }))
        };
        let client = builder
            .build()
            .map_err(|e| HttpClientError(describe_build_error(&e)))?;
        Ok(HttpClient {
            client,
            observer: self.observer,
        })
    }
}

impl HttpClient {
    /// A builder for a client with non-default settings.
    pub fn builder() -> HttpClientBuilder {
        HttpClientBuilder::default()
    }

    /// The default client (system resolver, [`DEFAULT_POOL_SIZE`] idle connections per host).
    pub fn try_new() -> Result<Self, HttpClientError> {
        Self::builder().build()
    }

    /// As [`HttpClient::try_new`], for tests and tools where a client that cannot be built is a
    /// bug to stop on.
    ///
    /// # Panics
    ///
    /// When the client cannot be built (see [`HttpClientError`]); it never falls back to a
    /// client with other rules.
    pub fn new() -> Self {
        Self::try_new().unwrap_or_else(|e| panic!("{e}"))
    }

    /// As [`HttpClient::new`], keeping up to `idle_per_host` idle connections per host.
    ///
    /// # Panics
    ///
    /// When the client cannot be built, as [`HttpClient::new`].
    pub fn with_pool_size(idle_per_host: usize) -> Self {
        Self::builder()
            .pool_size(idle_per_host)
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The underlying client, for requests whose bodies stream both ways (the hub's proxy). It
    /// keeps this client's rules: no redirects followed, the User-Agent, the chosen resolver.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends `request` until it gets an answer worth keeping, a retry budget runs out, or the
    /// deadline passes. Whatever the provider sends (a `Retry-After` of any size included), it
    /// never panics: a wait that would pass the deadline, or that cannot even be computed,
    /// reports what came back so far.
    pub async fn exchange(&self, request: &Request, limits: &Limits) -> Exchange {
        let deadline = deadline_after(Instant::now(), limits.timeout);
        let mut attempts: u32 = 0;
        let mut last_status = None;
        loop {
            attempts = attempts.saturating_add(1);
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
            // `None` inside: a wait too long to compute, which no deadline can fit.
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
                    let wait = match retry_after(&headers) {
                        Some(asked) => Some(asked),
                        None => backoff(limits.backoff, attempts),
                    };
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
                    let wait = backoff(limits.backoff, attempts);
                    let retryable = request.repeat == Repeat::Safe;
                    (retryable.then_some(wait), Exchange::Transport { error })
                }
            };
            let Some(wait) = wait.filter(|_| retries_left) else {
                return result;
            };
            match wait.and_then(|wait| Instant::now().checked_add(wait)) {
                Some(resume) if resume < deadline => tokio::time::sleep_until(resume).await,
                // Waiting would outlast the deadline: report what we have now.
                _ => return result,
            }
        }
    }

    async fn attempt(&self, request: &Request, limits: &Limits) -> Attempt {
        let mut builder = self
            .client
            .request(request.method.clone(), request.url.clone())
            .headers(request.headers.clone());
        if !limits.keep_connection {
            builder = builder.header(reqwest::header::CONNECTION, "close");
        }
        if let Some(body) = &request.body {
            if !request.headers.contains_key(reqwest::header::CONTENT_TYPE) {
                builder = builder.header(reqwest::header::CONTENT_TYPE, body.content_type);
            }
            builder = builder.body(body.bytes.clone());
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
                    if body.len().saturating_add(chunk.len()) > limits.max_body_bytes {
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
        if let Some(observer) = &self.observer {
            let observed = Observed {
                status,
                headers: &headers,
                body: &body,
            };
            observer(request, &observed);
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

/// `Retry-After` as seconds or an HTTP date; a date in the past means no wait. Any value parses
/// without panicking: the result may be huge (`u64::MAX` seconds), so add it to an instant only
/// with checked arithmetic.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    retry_after_value(value)
}

/// As [`retry_after`], for the header's text.
pub fn retry_after_value(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

/// The backoff before retry number `attempts`: `base` doubled for each attempt after the first,
/// or `None` when that overflows.
fn backoff(base: Duration, attempts: u32) -> Option<Duration> {
    let factor = 2u32.checked_pow(attempts.saturating_sub(1))?;
    base.checked_mul(factor)
}

/// `start + timeout`, or as far ahead as an instant can be when that overflows (a timeout of
/// centuries is as good as none).
fn deadline_after(start: Instant, timeout: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(86_400 * 365 * 30);
    start
        .checked_add(timeout)
        .or_else(|| start.checked_add(FAR))
        .unwrap_or(start)
}

/// Why reqwest could not build a client, with the root cause.
fn describe_build_error(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

/// Reads a PEM bundle of CA certificates (`--ca-cert`, `SSL_CERT_FILE`). The error names the
/// file and what to give instead.
pub fn load_ca_bundle(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let roots = reqwest::Certificate::from_pem_bundle(&bytes).map_err(|_| {
        format!(
            "{} is not a PEM bundle of certificates; give a file of \
             -----BEGIN CERTIFICATE----- blocks",
            path.display()
        )
    })?;
    if roots.is_empty() {
        return Err(format!(
            "{} holds no certificate; give a file of -----BEGIN CERTIFICATE----- blocks",
            path.display()
        ));
    }
    Ok(roots)
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
    let hint = if root.contains("certificate") || root.contains("UnknownIssuer") {
        "; if the server uses a private certificate authority (TLS inspection, a test server), \
         trust it with --ca-cert FILE or SSL_CERT_FILE"
    } else {
        ""
    };
    if root.is_empty() {
        format!("{kind}{host}")
    } else {
        format!("{kind}{host}: {root}{hint}")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_overflow_is_none() {
        let base = Duration::from_millis(200);
        assert_eq!(backoff(base, 1), Some(base));
        assert_eq!(backoff(base, 3), Some(Duration::from_millis(800)));
        assert_eq!(backoff(base, 33), None, "2^32 does not fit a u32");
        assert_eq!(backoff(Duration::MAX, 2), None);
        assert_eq!(backoff(base, u32::MAX), None);
    }

    #[test]
    fn a_deadline_past_the_end_of_time_is_far_ahead() {
        let now = Instant::now();
        assert_eq!(
            deadline_after(now, Duration::from_secs(3)),
            now + Duration::from_secs(3)
        );
        let far = deadline_after(now, Duration::MAX);
        assert!(far > now + Duration::from_secs(86_400 * 365 * 10));
    }
}
