//! The `connect_sessions` table: connect links by the hash of their token, and whether they were
//! used (the link itself is used up in the account's transaction, in `accounts.rs`).

use sqlx::any::AnyRow;
use sqlx::Row;

use super::db::{Store, StoreError};

/// A connect session as stored.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub owner: String,
    /// Connector ids allowed; empty means every connector.
    pub connectors: Vec<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub account_id: Option<String>,
    /// Provider checks run through it so far.
    pub checks: i64,
}

const SESSION_COLUMNS: &str =
    "id, owner, connectors, created_at, expires_at, used_at, account_id, checks";

fn session_row(row: &AnyRow) -> Result<SessionRow, sqlx::Error> {
    let connectors: String = row.try_get("connectors")?;
    Ok(SessionRow {
        id: row.try_get("id")?,
        owner: row.try_get("owner")?,
        connectors: connectors.split_whitespace().map(str::to_owned).collect(),
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
        account_id: row.try_get("account_id")?,
        checks: row.try_get("checks")?,
    })
}

impl Store {
    pub async fn insert_session(
        &self,
        session: &SessionRow,
        token_hash: &str,
        created_by: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO connect_sessions \
             (id, token_hash, owner, connectors, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&session.id)
        .bind(token_hash)
        .bind(&session.owner)
        .bind(session.connectors.join(" "))
        .bind(created_by)
        .bind(session.created_at)
        .bind(session.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn session_by_token_hash(
        &self,
        hash: &str,
    ) -> Result<Option<SessionRow>, StoreError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM connect_sessions WHERE token_hash = $1");
        let row = sqlx::query(&sql)
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(session_row).transpose()?)
    }

    /// Counts one provider check against a session, unless it already ran `limit`; returns
    /// whether the check may run.
    pub async fn count_check(&self, id: &str, limit: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE connect_sessions SET checks = checks + 1 WHERE id = $1 AND checks < $2",
        )
        .bind(id)
        .bind(limit)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Every connect session id (tests).
    #[cfg(feature = "test-support")]
    pub async fn session_ids(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT id FROM connect_sessions")
            .fetch_all(&self.pool)
            .await?;
        Ok(super::db::strings(&rows, "id")?)
    }
}
