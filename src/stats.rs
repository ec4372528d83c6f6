//! Counters that are always on. The hot ones (hits, misses, commands) are striped per
//! thread: each thread owns a cache line of its own, so counting is a plain load and store
//! there, neither a shared write nor an atomic read-modify-write. The rest live in the
//! shards, under locks their writers already hold.

use std::cell::Cell;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicBool, AtomicU64};

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
/// The stripe of threads beyond the [`STRIPES`] that own one (and of a thread whose claim
/// was already released at its exit): shared, so bumped with an atomic add.
const SHARED: usize = STRIPES;

/// One thread's counters, alone on its cache line. A command that looks a key up counts
/// in one slot (`COMMAND_HIT` or `COMMAND_MISS`), so the hot path bumps one counter.
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
    /// [`STRIPES`] owned ones, then the [`SHARED`] one.
    stripes: Box<[Stripe]>,
}

/// Which stripes a live thread owns (in every [`Counters`] at once).
///
/// Invariant: at most one thread holds a [`Claim`] on index `k`, and only that thread
/// writes stripe `k` of any `Counters`. So it bumps a counter with a plain load and store,
/// no atomic read-modify-write, and readers lose nothing: they only load. A claim is taken
/// with `Acquire` and given back at thread exit with `Release`, so the next owner's first
/// load sees the last owner's final count.
static OWNED: [AtomicBool; STRIPES] = [const { AtomicBool::new(false) }; STRIPES];

/// A thread's claim on a stripe, released when the thread exits.
struct Claim(usize);

impl Claim {
    /// Claims a free stripe, or settles for [`SHARED`].
    fn take() -> Claim {
        (0..STRIPES)
            .find(|&k| {
                !OWNED[k].load(Relaxed)
                    && OWNED[k]
                        .compare_exchange(false, true, Acquire, Relaxed)
                        .is_ok()
            })
            .map_or(Claim(SHARED), Claim)
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        // Counters bumped later in this thread's exit (other thread-locals' destructors)
        // go to the shared stripe.
        let _ = STRIPE.try_with(|k| k.set(SHARED));
        if self.0 != SHARED {
            OWNED[self.0].store(false, Release);
        }
    }
}

/// Not yet claimed: the first bump claims a stripe.
const UNCLAIMED: usize = usize::MAX;

thread_local! {
    /// This thread's stripe index ([`UNCLAIMED`] at first): a constant-initialized
    /// `Cell`, so the hot path reads it with one load, with no lazy-initialization check.
    static STRIPE: Cell<usize> = const { Cell::new(UNCLAIMED) };
    /// Holds the claim until the thread exits (touched once per thread, by the first bump).
    static CLAIM: Claim = {
        let c = Claim::take();
        let _ = STRIPE.try_with(|k| k.set(c.0));
        c
    };
}

/// This thread's stripe, claiming one first if it has none.
#[cold]
fn claim() -> usize {
    CLAIM.try_with(|c| c.0).unwrap_or(SHARED)
}

impl Counters {
    pub fn new() -> Counters {
        Counters {
            stripes: (0..=STRIPES).map(|_| Stripe::default()).collect(),
        }
    }

    /// Adds one to `slot` of this thread's stripe.
    #[inline]
    fn bump(&self, slot: usize) {
        let mut k = STRIPE.with(Cell::get);
        if k == UNCLAIMED {
            k = claim();
        }
        match k {
            k if k < SHARED => {
                // Only this thread writes stripe `k` (see `OWNED`).
                let c = &self.stripes[k].slots[slot];
                c.store(c.load(Relaxed) + 1, Relaxed);
            }
            _ => {
                self.stripes[SHARED].slots[slot].fetch_add(1, Relaxed);
            }
        }
    }

    /// One command was run.
    #[inline]
    pub fn command(&self) {
        self.bump(COMMAND);
    }

    /// One writing command was run.
    #[inline]
    pub fn write(&self) {
        self.bump(WRITE);
    }

    /// Writing commands over all threads.
    pub fn writes(&self) -> u64 {
        self.stripes
            .iter()
            .map(|s| s.slots[WRITE].load(Relaxed))
            .sum()
    }

    /// A command (if `command`) and a lookup's outcome (if any), as one bump of the
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
        self.bump(slot);
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

    /// More threads than stripes, alive at once and one after another: the owned stripes
    /// are bumped without an atomic add, the rest share one, and no count is lost either
    /// way, nor when a stripe passes to a new thread.
    #[test]
    fn no_count_is_lost_with_more_threads_than_stripes() {
        let c = std::sync::Arc::new(Counters::new());
        let per_thread = 20_000u64;
        for _wave in 0..3 {
            let start = std::sync::Arc::new(std::sync::Barrier::new(STRIPES + 16));
            let threads: Vec<_> = (0..STRIPES + 16)
                .map(|_| {
                    let (c, start) = (c.clone(), start.clone());
                    std::thread::spawn(move || {
                        // Every thread takes its stripe (or the shared one) before any
                        // starts, and keeps it until all are done.
                        c.write();
                        start.wait();
                        for _ in 0..per_thread {
                            c.record(true, Some(true));
                            c.write();
                        }
                        start.wait();
                    })
                })
                .collect();
            for t in threads {
                t.join().unwrap();
            }
        }
        let n = 3 * (STRIPES as u64 + 16) * per_thread;
        assert_eq!(c.totals(), (n, 0, 2 * n + 3 * (STRIPES as u64 + 16)));
        assert!(c.stripes[SHARED].slots[WRITE].load(Relaxed) > 0);
        assert_eq!(c.writes(), n + 3 * (STRIPES as u64 + 16));
    }
}
