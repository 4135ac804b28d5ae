//! Retention: audit records, status history and webhook deliveries older than their setting are
//! removed by the schedule, a batch at a time so no transaction holds the database for long.

use super::hub::{Hub, HubError};
use crate::clock::now;
use crate::store::Retained;

/// Rows deleted per statement.
const BATCH: i64 = 1000;

/// How many rows a retention round removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RetentionReport {
    pub audit: u64,
    pub history: u64,
    pub deliveries: u64,
}

impl Hub {
    /// Removes what is older than the retention settings (a setting of 0 keeps everything).
    pub async fn apply_retention(&self) -> Result<RetentionReport, HubError> {
        let settings = &self.settings;
        Ok(RetentionReport {
            audit: self
                .remove_older(Retained::Audit, settings.audit_retention_days)
                .await?,
            history: self
                .remove_older(Retained::History, settings.history_retention_days)
                .await?,
            deliveries: self
                .remove_older(Retained::Deliveries, settings.delivery_retention_days)
                .await?,
        })
    }

    async fn remove_older(&self, table: Retained, days: u32) -> Result<u64, HubError> {
        if days == 0 {
            return Ok(0);
        }
        let before = now() - i64::from(days) * 24 * 3600;
        let mut removed = 0;
        loop {
            let batch = self.store.delete_older(table, before, BATCH).await?;
            removed += batch;
            if batch < BATCH as u64 {
                return Ok(removed);
            }
            // Let requests and the pass have the database between batches.
            tokio::task::yield_now().await;
        }
    }
}
