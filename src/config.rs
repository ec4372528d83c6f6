//! Construction-time settings and the eviction policy names.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::Cache;

/// Which key is evicted when `max_memory` or `max_entries` is exceeded.
///
/// The Redis names parse with [`FromStr`] (`"allkeys-lru"`, ...); `"s3-fifo"` is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum EvictionPolicy {
    /// Writes that need memory fail with Redis's OOM error; nothing is evicted.
    NoEviction,
    /// Approximate LRU over all keys (sampling, as Redis does).
    AllKeysLru,
    /// Approximate LFU over all keys (Redis's logarithmic counter with decay).
    AllKeysLfu,
    /// A random key.
    AllKeysRandom,
    /// Approximate LRU over keys with a TTL.
    VolatileLru,
    /// Approximate LFU over keys with a TTL.
    VolatileLfu,
    /// A random key with a TTL.
    VolatileRandom,
    /// The sampled key with a TTL that expires soonest.
    VolatileTtl,
    /// S3-FIFO (Yang et al., SOSP 2023): a small probationary FIFO, a main FIFO with
    /// reinsertion, and a ghost queue of recently evicted keys. Reads set a small frequency
    /// counter and do nothing else.
    #[default]
    S3Fifo,
}

impl EvictionPolicy {
    /// Every policy, Redis's eight first.
    pub const ALL: [EvictionPolicy; 9] = [
        EvictionPolicy::NoEviction,
        EvictionPolicy::AllKeysLru,
        EvictionPolicy::AllKeysLfu,
        EvictionPolicy::AllKeysRandom,
        EvictionPolicy::VolatileLru,
        EvictionPolicy::VolatileLfu,
        EvictionPolicy::VolatileRandom,
        EvictionPolicy::VolatileTtl,
        EvictionPolicy::S3Fifo,
    ];

    /// The policy's name as CONFIG GET maxmemory-policy prints it.
    pub fn name(self) -> &'static str {
        match self {
            EvictionPolicy::NoEviction => "noeviction",
            EvictionPolicy::AllKeysLru => "allkeys-lru",
            EvictionPolicy::AllKeysLfu => "allkeys-lfu",
            EvictionPolicy::AllKeysRandom => "allkeys-random",
            EvictionPolicy::VolatileLru => "volatile-lru",
            EvictionPolicy::VolatileLfu => "volatile-lfu",
            EvictionPolicy::VolatileRandom => "volatile-random",
            EvictionPolicy::VolatileTtl => "volatile-ttl",
            EvictionPolicy::S3Fifo => "s3-fifo",
        }
    }

    /// True for the `volatile-*` policies, which only evict keys that have a TTL.
    pub fn volatile_only(self) -> bool {
        matches!(
            self,
            EvictionPolicy::VolatileLru
                | EvictionPolicy::VolatileLfu
                | EvictionPolicy::VolatileRandom
                | EvictionPolicy::VolatileTtl
        )
    }
}

impl fmt::Display for EvictionPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for EvictionPolicy {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::InvalidConfig(format!("unknown eviction policy '{s}'")))
    }
}

/// Validated settings, fixed when the cache is built.
pub(crate) struct Config {
    pub shards: usize,
    pub policy: EvictionPolicy,
    pub default_ttl: Option<Duration>,
    pub clock: Arc<dyn Clock>,
    pub pubsub_queue_limit: usize,
    pub notify_keyspace_events: u16,
    pub databases: usize,
    pub snapshot_path: Option<std::path::PathBuf>,
    pub save_rules: Vec<(u64, u64)>,
    pub save_on_shutdown: bool,
    pub snapshot_lenient: bool,
    #[cfg(feature = "remote")]
    pub remote: Option<std::sync::Arc<crate::remote::Remote>>,
}

/// Builds a [`Cache`]; every setting has a default.
///
/// ```
/// use ferricache::{Cache, EvictionPolicy};
/// use std::time::Duration;
///
/// let cache = Cache::builder()
///     .max_memory(64 << 20)
///     .eviction_policy(EvictionPolicy::AllKeysLru)
///     .default_ttl(Duration::from_secs(3600))
///     .build()
///     .unwrap();
/// cache.set("greeting", "hello").unwrap();
/// assert!(cache.ttl("greeting").unwrap() > 3590);
/// ```
pub struct CacheBuilder {
    shards: Option<usize>,
    max_memory: usize,
    max_entries: usize,
    policy: EvictionPolicy,
    default_ttl: Option<Duration>,
    clock: Arc<dyn Clock>,
    active_expiry: bool,
    hz: u32,
    pubsub_queue_limit: usize,
    notify_keyspace_events: String,
    databases: usize,
    snapshot_path: Option<std::path::PathBuf>,
    save_rules: Vec<(u64, u64)>,
    save_on_shutdown: bool,
    snapshot_lenient: bool,
    #[cfg(feature = "remote")]
    remote: Option<(String, crate::remote::RemoteOptions)>,
}

impl Default for CacheBuilder {
    fn default() -> Self {
        CacheBuilder {
            shards: None,
            max_memory: 0,
            max_entries: 0,
            policy: EvictionPolicy::default(),
            default_ttl: None,
            clock: Arc::new(SystemClock),
            active_expiry: true,
            hz: crate::expiry::reaper::DEFAULT_HZ,
            pubsub_queue_limit: crate::pubsub::DEFAULT_QUEUE_LIMIT,
            notify_keyspace_events: String::new(),
            databases: crate::store::db::DEFAULT_DATABASES,
            snapshot_path: None,
            save_rules: Vec::new(),
            save_on_shutdown: false,
            snapshot_lenient: false,
            #[cfg(feature = "remote")]
            remote: None,
        }
    }
}

impl CacheBuilder {
    /// Number of lock stripes; a power of two from 1 to 65536. Default: eight per core,
    /// rounded up to a power of two, at least 16.
    pub fn shards(mut self, n: usize) -> Self {
        self.shards = Some(n);
        self
    }

    /// How many databases SELECT and [`Cache::select`] choose from (Redis's `databases`):
    /// 1 to 256, default 16. They share the memory bound, eviction and expiry.
    pub fn databases(mut self, n: usize) -> Self {
        self.databases = n;
        self
    }

    /// The RDB snapshot file: loaded at build if it exists (all or nothing; a bad file
    /// fails the build, naming what is wrong and where), written by
    /// [`Cache::save`] and [`Cache::bgsave`]. Redis 7.0 to 7.4 and Valkey 8 and 9 files
    /// load too (strings, lists, sets, hashes, sorted sets).
    pub fn snapshot_path(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.snapshot_path = Some(path.into());
        self
    }

    /// Redis's `save` rules: after `seconds`, if at least `changes` writes were made since
    /// the last save, a BGSAVE starts (checked once a second; needs a snapshot path).
    /// Default: none. `CONFIG SET save` changes them at run time.
    pub fn save_rules(mut self, rules: &[(u64, u64)]) -> Self {
        self.save_rules = rules.to_vec();
        self
    }

    /// Loads a snapshot that holds what the engine does not (streams, module values and
    /// module data, functions) by skipping those and counting them
    /// ([`Cache::load_skipped`], INFO persistence), instead of failing the build. For
    /// warming a cache from a Redis backup that also holds streams. Default: off.
    ///
    /// ```
    /// use ferricache::Cache;
    ///
    /// let path = std::env::temp_dir().join(format!("lenient-{}.rdb", std::process::id()));
    /// let cache = Cache::builder().snapshot_path(&path).snapshot_lenient(true).build().unwrap();
    /// assert_eq!(cache.load_skipped().total(), 0); // no file yet: a cold start
    /// ```
    pub fn snapshot_lenient(mut self, on: bool) -> Self {
        self.snapshot_lenient = on;
        self
    }

    /// Saves the snapshot when the last handle of the cache is dropped (a clean shutdown).
    pub fn save_on_shutdown(mut self, on: bool) -> Self {
        self.save_on_shutdown = on;
        self
    }

    /// Upper bound on used memory in bytes (0: unbounded, the default).
    pub fn max_memory(mut self, bytes: usize) -> Self {
        self.max_memory = bytes;
        self
    }

    /// Upper bound on the number of keys (0: unbounded, the default).
    pub fn max_entries(mut self, n: usize) -> Self {
        self.max_entries = n;
        self
    }

    /// What to evict when a bound is exceeded. Default: [`EvictionPolicy::S3Fifo`].
    pub fn eviction_policy(mut self, policy: EvictionPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// TTL given to keys written without one by SET-family commands (not to keys written
    /// with KEEPTTL or by INCR on an existing key).
    pub fn default_ttl(mut self, ttl: Duration) -> Self {
        self.default_ttl = Some(ttl);
        self
    }

    /// The time source; tests pass a [`MockClock`](crate::MockClock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Active expiry (on by default): a background thread reclaims expired keys and
    /// fires their `expired` notifications as they fall due, as Redis does, sleeping
    /// while nothing is due. `false` starts no thread: expired keys are then invisible as
    /// always, and reclaimed by writers and by [`Cache::run_pending_tasks`].
    ///
    /// ```
    /// let cache = ferricache::Cache::builder().active_expiry(false).build().unwrap();
    /// cache.set_ex("k", 1, "v").unwrap();
    /// ```
    pub fn active_expiry(mut self, on: bool) -> Self {
        self.active_expiry = on;
        self
    }

    /// Active expiry's runs per second at most, as Redis's `hz` (1 to 500, default 10):
    /// an expired key is reclaimed at most `1/hz` after its deadline.
    pub fn hz(mut self, hz: u32) -> Self {
        self.hz = hz;
        self
    }

    /// Active expiry with at most one run every `period` (`hz` of `1 s / period`).
    pub fn background_expiry(mut self, period: Duration) -> Self {
        self.active_expiry = true;
        self.hz = match period.as_millis() {
            0 => 0, // refused by build()
            ms => (1000 / ms).clamp(1, 500) as u32,
        };
        self
    }

    /// Messages a subscriber may have waiting before it is disconnected (default 65536).
    pub fn pubsub_queue_limit(mut self, messages: usize) -> Self {
        self.pubsub_queue_limit = messages;
        self
    }

    /// Keyspace notifications, as Redis's `notify-keyspace-events` (`"KEA"`, `"Ex"`, ...;
    /// empty, the default, is off).
    pub fn notify_keyspace_events(mut self, flags: &str) -> Self {
        self.notify_keyspace_events = flags.to_string();
        self
    }

    /// Near-cache mode: this cache becomes a coherent L1 in front of the Redis-protocol
    /// server at `url` (`redis://[user:password@]host:port/db`), which stays the source of
    /// truth. Reads are answered from local copies, kept exact by the server's
    /// invalidations (`CLIENT TRACKING`); writes go to the server. `build` fails if the
    /// server does not answer. Needs the `remote` cargo feature.
    #[cfg(feature = "remote")]
    pub fn remote(mut self, url: impl Into<String>) -> Self {
        let options = self.remote.take().map(|r| r.1).unwrap_or_default();
        self.remote = Some((url.into(), options));
        self
    }

    /// The near cache's settings beyond the URL (see [`RemoteOptions`](crate::RemoteOptions)).
    #[cfg(feature = "remote")]
    pub fn remote_options(mut self, options: crate::remote::RemoteOptions) -> Self {
        let url = self.remote.take().map(|r| r.0).unwrap_or_default();
        self.remote = Some((url, options));
        self
    }

    /// Checks the settings and builds the cache.
    pub fn build(self) -> Result<Cache> {
        let shards = match self.shards {
            Some(n) if n == 0 || !n.is_power_of_two() || n > 65536 => {
                return Err(Error::InvalidConfig(format!(
                    "shards must be a power of two from 1 to 65536, got {n}"
                )))
            }
            Some(n) => n,
            None => {
                let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
                (cores * 8).next_power_of_two().clamp(16, 1024)
            }
        };
        if let Some(ttl) = self.default_ttl {
            if ttl.is_zero() || ttl.as_millis() > crate::expiry::MAX_TTL_MS as u128 {
                return Err(Error::InvalidConfig(format!(
                    "default TTL must be between 1 ms and {} ms",
                    crate::expiry::MAX_TTL_MS
                )));
            }
        }
        if !crate::expiry::reaper::HZ_RANGE.contains(&self.hz) {
            return Err(Error::InvalidConfig(
                "hz must be between 1 and 500 (a background expiry period must be positive)".into(),
            ));
        }
        if !(1..=crate::store::db::MAX_DATABASES).contains(&self.databases) {
            return Err(Error::InvalidConfig(format!(
                "databases must be between 1 and {}, got {}",
                crate::store::db::MAX_DATABASES,
                self.databases
            )));
        }
        if self.pubsub_queue_limit == 0 {
            return Err(Error::InvalidConfig(
                "pub/sub queue limit must be positive".into(),
            ));
        }
        #[cfg(feature = "remote")]
        let remote = match self.remote {
            Some((url, _)) if url.is_empty() => {
                return Err(Error::InvalidConfig(
                    "remote_options without remote(url)".into(),
                ))
            }
            Some(_) if self.policy == EvictionPolicy::NoEviction => {
                return Err(Error::InvalidConfig(
                    "noeviction is refused in near-cache mode: local copies must be evictable"
                        .into(),
                ))
            }
            Some(_) if !self.notify_keyspace_events.is_empty() => {
                return Err(Error::InvalidConfig(
                    "keyspace notifications come from the server in near-cache mode: set \
                     notify-keyspace-events there"
                        .into(),
                ))
            }
            Some(_) if self.snapshot_path.is_some() => {
                return Err(Error::InvalidConfig(
                    "snapshot_path is refused in near-cache mode: the server holds the data \
                     (and its own snapshots); local copies would load stale"
                        .into(),
                ))
            }
            Some((url, options)) => Some(crate::remote::Remote::start(&url, options)?),
            None => None,
        };
        let config = Config {
            #[cfg(feature = "remote")]
            remote,
            notify_keyspace_events: crate::notify::parse(&self.notify_keyspace_events)?,
            pubsub_queue_limit: self.pubsub_queue_limit,
            databases: self.databases,
            snapshot_path: self.snapshot_path,
            save_rules: self.save_rules,
            save_on_shutdown: self.save_on_shutdown,
            snapshot_lenient: self.snapshot_lenient,
            shards,
            policy: self.policy,
            default_ttl: self.default_ttl,
            clock: self.clock,
        };
        Cache::from_config(
            config,
            self.max_memory,
            self.max_entries,
            self.active_expiry.then_some(self.hz),
        )
    }
}
