//! The HTTP edge (axum): shared state, the one router that lists every route,
//! and serving with graceful shutdown.
//!
//! Handlers extract, call the engine, and map to JSON; CPU-heavy work runs in
//! `spawn_blocking`, never on a Tokio worker.

mod admin;
mod audit;
pub mod auth;
mod coverage;
pub mod error;
mod export_gate;
mod fonts;
mod layers;
mod ogc;
mod ogc_limits;
pub mod openapi;
mod route_docs;
mod saved_searches;
mod search;
pub mod server;
mod shop_units;
mod sites;
pub use crate::app::tile_cache;
mod tiles;
mod transfer;
pub mod upload_area;
mod vacancy;

use std::path::PathBuf;
use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post};
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

use crate::app::App;
use crate::engine::Engine;
use crate::model::{Feature, LayerId, UnitEvent};
use crate::store::{EditGuard, SharedStore, StoreError, WriteBatch};
pub use error::ApiError;
use openapi::Routes;
pub use transfer::MAX_UPLOAD_BYTES;

pub use crate::app::TILE_CACHE_BUDGET_BYTES;

/// What every handler can reach: the application layer (store, current
/// engine snapshot, tile cache, the one write path) and what only HTTP needs.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    app: App,
    web_dir: Option<PathBuf>,
    /// The password pool, the per-address failed-login counts and the
    /// login policy (sessions and per-name counts are in the store).
    login_gate: crate::auth::LoginGate,
    /// A hash to check unknown names against (made without hashing).
    decoy_password_hash: String,
    /// This server's folder for uploads; `Err` (why, logged at start) turns
    /// uploads off.
    upload_area: Result<upload_area::UploadArea, String>,
    /// How many whole-layer exports are written at once.
    export_gate: export_gate::ExportGate,
    /// The map's label glyphs, rendered on first request and kept.
    glyphs: Arc<crate::glyphs::GlyphCache>,
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
        Self::with_login_policy(
            App::new(store, engine, tile_cache_bytes),
            web_dir,
            crate::auth::LoginPolicy::default(),
        )
    }

    /// Serve `app` (see [`App::load`]), with how logins are guarded and
    /// cookies sent.
    pub fn with_login_policy(
        app: App,
        web_dir: Option<PathBuf>,
        login_policy: crate::auth::LoginPolicy,
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
                app,
                web_dir,
                login_gate: crate::auth::LoginGate::new(login_policy),
                decoy_password_hash: crate::auth::decoy_password_hash(),
                upload_area,
                export_gate: export_gate::ExportGate::default(),
                glyphs: Arc::default(),
            }),
        }
    }

    /// The application layer.
    pub fn app(&self) -> &App {
        &self.inner.app
    }

    pub fn store(&self) -> &SharedStore {
        self.inner.app.store()
    }

    pub fn login_gate(&self) -> &crate::auth::LoginGate {
        &self.inner.login_gate
    }

    /// The hash of a password nobody has, so that a login with an unknown
    /// name takes as long as one with a wrong password.
    pub fn decoy_password_hash(&self) -> &str {
        &self.inner.decoy_password_hash
    }

    /// Build the current snapshot's derived values and the label glyphs in
    /// the background.
    pub fn warm_caches(&self) {
        self.inner.app.warm();
        let glyphs = self.inner.glyphs.clone();
        std::thread::spawn(move || {
            if let Err(error) = glyphs.warm() {
                tracing::warn!("the label glyphs could not be rendered: {error}");
            }
        });
    }

    /// This server's upload folder, or why there is none.
    pub fn upload_area(&self) -> Result<&upload_area::UploadArea, &str> {
        self.inner.upload_area.as_ref().map_err(String::as_str)
    }

    /// The map's label glyphs.
    pub fn glyphs(&self) -> &Arc<crate::glyphs::GlyphCache> {
        &self.inner.glyphs
    }

    /// The slots for whole-layer exports.
    pub fn export_gate(&self) -> &export_gate::ExportGate {
        &self.inner.export_gate
    }

    /// The engine as it is now; a later change does not change this snapshot.
    pub fn engine(&self) -> Arc<Engine> {
        self.inner.app.engine()
    }

    /// The knobs tiles are made with.
    pub fn tile_params(&self) -> crate::tiles::TileParams {
        self.inner.app.tile_params()
    }

    /// The tile cache (for tests and `/api/health`).
    pub fn tile_cache(&self) -> &tile_cache::TileCache {
        self.inner.app.tile_cache()
    }

    /// Commit an edit of `layer` (features upserted, shop-unit events
    /// appended with ids from the store, the guard's version checks and
    /// audit entries, one transaction) and return the snapshot that has it.
    pub async fn write_edit(
        &self,
        layer: LayerId,
        changed: Vec<Feature>,
        events: Vec<UnitEvent>,
        guard: EditGuard,
    ) -> Result<crate::app::Written, StoreError> {
        let batch = WriteBatch {
            layers: vec![(layer, changed)],
            events,
        };
        self.inner.app.write(batch, guard).await
    }

    /// Upsert `changed` features of `layer`; returns the number of cached
    /// tiles the change dropped.
    pub async fn replace_features(
        &self,
        layer: LayerId,
        changed: Vec<Feature>,
    ) -> Result<usize, StoreError> {
        self.write_edit(layer, changed, Vec::new(), EditGuard::default())
            .await
            .map(|written| written.applied.n_tiles_dropped)
    }
}

/// Every route of the atlas, each registered with its documentation
/// (`openapi::Routes`): the same list makes the router and the OpenAPI
/// document served at `/ogc/api`.
pub fn router(state: AppState) -> Router {
    let (api, documented) = routes().finish();
    let description = Arc::new(openapi::ApiDescription::new(&documented));
    let site = match &state.inner.web_dir {
        Some(dir) if dir.join("index.html").is_file() => Router::new()
            .fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html"))))
            .layer(axum::middleware::from_fn(cache_front_end))
            .layer(tower_http::compression::CompressionLayer::new()),
        _ => Router::new().fallback(get(placeholder_page)),
    };
    api.merge(site)
        .layer(axum::Extension(description))
        .layer(axum::middleware::from_fn(auth::refresh_session_cookie))
        .layer(axum::middleware::from_fn(error::json_error_shape))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state)
}

/// How long browsers keep the front end: Vite's `assets/` carry a hash of
/// their content in the name, so they keep for a year; the page that names
/// them (and anything else) is asked for again each time.
async fn cache_front_end(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let hashed = request.uri().path().starts_with("/assets/");
    let mut response = next.run(request).await;
    // A missing asset is answered with the page itself (the fallback): that must not keep.
    let page = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|kind| kind.as_bytes().starts_with(b"text/html"));
    let policy = if hashed && response.status().is_success() && !page {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static(policy),
    );
    response
}

/// Each request's method, path with query, status and time, at debug
/// level (`RUST_LOG=genk_atlas::http=debug`): what a client really asked.
async fn log_request(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let (method, uri) = (request.method().clone(), request.uri().clone());
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    tracing::debug!(
        "{method} {uri} {} {:.1} ms",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1e3
    );
    response
}

/// The routes and their operations (`route_docs`), in one list.
pub fn routes() -> Routes<AppState> {
    use route_docs as docs;
    Routes::new()
        .route("/api/health", get(layers::health), [docs::layers::health()])
        .route("/api/layers", get(layers::list), [docs::layers::list()])
        .route("/api/search", get(search::places), [docs::layers::search()])
        .route(
            "/api/layers/{layer}/features",
            get(layers::features),
            [docs::layers::features()],
        )
        .route(
            "/api/layers/{layer}/features/{feature_id}",
            get(layers::feature),
            [docs::layers::feature()],
        )
        .route(
            "/api/coverage",
            get(coverage::figures),
            [docs::coverage::figures()],
        )
        .route(
            "/api/coverage/whatif",
            post(coverage::whatif),
            [docs::coverage::whatif()],
        )
        .route(
            "/api/coverage/isochrones",
            get(coverage::isochrones),
            [docs::coverage::isochrones()],
        )
        .route(
            "/api/coverage/gaps",
            get(coverage::gaps),
            [docs::coverage::gaps()],
        )
        .route(
            "/api/sites/search",
            post(sites::search),
            [docs::sites::search()],
        )
        .route(
            "/api/vacancy/summary",
            get(vacancy::summary),
            [docs::vacancy::summary()],
        )
        .route(
            "/api/vacancy/trend",
            get(vacancy::trend),
            [docs::vacancy::trend()],
        )
        .route(
            "/api/vacancy/churn",
            get(vacancy::churn),
            [docs::vacancy::churn()],
        )
        .route(
            "/api/vacancy/register",
            get(vacancy::register),
            [docs::vacancy::register()],
        )
        .route(
            "/api/vacancy/units",
            get(vacancy::units),
            [docs::vacancy::units()],
        )
        .route("/api/vacancy/h3", get(vacancy::h3), [docs::vacancy::h3()])
        .route(
            "/api/vacancy/h3/change",
            get(vacancy::h3_change),
            [docs::vacancy::h3_change()],
        )
        .route(
            "/api/vacancy/surface",
            get(vacancy::surface),
            [docs::vacancy::surface()],
        )
        .route(
            "/api/session",
            get(auth::current).post(auth::login).delete(auth::logout),
            [
                docs::accounts::current(),
                docs::accounts::login(),
                docs::accounts::logout(),
            ],
        )
        .route("/api/audit", get(audit::list), [docs::accounts::audit()])
        .route(
            "/api/admin/rejected",
            get(admin::rejected),
            [docs::accounts::rejected()],
        )
        .route(
            "/api/sites/saved",
            get(saved_searches::list).post(saved_searches::save),
            [docs::sites::list_saved(), docs::sites::save()],
        )
        .route(
            "/api/sites/saved/{id}",
            axum::routing::patch(saved_searches::rename).delete(saved_searches::delete),
            [docs::sites::rename_saved(), docs::sites::delete_saved()],
        )
        .route(
            "/api/import/{layer}",
            post(transfer::import).layer(axum::extract::DefaultBodyLimit::max(
                transfer::MAX_UPLOAD_BYTES,
            )),
            [docs::editing::import()],
        )
        .route(
            "/api/layers/{layer}/export",
            get(transfer::export),
            [docs::layers::export()],
        )
        .route(
            "/api/shop_units",
            post(shop_units::create),
            [docs::editing::create()],
        )
        .route(
            "/api/shop_units/{unit_id}/events",
            post(shop_units::record_event),
            [docs::editing::record_event()],
        )
        .route(
            "/api/shop_units/{unit_id}/history",
            get(shop_units::history),
            [docs::editing::history()],
        )
        .route(
            "/api/openapi.json",
            get(openapi::openapi_json),
            [docs::api::json_document()],
        )
        .no_such_route("/api/{*rest}", get(unknown_api_route))
        .route(
            "/tiles/vacancy_h3/{z}/{x}/{y}",
            get(vacancy::h3_tile),
            [docs::tiles::vacancy_h3()],
        )
        // one route for three kinds of path: the router cannot tell
        // `{layer}.json` from `{y}.mvt` by a suffix
        .route(
            "/tiles/{*path}",
            get(tiles::tiles_path),
            [
                docs::tiles::style(),
                docs::tiles::tilejson(),
                docs::tiles::tile(),
            ],
        )
        .route(
            "/fonts/{fontstack}/{range}",
            get(fonts::glyph_range),
            [docs::tiles::glyphs()],
        )
        .no_such_route("/tiles", get(tiles::unknown_tile_route))
        .no_such_route("/tiles/", get(tiles::unknown_tile_route))
        .nest("/ogc", ogc::routes())
        // the landing page is `/ogc`; `/ogc/` is where a person may type it
        .redirect("/ogc/", "/ogc")
}

async fn unknown_api_route() -> ApiError {
    ApiError::NotFound("no such API route; see /api/layers".into())
}

async fn placeholder_page() -> impl IntoResponse {
    (StatusCode::OK, Html(include_str!("placeholder.html")))
}

/// Serve until SIGTERM or Ctrl-C, then finish the requests in flight; a
/// client has [`server::HEADER_READ_TIMEOUT`] to send a request's headers.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    serve_with_timeout(listener, state, server::HEADER_READ_TIMEOUT).await
}

/// As [`serve`], with another header-read timeout.
pub async fn serve_with_timeout(
    listener: tokio::net::TcpListener,
    state: AppState,
    header_read_timeout: std::time::Duration,
) -> std::io::Result<()> {
    server::serve_until(
        listener,
        router(state),
        header_read_timeout,
        shutdown_signal(),
    )
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
