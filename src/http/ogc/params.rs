//! The query parameters of the items (Features Part 1 and 2), checked at the
//! boundary: a wrong value is a 400 that names the parameter.
//!
//! `limit` (1 to 10,000, default 10), `offset` (what `next`/`prev` links
//! carry), `bbox` (4 or 6 numbers, heights ignored) in `bbox-crs` (CRS84 by
//! default, axis order of the CRS), `datetime` (RFC 3339 date or date-time,
//! or an interval `start/end` with `..` or nothing for an open end), `crs`,
//! `f`, the collection's own extra parameters, property filters
//! `name=value` on the queryables (equality, the value read as the field's
//! kind), and a CQL2 `filter` (Part 3) in `filter-lang` (`cql2-text` by
//! default, or `cql2-json`) with its geometries in `filter-crs` (CRS84 by
//! default). A confidential field is not a queryable for a role that may
//! not see it, with the same answer as a field that does not exist.

use chrono::{DateTime, NaiveDate};
use geo::{coord, Polygon, Rect};

use super::catalogue::Collection;
use super::crs::{box_to_lonlat, geometry_to_lonlat, OgcCrs};
use crate::cql2::{self, Binding, Filter, Language};
use crate::http::error::{ApiError, ApiQuery};
use crate::http::layers::{bbox_numbers, parse_count};
use crate::model::geojson::Audience;
use crate::model::{FieldKind, Value};

pub use crate::http::ogc_limits::{DEFAULT_LIMIT, MAX_LIMIT};

/// The parameters every items request may carry.
const STANDARD: [&str; 10] = [
    "limit",
    "offset",
    "bbox",
    "bbox-crs",
    "datetime",
    "crs",
    "f",
    "filter",
    "filter-lang",
    "filter-crs",
];

/// A `datetime` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datetime {
    /// One instant (its date, UTC).
    Instant(NaiveDate),
    /// From, to (inclusive); `None` is open.
    Interval(Option<NaiveDate>, Option<NaiveDate>),
}

/// The box to select by: its CRS84 bounds (for the R-tree) and, when the
/// box was given in a projected CRS, its exact area in CRS84.
#[derive(Debug, Clone)]
pub struct BoxFilter {
    pub bounds: Rect<f64>,
    pub area: Option<Polygon<f64>>,
}

/// A checked items request.
#[derive(Debug, Clone)]
pub struct ItemsParams {
    pub limit: usize,
    pub offset: usize,
    pub bbox: Option<BoxFilter>,
    /// The date of a collection with time (`None`: its default date).
    pub date: Option<NaiveDate>,
    pub crs: OgcCrs,
    /// (field position, value) pairs every answered feature equals.
    pub properties: Vec<(usize, Value)>,
    /// The CQL2 filter every answered feature passes.
    pub filter: Option<Filter>,
}

fn bad(parameter: &str, message: impl Into<String>) -> ApiError {
    ApiError::bad_request(parameter, message)
}

/// One instant: `YYYY-MM-DD` or an RFC 3339 date-time, as its UTC date.
fn parse_instant(text: &str) -> Option<NaiveDate> {
    if text.len() == 10 {
        return NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|instant| instant.naive_utc().date())
}

/// `datetime`: an instant or an interval.
pub fn parse_datetime(text: &str) -> Result<Datetime, ApiError> {
    let malformed = || {
        bad(
            "datetime",
            format!("'{text}' is not a date (2025-06-01), a date-time (2025-06-01T12:00:00Z) or an interval of them (start/end, '..' for an open end)"),
        )
    };
    let Some((start, end)) = text.split_once('/') else {
        return parse_instant(text)
            .map(Datetime::Instant)
            .ok_or_else(malformed);
    };
    let bound = |part: &str| -> Result<Option<NaiveDate>, ApiError> {
        if part.is_empty() || part == ".." {
            Ok(None)
        } else {
            parse_instant(part).map(Some).ok_or_else(malformed)
        }
    };
    let (start, end) = (bound(start)?, bound(end)?);
    if let (Some(start), Some(end)) = (start, end) {
        if start > end {
            return Err(bad(
                "datetime",
                format!("the interval starts ({start}) after it ends ({end})"),
            ));
        }
    }
    Ok(Datetime::Interval(start, end))
}

/// The date `datetime` picks on `collection`: a date for a collection with
/// time (which answers one state, so an interval is refused), `None` when
/// absent or when the collection has no time (then a well-formed value
/// selects everything).
pub fn date_of(query: &ApiQuery, collection: Collection) -> Result<Option<NaiveDate>, ApiError> {
    let Some(text) = query.get("datetime") else {
        return Ok(None);
    };
    match (parse_datetime(text)?, collection.has_time()) {
        (_, false) => Ok(None),
        (Datetime::Instant(date), true) => Ok(Some(date)),
        (Datetime::Interval(..), true) => Err(bad(
            "datetime",
            format!(
                "collection '{}' answers its state on one date: give one date (2025-06-01), not an interval",
                collection.id()
            ),
        )),
    }
}

/// `bbox` in `crs`: 4 numbers (or 6 with heights) in the CRS's axis order.
pub fn parse_box(text: &str, crs: OgcCrs) -> Result<BoxFilter, ApiError> {
    let order = match crs {
        OgcCrs::Crs84 => "minlon,minlat,maxlon,maxlat",
        OgcCrs::Epsg(4326) => "minlat,minlon,maxlat,maxlon (EPSG:4326 is latitude first)",
        OgcCrs::Epsg(_) => "minx,miny,maxx,maxy",
    };
    let numbers = bbox_numbers("bbox", text, order)?;
    let [a_min, b_min, a_max, b_max] = match numbers[..] {
        [a_min, b_min, a_max, b_max] => [a_min, b_min, a_max, b_max],
        [a_min, b_min, _, a_max, b_max, _] => [a_min, b_min, a_max, b_max],
        _ => {
            return Err(bad(
                "bbox",
                format!(
                    "expected 4 numbers {order} (or 6 with heights), got {}",
                    numbers.len()
                ),
            ))
        }
    };
    if a_min > a_max || b_min > b_max {
        return Err(bad(
            "bbox",
            format!("the minimum is above the maximum (expected {order})"),
        ));
    }
    match crs {
        OgcCrs::Crs84 | OgcCrs::Epsg(4326) => {
            let (lon_min, lat_min, lon_max, lat_max) = if crs == OgcCrs::Crs84 {
                (a_min, b_min, a_max, b_max)
            } else {
                (b_min, a_min, b_max, a_max)
            };
            let lon = -180.0..=180.0;
            let lat = -90.0..=90.0;
            if !lon.contains(&lon_min)
                || !lon.contains(&lon_max)
                || !lat.contains(&lat_min)
                || !lat.contains(&lat_max)
            {
                return Err(bad(
                    "bbox",
                    format!("longitudes must lie in -180..180 and latitudes in -90..90 (expected {order})"),
                ));
            }
            Ok(BoxFilter {
                bounds: Rect::new(
                    coord! { x: lon_min, y: lat_min },
                    coord! { x: lon_max, y: lat_max },
                ),
                area: None,
            })
        }
        OgcCrs::Epsg(code) => {
            let (area, bounds) = box_to_lonlat([a_min, b_min, a_max, b_max], crs)
                .map_err(|reason| bad("bbox", format!("not a box in EPSG:{code}: {reason}")))?;
            if [
                bounds.min().x,
                bounds.min().y,
                bounds.max().x,
                bounds.max().y,
            ]
            .iter()
            .any(|n| !n.is_finite())
            {
                return Err(bad(
                    "bbox",
                    format!("the box lies outside where EPSG:{code} is defined"),
                ));
            }
            Ok(BoxFilter {
                bounds,
                area: Some(area),
            })
        }
    }
}

/// `crs` (or `bbox-crs`), CRS84 when absent.
pub fn parse_crs(query: &ApiQuery, parameter: &str) -> Result<OgcCrs, ApiError> {
    query
        .get(parameter)
        .map(|text| OgcCrs::parse(parameter, text))
        .transpose()
        .map(|crs| crs.unwrap_or(OgcCrs::Crs84))
}

/// A property filter's text as a value of the field's kind.
fn parse_value(name: &str, kind: FieldKind, text: &str) -> Result<Value, ApiError> {
    let wrong = |what: &str| bad(name, format!("'{text}' is not {what}"));
    Ok(match kind {
        FieldKind::Text => Value::Text(text.to_string()),
        FieldKind::Integer => {
            Value::Integer(text.trim().parse().map_err(|_| wrong("a whole number"))?)
        }
        FieldKind::Real => Value::Real(
            text.trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| wrong("a number"))?,
        ),
        FieldKind::Boolean => match text {
            "true" => Value::Boolean(true),
            "false" => Value::Boolean(false),
            _ => return Err(wrong("true or false")),
        },
        FieldKind::Date => Value::Date(
            NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| wrong("a date YYYY-MM-DD"))?,
        ),
    })
}

/// The queryables `audience` may filter `collection` on: (position, name).
pub fn queryable_fields(
    collection: Collection,
    audience: Audience,
) -> Vec<(usize, &'static crate::model::FieldDef)> {
    collection
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, field)| audience == Audience::Confidential || !field.confidential)
        .collect()
}

/// Every other parameter must be a queryable the caller may see.
fn parse_properties(
    query: &ApiQuery,
    collection: Collection,
    audience: Audience,
) -> Result<Vec<(usize, Value)>, ApiError> {
    let queryables = queryable_fields(collection, audience);
    let mut filters = Vec::new();
    for (name, text) in &query.0 {
        if STANDARD.contains(&name.as_str())
            || collection.extra_parameters().contains(&name.as_str())
        {
            continue;
        }
        let Some((position, field)) = queryables.iter().find(|(_, field)| field.name == name)
        else {
            let mut known: Vec<&str> = STANDARD.to_vec();
            known.extend(collection.extra_parameters());
            let names: Vec<&str> = queryables.iter().map(|(_, field)| field.name).collect();
            return Err(bad(
                name,
                format!(
                    "unknown parameter, and not a queryable of '{}' (parameters: {}; queryables: {})",
                    collection.id(),
                    known.join(", "),
                    names.join(", ")
                ),
            ));
        };
        filters.push((*position, parse_value(name, field.kind, text)?));
    }
    Ok(filters)
}

/// `filter` read in `filter-lang` and checked against the fields the
/// caller may see, its geometries read in `filter-crs`.
pub fn parse_filter(
    query: &ApiQuery,
    collection: Collection,
    audience: Audience,
) -> Result<Option<Filter>, ApiError> {
    let language = match query.get("filter-lang") {
        None => Language::Text,
        Some(text) => Language::parse(text).ok_or_else(|| {
            bad(
                "filter-lang",
                format!("'{text}' is not a filter language here (cql2-text or cql2-json)"),
            )
        })?,
    };
    let crs = parse_crs(query, "filter-crs")?;
    let Some(text) = query.get("filter") else {
        return Ok(None);
    };
    let may_see =
        |field: &crate::model::FieldDef| audience == Audience::Confidential || !field.confidential;
    let to_lon_lat = |geometry: &geo::Geometry<f64>| geometry_to_lonlat(geometry, crs);
    let binding = Binding {
        fields: collection.fields(),
        may_see: &may_see,
        geometry_property: "geometry",
        to_lon_lat: &to_lon_lat,
    };
    language
        .read(text)
        .and_then(|expr| cql2::bind(&expr, &binding))
        .map(Some)
        .map_err(|error| bad("filter", error.to_string()))
}

impl ItemsParams {
    /// Check every parameter of an items request on `collection`.
    pub fn parse(
        query: &ApiQuery,
        collection: Collection,
        audience: Audience,
    ) -> Result<ItemsParams, ApiError> {
        let limit = parse_count(query, "limit", DEFAULT_LIMIT, MAX_LIMIT)?;
        if limit == 0 {
            return Err(bad("limit", format!("must be from 1 to {MAX_LIMIT}")));
        }
        let offset = parse_count(query, "offset", 0, usize::MAX >> 1)?;
        let bbox_crs = parse_crs(query, "bbox-crs")?;
        let bbox = query
            .get("bbox")
            .map(|text| parse_box(text, bbox_crs))
            .transpose()?;
        Ok(ItemsParams {
            limit,
            offset,
            bbox,
            date: date_of(query, collection)?,
            crs: parse_crs(query, "crs")?,
            properties: parse_properties(query, collection, audience)?,
            filter: parse_filter(query, collection, audience)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LayerId;
    use std::collections::BTreeMap;

    fn query(pairs: &[(&str, &str)]) -> ApiQuery {
        ApiQuery(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    fn parameter_of(result: Result<ItemsParams, ApiError>) -> String {
        match result {
            Err(ApiError::BadRequest { parameter, .. }) => parameter,
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    const UNITS: Collection = Collection::Layer(LayerId::ShopUnits);

    #[test]
    fn defaults_are_ten_items_from_the_start_in_crs84() {
        let params = ItemsParams::parse(&query(&[]), UNITS, Audience::Public).unwrap();
        assert_eq!(
            (params.limit, params.offset, params.crs),
            (10, 0, OgcCrs::Crs84)
        );
        assert!(params.bbox.is_none() && params.date.is_none() && params.properties.is_empty());
    }

    #[test]
    fn each_bad_value_names_its_parameter() {
        for (pairs, parameter) in [
            (vec![("limit", "0")], "limit"),
            (vec![("limit", "10001")], "limit"),
            (vec![("limit", "ten")], "limit"),
            (vec![("offset", "-1")], "offset"),
            (vec![("bbox", "1,2,3")], "bbox"),
            (vec![("bbox", "5.6,50.9,5.4,51.0")], "bbox"),
            (vec![("bbox", "225702,182034,225800,182100")], "bbox"),
            (
                vec![("bbox", "5.4,50.9,5.6,51"), ("bbox-crs", "EPSG:2154")],
                "bbox-crs",
            ),
            (vec![("crs", "EPSG:9999")], "crs"),
            (vec![("datetime", "2025-13-01")], "datetime"),
            (vec![("datetime", "yesterday")], "datetime"),
            (vec![("datetime", "2025-06-01/2025-01-01")], "datetime"),
            (vec![("datetime", "2025-01-01/2025-06-01")], "datetime"),
            (vec![("colour", "red")], "colour"),
            (vec![("occupant", "Mode Aydin")], "occupant"),
            (vec![("floor_area_m2", "big")], "floor_area_m2"),
            (vec![("status_since", "2025-02-30")], "status_since"),
        ] {
            assert_eq!(
                parameter_of(ItemsParams::parse(&query(&pairs), UNITS, Audience::Public)),
                parameter,
                "{pairs:?}"
            );
        }
    }

    #[test]
    fn a_confidential_field_is_a_queryable_only_for_those_who_see_it() {
        let pairs = query(&[("occupant", "Mode Aydin"), ("status", "vacant")]);
        let params = ItemsParams::parse(&pairs, UNITS, Audience::Confidential).unwrap();
        let schema = LayerId::ShopUnits.schema();
        assert_eq!(
            params.properties,
            vec![
                (
                    schema.field_index("occupant").unwrap(),
                    Value::Text("Mode Aydin".into())
                ),
                (
                    schema.field_index("status").unwrap(),
                    Value::Text("vacant".into())
                ),
            ]
        );
    }

    #[test]
    fn epsg_4326_boxes_are_latitude_first() {
        let lonlat = parse_box("5.4,50.9,5.6,51.0", OgcCrs::Crs84)
            .unwrap()
            .bounds;
        let latlon = parse_box("50.9,5.4,51.0,5.6", OgcCrs::Epsg(4326))
            .unwrap()
            .bounds;
        assert_eq!(lonlat, latlon);
        assert!(parse_box("5.4,50.9,5.6,51.0", OgcCrs::Epsg(4326)).is_ok());
        assert!(parse_box("50.9,5.4,0,51.0,5.6,100", OgcCrs::Epsg(4326)).is_ok());
    }

    #[test]
    fn datetimes_are_instants_or_intervals() {
        let day = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        assert_eq!(
            parse_datetime("2025-06-01").unwrap(),
            Datetime::Instant(day)
        );
        assert_eq!(
            parse_datetime("2025-06-01T23:30:00+02:00").unwrap(),
            Datetime::Instant(day)
        );
        assert_eq!(
            parse_datetime("../2025-06-01").unwrap(),
            Datetime::Interval(None, Some(day))
        );
        assert_eq!(
            parse_datetime("2025-06-01/").unwrap(),
            Datetime::Interval(Some(day), None)
        );
        for bad in [
            "",
            "2025-6-1",
            "2025-06-01T25:00:00Z",
            "a/b",
            "2025-06-01/x",
        ] {
            assert!(parse_datetime(bad).is_err(), "{bad}");
        }
        // a layer without time checks the value, then selects everything
        let parks = Collection::Layer(LayerId::BusinessParks);
        assert_eq!(
            date_of(&query(&[("datetime", "2025-01-01/..")]), parks).unwrap(),
            None
        );
        assert!(date_of(&query(&[("datetime", "soon")]), parks).is_err());
        assert_eq!(
            date_of(&query(&[("datetime", "2025-06-01")]), UNITS).unwrap(),
            Some(day)
        );
    }
}
