//! WATCH: the keys that clients watch, each with the flag its watcher's EXEC checks.
//!
//! A write collects its keyspace events while it holds its shard lock (see
//! [`crate::notify`]); when anything is watched it collects them whatever the
//! notification settings, and marks the watchers of those keys before it lets the lock go.
//! EXEC checks its flag with every shard locked, so a change that finished before EXEC
//! began is always seen, and one that had not begun cannot slip in.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::Arc;

use bytes::Bytes;
use hashbrown::HashMap;
use parking_lot::Mutex;

use crate::notify::Event;

/// The EXEC flags of the clients watching one key.
type Watchers = Vec<Arc<AtomicBool>>;

#[derive(Default)]
pub(crate) struct Watches {
    /// How many (key, watcher) pairs exist; 0 lets writes skip all of this.
    active: AtomicUsize,
    /// Invariant: a key is present only with at least one watcher, and `active` is the
    /// total of the lists' lengths. Taken inside shard locks, never the other way round.
    /// Keyed by database and key.
    keys: Mutex<HashMap<(u8, Bytes), Watchers, ahash::RandomState>>,
}

impl Watches {
    /// True if some key is watched.
    #[inline]
    pub fn active(&self) -> bool {
        self.active.load(Relaxed) != 0
    }

    pub fn watch(&self, db: u8, key: Bytes, flag: &Arc<AtomicBool>) {
        let mut keys = self.keys.lock();
        let list = keys.entry((db, key)).or_default();
        if !list.iter().any(|f| Arc::ptr_eq(f, flag)) {
            list.push(flag.clone());
            self.active.fetch_add(1, Relaxed);
        }
    }

    pub fn unwatch(&self, db: u8, key: &Bytes, flag: &Arc<AtomicBool>) {
        let mut keys = self.keys.lock();
        let k = (db, key.clone());
        if let Some(list) = keys.get_mut(&k) {
            let before = list.len();
            list.retain(|f| !Arc::ptr_eq(f, flag));
            self.active.fetch_sub(before - list.len(), Relaxed);
            if list.is_empty() {
                keys.remove(&k);
            }
        }
    }

    /// Marks the watchers of the keys these events name.
    pub fn touch(&self, events: &[Event]) {
        if events.is_empty() || !self.active() {
            return;
        }
        let keys = self.keys.lock();
        for e in events {
            for flag in keys.get(&(e.db, e.key.clone())).into_iter().flatten() {
                flag.store(true, Relaxed);
            }
        }
    }

    /// Marks the watchers of `db`'s keys among `names` (FLUSHDB, SWAPDB).
    pub fn touch_keys(&self, db: u8, names: &[Bytes]) {
        if names.is_empty() || !self.active() {
            return;
        }
        let keys = self.keys.lock();
        for k in names {
            for flag in keys.get(&(db, k.clone())).into_iter().flatten() {
                flag.store(true, Relaxed);
            }
        }
    }

    /// Marks every watcher (FLUSHALL).
    pub fn touch_all(&self) {
        if self.active() {
            for flag in self.keys.lock().values().flatten() {
                flag.store(true, Relaxed);
            }
        }
    }
}
