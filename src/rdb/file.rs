//! Whole RDB files: the `REDIS0010` header, auxiliary fields, one section per database
//! (SELECTDB, RESIZEDB, then each key with its deadline), EOF and the CRC-64 of all
//! before it, as Redis 7.0 writes them; and the reverse, for files of Redis 7.0 to 7.4 and
//! Valkey 8 and 9 (whose files since 9.0 begin `VALKEY080`).

use super::{put_len, put_string, reads_version, skip, value, Reader, CRC64, RDB_VERSION};
use crate::error::{Error, Result};
use crate::value::Value;

const OP_FUNCTION2: u8 = 0xF5;
const OP_FUNCTION: u8 = 0xF6;
const OP_MODULE_AUX: u8 = 0xF7;
const OP_IDLE: u8 = 0xF8;
const OP_FREQ: u8 = 0xF9;
const OP_AUX: u8 = 0xFA;
const OP_RESIZEDB: u8 = 0xFB;
const OP_EXPIRETIME_MS: u8 = 0xFC;
const OP_EXPIRETIME: u8 = 0xFD;
const OP_SELECTDB: u8 = 0xFE;
const OP_EOF: u8 = 0xFF;

/// One key of a snapshot.
pub(crate) struct Record {
    pub db: u8,
    pub key: crate::store::key::Key,
    pub value: Value,
    /// Absolute deadline in ms since the epoch (0: none).
    pub expire_at: u64,
}

/// A whole RDB file holding `records`, sorted by database (as they come from
/// [`crate::Cache`]'s snapshot), written at `now_ms`. Each record is dropped once written,
/// so a collection the snapshot shares with the cache stops being shared (and a write to
/// it stops needing a copy) as early as it can.
pub(crate) fn write(records: Vec<Record>, now_ms: u64, used_memory: usize) -> Vec<u8> {
    let mut out = format!("REDIS{RDB_VERSION:04}").into_bytes();
    let aux = |out: &mut Vec<u8>, k: &str, v: &str| {
        out.push(OP_AUX);
        put_string(out, k.as_bytes());
        put_string(out, v.as_bytes());
    };
    // Redis 7.0 reads these; `redis-ver` is the version whose commands the data is for.
    aux(&mut out, "redis-ver", "7.0.0");
    aux(&mut out, "redis-bits", "64");
    aux(&mut out, "ctime", &(now_ms / 1000).to_string());
    aux(&mut out, "used-mem", &used_memory.to_string());
    aux(&mut out, "aof-base", "0");
    aux(&mut out, "ferricache-ver", env!("CARGO_PKG_VERSION"));
    // Each database's keys and keys with a deadline, for its RESIZEDB record.
    let mut sections: Vec<(u8, u64, u64)> = Vec::new();
    for r in &records {
        match sections.last_mut() {
            Some(s) if s.0 == r.db => {
                s.1 += 1;
                s.2 += u64::from(r.expire_at != 0);
            }
            _ => sections.push((r.db, 1, u64::from(r.expire_at != 0))),
        }
    }
    let mut records = records.into_iter();
    for (db, keys, volatile) in sections {
        out.push(OP_SELECTDB);
        put_len(&mut out, u64::from(db));
        out.push(OP_RESIZEDB);
        put_len(&mut out, keys);
        put_len(&mut out, volatile);
        for r in records.by_ref().take(keys as usize) {
            if r.expire_at != 0 {
                out.push(OP_EXPIRETIME_MS);
                out.extend_from_slice(&r.expire_at.to_le_bytes());
            }
            out.push(value::type_of(&r.value));
            put_string(&mut out, r.key.as_bytes());
            value::encode_body(&r.value, &mut out);
        }
    }
    out.push(OP_EOF);
    let crc = CRC64.checksum(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// What a lenient load read past, by kind (see [`crate::CacheBuilder::snapshot_lenient`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadSkipped {
    /// Stream keys.
    pub streams: u64,
    /// Module values (keys) and module auxiliary records.
    pub modules: u64,
    /// Function libraries.
    pub functions: u64,
}

impl LoadSkipped {
    /// Everything skipped.
    pub fn total(&self) -> u64 {
        self.streams + self.modules + self.functions
    }
}

/// Where [`read`] puts the keys it reads.
pub(crate) trait Sink {
    /// A database section is about to bring about `keys` keys (its RESIZEDB record), so
    /// room can be made at once rather than grown step by step.
    fn expect(&mut self, _keys: u64) {}
    /// One key, in database `db`, with its absolute deadline in ms (0: none).
    fn key(&mut self, db: u8, key: &[u8], value: Value, expire_at: u64);
}

/// Hands every key of an RDB file whose deadline is after `now_ms` to `sink` (expired
/// ones are dropped, as Redis drops them on load), or stops at the first fault: its byte
/// offset and, once known, its key. The checksum is checked first.
///
/// With `lenient`, streams, module values and data, and functions are read past and
/// counted in the result rather than refused.
#[cfg(test)]
pub(crate) fn read(
    buf: &[u8],
    now_ms: u64,
    databases: usize,
    lenient: bool,
    sink: &mut impl Sink,
) -> Result<LoadSkipped> {
    let file = open(buf)?;
    if let Some(want) = file.checksum {
        check(buf, CRC64.checksum(file.body), want)?;
    }
    parse(file.body, now_ms, databases, lenient, sink)
}

/// An RDB file whose header was read: the part the checksum covers, and the checksum it
/// ends with (`None` before version 5, or when the writer had checksums off).
pub(crate) struct Opened<'a> {
    pub body: &'a [u8],
    pub checksum: Option<u64>,
}

/// Reads the header of the RDB file `buf`: `REDIS` and four digits, or, from Valkey 9 on,
/// `VALKEY` and three (nine bytes either way).
pub(crate) fn open(buf: &[u8]) -> Result<Opened<'_>> {
    let digits = match buf.get(..9) {
        Some(h) if h.starts_with(b"REDIS") => &h[5..],
        Some(h) if h.starts_with(b"VALKEY") => &h[6..],
        _ => return Err(fail(0, None, "not an RDB file (no REDIS header)")),
    };
    let version: u16 = std::str::from_utf8(digits)
        .ok()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| fail(5, None, "unreadable RDB version"))?;
    if !reads_version(version) {
        return Err(fail(
            5,
            None,
            &format!("RDB version {version} is not supported"),
        ));
    }
    if version < 5 {
        return Ok(Opened {
            body: buf,
            checksum: None,
        });
    }
    // Since version 5 the file ends in a CRC-64 (zero when the writer had checksums off).
    if buf.len() < 17 {
        return Err(fail(buf.len(), None, "truncated"));
    }
    let (body, tail) = buf.split_at(buf.len() - 8);
    let crc = u64::from_le_bytes(tail.try_into().expect("8 bytes"));
    Ok(Opened {
        body,
        checksum: (crc != 0).then_some(crc),
    })
}

/// The fault of a file whose checksum `got` is not the `want` it ends with.
pub(crate) fn check(buf: &[u8], got: u64, want: u64) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(fail(buf.len() - 8, None, "checksum mismatch"))
    }
}

fn fail(at: usize, key: Option<&[u8]>, why: &str) -> Error {
    let key = key.map_or(String::new(), |k| {
        format!(" (key '{}')", String::from_utf8_lossy(k))
    });
    Error::InvalidConfig(format!("bad RDB file at byte {at}{key}: {why}"))
}

/// Hands the keys of `body` (an opened file without its checksum) to `sink`, as
/// [`read`] does; the caller checks the checksum.
pub(crate) fn parse(
    body: &[u8],
    now_ms: u64,
    databases: usize,
    lenient: bool,
    sink: &mut impl Sink,
) -> Result<LoadSkipped> {
    let mut skipped = LoadSkipped::default();
    let mut r = Reader::new(&body[9..]);
    let (mut db, mut expire_at) = (0u8, 0u64);
    loop {
        let at = 9 + r.position();
        let op = r
            .byte()
            .map_err(|_| fail(at, None, "truncated before EOF"))?;
        let wrap = |e: Error, key: Option<&[u8]>| {
            let text = e.to_string();
            fail(at, key, text.trim_start_matches("ERR "))
        };
        match op {
            OP_EOF => break,
            OP_AUX => {
                r.string()
                    .and_then(|_| r.string())
                    .map_err(|e| wrap(e, None))?;
            }
            OP_RESIZEDB => {
                let keys = r.len().map_err(|e| wrap(e, None))?;
                r.len().map_err(|e| wrap(e, None))?;
                // A hint only: bounded by what the rest of the file could hold.
                sink.expect(keys.min(r.remaining() as u64 / 3));
            }
            OP_SELECTDB => {
                let n = r.len().map_err(|e| wrap(e, None))?;
                db = u8::try_from(n)
                    .ok()
                    .filter(|&d| (d as usize) < databases)
                    .ok_or_else(|| fail(at, None, &format!("database {n} is out of range")))?;
            }
            OP_EXPIRETIME_MS => {
                let b = r.take(8).map_err(|e| wrap(e, None))?;
                expire_at = u64::from_le_bytes(b.try_into().expect("8 bytes"));
            }
            OP_EXPIRETIME => {
                let b = r.take(4).map_err(|e| wrap(e, None))?;
                expire_at = u64::from(u32::from_le_bytes(b.try_into().expect("4 bytes"))) * 1000;
            }
            OP_IDLE => {
                r.len().map_err(|e| wrap(e, None))?;
            }
            OP_FREQ => {
                r.byte().map_err(|e| wrap(e, None))?;
            }
            OP_MODULE_AUX if lenient => {
                skip::module_aux(&mut r).map_err(|e| wrap(e, None))?;
                skipped.modules += 1;
            }
            OP_MODULE_AUX => return Err(fail(at, None, "module data is not supported")),
            OP_FUNCTION | OP_FUNCTION2 if lenient => {
                skip::function(op, &mut r).map_err(|e| wrap(e, None))?;
                skipped.functions += 1;
            }
            OP_FUNCTION | OP_FUNCTION2 => {
                return Err(fail(
                    at,
                    None,
                    "functions (Lua libraries) are not supported",
                ))
            }
            t @ (skip::TYPE_MODULE_2
            | skip::TYPE_STREAM_LISTPACKS
            | skip::TYPE_STREAM_LISTPACKS_2
            | skip::TYPE_STREAM_LISTPACKS_3)
                if lenient =>
            {
                let key = r.string_ref().map_err(|e| wrap(e, None))?;
                let read = if t == skip::TYPE_MODULE_2 {
                    skipped.modules += 1;
                    skip::module_value(&mut r)
                } else {
                    skipped.streams += 1;
                    skip::stream(t, &mut r)
                };
                read.map_err(|e| wrap(e, Some(&key)))?;
                expire_at = 0;
            }
            t => {
                let key = r.string_ref().map_err(|e| wrap(e, None))?;
                let value = value::decode(t, &mut r).map_err(|e| {
                    let why = match e {
                        Error::Invalid(text) => text.trim_start_matches("Bad data format: "),
                        _ => "malformed value",
                    };
                    fail(at, Some(&key), why)
                })?;
                if expire_at == 0 || expire_at > now_ms {
                    sink.key(db, &key, value, expire_at);
                }
                expire_at = 0;
            }
        }
    }
    Ok(skipped)
}
