//! From an EPSG:4326 geometry to integer tile geometry: project to tile units,
//! clip to the buffered tile, simplify, round to the grid, drop what became
//! degenerate and wind rings the way MVT 2.1 wants.
//!
//! # Units and winding
//! Tile units run 0..extent (4096) across the tile, x right and y down.
//! MVT 2.1 § 4.3.4.4: an exterior ring has a positive area by the surveyor's
//! formula in tile units (it looks clockwise on screen, y down); a hole has a
//! negative area. Rings here are open (the closing point is implied).

use geo::{Coord, Geometry, Polygon};

use super::clip::{clip_line, clip_ring, ClipRect};
use super::coord::TileTransform;
use super::simplify::{simplify_line, simplify_ring};

/// A point on the tile grid, in tile units (x right, y down).
pub type TilePoint = [i32; 2];

/// Geometry ready to encode; never empty, every part valid.
#[derive(Debug, Clone, PartialEq)]
pub enum TileGeometry {
    Points(Vec<TilePoint>),
    /// Lines of at least two distinct points.
    Lines(Vec<Vec<TilePoint>>),
    /// Polygons, each an exterior ring (positive area) then its holes
    /// (negative area), every ring open with at least three points.
    Polygons(Vec<Vec<Vec<TilePoint>>>),
}

/// How to fit a geometry to one tile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeometryParams {
    pub extent_units: u32,
    pub buffer_units: u32,
    /// Douglas–Peucker tolerance; 0 keeps every vertex.
    pub tolerance_units: f64,
    /// Rings with a smaller area (after rounding) are dropped; at 0 only
    /// rings without area go.
    pub min_ring_area_units2: f64,
}

/// Twice the signed area of an open ring by the surveyor's formula (tile
/// units², positive when clockwise on screen).
pub fn doubled_signed_area(ring: &[TilePoint]) -> i64 {
    let n_points = ring.len();
    (0..n_points)
        .map(|index| {
            let [ax, ay] = ring[index];
            let [bx, by] = ring[(index + 1) % n_points];
            i64::from(ax) * i64::from(by) - i64::from(bx) * i64::from(ay)
        })
        .sum()
}

/// Round to the grid and drop repeated points (including a closing point
/// equal to the first when `is_ring`).
fn quantize(points: &[Coord<f64>], is_ring: bool) -> Vec<TilePoint> {
    let mut grid: Vec<TilePoint> = Vec::with_capacity(points.len());
    for point in points {
        let rounded = [point.x.round() as i32, point.y.round() as i32];
        if grid.last() != Some(&rounded) {
            grid.push(rounded);
        }
    }
    if is_ring {
        while grid.len() > 1 && grid.first() == grid.last() {
            grid.pop();
        }
    }
    grid
}

/// A clipped ring, simplified and rounded, wound to the sign wanted; `None`
/// when it is degenerate or smaller than the minimum area.
fn finish_ring(
    ring: &[Coord<f64>],
    exterior: bool,
    params: &GeometryParams,
) -> Option<Vec<TilePoint>> {
    if ring.len() < 3 {
        return None;
    }
    let mut grid = quantize(&simplify_ring(ring, params.tolerance_units), true);
    if grid.len() < 3 {
        return None;
    }
    let doubled_area = doubled_signed_area(&grid);
    let area_units2 = doubled_area.unsigned_abs() as f64 / 2.0;
    if doubled_area == 0 || area_units2 < params.min_ring_area_units2 {
        return None;
    }
    if (doubled_area > 0) != exterior {
        grid.reverse();
    }
    Some(grid)
}

fn project(points: &[Coord<f64>], transform: &TileTransform) -> Vec<Coord<f64>> {
    points
        .iter()
        .map(|point| transform.to_tile(*point))
        .collect()
}

fn polygon_rings(
    polygon: &Polygon<f64>,
    transform: &TileTransform,
    window: &ClipRect,
    params: &GeometryParams,
) -> Option<Vec<Vec<TilePoint>>> {
    let exterior = clip_ring(project(&polygon.exterior().0, transform), window);
    if exterior.is_empty() {
        return None;
    }
    let mut rings = vec![finish_ring(&exterior, true, params)?];
    for hole in polygon.interiors() {
        let clipped = clip_ring(project(&hole.0, transform), window);
        if let Some(ring) = finish_ring(&clipped, false, params) {
            rings.push(ring);
        }
    }
    Some(rings)
}

/// Fit an EPSG:4326 geometry to the tile that `transform` maps to; `None`
/// when nothing of it is left there.
pub fn to_tile_geometry(
    geometry: &Geometry<f64>,
    transform: &TileTransform,
    params: &GeometryParams,
) -> Option<TileGeometry> {
    let window = ClipRect::buffered_tile(params.extent_units, params.buffer_units);
    match geometry {
        Geometry::Point(point) => {
            let projected = transform.to_tile(point.0);
            window
                .contains(projected)
                .then(|| TileGeometry::Points(quantize(&[projected], false)))
        }
        Geometry::MultiPoint(points) => {
            let inside: Vec<TilePoint> = points
                .iter()
                .map(|point| transform.to_tile(point.0))
                .filter(|projected| window.contains(*projected))
                .map(|projected| [projected.x.round() as i32, projected.y.round() as i32])
                .collect();
            (!inside.is_empty()).then_some(TileGeometry::Points(inside))
        }
        Geometry::LineString(line) => lines(std::slice::from_ref(line), transform, &window, params),
        Geometry::MultiLineString(multi) => lines(&multi.0, transform, &window, params),
        Geometry::Polygon(polygon) => {
            polygons(std::slice::from_ref(polygon), transform, &window, params)
        }
        Geometry::MultiPolygon(multi) => polygons(&multi.0, transform, &window, params),
        // The layers use none of these; a Rect or Triangle is a polygon.
        Geometry::Rect(rect) => polygons(&[rect.to_polygon()], transform, &window, params),
        Geometry::Triangle(triangle) => {
            polygons(&[triangle.to_polygon()], transform, &window, params)
        }
        Geometry::Line(line) => lines(&[(*line).into()], transform, &window, params),
        Geometry::GeometryCollection(_) => None,
    }
}

fn lines(
    lines: &[geo::LineString<f64>],
    transform: &TileTransform,
    window: &ClipRect,
    params: &GeometryParams,
) -> Option<TileGeometry> {
    let pieces: Vec<Vec<TilePoint>> = lines
        .iter()
        .flat_map(|line| clip_line(&project(&line.0, transform), window))
        .map(|piece| quantize(&simplify_line(&piece, params.tolerance_units), false))
        .filter(|piece| piece.len() >= 2)
        .collect();
    (!pieces.is_empty()).then_some(TileGeometry::Lines(pieces))
}

fn polygons(
    polygons: &[Polygon<f64>],
    transform: &TileTransform,
    window: &ClipRect,
    params: &GeometryParams,
) -> Option<TileGeometry> {
    let kept: Vec<Vec<Vec<TilePoint>>> = polygons
        .iter()
        .filter_map(|polygon| polygon_rings(polygon, transform, window, params))
        .collect();
    (!kept.is_empty()).then_some(TileGeometry::Polygons(kept))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiles::coord::TileCoord;
    use geo::{coord, line_string, point, polygon};

    const PARAMS: GeometryParams = GeometryParams {
        extent_units: 4096,
        buffer_units: 64,
        tolerance_units: 0.0,
        min_ring_area_units2: 0.0,
    };

    /// The z14 tile over Genk and a way to place points in it by tile units.
    fn genk() -> (TileTransform, impl Fn(f64, f64) -> Coord<f64>) {
        let transform = TileTransform::new(TileCoord::new_checked(14, 8442, 5487).unwrap(), 4096);
        (transform, move |x, y| {
            transform.to_lonlat(coord! { x: x, y: y })
        })
    }

    #[test]
    fn exteriors_wind_clockwise_on_screen_and_holes_the_other_way() {
        let (transform, at) = genk();
        // Counter-clockwise on the ground (GeoJSON's right-hand rule) is
        // counter-clockwise on screen too, so both rings must be reversed.
        let ground = polygon!(
            exterior: [at(100.0, 100.0), at(100.0, 900.0), at(900.0, 900.0), at(900.0, 100.0)],
            interiors: [[at(300.0, 300.0), at(600.0, 300.0), at(600.0, 600.0), at(300.0, 600.0)]],
        );
        for geometry in [ground.clone(), {
            let mut reversed = ground.clone();
            reversed.exterior_mut(|ring| ring.0.reverse());
            reversed.interiors_mut(|holes| holes[0].0.reverse());
            reversed
        }] {
            let Some(TileGeometry::Polygons(polygons)) =
                to_tile_geometry(&geometry.into(), &transform, &PARAMS)
            else {
                panic!("expected a polygon");
            };
            assert_eq!(polygons.len(), 1);
            assert_eq!(polygons[0].len(), 2);
            assert!(doubled_signed_area(&polygons[0][0]) > 0);
            assert!(doubled_signed_area(&polygons[0][1]) < 0);
            assert_eq!(doubled_signed_area(&polygons[0][0]), 2 * 800 * 800);
            assert_eq!(doubled_signed_area(&polygons[0][1]), -2 * 300 * 300);
        }
    }

    #[test]
    fn a_polygon_with_a_hole_across_the_border_is_clipped_to_the_buffer() {
        let (transform, at) = genk();
        let geometry = polygon!(
            exterior: [at(3000.0, 1000.0), at(5000.0, 1000.0), at(5000.0, 2000.0), at(3000.0, 2000.0)],
            interiors: [[at(4000.0, 1200.0), at(4500.0, 1200.0), at(4500.0, 1800.0), at(4000.0, 1800.0)]],
        );
        let Some(TileGeometry::Polygons(polygons)) =
            to_tile_geometry(&geometry.into(), &transform, &PARAMS)
        else {
            panic!("expected a polygon");
        };
        let [exterior, hole] = &polygons[0][..] else {
            panic!("{polygons:?}")
        };
        assert_eq!(exterior.iter().map(|p| p[0]).max(), Some(4160));
        assert_eq!(doubled_signed_area(exterior), 2 * 1160 * 1000);
        assert_eq!(doubled_signed_area(hole), -2 * 160 * 600);
    }

    #[test]
    fn degenerate_parts_are_dropped() {
        let (transform, at) = genk();
        let sliver: Geometry<f64> = polygon![at(10.0, 10.0), at(10.2, 10.0), at(10.2, 10.3)].into();
        assert_eq!(to_tile_geometry(&sliver, &transform, &PARAMS), None);
        let dot: Geometry<f64> = line_string![at(10.0, 10.0), at(10.2, 10.1)].into();
        assert_eq!(to_tile_geometry(&dot, &transform, &PARAMS), None);
        let outside: Geometry<f64> = point!(at(5000.0, 10.0)).into();
        assert_eq!(to_tile_geometry(&outside, &transform, &PARAMS), None);
        let in_buffer: Geometry<f64> = point!(at(-63.6, 10.0)).into();
        assert_eq!(
            to_tile_geometry(&in_buffer, &transform, &PARAMS),
            Some(TileGeometry::Points(vec![[-64, 10]]))
        );
    }

    #[test]
    fn a_line_crossing_two_borders_is_cut_at_the_buffer() {
        let (transform, at) = genk();
        let street: Geometry<f64> =
            line_string![at(-500.0, 100.0), at(2000.0, 100.0), at(2000.0, 5000.0)].into();
        assert_eq!(
            to_tile_geometry(&street, &transform, &PARAMS),
            Some(TileGeometry::Lines(vec![vec![
                [-64, 100],
                [2000, 100],
                [2000, 4160]
            ]]))
        );
    }

    #[test]
    fn the_minimum_area_drops_small_rings() {
        let (transform, at) = genk();
        let small: Geometry<f64> =
            polygon![at(0.0, 0.0), at(5.0, 0.0), at(5.0, 5.0), at(0.0, 5.0)].into();
        assert!(to_tile_geometry(&small, &transform, &PARAMS).is_some());
        let coarse = GeometryParams {
            min_ring_area_units2: 64.0,
            ..PARAMS
        };
        assert_eq!(to_tile_geometry(&small, &transform, &coarse), None);
    }
}
