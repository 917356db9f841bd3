//! The tile cache: encoded tiles by (layer, z/x/y, encoding), identity and
//! pre-compressed gzip bytes each with its ETag, so a cached request costs a
//! map lookup and no compression. (The handler renders a tile once; the gzip
//! entry is made with it when gzip is asked for, or later from the cached
//! identity bytes.)
//!
//! Invalidation is by layer and area: a change removes every cached tile of
//! its layer whose buffered bounds meet the changed feature's bbox, at every
//! zoom. Each layer has an epoch that invalidation bumps; a tile rendered
//! from an older engine snapshot is not stored (its epoch is stale), so a
//! render racing with a change can never put an old tile back. When the
//! cache outgrows its byte budget it drops entries until it is at three
//! quarters of it (in hash order, which is as good as random here).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use bytes::Bytes;

use crate::model::LayerId;
use crate::tiles::TileCoord;

/// The body encoding of a cached tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TileEncoding {
    Identity,
    Gzip,
}

/// What a tile is cut from: a layer of the store, or a derived tile set
/// (the vacancy hexagons of one date, resolution and minimum). Every
/// source's tiles share this one cache, its ETags, gzip and invalidation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TileSource {
    Layer(LayerId),
    VacancyH3 {
        date: chrono::NaiveDate,
        resolution: u8,
        min_units: u32,
    },
}

/// The sources that change together (one epoch each): a layer, or every
/// vacancy hexagon set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TileFamily {
    Layer(LayerId),
    VacancyH3,
}

impl TileSource {
    pub fn family(&self) -> TileFamily {
        match self {
            TileSource::Layer(layer) => TileFamily::Layer(*layer),
            TileSource::VacancyH3 { .. } => TileFamily::VacancyH3,
        }
    }
}

impl From<LayerId> for TileSource {
    fn from(layer: LayerId) -> Self {
        TileSource::Layer(layer)
    }
}

impl From<LayerId> for TileFamily {
    fn from(layer: LayerId) -> Self {
        TileFamily::Layer(layer)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileKey {
    pub source: TileSource,
    pub tile: TileCoord,
    pub encoding: TileEncoding,
}

/// One encoding of one tile: its bytes (`None` for an empty tile) and its
/// strong ETag, quoted.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedTile {
    pub body: Option<Bytes>,
    pub etag: Arc<str>,
}

impl CachedTile {
    fn n_bytes(&self) -> usize {
        self.body.as_ref().map_or(0, Bytes::len) + self.etag.len() + 64
    }
}

#[derive(Default)]
struct CacheState {
    tiles: HashMap<TileKey, CachedTile>,
    n_bytes: usize,
    epochs: BTreeMap<TileFamily, u64>,
}

pub struct TileCache {
    state: RwLock<CacheState>,
    budget_bytes: usize,
}

impl TileCache {
    pub fn new(budget_bytes: usize) -> Self {
        TileCache {
            state: RwLock::new(CacheState::default()),
            budget_bytes,
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, CacheState> {
        self.state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, CacheState> {
        self.state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn get(&self, key: &TileKey) -> Option<CachedTile> {
        self.read().tiles.get(key).cloned()
    }

    /// The source's epoch; read it before taking the engine snapshot that a
    /// tile is rendered from, and give it to [`TileCache::insert`].
    pub fn epoch(&self, source: impl Into<TileSource>) -> u64 {
        let family = source.into().family();
        self.read().epochs.get(&family).copied().unwrap_or(0)
    }

    /// Store every encoding of a tile rendered at `epoch`; refused (false)
    /// when the layer changed since.
    pub fn insert(
        &self,
        source: impl Into<TileSource>,
        tile: TileCoord,
        epoch: u64,
        encodings: Vec<(TileEncoding, CachedTile)>,
    ) -> bool {
        let source = source.into();
        let mut state = self.write();
        if state.epochs.get(&source.family()).copied().unwrap_or(0) != epoch {
            return false;
        }
        let added: usize = encodings.iter().map(|(_, cached)| cached.n_bytes()).sum();
        if added > self.budget_bytes {
            // larger than the whole cache (or the cache is off: budget 0)
            return false;
        }
        if state.n_bytes + added > self.budget_bytes {
            let target = self.budget_bytes / 4 * 3;
            let mut remaining = state.n_bytes;
            let mut victims: Vec<TileKey> = Vec::new();
            for (key, cached) in &state.tiles {
                if remaining + added <= target {
                    break;
                }
                remaining -= cached.n_bytes();
                victims.push(*key);
            }
            for key in victims {
                if let Some(removed) = state.tiles.remove(&key) {
                    state.n_bytes -= removed.n_bytes();
                }
            }
        }
        for (encoding, cached) in encodings {
            let n_bytes = cached.n_bytes();
            if let Some(replaced) = state.tiles.insert(
                TileKey {
                    source,
                    tile,
                    encoding,
                },
                cached,
            ) {
                state.n_bytes -= replaced.n_bytes();
            }
            state.n_bytes += n_bytes;
        }
        true
    }

    /// Remove the layer's cached tiles for which `touches` holds, and make
    /// renders begun before now uncacheable. Returns the number of tiles
    /// (all encodings of one z/x/y count once) removed.
    pub fn invalidate(
        &self,
        family: impl Into<TileFamily>,
        touches: impl Fn(TileCoord) -> bool,
    ) -> usize {
        let family = family.into();
        let mut state = self.write();
        *state.epochs.entry(family).or_insert(0) += 1;
        let victims: Vec<TileKey> = state
            .tiles
            .keys()
            .filter(|key| key.source.family() == family && touches(key.tile))
            .copied()
            .collect();
        let mut removed_tiles: Vec<TileCoord> = Vec::new();
        for key in victims {
            if let Some(removed) = state.tiles.remove(&key) {
                state.n_bytes -= removed.n_bytes();
                removed_tiles.push(key.tile);
            }
        }
        removed_tiles.sort_unstable();
        removed_tiles.dedup();
        removed_tiles.len()
    }

    /// The number of cached entries (one per tile and encoding).
    pub fn len(&self) -> usize {
        self.read().tiles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether this tile is cached in this encoding.
    pub fn contains(&self, key: &TileKey) -> bool {
        self.read().tiles.contains_key(key)
    }

    pub fn n_bytes(&self) -> usize {
        self.read().n_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n_bytes: usize) -> CachedTile {
        CachedTile {
            body: Some(Bytes::from(vec![0u8; n_bytes])),
            etag: "\"e\"".into(),
        }
    }

    fn tile(x: u32) -> TileCoord {
        TileCoord::new_checked(14, x, 0).unwrap()
    }

    #[test]
    fn a_stale_render_is_not_stored() {
        let cache = TileCache::new(1 << 20);
        let epoch = cache.epoch(LayerId::Parcels);
        assert_eq!(cache.invalidate(LayerId::Parcels, |_| true), 0);
        assert!(!cache.insert(
            LayerId::Parcels,
            tile(1),
            epoch,
            vec![(TileEncoding::Identity, entry(10))]
        ));
        assert!(cache.is_empty());
        let other_layer_epoch = cache.epoch(LayerId::Streets);
        assert!(cache.insert(
            LayerId::Streets,
            tile(1),
            other_layer_epoch,
            vec![(TileEncoding::Gzip, entry(10))]
        ));
    }

    #[test]
    fn invalidation_removes_only_the_touched_tiles_of_the_layer() {
        let cache = TileCache::new(1 << 20);
        for x in 0..4 {
            for layer in [LayerId::Parcels, LayerId::Streets] {
                let encodings = vec![
                    (TileEncoding::Identity, entry(10)),
                    (TileEncoding::Gzip, entry(5)),
                ];
                assert!(cache.insert(layer, tile(x), 0, encodings));
            }
        }
        assert_eq!(cache.invalidate(LayerId::Parcels, |tile| tile.x() >= 2), 2);
        assert_eq!(cache.len(), 12);
        let key = |x, layer: LayerId| TileKey {
            source: layer.into(),
            tile: tile(x),
            encoding: TileEncoding::Gzip,
        };
        assert!(cache.contains(&key(1, LayerId::Parcels)));
        assert!(!cache.contains(&key(2, LayerId::Parcels)));
        assert!(cache.contains(&key(2, LayerId::Streets)));
    }

    #[test]
    fn the_budget_is_kept() {
        let cache = TileCache::new(10_000);
        for x in 0..100 {
            let epoch = cache.epoch(LayerId::Parcels);
            cache.insert(
                LayerId::Parcels,
                tile(x),
                epoch,
                vec![(TileEncoding::Identity, entry(500))],
            );
            assert!(cache.n_bytes() <= 10_000, "{}", cache.n_bytes());
        }
        assert!(cache.len() >= 10);
    }

    #[test]
    fn a_budget_of_zero_caches_nothing() {
        let cache = TileCache::new(0);
        let epoch = cache.epoch(LayerId::Parcels);
        let stored = cache.insert(
            LayerId::Parcels,
            tile(1),
            epoch,
            vec![(TileEncoding::Identity, entry(500))],
        );
        assert!(!stored);
        assert_eq!(cache.len(), 0);
    }
}
