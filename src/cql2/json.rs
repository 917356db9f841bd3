//! cql2-json: an expression read from its JSON form, every error with the
//! JSON pointer of the part that is wrong.
//!
//! `{"op": "and", "args": [...]}` for operators (`and`, `or`, `not`, `=`,
//! `<>`, `<`, `<=`, `>`, `>=`, `like`, `between`, `in`, `isNull`,
//! `s_intersects`), `{"property": "name"}`, `{"date": "…"}`,
//! `{"timestamp": "…"}`, `{"bbox": [...]}`, GeoJSON geometries, and plain
//! strings, numbers and booleans.

use geo::{
    coord, Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon,
    Rect,
};
use serde_json::Value as Json;

use super::{
    parse_date, parse_timestamp, CompareOp, Cql2Error, Expr, Literal, Location, Scalar, Spatial,
};

fn error(pointer: &str, message: impl Into<String>) -> Cql2Error {
    Cql2Error::new(Location::Pointer(pointer.to_string()), message)
}

fn here(pointer: &str) -> Location {
    Location::Pointer(pointer.to_string())
}

/// The arguments of an operator, checked for their number.
fn args<'a>(
    node: &'a Json,
    pointer: &str,
    op: &str,
    count: std::ops::RangeInclusive<usize>,
) -> Result<&'a Vec<Json>, Cql2Error> {
    let Some(args) = node.get("args").and_then(Json::as_array) else {
        return Err(error(
            pointer,
            format!("the operator '{op}' needs \"args\", an array"),
        ));
    };
    if !count.contains(&args.len()) {
        let expected = if count.start() == count.end() {
            count.start().to_string()
        } else if *count.end() == usize::MAX {
            format!("at least {}", count.start())
        } else {
            format!("{} to {}", count.start(), count.end())
        };
        return Err(error(
            &format!("{pointer}/args"),
            format!("'{op}' takes {expected} arguments, not {}", args.len()),
        ));
    }
    Ok(args)
}

fn expr(node: &Json, pointer: &str) -> Result<Expr, Cql2Error> {
    if let Json::Bool(value) = node {
        return Ok(Expr::Boolean(*value));
    }
    let Some(op) = node.get("op").and_then(Json::as_str) else {
        return Err(error(
            pointer,
            "expected an operator object {\"op\": …, \"args\": […]} or true/false",
        ));
    };
    let arg = |index: usize| format!("{pointer}/args/{index}");
    Ok(match op {
        "and" | "or" => {
            let parts = args(node, pointer, op, 2..=usize::MAX)?
                .iter()
                .enumerate()
                .map(|(index, part)| expr(part, &arg(index)))
                .collect::<Result<Vec<_>, _>>()?;
            if op == "and" { Expr::And(parts) } else { Expr::Or(parts) }
        }
        "not" => Expr::Not(Box::new(expr(&args(node, pointer, op, 1..=1)?[0], &arg(0))?)),
        "like" => {
            let a = args(node, pointer, op, 2..=2)?;
            Expr::Like(scalar(&a[0], &arg(0))?, scalar(&a[1], &arg(1))?)
        }
        "between" => {
            let a = args(node, pointer, op, 3..=3)?;
            Expr::Between(scalar(&a[0], &arg(0))?, scalar(&a[1], &arg(1))?, scalar(&a[2], &arg(2))?)
        }
        "in" => {
            let a = args(node, pointer, op, 2..=2)?;
            let Some(list) = a[1].as_array().filter(|list| !list.is_empty()) else {
                return Err(error(&arg(1), "the second argument of 'in' must be a non-empty array of values"));
            };
            let list = list
                .iter()
                .enumerate()
                .map(|(index, item)| scalar(item, &format!("{}/{index}", arg(1))))
                .collect::<Result<Vec<_>, _>>()?;
            Expr::In(scalar(&a[0], &arg(0))?, list)
        }
        "isNull" => Expr::IsNull(scalar(&args(node, pointer, op, 1..=1)?[0], &arg(0))?),
        "s_intersects" => {
            let a = args(node, pointer, op, 2..=2)?;
            Expr::Intersects(spatial(&a[0], &arg(0))?, spatial(&a[1], &arg(1))?)
        }
        symbol => match CompareOp::parse(symbol) {
            Some(compare) => {
                let a = args(node, pointer, op, 2..=2)?;
                Expr::Compare(compare, scalar(&a[0], &arg(0))?, scalar(&a[1], &arg(1))?)
            }
            None => {
                return Err(error(
                    &format!("{pointer}/op"),
                    format!("unknown operator '{symbol}' (this server has and, or, not, =, <>, <, <=, >, >=, like, between, in, isNull, s_intersects)"),
                ))
            }
        },
    })
}

fn scalar(node: &Json, pointer: &str) -> Result<Scalar, Cql2Error> {
    let literal = |literal| Ok(Scalar::Literal(literal, here(pointer)));
    match node {
        Json::String(text) => literal(Literal::Text(text.clone())),
        Json::Number(n) => literal(Literal::Number(n.as_f64().filter(|n| n.is_finite()).ok_or_else(|| error(pointer, "not a finite number"))?)),
        Json::Bool(b) => literal(Literal::Boolean(*b)),
        Json::Object(object) => {
            if let Some(name) = object.get("property") {
                let name = name.as_str().ok_or_else(|| error(pointer, "\"property\" must be a name (a string)"))?;
                return Ok(Scalar::Property(name.to_string(), here(pointer)));
            }
            if let Some(date) = object.get("date") {
                let parsed = date.as_str().and_then(parse_date);
                return match parsed {
                    Some(date) => literal(Literal::Date(date)),
                    None => Err(error(pointer, format!("{date} is not a date \"YYYY-MM-DD\""))),
                };
            }
            if let Some(timestamp) = object.get("timestamp") {
                let parsed = timestamp.as_str().and_then(parse_timestamp);
                return match parsed {
                    Some(date) => literal(Literal::Timestamp(date)),
                    None => Err(error(pointer, format!("{timestamp} is not a timestamp like \"2025-06-01T12:00:00Z\""))),
                };
            }
            Err(error(pointer, "expected a value: a string, a number, a boolean, {\"property\": …}, {\"date\": …} or {\"timestamp\": …}"))
        }
        _ => Err(error(pointer, "expected a value: a string, a number, a boolean, {\"property\": …}, {\"date\": …} or {\"timestamp\": …}")),
    }
}

fn spatial(node: &Json, pointer: &str) -> Result<Spatial, Cql2Error> {
    if let Some(name) = node.get("property").and_then(Json::as_str) {
        return Ok(Spatial::Property(name.to_string(), here(pointer)));
    }
    if let Some(numbers) = node.get("bbox") {
        let numbers: Vec<f64> = numbers
            .as_array()
            .map(|list| list.iter().filter_map(Json::as_f64).collect())
            .unwrap_or_default();
        let [x_min, y_min, x_max, y_max] = match numbers[..] {
            [a, b, c, d] => [a, b, c, d],
            [a, b, _, d, e, _] => [a, b, d, e],
            _ => {
                return Err(error(
                    &format!("{pointer}/bbox"),
                    "a bbox is 4 numbers (or 6 with heights)",
                ))
            }
        };
        if x_min > x_max || y_min > y_max {
            return Err(error(
                &format!("{pointer}/bbox"),
                "the bbox's minimum is above its maximum",
            ));
        }
        let rect = Rect::new(coord! { x: x_min, y: y_min }, coord! { x: x_max, y: y_max });
        return Ok(Spatial::Geometry(
            Geometry::Polygon(rect.to_polygon()),
            here(pointer),
        ));
    }
    Ok(Spatial::Geometry(geometry(node, pointer)?, here(pointer)))
}

fn position(node: &Json, pointer: &str) -> Result<Coord<f64>, Cql2Error> {
    match node
        .as_array()
        .map(|n| n.iter().map(Json::as_f64).collect::<Vec<_>>())
        .as_deref()
    {
        Some([Some(x), Some(y)]) | Some([Some(x), Some(y), Some(_)]) => Ok(coord! { x: *x, y: *y }),
        _ => Err(error(pointer, "a position is [x, y] (or [x, y, z])")),
    }
}

fn positions(node: &Json, pointer: &str, least: usize) -> Result<Vec<Coord<f64>>, Cql2Error> {
    let list = node
        .as_array()
        .ok_or_else(|| error(pointer, "expected an array of positions"))?;
    if list.len() < least {
        return Err(error(pointer, format!("needs at least {least} positions")));
    }
    list.iter()
        .enumerate()
        .map(|(index, p)| position(p, &format!("{pointer}/{index}")))
        .collect()
}

fn each<T>(
    node: &Json,
    pointer: &str,
    item: impl Fn(&Json, &str) -> Result<T, Cql2Error>,
) -> Result<Vec<T>, Cql2Error> {
    let list = node
        .as_array()
        .ok_or_else(|| error(pointer, "expected an array"))?;
    list.iter()
        .enumerate()
        .map(|(index, part)| item(part, &format!("{pointer}/{index}")))
        .collect()
}

fn polygon(node: &Json, pointer: &str) -> Result<Polygon<f64>, Cql2Error> {
    let mut rings = each(node, pointer, |ring, at| {
        let coords = positions(ring, at, 4)?;
        if coords.first() != coords.last() {
            return Err(error(at, "a ring's last position must equal its first"));
        }
        Ok(LineString::new(coords))
    })?;
    if rings.is_empty() {
        return Err(error(pointer, "a polygon needs a ring"));
    }
    let exterior = rings.remove(0);
    Ok(Polygon::new(exterior, rings))
}

/// A GeoJSON geometry.
fn geometry(node: &Json, pointer: &str) -> Result<Geometry<f64>, Cql2Error> {
    let kind = node.get("type").and_then(Json::as_str).unwrap_or("");
    if kind == "GeometryCollection" {
        let parts = node
            .get("geometries")
            .ok_or_else(|| error(pointer, "a GeometryCollection needs \"geometries\""))?;
        return Ok(Geometry::GeometryCollection(geo::GeometryCollection::from(
            each(parts, &format!("{pointer}/geometries"), geometry)?,
        )));
    }
    let Some(coordinates) = node.get("coordinates") else {
        return Err(error(pointer, "expected a geometry: {\"property\": …}, {\"bbox\": […]} or a GeoJSON geometry with \"type\" and \"coordinates\""));
    };
    let at = format!("{pointer}/coordinates");
    Ok(match kind {
        "Point" => Geometry::Point(Point(position(coordinates, &at)?)),
        "MultiPoint" => Geometry::MultiPoint(MultiPoint::new(
            positions(coordinates, &at, 1)?
                .into_iter()
                .map(Point)
                .collect(),
        )),
        "LineString" => Geometry::LineString(LineString::new(positions(coordinates, &at, 2)?)),
        "MultiLineString" => {
            Geometry::MultiLineString(MultiLineString::new(each(coordinates, &at, |line, p| {
                Ok(LineString::new(positions(line, p, 2)?))
            })?))
        }
        "Polygon" => Geometry::Polygon(polygon(coordinates, &at)?),
        "MultiPolygon" => {
            Geometry::MultiPolygon(MultiPolygon::new(each(coordinates, &at, polygon)?))
        }
        other => {
            return Err(error(
                &format!("{pointer}/type"),
                format!("'{other}' is not a GeoJSON geometry type"),
            ))
        }
    })
}

/// Read a cql2-json filter.
pub fn parse_json(filter: &str) -> Result<Expr, Cql2Error> {
    let node: Json = serde_json::from_str(filter).map_err(|problem| {
        Cql2Error::new(
            Location::Pointer(String::new()),
            format!("not JSON: {problem}"),
        )
    })?;
    expr(&node, "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cql2::parse_text;

    /// Locations differ between the encodings; the rest must not.
    fn without_locations(expr: &Expr) -> String {
        let text = format!("{expr:?}");
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(", Char(").or_else(|| rest.find(", Pointer(")) {
            out.push_str(&rest[..at]);
            let close = rest[at..].find(')').expect("closed") + at;
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn the_json_form_reads_as_the_same_expression_as_the_text_form() {
        for (text, json) in [
            (
                "status = 'vacant'",
                r#"{"op":"=","args":[{"property":"status"},"vacant"]}"#,
            ),
            (
                "floor_area_m2 >= 80 AND NOT (status <> 'vacant' OR occupant IS NULL)",
                r#"{"op":"and","args":[{"op":">=","args":[{"property":"floor_area_m2"},80]},{"op":"not","args":[{"op":"or","args":[{"op":"<>","args":[{"property":"status"},"vacant"]},{"op":"isNull","args":[{"property":"occupant"}]}]}]}]}"#,
            ),
            (
                "name LIKE 'Mode%'",
                r#"{"op":"like","args":[{"property":"name"},"Mode%"]}"#,
            ),
            (
                "a BETWEEN 1 AND 2",
                r#"{"op":"between","args":[{"property":"a"},1,2]}"#,
            ),
            (
                "a IN ('x', 'y')",
                r#"{"op":"in","args":[{"property":"a"},["x","y"]]}"#,
            ),
            (
                "d > DATE('2025-01-01')",
                r#"{"op":">","args":[{"property":"d"},{"date":"2025-01-01"}]}"#,
            ),
            (
                "S_INTERSECTS(geometry, BBOX(5.4, 50.9, 5.6, 51))",
                r#"{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[5.4,50.9,5.6,51]}]}"#,
            ),
            (
                "S_INTERSECTS(geometry, POLYGON((5 50, 6 50, 6 51, 5 50)))",
                r#"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[5,50],[6,50],[6,51],[5,50]]]}]}"#,
            ),
            (
                "S_INTERSECTS(geometry, POINT(5.5 50.95))",
                r#"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[5.5,50.95]}]}"#,
            ),
        ] {
            let a = parse_text(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let b = parse_json(json).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(without_locations(&a), without_locations(&b), "{text}");
        }
    }

    #[test]
    fn errors_name_the_json_pointer() {
        for (json, pointer, words) in [
            ("", "", "not JSON"),
            ("{\"op\": \"=\"}", "", "needs \"args\""),
            (
                r#"{"op":"and","args":[{"op":"=","args":[1]}, true]}"#,
                "/args/0/args",
                "takes 2 arguments",
            ),
            (
                r#"{"op":"or","args":[true, {"op":"~","args":[1,2]}]}"#,
                "/args/1/op",
                "unknown operator",
            ),
            (
                r#"{"op":"=","args":[{"property":"d"},{"date":"1 June"}]}"#,
                "/args/1",
                "not a date",
            ),
            (
                r#"{"op":"in","args":[{"property":"a"},[]]}"#,
                "/args/1",
                "non-empty array",
            ),
            (
                r#"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[5,50],[6,50],[6,51],[5,51]]]}]}"#,
                "/args/1/coordinates/0",
                "must equal its first",
            ),
            (
                r#"{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[1,2,3]}]}"#,
                "/args/1/bbox",
                "4 numbers",
            ),
            (
                r#"{"op":"=","args":[[1],2]}"#,
                "/args/0",
                "expected a value",
            ),
        ] {
            let error = parse_json(json).unwrap_err();
            assert_eq!(
                error.at,
                Location::Pointer(pointer.into()),
                "{json}: {error}"
            );
            assert!(error.message.contains(words), "{json}: {error}");
        }
    }
}
