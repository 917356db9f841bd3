//! Who is asking: the `Caller` extractor (Bearer token or session cookie),
//! the login endpoints, and the role checks that handlers call.
//!
//! No credential is the public; a wrong or expired one is a 401 (with the
//! stale cookie cleared), a valid one without the role a 403.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value as Json_};

use super::error::ApiError;
use super::AppState;
use crate::auth::{self, Identity, SESSION_IDLE_LIMIT};
use crate::model::access::Role;
use crate::model::geojson::Audience;
use crate::model::LayerId;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "atlas_session";

/// The longest name or password a login accepts.
const MAX_CREDENTIAL_CHARS: usize = 200;

/// The person behind a request, or `None` for the public.
#[derive(Debug, Clone)]
pub struct Caller(pub Option<Identity>);

impl Caller {
    pub fn role(&self) -> Role {
        self.0
            .as_ref()
            .map_or(Role::Public, |identity| identity.role)
    }

    /// What this caller may read of `layer`.
    pub fn audience(&self, layer: LayerId) -> Audience {
        if self.role().may_see_confidential(layer) {
            Audience::Confidential
        } else {
            Audience::Public
        }
    }

    /// The identity, if the role passes `allowed`; else 401 for the public and 403 for others.
    pub fn require(
        &self,
        allowed: impl Fn(Role) -> bool,
        what: &str,
    ) -> Result<&Identity, ApiError> {
        match &self.0 {
            None => Err(ApiError::Unauthorized(format!(
                "{what} needs a login (session cookie or Authorization: Bearer token)"
            ))),
            Some(identity) if allowed(identity.role) => Ok(identity),
            Some(identity) => Err(ApiError::Forbidden(format!(
                "role '{}' may not {what}",
                identity.role
            ))),
        }
    }

    /// The identity of someone who may edit `layer`.
    pub fn editor_of(&self, layer: LayerId) -> Result<&Identity, ApiError> {
        self.require(|role| role.may_edit(layer), &format!("edit {layer}"))
    }
}

fn bearer_token(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("");
    match text.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(ApiError::Unauthorized(
            "the Authorization header must be 'Bearer <token>'".into(),
        )),
    }
}

fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value that removes the session cookie.
fn cleared_cookie() -> String {
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// A 401 that also clears a stale session cookie.
struct StaleSession;

impl IntoResponse for StaleSession {
    fn into_response(self) -> Response {
        let mut response =
            ApiError::Unauthorized("the session has expired or is unknown; log in again".into())
                .into_response();
        if let Ok(value) = cleared_cookie().parse() {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
        response
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let now = Utc::now();
        if let Some(token) = bearer_token(&parts.headers).map_err(IntoResponse::into_response)? {
            return identity_of_token(state, token, now)
                .await
                .map(|identity| Caller(Some(identity)))
                .map_err(IntoResponse::into_response);
        }
        match session_cookie(&parts.headers) {
            None => Ok(Caller(None)),
            Some(id) => match state.sessions().identity(id, now) {
                Some(identity) => Ok(Caller(Some(identity))),
                None => Err(StaleSession.into_response()),
            },
        }
    }
}

async fn identity_of_token(
    state: &AppState,
    token: &str,
    now: chrono::DateTime<Utc>,
) -> Result<Identity, ApiError> {
    let wrong = || ApiError::Unauthorized("unknown API token".into());
    let stored = state
        .store()
        .token(&auth::secret_hash(token))
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(wrong)?;
    if stored.expires_at <= now {
        return Err(ApiError::Unauthorized(format!(
            "the API token expired on {}; ask for a new one (atlas user token NAME)",
            stored.expires_at.format("%Y-%m-%d")
        )));
    }
    let account = state
        .store()
        .account(&stored.account)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(wrong)?;
    Ok(Identity {
        name: account.name,
        role: account.role,
    })
}

fn identity_json(identity: Option<&Identity>) -> Json_ {
    match identity {
        Some(identity) => json!({"name": identity.name, "role": identity.role}),
        None => json!({"name": null, "role": Role::Public}),
    }
}

/// `GET /api/session`: who the caller is (`role: "public"` without a login).
pub async fn current(caller: Caller) -> Json<Json_> {
    Json(identity_json(caller.0.as_ref()))
}

/// A text field of the login body, checked.
fn credential<'a>(body: &'a Json_, field: &str) -> Result<&'a str, ApiError> {
    let text = body
        .get(field)
        .and_then(Json_::as_str)
        .ok_or_else(|| ApiError::bad_request(field, "a text value is required"))?;
    if text.is_empty() || text.chars().count() > MAX_CREDENTIAL_CHARS {
        return Err(ApiError::bad_request(
            field,
            format!("must be 1 to {MAX_CREDENTIAL_CHARS} characters"),
        ));
    }
    Ok(text)
}

/// `POST /api/session` with `{"name", "password"}`: log in; sets the cookie.
pub async fn login(
    State(state): State<AppState>,
    body: Result<Json<Json_>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) =
        body.map_err(|rejection| ApiError::bad_request("body", rejection.body_text()))?;
    let name = credential(&body, "name")?.to_string();
    let password = credential(&body, "password")?.to_string();
    let account = state
        .store()
        .account(&name)
        .await
        .map_err(ApiError::internal)?;
    // an unknown name costs one hash too, so timing does not tell names apart
    let stored_hash = account
        .as_ref()
        .map(|account| account.password_hash.clone())
        .unwrap_or_else(|| state.decoy_password_hash().to_string());
    let matches =
        tokio::task::spawn_blocking(move || auth::verify_password(&password, &stored_hash))
            .await
            .map_err(ApiError::internal)?;
    let account = match account {
        Some(account) if matches => account,
        _ => return Err(ApiError::Unauthorized("wrong name or password".into())),
    };
    let identity = Identity {
        name: account.name,
        role: account.role,
    };
    let session = state.sessions().open(identity.clone(), Utc::now());
    let cookie = format!(
        "{SESSION_COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        SESSION_IDLE_LIMIT.num_seconds()
    );
    Ok((
        StatusCode::OK,
        [(header::SET_COOKIE, cookie)],
        Json(identity_json(Some(&identity))),
    )
        .into_response())
}

/// `DELETE /api/session`: log out (always succeeds; clears the cookie).
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(id) = session_cookie(&headers) {
        state.sessions().close(id);
    }
    (
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, cleared_cookie())],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; atlas_session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(session_cookie(&headers), Some("abc"));
        headers.insert(header::COOKIE, "atlas_sessionx=1".parse().unwrap());
        assert_eq!(session_cookie(&headers), None);
    }

    #[test]
    fn only_bearer_authorization_is_taken() {
        let mut headers = HeaderMap::new();
        assert!(matches!(bearer_token(&headers), Ok(None)));
        headers.insert(header::AUTHORIZATION, "Bearer  atlas_x ".parse().unwrap());
        assert!(matches!(bearer_token(&headers), Ok(Some("atlas_x"))));
        headers.insert(header::AUTHORIZATION, "Basic dXNlcjpwdw==".parse().unwrap());
        assert!(matches!(
            bearer_token(&headers),
            Err(ApiError::Unauthorized(_))
        ));
    }
}
