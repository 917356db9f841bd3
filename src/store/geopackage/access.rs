//! Accounts, API tokens, login sessions, failed logins, the audit trail,
//! saved site searches and edit version checks in the GeoPackage store.
//!
//! `atlas_audit` is a GeoPackage attributes table (QGIS lists it); accounts,
//! tokens, sessions and failed logins are plain tables that no map client
//! needs to see. A file made before these tables existed gets them when it
//! is opened. Times are stored as text in one fixed format, so comparing the
//! text compares the times.
//!
//! One piece: every access table of the GeoPackage with the one audited-write
//! pattern (the row and its audit entry in one transaction) they all share.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction};

use crate::model::access::{
    Account, AuditEntry, FailedLogins, FoundSession, LockoutPolicy, LoginAttempt, Role,
    StoredSession, StoredToken,
};
use crate::model::saved_search::{SavedSearch, SavedSearchChange};
use crate::store::{AuditQuery, StoreError};

const TABLES_SQL: &str = r#"
CREATE TABLE IF NOT EXISTS atlas_accounts (
  name TEXT PRIMARY KEY NOT NULL,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at DATETIME NOT NULL
);
CREATE TABLE IF NOT EXISTS atlas_api_tokens (
  token_hash TEXT PRIMARY KEY NOT NULL,
  account TEXT NOT NULL REFERENCES atlas_accounts(name),
  created_at DATETIME NOT NULL,
  expires_at DATETIME NOT NULL
);
CREATE TABLE IF NOT EXISTS atlas_audit (
  audit_id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  at DATETIME NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  target_id TEXT NOT NULL,
  before TEXT,
  after TEXT
);
CREATE INDEX IF NOT EXISTS atlas_audit_target_idx ON atlas_audit (target, target_id);
CREATE TABLE IF NOT EXISTS atlas_saved_searches (
  search_id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  company_id TEXT NOT NULL,
  name TEXT NOT NULL,
  request TEXT NOT NULL,
  saved_by TEXT NOT NULL,
  saved_at DATETIME NOT NULL
);
CREATE TABLE IF NOT EXISTS atlas_sessions (
  session_hash TEXT PRIMARY KEY NOT NULL,
  account TEXT NOT NULL REFERENCES atlas_accounts(name) ON DELETE CASCADE,
  created_at DATETIME NOT NULL,
  last_used_at DATETIME NOT NULL,
  expires_at DATETIME NOT NULL
);
CREATE INDEX IF NOT EXISTS atlas_sessions_account_idx ON atlas_sessions (account);
CREATE INDEX IF NOT EXISTS atlas_sessions_expires_idx ON atlas_sessions (expires_at);
CREATE TABLE IF NOT EXISTS atlas_failed_logins (
  name TEXT PRIMARY KEY NOT NULL,
  failures INTEGER NOT NULL,
  window_started_at DATETIME NOT NULL,
  last_failure_at DATETIME NOT NULL,
  locked_until DATETIME,
  lockouts INTEGER NOT NULL
);
INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, last_change)
VALUES ('atlas_audit', 'attributes', 'Audit', 'Who changed what, when', '2000-01-01T00:00:00.000Z');
"#;

/// The format of stored times: UTC, milliseconds, `Z`.
const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

fn sqlite_error(context: &str) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite {
        context: context.to_string(),
        source,
    }
}

fn time_text(time: &DateTime<Utc>) -> String {
    time.format(TIME_FORMAT).to_string()
}

fn parse_time(text: &str, context: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|error| StoreError::Corrupt {
            context: context.to_string(),
            reason: format!("'{text}' is not a time ({error})"),
        })
}

/// Create the tables when they are missing (idempotent).
pub fn ensure_tables(connection: &Connection) -> rusqlite::Result<()> {
    connection.execute_batch(TABLES_SQL)
}

/// Fail with [`StoreError::Conflict`] unless each unit has exactly the
/// expected number of events.
pub fn check_versions(
    transaction: &Transaction<'_>,
    expect_versions: &[(String, u64)],
) -> Result<(), StoreError> {
    for (unit_id, expected) in expect_versions {
        let current: i64 = transaction
            .query_row(
                "SELECT count(*) FROM shop_unit_events WHERE unit_id = ?1",
                [unit_id],
                |row| row.get(0),
            )
            .map_err(sqlite_error("checking the version of a shop unit"))?;
        let current = current.max(0) as u64;
        if current != *expected {
            return Err(StoreError::Conflict {
                unit_id: unit_id.clone(),
                expected: *expected,
                current,
            });
        }
    }
    Ok(())
}

pub fn insert_audit(
    transaction: &Transaction<'_>,
    entries: &[AuditEntry],
) -> Result<(), StoreError> {
    let mut statement = transaction
        .prepare_cached(
            "INSERT INTO atlas_audit (at, actor, action, target, target_id, before, after)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(sqlite_error("preparing the audit trail"))?;
    for entry in entries {
        statement
            .execute(rusqlite::params![
                time_text(&entry.at),
                entry.actor,
                entry.action,
                entry.target,
                entry.target_id,
                entry.before.as_ref().map(|json| json.to_string()),
                entry.after.as_ref().map(|json| json.to_string()),
            ])
            .map_err(sqlite_error("writing the audit trail"))?;
    }
    Ok(())
}

/// One row written by `sql` with `params`, and its audit entry, in one
/// transaction; `audit` gets the new row's id. `what` names the write in errors.
fn write_audited(
    connection: &mut Connection,
    what: &str,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
    audit: impl FnOnce(i64) -> AuditEntry,
) -> Result<i64, StoreError> {
    let transaction = connection
        .transaction()
        .map_err(sqlite_error(&format!("starting {what}")))?;
    transaction
        .execute(sql, params)
        .map_err(sqlite_error(&format!("writing {what}")))?;
    let row_id = transaction.last_insert_rowid();
    insert_audit(&transaction, &[audit(row_id)])?;
    transaction
        .commit()
        .map_err(sqlite_error(&format!("committing {what}")))?;
    Ok(row_id)
}

pub fn put_account(
    connection: &mut Connection,
    account: &Account,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    write_audited(
        connection,
        "an account",
        "INSERT INTO atlas_accounts (name, role, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(name) DO UPDATE SET role = excluded.role,
           password_hash = excluded.password_hash",
        rusqlite::params![
            account.name,
            account.role.as_str(),
            account.password_hash,
            time_text(&account.created_at)
        ],
        |_| audit.clone(),
    )
    .map(|_| ())
}

/// The text columns of the one row that `sql` finds for `key`, if any.
fn text_row<const N: usize>(
    connection: &Connection,
    sql: &str,
    key: &str,
    context: &str,
) -> Result<Option<[String; N]>, StoreError> {
    connection
        .query_row(sql, [key], |row| {
            let mut texts: [String; N] = std::array::from_fn(|_| String::new());
            for (index, text) in texts.iter_mut().enumerate() {
                *text = row.get(index)?;
            }
            Ok(texts)
        })
        .optional()
        .map_err(sqlite_error(context))
}

pub fn account(connection: &Connection, name: &str) -> Result<Option<Account>, StoreError> {
    let row = text_row(
        connection,
        "SELECT name, role, password_hash, created_at FROM atlas_accounts WHERE name = ?1",
        name,
        "reading an account",
    )?;
    row.map(|[name, role, password_hash, created_at]| {
        let context = format!("reading account '{name}'");
        Ok(Account {
            role: role.parse::<Role>().map_err(|reason| StoreError::Corrupt {
                context: context.clone(),
                reason,
            })?,
            created_at: parse_time(&created_at, &context)?,
            name,
            password_hash,
        })
    })
    .transpose()
}

pub fn put_token(
    connection: &mut Connection,
    token: &StoredToken,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    write_audited(
        connection,
        "an API token",
        "INSERT INTO atlas_api_tokens (token_hash, account, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![
            token.token_hash,
            token.account,
            time_text(&token.created_at),
            time_text(&token.expires_at)
        ],
        |_| audit.clone(),
    )
    .map(|_| ())
}

pub fn token(connection: &Connection, token_hash: &str) -> Result<Option<StoredToken>, StoreError> {
    let row = text_row(
        connection,
        "SELECT token_hash, account, created_at, expires_at FROM atlas_api_tokens
         WHERE token_hash = ?1",
        token_hash,
        "reading an API token",
    )?;
    row.map(|[token_hash, account, created_at, expires_at]| {
        let context = format!("reading an API token of '{account}'");
        Ok(StoredToken {
            created_at: parse_time(&created_at, &context)?,
            expires_at: parse_time(&expires_at, &context)?,
            token_hash,
            account,
        })
    })
    .transpose()
}

pub fn read_audit(
    connection: &Connection,
    query: &AuditQuery,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut statement = connection
        .prepare_cached(
            "SELECT audit_id, at, actor, action, target, target_id, before, after
             FROM atlas_audit
             WHERE (?1 IS NULL OR target = ?1) AND (?2 IS NULL OR target_id = ?2)
               AND (?3 IS NULL OR actor = ?3)
             ORDER BY audit_id DESC LIMIT ?4 OFFSET ?5",
        )
        .map_err(sqlite_error("reading the audit trail"))?;
    let rows = statement
        .query_map(
            rusqlite::params![
                query.target,
                query.target_id,
                query.actor,
                query.limit as i64,
                query.offset as i64
            ],
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, Option<String>>(6)?,
                    row.get::<_, Option<String>>(7)?,
                ))
            },
        )
        .map_err(sqlite_error("reading the audit trail"))?;
    let mut entries = Vec::new();
    for row in rows {
        let (audit_id, at, actor, action, target, target_id, before, after) =
            row.map_err(sqlite_error("reading the audit trail"))?;
        let context = format!("reading audit entry {audit_id}");
        let json = |text: Option<String>| -> Result<Option<serde_json::Value>, StoreError> {
            text.map(|text| {
                serde_json::from_str(&text).map_err(|error| StoreError::Corrupt {
                    context: context.clone(),
                    reason: error.to_string(),
                })
            })
            .transpose()
        };
        entries.push(AuditEntry {
            audit_id,
            at: parse_time(&at, &context)?,
            actor,
            action,
            target,
            target_id,
            before: json(before)?,
            after: json(after)?,
        });
    }
    Ok(entries)
}

pub fn put_saved_search(
    connection: &mut Connection,
    search: &SavedSearch,
    audit: &AuditEntry,
) -> Result<i64, StoreError> {
    write_audited(
        connection,
        "a saved search",
        "INSERT INTO atlas_saved_searches (company_id, name, request, saved_by, saved_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![
            search.company_id,
            search.name,
            search.request.to_string(),
            search.saved_by,
            time_text(&search.saved_at)
        ],
        |search_id| AuditEntry {
            target_id: search_id.to_string(),
            ..audit.clone()
        },
    )
}

pub fn saved_searches(
    connection: &Connection,
    company_id: Option<&str>,
) -> Result<Vec<SavedSearch>, StoreError> {
    read_saved_searches(connection, "(?1 IS NULL OR company_id = ?1)", [company_id])
}

/// The kept searches that meet `condition` (with `params`), oldest first.
fn read_saved_searches(
    connection: &Connection,
    condition: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<SavedSearch>, StoreError> {
    let reading = "reading saved searches";
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT search_id, company_id, name, request, saved_by, saved_at
             FROM atlas_saved_searches WHERE {condition} ORDER BY search_id"
        ))
        .map_err(sqlite_error(reading))?;
    let rows = statement
        .query_map(params, |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
            ))
        })
        .map_err(sqlite_error(reading))?;
    let mut searches = Vec::new();
    for row in rows {
        let (search_id, company_id, name, request, saved_by, saved_at) =
            row.map_err(sqlite_error(reading))?;
        let context = format!("reading saved search {search_id}");
        searches.push(SavedSearch {
            search_id,
            company_id,
            name,
            request: serde_json::from_str(&request).map_err(|error| StoreError::Corrupt {
                context: context.clone(),
                reason: error.to_string(),
            })?,
            saved_by,
            saved_at: parse_time(&saved_at, &context)?,
        });
    }
    Ok(searches)
}

/// Rename or delete a kept search and audit it, in one transaction.
pub fn change_saved_search(
    connection: &mut Connection,
    search_id: i64,
    change: &SavedSearchChange,
    audit: &AuditEntry,
) -> Result<Option<SavedSearch>, StoreError> {
    let what = "changing a saved search";
    let transaction = connection.transaction().map_err(sqlite_error(what))?;
    let Some(before) = read_saved_searches(&transaction, "search_id = ?1", [search_id])?.pop()
    else {
        return Ok(None);
    };
    match change {
        SavedSearchChange::Rename(name) => transaction.execute(
            "UPDATE atlas_saved_searches SET name = ?2 WHERE search_id = ?1",
            rusqlite::params![search_id, name],
        ),
        SavedSearchChange::Delete => transaction.execute(
            "DELETE FROM atlas_saved_searches WHERE search_id = ?1",
            [search_id],
        ),
    }
    .map_err(sqlite_error(what))?;
    let entry = change.audit_entry(&before, audit);
    insert_audit(&transaction, &[entry])?;
    transaction.commit().map_err(sqlite_error(what))?;
    Ok(Some(before))
}

// ---------------------------------------------------------------------------
// login sessions and failed logins

pub fn open_session(connection: &Connection, session: &StoredSession) -> Result<(), StoreError> {
    connection
        .execute(
            "INSERT INTO atlas_sessions (session_hash, account, created_at, last_used_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![
                session.session_hash,
                session.account,
                time_text(&session.created_at),
                time_text(&session.last_used_at),
                time_text(&session.expires_at)
            ],
        )
        .map_err(sqlite_error("opening a login session"))?;
    Ok(())
}

pub fn session(
    connection: &Connection,
    session_hash: &str,
) -> Result<Option<FoundSession>, StoreError> {
    let row = text_row(
        connection,
        "SELECT s.session_hash, s.account, a.role, s.created_at, s.last_used_at, s.expires_at
         FROM atlas_sessions s JOIN atlas_accounts a ON a.name = s.account
         WHERE s.session_hash = ?1",
        session_hash,
        "reading a login session",
    )?;
    row.map(
        |[session_hash, account, role, created_at, last_used_at, expires_at]| {
            let context = format!("reading a login session of '{account}'");
            Ok(FoundSession {
                role: role.parse::<Role>().map_err(|reason| StoreError::Corrupt {
                    context: context.clone(),
                    reason,
                })?,
                session: StoredSession {
                    created_at: parse_time(&created_at, &context)?,
                    last_used_at: parse_time(&last_used_at, &context)?,
                    expires_at: parse_time(&expires_at, &context)?,
                    session_hash,
                    account,
                },
            })
        },
    )
    .transpose()
}

pub fn touch_session(
    connection: &Connection,
    session_hash: &str,
    last_used_at: &DateTime<Utc>,
    expires_at: &DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = connection
        .execute(
            "UPDATE atlas_sessions SET last_used_at = ?2, expires_at = ?3 WHERE session_hash = ?1",
            rusqlite::params![session_hash, time_text(last_used_at), time_text(expires_at)],
        )
        .map_err(sqlite_error("renewing a login session"))?;
    Ok(changed > 0)
}

pub fn close_session(connection: &Connection, session_hash: &str) -> Result<(), StoreError> {
    connection
        .execute(
            "DELETE FROM atlas_sessions WHERE session_hash = ?1",
            [session_hash],
        )
        .map_err(sqlite_error("closing a login session"))?;
    Ok(())
}

pub fn close_sessions_of(connection: &Connection, account: &str) -> Result<u64, StoreError> {
    connection
        .execute("DELETE FROM atlas_sessions WHERE account = ?1", [account])
        .map(|closed| closed as u64)
        .map_err(sqlite_error("closing the login sessions of an account"))
}

pub fn prune_sessions(connection: &Connection, now: &DateTime<Utc>) -> Result<u64, StoreError> {
    connection
        .execute(
            "DELETE FROM atlas_sessions WHERE expires_at <= ?1",
            [time_text(now)],
        )
        .map(|pruned| pruned as u64)
        .map_err(sqlite_error("pruning expired login sessions"))
}

/// The account, its tokens, sessions and failed logins, and the audit entry,
/// in one transaction; false (nothing written) when there is no such account.
pub fn remove_account(
    connection: &mut Connection,
    name: &str,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    let removing = "removing an account";
    let transaction = connection.transaction().map_err(sqlite_error(removing))?;
    for sql in [
        "DELETE FROM atlas_sessions WHERE account = ?1",
        "DELETE FROM atlas_api_tokens WHERE account = ?1",
        "DELETE FROM atlas_failed_logins WHERE name = ?1",
    ] {
        transaction
            .execute(sql, [name])
            .map_err(sqlite_error(removing))?;
    }
    let removed = transaction
        .execute("DELETE FROM atlas_accounts WHERE name = ?1", [name])
        .map_err(sqlite_error(removing))?;
    if removed == 0 {
        return Ok(false); // dropping the transaction rolls it back
    }
    insert_audit(&transaction, std::slice::from_ref(audit))?;
    transaction.commit().map_err(sqlite_error(removing))?;
    Ok(true)
}

fn read_failed_logins(
    connection: &Connection,
    name: &str,
) -> Result<Option<FailedLogins>, StoreError> {
    let reading = "reading failed logins";
    let row = connection
        .query_row(
            "SELECT name, failures, window_started_at, last_failure_at, locked_until, lockouts
             FROM atlas_failed_logins WHERE name = ?1",
            [name],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, i64>(5)?,
                ))
            },
        )
        .optional()
        .map_err(sqlite_error(reading))?;
    row.map(
        |(name, failures, window_started_at, last_failure_at, locked_until, lockouts)| {
            let context = format!("reading the failed logins of '{name}'");
            Ok(FailedLogins {
                failures: failures.clamp(0, u32::MAX as i64) as u32,
                window_started_at: parse_time(&window_started_at, &context)?,
                last_failure_at: parse_time(&last_failure_at, &context)?,
                locked_until: locked_until
                    .map(|text| parse_time(&text, &context))
                    .transpose()?,
                lockouts: lockouts.clamp(0, u32::MAX as i64) as u32,
                name,
            })
        },
    )
    .transpose()
}

pub fn failed_logins(
    connection: &Connection,
    name: &str,
) -> Result<Option<FailedLogins>, StoreError> {
    read_failed_logins(connection, name)
}

/// Read, apply the rule, write back and audit in one immediate transaction,
/// so two servers on one file count every failure.
pub fn record_failed_login(
    connection: &mut Connection,
    attempt: &LoginAttempt,
    policy: &LockoutPolicy,
) -> Result<FailedLogins, StoreError> {
    let recording = "recording a failed login";
    let transaction = connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sqlite_error(recording))?;
    transaction
        .execute(
            "DELETE FROM atlas_failed_logins
             WHERE last_failure_at <= ?1 AND (locked_until IS NULL OR locked_until <= ?2)",
            [
                time_text(&(attempt.at - policy.forget_after)),
                time_text(&attempt.at),
            ],
        )
        .map_err(sqlite_error("pruning forgotten failed logins"))?;
    let previous = read_failed_logins(&transaction, &attempt.name)?;
    let after = policy.after_failure(&attempt.name, previous.clone(), attempt.at);
    transaction
        .execute(
            "INSERT INTO atlas_failed_logins
               (name, failures, window_started_at, last_failure_at, locked_until, lockouts)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(name) DO UPDATE SET failures = excluded.failures,
               window_started_at = excluded.window_started_at,
               last_failure_at = excluded.last_failure_at,
               locked_until = excluded.locked_until, lockouts = excluded.lockouts",
            rusqlite::params![
                after.name,
                after.failures as i64,
                time_text(&after.window_started_at),
                time_text(&after.last_failure_at),
                after.locked_until.as_ref().map(time_text),
                after.lockouts as i64
            ],
        )
        .map_err(sqlite_error(recording))?;
    insert_audit(
        &transaction,
        &[attempt.audit_entry(previous.as_ref(), &after)],
    )?;
    transaction.commit().map_err(sqlite_error(recording))?;
    Ok(after)
}

pub fn clear_failed_logins(connection: &Connection, name: &str) -> Result<(), StoreError> {
    connection
        .execute("DELETE FROM atlas_failed_logins WHERE name = ?1", [name])
        .map_err(sqlite_error("clearing failed logins"))?;
    Ok(())
}
