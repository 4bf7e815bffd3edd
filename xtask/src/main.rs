//! Repository automation for Syncaut's BigCommerce integration.
//!
//! `cargo xtask codegen [--specs DIR] [--check]` generates the typed BigCommerce clients
//! and the operation index from the pinned upstream OpenAPI specs (see
//! `specs/manifest.toml`). Only this command writes `crates/bigcommerce-api/src/generated/`.
//!
//! `cargo xtask specs diff|bump --specs DIR` compares a new release of the specs with the
//! pinned one and reports the impact ([`specs`]); `bump` also records it and regenerates.

mod codegen;
mod index;
mod manifest;
mod passes;
mod specs;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};

const USAGE: &str = "usage: cargo xtask codegen [--specs DIR] [--check]
       cargo xtask specs diff [--specs DIR] [--report FILE]
       cargo xtask specs bump [--specs DIR] [--commit SHA] [--date YYYY-MM-DD] [--report FILE]

  --specs DIR   BigCommerce's `reference/` folder (default: ../shared/specs/bigcommerce/reference)
  --check       write nothing; fail and list the generated files that are stale
  --report FILE also write the impact report (Markdown) to FILE

`specs diff` compares the release in DIR with the pinned one and prints the impact report;
`specs bump` also records the new checksums (and the upstream commit and date) in
specs/manifest.toml and regenerates. Both exit 0 when no action is affected, 1 when some
are, 2 on error.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let specs_task = args.first().is_some_and(|a| a == "specs");
    match run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(if specs_task { 2 } else { 1 })
        }
    }
}

fn run(args: Vec<String>) -> Result<ExitCode> {
    let mut args = args.into_iter();
    match args.next().as_deref() {
        Some("codegen") => {}
        Some("specs") => return run_specs(args.collect()),
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            return Ok(ExitCode::SUCCESS);
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
                return Ok(ExitCode::SUCCESS);
            }
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }
    let started = std::time::Instant::now();
    codegen::run(&options)?;
    eprintln!("codegen took {:.1} s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

fn run_specs(args: Vec<String>) -> Result<ExitCode> {
    let mut args = args.into_iter();
    let write = match args.next().as_deref() {
        Some("diff") => false,
        Some("bump") => true,
        other => bail!("`cargo xtask specs` takes `diff` or `bump`, not {other:?}\n{USAGE}"),
    };
    let root = codegen::repo_root();
    let mut options = specs::Options {
        specs: codegen::default_specs_dir(&root),
        root,
        write,
        commit: None,
        date: None,
        report: None,
    };
    let value = |args: &mut std::vec::IntoIter<String>, flag: &str| match args.next() {
        Some(v) => Ok(v),
        None => Err(anyhow::anyhow!("{flag} needs a value\n{USAGE}")),
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--specs" => options.specs = PathBuf::from(value(&mut args, "--specs")?),
            "--report" => options.report = Some(PathBuf::from(value(&mut args, "--report")?)),
            "--commit" if write => options.commit = Some(value(&mut args, "--commit")?),
            "--date" if write => options.date = Some(value(&mut args, "--date")?),
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }
    let outcome = specs::run(&options)?;
    println!("{}", outcome.report);
    if write && !outcome.changed && options.commit.is_none() && options.date.is_none() {
        eprintln!("specs bump: nothing changed, nothing written");
    }
    Ok(if outcome.affected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
