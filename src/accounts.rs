//! Managing accounts: add one with a one-time password, issue an API token,
//! remove one. Used by `atlas user`; every change is written with its audit
//! entry. A server reads accounts, tokens and sessions from the store on
//! every request, so a change here counts on running servers at once.

use chrono::{Duration, Utc};

use crate::auth;
use crate::model::access::{Account, AuditEntry, Role, StoredToken};
use crate::store::{Store, StoreError};

/// How long an API token lasts unless told otherwise.
pub const DEFAULT_TOKEN_DAYS: u32 = 90;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("account name '{0}' must be 1 to 64 letters, digits, '.', '_', '-' or '@'")]
    BadName(String),
    #[error("role '{0}' is not an account role (retail, business, planner or admin)")]
    BadRole(Role),
    #[error("there is no account '{0}'; add it first with atlas user add")]
    NoSuchAccount(String),
    #[error("a token must last 1 to 3650 days, not {0}")]
    BadDays(u32),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn check_name(name: &str) -> Result<(), AccountError> {
    let fine = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if fine {
        Ok(())
    } else {
        Err(AccountError::BadName(name.to_string()))
    }
}

/// Add the account `name` with `role` (or give an existing one a new role and
/// password) and return its new password, which is shown once and stored
/// only as a hash. `actor` is who did it, for the audit trail.
pub async fn add_account(
    store: &dyn Store,
    name: &str,
    role: Role,
    actor: &str,
) -> Result<String, AccountError> {
    check_name(name)?;
    if !Role::ACCOUNT_ROLES.contains(&role) {
        return Err(AccountError::BadRole(role));
    }
    let password = auth::generate_password();
    let password_hash = {
        let password = password.clone();
        tokio::task::spawn_blocking(move || auth::hash_password(&password))
            .await
            .map_err(|error| StoreError::Unavailable(format!("hashing failed: {error}")))?
    };
    let now = Utc::now();
    let existed = store.account(name).await?;
    let account = Account {
        name: name.to_string(),
        role,
        password_hash,
        created_at: existed.as_ref().map_or(now, |account| account.created_at),
    };
    let audit = AuditEntry {
        audit_id: 0,
        at: now,
        actor: actor.to_string(),
        action: if existed.is_some() {
            "account.reset"
        } else {
            "account.add"
        }
        .to_string(),
        target: "accounts".into(),
        target_id: name.to_string(),
        before: existed.map(|account| serde_json::json!({"role": account.role})),
        after: Some(serde_json::json!({"role": role})),
    };
    let reset = audit.action == "account.reset";
    store.put_account(&account, &audit).await?;
    if reset {
        // a new password ends the sessions opened with the old one
        store.close_sessions_of(name).await?;
    }
    Ok(password)
}

/// Remove the account `name` with its API tokens, login sessions and failed
/// logins, in one transaction with its audit entry; its cookies and tokens
/// stop working at once. `actor` is who did it.
pub async fn remove_account(
    store: &dyn Store,
    name: &str,
    actor: &str,
) -> Result<(), AccountError> {
    let Some(existing) = store.account(name).await? else {
        return Err(AccountError::NoSuchAccount(name.to_string()));
    };
    let audit = AuditEntry {
        audit_id: 0,
        at: Utc::now(),
        actor: actor.to_string(),
        action: "account.remove".into(),
        target: "accounts".into(),
        target_id: name.to_string(),
        before: Some(serde_json::json!({"role": existing.role})),
        after: None,
    };
    if store.remove_account(name, &audit).await? {
        Ok(())
    } else {
        Err(AccountError::NoSuchAccount(name.to_string()))
    }
}

/// A new API token for `name`, valid for `days`; returns the token text
/// (shown once; only its SHA-256 is stored).
pub async fn issue_token(
    store: &dyn Store,
    name: &str,
    days: u32,
    actor: &str,
) -> Result<String, AccountError> {
    if !(1..=3650).contains(&days) {
        return Err(AccountError::BadDays(days));
    }
    if store.account(name).await?.is_none() {
        return Err(AccountError::NoSuchAccount(name.to_string()));
    }
    let token = auth::generate_token();
    let now = Utc::now();
    let stored = StoredToken {
        token_hash: auth::secret_hash(&token),
        account: name.to_string(),
        created_at: now,
        expires_at: now + Duration::days(days.into()),
    };
    let audit = AuditEntry {
        audit_id: 0,
        at: now,
        actor: actor.to_string(),
        action: "account.token".into(),
        target: "accounts".into(),
        target_id: name.to_string(),
        before: None,
        after: Some(serde_json::json!({"expires_at": stored.expires_at})),
    };
    store.put_token(&stored, &audit).await?;
    Ok(token)
}
