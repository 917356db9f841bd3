//! The source CRS and the way from it to the atlas's EPSG:4326.
//!
//! The CRS comes from the file (a `.prj`, a GeoPackage SRS, a legacy GeoJSON
//! `crs` member) or from `--crs EPSG:N`, which overrides the file's; without
//! either the import stops: it never guesses. Reprojection is GDAL's OGR
//! coordinate transformation (PROJ picks the datum shift, e.g. BD72 → WGS 84
//! for Belgian Lambert 72, exactly as `ogr2ogr -t_srs EPSG:4326` does), with
//! the traditional GIS axis order on both sides, so x = longitude and
//! y = latitude whatever the CRS's official axis order. A GeoJSON file without
//! a `crs` member is WGS 84 by RFC 7946; if its numbers are Lambert metres the
//! features are reported as outside EPSG:4326, with a hint to use `--crs`.

use std::path::Path;

use gdal::cpl::CslStringList;
use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use geo::{BoundingRect, Geometry, MultiPolygon};

use super::{parse_epsg, ImportError};
use crate::model::GeometryType;

/// How far (in degrees) a feature may reach beyond its CRS's area of use
/// before it is reported: generous, since the areas are rounded boxes.
const AREA_OF_USE_MARGIN_DEG: f64 = 0.5;

/// The source CRS, ready to transform geometries to EPSG:4326.
pub struct SourceCrs {
    /// `EPSG:31370`, or the CRS's name when it has no EPSG code.
    pub label: String,
    /// `None` when the source is EPSG:4326 already.
    transform: Option<CoordTransform>,
    /// (west, south, east, north) in degrees, where PROJ knows it.
    area_of_use: Option<(f64, f64, f64, f64)>,
}

/// EPSG:4326 with x = longitude, y = latitude.
pub fn wgs84() -> Result<SpatialRef, ImportError> {
    epsg(4326)
}

/// An EPSG CRS in traditional GIS order (x = easting or longitude).
pub fn epsg(code: u32) -> Result<SpatialRef, ImportError> {
    // GDAL's own words ("OSRImportFromEPSG returned error '6'") say nothing
    // to a user: the code is simply not in PROJ's database
    let mut srs = SpatialRef::from_epsg(code).map_err(|_| ImportError::BadCrs {
        given: format!("EPSG:{code}"),
        reason: format!("PROJ's database has no CRS EPSG:{code}"),
    })?;
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Ok(srs)
}

/// `EPSG:N` for a CRS with an EPSG code, else its name.
pub fn crs_label(srs: &SpatialRef) -> String {
    match (srs.auth_name(), srs.auth_code()) {
        (Some(name), Ok(code)) => format!("{name}:{code}"),
        _ => srs.name().unwrap_or_else(|| "an unnamed CRS".into()),
    }
}

impl SourceCrs {
    /// The CRS of `path`: `--crs` if given, else the layer's own.
    pub fn resolve(
        path: &Path,
        layer_srs: Option<SpatialRef>,
        crs: Option<&str>,
    ) -> Result<SourceCrs, ImportError> {
        let mut srs = match (crs, layer_srs) {
            (Some(given), _) => epsg(parse_epsg(given)?)?,
            (None, Some(srs)) => srs,
            (None, None) => return Err(ImportError::NoCrs { path: path.into() }),
        };
        srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        if srs.auth_name().is_none() {
            // a .prj is ESRI WKT without codes: let PROJ find the EPSG code
            let _ = srs.auto_identify_epsg();
        }
        let label = crs_label(&srs);
        let area_of_use = srs
            .area_of_use()
            .map(|area| {
                (
                    area.west_lon_degree,
                    area.south_lat_degree,
                    area.east_lon_degree,
                    area.north_lat_degree,
                )
            })
            .filter(|(west, south, east, north)| west < east && south < north);
        let transform = if label == "EPSG:4326" {
            None
        } else {
            Some(
                CoordTransform::new(&srs, &wgs84()?).map_err(|error| ImportError::Transform {
                    from: label.clone(),
                    reason: error.to_string(),
                })?,
            )
        };
        Ok(SourceCrs {
            label,
            transform,
            area_of_use,
        })
    }

    /// One source geometry as the layer's geometry type in EPSG:4326, and
    /// whether it was repaired; or why it cannot be.
    pub fn to_layer_geometry(
        &self,
        geometry: &gdal::vector::Geometry,
        wanted: GeometryType,
        repair: bool,
    ) -> Result<(Geometry<f64>, bool), String> {
        self.to_layer_geometry_owned(geometry.clone(), wanted, repair)
    }

    /// As [`SourceCrs::to_layer_geometry`], on a geometry of the caller's
    /// own (no copy).
    pub fn to_layer_geometry_owned(
        &self,
        mut geometry: gdal::vector::Geometry,
        wanted: GeometryType,
        repair: bool,
    ) -> Result<(Geometry<f64>, bool), String> {
        geometry.flatten_to_2d();
        let mut repaired = false;
        // the common small polygon is checked in Rust; GEOS decides the rest
        let mut converted = geometry.to_geo().ok();
        let surely_valid = converted.as_ref().is_some_and(|converted| {
            source_rings_closed(&geometry) && super::quick_valid::surely_valid(converted)
        });
        if !surely_valid && !geometry.is_valid() {
            if !repair {
                return Err("invalid geometry (e.g. a self-intersecting ring); --repair fixes it with make-valid".into());
            }
            geometry = geometry
                .make_valid(&CslStringList::new())
                .map_err(|error| format!("make-valid failed: {error}"))?;
            repaired = true;
            converted = None;
        }
        if let Some(transform) = &self.transform {
            geometry
                .transform_inplace(transform)
                .map_err(|error| format!("cannot reproject from {}: {error}", self.label))?;
            converted = None;
        }
        let geometry: Geometry<f64> = match converted {
            Some(converted) => converted,
            None => geometry
                .to_geo()
                .map_err(|error| format!("unsupported geometry ({error})"))?,
        };
        conform(geometry, wanted)
            .map(|geometry| (geometry, repaired))
            .map_err(|got| format!("expected {wanted:?}, got {got}"))
    }

    /// Why a geometry (EPSG:4326) lies outside the source CRS's area of use, if it does.
    pub fn outside_area_of_use(&self, geometry: &Geometry<f64>) -> Option<String> {
        let (west, south, east, north) = self.area_of_use?;
        let bbox = geometry.bounding_rect()?;
        let m = AREA_OF_USE_MARGIN_DEG;
        let inside = bbox.min().x >= west - m
            && bbox.max().x <= east + m
            && bbox.min().y >= south - m
            && bbox.max().y <= north + m;
        (!inside).then(|| {
            format!(
                "lies at ({:.4}, {:.4}), outside the area of {} ({west}..{east} E, {south}..{north} N): is --crs right?",
                bbox.center().x,
                bbox.center().y,
                self.label
            )
        })
    }
}

/// Whether the rings of a polygon (or of a multipolygon of one) were closed
/// in the source, as GEOS requires; geo closes rings when converting, so
/// this is asked of OGR. Other geometries have no rings: `true`.
fn source_rings_closed(geometry: &gdal::vector::Geometry) -> bool {
    use gdal::vector::OGRwkbGeometryType as G;
    let closed = |ring: &gdal::vector::Geometry| {
        let n_points = ring.point_count();
        n_points > 0 && {
            let (first, last) = (ring.get_point(0), ring.get_point(n_points as i32 - 1));
            first.0 == last.0 && first.1 == last.1
        }
    };
    match geometry.geometry_type() {
        G::wkbPolygon => closed(&geometry.get_geometry(0)),
        G::wkbMultiPolygon if geometry.geometry_count() == 1 => {
            closed(&geometry.get_geometry(0).get_geometry(0))
        }
        G::wkbPoint => true,
        _ => false,
    }
}

/// The geometry as the layer's type: a polygon becomes a multipolygon of one
/// where the layer wants multipolygons, a multi of one part becomes its part
/// where the layer wants single parts, the polygons of a collection (as
/// make-valid may give) are kept. Else the name of what it is.
pub fn conform(geometry: Geometry<f64>, wanted: GeometryType) -> Result<Geometry<f64>, String> {
    use Geometry as G;
    match (geometry, wanted) {
        (G::Point(point), GeometryType::Point) => Ok(G::Point(point)),
        (G::MultiPoint(multi), GeometryType::Point) if multi.0.len() == 1 => {
            Ok(G::Point(multi.0[0]))
        }
        (G::LineString(line), GeometryType::LineString) => Ok(G::LineString(line)),
        (G::MultiLineString(multi), GeometryType::LineString) if multi.0.len() == 1 => {
            Ok(G::LineString(multi.0.into_iter().next().expect("one part")))
        }
        (G::Polygon(polygon), GeometryType::Polygon) => Ok(G::Polygon(polygon)),
        (G::MultiPolygon(multi), GeometryType::Polygon) if multi.0.len() == 1 => {
            Ok(G::Polygon(multi.0.into_iter().next().expect("one part")))
        }
        (G::Polygon(polygon), GeometryType::MultiPolygon) => {
            Ok(G::MultiPolygon(MultiPolygon(vec![polygon])))
        }
        (G::MultiPolygon(multi), GeometryType::MultiPolygon) => Ok(G::MultiPolygon(multi)),
        (
            G::GeometryCollection(collection),
            wanted @ (GeometryType::Polygon | GeometryType::MultiPolygon),
        ) => {
            let mut polygons = Vec::new();
            for part in collection.0 {
                match part {
                    G::Polygon(polygon) => polygons.push(polygon),
                    G::MultiPolygon(multi) => polygons.extend(multi.0),
                    _ => {}
                }
            }
            if polygons.is_empty() {
                return Err("a geometry collection without polygons".into());
            }
            conform(G::MultiPolygon(MultiPolygon(polygons)), wanted)
        }
        (other, _) => Err(geometry_name(&other).to_string()),
    }
}

fn geometry_name(geometry: &Geometry<f64>) -> &'static str {
    match geometry {
        Geometry::MultiPolygon(multi) if multi.0.len() > 1 => "MultiPolygon of several parts",
        other => crate::model::feature::geometry_name(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{point, polygon};

    #[test]
    fn a_polygon_becomes_a_multipolygon_of_one_and_back() {
        let square =
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)];
        let multi = conform(square.clone().into(), GeometryType::MultiPolygon).unwrap();
        assert!(matches!(&multi, Geometry::MultiPolygon(m) if m.0.len() == 1));
        assert_eq!(
            conform(multi, GeometryType::Polygon).unwrap(),
            Geometry::Polygon(square)
        );
        assert_eq!(
            conform(point!(x: 1.0, y: 2.0).into(), GeometryType::MultiPolygon).unwrap_err(),
            "Point"
        );
    }

    #[test]
    fn lambert_72_goes_to_longitude_latitude() {
        let crs = SourceCrs::resolve(Path::new("x"), None, Some("EPSG:31370")).unwrap();
        // Genk, the market square, in Belgian Lambert 72
        let point = gdal::vector::Geometry::from_wkt("POINT (232000 186000)").unwrap();
        let (geometry, repaired) = crs
            .to_layer_geometry(&point, GeometryType::Point, false)
            .unwrap();
        assert!(!repaired);
        let Geometry::Point(point) = &geometry else {
            panic!("not a point")
        };
        assert!(
            (5.4..5.6).contains(&point.x()) && (50.9..51.0).contains(&point.y()),
            "{point:?}"
        );
        assert!(crs.outside_area_of_use(&geometry).is_none());
    }
}
