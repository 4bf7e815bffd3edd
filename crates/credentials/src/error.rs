//! Everything that can go wrong in the vault, each with a stable code. No variant holds a
//! token or the key.

use thiserror::Error;

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
    /// The token can never be sent (line breaks, control characters …).
    #[error("{0}")]
    InvalidToken(String),
    /// The data directory or key file can be read or changed by other users.
    #[error(
        "{what} {path} can be read or changed by other users (mode {mode:o}); run `chmod {fix:o} {path}` and try again"
    )]
    Exposed {
        /// What it is.
        what: &'static str,
        /// Its path.
        path: String,
        /// Its permission bits.
        mode: u32,
        /// The mode to set.
        fix: u32,
    },
    /// Another syncaut command holds the vault's lock for too long.
    #[error(
        "the vault in {0} is busy: another syncaut command is changing it (it holds vault.lock); try again when it has finished"
    )]
    Busy(String),
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
            Self::InvalidToken(_) => "invalid_access_token",
            Self::Exposed { .. } => "insecure_permissions",
            Self::Busy(_) => "vault_busy",
            Self::Io(_) => "io",
            Self::Random(_) => "random",
            Self::Database(_) => "database",
        }
    }
}
