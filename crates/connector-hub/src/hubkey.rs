//! The hub's own API keys: their format, scopes and states.
//!
//! A key reads `chub_` + 32 random base62 characters + a 6-character base62 CRC-32 of them, so a
//! secret scanner can recognise one by its prefix and tell a real one from a typo by its checksum
//! without asking the hub. Only the SHA-256 of a key is stored; it is shown once, at creation or
//! regeneration, and afterwards as its last four characters.

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::crypto::{fill_random, sha256_hex};

/// Every hub key starts with this.
pub const PREFIX: &str = "chub_";
const BODY_LEN: usize = 32;
const CHECKSUM_LEN: usize = 6;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// What a hub key may do.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum Scope {
    #[serde(rename = "accounts:read")]
    AccountsRead,
    #[serde(rename = "accounts:write")]
    AccountsWrite,
    #[serde(rename = "connect_sessions:write")]
    ConnectSessionsWrite,
    #[serde(rename = "keys:admin")]
    KeysAdmin,
    /// Read an account's stored credentials in clear. Never implied by another scope, granted
    /// only when named.
    #[serde(rename = "credentials:read")]
    CredentialsRead,
    /// Call the provider through the hub's proxy with an account's credentials.
    #[serde(rename = "proxy")]
    Proxy,
    /// Run a connector's actions with an account's credentials.
    #[serde(rename = "actions:execute")]
    ActionsExecute,
    /// Download connector definitions (any connector's, compiled or custom).
    #[serde(rename = "connectors:read")]
    ConnectorsRead,
    /// Add, replace and remove custom connectors.
    #[serde(rename = "connectors:write")]
    ConnectorsWrite,
}

impl Scope {
    pub const ALL: [Scope; 9] = [
        Scope::AccountsRead,
        Scope::AccountsWrite,
        Scope::ConnectSessionsWrite,
        Scope::KeysAdmin,
        Scope::CredentialsRead,
        Scope::Proxy,
        Scope::ActionsExecute,
        Scope::ConnectorsRead,
        Scope::ConnectorsWrite,
    ];

    /// What the first admin key (`init`) and `admin-key create` hold: every scope but
    /// `credentials:read`, which is granted only when named.
    pub const ADMIN: [Scope; 8] = [
        Scope::AccountsRead,
        Scope::AccountsWrite,
        Scope::ConnectSessionsWrite,
        Scope::KeysAdmin,
        Scope::Proxy,
        Scope::ActionsExecute,
        Scope::ConnectorsRead,
        Scope::ConnectorsWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::AccountsRead => "accounts:read",
            Scope::AccountsWrite => "accounts:write",
            Scope::ConnectSessionsWrite => "connect_sessions:write",
            Scope::KeysAdmin => "keys:admin",
            Scope::CredentialsRead => "credentials:read",
            Scope::Proxy => "proxy",
            Scope::ActionsExecute => "actions:execute",
            Scope::ConnectorsRead => "connectors:read",
            Scope::ConnectorsWrite => "connectors:write",
        }
    }

    /// What the scope allows, for the keys page.
    pub fn describe(self) -> &'static str {
        match self {
            Scope::AccountsRead => "List and read linked accounts; sign in to the Accounts page.",
            Scope::AccountsWrite => "Re-verify, edit and unlink accounts.",
            Scope::ConnectSessionsWrite => "Create connect sessions for your customers.",
            Scope::KeysAdmin => "Create and manage hub keys; sign in to every page.",
            Scope::CredentialsRead => {
                "Read linked accounts' stored credentials in clear, for direct provider access. \
                 Off unless chosen; prefer the proxy."
            }
            Scope::Proxy => "Call providers through the hub's proxy with a linked account's key.",
            Scope::ActionsExecute => "Run connector actions with a linked account's key.",
            Scope::ConnectorsRead => "Download connector definitions.",
            Scope::ConnectorsWrite => "Add, replace and remove custom connectors.",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Parses a space-separated list as stored.
    pub fn parse_list(text: &str) -> Vec<Scope> {
        let mut scopes: Vec<Scope> = text.split_whitespace().filter_map(Scope::parse).collect();
        scopes.sort();
        scopes.dedup();
        scopes
    }

    /// A space-separated list, as stored.
    pub fn join(scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Whether a key works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KeyState {
    Enabled,
    Disabled,
    Revoked,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Enabled => "enabled",
            KeyState::Disabled => "disabled",
            KeyState::Revoked => "revoked",
        }
    }

    pub fn parse(text: &str) -> KeyState {
        match text {
            "enabled" => KeyState::Enabled,
            "disabled" => KeyState::Disabled,
            _ => KeyState::Revoked,
        }
    }
}

/// A freshly made key: the full text (shown once) and what is stored of it.
pub struct NewKey {
    pub text: secrecy::SecretString,
    pub hash: String,
    pub tail: String,
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKey")
            .field("tail", &self.tail)
            .finish_non_exhaustive()
    }
}

/// Makes a new random key.
pub fn generate() -> NewKey {
    let mut random = [0u8; BODY_LEN];
    fill_random(&mut random);
    // 62 * 4 = 248: bytes at or above it are re-drawn so every character is equally likely.
    let mut body = String::with_capacity(BODY_LEN);
    let mut i = 0;
    while body.len() < BODY_LEN {
        if i == random.len() {
            fill_random(&mut random);
            i = 0;
        }
        let b = random[i];
        i += 1;
        if b < 248 {
            body.push(BASE62[usize::from(b % 62)] as char);
        }
    }
    let text = format!("{PREFIX}{body}{}", checksum(&body));
    let hash = sha256_hex(&text);
    let tail = tail(&text);
    NewKey {
        text: text.into(),
        hash,
        tail,
    }
}

fn checksum(body: &str) -> String {
    let mut n = crc32(body.as_bytes());
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Whether `text` has the shape and checksum of a hub key (says nothing of whether it exists).
pub fn well_formed(text: &str) -> bool {
    let Some(rest) = text.strip_prefix(PREFIX) else {
        return false;
    };
    if rest.len() != BODY_LEN + CHECKSUM_LEN || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let (body, sum) = rest.split_at(BODY_LEN);
    checksum(body).as_bytes().ct_eq(sum.as_bytes()).into()
}

/// The last four characters, shown as `••••abcd`.
pub fn tail(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// Compares two stored hashes in constant time.
pub fn hashes_match(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn new_keys_are_well_formed_and_distinct() {
        let (a, b) = (generate(), generate());
        let (a_text, b_text) = (a.text.expose_secret(), b.text.expose_secret());
        assert!(a_text.starts_with(PREFIX));
        assert_eq!(a_text.len(), PREFIX.len() + BODY_LEN + CHECKSUM_LEN);
        assert!(well_formed(a_text) && well_formed(b_text));
        assert_ne!(a_text, b_text);
        assert_eq!(a.hash, sha256_hex(a_text));
        assert_eq!(a.tail, &a_text[a_text.len() - 4..]);
    }

    #[test]
    fn a_changed_character_fails_the_checksum() {
        let key = generate();
        let text = key.text.expose_secret().to_owned();
        let mut bytes = text.into_bytes();
        let i = PREFIX.len() + 3;
        bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
        assert!(!well_formed(&String::from_utf8(bytes).expect("ascii")));
        assert!(!well_formed("chub_short"));
        assert!(!well_formed("ghp_0123456789abcdefghijklmnopqrstuvwxyz"));
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn debug_shows_only_the_tail() {
        let key = generate();
        let shown = format!("{key:?}");
        assert!(!shown.contains(&key.text.expose_secret()[..12]));
        assert!(shown.contains(&key.tail));
    }

    #[test]
    fn scopes_round_trip_through_their_stored_form() {
        let scopes = Scope::parse_list("keys:admin accounts:read bogus accounts:read");
        assert_eq!(scopes, vec![Scope::AccountsRead, Scope::KeysAdmin]);
        assert_eq!(Scope::join(&scopes), "accounts:read keys:admin");
    }
}
