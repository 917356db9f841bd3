//! The `vacancy_h3` tile layer: the H3 hexagons of the vacancy rate on one
//! date and resolution ([`crate::engine::vacancy::h3`]) as MVT polygons.
//!
//! Not a layer of the store: its features are computed, so it has no
//! [`LayerId`](crate::model::LayerId) and no zoom policy; every zoom shows
//! every cell that meets the buffered tile (at low zooms a cell smaller than
//! a tile unit rounds away). Each feature's MVT id is the 64-bit H3 index;
//! its properties are those of `GET /api/vacancy/h3`: `h3` (the index as
//! hex text), `units`, `occupied`, `vacant`, `renovation`, `too_small`, and
//! `rate_count` and `rate_area` as fractions, left out when the cell is too
//! small or has no stock (MVT has no null).

use geo::{BoundingRect, Geometry, Intersects, Polygon, Rect};

use super::coord::TileCoord;
use super::coord::TileTransform;
use super::encode::{LayerEncoder, PropertyValue};
use super::generate::TileParams;
use super::geometry::{to_tile_geometry, GeometryParams};
use crate::engine::vacancy::h3::{cell_polygon, CellFigures};

/// The MVT layer name.
pub const LAYER_NAME: &str = "vacancy_h3";

/// The cells of one date and resolution with their outlines and bounding
/// boxes (x = longitude, y = latitude), made once for every tile.
#[derive(Debug, Clone)]
pub struct HexTileSet {
    cells: Vec<(CellFigures, Polygon<f64>, Rect<f64>)>,
}

impl HexTileSet {
    pub fn new(cells: Vec<CellFigures>) -> Self {
        let cells = cells
            .into_iter()
            .filter_map(|figures| {
                let outline = cell_polygon(figures.cell);
                let bbox = outline.bounding_rect()?;
                Some((figures, outline, bbox))
            })
            .collect();
        HexTileSet { cells }
    }

    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

/// The MVT properties of a cell.
pub fn cell_properties(figures: &CellFigures) -> Vec<(&'static str, PropertyValue<'static>)> {
    let count = |n: usize| PropertyValue::Int(n as i64);
    let mut properties = vec![
        ("h3", PropertyValue::String(figures.cell.to_string().into())),
        ("units", count(figures.n_units)),
        ("occupied", count(figures.n_occupied)),
        ("vacant", count(figures.n_vacant)),
        ("renovation", count(figures.n_renovation)),
        ("too_small", PropertyValue::Bool(figures.too_small)),
    ];
    if let Some(rate) = figures.rate_count() {
        properties.push(("rate_count", PropertyValue::Double(rate)));
    }
    if let Some(rate) = figures.rate_area() {
        properties.push(("rate_area", PropertyValue::Double(rate)));
    }
    properties
}

/// The tile of the cells that meet it, or `None` when none does.
pub fn render_hex_tile(set: &HexTileSet, tile: TileCoord, params: &TileParams) -> Option<Vec<u8>> {
    let bounds = params.query_bounds(tile);
    let transform = TileTransform::new(tile, params.extent_units);
    let geometry_params = GeometryParams {
        extent_units: params.extent_units,
        buffer_units: params.buffer_units,
        // a hexagon has six vertices: nothing to simplify
        tolerance_units: 0.0,
        min_ring_area_units2: 0.0,
    };
    let mut encoder = LayerEncoder::new(LAYER_NAME, params.extent_units);
    for (figures, outline, bbox) in &set.cells {
        if !bbox.intersects(&bounds) {
            continue;
        }
        let Some(geometry) = to_tile_geometry(
            &Geometry::Polygon(outline.clone()),
            &transform,
            &geometry_params,
        ) else {
            continue;
        };
        encoder.add_feature(
            Some(u64::from(figures.cell)),
            &geometry,
            cell_properties(figures),
        );
    }
    if encoder.n_features() == 0 {
        return None;
    }
    Some(encoder.finish_tile())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::vacancy::h3::{cell_of, CellFigures};
    use crate::tiles::decode::decode_tile;
    use crate::tiles::geometry::TileGeometry;
    use geo::point;

    fn figures(lon: f64, lat: f64, n_units: usize, n_vacant: usize) -> CellFigures {
        let cell = cell_of(point!(x: lon, y: lat), h3o::Resolution::Nine).unwrap();
        CellFigures {
            n_units,
            n_occupied: n_units - n_vacant,
            n_vacant,
            occupied_area_m2: (n_units - n_vacant) as f64 * 100.0,
            vacant_area_m2: n_vacant as f64 * 100.0,
            too_small: n_units < 5,
            ..CellFigures::empty(cell, 5)
        }
    }

    /// The z/x/y tile holding a point.
    fn tile_at(lon: f64, lat: f64, z: u8) -> TileCoord {
        let (x, y) = crate::tiles::mercator::lonlat_to_world(lon, lat);
        let n = f64::from(crate::tiles::coord::n_tiles(z));
        TileCoord::new_checked(u32::from(z), (x * n) as u32, (y * n) as u32).unwrap()
    }

    #[test]
    fn cells_decode_with_their_figures_and_h3_ids() {
        let shown = figures(5.5, 50.965, 8, 2);
        let small = figures(5.51, 50.965, 3, 1);
        let set = HexTileSet::new(vec![shown.clone(), small.clone()]);
        let tile = tile_at(5.505, 50.965, 14);
        let bytes = render_hex_tile(&set, tile, &TileParams::default()).unwrap();
        let decoded = decode_tile(&bytes).unwrap();
        let layer = decoded.layer(LAYER_NAME).unwrap();
        assert_eq!(layer.features.len(), 2);
        let by_h3 = |figures: &CellFigures| {
            layer
                .features
                .iter()
                .find(|f| f.text("h3") == Some(figures.cell.to_string().as_str()))
                .unwrap()
        };
        let feature = by_h3(&shown);
        assert_eq!(feature.id, Some(u64::from(shown.cell)));
        assert_eq!(feature.int("units"), Some(8));
        assert_eq!(feature.int("vacant"), Some(2));
        assert_eq!(feature.int("occupied"), Some(6));
        assert_eq!(
            feature.properties["rate_count"],
            PropertyValue::Double(0.25)
        );
        assert_eq!(feature.properties["too_small"], PropertyValue::Bool(false));
        let TileGeometry::Polygons(polygons) = &feature.geometry else {
            panic!("a hexagon is a polygon");
        };
        assert_eq!(polygons.len(), 1);
        assert_eq!(polygons[0][0].len(), 6, "six corners");
        let feature = by_h3(&small);
        assert_eq!(feature.properties["too_small"], PropertyValue::Bool(true));
        assert!(!feature.properties.contains_key("rate_count"));
        assert!(!feature.properties.contains_key("rate_area"));
    }

    #[test]
    fn a_tile_away_from_every_cell_is_empty() {
        let set = HexTileSet::new(vec![figures(5.5, 50.965, 8, 2)]);
        let far = tile_at(4.35, 50.85, 14);
        assert!(render_hex_tile(&set, far, &TileParams::default()).is_none());
        assert!(render_hex_tile(&HexTileSet::new(vec![]), far, &TileParams::default()).is_none());
    }
}
