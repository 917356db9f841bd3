//! Web Mercator (EPSG:3857) maths between EPSG:4326 degrees and tile space.
//!
//! "World" coordinates are the unit square of the whole map: x from 0 at
//! longitude −180° to 1 at +180°, y from 0 at the north edge (latitude
//! +85.0511°) to 1 at the south edge, so y grows downwards as in tiles.
//! [`TileTransform`] maps longitude/latitude into one tile's integer grid
//! (0..extent on both axes, y down) and back.

use geo::{coord, Coord};

use super::coord::{n_tiles, TileCoord};

/// The latitude where Web Mercator's square world ends, in degrees.
pub const MAX_LATITUDE_DEG: f64 = 85.051_128_779_806_59;

/// Longitude/latitude in degrees to world coordinates (latitude clamped to
/// the Mercator square).
pub fn lonlat_to_world(lon_deg: f64, lat_deg: f64) -> (f64, f64) {
    let sin_lat = lat_deg
        .clamp(-MAX_LATITUDE_DEG, MAX_LATITUDE_DEG)
        .to_radians()
        .sin();
    let x = (lon_deg + 180.0) / 360.0;
    // ln(tan(π/4 + φ/2)) = ½ ln((1 + sin φ) / (1 − sin φ)): one sine and one
    // logarithm per point.
    let y = 0.5 - ((1.0 + sin_lat) / (1.0 - sin_lat)).ln() / (4.0 * std::f64::consts::PI);
    (x, y)
}

/// World coordinates back to longitude/latitude in degrees.
pub fn world_to_lonlat(x: f64, y: f64) -> (f64, f64) {
    let lon_deg = x * 360.0 - 180.0;
    let lat_deg = (std::f64::consts::PI * (1.0 - 2.0 * y))
        .sinh()
        .atan()
        .to_degrees();
    (lon_deg, lat_deg)
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
    fn world_round_trip() {
        for (lon, lat) in [(5.5, 50.96), (-180.0, 0.0), (179.9, -60.0), (0.0, 85.0)] {
            let (x, y) = lonlat_to_world(lon, lat);
            let (back_lon, back_lat) = world_to_lonlat(x, y);
            assert!((back_lon - lon).abs() < 1e-9 && (back_lat - lat).abs() < 1e-9);
        }
        assert_eq!(lonlat_to_world(0.0, 0.0), (0.5, 0.5));
    }

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
}
