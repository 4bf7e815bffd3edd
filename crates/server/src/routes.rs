//! The `/v1` routes, `/healthz` and `/openapi.json`. Each handler's `#[utoipa::path]` is
//! its entry in the OpenAPI document ([`crate::openapi`]).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use syncaut_actions::{ACTIONS, Action, StepName, find, nearest_ids};
use syncaut_credentials::DEFAULT_WORKSPACE;
use syncaut_runs::{Cancelled, EventRecord, RunStatus, RunSummary, RunView, Runs};
use syncaut_workflow::{CredentialRef, Plan, Target};
use utoipa::{IntoParams, ToSchema};

use crate::App;
use crate::error::{ApiError, ErrorBody};

/// JSON bodies, with errors in the API's shape.
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<T, S> axum::extract::FromRequest<S> for ApiJson<T>
where
    Json<T>: axum::extract::FromRequest<S, Rejection = axum::extract::rejection::JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let Json(value) = Json::<T>::from_request(request, state).await?;
        Ok(Self(value))
    }
}

/// Query strings, with errors in the API's shape.
pub(crate) struct ApiQuery<T>(pub(crate) T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, ApiError> {
        let Query(value) = Query::<T>::from_request_parts(parts, state).await?;
        Ok(Self(value))
    }
}

// ---------------------------------------------------------------------------------------
// Health.

/// The answer of `/healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Health {
    /// `ok`.
    status: &'static str,
}

/// 200 when the run database answers.
#[utoipa::path(get, path = "/healthz", tag = "service",
    responses((status = 200, description = "OK", body = Health), (status = 503, description = "The run database does not answer", body = ErrorBody)))]
pub(crate) async fn healthz(State(app): State<App>) -> Result<Json<Health>, ApiError> {
    if app.runs.healthy().await {
        Ok(Json(Health { status: "ok" }))
    } else {
        Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "the run database does not answer; check the disk and the data directory",
        ))
    }
}

// ---------------------------------------------------------------------------------------
// Actions.

/// The scope an action needs.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ScopeView {
    /// The OAuth scope name.
    name: &'static str,
    /// Its label in the BigCommerce control panel.
    label: &'static str,
}

/// One action of the registry.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ActionEntry {
    /// The action id, such as `get_orders`.
    id: &'static str,
    /// Its title in the docs.
    title: &'static str,
    /// Its resource: `product`, `order`, `customer`, `category` or `inventory`.
    resource: String,
    /// `list`, `get`, `create`, `update` or `delete`.
    kind: String,
    /// The scope it needs.
    scope: ScopeView,
}

/// The registry index.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ActionIndex {
    /// The JSON Schema of the node-level settings every step has: step name (with the
    /// step-name rule as its `pattern`), credential, store hash and action.
    node: Value,
    /// Every action, in the docs' order.
    actions: Vec<ActionEntry>,
}

fn text_of(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(text)) => text,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn entry(action: &Action) -> ActionEntry {
    ActionEntry {
        id: action.id,
        title: action.title,
        resource: text_of(&action.resource),
        kind: text_of(&action.kind),
        scope: ScopeView {
            name: action.scope.name,
            label: action.scope.label,
        },
    }
}

/// The actions of the BigCommerce node.
#[utoipa::path(get, path = "/v1/actions", tag = "actions", security(("bearer" = [])),
    responses((status = 200, description = "OK", body = ActionIndex), (status = 401, description = "The API key is missing or not valid", body = ErrorBody)))]
pub(crate) async fn list_actions() -> Json<ActionIndex> {
    Json(ActionIndex {
        node: syncaut_actions::schema::node_schema(),
        actions: ACTIONS.iter().map(entry).collect(),
    })
}

/// One action: its form, its output and its request.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ActionDetail {
    #[serde(flatten)]
    entry: ActionEntry,
    /// What it does, from the docs.
    description: &'static str,
    /// The JSON Schema (2020-12) of its parameter form. Fields whose values come from the
    /// store carry `x-options` (see `POST /v1/options/{source}`).
    form: Value,
    /// The JSON Schema of its output envelope `{data, action, storeHash}`.
    output: Value,
    /// The request it sends: method, API version, path, parameters and where they go.
    request: Value,
}

fn lookup(id: &str) -> Result<&'static Action, ApiError> {
    find(id).ok_or_else(|| {
        ApiError::not_found(
            "unknown_action",
            format!(
                "unknown action `{id}`; did you mean {}? GET /v1/actions lists all {}",
                nearest_ids(id, 3).join(", "),
                ACTIONS.len()
            ),
        )
    })
}

/// An action's form schema, output schema and request.
#[utoipa::path(get, path = "/v1/actions/{id}", tag = "actions", security(("bearer" = [])),
    params(("id" = String, Path, description = "The action id, such as `get_orders`")),
    responses((status = 200, description = "OK", body = ActionDetail), (status = 404, description = "Not found (the error says what)", body = ErrorBody)))]
pub(crate) async fn get_action(Path(id): Path<String>) -> Result<Json<ActionDetail>, ApiError> {
    let action = lookup(&id)?;
    Ok(Json(ActionDetail {
        entry: entry(action),
        description: action.description,
        form: syncaut_actions::schema::form_schema(action),
        output: syncaut_actions::output::envelope_schema(action),
        request: syncaut_actions::describe(action),
    }))
}

/// The step whose output is offered.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct VariablesQuery {
    /// The step's name, as later steps reference it (`{{NAME.data…}}`).
    step: Option<String>,
}

/// One entry of the "+ variable" picker.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct VariableView {
    /// What to insert, such as `{{getOrder.data.id}}`.
    expression: String,
    /// Its JSON type.
    #[serde(rename = "type")]
    type_name: String,
    /// What it is.
    description: String,
}

/// The picker's entries for one step.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Variables {
    /// The entries, `data` first.
    variables: Vec<VariableView>,
}

/// What a later step can insert from a step running this action.
#[utoipa::path(get, path = "/v1/actions/{id}/variables", tag = "actions", security(("bearer" = [])),
    params(("id" = String, Path, description = "The action id"), VariablesQuery),
    responses((status = 200, description = "OK", body = Variables), (status = 404, description = "Not found (the error says what)", body = ErrorBody), (status = 422, description = "Not acceptable (the error says what)", body = ErrorBody)))]
pub(crate) async fn variables(
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<VariablesQuery>,
) -> Result<Json<Variables>, ApiError> {
    let action = lookup(&id)?;
    let Some(step) = query.step else {
        return Err(ApiError::bad_request(
            "invalid_query",
            "name the step whose output is offered: ?step=NAME",
        ));
    };
    let name = StepName::new(&step).map_err(|e| ApiError::unprocessable("invalid_step_name", e.to_string()))?;
    let variables = syncaut_actions::output::variables(action, name.as_str())
        .into_iter()
        .map(|v| VariableView {
            expression: v.expression,
            type_name: v.type_name,
            description: v.description,
        })
        .collect();
    Ok(Json(Variables { variables }))
}

// ---------------------------------------------------------------------------------------
// Credentials.

/// A credential to save. The token is write-only: no answer ever contains it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewCredential {
    /// Its name, unique in the workspace (1–100 printable characters).
    name: String,
    /// The store's API access token.
    #[schema(format = Password, write_only)]
    token: String,
    /// The workspace (default `default`).
    #[serde(default)]
    workspace: Option<String>,
}

/// A saved credential, without its token.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CredentialView {
    /// Its name.
    name: String,
    /// Its workspace.
    workspace: String,
    /// `bigcommerce`.
    kind: String,
    /// When it was saved (RFC 3339).
    created_at: String,
    /// When its token was last replaced.
    updated_at: String,
}

impl From<syncaut_credentials::CredentialInfo> for CredentialView {
    fn from(info: syncaut_credentials::CredentialInfo) -> Self {
        Self {
            name: info.name,
            workspace: info.workspace,
            kind: info.kind,
            created_at: info.created_at,
            updated_at: info.updated_at,
        }
    }
}

/// Saved credentials.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CredentialList {
    /// By name.
    credentials: Vec<CredentialView>,
}

/// The workspace of a credential route.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct WorkspaceQuery {
    /// The workspace (default `default`).
    workspace: Option<String>,
}

/// Saves a credential (the token is encrypted at rest and never shown again).
#[utoipa::path(post, path = "/v1/credentials", tag = "credentials", security(("bearer" = [])),
    request_body = NewCredential,
    responses((status = 201, description = "Created", body = CredentialView), (status = 409, description = "Conflict (the error says what)", body = ErrorBody), (status = 422, description = "Not acceptable (the error says what)", body = ErrorBody)))]
pub(crate) async fn add_credential(
    State(app): State<App>,
    ApiJson(input): ApiJson<NewCredential>,
) -> Result<(StatusCode, Json<CredentialView>), ApiError> {
    let NewCredential { name, token, workspace } = input;
    let token = SecretString::from(token);
    let workspace = workspace.unwrap_or_else(|| DEFAULT_WORKSPACE.to_owned());
    let mut vault = app.vault.clone();
    let info = vault
        .add(&workspace, &name, &token)
        .await
        .map_err(|e| ApiError::vault(&e))?;
    Ok((StatusCode::CREATED, Json(info.into())))
}

/// The saved credentials of a workspace, never with a token.
#[utoipa::path(get, path = "/v1/credentials", tag = "credentials", security(("bearer" = [])),
    params(WorkspaceQuery), responses((status = 200, description = "OK", body = CredentialList)))]
pub(crate) async fn list_credentials(
    State(app): State<App>,
    ApiQuery(query): ApiQuery<WorkspaceQuery>,
) -> Result<Json<CredentialList>, ApiError> {
    let workspace = query.workspace.unwrap_or_else(|| DEFAULT_WORKSPACE.to_owned());
    let list = app.vault.list(&workspace).await.map_err(|e| ApiError::vault(&e))?;
    Ok(Json(CredentialList {
        credentials: list.into_iter().map(CredentialView::from).collect(),
    }))
}

/// Deletes a credential.
#[utoipa::path(delete, path = "/v1/credentials/{name}", tag = "credentials", security(("bearer" = [])),
    params(("name" = String, Path, description = "The credential's name"), WorkspaceQuery),
    responses((status = 204, description = "Done, nothing to return"), (status = 404, description = "Not found (the error says what)", body = ErrorBody)))]
pub(crate) async fn remove_credential(
    State(app): State<App>,
    Path(name): Path<String>,
    ApiQuery(query): ApiQuery<WorkspaceQuery>,
) -> Result<StatusCode, ApiError> {
    let workspace = query.workspace.unwrap_or_else(|| DEFAULT_WORKSPACE.to_owned());
    let mut vault = app.vault.clone();
    vault.remove(&workspace, &name).await.map_err(|e| ApiError::vault(&e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which store to test a credential against.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CredentialTest {
    /// The store hash, such as `abc123xyz`.
    store_hash: String,
    /// The workspace (default `default`).
    #[serde(default)]
    workspace: Option<String>,
}

/// A credential that works.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CredentialTestResult {
    /// `true`.
    valid: bool,
    /// The store the token belongs to.
    store: StoreView,
}

/// A store's name and domain.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StoreView {
    /// Its name.
    name: String,
    /// Its domain.
    #[serde(skip_serializing_if = "String::is_empty")]
    domain: String,
}

/// Whether a credential works for a store (asks BigCommerce for the store's information).
#[utoipa::path(post, path = "/v1/credentials/{name}/test", tag = "credentials", security(("bearer" = [])),
    params(("name" = String, Path, description = "The credential's name")),
    request_body = CredentialTest,
    responses((status = 200, description = "OK", body = CredentialTestResult), (status = 404, description = "Not found (the error says what)", body = ErrorBody),
        (status = 422, description = "The token does not work for the store (`invalid_access_token`, `forbidden`, `store_not_found`)", body = ErrorBody),
        (status = 502, description = "BigCommerce answered unusably (the error says how)", body = ErrorBody)))]
pub(crate) async fn test_credential(
    State(app): State<App>,
    Path(name): Path<String>,
    ApiJson(input): ApiJson<CredentialTest>,
) -> Result<Json<CredentialTestResult>, ApiError> {
    let workspace = input.workspace.unwrap_or_else(|| DEFAULT_WORKSPACE.to_owned());
    let hash = bigcommerce_api::StoreHash::new(&input.store_hash)
        .map_err(|e| ApiError::unprocessable(e.code(), e.to_string()))?;
    let token = app
        .vault
        .token(&workspace, &name)
        .await
        .map_err(|e| ApiError::vault(&e))?;
    let info = syncaut_executor::check_token(app.executor.transport(), &hash, &token)
        .await
        .map_err(|e| {
            let mut error = ApiError::exec(&e);
            if matches!(e.code(), "store_not_found" | "not_found") {
                error.status = StatusCode::UNPROCESSABLE_ENTITY;
            }
            error
        })?;
    Ok(Json(CredentialTestResult {
        valid: true,
        store: StoreView {
            name: info.name,
            domain: info.domain,
        },
    }))
}

// ---------------------------------------------------------------------------------------
// Runs.

/// A workflow to run.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewRun {
    /// The workflow: the workflow file as JSON (`{"name", "defaults", "steps": [...]}`),
    /// or the file's text (YAML or JSON).
    workflow: Value,
    /// The workspace whose credentials the steps use (default `default`).
    #[serde(default)]
    workspace: Option<String>,
}

/// A run that was queued.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RunCreated {
    /// The run's id.
    id: String,
    /// `queued`.
    status: RunStatus,
}

/// Checks a submitted workflow as the service runs it: a valid workflow file whose steps
/// all name a store and a saved credential of the workspace.
pub(crate) async fn check_workflow(
    app: &App,
    workflow: &Value,
    workspace: &str,
    saving: bool,
) -> Result<(String, Plan), ApiError> {
    let invalid = |reason: String| ApiError::unprocessable("invalid_workflow", reason);
    let text = match workflow {
        Value::String(text) => text.clone(),
        Value::Object(_) => workflow.to_string(),
        _ => {
            return Err(invalid(
                "`workflow` must be a workflow file as a JSON object ({\"name\", \"steps\": [...]}) or as text".into(),
            ));
        }
    };
    let plan = Plan::parse(&text).map_err(|e| match workflow {
        // The line of a JSON object we serialised means nothing to the sender.
        Value::Object(_) => invalid(e.reason),
        _ => invalid(e.to_string()),
    })?;
    plan.check_target(&Target::AsWritten).map_err(|e| invalid(e.reason))?;
    if plan.trigger.is_some() && !saving {
        return Err(invalid(
            "this workflow starts with a trigger: save it with POST /v1/workflows, and its trigger starts a run for each event".into(),
        ));
    }
    let saved = app.vault.list(workspace).await.map_err(|e| ApiError::vault(&e))?;
    let trigger_credential = plan.trigger.as_ref().map(|t| ("trigger".to_owned(), &t.credential));
    let step_credentials = plan.steps.iter().map(|s| (s.name.to_string(), &s.credential));
    for (step, credential) in trigger_credential.into_iter().chain(step_credentials) {
        match credential {
            Some(CredentialRef::Env(var)) => {
                return Err(invalid(format!(
                    "step `{step}` reads its token from the environment variable {var} (`tokenEnv`), which only the command line can do; save the token with POST /v1/credentials and name it with `credential:`"
                )));
            }
            Some(CredentialRef::Named(name)) if !saved.iter().any(|c| &c.name == name) => {
                return Err(ApiError::unprocessable(
                    "credential_not_found",
                    format!(
                        "step `{step}` uses the credential `{name}`, which is not saved in workspace `{workspace}`; save it with POST /v1/credentials"
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok((text, plan))
}

/// Stores a workflow as a run and queues it.
#[utoipa::path(post, path = "/v1/runs", tag = "runs", security(("bearer" = [])),
    request_body = NewRun,
    responses((status = 202, description = "Stored and queued", body = RunCreated, headers(("Location" = String, description = "The run's URL"))),
        (status = 422, description = "`invalid_workflow` or `credential_not_found`", body = ErrorBody)))]
pub(crate) async fn create_run(State(app): State<App>, ApiJson(input): ApiJson<NewRun>) -> Result<Response, ApiError> {
    let workspace = input.workspace.unwrap_or_else(|| DEFAULT_WORKSPACE.to_owned());
    let (text, plan) = check_workflow(&app, &input.workflow, &workspace, false).await?;
    let run = app
        .runs
        .submit(&text, &plan, &workspace)
        .await
        .map_err(|e| ApiError::runs(&e))?;
    let location = HeaderValue::from_str(&format!("/v1/runs/{}", run.id)).ok();
    let mut response = (
        StatusCode::ACCEPTED,
        Json(RunCreated {
            id: run.id,
            status: run.status,
        }),
    )
        .into_response();
    if let Some(location) = location {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Which runs to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RunsQuery {
    /// Only runs of the workflow with this `name`.
    workflow: Option<String>,
    /// At most this many (1–500, default 100).
    limit: Option<u32>,
}

/// Runs, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RunList {
    /// Newest first.
    runs: Vec<RunSummary>,
}

/// Runs, newest first.
#[utoipa::path(get, path = "/v1/runs", tag = "runs", security(("bearer" = [])),
    params(RunsQuery), responses((status = 200, description = "OK", body = RunList)))]
pub(crate) async fn list_runs(
    State(app): State<App>,
    ApiQuery(query): ApiQuery<RunsQuery>,
) -> Result<Json<RunList>, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request("invalid_query", "limit must be from 1 to 500"));
    }
    let runs = app
        .runs
        .list(query.workflow.as_deref(), limit)
        .await
        .map_err(|e| ApiError::runs(&e))?;
    Ok(Json(RunList { runs }))
}

async fn find_run(runs: &Runs, id: &str) -> Result<RunView, ApiError> {
    runs.get(id).await.map_err(|e| ApiError::runs(&e))?.ok_or_else(|| {
        ApiError::not_found(
            "run_not_found",
            format!("no run has the id `{id}`; GET /v1/runs lists the runs"),
        )
    })
}

/// A run with its steps: each step's status, and its output or error.
#[utoipa::path(get, path = "/v1/runs/{id}", tag = "runs", security(("bearer" = [])),
    params(("id" = String, Path, description = "The run's id")),
    responses((status = 200, description = "OK", body = RunView), (status = 404, description = "Not found (the error says what)", body = ErrorBody)))]
pub(crate) async fn get_run(State(app): State<App>, Path(id): Path<String>) -> Result<Json<RunView>, ApiError> {
    Ok(Json(find_run(&app.runs, &id).await?))
}

/// What a cancel did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CancelResult {
    /// The run's id.
    id: String,
    /// `cancelled` when it had not started; `running` when it stops at its next step.
    status: RunStatus,
    /// Whether the run still has to stop.
    cancel_requested: bool,
}

/// Cancels a queued run at once, or stops a running one before its next step (a read in
/// flight is abandoned; a write in flight finishes and is recorded).
#[utoipa::path(post, path = "/v1/runs/{id}/cancel", tag = "runs", security(("bearer" = [])),
    params(("id" = String, Path, description = "The run's id")),
    responses((status = 202, description = "Accepted", body = CancelResult), (status = 404, description = "Not found (the error says what)", body = ErrorBody),
        (status = 409, description = "`run_finished`", body = ErrorBody)))]
pub(crate) async fn cancel_run(
    State(app): State<App>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<CancelResult>), ApiError> {
    let outcome = app.runs.cancel(&id).await.map_err(|e| match e {
        syncaut_runs::RunsError::NotFound(_) => ApiError::not_found(
            "run_not_found",
            format!("no run has the id `{id}`; GET /v1/runs lists the runs"),
        ),
        other => ApiError::runs(&other),
    })?;
    let (status, cancel_requested) = match outcome {
        Cancelled::Now => (RunStatus::Cancelled, false),
        Cancelled::Requested => (RunStatus::Running, true),
    };
    Ok((
        StatusCode::ACCEPTED,
        Json(CancelResult {
            id,
            status,
            cancel_requested,
        }),
    ))
}

/// Where an event stream starts.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct EventsQuery {
    /// Only events after this one (the `id:` of the last event received; the
    /// `Last-Event-ID` header does the same).
    after: Option<i64>,
}

struct EventStream {
    runs: Runs,
    id: String,
    after: i64,
    changes: tokio::sync::watch::Receiver<u64>,
    buffer: VecDeque<EventRecord>,
    done: bool,
    stopping: tokio_util::sync::CancellationToken,
}

/// Whether an event ends the run.
fn ends_run(event: &EventRecord) -> bool {
    event.kind == "run"
        && serde_json::from_str::<Value>(&event.data)
            .ok()
            .and_then(|v| v.get("status").and_then(Value::as_str).map(str::to_owned))
            .is_some_and(|status| !matches!(status.as_str(), "queued" | "running"))
}

impl EventStream {
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(record) = self.buffer.pop_front() {
                self.after = record.seq;
                if ends_run(&record) {
                    self.done = true;
                }
                return Some(
                    Event::default()
                        .id(record.seq.to_string())
                        .event(record.kind)
                        .data(record.data),
                );
            }
            if self.done {
                return None;
            }
            // Marks what has been seen before reading, so that a commit after the read
            // wakes the wait below.
            self.changes.borrow_and_update();
            match self.runs.events(&self.id, self.after, 200).await {
                Ok(events) if !events.is_empty() => {
                    self.buffer.extend(events);
                    continue;
                }
                // Joined after the last event of a finished run (a reconnect with the final
                // Last-Event-ID): nothing more will come. The status is committed with the
                // final events, so they are read once more after it.
                Ok(_)
                    if self
                        .runs
                        .status(&self.id)
                        .await
                        .ok()
                        .flatten()
                        .is_some_and(RunStatus::is_finished) =>
                {
                    match self.runs.events(&self.id, self.after, 200).await {
                        Ok(events) if !events.is_empty() => {
                            self.buffer.extend(events);
                            continue;
                        }
                        _ => return None,
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    self.done = true;
                    let error = serde_json::json!({"error": {"code": e.code(), "message": e.to_string()}});
                    return Some(Event::default().event("error").data(error.to_string()));
                }
            }
            // Events from this process wake the stream at once; events written by another
            // process are seen within a second.
            tokio::select! {
                _ = self.changes.changed() => {}
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
                () = self.stopping.cancelled() => return None,
            }
        }
    }
}

/// The run's events as Server-Sent Events, in order, from the first (or after `after` /
/// `Last-Event-ID`); the stream ends after the event that finishes the run. Each event
/// has `id:` (its position), `event:` (`run` or `step`) and `data:` (JSON: for `run`
/// `{"type","status","error"?}`, for `step` `{"type","index","name","action","status",
/// "output"?,"error"?}`).
#[utoipa::path(get, path = "/v1/runs/{id}/events", tag = "runs", security(("bearer" = [])),
    params(("id" = String, Path, description = "The run's id"), EventsQuery),
    responses((status = 200, description = "OK", content_type = "text/event-stream", body = String), (status = 404, description = "Not found (the error says what)", body = ErrorBody)))]
pub(crate) async fn run_events(
    State(app): State<App>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<EventsQuery>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    find_run(&app.runs, &id).await?;
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let state = EventStream {
        changes: app.runs.changes(),
        runs: app.runs.clone(),
        id,
        after: last_event_id.or(query.after).unwrap_or(0).max(0),
        buffer: VecDeque::new(),
        done: false,
        stopping: app.stopping.clone(),
    };
    let stream = futures_util::stream::unfold(state, |mut state| async move {
        let event = state.next().await?;
        Some((Ok(event), state))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
