//! A small MVT 2.1 decoder, so that tests can read back what the encoder
//! wrote: layers, feature ids, properties and geometry on the tile grid.
//!
//! Polygons are split into exterior rings and holes by the sign of their
//! area (MVT 2.1 § 4.3.4.4), which also checks the encoder's winding.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::encode::PropertyValue;
use super::geometry::{doubled_signed_area, TileGeometry, TilePoint};
use super::protobuf::{read_packed, unzigzag, FieldValue, Reader, WireError};

/// Why bytes are not a valid vector tile.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    #[error("malformed protobuf: {0}")]
    Wire(#[from] WireError),
    #[error("invalid tile: {0}")]
    Invalid(String),
}

fn invalid(reason: impl Into<String>) -> DecodeError {
    DecodeError::Invalid(reason.into())
}

#[derive(Debug, Clone, PartialEq)]
pub struct DecodedTile {
    pub layers: Vec<DecodedLayer>,
}

impl DecodedTile {
    pub fn layer(&self, name: &str) -> Option<&DecodedLayer> {
        self.layers.iter().find(|layer| layer.name == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DecodedLayer {
    pub name: String,
    pub version: u32,
    pub extent_units: u32,
    pub features: Vec<DecodedFeature>,
}

#[derive(Debug, Clone, PartialEq)]
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

fn bytes_of(value: FieldValue<'_>) -> Result<&[u8], DecodeError> {
    match value {
        FieldValue::Bytes(bytes) => Ok(bytes),
        other => Err(invalid(format!(
            "expected a length-delimited field, got {other:?}"
        ))),
    }
}

fn varint_of(value: FieldValue<'_>) -> Result<u64, DecodeError> {
    match value {
        FieldValue::Varint(number) => Ok(number),
        other => Err(invalid(format!("expected a varint, got {other:?}"))),
    }
}

fn text_of(value: FieldValue<'_>) -> Result<String, DecodeError> {
    String::from_utf8(bytes_of(value)?.to_vec()).map_err(|_| invalid("a string is not UTF-8"))
}

/// Decode a whole tile.
pub fn decode_tile(bytes: &[u8]) -> Result<DecodedTile, DecodeError> {
    let mut reader = Reader::new(bytes);
    let mut layers = Vec::new();
    while let Some((field_number, value)) = reader.next_field()? {
        if field_number == 3 {
            layers.push(decode_layer(bytes_of(value)?)?);
        }
    }
    Ok(DecodedTile { layers })
}

struct RawFeature {
    id: Option<u64>,
    tags: Vec<u64>,
    geometry_type: u64,
    commands: Vec<u64>,
}

fn decode_layer(bytes: &[u8]) -> Result<DecodedLayer, DecodeError> {
    let mut reader = Reader::new(bytes);
    let (mut name, mut version, mut extent_units) = (None, 1u32, 4096u32);
    let (mut keys, mut values, mut raw_features) = (Vec::new(), Vec::new(), Vec::new());
    while let Some((field_number, value)) = reader.next_field()? {
        match field_number {
            1 => name = Some(text_of(value)?),
            2 => raw_features.push(decode_raw_feature(bytes_of(value)?)?),
            3 => keys.push(text_of(value)?),
            4 => values.push(decode_value(bytes_of(value)?)?),
            5 => extent_units = varint_of(value)? as u32,
            15 => version = varint_of(value)? as u32,
            _ => {}
        }
    }
    let name = name.ok_or_else(|| invalid("a layer has no name"))?;
    let features = raw_features
        .into_iter()
        .map(|raw| {
            if raw.tags.len() % 2 != 0 {
                return Err(invalid(format!("layer {name}: odd number of tags")));
            }
            let mut properties = BTreeMap::new();
            for pair in raw.tags.chunks(2) {
                let key = keys
                    .get(pair[0] as usize)
                    .ok_or_else(|| invalid("tag key out of range"))?;
                let value = values
                    .get(pair[1] as usize)
                    .ok_or_else(|| invalid("tag value out of range"))?;
                if properties.insert(key.clone(), value.clone()).is_some() {
                    return Err(invalid(format!(
                        "layer {name}: key '{key}' twice in a feature"
                    )));
                }
            }
            Ok(DecodedFeature {
                id: raw.id,
                geometry: decode_geometry(raw.geometry_type, &raw.commands)?,
                properties,
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(DecodedLayer {
        name,
        version,
        extent_units,
        features,
    })
}

fn decode_raw_feature(bytes: &[u8]) -> Result<RawFeature, DecodeError> {
    let mut reader = Reader::new(bytes);
    let mut raw = RawFeature {
        id: None,
        tags: Vec::new(),
        geometry_type: 0,
        commands: Vec::new(),
    };
    while let Some((field_number, value)) = reader.next_field()? {
        match field_number {
            1 => raw.id = Some(varint_of(value)?),
            2 => raw.tags = read_packed(bytes_of(value)?)?,
            3 => raw.geometry_type = varint_of(value)?,
            4 => raw.commands = read_packed(bytes_of(value)?)?,
            _ => {}
        }
    }
    Ok(raw)
}

fn decode_value(bytes: &[u8]) -> Result<PropertyValue<'static>, DecodeError> {
    let mut reader = Reader::new(bytes);
    let mut decoded = None;
    while let Some((field_number, value)) = reader.next_field()? {
        decoded = Some(match (field_number, value) {
            (1, value) => PropertyValue::String(Cow::Owned(text_of(value)?)),
            (2, FieldValue::Fixed32(bits)) => {
                PropertyValue::Double(f64::from(f32::from_bits(bits)))
            }
            (3, FieldValue::Fixed64(bits)) => PropertyValue::Double(f64::from_bits(bits)),
            (4, FieldValue::Varint(number)) => PropertyValue::Int(number as i64),
            (5, FieldValue::Varint(number)) => PropertyValue::Int(
                i64::try_from(number).map_err(|_| invalid("uint value above i64"))?,
            ),
            (6, FieldValue::Varint(number)) => PropertyValue::Int(unzigzag(number)),
            (7, FieldValue::Varint(number)) => PropertyValue::Bool(number != 0),
            (field_number, value) => {
                return Err(invalid(format!(
                    "unexpected value field {field_number}: {value:?}"
                )))
            }
        });
    }
    decoded.ok_or_else(|| invalid("a value has no field"))
}

/// Decode the geometry commands of a feature of MVT type 1, 2 or 3.
fn decode_geometry(geometry_type: u64, commands: &[u64]) -> Result<TileGeometry, DecodeError> {
    let mut paths: Vec<(Vec<TilePoint>, bool)> = Vec::new();
    let mut cursor = [0i64, 0i64];
    let mut index = 0;
    let parameter = |index: &mut usize| -> Result<i64, DecodeError> {
        let value = commands
            .get(*index)
            .ok_or_else(|| invalid("geometry ends inside a command"))?;
        *index += 1;
        Ok(unzigzag(*value))
    };
    while index < commands.len() {
        let command = commands[index];
        index += 1;
        let (id, count) = (command & 0x7, command >> 3);
        match id {
            1 | 2 => {
                for _ in 0..count {
                    cursor[0] += parameter(&mut index)?;
                    cursor[1] += parameter(&mut index)?;
                    let point = [cursor[0] as i32, cursor[1] as i32];
                    if id == 1 {
                        paths.push((vec![point], false));
                    } else {
                        paths
                            .last_mut()
                            .ok_or_else(|| invalid("LineTo before MoveTo"))?
                            .0
                            .push(point);
                    }
                }
            }
            7 => {
                paths
                    .last_mut()
                    .ok_or_else(|| invalid("ClosePath before MoveTo"))?
                    .1 = true
            }
            other => return Err(invalid(format!("unknown command {other}"))),
        }
    }
    match geometry_type {
        1 => Ok(TileGeometry::Points(
            paths.into_iter().map(|(path, _)| path[0]).collect(),
        )),
        2 => {
            if paths.iter().any(|(path, _)| path.len() < 2) {
                return Err(invalid("a line with fewer than two points"));
            }
            Ok(TileGeometry::Lines(
                paths.into_iter().map(|(path, _)| path).collect(),
            ))
        }
        3 => {
            let mut polygons: Vec<Vec<Vec<TilePoint>>> = Vec::new();
            for (ring, closed) in paths {
                if !closed || ring.len() < 3 {
                    return Err(invalid(
                        "a polygon ring is not closed or has fewer than three points",
                    ));
                }
                let doubled_area = doubled_signed_area(&ring);
                if doubled_area > 0 {
                    polygons.push(vec![ring]);
                } else if doubled_area < 0 {
                    polygons
                        .last_mut()
                        .ok_or_else(|| invalid("a hole before any exterior ring"))?
                        .push(ring);
                } else {
                    return Err(invalid("a ring without area"));
                }
            }
            Ok(TileGeometry::Polygons(polygons))
        }
        other => Err(invalid(format!("unknown geometry type {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiles::encode::{encode_tile, LayerEncoder};

    #[test]
    fn what_is_encoded_decodes_the_same() {
        let polygon = TileGeometry::Polygons(vec![
            vec![
                vec![[0, 0], [100, 0], [100, 100], [0, 100]],
                vec![[10, 10], [10, 20], [20, 20], [20, 10]],
            ],
            vec![vec![[200, 200], [300, 200], [300, 300]]],
        ]);
        let line = TileGeometry::Lines(vec![
            vec![[-64, 5], [4160, 5]],
            vec![[1, 1], [2, 3], [3, 3]],
        ]);
        let points = TileGeometry::Points(vec![[4095, 0]]);
        let mut encoder = LayerEncoder::new("parcels", 4096);
        encoder.add_feature(
            Some(42),
            &polygon,
            [
                ("capakey", PropertyValue::String("71016A0123/00B000".into())),
                ("area_m2", PropertyValue::Double(1234.5)),
                ("population", PropertyValue::Int(-3)),
                ("ready_to_build", PropertyValue::Bool(true)),
            ],
        );
        encoder.add_feature(None, &line, []);
        encoder.add_feature(
            Some(u64::MAX),
            &points,
            [("area_m2", PropertyValue::Double(1234.5))],
        );
        let bytes = encode_tile(&[encoder.finish(), LayerEncoder::new("empty", 512).finish()]);
        let tile = decode_tile(&bytes).unwrap();
        assert_eq!(tile.layers.len(), 2);
        let layer = tile.layer("parcels").unwrap();
        assert_eq!((layer.version, layer.extent_units), (2, 4096));
        assert_eq!(tile.layer("empty").unwrap().extent_units, 512);
        let [first, second, third] = &layer.features[..] else {
            panic!()
        };
        assert_eq!(first.id, Some(42));
        assert_eq!(first.geometry, polygon);
        assert_eq!(first.text("capakey"), Some("71016A0123/00B000"));
        assert_eq!(first.properties["area_m2"], PropertyValue::Double(1234.5));
        assert_eq!(first.int("population"), Some(-3));
        assert_eq!(
            first.properties["ready_to_build"],
            PropertyValue::Bool(true)
        );
        assert_eq!(
            (second.id, &second.geometry, second.properties.len()),
            (None, &line, 0)
        );
        assert_eq!((third.id, &third.geometry), (Some(u64::MAX), &points));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [
            &b"\x1a\x05\x0a\x03ab"[..],
            b"\x1a\xff",
            b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
        ] {
            assert!(decode_tile(bytes).is_err(), "{bytes:?}");
        }
    }
}
