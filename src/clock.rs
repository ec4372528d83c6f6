//! Time as the engine sees it: milliseconds since the Unix epoch, behind a trait so that
//! tests can advance time instead of sleeping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of wall-clock time in milliseconds since the Unix epoch.
///
/// Deadlines (EXPIREAT, PXAT) are absolute Unix times in Redis, so the engine's clock is a
/// wall clock too.
pub trait Clock: Send + Sync + 'static {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
}

/// The system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }
}

/// A clock that moves only when told to; clones share the same time.
///
/// ```
/// use ferricache::{Cache, MockClock};
/// use std::time::Duration;
///
/// let clock = MockClock::new(1_700_000_000_000);
/// let cache = Cache::builder().clock(clock.clone()).build().unwrap();
/// cache.set_ex("k", 10, "v").unwrap();
/// clock.advance(Duration::from_secs(10));
/// assert_eq!(cache.get("k").unwrap(), None);
/// ```
#[derive(Debug, Clone)]
pub struct MockClock(Arc<AtomicU64>);

impl MockClock {
    /// A clock standing at `start_ms` milliseconds since the Unix epoch.
    pub fn new(start_ms: u64) -> Self {
        MockClock(Arc::new(AtomicU64::new(start_ms)))
    }

    /// Moves time forward.
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_millis() as u64, Ordering::SeqCst);
    }

    /// Sets the time, forwards or backwards.
    pub fn set_ms(&self, ms: u64) {
        self.0.store(ms, Ordering::SeqCst);
    }
}

impl Clock for MockClock {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}
