//! The `accounts` table: linked accounts with their sealed credentials, what their key proved and
//! their last verification; linking (which uses the connect session up), listing with filters,
//! editing and unlinking, each with its audit record and its webhook event (`account.linked`,
//! `account.updated`, `account.unlinked`) in the same transaction.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::audit::{insert_audit, Subject};
use super::db::{json_column, Store, StoreError};
use super::history::{changed, record_changes};
use super::sessions::use_session;
use super::webhooks::{insert_deliveries, queue_event, subscribers, AccountEvent, EventType};
use crate::clock::{new_id, now};
use crate::crypto::Sealed;

/// A linked account as stored.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: String,
    pub connector: String,
    pub variant: String,
    pub owner: String,
    pub label: String,
    pub masked_key: String,
    /// Non-secret field values, as a JSON object.
    pub public_fields: serde_json::Value,
    pub status: String,
    pub message: String,
    /// What the key proved at its last verification, as a JSON object.
    pub proves: serde_json::Value,
    pub http_status: Option<i64>,
    pub last_verified_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub sealed: Sealed,
    /// When the account is next due for scheduled re-verification (None: due now).
    pub next_check_at: Option<i64>,
    /// Bumped by every edit; what an edit or a verification compares against.
    pub version: i64,
}

impl AccountRow {
    fn subject(&self) -> Subject<'_> {
        Subject {
            account_id: &self.id,
            connector: &self.connector,
            owner: &self.owner,
        }
    }

    /// The webhook event `kind` about this account as it now is, made by `by`; `changed` names
    /// the fields an update changed (never their values).
    pub(super) fn event(&self, kind: EventType, by: &str, changed: &[&str]) -> AccountEvent {
        AccountEvent {
            id: new_id("evt"),
            kind,
            account_id: self.id.clone(),
            owner: self.owner.clone(),
            connector: self.connector.clone(),
            variant: self.variant.clone(),
            label: self.label.clone(),
            status: self.status.clone(),
            proves: self.proves.clone(),
            changed: changed.iter().map(|c| (*c).to_owned()).collect(),
            by: by.to_owned(),
            at: now(),
        }
    }
}

/// Filters of the accounts list; each is exact.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    pub connector: Option<String>,
    pub status: Option<String>,
    pub owner: Option<String>,
}

/// The result of a verification, to store on an account if it still holds the credentials that
/// were checked (`version`) and, for a scheduled pass, the lease that claimed it (`lease`).
#[derive(Debug, Clone)]
pub struct Verification {
    /// The account's version when its credentials were read for the check.
    pub version: i64,
    /// The claim, for a check a pass made.
    pub lease: Option<Lease>,
    pub status: String,
    pub message: String,
    pub proves: serde_json::Value,
    pub http_status: Option<i64>,
    pub at: i64,
    /// When the account is next due for scheduled re-verification.
    pub next_check_at: i64,
}

/// The claim a pass's check was made under.
#[derive(Debug, Clone)]
pub struct Lease {
    pub owner: String,
    pub until: i64,
    /// The account's status when it was claimed.
    pub status: String,
}

const ACCOUNT_COLUMNS: &str = "id, connector, variant, owner, label, masked_key, public_fields, \
     status, message, proves, http_status, last_verified_at, created_at, updated_at, key_id, \
     nonce, ciphertext";
/// The columns read back for an account: the stored ones plus its schedule.
pub(super) const ACCOUNT_READ: &str =
    "id, connector, variant, owner, label, masked_key, public_fields, \
     status, message, proves, http_status, last_verified_at, created_at, updated_at, key_id, \
     nonce, ciphertext, next_check_at, version";

pub(super) fn account_row(row: &AnyRow) -> Result<AccountRow, sqlx::Error> {
    Ok(AccountRow {
        id: row.try_get("id")?,
        connector: row.try_get("connector")?,
        variant: row.try_get("variant")?,
        owner: row.try_get("owner")?,
        label: row.try_get("label")?,
        masked_key: row.try_get("masked_key")?,
        public_fields: json_column(row, "public_fields")?,
        status: row.try_get("status")?,
        message: row.try_get("message")?,
        proves: json_column(row, "proves")?,
        http_status: row.try_get("http_status")?,
        last_verified_at: row.try_get("last_verified_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        sealed: Sealed {
            key_id: row.try_get("key_id")?,
            nonce: row.try_get("nonce")?,
            ciphertext: row.try_get("ciphertext")?,
        },
        next_check_at: row
            .try_get::<Option<i64>, _>("next_check_at")
            .ok()
            .flatten()
            .filter(|at| *at > 0),
        version: row.try_get("version")?,
    })
}

impl Store {
    /// Stores a new account linked through a connect session, using the session up in the same
    /// transaction. Returns false (and stores nothing) when the session was used meanwhile.
    pub async fn link_account(
        &self,
        account: &AccountRow,
        session_id: Option<&str>,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        if let Some(session_id) = session_id {
            let used = sqlx::query(
                "UPDATE connect_sessions SET used_at = $1, account_id = $2 \
                 WHERE id = $3 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > $1",
            )
            .bind(account.created_at)
            .bind(&account.id)
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
            if used.rows_affected() != 1 {
                return Ok(false);
            }
        }
        insert_account(&mut tx, account).await?;
        insert_audit(
            &mut tx,
            actor,
            "account.linked",
            Some(account.subject()),
            &format!("linked with status {}", account.status),
        )
        .await?;
        queue_event(&mut tx, &account.event(EventType::Linked, actor, &[])).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Inserts accounts as they are (an import by `actor`), in one transaction, with an
    /// `account.linked` event for each; returns how many.
    pub async fn insert_accounts(
        &self,
        accounts: &[AccountRow],
        actor: &str,
    ) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        for account in accounts {
            insert_account(&mut tx, account).await?;
        }
        let endpoints = subscribers(&mut tx, EventType::Linked).await?;
        if !endpoints.is_empty() {
            let events: Vec<AccountEvent> = accounts
                .iter()
                .map(|a| a.event(EventType::Linked, actor, &[]))
                .collect();
            let bodies: Vec<(&str, String, i64)> = events
                .iter()
                .map(|e| (e.id.as_str(), e.webhook_body(), e.at))
                .collect();
            insert_deliveries(&mut tx, self.kind, &endpoints, &bodies).await?;
        }
        tx.commit().await?;
        Ok(accounts.len() as u64)
    }

    pub async fn account(&self, id: &str) -> Result<Option<AccountRow>, StoreError> {
        let sql = format!("SELECT {ACCOUNT_READ} FROM accounts WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(account_row).transpose()?)
    }

    /// One page of accounts, newest first, after the cursor (an account id) when given.
    pub async fn list_accounts(
        &self,
        filter: &AccountFilter,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AccountRow>, StoreError> {
        let (filter, values) = filter_clauses(filter, after, 1);
        let sql = format!(
            "SELECT {ACCOUNT_READ} FROM accounts {filter} ORDER BY id DESC LIMIT ${}",
            values.len() + 1
        );
        let mut query = sqlx::query(&sql);
        for value in values {
            query = query.bind(value);
        }
        let rows = query.bind(limit).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(account_row).collect::<Result<_, _>>()?)
    }

    /// Replaces an account's label, credentials and verification in one write, if it is still at
    /// `account.version` (bumped by the write); false when it is not (or is gone). With a
    /// connect session (a re-link), the session is used up in the same transaction, and nothing
    /// is written when it was used, cancelled or expired meanwhile. `edited` names the fields the
    /// edit changed (`label`, credential field keys); when it names any, an `account.updated`
    /// event is queued.
    pub async fn update_account(
        &self,
        account: &AccountRow,
        session_id: Option<&str>,
        actor: &str,
        detail: &str,
        edited: &[&str],
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        if let Some(session_id) = session_id {
            if !use_session(&mut tx, session_id, &account.id, account.updated_at).await? {
                return Ok(false);
            }
        }
        let row = sqlx::query(
            "UPDATE accounts SET label = $1, masked_key = $2, public_fields = $3, \
             previous_status = status, status = $4, message = $5, proves = $6, http_status = $7, \
             last_verified_at = $8, updated_at = $9, key_id = $10, nonce = $11, ciphertext = $12, \
             version = version + 1 \
             WHERE id = $13 AND version = $14 RETURNING previous_status, connector, owner",
        )
        .bind(&account.label)
        .bind(&account.masked_key)
        .bind(account.public_fields.to_string())
        .bind(&account.status)
        .bind(&account.message)
        .bind(account.proves.to_string())
        .bind(account.http_status)
        .bind(account.last_verified_at)
        .bind(account.updated_at)
        .bind(&account.sealed.key_id)
        .bind(&account.sealed.nonce)
        .bind(&account.sealed.ciphertext)
        .bind(&account.id)
        .bind(account.version)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let change = changed(
            &account.id,
            &row,
            &account.status,
            &account.message,
            account.updated_at,
        )?;
        if let Some(change) = &change {
            record_changes(&mut tx, self.kind, std::slice::from_ref(change)).await?;
        }
        insert_audit(
            &mut tx,
            actor,
            "account.updated",
            Some(account.subject()),
            detail,
        )
        .await?;
        if !edited.is_empty() {
            queue_event(&mut tx, &account.event(EventType::Updated, actor, edited)).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Deletes an account and its credentials, keeping an audit record.
    pub async fn unlink_account(&self, id: &str, actor: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let sql = format!("SELECT {ACCOUNT_READ} FROM accounts WHERE id = $1");
        let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(&mut *tx).await? else {
            return Ok(false);
        };
        let account = account_row(&row)?;
        sqlx::query("DELETE FROM accounts WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        insert_audit(
            &mut tx,
            actor,
            "account.unlinked",
            Some(account.subject()),
            &format!("credentials deleted (key {})", account.masked_key),
        )
        .await?;
        queue_event(&mut tx, &account.event(EventType::Unlinked, actor, &[])).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records something done with an account that changes nothing stored about it: its
    /// credentials read, an action run with them.
    pub async fn audit_account(
        &self,
        account: &AccountRow,
        actor: &str,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        insert_audit(&mut tx, actor, action, Some(account.subject()), detail).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Inserts one account, its schedule included.
async fn insert_account(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    account: &AccountRow,
) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO accounts ({ACCOUNT_COLUMNS}, next_check_at) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
    );
    sqlx::query(&sql)
        .bind(&account.id)
        .bind(&account.connector)
        .bind(&account.variant)
        .bind(&account.owner)
        .bind(&account.label)
        .bind(&account.masked_key)
        .bind(account.public_fields.to_string())
        .bind(&account.status)
        .bind(&account.message)
        .bind(account.proves.to_string())
        .bind(account.http_status)
        .bind(account.last_verified_at)
        .bind(account.created_at)
        .bind(account.updated_at)
        .bind(&account.sealed.key_id)
        .bind(&account.sealed.nonce)
        .bind(&account.sealed.ciphertext)
        // 0 for "due now": the schedule's claim is then one range of its index, in order.
        .bind(account.next_check_at.unwrap_or(0))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// `WHERE` clauses for a filter (and a cursor), with their values in order; the first value
/// is `$first`.
pub(super) fn filter_clauses<'a>(
    filter: &'a AccountFilter,
    after: Option<&'a str>,
    first: usize,
) -> (String, Vec<&'a str>) {
    let mut clauses = Vec::new();
    let mut values: Vec<&str> = Vec::new();
    for (column, value) in [
        ("connector", &filter.connector),
        ("status", &filter.status),
        ("owner", &filter.owner),
    ] {
        if let Some(value) = value {
            values.push(value);
            clauses.push(format!("{column} = ${}", first + values.len() - 1));
        }
    }
    if let Some(after) = after {
        values.push(after);
        clauses.push(format!("id < ${}", first + values.len() - 1));
    }
    let sql = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (sql, values)
}
