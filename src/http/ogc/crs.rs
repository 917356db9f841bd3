//! OGC API – Features Part 2: the coordinate reference systems offered, how
//! a `crs` or `bbox-crs` parameter names one, and geometries and boxes moved
//! between them and the store's CRS84 (x = longitude, y = latitude).
//!
//! Axis order is the CRS's own, as Part 2 says: CRS84 is longitude,
//! latitude; EPSG:4326 is latitude, longitude; the projected ones (Belgian
//! Lambert 72 EPSG:31370, Lambert 2008 EPSG:3812, Web Mercator EPSG:3857)
//! are easting, northing (metres). Projections use GDAL's OSR in traditional
//! GIS order (`import::reproject::epsg`); a transform is costly to create, so
//! each thread keeps one per target CRS.

use std::cell::RefCell;
use std::collections::HashMap;

use gdal::spatial_ref::CoordTransform;
use std::cell::Cell;

use geo::{coord, CoordsIter, Geometry, MapCoords, Rect};

use crate::http::error::ApiError;
use crate::import::reproject::{epsg, wgs84};

/// A CRS the OGC API answers and takes boxes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OgcCrs {
    /// WGS 84 longitude, latitude: the default and the storage CRS.
    Crs84,
    /// An EPSG CRS; 4326 is latitude first.
    Epsg(u32),
}

/// Every CRS offered, the default first.
pub const OFFERED: [OgcCrs; 5] = [
    OgcCrs::Crs84,
    OgcCrs::Epsg(4326),
    OgcCrs::Epsg(31370),
    OgcCrs::Epsg(3812),
    OgcCrs::Epsg(3857),
];

const CRS84_URI: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const EPSG_PREFIX: &str = "http://www.opengis.net/def/crs/EPSG/0/";

impl OgcCrs {
    /// The URI that names this CRS.
    pub fn uri(self) -> String {
        match self {
            OgcCrs::Crs84 => CRS84_URI.to_string(),
            OgcCrs::Epsg(code) => format!("{EPSG_PREFIX}{code}"),
        }
    }

    /// The CRS named by `text` (its URI, `EPSG:N`, `[EPSG:N]`, `OGC:CRS84`,
    /// `CRS84`), when offered; else a 400 naming `parameter`.
    pub fn parse(parameter: &str, text: &str) -> Result<OgcCrs, ApiError> {
        let trimmed = text.trim();
        let bare = trimmed
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
            .unwrap_or(trimmed);
        let found = if [
            CRS84_URI,
            "OGC:CRS84",
            "CRS84",
            "http://www.opengis.net/def/crs/OGC/0/CRS84",
        ]
        .contains(&bare)
        {
            Some(OgcCrs::Crs84)
        } else {
            bare.strip_prefix(EPSG_PREFIX)
                .or_else(|| bare.strip_prefix("EPSG:"))
                .or_else(|| bare.strip_prefix("urn:ogc:def:crs:EPSG::"))
                .and_then(|code| code.parse::<u32>().ok())
                .map(OgcCrs::Epsg)
        };
        found.filter(|crs| OFFERED.contains(crs)).ok_or_else(|| {
            let offered: Vec<String> = OFFERED.iter().map(|crs| crs.uri()).collect();
            ApiError::bad_request(
                parameter,
                format!(
                    "'{text}' is not an offered CRS (offered: {})",
                    offered.join(", ")
                ),
            )
        })
    }

    /// Whether the first axis is latitude (EPSG:4326).
    fn latitude_first(self) -> bool {
        self == OgcCrs::Epsg(4326)
    }

    /// The EPSG code of a projected CRS; `None` for the geographic ones.
    fn projected_code(self) -> Option<u32> {
        match self {
            OgcCrs::Epsg(4326) | OgcCrs::Crs84 => None,
            OgcCrs::Epsg(code) => Some(code),
        }
    }
}

/// Which way a transform goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Direction {
    FromLonLat,
    ToLonLat,
}

thread_local! {
    /// This thread's transforms, per (projected EPSG code, direction).
    static TRANSFORMS: RefCell<HashMap<(u32, Direction), CoordTransform>> =
        RefCell::new(HashMap::new());
}

/// Run `work` with this thread's transform for `code` and `direction`.
fn with_transform<T>(
    code: u32,
    direction: Direction,
    work: impl FnOnce(&CoordTransform) -> Result<T, String>,
) -> Result<T, String> {
    TRANSFORMS.with(|cell| {
        let mut transforms = cell.borrow_mut();
        let transform = match transforms.entry((code, direction)) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => {
                let lonlat = wgs84().map_err(|error| error.to_string())?;
                let projected = epsg(code).map_err(|error| error.to_string())?;
                let transform = match direction {
                    Direction::FromLonLat => CoordTransform::new(&lonlat, &projected),
                    Direction::ToLonLat => CoordTransform::new(&projected, &lonlat),
                }
                .map_err(|error| format!("no transform for EPSG:{code}: {error}"))?;
                entry.insert(transform)
            }
        };
        work(transform)
    })
}

/// `geometry` (CRS84) in `crs`, axes in the CRS's order.
pub fn geometry_in(geometry: &Geometry<f64>, crs: OgcCrs) -> Result<Geometry<f64>, String> {
    transform_geometry(geometry, crs, Direction::FromLonLat)
}

/// `geometry` given in `crs` (axes in its order) in CRS84: a filter's
/// geometry in its `filter-crs`.
pub fn geometry_to_lonlat(geometry: &Geometry<f64>, crs: OgcCrs) -> Result<Geometry<f64>, String> {
    transform_geometry(geometry, crs, Direction::ToLonLat)
}

fn transform_geometry(
    geometry: &Geometry<f64>,
    crs: OgcCrs,
    direction: Direction,
) -> Result<Geometry<f64>, String> {
    if crs.latitude_first() {
        return Ok(geometry.map_coords(|c| coord! { x: c.y, y: c.x }));
    }
    let Some(code) = crs.projected_code() else {
        return Ok(geometry.clone());
    };
    let mut xs: Vec<f64> = geometry.coords_iter().map(|c| c.x).collect();
    let mut ys: Vec<f64> = geometry.coords_iter().map(|c| c.y).collect();
    let mut zs = vec![0.0; xs.len()];
    with_transform(code, direction, |transform| {
        transform
            .transform_coords(&mut xs, &mut ys, &mut zs)
            .map_err(|error| match direction {
                Direction::FromLonLat => format!("cannot project to EPSG:{code}: {error}"),
                Direction::ToLonLat => {
                    format!("cannot read the coordinates as EPSG:{code}: {error}")
                }
            })
    })?;
    if xs.iter().chain(&ys).any(|n| !n.is_finite()) {
        return Err(format!(
            "the coordinates lie outside where EPSG:{code} is defined"
        ));
    }
    // `map_coords` visits the coordinates in `coords_iter` order
    let next = Cell::new(0usize);
    Ok(geometry.map_coords(|_| {
        let index = next.get();
        next.set(index + 1);
        coord! { x: xs[index], y: ys[index] }
    }))
}

/// The area of a box given in `crs` (its numbers in that CRS's axis
/// order: `[first min, second min, first max, second max]`) as a CRS84
/// polygon, its edges densified so that a projected box stays the same
/// area after the transform, plus the polygon's bounding box.
pub fn box_to_lonlat(
    numbers: [f64; 4],
    crs: OgcCrs,
) -> Result<(geo::Polygon<f64>, Rect<f64>), String> {
    let [a_min, b_min, a_max, b_max] = numbers;
    let (x_min, y_min, x_max, y_max) = if crs.latitude_first() {
        (b_min, a_min, b_max, a_max)
    } else {
        (a_min, b_min, a_max, b_max)
    };
    const STEPS: usize = 16;
    let mut ring: Vec<(f64, f64)> = Vec::with_capacity(4 * STEPS + 1);
    let corners = [
        (x_min, y_min),
        (x_max, y_min),
        (x_max, y_max),
        (x_min, y_max),
    ];
    for side in 0..4 {
        let (x0, y0) = corners[side];
        let (x1, y1) = corners[(side + 1) % 4];
        for step in 0..STEPS {
            let t = step as f64 / STEPS as f64;
            ring.push((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t));
        }
    }
    ring.push(corners[0]);
    if let Some(code) = crs.projected_code() {
        let mut xs: Vec<f64> = ring.iter().map(|(x, _)| *x).collect();
        let mut ys: Vec<f64> = ring.iter().map(|(_, y)| *y).collect();
        let mut zs = vec![0.0; xs.len()];
        with_transform(code, Direction::ToLonLat, |transform| {
            transform
                .transform_coords(&mut xs, &mut ys, &mut zs)
                .map_err(|error| format!("cannot read the box in EPSG:{code}: {error}"))
        })?;
        ring = xs.into_iter().zip(ys).collect();
    }
    let polygon = geo::Polygon::new(geo::LineString::from(ring), vec![]);
    let bounds =
        geo::BoundingRect::bounding_rect(&polygon).ok_or_else(|| "the box is empty".to_string())?;
    Ok((polygon, bounds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{point, polygon};

    #[test]
    fn crs_names_parse_in_every_offered_spelling() {
        assert_eq!(OgcCrs::parse("crs", CRS84_URI).unwrap(), OgcCrs::Crs84);
        assert_eq!(OgcCrs::parse("crs", "[OGC:CRS84]").unwrap(), OgcCrs::Crs84);
        assert_eq!(
            OgcCrs::parse("crs", "http://www.opengis.net/def/crs/EPSG/0/31370").unwrap(),
            OgcCrs::Epsg(31370)
        );
        assert_eq!(
            OgcCrs::parse("crs", "EPSG:3812").unwrap(),
            OgcCrs::Epsg(3812)
        );
        for bad in [
            "EPSG:2154",
            "EPSG:abc",
            "",
            "http://www.opengis.net/def/crs/EPSG/0/",
        ] {
            match OgcCrs::parse("bbox-crs", bad) {
                Err(ApiError::BadRequest { parameter, .. }) => assert_eq!(parameter, "bbox-crs"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn epsg_4326_is_latitude_first() {
        let moved = geometry_in(&point!(x: 5.5, y: 50.96).into(), OgcCrs::Epsg(4326)).unwrap();
        assert_eq!(moved, Geometry::Point(point!(x: 50.96, y: 5.5)));
    }

    /// Oracle: a fresh GDAL transform, one point at a time, against the
    /// batched and cached one (the order of the coordinates must hold).
    #[test]
    fn a_polygon_with_a_hole_projects_coordinate_by_coordinate() {
        let shape: Geometry<f64> = polygon!(
            exterior: [(x: 5.49, y: 50.96), (x: 5.51, y: 50.96), (x: 5.51, y: 50.97), (x: 5.49, y: 50.96)],
            interiors: [[(x: 5.50, y: 50.962), (x: 5.505, y: 50.962), (x: 5.505, y: 50.965), (x: 5.50, y: 50.962)]],
        )
        .into();
        let projected = geometry_in(&shape, OgcCrs::Epsg(31370)).unwrap();
        let fresh = CoordTransform::new(&wgs84().unwrap(), &epsg(31370).unwrap()).unwrap();
        for (given, got) in shape.coords_iter().zip(projected.coords_iter()) {
            let (mut x, mut y, mut z) = ([given.x], [given.y], [0.0]);
            fresh.transform_coords(&mut x, &mut y, &mut z).unwrap();
            assert!((x[0] - got.x).abs() < 1e-6 && (y[0] - got.y).abs() < 1e-6);
            // Genk lies near x 230 km, y 185 km in Lambert 72
            assert!((225_000.0..240_000.0).contains(&got.x), "{got:?}");
            assert!((175_000.0..195_000.0).contains(&got.y), "{got:?}");
        }
    }

    #[test]
    fn a_lambert_box_comes_back_around_its_own_corners() {
        let lonlat_corner = point!(x: 5.5, y: 50.96);
        let projected = geometry_in(&lonlat_corner.into(), OgcCrs::Epsg(31370)).unwrap();
        let Geometry::Point(p) = projected else {
            panic!()
        };
        let (polygon, bounds) = box_to_lonlat(
            [p.x() - 100.0, p.y() - 100.0, p.x() + 100.0, p.y() + 100.0],
            OgcCrs::Epsg(31370),
        )
        .unwrap();
        assert!(geo::Contains::contains(&polygon, &lonlat_corner));
        assert!(bounds.width() < 0.01 && bounds.height() < 0.01);
        let (_, swapped) = box_to_lonlat([50.9, 5.4, 51.0, 5.6], OgcCrs::Epsg(4326)).unwrap();
        assert_eq!((swapped.min().x, swapped.min().y), (5.4, 50.9));
    }
}
