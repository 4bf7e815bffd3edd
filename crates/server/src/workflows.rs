//! Saved workflows and their triggers: `/v1/workflows`, `/v1/triggers`, and the webhook
//! receiver `/v1/hooks/{trigger}` that BigCommerce calls (it checks the trigger's own
//! secret header instead of the API key).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use syncaut_actions::triggers::{TRIGGERS, Trigger, find_trigger};
use syncaut_credentials::DEFAULT_WORKSPACE;
use syncaut_runs::SavedWorkflow;
use syncaut_runs::triggers::{Refused, SECRET_HEADER, WatchError};
use syncaut_workflow::Plan;
use utoipa::ToSchema;

use crate::App;
use crate::error::{ApiError, ErrorBody};
use crate::routes::{ApiJson, check_workflow};

/// One trigger of the registry.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TriggerEntry {
    /// Its id, as `trigger: {type: …}` names it.
    id: &'static str,
    /// Its title.
    title: &'static str,
    /// What starts it.
    description: &'static str,
    /// The webhook scope BigCommerce sends.
    webhook: &'static str,
}

/// The triggers.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TriggerIndex {
    /// Every trigger.
    triggers: Vec<TriggerEntry>,
}

fn entry(trigger: &Trigger) -> TriggerEntry {
    TriggerEntry {
        id: trigger.id,
        title: trigger.title,
        description: trigger.description,
        webhook: trigger.webhook,
    }
}

/// What starts workflows: orders, products and customers created or changed.
#[utoipa::path(get, path = "/v1/triggers", tag = "workflows", security(("bearer" = [])),
    responses((status = 200, description = "OK", body = TriggerIndex)))]
pub(crate) async fn list_triggers() -> Json<TriggerIndex> {
    Json(TriggerIndex {
        triggers: TRIGGERS.iter().map(entry).collect(),
    })
}

/// A trigger's settings form, its output schema and the picker's entries.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TriggerDetail {
    #[serde(flatten)]
    entry: TriggerEntry,
    /// The JSON Schema of its settings (`mode`, `every`, its parameters).
    form: Value,
    /// The JSON Schema of its output: `{data: the full record, action, storeHash, event}`.
    output: Value,
    /// What later steps can insert (`{{trigger.data.id}}` …).
    variables: Value,
}

/// A trigger's form, output and picker entries.
#[utoipa::path(get, path = "/v1/triggers/{id}", tag = "workflows", security(("bearer" = [])),
    params(("id" = String, Path, description = "The trigger id, such as `order_created`")),
    responses((status = 200, description = "OK", body = TriggerDetail), (status = 404, description = "Not found (the error says what)", body = ErrorBody)))]
pub(crate) async fn get_trigger(Path(id): Path<String>) -> Result<Json<TriggerDetail>, ApiError> {
    let trigger = find_trigger(&id).ok_or_else(|| {
        let known: Vec<&str> = TRIGGERS.iter().map(|t| t.id).collect();
        ApiError::not_found(
            "unknown_trigger",
            format!("unknown trigger `{id}`; the triggers are {}", known.join(", ")),
        )
    })?;
    Ok(Json(TriggerDetail {
        entry: entry(trigger),
        form: syncaut_actions::schema::trigger_schema(trigger),
        output: syncaut_actions::output::trigger_envelope_schema(trigger),
        variables: serde_json::to_value(syncaut_actions::output::trigger_variables(trigger)).unwrap_or(Value::Null),
    }))
}

/// A workflow to save.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewWorkflow {
    /// The workflow file as JSON (or its text); it needs a `name`, and may start with a
    /// `trigger:`.
    workflow: Value,
    /// The workspace whose credentials it uses (default `default`).
    #[serde(default)]
    workspace: Option<String>,
}

/// A saved workflow's trigger.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TriggerView {
    /// The trigger id.
    #[serde(rename = "type")]
    kind: &'static str,
    /// `poll` or `webhook`.
    mode: &'static str,
    /// How often it polls, in seconds (in webhook mode, also the safety net's least
    /// interval).
    every_seconds: u64,
    /// Where BigCommerce delivers its webhooks, in webhook mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    receiver: Option<String>,
    /// BigCommerce's subscription, in webhook mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    hook_id: Option<i64>,
}

/// A saved workflow.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WorkflowView {
    /// Its name.
    name: String,
    /// Its workspace.
    workspace: String,
    /// Its trigger, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    trigger: Option<TriggerView>,
    /// When it was saved.
    created_at: String,
}

fn view(saved: &SavedWorkflow) -> WorkflowView {
    let plan = Plan::parse(&saved.definition).ok();
    let trigger = plan.as_ref().and_then(|p| p.trigger.as_ref()).map(|t| TriggerView {
        kind: t.trigger.id,
        mode: t.mode.as_str(),
        every_seconds: t.every.as_secs(),
        receiver: (t.mode == syncaut_workflow::Mode::Webhook)
            .then(|| saved.trigger_id.as_ref().map(|id| format!("/v1/hooks/{id}")))
            .flatten(),
        hook_id: saved.hook_id,
    });
    WorkflowView {
        name: saved.name.clone(),
        workspace: saved.workspace.clone(),
        trigger,
        created_at: saved.created_at.clone(),
    }
}

/// The saved workflows.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WorkflowList {
    /// By name.
    workflows: Vec<WorkflowView>,
}

fn watch_error(e: &WatchError) -> ApiError {
    let status = match e {
        WatchError::Invalid(_) | WatchError::NoPublicUrl => StatusCode::UNPROCESSABLE_ENTITY,
        WatchError::Exists(_) => StatusCode::CONFLICT,
        WatchError::NotFound(_) => StatusCode::NOT_FOUND,
        WatchError::Store(e) => return ApiError::exec(e),
        WatchError::Runs(e) => return ApiError::runs(e),
    };
    ApiError::new(status, e.code(), e.to_string())
}

/// Saves a workflow. One with a trigger starts a run for each event from now on: in
/// poll mode by asking the store every interval; in webhook mode BigCommerce calls
/// `/v1/hooks/{trigger}` (SYNCAUT_PUBLIC_URL must reach the service), with a poll now and
/// then as a safety net.
#[utoipa::path(post, path = "/v1/workflows", tag = "workflows", security(("bearer" = [])),
    request_body = NewWorkflow,
    responses((status = 201, description = "Saved", body = WorkflowView),
        (status = 409, description = "`workflow_exists`", body = ErrorBody),
        (status = 422, description = "`invalid_workflow`, `credential_not_found`, `public_url_missing`", body = ErrorBody)))]
pub(crate) async fn save_workflow(
    State(app): State<App>,
    ApiJson(input): ApiJson<NewWorkflow>,
) -> Result<(StatusCode, Json<WorkflowView>), ApiError> {
    let workspace = input.workspace.unwrap_or_else(|| DEFAULT_WORKSPACE.to_owned());
    let (text, plan) = check_workflow(&app, &input.workflow, &workspace, true).await?;
    let saved = app
        .watcher
        .save(&text, &plan, &workspace)
        .await
        .map_err(|e| watch_error(&e))?;
    Ok((StatusCode::CREATED, Json(view(&saved))))
}

/// The saved workflows.
#[utoipa::path(get, path = "/v1/workflows", tag = "workflows", security(("bearer" = [])),
    responses((status = 200, description = "OK", body = WorkflowList)))]
pub(crate) async fn list_workflows(State(app): State<App>) -> Result<Json<WorkflowList>, ApiError> {
    let saved = app.watcher.list().await.map_err(|e| ApiError::runs(&e))?;
    Ok(Json(WorkflowList {
        workflows: saved.iter().map(view).collect(),
    }))
}

/// Deletes a saved workflow (and its webhook subscription); its runs stay.
#[utoipa::path(delete, path = "/v1/workflows/{name}", tag = "workflows", security(("bearer" = [])),
    params(("name" = String, Path, description = "The workflow's name")),
    responses((status = 204, description = "Deleted, with its webhook subscription"),
        (status = 200, description = "Deleted; its webhook subscription could not be (`{\"deleted\", \"warning\"}`)"),
        (status = 404, description = "`workflow_not_found`", body = ErrorBody)))]
pub(crate) async fn delete_workflow(
    State(app): State<App>,
    Path(name): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    match app.watcher.delete(&name).await.map_err(|e| watch_error(&e))? {
        None => Ok(StatusCode::NO_CONTENT.into_response()),
        // Deleted, but BigCommerce still holds the subscription: say so.
        Some(warning) => Ok((
            StatusCode::OK,
            Json(serde_json::json!({"deleted": name, "warning": warning})),
        )
            .into_response()),
    }
}

/// BigCommerce's webhook deliveries for a saved workflow's trigger. Needs the trigger's
/// secret in `X-Syncaut-Hook-Secret` (not the API key); answers 200 at once and starts the
/// run after fetching the full record.
#[utoipa::path(post, path = "/v1/hooks/{trigger}", tag = "workflows",
    params(("trigger" = String, Path, description = "The trigger's receiver id")),
    responses((status = 200, description = "Received"),
        (status = 400, description = "`invalid_payload`", body = ErrorBody),
        (status = 401, description = "`invalid_hook_secret`", body = ErrorBody),
        (status = 404, description = "`unknown_trigger`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody)))]
pub(crate) async fn receive_hook(
    State(app): State<App>,
    Path(trigger): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let secret = headers.get(SECRET_HEADER).and_then(|v| v.to_str().ok());
    match app.watcher.receive(&trigger, secret, &body).await {
        Ok(()) => Ok(StatusCode::OK),
        Err(Refused::UnknownTrigger) => Err(ApiError::not_found(
            "unknown_trigger",
            "no saved workflow's trigger receives webhooks here",
        )),
        Err(Refused::BadSecret) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_hook_secret",
            format!(
                "the {SECRET_HEADER} header is missing or wrong; BigCommerce sends the one set when the trigger subscribed"
            ),
        )),
        Err(Refused::BadPayload) => Err(ApiError::bad_request(
            "invalid_payload",
            "the body is not a BigCommerce webhook payload (JSON with `hash` and `data.id`)",
        )),
        Err(Refused::Unavailable) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "the run database does not answer; BigCommerce delivers the event again later",
        )),
    }
}
