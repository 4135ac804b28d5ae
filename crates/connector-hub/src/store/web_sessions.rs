//! The `web_sessions` table: operators signed in to the pages, by the hash of their cookie.

use sqlx::Row;

use super::db::{Store, StoreError};
use crate::clock::now;

/// A signed-in operator's session.
#[derive(Debug, Clone)]
pub struct WebSession {
    pub key_id: String,
    /// The hash of the key value the session was opened with (none on sessions older than it).
    pub key_hash: Option<String>,
    pub csrf: String,
}

impl Store {
    /// Opens a session for the key with this id and hash, if the key still has that hash and
    /// is enabled; returns whether it was opened.
    pub async fn insert_web_session(
        &self,
        token_hash: &str,
        key_id: &str,
        key_hash: &str,
        csrf: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        let at = now();
        sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1")
            .bind(at)
            .execute(&self.pool)
            .await?;
        let done = sqlx::query(
            "INSERT INTO web_sessions \
             (token_hash, hub_key_id, key_hash, csrf, created_at, expires_at) \
             SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS \
             (SELECT 1 FROM hub_keys WHERE id = $2 AND hash = $3 AND state = 'enabled')",
        )
        .bind(token_hash)
        .bind(key_id)
        .bind(key_hash)
        .bind(csrf)
        .bind(at)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The hub key id, key hash and CSRF token of a live sign-in session.
    pub async fn web_session(&self, token_hash: &str) -> Result<Option<WebSession>, StoreError> {
        let row = sqlx::query(
            "SELECT hub_key_id, key_hash, csrf FROM web_sessions \
             WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .map(|r| {
                Ok::<_, sqlx::Error>(WebSession {
                    key_id: r.try_get("hub_key_id")?,
                    key_hash: r.try_get("key_hash")?,
                    csrf: r.try_get("csrf")?,
                })
            })
            .transpose()?)
    }

    pub async fn delete_web_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM web_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
