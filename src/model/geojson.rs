//! Features as RFC 7946 GeoJSON (coordinates as longitude, latitude).
//!
//! Confidential properties are left out unless the caller says the reader may
//! see them; this is the one place that decides which properties a JSON
//! feature carries.

use geo::{Coord, Geometry, LineString, MultiPolygon, Polygon};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;
use serde_json::{Map, Value as Json};

use super::feature::Feature;
use super::schema::{FieldDef, LayerSchema};
use super::Value;

/// Whether confidential properties (occupant, contact) may be included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Public,
    Confidential,
}

// The GeoJSON shapes are written straight to a serializer (a page of a
// thousand features builds no JSON tree); `*_to_json` make trees of them
// for the callers that edit the object afterwards.

/// `[x, y]`
struct Position<'a>(&'a Coord<f64>);

impl Serialize for Position<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        [self.0.x, self.0.y].serialize(serializer)
    }
}

/// `[[x, y], ...]`
struct Positions<'a>(&'a LineString<f64>);

impl Serialize for Positions<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0 .0.iter().map(Position))
    }
}

/// The exterior ring, then the holes.
struct Rings<'a>(&'a Polygon<f64>);

impl Serialize for Rings<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut rings = serializer.serialize_seq(Some(1 + self.0.interiors().len()))?;
        rings.serialize_element(&Positions(self.0.exterior()))?;
        for hole in self.0.interiors() {
            rings.serialize_element(&Positions(hole))?;
        }
        rings.end()
    }
}

struct Polygons<'a>(&'a MultiPolygon<f64>);

impl Serialize for Polygons<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0 .0.iter().map(Rings))
    }
}

/// A GeoJSON geometry object; `null` for types the layers do not use.
pub struct GeoJsonGeometry<'a>(pub &'a Geometry<f64>);

impl Serialize for GeoJsonGeometry<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        fn object<S: Serializer, C: Serialize>(
            serializer: S,
            kind: &str,
            coordinates: C,
        ) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(Some(2))?;
            map.serialize_entry("type", kind)?;
            map.serialize_entry("coordinates", &coordinates)?;
            map.end()
        }
        match self.0 {
            Geometry::Point(point) => object(serializer, "Point", Position(&point.0)),
            Geometry::LineString(line) => object(serializer, "LineString", Positions(line)),
            Geometry::Polygon(polygon) => object(serializer, "Polygon", Rings(polygon)),
            Geometry::MultiPolygon(multi) => object(serializer, "MultiPolygon", Polygons(multi)),
            _ => serializer.serialize_none(),
        }
    }
}

/// The values of `fields` (in that order) as a JSON object, without the
/// confidential ones unless `audience` may see them.
pub struct GeoJsonProperties<'a> {
    pub values: &'a [Value],
    pub fields: &'a [FieldDef],
    pub audience: Audience,
}

impl Serialize for GeoJsonProperties<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let shown =
            self.fields.iter().zip(self.values).filter(|(field, _)| {
                self.audience == Audience::Confidential || !field.confidential
            });
        serializer.collect_map(shown.map(|(field, value)| (field.name, value)))
    }
}

/// A GeoJSON Feature with its `id`, a geometry (the feature's own, or its
/// coordinates in another CRS) and the values of `fields` as properties.
pub struct GeoJsonFeature<'a> {
    pub feature: &'a Feature,
    pub geometry: &'a Geometry<f64>,
    pub fields: &'a [FieldDef],
    pub audience: Audience,
}

impl<'a> GeoJsonFeature<'a> {
    /// The feature with its own geometry (CRS84).
    pub fn own(feature: &'a Feature, fields: &'a [FieldDef], audience: Audience) -> Self {
        GeoJsonFeature {
            feature,
            geometry: &feature.geometry,
            fields,
            audience,
        }
    }
}

impl Serialize for GeoJsonFeature<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("type", "Feature")?;
        map.serialize_entry("id", &self.feature.id)?;
        map.serialize_entry("geometry", &GeoJsonGeometry(self.geometry))?;
        let properties = GeoJsonProperties {
            values: &self.feature.values,
            fields: self.fields,
            audience: self.audience,
        };
        map.serialize_entry("properties", &properties)?;
        map.end()
    }
}

fn tree(value: impl Serialize) -> Json {
    serde_json::to_value(value).expect("GeoJSON has string keys")
}

/// A GeoJSON geometry object as a JSON tree.
pub fn geometry_to_json(geometry: &Geometry<f64>) -> Json {
    tree(GeoJsonGeometry(geometry))
}

/// The feature's properties as a JSON object, in schema order.
pub fn properties_to_json(
    feature: &Feature,
    schema: &LayerSchema,
    audience: Audience,
) -> Map<String, Json> {
    values_to_json(&feature.values, schema.fields, audience)
}

/// Values of `fields` as a JSON object ([`GeoJsonProperties`]); for the
/// layers and for collections derived from them (vacancy cells, coverage
/// figures).
pub fn values_to_json(
    values: &[Value],
    fields: &[FieldDef],
    audience: Audience,
) -> Map<String, Json> {
    match tree(GeoJsonProperties {
        values,
        fields,
        audience,
    }) {
        Json::Object(map) => map,
        _ => unreachable!("properties serialize as a map"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::layers::{ShopCategory, ShopUnit, UnitStatus};
    use crate::model::{LayerId, LayerRecord};
    use geo::{point, polygon};
    use serde_json::json;

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
        let json = tree(GeoJsonFeature::own(
            &unit(),
            LayerId::ShopUnits.schema().fields,
            Audience::Public,
        ));
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
        let json = tree(GeoJsonFeature::own(
            &unit(),
            LayerId::ShopUnits.schema().fields,
            Audience::Confidential,
        ));
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
