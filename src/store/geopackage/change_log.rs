//! The GeoPackage change feed: the `atlas_changes` log, the plain-SQL
//! triggers that fill it, reading it after a cursor, and the poller that
//! signals another connection's commit.
//!
//! The triggers use nothing but core SQLite (`strftime`), so QGIS, GDAL and
//! the `sqlite3` shell write to the file with them in place and every
//! change they commit is logged. SQLite has one writer at a time, so change
//! ids are in commit order and the cursor is the last id applied. A file
//! made before the log existed gets it when it is opened.
//!
//! A write of a whole layer (or the first write into a file that this
//! process has just created) drops that table's triggers inside its
//! transaction and logs one `reload` instead; DDL is transactional in
//! SQLite, so no other connection ever sees the triggers missing. The
//! reloads of a new file are stamped with its data date rather than the
//! clock, so the demo's file stays byte-identical for a seed.

use std::path::PathBuf;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use tokio::sync::watch;

use crate::model::{LayerId, UnitEvent};
use crate::store::feed::{
    ChangeCursor, ChangeOp, ChangeTarget, ChangesAfter, LoggedChange, RejectedRow, RowRead,
    EVENTS_LOG_NAME,
};
use crate::store::StoreError;

/// How often the poller asks SQLite whether another connection committed.
const POLL_EVERY: Duration = Duration::from_millis(200);

/// `changed_at` of every log row: UTC with milliseconds, as GeoPackage
/// DATETIME values are written.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";

const LOG_TABLES_SQL: &str = r#"
CREATE TABLE IF NOT EXISTS atlas_changes (
  change_id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  layer TEXT NOT NULL,
  feature_id TEXT,
  op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'reload')),
  changed_at DATETIME NOT NULL
);
CREATE INDEX IF NOT EXISTS atlas_changes_changed_at_idx ON atlas_changes (changed_at);
CREATE TABLE IF NOT EXISTS atlas_change_log_state (
  only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
  pruned_through_change INTEGER NOT NULL
);
INSERT OR IGNORE INTO atlas_change_log_state (only_row, pruned_through_change) VALUES (1, 0);
"#;

fn sqlite_error(context: &str) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite {
        context: context.to_string(),
        source,
    }
}

/// The tables whose changes are logged: every layer and the history.
fn logged_tables() -> impl Iterator<Item = &'static str> {
    LayerId::ALL
        .iter()
        .map(|layer| layer.as_str())
        .chain(std::iter::once(EVENTS_LOG_NAME))
}

/// The three triggers of one table. `key` is the expression of the row's id.
fn triggers_sql(table: &str) -> String {
    let key = |row: &str| {
        if table == EVENTS_LOG_NAME {
            format!("CAST({row}.event_id AS TEXT)")
        } else {
            format!("{row}.id")
        }
    };
    let log = |row: &str, op: &str| {
        format!(
            "INSERT INTO atlas_changes (layer, feature_id, op, changed_at) \
             VALUES ('{table}', {}, '{op}', {NOW});",
            key(row)
        )
    };
    format!(
        "CREATE TRIGGER IF NOT EXISTS \"atlas_log_{table}_insert\" AFTER INSERT ON \"{table}\" \
         BEGIN {insert} END;
         CREATE TRIGGER IF NOT EXISTS \"atlas_log_{table}_update\" AFTER UPDATE ON \"{table}\" \
         BEGIN INSERT INTO atlas_changes (layer, feature_id, op, changed_at) \
         SELECT '{table}', {old}, 'delete', {NOW} WHERE {old} IS NOT {new}; {update} END;
         CREATE TRIGGER IF NOT EXISTS \"atlas_log_{table}_delete\" AFTER DELETE ON \"{table}\" \
         BEGIN {delete} END;",
        insert = log("NEW", "insert"),
        update = log("NEW", "update"),
        delete = log("OLD", "delete"),
        old = key("OLD"),
        new = key("NEW"),
    )
}

fn drop_triggers_sql(table: &str) -> String {
    ["insert", "update", "delete"]
        .iter()
        .map(|op| format!("DROP TRIGGER IF EXISTS \"atlas_log_{table}_{op}\";"))
        .collect()
}

/// The log's tables and every table's triggers, each made where missing.
pub fn change_log_sql() -> String {
    let mut sql = LOG_TABLES_SQL.to_string();
    for table in logged_tables() {
        sql.push_str(&triggers_sql(table));
    }
    sql
}

/// Add the log to a file made before it existed, in one transaction.
pub fn ensure_change_log(connection: &Connection) -> rusqlite::Result<()> {
    connection.execute_batch(&format!("BEGIN; {} COMMIT;", change_log_sql()))
}

/// Turn the logging of one table off for the rest of the transaction.
pub fn pause_logging(connection: &Connection, table: &str) -> rusqlite::Result<()> {
    connection.execute_batch(&drop_triggers_sql(table))
}

/// Turn it on again and log one reload of the table, at `stamp` (the
/// clock when `None`).
pub fn resume_logging(
    connection: &Connection,
    table: &str,
    stamp: Option<&str>,
) -> rusqlite::Result<()> {
    connection.execute_batch(&triggers_sql(table))?;
    connection.execute(
        &format!(
            "INSERT INTO atlas_changes (layer, feature_id, op, changed_at) \
             VALUES (?1, NULL, 'reload', coalesce(?2, {NOW}))"
        ),
        rusqlite::params![table, stamp],
    )?;
    Ok(())
}

fn newest_change(connection: &Connection) -> Result<i64, StoreError> {
    connection
        .query_row(
            // a pruned log may be empty: its position is where pruning ended
            "SELECT max(coalesce((SELECT max(change_id) FROM atlas_changes), 0), \
             (SELECT pruned_through_change FROM atlas_change_log_state))",
            [],
            |row| row.get(0),
        )
        .map_err(sqlite_error("reading the change log position"))
}

pub fn cursor(connection: &Connection) -> Result<ChangeCursor, StoreError> {
    Ok(ChangeCursor {
        after_change: newest_change(connection)?,
        ..ChangeCursor::default()
    })
}

pub fn changes_after(
    connection: &Connection,
    cursor: &ChangeCursor,
) -> Result<ChangesAfter, StoreError> {
    let pruned_through: i64 = connection
        .query_row(
            "SELECT pruned_through_change FROM atlas_change_log_state",
            [],
            |row| row.get(0),
        )
        .map_err(sqlite_error("reading the change log state"))?;
    if cursor.after_change < pruned_through {
        return Ok(ChangesAfter::FellBehind);
    }
    let context = "reading the change log";
    let mut statement = connection
        .prepare_cached(
            "SELECT change_id, layer, feature_id, op FROM atlas_changes \
             WHERE change_id > ?1 ORDER BY change_id",
        )
        .map_err(sqlite_error(context))?;
    let rows = statement
        .query_map([cursor.after_change], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, String>(3)?,
            ))
        })
        .map_err(sqlite_error(context))?;
    let mut next = ChangeCursor {
        after_change: cursor.after_change,
        ..ChangeCursor::default()
    };
    let mut changes = Vec::new();
    for row in rows {
        let (change_id, layer, feature_id, op) = row.map_err(sqlite_error(context))?;
        next.after_change = change_id;
        let (Some(target), Some(op)) = (ChangeTarget::parse(&layer), ChangeOp::parse(&op)) else {
            tracing::warn!(
                "change {change_id} names an unknown table '{layer}' or operation '{op}': skipped"
            );
            continue;
        };
        changes.push(LoggedChange {
            change_id,
            target,
            feature_id,
            op,
        });
    }
    Ok(ChangesAfter::Changes {
        changes,
        cursor: next,
    })
}

pub fn read_rows(
    connection: &Connection,
    layer: LayerId,
    ids: Option<&[String]>,
) -> Result<Vec<RowRead>, StoreError> {
    let schema = layer.schema();
    let fields: String = schema
        .fields
        .iter()
        .map(|field| format!(", \"{}\"", field.name))
        .collect();
    let select = format!("SELECT fid, id, geom{fields} FROM \"{}\"", schema.id);
    let context = format!("reading {layer}");
    let decode = |row: &rusqlite::Row<'_>| -> RowRead {
        super::read_feature(row, schema).map_err(|error| RejectedRow {
            id: row.get::<_, String>(1).unwrap_or_default(),
            reason: error.to_string(),
        })
    };
    let mut read = Vec::new();
    match ids {
        None => {
            let mut statement = connection
                .prepare_cached(&format!("{select} ORDER BY id"))
                .map_err(sqlite_error(&context))?;
            let mut rows = statement.query([]).map_err(sqlite_error(&context))?;
            while let Some(row) = rows.next().map_err(sqlite_error(&context))? {
                read.push(decode(row));
            }
        }
        Some(ids) => {
            let mut ids = ids.to_vec();
            ids.sort();
            ids.dedup();
            let mut statement = connection
                .prepare_cached(&format!("{select} WHERE id = ?1"))
                .map_err(sqlite_error(&context))?;
            for id in &ids {
                let mut rows = statement.query([id]).map_err(sqlite_error(&context))?;
                if let Some(row) = rows.next().map_err(sqlite_error(&context))? {
                    read.push(decode(row));
                }
            }
        }
    }
    Ok(read)
}

pub fn read_events_by_id(
    connection: &Connection,
    event_ids: &[i64],
) -> Result<Vec<UnitEvent>, StoreError> {
    let context = "reading shop-unit events";
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {} FROM {EVENTS_LOG_NAME} WHERE event_id = ?1",
            super::EVENT_COLUMNS.join(", ")
        ))
        .map_err(sqlite_error(context))?;
    let mut ids = event_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut events = Vec::with_capacity(ids.len());
    for id in ids {
        let event = statement
            .query_row([id], |row| Ok(super::read_event(row)))
            .optional()
            .map_err(sqlite_error(context))?;
        if let Some(event) = event {
            events.push(event?);
        }
    }
    Ok(events)
}

pub fn prune(connection: &mut Connection, keep: chrono::Duration) -> Result<u64, StoreError> {
    let context = "pruning the change log";
    let transaction = connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sqlite_error(context))?;
    let cutoff = (chrono::Utc::now() - keep)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    let newest_pruned: Option<i64> = transaction
        .query_row(
            "SELECT max(change_id) FROM atlas_changes WHERE changed_at < ?1",
            [&cutoff],
            |row| row.get(0),
        )
        .map_err(sqlite_error(context))?;
    let Some(newest_pruned) = newest_pruned else {
        return Ok(0);
    };
    let count = transaction
        .execute(
            "DELETE FROM atlas_changes WHERE change_id <= ?1",
            [newest_pruned],
        )
        .map_err(sqlite_error(context))?;
    transaction
        .execute(
            "UPDATE atlas_change_log_state SET pruned_through_change = \
             max(pruned_through_change, ?1)",
            [newest_pruned],
        )
        .map_err(sqlite_error(context))?;
    transaction.commit().map_err(sqlite_error(context))?;
    Ok(count as u64)
}

/// Watch the file from a connection of its own: `PRAGMA data_version`
/// changes when any other connection (this store's writer included)
/// commits. Ends when no one holds a receiver any more.
pub fn spawn_poller(path: PathBuf, signal: watch::Sender<u64>) {
    std::thread::Builder::new()
        .name("atlas-gpkg-feed".into())
        .spawn(move || {
            let mut connection: Option<Connection> = None;
            let mut last_version: Option<i64> = None;
            while !signal.is_closed() {
                std::thread::sleep(POLL_EVERY);
                if connection.is_none() {
                    connection = Connection::open_with_flags(
                        &path,
                        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )
                    .map_err(|error| {
                        tracing::warn!("change feed: cannot open {}: {error}", path.display())
                    })
                    .ok();
                }
                let Some(open) = &connection else { continue };
                match open.query_row("PRAGMA data_version", [], |row| row.get::<_, i64>(0)) {
                    Ok(version) => {
                        // the first read signals too: a commit made before
                        // it would otherwise wait for the next timed read
                        if last_version != Some(version) {
                            signal.send_modify(|count| *count += 1);
                        }
                        last_version = Some(version);
                    }
                    Err(error) => {
                        tracing::warn!("change feed: polling {}: {error}", path.display());
                        connection = None;
                        last_version = None;
                        signal.send_modify(|count| *count += 1);
                    }
                }
            }
        })
        .expect("the operating system starts a thread");
}
