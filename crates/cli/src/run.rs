//! `syncaut run`: one action, as a workflow step would run it.

use std::path::PathBuf;

use bigcommerce_api::{Stats, TransportConfig};
use clap::Args;
use serde_json::{Map, Value};
use syncaut_executor::{CredentialSource, ExecError, Executor, NoCredentials, Step, StepOutputs};

use crate::error::CliError;

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The action id, such as get_order (`syncaut actions list`).
    action: String,
    /// The step name, as later steps reference it (getOrder).
    #[arg(long)]
    step: String,
    /// The store hash (abc123xyz).
    #[arg(long = "store-hash")]
    store_hash: String,
    /// A credential saved with `syncaut credentials add`.
    #[arg(long, conflicts_with = "token_env")]
    credential: Option<String>,
    /// An environment variable holding the API token instead.
    #[arg(long = "token-env", value_name = "VAR")]
    token_env: Option<String>,
    /// The credential's workspace.
    #[arg(long, default_value = syncaut_credentials::DEFAULT_WORKSPACE)]
    workspace: String,
    /// A parameter as typed text, coerced like a form value (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    param: Vec<String>,
    /// Parameters as a JSON object (combined with --param; --param wins).
    #[arg(long = "params", value_name = "JSON")]
    params_json: Option<String>,
    /// Outputs of earlier steps: a JSON object of step name → output envelope.
    #[arg(long, value_name = "FILE")]
    context: Option<PathBuf>,
    /// Print the request that would be sent (token redacted) and send nothing.
    #[arg(long = "dry-run")]
    dry_run: bool,
    /// Print errors as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

fn parse_params(args: &RunArgs) -> Result<Map<String, Value>, CliError> {
    let mut params = match &args.params_json {
        None => Map::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => {
                return Err(CliError::new(
                    "invalid_params",
                    "--params must be a JSON object, such as '{\"orderId\": 42}'",
                ));
            }
            Err(e) => {
                return Err(CliError::new(
                    "invalid_params",
                    format!("--params is not valid JSON: {e}"),
                ));
            }
        },
    };
    for pair in &args.param {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(CliError::new(
                "invalid_params",
                format!("--param `{pair}` must look like key=value, such as orderId=42"),
            ));
        };
        params.insert(key.trim().to_owned(), Value::String(value.to_owned()));
    }
    Ok(params)
}

fn read_context(path: &Option<PathBuf>) -> Result<StepOutputs, CliError> {
    let Some(path) = path else {
        return Ok(StepOutputs::new());
    };
    let text = std::fs::read_to_string(path).map_err(|e| CliError::io(&format!("read {}", path.display()), &e))?;
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => Ok(StepOutputs::from(map)),
        Ok(_) => Err(CliError::new(
            "invalid_context",
            format!(
                "{} must hold a JSON object of step name → output envelope",
                path.display()
            ),
        )),
        Err(e) => Err(CliError::new(
            "invalid_context",
            format!("{} is not valid JSON: {e}", path.display()),
        )),
    }
}

pub(crate) fn exec_error(err: &ExecError) -> CliError {
    CliError::new(err.code(), err.to_string())
}

/// Runs the action and prints its output envelope.
pub(crate) fn run(args: RunArgs) -> Result<(), CliError> {
    let params = parse_params(&args)?;
    let outputs = read_context(&args.context)?;
    let credential = match (&args.credential, &args.token_env) {
        (_, Some(var)) if args.dry_run => CredentialSource::Named(format!("${var}")),
        (_, Some(var)) => CredentialSource::Token(syncaut_workflow::token_from_env(var).map_err(|e| match e {
            ExecError::CredentialUnavailable { reason, .. } => {
                CliError::new("token_env_missing", format!("{reason}, or use --credential NAME"))
            }
            other => exec_error(&other),
        })?),
        (Some(name), None) => CredentialSource::Named(name.clone()),
        (None, None) => {
            return Err(CliError::new(
                "missing_credential",
                "one of --credential NAME (a credential saved with `syncaut credentials add`) or --token-env VAR (an environment variable holding the token) is needed",
            ));
        }
    };
    let step =
        Step::new(&args.step, &args.action, &args.store_hash, credential, &params).map_err(|e| exec_error(&e))?;
    let config = TransportConfig::from_env().map_err(|e| CliError::new(e.code(), e.to_string()))?;
    if args.dry_run {
        if outputs.is_empty() {
            return crate::output::print_json(&step.preview(&config));
        }
        // With earlier outputs, show the request as it would be sent.
        let executor = Executor::new(&config).map_err(|e| exec_error(&e))?;
        let prepared = executor.prepare(&step, &outputs).map_err(|e| exec_error(&e))?;
        return crate::output::print_json(&syncaut_executor::request::describe(&prepared, &config));
    }
    let executor = crate::progress::attach(Executor::new(&config).map_err(|e| exec_error(&e))?);
    let runtime = crate::runtime()?;
    let stats = Stats::default();
    let output = runtime.block_on(async {
        match &step.credential {
            CredentialSource::Named(_) => {
                let vault = crate::credentials::open_vault().await?;
                let store = syncaut_credentials::WorkspaceCredentials::new(vault, &args.workspace);
                Ok(executor.execute(&step, &outputs, &store, &stats).await)
            }
            CredentialSource::Token(_) => {
                Ok::<_, CliError>(executor.execute(&step, &outputs, &NoCredentials, &stats).await)
            }
        }
    })?;
    let output = output.map_err(|e| exec_error(&e))?;
    crate::progress::summary(&output, &stats.snapshot());
    crate::output::print_json(&output)
}
