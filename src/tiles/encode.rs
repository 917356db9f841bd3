//! The Mapbox Vector Tile 2.1 encoder: layers of features with typed
//! properties and command-encoded geometry.
//!
//! A layer's keys and values are deduplicated tables; a feature's tags are
//! pairs of indexes into them. Geometry is already on the tile grid
//! ([`TileGeometry`]): this file only turns it into MoveTo/LineTo/ClosePath
//! commands with zigzag deltas from a cursor that starts at (0, 0) for each
//! feature (MVT 2.1 § 4.3).

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::Hasher;

use super::geometry::{TileGeometry, TilePoint};
use super::protobuf::{
    write_bytes_field, write_packed_field, write_tag, write_varint_field, zigzag, WIRE_FIXED64,
};

/// The MVT version written in every layer.
pub const MVT_VERSION: u32 = 2;

/// A property value as MVT can carry it (dates go as ISO strings).
#[derive(Debug, Clone, PartialEq)]
pub enum PropertyValue<'a> {
    String(Cow<'a, str>),
    Double(f64),
    Int(i64),
    Bool(bool),
}

/// Equality and hashing by bits, so that doubles can key the value table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ValueKey<'a> {
    String(Cow<'a, str>),
    Double(u64),
    Int(i64),
    Bool(bool),
}

impl<'a> From<&PropertyValue<'a>> for ValueKey<'a> {
    fn from(value: &PropertyValue<'a>) -> Self {
        match value {
            PropertyValue::String(text) => ValueKey::String(text.clone()),
            PropertyValue::Double(number) => ValueKey::Double(number.to_bits()),
            PropertyValue::Int(number) => ValueKey::Int(*number),
            PropertyValue::Bool(flag) => ValueKey::Bool(*flag),
        }
    }
}

/// The MVT `GeomType` of a geometry (POINT = 1, LINESTRING = 2, POLYGON = 3).
pub fn geometry_type_code(geometry: &TileGeometry) -> u32 {
    match geometry {
        TileGeometry::Points(_) => 1,
        TileGeometry::Lines(_) => 2,
        TileGeometry::Polygons(_) => 3,
    }
}

const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;

fn command(id: u32, count: usize) -> u32 {
    (id & 0x7) | ((count as u32) << 3)
}

/// Geometry commands with deltas from a cursor.
struct CommandWriter {
    commands: Vec<u32>,
    cursor: TilePoint,
}

impl CommandWriter {
    fn point(&mut self, point: TilePoint) {
        let dx = i64::from(point[0]) - i64::from(self.cursor[0]);
        let dy = i64::from(point[1]) - i64::from(self.cursor[1]);
        self.commands.push(zigzag(dx) as u32);
        self.commands.push(zigzag(dy) as u32);
        self.cursor = point;
    }

    fn path(&mut self, points: &[TilePoint], close: bool) {
        self.commands.push(command(MOVE_TO, 1));
        self.point(points[0]);
        self.commands.push(command(LINE_TO, points.len() - 1));
        for point in &points[1..] {
            self.point(*point);
        }
        if close {
            self.commands.push(command(CLOSE_PATH, 1));
        }
    }
}

/// The command integers of a geometry.
pub fn geometry_commands(geometry: &TileGeometry) -> Vec<u32> {
    let mut writer = CommandWriter {
        commands: Vec::new(),
        cursor: [0, 0],
    };
    match geometry {
        TileGeometry::Points(points) => {
            writer.commands.push(command(MOVE_TO, points.len()));
            for point in points {
                writer.point(*point);
            }
        }
        TileGeometry::Lines(lines) => {
            for line in lines {
                writer.path(line, false);
            }
        }
        TileGeometry::Polygons(polygons) => {
            for ring in polygons.iter().flatten() {
                writer.path(ring, true);
            }
        }
    }
    writer.commands
}

/// Builds one layer message; keys and values are shared by its features.
pub struct LayerEncoder<'a> {
    name: &'a str,
    extent_units: u32,
    features: Vec<u8>,
    n_features: usize,
    keys: Vec<&'a str>,
    key_index: HashMap<&'a str, u32>,
    values: Vec<PropertyValue<'a>>,
    value_index: HashMap<ValueKey<'a>, u32>,
}

impl<'a> LayerEncoder<'a> {
    pub fn new(name: &'a str, extent_units: u32) -> Self {
        LayerEncoder {
            name,
            extent_units,
            features: Vec::new(),
            n_features: 0,
            keys: Vec::new(),
            key_index: HashMap::new(),
            values: Vec::new(),
            value_index: HashMap::new(),
        }
    }

    pub fn n_features(&self) -> usize {
        self.n_features
    }

    fn key(&mut self, key: &'a str) -> u32 {
        if let Some(index) = self.key_index.get(key) {
            return *index;
        }
        let index = self.keys.len() as u32;
        self.keys.push(key);
        self.key_index.insert(key, index);
        index
    }

    fn value(&mut self, value: PropertyValue<'a>) -> u32 {
        let key = ValueKey::from(&value);
        if let Some(index) = self.value_index.get(&key) {
            return *index;
        }
        let index = self.values.len() as u32;
        self.values.push(value);
        self.value_index.insert(key, index);
        index
    }

    /// Add one feature; `properties` are name/value pairs (nulls left out
    /// by the caller).
    pub fn add_feature(
        &mut self,
        id: Option<u64>,
        geometry: &TileGeometry,
        properties: impl IntoIterator<Item = (&'a str, PropertyValue<'a>)>,
    ) {
        let mut tags = Vec::new();
        for (key, value) in properties {
            tags.push(self.key(key));
            tags.push(self.value(value));
        }
        let mut feature = Vec::new();
        if let Some(id) = id {
            write_varint_field(&mut feature, 1, id);
        }
        if !tags.is_empty() {
            write_packed_field(&mut feature, 2, &tags);
        }
        write_varint_field(&mut feature, 3, u64::from(geometry_type_code(geometry)));
        write_packed_field(&mut feature, 4, &geometry_commands(geometry));
        write_bytes_field(&mut self.features, 2, &feature);
        self.n_features += 1;
    }

    /// The layer message.
    pub fn finish(self) -> Vec<u8> {
        let mut layer = Vec::with_capacity(self.features.len() + 64 * self.values.len());
        write_varint_field(&mut layer, 15, u64::from(MVT_VERSION));
        write_bytes_field(&mut layer, 1, self.name.as_bytes());
        layer.extend_from_slice(&self.features);
        for key in &self.keys {
            write_bytes_field(&mut layer, 3, key.as_bytes());
        }
        let mut value_message = Vec::new();
        for value in &self.values {
            value_message.clear();
            match value {
                PropertyValue::String(text) => {
                    write_bytes_field(&mut value_message, 1, text.as_bytes())
                }
                PropertyValue::Double(number) => {
                    write_tag(&mut value_message, 3, WIRE_FIXED64);
                    value_message.extend_from_slice(&number.to_le_bytes());
                }
                PropertyValue::Int(number) => {
                    write_varint_field(&mut value_message, 6, zigzag(*number))
                }
                PropertyValue::Bool(flag) => {
                    write_varint_field(&mut value_message, 7, u64::from(*flag))
                }
            }
            write_bytes_field(&mut layer, 4, &value_message);
        }
        write_varint_field(&mut layer, 5, u64::from(self.extent_units));
        layer
    }
}

/// A tile message from finished layer messages.
pub fn encode_tile(layers: &[Vec<u8>]) -> Vec<u8> {
    let mut tile = Vec::with_capacity(layers.iter().map(|layer| layer.len() + 5).sum());
    for layer in layers {
        write_bytes_field(&mut tile, 3, layer);
    }
    tile
}

/// A stable 64-bit id for a string (FNV-1a), the same in every tile and
/// every run: MVT feature ids are integers, the atlas's ids are strings.
pub fn stable_id(text: &str) -> u64 {
    let mut hasher = Fnv1a::default();
    hasher.write(text.as_bytes());
    hasher.finish()
}

/// FNV-1a, 64 bits: small, fast and the same on every platform and release.
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_follow_the_specification_examples() {
        // MVT 2.1 § 4.3.5: a point at (25, 17).
        assert_eq!(
            geometry_commands(&TileGeometry::Points(vec![[25, 17]])),
            vec![9, 50, 34]
        );
        // Two points (5, 7) and (3, 2).
        assert_eq!(
            geometry_commands(&TileGeometry::Points(vec![[5, 7], [3, 2]])),
            vec![17, 10, 14, 3, 9]
        );
        // A line (2,2) (2,10) (10,10).
        assert_eq!(
            geometry_commands(&TileGeometry::Lines(vec![vec![[2, 2], [2, 10], [10, 10]]])),
            vec![9, 4, 4, 18, 0, 16, 16, 0]
        );
        // A polygon (3,6) (8,12) (20,34), closed.
        assert_eq!(
            geometry_commands(&TileGeometry::Polygons(vec![vec![vec![
                [3, 6],
                [8, 12],
                [20, 34]
            ]]])),
            vec![9, 6, 12, 18, 10, 12, 24, 44, 15]
        );
    }

    #[test]
    fn keys_and_values_are_shared() {
        let mut layer = LayerEncoder::new("shop_units", 4096);
        for street in ["Vennestraat", "Vennestraat", "Stalenstraat"] {
            layer.add_feature(
                None,
                &TileGeometry::Points(vec![[1, 1]]),
                [
                    ("street", PropertyValue::String(street.into())),
                    ("open", PropertyValue::Bool(true)),
                ],
            );
        }
        assert_eq!(layer.keys, vec!["street", "open"]);
        assert_eq!(layer.values.len(), 3);
        assert_eq!(layer.n_features(), 3);
    }

    #[test]
    fn stable_ids_do_not_change() {
        assert_eq!(stable_id(""), stable_id(""));
        assert_ne!(stable_id("parcel-1"), stable_id("parcel-2"));
        // Pinned so that a change of hash (and so of every feature id) is seen.
        let mut hasher = Fnv1a::default();
        hasher.write(b"a");
        assert_eq!(hasher.finish(), 0xaf63_dc4c_8601_ec8c);
    }
}
