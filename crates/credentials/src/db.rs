//! The database: an embedded SQLite file (`vault.db`, WAL mode, created with mode 0600)
//! holding the sealed records and the id of the key they are sealed with.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::Connection;

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

/// Whether SQLite answered "busy" or "locked" (another process holds the lock).
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(err, _) if matches!(err.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

/// A database error as the vault reports it: damage is `Corrupt`, the rest is `Database`.
pub(crate) fn classify(db_path: &Path, e: rusqlite::Error) -> VaultError {
    let damaged = matches!(&e, rusqlite::Error::SqliteFailure(err, _)
        if matches!(err.code, rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase));
    if damaged {
        VaultError::Corrupt {
            path: db_path.display().to_string(),
            reason: e.to_string(),
        }
    } else {
        VaultError::Database(format!("{}: {e}", db_path.display()))
    }
}

/// Opens the database in WAL mode and creates the schema. Two processes doing this at
/// once can get "busy" even with a busy timeout (SQLite refuses to wait where waiting
/// could deadlock, as when switching to WAL), so initialisation is retried for a while.
pub(crate) fn open_connection(db_path: &Path) -> Result<Connection, VaultError> {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut pause = Duration::from_millis(5);
    loop {
        match initialise(db_path) {
            Ok(conn) => return Ok(conn),
            Err(Init::Sqlite(e)) if is_busy(&e) && Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(200));
            }
            Err(Init::Sqlite(e)) => return Err(classify(db_path, e)),
            Err(Init::Vault(e)) => return Err(e),
        }
    }
}

enum Init {
    Sqlite(rusqlite::Error),
    Vault(VaultError),
}

impl From<rusqlite::Error> for Init {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e)
    }
}

fn initialise(db_path: &Path) -> Result<Connection, Init> {
    create_private_file(db_path).map_err(Init::Vault)?;
    let conn = Connection::open(db_path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Init::Vault(VaultError::Database(format!(
            "could not switch {} to WAL mode",
            db_path.display()
        ))));
    }
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
    let app_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    if app_id != APPLICATION_ID && tables > 0 {
        return Err(Init::Vault(VaultError::Corrupt {
            path: db_path.display().to_string(),
            reason: "not a Syncaut vault".into(),
        }));
    }
    conn.execute_batch(&format!(
        "BEGIN IMMEDIATE;
         PRAGMA application_id = {APPLICATION_ID};
         CREATE TABLE IF NOT EXISTS credentials (
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
         );
         CREATE TABLE IF NOT EXISTS meta (
             key TEXT PRIMARY KEY,
             value TEXT NOT NULL
         );
         INSERT OR IGNORE INTO meta (key, value)
             SELECT 'key_id', key_id FROM credentials LIMIT 1;
         COMMIT;"
    ))?;
    Ok(conn)
}
