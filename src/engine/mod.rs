//! The spatial engine: every layer in memory with bulk-loaded rstar indexes.
//!
//! Pure: it takes features and returns answers; loading from a store happens
//! at the edges (`crate::load`). **The engine never imports tokio, axum, a
//! database or GDAL.**

pub mod columns;
pub mod coverage;
pub mod derived;
pub mod index;
pub mod measure;
pub mod plane;
pub mod search;
pub mod sites;
pub mod vacancy;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use geo::Rect;

pub use derived::{Derived, Touched};
pub use index::LayerIndex;
pub use plane::LocalPlane;

use crate::model::{Dataset, Feature, LayerId, UnitEvent};

/// Every layer indexed, plus the shop-unit history. Layers are shared, so a
/// new engine with one layer changed costs only that layer's rebuild.
#[derive(Debug)]
pub struct Engine {
    /// The local plane of every index, at the data's latitude (no city is
    /// built in: the same engine serves Genk or Antwerp).
    plane: LocalPlane,
    layers: BTreeMap<LayerId, Arc<LayerIndex>>,
    unit_events: Arc<Vec<UnitEvent>>,
    /// The walking network and snapped residents, built on first use.
    coverage: coverage::CoverageCache,
    /// The site search's parcels on the market, built on first use.
    site_market: sites::MarketCache,
    /// The vacancy stocks, built on first use.
    vacancy: vacancy::VacancyCache,
    /// What the figures call the whole city (`by=city`, coverage), from
    /// configuration ([`Engine::with_city_name`]); [`UNNAMED_CITY`] without.
    city_name: Arc<str>,
}

/// The name of the whole city when none is configured.
pub const UNNAMED_CITY: &str = "Stad";

impl Engine {
    /// Index the given layers; a layer that is not given is empty.
    pub fn new(layers: Vec<(LayerId, Vec<Feature>)>, unit_events: Vec<UnitEvent>) -> Self {
        let plane = LocalPlane::for_layers(
            layers
                .iter()
                .map(|(layer, features)| (*layer, features.as_slice())),
        );
        let mut indexes: BTreeMap<LayerId, Arc<LayerIndex>> = layers
            .into_iter()
            .map(|(layer, features)| (layer, Arc::new(LayerIndex::build(features, plane))))
            .collect();
        for layer in LayerId::ALL {
            indexes
                .entry(*layer)
                .or_insert_with(|| Arc::new(LayerIndex::build(Vec::new(), plane)));
        }
        Engine {
            plane,
            layers: indexes,
            unit_events: Arc::new(unit_events),
            coverage: coverage::CoverageCache::default(),
            site_market: sites::MarketCache::default(),
            vacancy: vacancy::VacancyCache::default(),
            city_name: UNNAMED_CITY.into(),
        }
    }

    /// This engine, its whole city called `name` (`atlas serve --city-name`);
    /// every later snapshot keeps it.
    pub fn with_city_name(mut self, name: &str) -> Engine {
        self.city_name = name.into();
        self
    }

    /// What the figures call the whole city.
    pub fn city_name(&self) -> &str {
        &self.city_name
    }

    /// This engine with `changed` upserted by id into `layer` (a later
    /// duplicate wins, as in a store's upsert; new ids keep the layer in id
    /// order). Only that layer is rebuilt; the others are shared.
    pub fn with_upserted(&self, layer: LayerId, changed: Vec<Feature>) -> Engine {
        self.with_changes(EngineChange {
            layers: vec![(
                layer,
                LayerChange::Edited {
                    upserted: changed,
                    removed: Vec::new(),
                },
            )],
            history: None,
        })
    }

    /// This engine with `events` added to the shop-unit history.
    pub fn with_events_added(self, events: Vec<UnitEvent>) -> Engine {
        if events.is_empty() {
            return self;
        }
        self.with_changes(EngineChange {
            layers: Vec::new(),
            history: Some(HistoryChange::Added(events)),
        })
    }

    /// This engine with a change applied: only the changed layers are
    /// rebuilt (the others are shared), and each derived value is kept,
    /// patched or dropped by what it reads ([`derived`]).
    pub fn with_changes(&self, change: EngineChange) -> Engine {
        let mut touched = Touched::default();
        let mut layers = self.layers.clone();
        // an engine that held nothing takes the plane of what comes in
        let plane = if self.layers.values().all(|index| index.is_empty()) {
            LocalPlane::for_layers(change.layers.iter().map(|(layer, change)| match change {
                LayerChange::Replaced(features) => (*layer, features.as_slice()),
                LayerChange::Edited { upserted, .. } => (*layer, upserted.as_slice()),
            }))
        } else {
            self.plane
        };
        if plane != self.plane {
            for index in layers.values_mut() {
                *index = Arc::new(LayerIndex::build(Vec::new(), plane));
            }
        }
        for (layer, layer_change) in change.layers {
            let features = match layer_change {
                LayerChange::Replaced(mut features) => {
                    features.sort_by(|a, b| a.id.cmp(&b.id));
                    features.dedup_by(|later, earlier| later.id == earlier.id);
                    features
                }
                LayerChange::Edited { upserted, removed } => {
                    if upserted.is_empty() && removed.is_empty() {
                        continue;
                    }
                    edited(layers[&layer].features(), upserted, removed)
                }
            };
            layers.insert(layer, Arc::new(LayerIndex::build(features, plane)));
            touched.layers.insert(layer);
        }
        let unit_events = match change.history {
            None => Arc::clone(&self.unit_events),
            Some(history) => {
                touched.history = true;
                Arc::new(match history {
                    HistoryChange::Replaced(events) => events,
                    HistoryChange::Added(events) => with_events(&self.unit_events, events),
                })
            }
        };
        Engine {
            plane,
            layers,
            unit_events,
            coverage: self.coverage.after(&touched),
            site_market: self.site_market.after(&touched),
            vacancy: self.vacancy.after(&touched),
            city_name: Arc::clone(&self.city_name),
        }
    }

    /// The first event ids after the newest in this history (0 when empty).
    pub fn newest_event_id(&self) -> i64 {
        self.unit_events
            .iter()
            .map(|event| event.event_id)
            .max()
            .unwrap_or(0)
    }

    pub fn from_dataset(dataset: &Dataset) -> Self {
        let layers = LayerId::ALL
            .iter()
            .map(|layer| (*layer, dataset.features(*layer)))
            .collect();
        Engine::new(layers, dataset.unit_events.clone())
    }

    /// The local plane of the indexes (longitudes scaled at the data's latitude).
    pub fn plane(&self) -> LocalPlane {
        self.plane
    }

    pub fn layer(&self, layer: LayerId) -> &LayerIndex {
        &self.layers[&layer]
    }

    /// The vacancy stocks this snapshot has built so far.
    pub fn vacancy_cache(&self) -> &vacancy::VacancyCache {
        &self.vacancy
    }

    pub fn unit_events(&self) -> &[UnitEvent] {
        &self.unit_events
    }

    /// The number of features per layer.
    pub fn counts(&self) -> BTreeMap<LayerId, usize> {
        self.layers
            .iter()
            .map(|(layer, index)| (*layer, index.len()))
            .collect()
    }

    /// The box of the mapped city: the neighbourhoods and the shop units,
    /// widened by `margin_deg`; `None` while neither holds anything.
    pub fn city_extent(&self, margin_deg: f64) -> Option<Rect<f64>> {
        [LayerId::Neighbourhoods, LayerId::ShopUnits]
            .iter()
            .filter_map(|layer| self.layer(*layer).extent())
            .reduce(|held, extent| plane::union(Some(held), extent))
            .map(|extent| {
                Rect::new(
                    geo::coord! { x: extent.min().x - margin_deg, y: extent.min().y - margin_deg },
                    geo::coord! { x: extent.max().x + margin_deg, y: extent.max().y + margin_deg },
                )
            })
    }

    /// The shopping area a point lies in, if any.
    pub fn shopping_area_at(&self, point: geo::Point<f64>) -> Option<String> {
        use geo::{BoundingRect, Contains};
        let areas = self.layer(LayerId::ShoppingAreas);
        let here = point.bounding_rect();
        areas
            .query_bbox(Rect::new(here.min(), here.max()))
            .into_iter()
            .map(|position| &areas.features()[position])
            .find(|area| area.geometry.contains(&point))
            .map(|area| area.id.clone())
    }

    /// The bounding box of all layers together.
    pub fn extent(&self) -> Option<Rect<f64>> {
        self.layers
            .values()
            .filter_map(|index| index.extent())
            .reduce(|held, extent| plane::union(Some(held), extent))
    }
}

/// What changes in an engine: layers edited or replaced, and the history.
#[derive(Debug, Default)]
pub struct EngineChange {
    pub layers: Vec<(LayerId, LayerChange)>,
    pub history: Option<HistoryChange>,
}

#[derive(Debug)]
pub enum LayerChange {
    /// Features upserted by id (a later duplicate wins) and ids removed.
    Edited {
        upserted: Vec<Feature>,
        removed: Vec<String>,
    },
    /// The whole layer, in any order.
    Replaced(Vec<Feature>),
}

#[derive(Debug)]
pub enum HistoryChange {
    /// Events added; one with the id of a held event replaces it.
    Added(Vec<UnitEvent>),
    /// The whole history.
    Replaced(Vec<UnitEvent>),
}

/// `features` (in id order) with `upserted` put in by id and `removed` taken
/// out, still in id order.
fn edited(features: &[Feature], upserted: Vec<Feature>, removed: Vec<String>) -> Vec<Feature> {
    let removed: BTreeSet<String> = removed.into_iter().collect();
    let mut pending: HashMap<String, Feature> = upserted
        .into_iter()
        .map(|feature| (feature.id.clone(), feature))
        .collect();
    let mut result: Vec<Feature> = Vec::with_capacity(features.len() + pending.len());
    for feature in features {
        match pending.remove(&feature.id) {
            Some(replacement) => result.push(replacement),
            None if removed.contains(&feature.id) => {}
            None => result.push(feature.clone()),
        }
    }
    if !pending.is_empty() {
        result.extend(pending.into_values());
        result.sort_by(|a, b| a.id.cmp(&b.id));
    }
    result
}

/// The history with `added` events put in by event id, in event id order.
fn with_events(held: &[UnitEvent], added: Vec<UnitEvent>) -> Vec<UnitEvent> {
    let mut by_id: BTreeMap<i64, UnitEvent> = held
        .iter()
        .map(|event| (event.event_id, event.clone()))
        .collect();
    let in_order = added.iter().all(|event| {
        by_id
            .last_key_value()
            .is_none_or(|(last, _)| event.event_id > *last)
    });
    if in_order {
        let mut all = held.to_vec();
        all.extend(added);
        return all;
    }
    for event in added {
        by_id.insert(event.event_id, event);
    }
    by_id.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Value;
    use geo::point;

    fn access_point(id: &str, lon: f64) -> Feature {
        Feature {
            id: id.into(),
            geometry: point!(x: lon, y: 50.96).into(),
            values: vec![Value::Text("quay".into()), Value::Text(id.into())],
        }
    }

    #[test]
    fn an_upsert_replaces_adds_in_id_order_and_shares_the_other_layers() {
        let engine = Engine::new(
            vec![
                (
                    LayerId::AccessPoints,
                    vec![access_point("a", 5.40), access_point("c", 5.50)],
                ),
                (LayerId::Residents, vec![]),
            ],
            vec![],
        );
        let changed = engine.with_upserted(
            LayerId::AccessPoints,
            vec![access_point("c", 5.55), access_point("b", 5.45)],
        );
        let ids: Vec<&str> = changed
            .layer(LayerId::AccessPoints)
            .features()
            .iter()
            .map(|f| f.id.as_str())
            .collect();
        assert_eq!(ids, ["a", "b", "c"]);
        let moved = changed.layer(LayerId::AccessPoints).get("c").unwrap();
        assert_eq!(
            moved.geometry,
            geo::Geometry::Point(point!(x: 5.55, y: 50.96))
        );
        assert_eq!(
            engine.layer(LayerId::AccessPoints).len(),
            2,
            "the old engine is unchanged"
        );
        assert!(Arc::ptr_eq(
            &engine.layers[&LayerId::Parcels],
            &changed.layers[&LayerId::Parcels]
        ));
    }
}
