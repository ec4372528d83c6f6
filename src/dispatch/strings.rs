//! String commands.

use super::args::{int, is, key_first, owned, Args};
use super::reply::{bool_int, bulk, int as integer, opt_bulk, opt_bulks, Reply};
use crate::error::{Error, Result};
use crate::{Cache, Expiry, SetCondition, SetOptions, ValueType};

pub(super) fn get(c: &Cache, a: Args) -> Result<Reply> {
    Ok(opt_bulk(c.get(a[0])?))
}

/// The expiry that EX / PX / EXAT / PXAT makes of its number, if `opt` names one. Redis
/// reads the options first and the number afterwards, so its errors come later.
fn expiry_word(opt: &[u8]) -> Option<fn(i64) -> Expiry> {
    if is(opt, "EX") {
        Some(Expiry::Ex)
    } else if is(opt, "PX") {
        Some(Expiry::Px)
    } else if is(opt, "EXAT") {
        Some(Expiry::ExAt)
    } else if is(opt, "PXAT") {
        Some(Expiry::PxAt)
    } else {
        None
    }
}

pub(super) fn set(c: &Cache, a: Args) -> Result<Reply> {
    let mut opts = SetOptions::new();
    let mut timed = None;
    let mut i = 2;
    while i < a.len() {
        let opt = a[i];
        if let (Some(make), Some(value)) = (expiry_word(opt), a.get(i + 1)) {
            if opts.expiry.is_some() || timed.is_some() {
                return Err(Error::Syntax);
            }
            timed = Some((make, value));
            i += 1;
        } else if is(opt, "KEEPTTL") && opts.expiry.is_none() && timed.is_none() {
            opts.expiry = Some(Expiry::KeepTtl);
        } else if is(opt, "NX") && opts.condition != SetCondition::Xx {
            opts.condition = SetCondition::Nx;
        } else if is(opt, "XX") && opts.condition != SetCondition::Nx {
            opts.condition = SetCondition::Xx;
        } else if is(opt, "GET") {
            opts.get = true;
        } else {
            return Err(Error::Syntax);
        }
        i += 1;
    }
    if let Some((make, value)) = timed {
        opts.expiry = Some(make(int(value)?));
    }
    let out = c.set_with(a[0], a[1], &opts)?;
    Ok(match (opts.get, out.written) {
        (true, _) => opt_bulk(out.previous),
        (false, true) => Reply::OK,
        (false, false) => Reply::Nil,
    })
}

pub(super) fn setnx(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bool_int(c.set_nx(a[0], a[1])?))
}

/// SETEX / PSETEX: SET with a TTL, reporting the command's own name on a bad TTL.
fn set_expiring(c: &Cache, a: Args, expiry: Expiry, cmd: &'static str) -> Result<Reply> {
    let opts = SetOptions {
        expiry: Some(expiry),
        ..SetOptions::new()
    };
    match c.set_with(a[0], a[2], &opts) {
        Err(Error::InvalidExpireTime(_)) => Err(Error::InvalidExpireTime(cmd)),
        r => r.map(|_| Reply::OK),
    }
}

pub(super) fn setex(c: &Cache, a: Args) -> Result<Reply> {
    set_expiring(c, a, Expiry::Ex(int(a[1])?), "setex")
}

pub(super) fn psetex(c: &Cache, a: Args) -> Result<Reply> {
    set_expiring(c, a, Expiry::Px(int(a[1])?), "psetex")
}

pub(super) fn getset(c: &Cache, a: Args) -> Result<Reply> {
    Ok(opt_bulk(c.getset(a[0], a[1])?))
}

pub(super) fn getdel(c: &Cache, a: Args) -> Result<Reply> {
    Ok(opt_bulk(c.getdel(a[0])?))
}

pub(super) fn getex(c: &Cache, a: Args) -> Result<Reply> {
    let expiry = match &a[1..] {
        [] => None,
        [opt] if is(opt, "PERSIST") => Some(Expiry::Persist),
        [opt, value] => match (expiry_word(opt).ok_or(Error::Syntax)?, int(value)) {
            (make, Ok(n)) => Some(make(n)),
            // Redis reads the number after looking the key up: a missing key is nil.
            (_, Err(e)) => {
                return key_first(c, a[0], ValueType::String, || Ok(Reply::Nil), || Err(e))
            }
        },
        _ => return Err(Error::Syntax),
    };
    Ok(opt_bulk(c.getex(a[0], expiry)?))
}

pub(super) fn mget(c: &Cache, a: Args) -> Result<Reply> {
    Ok(opt_bulks(c.mget(a)?))
}

fn pairs_of<'a>(
    a: Args<'a>,
    arity: &'static str,
) -> Result<impl Iterator<Item = (&'a [u8], bytes::Bytes)>> {
    if a.len() % 2 != 0 {
        return Err(Error::Invalid(arity));
    }
    Ok(a.chunks_exact(2).map(|p| (p[0], owned(p[1]))))
}

pub(super) fn mset(c: &Cache, a: Args) -> Result<Reply> {
    c.mset(pairs_of(a, "wrong number of arguments for 'mset' command")?)
        .map(|_| Reply::OK)
}

pub(super) fn msetnx(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bool_int(c.msetnx(pairs_of(
        a,
        "wrong number of arguments for 'msetnx' command",
    )?)?))
}

pub(super) fn append(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.append(a[0], a[1])?))
}

pub(super) fn strlen(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.strlen(a[0])?))
}

pub(super) fn getrange(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bulk(c.getrange(a[0], int(a[1])?, int(a[2])?)?))
}

pub(super) fn setrange(c: &Cache, a: Args) -> Result<Reply> {
    let offset = usize::try_from(int(a[1])?).map_err(|_| Error::OffsetOutOfRange)?;
    Ok(integer(c.setrange(a[0], offset, a[2])?))
}

pub(super) fn incr(c: &Cache, a: Args) -> Result<Reply> {
    Ok(Reply::Integer(c.incr(a[0])?))
}

pub(super) fn decr(c: &Cache, a: Args) -> Result<Reply> {
    Ok(Reply::Integer(c.decr(a[0])?))
}

pub(super) fn incrby(c: &Cache, a: Args) -> Result<Reply> {
    Ok(Reply::Integer(c.incr_by(a[0], int(a[1])?)?))
}

pub(super) fn decrby(c: &Cache, a: Args) -> Result<Reply> {
    Ok(Reply::Integer(c.decr_by(a[0], int(a[1])?)?))
}

pub(super) fn incrbyfloat(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bulk(c.incr_by_float_arg(a[0], a[1])?))
}

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the keys' types are checked
/// before the options are read, as Redis does.
pub(super) fn lcs(c: &Cache, a: Args) -> Result<Reply> {
    let (mut len, mut idx, mut withmatchlen, mut min) = (false, false, false, 0);
    let parsed = (|| {
        let mut rest = &a[2..];
        while let [opt, tail @ ..] = rest {
            rest = tail;
            if is(opt, "IDX") {
                idx = true;
            } else if is(opt, "LEN") {
                len = true;
            } else if is(opt, "WITHMATCHLEN") {
                withmatchlen = true;
            } else if let (true, [n, tail @ ..]) = (is(opt, "MINMATCHLEN"), rest) {
                min = usize::try_from(int(n)?).unwrap_or(0);
                rest = tail;
            } else {
                return Err(Error::Syntax);
            }
        }
        Ok(())
    })();
    let strings = |k: &[u8]| {
        c.key_type(k)
            .map(|t| matches!(t, None | Some(ValueType::String)))
    };
    if !strings(a[0])? || !strings(a[1])? {
        return Err(Error::Invalid(
            "The specified keys must contain string values",
        ));
    }
    parsed?;
    if len && idx {
        return Err(Error::Invalid(
            "If you want both the length and indexes, please just use IDX.",
        ));
    }
    if !idx {
        return Ok(if len {
            integer(c.lcs_len(a[0], a[1])?)
        } else {
            bulk(c.lcs(a[0], a[1])?)
        });
    }
    let (matches, total) = c.lcs_idx(a[0], a[1], min)?;
    let pair = |(x, y): (usize, usize)| Reply::Array(vec![integer(x), integer(y)]);
    let runs = matches
        .into_iter()
        .map(|m| {
            let mut run = vec![pair(m.a), pair(m.b)];
            if withmatchlen {
                run.push(integer(m.len));
            }
            Reply::Array(run)
        })
        .collect();
    Ok(Reply::Array(vec![
        bulk("matches".into()),
        Reply::Array(runs),
        bulk("len".into()),
        integer(total),
    ]))
}
