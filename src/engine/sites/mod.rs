//! Expansion-site search (DOMAIN.md, Expansion-site matching): the sites on
//! business parks that meet a company's hard constraints, assembled from up
//! to four adjacent parcels where needed, ranked by weighted soft criteria
//! with a Dutch reason for each.
//!
//! One job per file: [`rules`] (the activity table, NACE groups, access
//! reach), [`request`] (parsing and checking a request), [`geometry`]
//! (straight-line distances and shared boundaries in metres), [`adjacency`]
//! (parcels sharing ≥ 10 m on one park), [`market`] (the parcels on offer
//! with their neighbours and nearest accesses, cached per engine),
//! [`assembly`] (connected groups of up to four parcels), [`scoring`] (the
//! soft criteria), [`dutch`] (numbers for the reasons) and [`search`]
//! (constraints, ranking, paging, explanations).

pub mod adjacency;
pub mod assembly;
pub mod dutch;
pub mod geometry;
pub mod market;
pub mod request;
pub mod rules;
pub mod scoring;
pub mod search;

pub use market::Market;
pub use request::{RequestError, SiteRequest};
pub use search::{search, SearchError, Site, SiteAnswer};

use super::Engine;

impl Engine {
    /// The parcels on the market, built on the first call and kept with the
    /// engine (an engine with other parcels, parks or access points builds
    /// its own; see [`Market::reads`]).
    pub fn site_market(&self) -> &Market {
        self.site_market.get_or_init(|| Market::build(self))
    }
}
