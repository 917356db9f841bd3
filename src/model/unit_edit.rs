//! Edits of the shop-unit inventory, read from JSON and checked field by
//! field: a new unit ([`UnitDraft`]) or a change to one ([`UnitChange`]),
//! each becoming one event of the unit's history.
//!
//! Every error names its field. Rules: a date between 1900-01-01 and a year
//! after today; a floor area above 0 and at most [`MAX_FLOOR_AREA_M2`]; a
//! point inside the city's extent; a kind only for daily shops; no field that
//! the edit does not know.

use chrono::{DateTime, Days, NaiveDate, Utc};
use geo::{Point, Rect};
use serde_json::{Map, Value as Json};

use super::history::UnitEvent;
use super::layers::{ShopCategory, ShopKind, ShopUnit, UnitStatus};
use super::ModelError;

/// The largest sales floor the atlas accepts; Belgium's largest shops are
/// well under it, so more is a typing error (a value in cm², say).
pub const MAX_FLOOR_AREA_M2: f64 = 50_000.0;
/// The longest text field.
pub const MAX_TEXT_CHARS: usize = 500;

fn field_error(field: &str, reason: impl Into<String>) -> ModelError {
    ModelError::Field {
        field: field.to_string(),
        reason: reason.into(),
    }
}

/// The JSON object of an edit, refusing fields outside `allowed`.
fn object<'a>(body: &'a Json, allowed: &[&str]) -> Result<&'a Map<String, Json>, ModelError> {
    let object = body
        .as_object()
        .ok_or_else(|| field_error("body", "must be a JSON object"))?;
    if let Some(unknown) = object.keys().find(|key| !allowed.contains(&key.as_str())) {
        return Err(field_error(
            unknown,
            format!("unknown field (expected one of: {})", allowed.join(", ")),
        ));
    }
    Ok(object)
}

fn required<'a>(object: &'a Map<String, Json>, field: &str) -> Result<&'a Json, ModelError> {
    match object.get(field) {
        None | Some(Json::Null) => Err(field_error(field, "is required")),
        Some(value) => Ok(value),
    }
}

fn text(value: &Json, field: &str) -> Result<String, ModelError> {
    let text = value
        .as_str()
        .ok_or_else(|| field_error(field, "must be text"))?
        .trim();
    if text.is_empty() {
        return Err(field_error(field, "must not be empty"));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(field_error(
            field,
            format!("is longer than {MAX_TEXT_CHARS} characters"),
        ));
    }
    Ok(text.to_string())
}

/// Text or null (which clears it).
fn optional_text(value: &Json, field: &str) -> Result<Option<String>, ModelError> {
    match value {
        Json::Null => Ok(None),
        other => text(other, field).map(Some),
    }
}

fn number(value: &Json, field: &str) -> Result<f64, ModelError> {
    value
        .as_f64()
        .filter(|number| number.is_finite())
        .ok_or_else(|| field_error(field, "must be a number"))
}

fn floor_area(value: &Json) -> Result<f64, ModelError> {
    let area = number(value, "floor_area_m2")?;
    if area <= 0.0 || area > MAX_FLOOR_AREA_M2 {
        return Err(field_error(
            "floor_area_m2",
            format!("{area} m² is not a sales floor (expected more than 0 and at most {MAX_FLOOR_AREA_M2} m²)"),
        ));
    }
    Ok(area)
}

fn vocabulary<T: std::str::FromStr<Err = String>>(
    value: &Json,
    field: &str,
) -> Result<T, ModelError> {
    let text = value
        .as_str()
        .ok_or_else(|| field_error(field, "must be text"))?;
    text.parse()
        .map_err(|reason: String| field_error(field, reason))
}

fn optional_kind(value: &Json) -> Result<Option<ShopKind>, ModelError> {
    match value {
        Json::Null => Ok(None),
        other => vocabulary(other, "kind").map(Some),
    }
}

/// A valid-from date: ISO, from 1900 on, at most a year after `today`.
fn valid_from(value: &Json, today: NaiveDate) -> Result<NaiveDate, ModelError> {
    let field = "valid_from";
    let text = value
        .as_str()
        .ok_or_else(|| field_error(field, "must be a date as YYYY-MM-DD"))?;
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| field_error(field, format!("'{text}' is not a date as YYYY-MM-DD")))?;
    let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a real date");
    let latest = today
        .checked_add_days(Days::new(365))
        .unwrap_or(NaiveDate::MAX);
    if date < earliest || date > latest {
        return Err(field_error(
            field,
            format!("{date} is outside {earliest} to {latest} (from 1900 to a year ahead)"),
        ));
    }
    Ok(date)
}

/// A kind belongs to daily shops only.
fn check_kind(category: ShopCategory, kind: Option<ShopKind>) -> Result<(), ModelError> {
    match kind {
        Some(kind) if category != ShopCategory::Daily => Err(field_error(
            "kind",
            format!("'{kind}' is a kind of daily shop, but the category is '{category}'"),
        )),
        _ => Ok(()),
    }
}

/// A new shop unit, with the first event of its history.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitDraft {
    pub id: Option<String>,
    pub location: Point<f64>,
    pub address: String,
    pub street: String,
    pub event: EventFields,
}

/// What one event says about a unit.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFields {
    pub valid_from: NaiveDate,
    pub status: UnitStatus,
    pub category: ShopCategory,
    pub kind: Option<ShopKind>,
    pub floor_area_m2: f64,
    pub occupant: Option<String>,
    pub note: Option<String>,
}

impl EventFields {
    /// The event for `unit_id`, recorded now by `who` (numbered by the store's writer).
    pub fn into_event(self, unit_id: &str, who: &str, now: DateTime<Utc>) -> UnitEvent {
        UnitEvent {
            event_id: 0,
            unit_id: unit_id.to_string(),
            valid_from: self.valid_from,
            recorded_at: now.with_nanosecond_zero(),
            recorded_by: who.to_string(),
            status: self.status,
            category: self.category,
            kind: self.kind,
            floor_area_m2: self.floor_area_m2,
            occupant: self.occupant,
            note: self.note,
        }
    }
}

trait WholeSeconds {
    fn with_nanosecond_zero(self) -> Self;
}

impl WholeSeconds for DateTime<Utc> {
    fn with_nanosecond_zero(self) -> Self {
        chrono::Timelike::with_nanosecond(&self, 0).unwrap_or(self)
    }
}

const DRAFT_FIELDS: [&str; 12] = [
    "id",
    "lon",
    "lat",
    "address",
    "street",
    "floor_area_m2",
    "category",
    "kind",
    "status",
    "occupant",
    "note",
    "valid_from",
];

/// Unit ids: letters, digits, `-`, `_` and `.`, at most 64.
fn unit_id(value: &Json) -> Result<String, ModelError> {
    let id = text(value, "id")?;
    let fine = id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !fine {
        return Err(field_error(
            "id",
            "must be at most 64 letters, digits, '-', '_' or '.'",
        ));
    }
    Ok(id)
}

/// A new unit from JSON; its point must lie in `extent` (the city's).
pub fn parse_draft(
    body: &Json,
    today: NaiveDate,
    extent: Rect<f64>,
) -> Result<UnitDraft, ModelError> {
    let object = object(body, &DRAFT_FIELDS)?;
    let lon = number(required(object, "lon")?, "lon")?;
    let lat = number(required(object, "lat")?, "lat")?;
    for (field, value, low, high) in [
        ("lon", lon, extent.min().x, extent.max().x),
        ("lat", lat, extent.min().y, extent.max().y),
    ] {
        if !(low..=high).contains(&value) {
            return Err(field_error(
                field,
                format!("{value} is outside the city ({low:.4} to {high:.4}; EPSG:4326 degrees)"),
            ));
        }
    }
    let category = vocabulary(required(object, "category")?, "category")?;
    let kind = object.get("kind").map(optional_kind).transpose()?.flatten();
    check_kind(category, kind)?;
    Ok(UnitDraft {
        id: object.get("id").map(unit_id).transpose()?,
        location: Point::new(lon, lat),
        address: text(required(object, "address")?, "address")?,
        street: text(required(object, "street")?, "street")?,
        event: EventFields {
            valid_from: valid_from(required(object, "valid_from")?, today)?,
            status: vocabulary(required(object, "status")?, "status")?,
            category,
            kind,
            floor_area_m2: floor_area(required(object, "floor_area_m2")?)?,
            occupant: object
                .get("occupant")
                .map(|value| optional_text(value, "occupant"))
                .transpose()?
                .flatten(),
            note: object
                .get("note")
                .map(|value| optional_text(value, "note"))
                .transpose()?
                .flatten(),
        },
    })
}

const CHANGE_FIELDS: [&str; 8] = [
    "version",
    "valid_from",
    "status",
    "category",
    "kind",
    "floor_area_m2",
    "occupant",
    "note",
];

/// A change to a unit: the version it was made on and the event it makes.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitChange {
    pub version: u64,
    pub event: EventFields,
}

/// A change from JSON, on top of `current` (the unit's state in force on the
/// change's valid-from date; `None` if it had none then). Fields not named
/// keep their value; `null` clears `kind`, `occupant` or `note`. The note
/// belongs to one event and is never carried over; a unit that becomes
/// vacant or non-commercial loses its occupant unless the edit names one.
pub fn parse_change(
    body: &Json,
    today: NaiveDate,
    current: impl FnOnce(NaiveDate) -> Option<UnitEvent>,
) -> Result<UnitChange, ModelError> {
    let object = object(body, &CHANGE_FIELDS)?;
    let version = required(object, "version")?.as_u64().ok_or_else(|| {
        field_error(
            "version",
            "must be a whole number (the version the edit was made on)",
        )
    })?;
    let valid_from = valid_from(required(object, "valid_from")?, today)?;
    if !CHANGE_FIELDS[2..]
        .iter()
        .any(|field| object.contains_key(*field))
    {
        return Err(field_error(
            "body",
            "names nothing to change (status, category, kind, floor_area_m2, occupant or note)",
        ));
    }
    let base = current(valid_from).ok_or_else(|| {
        field_error(
            "valid_from",
            format!("the unit did not exist yet on {valid_from}"),
        )
    })?;
    let category: ShopCategory = match object.get("category") {
        Some(value) => vocabulary(value, "category")?,
        None => base.category,
    };
    let kind = match object.get("kind") {
        Some(value) => optional_kind(value)?,
        // a unit that stops being a daily shop loses its kind
        None if category != ShopCategory::Daily => None,
        None => base.kind,
    };
    check_kind(category, kind)?;
    let status: UnitStatus = match object.get("status") {
        Some(value) => vocabulary(value, "status")?,
        None => base.status,
    };
    Ok(UnitChange {
        version,
        event: EventFields {
            valid_from,
            status,
            category,
            kind,
            floor_area_m2: match object.get("floor_area_m2") {
                Some(value) => floor_area(value)?,
                None => base.floor_area_m2,
            },
            occupant: match object.get("occupant") {
                Some(value) => optional_text(value, "occupant")?,
                // an occupant leaves with the shop unless the edit names one
                None if matches!(status, UnitStatus::Vacant | UnitStatus::NonCommercial) => None,
                None => base.occupant,
            },
            note: object
                .get("note")
                .map(|value| optional_text(value, "note"))
                .transpose()?
                .flatten(),
        },
    })
}

/// The unit as its history says it is on `date` (the stored snapshot row).
pub fn unit_state(unit: &ShopUnit, events: &[UnitEvent], date: NaiveDate) -> Option<ShopUnit> {
    super::history::units_on(std::slice::from_ref(unit), events, date)
        .into_iter()
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    fn genk() -> Rect<f64> {
        Rect::new(
            geo::coord! {x: 5.40, y: 50.90},
            geo::coord! {x: 5.62, y: 51.03},
        )
    }

    fn draft() -> Json {
        json!({"lon": 5.5, "lat": 50.96, "address": "Stadsplein 1", "street": "Stadsplein",
               "floor_area_m2": 120.0, "category": "daily", "kind": "bakery",
               "status": "occupied", "occupant": "Bakkerij Jan", "valid_from": "2026-03-01"})
    }

    fn field_of(result: Result<impl std::fmt::Debug, ModelError>) -> String {
        match result {
            Err(ModelError::Field { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn a_good_draft_is_read_whole() {
        let unit = parse_draft(&draft(), today(), genk()).unwrap();
        assert_eq!(unit.location, Point::new(5.5, 50.96));
        assert_eq!(unit.event.kind, Some(ShopKind::Bakery));
        assert_eq!(unit.event.occupant.as_deref(), Some("Bakkerij Jan"));
        assert_eq!(unit.id, None);
    }

    #[test]
    fn every_bad_draft_field_is_named() {
        let with = |field: &str, value: Json| {
            let mut body = draft();
            body[field] = value;
            field_of(parse_draft(&body, today(), genk()))
        };
        assert_eq!(with("status", json!("empty")), "status");
        assert_eq!(with("category", json!("food")), "category");
        assert_eq!(with("floor_area_m2", json!(-5)), "floor_area_m2");
        assert_eq!(with("floor_area_m2", json!(0)), "floor_area_m2");
        assert_eq!(with("floor_area_m2", json!(2_000_000)), "floor_area_m2");
        assert_eq!(with("floor_area_m2", json!("big")), "floor_area_m2");
        assert_eq!(with("valid_from", json!("1899-12-31")), "valid_from");
        assert_eq!(with("valid_from", json!("2027-11-28")), "valid_from");
        assert_eq!(with("valid_from", json!("2026-02-30")), "valid_from");
        assert_eq!(with("lon", json!(4.35)), "lon");
        assert_eq!(with("lat", json!(f64::MAX)), "lat");
        assert_eq!(with("address", json!("   ")), "address");
        assert_eq!(with("address", json!("x".repeat(600))), "address");
        assert_eq!(with("id", json!("a'; DROP TABLE shop_units; --")), "id");
        assert_eq!(with("colour", json!("red")), "colour");
        assert_eq!(with("status", Json::Null), "status");
        let mut not_daily = draft();
        not_daily["category"] = json!("horeca");
        assert_eq!(field_of(parse_draft(&not_daily, today(), genk())), "kind");
        assert_eq!(
            field_of(parse_draft(&json!([1, 2]), today(), genk())),
            "body"
        );
        // the edges of the allowed dates are allowed
        for date in ["1900-01-01", "2027-11-27"] {
            let mut body = draft();
            body["valid_from"] = json!(date);
            assert!(parse_draft(&body, today(), genk()).is_ok(), "{date}");
        }
    }

    fn base() -> UnitEvent {
        EventFields {
            valid_from: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            status: UnitStatus::Occupied,
            category: ShopCategory::Daily,
            kind: Some(ShopKind::Bakery),
            floor_area_m2: 120.0,
            occupant: Some("Bakkerij Jan".into()),
            note: Some("an old note".into()),
        }
        .into_event("su-1", "an", Utc::now())
    }

    #[test]
    fn a_change_keeps_what_it_does_not_name() {
        let change = parse_change(
            &json!({"version": 7, "valid_from": "2026-03-01", "status": "vacant", "occupant": null}),
            today(),
            |_| Some(base()),
        )
        .unwrap();
        assert_eq!(change.version, 7);
        assert_eq!(change.event.status, UnitStatus::Vacant);
        assert_eq!(change.event.occupant, None);
        assert_eq!(change.event.kind, Some(ShopKind::Bakery));
        assert_eq!(change.event.floor_area_m2, 120.0);
        assert_eq!(change.event.note, None, "a note is never carried over");
        let closed = parse_change(
            &json!({"version": 7, "valid_from": "2026-03-01", "status": "vacant"}),
            today(),
            |_| Some(base()),
        )
        .unwrap();
        assert_eq!(
            closed.event.occupant, None,
            "the occupant leaves with the shop"
        );
        let renovated = parse_change(
            &json!({"version": 7, "valid_from": "2026-03-01", "status": "renovation"}),
            today(),
            |_| Some(base()),
        )
        .unwrap();
        assert_eq!(renovated.event.occupant.as_deref(), Some("Bakkerij Jan"));
        let recategorised = parse_change(
            &json!({"version": 7, "valid_from": "2026-03-01", "category": "horeca"}),
            today(),
            |_| Some(base()),
        )
        .unwrap();
        assert_eq!(recategorised.event.kind, None);
    }

    #[test]
    fn every_bad_change_field_is_named() {
        let change = |body: Json| field_of(parse_change(&body, today(), |_| Some(base())));
        assert_eq!(
            change(json!({"valid_from": "2026-03-01", "status": "vacant"})),
            "version"
        );
        assert_eq!(
            change(json!({"version": -1, "valid_from": "2026-03-01", "status": "vacant"})),
            "version"
        );
        assert_eq!(
            change(json!({"version": 1, "status": "vacant"})),
            "valid_from"
        );
        assert_eq!(
            change(json!({"version": 1, "valid_from": "2026-03-01"})),
            "body"
        );
        assert_eq!(
            change(json!({"version": 1, "valid_from": "2026-03-01", "status": "closed"})),
            "status"
        );
        assert_eq!(
            change(json!({"version": 1, "valid_from": "2026-03-01", "kind": "florist"})),
            "kind"
        );
        assert_eq!(
            change(json!({"version": 1, "valid_from": "2026-03-01", "address": "x"})),
            "address"
        );
        let before_it_existed = parse_change(
            &json!({"version": 1, "valid_from": "2019-03-01", "status": "vacant"}),
            today(),
            |_| None,
        );
        assert_eq!(field_of(before_it_existed), "valid_from");
    }
}
