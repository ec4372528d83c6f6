//! Locks as the lesson takes them (SET key token NX PX ttl), released by compare-and-delete
//! so a holder whose lock expired and passed to another can never release the new holder's.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hashbrown::HashMap;
use parking_lot::{Condvar, Mutex};

use crate::error::{Error, Result};
use crate::Cache;

/// Threads waiting for lock keys, woken when a holder releases.
#[derive(Default)]
pub(crate) struct LockWaiters {
    /// Key -> the condition its waiters sleep on.
    map: Mutex<HashMap<Box<[u8]>, Arc<Condvar>, ahash::RandomState>>,
    /// Held by a waiter from its attempt until it sleeps, and by a releaser while it
    /// notifies: a release can never fall between a failed attempt and the sleep.
    gate: Mutex<()>,
}

/// A held lock; released (compare-and-delete) when dropped.
///
/// ```
/// use ferricache::Cache;
/// use std::time::Duration;
///
/// let cache = Cache::new();
/// let guard = cache.lock("lock:order:42", Duration::from_secs(30)).unwrap().unwrap();
/// assert!(cache.lock("lock:order:42", Duration::from_secs(30)).unwrap().is_none());
/// drop(guard);
/// assert!(cache.lock("lock:order:42", Duration::from_secs(30)).unwrap().is_some());
/// ```
pub struct LockGuard {
    cache: Cache,
    key: Bytes,
    token: Bytes,
    released: bool,
}

fn ttl_ms(ttl: Duration) -> Result<i64> {
    match ttl.as_millis() {
        0 => Err(Error::InvalidExpireTime("set")),
        ms => i64::try_from(ms).map_err(|_| Error::InvalidExpireTime("set")),
    }
}

/// A token no other guard holds: a process-wide counter mixed with a random key.
fn new_token() -> Bytes {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let r = ahash::RandomState::new().hash_one(n);
    Bytes::from(format!("{r:016x}{n:016x}"))
}

impl Cache {
    /// Tries once to take the lock `key` for `ttl`; `None` if another holder has it.
    pub fn lock(&self, key: impl AsRef<[u8]>, ttl: Duration) -> Result<Option<LockGuard>> {
        let key = Bytes::copy_from_slice(key.as_ref());
        let token = new_token();
        let opts = crate::SetOptions::new().nx().px(ttl_ms(ttl)?);
        let taken = self.set_with(&key, token.clone(), &opts)?.written;
        Ok(taken.then(|| LockGuard {
            cache: self.clone(),
            key,
            token,
            released: false,
        }))
    }

    /// Takes the lock `key` for `ttl`, waiting up to `wait` for it. A waiter wakes when the
    /// holder releases, or when the holder's TTL runs out (a holder that crashed); it never
    /// polls. In near-cache mode the lock is on the server and a holder may be another
    /// process, so a waiter also looks again at growing intervals (2 ms to 50 ms).
    pub fn lock_wait(
        &self,
        key: impl AsRef<[u8]>,
        ttl: Duration,
        wait: Duration,
    ) -> Result<Option<LockGuard>> {
        let key = key.as_ref();
        let deadline = Instant::now() + wait;
        let waiters = &self.inner.locks;
        #[cfg(feature = "remote")]
        let mut poll = Duration::from_millis(2);
        loop {
            // Under the gate, so the condition taken is the one the next release notifies.
            let mut gate = waiters.gate.lock();
            let cv = waiters.map.lock().entry(key.into()).or_default().clone();
            if let Some(g) = self.lock(key, ttl)? {
                return Ok(Some(g));
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            let holder_left = match self.pttl(key)? {
                ms if ms > 0 => Duration::from_millis(ms as u64),
                _ => Duration::from_millis(1),
            };
            // A holder in another process releases unseen: look again soon.
            #[cfg(feature = "remote")]
            let holder_left = match crate::remote::routed(&self.inner) {
                Some(_) => {
                    let wait = holder_left.min(poll);
                    poll = (poll * 2).min(Duration::from_millis(50));
                    wait
                }
                None => holder_left,
            };
            cv.wait_until(&mut gate, deadline.min(now + holder_left));
        }
    }
}

impl LockGuard {
    /// The random token this holder set as the lock's value.
    pub fn token(&self) -> &Bytes {
        &self.token
    }

    /// Runs `f` on the lock's slot if the lock is still ours; false otherwise. In
    /// near-cache mode the lock lives on the server: `extend_ms` (0: delete) says what
    /// the server-side compare-and-set does.
    fn if_ours(&self, extend_ms: u64, f: impl FnOnce(&mut crate::store::Tx, u32)) -> bool {
        let key = &self.key[..];
        #[cfg(feature = "remote")]
        if let Some(remote) = crate::remote::routed(&self.cache.inner) {
            return remote.if_ours(&self.cache, key, &self.token, extend_ms);
        }
        let _ = extend_ms;
        self.cache
            .ks()
            .write(key, 0, |tx| {
                let Some(i) = tx.find(key) else {
                    return Ok(false);
                };
                if tx.entry(i).value().as_str().ok() != Some(&self.token) {
                    return Ok(false);
                }
                f(tx, i);
                Ok(true)
            })
            .unwrap_or(false)
    }

    /// Extends the lock's TTL if it is still ours; false if it expired or changed hands.
    pub fn extend(&self, ttl: Duration) -> Result<bool> {
        let ms = ttl_ms(ttl)? as u64;
        Ok(self.if_ours(ms, |tx, i| {
            let at = tx.now().saturating_add(ms);
            tx.set_expire(i, at);
        }))
    }

    /// Releases the lock if it is still ours (atomic compare-and-delete); false if it had
    /// expired or changed hands.
    pub fn release(mut self) -> bool {
        self.release_inner()
    }

    fn release_inner(&mut self) -> bool {
        if std::mem::replace(&mut self.released, true) {
            return false;
        }
        let ours = self.if_ours(0, |tx, i| {
            tx.remove(i);
        });
        let waiters = &self.cache.inner.locks;
        let _gate = waiters.gate.lock();
        if let Some(cv) = waiters.map.lock().remove(&self.key[..]) {
            cv.notify_all();
        }
        ours
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        self.release_inner();
    }
}
