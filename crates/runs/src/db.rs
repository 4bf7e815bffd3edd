//! The database the runs, the queue and the trigger state live in: an embedded SQLite file
//! (the default, nothing to install) or PostgreSQL (`postgres://…`), which any number of
//! servers and workers share.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, PgPool, SqlitePool};

use crate::RunsError;

/// A pool on one of the two databases. Cheap to clone.
#[derive(Clone, Debug)]
pub enum Db {
    /// The embedded SQLite file.
    Sqlite(SqlitePool),
    /// A PostgreSQL server shared by every process.
    Postgres(PgPool),
}

impl Db {
    /// Opens (creating if needed) a SQLite run database. The file is created readable by
    /// the owner only: it holds step outputs, which are the store's data.
    pub async fn open_sqlite(path: &Path) -> Result<Self, RunsError> {
        create_private_file(path)?;
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // A checkpoint is on disk when the next step starts.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .disable_statement_logging();
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Self::Sqlite(pool))
    }

    /// Connects to PostgreSQL (`postgres://user:password@host/db`), with at most
    /// `connections` connections from this process.
    pub async fn connect_postgres(url: &str, connections: u32) -> Result<Self, RunsError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| {
                RunsError::Database(format!(
                    "the database URL is not valid: {}",
                    redact_url_error(&e.to_string())
                ))
            })?
            .application_name("syncaut")
            .disable_statement_logging();
        let pool = PgPoolOptions::new()
            .max_connections(connections.max(2))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(|e| {
                RunsError::Database(format!(
                    "cannot connect to PostgreSQL: {}",
                    redact_url_error(&e.to_string())
                ))
            })?;
        Ok(Self::Postgres(pool))
    }

    /// The queue's own migrations, then ours. Safe when several processes start at once:
    /// sqlx's migrator and our table creation each hold an advisory lock.
    pub(crate) async fn migrate(&self) -> Result<(), RunsError> {
        match self {
            // Not `SqliteStorage::setup`, which would turn off `synchronous` for the whole
            // database.
            Self::Sqlite(pool) => apalis_sqlite::SqliteStorage::migrations()
                .run(pool)
                .await
                .map_err(|e| RunsError::Database(format!("cannot prepare the queue tables: {e}")))?,
            Self::Postgres(pool) => apalis_postgres::PostgresStorage::migrations()
                .run(pool)
                .await
                .map_err(|e| RunsError::Database(format!("cannot prepare the queue tables: {e}")))?,
        }
        crate::store::create_tables(self).await
    }

    /// Whether the database answers.
    pub async fn healthy(&self) -> bool {
        match self {
            Self::Sqlite(pool) => sqlx::query("SELECT 1").execute(pool).await.is_ok(),
            Self::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await.is_ok(),
        }
    }

    /// `sqlite` or `postgres`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

/// A connection error may quote the URL, password included; only what follows `@` stays.
fn redact_url_error(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        out.push_str(&rest[..at + 3]);
        rest = &rest[at + 3..];
        if let Some(end) = rest.find('@').filter(|end| !rest[..*end].contains(char::is_whitespace)) {
            out.push_str("…@");
            rest = &rest[end + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// Creates the database file with mode 0600 before SQLite opens it (SQLite gives its
/// journal files the same permissions).
fn create_private_file(path: &Path) -> Result<(), RunsError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map(drop)
        .map_err(|e| RunsError::Database(format!("cannot create the run database {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_password_in_an_error_is_cut() {
        assert_eq!(
            super::redact_url_error("error connecting to postgres://syncaut:s3cret@db:5432/runs: refused"),
            "error connecting to postgres://…@db:5432/runs: refused"
        );
    }
}
