//! Testing a credential: ask BigCommerce for the store's information (`GET /v2/store`) and
//! say, in the product docs' terms, whether the token works for that store. The request
//! goes through the one send path (pacing, retries, timeouts, redirects refused, bounded
//! answer). Used by `syncaut credentials test` and `POST /v1/credentials/{name}/test`.

use bigcommerce_api::{ApiVersion, Call, SecretString, Stats, StoreHash, Transport};
use serde_json::Value;

use crate::ExecError;

/// What `credentials test` calls itself in errors.
const TEST: &str = "the credential test";

/// The store a working token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoreInfo {
    /// The store's name (control characters removed, at most 200 characters).
    pub name: String,
    /// Its domain, when BigCommerce gives one.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub domain: String,
}

/// Checks that `token` works for `store_hash`: `Ok` with the store's name only when
/// BigCommerce answered with the store's information.
pub async fn check_token(
    transport: &Transport,
    store_hash: &StoreHash,
    token: &SecretString,
) -> Result<StoreInfo, ExecError> {
    let store = transport.store(store_hash.clone(), token)?;
    let request = store.request(reqwest::Method::GET, store.url(ApiVersion::V2, "/store", None), None);
    let stats = Stats::default();
    let call = Call::new(&stats, transport.config().step_deadline);
    let answer = store
        .send(request, &call)
        .await
        .map_err(|e| ExecError::from_send_error(e, "credentials_test"))?;
    match answer.status {
        200..=299 => {
            // Only BigCommerce's store information counts as a working token: an object
            // with the store's id and name.
            let info = serde_json::from_slice::<Value>(&answer.body)
                .ok()
                .filter(|v| v.get("id").is_some() && v.get("name").and_then(Value::as_str).is_some())
                .ok_or_else(|| ExecError::InvalidResponse {
                    status: answer.status,
                    reason: "the answer to GET /v2/store is not BigCommerce's store information, so the token could not be confirmed; check SYNCAUT_BIGCOMMERCE_API_URL".into(),
                })?;
            let shown = |key: &str| -> String {
                info.get(key)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect()
            };
            Ok(StoreInfo {
                name: shown("name"),
                domain: shown("domain"),
            })
        }
        401 => Err(ExecError::InvalidAccessToken),
        404 => Err(ExecError::StoreNotFound(store_hash.to_string())),
        403 => Err(ExecError::Forbidden {
            action: TEST,
            scope_label: "Information & Settings — Read-Only",
            scope: "store_v2_information_read_only",
            store_hash: store_hash.to_string(),
        }),
        429 => Err(ExecError::RateLimited {
            store_hash: store_hash.to_string(),
            reset_ms: answer.rate().reset_ms,
        }),
        status => Err(ExecError::UnexpectedStatus {
            status,
            details: "the answer to GET /v2/store".into(),
        }),
    }
}
