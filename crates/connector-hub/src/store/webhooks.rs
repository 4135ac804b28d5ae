//! The `webhooks` and `webhook_deliveries` tables: endpoints with their sealed signing secret
//! and the event types they receive, and the outbox of deliveries, claimed under a lease like
//! scheduled checks. [`queue_event`] queues an event about an account inside the transaction
//! that makes the change, for every enabled endpoint subscribed to its type.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::db::{placeholders, strings, DbKind, Store, StoreError};
use crate::clock::{new_id, rfc3339};
use crate::crypto::Sealed;

/// Rows per multi-row insert: 8 parameters each stays far under every database's limit.
pub(super) const ROWS_PER_INSERT: usize = 500;

/// What a webhook delivery is about; an endpoint receives the types it subscribed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum EventType {
    /// An account's status changed (`verified` → `rejected`, …).
    #[serde(rename = "account.status_changed")]
    StatusChanged,
    /// An account was linked (through a connect session, or imported).
    #[serde(rename = "account.linked")]
    Linked,
    /// An account's label or credentials were edited.
    #[serde(rename = "account.updated")]
    Updated,
    /// An account was unlinked: its credentials are deleted.
    #[serde(rename = "account.unlinked")]
    Unlinked,
}

impl EventType {
    /// Every type, in the order they are listed.
    pub const ALL: [EventType; 4] = [
        EventType::StatusChanged,
        EventType::Linked,
        EventType::Updated,
        EventType::Unlinked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::StatusChanged => "account.status_changed",
            EventType::Linked => "account.linked",
            EventType::Updated => "account.updated",
            EventType::Unlinked => "account.unlinked",
        }
    }

    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// The `events` column of a list: empty when it holds every type, so an endpoint subscribed to
/// everything also receives types added later.
fn events_column(events: &[EventType]) -> String {
    if EventType::ALL.iter().all(|t| events.contains(t)) {
        return String::new();
    }
    EventType::ALL
        .iter()
        .filter(|t| events.contains(t))
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The types an `events` column holds: every type when it is empty.
fn events_of(column: &str) -> Vec<EventType> {
    if column.trim().is_empty() {
        return EventType::ALL.to_vec();
    }
    let named: Vec<EventType> = column.split(',').filter_map(EventType::parse).collect();
    EventType::ALL
        .into_iter()
        .filter(|t| named.contains(t))
        .collect()
}

/// An event about a linked account. Its body holds no secret: no credential value, no masked
/// key; an update names the fields it changed, never their values.
#[derive(Debug, Clone)]
pub struct AccountEvent {
    /// `evt_…`: the `Connector-Hub-Event` and `webhook-id` of its deliveries.
    pub id: String,
    pub kind: EventType,
    pub account_id: String,
    pub owner: String,
    pub connector: String,
    pub variant: String,
    pub label: String,
    /// The account's status (sent for `account.linked` and `account.updated`).
    pub status: String,
    /// What the key proves, as a JSON object (sent for `account.linked` and `account.updated`).
    pub proves: serde_json::Value,
    /// The fields an update changed, by name (sent for `account.updated`).
    pub changed: Vec<String>,
    /// Who made the change (a connect session, a hub key, the import command).
    pub by: String,
    /// Unix seconds.
    pub at: i64,
}

impl AccountEvent {
    /// The webhook body: the same envelope as `account.status_changed` (`id`, `type`, the
    /// account's `account_id`, `owner` and `connector`, `at`), with this type's members beside.
    pub fn webhook_body(&self) -> String {
        let mut body = serde_json::json!({
            "id": self.id,
            "type": self.kind.as_str(),
            "account_id": self.account_id,
            "owner": self.owner,
            "connector": self.connector,
            "variant": self.variant,
            "label": self.label,
            "by": self.by,
            "at": rfc3339(self.at),
        });
        if matches!(self.kind, EventType::Linked | EventType::Updated) {
            body["status"] = self.status.clone().into();
            body["proves"] = if self.proves.is_object() {
                self.proves.clone()
            } else {
                serde_json::json!({})
            };
        }
        if self.kind == EventType::Updated {
            body["changed"] = self.changed.clone().into();
        }
        body.to_string()
    }
}

/// The enabled endpoints receiving `kind`.
pub(super) async fn subscribers(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    kind: EventType,
) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, events FROM webhooks WHERE enabled = 1 ORDER BY id")
        .fetch_all(&mut **tx)
        .await?;
    let mut ids = Vec::new();
    for row in &rows {
        if events_of(&row.try_get::<String, _>("events")?).contains(&kind) {
            ids.push(row.try_get("id")?);
        }
    }
    Ok(ids)
}

/// Queues one delivery of `event` to every enabled endpoint subscribed to its type, inside the
/// caller's transaction: the change and its notifications are written together (an outbox).
/// Whoever links, edits or unlinks an account calls this in the transaction that does it.
pub(super) async fn queue_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    event: &AccountEvent,
) -> Result<(), sqlx::Error> {
    let endpoints = subscribers(tx, event.kind).await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let body = event.webhook_body();
    for endpoint in &endpoints {
        sqlx::query(
            "INSERT INTO webhook_deliveries \
             (id, webhook_id, event_id, body, state, attempts, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5)",
        )
        .bind(new_id("dlv"))
        .bind(endpoint)
        .bind(&event.id)
        .bind(&body)
        .bind(event.at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Queues every event for every endpoint of `endpoints` (the [`subscribers`] of their type) with
/// a few multi-row statements, for a batch (status changes, an import's accounts): `(event id,
/// body, at)` each.
pub(super) async fn insert_deliveries(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    db: DbKind,
    endpoints: &[String],
    events: &[(&str, String, i64)],
) -> Result<(), sqlx::Error> {
    let deliveries: Vec<(&str, &(&str, String, i64))> = events
        .iter()
        .flat_map(|event| endpoints.iter().map(move |e| (e.as_str(), event)))
        .collect();
    for chunk in deliveries.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO webhook_deliveries \
             (id, webhook_id, event_id, body, state, attempts, next_attempt_at, created_at) \
             VALUES {}",
            placeholders(db, chunk.len(), 8)
        );
        let mut query = sqlx::query(&sql);
        for (webhook_id, (event_id, body, at)) in chunk {
            query = query
                .bind(new_id("dlv"))
                .bind(*webhook_id)
                .bind(*event_id)
                .bind(body)
                .bind("pending")
                .bind(0_i64)
                .bind(*at)
                .bind(*at);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

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
    /// The event types delivered to this endpoint.
    pub events: Vec<EventType>,
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
        events: events_of(&row.try_get::<String, _>("events")?),
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

const WEBHOOK_COLUMNS: &str = "id, url, description, enabled, created_at, secret_tail, events";
const DELIVERY_COLUMNS: &str = "id, webhook_id, event_id, state, attempts, next_attempt_at, \
                                last_status, last_error, created_at, delivered_at, body";

impl Store {
    pub async fn webhooks(&self) -> Result<Vec<Webhook>, StoreError> {
        let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks ORDER BY id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(webhook_row).collect::<Result<_, _>>()?)
    }

    pub async fn webhook(&self, id: &str) -> Result<Option<Webhook>, StoreError> {
        let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(webhook_row).transpose()?)
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
             (id, url, description, enabled, created_at, key_id, nonce, ciphertext, secret_tail, \
             events) VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&webhook.id)
        .bind(&webhook.url)
        .bind(&webhook.description)
        .bind(webhook.created_at)
        .bind(&sealed.key_id)
        .bind(&sealed.nonce)
        .bind(&sealed.ciphertext)
        .bind(secret_tail)
        .bind(events_column(&webhook.events))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Replaces the event types an endpoint receives; `None` when no endpoint has this id.
    pub async fn set_webhook_events(
        &self,
        id: &str,
        events: &[EventType],
    ) -> Result<Option<Webhook>, StoreError> {
        let done = sqlx::query("UPDATE webhooks SET events = $1 WHERE id = $2")
            .bind(events_column(events))
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        self.webhook(id).await
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_is_stored_as_empty_and_read_back_as_every_type() {
        assert_eq!(events_column(&EventType::ALL), "");
        assert_eq!(events_of(""), EventType::ALL.to_vec());
        let some = [EventType::Unlinked, EventType::StatusChanged];
        assert_eq!(
            events_column(&some),
            "account.status_changed,account.unlinked"
        );
        assert_eq!(
            events_of(&events_column(&some)),
            vec![EventType::StatusChanged, EventType::Unlinked]
        );
        // A name this hub does not know (written by a newer one) is skipped.
        assert_eq!(
            events_of("account.linked,account.merged"),
            vec![EventType::Linked]
        );
    }

    #[test]
    fn bodies_hold_the_envelope_and_their_types_members_only() {
        let event = AccountEvent {
            id: "evt_1".to_owned(),
            kind: EventType::Unlinked,
            account_id: "acc_1".to_owned(),
            owner: "customer-42".to_owned(),
            connector: "lever".to_owned(),
            variant: "api_key".to_owned(),
            label: "Lever".to_owned(),
            status: "verified".to_owned(),
            proves: serde_json::json!({"company": "Acme"}),
            changed: Vec::new(),
            by: "hub key ops (hk_1)".to_owned(),
            at: 0,
        };
        let body: serde_json::Value = serde_json::from_str(&event.webhook_body()).expect("json");
        assert_eq!(
            body,
            serde_json::json!({"id": "evt_1", "type": "account.unlinked", "account_id": "acc_1",
                "owner": "customer-42", "connector": "lever", "variant": "api_key",
                "label": "Lever", "by": "hub key ops (hk_1)", "at": "1970-01-01T00:00:00Z"})
        );
        let updated = AccountEvent {
            kind: EventType::Updated,
            changed: vec!["label".to_owned()],
            ..event
        };
        let body: serde_json::Value = serde_json::from_str(&updated.webhook_body()).expect("json");
        assert_eq!(body["changed"], serde_json::json!(["label"]));
        assert_eq!(body["proves"], serde_json::json!({"company": "Acme"}));
        assert_eq!(body["status"], "verified");
    }
}
