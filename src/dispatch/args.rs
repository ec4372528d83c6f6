//! Argument parsing shared by the command families, with Redis's error texts.

use bytes::Bytes;

use super::reply::Reply;
use crate::commands::num::{parse_f64, parse_i64, strtod};
use crate::error::{Error, Result};
use crate::types::zset::{LexBound, ScoreBound};
use crate::{Cache, ValueType};

/// Case-insensitive keyword match.
#[inline]
pub(super) fn is(arg: &[u8], keyword: &str) -> bool {
    arg.eq_ignore_ascii_case(keyword.as_bytes())
}

pub(super) fn int(arg: &[u8]) -> Result<i64> {
    parse_i64(arg)
}

pub(super) fn float(arg: &[u8]) -> Result<f64> {
    parse_f64(arg)
}

/// Redis's reply to a wrong number of arguments that the command table's arity lets pass
/// (LPOP key count extra).
pub(super) fn arity(cmd: &str) -> Error {
    Error::Command(format!("wrong number of arguments for '{cmd}' command"))
}

/// The count of HRANDFIELD, SRANDMEMBER and ZRANDMEMBER: any integer but `i64::MIN`, as
/// Redis negates it.
pub(super) fn random_count(arg: &[u8]) -> Result<i64> {
    match parse_i64(arg)? {
        i64::MIN => Err(Error::Invalid(
            "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        )),
        n => Ok(n),
    }
}

/// A count that must be 0 or more (LPOP, SPOP, ZPOPMIN ...).
pub(super) fn positive(arg: &[u8]) -> Result<usize> {
    positive_or(arg, "value is out of range, must be positive")
}

/// A count that must be 0 or more, with the command's own error for anything else
/// (`COUNT can't be negative`), as Redis's `getPositiveLongFromObjectOrReply`.
pub(super) fn positive_or(arg: &[u8], msg: &'static str) -> Result<usize> {
    parse_i64(arg)
        .ok()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or(Error::Invalid(msg))
}

/// An argument copied into an owned value.
pub(super) fn owned(arg: &[u8]) -> Bytes {
    Bytes::copy_from_slice(arg)
}

/// A score bound: `1.5`, `(1.5`, `-inf`, `+inf`.
pub(super) fn score_bound(arg: &[u8]) -> Result<ScoreBound> {
    let bad = || Error::Invalid("min or max is not a float");
    match arg {
        [b'(', rest @ ..] => strtod(rest).map(ScoreBound::Exclusive).map_err(|_| bad()),
        _ => strtod(arg).map(ScoreBound::Inclusive).map_err(|_| bad()),
    }
}

/// A lexicographic bound: `-`, `+`, `[a`, `(a`.
pub(super) fn lex_bound(arg: &[u8]) -> Result<LexBound> {
    match arg {
        b"-" => Ok(LexBound::Min),
        b"+" => Ok(LexBound::Max),
        [b'[', rest @ ..] => Ok(LexBound::Inclusive(owned(rest))),
        [b'(', rest @ ..] => Ok(LexBound::Exclusive(owned(rest))),
        _ => Err(Error::Invalid("min or max not valid string range item")),
    }
}

/// A blocking command's timeout in seconds, as BLPOP reads it: a finite float, not negative
/// (0: forever).
///
/// ```
/// assert_eq!(ferricache::parse::timeout(b"1.5").unwrap(), 1.5);
/// assert_eq!(ferricache::parse::timeout(b"-1").unwrap_err().to_string(), "ERR timeout is negative");
/// ```
pub fn timeout(arg: &[u8]) -> Result<f64> {
    let t = strtod(arg)
        .ok()
        .filter(|t| t.is_finite())
        .ok_or(Error::Invalid("timeout is not a float or out of range"))?;
    if t < 0.0 {
        return Err(Error::Invalid("timeout is negative"));
    }
    Ok(t)
}

/// A SCAN cursor, read as Redis reads it (`strtoul`): decimal, a leading sign allowed (`-1`
/// wraps to the largest cursor), the empty string is 0.
pub(super) fn cursor(arg: &[u8]) -> Result<u64> {
    let (negative, digits) = match arg {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, arg),
    };
    if arg.is_empty() {
        return Ok(0);
    }
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(Error::InvalidCursor);
    }
    let n: u64 = std::str::from_utf8(digits)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(Error::InvalidCursor)?;
    Ok(if negative { n.wrapping_neg() } else { n })
}

/// Runs `f`, and if it fails, answers as Redis does for commands that look their key up
/// before parsing the other arguments: `missing` for a missing key, WRONGTYPE for a key of
/// another type, and `f`'s error only for a key of type `kind`.
pub(super) fn key_first(
    c: &Cache,
    key: &[u8],
    kind: ValueType,
    missing: impl FnOnce() -> Result<Reply>,
    f: impl FnOnce() -> Result<Reply>,
) -> Result<Reply> {
    f().or_else(|e| match c.key_type(key)? {
        None => missing(),
        Some(t) if t != kind => Err(Error::WrongType),
        Some(_) => Err(e),
    })
}

/// HSCAN / SSCAN / ZSCAN options: `[MATCH pattern] [COUNT count]`.
pub(super) fn scan_options(mut rest: &[&[u8]]) -> Result<(Option<Bytes>, usize)> {
    let (mut pattern, mut count) = (None, 10);
    while let [opt, value, tail @ ..] = rest {
        if is(opt, "MATCH") {
            pattern = Some(owned(value));
        } else if is(opt, "COUNT") {
            count = usize::try_from(parse_i64(value)?).map_err(|_| Error::Syntax)?;
            if count == 0 {
                return Err(Error::Syntax);
            }
        } else {
            return Err(Error::Syntax);
        }
        rest = tail;
    }
    if rest.is_empty() {
        Ok((pattern, count))
    } else {
        Err(Error::Syntax)
    }
}

/// Arguments as the handlers receive them.
pub(super) type Args<'a> = &'a [&'a [u8]];

/// `numkeys key [key ...]` followed by options: the keys and what follows them.
pub(super) fn numkeys<'a>(args: Args<'a>, cmd: &'static str) -> Result<(Args<'a>, Args<'a>)> {
    let n = match parse_i64(args[0]) {
        Err(_) if cmd == "sintercard" => 0,
        n => n?,
    };
    if n <= 0 {
        return Err(match cmd {
            "sintercard" => Error::Invalid("numkeys should be greater than 0"),
            "zunionstore" => {
                Error::Invalid("at least 1 input key is needed for 'zunionstore' command")
            }
            "zinterstore" => {
                Error::Invalid("at least 1 input key is needed for 'zinterstore' command")
            }
            "zunion" => Error::Invalid("at least 1 input key is needed for 'zunion' command"),
            "zinter" => Error::Invalid("at least 1 input key is needed for 'zinter' command"),
            "zdiff" => Error::Invalid("at least 1 input key is needed for 'zdiff' command"),
            "zdiffstore" => {
                Error::Invalid("at least 1 input key is needed for 'zdiffstore' command")
            }
            "zintercard" => {
                Error::Invalid("at least 1 input key is needed for 'zintercard' command")
            }
            _ => Error::Syntax,
        });
    }
    let n = n as usize;
    if n > args.len() - 1 {
        return Err(match cmd {
            "sintercard" => Error::Invalid("Number of keys can't be greater than number of args"),
            _ => Error::Syntax,
        });
    }
    Ok((&args[1..=n], &args[n + 1..]))
}

/// `[LIMIT limit]` of SINTERCARD and ZINTERCARD, read in order as Redis reads it.
pub(super) fn limit_option(mut rest: Args) -> Result<usize> {
    let mut limit = 0;
    while let [opt, n, tail @ ..] = rest {
        if !is(opt, "LIMIT") {
            return Err(Error::Syntax);
        }
        limit = positive_or(n, "LIMIT can't be negative")?;
        rest = tail;
    }
    if rest.is_empty() {
        Ok(limit)
    } else {
        Err(Error::Syntax)
    }
}

/// An empty SCAN-family page: what a missing key answers.
pub(super) fn empty_scan() -> Result<Reply> {
    Ok(super::reply::scan_page(0, Reply::Array(Vec::new())))
}
