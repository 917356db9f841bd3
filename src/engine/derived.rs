//! One mechanism for data derived from the layers (the walking network with
//! its snapped residents, the site market, the vacancy stocks, and what
//! comes later): each declares what it [`Reads`], is built on first use
//! (or warmed in the background), and is kept with the engine snapshot; a
//! change says what it [`Touched`], and every derived value is kept when
//! the change touched nothing it reads, else patched or dropped, by its own
//! [`Derived::after`].
//!
//! So no handler and no writer decides which cache to empty: a new engine
//! asks each of its derived values, in one place ([`crate::engine::Engine`]'s
//! `with_changes`), what survives the change.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use crate::model::LayerId;

/// What a change to the engine touched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    pub layers: BTreeSet<LayerId>,
    /// The shop-unit history changed.
    pub history: bool,
}

impl Touched {
    pub fn layer(layer: LayerId) -> Touched {
        Touched {
            layers: BTreeSet::from([layer]),
            history: false,
        }
    }

    pub fn history() -> Touched {
        Touched {
            history: true,
            ..Touched::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.layers.is_empty() && !self.history
    }
}

/// What a derived value is computed from.
#[derive(Debug, Clone, Copy)]
pub struct Reads {
    pub layers: &'static [LayerId],
    pub history: bool,
}

impl Reads {
    /// Whether `touched` changed anything this reads.
    pub fn any(&self, touched: &Touched) -> bool {
        (self.history && touched.history)
            || self
                .layers
                .iter()
                .any(|layer| touched.layers.contains(layer))
    }
}

/// A value derived from the engine's layers.
pub trait Derived: Sized {
    /// What it reads.
    const READS: Reads;
    /// What the engine after `touched` keeps of it: itself when nothing it
    /// reads was touched, else an empty one (or one seeded to be patched).
    fn after(&self, touched: &Touched) -> Self;
}

/// A value built on first use and shared by the snapshots that do not
/// change what it reads; two threads may build it at once, the first stored
/// wins.
#[derive(Debug)]
pub struct Lazy<T>(Arc<OnceLock<Arc<T>>>);

impl<T> Default for Lazy<T> {
    fn default() -> Self {
        Lazy(Arc::default())
    }
}

impl<T> Clone for Lazy<T> {
    fn clone(&self) -> Self {
        Lazy(Arc::clone(&self.0))
    }
}

impl<T> Lazy<T> {
    /// The value, built with `build` the first time.
    pub fn get_or_try_build<E>(&self, build: impl FnOnce() -> Result<T, E>) -> Result<Arc<T>, E> {
        if let Some(value) = self.0.get() {
            return Ok(Arc::clone(value));
        }
        let value = Arc::new(build()?);
        Ok(Arc::clone(self.0.get_or_init(|| value)))
    }

    pub fn get_or_build(&self, build: impl FnOnce() -> T) -> Arc<T> {
        Arc::clone(self.0.get_or_init(|| Arc::new(build())))
    }

    pub fn is_built(&self) -> bool {
        self.0.get().is_some()
    }

    /// This one if `reads` saw nothing of `touched`, else an empty one.
    pub fn kept_unless(&self, reads: Reads, touched: &Touched) -> Self {
        if reads.any(touched) {
            Lazy::default()
        } else {
            self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const READS_STREETS: Reads = Reads {
        layers: &[LayerId::Streets],
        history: false,
    };

    #[test]
    fn a_value_is_kept_until_a_change_touches_what_it_reads() {
        let lazy: Lazy<u32> = Lazy::default();
        assert_eq!(*lazy.get_or_build(|| 7), 7);
        let kept = lazy.kept_unless(READS_STREETS, &Touched::layer(LayerId::Parcels));
        assert!(kept.is_built(), "parcels are not read");
        assert_eq!(*kept.get_or_build(|| 8), 7);
        let history = lazy.kept_unless(READS_STREETS, &Touched::history());
        assert!(history.is_built(), "the history is not read");
        let dropped = lazy.kept_unless(READS_STREETS, &Touched::layer(LayerId::Streets));
        assert!(!dropped.is_built());
        assert_eq!(*dropped.get_or_build(|| 9), 9);
        assert_eq!(
            *lazy.get_or_build(|| 10),
            7,
            "the old snapshot keeps its own"
        );
    }

    #[test]
    fn a_failed_build_leaves_the_value_unbuilt() {
        let lazy: Lazy<u32> = Lazy::default();
        assert_eq!(lazy.get_or_try_build(|| Err::<u32, _>("no")), Err("no"));
        assert!(!lazy.is_built());
        assert_eq!(*lazy.get_or_try_build(|| Ok::<_, ()>(3)).unwrap(), 3);
    }
}
