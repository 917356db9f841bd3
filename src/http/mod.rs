//! The HTTP edge (axum): shared state, the one router that lists every route,
//! and serving with graceful shutdown.
//!
//! Handlers extract, call the engine, and map to JSON; CPU-heavy work runs in
//! `spawn_blocking`, never on a Tokio worker.

mod audit;
pub mod auth;
mod coverage;
pub mod error;
mod layers;
mod saved_searches;
mod shop_units;
mod sites;
pub mod tile_cache;
mod tiles;
mod transfer;
pub mod upload_area;
mod vacancy;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post};
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

use crate::engine::Engine;
use crate::store::SharedStore;
pub use error::ApiError;
pub use transfer::MAX_UPLOAD_BYTES;

/// The most bytes the tile cache holds (both encodings of every tile).
pub const TILE_CACHE_BUDGET_BYTES: usize = 512 << 20;

/// What every handler can reach: the store and the current engine snapshot.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: SharedStore,
    engine: RwLock<Arc<Engine>>,
    web_dir: Option<PathBuf>,
    /// Encoded tiles, both encodings; see `tile_cache`.
    tile_cache: tile_cache::TileCache,
    tile_params: crate::tiles::TileParams,
    /// Serialises `replace_features` (store write, engine swap, invalidation).
    tile_writer: tokio::sync::Mutex<()>,
    /// Open login sessions.
    sessions: crate::auth::Sessions,
    /// A hash to check unknown names against, made on first use.
    decoy_password_hash: std::sync::OnceLock<String>,
    /// This server's folder for uploads; `Err` (why, logged at start) turns
    /// uploads off.
    upload_area: Result<upload_area::UploadArea, String>,
}

impl AppState {
    /// `web_dir` is the built front end (`web/dist`); without it `/` shows a
    /// short page that points to the API.
    pub fn new(store: SharedStore, engine: Engine, web_dir: Option<PathBuf>) -> Self {
        Self::with_tile_cache(store, engine, web_dir, TILE_CACHE_BUDGET_BYTES)
    }

    /// As `new`, with a tile cache of at most `tile_cache_bytes` (0 turns it off).
    pub fn with_tile_cache(
        store: SharedStore,
        engine: Engine,
        web_dir: Option<PathBuf>,
        tile_cache_bytes: usize,
    ) -> Self {
        // uploads are read by GDAL, which must reach no network (see
        // `import::sandbox`); starting the upload area clears what killed
        // servers left behind
        crate::import::sandbox::network_off();
        let root = upload_area::UploadArea::default_root();
        let upload_area = upload_area::UploadArea::start(&root).map_err(|error| {
            let reason = format!(
                "cannot make the upload folder in {}: {error}",
                root.display()
            );
            tracing::error!("{reason}; imports are off");
            reason
        });
        AppState {
            inner: Arc::new(Inner {
                store,
                engine: RwLock::new(Arc::new(engine)),
                web_dir,
                tile_cache: tile_cache::TileCache::new(tile_cache_bytes),
                tile_params: crate::tiles::TileParams::default(),
                tile_writer: tokio::sync::Mutex::new(()),
                sessions: crate::auth::Sessions::default(),
                decoy_password_hash: std::sync::OnceLock::new(),
                upload_area,
            }),
        }
    }

    pub fn store(&self) -> &SharedStore {
        &self.inner.store
    }

    pub fn sessions(&self) -> &crate::auth::Sessions {
        &self.inner.sessions
    }

    /// The hash of a password nobody has, so that a login with an unknown
    /// name takes as long as one with a wrong password.
    pub fn decoy_password_hash(&self) -> &str {
        self.inner
            .decoy_password_hash
            .get_or_init(|| crate::auth::hash_password(&crate::auth::generate_password()))
    }

    /// Build the current snapshot's derived caches (vacancy stocks, the
    /// walking network with its snapped residents, the site market) off the
    /// runtime, so that no request waits for them: after loading and after
    /// every edit. A failure here is logged and left to the request that
    /// needs the cache, which reports it.
    pub fn warm_caches(&self) {
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

    /// This server's upload folder, or why there is none.
    pub fn upload_area(&self) -> Result<&upload_area::UploadArea, &str> {
        self.inner.upload_area.as_ref().map_err(String::as_str)
    }

    /// The engine as it is now; a later reload does not change this snapshot.
    pub fn engine(&self) -> Arc<Engine> {
        self.inner
            .engine
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

/// Every route of the atlas.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/health", get(layers::health))
        .route("/api/layers", get(layers::list))
        .route("/api/layers/{layer}/features", get(layers::features))
        .route(
            "/api/layers/{layer}/features/{feature_id}",
            get(layers::feature),
        )
        .route("/api/coverage", get(coverage::figures))
        .route(
            "/api/coverage/whatif",
            axum::routing::post(coverage::whatif),
        )
        .route("/api/coverage/isochrones", get(coverage::isochrones))
        .route("/api/coverage/gaps", get(coverage::gaps))
        .route("/api/sites/search", axum::routing::post(sites::search))
        .route("/api/vacancy/summary", get(vacancy::summary))
        .route("/api/vacancy/trend", get(vacancy::trend))
        .route("/api/vacancy/churn", get(vacancy::churn))
        .route("/api/vacancy/register", get(vacancy::register))
        .route("/api/vacancy/h3", get(vacancy::h3))
        .route("/api/vacancy/h3/change", get(vacancy::h3_change))
        .route("/api/vacancy/surface", get(vacancy::surface))
        .route(
            "/api/session",
            get(auth::current).post(auth::login).delete(auth::logout),
        )
        .route("/api/audit", get(audit::list))
        .route(
            "/api/sites/saved",
            get(saved_searches::list).post(saved_searches::save),
        )
        .route(
            "/api/import/{layer}",
            post(transfer::import).layer(axum::extract::DefaultBodyLimit::max(
                transfer::MAX_UPLOAD_BYTES,
            )),
        )
        .route("/api/layers/{layer}/export", get(transfer::export))
        .route("/api/shop_units", post(shop_units::create))
        .route(
            "/api/shop_units/{unit_id}/events",
            post(shop_units::record_event),
        )
        .route(
            "/api/shop_units/{unit_id}/history",
            get(shop_units::history),
        )
        .route("/api/{*rest}", get(unknown_api_route))
        // `/tiles/style.json`, `/tiles/{layer}.json`, `/tiles/{layer}/{z}/{x}/{y}.mvt`
        .route("/tiles/vacancy_h3/{z}/{x}/{y}", get(vacancy::h3_tile))
        .route("/tiles/{*path}", get(tiles::tiles_path))
        .route("/tiles", get(tiles::unknown_tile_route))
        .route("/tiles/", get(tiles::unknown_tile_route));
    let site = match &state.inner.web_dir {
        Some(dir) if dir.join("index.html").is_file() => Router::new()
            .fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")))),
        _ => Router::new().fallback(get(placeholder_page)),
    };
    api.merge(site).with_state(state)
}

async fn unknown_api_route() -> ApiError {
    ApiError::NotFound("no such API route; see /api/layers".into())
}

async fn placeholder_page() -> impl IntoResponse {
    (StatusCode::OK, Html(include_str!("placeholder.html")))
}

/// Serve until SIGTERM or Ctrl-C, then finish the requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
