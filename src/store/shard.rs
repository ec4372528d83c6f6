//! One lock stripe: a slab of entries, a hash index over it, the eviction queues and the
//! timing wheel of the keys it holds.
//!
//! Entries live in a [`Slab`] and never move while they exist: the index maps a key's hash
//! to its slot, the queues link slots by index, the wheel files slots, and a SCAN cursor is
//! a slot position. That stability is what gives SCAN its guarantee (see [`crate::store`]).

use std::cell::Cell;
use std::collections::VecDeque;
use std::mem;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::Arc;

use bytes::Bytes;

use parking_lot::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::entry::{Cold, Entry};
use super::index::Index;
use super::key::{Key, KeyHasher};
use super::slab::Slab;
use super::snapshot::SnapshotJob;
use crate::blocking::{Take, Waiter};
use crate::config::EvictionPolicy;
use crate::eviction::{self, s3fifo::S3Fifo};
use crate::expiry::wheel::{Timer, Wheel};
use crate::notify::{self, Event};
use crate::value::Value;

/// Bytes of bookkeeping per entry: its slab slot (hot and cold parts) and its share of the
/// index (a 64-byte chunk holds up to 12 keys and the table doubles past 10 a chunk on
/// average: 6.4 bytes a key just before it doubles, 12.8 just after; 8 is charged).
pub(crate) const ENTRY_OVERHEAD: usize =
    mem::size_of::<Option<Entry>>() + mem::size_of::<Cold>() + 8;
/// Bytes of a timer in the wheel, charged to keys with a TTL.
pub(crate) const TIMER_BYTES: usize = mem::size_of::<Timer>();

/// The memory an entry is charged: overhead, key and value bytes, its timer.
pub(crate) fn entry_bytes(e: &Entry) -> usize {
    ENTRY_OVERHEAD
        + e.key.heap_size()
        + e.value.heap_size()
        + if e.has_ttl() { TIMER_BYTES } else { 0 }
}

/// A shard, aligned so that two shards' locks never share a cache line.
#[repr(align(128))]
pub(crate) struct Shard {
    /// Readers (GET, EXISTS, TTL, SCAN) take it shared; every change takes it exclusive.
    /// Invariants kept under it: `index`, `slab`, the queues and the wheel describe
    /// the same set of live entries, and `used`/`volatile` are their exact totals.
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
    index: Index,
    slab: Slab,
    hasher: KeyHasher,
    fifo: S3Fifo,
    wheel: Wheel,
    scratch: Vec<Timer>,
    /// Generation of the next entry created (wrapping).
    next_gen: u8,
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
            index: Index::new(),
            slab: Slab::new(),
            rng: hasher.hash_u64(now_ms) | 1,
            hasher,
            fifo: S3Fifo::new(),
            wheel: Wheel::new(now_ms),
            scratch: Vec::new(),
            next_gen: 0,
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
        let (slab, hasher) = (&self.slab, &self.hasher);
        self.index
            .reserve(more, |j| hasher.hash(slab.entry(j).key.as_bytes()));
        self.slab.reserve(more);
    }

    /// Records a removal for keyspace notifications, when asked to.
    #[inline]
    fn log(&mut self, class: u16, name: &'static str, entry: &Entry) {
        if self.log_removals {
            self.removed.push(Event {
                class,
                name,
                db: entry.db,
                key: bytes::Bytes::copy_from_slice(entry.key.as_bytes()),
            });
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
        self.index.len()
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

    #[inline]
    pub fn find(&self, hash: u64, db: u8, key: &[u8]) -> Option<u32> {
        let slab = &self.slab;
        self.index.find(
            hash,
            // Forced: left to itself, LLVM keeps the compare out of line and spills the
            // probe's state around the call (28 instructions of a GET hit).
            #[inline(always)]
            |i| {
                let e = slab.entry(i);
                e.db == db && e.key.is(key)
            },
        )
    }

    #[inline]
    pub fn entry(&self, i: u32) -> &Entry {
        self.slab.entry(i)
    }

    /// The deadline of live slot `i` in ms since the epoch; 0 if it has none.
    #[inline]
    pub fn expire_at(&self, i: u32) -> u64 {
        self.slab.expire_at(i)
    }

    /// True if live slot `i` is past its deadline.
    #[inline]
    pub fn is_expired(&self, i: u32, now_ms: u64) -> bool {
        self.slab.is_expired(i, now_ms)
    }

    /// Adds a key that is not present; returns its slot.
    pub fn insert(
        &mut self,
        hash: u64,
        db: u8,
        key: &[u8],
        value: Value,
        expire_at: u64,
        meta: u32,
    ) -> u32 {
        let entry = Entry::new(Key::new(key), value, meta, db, self.next_gen);
        let i = self.slab.insert(entry, expire_at);
        self.next_gen = self.next_gen.wrapping_add(1);
        let bytes = entry_bytes(self.slab.entry(i));
        self.count(db, 1, (expire_at != 0) as isize);
        let (slab, hasher) = (&self.slab, &self.hasher);
        self.index
            .insert(hash, i, |j| hasher.hash(slab.entry(j).key.as_bytes()));
        self.fifo.on_insert(&mut self.slab, i, hash as u32, bytes);
        self.used += bytes;
        if expire_at != 0 {
            self.volatile += 1;
            self.file_timer(i);
        }
        i
    }

    /// Files a timer for the entry in slot `i` at its deadline.
    fn file_timer(&mut self, i: u32) {
        self.slab.set_timer(i, true);
        let timer = Timer {
            deadline: self.slab.expire_at(i),
            slot: i,
            gen: self.slab.entry(i).gen,
        };
        self.filed_earliest = self.filed_earliest.min(timer.deadline);
        self.wheel.insert(timer);
    }

    /// A lower bound of the next deadline of this shard's keys (see `Wheel::next_due_hint`).
    pub fn next_due_hint(&self) -> Option<u64> {
        self.wheel.next_due_hint()
    }

    /// Removes the entry in slot `i` and returns it.
    pub fn remove(&mut self, i: u32) -> Entry {
        let hash = self.hasher.hash(self.entry(i).key.as_bytes());
        self.remove_hashed(i, hash)
    }

    /// [`ShardData::remove`] for a caller that has the key's hash at hand.
    fn remove_hashed(&mut self, i: u32, hash: u64) -> Entry {
        let bytes = entry_bytes(self.entry(i));
        self.fifo.on_remove(&mut self.slab, i, bytes);
        let indexed = self.index.remove(hash, i);
        assert!(indexed, "every live slot is indexed");
        // Read in place, before the entry moves out.
        let entry = self.slab.take(i);
        let timed = entry.has_ttl();
        self.count(entry.db, -1, -(timed as isize));
        self.used -= bytes;
        if timed {
            self.volatile -= 1;
        }
        entry
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

    /// Changes an entry through `f`, keeping byte counts and queues in step with whatever
    /// `f` did to its value. The key and database must not change.
    #[inline]
    pub fn update<R>(&mut self, i: u32, f: impl FnOnce(&mut Entry) -> R) -> R {
        let e = self.slab.entry_mut(i);
        let old_bytes = entry_bytes(e);
        let r = f(e);
        let new_bytes = entry_bytes(e);
        self.resized(i, old_bytes, new_bytes);
        r
    }

    #[inline]
    fn resized(&mut self, i: u32, old_bytes: usize, new_bytes: usize) {
        if old_bytes != new_bytes {
            self.used = self.used - old_bytes + new_bytes;
            self.fifo.on_resize(&self.slab, i, old_bytes, new_bytes);
        }
    }

    /// Sets the deadline of live slot `i` (0: none), keeping byte counts, the TTL counts
    /// and the wheel in step.
    #[inline]
    pub fn set_expire(&mut self, i: u32, new_exp: u64) {
        let old_exp = self.slab.expire_at(i);
        if old_exp != new_exp {
            self.set_expire_slow(i, old_exp, new_exp);
        }
    }

    fn set_expire_slow(&mut self, i: u32, old_exp: u64, new_exp: u64) {
        let old_bytes = entry_bytes(self.slab.entry(i));
        self.slab.set_expire_at(i, new_exp);
        self.resized(i, old_bytes, entry_bytes(self.slab.entry(i)));
        {
            let db = self.slab.entry(i).db;
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
            let pending = self.slab.has_timer(i);
            if new_exp != 0 && (!pending || old_exp == 0 || new_exp < old_exp) {
                self.file_timer(i);
            }
        }
    }

    /// True while the wheel holds timers (stale ones included).
    #[inline]
    pub fn has_timers(&self) -> bool {
        !self.wheel.is_empty()
    }

    /// Removes up to `budget` keys whose deadline has passed; returns how many went.
    ///
    /// A fired timer whose slot holds another entry (or none) is stale and dropped; one
    /// whose entry's deadline moved later is filed again at the new deadline; one whose
    /// entry lost its TTL is dropped. When stale timers outnumber the live ones (keys deleted
    /// before their deadline), the wheel is rebuilt from the slab, so its size stays within
    /// a constant factor of the number of keys with a TTL.
    pub fn expire_due(&mut self, now_ms: u64, budget: usize) -> usize {
        if self.wheel.len() > 2 * self.volatile + 1024 {
            self.rebuild_wheel(now_ms);
        }
        let mut due = mem::take(&mut self.scratch);
        self.wheel.advance(now_ms, budget, &mut due);
        let mut removed = 0;
        for t in &due {
            if self
                .slab
                .get(t.slot as usize)
                .is_none_or(|e| e.gen != t.gen)
            {
                continue;
            }
            match self.slab.expire_at(t.slot) {
                0 => self.slab.set_timer(t.slot, false),
                at if at <= now_ms => {
                    let entry = self.remove(t.slot);
                    self.log(notify::EXPIRED, "expired", &entry);
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

    /// Refiles one timer per entry with a TTL, dropping every stale one.
    fn rebuild_wheel(&mut self, now_ms: u64) {
        self.wheel = Wheel::new(now_ms);
        for i in 0..self.slab.len() as u32 {
            match self.slab.get(i as usize) {
                Some(e) if e.has_ttl() => self.file_timer(i),
                Some(_) => self.slab.set_timer(i, false),
                None => {}
            }
        }
    }

    /// Removes `i` if it is past its deadline (lazy expiry); true if it did.
    pub fn expire_if_due(&mut self, i: u32, now_ms: u64) -> bool {
        if self.slab.is_expired(i, now_ms) {
            let entry = self.remove(i);
            self.log(notify::EXPIRED, "expired", &entry);
            self.expired += 1;
            true
        } else {
            false
        }
    }

    /// Evicts one key by `policy`, never the one in slot `protect`; false if no key may go.
    pub fn evict_one(&mut self, policy: EvictionPolicy, protect: u32, now_ms: u64) -> bool {
        let victim = match policy {
            EvictionPolicy::NoEviction => None,
            EvictionPolicy::S3Fifo => {
                let used = self.used;
                self.fifo
                    .victim(&mut self.slab, used, protect, entry_bytes)
                    .map(|v| (v.slot, v.to_ghost))
            }
            _ => self
                .sample_victim(policy, protect, now_ms)
                .map(|i| (i, false)),
        };
        let Some((i, to_ghost)) = victim else {
            return false;
        };
        let hash = self.hasher.hash(self.entry(i).key.as_bytes());
        let entry = self.remove_hashed(i, hash);
        self.log(notify::EVICTED, "evicted", &entry);
        if to_ghost {
            self.fifo.remember(hash as u32);
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
        if self.slab.is_empty() || (volatile_only && self.volatile == 0) {
            return None;
        }
        let eligible = |i: u32, e: &Entry| i != protect && (!volatile_only || e.has_ttl());
        let mut best: Option<(u64, u32)> = None;
        let mut seen = 0;
        for _ in 0..eviction::SAMPLES * 8 {
            let i = (self.next_random() % self.slab.len() as u64) as u32;
            if let Some(e) = self.slab.get(i as usize).filter(|e| eligible(i, e)) {
                let score = eviction::sample_score(e, self.slab.cold(i), policy, now_ms);
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
            // Sparse slab or few volatile keys: walk from a random point to the first one.
            let n = self.slab.len();
            let start = (self.next_random() % n as u64) as usize;
            best = (0..n)
                .map(|k| ((start + k) % n) as u32)
                .find(|&i| self.slab.get(i as usize).is_some_and(|e| eligible(i, e)))
                .map(|i| (0, i));
        }
        best.map(|(_, i)| i)
    }

    /// A random live key's slot in `db`, if any; `seed` is a random number.
    pub fn random_live(&self, db: u8, now_ms: u64, seed: u64) -> Option<u32> {
        let n = self.slab.len();
        if self.len_of(db) == 0 || n == 0 {
            return None;
        }
        let live = |i: usize| {
            self.slab
                .get(i)
                .is_some_and(|e| e.db == db && !self.slab.is_expired(i as u32, now_ms))
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

    /// Visits live entries from slot `from` on, until `count` entries were looked at (or
    /// `count * 10` slots, empty ones included); returns the slot to resume from, or `None`
    /// when the end of the slab was reached.
    pub fn scan(
        &self,
        db: u8,
        from: usize,
        count: usize,
        now_ms: u64,
        mut visit: impl FnMut(&Entry),
    ) -> Option<usize> {
        let mut looked = 0;
        let limit = from.saturating_add(count.saturating_mul(10));
        let mut i = from;
        while i < self.slab.len() && i < limit && looked < count {
            if let Some(e) = self.slab.get(i).filter(|e| e.db == db) {
                looked += 1;
                if !self.slab.is_expired(i as u32, now_ms) {
                    visit(e);
                }
            }
            i += 1;
        }
        (i < self.slab.len()).then_some(i)
    }

    /// Every entry, expired or not, of every database, with its deadline (snapshots).
    pub fn all_entries(&self) -> impl Iterator<Item = (&Entry, u64)> {
        self.slab.iter().map(|(i, e)| (e, self.slab.expire_at(i)))
    }

    /// Every live entry of `db`, for KEYS.
    pub fn live_entries(&self, db: u8, now_ms: u64) -> impl Iterator<Item = &Entry> {
        self.slab
            .iter()
            .filter(move |&(i, e)| e.db == db && !self.slab.is_expired(i, now_ms))
            .map(|(_, e)| e)
    }

    /// Removes every entry of `db` (FLUSHDB); returns their keys, for WATCH.
    pub fn clear_db(&mut self, db: u8, now_ms: u64) -> Vec<Bytes> {
        if self.len_of(db) == self.len() {
            let keys = self
                .slab
                .iter()
                .map(|(_, e)| Bytes::copy_from_slice(e.key.as_bytes()))
                .collect();
            self.clear(now_ms);
            return keys;
        }
        let mut keys = Vec::new();
        for i in 0..self.slab.len() {
            if self.slab.get(i).is_some_and(|e| e.db == db) {
                keys.push(Bytes::copy_from_slice(self.entry(i as u32).key.as_bytes()));
                self.remove(i as u32);
            }
        }
        keys
    }

    /// Exchanges the entries of databases `a` and `b` (SWAPDB); returns the keys of both,
    /// for WATCH.
    pub fn swap_dbs(&mut self, a: u8, b: u8) -> Vec<Bytes> {
        let mut keys = Vec::new();
        for e in self.slab.entries_mut() {
            if e.db == a || e.db == b {
                e.db = if e.db == a { b } else { a };
                keys.push(Bytes::copy_from_slice(e.key.as_bytes()));
            }
        }
        let top = a.max(b) as usize;
        if self.db_len.len() <= top {
            self.db_len.resize(top + 1, DbCount::default());
        }
        self.db_len.swap(a as usize, b as usize);
        keys
    }

    /// Moves the entry in slot `i` to database `db`, where its key must be absent (MOVE).
    pub fn move_to(&mut self, i: u32, db: u8) {
        let (from, volatile) = (self.entry(i).db, self.entry(i).has_ttl() as isize);
        self.slab.entry_mut(i).db = db;
        self.count(from, -1, -volatile);
        self.count(db, 1, volatile);
    }

    pub fn clear(&mut self, now_ms: u64) {
        self.index = Index::new();
        self.slab = Slab::new();
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
        let h = d.hasher.hash(key);
        d.insert(h, 0, key, Value::from_slice(b""), expire_at, 0)
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
    fn entry_layout_stays_compact() {
        // The per-entry overhead quoted in the crate docs; a change here must update them.
        assert_eq!(mem::size_of::<Option<Entry>>(), 64);
        assert_eq!(mem::size_of::<Cold>(), 16);
        assert_eq!(ENTRY_OVERHEAD, 88);
    }
}
