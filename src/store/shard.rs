//! One lock stripe: the items of its keys (see [`super::items`]), the eviction policy's
//! state and the timing wheel.
//!
//! A key keeps its id while it exists, whatever its item does: the wheel files ids, a
//! command holds ids, and a SCAN cursor is an id position. That stability is what gives
//! SCAN its guarantee (see [`crate::store`]).

use std::cell::Cell;
use std::collections::VecDeque;
use std::mem;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::Arc;

use bytes::Bytes;

use parking_lot::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::items::expired;
use super::items::{EntryRef, Items, NewValue, Queue, KEY_OVERHEAD};
use super::key::KeyHasher;
use super::snapshot::SnapshotJob;
use crate::blocking::{Take, Waiter};
use crate::config::EvictionPolicy;
use crate::eviction::{self, s3fifo::S3Fifo};
use crate::expiry::wheel::{Timer, Wheel};
use crate::notify::{self, Event};
use crate::value::Value;

/// Bytes of bookkeeping per entry beyond its key and value: the item's header word, its
/// id slot and its share of the index (see [`super::items::KEY_OVERHEAD`]).
pub(crate) const ENTRY_OVERHEAD: usize = KEY_OVERHEAD + 8;
/// Bytes of a timer in the wheel, charged to keys with a TTL.
pub(crate) const TIMER_BYTES: usize = mem::size_of::<Timer>();

/// The memory a key is charged: its item, what it keeps out of line, its id slot and
/// index share, and its timer.
pub(crate) fn entry_bytes(e: EntryRef<'_>) -> usize {
    e.charged() + if e.has_ttl() { TIMER_BYTES } else { 0 }
}

/// A shard, aligned so that two shards' locks never share a cache line.
#[repr(align(128))]
pub(crate) struct Shard {
    /// Readers (GET, EXISTS, TTL, SCAN) take it shared; every change takes it exclusive.
    /// Invariants kept under it: the items' index, ids and logs and the wheel describe
    /// the same set of live keys, and `used`/`volatile` are their exact totals.
    /// Reached only through [`Shard::read`] and [`Shard::write`], which know about
    /// [`Exclusive`] sections.
    data: RwLock<ShardData>,
    /// A snapshot that began and has not yet copied this shard (see [`super::snapshot`]).
    /// Set under every shard's write lock; taken, and `owed` cleared, under this shard's
    /// lock by whichever comes first: the snapshot's walk (read lock) or the first writer
    /// after the instant (write lock), before it changes anything. So the copy is always
    /// of the state at the instant. `owed` mirrors `Some` so a write checks a flag, not a
    /// mutex; being read and written only under `data`'s lock, it needs no ordering of
    /// its own. The mutex only serializes two snapshots' walks, both under read locks.
    owed: AtomicBool,
    owed_to: Mutex<Option<Arc<SnapshotJob>>>,
}

thread_local! {
    /// The shards that this thread holds write-locked in an [`Exclusive`] section, as the
    /// address range of their slice; `(0, 0)` outside one.
    static HELD: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// Exclusive sections open on any thread: while it is 0, which is nearly always, a lock
/// skips the thread-local lookup of [`HELD`]. A thread that opened a section counted it
/// before it set `HELD`, so it always sees its own count; another thread that sees a
/// stale count only does the lookup for nothing.
static OPEN: AtomicUsize = AtomicUsize::new(0);

/// True while this thread is in an exclusive section (EXEC), where nothing may wait.
pub(crate) fn in_exclusive() -> bool {
    HELD.get() != (0, 0)
}

/// A shard's data under its read lock, or under this thread's exclusive section.
pub(crate) enum ReadGuard<'a> {
    Locked(RwLockReadGuard<'a, ShardData>),
    Held(&'a ShardData),
}

/// A shard's data under its write lock, or under this thread's exclusive section.
pub(crate) enum WriteGuard<'a> {
    Locked(RwLockWriteGuard<'a, ShardData>),
    Held(&'a mut ShardData),
}

impl Deref for ReadGuard<'_> {
    type Target = ShardData;
    #[inline]
    fn deref(&self) -> &ShardData {
        match self {
            ReadGuard::Locked(g) => g,
            ReadGuard::Held(d) => d,
        }
    }
}

impl Deref for WriteGuard<'_> {
    type Target = ShardData;
    #[inline]
    fn deref(&self) -> &ShardData {
        match self {
            WriteGuard::Locked(g) => g,
            WriteGuard::Held(d) => d,
        }
    }
}

impl DerefMut for WriteGuard<'_> {
    #[inline]
    fn deref_mut(&mut self) -> &mut ShardData {
        match self {
            WriteGuard::Locked(g) => g,
            WriteGuard::Held(d) => d,
        }
    }
}

impl Shard {
    pub fn new(hasher: KeyHasher, now_ms: u64) -> Shard {
        Shard {
            data: RwLock::new(ShardData::new(hasher, now_ms)),
            owed: AtomicBool::new(false),
            owed_to: Mutex::new(None),
        }
    }

    /// Marks this shard as owed to `job`; the caller holds every shard's write lock.
    pub(super) fn owe_snapshot(&self, job: &Arc<SnapshotJob>) {
        *self.owed_to.lock() = Some(job.clone());
        self.owed.store(true, Relaxed);
    }

    /// Copies `data` (this shard's, under its lock) into the snapshot it is owed to, if
    /// any.
    #[inline]
    pub(super) fn pay_snapshot(&self, data: &ShardData) {
        if self.owed.load(Relaxed) {
            self.pay_snapshot_slow(data);
        }
    }

    #[cold]
    fn pay_snapshot_slow(&self, data: &ShardData) {
        let job = self.owed_to.lock().take();
        self.owed.store(false, Relaxed);
        if let Some(job) = job {
            job.copy(data);
        }
    }

    /// True if this thread holds this shard in an exclusive section.
    #[inline]
    fn held(&self) -> bool {
        if OPEN.load(Relaxed) == 0 {
            return false;
        }
        let (lo, hi) = HELD.get();
        let at = self as *const Shard as usize;
        at >= lo && at < hi
    }

    /// The data under the read lock (or the exclusive section this thread is in).
    #[inline]
    pub fn read(&self) -> ReadGuard<'_> {
        if self.held() {
            // SAFETY: this thread write-locked the shard for its exclusive section, which
            // outlives this guard (the section ends in the frame that opened it, after the
            // command that asked for this guard has returned). Within one thread, guards on
            // one shard are never held at once: the locking code never nests them either,
            // since it would deadlock; so no `&mut` to this data exists meanwhile.
            ReadGuard::Held(unsafe { &*self.data.data_ptr() })
        } else {
            ReadGuard::Locked(self.data.read())
        }
    }

    /// The data under the write lock (or the exclusive section this thread is in).
    #[inline]
    pub fn write(&self) -> WriteGuard<'_> {
        if self.held() {
            // SAFETY: as in `read`: the lock is held by this thread's exclusive section,
            // and no other guard on this shard is alive on this thread.
            WriteGuard::Held(unsafe { &mut *self.data.data_ptr() })
        } else {
            let data = self.data.write();
            self.pay_snapshot(&data);
            WriteGuard::Locked(data)
        }
    }
}

/// Every shard of a keyspace write-locked by one thread, for EXEC: no other thread's
/// command runs until it is dropped, while this thread's own commands run through
/// [`Shard::read`] and [`Shard::write`] without locking again. Opening one inside another
/// on the same thread is a no-op.
pub(crate) struct Exclusive<'a> {
    /// Released after `HELD` is restored (fields drop after `Drop::drop`).
    _guards: Vec<RwLockWriteGuard<'a, ShardData>>,
    prev: (usize, usize),
    /// False for a section opened inside another, which locked nothing.
    opened: bool,
}

impl<'a> Exclusive<'a> {
    pub fn new(shards: &'a [Shard]) -> Exclusive<'a> {
        let prev = HELD.get();
        if shards.first().is_some_and(Shard::held) {
            return Exclusive {
                _guards: Vec::new(),
                prev,
                opened: false,
            };
        }
        // In ascending order, as every multi-shard write takes them.
        let guards = shards
            .iter()
            .map(|s| {
                let data = s.data.write();
                s.pay_snapshot(&data);
                data
            })
            .collect();
        let lo = shards.as_ptr() as usize;
        OPEN.fetch_add(1, Relaxed);
        HELD.set((lo, lo + std::mem::size_of_val(shards)));
        Exclusive {
            _guards: guards,
            prev,
            opened: true,
        }
    }
}

impl Drop for Exclusive<'_> {
    fn drop(&mut self) {
        HELD.set(self.prev);
        if self.opened {
            OPEN.fetch_sub(1, Relaxed);
        }
    }
}

pub(crate) struct ShardData {
    items: Items,
    fifo: S3Fifo,
    wheel: Wheel,
    scratch: Vec<Timer>,
    /// Entries and entries with a TTL per database (index: the database's number).
    db_len: Vec<DbCount>,
    rng: u64,
    /// Bytes charged to the live entries (ghost queue excluded).
    used: usize,
    /// Live entries with a TTL.
    volatile: usize,
    pub expired: u64,
    pub evicted: u64,
    /// Set by the keyspace while expired and evicted keys are to be reported as events.
    pub log_removals: bool,
    /// The earliest deadline filed since the keyspace last looked (`u64::MAX`: none), for
    /// the active-expiry thread.
    pub filed_earliest: u64,
    /// Keys expired or evicted under the current lock, for keyspace notifications.
    pub removed: Vec<Event>,
    /// Clients blocked on keys of this shard, first come first served.
    blocked: hashbrown::HashMap<Box<[u8]>, VecDeque<Arc<Waiter>>, ahash::RandomState>,
}

impl ShardData {
    fn new(hasher: KeyHasher, now_ms: u64) -> ShardData {
        ShardData {
            items: Items::new(hasher.clone()),
            rng: hasher.hash_u64(now_ms) | 1,
            fifo: S3Fifo::new(),
            wheel: Wheel::new(now_ms),
            scratch: Vec::new(),
            db_len: Vec::new(),
            used: 0,
            volatile: 0,
            expired: 0,
            evicted: 0,
            blocked: Default::default(),
            log_removals: false,
            filed_earliest: u64::MAX,
            removed: Vec::new(),
        }
    }

    /// Makes room for `more` entries at once (a snapshot load knows how many come).
    pub fn reserve(&mut self, more: usize) {
        self.items.reserve(more);
    }

    /// Records the removal of the key with id `i`, before it goes, for keyspace
    /// notifications, when asked to.
    #[inline(always)]
    fn log(&mut self, class: u16, name: &'static str, i: u32) {
        if self.log_removals {
            self.log_slow(class, name, i);
        }
    }

    #[inline(never)]
    fn log_slow(&mut self, class: u16, name: &'static str, i: u32) {
        {
            let e = self.items.entry(i);
            let event = Event {
                class,
                name,
                db: e.db(),
                key: bytes::Bytes::copy_from_slice(e.key()),
            };
            self.removed.push(event);
        }
    }

    /// True if some client waits on a key of this shard (a field test, for push paths).
    #[inline]
    pub fn has_blocked(&self) -> bool {
        !self.blocked.is_empty()
    }

    /// Queues `waiter` on `key` of database `db`.
    pub fn block(&mut self, db: u8, key: &[u8], waiter: Arc<Waiter>) {
        self.blocked
            .entry(blocked_key(db, key))
            .or_default()
            .push_back(waiter);
    }

    /// Removes `waiter` from the queue of `key` in `db`.
    pub fn unblock(&mut self, db: u8, key: &[u8], waiter: &Arc<Waiter>) {
        let bk = blocked_key(db, key);
        if let Some(q) = self.blocked.get_mut(&bk) {
            q.retain(|w| !Arc::ptr_eq(w, waiter));
            if q.is_empty() {
                self.blocked.remove(&bk);
            }
        }
    }

    /// The first waiter on `key` of `db` that `fits` and that this call could claim, taken
    /// off the queue; claimed waiters met on the way (served or timed out elsewhere) are
    /// dropped.
    pub fn next_waiter(
        &mut self,
        db: u8,
        key: &[u8],
        fits: impl Fn(Take) -> bool,
    ) -> Option<Arc<Waiter>> {
        let bk = blocked_key(db, key);
        let q = self.blocked.get_mut(&bk)?;
        q.retain(|w| !w.is_claimed());
        let pos = q.iter().position(|w| fits(w.take) && w.claim());
        let found = pos.and_then(|p| q.remove(p));
        if q.is_empty() {
            self.blocked.remove(&bk);
        }
        found
    }

    /// The keys of `db` that clients wait on (SWAPDB and MOVE wake them when served).
    pub fn blocked_keys(&self, db: u8) -> Vec<Vec<u8>> {
        self.blocked
            .keys()
            .filter(|k| k[0] == db)
            .map(|k| k[1..].to_vec())
            .collect()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Entries of database `db` (expired ones not yet reclaimed included).
    pub fn len_of(&self, db: u8) -> usize {
        self.db_len.get(db as usize).map_or(0, |c| c.keys)
    }

    /// Entries of database `db` that have a TTL.
    pub fn volatile_of(&self, db: u8) -> usize {
        self.db_len.get(db as usize).map_or(0, |c| c.volatile)
    }

    pub fn volatile(&self) -> usize {
        self.volatile
    }

    /// All memory this shard charges: entries plus the ghost queue.
    pub fn bytes(&self) -> usize {
        self.used + self.fifo.ghost_bytes()
    }

    /// The key `key` in `db`, for a read.
    #[inline(always)]
    pub fn find_entry(&self, hash: u64, db: u8, key: &[u8]) -> Option<EntryRef<'_>> {
        self.items.find(hash, db, key)
    }

    /// The id of `key` in `db`, if present.
    #[inline]
    pub fn find(&self, hash: u64, db: u8, key: &[u8]) -> Option<u32> {
        self.items.find(hash, db, key).map(|e| e.id())
    }

    /// The live key with id `i`.
    #[inline]
    pub fn entry(&self, i: u32) -> EntryRef<'_> {
        self.items.entry(i)
    }

    /// The deadline of live key `i` in ms since the epoch; 0 if it has none.
    #[inline]
    pub fn expire_at(&self, i: u32) -> u64 {
        self.items.entry(i).expire_at()
    }

    /// True if live key `i` is past its deadline.
    #[inline]
    pub fn is_expired(&self, i: u32, now_ms: u64) -> bool {
        expired(self.expire_at(i), || now_ms)
    }

    /// The memory key `i` is charged: its item and what it keeps out of line, its timer.
    #[inline]
    fn bytes_of(&self, i: u32) -> usize {
        self.items.charged_with_timer(i, TIMER_BYTES)
    }

    /// Adds a key that is not present; returns its id.
    pub fn insert(
        &mut self,
        hash: u64,
        db: u8,
        key: &[u8],
        value: NewValue<'_>,
        expire_at: u64,
        meta: u32,
    ) -> u32 {
        let q = self.fifo.queue_for(hash as u32);
        let (i, charge) = self.items.insert(hash, db, key, value, expire_at, meta, q);
        let bytes = charge + if expire_at != 0 { TIMER_BYTES } else { 0 };
        self.count(db, 1, (expire_at != 0) as isize);
        self.fifo.on_add(q, bytes);
        self.used += bytes;
        if expire_at != 0 {
            self.volatile += 1;
            self.file_timer(i);
        }
        i
    }

    /// Files a timer for key `i` at its deadline.
    fn file_timer(&mut self, i: u32) {
        self.items.set_timer(i, true);
        let timer = Timer {
            deadline: self.expire_at(i),
            slot: i,
        };
        self.filed_earliest = self.filed_earliest.min(timer.deadline);
        self.wheel.insert(timer);
    }

    /// A lower bound of the next deadline of this shard's keys (see `Wheel::next_due_hint`).
    pub fn next_due_hint(&self) -> Option<u64> {
        self.wheel.next_due_hint()
    }

    /// Removes key `i`.
    pub fn remove(&mut self, i: u32) {
        let hash = self.items.hash_of(i);
        self.remove_hashed(i, hash)
    }

    /// Removes key `i` and returns its value.
    pub fn take(&mut self, i: u32) -> Value {
        let v = self.items.value_of(i);
        self.remove(i);
        v
    }

    /// [`ShardData::remove`] for a caller that has the key's hash at hand.
    fn remove_hashed(&mut self, i: u32, hash: u64) {
        let gone = self.items.remove(i, hash);
        let timed = gone.deadline != 0;
        let bytes = gone.charge + if timed { TIMER_BYTES } else { 0 };
        self.fifo.on_remove(gone.queue, bytes);
        self.count(gone.db, -1, -(timed as isize));
        self.used -= bytes;
        if timed {
            self.volatile -= 1;
        }
    }

    /// Adds `keys` and `volatile` to database `db`'s counts.
    fn count(&mut self, db: u8, keys: isize, volatile: isize) {
        let db = db as usize;
        if self.db_len.len() <= db {
            self.db_len.resize(db + 1, DbCount::default());
        }
        let c = &mut self.db_len[db];
        c.keys = c.keys.wrapping_add_signed(keys);
        c.volatile = c.volatile.wrapping_add_signed(volatile);
    }

    /// Replaces the value of key `i`, keeping byte counts and queues in step.
    #[inline]
    pub fn set_value(&mut self, i: u32, value: NewValue<'_>) {
        let (old, new) = self.items.set_value(i, value);
        if old != new {
            // (The timer's bytes, the rest of the key's charge, stay.)
            self.used = self.used - old + new;
            let q = self.items.entry(i).queue();
            self.fifo.on_resize(q, old, new);
        }
    }

    /// Replaces the value and deadline of key `i` (SET on a key that exists), recording
    /// the write as an access under `policy`.
    #[inline]
    pub fn replace(
        &mut self,
        i: u32,
        value: NewValue<'_>,
        expire_at: u64,
        policy: EvictionPolicy,
        now: u64,
    ) {
        let s3 = policy == EvictionPolicy::S3Fifo;
        let (old, new, old_exp) = self.items.replace(i, value, s3);
        if !s3 {
            eviction::on_access_meta(self.items.meta(i), policy, now);
        }
        if old != new {
            self.used = self.used - old + new;
            let q = self.items.entry(i).queue();
            self.fifo.on_resize(q, old, new);
        }
        if old_exp != expire_at {
            self.set_expire_slow(i, old_exp, expire_at);
        }
    }

    /// Changes the value of key `i` through `f`, keeping byte counts and queues in step
    /// with whatever `f` did to it.
    #[inline]
    pub fn update_value<R>(&mut self, i: u32, f: impl FnOnce(&mut Value) -> R) -> R {
        let old_bytes = self.bytes_of(i);
        let r = self.items.update_value(i, f);
        self.resized(i, old_bytes);
        r
    }

    /// Sets the LRU/LFU word of key `i`.
    pub fn set_meta(&mut self, i: u32, meta: u32) {
        self.items.meta(i).store(meta, Relaxed);
    }

    #[inline]
    fn resized(&mut self, i: u32, old_bytes: usize) {
        let new_bytes = self.bytes_of(i);
        if old_bytes != new_bytes {
            self.used = self.used - old_bytes + new_bytes;
            self.fifo
                .on_resize(self.items.entry(i).queue(), old_bytes, new_bytes);
        }
    }

    /// Sets the deadline of live key `i` (0: none), keeping byte counts, the TTL counts
    /// and the wheel in step.
    #[inline]
    pub fn set_expire(&mut self, i: u32, new_exp: u64) {
        let old_exp = self.expire_at(i);
        if old_exp != new_exp {
            self.set_expire_slow(i, old_exp, new_exp);
        }
    }

    fn set_expire_slow(&mut self, i: u32, old_exp: u64, new_exp: u64) {
        // A deadline that moves keeps the key's charge (its deadline word and timer).
        let moves = old_exp != 0 && new_exp != 0;
        let old_bytes = if moves { 0 } else { self.bytes_of(i) };
        self.items.set_deadline(i, new_exp);
        if !moves {
            self.resized(i, old_bytes);
        }
        let e = self.items.entry(i);
        let (db, pending) = (e.db(), e.has_timer());
        match (old_exp, new_exp) {
            (0, _) => {
                self.volatile += 1;
                self.count(db, 0, 1);
            }
            (_, 0) => {
                self.volatile -= 1;
                self.count(db, 0, -1);
            }
            _ => {}
        }
        // A pending timer that fires before the new deadline files itself again (see
        // `expire_due`), so a TTL that moves later needs no new timer: refreshing a
        // session or re-setting a key leaves one timer per key, not one per write.
        // A deadline that moves earlier, or one whose pending timer's time is unknown
        // (the key was persisted meanwhile), gets a timer of its own.
        if new_exp != 0 && (!pending || old_exp == 0 || new_exp < old_exp) {
            self.file_timer(i);
        }
    }

    /// True while the wheel holds timers (stale ones included).
    #[inline]
    pub fn has_timers(&self) -> bool {
        !self.wheel.is_empty()
    }

    /// Removes up to `budget` keys whose deadline has passed; returns how many went.
    ///
    /// A fired timer whose id is free is stale and dropped; one whose key's deadline moved
    /// later (or whose id now holds another key with a later deadline) is filed again at
    /// that deadline; one whose key has no TTL is dropped. When stale timers outnumber the
    /// live ones (keys deleted before their deadline), the wheel is rebuilt from the keys,
    /// so its size stays within a constant factor of the number of keys with a TTL.
    pub fn expire_due(&mut self, now_ms: u64, budget: usize) -> usize {
        if self.wheel.len() > 2 * self.volatile + 1024 {
            self.rebuild_wheel(now_ms);
        }
        let mut due = mem::take(&mut self.scratch);
        self.wheel.advance(now_ms, budget, &mut due);
        let mut removed = 0;
        for t in &due {
            let Some(e) = self.items.get(t.slot as usize) else {
                continue;
            };
            match e.expire_at() {
                0 => self.items.set_timer(t.slot, false),
                at if at <= now_ms => {
                    self.log(notify::EXPIRED, "expired", t.slot);
                    self.remove(t.slot);
                    removed += 1;
                }
                at if at != t.deadline => {
                    let refiled = Timer { deadline: at, ..*t };
                    self.wheel.insert(refiled);
                }
                // A duplicate timer for a deadline still ahead (the clock went back).
                _ => {}
            }
        }
        due.clear();
        self.scratch = due;
        self.expired += removed as u64;
        removed
    }

    /// Refiles one timer per key with a TTL, dropping every stale one.
    fn rebuild_wheel(&mut self, now_ms: u64) {
        self.wheel = Wheel::new(now_ms);
        for i in 0..self.items.ids() as u32 {
            match self.items.get(i as usize).map(|e| e.has_ttl()) {
                Some(true) => self.file_timer(i),
                Some(false) => self.items.set_timer(i, false),
                None => {}
            }
        }
    }

    /// Removes `i` if it is past its deadline (lazy expiry); true if it did.
    pub fn expire_if_due(&mut self, i: u32, now_ms: u64) -> bool {
        if self.is_expired(i, now_ms) {
            self.log(notify::EXPIRED, "expired", i);
            self.remove(i);
            self.expired += 1;
            true
        } else {
            false
        }
    }

    /// Evicts one key by `policy`, never the one with id `protect`; false if no key may go.
    pub fn evict_one(&mut self, policy: EvictionPolicy, protect: u32, now_ms: u64) -> bool {
        let victim = match policy {
            EvictionPolicy::NoEviction => None,
            EvictionPolicy::S3Fifo => {
                let used = self.used;
                self.fifo
                    .victim(&mut self.items, used, protect, |items, i| {
                        items.charged_with_timer(i, TIMER_BYTES)
                    })
                    .map(|v| (v.slot, v.to_ghost))
            }
            _ => self
                .sample_victim(policy, protect, now_ms)
                .map(|i| (i, false)),
        };
        let Some((i, to_ghost)) = victim else {
            return false;
        };
        let hash = self.items.hash_of(i);
        self.log(notify::EVICTED, "evicted", i);
        self.remove_hashed(i, hash);
        if to_ghost {
            let main = self.items.log_len(Queue::Main);
            self.fifo.remember(hash as u32, main);
        }
        self.evicted += 1;
        true
    }

    fn next_random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }

    /// Redis-style sampling: look at a few random keys, keep the lowest score.
    fn sample_victim(&mut self, policy: EvictionPolicy, protect: u32, now_ms: u64) -> Option<u32> {
        let volatile_only = policy.volatile_only();
        let n = self.items.ids();
        if n == 0 || (volatile_only && self.volatile == 0) {
            return None;
        }
        let eligible = |i: u32, e: &EntryRef<'_>| i != protect && (!volatile_only || e.has_ttl());
        let mut best: Option<(u64, u32)> = None;
        let mut seen = 0;
        for _ in 0..eviction::SAMPLES * 8 {
            let i = (self.next_random() % n as u64) as u32;
            if let Some(e) = self.items.get(i as usize).filter(|e| eligible(i, e)) {
                let score = eviction::sample_score(&e, policy, now_ms);
                if best.is_none_or(|(s, _)| score < s) {
                    best = Some((score, i));
                }
                seen += 1;
                if seen == eviction::SAMPLES {
                    break;
                }
            }
        }
        if best.is_none() {
            // Sparse ids or few volatile keys: walk from a random point to the first one.
            let start = (self.next_random() % n as u64) as usize;
            best = (0..n)
                .map(|k| ((start + k) % n) as u32)
                .find(|&i| self.items.get(i as usize).is_some_and(|e| eligible(i, &e)))
                .map(|i| (0, i));
        }
        best.map(|(_, i)| i)
    }

    /// A random live key's id in `db`, if any; `seed` is a random number.
    pub fn random_live(&self, db: u8, now_ms: u64, seed: u64) -> Option<u32> {
        let n = self.items.ids();
        if self.len_of(db) == 0 || n == 0 {
            return None;
        }
        let live = |i: usize| {
            self.items
                .get(i)
                .is_some_and(|e| e.db() == db && !expired(e.expire_at(), || now_ms))
        };
        let mut x = seed | 1;
        for _ in 0..64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = (x % n as u64) as usize;
            if live(i) {
                return Some(i as u32);
            }
        }
        let start = (x % n as u64) as usize;
        (0..n)
            .map(|k| (start + k) % n)
            .find(|&i| live(i))
            .map(|i| i as u32)
    }

    /// Visits live entries from id `from` on, until `count` entries were looked at (or
    /// `count * 10` ids, free ones included); returns the id to resume from, or `None`
    /// when the end was reached.
    pub fn scan(
        &self,
        db: u8,
        from: usize,
        count: usize,
        now_ms: u64,
        mut visit: impl FnMut(EntryRef<'_>),
    ) -> Option<usize> {
        let mut looked = 0;
        let n = self.items.ids();
        let limit = from.saturating_add(count.saturating_mul(10));
        let mut i = from;
        while i < n && i < limit && looked < count {
            if let Some(e) = self.items.get(i).filter(|e| e.db() == db) {
                looked += 1;
                if !expired(e.expire_at(), || now_ms) {
                    visit(e);
                }
            }
            i += 1;
        }
        (i < n).then_some(i)
    }

    /// Every entry, expired or not, of every database (snapshots).
    pub fn all_entries(&self) -> impl Iterator<Item = EntryRef<'_>> {
        self.items.iter().map(|(_, e)| e)
    }

    /// Every live entry of `db`, for KEYS.
    pub fn live_entries(&self, db: u8, now_ms: u64) -> impl Iterator<Item = EntryRef<'_>> {
        self.items
            .iter()
            .map(|(_, e)| e)
            .filter(move |e| e.db() == db && !expired(e.expire_at(), || now_ms))
    }

    /// Removes every entry of `db` (FLUSHDB); returns their keys, for WATCH.
    pub fn clear_db(&mut self, db: u8, now_ms: u64) -> Vec<Bytes> {
        if self.len_of(db) == self.len() {
            let keys = self
                .items
                .iter()
                .map(|(_, e)| Bytes::copy_from_slice(e.key()))
                .collect();
            self.clear(now_ms);
            return keys;
        }
        let mut keys = Vec::new();
        for i in 0..self.items.ids() {
            if self.items.get(i).is_some_and(|e| e.db() == db) {
                keys.push(Bytes::copy_from_slice(self.entry(i as u32).key()));
                self.remove(i as u32);
            }
        }
        keys
    }

    /// Exchanges the entries of databases `a` and `b` (SWAPDB); returns the keys of both,
    /// for WATCH.
    pub fn swap_dbs(&mut self, a: u8, b: u8) -> Vec<Bytes> {
        let mut keys = Vec::new();
        for i in 0..self.items.ids() as u32 {
            let Some(e) = self.items.get(i as usize) else {
                continue;
            };
            let db = e.db();
            if db == a || db == b {
                keys.push(Bytes::copy_from_slice(e.key()));
                self.items.set_db(i, if db == a { b } else { a });
            }
        }
        let top = a.max(b) as usize;
        if self.db_len.len() <= top {
            self.db_len.resize(top + 1, DbCount::default());
        }
        self.db_len.swap(a as usize, b as usize);
        keys
    }

    /// Moves key `i` to database `db`, where its key must be absent (MOVE).
    pub fn move_to(&mut self, i: u32, db: u8) {
        let e = self.entry(i);
        let (from, volatile) = (e.db(), e.has_ttl() as isize);
        self.items.set_db(i, db);
        self.count(from, -1, -volatile);
        self.count(db, 1, volatile);
    }

    pub fn clear(&mut self, now_ms: u64) {
        self.items.clear();
        self.fifo.clear();
        self.wheel = Wheel::new(now_ms);
        self.used = 0;
        self.volatile = 0;
        self.db_len.clear();
    }
}

/// A database's share of a shard.
#[derive(Clone, Copy, Default)]
struct DbCount {
    keys: usize,
    volatile: usize,
}

/// The key of the blocked-client queue of `key` in `db`.
fn blocked_key(db: u8, key: &[u8]) -> Box<[u8]> {
    let mut k = Vec::with_capacity(key.len() + 1);
    k.push(db);
    k.extend_from_slice(key);
    k.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard() -> ShardData {
        ShardData::new(KeyHasher::new(), 1_000_000)
    }

    fn put(d: &mut ShardData, key: &[u8], expire_at: u64) -> u32 {
        let h = d.items.hasher().hash(key);
        d.insert(h, 0, key, NewValue::Slice(b""), expire_at, 0)
    }

    #[test]
    fn moving_a_deadline_later_files_no_new_timer() {
        let mut d = shard();
        let i = put(&mut d, b"session", 1_060_000);
        for k in 1..10_000u64 {
            d.set_expire(i, 1_060_000 + k);
        }
        assert_eq!(d.wheel.len(), 1);
        // The one timer fires at the first deadline, finds the key extended, refiles.
        assert_eq!(d.expire_due(1_060_000, usize::MAX), 0);
        assert_eq!(d.wheel.len(), 1);
        assert_eq!(d.expire_due(1_069_999, usize::MAX), 1);
        assert_eq!(d.len(), 0);
    }

    #[test]
    fn moving_a_deadline_earlier_fires_at_the_earlier_one() {
        let mut d = shard();
        let i = put(&mut d, b"k", 2_000_000);
        d.set_expire(i, 1_000_500);
        assert_eq!(d.expire_due(1_000_500, usize::MAX), 1);
    }

    #[test]
    fn stale_timers_of_deleted_keys_stay_bounded() {
        let mut d = shard();
        for round in 0..20u32 {
            for k in 0..1000u32 {
                let key = format!("{round}:{k}");
                let i = put(&mut d, key.as_bytes(), 9_000_000);
                d.remove(i);
            }
            d.expire_due(1_000_001, 16);
            assert!(
                d.wheel.len() <= 2 * d.volatile + 1024 + 1000,
                "{} timers",
                d.wheel.len()
            );
        }
        put(&mut d, b"live", 1_500_000);
        d.expire_due(1_000_002, 16);
        assert!(d.wheel.len() <= 1025);
        assert_eq!(d.expire_due(1_500_000, usize::MAX), 1);
    }

    #[test]
    fn entry_overhead_stays_compact() {
        // The per-entry overhead quoted in the crate docs; a change here must update them.
        assert_eq!(KEY_OVERHEAD, 16);
        assert_eq!(ENTRY_OVERHEAD, 24);
    }
}
