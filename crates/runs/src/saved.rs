//! Saved workflows and what their triggers remember, beside the runs in the same
//! database: `workflows` (the definition, the trigger's receiver id, the hash of its webhook
//! secret, BigCommerce's subscription id and the poll cursor), `hook_inbox` (webhook
//! deliveries stored before they are answered), `trigger_events` (one row per event, unique
//! per workflow, so that a webhook retry, a duplicate delivery and the safety-net poll start
//! one run between them) and `trigger_state` (the last value seen per record, for "changed"
//! conditions).

use serde::Serialize;
use serde_json::Value;

use crate::RunsError;
use crate::db::Db;

pub(crate) const TABLES: [&str; 4] = [
    "CREATE TABLE IF NOT EXISTS workflows (
         name TEXT PRIMARY KEY,
         workspace TEXT NOT NULL,
         definition TEXT NOT NULL,
         trigger_id TEXT UNIQUE,
         secret_sha256 TEXT,
         hook_id BIGINT,
         cursor TEXT,
         created_at BIGINT NOT NULL,
         updated_at BIGINT NOT NULL
     )",
    "CREATE TABLE IF NOT EXISTS hook_inbox (
         workflow TEXT NOT NULL,
         hash TEXT NOT NULL,
         payload TEXT NOT NULL,
         received_at BIGINT NOT NULL,
         done BIGINT NOT NULL DEFAULT 0,
         attempts BIGINT NOT NULL DEFAULT 0,
         next_try BIGINT NOT NULL DEFAULT 0,
         PRIMARY KEY (workflow, hash)
     )",
    "CREATE TABLE IF NOT EXISTS trigger_events (
         workflow TEXT NOT NULL,
         key TEXT NOT NULL,
         run_id TEXT,
         created_at BIGINT NOT NULL,
         PRIMARY KEY (workflow, key)
     )",
    "CREATE TABLE IF NOT EXISTS trigger_state (
         workflow TEXT NOT NULL,
         record_id BIGINT NOT NULL,
         value TEXT NOT NULL,
         PRIMARY KEY (workflow, record_id)
     )",
];

/// A saved workflow.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SavedWorkflow {
    /// Its name (the workflow file's `name`).
    pub name: String,
    /// The workspace whose credentials it uses.
    pub workspace: String,
    /// The workflow file as saved.
    #[serde(skip)]
    pub definition: String,
    /// The path segment of its webhook receiver (`/v1/hooks/{trigger_id}`), when it has a
    /// trigger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_id: Option<String>,
    /// BigCommerce's webhook subscription, in webhook mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook_id: Option<i64>,
    /// When it was saved.
    pub created_at: String,
    #[serde(skip)]
    pub(crate) secret_sha256: Option<String>,
    #[serde(skip)]
    pub(crate) cursor: Option<Value>,
}

/// The most tries of one delivery (the waits double from 1 s to 10 min: about two hours).
pub(crate) const INBOX_ATTEMPTS: i64 = 20;

/// How long handled webhook deliveries and event keys are kept. BigCommerce stops retrying
/// a delivery after 48 hours, and polls only move forward, so older ones cannot come back.
pub(crate) const KEEP_MS: i64 = 7 * 24 * 3600 * 1000;

/// The queries, written once for both databases (see `store.rs`).
macro_rules! saved_queries {
    ($Row:ty, $Pool:ty) => {
        fn saved(row: &$Row) -> Result<SavedWorkflow, RunsError> {
            let cursor: Option<String> = row.try_get("cursor")?;
            Ok(SavedWorkflow {
                name: row.try_get("name")?,
                workspace: row.try_get("workspace")?,
                definition: row.try_get("definition")?,
                trigger_id: row.try_get("trigger_id")?,
                hook_id: row.try_get("hook_id")?,
                created_at: rfc3339(row.try_get("created_at")?),
                secret_sha256: row.try_get("secret_sha256")?,
                cursor: cursor.and_then(|c| serde_json::from_str(&c).ok()),
            })
        }

        /// Saves a workflow (refusing a name that is taken).
        pub(crate) async fn insert(pool: &$Pool, workflow: &SavedWorkflow) -> Result<bool, RunsError> {
            let at = now_ms();
            let inserted = sqlx::query(
                "INSERT INTO workflows (name, workspace, definition, trigger_id, secret_sha256, hook_id, cursor, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (name) DO NOTHING",
            )
            .bind(&workflow.name)
            .bind(&workflow.workspace)
            .bind(&workflow.definition)
            .bind(&workflow.trigger_id)
            .bind(&workflow.secret_sha256)
            .bind(workflow.hook_id)
            .bind(workflow.cursor.as_ref().map(Value::to_string))
            .bind(at)
            .execute(pool)
            .await?;
            Ok(inserted.rows_affected() == 1)
        }

        pub(crate) async fn list(pool: &$Pool) -> Result<Vec<SavedWorkflow>, RunsError> {
            sqlx::query("SELECT * FROM workflows ORDER BY name")
                .fetch_all(pool)
                .await?
                .iter()
                .map(saved)
                .collect()
        }

        pub(crate) async fn get(pool: &$Pool, name: &str) -> Result<Option<SavedWorkflow>, RunsError> {
            sqlx::query("SELECT * FROM workflows WHERE name = $1")
                .bind(name)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(saved)
                .transpose()
        }

        pub(crate) async fn by_trigger(pool: &$Pool, trigger_id: &str) -> Result<Option<SavedWorkflow>, RunsError> {
            sqlx::query("SELECT * FROM workflows WHERE trigger_id = $1")
                .bind(trigger_id)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(saved)
                .transpose()
        }

        /// Deletes a workflow and what its trigger remembers (its runs stay).
        pub(crate) async fn delete(pool: &$Pool, name: &str) -> Result<bool, RunsError> {
            let mut tx = pool.begin().await?;
            let deleted = sqlx::query("DELETE FROM workflows WHERE name = $1")
                .bind(name)
                .execute(&mut *tx)
                .await?;
            for table in ["hook_inbox", "trigger_events", "trigger_state"] {
                let statement = match table {
                    "hook_inbox" => "DELETE FROM hook_inbox WHERE workflow = $1",
                    "trigger_events" => "DELETE FROM trigger_events WHERE workflow = $1",
                    _ => "DELETE FROM trigger_state WHERE workflow = $1",
                };
                sqlx::query(statement).bind(name).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(deleted.rows_affected() == 1)
        }

        pub(crate) async fn set_hook(
            pool: &$Pool,
            name: &str,
            hook_id: Option<i64>,
            secret_sha256: Option<&str>,
        ) -> Result<(), RunsError> {
            sqlx::query("UPDATE workflows SET hook_id = $2, secret_sha256 = COALESCE($3, secret_sha256), updated_at = $4 WHERE name = $1")
                .bind(name)
                .bind(hook_id)
                .bind(secret_sha256)
                .bind(now_ms())
                .execute(pool)
                .await?;
            Ok(())
        }

        pub(crate) async fn set_cursor(pool: &$Pool, name: &str, cursor: &Value) -> Result<(), RunsError> {
            sqlx::query("UPDATE workflows SET cursor = $2, updated_at = $3 WHERE name = $1")
                .bind(name)
                .bind(cursor.to_string())
                .bind(now_ms())
                .execute(pool)
                .await?;
            Ok(())
        }

        /// Stores a webhook delivery; `false` when the same delivery (by its hash) was stored.
        pub(crate) async fn inbox_insert(
            pool: &$Pool,
            workflow: &str,
            hash: &str,
            payload: &str,
        ) -> Result<bool, RunsError> {
            let inserted = sqlx::query(
                "INSERT INTO hook_inbox (workflow, hash, payload, received_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (workflow, hash) DO NOTHING",
            )
            .bind(workflow)
            .bind(hash)
            .bind(payload)
            .bind(now_ms())
            .execute(pool)
            .await?;
            Ok(inserted.rows_affected() == 1)
        }

        /// Deliveries not yet turned into runs and due for a try, oldest first.
        pub(crate) async fn inbox_pending(pool: &$Pool, limit: u32) -> Result<Vec<(String, String, Value)>, RunsError> {
            let rows = sqlx::query(
                "SELECT workflow, hash, payload FROM hook_inbox WHERE done = 0 AND next_try <= $2
                 ORDER BY received_at, hash LIMIT $1",
            )
            .bind(i64::from(limit))
            .bind(now_ms())
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|row| {
                    let payload: String = row.try_get("payload")?;
                    Ok((
                        row.try_get("workflow")?,
                        row.try_get("hash")?,
                        serde_json::from_str(&payload).unwrap_or(Value::Null),
                    ))
                })
                .collect()
        }


        /// A delivery that could not become a run yet: tried again later, with a doubling wait;
        /// `true` when it has had its last try.
        pub(crate) async fn inbox_failed(pool: &$Pool, workflow: &str, hash: &str) -> Result<bool, RunsError> {
            let attempts: i64 = sqlx::query_scalar(
                "UPDATE hook_inbox SET attempts = attempts + 1 WHERE workflow = $1 AND hash = $2 RETURNING attempts",
            )
            .bind(workflow)
            .bind(hash)
            .fetch_one(pool)
            .await?;
            let wait_ms = (1_000i64 << attempts.clamp(0, 10)).min(600_000);
            let last = attempts >= INBOX_ATTEMPTS;
            sqlx::query("UPDATE hook_inbox SET next_try = $3, done = $4 WHERE workflow = $1 AND hash = $2")
                .bind(workflow)
                .bind(hash)
                .bind(now_ms() + wait_ms)
                .bind(i64::from(last))
                .execute(pool)
                .await?;
            Ok(last)
        }

        pub(crate) async fn inbox_done(pool: &$Pool, workflow: &str, hash: &str) -> Result<(), RunsError> {
            sqlx::query("UPDATE hook_inbox SET done = 1 WHERE workflow = $1 AND hash = $2")
                .bind(workflow)
                .bind(hash)
                .execute(pool)
                .await?;
            Ok(())
        }

        /// The value last seen for a record.
        pub(crate) async fn state(pool: &$Pool, workflow: &str, record: i64) -> Result<Option<String>, RunsError> {
            Ok(
                sqlx::query_scalar("SELECT value FROM trigger_state WHERE workflow = $1 AND record_id = $2")
                    .bind(workflow)
                    .bind(record)
                    .fetch_optional(pool)
                    .await?,
            )
        }

        pub(crate) async fn set_state(pool: &$Pool, workflow: &str, record: i64, value: &str) -> Result<(), RunsError> {
            sqlx::query(
                "INSERT INTO trigger_state (workflow, record_id, value) VALUES ($1, $2, $3)
                 ON CONFLICT (workflow, record_id) DO UPDATE SET value = excluded.value",
            )
            .bind(workflow)
            .bind(record)
            .bind(value)
            .execute(pool)
            .await?;
            Ok(())
        }


        /// Deletes handled webhook deliveries and event keys older than [`KEEP_MS`].
        pub(crate) async fn prune(pool: &$Pool) -> Result<(), RunsError> {
            let before = now_ms() - KEEP_MS;
            sqlx::query("DELETE FROM hook_inbox WHERE done = 1 AND received_at < $1")
                .bind(before)
                .execute(pool)
                .await?;
            sqlx::query("DELETE FROM trigger_events WHERE created_at < $1")
                .bind(before)
                .execute(pool)
                .await?;
            Ok(())
        }
    };
}

pub(crate) mod on_sqlite {
    use serde_json::Value;
    use sqlx::Row;

    use super::*;
    use crate::{now_ms, rfc3339};

    saved_queries!(sqlx::sqlite::SqliteRow, sqlx::SqlitePool);
}

pub(crate) mod on_postgres {
    use serde_json::Value;
    use sqlx::Row;

    use super::*;
    use crate::{now_ms, rfc3339};

    saved_queries!(sqlx::postgres::PgRow, sqlx::PgPool);
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
    fn insert(workflow: &SavedWorkflow) -> Result<bool, RunsError>;
    fn list() -> Result<Vec<SavedWorkflow>, RunsError>;
    fn get(name: &str) -> Result<Option<SavedWorkflow>, RunsError>;
    fn by_trigger(trigger_id: &str) -> Result<Option<SavedWorkflow>, RunsError>;
    fn delete(name: &str) -> Result<bool, RunsError>;
    fn set_hook(name: &str, hook_id: Option<i64>, secret_sha256: Option<&str>) -> Result<(), RunsError>;
    fn set_cursor(name: &str, cursor: &Value) -> Result<(), RunsError>;
    fn inbox_insert(workflow: &str, hash: &str, payload: &str) -> Result<bool, RunsError>;
    fn inbox_pending(limit: u32) -> Result<Vec<(String, String, Value)>, RunsError>;
    fn inbox_failed(workflow: &str, hash: &str) -> Result<bool, RunsError>;
    fn inbox_done(workflow: &str, hash: &str) -> Result<(), RunsError>;
    fn state(workflow: &str, record: i64) -> Result<Option<String>, RunsError>;
    fn set_state(workflow: &str, record: i64, value: &str) -> Result<(), RunsError>;
    fn prune() -> Result<(), RunsError>;
}
