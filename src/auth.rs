//! Credentials: one-time passwords and their argon2 hashes, API tokens and
//! session ids and their SHA-256 hashes, the rule of a session's idle
//! timer, and what guards the login: a small pool that checks passwords
//! (`password_pool`) and the failed-login limit per client address
//! (`address_limit`).
//!
//! Passwords are low-entropy, so they are hashed with argon2id (memory-hard).
//! Tokens and session ids are 256 random bits: a SHA-256 of such a secret is
//! as strong as any slow hash and lets a request be checked by one lookup.
//! Sessions live in the store (only the hash of their id), so every server
//! on one store shares them and a restart keeps them.

mod address_limit;
mod password_pool;

use argon2::password_hash::{
    Output, ParamsString, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

pub use address_limit::{AddressLimitPolicy, AddressLimiter};
pub use password_pool::{PasswordPool, PoolBusy, PoolStats};

use crate::model::access::{LockoutPolicy, Role, StoredSession};

/// A login session lasts this long after its last use.
pub const SESSION_IDLE_LIMIT: Duration = Duration::hours(8);
/// A session's last use (and its cookie) is renewed at most this often: a
/// store write per request would cost more than the minute it gains.
pub const SESSION_RENEW_INTERVAL: Duration = Duration::minutes(1);
/// The prefix of every API token, so a leaked one is easy to recognise.
pub const TOKEN_PREFIX: &str = "atlas_";

/// Letters and digits that cannot be mistaken for one another.
const PASSWORD_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const PASSWORD_LENGTH: usize = 20;

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A fresh password of 20 unambiguous letters and digits (about 115 bits).
pub fn generate_password() -> String {
    // rejection sampling keeps every letter equally likely
    let limit = 256 - 256 % PASSWORD_ALPHABET.len();
    let mut password = String::with_capacity(PASSWORD_LENGTH);
    while password.len() < PASSWORD_LENGTH {
        for byte in random_bytes::<32>() {
            if (byte as usize) < limit && password.len() < PASSWORD_LENGTH {
                password.push(PASSWORD_ALPHABET[byte as usize % PASSWORD_ALPHABET.len()] as char);
            }
        }
    }
    password
}

/// The argon2id PHC string of a password, with a random salt.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).expect("16 bytes make a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters hashes any password")
        .to_string()
}

/// Whether `password` matches the stored PHC string (false for a malformed one).
pub fn verify_password(password: &str, password_hash: &str) -> bool {
    PasswordHash::new(password_hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A fresh API token: the prefix and 256 random bits in hex.
pub fn generate_token() -> String {
    format!("{TOKEN_PREFIX}{}", hex(&random_bytes::<32>()))
}

/// The hex SHA-256 of a token or session id: what is stored and looked up.
pub fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// A fresh session id (the cookie value): 256 random bits in hex.
pub fn generate_session_id() -> String {
    hex(&random_bytes::<32>())
}

/// An argon2id PHC string with the default parameters, a random salt and a
/// random output: checking any password against it costs one hash, like a
/// real account's, and never matches. Made without hashing.
pub fn decoy_password_hash() -> String {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).expect("16 bytes make a valid salt");
    let output = random_bytes::<{ argon2::Params::DEFAULT_OUTPUT_LEN }>();
    PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(argon2::Version::V0x13.into()),
        params: ParamsString::try_from(&argon2::Params::DEFAULT)
            .expect("the default parameters are valid"),
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&output).expect("32 bytes make a valid output")),
    }
    .to_string()
}

/// Who a credential belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub role: Role,
}

/// A new session of `account` at `now`, and its id (the cookie value).
pub fn new_session(account: &str, now: DateTime<Utc>) -> (String, StoredSession) {
    let id = generate_session_id();
    let session = StoredSession {
        session_hash: secret_hash(&id),
        account: account.to_string(),
        created_at: now,
        last_used_at: now,
        expires_at: now + SESSION_IDLE_LIMIT,
    };
    (id, session)
}

/// What a request at `now` does with a stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionUse {
    /// Idle too long: refuse it and remove it.
    Expired,
    /// Alive and used less than [`SESSION_RENEW_INTERVAL`] ago: accept it as is.
    Live,
    /// Alive: accept it, and store (and send in the cookie) the new last use
    /// and expiry.
    Renew {
        last_used_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    },
}

/// The idle timer of a session: it expires at `expires_at` and slides by
/// each use, renewed at most once per [`SESSION_RENEW_INTERVAL`].
pub fn session_use(session: &StoredSession, now: DateTime<Utc>) -> SessionUse {
    if session.expires_at <= now {
        SessionUse::Expired
    } else if now - session.last_used_at < SESSION_RENEW_INTERVAL {
        SessionUse::Live
    } else {
        SessionUse::Renew {
            last_used_at: now,
            expires_at: now + SESSION_IDLE_LIMIT,
        }
    }
}

/// How logins are guarded and how the session cookie is sent; made once at
/// start-up (`atlas serve` flags) and kept in the server's state.
#[derive(Debug, Clone)]
pub struct LoginPolicy {
    /// Failed logins per name, counted in the store (shared by all servers).
    pub lockout: LockoutPolicy,
    /// Failed logins per client address, counted in this server's memory.
    pub address_limit: AddressLimitPolicy,
    /// Password checks that run at once (each holds one argon2 memory, 19 MiB).
    pub hash_workers: usize,
    /// Logins that may wait for a check; more are refused with `503`.
    pub hash_queue: usize,
    /// Always mark the cookie `Secure` (a deployment behind TLS); it is also
    /// marked when the request says `X-Forwarded-Proto: https`.
    pub secure_cookies: bool,
    /// Take the client address from the last `X-Forwarded-For` entry (set
    /// only behind a reverse proxy that writes it, else clients choose it).
    pub trust_forwarded_for: bool,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy {
            lockout: LockoutPolicy::default(),
            address_limit: AddressLimitPolicy::default(),
            hash_workers: 2,
            hash_queue: 32,
            secure_cookies: false,
            trust_forwarded_for: false,
        }
    }
}

/// What guards the login of one server: its policy, the password pool and
/// the per-address counts.
pub struct LoginGate {
    pub policy: LoginPolicy,
    pub passwords: PasswordPool,
    pub addresses: AddressLimiter,
}

impl LoginGate {
    pub fn new(policy: LoginPolicy) -> Self {
        LoginGate {
            passwords: PasswordPool::new(policy.hash_workers, policy.hash_queue),
            addresses: AddressLimiter::new(policy.address_limit.clone()),
            policy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_hash_only() {
        let password = generate_password();
        assert_eq!(password.len(), PASSWORD_LENGTH);
        assert!(password
            .bytes()
            .all(|byte| PASSWORD_ALPHABET.contains(&byte)));
        let hash = hash_password(&password);
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains(&password));
        assert!(verify_password(&password, &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password(&password, "not a hash"));
        assert_ne!(hash, hash_password(&password), "salts differ");
    }

    #[test]
    fn tokens_are_random_and_stored_as_sha256() {
        let (first, second) = (generate_token(), generate_token());
        assert_ne!(first, second);
        assert!(first.starts_with(TOKEN_PREFIX) && first.len() == TOKEN_PREFIX.len() + 64);
        // SHA-256("abc"), FIPS 180-2 appendix B.1
        assert_eq!(
            secret_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_session_slides_at_most_once_a_minute_and_expires_after_the_idle_limit() {
        let start = Utc::now();
        let (id, session) = new_session("an", start);
        assert_eq!(session.session_hash, secret_hash(&id));
        assert_eq!(session.expires_at, start + SESSION_IDLE_LIMIT);
        assert_eq!(session_use(&session, start), SessionUse::Live);
        let soon = start + Duration::seconds(59);
        assert_eq!(session_use(&session, soon), SessionUse::Live);
        let later = start + SESSION_IDLE_LIMIT - Duration::minutes(1);
        assert_eq!(
            session_use(&session, later),
            SessionUse::Renew {
                last_used_at: later,
                expires_at: later + SESSION_IDLE_LIMIT
            }
        );
        assert_eq!(
            session_use(&session, start + SESSION_IDLE_LIMIT),
            SessionUse::Expired
        );
        assert_ne!(new_session("an", start).0, id, "ids are random");
    }

    #[test]
    fn the_decoy_hash_parses_costs_like_a_real_one_and_matches_nothing() {
        let decoy = decoy_password_hash();
        let real = hash_password("secret");
        let params = |phc: &str| {
            let parsed = PasswordHash::new(phc).unwrap();
            argon2::Params::try_from(&parsed).unwrap()
        };
        assert_eq!(params(&decoy), params(&real));
        assert!(
            decoy.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{decoy}"
        );
        assert!(!verify_password("secret", &decoy));
        assert_ne!(decoy, decoy_password_hash());
    }
}
