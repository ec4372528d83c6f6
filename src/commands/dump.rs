//! DUMP and RESTORE: a key's value in Redis's own serialization (the RDB encoding, the
//! RDB version and a CRC-64), so a key moves between ferricache and Redis either way.

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::notify;
use crate::rdb;
use crate::store::items::expired;
use crate::Cache;

/// RESTORE's options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RestoreOptions {
    /// Overwrite an existing key (else BUSYKEY).
    pub replace: bool,
    /// The TTL is an absolute Unix time in milliseconds.
    pub absttl: bool,
    /// Seconds since the key's last access, for the LRU policies.
    pub idle_time: Option<u64>,
    /// The LFU counter, for the LFU policies.
    pub freq: Option<u8>,
}

impl Cache {
    /// DUMP: the value of `key` serialized as Redis serializes it (`None` if missing).
    /// RESTORE takes it back, here or on a Redis server.
    ///
    /// ```
    /// use ferricache::{Cache, RestoreOptions};
    ///
    /// let cache = Cache::new();
    /// cache.rpush("queue", ["a", "b"]).unwrap();
    /// let payload = cache.dump("queue").unwrap().unwrap();
    /// cache.restore("copy", 0, &payload, &RestoreOptions::default()).unwrap();
    /// assert_eq!(cache.lrange("copy", 0, -1).unwrap(), ["a", "b"]);
    /// ```
    pub fn dump(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        near!(self, b"DUMP", key.as_ref());
        Ok(self.ks().read(key.as_ref(), true, |e| {
            e.map(|e| rdb::value::dump(&e.value().to_value()))
        }))
    }

    /// RESTORE key ttl payload: creates `key` from a DUMP payload (of this engine or of
    /// Redis 7.0 to 7.4 and Valkey 8) with a TTL in milliseconds (0: none). Errors, in
    /// Redis's order: BUSYKEY when the key exists without `replace`, a negative TTL, a
    /// wrong version or checksum, a payload that does not decode. A TTL already past
    /// creates nothing (and with `replace` deletes the old key), as in Redis.
    pub fn restore(
        &self,
        key: impl AsRef<[u8]>,
        ttl_ms: i64,
        payload: &[u8],
        opts: &RestoreOptions,
    ) -> Result<()> {
        let key = key.as_ref();
        near!(@argv self, "RESTORE" .arg(key) .arg(ttl_ms) .arg(payload)
            .arg(opts.replace.then_some("REPLACE")) .arg(opts.absttl.then_some("ABSTTL"))
            .args(opts.idle_time.map(|s| ["IDLETIME".to_string(), s.to_string()]).into_iter().flatten())
            .args(opts.freq.map(|f| ["FREQ".to_string(), f.to_string()]).into_iter().flatten()));
        // Decoded before the lock is taken; its error comes after the ones Redis checks
        // first.
        let value = rdb::value::undump(payload);
        self.ks().write(key, payload.len(), |tx| {
            let found = tx.find(key);
            if found.is_some() && !opts.replace {
                return Err(Error::BusyKey);
            }
            if ttl_ms < 0 {
                return Err(Error::Invalid("Invalid TTL value, must be >= 0"));
            }
            let value = value?;
            let deadline = match (ttl_ms, opts.absttl) {
                (0, _) => 0,
                (t, true) => t as u64,
                (t, false) => tx.now().saturating_add(t as u64),
            };
            if let Some(i) = found {
                tx.remove(i);
            }
            if expired(deadline, || tx.now()) {
                if found.is_some() {
                    tx.notify(notify::GENERIC, "del", key);
                }
                return Ok(());
            }
            let i = tx.insert(key, value, deadline);
            let policy = self.eviction_policy();
            let meta = crate::eviction::restored_meta(policy, tx.now(), opts.idle_time, opts.freq);
            if let Some(meta) = meta {
                tx.set_meta(i, meta);
            }
            tx.notify(notify::GENERIC, "restore", key);
            Ok(())
        })
    }
}
