//! The stored features the atlas keeps out of its engine because they are
//! not valid for its model (a geometry made invalid in QGIS, a value out of
//! its domain), each with its reason, until a later change fixes them.

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::model::LayerId;

/// One feature kept out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedFeature {
    pub layer: LayerId,
    pub feature_id: String,
    pub reason: String,
    pub since: DateTime<Utc>,
}

/// Every feature kept out, by layer and id.
#[derive(Debug, Default)]
pub struct RejectedFeatures(Mutex<BTreeMap<(LayerId, String), RejectedFeature>>);

impl RejectedFeatures {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<(LayerId, String), RejectedFeature>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keep `feature_id` out for `reason` (logged once, when it is new or
    /// its reason changed).
    pub fn reject(&self, layer: LayerId, feature_id: &str, reason: &str) {
        let mut rejected = self.lock();
        let key = (layer, feature_id.to_string());
        if rejected.get(&key).is_some_and(|held| held.reason == reason) {
            return;
        }
        tracing::warn!("{layer} feature '{feature_id}' is kept out of the atlas: {reason}");
        rejected.insert(
            key,
            RejectedFeature {
                layer,
                feature_id: feature_id.to_string(),
                reason: reason.to_string(),
                since: Utc::now(),
            },
        );
    }

    /// `feature_id` is fine again (fixed or deleted).
    pub fn clear(&self, layer: LayerId, feature_id: &str) {
        if self
            .lock()
            .remove(&(layer, feature_id.to_string()))
            .is_some()
        {
            tracing::info!("{layer} feature '{feature_id}' is valid again");
        }
    }

    /// Forget every rejection of `layer` (before the layer is read whole).
    pub fn clear_layer(&self, layer: LayerId) {
        self.lock().retain(|(held, _), _| *held != layer);
    }

    /// Every feature kept out, by layer and id.
    pub fn list(&self) -> Vec<RejectedFeature> {
        self.lock().values().cloned().collect()
    }
}
