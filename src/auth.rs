//! Credentials: one-time passwords and their argon2 hashes, API tokens and
//! their SHA-256 hashes, and the login sessions of the web page.
//!
//! Passwords are low-entropy, so they are hashed with argon2id (memory-hard).
//! Tokens and session ids are 256 random bits: a SHA-256 of such a secret is
//! as strong as any slow hash and lets a request be checked by one lookup.
//! Sessions live in the server's memory only; a restart logs everyone out.

use std::collections::HashMap;
use std::sync::Mutex;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::model::access::Role;

/// A login session lasts this long after its last use.
pub const SESSION_IDLE_LIMIT: Duration = Duration::hours(8);
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

/// Who a credential belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub role: Role,
}

#[derive(Debug, Clone)]
struct Session {
    identity: Identity,
    last_used: DateTime<Utc>,
}

/// The open login sessions, by the hash of their id.
#[derive(Debug, Default)]
pub struct Sessions {
    open: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Open a session and return its id (the cookie value).
    pub fn open(&self, identity: Identity, now: DateTime<Utc>) -> String {
        let id = hex(&random_bytes::<32>());
        let mut open = self.lock();
        open.retain(|_, session| now - session.last_used < SESSION_IDLE_LIMIT);
        open.insert(
            secret_hash(&id),
            Session {
                identity,
                last_used: now,
            },
        );
        id
    }

    /// The identity of a live session, which stays alive for another idle limit.
    pub fn identity(&self, id: &str, now: DateTime<Utc>) -> Option<Identity> {
        let mut open = self.lock();
        let key = secret_hash(id);
        match open.get_mut(&key) {
            Some(session) if now - session.last_used < SESSION_IDLE_LIMIT => {
                session.last_used = now;
                Some(session.identity.clone())
            }
            Some(_) => {
                open.remove(&key);
                None
            }
            None => None,
        }
    }

    pub fn close(&self, id: &str) {
        self.lock().remove(&secret_hash(id));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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
    fn a_session_expires_after_the_idle_limit_and_closes() {
        let sessions = Sessions::default();
        let start = Utc::now();
        let identity = Identity {
            name: "an".into(),
            role: Role::Retail,
        };
        let id = sessions.open(identity.clone(), start);
        assert_eq!(sessions.identity(&id, start), Some(identity.clone()));
        let later = start + SESSION_IDLE_LIMIT - Duration::minutes(1);
        assert_eq!(
            sessions.identity(&id, later),
            Some(identity),
            "use renews it"
        );
        assert_eq!(sessions.identity(&id, later + SESSION_IDLE_LIMIT), None);
        let again = sessions.open(
            Identity {
                name: "bo".into(),
                role: Role::Admin,
            },
            start,
        );
        sessions.close(&again);
        assert_eq!(sessions.identity(&again, start), None);
        assert_eq!(sessions.identity("made-up", start), None);
    }
}
