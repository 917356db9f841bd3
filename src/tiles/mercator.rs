//! Web Mercator (EPSG:3857) maths between EPSG:4326 degrees and tile space.
//!
//! "World" coordinates are the unit square of the whole map: x from 0 at
//! longitude −180° to 1 at +180°, y from 0 at the north edge (latitude
//! +85.0511°) to 1 at the south edge, so y grows downwards as in tiles.
//! The bottom of `tiles`: it uses no other module here.

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
}
