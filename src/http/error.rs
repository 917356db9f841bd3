//! How errors reach HTTP: one `ApiError` that renders `{"error": ..., "detail": ...}`.
//!
//! Bad input is a 4xx that names the parameter; faults are a generic 500 whose
//! details go only to the log. `ApiQuery` and `ApiPath` parse query strings
//! and path segments with rejections in the same JSON shape, and
//! `json_error_shape` gives what axum itself answers (a 405, a body too large,
//! any extractor rejection a handler did not map) that shape too.

use std::collections::BTreeMap;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A parameter is missing, malformed or out of range.
    #[error("{parameter}: {message}")]
    BadRequest { parameter: String, message: String },
    /// An upload the atlas will not read; `refused` is a short code of why
    /// (`references`, `zip_member`, ...), `message` says it in words.
    #[error("{parameter}: {message}")]
    Refused {
        parameter: String,
        refused: &'static str,
        message: String,
    },
    #[error("{0}")]
    NotFound(String),
    /// No credential, or a wrong or expired one.
    #[error("{0}")]
    Unauthorized(String),
    /// A valid credential whose role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The edit was made on an old version; `detail` says which is current.
    #[error("{message}")]
    Conflict {
        message: String,
        detail: serde_json::Value,
    },
    /// The store cannot be reached (PostgreSQL restarting, the network
    /// down): nothing was written; the text is logged, not sent.
    #[error("{0}")]
    Unavailable(String),
    /// Too many failed logins: wait `retry_after_s` seconds (`429` with
    /// `Retry-After`); `detail` says which limit.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_s: u64,
        detail: serde_json::Value,
    },
    /// The server cannot take this request now; try again in a second
    /// (`503` with `Retry-After: 1`).
    #[error("{0}")]
    Busy(String),
    /// A fault of the atlas itself; the text is logged, not sent.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(parameter: &str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            parameter: parameter.to_string(),
            message: message.into(),
        }
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        ApiError::Internal(error.to_string())
    }

    /// A store error that no handler turns into a 4xx: 503 when the store
    /// cannot be reached, else a fault.
    pub fn store(error: crate::store::StoreError) -> Self {
        if error.is_unavailable() {
            ApiError::Unavailable(error.to_string())
        } else {
            ApiError::Internal(error.to_string())
        }
    }
}

/// Seconds a client is asked to wait after a 503.
const RETRY_AFTER_SECONDS: &str = "5";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            ApiError::BadRequest { parameter, message } => (
                StatusCode::BAD_REQUEST,
                json!({"error": format!("invalid parameter '{parameter}': {message}"), "detail": {"parameter": parameter}}),
            ),
            ApiError::Refused {
                parameter,
                refused,
                message,
            } => (
                StatusCode::BAD_REQUEST,
                json!({"error": format!("invalid parameter '{parameter}': {message}"), "detail": {"parameter": parameter, "refused": refused}}),
            ),
            ApiError::NotFound(message) => (StatusCode::NOT_FOUND, json!({"error": message})),
            ApiError::Unauthorized(message) => {
                let body = Json(json!({"error": message}));
                let challenge = [(axum::http::header::WWW_AUTHENTICATE, "Bearer")];
                return (StatusCode::UNAUTHORIZED, challenge, body).into_response();
            }
            ApiError::Forbidden(message) => (StatusCode::FORBIDDEN, json!({"error": message})),
            ApiError::Conflict { message, detail } => (
                StatusCode::CONFLICT,
                json!({"error": message, "detail": detail}),
            ),
            ApiError::Unavailable(message) => {
                tracing::warn!("store unavailable: {message}");
                let body = Json(json!({
                    "error": "the data store cannot be reached just now; nothing was written, try again shortly"
                }));
                let retry = [(axum::http::header::RETRY_AFTER, RETRY_AFTER_SECONDS)];
                return (StatusCode::SERVICE_UNAVAILABLE, retry, body).into_response();
            }
            ApiError::TooManyRequests {
                message,
                retry_after_s,
                detail,
            } => {
                let body = Json(json!({"error": message, "detail": detail}));
                let retry_after = [(axum::http::header::RETRY_AFTER, retry_after_s.to_string())];
                return (StatusCode::TOO_MANY_REQUESTS, retry_after, body).into_response();
            }
            ApiError::Busy(message) => {
                let body = Json(json!({"error": message}));
                let retry_after = [(axum::http::header::RETRY_AFTER, "1")];
                return (StatusCode::SERVICE_UNAVAILABLE, retry_after, body).into_response();
            }
            ApiError::Internal(message) => {
                tracing::error!("internal error: {message}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"error": "internal error; the details are in the server log"}),
                )
            }
        };
        (status, Json(body)).into_response()
    }
}

/// Query parameters as a name → value map, refusing names not in `allowed`.
pub struct ApiQuery(pub BTreeMap<String, String>);

impl ApiQuery {
    /// Refuse parameters the endpoint does not know (a typo would otherwise
    /// be silently ignored).
    pub fn only(&self, allowed: &[&str]) -> Result<(), ApiError> {
        match self.0.keys().find(|name| !allowed.contains(&name.as_str())) {
            Some(unknown) => Err(ApiError::bad_request(
                unknown,
                format!(
                    "unknown parameter (expected one of: {})",
                    allowed.join(", ")
                ),
            )),
            None => Ok(()),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ApiQuery {
    type Rejection = ApiError;

    /// Every `name=value` pair in order; a name given twice is refused (the
    /// last would otherwise silently win).
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| ApiError::bad_request("query", rejection.body_text()))?;
        let mut map = BTreeMap::new();
        for (name, value) in pairs {
            if map.contains_key(&name) {
                return Err(ApiError::bad_request(
                    &name,
                    "given more than once in the query string; give it once",
                ));
            }
            map.insert(name, value);
        }
        Ok(ApiQuery(map))
    }
}

/// Path segments (as axum's `Path`), with a rejection (invalid UTF-8 after
/// percent-decoding, a segment of the wrong type) in the JSON error shape,
/// naming the parameter `path`.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| ApiPath(value))
            .map_err(|rejection| ApiError::bad_request("path", rejection.body_text()))
    }
}

/// The largest error body `json_error_shape` reads to rewrite it.
const MAX_REWRITTEN_ERROR_BYTES: usize = 64 * 1024;

/// Middleware: an error answer (4xx or 5xx) that is not JSON (axum's empty
/// 405, its plain-text rejections, a body too large) becomes
/// `{"error": ..., "detail": {"parameter": ...}}`, the parameter being
/// `method`, `body` or `request`. Answers already in the shape pass as
/// they are.
pub async fn json_error_shape(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_REWRITTEN_ERROR_BYTES)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_string())
        .unwrap_or_default();
    let (parameter, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = parts
                .headers
                .get(axum::http::header::ALLOW)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("")
                .to_string();
            (
                "method",
                format!("{method} is not allowed on this route (allowed: {allowed})"),
            )
        }
        StatusCode::PAYLOAD_TOO_LARGE => ("body", "the request body is too large".to_string()),
        _ if status.is_server_error() => {
            tracing::error!("internal error without a JSON body: {status} {text}");
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            parts.headers.remove(axum::http::header::CONTENT_TYPE);
            let body = json!({"error": "internal error; the details are in the server log"});
            return (parts, Json(body)).into_response();
        }
        _ if text.is_empty() => (
            "request",
            status
                .canonical_reason()
                .unwrap_or("bad request")
                .to_lowercase(),
        ),
        _ => ("request", text),
    };
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    parts.headers.remove(axum::http::header::CONTENT_TYPE);
    let body = json!({"error": format!("invalid parameter '{parameter}': {message}"), "detail": {"parameter": parameter}});
    (parts, Json(body)).into_response()
}
