//! Building the HTTP request of a step from its action's data: [`PreparedRequest`] from
//! validated parameters (the only thing that is sent), and [`RequestPreview`] from checked
//! parameters whose templates are shown as written (a dry run, where earlier steps have
//! not run). They are different types, so a request with an unrendered `{{…}}` cannot be
//! sent.

use bigcommerce_api::{ApiVersion, StoreHash, TransportConfig};
use bytes::Bytes;
use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde_json::{Map, Value};
use syncaut_actions::{Action, BodyShape, Method, Param, Wire};

use crate::params::{ParamValue, Params, ValidatedParams};

/// What a query value may not contain unencoded. `:` and `,` stay as they are, so
/// BigCommerce sees `id:in=1,2` just as its docs write it.
const QUERY: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'&')
    .add(b'=')
    .add(b'+')
    .add(b'%')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Path values: everything but letters, digits and `-._~` is encoded, so no value can
/// change the shape of the path.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A request ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedRequest {
    /// HTTP method.
    pub method: Method,
    /// V2 or V3.
    pub api_version: ApiVersion,
    /// The path below the API base, values percent-encoded (`/orders/42`).
    pub path: String,
    /// Query pairs, in order, not yet encoded.
    pub query: Vec<(String, String)>,
    /// The JSON body, if the action sends one.
    pub body: Option<Value>,
}

/// What a dry run shows of a request: the token is never included, and values that come
/// from earlier steps are shown as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestPreview {
    /// HTTP method.
    pub method: &'static str,
    /// The full URL.
    pub url: String,
    /// The headers that would be sent, the token redacted.
    pub headers: Map<String, Value>,
    /// The JSON body, if any.
    pub body: Option<Value>,
    /// For a request of your own (`api_request`): the operation it calls and the scope it
    /// needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calls: Option<String>,
}

/// A value as a request shows it.
#[derive(Clone, Copy)]
enum Shown<'a> {
    Value(&'a Value),
    /// A template, as written.
    Template(&'a str),
}

/// Builds the request. Only validated parameters can be turned into a request.
pub fn build(params: &ValidatedParams) -> PreparedRequest {
    let values: Vec<(&'static Param, Shown<'_>)> = params.iter().map(|(p, v)| (p, Shown::Value(v))).collect();
    parts(params.action(), &values)
}

/// What a dry run shows of a prepared request (templates rendered): no token.
pub fn describe(prepared: &crate::Prepared, config: &TransportConfig) -> RequestPreview {
    let request = &prepared.request;
    RequestPreview {
        method: request.method.as_str(),
        url: request.url(&config.api_base(&prepared.store_hash, request.api_version)),
        headers: preview_headers(request.body.is_some()),
        body: request.body.clone(),
        calls: (prepared.action.kind == syncaut_actions::ActionKind::Raw)
            .then(|| {
                let text = |key: &str| prepared.params.get(key).and_then(Value::as_str).unwrap_or_default();
                crate::raw::describe_call(text("method"), text("path"))
            })
            .flatten(),
    }
}

fn preview_headers(with_body: bool) -> Map<String, Value> {
    let mut headers = Map::new();
    headers.insert("X-Auth-Token".into(), "[redacted]".into());
    headers.insert("Accept".into(), "application/json".into());
    if with_body {
        headers.insert("Content-Type".into(), "application/json".into());
    }
    headers
}

/// Builds the preview of a checked step's request, templates shown as written.
pub fn preview(params: &Params, config: &TransportConfig, store_hash: &StoreHash) -> RequestPreview {
    if params.action().kind == syncaut_actions::ActionKind::Raw {
        return raw_preview(params, config, store_hash);
    }
    let values: Vec<(&'static Param, Shown<'_>)> = params
        .iter()
        .map(|(p, v)| {
            let shown = match v {
                ParamValue::Literal(value) => Shown::Value(value),
                ParamValue::Template(template) => Shown::Template(template.source()),
            };
            (p, shown)
        })
        .collect();
    let request = parts(params.action(), &values);
    RequestPreview {
        method: request.method.as_str(),
        url: request.url_shown(&config.api_base(store_hash, request.api_version)),
        headers: preview_headers(request.body.is_some()),
        body: request.body,
        calls: None,
    }
}

/// The preview of a request of your own: what is written, templates as written; the
/// operation when the method and path are known already.
fn raw_preview(params: &Params, config: &TransportConfig, store_hash: &StoreHash) -> RequestPreview {
    let shown = |key: &str| {
        params.iter().find(|(p, _)| p.key == key).map(|(_, v)| match v {
            ParamValue::Literal(value) => value.clone(),
            ParamValue::Template(template) => Value::from(template.source()),
        })
    };
    let method = match shown("method").as_ref().and_then(Value::as_str) {
        Some("POST") => "POST",
        Some("PUT") => "PUT",
        Some("DELETE") => "DELETE",
        _ => "GET",
    };
    let path = shown("path")
        .and_then(|p| p.as_str().map(str::to_owned))
        .unwrap_or_default();
    let base = config.api_base(store_hash, bigcommerce_api::ApiVersion::V3);
    let root = base.strip_suffix("/v3").unwrap_or(&base);
    let mut url = format!("{root}{path}");
    if let Some(Value::Object(query)) = shown("query") {
        let pairs: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
            .collect();
        if !pairs.is_empty() {
            url.push('?');
            url.push_str(&pairs.join("&"));
        }
    }
    let calls = crate::raw::describe_call(method, &path);
    let body = shown("body");
    RequestPreview {
        method,
        url,
        headers: preview_headers(body.is_some()),
        body,
        calls,
    }
}

fn parts(action: &'static Action, values: &[(&'static Param, Shown<'_>)]) -> PreparedRequest {
    let (method, path) = route(action, values);
    PreparedRequest {
        method,
        api_version: action.api_version,
        path: fill_path(path, values),
        query: query(action, values),
        body: match action.body {
            BodyShape::None => None,
            shape => Some(body(values, shape)),
        },
    }
}

/// The method and path template: the route a parameter chose, or the action's own.
fn route(action: &Action, values: &[(&'static Param, Shown<'_>)]) -> (Method, &'static str) {
    action
        .routes
        .iter()
        .find(|route| {
            let given = values
                .iter()
                .find(|(param, _)| param.key == route.param)
                .map(|(_, v)| v);
            match route.when {
                syncaut_actions::When::Equals(wanted) => {
                    matches!(given, Some(Shown::Value(v)) if **v == wanted.to_json())
                }
                syncaut_actions::When::Given => given.is_some(),
                syncaut_actions::When::Empty => given.is_none(),
            }
        })
        .map_or((action.method, action.path), |route| (route.method, route.path))
}

/// A lookup's path template filled with the step's path parameters.
pub(crate) fn lookup_path(template: &str, params: &ValidatedParams) -> String {
    let values: Vec<(&'static Param, Shown<'_>)> = params.iter().map(|(p, v)| (p, Shown::Value(v))).collect();
    fill_path(template, &values)
}

/// The query pairs: query parameters, chosen filters, then the action's fixed pairs.
fn query(action: &Action, values: &[(&'static Param, Shown<'_>)]) -> Vec<(String, String)> {
    let mut query = Vec::new();
    for (param, value) in values {
        match (param.wire, value) {
            (Wire::Query(name), value) => query.push((name.to_owned(), wire_text(*value))),
            (Wire::ChoiceQuery, Shown::Value(value)) => {
                let chosen = param.choices.iter().find(|c| c.value.to_json() == **value);
                for pair in chosen.map(|c| c.query).unwrap_or_default() {
                    query.push((pair.name.to_owned(), pair.value.to_owned()));
                }
            }
            (Wire::ChoiceQuery | Wire::QueryByValue(_), Shown::Template(text)) => {
                query.push((param.key.to_owned(), (*text).to_owned()));
            }
            (Wire::QueryByValue(rules), Shown::Value(value)) => {
                let text = wire_text(Shown::Value(value));
                if let Some(rule) = rules.iter().find(|rule| rule.when.matches(&text)) {
                    query.push((rule.name.to_owned(), text));
                }
            }
            (Wire::Path(_) | Wire::Control(_) | Wire::Body(_), _) => {}
        }
    }
    query.extend(
        action
            .fixed_query
            .iter()
            .map(|pair| (pair.name.to_owned(), pair.value.to_owned())),
    );
    query
}

/// The JSON body of an action that sends one. A pointer through `*` (`/items/*/location_id`)
/// fills that field in each item of a list that lacks it, after every other field is set.
fn body(values: &[(&'static Param, Shown<'_>)], shape: BodyShape) -> Value {
    let mut body = Map::new();
    let mut list = None;
    let json = |value: &Shown<'_>| match value {
        Shown::Value(value) => (*value).clone(),
        Shown::Template(text) => Value::from(*text),
    };
    for (param, value) in values {
        match param.wire {
            Wire::Body("") => list = Some(json(value)),
            Wire::Body(pointer) if !pointer.contains('*') => set_pointer(&mut body, pointer, json(value)),
            _ => {}
        }
    }
    let mut body = match shape {
        BodyShape::ArrayOfOne => Value::Array(vec![Value::Object(body)]),
        BodyShape::List => list.unwrap_or_else(|| Value::Array(Vec::new())),
        BodyShape::None | BodyShape::Object => Value::Object(body),
    };
    for (param, value) in values {
        if let Wire::Body(pointer) = param.wire
            && pointer.contains('*')
        {
            fill_each(&mut body, pointer, &json(value));
        }
    }
    body
}

/// Sets the field after `*` in each object of the list before it, where it is absent:
/// `/items/*/location_id` in `{"items": [{…}, …]}`.
pub(crate) fn fill_each(body: &mut Value, pointer: &str, value: &Value) {
    let Some((list, field)) = pointer.split_once("/*/") else {
        return;
    };
    let target = if list.is_empty() {
        Some(body)
    } else {
        body.pointer_mut(list)
    };
    let Some(Value::Array(items)) = target else { return };
    for item in items {
        if let Value::Object(item) = item
            && item.get(field).is_none_or(Value::is_null)
        {
            item.insert(field.to_owned(), value.clone());
        }
    }
}

/// The action's path with each `{name}` replaced by its parameter's value, percent-encoded
/// (a template in a preview is shown as written). One pass over the path, so a value that
/// itself contains `{…}` is never substituted into.
fn fill_path(template: &str, values: &[(&'static Param, Shown<'_>)]) -> String {
    let mut path = String::with_capacity(template.len() + 24);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(length) = rest[open..].find('}') else { break };
        path.push_str(&rest[..open]);
        let placeholder = &rest[open..=open + length];
        let name = &placeholder[1..placeholder.len() - 1];
        match values
            .iter()
            .find(|(param, _)| param.wire.is_path(name))
            .map(|(_, v)| v)
        {
            Some(Shown::Template(text)) => path.push_str(text),
            Some(Shown::Value(Value::String(text))) => path.extend(utf8_percent_encode(text, PATH_SEGMENT)),
            // IDs: digits (and a sign) need no encoding.
            Some(Shown::Value(Value::Number(n))) if n.is_i64() => {
                path.push_str(itoa::Buffer::new().format(n.as_i64().unwrap_or_default()));
            }
            Some(value) => path.extend(utf8_percent_encode(&wire_text(*value), PATH_SEGMENT)),
            None => path.push_str(placeholder),
        }
        rest = &rest[open + placeholder.len()..];
    }
    path.push_str(rest);
    path
}

/// How a value is written in a path or query.
fn wire_text(value: Shown<'_>) -> String {
    match value {
        Shown::Template(text) => text.to_owned(),
        Shown::Value(Value::String(s)) => s.clone(),
        // A number's own formatting, not `Value`'s (which runs the JSON serialiser).
        Shown::Value(Value::Number(n)) => n.to_string(),
        // Lists go in a query as BigCommerce writes them: `1,2,3`.
        Shown::Value(Value::Array(items)) => items
            .iter()
            .map(|item| wire_text(Shown::Value(item)))
            .collect::<Vec<_>>()
            .join(","),
        Shown::Value(other) => other.to_string(),
    }
}

/// Sets a body field of a built request (inside the one object of an array body too; in
/// each item of a list for a pointer through `*`).
pub(crate) fn set_in_body(request: &mut PreparedRequest, pointer: &str, value: Value) {
    if pointer.contains('*') {
        if let Some(body) = &mut request.body {
            fill_each(body, pointer, &value);
        }
        return;
    }
    let object = match &mut request.body {
        Some(Value::Object(object)) => object,
        Some(Value::Array(items)) => match items.first_mut() {
            Some(Value::Object(object)) => object,
            _ => return,
        },
        _ => return,
    };
    set_pointer(object, pointer, value);
}

/// Sets `/a/b` inside a JSON object, creating objects on the way.
fn set_pointer(object: &mut Map<String, Value>, pointer: &str, value: Value) {
    let mut segments: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    let Some(last) = segments.pop() else { return };
    let mut current = object;
    for segment in segments {
        let entry = current
            .entry(segment.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else { return };
        current = next;
    }
    current.insert(last.to_owned(), value);
}

impl PreparedRequest {
    /// The encoded query string, without `?` (empty when there is no query).
    pub fn query_string(&self) -> String {
        let mut text = String::new();
        self.write_query(&mut text);
        text
    }

    fn write_query(&self, text: &mut String) {
        self.write_query_with(text, false);
    }

    /// Writes the query; with `show_templates`, template values stay as written.
    fn write_query_with(&self, text: &mut String, show_templates: bool) {
        for (index, (name, value)) in self.query.iter().enumerate() {
            if index > 0 {
                text.push('&');
            }
            text.extend(utf8_percent_encode(name, QUERY));
            text.push('=');
            if show_templates && value.contains("{{") {
                text.push_str(value);
            } else {
                text.extend(utf8_percent_encode(value, QUERY));
            }
        }
    }

    /// [`Self::url`] for a preview: template values are shown as written.
    fn url_shown(&self, api_base: &str) -> String {
        let mut url = format!("{api_base}{}", self.path);
        if !self.query.is_empty() {
            url.push('?');
            self.write_query_with(&mut url, true);
        }
        url
    }

    /// The full URL below an API base such as `https://api.bigcommerce.com/stores/abc/v3`.
    pub fn url(&self, api_base: &str) -> String {
        let mut url = format!("{api_base}{}", self.path);
        if !self.query.is_empty() {
            url.push('?');
            self.write_query(&mut url);
        }
        url
    }

    /// The JSON body as bytes, if any.
    pub fn body_bytes(&self) -> Option<Bytes> {
        self.body
            .as_ref()
            .map(|body| Bytes::from(serde_json::to_vec(body).unwrap_or_default()))
    }

    /// The HTTP method.
    pub fn http_method(&self) -> reqwest::Method {
        match self.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::StepOutputs;

    fn params(action: &str, raw: Value) -> Params {
        Params::check(syncaut_actions::find(action).unwrap(), raw.as_object().unwrap()).unwrap()
    }

    #[test]
    fn path_values_are_filled_in_and_encoded() {
        let built = build(
            &params("get_order", json!({"orderId": 218}))
                .render(&StepOutputs::new())
                .unwrap(),
        );
        assert_eq!(built.path, "/orders/218");
    }

    #[test]
    fn a_preview_shows_templates_as_written_and_never_the_token() {
        let config = TransportConfig::new("http://127.0.0.1:9").unwrap();
        let store = StoreHash::new("abc").unwrap();
        let shown = preview(
            &params("update_order", json!({"orderId": "{{find.data.id}}", "status_id": 2})),
            &config,
            &store,
        );
        assert_eq!(shown.url, "http://127.0.0.1:9/stores/abc/v2/orders/{{find.data.id}}");
        assert_eq!(shown.body, Some(json!({"status_id": 2})));
        assert_eq!(shown.headers["X-Auth-Token"], "[redacted]");
        let shown = preview(
            &params("get_products", json!({"visibility": "{{v.data}}"})),
            &config,
            &store,
        );
        assert_eq!(
            shown.url,
            "http://127.0.0.1:9/stores/abc/v3/catalog/products?visibility={{v.data}}"
        );
    }
}
