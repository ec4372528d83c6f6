//! Generic key commands: existence, deletion, renaming, TTLs, and iteration (KEYS, SCAN).

use bytes::Bytes;

use super::strings::Expiry;
use crate::error::{Error, Result};
use crate::eviction::random_u64;
use crate::glob::glob_match;
use crate::notify;
use crate::store::items::EntryRef;
use crate::value::ValueType;
use crate::Cache;

/// EXPIRE's NX / XX / GT / LT flags. XX may be combined with GT or LT; NX with none, and
/// GT not with LT, as in Redis.
///
/// ```
/// use ferricache::{Cache, ExpireCondition, Expiry};
///
/// let cache = Cache::new();
/// cache.set("k", "v").unwrap();
/// // GT treats a key without TTL as infinite, so this does nothing:
/// assert!(!cache.expire_with("k", Expiry::Ex(100), ExpireCondition::new().gt()).unwrap());
/// assert!(cache.expire_with("k", Expiry::Ex(100), ExpireCondition::new().nx()).unwrap());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpireCondition {
    /// Only if the key has no TTL.
    pub nx: bool,
    /// Only if the key has a TTL.
    pub xx: bool,
    /// Only if the new deadline is later (a key without TTL counts as infinite).
    pub gt: bool,
    /// Only if the new deadline is earlier.
    pub lt: bool,
}

impl ExpireCondition {
    /// No condition.
    pub fn new() -> Self {
        Self::default()
    }
    /// NX.
    pub fn nx(mut self) -> Self {
        self.nx = true;
        self
    }
    /// XX.
    pub fn xx(mut self) -> Self {
        self.xx = true;
        self
    }
    /// GT.
    pub fn gt(mut self) -> Self {
        self.gt = true;
        self
    }
    /// LT.
    pub fn lt(mut self) -> Self {
        self.lt = true;
        self
    }

    #[cfg(feature = "remote")]
    fn words(self) -> Vec<&'static str> {
        [
            (self.nx, "NX"),
            (self.xx, "XX"),
            (self.gt, "GT"),
            (self.lt, "LT"),
        ]
        .into_iter()
        .filter_map(|(on, w)| on.then_some(w))
        .collect()
    }

    pub(crate) fn check(self) -> Result<()> {
        if self.nx && (self.xx || self.gt || self.lt) {
            return Err(Error::Invalid(
                "NX and XX, GT or LT options at the same time are not compatible",
            ));
        }
        if self.gt && self.lt {
            return Err(Error::Invalid(
                "GT and LT options at the same time are not compatible",
            ));
        }
        Ok(())
    }

    /// Whether a key whose deadline is `current` (0: none) may get `new`.
    fn allows(self, current: u64, new: u64) -> bool {
        let has = current != 0;
        !(self.nx && has
            || self.xx && !has
            || self.gt && (!has || new <= current)
            || self.lt && has && new >= current)
    }
}

/// SCAN's MATCH, COUNT and TYPE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanOptions {
    /// MATCH: a glob pattern keys must match.
    pub pattern: Option<Bytes>,
    /// COUNT: how many keys to look at per call (a hint; default 10).
    pub count: usize,
    /// TYPE: only keys holding this type.
    pub value_type: Option<ValueType>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            pattern: None,
            count: 10,
            value_type: None,
        }
    }
}

impl ScanOptions {
    /// Every key, ten at a time.
    pub fn new() -> Self {
        Self::default()
    }
    /// MATCH pattern.
    pub fn pattern(mut self, pattern: impl Into<Bytes>) -> Self {
        self.pattern = Some(pattern.into());
        self
    }
    /// COUNT n (at least 1).
    pub fn count(mut self, n: usize) -> Self {
        self.count = n.max(1);
        self
    }
    /// TYPE t.
    pub fn value_type(mut self, t: ValueType) -> Self {
        self.value_type = Some(t);
        self
    }

    fn accepts(&self, e: &EntryRef<'_>) -> bool {
        self.value_type.is_none_or(|t| e.value().value_type() == t)
            && match &self.pattern {
                None => true,
                Some(p) if &p[..] == b"*" => true,
                Some(p) => glob_match(p, e.key()),
            }
    }
}

/// Milliseconds of TTL left as Redis rounds it to seconds.
fn ms_to_secs_rounded(ms: i64) -> i64 {
    (ms + 500) / 1000
}

impl Cache {
    /// DEL: removes the keys; returns how many existed. Atomic over all the keys. Fails
    /// only in near-cache mode, when the server cannot answer.
    ///
    /// ```
    /// let cache = ferricache::Cache::new();
    /// cache.set("a", "1").unwrap();
    /// assert_eq!(cache.del(&["a", "b"]).unwrap(), 1);
    /// ```
    pub fn del<K: AsRef<[u8]>>(&self, keys: &[K]) -> Result<usize> {
        let keys: Vec<&[u8]> = keys.iter().map(AsRef::as_ref).collect();
        #[cfg(feature = "remote")]
        if let Some(remote) = crate::remote::routed(&self.inner) {
            let mut argv: Vec<&[u8]> = vec![b"DEL"];
            argv.extend(&keys);
            return crate::remote::typed::FromReply::from_reply(remote.write_argv(self, &argv)?);
        }
        Ok(self.del_here(&keys))
    }

    /// DEL on this engine's keys.
    fn del_here(&self, keys: &[&[u8]]) -> usize {
        if let [key] = keys[..] {
            return self
                .ks()
                .write(key, 0, |tx| {
                    let gone = tx.find(key).map(|i| tx.remove(i)).is_some();
                    if gone {
                        tx.notify(notify::GENERIC, "del", key);
                    }
                    Ok(gone as usize)
                })
                .unwrap_or(0);
        }
        self.ks()
            .write_many(keys, 0, |m| {
                Ok((0..keys.len())
                    .filter(|&k| {
                        let mut tx = m.key(k);
                        let gone = tx.find(keys[k]).map(|i| tx.remove(i)).is_some();
                        if gone {
                            tx.notify(notify::GENERIC, "del", keys[k]);
                        }
                        gone
                    })
                    .count())
            })
            .unwrap_or(0)
    }

    /// UNLINK: as DEL (memory is released at once either way).
    pub fn unlink<K: AsRef<[u8]>>(&self, keys: &[K]) -> Result<usize> {
        self.del(keys)
    }

    /// EXISTS: how many of the keys exist (a key given twice counts twice).
    pub fn exists<K: AsRef<[u8]>>(&self, keys: &[K]) -> Result<usize> {
        #[cfg(feature = "remote")]
        if crate::remote::routed(&self.inner).is_some() {
            let mut argv: Vec<&[u8]> = vec![b"EXISTS"];
            argv.extend(keys.iter().map(AsRef::as_ref));
            return crate::remote::typed::FromReply::from_reply(self.execute_slices(&argv));
        }
        self.ks().counters.command();
        Ok(keys
            .iter()
            .filter(|k| self.ks().peek(k.as_ref(), false, |e| e.is_some()))
            .count())
    }

    /// TOUCH: records an access to each key; returns how many exist.
    pub fn touch<K: AsRef<[u8]>>(&self, keys: &[K]) -> Result<usize> {
        self.exists(keys)
    }

    /// TYPE: the type of the value at `key`, `None` if missing (Redis replies `none`).
    /// Named `key_type` because `type` is a Rust keyword.
    pub fn key_type(&self, key: impl AsRef<[u8]>) -> Result<Option<ValueType>> {
        near!(self, b"TYPE", key.as_ref());
        Ok(self
            .ks()
            .read(key.as_ref(), false, |e| e.map(|e| e.value().value_type())))
    }

    /// RENAME: moves the value (and its TTL) to `dst`, replacing what was there.
    pub fn rename(&self, src: impl AsRef<[u8]>, dst: impl AsRef<[u8]>) -> Result<()> {
        near!(self, b"RENAME", src.as_ref(), dst.as_ref());
        self.transfer(src.as_ref(), dst.as_ref(), self.db, false, false)
            .map(drop)
    }

    /// RENAMENX: as RENAME, only if `dst` does not exist; true if it moved.
    pub fn renamenx(&self, src: impl AsRef<[u8]>, dst: impl AsRef<[u8]>) -> Result<bool> {
        near!(self, b"RENAMENX", src.as_ref(), dst.as_ref());
        self.transfer(src.as_ref(), dst.as_ref(), self.db, true, false)
    }

    /// COPY: copies the value and TTL of `src` to `dst`; with `replace` an existing `dst`
    /// is overwritten, otherwise nothing happens. True if it copied.
    pub fn copy(
        &self,
        src: impl AsRef<[u8]>,
        dst: impl AsRef<[u8]>,
        replace: bool,
    ) -> Result<bool> {
        near!(@argv self, "COPY" .arg(src.as_ref()) .arg(dst.as_ref()) .arg(replace.then_some("REPLACE")));
        let (src, dst) = (src.as_ref(), dst.as_ref());
        if src == dst {
            return Err(Error::Invalid(
                "source and destination objects are the same",
            ));
        }
        self.transfer(src, dst, self.db, !replace, true)
    }

    /// COPY src dst DB db: as [`Cache::copy`], into database `db`.
    ///
    /// ```
    /// use ferricache::Cache;
    ///
    /// let cache = Cache::new();
    /// cache.set("config", "v1").unwrap();
    /// assert!(cache.copy_to_db("config", "config", 3, false).unwrap());
    /// assert_eq!(cache.select(3).unwrap().get("config").unwrap().unwrap(), "v1");
    /// ```
    pub fn copy_to_db(
        &self,
        src: impl AsRef<[u8]>,
        dst: impl AsRef<[u8]>,
        db: usize,
        replace: bool,
    ) -> Result<bool> {
        near!(@argv self, "COPY" .arg(src.as_ref()) .arg(dst.as_ref()) .arg("DB") .arg(db)
            .arg(replace.then_some("REPLACE")));
        let target = self.select(db)?.db;
        let (src, dst) = (src.as_ref(), dst.as_ref());
        if src == dst && target == self.db {
            return Err(Error::Invalid(
                "source and destination objects are the same",
            ));
        }
        self.transfer(src, dst, target, !replace, true)
    }

    /// MOVE key db: moves `key` with its TTL into database `db`; false (and nothing moves)
    /// if `key` is missing here or present there. Redis's `move`.
    ///
    /// ```
    /// use ferricache::Cache;
    ///
    /// let cache = Cache::new();
    /// cache.set("job:1", "done").unwrap();
    /// assert!(cache.move_to_db("job:1", 1).unwrap());
    /// assert_eq!(cache.exists(&["job:1"]).unwrap(), 0);
    /// assert_eq!(cache.select(1).unwrap().exists(&["job:1"]).unwrap(), 1);
    /// ```
    pub fn move_to_db(&self, key: impl AsRef<[u8]>, db: usize) -> Result<bool> {
        near!(@argv self, "MOVE" .arg(key.as_ref()) .arg(db));
        let target = self.select(db)?.db;
        if target == self.db {
            return Err(Error::Invalid(
                "source and destination objects are the same",
            ));
        }
        let key = key.as_ref();
        let moved = self.ks().write(key, 0, |tx| {
            let Some(i) = tx.find(key) else {
                return Ok(false);
            };
            let from = tx.db;
            tx.db = target;
            if tx.find(key).is_some() {
                return Ok(false);
            }
            tx.written = i;
            tx.db = from;
            tx.notify(notify::GENERIC, "move_from", key);
            tx.db = target;
            tx.notify(notify::GENERIC, "move_to", key);
            tx.data.move_to(i, target);
            Ok(true)
        })?;
        if moved {
            self.in_db(target).serve_waiters(key);
        }
        Ok(moved)
    }

    /// SWAPDB a b: exchanges the contents of two databases at once; clients and their
    /// WATCHes stay where they were (a watched key the swap changes fails their EXEC).
    ///
    /// ```
    /// use ferricache::Cache;
    ///
    /// let cache = Cache::new();
    /// cache.set("live", "old").unwrap();
    /// cache.select(1).unwrap().set("live", "new").unwrap();
    /// cache.swapdb(0, 1).unwrap();
    /// assert_eq!(cache.get("live").unwrap().unwrap(), "new");
    /// ```
    pub fn swapdb(&self, a: usize, b: usize) -> Result<()> {
        #[cfg(feature = "remote")]
        if self.inner.remote.is_some() {
            return Err(Error::Invalid(
                "SWAPDB is not supported in near-cache mode: the server does not invalidate \
                 other processes' copies on SWAPDB",
            ));
        }
        let (a, b) = (self.select(a)?.db, self.select(b)?.db);
        self.ks().counters.command();
        if a == b {
            return Ok(());
        }
        for (db, key) in self.inner.ks.swap_dbs(a, b) {
            self.in_db(db).serve_waiters(&key);
        }
        Ok(())
    }

    fn transfer(
        &self,
        src: &[u8],
        dst: &[u8],
        dst_db: u8,
        nx: bool,
        keep_src: bool,
    ) -> Result<bool> {
        let grow = if keep_src {
            self.ks().read(src, false, |e| {
                e.map_or(0, crate::store::shard::entry_bytes)
            })
        } else {
            0
        };
        let keys = [(self.db, src), (dst_db, dst)];
        self.inner.ks.write_many(&keys, grow, |m| {
            let Some(i) = m.key(0).find(src) else {
                return if keep_src {
                    Ok(false)
                } else {
                    Err(Error::NoSuchKey)
                };
            };
            if src == dst && dst_db == self.db {
                return Ok(!nx);
            }
            if nx && m.key(1).find(dst).is_some() {
                return Ok(false);
            }
            let (value, deadline) = if keep_src {
                let tx = m.key(0);
                (tx.entry(i).value().to_value(), tx.expire_at(i))
            } else {
                let mut tx = m.key(0);
                let deadline = tx.expire_at(i);
                (tx.take(i), deadline)
            };
            if !keep_src {
                m.key(0).notify(notify::GENERIC, "rename_from", src);
            }
            let mut tx = m.key(1);
            if let Some(j) = tx.find(dst) {
                tx.remove(j);
            }
            tx.insert(dst, value, deadline);
            tx.notify(
                notify::GENERIC,
                if keep_src { "copy_to" } else { "rename_to" },
                dst,
            );
            Ok(true)
        })
    }

    /// EXPIRE key seconds: sets a TTL; a time <= 0 deletes the key. True if it applied.
    pub fn expire(&self, key: impl AsRef<[u8]>, seconds: i64) -> Result<bool> {
        near!(self, b"EXPIRE", key.as_ref(), seconds.to_string());
        self.expire_with(key, Expiry::Ex(seconds), ExpireCondition::new())
    }

    /// PEXPIRE key milliseconds.
    pub fn pexpire(&self, key: impl AsRef<[u8]>, ms: i64) -> Result<bool> {
        near!(self, b"PEXPIRE", key.as_ref(), ms.to_string());
        self.expire_with(key, Expiry::Px(ms), ExpireCondition::new())
    }

    /// EXPIREAT key unix-seconds.
    pub fn expire_at(&self, key: impl AsRef<[u8]>, unix_secs: i64) -> Result<bool> {
        self.expire_with(key, Expiry::ExAt(unix_secs), ExpireCondition::new())
    }

    /// PEXPIREAT key unix-milliseconds.
    pub fn pexpire_at(&self, key: impl AsRef<[u8]>, unix_ms: i64) -> Result<bool> {
        self.expire_with(key, Expiry::PxAt(unix_ms), ExpireCondition::new())
    }

    /// The EXPIRE family with NX / XX / GT / LT: `when` is `Ex`, `Px`, `ExAt` or `PxAt`.
    pub fn expire_with(
        &self,
        key: impl AsRef<[u8]>,
        when: Expiry,
        cond: ExpireCondition,
    ) -> Result<bool> {
        let key = key.as_ref();
        cond.check()?;
        let cmd = match when {
            Expiry::Ex(_) => "expire",
            Expiry::Px(_) => "pexpire",
            Expiry::ExAt(_) => "expireat",
            Expiry::PxAt(_) => "pexpireat",
            Expiry::KeepTtl | Expiry::Persist => return Err(Error::Syntax),
        };
        #[cfg(feature = "remote")]
        let (Expiry::Ex(n) | Expiry::Px(n) | Expiry::ExAt(n) | Expiry::PxAt(n)) = when
        else {
            unreachable!("refused above")
        };
        near!(@argv self, cmd .arg(key) .arg(n) .args(cond.words()));
        self.ks().write(key, 0, |tx| {
            let deadline = when
                .resolve_with(tx.now(), cmd, false)?
                .expect("a deadline");
            let Some(i) = tx.find(key) else {
                return Ok(false);
            };
            if !cond.allows(tx.expire_at(i), deadline) {
                return Ok(false);
            }
            if deadline <= tx.now() {
                tx.remove(i);
                tx.notify(notify::GENERIC, "del", key);
            } else {
                tx.set_expire(i, deadline);
                tx.notify(notify::GENERIC, "expire", key);
            }
            Ok(true)
        })
    }

    /// The deadline of `key`: `Err(-2)` if missing, `Ok(0)` if it has none.
    fn deadline(&self, key: &[u8]) -> std::result::Result<u64, i64> {
        self.ks()
            .read_deadline(key, false, |e| e.map(|(_, at)| at).ok_or(-2))
    }

    /// PTTL: milliseconds left; -1 if the key has no TTL, -2 if it does not exist.
    pub fn pttl(&self, key: impl AsRef<[u8]>) -> Result<i64> {
        near!(self, b"PTTL", key.as_ref());
        Ok(match self.deadline(key.as_ref()) {
            Err(code) => code,
            Ok(0) => -1,
            Ok(at) => (at as i64 - self.ks().now() as i64).max(0),
        })
    }

    /// TTL: seconds left (rounded as Redis rounds); -1 without TTL, -2 if missing.
    pub fn ttl(&self, key: impl AsRef<[u8]>) -> Result<i64> {
        near!(self, b"TTL", key.as_ref());
        Ok(match self.pttl(key)? {
            ms if ms < 0 => ms,
            ms => ms_to_secs_rounded(ms),
        })
    }

    /// PEXPIRETIME: the absolute deadline in Unix milliseconds; -1 / -2 as PTTL.
    pub fn pexpiretime(&self, key: impl AsRef<[u8]>) -> Result<i64> {
        near!(self, b"PEXPIRETIME", key.as_ref());
        Ok(match self.deadline(key.as_ref()) {
            Err(code) => code,
            Ok(0) => -1,
            Ok(at) => at as i64,
        })
    }

    /// EXPIRETIME: the absolute deadline in Unix seconds; -1 / -2 as TTL.
    pub fn expiretime(&self, key: impl AsRef<[u8]>) -> Result<i64> {
        near!(self, b"EXPIRETIME", key.as_ref());
        Ok(match self.pexpiretime(key)? {
            ms if ms < 0 => ms,
            ms => ms_to_secs_rounded(ms),
        })
    }

    /// PERSIST: removes the TTL; true if there was one.
    pub fn persist(&self, key: impl AsRef<[u8]>) -> Result<bool> {
        near!(self, b"PERSIST", key.as_ref());
        let key = key.as_ref();
        self.ks().write(key, 0, |tx| {
            let Some(i) = tx.find(key) else {
                return Ok(false);
            };
            if !tx.entry(i).has_ttl() {
                return Ok(false);
            }
            tx.set_expire(i, 0);
            tx.notify(notify::GENERIC, "persist", key);
            Ok(true)
        })
    }

    /// KEYS: every key matching the glob `pattern`. It walks the whole keyspace (one shard
    /// at a time); prefer [`Cache::scan`] on large caches.
    pub fn keys(&self, pattern: impl AsRef<[u8]>) -> Result<Vec<Bytes>> {
        near!(self, b"KEYS", pattern.as_ref());
        let opts = ScanOptions::new().pattern(Bytes::copy_from_slice(pattern.as_ref()));
        let ks = self.ks();
        let now = ks.now();
        ks.counters.command();
        let mut out = Vec::new();
        for shard in ks.shards() {
            let data = shard.read();
            out.extend(
                data.live_entries(ks.id, now)
                    .filter(|e| opts.accepts(e))
                    .map(|e| Bytes::copy_from_slice(e.key())),
            );
        }
        Ok(out)
    }

    /// SCAN: the next batch of keys from `cursor` (start with 0); returns the cursor to pass
    /// next, 0 when the iteration is complete.
    ///
    /// Every key present for the whole iteration is returned exactly once, however the
    /// cache grows or shrinks meanwhile; keys added or removed during it may or may not be.
    /// Expired keys are never returned. An unknown cursor ends the iteration. Fails only in
    /// near-cache mode, when the server does not answer: never a silently short batch.
    ///
    /// ```
    /// use ferricache::{Cache, ScanOptions};
    ///
    /// let cache = Cache::new();
    /// for i in 0..100 {
    ///     cache.set(format!("car:{i}"), "x").unwrap();
    /// }
    /// cache.set("user:1", "y").unwrap();
    /// let opts = ScanOptions::new().pattern("car:*").count(25);
    /// let (mut cursor, mut found) = (0, 0);
    /// loop {
    ///     let (next, keys) = cache.scan(cursor, &opts).unwrap();
    ///     found += cache.del(&keys).unwrap();
    ///     cursor = next;
    ///     if cursor == 0 { break; }
    /// }
    /// assert_eq!(found, 100);
    /// assert_eq!(cache.dbsize().unwrap(), 1);
    /// ```
    pub fn scan(&self, cursor: u64, opts: &ScanOptions) -> Result<(u64, Vec<Bytes>)> {
        near!(@argv self, "SCAN" .arg(cursor)
            .args(crate::remote::typed::scan_args(opts.pattern.as_deref(), opts.count))
            .args(opts.value_type.map(|t| ["TYPE", t.name()]).into_iter().flatten()));
        let ks = self.ks();
        ks.counters.command();
        let shards = ks.shards();
        let (mut shard, mut slot) = ((cursor >> 32) as usize, (cursor & 0xFFFF_FFFF) as usize);
        let now = ks.now();
        let mut out = Vec::new();
        let mut budget = opts.count.max(1);
        while shard < shards.len() && budget > 0 {
            let data = shards[shard].read();
            let mut looked = 0;
            let next = data.scan(ks.id, slot, budget, now, |e| {
                looked += 1;
                if opts.accepts(&e) {
                    out.push(Bytes::copy_from_slice(e.key()));
                }
            });
            drop(data);
            budget = budget.saturating_sub(looked);
            match next {
                // A long run of empty slots: stop here, the work of one call is bounded.
                Some(s) if looked == 0 => {
                    slot = s;
                    break;
                }
                Some(s) => slot = s,
                None => {
                    shard += 1;
                    slot = 0;
                }
            }
        }
        Ok(if shard >= shards.len() {
            (0, out)
        } else {
            (((shard as u64) << 32) | slot as u64, out)
        })
    }

    /// Iterates over every key matching `opts`, calling SCAN as it goes. A SCAN that fails
    /// (near-cache mode, the server not answering) is the last item.
    ///
    /// ```
    /// use ferricache::{Cache, ScanOptions};
    ///
    /// let cache = Cache::new();
    /// cache.set("session:1", "a").unwrap();
    /// cache.set("user:1", "b").unwrap();
    /// let keys: Vec<_> = cache
    ///     .scan_iter(ScanOptions::new().pattern("session:*"))
    ///     .collect::<Result<_, _>>()
    ///     .unwrap();
    /// assert_eq!(keys, ["session:1"]);
    /// ```
    pub fn scan_iter(&self, opts: ScanOptions) -> impl Iterator<Item = Result<Bytes>> + '_ {
        let mut cursor = Some(0u64);
        let mut batch = Vec::new().into_iter();
        std::iter::from_fn(move || loop {
            if let Some(k) = batch.next() {
                return Some(Ok(k));
            }
            let c = cursor?;
            match self.scan(c, &opts) {
                Ok((next, keys)) => {
                    cursor = (next != 0).then_some(next);
                    batch = keys.into_iter();
                }
                Err(e) => {
                    cursor = None;
                    return Some(Err(e));
                }
            }
        })
    }

    /// RANDOMKEY: a random key, `None` if the cache is empty.
    pub fn randomkey(&self) -> Result<Option<Bytes>> {
        near!(self, b"RANDOMKEY");
        let ks = self.ks();
        let shards = ks.shards();
        let now = ks.now();
        let start = random_u64() as usize;
        Ok((0..shards.len()).find_map(|k| {
            let data = shards[(start + k) % shards.len()].read();
            data.random_live(ks.id, now, random_u64())
                .map(|i| Bytes::copy_from_slice(data.entry(i).key()))
        }))
    }

    /// DBSIZE: the number of keys in this handle's database (keys past their deadline but
    /// not yet reclaimed count, as in Redis).
    pub fn dbsize(&self) -> Result<usize> {
        near!(self, b"DBSIZE");
        Ok(self.ks().len())
    }

    /// FLUSHALL: removes every key of every database.
    pub fn flushall(&self) -> Result<()> {
        near!(self, b"FLUSHALL");
        self.ks().counters.command();
        self.ks().flush();
        Ok(())
    }

    /// FLUSHDB: removes every key of this handle's database, and no other.
    ///
    /// ```
    /// use ferricache::Cache;
    ///
    /// let cache = Cache::new();
    /// let other = cache.select(2).unwrap();
    /// cache.set("a", "1").unwrap();
    /// other.set("b", "2").unwrap();
    /// other.flushdb().unwrap();
    /// assert_eq!((cache.dbsize().unwrap(), other.dbsize().unwrap()), (1, 0));
    /// ```
    pub fn flushdb(&self) -> Result<()> {
        near!(self, b"FLUSHDB");
        let ks = self.ks();
        ks.counters.command();
        ks.flush_db(ks.id);
        Ok(())
    }
}
