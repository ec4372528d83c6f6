//! Introspection of one key: OBJECT ENCODING / FREQ / IDLETIME / REFCOUNT and MEMORY USAGE.
//! None of them counts as an access to the key.

use super::num::parse_i64;
use crate::config::EvictionPolicy;
use crate::error::{Error, Result};
use crate::eviction;
use crate::value::{Kind, ValueRef};
use crate::Cache;

/// Redis 7.0's shared integers: values 0..10000 are one object (refcount `i32::MAX`).
const SHARED_INTEGERS: i64 = 10_000;

fn lfu(policy: EvictionPolicy) -> bool {
    matches!(
        policy,
        EvictionPolicy::AllKeysLfu | EvictionPolicy::VolatileLfu
    )
}

impl Cache {
    /// OBJECT ENCODING: the name Redis 7.0 gives the key's encoding (`int`, `embstr`,
    /// `raw`, `quicklist`, `listpack`, `hashtable`, `intset`, `skiplist`); `None` if missing.
    /// A string is named by its content, as SET would encode it: Redis also calls `raw` a
    /// short string built by APPEND, SETRANGE, SETBIT, BITOP or PFADD.
    ///
    /// ```
    /// let cache = ferricache::Cache::new();
    /// cache.set("n", "42").unwrap();
    /// assert_eq!(cache.object_encoding("n").unwrap(), Some("int"));
    /// cache.zadd("z", [(1.0, "a")]).unwrap();
    /// assert_eq!(cache.object_encoding("z").unwrap(), Some("listpack"));
    /// ```
    pub fn object_encoding(&self, key: impl AsRef<[u8]>) -> Result<Option<&'static str>> {
        near!(self, b"OBJECT", "ENCODING", key.as_ref());
        Ok(self
            .ks()
            .inspect(key.as_ref(), |e| e.map(|e| encoding(e.value()))))
    }

    /// OBJECT FREQ: the key's logarithmic access counter, under an LFU policy only (Redis's
    /// error otherwise).
    pub fn object_freq(&self, key: impl AsRef<[u8]>) -> Result<Option<u32>> {
        near!(self, b"OBJECT", "FREQ", key.as_ref());
        let lfu = lfu(self.ks().policy());
        let now = self.ks().now();
        let meta = self.ks().inspect(key.as_ref(), |e| {
            e.map(|e| e.meta().load(std::sync::atomic::Ordering::Relaxed))
        });
        match meta {
            None => Ok(None),
            Some(_) if !lfu => Err(Error::Invalid("An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")),
            Some(meta) => Ok(Some(eviction::lfu_counter(meta, now))),
        }
    }

    /// OBJECT IDLETIME: seconds since the key was last read or written. The engine keeps
    /// access times under the LRU policies only; under the others it answers 0; under an
    /// LFU policy it is Redis's error.
    pub fn object_idletime(&self, key: impl AsRef<[u8]>) -> Result<Option<u64>> {
        near!(self, b"OBJECT", "IDLETIME", key.as_ref());
        let policy = self.ks().policy();
        let now = self.ks().now();
        let meta = self.ks().inspect(key.as_ref(), |e| {
            e.map(|e| e.meta().load(std::sync::atomic::Ordering::Relaxed))
        });
        match meta {
            None => Ok(None),
            Some(_) if lfu(policy) => Err(Error::Invalid("An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")),
            Some(meta) if eviction::needs_time(policy) => {
                // The LRU clock ticks every 16 ms: to the nearest second.
                Ok(Some((eviction::lru_idle_ms(meta, now) + 500) / 1000))
            }
            Some(_) => Ok(Some(0)),
        }
    }

    /// OBJECT REFCOUNT: 1, or `i32::MAX` for the integers 0 to 9999, which Redis shares
    /// (unless an LRU or LFU policy is set).
    pub fn object_refcount(&self, key: impl AsRef<[u8]>) -> Result<Option<i64>> {
        near!(self, b"OBJECT", "REFCOUNT", key.as_ref());
        let shared = !eviction::needs_time(self.ks().policy());
        Ok(self.ks().inspect(key.as_ref(), |e| {
            e.map(|e| match e.value().as_str() {
                Ok(s) if shared && s.len() <= 20 => match parse_i64(s) {
                    Ok(n) if (0..SHARED_INTEGERS).contains(&n) => i64::from(i32::MAX),
                    _ => 1,
                },
                _ => 1,
            })
        }))
    }

    /// MEMORY USAGE: the bytes the key costs this engine (key, value and per-entry
    /// overhead, as `used_memory` counts them); `None` if missing.
    pub fn memory_usage(&self, key: impl AsRef<[u8]>) -> Result<Option<usize>> {
        near!(self, b"MEMORY", "USAGE", key.as_ref());
        Ok(self
            .ks()
            .inspect(key.as_ref(), |e| e.map(crate::store::shard::entry_bytes)))
    }
}

/// Redis 7.0's name for how it would hold `v`.
fn encoding(v: ValueRef<'_>) -> &'static str {
    match (v.as_str(), v.as_coll()) {
        (Ok(s), _) if s.len() <= 20 && parse_i64(s).is_ok() => "int",
        (Ok(s), _) if s.len() <= 44 => "embstr",
        (Ok(_), _) => "raw",
        (_, None) => unreachable!("a value is a string or a collection"),
        (_, Some(c)) => match &c.kind {
            Kind::List(_) => "quicklist",
            Kind::Hash(h) if !h.scans_by_index() => "listpack",
            Kind::Hash(_) => "hashtable",
            Kind::Set(s) if s.len() <= 512 && s.iter().all(|m| parse_i64(m).is_ok()) => "intset",
            Kind::Set(_) => "hashtable",
            Kind::ZSet(z) if !z.scans_by_index() => "listpack",
            Kind::ZSet(_) => "skiplist",
        },
    }
}
