//! `syncaut workflow run FILE [--sandbox] [--dry-run]`.

use std::path::PathBuf;

use bigcommerce_api::{StatsSnapshot, StoreHash, TransportConfig};
use clap::Subcommand;
use secrecy::SecretString;
use serde::Serialize;
use serde::ser::SerializeMap;
use syncaut_executor::{Executor, NoCredentials, Output};
use syncaut_sandbox::{FULL_ACCESS_TOKEN, STORE_HASH, Sandbox};
use syncaut_workflow::{Plan, PlannedStep, RunFailure, Target};

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
    let text = read_file(&file)?;
    let invalid =
        |e: syncaut_workflow::WorkflowError| CliError::new("invalid_workflow", format!("{}: {e}", file.display()));
    let plan = Plan::parse(&text).map_err(invalid)?;
    if let Some(trigger) = plan.trigger.as_ref().filter(|_| !dry_run) {
        return Err(CliError::new(
            "trigger_needs_service",
            format!(
                "{}: this workflow starts with the trigger `{}`, which starts a run for each event: save it in `syncaut serve` (POST /v1/workflows); `--dry-run` shows its steps",
                file.display(),
                trigger.trigger.id
            ),
        ));
    }
    let target = if sandbox {
        Target::Override {
            store_hash: StoreHash::new(STORE_HASH).map_err(|e| CliError::new(e.code(), e.to_string()))?,
            token: SecretString::from(FULL_ACCESS_TOKEN),
        }
    } else {
        Target::AsWritten
    };
    plan.check_target(&target).map_err(invalid)?;
    let total = plan.steps.len();
    let failed = |f: &RunFailure| {
        let err = exec_error(&f.error);
        CliError::new(
            err.code,
            format!(
                "step `{}` ({}, step {} of {total}) failed: {}",
                f.step,
                f.action,
                f.index + 1,
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
        let config = match &running {
            Some(running) => TransportConfig::new(&running.base_url()),
            None => TransportConfig::from_env(),
        }
        .map_err(|e| CliError::new(e.code(), e.to_string()))?;
        if dry_run {
            let requests = plan.preview(&config, &target).map_err(invalid)?;
            return print_steps(&plan, &requests, json, "request");
        }
        let executor = crate::progress::attach(Executor::new(&config).map_err(|e| exec_error(&e))?);
        let mut outputs = Vec::new();
        let on_output = |index: usize, step: &PlannedStep, output: &Output, stats: &StatsSnapshot| {
            if !json {
                announce(index, total, step, output);
                crate::progress::summary(output, stats);
            }
            outputs.push(output.clone());
        };
        let result = if sandbox {
            plan.run(&executor, &NoCredentials, &target, on_output).await
        } else {
            let vault = crate::credentials::open_vault().await?;
            let store = syncaut_credentials::WorkspaceCredentials::new(vault, &workspace);
            plan.run(&executor, &store, &target, on_output).await
        };
        match result {
            Ok(_) if json => print_json(&Report {
                plan: &plan,
                values: &outputs,
                key: "output",
                failure: None,
            }),
            Ok(_) => print_lines(&[format!("workflow finished: {total} step(s) succeeded")]),
            Err(failure) => {
                let error = failed(&failure);
                if json {
                    // What the steps that ran returned is never lost: the id of a product
                    // created before the failure is right there.
                    print_json(&Report {
                        plan: &plan,
                        values: &outputs,
                        key: "output",
                        failure: Some((&failure, &error)),
                    })?;
                }
                Err(error)
            }
        }
    })
}

/// Reads a workflow file, refusing one too large to be a workflow.
fn read_file(path: &std::path::Path) -> Result<String, CliError> {
    let read = |e: &std::io::Error| CliError::io(&format!("read {}", path.display()), e);
    let metadata = std::fs::metadata(path).map_err(|e| read(&e))?;
    if metadata.len() > syncaut_workflow::file::MAX_FILE_BYTES as u64 {
        return Err(CliError::new(
            "invalid_workflow",
            format!(
                "{}: the file is {} bytes; the most a workflow file may hold is {}",
                path.display(),
                metadata.len(),
                syncaut_workflow::file::MAX_FILE_BYTES
            ),
        ));
    }
    std::fs::read_to_string(path).map_err(|e| read(&e))
}

/// Prints one step's output as soon as it exists (text mode).
fn announce(index: usize, total: usize, step: &PlannedStep, output: &Output) {
    let _ = print_lines(&[format!(
        "── step {}/{total}: {} ({})",
        index + 1,
        step.name,
        step.action_id()
    )]);
    let _ = print_json(output);
}

/// `{"workflow": …, "steps": [{"name": …, "action": …, "<key>": …}]}`, serialised as it
/// is written; after a failure, the failing step follows with its `error`, and the
/// document's own `error` says what failed.
struct Report<'a, T> {
    plan: &'a Plan,
    values: &'a [T],
    key: &'a str,
    failure: Option<(&'a RunFailure, &'a CliError)>,
}

struct StepRecord<'a, T> {
    name: &'a str,
    action: &'a str,
    key: &'a str,
    value: Option<&'a T>,
    error: Option<&'a CliError>,
}

impl<T: Serialize> Serialize for StepRecord<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("name", self.name)?;
        map.serialize_entry("action", self.action)?;
        if let Some(value) = self.value {
            map.serialize_entry(self.key, value)?;
        }
        if let Some(error) = self.error {
            map.serialize_entry("error", &error.to_json())?;
        }
        map.end()
    }
}

impl<T: Serialize> Serialize for Report<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut steps: Vec<StepRecord<'_, T>> = self
            .plan
            .steps
            .iter()
            .zip(self.values)
            .map(|(step, value)| StepRecord {
                name: &step.name,
                action: step.action_id(),
                key: self.key,
                value: Some(value),
                error: None,
            })
            .collect();
        if let Some((failure, error)) = self.failure {
            steps.push(StepRecord {
                name: &failure.step,
                action: failure.action,
                key: self.key,
                value: None,
                error: Some(error),
            });
        }
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("workflow", &self.plan.name)?;
        map.serialize_entry("steps", &steps)?;
        if let Some((_, error)) = self.failure {
            map.serialize_entry("error", &error.to_json())?;
        }
        map.end()
    }
}

fn print_steps<T: Serialize>(plan: &Plan, values: &[T], json: bool, key: &str) -> Result<(), CliError> {
    if json {
        return print_json(&Report {
            plan,
            values,
            key,
            failure: None,
        });
    }
    let total = plan.steps.len();
    for (index, (step, value)) in plan.steps.iter().zip(values).enumerate() {
        print_lines(&[format!(
            "── step {}/{total}: {} ({}) would send:",
            index + 1,
            step.name,
            step.action_id()
        )])?;
        print_json(value)?;
    }
    Ok(())
}
