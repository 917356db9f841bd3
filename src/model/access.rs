//! Who may do what: roles, accounts and the audit trail of edits.
//!
//! The rules are one table ([`Role::may_see_confidential`], [`Role::may_edit`]):
//! the retail team keeps shop units, the business team parcels, parks and
//! companies; planners read everything and edit nothing; admins do it all and
//! manage accounts. Anyone without an account is [`Role::Public`].

use chrono::{DateTime, Utc};

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
}
