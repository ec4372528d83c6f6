//! The cache handle: `fc_cache_new` / `fc_cache_free`.

use std::ffi::{c_char, CStr};
use std::time::Duration;

use ferricache::{Cache, EvictionPolicy, RemoteOptions, WhenStale};

use crate::ptr::{get, out_required};
use crate::status::{fc_status, guard, Fail, FC_NOT_FOUND};

/// An opaque handle to a cache. One handle may be used from many threads at once.
pub struct fc_cache {
    pub(crate) cache: Cache,
}

/// Settings for `fc_cache_new`. A zeroed struct (`fc_options opts = {0};`) means the
/// defaults; each field's 0 (or NULL) keeps its default. The `remote_` fields turn on
/// near-cache mode (see the README's "Scaling out").
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct fc_options {
    /// Lock stripes, rounded up to a power of two (0: four per core).
    pub shards: u32,
    /// Memory bound in bytes (0: unbounded).
    pub max_memory: u64,
    /// Bound on the number of keys (0: unbounded).
    pub max_entries: u64,
    /// Eviction policy by its CONFIG name, for example "allkeys-lru" or "s3-fifo"
    /// (NULL: "s3-fifo").
    pub eviction_policy: *const c_char,
    /// TTL given to keys written without one, in milliseconds (0: none).
    pub default_ttl_ms: u64,
    /// Active expiry's shortest period between runs, in milliseconds (0: Redis's `hz` of
    /// 10, 100 ms). A background thread reclaims expired keys as they fall due and
    /// sleeps while nothing is due (see `no_active_expiry`).
    pub background_expiry_ms: u64,
    /// Non-zero: no active-expiry thread; expired keys (invisible all the same) are
    /// reclaimed by reads and writes only.
    pub no_active_expiry: u8,
    /// Near-cache mode: the URL of the Redis / Valkey / ElastiCache server (or any node of
    /// a Redis Cluster) that stays the source of truth, `redis://` or `rediss://` (NULL:
    /// local only). Misses and writes then wait for the server; hits stay local.
    pub remote_url: *const c_char,
    /// Near-cache mode: keep local copies only of keys under these prefixes
    /// (`remote_local_prefix_count` strings; 0: every key).
    pub remote_local_prefixes: *const *const c_char,
    /// The number of strings in `remote_local_prefixes`.
    pub remote_local_prefix_count: usize,
    /// Near-cache mode: the largest string kept locally, in bytes (0: 1 MiB).
    pub remote_max_value_bytes: u64,
    /// Near-cache mode: the most elements of a collection kept locally (0: 10,000).
    pub remote_max_elements: u64,
    /// Near-cache mode: no copy is served once the invalidation stream has been silent this
    /// long, in milliseconds (0: 1000).
    pub remote_max_staleness_ms: u64,
    /// Near-cache mode: nonzero keeps serving copies while the stream is down (counted as
    /// stale serves); 0 asks the server, failing fast if it is down.
    pub remote_serve_stale: u8,
    /// Near-cache mode: connect and command timeouts in milliseconds (0: 2000 each).
    pub remote_connect_timeout_ms: u64,
    /// See `remote_connect_timeout_ms`.
    pub remote_command_timeout_ms: u64,
    /// Near-cache mode: connections to each server node (0: 8).
    pub remote_pool_size: u32,
    /// Near-cache mode with `rediss://`: a PEM file of the CA that signed the server's
    /// certificate (NULL: the system's trust store).
    pub remote_tls_ca_file: *const c_char,
    /// Databases that SELECT and `fc_cache_select` choose from, 1 to 256 (0: 16).
    pub databases: u32,
    /// The RDB snapshot file (NULL: none): loaded by `fc_cache_new` if it exists (a bad
    /// file fails it with `FC_INVALID_ARGUMENT`, `fc_last_error` naming the byte and key),
    /// written by SAVE and BGSAVE through `fc_command`.
    pub snapshot_path: *const c_char,
    /// Nonzero: streams, modules and functions in the snapshot file (a Redis backup's)
    /// are skipped, and counted in INFO persistence, instead of failing `fc_cache_new`.
    pub snapshot_lenient: u8,
}

/// All zeros and NULLs: every default, as `fc_options opts = {0};` in C.
impl Default for fc_options {
    fn default() -> Self {
        fc_options {
            shards: 0,
            max_memory: 0,
            max_entries: 0,
            eviction_policy: std::ptr::null(),
            default_ttl_ms: 0,
            background_expiry_ms: 0,
            no_active_expiry: 0,
            remote_url: std::ptr::null(),
            remote_local_prefixes: std::ptr::null(),
            remote_local_prefix_count: 0,
            remote_max_value_bytes: 0,
            remote_max_elements: 0,
            remote_max_staleness_ms: 0,
            remote_serve_stale: 0,
            remote_connect_timeout_ms: 0,
            remote_command_timeout_ms: 0,
            remote_pool_size: 0,
            remote_tls_ca_file: std::ptr::null(),
            databases: 0,
            snapshot_path: std::ptr::null(),
            snapshot_lenient: 0,
        }
    }
}

fn build(opts: Option<&fc_options>) -> Result<Cache, Fail> {
    let mut b = Cache::builder();
    let Some(o) = opts else {
        return Ok(b.build()?);
    };
    if o.shards > 0 {
        b = b.shards(o.shards as usize);
    }
    if o.databases > 0 {
        b = b.databases(o.databases as usize);
    }
    if !o.snapshot_path.is_null() {
        // SAFETY: a NUL-terminated string, by the struct's contract.
        b = b.snapshot_path(unsafe { text(o.snapshot_path, "snapshot_path")? });
    }
    b = b.snapshot_lenient(o.snapshot_lenient != 0);
    let size = |v: u64, what: &str| {
        usize::try_from(v).map_err(|_| Fail::invalid(format!("{what} does not fit in size_t")))
    };
    if o.max_memory > 0 {
        b = b.max_memory(size(o.max_memory, "max_memory")?);
    }
    if o.max_entries > 0 {
        b = b.max_entries(size(o.max_entries, "max_entries")?);
    }
    if !o.eviction_policy.is_null() {
        // SAFETY: the caller passes a NUL-terminated string when the pointer is non-NULL.
        let name = unsafe { CStr::from_ptr(o.eviction_policy) };
        let name = name
            .to_str()
            .map_err(|_| Fail::invalid("eviction_policy is not UTF-8"))?;
        b = b.eviction_policy(name.parse::<EvictionPolicy>()?);
    }
    if o.default_ttl_ms > 0 {
        b = b.default_ttl(Duration::from_millis(o.default_ttl_ms));
    }
    if o.background_expiry_ms > 0 {
        b = b.background_expiry(Duration::from_millis(o.background_expiry_ms));
    }
    if o.no_active_expiry != 0 {
        b = b.active_expiry(false);
    }
    if !o.remote_url.is_null() {
        // SAFETY: a NUL-terminated string, by the struct's contract.
        let url = unsafe { text(o.remote_url, "remote_url")? };
        b = b.remote(url).remote_options(remote_options(o)?);
    }
    Ok(b.build()?)
}

/// The text of a NUL-terminated C string, or an error naming the field.
///
/// # Safety
/// `p` is a valid NUL-terminated string.
unsafe fn text<'a>(p: *const c_char, what: &str) -> Result<&'a str, Fail> {
    // SAFETY: by this function's contract.
    unsafe { CStr::from_ptr(p) }
        .to_str()
        .map_err(|_| Fail::invalid(format!("{what} is not UTF-8")))
}

fn remote_options(o: &fc_options) -> Result<RemoteOptions, Fail> {
    let mut r = RemoteOptions::new();
    let ms = Duration::from_millis;
    if o.remote_local_prefix_count > 0 {
        if o.remote_local_prefixes.is_null() {
            return Err(Fail::null("remote_local_prefixes"));
        }
        // SAFETY: `remote_local_prefix_count` pointers, each a NUL-terminated string, by
        // the struct's contract.
        let ptrs = unsafe {
            std::slice::from_raw_parts(o.remote_local_prefixes, o.remote_local_prefix_count)
        };
        let mut prefixes = Vec::with_capacity(ptrs.len());
        for (i, &p) in ptrs.iter().enumerate() {
            if p.is_null() {
                return Err(Fail::null(&format!("remote_local_prefixes[{i}]")));
            }
            // SAFETY: a NUL-terminated string, by the struct's contract.
            prefixes.push(unsafe { CStr::from_ptr(p) }.to_bytes().to_vec());
        }
        r = r.local_prefixes(prefixes);
    }
    let size = |v: u64, what: &str| {
        usize::try_from(v).map_err(|_| Fail::invalid(format!("{what} does not fit in size_t")))
    };
    if o.remote_max_value_bytes > 0 {
        r = r.max_value_bytes(size(o.remote_max_value_bytes, "remote_max_value_bytes")?);
    }
    if o.remote_max_elements > 0 {
        r = r.max_elements(size(o.remote_max_elements, "remote_max_elements")?);
    }
    if o.remote_max_staleness_ms > 0 {
        r = r.max_staleness(ms(o.remote_max_staleness_ms));
    }
    if o.remote_serve_stale != 0 {
        r = r.when_stale(WhenStale::ServeStale);
    }
    if o.remote_connect_timeout_ms > 0 {
        r = r.connect_timeout(ms(o.remote_connect_timeout_ms));
    }
    if o.remote_command_timeout_ms > 0 {
        r = r.command_timeout(ms(o.remote_command_timeout_ms));
    }
    if o.remote_pool_size > 0 {
        r = r.pool_size(o.remote_pool_size as usize);
    }
    if !o.remote_tls_ca_file.is_null() {
        // SAFETY: a NUL-terminated string, by the struct's contract.
        let path = unsafe { text(o.remote_tls_ca_file, "remote_tls_ca_file")? };
        let pem = std::fs::read(path)
            .map_err(|e| Fail::invalid(format!("remote_tls_ca_file {path}: {e}")))?;
        r = r.tls_root_certificate(pem);
    }
    Ok(r)
}

/// Creates a cache. `opts` may be NULL for the defaults. On success `*out` holds a handle
/// to release with `fc_cache_free`.
///
/// # Safety
/// `opts` is NULL or points to an `fc_options`; `out` is a valid place for a pointer.
#[no_mangle]
pub unsafe extern "C" fn fc_cache_new(
    opts: *const fc_options,
    out: *mut *mut fc_cache,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract each pointer is NULL or valid for its use.
        let (opts, out) = unsafe { (opts.as_ref(), out_required(out, "out")?) };
        let cache = build(opts)?;
        *out = Box::into_raw(Box::new(fc_cache { cache }));
        Ok(())
    })
}

/// Makes a handle on database `db` of the same cache (Redis's SELECT for a handle): its
/// keys, DBSIZE, SCAN and FLUSHDB are that database's; memory, eviction and pub/sub are
/// shared. Release it with `fc_cache_free`. `FC_INVALID_ARGUMENT` if `db` is not below
/// `fc_options.databases`, or in near-cache mode for any `db` but 0 (the remote URL names
/// the server's database).
///
/// # Safety
/// `cache` is a live handle; `out` is a valid place for a pointer.
#[no_mangle]
pub unsafe extern "C" fn fc_cache_select(
    cache: *const fc_cache,
    db: u32,
    out: *mut *mut fc_cache,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract each pointer is NULL or valid for its use.
        let (cache, out) = unsafe { (get(cache, "cache")?, out_required(out, "out")?) };
        let selected = cache
            .cache
            .select(db as usize)
            .map_err(|e| Fail::invalid(e.to_string()))?;
        *out = Box::into_raw(Box::new(fc_cache { cache: selected }));
        Ok(())
    })
}

/// Releases a cache handle; NULL is ignored. Other threads must be done with it; replies
/// and subscribers made from it stay valid and are released on their own.
///
/// # Safety
/// `cache` is NULL or a handle from `fc_cache_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn fc_cache_free(cache: *mut fc_cache) {
    if !cache.is_null() {
        // SAFETY: a handle from `fc_cache_new`, freed once, by contract. Dropping a
        // `Cache` does not panic (it joins nothing the caller could hold).
        drop(unsafe { Box::from_raw(cache) });
    }
}

/// Near-cache mode's counters (see `fc_near_cache_stats`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct fc_near_stats {
    /// Reads answered from local copies or known-missing entries, without a round trip.
    pub local_hits: u64,
    /// Round trips that local answers saved (local hits plus stale serves).
    pub round_trips_saved: u64,
    /// Whole keys fetched from the server.
    pub fetches: u64,
    /// Lookups of keys known to be missing, answered locally.
    pub negative_hits: u64,
    /// Commands sent to the server.
    pub forwarded: u64,
    /// Keys the server reported changed.
    pub invalidations: u64,
    /// Times every local copy was dropped.
    pub flushes: u64,
    /// Fills discarded because their key changed in flight.
    pub discarded_fills: u64,
    /// Reads served from copies while the invalidation stream was down.
    pub stale_serves: u64,
    /// Times the invalidation stream was lost and made again.
    pub reconnects: u64,
    /// Nonzero while every invalidation stream is up.
    pub connected: u8,
    /// Server nodes in use (1, or a cluster's masters).
    pub nodes: u32,
}

/// Fills `*out` with the near-cache counters; `FC_NOT_FOUND` if the cache has no
/// `remote_url`. (INFO's `nearcache` section, through `fc_command`, has them as text.)
///
/// # Safety
/// `cache` is a live handle; `out` is a valid place for an `fc_near_stats`.
#[no_mangle]
pub unsafe extern "C" fn fc_near_cache_stats(
    cache: *mut fc_cache,
    out: *mut fc_near_stats,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract each pointer is NULL or valid for its use.
        let (cache, out) = unsafe { (get(cache, "cache")?, out_required(out, "out")?) };
        let s = cache
            .cache
            .near_cache_stats()
            .ok_or_else(|| Fail(FC_NOT_FOUND, "the cache has no remote_url".into()))?;
        *out = fc_near_stats {
            local_hits: s.local_hits,
            round_trips_saved: s.round_trips_saved,
            fetches: s.fetches,
            negative_hits: s.negative_hits,
            forwarded: s.forwarded,
            invalidations: s.invalidations,
            flushes: s.flushes,
            discarded_fills: s.discarded_fills,
            stale_serves: s.stale_serves,
            reconnects: s.reconnects,
            connected: s.connected as u8,
            nodes: s.nodes as u32,
        };
        Ok(())
    })
}
