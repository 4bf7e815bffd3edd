//! `syncaut credentials test`: asks BigCommerce for the store's information and says, in
//! the product docs' terms, whether the token works for that store.

use bigcommerce_api::{ApiVersion, SecretString, StoreHash, Transport, TransportConfig};
use serde_json::Value;
use syncaut_executor::ExecError;

use crate::error::CliError;
use crate::output::print_lines;
use crate::run::exec_error;

/// The scope `GET /v2/store` needs.
const INFORMATION_SCOPE: (&str, &str) = ("store_v2_information_read_only", "Information & Settings — Read-Only");

pub(crate) fn check(store_hash: &str, token: &SecretString) -> Result<(), CliError> {
    let hash = StoreHash::new(store_hash)
        .map_err(|_| exec_error(&ExecError::InvalidStoreHash(store_hash.chars().take(64).collect())))?;
    let config = TransportConfig::from_env().map_err(|e| CliError::new(e.code(), e.to_string()))?;
    let transport = Transport::new(&config).map_err(|e| CliError::new(e.code(), e.to_string()))?;
    let store = transport
        .store(hash.clone(), token)
        .map_err(|e| CliError::new(e.code(), e.to_string()))?;
    let url = format!("{}/store", store.api_base(ApiVersion::V2));
    let url = reqwest::Url::parse(&url).map_err(|e| CliError::new("invalid_base_url", e.to_string()))?;
    let runtime = crate::runtime()?;
    let answer = runtime.block_on(store.within_timeout(std::pin::pin!(async {
        let response = store.request(reqwest::Method::GET, url).send().await?;
        let status = response.status().as_u16();
        let body = response.bytes().await?;
        Ok::<_, reqwest::Error>((status, body))
    })));
    let Some(answer) = answer else {
        return Err(exec_error(&ExecError::Timeout {
            seconds: config.timeout.as_secs().max(1),
        }));
    };
    let (status, body) = answer.map_err(|e| {
        CliError::new(
            "connection_failed",
            format!("could not reach {}: {e}", config.base_url()),
        )
    })?;
    match status {
        200..=299 => {
            let info: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let name = info.get("name").and_then(Value::as_str).unwrap_or("unnamed store");
            let domain = info.get("domain").and_then(Value::as_str).unwrap_or("");
            print_lines(&[format!(
                "valid: the token works for store `{hash}` ({name}{})",
                if domain.is_empty() {
                    String::new()
                } else {
                    format!(", {domain}")
                }
            )])
        }
        401 => Err(exec_error(&ExecError::InvalidAccessToken)),
        404 => Err(exec_error(&ExecError::StoreNotFound(hash.to_string()))),
        403 => Err(CliError::new(
            "forbidden",
            format!(
                "403 Forbidden: the token may not read store `{hash}`'s information: enable {} ({}) on the API account under BigCommerce → Settings → API → API Accounts, and verify that the store hash belongs to the same store as the token",
                INFORMATION_SCOPE.1, INFORMATION_SCOPE.0
            ),
        )),
        status => Err(CliError::new(
            "unexpected_status",
            format!("BigCommerce answered {status} to GET /v2/store"),
        )),
    }
}
