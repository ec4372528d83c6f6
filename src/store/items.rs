//! A shard's keys: each one an item in the shard's segments (see [`super::segments`]),
//! found by hash through the chunked index, which holds item references, and numbered by
//! an id that stays the same while the key exists.
//!
//! A lookup reads the index chunk and then the item: key, value and header together, two
//! dependent cache misses. Items move (to the main log, to a log's tail when cleaning, to
//! a bigger place when a value grows), and then the index and the key's id slot are
//! pointed at the new place; ids never move, so the wheel's timers, SCAN cursors, the
//! sampled eviction policies and a command's handle on a key all use ids.
//!
//! Collections, strings longer than [`MAX_ITEM_VALUE`] and keys longer than
//! [`MAX_ITEM_KEY`] live in a record out of line, whose number the item holds.
//!
//! # The logs
//! New items are appended to the *small* log or the *main* one; S3-FIFO works from each
//! log's head ([`Items::head`], [`Items::requeue`]). A removed or moved item leaves dead
//! words, reclaimed when its log's head passes them, and segments a head has passed are
//! freed whole. When no eviction runs (no bound, or a sampled policy evicting from the
//! middle), [`Items::clean`] moves live head items to their log's tail so that dead words
//! stay under a quarter of the live ones, plus a segment.

use std::collections::VecDeque;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicU32, AtomicU64};

use super::index::Index;
use super::key::KeyHasher;
use super::segments::{
    Header, Segments, DEADLINE, LIVE, LONG_KEY, MAIN, MAX_ITEM_KEY, MAX_ITEM_VALUE, MAX_ITEM_WORDS,
    MAX_SEG_WORDS, OUT, TIMER,
};
use crate::value::{Value, ValueRef};
use bytes::Bytes;

/// Whether deadline `at` (ms since the epoch, 0 for none) has passed: the one expiry
/// test, for keys, copies of entries and deadlines about to be set. `now_ms` is called
/// only for a deadline (reading the clock costs about 100 instructions).
#[inline]
pub(crate) fn expired(at: u64, now_ms: impl FnOnce() -> u64) -> bool {
    at != 0 && at <= now_ms()
}

/// "None": the item of a free id.
pub(crate) const NIL: u32 = u32::MAX;

/// Which S3-FIFO log an item is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Queue {
    Small = 0,
    Main = 1,
}

/// An id's place: its item (NIL when the id is free) and the LRU/LFU policy word.
struct Slot {
    item: u32,
    /// The LRU clock or LFU counter (see [`crate::eviction`]); readers store it under the
    /// shard's read lock, hence atomic (a hint: relaxed).
    meta: AtomicU32,
}

/// What an item keeps out of line.
struct Outside {
    /// A key longer than [`MAX_ITEM_KEY`]; empty (no allocation) for a key in the item.
    key: Box<[u8]>,
    value: Value,
}

/// Bytes a key costs beyond its item: its id slot and its share of the index (a 64-byte
/// chunk holds up to 12 references, and the table doubles past 10 a chunk on average: 6.4
/// bytes a key just before it doubles, 12.8 just after; 8 is charged).
pub(crate) const KEY_OVERHEAD: usize = std::mem::size_of::<Slot>() + 8;
/// Bytes of an out-of-line record, charged to the keys that have one.
pub(crate) const OUTSIDE_BYTES: usize = std::mem::size_of::<Option<Outside>>();

/// What a removed key was (for the shard's counts).
pub(crate) struct Removed {
    pub charge: usize,
    pub db: u8,
    pub deadline: u64,
    pub queue: Queue,
}

#[inline]
fn queue_of(h: Header) -> Queue {
    if h.has(MAIN) {
        Queue::Main
    } else {
        Queue::Small
    }
}

/// One log: segments in order, and the word offset of its head in the first.
#[derive(Default)]
struct Log {
    segs: VecDeque<u32>,
    head: usize,
    /// Live items on this log.
    items: usize,
    /// Words of dead items and fillers on this log that its head has not passed yet.
    dead: usize,
}

/// One shard's keys, changed only under the shard's write lock (readers hold its read
/// lock, and store only to item header words; see [`super::segments`]). Invariants
/// between calls: each id in use points at a live item whose header holds that id, and
/// every other id is free; the index holds exactly the live items' references, each under
/// its key's hash; each log's segments hold its live items and the dead words it counts,
/// and `live_words`/`dead_words` are their totals; a record is referenced by exactly one
/// live item.
pub(crate) struct Items {
    hasher: KeyHasher,
    index: Index,
    seg: Segments,
    slots: Vec<Slot>,
    /// Free ids below the end, for reuse (stale numbers past the end are skipped).
    free: Vec<u32>,
    outside: Vec<Option<Outside>>,
    free_outside: Vec<u32>,
    logs: [Log; 2],
    live_words: usize,
    /// Words of dead items and fillers that no head has passed yet.
    dead_words: usize,
}

/// A value on its way into an item.
pub(crate) enum NewValue<'v> {
    /// Bytes the caller lends: copied in (a long string into a `Bytes` of its own).
    Slice(&'v [u8]),
    /// A `Bytes`: copied in when short, kept (shared) when long.
    Bytes(Bytes),
    /// Any value; a short string's bytes are copied in.
    Value(Value),
}

impl From<Value> for NewValue<'_> {
    #[inline]
    fn from(v: Value) -> Self {
        NewValue::Value(v)
    }
}

impl NewValue<'_> {
    /// The bytes an item keeps, if this is a string short enough.
    #[inline]
    fn inline(&self) -> Option<&[u8]> {
        let s = match self {
            NewValue::Slice(s) => s,
            NewValue::Bytes(b) => &b[..],
            NewValue::Value(v) => v.as_str().ok()?,
        };
        (s.len() <= MAX_ITEM_VALUE).then_some(s)
    }

    /// The value a record keeps.
    fn into_value(self) -> Value {
        match self {
            NewValue::Slice(s) => Value::from_slice(s),
            NewValue::Bytes(b) => Value::string(b),
            NewValue::Value(v) => v,
        }
    }
}

/// The bytes of `key` as the item at `r` holds it.
#[inline(always)]
fn key_at<'a>(seg: &'a Segments, outside: &'a [Option<Outside>], r: u32, h: Header) -> &'a [u8] {
    if h.has(LONG_KEY) {
        let o = outside[record_of(seg, r, h) as usize].as_ref();
        &o.expect("a long key's record").key
    } else {
        &seg.data(r)[..h.klen()]
    }
}

/// The record number an out-of-line item holds.
#[inline(always)]
fn record_of(seg: &Segments, r: u32, h: Header) -> u32 {
    let d = seg.data(r);
    let k = h.klen();
    u32::from_ne_bytes(d[k..k + 4].try_into().expect("4 bytes"))
}

impl Items {
    pub fn new(hasher: KeyHasher) -> Items {
        Items {
            hasher,
            index: Index::new(),
            seg: Segments::new(),
            slots: Vec::new(),
            free: Vec::new(),
            outside: Vec::new(),
            free_outside: Vec::new(),
            logs: Default::default(),
            live_words: 0,
            dead_words: 0,
        }
    }

    /// The hash keys are indexed by.
    #[cfg(test)]
    pub fn hasher(&self) -> &KeyHasher {
        &self.hasher
    }

    /// Keys held.
    #[inline]
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Ids in use or free below the highest used one: the range scans and samples walk.
    #[inline]
    pub fn ids(&self) -> usize {
        self.slots.len()
    }

    pub fn reserve(&mut self, more: usize) {
        let (seg, outside, hasher) = (&self.seg, &self.outside, &self.hasher);
        self.index.reserve(more, |r| {
            hasher.hash(key_at(seg, outside, r, seg.header(r)))
        });
        self.slots.reserve(more);
    }

    /// The key `key` in database `db`, if present: the item the index points at, read
    /// once for the compare and kept for the caller.
    #[inline(always)]
    pub fn find(&self, hash: u64, db: u8, key: &[u8]) -> Option<EntryRef<'_>> {
        let (seg, outside) = (&self.seg, &self.outside);
        let mut hit = None;
        self.index.find(
            hash,
            // Forced: left to itself, LLVM keeps the compare out of line and spills the
            // probe's state around the call.
            #[inline(always)]
            |r| {
                let (hw, h, data) = seg.item(r);
                if h.db() != db {
                    return false;
                }
                let same = if h.has(LONG_KEY) {
                    key_at(seg, outside, r, h) == key
                } else {
                    h.klen() == key.len() && super::key::eq_bytes(&data[..h.klen()], key)
                };
                if same {
                    hit = Some(EntryRef {
                        items: self,
                        r,
                        hw,
                        h,
                        data,
                    });
                }
                same
            },
        );
        hit
    }

    /// The key in item `r`.
    #[inline(always)]
    pub fn at(&self, r: u32) -> EntryRef<'_> {
        let (hw, h, data) = self.seg.item(r);
        EntryRef {
            items: self,
            r,
            hw,
            h,
            data,
        }
    }

    /// The key with id `id`, which must be live.
    #[inline]
    pub fn entry(&self, id: u32) -> EntryRef<'_> {
        self.at(self.slots[id as usize].item)
    }

    /// The key with id `id`, if the id is in use.
    #[inline]
    pub fn get(&self, id: usize) -> Option<EntryRef<'_>> {
        match self.slots.get(id) {
            Some(s) if s.item != NIL => Some(self.at(s.item)),
            _ => None,
        }
    }

    /// Every key, with its id.
    pub fn iter(&self) -> impl Iterator<Item = (u32, EntryRef<'_>)> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.item != NIL)
            .map(|(i, s)| (i as u32, self.at(s.item)))
    }

    /// The hash of the key with id `id`.
    pub fn hash_of(&self, id: u32) -> u64 {
        self.hasher.hash(self.entry(id).key())
    }

    /// Bytes the key with id `id` is charged: its item, its id slot and index share, and
    /// what it keeps out of line; plus `timer`, the shard's cost of a timer, if the key
    /// has a deadline.
    #[inline]
    pub fn charged_with_timer(&self, id: u32, timer: usize) -> usize {
        let r = self.slots[id as usize].item;
        let h = self.seg.header(r);
        let timed = h.has(DEADLINE) && self.seg.deadline(r) != 0;
        self.charge(r, h) + if timed { timer } else { 0 }
    }

    /// Adds `key`, which must be absent, with `value` and deadline `deadline` (0: none)
    /// to log `q`; returns its id and charge (see [`Items::charged_with_timer`]).
    #[allow(clippy::too_many_arguments)]
    pub fn insert(
        &mut self,
        hash: u64,
        db: u8,
        key: &[u8],
        value: NewValue<'_>,
        deadline: u64,
        meta: u32,
        q: Queue,
    ) -> (u32, usize) {
        let id = self.claim_id();
        *self.slots[id as usize].meta.get_mut() = meta;
        let mut flags = if q == Queue::Main { MAIN } else { 0 };
        if deadline != 0 {
            flags |= DEADLINE;
        }
        let long = key.len() > MAX_ITEM_KEY;
        let r = match value.inline() {
            Some(b) if !long => self.put(id, db, key, b, deadline, flags, q),
            _ => {
                let key_out = if long { key.into() } else { Box::default() };
                let n = self.record(Outside {
                    key: key_out,
                    value: value.into_value(),
                });
                let (item_key, more) = if long { (&[][..], LONG_KEY) } else { (key, 0) };
                self.put(
                    id,
                    db,
                    item_key,
                    &n.to_ne_bytes(),
                    deadline,
                    flags | OUT | more,
                    q,
                )
            }
        };
        self.slots[id as usize].item = r;
        let (seg, outside, hasher) = (&self.seg, &self.outside, &self.hasher);
        self.index.insert(hash, r, |r| {
            hasher.hash(key_at(seg, outside, r, seg.header(r)))
        });
        (id, self.charge(r, self.seg.header(r)))
    }

    /// Writes a new item for id `id` at the tail of log `q`: `key`, then `tail` (the value,
    /// or the record number with [`OUT`] in `flags`).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn put(
        &mut self,
        id: u32,
        db: u8,
        key: &[u8],
        tail: &[u8],
        deadline: u64,
        flags: u64,
        q: Queue,
    ) -> u32 {
        let h = Header::new(id, db, key.len(), tail.len(), flags);
        let r = self.append(q, h.words());
        self.seg.write(r, h, deadline, key, tail);
        r
    }

    /// Keeps `o` out of line; returns its record's number.
    fn record(&mut self, o: Outside) -> u32 {
        let n = loop {
            match self.free_outside.pop() {
                Some(n) if (n as usize) < self.outside.len() => break n,
                Some(_) => continue,
                None => {
                    self.outside.push(None);
                    break (self.outside.len() - 1) as u32;
                }
            }
        };
        self.outside[n as usize] = Some(o);
        n
    }

    fn free_record(&mut self, n: u32) -> Outside {
        let o = self.outside[n as usize].take().expect("a record");
        if n as usize + 1 == self.outside.len() {
            while matches!(self.outside.last(), Some(None)) {
                self.outside.pop();
            }
        } else {
            self.free_outside.push(n);
        }
        o
    }

    fn claim_id(&mut self) -> u32 {
        loop {
            match self.free.pop() {
                Some(i) if (i as usize) < self.slots.len() => return i,
                Some(_) => continue,
                None => {
                    self.slots.push(Slot {
                        item: NIL,
                        meta: AtomicU32::new(0),
                    });
                    return (self.slots.len() - 1) as u32;
                }
            }
        }
    }

    fn free_id(&mut self, id: u32) {
        self.slots[id as usize].item = NIL;
        if id as usize + 1 == self.slots.len() {
            while self.slots.last().is_some_and(|s| s.item == NIL) {
                self.slots.pop();
            }
        } else {
            self.free.push(id);
        }
    }

    /// Room for an item of `words` at the tail of log `q`.
    #[inline]
    fn append(&mut self, q: Queue, words: usize) -> u32 {
        let log = &mut self.logs[q as usize];
        let placed = log.segs.back().and_then(|&s| self.seg.place(s, words));
        let (r, pad) = placed.unwrap_or_else(|| {
            let s = self.seg.claim((self.live_words / 8).max(words));
            log.segs.push_back(s);
            self.seg.place(s, words).expect("a new segment has room")
        });
        self.dead_words += pad;
        self.live_words += words;
        log.items += 1;
        log.dead += pad;
        r
    }

    /// Marks the item at `r` dead: its words wait for its log's head.
    #[inline]
    fn kill(&mut self, r: u32) {
        let h = self.seg.header(r);
        self.seg.set_header(r, h.set(LIVE, false));
        let n = h.words();
        self.live_words -= n;
        self.dead_words += n;
        let q = h.has(MAIN) as usize;
        self.logs[q].items -= 1;
        self.logs[q].dead += n;
        if self.logs[q].items == 0 {
            self.drain(q);
        }
    }

    /// Frees every segment of log `q`, which holds no live item.
    fn drain(&mut self, q: usize) {
        let log = std::mem::take(&mut self.logs[q]);
        self.dead_words -= log.dead;
        for s in log.segs {
            self.seg.release(s);
        }
    }

    /// Removes the key with id `id`, whose key hashes to `hash`; returns what it was.
    pub fn remove(&mut self, id: u32, hash: u64) -> Removed {
        let r = self.slots[id as usize].item;
        let h = self.seg.header(r);
        let removed = Removed {
            charge: self.charge(r, h),
            db: h.db(),
            deadline: if h.has(DEADLINE) {
                self.seg.deadline(r)
            } else {
                0
            },
            queue: queue_of(h),
        };
        assert!(self.index.remove(hash, r), "every live item is indexed");
        if h.has(OUT) {
            let n = record_of(&self.seg, r, h);
            self.free_record(n);
        }
        self.kill(r);
        self.free_id(id);
        self.clean_if_sparse();
        removed
    }

    /// A copy of the value of the key with id `id`.
    pub fn value_of(&self, id: u32) -> Value {
        self.entry(id).value().to_value()
    }

    /// Moves the key with id `id` to a new item with header `h` (same id, db and key),
    /// deadline word `deadline` and data tail `tail`, on the log its old item was on.
    fn relocate(&mut self, id: u32, h: Header, deadline: u64, tail: &[u8]) {
        let r = self.slots[id as usize].item;
        let old = self.seg.header(r);
        let mut key = [0u8; MAX_ITEM_KEY];
        let k = old.klen();
        key[..k].copy_from_slice(&self.seg.data(r)[..k]);
        let q = if old.has(MAIN) {
            Queue::Main
        } else {
            Queue::Small
        };
        let to = self.append(q, h.words());
        self.seg.write(to, h, deadline, &key[..k], tail);
        self.repoint(id, r, to);
        self.kill(r);
        self.clean_if_sparse();
    }

    /// Points id `id` and the index from item `from` to item `to`, a copy of it.
    fn repoint(&mut self, id: u32, from: u32, to: u32) {
        self.slots[id as usize].item = to;
        let hash = self
            .hasher
            .hash(key_at(&self.seg, &self.outside, to, self.seg.header(to)));
        assert!(
            self.index.replace(hash, from, to),
            "every live item is indexed"
        );
    }

    /// Replaces the value of the key with id `id`: in place when the item keeps its
    /// length, else in a new item on the same log. Returns the key's charge before and
    /// after (see [`Items::charged_with_timer`]).
    #[inline]
    pub fn set_value(&mut self, id: u32, value: NewValue<'_>) -> (usize, usize) {
        let r = self.slots[id as usize].item;
        let h = self.seg.header(r);
        if let (false, Some(b)) = (h.has(OUT), value.inline()) {
            let nh = h.with_vlen(b.len());
            if nh.words() == h.words() {
                // The common overwrite: same length in words, same charge.
                self.seg.rewrite_value(r, nh, b);
                let c = KEY_OVERHEAD + h.words() * 8;
                return (c, c);
            }
        }
        let old = self.charge(r, h);
        if h.has(OUT) {
            let n = record_of(&self.seg, r, h);
            let o = self.outside[n as usize].as_mut().expect("a record");
            if !o.key.is_empty() || value.inline().is_none() {
                o.value = value.into_value();
                return (old, self.charge(r, h));
            }
            self.free_record(n);
        }
        let nh = match value.inline() {
            Some(b) => {
                let nh = h.with_vlen(b.len()).set(OUT, false);
                self.place_value(id, r, h, nh, b);
                nh
            }
            None => {
                let n = self.record(Outside {
                    key: Box::default(),
                    value: value.into_value(),
                });
                let nh = h.with_vlen(4).set(OUT, true);
                self.place_value(id, r, h, nh, &n.to_ne_bytes());
                nh
            }
        };
        let r = self.slots[id as usize].item;
        (old, self.charge(r, nh))
    }

    /// SET on a key that exists: replaces the value of the key with id `id` as
    /// [`Items::set_value`] does, counting the write as a read for S3-FIFO when `bump`.
    /// Returns the charge before and after, and the key's deadline.
    #[inline]
    pub fn replace(&mut self, id: u32, value: NewValue<'_>, bump: bool) -> (usize, usize, u64) {
        let r = self.slots[id as usize].item;
        let mut h = self.seg.header(r);
        let deadline = if h.has(DEADLINE) {
            self.seg.deadline(r)
        } else {
            0
        };
        if bump {
            h = h.with_freq((h.freq() + 1).min(crate::eviction::s3fifo::MAX_FREQ));
        }
        if let (false, Some(b)) = (h.has(OUT), value.inline()) {
            let nh = h.with_vlen(b.len());
            if nh.words() == h.words() {
                self.seg.rewrite_value(r, nh, b);
                let c = KEY_OVERHEAD + h.words() * 8;
                return (c, c, deadline);
            }
        }
        self.seg.set_header(r, h);
        let (old, new) = self.set_value(id, value);
        (old, new, deadline)
    }

    /// Writes `tail` as the data after the key of item `r` (header `h`), now with header
    /// `nh`: in place if the length in words is the same, else in a new item.
    #[inline]
    fn place_value(&mut self, id: u32, r: u32, h: Header, nh: Header, tail: &[u8]) {
        if nh.words() == h.words() {
            self.seg.rewrite_value(r, nh, tail);
        } else {
            let deadline = if h.has(DEADLINE) {
                self.seg.deadline(r)
            } else {
                0
            };
            self.relocate(id, nh, deadline, tail);
        }
    }

    /// The charge of the key in item `r`, whose header is `h`.
    #[inline(always)]
    fn charge(&self, r: u32, h: Header) -> usize {
        let mut b = KEY_OVERHEAD + h.words() * 8;
        if h.has(OUT) {
            let o = self.outside[record_of(&self.seg, r, h) as usize]
                .as_ref()
                .expect("a record");
            b += OUTSIDE_BYTES + o.key.len() + o.value.heap_size();
        }
        b
    }

    /// Runs `f` on the value of the key with id `id`: in its record if it has one, else on
    /// a copy that is stored back.
    pub fn update_value<R>(&mut self, id: u32, f: impl FnOnce(&mut Value) -> R) -> R {
        let r = self.slots[id as usize].item;
        let h = self.seg.header(r);
        if h.has(OUT) {
            let n = record_of(&self.seg, r, h);
            let o = self.outside[n as usize].as_mut().expect("a record");
            return f(&mut o.value);
        }
        let mut v = self.value_of(id);
        let out = f(&mut v);
        self.set_value(id, NewValue::Value(v));
        out
    }

    /// Sets the deadline of the key with id `id` (0: none).
    pub fn set_deadline(&mut self, id: u32, at: u64) {
        let r = self.slots[id as usize].item;
        let h = self.seg.header(r);
        if h.has(DEADLINE) {
            self.seg.set_deadline(r, at);
        } else if at != 0 {
            let nh = h.set(DEADLINE, true);
            let tail_start = h.klen();
            let mut tail = [0u8; MAX_ITEM_VALUE];
            let d = self.seg.data(r);
            let n = h.vlen();
            tail[..n].copy_from_slice(&d[tail_start..tail_start + n]);
            self.relocate(id, nh, at, &tail[..n]);
        }
    }

    fn set_header(&mut self, id: u32, f: impl FnOnce(Header) -> Header) {
        let r = self.slots[id as usize].item;
        let h = self.seg.header(r);
        self.seg.set_header(r, f(h));
    }

    pub fn set_timer(&mut self, id: u32, filed: bool) {
        self.set_header(id, |h| h.set(TIMER, filed));
    }

    pub fn set_db(&mut self, id: u32, db: u8) {
        self.set_header(id, |h| h.with_db(db));
    }

    /// The LRU/LFU word of the key with id `id`.
    #[inline]
    pub fn meta(&self, id: u32) -> &AtomicU32 {
        &self.slots[id as usize].meta
    }

    /// Live items on log `q`.
    pub fn log_len(&self, q: Queue) -> usize {
        self.logs[q as usize].items
    }

    /// The id of the oldest live item of log `q`; the segments its head passes on the way
    /// are freed.
    #[inline]
    pub fn head(&mut self, q: Queue) -> Option<u32> {
        self.head_item(q).map(|h| h.id())
    }

    /// The header of the oldest live item of log `q` (see [`Items::head`]).
    pub fn head_item(&mut self, q: Queue) -> Option<Header> {
        let log = &mut self.logs[q as usize];
        if log.items == 0 {
            return None;
        }
        loop {
            let s = *log.segs.front().expect("a log with items has segments");
            let (words, fill) = (self.seg.words(s), self.seg.fill(s));
            while log.head < fill {
                let h = Header(words[log.head].load(Relaxed));
                if h.has(LIVE) {
                    return Some(h);
                }
                log.head += h.words();
                log.dead -= h.words();
                self.dead_words -= h.words();
            }
            log.segs.pop_front();
            self.seg.release(s);
            log.head = 0;
        }
    }

    /// Moves the key with id `id` to the tail of log `q` with frequency `freq` (S3-FIFO's
    /// promotion and reinsertion, and cleaning).
    pub fn requeue(&mut self, id: u32, q: Queue, freq: u32) {
        let r = self.slots[id as usize].item;
        let h = self.seg.header(r);
        let nh = h.set(MAIN, q == Queue::Main).with_freq(freq);
        let to = self.append(q, h.words());
        self.seg.copy(r, to, nh);
        self.repoint(id, r, to);
        self.kill(r);
    }

    /// Reclaims dead words when they pass a quarter of the live ones plus a segment.
    #[inline]
    fn clean_if_sparse(&mut self) {
        if self.dead_words > self.live_words / 4 + MAX_SEG_WORDS {
            self.clean(32);
        }
    }

    /// Moves up to `budget` live items from the head of the log with more dead words to
    /// its tail, so that the head passes (and frees) the dead words around them.
    pub fn clean(&mut self, budget: usize) {
        let q = if self.logs[1].dead > self.logs[0].dead {
            Queue::Main
        } else {
            Queue::Small
        };
        for _ in 0..budget {
            // A log's last segment is where items go: cleaning stops short of it.
            if self.logs[q as usize].segs.len() <= 1 {
                break;
            }
            let Some(id) = self.head(q) else { break };
            let h = self.entry(id).h;
            self.requeue(id, q, h.freq());
        }
    }

    /// Words of live items and of dead ones not yet reclaimed.
    #[cfg(test)]
    fn words(&self) -> (usize, usize) {
        (self.live_words, self.dead_words)
    }

    /// Bytes of segment memory held.
    #[cfg(test)]
    fn segment_bytes(&self) -> usize {
        self.seg.bytes()
    }

    /// Drops every key.
    pub fn clear(&mut self) {
        let hasher = self.hasher.clone();
        *self = Items::new(hasher);
    }
}

/// A live key, read under the shard's lock: its item's place and header.
#[derive(Clone, Copy)]
pub(crate) struct EntryRef<'a> {
    items: &'a Items,
    r: u32,
    /// The header word, which a read's frequency bump stores to.
    hw: &'a AtomicU64,
    h: Header,
    /// The item's data: the key (unless long), then the value or the record number.
    data: &'a [u8],
}

impl<'a> EntryRef<'a> {
    #[inline(always)]
    pub fn id(&self) -> u32 {
        self.h.id()
    }

    #[inline(always)]
    pub fn db(&self) -> u8 {
        self.h.db()
    }

    /// Bytes this key is charged beyond its timer (see [`Items::charged_with_timer`]).
    #[inline(always)]
    pub fn charged(&self) -> usize {
        self.items.charge(self.r, self.h)
    }

    #[inline(always)]
    pub fn queue(&self) -> Queue {
        queue_of(self.h)
    }

    /// Records a read for S3-FIFO (under the read lock; see [`Segments::bump_freq`]).
    #[inline(always)]
    pub fn bump_freq(&self) {
        Segments::bump_freq(self.hw, self.h);
    }

    /// The LRU/LFU word.
    #[inline(always)]
    pub fn meta(&self) -> &'a AtomicU32 {
        self.items.meta(self.h.id())
    }

    /// The deadline in ms since the epoch; 0 when the key has none.
    #[inline(always)]
    pub fn expire_at(&self) -> u64 {
        if self.h.has(DEADLINE) {
            self.items.seg.deadline(self.r)
        } else {
            0
        }
    }

    #[inline(always)]
    pub fn has_ttl(&self) -> bool {
        self.expire_at() != 0
    }

    /// True while a timer for this key is filed.
    #[inline(always)]
    pub fn has_timer(&self) -> bool {
        self.h.has(TIMER)
    }

    #[inline(always)]
    pub fn key(&self) -> &'a [u8] {
        if self.h.has(LONG_KEY) {
            &self.record().key
        } else {
            &self.data[..self.h.klen()]
        }
    }

    /// The out-of-line record of an item with [`OUT`].
    #[inline]
    fn record(&self) -> &'a Outside {
        let k = self.h.klen();
        let n = u32::from_ne_bytes(self.data[k..k + 4].try_into().expect("4 bytes"));
        self.items.outside[n as usize].as_ref().expect("a record")
    }

    #[inline(always)]
    pub fn value(&self) -> ValueRef<'a> {
        if self.h.has(OUT) {
            ValueRef::Value(&self.record().value)
        } else {
            ValueRef::Str(&self.data[self.h.klen()..])
        }
    }
}

const _: () = assert!(MAX_ITEM_WORDS <= 64, "Segments::copy's buffer");

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::collections::HashMap;

    /// A seeded xorshift, so a failure replays.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }

        fn range(&mut self, lo: usize, hi: usize) -> usize {
            lo + self.below((hi - lo) as u64) as usize
        }

        fn chance(&mut self, p: f64) -> bool {
            (self.below(1 << 20) as f64) < p * (1 << 20) as f64
        }
    }

    fn items() -> Items {
        Items::new(KeyHasher::new())
    }

    fn value_bytes(v: ValueRef<'_>) -> Vec<u8> {
        v.as_str().expect("a string").to_vec()
    }

    /// Every key, value and deadline read back as a map says, through a random mix of
    /// inserts, overwrites that grow, shrink and move values between inline and out of
    /// line, deadlines set and cleared, long keys, removals and S3-FIFO-style requeues;
    /// dead words stay bounded and the index agrees with the ids throughout.
    #[test]
    fn items_agree_with_a_map() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut s = items();
        // key -> (id, value, deadline)
        let mut model: HashMap<Vec<u8>, (u32, Vec<u8>, u64)> = HashMap::new();
        // (Fewer steps under Miri, which checks the segments' unsafe reads on the way.)
        let steps = if cfg!(miri) { 1_500 } else { 60_000 };
        for step in 0..steps {
            let k = rng.range(0, 400);
            let key = if k % 50 == 0 {
                format!("{k}:{}", "long".repeat(80)).into_bytes()
            } else {
                format!("key:{k}").into_bytes()
            };
            let hash = s.hasher.hash(&key);
            let len = match rng.below(10) {
                0 => rng.range(129, 400),
                1..=3 => rng.range(0, 9),
                _ => rng.range(9, 129),
            };
            let value: Vec<u8> = (0..len).map(|i| (i as u8) ^ (step as u8)).collect();
            let found = s.find(hash, 0, &key).map(|e| e.id());
            assert_eq!(found, model.get(&key).map(|m| m.0), "step {step}");
            match (rng.below(8), found) {
                (0..=2, None) => {
                    let dl = if rng.chance(0.3) { 5_000 + step } else { 0 };
                    let q = if rng.chance(0.5) {
                        Queue::Main
                    } else {
                        Queue::Small
                    };
                    let (id, charge) = s.insert(hash, 0, &key, NewValue::Slice(&value), dl, 0, q);
                    assert_eq!(charge, s.charged_with_timer(id, 0));
                    model.insert(key, (id, value, dl));
                }
                (0..=2, Some(id)) => {
                    s.set_value(id, NewValue::Bytes(Bytes::from(value.clone())));
                    model.get_mut(&key).unwrap().1 = value;
                }
                (3, Some(id)) => {
                    s.remove(id, hash);
                    model.remove(&key);
                }
                (4, Some(id)) => {
                    let dl = if rng.chance(0.5) { 9_000 + step } else { 0 };
                    s.set_deadline(id, dl);
                    model.get_mut(&key).unwrap().2 = dl;
                }
                (5, Some(id)) => {
                    let appended = s.update_value(id, |v| {
                        let b = v.as_str_mut().unwrap();
                        let mut n = b.to_vec();
                        n.extend_from_slice(b"+x");
                        *b = Bytes::from(n);
                        v.settle();
                        v.as_str().unwrap().to_vec()
                    });
                    model.get_mut(&key).unwrap().1 = appended;
                }
                (6, Some(id)) => {
                    let q = if rng.chance(0.5) {
                        Queue::Main
                    } else {
                        Queue::Small
                    };
                    s.requeue(id, q, 1);
                }
                (7, _) => {
                    let q = if rng.chance(0.5) {
                        Queue::Main
                    } else {
                        Queue::Small
                    };
                    if let Some(id) = s.head(q) {
                        s.requeue(id, Queue::Main, 0);
                    }
                }
                _ => {}
            }
            if step % 997 == 0 {
                assert_eq!(s.len(), model.len());
                for (key, (id, value, dl)) in &model {
                    let e = s.entry(*id);
                    assert_eq!(e.key(), &key[..]);
                    assert_eq!(value_bytes(e.value()), *value, "step {step}");
                    assert_eq!(e.expire_at(), *dl);
                    let h = s.hasher.hash(key);
                    assert_eq!(
                        s.find(h, 0, key).map(|e| e.r),
                        Some(s.slots[*id as usize].item)
                    );
                }
                let (live, dead) = s.words();
                assert!(
                    dead <= live / 4 + MAX_SEG_WORDS + 64,
                    "{dead} dead, {live} live"
                );
                assert_eq!(dead, s.logs[0].dead + s.logs[1].dead);
                assert_eq!(s.logs[0].items + s.logs[1].items, model.len());
            }
        }
    }

    #[test]
    fn the_sizes_quoted_in_the_crate_docs() {
        assert_eq!(KEY_OVERHEAD, 16);
        assert_eq!(OUTSIDE_BYTES, 48);
    }

    /// With no removals and no eviction, values that keep changing length leave dead
    /// words behind on every move: cleaning keeps them bounded, and the values intact.
    #[test]
    fn overwrites_that_move_items_do_not_pile_up_dead_words() {
        let mut s = items();
        let n = if cfg!(miri) { 50 } else { 2_000u32 };
        let rounds = if cfg!(miri) { 20 } else { 200u32 };
        let mut ids = Vec::new();
        for k in 0..n {
            let key = format!("key:{k}");
            let h = s.hasher.hash(key.as_bytes());
            ids.push(
                s.insert(
                    h,
                    0,
                    key.as_bytes(),
                    NewValue::Slice(b"v"),
                    0,
                    0,
                    Queue::Small,
                )
                .0,
            );
        }
        for round in 0..rounds {
            let len = if round % 2 == 0 { 100 } else { 3 };
            for (k, &id) in ids.iter().enumerate() {
                s.set_value(id, NewValue::Slice(&vec![k as u8; len]));
            }
            let (live, dead) = s.words();
            assert!(
                dead <= live / 4 + MAX_SEG_WORDS + 64,
                "{dead} dead, {live} live"
            );
        }
        for (k, &id) in ids.iter().enumerate() {
            assert_eq!(value_bytes(s.entry(id).value()), vec![k as u8; 3]);
        }
        let (live, dead) = s.words();
        assert!(s.segment_bytes() <= (live + dead) * 8 * 2 + 4 * MAX_SEG_WORDS * 8);
    }

    /// Readers copy values under the read lock (bumping the frequency in the header, as a
    /// GET does) while a writer keeps replacing them: values that grow, shrink, move
    /// between inline and out of line, gain and lose deadlines and are requeued. Every copy
    /// is one whole value, never a torn mix of two. Under Miri this also checks that no
    /// reader's access races a write (the items' read protocol).
    #[test]
    fn readers_copy_whole_values_while_a_writer_replaces_them() {
        use parking_lot::RwLock;
        use std::sync::atomic::AtomicBool;
        // Value number `n`: its low byte repeated, its length a function of it (up to
        // 200 bytes, so some live out of line).
        fn value(n: u32) -> Vec<u8> {
            vec![n as u8; (usize::from(n as u8) * 37) % 201]
        }
        fn whole(v: &[u8]) -> bool {
            match v.first() {
                None => true,
                Some(&b) => v == value(u32::from(b)),
            }
        }
        let keys: Vec<Vec<u8>> = (0..8).map(|k| format!("key:{k}").into_bytes()).collect();
        let store = RwLock::new(items());
        {
            let mut s = store.write();
            for k in &keys {
                let h = s.hasher.hash(k);
                s.insert(h, 0, k, NewValue::Slice(&value(1)), 0, 0, Queue::Small);
            }
        }
        let rounds = if cfg!(miri) { 60 } else { 20_000u32 };
        let done = AtomicBool::new(false);
        std::thread::scope(|t| {
            for r in 0..2 {
                let (store, keys, done) = (&store, &keys, &done);
                t.spawn(move || {
                    let mut seen = 0u64;
                    while !done.load(Relaxed) || seen == 0 {
                        for k in keys.iter().skip(r) {
                            let s = store.read();
                            let h = s.hasher.hash(k);
                            let e = s.find(h, 0, k).expect("never removed");
                            e.bump_freq();
                            let copy = value_bytes(e.value());
                            assert!(whole(&copy), "a torn read: {copy:?}");
                            seen += 1;
                        }
                    }
                });
            }
            let mut n = 1u32;
            for round in 0..rounds {
                let mut s = store.write();
                for k in &keys {
                    n = n.wrapping_mul(1_103_515_245).wrapping_add(12_345) >> 8;
                    let h = s.hasher.hash(k);
                    let id = s.find(h, 0, k).unwrap().id();
                    match round % 4 {
                        0 | 1 => drop(s.set_value(id, NewValue::Slice(&value(n)))),
                        2 => s.set_deadline(id, if n % 2 == 0 { 0 } else { 1 << 40 }),
                        _ => s.requeue(id, Queue::Main, 0),
                    }
                }
                drop(s);
                std::thread::yield_now();
            }
            done.store(true, Relaxed);
        });
    }

    /// A store that fills and empties over and over frees whole segments, ending with
    /// none in use.
    #[test]
    fn segments_are_freed_whole() {
        let mut s = items();
        for round in 0..5u32 {
            let mut ids = Vec::new();
            for k in 0..if cfg!(miri) { 300 } else { 20_000u32 } {
                let key = format!("{round}:{k}");
                let h = s.hasher.hash(key.as_bytes());
                ids.push((
                    s.insert(
                        h,
                        0,
                        key.as_bytes(),
                        NewValue::Slice(&[1; 40]),
                        0,
                        0,
                        Queue::Small,
                    )
                    .0,
                    h,
                ));
            }
            assert!(s.segment_bytes() >= if cfg!(miri) { 300 } else { 20_000 } * 64);
            for (id, h) in ids {
                s.remove(id, h);
            }
            assert_eq!(s.len(), 0);
            assert_eq!(s.words(), (0, 0));
            assert!(s.logs.iter().all(|l| l.segs.is_empty()));
        }
    }
}
