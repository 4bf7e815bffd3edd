//! The service's OpenAPI document, generated from the handlers and their types.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{ErrorBody, ErrorDetail};
use crate::routes;

/// The bearer scheme every `/v1` route names.
struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The API key: SYNCAUT_API_KEY, or api.key in the data directory (generated on first start)",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Syncaut BigCommerce service",
        description = "Forms, the variable picker, dynamic options, credentials and durable workflow runs of Syncaut's BigCommerce node. Errors are {\"error\": {\"code\", \"message\"}}."
    ),
    paths(
        routes::healthz,
        routes::list_actions,
        routes::get_action,
        routes::variables,
        crate::options::options,
        routes::add_credential,
        routes::list_credentials,
        routes::remove_credential,
        routes::test_credential,
        routes::create_run,
        routes::list_runs,
        routes::get_run,
        routes::cancel_run,
        routes::run_events,
        crate::workflows::list_triggers,
        crate::workflows::get_trigger,
        crate::workflows::save_workflow,
        crate::workflows::list_workflows,
        crate::workflows::delete_workflow,
        crate::workflows::receive_hook,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&Bearer),
    tags(
        (name = "service", description = "Health"),
        (name = "actions", description = "The BigCommerce actions: forms, outputs, the variable picker"),
        (name = "credentials", description = "Saved API tokens (write-only)"),
        (name = "runs", description = "Durable workflow runs and their events"),
        (name = "workflows", description = "Saved workflows, their triggers, and the webhook receiver BigCommerce calls"),
    )
)]
struct ApiDoc;

/// The document.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// `GET /openapi.json`.
pub(crate) async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}
