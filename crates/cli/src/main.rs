//! `syncaut`: the command-line face of Syncaut's BigCommerce integration.
//!
//! Each subcommand lives in its own module; every failure is printed as
//! `error[<code>]: <message>` on standard error with exit status 1 (or as JSON with
//! `--json` where the command has it).

mod actions;
mod credentials;
mod error;
mod output;
mod progress;
mod run;
mod sandbox;
mod serve;
mod store_check;
mod triggers;
mod workflow;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Syncaut's BigCommerce integration.
#[derive(Debug, Parser)]
#[command(name = "syncaut", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Inspect the BigCommerce actions and export their form schemas.
    #[command(subcommand)]
    Actions(actions::ActionsCommand),
    /// Inspect the triggers that start workflows when orders, products or customers change.
    #[command(subcommand)]
    Triggers(triggers::TriggersCommand),
    /// Manage saved BigCommerce credentials (tokens encrypted at rest).
    #[command(subcommand)]
    Credentials(credentials::CredentialsCommand),
    /// Run one action against a store and print its output envelope.
    Run(run::RunArgs),
    /// Run workflow files: steps in order, later steps using earlier steps' outputs.
    #[command(subcommand)]
    Workflow(workflow::WorkflowCommand),
    /// The local BigCommerce sandbox.
    #[command(subcommand)]
    Sandbox(sandbox::SandboxCommand),
    /// The HTTP service: forms, options, credentials and durable workflow runs, with a
    /// web page at `/`.
    Serve(serve::ServeArgs),
    /// Execute runs from the queue `syncaut serve --database postgres://…` shares: start
    /// as many as the load needs, on any machine that reaches the database.
    Worker(serve::WorkerArgs),
}

/// A single-threaded async runtime for the commands that talk to BigCommerce.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, error::CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| error::CliError::io("start the async runtime", &e))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (result, json_errors) = match cli.command {
        Command::Actions(command) => {
            let json = command.wants_json();
            (actions::run(command), json)
        }
        Command::Triggers(command) => {
            let json = command.wants_json();
            (triggers::run(command), json)
        }
        Command::Credentials(command) => {
            let json = command.wants_json();
            (credentials::run(command), json)
        }
        Command::Run(args) => {
            let json = args.json;
            (run::run(args), json)
        }
        Command::Workflow(command) => {
            let json = command.wants_json();
            (workflow::run(command), json)
        }
        Command::Sandbox(command) => (sandbox::run(command), false),
        Command::Serve(args) => (serve::run(args), false),
        Command::Worker(args) => (serve::worker(args), false),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.code == error::CliError::BROKEN_PIPE => ExitCode::SUCCESS,
        Err(err) => {
            err.print(json_errors);
            ExitCode::FAILURE
        }
    }
}
