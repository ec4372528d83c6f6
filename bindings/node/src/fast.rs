//! The hot calls as plain functions over a registered cache's slot number.
//!
//! napi-rs class methods unwrap `this` on every call (a property lookup in V8 and a borrow
//! registration), which costs several hundred nanoseconds here; a plain function with a
//! `u32` slot costs a fraction of that. `Cache` (index.js) registers its engine once and
//! releases the slot when it is garbage-collected.

use ferricache::Cache;
use napi::bindgen_prelude::Either;
use napi::{Error, Result};
use napi_derive::napi;
use parking_lot::RwLock;

use crate::reply::{engine_error, Arg};

/// Registered caches by slot. Read-locked by every call (uncontended: one JS thread per
/// isolate), write-locked only to register or release.
static SLOTS: RwLock<Vec<Option<Cache>>> = RwLock::new(Vec::new());

pub fn register(cache: Cache) -> u32 {
    let mut slots = SLOTS.write();
    match slots.iter().position(Option::is_none) {
        Some(i) => {
            slots[i] = Some(cache);
            i as u32
        }
        None => {
            slots.push(Some(cache));
            (slots.len() - 1) as u32
        }
    }
}

pub(crate) fn with<R>(slot: u32, f: impl FnOnce(&Cache) -> Result<R>) -> Result<R> {
    let slots = SLOTS.read();
    match slots.get(slot as usize).and_then(Option::as_ref) {
        Some(c) => f(c),
        None => Err(Error::from_reason("ERR the cache was released")),
    }
}

fn text(v: Option<bytes::Bytes>) -> Option<String> {
    v.map(|v| match String::from_utf8(v.to_vec()) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Frees a slot (the engine goes when its last handle does).
#[napi]
pub fn release(slot: u32) {
    if let Some(s) = SLOTS.write().get_mut(slot as usize) {
        *s = None;
    }
}

/// SET without options.
#[napi]
pub fn fast_set(slot: u32, key: String, value: Arg) -> Result<()> {
    with(slot, |c| {
        match value {
            Either::A(s) => c.set(key.as_bytes(), s),
            Either::B(b) => c.set(key.as_bytes(), &b[..]), // copied in, not via a `Bytes`
        }
        .map_err(engine_error)
    })
}

/// DEL of one key.
#[napi]
pub fn fast_del(slot: u32, key: String) -> Result<u32> {
    with(slot, |c| {
        c.del(&[key.as_bytes()])
            .map(|n| n as u32)
            .map_err(engine_error)
    })
}

/// EXISTS of one key.
#[napi]
pub fn fast_exists(slot: u32, key: String) -> Result<u32> {
    with(slot, |c| {
        c.exists(&[key.as_bytes()])
            .map(|n| n as u32)
            .map_err(engine_error)
    })
}

/// INCRBY.
#[napi]
pub fn fast_incr_by(slot: u32, key: String, by: i64) -> Result<f64> {
    with(slot, |c| {
        c.incr_by(key.as_bytes(), by)
            .map(|v| v as f64)
            .map_err(engine_error)
    })
}

/// HGET as a string.
#[napi]
pub fn fast_hget(slot: u32, key: String, field: String) -> Result<Option<String>> {
    with(slot, |c| {
        c.hget(key.as_bytes(), field.as_bytes())
            .map(text)
            .map_err(engine_error)
    })
}

/// ZSCORE as a number.
#[napi]
pub fn fast_zscore(slot: u32, key: String, member: String) -> Result<Option<f64>> {
    with(slot, |c| {
        c.zscore(key.as_bytes(), member.as_bytes())
            .map_err(engine_error)
    })
}
