//! `connector-hub rotate-master-key`: a new master key becomes current, every stored credential
//! and webhook secret is re-encrypted under it, and the old key leaves the keyring once nothing
//! needs it. One rotation runs at a time (a lock row in the database), and a row that does not
//! open is reported and skipped, never stopping the rest. The running hub reloads the key file when it changes, so it keeps serving
//! throughout: it reads with either key while the pass runs and writes with the new one from the
//! moment the file names it.

use std::path::Path;
use std::time::Duration;

use super::doctor::Unreadable;
use crate::clock::{new_id, now};
use crate::crypto::{KeyError, MasterKey, MASTER_KEY_ENV};
use crate::keyring::{read_key_file, write_key_file, Keyring};
use crate::store::{SealedTable, Store, StoreError};

/// The database lock one rotation holds at a time.
const LOCK: &str = "rotation";
/// How long the lock is held without being renewed (it is renewed every batch).
const LOCK_SECONDS: i64 = 120;
/// Rows re-encrypted per batch.
const BATCH: i64 = 500;
/// How long a hub that read the old key file may still write with the old key.
const GRACE: Duration = Duration::from_secs(2);

/// What a rotation did.
#[derive(Debug)]
pub struct Rotated {
    pub new_key_id: String,
    pub resealed: u64,
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

/// Rotates the keyring in `path`, re-encrypting every sealed row of the database at `database`
/// (a URL, as in the settings).
pub async fn rotate(
    database: &str,
    path: &Path,
    progress: impl FnMut(u64),
) -> Result<Rotated, RotateError> {
    let store = Store::open(database).await?;
    let rotated = rotate_in(&store, path, progress).await;
    store.close().await;
    rotated
}

async fn rotate_in(
    store: &Store,
    path: &Path,
    progress: impl FnMut(u64),
) -> Result<Rotated, RotateError> {
    let owner = new_id("rotation");
    if let Err(holder) = store
        .take_lock(LOCK, &owner, now(), now() + LOCK_SECONDS)
        .await?
    {
        return Err(RotateError::Busy(holder));
    }
    let rotated = rotate_locked(store, path, &owner, progress).await;
    let _ = store.release_lock(LOCK, &owner).await;
    rotated
}

/// The rotation itself, the lock held by `owner`.
async fn rotate_locked(
    store: &Store,
    path: &Path,
    owner: &str,
    mut progress: impl FnMut(u64),
) -> Result<Rotated, RotateError> {
    let old = read_key_file(path)?;
    let new = MasterKey::generate();
    let new_key_id = new.id().to_owned();
    let mut ring: Vec<&MasterKey> = vec![&new];
    ring.extend(old.iter());
    write_key_file(path, &ring)?;
    let keyring = Keyring::from_keys(
        std::iter::once(new.duplicate())
            .chain(old.iter().map(MasterKey::duplicate))
            .collect(),
    );
    let mut resealed = 0;
    let mut unreadable: Vec<Unreadable> = Vec::new();
    // Twice: once now, once after the grace period for writes made with the old file.
    for pass in 0..2 {
        if pass == 1 {
            tokio::time::sleep(GRACE).await;
        }
        for table in SealedTable::ALL {
            let mut after = String::new();
            loop {
                if !store.renew_lock(LOCK, owner, now() + LOCK_SECONDS).await? {
                    return Err(RotateError::Busy("another process".to_owned()));
                }
                let batch = store.sealed_rows(table, &new_key_id, &after, BATCH).await?;
                let Some((last, _)) = batch.last() else {
                    break;
                };
                after = last.clone();
                for (id, sealed) in &batch {
                    // A row that does not open is reported and left as it is: it never stops
                    // the rotation of the others.
                    let plain = match keyring.open_sealed(sealed, id) {
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
                    let fresh = keyring.seal(&plain, id);
                    if store.reseal(table, id, sealed, &fresh).await? {
                        resealed += 1;
                        progress(resealed);
                    }
                }
            }
        }
    }
    let usage = store.key_usage().await?;
    let still_used: Vec<&str> = usage
        .iter()
        .filter(|(id, n)| *n > 0 && *id != new_key_id)
        .map(|(id, _)| id.as_str())
        .collect();
    let (kept, retired): (Vec<&MasterKey>, Vec<&MasterKey>) =
        old.iter().partition(|k| still_used.contains(&k.id()));
    let mut ring: Vec<&MasterKey> = vec![&new];
    ring.extend(kept);
    write_key_file(path, &ring)?;
    Ok(Rotated {
        new_key_id,
        resealed,
        retired: retired.iter().map(|k| k.id().to_owned()).collect(),
        unreadable,
    })
}
