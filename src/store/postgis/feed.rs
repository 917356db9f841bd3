//! The PostGIS change feed: reading `atlas_changes` after a cursor, rows by
//! id, pruning, and the `LISTEN atlas_changes` connection that signals a
//! commit (see `migrations/0006_change_log.sql`).
//!
//! The cursor's position is a transaction id: every row of a transaction at
//! or after `from_txid` is read again (and skipped by `seen` when applied
//! already), and the next `from_txid` is the oldest transaction still
//! running when the read began (`pg_snapshot_xmin`). A transaction that
//! commits later has an id at least that, so no commit is ever passed over,
//! whatever order the ids were taken in.

use std::time::Duration;

use futures_util::{pin_mut, TryStreamExt};
use tokio::sync::watch;
use tokio_postgres::{AsyncMessage, GenericClient, NoTls};

use super::connection::Target;
use super::layer_sql::LayerSql;
use super::{event_from_row, feature_from_row, EVENTS_READ_BY_ID};
use crate::model::{LayerId, UnitEvent};
use crate::store::feed::{
    ChangeCursor, ChangeOp, ChangeTarget, ChangesAfter, LoggedChange, RejectedRow, RowRead,
};
use crate::store::{postgres_message, StoreError};

/// The channel the triggers notify.
pub const CHANNEL: &str = "atlas_changes";

/// How long the listener waits before connecting again after a loss.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

fn reading(context: &'static str) -> impl Fn(tokio_postgres::Error) -> StoreError {
    move |source| StoreError::Postgres {
        context: context.into(),
        source,
    }
}

fn parse_txid(text: &str) -> Result<u64, StoreError> {
    text.parse().map_err(|_| StoreError::Corrupt {
        context: "reading the change log".into(),
        reason: format!("'{text}' is not a transaction id"),
    })
}

/// The position of the log now: the next read gives every transaction that
/// was not yet committed when this was taken.
pub(super) async fn cursor(client: &impl GenericClient) -> Result<ChangeCursor, StoreError> {
    let row = client
        .query_one(
            // a pruned log may be empty: its position is where pruning ended
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text, \
             greatest(coalesce((SELECT max(change_id) FROM atlas_changes), 0), \
             (SELECT pruned_through_change FROM atlas_change_log_state))",
            &[],
        )
        .await
        .map_err(reading("reading the change log position"))?;
    let from_txid = parse_txid(row.get(0))?;
    let after_change: i64 = row.get(1);
    let mut cursor = ChangeCursor {
        after_change,
        from_txid,
        ..ChangeCursor::default()
    };
    // rows of transactions from `from_txid` on that are already committed
    // are in what the follower is about to load: mark them seen
    let rows = client
        .query(
            "SELECT change_id FROM atlas_changes WHERE txid >= $1::text::xid8",
            &[&from_txid.to_string()],
        )
        .await
        .map_err(reading("reading the change log position"))?;
    cursor.seen = rows.iter().map(|row| row.get::<_, i64>(0)).collect();
    Ok(cursor)
}

pub(super) async fn changes_after(
    client: &impl GenericClient,
    cursor: &ChangeCursor,
) -> Result<ChangesAfter, StoreError> {
    let pruned_through: i64 = client
        .query_one(
            "SELECT pruned_through_change FROM atlas_change_log_state",
            &[],
        )
        .await
        .map_err(reading("reading the change log state"))?
        .get(0);
    if cursor.after_change < pruned_through {
        return Ok(ChangesAfter::FellBehind);
    }
    let next_from: String = client
        .query_one("SELECT pg_snapshot_xmin(pg_current_snapshot())::text", &[])
        .await
        .map_err(reading("reading the change log position"))?
        .get(0);
    let next_from = parse_txid(&next_from)?;
    let rows = client
        .query(
            "SELECT change_id, layer, feature_id, op, txid::text FROM atlas_changes \
             WHERE txid >= $1::text::xid8 ORDER BY change_id",
            &[&cursor.from_txid.to_string()],
        )
        .await
        .map_err(reading("reading the change log"))?;
    let mut next = ChangeCursor {
        after_change: cursor.after_change,
        from_txid: next_from.max(cursor.from_txid),
        seen: Default::default(),
    };
    let mut changes = Vec::new();
    for row in rows {
        let change_id: i64 = row.get(0);
        let txid = parse_txid(row.get(4))?;
        if txid >= next.from_txid {
            next.seen.insert(change_id);
        }
        next.after_change = next.after_change.max(change_id);
        if cursor.seen.contains(&change_id) {
            continue;
        }
        let layer: &str = row.get(1);
        let op: &str = row.get(3);
        let (Some(target), Some(op)) = (ChangeTarget::parse(layer), ChangeOp::parse(op)) else {
            tracing::warn!(
                "change {change_id} names an unknown table '{layer}' or operation '{op}': skipped"
            );
            continue;
        };
        changes.push(LoggedChange {
            change_id,
            target,
            feature_id: row.get(2),
            op,
        });
    }
    Ok(ChangesAfter::Changes {
        changes,
        cursor: next,
    })
}

pub(super) async fn read_rows(
    client: &impl GenericClient,
    layer: LayerId,
    ids: Option<&[String]>,
) -> Result<Vec<RowRead>, StoreError> {
    let sql = LayerSql::new(layer);
    let failed = |source| StoreError::Postgres {
        context: format!("reading {layer}"),
        source,
    };
    let rows = match ids {
        None => client.query(&sql.select, &[]).await.map_err(failed)?,
        Some(ids) => client
            .query(&sql.select_by_id, &[&ids])
            .await
            .map_err(failed)?,
    };
    Ok(rows
        .iter()
        .map(|row| {
            feature_from_row(layer, row).map_err(|error| RejectedRow {
                id: row.try_get::<_, String>(0).unwrap_or_default(),
                reason: error.to_string(),
            })
        })
        .collect())
}

pub(super) async fn read_events_by_id(
    client: &impl GenericClient,
    event_ids: &[i64],
) -> Result<Vec<UnitEvent>, StoreError> {
    let rows = client
        .query_raw(EVENTS_READ_BY_ID, [&event_ids])
        .await
        .map_err(reading("reading shop-unit events"))?;
    pin_mut!(rows);
    let mut events = Vec::new();
    while let Some(row) = rows
        .try_next()
        .await
        .map_err(reading("reading shop-unit events"))?
    {
        events.push(event_from_row(&row)?);
    }
    Ok(events)
}

pub(super) async fn prune(
    client: &mut deadpool_postgres::Client,
    keep: chrono::Duration,
) -> Result<u64, StoreError> {
    let transaction = client
        .transaction()
        .await
        .map_err(reading("pruning the change log"))?;
    let seconds = keep.num_seconds() as f64;
    let row = transaction
        .query_one(
            "WITH gone AS (DELETE FROM atlas_changes \
               WHERE changed_at < now() - make_interval(secs => $1) RETURNING change_id) \
             SELECT count(*), max(change_id) FROM gone",
            &[&seconds],
        )
        .await
        .map_err(reading("pruning the change log"))?;
    let count: i64 = row.get(0);
    if let Some(newest_pruned) = row.get::<_, Option<i64>>(1) {
        transaction
            .execute(
                "UPDATE atlas_change_log_state SET pruned_through_change = \
                 greatest(pruned_through_change, $1)",
                &[&newest_pruned],
            )
            .await
            .map_err(reading("pruning the change log"))?;
    }
    transaction
        .commit()
        .await
        .map_err(reading("pruning the change log"))?;
    Ok(count.max(0) as u64)
}

/// Keep one connection that `LISTEN`s, connecting again after a loss, and
/// move `signal` on each notification and each reconnection. Ends when no
/// one holds a receiver any more.
pub(super) fn spawn_listener(target: Target, signal: watch::Sender<u64>) {
    tokio::spawn(async move {
        let mut connected_before = false;
        while !signal.is_closed() {
            match listen_once(&target, &signal, connected_before).await {
                Ok(()) => {}
                Err(message) => tracing::warn!(
                    "change feed: listening on {} failed: {message}",
                    target.description
                ),
            }
            connected_before = true;
            tokio::time::sleep(RECONNECT_AFTER).await;
        }
    });
}

/// One connection's life: `LISTEN`, then pass on notifications until it ends.
async fn listen_once(
    target: &Target,
    signal: &watch::Sender<u64>,
    reconnected: bool,
) -> Result<(), String> {
    let (client, mut connection) = target
        .config
        .connect(NoTls)
        .await
        .map_err(|error| postgres_message(&error))?;
    let (messages_sender, mut messages) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut stream =
            futures_util::stream::poll_fn(move |context| connection.poll_message(context));
        while let Some(message) = futures_util::StreamExt::next(&mut stream).await {
            match message {
                Ok(AsyncMessage::Notification(_)) => {
                    if messages_sender.send(()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(error) => return Err(postgres_message(&error)),
            }
        }
        Ok(())
    });
    client
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .await
        .map_err(|error| postgres_message(&error))?;
    if reconnected {
        tracing::info!("change feed: listening on {} again", target.description);
    }
    // whatever was committed before the LISTEN took effect, or while the
    // connection was down
    signal.send_modify(|count| *count += 1);
    while messages.recv().await.is_some() {
        signal.send_modify(|count| *count += 1);
        if signal.is_closed() {
            break;
        }
    }
    drop(client);
    match driver.await {
        Ok(result) => result,
        Err(error) => Err(error.to_string()),
    }
}
