//! Counters that are always on. The hot ones (hits, misses, commands) are striped per
//! thread: each thread bumps a cache line of its own, so counting costs a read no shared
//! write. The rest live in the shards, under locks their writers already hold.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicU64, AtomicUsize};

/// A snapshot of the engine's counters, as returned by [`Cache::stats`](crate::Cache::stats).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Stats {
    /// Reads that found their key (Redis's `keyspace_hits`).
    pub hits: u64,
    /// Reads that did not (Redis's `keyspace_misses`).
    pub misses: u64,
    /// Keys stored, expired ones not yet reclaimed included (as DBSIZE).
    pub keys: usize,
    /// Keys that have a TTL.
    pub keys_with_ttl: usize,
    /// Bytes charged to stored keys (see the crate docs for the formula).
    pub used_memory: usize,
    /// Keys removed to respect `max_memory` / `max_entries`.
    pub evictions: u64,
    /// Keys removed because their deadline passed.
    pub expirations: u64,
    /// Commands run.
    pub commands: u64,
    /// Clients waiting in a blocking command (BLPOP, BZPOPMIN, ...).
    pub blocked_clients: usize,
    /// Pub/sub messages not delivered because a subscriber's queue was full.
    pub pubsub_dropped: u64,
    /// Subscribers disconnected for falling behind.
    pub pubsub_disconnected: u64,
    /// Runs of the active-expiry thread (it sleeps while nothing is due).
    pub active_expiry_cycles: u64,
}

impl Stats {
    /// `hits / (hits + misses)`, or 0 before the first read.
    pub fn hit_ratio(&self) -> f64 {
        let total = self.hits + self.misses;
        if total == 0 {
            0.0
        } else {
            self.hits as f64 / total as f64
        }
    }
}

/// One non-empty database's line of INFO keyspace (`db3:keys=2,expires=1,avg_ttl=0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbStats {
    /// The database's number.
    pub db: usize,
    /// Its keys, as its DBSIZE.
    pub keys: usize,
    /// Its keys that have a TTL.
    pub expires: usize,
}

const STRIPES: usize = 64;

/// One thread's counters, alone on its cache line. A command that looks a key up counts
/// in one slot (`COMMAND_HIT` or `COMMAND_MISS`), so the hot path is one atomic add.
#[derive(Default)]
#[repr(align(128))]
struct Stripe {
    slots: [AtomicU64; 6],
}

/// A command without a lookup.
const COMMAND: usize = 0;
/// A lookup that is not a command of its own (one key of several, say).
const HIT: usize = 1;
const MISS: usize = 2;
/// A command whose one lookup hit or missed.
const COMMAND_HIT: usize = 3;
const COMMAND_MISS: usize = 4;
/// A command that may change data (what save rules count, as Redis's `dirty`).
const WRITE: usize = 5;

/// Hits, misses and commands, striped by thread.
pub(crate) struct Counters {
    stripes: Box<[Stripe]>,
}

thread_local! {
    /// This thread's stripe: threads take stripes in turn, so up to 64 never share one.
    static STRIPE: usize = {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        NEXT.fetch_add(1, Relaxed) % STRIPES
    };
}

impl Counters {
    pub fn new() -> Counters {
        Counters {
            stripes: (0..STRIPES).map(|_| Stripe::default()).collect(),
        }
    }

    #[inline]
    fn stripe(&self) -> &Stripe {
        &self.stripes[STRIPE.with(|s| *s)]
    }

    /// One command was run.
    #[inline]
    pub fn command(&self) {
        self.stripe().slots[COMMAND].fetch_add(1, Relaxed);
    }

    /// One writing command was run.
    #[inline]
    pub fn write(&self) {
        self.stripe().slots[WRITE].fetch_add(1, Relaxed);
    }

    /// Writing commands over all threads.
    pub fn writes(&self) -> u64 {
        self.stripes
            .iter()
            .map(|s| s.slots[WRITE].load(Relaxed))
            .sum()
    }

    /// A command (if `command`) and a lookup's outcome (if any), as one atomic add to the
    /// thread's stripe.
    #[inline]
    pub fn record(&self, command: bool, hit: Option<bool>) {
        let slot = match (command, hit) {
            (false, None) => return,
            (true, None) => COMMAND,
            (false, Some(true)) => HIT,
            (false, Some(false)) => MISS,
            (true, Some(true)) => COMMAND_HIT,
            (true, Some(false)) => COMMAND_MISS,
        };
        self.stripe().slots[slot].fetch_add(1, Relaxed);
    }

    /// (hits, misses, commands) over all threads.
    pub fn totals(&self) -> (u64, u64, u64) {
        self.stripes.iter().fold((0, 0, 0), |t, s| {
            let n = |slot: usize| s.slots[slot].load(Relaxed);
            (
                t.0 + n(HIT) + n(COMMAND_HIT),
                t.1 + n(MISS) + n(COMMAND_MISS),
                t.2 + n(COMMAND) + n(COMMAND_HIT) + n(COMMAND_MISS) + n(WRITE),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every combination lands in the totals once: a command with its lookup counts as one
    /// command and one hit or miss, a lookup of a multi-key command as a hit or miss only.
    #[test]
    fn totals_count_commands_and_lookups_apart() {
        let c = Counters::new();
        c.record(true, Some(true));
        c.record(true, Some(false));
        c.record(false, Some(true));
        c.record(false, Some(true));
        c.record(false, Some(false));
        c.record(true, None);
        c.record(false, None);
        c.command();
        assert_eq!(c.totals(), (3, 2, 4));
        let other = std::thread::spawn(move || {
            c.record(true, Some(true));
            c.totals()
        });
        assert_eq!(other.join().unwrap(), (4, 2, 5));
    }
}
