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

    /// Let a login from `address` be checked, counting it as a failure
    /// until [`forgive`](Self::forgive) says it was not; the end of the
    /// window when the address has used up its failures. Counting before the
    /// check keeps concurrent logins from one address within the limit.
    pub fn admit(&self, address: IpAddr, now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
        let key = counted_as(address);
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if !windows.contains_key(&key) && windows.len() >= MAX_TRACKED_ADDRESSES {
            let window = self.policy.window;
            windows.retain(|_, counted| counted.started_at + window > now);
            if windows.len() >= MAX_TRACKED_ADDRESSES {
                tracing::warn!(
                    "{MAX_TRACKED_ADDRESSES} client addresses have failed logins; {address} goes uncounted"
                );
                return Ok(());
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
        if counted.failures >= self.policy.max_failures {
            return Err(counted.started_at + self.policy.window);
        }
        counted.failures += 1;
        Ok(())
    }

    /// An admitted login was right (or not checked): it is no failure.
    pub fn forgive(&self, address: IpAddr) {
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(counted) = windows.get_mut(&counted_as(address)) {
            counted.failures = counted.failures.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn limiter(max_failures: u32) -> AddressLimiter {
        AddressLimiter::new(AddressLimitPolicy {
            max_failures,
            window: Duration::seconds(60),
        })
    }

    #[test]
    fn an_address_is_refused_after_its_failures_until_the_window_ends() {
        let limiter = limiter(3);
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        for second in 0..3 {
            assert_eq!(limiter.admit(one, at(second)), Ok(()));
        }
        assert_eq!(limiter.admit(one, at(3)), Err(at(60)));
        assert_eq!(limiter.admit(other, at(3)), Ok(()));
        assert_eq!(limiter.admit(one, at(60)), Ok(()), "a new window");
    }

    #[test]
    fn a_right_password_is_forgiven() {
        let limiter = limiter(2);
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        for second in 0..10 {
            assert_eq!(limiter.admit(one, at(second)), Ok(()));
            limiter.forgive(one);
        }
        limiter.admit(one, at(10)).unwrap();
        limiter.admit(one, at(11)).unwrap();
        assert!(limiter.admit(one, at(12)).is_err());
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
        let limiter = limiter(2);
        let admit = |text: &str| limiter.admit(text.parse().unwrap(), at(0));
        admit("2001:db8:1:2::1").unwrap();
        admit("2001:db8:1:2:ffff::9").unwrap();
        assert!(admit("2001:db8:1:2::77").is_err());
        assert!(admit("2001:db8:1:3::1").is_ok());
        admit("::ffff:198.51.100.7").unwrap();
        admit("198.51.100.7").unwrap();
        assert!(admit("198.51.100.7").is_err());
    }
}
