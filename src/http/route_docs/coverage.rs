//! Docs of the coverage routes (DOMAIN.md, Neighbourhood shop coverage):
//! figures, what-if, a shop's isochrones and the gaps.

use serde_json::{json, Value};

use super::date_param;
use crate::engine::coverage::whatif::MAX_CHANGES;
use crate::engine::coverage::{CoverageKind, MAX_CONNECT_M};
use crate::http::coverage::MAX_WHATIF_BYTES;
use crate::http::openapi::schemas::{
    array, count, date, feature, feature_collection, nullable_fraction, nullable_number,
    nullable_text, object, one_of, reference,
};
use crate::http::openapi::{Answer, Operation, Parameter};
use crate::model::ShopKind;

const TAG: &str = "coverage";

fn kinds() -> Value {
    one_of(CoverageKind::ALL.iter().map(|kind| kind.as_str()))
}

fn threshold_schema() -> Value {
    json!({"description": "metres (400, 800, 1200) or \"any\"", "anyOf": [{"type": "integer", "enum": [400, 800, 1200]}, {"type": "string", "enum": ["400", "800", "1200", "any"]}]})
}

fn kind_param() -> Parameter {
    Parameter::query("kind", "the shop kind, or `daily` for the basket (a supermarket, or a bakery and a butcher or grocery)", kinds())
        .required()
        .example("bakery")
}

fn threshold_param() -> Parameter {
    Parameter::query(
        "threshold_m",
        "walking distance in metres, 800 by default; `any` counts every reachable resident",
        one_of(["400", "800", "1200", "any"]),
    )
    .example("800")
}

/// The figures of one area (a neighbourhood or the city).
fn area(signed: bool) -> Value {
    let whole = if signed {
        json!({"type": "integer"})
    } else {
        count()
    };
    let share = if signed {
        nullable_number()
    } else {
        nullable_fraction()
    };
    object(
        &[
            "code",
            "name",
            "population",
            "covered",
            "share",
            "median_m",
            "p90_m",
            "unreachable",
        ],
        json!({"code": {"type": "string"}, "name": {"type": "string"}, "population": whole, "covered": whole, "share": share,
            "median_m": nullable_number(), "p90_m": nullable_number(), "unreachable": whole}),
    )
}

fn metadata() -> Value {
    object(
        &[
            "rule",
            "kinds",
            "max_connect_m",
            "open_shops",
            "unreachable_shops",
        ],
        json!({"rule": {"type": "string"}, "kinds": array(one_of(ShopKind::ALL.iter().map(|kind| kind.as_str()))), "max_connect_m": {"type": "number"}, "open_shops": count(), "unreachable_shops": count()}),
    )
}

fn example_area(code: &str, name: &str) -> Value {
    json!({"code": code, "name": name, "population": 2630, "covered": 1811, "share": 0.6886, "median_m": 512.4, "p90_m": 1104.9, "unreachable": 12})
}

fn example_metadata() -> Value {
    json!({"rule": "covered when the walking distance to the nearest open bakery is at most the threshold", "kinds": ["bakery"], "max_connect_m": MAX_CONNECT_M, "open_shops": 41, "unreachable_shops": 0})
}

/// `GET /api/coverage`
pub fn figures() -> Operation {
    Operation::get(TAG, "Walking coverage per neighbourhood and for the city")
        .describe("Shares are fractions; median and p90 are population-weighted over reachable residents, in metres, null when none. Only shops open (occupied) on the date count.")
        .param(kind_param())
        .param(threshold_param())
        .param(date_param("date", "the date, the newest valid-from by default", "2026-06-01"))
        .respond(Answer::json(
            200,
            "the figures",
            object(
                &["kind", "threshold_m", "date", "neighbourhoods", "city", "metadata"],
                json!({"kind": kinds(), "threshold_m": threshold_schema(), "date": date(), "neighbourhoods": array(area(false)), "city": area(false), "metadata": metadata()}),
            ),
            json!({"kind": "bakery", "threshold_m": 800, "date": "2026-06-01", "neighbourhoods": [example_area("71016W01", "Centrum")], "city": example_area("city", "Genk"), "metadata": example_metadata()}),
        ))
        .errors(&[(400, "a missing or unknown kind, an unknown threshold, a malformed date")])
}

/// `POST /api/coverage/whatif`
pub fn whatif() -> Operation {
    let body = object(
        &["kind"],
        json!({
            "kind": kinds(),
            "threshold_m": threshold_schema(),
            "date": date(),
            "add": array(object(&["lon", "lat", "kind"], json!({"lon": {"type": "number", "minimum": -180, "maximum": 180}, "lat": {"type": "number", "minimum": -90, "maximum": 90}, "kind": one_of(ShopKind::ALL.iter().map(|kind| kind.as_str()))}))),
            "remove": array(json!({"type": "string", "description": "a shop unit id"})),
        }),
    );
    let figures = object(
        &["neighbourhoods", "city"],
        json!({"neighbourhoods": array(area(false)), "city": area(false)}),
    );
    let difference = object(
        &["neighbourhoods", "city"],
        json!({"neighbourhoods": array(area(true)), "city": area(true)}),
    );
    let mut after = example_area("city", "Genk");
    after["covered"] = json!(1900);
    Operation::post(TAG, "Coverage before and after adding and removing shops, and the difference")
        .describe(format!("At most {MAX_CHANGES} changes and {} KiB; an added shop more than {MAX_CONNECT_M} m from every walkable street is a 400 naming add[i], an unknown unit remove[i].", MAX_WHATIF_BYTES / 1024))
        .json_body("the scenario", body, json!({"kind": "bakery", "threshold_m": 800, "date": "2026-06-01", "add": [{"lon": 5.4985, "lat": 50.9618, "kind": "bakery"}], "remove": ["unit-0020"]}))
        .respond(Answer::json(
            200,
            "before, after and after − before",
            object(
                &["kind", "threshold_m", "date", "metadata", "before", "after", "added", "difference"],
                json!({"kind": kinds(), "threshold_m": threshold_schema(), "date": date(), "metadata": metadata(), "before": figures, "after": figures,
                    "added": array(object(&["index", "residents_within"], json!({"index": count(), "residents_within": {"type": "integer", "minimum": 0, "description": "residents within the distance of this added shop alone (its own kind)"}}))),
                    "difference": difference}),
            ),
            json!({"kind": "bakery", "threshold_m": 800, "date": "2026-06-01", "metadata": example_metadata(),
                "before": {"neighbourhoods": [], "city": example_area("city", "Genk")},
                "after": {"neighbourhoods": [], "city": after},
                "added": [{"index": 0, "residents_within": 412}],
                "difference": {"neighbourhoods": [], "city": {"code": "city", "name": "Genk", "population": 0, "covered": 89, "share": 0.0338, "median_m": -20.5, "p90_m": -64.0, "unreachable": 0}}}),
        ))
        .errors(&[(400, "a malformed body, an unknown kind or threshold, a shop too far from the streets (add[i]), an unknown unit (remove[i]), too many changes")])
}

/// `GET /api/coverage/isochrones`
pub fn isochrones() -> Operation {
    let properties = object(
        &["unit", "limit_m"],
        json!({"unit": {"type": "string"}, "limit_m": {"type": "number", "enum": [400, 800, 1200], "description": "metres"}}),
    );
    Operation::get(TAG, "A shop's walking isochrones at 400, 800 and 1,200 m")
        .describe("The streets reached from the shop within the limit, 40 m either side, as MultiPolygons.")
        .param(Parameter::query("unit", "a shop unit id", json!({"type": "string"})).required().example("unit-0020"))
        .respond(Answer::json(
            200,
            "three features, one per limit",
            feature_collection(feature(reference("MultiPolygon"), properties, false), &[("unit", json!({"type": "string"}))]),
            json!({"type": "FeatureCollection", "unit": "unit-0020", "features": [{"type": "Feature",
                "geometry": {"type": "MultiPolygon", "coordinates": [[[[5.4990, 50.9648], [5.5001, 50.9648], [5.5001, 50.9656], [5.4990, 50.9656], [5.4990, 50.9648]]]]},
                "properties": {"unit": "unit-0020", "limit_m": 400}}]}),
        ))
        .errors(&[(400, "no unit given, or the unit lies too far from every walkable street"), (404, "an unknown unit")])
}

/// `GET /api/coverage/gaps`
pub fn gaps() -> Operation {
    let properties = object(
        &[
            "id",
            "population",
            "distance_m",
            "unreachable",
            "neighbourhood",
        ],
        json!({"id": {"type": "string"}, "population": count(), "distance_m": nullable_number(), "unreachable": {"type": "boolean"}, "neighbourhood": nullable_text()}),
    );
    Operation::get(TAG, "The residents beyond the threshold or unreachable, as GeoJSON points")
        .param(kind_param())
        .param(threshold_param())
        .param(date_param("date", "the date, the newest valid-from by default", "2026-06-01"))
        .respond(Answer::json(
            200,
            "one point per resident not covered",
            feature_collection(feature(reference("Point"), properties, true), &[("kind", kinds()), ("threshold_m", threshold_schema()), ("date", date())]),
            json!({"type": "FeatureCollection", "kind": "bakery", "threshold_m": 800, "date": "2026-06-01", "features": [{"type": "Feature", "id": "resident-00042",
                "geometry": {"type": "Point", "coordinates": [5.4612, 50.9917]},
                "properties": {"id": "resident-00042", "population": 3, "distance_m": 1240.7, "unreachable": false, "neighbourhood": "71016W05"}}]}),
        ))
        .errors(&[(400, "a missing or unknown kind, an unknown threshold, a malformed date")])
}
