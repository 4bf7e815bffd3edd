//! `syncaut credentials test`: asks BigCommerce for the store's information and says, in
//! the product docs' terms, whether the token works for that store. The request goes
//! through the same send path as every action (pacing, retries, timeouts, redirects
//! refused, bounded answer).

use bigcommerce_api::{ApiVersion, Call, SecretString, Stats, StoreHash, Transport, TransportConfig};
use serde_json::Value;
use syncaut_executor::ExecError;

use crate::error::CliError;
use crate::output::print_lines;
use crate::run::exec_error;

/// The scope `GET /v2/store` needs.
const INFORMATION_SCOPE: (&str, &str) = ("store_v2_information_read_only", "Information & Settings — Read-Only");

fn transport_error(e: &bigcommerce_api::Error) -> CliError {
    CliError::new(e.code(), e.to_string())
}

pub(crate) async fn check(store_hash: &str, token: &SecretString) -> Result<(), CliError> {
    let hash = StoreHash::new(store_hash).map_err(|e| transport_error(&e))?;
    let config = TransportConfig::from_env().map_err(|e| transport_error(&e))?;
    let transport = Transport::new(&config).map_err(|e| transport_error(&e))?;
    let store = transport.store(hash.clone(), token).map_err(|e| transport_error(&e))?;
    let request = store.request(reqwest::Method::GET, store.url(ApiVersion::V2, "/store", None), None);
    let stats = Stats::default();
    let call = Call::new(&stats, config.step_deadline);
    let answer = store
        .send(request, &call)
        .await
        .map_err(|e| exec_error(&ExecError::from_send_error(e, "credentials_test")))?;
    match answer.status {
        200..=299 => {
            // Only BigCommerce's store information counts as a working token: an object
            // with the store's id and name.
            let info = serde_json::from_slice::<Value>(&answer.body)
                .ok()
                .filter(|v| v.get("id").is_some() && v.get("name").and_then(Value::as_str).is_some())
                .ok_or_else(|| {
                    exec_error(&ExecError::InvalidResponse {
                        status: answer.status,
                        reason: "the answer to GET /v2/store is not BigCommerce's store information, so the token could not be confirmed; check SYNCAUT_BIGCOMMERCE_API_URL".into(),
                    })
                })?;
            let name = info.get("name").and_then(Value::as_str).unwrap_or_default();
            let domain = info.get("domain").and_then(Value::as_str).unwrap_or("");
            let shown = |text: &str| -> String { text.chars().filter(|c| !c.is_control()).take(200).collect() };
            print_lines(&[format!(
                "valid: the token works for store `{hash}` ({}{})",
                shown(name),
                if domain.is_empty() {
                    String::new()
                } else {
                    format!(", {}", shown(domain))
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
        429 => Err(exec_error(&ExecError::RateLimited {
            store_hash: hash.to_string(),
            reset_ms: answer.rate().reset_ms,
        })),
        status => Err(CliError::new(
            "unexpected_status",
            format!("BigCommerce answered {status} to GET /v2/store"),
        )),
    }
}
