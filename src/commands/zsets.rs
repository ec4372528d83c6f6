//! Sorted-set commands (leaderboards: ZADD, ZREVRANGE WITHSCORES, ZREVRANK).

use bytes::Bytes;

use super::coll::{index_range, scan_step};
use super::hashes::random_picks;
use crate::blocking::Take;
#[cfg(feature = "remote")]
use crate::commands::num::format_score;
use crate::error::{Error, Result};
use crate::glob::glob_match;
use crate::notify;
use crate::types::zset::member_bytes;
use crate::types::zset::{LexBound, ScoreBound, ZSet};
use crate::value::Kind;
use crate::Cache;

fn new_zset() -> Kind {
    Kind::ZSet(ZSet::new())
}

/// ZADD's options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ZAddOptions {
    /// Only add new members.
    pub nx: bool,
    /// Only update existing members.
    pub xx: bool,
    /// Only update when the new score is greater.
    pub gt: bool,
    /// Only update when the new score is less.
    pub lt: bool,
    /// Count changed members, not only added ones.
    pub ch: bool,
}

impl ZAddOptions {
    #[cfg(feature = "remote")]
    fn words(self) -> Vec<&'static str> {
        [
            (self.nx, "NX"),
            (self.xx, "XX"),
            (self.gt, "GT"),
            (self.lt, "LT"),
            (self.ch, "CH"),
        ]
        .into_iter()
        .filter_map(|(on, w)| on.then_some(w))
        .collect()
    }

    pub(crate) fn check(self) -> Result<()> {
        if self.nx && self.xx {
            return Err(Error::Invalid(
                "XX and NX options at the same time are not compatible",
            ));
        }
        if (self.gt as u8 + self.lt as u8 + self.nx as u8) > 1 {
            return Err(Error::Invalid(
                "GT, LT, and/or NX options at the same time are not compatible",
            ));
        }
        Ok(())
    }
}

/// What ZRANGE selects by.
#[derive(Debug, Clone, PartialEq)]
pub enum RangeBy {
    /// Ranks from `start` to `stop` inclusive (negative from the end).
    Index(i64, i64),
    /// Scores from `min` to `max` (BYSCORE); with `rev`, walked from `max` down.
    Score(ScoreBound, ScoreBound),
    /// Members from `min` to `max` (BYLEX); with `rev`, walked from `max` down.
    Lex(LexBound, LexBound),
}

/// ZUNIONSTORE / ZINTERSTORE's AGGREGATE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aggregate {
    /// SUM (the default).
    #[default]
    Sum,
    /// MIN.
    Min,
    /// MAX.
    Max,
}

fn check_score(score: f64) -> Result<f64> {
    if score.is_nan() {
        Err(Error::NotFloat)
    } else {
        Ok(score)
    }
}

/// The members of `z` that ZRANGE selects, in its order.
fn range_of(
    z: &ZSet,
    by: &RangeBy,
    rev: bool,
    offset: usize,
    count: Option<usize>,
) -> Vec<(Bytes, f64)> {
    match by {
        RangeBy::Index(a, b) => match index_range(*a, *b, z.len()) {
            Some((a, b)) => z.by_rank(a, b, rev),
            None => Vec::new(),
        },
        RangeBy::Score(min, max) => z.by_score(*min, *max, rev, offset, count),
        RangeBy::Lex(min, max) => z.by_lex(min, max, rev, offset, count),
    }
}

/// ZMPOP's answer: the key popped from, with the members and their scores.
type KeyedPops = Option<(Bytes, Vec<(Bytes, f64)>)>;

/// How ZUNION, ZINTER and ZDIFF (and their STORE forms) combine their inputs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

/// The inputs at `keys[first..]` of a multi-key write, as (member, score) pairs; sets
/// count with score 1, as in Redis; another type is WRONGTYPE.
fn read_inputs(
    m: &mut crate::store::MultiTx,
    keys: &[&[u8]],
    first: usize,
) -> Result<Vec<Vec<(Bytes, f64)>>> {
    let mut inputs = Vec::with_capacity(keys.len() - first);
    for (k, key) in keys.iter().enumerate().skip(first) {
        let mut tx = m.key(k);
        inputs.push(match tx.find(key) {
            None => Vec::new(),
            Some(i) => match &tx.entry(i).value() {
                v if v.as_zset().is_ok() => {
                    v.as_zset()?.iter().map(|(m, s)| (m.clone(), s)).collect()
                }
                v => v
                    .as_set()?
                    .to_members()
                    .into_iter()
                    .map(|m| (m, 1.0))
                    .collect(),
            },
        });
    }
    Ok(inputs)
}

/// Combines the inputs as Redis's zunionInterDiffGenericCommand does; the result and its
/// byte count. The set stores -0 as 0; the members whose score came out -0 are pushed to
/// `negative_zeros`, since ZUNION and ZINTER reply -0 where the STORE forms store 0.
fn combine(
    inputs: &[Vec<(Bytes, f64)>],
    weights: Option<&[f64]>,
    agg: Aggregate,
    op: SetOp,
    negative_zeros: &mut Vec<Bytes>,
) -> (ZSet, usize) {
    let mut z = ZSet::new();
    let mut bytes = 0;
    if op == SetOp::Diff {
        let others: hashbrown::HashSet<&Bytes, ahash::RandomState> =
            inputs.iter().skip(1).flatten().map(|(m, _)| m).collect();
        for (member, score) in inputs.first().into_iter().flatten() {
            if !others.contains(member) {
                z.set(member.clone(), *score, &mut bytes);
            }
        }
        return (z, bytes);
    }
    let inter = op == SetOp::Inter;
    let weight = |k: usize| weights.map_or(1.0, |w| w[k]);
    // Redis's zunionInterAggregate: a NaN sum (inf - inf) is 0; MIN and MAX keep the
    // current score when the new one is NaN.
    let combine = |cur: f64, val: f64| match agg {
        Aggregate::Sum => {
            let r = cur + val;
            if r.is_nan() {
                0.0
            } else {
                r
            }
        }
        Aggregate::Min => {
            if val < cur {
                val
            } else {
                cur
            }
        }
        Aggregate::Max => {
            if val > cur {
                val
            } else {
                cur
            }
        }
    };
    // As Redis: a union zeroes each weighted score that is NaN (inf * 0); an
    // intersection starts from the smallest input's weighted score (NaN zeroed) and
    // aggregates the others' as they are.
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    if inter {
        order.sort_by_key(|&k| inputs[k].len());
    }
    let mut acc: hashbrown::HashMap<Bytes, (f64, usize), ahash::RandomState> = Default::default();
    for (rank, &k) in order.iter().enumerate() {
        for (member, score) in &inputs[k] {
            let s = score * weight(k);
            let zeroed = if s.is_nan() { 0.0 } else { s };
            let val = if inter && rank > 0 { s } else { zeroed };
            acc.entry(member.clone())
                .and_modify(|(cur, n)| {
                    *cur = combine(*cur, val);
                    *n += 1;
                })
                .or_insert((zeroed, 1));
        }
    }
    for (member, (score, n)) in acc {
        if !inter || n == inputs.len() {
            if score == 0.0 && score.is_sign_negative() {
                negative_zeros.push(member.clone());
            }
            z.set(member, score, &mut bytes);
        }
    }
    (z, bytes)
}

/// Applies one ZADD pair; returns (added, changed, the resulting score if it was written).
fn zadd_one(
    z: &mut ZSet,
    bytes: &mut usize,
    member: Bytes,
    score: f64,
    incr: bool,
    o: ZAddOptions,
) -> Result<(bool, bool, Option<f64>)> {
    match z.score(&member) {
        None if o.xx => Ok((false, false, None)),
        None => {
            z.set(member, score, bytes);
            Ok((true, true, Some(score)))
        }
        Some(_) if o.nx => Ok((false, false, None)),
        Some(cur) => {
            let new = if incr { cur + score } else { score };
            if new.is_nan() {
                return Err(Error::Invalid("resulting score is not a number (NaN)"));
            }
            if (o.gt && new <= cur) || (o.lt && new >= cur) {
                return Ok((false, false, None));
            }
            z.set(member, new, bytes);
            Ok((false, new != cur, Some(new)))
        }
    }
}

impl Cache {
    /// ZADD: adds members with scores (or updates their scores); returns how many were
    /// added.
    ///
    /// ```
    /// let cache = ferricache::Cache::new();
    /// cache.zadd("leaderboard", [(50.0, "alice"), (70.0, "bob")]).unwrap();
    /// assert_eq!(cache.zrevrank("leaderboard", "bob").unwrap(), Some(0));
    /// ```
    pub fn zadd<M: Into<Bytes>>(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = (f64, M)>,
    ) -> Result<usize> {
        self.zadd_with(key, members, ZAddOptions::default())
    }

    /// ZADD with NX / XX / GT / LT / CH: the count of added members, or of added and
    /// changed ones with CH.
    pub fn zadd_with<M: Into<Bytes>>(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = (f64, M)>,
        opts: ZAddOptions,
    ) -> Result<usize> {
        opts.check()?;
        let members: Vec<(f64, Bytes)> = members
            .into_iter()
            .map(|(s, m)| Ok((check_score(s)?, m.into())))
            .collect::<Result<_>>()?;
        #[cfg(feature = "remote")]
        if crate::remote::routed(&self.inner).is_some() {
            let scores: Vec<String> = members.iter().map(|(s, _)| format_score(*s)).collect();
            let mut argv: Vec<&[u8]> = vec![b"ZADD", key.as_ref()];
            for (flag, on) in [
                (&b"NX"[..], opts.nx),
                (b"XX", opts.xx),
                (b"GT", opts.gt),
                (b"LT", opts.lt),
                (b"CH", opts.ch),
            ] {
                if on {
                    argv.push(flag);
                }
            }
            argv.extend(
                scores
                    .iter()
                    .zip(&members)
                    .flat_map(|(s, (_, m))| [s.as_bytes(), &m[..]]),
            );
            return crate::remote::typed::FromReply::from_reply(self.execute_slices(&argv));
        }
        let grow = members.iter().map(|(_, m)| member_bytes(m)).sum();
        self.coll_write(
            key.as_ref(),
            grow,
            Some(new_zset),
            (notify::ZSET, "zadd", false),
            |v| {
                let (z, bytes) = v.expect("created").as_zset_mut()?;
                let mut n = 0;
                for (score, member) in members {
                    let (added, changed, _) = zadd_one(z, bytes, member, score, false, opts)?;
                    n += if opts.ch {
                        changed as usize
                    } else {
                        added as usize
                    };
                }
                Ok(n)
            },
        )
    }

    /// ZADD ... INCR: adds `increment` to the member's score (as ZINCRBY) subject to the
    /// options; the new score, or `None` when an option prevented the update.
    pub fn zadd_incr(
        &self,
        key: impl AsRef<[u8]>,
        increment: f64,
        member: impl Into<Bytes>,
        opts: ZAddOptions,
    ) -> Result<Option<f64>> {
        opts.check()?;
        let increment = check_score(increment)?;
        let member = member.into();
        near!(@argv self, "ZADD" .arg(key.as_ref()) .args(opts.words()) .arg("INCR") .arg(increment) .arg(member));
        self.coll_write(
            key.as_ref(),
            member_bytes(&member),
            Some(new_zset),
            (
                notify::ZSET,
                if opts == ZAddOptions::default() {
                    "zincr"
                } else {
                    "zadd"
                },
                false,
            ),
            |v| {
                let (z, bytes) = v.expect("created").as_zset_mut()?;
                Ok(zadd_one(z, bytes, member, increment, true, opts)?.2)
            },
        )
    }

    /// ZINCRBY: adds to a member's score (0 if new); returns the new score.
    pub fn zincrby(
        &self,
        key: impl AsRef<[u8]>,
        increment: f64,
        member: impl Into<Bytes>,
    ) -> Result<f64> {
        #[cfg(feature = "remote")]
        if crate::remote::routed(&self.inner).is_some() {
            let member = member.into();
            let by = format_score(check_score(increment)?);
            let reply = self.execute_slices(&[b"ZINCRBY", key.as_ref(), by.as_bytes(), &member]);
            return crate::remote::typed::FromReply::from_reply(reply)
                .and_then(|s: Option<f64>| s.ok_or(Error::NotFloat));
        }
        Ok(self
            .zadd_incr(key, increment, member, ZAddOptions::default())?
            .expect("no option blocks ZINCRBY"))
    }

    fn with_zset<R>(&self, key: &[u8], f: impl FnOnce(&ZSet) -> R, missing: R) -> Result<R> {
        self.coll_read(key, |v| match v {
            None => Ok(missing),
            Some(v) => Ok(f(v.as_zset()?)),
        })
    }

    /// ZSCORE.
    pub fn zscore(&self, key: impl AsRef<[u8]>, member: impl AsRef<[u8]>) -> Result<Option<f64>> {
        near!(self, b"ZSCORE", key.as_ref(), member.as_ref());
        self.with_zset(key.as_ref(), |z| z.score(member.as_ref()), None)
    }

    /// ZMSCORE.
    pub fn zmscore<M: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        members: &[M],
    ) -> Result<Vec<Option<f64>>> {
        near!(@argv self, "ZMSCORE" .arg(key.as_ref()) .args(members.iter().map(AsRef::as_ref)));
        self.with_zset(
            key.as_ref(),
            |z| members.iter().map(|m| z.score(m.as_ref())).collect(),
            vec![None; members.len()],
        )
    }

    /// ZCARD.
    pub fn zcard(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        near!(self, b"ZCARD", key.as_ref());
        self.with_zset(key.as_ref(), ZSet::len, 0)
    }

    /// ZRANK: 0-based rank from the lowest score, in O(log n).
    pub fn zrank(&self, key: impl AsRef<[u8]>, member: impl AsRef<[u8]>) -> Result<Option<usize>> {
        near!(self, b"ZRANK", key.as_ref(), member.as_ref());
        Ok(self.zrank_withscore(key, member, false)?.map(|(r, _)| r))
    }

    /// ZREVRANK: 0-based rank from the highest score, in O(log n).
    pub fn zrevrank(
        &self,
        key: impl AsRef<[u8]>,
        member: impl AsRef<[u8]>,
    ) -> Result<Option<usize>> {
        near!(self, b"ZREVRANK", key.as_ref(), member.as_ref());
        Ok(self.zrank_withscore(key, member, true)?.map(|(r, _)| r))
    }

    /// ZRANK / ZREVRANK ... WITHSCORE: the rank and the score.
    pub fn zrank_withscore(
        &self,
        key: impl AsRef<[u8]>,
        member: impl AsRef<[u8]>,
        rev: bool,
    ) -> Result<Option<(usize, f64)>> {
        near!(@argv self, "EVAL" .arg(crate::remote::typed::RANK_WITH_SCORE) .arg("1") .arg(key.as_ref()) .arg(member.as_ref()) .arg(if rev { "ZREVRANK" } else { "ZRANK" }));
        self.with_zset(key.as_ref(), |z| z.rank(member.as_ref(), rev), None)
    }

    /// ZRANGE in full: by index, score or lex, optionally reversed, with LIMIT offset count
    /// (BYSCORE / BYLEX only; a negative count means all). Members come with their scores.
    pub fn zrange_by(
        &self,
        key: impl AsRef<[u8]>,
        by: &RangeBy,
        rev: bool,
        limit: Option<(i64, i64)>,
    ) -> Result<Vec<(Bytes, f64)>> {
        if limit.is_some() && matches!(by, RangeBy::Index(..)) {
            return Err(Error::Invalid(
                "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
            ));
        }
        #[cfg(feature = "remote")]
        if crate::remote::routed(&self.inner).is_some() {
            return crate::remote::typed::zrange_by(self, key.as_ref(), by, rev, limit);
        }
        let (offset, count) = match limit {
            // An empty range, once the key's type is checked (as Redis).
            Some((o, _)) if o < 0 => {
                return self.with_zset(key.as_ref(), |_| Vec::new(), Vec::new())
            }
            Some((o, c)) => (o as usize, (c >= 0).then_some(c as usize)),
            None => (0, None),
        };
        self.with_zset(
            key.as_ref(),
            |z| range_of(z, by, rev, offset, count),
            Vec::new(),
        )
    }

    /// ZRANGESTORE: the range ZRANGE would answer (`by`, `rev`, `limit` as in
    /// [`zrange_by`](Cache::zrange_by)) stored at `dst`; its size (0 deletes `dst`).
    ///
    /// ```
    /// use ferricache::{Cache, RangeBy};
    /// let cache = Cache::new();
    /// cache.zadd("lb", [(50.0, "ada"), (70.0, "bob"), (65.0, "cy")]).unwrap();
    /// assert_eq!(cache.zrangestore("top2", "lb", &RangeBy::Index(0, 1), true, None).unwrap(), 2);
    /// assert_eq!(cache.zrange("top2", 0, -1).unwrap(), vec!["cy", "bob"]);
    /// ```
    pub fn zrangestore(
        &self,
        dst: impl AsRef<[u8]>,
        src: impl AsRef<[u8]>,
        by: &RangeBy,
        rev: bool,
        limit: Option<(i64, i64)>,
    ) -> Result<usize> {
        if limit.is_some() && matches!(by, RangeBy::Index(..)) {
            return Err(Error::Invalid(
                "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
            ));
        }
        near!(@argv self, "ZRANGESTORE" .arg(dst.as_ref()) .args(crate::remote::typed::zrange_args(src.as_ref(), by, rev, limit)));
        let (offset, count) = match limit {
            Some((o, _)) if o < 0 => (usize::MAX, Some(0)),
            Some((o, c)) => (o as usize, (c >= 0).then_some(c as usize)),
            None => (0, None),
        };
        let (dst, src) = (dst.as_ref(), src.as_ref());
        self.ks().write_many(&[dst, src], 64, |m| {
            let range = {
                let mut tx = m.key(1);
                match tx.find(src) {
                    Some(i) => {
                        let z = tx.entry(i).value().as_zset()?;
                        if count == Some(0) {
                            Vec::new()
                        } else {
                            range_of(z, by, rev, offset, count)
                        }
                    }
                    None => Vec::new(),
                }
            };
            let mut z = ZSet::new();
            let mut bytes = 0;
            for (member, score) in range {
                z.set(member, score, &mut bytes);
            }
            let len = z.len();
            self.store_coll(
                &mut m.key(0),
                dst,
                Kind::ZSet(z),
                bytes,
                (notify::ZSET, "zrangestore", true),
            );
            Ok(len)
        })
    }

    /// ZRANGE key start stop: members by rank.
    pub fn zrange(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<Vec<Bytes>> {
        near!(
            self,
            b"ZRANGE",
            key.as_ref(),
            start.to_string(),
            stop.to_string()
        );
        Ok(self
            .zrange_withscores(key, start, stop)?
            .into_iter()
            .map(|(m, _)| m)
            .collect())
    }

    /// ZRANGE key start stop WITHSCORES.
    pub fn zrange_withscores(
        &self,
        key: impl AsRef<[u8]>,
        start: i64,
        stop: i64,
    ) -> Result<Vec<(Bytes, f64)>> {
        self.zrange_by(key, &RangeBy::Index(start, stop), false, None)
    }

    /// ZREVRANGE key start stop WITHSCORES: the leaderboard's top.
    pub fn zrevrange_withscores(
        &self,
        key: impl AsRef<[u8]>,
        start: i64,
        stop: i64,
    ) -> Result<Vec<(Bytes, f64)>> {
        self.zrange_by(key, &RangeBy::Index(start, stop), true, None)
    }

    /// ZREVRANGE key start stop.
    pub fn zrevrange(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<Vec<Bytes>> {
        near!(@argv self, "ZREVRANGE" .arg(key.as_ref()) .arg(start) .arg(stop));
        Ok(self
            .zrevrange_withscores(key, start, stop)?
            .into_iter()
            .map(|(m, _)| m)
            .collect())
    }

    /// ZRANGEBYSCORE key min max [LIMIT offset count] WITHSCORES.
    pub fn zrangebyscore(
        &self,
        key: impl AsRef<[u8]>,
        min: ScoreBound,
        max: ScoreBound,
        limit: Option<(i64, i64)>,
    ) -> Result<Vec<(Bytes, f64)>> {
        self.zrange_by(key, &RangeBy::Score(min, max), false, limit)
    }

    /// ZREVRANGEBYSCORE key max min: note Redis's argument order, highest first.
    pub fn zrevrangebyscore(
        &self,
        key: impl AsRef<[u8]>,
        max: ScoreBound,
        min: ScoreBound,
        limit: Option<(i64, i64)>,
    ) -> Result<Vec<(Bytes, f64)>> {
        self.zrange_by(key, &RangeBy::Score(min, max), true, limit)
    }

    /// ZRANGEBYLEX key min max [LIMIT offset count].
    pub fn zrangebylex(
        &self,
        key: impl AsRef<[u8]>,
        min: LexBound,
        max: LexBound,
        limit: Option<(i64, i64)>,
    ) -> Result<Vec<Bytes>> {
        near!(@argv self, "ZRANGEBYLEX" .arg(key.as_ref()) .arg(min) .arg(max) .args(crate::remote::typed::limit_args(limit)));
        Ok(self
            .zrange_by(key, &RangeBy::Lex(min, max), false, limit)?
            .into_iter()
            .map(|(m, _)| m)
            .collect())
    }

    /// ZREVRANGEBYLEX key max min [LIMIT offset count].
    pub fn zrevrangebylex(
        &self,
        key: impl AsRef<[u8]>,
        max: LexBound,
        min: LexBound,
        limit: Option<(i64, i64)>,
    ) -> Result<Vec<Bytes>> {
        near!(@argv self, "ZREVRANGEBYLEX" .arg(key.as_ref()) .arg(max) .arg(min) .args(crate::remote::typed::limit_args(limit)));
        Ok(self
            .zrange_by(key, &RangeBy::Lex(min, max), true, limit)?
            .into_iter()
            .map(|(m, _)| m)
            .collect())
    }

    /// ZCOUNT: members with a score in the range, in O(log n).
    pub fn zcount(&self, key: impl AsRef<[u8]>, min: ScoreBound, max: ScoreBound) -> Result<usize> {
        near!(@argv self, "ZCOUNT" .arg(key.as_ref()) .arg(min) .arg(max));
        self.with_zset(key.as_ref(), |z| z.count_score(min, max), 0)
    }

    /// ZLEXCOUNT.
    pub fn zlexcount(&self, key: impl AsRef<[u8]>, min: LexBound, max: LexBound) -> Result<usize> {
        near!(@argv self, "ZLEXCOUNT" .arg(key.as_ref()) .arg(min) .arg(max));
        self.with_zset(key.as_ref(), |z| z.count_lex(&min, &max), 0)
    }

    /// ZREM: removes members; returns how many existed.
    pub fn zrem<M: AsRef<[u8]>>(&self, key: impl AsRef<[u8]>, members: &[M]) -> Result<usize> {
        #[cfg(feature = "remote")]
        if crate::remote::routed(&self.inner).is_some() {
            let mut argv: Vec<&[u8]> = vec![b"ZREM", key.as_ref()];
            argv.extend(members.iter().map(AsRef::as_ref));
            return crate::remote::typed::FromReply::from_reply(self.execute_slices(&argv));
        }
        self.coll_write(key.as_ref(), 0, None, (notify::ZSET, "zrem", false), |v| {
            let Some(v) = v else { return Ok(0) };
            let (z, bytes) = v.as_zset_mut()?;
            Ok(members
                .iter()
                .filter(|m| z.remove(m.as_ref(), bytes).is_some())
                .count())
        })
    }

    fn zrem_range(&self, key: &[u8], by: RangeBy) -> Result<usize> {
        let event = match by {
            RangeBy::Index(..) => "zremrangebyrank",
            RangeBy::Score(..) => "zremrangebyscore",
            RangeBy::Lex(..) => "zremrangebylex",
        };
        self.coll_write(key, 0, None, (notify::ZSET, event, false), |v| {
            let Some(v) = v else { return Ok(0) };
            let (z, bytes) = v.as_zset_mut()?;
            let doomed = match &by {
                RangeBy::Index(a, b) => {
                    index_range(*a, *b, z.len()).map_or(Vec::new(), |(a, b)| z.by_rank(a, b, false))
                }
                RangeBy::Score(min, max) => z.by_score(*min, *max, false, 0, None),
                RangeBy::Lex(min, max) => z.by_lex(min, max, false, 0, None),
            };
            for (m, _) in &doomed {
                z.remove(m, bytes);
            }
            Ok(doomed.len())
        })
    }

    /// ZREMRANGEBYRANK.
    pub fn zremrangebyrank(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<usize> {
        near!(@argv self, "ZREMRANGEBYRANK" .arg(key.as_ref()) .arg(start) .arg(stop));
        self.zrem_range(key.as_ref(), RangeBy::Index(start, stop))
    }

    /// ZREMRANGEBYSCORE.
    pub fn zremrangebyscore(
        &self,
        key: impl AsRef<[u8]>,
        min: ScoreBound,
        max: ScoreBound,
    ) -> Result<usize> {
        near!(@argv self, "ZREMRANGEBYSCORE" .arg(key.as_ref()) .arg(min) .arg(max));
        self.zrem_range(key.as_ref(), RangeBy::Score(min, max))
    }

    /// ZREMRANGEBYLEX.
    pub fn zremrangebylex(
        &self,
        key: impl AsRef<[u8]>,
        min: LexBound,
        max: LexBound,
    ) -> Result<usize> {
        near!(@argv self, "ZREMRANGEBYLEX" .arg(key.as_ref()) .arg(min) .arg(max));
        self.zrem_range(key.as_ref(), RangeBy::Lex(min, max))
    }

    fn zpop(&self, key: &[u8], count: usize, max: bool) -> Result<Vec<(Bytes, f64)>> {
        let event = if max { "zpopmax" } else { "zpopmin" };
        self.coll_write(key, 0, None, (notify::ZSET, event, false), |v| {
            pop_ranked(v, count, max)
        })
    }

    /// ZMPOP: up to `count` of the lowest (or, with `max`, highest) scored members of the
    /// first non-empty sorted set among `keys` (in order, in one atomic step).
    pub fn zmpop<K: AsRef<[u8]>>(&self, keys: &[K], max: bool, count: usize) -> Result<KeyedPops> {
        near!(@argv self, "ZMPOP" .arg(keys.len()) .args(keys.iter().map(AsRef::as_ref))
            .arg(if max { "MAX" } else { "MIN" }) .arg("COUNT") .arg(count));
        let event = if max { "zpopmax" } else { "zpopmin" };
        let all: Vec<&[u8]> = keys.iter().map(AsRef::as_ref).collect();
        self.pop_first(&all, (notify::ZSET, event, false), |v| {
            pop_ranked(v, count, max)
        })
    }

    /// ZPOPMIN key count: removes and returns the lowest-scored members.
    pub fn zpopmin(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Vec<(Bytes, f64)>> {
        near!(@argv self, "ZPOPMIN" .arg(key.as_ref()) .arg(count));
        self.zpop(key.as_ref(), count, false)
    }

    /// BZMPOP: ZMPOP that waits up to `timeout` seconds (0: forever) for one of the sorted
    /// sets to have members. When it had to wait, the first member is served when added
    /// and up to `count - 1` more are taken from the same set right after.
    pub fn bzmpop<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        max: bool,
        count: usize,
        timeout: f64,
    ) -> Result<KeyedPops> {
        near!(@argv self, "BZMPOP" .arg(timeout) .arg(keys.len()) .args(keys.iter().map(AsRef::as_ref))
            .arg(if max { "MAX" } else { "MIN" }) .arg("COUNT") .arg(count));
        super::coll::timeout_deadline(timeout)?;
        if let Some(hit) = self.zmpop(keys, max, count)? {
            return Ok(Some(hit));
        }
        let take = if max { Take::ZMax } else { Take::ZMin };
        let Some(served) = self.blocking_pop(keys, take, timeout)? else {
            return Ok(None);
        };
        let mut items = vec![(served.element, served.score)];
        if count > 1 {
            items.extend(self.zpop(&served.key, count - 1, max)?);
        }
        Ok(Some((served.key, items)))
    }

    /// ZPOPMAX key count.
    pub fn zpopmax(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Vec<(Bytes, f64)>> {
        near!(@argv self, "ZPOPMAX" .arg(key.as_ref()) .arg(count));
        self.zpop(key.as_ref(), count, true)
    }

    /// BZPOPMIN: ZPOPMIN on the first non-empty key, waiting up to `timeout` seconds
    /// (0: forever); returns (key, member, score).
    pub fn bzpopmin<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        timeout: f64,
    ) -> Result<Option<(Bytes, Bytes, f64)>> {
        near!(@argv self, "BZPOPMIN" .args(keys.iter().map(AsRef::as_ref)) .arg(timeout));
        Ok(self
            .blocking_pop(keys, Take::ZMin, timeout)?
            .map(|s| (s.key, s.element, s.score)))
    }

    /// BZPOPMAX.
    pub fn bzpopmax<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        timeout: f64,
    ) -> Result<Option<(Bytes, Bytes, f64)>> {
        near!(@argv self, "BZPOPMAX" .args(keys.iter().map(AsRef::as_ref)) .arg(timeout));
        Ok(self
            .blocking_pop(keys, Take::ZMax, timeout)?
            .map(|s| (s.key, s.element, s.score)))
    }

    /// ZRANDMEMBER key count: `count > 0` distinct members, `count < 0` with repeats.
    pub fn zrandmember_count(
        &self,
        key: impl AsRef<[u8]>,
        count: i64,
    ) -> Result<Vec<(Bytes, f64)>> {
        near!(@argv self, "ZRANDMEMBER" .arg(key.as_ref()) .arg(count) .arg("WITHSCORES"));
        self.with_zset(
            key.as_ref(),
            |z| {
                random_picks(z.len(), count)
                    .into_iter()
                    .flat_map(|r| z.by_rank(r, r, false))
                    .collect()
            },
            Vec::new(),
        )
    }

    /// ZRANDMEMBER key.
    pub fn zrandmember(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        near!(self, b"ZRANDMEMBER", key.as_ref());
        Ok(self
            .zrandmember_count(key, 1)?
            .into_iter()
            .next()
            .map(|(m, _)| m))
    }

    /// ZSCAN key cursor [MATCH pattern] [COUNT count]: members and scores, about `count` at
    /// a time; start with cursor 0, stop when it comes back 0. Every member present for the
    /// whole scan is returned at least once.
    pub fn zscan(
        &self,
        key: impl AsRef<[u8]>,
        cursor: u64,
        pattern: Option<&[u8]>,
        count: usize,
    ) -> Result<(u64, Vec<(Bytes, f64)>)> {
        near!(@argv self, "ZSCAN" .arg(key.as_ref()) .arg(cursor) .args(crate::remote::typed::scan_args(pattern, count)));
        self.with_zset(
            key.as_ref(),
            |z| {
                let matches = |m: &[u8]| pattern.is_none_or(|p| glob_match(p, m));
                if !z.scans_by_index() {
                    let all = z.iter().filter(|(m, _)| matches(m)).collect();
                    return (0, all);
                }
                let (range, next) = scan_step(z.scan_span(), cursor, count);
                let members = range
                    .rev()
                    .filter_map(|i| z.at(i))
                    .filter(|(m, _)| matches(m))
                    .map(|(m, s)| (m.clone(), s))
                    .collect();
                (next, members)
            },
            (0, Vec::new()),
        )
    }

    fn zstore<K: AsRef<[u8]>>(
        &self,
        dst: &[u8],
        keys: &[K],
        weights: Option<&[f64]>,
        agg: Aggregate,
        inter: bool,
    ) -> Result<usize> {
        if keys.is_empty() {
            return Err(Error::Invalid(if inter {
                "at least 1 input key is needed for 'zinterstore' command"
            } else {
                "at least 1 input key is needed for 'zunionstore' command"
            }));
        }
        if weights.is_some_and(|w| w.len() != keys.len()) {
            return Err(Error::Syntax);
        }
        #[cfg(feature = "remote")]
        let name = if inter { "ZINTERSTORE" } else { "ZUNIONSTORE" };
        near!(@argv self, name .arg(dst) .arg(keys.len())
            .args(keys.iter().map(AsRef::as_ref))
            .args(weights.map(|_| "WEIGHTS")) .args(weights.into_iter().flatten().copied())
            .arg("AGGREGATE") .arg(agg));
        let op = if inter { SetOp::Inter } else { SetOp::Union };
        let event = if inter { "zinterstore" } else { "zunionstore" };
        self.combine_into(dst, keys, weights, agg, op, event)
    }

    /// Stores the combination of `keys` at `dst` (deleted when empty); its size.
    fn combine_into<K: AsRef<[u8]>>(
        &self,
        dst: &[u8],
        keys: &[K],
        weights: Option<&[f64]>,
        agg: Aggregate,
        op: SetOp,
        event: &'static str,
    ) -> Result<usize> {
        let mut all: Vec<&[u8]> = vec![dst];
        all.extend(keys.iter().map(AsRef::as_ref));
        self.ks().write_many(&all, 64, |m| {
            let inputs = read_inputs(m, &all, 1)?;
            let (z, bytes) = combine(&inputs, weights, agg, op, &mut Vec::new());
            let len = z.len();
            self.store_coll(
                &mut m.key(0),
                dst,
                Kind::ZSet(z),
                bytes,
                (notify::ZSET, event, true),
            );
            Ok(len)
        })
    }

    /// The combination of `keys` (sets count with score 1), in rank order.
    fn combine_of<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        weights: Option<&[f64]>,
        agg: Aggregate,
        op: SetOp,
    ) -> Result<Vec<(Bytes, f64)>> {
        if weights.is_some_and(|w| w.len() != keys.len()) {
            return Err(Error::Syntax);
        }
        let all: Vec<&[u8]> = keys.iter().map(AsRef::as_ref).collect();
        self.ks().write_many(&all, 0, |m| {
            let inputs = read_inputs(m, &all, 0)?;
            let mut negative_zeros = Vec::new();
            let (z, _) = combine(&inputs, weights, agg, op, &mut negative_zeros);
            if z.is_empty() {
                return Ok(Vec::new());
            }
            let mut ranked = z.by_rank(0, z.len() - 1, false);
            if !negative_zeros.is_empty() {
                for (member, score) in &mut ranked {
                    if negative_zeros.contains(member) {
                        *score = -0.0;
                    }
                }
            }
            Ok(ranked)
        })
    }

    /// ZUNION: the union of the sorted sets (and sets) at `keys`, in rank order.
    ///
    /// ```
    /// let cache = ferricache::Cache::new();
    /// cache.zadd("a", [(1.0, "x"), (2.0, "y")]).unwrap();
    /// cache.zadd("b", [(10.0, "x")]).unwrap();
    /// let u = cache.zunion(&["a", "b"], None, ferricache::Aggregate::Sum).unwrap();
    /// assert_eq!(u, vec![("y".into(), 2.0), ("x".into(), 11.0)]);
    /// ```
    pub fn zunion<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        weights: Option<&[f64]>,
        aggregate: Aggregate,
    ) -> Result<Vec<(Bytes, f64)>> {
        near!(@argv self, "ZUNION" .arg(keys.len()) .args(keys.iter().map(AsRef::as_ref))
            .args(weights.map(|_| "WEIGHTS")) .args(weights.into_iter().flatten().copied())
            .arg("AGGREGATE") .arg(aggregate) .arg("WITHSCORES"));
        self.combine_of(keys, weights, aggregate, SetOp::Union)
    }

    /// ZINTER: the members in every one of `keys`, with their combined scores.
    pub fn zinter<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        weights: Option<&[f64]>,
        aggregate: Aggregate,
    ) -> Result<Vec<(Bytes, f64)>> {
        near!(@argv self, "ZINTER" .arg(keys.len()) .args(keys.iter().map(AsRef::as_ref))
            .args(weights.map(|_| "WEIGHTS")) .args(weights.into_iter().flatten().copied())
            .arg("AGGREGATE") .arg(aggregate) .arg("WITHSCORES"));
        self.combine_of(keys, weights, aggregate, SetOp::Inter)
    }

    /// ZDIFF: the members of the first of `keys` in none of the others, with their scores.
    pub fn zdiff<K: AsRef<[u8]>>(&self, keys: &[K]) -> Result<Vec<(Bytes, f64)>> {
        near!(@argv self, "ZDIFF" .arg(keys.len()) .args(keys.iter().map(AsRef::as_ref)) .arg("WITHSCORES"));
        self.combine_of(keys, None, Aggregate::Sum, SetOp::Diff)
    }

    /// ZDIFFSTORE: ZDIFF stored at `dst`; its size.
    pub fn zdiffstore<K: AsRef<[u8]>>(&self, dst: impl AsRef<[u8]>, keys: &[K]) -> Result<usize> {
        near!(@argv self, "ZDIFFSTORE" .arg(dst.as_ref()) .arg(keys.len()) .args(keys.iter().map(AsRef::as_ref)));
        self.combine_into(
            dst.as_ref(),
            keys,
            None,
            Aggregate::Sum,
            SetOp::Diff,
            "zdiffstore",
        )
    }

    /// ZINTERCARD: how many members are in every one of `keys`, counting up to `limit`
    /// (0: no limit).
    pub fn zintercard<K: AsRef<[u8]>>(&self, keys: &[K], limit: usize) -> Result<usize> {
        near!(@argv self, "ZINTERCARD" .arg(keys.len()) .args(keys.iter().map(AsRef::as_ref)) .arg("LIMIT") .arg(limit));
        let n = self
            .combine_of(keys, None, Aggregate::Sum, SetOp::Inter)?
            .len();
        Ok(if limit == 0 { n } else { n.min(limit) })
    }

    /// ZUNIONSTORE dst keys [WEIGHTS ...] [AGGREGATE SUM|MIN|MAX]: returns the size stored.
    pub fn zunionstore<K: AsRef<[u8]>>(
        &self,
        dst: impl AsRef<[u8]>,
        keys: &[K],
        weights: Option<&[f64]>,
        aggregate: Aggregate,
    ) -> Result<usize> {
        self.zstore(dst.as_ref(), keys, weights, aggregate, false)
    }

    /// ZINTERSTORE dst keys [WEIGHTS ...] [AGGREGATE SUM|MIN|MAX].
    pub fn zinterstore<K: AsRef<[u8]>>(
        &self,
        dst: impl AsRef<[u8]>,
        keys: &[K],
        weights: Option<&[f64]>,
        aggregate: Aggregate,
    ) -> Result<usize> {
        self.zstore(dst.as_ref(), keys, weights, aggregate, true)
    }
}

/// Removes and returns up to `count` of the lowest (or, with `max`, highest) scored
/// members (ZPOPMIN, ZPOPMAX, ZMPOP); nothing from a missing key.
fn pop_ranked(
    v: Option<&mut crate::value::Value>,
    count: usize,
    max: bool,
) -> Result<Vec<(Bytes, f64)>> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let (z, bytes) = v.as_zset_mut()?;
    if count == 0 || z.is_empty() {
        return Ok(Vec::new());
    }
    let popped = z.by_rank(0, count - 1, max);
    for (m, _) in &popped {
        z.remove(m, bytes);
    }
    Ok(popped)
}
