//! `syncaut triggers list|show|schema`: the triggers that start workflows.

use clap::Subcommand;
use serde_json::{Value, json};
use syncaut_actions::triggers::{Since, TRIGGERS, Trigger, find_trigger};

use crate::error::CliError;
use crate::output::{print_json, print_lines};

#[derive(Debug, Subcommand)]
pub(crate) enum TriggersCommand {
    /// Every trigger: id, title, webhook scope.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// One trigger: what starts it, how it polls, the record it hands the workflow.
    Show {
        /// The trigger id, such as `order_created`.
        trigger: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The JSON Schemas of a trigger's settings form and of its output.
    Schema {
        /// The trigger id.
        trigger: String,
    },
}

impl TriggersCommand {
    pub(crate) fn wants_json(&self) -> bool {
        matches!(self, Self::List { json: true } | Self::Show { json: true, .. })
    }
}

fn lookup(id: &str) -> Result<&'static Trigger, CliError> {
    find_trigger(id).ok_or_else(|| {
        let known: Vec<&str> = TRIGGERS.iter().map(|t| t.id).collect();
        CliError::new(
            "unknown_trigger",
            format!("unknown trigger `{id}`; the triggers are {}", known.join(", ")),
        )
    })
}

pub(crate) fn run(command: TriggersCommand) -> Result<(), CliError> {
    match command {
        TriggersCommand::List { json: true } => {
            let entries: Vec<Value> = TRIGGERS
                .iter()
                .map(|t| json!({"id": t.id, "title": t.title, "webhook": t.webhook, "resource": t.resource}))
                .collect();
            print_json(&Value::from(entries))
        }
        TriggersCommand::List { json: false } => {
            let lines: Vec<String> = TRIGGERS
                .iter()
                .map(|t| format!("{:<26} {:<26} {}", t.id, t.title, t.webhook))
                .collect();
            print_lines(&lines)
        }
        TriggersCommand::Show { trigger, json: true } => {
            print_json(&serde_json::to_value(lookup(&trigger)?).unwrap_or(Value::Null))
        }
        TriggersCommand::Show { trigger, json: false } => {
            let t = lookup(&trigger)?;
            let poll = match t.poll.since {
                Since::TimeFrom { param, field, .. } => format!(
                    "GET {} {} with {param} ≥ the cursor (its `{field}`)",
                    t.poll.api_version, t.poll.path
                ),
                Since::IdAbove { param, .. } => format!(
                    "GET {} {} with {param} above the highest ID seen",
                    t.poll.api_version, t.poll.path
                ),
            };
            let mut lines = vec![
                format!("{} — {}", t.id, t.title),
                t.description.to_owned(),
                format!("webhook: {}", t.webhook),
                format!("polls:   {poll}"),
                format!(
                    "record:  {} ({}), as `{{{{trigger.data…}}}}`",
                    t.record.action, t.record.id_param
                ),
                format!("scope:   {} ({})", t.scope.label, t.scope.name),
            ];
            for param in t.params {
                lines.push(format!("param:   {} — {}", param.key, param.help));
            }
            print_lines(&lines)
        }
        TriggersCommand::Schema { trigger } => {
            let t = lookup(&trigger)?;
            print_json(&json!({
                "form": syncaut_actions::schema::trigger_schema(t),
                "output": syncaut_actions::output::trigger_envelope_schema(t),
            }))
        }
    }
}
