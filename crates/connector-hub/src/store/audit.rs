//! The `audit_log` table: who did what to an account or to the hub itself, written in the same
//! transaction as the change it records.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::db::{Store, StoreError};
use crate::clock::{new_id, now};

/// An audit record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditRow {
    pub id: String,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub account_id: Option<String>,
    pub connector: Option<String>,
    pub owner: Option<String>,
    pub detail: String,
}

/// The account an audit record is about.
#[derive(Debug, Clone, Copy)]
pub(super) struct Subject<'a> {
    pub account_id: &'a str,
    pub connector: &'a str,
    pub owner: &'a str,
}

fn audit_row(row: &AnyRow) -> Result<AuditRow, sqlx::Error> {
    Ok(AuditRow {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        account_id: row.try_get("account_id")?,
        connector: row.try_get("connector")?,
        owner: row.try_get("owner")?,
        detail: row.try_get("detail")?,
    })
}

impl Store {
    /// Audit records, newest first, of one account or of everything.
    pub async fn audit(
        &self,
        account_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditRow>, StoreError> {
        let rows = match account_id {
            Some(id) => {
                sqlx::query(
                    "SELECT id, at, actor, action, account_id, connector, owner, detail \
                     FROM audit_log WHERE account_id = $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(
                    "SELECT id, at, actor, action, account_id, connector, owner, detail \
                     FROM audit_log ORDER BY id DESC LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        Ok(rows.iter().map(audit_row).collect::<Result<_, _>>()?)
    }

    /// Records something done to the hub itself (a key created, disabled, …).
    pub async fn audit_event(
        &self,
        actor: &str,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        insert_audit(&mut tx, actor, action, None, detail).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Appends one audit record inside a transaction.
pub(super) async fn insert_audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    actor: &str,
    action: &str,
    subject: Option<Subject<'_>>,
    detail: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, action, account_id, connector, owner, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id("aud"))
    .bind(now())
    .bind(actor)
    .bind(action)
    .bind(subject.map(|s| s.account_id))
    .bind(subject.map(|s| s.connector))
    .bind(subject.map(|s| s.owner))
    .bind(detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
