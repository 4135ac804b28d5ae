//! The `locks` table: a named lock one process holds until a time it renews, so two processes
//! sharing the database never run the same exclusive job (a rotation) at once, and a holder that
//! died lets go when its time passes.

use sqlx::Row;

use super::db::{Store, StoreError};

impl Store {
    /// Takes the lock `name` for `owner` until `until`, if nobody else holds it at `now`;
    /// returns the current holder when it is someone else. One statement, so two takers at once
    /// never both get it.
    pub async fn take_lock(
        &self,
        name: &str,
        owner: &str,
        now: i64,
        until: i64,
    ) -> Result<Result<(), String>, StoreError> {
        let taken = sqlx::query(
            "INSERT INTO locks (name, owner, until) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until \
             WHERE locks.until < $4 OR locks.owner = excluded.owner",
        )
        .bind(name)
        .bind(owner)
        .bind(until)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if taken.rows_affected() == 1 {
            return Ok(Ok(()));
        }
        let holder = sqlx::query("SELECT owner FROM locks WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| row.try_get::<String, _>("owner"))
            .transpose()?;
        Ok(Err(holder.unwrap_or_else(|| "another process".to_owned())))
    }

    /// Keeps holding the lock until `until`; false when `owner` no longer holds it.
    pub async fn renew_lock(
        &self,
        name: &str,
        owner: &str,
        until: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE locks SET until = $1 WHERE name = $2 AND owner = $3")
            .bind(until)
            .bind(name)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Lets go of the lock, if `owner` holds it.
    pub async fn release_lock(&self, name: &str, owner: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM locks WHERE name = $1 AND owner = $2")
            .bind(name)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
