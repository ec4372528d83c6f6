//! A shard's entries, by slot: the hot parts in one array of cache lines, the cold parts
//! (deadline, queue links) in a parallel array, and the free slots.
//!
//! Entries never move while they exist: the index maps a key's hash to its slot, the
//! queues link slots by index, the wheel files slots, and a SCAN cursor is a slot position.

use super::entry::{Cold, Entry, TIMER, TTL};

pub(crate) struct Slab {
    /// Invariant: `cold.len() == hot.len()`, and `hot` never ends in an empty slot.
    hot: Vec<Option<Entry>>,
    cold: Vec<Cold>,
    /// Empty slots below the end, for reuse (stale numbers past the end are skipped).
    free: Vec<u32>,
}

/// Whether deadline `at` (ms since the epoch, 0 for none) has passed: the one expiry
/// test, for slots, copies of entries and deadlines about to be set. `now_ms` is called
/// only for a deadline (reading the clock costs about 100 instructions).
#[inline]
pub(crate) fn expired(at: u64, now_ms: impl FnOnce() -> u64) -> bool {
    at != 0 && at <= now_ms()
}

impl Slab {
    pub fn new() -> Slab {
        Slab {
            hot: Vec::new(),
            cold: Vec::new(),
            free: Vec::new(),
        }
    }

    /// Slots, empty ones included.
    #[inline]
    pub fn len(&self) -> usize {
        self.hot.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hot.is_empty()
    }

    pub fn reserve(&mut self, more: usize) {
        self.hot.reserve(more);
        self.cold.reserve(more);
    }

    /// The entry in slot `i`, if any.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&Entry> {
        self.hot.get(i).and_then(Option::as_ref)
    }

    /// The entry in live slot `i`.
    #[inline]
    pub fn entry(&self, i: u32) -> &Entry {
        self.hot[i as usize].as_ref().expect("live slot")
    }

    #[inline]
    pub fn entry_mut(&mut self, i: u32) -> &mut Entry {
        self.hot[i as usize].as_mut().expect("live slot")
    }

    /// The cold part of live slot `i`.
    #[inline]
    pub fn cold(&self, i: u32) -> &Cold {
        &self.cold[i as usize]
    }

    #[inline]
    pub fn cold_mut(&mut self, i: u32) -> &mut Cold {
        &mut self.cold[i as usize]
    }

    /// The deadline of live slot `i` (0: none); the cold part is read only for a key
    /// that has one.
    #[inline]
    pub fn expire_at(&self, i: u32) -> u64 {
        if self.entry(i).has_ttl() {
            self.cold[i as usize].expire_at
        } else {
            0
        }
    }

    #[inline]
    pub fn is_expired(&self, i: u32, now_ms: u64) -> bool {
        expired(self.expire_at(i), || now_ms)
    }

    /// Sets the deadline of live slot `i` (0: none).
    pub fn set_expire_at(&mut self, i: u32, at: u64) {
        self.cold[i as usize].expire_at = at;
        let e = self.entry_mut(i);
        e.flags = if at != 0 {
            e.flags | TTL
        } else {
            e.flags & !TTL
        };
    }

    /// True while a timer for slot `i`'s entry is filed.
    pub fn has_timer(&self, i: u32) -> bool {
        self.entry(i).flags & TIMER != 0
    }

    pub fn set_timer(&mut self, i: u32, filed: bool) {
        let e = self.entry_mut(i);
        e.flags = if filed {
            e.flags | TIMER
        } else {
            e.flags & !TIMER
        };
    }

    /// Stores `entry` with deadline `expire_at` in a free slot, unlinked; returns the slot.
    #[inline]
    pub fn insert(&mut self, mut entry: Entry, expire_at: u64) -> u32 {
        let i = crate::types::slots::claim(&mut self.hot, &mut self.free);
        let cold = Cold {
            expire_at,
            ..Cold::EMPTY
        };
        if self.cold.len() < self.hot.len() {
            self.cold.push(cold);
        } else {
            self.cold[i as usize] = cold;
        }
        if expire_at != 0 {
            entry.flags |= TTL;
        }
        self.hot[i as usize] = Some(entry);
        i
    }

    /// Empties live slot `i`, returning its entry.
    #[inline]
    pub fn take(&mut self, i: u32) -> Entry {
        let entry = self.hot[i as usize].take().expect("live slot");
        if i as usize + 1 == self.hot.len() {
            while matches!(self.hot.last(), Some(None)) {
                self.hot.pop();
            }
            self.cold.truncate(self.hot.len());
        } else {
            self.free.push(i);
        }
        entry
    }

    /// Every live entry with its slot.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Entry)> {
        self.hot
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.as_ref().map(|e| (i as u32, e)))
    }

    /// Every live entry, to change in place (not its deadline or timer).
    pub fn entries_mut(&mut self) -> impl Iterator<Item = &mut Entry> {
        self.hot.iter_mut().flatten()
    }
}
