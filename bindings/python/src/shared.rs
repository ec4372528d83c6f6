//! The process's shared engine. `ferricache.Cache()` attaches to one engine per process, as
//! every `redis.Redis()` of a program reaches one server's data; `private=True` makes an
//! engine of its own. A construction that asks for engine options other than those the
//! shared engine was made with is refused rather than silently given the first one's.

use std::fmt;
use std::time::Duration;

use ferricache::{Cache, EvictionPolicy};
use parking_lot::Mutex;

/// The engine options one construction asked for; `None` where it left the default.
#[derive(Clone, Debug, Default)]
pub(crate) struct EngineOptions {
    pub max_memory: Option<usize>,
    pub max_entries: Option<usize>,
    /// The name as given, and the policy it parses to (compared by the policy).
    pub eviction_policy: Option<(String, EvictionPolicy)>,
    pub default_ttl: Option<Duration>,
    pub notify_keyspace_events: Option<String>,
    pub shards: Option<usize>,
    pub pubsub_queue_limit: Option<usize>,
    /// `active_expiry=False`: no expiry thread.
    pub active_expiry: Option<bool>,
    pub hz: Option<usize>,
    /// The RDB snapshot file (loaded at build, written by SAVE / BGSAVE).
    pub snapshot_path: Option<std::path::PathBuf>,
    /// Skip streams, modules and functions in the snapshot file instead of failing.
    pub snapshot_lenient: bool,
    /// Near-cache mode: the server's URL and the options.
    pub remote: Option<(String, ferricache::RemoteOptions)>,
}

/// Remote settings compared by URL and options (RemoteOptions has no `PartialEq`; its
/// `Debug` lists every setting, keys redacted).
fn remote_key(r: &Option<(String, ferricache::RemoteOptions)>) -> Option<(String, String)> {
    r.as_ref().map(|(u, o)| (u.clone(), format!("{o:?}")))
}

impl EngineOptions {
    fn is_default(&self) -> bool {
        self.same_as(&Self::default()) && self.eviction_policy.is_none()
    }

    fn same_as(&self, other: &Self) -> bool {
        let policy = |o: &Self| o.eviction_policy.as_ref().map(|p| p.1);
        self.max_memory == other.max_memory
            && self.max_entries == other.max_entries
            && policy(self) == policy(other)
            && self.default_ttl == other.default_ttl
            && self.notify_keyspace_events == other.notify_keyspace_events
            && self.shards == other.shards
            && self.pubsub_queue_limit == other.pubsub_queue_limit
            && self.active_expiry.unwrap_or(true) == other.active_expiry.unwrap_or(true)
            && self.hz == other.hz
            && self.snapshot_path == other.snapshot_path
            && self.snapshot_lenient == other.snapshot_lenient
            && remote_key(&self.remote) == remote_key(&other.remote)
    }

    /// The engine these options describe.
    pub fn build(&self) -> ferricache::Result<Cache> {
        let mut b = Cache::builder();
        if let Some(m) = self.max_memory {
            b = b.max_memory(m);
        }
        if let Some(n) = self.max_entries {
            b = b.max_entries(n);
        }
        if let Some((_, p)) = self.eviction_policy {
            b = b.eviction_policy(p);
        }
        if let Some(t) = self.default_ttl {
            b = b.default_ttl(t);
        }
        if let Some(f) = &self.notify_keyspace_events {
            b = b.notify_keyspace_events(f);
        }
        if let Some(s) = self.shards {
            b = b.shards(s);
        }
        if let Some(l) = self.pubsub_queue_limit {
            b = b.pubsub_queue_limit(l);
        }
        if let Some(on) = self.active_expiry {
            b = b.active_expiry(on);
        }
        if let Some(hz) = self.hz {
            b = b.hz(u32::try_from(hz).unwrap_or(u32::MAX));
        }
        if let Some(p) = &self.snapshot_path {
            b = b.snapshot_path(p);
        }
        b = b.snapshot_lenient(self.snapshot_lenient);
        if let Some((url, options)) = &self.remote {
            b = b.remote(url).remote_options(options.clone());
        }
        b.build()
    }
}

/// Python keyword syntax: `max_memory=1024, eviction_policy='allkeys-lru'`.
impl fmt::Display for EngineOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        let mut num = |name: &str, v: Option<usize>| {
            if let Some(v) = v {
                parts.push(format!("{name}={v}"));
            }
        };
        num("max_memory", self.max_memory);
        num("max_entries", self.max_entries);
        num("shards", self.shards);
        num("pubsub_queue_limit", self.pubsub_queue_limit);
        num("hz", self.hz);
        if self.active_expiry == Some(false) {
            parts.push("active_expiry=False".into());
        }
        if let Some(p) = &self.snapshot_path {
            parts.push(format!("snapshot_path='{}'", p.display()));
        }
        if self.snapshot_lenient {
            parts.push("snapshot_lenient=True".into());
        }
        if let Some((name, _)) = &self.eviction_policy {
            parts.push(format!("eviction_policy='{name}'"));
        }
        if let Some(t) = self.default_ttl {
            parts.push(format!("default_ttl={}", t.as_secs_f64()));
        }
        if let Some(n) = &self.notify_keyspace_events {
            parts.push(format!("notify_keyspace_events='{n}'"));
        }
        if let Some((url, _)) = &self.remote {
            parts.push(format!("remote='{url}'"));
        }
        if parts.is_empty() {
            f.write_str("the default options")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// Why an engine could not be made: the server's faults as redis-py's ConnectionError /
/// TimeoutError, anything else (a bad option) as DataError.
pub(crate) fn construction_error(e: ferricache::Error) -> pyo3::PyErr {
    match e {
        ferricache::Error::RemoteUnavailable(_) | ferricache::Error::RemoteTimeout(_) => {
            crate::errors::from_error(e)
        }
        e => crate::errors::DataError::new_err(e.to_string()),
    }
}

/// The shared engine and the options it was made with. Taken only to attach or make it;
/// never held while the engine runs a command.
static SHARED: Mutex<Option<(EngineOptions, Cache)>> = Mutex::new(None);

/// The shared engine: made with `options` on first use; afterwards, the same engine for a
/// construction that gives no options or the same ones, and an error for any other.
pub(crate) fn shared(options: &EngineOptions) -> pyo3::PyResult<Cache> {
    let mut slot = SHARED.lock();
    if let Some((made_with, cache)) = slot.as_ref() {
        if options.is_default() || options.same_as(made_with) {
            return Ok(cache.clone());
        }
        return Err(crate::errors::DataError::new_err(format!(
            "this process's shared cache was made with {made_with}, and this Cache() asks for \
             {options}: give the same options, none, or private=True for a cache of its own"
        )));
    }
    let cache = options.build().map_err(construction_error)?;
    *slot = Some((options.clone(), cache.clone()));
    Ok(cache)
}
