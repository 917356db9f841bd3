//! Loading the engine from a store (an edge: it reads through the store and
//! builds the indexes off the async runtime).

use crate::engine::Engine;
use crate::model::LayerId;
use crate::store::{Store, StoreError};

/// Read every layer and the shop-unit history, then bulk-load the indexes.
pub async fn load_engine(store: &dyn Store) -> Result<Engine, StoreError> {
    let mut layers = Vec::with_capacity(LayerId::ALL.len());
    for layer in LayerId::ALL {
        layers.push((*layer, store.read_layer(*layer).await?));
    }
    let events = store.read_events().await?;
    tokio::task::spawn_blocking(move || Engine::new(layers, events))
        .await
        .map_err(|error| StoreError::Unavailable(format!("building the indexes failed: {error}")))
}
