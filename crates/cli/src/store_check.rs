//! `syncaut credentials test`: whether the token works for the store, as
//! [`syncaut_executor::check_token`] finds out.

use bigcommerce_api::{SecretString, StoreHash, Transport, TransportConfig};

use crate::error::CliError;
use crate::output::print_lines;
use crate::run::exec_error;

fn transport_error(e: &bigcommerce_api::Error) -> CliError {
    CliError::new(e.code(), e.to_string())
}

pub(crate) async fn check(store_hash: &str, token: &SecretString) -> Result<(), CliError> {
    let hash = StoreHash::new(store_hash).map_err(|e| transport_error(&e))?;
    let config = TransportConfig::from_env().map_err(|e| transport_error(&e))?;
    let transport = Transport::new(&config).map_err(|e| transport_error(&e))?;
    let info = syncaut_executor::check_token(&transport, &hash, token)
        .await
        .map_err(|e| exec_error(&e))?;
    let domain = if info.domain.is_empty() {
        String::new()
    } else {
        format!(", {}", info.domain)
    };
    print_lines(&[format!(
        "valid: the token works for store `{hash}` ({}{domain})",
        info.name
    )])
}
