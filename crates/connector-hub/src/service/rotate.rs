//! `connector-hub rotate-master-key`: a new master key becomes current, every stored credential
//! and webhook secret is re-encrypted under it, and the old key leaves the keyring once nothing
//! needs it. The running hub reloads the key file when it changes, so it keeps serving
//! throughout: it reads with either key while the pass runs and writes with the new one from the
//! moment the file names it.

use std::path::Path;
use std::time::Duration;

use crate::crypto::{KeyError, MasterKey, MASTER_KEY_ENV};
use crate::keyring::{read_key_file, write_key_file, Keyring};
use crate::store::{SealedTable, Store, StoreError};

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
    // Twice: once now, once after the grace period for writes made with the old file.
    for pass in 0..2 {
        if pass == 1 {
            tokio::time::sleep(GRACE).await;
        }
        for table in SealedTable::ALL {
            loop {
                let batch = store
                    .sealed_under_other_keys(table, &new_key_id, BATCH)
                    .await?;
                if batch.is_empty() {
                    break;
                }
                for (id, sealed) in &batch {
                    let plain = keyring.open_sealed(sealed, id)?;
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
    })
}
