//! The connections to the server: a fixed pool that carries commands and fills, each
//! registered for tracking with its invalidations redirected to the tracker's connection.
//!
//! A key's tracking lives on the connection that read it: if that connection is lost,
//! the server stops reporting changes to the key. So pool connections are kept for the
//! life of the cache, the pool never grows past its size, and losing one is reported to
//! the caller, which drops every local copy.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};
use redis::{Client, Cmd, Connection, ConnectionLike, Value};

use super::options::{RemoteOptions, Tracking};
use super::signals;
use crate::dispatch::Reply;
use crate::error::Error;

/// What went wrong with the server, beyond an error reply.
#[derive(Debug)]
pub(crate) enum Fault {
    /// No reply within the timeout: the command may or may not have run. The connection
    /// stays (redis-rs skips the late reply), and so does its tracking.
    Timeout(String),
    /// The connection failed or could not be made; tracking through it is gone.
    Lost(String),
    /// A cluster node answered MOVED or ASK: the key is served elsewhere.
    Redirected,
    /// The server refused the command (an error reply); the connection is fine.
    Reply(String),
    /// The thread asked not to wait ([`crate::Cache::without_waiting`]): nothing was sent.
    WouldBlock,
}

impl From<Fault> for Error {
    fn from(f: Fault) -> Error {
        match f {
            Fault::Timeout(m) => Error::RemoteTimeout(m),
            Fault::Lost(m) => Error::RemoteUnavailable(m),
            Fault::Redirected => Error::Remote("ERR the key's slot moved to another node".into()),
            Fault::Reply(m) => Error::from_reply(m),
            Fault::WouldBlock => Error::WouldBlock,
        }
    }
}

fn fault(e: redis::RedisError) -> Fault {
    if e.is_timeout() {
        Fault::Timeout(e.to_string())
    } else {
        Fault::Lost(e.to_string())
    }
}

struct Pooled {
    con: Connection,
    /// The redirect epoch this connection's tracking was registered for.
    epoch: u64,
}

/// Idle connections and how many exist in all (idle or lent).
struct Pool {
    idle: Vec<Pooled>,
    total: usize,
}

pub(crate) struct Link {
    url: String,
    client: Client,
    connect_timeout: Duration,
    command_timeout: Duration,
    size: usize,
    per_key: bool,
    /// Invariant: `total` counts every live pool connection, lent or idle, and never
    /// exceeds `size`; a lent connection is returned with `put` or forgotten with `lost`,
    /// both of which wake one waiter of `freed`.
    pool: Mutex<Pool>,
    freed: Condvar,
    /// The tracker connection's client id (0 while it has none) and the epoch that
    /// changes with it: a pool connection whose epoch differs re-registers its tracking.
    redirect: AtomicI64,
    epoch: AtomicU64,
}

impl Link {
    pub fn new(url: &str, opts: &RemoteOptions) -> Result<Link, Error> {
        let bad = |e: redis::RedisError| Error::InvalidConfig(format!("remote URL {url:?}: {e}"));
        let client = if opts.tls_root.is_some() || opts.tls_client.is_some() {
            if !url.starts_with("rediss://") {
                return Err(Error::InvalidConfig(format!(
                    "TLS certificates are given but {url:?} is not a rediss:// URL"
                )));
            }
            let certs = redis::TlsCertificates {
                client_tls: opts.tls_client.clone().map(|(client_cert, client_key)| {
                    redis::ClientTlsConfig {
                        client_cert,
                        client_key: client_key.0,
                    }
                }),
                root_cert: opts.tls_root.clone(),
            };
            Client::build_with_tls(url, certs).map_err(bad)?
        } else {
            Client::open(url).map_err(bad)?
        };
        Ok(Link {
            url: url.to_string(),
            client,
            connect_timeout: opts.connect_timeout,
            command_timeout: opts.command_timeout,
            size: opts.pool_size,
            per_key: opts.tracking == Tracking::PerKey,
            pool: Mutex::new(Pool {
                idle: Vec::new(),
                total: 0,
            }),
            freed: Condvar::new(),
            redirect: AtomicI64::new(0),
            epoch: AtomicU64::new(0),
        })
    }

    /// The URL this link connects to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A new connection with the command timeout set; not pooled, no tracking.
    pub fn connect(&self) -> Result<Connection, Fault> {
        if super::waiting_forbidden() {
            return Err(Fault::WouldBlock);
        }
        let _held = signals::hold();
        let con = self
            .client
            .get_connection_with_timeout(self.connect_timeout)
            .map_err(|e| Fault::Lost(e.to_string()))?;
        con.set_read_timeout(Some(self.command_timeout))
            .map_err(fault)?;
        con.set_write_timeout(Some(self.command_timeout))
            .map_err(fault)?;
        Ok(con)
    }

    /// Points every pool connection's invalidations at tracker connection `id` (0: none,
    /// and fills are refused until there is one).
    pub fn set_redirect(&self, id: i64) {
        self.redirect.store(id, Ordering::SeqCst);
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// Runs one command on a pool connection. An error reply is `Ok(Value::ServerError)`.
    pub fn run(&self, cmd: &Cmd) -> Result<Value, Fault> {
        self.with(false, |con| {
            con.req_packed_command(&cmd.get_packed_command())
        })
    }

    /// Runs `f` on a pool connection; with `track`, one whose tracking is registered with
    /// the current invalidation connection (reads that make copies need that; other
    /// commands do not, and so keep working while the invalidation stream reconnects).
    pub fn with<T>(
        &self,
        track: bool,
        f: impl FnOnce(&mut Connection) -> redis::RedisResult<T>,
    ) -> Result<T, Fault> {
        let _held = signals::hold();
        let mut pooled = self.take()?;
        let epoch = self.epoch.load(Ordering::SeqCst);
        if track && pooled.epoch != epoch {
            if let Err(e) = self.register(&mut pooled.con) {
                self.lost();
                return Err(e);
            }
            pooled.epoch = epoch;
        }
        match f(&mut pooled.con) {
            Ok(v) => {
                self.put(pooled);
                Ok(v)
            }
            Err(e) if e.is_timeout() => {
                self.put(pooled);
                Err(fault(e))
            }
            Err(e) if matches!(e.kind(), redis::ErrorKind::Server(_)) => {
                self.put(pooled);
                Err(match e.redirect_node() {
                    Some(_) => Fault::Redirected,
                    None => Fault::Reply(match e.detail() {
                        Some(d) => format!("{} {d}", e.code().unwrap_or("ERR")),
                        None => e.to_string(),
                    }),
                })
            }
            Err(e) => {
                drop(pooled);
                self.lost();
                Err(fault(e))
            }
        }
    }

    fn register(&self, con: &mut Connection) -> Result<(), Fault> {
        if !self.per_key {
            return Ok(()); // BCAST is registered once, by the tracker
        }
        let id = self.redirect.load(Ordering::SeqCst);
        if id == 0 {
            return Err(Fault::Lost("the invalidation connection is down".into()));
        }
        let mut off = redis::cmd("CLIENT");
        off.arg("TRACKING").arg("off");
        let _: Value = off.query(con).map_err(fault)?;
        let mut on = redis::cmd("CLIENT");
        on.arg("TRACKING").arg("on").arg("REDIRECT").arg(id);
        let _: Value = on.query(con).map_err(fault)?;
        Ok(())
    }

    fn take(&self) -> Result<Pooled, Fault> {
        if super::waiting_forbidden() {
            return Err(Fault::WouldBlock);
        }
        let mut pool = self.pool.lock();
        loop {
            if let Some(p) = pool.idle.pop() {
                return Ok(p);
            }
            if pool.total < self.size {
                pool.total += 1;
                drop(pool);
                return self
                    .connect()
                    .map(|con| Pooled {
                        con,
                        epoch: u64::MAX,
                    })
                    .inspect_err(|_| self.lost());
            }
            if self
                .freed
                .wait_for(&mut pool, self.command_timeout)
                .timed_out()
            {
                return Err(Fault::Timeout("every pool connection stayed busy".into()));
            }
        }
    }

    fn put(&self, p: Pooled) {
        self.pool.lock().idle.push(p);
        self.freed.notify_one();
    }

    /// Forgets one lent connection.
    fn lost(&self) {
        self.pool.lock().total -= 1;
        self.freed.notify_one();
    }
}

/// A server reply as the engine's [`Reply`] (RESP2 shapes).
pub(crate) fn to_reply(v: Value) -> Reply {
    match v {
        Value::Nil => Reply::Nil,
        Value::Int(i) => Reply::Integer(i),
        Value::BulkString(b) => Reply::Bulk(b.into()),
        Value::Array(items) | Value::Set(items) => {
            Reply::Array(items.into_iter().map(to_reply).collect())
        }
        Value::SimpleString(s) => Reply::Status(s.into()),
        Value::Okay => Reply::OK,
        Value::Map(pairs) => Reply::Array(
            pairs
                .into_iter()
                .flat_map(|(k, v)| [to_reply(k), to_reply(v)])
                .collect(),
        ),
        Value::Attribute { data, .. } => to_reply(*data),
        Value::Double(d) => Reply::Double(d),
        Value::Boolean(b) => Reply::Integer(b as i64),
        Value::VerbatimString { text, .. } => Reply::Bulk(text.into()),
        Value::BigNumber(n) => Reply::Bulk(n.into()),
        Value::Push { data, .. } => Reply::Array(data.into_iter().map(to_reply).collect()),
        Value::ServerError(e) => Reply::Error(match e.details() {
            Some(d) => format!("{} {d}", e.code()),
            None => e.code().to_string(),
        }),
        _ => Reply::Error("ERR unsupported reply type from the server".into()),
    }
}
