//! Rate limiters, each one atomic write on one key: the lesson's fixed window (INCR and its
//! EXPIRE in the same step, so no key is ever left without a TTL), a sliding window, and
//! GCRA with redis-cell's CL.THROTTLE semantics.

use std::time::Duration;

use bytes::Bytes;

use crate::commands::num::parse_i64;
use crate::error::{Error, Result};
use crate::value::Value;
use crate::Cache;

/// A rate limiter's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// The request may go ahead (and was counted).
    pub allowed: bool,
    /// Requests allowed in a burst (the window's limit, or GCRA's `max_burst + 1`).
    pub limit: u64,
    /// Requests still allowed now.
    pub remaining: u64,
    /// When refused: how long until a retry can succeed.
    pub retry_after: Option<Duration>,
    /// How long until the limiter is back to its full allowance.
    pub reset_after: Duration,
}

fn ms(d: Duration) -> Result<u64> {
    match d.as_millis() {
        0 => Err(Error::Invalid("rate-limit period must be at least 1 ms")),
        m => u64::try_from(m).map_err(|_| Error::Invalid("rate-limit period is too long")),
    }
}

/// A limiter's key as found or as to be written: its text and its deadline in Unix ms
/// (0: none); `None` when missing, or when nothing is to be written.
pub(crate) type Stored = Option<(Bytes, u64)>;

/// One limiter decision: from the time (Unix ms) and the key's state, the answer and what
/// to write back. Pure, so that it runs the same locally and against a server.
#[cfg(feature = "remote")]
pub(crate) type Step<'a> = dyn Fn(u64, Stored) -> Result<(RateLimit, Stored)> + 'a;

impl Cache {
    /// Runs a limiter's step as one atomic read-modify-write of `key`: under the key's
    /// shard lock, or in near-cache mode on the server (by compare-and-set, with the
    /// server's clock, so that every process counts in one place).
    fn limit(
        &self,
        key: &[u8],
        step: impl Fn(u64, Stored) -> Result<(RateLimit, Stored)>,
    ) -> Result<RateLimit> {
        #[cfg(feature = "remote")]
        if let Some(remote) = crate::remote::routed(&self.inner) {
            return remote.limit(self, key, &step);
        }
        self.ks().write(key, 128, |tx| {
            let stored = match tx.find(key) {
                Some(i) => Some((tx.entry(i).value().str_bytes()?, tx.expire_at(i))),
                None => None,
            };
            let (answer, write) = step(tx.now(), stored)?;
            if let Some((text, deadline)) = write {
                self.store(tx, key, Value::string(text), deadline);
            }
            Ok(answer)
        })
    }

    /// Fixed window: at most `limit` requests per `window`, counted in `key` (INCR, and the
    /// window's EXPIRE set in the same atomic step when the count starts).
    ///
    /// ```
    /// use ferricache::Cache;
    /// use std::time::Duration;
    ///
    /// let cache = Cache::new();
    /// for _ in 0..100 {
    ///     assert!(cache.rate_limit_fixed("rate:10.0.0.1", 100, Duration::from_secs(60)).unwrap().allowed);
    /// }
    /// let refused = cache.rate_limit_fixed("rate:10.0.0.1", 100, Duration::from_secs(60)).unwrap();
    /// assert!(!refused.allowed && refused.retry_after.is_some());
    /// ```
    pub fn rate_limit_fixed(
        &self,
        key: impl AsRef<[u8]>,
        limit: u64,
        window: Duration,
    ) -> Result<RateLimit> {
        let window = ms(window)?;
        self.limit(key.as_ref(), |now, stored| {
            let (count, deadline) = match stored {
                Some((text, deadline)) => (parse_i64(&text)?.max(0) as u64, deadline),
                None => (0, 0),
            };
            // A count without a TTL (left by a crash between INCR and EXPIRE elsewhere)
            // gets its window now.
            let deadline = if deadline == 0 {
                now + window
            } else {
                deadline
            };
            let count = count.saturating_add(1).min(limit.saturating_add(1));
            let reset = Duration::from_millis(deadline.saturating_sub(now));
            let allowed = count <= limit;
            let answer = RateLimit {
                allowed,
                limit,
                remaining: limit.saturating_sub(count),
                retry_after: (!allowed).then_some(reset),
                reset_after: reset,
            };
            Ok((answer, Some((Bytes::from(count.to_string()), deadline))))
        })
    }

    /// Sliding window: at most `limit` requests in any `window`, estimated from the counts
    /// of the current and previous fixed windows (the previous weighted by how much of it
    /// still overlaps). Refused requests are not counted.
    pub fn rate_limit_sliding(
        &self,
        key: impl AsRef<[u8]>,
        limit: u64,
        window: Duration,
    ) -> Result<RateLimit> {
        let w = ms(window)?;
        self.limit(key.as_ref(), |now, stored| {
            let index = now / w;
            // Stored as "index:previous:current".
            let (mut prev, mut cur) = (0u64, 0u64);
            if let Some((t, _)) = stored {
                let parts: Vec<u64> = std::str::from_utf8(&t)
                    .ok()
                    .map(|s| s.split(':').filter_map(|p| p.parse().ok()).collect())
                    .unwrap_or_default();
                let [at, p, c] = parts[..] else {
                    return Err(Error::Invalid("value is not a sliding-window counter"));
                };
                match index.checked_sub(at) {
                    Some(0) => (prev, cur) = (p, c),
                    Some(1) => (prev, cur) = (c, 0),
                    _ => {}
                }
            }
            let elapsed = now % w;
            let weight = 1.0 - elapsed as f64 / w as f64;
            let estimate = prev as f64 * weight + cur as f64;
            let allowed = estimate + 1.0 <= limit as f64;
            if allowed {
                cur += 1;
            }
            let deadline = (index + 2) * w;
            let new = Bytes::from(format!("{index}:{prev}:{cur}"));
            let used = (prev as f64 * weight + cur as f64).ceil() as u64;
            let retry_after = (!allowed).then(|| {
                // When does the estimate fall below `limit` again?
                let wait = if cur as f64 >= limit as f64 || prev == 0 {
                    (w - elapsed) as f64
                        + w as f64 * (1.0 - limit as f64 / cur.max(1) as f64).max(0.0)
                } else {
                    w as f64 * (1.0 - (limit - cur) as f64 / prev as f64) - elapsed as f64
                };
                Duration::from_millis(wait.ceil().max(1.0) as u64)
            });
            let answer = RateLimit {
                allowed,
                limit,
                remaining: limit.saturating_sub(used),
                retry_after,
                reset_after: Duration::from_millis(if cur > 0 {
                    2 * w - elapsed
                } else {
                    w - elapsed
                }),
            };
            Ok((answer, Some((new, deadline))))
        })
    }

    /// GCRA, as redis-cell's `CL.THROTTLE key max_burst count period quantity`: `count`
    /// requests per `period`, bursts of up to `max_burst + 1`, this request weighing
    /// `quantity`. The key holds the theoretical arrival time and expires when it passes.
    ///
    /// ```
    /// use ferricache::Cache;
    /// use std::time::Duration;
    ///
    /// let cache = Cache::new();
    /// // 30 requests per minute, bursts of up to 16.
    /// let r = cache.throttle("user:7", 15, 30, Duration::from_secs(60), 1).unwrap();
    /// assert!(r.allowed);
    /// assert_eq!((r.limit, r.remaining), (16, 15));
    /// ```
    pub fn throttle(
        &self,
        key: impl AsRef<[u8]>,
        max_burst: u64,
        count: u64,
        period: Duration,
        quantity: u64,
    ) -> Result<RateLimit> {
        if count == 0 {
            return Err(Error::Invalid("rate-limit count must be positive"));
        }
        let emission = ms(period)? as f64 / count as f64;
        let dvt = emission * (max_burst as f64 + 1.0);
        let increment = emission * quantity as f64;
        self.limit(key.as_ref(), |now, stored| {
            let now = now as f64;
            let tat = match stored {
                Some((text, _)) => parse_i64(&text)? as f64,
                None => now,
            };
            let new_tat = tat.max(now) + increment;
            let diff = now - (new_tat - dvt);
            let (allowed, ttl, retry_after, write) = if diff < 0.0 {
                let retry =
                    (increment <= dvt).then(|| Duration::from_millis((-diff).ceil() as u64));
                (false, tat - now, retry, None)
            } else {
                let at = new_tat.ceil() as u64;
                (
                    true,
                    new_tat - now,
                    None,
                    Some((Bytes::from(at.to_string()), at)),
                )
            };
            let remaining = ((dvt - ttl) / emission).floor().max(0.0) as u64;
            let answer = RateLimit {
                allowed,
                limit: max_burst + 1,
                remaining,
                retry_after,
                reset_after: Duration::from_millis(ttl.max(0.0).ceil() as u64),
            };
            Ok((answer, write))
        })
    }
}
