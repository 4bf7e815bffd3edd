//! `syncaut credentials …`: the vault from the command line. Tokens are read from
//! standard input or a hidden prompt, never from arguments (which show in `ps` and shell
//! history), and never printed.

use std::io::{IsTerminal, Read};

use clap::Subcommand;
use secrecy::SecretString;
use serde_json::json;
use syncaut_credentials::{DEFAULT_WORKSPACE, MASTER_KEY_ENV, MasterKey, Vault, VaultError};
use zeroize::Zeroizing;

use crate::error::CliError;
use crate::output::{print_json, print_lines};

/// Environment variable with the new master key, for rotation when the current one comes
/// from `SYNCAUT_MASTER_KEY`.
const NEW_MASTER_KEY_ENV: &str = "SYNCAUT_NEW_MASTER_KEY";

#[derive(Debug, Subcommand)]
pub(crate) enum CredentialsCommand {
    /// Save a BigCommerce API token (read from standard input, or a hidden prompt).
    Add {
        /// A recognisable name, such as "Client Store — BigCommerce".
        #[arg(long)]
        name: String,
        /// The workspace it belongs to.
        #[arg(long, default_value = DEFAULT_WORKSPACE)]
        workspace: String,
    },
    /// List saved credentials: names, types and dates, never tokens.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// The workspace to list.
        #[arg(long, default_value = DEFAULT_WORKSPACE)]
        workspace: String,
    },
    /// Delete a credential.
    Remove {
        /// Its name.
        name: String,
        /// Its workspace.
        #[arg(long, default_value = DEFAULT_WORKSPACE)]
        workspace: String,
    },
    /// Replace a credential's token (read like `add`), after regenerating the API account.
    Rotate {
        /// Its name.
        name: String,
        /// Its workspace.
        #[arg(long, default_value = DEFAULT_WORKSPACE)]
        workspace: String,
    },
    /// Re-encrypt every credential under a new master key.
    RotateKey,
    /// Check a credential against a store: valid, Invalid Access Token, Store not found or Forbidden.
    Test {
        /// Its name.
        name: String,
        /// The store hash to try it on.
        #[arg(long = "store-hash")]
        store_hash: String,
        /// Its workspace.
        #[arg(long, default_value = DEFAULT_WORKSPACE)]
        workspace: String,
    },
}

impl CredentialsCommand {
    pub(crate) fn wants_json(&self) -> bool {
        matches!(self, Self::List { json: true, .. })
    }
}

fn vault_error(err: &VaultError) -> CliError {
    CliError::new(err.code(), err.to_string())
}

/// Opens the vault from `SYNCAUT_DATA_DIR` and `SYNCAUT_MASTER_KEY` (or the key file).
pub(crate) async fn open_vault() -> Result<Vault, CliError> {
    Vault::open_default().await.map_err(|e| vault_error(&e))
}

/// Reads a token from a hidden prompt (terminal) or all of standard input (pipe).
fn read_token() -> Result<SecretString, CliError> {
    let stdin = std::io::stdin();
    let text = if stdin.is_terminal() {
        Zeroizing::new(
            rpassword::prompt_password("BigCommerce API token (input hidden): ")
                .map_err(|e| CliError::io("read the token from the terminal", &e))?,
        )
    } else {
        let mut text = Zeroizing::new(String::new());
        stdin
            .lock()
            .read_to_string(&mut text)
            .map_err(|e| CliError::io("read the token from standard input", &e))?;
        text
    };
    let token = text.trim();
    if token.is_empty() {
        return Err(CliError::new(
            "empty_token",
            "no token was given: pipe it in (for example `syncaut credentials add --name shop < token.txt`) or type it at the prompt",
        ));
    }
    Ok(SecretString::from(token.to_owned()))
}

pub(crate) fn run(command: CredentialsCommand) -> Result<(), CliError> {
    crate::runtime()?.block_on(run_async(command))
}

async fn run_async(command: CredentialsCommand) -> Result<(), CliError> {
    match command {
        CredentialsCommand::Add { name, workspace } => {
            let mut vault = open_vault().await?;
            let token = read_token()?;
            let info = vault
                .add(&workspace, &name, &token)
                .await
                .map_err(|e| vault_error(&e))?;
            vault.close().await;
            print_lines(&[format!(
                "saved credential `{}` ({}) in workspace `{}`",
                info.name, info.kind, info.workspace
            )])
        }
        CredentialsCommand::List { json, workspace } => {
            let list = open_vault()
                .await?
                .list(&workspace)
                .await
                .map_err(|e| vault_error(&e))?;
            if json {
                let entries: Vec<_> = list
                    .iter()
                    .map(|c| json!({"name": c.name, "type": c.kind, "workspace": c.workspace, "created_at": c.created_at, "updated_at": c.updated_at}))
                    .collect();
                return print_json(&entries);
            }
            if list.is_empty() {
                return print_lines(&[format!(
                    "no credentials in workspace `{workspace}`; add one with `syncaut credentials add --name NAME`"
                )]);
            }
            let lines: Vec<String> = list
                .iter()
                .map(|c| {
                    format!(
                        "{:<32} {:<12} added {}  updated {}",
                        c.name, c.kind, c.created_at, c.updated_at
                    )
                })
                .collect();
            print_lines(&lines)
        }
        CredentialsCommand::Remove { name, workspace } => {
            let mut vault = open_vault().await?;
            vault.remove(&workspace, &name).await.map_err(|e| vault_error(&e))?;
            vault.close().await;
            print_lines(&[format!("removed credential `{name}`")])
        }
        CredentialsCommand::Rotate { name, workspace } => {
            let mut vault = open_vault().await?;
            let token = read_token()?;
            vault
                .replace_token(&workspace, &name, &token)
                .await
                .map_err(|e| vault_error(&e))?;
            vault.close().await;
            print_lines(&[format!("replaced the token of `{name}`")])
        }
        CredentialsCommand::RotateKey => rotate_key().await,
        CredentialsCommand::Test {
            name,
            store_hash,
            workspace,
        } => {
            let token = open_vault()
                .await?
                .token(&workspace, &name)
                .await
                .map_err(|e| vault_error(&e))?;
            crate::store_check::check(&store_hash, &token).await
        }
    }
}

async fn rotate_key() -> Result<(), CliError> {
    let from_env = std::env::var(MASTER_KEY_ENV).is_ok_and(|v| !v.trim().is_empty());
    let new_key = if from_env {
        let text = std::env::var(NEW_MASTER_KEY_ENV).map_err(|_| {
            CliError::new(
                "new_master_key_missing",
                format!("the master key comes from {MASTER_KEY_ENV}; set {NEW_MASTER_KEY_ENV} to the new key (base64 of 32 bytes) and run this again"),
            )
        })?;
        MasterKey::from_base64(&text, NEW_MASTER_KEY_ENV).map_err(|e| vault_error(&e))?
    } else {
        MasterKey::generate().map_err(|e| vault_error(&e))?
    };
    let mut vault = open_vault().await?;
    let count = vault.rotate_master_key(new_key).await.map_err(|e| vault_error(&e))?;
    vault.close().await;
    let mut lines = vec![format!("re-encrypted {count} credential(s) under the new master key")];
    if from_env {
        lines.push(format!(
            "now set {MASTER_KEY_ENV} to the value of {NEW_MASTER_KEY_ENV}: the old key no longer opens them"
        ));
    } else {
        lines.push("the key file was replaced; back it up again together with the database".into());
    }
    print_lines(&lines)
}
