//! Replies as the near-cache tests compare them: what the server answers a plain client
//! (RESP2 shapes, as the engine's `Reply`), and the engine's replies with scores as text.
#![allow(dead_code)] // each test file uses a part

use ferricache::Reply;

/// The server's reply to `argv` on a plain connection; an error reply as its text.
pub fn direct(con: &mut redis::Connection, argv: &[&str]) -> Reply {
    let mut cmd = redis::cmd(argv[0]);
    for a in &argv[1..] {
        cmd.arg(*a);
    }
    let v: redis::Value = match cmd.query(con) {
        Ok(v) => v,
        Err(e) => {
            return Reply::Error(format!(
                "{} {}",
                e.code().unwrap_or("ERR"),
                e.detail().unwrap_or("")
            ))
        }
    };
    fn conv(v: redis::Value) -> Reply {
        match v {
            redis::Value::Nil => Reply::Nil,
            redis::Value::Int(i) => Reply::Integer(i),
            redis::Value::BulkString(b) => Reply::Bulk(b.into()),
            redis::Value::Array(a) => Reply::Array(a.into_iter().map(conv).collect()),
            redis::Value::Okay => Reply::OK,
            redis::Value::SimpleString(s) => Reply::Status(s.into()),
            other => panic!("unexpected {other:?}"),
        }
    }
    conv(v)
}

/// A reply with scores as Redis sends them in RESP2 (bulk strings).
pub fn norm(r: Reply) -> Reply {
    match r {
        Reply::Double(_) => Reply::Bulk(r.to_bytes().unwrap()),
        Reply::Array(items) => Reply::Array(items.into_iter().map(norm).collect()),
        other => other,
    }
}
