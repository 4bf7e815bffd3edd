//! The credential vault: BigCommerce API tokens, encrypted at rest, never shown again.
//!
//! Records live in an embedded SQLite database (`<data dir>/vault.db`, WAL mode). Each
//! token is sealed with XChaCha20-Poly1305 under the master key, with a fresh random
//! 24-byte nonce per write and the record's identity (id, workspace, type) as associated
//! data, so a sealed token cannot be moved to another record. Names, types and dates are
//! stored in the clear; tokens never are. See [`key`] for the master key.
//!
//! [`Vault`] is the store; [`VaultCredentials`] lets the executor resolve a step's
//! credential by name.

pub mod key;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rusqlite::{Connection, OptionalExtension, params};
use secrecy::{ExposeSecret, SecretString};
use syncaut_executor::{CredentialError, CredentialStore};
use thiserror::Error;
use zeroize::Zeroizing;

pub use crate::key::{KEY_FILE, KeySource, MASTER_KEY_ENV, MasterKey};

/// Environment variable naming the data directory.
pub const DATA_DIR_ENV: &str = "SYNCAUT_DATA_DIR";

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "vault.db";

/// The only credential type so far.
pub const BIGCOMMERCE: &str = "bigcommerce";

/// The workspace used when none is named.
pub const DEFAULT_WORKSPACE: &str = "default";

/// SQLite `application_id` of a Syncaut vault ("SYNC").
const APPLICATION_ID: i64 = 0x5359_4E43;

/// What went wrong in the vault. Never holds a token or the key.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum VaultError {
    /// The key in `SYNCAUT_MASTER_KEY` or the key file is not base64 of 32 bytes.
    #[error(
        "the master key in {0} is not valid: it must be base64 of exactly 32 bytes (for example the output of `openssl rand -base64 32`)"
    )]
    InvalidKey(String),
    /// Records were sealed with another master key.
    #[error(
        "the credentials in {db} were sealed with a different master key (key id {stored}, current key id {current}). Set SYNCAUT_MASTER_KEY to the key they were saved with, or restore master.key from your backup"
    )]
    WrongKey {
        /// The database path.
        db: String,
        /// The fingerprint stored with the records.
        stored: String,
        /// The fingerprint of the key in use.
        current: String,
    },
    /// A record failed authentication: altered, moved or damaged.
    #[error(
        "the credential `{0}` failed its integrity check: its record was altered or damaged. Remove it with `syncaut credentials remove` and add the token again"
    )]
    Tampered(String),
    /// The database file is not a usable vault.
    #[error(
        "the vault database {path} is damaged or is not a Syncaut vault ({reason}); restore it from your backup or move it aside"
    )]
    Corrupt {
        /// The database path.
        path: String,
        /// What SQLite said.
        reason: String,
    },
    /// No credential has that name.
    #[error(
        "Credential not found: there is no credential named `{name}` in workspace `{workspace}`; `syncaut credentials list` shows the saved ones"
    )]
    NotFound {
        /// The name asked for.
        name: String,
        /// The workspace.
        workspace: String,
    },
    /// The name is taken in this workspace.
    #[error(
        "a credential named `{0}` already exists in this workspace; choose another name or use `syncaut credentials rotate` to replace its token"
    )]
    AlreadyExists(String),
    /// The name is empty, too long or has control characters.
    #[error("credential name `{0}` is not valid: use 1 to 100 printable characters")]
    InvalidName(String),
    /// The token is empty.
    #[error("the token is empty: paste the API Access Token BigCommerce showed when you created the API account")]
    EmptyToken,
    /// Reading or writing a file failed.
    #[error("{0}")]
    Io(String),
    /// The system's random source failed.
    #[error("the system random number generator failed: {0}")]
    Random(String),
    /// Another SQLite error.
    #[error("the vault database failed: {0}")]
    Database(String),
}

impl VaultError {
    /// A stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidKey(_) => "invalid_master_key",
            Self::WrongKey { .. } => "wrong_master_key",
            Self::Tampered(_) => "credential_tampered",
            Self::Corrupt { .. } => "vault_corrupt",
            Self::NotFound { .. } => "credential_not_found",
            Self::AlreadyExists(_) => "credential_exists",
            Self::InvalidName(_) => "invalid_credential_name",
            Self::EmptyToken => "empty_token",
            Self::Io(_) => "io",
            Self::Random(_) => "random",
            Self::Database(_) => "database",
        }
    }
}

/// What `list` shows of a credential: never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialInfo {
    /// Random id of the record.
    pub id: String,
    /// The workspace it belongs to.
    pub workspace: String,
    /// Its name, unique in the workspace.
    pub name: String,
    /// Its type (`bigcommerce`).
    pub kind: String,
    /// When it was added (RFC 3339, UTC).
    pub created_at: String,
    /// When its token was last replaced (RFC 3339, UTC).
    pub updated_at: String,
}

/// The default data directory: `SYNCAUT_DATA_DIR`, else `$XDG_DATA_HOME/syncaut`, else
/// `~/.local/share/syncaut`.
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("syncaut");
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".local/share/syncaut")
}

/// The credential vault.
pub struct Vault {
    conn: Connection,
    key: MasterKey,
    db_path: PathBuf,
    key_file: Option<PathBuf>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("db", &self.db_path)
            .field("key", &self.key)
            .finish()
    }
}

fn now() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (civil-from-days, proleptic Gregorian).
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn random_id() -> Result<String, VaultError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| VaultError::Random(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn check_name(name: &str) -> Result<(), VaultError> {
    let ok = !name.trim().is_empty() && name.chars().count() <= 100 && !name.chars().any(char::is_control);
    if ok {
        Ok(())
    } else {
        Err(VaultError::InvalidName(
            name.chars().take(100).filter(|c| !c.is_control()).collect(),
        ))
    }
}

/// The associated data that binds a sealed token to its record.
fn associated_data(id: &str, workspace: &str, kind: &str) -> Vec<u8> {
    format!("syncaut-credential-v1\u{0}{id}\u{0}{workspace}\u{0}{kind}").into_bytes()
}

/// A stored record with its sealed token.
struct SealedRow {
    id: String,
    workspace: String,
    name: String,
    kind: String,
    key_id: String,
    nonce: Vec<u8>,
    ciphertext: Vec<u8>,
}

const SEALED_COLUMNS: &str = "id, workspace, name, kind, key_id, nonce, ciphertext";

impl SealedRow {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            workspace: r.get(1)?,
            name: r.get(2)?,
            kind: r.get(3)?,
            key_id: r.get(4)?,
            nonce: r.get(5)?,
            ciphertext: r.get(6)?,
        })
    }

    fn associated_data(&self) -> Vec<u8> {
        associated_data(&self.id, &self.workspace, &self.kind)
    }
}

struct Sealed {
    nonce: Vec<u8>,
    ciphertext: Vec<u8>,
}

fn seal(key: &MasterKey, aad: &[u8], token: &SecretString) -> Result<Sealed, VaultError> {
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let mut nonce = [0u8; 24];
    getrandom::fill(&mut nonce).map_err(|e| VaultError::Random(e.to_string()))?;
    let payload = Payload {
        msg: token.expose_secret().as_bytes(),
        aad,
    };
    let ciphertext = cipher
        .encrypt(&XNonce::from(nonce), payload)
        .map_err(|_| VaultError::Database("encryption failed".into()))?;
    Ok(Sealed {
        nonce: nonce.to_vec(),
        ciphertext,
    })
}

fn open_sealed(
    key: &MasterKey,
    aad: &[u8],
    nonce: &[u8],
    ciphertext: &[u8],
    name: &str,
) -> Result<SecretString, VaultError> {
    let nonce: [u8; 24] = nonce.try_into().map_err(|_| VaultError::Tampered(name.to_owned()))?;
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let plain = Zeroizing::new(
        cipher
            .decrypt(&XNonce::from(nonce), Payload { msg: ciphertext, aad })
            .map_err(|_| VaultError::Tampered(name.to_owned()))?,
    );
    let text = std::str::from_utf8(&plain).map_err(|_| VaultError::Tampered(name.to_owned()))?;
    Ok(SecretString::from(text.to_owned()))
}

impl Vault {
    /// Opens (creating if needed) the vault in `data_dir` with the given key source.
    pub fn open(data_dir: &Path, source: KeySource) -> Result<Self, VaultError> {
        create_private_dir(data_dir)?;
        let db_path = data_dir.join(DB_FILE);
        let (key, key_file) = match source {
            KeySource::Key(key) => (key, None),
            KeySource::File(path) => {
                finish_interrupted_rotation(&path, &db_path)?;
                (key::load_or_create(&path)?, Some(path))
            }
        };
        let conn = open_connection(&db_path)?;
        Ok(Self {
            conn,
            key,
            db_path,
            key_file,
        })
    }

    /// Opens the vault in [`default_data_dir`] with the key from the environment.
    pub fn open_default() -> Result<Self, VaultError> {
        let dir = default_data_dir();
        let source = KeySource::from_env(&dir)?;
        Self::open(&dir, source)
    }

    /// The database file.
    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    fn db_error(&self, e: rusqlite::Error) -> VaultError {
        classify(&self.db_path, e)
    }

    /// Saves a new credential. The name must be free in the workspace.
    pub fn add(&self, workspace: &str, name: &str, token: &SecretString) -> Result<CredentialInfo, VaultError> {
        check_name(name)?;
        check_name(workspace)?;
        if token.expose_secret().trim().is_empty() {
            return Err(VaultError::EmptyToken);
        }
        let id = random_id()?;
        let sealed = seal(&self.key, &associated_data(&id, workspace, BIGCOMMERCE), token)?;
        let at = now();
        let inserted = self.conn.execute(
            "INSERT INTO credentials (id, workspace, name, kind, key_id, nonce, ciphertext, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
            params![
                id,
                workspace,
                name,
                BIGCOMMERCE,
                self.key.id(),
                sealed.nonce,
                sealed.ciphertext,
                at
            ],
        );
        match inserted {
            Ok(_) => Ok(CredentialInfo {
                id,
                workspace: workspace.into(),
                name: name.into(),
                kind: BIGCOMMERCE.into(),
                created_at: at.clone(),
                updated_at: at,
            }),
            Err(rusqlite::Error::SqliteFailure(err, _)) if err.code == rusqlite::ErrorCode::ConstraintViolation => {
                Err(VaultError::AlreadyExists(name.into()))
            }
            Err(e) => Err(self.db_error(e)),
        }
    }

    /// Every credential of a workspace, by name. No tokens.
    pub fn list(&self, workspace: &str) -> Result<Vec<CredentialInfo>, VaultError> {
        let mut statement = self
            .conn
            .prepare("SELECT id, workspace, name, kind, created_at, updated_at FROM credentials WHERE workspace = ?1 ORDER BY name")
            .map_err(|e| self.db_error(e))?;
        let rows = statement
            .query_map(params![workspace], |r| {
                Ok(CredentialInfo {
                    id: r.get(0)?,
                    workspace: r.get(1)?,
                    name: r.get(2)?,
                    kind: r.get(3)?,
                    created_at: r.get(4)?,
                    updated_at: r.get(5)?,
                })
            })
            .map_err(|e| self.db_error(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.db_error(e))
    }

    /// Deletes a credential.
    pub fn remove(&self, workspace: &str, name: &str) -> Result<(), VaultError> {
        let deleted = self
            .conn
            .execute(
                "DELETE FROM credentials WHERE workspace = ?1 AND name = ?2",
                params![workspace, name],
            )
            .map_err(|e| self.db_error(e))?;
        if deleted == 0 {
            return Err(VaultError::NotFound {
                name: name.into(),
                workspace: workspace.into(),
            });
        }
        Ok(())
    }

    /// Replaces a credential's token (after the API account was regenerated).
    pub fn replace_token(
        &self,
        workspace: &str,
        name: &str,
        token: &SecretString,
    ) -> Result<CredentialInfo, VaultError> {
        if token.expose_secret().trim().is_empty() {
            return Err(VaultError::EmptyToken);
        }
        let info = self.info(workspace, name)?;
        let sealed = seal(&self.key, &associated_data(&info.id, workspace, &info.kind), token)?;
        let at = now();
        self.conn
            .execute(
                "UPDATE credentials SET key_id = ?1, nonce = ?2, ciphertext = ?3, updated_at = ?4 WHERE id = ?5",
                params![self.key.id(), sealed.nonce, sealed.ciphertext, at, info.id],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(CredentialInfo { updated_at: at, ..info })
    }

    fn info(&self, workspace: &str, name: &str) -> Result<CredentialInfo, VaultError> {
        self.list(workspace)?
            .into_iter()
            .find(|c| c.name == name)
            .ok_or_else(|| VaultError::NotFound {
                name: name.into(),
                workspace: workspace.into(),
            })
    }

    /// The token of a credential, decrypted.
    pub fn token(&self, workspace: &str, name: &str) -> Result<SecretString, VaultError> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT {SEALED_COLUMNS} FROM credentials WHERE workspace = ?1 AND name = ?2"),
                params![workspace, name],
                SealedRow::from_row,
            )
            .optional()
            .map_err(|e| self.db_error(e))?
            .ok_or_else(|| VaultError::NotFound {
                name: name.into(),
                workspace: workspace.into(),
            })?;
        self.unseal(&row)
    }

    fn unseal(&self, row: &SealedRow) -> Result<SecretString, VaultError> {
        if row.key_id != self.key.id() {
            return Err(VaultError::WrongKey {
                db: self.db_path.display().to_string(),
                stored: row.key_id.clone(),
                current: self.key.id(),
            });
        }
        open_sealed(
            &self.key,
            &row.associated_data(),
            &row.nonce,
            &row.ciphertext,
            &row.name,
        )
    }

    /// Re-seals every credential under `new_key` in one transaction and returns how
    /// many there were. With a key file, the new key is written beside the old one first
    /// and moved into place after the commit, so an interruption loses nothing (the next
    /// open finishes the move).
    pub fn rotate_master_key(&mut self, new_key: MasterKey) -> Result<usize, VaultError> {
        let rows: Vec<SealedRow> = {
            let mut statement = self
                .conn
                .prepare(&format!("SELECT {SEALED_COLUMNS} FROM credentials"))
                .map_err(|e| self.db_error(e))?;
            let mapped = statement
                .query_map([], SealedRow::from_row)
                .map_err(|e| self.db_error(e))?;
            mapped.collect::<Result<_, _>>().map_err(|e| self.db_error(e))?
        };
        // Unseal everything first: a wrong key or a damaged record stops the rotation
        // before anything is written.
        let tokens = rows.iter().map(|row| self.unseal(row)).collect::<Result<Vec<_>, _>>()?;
        let pending = self.key_file.as_ref().map(|path| path.with_extension("key.new"));
        if let Some(pending) = &pending {
            let _ = std::fs::remove_file(pending);
            key::write_private(pending, &new_key)?;
        }
        let tx = self
            .conn
            .transaction()
            .map_err(|e| VaultError::Database(e.to_string()))?;
        for (row, token) in rows.iter().zip(&tokens) {
            let sealed = seal(&new_key, &row.associated_data(), token)?;
            tx.execute(
                "UPDATE credentials SET key_id = ?1, nonce = ?2, ciphertext = ?3 WHERE id = ?4",
                params![new_key.id(), sealed.nonce, sealed.ciphertext, row.id],
            )
            .map_err(|e| VaultError::Database(e.to_string()))?;
        }
        tx.commit().map_err(|e| VaultError::Database(e.to_string()))?;
        if let (Some(pending), Some(path)) = (&pending, &self.key_file) {
            std::fs::rename(pending, path)
                .map_err(|e| VaultError::Io(format!("cannot move {} into place: {e}", pending.display())))?;
        }
        self.key = new_key;
        Ok(rows.len())
    }
}

/// Whether SQLite answered "busy" or "locked" (another process holds the lock).
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(err, _) if matches!(err.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

/// A database error as the vault reports it: damage is `Corrupt`, the rest is `Database`.
fn classify(db_path: &Path, e: rusqlite::Error) -> VaultError {
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
fn open_connection(db_path: &Path) -> Result<Connection, VaultError> {
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
         COMMIT;"
    ))?;
    Ok(conn)
}

/// If a rotation was interrupted after its commit, the records use the key in
/// `master.key.new`: move it into place. If it was interrupted before, drop it.
fn finish_interrupted_rotation(key_path: &Path, db_path: &Path) -> Result<(), VaultError> {
    let pending = key_path.with_extension("key.new");
    let Some(new_key) = key::read_key_file(&pending)? else {
        return Ok(());
    };
    let uses_new = Connection::open(db_path)
        .and_then(|c| {
            c.query_row(
                "SELECT count(*) FROM credentials WHERE key_id = ?1",
                params![new_key.id()],
                |r| r.get::<_, i64>(0),
            )
        })
        .unwrap_or(0)
        > 0;
    let result = if uses_new {
        std::fs::rename(&pending, key_path)
    } else {
        std::fs::remove_file(&pending)
    };
    result.map_err(|e| {
        VaultError::Io(format!(
            "cannot finish the interrupted key rotation ({}): {e}",
            pending.display()
        ))
    })
}

fn create_private_dir(dir: &Path) -> Result<(), VaultError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| VaultError::Io(format!("cannot create the data directory {}: {e}", dir.display())))
}

/// The vault as the executor's [`CredentialStore`], for one workspace.
pub struct VaultCredentials {
    vault: Mutex<Vault>,
    workspace: String,
}

impl VaultCredentials {
    /// Resolves names in `workspace`.
    pub fn new(vault: Vault, workspace: &str) -> Self {
        Self {
            vault: Mutex::new(vault),
            workspace: workspace.to_owned(),
        }
    }
}

impl CredentialStore for VaultCredentials {
    fn token(&self, name: &str) -> Result<SecretString, CredentialError> {
        let vault = self
            .vault
            .lock()
            .map_err(|_| CredentialError::Unavailable("the vault lock was poisoned".into()))?;
        vault.token(&self.workspace, name).map_err(|err| match err {
            VaultError::NotFound { .. } => CredentialError::NotFound,
            other => CredentialError::Unavailable(other.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
    }
}
