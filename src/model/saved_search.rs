//! A site search kept for a company, so that its account manager can run it
//! again when new plots come on the market.

use chrono::{DateTime, Utc};

use super::access::AuditEntry;

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

impl SavedSearch {
    /// What the audit trail keeps of a search (before and after a change).
    pub fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({"company_id": self.company_id, "name": self.name, "request": self.request})
    }
}

/// A change to a kept search: a new name, or gone.
#[derive(Debug, Clone, PartialEq)]
pub enum SavedSearchChange {
    Rename(String),
    Delete,
}

impl SavedSearchChange {
    /// `audit` completed for this change of `before`: its id, and the search
    /// before and after (none after a delete). Both stores write this entry.
    pub fn audit_entry(&self, before: &SavedSearch, audit: &AuditEntry) -> AuditEntry {
        let after = match self {
            SavedSearchChange::Rename(name) => Some(
                SavedSearch {
                    name: name.clone(),
                    ..before.clone()
                }
                .audit_json(),
            ),
            SavedSearchChange::Delete => None,
        };
        AuditEntry {
            target_id: before.search_id.to_string(),
            before: Some(before.audit_json()),
            after,
            ..audit.clone()
        }
    }
}
