//! The [`Cache`] handle: construction, stats, maintenance and cache-aside loading. The
//! commands themselves live in [`crate::commands`], one file per family.

use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::{AcqRel, Relaxed};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::config::{CacheBuilder, Config, EvictionPolicy};
use crate::error::{Error, Result};
use crate::expiry::reaper::HZ_RANGE;
use crate::loader::{Flights, Role};
use crate::patterns::lock::LockWaiters;
use crate::pubsub::{Registry, Subscription};
use crate::stats::Stats;
use crate::store::Keyspace;

/// An in-process, Redis-compatible cache. Cheap to clone (an `Arc`); `Send + Sync`.
///
/// ```
/// use ferricache::Cache;
///
/// let cache = Cache::new();
/// cache.set("user:1", "Ada").unwrap();
/// assert_eq!(cache.get("user:1").unwrap().as_deref(), Some(&b"Ada"[..]));
/// assert_eq!(cache.incr("visits").unwrap(), 1);
/// ```
pub struct Cache {
    pub(crate) inner: Arc<Inner>,
    /// The database this handle's commands run in (see [`Cache::select`]).
    pub(crate) db: u8,
    /// Counted in `Inner::handles`: false only for the short-lived handles the engine's own
    /// threads make from a weak reference (see [`Cache::internal`]).
    counted: bool,
}

impl Clone for Cache {
    /// A clone is the same kind of handle: the application's is counted, an engine
    /// thread's is not (so an engine thread's clone never holds the shutdown save back).
    fn clone(&self) -> Cache {
        if self.counted {
            Cache::counted(self.inner.clone(), self.db)
        } else {
            self.in_db(self.db)
        }
    }
}

impl Drop for Cache {
    /// The last handle the application held is gone: save now, on its thread, if
    /// [`CacheBuilder::save_on_shutdown`] asked to. Not in `Inner`'s drop, which may run
    /// later on a background thread that briefly held the cache (the expiry thread, say),
    /// after the process has moved on or exited.
    fn drop(&mut self) {
        if self.counted && self.inner.handles.fetch_sub(1, AcqRel) == 1 {
            crate::persist::save_on_drop(&self.inner);
        }
    }
}

pub(crate) struct Inner {
    pub ks: Keyspace,
    pub pubsub: Arc<Registry>,
    pubsub_limit: usize,
    pub locks: LockWaiters,
    /// How many databases SELECT can choose from.
    pub databases: usize,
    /// SAVE, BGSAVE, LASTSAVE and the snapshot file.
    pub snapshots: crate::persist::Snapshots,
    /// Default TTL in ms for keys written without one (0: none).
    pub default_ttl_ms: u64,
    flights: Arc<Flights>,
    /// The application's handles alive (clones and SELECTed ones); the last to go saves
    /// on shutdown.
    handles: AtomicUsize,
    /// Near-cache mode: the server this engine is an L1 for.
    #[cfg(feature = "remote")]
    pub remote: Option<Arc<crate::remote::Remote>>,
}

impl Default for Cache {
    fn default() -> Self {
        Cache::new()
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("keys", &self.ks().len())
            .field("used_memory", &self.inner.ks.used_memory())
            .finish()
    }
}

impl Cache {
    /// An unbounded cache with default settings.
    pub fn new() -> Cache {
        CacheBuilder::default()
            .build()
            .expect("default configuration is valid")
    }

    /// A builder for every setting.
    pub fn builder() -> CacheBuilder {
        CacheBuilder::default()
    }

    /// A handle on database `db` of the same cache (Redis's SELECT): keys, DBSIZE, SCAN,
    /// FLUSHDB and keyspace notifications are per database; memory, eviction, expiry,
    /// pub/sub and the stats are shared. Errors if `db` is not below
    /// [`CacheBuilder::databases`] (16 by default).
    ///
    /// ```
    /// use ferricache::Cache;
    ///
    /// let cache = Cache::new();
    /// let sessions = cache.select(1).unwrap();
    /// sessions.set("s:1", "ada").unwrap();
    /// assert_eq!(cache.get("s:1").unwrap(), None);
    /// assert_eq!((cache.dbsize().unwrap(), sessions.dbsize().unwrap()), (0, 1));
    /// ```
    pub fn select(&self, db: usize) -> Result<Cache> {
        if db >= self.inner.databases {
            return Err(Error::Invalid("DB index is out of range"));
        }
        #[cfg(feature = "remote")]
        if db != 0 && self.inner.remote.is_some() {
            return Err(Error::Invalid(
                "SELECT is not supported in near-cache mode: name the database in the remote URL",
            ));
        }
        Ok(Cache::counted(self.inner.clone(), db as u8))
    }

    /// The database this handle works in (0 unless made by [`Cache::select`]).
    pub fn db(&self) -> usize {
        self.db as usize
    }

    /// How many databases this cache has (Redis's `databases`).
    pub fn databases(&self) -> usize {
        self.inner.databases
    }

    /// A handle on database `db`, which the caller knows to exist, for the length of a
    /// call. Not counted: `self` outlives it, and when `self` is an engine thread's handle
    /// a counted one could drop the count to zero and run the shutdown save there.
    pub(crate) fn in_db(&self, db: u8) -> Cache {
        Cache {
            inner: self.inner.clone(),
            db,
            counted: false,
        }
    }

    /// A handle of the application's, counted until it drops.
    fn counted(inner: Arc<Inner>, db: u8) -> Cache {
        inner.handles.fetch_add(1, Relaxed);
        Cache {
            inner,
            db,
            counted: true,
        }
    }

    /// A handle for the engine's own threads, made from a weak reference they upgraded:
    /// not counted, so that its drop never runs the application's shutdown save.
    pub(crate) fn internal(inner: Arc<Inner>) -> Cache {
        Cache {
            inner,
            db: 0,
            counted: false,
        }
    }

    /// The keyspace as this handle's database sees it.
    #[inline]
    pub(crate) fn ks(&self) -> crate::store::db::Db<'_> {
        crate::store::db::Db::new(&self.inner.ks, self.db)
    }

    pub(crate) fn from_config(
        config: Config,
        max_memory: usize,
        max_entries: usize,
        active_expiry: Option<u32>,
    ) -> Result<Cache> {
        let pubsub: Arc<Registry> = Arc::default();
        let inner = Arc::new(Inner {
            pubsub: pubsub.clone(),
            pubsub_limit: config.pubsub_queue_limit,
            locks: LockWaiters::default(),
            databases: config.databases,
            snapshots: crate::persist::Snapshots::new(
                config.snapshot_path,
                config.save_rules.clone(),
                config.save_on_shutdown,
                config.snapshot_lenient,
            ),
            ks: Keyspace::new(
                config.shards,
                config.clock,
                config.policy,
                max_memory,
                max_entries,
                pubsub,
                config.notify_keyspace_events,
            ),
            default_ttl_ms: config.default_ttl.map_or(0, |d| d.as_millis() as u64),
            flights: Arc::default(),
            handles: AtomicUsize::new(0),
            #[cfg(feature = "remote")]
            remote: config.remote,
        });
        Cache::internal(inner.clone()).load_snapshot()?;
        if !config.save_rules.is_empty() {
            crate::persist::spawn_saver(&inner);
        }
        #[cfg(feature = "remote")]
        if let Some(remote) = &inner.remote {
            remote.attach(&inner)?;
            let relay = crate::remote::Relay::new(remote.clone(), &inner.pubsub);
            let _ = inner.pubsub.upstream.set(relay);
        }
        if let Some(hz) = active_expiry {
            inner.ks.reaper.hz.store(hz, Relaxed);
            crate::expiry::reaper::spawn(&inner).map_err(|e| {
                Error::InvalidConfig(format!("cannot start the expiry thread: {e}"))
            })?;
        }
        Ok(Cache::counted(inner, 0))
    }

    /// Reclaims every expired key now, on all shards; returns how many went.
    ///
    /// Writers already reclaim a few expired keys of their shard on each write, and the
    /// active-expiry thread reclaims them as they fall due; without that thread
    /// ([`CacheBuilder::active_expiry`]`(false)`), call this to decide the moment.
    pub fn run_pending_tasks(&self) -> usize {
        self.inner.ks.expire_all(usize::MAX)
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        let ks = &self.inner.ks;
        let (hits, misses, commands) = ks.counters.totals();
        let mut s = Stats {
            used_memory: ks.used_memory(),
            keys: ks.len(),
            hits,
            misses,
            commands,
            blocked_clients: ks.blocked_clients.load(Relaxed),
            pubsub_dropped: self.inner.pubsub.dropped.load(Relaxed),
            pubsub_disconnected: self.inner.pubsub.disconnected.load(Relaxed),
            active_expiry_cycles: ks.reaper.cycles.load(Relaxed),
            ..Stats::default()
        };
        for shard in ks.shards() {
            let data = shard.read();
            s.keys_with_ttl += data.volatile();
            s.evictions += data.evicted;
            s.expirations += data.expired;
        }
        s
    }

    /// The keys and keys with a TTL of each non-empty database, in order (INFO keyspace).
    ///
    /// ```
    /// use ferricache::{Cache, DbStats};
    ///
    /// let cache = Cache::new();
    /// cache.select(2).unwrap().set("k", "v").unwrap();
    /// assert_eq!(cache.keyspace(), [DbStats { db: 2, keys: 1, expires: 0 }]);
    /// ```
    pub fn keyspace(&self) -> Vec<crate::stats::DbStats> {
        let mut out: Vec<crate::stats::DbStats> = (0..self.inner.databases)
            .map(|db| crate::stats::DbStats {
                db,
                keys: 0,
                expires: 0,
            })
            .collect();
        for shard in self.inner.ks.shards() {
            let data = shard.read();
            for s in out.iter_mut() {
                s.keys += data.len_of(s.db as u8);
                s.expires += data.volatile_of(s.db as u8);
            }
        }
        out.retain(|s| s.keys > 0);
        out
    }

    /// The current memory bound in bytes (0: none).
    pub fn max_memory(&self) -> usize {
        self.inner.ks.max_memory.load(Relaxed)
    }

    /// Changes the memory bound; excess keys are evicted by the next writes.
    pub fn set_max_memory(&self, bytes: usize) {
        self.inner.ks.max_memory.store(bytes, Relaxed);
    }

    /// The current bound on the number of keys (0: none).
    pub fn max_entries(&self) -> usize {
        self.inner.ks.max_entries.load(Relaxed)
    }

    /// Changes the bound on the number of keys.
    pub fn set_max_entries(&self, n: usize) {
        self.inner.ks.max_entries.store(n, Relaxed);
    }

    /// Runs per second of active expiry at most (Redis's `hz`): an expired key is
    /// reclaimed, and its `expired` event fired, at most `1/hz` after its deadline.
    pub fn hz(&self) -> u32 {
        self.inner.ks.reaper.hz.load(Relaxed)
    }

    /// Changes `hz` (CONFIG SET hz), clamped to Redis's 1 to 500.
    pub fn set_hz(&self, hz: u32) {
        let hz = hz.clamp(*HZ_RANGE.start(), *HZ_RANGE.end());
        self.inner.ks.reaper.hz.store(hz, Relaxed);
    }

    /// The eviction policy in force.
    pub fn eviction_policy(&self) -> EvictionPolicy {
        self.inner.ks.policy()
    }

    /// Changes the eviction policy (CONFIG SET maxmemory-policy).
    pub fn set_eviction_policy(&self, policy: EvictionPolicy) {
        self.inner.ks.set_policy(policy);
    }

    /// The `notify-keyspace-events` flags in force, as CONFIG GET prints them (`""`: off).
    pub fn notify_keyspace_events(&self) -> String {
        crate::notify::to_string(self.inner.ks.notify.load(Relaxed))
    }

    /// Sets `notify-keyspace-events` at run time (CONFIG SET): Redis's flags, for example
    /// `"KEA"` for everything or `"Ex"` for expiry events on `__keyevent@0__:expired`.
    pub fn set_notify_keyspace_events(&self, flags: &str) -> Result<()> {
        let f = crate::notify::parse(flags)?;
        #[cfg(feature = "remote")]
        if f != 0 && self.inner.remote.is_some() {
            return Err(crate::remote::not_offered(
                "local keyspace notifications (set notify-keyspace-events on the server)",
            ));
        }
        self.inner.ks.notify.store(f, Relaxed);
        Ok(())
    }

    /// PUBLISH: delivers `payload` to every subscription of `channel` and every matching
    /// pattern subscription; returns how many received it. Fails only in near-cache mode,
    /// when the server does not answer.
    pub fn publish(&self, channel: impl AsRef<[u8]>, payload: impl Into<Bytes>) -> Result<usize> {
        near!(self, b"PUBLISH", channel.as_ref(), payload.into());
        self.inner.ks.counters.command();
        Ok(self.inner.pubsub.publish(channel.as_ref(), &payload.into()))
    }

    /// A new subscriber (SUBSCRIBE / PSUBSCRIBE through it).
    pub fn subscriber(&self) -> Subscription {
        Subscription::new(self.inner.pubsub.clone(), self.inner.pubsub_limit)
    }

    /// `PUBSUB CHANNELS [pattern]`: channels with at least one subscriber (in near-cache
    /// mode, the server's answer, for every client of it).
    pub fn pubsub_channels(&self, pattern: Option<&[u8]>) -> Result<Vec<Bytes>> {
        near!(@argv self, "PUBSUB" .arg("CHANNELS") .arg(pattern));
        Ok(self.inner.pubsub.channels(pattern))
    }

    /// PUBSUB NUMSUB channel ...: subscribers of each channel.
    pub fn pubsub_numsub<C: AsRef<[u8]>>(&self, channels: &[C]) -> Result<Vec<(Bytes, usize)>> {
        near!(@argv self, "PUBSUB" .arg("NUMSUB") .args(channels.iter().map(AsRef::as_ref)));
        Ok(channels
            .iter()
            .map(|c| {
                (
                    Bytes::copy_from_slice(c.as_ref()),
                    self.inner.pubsub.numsub(c.as_ref()),
                )
            })
            .collect())
    }

    /// PUBSUB NUMPAT: pattern subscriptions in all.
    pub fn pubsub_numpat(&self) -> Result<usize> {
        near!(self, b"PUBSUB", b"NUMPAT");
        Ok(self.inner.pubsub.numpat())
    }

    /// Runs `f` with round trips to a server forbidden on this thread: in near-cache mode a
    /// call that would need one fails with [`Error::WouldBlock`] before doing anything, so
    /// that an event loop can answer local hits inline and send the rest to a thread.
    /// Without near-cache mode nothing waits, and `f` simply runs.
    ///
    /// ```
    /// use ferricache::Cache;
    ///
    /// let cache = Cache::new();
    /// cache.set("k", "v").unwrap();
    /// assert_eq!(cache.without_waiting(|| cache.get("k")).unwrap().unwrap(), "v");
    /// ```
    pub fn without_waiting<R>(&self, f: impl FnOnce() -> R) -> R {
        #[cfg(feature = "remote")]
        return crate::remote::without_waiting(f);
        #[cfg(not(feature = "remote"))]
        f()
    }

    /// Cache-aside in one call: the value of `key`, or else the loader's, stored with `ttl`.
    ///
    /// Concurrent misses on one key run the loader once: the others wait and share its
    /// result. A loader error is returned to every waiter and nothing is cached. In
    /// near-cache mode this holds across processes too: a lock on the server lets one
    /// process load while the others wait for the value
    /// ([`RemoteOptions::fill_lock_ttl`](crate::RemoteOptions::fill_lock_ttl)).
    ///
    /// ```
    /// use ferricache::Cache;
    /// use std::time::Duration;
    ///
    /// let cache = Cache::new();
    /// let load = || Ok::<_, std::io::Error>("from the database".into());
    /// let v = cache.get_or_set_with("car:1", Some(Duration::from_secs(3600)), load).unwrap();
    /// assert_eq!(&v[..], b"from the database");
    /// assert!(cache.ttl("car:1").unwrap() > 3590);
    /// ```
    pub fn get_or_set_with<K, F, E>(
        &self,
        key: K,
        ttl: Option<Duration>,
        loader: F,
    ) -> Result<Bytes>
    where
        K: AsRef<[u8]>,
        F: FnOnce() -> std::result::Result<Bytes, E>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let key = key.as_ref();
        if let Some(v) = self.get(key)? {
            return Ok(v);
        }
        match self.inner.flights.join(key) {
            Role::Follower(flight) => flight.wait(),
            Role::Leader(guard) => {
                // Another leader may have stored the value between our miss and our join.
                if let Some(v) = self.get(key)? {
                    return guard.finish(Ok(v));
                }
                // In near-cache mode one process loads cluster-wide; the others wait.
                #[cfg(feature = "remote")]
                let _turn = match crate::remote::routed(&self.inner) {
                    Some(remote) => match remote.fill_turn(self, key)? {
                        crate::remote::FillTurn::Loaded(v) => return guard.finish(Ok(v)),
                        crate::remote::FillTurn::Ours(lock) => Some(lock),
                    },
                    None => None,
                };
                let result = match loader() {
                    Ok(v) => {
                        let mut opts = crate::SetOptions::new();
                        if let Some(ttl) = ttl {
                            opts = opts.px(ttl.as_millis().clamp(1, i64::MAX as u128) as i64);
                        }
                        self.set_with(key, v.clone(), &opts).map(|_| v)
                    }
                    Err(e) => Err(Error::Loader(Arc::from(e.into()))),
                };
                guard.finish(result)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shutdown save belongs to the application's last handle: a handle made for one
    /// call on another database (as the snapshot loader, MOVE and the near cache's
    /// invalidations make), or a clone of an engine thread's handle, neither delays it past
    /// the application's drop nor runs it.
    #[test]
    fn a_handle_made_for_one_call_never_runs_the_shutdown_save() {
        let dir = std::env::temp_dir().join(format!("ferricache-in-db-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("dump.rdb");
        let _ = std::fs::remove_file(&path);
        let app = Cache::builder()
            .snapshot_path(&path)
            .save_on_shutdown(true)
            .build()
            .unwrap();
        let engine = Cache::internal(app.inner.clone());
        // An engine thread is in the middle of a call when the application lets go.
        let call = engine.in_db(1);
        let copy = engine.clone();
        call.set("a", "1").unwrap();
        assert!(
            !path.exists(),
            "saved while the application held its handle"
        );
        drop(app);
        assert!(path.exists(), "the application's last drop did not save");
        std::fs::remove_file(&path).unwrap();
        drop((call, copy));
        engine.in_db(0).set("b", "2").unwrap();
        drop(engine);
        assert!(!path.exists(), "an engine thread's handle saved again");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
