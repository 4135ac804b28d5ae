//! The `hub_keys` and `retired_hub_keys` tables: hub keys by hash (never the key itself), their
//! state, and the hashes of regenerated values, remembered so they are refused with a reason.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::db::{Store, StoreError};
use crate::clock::now;
use crate::hubkey::{KeyState, Scope};

/// A hub key as stored (its hash, never the key).
#[derive(Debug, Clone)]
pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub hash: String,
    pub tail: String,
    pub state: KeyState,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub regenerated_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const KEY_COLUMNS: &str = "id, name, scopes, hash, tail, state, created_at, last_used_at, \
                           regenerated_at, revoked_at";

fn key_row(row: &AnyRow) -> Result<KeyRow, sqlx::Error> {
    Ok(KeyRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        scopes: Scope::parse_list(&row.try_get::<String, _>("scopes")?),
        hash: row.try_get("hash")?,
        tail: row.try_get("tail")?,
        state: KeyState::parse(&row.try_get::<String, _>("state")?),
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        regenerated_at: row.try_get("regenerated_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

impl Store {
    pub async fn count_keys(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM hub_keys")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")?)
    }

    pub async fn insert_key(&self, key: &KeyRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO hub_keys (id, name, scopes, hash, tail, state, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&key.id)
        .bind(&key.name)
        .bind(Scope::join(&key.scopes))
        .bind(&key.hash)
        .bind(&key.tail)
        .bind(key.state.as_str())
        .bind(key.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn key(&self, id: &str) -> Result<Option<KeyRow>, StoreError> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM hub_keys WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(key_row).transpose()?)
    }

    pub async fn key_by_hash(&self, hash: &str) -> Result<Option<KeyRow>, StoreError> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM hub_keys WHERE hash = $1");
        let row = sqlx::query(&sql)
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(key_row).transpose()?)
    }

    /// Why a key hash no longer works, when it belonged to a regenerated key.
    pub async fn retired_reason(&self, hash: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT reason FROM retired_hub_keys WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("reason")).transpose()?)
    }

    pub async fn list_keys(&self) -> Result<Vec<KeyRow>, StoreError> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM hub_keys ORDER BY id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(key_row).collect::<Result<_, _>>()?)
    }

    /// Sets a key's state; a revoked key stays revoked. A key disabled or revoked loses its
    /// sign-in sessions for good, in the same transaction. Returns whether a row changed.
    pub async fn set_key_state(&self, id: &str, state: KeyState) -> Result<bool, StoreError> {
        let revoked_at = (state == KeyState::Revoked).then(now);
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE hub_keys SET state = $1, revoked_at = COALESCE($2, revoked_at) \
             WHERE id = $3 AND state <> 'revoked'",
        )
        .bind(state.as_str())
        .bind(revoked_at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if state != KeyState::Enabled {
            end_web_sessions(&mut tx, id).await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives a key a new secret; the old hash is remembered so it is refused with a reason.
    pub async fn regenerate_key(
        &self,
        id: &str,
        new_hash: &str,
        new_tail: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let Some(row) =
            sqlx::query("SELECT hash FROM hub_keys WHERE id = $1 AND state <> 'revoked'")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(false);
        };
        let old: String = row.try_get("hash")?;
        let at = now();
        sqlx::query(
            "INSERT INTO retired_hub_keys (hash, key_id, reason, retired_at) \
             VALUES ($1, $2, 'regenerated', $3)",
        )
        .bind(&old)
        .bind(id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE hub_keys SET hash = $1, tail = $2, regenerated_at = $3, last_used_at = NULL \
             WHERE id = $4",
        )
        .bind(new_hash)
        .bind(new_tail)
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        end_web_sessions(&mut tx, id).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records a use, at most once a minute per key.
    pub async fn touch_key(&self, id: &str, at: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE hub_keys SET last_used_at = $1 \
             WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
        )
        .bind(at)
        .bind(id)
        .bind(at - 60)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// Ends every sign-in session opened with the key `id`.
async fn end_web_sessions(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM web_sessions WHERE hub_key_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
