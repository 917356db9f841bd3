//! Applying a [`ChangePlan`]: read what it names again from the store,
//! keep out what is not valid for the model, build the next snapshot off
//! the runtime, swap it in, drop exactly the touched tiles, warm the
//! derived values.

use std::collections::BTreeSet;
use std::sync::Arc;

use geo::Rect;

use super::changes::{HistoryPlan, LayerPlan};
use super::tile_cache::TileFamily;
use super::{App, Applied, ChangePlan};
use crate::engine::derived::Derived;
use crate::engine::vacancy::VacancyCache;
use crate::engine::{EngineChange, HistoryChange, LayerChange, Touched};
use crate::model::{check_feature, Feature, LayerId};
use crate::store::{RowRead, StoreError};

/// Where tiles must go for one layer: the boxes, or every tile.
enum TileDrop {
    Boxes(Vec<Rect<f64>>),
    Whole,
}

impl App {
    pub(super) async fn apply(&self, plan: ChangePlan) -> Result<Applied, StoreError> {
        let store = &self.inner.store;
        let before = self.engine();
        let mut applied = Applied::default();
        let mut change = EngineChange::default();
        let mut tile_drops: Vec<(LayerId, TileDrop)> = Vec::new();
        // the list of kept-out features changes with the snapshot, not before
        let mut verdicts = Verdicts::default();
        for (layer, layer_plan) in plan.layers {
            match layer_plan {
                LayerPlan::Whole => {
                    let rows = store.read_rows(layer, None).await?;
                    verdicts.whole_layers.push(layer);
                    let features = admitted(layer, rows, &mut verdicts);
                    applied.n_features += features.len();
                    change.layers.push((layer, LayerChange::Replaced(features)));
                    tile_drops.push((layer, TileDrop::Whole));
                }
                LayerPlan::Features(ids) => {
                    let ids: Vec<String> = ids.into_iter().collect();
                    let rows = store.read_rows(layer, Some(&ids)).await?;
                    let stored: BTreeSet<String> = rows
                        .iter()
                        .map(|row| match row {
                            Ok(feature) => feature.id.clone(),
                            Err(rejected) => rejected.id.clone(),
                        })
                        .collect();
                    for deleted in ids.iter().filter(|id| !stored.contains(*id)) {
                        verdicts.features.push((layer, deleted.clone(), None));
                    }
                    let upserted = admitted(layer, rows, &mut verdicts);
                    let admitted: BTreeSet<&str> =
                        upserted.iter().map(|feature| feature.id.as_str()).collect();
                    // deleted, or kept out: neither stays in the engine
                    let removed: Vec<String> = ids
                        .iter()
                        .filter(|id| !admitted.contains(id.as_str()))
                        .cloned()
                        .collect();
                    let index = before.layer(layer);
                    let boxes: Vec<Rect<f64>> = ids
                        .iter()
                        .filter_map(|id| index.get(id).and_then(Feature::bbox))
                        .chain(upserted.iter().filter_map(Feature::bbox))
                        .collect();
                    applied.n_features += ids.len();
                    change
                        .layers
                        .push((layer, LayerChange::Edited { upserted, removed }));
                    tile_drops.push((layer, TileDrop::Boxes(boxes)));
                }
            }
        }
        let history_changed = plan.history.is_some();
        match plan.history {
            None => {}
            Some(HistoryPlan::Whole) => {
                let events = store.read_events().await?;
                applied.n_events = events.len();
                change.history = Some(HistoryChange::Replaced(events));
            }
            Some(HistoryPlan::Added(ids)) => {
                let ids: Vec<i64> = ids.into_iter().collect();
                let events = store.read_events_by_id(&ids).await?;
                applied.n_events = events.len();
                change.history = Some(HistoryChange::Added(events));
            }
        }
        let next = tokio::task::spawn_blocking(move || before.with_changes(change))
            .await
            .map_err(|error| {
                StoreError::Unavailable(format!("building the next snapshot failed: {error}"))
            })?;
        *self
            .inner
            .engine
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(next);
        let rejected = &self.inner.rejected;
        for layer in verdicts.whole_layers {
            rejected.clear_layer(layer);
        }
        for (layer, feature_id, verdict) in verdicts.features {
            match verdict {
                Some(reason) => rejected.reject(layer, &feature_id, &reason),
                None => rejected.clear(layer, &feature_id),
            }
        }
        // derived tile sets go with what they read
        let touched = Touched {
            layers: tile_drops.iter().map(|(layer, _)| *layer).collect(),
            history: history_changed,
        };
        if VacancyCache::READS.any(&touched) {
            applied.n_tiles_dropped += self
                .inner
                .tile_cache
                .invalidate(TileFamily::VacancyH3, |_| true);
        }
        for (layer, drop) in tile_drops {
            applied.n_tiles_dropped += match drop {
                TileDrop::Whole => self.invalidate_tiles(layer, None),
                TileDrop::Boxes(boxes) => self.invalidate_tiles(layer, Some(&boxes)),
            };
        }
        self.warm();
        Ok(applied)
    }
}

/// What a batch decides about kept-out features: layers read whole (their
/// old verdicts go), and per feature a reason to keep it out or `None`.
#[derive(Default)]
struct Verdicts {
    whole_layers: Vec<LayerId>,
    features: Vec<(LayerId, String, Option<String>)>,
}

/// The rows that are features valid for `layer`; a verdict for each row.
fn admitted(layer: LayerId, rows: Vec<RowRead>, verdicts: &mut Verdicts) -> Vec<Feature> {
    rows.into_iter()
        .filter_map(|row| match row {
            Ok(feature) => match check_feature(layer, &feature) {
                Ok(()) => {
                    verdicts.features.push((layer, feature.id.clone(), None));
                    Some(feature)
                }
                Err(reason) => {
                    verdicts.features.push((layer, feature.id, Some(reason)));
                    None
                }
            },
            Err(row) => {
                verdicts.features.push((layer, row.id, Some(row.reason)));
                None
            }
        })
        .collect()
}
