//! Argument parsing shared by the command families, with Redis's error texts.

use bytes::Bytes;

use crate::commands::num::{parse_f64, parse_i64};
use crate::error::{Error, Result};
use crate::types::zset::{LexBound, ScoreBound};

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

/// A count that must be 0 or more (LPOP, SPOP, ZPOPMIN ...).
pub(super) fn positive(arg: &[u8]) -> Result<usize> {
    let n = parse_i64(arg)?;
    usize::try_from(n).map_err(|_| Error::Invalid("value is out of range, must be positive"))
}

/// An argument copied into an owned value.
pub(super) fn owned(arg: &[u8]) -> Bytes {
    Bytes::copy_from_slice(arg)
}

/// A score bound: `1.5`, `(1.5`, `-inf`, `+inf`.
pub(super) fn score_bound(arg: &[u8]) -> Result<ScoreBound> {
    let bad = || Error::Invalid("min or max is not a float");
    match arg {
        [b'(', rest @ ..] => parse_f64(rest)
            .map(ScoreBound::Exclusive)
            .map_err(|_| bad()),
        _ => parse_f64(arg).map(ScoreBound::Inclusive).map_err(|_| bad()),
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
    let t = parse_f64(arg)
        .ok()
        .filter(|t| t.is_finite())
        .ok_or(Error::Invalid("timeout is not a float or out of range"))?;
    if t < 0.0 {
        return Err(Error::Invalid("timeout is negative"));
    }
    Ok(t)
}

/// A SCAN cursor.
pub(super) fn cursor(arg: &[u8]) -> Result<u64> {
    std::str::from_utf8(arg)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(Error::InvalidCursor)
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
    let n = parse_i64(args[0])?;
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
