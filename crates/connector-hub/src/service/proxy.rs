//! The proxy: a host app's request sent on to a linked account's API with the account's
//! credential, so the app never handles the key. The request goes only to the account's API
//! base URL (the connector's, placeholders filled, overrides applied), with the credential
//! applied by connector-core's one builder exactly as a check applies it; bodies stream both
//! ways. A token exchange's token is kept until shortly before it expires, one exchange serving
//! many calls. A 401 or 403 from the provider makes the hub re-verify the account (at most once a
//! minute), so a revoked key shows as such and its webhook goes out.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use connector_core::build::{Target, Token};
use connector_core::forward::ForwardError;
use connector_core::http::HttpClient;
use connector_core::redact::Redactor;
use connector_core::validate::validate;
use connector_core::{exchange_token, Connector};
use reqwest::header::{HeaderMap, HeaderName};
use reqwest::{Method, StatusCode};
use secrecy::SecretString;

use super::hub::{variant, Hub, HubError, StartError};
use crate::settings::Settings;
use crate::store::AccountRow;

/// Tokens and refusal times kept for at most this many accounts; past it, entries not in use
/// are dropped.
const MAX_ENTRIES: usize = 10_000;
/// How long a token whose exchange did not say (`expires_in`) is kept.
const UNSTATED_LIFETIME: Duration = Duration::from_secs(300);
/// Longest a token is kept before its stated end.
const EARLY: Duration = Duration::from_secs(60);
/// An account is re-verified after a refused proxied call at most this often.
const REVERIFY_EVERY: Duration = Duration::from_secs(60);
/// Idle connections the proxy keeps per provider host.
const POOL_PER_HOST: usize = 64;

/// What the proxy keeps between calls: its client, exchanged tokens, and when each account was
/// last re-verified after a refusal.
#[derive(Debug)]
pub(crate) struct ProxyState {
    client: HttpClient,
    tokens: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<CachedToken>>>>>,
    refusals: Mutex<HashMap<String, Instant>>,
}

impl ProxyState {
    /// With the settings' `ca_cert` and `resolve`, as checks have them.
    pub(crate) fn new(settings: &Settings) -> Result<Self, StartError> {
        Ok(Self {
            client: settings
                .network(HttpClient::builder().pool_size(POOL_PER_HOST))?
                .build()
                .map_err(|e| StartError::Http(e.to_string()))?,
            tokens: Mutex::default(),
            refusals: Mutex::default(),
        })
    }

    /// The token slot of an account, made on first use.
    fn slot(&self, account_id: &str) -> Arc<tokio::sync::Mutex<Option<CachedToken>>> {
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if tokens.len() >= MAX_ENTRIES && !tokens.contains_key(account_id) {
            tokens.retain(|_, slot| Arc::strong_count(slot) > 1);
        }
        tokens.entry(account_id.to_owned()).or_default().clone()
    }

    /// Whether a refused call on this account should re-verify it now (once a minute at most).
    fn due_for_reverify(&self, account_id: &str) -> bool {
        let now = Instant::now();
        let mut refusals = self.refusals.lock().unwrap_or_else(|e| e.into_inner());
        if refusals.len() >= MAX_ENTRIES {
            refusals.retain(|_, at| now.duration_since(*at) < REVERIFY_EVERY);
        }
        match refusals.get(account_id) {
            Some(at) if now.duration_since(*at) < REVERIFY_EVERY => false,
            _ => {
                refusals.insert(account_id.to_owned(), now);
                true
            }
        }
    }
}

/// An exchanged token, for the account version whose credentials it was exchanged for.
struct CachedToken {
    version: i64,
    token: SecretString,
    until: Instant,
}

impl std::fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedToken")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// A request to forward, as the caller sent it after the account id.
pub struct ProxyRequest {
    pub method: Method,
    /// The path after `/proxy/{account_id}/`, still percent-encoded.
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: reqwest::Body,
}

impl std::fmt::Debug for ProxyRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Headers and query may carry the caller's hub key or a provider's parameters: left out.
        f.debug_struct("ProxyRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// The provider's answer: its status, the headers that may pass, and the body to stream; with
/// the redactor of the account's secrets, for a door that shows the body to someone who must not
/// see them (the MCP server).
pub struct Proxied {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: reqwest::Response,
    pub redactor: Redactor,
}

impl std::fmt::Debug for Proxied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxied")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// Headers of one hop only (RFC 9110 §7.6.1), never passed on either way.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Whether a caller's header stays behind: the hub key, cookies, the host, proxy and hop-by-hop
/// headers, and what a proxy in front of the hub said about the caller's network.
fn held_back_from_provider(name: &HeaderName, connection: &[String]) -> bool {
    let name = name.as_str();
    matches!(
        name,
        "authorization" | "cookie" | "host" | "forwarded" | "x-real-ip"
    ) || name.starts_with("proxy-")
        || name.starts_with("x-forwarded-")
        || HOP_BY_HOP.contains(&name)
        || connection.iter().any(|c| c == name)
}

/// The header names a `Connection` header lists (they are hop-by-hop too).
fn connection_listed(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(reqwest::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect()
}

/// The provider's headers that may reach the caller: no hop-by-hop ones, no cookie, and none
/// carrying a run of the account's secrets.
fn answer_headers(headers: &HeaderMap, redactor: &Redactor) -> HeaderMap {
    let connection = connection_listed(headers);
    let mut kept = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let n = name.as_str();
        if HOP_BY_HOP.contains(&n)
            || n.starts_with("proxy-")
            || n == "set-cookie"
            || n == "set-cookie2"
            || connection.iter().any(|c| c == n)
        {
            continue;
        }
        if redactor.holds_secret(&String::from_utf8_lossy(value.as_bytes())) {
            tracing::warn!(
                header = n,
                "a proxied answer's header carried part of the account's secrets; it was dropped"
            );
            continue;
        }
        kept.append(name.clone(), value.clone());
    }
    kept
}

/// A refusal of the proxy itself (the provider was not asked, or did not answer).
fn refused(status: u16, code: &'static str, message: impl Into<String>) -> HubError {
    HubError::Refused {
        status,
        code,
        message: message.into(),
    }
}

impl Hub {
    /// Forwards `request` to the API of account `account_id` with its credential, and hands
    /// back the provider's answer to stream. Refuses a path that would leave the API's base
    /// (400 `path_refused`) before anything is sent.
    pub async fn proxy(
        self: &Arc<Self>,
        account_id: &str,
        request: ProxyRequest,
    ) -> Result<Proxied, HubError> {
        connector_core::forward::check_path(&request.path)
            .map_err(|e| refused(400, "path_refused", e.to_string()))?;
        let account = self.account(account_id).await?;
        let connector = self.connector(&account.connector)?;
        let connector = connector.as_ref();
        let variant = variant(connector, Some(&account.variant))?;
        let values = self.open_credentials(&account).await?;
        let (raw, options) = self.check_input(connector, &values);
        let credentials = validate(variant, &raw)
            .map_err(|invalid| unusable(&account, &invalid.message))?
            .credentials;
        let target = Target {
            spec: connector.spec(),
            variant,
            credentials: &credentials,
            overrides: &options.urls,
        };
        let token = self.proxy_token(&account, connector, &target).await?;
        let token = match &token {
            Some(token) => Token::Value(token),
            None => Token::None,
        };
        let forward = target
            .forward(token, &request.path, request.query.as_deref())
            .map_err(|e| match e {
                ForwardError::Path(why) => refused(400, "path_refused", why.to_string()),
                body @ ForwardError::BodyCredential(_) => {
                    refused(409, "body_credential", body.to_string())
                }
                other => unusable(&account, &other.to_string()),
            })?;

        let connection = connection_listed(&request.headers);
        let mut headers = HeaderMap::with_capacity(request.headers.len() + forward.headers.len());
        for (name, value) in &request.headers {
            if !held_back_from_provider(name, &connection) {
                headers.append(name.clone(), value.clone());
            }
        }
        for (name, value) in &forward.headers {
            headers.insert(name.clone(), value.clone());
        }
        let sending = self
            .proxy
            .client
            .client()
            .request(request.method, forward.url)
            .headers(headers)
            .body(request.body)
            .send();
        let timeout = Duration::from_secs_f64(self.settings.proxy_timeout);
        let answer = match tokio::time::timeout(timeout, sending).await {
            Err(_) => {
                return Err(refused(
                    504,
                    "provider_timeout",
                    format!(
                        "{} did not answer within {}s (`proxy_timeout`); try again, or raise the \
                         setting for slow endpoints",
                        connector.spec().name,
                        self.settings.proxy_timeout
                    ),
                ))
            }
            Ok(Err(e)) => {
                let why = forward.redactor.for_people(&e.without_url().to_string());
                return Err(refused(
                    502,
                    "provider_unreachable",
                    format!(
                        "{} could not be reached ({why}); check the provider's status, or the \
                         hub's `base_urls` setting",
                        connector.spec().name
                    ),
                ));
            }
            Ok(Ok(answer)) => answer,
        };
        let status = answer.status();
        if matches!(status.as_u16(), 401 | 403) {
            if matches!(token, Token::Value(_)) {
                // The token may be what was refused: the next call exchanges again.
                *self.proxy.slot(&account.id).lock().await = None;
            }
            self.reverify_after_refusal(&account.id);
        }
        Ok(Proxied {
            status,
            headers: answer_headers(answer.headers(), &forward.redactor),
            body: answer,
            redactor: forward.redactor,
        })
    }

    /// The exchanged token for a call on `account`, from the cache while it lasts; one exchange
    /// at a time per account, so calls arriving together share it. `None` for a variant without
    /// an exchange.
    async fn proxy_token(
        self: &Arc<Self>,
        account: &AccountRow,
        connector: &dyn Connector,
        target: &Target<'_>,
    ) -> Result<Option<SecretString>, HubError> {
        if !matches!(target.variant.auth, connector_core::Auth::Exchange(_)) {
            return Ok(None);
        }
        let slot = self.proxy.slot(&account.id);
        let mut cached = slot.lock().await;
        if let Some(token) = cached
            .as_ref()
            .filter(|t| t.version == account.version && Instant::now() < t.until)
        {
            return Ok(Some(token.token.clone()));
        }
        *cached = None;
        let issued = exchange_token(connector, &self.http, target, &self.settings.limits())
            .await
            .map_err(|failed| {
                if matches!(failed.http_status, Some(400 | 401 | 403)) {
                    self.reverify_after_refusal(&account.id);
                }
                refused(
                    502,
                    "token_exchange_failed",
                    format!(
                        "{} (status `{}`); the account is re-verified when its credentials are refused",
                        failed.message,
                        failed.status.as_str()
                    ),
                )
            })?;
        let Some(issued) = issued else {
            return Ok(None);
        };
        let lifetime = issued.expires_in.unwrap_or(UNSTATED_LIFETIME);
        let early = EARLY.min(lifetime / 10);
        *cached = Some(CachedToken {
            version: account.version,
            token: issued.token.clone(),
            until: Instant::now() + lifetime.saturating_sub(early),
        });
        Ok(Some(issued.token))
    }

    /// Re-verifies an account in the background after the provider refused a proxied call, at
    /// most once a minute per account; a change of status is recorded and its webhook sent as
    /// for any verification.
    pub fn reverify_after_refusal(self: &Arc<Self>, account_id: &str) {
        if !self.proxy.due_for_reverify(account_id) {
            return;
        }
        let hub = Arc::clone(self);
        let id = account_id.to_owned();
        tokio::spawn(async move {
            if let Err(e) = hub.reverify(&id).await {
                tracing::warn!(
                    account_id = id,
                    "re-verifying after a refused proxied call failed: {e}"
                );
            }
        });
    }
}

/// The account's stored credentials cannot make a request (they no longer pass validation, or a
/// placeholder does not fit): the fix is to edit the account.
fn unusable(account: &AccountRow, why: &str) -> HubError {
    refused(
        409,
        "account_unusable",
        format!(
            "the stored credentials of account {} cannot make a request ({why}); edit the account \
             with working values",
            account.id
        ),
    )
}
