//! The embedded store: an OGC GeoPackage 1.3 file (SQLite) that QGIS opens.
//!
//! Each layer is a feature table named after its [`LayerId`] (`fid` integer
//! key, the stable text `id`, a `geom` column, then one column per schema
//! field); the shop-unit history is the attributes table `shop_unit_events`.
//! Geometry is EPSG:4326 (x = longitude, y = latitude), stored as a GeoPackage
//! blob: the `GP` header (little-endian, with an `[minx, maxx, miny, maxy]`
//! envelope except for points) followed by ISO WKB from [`crate::model::wkb`].
//! Reading accepts any valid header (either byte order, every envelope kind,
//! the empty flag) and reports a bad blob as [`StoreError::Corrupt`] naming the
//! table and row.
//!
//! The connection sits behind a `std::sync::Mutex` and is only used inside
//! `spawn_blocking`, so no SQLite call runs on a Tokio worker. A write streams
//! the batch to the blocking thread in chunks of [`ROWS_PER_CHUNK`] rows (so
//! the batch is never copied whole) inside one transaction; the thread sends
//! back the rows done for the progress callback. A write that fails, or whose
//! future is dropped before the whole batch arrived, rolls back.
//!
//! Determinism: the same writes give a byte-identical file. Nothing reads the
//! clock or the path: the `last_change` of every table in `gpkg_contents` is
//! the store's data date, the newest `recorded_at` among all shop-unit events,
//! or [`LAST_CHANGE_WITHOUT_EVENTS`] when there
//! are none. Layer extents in `gpkg_contents` grow with every write (they are
//! the union of every geometry ever written, so an upsert that moves a feature
//! inward leaves the old, larger box; still a valid bounding box).
//!
//! The fixed DDL lives here as constants rather than in `.sql` files: most of
//! it (one table per layer) is generated from the layer schema, and table and
//! column names come from that static schema; every value is a bound parameter.
//!
//! One piece for now (about 1,300 lines of code): the DDL, the writer and the
//! readers share the connection, the table helpers and the schema checks;
//! the geometry blob, the access tables and the change log are their own
//! files (`blob.rs`, `access.rs`, `change_log.rs`).

mod access;
mod blob;
mod change_log;

pub use blob::{decode_blob, encode_blob};

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use geo::{BoundingRect, Rect};
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{Connection, OpenFlags, ToSql, Transaction};
use tokio::sync::mpsc;

use crate::model::access::{
    Account, AuditEntry, FailedLogins, FoundSession, LockoutPolicy, LoginAttempt, StoredSession,
    StoredToken,
};
use crate::model::saved_search::{SavedSearch, SavedSearchChange};
use crate::model::{Feature, FieldKind, LayerId, LayerSchema, UnitEvent, Value};
use crate::store::feed::{
    ChangeCursor, ChangesAfter, RowRead, EVENTS_LOG_NAME, RELOAD_FROM_FEATURES,
};
use crate::store::{
    AccessStore, AuditQuery, EditGuard, LayerStore, Progress, StoreError, StoreKind, WriteBatch,
};

/// `PRAGMA application_id` of a GeoPackage: the ASCII bytes "GPKG".
const APPLICATION_ID: i32 = 0x4750_4B47;
/// `PRAGMA user_version` of GeoPackage 1.3.0.
const USER_VERSION: i32 = 10300;
/// The only spatial reference system of the atlas.
const SRS_ID: i32 = 4326;
/// Layers added after the first atlas GeoPackages were written: a file
/// without their tables gets them, empty, when it is opened (as it gets the
/// account tables and the change log). Any other missing layer table means
/// the file is not an atlas GeoPackage.
const LAYERS_ADDED_LATER: [LayerId; 2] = [LayerId::Places, LayerId::Waterways];
/// The attributes table of the shop-unit history.
pub const EVENTS_TABLE: &str = "shop_unit_events";
/// `gpkg_contents.last_change` while the store holds no events.
pub const LAST_CHANGE_WITHOUT_EVENTS: &str = "2000-01-01T00:00:00.000Z";
/// Rows per chunk sent to the writer thread; progress is reported per chunk.
pub const ROWS_PER_CHUNK: usize = 1000;
/// Chunks queued between the async side and the writer thread.
const CHUNKS_IN_FLIGHT: usize = 4;
/// `recorded_at` and `last_change` as written: ISO 8601 UTC in the form the
/// GeoPackage specification gives for DATETIME (`YYYY-MM-DDTHH:MM:SS.SSSZ`;
/// GDAL warns about values without the milliseconds). Events carry whole
/// seconds, so the milliseconds are always `.000`.
const DATETIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";
const DATE_FORMAT: &str = "%Y-%m-%d";

/// EPSG:4326 as GDAL writes it into `gpkg_spatial_ref_sys`.
const WGS84_DEFINITION: &str = concat!(
    r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,"#,
    r#"AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,"#,
    r#"AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],"#,
    r#"AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#
);

/// The tables every GeoPackage has, as in the 1.3 specification (Annex C).
const CORE_TABLES_SQL: &str = r#"
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL,
  srs_id INTEGER PRIMARY KEY,
  organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL,
  description TEXT
);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY,
  data_type TEXT NOT NULL,
  identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE,
  min_y DOUBLE,
  max_x DOUBLE,
  max_y DOUBLE,
  srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL,
  m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
);
"#;

/// The three rows `gpkg_spatial_ref_sys` must hold: (name, id, organization,
/// organization's id, definition, description).
const SPATIAL_REF_SYS_ROWS: [(&str, i32, &str, i32, &str, &str); 3] = [
    (
        "Undefined cartesian SRS",
        -1,
        "NONE",
        -1,
        "undefined",
        "undefined cartesian coordinate reference system",
    ),
    (
        "Undefined geographic SRS",
        0,
        "NONE",
        0,
        "undefined",
        "undefined geographic coordinate reference system",
    ),
    (
        "WGS 84 geodetic",
        SRS_ID,
        "EPSG",
        SRS_ID,
        WGS84_DEFINITION,
        "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
    ),
];

/// The shop-unit history; `unit_id` must name a shop unit.
const EVENTS_TABLE_SQL: &str = r#"
CREATE TABLE shop_unit_events (
  event_id INTEGER PRIMARY KEY,
  unit_id TEXT NOT NULL REFERENCES shop_units(id),
  valid_from DATE NOT NULL,
  recorded_at DATETIME NOT NULL,
  recorded_by TEXT NOT NULL,
  status TEXT NOT NULL,
  category TEXT NOT NULL,
  kind TEXT,
  floor_area_m2 REAL NOT NULL,
  occupant TEXT,
  note TEXT
)
"#;

/// The columns of `shop_unit_events`, in table order.
pub(super) const EVENT_COLUMNS: [&str; 11] = [
    "event_id",
    "unit_id",
    "valid_from",
    "recorded_at",
    "recorded_by",
    "status",
    "category",
    "kind",
    "floor_area_m2",
    "occupant",
    "note",
];

/// An atlas GeoPackage file, opened read-write.
#[derive(Debug, Clone)]
pub struct GeoPackageStore {
    connection: Arc<Mutex<Connection>>,
    path: PathBuf,
    /// Made by this process and not written yet: its first write logs a
    /// reload per table stamped with the data date (see `change_log.rs`).
    fresh: Arc<std::sync::atomic::AtomicBool>,
    /// The change signal, with its poller started on first use.
    signal: Arc<std::sync::OnceLock<tokio::sync::watch::Sender<u64>>>,
}

impl GeoPackageStore {
    /// Create a new, empty atlas GeoPackage at `path`; an existing file is an
    /// error (never overwritten). Synchronous and quick: call it at start-up
    /// or from blocking code.
    pub fn create(path: &Path) -> Result<Self, StoreError> {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|error| match error.kind() {
                std::io::ErrorKind::AlreadyExists => {
                    unavailable(path, "it already exists (refusing to overwrite it)")
                }
                _ => unavailable(path, &format!("cannot create the file ({error})")),
            })?;
        let created = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .and_then(|connection| {
                configure(&connection)?;
                create_schema(&connection)?;
                Ok(connection)
            });
        match created {
            Ok(connection) => {
                let store = Self::new(connection, path);
                store.fresh.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok(store)
            }
            Err(source) => {
                // The file is ours and half made: remove it so a retry can succeed.
                let _ = std::fs::remove_file(path);
                Err(StoreError::Sqlite {
                    context: format!("creating geopackage {}", path.display()),
                    source,
                })
            }
        }
    }

    /// Open an existing atlas GeoPackage. A missing file, a file that is not
    /// SQLite, or a SQLite file without the GeoPackage and atlas tables is
    /// [`StoreError::Unavailable`] with a one-line reason. Synchronous.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if path.is_dir() {
            return Err(unavailable(path, "it is a folder, not a file"));
        }
        if !path.is_file() {
            return Err(unavailable(path, "no such file"));
        }
        let connection = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .map_err(|error| unavailable(path, &format!("cannot open it ({error})")))?;
        let tables = table_names(&connection)
            .map_err(|error| unavailable(path, &format!("not a sqlite database ({error})")))?;
        let added_later: Vec<LayerId> = LAYERS_ADDED_LATER
            .into_iter()
            .filter(|layer| !tables.contains(layer.as_str()))
            .collect();
        check_atlas_schema(&connection, &tables, &added_later)
            .map_err(|reason| unavailable(path, &reason))?;
        configure(&connection)
            .map_err(|error| unavailable(path, &format!("cannot configure it ({error})")))?;
        if !added_later.is_empty() {
            add_layer_tables(&connection, &added_later).map_err(|error| {
                unavailable(path, &format!("cannot add the newer layers ({error})"))
            })?;
        }
        access::ensure_tables(&connection).map_err(|error| {
            unavailable(path, &format!("cannot add the account tables ({error})"))
        })?;
        if !tables.contains("atlas_changes") {
            change_log::ensure_change_log(&connection).map_err(|error| {
                unavailable(path, &format!("cannot add the change log ({error})"))
            })?;
        }
        Ok(Self::new(connection, path))
    }

    fn new(connection: Connection, path: &Path) -> Self {
        GeoPackageStore {
            connection: Arc::new(Mutex::new(connection)),
            path: path.to_path_buf(),
            fresh: Arc::default(),
            signal: Arc::default(),
        }
    }

    /// The file this store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Run `work` with the connection on a blocking thread.
    async fn with_connection<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let connection = Arc::clone(&self.connection);
        tokio::task::spawn_blocking(move || work(&mut lock(&connection)))
            .await
            .map_err(task_failed)?
    }
}

#[async_trait]
impl LayerStore for GeoPackageStore {
    fn kind(&self) -> StoreKind {
        StoreKind::GeoPackage
    }

    async fn read_layer(&self, layer: LayerId) -> Result<Vec<Feature>, StoreError> {
        self.with_connection(move |connection| read_features(connection, layer.schema()))
            .await
    }

    async fn read_events(&self) -> Result<Vec<UnitEvent>, StoreError> {
        self.with_connection(|connection| read_events(connection))
            .await
    }

    async fn write_guarded(
        &self,
        batch: &WriteBatch,
        guard: &EditGuard,
        progress: Progress<'_>,
    ) -> Result<(), StoreError> {
        batch.validate()?;
        let (chunk_sender, chunk_receiver) = mpsc::channel(CHUNKS_IN_FLIGHT);
        let (progress_sender, mut progress_receiver) = mpsc::unbounded_channel();
        let connection = Arc::clone(&self.connection);
        let guard = guard.clone();
        let fresh = Arc::clone(&self.fresh);
        let writer = tokio::task::spawn_blocking(move || {
            let was_fresh = fresh.load(std::sync::atomic::Ordering::SeqCst);
            let written = write_chunks(
                &mut lock(&connection),
                &guard,
                was_fresh,
                chunk_receiver,
                &progress_sender,
            );
            if written.is_ok() {
                fresh.store(false, std::sync::atomic::Ordering::SeqCst);
            }
            written
        });
        send_chunks(batch, chunk_sender, &mut progress_receiver, progress).await;
        while let Some(rows_done) = progress_receiver.recv().await {
            progress(rows_done);
        }
        writer.await.map_err(task_failed)?
    }

    async fn counts(&self) -> Result<BTreeMap<LayerId, u64>, StoreError> {
        self.with_connection(|connection| {
            LayerId::ALL
                .iter()
                .map(|layer| Ok((*layer, count_rows(connection, layer.as_str())?)))
                .collect()
        })
        .await
    }

    async fn change_cursor(&self) -> Result<ChangeCursor, StoreError> {
        self.with_connection(|connection| change_log::cursor(connection))
            .await
    }

    async fn changes_after(&self, cursor: &ChangeCursor) -> Result<ChangesAfter, StoreError> {
        let cursor = cursor.clone();
        self.with_connection(move |connection| change_log::changes_after(connection, &cursor))
            .await
    }

    async fn read_rows(
        &self,
        layer: LayerId,
        ids: Option<&[String]>,
    ) -> Result<Vec<RowRead>, StoreError> {
        let ids = ids.map(<[String]>::to_vec);
        self.with_connection(move |connection| {
            change_log::read_rows(connection, layer, ids.as_deref())
        })
        .await
    }

    async fn read_events_by_id(&self, event_ids: &[i64]) -> Result<Vec<UnitEvent>, StoreError> {
        let event_ids = event_ids.to_vec();
        self.with_connection(move |connection| {
            change_log::read_events_by_id(connection, &event_ids)
        })
        .await
    }

    async fn prune_changes(&self, keep: chrono::Duration) -> Result<u64, StoreError> {
        self.with_connection(move |connection| change_log::prune(connection, keep))
            .await
    }

    fn change_signal(&self) -> tokio::sync::watch::Receiver<u64> {
        self.signal
            .get_or_init(|| {
                let (sender, _) = tokio::sync::watch::channel(0);
                change_log::spawn_poller(self.path.clone(), sender.clone());
                sender
            })
            .subscribe()
    }
}

#[async_trait]
impl AccessStore for GeoPackageStore {
    async fn put_account(&self, account: &Account, audit: &AuditEntry) -> Result<(), StoreError> {
        let (account, audit) = (account.clone(), audit.clone());
        self.with_connection(move |connection| access::put_account(connection, &account, &audit))
            .await
    }

    async fn account(&self, name: &str) -> Result<Option<Account>, StoreError> {
        let name = name.to_string();
        self.with_connection(move |connection| access::account(connection, &name))
            .await
    }

    async fn put_token(&self, token: &StoredToken, audit: &AuditEntry) -> Result<(), StoreError> {
        let (token, audit) = (token.clone(), audit.clone());
        self.with_connection(move |connection| access::put_token(connection, &token, &audit))
            .await
    }

    async fn token(&self, token_hash: &str) -> Result<Option<StoredToken>, StoreError> {
        let token_hash = token_hash.to_string();
        self.with_connection(move |connection| access::token(connection, &token_hash))
            .await
    }

    async fn read_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let query = query.clone();
        self.with_connection(move |connection| access::read_audit(connection, &query))
            .await
    }

    async fn put_saved_search(
        &self,
        search: &SavedSearch,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError> {
        let (search, audit) = (search.clone(), audit.clone());
        self.with_connection(move |connection| {
            access::put_saved_search(connection, &search, &audit)
        })
        .await
    }

    async fn change_saved_search(
        &self,
        search_id: i64,
        change: &SavedSearchChange,
        audit: &AuditEntry,
    ) -> Result<Option<SavedSearch>, StoreError> {
        let (change, audit) = (change.clone(), audit.clone());
        self.with_connection(move |connection| {
            access::change_saved_search(connection, search_id, &change, &audit)
        })
        .await
    }

    async fn saved_searches(
        &self,
        company_id: Option<&str>,
    ) -> Result<Vec<SavedSearch>, StoreError> {
        let company_id = company_id.map(str::to_string);
        self.with_connection(move |connection| {
            access::saved_searches(connection, company_id.as_deref())
        })
        .await
    }

    // login sessions and failed logins

    async fn open_session(&self, session: &StoredSession) -> Result<(), StoreError> {
        let session = session.clone();
        self.with_connection(move |connection| access::open_session(connection, &session))
            .await
    }

    async fn session(&self, session_hash: &str) -> Result<Option<FoundSession>, StoreError> {
        let session_hash = session_hash.to_string();
        self.with_connection(move |connection| access::session(connection, &session_hash))
            .await
    }

    async fn touch_session(
        &self,
        session_hash: &str,
        last_used_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let session_hash = session_hash.to_string();
        self.with_connection(move |connection| {
            access::touch_session(connection, &session_hash, &last_used_at, &expires_at)
        })
        .await
    }

    async fn close_session(&self, session_hash: &str) -> Result<(), StoreError> {
        let session_hash = session_hash.to_string();
        self.with_connection(move |connection| access::close_session(connection, &session_hash))
            .await
    }

    async fn close_sessions_of(&self, account: &str) -> Result<u64, StoreError> {
        let account = account.to_string();
        self.with_connection(move |connection| access::close_sessions_of(connection, &account))
            .await
    }

    async fn prune_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.with_connection(move |connection| access::prune_sessions(connection, &now))
            .await
    }

    async fn remove_account(&self, name: &str, audit: &AuditEntry) -> Result<bool, StoreError> {
        let (name, audit) = (name.to_string(), audit.clone());
        self.with_connection(move |connection| access::remove_account(connection, &name, &audit))
            .await
    }

    async fn failed_logins(&self, name: &str) -> Result<Option<FailedLogins>, StoreError> {
        let name = name.to_string();
        self.with_connection(move |connection| access::failed_logins(connection, &name))
            .await
    }

    async fn record_failed_login(
        &self,
        attempt: &LoginAttempt,
        policy: &LockoutPolicy,
    ) -> Result<FailedLogins, StoreError> {
        let (attempt, policy) = (attempt.clone(), policy.clone());
        self.with_connection(move |connection| {
            access::record_failed_login(connection, &attempt, &policy)
        })
        .await
    }

    async fn clear_failed_logins(&self, name: &str) -> Result<(), StoreError> {
        let name = name.to_string();
        self.with_connection(move |connection| access::clear_failed_logins(connection, &name))
            .await
    }
}

/// The connection even if an earlier holder panicked: a panic inside a
/// transaction rolls it back when the `Transaction` is dropped.
fn lock(connection: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    connection.lock().unwrap_or_else(PoisonError::into_inner)
}

fn task_failed(error: tokio::task::JoinError) -> StoreError {
    StoreError::Unavailable(format!("geopackage task failed: {error}"))
}

fn unavailable(path: &Path, reason: &str) -> StoreError {
    StoreError::Unavailable(format!(
        "cannot use geopackage {}: {reason}",
        path.display()
    ))
}

fn sqlite_error(context: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> StoreError {
    let context = context.into();
    move |source| StoreError::Sqlite { context, source }
}

/// How long a connection waits for another writer of the file (QGIS, GDAL,
/// `atlas` on the command line, another server) before it gives up.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Settings of every connection: wait for another writer up to
/// [`BUSY_TIMEOUT`], foreign keys enforced, a rollback journal (so the file
/// stays a single plain file) unless the file is in WAL, full syncs at commit (a write is one
/// transaction, so that is a handful of syncs) and a page cache big enough
/// that a large write rarely spills to disk before its commit.
fn configure(connection: &Connection) -> rusqlite::Result<()> {
    connection.busy_timeout(BUSY_TIMEOUT)?;
    // QGIS turns a GeoPackage it edits to WAL; leaving WAL needs every
    // other connection closed, so a file in WAL stays in WAL
    let mode: String = connection.query_row("PRAGMA journal_mode", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        connection.execute_batch("PRAGMA journal_mode = DELETE;")?;
    }
    connection.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = FULL;
         PRAGMA cache_size = -131072;",
    )?;
    connection.set_prepared_statement_cache_capacity(64);
    Ok(())
}

// ---------------------------------------------------------------------------
// Creating the schema

fn create_schema(connection: &Connection) -> rusqlite::Result<()> {
    connection.pragma_update(None, "application_id", APPLICATION_ID)?;
    connection.pragma_update(None, "user_version", USER_VERSION)?;
    connection.execute_batch("BEGIN")?;
    let created = create_tables(connection);
    connection.execute_batch(if created.is_ok() {
        "COMMIT"
    } else {
        "ROLLBACK"
    })?;
    created
}

fn create_tables(connection: &Connection) -> rusqlite::Result<()> {
    connection.execute_batch(CORE_TABLES_SQL)?;
    for row in SPATIAL_REF_SYS_ROWS {
        connection.execute(
            "INSERT INTO gpkg_spatial_ref_sys
             (srs_name, srs_id, organization, organization_coordsys_id, definition, description)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![row.0, row.1, row.2, row.3, row.4, row.5],
        )?;
    }
    for layer in LayerId::ALL {
        create_feature_table(connection, layer.schema())?;
    }
    connection.execute_batch(EVENTS_TABLE_SQL)?;
    access::ensure_tables(connection)?;
    connection.execute_batch(&change_log::change_log_sql())?;
    connection.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change)
         VALUES (?1, 'attributes', ?2, ?3, ?4)",
        rusqlite::params![
            EVENTS_TABLE,
            "Historiek handelspanden",
            "Shop-unit history",
            LAST_CHANGE_WITHOUT_EVENTS
        ],
    )?;
    Ok(())
}

/// `CREATE TABLE` of one layer: fid, id, geom, then the schema's fields.
fn feature_table_sql(schema: &LayerSchema) -> String {
    let mut columns = vec![
        "fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL".to_string(),
        "id TEXT NOT NULL UNIQUE".to_string(),
        format!("geom {} NOT NULL", schema.geometry_type.ogc_name()),
    ];
    for field in schema.fields {
        let not_null = if field.required { " NOT NULL" } else { "" };
        columns.push(format!(
            "\"{}\" {}{not_null}",
            field.name,
            column_type(field.kind)
        ));
    }
    format!(
        "CREATE TABLE \"{}\" (\n  {}\n)",
        schema.id,
        columns.join(",\n  ")
    )
}

/// The GeoPackage column type of a field kind.
fn column_type(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "TEXT",
        FieldKind::Integer => "INTEGER",
        FieldKind::Real => "REAL",
        FieldKind::Boolean => "BOOLEAN",
        FieldKind::Date => "DATE",
    }
}

/// The tables of layers an older file lacks, with their change-log
/// triggers when the file has the log, in one transaction.
fn add_layer_tables(connection: &Connection, layers: &[LayerId]) -> rusqlite::Result<()> {
    connection.execute_batch("BEGIN")?;
    let added = layers
        .iter()
        .try_for_each(|layer| create_feature_table(connection, layer.schema()))
        .and_then(|()| {
            if table_names(connection)?.contains("atlas_changes") {
                connection.execute_batch(&change_log::change_log_sql())?;
            }
            Ok(())
        });
    connection.execute_batch(if added.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
    added
}

fn create_feature_table(connection: &Connection, schema: &LayerSchema) -> rusqlite::Result<()> {
    connection.execute_batch(&feature_table_sql(schema))?;
    connection.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id)
         VALUES (?1, 'features', ?2, ?3, ?4, ?5)",
        rusqlite::params![
            schema.id.as_str(),
            schema.title_nl,
            schema.title_en,
            LAST_CHANGE_WITHOUT_EVENTS,
            SRS_ID
        ],
    )?;
    connection.execute(
        "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m)
         VALUES (?1, 'geom', ?2, ?3, 0, 0)",
        rusqlite::params![schema.id.as_str(), schema.geometry_type.ogc_name(), SRS_ID],
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Checking an opened file

fn table_names(connection: &Connection) -> rusqlite::Result<BTreeSet<String>> {
    let mut statement =
        connection.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?;
    let names = statement.query_map([], |row| row.get::<_, String>(0))?;
    names.collect()
}

fn column_names(connection: &Connection, table: &str) -> rusqlite::Result<BTreeSet<String>> {
    let mut statement = connection.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let names = statement.query_map([table], |row| row.get::<_, String>(0))?;
    names.collect()
}

/// Every GeoPackage table, every layer table with its columns (but the
/// layers in `added_later`, which the caller adds), and the events table are
/// there; the error says which one is not.
fn check_atlas_schema(
    connection: &Connection,
    tables: &BTreeSet<String>,
    added_later: &[LayerId],
) -> Result<(), String> {
    for table in [
        "gpkg_spatial_ref_sys",
        "gpkg_contents",
        "gpkg_geometry_columns",
    ] {
        if !tables.contains(table) {
            return Err(format!("not a geopackage (table {table} is missing)"));
        }
    }
    let mut expected: Vec<(&str, Vec<&str>)> = LayerId::ALL
        .iter()
        .filter(|layer| !added_later.contains(layer))
        .map(|layer| {
            let fields = layer.schema().fields.iter().map(|field| field.name);
            (
                layer.as_str(),
                ["fid", "id", "geom"].into_iter().chain(fields).collect(),
            )
        })
        .collect();
    expected.push((EVENTS_TABLE, EVENT_COLUMNS.to_vec()));
    for (table, columns) in expected {
        if !tables.contains(table) {
            return Err(format!(
                "not an atlas geopackage (table {table} is missing)"
            ));
        }
        let present = column_names(connection, table)
            .map_err(|error| format!("cannot read the columns of table {table} ({error})"))?;
        if let Some(missing) = columns.iter().find(|column| !present.contains(**column)) {
            return Err(format!(
                "not an atlas geopackage (table {table} has no column {missing})"
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Writing

/// A piece of a write batch, owned so it can cross to the writer thread.
enum Chunk {
    Features {
        layer: LayerId,
        /// The index in the batch's layer of the first feature.
        first_index: usize,
        /// How many features the batch has for this layer.
        layer_total: usize,
        features: Vec<Feature>,
    },
    Events {
        first_index: usize,
        total: usize,
        events: Vec<UnitEvent>,
    },
    /// The batch is complete: commit.
    Finish,
}

/// The batch as chunks: features layer by layer, then events (whose units
/// may be among the features), then `Finish`. Each is cloned when needed.
fn chunks(batch: &WriteBatch) -> impl Iterator<Item = Chunk> + Send + '_ {
    let features = batch.layers.iter().flat_map(|(layer, features)| {
        features
            .chunks(ROWS_PER_CHUNK)
            .enumerate()
            .map(move |(chunk_index, chunk)| Chunk::Features {
                layer: *layer,
                first_index: chunk_index * ROWS_PER_CHUNK,
                layer_total: features.len(),
                features: chunk.to_vec(),
            })
    });
    let events = batch
        .events
        .chunks(ROWS_PER_CHUNK)
        .enumerate()
        .map(|(chunk_index, chunk)| Chunk::Events {
            first_index: chunk_index * ROWS_PER_CHUNK,
            total: batch.events.len(),
            events: chunk.to_vec(),
        });
    features.chain(events).chain(std::iter::once(Chunk::Finish))
}

/// Send the batch to the writer chunk by chunk, passing on its progress; stop
/// early if the writer has stopped (its result says why).
async fn send_chunks(
    batch: &WriteBatch,
    chunk_sender: mpsc::Sender<Chunk>,
    progress_receiver: &mut mpsc::UnboundedReceiver<usize>,
    progress: Progress<'_>,
) {
    for chunk in chunks(batch) {
        if chunk_sender.send(chunk).await.is_err() {
            return;
        }
        while let Ok(rows_done) = progress_receiver.try_recv() {
            progress(rows_done);
        }
    }
}

/// Write the chunks as they arrive in one transaction, committed on `Finish`;
/// any error, or the sender going away first, rolls everything back.
fn write_chunks(
    connection: &mut Connection,
    guard: &EditGuard,
    fresh: bool,
    mut chunk_receiver: mpsc::Receiver<Chunk>,
    progress_sender: &mpsc::UnboundedSender<usize>,
) -> Result<(), StoreError> {
    let transaction = connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sqlite_error("starting a write"))?;
    access::check_versions(&transaction, &guard.expect_versions)?;
    let mut extents: BTreeMap<LayerId, Rect<f64>> = BTreeMap::new();
    let mut rows_done = 0;
    // tables written whole: logged as one reload (none in a fresh file)
    let mut paused: Vec<&'static str> = Vec::new();
    let mut pause_if_whole = |table: &'static str, total: usize| {
        if fresh || total >= RELOAD_FROM_FEATURES {
            paused.push(table);
            change_log::pause_logging(&transaction, table)
                .map_err(sqlite_error(format!("pausing the change log of {table}")))
        } else {
            Ok(())
        }
    };
    loop {
        match chunk_receiver.blocking_recv() {
            Some(Chunk::Features {
                layer,
                first_index,
                layer_total,
                features,
            }) => {
                if first_index == 0 {
                    pause_if_whole(layer.as_str(), layer_total)?;
                }
                upsert_features(&transaction, layer, first_index, &features)?;
                grow_extent(&mut extents, layer, &features);
                rows_done += features.len();
            }
            Some(Chunk::Events {
                first_index,
                total,
                events,
            }) => {
                if first_index == 0 {
                    pause_if_whole(EVENTS_LOG_NAME, total)?;
                }
                insert_events(&transaction, &events)?;
                rows_done += events.len();
            }
            Some(Chunk::Finish) => break,
            None => {
                return Err(StoreError::Unavailable(
                    "geopackage write stopped before the whole batch arrived; nothing was written"
                        .into(),
                ))
            }
        }
        // The receiver is gone only if the write future was dropped.
        let _ = progress_sender.send(rows_done);
    }
    update_contents(&transaction, &extents)?;
    let stamp = if fresh {
        Some(last_change(&transaction)?)
    } else {
        None
    };
    for table in paused {
        change_log::resume_logging(&transaction, table, stamp.as_deref())
            .map_err(sqlite_error(format!("resuming the change log of {table}")))?;
    }
    access::insert_audit(&transaction, &guard.audit)?;
    transaction
        .commit()
        .map_err(sqlite_error("committing a write"))
}

/// `INSERT ... ON CONFLICT(id) DO UPDATE` of one layer, one parameter per column.
fn upsert_sql(schema: &LayerSchema) -> String {
    let fields: Vec<String> = schema
        .fields
        .iter()
        .map(|field| format!("\"{}\"", field.name))
        .collect();
    let columns = ["id".to_string(), "geom".to_string()]
        .into_iter()
        .chain(fields.iter().cloned())
        .collect::<Vec<_>>();
    let placeholders = (1..=columns.len())
        .map(|n| format!("?{n}"))
        .collect::<Vec<_>>();
    let updates = columns[1..]
        .iter()
        .map(|column| format!("{column} = excluded.{column}"))
        .collect::<Vec<_>>();
    format!(
        "INSERT INTO \"{}\" ({}) VALUES ({}) ON CONFLICT(id) DO UPDATE SET {}",
        schema.id,
        columns.join(", "),
        placeholders.join(", "),
        updates.join(", ")
    )
}

fn upsert_features(
    transaction: &Transaction<'_>,
    layer: LayerId,
    first_index: usize,
    features: &[Feature],
) -> Result<(), StoreError> {
    let schema = layer.schema();
    let mut statement = transaction
        .prepare_cached(&upsert_sql(schema))
        .map_err(sqlite_error(format!("preparing the write of {layer}")))?;
    for (offset, feature) in features.iter().enumerate() {
        let index = first_index + offset;
        let context = || format!("writing {layer} feature {index} ('{}')", feature.id);
        let blob = encode_blob(&feature.geometry).map_err(|source| StoreError::Invalid {
            layer: layer.to_string(),
            index,
            id: feature.id.clone(),
            source,
        })?;
        bind_feature(&mut statement, feature, &blob)
            .and_then(|()| statement.raw_execute())
            .map_err(sqlite_error(context()))?;
    }
    Ok(())
}

fn bind_feature(
    statement: &mut rusqlite::CachedStatement<'_>,
    feature: &Feature,
    blob: &[u8],
) -> rusqlite::Result<()> {
    statement.raw_bind_parameter(1, feature.id.as_str())?;
    statement.raw_bind_parameter(2, blob)?;
    for (offset, value) in feature.values.iter().enumerate() {
        statement.raw_bind_parameter(3 + offset, SqlCell(value))?;
    }
    Ok(())
}

/// A property value as a SQLite cell: booleans as 0/1, dates as `YYYY-MM-DD`.
struct SqlCell<'a>(&'a Value);

impl ToSql for SqlCell<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Value::Null => ToSqlOutput::Owned(SqlValue::Null),
            Value::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Value::Integer(number) => ToSqlOutput::Owned(SqlValue::Integer(*number)),
            Value::Real(number) => ToSqlOutput::Owned(SqlValue::Real(*number)),
            Value::Boolean(flag) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*flag))),
            Value::Date(date) => {
                ToSqlOutput::Owned(SqlValue::Text(date.format(DATE_FORMAT).to_string()))
            }
        })
    }
}

fn insert_events(transaction: &Transaction<'_>, events: &[UnitEvent]) -> Result<(), StoreError> {
    let placeholders = (1..=EVENT_COLUMNS.len())
        .map(|n| format!("?{n}"))
        .collect::<Vec<_>>();
    let sql = format!(
        "INSERT INTO {EVENTS_TABLE} ({}) VALUES ({})",
        EVENT_COLUMNS.join(", "),
        placeholders.join(", ")
    );
    let mut statement = transaction
        .prepare_cached(&sql)
        .map_err(sqlite_error("preparing the write of shop-unit events"))?;
    for event in events {
        let context = || {
            format!(
                "writing {EVENTS_TABLE} event {} (unit '{}')",
                event.event_id, event.unit_id
            )
        };
        statement
            .execute(rusqlite::params![
                // 0 asks SQLite for the next rowid (the largest plus one)
                (event.event_id != 0).then_some(event.event_id),
                event.unit_id,
                event.valid_from.format(DATE_FORMAT).to_string(),
                event.recorded_at.format(DATETIME_FORMAT).to_string(),
                event.recorded_by,
                event.status.as_str(),
                event.category.as_str(),
                event.kind.map(|kind| kind.as_str()),
                event.floor_area_m2,
                event.occupant,
                event.note,
            ])
            .map_err(sqlite_error(context()))?;
    }
    Ok(())
}

/// Widen a layer's extent by the bounding boxes of these features.
fn grow_extent(extents: &mut BTreeMap<LayerId, Rect<f64>>, layer: LayerId, features: &[Feature]) {
    for bbox in features
        .iter()
        .filter_map(|feature| feature.geometry.bounding_rect())
    {
        let extent = extents.entry(layer).or_insert(bbox);
        *extent = Rect::new(
            geo::coord! { x: extent.min().x.min(bbox.min().x), y: extent.min().y.min(bbox.min().y) },
            geo::coord! { x: extent.max().x.max(bbox.max().x), y: extent.max().y.max(bbox.max().y) },
        );
    }
}

/// Widen each written layer's extent in `gpkg_contents` and set every
/// table's `last_change` to the newest `recorded_at` (see the file header).
fn update_contents(
    transaction: &Transaction<'_>,
    extents: &BTreeMap<LayerId, Rect<f64>>,
) -> Result<(), StoreError> {
    let mut widen = transaction
        .prepare_cached(
            "UPDATE gpkg_contents SET
               min_x = min(coalesce(min_x, ?2), ?2), min_y = min(coalesce(min_y, ?3), ?3),
               max_x = max(coalesce(max_x, ?4), ?4), max_y = max(coalesce(max_y, ?5), ?5)
             WHERE table_name = ?1",
        )
        .map_err(sqlite_error("preparing the extent update"))?;
    for (layer, extent) in extents {
        widen
            .execute(rusqlite::params![
                layer.as_str(),
                extent.min().x,
                extent.min().y,
                extent.max().x,
                extent.max().y
            ])
            .map_err(sqlite_error(format!("updating the extent of {layer}")))?;
    }
    let last_change = last_change(transaction)?;
    transaction
        .execute("UPDATE gpkg_contents SET last_change = ?1", [last_change])
        .map_err(sqlite_error("updating gpkg_contents.last_change"))?;
    Ok(())
}

/// The newest `recorded_at` (normalised to [`DATETIME_FORMAT`]), or the fixed date.
fn last_change(connection: &Connection) -> Result<String, StoreError> {
    let newest: Option<String> = connection
        .query_row(
            &format!("SELECT max(recorded_at) FROM {EVENTS_TABLE}"),
            [],
            |row| row.get(0),
        )
        .map_err(sqlite_error("reading the newest recorded_at"))?;
    let Some(newest) = newest else {
        return Ok(LAST_CHANGE_WITHOUT_EVENTS.to_string());
    };
    let recorded_at = parse_recorded_at(&newest).map_err(|reason| StoreError::Corrupt {
        context: format!("reading the newest recorded_at of {EVENTS_TABLE}"),
        reason,
    })?;
    Ok(recorded_at.format(DATETIME_FORMAT).to_string())
}

// ---------------------------------------------------------------------------
// Reading

fn count_rows(connection: &Connection, table: &str) -> Result<u64, StoreError> {
    connection
        .query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |row| {
            row.get(0)
        })
        .map_err(sqlite_error(format!("counting the rows of {table}")))
}

fn read_features(
    connection: &Connection,
    schema: &LayerSchema,
) -> Result<Vec<Feature>, StoreError> {
    let fields: Vec<String> = schema
        .fields
        .iter()
        .map(|field| format!(", \"{}\"", field.name))
        .collect();
    let sql = format!(
        "SELECT fid, id, geom{} FROM \"{}\" ORDER BY id",
        fields.concat(),
        schema.id
    );
    let context = format!("reading {}", schema.id);
    let mut statement = connection
        .prepare_cached(&sql)
        .map_err(sqlite_error(&context))?;
    let mut rows = statement.query([]).map_err(sqlite_error(&context))?;
    let mut features = Vec::new();
    while let Some(row) = rows.next().map_err(sqlite_error(&context))? {
        features.push(read_feature(row, schema)?);
    }
    Ok(features)
}

/// One feature row: fid, id, geom, then the fields in schema order.
pub(super) fn read_feature(
    row: &rusqlite::Row<'_>,
    schema: &LayerSchema,
) -> Result<Feature, StoreError> {
    let fid: i64 = row.get(0).unwrap_or_default();
    let corrupt = |id: &str, reason: String| StoreError::Corrupt {
        context: format!("reading geopackage table {} row {fid} ('{id}')", schema.id),
        reason,
    };
    let id = match row.get_ref(1) {
        Ok(ValueRef::Text(bytes)) => String::from_utf8(bytes.to_vec())
            .map_err(|_| corrupt("?", "id is not valid UTF-8".into()))?,
        _ => return Err(corrupt("?", "id is not text".into())),
    };
    let geometry = match row.get_ref(2) {
        Ok(ValueRef::Blob(blob)) => decode_blob(blob).map_err(|reason| corrupt(&id, reason))?,
        Ok(ValueRef::Null) => return Err(corrupt(&id, "geometry is missing".into())),
        _ => return Err(corrupt(&id, "geometry is not a blob".into())),
    };
    let mut values = Vec::with_capacity(schema.fields.len());
    for (offset, field) in schema.fields.iter().enumerate() {
        let cell = row
            .get_ref(3 + offset)
            .map_err(|error| corrupt(&id, format!("field '{}': {error}", field.name)))?;
        let value = read_cell(cell, field.kind)
            .map_err(|reason| corrupt(&id, format!("field '{}': {reason}", field.name)))?;
        values.push(value);
    }
    Ok(Feature {
        id,
        geometry,
        values,
    })
}

/// A SQLite cell as a value of `kind`; integers are accepted for reals, 0/1
/// for booleans, `YYYY-MM-DD` text for dates.
fn read_cell(cell: ValueRef<'_>, kind: FieldKind) -> Result<Value, String> {
    Ok(match (cell, kind) {
        (ValueRef::Null, _) => Value::Null,
        (ValueRef::Text(bytes), FieldKind::Text) => Value::Text(utf8(bytes)?.to_string()),
        (ValueRef::Integer(number), FieldKind::Integer) => Value::Integer(number),
        (ValueRef::Real(number), FieldKind::Real) => Value::Real(number),
        (ValueRef::Integer(number), FieldKind::Real) => Value::Real(number as f64),
        (ValueRef::Integer(0), FieldKind::Boolean) => Value::Boolean(false),
        (ValueRef::Integer(1), FieldKind::Boolean) => Value::Boolean(true),
        (ValueRef::Text(bytes), FieldKind::Date) => Value::Date(parse_date(utf8(bytes)?)?),
        (other, kind) => {
            return Err(format!("expected {kind:?}, found {}", describe(other)).to_lowercase())
        }
    })
}

fn utf8(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|_| "text is not valid UTF-8".to_string())
}

fn describe(cell: ValueRef<'_>) -> String {
    match cell {
        ValueRef::Null => "null".into(),
        ValueRef::Integer(number) => format!("integer {number}"),
        ValueRef::Real(number) => format!("real {number}"),
        ValueRef::Text(bytes) => format!("text '{}'", String::from_utf8_lossy(bytes)),
        ValueRef::Blob(bytes) => format!("a blob of {} bytes", bytes.len()),
    }
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, DATE_FORMAT)
        .map_err(|_| format!("'{text}' is not a date (YYYY-MM-DD)"))
}

/// `YYYY-MM-DDTHH:MM:SS.SSSZ`, also without or with other fractional seconds.
fn parse_recorded_at(text: &str) -> Result<DateTime<Utc>, String> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.fZ")
        .map(|naive| naive.and_utc())
        .map_err(|_| format!("'{text}' is not a UTC date-time (YYYY-MM-DDTHH:MM:SS.SSSZ)"))
}

fn read_events(connection: &Connection) -> Result<Vec<UnitEvent>, StoreError> {
    let sql = format!(
        "SELECT {} FROM {EVENTS_TABLE} ORDER BY event_id",
        EVENT_COLUMNS.join(", ")
    );
    let context = format!("reading {EVENTS_TABLE}");
    let mut statement = connection
        .prepare_cached(&sql)
        .map_err(sqlite_error(&context))?;
    let mut rows = statement.query([]).map_err(sqlite_error(&context))?;
    let mut events = Vec::new();
    while let Some(row) = rows.next().map_err(sqlite_error(&context))? {
        events.push(read_event(row)?);
    }
    Ok(events)
}

pub(super) fn read_event(row: &rusqlite::Row<'_>) -> Result<UnitEvent, StoreError> {
    let event_id: i64 = row.get(0).unwrap_or_default();
    let corrupt = |reason: String| StoreError::Corrupt {
        context: format!("reading geopackage table {EVENTS_TABLE} row {event_id}"),
        reason,
    };
    let text = |index: usize| -> Result<Option<String>, StoreError> {
        let column = EVENT_COLUMNS[index];
        match row.get_ref(index) {
            Ok(ValueRef::Null) => Ok(None),
            Ok(ValueRef::Text(bytes)) => utf8(bytes)
                .map(|text| Some(text.to_string()))
                .map_err(|reason| corrupt(format!("{column}: {reason}"))),
            Ok(other) => Err(corrupt(format!(
                "{column}: expected text, found {}",
                describe(other)
            ))),
            Err(error) => Err(corrupt(format!("{column}: {error}"))),
        }
    };
    let required = |index: usize| -> Result<String, StoreError> {
        text(index)?.ok_or_else(|| corrupt(format!("{} is missing", EVENT_COLUMNS[index])))
    };
    let parsed =
        |index: usize, reason: String| corrupt(format!("{}: {reason}", EVENT_COLUMNS[index]));
    let floor_area_m2 = match row.get_ref(8) {
        Ok(ValueRef::Real(number)) => number,
        Ok(ValueRef::Integer(number)) => number as f64,
        _ => return Err(corrupt("floor_area_m2 is not a number".into())),
    };
    Ok(UnitEvent {
        event_id,
        unit_id: required(1)?,
        valid_from: parse_date(&required(2)?).map_err(|reason| parsed(2, reason))?,
        recorded_at: parse_recorded_at(&required(3)?).map_err(|reason| parsed(3, reason))?,
        recorded_by: required(4)?,
        status: required(5)?.parse().map_err(|reason| parsed(5, reason))?,
        category: required(6)?.parse().map_err(|reason| parsed(6, reason))?,
        kind: text(7)?
            .map(|kind| kind.parse())
            .transpose()
            .map_err(|reason| parsed(7, reason))?,
        floor_area_m2,
        occupant: text(9)?,
        note: text(10)?,
    })
}

#[cfg(test)]
mod tests {
    use super::blob::FLAG_EMPTY;
    use super::*;
    use crate::model::wkb;
    use geo::{line_string, point, polygon, Geometry, MultiPolygon};

    /// Regression: `atlas user token` on the GeoPackage of a running server
    /// failed with "database is locked" when another writer held the file
    /// for a moment; a connection now waits for the other writer.
    #[test]
    fn opening_waits_for_another_writer_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locked.gpkg");
        drop(GeoPackageStore::create(&path).unwrap());
        let other = Connection::open(&path).unwrap();
        other.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            other.execute_batch("COMMIT").unwrap();
        });
        let started = std::time::Instant::now();
        let opened = GeoPackageStore::open(&path);
        release.join().unwrap();
        assert!(opened.is_ok(), "{:?}", opened.err());
        assert!(started.elapsed() >= std::time::Duration::from_millis(250));
    }

    /// Regression: a GeoPackage that QGIS had turned to WAL could not be
    /// opened by `atlas` while a server held it ("database is locked"):
    /// leaving WAL needs every other connection closed.
    #[test]
    fn a_file_in_wal_held_open_by_another_opens_and_stays_in_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal.gpkg");
        drop(GeoPackageStore::create(&path).unwrap());
        let other = Connection::open(&path).unwrap();
        let mode: String = other
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        other
            .execute_batch("SELECT count(*) FROM gpkg_contents")
            .unwrap();
        let opened = GeoPackageStore::open(&path);
        assert!(opened.is_ok(), "{:?}", opened.err());
        let mode: String = other
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    /// A header written by hand: byte order, envelope indicator, then WKB.
    fn blob_with(
        little_endian: bool,
        envelope_indicator: u8,
        extra_flags: u8,
        wkb_bytes: &[u8],
    ) -> Vec<u8> {
        let mut blob = b"GP\0".to_vec();
        blob.push(u8::from(little_endian) | envelope_indicator << 1 | extra_flags);
        if little_endian {
            blob.extend_from_slice(&SRS_ID.to_le_bytes());
        } else {
            blob.extend_from_slice(&SRS_ID.to_be_bytes());
        }
        let doubles = match envelope_indicator {
            0 => 0,
            1 => 4,
            2 | 3 => 6,
            _ => 8,
        };
        for _ in 0..doubles {
            let number = 1.5f64;
            blob.extend_from_slice(&if little_endian {
                number.to_le_bytes()
            } else {
                number.to_be_bytes()
            });
        }
        blob.extend_from_slice(wkb_bytes);
        blob
    }

    mod blob {
        use super::*;

        #[test]
        fn a_point_has_no_envelope_and_the_standard_bytes() {
            let blob = encode_blob(&point!(x: 1.0, y: 2.0).into()).unwrap();
            // GP, version 0, flags 0x01 (little-endian, no envelope), srs 4326, WKB POINT(1 2)
            assert_eq!(
                hex(&blob),
                "47500001e61000000101000000000000000000f03f0000000000000040"
            );
        }

        #[test]
        fn a_polygon_carries_its_envelope_as_minx_maxx_miny_maxy() {
            let square = polygon![(x: 5.0, y: 50.0), (x: 5.5, y: 50.0), (x: 5.5, y: 51.0), (x: 5.0, y: 50.0)];
            let blob = encode_blob(&square.clone().into()).unwrap();
            assert_eq!(blob[3], 0b0000_0011);
            let bounds: Vec<f64> = blob[8..40]
                .chunks(8)
                .map(|bytes| f64::from_le_bytes(bytes.try_into().unwrap()))
                .collect();
            assert_eq!(bounds, vec![5.0, 5.5, 50.0, 51.0]);
            assert_eq!(decode_blob(&blob).unwrap(), Geometry::Polygon(square));
        }

        #[test]
        fn every_layer_geometry_round_trips() {
            let with_hole = polygon!(
                exterior: [(x: 5.49, y: 50.96), (x: 5.51, y: 50.96), (x: 5.51, y: 50.97), (x: 5.49, y: 50.97), (x: 5.49, y: 50.96)],
                interiors: [[(x: 5.495, y: 50.962), (x: 5.5, y: 50.962), (x: 5.5, y: 50.965), (x: 5.495, y: 50.962)]],
            );
            let geometries: Vec<Geometry<f64>> = vec![
                point!(x: 5.5, y: 50.96).into(),
                line_string![(x: 5.5, y: 50.96), (x: 5.51, y: 50.97)].into(),
                with_hole.clone().into(),
                MultiPolygon(vec![with_hole.clone(), with_hole]).into(),
            ];
            for geometry in geometries {
                assert_eq!(
                    decode_blob(&encode_blob(&geometry).unwrap()).unwrap(),
                    geometry
                );
            }
        }

        #[test]
        fn big_endian_headers_and_every_envelope_kind_are_read() {
            let wkb_bytes = wkb::encode(&point!(x: 5.5, y: 50.9).into()).unwrap();
            for little_endian in [true, false] {
                for envelope_indicator in 0..=4 {
                    let blob = blob_with(little_endian, envelope_indicator, 0, &wkb_bytes);
                    let geometry = decode_blob(&blob).unwrap_or_else(|error| {
                        panic!("{little_endian} {envelope_indicator}: {error}")
                    });
                    assert_eq!(geometry, Geometry::Point(point!(x: 5.5, y: 50.9)));
                }
            }
        }

        #[test]
        fn the_empty_flag_is_accepted() {
            let empty_line = wkb::encode(&Geometry::LineString(geo::LineString(vec![]))).unwrap();
            let blob = blob_with(true, 0, FLAG_EMPTY, &empty_line);
            assert_eq!(
                decode_blob(&blob).unwrap(),
                Geometry::LineString(geo::LineString(vec![]))
            );
        }

        #[test]
        fn truncated_blobs_are_errors_not_panics() {
            let square = polygon![(x: 5.0, y: 50.0), (x: 5.5, y: 50.0), (x: 5.5, y: 51.0), (x: 5.0, y: 50.0)];
            let blob = encode_blob(&square.into()).unwrap();
            for cut in 0..blob.len() {
                assert!(decode_blob(&blob[..cut]).is_err(), "cut at {cut}");
            }
        }

        #[test]
        fn a_bad_header_is_named() {
            let wkb_bytes = wkb::encode(&point!(x: 5.5, y: 50.9).into()).unwrap();
            let mut not_gp = blob_with(true, 0, 0, &wkb_bytes);
            not_gp[0] = b'X';
            assert!(decode_blob(&not_gp).unwrap_err().contains("'GP'"));
            let mut version = blob_with(true, 0, 0, &wkb_bytes);
            version[2] = 1;
            assert!(decode_blob(&version).unwrap_err().contains("version"));
            let bad_envelope = blob_with(true, 0, 5 << 1, &wkb_bytes);
            assert!(decode_blob(&bad_envelope)
                .unwrap_err()
                .contains("envelope indicator 5"));
            let mut lambert = blob_with(true, 0, 0, &wkb_bytes);
            lambert[4..8].copy_from_slice(&31370i32.to_le_bytes());
            assert!(decode_blob(&lambert).unwrap_err().contains("31370"));
            assert!(decode_blob(&[]).unwrap_err().contains("shorter"));
        }
    }

    mod schema {
        use super::*;

        #[test]
        fn a_layer_table_has_fid_id_geom_then_its_fields() {
            let sql = feature_table_sql(LayerId::AccessPoints.schema());
            assert_eq!(
                sql,
                "CREATE TABLE \"access_points\" (\n  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,\n  \
                 id TEXT NOT NULL UNIQUE,\n  geom POINT NOT NULL,\n  \"kind\" TEXT NOT NULL,\n  \"name\" TEXT NOT NULL\n)"
            );
        }

        #[test]
        fn the_upsert_updates_every_column_but_the_id() {
            let sql = upsert_sql(LayerId::AccessPoints.schema());
            assert_eq!(
                sql,
                "INSERT INTO \"access_points\" (id, geom, \"kind\", \"name\") VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT(id) DO UPDATE SET geom = excluded.geom, \"kind\" = excluded.\"kind\", \
                 \"name\" = excluded.\"name\""
            );
        }

        #[test]
        fn recorded_at_is_read_with_or_without_milliseconds() {
            let whole = parse_recorded_at("2023-02-01T09:30:00Z").unwrap();
            assert_eq!(
                parse_recorded_at("2023-02-01T09:30:00.000Z").unwrap(),
                whole
            );
            assert_eq!(
                whole.format(DATETIME_FORMAT).to_string(),
                "2023-02-01T09:30:00.000Z"
            );
            assert!(parse_recorded_at("2023-02-01 09:30").is_err());
        }

        #[test]
        fn cells_of_the_wrong_type_are_named() {
            assert_eq!(
                read_cell(ValueRef::Integer(1), FieldKind::Boolean),
                Ok(Value::Boolean(true))
            );
            assert_eq!(
                read_cell(ValueRef::Integer(3), FieldKind::Real),
                Ok(Value::Real(3.0))
            );
            assert!(read_cell(ValueRef::Integer(2), FieldKind::Boolean)
                .unwrap_err()
                .contains("integer 2"));
            assert!(read_cell(ValueRef::Text(b"2024-02-30"), FieldKind::Date)
                .unwrap_err()
                .contains("not a date"));
        }
    }

    mod write {
        use super::*;
        use crate::model::{LayerRecord, Resident};

        fn residents(count: usize) -> WriteBatch {
            let features = (0..count)
                .map(|number| {
                    Resident {
                        id: format!("res-{number:06}"),
                        geometry: point!(x: 5.5, y: 50.96),
                        population: 3,
                    }
                    .to_feature()
                })
                .collect();
            WriteBatch {
                layers: vec![(LayerId::Residents, features)],
                events: vec![],
            }
        }

        #[tokio::test]
        async fn a_write_dropped_half_way_writes_nothing() {
            let folder = tempfile::tempdir().unwrap();
            let store = GeoPackageStore::create(&folder.path().join("atlas.gpkg")).unwrap();
            // 100 chunks: the first poll can queue only a few before it waits.
            let batch = residents(100 * ROWS_PER_CHUNK);
            {
                let write = store.write(&batch, &|_| {});
                tokio::pin!(write);
                assert!(futures_util::poll!(&mut write).is_pending());
            }
            assert_eq!(store.counts().await.unwrap()[&LayerId::Residents], 0);
            store.write(&residents(10), &|_| {}).await.unwrap();
            assert_eq!(store.counts().await.unwrap()[&LayerId::Residents], 10);
        }
    }
}
