//! Making one layer's tile: query the engine for the buffered tile, apply the
//! layer's zoom rules, fit each geometry to the tile (or cluster the points)
//! and encode. Pure: an index and a tile in, bytes out.
//!
//! Every feature carries its string id in the property `id` and a stable
//! 64-bit hash of it as the MVT feature id, plus its public fields (never a
//! confidential one), typed: text and dates (ISO 8601) as strings, integers,
//! doubles, booleans; null values are left out. Clusters carry
//! `cluster = true`, `point_count` and the layer's summed fields, and an id
//! hashed from their zoom and global cell.

use std::borrow::Cow;

use geo::{Geometry, Intersects, Rect};

use super::aggregate::{cluster_points, ClusterParams};
use super::coord::TileCoord;
use super::coord::TileTransform;
use super::encode::{stable_id, LayerEncoder, PropertyValue};
use super::geometry::{to_tile_geometry, GeometryParams, TileGeometry, TilePoint};
use super::labels::{area_label, label_layer_name, label_point, LabelRule};
use super::policy::{layer_policy, LayerTilePolicy};
use crate::engine::LayerIndex;
use crate::model::{Feature, FieldKind, LayerId, LayerSchema, Value};

/// The knobs of tile making, in tile units (an extent of 4096 units is one
/// tile; on a 512-pixel tile one pixel is 8 units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TileParams {
    pub extent_units: u32,
    /// How far geometry reaches past the tile's edges, so that lines and
    /// outlines join without seams.
    pub buffer_units: u32,
    /// The side of a cluster cell; the buffer must be a whole number of cells.
    pub cluster_cell_units: u32,
    /// Douglas–Peucker tolerance at and above a layer's detail zoom.
    pub detail_tolerance_units: f64,
    /// Tolerance below the detail zoom.
    pub coarse_tolerance_units: f64,
    /// Below the detail zoom rings smaller than this are dropped.
    pub coarse_min_ring_area_units2: f64,
}

impl Default for TileParams {
    fn default() -> Self {
        TileParams {
            extent_units: 4096,
            buffer_units: 64,
            cluster_cell_units: 64,
            detail_tolerance_units: 1.0,
            coarse_tolerance_units: 4.0,
            coarse_min_ring_area_units2: 64.0,
        }
    }
}

impl TileParams {
    /// The buffer as a fraction of the tile's side.
    pub fn buffer_fraction(&self) -> f64 {
        f64::from(self.buffer_units) / f64::from(self.extent_units)
    }

    /// The area in EPSG:4326 whose features can appear in the tile.
    pub fn query_bounds(&self, tile: TileCoord) -> Rect<f64> {
        tile.buffered_bounds_lonlat(self.buffer_fraction())
    }

    /// Whether a change inside `bbox` (EPSG:4326) can change the tile: its
    /// buffered bounds meet the box.
    pub fn tile_touches(&self, tile: TileCoord, bbox: &Rect<f64>) -> bool {
        self.query_bounds(tile).intersects(bbox)
    }

    fn geometry_params(&self, policy: &LayerTilePolicy, z: u8) -> GeometryParams {
        let detailed = z >= policy.detail_zoom;
        GeometryParams {
            extent_units: self.extent_units,
            buffer_units: self.buffer_units,
            tolerance_units: if detailed {
                self.detail_tolerance_units
            } else {
                self.coarse_tolerance_units
            },
            min_ring_area_units2: if detailed {
                0.0
            } else {
                self.coarse_min_ring_area_units2
            },
        }
    }
}

/// A value as an MVT property; `None` for null.
fn property_value(value: &Value) -> Option<PropertyValue<'_>> {
    Some(match value {
        Value::Null => return None,
        Value::Text(text) => PropertyValue::String(Cow::Borrowed(text)),
        Value::Integer(number) => PropertyValue::Int(*number),
        Value::Real(number) => PropertyValue::Double(*number),
        Value::Boolean(flag) => PropertyValue::Bool(*flag),
        Value::Date(date) => PropertyValue::String(Cow::Owned(date.format("%Y-%m-%d").to_string())),
    })
}

/// The `id` property and every public, non-null field of a feature.
pub fn public_properties<'a>(
    feature: &'a Feature,
    schema: &'static LayerSchema,
) -> impl Iterator<Item = (&'a str, PropertyValue<'a>)> {
    let id = std::iter::once((
        "id",
        PropertyValue::String(Cow::Borrowed(feature.id.as_str())),
    ));
    let fields = schema.public_fields().filter_map(|(index, field)| {
        let value = property_value(feature.values.get(index)?)?;
        Some((field.name, value))
    });
    id.chain(fields)
}

/// Whether the layer's zoom rules show this feature at zoom `z`.
fn shown_at(feature: &Feature, schema: &LayerSchema, policy: &LayerTilePolicy, z: u8) -> bool {
    let Some(rule) = policy.zoom_by_value else {
        return true;
    };
    let value = match feature.get(schema, rule.field) {
        Some(Value::Text(text)) => Some(text.as_str()),
        _ => None,
    };
    z >= rule.min_zoom(value)
}

/// Whether tiles of this layer at zoom `z` hold clusters instead of points.
pub fn is_clustered(layer: LayerId, z: u8) -> bool {
    layer_policy(layer)
        .cluster_below_zoom
        .is_some_and(|below| z < below)
}

/// The tile of one layer, or `None` when no feature is in it.
pub fn render_tile(
    layer: LayerId,
    index: &LayerIndex,
    tile: TileCoord,
    params: &TileParams,
) -> Option<Vec<u8>> {
    let policy = layer_policy(layer);
    if tile.z() < policy.min_zoom || index.is_empty() {
        return None;
    }
    let schema = layer.schema();
    let positions = index.query_bbox(params.query_bounds(tile));
    let features = positions
        .iter()
        .map(|position| &index.features()[*position])
        .filter(|feature| shown_at(feature, schema, &policy, tile.z()));
    let transform = TileTransform::new(tile, params.extent_units);
    let mut encoder = LayerEncoder::new(layer.as_str(), params.extent_units);
    if is_clustered(layer, tile.z()) {
        encode_clusters(
            &mut encoder,
            features,
            schema,
            &policy,
            tile,
            &transform,
            params,
        );
    } else {
        let geometry_params = params.geometry_params(&policy, tile.z());
        let mut labels = area_label(layer).map(|rule| {
            (
                rule,
                LayerEncoder::new(label_layer_name(layer), params.extent_units),
            )
        });
        for feature in features {
            if let Some(geometry) =
                to_tile_geometry(&feature.geometry, &transform, &geometry_params)
            {
                encoder.add_feature(
                    Some(stable_id(&feature.id)),
                    &geometry,
                    public_properties(feature, schema),
                );
                if let Some((rule, label_encoder)) = &mut labels {
                    add_label_point(label_encoder, feature, schema, rule, &transform, params);
                }
            }
        }
        if encoder.n_features() == 0 {
            return None;
        }
        let mut tile = encoder.finish_tile();
        if let Some((_, label_encoder)) = labels.filter(|(_, labels)| labels.n_features() > 0) {
            // a tile message is its layers one after another
            tile.extend(label_encoder.finish_tile());
        }
        return Some(tile);
    }
    if encoder.n_features() == 0 {
        return None;
    }
    Some(encoder.finish_tile())
}

/// An area's label point, in the one tile that holds it (not in the buffer
/// of its neighbours), with the feature's id and the labelled field.
fn add_label_point<'a>(
    encoder: &mut LayerEncoder<'a>,
    feature: &'a Feature,
    schema: &'static LayerSchema,
    rule: &LabelRule,
    transform: &TileTransform,
    params: &TileParams,
) {
    let Some(point) = label_point(&feature.geometry) else {
        return;
    };
    let Some(Value::Text(text)) = feature.get(schema, rule.field) else {
        return;
    };
    let at = transform.to_tile(point.0);
    let extent = f64::from(params.extent_units);
    if !(0.0..extent).contains(&at.x) || !(0.0..extent).contains(&at.y) {
        return;
    }
    let at: TilePoint = [at.x.floor() as i32, at.y.floor() as i32];
    encoder.add_feature(
        Some(stable_id(&feature.id)),
        &TileGeometry::Points(vec![at]),
        [
            (
                "id",
                PropertyValue::String(Cow::Borrowed(feature.id.as_str())),
            ),
            (
                rule.field,
                PropertyValue::String(Cow::Borrowed(text.as_str())),
            ),
        ],
    );
}

fn encode_clusters<'a>(
    encoder: &mut LayerEncoder<'a>,
    features: impl Iterator<Item = &'a Feature>,
    schema: &'static LayerSchema,
    policy: &LayerTilePolicy,
    tile: TileCoord,
    transform: &TileTransform,
    params: &TileParams,
) {
    let summed: Vec<(usize, &'static str, FieldKind)> = policy
        .cluster_sums
        .iter()
        .filter_map(|name| {
            let index = schema.field_index(name)?;
            Some((index, schema.fields[index].name, schema.fields[index].kind))
        })
        .collect();
    let points: Vec<(geo::Coord<f64>, Vec<f64>)> = features
        .filter_map(|feature| {
            let Geometry::Point(point) = &feature.geometry else {
                return None;
            };
            let weights = summed
                .iter()
                .map(|(index, _, _)| match feature.values.get(*index) {
                    Some(Value::Integer(number)) => *number as f64,
                    Some(Value::Real(number)) => *number,
                    _ => 0.0,
                })
                .collect();
            Some((transform.to_tile(point.0), weights))
        })
        .collect();
    let cluster_params = ClusterParams {
        extent_units: params.extent_units,
        buffer_units: params.buffer_units,
        cell_units: params.cluster_cell_units,
    };
    let clusters = cluster_points(
        points
            .iter()
            .map(|(point, weights)| (*point, weights.as_slice())),
        &cluster_params,
    );
    let cells_per_tile = i64::from(params.extent_units / params.cluster_cell_units);
    for cluster in clusters {
        let global_column = i64::from(tile.x()) * cells_per_tile + i64::from(cluster.cell.0);
        let global_row = i64::from(tile.y()) * cells_per_tile + i64::from(cluster.cell.1);
        let id = stable_id(&format!(
            "cluster/{}/{global_column}/{global_row}",
            tile.z()
        ));
        let mut properties = vec![
            ("cluster", PropertyValue::Bool(true)),
            (
                "point_count",
                PropertyValue::Int(cluster.point_count as i64),
            ),
        ];
        for ((_, name, kind), sum) in summed.iter().zip(&cluster.sums) {
            properties.push((
                name,
                match kind {
                    FieldKind::Integer => PropertyValue::Int(sum.round() as i64),
                    _ => PropertyValue::Double(*sum),
                },
            ));
        }
        encoder.add_feature(
            Some(id),
            &TileGeometry::Points(vec![cluster.position]),
            properties,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::LocalPlane;
    use crate::tiles::decode::decode_tile;
    use geo::{coord, point, polygon};
    use rand::{Rng, SeedableRng};

    fn index(features: Vec<Feature>) -> LayerIndex {
        LayerIndex::build(features, LocalPlane::at_latitude(50.96))
    }

    fn resident(id: usize, lon: f64, lat: f64, population: i64) -> Feature {
        Feature {
            id: format!("res-{id:05}"),
            geometry: point!(x: lon, y: lat).into(),
            values: vec![Value::Integer(population)],
        }
    }

    /// Seeded residents scattered over Genk.
    fn residents(seed: u64, count: usize) -> Vec<Feature> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..count)
            .map(|id| {
                resident(
                    id,
                    rng.random_range(5.42..5.58),
                    rng.random_range(50.92..51.02),
                    rng.random_range(1..6),
                )
            })
            .collect()
    }

    /// Every tile at zoom `z` that covers the box.
    fn tiles_over(bbox: Rect<f64>, z: u8) -> Vec<TileCoord> {
        let (x0, y0) = crate::tiles::mercator::lonlat_to_world(bbox.min().x, bbox.max().y);
        let (x1, y1) = crate::tiles::mercator::lonlat_to_world(bbox.max().x, bbox.min().y);
        let n = f64::from(crate::tiles::coord::n_tiles(z));
        let mut tiles = Vec::new();
        for x in (x0 * n).floor() as u32..=(x1 * n).floor() as u32 {
            for y in (y0 * n).floor() as u32..=(y1 * n).floor() as u32 {
                tiles.push(TileCoord::new_checked(u32::from(z), x, y).unwrap());
            }
        }
        tiles
    }

    #[test]
    fn clusters_conserve_counts_and_population_across_tiles() {
        let features = residents(5, 3_000);
        let total_population: i64 = features
            .iter()
            .map(|f| match f.values[0] {
                Value::Integer(n) => n,
                _ => 0,
            })
            .sum();
        let index = index(features);
        let params = TileParams::default();
        let cluster_params = ClusterParams {
            extent_units: 4096,
            buffer_units: 64,
            cell_units: 64,
        };
        for z in [9u8, 12, 14] {
            let (mut n_points, mut population) = (0i64, 0i64);
            for tile in tiles_over(index.extent().unwrap(), z) {
                let Some(bytes) = render_tile(LayerId::Residents, &index, tile, &params) else {
                    continue;
                };
                let decoded = decode_tile(&bytes).unwrap();
                for feature in &decoded.layer("residents").unwrap().features {
                    let TileGeometry::Points(points) = &feature.geometry else {
                        panic!()
                    };
                    let [x, y] = points[0];
                    let cell = (x.div_euclid(64), y.div_euclid(64));
                    let cluster = crate::tiles::aggregate::Cluster {
                        cell,
                        position: [x, y],
                        point_count: 0,
                        sums: vec![],
                    };
                    if cluster.is_inside_tile(&cluster_params) {
                        n_points += feature.int("point_count").unwrap();
                        population += feature.int("population").unwrap();
                    }
                    assert_eq!(feature.properties["cluster"], PropertyValue::Bool(true));
                }
            }
            assert_eq!(
                (n_points, population),
                (3_000, total_population),
                "zoom {z}"
            );
        }
    }

    #[test]
    fn from_the_cluster_zoom_points_come_one_by_one_with_their_ids() {
        let index = index(vec![resident(1, 5.5, 50.965, 4)]);
        let tile = tiles_over(index.extent().unwrap(), 15)[0];
        let decoded = decode_tile(
            &render_tile(LayerId::Residents, &index, tile, &TileParams::default()).unwrap(),
        )
        .unwrap();
        let feature = &decoded.layers[0].features[0];
        assert_eq!(feature.text("id"), Some("res-00001"));
        assert_eq!(feature.id, Some(stable_id("res-00001")));
        assert_eq!(feature.int("population"), Some(4));
        assert!(!feature.properties.contains_key("cluster"));
    }

    #[test]
    fn parcels_on_offer_start_at_z13_the_others_at_z14() {
        let schema = LayerId::Parcels.schema();
        let parcel = |id: &str, availability: &str| {
            let mut values = vec![Value::Null; schema.fields.len()];
            values[schema.field_index("availability").unwrap()] = Value::Text(availability.into());
            Feature {
                id: id.into(),
                geometry: polygon![(x: 5.50, y: 50.96), (x: 5.501, y: 50.96), (x: 5.501, y: 50.961), (x: 5.50, y: 50.96)].into(),
                values,
            }
        };
        let index = index(vec![
            parcel("offered", "for_sale"),
            parcel("built", "not_offered"),
        ]);
        let params = TileParams::default();
        let tile_at = |z| tiles_over(index.extent().unwrap(), z)[0];
        let ids_at = |z| -> Vec<String> {
            render_tile(LayerId::Parcels, &index, tile_at(z), &params)
                .map(|bytes| {
                    let decoded = decode_tile(&bytes).unwrap();
                    decoded.layers[0]
                        .features
                        .iter()
                        .map(|f| f.text("id").unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default()
        };
        assert!(ids_at(12).is_empty());
        assert_eq!(ids_at(13), vec!["offered"]);
        assert_eq!(ids_at(14), vec!["offered", "built"]);
        let far = TileCoord::new_checked(13, 0, 0).unwrap();
        assert!(render_tile(LayerId::Parcels, &index, far, &params).is_none());
    }

    #[test]
    fn a_change_touches_the_tiles_whose_buffer_it_meets() {
        let params = TileParams::default();
        let tile = TileCoord::new_checked(14, 8442, 5487).unwrap();
        let bounds = tile.bounds_lonlat();
        let inside = Rect::new(bounds.center(), bounds.center());
        assert!(params.tile_touches(tile, &inside));
        let width = bounds.width();
        let just_east = coord! { x: bounds.max().x + width / 128.0, y: bounds.center().y };
        assert!(
            params.tile_touches(tile, &Rect::new(just_east, just_east)),
            "in the buffer"
        );
        let far_east = coord! { x: bounds.max().x + width / 32.0, y: bounds.center().y };
        assert!(!params.tile_touches(tile, &Rect::new(far_east, far_east)));
    }
}
