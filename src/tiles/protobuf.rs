//! The few pieces of the protocol buffers wire format that MVT needs:
//! varints, zigzag, tags, length-delimited fields, and a reader for them.
//!
//! Written by hand because a tile has four message types; a protobuf code
//! generator would be a heavier dependency than this file.

/// Wire type of varint fields (uint32, uint64, sint64, bool, enum).
pub const WIRE_VARINT: u8 = 0;
/// Wire type of 64-bit fields (double).
pub const WIRE_FIXED64: u8 = 1;
/// Wire type of strings, bytes, messages and packed repeated fields.
pub const WIRE_LENGTH_DELIMITED: u8 = 2;
/// Wire type of 32-bit fields (float).
pub const WIRE_FIXED32: u8 = 5;

pub fn write_varint(buffer: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        buffer.push((value as u8) | 0x80);
        value >>= 7;
    }
    buffer.push(value as u8);
}

/// The varint key of a field.
pub fn write_tag(buffer: &mut Vec<u8>, field_number: u32, wire_type: u8) {
    write_varint(
        buffer,
        (u64::from(field_number) << 3) | u64::from(wire_type),
    );
}

pub fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

pub fn unzigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

/// A length-delimited field holding `bytes`.
pub fn write_bytes_field(buffer: &mut Vec<u8>, field_number: u32, bytes: &[u8]) {
    write_tag(buffer, field_number, WIRE_LENGTH_DELIMITED);
    write_varint(buffer, bytes.len() as u64);
    buffer.extend_from_slice(bytes);
}

pub fn write_varint_field(buffer: &mut Vec<u8>, field_number: u32, value: u64) {
    write_tag(buffer, field_number, WIRE_VARINT);
    write_varint(buffer, value);
}

/// The number of bytes of a varint.
pub fn varint_len(value: u64) -> usize {
    (64 - (value | 1).leading_zeros() as usize).div_ceil(7)
}

/// A packed repeated uint32 field.
pub fn write_packed_field(buffer: &mut Vec<u8>, field_number: u32, values: &[u32]) {
    let n_bytes: usize = values
        .iter()
        .map(|value| varint_len(u64::from(*value)))
        .sum();
    write_tag(buffer, field_number, WIRE_LENGTH_DELIMITED);
    write_varint(buffer, n_bytes as u64);
    buffer.reserve(n_bytes);
    for value in values {
        write_varint(buffer, u64::from(*value));
    }
}

/// Why bytes are not a well-formed message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("truncated message at byte {0}")]
    Truncated(usize),
    #[error("varint longer than 10 bytes at byte {0}")]
    VarintTooLong(usize),
    #[error("unsupported wire type {wire_type} at byte {offset}")]
    UnsupportedWireType { wire_type: u8, offset: usize },
}

/// One field as read: its number and its payload.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    Bytes(&'a [u8]),
}

/// Reads the fields of one message in order.
pub struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, offset: 0 }
    }

    pub fn read_varint(&mut self) -> Result<u64, WireError> {
        let start = self.offset;
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let byte = *self
                .bytes
                .get(self.offset)
                .ok_or(WireError::Truncated(self.offset))?;
            self.offset += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(WireError::VarintTooLong(start))
    }

    fn take(&mut self, length: usize) -> Result<&'a [u8], WireError> {
        let end = self
            .offset
            .checked_add(length)
            .filter(|end| *end <= self.bytes.len())
            .ok_or(WireError::Truncated(self.offset))?;
        let slice = &self.bytes[self.offset..end];
        self.offset = end;
        Ok(slice)
    }

    /// The next field, or `None` at the end of the message.
    pub fn next_field(&mut self) -> Result<Option<(u32, FieldValue<'a>)>, WireError> {
        if self.offset >= self.bytes.len() {
            return Ok(None);
        }
        let offset = self.offset;
        let key = self.read_varint()?;
        let field_number = (key >> 3) as u32;
        let value = match (key & 7) as u8 {
            WIRE_VARINT => FieldValue::Varint(self.read_varint()?),
            WIRE_FIXED64 => {
                let bytes: [u8; 8] = self
                    .take(8)?
                    .try_into()
                    .map_err(|_| WireError::Truncated(offset))?;
                FieldValue::Fixed64(u64::from_le_bytes(bytes))
            }
            WIRE_LENGTH_DELIMITED => {
                let length = self.read_varint()?;
                let length = usize::try_from(length).map_err(|_| WireError::Truncated(offset))?;
                FieldValue::Bytes(self.take(length)?)
            }
            WIRE_FIXED32 => {
                let bytes: [u8; 4] = self
                    .take(4)?
                    .try_into()
                    .map_err(|_| WireError::Truncated(offset))?;
                FieldValue::Fixed32(u32::from_le_bytes(bytes))
            }
            wire_type => return Err(WireError::UnsupportedWireType { wire_type, offset }),
        };
        Ok(Some((field_number, value)))
    }
}

/// The values of a packed repeated varint field.
pub fn read_packed(bytes: &[u8]) -> Result<Vec<u64>, WireError> {
    let mut reader = Reader::new(bytes);
    let mut values = Vec::new();
    while reader.offset < bytes.len() {
        values.push(reader.read_varint()?);
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_zigzag_round_trip() {
        for value in [
            0u64,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut buffer = Vec::new();
            write_varint(&mut buffer, value);
            assert_eq!(buffer.len(), varint_len(value), "{value}");
            assert_eq!(Reader::new(&buffer).read_varint(), Ok(value));
        }
        let mut buffer = Vec::new();
        write_varint(&mut buffer, 300);
        assert_eq!(buffer, [0xac, 0x02]);
        for value in [0i64, -1, 1, -64, 64, i64::MIN, i64::MAX] {
            assert_eq!(unzigzag(zigzag(value)), value);
        }
        assert_eq!((zigzag(-1), zigzag(1), zigzag(-2)), (1, 2, 3));
    }

    #[test]
    fn fields_round_trip_and_truncation_is_an_error() {
        let mut buffer = Vec::new();
        write_varint_field(&mut buffer, 15, 2);
        write_bytes_field(&mut buffer, 1, b"parcels");
        write_packed_field(&mut buffer, 4, &[9, 50, 34]);
        let mut reader = Reader::new(&buffer);
        assert_eq!(reader.next_field(), Ok(Some((15, FieldValue::Varint(2)))));
        assert_eq!(
            reader.next_field(),
            Ok(Some((1, FieldValue::Bytes(b"parcels".as_slice()))))
        );
        let Ok(Some((4, FieldValue::Bytes(packed)))) = reader.next_field() else {
            panic!()
        };
        assert_eq!(read_packed(packed), Ok(vec![9, 50, 34]));
        assert_eq!(reader.next_field(), Ok(None));
        let mut truncated = Reader::new(&buffer[..buffer.len() - 1]);
        let mut error = None;
        while let Some(result) = truncated.next_field().transpose() {
            if let Err(e) = result {
                error = Some(e);
                break;
            }
        }
        assert!(matches!(error, Some(WireError::Truncated(_))));
    }
}
