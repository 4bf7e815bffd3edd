//! The credential vault as the executor's credential store.

use secrecy::SecretString;
use syncaut_credentials::{Vault, VaultError};
use syncaut_executor::{CredentialError, CredentialStore, TokenFuture};

/// Resolves a step's credential name in one workspace of the vault.
pub(crate) struct VaultCredentials {
    vault: Vault,
    workspace: String,
}

impl VaultCredentials {
    pub(crate) fn new(vault: Vault, workspace: &str) -> Self {
        Self {
            vault,
            workspace: workspace.to_owned(),
        }
    }
}

impl CredentialStore for VaultCredentials {
    fn token<'a>(&'a self, name: &'a str) -> TokenFuture<'a> {
        Box::pin(async move {
            let token: Result<SecretString, VaultError> = self.vault.token(&self.workspace, name).await;
            token.map_err(|err| match err {
                VaultError::NotFound { .. } => CredentialError::NotFound,
                other => CredentialError::Unavailable(other.to_string()),
            })
        })
    }
}
