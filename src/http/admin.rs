//! `GET /api/admin/rejected`: the stored features the atlas keeps out of
//! its engine (not valid for its model, e.g. a geometry broken in QGIS),
//! with their reasons, until a later change fixes them. Admins only.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value as Json_};

use super::auth::Caller;
use super::error::{ApiError, ApiQuery};
use super::AppState;
use crate::model::access::Role;

pub async fn rejected(
    State(state): State<AppState>,
    caller: Caller,
    query: ApiQuery,
) -> Result<Json<Json_>, ApiError> {
    caller.require(|role| role == Role::Admin, "list the rejected features")?;
    query.only(&[])?;
    let features: Vec<Json_> = state
        .app()
        .rejected()
        .into_iter()
        .map(|held| {
            json!({
                "layer": held.layer.as_str(),
                "id": held.feature_id,
                "reason": held.reason,
                "since": held.since,
            })
        })
        .collect();
    Ok(Json(json!({"count": features.len(), "features": features})))
}
