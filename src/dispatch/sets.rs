//! Set commands.

use super::args::{
    cursor, empty_scan, key_first, limit_option, numkeys, owned, positive, random_count,
    scan_options, Args,
};
use super::reply::{bool_int, bulks, int as integer, opt_bulk, scan_page, Reply};
use crate::error::{Error, Result};
use crate::{Cache, ValueType};

pub(super) fn sadd(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.sadd(a[0], a[1..].iter().map(|m| owned(m)))?))
}

pub(super) fn srem(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.srem(a[0], &a[1..])?))
}

pub(super) fn smembers(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bulks(c.smembers(a[0])?))
}

pub(super) fn sismember(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bool_int(c.sismember(a[0], a[1])?))
}

pub(super) fn smismember(c: &Cache, a: Args) -> Result<Reply> {
    let found = c.smismember(a[0], &a[1..])?;
    Ok(Reply::Array(found.into_iter().map(bool_int).collect()))
}

pub(super) fn scard(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.scard(a[0])?))
}

pub(super) fn spop(c: &Cache, a: Args) -> Result<Reply> {
    match a {
        [key] => Ok(opt_bulk(c.spop(key)?)),
        [key, count] => Ok(bulks(c.spop_count(key, positive(count)?)?)),
        _ => Err(Error::Syntax),
    }
}

pub(super) fn srandmember(c: &Cache, a: Args) -> Result<Reply> {
    match a {
        [key] => Ok(opt_bulk(c.srandmember(key)?)),
        [key, count] => Ok(bulks(c.srandmember_count(key, random_count(count)?)?)),
        _ => Err(Error::Syntax),
    }
}

pub(super) fn smove(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bool_int(c.smove(a[0], a[1], owned(a[2]))?))
}

pub(super) fn sinter(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bulks(c.sinter(a)?))
}

pub(super) fn sunion(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bulks(c.sunion(a)?))
}

pub(super) fn sdiff(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bulks(c.sdiff(a)?))
}

pub(super) fn sinterstore(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.sinterstore(a[0], &a[1..])?))
}

pub(super) fn sunionstore(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.sunionstore(a[0], &a[1..])?))
}

pub(super) fn sdiffstore(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.sdiffstore(a[0], &a[1..])?))
}

pub(super) fn sintercard(c: &Cache, a: Args) -> Result<Reply> {
    let (keys, rest) = numkeys(a, "sintercard")?;
    Ok(integer(c.sintercard(keys, limit_option(rest)?)?))
}

pub(super) fn sscan(c: &Cache, a: Args) -> Result<Reply> {
    let cur = cursor(a[1])?;
    key_first(c, a[0], ValueType::Set, empty_scan, || {
        let (pattern, count) = scan_options(&a[2..])?;
        let (next, page) = c.sscan(a[0], cur, pattern.as_deref(), count)?;
        Ok(scan_page(next, bulks(page)))
    })
}
