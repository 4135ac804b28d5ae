//! Recording verifications on `accounts`: one at a time (on demand) or many in one transaction
//! (a scheduled pass), each releasing the account's lease, with the changes of status they make
//! appended to the history and the webhook outbox in the same transaction.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::Row;

use super::accounts::Verification;
use super::db::{placeholders, DbKind, Store, StoreError};
use super::history::{changed, record_changes, StatusChange};

/// Rows per statement: 10 parameters each, well under every database's limit.
const ROWS: usize = 500;

impl Store {
    /// Stores a verification's result and releases the account's lease, if the account still
    /// has the version that was checked. A change of status is appended to the history, with a
    /// webhook delivery per endpoint, in the same transaction. `None` when no account has this id
    /// at that version (it was unlinked, or edited while the check ran).
    pub async fn record_verification(
        &self,
        id: &str,
        v: &Verification,
    ) -> Result<Option<Option<StatusChange>>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let Some(change) = record_in(&mut tx, id, v).await? else {
            return Ok(None);
        };
        if let Some(change) = &change {
            record_changes(&mut tx, self.kind, std::slice::from_ref(change)).await?;
        }
        tx.commit().await?;
        Ok(Some(change))
    }

    /// Stores many verifications in one transaction (a scheduled pass): one multi-row update per
    /// few hundred accounts and one commit per batch, with their changes of status appended
    /// together. Each is stored only if its account still has the version that was checked and
    /// the lease that claimed it. Returns, in order, `None` for one not stored (the account was
    /// unlinked, edited or claimed again meanwhile), else its change of status, if any.
    pub async fn record_verifications(
        &self,
        results: &[(String, Verification)],
    ) -> Result<Vec<Option<Option<StatusChange>>>, StoreError> {
        let mut tx = self.writer.begin().await?;
        let mut changes = Vec::with_capacity(results.len());
        for chunk in results.chunks(ROWS) {
            // A status that stays the same is not written: its index entry then stays as is.
            let (same, other): (Vec<_>, Vec<_>) = chunk.iter().partition(|(_, v)| {
                v.lease
                    .as_ref()
                    .is_some_and(|lease| lease.status == v.status)
            });
            let mut by_id: HashMap<String, AnyRow> = HashMap::with_capacity(chunk.len());
            for (rows, keeps_status) in [(same, true), (other, false)] {
                if rows.is_empty() {
                    continue;
                }
                let sql = record_sql(self.kind, rows.len(), keeps_status);
                let mut query = sqlx::query(&sql);
                for (id, v) in rows {
                    query = query
                        .bind(id)
                        .bind(&v.status)
                        .bind(&v.message)
                        .bind(v.proves.to_string())
                        .bind(v.http_status)
                        .bind(v.at)
                        .bind(v.next_check_at)
                        .bind(v.version)
                        .bind(v.lease.as_ref().map(|lease| lease.owner.as_str()))
                        .bind(v.lease.as_ref().map(|lease| lease.until));
                }
                for row in query.fetch_all(&mut *tx).await? {
                    if let Ok(id) = row.try_get::<String, _>("id") {
                        by_id.insert(id, row);
                    }
                }
            }
            for (id, v) in chunk {
                changes.push(match by_id.remove(id) {
                    Some(row) => Some(changed(id, &row, &v.status, &v.message, v.at)?),
                    None => None,
                });
            }
        }
        let changed: Vec<_> = changes.iter().flatten().flatten().cloned().collect();
        record_changes(&mut tx, self.kind, &changed).await?;
        tx.commit().await?;
        Ok(changes)
    }
}

/// The multi-row update of `rows` verifications. VALUES columns are column1… on both SQLite and
/// PostgreSQL: id, status, message, proves, http_status, at, next_check_at, version, lease owner,
/// lease end. `keeps_status`: every row's status is the one it was claimed with, so the status
/// column is left alone (and matched, so a row changed meanwhile is not written).
fn record_sql(kind: DbKind, rows: usize, keeps_status: bool) -> String {
    let status = if keeps_status {
        ""
    } else {
        "status = v.column2, "
    };
    let same = if keeps_status {
        "AND accounts.status = v.column2 "
    } else {
        ""
    };
    format!(
        "UPDATE accounts SET previous_status = accounts.status, {status}message = v.column3, \
         proves = CASE WHEN v.column2 = 'verified' THEN v.column4 ELSE accounts.proves END, \
         http_status = v.column5, last_verified_at = v.column6, updated_at = v.column6, \
         next_check_at = v.column7, lease_until = NULL, lease_owner = NULL \
         FROM (VALUES {}) AS v WHERE accounts.id = v.column1 \
         AND accounts.version = v.column8 AND accounts.lease_owner = v.column9 \
         AND accounts.lease_until = v.column10 {same}\
         RETURNING accounts.id, accounts.previous_status, accounts.connector, accounts.owner",
        placeholders(kind, rows, 10)
    )
}

/// Writes one verification; returns `None` when no account has this id, else its change.
async fn record_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    v: &Verification,
) -> Result<Option<Option<StatusChange>>, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE accounts SET previous_status = status, status = $1, message = $2, \
         proves = CASE WHEN $1 = 'verified' THEN $3 ELSE proves END, http_status = $4, \
         last_verified_at = $5, updated_at = $5, next_check_at = $6, lease_until = NULL, \
         lease_owner = NULL WHERE id = $7 AND version = $8 \
         RETURNING previous_status, connector, owner",
    )
    .bind(&v.status)
    .bind(&v.message)
    .bind(v.proves.to_string())
    .bind(v.http_status)
    .bind(v.at)
    .bind(v.next_check_at)
    .bind(id)
    .bind(v.version)
    .fetch_optional(&mut **tx)
    .await?;
    match row {
        None => Ok(None),
        Some(row) => Ok(Some(changed(id, &row, &v.status, &v.message, v.at)?)),
    }
}
