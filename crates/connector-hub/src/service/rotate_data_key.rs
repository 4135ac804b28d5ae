//! `connector-hub rotate-data-key`: a new data key becomes current for every process sharing the
//! database (each reads the current key again within seconds), every row is resealed under it,
//! and the old data keys are deleted once no row uses them. The master key does not change, so
//! no key file needs copying.

use std::time::Duration;

use super::doctor::Unreadable;
use super::envelope::CURRENT_FOR;
use super::hub::Hub;
use super::rotate::{reseal_rows, Keys, RotateError, RotationLock};
use crate::clock::{new_id, now};
use crate::crypto::DataKey;

/// What a data key rotation did.
#[derive(Debug)]
pub struct DataKeyRotated {
    pub new_data_key: String,
    pub resealed: u64,
    /// Old data keys deleted, no row using them any more.
    pub deleted: Vec<String>,
    pub unreadable: Vec<Unreadable>,
}

impl Hub {
    /// Makes a new data key current and reseals every row under it.
    pub async fn rotate_data_key(
        &self,
        mut progress: impl FnMut(u64),
    ) -> Result<DataKeyRotated, RotateError> {
        let lock = RotationLock::take(&self.store).await?;
        let rotated = async {
            let key = DataKey::generate(new_id("dk"));
            self.store
                .insert_data_key(key.id(), &self.keyring.wrap(&key), now())
                .await?;
            let mut unreadable = Vec::new();
            let mut resealed = 0;
            // Twice: now, and once every process has read the new key as current (a row a
            // process sealed with the old one meanwhile is caught by the second sweep).
            for sweep in 0..2 {
                if sweep == 1 {
                    tokio::time::sleep(CURRENT_FOR + Duration::from_secs(1)).await;
                }
                let keys = Keys::load(&self.store, self.keyring.clone()).await?;
                resealed += reseal_rows(
                    &self.store,
                    &lock,
                    &keys,
                    &key,
                    |_| true,
                    &mut unreadable,
                    &mut progress,
                )
                .await?;
            }
            let deleted = self.store.delete_unused_data_keys().await?;
            Ok::<_, RotateError>(DataKeyRotated {
                new_data_key: key.id().to_owned(),
                resealed,
                deleted,
                unreadable,
            })
        }
        .await;
        lock.release().await;
        rotated
    }
}
