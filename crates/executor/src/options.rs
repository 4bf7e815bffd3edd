//! Reading an option source ([`syncaut_actions::options`]) for a form field: one page of
//! `{value, label}` from the store, through the one send path, with the same errors as a
//! step.

use std::collections::HashMap;

use bigcommerce_api::{Call, SecretString, Stats, StoreClient, StoreHash};
use serde::Serialize;
use serde_json::Value;
use syncaut_actions::Items;
use syncaut_actions::options::{Fetch, Label, OptionSource};

use crate::redact::{Redactor, neutralise};
use crate::{ExecError, Executor, response};

/// The longest search text sent.
const MAX_SEARCH_CHARS: usize = 200;

/// Options per answer of a [`Fetch::Whole`] source.
const WHOLE_PAGE: usize = 100;

/// One option.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionItem {
    /// The value the field takes.
    pub value: Value,
    /// What the user sees.
    pub label: String,
}

/// A page of options, and the cursor of the next page when there is one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionsPage {
    /// The options, in the store's order (tree paths: alphabetical).
    pub options: Vec<OptionItem>,
    /// Pass it back as `cursor` for the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// What a request for options asks.
#[derive(Debug, Clone, Copy, Default)]
pub struct OptionsQuery<'a> {
    /// Text the user typed.
    pub search: Option<&'a str>,
    /// The `next` of the previous page.
    pub cursor: Option<&'a str>,
}

fn invalid_cursor(cursor: &str) -> ExecError {
    ExecError::InvalidParam {
        key: "cursor".into(),
        message: format!(
            "`{cursor}` is not a cursor this source gave; pass back the `next` of the previous page, or leave it out for the first"
        ),
    }
}

/// Text of a record field, without control characters.
fn text(record: &Value, field: &str) -> String {
    match record.get(field) {
        Some(Value::String(s)) => s.chars().filter(|c| !c.is_control()).take(300).collect(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn label_of(label: &Label, record: &Value) -> String {
    match label {
        Label::Fields { fields, detail } => {
            let mut shown = fields
                .iter()
                .map(|f| text(record, f))
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            if let Some((before, field, after)) = detail {
                let detail = text(record, field);
                if !detail.is_empty() {
                    shown = format!("{shown}{before}{detail}{after}");
                }
            }
            shown
        }
        Label::TreePath { name, .. } => text(record, name),
    }
}

impl Executor {
    /// One page of options from `source` in the store, for a token.
    pub async fn options(
        &self,
        source: &'static OptionSource,
        store_hash: &StoreHash,
        token: &SecretString,
        query: OptionsQuery<'_>,
    ) -> Result<OptionsPage, ExecError> {
        let store = self.transport().store(store_hash.clone(), token)?;
        let stats = Stats::default();
        let call = Call::new(&stats, self.transport().config().step_deadline);
        let search = query
            .search
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.chars().take(MAX_SEARCH_CHARS).collect::<String>());
        let result = match source.fetch {
            Fetch::Pages => read_page(&store, source, search.as_deref(), query.cursor, &call).await,
            Fetch::Whole { max_records } => {
                read_whole(&store, source, max_records, search.as_deref(), query.cursor, &call).await
            }
        };
        result.map_err(|err| {
            let redactor = Redactor::new(token);
            err.map_server_text(&|text| neutralise(&redactor.text(text)))
        })
    }
}

/// The records of one page, and whether more pages follow.
async fn fetch(
    store: &StoreClient,
    source: &'static OptionSource,
    page: u64,
    search: Option<&str>,
    call: &Call<'_>,
) -> Result<(Vec<Value>, bool), ExecError> {
    let mut query = vec![
        (source.page_param, page.to_string()),
        (source.limit_param, source.page_size.to_string()),
    ];
    if let Some(search) = search
        && let Some(rule) = source.search.iter().find(|rule| rule.when.matches(search))
    {
        query.push((rule.name, search.to_owned()));
    }
    let encoded = serde_urlencoded::to_string(&query).unwrap_or_default();
    let url = store.url(source.api_version, source.path, Some(&encoded));
    let request = store.request(reqwest::Method::GET, url, None);
    let answer = store
        .send(request, call)
        .await
        .map_err(|e| ExecError::from_send_error(e, source.id))?;
    match answer.status {
        204 => return Ok((Vec::new(), false)),
        200..=299 => {}
        404 => return Err(ExecError::StoreNotFound(store.store_hash().to_string())),
        _ => {
            return Err(response::failure_of(
                source.id,
                source.scope,
                store.store_hash().as_str(),
                &answer,
            ));
        }
    }
    let invalid = |reason: String| ExecError::InvalidResponse {
        status: answer.status,
        reason,
    };
    let body: Value = serde_json::from_slice(&answer.body).map_err(|e| invalid(format!("not JSON: {e}")))?;
    let (records, more) = match source.items {
        Items::Body => {
            let records = body
                .as_array()
                .cloned()
                .ok_or_else(|| invalid("expected a list".into()))?;
            let more = records.len() as u64 >= u64::from(source.page_size);
            (records, more)
        }
        Items::Data => {
            let records = body
                .get("data")
                .and_then(Value::as_array)
                .cloned()
                .ok_or_else(|| invalid("expected `data` to be a list".into()))?;
            let total_pages = body
                .pointer("/meta/pagination/total_pages")
                .and_then(Value::as_u64)
                .unwrap_or(page);
            (records, page < total_pages)
        }
    };
    Ok((records, more))
}

async fn read_page(
    store: &StoreClient,
    source: &'static OptionSource,
    search: Option<&str>,
    cursor: Option<&str>,
    call: &Call<'_>,
) -> Result<OptionsPage, ExecError> {
    let page = match cursor {
        None => 1,
        Some(cursor) => cursor
            .parse::<u64>()
            .ok()
            .filter(|p| (1..=100_000).contains(p))
            .ok_or_else(|| invalid_cursor(cursor))?,
    };
    let (records, more) = fetch(store, source, page, search, call).await?;
    let options = records
        .iter()
        .filter_map(|record| {
            let value = record.get(source.value)?.clone();
            Some(OptionItem {
                label: label_of(&source.label, record),
                value,
            })
        })
        .collect();
    Ok(OptionsPage {
        options,
        next: more.then(|| (page + 1).to_string()),
    })
}

async fn read_whole(
    store: &StoreClient,
    source: &'static OptionSource,
    max_records: u32,
    search: Option<&str>,
    cursor: Option<&str>,
    call: &Call<'_>,
) -> Result<OptionsPage, ExecError> {
    let offset = match cursor {
        None => 0,
        Some(cursor) => cursor.parse::<usize>().map_err(|_| invalid_cursor(cursor))?,
    };
    let mut records = Vec::new();
    let mut page = 1;
    loop {
        let (mut found, more) = fetch(store, source, page, None, call).await?;
        records.append(&mut found);
        if !more || records.len() >= max_records as usize {
            break;
        }
        page += 1;
    }
    records.truncate(max_records as usize);
    let mut options: Vec<OptionItem> = match source.label {
        Label::TreePath { name, parent } => tree_paths(&records, source.value, name, parent),
        Label::Fields { .. } => records
            .iter()
            .filter_map(|r| {
                Some(OptionItem {
                    value: r.get(source.value)?.clone(),
                    label: label_of(&source.label, r),
                })
            })
            .collect(),
    };
    options.sort_by_cached_key(|o| o.label.to_lowercase());
    if let Some(search) = search {
        let search = search.to_lowercase();
        options.retain(|o| o.label.to_lowercase().contains(&search));
    }
    if offset > options.len() {
        return Err(invalid_cursor(&offset.to_string()));
    }
    let rest: Vec<OptionItem> = options.drain(offset..).collect();
    let more = rest.len() > WHOLE_PAGE;
    Ok(OptionsPage {
        options: rest.into_iter().take(WHOLE_PAGE).collect(),
        next: more.then(|| (offset + WHOLE_PAGE).to_string()),
    })
}

/// Each record labelled with its path from the top of its tree: `Kitchen › Jars`. A
/// parent that is missing (or a loop) ends the path.
fn tree_paths(records: &[Value], value: &str, name: &str, parent: &str) -> Vec<OptionItem> {
    let by_id: HashMap<String, &Value> = records
        .iter()
        .filter_map(|r| Some((r.get(value)?.to_string(), r)))
        .collect();
    records
        .iter()
        .filter_map(|record| {
            let id = record.get(value)?;
            let mut names = vec![text(record, name)];
            let mut seen = vec![id.to_string()];
            let mut current = record;
            while let Some(up) = current.get(parent).filter(|p| p.as_i64() != Some(0) && !p.is_null()) {
                let key = up.to_string();
                if seen.contains(&key) {
                    break;
                }
                let Some(next) = by_id.get(&key) else { break };
                names.push(text(next, name));
                seen.push(key);
                current = *next;
            }
            names.reverse();
            Some(OptionItem {
                value: id.clone(),
                label: names.join(" › "),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn tree_paths_follow_parents_and_survive_loops_and_gaps() {
        let records = vec![
            json!({"category_id": 1, "parent_id": 0, "name": "Kitchen"}),
            json!({"category_id": 2, "parent_id": 1, "name": "Jars"}),
            json!({"category_id": 3, "parent_id": 2, "name": "Lids"}),
            json!({"category_id": 4, "parent_id": 99, "name": "Orphan"}),
            json!({"category_id": 5, "parent_id": 6, "name": "Loop A"}),
            json!({"category_id": 6, "parent_id": 5, "name": "Loop B"}),
        ];
        let labels: Vec<String> = tree_paths(&records, "category_id", "name", "parent_id")
            .into_iter()
            .map(|o| o.label)
            .collect();
        assert_eq!(
            labels,
            [
                "Kitchen",
                "Kitchen › Jars",
                "Kitchen › Jars › Lids",
                "Orphan",
                "Loop B › Loop A",
                "Loop A › Loop B"
            ]
        );
    }

    #[test]
    fn labels_join_fields_and_a_detail_only_when_present() {
        let label = Label::Fields {
            fields: &["first_name", "last_name"],
            detail: Some((" <", "email", ">")),
        };
        assert_eq!(
            label_of(
                &label,
                &json!({"first_name": "Maya", "last_name": "Chen", "email": "m@x.io"})
            ),
            "Maya Chen <m@x.io>"
        );
        assert_eq!(label_of(&label, &json!({"first_name": "Maya", "email": ""})), "Maya");
        assert_eq!(
            label_of(&label, &json!({"first_name": "Ma\u{1b}[31mya"})),
            "Ma[31mya",
            "control characters from the store are dropped"
        );
    }
}
