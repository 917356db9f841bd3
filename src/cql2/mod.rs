//! CQL2, the filter language of OGC API – Features Part 3: Basic CQL2
//! (comparisons, `AND`/`OR`/`NOT`, `IS NULL`), the advanced comparisons
//! (`LIKE`, `BETWEEN`, `IN`) and `S_INTERSECTS` with any geometry or a
//! `BBOX`, read from text (`text`) or JSON (`json`) into one [`Expr`].
//!
//! `bind` checks an expression against a layer's fields (unknown or
//! hidden properties, kinds that cannot be compared) into a [`Filter`];
//! `eval` applies a filter to a feature with SQL's three-valued logic (a
//! comparison with a missing value is unknown, and only `true` selects),
//! and `envelope` gives the box every match lies in, for the R-tree.
//! Every error says where: a character offset in text, a JSON pointer in
//! JSON.

mod bind;
mod eval;
mod json;
mod scan;
mod text;

use std::fmt;

use chrono::NaiveDate;
use geo::Geometry;

pub use bind::{bind, Binding, Filter, Operand};
pub use eval::envelope;
pub use json::parse_json;
pub use scan::scan;
pub use text::parse_text;

/// Where in the filter something is.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    /// A character offset (from 0) in a cql2-text filter.
    Char(usize),
    /// A JSON pointer into a cql2-json filter.
    Pointer(String),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Char(offset) => write!(f, "at character {offset}"),
            Location::Pointer(pointer) if pointer.is_empty() => write!(f, "at the top of the JSON"),
            Location::Pointer(pointer) => write!(f, "at {pointer}"),
        }
    }
}

/// A filter that cannot be read or does not fit the collection.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} ({at})")]
pub struct Cql2Error {
    pub at: Location,
    pub message: String,
}

impl Cql2Error {
    pub fn new(at: Location, message: impl Into<String>) -> Cql2Error {
        Cql2Error {
            at,
            message: message.into(),
        }
    }
}

/// `=`, `<>`, `<`, `<=`, `>`, `>=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    /// The operator written as in cql2-text and cql2-json.
    pub fn parse(symbol: &str) -> Option<CompareOp> {
        Some(match symbol {
            "=" => CompareOp::Eq,
            "<>" => CompareOp::Ne,
            "<" => CompareOp::Lt,
            "<=" => CompareOp::Le,
            ">" => CompareOp::Gt,
            ">=" => CompareOp::Ge,
            _ => return None,
        })
    }

    /// Whether the operator holds for two values in this order.
    pub fn holds(self, order: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CompareOp::Eq => order == Equal,
            CompareOp::Ne => order != Equal,
            CompareOp::Lt => order == Less,
            CompareOp::Le => order != Greater,
            CompareOp::Gt => order == Greater,
            CompareOp::Ge => order != Less,
        }
    }

    /// The operator with its operands swapped: `a < b` is `b > a`.
    pub fn flipped(self) -> CompareOp {
        match self {
            CompareOp::Lt => CompareOp::Gt,
            CompareOp::Le => CompareOp::Ge,
            CompareOp::Gt => CompareOp::Lt,
            CompareOp::Ge => CompareOp::Le,
            same => same,
        }
    }
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Number(f64),
    Boolean(bool),
    Date(NaiveDate),
    /// A `TIMESTAMP`, kept as its UTC date (the atlas's dates are days).
    Timestamp(NaiveDate),
}

/// A value in a comparison: a property or a literal, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Property(String, Location),
    Literal(Literal, Location),
}

impl Scalar {
    pub fn location(&self) -> &Location {
        match self {
            Scalar::Property(_, at) | Scalar::Literal(_, at) => at,
        }
    }
}

/// An argument of a spatial function: a property or a geometry literal
/// (in the filter's CRS, axes in its order).
#[derive(Debug, Clone, PartialEq)]
pub enum Spatial {
    Property(String, Location),
    Geometry(Geometry<f64>, Location),
}

/// A CQL2 expression as written; negations (`NOT LIKE`, `IS NOT NULL`)
/// are `Not` around the positive form.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Boolean(bool),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Compare(CompareOp, Scalar, Scalar),
    Like(Scalar, Scalar),
    Between(Scalar, Scalar, Scalar),
    In(Scalar, Vec<Scalar>),
    IsNull(Scalar),
    Intersects(Spatial, Spatial),
}

/// Which encoding a filter is in (`filter-lang`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Text,
    Json,
}

impl Language {
    /// `cql2-text` or `cql2-json`; also `cql-text`, the draft's name that
    /// GDAL 3.6 sends.
    pub fn parse(text: &str) -> Option<Language> {
        match text {
            "cql2-text" | "cql-text" => Some(Language::Text),
            "cql2-json" => Some(Language::Json),
            _ => None,
        }
    }

    /// Read a filter in this encoding.
    pub fn read(self, filter: &str) -> Result<Expr, Cql2Error> {
        match self {
            Language::Text => parse_text(filter),
            Language::Json => parse_json(filter),
        }
    }
}

/// A date literal `YYYY-MM-DD`.
fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 10)
}

/// A timestamp literal (RFC 3339) as its UTC date.
fn parse_timestamp(text: &str) -> Option<NaiveDate> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|instant| instant.naive_utc().date())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Feature, FieldDef, LayerId, Value};
    use geo::point;

    fn unit(
        id: &str,
        lon: f64,
        area: f64,
        status: &str,
        since: &str,
        occupant: Option<&str>,
        kind: Option<&str>,
    ) -> Feature {
        let text = |t: &str| Value::Text(t.to_string());
        Feature {
            id: id.into(),
            geometry: Geometry::Point(point! { x: lon, y: 50.96 }),
            values: vec![
                text("Vennestraat 1"),
                text("Vennestraat"),
                Value::Real(area),
                text("mode"),
                kind.map_or(Value::Null, text),
                text(status),
                Value::Date(parse_date(since).unwrap()),
                occupant.map_or(Value::Null, text),
                Value::Null,
            ],
        }
    }

    /// Four shop units, small enough to check every answer by hand.
    fn units() -> Vec<Feature> {
        vec![
            unit(
                "a",
                5.50,
                120.0,
                "vacant",
                "2024-03-01",
                None,
                Some("retail"),
            ),
            unit(
                "b",
                5.51,
                80.0,
                "occupied",
                "2025-01-15",
                Some("Mode Aydin"),
                None,
            ),
            unit(
                "c",
                5.52,
                0.0,
                "occupied",
                "2023-07-01",
                Some("Bakkerij Janssens"),
                Some("horeca"),
            ),
            unit("d", 5.60, 300.0, "vacant", "2025-06-01", None, None),
        ]
    }

    fn selected(filter: &str, language: Language, confidential: bool) -> Result<String, Cql2Error> {
        let may_see = move |field: &FieldDef| confidential || !field.confidential;
        let identity = |g: &Geometry<f64>| Ok(g.clone());
        let binding = Binding {
            fields: LayerId::ShopUnits.schema().fields,
            may_see: &may_see,
            geometry_property: "geometry",
            to_lon_lat: &identity,
        };
        let filter = bind(&language.read(filter)?, &binding)?;
        Ok(units()
            .iter()
            .filter(|unit| filter.selects(unit))
            .map(|unit| unit.id.as_str())
            .collect())
    }

    #[test]
    fn hand_computed_answers() {
        for (filter, expected) in [
            ("status = 'vacant'", "ad"),
            ("status <> 'vacant'", "bc"),
            ("floor_area_m2 > 80", "ad"),
            ("floor_area_m2 >= 80 AND floor_area_m2 <= 120", "ab"),
            ("floor_area_m2 BETWEEN 80 AND 120", "ab"),
            ("floor_area_m2 NOT BETWEEN 80 AND 120", "cd"),
            ("status_since < DATE('2025-01-01')", "ac"),
            ("status_since >= '2025-01-15'", "bd"),
            ("status_since = TIMESTAMP('2025-06-01T10:00:00Z')", "d"),
            ("kind IS NULL", "bd"),
            ("kind IS NOT NULL", "ac"),
            // SQL's unknown: kind is missing in b and d, so neither = nor <> holds
            ("kind = 'retail'", "a"),
            ("kind <> 'retail'", "c"),
            ("NOT kind = 'retail'", "c"),
            ("kind = 'retail' OR status = 'vacant'", "ad"),
            ("kind IN ('retail', 'horeca')", "ac"),
            ("kind NOT IN ('retail')", "c"),
            ("status IN ('vacant') AND NOT (floor_area_m2 > 200)", "a"),
            ("S_INTERSECTS(geometry, BBOX(5.515, 50, 5.7, 51))", "cd"),
            ("S_INTERSECTS(geometry, POLYGON((5.49 50.9, 5.515 50.9, 5.515 51, 5.49 51, 5.49 50.9)))", "ab"),
            ("S_INTERSECTS(geometry, POINT(5.52 50.96))", "c"),
            ("S_INTERSECTS(geometry, LINESTRING(5.6 50, 5.6 51))", "d"),
            ("NOT S_INTERSECTS(geometry, BBOX(5.515, 50, 5.7, 51)) AND status = 'occupied'", "b"),
            ("TRUE", "abcd"),
            ("FALSE OR floor_area_m2 = 0", "c"),
            ("'x' IS NULL", ""),
        ] {
            assert_eq!(selected(filter, Language::Text, false).unwrap_or_else(|e| panic!("{filter}: {e}")), expected, "{filter}");
        }
    }

    #[test]
    fn confidential_fields_filter_only_for_those_who_see_them() {
        assert_eq!(
            selected("occupant LIKE 'Mode%'", Language::Text, true).unwrap(),
            "b"
        );
        assert_eq!(
            selected("occupant LIKE '%e%'", Language::Text, true).unwrap(),
            "bc"
        );
        assert_eq!(
            selected("occupant IS NULL", Language::Text, true).unwrap(),
            "ad"
        );
        let hidden = selected("occupant LIKE 'Mode%'", Language::Text, false).unwrap_err();
        let missing = selected("uitbater LIKE 'Mode%'", Language::Text, false).unwrap_err();
        assert!(
            hidden.message.starts_with("unknown property 'occupant'"),
            "{hidden}"
        );
        assert!(
            missing.message.starts_with("unknown property 'uitbater'"),
            "{missing}"
        );
        assert!(
            !hidden.message.contains("occupant,") && !hidden.message.ends_with("occupant)"),
            "{hidden}"
        );
    }

    #[test]
    fn kinds_that_do_not_compare_are_refused_where_they_stand() {
        for (filter, offset, words) in [
            ("floor_area_m2 = 'big'", 16, "compared with the text 'big'"),
            ("status = 3", 9, "compared with the number 3"),
            ("status_since > 'soon'", 15, "give a date"),
            ("status LIKE 3", 12, "pattern of LIKE must be a text"),
            ("floor_area_m2 LIKE '1%'", 0, "LIKE applies to text"),
            ("status BETWEEN 'a' AND 4", 23, "compared with the number 4"),
            ("geometry = 'x'", 0, "is the geometry"),
            ("S_INTERSECTS(status, POINT(1 2))", 13, "not a geometry"),
            ("floor_area_m2 = status", 0, "cannot be compared"),
        ] {
            let error = selected(filter, Language::Text, false).unwrap_err();
            assert_eq!(error.at, Location::Char(offset), "{filter}: {error}");
            assert!(error.message.contains(words), "{filter}: {error}");
        }
    }

    #[test]
    fn the_json_encoding_selects_the_same_units() {
        let json = r#"{"op":"and","args":[{"op":"=","args":[{"property":"status"},"vacant"]},{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[5.45,50,5.55,51]}]}]}"#;
        assert_eq!(selected(json, Language::Json, false).unwrap(), "a");
        let error = selected(
            r#"{"op":"=","args":[{"property":"floor_area_m2"},"big"]}"#,
            Language::Json,
            false,
        )
        .unwrap_err();
        assert_eq!(error.at, Location::Pointer("/args/1".into()));
    }

    #[test]
    fn the_envelope_bounds_every_match() {
        let identity = |g: &Geometry<f64>| Ok(g.clone());
        let may_see = |_: &FieldDef| true;
        let binding = Binding {
            fields: LayerId::ShopUnits.schema().fields,
            may_see: &may_see,
            geometry_property: "geometry",
            to_lon_lat: &identity,
        };
        let bound = |text: &str| bind(&parse_text(text).unwrap(), &binding).unwrap();
        let rect = |a: f64, b: f64, c: f64, d: f64| {
            geo::Rect::new(geo::coord! {x: a, y: b}, geo::coord! {x: c, y: d})
        };
        assert_eq!(
            envelope(&bound("S_INTERSECTS(geometry, BBOX(1, 2, 3, 4))")),
            Some(rect(1.0, 2.0, 3.0, 4.0))
        );
        assert_eq!(envelope(&bound("status = 'x' AND S_INTERSECTS(geometry, BBOX(1, 2, 3, 4)) AND S_INTERSECTS(geometry, BBOX(0, 0, 10, 10))")), Some(rect(1.0, 2.0, 3.0, 4.0)));
        assert_eq!(
            envelope(&bound(
                "S_INTERSECTS(geometry, BBOX(1, 2, 3, 4)) OR S_INTERSECTS(geometry, POINT(5 0))"
            )),
            Some(rect(1.0, 0.0, 5.0, 4.0))
        );
        assert_eq!(
            envelope(&bound(
                "S_INTERSECTS(geometry, BBOX(1, 2, 3, 4)) OR status = 'x'"
            )),
            None
        );
        assert_eq!(
            envelope(&bound("NOT S_INTERSECTS(geometry, BBOX(1, 2, 3, 4))")),
            None
        );
    }

    #[test]
    fn mangled_filters_are_errors_never_panics() {
        use rand::{Rng, SeedableRng};
        let seeds = [
            "status = 'vacant' AND floor_area_m2 BETWEEN 10 AND 20 OR kind IN ('a', 'b')",
            "NOT (occupant LIKE 'M%') AND status_since >= DATE('2025-01-01')",
            "S_INTERSECTS(geometry, POLYGON((5 50, 6 50, 6 51, 5 50))) AND kind IS NOT NULL",
            r#"{"op":"and","args":[{"op":"=","args":[{"property":"status"},"vacant"]},{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[1,2,3,4]}]}]}"#,
        ];
        let alphabet: Vec<char> = "()',=<>%_ \"{}[]:.-+0123456789aAzZéNOTANDORLIKE\u{0}"
            .chars()
            .collect();
        let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let identity = |g: &Geometry<f64>| Ok(g.clone());
        let may_see = |_: &FieldDef| true;
        let binding = Binding {
            fields: LayerId::ShopUnits.schema().fields,
            may_see: &may_see,
            geometry_property: "geometry",
            to_lon_lat: &identity,
        };
        let feature = &units()[1];
        for round in 0..20_000 {
            let mut chars: Vec<char> = seeds[round % seeds.len()].chars().collect();
            for _ in 0..random.random_range(1..4) {
                let at = random.random_range(0..chars.len());
                match random.random_range(0..3) {
                    0 => {
                        chars.remove(at);
                    }
                    1 => chars.insert(at, alphabet[random.random_range(0..alphabet.len())]),
                    _ => chars.truncate(at),
                }
                if chars.is_empty() {
                    break;
                }
            }
            let text: String = chars.into_iter().collect();
            for language in [Language::Text, Language::Json] {
                match language.read(&text) {
                    Ok(expr) => {
                        if let Ok(filter) = bind(&expr, &binding) {
                            let _ = filter.eval(feature);
                            let _ = envelope(&filter);
                        }
                    }
                    Err(error) => {
                        if let Location::Char(offset) = error.at {
                            assert!(offset <= text.chars().count(), "{text}: {error}");
                        }
                    }
                }
            }
        }
    }
}
