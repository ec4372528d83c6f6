//! The typed API in near-cache mode: a routed method builds its command's argv, runs it
//! through the router (local copies for reads, the server for the rest) and turns the
//! reply back into its own return type.

use bytes::Bytes;

use crate::dispatch::Reply;
use crate::error::{Error, Result};

/// A typed method's result made from its command's reply.
pub(crate) trait FromReply: Sized {
    fn from_reply(r: Reply) -> Result<Self>;
}

fn unexpected(r: &Reply) -> Error {
    Error::Remote(format!("ERR unexpected reply: {r:?}"))
}

fn check(r: Reply) -> Result<Reply> {
    match r {
        Reply::Error(e) => Err(Error::from_reply(e)),
        r => Ok(r),
    }
}

impl FromReply for Reply {
    fn from_reply(r: Reply) -> Result<Self> {
        check(r)
    }
}

impl FromReply for () {
    fn from_reply(r: Reply) -> Result<Self> {
        check(r).map(drop)
    }
}

impl FromReply for i64 {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Integer(n) => Ok(n),
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for usize {
    fn from_reply(r: Reply) -> Result<Self> {
        i64::from_reply(r).map(|n| n.max(0) as usize)
    }
}

impl FromReply for bool {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Integer(n) => Ok(n != 0),
            Reply::Nil => Ok(false),
            Reply::Status(_) => Ok(true),
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for Option<Bytes> {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Nil => Ok(None),
            Reply::Bulk(b) => Ok(Some(b)),
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for Option<f64> {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Nil => Ok(None),
            Reply::Double(d) => Ok(Some(d)),
            Reply::Bulk(b) => crate::commands::num::parse_f64(&b).map(Some),
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for Option<usize> {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Nil => Ok(None),
            Reply::Integer(n) => Ok(Some(n.max(0) as usize)),
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for Vec<Bytes> {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Array(items) => items
                .into_iter()
                .map(|i| match i {
                    Reply::Bulk(b) => Ok(b),
                    r => Err(unexpected(&r)),
                })
                .collect(),
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for Vec<Option<Bytes>> {
    fn from_reply(r: Reply) -> Result<Self> {
        match check(r)? {
            Reply::Array(items) => items.into_iter().map(Option::<Bytes>::from_reply).collect(),
            r => Err(unexpected(&r)),
        }
    }
}

impl FromReply for Vec<(Bytes, Bytes)> {
    fn from_reply(r: Reply) -> Result<Self> {
        let flat = Vec::<Bytes>::from_reply(r)?;
        Ok(flat
            .chunks_exact(2)
            .map(|p| (p[0].clone(), p[1].clone()))
            .collect())
    }
}

/// The bytes of one argv item.
pub(crate) fn arg<T: AsRef<[u8]> + ?Sized>(t: &T) -> &[u8] {
    t.as_ref()
}
