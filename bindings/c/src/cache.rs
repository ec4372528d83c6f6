//! The cache handle: `fc_cache_new` / `fc_cache_free`.

use std::ffi::{c_char, CStr};
use std::time::Duration;

use ferricache::{Cache, EvictionPolicy};

use crate::ptr::out_required;
use crate::status::{fc_status, guard, Fail};

/// An opaque handle to a cache. One handle may be used from many threads at once.
pub struct fc_cache {
    pub(crate) cache: Cache,
}

/// Settings for `fc_cache_new`. A zeroed struct (`fc_options opts = {0};`) means the
/// defaults; each field's 0 (or NULL) keeps its default.
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
    /// Period of a background thread that reclaims expired keys, in milliseconds (0: no
    /// thread; expired keys are reclaimed by reads and writes).
    pub background_expiry_ms: u64,
}

fn build(opts: Option<&fc_options>) -> Result<Cache, Fail> {
    let mut b = Cache::builder();
    let Some(o) = opts else {
        return Ok(b.build()?);
    };
    if o.shards > 0 {
        b = b.shards(o.shards as usize);
    }
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
    Ok(b.build()?)
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
