//! Key commands: existence, types, renames, TTLs and iteration.

use super::args::{cursor, int, is, owned, Args};
use super::reply::{
    bool_int, bulks, int as integer, opt_bulk, opt_bulks, scan_page, status, Reply,
};
use crate::error::{Error, Result};
use crate::{Cache, ExpireCondition, Expiry, ScanOptions, SortOptions, ValueType};

pub(super) fn del(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.del(a)?))
}

pub(super) fn unlink(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.unlink(a)?))
}

pub(super) fn exists(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.exists(a)?))
}

pub(super) fn touch(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.touch(a)?))
}

pub(super) fn type_(c: &Cache, a: Args) -> Result<Reply> {
    Ok(status(c.key_type(a[0])?.map_or("none", ValueType::name)))
}

pub(super) fn rename(c: &Cache, a: Args) -> Result<Reply> {
    c.rename(a[0], a[1]).map(|_| Reply::OK)
}

pub(super) fn renamenx(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bool_int(c.renamenx(a[0], a[1])?))
}

pub(super) fn copy(c: &Cache, a: Args) -> Result<Reply> {
    let mut replace = false;
    let mut target = None;
    let mut rest = &a[2..];
    while let [opt, tail @ ..] = rest {
        if is(opt, "REPLACE") {
            replace = true;
            rest = tail;
        } else if let (true, [db, tail @ ..]) = (is(opt, "DB"), tail) {
            target = Some(c.select(super::server::db_index(db, None)?)?.db());
            rest = tail;
        } else {
            return Err(Error::Syntax);
        }
    }
    match target {
        Some(db) => Ok(bool_int(c.copy_to_db(a[0], a[1], db, replace)?)),
        None => Ok(bool_int(c.copy(a[0], a[1], replace)?)),
    }
}

/// MOVE key db.
pub(super) fn move_key(c: &Cache, a: Args) -> Result<Reply> {
    let db = super::server::db_index(a[1], None)?;
    Ok(bool_int(c.move_to_db(a[0], db)?))
}

fn expire_family(c: &Cache, a: Args, when: fn(i64) -> Expiry) -> Result<Reply> {
    let mut cond = ExpireCondition::new();
    for opt in &a[2..] {
        cond = if is(opt, "NX") {
            cond.nx()
        } else if is(opt, "XX") {
            cond.xx()
        } else if is(opt, "GT") {
            cond.gt()
        } else if is(opt, "LT") {
            cond.lt()
        } else {
            return Err(Error::Command(format!(
                "Unsupported option {}",
                String::from_utf8_lossy(opt)
            )));
        };
    }
    // Redis checks the options' conflicts before it reads the time.
    cond.check()?;
    Ok(bool_int(c.expire_with(a[0], when(int(a[1])?), cond)?))
}

pub(super) fn expire(c: &Cache, a: Args) -> Result<Reply> {
    expire_family(c, a, Expiry::Ex)
}

pub(super) fn pexpire(c: &Cache, a: Args) -> Result<Reply> {
    expire_family(c, a, Expiry::Px)
}

pub(super) fn expireat(c: &Cache, a: Args) -> Result<Reply> {
    expire_family(c, a, Expiry::ExAt)
}

pub(super) fn pexpireat(c: &Cache, a: Args) -> Result<Reply> {
    expire_family(c, a, Expiry::PxAt)
}

pub(super) fn ttl(c: &Cache, a: Args) -> Result<Reply> {
    Ok(Reply::Integer(c.ttl(a[0])?))
}

pub(super) fn pttl(c: &Cache, a: Args) -> Result<Reply> {
    Ok(Reply::Integer(c.pttl(a[0])?))
}

pub(super) fn expiretime(c: &Cache, a: Args) -> Result<Reply> {
    Ok(Reply::Integer(c.expiretime(a[0])?))
}

pub(super) fn pexpiretime(c: &Cache, a: Args) -> Result<Reply> {
    Ok(Reply::Integer(c.pexpiretime(a[0])?))
}

pub(super) fn persist(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bool_int(c.persist(a[0])?))
}

pub(super) fn keys(c: &Cache, a: Args) -> Result<Reply> {
    Ok(bulks(c.keys(a[0])?))
}

pub(super) fn scan(c: &Cache, a: Args) -> Result<Reply> {
    let cur = cursor(a[0])?;
    let mut opts = ScanOptions::new();
    let mut rest = &a[1..];
    while let [opt, value, tail @ ..] = rest {
        if is(opt, "MATCH") {
            opts = opts.pattern(owned(value));
        } else if is(opt, "COUNT") {
            let n = int(value)?;
            if n < 1 {
                return Err(Error::Syntax);
            }
            opts = opts.count(n as usize);
        } else if is(opt, "TYPE") {
            let name = std::str::from_utf8(value).map_err(|_| Error::Syntax)?;
            match ValueType::from_name(name) {
                Some(t) => opts = opts.value_type(t),
                // Redis answers an unknown type with an empty page, cursor and all.
                None => return Ok(scan_page(0, Reply::Array(Vec::new()))),
            }
        } else {
            return Err(Error::Syntax);
        }
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(Error::Syntax);
    }
    let (next, keys) = c.scan(cur, &opts)?;
    Ok(scan_page(next, bulks(keys)))
}

pub(super) fn randomkey(c: &Cache, _: Args) -> Result<Reply> {
    Ok(opt_bulk(c.randomkey()?))
}

/// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC | DESC] [ALPHA]
/// [STORE destination]: the options are read first, then the key's type checked.
pub(super) fn sort(c: &Cache, a: Args) -> Result<Reply> {
    sort_generic(c, a, false)
}

/// SORT_RO: SORT without STORE.
pub(super) fn sort_ro(c: &Cache, a: Args) -> Result<Reply> {
    sort_generic(c, a, true)
}

fn sort_generic(c: &Cache, a: Args, readonly: bool) -> Result<Reply> {
    let mut opts = SortOptions::default();
    let mut store = None;
    let mut rest = &a[1..];
    while let [opt, tail @ ..] = rest {
        rest = tail;
        match tail {
            _ if is(opt, "ASC") => opts.desc = false,
            _ if is(opt, "DESC") => opts.desc = true,
            _ if is(opt, "ALPHA") => opts.alpha = true,
            [offset, count, tail @ ..] if is(opt, "LIMIT") => {
                opts.limit = Some((int(offset)?, int(count)?));
                rest = tail;
            }
            [dest, tail @ ..] if !readonly && is(opt, "STORE") => {
                store = Some(*dest);
                rest = tail;
            }
            [pattern, tail @ ..] if is(opt, "BY") => {
                opts.by = Some(owned(pattern));
                rest = tail;
            }
            [pattern, tail @ ..] if is(opt, "GET") => {
                opts.get.push(owned(pattern));
                rest = tail;
            }
            _ => return Err(Error::Syntax),
        }
    }
    Ok(match store {
        Some(dest) => integer(c.sort_store(a[0], dest, &opts)?),
        None => opt_bulks(c.sort(a[0], &opts)?),
    })
}

/// DUMP key.
pub(super) fn dump(c: &Cache, a: Args) -> Result<Reply> {
    Ok(c.dump(a[0])?.map_or(Reply::Nil, Reply::Bulk))
}

/// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency], with
/// Redis's order of errors: the options, then BUSYKEY, then the TTL, then the payload.
pub(super) fn restore(c: &Cache, a: Args) -> Result<Reply> {
    let mut opts = crate::RestoreOptions::default();
    let mut rest = &a[3..];
    while let [opt, tail @ ..] = rest {
        rest = tail;
        if is(opt, "REPLACE") {
            opts.replace = true;
        } else if is(opt, "ABSTTL") {
            opts.absttl = true;
        } else if let (true, None, [n, tail @ ..]) = (is(opt, "IDLETIME"), opts.freq, rest) {
            let n = int(n)?;
            opts.idle_time = Some(
                u64::try_from(n)
                    .map_err(|_| Error::Invalid("Invalid IDLETIME value, must be >= 0"))?,
            );
            rest = tail;
        } else if let (true, None, [n, tail @ ..]) = (is(opt, "FREQ"), opts.idle_time, rest) {
            let n = int(n)?;
            opts.freq = Some(
                u8::try_from(n)
                    .map_err(|_| Error::Invalid("Invalid FREQ value, must be >= 0 and <= 255"))?,
            );
            rest = tail;
        } else {
            return Err(Error::Syntax);
        }
    }
    let ttl = match int(a[1]) {
        Ok(t) => t,
        // BUSYKEY is checked before the TTL is read.
        Err(_) if !opts.replace && c.exists(&[a[0]])? > 0 => return Err(Error::BusyKey),
        Err(e) => return Err(e),
    };
    c.restore(a[0], ttl, a[2], &opts)?;
    Ok(Reply::OK)
}
