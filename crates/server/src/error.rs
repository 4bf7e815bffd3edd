//! Every error the API answers: `{"error": {"code", "message"}}`, the code stable (the
//! executor's codes where a step or BigCommerce failed), the message saying what to do.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use syncaut_credentials::VaultError;
use syncaut_executor::ExecError;
use syncaut_runs::RunsError;
use utoipa::ToSchema;

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable machine code.
    pub code: &'static str,
    /// What went wrong and what to do.
    pub message: String,
}

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// An error's code and message.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code, such as `invalid_workflow` or `credential_not_found`.
    pub code: String,
    /// What went wrong and what to do.
    pub message: String,
}

impl ApiError {
    /// An error with a status, a code and a message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// A request the API cannot use (400).
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// Well-formed but not acceptable (422).
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// Nothing there (404).
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// A step or BigCommerce failed: the executor's code, with a status that says whose
    /// side the problem is on.
    pub fn exec(error: &ExecError) -> Self {
        let status = match error.code() {
            "upstream_error" | "connection_failed" | "invalid_response" | "unexpected_status" | "redirect_refused"
            | "response_too_large" | "invalid_status" => StatusCode::BAD_GATEWAY,
            "timeout" | "deadline_exceeded" => StatusCode::GATEWAY_TIMEOUT,
            "rate_limited" => StatusCode::TOO_MANY_REQUESTS,
            "credential_not_found" | "not_found" => StatusCode::NOT_FOUND,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        Self::new(status, error.code(), error.to_string())
    }

    /// A vault error, with messages in the API's terms.
    pub fn vault(error: &VaultError) -> Self {
        match error {
            VaultError::NotFound { name, workspace } => Self::not_found(
                "credential_not_found",
                format!(
                    "Credential not found: there is no credential named `{name}` in workspace `{workspace}`; GET /v1/credentials lists the saved ones"
                ),
            ),
            VaultError::AlreadyExists(name) => Self::new(
                StatusCode::CONFLICT,
                "credential_exists",
                format!(
                    "a credential named `{name}` already exists in this workspace; choose another name, or DELETE /v1/credentials/{name} first to replace it"
                ),
            ),
            VaultError::InvalidName(_) | VaultError::EmptyToken | VaultError::InvalidToken(_) => {
                Self::unprocessable(error.code(), error.to_string())
            }
            VaultError::Busy(_) => Self::new(StatusCode::SERVICE_UNAVAILABLE, error.code(), error.to_string()),
            _ => Self::new(StatusCode::INTERNAL_SERVER_ERROR, error.code(), error.to_string()),
        }
    }

    /// A run store error.
    pub fn runs(error: &RunsError) -> Self {
        let status = match error {
            RunsError::NotFound(_) => StatusCode::NOT_FOUND,
            RunsError::Finished { .. } => StatusCode::CONFLICT,
            RunsError::InvalidWorkflow(_) => StatusCode::UNPROCESSABLE_ENTITY,
            RunsError::Database(_) | RunsError::Stopping | RunsError::Lost => StatusCode::SERVICE_UNAVAILABLE,
        };
        Self::new(status, error.code(), error.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let (code, message) = match &rejection {
            JsonRejection::MissingJsonContentType(_) => (
                "unsupported_media_type",
                "send the body as JSON with `Content-Type: application/json`".to_owned(),
            ),
            JsonRejection::JsonSyntaxError(_) => (
                "invalid_json",
                format!("the body is not valid JSON: {}", rejection.body_text()),
            ),
            JsonRejection::JsonDataError(_) => (
                "invalid_request",
                format!("the body does not have the expected fields: {}", rejection.body_text()),
            ),
            JsonRejection::BytesRejection(_) => (
                "payload_too_large",
                "the body could not be read; bodies are limited to 2 MiB".to_owned(),
            ),
            _ => ("invalid_request", rejection.body_text()),
        };
        Self::new(rejection.status(), code, message)
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::bad_request(
            "invalid_query",
            format!("the query string is not valid: {}", rejection.body_text()),
        )
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::bad_request("invalid_path", rejection.body_text())
    }
}
