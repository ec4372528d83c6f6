//! Set commands.

use bytes::Bytes;
use indexmap::IndexSet;

use super::num::parse_i64;
use crate::error::Result;
use crate::glob::glob_match;
use crate::notify;
use crate::store::MultiTx;
use crate::value::{Kind, SetValue, SET_MEMBER_OVERHEAD};
use crate::Cache;

fn new_set() -> Kind {
    Kind::Set(SetValue::default())
}

fn member_bytes(m: &[u8]) -> usize {
    SET_MEMBER_OVERHEAD + m.len()
}

/// The set algebra of SINTER, SUNION and SDIFF.
#[derive(Clone, Copy)]
enum Op {
    Inter,
    Union,
    Diff,
}

impl Op {
    fn store_event(self) -> &'static str {
        match self {
            Op::Inter => "sinterstore",
            Op::Union => "sunionstore",
            Op::Diff => "sdiffstore",
        }
    }
}

/// Reads the sets at `k` keys of `m` (missing keys are empty sets) and combines them;
/// WRONGTYPE if any holds another type.
fn combine(m: &mut MultiTx, keys: &[&[u8]], first: usize, op: Op) -> Result<Vec<Bytes>> {
    let mut sets: Vec<Option<SetValue>> = Vec::with_capacity(keys.len() - first);
    for (k, key) in keys.iter().enumerate().skip(first) {
        let mut tx = m.key(k);
        sets.push(match tx.find(key) {
            Some(i) => Some(tx.entry(i).value().as_set()?.clone()),
            None => None,
        });
    }
    let mut iter = sets.into_iter();
    let mut acc: IndexSet<Bytes, ahash::RandomState> = iter
        .next()
        .flatten()
        .map(|s| s.to_members().into_iter().collect())
        .unwrap_or_default();
    for s in iter {
        match (op, s) {
            (Op::Inter, None) => acc.clear(),
            (Op::Inter, Some(s)) => acc.retain(|x| s.contains(x)),
            (Op::Union, Some(s)) => acc.extend(s.to_members()),
            (Op::Diff, Some(s)) => acc.retain(|x| !s.contains(x)),
            (_, None) => {}
        }
    }
    Ok(acc.into_iter().collect())
}

impl Cache {
    /// SADD: adds members; returns how many were new.
    pub fn sadd<V: Into<Bytes>>(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = V>,
    ) -> Result<usize> {
        let members: Vec<Bytes> = members.into_iter().map(Into::into).collect();
        #[cfg(feature = "remote")]
        if crate::remote::routed(&self.inner).is_some() {
            let mut argv: Vec<&[u8]> = vec![b"SADD", key.as_ref()];
            argv.extend(members.iter().map(|m| &m[..]));
            return crate::remote::typed::FromReply::from_reply(self.execute_slices(&argv));
        }
        let grow = members.iter().map(|m| member_bytes(m)).sum();
        self.coll_write(
            key.as_ref(),
            grow,
            Some(new_set),
            (notify::SET, "sadd", false),
            |v| {
                let (s, bytes) = v.expect("created").as_set_mut()?;
                Ok(members
                    .into_iter()
                    .filter(|m| s.insert(bytes, m.clone()))
                    .count())
            },
        )
    }

    /// SREM: removes members; returns how many existed.
    pub fn srem<V: AsRef<[u8]>>(&self, key: impl AsRef<[u8]>, members: &[V]) -> Result<usize> {
        #[cfg(feature = "remote")]
        if crate::remote::routed(&self.inner).is_some() {
            let mut argv: Vec<&[u8]> = vec![b"SREM", key.as_ref()];
            argv.extend(members.iter().map(AsRef::as_ref));
            return crate::remote::typed::FromReply::from_reply(self.execute_slices(&argv));
        }
        self.coll_write(key.as_ref(), 0, None, (notify::SET, "srem", false), |v| {
            let Some(v) = v else { return Ok(0) };
            let (s, bytes) = v.as_set_mut()?;
            Ok(members
                .iter()
                .filter(|m| s.remove(bytes, m.as_ref()))
                .count())
        })
    }

    fn with_set<R>(&self, key: &[u8], f: impl FnOnce(&SetValue) -> R, missing: R) -> Result<R> {
        self.coll_read(key, |v| match v {
            None => Ok(missing),
            Some(v) => Ok(f(v.as_set()?)),
        })
    }

    /// SMEMBERS.
    pub fn smembers(&self, key: impl AsRef<[u8]>) -> Result<Vec<Bytes>> {
        near!(self, b"SMEMBERS", key.as_ref());
        self.with_set(key.as_ref(), SetValue::to_members, Vec::new())
    }

    /// SISMEMBER.
    pub fn sismember(&self, key: impl AsRef<[u8]>, member: impl AsRef<[u8]>) -> Result<bool> {
        near!(self, b"SISMEMBER", key.as_ref(), member.as_ref());
        self.with_set(key.as_ref(), |s| s.contains(member.as_ref()), false)
    }

    /// SMISMEMBER.
    pub fn smismember<V: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        members: &[V],
    ) -> Result<Vec<bool>> {
        near!(@argv self, "SMISMEMBER" .arg(key.as_ref()) .args(members.iter().map(AsRef::as_ref)));
        self.with_set(
            key.as_ref(),
            |s| members.iter().map(|m| s.contains(m.as_ref())).collect(),
            vec![false; members.len()],
        )
    }

    /// SCARD.
    pub fn scard(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        near!(self, b"SCARD", key.as_ref());
        self.with_set(key.as_ref(), |s| s.len(), 0)
    }

    /// SPOP key: removes and returns a random member.
    pub fn spop(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        near!(self, b"SPOP", key.as_ref());
        Ok(self.spop_count(key, 1)?.into_iter().next())
    }

    /// SPOP key count: removes and returns up to `count` random members.
    pub fn spop_count(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Vec<Bytes>> {
        near!(@argv self, "SPOP" .arg(key.as_ref()) .arg(count));
        self.coll_write(key.as_ref(), 0, None, (notify::SET, "spop", false), |v| {
            let Some(v) = v else { return Ok(Vec::new()) };
            let (s, bytes) = v.as_set_mut()?;
            Ok(s.pop_random(bytes, count))
        })
    }

    /// SRANDMEMBER key: a random member.
    pub fn srandmember(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        near!(self, b"SRANDMEMBER", key.as_ref());
        Ok(self.srandmember_count(key, 1)?.into_iter().next())
    }

    /// SRANDMEMBER key count: `count > 0` distinct members, `count < 0` with repeats.
    pub fn srandmember_count(&self, key: impl AsRef<[u8]>, count: i64) -> Result<Vec<Bytes>> {
        near!(@argv self, "SRANDMEMBER" .arg(key.as_ref()) .arg(count));
        self.with_set(key.as_ref(), |s| s.random_members(count), Vec::new())
    }

    /// SMOVE: moves a member from `src` to `dst`, atomically; true if it was in `src`.
    pub fn smove(
        &self,
        src: impl AsRef<[u8]>,
        dst: impl AsRef<[u8]>,
        member: impl Into<Bytes>,
    ) -> Result<bool> {
        near!(@argv self, "SMOVE" .arg(src.as_ref()) .arg(dst.as_ref()) .arg(member.into()));
        let (src, dst, member) = (src.as_ref(), dst.as_ref(), member.into());
        self.ks()
            .write_many(&[src, dst], member_bytes(&member), |m| {
                // As Redis: a missing src answers 0 whatever dst is; then both types.
                {
                    let mut tx = m.key(0);
                    let Some(i) = tx.find(src) else {
                        return Ok(false);
                    };
                    tx.entry(i).value().as_set()?;
                }
                {
                    let mut tx = m.key(1);
                    if let Some(i) = tx.find(dst) {
                        tx.entry(i).value().as_set()?;
                    }
                }
                let moved = self.coll_in(
                    &mut m.key(0),
                    src,
                    None,
                    (notify::SET, "srem", false),
                    |v| {
                        let Some(v) = v else { return Ok(false) };
                        let (s, bytes) = v.as_set_mut()?;
                        Ok(s.remove(bytes, &member))
                    },
                )?;
                if moved {
                    self.coll_in(
                        &mut m.key(1),
                        dst,
                        Some(new_set),
                        (notify::SET, "sadd", false),
                        |v| {
                            let (s, bytes) = v.expect("created").as_set_mut()?;
                            s.insert(bytes, member.clone());
                            Ok(())
                        },
                    )?;
                }
                Ok(moved)
            })
    }

    fn set_op<K: AsRef<[u8]>>(&self, keys: &[K], op: Op) -> Result<Vec<Bytes>> {
        let keys: Vec<&[u8]> = keys.iter().map(AsRef::as_ref).collect();
        self.ks().write_many(&keys, 0, |m| combine(m, &keys, 0, op))
    }

    fn set_op_store<K: AsRef<[u8]>>(
        &self,
        dst: impl AsRef<[u8]>,
        keys: &[K],
        op: Op,
    ) -> Result<usize> {
        let dst = dst.as_ref();
        let mut all: Vec<&[u8]> = vec![dst];
        all.extend(keys.iter().map(AsRef::as_ref));
        self.ks().write_many(&all, 64, |m| {
            let mut bytes = 0;
            let result = SetValue::from_members(combine(m, &all, 1, op)?, &mut bytes);
            let n = result.len();
            self.store_coll(
                &mut m.key(0),
                dst,
                Kind::Set(result),
                bytes,
                (notify::SET, op.store_event(), true),
            );
            Ok(n)
        })
    }

    /// SINTER: the members in every set (atomically over all the keys).
    pub fn sinter<K: AsRef<[u8]>>(&self, keys: &[K]) -> Result<Vec<Bytes>> {
        near!(@argv self, "SINTER" .args(keys.iter().map(AsRef::as_ref)));
        self.set_op(keys, Op::Inter)
    }

    /// SUNION: the members in any set.
    pub fn sunion<K: AsRef<[u8]>>(&self, keys: &[K]) -> Result<Vec<Bytes>> {
        near!(@argv self, "SUNION" .args(keys.iter().map(AsRef::as_ref)));
        self.set_op(keys, Op::Union)
    }

    /// SDIFF: the members of the first set in none of the others.
    pub fn sdiff<K: AsRef<[u8]>>(&self, keys: &[K]) -> Result<Vec<Bytes>> {
        near!(@argv self, "SDIFF" .args(keys.iter().map(AsRef::as_ref)));
        self.set_op(keys, Op::Diff)
    }

    /// SINTERSTORE: stores SINTER at `dst` (replacing it; an empty result deletes it);
    /// returns its size.
    pub fn sinterstore<K: AsRef<[u8]>>(&self, dst: impl AsRef<[u8]>, keys: &[K]) -> Result<usize> {
        near!(@argv self, "SINTERSTORE" .arg(dst.as_ref()) .args(keys.iter().map(AsRef::as_ref)));
        self.set_op_store(dst, keys, Op::Inter)
    }

    /// SUNIONSTORE.
    pub fn sunionstore<K: AsRef<[u8]>>(&self, dst: impl AsRef<[u8]>, keys: &[K]) -> Result<usize> {
        near!(@argv self, "SUNIONSTORE" .arg(dst.as_ref()) .args(keys.iter().map(AsRef::as_ref)));
        self.set_op_store(dst, keys, Op::Union)
    }

    /// SDIFFSTORE.
    pub fn sdiffstore<K: AsRef<[u8]>>(&self, dst: impl AsRef<[u8]>, keys: &[K]) -> Result<usize> {
        near!(@argv self, "SDIFFSTORE" .arg(dst.as_ref()) .args(keys.iter().map(AsRef::as_ref)));
        self.set_op_store(dst, keys, Op::Diff)
    }

    /// SINTERCARD: the size of the intersection, counting at most `limit` (0: no limit).
    pub fn sintercard<K: AsRef<[u8]>>(&self, keys: &[K], limit: usize) -> Result<usize> {
        near!(@argv self, "SINTERCARD" .arg(keys.len()) .args(keys.iter().map(AsRef::as_ref)) .args((limit > 0).then_some("LIMIT")) .args((limit > 0).then_some(limit)));
        let n = self.sinter(keys)?.len();
        Ok(if limit == 0 { n } else { n.min(limit) })
    }

    /// SSCAN key cursor [MATCH pattern] [COUNT count]: members, about `count` at a time;
    /// start with cursor 0, stop when it comes back 0. Every member present for the whole
    /// scan is returned at least once.
    pub fn sscan(
        &self,
        key: impl AsRef<[u8]>,
        cursor: u64,
        pattern: Option<&[u8]>,
        count: usize,
    ) -> Result<(u64, Vec<Bytes>)> {
        near!(@argv self, "SSCAN" .arg(key.as_ref()) .arg(cursor) .args(crate::remote::typed::scan_args(pattern, count)));
        self.with_set(
            key.as_ref(),
            |s| {
                let matches = |m: &[u8]| pattern.is_none_or(|p| glob_match(p, m));
                // Redis 7.0 returns an intset whole in one page and walks any other set
                // by its cursor, however small.
                if !s.scans_by_index() && s.iter().all(|m| parse_i64(m).is_ok()) {
                    let all = s.iter().filter(|m| matches(m));
                    return (0, all.map(Bytes::copy_from_slice).collect());
                }
                let (next, page) = s.scan_page(cursor, count);
                let page = page.into_iter().filter(|m| matches(m));
                (next, page.map(Bytes::copy_from_slice).collect())
            },
            (0, Vec::new()),
        )
    }
}
