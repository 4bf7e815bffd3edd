//! The credential vault as the executor's credential store.

use std::sync::Mutex;

use secrecy::SecretString;
use syncaut_credentials::{Vault, VaultError};
use syncaut_executor::{CredentialError, CredentialStore};

/// Resolves a step's credential name in one workspace of the vault.
pub(crate) struct VaultCredentials {
    vault: Mutex<Vault>,
    workspace: String,
}

impl VaultCredentials {
    pub(crate) fn new(vault: Vault, workspace: &str) -> Self {
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
