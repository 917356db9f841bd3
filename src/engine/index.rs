//! One layer in memory: its features, a bulk-loaded R-tree and an id lookup.
//!
//! # Units and axes
//! Features are EPSG:4326 (x = longitude, y = latitude). The R-tree holds each
//! feature's envelope in a *scaled* plane, x' = longitude × cos(reference
//! latitude), y' = latitude, where one unit is the same ground distance on both
//! axes (a local equirectangular projection). Bounding-box queries are exact
//! (the scaling preserves intersection); nearest-feature distances are planar
//! in that projection, converted to metres, which is within 0.3% of the
//! geodesic distance for distances up to tens of kilometres around the
//! reference latitude.

use std::collections::HashMap;
use std::sync::OnceLock;

use geo::{BoundingRect, Intersects, Point, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use super::columns::Column;
use super::plane::{LocalPlane, METRES_PER_DEGREE};
use super::search::Key;
use crate::model::provenance::{self, DataSource};
use crate::model::{Feature, LayerId};

/// An R-tree entry: the scaled envelope, and the feature's position with its
/// bounding box in longitude/latitude.
type Entry = GeomWithData<Rectangle<[f64; 2]>, (usize, Rect<f64>)>;

/// A layer's features with an R-tree over their envelopes.
#[derive(Debug)]
pub struct LayerIndex {
    features: Vec<Feature>,
    position_by_id: HashMap<String, usize>,
    tree: RTree<Entry>,
    plane: LocalPlane,
    extent: Option<Rect<f64>>,
    /// The sources some feature's id marks (`model::provenance`).
    marked_sources: Vec<DataSource>,
    /// Each field's column, built when a scan first reads it.
    columns: Vec<OnceLock<Column>>,
    /// The search keys of a text column's words, built when a search first reads them.
    name_keys: Vec<OnceLock<Vec<Key>>>,
}

impl LayerIndex {
    /// Index these features (kept in the given order) with one bulk load.
    pub fn build(features: Vec<Feature>, plane: LocalPlane) -> Self {
        let mut extent: Option<Rect<f64>> = None;
        let mut entries = Vec::with_capacity(features.len());
        for (position, feature) in features.iter().enumerate() {
            let Some(bbox) = feature.geometry.bounding_rect() else {
                continue;
            };
            extent = Some(match extent {
                None => bbox,
                Some(current) => Rect::new(
                    geo::coord! { x: current.min().x.min(bbox.min().x), y: current.min().y.min(bbox.min().y) },
                    geo::coord! { x: current.max().x.max(bbox.max().x), y: current.max().y.max(bbox.max().y) },
                ),
            });
            let rectangle = Rectangle::from_corners(
                plane.point(bbox.min().x, bbox.min().y),
                plane.point(bbox.max().x, bbox.max().y),
            );
            entries.push(GeomWithData::new(rectangle, (position, bbox)));
        }
        let position_by_id = features
            .iter()
            .enumerate()
            .map(|(position, feature)| (feature.id.clone(), position))
            .collect();
        let marked_sources = provenance::marked_by_ids(&features);
        let width = features
            .iter()
            .map(|feature| feature.values.len())
            .max()
            .unwrap_or(0);
        LayerIndex {
            columns: (0..width).map(|_| OnceLock::new()).collect(),
            name_keys: (0..width).map(|_| OnceLock::new()).collect(),
            features,
            position_by_id,
            tree: RTree::bulk_load(entries),
            plane,
            extent,
            marked_sources,
        }
    }

    /// The sources this index, as layer `layer`, is credited to.
    pub fn sources(&self, layer: LayerId) -> Vec<DataSource> {
        provenance::layer_sources(layer, self.features.len(), &self.marked_sources)
    }

    pub fn features(&self) -> &[Feature] {
        &self.features
    }

    /// The values of the field at `position`, column by column (`None` if
    /// no feature has that field).
    pub fn column(&self, position: usize) -> Option<&Column> {
        let column = self.columns.get(position)?;
        Some(column.get_or_init(|| Column::build(&self.features, position)))
    }

    /// The search keys of the distinct words of the text field at `position`,
    /// in the column's word order (`None` if it is not a text column).
    pub fn name_keys(&self, position: usize) -> Option<&[Key]> {
        let Some(Column::Text { words, .. }) = self.column(position) else {
            return None;
        };
        let keys = self.name_keys.get(position)?;
        Some(keys.get_or_init(|| words.iter().map(|word| Key::of(word)).collect()))
    }

    pub fn len(&self) -> usize {
        self.features.len()
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// The bounding box of every feature, `None` when the layer is empty.
    pub fn extent(&self) -> Option<Rect<f64>> {
        self.extent
    }

    pub fn get(&self, id: &str) -> Option<&Feature> {
        self.position_by_id
            .get(id)
            .map(|position| &self.features[*position])
    }

    /// Positions of the features whose geometry meets `bbox` (boundary
    /// included), in layer order.
    pub fn query_bbox(&self, bbox: Rect<f64>) -> Vec<usize> {
        let envelope = AABB::from_corners(
            self.plane.point(bbox.min().x, bbox.min().y),
            self.plane.point(bbox.max().x, bbox.max().y),
        );
        let mut positions: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(&envelope)
            .filter(|entry| {
                let (position, feature_bbox) = entry.data;
                // a feature whose bounding box lies inside the query meets it
                contains(&bbox, &feature_bbox) || self.features[position].geometry.intersects(&bbox)
            })
            .map(|entry| entry.data.0)
            .collect();
        positions.sort_unstable();
        positions
    }

    /// The feature nearest to `point` and its distance in metres; ties go to
    /// the earlier feature in layer order.
    pub fn nearest(&self, point: Point<f64>) -> Option<(usize, f64)> {
        let query = self.plane.point(point.x(), point.y());
        let mut best: Option<(usize, f64)> = None;
        // Envelopes come in increasing envelope distance, a lower bound of the
        // distance to the geometry inside: stop once it exceeds the best.
        for (entry, envelope_distance_2) in self.tree.nearest_neighbor_iter_with_distance_2(&query)
        {
            let lower_bound_m = envelope_distance_2.sqrt() * METRES_PER_DEGREE;
            if let Some((_, best_m)) = best {
                if lower_bound_m > best_m {
                    break;
                }
            }
            let position = entry.data.0;
            let distance_m = self
                .plane
                .distance_to_geometry_m(point, &self.features[position].geometry);
            let better = match best {
                None => true,
                Some((best_position, best_m)) => {
                    distance_m < best_m || (distance_m == best_m && position < best_position)
                }
            };
            if better {
                best = Some((position, distance_m));
            }
        }
        best
    }
}

/// Whether `inner` lies wholly inside `outer` (boundaries included).
fn contains(outer: &Rect<f64>, inner: &Rect<f64>) -> bool {
    outer.min().x <= inner.min().x
        && outer.min().y <= inner.min().y
        && inner.max().x <= outer.max().x
        && inner.max().y <= outer.max().y
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Value;
    use geo::{coord, line_string, point, polygon, Geometry};
    use rand::{Rng, SeedableRng};

    fn genk() -> LocalPlane {
        LocalPlane::at_latitude(50.96)
    }
    use rand_chacha::ChaCha8Rng;

    /// Seeded random points, small squares and short lines around Genk.
    fn random_features(seed: u64, count: usize) -> Vec<Feature> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..count)
            .map(|index| {
                let lon = rng.random_range(5.40..5.60);
                let lat = rng.random_range(50.90..51.03);
                let size = rng.random_range(0.0001..0.004);
                let geometry: Geometry<f64> = match index % 3 {
                    0 => point!(x: lon, y: lat).into(),
                    1 => polygon![(x: lon, y: lat), (x: lon + size, y: lat), (x: lon + size, y: lat + size), (x: lon, y: lat)].into(),
                    _ => line_string![(x: lon, y: lat), (x: lon + size, y: lat - size)].into(),
                };
                Feature { id: format!("f{index:05}"), geometry, values: vec![Value::Null] }
            })
            .collect()
    }

    fn random_bbox(rng: &mut ChaCha8Rng) -> Rect<f64> {
        let lon = rng.random_range(5.38..5.62);
        let lat = rng.random_range(50.88..51.05);
        let width = rng.random_range(0.0..0.05);
        let height = rng.random_range(0.0..0.03);
        Rect::new(
            coord! { x: lon, y: lat },
            coord! { x: lon + width, y: lat + height },
        )
    }

    #[test]
    fn bbox_query_equals_a_linear_scan() {
        let features = random_features(7, 3_000);
        let index = LayerIndex::build(features.clone(), genk());
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        for _ in 0..300 {
            let bbox = random_bbox(&mut rng);
            let brute_force: Vec<usize> = features
                .iter()
                .enumerate()
                .filter(|(_, feature)| feature.geometry.intersects(&bbox))
                .map(|(position, _)| position)
                .collect();
            assert_eq!(index.query_bbox(bbox), brute_force, "{bbox:?}");
        }
    }

    #[test]
    fn nearest_equals_a_linear_scan() {
        let features = random_features(11, 2_000);
        let index = LayerIndex::build(features.clone(), genk());
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        for _ in 0..300 {
            let query = point!(x: rng.random_range(5.35..5.65), y: rng.random_range(50.85..51.08));
            let brute_force = features
                .iter()
                .enumerate()
                .map(|(position, feature)| {
                    (
                        position,
                        genk().distance_to_geometry_m(query, &feature.geometry),
                    )
                })
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
                .unwrap();
            assert_eq!(index.nearest(query), Some(brute_force), "{query:?}");
        }
    }

    #[test]
    fn the_local_plane_agrees_with_geodesic_distance() {
        let plane = LocalPlane::at_latitude(50.96);
        let a = point!(x: 5.45, y: 50.93);
        let b = point!(x: 5.55, y: 51.00);
        let geodesic = crate::engine::measure::distance_m(a, b);
        let planar = plane.distance_m(a, b);
        assert!(
            (planar - geodesic).abs() / geodesic < 0.003,
            "{planar} vs {geodesic}"
        );
    }

    #[test]
    fn an_empty_layer_answers_nothing() {
        let index = LayerIndex::build(vec![], genk());
        assert!(index.nearest(point!(x: 5.5, y: 50.9)).is_none());
        assert!(index
            .query_bbox(Rect::new(
                coord! {x: 5.0, y: 50.0},
                coord! {x: 6.0, y: 51.0}
            ))
            .is_empty());
        assert!(index.extent().is_none());
    }

    #[test]
    fn lookup_by_id_finds_the_feature() {
        let index = LayerIndex::build(random_features(3, 10), genk());
        assert_eq!(index.get("f00004").unwrap().id, "f00004");
        assert!(index.get("f99999").is_none());
    }
}
