//! Docs of the editing routes: a new shop unit, a change to one (an event,
//! with its version), a unit's history, and importing a GIS file.

use serde_json::{json, Value};

use crate::http::openapi::schemas::{
    array, confidential_roles, count, date, layer_properties, nullable_text, object, one_of,
    reference,
};
use crate::http::openapi::{Access, Answer, Operation, Parameter};
use crate::http::MAX_UPLOAD_BYTES;
use crate::model::access::Role;
use crate::model::unit_edit::MAX_FLOOR_AREA_M2;
use crate::model::{LayerId, ShopCategory, ShopKind, UnitStatus};

const TAG: &str = "editing";

fn statuses() -> Value {
    one_of(UnitStatus::ALL.iter().map(|status| status.as_str()))
}

fn categories() -> Value {
    one_of(ShopCategory::ALL.iter().map(|category| category.as_str()))
}

fn kinds() -> Value {
    json!({"type": "string", "enum": ShopKind::ALL.iter().map(|kind| Value::from(kind.as_str())).chain([Value::Null]).collect::<Vec<_>>(), "nullable": true, "description": "only for daily shops"})
}

fn floor_area() -> Value {
    json!({"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": MAX_FLOOR_AREA_M2})
}

fn confidential(description: &str) -> Value {
    json!({"type": "string", "nullable": true, "x-confidential": true,
        "description": format!("{description}. Confidential: answered only to the roles {}", confidential_roles(LayerId::ShopUnits).join(", "))})
}

/// A unit as answered: `id`, `lon`, `lat` and its properties.
fn unit() -> Value {
    let mut schema = layer_properties(LayerId::ShopUnits.schema());
    schema["properties"]["id"] = json!({"type": "string"});
    schema["properties"]["lon"] = json!({"type": "number"});
    schema["properties"]["lat"] = json!({"type": "number"});
    if let Some(required) = schema["required"].as_array_mut() {
        required.extend(["id", "lon", "lat"].map(Value::from));
    }
    schema
}

fn example_unit(status: &str, since: &str) -> Value {
    json!({"id": "unit-0020", "lon": 5.4985, "lat": 50.9618, "address": "Europalaan 57", "street": "Europalaan", "floor_area_m2": 47.0,
        "category": "daily", "kind": "grocery", "status": status, "status_since": since, "area_id": "centrum"})
}

fn answer() -> Value {
    object(
        &["unit", "version"],
        json!({"unit": unit(), "version": {"type": "integer", "minimum": 1, "description": "the number of events in the unit's history"}}),
    )
}

fn editors() -> Access {
    Access::roles_where(|role| role.may_edit(LayerId::ShopUnits))
}

fn field_errors() -> [(u16, &'static str); 3] {
    [
        (400, "a missing or bad field, named: unknown status or category, an area ≤ 0 or above the maximum, a date before 1900 or more than a year ahead, a point outside the city"),
        (401, "no login"),
        (403, "a role that does not edit shop units"),
    ]
}

/// `POST /api/shop_units`
pub fn create() -> Operation {
    let body = object(
        &[
            "lon",
            "lat",
            "address",
            "street",
            "floor_area_m2",
            "category",
            "status",
            "valid_from",
        ],
        json!({"id": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$", "description": "made up by the atlas when absent"},
            "lon": {"type": "number"}, "lat": {"type": "number"}, "address": {"type": "string"}, "street": {"type": "string"},
            "floor_area_m2": floor_area(), "category": categories(), "kind": kinds(), "status": statuses(),
            "occupant": confidential("who runs the shop"), "note": confidential("a note on the event"), "valid_from": date()}),
    );
    Operation::post(TAG, "A new shop unit and the first event of its history")
        .access(editors())
        .json_body("the unit and its first state", body, json!({"lon": 5.4987, "lat": 50.9620, "address": "Europalaan 60", "street": "Europalaan", "floor_area_m2": 80, "category": "periodic", "status": "vacant", "valid_from": "2026-06-01"}))
        .respond(Answer::json(201, "the unit as stored, version 1", answer(), json!({"unit": example_unit("vacant", "2026-06-01"), "version": 1})))
        .errors(&field_errors())
        .errors(&[(409, "a unit with this id exists")])
}

/// `POST /api/shop_units/{unit_id}/events`
pub fn record_event() -> Operation {
    let body = object(
        &["version", "valid_from"],
        json!({"version": {"type": "integer", "minimum": 0, "description": "the version the edit was made on"}, "valid_from": date(),
            "status": statuses(), "category": categories(), "kind": kinds(), "floor_area_m2": floor_area(),
            "occupant": confidential("who runs the shop"), "note": confidential("a note on this event")}),
    );
    Operation::post(TAG, "Record a change to a shop unit, on the version it was made on")
        .describe("Fields not named keep their value; null clears kind, occupant or note. A stale version is a 409 with the current detail.version and writes nothing.")
        .access(editors())
        .param(Parameter::path("unit_id", "the shop unit id", json!({"type": "string"})).example("unit-0020"))
        .json_body("the change", body, json!({"version": 7, "valid_from": "2026-06-01", "status": "vacant"}))
        .respond(Answer::json(200, "the unit as it is today, and its new version", answer(), json!({"unit": example_unit("vacant", "2026-06-01"), "version": 8})))
        .errors(&field_errors())
        .errors(&[(404, "an unknown unit"), (409, "the version is stale: detail.version is the current one")])
}

/// `GET /api/shop_units/{unit_id}/history`
pub fn history() -> Operation {
    let event = object(
        &[
            "event_id",
            "valid_from",
            "recorded_at",
            "status",
            "category",
            "kind",
            "floor_area_m2",
        ],
        json!({"event_id": {"type": "integer"}, "valid_from": date(), "recorded_at": {"type": "string", "format": "date-time"}, "recorded_by": confidential("the login name of who recorded the event"),
            "status": statuses(), "category": categories(), "kind": kinds(), "floor_area_m2": {"type": "number", "minimum": 0},
            "occupant": confidential("who ran the shop"), "note": confidential("the note on the event")}),
    );
    Operation::get(TAG, "Every event of a shop unit, in precedence order")
        .describe("Occupants, notes and who recorded an event only for the roles that see them.")
        .param(Parameter::path("unit_id", "the shop unit id", json!({"type": "string"})).example("unit-0020"))
        .respond(Answer::json(
            200,
            "the history",
            object(&["unit_id", "version", "events"], json!({"unit_id": {"type": "string"}, "version": count(), "events": array(event)})),
            json!({"unit_id": "unit-0020", "version": 1, "events": [{"event_id": 20, "valid_from": "2013-10-01", "recorded_at": "2013-10-01T09:00:00Z", "status": "occupied", "category": "daily", "kind": "grocery", "floor_area_m2": 47.0}]}),
        ))
        .errors(&[(404, "an unknown unit")])
}

/// `POST /api/import/{layer}`
pub fn import() -> Operation {
    let flag = || one_of(["true", "false"]);
    let report = json!({"type": "object", "required": ["layer", "file", "source_crs", "dry_run", "n_read", "n_valid", "n_invalid", "n_repaired", "n_written", "problems"], "additionalProperties": false,
        "properties": {"layer": {"type": "string"}, "file": {"type": "string"}, "source_crs": nullable_text(), "dry_run": {"type": "boolean"},
            "n_read": count(), "n_valid": count(), "n_invalid": count(), "n_repaired": count(), "n_written": count(),
            "problems": array(object(&["feature", "field", "reason"], json!({"feature": {}, "field": {"type": "string"}, "reason": {"type": "string"}}))),
            "error": {"type": "string", "description": "with a 400: what was wrong, and that nothing was written"}}});
    let example = json!({"layer": "parcels", "file": "percelen.geojson", "source_crs": "EPSG:31370", "dry_run": false, "n_read": 120, "n_valid": 120, "n_invalid": 0, "n_repaired": 0, "n_written": 120, "problems": []});
    Operation::post(TAG, "Import a GIS file into a layer, all or nothing")
        .describe(format!("A multipart part `file` of at most {} MiB: GeoPackage, GeoJSON, a zip of one Shapefile, FlatGeobuf, CSV, GML, KML or OSM, sniffed from its bytes and read with that format's driver only, following no reference. Reprojected to EPSG:4326. Invalid features without skip_invalid=true: a 400 with the same report and nothing written; a refused file: a 400 whose detail.refused says why.", MAX_UPLOAD_BYTES >> 20))
        .access(Access::roles_where(|role| matches!(role, Role::Business | Role::Admin)))
        .param(super::layer_param("parcels"))
        .param(Parameter::query("crs", "the source CRS when the file names none, EPSG:N", json!({"type": "string", "pattern": "^EPSG:[0-9]+$"})))
        .param(Parameter::query("source_layer", "the layer of a file with several", json!({"type": "string"})))
        .param(Parameter::query("map", "target:source field pairs, comma-separated", json!({"type": "string"})))
        .param(Parameter::query("default", "field:value pairs for fields the file lacks", json!({"type": "string"})))
        .param(Parameter::query("key", "the source field that holds the id", json!({"type": "string"})))
        .param(Parameter::query("repair", "make invalid geometries valid", flag()))
        .param(Parameter::query("dry_run", "check only, write nothing", flag()))
        .param(Parameter::query("skip_invalid", "write the valid features and report the rest", flag()))
        .body_as(
            "the file",
            "multipart/form-data",
            object(&["file"], json!({"file": {"type": "string", "format": "binary"}})),
            None,
        )
        .respond(Answer::json(200, "the import report", report.clone(), example.clone()))
        .respond(Answer::json(400, "invalid features (the report with `error`; nothing written), or a bad parameter or refused file (the error shape)", json!({"anyOf": [report, reference("Error")]}), {
            let mut refused = example;
            refused["n_valid"] = json!(119);
            refused["n_invalid"] = json!(1);
            refused["n_written"] = json!(0);
            refused["problems"] = json!([{"feature": 17, "field": "area_m2", "reason": "must be above 0"}]);
            refused["error"] = json!("1 of 120 features are invalid, nothing was written (first: feature 17, area_m2: must be above 0); send skip_invalid=true to write the valid ones");
            refused
        }))
        .errors(&[(401, "no login"), (403, "a role that may not import into this layer"), (404, "an unknown layer")])
}
