//! `syncaut serve`: the HTTP service ([`syncaut_server`]) until Ctrl-C or SIGTERM.

use std::net::IpAddr;

use clap::Args;

use crate::error::CliError;

/// `syncaut serve [--port 8080] [--host 127.0.0.1] [--database URL] [--sandbox]`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The address to listen on; loopback by default (the API key protects `/v1`, but
    /// put a TLS proxy in front before opening it to a network).
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Where runs are kept: sqlite://PATH (default: runs.db in the data directory), or
    /// postgres://USER:PASSWORD@HOST/DB, shared with `syncaut worker`s.
    #[arg(long, env = "SYNCAUT_DATABASE_URL", hide_env_values = true)]
    database: Option<String>,
    /// Also start the local BigCommerce sandbox, point the service at it and save its
    /// token as the credential `Sandbox`.
    #[arg(long)]
    sandbox: bool,
    /// Serve the API, the page and the triggers, but leave executing runs to
    /// `syncaut worker`s on the same database.
    #[arg(long)]
    no_runs: bool,
}

/// `syncaut worker [--database URL]`: executes runs from the shared queue.
#[derive(Debug, Args)]
pub(crate) struct WorkerArgs {
    /// The run database the servers use: postgres://USER:PASSWORD@HOST/DB (or a SQLite
    /// path on this machine; default: runs.db in the data directory).
    #[arg(long, env = "SYNCAUT_DATABASE_URL", hide_env_values = true)]
    database: Option<String>,
}

pub(crate) fn worker(args: WorkerArgs) -> Result<(), CliError> {
    let options = syncaut_server::WorkerOptions {
        data_dir: syncaut_credentials::default_data_dir(),
        database: args.database,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::io("start the async runtime", &e))?;
    runtime
        .block_on(syncaut_server::work(options, stop_signal()))
        .map_err(|e| CliError::new(e.code, e.message))
}

/// Waits for Ctrl-C or SIGTERM.
async fn stop_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

pub(crate) fn run(args: ServeArgs) -> Result<(), CliError> {
    let options = syncaut_server::ServeOptions {
        host: args.host,
        port: args.port,
        data_dir: syncaut_credentials::default_data_dir(),
        database: args.database,
        sandbox: args.sandbox,
        execute_runs: !args.no_runs,
    };
    // Runs execute on every core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::io("start the async runtime", &e))?;
    runtime
        .block_on(syncaut_server::serve(options, stop_signal()))
        .map_err(|e| CliError::new(e.code, e.message))
}
