//! The `status_history` table: each change of an account's status is appended to its history and
//! queued for every webhook endpoint subscribed to `account.status_changed` in the transaction
//! that makes it (the outbox, `webhooks.rs`), so a change is never recorded without its
//! notifications or notified without being recorded.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::db::{placeholders, DbKind, Store, StoreError};
use super::webhooks::{insert_deliveries, subscribers, EventType, ROWS_PER_INSERT};
use crate::clock::{new_id, rfc3339};

/// One change of an account's status.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatusChange {
    pub id: String,
    pub account_id: String,
    pub owner: String,
    pub connector: String,
    pub old_status: String,
    pub new_status: String,
    pub message: String,
    /// Unix seconds.
    pub at: i64,
}

impl StatusChange {
    /// The webhook body: no secret is ever in it (the message is the check's, already redacted).
    pub fn webhook_body(&self) -> String {
        serde_json::json!({
            "id": self.id,
            "type": EventType::StatusChanged.as_str(),
            "account_id": self.account_id,
            "owner": self.owner,
            "connector": self.connector,
            "old_status": self.old_status,
            "new_status": self.new_status,
            "message": self.message,
            "at": rfc3339(self.at),
        })
        .to_string()
    }
}

/// The change an update made, read from its `RETURNING previous_status, connector, owner` row;
/// `None` when the status stayed the same.
pub(super) fn changed(
    account_id: &str,
    row: &AnyRow,
    new_status: &str,
    message: &str,
    at: i64,
) -> Result<Option<StatusChange>, sqlx::Error> {
    let old: Option<String> = row.try_get("previous_status")?;
    let old = old.unwrap_or_default();
    if old == new_status {
        return Ok(None);
    }
    Ok(Some(StatusChange {
        id: new_id("evt"),
        account_id: account_id.to_owned(),
        owner: row.try_get("owner")?,
        connector: row.try_get("connector")?,
        old_status: old,
        new_status: new_status.to_owned(),
        message: message.to_owned(),
        at,
    }))
}

/// Appends the changes to the history and queues one delivery per change and enabled webhook
/// endpoint subscribed to `account.status_changed`: a few multi-row statements for a whole
/// batch, not a few per change.
pub(super) async fn record_changes(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    kind: DbKind,
    changes: &[StatusChange],
) -> Result<(), sqlx::Error> {
    if changes.is_empty() {
        return Ok(());
    }
    for chunk in changes.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO status_history \
             (id, account_id, connector, owner, at, old_status, new_status, message) VALUES {}",
            placeholders(kind, chunk.len(), 8)
        );
        let mut query = sqlx::query(&sql);
        for change in chunk {
            query = query
                .bind(&change.id)
                .bind(&change.account_id)
                .bind(&change.connector)
                .bind(&change.owner)
                .bind(change.at)
                .bind(&change.old_status)
                .bind(&change.new_status)
                .bind(&change.message);
        }
        query.execute(&mut **tx).await?;
    }
    let endpoints = subscribers(tx, EventType::StatusChanged).await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let bodies: Vec<(&str, String, i64)> = changes
        .iter()
        .map(|change| (change.id.as_str(), change.webhook_body(), change.at))
        .collect();
    insert_deliveries(tx, kind, &endpoints, &bodies).await
}

fn change_row(row: &AnyRow) -> Result<StatusChange, sqlx::Error> {
    Ok(StatusChange {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        owner: row.try_get("owner")?,
        connector: row.try_get("connector")?,
        old_status: row.try_get("old_status")?,
        new_status: row.try_get("new_status")?,
        message: row.try_get("message")?,
        at: row.try_get("at")?,
    })
}

impl Store {
    /// One account's status history, newest first, after the cursor (a change id).
    pub async fn history(
        &self,
        account_id: &str,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<StatusChange>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, account_id, owner, connector, old_status, new_status, message, at \
             FROM status_history WHERE account_id = $1 AND ($2 = '' OR id < $2) \
             ORDER BY id DESC LIMIT $3",
        )
        .bind(account_id)
        .bind(after.unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(change_row).collect::<Result<_, _>>()?)
    }
}
