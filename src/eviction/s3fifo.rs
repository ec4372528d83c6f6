//! S3-FIFO (Yang et al., "FIFO queues are all you need for cache eviction", SOSP 2023).
//!
//! Each shard keeps two FIFO queues, the small and main logs its items are appended to
//! (see [`crate::store::items`]: no per-key links), and a ghost queue of fingerprints:
//! - new keys enter the *small* queue, unless their fingerprint is in the ghost queue (they
//!   were evicted recently from small), in which case they enter *main*;
//! - a read bumps a 2-bit frequency in the item's header (see [`super::on_access`]),
//!   nothing else;
//! - to evict, the small queue is worked while it holds at least 10% of the shard's bytes:
//!   its oldest item moves to main (a copy at main's tail) if it was read at least once,
//!   otherwise it is evicted and its fingerprint goes to the ghost; main works as CLOCK:
//!   an oldest item with frequency > 0 is copied to the tail with frequency - 1, one with
//!   0 is evicted.
//!
//! One eviction looks at [`MAX_STEPS`] items at most, then evicts the oldest at hand: the
//! work any single write does is bounded.

use std::collections::VecDeque;

use hashbrown::HashMap;

use crate::store::items::{Items, Queue};

/// Saturation of the frequency counter.
pub(crate) const MAX_FREQ: u32 = 3;
/// Heads examined by one eviction before it evicts regardless.
const MAX_STEPS: usize = 64;
/// Reads needed in the small queue to be promoted to main.
const PROMOTE_FREQ: u32 = 1;
/// Bytes the ghost queue uses per fingerprint (queue slot and map slot).
pub(crate) const GHOST_BYTES: usize = 24;

/// A victim chosen by [`S3Fifo::victim`]: its id, and whether its fingerprint should be
/// remembered in the ghost queue once it is removed.
pub(crate) struct Victim {
    pub slot: u32,
    pub to_ghost: bool,
}

pub(crate) struct S3Fifo {
    /// Bytes of the entries on the small queue.
    small_bytes: usize,
    ghost: Ghost,
}

impl S3Fifo {
    pub fn new() -> S3Fifo {
        S3Fifo {
            small_bytes: 0,
            ghost: Ghost::default(),
        }
    }

    pub fn clear(&mut self) {
        *self = S3Fifo::new();
    }

    /// The queue a new key enters: main if its fingerprint is in the ghost queue (which
    /// forgets it), else small.
    #[inline]
    pub fn queue_for(&mut self, fingerprint: u32) -> Queue {
        if self.ghost.remove(fingerprint) {
            Queue::Main
        } else {
            Queue::Small
        }
    }

    /// Counts a new entry of `bytes` bytes on queue `q`.
    #[inline]
    pub fn on_add(&mut self, q: Queue, bytes: usize) {
        if q == Queue::Small {
            self.small_bytes += bytes;
        }
    }

    /// Uncounts an entry of `bytes` bytes that is being removed from queue `q`.
    #[inline]
    pub fn on_remove(&mut self, q: Queue, bytes: usize) {
        if q == Queue::Small {
            self.small_bytes -= bytes;
        }
    }

    /// Keeps the small queue's byte count right when an entry changes size.
    pub fn on_resize(&mut self, q: Queue, old: usize, new: usize) {
        if q == Queue::Small {
            self.small_bytes = self.small_bytes - old + new;
        }
    }

    /// Remembers an evicted key's fingerprint, the ghost holding as many as main holds
    /// keys (`main`), at least 16.
    #[inline]
    pub fn remember(&mut self, fingerprint: u32, main: usize) {
        self.ghost.add(fingerprint, main.max(16));
    }

    /// Memory held by the ghost queue.
    pub fn ghost_bytes(&self) -> usize {
        self.ghost.order.len() * GHOST_BYTES
    }

    /// Chooses the next key to evict, never `protect`, moving items between the logs as
    /// the algorithm says. `used` is the shard's byte count; `size` gives a key's bytes.
    pub fn victim(
        &mut self,
        items: &mut Items,
        used: usize,
        protect: u32,
        size: impl Fn(&Items, u32) -> usize,
    ) -> Option<Victim> {
        for _ in 0..MAX_STEPS {
            // (Main's head is looked up only when it decides.)
            let use_small = items.log_len(Queue::Small) > 0
                && (self.small_bytes * 10 >= used
                    || items.log_len(Queue::Main) == 0
                    || items.head(Queue::Main) == Some(protect));
            if use_small {
                let h = items
                    .head_item(Queue::Small)
                    .expect("a log with items has a head");
                let t = h.id();
                if t == protect {
                    if items.log_len(Queue::Small) == 1 {
                        return self.last_resort(items, protect);
                    }
                    items.requeue(t, Queue::Small, h.freq());
                    continue;
                }
                if h.freq() >= PROMOTE_FREQ {
                    self.small_bytes -= size(items, t);
                    items.requeue(t, Queue::Main, 0);
                } else {
                    return Some(Victim {
                        slot: t,
                        to_ghost: true,
                    });
                }
            } else {
                let h = items.head_item(Queue::Main)?;
                let t = h.id();
                if t == protect && items.log_len(Queue::Main) == 1 {
                    return None;
                }
                let f = h.freq();
                if f > 0 && t != protect {
                    items.requeue(t, Queue::Main, f - 1);
                } else if t != protect {
                    return Some(Victim {
                        slot: t,
                        to_ghost: false,
                    });
                } else {
                    items.requeue(t, Queue::Main, f);
                }
            }
        }
        self.last_resort(items, protect)
    }

    fn last_resort(&self, items: &mut Items, protect: u32) -> Option<Victim> {
        [items.head(Queue::Main), items.head(Queue::Small)]
            .into_iter()
            .flatten()
            .find(|&t| t != protect)
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
