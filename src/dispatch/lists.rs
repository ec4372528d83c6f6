//! List commands, blocking pops included (they block the calling thread).

use super::args::{arity, int, is, key_first, owned, positive, positive_or, timeout, Args};
use super::reply::{bulks, int as integer, opt_bulk, Reply};
use crate::commands::lists::RANK_ZERO;
use crate::error::{Error, Result};
use crate::{Cache, End, Position, ValueType};

fn values<'a>(a: Args<'a>) -> impl Iterator<Item = bytes::Bytes> + 'a {
    a.iter().map(|v| owned(v))
}

pub(super) fn lpush(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.lpush(a[0], values(&a[1..]))?))
}

pub(super) fn rpush(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.rpush(a[0], values(&a[1..]))?))
}

pub(super) fn lpushx(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.lpushx(a[0], values(&a[1..]))?))
}

pub(super) fn rpushx(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.rpushx(a[0], values(&a[1..]))?))
}

fn pop(c: &Cache, a: Args, end: End) -> Result<Reply> {
    match a {
        [key] => Ok(opt_bulk(match end {
            End::Left => c.lpop(key)?,
            End::Right => c.rpop(key)?,
        })),
        [key, count] => {
            let n = positive(count)?;
            let popped = match end {
                End::Left => c.lpop_count(key, n)?,
                End::Right => c.rpop_count(key, n)?,
            };
            Ok(popped.map_or(Reply::Nil, bulks))
        }
        _ => Err(arity(match end {
            End::Left => "lpop",
            End::Right => "rpop",
        })),
    }
}

pub(super) fn lpop(c: &Cache, a: Args) -> Result<Reply> {
    pop(c, a, End::Left)
}

pub(super) fn rpop(c: &Cache, a: Args) -> Result<Reply> {
    pop(c, a, End::Right)
}

pub(super) fn lrange(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bulks(c.lrange(a[0], int(a[1])?, int(a[2])?)?))
}

pub(super) fn llen(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.llen(a[0])?))
}

pub(super) fn lindex(c: &Cache, a: Args) -> Result<Reply> {
    key_first(
        c,
        a[0],
        ValueType::List,
        || Ok(Reply::Nil),
        || Ok(opt_bulk(c.lindex(a[0], int(a[1])?)?)),
    )
}

pub(super) fn lset(c: &Cache, a: Args) -> Result<Reply> {
    key_first(
        c,
        a[0],
        ValueType::List,
        || Err(Error::NoSuchKey),
        || c.lset(a[0], int(a[1])?, owned(a[2])).map(|_| Reply::OK),
    )
}

pub(super) fn lrem(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.lrem(a[0], int(a[1])?, a[2])?))
}

pub(super) fn ltrim(c: &Cache, a: Args) -> Result<Reply> {
    c.ltrim(a[0], int(a[1])?, int(a[2])?).map(|_| Reply::OK)
}

pub(super) fn linsert(c: &Cache, a: Args) -> Result<Reply> {
    let pos = if is(a[1], "BEFORE") {
        Position::Before
    } else if is(a[1], "AFTER") {
        Position::After
    } else {
        return Err(Error::Syntax);
    };
    Ok(Reply::Integer(c.linsert(a[0], pos, a[2], owned(a[3]))?))
}

pub(super) fn lpos(c: &Cache, a: Args) -> Result<Reply> {
    let (mut rank, mut count, mut maxlen) = (1, None, 0);
    let mut rest = &a[2..];
    // Each option is checked as it comes, so the errors come in the arguments' order.
    while let [opt, value, tail @ ..] = rest {
        if is(opt, "RANK") {
            rank = int(value)?;
            if rank == 0 {
                return Err(Error::Invalid(RANK_ZERO));
            }
        } else if is(opt, "COUNT") {
            count = Some(positive_or(value, "COUNT can't be negative")?);
        } else if is(opt, "MAXLEN") {
            maxlen = positive_or(value, "MAXLEN can't be negative")?;
        } else {
            return Err(Error::Syntax);
        }
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(Error::Syntax);
    }
    if rank == i64::MIN {
        // Redis 7.0 negates the rank in a C `long`, where -i64::MIN stays negative: the
        // search runs from the tail and COUNT no longer limits it.
        rank = -1;
        count = count.map(|_| 0);
    }
    let found = c.lpos(a[0], a[1], rank, count, maxlen)?;
    Ok(match count {
        Some(_) => Reply::Array(found.into_iter().map(integer).collect()),
        None => found.first().map_or(Reply::Nil, |&p| integer(p)),
    })
}

fn end(arg: &[u8]) -> Result<End> {
    if is(arg, "LEFT") {
        Ok(End::Left)
    } else if is(arg, "RIGHT") {
        Ok(End::Right)
    } else {
        Err(Error::Syntax)
    }
}

pub(super) fn lmove(c: &Cache, a: Args) -> Result<Reply> {
    Ok(opt_bulk(c.lmove(a[0], a[1], end(a[2])?, end(a[3])?)?))
}

pub(super) fn rpoplpush(c: &Cache, a: Args) -> Result<Reply> {
    Ok(opt_bulk(c.rpoplpush(a[0], a[1])?))
}

fn blocking_pop(c: &Cache, a: Args, end: End) -> Result<Reply> {
    let (keys, t) = a.split_at(a.len() - 1);
    let t = timeout(t[0])?;
    let popped = match end {
        End::Left => c.blpop(keys, t)?,
        End::Right => c.brpop(keys, t)?,
    };
    Ok(popped.map_or(Reply::Nil, |(k, v)| bulks([k, v])))
}

pub(super) fn blpop(c: &Cache, a: Args) -> Result<Reply> {
    blocking_pop(c, a, End::Left)
}

pub(super) fn brpop(c: &Cache, a: Args) -> Result<Reply> {
    blocking_pop(c, a, End::Right)
}

pub(super) fn blmove(c: &Cache, a: Args) -> Result<Reply> {
    let (from, to) = (end(a[2])?, end(a[3])?);
    Ok(opt_bulk(c.blmove(a[0], a[1], from, to, timeout(a[4])?)?))
}

pub(super) fn brpoplpush(c: &Cache, a: Args) -> Result<Reply> {
    Ok(opt_bulk(c.brpoplpush(a[0], a[1], timeout(a[2])?)?))
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count].
pub(super) fn lmpop(c: &Cache, a: Args) -> Result<Reply> {
    let (keys, rest) = mpop_keys(a)?;
    let (end, count) = match rest {
        [dir, tail @ ..] => (end(dir)?, mpop_count(tail)?),
        [] => return Err(Error::Syntax),
    };
    Ok(match c.lmpop(keys, end, count)? {
        Some((key, items)) => Reply::Array(vec![Reply::Bulk(key), bulks(items)]),
        None => Reply::Nil,
    })
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]: the timeout is read
/// last, as Redis reads it.
pub(super) fn blmpop(c: &Cache, a: Args) -> Result<Reply> {
    let (keys, rest) = mpop_keys(&a[1..])?;
    let (end, count) = match rest {
        [dir, tail @ ..] => (end(dir)?, mpop_count(tail)?),
        [] => return Err(Error::Syntax),
    };
    Ok(match c.blmpop(keys, end, count, timeout(a[0])?)? {
        Some((key, items)) => Reply::Array(vec![Reply::Bulk(key), bulks(items)]),
        None => Reply::Nil,
    })
}

/// The keys of LMPOP / ZMPOP and what follows them.
pub(super) fn mpop_keys(a: Args) -> Result<(Args, Args)> {
    let n = int(a[0]).map_err(|_| Error::Invalid("numkeys should be greater than 0"))?;
    if n <= 0 {
        return Err(Error::Invalid("numkeys should be greater than 0"));
    }
    let n = n as usize;
    if n >= a.len() {
        return Err(Error::Syntax);
    }
    Ok((&a[1..=n], &a[n + 1..]))
}

/// `[COUNT count]` of LMPOP / ZMPOP (1 without it); the count is checked before what
/// follows it, as Redis does.
pub(super) fn mpop_count(rest: Args) -> Result<usize> {
    match rest {
        [] => Ok(1),
        [opt, n, tail @ ..] if is(opt, "COUNT") => match int(n) {
            Ok(n) if n > 0 && tail.is_empty() => Ok(n as usize),
            Ok(n) if n > 0 => Err(Error::Syntax),
            _ => Err(Error::Invalid("count should be greater than 0")),
        },
        _ => Err(Error::Syntax),
    }
}
