//! Webhooks: endpoints the operator registers, each subscribed to event types (every type unless
//! it names some); each event (`account.status_changed`, `account.linked`, `account.updated`,
//! `account.unlinked`) is POSTed as JSON to the endpoints subscribed to its type, signed twice
//! with HMAC-SHA256: the hub's own `Connector-Hub-Signature` (`t=<unix seconds>,v1=<hex>` over
//! `"<t>.<body>"`, the secret's text as key) and the Standard Webhooks headers (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature: v1,<base64>` over `"<id>.<timestamp>.<body>"`, the
//! base64-decoded part of `whsec_<base64>` as key), so a receiver can verify with an
//! off-the-shelf library. Deliveries are retried with exponential backoff for 25 hours; they are
//! rows written with the change (an outbox), claimed under a lease like scheduled checks.
//! Endpoints must be public `https://` addresses when registered and when each delivery connects
//! (`crate::outbound`), unless `webhooks_allow_private_addresses` is set.

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use super::hub::{clean_name, Hub, HubError};
use crate::clock::{new_id, now};
use crate::crypto::{fill_random, hex};
use crate::outbound::{self, Refusal};
use crate::store::{Attempt, Delivery, DueDelivery, EventType, Webhook};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "Connector-Hub-Signature";
/// The event id header (the same on every retry of one event to one endpoint).
pub const EVENT_HEADER: &str = "Connector-Hub-Event";
/// Standard Webhooks: the message id (the event id, the same on every retry).
pub const STANDARD_ID_HEADER: &str = "webhook-id";
/// Standard Webhooks: the attempt's time, in Unix seconds.
pub const STANDARD_TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// Standard Webhooks: `v1,<base64 HMAC-SHA256>`.
pub const STANDARD_SIGNATURE_HEADER: &str = "webhook-signature";
/// What every signing secret starts with.
const SECRET_PREFIX: &str = "whsec_";
/// Random bytes in a new signing secret.
const SECRET_BYTES: usize = 24;
/// How long a delivery keeps being retried.
pub const RETRY_FOR_SECONDS: i64 = 25 * 3600;
/// Longest wait between two attempts.
const MAX_BACKOFF_SECONDS: i64 = 3600;
/// Deliveries sent per round.
const BATCH: i64 = 32;
/// How long a claimed delivery stays leased.
const LEASE_SECONDS: i64 = 120;
/// Most bytes of an endpoint's error kept.
const MAX_ERROR: usize = 300;

/// What a delivery round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: u64,
    pub retrying: u64,
    pub failed: u64,
}

/// `t=<at>,v1=<hex HMAC-SHA256(secret, "<at>.<body>")>`.
pub fn signature(secret: &str, at: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{at}.").as_bytes());
    mac.update(body.as_bytes());
    format!("t={at},v1={}", hex(&mac.finalize().into_bytes()))
}

/// The key Standard Webhooks libraries derive from a secret: the base64 decoding of what follows
/// `whsec_`. A secret made before the hub used base64 (`whsec_` and 48 hex digits) decodes too,
/// hex digits being base64 characters, so libraries take every secret as it is; a text that
/// does not decode (no secret the hub made) signs with its own bytes.
pub fn standard_key(secret: &str) -> Vec<u8> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD
        .decode(encoded)
        .ok()
        .filter(|key| !key.is_empty())
        .unwrap_or_else(|| secret.as_bytes().to_vec())
}

/// The Standard Webhooks signature: `v1,<base64 HMAC-SHA256(key, "<id>.<at>.<body>")>`, with
/// [`standard_key`]'s key.
pub fn standard_signature(secret: &str, id: &str, at: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(&standard_key(secret)).expect("any key length");
    mac.update(format!("{id}.{at}.").as_bytes());
    mac.update(body.as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// A new signing secret: `whsec_` and 24 random bytes in base64, the form Standard Webhooks
/// libraries take.
fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    fill_random(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The event types `names` lists, each once, in [`EventType::ALL`]'s order; every type when it
/// lists none. An unknown name is refused with 400 `unknown_event_type`, naming the known ones.
pub fn event_types(names: &[String]) -> Result<Vec<EventType>, HubError> {
    let mut chosen = Vec::new();
    for name in names {
        match EventType::parse(name.trim()) {
            Some(kind) => chosen.push(kind),
            None => {
                return Err(HubError::Refused {
                    status: 400,
                    code: "unknown_event_type",
                    message: format!(
                        "`events` names an event type the hub does not have; the types are: {}",
                        EventType::ALL.map(EventType::as_str).join(", ")
                    ),
                })
            }
        }
    }
    if chosen.is_empty() {
        return Ok(EventType::ALL.to_vec());
    }
    Ok(EventType::ALL
        .into_iter()
        .filter(|t| chosen.contains(t))
        .collect())
}

/// Seconds to wait after the `attempts`-th failure: 30 s, doubling, at most an hour.
pub fn backoff(attempts: i64) -> i64 {
    let exponent = attempts.clamp(1, 20) - 1;
    (30_i64 << exponent).min(MAX_BACKOFF_SECONDS)
}

fn invalid_url(message: &str) -> HubError {
    HubError::Invalid {
        field: "url",
        message: message.to_owned(),
    }
}

/// What to do about an endpoint refused at registration. A name that does not resolve and one
/// that resolves inside get the same answer, so registering is no probe of internal names.
fn refused_url(refusal: Refusal) -> HubError {
    const WHAT_TO_DO: &str = "use a public https:// endpoint, or set \
        webhooks_allow_private_addresses for an on-premises one";
    invalid_url(&match refusal {
        Refusal::NotHttps => format!("`url` must be an https:// URL; {WHAT_TO_DO}"),
        Refusal::Inside | Refusal::Unresolved => format!(
            "`url` must point at a public address, and its host does not resolve to one \
             (loopback, private, link-local and other internal addresses are refused); \
             {WHAT_TO_DO}"
        ),
        _ => "`url` must be an absolute http:// or https:// URL".to_owned(),
    })
}

impl Hub {
    /// Registers an endpoint for `actor` receiving the event types `events` names (every type
    /// when it names none) and records it in the audit log; the returned secret is shown once.
    pub async fn add_webhook(
        &self,
        url: &str,
        description: &str,
        events: &[String],
        actor: &str,
    ) -> Result<(Webhook, SecretString), HubError> {
        let events = event_types(events)?;
        let (webhook, secret) = self.create_webhook_for(url, description, &events).await?;
        self.store
            .audit_event(
                actor,
                "webhook.created",
                &format!("endpoint {} for {}", webhook.id, described(&webhook.events)),
            )
            .await?;
        Ok((webhook, secret))
    }

    /// Registers an endpoint receiving every event type; the returned secret is shown once.
    pub async fn create_webhook(
        &self,
        url: &str,
        description: &str,
    ) -> Result<(Webhook, SecretString), HubError> {
        self.create_webhook_for(url, description, &EventType::ALL)
            .await
    }

    /// Registers an endpoint receiving `events` (every type when empty); the returned secret is
    /// shown once.
    pub async fn create_webhook_for(
        &self,
        url: &str,
        description: &str,
        events: &[EventType],
    ) -> Result<(Webhook, SecretString), HubError> {
        let url = url.trim();
        let absolute = "`url` must be an absolute http:// or https:// URL";
        let parsed = url::Url::parse(url).map_err(|_| invalid_url(absolute))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(invalid_url(absolute));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() || url.len() > 2000 {
            return Err(invalid_url(
                "`url` must not carry credentials and must be under 2000 bytes; \
                 verify deliveries with the signature instead",
            ));
        }
        self.outbound.check(&parsed).await.map_err(refused_url)?;
        let description = clean_name("description", description, false)?;
        let id = new_id("whk");
        let secret = new_secret();
        let sealed = self.seal(secret.as_bytes(), &id).await?;
        let tail = secret[secret.len() - 4..].to_owned();
        let webhook = Webhook {
            id,
            url: url.to_owned(),
            description,
            enabled: true,
            created_at: now(),
            masked_secret: format!("••••{tail}"),
            events: if events.is_empty() {
                EventType::ALL.to_vec()
            } else {
                events.to_vec()
            },
        };
        self.store.insert_webhook(&webhook, &sealed, &tail).await?;
        Ok((webhook, secret.into()))
    }

    /// Every endpoint.
    pub async fn webhooks(&self) -> Result<Vec<Webhook>, HubError> {
        Ok(self.store.webhooks().await?)
    }

    /// Replaces the event types an endpoint receives with those `events` names (every type when
    /// it names none) and records it in the audit log.
    pub async fn set_webhook_events(
        &self,
        id: &str,
        events: &[String],
        actor: &str,
    ) -> Result<Webhook, HubError> {
        let events = event_types(events)?;
        let webhook = self
            .store
            .set_webhook_events(id, &events)
            .await?
            .ok_or_else(|| HubError::NotFound("no webhook endpoint has this id".to_owned()))?;
        self.store
            .audit_event(
                actor,
                "webhook.updated",
                &format!("endpoint {id} now for {}", described(&webhook.events)),
            )
            .await?;
        Ok(webhook)
    }

    /// An endpoint's most recent deliveries, newest first.
    pub async fn deliveries(&self, id: &str, limit: i64) -> Result<Vec<Delivery>, HubError> {
        Ok(self.store.deliveries(id, limit).await?)
    }

    /// Deletes an endpoint (its pending deliveries fail) and records it in the audit log.
    pub async fn delete_webhook(&self, id: &str, actor: &str) -> Result<(), HubError> {
        if !self.store.delete_webhook(id).await? {
            return Err(HubError::NotFound(
                "no webhook endpoint has this id".to_owned(),
            ));
        }
        self.store
            .audit_event(actor, "webhook.deleted", &format!("endpoint {id}"))
            .await?;
        Ok(())
    }

    /// The client deliveries go out with: only to addresses `webhooks_allow_private_addresses`
    /// allows, no redirects, a 10-second deadline.
    pub fn webhook_client(&self) -> outbound::Client {
        self.outbound
            .client(
                reqwest::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .user_agent(concat!("connector-hub/", env!("CARGO_PKG_VERSION"))),
            )
            .expect("a client with these settings builds")
    }

    /// Sends every delivery that is due; returns what happened.
    pub async fn deliver_due(&self, client: &outbound::Client) -> Result<DeliveryReport, HubError> {
        let mut report = DeliveryReport::default();
        loop {
            let at = now();
            let due = self
                .store
                .claim_deliveries(at, at + LEASE_SECONDS, BATCH)
                .await?;
            if due.is_empty() {
                return Ok(report);
            }
            let results = futures::future::join_all(due.iter().map(|d| self.send(client, d))).await;
            for (d, result) in due.iter().zip(results) {
                let attempts = d.delivery.attempts + 1;
                let at = now();
                let (state, next, status, error) = match result {
                    Ok(()) => ("delivered", at, Some(200), None),
                    Err((status, error)) => {
                        let next = at + backoff(attempts);
                        if next > d.delivery.created_at + RETRY_FOR_SECONDS {
                            ("failed", next, status, Some(error))
                        } else {
                            ("pending", next, status, Some(error))
                        }
                    }
                };
                match state {
                    "delivered" => report.delivered += 1,
                    "failed" => report.failed += 1,
                    _ => report.retrying += 1,
                }
                let attempt = Attempt {
                    state,
                    attempts,
                    next_attempt_at: next,
                    status,
                    error,
                    at,
                };
                self.store.record_attempt(&d.delivery.id, &attempt).await?;
            }
        }
    }

    /// One POST; `Err((http status, what went wrong))` when not a 2xx.
    async fn send(
        &self,
        client: &outbound::Client,
        due: &DueDelivery,
    ) -> Result<(), (Option<i64>, String)> {
        let secret = self
            .open(&due.sealed, &due.delivery.webhook_id)
            .await
            .map_err(|e| (None, format!("the endpoint's secret cannot be opened: {e}")))?;
        let secret = String::from_utf8_lossy(&secret).into_owned();
        let secret = SecretString::from(secret);
        let at = now();
        let id = &due.delivery.event_id;
        let body = &due.delivery.body;
        let guarded = !self.outbound.allows_private();
        let response = client
            .request(reqwest::Method::POST, &due.url)
            .map_err(|refusal| (None, describe_refusal(refusal, guarded)))?
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(
                SIGNATURE_HEADER,
                signature(secret.expose_secret(), at, body),
            )
            .header(EVENT_HEADER, id)
            .header(STANDARD_ID_HEADER, id)
            .header(STANDARD_TIMESTAMP_HEADER, at.to_string())
            .header(
                STANDARD_SIGNATURE_HEADER,
                standard_signature(secret.expose_secret(), id, at, body),
            )
            .body(body.clone())
            .send()
            .await
            .map_err(|e| (None, describe_error(&e, guarded)))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err((
                Some(i64::from(status.as_u16())),
                format!("the endpoint answered HTTP {}", status.as_u16()),
            ))
        }
    }
}

/// The types an endpoint receives, for the audit log.
fn described(events: &[EventType]) -> String {
    if EventType::ALL.iter().all(|t| events.contains(t)) {
        "every event type".to_owned()
    } else {
        events
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What an endpoint that cannot be reached is told apart by: nothing. An address refused by the
/// guard (never connected to) reads the same as a host that did not answer, and neither names
/// an address or port, so deliveries are no scan of what answers inside.
fn unreachable(guarded: bool) -> &'static str {
    if guarded {
        "the endpoint could not be reached at a public address"
    } else {
        "the endpoint could not be reached"
    }
}

fn describe_refusal(refusal: Refusal, guarded: bool) -> String {
    match refusal {
        Refusal::NotHttps => {
            "the endpoint's URL is not https:// and webhooks_allow_private_addresses is off"
                .to_owned()
        }
        Refusal::Inside | Refusal::Unresolved => unreachable(guarded).to_owned(),
        _ => "the endpoint's URL is not an absolute http:// or https:// URL".to_owned(),
    }
}

fn describe_error(e: &reqwest::Error, guarded: bool) -> String {
    let what = if e.is_timeout() {
        "the endpoint did not answer in time"
    } else if e.is_connect() {
        unreachable(guarded)
    } else if e.is_redirect() {
        "the endpoint redirected (redirects are not followed)"
    } else {
        "the request failed"
    };
    what.chars().take(MAX_ERROR).collect()
}

/// Sends due deliveries forever, one round per tick.
pub async fn run(hub: Arc<Hub>) {
    let client = hub.webhook_client();
    let tick = Duration::from_secs_f64(hub.settings.scheduler_tick_seconds.clamp(0.1, 5.0));
    loop {
        match hub.deliver_due(&client).await {
            Ok(r) if r.delivered + r.retrying + r.failed > 0 => tracing::info!(
                delivered = r.delivered,
                retrying = r.retrying,
                failed = r.failed,
                "webhook deliveries"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!("webhook deliveries stopped: {e}"),
        }
        tokio::time::sleep(tick).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_up_to_an_hour() {
        assert_eq!(
            (1..=9).map(backoff).collect::<Vec<_>>(),
            vec![30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
        );
        // Retries keep going for the whole 25 hours: at most an hour apart, so over 20 attempts.
        let mut at = 0;
        let mut attempts = 0;
        while at + backoff(attempts + 1) <= RETRY_FOR_SECONDS {
            attempts += 1;
            at += backoff(attempts);
        }
        assert!(attempts > 20, "{attempts}");
    }

    #[test]
    fn the_signature_is_hmac_sha256_over_time_and_body() {
        // The value Python's hmac module gives for the same key and "0.<body>".
        let sig = signature("Jefe", 0, "what do ya want for nothing?");
        assert_eq!(
            sig,
            "t=0,v1=37f471929915ccd2cbbe79feb84ffcff4f2bb25e15fc41c2506687331ae179cc"
        );
        assert_ne!(sig, signature("Jefe", 1, "what do ya want for nothing?"));
        assert_ne!(sig, signature("Jeff", 0, "what do ya want for nothing?"));
        assert_eq!(sig.len(), "t=0,v1=".len() + 64);
    }

    #[test]
    fn the_standard_signature_is_the_one_standard_webhooks_libraries_compute() {
        // The example of the Standard Webhooks specification.
        assert_eq!(
            standard_signature(
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                r#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        // A secret of the older form (48 hex digits) as the Python library reads it: its hex
        // digits decoded as base64 (what `Webhook(secret).sign(…)` gives in standardwebhooks).
        let old = format!("whsec_{}", "0123456789abcdef".repeat(3));
        assert_eq!(standard_key(&old).len(), 36);
        assert_eq!(
            standard_signature(&old, "evt_1", 0, r#"{"a":1}"#),
            "v1,xsHNMgUW9y+OjDwARa9gdEcp7k/y5G7khygIum1LF4E="
        );
    }

    #[test]
    fn new_secrets_are_whsec_and_24_random_bytes_in_base64() {
        let secret = new_secret();
        assert_eq!(secret.len(), "whsec_".len() + 32);
        assert_eq!(standard_key(&secret).len(), 24);
        assert_ne!(secret, new_secret());
    }

    #[test]
    fn event_names_are_checked_and_kept_once_in_order() {
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            event_types(&names(&[
                "account.unlinked",
                "account.linked",
                "account.unlinked"
            ]))
            .expect("known"),
            vec![EventType::Linked, EventType::Unlinked]
        );
        assert_eq!(event_types(&[]).expect("none"), EventType::ALL.to_vec());
        let err = event_types(&names(&["account.linked", "account.deleted"])).expect_err("unknown");
        assert!(matches!(
            err,
            HubError::Refused {
                status: 400,
                code: "unknown_event_type",
                ..
            }
        ));
        assert!(!err.to_string().contains("account.deleted"), "{err}");
    }
}
