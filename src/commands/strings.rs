//! String commands: GET/SET and friends, ranges, and the INCR family.

use bytes::{Bytes, BytesMut};

use super::long_double::LongDouble;
use super::num::{parse_i64, strtod};
use crate::error::{Error, Result};
use crate::expiry::{deadline_after, deadline_at};
use crate::notify;
use crate::store::items::expired;
use crate::store::items::NewValue;
use crate::store::shard::ENTRY_OVERHEAD;
use crate::store::Tx;
use crate::string_value::StringValue;
use crate::value::{Value, ValueRef};
use crate::Cache;

/// Redis's limit on a string's length (`proto-max-bulk-len`): 512 MiB.
pub const MAX_STRING_LEN: usize = 512 << 20;

/// The TTL a write leaves on its key (SET's and GETEX's options).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// Seconds from now (EX).
    Ex(i64),
    /// Milliseconds from now (PX).
    Px(i64),
    /// An absolute Unix time in seconds (EXAT).
    ExAt(i64),
    /// An absolute Unix time in milliseconds (PXAT).
    PxAt(i64),
    /// Keep the key's current TTL (SET's KEEPTTL).
    KeepTtl,
    /// Remove the TTL (GETEX's PERSIST).
    Persist,
}

impl Expiry {
    /// The deadline this sets (0: none), or `None` to keep the current one.
    pub(crate) fn resolve(self, now: u64, cmd: &'static str) -> Result<Option<u64>> {
        self.resolve_with(now, cmd, true)
    }

    /// As `resolve`; `positive_only` rejects TTLs <= 0 (SET, GETEX) where EXPIRE accepts
    /// them as "already expired".
    pub(crate) fn resolve_with(
        self,
        now: u64,
        cmd: &'static str,
        positive_only: bool,
    ) -> Result<Option<u64>> {
        Ok(Some(match self {
            Expiry::Ex(s) => deadline_after(now, s, 1000, positive_only, cmd)?,
            Expiry::Px(ms) => deadline_after(now, ms, 1, positive_only, cmd)?,
            Expiry::ExAt(s) => deadline_at(s, 1000, positive_only, cmd)?,
            Expiry::PxAt(ms) => deadline_at(ms, 1, positive_only, cmd)?,
            Expiry::Persist => 0,
            Expiry::KeepTtl => return Ok(None),
        }))
    }
}

/// SET's NX / XX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SetCondition {
    /// Write whether or not the key exists.
    #[default]
    Always,
    /// Only if the key does not exist (NX).
    Nx,
    /// Only if the key exists (XX).
    Xx,
}

/// The options of SET, built by chaining.
///
/// ```
/// use ferricache::{Cache, SetOptions};
///
/// let cache = Cache::new();
/// // The lesson's lock: SET lock:order:42 <token> NX EX 30
/// let first = cache.set_with("lock:order:42", "token-a", &SetOptions::new().nx().ex(30)).unwrap();
/// let second = cache.set_with("lock:order:42", "token-b", &SetOptions::new().nx().ex(30)).unwrap();
/// assert!(first.written && !second.written);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetOptions {
    /// EX / PX / EXAT / PXAT / KEEPTTL; `None` clears the TTL (or applies the default TTL).
    pub expiry: Option<Expiry>,
    /// NX / XX.
    pub condition: SetCondition,
    /// GET: also return the previous value.
    pub get: bool,
}

impl SetOptions {
    /// No options: a plain SET.
    pub fn new() -> Self {
        Self::default()
    }
    /// EX seconds.
    pub fn ex(mut self, seconds: i64) -> Self {
        self.expiry = Some(Expiry::Ex(seconds));
        self
    }
    /// PX milliseconds.
    pub fn px(mut self, ms: i64) -> Self {
        self.expiry = Some(Expiry::Px(ms));
        self
    }
    /// EXAT unix-seconds.
    pub fn exat(mut self, unix_secs: i64) -> Self {
        self.expiry = Some(Expiry::ExAt(unix_secs));
        self
    }
    /// PXAT unix-milliseconds.
    pub fn pxat(mut self, unix_ms: i64) -> Self {
        self.expiry = Some(Expiry::PxAt(unix_ms));
        self
    }
    /// KEEPTTL.
    pub fn keep_ttl(mut self) -> Self {
        self.expiry = Some(Expiry::KeepTtl);
        self
    }
    /// NX.
    pub fn nx(mut self) -> Self {
        self.condition = SetCondition::Nx;
        self
    }
    /// XX.
    pub fn xx(mut self) -> Self {
        self.condition = SetCondition::Xx;
        self
    }
    /// GET.
    pub fn get(mut self) -> Self {
        self.get = true;
        self
    }
}

/// What SET did: Redis replies `OK` when `written`, nil otherwise, or with GET the previous
/// value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetOutcome {
    /// The value was stored (NX / XX allowed it).
    pub written: bool,
    /// With GET: the value before the command (`None` if the key did not exist).
    pub previous: Option<Bytes>,
}

pub(super) fn grow_of(key: &[u8], value_len: usize) -> usize {
    ENTRY_OVERHEAD + key.len() + value_len
}

/// Refuses strings longer than Redis accepts (512 MiB).
pub(crate) fn check_len(value: &[u8]) -> Result<()> {
    if value.len() > MAX_STRING_LEN {
        Err(Error::StringTooLong)
    } else {
        Ok(())
    }
}

impl Cache {
    /// The deadline for a key created without an explicit TTL.
    pub(crate) fn default_deadline(&self, tx: &Tx) -> u64 {
        match self.inner.default_ttl_ms {
            0 => 0,
            ttl => tx.now().saturating_add(ttl),
        }
    }

    /// Stores `value` at `key` (with `deadline`, 0 for none) whatever it held before; a
    /// deadline already past deletes the key instead.
    pub(crate) fn store<'v>(
        &self,
        tx: &mut Tx,
        key: &[u8],
        value: impl Into<NewValue<'v>>,
        deadline: u64,
    ) {
        let found = tx.find(key);
        if expired(deadline, || tx.now()) {
            if let Some(i) = found {
                tx.remove(i);
            }
            return;
        }
        match found {
            Some(i) => tx.replace(i, value, deadline),
            None => {
                tx.insert(key, value, deadline);
            }
        }
    }

    /// GET: the string at `key`, `None` if missing.
    ///
    /// ```
    /// let cache = ferricache::Cache::new();
    /// assert_eq!(cache.get("k").unwrap(), None);
    /// cache.set("k", "v").unwrap();
    /// assert_eq!(cache.get("k").unwrap().unwrap(), "v");
    /// ```
    #[inline]
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        #[cfg(feature = "remote")]
        if let Some(remote) = crate::remote::routed(&self.inner) {
            return remote.get_with(self, key.as_ref(), Bytes::copy_from_slice);
        }
        self.ks().read(key.as_ref(), true, |e| {
            e.map(|e| e.value().str_bytes()).transpose()
        })
    }

    /// GET without taking a handle on the value: `f` sees the bytes in place, under the
    /// shard's read lock, so it should be quick (copy them out, parse them). It saves the
    /// reference-count traffic of [`Cache::get`] where the value is consumed at once, as
    /// the C ABI's `fc_get` does.
    ///
    /// ```
    /// let cache = ferricache::Cache::new();
    /// cache.set("n", "42").unwrap();
    /// let n: Option<i64> = cache.get_with("n", |v| std::str::from_utf8(v).unwrap().parse().unwrap()).unwrap();
    /// assert_eq!(n, Some(42));
    /// ```
    #[inline]
    pub fn get_with<R>(
        &self,
        key: impl AsRef<[u8]>,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<Option<R>> {
        #[cfg(feature = "remote")]
        if let Some(remote) = crate::remote::routed(&self.inner) {
            let mut f = Some(f);
            return remote.get_with(self, key.as_ref(), |b| (f.take().expect("called once"))(b));
        }
        self.get_with_local(key.as_ref(), f)
    }

    /// GET on this engine alone (in near-cache mode, on the local copies).
    pub(crate) fn get_with_local<R>(
        &self,
        key: &[u8],
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<Option<R>> {
        self.ks().read(key, true, |e| {
            e.map(|e| e.value().as_str().map(f)).transpose()
        })
    }

    /// SET without options: stores the value, clearing any TTL (or setting the default TTL).
    /// Borrowed bytes are copied in; see [`StringValue`] for what is kept as it is.
    #[inline]
    pub fn set<'a>(&self, key: impl AsRef<[u8]>, value: impl StringValue<'a>) -> Result<()> {
        let (key, value) = (key.as_ref(), value.input());
        check_len(value.as_bytes())?;
        #[cfg(feature = "remote")]
        if let Some(remote) = crate::remote::routed(&self.inner) {
            return remote
                .write_argv(self, &[b"SET", key, value.as_bytes()])
                .map(drop);
        }
        let grow = grow_of(key, value.as_bytes().len());
        self.ks().write(key, grow, |tx| {
            let deadline = self.default_deadline(tx);
            self.store(tx, key, value.into_new(), deadline);
            tx.notify(notify::STRING, "set", key);
            Ok(())
        })
    }

    /// SET with EX / PX / EXAT / PXAT / KEEPTTL / NX / XX / GET.
    pub fn set_with<'a>(
        &self,
        key: impl AsRef<[u8]>,
        value: impl StringValue<'a>,
        opts: &SetOptions,
    ) -> Result<SetOutcome> {
        let (key, value) = (key.as_ref(), value.input());
        check_len(value.as_bytes())?;
        if opts.expiry == Some(Expiry::Persist) {
            return Err(Error::Syntax);
        }
        #[cfg(feature = "remote")]
        if let Some(remote) = crate::remote::routed(&self.inner) {
            return remote.set_with(self, key, value.as_bytes(), opts);
        }
        let grow = grow_of(key, value.as_bytes().len());
        self.ks().write(key, grow, |tx| {
            let deadline = match opts.expiry {
                None => Some(self.default_deadline(tx)),
                Some(e) => e.resolve(tx.now(), "set")?,
            };
            let found = tx.find(key);
            let previous = match (opts.get, found) {
                (true, Some(i)) => Some(tx.entry(i).value().str_bytes()?),
                _ => None,
            };
            let written = match opts.condition {
                SetCondition::Always => true,
                SetCondition::Nx => found.is_none(),
                SetCondition::Xx => found.is_some(),
            };
            if written {
                let deadline = match (deadline, found) {
                    (Some(d), _) => d,
                    (None, Some(i)) => tx.expire_at(i),
                    (None, None) => 0,
                };
                self.store(tx, key, value.into_new(), deadline);
                tx.notify(notify::STRING, "set", key);
                if matches!(opts.expiry, Some(e) if e != Expiry::KeepTtl) {
                    tx.notify(notify::GENERIC, "expire", key);
                }
            }
            Ok(SetOutcome { written, previous })
        })
    }

    /// SETEX: SET with a TTL in seconds (which must be positive).
    pub fn set_ex<'a>(
        &self,
        key: impl AsRef<[u8]>,
        seconds: u64,
        value: impl StringValue<'a>,
    ) -> Result<()> {
        let secs = i64::try_from(seconds).map_err(|_| Error::InvalidExpireTime("setex"))?;
        self.set_with(key, value, &SetOptions::new().ex(secs))
            .map_err(|e| match e {
                Error::InvalidExpireTime(_) => Error::InvalidExpireTime("setex"),
                e => e,
            })
            .map(drop)
    }

    /// PSETEX: SET with a TTL in milliseconds (which must be positive).
    pub fn pset_ex<'a>(
        &self,
        key: impl AsRef<[u8]>,
        ms: u64,
        value: impl StringValue<'a>,
    ) -> Result<()> {
        let ms = i64::try_from(ms).map_err(|_| Error::InvalidExpireTime("psetex"))?;
        self.set_with(key, value, &SetOptions::new().px(ms))
            .map_err(|e| match e {
                Error::InvalidExpireTime(_) => Error::InvalidExpireTime("psetex"),
                e => e,
            })
            .map(drop)
    }

    /// SETNX: stores only if the key does not exist; true if it stored.
    pub fn set_nx<'a>(&self, key: impl AsRef<[u8]>, value: impl StringValue<'a>) -> Result<bool> {
        self.set_with(key, value, &SetOptions::new().nx())
            .map(|o| o.written)
    }

    /// GETSET: stores the value and returns the previous one.
    pub fn getset<'a>(
        &self,
        key: impl AsRef<[u8]>,
        value: impl StringValue<'a>,
    ) -> Result<Option<Bytes>> {
        self.set_with(key, value, &SetOptions::new().get())
            .map(|o| o.previous)
    }

    /// MGET: each key's string, `None` for missing keys and keys of other types. Each key
    /// is read atomically; the keys are not read as one snapshot.
    pub fn mget<K: AsRef<[u8]>>(&self, keys: &[K]) -> Result<Vec<Option<Bytes>>> {
        #[cfg(feature = "remote")]
        if crate::remote::routed(&self.inner).is_some() {
            let mut argv: Vec<&[u8]> = vec![b"MGET"];
            argv.extend(keys.iter().map(AsRef::as_ref));
            return crate::remote::typed::FromReply::from_reply(self.execute_slices(&argv));
        }
        self.ks().counters.command();
        Ok(keys
            .iter()
            .map(|k| {
                self.ks().peek(k.as_ref(), true, |e| {
                    e.and_then(|e| e.value().str_bytes().ok())
                })
            })
            .collect())
    }

    /// MSET: stores every pair, atomically (all shards involved are locked together).
    pub fn mset<K: AsRef<[u8]>, V: Into<Bytes>>(
        &self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<()> {
        near!(@argv self, "MSET" .args(pairs.into_iter().flat_map(|(k, v)| [Bytes::copy_from_slice(k.as_ref()), v.into()])));
        self.mset_impl(pairs, false).map(drop)
    }

    /// MSETNX: stores every pair only if none of the keys exists; true if it stored.
    pub fn msetnx<K: AsRef<[u8]>, V: Into<Bytes>>(
        &self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<bool> {
        near!(@argv self, "MSETNX" .args(pairs.into_iter().flat_map(|(k, v)| [Bytes::copy_from_slice(k.as_ref()), v.into()])));
        self.mset_impl(pairs, true)
    }

    fn mset_impl<K: AsRef<[u8]>, V: Into<Bytes>>(
        &self,
        pairs: impl IntoIterator<Item = (K, V)>,
        nx: bool,
    ) -> Result<bool> {
        let pairs: Vec<(K, Bytes)> = pairs.into_iter().map(|(k, v)| (k, v.into())).collect();
        pairs.iter().try_for_each(|(_, v)| check_len(v))?;
        let keys: Vec<&[u8]> = pairs.iter().map(|(k, _)| k.as_ref()).collect();
        let grow = pairs
            .iter()
            .map(|(k, v)| grow_of(k.as_ref(), v.len()))
            .sum();
        self.ks().write_many(&keys, grow, |multi| {
            if nx && (0..keys.len()).any(|k| multi.key(k).find(keys[k]).is_some()) {
                return Ok(false);
            }
            for (k, (key, value)) in pairs.iter().enumerate() {
                let mut tx = multi.key(k);
                let deadline = self.default_deadline(&tx);
                self.store(
                    &mut tx,
                    key.as_ref(),
                    Value::string(value.clone()),
                    deadline,
                );
                tx.notify(notify::STRING, "set", key.as_ref());
            }
            Ok(true)
        })
    }

    /// GETDEL: returns the string and deletes the key.
    pub fn getdel(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        near!(self, b"GETDEL", key.as_ref());
        let key = key.as_ref();
        self.ks().write(key, 0, |tx| {
            let Some(i) = tx.find(key) else {
                return Ok(None);
            };
            let v = tx.entry(i).value().str_bytes()?;
            tx.remove(i);
            tx.notify(notify::GENERIC, "del", key);
            Ok(Some(v))
        })
    }

    /// GETEX: returns the string and changes its TTL (`None`: leaves it as it is).
    /// KEEPTTL is not an option of GETEX (a syntax error, as in Redis).
    pub fn getex(&self, key: impl AsRef<[u8]>, expiry: Option<Expiry>) -> Result<Option<Bytes>> {
        let key = key.as_ref();
        if expiry == Some(Expiry::KeepTtl) {
            return Err(Error::Syntax);
        }
        near!(@argv self, "GETEX" .arg(key) .arg(expiry));
        self.ks().write(key, 0, |tx| {
            // Redis's order: a missing key is nil, then the type, then the expiry.
            let Some(i) = tx.find(key) else {
                return Ok(None);
            };
            let v = tx.entry(i).value().str_bytes()?;
            let deadline = match expiry {
                Some(e) => e.resolve(tx.now(), "getex")?,
                None => None,
            };
            match deadline {
                Some(d) if expired(d, || tx.now()) => {
                    tx.remove(i);
                    tx.notify(notify::GENERIC, "del", key);
                }
                Some(0) if tx.entry(i).has_ttl() => {
                    tx.set_expire(i, 0);
                    tx.notify(notify::GENERIC, "persist", key);
                }
                Some(0) => {}
                Some(d) => {
                    tx.set_expire(i, d);
                    tx.notify(notify::GENERIC, "expire", key);
                }
                None => {}
            }
            Ok(Some(v))
        })
    }

    /// Rewrites the string at `key` (or creates it) through `f`, which gets the current
    /// value to change in place (`None` if the key is missing) and returns a new value to
    /// store instead (or `None`) and the reply. An error from `f` must come before it
    /// changes anything. The TTL is kept; a created key gets the default TTL.
    pub(super) fn rewrite<R>(
        &self,
        key: &[u8],
        grow: usize,
        event: &'static str,
        f: impl FnOnce(Option<&mut Bytes>) -> Result<(Option<Bytes>, R)>,
    ) -> Result<R> {
        self.ks().write(key, grow_of(key, grow), |tx| {
            let reply = match tx.find(key) {
                Some(i) => {
                    tx.entry(i).value().as_str()?;
                    tx.update(i, |value| {
                        let (new, reply) = f(Some(value.as_str_mut()?))?;
                        match new {
                            Some(new) => *value = Value::string(new),
                            None => value.settle(),
                        }
                        Ok::<_, Error>(reply)
                    })?
                }
                None => {
                    let (new, reply) = f(None)?;
                    let Some(new) = new else { return Ok(reply) };
                    let deadline = self.default_deadline(tx);
                    tx.insert(key, Value::string(new), deadline);
                    reply
                }
            };
            tx.notify(notify::STRING, event, key);
            Ok(reply)
        })
    }

    /// Replaces the string at `key` (keeping its TTL) or creates it, with the value `f`
    /// makes of the current bytes (`None`: missing); an error from `f` changes nothing.
    /// Unlike [`Cache::rewrite`], the current value is only read, so a short one is never
    /// moved out of line.
    pub(super) fn replace_str<R>(
        &self,
        key: &[u8],
        grow: usize,
        event: &'static str,
        f: impl FnOnce(Option<&[u8]>) -> Result<(Value, R)>,
    ) -> Result<R> {
        self.ks().write(key, grow_of(key, grow), |tx| {
            let reply = match tx.find(key) {
                Some(i) => {
                    let (new, reply) = f(Some(tx.entry(i).value().as_str()?))?;
                    tx.set_value(i, new);
                    reply
                }
                None => {
                    let (new, reply) = f(None)?;
                    let deadline = self.default_deadline(tx);
                    tx.insert(key, new, deadline);
                    reply
                }
            };
            tx.notify(notify::STRING, event, key);
            Ok(reply)
        })
    }

    /// APPEND: appends to the string (creating it); returns the new length.
    pub fn append(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<usize> {
        near!(self, b"APPEND", key.as_ref(), value.as_ref());
        let value = value.as_ref();
        self.rewrite(key.as_ref(), value.len(), "append", |cur| {
            let len = cur.as_ref().map_or(0, |b| b.len()) + value.len();
            if len > MAX_STRING_LEN {
                return Err(Error::StringTooLong);
            }
            Ok(match cur {
                Some(b) => {
                    let at = b.len();
                    *b = splice(std::mem::take(b), at, value);
                    (None, len)
                }
                None => (Some(Bytes::copy_from_slice(value)), len),
            })
        })
    }

    /// STRLEN: the string's length, 0 if missing.
    pub fn strlen(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        near!(self, b"STRLEN", key.as_ref());
        self.ks().read(key.as_ref(), false, |e| {
            e.map_or(Ok(0), |e| e.value().as_str().map(<[u8]>::len))
        })
    }

    /// GETRANGE: the substring from `start` to `end` inclusive; negative offsets count from
    /// the end. Out-of-range offsets are clamped; an empty range gives an empty string.
    pub fn getrange(&self, key: impl AsRef<[u8]>, start: i64, end: i64) -> Result<Bytes> {
        near!(
            self,
            b"GETRANGE",
            key.as_ref(),
            start.to_string(),
            end.to_string()
        );
        self.ks().read(key.as_ref(), true, |e| {
            let Some(e) = e else { return Ok(Bytes::new()) };
            let s = e.value().as_str()?;
            let len = s.len() as i64;
            if (start < 0 && end < 0 && start > end) || len == 0 {
                return Ok(Bytes::new());
            }
            let start = if start < 0 {
                (len + start).max(0)
            } else {
                start
            };
            let end = if end < 0 {
                (len + end).max(0)
            } else {
                end.min(len - 1)
            };
            if start > end || start >= len {
                return Ok(Bytes::new());
            }
            Ok(match e.value() {
                ValueRef::Value(Value::Str(b)) => b.slice(start as usize..=end as usize),
                _ => Bytes::copy_from_slice(&s[start as usize..=end as usize]),
            })
        })
    }

    /// SETRANGE: overwrites from `offset`, zero-padding a shorter string; returns the new
    /// length. An empty `value` changes nothing (and creates nothing).
    pub fn setrange(
        &self,
        key: impl AsRef<[u8]>,
        offset: usize,
        value: impl AsRef<[u8]>,
    ) -> Result<usize> {
        near!(
            self,
            b"SETRANGE",
            key.as_ref(),
            offset.to_string(),
            value.as_ref()
        );
        let value = value.as_ref();
        if value.is_empty() {
            // Nothing to write, nothing created, no event: only the length.
            return self.strlen(key);
        }
        if offset.saturating_add(value.len()) > MAX_STRING_LEN {
            // Redis checks the key's type first.
            return Err(match self.key_type(key.as_ref())? {
                Some(t) if t != crate::ValueType::String => Error::WrongType,
                _ => Error::StringTooLong,
            });
        }
        self.rewrite(key.as_ref(), offset + value.len(), "setrange", |cur| {
            Ok(match cur {
                Some(b) => {
                    *b = splice(std::mem::take(b), offset, value);
                    (None, b.len())
                }
                None => {
                    let new = splice(Bytes::new(), offset, value);
                    let len = new.len();
                    (Some(new), len)
                }
            })
        })
    }

    /// INCR: adds 1 to the integer at `key` (0 if missing).
    pub fn incr(&self, key: impl AsRef<[u8]>) -> Result<i64> {
        self.incr_by(key, 1)
    }

    /// DECR: subtracts 1.
    pub fn decr(&self, key: impl AsRef<[u8]>) -> Result<i64> {
        self.incr_by(key, -1)
    }

    /// DECRBY: subtracts `by`.
    pub fn decr_by(&self, key: impl AsRef<[u8]>, by: i64) -> Result<i64> {
        let by = by
            .checked_neg()
            .ok_or(Error::Invalid("decrement would overflow"))?;
        self.incr_by(key, by)
    }

    /// INCRBY: adds `by`; a non-integer value or an overflow is an error that changes
    /// nothing.
    pub fn incr_by(&self, key: impl AsRef<[u8]>, by: i64) -> Result<i64> {
        near!(self, b"INCRBY", key.as_ref(), by.to_string());
        self.replace_str(key.as_ref(), 20, "incrby", |cur| {
            let cur = match cur {
                Some(b) => parse_i64(b)?,
                None => 0,
            };
            let new = cur.checked_add(by).ok_or(Error::Overflow)?;
            Ok((Value::from_i64(new), new))
        })
    }

    /// INCRBYFLOAT: adds `by` to the number at `key`; stores and returns the result.
    /// As in Redis, the sum is computed in x87 `long double` (64-bit significand) from
    /// `by`'s shortest decimal text, which is what a client sends, and stored as
    /// `%.17Lf` without trailing zeros; the `f64` returned is the stored text's value.
    ///
    /// ```
    /// let cache = ferricache::Cache::new();
    /// cache.set("n", "1000000000000000").unwrap();
    /// cache.incr_by_float("n", 0.5).unwrap();
    /// assert_eq!(cache.incr_by_float("n", 0.5).unwrap(), 1000000000000001.0);
    /// assert_eq!(cache.get("n").unwrap().unwrap(), "1000000000000001");
    /// ```
    pub fn incr_by_float(&self, key: impl AsRef<[u8]>, by: f64) -> Result<f64> {
        if by.is_nan() {
            return Err(Error::NotFloat);
        }
        let text = self.incr_by_float_arg(key.as_ref(), format!("{by:e}").as_bytes())?;
        Ok(strtod(&text).expect("INCRBYFLOAT stores a float"))
    }

    /// INCRBYFLOAT with the increment as the client's text (the dispatcher's form):
    /// returns the stored text. Checks in Redis's order: the key's type and number, then
    /// the increment.
    pub(crate) fn incr_by_float_arg(&self, key: &[u8], by: &[u8]) -> Result<Bytes> {
        near!(@argv self, "INCRBYFLOAT" .arg(key) .arg(by));
        self.replace_str(key, 24, "incrbyfloat", |cur| {
            let cur = match cur {
                Some(b) => LongDouble::parse(b)?,
                None => LongDouble::ZERO,
            };
            let new = cur.add(LongDouble::parse(by)?);
            if !new.is_finite() {
                return Err(Error::NanOrInfinity);
            }
            let text = Bytes::from(new.to_text());
            Ok((Value::string(text.clone()), text))
        })
    }
}

/// `old` with `value` written at `offset` (zero-padded), reusing `old`'s buffer when no one
/// else holds it.
pub(super) fn splice(old: Bytes, offset: usize, value: &[u8]) -> Bytes {
    let end = offset + value.len();
    let mut buf = match old.try_into_mut() {
        Ok(m) => m,
        Err(shared) => BytesMut::from(&shared[..]),
    };
    if buf.len() < end {
        buf.resize(end, 0);
    }
    buf[offset..end].copy_from_slice(value);
    buf.freeze()
}
