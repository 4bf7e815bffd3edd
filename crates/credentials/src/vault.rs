//! The vault itself: add, list, remove, replace and read credentials, and rotate the
//! master key. Every write holds the data directory's lock ([`crate::lock`]) and first
//! makes sure it seals with the key the database uses (another process may have rotated
//! it since this one opened the vault: a key file is read again, a key from the
//! environment that no longer matches is refused).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use secrecy::{ExposeSecret, SecretString};

use crate::db::{classify, open_connection};
use crate::key::{check_private, load_or_create, pending_keys, pending_path, read_key_file, write_private};
use crate::lock::{VaultLock, lock};
use crate::seal::{associated_data, open, seal};
use crate::{BIGCOMMERCE, DB_FILE, KeySource, MasterKey, VaultError};

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

/// The credential vault.
pub struct Vault {
    conn: Connection,
    key: MasterKey,
    dir: PathBuf,
    db_path: PathBuf,
    source: KeySource,
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
    chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
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

/// A token that can never be sent is refused when it is saved, in the product docs' words.
fn check_token(token: &SecretString) -> Result<(), VaultError> {
    if token.expose_secret().trim().is_empty() {
        return Err(VaultError::EmptyToken);
    }
    bigcommerce_api::auth_header(token)
        .map(drop)
        .map_err(|e| VaultError::InvalidToken(e.to_string()))
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

/// Creates the data directory (mode 0700), or refuses one other users can reach.
fn private_dir(dir: &Path) -> Result<(), VaultError> {
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|e| VaultError::Io(format!("cannot create the data directory {}: {e}", dir.display())))?;
    }
    let meta = std::fs::metadata(dir)
        .map_err(|e| VaultError::Io(format!("cannot read the data directory {}: {e}", dir.display())))?;
    check_private(dir, &meta, "the data directory", 0o700)
}

/// The id of the key the database's records are sealed with, if it has any.
fn stored_key_id(conn: &Connection, db_path: &Path) -> Result<Option<String>, VaultError> {
    conn.query_row("SELECT value FROM meta WHERE key = 'key_id'", [], |r| r.get(0))
        .optional()
        .map_err(|e| classify(db_path, e))
}

/// Rotations interrupted before moving their new key into place: if the database uses
/// the new key, it is moved into place; if not, the rotation never committed and the new
/// key is dropped. Runs under the lock; when the database cannot say which key it uses,
/// nothing is deleted.
fn finish_interrupted_rotations(key_path: &Path, conn: &Connection, db_path: &Path) -> Result<(), VaultError> {
    let pending = pending_keys(key_path)?;
    if pending.is_empty() {
        return Ok(());
    }
    let stored = stored_key_id(conn, db_path)?;
    for path in pending {
        let Some(new_key) = read_key_file(&path)? else { continue };
        let result = if stored.as_deref() == Some(new_key.id().as_str()) {
            std::fs::rename(&path, key_path)
        } else {
            std::fs::remove_file(&path)
        };
        result.map_err(|e| {
            VaultError::Io(format!(
                "cannot finish the interrupted key rotation ({}): {e}",
                path.display()
            ))
        })?;
    }
    Ok(())
}

impl Vault {
    /// Opens (creating if needed) the vault in `data_dir` with the given key source.
    pub fn open(data_dir: &Path, source: KeySource) -> Result<Self, VaultError> {
        private_dir(data_dir)?;
        let db_path = data_dir.join(DB_FILE);
        let _lock = lock(data_dir)?;
        let conn = open_connection(&db_path)?;
        let key = match &source {
            KeySource::Key(key) => key.clone(),
            KeySource::File(path) => {
                finish_interrupted_rotations(path, &conn, &db_path)?;
                load_or_create(path)?
            }
        };
        Ok(Self {
            conn,
            key,
            dir: data_dir.to_owned(),
            db_path,
            source,
        })
    }

    /// Opens the vault in [`crate::default_data_dir`] with the key from the environment.
    pub fn open_default() -> Result<Self, VaultError> {
        let dir = crate::default_data_dir();
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

    fn wrong_key(&self, stored: &str) -> VaultError {
        VaultError::WrongKey {
            db: self.db_path.display().to_string(),
            stored: stored.to_owned(),
            current: self.key.id(),
        }
    }

    /// Takes the lock for a write, and makes sure the key in hand is the one the database
    /// uses (reading the key file again after another process rotated it).
    fn lock_for_write(&mut self) -> Result<VaultLock, VaultError> {
        let held = lock(&self.dir)?;
        let Some(stored) = stored_key_id(&self.conn, &self.db_path)? else {
            return Ok(held);
        };
        if stored == self.key.id() {
            return Ok(held);
        }
        if let KeySource::File(path) = &self.source
            && let Some(current) = read_key_file(path)?
            && current.id() == stored
        {
            self.key = current;
            return Ok(held);
        }
        Err(self.wrong_key(&stored))
    }

    /// Saves a new credential. The name must be free in the workspace.
    pub fn add(&mut self, workspace: &str, name: &str, token: &SecretString) -> Result<CredentialInfo, VaultError> {
        check_name(name)?;
        check_name(workspace)?;
        check_token(token)?;
        let _lock = self.lock_for_write()?;
        let id = random_id()?;
        let sealed = seal(&self.key, &associated_data(&id, workspace, BIGCOMMERCE), token)?;
        let at = now();
        let tx = self.conn.transaction().map_err(|e| classify(&self.db_path, e))?;
        let inserted = tx.execute(
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
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(err, _)) if err.code == rusqlite::ErrorCode::ConstraintViolation => {
                return Err(VaultError::AlreadyExists(name.into()));
            }
            Err(e) => return Err(classify(&self.db_path, e)),
        }
        tx.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('key_id', ?1)",
            params![self.key.id()],
        )
        .and_then(|_| tx.commit())
        .map_err(|e| classify(&self.db_path, e))?;
        Ok(CredentialInfo {
            id,
            workspace: workspace.into(),
            name: name.into(),
            kind: BIGCOMMERCE.into(),
            created_at: at.clone(),
            updated_at: at,
        })
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
    pub fn remove(&mut self, workspace: &str, name: &str) -> Result<(), VaultError> {
        let _lock = lock(&self.dir)?;
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
        &mut self,
        workspace: &str,
        name: &str,
        token: &SecretString,
    ) -> Result<CredentialInfo, VaultError> {
        check_token(token)?;
        let _lock = self.lock_for_write()?;
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
        if row.key_id == self.key.id() {
            return self.unseal(&self.key, &row);
        }
        // Another process may have rotated the key since this one opened the vault.
        if let KeySource::File(path) = &self.source
            && let Some(current) = read_key_file(path)?
            && current.id() == row.key_id
        {
            return self.unseal(&current, &row);
        }
        Err(self.wrong_key(&row.key_id))
    }

    fn unseal(&self, key: &MasterKey, row: &SealedRow) -> Result<SecretString, VaultError> {
        open(key, &row.associated_data(), &row.nonce, &row.ciphertext, &row.name)
    }

    /// Re-seals every credential under `new_key` in one transaction and returns how many
    /// there were. With a key file, the new key is written beside the old one under a
    /// fresh name first and moved into place after the commit, so an interruption loses
    /// nothing (the next open finishes the move). The whole rotation holds the lock.
    pub fn rotate_master_key(&mut self, new_key: MasterKey) -> Result<usize, VaultError> {
        let _lock = self.lock_for_write()?;
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
        let tokens = rows
            .iter()
            .map(|row| {
                if row.key_id != self.key.id() {
                    return Err(self.wrong_key(&row.key_id));
                }
                self.unseal(&self.key, row)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let key_file = match &self.source {
            KeySource::File(path) => Some(path.clone()),
            KeySource::Key(_) => None,
        };
        let pending = key_file.as_deref().map(pending_path).transpose()?;
        if let Some(pending) = &pending {
            write_private(pending, &new_key)?;
        }
        let tx = self.conn.transaction().map_err(|e| classify(&self.db_path, e))?;
        for (row, token) in rows.iter().zip(&tokens) {
            let sealed = seal(&new_key, &row.associated_data(), token)?;
            tx.execute(
                "UPDATE credentials SET key_id = ?1, nonce = ?2, ciphertext = ?3 WHERE id = ?4",
                params![new_key.id(), sealed.nonce, sealed.ciphertext, row.id],
            )
            .map_err(|e| classify(&self.db_path, e))?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('key_id', ?1)",
            params![new_key.id()],
        )
        .and_then(|_| tx.commit())
        .map_err(|e| classify(&self.db_path, e))?;
        if let (Some(pending), Some(path)) = (&pending, &key_file) {
            std::fs::rename(pending, path)
                .map_err(|e| VaultError::Io(format!("cannot move {} into place: {e}", pending.display())))?;
        }
        self.key = new_key;
        if let KeySource::Key(_) = self.source {
            self.source = KeySource::Key(self.key.clone());
        }
        Ok(rows.len())
    }

    /// The key id the vault seals with (a public fingerprint).
    pub fn key_id(&self) -> String {
        self.key.id()
    }
}
