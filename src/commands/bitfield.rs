//! BITFIELD and BITFIELD_RO: integers of 1 to 64 bits at any bit offset of a string, read,
//! written and incremented with Redis's overflow rules (WRAP, SAT, FAIL). Bit 0 is the most
//! significant bit of the first byte, as for SETBIT.

use std::fmt;
use std::str::FromStr;

use bytes::Bytes;

use super::strings::MAX_STRING_LEN;
use crate::error::{Error, Result};
use crate::notify;
use crate::value::Value;
use crate::Cache;

const BAD_TYPE: Error = Error::Invalid(
    "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
);
const BAD_OFFSET: Error = Error::Invalid("bit offset is not an integer or out of range");

/// A BITFIELD integer type: signed of 1 to 64 bits (`i16`) or unsigned of 1 to 63 (`u8`).
///
/// ```
/// use ferricache::BitFieldType;
///
/// let t: BitFieldType = "u8".parse().unwrap();
/// assert_eq!((t.bits(), t.is_signed(), t.to_string()), (8, false, "u8".to_string()));
/// assert!("u64".parse::<BitFieldType>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BitFieldType {
    signed: bool,
    bits: u8,
}

impl BitFieldType {
    /// A signed type of `bits` (1 to 64).
    pub fn signed(bits: u8) -> Result<BitFieldType> {
        (1..=64)
            .contains(&bits)
            .then_some(BitFieldType { signed: true, bits })
            .ok_or(BAD_TYPE)
    }

    /// An unsigned type of `bits` (1 to 63: the value must fit Redis's signed reply).
    pub fn unsigned(bits: u8) -> Result<BitFieldType> {
        (1..=63)
            .contains(&bits)
            .then_some(BitFieldType {
                signed: false,
                bits,
            })
            .ok_or(BAD_TYPE)
    }

    /// The width in bits.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// True for the `i` types.
    pub fn is_signed(&self) -> bool {
        self.signed
    }
}

impl FromStr for BitFieldType {
    type Err = Error;

    /// Redis's spelling: `i` or `u`, then the width as a plain integer.
    fn from_str(s: &str) -> Result<BitFieldType> {
        let bits = |digits: &str| {
            super::num::parse_i64(digits.as_bytes())
                .ok()
                .and_then(|n| u8::try_from(n).ok())
                .ok_or(BAD_TYPE)
        };
        match s.as_bytes().first() {
            Some(b'i') => BitFieldType::signed(bits(&s[1..])?),
            Some(b'u') => BitFieldType::unsigned(bits(&s[1..])?),
            _ => Err(BAD_TYPE),
        }
    }
}

impl fmt::Display for BitFieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", if self.signed { 'i' } else { 'u' }, self.bits)
    }
}

/// What SET and INCRBY do with a result that does not fit the type (BITFIELD's OVERFLOW).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    /// Keep the low bits (the default).
    #[default]
    Wrap,
    /// Clamp to the type's minimum or maximum.
    Sat,
    /// Change nothing and answer nil for that operation.
    Fail,
}

/// One BITFIELD operation; offsets are in bits (Redis's `#n` form is `n * bits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitFieldOp {
    /// GET type offset: the value.
    Get(BitFieldType, u64),
    /// SET type offset value: the previous value.
    Set(BitFieldType, u64, i64),
    /// INCRBY type offset increment: the new value.
    IncrBy(BitFieldType, u64, i64),
    /// OVERFLOW: the rule for the SET and INCRBY operations after it.
    Overflow(Overflow),
}

/// The field of `bits` at bit `offset` of `s`, zeros past its end.
fn get_unsigned(s: &[u8], offset: u64, bits: u8) -> u64 {
    let mut v = 0u64;
    for j in 0..u64::from(bits) {
        let bit = offset + j;
        let b = s.get((bit >> 3) as usize).copied().unwrap_or(0);
        v = (v << 1) | u64::from((b >> (7 - (bit & 7))) & 1);
    }
    v
}

fn get_signed(s: &[u8], offset: u64, bits: u8) -> i64 {
    let v = get_unsigned(s, offset, bits);
    if bits < 64 && v & (1 << (bits - 1)) != 0 {
        (v | (u64::MAX << bits)) as i64
    } else {
        v as i64
    }
}

/// Writes the low `bits` of `v` at bit `offset`; `s` holds the whole field.
fn set_bits(s: &mut [u8], offset: u64, bits: u8, v: u64) {
    for j in 0..u64::from(bits) {
        let on = (v >> (u64::from(bits) - 1 - j)) & 1 == 1;
        let bit = offset + j;
        let mask = 1u8 << (7 - (bit & 7));
        let byte = &mut s[(bit >> 3) as usize];
        *byte = if on { *byte | mask } else { *byte & !mask };
    }
}

/// Redis's checkUnsignedBitfieldOverflow: whether `value + incr` leaves the type, and the
/// value WRAP or SAT makes of it.
fn unsigned_overflow(value: u64, incr: i64, bits: u8, ow: Overflow) -> Option<u64> {
    let max = (1u64 << bits) - 1;
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = value.wrapping_neg() as i64;
    let wrap = || value.wrapping_add(incr as u64) & !(u64::MAX << bits);
    if value > max || (incr > 0 && incr > max_incr) {
        Some(if ow == Overflow::Sat { max } else { wrap() })
    } else if incr < 0 && incr < min_incr {
        Some(if ow == Overflow::Sat { 0 } else { wrap() })
    } else {
        None
    }
}

/// Redis's checkSignedBitfieldOverflow, as [`unsigned_overflow`].
fn signed_overflow(value: i64, incr: i64, bits: u8, ow: Overflow) -> Option<i64> {
    let max = if bits == 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
    let min_incr = min.wrapping_sub(value);
    let wrap = || {
        let mut c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let mask = u64::MAX << bits;
            if c & (1 << (bits - 1)) != 0 {
                c |= mask;
            } else {
                c &= !mask;
            }
        }
        c as i64
    };
    let wide = bits != 64;
    if value > max || (wide && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr) {
        Some(if ow == Overflow::Sat { max } else { wrap() })
    } else if value < min || (wide && incr < min_incr) || (value < 0 && incr < 0 && incr < min_incr)
    {
        Some(if ow == Overflow::Sat { min } else { wrap() })
    } else {
        None
    }
}

/// Applies one SET or INCRBY to `s`: its reply (`None`: refused by FAIL) and whether the
/// field changed.
fn write_op(s: &mut [u8], op: BitFieldOp, ow: Overflow) -> (Option<i64>, bool) {
    let (t, offset, n, incr) = match op {
        BitFieldOp::Set(t, o, v) => (t, o, v, false),
        BitFieldOp::IncrBy(t, o, v) => (t, o, v, true),
        _ => unreachable!("only writes"),
    };
    if t.signed {
        let old = get_signed(s, offset, t.bits);
        let (new, overflow) = if incr {
            match signed_overflow(old, n, t.bits, ow) {
                Some(w) => (w, true),
                None => (old.wrapping_add(n), false),
            }
        } else {
            match signed_overflow(n, 0, t.bits, ow) {
                Some(w) => (w, true),
                None => (n, false),
            }
        };
        if overflow && ow == Overflow::Fail {
            return (None, false);
        }
        set_bits(s, offset, t.bits, new as u64);
        (Some(if incr { new } else { old }), old != new)
    } else {
        let old = get_unsigned(s, offset, t.bits);
        let (new, overflow) = if incr {
            match unsigned_overflow(old, n, t.bits, ow) {
                Some(w) => (w, true),
                None => (old.wrapping_add(n as u64), false),
            }
        } else {
            match unsigned_overflow(n as u64, 0, t.bits, ow) {
                Some(w) => (w, true),
                None => (n as u64, false),
            }
        };
        if overflow && ow == Overflow::Fail {
            return (None, false);
        }
        set_bits(s, offset, t.bits, new);
        (Some(if incr { new } else { old } as i64), old != new)
    }
}

fn read_op(s: &[u8], t: BitFieldType, offset: u64) -> i64 {
    if t.signed {
        get_signed(s, offset, t.bits)
    } else {
        get_unsigned(s, offset, t.bits) as i64
    }
}

/// Refuses offsets past Redis's 512 MB strings, as getBitOffsetFromArgument.
fn check_offset(offset: u64) -> Result<()> {
    if offset >> 3 >= MAX_STRING_LEN as u64 {
        Err(BAD_OFFSET)
    } else {
        Ok(())
    }
}

impl Cache {
    /// BITFIELD: runs `ops` in order on the string at `key`, as one atomic command; one
    /// reply per GET, SET and INCRBY (`None` where OVERFLOW FAIL refused a write). A write
    /// creates the key, or extends it with zeros, to hold its field.
    ///
    /// ```
    /// use ferricache::{BitFieldOp::*, Cache, Overflow};
    ///
    /// let cache = Cache::new();
    /// let u8t = "u8".parse().unwrap();
    /// // Two 8-bit counters in one string: INCRBY, then GET both.
    /// let r = cache.bitfield("counters", &[IncrBy(u8t, 0, 200), IncrBy(u8t, 8, 1)]).unwrap();
    /// assert_eq!(r, [Some(200), Some(1)]);
    /// let r = cache.bitfield("counters", &[Overflow(Overflow::Sat), IncrBy(u8t, 0, 100)]).unwrap();
    /// assert_eq!(r, [Some(255)]);
    /// let r = cache.bitfield("counters", &[Overflow(Overflow::Fail), IncrBy(u8t, 0, 1)]).unwrap();
    /// assert_eq!(r, [None]);
    /// ```
    pub fn bitfield(&self, key: impl AsRef<[u8]>, ops: &[BitFieldOp]) -> Result<Vec<Option<i64>>> {
        let key = key.as_ref();
        near!(@argv self, "BITFIELD" .arg(key) .args(ops.iter().flat_map(op_args)));
        let mut highest: Option<u64> = None;
        for op in ops {
            match *op {
                BitFieldOp::Get(_, o) => check_offset(o)?,
                BitFieldOp::Set(t, o, _) | BitFieldOp::IncrBy(t, o, _) => {
                    check_offset(o)?;
                    let last = o + u64::from(t.bits) - 1;
                    highest = Some(highest.map_or(last, |h| h.max(last)));
                }
                BitFieldOp::Overflow(_) => {}
            }
        }
        let Some(highest) = highest else {
            let gets: Vec<(BitFieldType, u64)> = ops
                .iter()
                .filter_map(|op| match *op {
                    BitFieldOp::Get(t, o) => Some((t, o)),
                    _ => None,
                })
                .collect();
            return Ok(self
                .bitfield_gets(key, &gets)?
                .into_iter()
                .map(Some)
                .collect());
        };
        let need = (highest >> 3) as usize + 1;
        self.ks().write(key, need, |tx| {
            let found = tx.find(key);
            let mut s = match found {
                Some(i) => tx.entry(i).value().as_str()?.to_vec(),
                None => Vec::new(),
            };
            // Creating or growing the string counts as a change for every write that
            // applies, as Redis's `dirty`.
            let dirty = found.is_none() || s.len() < need;
            if s.len() < need {
                s.resize(need, 0);
            }
            let (mut ow, mut changes, mut replies) = (Overflow::Wrap, 0, Vec::new());
            for op in ops {
                match *op {
                    BitFieldOp::Get(t, o) => replies.push(Some(read_op(&s, t, o))),
                    BitFieldOp::Overflow(o) => ow = o,
                    write => {
                        let (reply, changed) = write_op(&mut s, write, ow);
                        if reply.is_some() && (dirty || changed) {
                            changes += 1;
                        }
                        replies.push(reply);
                    }
                }
            }
            if changes > 0 || dirty {
                let value = Value::string(Bytes::from(s));
                match found {
                    Some(i) => tx.set_value(i, value),
                    None => {
                        let deadline = self.default_deadline(tx);
                        tx.insert(key, value, deadline);
                    }
                }
            }
            if changes > 0 {
                tx.notify(notify::STRING, "setbit", key);
            }
            Ok(replies)
        })
    }

    /// BITFIELD_RO: the GETs of BITFIELD, without writing (zeros for a missing key).
    ///
    /// ```
    /// let cache = ferricache::Cache::new();
    /// cache.set("k", vec![0xFFu8, 0x01]).unwrap();
    /// let i8t = "i8".parse().unwrap();
    /// assert_eq!(cache.bitfield_ro("k", &[(i8t, 0), (i8t, 8), (i8t, 16)]).unwrap(), [-1, 1, 0]);
    /// ```
    pub fn bitfield_ro(
        &self,
        key: impl AsRef<[u8]>,
        gets: &[(BitFieldType, u64)],
    ) -> Result<Vec<i64>> {
        let key = key.as_ref();
        near!(@argv self, "BITFIELD_RO" .arg(key)
            .args(gets.iter().flat_map(|&(t, o)| op_args(&BitFieldOp::Get(t, o)))));
        for (_, o) in gets {
            check_offset(*o)?;
        }
        self.bitfield_gets(key, gets)
    }

    fn bitfield_gets(&self, key: &[u8], gets: &[(BitFieldType, u64)]) -> Result<Vec<i64>> {
        self.ks().read(key, true, |e| {
            let s = match e {
                Some(e) => e.value().as_str()?,
                None => &[][..],
            };
            Ok(gets.iter().map(|&(t, o)| read_op(s, t, o)).collect())
        })
    }
}

/// An operation as BITFIELD's arguments (near-cache mode sends them on).
#[cfg_attr(not(feature = "remote"), allow(dead_code))]
fn op_args(op: &BitFieldOp) -> Vec<String> {
    match *op {
        BitFieldOp::Get(t, o) => vec!["GET".into(), t.to_string(), o.to_string()],
        BitFieldOp::Set(t, o, v) => vec!["SET".into(), t.to_string(), o.to_string(), v.to_string()],
        BitFieldOp::IncrBy(t, o, v) => {
            vec!["INCRBY".into(), t.to_string(), o.to_string(), v.to_string()]
        }
        BitFieldOp::Overflow(ow) => vec![
            "OVERFLOW".into(),
            match ow {
                Overflow::Wrap => "WRAP",
                Overflow::Sat => "SAT",
                Overflow::Fail => "FAIL",
            }
            .into(),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_and_write_across_byte_boundaries() {
        let mut s = vec![0u8; 3];
        set_bits(&mut s, 5, 7, 0b101_1011);
        assert_eq!(get_unsigned(&s, 5, 7), 0b101_1011);
        assert_eq!(s, [0b0000_0101, 0b1011_0000, 0]);
        assert_eq!(get_signed(&[0x80], 0, 1), -1);
        assert_eq!(get_signed(&[0xFF; 8], 0, 64), -1);
        assert_eq!(get_unsigned(&[0xFF; 8], 0, 63), (1 << 63) - 1);
    }

    #[test]
    fn overflow_rules_match_redis() {
        use Overflow::*;
        assert_eq!(unsigned_overflow(250, 10, 8, Wrap), Some(4));
        assert_eq!(unsigned_overflow(250, 10, 8, Sat), Some(255));
        assert_eq!(unsigned_overflow(5, -10, 8, Sat), Some(0));
        assert_eq!(unsigned_overflow(5, -10, 8, Wrap), Some(251));
        assert_eq!(unsigned_overflow(5, 10, 8, Wrap), None);
        assert_eq!(signed_overflow(120, 10, 8, Wrap), Some(-126));
        assert_eq!(signed_overflow(120, 10, 8, Sat), Some(127));
        assert_eq!(signed_overflow(-120, -10, 8, Sat), Some(-128));
        assert_eq!(signed_overflow(i64::MAX, 1, 64, Wrap), Some(i64::MIN));
        assert_eq!(signed_overflow(i64::MIN, -1, 64, Sat), Some(i64::MIN));
        assert_eq!(signed_overflow(-1, 1, 64, Wrap), None);
    }
}
