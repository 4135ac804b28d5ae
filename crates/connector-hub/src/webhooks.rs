//! Webhooks: endpoints the operator registers, each status change POSTed to each of them as JSON,
//! signed with HMAC-SHA256 over `"<timestamp>.<body>"` in the `Connector-Hub-Signature` header
//! (`t=<unix seconds>,v1=<hex>`), and retried with exponential backoff for 25 hours. Deliveries
//! are rows written with the change (an outbox), claimed under a lease like scheduled checks.

use std::time::Duration;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sha2::Sha256;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::crypto::{hex, Sealed};
use crate::service::{Hub, HubError};
use crate::store::{new_id, now, DbKind, Store, StoreError};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "Connector-Hub-Signature";
/// The event id header (the same on every retry of one event to one endpoint).
pub const EVENT_HEADER: &str = "Connector-Hub-Event";
/// How long a delivery keeps being retried.
pub const RETRY_FOR_SECONDS: i64 = 25 * 3600;
/// Longest wait between two attempts.
const MAX_BACKOFF_SECONDS: i64 = 3600;
/// Deliveries sent per round.
const BATCH: i64 = 32;
/// Most bytes of an endpoint's error kept.
const MAX_ERROR: usize = 300;

/// A registered endpoint (its secret stays sealed).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub description: String,
    pub enabled: bool,
    pub created_at: i64,
    /// The signing secret masked to its last four characters.
    pub masked_secret: String,
}

/// One event sent (or being sent) to one endpoint.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: String,
    pub webhook_id: String,
    pub event_id: String,
    /// `pending`, `delivered` or `failed` (given up after 25 hours).
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
    /// The JSON that is POSTed.
    pub body: String,
}

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

/// Seconds to wait after the `attempts`-th failure: 30 s, doubling, at most an hour.
pub fn backoff(attempts: i64) -> i64 {
    let exponent = attempts.clamp(1, 20) - 1;
    (30_i64 << exponent).min(MAX_BACKOFF_SECONDS)
}

fn webhook_row(row: &AnyRow) -> Result<Webhook, sqlx::Error> {
    Ok(Webhook {
        id: row.try_get("id")?,
        url: row.try_get("url")?,
        description: row.try_get("description")?,
        enabled: row.try_get::<i64, _>("enabled")? == 1,
        created_at: row.try_get("created_at")?,
        masked_secret: format!("••••{}", row.try_get::<String, _>("secret_tail")?),
    })
}

fn delivery_row(row: &AnyRow) -> Result<Delivery, sqlx::Error> {
    Ok(Delivery {
        id: row.try_get("id")?,
        webhook_id: row.try_get("webhook_id")?,
        event_id: row.try_get("event_id")?,
        state: row.try_get("state")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_status: row.try_get("last_status")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        delivered_at: row.try_get("delivered_at")?,
        body: row.try_get("body")?,
    })
}

const WEBHOOK_COLUMNS: &str = "id, url, description, enabled, created_at, secret_tail";
const DELIVERY_COLUMNS: &str = "id, webhook_id, event_id, state, attempts, next_attempt_at, \
                                last_status, last_error, created_at, delivered_at, body";

impl Store {
    pub async fn webhooks(&self) -> Result<Vec<Webhook>, StoreError> {
        let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks ORDER BY id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(webhook_row).collect::<Result<_, _>>()?)
    }

    pub async fn delete_webhook(&self, id: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("DELETE FROM webhooks WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE webhook_deliveries SET state = 'failed', last_error = 'endpoint deleted' \
             WHERE webhook_id = $1 AND state = 'pending'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// An endpoint's deliveries, newest first.
    pub async fn deliveries(
        &self,
        webhook_id: &str,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 \
             ORDER BY id DESC LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(webhook_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(delivery_row).collect::<Result<_, _>>()?)
    }
}

/// A delivery claimed for sending, with its endpoint.
struct Due {
    delivery: Delivery,
    url: String,
    sealed: Sealed,
}

impl Hub {
    /// Registers an endpoint; the returned secret is shown once.
    pub async fn create_webhook(
        &self,
        url: &str,
        description: &str,
    ) -> Result<(Webhook, SecretString), HubError> {
        let url = url.trim();
        let parsed = url::Url::parse(url).map_err(|_| HubError::Invalid {
            field: "url",
            message: "`url` must be an absolute http:// or https:// URL".to_owned(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(HubError::Invalid {
                field: "url",
                message: "`url` must be an absolute http:// or https:// URL".to_owned(),
            });
        }
        if !parsed.username().is_empty() || parsed.password().is_some() || url.len() > 2000 {
            return Err(HubError::Invalid {
                field: "url",
                message: "`url` must not carry credentials and must be under 2000 bytes; \
                          verify deliveries with the signature instead"
                    .to_owned(),
            });
        }
        let description = crate::service::clean_name("description", description, false)?;
        let id = new_id("whk");
        let secret = format!("whsec_{}", crate::crypto::random_hex(24));
        let sealed = self.keyring.seal(secret.as_bytes(), &id);
        let tail = secret[secret.len() - 4..].to_owned();
        let at = now();
        sqlx::query(
            "INSERT INTO webhooks \
             (id, url, description, enabled, created_at, key_id, nonce, ciphertext, secret_tail) \
             VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(url)
        .bind(&description)
        .bind(at)
        .bind(&sealed.key_id)
        .bind(&sealed.nonce)
        .bind(&sealed.ciphertext)
        .bind(&tail)
        .execute(&self.store.pool)
        .await
        .map_err(StoreError::from)?;
        let webhook = Webhook {
            id,
            url: url.to_owned(),
            description,
            enabled: true,
            created_at: at,
            masked_secret: format!("••••{tail}"),
        };
        Ok((webhook, secret.into()))
    }

    async fn claim_deliveries(&self, at: i64) -> Result<Vec<Due>, StoreError> {
        let lock = match self.store.kind {
            DbKind::Postgres => " FOR UPDATE SKIP LOCKED",
            DbKind::Sqlite => "",
        };
        let sql = format!(
            "UPDATE webhook_deliveries SET lease_until = $1 WHERE id IN \
             (SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= $2 \
             AND (lease_until IS NULL OR lease_until < $2) ORDER BY next_attempt_at LIMIT $3{lock}) \
             RETURNING id"
        );
        let ids: Vec<String> = sqlx::query(&sql)
            .bind(at + 120)
            .bind(at)
            .bind(BATCH)
            .fetch_all(&self.store.pool)
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, _>>()?;
        let mut due = Vec::with_capacity(ids.len());
        for id in ids {
            let sql = format!(
                "SELECT d.{}, w.url, w.key_id, w.nonce, w.ciphertext FROM webhook_deliveries d \
                 JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1",
                DELIVERY_COLUMNS.replace(", ", ", d.")
            );
            if let Some(row) = sqlx::query(&sql)
                .bind(&id)
                .fetch_optional(&self.store.pool)
                .await?
            {
                due.push(Due {
                    delivery: delivery_row(&row)?,
                    url: row.try_get("url")?,
                    sealed: Sealed {
                        key_id: row.try_get("key_id")?,
                        nonce: row.try_get("nonce")?,
                        ciphertext: row.try_get("ciphertext")?,
                    },
                });
            }
        }
        Ok(due)
    }

    /// Sends every delivery that is due; returns what happened.
    pub async fn deliver_due(&self, client: &reqwest::Client) -> Result<DeliveryReport, HubError> {
        let mut report = DeliveryReport::default();
        loop {
            let due = self.claim_deliveries(now()).await?;
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
                sqlx::query(
                    "UPDATE webhook_deliveries SET state = $1, attempts = $2, next_attempt_at = $3, \
                     last_status = $4, last_error = $5, lease_until = NULL, \
                     delivered_at = CASE WHEN $1 = 'delivered' THEN $6 ELSE delivered_at END \
                     WHERE id = $7",
                )
                .bind(state)
                .bind(attempts)
                .bind(next)
                .bind(status)
                .bind(error)
                .bind(at)
                .bind(&d.delivery.id)
                .execute(&self.store.pool)
                .await
                .map_err(StoreError::from)?;
            }
        }
    }

    /// One POST; `Err((http status, what went wrong))` when not a 2xx.
    async fn send(&self, client: &reqwest::Client, due: &Due) -> Result<(), (Option<i64>, String)> {
        let secret = self
            .keyring
            .open_sealed(&due.sealed, &due.delivery.webhook_id)
            .map_err(|e| (None, format!("the endpoint's secret cannot be opened: {e}")))?;
        let secret = String::from_utf8_lossy(&secret).into_owned();
        let secret = SecretString::from(secret);
        let at = now();
        let response = client
            .post(&due.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(
                SIGNATURE_HEADER,
                signature(secret.expose_secret(), at, &due.delivery.body),
            )
            .header(EVENT_HEADER, &due.delivery.event_id)
            .body(due.delivery.body.clone())
            .send()
            .await
            .map_err(|e| (None, describe_error(&e)))?;
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

fn describe_error(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "the endpoint did not answer in time"
    } else if e.is_connect() {
        "the endpoint could not be reached"
    } else if e.is_redirect() {
        "the endpoint redirected (redirects are not followed)"
    } else {
        "the request failed"
    };
    what.chars().take(MAX_ERROR).collect()
}

/// The client deliveries go out with: no redirects, a 10-second deadline.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .user_agent(concat!("connector-hub/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a client with these settings builds")
}

/// Sends due deliveries forever, one round per tick.
pub async fn run(hub: std::sync::Arc<Hub>) {
    let client = client();
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
}
