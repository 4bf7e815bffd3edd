//! JSON Schemas (draft 2020-12) of the forms the frontend renders.
//!
//! Shapes follow what a stock form library renders well (checked in a real browser by
//! `tests/forms/`): titled enums as a `type` with `oneOf` of `{"enum": [v], "title"}`;
//! "a number, or a template" as one field typed `["integer", "string"]` with the number
//! first, a template `pattern` and the numeric bounds; optional fields left out of
//! `required` instead of nullable; no misleading defaults. What JSON Schema cannot say
//! travels in `x-` keywords, which stock renderers ignore.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::model::{Action, ActionKind, Literal, Param, ParamType, Section};
use crate::options::{Fetch, FieldOptions};
use crate::registry::ACTIONS;

/// The JSON Schema dialect of every schema here.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// What a field that holds one whole template looks like: `{{getOrder.data.id}}`.
pub const TEMPLATE_PATTERN: &str = r"^\s*\{\{.+\}\}\s*$";

/// The node-level settings every BigCommerce step has, before its action's parameters.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(
    title = "BigCommerce node",
    description = "A workflow step that runs one BigCommerce action."
)]
pub struct NodeConfig {
    /// A variable name used to reference this node's output in later steps (e.g. getOrders).
    /// Must start with a letter or underscore, no spaces.
    #[schemars(title = "Step name", schema_with = "step_name_schema")]
    pub step_name: String,
    /// The BigCommerce credential (API access token) saved under Workspace → Credentials.
    #[schemars(title = "Credential", length(min = 1))]
    pub credential: String,
    /// The store hash from your API path, e.g. abc123xyz in /stores/abc123xyz/v3.
    #[schemars(title = "Store hash", regex(pattern = "^[a-z0-9]+$"), length(min = 1, max = 64))]
    pub store_hash: String,
    /// What this node does.
    #[schemars(title = "Action", schema_with = "action_choices")]
    pub action: String,
}

fn step_name_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string",
        "minLength": 1,
        "maxLength": crate::StepName::MAX_LEN,
        "pattern": crate::StepName::PATTERN,
    })
}

fn action_choices(_: &mut SchemaGenerator) -> Schema {
    let options = titled_options(ACTIONS.iter().map(|a| (Value::from(a.id), a.title)));
    json_schema!({"type": "string", "oneOf": options})
}

/// A titled select: one `{"enum": [value], "title": …}` per option, beside a `type`. A
/// stock form library (react-jsonschema-form 6) renders it as a select showing the titles
/// and, unlike `const` options, does not preselect the first one: an untouched optional
/// select submits nothing.
fn titled_options(options: impl Iterator<Item = (Value, &'static str)>) -> Value {
    Value::Array(
        options
            .map(|(value, title)| json!({"enum": [value], "title": title}))
            .collect(),
    )
}

/// The JSON Schema of the node-level form.
pub fn node_schema() -> Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let schema = generator.into_root_schema_for::<NodeConfig>();
    schema.to_value()
}

/// The JSON Schema of one action's parameter form.
pub fn form_schema(action: &Action) -> Value {
    let mut properties = Map::new();
    for param in action.params {
        properties.insert(param.key.to_owned(), param_schema(param));
    }
    let required: Vec<&str> = action.params.iter().filter(|p| p.required).map(|p| p.key).collect();
    json!({
        "$schema": DIALECT,
        "title": action.title,
        "description": action.description,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
        "x-action": action.id,
        "x-resource": action.resource,
        "x-form": if action.kind == ActionKind::List { "filters" } else { "parameters" },
        "x-scope": {"name": action.scope.name, "label": action.scope.label},
    })
}

/// The JSON Schema of a trigger's settings in a workflow: how it learns of changes
/// (`mode`), how often it polls (`every`) and its own parameters.
pub fn trigger_schema(trigger: &crate::triggers::Trigger) -> Value {
    let mut properties = Map::new();
    properties.insert(
        "mode".into(),
        json!({
            "title": "Mode",
            "description": "poll: ask the store for changes every interval (works anywhere). webhook: BigCommerce calls the service (it must be reachable over HTTPS at SYNCAUT_PUBLIC_URL); it also polls now and then as a safety net.",
            "type": "string",
            "oneOf": titled_options([(json!("poll"), "Poll"), (json!("webhook"), "Webhook")].into_iter()),
            "default": "poll",
        }),
    );
    properties.insert(
        "every".into(),
        json!({
            "title": "Every",
            "description": "How often to poll, such as 30s, 5m or 1h (at least 1s).",
            "type": "string",
            "pattern": "^[1-9][0-9]*(s|m|h)$",
            "default": "60s",
        }),
    );
    for param in trigger.params {
        properties.insert(param.key.to_owned(), param_schema(param));
    }
    json!({
        "$schema": DIALECT,
        "title": trigger.title,
        "description": trigger.description,
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
        "x-trigger": trigger.id,
        "x-scope": {"name": trigger.scope.name, "label": trigger.scope.label},
    })
}

fn param_schema(param: &Param) -> Value {
    let mut schema = Map::new();
    schema.insert("title".into(), param.title.into());
    schema.insert("description".into(), param.help.into());
    if param.choices.is_empty() {
        insert_type(&mut schema, param);
    } else {
        let json_type = match param.choices[0].value {
            Literal::Int(_) => "integer",
            Literal::Str(_) => "string",
            Literal::Bool(_) => "boolean",
        };
        schema.insert("type".into(), json_type.into());
        schema.insert(
            "oneOf".into(),
            titled_options(param.choices.iter().map(|c| (c.value.to_json(), c.label))),
        );
    }
    if let Some(default) = param.default {
        schema.insert("default".into(), default.to_json());
    }
    schema.insert("x-templatable".into(), true.into());
    schema.insert(
        "x-section".into(),
        match param.section {
            Section::Filters => "filters",
            Section::Form => "form",
        }
        .into(),
    );
    if let Some(placeholder) = param.placeholder {
        schema.insert("x-placeholder".into(), placeholder.into());
    }
    if let Some(options) = &param.options {
        schema.insert("x-options".into(), options_keyword(options, param));
    }
    Value::Object(schema)
}

/// `x-options`: the field's values come from a source in the store, read through the
/// node's credential and store hash (`POST /v1/options/{source}`). The field keeps its
/// plain type (no `enum`): a typed ID or a template stays valid.
fn options_keyword(options: &FieldOptions, param: &Param) -> Value {
    let mut keyword = json!({
        "source": options.source.id,
        "dependsOn": ["credential", "storeHash"],
        "search": !options.source.search.is_empty() || matches!(options.source.fetch, Fetch::Whole { .. }),
        "multiple": param.ty == ParamType::IntegerList,
    });
    if !options.leading.is_empty() {
        keyword["leading"] = options
            .leading
            .iter()
            .map(|c| json!({"value": c.value.to_json(), "label": c.label}))
            .collect();
    }
    keyword
}

fn insert_type(schema: &mut Map<String, Value>, param: &Param) {
    let json_type = match param.ty {
        ParamType::Integer => "integer",
        ParamType::Number => "number",
        ParamType::String | ParamType::Email => "string",
        ParamType::Boolean => "boolean",
        ParamType::IntegerList => {
            schema.insert("type".into(), "array".into());
            schema.insert("items".into(), json!({"type": "integer", "minimum": 1}));
            return;
        }
        ParamType::StringList => {
            // Text such as `MUG-1, MUG-2` (or a template) in one box; a JSON array too.
            schema.insert("type".into(), json!(["string", "array"]));
            schema.insert("items".into(), json!({"type": "string"}));
            schema.insert("x-list".into(), "comma-separated".into());
            return;
        }
        ParamType::ObjectList | ParamType::Json => {
            // JSON typed into one text box (or a whole-value template); the value itself,
            // when a client sends it as JSON.
            let value_type = if param.ty == ParamType::ObjectList {
                "array"
            } else {
                "object"
            };
            schema.insert("type".into(), json!(["string", value_type]));
            schema.insert("contentMediaType".into(), "application/json".into());
            if param.ty == ParamType::ObjectList {
                schema.insert("items".into(), json!({"type": "object"}));
                schema.insert("x-list".into(), "records".into());
            }
            return;
        }
    };
    let numeric = matches!(param.ty, ParamType::Integer | ParamType::Number);
    if numeric {
        // The number first: a form library then sends `42` as a number and
        // `{{getOrder.data.id}}` as a string, which only the pattern accepts.
        schema.insert("type".into(), json!([json_type, "string"]));
        schema.insert("pattern".into(), TEMPLATE_PATTERN.into());
    } else {
        schema.insert("type".into(), json_type.into());
    }
    if let Some(minimum) = param.minimum {
        schema.insert("minimum".into(), minimum.into());
    }
    if let Some(maximum) = param.maximum {
        schema.insert("maximum".into(), maximum.into());
    }
    if let Some(max_length) = param.max_length {
        schema.insert("maxLength".into(), max_length.into());
    }
    if param.ty == ParamType::Email {
        // Not `format: email`: a validator that asserts formats would refuse a template.
        schema.insert("x-format".into(), "email".into());
    }
}
