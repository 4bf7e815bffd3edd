//! Durable workflow runs.
//!
//! A run is a workflow submitted to the service. [`Runs::submit`] checks it, stores it with
//! one row per step and queues it in one transaction. A worker ([`worker`]) takes it from
//! the queue (apalis on the same SQLite database), claims it, and runs its steps in order;
//! each step's output is committed (its checkpoint) before the next step starts, and every
//! change of state is also an event ([`RunEvent`]) that `GET /v1/runs/{id}/events` streams.
//!
//! Delivery is at least once. A run whose worker died is delivered again (apalis re-queues
//! the tasks of a worker whose heartbeats stopped) and resumes after its last checkpoint: a
//! read that was in flight is sent again, a write that was in flight makes the run
//! `uncertain`, never sent twice. Every claim raises the run's epoch and every later write
//! of a worker names the epoch it claimed, so a worker that was presumed dead and comes back
//! cannot overwrite the run it lost ([`store`]).

pub mod budget;
pub mod db;
mod saved;
mod store;
pub mod triggers;
pub mod worker;

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::Value;
use thiserror::Error;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

pub use crate::db::Db;
pub use crate::saved::SavedWorkflow;
pub use crate::store::{EventRecord, RunJob, RunSummary, RunView, StepView};
pub use crate::worker::{Engine, WorkerConfig, Workspaces};

/// The apalis queue runs are delivered through.
pub const QUEUE: &str = "syncaut-runs";

/// How many times a run's task is delivered again after the worker reported a failure of
/// its own (a database error); a run's step failing is not such a failure.
const MAX_ATTEMPTS: usize = 5;

/// The state of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Stored and waiting for a worker.
    Queued,
    /// A worker is running its steps.
    Running,
    /// Every step succeeded.
    Succeeded,
    /// A step failed; the steps after it did not run.
    Failed,
    /// Cancelled before it finished.
    Cancelled,
    /// A write may or may not have reached BigCommerce; it is not repeated.
    Uncertain,
}

/// The state of one step of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    /// Not started.
    Pending,
    /// Sent (or being sent).
    Running,
    /// Its output is the checkpoint.
    Succeeded,
    /// It failed with an error.
    Failed,
    /// A read in flight when the run was cancelled.
    Cancelled,
    /// A write that may or may not have reached BigCommerce.
    Uncertain,
}

macro_rules! text_enum {
    ($ty:ident { $($variant:ident = $text:literal),* $(,)? }) => {
        impl $ty {
            /// As stored and shown.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }
        }
        impl FromStr for $ty {
            type Err = RunsError;
            fn from_str(text: &str) -> Result<Self, RunsError> {
                match text {
                    $($text => Ok(Self::$variant),)*
                    other => Err(RunsError::Database(format!("unknown {} `{other}` in the database", stringify!($ty)))),
                }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(RunStatus {
    Queued = "queued",
    Running = "running",
    Succeeded = "succeeded",
    Failed = "failed",
    Cancelled = "cancelled",
    Uncertain = "uncertain",
});

text_enum!(StepStatus {
    Pending = "pending",
    Running = "running",
    Succeeded = "succeeded",
    Failed = "failed",
    Cancelled = "cancelled",
    Uncertain = "uncertain",
});

impl RunStatus {
    /// Whether the run is over.
    pub fn is_finished(self) -> bool {
        !matches!(self, Self::Queued | Self::Running)
    }
}

/// Why the run store failed.
#[derive(Debug, Error)]
pub enum RunsError {
    /// The database failed.
    #[error("the run database failed: {0}")]
    Database(String),
    /// The submitted workflow is not valid.
    #[error("{0}")]
    InvalidWorkflow(String),
    /// No run has this id.
    #[error("no run has the id `{0}`")]
    NotFound(String),
    /// The process stops; the run resumes on the next start.
    #[error("the service is stopping; the run resumes from its last checkpoint when it starts again")]
    Stopping,
    /// Another claim took the run while this worker held it (its lease ran out). The
    /// delivery is not acknowledged: it waits for the run to end, or for the new holder's
    /// lease to run out, and then takes the run again (see `Engine::drive`).
    #[error("another worker took the run after this one's lease ran out; this delivery waits for the run to end")]
    Lost,
    /// The run is over and cannot be cancelled.
    #[error("run {id} already finished ({status}); only queued or running runs can be cancelled")]
    Finished {
        /// The run.
        id: String,
        /// How it finished.
        status: RunStatus,
    },
}

impl RunsError {
    /// A stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Database(_) => "database_error",
            Self::InvalidWorkflow(_) => "invalid_workflow",
            Self::NotFound(_) => "run_not_found",
            Self::Finished { .. } => "run_finished",
            Self::Stopping => "stopping",
            Self::Lost => "run_lost",
        }
    }
}

impl From<sqlx::Error> for RunsError {
    fn from(e: sqlx::Error) -> Self {
        Self::Database(e.to_string())
    }
}

/// What a cancel request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancelled {
    /// The run had not started: it is cancelled.
    Now,
    /// The run is running: it stops at its next step (a read in flight is abandoned, a
    /// write in flight is let finish and recorded).
    Requested,
}

/// The run records and the queue, on one database (SQLite or PostgreSQL). Cheap to clone.
#[derive(Clone)]
pub struct Runs(Arc<Shared>);

struct Shared {
    db: Db,
    /// Bumped after every committed event, so that event streams in this process wake at
    /// once (streams also look again every second, for events written elsewhere).
    changed: watch::Sender<u64>,
    /// Cancellation of runs executing in this process.
    cancels: Mutex<std::collections::HashMap<String, CancellationToken>>,
}

impl fmt::Debug for Runs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runs").finish_non_exhaustive()
    }
}

impl Runs {
    /// Opens (creating if needed) the SQLite run database at `path`: our tables and the
    /// queue's.
    pub async fn open(path: &Path) -> Result<Self, RunsError> {
        Self::with_db(Db::open_sqlite(path).await?).await
    }

    /// The run store on PostgreSQL (`postgres://…`), shared with every other server and
    /// worker on it; creates what is missing.
    pub async fn connect(url: &str, connections: u32) -> Result<Self, RunsError> {
        Self::with_db(Db::connect_postgres(url, connections).await?).await
    }

    /// The run store over an open SQLite pool (creates the tables).
    pub async fn with_pool(pool: sqlx::SqlitePool) -> Result<Self, RunsError> {
        Self::with_db(Db::Sqlite(pool)).await
    }

    /// The run store over a database (creates what is missing).
    pub async fn with_db(db: Db) -> Result<Self, RunsError> {
        db.migrate().await?;
        Ok(Self(Arc::new(Shared {
            db,
            changed: watch::channel(0).0,
            cancels: Mutex::default(),
        })))
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.0.db
    }

    /// The rate budgets requests to stores should take: shared in the database with every
    /// other process on PostgreSQL; `None` (this process's own) on SQLite.
    pub fn shared_budgets(&self) -> Option<Arc<dyn bigcommerce_api::pacing::RateBudgets>> {
        match &self.0.db {
            Db::Postgres(pool) => Some(Arc::new(budget::PgBudgets::new(pool.clone()))),
            Db::Sqlite(_) => None,
        }
    }

    /// Whether the database answers.
    pub async fn healthy(&self) -> bool {
        self.0.db.healthy().await
    }

    /// Wakes event streams after a commit.
    fn notify(&self) {
        self.0.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A receiver that changes whenever this process commits an event.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.0.changed.subscribe()
    }

    fn cancels(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, CancellationToken>> {
        self.0.cancels.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Stores a checked workflow as a new run and queues it (one transaction).
    /// `definition` is the workflow as submitted (JSON text); `plan` is what it parsed to.
    /// Its steps' credentials are looked up in `workspace`.
    pub async fn submit(
        &self,
        definition: &str,
        plan: &syncaut_workflow::Plan,
        workspace: &str,
    ) -> Result<RunSummary, RunsError> {
        let summary = store::insert_run(&self.0.db, definition, plan, workspace, None)
            .await?
            .ok_or_else(|| RunsError::Database("a run without a trigger event was refused as a duplicate".into()))?;
        self.notify();
        Ok(summary)
    }

    /// Stores and queues the run a trigger event starts, with the trigger's output as its
    /// first checkpoint; `None` when the event (by `key`, per workflow) already started one.
    pub(crate) async fn submit_triggered(
        &self,
        saved: &SavedWorkflow,
        plan: &syncaut_workflow::Plan,
        key: &str,
        output: &Value,
    ) -> Result<Option<RunSummary>, RunsError> {
        let trigger = plan.trigger.as_ref().map_or("trigger", |t| t.trigger.id);
        let event = store::TriggerStart {
            workflow: &saved.name,
            key,
            trigger,
            output,
        };
        let summary = store::insert_run(&self.0.db, &saved.definition, plan, &saved.workspace, Some(event)).await?;
        if summary.is_some() {
            self.notify();
        }
        Ok(summary)
    }

    /// One run with its steps, or `None`.
    pub async fn get(&self, id: &str) -> Result<Option<RunView>, RunsError> {
        store::get_run(&self.0.db, id).await
    }

    /// Runs, newest first, optionally of one workflow.
    pub async fn list(&self, workflow: Option<&str>, limit: u32) -> Result<Vec<RunSummary>, RunsError> {
        store::list_runs(&self.0.db, workflow, limit).await
    }

    /// A run's status, or `None` for an unknown run.
    pub async fn status(&self, id: &str) -> Result<Option<RunStatus>, RunsError> {
        store::status(&self.0.db, id).await
    }

    /// The events of a run after `after` (0 for all), at most `limit`.
    pub async fn events(&self, id: &str, after: i64, limit: u32) -> Result<Vec<EventRecord>, RunsError> {
        store::events_after(&self.0.db, id, after, limit).await
    }

    /// Cancels a queued run, or asks a running one to stop.
    pub async fn cancel(&self, id: &str) -> Result<Cancelled, RunsError> {
        let outcome = store::cancel(&self.0.db, id).await?;
        if outcome == Cancelled::Requested
            && let Some(token) = self.cancels().get(id)
        {
            token.cancel();
        }
        self.notify();
        Ok(outcome)
    }
}

/// A run's event, as streamed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum RunEvent {
    /// The run changed state.
    Run {
        /// Its new state.
        status: RunStatus,
        /// Why it failed, for `failed` and `uncertain`.
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<Value>,
    },
    /// A step changed state.
    Step {
        /// 0-based position.
        index: usize,
        /// The step's name.
        name: String,
        /// Its action.
        action: String,
        /// Its new state.
        status: StepStatus,
        /// Its output, when it succeeded.
        #[serde(skip_serializing_if = "Option::is_none")]
        output: Option<Value>,
        /// Its error, when it failed.
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<Value>,
    },
}

impl RunEvent {
    /// The SSE event name: `run` or `step`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Run { .. } => "run",
            Self::Step { .. } => "step",
        }
    }
}

/// Milliseconds since the Unix epoch.
fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

/// A timestamp as RFC 3339 (UTC, milliseconds).
fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
