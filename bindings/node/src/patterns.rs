//! The engine's locks and rate limiters for JavaScript.

use std::sync::Mutex;
use std::time::Duration;

use ferricache::{LockGuard, RateLimit};
use napi::{Error, Result};
use napi_derive::napi;

use crate::reply::engine_error;

/// A held lock (see `Cache.tryLock`).
#[napi]
pub struct NativeLock {
    guard: Mutex<Option<LockGuard>>,
}

impl NativeLock {
    pub fn new(g: LockGuard) -> NativeLock {
        NativeLock {
            guard: Mutex::new(Some(g)),
        }
    }
}

#[napi]
impl NativeLock {
    /// The random token stored as the lock's value.
    #[napi(getter)]
    pub fn token(&self) -> Option<String> {
        let g = self.guard.lock().unwrap_or_else(|p| p.into_inner());
        g.as_ref()
            .map(|g| String::from_utf8_lossy(g.token()).into_owned())
    }

    /// Releases the lock if it is still ours (compare-and-delete); false if it expired or
    /// changed hands.
    #[napi]
    pub fn release(&self) -> bool {
        let g = self.guard.lock().unwrap_or_else(|p| p.into_inner()).take();
        g.is_some_and(LockGuard::release)
    }

    /// Sets the TTL to `ms` from now if the lock is still ours.
    #[napi]
    pub fn extend(&self, ms: f64) -> Result<bool> {
        let g = self.guard.lock().unwrap_or_else(|p| p.into_inner());
        match g.as_ref() {
            Some(g) => g.extend(millis(ms)?).map_err(engine_error),
            None => Ok(false),
        }
    }
}

pub fn millis(ms: f64) -> Result<Duration> {
    if ms.is_finite() && ms >= 1.0 {
        Ok(Duration::from_millis(ms as u64))
    } else {
        Err(Error::from_reason("ERR a duration must be at least 1 ms"))
    }
}

/// A rate limiter's answer.
#[napi(object)]
pub struct RateLimitReply {
    pub allowed: bool,
    pub limit: f64,
    pub remaining: f64,
    /// Seconds until a retry can succeed (null when allowed).
    pub retry_after: Option<f64>,
    /// Seconds until the full allowance is back.
    pub reset_after: f64,
}

pub fn reply(r: RateLimit) -> RateLimitReply {
    RateLimitReply {
        allowed: r.allowed,
        limit: r.limit as f64,
        remaining: r.remaining as f64,
        retry_after: r.retry_after.map(|d| d.as_secs_f64()),
        reset_after: r.reset_after.as_secs_f64(),
    }
}
