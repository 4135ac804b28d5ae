//! `connector-hub import FILE`: links accounts in bulk from JSON lines, the `connector check
//! --bulk` input format plus an optional `owner` and `label` per line. Each line's fields are
//! validated locally and its credentials sealed as any linked account's; nothing is sent. The
//! accounts start `unchecked` and the schedule verifies them: spread over one interval, or at
//! once with `--check-now`. A bad line is skipped and named by its number, never quoted. Each
//! imported account is announced to webhook endpoints as `account.linked` with status
//! `unchecked`, in the transaction that stores it; its first check then sends
//! `account.status_changed`.

use std::collections::BTreeMap;
use std::io::BufRead;

use connector_core::validate::validate;
use connector_core::RawCredentials;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::accounts::seal_values_with;
use super::hub::{clean_name, variant, Hub, HubError};
use crate::clock::{new_id, now};
use crate::crypto::DataKey;
use crate::store::AccountRow;

/// Accounts written per transaction.
const BATCH: usize = 1000;
/// The status of an account imported and not checked yet.
pub const UNCHECKED: &str = "unchecked";
/// Who imports, in the audit log and the `account.linked` events.
const ACTOR: &str = "connector-hub import";

#[derive(Debug, Deserialize)]
struct Line {
    connector: String,
    #[serde(default)]
    variant: Option<String>,
    credentials: Value,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    label: Option<String>,
    // Accepted so a bulk input file imports as it is.
    #[serde(default, rename = "id")]
    _id: Option<Value>,
}

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    pub imported: u64,
    /// Line numbers (from 1) and why each was skipped.
    pub skipped: Vec<(u64, String)>,
}

impl Hub {
    /// Imports every line of `input`; `owner` applies to lines without one.
    pub async fn import(
        &self,
        input: impl BufRead,
        owner: Option<&str>,
        check_now: bool,
        mut progress: impl FnMut(u64),
    ) -> Result<ImportReport, HubError> {
        let mut report = ImportReport::default();
        let mut batch = Vec::with_capacity(BATCH);
        let mut lines = Vec::new();
        for (index, line) in input.lines().enumerate() {
            let number = index as u64 + 1;
            let line = line.map_err(|e| HubError::Invalid {
                field: "input",
                message: format!("cannot read line {number}: {e}"),
            })?;
            if line.trim().is_empty() {
                continue;
            }
            lines.push((number, SecretString::from(line)));
        }
        let total = lines.len() as i64;
        let at = now();
        // Read again after every batch: a data key rotation may retire this one meanwhile.
        let mut key = self.current_data_key().await?;
        for (position, (number, line)) in lines.into_iter().enumerate() {
            match self.import_line(&key, line.expose_secret(), owner) {
                Ok(mut account) => {
                    account.next_check_at = Some(if check_now {
                        at
                    } else {
                        // Spread evenly over one interval, so the first pass is not all at once.
                        let interval = self.next_check_at(at) - at;
                        at + interval * position as i64 / total.max(1)
                    });
                    batch.push(account);
                }
                Err(why) => report.skipped.push((number, why)),
            }
            if batch.len() == BATCH {
                report.imported += self.store.insert_accounts(&batch, ACTOR).await?;
                batch.clear();
                key = self.current_data_key().await?;
                progress(report.imported);
            }
        }
        if !batch.is_empty() {
            report.imported += self.store.insert_accounts(&batch, ACTOR).await?;
            progress(report.imported);
        }
        self.store
            .audit_event(
                ACTOR,
                "accounts.imported",
                &format!(
                    "{} imported, {} skipped",
                    report.imported,
                    report.skipped.len()
                ),
            )
            .await?;
        Ok(report)
    }

    fn import_line(
        &self,
        key: &DataKey,
        text: &str,
        owner: Option<&str>,
    ) -> Result<AccountRow, String> {
        let line: Line = serde_json::from_str(text).map_err(|e| {
            format!(
                "not a JSON object with `connector` and `credentials` ({} at column {})",
                match e.classify() {
                    serde_json::error::Category::Data => "wrong fields",
                    _ => "malformed JSON",
                },
                e.column()
            )
        })?;
        let connector = self.connector(&line.connector).map_err(|e| e.to_string())?;
        let connector = connector.as_ref();
        let variant = variant(connector, line.variant.as_deref()).map_err(|e| e.to_string())?;
        let owner = match (line.owner.as_deref(), owner) {
            (Some(o), _) | (None, Some(o)) => {
                clean_name("owner", o, true).map_err(|e| e.to_string())?
            }
            (None, None) => return Err("no `owner` on the line and no --owner given".to_owned()),
        };
        let label = clean_name("label", line.label.as_deref().unwrap_or(""), false)
            .map_err(|e| e.to_string())?;
        let raw = RawCredentials::from_value(line.credentials).map_err(|e| e.to_string())?;
        let validated = validate(variant, &raw).map_err(|e| e.message)?;
        let values: BTreeMap<String, SecretString> = variant
            .fields
            .iter()
            .filter_map(|f| {
                let value = validated.credentials.get(f.key)?;
                Some((
                    f.key.to_owned(),
                    SecretString::from(value.expose_secret().to_owned()),
                ))
            })
            .collect();
        let public: Map<String, Value> = variant
            .fields
            .iter()
            .filter(|f| !f.secret)
            .filter_map(|f| {
                Some((
                    f.key.to_owned(),
                    Value::from(values.get(f.key)?.expose_secret()),
                ))
            })
            .collect();
        let id = new_id("acc");
        let at = now();
        Ok(AccountRow {
            sealed: seal_values_with(key, &id, &values),
            id,
            connector: connector.spec().id.to_owned(),
            variant: variant.name.to_owned(),
            owner,
            label: if label.is_empty() {
                connector.spec().name.to_owned()
            } else {
                label
            },
            masked_key: validated.masked_key.unwrap_or_default(),
            public_fields: Value::Object(public),
            status: UNCHECKED.to_owned(),
            message: "imported; not checked yet".to_owned(),
            proves: Value::Object(Map::new()),
            http_status: None,
            last_verified_at: None,
            created_at: at,
            updated_at: at,
            next_check_at: None,
            version: 1,
        })
    }
}
