//! `syncaut serve`: the HTTP API a frontend and a workflow engine talk to.
//!
//! - `/v1/actions…`: the registry, each action's form and output schema, the "+ variable"
//!   picker;
//! - `/v1/options/{source}`: values of form fields that live in the store;
//! - `/v1/credentials…`: the vault (tokens are write-only);
//! - `/v1/runs…`: durable runs ([`syncaut_runs`]) with their events as Server-Sent Events;
//! - `/healthz`, `/openapi.json` (generated from the handlers' types) and the web page.
//!
//! Every `/v1` route needs the API key ([`auth`]); the server binds to loopback unless told
//! otherwise; request bodies are limited to [`BODY_LIMIT`].

pub mod auth;
pub mod error;
mod openapi;
mod options;
mod routes;
mod web;
mod workflows;

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use bigcommerce_api::TransportConfig;
use secrecy::SecretString;
use syncaut_credentials::{DEFAULT_WORKSPACE, KeySource, Vault, VaultError, WorkspaceCredentials};
use syncaut_executor::{CredentialStore, Executor};
use syncaut_runs::{Engine, Runs, WorkerConfig};
use tokio_util::sync::CancellationToken;

pub use crate::auth::{API_KEY_ENV, API_KEY_FILE, ApiKey, KeyOrigin};
pub use crate::openapi::document as openapi_document;

/// The largest request body accepted (a workflow file is at most 1 MiB).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The largest webhook delivery accepted (BigCommerce's payloads are a few hundred bytes).
pub const HOOK_BODY_LIMIT: usize = 64 * 1024;

/// The name of the credential `serve --sandbox` saves.
pub const SANDBOX_CREDENTIAL: &str = "Sandbox";

/// How long a stopping server waits for runs in progress before it exits (they resume
/// on the next start).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Why the server could not start.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct StartError {
    /// A stable machine code.
    pub code: &'static str,
    /// What went wrong and what to do.
    pub message: String,
}

impl StartError {
    /// An error with a code and a message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    fn vault(e: &VaultError) -> Self {
        Self::new(e.code(), e.to_string())
    }
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The address to bind (loopback by default).
    pub host: IpAddr,
    /// The port (0 picks a free one).
    pub port: u16,
    /// The data directory: vault, API key, run database.
    pub data_dir: PathBuf,
    /// The run database (`sqlite://PATH`, or a path); default `<data dir>/runs.db`.
    pub database: Option<String>,
    /// Start the local sandbox and point everything at it.
    pub sandbox: bool,
    /// Execute runs in this process too (`false`: `syncaut worker`s execute them).
    pub execute_runs: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 8080,
            data_dir: syncaut_credentials::default_data_dir(),
            database: None,
            sandbox: false,
            execute_runs: true,
        }
    }
}

/// What the handlers share. Cheap to clone.
#[derive(Clone)]
pub(crate) struct App {
    pub(crate) runs: Runs,
    pub(crate) vault: Vault,
    pub(crate) executor: Executor,
    /// Saved workflows and their triggers.
    pub(crate) watcher: syncaut_runs::triggers::Watcher,
    /// Cancelled when the server stops: event streams end, so that it can.
    pub(crate) stopping: CancellationToken,
}

/// Where runs are kept, from `--database`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// An embedded SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL server (`postgres://…`), shared by servers and workers.
    Postgres(String),
}

impl Database {
    /// What `--database` says; `None` means `runs.db` in the data directory.
    pub fn from_option(option: Option<&str>, data_dir: &Path) -> Result<Self, StartError> {
        let Some(url) = option.map(str::trim) else {
            return Ok(Self::Sqlite(data_dir.join("runs.db")));
        };
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err(StartError::new(
                    "invalid_database",
                    "--database sqlite:// needs a file path, such as sqlite:///var/lib/syncaut/runs.db",
                ));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        if url.contains("://") {
            return Err(StartError::new(
                "invalid_database",
                "--database is not a database URL this server knows; give sqlite://PATH or postgres://USER:PASSWORD@HOST/DB",
            ));
        }
        Ok(Self::Sqlite(PathBuf::from(url)))
    }

    /// Opens the run store (creating what is missing); `connections` bounds a
    /// PostgreSQL pool.
    pub async fn open(&self, connections: u32) -> Result<Runs, StartError> {
        match self {
            Self::Sqlite(path) => Runs::open(path)
                .await
                .map_err(|e| StartError::new(e.code(), format!("{}: {e}", path.display()))),
            Self::Postgres(url) => Runs::connect(url, connections)
                .await
                .map_err(|e| StartError::new(e.code(), format!("PostgreSQL: {e}"))),
        }
    }
}

/// The vault: beside the runs in PostgreSQL (every server and worker reads the same sealed
/// tokens; the key stays with each process), or the SQLite file in the data directory.
async fn open_vault(data_dir: &Path, database: &Database) -> Result<Vault, StartError> {
    let source = KeySource::from_env(data_dir).map_err(|e| StartError::vault(&e))?;
    match database {
        Database::Postgres(url) => Vault::connect(data_dir, url, source).await,
        Database::Sqlite(_) => Vault::open(data_dir, source).await,
    }
    .map_err(|e| StartError::vault(&e))
}

/// The executor, pacing each store by the budget every process on the database shares
/// (PostgreSQL), or by this process's own (SQLite).
fn executor_for(config: &TransportConfig, runs: &Runs) -> Result<Executor, StartError> {
    let transport = match runs.shared_budgets() {
        Some(budgets) => bigcommerce_api::Transport::with_budgets(config, budgets),
        None => bigcommerce_api::Transport::new(config),
    }
    .map_err(|e| StartError::new(e.code(), e.to_string()))?;
    Ok(Executor::with_transport(transport))
}

/// Connections a process opens to PostgreSQL: a run holds one only for a moment (a
/// checkpoint), so a few serve many runs, and PostgreSQL's default of 100 connections
/// serves about nine processes.
fn pool_size(workers: &WorkerConfig) -> u32 {
    u32::try_from(workers.concurrency).unwrap_or(u32::MAX).clamp(2, 10)
}

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// The data directory: the vault (the credentials runs use) and its key.
    pub data_dir: PathBuf,
    /// The run database the servers use (`postgres://…`, or a SQLite path on this
    /// machine).
    pub database: Option<String>,
}

/// `syncaut worker`: takes runs from the shared queue and executes them, with the vault's
/// credentials, until `shutdown` resolves; then it lets the steps in flight finish (a read
/// is abandoned and done again by whoever takes the run next) and hands its runs back.
pub async fn work(
    options: WorkerOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    private_dir(&options.data_dir)?;
    let database = Database::from_option(options.database.as_deref(), &options.data_dir)?;
    let vault = open_vault(&options.data_dir, &database).await?;
    let workers = WorkerConfig::from_env().map_err(|e| StartError::new("invalid_setting", e))?;
    let config = TransportConfig::from_env().map_err(|e| StartError::new(e.code(), e.to_string()))?;
    let runs = database.open(pool_size(&workers)).await?;
    let executor = executor_for(&config, &runs)?;
    let workspaces: syncaut_runs::Workspaces = Arc::new(move |workspace: &str| {
        Arc::new(WorkspaceCredentials::new(vault.clone(), workspace)) as Arc<dyn CredentialStore>
    });
    let engine = Engine::new(runs.clone(), executor, workspaces);
    let stop = CancellationToken::new();
    let at_once = workers.concurrency;
    let worker = {
        let stop = stop.clone();
        tokio::spawn(async move { engine.work(workers, stop).await })
    };
    eprintln!(
        "worker: taking runs from the {} queue ({at_once} at once); stop with Ctrl-C or SIGTERM",
        runs.db().kind()
    );
    shutdown.await;
    stop.cancel();
    if tokio::time::timeout(SHUTDOWN_GRACE, worker).await.is_err() {
        eprintln!("runs still in progress stop here and are resumed by the next worker");
    }
    Ok(())
}

/// Creates the data directory, readable by the owner only.
fn private_dir(dir: &Path) -> Result<(), StartError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| StartError::new("io", format!("cannot create the data directory {}: {e}", dir.display())))
}

/// Saves (or refreshes) the sandbox's full-access token as the `Sandbox` credential.
async fn save_sandbox_credential(vault: &mut Vault) -> Result<(), StartError> {
    let token = SecretString::from(syncaut_sandbox::FULL_ACCESS_TOKEN);
    match vault.add(DEFAULT_WORKSPACE, SANDBOX_CREDENTIAL, &token).await {
        Ok(_) => Ok(()),
        Err(VaultError::AlreadyExists(_)) => vault
            .replace_token(DEFAULT_WORKSPACE, SANDBOX_CREDENTIAL, &token)
            .await
            .map(drop)
            .map_err(|e| StartError::vault(&e)),
        Err(e) => Err(StartError::vault(&e)),
    }
}

/// The router: `/v1` behind the API key; `/healthz`, `/openapi.json` and the page open.
fn router(app: App, key: ApiKey) -> Router {
    let v1 = Router::new()
        .route("/actions", get(routes::list_actions))
        .route("/actions/{id}", get(routes::get_action))
        .route("/actions/{id}/variables", get(routes::variables))
        .route("/options/{source}", post(options::options))
        .route(
            "/credentials",
            post(routes::add_credential).get(routes::list_credentials),
        )
        .route("/credentials/{name}", axum::routing::delete(routes::remove_credential))
        .route("/credentials/{name}/test", post(routes::test_credential))
        .route("/runs", post(routes::create_run).get(routes::list_runs))
        .route("/runs/{id}", get(routes::get_run))
        .route("/runs/{id}/cancel", post(routes::cancel_run))
        .route("/runs/{id}/events", get(routes::run_events))
        .route(
            "/workflows",
            post(workflows::save_workflow).get(workflows::list_workflows),
        )
        .route("/workflows/{name}", axum::routing::delete(workflows::delete_workflow))
        .route("/triggers", get(workflows::list_triggers))
        .route("/triggers/{id}", get(workflows::get_trigger))
        .fallback(not_found)
        .route_layer(axum::middleware::from_fn_with_state(key, auth::require_key));
    // BigCommerce calls the receiver with the trigger's secret, not the API key.
    let hooks = Router::new()
        .route("/v1/hooks/{trigger}", post(workflows::receive_hook))
        .layer(DefaultBodyLimit::max(HOOK_BODY_LIMIT));
    Router::new()
        .merge(hooks)
        .nest("/v1", v1)
        .route("/healthz", get(routes::healthz))
        .route("/openapi.json", get(openapi::serve))
        .merge(web::routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(app)
}

async fn not_found(axum::extract::OriginalUri(uri): axum::extract::OriginalUri) -> error::ApiError {
    error::ApiError::not_found(
        "no_such_route",
        format!("nothing is served at {}; /openapi.json lists the routes", uri.path()),
    )
}

/// Starts everything and serves until `shutdown` resolves: opens the vault and the run
/// database, loads (or makes) the API key, starts the sandbox with `--sandbox`, starts the
/// run workers, binds, and prints where it listens on standard error.
pub async fn serve(
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    private_dir(&options.data_dir)?;
    let database = Database::from_option(options.database.as_deref(), &options.data_dir)?;
    let mut vault = open_vault(&options.data_dir, &database).await?;
    let (key, origin) = ApiKey::load_or_create(&options.data_dir)?;
    let workers = WorkerConfig::from_env().map_err(|e| StartError::new("invalid_setting", e))?;

    let sandbox = if options.sandbox {
        let running = syncaut_sandbox::Sandbox::new()
            .start()
            .await
            .map_err(|e| StartError::new("io", format!("cannot start the sandbox: {e}")))?;
        save_sandbox_credential(&mut vault).await?;
        Some(running)
    } else {
        None
    };
    let config = match &sandbox {
        Some(running) => TransportConfig::new(&running.base_url()),
        None => TransportConfig::from_env(),
    }
    .map_err(|e| StartError::new(e.code(), e.to_string()))?;

    if let Some(dir) = std::env::var_os("SYNCAUT_WEB_DIR")
        && !std::path::Path::new(&dir).join("index.html").is_file()
    {
        return Err(StartError::new(
            "invalid_setting",
            format!(
                "SYNCAUT_WEB_DIR is {}, which has no index.html; point it at the page's build (crates/server/web/dist) or unset it",
                std::path::Path::new(&dir).display()
            ),
        ));
    }
    let runs = database.open(pool_size(&workers)).await?;
    let executor = executor_for(&config, &runs)?;

    let listener = tokio::net::TcpListener::bind(SocketAddr::new(options.host, options.port))
        .await
        .map_err(|e| {
            StartError::new(
                "io",
                format!(
                    "cannot listen on {}:{}: {e}; choose another --port",
                    options.host, options.port
                ),
            )
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::new("io", e.to_string()))?;

    let credentials_vault = vault.clone();
    let workspaces: syncaut_runs::Workspaces = Arc::new(move |workspace: &str| {
        Arc::new(WorkspaceCredentials::new(credentials_vault.clone(), workspace)) as Arc<dyn CredentialStore>
    });
    let engine = Engine::new(runs.clone(), executor.clone(), workspaces.clone());
    let stop = CancellationToken::new();
    let execute = options.execute_runs;
    let worker = {
        let stop = stop.clone();
        tokio::spawn(async move {
            if execute {
                engine.work(workers, stop).await;
            }
        })
    };
    // With the sandbox, webhooks come back to this server over loopback.
    let own_url = sandbox.as_ref().map(|_| format!("http://{addr}"));
    let watch =
        syncaut_runs::triggers::WatchConfig::from_env(own_url).map_err(|e| StartError::new("invalid_setting", e))?;
    let watcher = syncaut_runs::triggers::Watcher::new(runs.clone(), executor.clone(), workspaces, watch);
    let triggers = {
        let (watcher, stop) = (watcher.clone(), stop.clone());
        tokio::spawn(async move { watcher.work(stop).await })
    };

    let app = App {
        runs,
        vault,
        executor,
        watcher,
        stopping: stop.clone(),
    };
    if let Some(running) = &sandbox {
        eprintln!("sandbox: {}", running.base_url());
        eprintln!(
            "the sandbox store is `{}`; its full-access token is saved as the credential `{SANDBOX_CREDENTIAL}`",
            syncaut_sandbox::STORE_HASH
        );
    }
    match &origin {
        KeyOrigin::Generated(path) => eprintln!(
            "API key (saved in {}; it is not printed again): {}",
            path.display(),
            key.reveal()
        ),
        KeyOrigin::File(path) => eprintln!("API key: in {}", path.display()),
        KeyOrigin::Env => eprintln!("API key: from {API_KEY_ENV}"),
    }
    eprintln!("listening on http://{addr}");

    let server_stop = stop.clone();
    let served = axum::serve(listener, router(app, key))
        .with_graceful_shutdown(async move {
            tokio::select! {
                () = shutdown => {}
                () = server_stop.cancelled() => {}
            }
            // Event streams end, and the workers stop taking runs.
            server_stop.cancel();
        })
        .await;
    stop.cancel();
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, triggers).await;
    if tokio::time::timeout(SHUTDOWN_GRACE, worker).await.is_err() {
        eprintln!("runs still in progress stop here and resume on the next start");
    }
    drop(sandbox);
    served.map_err(|e| StartError::new("io", format!("the server stopped: {e}")))
}
