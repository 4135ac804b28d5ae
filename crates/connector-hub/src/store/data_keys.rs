//! The `data_keys` table: data keys wrapped by a master key (`wrapped_by` is its id), the newest
//! one not retired being current.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::db::{Store, StoreError};
use crate::crypto::Sealed;

/// A data key as stored: wrapped.
#[derive(Debug, Clone)]
pub struct DataKeyRow {
    pub id: String,
    pub wrapped: Sealed,
}

fn data_key_row(row: &AnyRow) -> Result<DataKeyRow, sqlx::Error> {
    Ok(DataKeyRow {
        id: row.try_get("id")?,
        wrapped: Sealed {
            key_id: row.try_get("wrapped_by")?,
            nonce: row.try_get("nonce")?,
            ciphertext: row.try_get("ciphertext")?,
        },
    })
}

const COLUMNS: &str = "id, wrapped_by, nonce, ciphertext";

impl Store {
    /// The current data key: the newest not retired.
    pub async fn current_data_key(&self) -> Result<Option<DataKeyRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM data_keys WHERE retired_at IS NULL ORDER BY id DESC LIMIT 1"
        );
        let row = sqlx::query(&sql).fetch_optional(&self.pool).await?;
        Ok(row.as_ref().map(data_key_row).transpose()?)
    }

    pub async fn data_key(&self, id: &str) -> Result<Option<DataKeyRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM data_keys WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(data_key_row).transpose()?)
    }

    /// Every data key, oldest first.
    pub async fn data_keys(&self) -> Result<Vec<DataKeyRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM data_keys ORDER BY id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(data_key_row).collect::<Result<_, _>>()?)
    }

    /// Stores a new data key, current from now on; the others are retired at `at`.
    pub async fn insert_data_key(
        &self,
        id: &str,
        wrapped: &Sealed,
        at: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO data_keys (id, wrapped_by, nonce, ciphertext, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(&wrapped.key_id)
        .bind(&wrapped.nonce)
        .bind(&wrapped.ciphertext)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE data_keys SET retired_at = $1 WHERE id <> $2 AND retired_at IS NULL")
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a data key wrapped anew, if it is still wrapped as read.
    pub async fn rewrap_data_key(
        &self,
        id: &str,
        old: &Sealed,
        new: &Sealed,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE data_keys SET wrapped_by = $1, nonce = $2, ciphertext = $3 \
             WHERE id = $4 AND wrapped_by = $5 AND nonce = $6",
        )
        .bind(&new.key_id)
        .bind(&new.nonce)
        .bind(&new.ciphertext)
        .bind(id)
        .bind(&old.key_id)
        .bind(&old.nonce)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes the retired data keys no row is sealed under any more; returns their ids.
    pub async fn delete_unused_data_keys(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT id FROM data_keys WHERE retired_at IS NOT NULL AND id NOT IN \
             (SELECT key_id FROM accounts UNION SELECT key_id FROM webhooks)",
        )
        .fetch_all(&self.pool)
        .await?;
        let ids = super::db::strings(&rows, "id")?;
        for id in &ids {
            sqlx::query("DELETE FROM data_keys WHERE id = $1 AND retired_at IS NOT NULL")
                .bind(id)
                .execute(&self.pool)
                .await?;
        }
        Ok(ids)
    }
}
