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
use std::hash::{BuildHasherDefault, Hasher};

use super::geometry::{TileGeometry, TilePoint};
use super::protobuf::{
    varint_len, write_bytes_field, write_packed_field, write_tag, write_varint, write_varint_field,
    zigzag, WIRE_FIXED64, WIRE_LENGTH_DELIMITED,
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
struct CommandWriter<'c> {
    commands: &'c mut Vec<u32>,
    cursor: TilePoint,
}

impl CommandWriter<'_> {
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
    let mut commands = Vec::new();
    write_geometry_commands(geometry, &mut commands);
    commands
}

/// Append the command integers of a geometry to `commands`.
fn write_geometry_commands(geometry: &TileGeometry, commands: &mut Vec<u32>) {
    let mut writer = CommandWriter {
        commands,
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
}

/// How many values of a key are looked up before deciding it is unique.
const UNIQUE_PROBE: u32 = 64;

#[derive(Debug, Clone, Copy, Default)]
struct KeyStats {
    /// Values looked up so far, up to the probe.
    n_seen: u32,
    /// Of those, the ones new to the value table.
    n_distinct: u32,
    /// Decided once, after the probe: every value was new.
    unique: bool,
}

/// Builds one layer message; keys and values are shared by its features.
pub struct LayerEncoder<'a> {
    name: &'a str,
    extent_units: u32,
    features: Vec<u8>,
    n_features: usize,
    /// A layer has a dozen keys: a linear search beats hashing.
    keys: Vec<&'a str>,
    values: Vec<PropertyValue<'a>>,
    value_index: HashMap<ValueKey<'a>, u32, BuildHasherDefault<WordHasher>>,
    /// Per key (same order as `keys`): whether its values are looked up in
    /// the value table. A key whose first [`UNIQUE_PROBE`] values were all
    /// different (ids, cadastral keys, areas) is written without lookup:
    /// MVT allows repeated values, and the lookups cost a third of a tile.
    key_stats: Vec<KeyStats>,
    /// Reused between features.
    scratch_tags: Vec<u32>,
    scratch_commands: Vec<u32>,
}

impl<'a> LayerEncoder<'a> {
    pub fn new(name: &'a str, extent_units: u32) -> Self {
        LayerEncoder {
            name,
            extent_units,
            features: Vec::new(),
            n_features: 0,
            keys: Vec::new(),
            values: Vec::new(),
            value_index: HashMap::default(),
            key_stats: Vec::new(),
            scratch_tags: Vec::new(),
            scratch_commands: Vec::new(),
        }
    }

    pub fn n_features(&self) -> usize {
        self.n_features
    }

    fn key(&mut self, key: &'a str) -> u32 {
        if let Some(index) = self
            .keys
            .iter()
            .position(|known| std::ptr::eq(*known, key) || *known == key)
        {
            return index as u32;
        }
        self.keys.push(key);
        self.key_stats.push(KeyStats::default());
        (self.keys.len() - 1) as u32
    }

    /// The index of a value of the key at `key_index` in the value table.
    fn value(&mut self, key_index: u32, value: PropertyValue<'a>) -> u32 {
        let stats = &mut self.key_stats[key_index as usize];
        let index = self.values.len() as u32;
        if stats.unique {
            self.values.push(value);
            return index;
        }
        let found = match self.value_index.entry(ValueKey::from(&value)) {
            std::collections::hash_map::Entry::Occupied(known) => *known.get(),
            std::collections::hash_map::Entry::Vacant(vacant) => {
                vacant.insert(index);
                self.values.push(value);
                stats.n_distinct += 1;
                index
            }
        };
        if stats.n_seen < UNIQUE_PROBE {
            stats.n_seen += 1;
            stats.unique = stats.n_seen == UNIQUE_PROBE && stats.n_distinct == UNIQUE_PROBE;
        }
        found
    }

    /// Add one feature; `properties` are name/value pairs (nulls left out
    /// by the caller).
    pub fn add_feature(
        &mut self,
        id: Option<u64>,
        geometry: &TileGeometry,
        properties: impl IntoIterator<Item = (&'a str, PropertyValue<'a>)>,
    ) {
        let mut tags = std::mem::take(&mut self.scratch_tags);
        tags.clear();
        for (key, value) in properties {
            let key_index = self.key(key);
            tags.push(key_index);
            tags.push(self.value(key_index, value));
        }
        let mut commands = std::mem::take(&mut self.scratch_commands);
        commands.clear();
        write_geometry_commands(geometry, &mut commands);
        // The feature is written in place: its length first, from the sizes.
        let packed_len = |values: &[u32]| -> usize {
            values
                .iter()
                .map(|value| varint_len(u64::from(*value)))
                .sum()
        };
        let (tags_len, commands_len) = (packed_len(&tags), packed_len(&commands));
        let field_len = |payload_len: usize| 1 + varint_len(payload_len as u64) + payload_len;
        let feature_len = id.map_or(0, |id| 1 + varint_len(id))
            + if tags.is_empty() {
                0
            } else {
                field_len(tags_len)
            }
            + 2
            + field_len(commands_len);
        let out = &mut self.features;
        write_tag(out, 2, WIRE_LENGTH_DELIMITED);
        write_varint(out, feature_len as u64);
        let start = out.len();
        if let Some(id) = id {
            write_varint_field(out, 1, id);
        }
        if !tags.is_empty() {
            write_packed_field(out, 2, &tags);
        }
        write_varint_field(out, 3, u64::from(geometry_type_code(geometry)));
        write_packed_field(out, 4, &commands);
        debug_assert_eq!(out.len() - start, feature_len);
        self.n_features += 1;
        self.scratch_tags = tags;
        self.scratch_commands = commands;
    }

    /// The layer message.
    pub fn finish(self) -> Vec<u8> {
        let (head, tail) = self.head_and_tail();
        let mut layer = Vec::with_capacity(head.len() + self.features.len() + tail.len());
        layer.extend_from_slice(&head);
        layer.extend_from_slice(&self.features);
        layer.extend_from_slice(&tail);
        layer
    }

    /// A whole tile holding just this layer, written with one copy of the
    /// features.
    pub fn finish_tile(self) -> Vec<u8> {
        let (head, tail) = self.head_and_tail();
        let layer_len = head.len() + self.features.len() + tail.len();
        let mut tile = Vec::with_capacity(layer_len + 11);
        write_tag(&mut tile, 3, WIRE_LENGTH_DELIMITED);
        write_varint(&mut tile, layer_len as u64);
        tile.extend_from_slice(&head);
        tile.extend_from_slice(&self.features);
        tile.extend_from_slice(&tail);
        tile
    }

    /// The layer's fields before its features (version, name) and after
    /// them (keys, values, extent).
    fn head_and_tail(&self) -> (Vec<u8>, Vec<u8>) {
        let mut head = Vec::with_capacity(self.name.len() + 8);
        write_varint_field(&mut head, 15, u64::from(MVT_VERSION));
        write_bytes_field(&mut head, 1, self.name.as_bytes());
        let mut tail = Vec::with_capacity(16 * (self.keys.len() + self.values.len()));
        for key in &self.keys {
            write_bytes_field(&mut tail, 3, key.as_bytes());
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
            write_bytes_field(&mut tail, 4, &value_message);
        }
        write_varint_field(&mut tail, 5, u64::from(self.extent_units));
        (head, tail)
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

/// A fast in-memory hasher for the value table (the multiply-rotate hash of
/// rustc's FxHasher, a word at a time); not for anything stored.
#[derive(Default)]
pub struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }
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
        assert_eq!(layer.key("open"), 1);
        assert_eq!(layer.values.len(), 3);
        assert_eq!(layer.n_features(), 3);
    }

    #[test]
    fn a_key_with_distinct_values_stops_being_looked_up() {
        let mut layer = LayerEncoder::new("parcels", 4096);
        let point = TileGeometry::Points(vec![[1, 1]]);
        let n_features = UNIQUE_PROBE as i64 + 10;
        for index in 0..n_features {
            layer.add_feature(
                None,
                &point,
                [
                    ("capakey", PropertyValue::Int(index % (n_features - 5))),
                    ("zoning", PropertyValue::Int(index % 2)),
                ],
            );
        }
        // The probe saw distinct capakeys, so the repeats after it are written
        // again; zonings 0 and 1 share the capakeys' first two values.
        assert_eq!(layer.values.len(), n_features as usize);
        assert!(layer.key_stats[0].unique && !layer.key_stats[1].unique);
        let decoded = crate::tiles::decode::decode_tile(&encode_tile(&[layer.finish()])).unwrap();
        let last = &decoded.layers[0].features[n_features as usize - 1];
        assert_eq!(last.int("capakey"), Some(4));
        assert_eq!(last.int("zoning"), Some(1));
    }

    #[test]
    fn a_one_layer_tile_is_the_same_either_way() {
        let build = || {
            let mut layer = LayerEncoder::new("streets", 4096);
            for index in 0..300 {
                layer.add_feature(
                    Some(index),
                    &TileGeometry::Lines(vec![vec![[0, 0], [index as i32, 7]]]),
                    [(
                        "name",
                        PropertyValue::String(format!("straat {index}").into()),
                    )],
                );
            }
            layer
        };
        assert_eq!(build().finish_tile(), encode_tile(&[build().finish()]));
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
