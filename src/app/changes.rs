//! What a read of the change log asks the atlas to do: per layer, read the
//! named features again or the whole layer; for the history, read the new
//! events or all of it. Pure: it only folds logged changes together.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::LayerId;
use crate::store::{ChangeOp, ChangeTarget, LoggedChange};

/// From this many changed features of one layer in one batch on, the whole
/// layer is read again rather than the features one by one.
pub const RELOAD_LAYER_FROM: usize = 5_000;

/// What to read again for one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerPlan {
    /// These features (inserted, updated or deleted: reading tells which).
    Features(BTreeSet<String>),
    Whole,
}

/// What to read again for the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryPlan {
    /// New events, by id.
    Added(BTreeSet<i64>),
    /// An event was changed or removed (only another writer does that):
    /// the history is read whole.
    Whole,
}

/// Everything a batch of logged changes asks to read again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangePlan {
    pub layers: BTreeMap<LayerId, LayerPlan>,
    pub history: Option<HistoryPlan>,
}

impl ChangePlan {
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty() && self.history.is_none()
    }

    /// Every layer and the history, whole (after falling behind the log).
    pub fn everything() -> ChangePlan {
        ChangePlan {
            layers: LayerId::ALL
                .iter()
                .map(|layer| (*layer, LayerPlan::Whole))
                .collect(),
            history: Some(HistoryPlan::Whole),
        }
    }

    /// Fold logged changes into what to read.
    pub fn from_changes(changes: &[LoggedChange]) -> ChangePlan {
        let mut plan = ChangePlan::default();
        for change in changes {
            match change.target {
                ChangeTarget::Layer(layer) => plan.add_feature(layer, change),
                ChangeTarget::Events => plan.add_event(change),
            }
        }
        plan
    }

    fn add_feature(&mut self, layer: LayerId, change: &LoggedChange) {
        let entry = self
            .layers
            .entry(layer)
            .or_insert_with(|| LayerPlan::Features(BTreeSet::new()));
        match (&mut *entry, change.op, &change.feature_id) {
            (LayerPlan::Whole, _, _) => {}
            (_, ChangeOp::Reload, _) | (_, _, None) => *entry = LayerPlan::Whole,
            (LayerPlan::Features(ids), _, Some(id)) => {
                ids.insert(id.clone());
                if ids.len() >= RELOAD_LAYER_FROM {
                    *entry = LayerPlan::Whole;
                }
            }
        }
    }

    fn add_event(&mut self, change: &LoggedChange) {
        let event_id = change
            .feature_id
            .as_deref()
            .and_then(|id| id.parse::<i64>().ok());
        let history = self
            .history
            .get_or_insert_with(|| HistoryPlan::Added(BTreeSet::new()));
        match (&mut *history, change.op, event_id) {
            (HistoryPlan::Whole, _, _) => {}
            (HistoryPlan::Added(ids), ChangeOp::Insert, Some(event_id)) => {
                ids.insert(event_id);
                if ids.len() >= RELOAD_LAYER_FROM {
                    *history = HistoryPlan::Whole;
                }
            }
            _ => *history = HistoryPlan::Whole,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(
        change_id: i64,
        target: ChangeTarget,
        id: Option<&str>,
        op: ChangeOp,
    ) -> LoggedChange {
        LoggedChange {
            change_id,
            target,
            feature_id: id.map(str::to_string),
            op,
        }
    }

    #[test]
    fn changes_fold_into_ids_per_layer_and_new_events() {
        let parcels = ChangeTarget::Layer(LayerId::Parcels);
        let plan = ChangePlan::from_changes(&[
            change(1, parcels, Some("p2"), ChangeOp::Update),
            change(2, parcels, Some("p1"), ChangeOp::Delete),
            change(3, parcels, Some("p2"), ChangeOp::Update),
            change(4, ChangeTarget::Events, Some("17"), ChangeOp::Insert),
            change(5, ChangeTarget::Events, Some("18"), ChangeOp::Insert),
        ]);
        assert_eq!(
            plan.layers,
            BTreeMap::from([(
                LayerId::Parcels,
                LayerPlan::Features(BTreeSet::from(["p1".into(), "p2".into()]))
            )])
        );
        assert_eq!(
            plan.history,
            Some(HistoryPlan::Added(BTreeSet::from([17, 18])))
        );
    }

    #[test]
    fn a_reload_or_an_edited_event_reads_the_whole_table() {
        let streets = ChangeTarget::Layer(LayerId::Streets);
        let plan = ChangePlan::from_changes(&[
            change(1, streets, Some("s1"), ChangeOp::Insert),
            change(2, streets, None, ChangeOp::Reload),
            change(3, streets, Some("s2"), ChangeOp::Insert),
            change(4, ChangeTarget::Events, Some("17"), ChangeOp::Insert),
            change(5, ChangeTarget::Events, Some("3"), ChangeOp::Update),
        ]);
        assert_eq!(plan.layers[&LayerId::Streets], LayerPlan::Whole);
        assert_eq!(plan.history, Some(HistoryPlan::Whole));
        assert!(ChangePlan::from_changes(&[]).is_empty());
    }

    #[test]
    fn many_changed_features_read_the_whole_layer() {
        let residents = ChangeTarget::Layer(LayerId::Residents);
        let changes: Vec<LoggedChange> = (0..RELOAD_LAYER_FROM as i64)
            .map(|n| change(n, residents, Some(&format!("r{n}")), ChangeOp::Insert))
            .collect();
        let plan = ChangePlan::from_changes(&changes);
        assert_eq!(plan.layers[&LayerId::Residents], LayerPlan::Whole);
    }
}
