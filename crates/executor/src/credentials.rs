//! Where a step's token comes from. The vault implements [`CredentialStore`]; tests and
//! `--token-env` hand the token over directly.

use secrecy::SecretString;

/// Why a credential could not be produced.
#[derive(Debug)]
pub enum CredentialError {
    /// No credential has this name (it was deleted).
    NotFound,
    /// It exists but cannot be read (wrong master key, damaged record …). The reason
    /// never contains the token.
    Unavailable(String),
}

/// What [`CredentialStore::token`] returns: the vault behind it may be a database.
pub type TokenFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<SecretString, CredentialError>> + Send + 'a>>;

/// Resolves a credential name to its token.
pub trait CredentialStore: Send + Sync {
    /// The token of the credential called `name`.
    fn token<'a>(&'a self, name: &'a str) -> TokenFuture<'a>;
}

/// How a step gets its token.
#[derive(Clone)]
pub enum CredentialSource {
    /// A named credential, resolved through a [`CredentialStore`].
    Named(String),
    /// A token given directly (from an environment variable, or a test).
    Token(SecretString),
}

impl std::fmt::Debug for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Named(name) => f.debug_tuple("Named").field(name).finish(),
            Self::Token(_) => f.write_str("Token([redacted])"),
        }
    }
}

/// A store with no credentials: every name is not found. For steps that carry their token.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoCredentials;

impl CredentialStore for NoCredentials {
    fn token<'a>(&'a self, _: &'a str) -> TokenFuture<'a> {
        Box::pin(std::future::ready(Err(CredentialError::NotFound)))
    }
}
