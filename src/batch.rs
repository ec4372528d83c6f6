//! Atomic batches: several commands on several keys that no other command can interleave
//! with, what MULTI/EXEC gives Redis users.
//!
//! [`Cache::atomic`] write-locks the shards of the declared keys, in ascending order (so
//! batches never deadlock with each other or with multi-key commands), runs the closure, and
//! unlocks. Other commands on those shards wait meanwhile; nobody sees a half-done batch.
//! Like EXEC, a batch is isolated but not rolled back: if the closure returns an error,
//! what it already changed stays.

use bytes::Bytes;

use crate::commands::num::{format_i64, parse_i64};
use crate::error::{Error, Result};
use crate::store::{MultiTx, Tx};
use crate::value::Value;
use crate::Cache;

/// The commands available inside [`Cache::atomic`], on the keys it declared.
pub struct Batch<'a, 'b> {
    cache: &'a Cache,
    multi: &'a mut MultiTx<'b>,
    keys: Vec<Bytes>,
}

impl Batch<'_, '_> {
    fn tx(&mut self, key: &[u8]) -> Result<Tx<'_>> {
        let k = self
            .keys
            .iter()
            .position(|k| &k[..] == key)
            .ok_or(Error::Invalid("key not declared in the atomic batch"))?;
        Ok(self.multi.key(k))
    }

    /// GET.
    pub fn get(&mut self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        let key = key.as_ref();
        let mut tx = self.tx(key)?;
        match tx.find(key) {
            Some(i) => Ok(Some(tx.entry(i).value.as_str()?.clone())),
            None => Ok(None),
        }
    }

    /// SET (the default TTL applies, as for [`Cache::set`]).
    pub fn set(&mut self, key: impl AsRef<[u8]>, value: impl Into<Bytes>) -> Result<()> {
        let key = key.as_ref();
        let cache = self.cache;
        let mut tx = self.tx(key)?;
        let deadline = cache.default_deadline(&tx);
        cache.store(&mut tx, key, value.into(), deadline);
        Ok(())
    }

    /// SETEX.
    pub fn set_ex(
        &mut self,
        key: impl AsRef<[u8]>,
        seconds: u64,
        value: impl Into<Bytes>,
    ) -> Result<()> {
        let key = key.as_ref();
        if seconds == 0 || seconds > i64::MAX as u64 / 1000 {
            return Err(Error::InvalidExpireTime("setex"));
        }
        let cache = self.cache;
        let mut tx = self.tx(key)?;
        let deadline = tx.now().saturating_add(seconds * 1000);
        cache.store(&mut tx, key, value.into(), deadline);
        Ok(())
    }

    /// DEL; true if the key existed.
    pub fn del(&mut self, key: impl AsRef<[u8]>) -> Result<bool> {
        let key = key.as_ref();
        let mut tx = self.tx(key)?;
        Ok(tx.find(key).map(|i| tx.remove(i)).is_some())
    }

    /// EXISTS.
    pub fn exists(&mut self, key: impl AsRef<[u8]>) -> Result<bool> {
        let key = key.as_ref();
        Ok(self.tx(key)?.find(key).is_some())
    }

    /// INCRBY: as [`Cache::incr_by`], keeping the TTL.
    pub fn incr_by(&mut self, key: impl AsRef<[u8]>, by: i64) -> Result<i64> {
        let key = key.as_ref();
        let cache = self.cache;
        let mut tx = self.tx(key)?;
        match tx.find(key) {
            Some(i) => {
                let cur = parse_i64(tx.entry(i).value.as_str()?)?;
                let new = cur.checked_add(by).ok_or(Error::Overflow)?;
                tx.update(i, |e| e.value = Value::Str(format_i64(new)));
                Ok(new)
            }
            None => {
                let deadline = cache.default_deadline(&tx);
                tx.insert(key, Value::Str(format_i64(by)), deadline);
                Ok(by)
            }
        }
    }

    /// EXPIRE key seconds (a time <= 0 deletes); true if the key existed.
    pub fn expire(&mut self, key: impl AsRef<[u8]>, seconds: i64) -> Result<bool> {
        let key = key.as_ref();
        let mut tx = self.tx(key)?;
        let at = crate::expiry::deadline_after(tx.now(), seconds, 1000, false, "expire")?;
        let Some(i) = tx.find(key) else {
            return Ok(false);
        };
        if at <= tx.now() {
            tx.remove(i);
        } else {
            tx.set_expire(i, at);
        }
        Ok(true)
    }

    /// PTTL: ms left, -1 without TTL, -2 if missing.
    pub fn pttl(&mut self, key: impl AsRef<[u8]>) -> Result<i64> {
        let key = key.as_ref();
        let mut tx = self.tx(key)?;
        Ok(match tx.find(key) {
            None => -2,
            Some(i) => match tx.entry(i).expire_at {
                0 => -1,
                at => (at - tx.now()) as i64,
            },
        })
    }
}

impl Cache {
    /// Runs `f` atomically over `keys`: no other command sees the keys between the batch's
    /// commands. Only the declared keys may be used inside.
    ///
    /// ```
    /// use ferricache::Cache;
    ///
    /// let cache = Cache::new();
    /// cache.set("account:a", "100").unwrap();
    /// // Move 30 from a to b; nobody sees the money in neither or both.
    /// cache.atomic(&["account:a", "account:b"], |tx| {
    ///     tx.incr_by("account:a", -30)?;
    ///     tx.incr_by("account:b", 30)?;
    ///     Ok(())
    /// }).unwrap();
    /// assert_eq!(cache.get("account:b").unwrap().unwrap(), "30");
    /// ```
    pub fn atomic<K: AsRef<[u8]>, R>(
        &self,
        keys: &[K],
        f: impl FnOnce(&mut Batch) -> Result<R>,
    ) -> Result<R> {
        #[cfg(feature = "remote")]
        if crate::remote::routed(&self.inner).is_some() {
            return Err(crate::remote::not_offered(
                "atomic batches (run a script with EVAL instead)",
            ));
        }
        let keys: Vec<&[u8]> = keys.iter().map(AsRef::as_ref).collect();
        self.inner.ks.write_many(&keys, 0, |multi| {
            let mut batch = Batch {
                cache: self,
                multi,
                keys: keys.iter().map(|k| Bytes::copy_from_slice(k)).collect(),
            };
            f(&mut batch)
        })
    }
}
