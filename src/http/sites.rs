//! `POST /api/sites/search`: the expansion-site search (issue 7).
//!
//! The body is a [`SiteRequest`] (at most [`MAX_BODY_BYTES`]); `explain` and
//! `lang` (the language of the reasons, `nl` by default or `en`) may also be
//! given as query parameters (`?explain=true&lang=en`); a `lang` in both
//! places must agree. The search runs in `spawn_blocking` on the current
//! engine snapshot. The answer:
//!
//! ```json
//! {"sites": [{"id", "parcels": [{"id", "properties"}], "park", "park_name", "park_kind",
//!             "area_m2", "score", "criteria": [{"name", "weight", "score", "reason"}],
//!             "geometry", "access": {"motorway_m", "quay_m", "rail_m"}}],
//!  "total", "offset", "limit", "request": {...}, "company": {...}?, "explain": [...]?}
//! ```
//!
//! Properties of parcels and of the `near` company go through
//! `model::geojson::properties_to_json` with the caller's audience, so a
//! public request never sees a confidential field (a company's contact).
//! The audience is the caller's: company contacts reach business, planner
//! and admin only.

use axum::body::Body;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value as Json_};

use super::auth::Caller;
use super::error::{ApiError, ApiQuery};
use super::AppState;
use crate::engine::sites::request::parse_language;
use crate::engine::sites::search::{RuledOut, Site};
use crate::engine::sites::{self, Language, SiteAnswer, SiteRequest};
use crate::engine::Engine;
use crate::model::geojson::{geometry_to_json, properties_to_json, Audience};
use crate::model::LayerId;

/// The largest request body accepted, bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// `POST /api/sites/search[?explain=true][&lang=en]`: public facts for the public;
/// company contacts for the roles that see them (business, planner, admin).
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    query: ApiQuery,
    body: Body,
) -> Result<Json<Json_>, ApiError> {
    search_as(state, caller.audience(LayerId::Companies), query, body).await
}

/// The search for a caller who may see `audience`.
async fn search_as(
    state: AppState,
    audience: Audience,
    query: ApiQuery,
    body: Body,
) -> Result<Json<Json_>, ApiError> {
    query.only(&["explain", "lang"])?;
    let explain = match query.get("explain") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                "explain",
                format!("'{other}' is not true or false"),
            ))
        }
    };
    let query_language = query
        .get("lang")
        .map(|code| parse_language(Some(&Json_::String(code.to_string()))))
        .transpose()
        .map_err(|error| ApiError::bad_request(&error.field, error.message))?;
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::bad_request("body", format!("larger than {} KiB", MAX_BODY_BYTES / 1024))
        })?;
    let json: Json_ = serde_json::from_slice(&bytes)
        .map_err(|error| ApiError::bad_request("body", format!("not valid JSON: {error}")))?;
    let mut request = SiteRequest::from_json(&json)
        .map_err(|error| ApiError::bad_request(&error.field, error.message))?;
    request.explain |= explain;
    if let Some(language) = query_language {
        let in_body = json.get("lang").is_some_and(|lang| !lang.is_null());
        if in_body && language != request.language {
            return Err(ApiError::bad_request(
                "lang",
                format!(
                    "the query asks for '{}', the body for '{}'",
                    language.code(),
                    request.language.code()
                ),
            ));
        }
        request.language = language;
    }
    let engine = state.engine();
    let body = tokio::task::spawn_blocking(move || {
        let answer = sites::search(&engine, &request)
            .map_err(|error| ApiError::bad_request(error.field(), error.to_string()))?;
        Ok::<_, ApiError>(answer_json(&engine, &request, &answer, audience))
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(Json(body))
}

fn rounded(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    (value * factor).round() / factor
}

fn answer_json(
    engine: &Engine,
    request: &SiteRequest,
    answer: &SiteAnswer,
    audience: Audience,
) -> Json_ {
    let mut body = json!({
        "sites": answer.sites.iter().map(|site| site_json(engine, site, audience)).collect::<Vec<_>>(),
        "total": answer.total,
        "offset": request.offset,
        "limit": request.limit,
        "request": request_json(request),
    });
    if let Some(company) = &answer.company {
        let mut properties = properties_to_json(company, LayerId::Companies.schema(), audience);
        properties.insert("id".into(), json!(company.id));
        body["company"] = Json_::Object(properties);
    }
    if let Some(ruled_out) = &answer.ruled_out {
        body["explain"] = Json_::Array(
            ruled_out
                .iter()
                .map(|parcel| ruled_out_json(engine, parcel))
                .collect(),
        );
    }
    body
}

/// The request as the search read it (the quay implied by water-bound
/// logistics, the wanted area, the weights in force, the language).
fn request_json(request: &SiteRequest) -> Json_ {
    let mut requires = Vec::new();
    if request.requires.quay {
        requires.push("quay");
    }
    if request.requires.rail {
        requires.push("rail");
    }
    let weights = &request.weights;
    json!({
        "activity": request.activity.group.as_str(),
        "nace": request.activity.nace,
        "min_area_m2": request.min_area_m2,
        "max_area_m2": request.max_area_m2,
        "wanted_area_m2": request.wanted_area_m2(),
        "needed_by": request.needed_by,
        "requires": requires,
        "max_price_eur_m2": request.max_price_eur_m2,
        "max_distance_m": request.max_distance_m,
        "weights": {
            "motorway": weights.motorway,
            "near": weights.near,
            "area_fit": weights.area_fit,
            "price": weights.price,
            "ready": weights.ready,
        },
        "lang": request.language.code(),
        "distances": straight_line(request.language),
    })
}

/// How far the answer's distances are: as the crow flies.
fn straight_line(language: Language) -> &'static str {
    language.pick("hemelsbreed", "straight-line")
}

fn site_json(engine: &Engine, site: &Site, audience: Audience) -> Json_ {
    let parcels = engine.layer(LayerId::Parcels);
    let schema = LayerId::Parcels.schema();
    let metres = |value: Option<f64>| value.map(|metres| rounded(metres, 1));
    json!({
        "id": site.id,
        "parcels": site.parcels.iter().map(|&position| {
            let feature = &parcels.features()[position];
            json!({"id": feature.id, "properties": properties_to_json(feature, schema, audience)})
        }).collect::<Vec<_>>(),
        "park": site.park.as_ref().map(|park| park.id.clone()),
        "park_name": site.park.as_ref().map(|park| park.name.clone()),
        "park_kind": site.park.as_ref().and_then(|park| park.kind).map(|kind| kind.as_str()),
        "area_m2": rounded(site.area_m2, 2),
        "score": rounded(site.score, 4),
        "criteria": site.criteria.iter().map(|criterion| json!({
            "name": criterion.name,
            "weight": criterion.weight,
            "score": rounded(criterion.score, 4),
            "reason": criterion.reason,
        })).collect::<Vec<_>>(),
        "geometry": geometry_to_json(&site.geometry),
        "access": {
            "motorway_m": metres(site.access.motorway_m),
            "quay_m": metres(site.access.quay_m),
            "rail_m": metres(site.access.rail_m),
        },
    })
}

fn ruled_out_json(engine: &Engine, parcel: &RuledOut) -> Json_ {
    json!({
        "parcel": engine.layer(LayerId::Parcels).features()[parcel.parcel].id,
        "park": parcel.park.as_ref().map(|park| park.id.clone()),
        "park_name": parcel.park.as_ref().map(|park| park.name.clone()),
        "area_m2": rounded(parcel.area_m2, 2),
        "ruled_out_by": parcel.failures.iter().map(|failure| json!({
            "constraint": failure.constraint,
            "reason": failure.reason,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Availability, Company, Dataset, OwnerKind, Parcel, Zoning};
    use geo::{point, polygon};

    fn engine() -> Engine {
        Engine::from_dataset(&Dataset {
            parcels: vec![Parcel {
                id: "p1".into(),
                geometry: polygon![(x: 5.50, y: 50.96), (x: 5.501, y: 50.96), (x: 5.501, y: 50.9605), (x: 5.50, y: 50.9605), (x: 5.50, y: 50.96)],
                capakey: "71016A0001/00A000".into(),
                area_m2: 3_900.0,
                zoning: Zoning::Industrial,
                owner_kind: OwnerKind::Public,
                park_id: None,
                availability: Availability::ForSale,
                available_from: None,
                price_eur_m2: Some(90.0),
                ready_to_build: true,
                max_height_m: None,
            }],
            companies: vec![Company {
                id: "c1".into(),
                geometry: point!(x: 5.51, y: 50.96),
                name: "Limburg Logistics NV".into(),
                nace: "52.10".into(),
                employees: Some(40),
                contact: Some("An Claes 011 22 33 44".into()),
            }],
            ..Dataset::default()
        })
    }

    #[test]
    fn only_a_confidential_audience_sees_the_company_contact() {
        let engine = engine();
        let request = SiteRequest::from_json(&json!({
            "activity": "logistics", "min_area_m2": 1000, "near": {"company_id": "c1"}
        }))
        .unwrap();
        let answer = sites::search(&engine, &request).unwrap();
        assert_eq!(answer.sites.len(), 1);
        let public = answer_json(&engine, &request, &answer, Audience::Public);
        assert_eq!(public["company"]["name"], "Limburg Logistics NV");
        assert!(public["company"].get("contact").is_none());
        assert!(!public.to_string().contains("Claes"));
        let confidential = answer_json(&engine, &request, &answer, Audience::Confidential);
        assert_eq!(confidential["company"]["contact"], "An Claes 011 22 33 44");
        assert_eq!(confidential["sites"][0]["parcels"][0]["id"], "p1");
    }
}
