//! OBJECT, MEMORY USAGE and COMMAND: what a key is made of and which commands there are.

use bytes::Bytes;

use super::args::{arity, int, is, Args};
use super::reply::{bulk, int as integer, Reply};
use crate::error::{Error, Result};
use crate::Cache;

fn unknown_subcommand(sub: &[u8], cmd: &str) -> Error {
    Error::Command(format!(
        "unknown subcommand '{}'. Try {cmd} HELP.",
        String::from_utf8_lossy(sub)
    ))
}

fn sub_name(cmd: &str, sub: &[u8]) -> String {
    format!(
        "{cmd}|{}",
        String::from_utf8_lossy(sub).to_ascii_lowercase()
    )
}

/// OBJECT ENCODING | FREQ | IDLETIME | REFCOUNT key (nil for a missing key).
pub(super) fn object(c: &Cache, a: Args) -> Result<Reply> {
    let sub = a[0];
    let known = ["ENCODING", "FREQ", "IDLETIME", "REFCOUNT"]
        .iter()
        .any(|s| is(sub, s));
    if !known {
        return Err(unknown_subcommand(sub, "OBJECT"));
    }
    let [_, key] = a else {
        return Err(arity(&sub_name("object", sub)));
    };
    Ok(if is(sub, "ENCODING") {
        c.object_encoding(key)?
            .map_or(Reply::Nil, |e| bulk(Bytes::from_static(e.as_bytes())))
    } else if is(sub, "FREQ") {
        c.object_freq(key)?.map_or(Reply::Nil, integer)
    } else if is(sub, "IDLETIME") {
        c.object_idletime(key)?.map_or(Reply::Nil, integer)
    } else {
        c.object_refcount(key)?.map_or(Reply::Nil, integer)
    })
}

/// MEMORY USAGE key [SAMPLES count].
pub(super) fn memory(c: &Cache, a: Args) -> Result<Reply> {
    let sub = a[0];
    if !is(sub, "USAGE") {
        return Err(unknown_subcommand(sub, "MEMORY"));
    }
    let Some(mut rest) = a.get(2..) else {
        return Err(arity("memory|usage"));
    };
    // SAMPLES bounds Redis's estimate of a collection; the engine's count is exact.
    while let [opt, tail @ ..] = rest {
        match tail {
            [n, tail @ ..] if is(opt, "SAMPLES") => {
                if int(n)? < 0 {
                    return Err(Error::Syntax);
                }
                rest = tail;
            }
            _ => return Err(Error::Syntax),
        }
    }
    Ok(c.memory_usage(a[1])?.map_or(Reply::Nil, integer))
}

/// One command as COMMAND INFO describes it (Redis 7's ten fields): the name and arity;
/// flags, key positions, categories, tips, key specs and subcommands are left empty.
fn info(name: &str, arity: i32) -> Reply {
    let empty = || Reply::Array(Vec::new());
    Reply::Array(vec![
        bulk(Bytes::from(name.to_string())),
        Reply::Integer(arity.into()),
        empty(),
        Reply::Integer(0),
        Reply::Integer(0),
        Reply::Integer(0),
        empty(),
        empty(),
        empty(),
        empty(),
    ])
}

/// COMMAND, COMMAND COUNT, COMMAND LIST, COMMAND INFO [name ...], COMMAND DOCS [name ...].
pub(super) fn command(_: &Cache, a: Args) -> Result<Reply> {
    let all = || super::COMMANDS.iter();
    let find = |n: &[u8]| super::lookup(n);
    Ok(match a {
        [] => Reply::Array(all().map(|s| info(s.name, s.arity)).collect()),
        [sub] if is(sub, "COUNT") => integer(all().count()),
        [sub] if is(sub, "LIST") => Reply::Array(
            all()
                .map(|s| bulk(Bytes::from_static(s.name.as_bytes())))
                .collect(),
        ),
        [sub, names @ ..] if is(sub, "INFO") => {
            if names.is_empty() {
                Reply::Array(all().map(|s| info(s.name, s.arity)).collect())
            } else {
                Reply::Array(
                    names
                        .iter()
                        .map(|n| find(n).map_or(Reply::Nil, |s| info(s.name, s.arity)))
                        .collect(),
                )
            }
        }
        [sub, names @ ..] if is(sub, "DOCS") => {
            let chosen: Vec<&str> = if names.is_empty() {
                all().map(|s| s.name).collect()
            } else {
                names
                    .iter()
                    .filter_map(|n| find(n))
                    .map(|s| s.name)
                    .collect()
            };
            let mut out = Vec::new();
            for name in chosen {
                out.push(bulk(Bytes::from(name.to_string())));
                out.push(Reply::Array(Vec::new()));
            }
            Reply::Array(out)
        }
        [sub, ..] if is(sub, "COUNT") || is(sub, "LIST") => {
            return Err(arity(&sub_name("command", sub)))
        }
        [sub, ..] => return Err(unknown_subcommand(sub, "COMMAND")),
    })
}
