//! Hub keys: creating them (the text shown once), authenticating a presented key, and their
//! lifecycle (disable, enable, revoke, regenerate), each change recorded in the audit log.

use super::hub::{clean_name, Hub, HubError};
use crate::clock::{new_id, now};
use crate::crypto::sha256_hex;
use crate::hubkey::{self, KeyState, NewKey, Scope};
use crate::store::KeyRow;

/// Why a hub key was not accepted; each gets its own 401 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    Missing,
    Malformed,
    Unknown,
    Disabled,
    Revoked,
    Regenerated,
}

impl AuthFailure {
    pub fn code(self) -> &'static str {
        match self {
            AuthFailure::Missing => "missing_key",
            AuthFailure::Malformed | AuthFailure::Unknown => "invalid_key",
            AuthFailure::Disabled => "key_disabled",
            AuthFailure::Revoked => "key_revoked",
            AuthFailure::Regenerated => "key_regenerated",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            AuthFailure::Missing => {
                "no hub key: send `Authorization: Bearer chub_…` with a key from the Keys page"
            }
            AuthFailure::Malformed => {
                "this is not a hub key (they start with `chub_` and end in a checksum): copy the \
                 whole key again"
            }
            AuthFailure::Unknown => "this hub key does not exist: check you copied the right one",
            AuthFailure::Disabled => {
                "this hub key is disabled: enable it on the Keys page, or use another key"
            }
            AuthFailure::Revoked => "this hub key was revoked: create a new key on the Keys page",
            AuthFailure::Regenerated => {
                "this hub key was regenerated and the old value no longer works: use the new value \
                 shown when it was regenerated"
            }
        }
    }
}

impl Hub {
    /// Creates a hub key; the returned [`NewKey`] holds the only copy of its text.
    pub async fn create_key(
        &self,
        name: &str,
        scopes: &[Scope],
    ) -> Result<(KeyRow, NewKey), HubError> {
        let name = clean_name("name", name, true)?;
        if scopes.is_empty() {
            return Err(HubError::Invalid {
                field: "scopes",
                message: format!(
                    "choose at least one scope: {}",
                    Scope::ALL.map(Scope::as_str).join(", ")
                ),
            });
        }
        let new = hubkey::generate();
        let mut scopes = scopes.to_vec();
        scopes.sort();
        scopes.dedup();
        let row = KeyRow {
            id: new_id("key"),
            name,
            scopes,
            hash: new.hash.clone(),
            tail: new.tail.clone(),
            state: KeyState::Enabled,
            created_at: now(),
            last_used_at: None,
            regenerated_at: None,
            revoked_at: None,
        };
        self.store.insert_key(&row).await?;
        Ok((row, new))
    }

    /// Creates a hub key and records it in the audit log.
    pub async fn issue_key(
        &self,
        name: &str,
        scopes: &[Scope],
        actor: &str,
    ) -> Result<(KeyRow, NewKey), HubError> {
        let (row, new) = self.create_key(name, scopes).await?;
        self.audit_key(actor, "key.created", &row).await?;
        Ok((row, new))
    }

    /// Finds the key a presented value belongs to, or says why it does not work. Records the use.
    pub async fn authenticate(
        &self,
        presented: &str,
    ) -> Result<Result<KeyRow, AuthFailure>, HubError> {
        let presented = presented.trim();
        if presented.is_empty() {
            return Ok(Err(AuthFailure::Missing));
        }
        if !hubkey::well_formed(presented) {
            return Ok(Err(AuthFailure::Malformed));
        }
        let hash = sha256_hex(presented);
        let Some(row) = self.store.key_by_hash(&hash).await? else {
            return Ok(Err(match self.store.retired_reason(&hash).await? {
                Some(_) => AuthFailure::Regenerated,
                None => AuthFailure::Unknown,
            }));
        };
        // The lookup was by hash; compare again in constant time before trusting the row.
        if !hubkey::hashes_match(&row.hash, &hash) {
            return Ok(Err(AuthFailure::Unknown));
        }
        match row.state {
            KeyState::Enabled => {}
            KeyState::Disabled => return Ok(Err(AuthFailure::Disabled)),
            KeyState::Revoked => return Ok(Err(AuthFailure::Revoked)),
        }
        // A write at most once a minute per key, so reads never wait on the database's writer.
        let at = now();
        if row.last_used_at.is_none_or(|last| at - last >= 60) {
            self.store.touch_key(&row.id, at).await?;
        }
        Ok(Ok(row))
    }

    /// How many hub keys exist (none before `init`).
    pub async fn count_keys(&self) -> Result<i64, HubError> {
        Ok(self.store.count_keys().await?)
    }

    /// Every hub key, oldest first.
    pub async fn list_keys(&self) -> Result<Vec<KeyRow>, HubError> {
        Ok(self.store.list_keys().await?)
    }

    /// One hub key.
    pub async fn key(&self, id: &str) -> Result<KeyRow, HubError> {
        self.store
            .key(id)
            .await?
            .ok_or_else(|| HubError::NotFound("no hub key has this id".to_owned()))
    }

    /// Revokes a key for good (again is harmless).
    pub async fn revoke_key(&self, id: &str, actor: &str) -> Result<KeyRow, HubError> {
        let row = self.key(id).await?;
        if row.state != KeyState::Revoked {
            self.store.set_key_state(id, KeyState::Revoked).await?;
            self.audit_key(actor, "key.revoked", &row).await?;
        }
        self.key(id).await
    }

    /// Sets a key's state; refuses to change a revoked key.
    pub async fn set_key_state(
        &self,
        id: &str,
        state: KeyState,
        actor: &str,
    ) -> Result<KeyRow, HubError> {
        let row = self.key(id).await?;
        if row.state == KeyState::Revoked {
            return Err(HubError::Conflict {
                code: "key_revoked",
                message: "this hub key is revoked and cannot be changed; create a new key"
                    .to_owned(),
            });
        }
        self.store.set_key_state(id, state).await?;
        let row = self.key(id).await?;
        self.audit_key(actor, &format!("key.{}", state.as_str()), &row)
            .await?;
        Ok(row)
    }

    /// Gives a key a new value; the old value is refused from now on.
    pub async fn regenerate_key(
        &self,
        id: &str,
        actor: &str,
    ) -> Result<(KeyRow, NewKey), HubError> {
        let new = hubkey::generate();
        if !self.store.regenerate_key(id, &new.hash, &new.tail).await? {
            self.key(id).await?;
            return Err(HubError::Conflict {
                code: "key_revoked",
                message: "this hub key is revoked and cannot be regenerated; create a new key"
                    .to_owned(),
            });
        }
        let row = self.key(id).await?;
        self.audit_key(actor, "key.regenerated", &row).await?;
        Ok((row, new))
    }

    /// Records a change to a hub key in the audit log.
    async fn audit_key(&self, actor: &str, action: &str, key: &KeyRow) -> Result<(), HubError> {
        Ok(self
            .store
            .audit_event(
                actor,
                action,
                &format!("hub key {} ({}, ••••{})", key.name, key.id, key.tail),
            )
            .await?)
    }
}
