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

const STRIPES: usize = 64;

/// One thread's counters, alone on its cache line.
#[derive(Default)]
#[repr(align(128))]
struct Stripe {
    hits: AtomicU64,
    misses: AtomicU64,
    commands: AtomicU64,
}

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
        self.stripe().commands.fetch_add(1, Relaxed);
    }

    /// A command (if `command`) and a lookup's outcome (if any), on one visit to the
    /// thread's stripe.
    #[inline]
    pub fn record(&self, command: bool, hit: Option<bool>) {
        let s = self.stripe();
        if command {
            s.commands.fetch_add(1, Relaxed);
        }
        match hit {
            Some(true) => s.hits.fetch_add(1, Relaxed),
            Some(false) => s.misses.fetch_add(1, Relaxed),
            None => 0,
        };
    }

    /// (hits, misses, commands) over all threads.
    pub fn totals(&self) -> (u64, u64, u64) {
        self.stripes.iter().fold((0, 0, 0), |t, s| {
            (
                t.0 + s.hits.load(Relaxed),
                t.1 + s.misses.load(Relaxed),
                t.2 + s.commands.load(Relaxed),
            )
        })
    }
}
