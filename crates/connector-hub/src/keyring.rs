//! The master keys in use: read from a key file (one base64 key of 32 bytes per line, the
//! current key first; older lines are keys still accepted for reading while `rotate-master-key`
//! re-encrypts what they sealed) or from the environment, and followed when the file changes.

use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::SystemTime;

use zeroize::Zeroizing;

use crate::crypto::{
    open_with, random_hex, seal_with, DataKey, KeyError, MasterKey, Sealed, MASTER_KEY_ENV,
};

/// What a data key is sealed with, besides its bytes: its id, so a wrapped key moved to another
/// row does not open.
fn wrap_context(id: &str) -> String {
    format!("data key {id}")
}

/// Where the keyring comes from.
#[derive(Clone)]
pub enum KeySource {
    File(PathBuf),
    /// The environment variable's value (one key; rotation needs a file).
    Env(String),
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::File(path) => f.debug_tuple("File").field(path).finish(),
            // The variable holds the key itself.
            KeySource::Env(_) => f.write_str("Env(••••)"),
        }
    }
}

/// The master keys in use. Reloads its file when the file changes, so a running hub follows
/// `rotate-master-key` without a restart.
#[derive(Debug)]
pub struct Keyring {
    source: KeySource,
    state: RwLock<Loaded>,
}

#[derive(Debug)]
struct Loaded {
    keys: Vec<MasterKey>,
    modified: Option<SystemTime>,
}

impl Keyring {
    /// Opens the keyring; fails when there is no key at all.
    pub fn open(source: KeySource) -> Result<Self, KeyError> {
        let loaded = load(&source)?;
        Ok(Self {
            source,
            state: RwLock::new(loaded),
        })
    }

    /// A keyring holding exactly these keys, current first (tests, rotation).
    pub fn from_keys(keys: Vec<MasterKey>) -> Self {
        Self {
            source: KeySource::Env(String::new()),
            state: RwLock::new(Loaded {
                keys,
                modified: None,
            }),
        }
    }

    fn refresh(&self) {
        let KeySource::File(path) = &self.source else {
            return;
        };
        let modified = modified(path);
        let stale = self
            .state
            .read()
            .map(|s| s.modified != modified)
            .unwrap_or(true);
        if stale {
            // A half-written or missing file keeps the keys already loaded.
            if let Ok(loaded) = load(&self.source) {
                if let Ok(mut state) = self.state.write() {
                    *state = loaded;
                }
            }
        }
    }

    fn with_keys<T>(&self, f: impl FnOnce(&[MasterKey]) -> T) -> T {
        self.refresh();
        match self.state.read() {
            Ok(state) => f(&state.keys),
            Err(poisoned) => f(&poisoned.into_inner().keys),
        }
    }

    /// The current key's id.
    pub fn current_id(&self) -> String {
        self.with_keys(|keys| keys[0].id().to_owned())
    }

    /// Ids of every key held, current first.
    pub fn ids(&self) -> Vec<String> {
        self.with_keys(|keys| keys.iter().map(|k| k.id().to_owned()).collect())
    }

    /// A key derived from the current key for `purpose`.
    pub fn derive(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        self.with_keys(|keys| keys[0].derive(purpose))
    }

    /// Seals `plaintext` under the current key, bound to `associated` (the account id).
    pub fn seal(&self, plaintext: &[u8], associated: &str) -> Sealed {
        self.with_keys(|keys| seal_with(&keys[0], plaintext, associated))
    }

    /// Wraps a data key under the current master key, for the database.
    pub fn wrap(&self, key: &DataKey) -> Sealed {
        self.seal(key.plain(), &wrap_context(key.id()))
    }

    /// Unwraps a data key with the master key that wrapped it.
    pub fn unwrap(&self, id: &str, wrapped: &Sealed) -> Result<DataKey, KeyError> {
        let plain = self.open_sealed(wrapped, &wrap_context(id))?;
        DataKey::from_plain(id, &plain)
    }

    /// Opens a sealed value with the key it names.
    pub fn open_sealed(
        &self,
        sealed: &Sealed,
        associated: &str,
    ) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let attempt = |keys: &[MasterKey]| -> Result<Zeroizing<Vec<u8>>, KeyError> {
            let key = keys
                .iter()
                .find(|k| k.id() == sealed.key_id)
                .ok_or_else(|| KeyError::UnknownKey(sealed.key_id.clone()))?;
            open_with(key, sealed, associated)
        };
        match self.with_keys(attempt) {
            // The file may have changed within the same mtime tick: read it once more.
            Err(KeyError::UnknownKey(_)) => {
                if let Ok(mut state) = self.state.write() {
                    state.modified = None;
                }
                self.with_keys(attempt)
            }
            other => other,
        }
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn load(source: &KeySource) -> Result<Loaded, KeyError> {
    match source {
        KeySource::Env(text) => Ok(Loaded {
            keys: vec![MasterKey::from_base64(text, MASTER_KEY_ENV)?],
            modified: None,
        }),
        KeySource::File(path) => {
            let modified = modified(path);
            let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|source| {
                if source.kind() == std::io::ErrorKind::NotFound {
                    KeyError::Missing
                } else {
                    KeyError::Read {
                        path: path.clone(),
                        source,
                    }
                }
            })?);
            let place = path.display().to_string();
            let keys = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .enumerate()
                .map(|(n, line)| MasterKey::from_base64(line, &format!("{place}, key {}", n + 1)))
                .collect::<Result<Vec<_>, _>>()?;
            if keys.is_empty() {
                return Err(KeyError::Invalid {
                    place,
                    why: "the file holds no key".to_owned(),
                });
            }
            Ok(Loaded { keys, modified })
        }
    }
}

/// Writes a keyring file (current key first) readable by its owner only, replacing it whole.
pub fn write_key_file(path: &Path, keys: &[&MasterKey]) -> Result<(), KeyError> {
    let err = |source| KeyError::Write {
        path: path.to_owned(),
        source,
    };
    let mut text = Zeroizing::new(String::from(
        "# connector-hub master keys: the first encrypts, the others are still read. Keep private.\n",
    ));
    for key in keys {
        text.push_str(&key.to_base64());
        text.push('\n');
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // A name nobody can have planted (a link there is never followed: the file must be new).
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "connector-hub.key".to_owned()),
        random_hex(8)
    ));
    let written = (|| {
        use std::io::Write as _;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // The rename itself survives a crash only once the directory is on disk.
        #[cfg(unix)]
        std::fs::File::open(dir)?.sync_all()?;
        Ok(())
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(err)
}

/// Reads every key of a keyring file, current first.
pub fn read_key_file(path: &Path) -> Result<Vec<MasterKey>, KeyError> {
    load(&KeySource::File(path.to_owned())).map(|l| l.keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_value_opens_only_with_its_account_id() {
        let ring = Keyring::from_keys(vec![MasterKey::generate()]);
        let sealed = ring.seal(b"{\"api_key\":\"k\"}", "acc_1");
        assert_eq!(
            ring.open_sealed(&sealed, "acc_1")
                .expect("opens")
                .as_slice(),
            b"{\"api_key\":\"k\"}"
        );
        assert!(matches!(
            ring.open_sealed(&sealed, "acc_2"),
            Err(KeyError::Tampered)
        ));
    }

    #[test]
    fn every_write_has_its_own_nonce() {
        let ring = Keyring::from_keys(vec![MasterKey::generate()]);
        let (a, b) = (ring.seal(b"same", "a"), ring.seal(b"same", "a"));
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
    }

    #[test]
    fn a_retired_key_still_opens_what_it_sealed() {
        let (old, new) = (MasterKey::generate(), MasterKey::generate());
        let sealed = Keyring::from_keys(vec![old.duplicate()]).seal(b"x", "acc");
        let ring = Keyring::from_keys(vec![new, old]);
        assert_eq!(
            ring.open_sealed(&sealed, "acc").expect("opens").as_slice(),
            b"x"
        );
        assert_ne!(ring.current_id(), sealed.key_id);
    }

    #[test]
    fn key_file_is_private_and_reloads_when_it_changes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("hub.key");
        let first = MasterKey::generate();
        write_key_file(&path, &[&first]).expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let ring = Keyring::open(KeySource::File(path.clone())).expect("open");
        assert_eq!(ring.current_id(), first.id());
        let second = MasterKey::generate();
        std::thread::sleep(std::time::Duration::from_millis(20));
        write_key_file(&path, &[&second, &first]).expect("rewrite");
        let sealed = Keyring::from_keys(vec![second.duplicate()]).seal(b"y", "acc");
        assert_eq!(
            ring.open_sealed(&sealed, "acc").expect("opens").as_slice(),
            b"y"
        );
        assert_eq!(ring.current_id(), second.id());
    }

    #[cfg(unix)]
    #[test]
    fn a_link_planted_beside_the_key_file_is_never_written_through() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("hub.key");
        let stolen = dir.path().join("stolen");
        // Where the key file's temporary copy used to go, a link to a file someone can read.
        std::os::unix::fs::symlink(&stolen, dir.path().join(".hub.key.tmp")).expect("link");
        let key = MasterKey::generate();
        write_key_file(&path, &[&key]).expect("write");
        assert!(!stolen.exists(), "the key was written through the link");
        assert_eq!(read_key_file(&path).expect("read")[0].id(), key.id());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp") && n != ".hub.key.tmp")
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}
