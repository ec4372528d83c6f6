//! A [`Client`](crate::Client)'s transaction in near-cache mode: WATCH, then MULTI, the
//! queued commands and EXEC, on one server connection of the client's own, so that the
//! server (the source of truth) runs it atomically and checks the watches. The queue is
//! kept by the client until EXEC and sent in one round trip; after EXEC applied it, the
//! local copies of every key the commands name are dropped, so the client reads its own
//! writes (other processes learn of them through tracking, as of any write).

use std::sync::Arc;

use bytes::Bytes;
use redis::{Connection, ConnectionLike, Value};

use super::cluster::Node;
use super::link::to_reply;
use super::route::{self, Target};
use super::{command, Remote};
use crate::dispatch::Reply;
use crate::error::Error;
use crate::Cache;

/// The server side of one client's transaction state: its connection, once WATCH or EXEC
/// needed one.
#[derive(Default)]
pub(crate) struct ServerSession {
    con: Option<(Arc<Node>, Connection)>,
}

fn first_key<'a>(argv: &[&'a [u8]]) -> Option<&'a [u8]> {
    match route::target(argv) {
        Target::Key(i) => argv.get(i).copied(),
        _ => None,
    }
}

fn fault(e: redis::RedisError) -> Reply {
    if e.is_timeout() {
        Error::RemoteTimeout(e.to_string()).into()
    } else {
        Error::RemoteUnavailable(e.to_string()).into()
    }
}

impl ServerSession {
    /// The session's connection, made on the node that serves `key` if there is none.
    fn connection(
        &mut self,
        remote: &Remote,
        key: Option<&[u8]>,
    ) -> Result<&mut Connection, Reply> {
        if self.con.is_none() {
            let node = remote.topology().node(key).clone();
            let con = node
                .link
                .connect()
                .map_err(|f| Reply::from(Error::from(f)))?;
            self.con = Some((node, con));
        }
        Ok(&mut self.con.as_mut().expect("connected").1)
    }

    /// WATCH on the server.
    pub fn watch(&mut self, remote: &Remote, keys: &[&[u8]]) -> Reply {
        let _held = super::signals::hold();
        let con = match self.connection(remote, keys.first().copied()) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let mut argv: Vec<&[u8]> = vec![b"WATCH"];
        argv.extend_from_slice(keys);
        match con.req_command(&command(&argv)) {
            Ok(v) => to_reply(v),
            Err(e) => fault(e),
        }
    }

    /// UNWATCH on the server, if anything was sent there.
    pub fn unwatch(&mut self) {
        let _held = super::signals::hold();
        if let Some((_, con)) = &mut self.con {
            if con.req_command(&redis::cmd("UNWATCH")).is_err() {
                self.con = None; // a broken connection's watches are gone anyway
            }
        }
    }

    /// MULTI, the queue and EXEC in one round trip; EXEC's reply.
    pub fn exec(&mut self, remote: &Remote, cache: &Cache, queue: &[Vec<Bytes>]) -> Reply {
        let _held = super::signals::hold();
        let argvs: Vec<Vec<&[u8]>> = queue
            .iter()
            .map(|argv| argv.iter().map(|a| &a[..]).collect())
            .collect();
        let key = argvs.iter().find_map(|argv| first_key(argv));
        let con = match self.connection(remote, key) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let mut packed = redis::cmd("MULTI").get_packed_command();
        for argv in &argvs {
            packed.extend(command(argv).get_packed_command());
        }
        packed.extend(redis::cmd("EXEC").get_packed_command());
        let replies = match con.req_packed_commands(&packed, 0, argvs.len() + 2) {
            Ok(r) => r,
            Err(e) => {
                self.con = None;
                return fault(e);
            }
        };
        let exec = replies.into_iter().last().unwrap_or(Value::Nil);
        let applied = matches!(exec, Value::Array(_));
        if applied {
            for argv in &argvs {
                for k in &argv[1..] {
                    remote.invalidate(cache, k);
                }
            }
        }
        to_reply(exec)
    }
}
