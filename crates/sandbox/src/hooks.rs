//! Webhooks: `/v3/hooks` (list, create, get, update, delete) and the events the store's
//! changes produce, delivered by [`crate::Sandbox`] to every active subscription whose
//! scope matches, with BigCommerce's payload (`scope`, `store_id`, `data`, `hash`,
//! `created_at`, `producer`) and the subscription's custom headers.

use std::hash::{Hash, Hasher};

use serde_json::{Map, Value, json};

use crate::wire::*;
use crate::world::World;

/// The `store_id` of the sandbox's payloads.
const STORE_ID: &str = "1025646";

/// Something that happened to a record.
#[derive(Debug, Clone)]
pub(crate) struct HookEvent {
    pub(crate) scope: &'static str,
    pub(crate) data: Value,
    pub(crate) created_at: i64,
}

/// One payload for one subscription.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The subscription.
    pub hook_id: i64,
    /// Where it goes.
    pub destination: String,
    /// The subscription's custom headers.
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub payload: Value,
}

/// Whether a subscription's scope (`store/order/created`, or `store/order/*`) covers an
/// event's.
fn covers(subscribed: &str, scope: &str) -> bool {
    match subscribed.strip_suffix("/*") {
        Some(prefix) => scope.starts_with(prefix) && scope[prefix.len()..].starts_with('/'),
        None => subscribed == scope,
    }
}

/// A destination BigCommerce accepts: HTTPS, or (in the sandbox) plain HTTP to this
/// machine, so that a local `syncaut serve` can receive.
fn acceptable_destination(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    match scheme {
        "https" => !host.is_empty(),
        "http" => matches!(host, "127.0.0.1" | "localhost" | "[::1]"),
        _ => false,
    }
}

impl World {
    /// Records an event if anyone subscribes to webhooks at all.
    pub(crate) fn emit(&mut self, scope: &'static str, data: Value) {
        if self.hooks.is_empty() {
            return;
        }
        let created_at = self.now();
        self.outbox.push(HookEvent {
            scope,
            data,
            created_at,
        });
    }

    /// The deliveries of the events so far, one per matching active subscription.
    pub fn take_deliveries(&mut self) -> Vec<Delivery> {
        let events = std::mem::take(&mut self.outbox);
        let mut deliveries = Vec::new();
        for event in events {
            let payload_data = event.data.clone();
            // As BigCommerce's: a hash of the event's data alone, so every update of one
            // record carries the same hash (receivers must not dedupe on it alone).
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            payload_data.to_string().hash(&mut hasher);
            let hash = format!("{:016x}{:024x}", hasher.finish(), 0);
            for hook in self.hooks.values() {
                let active = hook["is_active"].as_bool().unwrap_or(false);
                let subscribed = hook["scope"].as_str().unwrap_or_default();
                if !active || !covers(subscribed, event.scope) {
                    continue;
                }
                let headers = hook["headers"]
                    .as_object()
                    .map(|h| {
                        h.iter()
                            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                            .collect()
                    })
                    .unwrap_or_default();
                deliveries.push(Delivery {
                    hook_id: hook["id"].as_i64().unwrap_or_default(),
                    destination: hook["destination"].as_str().unwrap_or_default().to_owned(),
                    headers,
                    payload: json!({
                        "scope": event.scope,
                        "store_id": STORE_ID,
                        "data": payload_data,
                        "hash": hash,
                        "created_at": event.created_at,
                        "producer": format!("stores/{}", self.store_hash),
                    }),
                });
            }
        }
        deliveries
    }

    /// BigCommerce deactivates a subscription whose deliveries keep failing.
    pub fn deactivate_hook(&mut self, id: i64) {
        if let Some(hook) = self.hooks.get_mut(&id) {
            hook["is_active"] = json!(false);
        }
    }

    /// `/v3/hooks` and `/v3/hooks/{id}`.
    pub(crate) fn route_hooks(&mut self, request: &Request, rest: &[&str]) -> Response {
        let id = rest.first().and_then(|s| s.parse::<i64>().ok());
        match (request.method.as_str(), rest) {
            ("GET", []) => {
                let scope = param(&request.query, "scope").map(str::to_owned);
                let items = self
                    .hooks
                    .values()
                    .filter(|h| scope.as_ref().is_none_or(|s| h["scope"] == s.as_str()));
                v3_page(items, &request.query, Value::clone)
            }
            ("POST", []) => self.create_hook(&request.body),
            ("GET", [_]) => match id.and_then(|id| self.hooks.get(&id)) {
                Some(hook) => Response::json(200, json!({"data": hook, "meta": {}})),
                None => hook_not_found(),
            },
            ("PUT", [_]) => self.update_hook(id, &request.body),
            ("DELETE", [_]) => match id.and_then(|id| self.hooks.remove(&id)) {
                Some(hook) => Response::json(200, json!({"data": hook, "meta": {}})),
                None => hook_not_found(),
            },
            _ => error(Version::V3, 405, "The method is not allowed for this resource.", None),
        }
    }

    fn create_hook(&mut self, body: &[u8]) -> Response {
        let body = match parse_body(body, Version::V3) {
            Ok(Value::Object(body)) => body,
            Ok(_) => return unprocessable("body", "must be a JSON object"),
            Err(response) => return response,
        };
        if let Err(response) = require(&body, &["scope", "destination"]).and_then(|()| check_hook(&body)) {
            return response;
        }
        let id = self.fresh_id();
        let at = self.now();
        let hook = json!({
            "id": id,
            "client_id": "sandbox-client",
            "store_hash": self.store_hash,
            "scope": body["scope"],
            "destination": body["destination"],
            "is_active": body.get("is_active").and_then(Value::as_bool).unwrap_or(true),
            "headers": body.get("headers").cloned().unwrap_or(Value::Null),
            "created_at": at,
            "updated_at": at,
        });
        self.hooks.insert(id, hook.clone());
        Response::json(200, json!({"data": hook, "meta": {}}))
    }

    fn update_hook(&mut self, id: Option<i64>, body: &[u8]) -> Response {
        let body = match parse_body(body, Version::V3) {
            Ok(Value::Object(body)) => body,
            Ok(_) => return unprocessable("body", "must be a JSON object"),
            Err(response) => return response,
        };
        if let Err(response) = check_hook(&body) {
            return response;
        }
        let at = self.now();
        let Some(hook) = id.and_then(|id| self.hooks.get_mut(&id)) else {
            return hook_not_found();
        };
        for field in ["scope", "destination", "is_active", "headers"] {
            if let Some(value) = body.get(field) {
                hook[field] = value.clone();
            }
        }
        hook["updated_at"] = json!(at);
        Response::json(200, json!({"data": hook.clone(), "meta": {}}))
    }
}

fn hook_not_found() -> Response {
    error(Version::V3, 404, "Webhook not found.", None)
}

fn check_hook(body: &Map<String, Value>) -> Result<(), Response> {
    if let Some(scope) = body.get("scope")
        && !scope.as_str().is_some_and(|s| s.starts_with("store/"))
    {
        return Err(unprocessable(
            "scope",
            "must be a webhook scope such as store/order/created",
        ));
    }
    if let Some(destination) = body.get("destination")
        && !destination.as_str().is_some_and(acceptable_destination)
    {
        return Err(unprocessable("destination", "must be an https:// URL"));
    }
    if let Some(active) = body.get("is_active")
        && !active.is_boolean()
    {
        return Err(unprocessable("is_active", "must be true or false"));
    }
    if let Some(headers) = body.get("headers")
        && !(headers.is_null() || headers.as_object().is_some_and(|h| h.values().all(Value::is_string)))
    {
        return Err(unprocessable("headers", "must be an object of text values"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_cover_exactly_or_by_wildcard() {
        assert!(covers("store/order/created", "store/order/created"));
        assert!(covers("store/order/*", "store/order/statusUpdated"));
        assert!(!covers("store/order/*", "store/orderx/created"));
        assert!(!covers("store/order/created", "store/order/updated"));
    }

    #[test]
    fn destinations_are_https_or_this_machine() {
        assert!(acceptable_destination("https://example.com/hooks"));
        assert!(acceptable_destination("http://127.0.0.1:8080/v1/hooks/x"));
        assert!(!acceptable_destination("http://example.com/hooks"));
        assert!(!acceptable_destination("ftp://example.com"));
    }
}
