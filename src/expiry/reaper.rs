//! Active expiry: a background thread that reclaims expired keys (and fires their
//! `expired` notifications) without anyone touching them, as Redis's active expiry cycle
//! does. On by default; [`CacheBuilder::active_expiry`](crate::CacheBuilder::active_expiry)
//! turns it off for users who want no threads.
//!
//! The thread sleeps until the earliest deadline the timing wheels hold (a lower bound
//! from [`Wheel::next_due_hint`](super::wheel::Wheel::next_due_hint)), and not at all when
//! no key has a TTL: it then waits until a write files a deadline. A write that files a
//! deadline earlier than the one the thread sleeps towards wakes it. It runs at most `hz`
//! times a second (Redis's `hz`, default 10), so a key is reclaimed at most `1/hz` after
//! its deadline. Sleeps are cut to one second at most, so that a test clock moved by hand
//! is noticed.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::cache::Inner;

/// Redis's default `hz`.
pub const DEFAULT_HZ: u32 = 10;
/// Redis's bounds for `hz`.
pub const HZ_RANGE: std::ops::RangeInclusive<u32> = 1..=500;
/// Expired keys one pass reclaims per shard before it lets other work in.
const BUDGET_PER_SHARD: usize = 1024;
/// The longest single sleep (see the module's docs).
const MAX_SLEEP: Duration = Duration::from_secs(1);

thread_local! {
    /// True on a reaper's own thread (which must not wait for itself). A plain flag:
    /// `thread::current()` would allocate on threads Rust did not start (C callers).
    static IN_REAPER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// How writers reach the reaper. Shared by the keyspace and the thread.
pub(crate) struct ReaperSignal {
    /// The clock time (ms) the reaper sleeps towards; a write filing an earlier deadline
    /// wakes it. `u64::MAX` while it runs (every new deadline is reported then); 0 when
    /// there is no reaper (nothing is ever reported).
    wake_at: AtomicU64,
    /// The earliest deadline reported since the reaper last looked (`u64::MAX`: none).
    /// Invariant: written and read under this lock, which the condvar waits on.
    reported: Mutex<u64>,
    ready: Condvar,
    /// Runs per second at most.
    pub hz: AtomicU32,
    /// Runs so far.
    pub cycles: AtomicU64,
    stopped: AtomicBool,
    /// The thread, joined when the cache goes (so that nothing outlives it).
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl ReaperSignal {
    pub fn new(hz: u32) -> Arc<ReaperSignal> {
        Arc::new(ReaperSignal {
            wake_at: AtomicU64::new(0),
            reported: Mutex::new(u64::MAX),
            ready: Condvar::new(),
            hz: AtomicU32::new(hz),
            cycles: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
            thread: Mutex::new(None),
        })
    }

    /// A write filed a deadline (clock ms): wakes the reaper if it sleeps past it.
    #[inline]
    pub fn filed(&self, deadline: u64) {
        if deadline < self.wake_at.load(Relaxed) {
            let mut reported = self.reported.lock();
            *reported = (*reported).min(deadline);
            self.ready.notify_one();
        }
    }

    /// The cache is gone: the reaper exits, and is waited for unless this is its own
    /// thread (which held the last reference for a moment).
    pub fn stop(&self) {
        self.stopped.store(true, Relaxed);
        {
            let _reported = self.reported.lock();
            self.ready.notify_one();
        }
        if let Some(handle) = self.thread.lock().take() {
            if !IN_REAPER.get() {
                let _ = handle.join();
            }
        }
    }
}

/// Starts the reaper of `inner`, which exits once the cache is dropped.
pub(crate) fn spawn(inner: &Arc<Inner>) -> std::io::Result<()> {
    let signal = inner.ks.reaper.clone();
    let weak = Arc::downgrade(inner);
    signal.wake_at.store(u64::MAX, Relaxed);
    let handle = std::thread::Builder::new()
        .name("ferricache-expiry".into())
        .spawn({
            let signal = signal.clone();
            move || run(&weak, &signal)
        })?;
    *signal.thread.lock() = Some(handle);
    Ok(())
}

fn run(weak: &Weak<Inner>, signal: &ReaperSignal) {
    IN_REAPER.set(true);
    loop {
        if signal.stopped.load(Relaxed) {
            return;
        }
        let Some(inner) = weak.upgrade() else { return };
        let ks = &inner.ks;
        signal.wake_at.store(u64::MAX, Relaxed);
        signal.cycles.fetch_add(1, Relaxed);
        ks.expire_all(BUDGET_PER_SHARD);
        let ran_at = ks.now();
        let hint = ks.next_due_hint();
        let clock = ks.clock.clone();
        drop(inner); // the thread must not keep the cache alive while it sleeps
        let period = 1000 / u64::from(signal.hz.load(Relaxed).max(1));
        let mut reported = signal.reported.lock();
        loop {
            let next = hint.unwrap_or(u64::MAX).min(*reported);
            // Not sooner than one period after the last run: at most `hz` runs a second.
            let target = next.max(ran_at + period);
            signal.wake_at.store(target, Relaxed);
            let now = clock.now_ms();
            if signal.stopped.load(Relaxed) || now >= target {
                break;
            }
            if next == u64::MAX {
                signal.ready.wait(&mut reported); // nothing has a TTL: until a write
            } else {
                let sleep = Duration::from_millis(target - now).min(MAX_SLEEP);
                if signal
                    .ready
                    .wait_until(&mut reported, Instant::now() + sleep)
                    .timed_out()
                {
                    break; // due (or a test clock moved by hand): run, then look again
                }
            }
        }
        *reported = u64::MAX;
    }
}
