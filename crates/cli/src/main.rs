//! `syncaut`: the command-line face of Syncaut's BigCommerce integration.
//!
//! Each subcommand lives in its own module; every failure is printed as
//! `error[<code>]: <message>` on standard error with exit status 1 (or as JSON with
//! `--json` where the command has it).

mod actions;
mod error;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (result, json_errors) = match cli.command {
        Command::Actions(command) => {
            let json = command.wants_json();
            (actions::run(command), json)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            err.print(json_errors);
            ExitCode::FAILURE
        }
    }
}
