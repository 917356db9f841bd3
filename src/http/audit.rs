//! `GET /api/audit`: the audit trail of edits, newest first, for planners and admins.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value as Json_};

use super::auth::Caller;
use super::error::{ApiError, ApiQuery};
use super::AppState;
use crate::store::AuditQuery;

/// The most entries one page may hold.
pub const MAX_LIMIT: usize = 1_000;
const DEFAULT_LIMIT: usize = 100;

fn count(query: &ApiQuery, name: &str, default: usize, max: usize) -> Result<usize, ApiError> {
    match query.get(name) {
        None => Ok(default),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|value| *value <= max)
            .ok_or_else(|| {
                ApiError::bad_request(
                    name,
                    format!("'{text}' is not a whole number from 0 to {max}"),
                )
            }),
    }
}

/// `?target=shop_units&target_id=...&actor=...&limit=&offset=`
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: ApiQuery,
) -> Result<Json<Json_>, ApiError> {
    caller.require(|role| role.may_read_audit(), "read the audit trail")?;
    query.only(&["target", "target_id", "actor", "limit", "offset"])?;
    let audit_query = AuditQuery {
        target: query.get("target").map(str::to_string),
        target_id: query.get("target_id").map(str::to_string),
        actor: query.get("actor").map(str::to_string),
        limit: count(&query, "limit", DEFAULT_LIMIT, MAX_LIMIT)?,
        offset: count(&query, "offset", 0, usize::MAX >> 2)?,
    };
    let entries = state
        .store()
        .read_audit(&audit_query)
        .await
        .map_err(ApiError::store)?;
    let entries: Vec<Json_> = entries
        .into_iter()
        .map(|entry| {
            json!({
                "audit_id": entry.audit_id,
                "at": entry.at,
                "actor": entry.actor,
                "action": entry.action,
                "target": entry.target,
                "target_id": entry.target_id,
                "before": entry.before,
                "after": entry.after,
            })
        })
        .collect();
    Ok(Json(json!({ "entries": entries })))
}
