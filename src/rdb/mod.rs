//! Redis's RDB serialization of values: what DUMP writes and RESTORE reads (and, with a
//! header and per-key opcodes around the same values, what an RDB snapshot holds).
//!
//! Writing uses encodings every Redis since 2.x loads: a string as is (or as an integer
//! when it is one's canonical text), lists, sets, hashes and sorted sets (binary scores) as
//! plain sequences. Reading takes what Redis 7.0 to 7.4 and Valkey 8 and 9 write for these types:
//! integer and LZF-compressed strings, quicklists of listpacks, listpack hashes, sets and
//! sorted sets, intsets, and the ziplists and zipmaps of older versions. Anything else
//! (streams, modules, hash-field TTLs) is refused by name, or, in a lenient load, streams,
//! modules and functions are read past and counted.

pub(crate) mod file;
mod listpack;
mod skip;
pub(crate) mod value;

use std::borrow::Cow;

use crate::error::{Error, Result};

/// The RDB version this engine writes (Redis 7.0's).
pub(crate) const RDB_VERSION: u16 = 10;

/// Whether this engine reads values of RDB version `v`: Redis's up to 7.4's 12, and
/// Valkey 9's 80 (Valkey numbers its own versions from 80 on, leaving Redis's later ones
/// as foreign).
pub(crate) fn reads_version(v: u16) -> bool {
    v <= 12 || v == 80
}

pub(crate) const TYPE_STRING: u8 = 0;
pub(crate) const TYPE_LIST: u8 = 1;
pub(crate) const TYPE_SET: u8 = 2;
pub(crate) const TYPE_ZSET: u8 = 3;
pub(crate) const TYPE_HASH: u8 = 4;
pub(crate) const TYPE_ZSET_2: u8 = 5;
pub(crate) const TYPE_HASH_ZIPMAP: u8 = 9;
pub(crate) const TYPE_LIST_ZIPLIST: u8 = 10;
pub(crate) const TYPE_SET_INTSET: u8 = 11;
pub(crate) const TYPE_ZSET_ZIPLIST: u8 = 12;
pub(crate) const TYPE_HASH_ZIPLIST: u8 = 13;
pub(crate) const TYPE_LIST_QUICKLIST: u8 = 14;
pub(crate) const TYPE_HASH_LISTPACK: u8 = 16;
pub(crate) const TYPE_ZSET_LISTPACK: u8 = 17;
pub(crate) const TYPE_LIST_QUICKLIST_2: u8 = 18;
pub(crate) const TYPE_SET_LISTPACK: u8 = 20;

/// Redis's CRC-64 (Jones, reflected), over a DUMP payload or a whole RDB file.
/// Slice-by-16 tables (32 KiB): several times the speed of the byte-wise default, which
/// bounded how fast a snapshot loads and saves.
pub(crate) static CRC64: crc::Crc<u64, crc::Table<16>> =
    crc::Crc::<u64, crc::Table<16>>::new(&crc::CRC_64_REDIS);

/// What a malformed payload is refused with (RESTORE's "Bad data format").
pub(crate) fn bad(_why: &str) -> Error {
    Error::Invalid("Bad data format")
}

/// Writes `n` in RDB's length encoding (6, 14, 32 or 64 bits).
pub(crate) fn put_len(out: &mut Vec<u8>, n: u64) {
    if n < 1 << 6 {
        out.push(n as u8);
    } else if n < 1 << 14 {
        out.extend_from_slice(&[0x40 | (n >> 8) as u8, n as u8]);
    } else if n <= u64::from(u32::MAX) {
        out.push(0x80);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// Writes a string: as an integer encoding when it is the canonical text of one that fits
/// 32 bits (as Redis does), else its length and bytes.
pub(crate) fn put_string(out: &mut Vec<u8>, s: &[u8]) {
    if s.len() <= 11 {
        if let Ok(n) = crate::commands::num::parse_i64(s) {
            if let Ok(n) = i8::try_from(n) {
                out.extend_from_slice(&[0xC0, n as u8]);
                return;
            } else if let Ok(n) = i16::try_from(n) {
                out.push(0xC1);
                out.extend_from_slice(&n.to_le_bytes());
                return;
            } else if let Ok(n) = i32::try_from(n) {
                out.push(0xC2);
                out.extend_from_slice(&n.to_le_bytes());
                return;
            }
        }
    }
    put_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// A reader over a payload; every read checks the bounds.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

/// A length, or one of the special string encodings.
enum Len {
    Plain(u64),
    Encoded(u8),
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, at: 0 }
    }

    /// Bytes read so far.
    pub fn position(&self) -> usize {
        self.at
    }

    /// Bytes left to read.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.at
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or_else(|| bad("truncated"))?;
        let s = &self.buf[self.at..end];
        self.at = end;
        Ok(s)
    }

    pub fn byte(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn raw_len(&mut self) -> Result<Len> {
        let b = self.byte()?;
        Ok(match b >> 6 {
            0 => Len::Plain(u64::from(b & 0x3F)),
            1 => Len::Plain(u64::from(b & 0x3F) << 8 | u64::from(self.byte()?)),
            2 if b == 0x80 => Len::Plain(u64::from(u32::from_be_bytes(
                self.take(4)?.try_into().expect("4 bytes"),
            ))),
            2 if b == 0x81 => Len::Plain(u64::from_be_bytes(
                self.take(8)?.try_into().expect("8 bytes"),
            )),
            3 => Len::Encoded(b & 0x3F),
            _ => return Err(bad("length encoding")),
        })
    }

    /// A length (an element count, a string's size).
    pub fn len(&mut self) -> Result<u64> {
        match self.raw_len()? {
            Len::Plain(n) => Ok(n),
            Len::Encoded(_) => Err(bad("encoded value where a length belongs")),
        }
    }

    /// A count of elements, bounded by what the rest of the payload could hold.
    pub fn count(&mut self) -> Result<usize> {
        let n = self.len()?;
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= self.buf.len() - self.at)
            .ok_or_else(|| bad("count larger than the payload"))
    }

    /// A string in any of its encodings.
    pub fn string(&mut self) -> Result<bytes::Bytes> {
        Ok(match self.string_ref()? {
            Cow::Borrowed(s) => bytes::Bytes::copy_from_slice(s),
            Cow::Owned(v) => v.into(),
        })
    }

    /// A string in any of its encodings, borrowed from the payload when stored plainly
    /// (a key a load copies into the keyspace needs no allocation of its own).
    pub fn string_ref(&mut self) -> Result<Cow<'a, [u8]>> {
        let int = |i: i64| Cow::Owned(itoa::Buffer::new().format(i).as_bytes().to_vec());
        match self.raw_len()? {
            Len::Plain(n) => {
                let n = usize::try_from(n).map_err(|_| bad("string length"))?;
                Ok(Cow::Borrowed(self.take(n)?))
            }
            Len::Encoded(0) => Ok(int(i64::from(self.byte()? as i8))),
            Len::Encoded(1) => Ok(int(i64::from(i16::from_le_bytes(
                self.take(2)?.try_into().expect("2 bytes"),
            )))),
            Len::Encoded(2) => Ok(int(i64::from(i32::from_le_bytes(
                self.take(4)?.try_into().expect("4 bytes"),
            )))),
            Len::Encoded(3) => {
                let clen = usize::try_from(self.len()?).map_err(|_| bad("lzf length"))?;
                let len = usize::try_from(self.len()?).map_err(|_| bad("lzf length"))?;
                // LZF expands at most about 90 times (a 3-byte back reference copies up to
                // 264 bytes): a larger claim is corrupt, and is refused before allocating.
                if len > crate::commands::strings::MAX_STRING_LEN
                    || len > clen.saturating_mul(100) + 64
                {
                    return Err(bad("lzf length"));
                }
                let packed = self.take(clen)?;
                let out = lzf::decompress(packed, len).map_err(|_| bad("lzf data"))?;
                if out.len() != len {
                    return Err(bad("lzf length"));
                }
                Ok(Cow::Owned(out))
            }
            Len::Encoded(_) => Err(bad("string encoding")),
        }
    }

    /// A sorted-set score of RDB_TYPE_ZSET_2: a little-endian double.
    pub fn binary_double(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    /// A score of the old RDB_TYPE_ZSET: its length byte, then its text (253 nan, 254
    /// +inf, 255 -inf).
    pub fn text_double(&mut self) -> Result<f64> {
        match self.byte()? {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            n => {
                let text = self.take(n as usize)?;
                std::str::from_utf8(text)
                    .ok()
                    .and_then(|t| t.parse().ok())
                    .ok_or_else(|| bad("score"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc64_is_redis_s() {
        // Redis's own test vector (src/crc64.c).
        assert_eq!(CRC64.checksum(b"123456789"), 0xe9c6d914c4b8d9ca);
    }

    #[test]
    fn lengths_and_strings_round_trip() {
        for n in [
            0u64,
            63,
            64,
            16383,
            16384,
            u32::MAX as u64,
            u32::MAX as u64 + 1,
        ] {
            let mut out = Vec::new();
            put_len(&mut out, n);
            assert_eq!(Reader::new(&out).len().unwrap(), n);
        }
        for s in [
            &b""[..],
            b"0",
            b"-128",
            b"127",
            b"-32768",
            b"2147483647",
            b"2147483648",
            b"007",
            b"hello",
        ] {
            let mut out = Vec::new();
            put_string(&mut out, s);
            assert_eq!(&Reader::new(&out).string().unwrap()[..], s);
        }
    }
}
