//! `NativeCache`: the engine handle behind `Cache` and `createClient`.

use std::time::Duration;

use ferricache::{Cache, EvictionPolicy, Take};
use napi::bindgen_prelude::Buffer;
use napi::{Error, Result};
use napi_derive::napi;

use crate::reply::{arg_bytes, engine_error, to_js, Arg, JsReply};
use crate::subscriber::NativeSubscriber;
use crate::waiter::{NativeWaiter, Notify};

/// Engine options (all optional).
#[napi(object)]
pub struct CacheOptions {
    /// Memory bound in bytes.
    pub max_memory: Option<f64>,
    /// Bound on the number of keys.
    pub max_entries: Option<f64>,
    /// Redis's policy names, or "s3-fifo" (the default).
    pub eviction_policy: Option<String>,
    /// TTL in seconds for keys written without one.
    pub default_ttl: Option<f64>,
    /// Redis's notify-keyspace-events flags.
    pub notify_keyspace_events: Option<String>,
    /// Lock stripes.
    pub shards: Option<u32>,
    /// false: no active-expiry thread (expired keys are reclaimed by reads and writes).
    pub active_expiry: Option<bool>,
    /// Active expiry's runs per second at most (Redis's hz, 1 to 500, default 10).
    pub hz: Option<u32>,
    /// The RDB snapshot file: loaded at construction, written by save() and bgSave().
    pub snapshot_path: Option<String>,
    /// true: a snapshot file's streams, modules and functions are skipped and counted
    /// (INFO persistence) instead of refused.
    pub snapshot_lenient: Option<bool>,
}

impl NativeCache {
    /// The engine.
    pub(crate) fn engine(&self) -> &Cache {
        &self.cache
    }
}

#[napi]
pub struct NativeCache {
    cache: Cache,
}

fn bound(v: Option<f64>, what: &str) -> Result<Option<usize>> {
    match v {
        None => Ok(None),
        Some(x) if x.is_finite() && x >= 0.0 && x.fract() == 0.0 => Ok(Some(x as usize)),
        Some(x) => Err(Error::from_reason(format!(
            "{what} must be a non-negative integer, not {x}"
        ))),
    }
}

#[napi]
impl NativeCache {
    #[napi(constructor)]
    pub fn new(
        options: Option<CacheOptions>,
        remote: Option<crate::near::RemoteSettings>,
    ) -> Result<Self> {
        let mut b = crate::near::configure(Cache::builder(), remote.unwrap_or_default())?;
        if let Some(o) = options {
            if let Some(m) = bound(o.max_memory, "maxMemory")? {
                b = b.max_memory(m);
            }
            if let Some(n) = bound(o.max_entries, "maxEntries")? {
                b = b.max_entries(n);
            }
            if let Some(p) = o.eviction_policy {
                b = b.eviction_policy(p.parse::<EvictionPolicy>().map_err(engine_error)?);
            }
            if let Some(t) = o.default_ttl {
                if !(t.is_finite() && t > 0.0) {
                    return Err(Error::from_reason(
                        "defaultTtl must be a positive number of seconds",
                    ));
                }
                b = b.default_ttl(Duration::from_secs_f64(t));
            }
            if let Some(f) = o.notify_keyspace_events {
                b = b.notify_keyspace_events(&f);
            }
            if let Some(s) = o.shards {
                b = b.shards(s as usize);
            }
            if let Some(on) = o.active_expiry {
                b = b.active_expiry(on);
            }
            if let Some(hz) = o.hz {
                b = b.hz(hz);
            }
            if let Some(p) = o.snapshot_path {
                b = b.snapshot_path(p);
            }
            b = b.snapshot_lenient(o.snapshot_lenient.unwrap_or(false));
        }
        Ok(NativeCache {
            cache: b.build().map_err(engine_error)?,
        })
    }

    /// A handle on database `db` of the same engine (SELECT).
    #[napi]
    pub fn select(&self, db: f64) -> Result<NativeCache> {
        if !(db.is_finite() && db >= 0.0 && db.fract() == 0.0) {
            return Err(Error::from_reason("ERR DB index is out of range"));
        }
        Ok(NativeCache {
            cache: self.cache.select(db as usize).map_err(engine_error)?,
        })
    }

    /// The database this handle works in.
    #[napi(getter)]
    pub fn db(&self) -> u32 {
        self.cache.db() as u32
    }

    /// Registers this cache for the fast functions (`fastSet`, `rawGetter`, ...), which
    /// name it by the returned slot instead of unwrapping `this`; `release` frees the slot.
    #[napi]
    pub fn register(&self) -> u32 {
        crate::fast::register(self.cache.clone())
    }

    /// GET as a Buffer.
    #[napi]
    pub fn get_buffer(&self, key: Arg) -> Result<Option<Buffer>> {
        let v = self.cache.get(arg_bytes(&key)).map_err(engine_error)?;
        Ok(v.map(|v| v.to_vec().into()))
    }

    /// Any command as argv; the reply as node-redis's `sendCommand` gives it (strings, or
    /// Buffers with `buffers`). Blocking commands are refused here: they go through
    /// `popWaiter`, which never blocks the thread.
    #[napi]
    pub fn execute(&self, args: Vec<Arg>, buffers: Option<bool>) -> Result<JsReply> {
        let argv: Vec<&[u8]> = args.iter().map(arg_bytes).collect();
        if let Some(name) = argv.first() {
            let lower = name.to_ascii_lowercase();
            if matches!(
                &lower[..],
                b"blpop" | b"brpop" | b"blmove" | b"brpoplpush" | b"bzpopmin" | b"bzpopmax"
            ) {
                return Err(Error::from_reason(
                    "ERR blocking commands go through the client's blPop / brPop / blMove / bzPopMin / bzPopMax",
                ));
            }
        }
        to_js(self.cache.execute_slices(&argv), buffers.unwrap_or(false))
    }

    /// Registers a blocking pop on `keys` (`take`: "lhead", "ltail", "zmin", "zmax");
    /// `ready` is called on the JS thread once the element is there.
    #[napi]
    pub fn pop_waiter(
        &self,
        keys: Vec<Arg>,
        take: String,
        buffers: bool,
        ready: Notify,
    ) -> Result<NativeWaiter> {
        let take = match take.as_str() {
            "lhead" => Take::ListHead,
            "ltail" => Take::ListTail,
            "zmin" => Take::ZMin,
            "zmax" => Take::ZMax,
            _ => return Err(Error::from_reason("unknown pop kind")),
        };
        let keys: Vec<&[u8]> = keys.iter().map(arg_bytes).collect();
        let w = self.cache.pop_waiter(&keys, take).map_err(engine_error)?;
        Ok(NativeWaiter::new(w, take, buffers, ready))
    }

    /// A subscriber whose `ready` callback runs on the JS thread when messages arrive.
    #[napi]
    pub fn subscriber(&self, buffers: bool, ready: Notify) -> NativeSubscriber {
        NativeSubscriber::new(self.cache.subscriber(), buffers, ready)
    }

    /// Tries once to take the lock `name` for `ttl_ms`; null if another holder has it.
    #[napi]
    pub fn try_lock(&self, name: Arg, ttl_ms: f64) -> Result<Option<crate::patterns::NativeLock>> {
        let g = self
            .cache
            .lock(arg_bytes(&name), crate::patterns::millis(ttl_ms)?)
            .map_err(engine_error)?;
        Ok(g.map(crate::patterns::NativeLock::new))
    }

    /// A rate limiter: "fixed" or "sliding" (`limit` per `period_ms`), or "gcra" (redis-cell's
    /// CL.THROTTLE: `limit` is max_burst, `count` per `period_ms`, weighing `quantity`).
    #[napi]
    pub fn rate_limit(
        &self,
        kind: String,
        key: Arg,
        limit: f64,
        period_ms: f64,
        count: Option<f64>,
        quantity: Option<f64>,
    ) -> Result<crate::patterns::RateLimitReply> {
        let (key, period) = (arg_bytes(&key), crate::patterns::millis(period_ms)?);
        let n = |x: f64| -> Result<u64> {
            if x.is_finite() && x >= 0.0 && x.fract() == 0.0 {
                Ok(x as u64)
            } else {
                Err(Error::from_reason(
                    "ERR limits and counts must be non-negative integers",
                ))
            }
        };
        let r = match kind.as_str() {
            "fixed" => self.cache.rate_limit_fixed(key, n(limit)?, period),
            "sliding" => self.cache.rate_limit_sliding(key, n(limit)?, period),
            "gcra" => self.cache.throttle(
                key,
                n(limit)?,
                n(count.unwrap_or(0.0))?,
                period,
                n(quantity.unwrap_or(1.0))?,
            ),
            _ => return Err(Error::from_reason("unknown limiter")),
        };
        r.map(crate::patterns::reply).map_err(engine_error)
    }

    /// A client with its own MULTI queue and WATCHed keys.
    #[napi]
    pub fn client(&self) -> crate::client::NativeClient {
        crate::client::NativeClient::new(self.cache.client())
    }

    /// The engine's counters.
    #[napi]
    pub fn stats(&self) -> Vec<f64> {
        let s = self.cache.stats();
        vec![
            s.hits as f64,
            s.misses as f64,
            s.keys as f64,
            s.used_memory as f64,
            s.evictions as f64,
            s.expirations as f64,
            s.blocked_clients as f64,
        ]
    }
}
