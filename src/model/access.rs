//! Who may do what: roles, accounts and the audit trail of edits.
//!
//! The rules are one table ([`Role::may_see_confidential`], [`Role::may_edit`]):
//! the retail team keeps shop units, the business team parcels, parks and
//! companies; planners read everything and edit nothing; admins do it all and
//! manage accounts. Anyone without an account is [`Role::Public`].
//!
//! Also here, as data and pure rules: login sessions as stored, and the
//! lockout rule of failed logins ([`LockoutPolicy::after_failure`]), which
//! both stores apply inside their transaction.

use chrono::{DateTime, Duration, Utc};

use super::value::string_enum;
use super::LayerId;

string_enum! {
    /// What an account (or an anonymous visitor) may do.
    Role {
        Public => "public",
        Retail => "retail",
        Business => "business",
        Planner => "planner",
        Admin => "admin",
    }
}

impl Role {
    /// The roles an account can have (public is the absence of one).
    pub const ACCOUNT_ROLES: [Role; 4] = [Role::Retail, Role::Business, Role::Planner, Role::Admin];

    /// Whether this role sees the confidential fields of `layer` (occupants,
    /// contacts, notes): the team that keeps the layer, planners and admins.
    pub fn may_see_confidential(self, layer: LayerId) -> bool {
        match self {
            Role::Public => false,
            Role::Planner | Role::Admin => true,
            Role::Retail | Role::Business => self.may_edit(layer),
        }
    }

    /// Whether this role may write features of `layer`.
    pub fn may_edit(self, layer: LayerId) -> bool {
        match self {
            Role::Admin => true,
            Role::Retail => matches!(layer, LayerId::ShopUnits | LayerId::ShoppingAreas),
            Role::Business => matches!(
                layer,
                LayerId::Parcels | LayerId::BusinessParks | LayerId::Companies
            ),
            Role::Public | Role::Planner => false,
        }
    }

    /// Whether this role may read the audit trail.
    pub fn may_read_audit(self) -> bool {
        matches!(self, Role::Planner | Role::Admin)
    }

    /// Whether this role may create accounts and tokens.
    pub fn may_manage_accounts(self) -> bool {
        self == Role::Admin
    }
}

/// A person who can log in. The password is kept only as its argon2 hash.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub name: String,
    pub role: Role,
    /// PHC string (`$argon2id$...`).
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

/// An API token as stored: the hash of the secret, never the secret.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredToken {
    /// Hex SHA-256 of the token text.
    pub token_hash: String,
    pub account: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// One line of the audit trail: who did what, when, before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Assigned by the store when it is written (0 before).
    pub audit_id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// What was done, e.g. `shop_unit.create`, `shop_unit.event`, `import`, `account.add`.
    pub action: String,
    /// The layer (or `accounts`) the edit touched.
    pub target: String,
    /// The feature or account id; empty for a whole-layer action.
    pub target_id: String,
    /// JSON of the state before, if there was one.
    pub before: Option<serde_json::Value>,
    /// JSON of the state after, if there is one.
    pub after: Option<serde_json::Value>,
}

/// A login session as stored: the hash of its id, never the id. It lives
/// until `expires_at`, which moves on (`last_used_at` + the idle limit) as it
/// is used.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSession {
    /// Hex SHA-256 of the session id (the cookie value).
    pub session_hash: String,
    pub account: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A session as looked up: with the role its account has now, so that a
/// role change or a removed account takes effect on the next request.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundSession {
    pub session: StoredSession,
    pub role: Role,
}

/// The failed logins of one name (an account or a name nobody has: both are
/// counted alike, so a lockout does not tell which names exist).
#[derive(Debug, Clone, PartialEq)]
pub struct FailedLogins {
    pub name: String,
    /// Wrong passwords since `window_started_at`.
    pub failures: u32,
    pub window_started_at: DateTime<Utc>,
    pub last_failure_at: DateTime<Utc>,
    /// No login for this name is checked before this time.
    pub locked_until: Option<DateTime<Utc>>,
    /// How many times the name was locked; each lock lasts twice the last.
    pub lockouts: u32,
}

impl FailedLogins {
    /// The end of the lock in force at `now`, if one is.
    pub fn locked_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.locked_until.filter(|until| *until > now)
    }
}

/// When a name is locked after wrong passwords, and for how long.
#[derive(Debug, Clone, PartialEq)]
pub struct LockoutPolicy {
    /// This many wrong passwords within `window` lock the name.
    pub max_failures: u32,
    pub window: Duration,
    /// The first lock; each further one doubles, up to `longest_lock`.
    pub first_lock: Duration,
    pub longest_lock: Duration,
    /// A name with no wrong password for this long (and no lock) starts afresh.
    pub forget_after: Duration,
}

impl Default for LockoutPolicy {
    /// 5 wrong passwords in 15 minutes lock a name for 5 minutes, then 10,
    /// 20, 40, 60; a day without failures forgets them.
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 5,
            window: Duration::minutes(15),
            first_lock: Duration::minutes(5),
            longest_lock: Duration::hours(1),
            forget_after: Duration::hours(24),
        }
    }
}

impl LockoutPolicy {
    /// Whether a stored record no longer matters at `now` (and may be pruned).
    pub fn is_forgotten(&self, record: &FailedLogins, now: DateTime<Utc>) -> bool {
        record.locked_at(now).is_none() && record.last_failure_at + self.forget_after <= now
    }

    /// The record after one more wrong password for `name` at `now`.
    pub fn after_failure(
        &self,
        name: &str,
        previous: Option<FailedLogins>,
        now: DateTime<Utc>,
    ) -> FailedLogins {
        let mut record = previous
            .filter(|record| !self.is_forgotten(record, now))
            .unwrap_or_else(|| FailedLogins {
                name: name.to_string(),
                failures: 0,
                window_started_at: now,
                last_failure_at: now,
                locked_until: None,
                lockouts: 0,
            });
        record.last_failure_at = now;
        if record.locked_at(now).is_some() {
            // a check that began before the lock: it neither counts nor
            // lengthens the lock, so a burst earns one lock, not several
            return record;
        }
        if record.window_started_at + self.window <= now {
            record.failures = 0;
            record.window_started_at = now;
        }
        record.failures += 1;
        if record.failures >= self.max_failures.max(1) {
            record.lockouts += 1;
            record.locked_until = Some(now + self.lock_length(record.lockouts));
            record.failures = 0;
            record.window_started_at = now;
        }
        record
    }

    /// How long the `lockout`-th lock (from 1) lasts.
    pub fn lock_length(&self, lockout: u32) -> Duration {
        let doublings = lockout.saturating_sub(1).min(30);
        let length = self
            .first_lock
            .checked_mul(1 << doublings)
            .unwrap_or(self.longest_lock);
        length.min(self.longest_lock)
    }
}

/// A wrong password as the audit trail keeps it: the name tried and the
/// client's address, never the password.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginAttempt {
    pub name: String,
    /// The client's address as text (`203.0.113.9`), or `unknown`.
    pub client: String,
    pub at: DateTime<Utc>,
}

impl LoginAttempt {
    /// The audit entry of this failed attempt, given the name's record
    /// before and after it: `login.failed`, or `login.locked` when it
    /// locked the name.
    pub fn audit_entry(&self, before: Option<&FailedLogins>, after: &FailedLogins) -> AuditEntry {
        let was_locked = before.is_some_and(|before| before.locked_at(self.at).is_some());
        let locked_now = !was_locked && after.locked_at(self.at).is_some();
        AuditEntry {
            audit_id: 0,
            at: self.at,
            actor: format!("client:{}", self.client),
            action: if locked_now {
                "login.locked"
            } else {
                "login.failed"
            }
            .to_string(),
            target: "accounts".into(),
            target_id: self.name.clone(),
            before: None,
            after: Some(serde_json::json!({
                "client": self.client,
                "failures": after.failures,
                "locked_until": after.locked_at(self.at),
                "lockouts": after.lockouts,
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_team_sees_and_edits_its_own_layers() {
        assert!(Role::Retail.may_edit(LayerId::ShopUnits));
        assert!(!Role::Retail.may_edit(LayerId::Parcels));
        assert!(Role::Business.may_edit(LayerId::Parcels));
        assert!(!Role::Business.may_edit(LayerId::ShopUnits));
        assert!(Role::Retail.may_see_confidential(LayerId::ShopUnits));
        assert!(!Role::Business.may_see_confidential(LayerId::ShopUnits));
        assert!(Role::Business.may_see_confidential(LayerId::Companies));
    }

    #[test]
    fn planners_read_everything_and_edit_nothing() {
        for layer in LayerId::ALL {
            assert!(Role::Planner.may_see_confidential(*layer));
            assert!(!Role::Planner.may_edit(*layer));
            assert!(!Role::Public.may_see_confidential(*layer));
            assert!(!Role::Public.may_edit(*layer));
            assert!(Role::Admin.may_edit(*layer));
        }
        assert!(Role::Planner.may_read_audit() && Role::Admin.may_read_audit());
        assert!(!Role::Retail.may_read_audit() && !Role::Public.may_read_audit());
        assert!(Role::Admin.may_manage_accounts() && !Role::Planner.may_manage_accounts());
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn the_fifth_wrong_password_in_the_window_locks_the_name() {
        let policy = LockoutPolicy::default();
        let mut record = None;
        for second in 0..4 {
            let after = policy.after_failure("an", record, at(second));
            assert_eq!(after.locked_at(at(second)), None);
            assert_eq!(after.failures as i64, second + 1);
            record = Some(after);
        }
        let locked = policy.after_failure("an", record.clone(), at(4));
        assert_eq!(locked.locked_at(at(4)), Some(at(4 + 300)));
        assert_eq!((locked.failures, locked.lockouts), (0, 1));
        let attempt = LoginAttempt {
            name: "an".into(),
            client: "192.0.2.1".into(),
            at: at(4),
        };
        let entry = attempt.audit_entry(record.as_ref(), &locked);
        assert_eq!(
            (entry.action.as_str(), entry.actor.as_str()),
            ("login.locked", "client:192.0.2.1")
        );
    }

    #[test]
    fn failures_outside_the_window_do_not_add_up() {
        let policy = LockoutPolicy::default();
        let mut record = None;
        for minute in 0..20 {
            let after = policy.after_failure("an", record, at(minute * 16 * 60));
            assert_eq!(after.failures, 1, "a new window each time");
            assert_eq!(after.locked_until, None);
            record = Some(after);
        }
    }

    #[test]
    fn each_further_lock_doubles_up_to_the_longest() {
        let policy = LockoutPolicy::default();
        let minutes: Vec<i64> = (1..=6)
            .map(|lockout| policy.lock_length(lockout).num_minutes())
            .collect();
        assert_eq!(minutes, [5, 10, 20, 40, 60, 60]);
        assert_eq!(policy.lock_length(u32::MAX), policy.longest_lock);
        // five more failures after the first lock ended: the second lock is longer
        let mut record = None;
        let mut now = 0;
        for _ in 0..5 {
            record = Some(policy.after_failure("an", record, at(now)));
            now += 1;
        }
        now += 301;
        for _ in 0..5 {
            record = Some(policy.after_failure("an", record, at(now)));
            now += 1;
        }
        let record = record.unwrap();
        assert_eq!(record.lockouts, 2);
        assert_eq!(record.locked_at(at(now)), Some(at(now - 1 + 600)));
    }

    #[test]
    fn failures_that_arrive_during_a_lock_neither_count_nor_lengthen_it() {
        let policy = LockoutPolicy::default();
        let mut record = None;
        for second in 0..5 {
            record = Some(policy.after_failure("an", record, at(second)));
        }
        let locked = record.unwrap();
        let during = policy.after_failure("an", Some(locked.clone()), at(10));
        assert_eq!(during.locked_until, locked.locked_until);
        assert_eq!((during.failures, during.lockouts), (0, 1));
        assert_eq!(during.last_failure_at, at(10));
        let attempt = LoginAttempt {
            name: "an".into(),
            client: "192.0.2.1".into(),
            at: at(10),
        };
        let entry = attempt.audit_entry(Some(&locked), &during);
        assert_eq!(entry.action, "login.failed");
    }

    #[test]
    fn a_quiet_day_forgets_the_failures_and_the_locks() {
        let policy = LockoutPolicy::default();
        let mut record = None;
        for second in 0..5 {
            record = Some(policy.after_failure("an", record, at(second)));
        }
        let record = record.unwrap();
        assert!(!policy.is_forgotten(&record, at(10)));
        let next_day = at(4 + 24 * 3600);
        assert!(policy.is_forgotten(&record, next_day));
        let fresh = policy.after_failure("an", Some(record), next_day);
        assert_eq!((fresh.failures, fresh.lockouts), (1, 0));
    }
}
