//! Editing the shop-unit inventory: create a unit, record a change as an
//! event (optimistic concurrency by version), read a unit's history.
//!
//! A unit's version is the number of events in its history. Each edit is one
//! store transaction: the version check, the event, the unit's snapshot row
//! (its state today) and the audit entry; then the engine is swapped and the
//! touched tiles dropped, so the map shows the edit at once.

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{NaiveDate, Utc};
use geo::{coord, Rect};
use serde_json::{json, Value as Json_};

use super::auth::Caller;
use super::error::{ApiError, ApiPath};
use super::AppState;
use crate::engine::Engine;
use crate::model::access::AuditEntry;
use crate::model::geojson::{properties_to_json, Audience};
use crate::model::history::UnitHistory;
use crate::model::unit_edit::{parse_change, parse_draft, unit_state};
use crate::model::{Feature, LayerId, LayerRecord, ModelError, ShopUnit, UnitEvent};
use crate::store::{EditGuard, StoreError};

const LAYER: LayerId = LayerId::ShopUnits;

/// How far beyond the mapped city a new unit may lie, in degrees (~1 km).
const EXTENT_MARGIN_DEG: f64 = 0.01;

/// Where units may be: the mapped city with a margin, or anywhere on Earth
/// for an atlas that maps nothing yet.
fn allowed_extent(engine: &Engine) -> Rect<f64> {
    engine
        .city_extent(EXTENT_MARGIN_DEG)
        .unwrap_or_else(|| Rect::new(coord! {x: -180.0, y: -90.0}, coord! {x: 180.0, y: 90.0}))
}

fn field_error(error: ModelError) -> ApiError {
    match error {
        ModelError::Field { field, reason } => ApiError::bad_request(&field, reason),
        ModelError::Geometry(reason) => ApiError::bad_request("geometry", reason),
    }
}

fn body_of(body: Result<Json<Json_>, JsonRejection>) -> Result<Json_, ApiError> {
    body.map(|Json(value)| value)
        .map_err(|rejection| ApiError::bad_request("body", rejection.body_text()))
}

fn store_error(error: StoreError) -> ApiError {
    match error {
        StoreError::Conflict {
            unit_id,
            expected,
            current,
        } => ApiError::Conflict {
            message: format!(
                "shop unit '{unit_id}' was changed by someone else: it is at version {current}, \
                 the edit was made on version {expected}; reload it and edit again"
            ),
            detail: json!({"unit_id": unit_id, "version": current}),
        },
        StoreError::Invalid { source, .. } => field_error(source),
        other => ApiError::store(other),
    }
}

/// The unit's snapshot row: its state today, or on its first day if that is
/// still ahead.
fn snapshot(unit: &ShopUnit, events: &[UnitEvent], today: NaiveDate) -> Option<ShopUnit> {
    unit_state(unit, events, today).or_else(|| {
        let first_day = events.iter().map(|event| event.valid_from).min()?;
        unit_state(unit, events, first_day)
    })
}

/// `{"id", "lon", "lat", ...properties}` as the caller may see it.
fn unit_json(feature: &Feature, audience: Audience) -> Json_ {
    let mut object = properties_to_json(feature, LAYER.schema(), audience);
    object.insert("id".into(), json!(feature.id));
    if let geo::Geometry::Point(point) = &feature.geometry {
        object.insert("lon".into(), json!(point.x()));
        object.insert("lat".into(), json!(point.y()));
    }
    Json_::Object(object)
}

fn event_json(event: &UnitEvent, audience: Audience) -> Json_ {
    let mut object = json!({
        "event_id": event.event_id,
        "valid_from": event.valid_from,
        "recorded_at": event.recorded_at,
        "status": event.status,
        "category": event.category,
        "kind": event.kind,
        "floor_area_m2": event.floor_area_m2,
    });
    // `recorded_by` is a staff member's login name: not for the public
    if audience == Audience::Confidential {
        object["recorded_by"] = json!(event.recorded_by);
        object["occupant"] = json!(event.occupant);
        object["note"] = json!(event.note);
    }
    object
}

fn audit_entry(
    who: &str,
    action: &str,
    unit_id: &str,
    before: Option<Json_>,
    after: Json_,
) -> AuditEntry {
    AuditEntry {
        audit_id: 0,
        at: Utc::now(),
        actor: who.to_string(),
        action: action.to_string(),
        target: LAYER.to_string(),
        target_id: unit_id.to_string(),
        before,
        after: Some(after),
    }
}

fn unit_record(engine: &Engine, unit_id: &str) -> Result<ShopUnit, ApiError> {
    let feature = engine
        .layer(LAYER)
        .get(unit_id)
        .ok_or_else(|| ApiError::NotFound(format!("no shop unit '{unit_id}'")))?;
    ShopUnit::from_feature(feature).map_err(ApiError::internal)
}

/// The events of one unit, in precedence order.
fn unit_history(engine: &Engine, unit_id: &str) -> UnitHistory {
    UnitHistory::new(
        engine
            .unit_events()
            .iter()
            .filter(|event| event.unit_id == unit_id)
            .cloned()
            .collect(),
    )
}

/// The id a new event is ordered by until the store gives it one: larger
/// than any the store has handed out.
const PROVISIONAL_EVENT_ID: i64 = i64::MAX;

/// `{"unit", "version"}` as stored: from the snapshot that has the write.
fn stored_unit_answer(
    engine: &Engine,
    unit_id: &str,
    audience: Audience,
) -> Result<Json_, ApiError> {
    let feature = engine.layer(LAYER).get(unit_id).ok_or_else(|| {
        ApiError::internal(format!(
            "shop unit '{unit_id}' was written but is not in the snapshot"
        ))
    })?;
    let version = unit_history(engine, unit_id).events().len();
    Ok(json!({"unit": unit_json(feature, audience), "version": version}))
}

/// `POST /api/shop_units`: a new unit and the first event of its history.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<Json_>, JsonRejection>,
) -> Result<Response, ApiError> {
    let who = caller.editor_of(LAYER)?.name.clone();
    let body = body_of(body)?;
    let engine = state.engine();
    let today = Utc::now().date_naive();
    let draft = parse_draft(&body, today, allowed_extent(&engine)).map_err(field_error)?;
    let unit_id = match draft.id {
        Some(id) if engine.layer(LAYER).get(&id).is_some() => {
            return Err(ApiError::Conflict {
                message: format!("shop unit '{id}' already exists; record a change to it instead"),
                detail: json!({"unit_id": id}),
            })
        }
        Some(id) => id,
        None => format!("su-{}", &crate::auth::generate_token()[6..18]),
    };
    let event = draft.event.into_event(&unit_id, &who, Utc::now());
    let placed = ShopUnit {
        id: unit_id.clone(),
        geometry: draft.location,
        address: draft.address,
        street: draft.street,
        floor_area_m2: event.floor_area_m2,
        category: event.category,
        kind: event.kind,
        status: event.status,
        status_since: event.valid_from,
        occupant: event.occupant.clone(),
        area_id: engine.shopping_area_at(draft.location),
    };
    let unit = snapshot(&placed, std::slice::from_ref(&event), today)
        .unwrap_or(placed)
        .to_feature();
    let after = json!({"unit": unit_json(&unit, Audience::Confidential), "event": event_json(&event, Audience::Confidential)});
    let guard = EditGuard {
        expect_versions: vec![(unit_id.clone(), 0)],
        audit: vec![audit_entry(&who, "shop_unit.create", &unit_id, None, after)],
    };
    let written = state
        .write_edit(LAYER, vec![unit], vec![event], guard)
        .await
        .map_err(store_error)?;
    let answer = stored_unit_answer(&written.engine, &unit_id, caller.audience(LAYER))?;
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

/// `POST /api/shop_units/{id}/events`: record a change made on `version`.
pub async fn record_event(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(unit_id): ApiPath<String>,
    body: Result<Json<Json_>, JsonRejection>,
) -> Result<Json<Json_>, ApiError> {
    let who = caller.editor_of(LAYER)?.name.clone();
    let body = body_of(body)?;
    let engine = state.engine();
    let unit = unit_record(&engine, &unit_id)?;
    let history = unit_history(&engine, &unit_id);
    let version = history.events().len() as u64;
    let today = Utc::now().date_naive();
    let change =
        parse_change(&body, today, |date| history.state_on(date).cloned()).map_err(field_error)?;
    if change.version != version {
        return Err(store_error(StoreError::Conflict {
            unit_id,
            expected: change.version,
            current: version,
        }));
    }
    let event = change.event.into_event(&unit_id, &who, Utc::now());
    let mut events = history.events().to_vec();
    // the store gives the event an id after every stored one: it is the
    // newest, also against an event of the same day and second
    events.push(UnitEvent {
        event_id: PROVISIONAL_EVENT_ID,
        ..event.clone()
    });
    let before = unit.to_feature();
    let after = snapshot(&unit, &events, today).unwrap_or(unit).to_feature();
    let audit = audit_entry(
        &who,
        "shop_unit.event",
        &unit_id,
        Some(unit_json(&before, Audience::Confidential)),
        json!({"unit": unit_json(&after, Audience::Confidential), "event": event_json(&event, Audience::Confidential)}),
    );
    let guard = EditGuard {
        expect_versions: vec![(unit_id.clone(), version)],
        audit: vec![audit],
    };
    let written = state
        .write_edit(LAYER, vec![after], vec![event], guard)
        .await
        .map_err(store_error)?;
    stored_unit_answer(&written.engine, &unit_id, caller.audience(LAYER)).map(Json)
}

/// `GET /api/shop_units/{id}/history`: every event, occupants and notes only
/// for those who may see them.
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(unit_id): ApiPath<String>,
) -> Result<Json<Json_>, ApiError> {
    let engine = state.engine();
    unit_record(&engine, &unit_id)?;
    let history = unit_history(&engine, &unit_id);
    let audience = caller.audience(LAYER);
    let events: Vec<Json_> = history
        .events()
        .iter()
        .map(|event| event_json(event, audience))
        .collect();
    Ok(Json(
        json!({"unit_id": unit_id, "version": events.len(), "events": events}),
    ))
}
