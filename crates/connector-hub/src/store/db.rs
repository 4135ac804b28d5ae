//! The database handle: opening SQLite or PostgreSQL, the embedded migrations, the pools, and
//! the small SQL helpers every table group shares.

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

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

/// The hub's database.
#[derive(Debug, Clone)]
pub struct Store {
    pub(super) pool: AnyPool,
    /// Where scheduled passes claim and record. On SQLite one connection of its own: SQLite
    /// drops a connection's page cache whenever another connection has written, so a pass that
    /// writes through whichever pooled connection is free re-reads the pages it just wrote.
    /// Its commits are not synced to disk one by one (`synchronous = NORMAL`): what it writes
    /// (leases, check results and their history) survives the process being killed, and a
    /// power loss can only undo the last results, whose accounts are then checked again. Every
    /// other write is synced before it is acknowledged. Elsewhere the same pool.
    pub(super) writer: AnyPool,
    pub kind: DbKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
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
        let connections = if kind == DbKind::Sqlite { 8 } else { 16 };
        let pool = pool_options(kind, connections, 2048, Commits::Synced)
            .connect(&url)
            .await
            .map_err(StoreError::Connect)?;
        MIGRATOR.run(&pool).await.map_err(StoreError::Migrate)?;
        if kind == DbKind::Postgres {
            leave_room_for_updates(&pool).await?;
        }
        let writer = if kind == DbKind::Sqlite && !url.contains(":memory:") {
            // 8 MiB of page cache: between claiming an account and recording it, a pass touches
            // a few thousand rows and their index entries.
            pool_options(kind, 1, 8192, Commits::Unsynced)
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

    /// `FOR UPDATE SKIP LOCKED` where the database has it, for claims several processes share.
    pub(super) fn skip_locked(&self) -> &'static str {
        match self.kind {
            DbKind::Postgres => " FOR UPDATE SKIP LOCKED",
            DbKind::Sqlite => "",
        }
    }
}

/// How full PostgreSQL fills the pages of `accounts`, in percent.
const ACCOUNTS_FILLFACTOR: u32 = 80;

/// Leaves room in each page of `accounts` for new versions of its rows. A claim and a lease's
/// release change only the lease columns, which no index covers: with room in the page,
/// PostgreSQL writes the new version beside the old one (a heap-only update) instead of adding an
/// entry to each of the table's six indexes, which made a claim cost about as much as the check
/// it leads to. Set once; it applies to the pages written from then on.
async fn leave_room_for_updates(pool: &sqlx::AnyPool) -> Result<(), StoreError> {
    let options: String = sqlx::query_scalar(
        "SELECT COALESCE(array_to_string(reloptions, ','), '') FROM pg_class \
         WHERE oid = 'accounts'::regclass",
    )
    .fetch_one(pool)
    .await?;
    if !options.contains("fillfactor=") {
        sqlx::query(&format!(
            "ALTER TABLE accounts SET (fillfactor = {ACCOUNTS_FILLFACTOR})"
        ))
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// How a SQLite connection's commits reach the disk.
#[derive(Debug, Clone, Copy)]
enum Commits {
    /// Synced at every commit (`synchronous = FULL`): an acknowledged write survives a power
    /// loss.
    Synced,
    /// Synced at checkpoints (`synchronous = NORMAL`): a commit survives the process being
    /// killed, not a power loss.
    Unsynced,
}

/// Pool settings: on SQLite, WAL for readers beside the writer, `commits` for how they reach the disk, and
/// `cache_kib` of page cache per connection. A SQLite connection is a file in this process and
/// cannot drop, so it is not pinged before each use (the ping was about a tenth of the hub's
/// CPU per proxied request); a PostgreSQL one is.
fn pool_options(
    kind: DbKind,
    connections: u32,
    cache_kib: u32,
    commits: Commits,
) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections)
        .test_before_acquire(kind != DbKind::Sqlite)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if kind == DbKind::Sqlite {
                    for pragma in [
                        "PRAGMA journal_mode = WAL".to_owned(),
                        format!(
                            "PRAGMA synchronous = {}",
                            match commits {
                                Commits::Synced => "FULL",
                                Commits::Unsynced => "NORMAL",
                            }
                        ),
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
pub(super) fn placeholders(kind: DbKind, rows: usize, columns: usize) -> String {
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

/// A JSON text column, `null` when it does not parse.
pub(super) fn json_column(row: &AnyRow, name: &str) -> Result<serde_json::Value, sqlx::Error> {
    let text: String = row.try_get(name)?;
    Ok(serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
}

/// Every value of one text column.
pub(super) fn strings(rows: &[AnyRow], column: &str) -> Result<Vec<String>, sqlx::Error> {
    rows.iter().map(|r| r.try_get(column)).collect()
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
