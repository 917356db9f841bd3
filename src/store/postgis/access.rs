//! Accounts, API tokens, login sessions, failed logins, the audit trail,
//! saved site searches and edit version checks in PostGIS (tables of
//! `migrations/0004_accounts_audit.sql`, `0005_saved_searches.sql` and
//! `0007_sessions_logins.sql`).

use chrono::{DateTime, Utc};
use tokio_postgres::{GenericClient, Row};

use crate::model::access::{
    Account, AuditEntry, FailedLogins, FoundSession, LockoutPolicy, LoginAttempt, Role,
    StoredSession, StoredToken,
};
use crate::model::saved_search::{SavedSearch, SavedSearchChange};
use crate::store::{AuditQuery, StoreError};

fn postgres_error(context: &str) -> impl FnOnce(tokio_postgres::Error) -> StoreError + '_ {
    move |source| StoreError::Postgres {
        context: context.to_string(),
        source,
    }
}

/// Fail with [`StoreError::Conflict`] unless each unit has exactly the
/// expected number of events. The unit's row is locked first, so two
/// concurrent edits of one unit are checked one after the other.
pub async fn check_versions(
    client: &impl GenericClient,
    expect_versions: &[(String, u64)],
) -> Result<(), StoreError> {
    let checking = "checking the version of a shop unit";
    for (unit_id, expected) in expect_versions {
        client
            .query_opt(
                "SELECT 1 FROM shop_units WHERE id = $1 FOR UPDATE",
                &[unit_id],
            )
            .await
            .map_err(postgres_error(checking))?;
        let current: i64 = client
            .query_one(
                "SELECT count(*) FROM shop_unit_events WHERE unit_id = $1",
                &[unit_id],
            )
            .await
            .and_then(|row| row.try_get(0))
            .map_err(postgres_error(checking))?;
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

pub async fn insert_audit(
    client: &impl GenericClient,
    entries: &[AuditEntry],
) -> Result<(), StoreError> {
    for entry in entries {
        let before = entry.before.as_ref().map(|json| json.to_string());
        let after = entry.after.as_ref().map(|json| json.to_string());
        client
            .execute(
                "INSERT INTO audit_log (at, actor, action, target, target_id, before, after)
                 VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, $7::text::jsonb)",
                &[
                    &entry.at,
                    &entry.actor,
                    &entry.action,
                    &entry.target,
                    &entry.target_id,
                    &before,
                    &after,
                ],
            )
            .await
            .map_err(postgres_error("writing the audit trail"))?;
    }
    Ok(())
}

pub async fn put_account(client: &impl GenericClient, account: &Account) -> Result<(), StoreError> {
    client
        .execute(
            "INSERT INTO accounts (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE
             SET role = excluded.role, password_hash = excluded.password_hash",
            &[
                &account.name,
                &account.role.as_str(),
                &account.password_hash,
                &account.created_at,
            ],
        )
        .await
        .map_err(postgres_error("writing an account"))?;
    Ok(())
}

pub async fn account(
    client: &impl GenericClient,
    name: &str,
) -> Result<Option<Account>, StoreError> {
    let reading = "reading an account";
    let row = client
        .query_opt(
            "SELECT name, role, password_hash, created_at FROM accounts WHERE name = $1",
            &[&name],
        )
        .await
        .map_err(postgres_error(reading))?;
    row.map(|row| {
        let role: String = row.try_get(1).map_err(postgres_error(reading))?;
        Ok(Account {
            name: row.try_get(0).map_err(postgres_error(reading))?,
            role: role.parse::<Role>().map_err(|reason| StoreError::Corrupt {
                context: format!("reading account '{name}'"),
                reason,
            })?,
            password_hash: row.try_get(2).map_err(postgres_error(reading))?,
            created_at: row.try_get(3).map_err(postgres_error(reading))?,
        })
    })
    .transpose()
}

pub async fn put_token(client: &impl GenericClient, token: &StoredToken) -> Result<(), StoreError> {
    client
        .execute(
            "INSERT INTO api_tokens (token_hash, account, created_at, expires_at)
             VALUES ($1, $2, $3, $4)",
            &[
                &token.token_hash,
                &token.account,
                &token.created_at,
                &token.expires_at,
            ],
        )
        .await
        .map_err(postgres_error("writing an API token"))?;
    Ok(())
}

pub async fn token(
    client: &impl GenericClient,
    token_hash: &str,
) -> Result<Option<StoredToken>, StoreError> {
    let reading = "reading an API token";
    let row = client
        .query_opt(
            "SELECT token_hash, account, created_at, expires_at FROM api_tokens
             WHERE token_hash = $1",
            &[&token_hash],
        )
        .await
        .map_err(postgres_error(reading))?;
    row.map(|row| {
        Ok(StoredToken {
            token_hash: row.try_get(0).map_err(postgres_error(reading))?,
            account: row.try_get(1).map_err(postgres_error(reading))?,
            created_at: row.try_get(2).map_err(postgres_error(reading))?,
            expires_at: row.try_get(3).map_err(postgres_error(reading))?,
        })
    })
    .transpose()
}

fn audit_entry(row: &Row) -> Result<AuditEntry, StoreError> {
    let reading = "reading the audit trail";
    let audit_id: i64 = row.try_get(0).map_err(postgres_error(reading))?;
    let json = |index: usize| -> Result<Option<serde_json::Value>, StoreError> {
        let text: Option<String> = row.try_get(index).map_err(postgres_error(reading))?;
        text.map(|text| {
            serde_json::from_str(&text).map_err(|error| StoreError::Corrupt {
                context: format!("reading audit entry {audit_id}"),
                reason: error.to_string(),
            })
        })
        .transpose()
    };
    Ok(AuditEntry {
        audit_id,
        at: row
            .try_get::<_, DateTime<Utc>>(1)
            .map_err(postgres_error(reading))?,
        actor: row.try_get(2).map_err(postgres_error(reading))?,
        action: row.try_get(3).map_err(postgres_error(reading))?,
        target: row.try_get(4).map_err(postgres_error(reading))?,
        target_id: row.try_get(5).map_err(postgres_error(reading))?,
        before: json(6)?,
        after: json(7)?,
    })
}

pub async fn read_audit(
    client: &impl GenericClient,
    query: &AuditQuery,
) -> Result<Vec<AuditEntry>, StoreError> {
    let limit = query.limit as i64;
    let offset = query.offset as i64;
    let rows = client
        .query(
            "SELECT audit_id, at, actor, action, target, target_id, before::text, after::text
             FROM audit_log
             WHERE ($1::text IS NULL OR target = $1) AND ($2::text IS NULL OR target_id = $2)
               AND ($3::text IS NULL OR actor = $3)
             ORDER BY audit_id DESC LIMIT $4 OFFSET $5",
            &[
                &query.target,
                &query.target_id,
                &query.actor,
                &limit,
                &offset,
            ],
        )
        .await
        .map_err(postgres_error("reading the audit trail"))?;
    rows.iter().map(audit_entry).collect()
}

pub async fn put_saved_search(
    client: &impl GenericClient,
    search: &SavedSearch,
) -> Result<i64, StoreError> {
    let request = search.request.to_string();
    client
        .query_one(
            "INSERT INTO saved_searches (company_id, name, request, saved_by, saved_at)
             VALUES ($1, $2, $3::text::jsonb, $4, $5) RETURNING search_id",
            &[
                &search.company_id,
                &search.name,
                &request,
                &search.saved_by,
                &search.saved_at,
            ],
        )
        .await
        .and_then(|row| row.try_get(0))
        .map_err(postgres_error("writing a saved search"))
}

pub async fn saved_searches(
    client: &impl GenericClient,
    company_id: Option<&str>,
) -> Result<Vec<SavedSearch>, StoreError> {
    read_saved_searches(
        client,
        "($1::text IS NULL OR company_id = $1)",
        "",
        &[&company_id],
    )
    .await
}

/// The kept searches that meet `condition` (with `params`), oldest first;
/// `lock` is `FOR UPDATE` to hold them to the end of the transaction.
async fn read_saved_searches(
    client: &impl GenericClient,
    condition: &str,
    lock: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Vec<SavedSearch>, StoreError> {
    let reading = "reading saved searches";
    let rows = client
        .query(
            &format!(
                "SELECT search_id, company_id, name, request::text, saved_by, saved_at
                 FROM saved_searches WHERE {condition} ORDER BY search_id {lock}"
            ),
            params,
        )
        .await
        .map_err(postgres_error(reading))?;
    rows.iter()
        .map(|row| {
            let search_id: i64 = row.try_get(0).map_err(postgres_error(reading))?;
            let request: String = row.try_get(3).map_err(postgres_error(reading))?;
            Ok(SavedSearch {
                search_id,
                company_id: row.try_get(1).map_err(postgres_error(reading))?,
                name: row.try_get(2).map_err(postgres_error(reading))?,
                request: serde_json::from_str(&request).map_err(|error| StoreError::Corrupt {
                    context: format!("reading saved search {search_id}"),
                    reason: error.to_string(),
                })?,
                saved_by: row.try_get(4).map_err(postgres_error(reading))?,
                saved_at: row.try_get(5).map_err(postgres_error(reading))?,
            })
        })
        .collect()
}

/// Rename or delete a kept search (inside the caller's transaction); the
/// search as it was, `None` when there is none. The row is locked first.
pub async fn change_saved_search(
    client: &impl GenericClient,
    search_id: i64,
    change: &SavedSearchChange,
) -> Result<Option<SavedSearch>, StoreError> {
    let Some(before) = read_saved_searches(client, "search_id = $1", "FOR UPDATE", &[&search_id])
        .await?
        .pop()
    else {
        return Ok(None);
    };
    match change {
        SavedSearchChange::Rename(name) => {
            client
                .execute(
                    "UPDATE saved_searches SET name = $2 WHERE search_id = $1",
                    &[&search_id, name],
                )
                .await
        }
        SavedSearchChange::Delete => {
            client
                .execute(
                    "DELETE FROM saved_searches WHERE search_id = $1",
                    &[&search_id],
                )
                .await
        }
    }
    .map_err(postgres_error("changing a saved search"))?;
    Ok(Some(before))
}

// ---------------------------------------------------------------------------
// login sessions and failed logins

pub async fn open_session(
    client: &impl GenericClient,
    session: &StoredSession,
) -> Result<(), StoreError> {
    client
        .execute(
            "INSERT INTO login_sessions (session_hash, account, created_at, last_used_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &session.session_hash,
                &session.account,
                &session.created_at,
                &session.last_used_at,
                &session.expires_at,
            ],
        )
        .await
        .map_err(postgres_error("opening a login session"))?;
    Ok(())
}

pub async fn session(
    client: &impl GenericClient,
    session_hash: &str,
) -> Result<Option<FoundSession>, StoreError> {
    let reading = "reading a login session";
    let row = client
        .query_opt(
            "SELECT s.session_hash, s.account, a.role, s.created_at, s.last_used_at, s.expires_at
             FROM login_sessions s JOIN accounts a ON a.name = s.account
             WHERE s.session_hash = $1",
            &[&session_hash],
        )
        .await
        .map_err(postgres_error(reading))?;
    row.map(|row| {
        let account: String = row.try_get(1).map_err(postgres_error(reading))?;
        let role: String = row.try_get(2).map_err(postgres_error(reading))?;
        Ok(FoundSession {
            role: role.parse::<Role>().map_err(|reason| StoreError::Corrupt {
                context: format!("reading a login session of '{account}'"),
                reason,
            })?,
            session: StoredSession {
                session_hash: row.try_get(0).map_err(postgres_error(reading))?,
                account,
                created_at: row.try_get(3).map_err(postgres_error(reading))?,
                last_used_at: row.try_get(4).map_err(postgres_error(reading))?,
                expires_at: row.try_get(5).map_err(postgres_error(reading))?,
            },
        })
    })
    .transpose()
}

pub async fn touch_session(
    client: &impl GenericClient,
    session_hash: &str,
    last_used_at: &DateTime<Utc>,
    expires_at: &DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = client
        .execute(
            "UPDATE login_sessions SET last_used_at = $2, expires_at = $3 WHERE session_hash = $1",
            &[&session_hash, last_used_at, expires_at],
        )
        .await
        .map_err(postgres_error("renewing a login session"))?;
    Ok(changed > 0)
}

pub async fn close_session(
    client: &impl GenericClient,
    session_hash: &str,
) -> Result<(), StoreError> {
    client
        .execute(
            "DELETE FROM login_sessions WHERE session_hash = $1",
            &[&session_hash],
        )
        .await
        .map_err(postgres_error("closing a login session"))?;
    Ok(())
}

pub async fn close_sessions_of(
    client: &impl GenericClient,
    account: &str,
) -> Result<u64, StoreError> {
    client
        .execute("DELETE FROM login_sessions WHERE account = $1", &[&account])
        .await
        .map_err(postgres_error("closing the login sessions of an account"))
}

pub async fn prune_sessions(
    client: &impl GenericClient,
    now: &DateTime<Utc>,
) -> Result<u64, StoreError> {
    client
        .execute("DELETE FROM login_sessions WHERE expires_at <= $1", &[now])
        .await
        .map_err(postgres_error("pruning expired login sessions"))
}

/// Delete the account's sessions, tokens, failed logins and the account
/// itself (inside the caller's transaction); false when there was none.
pub async fn remove_account(client: &impl GenericClient, name: &str) -> Result<bool, StoreError> {
    let removing = "removing an account";
    for sql in [
        "DELETE FROM login_sessions WHERE account = $1",
        "DELETE FROM api_tokens WHERE account = $1",
        "DELETE FROM failed_logins WHERE name = $1",
    ] {
        client
            .execute(sql, &[&name])
            .await
            .map_err(postgres_error(removing))?;
    }
    let removed = client
        .execute("DELETE FROM accounts WHERE name = $1", &[&name])
        .await
        .map_err(postgres_error(removing))?;
    Ok(removed > 0)
}

fn failed_logins_row(row: &Row) -> Result<FailedLogins, StoreError> {
    let reading = "reading failed logins";
    let failures: i32 = row.try_get(1).map_err(postgres_error(reading))?;
    let lockouts: i32 = row.try_get(5).map_err(postgres_error(reading))?;
    Ok(FailedLogins {
        name: row.try_get(0).map_err(postgres_error(reading))?,
        failures: failures.max(0) as u32,
        window_started_at: row.try_get(2).map_err(postgres_error(reading))?,
        last_failure_at: row.try_get(3).map_err(postgres_error(reading))?,
        locked_until: row.try_get(4).map_err(postgres_error(reading))?,
        lockouts: lockouts.max(0) as u32,
    })
}

const FAILED_LOGINS_COLUMNS: &str =
    "name, failures, window_started_at, last_failure_at, locked_until, lockouts";

pub async fn failed_logins(
    client: &impl GenericClient,
    name: &str,
) -> Result<Option<FailedLogins>, StoreError> {
    let sql = format!("SELECT {FAILED_LOGINS_COLUMNS} FROM failed_logins WHERE name = $1");
    client
        .query_opt(&sql, &[&name])
        .await
        .map_err(postgres_error("reading failed logins"))?
        .as_ref()
        .map(failed_logins_row)
        .transpose()
}

/// Inside the caller's transaction: prune forgotten records, lock the name's
/// row (made first if missing, so two servers count one after the other),
/// apply the rule, write it back and audit the attempt.
pub async fn record_failed_login(
    client: &impl GenericClient,
    attempt: &LoginAttempt,
    policy: &LockoutPolicy,
) -> Result<FailedLogins, StoreError> {
    let recording = "recording a failed login";
    let forgotten_before = attempt.at - policy.forget_after;
    client
        .execute(
            "DELETE FROM failed_logins
             WHERE last_failure_at <= $1 AND (locked_until IS NULL OR locked_until <= $2)
               AND name <> $3",
            &[&forgotten_before, &attempt.at, &attempt.name],
        )
        .await
        .map_err(postgres_error("pruning forgotten failed logins"))?;
    // a row with no failures stands for "none yet" until the rule fills it in
    client
        .execute(
            "INSERT INTO failed_logins (name, failures, window_started_at, last_failure_at, lockouts)
             VALUES ($1, 0, $2, $2, 0) ON CONFLICT (name) DO NOTHING",
            &[&attempt.name, &attempt.at],
        )
        .await
        .map_err(postgres_error(recording))?;
    let sql =
        format!("SELECT {FAILED_LOGINS_COLUMNS} FROM failed_logins WHERE name = $1 FOR UPDATE");
    let row = client
        .query_one(&sql, &[&attempt.name])
        .await
        .map_err(postgres_error(recording))?;
    let previous = failed_logins_row(&row)?;
    let after = policy.after_failure(&attempt.name, Some(previous.clone()), attempt.at);
    let failures = after.failures as i32;
    let lockouts = after.lockouts.min(i32::MAX as u32) as i32;
    client
        .execute(
            "UPDATE failed_logins SET failures = $2, window_started_at = $3,
               last_failure_at = $4, locked_until = $5, lockouts = $6
             WHERE name = $1",
            &[
                &after.name,
                &failures,
                &after.window_started_at,
                &after.last_failure_at,
                &after.locked_until,
                &lockouts,
            ],
        )
        .await
        .map_err(postgres_error(recording))?;
    insert_audit(client, &[attempt.audit_entry(Some(&previous), &after)]).await?;
    Ok(after)
}

pub async fn clear_failed_logins(
    client: &impl GenericClient,
    name: &str,
) -> Result<(), StoreError> {
    client
        .execute("DELETE FROM failed_logins WHERE name = $1", &[&name])
        .await
        .map_err(postgres_error("clearing failed logins"))?;
    Ok(())
}
