//! `syncaut workflow run FILE [--sandbox] [--dry-run]`.

use std::path::PathBuf;

use clap::Subcommand;
use secrecy::SecretString;
use serde_json::{Value, json};
use syncaut_executor::workflow::{Target, Workflow};
use syncaut_executor::{Executor, NoCredentials};
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
            return print_steps(&workflow, requests, json, "request");
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
            return print_steps(&workflow, outputs, true, "output");
        }
        print_lines(&[format!("workflow finished: {total} step(s) succeeded")])
    })
}

/// Prints one step's output as soon as it exists (text mode).
fn announce(json: bool, index: usize, total: usize, name: &str, action: &str, output: &Value) {
    if json {
        return;
    }
    let text = serde_json::to_string_pretty(output).unwrap_or_default();
    let _ = print_lines(&[format!("── step {}/{total}: {name} ({action})", index + 1), text]);
}

fn print_steps(workflow: &Workflow, values: Vec<Value>, json: bool, key: &str) -> Result<(), CliError> {
    if json {
        let steps: Vec<Value> = workflow
            .steps
            .iter()
            .zip(values)
            .map(|(step, value)| json!({"name": step.name, "action": step.action, key: value}))
            .collect();
        return print_json(&json!({"workflow": workflow.name, "steps": steps}));
    }
    let total = workflow.steps.len();
    for (index, (step, value)) in workflow.steps.iter().zip(values).enumerate() {
        let text = serde_json::to_string_pretty(&value).map_err(|e| CliError::new("internal", e.to_string()))?;
        print_lines(&[
            format!(
                "── step {}/{total}: {} ({}) would send:",
                index + 1,
                step.name,
                step.action
            ),
            text,
        ])?;
    }
    Ok(())
}
