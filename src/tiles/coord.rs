//! Tile coordinates: `TileCoord` is a checked (z, x, y) in the XYZ scheme
//! (x east from the antimeridian, y south from the north edge of Web Mercator).
//!
//! The HTTP edge parses into a `TileCoord` with [`TileCoord::new_checked`];
//! below it nothing takes a raw `(z, x, y)`. Bounds are in EPSG:4326 degrees
//! (x = longitude, y = latitude), computed with the Web Mercator maths of
//! [`super::mercator`]. [`TileTransform`] maps longitude/latitude into one
//! tile's grid (0..extent on both axes, y down) and back.

use geo::{coord, Coord, Rect};

use super::mercator::{lonlat_to_world, world_to_lonlat};

/// The deepest zoom the atlas serves (one tile is about 6 m across in Genk).
pub const MAX_ZOOM: u8 = 22;

/// A tile address that is known to exist: z ≤ [`MAX_ZOOM`], x and y < 2^z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileCoord {
    z: u8,
    x: u32,
    y: u32,
}

/// What is wrong with a tile address; each variant names the part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileCoordError {
    #[error("zoom {z} is above the maximum zoom {max}", max = MAX_ZOOM)]
    ZoomTooHigh { z: u32 },
    #[error("x {x} is outside 0..{n_tiles} at zoom {z}")]
    XOutOfRange { z: u8, x: u32, n_tiles: u32 },
    #[error("y {y} is outside 0..{n_tiles} at zoom {z}")]
    YOutOfRange { z: u8, y: u32, n_tiles: u32 },
}

impl TileCoordError {
    /// The part of the address that is wrong: `z`, `x` or `y`.
    pub fn part(&self) -> &'static str {
        match self {
            TileCoordError::ZoomTooHigh { .. } => "z",
            TileCoordError::XOutOfRange { .. } => "x",
            TileCoordError::YOutOfRange { .. } => "y",
        }
    }
}

impl TileCoord {
    /// The tile at zoom `z`, column `x`, row `y`, if it exists.
    pub fn new_checked(z: u32, x: u32, y: u32) -> Result<Self, TileCoordError> {
        if z > u32::from(MAX_ZOOM) {
            return Err(TileCoordError::ZoomTooHigh { z });
        }
        let z = z as u8;
        let n_tiles = n_tiles(z);
        if x >= n_tiles {
            return Err(TileCoordError::XOutOfRange { z, x, n_tiles });
        }
        if y >= n_tiles {
            return Err(TileCoordError::YOutOfRange { z, y, n_tiles });
        }
        Ok(TileCoord { z, x, y })
    }

    pub fn z(self) -> u8 {
        self.z
    }

    pub fn x(self) -> u32 {
        self.x
    }

    pub fn y(self) -> u32 {
        self.y
    }

    /// The tile's bounds in EPSG:4326 degrees.
    pub fn bounds_lonlat(self) -> Rect<f64> {
        self.buffered_bounds_lonlat(0.0)
    }

    /// The bounds grown by `buffer_fraction` of a tile on every side (a
    /// buffer of 64 units at extent 4096 is 1/64), clamped to the world.
    pub fn buffered_bounds_lonlat(self, buffer_fraction: f64) -> Rect<f64> {
        let n_tiles = f64::from(n_tiles(self.z));
        let world = |tile: f64| (tile / n_tiles).clamp(0.0, 1.0);
        let (west, north) = world_to_lonlat(
            world(f64::from(self.x) - buffer_fraction),
            world(f64::from(self.y) - buffer_fraction),
        );
        let (east, south) = world_to_lonlat(
            world(f64::from(self.x) + 1.0 + buffer_fraction),
            world(f64::from(self.y) + 1.0 + buffer_fraction),
        );
        Rect::new(coord! { x: west, y: south }, coord! { x: east, y: north })
    }
}

impl std::fmt::Display for TileCoord {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// The number of tiles along each side of the world at zoom `z` (2^z).
pub fn n_tiles(z: u8) -> u32 {
    1u32 << z
}

/// The affine map from world coordinates to one tile's grid: (0, 0) is the
/// tile's north-west corner, (extent, extent) its south-east corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TileTransform {
    origin_world_x: f64,
    origin_world_y: f64,
    /// Tile units per world unit (extent × 2^z).
    units_per_world: f64,
}

impl TileTransform {
    pub fn new(tile: TileCoord, extent_units: u32) -> Self {
        let n_tiles = f64::from(n_tiles(tile.z()));
        TileTransform {
            origin_world_x: f64::from(tile.x()) / n_tiles,
            origin_world_y: f64::from(tile.y()) / n_tiles,
            units_per_world: f64::from(extent_units) * n_tiles,
        }
    }

    /// A longitude/latitude (x = longitude) in tile units, not rounded.
    pub fn to_tile(&self, lonlat: Coord<f64>) -> Coord<f64> {
        let (x, y) = lonlat_to_world(lonlat.x, lonlat.y);
        coord! {
            x: (x - self.origin_world_x) * self.units_per_world,
            y: (y - self.origin_world_y) * self.units_per_world,
        }
    }

    /// Tile units back to a longitude/latitude (x = longitude).
    pub fn to_lonlat(&self, tile_units: Coord<f64>) -> Coord<f64> {
        let (lon, lat) = world_to_lonlat(
            self.origin_world_x + tile_units.x / self.units_per_world,
            self.origin_world_y + tile_units.y / self.units_per_world,
        );
        coord! { x: lon, y: lat }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tile_maps_its_corners_to_zero_and_the_extent() {
        let tile = TileCoord::new_checked(14, 8442, 5487).unwrap();
        let transform = TileTransform::new(tile, 4096);
        let bounds = tile.bounds_lonlat();
        let north_west = transform.to_tile(coord! { x: bounds.min().x, y: bounds.max().y });
        let south_east = transform.to_tile(coord! { x: bounds.max().x, y: bounds.min().y });
        assert!(
            north_west.x.abs() < 1e-6 && north_west.y.abs() < 1e-6,
            "{north_west:?}"
        );
        assert!((south_east.x - 4096.0).abs() < 1e-6 && (south_east.y - 4096.0).abs() < 1e-6);
        let middle = coord! { x: 2048.0, y: 2048.0 };
        let back = transform.to_tile(transform.to_lonlat(middle));
        assert!((back.x - 2048.0).abs() < 1e-6 && (back.y - 2048.0).abs() < 1e-6);
    }

    #[test]
    fn the_corners_of_the_pyramid_exist() {
        for (z, x, y) in [(0, 0, 0), (1, 1, 1), (14, 8442, 5487), (22, 4_194_303, 0)] {
            let tile = TileCoord::new_checked(z, x, y).unwrap();
            assert_eq!((u32::from(tile.z()), tile.x(), tile.y()), (z, x, y));
        }
    }

    #[test]
    fn each_defect_names_its_part() {
        let check = |z, x, y, part: &str| {
            let error = TileCoord::new_checked(z, x, y).unwrap_err();
            assert_eq!(error.part(), part, "{z}/{x}/{y}: {error}");
        };
        check(23, 0, 0, "z");
        check(u32::MAX, 0, 0, "z");
        check(0, 1, 0, "x");
        check(0, 0, 1, "y");
        check(14, 16_384, 0, "x");
        check(22, 0, 4_194_304, "y");
        assert_eq!(
            TileCoord::new_checked(3, 8, 0).unwrap_err().to_string(),
            "x 8 is outside 0..8 at zoom 3"
        );
    }

    #[test]
    fn bounds_of_known_tiles() {
        let world = TileCoord::new_checked(0, 0, 0).unwrap().bounds_lonlat();
        assert!((world.min().x + 180.0).abs() < 1e-9 && (world.max().x - 180.0).abs() < 1e-9);
        assert!((world.max().y - 85.051_128_779_806_59).abs() < 1e-9);
        // The z14 tile over Genk's centre (5.5°E, 50.965°N).
        let genk = TileCoord::new_checked(14, 8442, 5487)
            .unwrap()
            .bounds_lonlat();
        assert!(genk.min().x < 5.5 && genk.max().x > 5.5, "{genk:?}");
        assert!(genk.min().y < 50.965 && genk.max().y > 50.965, "{genk:?}");
        let width_deg = genk.max().x - genk.min().x;
        assert!((width_deg - 360.0 / 16_384.0).abs() < 1e-12);
    }

    #[test]
    fn a_buffer_grows_the_bounds() {
        let tile = TileCoord::new_checked(14, 8442, 5487).unwrap();
        let plain = tile.bounds_lonlat();
        let buffered = tile.buffered_bounds_lonlat(1.0 / 64.0);
        assert!(buffered.min().x < plain.min().x && buffered.max().x > plain.max().x);
        assert!(buffered.min().y < plain.min().y && buffered.max().y > plain.max().y);
        let grown_deg = plain.min().x - buffered.min().x;
        assert!((grown_deg - 360.0 / 16_384.0 / 64.0).abs() < 1e-12);
    }
}
