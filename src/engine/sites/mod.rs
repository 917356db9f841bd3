//! Expansion-site search (DOMAIN.md, Expansion-site matching): the sites on
//! business parks that meet a company's hard constraints, assembled from up
//! to four adjacent parcels where needed, ranked by weighted soft criteria
//! with a reason for each, in Dutch or in English.
//!
//! One job per file: [`rules`] (the activity table, NACE groups, access
//! reach), [`request`] (parsing and checking a request), [`geometry`]
//! (straight-line distances and shared boundaries in metres), [`adjacency`]
//! (parcels sharing ≥ 10 m on one park), [`market`] (the parcels on offer
//! with their neighbours and nearest accesses, cached per engine), [`near`]
//! (where `near` is), [`assembly`] (connected groups of up to four
//! parcels), [`constraints`] (the one table of hard constraints: check and
//! Dutch and English reason), [`scoring`] (the soft criteria's scores),
//! [`criteria`] (their table with Dutch and English reasons), and
//! [`search`] (ranking, paging, explanations). The wording: [`language`]
//! (`nl` or `en`), [`numbers`] (numbers, distances and dates per
//! language), [`names`] (the words for zonings, park kinds, activities and
//! availability) and [`exits`] (motorway exits named with their motorway).

pub mod adjacency;
pub mod assembly;
pub mod constraints;
pub mod criteria;
pub mod exits;
pub mod geometry;
pub mod language;
pub mod market;
pub mod names;
pub mod near;
pub mod numbers;
pub mod request;
pub mod rules;
pub mod scoring;
pub mod search;

pub use language::Language;
pub use market::Market;
pub use near::SearchError;
pub use request::{RequestError, SiteRequest};
pub use search::{search, Site, SiteAnswer};

use super::derived::{Derived, Lazy, Reads, Touched};
use super::Engine;
use crate::model::LayerId;

/// The site market of an engine, built on first use (a derived value: see
/// [`crate::engine::derived`]).
#[derive(Debug, Clone, Default)]
pub struct MarketCache(Lazy<Market>);

impl Derived for MarketCache {
    const READS: Reads = Reads {
        layers: &[
            LayerId::Parcels,
            LayerId::BusinessParks,
            LayerId::AccessPoints,
        ],
        history: false,
    };

    fn after(&self, touched: &Touched) -> Self {
        MarketCache(self.0.kept_unless(Self::READS, touched))
    }
}

impl Engine {
    /// The parcels on the market, built on the first call and kept with the
    /// engine while parcels, parks and access points stay the same.
    pub fn site_market(&self) -> std::sync::Arc<Market> {
        self.site_market.0.get_or_build(|| Market::build(self))
    }
}
