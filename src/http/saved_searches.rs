//! Site searches saved for a company: `POST /api/sites/saved`,
//! `GET /api/sites/saved?company_id=`, and `PATCH` (a new name) or `DELETE`
//! `/api/sites/saved/{id}`, for `business` and `admin` (the roles that keep
//! companies). The request is checked exactly as a search would check it,
//! and each save, rename and delete is audited.

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value as Json_};

use super::auth::Caller;
use super::error::{ApiError, ApiPath, ApiQuery};
use super::AppState;
use crate::engine::sites::request::SiteRequest;
use crate::model::access::AuditEntry;
use crate::model::saved_search::{SavedSearch, SavedSearchChange};
use crate::model::LayerId;

const MAX_NAME_CHARS: usize = 200;

/// The roles that keep companies keep their searches.
fn may_save(role: crate::model::access::Role) -> bool {
    role.may_edit(LayerId::Companies)
}
const BODY_FIELDS: [&str; 3] = ["company_id", "name", "request"];

fn saved_json(search: &SavedSearch) -> Json_ {
    json!({
        "id": search.search_id,
        "company_id": search.company_id,
        "name": search.name,
        "request": search.request,
        "saved_by": search.saved_by,
        "saved_at": search.saved_at,
    })
}

fn text_field<'a>(body: &'a Json_, field: &str) -> Result<&'a str, ApiError> {
    let text = body
        .get(field)
        .and_then(Json_::as_str)
        .map(str::trim)
        .ok_or_else(|| ApiError::bad_request(field, "a text value is required"))?;
    if text.is_empty() || text.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::bad_request(
            field,
            format!("must be 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(text)
}

/// `POST /api/sites/saved` with `{"company_id", "name", "request": {...}}`.
pub async fn save(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<Json_>, JsonRejection>,
) -> Result<Response, ApiError> {
    let who = caller.require(may_save, "save site searches")?.name.clone();
    let Json(body) =
        body.map_err(|rejection| ApiError::bad_request("body", rejection.body_text()))?;
    let object = body
        .as_object()
        .ok_or_else(|| ApiError::bad_request("body", "must be a JSON object"))?;
    if let Some(unknown) = object
        .keys()
        .find(|key| !BODY_FIELDS.contains(&key.as_str()))
    {
        return Err(ApiError::bad_request(
            unknown,
            "unknown field (expected company_id, name, request)",
        ));
    }
    let company_id = text_field(&body, "company_id")?.to_string();
    if state
        .engine()
        .layer(LayerId::Companies)
        .get(&company_id)
        .is_none()
    {
        return Err(ApiError::bad_request(
            "company_id",
            format!("no company '{company_id}'"),
        ));
    }
    let name = text_field(&body, "name")?.to_string();
    let request = body
        .get("request")
        .filter(|request| request.is_object())
        .ok_or_else(|| {
            ApiError::bad_request(
                "request",
                "the search request, as a JSON object, is required",
            )
        })?
        .clone();
    SiteRequest::from_json(&request).map_err(|error| {
        ApiError::bad_request(&format!("request.{}", error.field), error.message)
    })?;
    let search = SavedSearch {
        search_id: 0,
        company_id,
        name,
        request,
        saved_by: who.clone(),
        saved_at: Utc::now(),
    };
    let audit = AuditEntry {
        audit_id: 0,
        at: search.saved_at,
        actor: who,
        action: "sites.save_search".into(),
        target: "saved_searches".into(),
        target_id: String::new(),
        before: None,
        after: Some(
            json!({"company_id": search.company_id, "name": search.name, "request": search.request}),
        ),
    };
    let search_id = state
        .store()
        .put_saved_search(&search, &audit)
        .await
        .map_err(ApiError::store)?;
    let saved = SavedSearch {
        search_id,
        ..search
    };
    Ok((StatusCode::CREATED, Json(saved_json(&saved))).into_response())
}

/// `GET /api/sites/saved?company_id=`: the searches kept, oldest first.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: ApiQuery,
) -> Result<Json<Json_>, ApiError> {
    caller.require(may_save, "read saved site searches")?;
    query.only(&["company_id"])?;
    let searches = state
        .store()
        .saved_searches(query.get("company_id"))
        .await
        .map_err(ApiError::store)?;
    Ok(Json(
        json!({"searches": searches.iter().map(saved_json).collect::<Vec<_>>()}),
    ))
}

/// The id in `/api/sites/saved/{id}`, or a 404.
fn search_id(text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::NotFound(format!("no saved search '{text}'")))
}

/// Apply `change` to search `id` as `who`, audited as `action`; 404 when it is not there.
async fn change(
    state: &AppState,
    id: &str,
    who: String,
    action: &str,
    change: SavedSearchChange,
) -> Result<SavedSearch, ApiError> {
    let search_id = search_id(id)?;
    let audit = AuditEntry {
        audit_id: 0,
        at: Utc::now(),
        actor: who,
        action: action.into(),
        target: "saved_searches".into(),
        target_id: search_id.to_string(),
        before: None,
        after: None,
    };
    state
        .store()
        .change_saved_search(search_id, &change, &audit)
        .await
        .map_err(ApiError::store)?
        .ok_or_else(|| ApiError::NotFound(format!("no saved search {search_id}")))
}

/// `PATCH /api/sites/saved/{id}` with `{"name"}`: a new name.
pub async fn rename(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    body: Result<Json<Json_>, JsonRejection>,
) -> Result<Json<Json_>, ApiError> {
    let who = caller
        .require(may_save, "rename saved site searches")?
        .name
        .clone();
    let Json(body) =
        body.map_err(|rejection| ApiError::bad_request("body", rejection.body_text()))?;
    if let Some(unknown) = body
        .as_object()
        .ok_or_else(|| ApiError::bad_request("body", "must be a JSON object"))?
        .keys()
        .find(|key| key.as_str() != "name")
    {
        return Err(ApiError::bad_request(
            unknown,
            "unknown field (expected name)",
        ));
    }
    let name = text_field(&body, "name")?.to_string();
    let before = change(
        &state,
        &id,
        who,
        "sites.rename_search",
        SavedSearchChange::Rename(name.clone()),
    )
    .await?;
    Ok(Json(saved_json(&SavedSearch { name, ..before })))
}

/// `DELETE /api/sites/saved/{id}`: 204, the search gone.
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let who = caller
        .require(may_save, "delete saved site searches")?
        .name
        .clone();
    change(
        &state,
        &id,
        who,
        "sites.delete_search",
        SavedSearchChange::Delete,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
