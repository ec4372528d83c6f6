//! Sorted-set commands. Scores come back as [`Reply::Double`].

use super::args::{
    cursor, empty_scan, float, int, is, key_first, lex_bound, limit_option, numkeys, owned,
    positive, random_count, scan_options, score_bound, timeout, Args,
};
use super::reply::{int as integer, opt_bulk, scan_page, scored, Reply};
use crate::commands::num::format_score;
use crate::error::{Error, Result};
use crate::{Aggregate, Cache, RangeBy, ValueType, ZAddOptions};

const BYLEX_WITHSCORES: Error =
    Error::Invalid("syntax error, WITHSCORES not supported in combination with BYLEX");

pub(super) fn zadd(c: &Cache, a: Args) -> Result<Reply> {
    let mut opts = ZAddOptions::default();
    let mut incr = false;
    let mut i = 1;
    while let Some(opt) = a.get(i) {
        match () {
            _ if is(opt, "NX") => opts.nx = true,
            _ if is(opt, "XX") => opts.xx = true,
            _ if is(opt, "GT") => opts.gt = true,
            _ if is(opt, "LT") => opts.lt = true,
            _ if is(opt, "CH") => opts.ch = true,
            _ if is(opt, "INCR") => incr = true,
            _ => break,
        }
        i += 1;
    }
    let rest = &a[i..];
    if rest.is_empty() || rest.len() % 2 != 0 {
        return Err(Error::Syntax);
    }
    // Redis's order: the pair count, the options, INCR's single pair, then the scores.
    opts.check()?;
    if incr && rest.len() > 2 {
        return Err(Error::Invalid(
            "INCR option supports a single increment-element pair",
        ));
    }
    let pairs = rest
        .chunks_exact(2)
        .map(|p| Ok((float(p[0])?, owned(p[1]))))
        .collect::<Result<Vec<_>>>()?;
    if incr {
        let [(by, member)] = <[_; 1]>::try_from(pairs)
            .map_err(|_| Error::Invalid("INCR option supports a single increment-element pair"))?;
        return Ok(c
            .zadd_incr(a[0], by, member, opts)?
            .map_or(Reply::Nil, Reply::Double));
    }
    Ok(integer(c.zadd_with(a[0], pairs, opts)?))
}

pub(super) fn zincrby(c: &Cache, a: Args) -> Result<Reply> {
    Ok(Reply::Double(c.zincrby(a[0], float(a[1])?, owned(a[2]))?))
}

pub(super) fn zscore(c: &Cache, a: Args) -> Result<Reply> {
    Ok(c.zscore(a[0], a[1])?.map_or(Reply::Nil, Reply::Double))
}

pub(super) fn zmscore(c: &Cache, a: Args) -> Result<Reply> {
    let scores = c.zmscore(a[0], &a[1..])?;
    Ok(Reply::Array(
        scores
            .into_iter()
            .map(|s| s.map_or(Reply::Nil, Reply::Double))
            .collect(),
    ))
}

pub(super) fn zcard(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.zcard(a[0])?))
}

fn rank(c: &Cache, a: Args, rev: bool) -> Result<Reply> {
    let withscore = match &a[2..] {
        [] => false,
        [opt] if is(opt, "WITHSCORE") => true,
        _ => return Err(Error::Syntax),
    };
    Ok(match c.zrank_withscore(a[0], a[1], rev)? {
        None => Reply::Nil,
        Some((r, s)) if withscore => Reply::Array(vec![integer(r), Reply::Double(s)]),
        Some((r, _)) => integer(r),
    })
}

pub(super) fn zrank(c: &Cache, a: Args) -> Result<Reply> {
    rank(c, a, false)
}

pub(super) fn zrevrank(c: &Cache, a: Args) -> Result<Reply> {
    rank(c, a, true)
}

/// A score or lex range in argument order (`first`, `second`), as `RangeBy` wants it
/// (min first); reversed commands give max first.
fn by_score(first: &[u8], second: &[u8], rev: bool) -> Result<RangeBy> {
    let (a, b) = (score_bound(first)?, score_bound(second)?);
    Ok(if rev {
        RangeBy::Score(b, a)
    } else {
        RangeBy::Score(a, b)
    })
}

fn by_lex(first: &[u8], second: &[u8], rev: bool) -> Result<RangeBy> {
    let (a, b) = (lex_bound(first)?, lex_bound(second)?);
    Ok(if rev {
        RangeBy::Lex(b, a)
    } else {
        RangeBy::Lex(a, b)
    })
}

pub(super) fn zrange(c: &Cache, a: Args) -> Result<Reply> {
    range(c, a, By::Auto, None)
}

pub(super) fn zrevrange(c: &Cache, a: Args) -> Result<Reply> {
    range(c, a, By::Rank, Some(true))
}

pub(super) fn zrangebyscore(c: &Cache, a: Args) -> Result<Reply> {
    range(c, a, By::Score, Some(false))
}

pub(super) fn zrevrangebyscore(c: &Cache, a: Args) -> Result<Reply> {
    range(c, a, By::Score, Some(true))
}

pub(super) fn zrangebylex(c: &Cache, a: Args) -> Result<Reply> {
    range(c, a, By::Lex, Some(false))
}

pub(super) fn zrevrangebylex(c: &Cache, a: Args) -> Result<Reply> {
    range(c, a, By::Lex, Some(true))
}

fn range(c: &Cache, a: Args, by: By, rev: Option<bool>) -> Result<Reply> {
    let (by, rev, withscores, limit) = zrange_spec(a, false, by, rev)?;
    Ok(scored(c.zrange_by(a[0], &by, rev, limit)?, withscores))
}

/// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count].
pub(super) fn zrangestore(c: &Cache, a: Args) -> Result<Reply> {
    let (by, rev, _, limit) = zrange_spec(&a[1..], true, By::Auto, None)?;
    Ok(integer(c.zrangestore(a[0], a[1], &by, rev, limit)?))
}

/// What a ZRANGE-family command ranges by: fixed by the older commands (ZREVRANGE,
/// ZRANGEBYSCORE ...), chosen by an option for ZRANGE and ZRANGESTORE (`Auto`).
#[derive(Clone, Copy, PartialEq)]
enum By {
    Auto,
    Rank,
    Score,
    Lex,
}

/// The ZRANGE family's key, bounds and options (`a`: key min max options...) as Redis's
/// zrangeGenericCommand reads them: the options (REV and BY... only where the command
/// leaves them open, each once; WITHSCORES not for ZRANGESTORE), their conflicts, then the
/// bounds. Gives the range, REV, WITHSCORES and LIMIT.
#[allow(clippy::type_complexity)]
fn zrange_spec(
    a: Args,
    store: bool,
    mut by: By,
    fixed_rev: Option<bool>,
) -> Result<(RangeBy, bool, bool, Option<(i64, i64)>)> {
    let (mut rev, mut withscores, mut limit) = (fixed_rev.unwrap_or(false), false, None);
    let mut rest = &a[3..];
    while let [opt, tail @ ..] = rest {
        rest = tail;
        match tail {
            _ if !store && is(opt, "WITHSCORES") => withscores = true,
            [off, count, tail @ ..] if is(opt, "LIMIT") => {
                limit = Some((int(off)?, int(count)?));
                rest = tail;
            }
            _ if fixed_rev.is_none() && !rev && is(opt, "REV") => rev = true,
            _ if by == By::Auto && is(opt, "BYLEX") => by = By::Lex,
            _ if by == By::Auto && is(opt, "BYSCORE") => by = By::Score,
            _ => return Err(Error::Syntax),
        }
    }
    let by = if by == By::Auto { By::Rank } else { by };
    match limit {
        // LIMIT with a count of -1 is the default, which Redis lets pass by rank.
        Some((_, n)) if n != -1 && by == By::Rank => {
            return Err(Error::Invalid(
                "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
            ))
        }
        Some(_) if by == By::Rank => limit = None,
        _ => {}
    }
    if by == By::Lex && withscores {
        return Err(BYLEX_WITHSCORES);
    }
    let range = match by {
        By::Score => by_score(a[1], a[2], rev)?,
        By::Lex => by_lex(a[1], a[2], rev)?,
        _ => RangeBy::Index(int(a[1])?, int(a[2])?),
    };
    Ok((range, rev, withscores, limit))
}

pub(super) fn zcount(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.zcount(
        a[0],
        score_bound(a[1])?,
        score_bound(a[2])?,
    )?))
}

pub(super) fn zlexcount(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.zlexcount(
        a[0],
        lex_bound(a[1])?,
        lex_bound(a[2])?,
    )?))
}

pub(super) fn zrem(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.zrem(a[0], &a[1..])?))
}

pub(super) fn zremrangebyrank(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.zremrangebyrank(a[0], int(a[1])?, int(a[2])?)?))
}

pub(super) fn zremrangebyscore(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.zremrangebyscore(
        a[0],
        score_bound(a[1])?,
        score_bound(a[2])?,
    )?))
}

pub(super) fn zremrangebylex(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.zremrangebylex(
        a[0],
        lex_bound(a[1])?,
        lex_bound(a[2])?,
    )?))
}

fn pop(c: &Cache, a: Args, max: bool) -> Result<Reply> {
    let count = match &a[1..] {
        [] => 1,
        [n] => positive(n)?,
        _ => return Err(Error::Syntax),
    };
    let popped = if max {
        c.zpopmax(a[0], count)?
    } else {
        c.zpopmin(a[0], count)?
    };
    Ok(scored(popped, true))
}

pub(super) fn zpopmin(c: &Cache, a: Args) -> Result<Reply> {
    pop(c, a, false)
}

pub(super) fn zpopmax(c: &Cache, a: Args) -> Result<Reply> {
    pop(c, a, true)
}

fn blocking_pop(c: &Cache, a: Args, max: bool) -> Result<Reply> {
    let (keys, t) = a.split_at(a.len() - 1);
    let t = timeout(t[0])?;
    let popped = if max {
        c.bzpopmax(keys, t)?
    } else {
        c.bzpopmin(keys, t)?
    };
    Ok(popped.map_or(Reply::Nil, |(k, m, s)| {
        Reply::Array(vec![Reply::Bulk(k), Reply::Bulk(m), Reply::Double(s)])
    }))
}

pub(super) fn bzpopmin(c: &Cache, a: Args) -> Result<Reply> {
    blocking_pop(c, a, false)
}

pub(super) fn bzpopmax(c: &Cache, a: Args) -> Result<Reply> {
    blocking_pop(c, a, true)
}

pub(super) fn zrandmember(c: &Cache, a: Args) -> Result<Reply> {
    match a {
        [key] => Ok(opt_bulk(c.zrandmember(key)?)),
        [key, count, rest @ ..] => {
            let count = random_count(count)?;
            let withscores = match rest {
                [] => false,
                [opt] if is(opt, "WITHSCORES") => true,
                _ => return Err(Error::Syntax),
            };
            Ok(scored(c.zrandmember_count(key, count)?, withscores))
        }
        [] => Err(Error::Syntax),
    }
}

fn store(c: &Cache, a: Args, cmd: &'static str) -> Result<Reply> {
    let (keys, rest) = numkeys(&a[1..], cmd)?;
    let (weights, aggregate, _) = checked_options(c, keys, rest, false)?;
    let n = if cmd == "zunionstore" {
        c.zunionstore(a[0], keys, weights.as_deref(), aggregate)?
    } else {
        c.zinterstore(a[0], keys, weights.as_deref(), aggregate)?
    };
    Ok(integer(n))
}

/// The options of the ZUNION family, with the inputs' types checked first when they are
/// wrong (Redis's order of errors).
fn checked_options(
    c: &Cache,
    keys: Args,
    rest: Args,
    withscores: bool,
) -> Result<(Option<Vec<f64>>, Aggregate, bool)> {
    inputs_first(c, keys, || store_options(rest, keys.len(), withscores))
}

/// Runs the option parsing `f`; if it fails, an input key of the wrong type is reported
/// instead, as Redis looks the inputs up before it reads the options.
fn inputs_first<T>(c: &Cache, keys: Args, f: impl FnOnce() -> Result<T>) -> Result<T> {
    f().or_else(|e| {
        for k in keys {
            if !matches!(
                c.key_type(k)?,
                None | Some(ValueType::Set | ValueType::ZSet)
            ) {
                return Err(Error::WrongType);
            }
        }
        Err(e)
    })
}

pub(super) fn zunion(c: &Cache, a: Args) -> Result<Reply> {
    let (keys, rest) = numkeys(a, "zunion")?;
    let (weights, aggregate, withscores) = checked_options(c, keys, rest, true)?;
    Ok(scored(
        c.zunion(keys, weights.as_deref(), aggregate)?,
        withscores,
    ))
}

pub(super) fn zinter(c: &Cache, a: Args) -> Result<Reply> {
    let (keys, rest) = numkeys(a, "zinter")?;
    let (weights, aggregate, withscores) = checked_options(c, keys, rest, true)?;
    Ok(scored(
        c.zinter(keys, weights.as_deref(), aggregate)?,
        withscores,
    ))
}

pub(super) fn zdiff(c: &Cache, a: Args) -> Result<Reply> {
    let (keys, rest) = numkeys(a, "zdiff")?;
    let withscores = inputs_first(c, keys, || match rest {
        [] => Ok(false),
        opts if opts.iter().all(|o| is(o, "WITHSCORES")) => Ok(true),
        _ => Err(Error::Syntax),
    })?;
    Ok(scored(c.zdiff(keys)?, withscores))
}

pub(super) fn zdiffstore(c: &Cache, a: Args) -> Result<Reply> {
    let (keys, rest) = numkeys(&a[1..], "zdiffstore")?;
    inputs_first(c, keys, || match rest {
        [] => Ok(()),
        _ => Err(Error::Syntax),
    })?;
    Ok(integer(c.zdiffstore(a[0], keys)?))
}

pub(super) fn zintercard(c: &Cache, a: Args) -> Result<Reply> {
    let (keys, rest) = numkeys(a, "zintercard")?;
    let limit = inputs_first(c, keys, || limit_option(rest))?;
    Ok(integer(c.zintercard(keys, limit)?))
}

/// The ZUNION family's WEIGHTS and AGGREGATE (and WITHSCORES where `withscores` allows).
fn store_options(
    mut rest: Args,
    n: usize,
    withscores: bool,
) -> Result<(Option<Vec<f64>>, Aggregate, bool)> {
    let (mut weights, mut aggregate, mut with) = (None, Aggregate::Sum, false);
    while let [opt, tail @ ..] = rest {
        if is(opt, "WEIGHTS") && tail.len() >= n {
            let w = tail[..n]
                .iter()
                .map(|w| float(w).map_err(|_| Error::Invalid("weight value is not a float")))
                .collect::<Result<Vec<_>>>()?;
            weights = Some(w);
            rest = &tail[n..];
        } else if let (true, [agg, tail @ ..]) = (is(opt, "AGGREGATE"), tail) {
            aggregate = match () {
                _ if is(agg, "SUM") => Aggregate::Sum,
                _ if is(agg, "MIN") => Aggregate::Min,
                _ if is(agg, "MAX") => Aggregate::Max,
                _ => return Err(Error::Syntax),
            };
            rest = tail;
        } else if withscores && is(opt, "WITHSCORES") {
            with = true;
            rest = tail;
        } else {
            return Err(Error::Syntax);
        }
    }
    Ok((weights, aggregate, with))
}

pub(super) fn zunionstore(c: &Cache, a: Args) -> Result<Reply> {
    store(c, a, "zunionstore")
}

pub(super) fn zinterstore(c: &Cache, a: Args) -> Result<Reply> {
    store(c, a, "zinterstore")
}

pub(super) fn zscan(c: &Cache, a: Args) -> Result<Reply> {
    let cur = cursor(a[1])?;
    key_first(c, a[0], ValueType::ZSet, empty_scan, || {
        let (pattern, count) = scan_options(&a[2..])?;
        let (next, page) = c.zscan(a[0], cur, pattern.as_deref(), count)?;
        Ok(scan_page(next, scored(page, true)))
    })
}

/// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count].
pub(super) fn zmpop(c: &Cache, a: Args) -> Result<Reply> {
    let (keys, max, count) = mpop_args(a)?;
    keyed_pops(c.zmpop(keys, max, count)?)
}

/// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]: the timeout is read last.
pub(super) fn bzmpop(c: &Cache, a: Args) -> Result<Reply> {
    let (keys, max, count) = mpop_args(&a[1..])?;
    keyed_pops(c.bzmpop(keys, max, count, timeout(a[0])?)?)
}

/// ZMPOP's keys, MAX and count.
fn mpop_args(a: Args) -> Result<(Args, bool, usize)> {
    let (keys, rest) = super::lists::mpop_keys(a)?;
    match rest {
        [dir, tail @ ..] if is(dir, "MIN") => Ok((keys, false, super::lists::mpop_count(tail)?)),
        [dir, tail @ ..] if is(dir, "MAX") => Ok((keys, true, super::lists::mpop_count(tail)?)),
        _ => Err(Error::Syntax),
    }
}

/// `[key, [[member, score] ...]]`, or nil.
fn keyed_pops(popped: Option<(bytes::Bytes, Vec<(bytes::Bytes, f64)>)>) -> Result<Reply> {
    Ok(match popped {
        Some((key, items)) => Reply::Array(vec![
            Reply::Bulk(key),
            Reply::Array(
                items
                    .into_iter()
                    .map(|(m, s)| {
                        Reply::Array(vec![Reply::Bulk(m), Reply::Bulk(format_score(s).into())])
                    })
                    .collect(),
            ),
        ]),
        None => Reply::Nil,
    })
}
