//! The spatial engine: every layer in memory with bulk-loaded rstar indexes.
//!
//! Pure: it takes features and returns answers; loading from a store happens
//! at the edges (`crate::load`). **The engine never imports tokio, axum, a
//! database or GDAL.**

pub mod index;
pub mod measure;

use std::collections::BTreeMap;

use geo::Rect;

pub use index::{LayerIndex, LocalPlane};

use crate::model::{Dataset, Feature, LayerId, UnitEvent};

/// The latitude whose cosine scales longitudes in the indexes (Genk).
pub const REFERENCE_LATITUDE: f64 = 50.96;

/// Every layer indexed, plus the shop-unit history.
#[derive(Debug)]
pub struct Engine {
    layers: BTreeMap<LayerId, LayerIndex>,
    unit_events: Vec<UnitEvent>,
}

impl Engine {
    /// Index the given layers; a layer that is not given is empty.
    pub fn new(layers: Vec<(LayerId, Vec<Feature>)>, unit_events: Vec<UnitEvent>) -> Self {
        let plane = LocalPlane::at_latitude(REFERENCE_LATITUDE);
        let mut indexes: BTreeMap<LayerId, LayerIndex> = layers
            .into_iter()
            .map(|(layer, features)| (layer, LayerIndex::build(features, plane)))
            .collect();
        for layer in LayerId::ALL {
            indexes
                .entry(*layer)
                .or_insert_with(|| LayerIndex::build(Vec::new(), plane));
        }
        Engine {
            layers: indexes,
            unit_events,
        }
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
            .filter_map(LayerIndex::extent)
            .reduce(|a, b| {
                Rect::new(
                    geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                    geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
                )
            })
    }
}
