//! Docs of the account routes: the session (who am I, log in, log out),
//! the audit trail and the features the atlas keeps out.

use serde_json::{json, Value};

use crate::http::audit::MAX_LIMIT;
use crate::http::openapi::schemas::{array, count, layer_id, nullable_text, object, one_of};
use crate::http::openapi::{Access, Answer, Operation, Parameter};
use crate::model::access::Role;

const TAG: &str = "accounts";

fn identity() -> Value {
    let roles: Vec<&str> = Role::ALL.iter().map(|role| role.as_str()).collect();
    object(
        &["name", "role"],
        json!({"name": nullable_text(), "role": one_of(roles)}),
    )
}

/// `GET /api/session`
pub fn current() -> Operation {
    Operation::get(TAG, "Who the caller is")
        .describe("`{\"name\": null, \"role\": \"public\"}` without a login; a stale cookie is a 401 and cleared.")
        .respond(Answer::json(200, "the caller", identity(), json!({"name": null, "role": "public"})))
        .errors(&[(401, "a stale session cookie or an unknown token")])
}

/// `POST /api/session`
pub fn login() -> Operation {
    Operation::post(TAG, "Log in: sets the session cookie")
        .describe("The `atlas_session` cookie is HttpOnly, SameSite=Strict, 8 h idle (`Secure` behind TLS). Five wrong passwords for one name within 15 minutes lock it (5, 10, 20, 40, at most 60 minutes); twenty from one address stop that address for the window.")
        .json_body(
            "the account's name and password",
            object(&["name", "password"], json!({"name": {"type": "string", "minLength": 1, "maxLength": 200}, "password": {"type": "string", "minLength": 1, "maxLength": 200}})),
            json!({"name": "planner", "password": "the password atlas user add printed"}),
        )
        .respond(Answer::json(200, "logged in; Set-Cookie carries the session", identity(), json!({"name": "planner", "role": "planner"})))
        .errors(&[(400, "a missing name or password"), (401, "a wrong name or password"), (429, "the name or the address is locked: Retry-After says for how long"), (503, "too many logins wait: Retry-After 1")])
}

/// `DELETE /api/session`
pub fn logout() -> Operation {
    Operation::delete(TAG, "Log out, on every server of the store").respond(Answer::empty(
        204,
        "logged out (also without a session); the cookie is cleared",
    ))
}

/// `GET /api/audit`
pub fn audit() -> Operation {
    let entry = object(
        &[
            "audit_id",
            "at",
            "actor",
            "action",
            "target",
            "target_id",
            "before",
            "after",
        ],
        json!({"audit_id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}, "actor": {"type": "string"}, "action": {"type": "string"},
            "target": {"type": "string"}, "target_id": {"type": "string"},
            "before": {"type": "object", "nullable": true, "description": "the record before the edit, confidential fields included"},
            "after": {"type": "object", "nullable": true, "description": "the record after the edit, confidential fields included"}}),
    );
    Operation::get(TAG, "The audit trail of edits, newest first")
        .access(Access::roles_where(Role::may_read_audit))
        .param(Parameter::query("target", "a layer or table, as shop_units", json!({"type": "string"})).example("saved_searches"))
        .param(Parameter::query("target_id", "one record's id", json!({"type": "string"})))
        .param(Parameter::query("actor", "who did it (an account name, or client:ADDRESS for failed logins)", json!({"type": "string"})))
        .param(Parameter::query("limit", "entries per page, 100 by default", json!({"type": "integer", "minimum": 0, "maximum": MAX_LIMIT})).example(10))
        .param(Parameter::query("offset", "entries to skip", json!({"type": "integer", "minimum": 0})).example(0))
        .respond(Answer::json(
            200,
            "the entries",
            object(&["entries"], json!({"entries": array(entry)})),
            json!({"entries": [{"audit_id": 3, "at": "2026-09-14T10:12:00Z", "actor": "business", "action": "sites.save_search", "target": "saved_searches", "target_id": "", "before": null, "after": {"company_id": "company-0001", "name": "Extra magazijn 2027"}}]}),
        ))
        .errors(&[(400, "a bad limit or offset, or an unknown parameter"), (401, "no login"), (403, "a role that may not read the trail")])
}

/// `GET /api/admin/rejected`
pub fn rejected() -> Operation {
    Operation::get(TAG, "The stored features kept out of the atlas, and why")
        .describe("Features another writer left invalid (a broken geometry, a value outside its field), kept off the map and the figures until a later change fixes them.")
        .access(Access::roles_where(|role| role == Role::Admin))
        .respond(Answer::json(
            200,
            "the features kept out",
            object(
                &["count", "features"],
                json!({"count": count(), "features": array(object(&["layer", "id", "reason", "since"], json!({"layer": layer_id(), "id": {"type": "string"}, "reason": {"type": "string"}, "since": {"type": "string", "format": "date-time"}})))}),
            ),
            json!({"count": 1, "features": [{"layer": "parcels", "id": "parcel-000077", "reason": "the geometry is not valid: self-intersection", "since": "2026-09-30T08:01:12Z"}]}),
        ))
        .errors(&[(401, "no login"), (403, "a role other than admin")])
}
