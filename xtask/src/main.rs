//! Repository automation for Syncaut's BigCommerce integration.
//!
//! `cargo xtask codegen [--specs DIR] [--check]` generates the typed BigCommerce clients
//! and the operation index from the pinned upstream OpenAPI specs (see
//! `specs/manifest.toml`). Only this command writes `crates/bigcommerce-api/src/generated/`.

mod codegen;
mod index;
mod manifest;
mod passes;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};

const USAGE: &str = "usage: cargo xtask codegen [--specs DIR] [--check]

  --specs DIR   BigCommerce's `reference/` folder (default: ../shared/specs/bigcommerce/reference)
  --check       write nothing; fail and list the generated files that are stale";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<()> {
    let mut args = args.into_iter();
    match args.next().as_deref() {
        Some("codegen") => {}
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            return Ok(());
        }
        Some(other) => bail!("unknown task `{other}`\n{USAGE}"),
    }
    let mut options = codegen::Options {
        specs: None,
        check: false,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => options.check = true,
            "--specs" => match args.next() {
                Some(dir) => options.specs = Some(PathBuf::from(dir)),
                None => bail!("--specs needs a folder\n{USAGE}"),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }
    let started = std::time::Instant::now();
    codegen::run(&options)?;
    eprintln!("codegen took {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
