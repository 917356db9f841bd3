//! Failed logins per client address, in this server's memory.
//!
//! Kept in memory rather than in the store: an address's counts matter to
//! the server it talks to (a spray across servers behind one balancer is
//! still met by the per-name lockout in the store), and a spray from many
//! addresses must not write a row per address. An IPv6 address counts by
//! its /64 (one customer's network), an IPv4-mapped one as IPv4. At most
//! [`MAX_TRACKED_ADDRESSES`] are kept; when that many are counting at once
//! new ones go uncounted (the per-name lockout and the bounded password pool
//! still hold).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};

/// The most addresses counted at once (about 64 bytes each).
pub const MAX_TRACKED_ADDRESSES: usize = 100_000;

/// How many wrong passwords one address may send in a window.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressLimitPolicy {
    pub max_failures: u32,
    pub window: Duration,
}

impl Default for AddressLimitPolicy {
    /// 20 wrong passwords per 15 minutes.
    fn default() -> Self {
        AddressLimitPolicy {
            max_failures: 20,
            window: Duration::minutes(15),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started_at: DateTime<Utc>,
    failures: u32,
}

/// The wrong passwords per address in the current window of each.
pub struct AddressLimiter {
    policy: AddressLimitPolicy,
    windows: Mutex<HashMap<IpAddr, Window>>,
}

/// The address that is counted for `address`: IPv6 by its /64.
fn counted_as(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(network))
            }
        },
    }
}

impl AddressLimiter {
    pub fn new(policy: AddressLimitPolicy) -> Self {
        AddressLimiter {
            policy,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// The end of the current window if `address` has used up its failures.
    pub fn blocked_until(&self, address: IpAddr, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let window = windows.get(&counted_as(address))?;
        let ends_at = window.started_at + self.policy.window;
        (ends_at > now && window.failures >= self.policy.max_failures).then_some(ends_at)
    }

    /// Count one wrong password from `address`.
    pub fn record_failure(&self, address: IpAddr, now: DateTime<Utc>) {
        let key = counted_as(address);
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if !windows.contains_key(&key) && windows.len() >= MAX_TRACKED_ADDRESSES {
            let window = self.policy.window;
            windows.retain(|_, counted| counted.started_at + window > now);
            if windows.len() >= MAX_TRACKED_ADDRESSES {
                tracing::warn!(
                    "{MAX_TRACKED_ADDRESSES} client addresses have failed logins; {address} goes uncounted"
                );
                return;
            }
        }
        let counted = windows.entry(key).or_insert(Window {
            started_at: now,
            failures: 0,
        });
        if counted.started_at + self.policy.window <= now {
            *counted = Window {
                started_at: now,
                failures: 0,
            };
        }
        counted.failures = counted.failures.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn an_address_is_blocked_after_its_failures_until_the_window_ends() {
        let limiter = AddressLimiter::new(AddressLimitPolicy {
            max_failures: 3,
            window: Duration::seconds(60),
        });
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        for second in 0..3 {
            assert_eq!(limiter.blocked_until(one, at(second)), None);
            limiter.record_failure(one, at(second));
        }
        assert_eq!(limiter.blocked_until(one, at(3)), Some(at(60)));
        assert_eq!(limiter.blocked_until(other, at(3)), None);
        assert_eq!(limiter.blocked_until(one, at(60)), None, "a new window");
        limiter.record_failure(one, at(61));
        assert_eq!(limiter.blocked_until(one, at(62)), None);
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
        let limiter = AddressLimiter::new(AddressLimitPolicy {
            max_failures: 2,
            window: Duration::seconds(60),
        });
        limiter.record_failure("2001:db8:1:2::1".parse().unwrap(), at(0));
        limiter.record_failure("2001:db8:1:2:ffff::9".parse().unwrap(), at(1));
        assert!(limiter
            .blocked_until("2001:db8:1:2::77".parse().unwrap(), at(2))
            .is_some());
        assert!(limiter
            .blocked_until("2001:db8:1:3::1".parse().unwrap(), at(2))
            .is_none());
        limiter.record_failure("::ffff:198.51.100.7".parse().unwrap(), at(0));
        limiter.record_failure("198.51.100.7".parse().unwrap(), at(1));
        assert!(limiter
            .blocked_until("198.51.100.7".parse().unwrap(), at(2))
            .is_some());
    }
}
