//! Readers for the compact blobs Redis stores small collections in, as RDB carries them:
//! listpacks (7.0 and later), ziplists (before 7.0), intsets and zipmaps. Each yields its
//! entries in order, integers as their decimal text.

use bytes::Bytes;

use super::bad;
use crate::commands::num::format_i64;
use crate::error::Result;

fn le(b: &[u8]) -> u64 {
    b.iter().rev().fold(0, |v, &x| v << 8 | u64::from(x))
}

/// Sign-extends the low `bits` of `v`.
fn signed(v: u64, bits: u32) -> i64 {
    let shift = 64 - bits;
    ((v << shift) as i64) >> shift
}

/// The entries of a listpack.
pub(super) fn listpack(lp: &[u8]) -> Result<Vec<Bytes>> {
    if lp.len() < 7 || le(&lp[..4]) as usize != lp.len() {
        return Err(bad("listpack header"));
    }
    let mut out = Vec::new();
    let mut at = 6;
    loop {
        let b = *lp.get(at).ok_or_else(|| bad("listpack end"))?;
        if b == 0xFF {
            break;
        }
        let field = |from: usize, n: usize| -> Result<&[u8]> {
            lp.get(from..from + n).ok_or_else(|| bad("listpack entry"))
        };
        // (header bytes, data bytes, the entry)
        let (head, data, entry) = if b & 0x80 == 0 {
            (1, 0, format_i64(i64::from(b & 0x7F)))
        } else if b & 0xC0 == 0x80 {
            let n = usize::from(b & 0x3F);
            (1, n, Bytes::copy_from_slice(field(at + 1, n)?))
        } else if b & 0xE0 == 0xC0 {
            let v = u64::from(b & 0x1F) << 8 | u64::from(field(at + 1, 1)?[0]);
            (2, 0, format_i64(signed(v, 13)))
        } else if b & 0xF0 == 0xE0 {
            let n = usize::from(b & 0x0F) << 8 | usize::from(field(at + 1, 1)?[0]);
            (2, n, Bytes::copy_from_slice(field(at + 2, n)?))
        } else {
            match b {
                0xF0 => {
                    let n = le(field(at + 1, 4)?) as usize;
                    (5, n, Bytes::copy_from_slice(field(at + 5, n)?))
                }
                0xF1 => (1, 2, format_i64(signed(le(field(at + 1, 2)?), 16))),
                0xF2 => (1, 3, format_i64(signed(le(field(at + 1, 3)?), 24))),
                0xF3 => (1, 4, format_i64(signed(le(field(at + 1, 4)?), 32))),
                0xF4 => (1, 8, format_i64(le(field(at + 1, 8)?) as i64)),
                _ => return Err(bad("listpack encoding")),
            }
        };
        let len = head + data;
        let back = match len {
            0..128 => 1,
            128..16384 => 2,
            16384..2097152 => 3,
            2097152..268435456 => 4,
            _ => 5,
        };
        at += len + back;
        out.push(entry);
    }
    Ok(out)
}

/// The entries of a ziplist (Redis before 7.0).
pub(super) fn ziplist(zl: &[u8]) -> Result<Vec<Bytes>> {
    if zl.len() < 11 || le(&zl[..4]) as usize != zl.len() {
        return Err(bad("ziplist header"));
    }
    let mut out = Vec::new();
    let mut at = 10;
    let get = |from: usize, n: usize| -> Result<&[u8]> {
        zl.get(from..from + n).ok_or_else(|| bad("ziplist entry"))
    };
    loop {
        let first = get(at, 1)?[0];
        if first == 0xFF {
            break;
        }
        // The previous entry's length: one byte, or 0xFE and four.
        at += if first == 0xFE { 5 } else { 1 };
        let b = get(at, 1)?[0];
        let (head, data, entry) = match b >> 6 {
            0 => {
                let n = usize::from(b & 0x3F);
                (1, n, Bytes::copy_from_slice(get(at + 1, n)?))
            }
            1 => {
                let n = usize::from(b & 0x3F) << 8 | usize::from(get(at + 1, 1)?[0]);
                (2, n, Bytes::copy_from_slice(get(at + 2, n)?))
            }
            2 => {
                let s = get(at + 1, 4)?;
                let n = u32::from_be_bytes(s.try_into().expect("4 bytes")) as usize;
                (5, n, Bytes::copy_from_slice(get(at + 5, n)?))
            }
            _ => match b {
                0xC0 => (1, 2, format_i64(signed(le(get(at + 1, 2)?), 16))),
                0xD0 => (1, 4, format_i64(signed(le(get(at + 1, 4)?), 32))),
                0xE0 => (1, 8, format_i64(le(get(at + 1, 8)?) as i64)),
                0xF0 => (1, 3, format_i64(signed(le(get(at + 1, 3)?), 24))),
                0xFE => (1, 1, format_i64(i64::from(get(at + 1, 1)?[0] as i8))),
                0xF1..=0xFD => (1, 0, format_i64(i64::from(b & 0x0F) - 1)),
                _ => return Err(bad("ziplist encoding")),
            },
        };
        at += head + data;
        out.push(entry);
    }
    Ok(out)
}

/// The members of an intset.
pub(super) fn intset(is: &[u8]) -> Result<Vec<Bytes>> {
    if is.len() < 8 {
        return Err(bad("intset header"));
    }
    let width = le(&is[..4]) as usize;
    let n = le(&is[4..8]) as usize;
    if !matches!(width, 2 | 4 | 8) || n.checked_mul(width) != Some(is.len() - 8) {
        return Err(bad("intset size"));
    }
    Ok(is[8..]
        .chunks(width)
        .map(|c| format_i64(signed(le(c), width as u32 * 8)))
        .collect())
}

/// The fields and values of a zipmap (Redis before 2.6), flattened.
pub(super) fn zipmap(zm: &[u8]) -> Result<Vec<Bytes>> {
    let mut out = Vec::new();
    let mut at = 1;
    let get = |from: usize, n: usize| -> Result<&[u8]> {
        zm.get(from..from + n).ok_or_else(|| bad("zipmap entry"))
    };
    let len = |at: &mut usize| -> Result<Option<usize>> {
        let b = get(*at, 1)?[0];
        Ok(match b {
            0xFF => None,
            0xFE => {
                let n = le(get(*at + 1, 4)?) as usize;
                *at += 5;
                Some(n)
            }
            n => {
                *at += 1;
                Some(usize::from(n))
            }
        })
    };
    loop {
        let Some(n) = len(&mut at)? else { break };
        out.push(Bytes::copy_from_slice(get(at, n)?));
        at += n;
        let Some(n) = len(&mut at)? else {
            return Err(bad("zipmap value"));
        };
        let free = usize::from(get(at, 1)?[0]);
        out.push(Bytes::copy_from_slice(get(at + 1, n)?));
        at += 1 + n + free;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listpack of a string, a 7-bit, a 13-bit and a 24-bit integer, as Redis lays them
    /// out (RESTORE of Redis's own DUMPs is tested against redis-server).
    #[test]
    fn reads_every_listpack_integer_width() {
        let mut lp = vec![0, 0, 0, 0, 5, 0];
        lp.extend([0x81, b'a', 2]); // 6-bit string "a"
        lp.extend([0x01, 1]); // 7-bit uint 1
        lp.extend([
            0xC0 | ((-3000i64 as u64 >> 8) & 0x1F) as u8,
            (-3000i64 & 0xFF) as u8,
            2,
        ]);
        lp.extend([0x85, b'h', b'e', b'l', b'l', b'o', 6]);
        lp.extend([0xF2, 0xA0, 0x86, 0x01, 4]); // int24 100000
        lp.push(0xFF);
        let total = lp.len() as u32;
        lp[..4].copy_from_slice(&total.to_le_bytes());
        let got: Vec<Bytes> = listpack(&lp).unwrap();
        assert_eq!(got, ["a", "1", "-3000", "hello", "100000"]);
        assert!(listpack(&lp[..lp.len() - 1]).is_err());
    }

    /// A ziplist (Redis before 7.0) of a string, an immediate, an int16 and an int24.
    #[test]
    fn reads_ziplists() {
        let mut zl = vec![0; 10];
        zl.extend([0, 0x02, b'a', b'b']); // prevlen 0, 6-bit string "ab"
        zl.extend([4, 0xF6]); // immediate 5
        zl.extend([2, 0xC0]);
        zl.extend((-300i16).to_le_bytes());
        zl.extend([4, 0xF0, 0xA0, 0x86, 0x01]); // int24 100000
        zl.push(0xFF);
        let total = zl.len() as u32;
        zl[..4].copy_from_slice(&total.to_le_bytes());
        zl[8] = 4;
        assert_eq!(ziplist(&zl).unwrap(), ["ab", "5", "-300", "100000"]);
        assert!(ziplist(&zl[..zl.len() - 2]).is_err());
    }

    /// A zipmap (Redis before 2.6) of two fields, one value with free bytes after it.
    #[test]
    fn reads_zipmaps() {
        let mut zm = vec![2];
        zm.extend([1, b'f', 2, 0, b'v', b'1']);
        zm.extend([2, b'g', b'g', 1, 3, b'x', 0, 0, 0]);
        zm.push(0xFF);
        assert_eq!(zipmap(&zm).unwrap(), ["f", "v1", "gg", "x"]);
        assert!(zipmap(&zm[..5]).is_err());
    }

    #[test]
    fn reads_intsets() {
        let mut is = vec![2, 0, 0, 0, 3, 0, 0, 0];
        for v in [-2i16, 5, 300] {
            is.extend(v.to_le_bytes());
        }
        assert_eq!(intset(&is).unwrap(), ["-2", "5", "300"]);
        assert!(intset(&is[..9]).is_err());
    }
}
