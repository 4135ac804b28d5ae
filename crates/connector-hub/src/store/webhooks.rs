//! The `webhooks` and `webhook_deliveries` tables: endpoints with their sealed signing secret,
//! and the outbox of deliveries, claimed under a lease like scheduled checks.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::db::{strings, Store, StoreError};
use crate::crypto::Sealed;

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

/// A delivery claimed for sending, with its endpoint.
#[derive(Debug)]
pub struct DueDelivery {
    pub delivery: Delivery,
    pub url: String,
    pub sealed: Sealed,
}

/// How one attempt at a delivery ended.
#[derive(Debug)]
pub struct Attempt<'a> {
    /// `pending` (to retry), `delivered` or `failed`.
    pub state: &'a str,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub status: Option<i64>,
    pub error: Option<String>,
    pub at: i64,
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

    /// Stores a new endpoint with its sealed secret and the secret's last four characters.
    pub async fn insert_webhook(
        &self,
        webhook: &Webhook,
        sealed: &Sealed,
        secret_tail: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO webhooks \
             (id, url, description, enabled, created_at, key_id, nonce, ciphertext, secret_tail) \
             VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8)",
        )
        .bind(&webhook.id)
        .bind(&webhook.url)
        .bind(&webhook.description)
        .bind(webhook.created_at)
        .bind(&sealed.key_id)
        .bind(&sealed.nonce)
        .bind(&sealed.ciphertext)
        .bind(secret_tail)
        .execute(&self.pool)
        .await?;
        Ok(())
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

    /// Leases up to `limit` pending deliveries due at `at` until `lease_until`, with their
    /// endpoints.
    pub async fn claim_deliveries(
        &self,
        at: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let sql = format!(
            "UPDATE webhook_deliveries SET lease_until = $1 WHERE id IN \
             (SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= $2 \
             AND (lease_until IS NULL OR lease_until < $2) ORDER BY next_attempt_at LIMIT $3{lock}) \
             RETURNING id",
            lock = self.skip_locked()
        );
        let rows = sqlx::query(&sql)
            .bind(lease_until)
            .bind(at)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let ids = strings(&rows, "id")?;
        let mut due = Vec::with_capacity(ids.len());
        for id in ids {
            let sql = format!(
                "SELECT d.{}, w.url, w.key_id, w.nonce, w.ciphertext FROM webhook_deliveries d \
                 JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1",
                DELIVERY_COLUMNS.replace(", ", ", d.")
            );
            if let Some(row) = sqlx::query(&sql)
                .bind(&id)
                .fetch_optional(&self.pool)
                .await?
            {
                due.push(DueDelivery {
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

    /// Records how an attempt ended and releases the delivery's lease.
    pub async fn record_attempt(&self, id: &str, attempt: &Attempt<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE webhook_deliveries SET state = $1, attempts = $2, next_attempt_at = $3, \
             last_status = $4, last_error = $5, lease_until = NULL, \
             delivered_at = CASE WHEN $1 = 'delivered' THEN $6 ELSE delivered_at END \
             WHERE id = $7",
        )
        .bind(attempt.state)
        .bind(attempt.attempts)
        .bind(attempt.next_attempt_at)
        .bind(attempt.status)
        .bind(attempt.error.as_deref())
        .bind(attempt.at)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
