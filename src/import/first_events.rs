//! The first event of each shop unit an import brings in (issue 17): a
//! unit without history is left out of the vacancy figures and cannot be
//! edited (an edit names the version it was made on), so every new unit
//! gets one event in the import's own transaction.
//!
//! The event takes the unit's status, category, kind, floor area and
//! occupant from the file, `valid_from` from its `status_since` (a mapped
//! field, or `--default status_since=DATE` for the import date), and
//! `recorded_by` the importer. A unit that already has history keeps it.
//! Pure: the caller says which units have history and who imports when.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::model::{Feature, LayerId, LayerRecord, ModelError, ShopUnit, UnitEvent};

/// The note on every first event an import writes.
pub const IMPORT_NOTE: &str = "imported";

/// One first event for each of `features` (of `layer`; none for another
/// layer) whose id is not in `with_history`; the store gives the ids. A
/// feature that is not a shop unit is refused with the reason, naming it.
pub fn first_events(
    layer: LayerId,
    features: &[Feature],
    with_history: &HashSet<String>,
    recorded_by: &str,
    recorded_at: DateTime<Utc>,
) -> Result<Vec<UnitEvent>, (String, ModelError)> {
    if layer != LayerId::ShopUnits {
        return Ok(Vec::new());
    }
    // whole seconds, as the store keeps them
    let recorded_at = chrono::SubsecRound::trunc_subsecs(recorded_at, 0);
    let mut seen = HashSet::new();
    let mut events = Vec::new();
    for feature in features {
        if with_history.contains(&feature.id) || !seen.insert(feature.id.clone()) {
            continue;
        }
        let unit = ShopUnit::from_feature(feature).map_err(|error| (feature.id.clone(), error))?;
        events.push(UnitEvent {
            event_id: 0,
            unit_id: unit.id,
            valid_from: unit.status_since,
            recorded_at,
            recorded_by: recorded_by.to_string(),
            status: unit.status,
            category: unit.category,
            kind: unit.kind,
            floor_area_m2: unit.floor_area_m2,
            occupant: unit.occupant,
            note: Some(IMPORT_NOTE.to_string()),
        });
    }
    Ok(events)
}
