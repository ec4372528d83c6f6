//! The engine's locks, rate limiters and atomic batches for JavaScript.

use std::sync::Mutex;
use std::time::Duration;

use ferricache::{LockGuard, RateLimit};
use napi::bindgen_prelude::Either;
use napi::{Error, Result};
use napi_derive::napi;

use crate::reply::{arg_bytes, engine_error, text, Arg, JsReply};

/// A held lock (see `Cache.tryLock`).
#[napi]
pub struct NativeLock {
    guard: Mutex<Option<LockGuard>>,
}

impl NativeLock {
    pub fn new(g: LockGuard) -> NativeLock {
        NativeLock {
            guard: Mutex::new(Some(g)),
        }
    }
}

#[napi]
impl NativeLock {
    /// The random token stored as the lock's value.
    #[napi(getter)]
    pub fn token(&self) -> Option<String> {
        let g = self.guard.lock().unwrap_or_else(|p| p.into_inner());
        g.as_ref()
            .map(|g| String::from_utf8_lossy(g.token()).into_owned())
    }

    /// Releases the lock if it is still ours (compare-and-delete); false if it expired or
    /// changed hands.
    #[napi]
    pub fn release(&self) -> bool {
        let g = self.guard.lock().unwrap_or_else(|p| p.into_inner()).take();
        g.is_some_and(LockGuard::release)
    }

    /// Sets the TTL to `ms` from now if the lock is still ours.
    #[napi]
    pub fn extend(&self, ms: f64) -> Result<bool> {
        let g = self.guard.lock().unwrap_or_else(|p| p.into_inner());
        match g.as_ref() {
            Some(g) => g.extend(millis(ms)?).map_err(engine_error),
            None => Ok(false),
        }
    }
}

pub fn millis(ms: f64) -> Result<Duration> {
    if ms.is_finite() && ms >= 1.0 {
        Ok(Duration::from_millis(ms as u64))
    } else {
        Err(Error::from_reason("ERR a duration must be at least 1 ms"))
    }
}

/// A rate limiter's answer.
#[napi(object)]
pub struct RateLimitReply {
    pub allowed: bool,
    pub limit: f64,
    pub remaining: f64,
    /// Seconds until a retry can succeed (null when allowed).
    pub retry_after: Option<f64>,
    /// Seconds until the full allowance is back.
    pub reset_after: f64,
}

pub fn reply(r: RateLimit) -> RateLimitReply {
    RateLimitReply {
        allowed: r.allowed,
        limit: r.limit as f64,
        remaining: r.remaining as f64,
        retry_after: r.retry_after.map(|d| d.as_secs_f64()),
        reset_after: r.reset_after.as_secs_f64(),
    }
}

/// Runs batch operations atomically: `[name, key, arg?, arg?]` with name one of GET, SET,
/// SETEX (key, seconds, value), DEL, EXISTS, INCRBY (key, n), EXPIRE (key, seconds), PTTL.
/// Each result is the command's reply or an Error, as EXEC reports them.
pub fn atomic(
    cache: &ferricache::Cache,
    ops: Vec<Vec<Arg>>,
    buffers: bool,
) -> Result<Vec<Either<JsReply, Error>>> {
    let mut keys: Vec<Vec<u8>> = ops
        .iter()
        .filter_map(|op| op.get(1).map(|k| arg_bytes(k).to_vec()))
        .collect();
    keys.sort();
    keys.dedup();
    let int = |a: &Arg| -> ferricache::Result<i64> {
        std::str::from_utf8(arg_bytes(a))
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or(ferricache::Error::NotInteger)
    };
    let outs = cache
        .atomic(&keys, |b| {
            Ok(ops
                .iter()
                .map(|op| {
                    let name = op
                        .first()
                        .map(|n| arg_bytes(n).to_ascii_uppercase())
                        .unwrap_or_default();
                    let k = op.get(1).map(arg_bytes).unwrap_or_default();
                    let r: ferricache::Result<JsReply> = match (&name[..], op.len()) {
                        (b"GET", 2) => b
                            .get(k)
                            .map(|v| v.map_or(JsReply::Nil, |v| text(&v, buffers))),
                        (b"SET", 3) => b
                            .set(k, bytes::Bytes::copy_from_slice(arg_bytes(&op[2])))
                            .map(|_| JsReply::Str("OK".into())),
                        (b"SETEX", 4) => int(&op[2]).and_then(|s| {
                            let s = u64::try_from(s)
                                .map_err(|_| ferricache::Error::InvalidExpireTime("setex"))?;
                            b.set_ex(k, s, bytes::Bytes::copy_from_slice(arg_bytes(&op[3])))
                                .map(|_| JsReply::Str("OK".into()))
                        }),
                        (b"DEL", 2) => b.del(k).map(|d| JsReply::Int(d as i64)),
                        (b"EXISTS", 2) => b.exists(k).map(|e| JsReply::Int(e as i64)),
                        (b"INCRBY", 3) => {
                            int(&op[2]).and_then(|n| b.incr_by(k, n)).map(JsReply::Int)
                        }
                        (b"EXPIRE", 3) => int(&op[2])
                            .and_then(|s| b.expire(k, s))
                            .map(|x| JsReply::Int(x as i64)),
                        (b"PTTL", 2) => b.pttl(k).map(JsReply::Int),
                        _ => Err(ferricache::Error::Syntax),
                    };
                    r
                })
                .collect::<Vec<_>>())
        })
        .map_err(engine_error)?;
    Ok(outs
        .into_iter()
        .map(|r| match r {
            Ok(v) => Either::A(v),
            Err(e) => Either::B(engine_error(e)),
        })
        .collect())
}
