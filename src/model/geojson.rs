//! Features as RFC 7946 GeoJSON (coordinates as longitude, latitude).
//!
//! Confidential properties are left out unless the caller says the reader may
//! see them; this is the one place that decides which properties a JSON
//! feature carries.

use geo::{Coord, Geometry, LineString, Polygon};
use serde_json::{json, Map, Value as Json};

use super::feature::Feature;
use super::schema::{FieldDef, LayerSchema};

/// Whether confidential properties (occupant, contact) may be included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Public,
    Confidential,
}

fn position(coord: &Coord<f64>) -> Json {
    json!([coord.x, coord.y])
}

fn positions(line: &LineString<f64>) -> Json {
    Json::Array(line.0.iter().map(position).collect())
}

fn rings(polygon: &Polygon<f64>) -> Json {
    let mut rings = vec![positions(polygon.exterior())];
    rings.extend(polygon.interiors().iter().map(positions));
    Json::Array(rings)
}

/// A GeoJSON geometry object; `null` for types the layers do not use.
pub fn geometry_to_json(geometry: &Geometry<f64>) -> Json {
    match geometry {
        Geometry::Point(point) => json!({"type": "Point", "coordinates": position(&point.0)}),
        Geometry::LineString(line) => json!({"type": "LineString", "coordinates": positions(line)}),
        Geometry::Polygon(polygon) => json!({"type": "Polygon", "coordinates": rings(polygon)}),
        Geometry::MultiPolygon(multi) => json!({
            "type": "MultiPolygon",
            "coordinates": Json::Array(multi.0.iter().map(rings).collect()),
        }),
        _ => Json::Null,
    }
}

/// The feature's properties as a JSON object, in schema order.
pub fn properties_to_json(
    feature: &Feature,
    schema: &LayerSchema,
    audience: Audience,
) -> Map<String, Json> {
    values_to_json(&feature.values, schema.fields, audience)
}

/// Values of `fields` (in that order) as a JSON object, without the
/// confidential ones unless `audience` may see them; for the layers and for
/// collections derived from them (vacancy cells, coverage figures).
pub fn values_to_json(
    values: &[super::Value],
    fields: &[FieldDef],
    audience: Audience,
) -> Map<String, Json> {
    fields
        .iter()
        .zip(values)
        .filter(|(field, _)| audience == Audience::Confidential || !field.confidential)
        .map(|(field, value)| (field.name.to_string(), value.to_json()))
        .collect()
}

/// A GeoJSON Feature with its `id`.
pub fn feature_to_json(feature: &Feature, schema: &LayerSchema, audience: Audience) -> Json {
    feature_json_with(feature, geometry_to_json(&feature.geometry), schema.fields, audience)
}

/// A GeoJSON-shaped Feature with its `id` and a geometry given as JSON
/// (the feature's own, or its coordinates in another CRS), the values of
/// `fields` as its properties.
pub fn feature_json_with(
    feature: &Feature,
    geometry: Json,
    fields: &[FieldDef],
    audience: Audience,
) -> Json {
    json!({
        "type": "Feature",
        "id": feature.id,
        "geometry": geometry,
        "properties": values_to_json(&feature.values, fields, audience),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::layers::{ShopCategory, ShopUnit, UnitStatus};
    use crate::model::{LayerId, LayerRecord};
    use geo::{point, polygon};

    fn unit() -> Feature {
        ShopUnit {
            id: "unit-1".into(),
            geometry: point!(x: 5.4812, y: 50.9795),
            address: "Vennestraat 12".into(),
            street: "Vennestraat".into(),
            floor_area_m2: 85.0,
            category: ShopCategory::Periodic,
            kind: None,
            status: UnitStatus::Occupied,
            status_since: chrono::NaiveDate::from_ymd_opt(2023, 5, 1).unwrap(),
            occupant: Some("Mode Aydin".into()),
            area_id: None,
        }
        .to_feature()
    }

    #[test]
    fn a_public_feature_has_no_occupant() {
        let json = feature_to_json(&unit(), LayerId::ShopUnits.schema(), Audience::Public);
        assert_eq!(json["id"], "unit-1");
        assert_eq!(
            json["geometry"],
            json!({"type": "Point", "coordinates": [5.4812, 50.9795]})
        );
        assert_eq!(json["properties"]["address"], "Vennestraat 12");
        assert_eq!(json["properties"]["status_since"], "2023-05-01");
        assert!(json["properties"].get("occupant").is_none());
        assert!(!json.to_string().contains("Aydin"));
    }

    #[test]
    fn a_confidential_reader_sees_the_occupant() {
        let json = feature_to_json(&unit(), LayerId::ShopUnits.schema(), Audience::Confidential);
        assert_eq!(json["properties"]["occupant"], "Mode Aydin");
    }

    #[test]
    fn polygon_rings_keep_their_holes() {
        let with_hole = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 0.0, y: 0.0)],
            interiors: [[(x: 1.0, y: 1.0), (x: 2.0, y: 1.0), (x: 2.0, y: 1.5), (x: 1.0, y: 1.0)]],
        );
        let json = geometry_to_json(&with_hole.into());
        assert_eq!(json["coordinates"].as_array().unwrap().len(), 2);
    }
}
