//! A site search request, parsed and checked from its JSON body; every
//! refusal names the field.
//!
//! ```json
//! {"activity": "logistics", "min_area_m2": 5000, "max_area_m2": 10000,
//!  "needed_by": "2027-06-01", "requires": ["quay"], "max_price_eur_m2": 120,
//!  "near": {"company_id": "company-0001"} | {"lon": 5.50, "lat": 50.96},
//!  "max_distance_m": 5000,
//!  "weights": {"motorway": 30, "near": 20, "area_fit": 30, "price": 10, "ready": 10},
//!  "limit": 20, "offset": 0, "explain": false, "lang": "nl"}
//! ```
//!
//! `activity` (a group of [`super::rules`] or a NACE code) is required; the
//! rest is optional (`min_area_m2` is 0 when absent). Weights are shares of 100: the ones
//! given must sum to 100 (those left out are 0); without `weights` the
//! defaults apply ([`Weights::default_for`]). A `near` weight needs `near`.
//! `max_distance_m` (a hard constraint) needs `near`. `lang` is the
//! language of the reasons, `nl` (the default) or `en`.

use chrono::NaiveDate;
use geo::Point;
use serde_json::{Map, Value as Json};

use super::language::Language;
use super::rules::{self, ActivityGroup};

/// The most sites one page may hold.
pub const MAX_LIMIT: usize = 100;
/// Sites per page when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 20;

/// A refused request: the field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RequestError {
    pub field: String,
    pub message: String,
}

fn refuse(field: &str, message: impl Into<String>) -> RequestError {
    RequestError {
        field: field.to_string(),
        message: message.into(),
    }
}

/// What the company does: a group, and the NACE code when one was given.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub group: ActivityGroup,
    pub nace: Option<String>,
}

/// Where the company wants to be near.
#[derive(Debug, Clone, PartialEq)]
pub enum Near {
    /// A company's current site (checked against the companies layer by the search).
    Company(String),
    /// A point, x = longitude, y = latitude.
    Point(Point<f64>),
}

/// Access the site must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Requirements {
    pub quay: bool,
    pub rail: bool,
}

/// The weights of the soft criteria, shares of 100.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    pub motorway: f64,
    pub near: f64,
    pub area_fit: f64,
    pub price: f64,
    pub ready: f64,
}

impl Weights {
    pub const NAMES: [&'static str; 5] = ["motorway", "near", "area_fit", "price", "ready"];

    /// The defaults: with a `near`, motorway 30, near 20, area fit 30, price
    /// 10, ready 10; without, motorway 40, area fit 35, price 15, ready 10.
    pub fn default_for(has_near: bool) -> Weights {
        if has_near {
            Weights {
                motorway: 30.0,
                near: 20.0,
                area_fit: 30.0,
                price: 10.0,
                ready: 10.0,
            }
        } else {
            Weights {
                motorway: 40.0,
                near: 0.0,
                area_fit: 35.0,
                price: 15.0,
                ready: 10.0,
            }
        }
    }

    fn sum(&self) -> f64 {
        self.motorway + self.near + self.area_fit + self.price + self.ready
    }
}

/// A checked request.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteRequest {
    pub activity: Activity,
    pub min_area_m2: f64,
    pub max_area_m2: Option<f64>,
    pub needed_by: Option<NaiveDate>,
    /// As asked, plus the quay when the activity implies it.
    pub requires: Requirements,
    pub max_price_eur_m2: Option<f64>,
    pub near: Option<Near>,
    pub max_distance_m: Option<f64>,
    pub weights: Weights,
    pub limit: usize,
    pub offset: usize,
    pub explain: bool,
    /// The language of the reasons.
    pub language: Language,
}

impl SiteRequest {
    /// The area the company wants: the middle of the range (from 0 when
    /// there is no minimum), or the minimum when there is no maximum, m².
    pub fn wanted_area_m2(&self) -> f64 {
        match self.max_area_m2 {
            Some(max) => (self.min_area_m2 + max) / 2.0,
            None => self.min_area_m2,
        }
    }

    /// Parse and check a request body.
    pub fn from_json(body: &Json) -> Result<SiteRequest, RequestError> {
        let Json::Object(fields) = body else {
            return Err(refuse("body", "expected a JSON object"));
        };
        const KNOWN: [&str; 14] = [
            "activity",
            "min_area_m2",
            "max_area_m2",
            "needed_by",
            "requires",
            "max_price_eur_m2",
            "near",
            "max_distance_m",
            "weights",
            "limit",
            "offset",
            "explain",
            "lang",
            "company_id",
        ];
        if let Some(unknown) = fields.keys().find(|name| !KNOWN.contains(&name.as_str())) {
            return Err(refuse(
                unknown,
                format!(
                    "unknown field (expected one of: {})",
                    KNOWN[..KNOWN.len() - 1].join(", ")
                ),
            ));
        }
        if fields.contains_key("company_id") {
            return Err(refuse(
                "company_id",
                "give the company as near: {\"company_id\": ...}",
            ));
        }
        let activity = parse_activity(fields)?;
        let min_area_m2 = number(fields, "min_area_m2")?.unwrap_or(0.0);
        let max_area_m2 = number(fields, "max_area_m2")?;
        non_negative("min_area_m2", min_area_m2)?;
        if let Some(max) = max_area_m2 {
            if max <= 0.0 {
                return Err(refuse("max_area_m2", format!("{max} is not above 0")));
            }
            if min_area_m2 > max {
                return Err(refuse(
                    "min_area_m2",
                    format!("{min_area_m2} is above max_area_m2 = {max}"),
                ));
            }
        }
        let needed_by = match fields.get("needed_by") {
            None | Some(Json::Null) => None,
            Some(Json::String(text)) if text.len() == 10 => {
                Some(NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                    refuse("needed_by", format!("'{text}' is not a date YYYY-MM-DD"))
                })?)
            }
            Some(other) => {
                return Err(refuse(
                    "needed_by",
                    format!("{other} is not a date YYYY-MM-DD"),
                ))
            }
        };
        let mut requires = parse_requires(fields)?;
        if rules::implies_quay(activity.group) {
            requires.quay = true;
        }
        let max_price_eur_m2 = number(fields, "max_price_eur_m2")?;
        if let Some(price) = max_price_eur_m2 {
            non_negative("max_price_eur_m2", price)?;
        }
        let near = parse_near(fields)?;
        let max_distance_m = number(fields, "max_distance_m")?;
        if let Some(distance) = max_distance_m {
            if distance <= 0.0 {
                return Err(refuse(
                    "max_distance_m",
                    format!("{distance} is not above 0"),
                ));
            }
            if near.is_none() {
                return Err(refuse(
                    "max_distance_m",
                    "needs near (a company or a point)",
                ));
            }
        }
        let weights = parse_weights(fields, near.is_some())?;
        let limit = integer(fields, "limit")?.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(refuse(
                "limit",
                format!("{limit} is not between 1 and {MAX_LIMIT}"),
            ));
        }
        let offset = integer(fields, "offset")?.unwrap_or(0);
        let explain = match fields.get("explain") {
            None | Some(Json::Null) => false,
            Some(Json::Bool(explain)) => *explain,
            Some(other) => return Err(refuse("explain", format!("{other} is not true or false"))),
        };
        let language = parse_language(fields.get("lang"))?;
        Ok(SiteRequest {
            activity,
            min_area_m2,
            max_area_m2,
            needed_by,
            requires,
            max_price_eur_m2,
            near,
            max_distance_m,
            weights,
            limit,
            offset,
            explain,
            language,
        })
    }
}

/// The `lang` of a request (given in the body or as a query parameter):
/// Dutch when absent or null.
pub fn parse_language(value: Option<&Json>) -> Result<Language, RequestError> {
    match value {
        None | Some(Json::Null) => Ok(Language::default()),
        Some(Json::String(code)) => Language::from_code(code).ok_or_else(|| {
            refuse(
                "lang",
                format!(
                    "'{code}' is not a language of the reasons (expected one of: {})",
                    Language::codes()
                ),
            )
        }),
        Some(other) => Err(refuse(
            "lang",
            format!(
                "{other} is not a language code (expected one of: {})",
                Language::codes()
            ),
        )),
    }
}

fn non_negative(field: &str, value: f64) -> Result<(), RequestError> {
    if value < 0.0 {
        return Err(refuse(field, format!("{value} is negative")));
    }
    Ok(())
}

/// An optional finite number.
fn number(fields: &Map<String, Json>, field: &str) -> Result<Option<f64>, RequestError> {
    match fields.get(field) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Number(number)) => number
            .as_f64()
            .filter(|value| value.is_finite())
            .map(Some)
            .ok_or_else(|| refuse(field, format!("{number} is not a finite number"))),
        Some(other) => Err(refuse(field, format!("{other} is not a number"))),
    }
}

/// An optional non-negative integer.
fn integer(fields: &Map<String, Json>, field: &str) -> Result<Option<usize>, RequestError> {
    match fields.get(field) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Number(number)) => number
            .as_u64()
            .and_then(|value| usize::try_from(value).ok())
            .filter(|value| *value <= 1_000_000)
            .map(Some)
            .ok_or_else(|| {
                refuse(
                    field,
                    format!("{number} is not an integer from 0 to 1000000"),
                )
            }),
        Some(other) => Err(refuse(field, format!("{other} is not an integer"))),
    }
}

fn parse_activity(fields: &Map<String, Json>) -> Result<Activity, RequestError> {
    let text = match fields.get("activity") {
        Some(Json::String(text)) => text.trim(),
        None | Some(Json::Null) => {
            return Err(refuse(
                "activity",
                "required (a NACE code or an activity group)",
            ))
        }
        Some(other) => return Err(refuse("activity", format!("{other} is not a string"))),
    };
    if text.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        let group = rules::nace_group(text).map_err(|message| refuse("activity", message))?;
        return Ok(Activity {
            group,
            nace: Some(text.to_string()),
        });
    }
    let group = text
        .parse::<ActivityGroup>()
        .map_err(|message| refuse("activity", message))?;
    Ok(Activity { group, nace: None })
}

fn parse_requires(fields: &Map<String, Json>) -> Result<Requirements, RequestError> {
    let mut requires = Requirements::default();
    let list = match fields.get("requires") {
        None | Some(Json::Null) => return Ok(requires),
        Some(Json::Array(list)) => list,
        Some(other) => {
            return Err(refuse(
                "requires",
                format!("{other} is not a list of \"quay\", \"rail\""),
            ))
        }
    };
    for item in list {
        match item.as_str() {
            Some("quay") => requires.quay = true,
            Some("rail") => requires.rail = true,
            _ => {
                return Err(refuse(
                    "requires",
                    format!("unknown access {item} (expected \"quay\" or \"rail\")"),
                ))
            }
        }
    }
    Ok(requires)
}

fn parse_near(fields: &Map<String, Json>) -> Result<Option<Near>, RequestError> {
    let near = match fields.get("near") {
        None | Some(Json::Null) => return Ok(None),
        Some(Json::Object(near)) => near,
        Some(other) => {
            return Err(refuse(
                "near",
                format!("{other} is not {{\"company_id\": ...}} or {{\"lon\": ..., \"lat\": ...}}"),
            ))
        }
    };
    if let Some(unknown) = near
        .keys()
        .find(|name| !["company_id", "lon", "lat"].contains(&name.as_str()))
    {
        return Err(refuse(
            &format!("near.{unknown}"),
            "unknown field (expected company_id, or lon and lat)",
        ));
    }
    match (
        near.get("company_id"),
        near.contains_key("lon") || near.contains_key("lat"),
    ) {
        (Some(Json::String(id)), false) if !id.trim().is_empty() => {
            Ok(Some(Near::Company(id.clone())))
        }
        (Some(other), false) => Err(refuse(
            "near.company_id",
            format!("{other} is not a company id"),
        )),
        (Some(_), true) => Err(refuse(
            "near",
            "give either company_id or lon and lat, not both",
        )),
        (None, _) => {
            let lon = number(near, "lon")
                .map_err(|error| refuse("near.lon", error.message))?
                .ok_or_else(|| refuse("near.lon", "required with near.lat"))?;
            let lat = number(near, "lat")
                .map_err(|error| refuse("near.lat", error.message))?
                .ok_or_else(|| refuse("near.lat", "required with near.lon"))?;
            if !(-180.0..=180.0).contains(&lon) {
                return Err(refuse("near.lon", format!("{lon} is not a longitude")));
            }
            if !(-85.0..=85.0).contains(&lat) {
                return Err(refuse("near.lat", format!("{lat} is not a latitude")));
            }
            Ok(Some(Near::Point(Point::new(lon, lat))))
        }
    }
}

fn parse_weights(fields: &Map<String, Json>, has_near: bool) -> Result<Weights, RequestError> {
    let given = match fields.get("weights") {
        None | Some(Json::Null) => return Ok(Weights::default_for(has_near)),
        Some(Json::Object(given)) => given,
        Some(other) => return Err(refuse("weights", format!("{other} is not an object"))),
    };
    if let Some(unknown) = given
        .keys()
        .find(|name| !Weights::NAMES.contains(&name.as_str()))
    {
        return Err(refuse(
            &format!("weights.{unknown}"),
            format!(
                "unknown criterion (expected one of: {})",
                Weights::NAMES.join(", ")
            ),
        ));
    }
    let mut shares = [0.0; 5];
    for (share, name) in shares.iter_mut().zip(Weights::NAMES) {
        let field = format!("weights.{name}");
        if let Some(value) = number(given, name).map_err(|error| refuse(&field, error.message))? {
            non_negative(&field, value)?;
            *share = value;
        }
    }
    let weights = Weights {
        motorway: shares[0],
        near: shares[1],
        area_fit: shares[2],
        price: shares[3],
        ready: shares[4],
    };
    let sum = weights.sum();
    if (sum - 100.0).abs() > 1e-6 {
        return Err(refuse(
            "weights",
            format!("the shares sum to {sum}, not 100"),
        ));
    }
    if weights.near > 0.0 && !has_near {
        return Err(refuse("weights.near", "needs near (a company or a point)"));
    }
    Ok(weights)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(body: Json) -> String {
        SiteRequest::from_json(&body).unwrap_err().field
    }

    #[test]
    fn the_issue_example_parses() {
        let request = SiteRequest::from_json(&json!({
            "activity": "logistics", "min_area_m2": 5000, "max_area_m2": 10000,
            "needed_by": "2027-06-01", "requires": ["quay"], "max_price_eur_m2": 120,
            "near": {"lon": 5.50, "lat": 50.96}, "max_distance_m": 5000,
            "weights": {"motorway": 30, "near": 20, "area_fit": 30, "price": 10, "ready": 10},
            "limit": 20
        }))
        .unwrap();
        assert_eq!(request.activity.group, ActivityGroup::Logistics);
        assert_eq!(request.wanted_area_m2(), 7500.0);
        assert!(request.requires.quay && !request.requires.rail);
        assert_eq!(request.near, Some(Near::Point(Point::new(5.50, 50.96))));
        assert_eq!(request.weights, Weights::default_for(true));
        assert_eq!(
            (request.limit, request.offset, request.explain),
            (20, 0, false)
        );
    }

    #[test]
    fn defaults_and_implied_quay() {
        let request =
            SiteRequest::from_json(&json!({"activity": "50.40", "min_area_m2": 0})).unwrap();
        assert_eq!(request.activity.group, ActivityGroup::WaterBoundLogistics);
        assert_eq!(request.activity.nace.as_deref(), Some("50.40"));
        assert!(
            request.requires.quay,
            "water-bound logistics needs the quay"
        );
        assert_eq!(request.weights, Weights::default_for(false));
        assert_eq!(request.limit, DEFAULT_LIMIT);
    }

    #[test]
    fn bad_input_names_the_field() {
        let base = || json!({"activity": "logistics", "min_area_m2": 5000});
        let with = |key: &str, value: Json| {
            let mut body = base();
            body[key] = value;
            body
        };
        assert_eq!(field_of(json!([1])), "body");
        assert_eq!(field_of(json!({"min_area_m2": 1})), "activity");
        assert_eq!(field_of(json!({"activity": 7})), "activity");
        assert_eq!(field_of(with("activity", json!("warehousing"))), "activity");
        assert_eq!(field_of(with("activity", json!("01.11"))), "activity");
        assert_eq!(field_of(with("min_area_m2", json!(-5))), "min_area_m2");
        assert_eq!(field_of(with("min_area_m2", json!("5000"))), "min_area_m2");
        assert_eq!(field_of(with("max_area_m2", json!(4000))), "min_area_m2");
        assert_eq!(field_of(with("max_area_m2", json!(-1))), "max_area_m2");
        assert_eq!(
            field_of(with("needed_by", json!("2027-13-01"))),
            "needed_by"
        );
        assert_eq!(field_of(with("requires", json!(["canal"]))), "requires");
        assert_eq!(
            field_of(with("max_price_eur_m2", json!(-3))),
            "max_price_eur_m2"
        );
        assert_eq!(field_of(with("near", json!({"lon": 5.5}))), "near.lat");
        assert_eq!(
            field_of(with("near", json!({"company_id": 7}))),
            "near.company_id"
        );
        assert_eq!(field_of(with("near", json!({"id": "x"}))), "near.id");
        assert_eq!(
            field_of(with("max_distance_m", json!(100))),
            "max_distance_m"
        );
        assert_eq!(
            field_of(with("weights", json!({"motorway": 50, "price": 40}))),
            "weights"
        );
        assert_eq!(
            field_of(with("weights", json!({"motorway": 50, "near": 50}))),
            "weights.near"
        );
        assert_eq!(
            field_of(with("weights", json!({"motorway": 50, "cost": 50}))),
            "weights.cost"
        );
        assert_eq!(
            field_of(with("weights", json!({"motorway": 150, "price": -50}))),
            "weights.price"
        );
        assert_eq!(field_of(with("limit", json!(0))), "limit");
        assert_eq!(field_of(with("limit", json!(101))), "limit");
        assert_eq!(field_of(with("offset", json!(-1))), "offset");
        assert_eq!(field_of(with("explain", json!("yes"))), "explain");
        assert_eq!(field_of(with("colour", json!("red"))), "colour");
        assert_eq!(field_of(with("lang", json!("xx"))), "lang");
        assert_eq!(field_of(with("lang", json!("EN"))), "lang");
        assert_eq!(field_of(with("lang", json!(1))), "lang");
    }

    #[test]
    fn the_language_is_dutch_unless_english_is_asked() {
        let base = json!({"activity": "logistics"});
        assert_eq!(
            SiteRequest::from_json(&base).unwrap().language,
            Language::Dutch
        );
        for (lang, language) in [
            (json!("nl"), Language::Dutch),
            (json!("en"), Language::English),
            (Json::Null, Language::Dutch),
        ] {
            let mut body = base.clone();
            body["lang"] = lang;
            assert_eq!(SiteRequest::from_json(&body).unwrap().language, language);
        }
        let mut body = base;
        body["lang"] = json!("xx");
        let error = SiteRequest::from_json(&body).unwrap_err();
        assert_eq!(error.field, "lang");
        assert!(
            error.message.contains("'xx'") && error.message.contains("nl, en"),
            "{error}"
        );
    }

    #[test]
    fn partial_weights_that_sum_to_100_are_taken_as_given() {
        let request = SiteRequest::from_json(&json!({
            "activity": "care", "min_area_m2": 100,
            "weights": {"motorway": 60.5, "area_fit": 39.5}
        }))
        .unwrap();
        assert_eq!(request.weights.motorway, 60.5);
        assert_eq!(request.weights.price, 0.0);
    }
}
