//! The generic feature record that stores, the API and tiles exchange.
//!
//! A [`Feature`] is an id, a geometry in EPSG:4326 (x = longitude, y = latitude)
//! and one [`Value`] per field of its layer's schema, in schema order.

use geo::{BoundingRect, Geometry, Rect};

use super::schema::{FieldRule, GeometryType, LayerSchema};
use super::value::Value;
use super::ModelError;

#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// Stable string id, unique within its layer.
    pub id: String,
    /// EPSG:4326, x = longitude, y = latitude.
    pub geometry: Geometry<f64>,
    /// One value per schema field, in schema order.
    pub values: Vec<Value>,
}

impl Feature {
    /// The value of a named field, `None` if the schema has no such field.
    pub fn get<'a>(&'a self, schema: &LayerSchema, name: &str) -> Option<&'a Value> {
        schema
            .field_index(name)
            .and_then(|index| self.values.get(index))
    }

    /// The bounding box, `None` for an empty geometry.
    pub fn bbox(&self) -> Option<Rect<f64>> {
        self.geometry.bounding_rect()
    }

    /// Check this feature against its layer: id, geometry type, coordinates,
    /// and each field's presence and type. The error names what is wrong.
    pub fn validate(&self, schema: &LayerSchema) -> Result<(), ModelError> {
        if self.id.trim().is_empty() {
            return Err(ModelError::Field {
                field: "id".into(),
                reason: "must not be empty".into(),
            });
        }
        if geometry_type(&self.geometry) != Some(schema.geometry_type) {
            return Err(ModelError::Geometry(format!(
                "expected {:?}, got {}",
                schema.geometry_type,
                geometry_name(&self.geometry)
            )));
        }
        check_coordinates(&self.geometry)?;
        if self.values.len() != schema.fields.len() {
            return Err(ModelError::Field {
                field: "properties".into(),
                reason: format!(
                    "expected {} values, got {}",
                    schema.fields.len(),
                    self.values.len()
                ),
            });
        }
        for (field, value) in schema.fields.iter().zip(&self.values) {
            match value.kind() {
                None if field.required => {
                    return Err(ModelError::Field {
                        field: field.name.into(),
                        reason: "is required".into(),
                    })
                }
                Some(kind) if kind != field.kind => {
                    return Err(ModelError::Field {
                        field: field.name.into(),
                        reason: format!("expected {:?}, got {:?}", field.kind, kind).to_lowercase(),
                    })
                }
                _ => {}
            }
            if let Value::Real(number) = value {
                if !number.is_finite() {
                    return Err(ModelError::Field {
                        field: field.name.into(),
                        reason: "must be a finite number".into(),
                    });
                }
            }
            if let Some(reason) = broken_rule(field.rule, value) {
                return Err(ModelError::Field {
                    field: field.name.into(),
                    reason,
                });
            }
        }
        Ok(())
    }
}

/// Why `value` breaks the field's rule, if it does (a missing value breaks
/// none: whether it may be missing is `required`'s business).
fn broken_rule(rule: FieldRule, value: &Value) -> Option<String> {
    let number = match value {
        Value::Integer(number) => Some(*number as f64),
        Value::Real(number) => Some(*number),
        _ => None,
    };
    match (rule, value, number) {
        (FieldRule::NotBlank, Value::Text(text), _) if text.trim().is_empty() => {
            Some("must not be empty".into())
        }
        (FieldRule::NonNegative, _, Some(number)) if number < 0.0 => {
            Some(format!("must not be negative (it is {number})"))
        }
        (FieldRule::Positive, _, Some(number)) if number <= 0.0 => {
            Some(format!("must be more than 0 (it is {number})"))
        }
        _ => None,
    }
}

/// The layer geometry type of a geometry, if it is one of those the layers use.
pub fn geometry_type(geometry: &Geometry<f64>) -> Option<GeometryType> {
    match geometry {
        Geometry::Point(_) => Some(GeometryType::Point),
        Geometry::LineString(_) => Some(GeometryType::LineString),
        Geometry::Polygon(_) => Some(GeometryType::Polygon),
        Geometry::MultiPolygon(_) => Some(GeometryType::MultiPolygon),
        _ => None,
    }
}

/// The OGC name of any geometry's type, for messages.
pub fn geometry_name(geometry: &Geometry<f64>) -> &'static str {
    match geometry {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) => "Line",
        Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
        Geometry::Rect(_) => "Rect",
        Geometry::Triangle(_) => "Triangle",
    }
}

/// Every coordinate is finite and a longitude/latitude; lines have two
/// points and rings four.
fn check_coordinates(geometry: &Geometry<f64>) -> Result<(), ModelError> {
    use geo::CoordsIter;
    for coord in geometry.coords_iter() {
        if !coord.x.is_finite() || !coord.y.is_finite() {
            return Err(ModelError::Geometry(
                "a coordinate is not a finite number".into(),
            ));
        }
        if !(-180.0..=180.0).contains(&coord.x) || !(-90.0..=90.0).contains(&coord.y) {
            return Err(ModelError::Geometry(format!(
                "coordinate ({}, {}) is not a longitude/latitude in EPSG:4326",
                coord.x, coord.y
            )));
        }
    }
    let rings_ok = |polygon: &geo::Polygon<f64>| {
        std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .all(|ring| ring.0.len() >= 4)
    };
    let ok = match geometry {
        Geometry::Point(_) => true,
        Geometry::LineString(line) => line.0.len() >= 2,
        Geometry::Polygon(polygon) => rings_ok(polygon),
        Geometry::MultiPolygon(multi) => !multi.0.is_empty() && multi.0.iter().all(rings_ok),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(ModelError::Geometry(
            "too few points (a line needs 2, a ring 4)".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::schema::LayerId;
    use geo::{line_string, point};

    fn access_point(values: Vec<Value>) -> Feature {
        Feature {
            id: "exit-32".into(),
            geometry: Geometry::Point(point!(x: 5.5, y: 50.96)),
            values,
        }
    }

    #[test]
    fn a_valid_feature_passes() {
        let feature = access_point(vec![
            Value::Text("motorway_exit".into()),
            Value::Text("Afrit 32".into()),
        ]);
        feature.validate(LayerId::AccessPoints.schema()).unwrap();
    }

    #[test]
    fn each_defect_is_named() {
        let schema = LayerId::AccessPoints.schema();
        let missing = access_point(vec![Value::Text("quay".into()), Value::Null]);
        assert!(missing
            .validate(schema)
            .unwrap_err()
            .to_string()
            .contains("name"));
        let wrong_type = access_point(vec![Value::Integer(3), Value::Text("x".into())]);
        assert!(wrong_type
            .validate(schema)
            .unwrap_err()
            .to_string()
            .contains("kind"));
        let mut lambert = access_point(vec![Value::Text("quay".into()), Value::Text("x".into())]);
        lambert.geometry = Geometry::Point(point!(x: 225702.3, y: 182034.1));
        assert!(lambert
            .validate(schema)
            .unwrap_err()
            .to_string()
            .contains("EPSG:4326"));
        let mut line = lambert.clone();
        line.geometry = Geometry::LineString(line_string![(x: 5.0, y: 50.0), (x: 5.1, y: 50.1)]);
        assert!(line
            .validate(schema)
            .unwrap_err()
            .to_string()
            .contains("expected Point"));
    }
}
