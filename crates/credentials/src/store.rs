//! The vault as the executor's credential store: a step's credential name is looked up in
//! one workspace.

use secrecy::SecretString;
use syncaut_executor::{CredentialError, CredentialStore, TokenFuture};

use crate::{Vault, VaultError};

/// Resolves credential names in one workspace of the vault.
#[derive(Clone)]
pub struct WorkspaceCredentials {
    vault: Vault,
    workspace: String,
}

impl std::fmt::Debug for WorkspaceCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkspaceCredentials")
            .field("workspace", &self.workspace)
            .finish_non_exhaustive()
    }
}

impl WorkspaceCredentials {
    /// The credentials of `workspace`.
    pub fn new(vault: Vault, workspace: &str) -> Self {
        Self {
            vault,
            workspace: workspace.to_owned(),
        }
    }
}

impl CredentialStore for WorkspaceCredentials {
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
