//! The reply of a dispatched command, shaped as Redis replies (RESP2 shapes; scores typed as
//! doubles, as RESP3 types them).

use std::borrow::Cow;

use bytes::Bytes;

use crate::commands::num::format_score;
use crate::error::Error;

/// What [`Cache::execute`](crate::Cache::execute) returns: one of Redis's reply types.
///
/// Arrays keep RESP2's flat shapes (HGETALL and WITHSCORES alternate names and values).
/// Scores are [`Reply::Double`]; [`Reply::to_bytes`] gives the text Redis would send for them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Reply {
    /// A missing value (RESP's null bulk string or null array).
    Nil,
    /// An integer.
    Integer(i64),
    /// A floating-point number (a sorted-set score).
    Double(f64),
    /// A binary-safe string.
    Bulk(Bytes),
    /// A simple status such as `OK` or `PONG`.
    Status(Cow<'static, str>),
    /// An error, with Redis's text (`WRONGTYPE ...`, `ERR ...`).
    Error(String),
    /// An array of replies.
    Array(Vec<Reply>),
}

impl Reply {
    /// `+OK`.
    pub const OK: Reply = Reply::Status(Cow::Borrowed("OK"));

    /// True for an error reply.
    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }

    /// The text of a bulk, status, error or double reply (a double formatted as Redis
    /// formats scores); `None` for the other types.
    ///
    /// ```
    /// use ferricache::{Cache, Reply};
    ///
    /// let cache = Cache::new();
    /// cache.execute(&["ZADD", "lb", "1.5", "alice"]);
    /// let score = cache.execute(&["ZSCORE", "lb", "alice"]);
    /// assert_eq!(score, Reply::Double(1.5));
    /// assert_eq!(score.to_bytes().unwrap(), "1.5");
    /// ```
    pub fn to_bytes(&self) -> Option<Bytes> {
        match self {
            Reply::Bulk(b) => Some(b.clone()),
            Reply::Status(s) => Some(Bytes::copy_from_slice(s.as_bytes())),
            Reply::Error(e) => Some(Bytes::copy_from_slice(e.as_bytes())),
            Reply::Double(d) => Some(Bytes::from(format_score(*d))),
            _ => None,
        }
    }
}

impl From<Error> for Reply {
    fn from(e: Error) -> Reply {
        Reply::Error(e.to_string())
    }
}

pub(super) fn int(n: impl TryInto<i64>) -> Reply {
    Reply::Integer(n.try_into().unwrap_or(i64::MAX))
}

pub(super) fn bool_int(b: bool) -> Reply {
    Reply::Integer(b as i64)
}

pub(super) fn bulk(b: Bytes) -> Reply {
    Reply::Bulk(b)
}

pub(super) fn opt_bulk(b: Option<Bytes>) -> Reply {
    b.map_or(Reply::Nil, Reply::Bulk)
}

pub(super) fn bulks(items: impl IntoIterator<Item = Bytes>) -> Reply {
    Reply::Array(items.into_iter().map(Reply::Bulk).collect())
}

pub(super) fn opt_bulks(items: impl IntoIterator<Item = Option<Bytes>>) -> Reply {
    Reply::Array(items.into_iter().map(opt_bulk).collect())
}

/// Field/value pairs as one flat array (HGETALL's shape).
pub(super) fn pairs(items: impl IntoIterator<Item = (Bytes, Bytes)>) -> Reply {
    Reply::Array(
        items
            .into_iter()
            .flat_map(|(a, b)| [Reply::Bulk(a), Reply::Bulk(b)])
            .collect(),
    )
}

/// Members, each followed by its score with `withscores`.
pub(super) fn scored(items: Vec<(Bytes, f64)>, withscores: bool) -> Reply {
    let mut out = Vec::with_capacity(items.len() * (1 + withscores as usize));
    for (m, s) in items {
        out.push(Reply::Bulk(m));
        if withscores {
            out.push(Reply::Double(s));
        }
    }
    Reply::Array(out)
}

pub(super) fn status(s: &'static str) -> Reply {
    Reply::Status(Cow::Borrowed(s))
}

/// A SCAN-family reply: the next cursor as a bulk string, then the page.
pub(super) fn scan_page(cursor: u64, page: Reply) -> Reply {
    Reply::Array(vec![Reply::Bulk(Bytes::from(cursor.to_string())), page])
}
