//! One stored key, in two parts: what every lookup reads, in one aligned cache line, and
//! what only TTL checks and the eviction queues touch, in an array beside it.

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

/// The part of an entry that a lookup reads: the key and database it matches on, the
/// value it copies out and the policy state it bumps, in one 64-byte line of the slab, so a
/// hit on a key without a TTL reads one line after the index.
#[repr(align(64))]
pub(crate) struct Entry {
    pub key: Key,
    pub value: Value,
    /// The eviction policy's per-key state (S3-FIFO frequency, LRU clock or LFU counter).
    /// Readers update it under the shard's *read* lock, hence atomic; relaxed ordering is
    /// enough because it is a hint, never used to decide correctness.
    pub meta: AtomicU32,
    /// The database (SELECT's number) this key belongs to.
    pub db: u8,
    /// Tells this entry's timers from those of earlier occupants of the same slot (a stale
    /// timer taken for this entry's only refiles it or clears [`TIMER`]: harmless).
    pub gen: u8,
    pub queue: Queue,
    /// [`TTL`] and [`TIMER`], changed only by the shard (see [`super::slab::Slab`]).
    pub(super) flags: u8,
}

/// In [`Entry::flags`]: the key has a deadline, kept in its [`Cold`] part.
pub(super) const TTL: u8 = 1;
/// In [`Entry::flags`]: at least one timer for this entry is filed in the wheel.
pub(super) const TIMER: u8 = 2;

impl Entry {
    /// A new entry, on the small queue, with no TTL and no timer.
    pub fn new(key: Key, value: Value, meta: u32, db: u8, gen: u8) -> Entry {
        Entry {
            key,
            value,
            meta: meta.into(),
            db,
            gen,
            queue: Queue::Small,
            flags: 0,
        }
    }

    /// True if the key has a deadline (read from [`Cold`] only then).
    #[inline]
    pub fn has_ttl(&self) -> bool {
        self.flags & TTL != 0
    }
}

/// The part of an entry that lookups of keys without a TTL never read.
#[derive(Clone, Copy)]
pub(crate) struct Cold {
    /// Absolute deadline in ms since the epoch; 0 when the key has no TTL.
    pub expire_at: u64,
    /// Queue links, changed only under the shard's write lock.
    pub prev: u32,
    pub next: u32,
}

impl Cold {
    pub const EMPTY: Cold = Cold {
        expire_at: 0,
        prev: NIL,
        next: NIL,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hot_part_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<Option<Entry>>(), 64);
        assert_eq!(std::mem::align_of::<Option<Entry>>(), 64);
        assert_eq!(std::mem::size_of::<Cold>(), 16);
    }
}
