//! Parameters, checked in two stages.
//!
//! [`Params::check`] runs when a step is built, before anything is sent: unknown keys,
//! required fields, defaults, and every literal value coerced to its declared type and
//! checked against the registry; templates are parsed. [`Params::render`] runs when the
//! step runs: templates are rendered against the outputs of earlier steps and their values
//! checked the same way. Its result, [`ValidatedParams`], is the only thing a request can
//! be built from, so an unrendered `{{…}}` can never be sent.

use serde_json::{Map, Number, Value};
use syncaut_actions::{Action, Choice, Param, ParamType};

use crate::ExecError;
use crate::template::{StepOutputs, Template, TemplateError, field};

/// A parameter's value as a checked step holds it.
#[derive(Debug, Clone)]
pub enum ParamValue {
    /// A literal, already coerced and checked.
    Literal(Value),
    /// A template, parsed; its value is checked once rendered.
    Template(Template),
}

/// The parameters of a step, checked as far as they can be without running earlier
/// steps.
#[derive(Debug, Clone)]
pub struct Params {
    action: &'static Action,
    values: Vec<(&'static Param, ParamValue)>,
}

/// Parameters that passed validation: each value has its parameter's type and bounds,
/// defaults are filled in, and required ones are present. Only [`Params::render`] makes
/// one.
#[derive(Debug, Clone)]
pub struct ValidatedParams {
    action: &'static Action,
    values: Vec<(&'static Param, Value)>,
}

impl ValidatedParams {
    /// The action these parameters are for.
    pub fn action(&self) -> &'static Action {
        self.action
    }

    /// The value of the parameter with this key, if it has one.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.values.iter().find(|(p, _)| p.key == key).map(|(_, v)| v)
    }

    /// Every parameter that has a value, in the registry's order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static Param, &Value)> {
        self.values.iter().map(|(p, v)| (*p, v))
    }
}

#[cold]
fn template_error(param: &Param, err: TemplateError) -> ExecError {
    ExecError::Template {
        field: param.key.to_owned(),
        expression: err.expression,
        reason: err.reason,
    }
}

impl Params {
    /// Checks raw values (from a form, a workflow file or `--param`) against the action.
    pub fn check(action: &'static Action, raw: &Map<String, Value>) -> Result<Self, ExecError> {
        if let Some(key) = raw.keys().find(|key| action.param(key).is_none()) {
            return Err(unknown_param(action, key));
        }
        let mut values = Vec::with_capacity(action.params.len());
        for param in action.params {
            let given = field(raw, param.key).filter(|v| !is_empty(v));
            let value = match given {
                Some(Value::String(text)) if text.contains("{{") => match Template::parse(text) {
                    Ok(Some(template)) => ParamValue::Template(template),
                    Ok(None) => ParamValue::Literal(coerce(param, Value::String(text.clone()))?),
                    Err(err) => return Err(template_error(param, err)),
                },
                Some(value) => ParamValue::Literal(coerce(param, value.clone())?),
                None => match param.default {
                    Some(default) => ParamValue::Literal(default.to_json()),
                    None if param.required => return Err(required(action, param)),
                    None => continue,
                },
            };
            values.push((param, value));
        }
        if !action.one_of.is_empty()
            && !action
                .one_of
                .iter()
                .any(|key| values.iter().any(|(p, _)| p.key == *key))
        {
            return Err(one_of_missing(action));
        }
        Ok(Self { action, values })
    }

    /// The action these parameters are for.
    pub fn action(&self) -> &'static Action {
        self.action
    }

    /// Every parameter that has a value or a template, in the registry's order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static Param, &ParamValue)> {
        self.values.iter().map(|(p, v)| (*p, v))
    }

    /// The templates, by parameter.
    pub fn templates(&self) -> impl Iterator<Item = (&'static Param, &Template)> {
        self.values.iter().filter_map(|(p, v)| match v {
            ParamValue::Template(t) => Some((*p, t)),
            ParamValue::Literal(_) => None,
        })
    }

    /// Renders the templates against the outputs of earlier steps and checks what they
    /// give like any typed value.
    pub fn render(&self, outputs: &StepOutputs) -> Result<ValidatedParams, ExecError> {
        let mut values = Vec::with_capacity(self.values.len());
        for (param, value) in &self.values {
            let value = match value {
                ParamValue::Literal(value) => value.clone(),
                ParamValue::Template(template) => {
                    let rendered = template.render(outputs).map_err(|e| template_error(param, e))?;
                    if is_empty(&rendered) {
                        if param.required {
                            return Err(ExecError::InvalidParam {
                                key: param.key.to_owned(),
                                message: format!(
                                    "is required, but `{}` gave nothing; check that the earlier step returned it",
                                    template.source()
                                ),
                            });
                        }
                        continue;
                    }
                    coerce(param, rendered).map_err(|err| match err {
                        ExecError::InvalidParam { key, message } => ExecError::InvalidParam {
                            key,
                            message: format!("{message} (from `{}`)", template.source()),
                        },
                        other => other,
                    })?
                }
            };
            values.push((*param, value));
        }
        Ok(ValidatedParams {
            action: self.action,
            values,
        })
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

// Errors are built out of line (`#[cold]`): the checks above run for every parameter of
// every step, and keeping their failure paths apart keeps that code small.

#[cold]
fn unknown_param(action: &Action, key: &str) -> ExecError {
    let known: Vec<&str> = action.params.iter().map(|p| p.key).collect();
    ExecError::UnknownParam {
        key: key.chars().take(100).collect(),
        action: action.id,
        known: if known.is_empty() {
            "(none)".into()
        } else {
            known.join(", ")
        },
    }
}

#[cold]
fn required(action: &Action, param: &'static Param) -> ExecError {
    let hint = if param.key.ends_with("Id") {
        "the ID field is empty. Provide the ID directly or reference it from a previous step using {{stepName.data.id}}."
            .to_owned()
    } else {
        let required: Vec<&str> = action.params.iter().filter(|p| p.required).map(|p| p.key).collect();
        format!(
            "fill in {} (“{}” requires {}), or reference an earlier step's output using {{{{stepName.data.field}}}}.",
            param.title,
            action.title,
            required.join(", ")
        )
    };
    ExecError::Required { key: param.key, hint }
}

#[cold]
fn one_of_missing(action: &Action) -> ExecError {
    let titles: Vec<&str> = action
        .one_of
        .iter()
        .filter_map(|key| action.param(key))
        .map(|p| p.title)
        .collect();
    ExecError::Required {
        key: action.one_of[0],
        hint: format!(
            "“{}” needs {} ({}); fill in at least one, or reference an earlier step's output using {{{{stepName.data.field}}}}.",
            action.title,
            titles.join(" or "),
            action.one_of.join(" or ")
        ),
    }
}

#[cold]
fn invalid(param: &Param, message: String) -> ExecError {
    ExecError::InvalidParam {
        key: param.key.to_owned(),
        message,
    }
}

#[cold]
fn shown(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 60 {
        text
    } else {
        format!("{}…", text.chars().take(60).collect::<String>())
    }
}

fn coerce(param: &'static Param, value: Value) -> Result<Value, ExecError> {
    if !param.choices.is_empty() {
        return choose(param, &value);
    }
    let coerced = match param.ty {
        ParamType::IntegerList => return to_integer_list(param, &value),
        ParamType::StringList => return to_string_list(param, &value),
        ParamType::ObjectList => return to_object_list(param, value),
        ParamType::Json => return to_json_object(param, value),
        ParamType::Integer => Value::from(to_integer(param, &value)?),
        ParamType::Number => Value::Number(to_number(param, &value)?),
        ParamType::String => Value::String(to_text(param, &value)?),
        ParamType::Boolean => Value::Bool(to_bool(param, &value)?),
        ParamType::Email => {
            let text = to_text(param, &value)?;
            if !looks_like_email(&text) {
                return Err(invalid(
                    param,
                    format!(
                        "must be an email address such as jane@example.com; got {}",
                        shown(&value)
                    ),
                ));
            }
            Value::String(text)
        }
    };
    check_bounds(param, &coerced)?;
    Ok(coerced)
}

/// The most items a list parameter holds.
const MAX_LIST: usize = 1000;

/// A list of whole numbers from a JSON array, one number, or text such as `12, 18`
/// (which is what `{{a.data.id}}, 18` renders to). Each item is checked like an integer
/// parameter.
fn to_integer_list(param: &'static Param, value: &Value) -> Result<Value, ExecError> {
    let items: Vec<Value> = match value {
        Value::Array(items) => items.clone(),
        Value::String(text) => {
            let text = text.trim().trim_start_matches('[').trim_end_matches(']');
            text.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| Value::String(t.to_owned()))
                .collect()
        }
        Value::Number(_) => vec![value.clone()],
        _ => return Err(not_a_list(param, value)),
    };
    if items.len() > MAX_LIST {
        return Err(invalid(
            param,
            format!("holds {} items; at most {MAX_LIST} are allowed", items.len()),
        ));
    }
    let mut numbers = Vec::with_capacity(items.len());
    for item in &items {
        if item.as_str().is_some_and(|t| t.contains("{{")) {
            return Err(invalid(
                param,
                "a template inside a list is not filled in; write the whole list as one template or as text such as `{{category.data.category_id}}, 23`".into(),
            ));
        }
        let number = to_integer(param, item).map_err(|_| not_a_list(param, value))?;
        check_bounds(param, &Value::from(number))?;
        numbers.push(Value::from(number));
    }
    Ok(Value::Array(numbers))
}

/// The most records a list of records holds (a batch action splits them into requests).
const MAX_RECORDS: usize = 10_000;

/// A list of texts from a JSON array or text such as `MUG-1, MUG-2`.
fn to_string_list(param: &'static Param, value: &Value) -> Result<Value, ExecError> {
    let items: Vec<Value> = match value {
        Value::Array(items) => items.clone(),
        Value::String(text) => text
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| Value::String(t.to_owned()))
            .collect(),
        Value::Number(_) => vec![value.clone()],
        _ => {
            return Err(invalid(
                param,
                format!("must be a list such as A-1, A-2; got {}", shown(value)),
            ));
        }
    };
    if items.len() > MAX_LIST {
        return Err(invalid(
            param,
            format!("holds {} items; at most {MAX_LIST} are allowed", items.len()),
        ));
    }
    let mut texts = Vec::with_capacity(items.len());
    for item in &items {
        let text = to_text(param, item)?;
        if text.contains(',') {
            return Err(invalid(
                param,
                format!("an item may not hold a comma; got {}", shown(item)),
            ));
        }
        texts.push(Value::String(text));
    }
    Ok(Value::Array(texts))
}

/// JSON typed into a text field (a list of records, a query), parsed; other values as
/// they are.
fn parsed(param: &Param, value: Value, example: &str) -> Result<Value, ExecError> {
    match value {
        Value::String(text) => serde_json::from_str(text.trim()).map_err(|err| {
            invalid(
                param,
                format!("must be JSON such as {example}; the text is not ({err})"),
            )
        }),
        other => Ok(other),
    }
}

/// A list of records: a JSON array of objects, or text holding one.
fn to_object_list(param: &'static Param, value: Value) -> Result<Value, ExecError> {
    let example = param.placeholder.unwrap_or(r#"[{"id": 1}]"#);
    let value = match parsed(param, value, example)? {
        Value::Object(one) => Value::Array(vec![Value::Object(one)]),
        other => other,
    };
    let Value::Array(items) = &value else {
        return Err(invalid(
            param,
            format!("must be a list of records such as {example}; got {}", shown(&value)),
        ));
    };
    if items.len() > MAX_RECORDS {
        return Err(invalid(
            param,
            format!(
                "holds {} records; at most {MAX_RECORDS} are allowed in one step",
                items.len()
            ),
        ));
    }
    if let Some((index, item)) = items.iter().enumerate().find(|(_, item)| !item.is_object()) {
        return Err(invalid(
            param,
            format!(
                "item {} must be a record such as {example}; got {}",
                index + 1,
                shown(item)
            ),
        ));
    }
    Ok(value)
}

/// A JSON object: an object, or text holding one.
fn to_json_object(param: &'static Param, value: Value) -> Result<Value, ExecError> {
    let example = param.placeholder.unwrap_or(r#"{"name": "value"}"#);
    let value = parsed(param, value, example)?;
    if !value.is_object() {
        return Err(invalid(
            param,
            format!("must be a JSON object such as {example}; got {}", shown(&value)),
        ));
    }
    Ok(value)
}

#[cold]
fn not_a_list(param: &Param, value: &Value) -> ExecError {
    invalid(
        param,
        format!(
            "must be a list of whole numbers, such as [12, 18] or 12, 18; got {}",
            shown(value)
        ),
    )
}

fn looks_like_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.contains(char::is_whitespace)
}

fn to_integer(param: &Param, value: &Value) -> Result<i64, ExecError> {
    let whole = match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    whole.ok_or_else(|| not_whole(param, value))
}

#[cold]
fn not_whole(param: &Param, value: &Value) -> ExecError {
    let what = if param.minimum == Some(1) {
        "a positive whole number (an ID)"
    } else {
        "a whole number"
    };
    invalid(param, format!("must be {what}; got {}", shown(value)))
}

fn to_bool(param: &Param, value: &Value) -> Result<bool, ExecError> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) if n.as_i64() == Some(1) => Ok(true),
        Value::Number(n) if n.as_i64() == Some(0) => Ok(false),
        Value::String(s) if matches!(s.trim().to_ascii_lowercase().as_str(), "true" | "yes" | "1") => Ok(true),
        Value::String(s) if matches!(s.trim().to_ascii_lowercase().as_str(), "false" | "no" | "0") => Ok(false),
        _ => Err(invalid(param, format!("must be true or false; got {}", shown(value)))),
    }
}

fn to_number(param: &Param, value: &Value) -> Result<Number, ExecError> {
    let number = match value {
        Value::Number(n) => Some(n.clone()),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .and_then(Number::from_f64),
        _ => None,
    };
    number.ok_or_else(|| invalid(param, format!("must be a number such as 19.99; got {}", shown(value))))
}

fn to_text(param: &Param, value: &Value) -> Result<String, ExecError> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return Err(invalid(param, format!("must be text, not {}", shown(value)))),
    };
    if let Some(max) = param.max_length
        && text.chars().count() > max as usize
    {
        return Err(invalid(
            param,
            format!("must be at most {max} characters; got {}", text.chars().count()),
        ));
    }
    Ok(text)
}

fn check_bounds(param: &Param, value: &Value) -> Result<(), ExecError> {
    let Some(number) = value.as_f64() else { return Ok(()) };
    let out_of_range =
        param.minimum.is_some_and(|min| number < min as f64) || param.maximum.is_some_and(|max| number > max as f64);
    if out_of_range {
        return Err(out_of_range_error(param, value));
    }
    Ok(())
}

#[cold]
fn out_of_range_error(param: &Param, value: &Value) -> ExecError {
    let message = match (param.minimum, param.maximum) {
        (Some(1), None) => format!("must be a positive whole number (an ID); got {}", shown(value)),
        (Some(min), Some(max)) => format!("must be between {min} and {max}; got {}", shown(value)),
        (Some(min), None) => format!("must be at least {min}; got {}", shown(value)),
        (None, Some(max)) => format!("must be at most {max}; got {}", shown(value)),
        (None, None) => format!("is out of range; got {}", shown(value)),
    };
    invalid(param, message)
}

/// A choice matches by value (`2`, `"2"`) or by label (`"Shipped"`, any case).
fn choose(param: &'static Param, value: &Value) -> Result<Value, ExecError> {
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let matches = |choice: &&Choice| {
        let choice_value = choice.value.to_json();
        choice_value == *value
            || choice_value
                .as_str()
                .map_or_else(|| choice_value.to_string(), str::to_owned)
                == text
            || choice.label.eq_ignore_ascii_case(&text)
    };
    if let Some(choice) = param.choices.iter().find(matches) {
        return Ok(choice.value.to_json());
    }
    let allowed: Vec<String> = param
        .choices
        .iter()
        .map(|c| format!("{} ({})", c.value.to_json(), c.label))
        .collect();
    Err(invalid(
        param,
        format!("must be one of {}; got {}", allowed.join(", "), shown(value)),
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use syncaut_actions::find;

    use super::*;

    fn run(action: &str, raw: Value) -> Result<ValidatedParams, ExecError> {
        run_with(action, raw, &StepOutputs::new())
    }

    fn run_with(action: &str, raw: Value, outputs: &StepOutputs) -> Result<ValidatedParams, ExecError> {
        Params::check(find(action).unwrap(), raw.as_object().unwrap())?.render(outputs)
    }

    fn error(action: &str, raw: Value) -> String {
        run(action, raw).unwrap_err().to_string()
    }

    #[test]
    fn ids_are_required_with_the_docs_wording() {
        for (action, key) in [
            ("get_order", "orderId"),
            ("get_product", "productId"),
            ("get_customer", "customerId"),
        ] {
            assert_eq!(
                error(action, json!({})),
                format!(
                    "{key} is required: the ID field is empty. Provide the ID directly or reference it from a previous step using {{{{stepName.data.id}}}}."
                )
            );
            assert!(error(action, json!({key: ""})).starts_with(&format!("{key} is required")));
        }
        assert_eq!(
            error("create_customer", json!({"first_name": "Jane", "last_name": "Smith"})),
            "email is required: fill in Email (“Create customer” requires first_name, last_name, email), or reference an earlier step's output using {{stepName.data.field}}."
        );
    }

    #[test]
    fn unambiguous_values_are_coerced() {
        let params = run("get_order", json!({"orderId": "42"})).unwrap();
        assert_eq!(params.get("orderId"), Some(&json!(42)));
        let params = run("get_order", json!({"orderId": 42.0})).unwrap();
        assert_eq!(params.get("orderId"), Some(&json!(42)));
        let params = run("create_product", json!({"name": 123, "price": "19.99"})).unwrap();
        assert_eq!(params.get("name"), Some(&json!("123")));
        assert_eq!(params.get("price"), Some(&json!(19.99)));
        let params = run("update_order", json!({"orderId": 1, "status_id": "Shipped"})).unwrap();
        assert_eq!(params.get("status_id"), Some(&json!(2)));
        let params = run("update_order", json!({"orderId": 1, "status_id": "11"})).unwrap();
        assert_eq!(params.get("status_id"), Some(&json!(11)));
    }

    #[test]
    fn defaults_fill_in_what_bigcommerce_requires() {
        let params = run("create_product", json!({"name": "Mug", "price": 5})).unwrap();
        assert_eq!(params.get("type"), Some(&json!("physical")));
        assert_eq!(params.get("weight"), Some(&json!(0)));
    }

    #[test]
    fn bad_values_name_the_field_and_the_expected_type() {
        assert_eq!(
            error("get_order", json!({"orderId": "abc"})),
            "orderId: must be a positive whole number (an ID); got \"abc\""
        );
        assert_eq!(
            error("get_order", json!({"orderId": 0})),
            "orderId: must be a positive whole number (an ID); got 0"
        );
        assert_eq!(
            error("get_order", json!({"orderId": -3})),
            "orderId: must be a positive whole number (an ID); got -3"
        );
        assert_eq!(
            error("get_order", json!({"orderId": 1.5})),
            "orderId: must be a positive whole number (an ID); got 1.5"
        );
        assert_eq!(
            error("get_products", json!({"per_page": 300})),
            "per_page: must be between 1 and 250; got 300"
        );
        assert_eq!(
            error("create_product", json!({"name": "x", "price": "cheap"})),
            "price: must be a number such as 19.99; got \"cheap\""
        );
        assert!(
            error("update_order", json!({"orderId": 1, "status_id": 15}))
                .starts_with("status_id: must be one of 0 (Incomplete), 1 (Pending)")
        );
        assert_eq!(
            error(
                "create_customer",
                json!({"first_name": "a", "last_name": "b", "email": "nope"})
            ),
            "email: must be an email address such as jane@example.com; got \"nope\""
        );
        assert_eq!(
            error("get_order", json!({"orderId": [1]})),
            "orderId: must be a positive whole number (an ID); got [1]"
        );
    }

    #[test]
    fn unknown_keys_are_refused_not_dropped() {
        assert_eq!(
            error("get_order", json!({"orderId": 1, "order_id": 2})),
            "unknown parameter `order_id` for get_order; its parameters are: orderId"
        );
        assert_eq!(
            error("get_categories", json!({"x": 1})),
            "unknown parameter `x` for get_categories; its parameters are: page, per_page, return_all, limit"
        );
    }

    /// Every field takes a template; what it renders to is checked like a typed value,
    /// an order status by its number or its documented label.
    #[test]
    fn every_field_takes_a_template_checked_once_rendered() {
        let mut outputs = StepOutputs::new();
        outputs.insert(
            "src",
            json!({"data": {"status_id": 11, "label": "Shipped", "bad": "Shiped", "yes": true, "vis": "hidden"}}),
        );
        let status = |template: &str| run_with("update_order", json!({"orderId": 1, "status_id": template}), &outputs);
        assert_eq!(
            status("{{src.data.status_id}}").unwrap().get("status_id"),
            Some(&json!(11))
        );
        assert_eq!(status("{{src.data.label}}").unwrap().get("status_id"), Some(&json!(2)));
        let err = status("{{src.data.bad}}").unwrap_err().to_string();
        assert!(err.starts_with("status_id: must be one of 0 (Incomplete)"), "{err}");
        assert!(err.ends_with("got \"Shiped\" (from `{{src.data.bad}}`)"), "{err}");
        let all = run_with("get_orders", json!({"return_all": "{{src.data.yes}}"}), &outputs).unwrap();
        assert_eq!(all.get("return_all"), Some(&json!(true)));
        let hidden = run_with("get_products", json!({"visibility": "{{src.data.vis}}"}), &outputs).unwrap();
        assert_eq!(hidden.get("visibility"), Some(&json!("hidden")));
    }

    #[test]
    fn literals_are_checked_before_anything_runs() {
        let action = find("update_order").unwrap();
        let raw = json!({"orderId": "{{later.data.id}}", "status_id": "Shiped"});
        let err = Params::check(action, raw.as_object().unwrap()).unwrap_err().to_string();
        assert!(err.starts_with("status_id: must be one of"), "{err}");
        let raw = json!({"orderId": "{{later.data.id"});
        assert_eq!(
            Params::check(action, raw.as_object().unwrap()).unwrap_err().code(),
            "template_error"
        );
    }

    #[test]
    fn a_template_that_gives_nothing_for_a_required_field_says_so() {
        let mut outputs = StepOutputs::new();
        outputs.insert("src", json!({"data": {"id": null}}));
        assert_eq!(
            run_with("get_order", json!({"orderId": "{{src.data.id}}"}), &outputs)
                .unwrap_err()
                .to_string(),
            "orderId: is required, but `{{src.data.id}}` gave nothing; check that the earlier step returned it"
        );
    }
}
