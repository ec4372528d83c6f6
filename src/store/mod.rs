//! The keyspace: a power-of-two number of [`shard::Shard`]s, each a `parking_lot::RwLock`
//! around the items of its keys in segments and a chunked hash index over them
//! (`items.rs`, `segments.rs`, `index.rs`), hashed with ahash.
//!
//! A key is hashed once; bits 32.. of the hash pick the shard and the same hash finds the
//! chunk inside it (the index uses the low bits and the top eight), so no bit does both.
//!
//! # Reads and writes
//! A read takes one shard's read lock, checks the deadline (a word of the item, there only
//! when the key was given one, see [`segments`]), records the access in the item
//! (one relaxed atomic store at most) and copies out what it returns (a string of up to
//! 128 bytes is copied out of the item; a longer one's `Bytes` clone is a reference-count
//! bump). A write takes one shard's write lock,
//! first reclaims a few expired keys of that shard (at most [`EXPIRE_BUDGET`]), applies
//! the command and, when a bound is exceeded, evicts from the same shard before it lets
//! go; only if that shard has nothing to evict does it go on to the others, one at a
//! time, never holding two locks. Commands on several keys lock their shards in ascending
//! order, so no two of them can deadlock.
//!
//! # SCAN
//! A key's id never changes while it exists (its item may move; see [`items`]), so the
//! cursor is simply `shard << 32 | id`: a key present from the first call to the last is returned exactly
//! once, however the tables grow or shrink in between.

pub(crate) mod db;
mod index;
pub(crate) mod items;
pub(crate) mod key;
mod segments;
pub(crate) mod shard;
pub(crate) mod snapshot;
pub(crate) mod watch;

use std::cell::Cell;
use std::sync::atomic::{AtomicU16, AtomicU8};
use std::sync::Arc;

use bytes::Bytes;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::Relaxed;

use crate::clock::Clock;
use crate::config::EvictionPolicy;
use crate::error::{Error, Result};
use crate::eviction;
use crate::notify::{self, Event};
use crate::pubsub::Registry;
use crate::stats::Counters;
use crate::value::Value;
use items::{expired, EntryRef, NewValue, NIL};
use key::KeyHasher;
use shard::{Exclusive, Shard, ShardData, WriteGuard};

/// Expired keys a write reclaims from its shard before it runs.
pub(crate) const EXPIRE_BUDGET: usize = 16;
/// Keys one eviction pass may remove from one shard before moving on.
const EVICT_BATCH: usize = 64;

pub(crate) struct Keyspace {
    shards: Box<[Shard]>,
    /// The number of shards less one (a power of two less one).
    shard_mask: usize,
    hasher: KeyHasher,
    pub clock: std::sync::Arc<dyn Clock>,
    /// Bytes charged to all shards; kept by writers, read to enforce `max_memory`.
    used: AtomicUsize,
    /// Keys in all shards (expired ones not yet reclaimed included, as Redis's DBSIZE).
    entries: AtomicUsize,
    pub max_memory: AtomicUsize,
    pub max_entries: AtomicUsize,
    policy: AtomicU8,
    /// Next shard to take eviction from when the writer's own shard has nothing to give.
    evict_cursor: AtomicUsize,
    pub counters: Counters,
    /// Clients waiting in a blocking command right now.
    pub blocked_clients: AtomicUsize,
    /// Where keyspace notifications are published.
    pub pubsub: Arc<Registry>,
    /// `notify-keyspace-events` flags (see [`crate::notify`]).
    pub notify: AtomicU16,
    /// The keys clients WATCH.
    pub watches: watch::Watches,
    /// How writes wake the active-expiry thread.
    pub reaper: Arc<crate::expiry::reaper::ReaperSignal>,
}

impl Drop for Keyspace {
    fn drop(&mut self) {
        self.reaper.stop();
    }
}

const POLICIES: [EvictionPolicy; 9] = EvictionPolicy::ALL;
/// S3-FIFO's number in `Keyspace::policy`.
const S3FIFO: u8 = POLICIES.len() as u8 - 1;
const _: () = assert!(matches!(POLICIES[S3FIFO as usize], EvictionPolicy::S3Fifo));

/// A write in progress on one shard, with its lock held.
pub(crate) struct Tx<'a> {
    pub data: &'a mut ShardData,
    pub hash: u64,
    /// The database the key is looked up and created in (MOVE switches it).
    pub db: u8,
    clock: &'a dyn Clock,
    /// The time, read from the clock on first use (0: not yet): most writes never need it.
    now: Cell<u64>,
    policy: EvictionPolicy,
    /// The id of the key this write created or changed last; eviction spares it.
    pub written: u32,
    /// Keyspace events of this write, published once the lock is released.
    events: &'a mut Vec<Event>,
    notify: u16,
}

impl Tx<'_> {
    /// Records a keyspace event for `key`, if its class is enabled.
    #[inline]
    pub fn notify(&mut self, class: u16, name: &'static str, key: &[u8]) {
        if notify::collected(self.notify, class) {
            self.events.push(Event {
                class,
                name,
                db: self.db,
                key: Bytes::copy_from_slice(key),
            });
        }
    }

    /// The time of this write, in ms since the epoch.
    #[inline]
    pub fn now(&self) -> u64 {
        match self.now.get() {
            0 => {
                let now = self.clock.now_ms();
                self.now.set(now);
                now
            }
            now => now,
        }
    }

    /// The time if the policy's bookkeeping needs it, else 0.
    #[inline]
    fn policy_now(&self) -> u64 {
        if eviction::needs_time(self.policy) {
            self.now()
        } else {
            0
        }
    }

    /// The id of `key`, if live; removes it first if it is past its deadline.
    pub fn find(&mut self, key: &[u8]) -> Option<u32> {
        let e = self.data.find_entry(self.hash, self.db, key)?;
        let (i, deadline) = (e.id(), e.expire_at());
        if deadline != 0 && self.data.expire_if_due(i, self.now()) {
            None
        } else {
            self.written = i;
            Some(i)
        }
    }

    pub fn entry(&self, i: u32) -> EntryRef<'_> {
        self.data.entry(i)
    }

    /// The deadline of live key `i` (0: none).
    pub fn expire_at(&self, i: u32) -> u64 {
        self.data.expire_at(i)
    }

    /// Adds `key`, which [`Tx::find`] just reported missing.
    pub fn insert<'v>(
        &mut self,
        key: &[u8],
        value: impl Into<NewValue<'v>>,
        expire_at: u64,
    ) -> u32 {
        let meta = eviction::initial_meta(self.policy, self.policy_now());
        let i = self
            .data
            .insert(self.hash, self.db, key, value.into(), expire_at, meta);
        self.written = i;
        self.notify(notify::NEW, "new", key);
        i
    }

    /// Replaces the value (and deadline) of live key `i`; a write counts as an access.
    pub fn replace<'v>(&mut self, i: u32, value: impl Into<NewValue<'v>>, expire_at: u64) {
        let now = self.policy_now();
        self.data
            .replace(i, value.into(), expire_at, self.policy, now);
    }

    pub fn set_expire(&mut self, i: u32, expire_at: u64) {
        self.data.set_expire(i, expire_at);
    }

    /// Replaces the value of key `i` (its deadline stays).
    pub fn set_value<'v>(&mut self, i: u32, value: impl Into<NewValue<'v>>) {
        self.data.set_value(i, value.into())
    }

    /// Changes the value of key `i` through `f`.
    pub fn update<R>(&mut self, i: u32, f: impl FnOnce(&mut Value) -> R) -> R {
        self.data.update_value(i, f)
    }

    /// Sets the LRU/LFU word of key `i` (RESTORE's IDLETIME and FREQ).
    pub fn set_meta(&mut self, i: u32, meta: u32) {
        self.data.set_meta(i, meta)
    }

    pub fn remove(&mut self, i: u32) {
        self.data.remove(i)
    }

    /// Removes key `i`, returning its value.
    pub fn take(&mut self, i: u32) -> Value {
        self.data.take(i)
    }
}

/// A write across several keys with all their shards locked; [`MultiTx::key`] gives the
/// [`Tx`] of one key at a time.
pub(crate) struct MultiTx<'a> {
    guards: Vec<WriteGuard<'a>>,
    /// For each key, the index of its shard's guard.
    slots: Vec<usize>,
    hashes: Vec<u64>,
    dbs: Vec<u8>,
    clock: &'a dyn Clock,
    now: u64,
    policy: EvictionPolicy,
    events: Vec<Event>,
    notify: u16,
}

impl MultiTx<'_> {
    /// The transaction on the `k`-th key given to [`Keyspace::write_many`].
    pub fn key(&mut self, k: usize) -> Tx<'_> {
        Tx {
            data: &mut self.guards[self.slots[k]],
            hash: self.hashes[k],
            db: self.dbs[k],
            clock: self.clock,
            now: Cell::new(self.now),
            policy: self.policy,
            written: NIL,
            events: &mut self.events,
            notify: self.notify,
        }
    }
}

impl Keyspace {
    pub fn new(
        shards: usize,
        clock: std::sync::Arc<dyn Clock>,
        policy: EvictionPolicy,
        max_memory: usize,
        max_entries: usize,
        pubsub: Arc<Registry>,
        notify: u16,
    ) -> Keyspace {
        let hasher = KeyHasher::new();
        let now = clock.now_ms();
        Keyspace {
            watches: Default::default(),
            reaper: crate::expiry::reaper::ReaperSignal::new(crate::expiry::reaper::DEFAULT_HZ),
            shards: (0..shards)
                .map(|_| Shard::new(hasher.clone(), now))
                .collect(),
            shard_mask: shards - 1,
            hasher,
            clock,
            used: AtomicUsize::new(0),
            entries: AtomicUsize::new(0),
            max_memory: AtomicUsize::new(max_memory),
            max_entries: AtomicUsize::new(max_entries),
            policy: AtomicU8::new(POLICIES.iter().position(|&p| p == policy).unwrap() as u8),
            evict_cursor: AtomicUsize::new(0),
            counters: Counters::new(),
            blocked_clients: AtomicUsize::new(0),
            pubsub,
            notify: AtomicU16::new(notify),
        }
    }

    #[inline]
    pub fn policy(&self) -> EvictionPolicy {
        POLICIES[self.policy.load(Relaxed) as usize]
    }

    pub fn set_policy(&self, policy: EvictionPolicy) {
        self.policy.store(
            POLICIES.iter().position(|&p| p == policy).unwrap() as u8,
            Relaxed,
        );
    }

    pub fn shards(&self) -> &[Shard] {
        &self.shards
    }

    #[inline]
    pub fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash(key)
    }

    #[inline]
    pub fn shard_of(&self, hash: u64) -> usize {
        ((hash >> 32) as usize) & self.shard_mask
    }

    pub fn now(&self) -> u64 {
        self.clock.now_ms()
    }

    pub fn used_memory(&self) -> usize {
        self.used.load(Relaxed)
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.entries.load(Relaxed)
    }

    /// Runs `f` on `key`'s live entry (or `None`) under the shard's read lock, as one
    /// command; `lookup` counts it as a keyspace hit or miss. An expired entry found on the
    /// way is reclaimed after the read lock is released.
    #[inline]
    pub fn read<R>(
        &self,
        db: u8,
        key: &[u8],
        lookup: bool,
        f: impl FnOnce(Option<EntryRef<'_>>) -> R,
    ) -> R {
        self.look(db, key, lookup, true, |e| f(e.map(|(e, _)| e)))
    }

    /// As [`Keyspace::read`], with the entry's deadline (0: none).
    #[inline]
    pub fn read_deadline<R>(
        &self,
        db: u8,
        key: &[u8],
        lookup: bool,
        f: impl FnOnce(Option<(EntryRef<'_>, u64)>) -> R,
    ) -> R {
        self.look(db, key, lookup, true, f)
    }

    /// As [`Keyspace::read`], without counting a command (one key of a multi-key read).
    #[inline]
    pub fn peek<R>(
        &self,
        db: u8,
        key: &[u8],
        lookup: bool,
        f: impl FnOnce(Option<EntryRef<'_>>) -> R,
    ) -> R {
        self.look(db, key, lookup, false, |e| f(e.map(|(e, _)| e)))
    }

    #[inline]
    /// The live entry of `key` without recording an access or a lookup (OBJECT, MEMORY
    /// USAGE: looking must not change what eviction sees).
    pub fn inspect<R>(&self, db: u8, key: &[u8], f: impl FnOnce(Option<EntryRef<'_>>) -> R) -> R {
        let hash = self.hash(key);
        let data = self.shards[self.shard_of(hash)].read();
        let now = self.now();
        let live = data
            .find(hash, db, key)
            .filter(|&i| !data.is_expired(i, now))
            .map(|i| data.entry(i));
        f(live)
    }

    fn look<R>(
        &self,
        db: u8,
        key: &[u8],
        lookup: bool,
        command: bool,
        f: impl FnOnce(Option<(EntryRef<'_>, u64)>) -> R,
    ) -> R {
        let hash = self.hash(key);
        let shard = &self.shards[self.shard_of(hash)];
        let data = shard.read();
        let mut now = 0;
        let found = data.find_entry(hash, db, key);
        let was_found = found.is_some();
        // The deadline is read from the item only for a key that has a deadline word.
        let mut deadline = 0;
        let live = found.filter(|e| {
            deadline = e.expire_at();
            if deadline == 0 {
                return true;
            }
            now = self.now();
            !expired(deadline, || now)
        });
        // One visit to this thread's stripe counts both (its lookup is a TLS access).
        self.counters
            .record(command, lookup.then_some(live.is_some()));
        if let Some(e) = &live {
            // The default policy's record of a read is a frequency bump in the item's
            // header, tested first so that a hit's path stays short.
            if self.policy.load(Relaxed) == S3FIFO {
                e.bump_freq();
            } else {
                self.on_access(e, now);
            }
        }
        let expired = was_found && live.is_none();
        let r = f(live.map(|e| (e, deadline)));
        drop(data);
        if expired {
            self.reclaim(db, hash, key);
        }
        r
    }

    /// Records a read of `e` for a policy other than S3-FIFO (`now`: 0 if not read yet).
    #[inline(never)]
    fn on_access(&self, e: &EntryRef<'_>, mut now: u64) {
        let policy = self.policy();
        if now == 0 && eviction::needs_time(policy) {
            now = self.now();
        }
        eviction::on_access(e, policy, now);
    }

    /// Write-locks shard `si`, telling it whether to report expired and evicted keys.
    #[inline]
    fn lock(&self, si: usize) -> WriteGuard<'_> {
        self.lock_flags(si).0
    }

    /// [`Keyspace::lock`], with the notification flags read under the lock.
    #[inline]
    fn lock_flags(&self, si: usize) -> (WriteGuard<'_>, u16) {
        let mut data = self.shards[si].write();
        let flags = self.flags();
        data.log_removals = notify::collected(flags, notify::EXPIRED | notify::EVICTED);
        (data, flags)
    }

    /// The notification flags a write collects events under (with [`notify::WATCHED`]
    /// while some key is watched).
    #[inline]
    fn flags(&self) -> u16 {
        let flags = self.notify.load(Relaxed);
        if self.watches.active() {
            flags | notify::WATCHED
        } else {
            flags
        }
    }

    /// Tells the active-expiry thread of the earliest deadline this write filed.
    #[inline]
    fn report_deadlines(&self, data: &mut ShardData) {
        let earliest = std::mem::replace(&mut data.filed_earliest, u64::MAX);
        if earliest != u64::MAX {
            self.reaper.filed(earliest);
        }
    }

    /// The earliest time any key may be due to expire (a lower bound), if any has a TTL.
    pub fn next_due_hint(&self) -> Option<u64> {
        self.shards
            .iter()
            .filter_map(|s| s.read().next_due_hint())
            .min()
    }

    /// Every shard write-locked by this thread until the result is dropped: the commands
    /// this thread runs meanwhile form one atomic step (EXEC).
    pub fn exclusive(&self) -> Exclusive<'_> {
        Exclusive::new(&self.shards)
    }

    /// Publishes keyspace events collected under a lock that is now released.
    #[inline]
    fn publish(&self, events: Vec<Event>) {
        if !events.is_empty() {
            notify::publish(&self.pubsub, self.notify.load(Relaxed), events);
        }
    }

    /// Removes `key` if it is past its deadline (after a read found it so).
    fn reclaim(&self, db: u8, hash: u64, key: &[u8]) {
        let mut data = self.lock(self.shard_of(hash));
        let now = self.now();
        let before = (data.bytes(), data.len());
        if let Some(i) = data.find(hash, db, key) {
            data.expire_if_due(i, now);
        }
        self.settle(&data, before);
        let removed = std::mem::take(&mut data.removed);
        self.watches.touch(&removed);
        drop(data);
        self.publish(removed);
    }

    /// Adds a shard's change in bytes and keys since `before` to the global totals.
    #[inline]
    fn settle(&self, data: &ShardData, before: (usize, usize)) {
        // Most writes on existing keys change neither total: skip the shared line then.
        let (bytes, len) = (data.bytes(), data.len());
        if bytes > before.0 {
            self.used.fetch_add(bytes - before.0, Relaxed);
        } else if bytes < before.0 {
            self.used.fetch_sub(before.0 - bytes, Relaxed);
        }
        if len > before.1 {
            self.entries.fetch_add(len - before.1, Relaxed);
        } else if len < before.1 {
            self.entries.fetch_sub(before.1 - len, Relaxed);
        }
    }

    #[inline]
    fn over_bound(&self, extra_bytes: usize, extra_keys: usize) -> bool {
        let (mm, me) = (
            self.max_memory.load(Relaxed),
            self.max_entries.load(Relaxed),
        );
        (mm != 0 && self.used.load(Relaxed) + extra_bytes > mm)
            || (me != 0 && self.len() + extra_keys > me)
    }

    /// Makes room for about `keys` more keys across the shards.
    pub fn reserve(&self, keys: usize) {
        let per_shard = keys.div_ceil(self.shards.len());
        for si in 0..self.shards.len() {
            self.lock(si).reserve(per_shard);
        }
    }

    /// Runs a write on `key`'s shard. `grow` estimates the bytes the write may add: with
    /// `noeviction` a write that would cross `max_memory` fails with OOM before it runs, and
    /// a value larger than `max_memory` itself is refused under every policy.
    pub fn write<R>(
        &self,
        db: u8,
        key: &[u8],
        grow: usize,
        f: impl FnOnce(&mut Tx) -> Result<R>,
    ) -> Result<R> {
        let hash = self.hash(key);
        let si = self.shard_of(hash);
        let policy = self.policy();
        self.admit(grow, policy)?;
        self.counters.write();
        let (mut data, flags) = self.lock_flags(si);
        let before = (data.bytes(), data.len());
        let mut events = Vec::new();
        let mut tx = Tx {
            data: &mut data,
            hash,
            db,
            clock: &*self.clock,
            now: Cell::new(0),
            policy,
            written: NIL,
            events: &mut events,
            notify: flags,
        };
        if tx.data.has_timers() {
            let now = tx.now();
            tx.data.expire_due(now, EXPIRE_BUDGET);
        }
        let result = f(&mut tx);
        let (protect, now) = (tx.written, tx.policy_now());
        self.report_deadlines(&mut data);
        let still_over = self.evict_local(&mut data, before, protect, now, policy);
        self.settle(&data, before);
        if !data.removed.is_empty() {
            events.append(&mut data.removed);
        }
        if !events.is_empty() {
            self.watches.touch(&events);
        }
        drop(data);
        self.publish(events);
        if still_over {
            self.evict_global(si, self.now(), Some((si, protect)));
        }
        result
    }

    /// Runs `f` with the write locks of every shard that `keys` hash to, taken in ascending
    /// shard order, so that the whole batch is atomic.
    pub fn write_many<R>(
        &self,
        keys: &[(u8, &[u8])],
        grow: usize,
        f: impl FnOnce(&mut MultiTx) -> Result<R>,
    ) -> Result<R> {
        let policy = self.policy();
        self.admit(grow, policy)?;
        let hashes: Vec<u64> = keys.iter().map(|k| self.hash(k.1)).collect();
        let mut ids: Vec<usize> = hashes.iter().map(|&h| self.shard_of(h)).collect();
        ids.sort_unstable();
        ids.dedup();
        self.counters.write();
        let guards: Vec<WriteGuard> = ids.iter().map(|&i| self.lock(i)).collect();
        let now = self.now();
        let befores: Vec<(usize, usize)> = guards.iter().map(|g| (g.bytes(), g.len())).collect();
        let mut multi = MultiTx {
            slots: hashes
                .iter()
                .map(|&h| ids.binary_search(&self.shard_of(h)).expect("locked"))
                .collect(),
            guards,
            hashes,
            dbs: keys.iter().map(|k| k.0).collect(),
            clock: &*self.clock,
            now,
            policy,
            events: Vec::new(),
            notify: self.flags(),
        };
        let result = f(&mut multi);
        for g in multi.guards.iter_mut() {
            self.report_deadlines(g);
        }
        let mut still_over = false;
        for (g, before) in multi.guards.iter_mut().zip(&befores) {
            still_over |= self.evict_local(g, *before, NIL, now, policy);
        }
        for (g, before) in multi.guards.iter().zip(&befores) {
            self.settle(g, *before);
        }
        let mut events = std::mem::take(&mut multi.events);
        for g in multi.guards.iter_mut() {
            events.append(&mut g.removed);
        }
        self.watches.touch(&events);
        drop(multi);
        self.publish(events);
        if still_over {
            self.evict_global(ids[0], now, None);
        }
        result
    }

    /// Refuses a write that may add memory (`grow > 0`) and cannot fit: OOM for values
    /// beyond `max_memory`, for any growth under `noeviction` past a bound, and when the
    /// cache is over its bound and nothing can be evicted (a `volatile-*` policy with no
    /// volatile keys).
    #[inline]
    fn admit(&self, grow: usize, policy: EvictionPolicy) -> Result<()> {
        // Writes that cannot add memory (DEL, EXPIRE, PERSIST, RENAME, ...) always run.
        if grow == 0 {
            return Ok(());
        }
        let mm = self.max_memory.load(Relaxed);
        if mm != 0 && grow > mm {
            return Err(Error::OutOfMemory);
        }
        if policy == EvictionPolicy::NoEviction {
            // The write may add a key: at the entry bound it is refused.
            if self.over_bound(grow, 1) {
                return Err(Error::OutOfMemory);
            }
        } else if self.over_bound(0, 0) && !self.evict_global(0, self.now(), None) {
            return Err(Error::OutOfMemory);
        }
        Ok(())
    }

    /// Evicts from the locked shard while the global totals plus this shard's change are
    /// over a bound; returns true if still over (this shard had nothing more to give).
    #[inline]
    fn evict_local(
        &self,
        data: &mut ShardData,
        before: (usize, usize),
        protect: u32,
        now: u64,
        policy: EvictionPolicy,
    ) -> bool {
        if policy == EvictionPolicy::NoEviction {
            return false;
        }
        let (mm, me) = (
            self.max_memory.load(Relaxed),
            self.max_entries.load(Relaxed),
        );
        if mm == 0 && me == 0 {
            return false;
        }
        let over = |d: &ShardData| {
            let used = (self.used.load(Relaxed) + d.bytes()).saturating_sub(before.0);
            let len = (self.len() + d.len()).saturating_sub(before.1);
            (mm != 0 && used > mm) || (me != 0 && len > me)
        };
        while over(data) {
            if !data.evict_one(policy, protect, now) {
                return true;
            }
        }
        false
    }

    /// Evicts from the shards in turn, starting after `from`, until under the bounds, never
    /// the slot `protect` names (shard, slot); false if every shard was tried and the cache
    /// is still over.
    fn evict_global(&self, from: usize, now: u64, protect: Option<(usize, u32)>) -> bool {
        let policy = self.policy();
        let n = self.shards.len();
        let start = from + self.evict_cursor.fetch_add(1, Relaxed);
        let mut fruitless = 0;
        let mut k = 0;
        while self.over_bound(0, 0) {
            if fruitless >= n {
                return false;
            }
            let si = (start + k) % n;
            let mut guard = self.lock(si);
            let data = &mut *guard;
            k += 1;
            let spare = protect.filter(|p| p.0 == si).map_or(NIL, |p| p.1);
            let mut evicted = 0;
            while evicted < EVICT_BATCH && self.over_bound(0, 0) {
                let (b, l) = (data.bytes(), data.len());
                if !data.evict_one(policy, spare, now) {
                    break;
                }
                evicted += 1;
                // Publish each eviction so the loop condition sees it.
                self.used.fetch_sub(b - data.bytes(), Relaxed);
                self.entries.fetch_sub(l - data.len(), Relaxed);
            }
            fruitless = if evicted == 0 { fruitless + 1 } else { 0 };
            let removed = std::mem::take(&mut data.removed);
            self.watches.touch(&removed);
            drop(guard);
            self.publish(removed);
        }
        true
    }

    /// Runs `f` on the shard of `key` under its write lock, without counting a command or
    /// checking bounds: for bookkeeping that adds no data (blocked-client queues).
    pub fn with_shard<R>(&self, key: &[u8], f: impl FnOnce(&mut ShardData) -> R) -> R {
        let shard = &self.shards[self.shard_of(self.hash(key))];
        f(&mut shard.write())
    }

    /// Reclaims expired keys on every shard, at most `budget` per shard (`usize::MAX`: all).
    pub fn expire_all(&self, budget: usize) -> usize {
        let now = self.now();
        let mut total = 0;
        for si in 0..self.shards.len() {
            let mut data = self.lock(si);
            let before = (data.bytes(), data.len());
            total += data.expire_due(now, budget);
            self.settle(&data, before);
            let removed = std::mem::take(&mut data.removed);
            self.watches.touch(&removed);
            drop(data);
            self.publish(removed);
        }
        total
    }

    /// Removes every key of database `db` (FLUSHDB), atomically as [`Keyspace::flush`].
    pub fn flush_db(&self, db: u8) {
        let now = self.now();
        let mut guards: Vec<WriteGuard> = self.shards.iter().map(Shard::write).collect();
        for data in guards.iter_mut() {
            let before = (data.bytes(), data.len());
            let keys = data.clear_db(db, now);
            self.settle(data, before);
            self.watches.touch_keys(db, &keys);
        }
        drop(guards);
    }

    /// Exchanges databases `a` and `b` (SWAPDB) under every shard's lock, so no command
    /// sees one swapped and the other not; clients blocked on keys the swap brings are
    /// served after.
    pub fn swap_dbs(&self, a: u8, b: u8) -> Vec<(u8, Vec<u8>)> {
        let mut guards: Vec<WriteGuard> = self.shards.iter().map(Shard::write).collect();
        let mut waiting = Vec::new();
        for data in guards.iter_mut() {
            let keys = data.swap_dbs(a, b);
            self.watches.touch_keys(a, &keys);
            self.watches.touch_keys(b, &keys);
            for db in [a, b] {
                waiting.extend(data.blocked_keys(db).into_iter().map(|k| (db, k)));
            }
        }
        drop(guards);
        waiting
    }

    /// Keys of database `db` (expired ones not yet reclaimed included, as Redis's DBSIZE).
    pub fn len_of(&self, db: u8) -> usize {
        self.shards.iter().map(|s| s.read().len_of(db)).sum()
    }

    pub fn flush(&self) {
        let now = self.now();
        let mut guards: Vec<WriteGuard> = self.shards.iter().map(Shard::write).collect();
        for data in guards.iter_mut() {
            let before = (data.bytes(), data.len());
            data.clear(now);
            self.settle(data, before);
        }
        // Under every shard's lock, so that an EXEC sees the flush wholly or not at all.
        self.watches.touch_all();
        drop(guards);
    }
}
