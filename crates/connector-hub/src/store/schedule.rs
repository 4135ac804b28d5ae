//! The schedule columns of `accounts`: when each account is next due, and the lease a hub
//! process holds while it checks one (`FOR UPDATE SKIP LOCKED` on PostgreSQL, one atomic update
//! on SQLite), so processes sharing a database never check an account twice.

use std::collections::BTreeMap;

use sqlx::Row;

use sqlx::any::AnyRow;

use super::accounts::{filter_clauses, AccountFilter};
use super::db::{DbKind, Store, StoreError};
use crate::crypto::Sealed;

/// An account as a pass claims it: only what its check and the record of its result need.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: String,
    pub connector: String,
    pub variant: String,
    /// The status it had when claimed: a result with the same status leaves the column (and
    /// its index) unwritten.
    pub status: String,
    pub sealed: Sealed,
    pub version: i64,
}

const CLAIM_READ: &str = "id, connector, variant, status, key_id, nonce, ciphertext, version";

fn claimed_row(row: &AnyRow) -> Result<Claimed, sqlx::Error> {
    Ok(Claimed {
        id: row.try_get(0)?,
        connector: row.try_get(1)?,
        variant: row.try_get(2)?,
        status: row.try_get(3)?,
        sealed: Sealed {
            key_id: row.try_get(4)?,
            nonce: row.try_get(5)?,
            ciphertext: row.try_get(6)?,
        },
        version: row.try_get(7)?,
    })
}

impl Store {
    /// Leases up to `limit` due accounts to `owner` until `lease_until`; returns them.
    pub async fn claim_due(
        &self,
        owner: &str,
        at: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<Claimed>, StoreError> {
        const DUE: &str = "SELECT id FROM accounts WHERE next_check_at <= $3 \
             AND (lease_until IS NULL OR lease_until < $3) ORDER BY next_check_at LIMIT $4";
        let sql = match self.kind {
            // The due ids are locked and collected first, then each row is updated by its key:
            // with `IN (SELECT …)` PostgreSQL joined them by reading the whole table, at every
            // claim.
            DbKind::Postgres => format!(
                "UPDATE accounts SET lease_until = $1, lease_owner = $2 WHERE id = ANY(ARRAY(\
                 {DUE} FOR UPDATE SKIP LOCKED)) RETURNING {CLAIM_READ}"
            ),
            DbKind::Sqlite => format!(
                "UPDATE accounts SET lease_until = $1, lease_owner = $2 WHERE id IN ({DUE}) \
                 RETURNING {CLAIM_READ}"
            ),
        };
        let rows = sqlx::query(&sql)
            .bind(lease_until)
            .bind(owner)
            .bind(at)
            .bind(limit)
            .fetch_all(&self.writer)
            .await?;
        Ok(rows.iter().map(claimed_row).collect::<Result<_, _>>()?)
    }

    /// Gives back every lease `owner` holds.
    pub async fn release_all(&self, owner: &str) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE accounts SET lease_until = NULL, lease_owner = NULL WHERE lease_owner = $1",
        )
        .bind(owner)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected())
    }

    /// Gives back a lease without checking.
    pub async fn release(&self, id: &str, owner: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accounts SET lease_until = NULL, lease_owner = NULL \
             WHERE id = $1 AND lease_owner = $2",
        )
        .bind(id)
        .bind(owner)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Gives back a lease and makes the account due again at `next_check_at` (a check that
    /// could not run).
    pub async fn postpone(&self, id: &str, next_check_at: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accounts SET next_check_at = $1, lease_until = NULL, \
             lease_owner = NULL WHERE id = $2",
        )
        .bind(next_check_at)
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Accounts due now, leased (being checked) and in all.
    pub async fn queue(&self, at: i64) -> Result<(i64, i64, i64), StoreError> {
        let row = sqlx::query(
            "SELECT \
             (SELECT COUNT(*) FROM accounts WHERE next_check_at <= $1) AS due, \
             (SELECT COUNT(*) FROM accounts WHERE lease_until >= $1) AS leased, \
             (SELECT COUNT(*) FROM accounts) AS total",
        )
        .bind(at)
        .fetch_one(&self.pool)
        .await?;
        Ok((
            row.try_get("due")?,
            row.try_get("leased")?,
            row.try_get("total")?,
        ))
    }

    /// How many accounts have each status.
    pub async fn count_by_status(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM accounts GROUP BY status")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Makes the matching accounts due now; returns how many.
    pub async fn mark_due(&self, filter: &AccountFilter, at: i64) -> Result<u64, StoreError> {
        let (filter, values) = filter_clauses(filter, None, 2);
        let sql = format!("UPDATE accounts SET next_check_at = $1 {filter}");
        let mut query = sqlx::query(&sql).bind(at);
        for value in values {
            query = query.bind(value);
        }
        Ok(query.execute(&self.pool).await?.rows_affected())
    }
}
