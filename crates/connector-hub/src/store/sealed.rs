//! The ciphertext columns of every table that holds one, for rotation: which rows are sealed
//! under another key, resealing a row unless it changed meanwhile, and how many rows each key
//! still seals.

use sqlx::Row;

use super::db::{Store, StoreError};
use crate::crypto::Sealed;

/// The tables holding ciphertexts, each sealed with its row id as associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedTable {
    Accounts,
    Webhooks,
}

impl SealedTable {
    pub const ALL: [SealedTable; 2] = [SealedTable::Accounts, SealedTable::Webhooks];

    /// The table's name, as reports show it.
    pub fn as_str(self) -> &'static str {
        match self {
            SealedTable::Accounts => "accounts",
            SealedTable::Webhooks => "webhooks",
        }
    }
}

impl Store {
    /// Rows whose ciphertext is sealed under another key than `except` (every row for `""`),
    /// in id order after `after`, a batch at a time.
    pub async fn sealed_rows(
        &self,
        table: SealedTable,
        except: &str,
        after: &str,
        limit: i64,
    ) -> Result<Vec<(String, Sealed)>, StoreError> {
        let sql = format!(
            "SELECT id, key_id, nonce, ciphertext FROM {} WHERE key_id <> $1 AND id > $2 \
             ORDER BY id LIMIT $3",
            table.as_str()
        );
        let rows = sqlx::query(&sql)
            .bind(except)
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    Sealed {
                        key_id: r.try_get("key_id")?,
                        nonce: r.try_get("nonce")?,
                        ciphertext: r.try_get("ciphertext")?,
                    },
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Replaces one ciphertext if it is still the one read (a concurrent edit wins).
    pub async fn reseal(
        &self,
        table: SealedTable,
        id: &str,
        old: &Sealed,
        new: &Sealed,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE {} SET key_id = $1, nonce = $2, ciphertext = $3 \
             WHERE id = $4 AND key_id = $5 AND nonce = $6",
            table.as_str()
        );
        let done = sqlx::query(&sql)
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

    /// How many rows are sealed under each key id.
    pub async fn key_usage(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT key_id, COUNT(*) AS n FROM \
             (SELECT key_id FROM accounts UNION ALL SELECT key_id FROM webhooks) sealed \
             GROUP BY key_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("key_id")?, r.try_get::<i64, _>("n")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}
