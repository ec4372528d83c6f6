//! [`Cache::atomic`](crate::Cache::atomic) in near-cache mode: an optimistic transaction
//! on the server. The declared keys are WATCHed on a connection of the batch's own and
//! read together in one step, so the closure sees one consistent state of them (then what
//! its own writes make of it); writes are queued and sent as one MULTI/EXEC. If another client changed a watched key
//! meanwhile, EXEC applies nothing and the closure runs again, as redis-py's
//! `transaction()` does.

use bytes::Bytes;
use hashbrown::HashMap;
use redis::{Cmd, Connection, Value};

use super::contention::Contention;
use super::Remote;
use crate::batch::Batch;
use crate::commands::num::parse_i64;
use crate::error::{Error, Result};
use crate::Cache;

/// One atomic step that reads what a batch needs of each key: its type, its TTL and (for
/// a string) its value.
const READ: &str = r#"
local out = {}
for i, k in ipairs(KEYS) do
  local t = redis.call('TYPE', k)['ok']
  local p = redis.call('PTTL', k)
  if t == 'string' then out[i] = {t, p, redis.call('GET', k)} else out[i] = {t, p} end
end
return out
"#;

/// A key as the batch knows it: as read from the server, then as its queued writes leave it.
#[derive(Clone)]
struct Known {
    /// "none", "string", or another type's name.
    kind: String,
    value: Option<Bytes>,
    /// PTTL: -2 missing, -1 no TTL, else ms.
    pttl: i64,
}

/// The server side of one attempt of an atomic batch.
pub(crate) struct ServerBatch<'c> {
    con: &'c mut Connection,
    known: HashMap<Bytes, Known, ahash::RandomState>,
    queued: Vec<Cmd>,
}

fn unavailable(e: redis::RedisError) -> Error {
    match e.kind() {
        redis::ErrorKind::Server(_) => Error::from_reply(match e.detail() {
            Some(d) => format!("{} {d}", e.code().unwrap_or("ERR")),
            None => e.to_string(),
        }),
        _ if e.is_timeout() => Error::RemoteTimeout(e.to_string()),
        _ => Error::RemoteUnavailable(e.to_string()),
    }
}

impl ServerBatch<'_> {
    /// Reads every declared key at once: the state the closure starts from.
    fn read_all(&mut self, keys: &[Bytes]) -> Result<()> {
        let mut read = redis::cmd("EVAL");
        read.arg(READ).arg(keys.len());
        for k in keys {
            read.arg(&k[..]);
        }
        let replies: Vec<Vec<Value>> = read.query(self.con).map_err(unavailable)?;
        for (key, reply) in keys.iter().zip(replies) {
            let kind = match reply.first() {
                Some(Value::SimpleString(t)) => t.clone(),
                Some(Value::BulkString(t)) => String::from_utf8_lossy(t).into_owned(),
                _ => return Err(Error::Remote(format!("ERR unexpected reply {reply:?}"))),
            };
            let pttl = match reply.get(1) {
                Some(Value::Int(p)) => *p,
                _ => -2,
            };
            let value = match reply.get(2) {
                Some(Value::BulkString(v)) => Some(Bytes::from(v.clone())),
                _ => None,
            };
            self.known.insert(key.clone(), Known { kind, value, pttl });
        }
        Ok(())
    }

    fn known(&mut self, key: &[u8]) -> Result<&mut Known> {
        // Declared keys were all read first; the batch checks declarations before this.
        self.known
            .get_mut(key)
            .ok_or(Error::Invalid("key not declared in the atomic batch"))
    }

    fn queue(&mut self, args: &[&[u8]]) {
        let mut cmd = redis::cmd(&String::from_utf8_lossy(args[0]));
        for a in &args[1..] {
            cmd.arg(*a);
        }
        self.queued.push(cmd);
    }

    pub(crate) fn get(&mut self, key: &[u8]) -> Result<Option<Bytes>> {
        let k = self.known(key)?;
        match k.kind.as_str() {
            "none" => Ok(None),
            "string" => Ok(k.value.clone()),
            _ => Err(Error::WrongType),
        }
    }

    pub(crate) fn set(&mut self, key: &[u8], value: Bytes, ttl_secs: Option<u64>) {
        match ttl_secs {
            Some(s) => self.queue(&[b"SET", key, &value, b"EX", s.to_string().as_bytes()]),
            None => self.queue(&[b"SET", key, &value]),
        }
        let pttl = ttl_secs.map_or(-1, |s| s as i64 * 1000);
        let known = Known {
            kind: "string".into(),
            value: Some(value),
            pttl,
        };
        self.known.insert(Bytes::copy_from_slice(key), known);
    }

    pub(crate) fn del(&mut self, key: &[u8]) -> Result<bool> {
        let existed = self.exists(key)?;
        self.queue(&[b"DEL", key]);
        let gone = Known {
            kind: "none".into(),
            value: None,
            pttl: -2,
        };
        self.known.insert(Bytes::copy_from_slice(key), gone);
        Ok(existed)
    }

    pub(crate) fn exists(&mut self, key: &[u8]) -> Result<bool> {
        Ok(self.known(key)?.kind != "none")
    }

    pub(crate) fn incr_by(&mut self, key: &[u8], by: i64) -> Result<i64> {
        let k = self.known(key)?;
        let current = match k.kind.as_str() {
            "none" => 0,
            "string" => parse_i64(k.value.as_deref().unwrap_or_default())?,
            _ => return Err(Error::WrongType),
        };
        let new = current.checked_add(by).ok_or(Error::Overflow)?;
        k.kind = "string".into();
        k.value = Some(Bytes::from(new.to_string()));
        if k.pttl == -2 {
            k.pttl = -1;
        }
        self.queue(&[b"INCRBY", key, by.to_string().as_bytes()]);
        Ok(new)
    }

    pub(crate) fn expire(&mut self, key: &[u8], seconds: i64) -> Result<bool> {
        if !self.exists(key)? {
            return Ok(false);
        }
        self.queue(&[b"EXPIRE", key, seconds.to_string().as_bytes()]);
        let k = self.known(key)?;
        if seconds <= 0 {
            *k = Known {
                kind: "none".into(),
                value: None,
                pttl: -2,
            };
        } else {
            k.pttl = seconds * 1000;
        }
        Ok(true)
    }

    pub(crate) fn pttl(&mut self, key: &[u8]) -> Result<i64> {
        Ok(self.known(key)?.pttl)
    }
}

impl Remote {
    /// Runs `f` as an optimistic transaction on the server (see the module's docs).
    pub(crate) fn atomic<R>(
        &self,
        cache: &Cache,
        keys: Vec<Bytes>,
        mut f: impl FnMut(&mut Batch) -> Result<R>,
    ) -> Result<R> {
        let _held = super::signals::hold();
        let node = self.topology().node(keys.first().map(|k| &k[..])).clone();
        let mut con = node.link.connect().map_err(Error::from)?;
        let mut contention = Contention::new();
        loop {
            let mut watch = redis::cmd("WATCH");
            for k in &keys {
                watch.arg(&k[..]);
            }
            watch.query::<()>(&mut con).map_err(unavailable)?;
            let mut server = ServerBatch {
                con: &mut con,
                known: HashMap::default(),
                queued: Vec::new(),
            };
            server.read_all(&keys)?;
            let result = f(&mut Batch::on_server(cache, &mut server, keys.clone()));
            let queued = std::mem::take(&mut server.queued);
            if queued.is_empty() {
                redis::cmd("UNWATCH")
                    .query::<()>(&mut con)
                    .map_err(unavailable)?;
                return result;
            }
            let mut pipe = redis::pipe();
            pipe.atomic();
            for cmd in queued {
                pipe.add_command(cmd).ignore();
            }
            let applied: Option<()> = pipe.query(&mut con).map_err(unavailable)?;
            if applied.is_some() {
                for k in &keys {
                    self.invalidate(cache, k);
                }
                return result;
            }
            // A watched key changed before EXEC: nothing was applied; run again.
            if !contention.lost() {
                return Err(Error::Remote(
                    "ERR atomic batch: its keys kept changing under contention; try again".into(),
                ));
            }
        }
    }
}
