//! Per-client token buckets: each client (an address, or a Core API key) may spend `burst`
//! requests at once and earns them back at `per_second`. Used for the open verify endpoint, for
//! failed admin logins and for each Core API key.
//!
//! IPv6 clients are keyed by their /64, the block one host usually controls; IPv4-mapped IPv6
//! addresses count as the IPv4 address. Memory is bounded: past `MAX_TRACKED` clients, buckets
//! that have refilled (idle clients) are dropped.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const MAX_TRACKED: usize = 16_384;

/// What a bucket is kept for: a client address, or a Core API key's id.
pub trait Client: Copy + Eq + Hash {
    /// The bucket this client spends from (an IPv6 address shares its /64's).
    fn bucket(self) -> Self;
}

impl Client for IpAddr {
    fn bucket(self) -> Self {
        bucket_key(self)
    }
}

impl Client for i64 {
    fn bucket(self) -> Self {
        self
    }
}

#[derive(Debug)]
pub struct RateLimiter<K = IpAddr> {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<K, Bucket>>,
    /// Requests refused since start (for /metrics).
    refused: AtomicU64,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl<K: Client> RateLimiter<K> {
    /// `per_second` must be positive; `burst` is at least one request.
    pub fn new(per_second: f64, burst: u32) -> Self {
        assert!(per_second > 0.0, "rate must be positive");
        Self {
            per_second,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
            refused: AtomicU64::new(0),
        }
    }

    /// Takes one request from `client`'s bucket, or says how long until one is available.
    pub fn check(&self, client: K) -> Result<(), Duration> {
        self.check_at(client, Instant::now())
    }

    pub fn check_at(&self, client: K, now: Instant) -> Result<(), Duration> {
        self.with_bucket(client, now, |bucket| {
            let ready = self.ready(bucket);
            if ready.is_ok() {
                bucket.tokens -= 1.0;
            } else {
                self.refused.fetch_add(1, Ordering::Relaxed);
            }
            ready
        })
    }

    /// Whether `client` has a request left, without taking it: for limits that only count
    /// failures (a wrong password), checked before the attempt and charged after.
    pub fn peek(&self, client: K) -> Result<(), Duration> {
        self.with_bucket(client, Instant::now(), |bucket| {
            let ready = self.ready(bucket);
            if ready.is_err() {
                self.refused.fetch_add(1, Ordering::Relaxed);
            }
            ready
        })
    }

    /// How many requests this limiter refused since start.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    fn ready(&self, bucket: &Bucket) -> Result<(), Duration> {
        if bucket.tokens >= 1.0 {
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }

    /// Runs `use_bucket` on `client`'s bucket, refilled up to `now`.
    fn with_bucket<T>(
        &self,
        client: K,
        now: Instant,
        use_bucket: impl FnOnce(&mut Bucket) -> T,
    ) -> T {
        let key = client.bucket();
        // A poisoned lock only means another request panicked mid-update; the counts are still
        // usable, and refusing every client forever would be worse.
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(&key) {
            self.forget_idle(&mut buckets, now);
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        let earned = now.saturating_duration_since(bucket.updated).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + earned).min(self.burst);
        bucket.updated = now;
        use_bucket(bucket)
    }

    fn forget_idle(&self, buckets: &mut HashMap<K, Bucket>, now: Instant) {
        let full_after = Duration::from_secs_f64(self.burst / self.per_second);
        buckets.retain(|_, b| now.saturating_duration_since(b.updated) < full_after);
        if buckets.len() >= MAX_TRACKED {
            // Every tracked client is active: an address sweep. Start over rather than grow.
            buckets.clear();
        }
    }
}

fn bucket_key(client: IpAddr) -> IpAddr {
    match client {
        IpAddr::V4(_) => client,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn allows_a_burst_then_refills_at_the_rate() {
        let limiter = RateLimiter::new(2.0, 3);
        let t0 = Instant::now();
        let client = ip("203.0.113.7");
        for _ in 0..3 {
            assert_eq!(limiter.check_at(client, t0), Ok(()));
        }
        let wait = limiter.check_at(client, t0).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500));
        // Half a second earns one request back, not more.
        let t1 = t0 + Duration::from_millis(500);
        assert_eq!(limiter.check_at(client, t1), Ok(()));
        assert!(limiter.check_at(client, t1).is_err());
        // Other clients have their own buckets.
        assert_eq!(limiter.check_at(ip("203.0.113.8"), t1), Ok(()));
        // Long idle refills to the burst, no further.
        let t2 = t1 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(limiter.check_at(client, t2), Ok(()));
        }
        assert!(limiter.check_at(client, t2).is_err());
    }

    #[test]
    fn peeking_takes_nothing() {
        let limiter = RateLimiter::new(1.0, 2);
        let client = ip("203.0.113.9");
        for _ in 0..5 {
            assert_eq!(limiter.peek(client), Ok(()));
        }
        let t0 = Instant::now();
        limiter.check_at(client, t0).unwrap();
        limiter.check_at(client, t0).unwrap();
        assert!(limiter.peek(client).is_err());
    }

    #[test]
    fn ipv6_clients_share_their_64_and_mapped_ipv4_is_ipv4() {
        let limiter = RateLimiter::new(1.0, 1);
        let t0 = Instant::now();
        assert_eq!(limiter.check_at(ip("2001:db8:1:2::1"), t0), Ok(()));
        assert!(limiter.check_at(ip("2001:db8:1:2:ffff::9"), t0).is_err());
        assert_eq!(limiter.check_at(ip("2001:db8:1:3::1"), t0), Ok(()));
        assert_eq!(limiter.check_at(ip("192.0.2.1"), t0), Ok(()));
        assert!(limiter.check_at(ip("::ffff:192.0.2.1"), t0).is_err());
    }

    #[test]
    fn memory_stays_bounded_under_an_address_sweep() {
        let limiter = RateLimiter::new(1.0, 1);
        let t0 = Instant::now();
        for i in 0..(MAX_TRACKED as u32 + 100) {
            let _ = limiter.check_at(IpAddr::from(i.to_be_bytes()), t0);
        }
        assert!(limiter.buckets.lock().unwrap().len() <= MAX_TRACKED);
    }
}
