//! Linked accounts: linking one through a connect session (only once its key is verified),
//! reading, listing and their history, re-verifying, editing (a secret left masked keeps the
//! stored one) and unlinking. Credentials are sealed under the master key before they are
//! stored.

use std::collections::BTreeMap;

use connector_core::{CheckReport, Connector, CredentialVariant, Status};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::checks::{apply, proves, sealed, verification};
use super::hub::{clean_name, masked, variant, Hub, HubError};
use super::sessions::{session_actor, SessionProblem, SessionStatus};
use crate::clock::{new_id, now};
use crate::crypto::{DataKey, KeyError, Sealed};
use crate::store::{AccountFilter, AccountRow, AuditRow, SessionRow, StatusChange};

/// How a connect attempt ended.
#[derive(Debug)]
pub enum LinkResult {
    Linked(Box<AccountRow>, CheckReport),
    Refused(CheckReport),
    SessionGone(SessionProblem),
}

/// A filter from optional inputs, treating empty values as absent.
pub fn filter(
    connector: &Option<String>,
    status: &Option<String>,
    owner: &Option<String>,
) -> AccountFilter {
    let given = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
    AccountFilter {
        connector: given(connector),
        status: given(status),
        owner: given(owner),
    }
}

/// Refuses a cursor that is not a `next_cursor` this hub handed out (ids start with `prefix`);
/// the API's document states the same rule as a pattern, counting characters.
fn check_cursor(cursor: Option<&str>, prefix: &str) -> Result<(), HubError> {
    if cursor.is_some_and(|c| c.chars().count() > 64 || !c.starts_with(prefix)) {
        return Err(HubError::Invalid {
            field: "cursor",
            message: "`cursor` must be the `next_cursor` of a previous page".to_owned(),
        });
    }
    Ok(())
}

/// Cuts one item too many off a page; the last item kept is then the next page's cursor.
fn paged<T>(mut items: Vec<T>, limit: i64, id: impl Fn(&T) -> &str) -> (Vec<T>, Option<String>) {
    let next = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|item| id(item).to_owned())
    } else {
        None
    };
    (items, next)
}

impl Hub {
    /// Checks the values and, when verified, stores the account and uses the session up. A
    /// re-link session replaces the credentials of its account instead.
    pub async fn link(
        &self,
        session: &SessionRow,
        connector: &dyn Connector,
        variant: &CredentialVariant<'_>,
        values: BTreeMap<String, SecretString>,
        label: &str,
    ) -> Result<LinkResult, HubError> {
        if let Some(target) = session.relink_account_id.as_deref() {
            return self
                .relink(session, target, connector, variant, values, label)
                .await;
        }
        let label = clean_name("label", label, false)?;
        let values = known_values(variant, values);
        let limit = i64::from(self.settings.checks_per_connect_session);
        if !self.store.count_check(&session.id, limit).await? {
            return Ok(LinkResult::SessionGone(SessionProblem::TooManyChecks));
        }
        let report = self.request_check(connector, variant, &values).await?;
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
        let sealed = self.seal_values(&id, &values).await?;
        let account = AccountRow {
            sealed,
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
            version: 1,
        };
        let actor = session_actor(session);
        if !self
            .store
            .link_account(&account, Some(&session.id), &actor)
            .await?
        {
            return Ok(LinkResult::SessionGone(SessionProblem::Used));
        }
        Ok(LinkResult::Linked(Box::new(account), report))
    }

    /// Seals an account's field values under the current data key.
    pub(crate) async fn seal_values(
        &self,
        account_id: &str,
        values: &BTreeMap<String, SecretString>,
    ) -> Result<Sealed, HubError> {
        Ok(seal_values_with(
            &*self.current_data_key().await?,
            account_id,
            values,
        ))
    }

    /// The stored credential values of an account, decrypted.
    pub async fn credentials(
        &self,
        account: &AccountRow,
    ) -> Result<BTreeMap<String, SecretString>, HubError> {
        self.unseal_credentials(&account.sealed, &account.id).await
    }

    /// Credential values sealed for account `id`, decrypted.
    pub(crate) async fn unseal_credentials(
        &self,
        sealed: &Sealed,
        id: &str,
    ) -> Result<BTreeMap<String, SecretString>, HubError> {
        let plain = self.open(sealed, id).await?;
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

    /// One page of accounts, newest first, and the cursor of the next page, if there is one.
    pub async fn list_accounts(
        &self,
        filter: &AccountFilter,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<(Vec<AccountRow>, Option<String>), HubError> {
        let cursor = cursor.filter(|c| !c.is_empty());
        check_cursor(cursor, "acc_")?;
        let accounts = self.store.list_accounts(filter, cursor, limit + 1).await?;
        Ok(paged(accounts, limit, |a| &a.id))
    }

    /// One page of an account's changes of status, newest first, and the next page's cursor.
    pub async fn history(
        &self,
        id: &str,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<(Vec<StatusChange>, Option<String>), HubError> {
        let cursor = cursor.filter(|c| !c.is_empty());
        check_cursor(cursor, "evt_")?;
        let changes = self.store.history(id, cursor, limit + 1).await?;
        if changes.is_empty() && cursor.is_none() {
            self.account(id).await?;
        }
        Ok(paged(changes, limit, |c| &c.id))
    }

    /// Audit records, newest first, of one account or of everything.
    pub async fn audit(
        &self,
        account_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditRow>, HubError> {
        Ok(self.store.audit(account_id, limit).await?)
    }

    /// Runs the check again on the stored credentials and records the result, with the change
    /// of status it made, if any.
    pub async fn reverify(
        &self,
        id: &str,
    ) -> Result<(AccountRow, CheckReport, Option<StatusChange>), HubError> {
        let mut account = self.account(id).await?;
        let connector = self.connector(&account.connector)?;
        let connector = connector.as_ref();
        let variant = variant(connector, Some(&account.variant))?;
        let values = match self.credentials(&account).await {
            Ok(values) => values,
            Err(HubError::Key(e)) => {
                // Shown as `sealed` from now on, not as its last checked status.
                let sealed = sealed(account.version, &e, self.next_check_at(now()));
                self.store.record_verification(&account.id, &sealed).await?;
                return Err(HubError::Key(e));
            }
            Err(e) => return Err(e),
        };
        let report = self.request_check(connector, variant, &values).await?;
        let verification = verification(account.version, &report, self.next_check_at(now()));
        let Some(change) = self
            .store
            .record_verification(&account.id, &verification)
            .await?
        else {
            // Unlinked, or edited while the check ran: this result is of credentials it no
            // longer has, and is dropped.
            self.account(id).await?;
            return Err(HubError::Conflict {
                code: "superseded",
                message: "the account was edited while this check ran, so its result was dropped; \
                          reload the account and verify it again"
                    .to_owned(),
            });
        };
        apply(&mut account, &verification);
        Ok((account, report, change))
    }

    /// Changes an account's label and credential values, then checks them. A secret value left
    /// empty or equal to its masked form keeps the stored secret. `version`, when given, is the
    /// account's version as the caller read it: an edit of anything newer is refused (409), as
    /// is one that another edit overtakes while its check runs.
    pub async fn edit(
        &self,
        id: &str,
        version: Option<i64>,
        label: Option<&str>,
        inputs: BTreeMap<String, String>,
        actor: &str,
    ) -> Result<(AccountRow, CheckReport), HubError> {
        let mut account = self.account(id).await?;
        if version.is_some_and(|v| v != account.version) {
            return Err(edited_meanwhile());
        }
        let connector = self.connector(&account.connector)?;
        let connector = connector.as_ref();
        let variant = variant(connector, Some(&account.variant))?;
        let mut values = self.credentials(&account).await?;
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
        let report = self.request_check(connector, variant, &values).await?;
        if report.status == Status::InvalidInput {
            return Ok((account, report));
        }
        let verification = verification(account.version, &report, self.next_check_at(now()));
        apply(&mut account, &verification);
        if let Some(key) = &report.key {
            account.masked_key = key.clone();
        }
        account.public_fields = public_fields(variant, &values);
        account.sealed = self.seal_values(&account.id, &values).await?;
        let detail = if changed.is_empty() {
            "saved without changes".to_owned()
        } else {
            format!("changed {}", changed.join(", "))
        };
        if !self
            .store
            .update_account(&account, None, actor, &detail, &changed)
            .await?
        {
            self.account(id).await?;
            return Err(edited_meanwhile());
        }
        account.version += 1;
        Ok((account, report))
    }

    /// A re-link: checks the values typed for the account's connector and variant and, when
    /// verified, replaces its stored credentials (same id; version bumped; history and audit go
    /// on) and uses the session up, both in the one write `edit` makes.
    async fn relink(
        &self,
        session: &SessionRow,
        account_id: &str,
        connector: &dyn Connector,
        variant: &CredentialVariant<'_>,
        values: BTreeMap<String, SecretString>,
        label: &str,
    ) -> Result<LinkResult, HubError> {
        let label = clean_name("label", label, false)?;
        let values = known_values(variant, values);
        let mut account = self.account(account_id).await?;
        if account.connector != connector.spec().id || account.variant != variant.name {
            return Err(HubError::Invalid {
                field: "variant",
                message: "a re-link keeps the account's connector and credential variant"
                    .to_owned(),
            });
        }
        let limit = i64::from(self.settings.checks_per_connect_session);
        if !self.store.count_check(&session.id, limit).await? {
            return Ok(LinkResult::SessionGone(SessionProblem::TooManyChecks));
        }
        let report = self.request_check(connector, variant, &values).await?;
        if report.status != Status::Verified {
            return Ok(LinkResult::Refused(report));
        }
        // What the re-link changed, by field name, for `account.updated`: the values that
        // differ, or, when the same key was entered again, the secret fields it re-entered.
        let before = self.credentials(&account).await.unwrap_or_default();
        let mut changed: Vec<&str> = variant
            .fields
            .iter()
            .filter(|f| {
                before.get(f.key).map(|v| v.expose_secret())
                    != values.get(f.key).map(|v| v.expose_secret())
            })
            .map(|f| f.key)
            .collect();
        if changed.is_empty() {
            changed = variant
                .fields
                .iter()
                .filter(|f| f.secret)
                .map(|f| f.key)
                .collect();
        }
        if !label.is_empty() && label != account.label {
            changed.push("label");
        }
        let verification = verification(account.version, &report, self.next_check_at(now()));
        apply(&mut account, &verification);
        account.masked_key = report.key.clone().unwrap_or_default();
        account.public_fields = public_fields(variant, &values);
        account.sealed = self.seal_values(&account.id, &values).await?;
        if !label.is_empty() {
            account.label = label;
        }
        let detail = format!(
            "credentials replaced through a re-link (key {})",
            account.masked_key
        );
        if !self
            .store
            .update_account(
                &account,
                Some(&session.id),
                &session_actor(session),
                &detail,
                &changed,
            )
            .await?
        {
            let now = self.session(&session.id).await?;
            match SessionStatus::of(&now, account.updated_at) {
                SessionStatus::Linked => return Ok(LinkResult::SessionGone(SessionProblem::Used)),
                SessionStatus::Cancelled => {
                    return Ok(LinkResult::SessionGone(SessionProblem::Cancelled))
                }
                SessionStatus::Expired => {
                    return Ok(LinkResult::SessionGone(SessionProblem::Expired))
                }
                SessionStatus::Pending => {}
            }
            self.account(account_id).await?;
            return Err(HubError::Conflict {
                code: "version_conflict",
                message: "the account was changed while this key was being checked; press \
                          Connect again"
                    .to_owned(),
            });
        }
        account.version += 1;
        Ok(LinkResult::Linked(Box::new(account), report))
    }

    pub async fn unlink(&self, id: &str, actor: &str) -> Result<(), HubError> {
        if self.store.unlink_account(id, actor).await? {
            Ok(())
        } else {
            Err(HubError::NotFound("no account has this id".to_owned()))
        }
    }
}

/// An edit made from a read of the account that is no longer current.
fn edited_meanwhile() -> HubError {
    HubError::Conflict {
        code: "version_conflict",
        message: "the account was changed since it was read (by someone else, or in another tab); \
                  reload it and make the change again"
            .to_owned(),
    }
}

/// An account's field values sealed under `key`, as one JSON object.
pub(crate) fn seal_values_with(
    key: &DataKey,
    account_id: &str,
    values: &BTreeMap<String, SecretString>,
) -> Sealed {
    let map: Map<String, Value> = values
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.expose_secret())))
        .collect();
    let plain = Zeroizing::new(Value::Object(map).to_string());
    key.seal(plain.as_bytes(), account_id)
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

/// The non-secret field values, as a JSON object.
pub(crate) fn public_fields(
    variant: &CredentialVariant,
    values: &BTreeMap<String, SecretString>,
) -> Value {
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
