//! Docs of the expansion-site routes (DOMAIN.md, Expansion-site matching):
//! the search, and searches saved for a company.

use serde_json::{json, Value};

use crate::engine::sites::request::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::engine::sites::rules::ActivityGroup;
use crate::engine::sites::Language;
use crate::http::openapi::schemas::{
    array, confidential_roles, count, date, nullable_number, nullable_text, object, one_of,
    reference,
};
use crate::http::openapi::{Access, Answer, Operation, Parameter};
use crate::http::sites::MAX_BODY_BYTES;
use crate::model::LayerId;

const TAG: &str = "sites";

/// The body of a search (and the `request` of a saved one).
fn site_request() -> Value {
    let weight = json!({"type": "number", "minimum": 0, "maximum": 100});
    let groups: Vec<&str> = ActivityGroup::ALL
        .iter()
        .map(|group| group.as_str())
        .collect();
    json!({
        "type": "object",
        "required": ["activity"],
        "additionalProperties": false,
        "properties": {
            "activity": {"type": "string", "description": format!("an activity group ({}) or a NACE code such as 52.10", groups.join(", "))},
            "min_area_m2": {"type": "number", "minimum": 0},
            "max_area_m2": {"type": "number", "minimum": 0, "exclusiveMinimum": true},
            "needed_by": date(),
            "requires": array(one_of(["quay", "rail"])),
            "max_price_eur_m2": {"type": "number", "minimum": 0},
            "near": {"type": "object", "description": "{\"company_id\"} or {\"lon\", \"lat\"}", "properties": {"company_id": {"type": "string"}, "lon": {"type": "number"}, "lat": {"type": "number"}}, "additionalProperties": false},
            "max_distance_m": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "description": "needs near"},
            "weights": {"type": "object", "description": "shares of 100 of the soft criteria (defaults 30/20/30/10/10 with near, 40/0/35/15/10 without)", "additionalProperties": false,
                "properties": {"motorway": weight, "near": weight, "area_fit": weight, "price": weight, "ready": weight}},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "description": format!("{DEFAULT_LIMIT} by default")},
            "offset": {"type": "integer", "minimum": 0},
            "explain": {"type": "boolean"},
            "lang": language(),
        },
    })
}

/// The language of the reasons, in the body or the query.
fn language() -> Value {
    let codes: Vec<&str> = Language::ALL
        .iter()
        .map(|language| language.code())
        .collect();
    json!({"type": "string", "enum": codes, "default": Language::default().code(), "description": "the language of the reasons: nl (Dutch numbers, 12.500 m², 2,1 km) or en (English numbers, 12,500 m², 2.1 km)"})
}

fn example_request() -> Value {
    json!({"activity": "logistics", "min_area_m2": 5000, "max_area_m2": 20000, "near": {"company_id": "company-0001"}, "limit": 5})
}

/// `POST /api/sites/search`
pub fn search() -> Operation {
    let parcel = object(
        &["id", "properties"],
        json!({"id": {"type": "string"}, "properties": reference("parcels.properties")}),
    );
    let criterion = object(
        &["name", "weight", "score", "reason"],
        json!({"name": {"type": "string"}, "weight": {"type": "number"}, "score": {"type": "number", "minimum": 0, "maximum": 1}, "reason": {"type": "string", "description": "in the request's lang (Dutch by default)"}}),
    );
    let site = object(
        &[
            "id",
            "parcels",
            "park",
            "park_name",
            "park_kind",
            "area_m2",
            "score",
            "criteria",
            "geometry",
            "access",
        ],
        json!({
            "id": {"type": "string", "description": "the parcel ids joined by +"},
            "parcels": array(parcel),
            "park": nullable_text(), "park_name": nullable_text(), "park_kind": nullable_text(),
            "area_m2": {"type": "number"}, "score": {"type": "number", "minimum": 0, "maximum": 1},
            "criteria": array(criterion),
            "geometry": reference("Geometry"),
            "access": object(&["motorway_m", "quay_m", "rail_m"], json!({"motorway_m": nullable_number(), "quay_m": nullable_number(), "rail_m": nullable_number()})),
        }),
    );
    let read_request = json!({"type": "object", "description": "the request as the search read it (the quay implied, the weights in force)"});
    let ruled_out = object(
        &["parcel", "park", "park_name", "area_m2", "ruled_out_by"],
        json!({"parcel": {"type": "string"}, "park": nullable_text(), "park_name": nullable_text(), "area_m2": {"type": "number"},
            "ruled_out_by": array(object(&["constraint", "reason"], json!({"constraint": {"type": "string", "description": "the request field the constraint is named after"}, "reason": {"type": "string", "description": "in the request's lang (Dutch by default)"}})))}),
    );
    let company = json!({"type": "object", "required": ["id"], "description": format!("the near company's properties; its contact only for the roles {}", confidential_roles(LayerId::Companies).join(", ")), "properties": {"id": {"type": "string"}}});
    Operation::post(TAG, "Expansion sites on the business parks, ranked")
        .describe(format!("A site is one parcel or up to 4 adjacent parcels of one park, ranked by score (ties by id); reasons in Dutch, or in English with lang=en (in the body or the query; both must agree), distances straight-line. A body of at most {} KiB. Confidential company fields only for the roles that see them.", MAX_BODY_BYTES / 1024))
        .param(Parameter::query("explain", "also list the closest parcels ruled out and why", one_of(["true", "false"])).example("false"))
        .param(Parameter::query("lang", "the language of the reasons (as lang in the body)", language()).example("en"))
        .json_body("what the company needs", site_request(), example_request())
        .respond(Answer::json(
            200,
            "the ranked sites",
            json!({"type": "object", "required": ["sites", "total", "offset", "limit", "request"], "additionalProperties": false,
                "properties": {"sites": array(site), "total": count(), "offset": count(), "limit": count(), "request": read_request, "company": company, "explain": array(ruled_out)}}),
            json!({"sites": [{"id": "parcel-000812+parcel-000813", "parcels": [{"id": "parcel-000812", "properties": {"capakey": "71016A0812/00A000", "area_m2": 6100.0, "zoning": "industrial", "owner_kind": "development_agency", "park_id": "genk-zuid", "availability": "for_sale", "available_from": null, "price_eur_m2": 95.0, "ready_to_build": true, "max_height_m": null}}],
                "park": "genk-zuid", "park_name": "Genk-Zuid", "park_kind": "logistics", "area_m2": 12150.5, "score": 0.8123,
                "criteria": [{"name": "motorway", "weight": 30.0, "score": 0.9, "reason": "2,1 km hemelsbreed tot afrit 32 Genk-Oost van de E314"}],
                "geometry": {"type": "Polygon", "coordinates": [[[5.53, 50.94], [5.532, 50.94], [5.532, 50.941], [5.53, 50.941], [5.53, 50.94]]]},
                "access": {"motorway_m": 2100.0, "quay_m": 350.0, "rail_m": null}}],
                "total": 1, "offset": 0, "limit": 5, "request": {"activity": "logistics", "min_area_m2": 5000.0, "max_area_m2": 20000.0},
                "company": {"id": "company-0001", "name": "Limburg Logistics NV", "nace": "52.10", "employees": 40}}),
        ))
        .errors(&[(400, "a malformed body, a field out of range or an unknown lang (naming the field)")])
}

fn saved() -> Value {
    object(
        &[
            "id",
            "company_id",
            "name",
            "request",
            "saved_by",
            "saved_at",
        ],
        json!({"id": count(), "company_id": {"type": "string"}, "name": {"type": "string"}, "request": site_request(), "saved_by": {"type": "string"}, "saved_at": {"type": "string", "format": "date-time"}}),
    )
}

fn example_saved() -> Value {
    json!({"id": 1, "company_id": "company-0001", "name": "Extra magazijn 2027", "request": example_request(), "saved_by": "business", "saved_at": "2026-09-14T10:12:00Z"})
}

fn keepers() -> Access {
    Access::roles_where(|role| role.may_edit(LayerId::Companies))
}

/// `GET /api/sites/saved`
pub fn list_saved() -> Operation {
    Operation::get(TAG, "The site searches saved for companies, oldest first")
        .access(keepers())
        .param(
            Parameter::query(
                "company_id",
                "only this company's",
                json!({"type": "string"}),
            )
            .example("company-0001"),
        )
        .respond(Answer::json(
            200,
            "the saved searches",
            object(&["searches"], json!({"searches": array(saved())})),
            json!({"searches": [example_saved()]}),
        ))
        .errors(&[
            (401, "no login"),
            (403, "a role that does not keep companies"),
        ])
}

/// `POST /api/sites/saved`
pub fn save() -> Operation {
    Operation::post(TAG, "Keep a site search for a company")
        .describe("The request is checked as a search checks it (a 400 names request.<field>); the save is audited.")
        .access(keepers())
        .json_body(
            "the company, a name and the search",
            object(&["company_id", "name", "request"], json!({"company_id": {"type": "string"}, "name": {"type": "string", "minLength": 1, "maxLength": 200}, "request": site_request()})),
            json!({"company_id": "company-0001", "name": "Extra magazijn 2027", "request": example_request()}),
        )
        .respond(Answer::json(201, "the saved search", saved(), example_saved()))
        .errors(&[(400, "an unknown company, a blank name or a bad request field"), (401, "no login"), (403, "a role that does not keep companies")])
}

fn saved_id() -> Parameter {
    Parameter::path(
        "id",
        "the saved search's id",
        json!({"type": "integer", "minimum": 1}),
    )
    .example(1)
}

/// `PATCH /api/sites/saved/{id}`
pub fn rename_saved() -> Operation {
    Operation::patch(TAG, "Rename a saved site search")
        .describe("Audited with the name before and after.")
        .access(keepers())
        .param(saved_id())
        .json_body(
            "the new name",
            object(
                &["name"],
                json!({"name": {"type": "string", "minLength": 1, "maxLength": 200}}),
            ),
            json!({"name": "Extra magazijn 2028"}),
        )
        .respond(Answer::json(
            200,
            "the search with its new name",
            saved(),
            example_saved(),
        ))
        .errors(&[
            (400, "a blank or too long name, or an unknown field"),
            (401, "no login"),
            (403, "a role that does not keep companies"),
            (404, "no such saved search"),
        ])
}

/// `DELETE /api/sites/saved/{id}`
pub fn delete_saved() -> Operation {
    Operation::delete(TAG, "Delete a saved site search")
        .describe("Audited with the search as it was.")
        .access(keepers())
        .param(saved_id())
        .respond(Answer::empty(204, "deleted"))
        .errors(&[
            (401, "no login"),
            (403, "a role that does not keep companies"),
            (404, "no such saved search"),
        ])
}
