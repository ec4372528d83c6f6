//! Locks and rate limiters: the core's patterns, for `Cache.lock` and the limiter methods.

use std::time::{Duration, Instant};

use ferricache::{LockGuard, RateLimit};
use parking_lot::Mutex;
use pyo3::prelude::*;

use crate::errors::from_error;
use crate::waiter::SIGNAL_SLICE;

/// A held lock: release it (compare-and-delete) or extend it.
#[pyclass(frozen, module = "ferricache._native")]
pub struct NativeLock {
    guard: Mutex<Option<LockGuard>>,
}

#[pymethods]
impl NativeLock {
    /// The random token stored as the lock's value.
    #[getter]
    fn token<'py>(&self, py: Python<'py>) -> Option<Bound<'py, pyo3::types::PyBytes>> {
        self.guard
            .lock()
            .as_ref()
            .map(|g| pyo3::types::PyBytes::new(py, g.token()))
    }

    /// Releases the lock if it is still ours; false if it expired or changed hands.
    /// (Without the GIL: in near-cache mode it is a round trip.)
    fn release(&self, py: Python<'_>) -> bool {
        let guard = self.guard.lock().take();
        py.detach(|| guard.is_some_and(LockGuard::release))
    }

    /// Sets the lock's TTL to `ttl_ms` from now if it is still ours.
    fn extend(&self, py: Python<'_>, ttl_ms: u64) -> PyResult<bool> {
        py.detach(|| match self.guard.lock().as_ref() {
            Some(g) => g.extend(Duration::from_millis(ttl_ms)).map_err(from_error),
            None => Ok(false),
        })
    }
}

/// Takes `name` for `ttl_ms`, waiting up to `wait` seconds (None: do not wait; negative:
/// forever) with the GIL released and Ctrl-C honoured.
pub(crate) fn lock(
    py: Python<'_>,
    cache: &ferricache::Cache,
    name: &[u8],
    ttl_ms: u64,
    wait: Option<f64>,
) -> PyResult<Option<NativeLock>> {
    let ttl = Duration::from_millis(ttl_ms);
    let wrap = |g: Option<LockGuard>| {
        g.map(|g| NativeLock {
            guard: Mutex::new(Some(g)),
        })
    };
    let Some(wait) = wait else {
        return py
            .detach(|| cache.lock(name, ttl))
            .map(wrap)
            .map_err(from_error);
    };
    let deadline = (wait >= 0.0).then(|| Instant::now() + Duration::from_secs_f64(wait));
    loop {
        let slice = deadline.map_or(SIGNAL_SLICE, |d| {
            d.saturating_duration_since(Instant::now())
                .min(SIGNAL_SLICE)
        });
        let got = py
            .detach(|| cache.lock_wait(name, ttl, slice))
            .map_err(from_error)?;
        if got.is_some() {
            return Ok(wrap(got));
        }
        py.check_signals()?;
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(None);
        }
    }
}

/// A limiter's answer as `(allowed, limit, remaining, retry_after_s or None, reset_after_s)`.
pub(crate) type Answer = (bool, u64, u64, Option<f64>, f64);

pub(crate) fn answer(r: RateLimit) -> Answer {
    (
        r.allowed,
        r.limit,
        r.remaining,
        r.retry_after.map(|d| d.as_secs_f64()),
        r.reset_after.as_secs_f64(),
    )
}
