//! The `web_sessions` table: operators signed in to the pages, by the hash of their cookie.

use sqlx::Row;

use super::db::{Store, StoreError};
use crate::clock::now;

/// A signed-in operator's session.
#[derive(Debug, Clone)]
pub struct WebSession {
    pub key_id: String,
    pub csrf: String,
    pub created_at: i64,
}

impl Store {
    pub async fn insert_web_session(
        &self,
        token_hash: &str,
        key_id: &str,
        csrf: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let at = now();
        sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1")
            .bind(at)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO web_sessions (token_hash, hub_key_id, csrf, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(key_id)
        .bind(csrf)
        .bind(at)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The hub key id, CSRF token and start time of a live sign-in session.
    pub async fn web_session(&self, token_hash: &str) -> Result<Option<WebSession>, StoreError> {
        let row = sqlx::query(
            "SELECT hub_key_id, csrf, created_at FROM web_sessions \
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
                    csrf: r.try_get("csrf")?,
                    created_at: r.try_get("created_at")?,
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
