//! A snapshot's stock made from the stock of a snapshot before it, when
//! only a few shop units changed: the units whose feature and history are
//! the same are shared, the others are built again.
//!
//! Valid only between snapshots with the same shopping areas and
//! neighbourhoods ([`super::VacancyCache`] keeps a previous stock only
//! then). The history only grows (an edit appends events), so the units
//! touched since are those named by the events after the old stock's count,
//! plus those whose feature differs. A unit's stock entry depends on nothing
//! else: its fixed facts and point come from its feature, its sequence from
//! its events, its neighbourhood from its point and the unchanged layer. When
//! the layer's units are not the same ids in the same order, or many units
//! changed, there is no patch and the stock is built afresh.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::stock::{in_force_sequence, RetailStock, Source, StockUnit};
use super::VacancyError;
use crate::engine::Engine;
use crate::model::history::HistoryIndex;
use crate::model::layers::LayerRecord;
use crate::model::{LayerId, ShopUnit};

/// Up to this many changed units, their events are found by comparing ids.
const FEW: usize = 8;

/// More changed units than this: build afresh.
pub const MAX_CHANGED: usize = 256;

/// The stock of `engine` from `old` (a stock of an earlier snapshot), or
/// `None` when it cannot be patched. `neighbourhood_of` places a changed unit.
pub fn patched(
    old: &RetailStock,
    engine: &Engine,
    neighbourhood_of: impl Fn(&ShopUnit) -> Option<String>,
) -> Option<Result<RetailStock, VacancyError>> {
    let source = old.source.as_ref()?;
    let layer = &engine.layers[&LayerId::ShopUnits];
    let events = engine.unit_events();
    let (old_features, features) = (source.units_layer.features(), layer.features());
    if source.n_events > events.len() || old_features.len() != features.len() {
        return None;
    }
    let touched: HashSet<&str> = events[source.n_events..]
        .iter()
        .map(|event| event.unit_id.as_str())
        .collect();
    let mut changed: Vec<usize> = Vec::new();
    for (position, (old_feature, feature)) in old_features.iter().zip(features).enumerate() {
        if old_feature.id != feature.id {
            return None;
        }
        if touched.contains(feature.id.as_str()) || old_feature != feature {
            changed.push(position);
            if changed.len() > MAX_CHANGED {
                return None;
            }
        }
    }
    Some(rebuilt(old, source, engine, &changed, neighbourhood_of))
}

/// `old` with the units at `changed` (feature positions) built again.
fn rebuilt(
    old: &RetailStock,
    source: &Source,
    engine: &Engine,
    changed: &[usize],
    neighbourhood_of: impl Fn(&ShopUnit) -> Option<String>,
) -> Result<RetailStock, VacancyError> {
    let layer = &engine.layers[&LayerId::ShopUnits];
    let features = layer.features();
    let events = engine.unit_events();
    let decoded: Vec<ShopUnit> = changed
        .iter()
        .map(|position| {
            let feature = &features[*position];
            ShopUnit::from_feature(feature).map_err(|source| VacancyError::Feature {
                layer: LayerId::ShopUnits.as_str(),
                feature_id: feature.id.clone(),
                source,
            })
        })
        .collect::<Result<_, _>>()?;
    // the events of the changed units: a few ids compared directly, more
    // looked up in a map
    let history = if decoded.len() <= FEW {
        HistoryIndex::new(events, decoded.len(), |id| {
            decoded.iter().position(|unit| unit.id == id)
        })
    } else {
        let index_of: HashMap<&str, usize> = decoded
            .iter()
            .enumerate()
            .map(|(index, unit)| (unit.id.as_str(), index))
            .collect();
        HistoryIndex::new(events, decoded.len(), |id| index_of.get(id).copied())
    };
    let mut rebuilt: Vec<Option<Arc<StockUnit>>> = Vec::with_capacity(decoded.len());
    for (index, unit) in decoded.into_iter().enumerate() {
        let in_force = in_force_sequence(history.history(events, index));
        rebuilt.push(
            (!in_force.is_empty())
                .then(|| Arc::new(StockUnit::of(unit, in_force, &neighbourhood_of))),
        );
    }
    let mut units = Vec::with_capacity(old.units.len() + rebuilt.len());
    let mut unit_of_feature = Vec::with_capacity(features.len());
    let mut next_changed = changed.iter().zip(rebuilt).peekable();
    for (position, old_unit) in source.unit_of_feature.iter().enumerate() {
        let unit = match next_changed.peek() {
            Some((changed_position, _)) if **changed_position == position => {
                next_changed.next().and_then(|(_, unit)| unit)
            }
            _ => old_unit.map(|unit_idx| Arc::clone(&old.units[unit_idx as usize])),
        };
        unit_of_feature.push(unit.as_ref().map(|_| units.len() as u32));
        units.extend(unit);
    }
    Ok(RetailStock {
        units,
        area_names: old.area_names.clone(),
        neighbourhood_names: old.neighbourhood_names.clone(),
        city_name: Arc::clone(&old.city_name),
        source: Some(Arc::new(Source {
            units_layer: Arc::clone(layer),
            n_events: events.len(),
            unit_of_feature,
        })),
    })
}
