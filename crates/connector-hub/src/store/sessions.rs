//! The `connect_sessions` table: connect links by the hash of their token, whether they were
//! used (the link itself is used up in the account's transaction, in `accounts.rs`) or
//! cancelled, where they lead back to and which account a re-link replaces.

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
    /// The account the session linked (or re-linked), once it did.
    pub account_id: Option<String>,
    /// Provider checks run through it so far.
    pub checks: i64,
    /// Who opened it: `hub key NAME (ID)`, with ` in the browser` from the pages.
    pub created_by: String,
    /// Where the browser goes back to when the person is done (validated when it was opened).
    pub return_url: Option<String>,
    /// The origin of the page that embeds or opened the connect page, where events are posted.
    pub origin: Option<String>,
    /// The account whose credentials this session replaces (a re-link).
    pub relink_account_id: Option<String>,
    pub cancelled_at: Option<i64>,
}

const SESSION_COLUMNS: &str = "id, owner, connectors, created_at, expires_at, used_at, \
     account_id, checks, created_by, return_url, origin, relink_account_id, cancelled_at";

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
        created_by: row.try_get("created_by")?,
        return_url: row.try_get("return_url")?,
        origin: row.try_get("origin")?,
        relink_account_id: row.try_get("relink_account_id")?,
        cancelled_at: row.try_get("cancelled_at")?,
    })
}

impl Store {
    pub async fn insert_session(
        &self,
        session: &SessionRow,
        token_hash: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO connect_sessions \
             (id, token_hash, owner, connectors, created_by, created_at, expires_at, return_url, \
              origin, relink_account_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&session.id)
        .bind(token_hash)
        .bind(&session.owner)
        .bind(session.connectors.join(" "))
        .bind(&session.created_by)
        .bind(session.created_at)
        .bind(session.expires_at)
        .bind(&session.return_url)
        .bind(&session.origin)
        .bind(&session.relink_account_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn session(&self, id: &str) -> Result<Option<SessionRow>, StoreError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM connect_sessions WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(session_row).transpose()?)
    }

    /// Marks a session cancelled at `at`, unless it was used, cancelled or expired; returns
    /// whether it did. A cancelled session can no longer link (see `use_session`).
    pub async fn cancel_session(&self, id: &str, at: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE connect_sessions SET cancelled_at = $1 \
             WHERE id = $2 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > $1",
        )
        .bind(at)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
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

/// Uses a session up for `account_id` at `at`, in the transaction that stores the account;
/// false when it was used, cancelled or expired meanwhile.
pub(super) async fn use_session(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    account_id: &str,
    at: i64,
) -> Result<bool, sqlx::Error> {
    let used = sqlx::query(
        "UPDATE connect_sessions SET used_at = $1, account_id = $2 \
         WHERE id = $3 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > $1",
    )
    .bind(at)
    .bind(account_id)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(used.rows_affected() == 1)
}
