//! Well-known binary (ISO WKB, 2D) for the geometry types the layers use.
//!
//! Both stores exchange geometry as WKB: PostGIS through `ST_AsBinary` /
//! `ST_GeomFromWKB`, the GeoPackage inside its `GP` blob header. Written
//! little-endian; read in either byte order. Reading never panics: a short or
//! malformed blob is an error.

use geo::{Coord, Geometry, LineString, MultiPolygon, Point, Polygon};

use super::ModelError;

const POINT: u32 = 1;
const LINE_STRING: u32 = 2;
const POLYGON: u32 = 3;
const MULTI_POLYGON: u32 = 6;

/// Encode a Point, LineString, Polygon or MultiPolygon; other types are an error.
pub fn encode(geometry: &Geometry<f64>) -> Result<Vec<u8>, ModelError> {
    let mut out = Vec::with_capacity(64);
    match geometry {
        Geometry::Point(point) => {
            header(&mut out, POINT);
            coord(&mut out, point.0);
        }
        Geometry::LineString(line) => {
            header(&mut out, LINE_STRING);
            coords(&mut out, line);
        }
        Geometry::Polygon(polygon) => polygon_body(&mut out, polygon),
        Geometry::MultiPolygon(multi) => {
            header(&mut out, MULTI_POLYGON);
            out.extend_from_slice(&(multi.0.len() as u32).to_le_bytes());
            for polygon in &multi.0 {
                polygon_body(&mut out, polygon);
            }
        }
        _ => {
            return Err(ModelError::Geometry(
                "only Point, LineString, Polygon and MultiPolygon are stored".into(),
            ))
        }
    }
    Ok(out)
}

fn header(out: &mut Vec<u8>, kind: u32) {
    out.push(1);
    out.extend_from_slice(&kind.to_le_bytes());
}

fn coord(out: &mut Vec<u8>, coord: Coord<f64>) {
    out.extend_from_slice(&coord.x.to_le_bytes());
    out.extend_from_slice(&coord.y.to_le_bytes());
}

fn coords(out: &mut Vec<u8>, line: &LineString<f64>) {
    out.extend_from_slice(&(line.0.len() as u32).to_le_bytes());
    for point in &line.0 {
        coord(out, *point);
    }
}

fn polygon_body(out: &mut Vec<u8>, polygon: &Polygon<f64>) {
    header(out, POLYGON);
    out.extend_from_slice(&(1 + polygon.interiors().len() as u32).to_le_bytes());
    coords(out, polygon.exterior());
    for ring in polygon.interiors() {
        coords(out, ring);
    }
}

/// Decode WKB (ISO or EWKB without SRID flags beyond 2D) into a geometry.
pub fn decode(bytes: &[u8]) -> Result<Geometry<f64>, ModelError> {
    let mut reader = Reader {
        bytes,
        position: 0,
        little_endian: true,
    };
    let geometry = reader.geometry()?;
    if reader.position != bytes.len() {
        return Err(malformed("trailing bytes after the geometry"));
    }
    Ok(geometry)
}

fn malformed(reason: &str) -> ModelError {
    ModelError::Geometry(format!("malformed WKB: {reason}"))
}

struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
    little_endian: bool,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], ModelError> {
        let end = self
            .position
            .checked_add(N)
            .filter(|end| *end <= self.bytes.len());
        let end = end.ok_or_else(|| malformed("unexpected end"))?;
        let mut array = [0u8; N];
        array.copy_from_slice(&self.bytes[self.position..end]);
        self.position = end;
        Ok(array)
    }

    fn u32(&mut self) -> Result<u32, ModelError> {
        let raw = self.take::<4>()?;
        Ok(if self.little_endian {
            u32::from_le_bytes(raw)
        } else {
            u32::from_be_bytes(raw)
        })
    }

    fn f64(&mut self) -> Result<f64, ModelError> {
        let raw = self.take::<8>()?;
        Ok(if self.little_endian {
            f64::from_le_bytes(raw)
        } else {
            f64::from_be_bytes(raw)
        })
    }

    /// A count, bounded by what the remaining bytes could hold.
    fn count(&mut self, min_item_bytes: usize) -> Result<usize, ModelError> {
        let count = self.u32()? as usize;
        if count.saturating_mul(min_item_bytes) > self.bytes.len() - self.position {
            return Err(malformed("a count larger than the data"));
        }
        Ok(count)
    }

    fn coord(&mut self) -> Result<Coord<f64>, ModelError> {
        Ok(Coord {
            x: self.f64()?,
            y: self.f64()?,
        })
    }

    fn line(&mut self) -> Result<LineString<f64>, ModelError> {
        let count = self.count(16)?;
        (0..count)
            .map(|_| self.coord())
            .collect::<Result<Vec<_>, _>>()
            .map(LineString)
    }

    fn kind(&mut self) -> Result<u32, ModelError> {
        let [order] = self.take::<1>()?;
        self.little_endian = match order {
            0 => false,
            1 => true,
            _ => return Err(malformed("byte order must be 0 or 1")),
        };
        self.u32()
    }

    fn polygon(&mut self) -> Result<Polygon<f64>, ModelError> {
        let count = self.count(4)?;
        let mut rings = (0..count)
            .map(|_| self.line())
            .collect::<Result<Vec<_>, _>>()?;
        if rings.is_empty() {
            return Ok(Polygon::new(LineString(vec![]), vec![]));
        }
        let exterior = rings.remove(0);
        Ok(Polygon::new(exterior, rings))
    }

    fn geometry(&mut self) -> Result<Geometry<f64>, ModelError> {
        match self.kind()? {
            POINT => Ok(Point(self.coord()?).into()),
            LINE_STRING => Ok(self.line()?.into()),
            POLYGON => Ok(self.polygon()?.into()),
            MULTI_POLYGON => {
                let count = self.count(9)?;
                let mut polygons = Vec::with_capacity(count);
                for _ in 0..count {
                    if self.kind()? != POLYGON {
                        return Err(malformed("a MultiPolygon member is not a Polygon"));
                    }
                    polygons.push(self.polygon()?);
                }
                Ok(MultiPolygon(polygons).into())
            }
            other => Err(malformed(&format!("unsupported geometry type {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, point, polygon};

    fn check(geometry: Geometry<f64>) {
        assert_eq!(decode(&encode(&geometry).unwrap()).unwrap(), geometry);
    }

    #[test]
    fn every_layer_geometry_round_trips() {
        check(point!(x: 5.5, y: 50.96).into());
        check(line_string![(x: 5.5, y: 50.96), (x: 5.51, y: 50.97), (x: 5.52, y: 50.95)].into());
        let with_hole = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 0.0, y: 4.0), (x: 0.0, y: 0.0)],
            interiors: [[(x: 1.0, y: 1.0), (x: 2.0, y: 1.0), (x: 2.0, y: 2.0), (x: 1.0, y: 1.0)]],
        );
        check(with_hole.clone().into());
        check(MultiPolygon(vec![with_hole.clone(), with_hole]).into());
    }

    #[test]
    fn a_known_point_has_the_standard_bytes() {
        // POINT(1 2), little endian, as PostGIS prints ST_AsBinary
        let expected = "0101000000000000000000f03f0000000000000040";
        let bytes = encode(&point!(x: 1.0, y: 2.0).into()).unwrap();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, expected);
    }

    #[test]
    fn big_endian_input_is_read() {
        let mut bytes = vec![0u8];
        bytes.extend_from_slice(&1u32.to_be_bytes());
        bytes.extend_from_slice(&5.5f64.to_be_bytes());
        bytes.extend_from_slice(&50.9f64.to_be_bytes());
        assert_eq!(
            decode(&bytes).unwrap(),
            Geometry::Point(point!(x: 5.5, y: 50.9))
        );
    }

    #[test]
    fn broken_input_is_an_error_not_a_panic() {
        let good = encode(&line_string![(x: 1.0, y: 2.0), (x: 3.0, y: 4.0)].into()).unwrap();
        for cut in 0..good.len() {
            assert!(decode(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut huge_count = good.clone();
        huge_count[5..9].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode(&huge_count).is_err());
        assert!(decode(&[7, 1, 0, 0, 0]).is_err());
    }
}
