//! What every collection command shares: reading and writing a collection value (creating
//! it on demand, removing it once empty), index arithmetic, and blocking pops.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::blocking::{Served, Take, Waiter};
use crate::error::{Error, Result};
use crate::notify;
use crate::store::Tx;
use crate::value::{Coll, Kind, Value, ValueRef, ValueType, LIST_ELEMENT_OVERHEAD};
use crate::Cache;

/// A command's keyspace event: its class, its name, and whether it fires on every success
/// (HSET, LSET, LTRIM, ... as Redis signals them) rather than only on a change.
pub(crate) type Ev = (u16, &'static str, bool);

/// Resolves Redis's inclusive index range (negative from the end) against `len`;
/// `None` when it selects nothing.
pub(crate) fn index_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    let end = if end < 0 { len + end } else { end.min(len - 1) };
    (start <= end && start < len && end >= 0).then_some((start as usize, end as usize))
}

/// One step of SSCAN, HSCAN or ZSCAN over a collection whose elements keep their place while they stay
/// (`span` places, some of them holes): the places to visit for `cursor` (0: start) and
/// `count`, and the cursor to pass next (0: done). The walk goes from the highest place
/// down, so an element present for the whole scan is returned exactly once; a compaction,
/// which moves elements down only, can make one come back twice, never be missed.
pub(crate) fn scan_step(span: usize, cursor: u64, count: usize) -> (std::ops::Range<usize>, u64) {
    let start = if cursor == 0 {
        span
    } else {
        (cursor as usize).min(span)
    };
    let lo = start.saturating_sub(count.max(1));
    (lo..start, lo as u64)
}

/// A blocking command's timeout in seconds (0: forever) as a deadline.
pub(crate) fn timeout_deadline(seconds: f64) -> Result<Option<Instant>> {
    if seconds.is_nan() || seconds.is_infinite() {
        return Err(Error::Invalid("timeout is not a float or out of range"));
    }
    if seconds < 0.0 {
        return Err(Error::Invalid("timeout is negative"));
    }
    if seconds == 0.0 {
        return Ok(None);
    }
    let d = Duration::try_from_secs_f64(seconds)
        .map_err(|_| Error::Invalid("timeout is out of range"))?;
    Ok(Some(Instant::now() + d))
}

/// Pops what `take` asks for from `value`, keeping its byte count; `None` if it is empty
/// or of the other kind.
fn pop_for(value: &mut Value, take: Take) -> Option<(Bytes, f64)> {
    match take {
        Take::ListHead | Take::ListTail => {
            let (list, bytes) = value.as_list_mut().ok()?;
            let e = if take == Take::ListHead {
                list.pop_front()
            } else {
                list.pop_back()
            }?;
            *bytes -= LIST_ELEMENT_OVERHEAD + e.len();
            Some((e, 0.0))
        }
        Take::ZMin | Take::ZMax => {
            let (z, bytes) = value.as_zset_mut().ok()?;
            let (m, s) = z.by_rank(0, 0, take == Take::ZMax).into_iter().next()?;
            z.remove(&m, bytes);
            Some((m, s))
        }
    }
}

fn fits(vt: ValueType, take: Take) -> bool {
    match take {
        Take::ListHead | Take::ListTail => vt == ValueType::List,
        Take::ZMin | Take::ZMax => vt == ValueType::ZSet,
    }
}

impl Cache {
    /// Serves the clients blocked on `key` if it now holds what they wait for (after
    /// MOVE or SWAPDB brought it into this database).
    pub(crate) fn serve_waiters(&self, key: &[u8]) {
        let _ = self.ks().write(key, 0, |tx| {
            if tx.data.has_blocked() {
                if let Some(i) = tx.find(key) {
                    serve_blocked(tx, i, key);
                }
            }
            Ok(())
        });
    }
}

/// Hands elements of the collection in slot `i` to the clients blocked on `key`, in the
/// order they blocked, while there are elements.
fn serve_blocked(tx: &mut Tx, i: u32, key: &[u8]) {
    loop {
        let value = &tx.entry(i).value();
        if value.is_empty_coll() {
            return;
        }
        let vt = value.value_type();
        let Some(w) = tx.data.next_waiter(tx.db, key, |t| fits(vt, t)) else {
            return;
        };
        let popped = tx.update(i, |v| pop_for(v, w.take));
        let (element, score) = popped.expect("the waiter fits a non-empty collection");
        w.serve(Served {
            key: Bytes::copy_from_slice(key),
            element,
            score,
        });
    }
}

impl Cache {
    /// Runs `f` on the value at `key` under the write lock: `None` if it is missing and
    /// `make` is `None`, else a new empty collection made by `make`. Elements added are
    /// handed to blocked clients first; a collection left empty is removed.
    pub(crate) fn coll_write<R>(
        &self,
        key: &[u8],
        grow: usize,
        make: Option<fn() -> Kind>,
        event: Ev,
        f: impl FnOnce(Option<&mut Value>) -> Result<R>,
    ) -> Result<R> {
        self.ks()
            .write(key, grow, |tx| self.coll_in(tx, key, make, event, f))
    }

    /// Pops with `pop` from each of `keys` in turn, in one atomic step, until one gives
    /// something: that key and what it gave (LMPOP, ZMPOP), or `None`.
    pub(crate) fn pop_first<T>(
        &self,
        keys: &[&[u8]],
        event: Ev,
        pop: impl Fn(Option<&mut Value>) -> Result<Vec<T>>,
    ) -> Result<Option<(Bytes, Vec<T>)>> {
        self.ks().write_many(keys, 0, |m| {
            for (k, key) in keys.iter().enumerate() {
                let popped = self.coll_in(&mut m.key(k), key, None, event, &pop)?;
                if !popped.is_empty() {
                    return Ok(Some((Bytes::copy_from_slice(key), popped)));
                }
            }
            Ok(None)
        })
    }

    /// [`Cache::coll_write`] inside a transaction already holding the key's shard.
    pub(crate) fn coll_in<R>(
        &self,
        tx: &mut Tx,
        key: &[u8],
        make: Option<fn() -> Kind>,
        event: Ev,
        f: impl FnOnce(Option<&mut Value>) -> Result<R>,
    ) -> Result<R> {
        let (i, before) = match (tx.find(key), make) {
            (Some(i), _) => (i, Some(tx.entry(i).value().fingerprint())),
            (None, Some(make)) => {
                let deadline = self.default_deadline(tx);
                (tx.insert(key, Value::new_coll(make()), deadline), None)
            }
            (None, None) => return f(None),
        };
        let r = tx.update(i, |v| f(Some(v)));
        let value = &tx.entry(i).value();
        // The command's event fires when it changed the collection (or, for the commands
        // Redis always signals, whenever it succeeded on a key that is there).
        let changed = before != Some(value.fingerprint());
        if r.is_ok() && !(value.is_empty_coll() && before.is_none()) && (changed || event.2) {
            tx.notify(event.0, event.1, key);
        }
        if tx.data.has_blocked() {
            serve_blocked(tx, i, key);
        }
        if tx.entry(i).value().is_empty_coll() {
            tx.remove(i);
            if before.is_some() {
                tx.notify(notify::GENERIC, "del", key);
            }
        }
        r
    }

    /// Replaces whatever `key` holds with a new collection charged `bytes` (the STORE
    /// commands); an empty collection deletes the key instead.
    pub(crate) fn store_coll(&self, tx: &mut Tx, key: &[u8], kind: Kind, bytes: usize, event: Ev) {
        let existed = tx.find(key).map(|i| tx.remove(i)).is_some();
        let value = Value::coll(Coll { kind, bytes });
        if !value.is_empty_coll() {
            let deadline = self.default_deadline(tx);
            tx.insert(key, value, deadline);
            tx.notify(event.0, event.1, key);
        } else if existed {
            tx.notify(notify::GENERIC, "del", key);
        }
    }

    /// Runs `f` on the value at `key` (or `None`) under the read lock, as one command.
    pub(crate) fn coll_read<R>(
        &self,
        key: &[u8],
        f: impl FnOnce(Option<ValueRef<'_>>) -> Result<R>,
    ) -> Result<R> {
        self.ks().read(key, true, |e| f(e.map(|e| e.value())))
    }

    /// Pops for `take` from `key` if it has an element; otherwise queues `waiter` on it
    /// (when given). WRONGTYPE if the key holds another type.
    fn pop_or_block(
        &self,
        key: &[u8],
        take: Take,
        waiter: Option<&Arc<Waiter>>,
    ) -> Result<Option<Served>> {
        self.ks().write(key, 0, |tx| {
            if let Some(i) = tx.find(key) {
                let vt = tx.entry(i).value().value_type();
                if !fits(vt, take) {
                    return Err(Error::WrongType);
                }
                if waiter.is_none_or(|w| w.claim()) {
                    let popped = tx.update(i, |v| pop_for(v, take));
                    let (class, name) = match take {
                        Take::ListHead => (notify::LIST, "lpop"),
                        Take::ListTail => (notify::LIST, "rpop"),
                        Take::ZMin => (notify::ZSET, "zpopmin"),
                        Take::ZMax => (notify::ZSET, "zpopmax"),
                    };
                    tx.notify(class, name, key);
                    if tx.entry(i).value().is_empty_coll() {
                        tx.remove(i);
                    }
                    if let Some((element, score)) = popped {
                        let key = Bytes::copy_from_slice(key);
                        return Ok(Some(Served {
                            key,
                            element,
                            score,
                        }));
                    }
                }
            }
            if let Some(w) = waiter {
                tx.data.block(tx.db, key, w.clone());
            }
            Ok(None)
        })
    }

    /// Registers a blocking pop on `keys` without blocking the calling thread: the
    /// building block of BLPOP, BRPOP, BLMOVE and BZPOPMIN / BZPOPMAX, and what an async
    /// runtime (the Node and Python bindings) awaits.
    ///
    /// If one of the keys has an element now, the first from the left is taken at once;
    /// otherwise the waiter queues on every key and the first push to any of them serves
    /// it. WRONGTYPE if a key holds a type that `take` cannot pop from.
    ///
    /// ```
    /// use ferricache::{Cache, Take};
    ///
    /// let cache = Cache::new();
    /// let waiter = cache.pop_waiter(&["jobs"], Take::ListTail).unwrap();
    /// assert!(waiter.try_take().is_none());
    /// cache.lpush("jobs", ["job-1"]).unwrap();
    /// assert_eq!(waiter.try_take().unwrap().element, "job-1");
    /// ```
    pub fn pop_waiter<K: AsRef<[u8]>>(&self, keys: &[K], take: Take) -> Result<PopWaiter> {
        #[cfg(feature = "remote")]
        if crate::remote::routed(&self.inner).is_some() {
            return Err(crate::remote::not_offered(
                "pop waiters (use the blocking pops, which wait on the server)",
            ));
        }
        let waiter = Arc::new(Waiter::new(take));
        let mut pending = PopWaiter {
            cache: self.clone(),
            waiter: waiter.clone(),
            keys: Vec::new(),
        };
        for k in keys {
            if let Some(s) = self.pop_or_block(k.as_ref(), take, None)? {
                waiter.claim();
                waiter.serve(s);
                return Ok(pending);
            }
        }
        for k in keys {
            match self.pop_or_block(k.as_ref(), take, Some(&waiter)) {
                Ok(Some(s)) => {
                    waiter.serve(s);
                    break;
                }
                Ok(None) => pending.keys.push(Bytes::copy_from_slice(k.as_ref())),
                // Dropping `pending` unregisters the keys queued so far and gives back
                // anything served meanwhile.
                Err(e) => return Err(e),
            }
        }
        Ok(pending)
    }

    /// A blocking pop: the first non-empty key from the left, else the first element
    /// pushed to any of them before `timeout` seconds (0: forever).
    pub(crate) fn blocking_pop<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        take: Take,
        timeout: f64,
    ) -> Result<Option<Served>> {
        let mut deadline = timeout_deadline(timeout)?;
        if crate::store::shard::in_exclusive() {
            // Inside EXEC nothing may wait (no other client can push meanwhile): as
            // Redis, a blocking pop answers at once.
            deadline = Some(Instant::now());
        }
        Ok(self.pop_waiter(keys, take)?.wait_until(deadline))
    }
}

/// A blocking pop in progress (see [`Cache::pop_waiter`]). Wait for it on this thread, poll
/// it, or have a callback tell you when it is ready. Dropping it leaves no trace: it leaves
/// every queue, and an element it was served but never handed out goes back where it came
/// from.
pub struct PopWaiter {
    cache: Cache,
    waiter: Arc<Waiter>,
    /// Keys on whose queues the waiter stands.
    keys: Vec<Bytes>,
}

impl PopWaiter {
    /// Blocks until an element arrives or `timeout` passes (`None`: forever).
    pub fn wait(self, timeout: Option<Duration>) -> Option<Served> {
        self.wait_until(timeout.map(|t| Instant::now() + t))
    }

    fn wait_until(self, deadline: Option<Instant>) -> Option<Served> {
        let blocked = &self.cache.ks().blocked_clients;
        blocked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let served = self.waiter.wait(deadline);
        blocked.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        served
    }

    /// Waits up to `timeout` for the element without giving up: on `None` the pop is
    /// still queued and can be waited for again. Bindings wait in slices this way, to
    /// check for signals (Python's Ctrl-C) between them. Counts as a blocked client while
    /// it waits.
    ///
    /// ```
    /// use ferricache::{Cache, Take};
    /// use std::time::Duration;
    ///
    /// let cache = Cache::new();
    /// let waiter = cache.pop_waiter(&["jobs"], Take::ListHead).unwrap();
    /// assert!(waiter.wait_for(Duration::from_millis(1)).is_none());
    /// cache.rpush("jobs", ["job-1"]).unwrap();
    /// assert_eq!(waiter.wait_for(Duration::from_secs(1)).unwrap().element, "job-1");
    /// ```
    pub fn wait_for(&self, timeout: Duration) -> Option<Served> {
        let blocked = &self.cache.ks().blocked_clients;
        blocked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let served = self.waiter.wait_a_while(Instant::now() + timeout);
        blocked.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        served
    }

    /// The element, if one has arrived; never blocks.
    pub fn try_take(&self) -> Option<Served> {
        self.waiter.try_take()
    }

    /// Calls `f` once an element has arrived (at once if it already has). `f` runs on the
    /// pushing thread while it holds a shard lock: it should only wake something (resolve a
    /// future, signal an event loop), then [`PopWaiter::try_take`] collects the element.
    pub fn on_ready(&self, f: impl FnOnce() + Send + 'static) {
        self.waiter.on_ready(Box::new(f));
    }
}

impl Drop for PopWaiter {
    fn drop(&mut self) {
        // Stop any further serving, then leave every queue.
        self.waiter.claim();
        for k in &self.keys {
            self.cache
                .ks()
                .with_shard(k, |d| d.unblock(self.cache.db, k, &self.waiter));
        }
        // Served but never handed out: put it back where it was taken from.
        if let Some(s) = self.waiter.try_take() {
            let _ = match self.waiter.take {
                Take::ListHead => self.cache.lpush(&s.key, [s.element]),
                Take::ListTail => self.cache.rpush(&s.key, [s.element]),
                Take::ZMin | Take::ZMax => self.cache.zadd(&s.key, [(s.score, s.element)]),
            };
        }
    }
}
