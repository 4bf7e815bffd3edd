//! Triggers at work: saved workflows whose trigger polls the store or receives its
//! webhooks, and one run per event.
//!
//! - **Events, however learnt, go one way**: the full record is fetched with the
//!   workflow's credential (a webhook carries only an ID, and a forged call can then cause
//!   no more than a read), the trigger's condition is checked, and the run is stored with
//!   its event key in one transaction, so a webhook retry, a duplicate delivery and the
//!   safety-net poll start one run between them.
//! - **Webhook mode**: saving the workflow subscribes (`POST /v3/hooks`) with a random
//!   secret in a custom header; `/v1/hooks/{trigger}` checks it in constant time, stores the
//!   delivery and answers at once; the inbox is turned into runs here, and survives a
//!   restart. Subscriptions that BigCommerce deactivated, or that disappeared, are found and
//!   restored by a periodic check. The workflow also polls, rarely, as a safety net.
//! - **Polling mode**: a durable cursor per workflow (the newest date seen and the IDs seen
//!   at that second, or the highest ID), advanced only past records that were handled.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bigcommerce_api::{ApiVersion, Call, SecretString, Stats, StoreClient, StoreHash};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use syncaut_actions::Items;
use syncaut_actions::triggers::{Condition, DateFormat, Identity, Since, TRIGGER_STEP, Trigger};
use syncaut_executor::{CredentialError, CredentialSource, ExecError, Executor, NoCredentials, Step, StepOutputs};
use syncaut_workflow::{CredentialRef, Mode, Plan, PlannedTrigger};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::saved::{self, SavedWorkflow};
use crate::worker::Workspaces;
use crate::{Runs, RunsError};

/// The header that carries a subscription's secret.
pub const SECRET_HEADER: &str = "X-Syncaut-Hook-Secret";

/// Records looked at per poll at most; the rest wait for the next poll.
const MAX_RECORDS_PER_POLL: usize = 1_000;

/// How the watcher runs.
#[derive(Debug, Clone)]
pub struct WatchConfig {
    /// Where BigCommerce reaches the service (`SYNCAUT_PUBLIC_URL`): webhook destinations
    /// are `<public>/v1/hooks/<trigger>`.
    pub public_url: Option<String>,
    /// How often a webhook trigger also polls (`SYNCAUT_TRIGGER_SAFETY_POLL_SECS`, 900).
    pub safety_poll: Duration,
    /// How often subscriptions are checked and restored (`SYNCAUT_HOOK_CHECK_SECS`, 600).
    pub hook_check: Duration,
}

impl WatchConfig {
    /// From the environment; `public_url` when it is not set there.
    pub fn from_env(default_public_url: Option<String>) -> Result<Self, String> {
        let seconds = |name: &str, default: u64| -> Result<Duration, String> {
            match std::env::var(name) {
                Err(_) => Ok(Duration::from_secs(default)),
                Ok(text) => text
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=86_400).contains(n))
                    .map(Duration::from_secs)
                    .ok_or_else(|| format!("{name} is `{text}`; set it to a number of seconds from 1 to 86400")),
            }
        };
        let public_url = match std::env::var("SYNCAUT_PUBLIC_URL") {
            Ok(url) if !url.trim().is_empty() => {
                let url = url.trim().trim_end_matches('/').to_owned();
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    return Err(format!(
                        "SYNCAUT_PUBLIC_URL is `{url}`; set it to the https:// address BigCommerce reaches this service at"
                    ));
                }
                Some(url)
            }
            _ => default_public_url,
        };
        Ok(Self {
            public_url,
            safety_poll: seconds("SYNCAUT_TRIGGER_SAFETY_POLL_SECS", 900)?,
            hook_check: seconds("SYNCAUT_HOOK_CHECK_SECS", 600)?,
        })
    }
}

/// Why saving, deleting or receiving failed.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The workflow cannot be saved as it is.
    #[error("{0}")]
    Invalid(String),
    /// A workflow with that name is saved already.
    #[error("a workflow named `{0}` is saved already; DELETE /v1/workflows/{0} first, or choose another name")]
    Exists(String),
    /// No saved workflow has that name.
    #[error("no saved workflow is named `{0}`; GET /v1/workflows lists them")]
    NotFound(String),
    /// Webhook mode needs an address BigCommerce can reach.
    #[error(
        "a webhook trigger needs the address BigCommerce reaches this service at: set SYNCAUT_PUBLIC_URL (https://…), or use `mode: poll`"
    )]
    NoPublicUrl,
    /// BigCommerce refused or failed.
    #[error(transparent)]
    Store(#[from] ExecError),
    /// The database failed.
    #[error(transparent)]
    Runs(#[from] RunsError),
}

impl WatchError {
    /// A stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "invalid_workflow",
            Self::Exists(_) => "workflow_exists",
            Self::NotFound(_) => "workflow_not_found",
            Self::NoPublicUrl => "public_url_missing",
            Self::Store(e) => e.code(),
            Self::Runs(e) => e.code(),
        }
    }
}

/// Why a webhook delivery was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// No trigger has that id.
    UnknownTrigger,
    /// The secret header is missing or wrong.
    BadSecret,
    /// The body is not a BigCommerce webhook payload.
    BadPayload,
    /// The database does not answer (BigCommerce delivers again later).
    Unavailable,
}

/// How an event was learnt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Webhook,
    Poll,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Poll => "poll",
        }
    }
}

/// What became of an event.
#[derive(Debug, PartialEq, Eq)]
enum Handled {
    /// A run was started.
    Started,
    /// It started a run before, or it is not an event of the trigger.
    Nothing,
}

/// The watcher of saved workflows' triggers. Cheap to clone.
#[derive(Clone)]
pub struct Watcher(Arc<Inner>);

struct Inner {
    runs: Runs,
    executor: Executor,
    credentials: Workspaces,
    config: WatchConfig,
    wake: Notify,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher").finish_non_exhaustive()
    }
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Equal in constant time (for equal lengths).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn random_hex(bytes: usize) -> Result<String, WatchError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| WatchError::Invalid(format!("cannot make a random secret: {e}")))?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

/// A date as the poll's parameter wants it.
fn format_date(at: i64, format: DateFormat) -> String {
    let date = chrono::DateTime::from_timestamp(at, 0).unwrap_or_default();
    match format {
        DateFormat::Rfc2822 => date.format("%a, %d %b %Y %H:%M:%S +0000").to_string(),
        DateFormat::Rfc3339 => date.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    }
}

/// A record's date field as Unix seconds.
fn record_time(record: &Value, field: &str) -> Option<i64> {
    let text = record.get(field)?.as_str()?;
    chrono::DateTime::parse_from_rfc3339(text)
        .or_else(|_| chrono::DateTime::parse_from_rfc2822(text))
        .ok()
        .map(|d| d.timestamp())
}

impl Watcher {
    /// A watcher over the run store, with the executor and credentials runs use.
    pub fn new(runs: Runs, executor: Executor, credentials: Workspaces, config: WatchConfig) -> Self {
        Self(Arc::new(Inner {
            runs,
            executor,
            credentials,
            config,
            wake: Notify::new(),
        }))
    }

    /// The saved workflows.
    pub async fn list(&self) -> Result<Vec<SavedWorkflow>, RunsError> {
        saved::list(self.0.runs.db()).await
    }

    /// The store and token a trigger watches with.
    async fn store(&self, workspace: &str, trigger: &PlannedTrigger) -> Result<StoreClient, ExecError> {
        let store_hash = trigger.store_hash.clone().ok_or_else(|| ExecError::InvalidParam {
            key: "storeHash".into(),
            message: "the trigger has no store hash".into(),
        })?;
        let token = self.token(workspace, trigger).await?;
        Ok(self.0.executor.transport().store(store_hash, &token)?)
    }

    async fn token(&self, workspace: &str, trigger: &PlannedTrigger) -> Result<SecretString, ExecError> {
        let Some(CredentialRef::Named(name)) = &trigger.credential else {
            return Err(ExecError::CredentialUnavailable {
                name: TRIGGER_STEP.into(),
                reason: "a saved workflow's trigger uses a saved credential (`credential: NAME`)".into(),
            });
        };
        let credentials = (self.0.credentials)(workspace);
        credentials.token(name).await.map_err(|err| match err {
            CredentialError::NotFound => ExecError::CredentialNotFound(name.clone()),
            CredentialError::Unavailable(reason) => ExecError::CredentialUnavailable {
                name: name.clone(),
                reason,
            },
        })
    }

    /// One request to the store, JSON in and out.
    async fn call(
        &self,
        store: &StoreClient,
        method: reqwest::Method,
        version: ApiVersion,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<(u16, Value), ExecError> {
        let query = (!query.is_empty()).then(|| serde_urlencoded::to_string(query).unwrap_or_default());
        let url = store.url(version, path, query.as_deref());
        let body = body.map(|b| bytes::Bytes::from(b.to_string()));
        let request = store.request(method, url, body);
        let stats = Stats::default();
        let call = Call::new(&stats, self.0.executor.transport().config().step_deadline);
        let answer = store
            .send(request, &call)
            .await
            .map_err(|e| ExecError::from_send_error(e, "trigger"))?;
        let value = if answer.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&answer.body).map_err(|e| ExecError::InvalidResponse {
                status: answer.status,
                reason: format!("not JSON: {e}"),
            })?
        };
        match answer.status {
            200..=299 => Ok((answer.status, value)),
            401 => Err(ExecError::InvalidAccessToken),
            404 => Ok((404, value)),
            status => Err(ExecError::UnexpectedStatus {
                status,
                details: value
                    .get("title")
                    .and_then(Value::as_str)
                    .unwrap_or("no details given")
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(300)
                    .collect(),
            }),
        }
    }

    /// Saves a workflow. With a trigger, its cursor starts at the store's present (nothing
    /// before the save is an event), and in webhook mode the subscription is made.
    pub async fn save(&self, definition: &str, plan: &Plan, workspace: &str) -> Result<SavedWorkflow, WatchError> {
        let name = plan
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| WatchError::Invalid("a saved workflow needs a `name`".into()))?;
        if saved::get(self.0.runs.db(), &name).await?.is_some() {
            return Err(WatchError::Exists(name));
        }
        let mut workflow = SavedWorkflow {
            name: name.clone(),
            workspace: workspace.to_owned(),
            definition: definition.to_owned(),
            trigger_id: None,
            hook_id: None,
            created_at: String::new(),
            secret_sha256: None,
            cursor: None,
        };
        if let Some(trigger) = &plan.trigger {
            let store = self.store(workspace, trigger).await?;
            workflow.trigger_id = Some(format!("wh_{}", ulid::Ulid::generate().to_string().to_lowercase()));
            workflow.cursor = Some(self.present(&store, trigger.trigger).await?);
            if trigger.mode == Mode::Webhook {
                let public = self.0.config.public_url.clone().ok_or(WatchError::NoPublicUrl)?;
                let trigger_id = workflow.trigger_id.clone().unwrap_or_default();
                let (hook_id, secret) = self.subscribe(&store, trigger.trigger, &public, &trigger_id).await?;
                workflow.hook_id = Some(hook_id);
                workflow.secret_sha256 = Some(sha256_hex(&secret));
            }
        }
        if !saved::insert(self.0.runs.db(), &workflow).await? {
            if let (Some(hook), Some(trigger)) = (workflow.hook_id, &plan.trigger)
                && let Ok(store) = self.store(workspace, trigger).await
            {
                let _ = self.unsubscribe(&store, hook).await;
            }
            return Err(WatchError::Exists(name));
        }
        self.0.wake.notify_one();
        Ok(saved::get(self.0.runs.db(), &name).await?.unwrap_or(workflow))
    }

    /// Deletes a saved workflow and its webhook subscription. When the subscription cannot
    /// be deleted (the credential is gone, the store refuses), the workflow is deleted all
    /// the same: BigCommerce's deliveries then find no receiver, and it deactivates the
    /// subscription after its retries. `Some(reason)` says so.
    pub async fn delete(&self, name: &str) -> Result<Option<String>, WatchError> {
        let workflow = saved::get(self.0.runs.db(), name)
            .await?
            .ok_or_else(|| WatchError::NotFound(name.to_owned()))?;
        let mut left = None;
        if let Some(hook) = workflow.hook_id
            && let Ok(plan) = Plan::parse(&workflow.definition)
            && let Some(trigger) = &plan.trigger
        {
            let removed = match self.store(&workflow.workspace, trigger).await {
                Ok(store) => self.unsubscribe(&store, hook).await,
                Err(e) => Err(e),
            };
            if let Err(e) = removed {
                let reason = format!(
                    "its webhook subscription {hook} could not be deleted ({e}); BigCommerce deactivates it when its deliveries fail"
                );
                eprintln!("workflow `{name}` deleted; {reason}");
                left = Some(reason);
            }
        }
        saved::delete(self.0.runs.db(), name).await?;
        Ok(left)
    }

    /// Subscribes to the trigger's scope; the subscription's id and secret.
    async fn subscribe(
        &self,
        store: &StoreClient,
        trigger: &Trigger,
        public: &str,
        trigger_id: &str,
    ) -> Result<(i64, String), WatchError> {
        let secret = random_hex(32)?;
        let body = json!({
            "scope": trigger.webhook,
            "destination": format!("{public}/v1/hooks/{trigger_id}"),
            "is_active": true,
            "headers": {SECRET_HEADER: secret},
        });
        let (status, answer) = self
            .call(store, reqwest::Method::POST, ApiVersion::V3, "/hooks", &[], Some(&body))
            .await?;
        let id = answer
            .pointer("/data/id")
            .and_then(Value::as_i64)
            .filter(|_| status < 300);
        match id {
            Some(id) => Ok((id, secret)),
            None => Err(WatchError::Store(ExecError::InvalidResponse {
                status,
                reason: "BigCommerce did not answer the new webhook subscription with its id".into(),
            })),
        }
    }

    async fn unsubscribe(&self, store: &StoreClient, hook: i64) -> Result<(), ExecError> {
        self.call(
            store,
            reqwest::Method::DELETE,
            ApiVersion::V3,
            &format!("/hooks/{hook}"),
            &[],
            None,
        )
        .await
        .map(drop)
    }

    /// The cursor of "now": the store's time (and the records of that second), or its
    /// highest ID.
    async fn present(&self, store: &StoreClient, trigger: &Trigger) -> Result<Value, ExecError> {
        let poll = &trigger.poll;
        match poll.since {
            Since::TimeFrom { field, .. } => {
                let (_, time) = self
                    .call(store, reqwest::Method::GET, ApiVersion::V2, "/time", &[], None)
                    .await?;
                let now = time
                    .get("time")
                    .and_then(Value::as_i64)
                    .ok_or_else(|| ExecError::InvalidResponse {
                        status: 200,
                        reason: "GET /v2/time did not give the store's time".into(),
                    })?;
                // Records of this very second were there before the save.
                let (records, _) = self.page(store, trigger, &json!({"time": now}), 1).await?;
                let seen: BTreeSet<i64> = records
                    .iter()
                    .filter(|r| record_time(r, field) == Some(now))
                    .filter_map(|r| r.get("id").and_then(Value::as_i64))
                    .collect();
                Ok(json!({"time": now, "seen": seen}))
            }
            Since::IdAbove { .. } => {
                let query = [
                    ("sort", "id".to_owned()),
                    ("direction", "desc".to_owned()),
                    (poll.limit_param, "1".to_owned()),
                ];
                let (_, answer) = self
                    .call(store, reqwest::Method::GET, poll.api_version, poll.path, &query, None)
                    .await?;
                let highest = match poll.items {
                    Items::Data => answer.pointer("/data/0/id"),
                    Items::Body => answer.pointer("/0/id"),
                }
                .and_then(Value::as_i64)
                .unwrap_or(0);
                Ok(json!({"id": highest}))
            }
        }
    }

    /// One page of the poll's list after `cursor`, and whether more follow.
    async fn page(
        &self,
        store: &StoreClient,
        trigger: &Trigger,
        cursor: &Value,
        page: u64,
    ) -> Result<(Vec<Value>, bool), ExecError> {
        const PAGE_SIZE: u64 = 250;
        let poll = &trigger.poll;
        let mut query: Vec<(&str, String)> = poll.sort.iter().map(|p| (p.name, p.value.to_owned())).collect();
        match poll.since {
            Since::TimeFrom { param, format, .. } => {
                let time = cursor.get("time").and_then(Value::as_i64).unwrap_or(0);
                query.push((param, format_date(time, format)));
            }
            Since::IdAbove { param, inclusive } => {
                let id = cursor.get("id").and_then(Value::as_i64).unwrap_or(0);
                query.push((param, (if inclusive { id + 1 } else { id }).to_string()));
            }
        }
        query.push((poll.page_param, page.to_string()));
        query.push((poll.limit_param, PAGE_SIZE.to_string()));
        let (status, answer) = self
            .call(store, reqwest::Method::GET, poll.api_version, poll.path, &query, None)
            .await?;
        if status == 404 {
            return Err(ExecError::StoreNotFound(store.store_hash().to_string()));
        }
        if status == 204 || answer.is_null() {
            return Ok((Vec::new(), false));
        }
        let (records, more) = match poll.items {
            Items::Body => {
                let records = answer.as_array().cloned().unwrap_or_default();
                let more = records.len() as u64 >= PAGE_SIZE;
                (records, more)
            }
            Items::Data => {
                let records = answer
                    .get("data")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let pages = answer
                    .pointer("/meta/pagination/total_pages")
                    .and_then(Value::as_u64)
                    .unwrap_or(page);
                (records, page < pages)
            }
        };
        Ok((records, more))
    }

    /// Polls one workflow: handles the records after its cursor, oldest first, and moves
    /// the cursor past each one handled, saving it after every page. Each page is asked
    /// for from the cursor as it stands (page 1 again), so records that move while the poll
    /// runs (modified, deleted) cannot shift others out of sight; only a page entirely
    /// within the cursor's second moves on to the next page number. At most
    /// [`MAX_RECORDS_PER_POLL`] records per poll; the rest wait for the next. Stops at the
    /// first failure (that record is polled again next time) or when the server stops.
    /// Returns the runs started and whether records are left (then it polls again soon).
    async fn poll(
        &self,
        workflow: &SavedWorkflow,
        plan: &Plan,
        trigger: &PlannedTrigger,
        stop: &CancellationToken,
    ) -> Result<(usize, bool), WatchError> {
        let store = self.store(&workflow.workspace, trigger).await?;
        let mut cursor = match &workflow.cursor {
            Some(cursor) => cursor.clone(),
            None => self.present(&store, trigger.trigger).await?,
        };
        let mut started = 0;
        let mut looked_at = 0;
        let mut page = 1;
        loop {
            let (records, more) = self.page(&store, trigger.trigger, &cursor, page).await?;
            looked_at += records.len();
            let before = cursor.clone();
            let outcome = self
                .handle_page(workflow, plan, trigger, &records, &mut cursor, stop)
                .await;
            saved::set_cursor(self.0.runs.db(), &workflow.name, &cursor).await?;
            started += outcome?;
            if !more || stop.is_cancelled() || looked_at >= MAX_RECORDS_PER_POLL {
                return Ok((started, more));
            }
            page = if cursor == before { page + 1 } else { 1 };
        }
    }

    /// Handles one page of a poll in order, moving `cursor` past each record handled.
    async fn handle_page(
        &self,
        workflow: &SavedWorkflow,
        plan: &Plan,
        trigger: &PlannedTrigger,
        records: &[Value],
        cursor: &mut Value,
        stop: &CancellationToken,
    ) -> Result<usize, WatchError> {
        let mut started = 0;
        match trigger.trigger.poll.since {
            Since::TimeFrom { field, .. } => {
                let mut dated: Vec<(i64, i64)> = records
                    .iter()
                    .filter_map(|r| Some((record_time(r, field)?, r.get("id")?.as_i64()?)))
                    .collect();
                dated.sort_unstable();
                let mut time = cursor.get("time").and_then(Value::as_i64).unwrap_or(0);
                let mut seen: BTreeSet<i64> = cursor
                    .get("seen")
                    .and_then(Value::as_array)
                    .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
                    .unwrap_or_default();
                let mut result = Ok(());
                for (at, id) in dated {
                    if at < time || (at == time && seen.contains(&id)) {
                        continue;
                    }
                    if stop.is_cancelled() {
                        break;
                    }
                    match self.handle(workflow, plan, trigger, id, Source::Poll, None).await {
                        Ok(handled) => started += usize::from(handled == Handled::Started),
                        Err(e) => {
                            result = Err(e);
                            break;
                        }
                    }
                    if at > time {
                        time = at;
                        seen.clear();
                    }
                    seen.insert(id);
                }
                *cursor = json!({"time": time, "seen": seen});
                result.map(|()| started)
            }
            Since::IdAbove { .. } => {
                let mut ids: Vec<i64> = records.iter().filter_map(|r| r.get("id")?.as_i64()).collect();
                ids.sort_unstable();
                let mut highest = cursor.get("id").and_then(Value::as_i64).unwrap_or(0);
                let from = highest;
                let mut result = Ok(());
                for id in ids.into_iter().filter(|id| *id > from) {
                    if stop.is_cancelled() {
                        break;
                    }
                    match self.handle(workflow, plan, trigger, id, Source::Poll, None).await {
                        Ok(handled) => started += usize::from(handled == Handled::Started),
                        Err(e) => {
                            result = Err(e);
                            break;
                        }
                    }
                    highest = id;
                }
                *cursor = json!({"id": highest});
                result.map(|()| started)
            }
        }
    }

    /// Turns one event into a run: fetches the full record, checks the trigger's condition
    /// and starts the run unless the event started one already.
    #[allow(clippy::too_many_arguments)]
    async fn handle(
        &self,
        workflow: &SavedWorkflow,
        plan: &Plan,
        trigger: &PlannedTrigger,
        record_id: i64,
        source: Source,
        hook_change: Option<(Value, Value)>,
    ) -> Result<Handled, WatchError> {
        let definition = trigger.trigger;
        let store_hash: StoreHash = trigger
            .store_hash
            .clone()
            .ok_or_else(|| WatchError::Invalid("the trigger has no store hash".into()))?;
        let token = self.token(&workflow.workspace, trigger).await?;
        let mut params = Map::new();
        params.insert(definition.record.id_param.to_owned(), Value::from(record_id));
        let step = Step::new(
            TRIGGER_STEP,
            definition.record.action,
            store_hash.as_str(),
            CredentialSource::Token(token),
            &params,
        )?;
        let output = match self
            .0
            .executor
            .execute(&step, &StepOutputs::new(), &NoCredentials, &Stats::default())
            .await
        {
            Ok(output) => output,
            // Deleted since: nothing to run.
            Err(ExecError::RecordNotFound { .. }) => return Ok(Handled::Nothing),
            Err(e) => return Err(e.into()),
        };
        let record = output
            .get("data")
            .map(std::borrow::Cow::into_owned)
            .unwrap_or(Value::Null);
        let mut changes = Map::new();
        // The value a "changed" condition remembers, once the event is stored.
        let mut remembered = None;
        let mut key = match definition.identity {
            Identity::Record => record_id.to_string(),
            Identity::Version => format!(
                "{record_id}@{}",
                record.get("date_modified").and_then(Value::as_str).unwrap_or_default()
            ),
        };
        if let Condition::Changed { field, equals, below } = definition.condition {
            let value = record.get(field).cloned().unwrap_or(Value::Null);
            let text = value.to_string();
            let pool = self.0.runs.db();
            let previous = saved::state(pool, &workflow.name, record_id).await?;
            remembered = Some(text.clone());
            let from = match (&hook_change, &previous) {
                (Some((from, _)), _) => Some(from.clone()),
                (None, Some(previous)) => serde_json::from_str(previous).ok(),
                (None, None) => None,
            };
            let changed = match source {
                // The webhook says it changed.
                Source::Webhook => true,
                // A poll knows it changed only from a value it saw before.
                Source::Poll => previous.as_deref().is_some_and(|p| p != text),
            };
            let wanted = equals
                .and_then(|p| trigger.params.get(p))
                .is_none_or(|want| value.as_i64() == want.as_i64());
            let low = below
                .and_then(|p| trigger.params.get(p))
                .and_then(Value::as_i64)
                .is_none_or(|limit| value.as_i64().is_some_and(|v| v < limit));
            if !(changed && wanted && low) {
                saved::set_state(pool, &workflow.name, record_id, &text).await?;
                return Ok(Handled::Nothing);
            }
            changes.insert(field.to_owned(), json!({"from": from, "to": value}));
            key = format!("{key}@{field}={text}");
        }
        let mut event = json!({"source": source.as_str(), "scope": definition.webhook, "id": record_id});
        if !changes.is_empty() {
            event["changes"] = Value::Object(changes);
        }
        let envelope = json!({
            "data": record,
            "action": definition.id,
            "storeHash": store_hash.as_str(),
            syncaut_actions::output::TRIGGER_EVENT_KEY: event,
        });
        let started = self.0.runs.submit_triggered(workflow, plan, &key, &envelope).await?;
        // Only now: had storing the run failed, the next poll would see the change again.
        if let Some(value) = remembered {
            saved::set_state(self.0.runs.db(), &workflow.name, record_id, &value).await?;
        }
        Ok(if started.is_some() {
            Handled::Started
        } else {
            Handled::Nothing
        })
    }

    /// A webhook delivery for the trigger `trigger_id`: checks its secret header, stores it
    /// (once per delivery hash) and returns; the run is started by [`Self::work`].
    pub async fn receive(&self, trigger_id: &str, secret: Option<&str>, body: &[u8]) -> Result<(), Refused> {
        let workflow = saved::by_trigger(self.0.runs.db(), trigger_id)
            .await
            .map_err(|_| Refused::Unavailable)?
            .ok_or(Refused::UnknownTrigger)?;
        let expected = workflow.secret_sha256.as_deref().ok_or(Refused::BadSecret)?;
        if !secret.is_some_and(|given| same(&sha256_hex(given), expected)) {
            return Err(Refused::BadSecret);
        }
        let payload: Value = serde_json::from_slice(body).map_err(|_| Refused::BadPayload)?;
        let id = payload.pointer("/data/id").and_then(Value::as_i64);
        let hash = payload.get("hash").and_then(Value::as_str);
        let (Some(_), Some(hash)) = (id, hash) else {
            return Err(Refused::BadPayload);
        };
        // BigCommerce's `hash` covers the event's data only (`{type, id}` for an update), so
        // every update of one record has the same hash; a delivery is told apart by its
        // scope, hash and creation time.
        let created_at = payload.get("created_at").map(Value::to_string).unwrap_or_default();
        let scope = payload.get("scope").and_then(Value::as_str).unwrap_or_default();
        let key = sha256_hex(&format!("{scope}\n{hash}\n{created_at}"));
        saved::inbox_insert(self.0.runs.db(), &workflow.name, &key, &payload.to_string())
            .await
            .map_err(|_| Refused::Unavailable)?;
        self.0.wake.notify_one();
        Ok(())
    }

    /// Turns stored webhook deliveries into runs.
    async fn drain_inbox(&self) -> Result<(), WatchError> {
        let pool = self.0.runs.db();
        for (name, hash, payload) in saved::inbox_pending(pool, 200).await? {
            let Some(workflow) = saved::get(pool, &name).await? else {
                saved::inbox_done(pool, &name, &hash).await?;
                continue;
            };
            // A definition that no longer reads (written by another version) ends its
            // deliveries, not everyone's.
            let Ok(plan) = Plan::parse(&workflow.definition) else {
                eprintln!("trigger of `{name}`: its saved definition no longer reads; save the workflow again");
                saved::inbox_done(pool, &name, &hash).await?;
                continue;
            };
            let Some(trigger) = &plan.trigger else {
                saved::inbox_done(pool, &name, &hash).await?;
                continue;
            };
            let scope = payload.get("scope").and_then(Value::as_str).unwrap_or_default();
            let id = payload.pointer("/data/id").and_then(Value::as_i64);
            let (Some(id), true) = (id, scope == trigger.trigger.webhook) else {
                saved::inbox_done(pool, &name, &hash).await?;
                continue;
            };
            let change = payload.pointer("/data/status").map(|status| {
                (
                    status.get("previous_status_id").cloned().unwrap_or(Value::Null),
                    status.get("new_status_id").cloned().unwrap_or(Value::Null),
                )
            });
            match self
                .handle(&workflow, &plan, trigger, id, Source::Webhook, change)
                .await
            {
                Ok(_) => saved::inbox_done(pool, &name, &hash).await?,
                Err(e) => {
                    // The others go on; this one is tried again later, less and less often.
                    if saved::inbox_failed(pool, &name, &hash).await? {
                        eprintln!(
                            "trigger of `{name}`: gave up on a webhook event after {} tries: {e}",
                            saved::INBOX_ATTEMPTS
                        );
                    } else {
                        eprintln!("trigger of `{name}`: a webhook event waits for another try: {e}");
                    }
                }
            }
        }
        Ok(())
    }

    /// Restores a webhook subscription BigCommerce deactivated or lost.
    async fn maintain(&self, workflow: &SavedWorkflow, trigger: &PlannedTrigger) -> Result<(), WatchError> {
        let store = self.store(&workflow.workspace, trigger).await?;
        let Some(hook) = workflow.hook_id else { return Ok(()) };
        let (status, answer) = self
            .call(
                &store,
                reqwest::Method::GET,
                ApiVersion::V3,
                &format!("/hooks/{hook}"),
                &[],
                None,
            )
            .await?;
        if status == 404 {
            let public = self.0.config.public_url.clone().ok_or(WatchError::NoPublicUrl)?;
            let trigger_id = workflow.trigger_id.clone().unwrap_or_default();
            let (id, secret) = self.subscribe(&store, trigger.trigger, &public, &trigger_id).await?;
            saved::set_hook(self.0.runs.db(), &workflow.name, Some(id), Some(&sha256_hex(&secret))).await?;
            eprintln!(
                "trigger of `{}`: the webhook subscription was gone; made a new one",
                workflow.name
            );
        } else if answer.pointer("/data/is_active").and_then(Value::as_bool) == Some(false) {
            self.call(
                &store,
                reqwest::Method::PUT,
                ApiVersion::V3,
                &format!("/hooks/{hook}"),
                &[],
                Some(&json!({"is_active": true})),
            )
            .await?;
            eprintln!(
                "trigger of `{}`: BigCommerce had deactivated the webhook; reactivated it",
                workflow.name
            );
        }
        Ok(())
    }

    /// Runs the triggers until `stop`: webhook deliveries as they arrive, polls when they
    /// are due, subscription checks now and then.
    pub async fn work(&self, stop: CancellationToken) {
        let mut next_poll: HashMap<String, Instant> = HashMap::new();
        let mut next_check: HashMap<String, Instant> = HashMap::new();
        // Polls that keep failing (a deleted credential, a store that refuses) wait longer
        // and longer, up to ten minutes, instead of asking every interval.
        let mut failures: HashMap<String, u32> = HashMap::new();
        let mut next_prune = Instant::now();
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = self.0.wake.notified() => {}
                () = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
            if let Err(e) = self.drain_inbox().await
                && !matches!(e, WatchError::Store(_))
            {
                eprintln!("triggers: {e}");
            }
            if next_prune <= Instant::now() {
                next_prune = Instant::now() + Duration::from_secs(3600);
                if let Err(e) = saved::prune(self.0.runs.db()).await {
                    eprintln!("triggers: cannot prune old webhook deliveries and events: {e}");
                }
            }
            let Ok(workflows) = saved::list(self.0.runs.db()).await else {
                continue;
            };
            let now = Instant::now();
            for workflow in workflows {
                if stop.is_cancelled() {
                    return;
                }
                let Ok(plan) = Plan::parse(&workflow.definition) else {
                    continue;
                };
                let Some(trigger) = &plan.trigger else { continue };
                let every = match trigger.mode {
                    Mode::Poll => trigger.every,
                    Mode::Webhook => trigger.every.max(self.0.config.safety_poll),
                };
                if next_poll.get(&workflow.name).is_none_or(|at| *at <= now) {
                    let wait = match self.poll(&workflow, &plan, trigger, &stop).await {
                        Ok((_, left)) => {
                            failures.remove(&workflow.name);
                            // A backlog is worked through a poll after another.
                            if left { Duration::ZERO } else { every }
                        }
                        Err(e) => {
                            let failed = failures.entry(workflow.name.clone()).or_default();
                            *failed = failed.saturating_add(1);
                            let backoff = Duration::from_secs(1u64 << (*failed).min(10)).min(Duration::from_secs(600));
                            let wait = every.max(backoff);
                            eprintln!(
                                "trigger of `{}`: polling failed, trying again in {} s: {e}",
                                workflow.name,
                                wait.as_secs()
                            );
                            wait
                        }
                    };
                    next_poll.insert(workflow.name.clone(), Instant::now() + wait);
                }
                if trigger.mode == Mode::Webhook && next_check.get(&workflow.name).is_none_or(|at| *at <= now) {
                    next_check.insert(workflow.name.clone(), now + self.0.config.hook_check);
                    if let Err(e) = self.maintain(&workflow, trigger).await {
                        eprintln!("trigger of `{}`: checking its webhook failed: {e}", workflow.name);
                    }
                }
            }
        }
    }
}
