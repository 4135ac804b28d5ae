//! Envelope encryption: rows are sealed under a data key, and data keys live in the database
//! wrapped by a master key every hub process holds. A process reads the current data key again
//! every few seconds and unwraps any other the first time a row needs it, so rotating data keys
//! is a change of rows every process sees, and rotating the master key only re-wraps the few
//! data-key rows. Rows sealed directly under a master key (before data keys) still open.

use std::sync::Arc;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::hub::{Hub, HubError};
use crate::clock::{new_id, now};
use crate::crypto::{DataKey, KeyError, Sealed, DATA_KEY_PREFIX};
use crate::store::DataKeyRow;

/// How long a process keeps sealing under the data key it read as current.
pub const CURRENT_FOR: Duration = Duration::from_secs(5);

impl Hub {
    /// The data key new rows are sealed under; the first one is made when there is none.
    pub async fn current_data_key(&self) -> Result<Arc<DataKey>, HubError> {
        if let Some((key, read)) = self
            .data_keys
            .current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            if read.elapsed() < CURRENT_FOR {
                return Ok(key.clone());
            }
        }
        let row = match self.store.current_data_key().await? {
            Some(row) => row,
            None => {
                let key = DataKey::generate(new_id("dk"));
                self.store
                    .insert_data_key(key.id(), &self.keyring.wrap(&key), now())
                    .await?;
                self.store
                    .current_data_key()
                    .await?
                    .ok_or_else(|| KeyError::UnknownKey(key.id().to_owned()))?
            }
        };
        let key = self.unwrapped(row)?;
        *self
            .data_keys
            .current
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some((key.clone(), Instant::now()));
        Ok(key)
    }

    /// The data key with this id, unwrapped once and kept.
    async fn data_key(&self, id: &str) -> Result<Arc<DataKey>, HubError> {
        if let Some(key) = self
            .data_keys
            .keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
        {
            return Ok(key.clone());
        }
        let row = self
            .store
            .data_key(id)
            .await?
            .ok_or_else(|| KeyError::UnknownKey(id.to_owned()))?;
        self.unwrapped(row)
    }

    fn unwrapped(&self, row: DataKeyRow) -> Result<Arc<DataKey>, HubError> {
        let mut keys = self
            .data_keys
            .keys
            .write()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(key) = keys.get(&row.id) {
            return Ok(key.clone());
        }
        let key = Arc::new(self.keyring.unwrap(&row.id, &row.wrapped)?);
        keys.insert(row.id, key.clone());
        Ok(key)
    }

    /// Seals `plaintext` for the row `associated` under the current data key.
    pub async fn seal(&self, plaintext: &[u8], associated: &str) -> Result<Sealed, HubError> {
        Ok(self.current_data_key().await?.seal(plaintext, associated))
    }

    /// Opens a row's sealed value: with the data key it names, or, for a row sealed before data
    /// keys, with the master key it names.
    pub async fn open(
        &self,
        sealed: &Sealed,
        associated: &str,
    ) -> Result<Zeroizing<Vec<u8>>, HubError> {
        if sealed.key_id.starts_with(DATA_KEY_PREFIX) {
            let key = self.data_key(&sealed.key_id).await?;
            Ok(key.open(sealed, associated)?)
        } else {
            Ok(self.keyring.open_sealed(sealed, associated)?)
        }
    }
}
