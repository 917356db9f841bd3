//! The GeoPackage geometry blob (GeoPackage 1.3 § 2.1.3): the `GP` header
//! with version, flags, srs_id and envelope, then ISO WKB.

use geo::{BoundingRect, Geometry};

use super::SRS_ID;
use crate::model::wkb;

/// Flag bit 0: the header's numbers (srs_id, envelope) are little-endian.
const FLAG_LITTLE_ENDIAN: u8 = 0b0000_0001;
/// Flag bit 4: the geometry is empty.
pub(super) const FLAG_EMPTY: u8 = 0b0001_0000;
/// The fixed part of the header: magic, version, flags, srs_id.
const HEADER_BYTES: usize = 8;

/// The GeoPackage blob of a geometry: little-endian header with srs 4326, an
/// `[minx, maxx, miny, maxy]` envelope except for points, then ISO WKB.
pub fn encode_blob(geometry: &Geometry<f64>) -> Result<Vec<u8>, crate::model::ModelError> {
    let wkb = wkb::encode(geometry)?;
    let envelope = match geometry {
        Geometry::Point(_) => None,
        other => other.bounding_rect(),
    };
    let mut flags = FLAG_LITTLE_ENDIAN;
    if envelope.is_some() {
        flags |= 1 << 1; // envelope indicator 1: [minx, maxx, miny, maxy]
    } else if !matches!(geometry, Geometry::Point(_)) {
        flags |= FLAG_EMPTY;
    }
    let mut blob = Vec::with_capacity(HEADER_BYTES + 32 + wkb.len());
    blob.extend_from_slice(b"GP");
    blob.push(0); // version 1 of the binary format
    blob.push(flags);
    blob.extend_from_slice(&SRS_ID.to_le_bytes());
    if let Some(rect) = envelope {
        for bound in [rect.min().x, rect.max().x, rect.min().y, rect.max().y] {
            blob.extend_from_slice(&bound.to_le_bytes());
        }
    }
    blob.extend_from_slice(&wkb);
    Ok(blob)
}

/// Read a GeoPackage blob: any byte order, envelope indicator 0 to 4 (the
/// envelope is skipped), the empty flag; srs must be 4326. Never panics.
pub fn decode_blob(blob: &[u8]) -> Result<Geometry<f64>, String> {
    let header: [u8; HEADER_BYTES] = blob
        .get(..HEADER_BYTES)
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| {
            format!(
                "geometry blob of {} bytes is shorter than its 8-byte header",
                blob.len()
            )
        })?;
    if &header[..2] != b"GP" {
        return Err("geometry blob does not start with 'GP'".into());
    }
    if header[2] != 0 {
        return Err(format!("geometry blob has unknown version {}", header[2]));
    }
    let flags = header[3];
    let envelope_bytes = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        other => {
            return Err(format!(
                "geometry blob has invalid envelope indicator {other}"
            ))
        }
    };
    let srs_bytes = [header[4], header[5], header[6], header[7]];
    let srs_id = if flags & FLAG_LITTLE_ENDIAN != 0 {
        i32::from_le_bytes(srs_bytes)
    } else {
        i32::from_be_bytes(srs_bytes)
    };
    if srs_id != SRS_ID {
        return Err(format!("geometry is in srs {srs_id}, expected {SRS_ID}"));
    }
    let wkb_bytes = blob.get(HEADER_BYTES + envelope_bytes..).ok_or_else(|| {
        format!(
            "geometry blob of {} bytes is shorter than its header with a {envelope_bytes}-byte envelope",
            blob.len()
        )
    })?;
    wkb::decode(wkb_bytes).map_err(|error| error.to_string())
}
