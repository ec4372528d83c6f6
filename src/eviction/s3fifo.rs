//! S3-FIFO (Yang et al., "FIFO queues are all you need for cache eviction", SOSP 2023).
//!
//! Each shard keeps two FIFO queues threaded through its slab (`prev`/`next` slot indices
//! in the entries' cold parts, no pointers) and a ghost queue of fingerprints:
//! - new keys enter the *small* queue, unless their fingerprint is in the ghost queue (they
//!   were evicted recently from small), in which case they enter *main*;
//! - a read bumps a 2-bit frequency in the entry (see [`super::on_access`]), nothing else;
//! - to evict, the small queue is worked while it holds at least 10% of the shard's bytes:
//!   its tail moves to main if it was read at least once, otherwise it is evicted and its
//!   fingerprint goes to the ghost; main works as CLOCK: a tail with frequency > 0 is
//!   reinserted at the head with frequency - 1, one with 0 is evicted.
//!
//! One eviction looks at [`MAX_STEPS`] tails at most, then evicts the tail at hand: the work
//! any single write does is bounded.

use std::collections::VecDeque;
use std::sync::atomic::Ordering::Relaxed;

use hashbrown::HashMap;

use crate::store::entry::{Entry, Queue, NIL};
use crate::store::slab::Slab;

/// Saturation of the frequency counter.
pub(crate) const MAX_FREQ: u32 = 3;
/// Tails examined by one eviction before it evicts regardless.
const MAX_STEPS: usize = 64;
/// Reads needed in the small queue to be promoted to main.
const PROMOTE_FREQ: u32 = 1;
/// Bytes the ghost queue uses per fingerprint (queue slot and map slot).
pub(crate) const GHOST_BYTES: usize = 24;

#[derive(Default, Clone, Copy)]
struct List {
    head: u32,
    tail: u32,
    len: usize,
}

impl List {
    const EMPTY: List = List {
        head: NIL,
        tail: NIL,
        len: 0,
    };
}

/// A victim chosen by [`S3Fifo::victim`]: its slot, and whether its fingerprint should be
/// remembered in the ghost queue once it is removed.
pub(crate) struct Victim {
    pub slot: u32,
    pub to_ghost: bool,
}

pub(crate) struct S3Fifo {
    small: List,
    main: List,
    /// Bytes of the entries on the small queue.
    small_bytes: usize,
    ghost: Ghost,
}

impl S3Fifo {
    pub fn new() -> S3Fifo {
        S3Fifo {
            small: List::EMPTY,
            main: List::EMPTY,
            small_bytes: 0,
            ghost: Ghost::default(),
        }
    }

    pub fn clear(&mut self) {
        *self = S3Fifo::new();
    }

    fn list(&mut self, q: Queue) -> &mut List {
        match q {
            Queue::Small => &mut self.small,
            Queue::Main => &mut self.main,
        }
    }

    #[inline]
    fn push_head(&mut self, slab: &mut Slab, i: u32, q: Queue) {
        let list = *self.list(q);
        slab.entry_mut(i).queue = q;
        let links = slab.cold_mut(i);
        links.prev = NIL;
        links.next = list.head;
        if list.head != NIL {
            slab.cold_mut(list.head).prev = i;
        }
        let list = self.list(q);
        list.head = i;
        if list.tail == NIL {
            list.tail = i;
        }
        list.len += 1;
    }

    #[inline]
    fn unlink(&mut self, slab: &mut Slab, i: u32) -> Queue {
        let (prev, next, q) = {
            let links = slab.cold(i);
            (links.prev, links.next, slab.entry(i).queue)
        };
        if prev != NIL {
            slab.cold_mut(prev).next = next;
        } else {
            self.list(q).head = next;
        }
        if next != NIL {
            slab.cold_mut(next).prev = prev;
        } else {
            self.list(q).tail = prev;
        }
        self.list(q).len -= 1;
        q
    }

    /// Links a new entry of `bytes` bytes.
    #[inline]
    pub fn on_insert(&mut self, slab: &mut Slab, i: u32, fingerprint: u32, bytes: usize) {
        if self.ghost.remove(fingerprint) {
            self.push_head(slab, i, Queue::Main);
        } else {
            self.push_head(slab, i, Queue::Small);
            self.small_bytes += bytes;
        }
    }

    /// Unlinks an entry of `bytes` bytes that is being removed.
    #[inline]
    pub fn on_remove(&mut self, slab: &mut Slab, i: u32, bytes: usize) {
        if self.unlink(slab, i) == Queue::Small {
            self.small_bytes -= bytes;
        }
    }

    /// Keeps the small queue's byte count right when an entry changes size.
    pub fn on_resize(&mut self, slab: &Slab, i: u32, old: usize, new: usize) {
        if slab.entry(i).queue == Queue::Small {
            self.small_bytes = self.small_bytes - old + new;
        }
    }

    /// Remembers an evicted key's fingerprint.
    #[inline]
    pub fn remember(&mut self, fingerprint: u32) {
        let cap = self.main.len.max(16);
        self.ghost.add(fingerprint, cap);
    }

    /// Memory held by the ghost queue.
    pub fn ghost_bytes(&self) -> usize {
        self.ghost.order.len() * GHOST_BYTES
    }

    /// Chooses the next key to evict, never `protect`, moving entries between queues as
    /// the algorithm says. `used` is the shard's byte count; `size` gives an entry's bytes.
    pub fn victim(
        &mut self,
        slab: &mut Slab,
        used: usize,
        protect: u32,
        size: impl Fn(&Entry) -> usize,
    ) -> Option<Victim> {
        for _ in 0..MAX_STEPS {
            let use_small = self.small.len > 0
                && (self.small_bytes * 10 >= used
                    || self.main.len == 0
                    || self.main.tail == protect);
            if use_small {
                let t = self.small.tail;
                if t == protect {
                    if self.small.len == 1 {
                        return self.last_resort(protect);
                    }
                    self.unlink(slab, t);
                    self.push_head(slab, t, Queue::Small);
                    continue;
                }
                let e = slab.entry(t);
                if e.meta.load(Relaxed) >= PROMOTE_FREQ {
                    let bytes = size(e);
                    e.meta.store(0, Relaxed);
                    self.unlink(slab, t);
                    self.small_bytes -= bytes;
                    self.push_head(slab, t, Queue::Main);
                } else {
                    return Some(Victim {
                        slot: t,
                        to_ghost: true,
                    });
                }
            } else {
                let t = self.main.tail;
                if t == NIL || (t == protect && self.main.len == 1) {
                    return None;
                }
                let e = slab.entry(t);
                let f = e.meta.load(Relaxed);
                if f > 0 && t != protect {
                    e.meta.store(f - 1, Relaxed);
                } else if t != protect {
                    return Some(Victim {
                        slot: t,
                        to_ghost: false,
                    });
                }
                self.unlink(slab, t);
                self.push_head(slab, t, Queue::Main);
            }
        }
        self.last_resort(protect)
    }

    fn last_resort(&self, protect: u32) -> Option<Victim> {
        [self.main.tail, self.small.tail]
            .into_iter()
            .find(|&t| t != NIL && t != protect)
            .map(|slot| Victim {
                slot,
                to_ghost: false,
            })
    }
}

/// Hashes a fingerprint, already the low half of a key's seeded hash, with one multiply
/// that spreads its bits over the 64 the table uses (another keyed hash would cost two
/// rounds of ahash per eviction for nothing).
#[derive(Default, Clone, Copy)]
struct Spread;

impl std::hash::BuildHasher for Spread {
    type Hasher = SpreadHasher;
    #[inline]
    fn build_hasher(&self) -> SpreadHasher {
        SpreadHasher(0)
    }
}

struct SpreadHasher(u64);

impl std::hash::Hasher for SpreadHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Fingerprints of keys recently evicted from the small queue, oldest first.
#[derive(Default)]
struct Ghost {
    order: VecDeque<(u32, u64)>,
    /// Fingerprint -> sequence number of its newest entry in `order`.
    live: HashMap<u32, u64, Spread>,
    seq: u64,
}

impl Ghost {
    fn add(&mut self, fp: u32, cap: usize) {
        self.seq += 1;
        self.live.insert(fp, self.seq);
        self.order.push_back((fp, self.seq));
        while self.order.len() > cap {
            let (old, seq) = self.order.pop_front().expect("non-empty");
            // One probe: forget the fingerprint only if this was its newest entry.
            if let hashbrown::hash_map::Entry::Occupied(o) = self.live.entry(old) {
                if *o.get() == seq {
                    o.remove();
                }
            }
        }
    }

    fn remove(&mut self, fp: u32) -> bool {
        self.live.remove(&fp).is_some()
    }
}
