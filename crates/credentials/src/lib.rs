//! The credential vault: BigCommerce API tokens, encrypted at rest, never shown again.
//!
//! Records live in an embedded SQLite database (`<data dir>/vault.db`, WAL mode, mode
//! 0600; `db`). Each token is sealed with XChaCha20-Poly1305 under the master key
//! ([`key`]), with a fresh random nonce per write and the record's identity as associated
//! data (`seal`). Names, types and dates are stored in the clear; tokens never are. Every
//! write holds one lock across processes (`vault.lock`), so a key rotation, an `add`
//! and a user at the token prompt cannot undo each other ([`Vault`]).
//!
//! The vault knows nothing of the executor; the binaries adapt it to the executor's
//! credential trait.

mod db;
mod error;
pub mod key;
mod lock;
mod seal;
mod store;
mod vault;

use std::path::PathBuf;

pub use crate::error::VaultError;
pub use crate::key::{KEY_FILE, KeySource, MASTER_KEY_ENV, MasterKey};
pub use crate::lock::LOCK_FILE;
pub use crate::store::WorkspaceCredentials;
pub use crate::vault::{CredentialInfo, Vault, is_postgres_url};

/// Environment variable naming the data directory.
pub const DATA_DIR_ENV: &str = "SYNCAUT_DATA_DIR";

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "vault.db";

/// The database servers and workers share (`postgres://…`): the vault lives there too.
pub const DATABASE_URL_ENV: &str = "SYNCAUT_DATABASE_URL";

/// The only credential type so far.
pub const BIGCOMMERCE: &str = "bigcommerce";

/// The workspace used when none is named.
pub const DEFAULT_WORKSPACE: &str = "default";

/// SQLite `application_id` of a Syncaut vault ("SYNC").
const APPLICATION_ID: i64 = 0x5359_4E43;

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
