//! The vacancy stocks of an engine snapshot, built on first use and kept
//! with the snapshot.
//!
//! A snapshot never changes: an edit makes a new engine. The new engine
//! shares this cache with the one it was made from while the layers the
//! stocks read (shop units, shopping areas, neighbourhoods) and the history
//! stay the same, and starts an empty one otherwise
//! (its [`Derived::after`]).
//! So a value of an old snapshot is never served for a new one, and nothing
//! outlives its snapshots. Besides the two stocks the cache keeps a few
//! values made from them ([`VacancyCache::kept`], e.g. the hexagons the
//! tiles are cut from).

use std::any::Any;
use std::sync::{Arc, Mutex, OnceLock};

use super::h3::LocatedStock;
use super::patch::patched;
use super::places::PlaceMemo;
use super::stock::RetailStock;
use super::stock::{decode, neighbourhood_finder};
use super::VacancyError;
use crate::engine::derived::{Derived, Reads, Touched};
use crate::engine::Engine;
use crate::model::LayerId;
use crate::model::{Neighbourhood, ShopUnit};

/// How many values [`VacancyCache::kept`] holds, the newest last.
pub const KEPT_CAPACITY: usize = 8;

type KeptEntry = (Box<dyn Any + Send + Sync>, Arc<dyn Any + Send + Sync>);

#[derive(Debug, Default)]
struct Inner {
    retail: OnceLock<Arc<RetailStock>>,
    located: OnceLock<Arc<LocatedStock>>,
    kept: Mutex<Vec<KeptEntry>>,
    /// Shared with the snapshots that have the same neighbourhood layer.
    places: Arc<PlaceMemo>,
    /// The newest stocks of the snapshots before, with the same shopping
    /// areas and neighbourhoods: patched rather than built afresh, and let
    /// go once used.
    previous_retail: Mutex<Option<Arc<RetailStock>>>,
    previous_located: Mutex<Option<Arc<LocatedStock>>>,
}

/// The lazily built stocks of an engine (a field of [`Engine`]).
#[derive(Debug, Clone, Default)]
pub struct VacancyCache(Arc<Inner>);

impl Derived for VacancyCache {
    const READS: Reads = Reads {
        layers: &[
            LayerId::ShopUnits,
            LayerId::ShoppingAreas,
            LayerId::Neighbourhoods,
        ],
        history: true,
    };

    /// Kept when nothing it reads changed. Otherwise empty, but: the
    /// points' neighbourhoods and cells are kept unless the neighbourhoods
    /// changed, and the newest stocks are kept to be patched from when only
    /// shop units or the history changed.
    fn after(&self, touched: &Touched) -> Self {
        if !Self::READS.any(touched) {
            self.clone()
        } else if touched.layers.contains(&LayerId::Neighbourhoods) {
            VacancyCache::default()
        } else {
            self.emptied(!touched.layers.contains(&LayerId::ShoppingAreas))
        }
    }
}

impl VacancyCache {
    /// An empty cache sharing the points' memo, and with
    /// `keep_previous` the newest stocks built so far.
    fn emptied(&self, keep_previous: bool) -> Self {
        let inner = &self.0;
        fn newest<T>(
            built: &OnceLock<Arc<T>>,
            previous: &Mutex<Option<Arc<T>>>,
        ) -> Mutex<Option<Arc<T>>> {
            let newest = built.get().cloned().or_else(|| lock(previous).clone());
            Mutex::new(newest)
        }
        VacancyCache(Arc::new(Inner {
            places: Arc::clone(&inner.places),
            previous_retail: if keep_previous {
                newest(&inner.retail, &inner.previous_retail)
            } else {
                Mutex::default()
            },
            previous_located: if keep_previous {
                newest(&inner.located, &inner.previous_located)
            } else {
                Mutex::default()
            },
            ..Inner::default()
        }))
    }

    /// The neighbourhoods and cells of the points seen by this cache and the
    /// ones it was emptied from.
    pub fn places(&self) -> &PlaceMemo {
        &self.0.places
    }

    /// Whether the retail stock has been built.
    pub fn has_retail_stock(&self) -> bool {
        self.0.retail.get().is_some()
    }

    /// Whether the located stock has been built.
    pub fn has_located_stock(&self) -> bool {
        self.0.located.get().is_some()
    }

    /// The value kept for `key`, made with `make` when there is none (a
    /// failure is not kept). At most [`KEPT_CAPACITY`] values, the oldest
    /// dropped first. Made outside the lock: two callers missing at once both
    /// make it, and the first stored is kept.
    pub fn kept<K, V, E>(&self, key: K, make: impl FnOnce() -> Result<V, E>) -> Result<Arc<V>, E>
    where
        K: PartialEq + Send + Sync + 'static,
        V: Send + Sync + 'static,
    {
        let lock = || {
            self.0
                .kept
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        let find = |entries: &[KeptEntry]| {
            entries.iter().find_map(|(entry_key, value)| {
                (entry_key.downcast_ref::<K>() == Some(&key))
                    .then(|| Arc::clone(value).downcast::<V>().ok())
                    .flatten()
            })
        };
        if let Some(value) = find(&lock()) {
            return Ok(value);
        }
        let value = Arc::new(make()?);
        let mut entries = lock();
        if let Some(kept) = find(&entries) {
            return Ok(kept);
        }
        entries.push((
            Box::new(key),
            Arc::clone(&value) as Arc<dyn Any + Send + Sync>,
        ));
        if entries.len() > KEPT_CAPACITY {
            entries.remove(0);
        }
        Ok(value)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The value of `cell`, built with `build` the first time (a failure is not
/// kept; two threads may build at once, the first stored wins).
fn get_or_build<T>(
    cell: &OnceLock<Arc<T>>,
    build: impl FnOnce() -> Result<T, VacancyError>,
) -> Result<Arc<T>, VacancyError> {
    if let Some(value) = cell.get() {
        return Ok(Arc::clone(value));
    }
    let value = Arc::new(build()?);
    Ok(Arc::clone(cell.get_or_init(|| value)))
}

/// The engine's retail stock (with groups), built on first use: patched
/// from the newest stock before when it can be, else afresh.
pub fn retail_stock(engine: &Engine) -> Result<Arc<RetailStock>, VacancyError> {
    let inner = &engine.vacancy.0;
    let places = &inner.places;
    get_or_build(&inner.retail, || {
        if let Some(previous) = lock(&inner.previous_retail).take() {
            let neighbourhoods: Vec<Neighbourhood> = decode(engine, LayerId::Neighbourhoods)?;
            let find = neighbourhood_finder(engine, &neighbourhoods);
            let neighbourhood_of = |unit: &ShopUnit| {
                places.neighbourhoods(&[unit.geometry], &find)[0]
                    .map(|position| neighbourhoods[position as usize].id.clone())
            };
            if let Some(patched) = patched(&previous, engine, neighbourhood_of) {
                return patched;
            }
        }
        RetailStock::from_engine_with(engine, Some(places))
    })
}

/// The engine's located stock (points and H3 cells), built on first use:
/// patched from the newest stock before when it can be, else afresh.
pub fn located_stock(engine: &Engine) -> Result<Arc<LocatedStock>, VacancyError> {
    let inner = &engine.vacancy.0;
    let places = &inner.places;
    get_or_build(&inner.located, || {
        if let Some(previous) = lock(&inner.previous_located).take() {
            if let Some(patched) = patched(previous.stock(), engine, |_| None) {
                return Ok(LocatedStock::of_stock(patched?, Some(Arc::clone(places))));
            }
        }
        LocatedStock::from_engine_with(engine, Some(Arc::clone(places)))
    })
}

/// The value the engine keeps for `key` ([`VacancyCache::kept`]).
pub fn kept<K, V, E>(
    engine: &Engine,
    key: K,
    make: impl FnOnce() -> Result<V, E>,
) -> Result<Arc<V>, E>
where
    K: PartialEq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    engine.vacancy.kept(key, make)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_values_are_per_key_bounded_and_failures_are_not_kept() {
        let cache = VacancyCache::default();
        let made = std::cell::Cell::new(0);
        let make = |value: u32| {
            made.set(made.get() + 1);
            Ok::<_, ()>(value)
        };
        assert_eq!(*cache.kept(1u32, || make(10)).unwrap(), 10);
        assert_eq!(*cache.kept(1u32, || make(11)).unwrap(), 10, "kept");
        assert_eq!(*cache.kept(2u32, || make(20)).unwrap(), 20, "another key");
        // a key of another type is another key
        assert_eq!(*cache.kept(1u64, || make(30)).unwrap(), 30);
        assert_eq!(made.get(), 3);
        assert_eq!(cache.kept(9u32, || Err::<u32, ()>(())), Err(()));
        assert_eq!(*cache.kept(9u32, || make(90)).unwrap(), 90);
        for key in 100u32..120 {
            cache.kept(key, || make(key)).unwrap();
        }
        assert_eq!(cache.0.kept.lock().unwrap().len(), KEPT_CAPACITY);
        assert_eq!(
            *cache.kept(1u32, || make(12)).unwrap(),
            12,
            "the oldest dropped"
        );
    }

    #[test]
    fn an_edit_of_what_the_stocks_read_starts_an_empty_cache() {
        let engine = Engine::new(Vec::new(), Vec::new());
        let first = retail_stock(&engine).unwrap();
        located_stock(&engine).unwrap();
        assert!(Arc::ptr_eq(&first, &retail_stock(&engine).unwrap()));
        let cache = &engine.vacancy;
        assert!(cache.has_retail_stock() && cache.has_located_stock());
        for layer in VacancyCache::READS.layers {
            assert!(
                !cache.after(&Touched::layer(*layer)).has_retail_stock(),
                "{layer:?}"
            );
        }
        // the points' neighbourhoods and cells outlive an edit of units or history
        for emptied in [
            cache.after(&Touched::layer(LayerId::ShopUnits)),
            cache.after(&Touched::history()),
        ] {
            assert!(std::ptr::eq(emptied.places(), cache.places()));
        }
        let moved = cache.after(&Touched::layer(LayerId::Neighbourhoods));
        assert!(!std::ptr::eq(moved.places(), cache.places()));
        let parcels = cache.after(&Touched::layer(LayerId::Parcels));
        assert!(parcels.has_retail_stock() && parcels.has_located_stock());
        assert!(!cache.after(&Touched::history()).has_located_stock());
        // through the engine: another layer's edit shares, new events do not
        let other = engine.with_upserted(LayerId::Parcels, Vec::new());
        assert!(Arc::ptr_eq(&first, &retail_stock(&other).unwrap()));
        let event = crate::engine::vacancy::stock::tests::event(
            1,
            "u1",
            "2020-01-01",
            "2020-01-01",
            crate::model::UnitStatus::Vacant,
        );
        let edited = other.with_events_added(vec![event]);
        assert!(!edited.vacancy.has_retail_stock());
        assert!(
            lock(&edited.vacancy.0.previous_retail).is_some(),
            "to patch"
        );
        assert!(!Arc::ptr_eq(&first, &retail_stock(&edited).unwrap()));
        assert!(lock(&edited.vacancy.0.previous_retail).is_none(), "let go");
        // an edit of the shopping areas builds afresh
        let areas = edited.with_upserted(LayerId::ShoppingAreas, Vec::new());
        assert!(lock(&areas.vacancy.0.previous_retail).is_none());
    }
}
