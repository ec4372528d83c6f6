//! Counters that are always on: each is a relaxed atomic (or a field under a lock already
//! taken), sharded with the keyspace so that readers on different shards never share a line.

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
