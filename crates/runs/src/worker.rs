//! The workers: an apalis worker takes run tasks from the queue, and [`Engine::drive`]
//! runs each one's steps with a checkpoint after every step.

use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::{BackendExt, BoxDynError, Data, WorkerBuilder, WorkerBuilderExt};
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;

use crate::db::Db;
use bigcommerce_api::Stats;
use serde_json::{Value, json};
use syncaut_executor::{CredentialStore, Executor, Output, StepOutputs};
use syncaut_workflow::{Plan, Target};
use tokio_util::sync::CancellationToken;

use crate::store::{self, Claim, Fenced, RunJob, StepRef};
use crate::{QUEUE, RunStatus, Runs, RunsError, StepStatus};

/// How the workers of one process run.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Runs executing at once in this process (`SYNCAUT_RUN_CONCURRENCY`, default 32).
    pub concurrency: usize,
    /// How often a worker tells the queue it is alive (`SYNCAUT_QUEUE_HEARTBEAT_SECS`,
    /// default 10). A worker silent for two of these is presumed dead and its runs are
    /// delivered again.
    pub heartbeat: Duration,
    /// How often an idle worker looks for new runs.
    pub poll: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 32,
            heartbeat: Duration::from_secs(10),
            poll: Duration::from_millis(200),
        }
    }
}

/// The setting that bounds how many runs execute at once.
pub const CONCURRENCY_ENV: &str = "SYNCAUT_RUN_CONCURRENCY";
/// The setting for the queue heartbeat, in seconds.
pub const HEARTBEAT_ENV: &str = "SYNCAUT_QUEUE_HEARTBEAT_SECS";

impl WorkerConfig {
    /// The defaults, changed by `SYNCAUT_RUN_CONCURRENCY` (1–1000) and
    /// `SYNCAUT_QUEUE_HEARTBEAT_SECS` (1–300).
    pub fn from_env() -> Result<Self, String> {
        let mut config = Self::default();
        if let Some(n) = setting(CONCURRENCY_ENV, 1, 1000)? {
            config.concurrency = n as usize;
        }
        if let Some(secs) = setting(HEARTBEAT_ENV, 1, 300)? {
            config.heartbeat = Duration::from_secs(secs);
        }
        Ok(config)
    }
}

fn setting(name: &str, min: u64, max: u64) -> Result<Option<u64>, String> {
    let Ok(text) = std::env::var(name) else { return Ok(None) };
    match text.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(format!(
            "{name} is `{text}`; set it to a whole number from {min} to {max}"
        )),
    }
}

/// The credentials of a workspace (a run's steps use those of the workspace it was
/// submitted in).
pub type Workspaces = Arc<dyn Fn(&str) -> Arc<dyn CredentialStore> + Send + Sync>;

/// What runs need to execute: the run store, the executor and the credentials.
#[derive(Clone)]
pub struct Engine {
    runs: Runs,
    executor: Executor,
    credentials: Workspaces,
    /// Cancelled when the process stops: no new step starts.
    stopping: CancellationToken,
    /// How long a claim holds a run without renewal, in ms (three heartbeats).
    lease_ms: Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine over a run store, an executor and the credentials of each workspace.
    pub fn new(runs: Runs, executor: Executor, credentials: Workspaces) -> Self {
        Self {
            runs,
            executor,
            credentials,
            stopping: CancellationToken::new(),
            lease_ms: Arc::new(std::sync::atomic::AtomicU64::new(30_000)),
        }
    }

    /// Runs workers until `shutdown` is cancelled. A worker whose queue backend fails is
    /// replaced by a new one (under a new name, so that the queue can tell them apart).
    pub async fn work(&self, config: WorkerConfig, shutdown: CancellationToken) {
        self.lease_ms.store(
            u64::try_from(config.heartbeat.as_millis().saturating_mul(3)).unwrap_or(u64::MAX),
            std::sync::atomic::Ordering::Relaxed,
        );
        {
            let (shutdown, stopping) = (shutdown.clone(), self.stopping.clone());
            tokio::spawn(async move {
                shutdown.cancelled().await;
                stopping.cancel();
            });
        }
        while !shutdown.is_cancelled() {
            let name = format!("syncaut-{}", ulid::Ulid::generate());
            let stop = shutdown.clone();
            let until = async move {
                stop.cancelled().await;
                Ok::<(), std::io::Error>(())
            };
            // The same worker on either queue backend.
            let ended = match self.runs.db() {
                Db::Sqlite(pool) => {
                    let backend = SqliteStorage::<RunJob>::new(pool)
                        .with_config(
                            apalis_sqlite::Config::default()
                                .queue(QUEUE)
                                .batch_size(config.concurrency.clamp(1, 10))
                                .heartbeat_interval(config.heartbeat)
                                .missed_heartbeats(2),
                        )
                        .poll_with_interval(config.poll);
                    WorkerBuilder::new(name)
                        .backend(backend)
                        .data(self.clone())
                        .concurrency(config.concurrency)
                        .build(handle)
                        .run_until(until)
                        .await
                }
                Db::Postgres(pool) => {
                    let backend = PostgresStorage::<RunJob>::new(pool)
                        .with_config(
                            apalis_postgres::Config::default()
                                .queue(QUEUE)
                                .batch_size(config.concurrency.clamp(1, 10))
                                .heartbeat_interval(config.heartbeat)
                                .missed_heartbeats(2),
                        )
                        .poll_with_interval(config.poll);
                    WorkerBuilder::new(name)
                        .backend(backend)
                        .data(self.clone())
                        .concurrency(config.concurrency)
                        .build(handle)
                        .run_until(until)
                        .await
                }
            };
            if let Err(e) = ended
                && !shutdown.is_cancelled()
            {
                eprintln!("syncaut: the run worker stopped ({e}); starting another in a second");
                tokio::select! {
                    () = shutdown.cancelled() => {}
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        }
    }

    /// Runs a run's remaining steps: claims it, resumes after its last checkpoint, and
    /// records each step before the next one starts. A run that is over, or that another
    /// claim took, is left alone.
    pub async fn drive(&self, id: &str) -> Result<(), RunsError> {
        // A run this process is driving already (its worker was replaced, and the queue
        // delivered the run again) is left to that drive.
        let token = CancellationToken::new();
        {
            let mut cancels = self.runs.cancels();
            if cancels.contains_key(id) {
                return Ok(());
            }
            cancels.insert(id.to_owned(), token.clone());
        }
        let result = self.drive_leased(id, &token).await;
        self.runs.cancels().remove(id);
        self.runs.notify();
        result
    }

    /// Claims the run and drives it; while another live worker holds it (its lease runs),
    /// waits; when this worker loses it, waits for the run to end or for the new holder's
    /// lease to run out. So a delivery is only acknowledged once the run is over.
    async fn drive_leased(&self, id: &str, token: &CancellationToken) -> Result<(), RunsError> {
        let lease = self.lease();
        let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
        loop {
            match store::claim(self.runs.db(), id, lease_ms).await? {
                store::Claimed::Over => return Ok(()),
                store::Claimed::Claim(claim) => {
                    self.runs.notify();
                    let epoch = claim.epoch;
                    // The lease is renewed while the run is driven (a step may take long).
                    let renewing = {
                        let (db, id, stop) = (self.runs.db().clone(), id.to_owned(), CancellationToken::new());
                        let guard = stop.clone();
                        tokio::spawn(async move {
                            loop {
                                tokio::select! {
                                    () = stop.cancelled() => return,
                                    () = tokio::time::sleep(lease / 3) => {}
                                }
                                if !matches!(store::renew_lease(&db, &id, epoch, lease_ms).await, Ok(true)) {
                                    return;
                                }
                            }
                        });
                        guard
                    };
                    let driven = self.drive_claimed(id, claim, token).await;
                    renewing.cancel();
                    match driven {
                        Err(RunsError::Lost) => {}
                        other => return other,
                    }
                }
                store::Claimed::Held => {}
            }
            tokio::select! {
                () = self.stopping.cancelled() => return Err(RunsError::Stopping),
                () = tokio::time::sleep(lease / 3) => {}
            }
        }
    }

    /// How long a claim holds a run without being renewed: three heartbeats.
    fn lease(&self) -> Duration {
        Duration::from_millis(self.lease_ms.load(std::sync::atomic::Ordering::Relaxed))
    }

    async fn drive_claimed(&self, id: &str, claim: Claim, token: &CancellationToken) -> Result<(), RunsError> {
        let pool = self.runs.db();
        let fence = Fenced {
            db: pool,
            run: id,
            epoch: claim.epoch,
        };
        // A run of a workflow with a trigger has the trigger's output as its first row.
        let parsed = Plan::parse(&claim.definition);
        let offset = usize::from(parsed.as_ref().is_ok_and(|plan| plan.trigger.is_some()));
        let plan = match parsed {
            Ok(plan) if plan.steps.len() + offset == claim.steps.len() => plan,
            Ok(_) | Err(_) => {
                let error = json!({
                    "code": "invalid_workflow",
                    "message": "the stored workflow no longer matches its steps (written by another version of syncaut?); submit it again",
                });
                if !fence.finish(RunStatus::Failed, Some(&error)).await? {
                    return Err(RunsError::Lost);
                }
                return Ok(());
            }
        };
        let credentials = (self.credentials)(&claim.workspace);
        let claim_created = claim.created_at;
        let mut outputs = StepOutputs::new();
        let mut start = 0;
        for row in claim.steps.iter().take_while(|row| row.status == StepStatus::Succeeded) {
            outputs.insert(
                row.name.clone(),
                Output::from_value(row.output.clone().unwrap_or(Value::Null)),
            );
            start += 1;
        }
        if let Some(row) = claim.steps.get(start)
            && row.status == StepStatus::Running
            && row.writes
        {
            let planned = &plan.steps[start - offset];
            let step = StepRef {
                index: start,
                name: planned.name.as_str(),
                action: planned.action_id(),
            };
            let error = json!({
                "code": "uncertain_write",
                "message": format!(
                    "The worker running step `{}` ({}) stopped while its write was being sent; it may or may not have reached BigCommerce, so it is not sent again. Check the store before running the workflow again.",
                    step.name, step.action
                ),
            });
            let mut run_error = error.clone();
            run_error["step"] = Value::from(step.name);
            if !fence
                .step(
                    &step,
                    StepStatus::Uncertain,
                    None,
                    Some(&error),
                    Some((RunStatus::Uncertain, Some(&run_error))),
                )
                .await?
            {
                return Err(RunsError::Lost);
            }
            return Ok(());
        }
        // Only now: a write that was in flight is reported uncertain even when the run was
        // cancelled meanwhile.
        if claim.cancel_requested {
            if !fence.finish(RunStatus::Cancelled, None).await? {
                return Err(RunsError::Lost);
            }
            return Ok(());
        }
        for (index, planned) in plan.steps.iter().enumerate().skip(start - offset) {
            let plan_index = index;
            let index = index + offset;
            if self.stopping.is_cancelled() {
                // The process stops: the run stays `running` and resumes from this
                // checkpoint on the next start (the task is not acknowledged).
                return Err(RunsError::Stopping);
            }
            if token.is_cancelled() || store::cancel_requested(pool, id).await? {
                if !fence.finish(RunStatus::Cancelled, None).await? {
                    return Err(RunsError::Lost);
                }
                return Ok(());
            }
            let action = planned.params.action();
            let step = StepRef {
                index,
                name: planned.name.as_str(),
                action: action.id,
            };
            if !fence.step(&step, StepStatus::Running, None, None, None).await? {
                return Err(RunsError::Lost);
            }
            self.runs.notify();
            // Under a busy quota, older runs' requests go first.
            let stats = Stats::with_priority(u64::try_from(claim_created).unwrap_or(0));
            let execution = async {
                let step = plan.step(plan_index, &Target::AsWritten)?;
                self.executor
                    .execute(&step, &outputs, credentials.as_ref(), &stats)
                    .await
            };
            // A read in flight is abandoned on cancel; a write is let finish, so that what
            // it did is recorded.
            let result = if action.method == syncaut_actions::Method::Get {
                tokio::select! {
                    result = execution => Some(result),
                    () = cancelled(&self.runs, id, token) => None,
                    // A read in flight when the process stops is sent again on resume.
                    () = self.stopping.cancelled() => return Err(RunsError::Stopping),
                }
            } else {
                Some(execution.await)
            };
            let recorded = match result {
                None => {
                    if !fence
                        .step(
                            &step,
                            StepStatus::Cancelled,
                            None,
                            None,
                            Some((RunStatus::Cancelled, None)),
                        )
                        .await?
                    {
                        return Err(RunsError::Lost);
                    }
                    return Ok(());
                }
                Some(Ok(output)) => {
                    let value = output.to_value();
                    let recorded = fence
                        .step(&step, StepStatus::Succeeded, Some(&value), None, None)
                        .await?;
                    outputs.insert(planned.name.to_string(), output);
                    recorded
                }
                Some(Err(error)) => {
                    let (step_status, run_status) = if error.code() == "uncertain_write" {
                        (StepStatus::Uncertain, RunStatus::Uncertain)
                    } else {
                        (StepStatus::Failed, RunStatus::Failed)
                    };
                    let error = error.to_json();
                    let mut run_error = error.clone();
                    run_error["step"] = Value::from(step.name);
                    if !fence
                        .step(
                            &step,
                            step_status,
                            None,
                            Some(&error),
                            Some((run_status, Some(&run_error))),
                        )
                        .await?
                    {
                        return Err(RunsError::Lost);
                    }
                    return Ok(());
                }
            };
            if !recorded {
                return Err(RunsError::Lost);
            }
            self.runs.notify();
        }
        if !fence.finish(RunStatus::Succeeded, None).await? {
            return Err(RunsError::Lost);
        }
        Ok(())
    }
}

/// Resolves when the run is cancelled: at once from this process, within a second from
/// another.
async fn cancelled(runs: &Runs, id: &str, token: &CancellationToken) {
    loop {
        tokio::select! {
            () = token.cancelled() => return,
            () = tokio::time::sleep(Duration::from_secs(1)) => {
                if store::cancel_requested(runs.db(), id).await.unwrap_or(false) {
                    return;
                }
            }
        }
    }
}

/// The apalis handler: runs the run on its own task (so that runs use every core) and
/// reports only the worker's own failures (a step failing is a finished run).
async fn handle(job: RunJob, engine: Data<Engine>) -> Result<(), BoxDynError> {
    let engine: Engine = (*engine).clone();
    let run = job.run;
    tokio::spawn(async move { engine.drive(&run).await })
        .await
        .map_err(|e| Box::new(e) as BoxDynError)?
        .map_err(|e| Box::new(e) as BoxDynError)
}
