//! The shops that count on a date: units whose state on the date is
//! `occupied` with a kind, each snapped to the walking network.

use chrono::NaiveDate;
use geo::Point;

use super::base::decode;
use super::graph::WalkNetwork;
use super::snap::Snap;
use super::CoverageError;
use crate::engine::Engine;
use crate::model::history::units_on;
use crate::model::{LayerId, ShopKind, ShopUnit, UnitStatus};

/// An open shop (or a hypothetical one) and where it joins the network.
#[derive(Debug, Clone)]
pub struct ShopSite {
    /// The unit id; empty for a hypothetical shop.
    pub id: String,
    pub kind: ShopKind,
    pub point: Point<f64>,
    /// `None`: more than 250 m from every walkable street.
    pub snap: Option<Snap>,
}

/// The units occupied on `date` that carry a kind, snapped to `network`.
pub fn open_shops(
    units: &[ShopUnit],
    engine: &Engine,
    network: &WalkNetwork,
    date: NaiveDate,
) -> Vec<ShopSite> {
    units_on(units, engine.unit_events(), date)
        .into_iter()
        .filter(|unit| unit.status == UnitStatus::Occupied)
        .filter_map(|unit| {
            Some(ShopSite {
                kind: unit.kind?,
                point: unit.geometry,
                snap: network.snap(unit.geometry),
                id: unit.id,
            })
        })
        .collect()
}

/// The engine's shop units, decoded.
pub fn shop_units(engine: &Engine) -> Result<Vec<ShopUnit>, CoverageError> {
    decode(engine, LayerId::ShopUnits)
}

/// The newest valid-from of the history: the default date of the figures.
pub fn latest_valid_from(engine: &Engine) -> Option<NaiveDate> {
    engine
        .unit_events()
        .iter()
        .map(|event| event.valid_from)
        .max()
}

/// The snaps of the shops of `kind`.
pub fn snaps_of(shops: &[ShopSite], kind: ShopKind) -> Vec<Snap> {
    shops
        .iter()
        .filter(|shop| shop.kind == kind)
        .filter_map(|shop| shop.snap)
        .collect()
}
