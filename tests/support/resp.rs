//! RESP2 replies as the oracle tests compare them: the server's bytes parsed, the engine's
//! [`Reply`] converted, and replies whose order Redis leaves unspecified put in one order.
#![allow(dead_code)] // each test file uses a part

use ferricache::Reply;

/// A RESP2 value, with both null forms (`$-1`, `*-1`) as `Nil`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Resp {
    Nil,
    Line(Vec<u8>),
    Bulk(Vec<u8>),
    Array(Vec<Resp>),
}

/// Readable in a failure: text where the bytes are text.
impl std::fmt::Debug for Resp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Resp::Nil => f.write_str("nil"),
            Resp::Line(b) => write!(f, "{:?}", String::from_utf8_lossy(b)),
            Resp::Bulk(b) => write!(f, "${:?}", String::from_utf8_lossy(b)),
            Resp::Array(items) => f.debug_list().entries(items).finish(),
        }
    }
}

pub fn parse(input: &mut &[u8]) -> Resp {
    let end = input.windows(2).position(|w| w == b"\r\n").expect("a CRLF");
    let (head, rest) = (input[..end].to_vec(), &input[end + 2..]);
    *input = rest;
    let n = || {
        std::str::from_utf8(&head[1..])
            .unwrap()
            .parse::<i64>()
            .unwrap()
    };
    match head[0] {
        b'$' if n() < 0 => Resp::Nil,
        b'*' if n() < 0 => Resp::Nil,
        b'$' => {
            let len = n() as usize;
            let body = input[..len].to_vec();
            *input = &input[len + 2..];
            Resp::Bulk(body)
        }
        b'*' => Resp::Array((0..n()).map(|_| parse(input)).collect()),
        _ => Resp::Line(head),
    }
}

pub fn of_reply(r: &Reply) -> Resp {
    match r {
        Reply::Nil => Resp::Nil,
        Reply::Integer(i) => Resp::Line(format!(":{i}").into_bytes()),
        Reply::Double(_) | Reply::Bulk(_) => Resp::Bulk(r.to_bytes().unwrap().to_vec()),
        Reply::Status(s) => Resp::Line(format!("+{s}").into_bytes()),
        Reply::Error(e) => Resp::Line(format!("-{e}").into_bytes()),
        Reply::Array(items) => Resp::Array(items.iter().map(of_reply).collect()),
        other => panic!("unexpected reply {other:?}"),
    }
}

/// Puts replies whose order Redis leaves unspecified into a canonical order.
pub fn canonical(cmd: &str, r: Resp) -> Resp {
    fn sorted(items: Vec<Resp>, pairs: bool) -> Vec<Resp> {
        if pairs {
            let mut p: Vec<Vec<Resp>> = items.chunks(2).map(<[Resp]>::to_vec).collect();
            p.sort();
            p.concat()
        } else {
            let mut items = items;
            items.sort();
            items
        }
    }
    let cmd = cmd.to_ascii_uppercase();
    match (cmd.as_str(), r) {
        (
            "SMEMBERS" | "SINTER" | "SUNION" | "SDIFF" | "HKEYS" | "HVALS" | "KEYS",
            Resp::Array(v),
        ) => Resp::Array(sorted(v, false)),
        ("HGETALL", Resp::Array(v)) => Resp::Array(sorted(v, true)),
        ("SCAN" | "SSCAN" | "HSCAN" | "ZSCAN", Resp::Array(mut v)) if v.len() == 2 => {
            if let Resp::Array(page) = v.pop().unwrap() {
                v.push(Resp::Array(sorted(page, cmd == "HSCAN" || cmd == "ZSCAN")));
            }
            Resp::Array(v)
        }
        (_, r) => r,
    }
}
