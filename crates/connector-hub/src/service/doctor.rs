//! `connector-hub doctor`: what the hub cannot open. Every sealed row (account credentials,
//! webhook secrets) is tried with the master keys this process has; the ones that do not open are
//! listed with why, so an operator can restore a key file or unlink what is lost. Rotation skips
//! such rows instead of stopping, and the schedule shows their accounts as `sealed`.

use serde::Serialize;

use super::hub::{Hub, HubError};
use crate::store::SealedTable;

/// Rows read per batch.
const BATCH: i64 = 500;

/// A sealed row that does not open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    /// `accounts` or `webhooks`.
    pub table: &'static str,
    pub id: String,
    /// Why it does not open: no key by its key id, or it was altered or moved.
    pub reason: String,
}

impl Hub {
    /// Every sealed row that the master keys this process has cannot open.
    pub async fn unreadable(&self) -> Result<Vec<Unreadable>, HubError> {
        let mut found = Vec::new();
        for table in SealedTable::ALL {
            let mut after = String::new();
            loop {
                let batch = self.store.sealed_rows(table, "", &after, BATCH).await?;
                let Some((last, _)) = batch.last() else {
                    break;
                };
                after = last.clone();
                for (id, sealed) in &batch {
                    if let Err(e) = self.open(sealed, id).await {
                        found.push(Unreadable {
                            table: table.as_str(),
                            id: id.clone(),
                            reason: e.to_string(),
                        });
                    }
                }
            }
        }
        Ok(found)
    }
}
