//! Turning BigCommerce's answer into the step's `data`, or into an error that says what
//! to do.

use bigcommerce_api::Answer;
use serde_json::{Value, json};
use syncaut_actions::{Action, ResponseShape};

use crate::ExecError;

/// The `data` of a successful answer.
pub(crate) fn data(
    action: &Action,
    record_id: Option<i64>,
    store_hash: &str,
    answer: &Answer,
) -> Result<Value, ExecError> {
    let invalid = |reason: String| ExecError::InvalidResponse {
        status: answer.status,
        reason,
    };
    if action.response == ResponseShape::Deleted {
        return Ok(json!({"id": record_id, "deleted": true}));
    }
    let empty = answer.body.iter().all(u8::is_ascii_whitespace);
    if (answer.status == 204 || empty) && action.kind == syncaut_actions::ActionKind::Raw {
        // A raw request's empty answer (a delete): nothing to output.
        return Ok(Value::Null);
    }
    if answer.status == 204 || empty {
        // V2 lists answer 204 for a page past the end: an empty page, not an error.
        if action.kind == syncaut_actions::ActionKind::List {
            return Ok(json!([]));
        }
        return Err(invalid("the response has no body".into()));
    }
    let body: Value = serde_json::from_slice(&answer.body).map_err(|e| invalid(format!("it is not JSON ({e})")))?;
    match action.response {
        ResponseShape::Body | ResponseShape::Deleted => Ok(body),
        ResponseShape::V3Data | ResponseShape::OneMatch { .. } => match body {
            Value::Object(mut envelope) if envelope.contains_key("data") => {
                Ok(envelope.remove("data").unwrap_or_default())
            }
            _ => Err(invalid("a V3 response should be an object with `data`".into())),
        },
        ResponseShape::V3FirstOfData => {
            let first = match body {
                Value::Object(mut envelope) => match envelope.remove("data") {
                    Some(Value::Array(items)) => items.into_iter().next(),
                    _ => return Err(invalid("a V3 response should have a `data` array".into())),
                },
                _ => return Err(invalid("a V3 response should have a `data` array".into())),
            };
            match (first, action.record, record_id) {
                (Some(first), _, _) => Ok(first),
                (None, Some(record), Some(id)) => Err(ExecError::RecordNotFound {
                    noun: record.noun,
                    id,
                    store_hash: store_hash.to_owned(),
                }),
                (None, _, _) => Err(invalid("`data` is empty".into())),
            }
        }
    }
}

/// The error for a non-2xx answer (404 is decided by the caller, which may probe the store).
pub(crate) fn failure(action: &'static Action, store_hash: &str, answer: &Answer) -> ExecError {
    failure_of(action.id, action.scope, store_hash, answer)
}

/// The error for a non-2xx answer to a request made for `what` (an action id, or an option
/// source), which needs `scope`.
pub(crate) fn failure_of(
    what: &'static str,
    scope: syncaut_actions::Scope,
    store_hash: &str,
    answer: &Answer,
) -> ExecError {
    match answer.status {
        401 => ExecError::InvalidAccessToken,
        403 => ExecError::Forbidden {
            action: what,
            scope_label: scope.label,
            scope: scope.name,
            store_hash: store_hash.to_owned(),
        },
        400 | 409 | 413 | 422 => ExecError::Rejected {
            status: answer.status,
            details: details(&answer.body),
        },
        429 => ExecError::RateLimited {
            store_hash: store_hash.to_owned(),
            reset_ms: answer.rate().reset_ms,
        },
        500..=599 => ExecError::Upstream {
            status: answer.status,
            request_id: answer
                .request_id()
                .map(|id| format!(" (X-Request-Id {})", id.chars().take(100).collect::<String>()))
                .unwrap_or_default(),
        },
        600.. => ExecError::InvalidStatus { status: answer.status },
        status => ExecError::UnexpectedStatus {
            status,
            details: details(&answer.body),
        },
    }
}

/// BigCommerce's error body, readable: V3 `{title, detail, errors: {field: message}}`,
/// V2 `[{status, message}]`, or the text itself.
pub(crate) fn details(body: &[u8]) -> String {
    const MAX: usize = 1000;
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.get("message").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("; "),
        Ok(Value::Object(obj)) => {
            let mut parts: Vec<String> = ["title", "detail", "message"]
                .iter()
                .filter_map(|k| obj.get(*k).and_then(Value::as_str))
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if let Some(errors) = obj.get("errors").and_then(Value::as_object) {
                parts.extend(errors.iter().map(|(field, message)| {
                    format!(
                        "{field}: {}",
                        message.as_str().map_or_else(|| message.to_string(), str::to_owned)
                    )
                }));
            }
            parts.join("; ")
        }
        _ => String::from_utf8_lossy(body).trim().to_owned(),
    };
    let text = if text.is_empty() {
        "no details given".to_owned()
    } else {
        text
    };
    if text.chars().count() <= MAX {
        text
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_field_errors_are_readable() {
        let body = br#"{"status":422,"title":"JSON data is missing or invalid","type":"https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes","errors":{"price":"must be a number","name":"is required"}}"#;
        assert_eq!(
            details(body),
            "JSON data is missing or invalid; price: must be a number; name: is required"
        );
    }

    #[test]
    fn v2_errors_are_readable() {
        let body = br#"[{"status":400,"message":"The field 'status_id' is invalid."}]"#;
        assert_eq!(details(body), "The field 'status_id' is invalid.");
        assert_eq!(details(b""), "no details given");
        assert_eq!(details(b"<html>oops</html>"), "<html>oops</html>");
    }
}
