//! Accounts, API tokens, the audit trail, saved site searches and edit
//! version checks in PostGIS (tables of `migrations/0004_accounts_audit.sql`
//! and `0005_saved_searches.sql`).

use chrono::{DateTime, Utc};
use tokio_postgres::{GenericClient, Row};

use crate::model::access::{Account, AuditEntry, Role, StoredToken};
use crate::model::saved_search::SavedSearch;
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
    let reading = "reading saved searches";
    let rows = client
        .query(
            "SELECT search_id, company_id, name, request::text, saved_by, saved_at
             FROM saved_searches WHERE ($1::text IS NULL OR company_id = $1)
             ORDER BY search_id",
            &[&company_id],
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
