//! Operators signed in to the pages: a session opened with a hub key that may sign in, found
//! again from its cookie while the key stays enabled and was not regenerated since, and ended on
//! sign-out.

use secrecy::SecretString;

use super::hub::{Hub, HubError};
use crate::clock::now;
use crate::crypto::{random_hex, sha256_hex};
use crate::hubkey::{self, KeyState, Scope};
use crate::store::KeyRow;

/// A signed-in operator: the hub key they signed in with and their session's CSRF token.
#[derive(Debug, Clone)]
pub struct OperatorSession {
    pub key: KeyRow,
    pub csrf: String,
}

impl Hub {
    /// Whether a key may sign in to the pages.
    pub fn may_sign_in(key: &KeyRow) -> bool {
        key.scopes.contains(&Scope::KeysAdmin) || key.scopes.contains(&Scope::AccountsRead)
    }

    /// Opens a sign-in session for `key`, bound to the key value it was presented as; returns
    /// the cookie's token (shown once) and how many seconds it lives, or `None` when the key was
    /// disabled or regenerated meanwhile.
    pub async fn sign_in(&self, key: &KeyRow) -> Result<Option<(SecretString, i64)>, HubError> {
        let token = random_hex(32);
        let seconds = self.settings.session_hours as i64 * 3600;
        let opened = self
            .store
            .insert_web_session(
                &sha256_hex(&token),
                &key.id,
                &key.hash,
                &random_hex(32),
                now() + seconds,
            )
            .await?;
        Ok(opened.then(|| (token.into(), seconds)))
    }

    /// The operator a session cookie belongs to, while its key is enabled and still has the
    /// value the session was opened with.
    pub async fn operator(&self, token: &str) -> Option<OperatorSession> {
        let session = self
            .store
            .web_session(&sha256_hex(token))
            .await
            .ok()
            .flatten()?;
        match self.store.key(&session.key_id).await {
            // A regenerated key ends the sessions opened with its old value.
            Ok(Some(key))
                if key.state == KeyState::Enabled
                    && session
                        .key_hash
                        .as_deref()
                        .is_some_and(|hash| hubkey::hashes_match(&key.hash, hash)) =>
            {
                Some(OperatorSession {
                    key,
                    csrf: session.csrf,
                })
            }
            _ => None,
        }
    }

    /// Ends a sign-in session.
    pub async fn sign_out(&self, token: &str) -> Result<(), HubError> {
        Ok(self.store.delete_web_session(&sha256_hex(token)).await?)
    }
}
