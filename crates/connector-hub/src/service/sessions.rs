//! Connect sessions: a link for one owner, limited to some connectors and to a lifetime, whose
//! token is shown once (in the URL) and stored only as a hash.

use secrecy::SecretString;

use super::hub::{clean_name, connector, Hub, HubError};
use crate::clock::{new_id, now};
use crate::crypto::{random_hex, sha256_hex};
use crate::store::SessionRow;

/// Longest a connect session may live.
pub const MAX_SESSION_SECONDS: i64 = 7 * 24 * 3600;
/// How long a connect session lives when the request does not say.
pub const DEFAULT_SESSION_SECONDS: i64 = 1800;

/// Why a connect link cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionProblem {
    Unknown,
    Expired,
    Used,
    /// The link ran as many provider checks as one link may.
    TooManyChecks,
}

impl SessionProblem {
    pub fn title(self) -> &'static str {
        match self {
            SessionProblem::Unknown => "This connect link is not valid",
            SessionProblem::Expired => "This connect link has expired",
            SessionProblem::Used => "This connect link was already used",
            SessionProblem::TooManyChecks => "This connect link has been tried too many times",
        }
    }

    pub fn advice(self) -> &'static str {
        match self {
            SessionProblem::Unknown => {
                "Check that the whole link was copied, or ask the application that sent you here \
                 for a new one."
            }
            SessionProblem::Expired => {
                "Links to connect an account work for a limited time. Go back to the application \
                 that sent you here and start again to get a new link."
            }
            SessionProblem::Used => {
                "An account was already connected with this link; each link connects one account. \
                 Go back to the application that sent you here to connect another."
            }
            SessionProblem::TooManyChecks => {
                "Each link may check a limited number of keys with the provider, and this one \
                 has reached it. Make sure you have the right key, then go back to the \
                 application that sent you here for a new link."
            }
        }
    }
}

/// A new connect session and its token (shown once, in the URL).
#[derive(Debug)]
pub struct NewSession {
    pub session: SessionRow,
    pub token: SecretString,
}

impl Hub {
    pub async fn create_session(
        &self,
        owner: &str,
        connectors: &[String],
        expires_in: Option<i64>,
        created_by: &str,
    ) -> Result<NewSession, HubError> {
        let owner = clean_name("owner", owner, true)?;
        let mut ids = Vec::new();
        for id in connectors {
            let c = connector(id)?;
            if !ids.contains(&c.spec().id.to_owned()) {
                ids.push(c.spec().id.to_owned());
            }
        }
        let seconds = expires_in.unwrap_or(DEFAULT_SESSION_SECONDS);
        if !(60..=MAX_SESSION_SECONDS).contains(&seconds) {
            return Err(HubError::Invalid {
                field: "expires_in",
                message: format!(
                    "`expires_in` must be between 60 and {MAX_SESSION_SECONDS} seconds"
                ),
            });
        }
        let token = format!("cs_{}", random_hex(24));
        let created_at = now();
        let session = SessionRow {
            id: new_id("ses"),
            owner,
            connectors: ids,
            created_at,
            expires_at: created_at + seconds,
            used_at: None,
            account_id: None,
            checks: 0,
        };
        self.store
            .insert_session(&session, &sha256_hex(&token), created_by)
            .await?;
        Ok(NewSession {
            session,
            token: token.into(),
        })
    }

    /// The session a connect token opens, if it can still be used.
    pub async fn open_session(
        &self,
        token: &str,
    ) -> Result<Result<SessionRow, SessionProblem>, HubError> {
        if !token.starts_with("cs_") || token.len() > 64 {
            return Ok(Err(SessionProblem::Unknown));
        }
        let Some(session) = self.store.session_by_token_hash(&sha256_hex(token)).await? else {
            return Ok(Err(SessionProblem::Unknown));
        };
        Ok(if session.used_at.is_some() {
            Err(SessionProblem::Used)
        } else if session.expires_at <= now() {
            Err(SessionProblem::Expired)
        } else if session.checks >= i64::from(self.settings.checks_per_connect_session) {
            Err(SessionProblem::TooManyChecks)
        } else {
            Ok(session)
        })
    }
}
