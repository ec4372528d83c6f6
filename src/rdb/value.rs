//! One value in RDB form: its type byte, then its contents.

use std::collections::VecDeque;

use bytes::Bytes;

use super::listpack::{intset, listpack, ziplist, zipmap};
use super::*;
use crate::error::{Error, Result};
use crate::types::hash::HashValue;
use crate::types::set::SetValue;
use crate::types::zset::ZSet;
use crate::value::{Coll, Kind, Value, LIST_ELEMENT_OVERHEAD};

/// Appends `v`'s type byte and contents (a DUMP payload's body).
pub(crate) fn encode(v: &Value, out: &mut Vec<u8>) {
    out.push(type_of(v));
    encode_body(v, out);
}

/// The RDB type byte `v` is written with.
pub(crate) fn type_of(v: &Value) -> u8 {
    match v.as_coll() {
        None => TYPE_STRING,
        Some(c) => match &c.kind {
            Kind::List(_) => TYPE_LIST,
            Kind::Set(_) => TYPE_SET,
            Kind::Hash(_) => TYPE_HASH,
            Kind::ZSet(_) => TYPE_ZSET_2,
        },
    }
}

/// Appends `v`'s contents, without the type byte (in a file the key goes in between).
pub(crate) fn encode_body(v: &Value, out: &mut Vec<u8>) {
    match (v.as_str(), v.as_coll()) {
        (Ok(s), _) => put_string(out, s),
        (_, None) => unreachable!("a value is a string or a collection"),
        (_, Some(c)) => match &c.kind {
            Kind::List(l) => {
                put_len(out, l.len() as u64);
                for e in l {
                    put_string(out, e);
                }
            }
            Kind::Set(s) => {
                put_len(out, s.len() as u64);
                for m in s.iter() {
                    put_string(out, m);
                }
            }
            Kind::Hash(h) => {
                put_len(out, h.len() as u64);
                for (f, v) in h.iter() {
                    put_string(out, f);
                    put_string(out, v);
                }
            }
            Kind::ZSet(z) => {
                put_len(out, z.len() as u64);
                for (m, score) in z.iter() {
                    put_string(out, &m);
                    out.extend_from_slice(&score.to_le_bytes());
                }
            }
        },
    }
}

/// Reads one value of type `t` (its type byte already read). Empty collections and
/// repeated members are refused, as Redis refuses them.
pub(crate) fn decode(t: u8, r: &mut Reader) -> Result<Value> {
    let kind = match t {
        TYPE_STRING => return Ok(Value::string(r.string()?)),
        TYPE_LIST => {
            let n = r.count()?;
            list((0..n).map(|_| r.string()).collect::<Result<_>>()?)?
        }
        TYPE_LIST_ZIPLIST => list(ziplist(&r.string()?)?)?,
        TYPE_LIST_QUICKLIST | TYPE_LIST_QUICKLIST_2 => {
            let nodes = r.count()?;
            let mut all = Vec::new();
            for _ in 0..nodes {
                // Quicklist 2 tags each node: 1 a plain element, 2 a packed listpack.
                let container = if t == TYPE_LIST_QUICKLIST_2 {
                    r.len()?
                } else {
                    2
                };
                let blob = r.string()?;
                match (t, container) {
                    (_, 1) => all.push(blob),
                    (TYPE_LIST_QUICKLIST, _) => all.extend(ziplist(&blob)?),
                    (_, 2) => all.extend(listpack(&blob)?),
                    _ => return Err(bad("quicklist container")),
                }
            }
            list(all)?
        }
        TYPE_SET => {
            let n = r.count()?;
            set((0..n).map(|_| r.string()).collect::<Result<_>>()?)?
        }
        TYPE_SET_INTSET => set(intset(&r.string()?)?)?,
        TYPE_SET_LISTPACK => set(listpack(&r.string()?)?)?,
        TYPE_HASH => {
            let n = r.count()?;
            let mut flat = Vec::with_capacity(n * 2);
            for _ in 0..n {
                flat.push(r.string()?);
                flat.push(r.string()?);
            }
            hash(flat)?
        }
        TYPE_HASH_ZIPMAP => hash(zipmap(&r.string()?)?)?,
        TYPE_HASH_ZIPLIST => hash(ziplist(&r.string()?)?)?,
        TYPE_HASH_LISTPACK => hash(listpack(&r.string()?)?)?,
        TYPE_ZSET | TYPE_ZSET_2 => {
            let n = r.count()?;
            let mut pairs = Vec::with_capacity(n);
            for _ in 0..n {
                let m = r.string()?;
                let score = if t == TYPE_ZSET_2 {
                    r.binary_double()?
                } else {
                    r.text_double()?
                };
                pairs.push((m, score));
            }
            zset(pairs)?
        }
        TYPE_ZSET_ZIPLIST | TYPE_ZSET_LISTPACK => {
            let blob = r.string()?;
            let flat = if t == TYPE_ZSET_ZIPLIST {
                ziplist(&blob)?
            } else {
                listpack(&blob)?
            };
            if flat.len() % 2 != 0 {
                return Err(bad("sorted set pairs"));
            }
            let pairs = flat
                .chunks(2)
                .map(|p| {
                    let score = crate::commands::num::parse_f64(&p[1]).map_err(|_| bad("score"))?;
                    Ok((p[0].clone(), score))
                })
                .collect::<Result<_>>()?;
            zset(pairs)?
        }
        6 | 7 => {
            return Err(Error::Invalid(
                "Bad data format: module values are not supported",
            ))
        }
        15 | 19 | 21 => return Err(Error::Invalid("Bad data format: streams are not supported")),
        22..=25 => {
            return Err(Error::Invalid(
                "Bad data format: hash fields with TTLs (Redis 7.4) are not supported",
            ))
        }
        _ => return Err(bad("unknown type")),
    };
    Ok(kind)
}

fn coll(kind: Kind, bytes: usize) -> Value {
    Value::coll(Coll { kind, bytes })
}

fn list(items: Vec<Bytes>) -> Result<Value> {
    if items.is_empty() {
        return Err(bad("empty list"));
    }
    let bytes = items.iter().map(|e| LIST_ELEMENT_OVERHEAD + e.len()).sum();
    Ok(coll(Kind::List(VecDeque::from(items)), bytes))
}

fn set(members: Vec<Bytes>) -> Result<Value> {
    let mut bytes = 0;
    let mut s = SetValue::default();
    for m in members {
        if !s.insert(&mut bytes, m) {
            return Err(bad("repeated set member"));
        }
    }
    if s.is_empty() {
        return Err(bad("empty set"));
    }
    Ok(coll(Kind::Set(s), bytes))
}

fn hash(flat: Vec<Bytes>) -> Result<Value> {
    if flat.is_empty() || flat.len() % 2 != 0 {
        return Err(bad("hash pairs"));
    }
    let mut bytes = 0;
    let mut h = HashValue::default();
    let mut it = flat.into_iter();
    while let (Some(f), Some(v)) = (it.next(), it.next()) {
        if !h.set(&mut bytes, f, v) {
            return Err(bad("repeated hash field"));
        }
    }
    Ok(coll(Kind::Hash(h), bytes))
}

fn zset(pairs: Vec<(Bytes, f64)>) -> Result<Value> {
    if pairs.is_empty() {
        return Err(bad("empty sorted set"));
    }
    if pairs.iter().any(|(_, s)| s.is_nan()) {
        return Err(bad("NaN score"));
    }
    let mut bytes = 0;
    let z = ZSet::from_pairs(pairs, &mut bytes).ok_or(bad("repeated sorted set member"))?;
    Ok(coll(Kind::ZSet(z), bytes))
}

/// A DUMP payload: the value, then the RDB version and the CRC-64 of all before it, both
/// little-endian.
pub(crate) fn dump(v: &Value) -> Bytes {
    let mut out = Vec::new();
    encode(v, &mut out);
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = CRC64.checksum(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out.into()
}

/// The value of a DUMP payload, after its version and checksum are checked.
pub(crate) fn undump(payload: &[u8]) -> Result<Value> {
    let wrong = Error::Invalid("DUMP payload version or checksum are wrong");
    if payload.len() < 10 {
        return Err(wrong);
    }
    let footer = &payload[payload.len() - 10..];
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    let crc = u64::from_le_bytes(footer[2..].try_into().expect("8 bytes"));
    if !reads_version(version) || CRC64.checksum(&payload[..payload.len() - 8]) != crc {
        return Err(wrong);
    }
    let mut r = Reader::new(&payload[..payload.len() - 10]);
    let t = r.byte()?;
    decode(t, &mut r)
}
