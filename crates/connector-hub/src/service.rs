//! What the hub does, whichever door it is asked through (API or pages): authenticate hub keys,
//! open connect sessions, check and link accounts, re-verify, edit and unlink them.

use std::collections::BTreeMap;
use std::sync::Arc;

use connector_core::{
    CheckOptions, CheckReport, Connector, CredentialVariant, Format, HttpClient, RawCredentials,
    Status,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::crypto::{sha256_hex, KeyError, Keyring};
use crate::events::StatusChange;
use crate::hubkey::{self, KeyState, NewKey, Scope};
use crate::limiter::FailureLimiter;
use crate::settings::Settings;
use crate::store::{new_id, now, AccountRow, KeyRow, SessionRow, Store, StoreError, Verification};

/// Longest owner, label or key name accepted.
pub const MAX_NAME: usize = 200;
/// Longest a connect session may live.
pub const MAX_SESSION_SECONDS: i64 = 7 * 24 * 3600;
/// How long a connect session lives when the request does not say.
pub const DEFAULT_SESSION_SECONDS: i64 = 1800;

/// The running hub: its database, keys, settings and HTTP client.
#[derive(Debug)]
pub struct Hub {
    pub store: Store,
    pub keyring: Arc<Keyring>,
    pub settings: Settings,
    pub http: HttpClient,
    pub limiter: FailureLimiter,
    /// This process's name on the leases it takes.
    pub instance: String,
    /// Spacing of scheduled checks per connector.
    pub rates: std::collections::HashMap<&'static str, connector_core::rate::RateLimit>,
    /// Scheduled checks in progress per provider or customer host: one until the host has
    /// answered, then its share of the pass's concurrency.
    pub hosts: connector_core::http::HostSlots,
}

/// Anything that stops a hub operation, mapped to one HTTP answer by the API and pages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HubError {
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Key(#[from] KeyError),
}

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

/// Why a connect link cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionProblem {
    Unknown,
    Expired,
    Used,
}

impl SessionProblem {
    pub fn title(self) -> &'static str {
        match self {
            SessionProblem::Unknown => "This connect link is not valid",
            SessionProblem::Expired => "This connect link has expired",
            SessionProblem::Used => "This connect link was already used",
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
        }
    }
}

/// A new connect session and its token (shown once, in the URL).
#[derive(Debug)]
pub struct NewSession {
    pub session: SessionRow,
    pub token: SecretString,
}

/// How a connect attempt ended.
#[derive(Debug)]
pub enum LinkResult {
    Linked(Box<AccountRow>, CheckReport),
    Refused(CheckReport),
    SessionGone(SessionProblem),
}

/// Checks a name-like value: required, bounded, no control characters.
pub fn clean_name(field: &'static str, value: &str, required: bool) -> Result<String, HubError> {
    let value = value.trim();
    if value.is_empty() && required {
        return Err(HubError::Invalid {
            field,
            message: format!("`{field}` is required"),
        });
    }
    if value.len() > MAX_NAME {
        return Err(HubError::Invalid {
            field,
            message: format!("`{field}` is longer than {MAX_NAME} bytes: shorten it"),
        });
    }
    if value.chars().any(char::is_control) {
        return Err(HubError::Invalid {
            field,
            message: format!("`{field}` contains control characters: remove them"),
        });
    }
    Ok(value.to_owned())
}

/// The connector with this id, or an error naming the closest one.
pub fn connector(id: &str) -> Result<&'static dyn Connector, HubError> {
    connector_registry::lookup(id).map_err(|e| HubError::Invalid {
        field: "connector",
        message: unknown_connector(&e),
    })
}

/// Says a connector id is unknown, with the closest one and where the list is; never quotes the
/// id asked for (it may be a key pasted in the wrong place).
pub fn unknown_connector(e: &connector_registry::UnknownConnector) -> String {
    format!(
        "no connector has this id; {}GET /api/v1/connectors lists them all",
        e.hint()
    )
}

/// The variant named, or the connector's default.
pub fn variant(
    connector: &dyn Connector,
    name: Option<&str>,
) -> Result<&'static CredentialVariant, HubError> {
    let spec = connector.spec();
    match name.filter(|n| !n.is_empty()) {
        None => Ok(spec.default_variant()),
        Some(name) => spec
            .variants
            .iter()
            .find(|v| v.name == name || v.aliases.contains(&name))
            .ok_or_else(|| HubError::Invalid {
                field: "variant",
                message: format!(
                    "{} has no credential variant by that name; use one of: {}",
                    spec.name,
                    spec.variants
                        .iter()
                        .map(|v| v.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
    }
}

/// The text shown in place of a stored secret on edit forms and in the API.
pub fn masked(value: &str) -> String {
    connector_core::mask(value)
}

impl Hub {
    // --- hub keys --------------------------------------------------------------------------

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

    // --- connect sessions ------------------------------------------------------------------

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
        let token = format!("cs_{}", crate::crypto::random_hex(24));
        let created_at = now();
        let session = SessionRow {
            id: new_id("ses"),
            owner,
            connectors: ids,
            created_at,
            expires_at: created_at + seconds,
            used_at: None,
            account_id: None,
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
        } else {
            Ok(session)
        })
    }

    // --- checks and accounts ---------------------------------------------------------------

    /// Runs the connector's real check on these values.
    pub async fn check(
        &self,
        connector: &dyn Connector,
        variant: &'static CredentialVariant,
        values: &BTreeMap<String, SecretString>,
    ) -> CheckReport {
        let (raw, options) = self.check_input(connector, values);
        connector
            .check(&self.http, Some(variant.name), &raw, &options)
            .await
    }

    /// What a check of these values is given: the values as raw credentials, and the
    /// configured base URLs and limits.
    pub(crate) fn check_input(
        &self,
        connector: &dyn Connector,
        values: &BTreeMap<String, SecretString>,
    ) -> (RawCredentials, CheckOptions) {
        let mut raw = RawCredentials::new();
        for (k, v) in values {
            raw.insert(k.clone(), v.expose_secret().to_owned());
        }
        let options = match self.settings.overrides(connector.spec().id) {
            Ok(urls) => CheckOptions {
                urls,
                limits: self.settings.limits(),
            },
            Err(e) => {
                tracing::error!(connector = connector.spec().id, "{e}");
                CheckOptions {
                    limits: self.settings.limits(),
                    ..CheckOptions::default()
                }
            }
        };
        (raw, options)
    }

    /// Checks the values and, when verified, stores the account and uses the session up.
    pub async fn link(
        &self,
        session: &SessionRow,
        connector: &'static dyn Connector,
        variant: &'static CredentialVariant,
        values: BTreeMap<String, SecretString>,
        label: &str,
    ) -> Result<LinkResult, HubError> {
        let label = clean_name("label", label, false)?;
        let values = known_values(variant, values);
        let report = self.check(connector, variant, &values).await;
        if report.status != Status::Verified {
            return Ok(LinkResult::Refused(report));
        }
        let id = new_id("acc");
        let at = now();
        let label = if label.is_empty() {
            default_label(connector, &report)
        } else {
            label
        };
        let account = AccountRow {
            sealed: self.seal_values(&id, &values),
            id,
            connector: connector.spec().id.to_owned(),
            variant: variant.name.to_owned(),
            owner: session.owner.clone(),
            label,
            masked_key: report.key.clone().unwrap_or_default(),
            public_fields: public_fields(variant, &values),
            status: report.status.as_str().to_owned(),
            message: report.message.clone(),
            proves: proves(&report),
            http_status: report.http_status.map(i64::from),
            last_verified_at: Some(at),
            created_at: at,
            updated_at: at,
            next_check_at: Some(self.next_check_at(at)),
        };
        let actor = format!("connect session {}", session.id);
        if !self
            .store
            .link_account(&account, Some(&session.id), &actor)
            .await?
        {
            return Ok(LinkResult::SessionGone(SessionProblem::Used));
        }
        Ok(LinkResult::Linked(Box::new(account), report))
    }

    /// Seals an account's field values under the current master key.
    pub(crate) fn seal_values(
        &self,
        account_id: &str,
        values: &BTreeMap<String, SecretString>,
    ) -> crate::crypto::Sealed {
        let map: Map<String, Value> = values
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.expose_secret())))
            .collect();
        let plain = Zeroizing::new(Value::Object(map).to_string());
        self.keyring.seal(plain.as_bytes(), account_id)
    }

    /// The stored credential values of an account, decrypted.
    pub fn credentials(
        &self,
        account: &AccountRow,
    ) -> Result<BTreeMap<String, SecretString>, HubError> {
        let plain = self.keyring.open_sealed(&account.sealed, &account.id)?;
        let value: Value = serde_json::from_slice(&plain).map_err(|_| KeyError::Tampered)?;
        Ok(value
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| {
                        Some((k.clone(), SecretString::from(v.as_str()?.to_owned())))
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    pub async fn account(&self, id: &str) -> Result<AccountRow, HubError> {
        self.store
            .account(id)
            .await?
            .ok_or_else(|| HubError::NotFound("no account has this id".to_owned()))
    }

    /// Runs the check again on the stored credentials and records the result, with the change
    /// of status it made, if any.
    pub async fn reverify(
        &self,
        id: &str,
    ) -> Result<(AccountRow, CheckReport, Option<StatusChange>), HubError> {
        let mut account = self.account(id).await?;
        let connector = connector(&account.connector)?;
        let variant = variant(connector, Some(&account.variant))?;
        let values = self.credentials(&account)?;
        let report = self.check(connector, variant, &values).await;
        let verification = verification(&report, self.next_check_at(now()));
        let Some(change) = self
            .store
            .record_verification(&account.id, &verification)
            .await?
        else {
            return Err(HubError::NotFound("no account has this id".to_owned()));
        };
        apply(&mut account, &verification);
        Ok((account, report, change))
    }

    /// Changes an account's label and credential values, then checks them. A secret value left
    /// empty or equal to its masked form keeps the stored secret.
    pub async fn edit(
        &self,
        id: &str,
        label: Option<&str>,
        inputs: BTreeMap<String, String>,
        actor: &str,
    ) -> Result<(AccountRow, CheckReport), HubError> {
        let mut account = self.account(id).await?;
        let connector = connector(&account.connector)?;
        let variant = variant(connector, Some(&account.variant))?;
        let mut values = self.credentials(&account)?;
        let mut changed = Vec::new();
        for (key, input) in inputs {
            let Some(field) = variant.field(&key) else {
                return Err(HubError::Invalid {
                    field: "credentials",
                    message: format!(
                        "{} has no field by that name; its fields are: {}",
                        variant.label,
                        variant
                            .fields
                            .iter()
                            .map(|f| f.key)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            };
            let input = input.trim();
            if field.secret {
                let stored = values.get(field.key).map(|v| masked(v.expose_secret()));
                if input.is_empty() || Some(input) == stored.as_deref() || input.starts_with('•')
                {
                    continue;
                }
            }
            let unchanged = values
                .get(field.key)
                .is_some_and(|v| v.expose_secret() == input);
            if !unchanged {
                changed.push(field.key);
                if input.is_empty() {
                    values.remove(field.key);
                } else {
                    values.insert(field.key.to_owned(), SecretString::from(input.to_owned()));
                }
            }
        }
        if let Some(label) = label {
            let label = clean_name("label", label, false)?;
            if label != account.label && !label.is_empty() {
                account.label = label;
                changed.push("label");
            }
        }
        let report = self.check(connector, variant, &values).await;
        if report.status == Status::InvalidInput {
            return Ok((account, report));
        }
        let verification = verification(&report, self.next_check_at(now()));
        apply(&mut account, &verification);
        if let Some(key) = &report.key {
            account.masked_key = key.clone();
        }
        account.public_fields = public_fields(variant, &values);
        account.sealed = self.seal_values(&account.id, &values);
        let detail = if changed.is_empty() {
            "saved without changes".to_owned()
        } else {
            format!("changed {}", changed.join(", "))
        };
        if !self.store.update_account(&account, actor, &detail).await? {
            return Err(HubError::NotFound("no account has this id".to_owned()));
        }
        Ok((account, report))
    }

    pub async fn unlink(&self, id: &str, actor: &str) -> Result<(), HubError> {
        if self.store.unlink_account(id, actor).await? {
            Ok(())
        } else {
            Err(HubError::NotFound("no account has this id".to_owned()))
        }
    }
}

/// Keeps only values of the variant's fields, dropping empty ones.
fn known_values(
    variant: &CredentialVariant,
    values: BTreeMap<String, SecretString>,
) -> BTreeMap<String, SecretString> {
    values
        .into_iter()
        .filter(|(k, v)| variant.field(k).is_some() && !v.expose_secret().trim().is_empty())
        .collect()
}

fn public_fields(variant: &CredentialVariant, values: &BTreeMap<String, SecretString>) -> Value {
    Value::Object(
        variant
            .fields
            .iter()
            .filter(|f| !f.secret)
            .filter_map(|f| {
                values
                    .get(f.key)
                    .map(|v| (f.key.to_owned(), Value::from(v.expose_secret().trim())))
            })
            .collect(),
    )
}

fn proves(report: &CheckReport) -> Value {
    report
        .account
        .clone()
        .map(Value::Object)
        .unwrap_or_else(|| Value::Object(Map::new()))
}

fn default_label(connector: &dyn Connector, report: &CheckReport) -> String {
    let account = report.account.as_ref();
    let name = ["name", "company", "organization", "workspace", "email"]
        .iter()
        .find_map(|k| account.and_then(|a| a.get(*k)).and_then(Value::as_str));
    match name {
        Some(name) => format!(
            "{} ({})",
            connector.spec().name,
            name.chars().take(80).collect::<String>()
        ),
        None => connector.spec().name.to_owned(),
    }
}

pub(crate) fn verification(report: &CheckReport, next_check_at: i64) -> Verification {
    Verification {
        next_check_at,
        status: report.status.as_str().to_owned(),
        message: report.message.clone(),
        proves: if report.status == Status::Verified {
            proves(report)
        } else {
            Value::Object(Map::new())
        },
        http_status: report.http_status.map(i64::from),
        at: now(),
    }
}

fn apply(account: &mut AccountRow, v: &Verification) {
    account.status = v.status.clone();
    account.message = v.message.clone();
    if v.status == "verified" {
        account.proves = v.proves.clone();
    }
    account.http_status = v.http_status;
    account.last_verified_at = Some(v.at);
    account.updated_at = v.at;
}

/// The input kind a field gets on a form.
pub fn input_kind(field: &connector_core::Field) -> &'static str {
    match field.format {
        _ if field.secret => "password",
        Format::Choice(_) | Format::Boolean => "select",
        _ => "text",
    }
}

/// The choices of a select field.
pub fn choices(field: &connector_core::Field) -> Vec<&'static str> {
    match field.format {
        Format::Choice(values) => values.to_vec(),
        Format::Boolean => vec!["true", "false"],
        _ => Vec::new(),
    }
}
