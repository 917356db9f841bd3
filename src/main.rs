//! The `atlas` command line: serve the atlas, migrate PostGIS, generate the
//! demo city, copy a GeoPackage into PostGIS, import and export GIS files.
//!
//! Errors end the program with one line on stderr and a non-zero exit code,
//! never a panic or a backtrace.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use genk_atlas::accounts;
use genk_atlas::app::App;
use genk_atlas::demo::{self, DemoParams};
use genk_atlas::http::{self, AppState};
use genk_atlas::import::export::{ExportFormat, ExportParams};
use genk_atlas::import::mapping::parse_pair;
use genk_atlas::import::run::{self as import_run, ImportCommand, ImportTarget};
use genk_atlas::import::{FieldMapping, ImportParams};
use genk_atlas::model::access::Role;
use genk_atlas::model::LayerId;
use genk_atlas::store::geopackage::GeoPackageStore;
use genk_atlas::store::postgis::{self, PostgisStore};
use genk_atlas::store::{read_dataset, SharedStore, Store, WriteBatch};

/// Genk Atlas: commerce, vacancy and business-site maps for the city of Genk.
#[derive(Parser)]
#[command(name = "atlas", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the map and the JSON API from a GeoPackage (default) or PostGIS.
    Serve(ServeArgs),
    /// Create or update the PostGIS schema (idempotent).
    Migrate {
        /// PostgreSQL URL, e.g. postgresql://user@localhost:5432/atlas
        #[arg(long, env = "ATLAS_DATABASE_URL")]
        database_url: String,
    },
    /// Generate the synthetic Genk demo city into a new GeoPackage.
    Demo {
        /// The GeoPackage to write (must not exist yet, unless --force).
        #[arg(long)]
        out: PathBuf,
        /// Random seed: the same seed gives a byte-identical file.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Copies of the city side by side (100 ≈ Flanders: 3 million parcels).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=400))]
        scale: u32,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Copy every layer and the shop-unit history from a GeoPackage into PostGIS, in one transaction.
    Load {
        /// The GeoPackage to read.
        #[arg(long)]
        from: PathBuf,
        /// PostgreSQL URL of a migrated database.
        #[arg(long, env = "ATLAS_DATABASE_URL")]
        database_url: String,
    },
    /// Import a GIS file (any vector format GDAL reads) into one layer, all or nothing;
    /// GDAL reaches no network unless --allow-network.
    Import(ImportArgs),
    /// Export one layer to a GIS file through GDAL (an operator's tool: it reads the store directly).
    Export(ExportArgs),
    /// Manage accounts: add one (prints its one-time password), issue an API token, remove one.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account (or reset one) and print its new password, once.
    Add {
        name: String,
        /// retail, business, planner or admin.
        #[arg(long)]
        role: Role,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Issue an API token for an account and print it, once.
    Token {
        name: String,
        /// How many days the token lasts.
        #[arg(long, default_value_t = accounts::DEFAULT_TOKEN_DAYS)]
        days: u32,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Remove an account with its API tokens and login sessions (they stop working at once).
    Remove {
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Where the data is, the same two options for every command that reads or
/// writes the store.
#[derive(Args)]
struct StoreArgs {
    /// The GeoPackage store (the embedded store).
    #[arg(long, conflicts_with = "database_url")]
    gpkg: Option<PathBuf>,
    /// Or the PostGIS database.
    #[arg(long, env = "ATLAS_DATABASE_URL")]
    database_url: Option<String>,
}

impl StoreArgs {
    fn is_given(&self) -> bool {
        self.gpkg.is_some() || self.database_url.is_some()
    }

    async fn open(&self) -> Result<SharedStore> {
        Ok(match (&self.gpkg, &self.database_url) {
            (_, Some(url)) => Arc::new(PostgisStore::connect(url).await?),
            (Some(path), None) => Arc::new(GeoPackageStore::open(path)?),
            (None, None) => bail!("say where the data is: --gpkg FILE or --database-url URL"),
        })
    }
}

#[derive(Args)]
struct ImportArgs {
    /// The atlas layer to import into (e.g. neighbourhoods, parcels, shop_units), or
    /// `osm` for an OpenStreetMap extract (shop units, streets, and residents from buildings with an address).
    layer: ImportTarget,
    /// The file to read (Shapefile, GeoPackage, GeoJSON, GML, FlatGeobuf, CSV, ...).
    path: PathBuf,
    /// The layer of the file to read, when it has more than one.
    #[arg(long)]
    source_layer: Option<String>,
    /// The source CRS (EPSG:N), required when the file names none; overrides the file's.
    #[arg(long)]
    crs: Option<String>,
    /// Take a layer property from another source field: target=source (repeatable).
    #[arg(long = "map", value_parser = parse_pair)]
    map: Vec<(String, String)>,
    /// A value for a property the source lacks or leaves empty: field=value (repeatable).
    #[arg(long = "default", value_parser = parse_pair)]
    default: Vec<(String, String)>,
    /// The source field that gives each feature its id (default: the layer's natural key, else the feature id).
    #[arg(long)]
    key: Option<String>,
    /// Repair invalid geometries with make-valid (GEOS) instead of rejecting them.
    #[arg(long)]
    repair: bool,
    /// Validate and report, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Write the valid features and put the refused ones in --report.
    #[arg(long, requires = "report")]
    skip_invalid: bool,
    /// OSM only: the date the shops are known open (default: today).
    #[arg(long)]
    since: Option<chrono::NaiveDate>,
    /// OSM only: residents from buildings with an address (building:flats households; apartments
    /// without it one per storey; else one; 2.3 people each). auto: only into a store with no residents or only OSM ones;
    /// always: also beside residents from another source (upserted, none deleted); never.
    #[arg(long, default_value = "auto")]
    residents: genk_atlas::import::osm_residents::ResidentsPolicy,
    /// Where to write the report of refused features (tab-separated).
    #[arg(long)]
    report: Option<PathBuf>,
    /// Let GDAL use the network: read a URL or a /vsicurl/, /vsis3/, ... path, and fetch
    /// what the file links to (a VRT's sources, a GeoJSON crs link, a GML schema).
    /// Off by default: without it such paths are refused and nothing is fetched.
    #[arg(long)]
    allow_network: bool,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
struct ExportArgs {
    /// The atlas layer to export.
    layer: LayerId,
    /// gpkg, geojson, csv or fgb.
    #[arg(long)]
    format: ExportFormat,
    /// The file to write (must not exist yet).
    #[arg(long)]
    out: PathBuf,
    /// The CRS to write (EPSG:N); default EPSG:4326.
    #[arg(long)]
    crs: Option<String>,
    /// Include the confidential fields (occupant, contact).
    #[arg(long)]
    include_confidential: bool,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The built web front end.
    #[arg(long, default_value = "web/dist")]
    web_dir: PathBuf,
    /// Memory for cached tiles, in MiB (0 turns the tile cache off).
    #[arg(long, default_value_t = 512)]
    tile_cache_mb: usize,
    /// Mark the session cookie Secure (serving behind TLS); it is also marked
    /// for requests with X-Forwarded-Proto: https.
    #[arg(long, env = "ATLAS_SECURE_COOKIES", value_parser = clap::builder::FalseyValueParser::new())]
    secure_cookies: bool,
    /// Take the client address (for the failed-login limit) from the last
    /// X-Forwarded-For entry: only behind a reverse proxy that sets it.
    #[arg(long, env = "ATLAS_TRUST_FORWARDED_FOR", value_parser = clap::builder::FalseyValueParser::new())]
    trust_forwarded_for: bool,
    /// What the figures call the whole city (`by=city`, coverage): the
    /// municipality the store holds.
    #[arg(long, env = "ATLAS_CITY_NAME", default_value = genk_atlas::engine::UNNAMED_CITY)]
    city_name: String,
    /// Password checks that run at once (each holds 19 MiB while the server runs).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    login_hash_workers: u16,
    /// Seconds a client may take to send a request's headers; a connection
    /// still sending them after that is closed.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_read_timeout_s: u64,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "genk_atlas=info,atlas=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<()> {
    match command {
        Command::Serve(args) => serve(args).await,
        Command::Migrate { database_url } => {
            let applied = postgis::migrate(&database_url).await?;
            if applied.is_empty() {
                println!("the database is up to date");
            }
            for name in applied {
                println!("applied {name}");
            }
            Ok(())
        }
        Command::Demo {
            out,
            seed,
            scale,
            force,
        } => write_demo(&out, seed, scale, force).await,
        Command::Load { from, database_url } => load(&from, &database_url).await,
        Command::Import(args) => import(args).await,
        Command::Export(args) => export(args).await,
        Command::User(command) => user(command).await,
    }
}

async fn import(args: ImportArgs) -> Result<()> {
    if !args.allow_network {
        genk_atlas::import::sandbox::network_off();
        if genk_atlas::import::sandbox::is_network_path(&args.path.to_string_lossy()) {
            bail!(
                "{} is on the network: atlas import reads from the network only with --allow-network",
                args.path.display()
            );
        }
    }
    let store = if args.dry_run && !args.store.is_given() {
        None
    } else if let (Some(path), None) = (&args.store.gpkg, &args.store.database_url) {
        // importing into a new GeoPackage creates it
        let store: SharedStore = if path.exists() {
            Arc::new(GeoPackageStore::open(path)?)
        } else {
            Arc::new(GeoPackageStore::create(path)?)
        };
        Some(store)
    } else {
        Some(args.store.open().await?)
    };
    let layer = match args.layer {
        ImportTarget::Layer(layer) => layer,
        ImportTarget::Osm => {
            let since = args
                .since
                .unwrap_or_else(|| chrono::Local::now().date_naive());
            let summary = import_run::import_osm(
                args.path,
                since,
                args.residents,
                args.dry_run,
                store.as_deref(),
            )
            .await?;
            println!(
                "{} {summary}",
                if args.dry_run { "checked" } else { "imported" }
            );
            return Ok(());
        }
    };
    let command = ImportCommand {
        params: ImportParams {
            layer,
            path: args.path,
            source_layer: args.source_layer,
            crs: args.crs,
            mapping: FieldMapping {
                renames: args.map,
                defaults: args.default,
            },
            key: args.key,
            repair: args.repair,
            policy: Default::default(),
            // the operator's own file may reach beyond the mapped city (a
            // region's wijken): only uploads are held to its surroundings
            surroundings: None,
        },
        dry_run: args.dry_run,
        skip_invalid: args.skip_invalid,
        report: args.report,
    };
    let layer = command.params.layer;
    let summary = import_run::import(command, store.as_deref()).await?;
    let rate = summary.n_read as f64 / summary.read_seconds.max(1e-6);
    println!(
        "{} {} of {} features into {layer} (from {}, {} invalid, {} repaired; read at {rate:.0} features/s)",
        if summary.n_written > 0 { "imported" } else { "checked" },
        if summary.n_written > 0 { summary.n_written } else { summary.n_read - summary.n_invalid },
        summary.n_read,
        summary.source_crs,
        summary.n_invalid,
        summary.n_repaired,
    );
    if summary.n_first_events > 0 {
        println!(
            "{} new shop units got their first event (status_since as valid_from)",
            summary.n_first_events
        );
    }
    Ok(())
}

async fn export(args: ExportArgs) -> Result<()> {
    let store = args.store.open().await?;
    let out = args.out.clone();
    let params = ExportParams {
        layer: args.layer,
        format: args.format,
        out: args.out,
        crs: args.crs,
        include_confidential: args.include_confidential,
    };
    let written = import_run::export(params, store.as_ref()).await?;
    println!(
        "exported {written} features of {} to {}",
        args.layer,
        out.display()
    );
    Ok(())
}

/// `atlas user add|token|remove`: the secret goes alone to stdout, so scripts can take it.
async fn user(command: UserCommand) -> Result<()> {
    let actor = format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    );
    match command {
        UserCommand::Add { name, role, store } => {
            let store = store.open().await?;
            let password = accounts::add_account(store.as_ref(), &name, role, &actor).await?;
            eprintln!("account '{name}' ({role}) is ready; its password, shown only now:");
            println!("{password}");
        }
        UserCommand::Token { name, days, store } => {
            let store = store.open().await?;
            let token = accounts::issue_token(store.as_ref(), &name, days, &actor).await?;
            eprintln!("API token for '{name}', valid {days} days, shown only now (send it as Authorization: Bearer):");
            println!("{token}");
        }
        UserCommand::Remove { name, store } => {
            let store = store.open().await?;
            accounts::remove_account(store.as_ref(), &name, &actor).await?;
            eprintln!("account '{name}' is removed, with its API tokens and login sessions");
        }
    }
    Ok(())
}

async fn serve(args: ServeArgs) -> Result<()> {
    let store = args.store.open().await?;
    let started = Instant::now();
    let app = App::load(store.clone(), args.tile_cache_mb << 20, &args.city_name).await?;
    let counts = app.engine().counts();
    tracing::info!(
        "loaded {} features from {} in {:.1} s",
        counts.values().sum::<usize>(),
        store.kind().as_str(),
        started.elapsed().as_secs_f64()
    );
    let rejected = app.rejected();
    if !rejected.is_empty() {
        tracing::warn!(
            "{} stored features are kept out (see GET /api/admin/rejected)",
            rejected.len()
        );
    }
    let web_dir = args
        .web_dir
        .join("index.html")
        .is_file()
        .then_some(args.web_dir);
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let address = listener.local_addr()?;
    println!(
        "Genk Atlas serves http://{address}/ (store: {})",
        store.kind().as_str()
    );
    let login_policy = genk_atlas::auth::LoginPolicy {
        secure_cookies: args.secure_cookies,
        trust_forwarded_for: args.trust_forwarded_for,
        hash_workers: args.login_hash_workers.into(),
        ..genk_atlas::auth::LoginPolicy::default()
    };
    app.follow();
    http::serve_with_timeout(
        listener,
        AppState::with_login_policy(app, web_dir, login_policy),
        std::time::Duration::from_secs(args.header_read_timeout_s),
    )
    .await?;
    Ok(())
}

fn progress_bar(total: usize, message: &str) -> ProgressBar {
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:40}] {human_pos}/{human_len} rows, {per_sec}, eta {eta}",
        )
        .expect("a valid progress template")
        .progress_chars("=> "),
    );
    bar.set_message(message.to_string());
    bar
}

async fn write_all(store: &dyn Store, batch: &WriteBatch, message: &str) -> Result<()> {
    let bar = progress_bar(batch.len(), message);
    let progress = {
        let bar = bar.clone();
        move |done: usize| bar.set_position(done as u64)
    };
    store.write(batch, &progress).await?;
    bar.finish();
    Ok(())
}

async fn write_demo(out: &Path, seed: u64, scale: u32, force: bool) -> Result<()> {
    if out.exists() {
        if !force {
            bail!(
                "{} exists already (use --force to replace it)",
                out.display()
            );
        }
        std::fs::remove_file(out).with_context(|| format!("cannot remove {}", out.display()))?;
    }
    let params = DemoParams {
        seed,
        scale,
        ..DemoParams::default()
    };
    let started = Instant::now();
    let dataset = tokio::task::spawn_blocking(move || demo::generate(&params)).await?;
    eprintln!(
        "generated the demo city (seed {seed}, scale {scale}) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let batch = WriteBatch::from_dataset(&dataset);
    drop(dataset);
    let store = GeoPackageStore::create(out)?;
    write_all(&store, &batch, "writing").await?;
    println!("wrote {} ({} rows)", out.display(), batch.len());
    Ok(())
}

async fn load(from: &Path, database_url: &str) -> Result<()> {
    let source = GeoPackageStore::open(from)?;
    let target = PostgisStore::connect(database_url).await?;
    let dataset = read_dataset(&source).await?;
    let batch = WriteBatch::from_dataset(&dataset);
    drop(dataset);
    write_all(&target, &batch, "loading").await?;
    println!("loaded {} rows into PostGIS", batch.len());
    Ok(())
}
