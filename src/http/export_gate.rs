//! How many whole-layer exports run at once. Writing a layer with GDAL is
//! CPU and memory heavy: a few run at a time. The public (anyone without a
//! login) is refused while every slot is taken (`503` with `Retry-After`),
//! so a crowd of anonymous clients cannot take the server's memory; a
//! logged-in caller waits for a slot.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::ApiError;

/// Exports written at the same time (the machine this runs on has 2 cores).
pub const EXPORT_SLOTS: usize = 2;

#[derive(Clone)]
pub struct ExportGate {
    slots: Arc<Semaphore>,
}

impl Default for ExportGate {
    fn default() -> Self {
        ExportGate {
            slots: Arc::new(Semaphore::new(EXPORT_SLOTS)),
        }
    }
}

impl ExportGate {
    /// A slot, held while the permit lives: at once or a 503 for the
    /// public, after a wait for anyone logged in.
    pub async fn enter(&self, public: bool) -> Result<OwnedSemaphorePermit, ApiError> {
        if public {
            return self.slots.clone().try_acquire_owned().map_err(|_| {
                ApiError::Busy(format!(
                    "{EXPORT_SLOTS} exports are being written just now; try again in a moment"
                ))
            });
        }
        self.slots
            .clone()
            .acquire_owned()
            .await
            .map_err(ApiError::internal)
    }
}
