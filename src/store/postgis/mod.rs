//! The PostGIS store: tokio-postgres with a connection pool, schema from `migrations/`.
//!
//! One table per layer (named after its layer id, typed geometry in EPSG:4326,
//! one typed column per schema field) and `shop_unit_events`. A write is one
//! transaction: each layer is streamed with binary `COPY` into a temporary
//! staging table (geometry as WKB) and upserted by id from there, then the
//! events are appended the same way; hundreds of thousands of features load
//! in seconds, and a failure leaves nothing behind.
//! Reads stream rows and decode `ST_AsBinary` WKB.
//!
//! [`PostgisStore::connect`] refuses a database that is unreachable, lacks
//! PostGIS 3.0 or newer, or lacks a migration, each with a one-line message
//! that says what to do; [`migrate`] brings a database up to date.
//!
//! One piece: the `LayerStore` and `AccessStore` implementations, each method
//! a short transaction over the SQL files in `sql/`; connecting, migrating,
//! the feed and value codecs are their own files.

mod access;
mod connection;
mod feed;
mod layer_sql;
mod migrate;
mod values;

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::Pool;
use futures_util::{pin_mut, TryStreamExt};
use postgres_types::{ToSql, Type};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::{GenericClient, Row};

pub use migrate::{migrate, Migration, MIGRATIONS};

use self::connection::Target;
use self::layer_sql::{counts_sql, LayerSql};
use self::values::{read_value, SqlValue};
use crate::model::access::{
    Account, AuditEntry, FailedLogins, FoundSession, LockoutPolicy, LoginAttempt, StoredSession,
    StoredToken,
};
use crate::model::saved_search::{SavedSearch, SavedSearchChange};
use crate::model::{wkb, Feature, LayerId, UnitEvent};
use crate::store::feed::{
    ChangeCursor, ChangesAfter, RowRead, EVENTS_LOG_NAME, RELOAD_FROM_FEATURES,
};
use crate::store::{
    AccessStore, AuditQuery, EditGuard, LayerStore, Progress, StoreError, StoreKind, WriteBatch,
};

/// The oldest PostGIS the atlas runs on (major, minor).
pub const MINIMUM_POSTGIS_VERSION: (u32, u32) = (3, 0);

/// From this many features on, a write into an empty layer table locks it,
/// drops its GiST index, inserts without conflict checks and builds the index
/// again: one bulk build is several times faster than as many single inserts.
const BULK_INDEX_BUILD_FROM: usize = 20_000;

/// How many rows go by between two progress reports.
const PROGRESS_EVERY: usize = 1_000;

const POSTGIS_INSTALLED: &str = include_str!("sql/postgis_installed.sql");
const POSTGIS_VERSION: &str = include_str!("sql/postgis_version.sql");
const MIGRATIONS_TABLE_EXISTS: &str = include_str!("sql/migrations_table_exists.sql");
const MIGRATIONS_LIST: &str = include_str!("sql/migrations_list.sql");
const GIST_INDEXES: &str = include_str!("sql/gist_indexes.sql");
const EVENTS_STAGING: &str = include_str!("sql/events_staging.sql");
const EVENTS_COPY: &str = include_str!("sql/events_copy.sql");
const EVENTS_APPEND: &str = include_str!("sql/events_append.sql");
const EVENTS_STAGING_DROP: &str = include_str!("sql/events_staging_drop.sql");
const EVENTS_READ: &str = include_str!("sql/events_read.sql");
const EVENTS_READ_BY_ID: &str = include_str!("sql/events_read_by_id.sql");
const EVENTS_SEQUENCE_CATCH_UP: &str = include_str!("sql/events_sequence_catch_up.sql");

/// The columns of `shop_unit_events` with their SQL types, in the order that
/// `sql/events_*.sql` name them (a test checks them against the migration).
#[cfg(test)]
pub(crate) const EVENT_COLUMNS: [(&str, &str); 11] = [
    ("event_id", "bigint"),
    ("unit_id", "text"),
    ("valid_from", "date"),
    ("recorded_at", "timestamptz"),
    ("recorded_by", "text"),
    ("status", "text"),
    ("category", "text"),
    ("kind", "text"),
    ("floor_area_m2", "double precision"),
    ("occupant", "text"),
    ("note", "text"),
];

/// The binary types of [`EVENT_COLUMNS`], for `COPY`.
const EVENT_COPY_TYPES: [Type; 11] = [
    Type::INT8,
    Type::TEXT,
    Type::DATE,
    Type::TIMESTAMPTZ,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::FLOAT8,
    Type::TEXT,
    Type::TEXT,
];

/// A PostGIS database with the atlas schema, behind a connection pool.
#[derive(Clone)]
pub struct PostgisStore {
    pool: Pool,
    target: Target,
    /// The change signal, with its listener started on first use.
    signal: std::sync::Arc<std::sync::OnceLock<tokio::sync::watch::Sender<u64>>>,
}

impl std::fmt::Debug for PostgisStore {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("PostgisStore")
            .field("database", &self.target.description)
            .finish()
    }
}

impl PostgisStore {
    /// Open the database at `url`: it must be reachable, have PostGIS 3.0 or
    /// newer and every migration applied.
    pub async fn connect(url: &str) -> Result<PostgisStore, StoreError> {
        let target = Target::parse(url)?;
        let pool = target.pool()?;
        let client = pool.get().await.map_err(|error| target.pool_error(error))?;
        check_postgis(&**client, &target).await?;
        check_migrations(&**client, &target).await?;
        Ok(PostgisStore {
            pool,
            target,
            signal: Default::default(),
        })
    }

    /// Apply the migrations the database at `url` lacks; see [`migrate`].
    pub async fn migrate(url: &str) -> Result<Vec<String>, StoreError> {
        migrate(url).await
    }

    /// The database, as `postgresql://user@host:port/dbname` (no password).
    pub fn description(&self) -> &str {
        &self.target.description
    }

    async fn client(&self) -> Result<deadpool_postgres::Client, StoreError> {
        self.pool
            .get()
            .await
            .map_err(|error| self.target.pool_error(error))
    }
}

/// PostGIS is installed and recent enough.
async fn check_postgis(client: &impl GenericClient, target: &Target) -> Result<(), StoreError> {
    let checking = |source| StoreError::Postgres {
        context: "checking postgis".into(),
        source,
    };
    let installed = client
        .query_opt(POSTGIS_INSTALLED, &[])
        .await
        .map_err(checking)?;
    if installed.is_none() {
        return Err(StoreError::Unavailable(format!(
            "postgis is not installed in {}: {}",
            target.description,
            target.migrate_hint()
        )));
    }
    let version: String = client
        .query_one(POSTGIS_VERSION, &[])
        .await
        .and_then(|row| row.try_get(0))
        .map_err(checking)?;
    match parse_version(&version) {
        Some(found) if found >= MINIMUM_POSTGIS_VERSION => Ok(()),
        _ => Err(StoreError::Unavailable(format!(
            "{} has postgis {version}; the atlas needs postgis {}.{} or newer",
            target.description, MINIMUM_POSTGIS_VERSION.0, MINIMUM_POSTGIS_VERSION.1
        ))),
    }
}

/// (major, minor) of a version such as `3.3.2` or `3.5.0dev`.
fn parse_version(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split('.');
    let major = parts.next()?.trim().parse().ok()?;
    let minor_text: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some((major, minor_text.parse().ok()?))
}

/// Every migration this atlas knows is applied, and no unknown one.
async fn check_migrations(client: &impl GenericClient, target: &Target) -> Result<(), StoreError> {
    let checking = |source| StoreError::Postgres {
        context: "checking the schema migrations".into(),
        source,
    };
    let exists: bool = client
        .query_one(MIGRATIONS_TABLE_EXISTS, &[])
        .await
        .and_then(|row| row.try_get(0))
        .map_err(checking)?;
    if !exists {
        return Err(StoreError::Unavailable(format!(
            "{} has no atlas schema: {}",
            target.description,
            target.migrate_hint()
        )));
    }
    let applied: Vec<(i32, String)> = client
        .query(MIGRATIONS_LIST, &[])
        .await
        .map_err(checking)?
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<Result<_, tokio_postgres::Error>>()
        .map_err(checking)?;
    let missing: Vec<&str> = MIGRATIONS
        .iter()
        .filter(|migration| {
            !applied
                .iter()
                .any(|(version, _)| *version == migration.version)
        })
        .map(|migration| migration.name)
        .collect();
    if !missing.is_empty() {
        return Err(StoreError::Unavailable(format!(
            "{} lacks migration {}: {}",
            target.description,
            missing.join(", "),
            target.migrate_hint()
        )));
    }
    let unknown: Vec<&str> = applied
        .iter()
        .filter(|(version, _)| {
            !MIGRATIONS
                .iter()
                .any(|migration| migration.version == *version)
        })
        .map(|(_, name)| name.as_str())
        .collect();
    if !unknown.is_empty() {
        return Err(StoreError::Unavailable(format!(
            "{} has migration {} that this atlas does not know: use a newer atlas",
            target.description,
            unknown.join(", ")
        )));
    }
    Ok(())
}

/// The indices of the features to write: the last one of each id, in input
/// order, so that a batch that names an id twice writes its last version.
fn last_of_each_id<'a, T>(items: &'a [T], key: impl Fn(&'a T) -> &'a str) -> Vec<usize> {
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        last.insert(key(item), index);
    }
    if last.len() == items.len() {
        return (0..items.len()).collect();
    }
    let mut indices: Vec<usize> = last.into_values().collect();
    indices.sort_unstable();
    indices
}

/// Counts rows for the progress callback: every [`PROGRESS_EVERY`] rows and
/// at the end of each table.
struct RowCounter<'a> {
    rows_done: usize,
    progress: Progress<'a>,
}

impl RowCounter<'_> {
    fn add_one(&mut self) {
        self.rows_done += 1;
        if self.rows_done.is_multiple_of(PROGRESS_EVERY) {
            (self.progress)(self.rows_done);
        }
    }

    fn add_skipped(&mut self, count: usize) {
        self.rows_done += count;
    }

    fn report(&self) {
        (self.progress)(self.rows_done);
    }
}

/// Stream one layer into its staging table and upsert it into the layer table.
async fn load_layer(
    transaction: &deadpool_postgres::Transaction<'_>,
    layer: LayerId,
    features: &[Feature],
    counter: &mut RowCounter<'_>,
) -> Result<(), StoreError> {
    let loading = |source| StoreError::Postgres {
        context: format!("loading {layer}"),
        source,
    };
    let sql = LayerSql::new(layer);
    // A big write into an empty table (a first import) inserts without
    // conflict checks and builds the spatial index once, at the end.
    let bulk = features.len() >= BULK_INDEX_BUILD_FROM
        && lock_if_empty(transaction, &sql).await.map_err(loading)?;
    // a write this large is logged as one reload of the layer, its row
    // triggers off for this transaction only (ALTER TABLE is transactional)
    let log_as_reload = features.len() >= RELOAD_FROM_FEATURES;
    if log_as_reload {
        set_change_trigger(transaction, layer.as_str(), false)
            .await
            .map_err(loading)?;
    }
    let rebuild_indexes = if bulk {
        drop_gist_indexes(transaction, layer)
            .await
            .map_err(loading)?
    } else {
        Vec::new()
    };
    if bulk {
        // straight into the table: the ids are unique (last of each) and the
        // table was empty, so there is nothing to upsert
        let mut types = sql.copy_types.clone();
        types[1] = geometry_type(transaction).await.map_err(loading)?;
        copy_rows(
            transaction,
            &sql.copy_direct,
            &types,
            layer,
            features,
            counter,
            |wkb| Box::new(Ewkb::from_wkb(wkb)),
        )
        .await?;
    } else {
        transaction
            .batch_execute(&sql.create_staging)
            .await
            .map_err(loading)?;
        copy_rows(
            transaction,
            &sql.copy,
            &sql.copy_types,
            layer,
            features,
            counter,
            |wkb| Box::new(wkb),
        )
        .await?;
        transaction
            .execute(&sql.upsert, &[])
            .await
            .map_err(loading)?;
        transaction
            .batch_execute(&sql.drop_staging)
            .await
            .map_err(loading)?;
    }
    if !rebuild_indexes.is_empty() {
        // a GiST build over a million polygons is several times faster with
        // room for its buffers; LOCAL ends with the transaction
        transaction
            .batch_execute("SET LOCAL maintenance_work_mem = '512MB'")
            .await
            .map_err(loading)?;
    }
    for create_index in rebuild_indexes {
        transaction
            .batch_execute(&create_index)
            .await
            .map_err(loading)?;
    }
    if log_as_reload {
        log_reload(transaction, layer.as_str())
            .await
            .map_err(loading)?;
    }
    counter.report();
    Ok(())
}

/// Turn the change-log trigger of `table` off or on again.
async fn set_change_trigger(
    transaction: &deadpool_postgres::Transaction<'_>,
    table: &str,
    enabled: bool,
) -> Result<(), tokio_postgres::Error> {
    let state = if enabled { "ENABLE" } else { "DISABLE" };
    transaction
        .batch_execute(&format!(
            "ALTER TABLE {} {state} TRIGGER atlas_log_changes",
            layer_sql::quote(table)
        ))
        .await
}

/// Log one reload of `table` and turn its row trigger on again.
async fn log_reload(
    transaction: &deadpool_postgres::Transaction<'_>,
    table: &str,
) -> Result<(), tokio_postgres::Error> {
    set_change_trigger(transaction, table, true).await?;
    transaction
        .execute(
            "INSERT INTO atlas_changes (layer, feature_id, op) VALUES ($1, NULL, 'reload')",
            &[&table],
        )
        .await
        .map(|_| ())
}

/// Binary-copy the last feature of each id: id, geometry (WKB made into a
/// value by `geometry`), then the fields.
async fn copy_rows(
    transaction: &deadpool_postgres::Transaction<'_>,
    copy: &str,
    types: &[Type],
    layer: LayerId,
    features: &[Feature],
    counter: &mut RowCounter<'_>,
    geometry: impl Fn(Vec<u8>) -> Box<dyn ToSql + Sync + Send>,
) -> Result<(), StoreError> {
    let loading = |source| StoreError::Postgres {
        context: format!("loading {layer}"),
        source,
    };
    let sink = transaction.copy_in(copy).await.map_err(loading)?;
    let writer = BinaryCopyInWriter::new(sink, types);
    pin_mut!(writer);
    let to_write = last_of_each_id(features, |feature| feature.id.as_str());
    counter.add_skipped(features.len() - to_write.len());
    for index in to_write {
        let feature = &features[index];
        // the batch was validated, so encoding fails only on a bug; name the feature anyway
        let wkb = wkb::encode(&feature.geometry).map_err(|source| StoreError::Invalid {
            layer: layer.to_string(),
            index,
            id: feature.id.clone(),
            source,
        })?;
        let geometry = geometry(wkb);
        let values: Vec<SqlValue> = feature.values.iter().map(SqlValue).collect();
        let mut row: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(2 + values.len());
        row.push(&feature.id);
        row.push(geometry.as_ref());
        row.extend(values.iter().map(|value| value as &(dyn ToSql + Sync)));
        writer.as_mut().write(&row).await.map_err(loading)?;
        counter.add_one();
    }
    writer.finish().await.map_err(loading)?;
    Ok(())
}

/// PostGIS's `geometry` type, whose binary input is EWKB.
async fn geometry_type(
    transaction: &deadpool_postgres::Transaction<'_>,
) -> Result<Type, tokio_postgres::Error> {
    let row = transaction
        .query_one(
            "SELECT t.oid, n.nspname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             WHERE t.typname = 'geometry' AND t.oid = 'geometry'::regtype",
            &[],
        )
        .await?;
    Ok(Type::new(
        "geometry".into(),
        row.try_get(0)?,
        postgres_types::Kind::Simple,
        row.try_get(1)?,
    ))
}

/// EWKB in EPSG:4326: the WKB with the SRID flag and number after its type.
#[derive(Debug)]
struct Ewkb(Vec<u8>);

impl Ewkb {
    const SRID_FLAG: u32 = 0x2000_0000;

    /// From little-endian 2D WKB (what `model::wkb` writes).
    fn from_wkb(wkb: Vec<u8>) -> Ewkb {
        let kind = u32::from_le_bytes([wkb[1], wkb[2], wkb[3], wkb[4]]);
        let mut ewkb = Vec::with_capacity(wkb.len() + 4);
        ewkb.push(wkb[0]);
        ewkb.extend_from_slice(&(kind | Self::SRID_FLAG).to_le_bytes());
        ewkb.extend_from_slice(&4326u32.to_le_bytes());
        ewkb.extend_from_slice(&wkb[5..]);
        Ewkb(ewkb)
    }
}

impl ToSql for Ewkb {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.extend_from_slice(&self.0);
        Ok(postgres_types::IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        ty.name() == "geometry"
    }

    postgres_types::to_sql_checked!();
}

/// Whether the layer table is empty, under a lock that keeps it so until the
/// write commits; the lock is only taken when the table looked empty.
async fn lock_if_empty(
    transaction: &deadpool_postgres::Transaction<'_>,
    sql: &LayerSql,
) -> Result<bool, tokio_postgres::Error> {
    let looks_empty: bool = transaction
        .query_one(&sql.is_empty, &[])
        .await?
        .try_get(0)?;
    if !looks_empty {
        return Ok(false);
    }
    transaction.batch_execute(&sql.lock).await?;
    transaction.query_one(&sql.is_empty, &[]).await?.try_get(0)
}

/// Drop the GiST indexes of a layer table and return the statements that
/// create them again, from the catalogue, so they stay those of the migrations.
async fn drop_gist_indexes(
    transaction: &deadpool_postgres::Transaction<'_>,
    layer: LayerId,
) -> Result<Vec<String>, tokio_postgres::Error> {
    let mut create_statements = Vec::new();
    for row in transaction.query(GIST_INDEXES, &[&layer.as_str()]).await? {
        // the name comes quoted from the catalogue (format('%I.%I'))
        let qualified_name: String = row.try_get(0)?;
        transaction
            .batch_execute(&format!("DROP INDEX {qualified_name}"))
            .await?;
        create_statements.push(row.try_get(1)?);
    }
    Ok(create_statements)
}

/// Stream the events into their staging table and append them.
async fn load_events(
    transaction: &deadpool_postgres::Transaction<'_>,
    events: &[UnitEvent],
    counter: &mut RowCounter<'_>,
) -> Result<(), StoreError> {
    let loading = |source| StoreError::Postgres {
        context: "appending shop-unit events".into(),
        source,
    };
    let log_as_reload = events.len() >= RELOAD_FROM_FEATURES;
    if log_as_reload {
        set_change_trigger(transaction, EVENTS_LOG_NAME, false)
            .await
            .map_err(loading)?;
    }
    transaction
        .batch_execute(EVENTS_STAGING)
        .await
        .map_err(loading)?;
    let sink = transaction.copy_in(EVENTS_COPY).await.map_err(loading)?;
    let writer = BinaryCopyInWriter::new(sink, &EVENT_COPY_TYPES);
    pin_mut!(writer);
    for event in events {
        let kind = event.kind.map(|kind| kind.as_str());
        let row: [&(dyn ToSql + Sync); 11] = [
            &event.event_id,
            &event.unit_id,
            &event.valid_from,
            &event.recorded_at,
            &event.recorded_by,
            &event.status.as_str(),
            &event.category.as_str(),
            &kind,
            &event.floor_area_m2,
            &event.occupant,
            &event.note,
        ];
        writer.as_mut().write(&row).await.map_err(loading)?;
        counter.add_one();
    }
    writer.finish().await.map_err(loading)?;
    transaction
        .execute(EVENTS_APPEND, &[])
        .await
        .map_err(loading)?;
    transaction
        .batch_execute(EVENTS_STAGING_DROP)
        .await
        .map_err(loading)?;
    if events.iter().any(|event| event.event_id != 0) {
        transaction
            .batch_execute(EVENTS_SEQUENCE_CATCH_UP)
            .await
            .map_err(loading)?;
    }
    if log_as_reload {
        log_reload(transaction, EVENTS_LOG_NAME)
            .await
            .map_err(loading)?;
    }
    counter.report();
    Ok(())
}

pub(crate) fn feature_from_row(layer: LayerId, row: &Row) -> Result<Feature, StoreError> {
    let reading = |source| StoreError::Postgres {
        context: format!("reading {layer}"),
        source,
    };
    let id: String = row.try_get(0).map_err(reading)?;
    let bytes: &[u8] = row.try_get(1).map_err(reading)?;
    let geometry = wkb::decode(bytes).map_err(|error| StoreError::Corrupt {
        context: format!("reading {layer} feature '{id}'"),
        reason: error.to_string(),
    })?;
    let values = layer
        .schema()
        .fields
        .iter()
        .enumerate()
        .map(|(index, field)| read_value(row, index + 2, field.kind))
        .collect::<Result<_, _>>()
        .map_err(reading)?;
    Ok(Feature {
        id,
        geometry,
        values,
    })
}

pub(crate) fn event_from_row(row: &Row) -> Result<UnitEvent, StoreError> {
    let reading = |source| StoreError::Postgres {
        context: "reading shop-unit events".into(),
        source,
    };
    let event_id: i64 = row.try_get(0).map_err(reading)?;
    let corrupt = |reason: String| StoreError::Corrupt {
        context: format!("reading shop-unit event {event_id}"),
        reason,
    };
    let status: &str = row.try_get(5).map_err(reading)?;
    let category: &str = row.try_get(6).map_err(reading)?;
    let kind: Option<&str> = row.try_get(7).map_err(reading)?;
    Ok(UnitEvent {
        event_id,
        unit_id: row.try_get(1).map_err(reading)?,
        valid_from: row.try_get::<_, NaiveDate>(2).map_err(reading)?,
        recorded_at: row.try_get::<_, DateTime<Utc>>(3).map_err(reading)?,
        recorded_by: row.try_get(4).map_err(reading)?,
        status: status.parse().map_err(corrupt)?,
        category: category.parse().map_err(corrupt)?,
        kind: kind.map(str::parse).transpose().map_err(corrupt)?,
        floor_area_m2: row.try_get(8).map_err(reading)?,
        occupant: row.try_get(9).map_err(reading)?,
        note: row.try_get(10).map_err(reading)?,
    })
}

/// No parameters, for `query_raw`.
fn no_parameters() -> std::iter::Empty<&'static (dyn ToSql + Sync)> {
    std::iter::empty()
}

#[async_trait]
impl LayerStore for PostgisStore {
    fn kind(&self) -> StoreKind {
        StoreKind::PostGis
    }

    async fn read_layer(&self, layer: LayerId) -> Result<Vec<Feature>, StoreError> {
        let reading = |source| StoreError::Postgres {
            context: format!("reading {layer}"),
            source,
        };
        let client = self.client().await?;
        let sql = LayerSql::new(layer);
        let rows = client
            .query_raw(&sql.select, no_parameters())
            .await
            .map_err(reading)?;
        pin_mut!(rows);
        let mut features = Vec::new();
        while let Some(row) = rows.try_next().await.map_err(reading)? {
            features.push(feature_from_row(layer, &row)?);
        }
        Ok(features)
    }

    async fn read_events(&self) -> Result<Vec<UnitEvent>, StoreError> {
        let reading = |source| StoreError::Postgres {
            context: "reading shop-unit events".into(),
            source,
        };
        let client = self.client().await?;
        let rows = client
            .query_raw(EVENTS_READ, no_parameters())
            .await
            .map_err(reading)?;
        pin_mut!(rows);
        let mut events = Vec::new();
        while let Some(row) = rows.try_next().await.map_err(reading)? {
            events.push(event_from_row(&row)?);
        }
        Ok(events)
    }

    async fn write_guarded(
        &self,
        batch: &WriteBatch,
        guard: &EditGuard,
        progress: Progress<'_>,
    ) -> Result<(), StoreError> {
        batch.validate()?;
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .map_err(|source| StoreError::Postgres {
                context: "starting a write".into(),
                source,
            })?;
        // any early return drops the transaction, which rolls it back
        access::check_versions(&*transaction, &guard.expect_versions).await?;
        let mut counter = RowCounter {
            rows_done: 0,
            progress,
        };
        for (layer, features) in &batch.layers {
            if !features.is_empty() {
                load_layer(&transaction, *layer, features, &mut counter).await?;
            }
        }
        if !batch.events.is_empty() {
            load_events(&transaction, &batch.events, &mut counter).await?;
        }
        access::insert_audit(&*transaction, &guard.audit).await?;
        transaction
            .commit()
            .await
            .map_err(|source| StoreError::Postgres {
                context: "committing a write".into(),
                source,
            })
    }

    async fn counts(&self) -> Result<BTreeMap<LayerId, u64>, StoreError> {
        let counting = |source| StoreError::Postgres {
            context: "counting features".into(),
            source,
        };
        let client = self.client().await?;
        let rows = client.query(&counts_sql(), &[]).await.map_err(counting)?;
        let mut counts = BTreeMap::new();
        for row in rows {
            let name: &str = row.try_get(0).map_err(counting)?;
            let count: i64 = row.try_get(1).map_err(counting)?;
            let layer: LayerId = name.parse().map_err(|reason| StoreError::Corrupt {
                context: "counting features".into(),
                reason,
            })?;
            counts.insert(layer, count.max(0) as u64);
        }
        Ok(counts)
    }

    async fn change_cursor(&self) -> Result<ChangeCursor, StoreError> {
        feed::cursor(&**self.client().await?).await
    }

    async fn changes_after(&self, cursor: &ChangeCursor) -> Result<ChangesAfter, StoreError> {
        feed::changes_after(&**self.client().await?, cursor).await
    }

    async fn read_rows(
        &self,
        layer: LayerId,
        ids: Option<&[String]>,
    ) -> Result<Vec<RowRead>, StoreError> {
        feed::read_rows(&**self.client().await?, layer, ids).await
    }

    async fn read_events_by_id(&self, event_ids: &[i64]) -> Result<Vec<UnitEvent>, StoreError> {
        feed::read_events_by_id(&**self.client().await?, event_ids).await
    }

    async fn prune_changes(&self, keep: chrono::Duration) -> Result<u64, StoreError> {
        feed::prune(&mut self.client().await?, keep).await
    }

    fn change_signal(&self) -> tokio::sync::watch::Receiver<u64> {
        self.signal
            .get_or_init(|| {
                let (sender, _) = tokio::sync::watch::channel(0);
                feed::spawn_listener(self.target.clone(), sender.clone());
                sender
            })
            .subscribe()
    }
}

#[async_trait]
impl AccessStore for PostgisStore {
    async fn put_account(&self, account: &Account, audit: &AuditEntry) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let transaction = self.begin(&mut client).await?;
        access::put_account(&*transaction, account).await?;
        access::insert_audit(&*transaction, std::slice::from_ref(audit)).await?;
        commit(transaction).await
    }

    async fn account(&self, name: &str) -> Result<Option<Account>, StoreError> {
        access::account(&**self.client().await?, name).await
    }

    async fn put_token(&self, token: &StoredToken, audit: &AuditEntry) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let transaction = self.begin(&mut client).await?;
        access::put_token(&*transaction, token).await?;
        access::insert_audit(&*transaction, std::slice::from_ref(audit)).await?;
        commit(transaction).await
    }

    async fn token(&self, token_hash: &str) -> Result<Option<StoredToken>, StoreError> {
        access::token(&**self.client().await?, token_hash).await
    }

    async fn read_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        access::read_audit(&**self.client().await?, query).await
    }

    async fn put_saved_search(
        &self,
        search: &SavedSearch,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError> {
        let mut client = self.client().await?;
        let transaction = self.begin(&mut client).await?;
        let search_id = access::put_saved_search(&*transaction, search).await?;
        let audit = AuditEntry {
            target_id: search_id.to_string(),
            ..audit.clone()
        };
        access::insert_audit(&*transaction, std::slice::from_ref(&audit)).await?;
        commit(transaction).await?;
        Ok(search_id)
    }

    async fn change_saved_search(
        &self,
        search_id: i64,
        change: &SavedSearchChange,
        audit: &AuditEntry,
    ) -> Result<Option<SavedSearch>, StoreError> {
        let mut client = self.client().await?;
        let transaction = self.begin(&mut client).await?;
        let Some(before) = access::change_saved_search(&*transaction, search_id, change).await?
        else {
            return Ok(None);
        };
        let audit = change.audit_entry(&before, audit);
        access::insert_audit(&*transaction, std::slice::from_ref(&audit)).await?;
        commit(transaction).await?;
        Ok(Some(before))
    }

    async fn saved_searches(
        &self,
        company_id: Option<&str>,
    ) -> Result<Vec<SavedSearch>, StoreError> {
        access::saved_searches(&**self.client().await?, company_id).await
    }

    // login sessions and failed logins

    async fn open_session(&self, session: &StoredSession) -> Result<(), StoreError> {
        access::open_session(&**self.client().await?, session).await
    }

    async fn session(&self, session_hash: &str) -> Result<Option<FoundSession>, StoreError> {
        access::session(&**self.client().await?, session_hash).await
    }

    async fn touch_session(
        &self,
        session_hash: &str,
        last_used_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        access::touch_session(
            &**self.client().await?,
            session_hash,
            &last_used_at,
            &expires_at,
        )
        .await
    }

    async fn close_session(&self, session_hash: &str) -> Result<(), StoreError> {
        access::close_session(&**self.client().await?, session_hash).await
    }

    async fn close_sessions_of(&self, account: &str) -> Result<u64, StoreError> {
        access::close_sessions_of(&**self.client().await?, account).await
    }

    async fn prune_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        access::prune_sessions(&**self.client().await?, &now).await
    }

    async fn remove_account(&self, name: &str, audit: &AuditEntry) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let transaction = self.begin(&mut client).await?;
        if !access::remove_account(&*transaction, name).await? {
            return Ok(false); // dropping the transaction rolls it back
        }
        access::insert_audit(&*transaction, std::slice::from_ref(audit)).await?;
        commit(transaction).await?;
        Ok(true)
    }

    async fn failed_logins(&self, name: &str) -> Result<Option<FailedLogins>, StoreError> {
        access::failed_logins(&**self.client().await?, name).await
    }

    async fn record_failed_login(
        &self,
        attempt: &LoginAttempt,
        policy: &LockoutPolicy,
    ) -> Result<FailedLogins, StoreError> {
        let mut client = self.client().await?;
        let transaction = self.begin(&mut client).await?;
        let after = access::record_failed_login(&*transaction, attempt, policy).await?;
        commit(transaction).await?;
        Ok(after)
    }

    async fn clear_failed_logins(&self, name: &str) -> Result<(), StoreError> {
        access::clear_failed_logins(&**self.client().await?, name).await
    }
}

impl PostgisStore {
    async fn begin<'a>(
        &self,
        client: &'a mut deadpool_postgres::Client,
    ) -> Result<deadpool_postgres::Transaction<'a>, StoreError> {
        client
            .transaction()
            .await
            .map_err(|source| StoreError::Postgres {
                context: "starting a write".into(),
                source,
            })
    }
}

async fn commit(transaction: deadpool_postgres::Transaction<'_>) -> Result<(), StoreError> {
    transaction
        .commit()
        .await
        .map_err(|source| StoreError::Postgres {
            context: "committing a write".into(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgis_versions_parse_to_major_and_minor() {
        assert_eq!(parse_version("3.3.2"), Some((3, 3)));
        assert_eq!(parse_version("3.5.0dev"), Some((3, 5)));
        assert_eq!(parse_version("2.5"), Some((2, 5)));
        assert!(parse_version("2.5").unwrap() < MINIMUM_POSTGIS_VERSION);
        assert_eq!(parse_version("unknown"), None);
    }

    #[test]
    fn a_repeated_id_writes_its_last_version_once() {
        let ids = ["b", "a", "b", "c", "a"];
        assert_eq!(last_of_each_id(&ids, |id| id), vec![2, 3, 4]);
        assert_eq!(last_of_each_id(&["x", "y"], |id| id), vec![0, 1]);
    }

    #[test]
    fn the_event_copy_types_match_the_event_columns() {
        for ((name, sql_type), copy_type) in EVENT_COLUMNS.iter().zip(&EVENT_COPY_TYPES) {
            let expected = match copy_type.name() {
                "int8" => "bigint",
                "float8" => "double precision",
                other => other,
            };
            assert_eq!(*sql_type, expected, "{name}");
        }
        for sql in [EVENTS_STAGING, EVENTS_COPY, EVENTS_APPEND, EVENTS_READ] {
            let mut position = 0;
            for (name, _) in EVENT_COLUMNS {
                let found = sql[position..]
                    .find(name)
                    .unwrap_or_else(|| panic!("{name} out of order in {sql}"));
                position += found + name.len();
            }
        }
    }
}
