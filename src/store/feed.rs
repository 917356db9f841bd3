//! The change feed's words, shared by both stores: what a logged change is,
//! where a follower stands, and what a read of the log gives.
//!
//! Each store keeps a change log filled by triggers in the writer's own
//! transaction (PostGIS: `migrations/0006_change_log.sql`; GeoPackage:
//! `geopackage/change_log.rs`), so a change by any writer, the atlas or QGIS or
//! `psql`, is logged exactly when it commits. A follower keeps a
//! [`ChangeCursor`] and asks for the changes after it.

use std::collections::BTreeSet;

use crate::model::LayerId;

/// The table name the log uses for the shop-unit history.
pub const EVENTS_LOG_NAME: &str = "shop_unit_events";

/// From this many features of one layer on, a write logs one `reload` of
/// the layer instead of a row per feature (its row triggers are off for
/// that transaction): the followers read the whole layer again, which is
/// cheaper than reading a long list of ids.
pub const RELOAD_FROM_FEATURES: usize = 20_000;

/// What a logged change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeTarget {
    Layer(LayerId),
    Events,
}

impl ChangeTarget {
    /// The name the log stores (a layer id or `shop_unit_events`); `None`
    /// for a name this atlas does not know.
    pub fn parse(name: &str) -> Option<ChangeTarget> {
        if name == EVENTS_LOG_NAME {
            return Some(ChangeTarget::Events);
        }
        name.parse().ok().map(ChangeTarget::Layer)
    }
}

/// What happened to the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOp {
    Insert,
    Update,
    Delete,
    /// The whole table was rewritten (a bulk load): read it all again.
    Reload,
}

impl ChangeOp {
    pub fn parse(text: &str) -> Option<ChangeOp> {
        Some(match text {
            "insert" => ChangeOp::Insert,
            "update" => ChangeOp::Update,
            "delete" => ChangeOp::Delete,
            "reload" => ChangeOp::Reload,
            _ => return None,
        })
    }
}

/// One row of the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedChange {
    pub change_id: i64,
    pub target: ChangeTarget,
    /// The feature id, or the event id in text; `None` with `Reload`.
    pub feature_id: Option<String>,
    pub op: ChangeOp,
}

/// Where a follower stands in the log.
///
/// GeoPackage: SQLite has one writer at a time, so ids are in commit order
/// and `after_change` alone says what was applied. PostGIS: ids are taken
/// before commit, so `from_txid` is the oldest transaction that may still
/// have been running at the last read; every row of a transaction from it
/// on is read again, and `seen` (ids at or above it) keeps each applied once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeCursor {
    pub after_change: i64,
    pub from_txid: u64,
    pub seen: BTreeSet<i64>,
}

/// A read of the log after a cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangesAfter {
    /// The changes not applied yet (in change id order) and the cursor that
    /// follows them.
    Changes {
        changes: Vec<LoggedChange>,
        cursor: ChangeCursor,
    },
    /// The log was pruned past the cursor: something may have been missed,
    /// so the follower must load everything again.
    FellBehind,
}

/// A stored row that does not decode into a feature of its layer (a
/// geometry or value that another writer left broken): kept out of the
/// engine and listed until it is fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    pub id: String,
    pub reason: String,
}

/// One stored row as read for the feed: a feature, or why it is not one.
pub type RowRead = Result<crate::model::Feature, RejectedRow>;
