//! Typed fast paths for the hot commands: no argv to build or parse, no reply tree.
//!
//! Keys, values and members are `(pointer, length)` pairs, binary-safe; NULL is accepted
//! for a length of 0. Out-parameters documented as optional may be NULL.

use std::ptr;

use bytes::Bytes;
use ferricache::{Expiry, SetCondition, SetOptions};

use crate::cache::fc_cache;
use crate::ptr::{bytes, get, out, out_required};
use crate::status::{fc_status, guard, Fail, FC_BUFFER_TOO_SMALL, FC_NOT_FOUND};

/// `fc_set` flag: only write if the key does not exist.
pub const FC_SET_NX: u32 = 1;
/// `fc_set` flag: only write if the key exists.
pub const FC_SET_XX: u32 = 2;
/// `fc_set` flag: keep the key's current TTL (with `ttl_ms` 0).
pub const FC_SET_KEEPTTL: u32 = 4;

fn not_found(what: &str) -> Fail {
    Fail(FC_NOT_FOUND, format!("{what} not found"))
}

/// GET into the caller's buffer. On `FC_OK` the value's `*len` bytes are in `buf`. If
/// `buflen` is too small it returns `FC_BUFFER_TOO_SMALL` and writes only `*len`, the
/// length needed (the one exception to "out-parameters only on success"). A missing key
/// is `FC_NOT_FOUND`; a non-string key `FC_WRONG_TYPE`.
///
/// # Safety
/// `cache` is a live handle; `key` holds `keylen` bytes; `buf` is NULL or writable for
/// `buflen` bytes; `len` is a valid place for a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn fc_get(
    cache: *mut fc_cache,
    key: *const u8,
    keylen: usize,
    buf: *mut u8,
    buflen: usize,
    len: *mut usize,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract each pointer is NULL or valid for its use.
        let (cache, key, len) = unsafe {
            (
                get(cache, "cache")?,
                bytes(key, keylen, "key")?,
                out_required(len, "len")?,
            )
        };
        // Copy under the read lock: no reference-count traffic on the value.
        let copied = cache.cache.get_with(key, |value| {
            if value.len() > buflen || (buf.is_null() && !value.is_empty()) {
                return Err(value.len());
            }
            if !value.is_empty() {
                // SAFETY: `buf` is non-NULL and writable for `buflen >= value.len()` bytes,
                // by contract, and cannot overlap the cache's own copy.
                unsafe { ptr::copy_nonoverlapping(value.as_ptr(), buf, value.len()) };
            }
            Ok(value.len())
        })?;
        let n = match copied {
            None => return Err(not_found("key")),
            Some(Err(needed)) => {
                *len = needed;
                return Err(Fail(
                    FC_BUFFER_TOO_SMALL,
                    format!("the value needs {needed} bytes"),
                ));
            }
            Some(Ok(n)) => n,
        };
        *len = n;
        Ok(())
    })
}

/// Bytes in front of an owned buffer: its full allocation length.
const HEADER: usize = std::mem::size_of::<usize>();

/// GET into a new buffer. On `FC_OK`, `*value` points to `*len` bytes owned by the caller,
/// to release with `fc_bytes_free` (a NUL follows them, so text can be used as a C string).
///
/// # Safety
/// `cache` is a live handle; `key` holds `keylen` bytes; `value` and `len` are valid places
/// to write.
#[no_mangle]
pub unsafe extern "C" fn fc_get_owned(
    cache: *mut fc_cache,
    key: *const u8,
    keylen: usize,
    value: *mut *mut u8,
    len: *mut usize,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract each pointer is NULL or valid for its use.
        let (cache, key, value, len) = unsafe {
            (
                get(cache, "cache")?,
                bytes(key, keylen, "key")?,
                out_required(value, "value")?,
                out_required(len, "len")?,
            )
        };
        let v = cache.cache.get(key)?.ok_or_else(|| not_found("key"))?;
        let total = HEADER + v.len() + 1;
        let mut buf = Vec::with_capacity(total);
        buf.extend_from_slice(&total.to_ne_bytes());
        buf.extend_from_slice(&v);
        buf.push(0);
        let base = Box::into_raw(buf.into_boxed_slice()).cast::<u8>();
        // SAFETY: `base` starts an allocation of `total > HEADER` bytes.
        *value = unsafe { base.add(HEADER) };
        *len = v.len();
        Ok(())
    })
}

/// Releases a buffer from `fc_get_owned`; NULL is ignored.
///
/// # Safety
/// `value` is NULL or a buffer from `fc_get_owned` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn fc_bytes_free(value: *mut u8) {
    if value.is_null() {
        return;
    }
    // SAFETY: `fc_get_owned` returned `base + HEADER`, where `base` starts a boxed slice
    // whose first HEADER bytes hold its length; it is freed once, by contract.
    unsafe {
        let base = value.sub(HEADER);
        let total = usize::from_ne_bytes(base.cast::<[u8; HEADER]>().read_unaligned());
        drop(Box::from_raw(ptr::slice_from_raw_parts_mut(base, total)));
    }
}

fn set_options(ttl_ms: i64, flags: u32) -> Result<SetOptions, Fail> {
    if flags & !(FC_SET_NX | FC_SET_XX | FC_SET_KEEPTTL) != 0 {
        return Err(Fail::invalid(format!("unknown flags {flags:#x}")));
    }
    let condition = match (flags & FC_SET_NX != 0, flags & FC_SET_XX != 0) {
        (true, true) => return Err(Fail::invalid("FC_SET_NX and FC_SET_XX together")),
        (true, false) => SetCondition::Nx,
        (false, true) => SetCondition::Xx,
        (false, false) => SetCondition::Always,
    };
    let expiry = match (ttl_ms, flags & FC_SET_KEEPTTL != 0) {
        (t, _) if t < 0 => return Err(Fail::invalid("ttl_ms is negative")),
        (0, true) => Some(Expiry::KeepTtl),
        (0, false) => None,
        (_, true) => return Err(Fail::invalid("FC_SET_KEEPTTL with a ttl_ms")),
        (t, false) => Some(Expiry::Px(t)),
    };
    Ok(SetOptions {
        expiry,
        condition,
        get: false,
    })
}

/// SET with an optional TTL and NX / XX. `ttl_ms` 0 means no TTL (the cache's default TTL,
/// if it has one, applies); a negative `ttl_ms` is `FC_INVALID_ARGUMENT`. `flags` combines
/// `FC_SET_NX`, `FC_SET_XX`, `FC_SET_KEEPTTL`. Optional `*written` says whether NX / XX let
/// the write happen.
///
/// # Safety
/// `cache` is a live handle; `key` and `value` hold `keylen` and `valuelen` bytes;
/// `written` is NULL or a valid place for a `bool`.
#[no_mangle]
pub unsafe extern "C" fn fc_set(
    cache: *mut fc_cache,
    key: *const u8,
    keylen: usize,
    value: *const u8,
    valuelen: usize,
    ttl_ms: i64,
    flags: u32,
    written: *mut bool,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract each pointer is NULL or valid for its use.
        let (cache, key, value, written) = unsafe {
            (
                get(cache, "cache")?,
                bytes(key, keylen, "key")?,
                bytes(value, valuelen, "value")?,
                out(written),
            )
        };
        let opts = set_options(ttl_ms, flags)?;
        let outcome = cache.cache.set_with(key, value, &opts)?;
        if let Some(w) = written {
            *w = outcome.written;
        }
        Ok(())
    })
}

/// DEL of one key. Optional `*existed` says whether it was there.
///
/// # Safety
/// `cache` is a live handle; `key` holds `keylen` bytes; `existed` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fc_del(
    cache: *mut fc_cache,
    key: *const u8,
    keylen: usize,
    existed: *mut bool,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract each pointer is NULL or valid for its use.
        let (cache, key, existed) = unsafe {
            (
                get(cache, "cache")?,
                bytes(key, keylen, "key")?,
                out(existed),
            )
        };
        let n = cache.cache.del(&[key])?;
        if let Some(e) = existed {
            *e = n == 1;
        }
        Ok(())
    })
}

/// EXISTS of one key, into `*exists`.
///
/// # Safety
/// `cache` is a live handle; `key` holds `keylen` bytes; `exists` is writable.
#[no_mangle]
pub unsafe extern "C" fn fc_exists(
    cache: *mut fc_cache,
    key: *const u8,
    keylen: usize,
    exists: *mut bool,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract each pointer is NULL or valid for its use.
        let (cache, key, exists) = unsafe {
            (
                get(cache, "cache")?,
                bytes(key, keylen, "key")?,
                out_required(exists, "exists")?,
            )
        };
        *exists = cache.cache.exists(&[key])? == 1;
        Ok(())
    })
}

/// PEXPIRE: sets a TTL of `ttl_ms` milliseconds (0 or less deletes the key, as Redis
/// does). Optional `*set` is false when the key does not exist.
///
/// # Safety
/// `cache` is a live handle; `key` holds `keylen` bytes; `set` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fc_expire(
    cache: *mut fc_cache,
    key: *const u8,
    keylen: usize,
    ttl_ms: i64,
    set: *mut bool,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract each pointer is NULL or valid for its use.
        let (cache, key, set) =
            unsafe { (get(cache, "cache")?, bytes(key, keylen, "key")?, out(set)) };
        let done = cache.cache.pexpire(key, ttl_ms)?;
        if let Some(s) = set {
            *s = done;
        }
        Ok(())
    })
}

/// PTTL into `*ttl_ms`: the remaining milliseconds, -1 for a key without TTL, -2 for a
/// missing key.
///
/// # Safety
/// `cache` is a live handle; `key` holds `keylen` bytes; `ttl_ms` is writable.
#[no_mangle]
pub unsafe extern "C" fn fc_ttl(
    cache: *mut fc_cache,
    key: *const u8,
    keylen: usize,
    ttl_ms: *mut i64,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract each pointer is NULL or valid for its use.
        let (cache, key, ttl_ms) = unsafe {
            (
                get(cache, "cache")?,
                bytes(key, keylen, "key")?,
                out_required(ttl_ms, "ttl_ms")?,
            )
        };
        *ttl_ms = cache.cache.pttl(key)?;
        Ok(())
    })
}

/// INCRBY: adds `by` to the integer at `key` (0 if missing); the result goes to optional
/// `*result`. A non-integer value or an overflow is `FC_NOT_INTEGER`.
///
/// # Safety
/// `cache` is a live handle; `key` holds `keylen` bytes; `result` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fc_incr(
    cache: *mut fc_cache,
    key: *const u8,
    keylen: usize,
    by: i64,
    result: *mut i64,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract each pointer is NULL or valid for its use.
        let (cache, key, result) = unsafe {
            (
                get(cache, "cache")?,
                bytes(key, keylen, "key")?,
                out(result),
            )
        };
        let v = cache.cache.incr_by(key, by)?;
        if let Some(r) = result {
            *r = v;
        }
        Ok(())
    })
}

/// ZADD of one member. NaN is `FC_INVALID_ARGUMENT`. Optional `*added` is true for a new
/// member, false for a score update.
///
/// # Safety
/// `cache` is a live handle; `key` and `member` hold `keylen` and `memberlen` bytes;
/// `added` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fc_zadd(
    cache: *mut fc_cache,
    key: *const u8,
    keylen: usize,
    score: f64,
    member: *const u8,
    memberlen: usize,
    added: *mut bool,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract each pointer is NULL or valid for its use.
        let (cache, key, member, added) = unsafe {
            (
                get(cache, "cache")?,
                bytes(key, keylen, "key")?,
                bytes(member, memberlen, "member")?,
                out(added),
            )
        };
        let n = cache
            .cache
            .zadd(key, [(score, Bytes::copy_from_slice(member))])?;
        if let Some(a) = added {
            *a = n == 1;
        }
        Ok(())
    })
}

/// ZSCORE into `*score`; `FC_NOT_FOUND` if the key or member is missing.
///
/// # Safety
/// `cache` is a live handle; `key` and `member` hold `keylen` and `memberlen` bytes;
/// `score` is writable.
#[no_mangle]
pub unsafe extern "C" fn fc_zscore(
    cache: *mut fc_cache,
    key: *const u8,
    keylen: usize,
    member: *const u8,
    memberlen: usize,
    score: *mut f64,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract each pointer is NULL or valid for its use.
        let (cache, key, member, score) = unsafe {
            (
                get(cache, "cache")?,
                bytes(key, keylen, "key")?,
                bytes(member, memberlen, "member")?,
                out_required(score, "score")?,
            )
        };
        *score = cache
            .cache
            .zscore(key, member)?
            .ok_or_else(|| not_found("member"))?;
        Ok(())
    })
}

/// ZREVRANK into `*rank` (0 for the highest score); `FC_NOT_FOUND` if the key or member is
/// missing.
///
/// # Safety
/// `cache` is a live handle; `key` and `member` hold `keylen` and `memberlen` bytes;
/// `rank` is writable.
#[no_mangle]
pub unsafe extern "C" fn fc_zrevrank(
    cache: *mut fc_cache,
    key: *const u8,
    keylen: usize,
    member: *const u8,
    memberlen: usize,
    rank: *mut u64,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract each pointer is NULL or valid for its use.
        let (cache, key, member, rank) = unsafe {
            (
                get(cache, "cache")?,
                bytes(key, keylen, "key")?,
                bytes(member, memberlen, "member")?,
                out_required(rank, "rank")?,
            )
        };
        let r = cache
            .cache
            .zrevrank(key, member)?
            .ok_or_else(|| not_found("member"))?;
        *rank = r as u64;
        Ok(())
    })
}
