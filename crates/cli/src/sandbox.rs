//! `syncaut sandbox serve`: the local BigCommerce emulator as a standalone server.

use std::net::{IpAddr, SocketAddr};

use clap::Subcommand;
use syncaut_sandbox::{FULL_ACCESS_TOKEN, READ_ONLY_TOKEN, STORE_HASH, Sandbox};

use crate::error::CliError;
use crate::output::print_lines;

#[derive(Debug, Subcommand)]
pub(crate) enum SandboxCommand {
    /// Serve the sandbox until interrupted (Ctrl-C).
    Serve {
        /// The port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 8089)]
        port: u16,
        /// The address to listen on; loopback by default.
        #[arg(long, default_value = "127.0.0.1")]
        host: IpAddr,
        /// Generated products to add to the seeded ones (to try "return all").
        #[arg(long, default_value_t = 0)]
        extra_products: usize,
        /// Generated orders to add to the seeded ones.
        #[arg(long, default_value_t = 0)]
        extra_orders: usize,
        /// Deliver every webhook payload twice, as BigCommerce sometimes does.
        #[arg(long)]
        duplicate_webhooks: bool,
    },
}

pub(crate) fn run(command: SandboxCommand) -> Result<(), CliError> {
    let SandboxCommand::Serve {
        port,
        host,
        extra_products,
        extra_orders,
        duplicate_webhooks,
    } = command;
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(host, port))
            .await
            .map_err(|e| {
                CliError::io(
                    &format!("listen on {host}:{port} (is the port in use? try --port 0)"),
                    &e,
                )
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| CliError::io("read the listening address", &e))?;
        print_lines(&[
            format!("BigCommerce sandbox listening on http://{addr}"),
            format!("  store hash:        {STORE_HASH}"),
            format!("  full-access token: {FULL_ACCESS_TOKEN}"),
            format!("  read-only token:   {READ_ONLY_TOKEN}"),
            format!("  use it with:       SYNCAUT_BIGCOMMERCE_API_URL=http://{addr} syncaut run …"),
            "press Ctrl-C to stop (state is kept in memory until then)".to_owned(),
        ])?;
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let mut sandbox = Sandbox::new();
        if duplicate_webhooks {
            sandbox = sandbox.with_duplicate_deliveries();
        }
        sandbox.with_world(|w| {
            w.add_generated_products(extra_products);
            w.add_generated_orders(extra_orders);
        });
        sandbox
            .serve(listener, stop)
            .await
            .map_err(|e| CliError::io("serve the sandbox", &e))
    })
}
