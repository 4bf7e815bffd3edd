//! The run records: `runs`, `run_steps` (each step's status and its output, the
//! checkpoint) and `run_events` (what the event stream replays), beside the queue's own
//! tables in the same database.
//!
//! Every write of a worker is fenced: its transaction first touches the run's row only if
//! the run is still `running` at the epoch the worker claimed. A later claim raises the
//! epoch, so a worker that lost its run changes nothing.

use serde::Serialize;
use serde_json::Value;

use crate::db::Db;
use crate::{Cancelled, RunEvent, RunStatus, RunsError, StepStatus};

const TABLES: [&str; 7] = [
    "CREATE TABLE IF NOT EXISTS runs (
         id TEXT PRIMARY KEY,
         workflow_name TEXT,
         workspace TEXT NOT NULL,
         definition TEXT NOT NULL,
         status TEXT NOT NULL,
         epoch BIGINT NOT NULL DEFAULT 0,
         cancel_requested BIGINT NOT NULL DEFAULT 0,
         error TEXT,
         created_at BIGINT NOT NULL,
         started_at BIGINT,
         finished_at BIGINT
     )",
    "CREATE INDEX IF NOT EXISTS runs_by_workflow ON runs (workflow_name, created_at)",
    "CREATE TABLE IF NOT EXISTS run_steps (
         run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
         idx BIGINT NOT NULL,
         name TEXT NOT NULL,
         action TEXT NOT NULL,
         writes BIGINT NOT NULL,
         status TEXT NOT NULL,
         output TEXT,
         error TEXT,
         started_at BIGINT,
         finished_at BIGINT,
         PRIMARY KEY (run_id, idx)
     )",
    "CREATE TABLE IF NOT EXISTS run_events (
         run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
         seq BIGINT NOT NULL,
         kind TEXT NOT NULL,
         data TEXT NOT NULL,
         at BIGINT NOT NULL,
         PRIMARY KEY (run_id, seq)
     )",
    "CREATE INDEX IF NOT EXISTS runs_by_created ON runs (created_at)",
    // The lease of the worker driving a run: another worker takes the run only once the
    // lease has run out (the holder died), never from a live holder.
    "CREATE TABLE IF NOT EXISTS run_leases (
         run_id TEXT PRIMARY KEY,
         lease_until BIGINT NOT NULL
     )",
    // Each store's rate budget, shared by every process on a PostgreSQL database
    // (`budget.rs`; a SQLite database serves one process, which paces in memory).
    "CREATE TABLE IF NOT EXISTS rate_budgets (
         store TEXT PRIMARY KEY,
         left_in_window BIGINT,
         reset_at BIGINT,
         quota BIGINT,
         window_ms BIGINT,
         unmetered BIGINT NOT NULL DEFAULT 0,
         probing_until BIGINT NOT NULL DEFAULT 0
     )",
];

/// The version of our tables. Each schema change adds its step to `create_tables` and
/// raises it; a process refuses a database a newer version wrote.
pub(crate) const SCHEMA_VERSION: i64 = 1;

/// The task a run is delivered by.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RunJob {
    /// The run's id.
    pub run: String,
}

/// A run in a list.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    /// The run's id.
    pub id: String,
    /// The workflow's `name`, when it has one.
    pub workflow: Option<String>,
    /// Its state.
    pub status: RunStatus,
    /// When it was submitted (RFC 3339).
    pub created_at: String,
    /// When it finished, if it has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
}

/// One step of a run.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepView {
    /// The step's name.
    pub name: String,
    /// Its action.
    pub action: String,
    /// Its state.
    pub status: StepStatus,
    /// Its output envelope, once it succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    /// `{"code", "message"}`, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    /// When it started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// When it ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
}

/// A run with its steps.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunView {
    /// The run's id.
    pub id: String,
    /// The workflow's `name`, when it has one.
    pub workflow: Option<String>,
    /// The workspace whose credentials its steps use.
    pub workspace: String,
    /// Its state.
    pub status: RunStatus,
    /// `{"code", "message", "step"}`, when it failed or is uncertain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    /// Whether a cancel was asked for while it ran.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cancel_requested: bool,
    /// When it was submitted.
    pub created_at: String,
    /// When a worker first started it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// When it finished.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// Its steps, in order.
    pub steps: Vec<StepView>,
}

/// One stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// Its position in the run's stream, from 1.
    pub seq: i64,
    /// `run` or `step`.
    pub kind: String,
    /// The event as JSON text.
    pub data: String,
}

/// One step as a worker resumes it.
#[derive(Debug, Clone)]
pub(crate) struct StepRow {
    pub(crate) name: String,
    pub(crate) writes: bool,
    pub(crate) status: StepStatus,
    pub(crate) output: Option<Value>,
}

/// What a claim found.
#[derive(Debug)]
pub(crate) enum Claimed {
    /// The run is this worker's now.
    Claim(Claim),
    /// Another worker holds it, and its lease has not run out.
    Held,
    /// The run is over, or unknown.
    Over,
}

/// A run a worker claimed.
#[derive(Debug)]
pub(crate) struct Claim {
    pub(crate) epoch: i64,
    pub(crate) created_at: i64,
    pub(crate) workspace: String,
    pub(crate) definition: String,
    pub(crate) cancel_requested: bool,
    pub(crate) steps: Vec<StepRow>,
}

/// A step's identity in its events.
pub(crate) struct StepRef<'a> {
    pub(crate) index: usize,
    pub(crate) name: &'a str,
    pub(crate) action: &'a str,
}

impl StepRef<'_> {
    fn event(&self, status: StepStatus, output: Option<Value>, error: Option<Value>) -> RunEvent {
        RunEvent::Step {
            index: self.index,
            name: self.name.to_owned(),
            action: self.action.to_owned(),
            status,
            output,
            error,
        }
    }
}

/// A run a trigger starts: its event (unique per workflow) and the trigger's output, the
/// run's first checkpoint.
pub(crate) struct TriggerStart<'a> {
    pub(crate) workflow: &'a str,
    pub(crate) key: &'a str,
    pub(crate) trigger: &'a str,
    pub(crate) output: &'a Value,
}

/// The fenced writes of the worker holding a run at one epoch.
pub(crate) struct Fenced<'a> {
    pub(crate) db: &'a Db,
    pub(crate) run: &'a str,
    pub(crate) epoch: i64,
}

impl Fenced<'_> {
    /// Records a step's new state (and, with `run`, the run's end) in one transaction.
    /// `false` when the run was lost to another claim.
    pub(crate) async fn step(
        &self,
        step: &StepRef<'_>,
        status: StepStatus,
        output: Option<&Value>,
        error: Option<&Value>,
        run: Option<(RunStatus, Option<&Value>)>,
    ) -> Result<bool, RunsError> {
        match self.db {
            Db::Sqlite(pool) => {
                on_sqlite::fenced_step(pool, (self.run, self.epoch), step, status, output, error, run).await
            }
            Db::Postgres(pool) => {
                on_postgres::fenced_step(pool, (self.run, self.epoch), step, status, output, error, run).await
            }
        }
    }

    /// Ends the run. `false` when the run was lost to another claim.
    pub(crate) async fn finish(&self, status: RunStatus, error: Option<&Value>) -> Result<bool, RunsError> {
        match self.db {
            Db::Sqlite(pool) => on_sqlite::fenced_finish(pool, self.run, self.epoch, status, error).await,
            Db::Postgres(pool) => on_postgres::fenced_finish(pool, self.run, self.epoch, status, error).await,
        }
    }
}

/// The queries, written once for both databases: `$N` placeholders (SQLite takes them
/// too), `BIGINT` columns, no dialect-specific functions. Each backend gets its own
/// monomorphic copy.
macro_rules! store_queries {
    ($kind:ident, $DB:ty, $Row:ty, $Pool:ty) => {
        pub(crate) async fn create_tables(pool: &$Pool) -> Result<(), RunsError> {
            let mut tx = pool.begin().await?;
            migration_lock!($kind, tx);
            for statement in TABLES.into_iter().chain(crate::saved::TABLES) {
                sqlx::query(statement).execute(&mut *tx).await?;
            }
            sqlx::query(
                "CREATE TABLE IF NOT EXISTS syncaut_schema (id BIGINT PRIMARY KEY, version BIGINT NOT NULL)",
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO syncaut_schema (id, version) VALUES (1, $1) ON CONFLICT (id) DO NOTHING")
                .bind(SCHEMA_VERSION)
                .execute(&mut *tx)
                .await?;
            let version: i64 = sqlx::query_scalar("SELECT version FROM syncaut_schema WHERE id = 1")
                .fetch_one(&mut *tx)
                .await?;
            if version > SCHEMA_VERSION {
                return Err(RunsError::Database(format!(
                    "the run database is at schema version {version}, written by a newer syncaut than this one (version {SCHEMA_VERSION}); upgrade this process"
                )));
            }
            // A later version applies its steps here for `version < SCHEMA_VERSION` and
            // then records the new version, all inside this locked transaction.
            tx.commit().await?;
            Ok(())
        }

        fn json_column(row: &$Row, column: &str) -> Result<Option<Value>, RunsError> {
            let text: Option<String> = row.try_get(column)?;
            text.map(|t| serde_json::from_str(&t).map_err(|e| RunsError::Database(format!("stored {column} is not JSON: {e}"))))
                .transpose()
        }

        fn time_column(row: &$Row, column: &str) -> Result<Option<String>, RunsError> {
            Ok(row.try_get::<Option<i64>, _>(column)?.map(rfc3339))
        }

        fn summary(row: &$Row) -> Result<RunSummary, RunsError> {
            Ok(RunSummary {
                id: row.try_get("id")?,
                workflow: row.try_get("workflow_name")?,
                status: row.try_get::<String, _>("status")?.parse()?,
                created_at: rfc3339(row.try_get("created_at")?),
                finished_at: time_column(row, "finished_at")?,
            })
        }

        /// Appends an event to a run's stream inside a transaction.
        async fn append_event(tx: &mut Transaction<'_, $DB>, run: &str, event: &RunEvent) -> Result<(), RunsError> {
            let data = serde_json::to_string(event).map_err(|e| RunsError::Database(e.to_string()))?;
            sqlx::query(
                "INSERT INTO run_events (run_id, seq, kind, data, at)
                 VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM run_events WHERE run_id = $1), $2, $3, $4)",
            )
            .bind(run)
            .bind(event.kind())
            .bind(data)
            .bind(now_ms())
            .execute(&mut **tx)
            .await?;
            Ok(())
        }


        /// Stores a run and queues it, in one transaction. With a trigger event, nothing is stored
        /// when the event already started a run (`None`).
        pub(crate) async fn insert_run(
            pool: &$Pool,
            definition: &str,
            plan: &syncaut_workflow::Plan,
            workspace: &str,
            event: Option<TriggerStart<'_>>,
        ) -> Result<Option<RunSummary>, RunsError> {
            let id = ulid::Ulid::generate().to_string();
            let created = now_ms();
            let mut tx = pool.begin().await?;
            let mut first = 0;
            if let Some(event) = &event {
                let fresh = sqlx::query(
                    "INSERT INTO trigger_events (workflow, key, run_id, created_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (workflow, key) DO NOTHING",
                )
                .bind(event.workflow)
                .bind(event.key)
                .bind(&id)
                .bind(created)
                .execute(&mut *tx)
                .await?;
                if fresh.rows_affected() == 0 {
                    return Ok(None);
                }
                first = 1;
            }
            sqlx::query(
                "INSERT INTO runs (id, workflow_name, workspace, definition, status, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&id)
            .bind(&plan.name)
            .bind(workspace)
            .bind(definition)
            .bind(RunStatus::Queued.as_str())
            .bind(created)
            .execute(&mut *tx)
            .await?;
            if let Some(event) = &event {
                sqlx::query(
                    "INSERT INTO run_steps (run_id, idx, name, action, writes, status, output, started_at, finished_at)
                     VALUES ($1, 0, $2, $3, 0, $4, $5, $6, $6)",
                )
                .bind(&id)
                .bind(syncaut_actions::triggers::TRIGGER_STEP)
                .bind(event.trigger)
                .bind(StepStatus::Succeeded.as_str())
                .bind(event.output.to_string())
                .bind(created)
                .execute(&mut *tx)
                .await?;
            }
            for (index, step) in plan.steps.iter().enumerate() {
                let action = step.params.action();
                sqlx::query(
                    "INSERT INTO run_steps (run_id, idx, name, action, writes, status) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&id)
                .bind((first + index) as i64)
                .bind(step.name.as_str())
                .bind(action.id)
                .bind(i64::from(action.method != syncaut_actions::Method::Get))
                .bind(StepStatus::Pending.as_str())
                .execute(&mut *tx)
                .await?;
            }
            append_event(
                &mut tx,
                &id,
                &RunEvent::Run {
                    status: RunStatus::Queued,
                    error: None,
                },
            )
            .await?;
            if let Some(event) = &event {
                append_event(
                    &mut tx,
                    &id,
                    &RunEvent::Step {
                        index: 0,
                        name: syncaut_actions::triggers::TRIGGER_STEP.to_owned(),
                        action: event.trigger.to_owned(),
                        status: StepStatus::Succeeded,
                        output: Some(event.output.clone()),
                        error: None,
                    },
                )
                .await?;
            }
            let job = serde_json::to_vec(&RunJob { run: id.clone() }).map_err(|e| RunsError::Database(e.to_string()))?;
            let task = TaskBuilder::new(job)
                .max_attempts(MAX_ATTEMPTS)
                .idempotency_key(&id)
                .build();
            queue_push!($kind, tx, task)
                .map_err(|e| RunsError::Database(format!("cannot queue the run: {e}")))?;
            tx.commit().await?;
            Ok(Some(RunSummary {
                id,
                workflow: plan.name.clone(),
                status: RunStatus::Queued,
                created_at: rfc3339(created),
                finished_at: None,
            }))
        }

        pub(crate) async fn get_run(pool: &$Pool, id: &str) -> Result<Option<crate::RunView>, RunsError> {
            let Some(row) = sqlx::query("SELECT * FROM runs WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
            else {
                return Ok(None);
            };
            let steps = sqlx::query("SELECT * FROM run_steps WHERE run_id = $1 ORDER BY idx")
                .bind(id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|step| {
                    Ok(StepView {
                        name: step.try_get("name")?,
                        action: step.try_get("action")?,
                        status: step.try_get::<String, _>("status")?.parse()?,
                        output: json_column(step, "output")?,
                        error: json_column(step, "error")?,
                        started_at: time_column(step, "started_at")?,
                        finished_at: time_column(step, "finished_at")?,
                    })
                })
                .collect::<Result<Vec<_>, RunsError>>()?;
            Ok(Some(RunView {
                id: row.try_get("id")?,
                workflow: row.try_get("workflow_name")?,
                workspace: row.try_get("workspace")?,
                status: row.try_get::<String, _>("status")?.parse()?,
                error: json_column(&row, "error")?,
                cancel_requested: row.try_get::<i64, _>("cancel_requested")? != 0,
                created_at: rfc3339(row.try_get("created_at")?),
                started_at: time_column(&row, "started_at")?,
                finished_at: time_column(&row, "finished_at")?,
                steps,
            }))
        }

        pub(crate) async fn list_runs(
            pool: &$Pool,
            workflow: Option<&str>,
            limit: u32,
        ) -> Result<Vec<RunSummary>, RunsError> {
            let rows = sqlx::query(
                "SELECT id, workflow_name, status, created_at, finished_at FROM runs
                 WHERE CAST($1 AS TEXT) IS NULL OR workflow_name = $1
                 ORDER BY created_at DESC, id DESC LIMIT $2",
            )
            .bind(workflow)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?;
            rows.iter().map(summary).collect()
        }

        pub(crate) async fn events_after(
            pool: &$Pool,
            id: &str,
            after: i64,
            limit: u32,
        ) -> Result<Vec<EventRecord>, RunsError> {
            let rows =
                sqlx::query("SELECT seq, kind, data FROM run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3")
                    .bind(id)
                    .bind(after)
                    .bind(i64::from(limit))
                    .fetch_all(pool)
                    .await?;
            rows.iter()
                .map(|row| {
                    Ok(EventRecord {
                        seq: row.try_get("seq")?,
                        kind: row.try_get("kind")?,
                        data: row.try_get("data")?,
                    })
                })
                .collect()
        }

        pub(crate) async fn cancel(pool: &$Pool, id: &str) -> Result<Cancelled, RunsError> {
            let mut tx = pool.begin().await?;
            let queued = sqlx::query("UPDATE runs SET status = $2, finished_at = $3 WHERE id = $1 AND status = 'queued'")
                .bind(id)
                .bind(RunStatus::Cancelled.as_str())
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
            if queued.rows_affected() == 1 {
                append_event(
                    &mut tx,
                    id,
                    &RunEvent::Run {
                        status: RunStatus::Cancelled,
                        error: None,
                    },
                )
                .await?;
                tx.commit().await?;
                return Ok(Cancelled::Now);
            }
            let running = sqlx::query("UPDATE runs SET cancel_requested = 1 WHERE id = $1 AND status = 'running'")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if running.rows_affected() == 1 {
                tx.commit().await?;
                return Ok(Cancelled::Requested);
            }
            let status: Option<String> = sqlx::query_scalar("SELECT status FROM runs WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            match status {
                None => Err(RunsError::NotFound(id.to_owned())),
                Some(status) => Err(RunsError::Finished {
                    id: id.to_owned(),
                    status: status.parse()?,
                }),
            }
        }

        /// Claims a queued or running run for this delivery (raising its epoch), or `None` when
        /// it is over or unknown.
        pub(crate) async fn claim(pool: &$Pool, id: &str, lease_ms: i64) -> Result<Claimed, RunsError> {
            let mut tx = pool.begin().await?;
            let now = now_ms();
            let Some(row) = sqlx::query(
                "UPDATE runs SET status = 'running', epoch = epoch + 1, started_at = COALESCE(started_at, $2)
                 WHERE id = $1 AND (status = 'queued' OR (status = 'running' AND NOT EXISTS (
                     SELECT 1 FROM run_leases WHERE run_id = $1 AND lease_until >= $2)))
                 RETURNING epoch, created_at, workspace, definition, cancel_requested",
            )
            .bind(id)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?
            else {
                let status: Option<String> = sqlx::query_scalar("SELECT status FROM runs WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                return Ok(if status.as_deref() == Some("running") { Claimed::Held } else { Claimed::Over });
            };
            sqlx::query(
                "INSERT INTO run_leases (run_id, lease_until) VALUES ($1, $2)
                 ON CONFLICT (run_id) DO UPDATE SET lease_until = excluded.lease_until",
            )
            .bind(id)
            .bind(now + lease_ms)
            .execute(&mut *tx)
            .await?;
            let epoch: i64 = row.try_get("epoch")?;
            let steps = sqlx::query("SELECT name, writes, status, output FROM run_steps WHERE run_id = $1 ORDER BY idx")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|step| {
                    Ok(StepRow {
                        name: step.try_get("name")?,
                        writes: step.try_get::<i64, _>("writes")? != 0,
                        status: step.try_get::<String, _>("status")?.parse()?,
                        output: json_column(step, "output")?,
                    })
                })
                .collect::<Result<Vec<_>, RunsError>>()?;
            if epoch == 1 {
                append_event(
                    &mut tx,
                    id,
                    &RunEvent::Run {
                        status: RunStatus::Running,
                        error: None,
                    },
                )
                .await?;
            }
            tx.commit().await?;
            Ok(Claimed::Claim(Claim {
                epoch,
                created_at: row.try_get("created_at")?,
                workspace: row.try_get("workspace")?,
                definition: row.try_get("definition")?,
                cancel_requested: row.try_get::<i64, _>("cancel_requested")? != 0,
                steps,
            }))
        }

        /// Extends the lease of the worker holding the run at `epoch`; `false` when it
        /// lost the run.
        pub(crate) async fn renew_lease(pool: &$Pool, id: &str, epoch: i64, lease_ms: i64) -> Result<bool, RunsError> {
            let renewed = sqlx::query(
                "UPDATE run_leases SET lease_until = $3 WHERE run_id = $1
                 AND EXISTS (SELECT 1 FROM runs WHERE id = $1 AND epoch = $2 AND status = 'running')",
            )
            .bind(id)
            .bind(epoch)
            .bind(now_ms() + lease_ms)
            .execute(pool)
            .await?;
            Ok(renewed.rows_affected() == 1)
        }

        /// Whether a cancel was asked for.
        pub(crate) async fn cancel_requested(pool: &$Pool, id: &str) -> Result<bool, RunsError> {
            let flag: Option<i64> = sqlx::query_scalar("SELECT cancel_requested FROM runs WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?;
            Ok(flag.unwrap_or(0) != 0)
        }

        /// The fenced writes of the worker holding a run at one epoch.
        struct Fenced<'a> {
            pool: &'a $Pool,
            run: &'a str,
            epoch: i64,
        }

        /// Records a step's new state (and, with `run`, the run's end) in one transaction.
        /// `false` when the run was lost to another claim.
        pub(crate) async fn fenced_step(
            pool: &$Pool,
            (run, epoch): (&str, i64),
            step: &StepRef<'_>,
            status: StepStatus,
            output: Option<&Value>,
            error: Option<&Value>,
            end: Option<(RunStatus, Option<&Value>)>,
        ) -> Result<bool, RunsError> {
            Fenced { pool, run, epoch }.step(step, status, output, error, end).await
        }

        /// Ends the run. `false` when the run was lost to another claim.
        pub(crate) async fn fenced_finish(
            pool: &$Pool,
            run: &str,
            epoch: i64,
            status: RunStatus,
            error: Option<&Value>,
        ) -> Result<bool, RunsError> {
            Fenced { pool, run, epoch }.finish(status, error).await
        }

        impl Fenced<'_> {
            /// Begins a transaction that holds the run, or `None` when another claim took it.
            async fn begin(&self) -> Result<Option<Transaction<'_, $DB>>, RunsError> {
                let mut tx = self.pool.begin().await?;
                let held = sqlx::query("UPDATE runs SET epoch = epoch WHERE id = $1 AND epoch = $2 AND status = 'running'")
                    .bind(self.run)
                    .bind(self.epoch)
                    .execute(&mut *tx)
                    .await?;
                Ok((held.rows_affected() == 1).then_some(tx))
            }

            async fn set_step(
                &self,
                tx: &mut Transaction<'_, $DB>,
                step: &StepRef<'_>,
                status: StepStatus,
                output: Option<&Value>,
                error: Option<&Value>,
            ) -> Result<(), RunsError> {
                let at = now_ms();
                let (started, finished) = if status == StepStatus::Running {
                    (Some(at), None)
                } else {
                    (None, Some(at))
                };
                sqlx::query(
                    "UPDATE run_steps SET status = $3, output = $4, error = $5,
                         started_at = COALESCE($6, started_at), finished_at = $7
                     WHERE run_id = $1 AND idx = $2",
                )
                .bind(self.run)
                .bind(step.index as i64)
                .bind(status.as_str())
                .bind(output.map(Value::to_string))
                .bind(error.map(Value::to_string))
                .bind(started)
                .bind(finished)
                .execute(&mut **tx)
                .await?;
                append_event(tx, self.run, &step.event(status, output.cloned(), error.cloned())).await
            }

            async fn set_run(
                &self,
                tx: &mut Transaction<'_, $DB>,
                status: RunStatus,
                error: Option<&Value>,
            ) -> Result<(), RunsError> {
                sqlx::query("UPDATE runs SET status = $2, error = $3, finished_at = $4 WHERE id = $1")
                    .bind(self.run)
                    .bind(status.as_str())
                    .bind(error.map(Value::to_string))
                    .bind(now_ms())
                    .execute(&mut **tx)
                    .await?;
                append_event(
                    tx,
                    self.run,
                    &RunEvent::Run {
                        status,
                        error: error.cloned(),
                    },
                )
                .await
            }

            /// Records a step's new state (and, with `run`, the run's end) in one transaction.
            /// `false` when the run was lost to another claim.
            async fn step(
                &self,
                step: &StepRef<'_>,
                status: StepStatus,
                output: Option<&Value>,
                error: Option<&Value>,
                run: Option<(RunStatus, Option<&Value>)>,
            ) -> Result<bool, RunsError> {
                let Some(mut tx) = self.begin().await? else {
                    return Ok(false);
                };
                self.set_step(&mut tx, step, status, output, error).await?;
                if let Some((status, error)) = run {
                    self.set_run(&mut tx, status, error).await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            /// Ends the run. `false` when the run was lost to another claim.
            async fn finish(&self, status: RunStatus, error: Option<&Value>) -> Result<bool, RunsError> {
                let Some(mut tx) = self.begin().await? else {
                    return Ok(false);
                };
                self.set_run(&mut tx, status, error).await?;
                tx.commit().await?;
                Ok(true)
            }
        }

        /// A run's status, or `None` for an unknown run.
        pub(crate) async fn status(pool: &$Pool, id: &str) -> Result<Option<RunStatus>, RunsError> {
            let status: Option<String> = sqlx::query_scalar("SELECT status FROM runs WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?;
            status.map(|s| s.parse()).transpose()
        }
    };
}

/// Queues a run's task inside the transaction that stores the run.
macro_rules! queue_push {
    (sqlite, $tx:ident, $task:ident) => {
        apalis_sqlite::queries::push_tasks(&mut *$tx, crate::QUEUE, &[$task]).await
    };
    (postgres, $tx:ident, $task:ident) => {
        apalis_postgres::queries::push_tasks(&mut *$tx, crate::QUEUE, vec![$task]).await
    };
}

/// Two processes starting at once create the tables one after the other (PostgreSQL; a
/// SQLite database has one writer anyway).
macro_rules! migration_lock {
    (sqlite, $tx:ident) => {};
    (postgres, $tx:ident) => {
        sqlx::query("SELECT pg_advisory_xact_lock(7306582114391001)")
            .execute(&mut *$tx)
            .await?;
    };
}

pub(crate) mod on_sqlite {
    use apalis::prelude::TaskBuilder;
    use serde_json::Value;
    use sqlx::{Row, Transaction};

    use super::*;
    use crate::{MAX_ATTEMPTS, now_ms, rfc3339};

    store_queries!(sqlite, sqlx::Sqlite, sqlx::sqlite::SqliteRow, sqlx::SqlitePool);
}

pub(crate) mod on_postgres {
    use apalis::prelude::TaskBuilder;
    use serde_json::Value;
    use sqlx::{Row, Transaction};

    use super::*;
    use crate::{MAX_ATTEMPTS, now_ms, rfc3339};

    store_queries!(postgres, sqlx::Postgres, sqlx::postgres::PgRow, sqlx::PgPool);
}

/// Each query of [`on_sqlite`] and [`on_postgres`], on whichever the database is.
macro_rules! dispatch {
    ($(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        $(
            pub(crate) async fn $name(db: &Db, $($arg: $ty),*) -> $ret {
                match db {
                    Db::Sqlite(pool) => on_sqlite::$name(pool, $($arg),*).await,
                    Db::Postgres(pool) => on_postgres::$name(pool, $($arg),*).await,
                }
            }
        )*
    };
}

dispatch! {
    fn create_tables() -> Result<(), RunsError>;
    fn insert_run(definition: &str, plan: &syncaut_workflow::Plan, workspace: &str, event: Option<TriggerStart<'_>>) -> Result<Option<RunSummary>, RunsError>;
    fn get_run(id: &str) -> Result<Option<crate::RunView>, RunsError>;
    fn list_runs(workflow: Option<&str>, limit: u32) -> Result<Vec<RunSummary>, RunsError>;
    fn events_after(id: &str, after: i64, limit: u32) -> Result<Vec<EventRecord>, RunsError>;
    fn cancel(id: &str) -> Result<Cancelled, RunsError>;
    fn claim(id: &str, lease_ms: i64) -> Result<Claimed, RunsError>;
    fn renew_lease(id: &str, epoch: i64, lease_ms: i64) -> Result<bool, RunsError>;
    fn cancel_requested(id: &str) -> Result<bool, RunsError>;
    fn status(id: &str) -> Result<Option<RunStatus>, RunsError>;
}
