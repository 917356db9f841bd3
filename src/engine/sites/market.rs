//! The parcels on the market, ready for searching: built once per engine
//! (lazily, on the first search) and kept until parcels, business parks or
//! access points change.
//!
//! It holds every parcel on offer in any way (for sale, for lease, under
//! option, reserved; `not_offered` ones are never a site), parsed, with its
//! park, its adjacency to the other parcels on offer on the same park
//! ([`super::adjacency`]) and its nearest motorway exit, quay and rail access
//! (straight line, [`super::geometry`]). None of this depends on a request;
//! assembly groups are not precomputed, they are found per request.

use std::collections::HashMap;

use geo::{BoundingRect, Point};
use rstar::primitives::GeomWithData;
use rstar::RTree;

use super::adjacency::adjacency;
use super::geometry::point_polygon_distance_m;
use crate::engine::plane::LocalMetres;
use crate::engine::Engine;
use crate::model::{
    AccessKind, AccessPoint, Availability, Feature, LayerId, LayerRecord, Parcel, ParkKind, Value,
};

/// A business park as the search needs it.
#[derive(Debug, Clone)]
pub struct ParkInfo {
    pub id: String,
    pub name: String,
    pub kind: Option<ParkKind>,
}

/// An access point as the search needs it.
#[derive(Debug, Clone)]
pub struct AccessInfo {
    pub record: AccessPoint,
    /// A railway station or a tri-modal terminal.
    pub rail: bool,
}

/// The nearest access point of a kind and its distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nearest {
    /// Position in [`Market::access`].
    pub access: u32,
    pub distance_m: f64,
}

/// A parcel on the market.
#[derive(Debug, Clone)]
pub struct MarketParcel {
    /// Position in the engine's parcels layer.
    pub position: usize,
    pub record: Parcel,
    /// Position in [`Market::parks`]; `None` off a park (or an unknown park).
    pub park: Option<u32>,
    pub motorway: Option<Nearest>,
    pub quay: Option<Nearest>,
    pub rail: Option<Nearest>,
}

/// Every parcel on the market with its neighbours and nearest accesses.
#[derive(Debug, Default)]
pub struct Market {
    /// In the parcels layer's order (by id).
    pub parcels: Vec<MarketParcel>,
    /// Adjacent parcels on the same park, ascending positions in `parcels`.
    pub neighbours: Vec<Vec<u32>>,
    pub parks: Vec<ParkInfo>,
    pub access: Vec<AccessInfo>,
}

impl Market {
    pub fn build(engine: &Engine) -> Market {
        let parks = parks(engine.layer(LayerId::BusinessParks).features());
        let park_by_id: HashMap<&str, u32> = parks
            .iter()
            .enumerate()
            .map(|(position, park)| (park.id.as_str(), position as u32))
            .collect();
        let access: Vec<AccessInfo> = engine
            .layer(LayerId::AccessPoints)
            .features()
            .iter()
            .filter_map(|feature| AccessPoint::from_feature(feature).ok())
            .map(|record| AccessInfo {
                rail: record.kind == AccessKind::RailwayStation
                    || (record.kind == AccessKind::Quay
                        && record.name.to_lowercase().contains("trimodal")),
                record,
            })
            .collect();
        let schema = LayerId::Parcels.schema();
        let availability_index = schema
            .field_index("availability")
            .expect("parcels have an availability");
        let not_offered = Value::Text(Availability::NotOffered.as_str().to_string());
        let records: Vec<(usize, Parcel)> = engine
            .layer(LayerId::Parcels)
            .features()
            .iter()
            .enumerate()
            .filter(|(_, feature)| feature.values.get(availability_index) != Some(&not_offered))
            .filter_map(|(position, feature)| {
                Parcel::from_feature(feature)
                    .ok()
                    .map(|record| (position, record))
            })
            .collect();
        let nearest_motorway =
            NearestFinder::new(&access, |info| info.record.kind == AccessKind::MotorwayExit);
        let nearest_quay = NearestFinder::new(&access, |info| info.record.kind == AccessKind::Quay);
        let nearest_rail = NearestFinder::new(&access, |info| info.rail);
        let parcels: Vec<MarketParcel> = records
            .into_iter()
            .map(|(position, record)| MarketParcel {
                position,
                park: record
                    .park_id
                    .as_deref()
                    .and_then(|id| park_by_id.get(id).copied()),
                motorway: nearest_motorway.nearest(&record.geometry),
                quay: nearest_quay.nearest(&record.geometry),
                rail: nearest_rail.nearest(&record.geometry),
                record,
            })
            .collect();
        let polygons: Vec<_> = parcels
            .iter()
            .map(|parcel| &parcel.record.geometry)
            .collect();
        let park_of: Vec<Option<u32>> = parcels.iter().map(|parcel| parcel.park).collect();
        let neighbours = adjacency(&polygons, &park_of);
        Market {
            parcels,
            neighbours,
            parks,
            access,
        }
    }

    /// The nearest of some parcels' nearest accesses of a kind (`pick`:
    /// motorway, quay or rail), ties to the earlier access; `members` are
    /// positions in [`Market::parcels`].
    pub fn nearest_of(
        &self,
        members: &[u32],
        pick: fn(&MarketParcel) -> Option<Nearest>,
    ) -> Option<Nearest> {
        members
            .iter()
            .filter_map(|&member| pick(&self.parcels[member as usize]))
            .min_by(|a, b| {
                a.distance_m
                    .total_cmp(&b.distance_m)
                    .then(a.access.cmp(&b.access))
            })
    }
}

fn parks(features: &[Feature]) -> Vec<ParkInfo> {
    let schema = LayerId::BusinessParks.schema();
    features
        .iter()
        .map(|feature| {
            let text = |name: &str| match feature.get(schema, name) {
                Some(Value::Text(text)) => Some(text.clone()),
                _ => None,
            };
            ParkInfo {
                id: feature.id.clone(),
                name: text("name").unwrap_or_else(|| feature.id.clone()),
                kind: text("kind").and_then(|kind| kind.parse().ok()),
            }
        })
        .collect()
}

/// Finds the nearest access point of one kind to a polygon, exactly: an
/// R-tree over the points in a plane scaled by the smallest lengths of a
/// degree among them gives distances that never exceed the true ones, so the
/// search stops once that lower bound, less the polygon's radius, passes the
/// best exact distance found.
struct NearestFinder {
    tree: RTree<GeomWithData<[f64; 2], u32>>,
    points: Vec<Point<f64>>,
    /// Metres per degree of longitude and latitude, the smallest among the points.
    scale: (f64, f64),
}

impl NearestFinder {
    fn new(access: &[AccessInfo], keep: impl Fn(&AccessInfo) -> bool) -> Self {
        let chosen: Vec<(u32, Point<f64>)> = access
            .iter()
            .enumerate()
            .filter(|(_, info)| keep(info))
            .map(|(position, info)| (position as u32, info.record.geometry))
            .collect();
        // lengths of a degree shrink (longitude) or barely change (latitude)
        // with latitude: take the smallest over the points, with a margin
        let mut scale = (f64::INFINITY, f64::INFINITY);
        for (_, point) in &chosen {
            let (per_lon, per_lat) = degree_lengths(point.y());
            scale = (scale.0.min(per_lon), scale.1.min(per_lat));
        }
        let scale = (scale.0 * 0.99, scale.1 * 0.99);
        let entries = chosen
            .iter()
            .map(|(position, point)| {
                GeomWithData::new([point.x() * scale.0, point.y() * scale.1], *position)
            })
            .collect();
        NearestFinder {
            tree: RTree::bulk_load(entries),
            points: access.iter().map(|info| info.record.geometry).collect(),
            scale,
        }
    }

    fn nearest(&self, polygon: &geo::Polygon<f64>) -> Option<Nearest> {
        let rect = polygon.bounding_rect()?;
        let centre = rect.center();
        // the polygon lies within `radius_m` of its box centre, in the plane
        // of any point a degree or two away (5% margin)
        let (dx, dy) = (rect.width() / 2.0, rect.height() / 2.0);
        let (per_lon, per_lat) = degree_lengths(centre.y);
        let radius_m = (dx * per_lon).hypot(dy * per_lat) * 1.05 + 1.0;
        let query = [centre.x * self.scale.0, centre.y * self.scale.1];
        let mut best: Option<Nearest> = None;
        for (entry, distance_2) in self.tree.nearest_neighbor_iter_with_distance_2(&query) {
            if let Some(best) = best {
                if distance_2.sqrt() - radius_m > best.distance_m {
                    break;
                }
            }
            let position = entry.data;
            let distance_m = point_polygon_distance_m(self.points[position as usize], polygon);
            let better = match best {
                None => true,
                Some(best) => {
                    distance_m < best.distance_m
                        || (distance_m == best.distance_m && position < best.access)
                }
            };
            if better {
                best = Some(Nearest {
                    access: position,
                    distance_m,
                });
            }
        }
        best
    }
}

/// Metres per degree of longitude and latitude at a latitude.
fn degree_lengths(latitude_deg: f64) -> (f64, f64) {
    let plane = LocalMetres::at_latitude(latitude_deg);
    let (dlon, dlat) = plane.degrees(1.0, 1.0);
    (1.0 / dlon, 1.0 / dlat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::sites::geometry::rectangle_m;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn the_nearest_access_agrees_with_a_linear_scan_across_the_copies_latitudes() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        // points spread like the demo's copies: 5.3–7.8° E, 50.9–52.2° N
        let access: Vec<AccessInfo> = (0..300)
            .map(|index| AccessInfo {
                record: AccessPoint {
                    id: format!("a{index}"),
                    geometry: Point::new(rng.random_range(5.3..7.8), rng.random_range(50.9..52.2)),
                    kind: if index % 3 == 0 {
                        AccessKind::Quay
                    } else {
                        AccessKind::MotorwayExit
                    },
                    name: format!("a{index}"),
                },
                rail: false,
            })
            .collect();
        let finder = NearestFinder::new(&access, |info| info.record.kind == AccessKind::Quay);
        for _ in 0..500 {
            let origin = (rng.random_range(5.3..7.8), rng.random_range(50.9..52.2));
            let polygon = rectangle_m(
                origin,
                0.0,
                0.0,
                rng.random_range(10.0..400.0),
                rng.random_range(10.0..400.0),
            );
            let expected = access
                .iter()
                .enumerate()
                .filter(|(_, info)| info.record.kind == AccessKind::Quay)
                .map(|(position, info)| {
                    (
                        point_polygon_distance_m(info.record.geometry, &polygon),
                        position as u32,
                    )
                })
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
                .unwrap();
            let found = finder.nearest(&polygon).unwrap();
            assert_eq!((found.distance_m, found.access), expected);
        }
    }
}
