//! The action registry of the BigCommerce node: every action as data.
//!
//! - [`registry::ACTIONS`]: the 18 documented actions and those beyond the docs (id, method, path, parameters with their wire
//!   locations, scope, pagination, body and response shapes). Pure data; the executor
//!   interprets it and has no per-action code.
//! - [`schema`]: the JSON Schema (draft 2020-12) of each action's form and of the node-level
//!   settings, for the frontend.
//! - [`output`]: the schema of each action's output `data`, from BigCommerce's spec, and
//!   the entries of the "+ variable" picker.
//! - [`conformance`]: checks each action against BigCommerce's own spec.
//! - [`jsonschema`]: BigCommerce's OpenAPI 3.0 schemas as JSON Schema 2020-12.
//! - [`options`]: where values of fields that live in the store come from (option
//!   sources), as data.
//! - [`triggers`]: what starts a workflow when orders, products or customers change
//!   (webhook scope, polling, the full record), as data.
//! - [`StepName`]: the step-name rule, written once.

pub mod conformance;
pub mod jsonschema;
pub mod model;
pub mod options;
pub mod output;
pub mod registry;
pub mod schema;
pub mod step_name;
pub mod triggers;

pub use model::{
    Action, ActionKind, Batch, BodyLookup, BodyShape, Choice, Control, Exists, ExtraField, Items, Literal, Method,
    Pagination, Paging, Param, ParamType, Pick, QueryPair, QueryRule, Record, Resource, ResponseShape, Route, Scope,
    Section, Total, ValueLooks, When, Wire,
};
pub use registry::{ACTIONS, find, nearest_ids};
pub use step_name::{StepName, StepNameError};

use serde_json::{Value, json};

/// Everything about an action as JSON (`syncaut actions show --json`).
pub fn describe(action: &Action) -> Value {
    serde_json::to_value(action).unwrap_or(Value::Null)
}

/// The files of `syncaut actions export`, by file name, in a stable order: `index.json`,
/// `node.json`, and per action `<id>.json` (form) and `<id>.output.json` (output).
pub fn export_files() -> Vec<(String, Value)> {
    let entries: Vec<Value> = ACTIONS
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "title": a.title,
                "resource": a.resource,
                "kind": a.kind,
                "form": format!("{}.json", a.id),
                "output": format!("{}.output.json", a.id),
                "scope": a.scope,
            })
        })
        .collect();
    let mut files = vec![
        (
            "index.json".to_owned(),
            json!({"node": "node.json", "actions": entries}),
        ),
        ("node.json".to_owned(), schema::node_schema()),
    ];
    for action in ACTIONS {
        files.push((format!("{}.json", action.id), schema::form_schema(action)));
        files.push((format!("{}.output.json", action.id), output::envelope_schema(action)));
    }
    files
}
