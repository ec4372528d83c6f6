//! Hash commands (session data lives here).

use bytes::Bytes;

use super::long_double::LongDouble;
use super::num::{format_i64, parse_i64, strtod};
use crate::error::{Error, Result};
use crate::eviction::random_u64;
use crate::glob::glob_match;
use crate::notify;
use crate::value::{HashValue, Kind, HASH_FIELD_OVERHEAD};
use crate::Cache;

fn new_hash() -> Kind {
    Kind::Hash(HashValue::default())
}

fn field_bytes(f: &[u8], v: &[u8]) -> usize {
    HASH_FIELD_OVERHEAD + f.len() + v.len()
}

/// Sets `field` to `value`; true if the field is new.
fn put(h: &mut HashValue, bytes: &mut usize, field: Bytes, value: Bytes) -> bool {
    h.set(bytes, field, value)
}

impl Cache {
    /// HSET: sets each field; returns how many fields are new.
    ///
    /// ```
    /// let cache = ferricache::Cache::new();
    /// assert_eq!(cache.hset("session:1", [("user", "7"), ("theme", "dark")]).unwrap(), 2);
    /// assert_eq!(cache.hget("session:1", "user").unwrap().unwrap(), "7");
    /// ```
    pub fn hset<F: Into<Bytes>, V: Into<Bytes>>(
        &self,
        key: impl AsRef<[u8]>,
        pairs: impl IntoIterator<Item = (F, V)>,
    ) -> Result<usize> {
        let pairs: Vec<(Bytes, Bytes)> = pairs
            .into_iter()
            .map(|(f, v)| (f.into(), v.into()))
            .collect();
        #[cfg(feature = "remote")]
        if crate::remote::routed(&self.inner).is_some() {
            let mut argv: Vec<&[u8]> = vec![b"HSET", key.as_ref()];
            argv.extend(pairs.iter().flat_map(|(f, v)| [&f[..], &v[..]]));
            return crate::remote::typed::FromReply::from_reply(self.execute_slices(&argv));
        }
        let grow = pairs.iter().map(|(f, v)| field_bytes(f, v)).sum();
        self.coll_write(
            key.as_ref(),
            grow,
            Some(new_hash),
            (notify::HASH, "hset", true),
            |v| {
                let (h, bytes) = v.expect("created").as_hash_mut()?;
                Ok(pairs
                    .into_iter()
                    .map(|(f, v)| put(h, bytes, f, v) as usize)
                    .sum())
            },
        )
    }

    /// HSETNX: sets the field only if it does not exist; true if it did.
    pub fn hsetnx(
        &self,
        key: impl AsRef<[u8]>,
        field: impl Into<Bytes>,
        value: impl Into<Bytes>,
    ) -> Result<bool> {
        near!(@argv self, "HSETNX" .arg(key.as_ref()) .arg(field.into()) .arg(value.into()));
        let (field, value) = (field.into(), value.into());
        self.coll_write(
            key.as_ref(),
            field_bytes(&field, &value),
            Some(new_hash),
            (notify::HASH, "hset", false),
            |v| {
                let (h, bytes) = v.expect("created").as_hash_mut()?;
                if h.contains(&field[..]) {
                    return Ok(false);
                }
                Ok(put(h, bytes, field, value))
            },
        )
    }

    /// HGET: the value of a field.
    pub fn hget(&self, key: impl AsRef<[u8]>, field: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        near!(self, b"HGET", key.as_ref(), field.as_ref());
        self.coll_read(key.as_ref(), |v| match v {
            None => Ok(None),
            Some(v) => Ok(v.as_hash()?.get_bytes(field.as_ref())),
        })
    }

    /// HMGET: the values of several fields.
    pub fn hmget<F: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        fields: &[F],
    ) -> Result<Vec<Option<Bytes>>> {
        near!(@argv self, "HMGET" .arg(key.as_ref()) .args(fields.iter().map(AsRef::as_ref)));
        self.coll_read(key.as_ref(), |v| match v {
            None => Ok(vec![None; fields.len()]),
            Some(v) => {
                let h = v.as_hash()?;
                Ok(fields.iter().map(|f| h.get_bytes(f.as_ref())).collect())
            }
        })
    }

    /// HGETALL: every field and value.
    pub fn hgetall(&self, key: impl AsRef<[u8]>) -> Result<Vec<(Bytes, Bytes)>> {
        near!(self, b"HGETALL", key.as_ref());
        self.coll_read(key.as_ref(), |v| match v {
            None => Ok(Vec::new()),
            Some(v) => Ok(v.as_hash()?.to_pairs()),
        })
    }

    /// HDEL: removes fields; returns how many existed.
    pub fn hdel<F: AsRef<[u8]>>(&self, key: impl AsRef<[u8]>, fields: &[F]) -> Result<usize> {
        #[cfg(feature = "remote")]
        if crate::remote::routed(&self.inner).is_some() {
            let mut argv: Vec<&[u8]> = vec![b"HDEL", key.as_ref()];
            argv.extend(fields.iter().map(AsRef::as_ref));
            return crate::remote::typed::FromReply::from_reply(self.execute_slices(&argv));
        }
        self.coll_write(key.as_ref(), 0, None, (notify::HASH, "hdel", false), |v| {
            let Some(v) = v else { return Ok(0) };
            let (h, bytes) = v.as_hash_mut()?;
            Ok(fields
                .iter()
                .filter(|f| h.remove(bytes, f.as_ref()))
                .count())
        })
    }

    /// HEXISTS.
    pub fn hexists(&self, key: impl AsRef<[u8]>, field: impl AsRef<[u8]>) -> Result<bool> {
        near!(self, b"HEXISTS", key.as_ref(), field.as_ref());
        self.coll_read(key.as_ref(), |v| {
            v.map_or(Ok(false), |v| Ok(v.as_hash()?.contains(field.as_ref())))
        })
    }

    /// HLEN.
    pub fn hlen(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        near!(self, b"HLEN", key.as_ref());
        self.coll_read(key.as_ref(), |v| {
            v.map_or(Ok(0), |v| Ok(v.as_hash()?.len()))
        })
    }

    /// HKEYS.
    pub fn hkeys(&self, key: impl AsRef<[u8]>) -> Result<Vec<Bytes>> {
        Ok(self.hgetall(key)?.into_iter().map(|(f, _)| f).collect())
    }

    /// HVALS.
    pub fn hvals(&self, key: impl AsRef<[u8]>) -> Result<Vec<Bytes>> {
        Ok(self.hgetall(key)?.into_iter().map(|(_, v)| v).collect())
    }

    /// HSTRLEN: the length of a field's value, 0 if missing.
    pub fn hstrlen(&self, key: impl AsRef<[u8]>, field: impl AsRef<[u8]>) -> Result<usize> {
        Ok(self.hget(key, field)?.map_or(0, |v| v.len()))
    }

    /// HINCRBY: adds to an integer field (0 if missing).
    pub fn hincrby(&self, key: impl AsRef<[u8]>, field: impl Into<Bytes>, by: i64) -> Result<i64> {
        near!(@argv self, "HINCRBY" .arg(key.as_ref()) .arg(field.into()) .arg(by));
        let field = field.into();
        self.coll_write(
            key.as_ref(),
            field_bytes(&field, b"-9223372036854775808"),
            Some(new_hash),
            (notify::HASH, "hincrby", true),
            |v| {
                let (h, bytes) = v.expect("created").as_hash_mut()?;
                let cur = match h.get(&field[..]) {
                    Some(b) => {
                        parse_i64(b).map_err(|_| Error::Invalid("hash value is not an integer"))?
                    }
                    None => 0,
                };
                let new = cur.checked_add(by).ok_or(Error::Overflow)?;
                put(h, bytes, field, format_i64(new));
                Ok(new)
            },
        )
    }

    /// HINCRBYFLOAT: adds to a float field, in `long double` as
    /// [`incr_by_float`](Cache::incr_by_float) does.
    pub fn hincrbyfloat(
        &self,
        key: impl AsRef<[u8]>,
        field: impl Into<Bytes>,
        by: f64,
    ) -> Result<f64> {
        if by.is_nan() {
            return Err(Error::NotFloat);
        }
        let text =
            self.hincrbyfloat_arg(key.as_ref(), field.into(), format!("{by:e}").as_bytes())?;
        Ok(strtod(&text).expect("HINCRBYFLOAT stores a float"))
    }

    /// HINCRBYFLOAT with the increment as the client's text: returns the stored text.
    /// Checks in Redis's order: the increment (finite), then the key's type and field.
    pub(crate) fn hincrbyfloat_arg(&self, key: &[u8], field: Bytes, by: &[u8]) -> Result<Bytes> {
        near!(@argv self, "HINCRBYFLOAT" .arg(key) .arg(field.clone()) .arg(by));
        let by = LongDouble::parse(by)?;
        if !by.is_finite() {
            return Err(Error::Invalid("value is NaN or Infinity"));
        }
        self.coll_write(
            key,
            field_bytes(&field, &[0; 24]),
            Some(new_hash),
            (notify::HASH, "hincrbyfloat", true),
            |v| {
                let (h, bytes) = v.expect("created").as_hash_mut()?;
                let cur = match h.get(&field[..]) {
                    Some(b) => LongDouble::parse(b)
                        .map_err(|_| Error::Invalid("hash value is not a float"))?,
                    None => LongDouble::ZERO,
                };
                let new = cur.add(by);
                if !new.is_finite() {
                    return Err(Error::NanOrInfinity);
                }
                let text = Bytes::from(new.to_text());
                put(h, bytes, field, text.clone());
                Ok(text)
            },
        )
    }

    /// HRANDFIELD key: a random field.
    pub fn hrandfield(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        near!(self, b"HRANDFIELD", key.as_ref());
        Ok(self
            .hrandfield_count(key, 1)?
            .into_iter()
            .next()
            .map(|(f, _)| f))
    }

    /// HRANDFIELD key count WITHVALUES: `count > 0` distinct fields (at most all),
    /// `count < 0` that many fields with repeats allowed.
    pub fn hrandfield_count(
        &self,
        key: impl AsRef<[u8]>,
        count: i64,
    ) -> Result<Vec<(Bytes, Bytes)>> {
        near!(@argv self, "HRANDFIELD" .arg(key.as_ref()) .arg(count) .arg("WITHVALUES"));
        self.coll_read(key.as_ref(), |v| {
            let Some(v) = v else { return Ok(Vec::new()) };
            let h = v.as_hash()?;
            Ok(h.random_pairs(count))
        })
    }

    /// HSCAN key cursor [MATCH pattern] [COUNT count]: fields and values, about `count` at
    /// a time; start with cursor 0, stop when it comes back 0. Every field present for
    /// the whole scan is returned at least once.
    pub fn hscan(
        &self,
        key: impl AsRef<[u8]>,
        cursor: u64,
        pattern: Option<&[u8]>,
        count: usize,
    ) -> Result<(u64, Vec<(Bytes, Bytes)>)> {
        near!(@argv self, "HSCAN" .arg(key.as_ref()) .arg(cursor) .args(crate::remote::typed::scan_args(pattern, count)));
        self.coll_read(key.as_ref(), |v| {
            let Some(v) = v else {
                return Ok((0, Vec::new()));
            };
            let h = v.as_hash()?;
            let matches = |f: &[u8]| pattern.is_none_or(|p| glob_match(p, f));
            if !h.scans_by_index() {
                // A packed hash comes back whole in one page, as Redis returns a listpack.
                let all = h
                    .to_pairs()
                    .into_iter()
                    .filter(|(f, _)| matches(f))
                    .collect();
                return Ok((0, all));
            }
            let (next, page) = h.scan_page(cursor, count);
            Ok((next, page.into_iter().filter(|(f, _)| matches(f)).collect()))
        })
    }
}

/// Indices for the random-member commands: `count > 0` distinct indices (at most `len`),
/// `count < 0` `|count|` indices with repeats.
pub(crate) fn random_picks(len: usize, count: i64) -> Vec<usize> {
    if len == 0 || count == 0 {
        return Vec::new();
    }
    if count < 0 {
        return (0..count.unsigned_abs())
            .map(|_| (random_u64() % len as u64) as usize)
            .collect();
    }
    let n = (count as usize).min(len);
    if n == len {
        return (0..len).collect();
    }
    // Partial Fisher-Yates over a virtual 0..len, remembering only the swapped positions.
    let mut swapped: hashbrown::HashMap<usize, usize, ahash::RandomState> = Default::default();
    (0..n)
        .map(|i| {
            let j = i + (random_u64() % (len - i) as u64) as usize;
            let vj = *swapped.get(&j).unwrap_or(&j);
            let vi = *swapped.get(&i).unwrap_or(&i);
            swapped.insert(j, vi);
            vj
        })
        .collect()
}
