//! What a body lookup takes from its answer ([`Pick`]): a value at a pointer, the one
//! record of a list (several are an error naming each), or what is left of each record.

use serde_json::{Map, Value};
use syncaut_actions::{BodyLookup, Pick};

use crate::request::PreparedRequest;
use crate::{ExecError, Prepared};

/// The most records a lookup reads (one page; BigCommerce's largest).
const MAX_RECORDS: usize = 250;

/// The value `lookup` fills in, from `body`, the answer to `GET path`. `request` is the
/// request as built so far (a later lookup may depend on what an earlier one filled in).
pub(crate) fn pick(
    prepared: &Prepared,
    lookup: &BodyLookup,
    path: &str,
    request: &PreparedRequest,
    body: &Value,
) -> Result<Value, ExecError> {
    let record = prepared
        .action
        .record
        .and_then(|r| prepared.params.get(r.id_param).map(|id| format!("{} {id}", r.noun)));
    let owner = record.unwrap_or_else(|| "the store".to_owned());
    let nothing = |what: String| ExecError::NoMatch {
        what,
        hint: format!(
            "give `{}` yourself, or check the record in the control panel (GET {path} found none)",
            lookup.param
        ),
        store_hash: prepared.store_hash.to_string(),
    };
    match lookup.pick {
        Pick::Pointer(pointer) => body
            .pointer(pointer)
            .filter(|v| !v.is_null())
            .cloned()
            .ok_or_else(|| ExecError::InvalidResponse {
                status: 200,
                reason: format!(
                    "the store has no {} (GET {path} found none); create one in the control panel, or give `{}` another value",
                    lookup.missing, lookup.param
                ),
            }),
        Pick::OnlyRecord { describe } => {
            let records = list(body, path)?;
            match records {
                [] => Err(nothing(format!("{owner} has no {}", lookup.missing))),
                [only] => only
                    .get("id")
                    .filter(|id| id.is_i64())
                    .cloned()
                    .ok_or_else(|| invalid(path, "a record has no integer `id`")),
                several => Err(ExecError::Ambiguous {
                    what: format!("{owner} has {} candidates for `{}`", several.len(), lookup.param),
                    candidates: several
                        .iter()
                        .take(20)
                        .map(|r| describe_record(r, describe))
                        .collect::<Vec<_>>()
                        .join("; "),
                    hint: format!("Give `{}` to say which; nothing was sent", lookup.param),
                }),
            }
        }
        Pick::WhereEquals { field } => {
            let wanted = prepared.params.get(lookup.param);
            let found: Vec<&Value> = list(body, path)?
                .iter()
                .filter(|record| record.get(field) == wanted)
                .collect();
            let shown = wanted.map(Value::to_string).unwrap_or_default();
            match found.as_slice() {
                [] => Err(nothing(format!("{owner} has no {} {shown}", lookup.missing))),
                [one] => one
                    .get("id")
                    .filter(|id| id.is_i64())
                    .cloned()
                    .ok_or_else(|| invalid(path, "a record has no integer `id`")),
                several => Err(ExecError::Ambiguous {
                    what: format!("{owner} has {} records with {field} {shown}", several.len()),
                    candidates: several
                        .iter()
                        .take(20)
                        .map(|r| describe_record(r, &[]))
                        .collect::<Vec<_>>()
                        .join("; "),
                    hint: "Give the ID instead; nothing was sent".into(),
                }),
            }
        }
        Pick::Remaining {
            total,
            done,
            id_as,
            quantity_as,
            same,
        } => {
            let wanted = same.and_then(|(_, pointer)| request.body.as_ref().and_then(|b| b.pointer(pointer)).cloned());
            let mut items = Vec::new();
            for record in list(body, path)? {
                if let (Some((field, _)), Some(wanted)) = (same, &wanted)
                    && record.get(field) != Some(wanted)
                {
                    continue;
                }
                let number = |field: &str| record.get(field).and_then(Value::as_i64).unwrap_or(0);
                let left = number(total) - number(done);
                if left <= 0 {
                    continue;
                }
                let id = record
                    .get("id")
                    .filter(|id| id.is_i64())
                    .cloned()
                    .ok_or_else(|| invalid(path, "a record has no integer `id`"))?;
                let mut item = Map::new();
                item.insert(id_as.to_owned(), id);
                item.insert(quantity_as.to_owned(), left.into());
                items.push(Value::Object(item));
            }
            if items.is_empty() {
                return Err(nothing(format!("{owner} has no {}", lookup.missing)));
            }
            Ok(Value::Array(items))
        }
    }
}

/// The records of a list answer: a V2 bare array, or a V3 `data` array.
fn list<'a>(body: &'a Value, path: &str) -> Result<&'a [Value], ExecError> {
    let records = match body {
        Value::Array(items) => items,
        Value::Object(object) => match object.get("data") {
            Some(Value::Array(items)) => items,
            _ => return Err(invalid(path, "the answer is not a list")),
        },
        _ => return Err(invalid(path, "the answer is not a list")),
    };
    if records.len() > MAX_RECORDS {
        return Err(invalid(path, "the answer holds more records than one page"));
    }
    Ok(records)
}

fn invalid(path: &str, what: &str) -> ExecError {
    ExecError::InvalidResponse {
        status: 200,
        reason: format!("GET {path}: {what}"),
    }
}

/// `ID 11 (Jane Smith, 12 Main St, Austin)`: the record's ID and the describing fields it
/// has, each cut to 60 characters.
fn describe_record(record: &Value, fields: &[&str]) -> String {
    let id = record.get("id").map_or_else(|| "?".to_owned(), Value::to_string);
    let mut parts: Vec<String> = Vec::new();
    let mut name = Vec::new();
    for field in fields {
        let Some(text) = record
            .get(*field)
            .and_then(Value::as_str)
            .filter(|t| !t.trim().is_empty())
        else {
            continue;
        };
        let text: String = text.chars().take(60).collect();
        if field.ends_with("_name") {
            name.push(text);
        } else {
            parts.push(text);
        }
    }
    if !name.is_empty() {
        parts.insert(0, name.join(" "));
    }
    if parts.is_empty() {
        format!("ID {id}")
    } else {
        format!("ID {id} ({})", parts.join(", "))
    }
}
