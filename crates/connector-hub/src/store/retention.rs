//! Removing old rows: audit records, status history and webhook deliveries older than a cutoff,
//! a batch at a time. Ids start with the milliseconds they were made at, so "older than" is a
//! range of each table's primary key and needs no index of its own.

use super::db::{Store, StoreError};

/// The tables whose old rows are removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retained {
    Audit,
    History,
    Deliveries,
}

impl Retained {
    /// The table and the prefix of its ids.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Retained::Audit => ("audit_log", "aud"),
            Retained::History => ("status_history", "evt"),
            Retained::Deliveries => ("webhook_deliveries", "dlv"),
        }
    }
}

impl Store {
    /// Deletes up to `limit` rows of `table` made before `before` (Unix seconds); returns how
    /// many.
    pub async fn delete_older(
        &self,
        table: Retained,
        before: i64,
        limit: i64,
    ) -> Result<u64, StoreError> {
        let (name, prefix) = table.table();
        let millis = u64::try_from(before).unwrap_or(0).saturating_mul(1000);
        let cutoff = format!("{prefix}_{millis:012x}");
        let sql = format!(
            "DELETE FROM {name} WHERE id IN \
             (SELECT id FROM {name} WHERE id < $1 ORDER BY id LIMIT $2)"
        );
        let done = sqlx::query(&sql)
            .bind(cutoff)
            .bind(limit)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected())
    }
}
