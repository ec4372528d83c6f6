//! One stored key: its value, its deadline and the eviction policy's bookkeeping.

use std::sync::atomic::AtomicU32;

use super::key::Key;
use crate::value::Value;

/// "No slot": the end of a queue.
pub(crate) const NIL: u32 = u32::MAX;

/// Which S3-FIFO queue an entry is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Queue {
    Small,
    Main,
}

pub(crate) struct Entry {
    pub key: Key,
    pub value: Value,
    /// Absolute deadline in ms since the epoch; 0 when the key has no TTL.
    pub expire_at: u64,
    /// The eviction policy's per-key state (S3-FIFO frequency, LRU clock or LFU counter).
    /// Readers update it under the shard's *read* lock, hence atomic; relaxed ordering is
    /// enough because it is a hint, never used to decide correctness.
    pub meta: AtomicU32,
    /// Queue links, changed only under the shard's write lock.
    pub prev: u32,
    pub next: u32,
    pub queue: Queue,
    /// True while at least one timer for this entry is filed in the wheel.
    pub timer: bool,
    /// Tells this entry's timers from those of earlier occupants of the same slot (a stale
    /// timer taken for this entry's only refiles it or clears `timer`: harmless).
    pub gen: u8,
    /// The database (SELECT's number) this key belongs to.
    pub db: u8,
}

impl Entry {
    #[inline]
    pub fn is_expired(&self, now_ms: u64) -> bool {
        self.expire_at != 0 && self.expire_at <= now_ms
    }
}
