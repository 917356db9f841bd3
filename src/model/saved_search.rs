//! A site search kept for a company, so that its account manager can run it
//! again when new plots come on the market.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq)]
pub struct SavedSearch {
    /// Assigned by the store when it is written (0 before).
    pub search_id: i64,
    pub company_id: String,
    pub name: String,
    /// The request as `POST /api/sites/search` takes it.
    pub request: serde_json::Value,
    pub saved_by: String,
    pub saved_at: DateTime<Utc>,
}
