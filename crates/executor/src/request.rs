//! Building the HTTP request of a step from its action's data and validated parameters.

use bigcommerce_api::ApiVersion;
use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value, json};
use syncaut_actions::{BodyShape, Method, Wire};

use crate::params::ValidatedParams;

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

/// A request ready to send (or to show in a dry run).
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

/// Builds the request. Only validated parameters can be turned into a request.
pub fn build(params: &ValidatedParams) -> PreparedRequest {
    let action = params.action();
    PreparedRequest {
        method: action.method,
        api_version: action.api_version,
        path: fill_path(params),
        query: query(params),
        body: match action.body {
            BodyShape::None => None,
            shape => Some(body(params, shape)),
        },
    }
}

/// The query pairs: query parameters, chosen filters, then the action's fixed pairs.
fn query(params: &ValidatedParams) -> Vec<(String, String)> {
    let mut query = Vec::new();
    for (param, value) in params.iter() {
        match param.wire {
            Wire::Query(name) => query.push((name.to_owned(), wire_text(value))),
            Wire::ChoiceQuery => {
                let chosen = param.choices.iter().find(|c| c.value.to_json() == *value);
                for pair in chosen.map(|c| c.query).unwrap_or_default() {
                    query.push((pair.name.to_owned(), pair.value.to_owned()));
                }
            }
            Wire::Path(_) | Wire::Control(_) | Wire::Body(_) => {}
        }
    }
    query.extend(
        params
            .action()
            .fixed_query
            .iter()
            .map(|pair| (pair.name.to_owned(), pair.value.to_owned())),
    );
    query
}

/// The JSON body of an action that sends one.
fn body(params: &ValidatedParams, shape: BodyShape) -> Value {
    let mut body = Map::new();
    for (param, value) in params.iter() {
        if let Wire::Body(pointer) = param.wire {
            set_pointer(&mut body, pointer, value.clone());
        }
    }
    match shape {
        BodyShape::ArrayOfOne => Value::Array(vec![Value::Object(body)]),
        BodyShape::None | BodyShape::Object => Value::Object(body),
    }
}

/// The action's path with each `{name}` replaced by its parameter's value, percent-encoded
/// (a deferred template in a dry run is shown as written). One pass over the template, so
/// a value that itself contains `{…}` is never substituted into.
fn fill_path(params: &ValidatedParams) -> String {
    let template = params.action().path;
    let mut path = String::with_capacity(template.len() + 24);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(length) = rest[open..].find('}') else { break };
        path.push_str(&rest[..open]);
        let placeholder = &rest[open..=open + length];
        let name = &placeholder[1..placeholder.len() - 1];
        match params.iter().find(|(param, _)| param.wire == Wire::Path(name)) {
            Some((param, value)) if params.is_deferred(param.key) => path.push_str(&wire_text(value)),
            Some((_, Value::String(text))) => path.extend(utf8_percent_encode(text, PATH_SEGMENT)),
            // IDs: digits (and a sign) need no encoding.
            Some((_, Value::Number(n))) if n.is_i64() => {
                path.push_str(itoa::Buffer::new().format(n.as_i64().unwrap_or_default()));
            }
            Some((_, value)) => path.extend(utf8_percent_encode(&wire_text(value), PATH_SEGMENT)),
            None => path.push_str(placeholder),
        }
        rest = &rest[open + placeholder.len()..];
    }
    path.push_str(rest);
    path
}

/// How a value is written in a path or query.
fn wire_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        // A number's own formatting, not `Value`'s (which runs the JSON serialiser).
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
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
        for (index, (name, value)) in self.query.iter().enumerate() {
            if index > 0 {
                text.push('&');
            }
            text.extend(utf8_percent_encode(name, QUERY));
            text.push('=');
            text.extend(utf8_percent_encode(value, QUERY));
        }
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

    /// The request as a dry run shows it: the token is never included.
    pub fn describe(&self, api_base: &str) -> Value {
        let mut headers = json!({"X-Auth-Token": "[redacted]", "Accept": "application/json"});
        if self.body.is_some() {
            headers["Content-Type"] = json!("application/json");
        }
        json!({"method": self.method.as_str(), "url": self.url(api_base), "headers": headers, "body": self.body})
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::StepOutputs;
    use crate::params::{Templates, validate_with};

    fn path_of(action: &str, params: Value, templates: Templates) -> String {
        let action = syncaut_actions::find(action).unwrap();
        let raw = params.as_object().unwrap();
        build(&validate_with(action, raw, &StepOutputs::new(), templates).unwrap()).path
    }

    #[test]
    fn path_values_are_filled_in_and_deferred_ones_shown_as_written() {
        assert_eq!(
            path_of("get_order", json!({"orderId": 218}), Templates::Render),
            "/orders/218"
        );
        assert_eq!(
            path_of("get_order", json!({"orderId": "{{find.data.id}}"}), Templates::Defer),
            "/orders/{{find.data.id}}",
            "a dry run shows a deferred reference as written"
        );
    }
}
