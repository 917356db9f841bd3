//! The storage seam: one trait, two real backends (GeoPackage and PostGIS).
//!
//! A store keeps every layer as a table of features and the shop-unit events
//! as a table of their own. Writes are upserts by feature id plus appended
//! events, all or nothing: a failed write leaves the store as it was.

pub mod feed;
pub mod geopackage;
pub mod postgis;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

pub use feed::{
    ChangeCursor, ChangeOp, ChangeTarget, ChangesAfter, LoggedChange, RejectedRow, RowRead,
};

use chrono::{DateTime, Utc};

use crate::model::access::{
    Account, AuditEntry, FailedLogins, FoundSession, LockoutPolicy, LoginAttempt, StoredSession,
    StoredToken,
};
use crate::model::saved_search::{SavedSearch, SavedSearchChange};
use crate::model::{Dataset, Feature, LayerId, ModelError, UnitEvent};

/// Which backend a store is, as reported by `/api/health`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    GeoPackage,
    PostGis,
}

impl StoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::GeoPackage => "geopackage",
            StoreKind::PostGis => "postgis",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A record that the store refuses; nothing was written.
    #[error("invalid {layer} feature {index} ('{id}'): {source}")]
    Invalid {
        layer: String,
        index: usize,
        id: String,
        source: ModelError,
    },
    /// The store cannot be opened or used (missing file, no PostGIS, old schema).
    #[error("{0}")]
    Unavailable(String),
    #[error("geopackage error while {context}: {source}")]
    Sqlite {
        context: String,
        source: rusqlite::Error,
    },
    #[error("postgres error while {context}: {}", postgres_message(.source))]
    Postgres {
        context: String,
        source: tokio_postgres::Error,
    },
    #[error("{context}: {reason}")]
    Corrupt { context: String, reason: String },
    /// An edit made on a version that is no longer the stored one; nothing was written.
    #[error(
        "shop unit '{unit_id}' is at version {current}, the edit was made on version {expected}"
    )]
    Conflict {
        unit_id: String,
        expected: u64,
        current: u64,
    },
}

impl StoreError {
    /// Whether the store could not be reached (rather than refusing the
    /// request or failing in itself): no connection, a connection lost, a
    /// server shutting down or starting (SQLSTATE classes 08 and 57).
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Unavailable(_) => true,
            StoreError::Postgres { source, .. } => {
                source.is_closed()
                    || match source.as_db_error() {
                        None => true,
                        Some(db_error) => {
                            let code = db_error.code().code();
                            code.starts_with("08") || code.starts_with("57")
                        }
                    }
            }
            _ => false,
        }
    }
}

/// The server's own words for a postgres error, on one line: tokio-postgres
/// prints only "db error" for an error that the server reports.
pub(crate) fn postgres_message(error: &tokio_postgres::Error) -> String {
    let message = match error.as_db_error() {
        Some(db_error) => match db_error.detail() {
            Some(detail) => format!("{} ({detail})", db_error.message()),
            None => db_error.message().to_string(),
        },
        None => match std::error::Error::source(error) {
            Some(cause) => format!("{error}: {cause}"),
            None => error.to_string(),
        },
    };
    message.replace('\n', " ")
}

/// What one write adds or replaces: features per layer (upserted by id) and
/// events (appended; their units must exist after the write).
#[derive(Debug, Clone, Default)]
pub struct WriteBatch {
    pub layers: Vec<(LayerId, Vec<Feature>)>,
    pub events: Vec<UnitEvent>,
}

impl WriteBatch {
    /// Every layer and every event of a dataset.
    pub fn from_dataset(dataset: &Dataset) -> Self {
        WriteBatch {
            layers: LayerId::ALL
                .iter()
                .map(|layer| (*layer, dataset.features(*layer)))
                .collect(),
            events: dataset.unit_events.clone(),
        }
    }

    /// The number of rows the write touches (features and events).
    pub fn len(&self) -> usize {
        self.layers
            .iter()
            .map(|(_, features)| features.len())
            .sum::<usize>()
            + self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Check every feature against its layer before anything is written.
    pub fn validate(&self) -> Result<(), StoreError> {
        for (layer, features) in &self.layers {
            for (index, feature) in features.iter().enumerate() {
                feature
                    .validate(layer.schema())
                    .map_err(|source| StoreError::Invalid {
                        layer: layer.to_string(),
                        index,
                        id: feature.id.clone(),
                        source,
                    })?;
            }
        }
        Ok(())
    }
}

/// What makes a write an edit by a person: the versions it was made on
/// (checked inside the write's transaction) and its audit entries (written in
/// that same transaction). A plain load has neither.
#[derive(Debug, Clone, Default)]
pub struct EditGuard {
    /// (shop unit id, version): the version is the number of events the
    /// store holds for the unit; any other number fails the write with
    /// [`StoreError::Conflict`].
    pub expect_versions: Vec<(String, u64)>,
    pub audit: Vec<AuditEntry>,
}

/// Which audit entries to read, newest first.
#[derive(Debug, Clone)]
pub struct AuditQuery {
    pub target: Option<String>,
    pub target_id: Option<String>,
    pub actor: Option<String>,
    pub limit: usize,
    pub offset: usize,
}

/// Called with the number of rows written so far, for progress bars.
pub type Progress<'a> = &'a (dyn Fn(usize) + Send + Sync);

/// The seam between the atlas and its storage, by job: the layers and the
/// shop-unit history with their change feed ([`LayerStore`]) and who may do
/// what with its trail ([`AccessStore`]). A backend implements both; the
/// atlas holds it as one [`Store`].
pub trait Store: LayerStore + AccessStore {}

impl<T: LayerStore + AccessStore> Store for T {}

/// The layers, the shop-unit history and the change feed of a store.
#[async_trait]
pub trait LayerStore: Send + Sync {
    fn kind(&self) -> StoreKind;
    /// Every feature of a layer, ordered by id.
    async fn read_layer(&self, layer: LayerId) -> Result<Vec<Feature>, StoreError>;
    /// Every shop-unit event, ordered by event id.
    async fn read_events(&self) -> Result<Vec<UnitEvent>, StoreError>;
    /// Upsert the features and append the events in one transaction.
    async fn write(&self, batch: &WriteBatch, progress: Progress<'_>) -> Result<(), StoreError> {
        self.write_guarded(batch, &EditGuard::default(), progress)
            .await
    }
    /// As `write`, checking the guard's versions first and appending its
    /// audit entries, all in the one transaction.
    async fn write_guarded(
        &self,
        batch: &WriteBatch,
        guard: &EditGuard,
        progress: Progress<'_>,
    ) -> Result<(), StoreError>;
    /// The number of features per layer.
    async fn counts(&self) -> Result<BTreeMap<LayerId, u64>, StoreError>;

    // the change feed (see `feed.rs`)

    /// Where the change log stands now. A follower that takes this, then
    /// reads the layers, and then follows from it misses nothing.
    async fn change_cursor(&self) -> Result<ChangeCursor, StoreError>;
    /// The changes committed after `cursor`, in change id order.
    async fn changes_after(&self, cursor: &ChangeCursor) -> Result<ChangesAfter, StoreError>;
    /// The rows of a layer with these ids (every row with `None`), ordered
    /// by id, each decoded on its own: a row that does not decode is its
    /// [`RejectedRow`], not an error of the whole read. An id without a row
    /// is left out (the feature was deleted).
    async fn read_rows(
        &self,
        layer: LayerId,
        ids: Option<&[String]>,
    ) -> Result<Vec<RowRead>, StoreError>;
    /// The shop-unit events with these ids (those that exist), by id.
    async fn read_events_by_id(&self, event_ids: &[i64]) -> Result<Vec<UnitEvent>, StoreError>;
    /// Drop the log rows older than `keep`; returns how many went.
    async fn prune_changes(&self, keep: chrono::Duration) -> Result<u64, StoreError>;
    /// A counter that moves soon after any writer commits to the store
    /// (PostGIS: `LISTEN`; GeoPackage: `PRAGMA data_version` polling), and
    /// after a lost connection is back. A hint only: the follower reads the
    /// log to learn what changed, and also reads it now and then without one.
    fn change_signal(&self) -> tokio::sync::watch::Receiver<u64>;
}

/// Accounts, API tokens, login sessions and failed logins, the audit trail
/// and saved site searches: every write with its audit entry, in one
/// transaction.
#[async_trait]
pub trait AccessStore: Send + Sync {
    /// Add an account, or replace the one of that name (a new password or
    /// role), with its audit entry, in one transaction.
    async fn put_account(&self, account: &Account, audit: &AuditEntry) -> Result<(), StoreError>;
    async fn account(&self, name: &str) -> Result<Option<Account>, StoreError>;
    /// Add an API token of an existing account, with its audit entry.
    async fn put_token(&self, token: &StoredToken, audit: &AuditEntry) -> Result<(), StoreError>;
    /// The token with this hash, expired or not.
    async fn token(&self, token_hash: &str) -> Result<Option<StoredToken>, StoreError>;
    /// Audit entries, newest first.
    async fn read_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError>;

    /// Keep a site search with its audit entry; returns its new id.
    async fn put_saved_search(
        &self,
        search: &SavedSearch,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError>;
    /// Rename or delete a kept search with its audit entry (its `before` and
    /// `after` filled in here), in one transaction; the search as it was,
    /// `None` (and nothing written) when there is no such search.
    async fn change_saved_search(
        &self,
        search_id: i64,
        change: &SavedSearchChange,
        audit: &AuditEntry,
    ) -> Result<Option<SavedSearch>, StoreError>;
    /// The saved searches of one company (or all), oldest first.
    async fn saved_searches(
        &self,
        company_id: Option<&str>,
    ) -> Result<Vec<SavedSearch>, StoreError>;

    // login sessions and failed logins

    /// Keep a new login session; its account must exist.
    async fn open_session(&self, session: &StoredSession) -> Result<(), StoreError>;
    /// The session with this hash, expired or not, with the role its account
    /// has now; `None` when the session or its account is gone.
    async fn session(&self, session_hash: &str) -> Result<Option<FoundSession>, StoreError>;
    /// Record a use of a session: its new last use and expiry. False when
    /// the session is gone (closed meanwhile).
    async fn touch_session(
        &self,
        session_hash: &str,
        last_used_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// End one session (a logout); a session that is gone already is fine.
    async fn close_session(&self, session_hash: &str) -> Result<(), StoreError>;
    /// End every session of an account; returns how many there were.
    async fn close_sessions_of(&self, account: &str) -> Result<u64, StoreError>;
    /// Remove the sessions expired at `now`; returns how many.
    async fn prune_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Remove an account with its tokens, sessions and failed logins, and
    /// write its audit entry, in one transaction. False (nothing written)
    /// when there is no such account.
    async fn remove_account(&self, name: &str, audit: &AuditEntry) -> Result<bool, StoreError>;
    /// The failed logins remembered for a name (an account or not).
    async fn failed_logins(&self, name: &str) -> Result<Option<FailedLogins>, StoreError>;
    /// Count one wrong password by `policy` (`LockoutPolicy::after_failure`)
    /// and write the attempt's audit entry, in one transaction that also
    /// drops forgotten records; returns the name's record after it.
    async fn record_failed_login(
        &self,
        attempt: &LoginAttempt,
        policy: &LockoutPolicy,
    ) -> Result<FailedLogins, StoreError>;
    /// Forget the failed logins of a name (after a right password).
    async fn clear_failed_logins(&self, name: &str) -> Result<(), StoreError>;
}

/// Read a whole dataset from a store.
pub async fn read_dataset(store: &dyn Store) -> Result<Dataset, StoreError> {
    let mut dataset = Dataset::default();
    for layer in LayerId::ALL {
        let features = store.read_layer(*layer).await?;
        dataset
            .set_features(*layer, &features)
            .map_err(|(index, id, source)| StoreError::Invalid {
                layer: layer.to_string(),
                index,
                id,
                source,
            })?;
    }
    dataset.unit_events = store.read_events().await?;
    Ok(dataset)
}

pub type SharedStore = Arc<dyn Store>;
