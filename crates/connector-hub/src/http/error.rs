//! The one place errors become HTTP answers: [`HttpError`] carries a status, a stable code and
//! a message; the API answers it as `{"error": {"code", "message"}}` and the pages show its
//! message on an error page.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::service::HubError;

/// A refused or failed request, for the API and the pages alike.
#[derive(Debug)]
pub struct HttpError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds to wait, for 429.
    pub retry_after: Option<u64>,
}

/// The JSON body of every API error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable machine-readable code, e.g. `key_revoked` or `insufficient_scope`.
    pub code: String,
    /// What went wrong and what to do next.
    pub message: String,
}

impl HttpError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", message)
    }
}

impl From<HubError> for HttpError {
    fn from(e: HubError) -> Self {
        match e {
            HubError::Invalid { .. } => HttpError::invalid(e.to_string()),
            HubError::NotFound(m) => HttpError::not_found(m),
            HubError::Busy(m) => {
                let mut e = HttpError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", m);
                e.retry_after = Some(5);
                e
            }
            HubError::Conflict { code, message } => {
                HttpError::new(StatusCode::CONFLICT, code, message)
            }
            HubError::Refused {
                status,
                code,
                message,
            } => HttpError::new(
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
                code,
                message,
            ),
            HubError::Store(e) => {
                tracing::error!("{e}");
                HttpError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the hub's database failed; the operator can find the cause in the hub's log",
                )
            }
            HubError::Key(e) => {
                tracing::error!("{e}");
                HttpError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "sealed_credentials",
                    "the stored credentials of this account cannot be opened with the hub's master \
                     keys; the operator can find the cause in the hub's log",
                )
            }
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from(seconds.max(1)));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                "www-authenticate",
                HeaderValue::from_static("Bearer realm=\"connector-hub\""),
            );
        }
        response
    }
}
