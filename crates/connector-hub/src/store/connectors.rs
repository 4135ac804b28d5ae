//! The `custom_connectors` and `connector_registry` tables: definition files added through the
//! API, and the revision every change to them bumps (in the same transaction), which a process
//! reads to know whether its registry is current.

use sqlx::Row;

use super::audit::insert_audit;
use super::db::{Store, StoreError};

/// One stored definition.
#[derive(Debug, Clone)]
pub struct CustomConnectorRow {
    pub id: String,
    /// The definition as canonical TOML.
    pub definition: String,
    /// The registry revision of its last change.
    pub revision: i64,
}

fn custom_row(row: &sqlx::any::AnyRow) -> Result<CustomConnectorRow, sqlx::Error> {
    Ok(CustomConnectorRow {
        id: row.try_get("id")?,
        definition: row.try_get("definition")?,
        revision: row.try_get("revision")?,
    })
}

/// What storing a definition did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    Created,
    Replaced,
}

/// Why a definition was not removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    Removed,
    NotFound,
    /// Accounts still use it: how many.
    InUse(i64),
}

/// Bumps the registry revision inside `tx` and returns the new one.
async fn bump(tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<i64, sqlx::Error> {
    sqlx::query("UPDATE connector_registry SET revision = revision + 1 WHERE singleton = 1")
        .execute(&mut **tx)
        .await?;
    sqlx::query("SELECT revision FROM connector_registry WHERE singleton = 1")
        .fetch_one(&mut **tx)
        .await?
        .try_get("revision")
}

impl Store {
    /// The registry's current revision: one read, made before each use of the registry.
    pub async fn connector_revision(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query("SELECT revision FROM connector_registry WHERE singleton = 1")
                .fetch_one(&self.pool)
                .await?
                .try_get("revision")?,
        )
    }

    /// Every stored definition, by id.
    pub async fn custom_connectors(&self) -> Result<Vec<CustomConnectorRow>, StoreError> {
        let rows =
            sqlx::query("SELECT id, definition, revision FROM custom_connectors ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.iter().map(custom_row).collect::<Result<_, _>>()?)
    }

    /// Stores a definition under `id`, replacing the one there; audited as `actor`.
    pub async fn put_custom_connector(
        &self,
        id: &str,
        definition: &str,
        actor: &str,
        now: i64,
    ) -> Result<Stored, StoreError> {
        let mut tx = self.pool.begin().await?;
        let revision = bump(&mut tx).await?;
        let replaced = sqlx::query(
            "UPDATE custom_connectors SET definition = $1, revision = $2, updated_at = $3 \
             WHERE id = $4",
        )
        .bind(definition)
        .bind(revision)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !replaced {
            sqlx::query(
                "INSERT INTO custom_connectors \
                 (id, definition, revision, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(id)
            .bind(definition)
            .bind(revision)
            .bind(actor)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let (action, done) = if replaced {
            ("connector.replaced", Stored::Replaced)
        } else {
            ("connector.added", Stored::Created)
        };
        insert_audit(
            &mut tx,
            actor,
            action,
            None,
            &format!("custom connector {id}"),
        )
        .await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Removes the definition `id` unless an account uses it; audited as `actor`.
    pub async fn delete_custom_connector(
        &self,
        id: &str,
        actor: &str,
    ) -> Result<Removal, StoreError> {
        let mut tx = self.pool.begin().await?;
        let in_use: i64 = sqlx::query("SELECT COUNT(*) AS n FROM accounts WHERE connector = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        if in_use > 0 {
            return Ok(Removal::InUse(in_use));
        }
        let removed = sqlx::query("DELETE FROM custom_connectors WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 0 {
            return Ok(Removal::NotFound);
        }
        bump(&mut tx).await?;
        insert_audit(
            &mut tx,
            actor,
            "connector.removed",
            None,
            &format!("custom connector {id}"),
        )
        .await?;
        tx.commit().await?;
        Ok(Removal::Removed)
    }
}
