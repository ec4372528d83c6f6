//! Atomic batches: several commands on several keys that no other command can interleave
//! with, what MULTI/EXEC gives Redis users.
//!
//! [`Cache::atomic`] write-locks the shards of the declared keys, in ascending order (so
//! batches never deadlock with each other or with multi-key commands), runs the closure, and
//! unlocks. Other commands on those shards wait meanwhile; nobody sees a half-done batch.
//! Like EXEC, a batch is isolated but not rolled back: if the closure returns an error,
//! what it already changed stays. In near-cache mode the batch runs on the server, as an
//! optimistic transaction (WATCH, then MULTI/EXEC; see `remote::batch`).

use bytes::Bytes;

use crate::commands::num::parse_i64;
use crate::commands::strings::check_len;
use crate::error::{Error, Result};
use crate::store::MultiTx;
use crate::value::Value;
use crate::{Cache, StringValue};

/// The commands available inside [`Cache::atomic`], on the keys it declared.
pub struct Batch<'a, 'b> {
    cache: &'a Cache,
    at: At<'a, 'b>,
    keys: Vec<Bytes>,
}

/// Where a batch's commands run.
enum At<'a, 'b> {
    /// On this engine, under the declared keys' shard locks.
    Local(&'a mut MultiTx<'b>),
    /// On the server (near-cache mode).
    #[cfg(feature = "remote")]
    Server(&'a mut crate::remote::ServerBatch<'b>),
}

/// Runs the local form, or in near-cache mode the server's form, of a batch command.
macro_rules! on {
    ($self:ident, $key:expr, |$tx:ident| $local:expr, |$server:ident| $remote:expr) => {{
        let k = $self.index($key)?;
        match &mut $self.at {
            At::Local(multi) => {
                #[allow(unused_mut)]
                let mut $tx = multi.key(k);
                $local
            }
            #[cfg(feature = "remote")]
            At::Server($server) => $remote,
        }
    }};
}

impl<'a, 'b> Batch<'a, 'b> {
    #[cfg(feature = "remote")]
    pub(crate) fn on_server(
        cache: &'a Cache,
        server: &'a mut crate::remote::ServerBatch<'b>,
        keys: Vec<Bytes>,
    ) -> Batch<'a, 'b> {
        Batch {
            cache,
            at: At::Server(server),
            keys,
        }
    }
}

impl Batch<'_, '_> {
    fn index(&self, key: &[u8]) -> Result<usize> {
        self.keys
            .iter()
            .position(|k| &k[..] == key)
            .ok_or(Error::Invalid("key not declared in the atomic batch"))
    }

    /// GET.
    pub fn get(&mut self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        let key = key.as_ref();
        on!(
            self,
            key,
            |tx| match tx.find(key) {
                Some(i) => Ok(Some(tx.entry(i).value().str_bytes()?)),
                None => Ok(None),
            },
            |server| server.get(key)
        )
    }

    /// SET (the default TTL applies, as for [`Cache::set`]); borrowed bytes are copied in,
    /// as [`StringValue`] says.
    pub fn set<'v>(&mut self, key: impl AsRef<[u8]>, value: impl StringValue<'v>) -> Result<()> {
        let (key, value) = (key.as_ref(), value.input());
        check_len(value.as_bytes())?;
        let cache = self.cache;
        on!(
            self,
            key,
            |tx| {
                let deadline = cache.default_deadline(&tx);
                cache.store(&mut tx, key, value.into_new(), deadline);
                Ok(())
            },
            |server| {
                server.set(key, value.into_bytes(), None);
                Ok(())
            }
        )
    }

    /// SETEX.
    pub fn set_ex<'v>(
        &mut self,
        key: impl AsRef<[u8]>,
        seconds: u64,
        value: impl StringValue<'v>,
    ) -> Result<()> {
        let (key, value) = (key.as_ref(), value.input());
        check_len(value.as_bytes())?;
        if seconds == 0 || seconds > i64::MAX as u64 / 1000 {
            return Err(Error::InvalidExpireTime("setex"));
        }
        let cache = self.cache;
        on!(
            self,
            key,
            |tx| {
                let deadline = tx.now().saturating_add(seconds * 1000);
                cache.store(&mut tx, key, value.into_new(), deadline);
                Ok(())
            },
            |server| {
                server.set(key, value.into_bytes(), Some(seconds));
                Ok(())
            }
        )
    }

    /// DEL; true if the key existed.
    pub fn del(&mut self, key: impl AsRef<[u8]>) -> Result<bool> {
        let key = key.as_ref();
        on!(
            self,
            key,
            |tx| Ok(tx.find(key).map(|i| tx.remove(i)).is_some()),
            |server| server.del(key)
        )
    }

    /// EXISTS.
    pub fn exists(&mut self, key: impl AsRef<[u8]>) -> Result<bool> {
        let key = key.as_ref();
        on!(self, key, |tx| Ok(tx.find(key).is_some()), |server| server
            .exists(key))
    }

    /// INCRBY: as [`Cache::incr_by`], keeping the TTL.
    pub fn incr_by(&mut self, key: impl AsRef<[u8]>, by: i64) -> Result<i64> {
        let key = key.as_ref();
        let cache = self.cache;
        on!(
            self,
            key,
            |tx| match tx.find(key) {
                Some(i) => {
                    let cur = parse_i64(tx.entry(i).value().as_str()?)?;
                    let new = cur.checked_add(by).ok_or(Error::Overflow)?;
                    tx.set_value(i, Value::from_i64(new));
                    Ok(new)
                }
                None => {
                    let deadline = cache.default_deadline(&tx);
                    tx.insert(key, Value::from_i64(by), deadline);
                    Ok(by)
                }
            },
            |server| server.incr_by(key, by)
        )
    }

    /// EXPIRE key seconds (a time <= 0 deletes); true if the key existed.
    pub fn expire(&mut self, key: impl AsRef<[u8]>, seconds: i64) -> Result<bool> {
        let key = key.as_ref();
        let now = self.cache.ks().now();
        let at = crate::expiry::deadline_after(now, seconds, 1000, false, "expire")?;
        on!(
            self,
            key,
            |tx| {
                let Some(i) = tx.find(key) else {
                    return Ok(false);
                };
                if at <= tx.now() {
                    tx.remove(i);
                } else {
                    tx.set_expire(i, at);
                }
                Ok(true)
            },
            |server| server.expire(key, seconds)
        )
    }

    /// PTTL: ms left, -1 without TTL, -2 if missing.
    pub fn pttl(&mut self, key: impl AsRef<[u8]>) -> Result<i64> {
        let key = key.as_ref();
        on!(
            self,
            key,
            |tx| Ok(match tx.find(key) {
                None => -2,
                Some(i) => match tx.expire_at(i) {
                    0 => -1,
                    at => (at - tx.now()) as i64,
                },
            }),
            |server| server.pttl(key)
        )
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
        mut f: impl FnMut(&mut Batch) -> Result<R>,
    ) -> Result<R> {
        #[cfg(feature = "remote")]
        if let Some(remote) = crate::remote::routed(&self.inner) {
            let keys = keys
                .iter()
                .map(|k| Bytes::copy_from_slice(k.as_ref()))
                .collect();
            return remote.atomic(self, keys, f);
        }
        let keys: Vec<&[u8]> = keys.iter().map(AsRef::as_ref).collect();
        self.ks().write_many(&keys, 0, |multi| {
            let mut batch = Batch {
                cache: self,
                at: At::Local(multi),
                keys: keys.iter().map(|k| Bytes::copy_from_slice(k)).collect(),
            };
            f(&mut batch)
        })
    }
}
