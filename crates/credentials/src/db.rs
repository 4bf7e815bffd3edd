//! The database: an embedded SQLite file (`vault.db`, WAL mode, created with mode 0600)
//! holding the sealed records and the id of the key they are sealed with, through sqlx,
//! the workspace's one SQLite layer.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, PgPool, Row};

use crate::{APPLICATION_ID, VaultError};

/// Creates the database file, readable by the owner only, before SQLite opens it (SQLite
/// gives its journal files the same permissions).
fn create_private_file(path: &Path) -> Result<(), VaultError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map(drop)
        .map_err(|e| VaultError::Io(format!("cannot create the vault database {}: {e}", path.display())))
}

/// Whether an error says the file is not a usable database (damaged, or something else).
fn is_damage(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // SQLITE_CORRUPT (11) and SQLITE_NOTADB (26), with their extended codes.
            let primary = code.parse::<i64>().map(|c| c & 0xff).unwrap_or(-1);
            primary == 11 || primary == 26 || db.message().contains("not a database")
        }
        _ => false,
    }
}

/// A database error as the vault reports it: damage is `Corrupt`, the rest is `Database`.
pub(crate) fn classify(db_path: &Path, e: sqlx::Error) -> VaultError {
    if is_damage(&e) {
        VaultError::Corrupt {
            path: db_path.display().to_string(),
            reason: e.to_string(),
        }
    } else {
        VaultError::Database(format!("{}: {e}", db_path.display()))
    }
}

/// Whether SQLite answered "busy" or "locked" (another process holds the lock).
fn is_busy(e: &VaultError) -> bool {
    matches!(e, VaultError::Database(text) if text.contains("database is locked") || text.contains("database is busy") || text.contains("(code: 5)") || text.contains("(code: 6)"))
}

/// Opens the database and creates the schema. Two processes doing this at once can get
/// "busy" even with a busy timeout (SQLite refuses to wait where waiting could deadlock,
/// as when switching to WAL), so opening is retried for a while.
pub(crate) async fn open(db_path: &Path) -> Result<SqlitePool, VaultError> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let mut pause = Duration::from_millis(5);
    loop {
        match open_once(db_path).await {
            Err(e) if is_busy(&e) && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(200));
            }
            other => return other,
        }
    }
}

/// Opens the database in WAL mode (one writer at a time, waiting up to ten seconds for
/// another) and creates the schema.
async fn open_once(db_path: &Path) -> Result<SqlitePool, VaultError> {
    create_private_file(db_path)?;
    let url = format!("sqlite://{}", db_path.display());
    let options = SqliteConnectOptions::from_str(&url)
        .map_err(|e| classify(db_path, e))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .disable_statement_logging();
    let pool = SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await
        .map_err(|e| classify(db_path, e))?;
    let app_id: i64 = sqlx::query("PRAGMA application_id")
        .fetch_one(&pool)
        .await
        .and_then(|row| row.try_get(0))
        .map_err(|e| classify(db_path, e))?;
    let tables: i64 = sqlx::query("SELECT count(*) FROM sqlite_master")
        .fetch_one(&pool)
        .await
        .and_then(|row| row.try_get(0))
        .map_err(|e| classify(db_path, e))?;
    if app_id != APPLICATION_ID && tables > 0 {
        return Err(VaultError::Corrupt {
            path: db_path.display().to_string(),
            reason: "not a Syncaut vault".into(),
        });
    }
    let mut tx = pool.begin().await.map_err(|e| classify(db_path, e))?;
    for statement in [
        format!("PRAGMA application_id = {APPLICATION_ID}"),
        "CREATE TABLE IF NOT EXISTS credentials (
             id TEXT PRIMARY KEY,
             workspace TEXT NOT NULL,
             name TEXT NOT NULL,
             kind TEXT NOT NULL,
             key_id TEXT NOT NULL,
             nonce BLOB NOT NULL,
             ciphertext BLOB NOT NULL,
             created_at TEXT NOT NULL,
             updated_at TEXT NOT NULL,
             UNIQUE (workspace, name)
         )"
        .to_owned(),
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)".to_owned(),
        "INSERT INTO meta (key, value) SELECT 'key_id', key_id FROM credentials LIMIT 1 ON CONFLICT (key) DO NOTHING"
            .to_owned(),
    ] {
        // The statements are this module's own constants, not input.
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut *tx)
            .await
            .map_err(|e| classify(db_path, e))?;
    }
    tx.commit().await.map_err(|e| classify(db_path, e))?;
    Ok(pool)
}

/// The database the sealed tokens live in: the embedded SQLite file, or PostgreSQL shared by
/// every server and worker (the key never goes there).
#[derive(Clone, Debug)]
pub(crate) enum VaultDb {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// What messages call a PostgreSQL vault.
pub(crate) const POSTGRES_LABEL: &str = "the PostgreSQL vault";

/// Connects to PostgreSQL and creates the vault's tables (under an advisory lock, so that
/// several processes may start at once). Errors never quote the URL (it holds a password).
pub(crate) async fn open_postgres(url: &str) -> Result<PgPool, VaultError> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|_| VaultError::Database("the database URL is not a valid postgres:// URL".into()))?
        .application_name("syncaut")
        .disable_statement_logging();
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await
        .map_err(|e| {
            VaultError::Database(format!(
                "cannot connect to PostgreSQL: {}",
                without_passwords(&e.to_string())
            ))
        })?;
    let fail = |e: sqlx::Error| VaultError::Database(format!("{POSTGRES_LABEL}: {e}"));
    let mut tx = pool.begin().await.map_err(fail)?;
    for statement in [
        "SELECT pg_advisory_xact_lock(7306582114391002)",
        "CREATE TABLE IF NOT EXISTS credentials (
             id TEXT PRIMARY KEY,
             workspace TEXT NOT NULL,
             name TEXT NOT NULL,
             kind TEXT NOT NULL,
             key_id TEXT NOT NULL,
             nonce BYTEA NOT NULL,
             ciphertext BYTEA NOT NULL,
             created_at TEXT NOT NULL,
             updated_at TEXT NOT NULL,
             UNIQUE (workspace, name)
         )",
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "INSERT INTO meta (key, value) SELECT 'key_id', key_id FROM credentials LIMIT 1 ON CONFLICT (key) DO NOTHING",
    ] {
        sqlx::query(statement).execute(&mut *tx).await.map_err(fail)?;
    }
    tx.commit().await.map_err(fail)?;
    Ok(pool)
}

/// A connection error may quote a URL, password included; only what follows `@` stays.
fn without_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        out.push_str(&rest[..at + 3]);
        rest = &rest[at + 3..];
        if let Some(end) = rest.find('@').filter(|end| !rest[..*end].contains(char::is_whitespace)) {
            out.push_str("…@");
            rest = &rest[end + 1..];
        }
    }
    out.push_str(rest);
    out
}
