//! The lesson's distributed patterns in near-cache mode, on the server so that every
//! process shares them: rate limiters as a compare-and-set loop over the limiter's pure
//! step (with the server's clock), lock release and extension as compare-and-delete
//! scripts, and a cluster-wide turn for `get_or_set_with`'s loader.

use std::time::Duration;

use bytes::Bytes;

use super::contention::Contention;
use super::Remote;
use crate::dispatch::Reply;
use crate::error::{Error, Result};
use crate::patterns::rate_limit::{RateLimit, Step, Stored};
use crate::{Cache, LockGuard};

/// Reads a key's text, deadline (Unix ms, 0: none) and the server's time; with
/// ARGV[1] = 'cas' it first sets the key to ARGV[4] (deadline ARGV[5], 0: none) if the
/// key still holds ARGV[2] (or is missing, when ARGV[3] is '0'), and then answers {1}.
const LIMITER: &str = r#"
local k = KEYS[1]
local cur = redis.call('GET', k)
if ARGV[1] == 'cas' then
  if (ARGV[3] == '1' and cur == ARGV[2]) or (ARGV[3] == '0' and not cur) then
    if ARGV[5] == '0' then redis.call('SET', k, ARGV[4])
    else redis.call('SET', k, ARGV[4], 'PXAT', ARGV[5]) end
    return {1}
  end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local pttl = redis.call('PTTL', k)
local deadline = 0
if pttl > 0 then deadline = now + pttl end
return {0, now, deadline, cur}
"#;

/// Runs `then` on the lock key if it still holds the token ARGV[1]: DEL, or PEXPIRE
/// ARGV[2] ms.
const IF_OURS: &str = r#"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then redis.call('DEL', KEYS[1])
else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
"#;

/// Where `get_or_set_with` stands across processes.
pub(crate) enum FillTurn {
    /// Another process loaded the value meanwhile.
    Loaded(Bytes),
    /// This process holds the key's fill lock: it loads, then the guard releases.
    Ours(LockGuard),
}

impl Remote {
    fn eval(&self, cache: &Cache, script: &str, key: &[u8], args: &[&[u8]]) -> Reply {
        let mut argv: Vec<&[u8]> = vec![b"EVAL", script.as_bytes(), b"1", key];
        argv.extend_from_slice(args);
        self.forward(cache, &argv, Some(&[key]))
    }

    /// A rate limiter's step, applied on the server by compare-and-set.
    pub(crate) fn limit(&self, cache: &Cache, key: &[u8], step: &Step) -> Result<RateLimit> {
        let mut reply = self.eval(cache, LIMITER, key, &[b"read"]);
        let mut contention = Contention::new();
        loop {
            let (now, stored) = limiter_state(reply)?;
            let (answer, write) = step(now, stored.clone())?;
            let Some((text, deadline)) = write else {
                return Ok(answer);
            };
            let (expected, present) = match &stored {
                Some((t, _)) => (&t[..], &b"1"[..]),
                None => (&b""[..], &b"0"[..]),
            };
            let deadline = deadline.to_string();
            let args: [&[u8]; 5] = [b"cas", expected, present, &text, deadline.as_bytes()];
            reply = self.eval(cache, LIMITER, key, &args);
            if matches!(&reply, Reply::Array(r) if r.len() == 1) {
                return Ok(answer);
            }
            if !contention.lost() {
                return Err(Error::Remote(
                    "ERR rate limiter: the key kept changing under contention; try again".into(),
                ));
            }
            // The failed step's answer is the state as it was then; read it as it is now.
            reply = self.eval(cache, LIMITER, key, &[b"read"]);
        }
    }

    /// The lock's compare-and-delete (`extend_ms` 0) or compare-and-extend.
    pub(crate) fn if_ours(&self, cache: &Cache, key: &[u8], token: &[u8], extend_ms: u64) -> bool {
        let ms = extend_ms.to_string();
        matches!(
            self.eval(cache, IF_OURS, key, &[token, ms.as_bytes()]),
            Reply::Integer(1)
        )
    }

    /// Waits for `key`'s turn to be loaded across processes: the value once another
    /// process stored it, or the key's fill lock (held for at most `fill_lock_ttl`).
    pub(crate) fn fill_turn(&self, cache: &Cache, key: &[u8]) -> Result<FillTurn> {
        let lock_key = [&b"ferricache:fill:"[..], key].concat();
        let mut pause = Duration::from_millis(1);
        loop {
            // Both reads are usually local: the lock's copy and the value's negative entry
            // are dropped by the server's invalidations when the other loader finishes.
            if cache.get(&lock_key)?.is_none() {
                if let Some(guard) = cache.lock(&lock_key, self.options.fill_lock_ttl)? {
                    return Ok(match cache.get(key)? {
                        Some(v) => FillTurn::Loaded(v),
                        None => FillTurn::Ours(guard),
                    });
                }
            }
            if let Some(v) = cache.get(key)? {
                return Ok(FillTurn::Loaded(v));
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(20));
        }
    }
}

/// The server's time and the limiter key's state, from a LIMITER reply.
fn limiter_state(reply: Reply) -> Result<(u64, Stored)> {
    let bad = |r: &Reply| Error::Remote(format!("ERR unexpected limiter reply: {r:?}"));
    let parts = match reply {
        Reply::Error(e) => return Err(Error::from_reply(e)),
        Reply::Array(parts) if parts.len() >= 3 => parts,
        r => return Err(bad(&r)),
    };
    let int = |r: &Reply| match r {
        Reply::Integer(n) => Ok(*n as u64),
        r => Err(bad(r)),
    };
    let (now, deadline) = (int(&parts[1])?, int(&parts[2])?);
    let stored = match parts.get(3) {
        Some(Reply::Bulk(text)) => Some((text.clone(), deadline)),
        _ => None,
    };
    Ok((now, stored))
}
