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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileKey {
    pub layer: LayerId,
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
    epochs: BTreeMap<LayerId, u64>,
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

    /// The layer's epoch; read it before taking the engine snapshot that a
    /// tile is rendered from, and give it to [`TileCache::insert`].
    pub fn epoch(&self, layer: LayerId) -> u64 {
        self.read().epochs.get(&layer).copied().unwrap_or(0)
    }

    /// Store every encoding of a tile rendered at `epoch`; refused (false)
    /// when the layer changed since.
    pub fn insert(
        &self,
        layer: LayerId,
        tile: TileCoord,
        epoch: u64,
        encodings: Vec<(TileEncoding, CachedTile)>,
    ) -> bool {
        let mut state = self.write();
        if state.epochs.get(&layer).copied().unwrap_or(0) != epoch {
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
                    layer,
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
    pub fn invalidate(&self, layer: LayerId, touches: impl Fn(TileCoord) -> bool) -> usize {
        let mut state = self.write();
        *state.epochs.entry(layer).or_insert(0) += 1;
        let victims: Vec<TileKey> = state
            .tiles
            .keys()
            .filter(|key| key.layer == layer && touches(key.tile))
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
        let key = |x, layer| TileKey {
            layer,
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
