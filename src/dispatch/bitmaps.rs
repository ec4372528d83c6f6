//! Bitmap commands.

use super::args::{int, is, key_first, Args};
use super::reply::{int as integer, Reply};
use crate::error::{Error, Result};
use crate::{BitFieldOp, BitFieldType, BitOp, BitUnit, Cache, Overflow, ValueType};

/// A bit offset: 0 up to the 512 MB string limit (2^32 bits), as Redis's
/// `getBitOffsetFromArgument`.
fn offset(arg: &[u8]) -> Result<u64> {
    int(arg)
        .ok()
        .and_then(|n| u64::try_from(n).ok())
        .filter(|&n| n < 1 << 32)
        .ok_or(Error::Invalid(
            "bit offset is not an integer or out of range",
        ))
}

fn unit(arg: Option<&&[u8]>) -> Result<BitUnit> {
    match arg {
        None => Ok(BitUnit::Byte),
        Some(u) if is(u, "BYTE") => Ok(BitUnit::Byte),
        Some(u) if is(u, "BIT") => Ok(BitUnit::Bit),
        Some(_) => Err(Error::Syntax),
    }
}

pub(super) fn setbit(c: &Cache, a: Args) -> Result<Reply> {
    let offset = offset(a[1])?;
    let on = match a[2] {
        b"0" => false,
        b"1" => true,
        _ => return Err(Error::Invalid("bit is not an integer or out of range")),
    };
    Ok(integer(i64::from(c.setbit(a[0], offset, on)?)))
}

pub(super) fn getbit(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(i64::from(c.getbit(a[0], offset(a[1])?)?)))
}

/// BITCOUNT key [start end [BYTE | BIT]]: the key is looked up before the range is read.
pub(super) fn bitcount(c: &Cache, a: Args) -> Result<Reply> {
    key_first(
        c,
        a[0],
        ValueType::String,
        || Ok(integer(0)),
        || {
            let range = match &a[1..] {
                [] => None,
                [start, end, rest @ ..] if rest.len() <= 1 => {
                    let (start, end) = (int(start)?, int(end)?);
                    // An empty range from the end answers 0 before the unit is read.
                    let unit = if start < 0 && end < 0 && start > end {
                        BitUnit::Byte
                    } else {
                        unit(rest.first())?
                    };
                    Some((start, end, unit))
                }
                _ => return Err(Error::Syntax),
            };
            Ok(integer(c.bitcount(a[0], range)? as i64))
        },
    )
}

/// BITPOS key bit [start [end [BYTE | BIT]]]: the bit is read first, then the key looked
/// up (a missing key is all zeros), then the range, unit before end.
pub(super) fn bitpos(c: &Cache, a: Args) -> Result<Reply> {
    let bit = match int(a[1]) {
        Ok(b @ (0 | 1)) => b as u8,
        Ok(_) => return Err(Error::Invalid("The bit argument must be 1 or 0.")),
        Err(e) => return Err(e),
    };
    let missing = || Ok(integer(if bit == 1 { -1 } else { 0 }));
    key_first(c, a[0], ValueType::String, missing, || {
        let (start, end, unit) = match &a[2..] {
            [] => (None, None, BitUnit::Byte),
            [start] => (Some(int(start)?), None, BitUnit::Byte),
            [start, end, rest @ ..] if rest.len() <= 1 => {
                let start = int(start)?;
                let unit = unit(rest.first())?;
                (Some(start), Some(int(end)?), unit)
            }
            _ => return Err(Error::Syntax),
        };
        Ok(integer(c.bitpos(a[0], bit, start, end, unit)?))
    })
}

pub(super) fn bitop(c: &Cache, a: Args) -> Result<Reply> {
    let op = match () {
        _ if is(a[0], "AND") => BitOp::And,
        _ if is(a[0], "OR") => BitOp::Or,
        _ if is(a[0], "XOR") => BitOp::Xor,
        _ if is(a[0], "NOT") => BitOp::Not,
        _ => return Err(Error::Syntax),
    };
    Ok(integer(c.bitop(op, a[1], &a[2..])? as i64))
}

/// BITFIELD's operations as bitfieldGeneric parses them: each error in argument order, and
/// BITFIELD_RO (`read_only`) refusing a write only once all parsed.
fn bitfield_ops(a: Args, read_only: bool) -> Result<Vec<BitFieldOp>> {
    let mut ops = Vec::new();
    let mut writes = false;
    let mut j = 1;
    while j < a.len() {
        let rest = a.len() - j - 1;
        let sub = a[j];
        let arity = if is(sub, "GET") && rest >= 2 {
            2
        } else if (is(sub, "SET") || is(sub, "INCRBY")) && rest >= 3 {
            3
        } else if is(sub, "OVERFLOW") && rest >= 1 {
            let ow = a[j + 1];
            ops.push(BitFieldOp::Overflow(if is(ow, "WRAP") {
                Overflow::Wrap
            } else if is(ow, "SAT") {
                Overflow::Sat
            } else if is(ow, "FAIL") {
                Overflow::Fail
            } else {
                return Err(Error::Invalid("Invalid OVERFLOW type specified"));
            }));
            j += 2;
            continue;
        } else {
            return Err(Error::Syntax);
        };
        let t: BitFieldType = std::str::from_utf8(a[j + 1])
            .map_err(|_| Error::Invalid("Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."))?
            .parse()?;
        let at = a[j + 2];
        let hash = at.first() == Some(&b'#');
        let n = int(&at[usize::from(hash)..]).map_err(|_| bad_offset())?;
        // Redis multiplies in a C `long long`: a `#` offset that overflows wraps.
        let n = if hash {
            n.wrapping_mul(i64::from(t.bits()))
        } else {
            n
        };
        let offset = u64::try_from(n)
            .ok()
            .filter(|&n| n >> 3 < 512 << 20)
            .ok_or_else(bad_offset)?;
        ops.push(if arity == 2 {
            BitFieldOp::Get(t, offset)
        } else {
            writes = true;
            let v = int(a[j + 3])?;
            if is(sub, "SET") {
                BitFieldOp::Set(t, offset, v)
            } else {
                BitFieldOp::IncrBy(t, offset, v)
            }
        });
        j += arity + 1;
    }
    if read_only && writes {
        return Err(Error::Invalid(
            "BITFIELD_RO only supports the GET subcommand",
        ));
    }
    Ok(ops)
}

fn bad_offset() -> Error {
    Error::Invalid("bit offset is not an integer or out of range")
}

pub(super) fn bitfield(c: &Cache, a: Args) -> Result<Reply> {
    let ops = bitfield_ops(a, false)?;
    let replies = c.bitfield(a[0], &ops)?;
    Ok(Reply::Array(
        replies
            .into_iter()
            .map(|r| r.map_or(Reply::Nil, Reply::Integer))
            .collect(),
    ))
}

pub(super) fn bitfield_ro(c: &Cache, a: Args) -> Result<Reply> {
    let gets: Vec<(BitFieldType, u64)> = bitfield_ops(a, true)?
        .into_iter()
        .filter_map(|op| match op {
            BitFieldOp::Get(t, o) => Some((t, o)),
            _ => None,
        })
        .collect();
    let replies = c.bitfield_ro(a[0], &gets)?;
    Ok(Reply::Array(
        replies.into_iter().map(Reply::Integer).collect(),
    ))
}
