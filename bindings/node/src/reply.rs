//! Replies and arguments at the JavaScript boundary.

use bytes::Bytes;
use ferricache::Reply;
use napi::bindgen_prelude::{Buffer, Either, Null, ToNapiValue, TypeName, ValueType};
use napi::{sys, Error, Result};

/// A key, value or argument from JavaScript: a string (as UTF-8) or a Buffer.
pub type Arg = Either<String, Buffer>;

pub fn arg_bytes(a: &Arg) -> &[u8] {
    match a {
        Either::A(s) => s.as_bytes(),
        Either::B(b) => b,
    }
}

pub fn arg_owned(a: Arg) -> Bytes {
    match a {
        Either::A(s) => Bytes::from(s.into_bytes()),
        Either::B(b) => Bytes::copy_from_slice(&b),
    }
}

/// A reply as JavaScript sees it: null, number, string (or Buffer), or an array.
pub enum JsReply {
    Nil,
    Int(i64),
    Str(String),
    Buf(Buffer),
    Arr(Vec<JsReply>),
    /// `undefined`: near-cache mode's "this needs the server" from `executeNoWait`.
    Undefined,
    /// An Error object in place (EXEC's replies), with Redis's text.
    Err(String),
}

/// Bytes as a string (invalid UTF-8 replaced, as Buffer.toString does) or a Buffer.
pub fn text(b: &[u8], buffers: bool) -> JsReply {
    if buffers {
        JsReply::Buf(b.to_vec().into())
    } else {
        JsReply::Str(String::from_utf8_lossy(b).into_owned())
    }
}

/// A dispatcher reply as node-redis's `sendCommand` returns it (RESP2: doubles as their
/// text); an error reply becomes a thrown Error with Redis's text.
pub fn to_js(reply: Reply, buffers: bool) -> Result<JsReply> {
    Ok(match reply {
        Reply::Nil => JsReply::Nil,
        Reply::Integer(i) => JsReply::Int(i),
        Reply::Double(_) => text(&reply.to_bytes().unwrap_or_default(), buffers),
        Reply::Bulk(b) => text(&b, buffers),
        Reply::Status(s) => JsReply::Str(s.into_owned()),
        Reply::Error(e) => return Err(Error::from_reason(e)),
        Reply::Array(items) => JsReply::Arr(
            items
                .into_iter()
                .map(|r| to_js(r, buffers))
                .collect::<Result<_>>()?,
        ),
        other => return Err(Error::from_reason(format!("unsupported reply {other:?}"))),
    })
}

/// As [`to_js`], with errors inside arrays (EXEC's replies) as Error objects in place.
pub fn to_js_inline_errors(reply: Reply, buffers: bool) -> Result<JsReply> {
    match reply {
        Reply::Array(items) => Ok(JsReply::Arr(
            items
                .into_iter()
                .map(|r| match r {
                    Reply::Error(e) => Ok(JsReply::Err(e)),
                    r => to_js_inline_errors(r, buffers),
                })
                .collect::<Result<_>>()?,
        )),
        other => to_js(other, buffers),
    }
}

/// For promises of replies (`executeAsync`): any JavaScript value.
impl TypeName for JsReply {
    fn type_name() -> &'static str {
        "unknown"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl ToNapiValue for JsReply {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        // SAFETY: `env` is the live environment napi-rs passes to this conversion, and
        // each arm hands it on unchanged to the conversion of a plain value.
        unsafe {
            match val {
                JsReply::Nil => Null::to_napi_value(env, Null),
                // Numbers, as node-redis returns integer replies.
                JsReply::Int(i) => f64::to_napi_value(env, node_redis_number(i)),
                JsReply::Str(s) => String::to_napi_value(env, s),
                JsReply::Buf(b) => Buffer::to_napi_value(env, b),
                JsReply::Arr(v) => Vec::<JsReply>::to_napi_value(env, v),
                JsReply::Undefined => napi::bindgen_prelude::Undefined::to_napi_value(env, ()),
                JsReply::Err(e) => Ok(napi::JsError::from(Error::from_reason(e)).into_value(env)),
            }
        }
    }
}

pub fn engine_error(e: ferricache::Error) -> Error {
    Error::from_reason(e.to_string())
}

/// An integer reply as node-redis v4's RESP decoder makes it a Number: digit by digit,
/// `n * 10 + byte - 48` in doubles, which rounds differently from `i as f64` past 2^53.
fn node_redis_number(i: i64) -> f64 {
    if i.unsigned_abs() <= 1 << 53 {
        return i as f64;
    }
    let v = i
        .unsigned_abs()
        .to_string()
        .bytes()
        .fold(0.0f64, |v, b| v * 10.0 + f64::from(b) - 48.0);
    if i < 0 {
        -v
    } else {
        v
    }
}
