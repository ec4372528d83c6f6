//! Bitmaps: SETBIT, GETBIT, BITCOUNT, BITPOS and BITOP on string values, bit 0 being the
//! most significant bit of the first byte, as in Redis.

use bytes::Bytes;

use super::strings::{splice, MAX_STRING_LEN};
use crate::error::{Error, Result};
use crate::notify;
use crate::value::Value;
use crate::Cache;

/// The unit of a BITCOUNT or BITPOS range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BitUnit {
    /// Byte offsets (the default).
    #[default]
    Byte,
    /// Bit offsets.
    Bit,
}

/// BITOP's operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitOp {
    /// AND.
    And,
    /// OR.
    Or,
    /// XOR.
    Xor,
    /// NOT (one source key).
    Not,
}

const BAD_OFFSET: Error = Error::Invalid("bit offset is not an integer or out of range");

/// Resolves Redis's inclusive range (negative from the end) over `len` units.
fn range(start: i64, end: i64, len: i64) -> Option<(i64, i64)> {
    let fix = |v: i64| if v < 0 { (len + v).max(0) } else { v };
    let (start, end) = (fix(start), fix(end).min(len - 1));
    (len > 0 && start <= end).then_some((start, end))
}

fn bit_at(s: &[u8], bit: u64) -> u8 {
    s.get((bit / 8) as usize)
        .map_or(0, |b| (b >> (7 - bit % 8)) & 1)
}

impl Cache {
    /// SETBIT: sets the bit at `offset` (growing the string with zeros); the old bit.
    ///
    /// ```
    /// let cache = ferricache::Cache::new();
    /// assert_eq!(cache.setbit("seen:2026-11-30", 42, true).unwrap(), 0);
    /// assert_eq!(cache.getbit("seen:2026-11-30", 42).unwrap(), 1);
    /// assert_eq!(cache.bitcount("seen:2026-11-30", None).unwrap(), 1);
    /// ```
    pub fn setbit(&self, key: impl AsRef<[u8]>, offset: u64, on: bool) -> Result<u8> {
        near!(
            self,
            b"SETBIT",
            key.as_ref(),
            offset.to_string(),
            if on { "1" } else { "0" }
        );
        if offset >= (MAX_STRING_LEN as u64) * 8 {
            return Err(BAD_OFFSET);
        }
        let byte = (offset / 8) as usize;
        let mask = 1u8 << (7 - offset % 8);
        self.rewrite(key.as_ref(), byte + 1, "setbit", |cur| {
            let old = cur
                .as_deref()
                .and_then(|s| s.get(byte))
                .copied()
                .unwrap_or(0);
            let new = if on { old | mask } else { old & !mask };
            let prev = u8::from(old & mask != 0);
            Ok(match cur {
                Some(b) => {
                    *b = splice(std::mem::take(b), byte, &[new]);
                    (None, prev)
                }
                None => (Some(splice(Bytes::new(), byte, &[new])), prev),
            })
        })
    }

    /// GETBIT: the bit at `offset` (0 past the end or for a missing key).
    pub fn getbit(&self, key: impl AsRef<[u8]>, offset: u64) -> Result<u8> {
        near!(self, b"GETBIT", key.as_ref(), offset.to_string());
        if offset >= (MAX_STRING_LEN as u64) * 8 {
            return Err(BAD_OFFSET);
        }
        self.ks().read(key.as_ref(), true, |e| {
            e.map_or(Ok(0), |e| Ok(bit_at(e.value().as_str()?, offset)))
        })
    }

    /// BITCOUNT: the set bits, in the whole string or in `range` (start, end, unit; negative
    /// positions count from the end).
    pub fn bitcount(
        &self,
        key: impl AsRef<[u8]>,
        range_: Option<(i64, i64, BitUnit)>,
    ) -> Result<u64> {
        near!(@argv self, "BITCOUNT" .arg(key.as_ref())
            .args(range_.map(|(s, e, _)| [s, e]).into_iter().flatten())
            .args(range_.map(|(_, _, u)| if u == BitUnit::Bit { "BIT" } else { "BYTE" })));
        self.ks().read(key.as_ref(), true, |e| {
            let Some(e) = e else { return Ok(0) };
            let s = e.value().as_str()?;
            let ones = |bytes: &[u8]| bytes.iter().map(|b| u64::from(b.count_ones())).sum::<u64>();
            Ok(match range_ {
                None => ones(s),
                // Both from the end and crossed: empty, as Redis decides before clamping.
                Some((start, end, _)) if start < 0 && end < 0 && start > end => 0,
                Some((start, end, BitUnit::Byte)) => match range(start, end, s.len() as i64) {
                    Some((a, b)) => ones(&s[a as usize..=b as usize]),
                    None => 0,
                },
                Some((start, end, BitUnit::Bit)) => match range(start, end, s.len() as i64 * 8) {
                    Some((a, b)) => (a as u64..=b as u64).map(|i| u64::from(bit_at(s, i))).sum(),
                    None => 0,
                },
            })
        })
    }

    /// BITPOS: the position of the first `bit` (0 or 1) in the string or in the range
    /// (start, optional end, unit), or -1. As Redis, looking for a 0 without an end
    /// counts the zeros that follow the string: an all-ones string answers its bit
    /// length.
    pub fn bitpos(
        &self,
        key: impl AsRef<[u8]>,
        bit: u8,
        start: Option<i64>,
        end: Option<i64>,
        unit: BitUnit,
    ) -> Result<i64> {
        near!(@argv self, "BITPOS" .arg(key.as_ref()) .arg(bit) .args(start) .args(end)
            .args(start.map(|_| if unit == BitUnit::Bit { "BIT" } else { "BYTE" })));
        if bit > 1 {
            return Err(Error::Invalid("The bit argument must be 1 or 0."));
        }
        self.ks().read(key.as_ref(), true, |e| {
            let Some(e) = e else {
                return Ok(if bit == 1 { -1 } else { 0 });
            };
            let s = e.value().as_str()?;
            let scale = if unit == BitUnit::Bit { 1 } else { 8 };
            let len = s.len() as i64 * 8 / scale;
            let Some((a, b)) = range(start.unwrap_or(0), end.unwrap_or(-1), len) else {
                return Ok(-1);
            };
            let (first, last) = (a * scale, b * scale + scale - 1);
            let found = (first..=last).find(|&i| bit_at(s, i as u64) == bit);
            Ok(match found {
                Some(i) => i,
                // Looking for a 0 with no end given: the first bit after the string.
                None if bit == 0 && end.is_none() && unit == BitUnit::Byte => last + 1,
                None => -1,
            })
        })
    }

    /// BITOP: `op` over the source strings (missing ones are empty, shorter ones padded
    /// with zeros) stored at `dest`; the length stored (0 deletes `dest`).
    pub fn bitop<K: AsRef<[u8]>>(
        &self,
        op: BitOp,
        dest: impl AsRef<[u8]>,
        keys: &[K],
    ) -> Result<usize> {
        #[cfg(feature = "remote")]
        let name = match op {
            BitOp::And => "AND",
            BitOp::Or => "OR",
            BitOp::Xor => "XOR",
            BitOp::Not => "NOT",
        };
        near!(@argv self, "BITOP" .arg(name) .arg(dest.as_ref()) .args(keys.iter().map(AsRef::as_ref)));
        if op == BitOp::Not && keys.len() != 1 {
            return Err(Error::Invalid(
                "BITOP NOT must be called with a single source key.",
            ));
        }
        let dest = dest.as_ref();
        let mut all: Vec<&[u8]> = vec![dest];
        all.extend(keys.iter().map(AsRef::as_ref));
        self.ks().write_many(&all, 64, |m| {
            let mut sources = Vec::with_capacity(keys.len());
            for (k, key) in all.iter().enumerate().skip(1) {
                let mut tx = m.key(k);
                sources.push(match tx.find(key) {
                    Some(i) => tx.entry(i).value().str_bytes()?,
                    None => Bytes::new(),
                });
            }
            let len = sources.iter().map(Bytes::len).max().unwrap_or(0);
            let byte = |s: &Bytes, i: usize| s.get(i).copied().unwrap_or(0);
            let out: Vec<u8> = (0..len)
                .map(|i| {
                    let mut it = sources.iter().map(|s| byte(s, i));
                    let first = it.next().unwrap_or(0);
                    match op {
                        BitOp::And => it.fold(first, |a, b| a & b),
                        BitOp::Or => it.fold(first, |a, b| a | b),
                        BitOp::Xor => it.fold(first, |a, b| a ^ b),
                        BitOp::Not => !first,
                    }
                })
                .collect();
            let mut tx = m.key(0);
            if out.is_empty() {
                if let Some(i) = tx.find(dest) {
                    tx.remove(i);
                    tx.notify(notify::GENERIC, "del", dest);
                }
            } else {
                let deadline = self.default_deadline(&tx);
                self.store(&mut tx, dest, Value::string(Bytes::from(out)), deadline);
                tx.notify(notify::STRING, "set", dest);
            }
            Ok(len)
        })
    }
}
