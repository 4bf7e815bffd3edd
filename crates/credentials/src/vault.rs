//! The vault itself: add, list, remove, replace and read credentials, and rotate the
//! master key. Every write holds the data directory's lock ([`crate::lock`]) and first
//! makes sure it seals with the key the database uses (another process may have rotated
//! it since this one opened the vault: a key file is read again, a key from the
//! environment that no longer matches is refused).

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use sqlx::Row;

use crate::db::{VaultDb, classify};
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

/// Runs `$body` with `$pool` bound to the vault's pool, whichever database it is (each
/// arm is its own monomorphic copy of the same code).
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            VaultDb::Sqlite($pool) => $body,
            VaultDb::Postgres($pool) => $body,
        }
    };
}

/// The credential vault. Cheap to clone: a pool of connections to the database.
#[derive(Clone)]
pub struct Vault {
    pool: VaultDb,
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

/// The columns [`SealedRow::from_row`] reads, in its order.
macro_rules! sealed_columns {
    () => {
        "id, workspace, name, kind, key_id, nonce, ciphertext"
    };
}

impl SealedRow {
    fn from_row<R: Row>(r: &R) -> sqlx::Result<Self>
    where
        usize: sqlx::ColumnIndex<R>,
        for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        for<'r> Vec<u8>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    {
        Ok(Self {
            id: r.try_get(0)?,
            workspace: r.try_get(1)?,
            name: r.try_get(2)?,
            kind: r.try_get(3)?,
            key_id: r.try_get(4)?,
            nonce: r.try_get(5)?,
            ciphertext: r.try_get(6)?,
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
async fn stored_key_id(db: &VaultDb, db_path: &Path) -> Result<Option<String>, VaultError> {
    on_db!(db, pool => sqlx::query_scalar("SELECT value FROM meta WHERE key = 'key_id'")
        .fetch_optional(pool)
        .await
        .map_err(|e| classify(db_path, e)))
}

/// Rotations interrupted before moving their new key into place: if the database uses
/// the new key, it is moved into place; if not, the rotation never committed and the new
/// key is dropped. Runs under the lock; when the database cannot say which key it uses,
/// nothing is deleted.
async fn finish_interrupted_rotations(key_path: &Path, pool: &VaultDb, db_path: &Path) -> Result<(), VaultError> {
    let pending = pending_keys(key_path)?;
    if pending.is_empty() {
        return Ok(());
    }
    let stored = stored_key_id(pool, db_path).await?;
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
    pub async fn open(data_dir: &Path, source: KeySource) -> Result<Self, VaultError> {
        private_dir(data_dir)?;
        let db_path = data_dir.join(DB_FILE);
        let _lock = lock(data_dir).await?;
        let pool = VaultDb::Sqlite(crate::db::open(&db_path).await?);
        let key = match &source {
            KeySource::Key(key) => key.clone(),
            KeySource::File(path) => {
                finish_interrupted_rotations(path, &pool, &db_path).await?;
                load_or_create(path)?
            }
        };
        Ok(Self {
            pool,
            key,
            dir: data_dir.to_owned(),
            db_path,
            source,
        })
    }

    /// The vault in PostgreSQL (`postgres://…`), shared by every server and worker on it.
    /// The key stays with each process (`SYNCAUT_MASTER_KEY`, or the key file in
    /// `data_dir`): the database holds only sealed tokens and the key's public id.
    pub async fn connect(data_dir: &Path, url: &str, source: KeySource) -> Result<Self, VaultError> {
        private_dir(data_dir)?;
        let pool = VaultDb::Postgres(crate::db::open_postgres(url).await?);
        let db_path = PathBuf::from(crate::db::POSTGRES_LABEL);
        let key = match &source {
            KeySource::Key(key) => key.clone(),
            KeySource::File(path) => {
                let _lock = lock(data_dir).await?;
                finish_interrupted_rotations(path, &pool, &db_path).await?;
                load_or_create(path)?
            }
        };
        Ok(Self {
            pool,
            key,
            dir: data_dir.to_owned(),
            db_path,
            source,
        })
    }

    /// Opens the vault in [`crate::default_data_dir`] with the key from the environment:
    /// in PostgreSQL when `SYNCAUT_DATABASE_URL` names one, else the SQLite file.
    pub async fn open_default() -> Result<Self, VaultError> {
        let dir = crate::default_data_dir();
        let source = KeySource::from_env(&dir)?;
        match std::env::var(crate::DATABASE_URL_ENV)
            .ok()
            .filter(|u| is_postgres_url(u))
        {
            Some(url) => Self::connect(&dir, url.trim(), source).await,
            None => Self::open(&dir, source).await,
        }
    }

    /// The database file.
    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    fn db_error(&self, e: sqlx::Error) -> VaultError {
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
    async fn lock_for_write(&mut self) -> Result<VaultLock, VaultError> {
        let held = lock(&self.dir).await?;
        let Some(stored) = stored_key_id(&self.pool, &self.db_path).await? else {
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
    pub async fn add(
        &mut self,
        workspace: &str,
        name: &str,
        token: &SecretString,
    ) -> Result<CredentialInfo, VaultError> {
        check_name(name)?;
        check_name(workspace)?;
        check_token(token)?;
        let _lock = self.lock_for_write().await?;
        let id = random_id()?;
        let sealed = seal(&self.key, &associated_data(&id, workspace, BIGCOMMERCE), token)?;
        let at = now();
        on_db!(&self.pool, pool => {
        let mut tx = pool.begin().await.map_err(|e| self.db_error(e))?;
        let inserted = sqlx::query(
            "INSERT INTO credentials (id, workspace, name, kind, key_id, nonce, ciphertext, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(&id)
        .bind(workspace)
        .bind(name)
        .bind(BIGCOMMERCE)
        .bind(self.key.id())
        .bind(&sealed.nonce)
        .bind(&sealed.ciphertext)
        .bind(&at)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                return Err(VaultError::AlreadyExists(name.into()));
            }
            Err(e) => return Err(self.db_error(e)),
        }
        sqlx::query("INSERT INTO meta (key, value) VALUES ('key_id', $1) ON CONFLICT (key) DO NOTHING")
            .bind(self.key.id())
            .execute(&mut *tx)
            .await
            .map_err(|e| self.db_error(e))?;
        tx.commit().await.map_err(|e| self.db_error(e))?;
        });
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
    pub async fn list(&self, workspace: &str) -> Result<Vec<CredentialInfo>, VaultError> {
        on_db!(&self.pool, pool => {
        let rows = sqlx::query(
            "SELECT id, workspace, name, kind, created_at, updated_at FROM credentials WHERE workspace = $1 ORDER BY name",
        )
        .bind(workspace)
        .fetch_all(pool)
        .await
        .map_err(|e| self.db_error(e))?;
        rows.iter()
            .map(|r| {
                Ok(CredentialInfo {
                    id: r.try_get(0)?,
                    workspace: r.try_get(1)?,
                    name: r.try_get(2)?,
                    kind: r.try_get(3)?,
                    created_at: r.try_get(4)?,
                    updated_at: r.try_get(5)?,
                })
            })
            .collect::<sqlx::Result<Vec<_>>>()
            .map_err(|e| self.db_error(e))
        })
    }

    /// Deletes a credential.
    pub async fn remove(&mut self, workspace: &str, name: &str) -> Result<(), VaultError> {
        let _lock = lock(&self.dir).await?;
        let deleted = on_db!(&self.pool, pool => sqlx::query("DELETE FROM credentials WHERE workspace = $1 AND name = $2")
            .bind(workspace)
            .bind(name)
            .execute(pool)
            .await
            .map_err(|e| self.db_error(e))?
            .rows_affected());
        if deleted == 0 {
            return Err(VaultError::NotFound {
                name: name.into(),
                workspace: workspace.into(),
            });
        }
        Ok(())
    }

    /// Replaces a credential's token (after the API account was regenerated).
    pub async fn replace_token(
        &mut self,
        workspace: &str,
        name: &str,
        token: &SecretString,
    ) -> Result<CredentialInfo, VaultError> {
        check_token(token)?;
        let _lock = self.lock_for_write().await?;
        let info = self.info(workspace, name).await?;
        let sealed = seal(&self.key, &associated_data(&info.id, workspace, &info.kind), token)?;
        let at = now();
        on_db!(&self.pool, pool => sqlx::query("UPDATE credentials SET key_id = $1, nonce = $2, ciphertext = $3, updated_at = $4 WHERE id = $5")
            .bind(self.key.id())
            .bind(&sealed.nonce)
            .bind(&sealed.ciphertext)
            .bind(&at)
            .bind(&info.id)
            .execute(pool)
            .await
            .map(drop)
            .map_err(|e| self.db_error(e))?);
        Ok(CredentialInfo { updated_at: at, ..info })
    }

    async fn info(&self, workspace: &str, name: &str) -> Result<CredentialInfo, VaultError> {
        self.list(workspace)
            .await?
            .into_iter()
            .find(|c| c.name == name)
            .ok_or_else(|| VaultError::NotFound {
                name: name.into(),
                workspace: workspace.into(),
            })
    }

    /// The token of a credential, decrypted.
    pub async fn token(&self, workspace: &str, name: &str) -> Result<SecretString, VaultError> {
        let row = on_db!(&self.pool, pool => sqlx::query(concat!(
            "SELECT ",
            sealed_columns!(),
            " FROM credentials WHERE workspace = $1 AND name = $2"
        ))
        .bind(workspace)
        .bind(name)
        .fetch_optional(pool)
        .await
        .and_then(|row| row.as_ref().map(SealedRow::from_row).transpose()))
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
    pub async fn rotate_master_key(&mut self, new_key: MasterKey) -> Result<usize, VaultError> {
        let _lock = self.lock_for_write().await?;
        let rows: Vec<SealedRow> =
            on_db!(&self.pool, pool => sqlx::query(concat!("SELECT ", sealed_columns!(), " FROM credentials"))
            .fetch_all(pool)
            .await
            .and_then(|rows| rows.iter().map(SealedRow::from_row).collect()))
            .map_err(|e| self.db_error(e))?;
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
        on_db!(&self.pool, pool => {
            let mut tx = pool.begin().await.map_err(|e| self.db_error(e))?;
            for (row, token) in rows.iter().zip(&tokens) {
                let sealed = seal(&new_key, &row.associated_data(), token)?;
                sqlx::query("UPDATE credentials SET key_id = $1, nonce = $2, ciphertext = $3 WHERE id = $4")
                    .bind(new_key.id())
                    .bind(&sealed.nonce)
                    .bind(&sealed.ciphertext)
                    .bind(&row.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| classify(&self.db_path, e))?;
            }
            sqlx::query(
                "INSERT INTO meta (key, value) VALUES ('key_id', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(new_key.id())
            .execute(&mut *tx)
            .await
            .map_err(|e| classify(&self.db_path, e))?;
            tx.commit().await.map_err(|e| classify(&self.db_path, e))?;
        });
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

    /// Closes the database (waiting for its connections to finish).
    pub async fn close(&self) {
        on_db!(&self.pool, pool => pool.close().await);
    }

    /// The key id the vault seals with (a public fingerprint).
    pub fn key_id(&self) -> String {
        self.key.id()
    }
}

/// Whether a database URL names PostgreSQL.
pub fn is_postgres_url(url: &str) -> bool {
    let url = url.trim();
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}
