//! Tiles read back with `mvt-reader`, a reader nobody here wrote, into the
//! shapes the tests compare: layers by name, each feature's id, properties
//! and geometry on the tile grid (rings without their closing point, as the
//! encoder's `TileGeometry` holds them, in the tile's own winding).

use std::borrow::Cow;
use std::collections::BTreeMap;

use genk_atlas::tiles::encode::PropertyValue;
use genk_atlas::tiles::geometry::{TileGeometry, TilePoint};
use geo::{Geometry, LineString};

pub struct DecodedTile {
    pub layers: Vec<DecodedLayer>,
}

impl DecodedTile {
    pub fn layer(&self, name: &str) -> Option<&DecodedLayer> {
        self.layers.iter().find(|layer| layer.name == name)
    }
}

pub struct DecodedLayer {
    pub name: String,
    pub version: u32,
    pub extent_units: u32,
    pub features: Vec<DecodedFeature>,
}

pub struct DecodedFeature {
    pub id: Option<u64>,
    pub geometry: TileGeometry,
    pub properties: BTreeMap<String, PropertyValue<'static>>,
}

impl DecodedFeature {
    /// A string property.
    pub fn text(&self, key: &str) -> Option<&str> {
        match self.properties.get(key) {
            Some(PropertyValue::String(text)) => Some(text),
            _ => None,
        }
    }

    /// An integer property.
    pub fn int(&self, key: &str) -> Option<i64> {
        match self.properties.get(key) {
            Some(PropertyValue::Int(number)) => Some(*number),
            _ => None,
        }
    }
}

fn points(line: &LineString<i32>) -> Vec<TilePoint> {
    line.0.iter().map(|coord| [coord.x, coord.y]).collect()
}

fn ring(line: &LineString<i32>) -> Vec<TilePoint> {
    let mut ring = points(line);
    if ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    ring
}

fn polygon(polygon: &geo::Polygon<i32>) -> Vec<Vec<TilePoint>> {
    std::iter::once(polygon.exterior())
        .chain(polygon.interiors())
        .map(ring)
        .collect()
}

fn tile_geometry(geometry: &Geometry<i32>) -> Result<TileGeometry, String> {
    Ok(match geometry {
        Geometry::Point(point) => TileGeometry::Points(vec![[point.x(), point.y()]]),
        Geometry::MultiPoint(many) => {
            TileGeometry::Points(many.0.iter().map(|point| [point.x(), point.y()]).collect())
        }
        Geometry::LineString(line) => TileGeometry::Lines(vec![points(line)]),
        Geometry::MultiLineString(lines) => {
            TileGeometry::Lines(lines.0.iter().map(points).collect())
        }
        Geometry::Polygon(one) => TileGeometry::Polygons(vec![polygon(one)]),
        Geometry::MultiPolygon(many) => {
            TileGeometry::Polygons(many.0.iter().map(polygon).collect())
        }
        other => return Err(format!("not an MVT geometry: {other:?}")),
    })
}

fn property(value: mvt_reader::feature::Value) -> Option<PropertyValue<'static>> {
    use mvt_reader::feature::Value;
    Some(match value {
        Value::String(text) => PropertyValue::String(Cow::Owned(text)),
        Value::Float(number) => PropertyValue::Double(f64::from(number)),
        Value::Double(number) => PropertyValue::Double(number),
        Value::Int(number) | Value::SInt(number) => PropertyValue::Int(number),
        Value::UInt(number) => PropertyValue::Int(i64::try_from(number).ok()?),
        Value::Bool(flag) => PropertyValue::Bool(flag),
        Value::Null => return None,
    })
}

/// Every layer of a tile, or why the reader refused it.
pub fn decode_tile(bytes: &[u8]) -> Result<DecodedTile, String> {
    let reader = mvt_reader::Reader::new(bytes.to_vec()).map_err(|error| format!("{error:?}"))?;
    let metadata = reader
        .get_layer_metadata()
        .map_err(|error| format!("{error:?}"))?;
    let mut layers = Vec::with_capacity(metadata.len());
    for layer in metadata {
        let features = reader
            .get_features_as::<i32>(layer.layer_index)
            .map_err(|error| format!("{}: {error:?}", layer.name))?
            .into_iter()
            .map(|feature| {
                Ok(DecodedFeature {
                    id: feature.id,
                    geometry: tile_geometry(&feature.geometry)?,
                    properties: feature
                        .properties
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|(key, value)| Some((key, property(value)?)))
                        .collect(),
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        layers.push(DecodedLayer {
            name: layer.name,
            version: layer.version,
            extent_units: layer.extent,
            features,
        });
    }
    Ok(DecodedTile { layers })
}
