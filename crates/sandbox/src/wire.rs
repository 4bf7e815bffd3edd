//! The wire side of the emulator: requests and responses, BigCommerce's error shapes,
//! query parsing and paging, and the field checks that name the field in a 422.

use serde_json::{Map, Value, json};

pub(crate) const STATUS_CODES_URL: &str = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes";

/// The largest page BigCommerce serves.
pub(crate) const MAX_LIMIT: usize = 250;
pub(crate) const DEFAULT_LIMIT: usize = 50;

/// A request as the emulator sees it.
#[derive(Debug, Clone)]
pub struct Request {
    /// Upper-case HTTP method.
    pub method: String,
    /// The path, such as `/stores/abc123xyz/v2/orders/100`.
    pub path: String,
    /// Decoded query pairs.
    pub query: Vec<(String, String)>,
    /// The `X-Auth-Token` header, if sent.
    pub token: Option<String>,
    /// The raw body.
    pub body: Vec<u8>,
}

/// A response: status, JSON body (none for 204) and headers.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// JSON body, if any.
    pub body: Option<Value>,
    /// Extra headers (rate limits).
    pub headers: Vec<(&'static str, String)>,
}

impl Response {
    pub(crate) fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    pub(crate) fn no_content() -> Self {
        Self {
            status: 204,
            body: None,
            headers: Vec::new(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    V2,
    V3,
}

/// An error in BigCommerce's shape for the API version.
pub(crate) fn error(version: Version, status: u16, title: &str, errors: Option<Value>) -> Response {
    match version {
        Version::V2 => Response::json(status, json!([{"status": status, "message": title}])),
        Version::V3 => {
            let mut body = json!({"status": status, "title": title, "type": STATUS_CODES_URL});
            if let Some(errors) = errors {
                body["errors"] = errors;
            }
            Response::json(status, body)
        }
    }
}

pub(crate) fn unprocessable(field: &str, message: &str) -> Response {
    error(
        Version::V3,
        422,
        "JSON data is missing or invalid",
        Some(json!({field: message})),
    )
}
// ----- Query helpers -------------------------------------------------------------------

pub(crate) fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

pub(crate) fn id_list(query: &[(String, String)], name: &str) -> Option<Vec<i64>> {
    param(query, name).map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
}

/// `page` (from 1) and `limit` (1–250, default 50; larger values are cut to 250). A value
/// that is not a positive whole number is refused as BigCommerce refuses it: 422 naming
/// the field (V3), 400 (V2). A page past the end is simply empty, however large.
pub(crate) fn paging(query: &[(String, String)], version: Version) -> Result<(usize, usize), Response> {
    let positive = |name: &str, default: usize| -> Result<usize, Response> {
        match param(query, name) {
            None => Ok(default),
            Some(text) => text.trim().parse::<u64>().ok().filter(|n| *n >= 1).map_or_else(
                || {
                    let message = format!("{name} must be a positive whole number");
                    Err(match version {
                        Version::V3 => unprocessable(name, &message),
                        Version::V2 => error(Version::V2, 400, &message, None),
                    })
                },
                |n| Ok(usize::try_from(n).unwrap_or(usize::MAX)),
            ),
        }
    };
    Ok((positive("page", 1)?, positive("limit", DEFAULT_LIMIT)?.min(MAX_LIMIT)))
}

/// The records of page `page` of `limit`.
pub(crate) fn page_of<T>(items: impl Iterator<Item = T>, page: usize, limit: usize) -> impl Iterator<Item = T> {
    items.skip(page.saturating_sub(1).saturating_mul(limit)).take(limit)
}

/// One page of a V3 list, with BigCommerce's `meta.pagination`. Only the records of the
/// page are copied (`view` builds each one), so large stores stay fast.
pub(crate) fn v3_page<'a>(
    items: impl Iterator<Item = &'a Value>,
    query: &[(String, String)],
    view: impl Fn(&Value) -> Value,
) -> Response {
    let (page, limit) = match paging(query, Version::V3) {
        Ok(paging) => paging,
        Err(response) => return response,
    };
    let matching: Vec<&Value> = items.collect();
    let total = matching.len();
    let total_pages = total.div_ceil(limit);
    let data: Vec<Value> = page_of(matching.into_iter(), page, limit).map(view).collect();
    let mut links = json!({"current": format!("?page={page}&limit={limit}")});
    if page > 1 {
        links["previous"] = json!(format!("?page={}&limit={limit}", page - 1));
    }
    if page < total_pages {
        links["next"] = json!(format!("?page={}&limit={limit}", page + 1));
    }
    let count = data.len();
    Response::json(
        200,
        json!({
            "data": data,
            "meta": {"pagination": {"total": total, "count": count, "per_page": limit, "current_page": page, "total_pages": total_pages, "links": links}}
        }),
    )
}

pub(crate) fn parse_body(body: &[u8], version: Version) -> Result<Value, Response> {
    serde_json::from_slice(body)
        .map_err(|e| error(version, 400, &format!("The request body is not valid JSON: {e}"), None))
}

pub(crate) fn contains_ci(haystack: &Value, needle: &str) -> bool {
    haystack.as_str().is_some_and(|h| h.to_lowercase().contains(needle))
}

// ----- Field checks (V3 422 errors name the field) -------------------------------------

pub(crate) type FieldResult = Result<(), Response>;

pub(crate) fn check_number(object: &Map<String, Value>, field: &str, minimum: f64) -> FieldResult {
    match object.get(field) {
        None => Ok(()),
        Some(v) if v.as_f64().is_some_and(|n| n >= minimum) => Ok(()),
        Some(_) => Err(unprocessable(field, &format!("must be a number, at least {minimum}"))),
    }
}

pub(crate) fn check_integer(object: &Map<String, Value>, field: &str, minimum: i64) -> FieldResult {
    match object.get(field) {
        None => Ok(()),
        Some(v) if v.as_i64().is_some_and(|n| n >= minimum) => Ok(()),
        Some(_) => Err(unprocessable(
            field,
            &format!("must be a whole number, at least {minimum}"),
        )),
    }
}

pub(crate) fn check_text(object: &Map<String, Value>, field: &str, max: usize) -> FieldResult {
    match object.get(field) {
        None => Ok(()),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(()),
        Some(_) => Err(unprocessable(
            field,
            &format!("must be text of at most {max} characters"),
        )),
    }
}

pub(crate) fn require(object: &Map<String, Value>, fields: &[&str]) -> FieldResult {
    match fields.iter().find(|f| object.get(**f).is_none_or(Value::is_null)) {
        Some(missing) => Err(unprocessable(missing, "is required")),
        None => Ok(()),
    }
}

pub(crate) fn copy_fields(target: &mut Value, source: &Map<String, Value>, fields: &[&str]) {
    for field in fields {
        if let Some(value) = source.get(*field) {
            target[*field] = value.clone();
        }
    }
}

pub(crate) const PRODUCT_FIELDS: &[&str] = &[
    "name",
    "type",
    "sku",
    "description",
    "weight",
    "price",
    "cost_price",
    "retail_price",
    "sale_price",
    "categories",
    "inventory_level",
    "inventory_warning_level",
    "inventory_tracking",
    "is_visible",
    "is_featured",
    "availability",
];

// ----- Filters polling uses ------------------------------------------------------------

/// A date filter (`min_date_modified`, `date_modified:min` …) as Unix seconds; a value
/// that is not a date is refused as BigCommerce refuses it.
pub(crate) fn date_filter(query: &[(String, String)], name: &str, version: Version) -> Result<Option<i64>, Response> {
    match param(query, name) {
        None => Ok(None),
        Some(text) => crate::time::parse(text).map(Some).ok_or_else(|| match version {
            Version::V3 => unprocessable(name, "must be a date (ISO 8601 or a Unix timestamp)"),
            Version::V2 => error(Version::V2, 400, &format!("The field '{name}' is invalid."), None),
        }),
    }
}

/// A record's date field as Unix seconds (0 when it has none).
pub(crate) fn record_time(record: &Value, field: &str) -> i64 {
    record[field].as_str().and_then(crate::time::parse).unwrap_or(0)
}

/// Sorts records by a field: numbers by value, dates by time, then by id.
pub(crate) fn sort_records(items: &mut [&Value], field: &str, descending: bool) {
    items.sort_by_key(|r| {
        let key = r[field].as_i64().unwrap_or_else(|| record_time(r, field));
        (key, r["id"].as_i64().unwrap_or(0))
    });
    if descending {
        items.reverse();
    }
}
