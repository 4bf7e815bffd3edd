//! `POST /v1/options/{source}`: values of form fields that live in the store (the fields
//! whose schema carries `x-options`), read with the user's saved credential.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use syncaut_actions::options::{OPTION_SOURCES, find_source};
use syncaut_credentials::DEFAULT_WORKSPACE;
use syncaut_executor::OptionsQuery;
use utoipa::ToSchema;

use crate::App;
use crate::error::{ApiError, ErrorBody};
use crate::routes::ApiJson;

/// Where to read options, and which page.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct OptionsRequest {
    /// The saved credential to read with.
    credential: String,
    /// The store hash.
    store_hash: String,
    /// What the user typed (sources with `"search": true` in `x-options`).
    #[serde(default)]
    search: Option<String>,
    /// The `next` of the previous page.
    #[serde(default)]
    cursor: Option<String>,
    /// The credential's workspace (default `default`).
    #[serde(default)]
    workspace: Option<String>,
}

/// One option.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OptionView {
    /// The value the field takes (an ID).
    #[schema(value_type = i64)]
    value: serde_json::Value,
    /// What the user sees, such as `Kitchen › Jars`.
    label: String,
}

/// A page of options.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OptionsAnswer {
    /// The options.
    options: Vec<OptionView>,
    /// Pass it back as `cursor` for more.
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
}

/// Options for a form field from the store: `source` is the `x-options.source` of the
/// field's schema (`categories`, `customer_groups`, `brands`, `channels`, `locations`,
/// `products`, `customers`).
#[utoipa::path(post, path = "/v1/options/{source}", tag = "actions", security(("bearer" = [])),
    params(("source" = String, Path, description = "The option source, from the field's `x-options`")),
    request_body = OptionsRequest,
    responses((status = 200, description = "OK", body = OptionsAnswer), (status = 404, description = "Not found (the error says what)", body = ErrorBody),
        (status = 422, description = "The credential does not work for the store", body = ErrorBody),
        (status = 502, description = "BigCommerce answered unusably (the error says how)", body = ErrorBody)))]
pub(crate) async fn options(
    State(app): State<App>,
    Path(source): Path<String>,
    ApiJson(input): ApiJson<OptionsRequest>,
) -> Result<Json<OptionsAnswer>, ApiError> {
    let source = find_source(&source).ok_or_else(|| {
        let known: Vec<&str> = OPTION_SOURCES.iter().map(|s| s.id).collect();
        ApiError::not_found(
            "unknown_option_source",
            format!(
                "no option source is called `{source}`; the sources are {}",
                known.join(", ")
            ),
        )
    })?;
    let hash = bigcommerce_api::StoreHash::new(&input.store_hash)
        .map_err(|e| ApiError::unprocessable(e.code(), e.to_string()))?;
    let workspace = input.workspace.as_deref().unwrap_or(DEFAULT_WORKSPACE);
    let token = app
        .vault
        .token(workspace, &input.credential)
        .await
        .map_err(|e| ApiError::vault(&e))?;
    let query = OptionsQuery {
        search: input.search.as_deref(),
        cursor: input.cursor.as_deref(),
    };
    let page = app.executor.options(source, &hash, &token, query).await.map_err(|e| {
        let mut error = ApiError::exec(&e);
        if matches!(e.code(), "store_not_found" | "invalid_param") {
            error.status = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        }
        error
    })?;
    Ok(Json(OptionsAnswer {
        options: page
            .options
            .into_iter()
            .map(|o| OptionView {
                value: o.value,
                label: o.label,
            })
            .collect(),
        next: page.next,
    }))
}
