//! Accounts, roles and editing the shop-unit inventory over HTTP, in-process:
//! login and tokens (401/403), confidential fields per role, creating units
//! and recording events with optimistic concurrency (409), bad input (400,
//! nothing written), the history, the audit trail, and the map updating.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

use genk_atlas::accounts::issue_token;
use genk_atlas::model::access::Role;
use genk_atlas::model::{history, LayerId, UnitStatus};

use crate::fixtures;
use crate::signed_in::{json_of, SignedIn};

const UNIT: &str = "unit-stadsplein-12";

type Atlas = SignedIn;

impl SignedIn {
    async fn get(&self, uri: &str, cookie: Option<&str>) -> (StatusCode, Value) {
        let mut request = Request::get(uri);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let (status, _, body) = self.send(request.body(Body::empty()).unwrap()).await;
        (status, json_of(&body))
    }

    async fn post(&self, uri: &str, cookie: Option<&str>, body: &Value) -> (StatusCode, Value) {
        let (status, _, body) = self.send(post(uri, cookie, body)).await;
        (status, json_of(&body))
    }

    async fn version(&self) -> u64 {
        let (status, history) = self
            .get(&format!("/api/shop_units/{UNIT}/history"), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        history["version"].as_u64().unwrap()
    }
}

fn post(uri: &str, cookie: Option<&str>, body: &Value) -> Request<Body> {
    let mut request = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(body.to_string())).unwrap()
}

fn new_unit() -> Value {
    json!({"lon": 5.5003, "lat": 50.9652, "address": "Stadsplein 14", "street": "Stadsplein",
           "floor_area_m2": 80, "category": "daily", "kind": "butcher", "status": "occupied",
           "occupant": "Slagerij Peeters", "valid_from": "2026-02-01", "note": "gesprek met eigenaar"})
}

#[tokio::test]
async fn a_login_opens_a_session_and_a_logout_ends_it() {
    let atlas = Atlas::new().await;
    let (status, public) = atlas.get("/api/session", None).await;
    assert_eq!(
        (status, public),
        (StatusCode::OK, json!({"name": null, "role": "public"}))
    );
    let cookie = atlas.login(Role::Retail).await;
    let (_, me) = atlas.get("/api/session", Some(&cookie)).await;
    assert_eq!(me, json!({"name": "retail", "role": "retail"}));
    let logout = Request::delete("/api/session")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = atlas.send(logout).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let (status, stale) = atlas.get("/api/session", Some(&cookie)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{stale}");
}

#[tokio::test]
async fn wrong_or_malformed_credentials_are_refused() {
    let atlas = Atlas::new().await;
    for body in [
        json!({"name": "retail", "password": "wrong"}),
        json!({"name": "nobody", "password": atlas.password(Role::Retail)}),
    ] {
        let (status, answer) = atlas.post("/api/session", None, &body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
        assert_eq!(answer["error"], "wrong name or password");
    }
    let (status, answer) = atlas
        .post("/api/session", None, &json!({"name": "retail"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["detail"]["parameter"], "password");
    let (status, _) = atlas
        .post(
            "/api/session",
            None,
            &json!({"name": "x".repeat(10_000), "password": "p"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = atlas
        .get("/api/session", Some("atlas_session=made-up"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_api_token_works_until_it_expires_and_is_stored_only_hashed() {
    let atlas = Atlas::new().await;
    let token = issue_token(atlas.store.as_ref(), "planner", 30, "test")
        .await
        .unwrap();
    let with_token = |token: &str| {
        Request::get("/api/session")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let (status, _, me) = atlas.send(with_token(&token)).await;
    let me = json_of(&me);
    assert_eq!(
        (status, me["role"].clone()),
        (StatusCode::OK, json!("planner"))
    );
    let (status, headers, _) = atlas.send(with_token("atlas_0000")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    assert!(
        atlas.store.token(&token).await.unwrap().is_none(),
        "the token text is not stored"
    );
    // an expired token: written straight to the store with a past expiry
    let expired = genk_atlas::auth::generate_token();
    let stored = genk_atlas::model::access::StoredToken {
        token_hash: genk_atlas::auth::secret_hash(&expired),
        account: "planner".into(),
        created_at: fixtures::utc("2025-01-01T00:00:00Z"),
        expires_at: fixtures::utc("2025-04-01T00:00:00Z"),
    };
    let audit = genk_atlas::model::access::AuditEntry {
        audit_id: 0,
        at: fixtures::utc("2025-01-01T00:00:00Z"),
        actor: "test".into(),
        action: "account.token".into(),
        target: "accounts".into(),
        target_id: "planner".into(),
        before: None,
        after: None,
    };
    atlas.store.put_token(&stored, &audit).await.unwrap();
    let (status, _, answer) = atlas.send(with_token(&expired)).await;
    let answer = json_of(&answer);
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        answer["error"].as_str().unwrap().contains("expired"),
        "{answer}"
    );
    let basic = Request::get("/api/session")
        .header(header::AUTHORIZATION, "Basic cmV0YWlsOnB3")
        .body(Body::empty())
        .unwrap();
    assert_eq!(atlas.send(basic).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn occupants_reach_retail_planner_and_admin_only() {
    let atlas = Atlas::new().await;
    let uri = format!("/api/layers/shop_units/features/{UNIT}");
    let (_, public) = atlas.get(&uri, None).await;
    assert!(public["properties"].get("occupant").is_none(), "{public}");
    for (role, sees) in [
        (Role::Retail, true),
        (Role::Planner, true),
        (Role::Admin, true),
        (Role::Business, false),
    ] {
        let cookie = atlas.login(role).await;
        let (_, feature) = atlas.get(&uri, Some(&cookie)).await;
        assert_eq!(
            feature["properties"].get("occupant").is_some(),
            sees,
            "{role}: {feature}"
        );
        let (_, page) = atlas
            .get("/api/layers/shop_units/features", Some(&cookie))
            .await;
        let any_occupant = page["features"]
            .as_array()
            .unwrap()
            .iter()
            .any(|feature| feature["properties"].get("occupant").is_some());
        assert_eq!(any_occupant, sees, "{role}");
        let (_, history) = atlas
            .get(&format!("/api/shop_units/{UNIT}/history"), Some(&cookie))
            .await;
        assert_eq!(
            history["events"][0].get("occupant").is_some(),
            sees,
            "{role}"
        );
    }
    let field_names = |layers: &Value| -> Vec<String> {
        let units = layers["layers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|layer| layer["id"] == "shop_units")
            .unwrap();
        units["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|field| field["name"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, public_layers) = atlas.get("/api/layers", None).await;
    assert!(!field_names(&public_layers).contains(&"occupant".to_string()));
    let planner = atlas.login(Role::Planner).await;
    let (_, planner_layers) = atlas.get("/api/layers", Some(&planner)).await;
    assert!(field_names(&planner_layers).contains(&"occupant".to_string()));
    let (_, history) = atlas
        .get(&format!("/api/shop_units/{UNIT}/history"), None)
        .await;
    assert!(history["events"][0].get("occupant").is_none());
    assert!(history["events"][0].get("note").is_none());
}

#[tokio::test]
async fn edits_need_the_retail_or_admin_role() {
    let atlas = Atlas::new().await;
    let change =
        json!({"version": atlas.version().await, "valid_from": "2026-03-01", "status": "vacant"});
    let uri = format!("/api/shop_units/{UNIT}/events");
    let (status, _) = atlas.post(&uri, None, &change).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for role in [Role::Planner, Role::Business] {
        let cookie = atlas.login(role).await;
        let (status, answer) = atlas.post(&uri, Some(&cookie), &change).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}: {answer}");
        let (status, _) = atlas
            .post("/api/shop_units", Some(&cookie), &new_unit())
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let admin = atlas.login(Role::Admin).await;
    let (status, answer) = atlas.post(&uri, Some(&admin), &change).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

#[tokio::test]
async fn a_change_is_an_event_and_a_stale_version_is_a_conflict() {
    let atlas = Atlas::new().await;
    let retail = atlas.login(Role::Retail).await;
    let version = atlas.version().await;
    let uri = format!("/api/shop_units/{UNIT}/events");
    let change = json!({"version": version, "valid_from": "2026-03-01", "status": "vacant", "occupant": null});
    let (status, answer) = atlas.post(&uri, Some(&retail), &change).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["version"], version + 1);
    assert_eq!(answer["unit"]["status"], "vacant");
    assert_eq!(answer["unit"]["status_since"], "2026-03-01");
    assert_eq!(answer["unit"]["occupant"], Value::Null);
    assert_eq!(
        answer["unit"]["category"], "daily",
        "unnamed fields keep their value"
    );
    // a second editor working on the same old version loses nothing: a 409
    let other = json!({"version": version, "valid_from": "2026-04-01", "floor_area_m2": 200});
    let (status, conflict) = atlas.post(&uri, Some(&retail), &other).await;
    assert_eq!(status, StatusCode::CONFLICT, "{conflict}");
    assert_eq!(conflict["detail"]["version"], version + 1);
    assert_eq!(
        atlas.version().await,
        version + 1,
        "the stale edit wrote nothing"
    );
    // the engine and the store agree: the unit is vacant today, in the history and the feature
    let engine = atlas.state.engine();
    let stored = atlas.store.read_events().await.unwrap();
    assert_eq!(stored.len(), engine.unit_events().len());
    let today = chrono::Utc::now().date_naive();
    let state = history::histories(&stored)[UNIT]
        .state_on(today)
        .unwrap()
        .clone();
    assert_eq!(state.status, UnitStatus::Vacant);
    assert_eq!(state.recorded_by, "retail");
    let feature = atlas.store.read_layer(LayerId::ShopUnits).await.unwrap();
    let row = feature.iter().find(|feature| feature.id == UNIT).unwrap();
    assert!(format!("{:?}", row.values).contains("vacant"));
}

#[tokio::test]
async fn a_back_dated_correction_changes_the_past_and_keeps_the_earlier_record() {
    let atlas = Atlas::new().await;
    let retail = atlas.login(Role::Retail).await;
    let uri = format!("/api/shop_units/{UNIT}/events");
    let version = atlas.version().await;
    let closing = json!({"version": version, "valid_from": "2025-09-01", "status": "vacant"});
    assert_eq!(
        atlas.post(&uri, Some(&retail), &closing).await.0,
        StatusCode::OK
    );
    let correction = json!({"version": version + 1, "valid_from": "2025-06-01", "status": "vacant",
                            "note": "gesloten sinds juni, niet september"});
    let (status, answer) = atlas.post(&uri, Some(&retail), &correction).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["unit"]["status_since"], "2025-06-01");
    let (_, history) = atlas
        .get(&format!("/api/shop_units/{UNIT}/history"), Some(&retail))
        .await;
    let events = history["events"].as_array().unwrap();
    assert_eq!(events.len() as u64, version + 2, "nothing was overwritten");
    assert!(events
        .iter()
        .any(|event| event["valid_from"] == "2025-09-01"));
    let (_, summary) = atlas
        .get("/api/vacancy/summary?date=2025-07-01&by=city", None)
        .await;
    let (_, before) = atlas
        .get("/api/vacancy/summary?date=2025-05-01&by=city", None)
        .await;
    assert_eq!(
        summary["groups"][0]["vacant"].as_u64().unwrap(),
        before["groups"][0]["vacant"].as_u64().unwrap() + 1,
        "the figures of July 2025 count the correction"
    );
}

#[tokio::test]
async fn a_new_unit_gets_its_first_event_and_shows_on_the_map() {
    let atlas = Atlas::new().await;
    let retail = atlas.login(Role::Retail).await;
    let (status, created) = atlas
        .post("/api/shop_units", Some(&retail), &new_unit())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["version"], 1);
    let id = created["unit"]["id"].as_str().unwrap().to_string();
    assert_eq!(created["unit"]["occupant"], "Slagerij Peeters");
    assert_eq!(
        created["unit"]["area_id"], "area-centrum",
        "placed in the shopping area it lies in"
    );
    let (status, feature) = atlas
        .get(&format!("/api/layers/shop_units/features/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(feature["properties"]["status"], "occupied");
    let (_, history) = atlas
        .get(&format!("/api/shop_units/{id}/history"), Some(&retail))
        .await;
    assert_eq!(history["version"], 1);
    assert_eq!(history["events"][0]["recorded_by"], "retail");
    // the same id again is a conflict
    let mut again = new_unit();
    again["id"] = json!(id);
    let (status, _) = atlas.post("/api/shop_units", Some(&retail), &again).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // retired to non_commercial: still there, with its history
    let retire = json!({"version": 1, "valid_from": "2026-06-01", "status": "non_commercial"});
    let (status, retired) = atlas
        .post(
            &format!("/api/shop_units/{id}/events"),
            Some(&retail),
            &retire,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{retired}");
    assert_eq!(retired["version"], 2);
}

#[tokio::test]
async fn bad_edits_name_the_field_and_write_nothing() {
    let atlas = Atlas::new().await;
    let retail = atlas.login(Role::Retail).await;
    let events_before = atlas.store.read_events().await.unwrap().len();
    let units_before = atlas.store.counts().await.unwrap()[&LayerId::ShopUnits];
    let with = |field: &str, value: Value| {
        let mut body = new_unit();
        body[field] = value;
        body
    };
    for (body, field) in [
        (with("status", json!("leeg")), "status"),
        (with("category", json!("food")), "category"),
        (with("floor_area_m2", json!(-3)), "floor_area_m2"),
        (with("floor_area_m2", json!(1e9)), "floor_area_m2"),
        (with("valid_from", json!("1850-01-01")), "valid_from"),
        (with("valid_from", json!("2099-01-01")), "valid_from"),
        (with("lon", json!(3.7)), "lon"),
        (with("address", Value::Null), "address"),
        (with("id", json!("x'); DELETE FROM shop_units; --")), "id"),
    ] {
        let (status, answer) = atlas.post("/api/shop_units", Some(&retail), &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {answer}");
        assert_eq!(answer["detail"]["parameter"], field, "{answer}");
    }
    let uri = format!("/api/shop_units/{UNIT}/events");
    let version = atlas.version().await;
    for (body, field) in [
        (
            json!({"version": version, "valid_from": "2026-03-01", "status": "gesloten"}),
            "status",
        ),
        (
            json!({"version": version, "status": "vacant"}),
            "valid_from",
        ),
        (
            json!({"valid_from": "2026-03-01", "status": "vacant"}),
            "version",
        ),
        (
            json!({"version": version, "valid_from": "2026-03-01", "floor_area_m2": 0}),
            "floor_area_m2",
        ),
    ] {
        let (status, answer) = atlas.post(&uri, Some(&retail), &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {answer}");
        assert_eq!(answer["detail"]["parameter"], field, "{answer}");
    }
    let not_json = Request::post("/api/shop_units")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &retail)
        .body(Body::from("{\"lon\": 5.5,"))
        .unwrap();
    assert_eq!(atlas.send(not_json).await.0, StatusCode::BAD_REQUEST);
    let huge = Request::post("/api/shop_units")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &retail)
        .body(Body::from(format!(
            "{{\"note\": \"{}\"}}",
            "x".repeat(3 << 20)
        )))
        .unwrap();
    assert!(atlas.send(huge).await.0.is_client_error());
    let (status, _) = atlas
        .post(
            "/api/shop_units/no-such-unit/events",
            Some(&retail),
            &json!({"version": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        atlas.store.read_events().await.unwrap().len(),
        events_before
    );
    assert_eq!(
        atlas.store.counts().await.unwrap()[&LayerId::ShopUnits],
        units_before
    );
    assert_eq!(atlas.state.engine().unit_events().len(), events_before);
}

#[tokio::test]
async fn the_audit_trail_keeps_who_when_before_and_after_for_planners_and_admins() {
    let atlas = Atlas::new().await;
    let retail = atlas.login(Role::Retail).await;
    let version = atlas.version().await;
    let change = json!({"version": version, "valid_from": "2026-03-01", "status": "vacant"});
    let uri = format!("/api/shop_units/{UNIT}/events");
    assert_eq!(
        atlas.post(&uri, Some(&retail), &change).await.0,
        StatusCode::OK
    );
    let (status, _) = atlas.get("/api/audit", Some(&retail)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        atlas.get("/api/audit", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    for role in [Role::Planner, Role::Admin] {
        let cookie = atlas.login(role).await;
        let (status, audit) = atlas
            .get("/api/audit?target=shop_units&limit=10", Some(&cookie))
            .await;
        assert_eq!(status, StatusCode::OK, "{audit}");
        let entry = &audit["entries"][0];
        assert_eq!(entry["actor"], "retail");
        assert_eq!(entry["action"], "shop_unit.event");
        assert_eq!(entry["target_id"], UNIT);
        assert_eq!(entry["before"]["status"], "occupied");
        assert_eq!(entry["after"]["unit"]["status"], "vacant");
        assert!(entry["at"].as_str().unwrap().starts_with("20"));
    }
    let admin = atlas.login(Role::Admin).await;
    let (_, accounts) = atlas.get("/api/audit?target=accounts", Some(&admin)).await;
    assert_eq!(
        accounts["entries"].as_array().unwrap().len(),
        4,
        "one per account added"
    );
    let (status, answer) = atlas.get("/api/audit?limit=-1", Some(&admin)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let (status, _) = atlas.get("/api/audit?colour=red", Some(&admin)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_edit_drops_the_cached_tiles_it_touches() {
    let atlas = Atlas::new().await;
    let retail = atlas.login(Role::Retail).await;
    let tile = "/tiles/shop_units/16/33769/21950.mvt";
    let (status, _) = atlas.get(tile, None).await;
    assert!(status.is_success(), "{status}");
    let cached = atlas.state.tile_cache().len();
    assert!(cached > 0);
    let version = atlas.version().await;
    let change = json!({"version": version, "valid_from": "2026-03-01", "status": "vacant"});
    let (status, _) = atlas
        .post(
            &format!("/api/shop_units/{UNIT}/events"),
            Some(&retail),
            &change,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        atlas.state.tile_cache().len() < cached,
        "the unit's tile was dropped"
    );
}

#[tokio::test]
async fn business_and_admin_save_site_searches_for_a_company() {
    let atlas = Atlas::new().await;
    let request = json!({"activity": "logistics", "min_area_m2": 5000, "max_area_m2": 10000, "requires": ["quay"]});
    let body = json!({"company_id": "company-logistics-1", "name": "Uitbreiding aan de kade", "request": request});
    let (status, _) = atlas.post("/api/sites/saved", None, &body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for role in [Role::Retail, Role::Planner] {
        let cookie = atlas.login(role).await;
        let (status, _) = atlas.post("/api/sites/saved", Some(&cookie), &body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
    }
    let business = atlas.login(Role::Business).await;
    let (status, saved) = atlas.post("/api/sites/saved", Some(&business), &body).await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    assert_eq!(saved["saved_by"], "business");
    assert_eq!(saved["request"], request);
    for (bad, field) in [
        (
            json!({"company_id": "company-nobody", "name": "x", "request": request}),
            "company_id",
        ),
        (
            json!({"company_id": "company-logistics-1", "name": "", "request": request}),
            "name",
        ),
        (
            json!({"company_id": "company-logistics-1", "name": "x"}),
            "request",
        ),
        (
            json!({"company_id": "company-logistics-1", "name": "x",
                   "request": {"activity": "logistics", "min_area_m2": 9000, "max_area_m2": 100}}),
            "request.min_area_m2",
        ),
        (
            json!({"company_id": "company-logistics-1", "name": "x",
                   "request": {"activity": "logistics", "lang": "xx"}}),
            "request.lang",
        ),
        (
            json!({"company_id": "company-logistics-1", "name": "x", "request": request, "colour": 1}),
            "colour",
        ),
    ] {
        let (status, answer) = atlas.post("/api/sites/saved", Some(&business), &bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(answer["detail"]["parameter"], field, "{answer}");
    }
    let admin = atlas.login(Role::Admin).await;
    let (status, list) = atlas
        .get(
            "/api/sites/saved?company_id=company-logistics-1",
            Some(&admin),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let searches = list["searches"].as_array().unwrap();
    assert_eq!(searches.len(), 1, "the refused ones were not kept");
    assert_eq!(searches[0]["name"], "Uitbreiding aan de kade");
    let (_, other) = atlas
        .get("/api/sites/saved?company_id=company-energy-2", Some(&admin))
        .await;
    assert!(other["searches"].as_array().unwrap().is_empty());
}

/// A PATCH or DELETE with a JSON body (or none) and a cookie.
fn with_method(
    method: &str,
    uri: &str,
    cookie: Option<&str>,
    body: Option<&Value>,
) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request
        .body(body.map_or_else(Body::empty, |body| Body::from(body.to_string())))
        .unwrap()
}

#[tokio::test]
async fn a_saved_search_is_renamed_and_deleted_by_its_keepers_only_and_audited() {
    let atlas = Atlas::new().await;
    let request = json!({"activity": "logistics", "min_area_m2": 5000});
    let business = atlas.login(Role::Business).await;
    let (status, saved) = atlas
        .post(
            "/api/sites/saved",
            Some(&business),
            &json!({"company_id": "company-logistics-1", "name": "Kade", "request": request}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    let uri = format!("/api/sites/saved/{}", saved["id"]);
    let rename = |cookie: Option<String>, body: Value| {
        with_method("PATCH", &uri, cookie.as_deref(), Some(&body))
    };
    // Only the roles that keep companies.
    let (status, _, _) = atlas.send(rename(None, json!({"name": "x"}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let retail = atlas.login(Role::Retail).await;
    let (status, _, _) = atlas
        .send(rename(Some(retail.clone()), json!({"name": "x"})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = atlas
        .send(with_method("DELETE", &uri, Some(&retail), None))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Bad names and fields name what is wrong; an unknown id is a 404.
    for (body, field) in [
        (json!({"name": "  "}), "name"),
        (json!({"name": "a".repeat(201)}), "name"),
        (json!({"name": "x", "colour": 1}), "colour"),
        (json!({}), "name"),
    ] {
        let (status, _, answer) = atlas.send(rename(Some(business.clone()), body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(json_of(&answer)["detail"]["parameter"], field);
    }
    for missing in [
        "/api/sites/saved/999999",
        "/api/sites/saved/abc",
        "/api/sites/saved/-1",
    ] {
        let (status, _, _) = atlas
            .send(with_method(
                "PATCH",
                missing,
                Some(&business),
                Some(&json!({"name": "x"})),
            ))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    }
    // Renamed: the list has the new name and the same request.
    let (status, _, answer) = atlas
        .send(rename(
            Some(business.clone()),
            json!({"name": "Kade 2027; DROP TABLE saved_searches"}),
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        json_of(&answer)["name"],
        "Kade 2027; DROP TABLE saved_searches"
    );
    let (_, list) = atlas
        .get(
            "/api/sites/saved?company_id=company-logistics-1",
            Some(&business),
        )
        .await;
    assert_eq!(
        list["searches"][0]["name"],
        "Kade 2027; DROP TABLE saved_searches"
    );
    assert_eq!(list["searches"][0]["request"], request);
    // Deleted: gone, and a second delete is a 404.
    let admin = atlas.login(Role::Admin).await;
    let (status, _, _) = atlas
        .send(with_method("DELETE", &uri, Some(&admin), None))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = atlas
        .send(with_method("DELETE", &uri, Some(&admin), None))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = atlas.get("/api/sites/saved", Some(&admin)).await;
    assert_eq!(list["searches"], json!([]));
    // The trail: who renamed and who deleted, with the search before.
    let (_, audit) = atlas
        .get("/api/audit?target=saved_searches", Some(&admin))
        .await;
    let entries = audit["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{audit}"));
    let actions: Vec<(&str, &str)> = entries
        .iter()
        .map(|entry| {
            (
                entry["action"].as_str().unwrap(),
                entry["actor"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        &actions[..3],
        [
            ("sites.delete_search", "admin"),
            ("sites.rename_search", "business"),
            ("sites.save_search", "business")
        ]
    );
}

#[tokio::test]
async fn a_site_search_shows_the_company_contact_to_business_planner_and_admin_only() {
    let atlas = Atlas::new().await;
    let request = json!({"activity": "logistics", "min_area_m2": 100, "max_area_m2": 1000000,
                         "near": {"company_id": "company-logistics-1"}, "max_distance_m": 50000});
    let (status, public) = atlas.post("/api/sites/search", None, &request).await;
    assert_eq!(status, StatusCode::OK, "{public}");
    assert_eq!(public["company"]["id"], "company-logistics-1");
    assert!(public["company"].get("contact").is_none(), "{public}");
    for (role, sees) in [
        (Role::Business, true),
        (Role::Planner, true),
        (Role::Admin, true),
        (Role::Retail, false),
    ] {
        let cookie = atlas.login(role).await;
        let (status, answer) = atlas
            .post("/api/sites/search", Some(&cookie), &request)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            answer["company"].get("contact").is_some(),
            sees,
            "{role}: {answer}"
        );
        assert_eq!(
            answer["sites"], public["sites"],
            "the same sites for everyone"
        );
    }
}

#[tokio::test]
async fn an_edit_warms_the_new_snapshot_s_vacancy_stocks_without_a_request() {
    let atlas = Atlas::new().await;
    let retail = atlas.login(Role::Retail).await;
    let version = atlas.version().await;
    let change = json!({"version": version, "valid_from": "2026-03-01", "status": "vacant"});
    let (status, _) = atlas
        .post(
            &format!("/api/shop_units/{UNIT}/events"),
            Some(&retail),
            &change,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let engine = atlas.state.engine();
    let mut waited = 0;
    while !(engine.vacancy_cache().has_retail_stock() && engine.vacancy_cache().has_located_stock())
    {
        assert!(
            waited < 200,
            "the stocks were not built in the background within 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        waited += 1;
    }
}
