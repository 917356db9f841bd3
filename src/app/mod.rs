//! The application layer: the one owner of the store handle, the current
//! engine snapshot, the tile cache and the features kept out, and the one
//! way in for every change, whatever its source.
//!
//! Like rust-analyzer's `AnalysisHost`, an [`App`] holds a state to which
//! changes are applied, and hands out immutable [`Engine`] snapshots. A
//! change reaches it in one way only: it is committed to the store, whose
//! triggers log it ([`crate::store::feed`]), and [`App::catch_up`] reads
//! the log after the position it has applied, reads the changed features
//! and events again, and swaps in a new snapshot in which each derived
//! value is kept, patched or dropped by what it reads
//! ([`crate::engine::derived`]), then invalidates exactly the touched tiles.
//! An edit through this server ([`App::write`]) commits and then catches
//! up; an edit by another server, `atlas import`, QGIS or `psql` is caught
//! up when the store signals it ([`App::follow`]). So every server on one
//! store applies every change the same way.
//!
//! Work that a commit starts is never left to the request that asked for
//! it: [`App::write`] runs the write and the catch-up in a task of its
//! own, which finishes even when the client hangs up.

mod apply;
pub mod changes;
pub mod rejected;
pub mod tile_cache;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use geo::Rect;

use crate::engine::Engine;
use crate::model::LayerId;
use crate::store::{ChangeCursor, ChangesAfter, EditGuard, SharedStore, StoreError, WriteBatch};
use crate::tiles::TileParams;
pub use changes::ChangePlan;
pub use rejected::RejectedFeature;
use rejected::RejectedFeatures;
use tile_cache::TileCache;

/// The most bytes the tile cache holds by default (both encodings).
pub const TILE_CACHE_BUDGET_BYTES: usize = 512 << 20;

/// How often the log is read without a signal (a missed notification, a
/// poller that stopped): the upper bound on how late a change is seen.
const READ_LOG_EVERY: Duration = Duration::from_secs(5);
/// How long to wait after a failed read of the log (the store is down).
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// Log rows older than this are pruned, once an hour.
const KEEP_CHANGES: chrono::Duration = chrono::Duration::days(7);
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// What one catch-up applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Logged changes read (0: nothing new).
    pub n_changes: usize,
    /// Features read again and put in, or taken out.
    pub n_features: usize,
    pub n_events: usize,
    /// Cached tiles dropped.
    pub n_tiles_dropped: usize,
    /// The log was pruned past this server's position: it read everything.
    pub reloaded: bool,
}

/// A committed write and the snapshot that has it.
#[derive(Debug, Clone)]
pub struct Written {
    pub engine: Arc<Engine>,
    /// What the catch-up after it applied (its own change, and any other
    /// writer's committed meanwhile).
    pub applied: Applied,
}

/// The atlas's state and its one way in for changes; cheap to clone.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    store: SharedStore,
    engine: RwLock<Arc<Engine>>,
    /// Where this server stands in the change log; `None` until known. The
    /// lock also makes catch-ups one at a time.
    cursor: tokio::sync::Mutex<Option<ChangeCursor>>,
    tile_cache: TileCache,
    tile_params: TileParams,
    rejected: RejectedFeatures,
}

impl App {
    /// An atlas on `store` serving `engine`. It learns its place in the
    /// change log at its first write or catch-up, so a change committed
    /// before that is only seen if it is in `engine` already; a server
    /// starts with [`App::load`] instead.
    pub fn new(store: SharedStore, engine: Engine, tile_cache_bytes: usize) -> App {
        App {
            inner: Arc::new(Inner {
                store,
                engine: RwLock::new(Arc::new(engine)),
                cursor: tokio::sync::Mutex::new(None),
                tile_cache: TileCache::new(tile_cache_bytes),
                tile_params: TileParams::default(),
                rejected: RejectedFeatures::default(),
            }),
        }
    }

    /// Load everything from `store`: the log's position first, then every
    /// layer and the history, so nothing committed meanwhile is missed. A
    /// stored feature that is not valid for the atlas is kept out and
    /// listed ([`App::rejected`]), not a reason to refuse to start.
    pub async fn load(
        store: SharedStore,
        tile_cache_bytes: usize,
        city_name: &str,
    ) -> Result<App, StoreError> {
        let cursor = store.change_cursor().await?;
        let empty = Engine::new(Vec::new(), Vec::new()).with_city_name(city_name);
        let app = App::new(store, empty, tile_cache_bytes);
        let mut held = app.inner.cursor.lock().await;
        app.apply(ChangePlan::everything()).await?;
        *held = Some(cursor);
        drop(held);
        Ok(app)
    }

    pub fn store(&self) -> &SharedStore {
        &self.inner.store
    }

    /// The engine as it is now; a later change does not change this snapshot.
    pub fn engine(&self) -> Arc<Engine> {
        self.inner
            .engine
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn tile_cache(&self) -> &TileCache {
        &self.inner.tile_cache
    }

    pub fn tile_params(&self) -> TileParams {
        self.inner.tile_params
    }

    /// The stored features kept out of the engine, with their reasons.
    pub fn rejected(&self) -> Vec<RejectedFeature> {
        self.inner.rejected.list()
    }

    /// Commit `batch` (with the guard's version checks and audit entries,
    /// one transaction), then catch up, so the snapshot returned has it.
    /// Runs in a task of its own: a caller that goes away does not stop it
    /// between the commit and the catch-up.
    pub async fn write(&self, batch: WriteBatch, guard: EditGuard) -> Result<Written, StoreError> {
        let app = self.clone();
        let task = tokio::spawn(async move {
            app.ensure_cursor().await?;
            app.inner
                .store
                .write_guarded(&batch, &guard, &|_| {})
                .await?;
            drop(batch);
            let applied = app.catch_up().await?;
            Ok(Written {
                engine: app.engine(),
                applied,
            })
        });
        task.await
            .map_err(|error| StoreError::Unavailable(format!("applying a write failed: {error}")))?
    }

    /// Take the log's position now if it is not known yet.
    async fn ensure_cursor(&self) -> Result<(), StoreError> {
        let mut cursor = self.inner.cursor.lock().await;
        if cursor.is_none() {
            *cursor = Some(self.inner.store.change_cursor().await?);
        }
        Ok(())
    }

    /// Apply every change committed since the last catch-up, by any writer.
    pub async fn catch_up(&self) -> Result<Applied, StoreError> {
        let mut held = self.inner.cursor.lock().await;
        let Some(cursor) = held.as_ref() else {
            *held = Some(self.inner.store.change_cursor().await?);
            return Ok(Applied::default());
        };
        let (plan, next, n_changes, reloaded) = match self.inner.store.changes_after(cursor).await?
        {
            ChangesAfter::Changes { changes, cursor } => (
                ChangePlan::from_changes(&changes),
                cursor,
                changes.len(),
                false,
            ),
            ChangesAfter::FellBehind => {
                tracing::warn!(
                    "change feed: the log was pruned past this server's position; \
                         reading everything again"
                );
                let next = self.inner.store.change_cursor().await?;
                (ChangePlan::everything(), next, 0, true)
            }
        };
        let mut applied = if plan.is_empty() {
            Applied::default()
        } else {
            self.apply(plan).await?
        };
        *held = Some(next);
        applied.n_changes = n_changes;
        applied.reloaded = reloaded;
        if applied.n_changes > 0 || reloaded {
            tracing::debug!("change feed: applied {applied:?}");
        }
        Ok(applied)
    }

    /// Follow the store's change feed until the process ends: catch up on
    /// each signal, every [`READ_LOG_EVERY`] without one, and again after a
    /// failure (reads go on from memory while the store is away); prune the
    /// log now and then.
    pub fn follow(&self) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            let mut signal = app.inner.store.change_signal();
            let mut last_prune = tokio::time::Instant::now();
            let mut failing = false;
            loop {
                match app.catch_up().await {
                    Ok(_) if failing => {
                        tracing::info!("change feed: the store answers again; caught up");
                        failing = false;
                    }
                    Ok(_) => {}
                    Err(error) => {
                        if !failing {
                            tracing::warn!("change feed: reading the store failed: {error}");
                        }
                        failing = true;
                        tokio::time::sleep(RETRY_AFTER).await;
                        continue;
                    }
                }
                if last_prune.elapsed() >= PRUNE_EVERY {
                    last_prune = tokio::time::Instant::now();
                    match app.inner.store.prune_changes(KEEP_CHANGES).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!("change feed: pruned {n} old log rows"),
                        Err(error) => tracing::warn!("change feed: pruning failed: {error}"),
                    }
                }
                tokio::select! {
                    changed = signal.changed() => {
                        if changed.is_err() {
                            signal = app.inner.store.change_signal();
                        }
                    }
                    _ = tokio::time::sleep(READ_LOG_EVERY) => {}
                }
            }
        })
    }

    /// Build the current snapshot's derived values (vacancy stocks, the
    /// walking network with its snapped residents, the site market) off the
    /// runtime, so that no request waits for them. A failure is logged and
    /// left to the request that needs the value, which reports it.
    pub fn warm(&self) {
        let engine = self.engine();
        tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            if let Err(error) = crate::engine::vacancy::retail_stock(&engine)
                .and_then(|_| crate::engine::vacancy::located_stock(&engine))
            {
                tracing::warn!("warming the vacancy stocks: {error}");
            }
            if let Err(error) = engine.coverage_base() {
                tracing::warn!("warming the walking network: {error}");
            }
            engine.site_market();
            tracing::debug!("caches warmed in {:.2} s", started.elapsed().as_secs_f64());
        });
    }

    /// Drop every cached tile of `layer`, at every zoom, whose buffered
    /// bounds meet one of `boxes` (EPSG:4326), or every tile of the layer
    /// with `None`; returns how many went.
    fn invalidate_tiles(&self, layer: LayerId, boxes: Option<&[Rect<f64>]>) -> usize {
        let params = self.inner.tile_params;
        self.inner.tile_cache.invalidate(layer, |tile| match boxes {
            None => true,
            Some(boxes) => boxes.iter().any(|bbox| params.tile_touches(tile, bbox)),
        })
    }
}
