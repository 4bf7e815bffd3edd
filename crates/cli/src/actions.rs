//! `syncaut actions …`: the registry, as people and the frontend read it.

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::{Value, json};
use syncaut_actions::StepName;
use syncaut_actions::schema::form_schema;
use syncaut_actions::{ACTIONS, Action, Param, Wire, describe, export_files, find, nearest_ids, output};

use crate::error::CliError;
use crate::output::{print_json, print_lines};

#[derive(Debug, Subcommand)]
pub(crate) enum ActionsCommand {
    /// List every action.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one action: request, scope and parameters.
    Show {
        /// The action id, such as get_order.
        action: String,
        /// Print JSON (method, path, API version, params with wire locations, scope).
        #[arg(long)]
        json: bool,
    },
    /// Print the JSON Schema of an action's form.
    Schema {
        /// The action id.
        action: String,
    },
    /// Write every form and output schema, plus index.json, to a folder.
    Export {
        /// The folder to write to (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// List the variables a later step can insert from this action's output.
    Variables {
        /// The action id.
        action: String,
        /// The step name the action runs under.
        #[arg(long)]
        step: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

impl ActionsCommand {
    /// Whether errors should be printed as JSON.
    pub(crate) fn wants_json(&self) -> bool {
        matches!(
            self,
            Self::List { json: true } | Self::Show { json: true, .. } | Self::Variables { json: true, .. }
        )
    }
}

/// Runs an `actions` subcommand.
pub(crate) fn run(command: ActionsCommand) -> Result<(), CliError> {
    match command {
        ActionsCommand::List { json } => list(json),
        ActionsCommand::Show { action, json } => show(lookup(&action)?, json),
        ActionsCommand::Schema { action } => print_json(&form_schema(lookup(&action)?)),
        ActionsCommand::Export { out } => export(&out),
        ActionsCommand::Variables { action, step, json } => variables(lookup(&action)?, &step, json),
    }
}

/// The action with this id, or an error that suggests the nearest ids.
pub(crate) fn lookup(id: &str) -> Result<&'static Action, CliError> {
    find(id).ok_or_else(|| {
        CliError::new(
            "unknown_action",
            format!(
                "unknown action `{id}`; did you mean {}? `syncaut actions list` shows all {}",
                nearest_ids(id, 3).join(", "),
                ACTIONS.len()
            ),
        )
    })
}

fn list(json: bool) -> Result<(), CliError> {
    if json {
        let entries: Vec<Value> = ACTIONS
            .iter()
            .map(|a| json!({"id": a.id, "title": a.title, "resource": a.resource, "kind": a.kind, "scope": a.scope}))
            .collect();
        return print_json(&Value::from(entries));
    }
    let lines: Vec<String> = ACTIONS
        .iter()
        .map(|a| {
            format!(
                "{:<18} {:<11} {:<20} {}",
                a.id,
                format!("{:?}", a.resource),
                a.title,
                a.scope.label
            )
        })
        .collect();
    print_lines(&lines)
}

fn wire(param: &Param) -> String {
    match param.wire {
        Wire::Path(name) => format!("path {{{name}}}"),
        Wire::Query(name) => format!("query {name}"),
        Wire::Body(pointer) => format!("body {pointer}"),
        Wire::ChoiceQuery => "query, per choice".to_owned(),
        Wire::QueryByValue(rules) => {
            let names: Vec<String> = rules
                .iter()
                .map(|r| match r.when {
                    syncaut_actions::ValueLooks::EmailAddress => format!("{} for an email address", r.name),
                    syncaut_actions::ValueLooks::Anything => format!("{} otherwise", r.name),
                })
                .collect();
            format!("query {}", names.join(", "))
        }
        Wire::Control(_) => "executor option (not sent)".to_owned(),
    }
}

fn show(action: &Action, json: bool) -> Result<(), CliError> {
    if json {
        return print_json(&describe(action));
    }
    let mut lines = vec![
        format!("{} — {}", action.id, action.title),
        action.description.to_owned(),
        format!(
            "request: {} {} {}",
            action.method.as_str(),
            action.api_version,
            action.path
        ),
        format!("scope:   {} ({})", action.scope.label, action.scope.name),
    ];
    for pair in action.fixed_query {
        lines.push(format!("always:  {}={}", pair.name, pair.value));
    }
    lines.push("params:".to_owned());
    for param in action.params {
        let mut facts = vec![format!("{:?}", param.ty).to_lowercase(), wire(param)];
        if param.required {
            facts.push("required".into());
        }
        if let Some(default) = param.default {
            facts.push(format!("default {}", default.to_json()));
        }
        match (param.minimum, param.maximum) {
            (Some(min), Some(max)) => facts.push(format!("{min}–{max}")),
            (Some(min), None) => facts.push(format!("≥ {min}")),
            _ => {}
        }
        if !param.choices.is_empty() {
            let choices: Vec<String> = param
                .choices
                .iter()
                .map(|c| format!("{}={}", c.value.to_json(), c.label))
                .collect();
            facts.push(format!("one of {}", choices.join(", ")));
        }
        lines.push(format!("  {:<24} {}", param.key, facts.join("; ")));
    }
    if action.params.is_empty() {
        lines.push("  (none)".into());
    }
    print_lines(&lines)
}

fn export(out: &std::path::Path) -> Result<(), CliError> {
    std::fs::create_dir_all(out).map_err(|e| CliError::io(&format!("create {}", out.display()), &e))?;
    let files = export_files();
    for (name, value) in &files {
        let mut text = serde_json::to_string_pretty(value).map_err(|e| CliError::new("internal", e.to_string()))?;
        text.push('\n');
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|e| CliError::io(&format!("write {}", path.display()), &e))?;
    }
    print_lines(&[format!("wrote {} schema files to {}", files.len(), out.display())])
}

fn variables(action: &Action, step: &str, json: bool) -> Result<(), CliError> {
    StepName::new(step).map_err(|e| CliError::new("invalid_step_name", e.to_string()))?;
    let entries = output::variables(action, step);
    if json {
        return print_json(&serde_json::to_value(&entries).map_err(|e| CliError::new("internal", e.to_string()))?);
    }
    let lines: Vec<String> = entries
        .iter()
        .map(|v| format!("{:<40} {:<8} {}", v.expression, v.type_name, v.description))
        .collect();
    print_lines(&lines)
}
