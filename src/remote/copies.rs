//! The near cache's per-key state beside the local copies: fills in flight, keys known to
//! be missing on the server, and keys too large to copy. With the engine's keyspace it
//! decides, for each key, whether a read can be answered here.
//!
//! The fill race (a value fetched before a change and installed after its invalidation)
//! is closed by pending markers: a fill registers its key before asking the server, every
//! invalidation removes the marker, and the fill installs its value only if its own marker
//! is still there, checked and installed under one lock that invalidations also take.

use std::collections::{HashMap, HashSet};

use bytes::Bytes;
use parking_lot::Mutex;

/// Where a read of one key is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Held {
    /// A copy of the key is in the engine.
    Local,
    /// The key is known to be missing on the server (a tracked miss).
    Missing,
    /// Not held: the read goes to the server (too large, not cacheable, or a fill of the
    /// same key is already in flight).
    Remote,
}

#[derive(Default)]
pub(crate) struct State {
    /// Keys being fetched, with the id of the fill that registered each.
    fills: HashMap<Bytes, u64>,
    /// Tracked keys that the server does not hold.
    missing: HashSet<Bytes>,
    /// Tracked keys too large to copy.
    remote_only: HashSet<Bytes>,
    next_fill: u64,
}

/// Invariant: every change to which keys may be answered locally (an install, an
/// invalidation, a flush) happens while this lock is held, so a fill's check of its marker
/// and its install are one step as far as invalidations can tell.
#[derive(Default)]
pub(crate) struct Copies {
    state: Mutex<State>,
    negative_limit: usize,
}

/// A fill in flight: its key and id.
pub(crate) struct Fill {
    pub key: Bytes,
    id: u64,
}

impl Copies {
    pub fn new(negative_limit: usize) -> Copies {
        Copies {
            state: Mutex::default(),
            negative_limit,
        }
    }

    /// `Missing` or `Remote` when the key's state says so; `None` when it is unknown here.
    pub fn known(&self, key: &[u8]) -> Option<Held> {
        let s = self.state.lock();
        if s.missing.contains(key) {
            Some(Held::Missing)
        } else if s.remote_only.contains(key) || s.fills.contains_key(key) {
            Some(Held::Remote)
        } else {
            None
        }
    }

    /// Registers a fill of `key`; `None` if one is already in flight.
    pub fn begin(&self, key: &[u8]) -> Option<Fill> {
        let mut s = self.state.lock();
        if s.fills.contains_key(key) {
            return None;
        }
        s.next_fill += 1;
        let id = s.next_fill;
        let key = Bytes::copy_from_slice(key);
        s.fills.insert(key.clone(), id);
        Some(Fill { key, id })
    }

    /// Ends a fill: if no invalidation came since it began, runs `install` (under the lock)
    /// and records what it returns. Returns whether the fill's result may be used.
    pub fn finish(&self, fill: Fill, install: impl FnOnce() -> Option<Held>) -> Option<Held> {
        let mut s = self.state.lock();
        if s.fills.get(&fill.key) != Some(&fill.id) {
            return None; // invalidated (or flushed) while in flight
        }
        s.fills.remove(&fill.key);
        let held = install()?;
        match held {
            Held::Missing => {
                if s.missing.len() >= self.negative_limit {
                    s.missing.clear();
                }
                s.missing.insert(fill.key);
            }
            Held::Remote => {
                if s.remote_only.len() >= self.negative_limit {
                    s.remote_only.clear();
                }
                s.remote_only.insert(fill.key);
            }
            Held::Local => {}
        }
        Some(held)
    }

    /// Abandons a fill that failed.
    pub fn abandon(&self, fill: Fill) {
        let mut s = self.state.lock();
        if s.fills.get(&fill.key) == Some(&fill.id) {
            s.fills.remove(&fill.key);
        }
    }

    /// Forgets what is known of `key` and runs `drop_copy` under the lock.
    pub fn invalidate(&self, key: &[u8], drop_copy: impl FnOnce()) {
        let mut s = self.state.lock();
        s.fills.remove(key);
        s.missing.remove(key);
        s.remote_only.remove(key);
        drop_copy();
    }

    /// Forgets everything (fills in flight are discarded) and runs `drop_all` under the lock.
    pub fn flush(&self, drop_all: impl FnOnce()) {
        let mut s = self.state.lock();
        s.fills.clear();
        s.missing.clear();
        s.remote_only.clear();
        drop_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalidation_during_a_fill_discards_it() {
        let c = Copies::new(10);
        let fill = c.begin(b"k").unwrap();
        assert!(c.begin(b"k").is_none(), "one fill per key");
        assert_eq!(c.known(b"k"), Some(Held::Remote));
        c.invalidate(b"k", || {});
        let mut installed = false;
        assert_eq!(
            c.finish(fill, || {
                installed = true;
                Some(Held::Local)
            }),
            None
        );
        assert!(!installed);
        assert_eq!(c.known(b"k"), None);
    }

    #[test]
    fn a_flush_discards_fills_and_forgets_misses() {
        let c = Copies::new(10);
        let f = c.begin(b"gone").unwrap();
        assert_eq!(c.finish(f, || Some(Held::Missing)), Some(Held::Missing));
        assert_eq!(c.known(b"gone"), Some(Held::Missing));
        let f = c.begin(b"k").unwrap();
        c.flush(|| {});
        assert_eq!(c.finish(f, || Some(Held::Local)), None);
        assert_eq!(c.known(b"gone"), None);
    }

    #[test]
    fn negative_entries_stay_bounded() {
        let c = Copies::new(3);
        for i in 0..10u8 {
            let f = c.begin(&[i]).unwrap();
            c.finish(f, || Some(Held::Missing));
        }
        assert!(c.state.lock().missing.len() <= 3);
    }
}
