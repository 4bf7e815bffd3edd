//! `syncaut workflow run FILE [--sandbox] [--dry-run]`.

use std::path::PathBuf;

use clap::Subcommand;
use secrecy::SecretString;
use serde::Serialize;
use serde::ser::SerializeMap;
use syncaut_executor::workflow::{Target, Workflow};
use syncaut_executor::{Executor, NoCredentials, Output};
use syncaut_sandbox::{FULL_ACCESS_TOKEN, STORE_HASH, Sandbox};

use crate::error::CliError;
use crate::output::{print_json, print_lines};
use crate::run::exec_error;

#[derive(Debug, Subcommand)]
pub(crate) enum WorkflowCommand {
    /// Run a workflow file's steps in order, printing each step's output.
    Run {
        /// The workflow file (YAML or JSON).
        file: PathBuf,
        /// Run against a built-in local BigCommerce sandbox (no account or network needed).
        #[arg(long)]
        sandbox: bool,
        /// Print the request of every step (token redacted) and send nothing.
        #[arg(long = "dry-run")]
        dry_run: bool,
        /// Print one JSON document (every step's output) instead of text.
        #[arg(long)]
        json: bool,
        /// The workspace of the credentials the steps name.
        #[arg(long, default_value = syncaut_credentials::DEFAULT_WORKSPACE)]
        workspace: String,
    },
}

impl WorkflowCommand {
    pub(crate) fn wants_json(&self) -> bool {
        matches!(self, Self::Run { json: true, .. })
    }
}

pub(crate) fn run(command: WorkflowCommand) -> Result<(), CliError> {
    let WorkflowCommand::Run {
        file,
        sandbox,
        dry_run,
        json,
        workspace,
    } = command;
    let text = std::fs::read_to_string(&file).map_err(|e| CliError::io(&format!("read {}", file.display()), &e))?;
    let invalid = |e: syncaut_executor::workflow::WorkflowError| {
        CliError::new("invalid_workflow", format!("{}: {e}", file.display()))
    };
    let workflow = Workflow::parse(&text).map_err(invalid)?;
    let target = if sandbox {
        Target::Override {
            store_hash: STORE_HASH.to_owned(),
            token: SecretString::from(FULL_ACCESS_TOKEN),
        }
    } else {
        Target::AsWritten
    };
    workflow.check_target(&target).map_err(invalid)?;
    let failed = |f: syncaut_executor::workflow::StepFailure| {
        let err = exec_error(&f.error);
        CliError::new(
            err.code,
            format!(
                "step `{}` ({}, step {} of {}) failed: {}",
                f.step,
                f.action,
                f.index + 1,
                workflow.steps.len(),
                err.message
            ),
        )
    };
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let running = if sandbox {
            let running = Sandbox::new()
                .start()
                .await
                .map_err(|e| CliError::io("start the sandbox", &e))?;
            eprintln!(
                "using the built-in BigCommerce sandbox at {} (store {STORE_HASH}); nothing leaves this machine",
                running.base_url()
            );
            Some(running)
        } else {
            None
        };
        let executor = match &running {
            Some(running) => Executor::new(
                &bigcommerce_api::TransportConfig::new(&running.base_url())
                    .map_err(|e| CliError::new(e.code(), e.to_string()))?,
            ),
            None => Executor::from_env(),
        }
        .map_err(|e| exec_error(&e))?;
        let executor = crate::progress::attach(executor);
        if dry_run {
            let requests = workflow.dry_run(&executor, &target).map_err(failed)?;
            return print_steps(&workflow, &requests, json, "request");
        }
        let total = workflow.steps.len();
        let mut outputs = Vec::new();
        let result = if sandbox {
            workflow
                .run(&executor, &NoCredentials, &target, |index, step, output| {
                    announce(json, index, total, &step.name, &step.action, output);
                    outputs.push(output.clone());
                })
                .await
        } else {
            let vault = crate::credentials::open_vault()?;
            let store = syncaut_credentials::VaultCredentials::new(vault, &workspace);
            workflow
                .run(&executor, &store, &target, |index, step, output| {
                    announce(json, index, total, &step.name, &step.action, output);
                    outputs.push(output.clone());
                })
                .await
        };
        result.map_err(failed)?;
        if json {
            return print_steps(&workflow, &outputs, true, "output");
        }
        print_lines(&[format!("workflow finished: {total} step(s) succeeded")])
    })
}

/// Prints one step's output as soon as it exists (text mode).
fn announce(json: bool, index: usize, total: usize, name: &str, action: &str, output: &Output) {
    if json {
        return;
    }
    let _ = print_lines(&[format!("── step {}/{total}: {name} ({action})", index + 1)]);
    let _ = print_json(output);
}

/// `{"workflow": …, "steps": [{"name": …, "action": …, "<key>": …}]}`, serialised as it
/// is written.
struct Report<'a, T> {
    workflow: &'a Workflow,
    values: &'a [T],
    key: &'a str,
}

struct StepRecord<'a, T> {
    name: &'a str,
    action: &'a str,
    key: &'a str,
    value: &'a T,
}

impl<T: Serialize> Serialize for StepRecord<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("name", self.name)?;
        map.serialize_entry("action", self.action)?;
        map.serialize_entry(self.key, self.value)?;
        map.end()
    }
}

impl<T: Serialize> Serialize for Report<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let steps: Vec<StepRecord<'_, T>> = self
            .workflow
            .steps
            .iter()
            .zip(self.values)
            .map(|(step, value)| StepRecord {
                name: &step.name,
                action: &step.action,
                key: self.key,
                value,
            })
            .collect();
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("workflow", &self.workflow.name)?;
        map.serialize_entry("steps", &steps)?;
        map.end()
    }
}

fn print_steps<T: Serialize>(workflow: &Workflow, values: &[T], json: bool, key: &str) -> Result<(), CliError> {
    if json {
        return print_json(&Report { workflow, values, key });
    }
    let total = workflow.steps.len();
    for (index, (step, value)) in workflow.steps.iter().zip(values).enumerate() {
        print_lines(&[format!(
            "── step {}/{total}: {} ({}) would send:",
            index + 1,
            step.name,
            step.action
        )])?;
        print_json(value)?;
    }
    Ok(())
}
