//! Neighbourhood shop coverage along the walking network, after DOMAIN.md
//! ("Neighbourhood shop coverage").
//!
//! Pure. One algorithm per file: [`graph`] (the walking network from the
//! `streets` layer), [`snap`] (a home or a shop attached to the nearest point
//! of the nearest walkable edge), [`dijkstra`] (multi-source shortest paths
//! from every open shop of a kind in one pass), [`base`] (the network and the
//! snapped residents, cached on the [`Engine`](super::Engine) until streets,
//! residents or neighbourhoods change), [`shops`] (the shops open on a date),
//! [`figures`] (per neighbourhood and city figures, the `daily` basket),
//! [`whatif`] (figures before and after adding or removing shops) and
//! [`isochrone`] (walking isochrones of one shop).
//!
//! # Definitions
//! - **Walking distance** from a home to a shop = the geodesic distance from
//!   the home to the nearest point of the nearest walkable street edge + the
//!   length along walkable edges (geodesic, metres on the ground) + the
//!   distance from the shop's nearest point on a walkable edge to the shop.
//!   Edges are the segments between consecutive vertices of walkable streets;
//!   streets meet where they share a vertex (exactly equal coordinates).
//!   Streets with `walkable = false` (motorways and their ramps) are left out.
//! - **Unreachable**: a home (or shop) more than [`MAX_CONNECT_M`] from every
//!   walkable edge, or a home on a piece of the network from which no open
//!   shop of the kind can be reached (a disconnected piece, or a city copy
//!   without such a shop). Unreachable residents are counted in `population`
//!   and `unreachable`, never in `covered`, and left out of the median and
//!   90th percentile.
//! - **Open shops** on date D: shop units whose state on D
//!   ([`units_on`](crate::model::history::units_on)) is `occupied` with the
//!   kind; a unit without an event on or before D did not exist yet.
//! - **Covered**: walking distance ≤ the threshold (400, 800 or 1,200 m);
//!   with threshold `any`, every reachable resident is covered.
//! - **The `daily` basket**: a supermarket, or a bakery together with a
//!   butcher or a grocery, each within the threshold. Its distance is
//!   `min(d_supermarket, max(d_bakery, min(d_butcher, d_grocery)))`: the
//!   smallest threshold at which the home has the basket, so "covered" is
//!   that distance ≤ threshold and the median and p90 are of that distance.
//!   Pharmacies are counted on their own (`kind=pharmacy`), not in the basket.
//! - **Median and 90th percentile**: population-weighted over the reachable
//!   residents of the area: the smallest distance within which at least 50%
//!   (90%) of their population lives; `None` when nobody can reach a shop.
//! - **Neighbourhood** of a home: the neighbourhood polygon that contains it
//!   (boundary excluded, as `ST_Contains`); homes in none count only in the
//!   city totals.

pub mod base;
pub mod dijkstra;
pub mod figures;
pub mod graph;
pub mod isochrone;
pub mod shops;
pub mod snap;
pub mod whatif;

use std::sync::Arc;

use crate::engine::derived::{Derived, Lazy, Reads, Touched};

pub use base::{CoverageBase, ResidentSite};
pub use figures::{AreaFigures, CoverageFigures, Threshold};
pub use graph::WalkNetwork;
pub use snap::Snap;

use crate::model::{LayerId, ModelError, ShopKind};

/// Beyond this distance from every walkable edge a home or shop is unreachable.
pub const MAX_CONNECT_M: f64 = 250.0;

/// What coverage is counted for: one shop kind, or the `daily` basket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CoverageKind {
    Single(ShopKind),
    Daily,
}

impl CoverageKind {
    pub const ALL: [CoverageKind; 6] = [
        CoverageKind::Single(ShopKind::Bakery),
        CoverageKind::Single(ShopKind::Butcher),
        CoverageKind::Single(ShopKind::Supermarket),
        CoverageKind::Single(ShopKind::Grocery),
        CoverageKind::Single(ShopKind::Pharmacy),
        CoverageKind::Daily,
    ];

    /// The basket's kinds, in the order of [`basket_distance`].
    pub const BASKET: [ShopKind; 4] = [
        ShopKind::Supermarket,
        ShopKind::Bakery,
        ShopKind::Butcher,
        ShopKind::Grocery,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CoverageKind::Single(kind) => kind.as_str(),
            CoverageKind::Daily => "daily",
        }
    }

    /// The shop kinds whose distances this needs.
    pub fn shop_kinds(self) -> Vec<ShopKind> {
        match self {
            CoverageKind::Single(kind) => vec![kind],
            CoverageKind::Daily => Self::BASKET.to_vec(),
        }
    }

    /// The rule, in words, for the answer's metadata.
    pub fn rule(self) -> String {
        match self {
            CoverageKind::Single(kind) => format!(
                "covered when the walking distance to the nearest open {} is at most the threshold",
                kind.as_str()
            ),
            CoverageKind::Daily => "covered when a supermarket, or a bakery and a butcher or grocery, \
                are each within the threshold; distance = min(supermarket, max(bakery, min(butcher, grocery)))"
                .to_string(),
        }
    }
}

impl std::str::FromStr for CoverageKind {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        CoverageKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| {
                format!(
                    "unknown kind '{text}' (expected one of: bakery, butcher, supermarket, grocery, pharmacy, daily)"
                )
            })
    }
}

/// The basket distance from the distances to a supermarket, bakery, butcher
/// and grocery (in that order); infinite when the basket cannot be had.
pub fn basket_distance(distances_m: [f64; 4]) -> f64 {
    let [supermarket, bakery, butcher, grocery] = distances_m;
    supermarket.min(bakery.max(butcher.min(grocery)))
}

/// Why coverage cannot be computed.
#[derive(Debug, thiserror::Error)]
pub enum CoverageError {
    /// A feature of a layer the figures read does not decode.
    #[error("{layer} feature '{feature_id}' is not valid: {source}")]
    Feature {
        layer: &'static str,
        feature_id: String,
        source: ModelError,
    },
}

/// The lazily built [`CoverageBase`] of an engine, shared by the engines
/// derived from it while streets, residents and neighbourhoods stay the same.
#[derive(Debug, Clone, Default)]
pub struct CoverageCache(Lazy<CoverageBase>);

impl Derived for CoverageCache {
    const READS: Reads = Reads {
        layers: &[
            LayerId::Streets,
            LayerId::Residents,
            LayerId::Neighbourhoods,
        ],
        history: false,
    };

    fn after(&self, touched: &Touched) -> Self {
        CoverageCache(self.0.kept_unless(Self::READS, touched))
    }
}

impl CoverageCache {
    /// The cached base, building it with `build` the first time.
    pub fn get_or_build(
        &self,
        build: impl FnOnce() -> Result<CoverageBase, CoverageError>,
    ) -> Result<Arc<CoverageBase>, CoverageError> {
        self.0.get_or_try_build(build)
    }

    /// Whether the base has been built.
    pub fn is_built(&self) -> bool {
        self.0.is_built()
    }
}
