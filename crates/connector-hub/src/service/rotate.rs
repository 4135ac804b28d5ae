//! Key rotation. Rows are sealed under data keys, which the database keeps wrapped by a master
//! key (see `envelope.rs`).
//!
//! `connector-hub rotate-master-key` makes a master key current (one staged with `master-key add`
//! and copied to every process beforehand, else a new one), re-wraps every data key under it,
//! reseals under the current data key any row still sealed directly under a master key (from
//! before data keys), and drops from the key file the master keys nothing needs any more. A
//! running hub on the same host follows the key file; it keeps the data keys it had unwrapped.
//!
//! `connector-hub rotate-data-key` (`rotate_data_key.rs`) is a database operation: every process
//! sees the new data key within seconds.
//!
//! One rotation runs at a time (a lock row in the database), and a row that does not open is
//! reported and skipped, never stopping the rest.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use zeroize::Zeroizing;

use super::doctor::Unreadable;
use crate::clock::{new_id, now};
use crate::crypto::{DataKey, KeyError, MasterKey, Sealed, DATA_KEY_PREFIX, MASTER_KEY_ENV};
use crate::keyring::{read_key_file, write_key_file, Keyring};
use crate::store::{SealedTable, Store, StoreError};

/// The database lock one rotation holds at a time.
const LOCK: &str = "rotation";
/// How long the lock is held without being renewed (it is renewed every batch).
const LOCK_SECONDS: i64 = 120;
/// Rows re-encrypted per batch.
const BATCH: i64 = 500;

/// What a master key rotation did.
#[derive(Debug)]
pub struct Rotated {
    pub new_key_id: String,
    /// Data keys wrapped anew under the new master key.
    pub rewrapped: u64,
    /// Rows sealed directly under a master key, resealed under the current data key.
    pub resealed: u64,
    /// Master keys removed from the key file.
    pub retired: Vec<String>,
    /// Rows that did not open with any key, left as they were (see `connector-hub doctor`).
    pub unreadable: Vec<Unreadable>,
}

/// Why a rotation stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RotateError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "rotation needs the master key in a file (--master-key-file); with {} set, write the \
         key to a file first and point the hub at it",
        MASTER_KEY_ENV
    )]
    NeedsFile,
    #[error(
        "another rotation is running ({0} holds the database's rotation lock); wait for it to \
         finish, then run this one again if a new key is still wanted"
    )]
    Busy(String),
}

/// The rotation lock, held by one process while it rotates.
pub(crate) struct RotationLock<'s> {
    store: &'s Store,
    owner: String,
}

impl<'s> RotationLock<'s> {
    pub(crate) async fn take(store: &'s Store) -> Result<Self, RotateError> {
        let owner = new_id("rotation");
        match store
            .take_lock(LOCK, &owner, now(), now() + LOCK_SECONDS)
            .await?
        {
            Ok(()) => Ok(Self { store, owner }),
            Err(holder) => Err(RotateError::Busy(holder)),
        }
    }

    /// Holds on for another while; fails when another process took the lock meanwhile.
    pub(crate) async fn renew(&self) -> Result<(), RotateError> {
        if self
            .store
            .renew_lock(LOCK, &self.owner, now() + LOCK_SECONDS)
            .await?
        {
            Ok(())
        } else {
            Err(RotateError::Busy("another process".to_owned()))
        }
    }

    pub(crate) async fn release(self) {
        let _ = self.store.release_lock(LOCK, &self.owner).await;
    }
}

/// Every key a rotation may need to open a row: the master keys and the data keys they unwrap.
pub(crate) struct Keys {
    pub(crate) masters: Arc<Keyring>,
    pub(crate) data: HashMap<String, DataKey>,
}

impl Keys {
    /// The master keys, with every data key in the database they unwrap (the others are left
    /// out: their rows are reported as unreadable).
    pub(crate) async fn load(store: &Store, masters: Arc<Keyring>) -> Result<Self, RotateError> {
        let mut data = HashMap::new();
        for row in store.data_keys().await? {
            if let Ok(key) = masters.unwrap(&row.id, &row.wrapped) {
                data.insert(row.id, key);
            }
        }
        Ok(Self { masters, data })
    }

    pub(crate) fn open(
        &self,
        sealed: &Sealed,
        associated: &str,
    ) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        if sealed.key_id.starts_with(DATA_KEY_PREFIX) {
            self.data
                .get(&sealed.key_id)
                .ok_or_else(|| KeyError::UnknownKey(sealed.key_id.clone()))?
                .open(sealed, associated)
        } else {
            self.masters.open_sealed(sealed, associated)
        }
    }
}

/// Reseals under `key` every row `wanted` picks, in batches, a row only if unchanged since it
/// was read; a row that does not open is added to `unreadable` and left as it is.
pub(crate) async fn reseal_rows(
    store: &Store,
    lock: &RotationLock<'_>,
    keys: &Keys,
    key: &DataKey,
    wanted: impl Fn(&Sealed) -> bool,
    unreadable: &mut Vec<Unreadable>,
    progress: &mut impl FnMut(u64),
) -> Result<u64, RotateError> {
    let mut resealed = 0;
    for table in SealedTable::ALL {
        let mut after = String::new();
        loop {
            lock.renew().await?;
            let batch = store.sealed_rows(table, key.id(), &after, BATCH).await?;
            let Some((last, _)) = batch.last() else {
                break;
            };
            after = last.clone();
            for (id, sealed) in batch.iter().filter(|(_, sealed)| wanted(sealed)) {
                let plain = match keys.open(sealed, id) {
                    Ok(plain) => plain,
                    Err(e) => {
                        if !unreadable.iter().any(|u| u.id == *id) {
                            unreadable.push(Unreadable {
                                table: table.as_str(),
                                id: id.clone(),
                                reason: e.to_string(),
                            });
                        }
                        continue;
                    }
                };
                if store
                    .reseal(table, id, sealed, &key.seal(&plain, id))
                    .await?
                {
                    resealed += 1;
                    progress(resealed);
                }
            }
        }
    }
    Ok(resealed)
}

/// Rotates the master key in the key file at `path` for the database at `database` (a URL, as
/// in the settings).
pub async fn rotate(
    database: &str,
    path: &Path,
    progress: impl FnMut(u64),
) -> Result<Rotated, RotateError> {
    let store = Store::open(database).await?;
    let rotated = async {
        let lock = RotationLock::take(&store).await?;
        let rotated = rotate_locked(&store, &lock, path, progress).await;
        lock.release().await;
        rotated
    }
    .await;
    store.close().await;
    rotated
}

/// Adds a new master key at the end of the key file, not current yet: copy the file to every
/// process sharing the database, then run `rotate-master-key` to make it current. Returns its id.
pub fn stage_master_key(path: &Path) -> Result<String, RotateError> {
    let mut keys = read_key_file(path)?;
    let new = MasterKey::generate();
    let id = new.id().to_owned();
    keys.push(new);
    write_key_file(path, &keys.iter().collect::<Vec<_>>())?;
    Ok(id)
}

async fn rotate_locked(
    store: &Store,
    lock: &RotationLock<'_>,
    path: &Path,
    mut progress: impl FnMut(u64),
) -> Result<Rotated, RotateError> {
    let mut keys_in_file = read_key_file(path)?;
    // A key staged at the end that wraps nothing yet becomes current; else a new one does.
    let wrapping: Vec<String> = store
        .data_keys()
        .await?
        .into_iter()
        .map(|row| row.wrapped.key_id)
        .collect();
    let staged = keys_in_file.len() > 1
        && keys_in_file
            .last()
            .is_some_and(|k| !wrapping.iter().any(|w| w == k.id()));
    let new = if staged {
        keys_in_file.pop().expect("more than one key")
    } else {
        MasterKey::generate()
    };
    let new_key_id = new.id().to_owned();
    let mut ring: Vec<&MasterKey> = vec![&new];
    ring.extend(keys_in_file.iter());
    write_key_file(path, &ring)?;
    let masters = Arc::new(Keyring::from_keys(
        ring.iter().map(|k| k.duplicate()).collect(),
    ));
    let keys = Keys::load(store, masters).await?;

    // The few data-key rows, wrapped anew under the new master key.
    let mut rewrapped = 0;
    let mut unreadable = Vec::new();
    for row in store.data_keys().await? {
        if row.wrapped.key_id == new_key_id {
            continue;
        }
        match keys.data.get(&row.id) {
            Some(key) => {
                if store
                    .rewrap_data_key(&row.id, &row.wrapped, &keys.masters.wrap(key))
                    .await?
                {
                    rewrapped += 1;
                }
            }
            None => unreadable.push(Unreadable {
                table: "data_keys",
                id: row.id.clone(),
                reason: KeyError::UnknownKey(row.wrapped.key_id.clone()).to_string(),
            }),
        }
    }

    // Rows from before data keys move under the current data key (made if there is none).
    let current = match store.current_data_key().await? {
        Some(row) => keys.masters.unwrap(&row.id, &row.wrapped)?,
        None => {
            let key = DataKey::generate(new_id("dk"));
            store
                .insert_data_key(key.id(), &keys.masters.wrap(&key), now())
                .await?;
            key
        }
    };
    let resealed = reseal_rows(
        store,
        lock,
        &keys,
        &current,
        |sealed| !sealed.key_id.starts_with(DATA_KEY_PREFIX),
        &mut unreadable,
        &mut progress,
    )
    .await?;

    // Master keys still needed: those wrapping a data key or sealing a row left as it was.
    let mut needed: Vec<String> = store
        .data_keys()
        .await?
        .into_iter()
        .map(|row| row.wrapped.key_id)
        .collect();
    needed.extend(store.key_usage().await?.into_iter().map(|(id, _)| id));
    let (kept, retired): (Vec<&MasterKey>, Vec<&MasterKey>) = keys_in_file
        .iter()
        .partition(|k| needed.iter().any(|n| n == k.id()));
    let mut ring: Vec<&MasterKey> = vec![&new];
    ring.extend(kept);
    write_key_file(path, &ring)?;
    Ok(Rotated {
        new_key_id,
        rewrapped,
        resealed,
        retired: retired.iter().map(|k| k.id().to_owned()).collect(),
        unreadable,
    })
}
