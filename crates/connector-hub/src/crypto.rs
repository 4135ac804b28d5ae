//! Encryption at rest: master keys and AES-256-GCM sealing of linked credentials, with the
//! random, hex and hash helpers the hub's tokens use. `keyring.rs` holds the keys in use.
//!
//! Each ciphertext is stored beside the id of the key that sealed it, with a random nonce per
//! write and the account id as associated data, so a ciphertext moved to another row won't open.

use std::path::PathBuf;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Environment variable holding the master key (base64 of 32 bytes) instead of a file.
pub const MASTER_KEY_ENV: &str = "CONNECTOR_HUB_MASTER_KEY";

/// Why the master key could not be had or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    #[error(
        "no master key: run `connector-hub init` to create one, pass --master-key-file FILE, or \
         set {MASTER_KEY_ENV} to the base64 of 32 random bytes"
    )]
    Missing,
    #[error("the master key in {place} is not valid: {why}")]
    Invalid { place: String, why: String },
    #[error("cannot read the master key file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the master key file {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "a stored credential was sealed with master key {0}, which the keyring no longer holds: \
         restore the key file that has it"
    )]
    UnknownKey(String),
    #[error("a stored credential does not open with its key: the row was altered or moved")]
    Tampered,
}

/// One master key: 32 bytes, zeroized on drop, known by a short id derived from it.
pub struct MasterKey {
    bytes: Zeroizing<[u8; 32]>,
    id: String,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl MasterKey {
    /// A new random key.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        fill_random(bytes.as_mut());
        Self::from_bytes(bytes)
    }

    pub(crate) fn from_bytes(bytes: Zeroizing<[u8; 32]>) -> Self {
        let digest = Sha256::digest(b"connector-hub key id").to_vec();
        let mut hasher = Sha256::new();
        hasher.update(&digest);
        hasher.update(bytes.as_ref());
        let id = hex(&hasher.finalize()[..6]);
        Self { bytes, id }
    }

    /// Reads the base64 text of a key; `place` says where it came from, for the error.
    pub fn from_base64(text: &str, place: &str) -> Result<Self, KeyError> {
        let invalid = |why: &str| KeyError::Invalid {
            place: place.to_owned(),
            why: why.to_owned(),
        };
        let decoded = Zeroizing::new(
            STANDARD
                .decode(text.trim())
                .map_err(|_| invalid("expected base64 of 32 bytes"))?,
        );
        let bytes: [u8; 32] = decoded
            .as_slice()
            .try_into()
            .map_err(|_| invalid("expected 32 bytes once decoded"))?;
        Ok(Self::from_bytes(Zeroizing::new(bytes)))
    }

    /// A second handle on the same key.
    pub fn duplicate(&self) -> MasterKey {
        MasterKey::from_bytes(self.bytes.clone())
    }

    /// The key as base64, for writing the key file.
    pub(crate) fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.bytes.as_ref()))
    }

    /// The key's id, stored beside each ciphertext it seals.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// A key derived from this one for another purpose (e.g. signing CSRF tokens).
    pub fn derive(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        let mut hasher = Sha256::new();
        hasher.update(b"connector-hub derive\0");
        hasher.update(purpose.as_bytes());
        hasher.update([0]);
        hasher.update(self.bytes.as_ref());
        Zeroizing::new(hasher.finalize().into())
    }
}

/// The prefix of a data key's id, which tells its rows from rows sealed directly under a master
/// key (before data keys).
pub const DATA_KEY_PREFIX: &str = "dk_";

/// A data key: what rows are sealed under. It is stored in the database wrapped (sealed) by a
/// master key, so every process holding that master key can use it, and rotating it is a change
/// of rows every process sees.
pub struct DataKey {
    id: String,
    bytes: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl DataKey {
    /// A new random data key with this id.
    pub fn generate(id: String) -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        fill_random(bytes.as_mut());
        Self { id, bytes }
    }

    /// The data key a master key unwrapped: its 32 bytes.
    pub fn from_plain(id: &str, plain: &[u8]) -> Result<Self, KeyError> {
        let bytes: [u8; 32] = plain.try_into().map_err(|_| KeyError::Tampered)?;
        Ok(Self {
            id: id.to_owned(),
            bytes: Zeroizing::new(bytes),
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key's bytes, to be wrapped by a master key.
    pub fn plain(&self) -> &[u8] {
        self.bytes.as_ref()
    }

    /// Seals `plaintext` bound to `associated` (the row id).
    pub fn seal(&self, plaintext: &[u8], associated: &str) -> Sealed {
        seal_bytes(&self.bytes, &self.id, plaintext, associated)
    }

    /// Opens what this key sealed.
    pub fn open(&self, sealed: &Sealed, associated: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        open_bytes(&self.bytes, sealed, associated)
    }
}

/// A sealed value as stored: which key, the nonce and the ciphertext, both base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub nonce: String,
    pub ciphertext: String,
}

pub(crate) fn seal_with(key: &MasterKey, plaintext: &[u8], associated: &str) -> Sealed {
    seal_bytes(&key.bytes, &key.id, plaintext, associated)
}

fn seal_bytes(bytes: &[u8; 32], key_id: &str, plaintext: &[u8], associated: &str) -> Sealed {
    let cipher = Aes256Gcm::new_from_slice(bytes).expect("32-byte key");
    let mut nonce = [0u8; 12];
    fill_random(&mut nonce);
    let ciphertext = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: associated.as_bytes(),
            },
        )
        .expect("AES-GCM encryption of an in-memory buffer cannot fail");
    Sealed {
        key_id: key_id.to_owned(),
        nonce: STANDARD.encode(nonce),
        ciphertext: STANDARD.encode(ciphertext),
    }
}

pub(crate) fn open_with(
    key: &MasterKey,
    sealed: &Sealed,
    associated: &str,
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    open_bytes(&key.bytes, sealed, associated)
}

fn open_bytes(
    bytes: &[u8; 32],
    sealed: &Sealed,
    associated: &str,
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let cipher = Aes256Gcm::new_from_slice(bytes).map_err(|_| KeyError::Tampered)?;
    let nonce = STANDARD
        .decode(&sealed.nonce)
        .ok()
        .filter(|n| n.len() == 12)
        .ok_or(KeyError::Tampered)?;
    let ciphertext = STANDARD
        .decode(&sealed.ciphertext)
        .map_err(|_| KeyError::Tampered)?;
    cipher
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &ciphertext,
                aad: associated.as_bytes(),
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| KeyError::Tampered)
}

/// Fills `buf` from the operating system's random source.
pub fn fill_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random source is available");
}

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    fill_random(&mut buf);
    hex(&buf)
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// SHA-256 of `text`, as hex: how hub keys and session tokens are stored.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_key_material() {
        let key = MasterKey::generate();
        let shown = format!("{key:?}");
        assert!(!shown.contains(key.to_base64().as_str()));
        assert!(shown.contains(key.id()));
    }

    #[test]
    fn malformed_keys_are_refused_with_the_place_named() {
        let err = MasterKey::from_base64("c2hvcnQ=", "the test").expect_err("short");
        assert!(err.to_string().contains("the test"), "{err}");
        assert!(err.to_string().contains("32 bytes"), "{err}");
    }
}
