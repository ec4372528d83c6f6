//! Hash commands.

use super::args::{
    cursor, empty_scan, int, is, key_first, owned, random_count, scan_options, Args,
};
use super::reply::{
    bool_int, bulk, bulks, int as integer, opt_bulk, opt_bulks, pairs, scan_page, Reply,
};
use crate::error::{Error, Result};
use crate::{Cache, ValueType};

fn field_values(a: Args, cmd: &'static str) -> Result<Vec<(bytes::Bytes, bytes::Bytes)>> {
    if a.len() % 2 != 0 {
        return Err(Error::Command(format!(
            "wrong number of arguments for '{cmd}' command"
        )));
    }
    Ok(a.chunks_exact(2)
        .map(|p| (owned(p[0]), owned(p[1])))
        .collect())
}

pub(super) fn hset(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.hset(a[0], field_values(&a[1..], "hset")?)?))
}

pub(super) fn hmset(c: &Cache, a: Args) -> Result<Reply> {
    c.hset(a[0], field_values(&a[1..], "hmset")?)
        .map(|_| Reply::OK)
}

pub(super) fn hsetnx(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bool_int(c.hsetnx(a[0], owned(a[1]), owned(a[2]))?))
}

pub(super) fn hget(c: &Cache, a: Args) -> Result<Reply> {
    Ok(opt_bulk(c.hget(a[0], a[1])?))
}

pub(super) fn hmget(c: &Cache, a: Args) -> Result<Reply> {
    Ok(opt_bulks(c.hmget(a[0], &a[1..])?))
}

pub(super) fn hgetall(c: &Cache, a: Args) -> Result<Reply> {
    Ok(pairs(c.hgetall(a[0])?))
}

pub(super) fn hdel(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.hdel(a[0], &a[1..])?))
}

pub(super) fn hexists(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bool_int(c.hexists(a[0], a[1])?))
}

pub(super) fn hlen(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.hlen(a[0])?))
}

pub(super) fn hkeys(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bulks(c.hkeys(a[0])?))
}

pub(super) fn hvals(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bulks(c.hvals(a[0])?))
}

pub(super) fn hstrlen(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.hstrlen(a[0], a[1])?))
}

pub(super) fn hincrby(c: &Cache, a: Args) -> Result<Reply> {
    Ok(Reply::Integer(c.hincrby(a[0], owned(a[1]), int(a[2])?)?))
}

pub(super) fn hincrbyfloat(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bulk(c.hincrbyfloat_arg(a[0], owned(a[1]), a[2])?))
}

pub(super) fn hrandfield(c: &Cache, a: Args) -> Result<Reply> {
    match a {
        [key] => Ok(opt_bulk(c.hrandfield(key)?)),
        [key, count, rest @ ..] => {
            let count = random_count(count)?;
            let withvalues = match rest {
                [] => false,
                [opt] if is(opt, "WITHVALUES") => true,
                _ => return Err(Error::Syntax),
            };
            let picked = c.hrandfield_count(key, count)?;
            Ok(if withvalues {
                pairs(picked)
            } else {
                bulks(picked.into_iter().map(|(f, _)| f))
            })
        }
        [] => Err(Error::Syntax),
    }
}

pub(super) fn hscan(c: &Cache, a: Args) -> Result<Reply> {
    let cur = cursor(a[1])?;
    key_first(c, a[0], ValueType::Hash, empty_scan, || {
        let (pattern, count) = scan_options(&a[2..])?;
        let (next, page) = c.hscan(a[0], cur, pattern.as_deref(), count)?;
        Ok(scan_page(next, pairs(page)))
    })
}
