//! Bitmap commands.

use super::args::{int, is, key_first, Args};
use super::reply::{int as integer, Reply};
use crate::error::{Error, Result};
use crate::{BitOp, BitUnit, Cache, ValueType};

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
