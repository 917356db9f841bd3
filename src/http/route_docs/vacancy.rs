//! Docs of the vacancy routes (DOMAIN.md, Vacancy): summary, trend, churn,
//! the register, and the heatmaps (H3 cells, their change, the surface).

use serde_json::{json, Value};

use super::{date_param, integer_in};
use crate::engine::vacancy::h3::DEFAULT_MIN_UNITS;
use crate::engine::vacancy::surface::{BANDWIDTH_RANGE_M, CELL_RANGE_M};
use crate::engine::vacancy::{Grouping, Step, MAX_STEPS};
use crate::http::openapi::schemas::{
    array, count, date, feature, feature_collection, nullable_fraction, nullable_number,
    nullable_text, object, one_of, reference,
};
use crate::http::openapi::{Answer, Operation, Parameter};
use crate::http::vacancy::MAX_MIN_UNITS;

const TAG: &str = "vacancy";

fn by_param() -> Parameter {
    Parameter::query(
        "by",
        "how to group the units, city (one group `city`/`Genk`) by default",
        one_of(Grouping::ALL.iter().map(|grouping| grouping.as_str())),
    )
    .example("shopping_area")
}

fn by_schema() -> Value {
    one_of(Grouping::ALL.iter().map(|grouping| grouping.as_str()))
}

fn res_param() -> Parameter {
    Parameter::query(
        "res",
        "H3 resolution: 9 (about 174 m edge, the default) or 10 (about 66 m)",
        json!({"type": "integer", "enum": [9, 10]}),
    )
    .example(9)
}

fn min_units_param() -> Parameter {
    Parameter::query(
        "min_units",
        format!("the fewest units a cell needs for a rate, {DEFAULT_MIN_UNITS} by default"),
        integer_in(1, MAX_MIN_UNITS as u64),
    )
    .example(5)
}

fn bad_input() -> [(u16, &'static str); 1] {
    [(
        400,
        "a malformed date, an unknown value, a reversed period or an unknown parameter (naming it)",
    )]
}

/// `GET /api/vacancy/summary`
pub fn summary() -> Operation {
    let group = object(
        &[
            "id",
            "name",
            "units",
            "occupied",
            "vacant",
            "renovation",
            "rate_count",
            "rate_area",
            "frictional",
            "long_term",
            "structural",
            "register_candidates",
        ],
        json!({
            "id": {"type": "string"}, "name": {"type": "string"},
            "units": count(), "occupied": count(), "vacant": count(), "renovation": count(),
            "rate_count": nullable_fraction(), "rate_area": nullable_fraction(),
            "frictional": count(), "long_term": count(), "structural": count(), "register_candidates": count(),
        }),
    );
    Operation::get(TAG, "Vacancy per group on a date: counts, rates and duration classes")
        .describe("Rates are fractions (0.127), null without stock; frictional under 1 year, long-term 1 to 3, structural 3 or more; register candidates vacant 12 months or more.")
        .param(date_param("date", "the date, the newest valid-from in the history by default", "2026-06-01"))
        .param(by_param())
        .respond(Answer::json(
            200,
            "one entry per group",
            object(&["date", "by", "groups"], json!({"date": date(), "by": by_schema(), "groups": array(group)})),
            json!({"date": "2026-06-01", "by": "shopping_area", "groups": [{"id": "centrum", "name": "Centrum", "units": 180, "occupied": 152, "vacant": 25, "renovation": 3, "rate_count": 0.1412, "rate_area": 0.1289, "frictional": 11, "long_term": 9, "structural": 5, "register_candidates": 16}]}),
        ))
        .errors(&bad_input())
}

/// `GET /api/vacancy/trend`
pub fn trend() -> Operation {
    let point = object(
        &[
            "date",
            "units",
            "occupied",
            "vacant",
            "renovation",
            "rate_count",
            "rate_area",
        ],
        json!({"date": date(), "units": count(), "occupied": count(), "vacant": count(), "renovation": count(), "rate_count": nullable_fraction(), "rate_area": nullable_fraction()}),
    );
    Operation::get(TAG, "Vacancy per group at each step of a period")
        .describe(format!("From `from` up to `to` by `step`, at most {MAX_STEPS} steps; by default monthly over the five years up to `to`."))
        .param(date_param("from", "the first date, five years before `to` by default", "2025-01-01"))
        .param(date_param("to", "the last date, the newest valid-from by default", "2026-06-01"))
        .param(Parameter::query("step", "month (default), quarter or year", one_of(Step::ALL.iter().map(|step| step.as_str()))).example("quarter"))
        .param(by_param())
        .respond(Answer::json(
            200,
            "the dates and each group's figures on them",
            object(
                &["from", "to", "step", "by", "dates", "groups"],
                json!({"from": date(), "to": date(), "step": one_of(Step::ALL.iter().map(|step| step.as_str())), "by": by_schema(), "dates": array(date()),
                    "groups": array(object(&["id", "name", "points"], json!({"id": {"type": "string"}, "name": {"type": "string"}, "points": array(point)})))}),
            ),
            json!({"from": "2025-01-01", "to": "2026-06-01", "step": "quarter", "by": "shopping_area", "dates": ["2025-01-01", "2025-04-01"],
                "groups": [{"id": "centrum", "name": "Centrum", "points": [{"date": "2025-01-01", "units": 180, "occupied": 155, "vacant": 22, "renovation": 3, "rate_count": 0.1243, "rate_area": 0.1102}]}]}),
        ))
        .errors(&bad_input())
}

/// `GET /api/vacancy/churn`
pub fn churn() -> Operation {
    Operation::get(TAG, "Openings, closures, conversions and exits per group over a period")
        .describe("Over (from, to]: openings vacant → occupied, closures occupied → vacant, conversions a new category while occupied, exits → non_commercial; by default the year up to `to`.")
        .param(date_param("from", "the start (excluded), a year before `to` by default", "2025-06-01"))
        .param(date_param("to", "the end, the newest valid-from by default", "2026-06-01"))
        .param(by_param())
        .respond(Answer::json(
            200,
            "one entry per group",
            object(
                &["from", "to", "by", "groups"],
                json!({"from": date(), "to": date(), "by": by_schema(), "groups": array(object(&["id", "name", "openings", "closures", "conversions", "exits"], json!({"id": {"type": "string"}, "name": {"type": "string"}, "openings": count(), "closures": count(), "conversions": count(), "exits": count()})))}),
            ),
            json!({"from": "2025-06-01", "to": "2026-06-01", "by": "shopping_area", "groups": [{"id": "centrum", "name": "Centrum", "openings": 9, "closures": 12, "conversions": 2, "exits": 1}]}),
        ))
        .errors(&bad_input())
}

/// `GET /api/vacancy/register`
pub fn register() -> Operation {
    let unit = object(
        &[
            "id",
            "address",
            "street",
            "area_id",
            "area_name",
            "floor_area_m2",
            "vacant_since",
            "months_vacant",
        ],
        json!({"id": {"type": "string"}, "address": {"type": "string"}, "street": {"type": "string"}, "area_id": nullable_text(), "area_name": nullable_text(), "floor_area_m2": {"type": "number", "minimum": 0}, "vacant_since": date(), "months_vacant": count()}),
    );
    Operation::get(TAG, "The units vacant 12 months or more (the leegstandsregister), longest first")
        .describe("Never the occupant. CSV (`;`, decimal comma, header row, UTF-8 with a byte-order mark) with format=csv or `Accept: text/csv`.")
        .param(date_param("date", "the date, the newest valid-from by default", "2026-06-01"))
        .param(Parameter::query("format", "json (default) or csv", one_of(["json", "csv"])).example("json"))
        .respond(
            Answer::json(
                200,
                "the register",
                object(&["date", "threshold_months", "units"], json!({"date": date(), "threshold_months": count(), "units": array(unit)})),
                json!({"date": "2026-06-01", "threshold_months": 12, "units": [{"id": "unit-0112", "address": "Stationsstraat 14", "street": "Stationsstraat", "area_id": "centrum", "area_name": "Centrum Genk", "floor_area_m2": 95.0, "vacant_since": "2022-03-01", "months_vacant": 51}]}),
            )
            .or_as("text/csv", json!({"type": "string"}), Some(json!("id;adres;straat;winkelgebied;winkelgebied_id;vloeroppervlakte_m2;leeg_sinds;maanden_leeg\r\nunit-0112;Stationsstraat 14;Stationsstraat;Centrum Genk;centrum;95;2022-03-01;51\r\n"))),
        )
        .errors(&bad_input())
}

/// `GET /api/vacancy/units`
pub fn units() -> Operation {
    let statuses = ["occupied", "vacant", "renovation", "non_commercial"];
    let unit = object(
        &[
            "id",
            "address",
            "street",
            "status",
            "status_since",
            "months_in_status",
            "category",
            "floor_area_m2",
            "lon",
            "lat",
        ],
        json!({"id": {"type": "string"}, "address": {"type": "string"}, "street": {"type": "string"}, "status": one_of(statuses), "status_since": date(), "months_in_status": count(), "category": {"type": "string"}, "floor_area_m2": {"type": "number", "minimum": 0}, "lon": {"type": "number"}, "lat": {"type": "number"}}),
    );
    Operation::get(TAG, "The units of one group on a date, each with its state then")
        .describe("Vacant units first (longest vacant first), then under renovation, occupied and non-commercial, each by address. The units that existed on the date; never the occupant.")
        .param(by_param())
        .param(Parameter::query("group", "the group's id (from the summary); not needed for by=city", json!({"type": "string"})).example("centrum"))
        .param(date_param("date", "the date, the newest valid-from by default", "2026-06-01"))
        .param(Parameter::query("status", "only the units with this status", one_of(statuses)).example("vacant"))
        .respond(Answer::json(
            200,
            "the units",
            object(&["date", "by", "group", "units"], json!({"date": date(), "by": by_schema(), "group": object(&["id", "name"], json!({"id": {"type": "string"}, "name": {"type": "string"}})), "units": array(unit)})),
            json!({"date": "2026-06-01", "by": "shopping_area", "group": {"id": "centrum", "name": "Centrum Genk"}, "units": [{"id": "unit-0112", "address": "Stationsstraat 14", "street": "Stationsstraat", "status": "vacant", "status_since": "2022-03-01", "months_in_status": 51, "category": "periodic", "floor_area_m2": 95.0, "lon": 5.5003, "lat": 50.9652}]}),
        ))
        .errors(&[(400, "a malformed date, an unknown grouping or status, no group, or an unknown parameter (naming it)"), (404, "an unknown group")])
}

fn hexagon(properties: Value) -> Value {
    feature(reference("Polygon"), properties, true)
}

/// `GET /api/vacancy/h3`
pub fn h3() -> Operation {
    let properties = object(
        &[
            "h3",
            "units",
            "occupied",
            "vacant",
            "renovation",
            "rate_count",
            "rate_area",
            "too_small",
        ],
        json!({"h3": {"type": "string", "description": "the H3 index in hex"}, "units": count(), "occupied": count(), "vacant": count(), "renovation": count(), "rate_count": nullable_fraction(), "rate_area": nullable_fraction(), "too_small": {"type": "boolean", "description": "fewer than min_units units: both rates null"}}),
    );
    Operation::get(TAG, "Vacancy per H3 hexagon on a date, as GeoJSON")
        .param(date_param("date", "the date, the newest valid-from by default", "2026-06-01"))
        .param(res_param())
        .param(min_units_param())
        .respond(Answer::json(
            200,
            "the hexagons holding a unit on the date",
            feature_collection(hexagon(properties), &[("date", date()), ("res", json!({"type": "integer", "enum": [9, 10]})), ("min_units", count())]),
            json!({"type": "FeatureCollection", "date": "2026-06-01", "res": 9, "min_units": 5, "features": [{"type": "Feature", "id": "891fa4c6a8bffff",
                "geometry": {"type": "Polygon", "coordinates": [[[5.4981, 50.9643], [5.5002, 50.9638], [5.5017, 50.9651], [5.5011, 50.9668], [5.4990, 50.9673], [5.4975, 50.9660], [5.4981, 50.9643]]]},
                "properties": {"h3": "891fa4c6a8bffff", "units": 14, "occupied": 11, "vacant": 3, "renovation": 0, "rate_count": 0.2143, "rate_area": 0.1875, "too_small": false}}]}),
        ))
        .errors(&bad_input())
}

/// `GET /api/vacancy/h3/change`
pub fn h3_change() -> Operation {
    let properties = object(
        &[
            "h3",
            "units_from",
            "units_to",
            "vacant_from",
            "vacant_to",
            "rate_count_from",
            "rate_count_to",
            "rate_area_from",
            "rate_area_to",
            "change_count_pp",
            "change_area_pp",
            "too_small",
        ],
        json!({"h3": {"type": "string"}, "units_from": count(), "units_to": count(), "vacant_from": count(), "vacant_to": count(),
            "rate_count_from": nullable_fraction(), "rate_count_to": nullable_fraction(), "rate_area_from": nullable_fraction(), "rate_area_to": nullable_fraction(),
            "change_count_pp": nullable_number(), "change_area_pp": nullable_number(), "too_small": {"type": "boolean"}}),
    );
    Operation::get(TAG, "The change of vacancy per H3 hexagon between two dates, in percentage points")
        .describe("Every cell holding a unit on either date; the change is null when the cell is too small on either date; by default the year up to `to`.")
        .param(date_param("from", "the first date, a year before `to` by default", "2025-06-01"))
        .param(date_param("to", "the second date, the newest valid-from by default", "2026-06-01"))
        .param(res_param())
        .param(min_units_param())
        .respond(Answer::json(
            200,
            "the hexagons with the figures on both dates",
            feature_collection(hexagon(properties), &[("from", date()), ("to", date()), ("res", json!({"type": "integer", "enum": [9, 10]})), ("min_units", count())]),
            json!({"type": "FeatureCollection", "from": "2025-06-01", "to": "2026-06-01", "res": 9, "min_units": 5, "features": [{"type": "Feature", "id": "891fa4c6a8bffff",
                "geometry": {"type": "Polygon", "coordinates": [[[5.4981, 50.9643], [5.5002, 50.9638], [5.5017, 50.9651], [5.5011, 50.9668], [5.4990, 50.9673], [5.4975, 50.9660], [5.4981, 50.9643]]]},
                "properties": {"h3": "891fa4c6a8bffff", "units_from": 14, "units_to": 14, "vacant_from": 2, "vacant_to": 3, "rate_count_from": 0.1429, "rate_count_to": 0.2143, "rate_area_from": 0.125, "rate_area_to": 0.1875, "change_count_pp": 7.14, "change_area_pp": 6.25, "too_small": false}}]}),
        ))
        .errors(&bad_input())
}

/// `GET /api/vacancy/surface`
pub fn surface() -> Operation {
    let (bandwidth_min, bandwidth_max) = (*BANDWIDTH_RANGE_M.start(), *BANDWIDTH_RANGE_M.end());
    let (cell_min, cell_max) = (*CELL_RANGE_M.start(), *CELL_RANGE_M.end());
    let properties = object(
        &["ratio", "units"],
        json!({"ratio": {"type": "number", "minimum": 0, "maximum": 1}, "units": {"type": "integer", "minimum": 0, "description": "units within the bandwidth"}}),
    );
    Operation::get(TAG, "The smooth vacancy rate: kernel density of vacant over all units")
        .describe("Quartic kernel of radius `bandwidth_m`, on square cells of `cell_m` metres; cells with fewer than `min_units` units within the bandwidth are left out. Draw it as a fill coloured by `ratio`.")
        .param(date_param("date", "the date, the newest valid-from by default", "2026-06-01"))
        .param(Parameter::query("bandwidth_m", format!("kernel radius in metres, {bandwidth_min} to {bandwidth_max}, 150 by default"), json!({"type": "number", "minimum": bandwidth_min, "maximum": bandwidth_max})).example(150))
        .param(Parameter::query("weight", "count (default) or area (units weighed by floor area)", one_of(["count", "area"])).example("count"))
        .param(min_units_param())
        .param(Parameter::query("cell_m", format!("cell size in metres, {cell_min} to {cell_max}, 50 by default"), json!({"type": "number", "minimum": cell_min, "maximum": cell_max})).example(100))
        .respond(Answer::json(
            200,
            "the unmasked cells",
            feature_collection(
                feature(reference("Polygon"), properties, true),
                &[("date", date()), ("bandwidth_m", json!({"type": "number"})), ("weight", one_of(["count", "area"])), ("min_units", count()), ("cell_m", json!({"type": "number"})), ("kernel", one_of(["quartic"]))],
            ),
            json!({"type": "FeatureCollection", "date": "2026-06-01", "bandwidth_m": 150.0, "weight": "count", "min_units": 5, "cell_m": 100.0, "kernel": "quartic", "features": [{"type": "Feature", "id": "12/40",
                "geometry": {"type": "Polygon", "coordinates": [[[5.4990, 50.9650], [5.5004, 50.9650], [5.5004, 50.9659], [5.4990, 50.9659], [5.4990, 50.9650]]]},
                "properties": {"ratio": 0.18, "units": 22}}]}),
        ))
        .errors(&[(400, "a parameter out of range or malformed (naming it)")])
}
