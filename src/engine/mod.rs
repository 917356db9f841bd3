//! The spatial engine: every layer in memory with bulk-loaded rstar indexes.
//!
//! Pure: it takes features and returns answers; loading from a store happens
//! at the edges (`crate::load`). **The engine never imports tokio, axum, a
//! database or GDAL.**

pub mod coverage;
pub mod index;
pub mod measure;
pub mod sites;
pub mod vacancy;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use geo::Rect;

pub use index::{LayerIndex, LocalPlane};

use crate::model::{Dataset, Feature, LayerId, UnitEvent};

/// The latitude whose cosine scales longitudes in the indexes (Genk).
pub const REFERENCE_LATITUDE: f64 = 50.96;

/// Every layer indexed, plus the shop-unit history. Layers are shared, so a
/// new engine with one layer changed costs only that layer's rebuild.
#[derive(Debug)]
pub struct Engine {
    layers: BTreeMap<LayerId, Arc<LayerIndex>>,
    unit_events: Arc<Vec<UnitEvent>>,
    /// The walking network and snapped residents, built on first use.
    coverage: coverage::CoverageCache,
    /// The site search's parcels on the market, built on first use.
    site_market: Arc<std::sync::OnceLock<sites::Market>>,
    /// The vacancy stocks, built on first use.
    vacancy: vacancy::VacancyCache,
}

impl Engine {
    /// Index the given layers; a layer that is not given is empty.
    pub fn new(layers: Vec<(LayerId, Vec<Feature>)>, unit_events: Vec<UnitEvent>) -> Self {
        let plane = LocalPlane::at_latitude(REFERENCE_LATITUDE);
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
            layers: indexes,
            unit_events: Arc::new(unit_events),
            coverage: coverage::CoverageCache::default(),
            site_market: Arc::default(),
            vacancy: vacancy::VacancyCache::default(),
        }
    }

    /// This engine with `changed` upserted by id into `layer` (a later
    /// duplicate wins, as in a store's upsert; new ids keep the layer in id
    /// order). Only that layer is rebuilt; the others are shared.
    pub fn with_upserted(&self, layer: LayerId, changed: Vec<Feature>) -> Engine {
        let mut features = self.layer(layer).features().to_vec();
        let mut pending: HashMap<String, Feature> = changed
            .into_iter()
            .map(|feature| (feature.id.clone(), feature))
            .collect();
        for existing in features.iter_mut() {
            if let Some(replacement) = pending.remove(&existing.id) {
                *existing = replacement;
            }
        }
        if !pending.is_empty() {
            features.extend(pending.into_values());
            features.sort_by(|a, b| a.id.cmp(&b.id));
        }
        let plane = LocalPlane::at_latitude(REFERENCE_LATITUDE);
        let mut layers = self.layers.clone();
        layers.insert(layer, Arc::new(LayerIndex::build(features, plane)));
        Engine {
            layers,
            unit_events: Arc::clone(&self.unit_events),
            coverage: self.coverage.after_upsert(layer),
            site_market: sites::Market::after_upsert(&self.site_market, layer),
            vacancy: self.vacancy.after_upsert(layer),
        }
    }

    /// This engine with `events` appended to the shop-unit history.
    pub fn with_events_added(mut self, events: Vec<UnitEvent>) -> Engine {
        if !events.is_empty() {
            let mut all = self.unit_events.as_ref().clone();
            all.extend(events);
            self.unit_events = Arc::new(all);
            self.vacancy = self.vacancy.after_events_added();
        }
        self
    }

    pub fn from_dataset(dataset: &Dataset) -> Self {
        let layers = LayerId::ALL
            .iter()
            .map(|layer| (*layer, dataset.features(*layer)))
            .collect();
        Engine::new(layers, dataset.unit_events.clone())
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

    /// The bounding box of all layers together.
    pub fn extent(&self) -> Option<Rect<f64>> {
        self.layers
            .values()
            .filter_map(|index| index.extent())
            .reduce(|a, b| {
                Rect::new(
                    geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                    geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
                )
            })
    }
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
