//! The database: one pool over SQLite or PostgreSQL (sqlx's `Any` driver), the embedded
//! migrations, and every query the hub makes. Every value travels as a bound parameter; the only
//! SQL built at run time is the choice among fixed filter clauses.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use crate::crypto::{random_hex, Sealed};
use crate::hubkey::{KeyState, Scope};

/// Migrations compiled into the binary and applied at start.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE: &str = "sqlite://connector-hub.db";

/// A database failure, with what to do about the common ones.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error(
        "the database URL must start with sqlite:// or postgres:// (got a URL starting {0:?})"
    )]
    Scheme(String),
    #[error("cannot open the database: {0}; check --database and that the server is running")]
    Connect(#[source] sqlx::Error),
    #[error("cannot apply the database migrations: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A new id: `prefix_` + milliseconds (hex, so ids sort by creation) + 48 random bits.
pub fn new_id(prefix: &str) -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("{prefix}_{millis:012x}{}", random_hex(6))
}

/// The hub's database.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    /// Where scheduled passes claim and record. On SQLite one connection of its own: SQLite
    /// drops a connection's page cache whenever another connection has written, so a pass that
    /// writes through whichever pooled connection is free re-reads the pages it just wrote.
    /// Elsewhere the same pool.
    pub(crate) writer: AnyPool,
    pub kind: DbKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// A hub key as stored (its hash, never the key).
#[derive(Debug, Clone)]
pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub hash: String,
    pub tail: String,
    pub state: KeyState,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub regenerated_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A connect session as stored.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub owner: String,
    /// Connector ids allowed; empty means every connector.
    pub connectors: Vec<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub account_id: Option<String>,
}

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
}

/// The tables holding ciphertexts, each sealed with its row id as associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedTable {
    Accounts,
    Webhooks,
}

impl SealedTable {
    pub const ALL: [SealedTable; 2] = [SealedTable::Accounts, SealedTable::Webhooks];

    fn name(self) -> &'static str {
        match self {
            SealedTable::Accounts => "accounts",
            SealedTable::Webhooks => "webhooks",
        }
    }
}

/// A signed-in operator's session.
#[derive(Debug, Clone)]
pub struct WebSession {
    pub key_id: String,
    pub csrf: String,
    pub created_at: i64,
}

/// An audit record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditRow {
    pub id: String,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub account_id: Option<String>,
    pub connector: Option<String>,
    pub owner: Option<String>,
    pub detail: String,
}

/// Filters of the accounts list; each is exact.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    pub connector: Option<String>,
    pub status: Option<String>,
    pub owner: Option<String>,
}

/// The result of a verification, to store on an account.
#[derive(Debug, Clone)]
pub struct Verification {
    pub status: String,
    pub message: String,
    pub proves: serde_json::Value,
    pub http_status: Option<i64>,
    pub at: i64,
    /// When the account is next due for scheduled re-verification.
    pub next_check_at: i64,
}

const KEY_COLUMNS: &str = "id, name, scopes, hash, tail, state, created_at, last_used_at, \
                           regenerated_at, revoked_at";
const SESSION_COLUMNS: &str = "id, owner, connectors, created_at, expires_at, used_at, account_id";
const ACCOUNT_COLUMNS: &str = "id, connector, variant, owner, label, masked_key, public_fields, \
     status, message, proves, http_status, last_verified_at, created_at, updated_at, key_id, \
     nonce, ciphertext";
/// The columns read back for an account: the stored ones plus its schedule.
pub(crate) const ACCOUNT_READ: &str =
    "id, connector, variant, owner, label, masked_key, public_fields, \
     status, message, proves, http_status, last_verified_at, created_at, updated_at, key_id, \
     nonce, ciphertext, next_check_at";

fn key_row(row: &AnyRow) -> Result<KeyRow, sqlx::Error> {
    Ok(KeyRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        scopes: Scope::parse_list(&row.try_get::<String, _>("scopes")?),
        hash: row.try_get("hash")?,
        tail: row.try_get("tail")?,
        state: KeyState::parse(&row.try_get::<String, _>("state")?),
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        regenerated_at: row.try_get("regenerated_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

fn session_row(row: &AnyRow) -> Result<SessionRow, sqlx::Error> {
    let connectors: String = row.try_get("connectors")?;
    Ok(SessionRow {
        id: row.try_get("id")?,
        owner: row.try_get("owner")?,
        connectors: connectors.split_whitespace().map(str::to_owned).collect(),
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
        account_id: row.try_get("account_id")?,
    })
}

fn json_column(row: &AnyRow, name: &str) -> Result<serde_json::Value, sqlx::Error> {
    let text: String = row.try_get(name)?;
    Ok(serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
}

pub(crate) fn account_row(row: &AnyRow) -> Result<AccountRow, sqlx::Error> {
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
    })
}

fn audit_row(row: &AnyRow) -> Result<AuditRow, sqlx::Error> {
    Ok(AuditRow {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        account_id: row.try_get("account_id")?,
        connector: row.try_get("connector")?,
        owner: row.try_get("owner")?,
        detail: row.try_get("detail")?,
    })
}

impl Store {
    /// Opens the database (creating a SQLite file when missing) and applies the migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let (kind, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let url = if rest.contains("mode=") || rest.contains(":memory:") {
                url.to_owned()
            } else if rest.contains('?') {
                format!("{url}&mode=rwc")
            } else {
                format!("{url}?mode=rwc")
            };
            (DbKind::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (DbKind::Postgres, url.to_owned())
        } else {
            let start: String = url.chars().take(12).collect();
            return Err(StoreError::Scheme(start));
        };
        let pool = pool_options(kind, if kind == DbKind::Sqlite { 8 } else { 16 }, 2048)
            .connect(&url)
            .await
            .map_err(StoreError::Connect)?;
        MIGRATOR.run(&pool).await.map_err(StoreError::Migrate)?;
        let writer = if kind == DbKind::Sqlite && !url.contains(":memory:") {
            // 8 MiB of page cache: between claiming an account and recording it, a pass touches
            // a few thousand rows and their index entries.
            pool_options(kind, 1, 8192)
                .connect(&url)
                .await
                .map_err(StoreError::Connect)?
        } else {
            pool.clone()
        };
        Ok(Self { pool, writer, kind })
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }

    // --- hub keys -------------------------------------------------------------------------

    pub async fn count_keys(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM hub_keys")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")?)
    }

    pub async fn insert_key(&self, key: &KeyRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO hub_keys (id, name, scopes, hash, tail, state, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&key.id)
        .bind(&key.name)
        .bind(Scope::join(&key.scopes))
        .bind(&key.hash)
        .bind(&key.tail)
        .bind(key.state.as_str())
        .bind(key.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn key(&self, id: &str) -> Result<Option<KeyRow>, StoreError> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM hub_keys WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(key_row).transpose()?)
    }

    pub async fn key_by_hash(&self, hash: &str) -> Result<Option<KeyRow>, StoreError> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM hub_keys WHERE hash = $1");
        let row = sqlx::query(&sql)
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(key_row).transpose()?)
    }

    /// Why a key hash no longer works, when it belonged to a regenerated key.
    pub async fn retired_reason(&self, hash: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT reason FROM retired_hub_keys WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("reason")).transpose()?)
    }

    pub async fn list_keys(&self) -> Result<Vec<KeyRow>, StoreError> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM hub_keys ORDER BY id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(key_row).collect::<Result<_, _>>()?)
    }

    /// Sets a key's state; a revoked key stays revoked. Returns whether a row changed.
    pub async fn set_key_state(&self, id: &str, state: KeyState) -> Result<bool, StoreError> {
        let revoked_at = (state == KeyState::Revoked).then(now);
        let done = sqlx::query(
            "UPDATE hub_keys SET state = $1, revoked_at = COALESCE($2, revoked_at) \
             WHERE id = $3 AND state <> 'revoked'",
        )
        .bind(state.as_str())
        .bind(revoked_at)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives a key a new secret; the old hash is remembered so it is refused with a reason.
    pub async fn regenerate_key(
        &self,
        id: &str,
        new_hash: &str,
        new_tail: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let Some(row) =
            sqlx::query("SELECT hash FROM hub_keys WHERE id = $1 AND state <> 'revoked'")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(false);
        };
        let old: String = row.try_get("hash")?;
        let at = now();
        sqlx::query(
            "INSERT INTO retired_hub_keys (hash, key_id, reason, retired_at) \
             VALUES ($1, $2, 'regenerated', $3)",
        )
        .bind(&old)
        .bind(id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE hub_keys SET hash = $1, tail = $2, regenerated_at = $3, last_used_at = NULL \
             WHERE id = $4",
        )
        .bind(new_hash)
        .bind(new_tail)
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records a use, at most once a minute per key.
    pub async fn touch_key(&self, id: &str, at: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE hub_keys SET last_used_at = $1 \
             WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
        )
        .bind(at)
        .bind(id)
        .bind(at - 60)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // --- connect sessions ------------------------------------------------------------------

    pub async fn insert_session(
        &self,
        session: &SessionRow,
        token_hash: &str,
        created_by: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO connect_sessions \
             (id, token_hash, owner, connectors, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&session.id)
        .bind(token_hash)
        .bind(&session.owner)
        .bind(session.connectors.join(" "))
        .bind(created_by)
        .bind(session.created_at)
        .bind(session.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn session_by_token_hash(
        &self,
        hash: &str,
    ) -> Result<Option<SessionRow>, StoreError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM connect_sessions WHERE token_hash = $1");
        let row = sqlx::query(&sql)
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(session_row).transpose()?)
    }

    /// Every connect session id (tests and audits).
    pub async fn session_ids(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT id FROM connect_sessions")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, _>>()?)
    }

    // --- accounts --------------------------------------------------------------------------

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
                 WHERE id = $3 AND used_at IS NULL AND expires_at > $1",
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
            Some(account),
            &format!("linked with status {}", account.status),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Inserts accounts as they are (an import), in one transaction; returns how many.
    pub async fn insert_accounts(&self, accounts: &[AccountRow]) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        for account in accounts {
            insert_account(&mut tx, account).await?;
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

    /// Stores a verification's result and releases the account's lease. A change of status is
    /// appended to the history, with a webhook delivery per endpoint, in the same transaction.
    /// `None` when no account has this id.
    pub async fn record_verification(
        &self,
        id: &str,
        v: &Verification,
    ) -> Result<Option<Option<crate::events::StatusChange>>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let Some(change) = record_in(&mut tx, id, v).await? else {
            return Ok(None);
        };
        if let Some(change) = &change {
            crate::events::record_changes(&mut tx, self.kind, std::slice::from_ref(change)).await?;
        }
        tx.commit().await?;
        Ok(Some(change))
    }

    /// Stores many verifications in one transaction (a scheduled pass): one multi-row update per
    /// few hundred accounts and one commit per batch, with their changes of status appended
    /// together. Returns each one's change of status, in order; `None` for an account unlinked
    /// meanwhile and for an unchanged status.
    pub async fn record_verifications(
        &self,
        results: &[(String, Verification)],
    ) -> Result<Vec<Option<crate::events::StatusChange>>, StoreError> {
        // Rows per statement: 7 parameters each, well under every database's limit.
        const ROWS: usize = 500;
        let mut tx = self.writer.begin().await?;
        let mut changes = Vec::with_capacity(results.len());
        for chunk in results.chunks(ROWS) {
            // VALUES columns are column1… on both SQLite and PostgreSQL: id, status, message,
            // proves, http_status, at, next_check_at.
            let sql = format!(
                "UPDATE accounts SET previous_status = accounts.status, status = v.column2, \
                 message = v.column3, \
                 proves = CASE WHEN v.column2 = 'verified' THEN v.column4 ELSE accounts.proves END, \
                 http_status = v.column5, last_verified_at = v.column6, updated_at = v.column6, \
                 next_check_at = v.column7, lease_until = NULL, lease_owner = NULL \
                 FROM (VALUES {}) AS v WHERE accounts.id = v.column1 \
                 RETURNING accounts.id, accounts.previous_status, accounts.connector, accounts.owner",
                placeholders(self.kind, chunk.len(), 7)
            );
            let mut query = sqlx::query(&sql);
            for (id, v) in chunk {
                query = query
                    .bind(id)
                    .bind(&v.status)
                    .bind(&v.message)
                    .bind(v.proves.to_string())
                    .bind(v.http_status)
                    .bind(v.at)
                    .bind(v.next_check_at);
            }
            let rows = query.fetch_all(&mut *tx).await?;
            let mut by_id: std::collections::HashMap<String, AnyRow> = rows
                .into_iter()
                .filter_map(|r| Some((r.try_get::<String, _>("id").ok()?, r)))
                .collect();
            for (id, v) in chunk {
                changes.push(match by_id.remove(id) {
                    Some(row) => crate::events::changed(id, &row, &v.status, &v.message, v.at)?,
                    None => None,
                });
            }
        }
        let changed: Vec<_> = changes.iter().flatten().cloned().collect();
        crate::events::record_changes(&mut tx, self.kind, &changed).await?;
        tx.commit().await?;
        Ok(changes)
    }

    /// Replaces an account's label, credentials and verification in one write.
    pub async fn update_account(
        &self,
        account: &AccountRow,
        actor: &str,
        detail: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "UPDATE accounts SET label = $1, masked_key = $2, public_fields = $3, \
             previous_status = status, status = $4, message = $5, proves = $6, http_status = $7, \
             last_verified_at = $8, updated_at = $9, key_id = $10, nonce = $11, ciphertext = $12 \
             WHERE id = $13 RETURNING previous_status, connector, owner",
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
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let change = crate::events::changed(
            &account.id,
            &row,
            &account.status,
            &account.message,
            account.updated_at,
        )?;
        if let Some(change) = &change {
            crate::events::record_changes(&mut tx, self.kind, std::slice::from_ref(change)).await?;
        }
        insert_audit(&mut tx, actor, "account.updated", Some(account), detail).await?;
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
            Some(&account),
            &format!("credentials deleted (key {})", account.masked_key),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn audit(
        &self,
        account_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditRow>, StoreError> {
        let rows = match account_id {
            Some(id) => {
                sqlx::query(
                    "SELECT id, at, actor, action, account_id, connector, owner, detail \
                     FROM audit_log WHERE account_id = $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(
                    "SELECT id, at, actor, action, account_id, connector, owner, detail \
                     FROM audit_log ORDER BY id DESC LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        Ok(rows.iter().map(audit_row).collect::<Result<_, _>>()?)
    }

    /// Accounts whose credentials are sealed under another key than `current`, a batch at a time.
    pub async fn sealed_under_other_keys(
        &self,
        table: SealedTable,
        current: &str,
        limit: i64,
    ) -> Result<Vec<(String, Sealed)>, StoreError> {
        let sql = format!(
            "SELECT id, key_id, nonce, ciphertext FROM {} WHERE key_id <> $1 LIMIT $2",
            table.name()
        );
        let rows = sqlx::query(&sql)
            .bind(current)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    Sealed {
                        key_id: r.try_get("key_id")?,
                        nonce: r.try_get("nonce")?,
                        ciphertext: r.try_get("ciphertext")?,
                    },
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Replaces one ciphertext if it is still the one read (a concurrent edit wins).
    pub async fn reseal(
        &self,
        table: SealedTable,
        id: &str,
        old: &Sealed,
        new: &Sealed,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE {} SET key_id = $1, nonce = $2, ciphertext = $3 \
             WHERE id = $4 AND key_id = $5 AND nonce = $6",
            table.name()
        );
        let done = sqlx::query(&sql)
            .bind(&new.key_id)
            .bind(&new.nonce)
            .bind(&new.ciphertext)
            .bind(id)
            .bind(&old.key_id)
            .bind(&old.nonce)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// How many accounts are sealed under each key id.
    pub async fn key_usage(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT key_id, COUNT(*) AS n FROM \
             (SELECT key_id FROM accounts UNION ALL SELECT key_id FROM webhooks) sealed \
             GROUP BY key_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("key_id")?, r.try_get::<i64, _>("n")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    // --- operator sign-in sessions ---------------------------------------------------------

    pub async fn insert_web_session(
        &self,
        token_hash: &str,
        key_id: &str,
        csrf: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let at = now();
        sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1")
            .bind(at)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO web_sessions (token_hash, hub_key_id, csrf, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(key_id)
        .bind(csrf)
        .bind(at)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The hub key id, CSRF token and start time of a live sign-in session.
    pub async fn web_session(&self, token_hash: &str) -> Result<Option<WebSession>, StoreError> {
        let row = sqlx::query(
            "SELECT hub_key_id, csrf, created_at FROM web_sessions \
             WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .map(|r| {
                Ok::<_, sqlx::Error>(WebSession {
                    key_id: r.try_get("hub_key_id")?,
                    csrf: r.try_get("csrf")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .transpose()?)
    }

    /// Records something done to the hub itself (a key created, disabled, …).
    pub async fn audit_event(
        &self,
        actor: &str,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        insert_audit(&mut tx, actor, action, None, detail).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_web_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM web_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
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
pub(crate) fn filter_clauses<'a>(
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

/// Pool settings: on SQLite, WAL for readers beside the writer, FULL so an acknowledged write
/// survives a kill, and `cache_kib` of page cache per connection.
fn pool_options(kind: DbKind, connections: u32, cache_kib: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if kind == DbKind::Sqlite {
                    for pragma in [
                        "PRAGMA journal_mode = WAL".to_owned(),
                        "PRAGMA synchronous = FULL".to_owned(),
                        "PRAGMA busy_timeout = 10000".to_owned(),
                        format!("PRAGMA cache_size = -{cache_kib}"),
                    ] {
                        sqlx::query(&pragma).execute(&mut *conn).await?;
                    }
                }
                Ok(())
            })
        })
}

/// `rows` groups of `columns` parameters, for a multi-row VALUES list: `($1, $2), ($3, $4)`
/// on PostgreSQL; `(?, ?), (?, ?)` on SQLite, which looks each numbered parameter up by name in
/// a list (binding thousands of them costs more than running the statement).
pub(crate) fn placeholders(kind: DbKind, rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 6);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            match kind {
                DbKind::Sqlite => sql.push('?'),
                DbKind::Postgres => {
                    sql.push('$');
                    sql.push_str(&(row * columns + column + 1).to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

/// Writes one verification; returns `None` when no account has this id, else its change.
async fn record_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    v: &Verification,
) -> Result<Option<Option<crate::events::StatusChange>>, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE accounts SET previous_status = status, status = $1, message = $2, \
         proves = CASE WHEN $1 = 'verified' THEN $3 ELSE proves END, http_status = $4, \
         last_verified_at = $5, updated_at = $5, next_check_at = $6, lease_until = NULL, \
         lease_owner = NULL WHERE id = $7 RETURNING previous_status, connector, owner",
    )
    .bind(&v.status)
    .bind(&v.message)
    .bind(v.proves.to_string())
    .bind(v.http_status)
    .bind(v.at)
    .bind(v.next_check_at)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    match row {
        None => Ok(None),
        Some(row) => Ok(Some(crate::events::changed(
            id, &row, &v.status, &v.message, v.at,
        )?)),
    }
}

async fn insert_audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    actor: &str,
    action: &str,
    account: Option<&AccountRow>,
    detail: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, action, account_id, connector, owner, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id("aud"))
    .bind(now())
    .bind(actor)
    .bind(action)
    .bind(account.map(|a| a.id.as_str()))
    .bind(account.map(|a| a.connector.as_str()))
    .bind(account.map(|a| a.owner.as_str()))
    .bind(detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_rows_on_postgres_and_stay_anonymous_on_sqlite() {
        assert_eq!(
            placeholders(DbKind::Postgres, 2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(placeholders(DbKind::Sqlite, 2, 2), "(?, ?), (?, ?)");
        assert_eq!(placeholders(DbKind::Postgres, 1, 1), "($1)");
    }
}
