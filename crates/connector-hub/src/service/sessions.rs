//! Connect sessions: a link for one owner, limited to some connectors and to a lifetime, whose
//! token is shown once (in the URL) and stored only as a hash. A session may name where the
//! browser returns when the person is done (`return_url`, on an origin `allowed_return_origins`
//! lists), the page that embeds or opened the connect page (`origin`, one of `frame_ancestors`),
//! to which its pages post their events, and an account whose credentials it replaces (a
//! re-link). It ends linked, cancelled or expired.

use secrecy::SecretString;
use serde_json::{json, Value};

use super::hub::{clean_name, Hub, HubError};
use crate::clock::{new_id, now};
use crate::crypto::{random_hex, sha256_hex};
use crate::origin::{origin_of, parse_origin, parse_web_url};
use crate::store::{AccountRow, SessionRow};

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
    /// The person pressed Cancel.
    Cancelled,
    /// The link ran as many provider checks as one link may.
    TooManyChecks,
}

impl SessionProblem {
    pub fn title(self) -> &'static str {
        match self {
            SessionProblem::Unknown => "This connect link is not valid",
            SessionProblem::Expired => "This connect link has expired",
            SessionProblem::Used => "This connect link was already used",
            SessionProblem::Cancelled => "This connect link was cancelled",
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
            SessionProblem::Cancelled => {
                "Connecting was cancelled with this link, and nothing was stored. Go back to the \
                 application that sent you here to start again."
            }
            SessionProblem::TooManyChecks => {
                "Each link may check a limited number of keys with the provider, and this one \
                 has reached it. Make sure you have the right key, then go back to the \
                 application that sent you here for a new link."
            }
        }
    }

    /// The `code` of the `connector-hub:error` event a page saying so posts.
    pub fn code(self) -> &'static str {
        match self {
            SessionProblem::Unknown => "unknown",
            SessionProblem::Expired => "expired",
            SessionProblem::Used => "used",
            SessionProblem::Cancelled => "cancelled",
            SessionProblem::TooManyChecks => "too_many_checks",
        }
    }
}

/// A connect link that cannot be used: why, and its session when the token names one (an
/// unknown token names none, so its page posts no event).
#[derive(Debug)]
pub struct Gone {
    pub problem: SessionProblem,
    pub session: Option<SessionRow>,
}

/// Where a connect session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    /// Not used, cancelled or expired: the link still works.
    Pending,
    /// An account was linked (or re-linked) through it.
    Linked,
    /// The person pressed Cancel.
    Cancelled,
    /// Its lifetime passed before it was used.
    Expired,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Pending => "pending",
            SessionStatus::Linked => "linked",
            SessionStatus::Cancelled => "cancelled",
            SessionStatus::Expired => "expired",
        }
    }

    /// A session's status at `at`.
    pub fn of(session: &SessionRow, at: i64) -> Self {
        if session.used_at.is_some() {
            SessionStatus::Linked
        } else if session.cancelled_at.is_some() {
            SessionStatus::Cancelled
        } else if session.expires_at <= at {
            SessionStatus::Expired
        } else {
            SessionStatus::Pending
        }
    }
}

/// What a connect session is opened with.
#[derive(Debug, Clone, Default)]
pub struct SessionRequest {
    pub owner: String,
    /// Connector ids offered; every connector when empty.
    pub connectors: Vec<String>,
    /// Seconds; [`DEFAULT_SESSION_SECONDS`] when absent.
    pub expires_in: Option<i64>,
    /// Where the browser goes back to when the person is done.
    pub return_url: Option<String>,
    /// The origin of the page that embeds or opens the connect page.
    pub origin: Option<String>,
    /// An account whose credentials the link replaces (a re-link).
    pub account_id: Option<String>,
}

/// A new connect session and its token (shown once, in the URL).
#[derive(Debug)]
pub struct NewSession {
    pub session: SessionRow,
    pub token: SecretString,
}

/// An event a connect page posts to the page that embeds or opened it. None carries a token, a
/// key, a masked key or a secret.
#[derive(Debug, Clone, Copy)]
pub enum ConnectEvent<'a> {
    /// A connect page loaded.
    Ready,
    /// The account was linked (or re-linked).
    Linked {
        session: &'a SessionRow,
        account: &'a AccountRow,
    },
    /// The person pressed Cancel.
    Closed { session: &'a SessionRow },
    /// The link cannot be used (expired, used, cancelled, tried too often).
    Error {
        session: &'a SessionRow,
        problem: SessionProblem,
    },
}

impl ConnectEvent<'_> {
    /// The event as the message posted.
    pub fn to_json(self) -> Value {
        match self {
            ConnectEvent::Ready => json!({"type": "connector-hub:ready"}),
            ConnectEvent::Linked { session, account } => json!({
                "type": "connector-hub:linked",
                "session_id": session.id,
                "account_id": account.id,
                "connector": account.connector,
                "owner": account.owner,
            }),
            ConnectEvent::Closed { session } => {
                json!({"type": "connector-hub:closed", "session_id": session.id})
            }
            ConnectEvent::Error { session, problem } => json!({
                "type": "connector-hub:error",
                "session_id": session.id,
                "code": problem.code(),
            }),
        }
    }
}

/// Who linked an account through a session, for the audit log: the session and the hub key that
/// opened it.
pub(crate) fn session_actor(session: &SessionRow) -> String {
    format!(
        "connect session {} opened by {}",
        session.id, session.created_by
    )
}

fn invalid_return_url(message: String) -> HubError {
    HubError::Refused {
        status: 400,
        code: "invalid_return_url",
        message,
    }
}

fn invalid_origin(message: String) -> HubError {
    HubError::Refused {
        status: 400,
        code: "invalid_origin",
        message,
    }
}

impl Hub {
    /// Opens a connect session for `owner`, offering `connectors` (every one when empty).
    pub async fn create_session(
        &self,
        owner: &str,
        connectors: &[String],
        expires_in: Option<i64>,
        created_by: &str,
    ) -> Result<NewSession, HubError> {
        let request = SessionRequest {
            owner: owner.to_owned(),
            connectors: connectors.to_vec(),
            expires_in,
            ..SessionRequest::default()
        };
        self.create_session_with(&request, created_by).await
    }

    /// Opens a connect session. A `return_url` must be on an origin `allowed_return_origins`
    /// lists and an `origin` one of `frame_ancestors` (400 otherwise); a re-link's account must
    /// exist (404) and be filed under the same owner (409).
    pub async fn create_session_with(
        &self,
        request: &SessionRequest,
        created_by: &str,
    ) -> Result<NewSession, HubError> {
        let owner = clean_name("owner", &request.owner, true)?;
        let mut ids = Vec::new();
        for id in &request.connectors {
            let c = self.connector(id)?;
            if !ids.contains(&c.spec().id.to_owned()) {
                ids.push(c.spec().id.to_owned());
            }
        }
        let seconds = request.expires_in.unwrap_or(DEFAULT_SESSION_SECONDS);
        if !(60..=MAX_SESSION_SECONDS).contains(&seconds) {
            return Err(HubError::Invalid {
                field: "expires_in",
                message: format!(
                    "`expires_in` must be between 60 and {MAX_SESSION_SECONDS} seconds"
                ),
            });
        }
        let return_url = match request.return_url.as_deref() {
            Some(text) => Some(self.checked_return_url(text)?),
            None => None,
        };
        let origin = match request.origin.as_deref() {
            Some(text) => Some(self.checked_origin(text)?),
            None => None,
        };
        if let Some(account_id) = request.account_id.as_deref() {
            let account = self.account(account_id).await?;
            if account.owner != owner {
                return Err(HubError::Conflict {
                    code: "owner_mismatch",
                    message: "this account is filed under another owner; a re-link's `owner` must \
                              be the account's own (GET /api/v1/accounts/{id} shows it)"
                        .to_owned(),
                });
            }
            if !ids.is_empty() && !ids.contains(&account.connector) {
                return Err(HubError::Invalid {
                    field: "connectors",
                    message: "a re-link offers only the account's own connector; leave \
                              `connectors` out or name that one"
                        .to_owned(),
                });
            }
            ids = vec![account.connector];
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
            created_by: created_by.to_owned(),
            return_url,
            origin,
            relink_account_id: request.account_id.clone(),
            cancelled_at: None,
        };
        self.store
            .insert_session(&session, &sha256_hex(&token))
            .await?;
        Ok(NewSession {
            session,
            token: token.into(),
        })
    }

    /// Opens a re-link for an account: a session for its owner whose form replaces its
    /// credentials. Returns the account with the session.
    pub async fn relink_session(
        &self,
        account_id: &str,
        expires_in: Option<i64>,
        created_by: &str,
    ) -> Result<(AccountRow, NewSession), HubError> {
        let account = self.account(account_id).await?;
        let request = SessionRequest {
            owner: account.owner.clone(),
            expires_in,
            account_id: Some(account.id.clone()),
            ..SessionRequest::default()
        };
        let new = self.create_session_with(&request, created_by).await?;
        Ok((account, new))
    }

    /// A `return_url` as stored: an http(s) URL on an allowed origin.
    fn checked_return_url(&self, text: &str) -> Result<String, HubError> {
        let setting = "the hub's `allowed_return_origins` setting";
        let url = parse_web_url(text).map_err(|e| {
            invalid_return_url(format!("`return_url` {e}, on an origin {setting} lists"))
        })?;
        let origin = origin_of(&url);
        if !self.return_origins.contains(&origin) {
            return Err(invalid_return_url(if self.return_origins.is_empty() {
                format!(
                    "`return_url` is refused: {setting} lists no origin, so the hub sends no \
                     browser anywhere; add {origin} to it"
                )
            } else {
                format!("`return_url` is on {origin}, which {setting} does not list; add it there")
            }));
        }
        Ok(url.to_string())
    }

    /// An `origin` as stored: one of `frame_ancestors`, serialized as browsers do.
    fn checked_origin(&self, text: &str) -> Result<String, HubError> {
        let setting = "the hub's `frame_ancestors` setting";
        let origin = parse_origin(text)
            .map_err(|e| invalid_origin(format!("`origin` {e}, and one {setting} lists")))?;
        if !self.frame_origins.contains(&origin) {
            return Err(invalid_origin(format!(
                "`origin` {origin} is not listed in {setting}, which says which pages may embed \
                 the connect page and receive its events; add it there"
            )));
        }
        Ok(origin)
    }

    /// One connect session by id.
    pub async fn session(&self, id: &str) -> Result<SessionRow, HubError> {
        self.store
            .session(id)
            .await?
            .ok_or_else(|| HubError::NotFound("no connect session has this id".to_owned()))
    }

    /// The session a connect token opens, if it can still be used.
    pub async fn open_session(&self, token: &str) -> Result<Result<SessionRow, Gone>, HubError> {
        if !token.starts_with("cs_") || token.len() > 64 {
            return Ok(Err(Gone {
                problem: SessionProblem::Unknown,
                session: None,
            }));
        }
        let Some(session) = self.store.session_by_token_hash(&sha256_hex(token)).await? else {
            return Ok(Err(Gone {
                problem: SessionProblem::Unknown,
                session: None,
            }));
        };
        let problem = match SessionStatus::of(&session, now()) {
            SessionStatus::Linked => Some(SessionProblem::Used),
            SessionStatus::Cancelled => Some(SessionProblem::Cancelled),
            SessionStatus::Expired => Some(SessionProblem::Expired),
            SessionStatus::Pending
                if session.checks >= i64::from(self.settings.checks_per_connect_session) =>
            {
                Some(SessionProblem::TooManyChecks)
            }
            SessionStatus::Pending => None,
        };
        Ok(match problem {
            Some(problem) => Err(Gone {
                problem,
                session: Some(session),
            }),
            None => Ok(session),
        })
    }

    /// Cancels the session a connect token opens (again is harmless); a used or expired one
    /// cannot be.
    pub async fn cancel_session(&self, token: &str) -> Result<Result<SessionRow, Gone>, HubError> {
        let session = match self.open_session(token).await? {
            Ok(session) => session,
            Err(Gone {
                problem: SessionProblem::Cancelled | SessionProblem::TooManyChecks,
                session: Some(session),
            }) => session,
            Err(gone) => return Ok(Err(gone)),
        };
        if session.cancelled_at.is_some() {
            return Ok(Ok(session));
        }
        let at = now();
        if self.store.cancel_session(&session.id, at).await? {
            return Ok(Ok(SessionRow {
                cancelled_at: Some(at),
                ..session
            }));
        }
        // Used or expired meanwhile.
        let session = self.session(&session.id).await?;
        let problem = match SessionStatus::of(&session, at) {
            SessionStatus::Linked => SessionProblem::Used,
            SessionStatus::Cancelled => return Ok(Ok(session)),
            _ => SessionProblem::Expired,
        };
        Ok(Err(Gone {
            problem,
            session: Some(session),
        }))
    }

    /// The account a re-link session replaces the credentials of, if it is one.
    pub async fn relink_target(
        &self,
        session: &SessionRow,
    ) -> Result<Option<AccountRow>, HubError> {
        match session.relink_account_id.as_deref() {
            Some(id) => Ok(Some(self.account(id).await?)),
            None => Ok(None),
        }
    }

    /// Where a session's pages post their events: its `origin`, else its `return_url`'s origin,
    /// each only while the settings still list it; `None` (post nothing) otherwise.
    pub fn event_origin(&self, session: &SessionRow) -> Option<String> {
        if let Some(origin) = &session.origin {
            return self.frame_origins.contains(origin).then(|| origin.clone());
        }
        let url = parse_web_url(session.return_url.as_deref()?).ok()?;
        let origin = origin_of(&url);
        self.return_origins.contains(&origin).then_some(origin)
    }

    /// The session's `return_url` with `params` added to its query (a parameter of the same name
    /// it already had is replaced), while its origin is still allowed; `None` without one.
    pub fn return_to(&self, session: &SessionRow, params: &[(&str, &str)]) -> Option<String> {
        let mut url = parse_web_url(session.return_url.as_deref()?).ok()?;
        if !self.return_origins.contains(&origin_of(&url)) {
            return None;
        }
        let collides = url
            .query_pairs()
            .any(|(name, _)| params.iter().any(|(p, _)| *p == name));
        if collides {
            let kept: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(name, _)| !params.iter().any(|(p, _)| *p == name))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            url.set_query(None);
            url.query_pairs_mut().extend_pairs(kept);
        }
        url.query_pairs_mut().extend_pairs(params);
        Some(url.into())
    }
}
