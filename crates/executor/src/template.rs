//! `{{…}}` templates over the outputs of earlier steps.
//!
//! A field whose whole value is one path expression (`{{getOrder.data.id}}`) receives the
//! referenced JSON value with its type. Anything else is rendered by Handlebars as text,
//! strictly (an unknown step or field is an error) and without HTML escaping
//! (`Tom & Jerry` stays as it is). Every plain path in the text is looked up first, so an
//! error names the field, the expression, and what exists instead.

use std::borrow::Cow;
use std::sync::OnceLock;

use handlebars::Handlebars;
use serde_json::Value;

use crate::ExecError;
pub use crate::output::StepOutputs;
use crate::output::{Field, parse_record};

/// The longest template a field may hold.
pub const MAX_TEMPLATE_LEN: usize = 64 * 1024;

/// The longest text a field may render to.
pub const MAX_RENDERED_LEN: usize = 1024 * 1024;

fn registry() -> &'static Handlebars<'static> {
    static REGISTRY: OnceLock<Handlebars<'static>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        hb
    })
}

/// Whether a value holds a template.
pub fn has_template(value: &Value) -> bool {
    value.as_str().is_some_and(|s| s.contains("{{"))
}

/// Renders a parameter value. Values without `{{` come back unchanged.
pub fn render(field: &str, value: &Value, outputs: &StepOutputs) -> Result<Value, ExecError> {
    let Some(text) = value.as_str().filter(|s| s.contains("{{")) else {
        return Ok(value.clone());
    };
    let error = |expression: &str, reason: String| template_error(field, expression, reason);
    if text.len() > MAX_TEMPLATE_LEN {
        return Err(error(
            text,
            format!("the template is longer than {MAX_TEMPLATE_LEN} bytes"),
        ));
    }
    if let Some(path) = whole_expression(text) {
        return lookup(path, outputs)
            .map(Cow::into_owned)
            .map_err(|reason| error(text.trim(), reason));
    }
    // Text with nothing but plain paths is filled in here, value by value, as Handlebars
    // would render each: only the values it names are read (a "return all" of thousands
    // of records is not materialised for one `{{all.meta.items}}`).
    if let Some(parts) = plain_parts(text) {
        let mut rendered = String::with_capacity(text.len());
        for part in parts {
            match part {
                Part::Text(literal) => rendered.push_str(literal),
                Part::Path(path) => {
                    let value = lookup(path, outputs).map_err(|reason| error(&format!("{{{{{path}}}}}"), reason))?;
                    rendered.push_str(&handlebars::JsonRender::render(value.as_ref()));
                }
            }
            if rendered.len() > MAX_RENDERED_LEN {
                return Err(error(text, format!("it renders to more than {MAX_RENDERED_LEN} bytes")));
            }
        }
        return Ok(Value::String(rendered));
    }
    // Inside a block (`{{#each}}`) paths are relative to the block, so only Handlebars
    // itself can check them; outside blocks, every path is from the step outputs.
    let has_blocks = text.contains("{{#");
    for expression in expressions(text).filter(|_| !has_blocks) {
        if is_plain_path(expression) {
            lookup(expression, outputs).map_err(|reason| error(&format!("{{{{{expression}}}}}"), reason))?;
        }
    }
    let data = outputs.to_value();
    let rendered = registry()
        .render_template(text, &data)
        .map_err(|e| error(text, handlebars_reason(&e)))?;
    if rendered.len() > MAX_RENDERED_LEN {
        return Err(error(text, format!("it renders to more than {MAX_RENDERED_LEN} bytes")));
    }
    Ok(Value::String(rendered))
}

#[cold]
fn template_error(field: &str, expression: &str, reason: String) -> ExecError {
    ExecError::Template {
        field: field.to_owned(),
        expression: shorten(expression),
        reason,
    }
}

/// A piece of a template made of plain paths only.
enum Part<'a> {
    Text(&'a str),
    Path(&'a str),
}

/// The text and `{{path}}` / `{{{path}}}` pieces of a template, or `None` when it holds
/// anything else (blocks, helpers, comments, partials, escapes, whitespace control), which
/// Handlebars renders itself.
fn plain_parts(text: &str) -> Option<Vec<Part<'_>>> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        if rest[..start].ends_with('\\') {
            return None;
        }
        if start > 0 {
            parts.push(Part::Text(&rest[..start]));
        }
        let after = &rest[start..];
        let (open, close) = if after.starts_with("{{{") {
            (3, "}}}")
        } else {
            (2, "}}")
        };
        let inside = &after[open..];
        let end = inside.find(close)?;
        let path = inside[..end].trim();
        if !is_plain_path(path) {
            return None;
        }
        parts.push(Part::Path(path));
        rest = &inside[end + close.len()..];
    }
    if rest.contains("}}") {
        return None;
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest));
    }
    Some(parts)
}

fn shorten(text: &str) -> String {
    const MAX: usize = 200;
    if text.len() <= MAX {
        return text.to_owned();
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn handlebars_reason(err: &handlebars::RenderError) -> String {
    short_reason(&err.reason().to_string())
}

/// The first line of a Handlebars error, bounded, with how to write a reference.
fn short_reason(reason: &str) -> String {
    let first = reason
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid template");
    let first: String = first.chars().take(160).collect();
    format!("{first}; write references as {{{{stepName.data.field}}}} or {{{{stepName.data.[0].field}}}}")
}

/// Checks that a template parses, without rendering it.
pub fn check_syntax(text: &str) -> Result<(), String> {
    handlebars::Template::compile(text)
        .map(|_| ())
        .map_err(|e| short_reason(&e.reason().to_string()))
}

/// The inner path when the whole text is `{{ path }}` (or `{{{ path }}}`).
fn whole_expression(text: &str) -> Option<&str> {
    let trimmed = text.trim();
    let inner = trimmed
        .strip_prefix("{{{")
        .and_then(|t| t.strip_suffix("}}}"))
        .or_else(|| trimmed.strip_prefix("{{").and_then(|t| t.strip_suffix("}}")))?
        .trim();
    is_plain_path(inner).then_some(inner)
}

/// The contents of each `{{…}}` in the text.
fn expressions(text: &str) -> impl Iterator<Item = &str> {
    text.split("{{")
        .skip(1)
        .filter_map(|rest| rest.split("}}").next())
        .map(|e| e.trim_start_matches('{').trim())
}

/// A path such as `getOrders.data.[0].id`: a step name, then segments that are not empty
/// and hold no helpers, blocks or spaces. One pass over the bytes: every reference of
/// every step is checked.
fn is_plain_path(expression: &str) -> bool {
    let bytes = expression.as_bytes();
    let first_end = bytes.iter().position(|&b| b == b'.').unwrap_or(bytes.len());
    let first = unbracket(&bytes[..first_end]);
    let step_name = first.first().is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        && first.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_');
    if !step_name {
        return false;
    }
    let Some(rest) = bytes.get(first_end + 1..) else {
        return true;
    };
    let mut start = 0;
    for (at, byte) in rest.iter().enumerate() {
        match byte {
            b'{' | b'}' | b' ' | b'#' | b'/' | b'(' | b')' => return false,
            b'.' if unbracket(&rest[start..at]).is_empty() => return false,
            b'.' => start = at + 1,
            _ => {}
        }
    }
    !unbracket(&rest[start..]).is_empty()
}

/// `[x]` read as `x`.
fn unbracket(segment: &[u8]) -> &[u8] {
    segment
        .strip_prefix(b"[")
        .and_then(|s| s.strip_suffix(b"]"))
        .unwrap_or(segment)
}

/// The segments of a path, `[0]` read as `0`. Paths are short and ASCII in practice: a
/// byte scan finds the dots (this runs for every reference of every step).
fn split_path(path: &str) -> Segments<'_> {
    Segments { rest: Some(path) }
}

struct Segments<'a> {
    rest: Option<&'a str>,
}

impl<'a> Iterator for Segments<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        let (segment, after) = match rest.bytes().position(|b| b == b'.') {
            Some(dot) => (&rest[..dot], Some(&rest[dot + 1..])),
            None => (rest, None),
        };
        self.rest = after;
        Some(
            segment
                .strip_prefix('[')
                .and_then(|s| s.strip_suffix(']'))
                .unwrap_or(segment),
        )
    }
}

/// A field of an object. Objects in step outputs are mostly small: up to a dozen keys are
/// compared in order, which is cheaper than hashing the key; larger ones use the index.
pub(crate) fn field<'a>(map: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    if map.len() <= 12 {
        map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    } else {
        map.get(key)
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Follows a path through the step outputs, or says what exists instead. The records of
/// a "return all" are parsed only where the path reads into them.
fn lookup<'a>(path: &str, outputs: &'a StepOutputs) -> Result<Cow<'a, Value>, String> {
    let mut segments = split_path(path);
    let step = segments.next().unwrap_or_default();
    let Some(output) = outputs.get(step) else {
        let known: Vec<&str> = outputs.names().collect();
        return Err(if known.is_empty() {
            format!("there is no earlier step called `{step}` (this is the first step)")
        } else {
            format!(
                "there is no earlier step called `{step}`; earlier steps: {}",
                known.join(", ")
            )
        });
    };
    if let Some(value) = output.as_value() {
        return walk(value, path, segments, 1).map(Cow::Borrowed);
    }
    let Some(key) = segments.next() else {
        return Ok(Cow::Owned(output.to_value()));
    };
    match output.field(key) {
        None => Err(no_field(step, key, &output.keys())),
        Some(Field::Value(value)) => walk(value, path, segments, 2).map(Cow::Borrowed),
        Some(Field::Text(text)) => {
            let text = Value::from(text);
            walk(&text, path, segments, 2).map(|v| Cow::Owned(v.clone()))
        }
        Some(Field::Records(records)) => {
            let Some(segment) = segments.next() else {
                return Ok(output.get("data").unwrap_or(Cow::Owned(Value::Null)));
            };
            let index = list_index(path, 2, segment, records.len())?;
            let record = records
                .get(index)
                .map(|r| parse_record(r))
                .transpose()
                .map_err(|e| format!("`{}` could not be read ({e})", walked(path, 3)))?
                .unwrap_or_default();
            walk(&record, path, segments, 3).map(|v| Cow::Owned(v.clone()))
        }
    }
}

/// The first `upto` segments of a path, as errors show them: `getOrders.data.0`.
#[cold]
fn walked(path: &str, upto: usize) -> String {
    split_path(path).take(upto).collect::<Vec<_>>().join(".")
}

/// Follows the remaining `segments` of `path` inside one value, which its first `from`
/// segments led to.
fn walk<'a, 'p>(
    mut current: &'a Value,
    path: &str,
    segments: impl Iterator<Item = &'p str>,
    from: usize,
) -> Result<&'a Value, String> {
    for (position, segment) in (from..).zip(segments) {
        current = match current {
            Value::Object(map) => field(map, segment).ok_or_else(|| {
                let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                no_field(&walked(path, position), segment, &keys)
            })?,
            Value::Array(items) => items
                .get(list_index(path, position, segment, items.len())?)
                .unwrap_or(&Value::Null),
            other => {
                return Err(format!(
                    "`{}` is {}, it has no `{segment}`",
                    walked(path, position),
                    describe(other)
                ));
            }
        };
    }
    Ok(current)
}

#[cold]
fn no_field(walked: &str, segment: &str, keys: &[&str]) -> String {
    let keys: Vec<&str> = keys.iter().copied().take(25).collect();
    format!("`{walked}` has no field `{segment}`; it has: {}", keys.join(", "))
}

/// The index `segment` (segment number `position` of `path`) names in a list of `len`
/// items, or why it names none.
fn list_index(path: &str, position: usize, segment: &str, len: usize) -> Result<usize, String> {
    let index: usize = segment.parse().map_err(|_| {
        let walked = walked(path, position);
        format!("`{walked}` is a list; use an index such as `{walked}.[0]`")
    })?;
    if index >= len {
        return Err(format!(
            "`{}` has {len} item(s); [{index}] is out of range",
            walked(path, position)
        ));
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn outputs() -> StepOutputs {
        json!({
            "getOrder": {"data": {"id": 42, "status_id": 11, "customer": "Tom & Jerry", "note": "say \"hi\""}, "action": "get_order", "storeHash": "abc"},
            "getOrders": {"data": [{"id": 7}, {"id": 8}], "action": "get_orders", "storeHash": "abc"}
        })
        .as_object()
        .unwrap()
        .clone()
        .into()
    }

    fn ok(value: Value) -> Value {
        render("field", &value, &outputs()).unwrap()
    }

    fn err(value: &str) -> String {
        render("orderId", &json!(value), &outputs()).unwrap_err().to_string()
    }

    #[test]
    fn a_whole_expression_keeps_its_type() {
        assert_eq!(ok(json!("{{getOrder.data.id}}")), json!(42));
        assert_eq!(ok(json!("  {{ getOrder.data.id }} ")), json!(42));
        assert_eq!(ok(json!("{{getOrders.data.[1].id}}")), json!(8));
        assert_eq!(ok(json!("{{getOrders.data.0.id}}")), json!(7));
        assert_eq!(ok(json!("{{getOrders.data}}")), json!([{"id": 7}, {"id": 8}]));
        assert_eq!(ok(json!("{{{getOrder.data.id}}}")), json!(42));
    }

    #[test]
    fn mixed_text_renders_as_a_string_without_escaping() {
        assert_eq!(
            ok(json!("Order #{{getOrder.data.id}} for {{getOrder.data.customer}}")),
            json!("Order #42 for Tom & Jerry")
        );
        assert_eq!(ok(json!("Note: {{getOrder.data.note}}")), json!("Note: say \"hi\""));
        assert_eq!(ok(json!("{{#each getOrders.data}}{{id}},{{/each}}")), json!("7,8,"));
    }

    /// Plain paths are filled in without Handlebars; the result must be what Handlebars
    /// itself renders, for every kind of value.
    #[test]
    fn plain_paths_render_exactly_as_handlebars_does() {
        let values = json!({"data": {"n": 42, "f": 1.5, "t": true, "z": null, "s": "Tom & \"Jerry\" <b>", "a": [1, "x"], "o": {"k": 1}, "e": ""}});
        let mut outputs = StepOutputs::new();
        outputs.insert("s", values.clone());
        let texts = [
            "n={{s.data.n}} f={{s.data.f}} t={{s.data.t}} z={{s.data.z}}.",
            "{{s.data.s}} and {{{s.data.s}}}",
            "a={{s.data.a}} o={{s.data.o}} e=[{{s.data.e}}] {{ s.data.n }}",
            "{{s.data.n}}{{s.data.n}}",
            "#{{s.data.a.[1]}}-{{s.data.a.0}}",
        ];
        for text in texts {
            assert!(plain_parts(text).is_some(), "{text} takes the direct path");
            let direct = render("f", &json!(text), &outputs).unwrap();
            let handlebars = registry().render_template(text, &json!({"s": values})).unwrap();
            assert_eq!(direct, json!(handlebars), "{text}");
        }
        for text in [
            "{{#if s.data.t}}y{{/if}}",
            "a \\{{s.data.n}}",
            "{{! note }}x",
            "{{~s.data.n}}",
            "{{lookup s.data.a 0}}",
        ] {
            assert!(plain_parts(text).is_none(), "{text} is left to Handlebars");
        }
    }

    #[test]
    fn values_without_templates_are_unchanged() {
        assert_eq!(ok(json!(5)), json!(5));
        assert_eq!(ok(json!("plain & simple")), json!("plain & simple"));
    }

    #[test]
    fn an_unknown_step_names_the_field_the_expression_and_the_steps() {
        assert_eq!(
            err("{{getOrdr.data.id}}"),
            "orderId: cannot render `{{getOrdr.data.id}}`: there is no earlier step called `getOrdr`; earlier steps: getOrder, getOrders"
        );
        assert!(err("Order {{nope.data}}").contains("there is no earlier step called `nope`"));
    }

    #[test]
    fn a_missing_path_says_what_exists() {
        assert_eq!(
            err("{{getOrder.data.custmer}}"),
            "orderId: cannot render `{{getOrder.data.custmer}}`: `getOrder.data` has no field `custmer`; it has: id, status_id, customer, note"
        );
        assert!(err("{{getOrders.data.[5].id}}").contains("`getOrders.data` has 2 item(s); [5] is out of range"));
        assert!(
            err("{{getOrders.data.id}}")
                .contains("`getOrders.data` is a list; use an index such as `getOrders.data.[0]`")
        );
        assert!(err("{{getOrder.data.id.x}}").contains("`getOrder.data.id` is a number, it has no `x`"));
    }

    /// A "return all" keeps its records as JSON text; templates read into them the same way.
    fn with_records() -> StepOutputs {
        let records = [r#"{"id":7,"name":"A"}"#, r#"{"id":8,"name":"B & C"}"#]
            .iter()
            .map(|t| serde_json::value::RawValue::from_string((*t).to_owned()).unwrap())
            .collect();
        let rest = json!({"action": "get_products", "storeHash": "abc", "meta": {"pages": 1}});
        let mut outputs = StepOutputs::new();
        outputs.insert(
            "all",
            crate::output::Output::from_records(records, rest.as_object().unwrap().clone()),
        );
        outputs
    }

    #[test]
    fn records_of_a_return_all_read_like_any_list() {
        let outputs = with_records();
        let ok = |text: &str| render("f", &json!(text), &outputs).unwrap();
        let err = |text: &str| render("f", &json!(text), &outputs).unwrap_err().to_string();
        assert_eq!(ok("{{all.data.[1].id}}"), json!(8));
        assert_eq!(ok("{{all.data.0}}"), json!({"id": 7, "name": "A"}));
        assert_eq!(
            ok("{{all.data}}"),
            json!([{"id": 7, "name": "A"}, {"id": 8, "name": "B & C"}])
        );
        assert_eq!(ok("{{all.meta.pages}}"), json!(1));
        assert_eq!(ok("{{all.action}}"), json!("get_products"));
        assert_eq!(ok("Got {{all.data.[1].name}}"), json!("Got B & C"));
        assert_eq!(ok("{{#each all.data}}{{id}};{{/each}}"), json!("7;8;"));
        assert!(err("{{all.data.[2].id}}").contains("`all.data` has 2 item(s); [2] is out of range"));
        assert!(err("{{all.data.id}}").contains("`all.data` is a list; use an index such as `all.data.[0]`"));
        assert!(err("{{all.data.[0].price}}").contains("`all.data.0` has no field `price`; it has: id, name"));
        assert!(err("{{all.dat}}").contains("`all` has no field `dat`; it has: data, action, storeHash, meta"));
    }

    #[test]
    fn a_single_request_output_reads_like_its_envelope() {
        let mut outputs = StepOutputs::new();
        outputs.insert(
            "getOrder",
            crate::output::Output::step(
                json!({"id": 42, "items": [{"sku": "A"}]}),
                "get_order",
                bigcommerce_api::StoreHash::new("abc").unwrap(),
            ),
        );
        let ok = |text: &str| render("f", &json!(text), &outputs).unwrap();
        let err = |text: &str| render("f", &json!(text), &outputs).unwrap_err().to_string();
        assert_eq!(ok("{{getOrder.data.id}}"), json!(42));
        assert_eq!(ok("{{getOrder.data.items.[0].sku}}"), json!("A"));
        assert_eq!(ok("{{getOrder.storeHash}}"), json!("abc"));
        assert_eq!(
            ok("{{getOrder}}"),
            json!({"data": {"id": 42, "items": [{"sku": "A"}]}, "action": "get_order", "storeHash": "abc"})
        );
        assert_eq!(
            ok("{{getOrder.action}} in {{getOrder.storeHash}}"),
            json!("get_order in abc")
        );
        assert!(err("{{getOrder.dta}}").contains("`getOrder` has no field `dta`; it has: data, action, storeHash"));
        assert!(err("{{getOrder.action.x}}").contains("`getOrder.action` is text, it has no `x`"));
    }

    #[test]
    fn long_paths_are_followed_too() {
        let mut deep = json!(7);
        for _ in 0..20 {
            deep = json!({"x": deep});
        }
        let mut outputs = StepOutputs::new();
        outputs.insert("s", json!({"data": deep}));
        let path = format!("{{{{s.data{}}}}}", ".x".repeat(20));
        assert_eq!(render("f", &json!(path), &outputs).unwrap(), json!(7));
        let wrong = format!("{{{{s.data{}.y}}}}", ".x".repeat(20));
        let err = render("f", &json!(wrong), &outputs).unwrap_err().to_string();
        assert!(
            err.contains(&format!("`s.data{}` is a number, it has no `y`", ".x".repeat(20))),
            "{err}"
        );
    }

    /// Small objects are searched in order, large ones through their index: both find
    /// every key, the first and the last, and name what exists when a key is missing.
    #[test]
    fn fields_are_found_in_small_and_large_objects() {
        for size in [1, 12, 13, 60] {
            let record: serde_json::Map<String, Value> = (0..size).map(|i| (format!("k{i}"), json!(i))).collect();
            let mut outputs = StepOutputs::new();
            outputs.insert("s", json!({"data": record}));
            for key in [0, size - 1] {
                let path = json!(format!("{{{{s.data.k{key}}}}}"));
                assert_eq!(render("f", &path, &outputs).unwrap(), json!(key), "size {size}");
            }
            let err = render("f", &json!("{{s.data.missing}}"), &outputs)
                .unwrap_err()
                .to_string();
            assert!(err.contains("`s.data` has no field `missing`; it has: k0"), "{err}");
        }
    }

    #[test]
    fn path_segments_are_split_at_dots_with_brackets_read_as_indexes() {
        let segments: Vec<&str> = split_path("a.[0].b..[x]").collect();
        assert_eq!(segments, ["a", "0", "b", "", "x"]);
        assert!(is_plain_path("getOrders.data.[0].id"));
        assert!(is_plain_path("_a.b-c.[10]"));
        assert!(is_plain_path("step"));
        assert!(!is_plain_path("[step].data.[first name]"), "no spaces");
        assert!(is_plain_path("[step].data.[x]"));
        for bad in [
            "", ".a", "a.", "a..b", "0a.b", "a b", "a.{b}", "a.(b)", "a.#b", "a.b/c", "a.[]",
        ] {
            assert!(!is_plain_path(bad), "{bad:?}");
        }
    }

    #[test]
    fn broken_syntax_is_an_error_not_a_panic() {
        assert!(err("{{#each getOrders.data}}").starts_with("orderId: cannot render"));
        assert!(
            err("{{getOrder.data.id").is_empty() || err("{{getOrder.data.id").starts_with("orderId: cannot render")
        );
        assert!(err("{{}}").starts_with("orderId: cannot render"));
    }

    #[test]
    fn templates_are_bounded_in_size() {
        let long = format!("{{{{getOrder.data.id}}}}{}", "x".repeat(MAX_TEMPLATE_LEN));
        assert!(err(&long).contains("longer than 65536 bytes"));
        let mut big = outputs();
        big.insert("blob", json!({"data": "y".repeat(MAX_RENDERED_LEN)}));
        let rendered = render("f", &json!("{{blob.data}}{{blob.data}}"), &big)
            .unwrap_err()
            .to_string();
        assert!(rendered.contains("renders to more than"), "{rendered}");
    }
}
