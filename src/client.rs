//! A client's own state, as a Redis connection has it: the MULTI queue and the WATCHed
//! keys. [`Cache::client`] makes one; [`Client::execute`] runs argv as Redis runs a
//! connection's commands, with MULTI, EXEC, DISCARD, WATCH and UNWATCH among them.
//!
//! EXEC runs its queue as one atomic step: it write-locks every shard (see
//! [`crate::store::shard::Exclusive`]), so no other thread's command of any kind runs in
//! between. A command refused while queueing (unknown, wrong arity) makes EXEC fail with
//! EXECABORT and apply nothing; an error while running does not undo the others; a
//! blocking command does not block (BLPOP answers nil at once). A watched key changed by
//! anyone, deleted, expired, evicted or flushed since WATCH makes EXEC answer nil and
//! apply nothing. [`Cache::atomic`] remains the faster form for typed Rust code.
//!
//! In near-cache mode the transaction runs on the server, the source of truth: WATCH goes
//! there at once, and EXEC sends MULTI, the queue and EXEC on a connection of the
//! client's own (see `remote::session`).

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;

use bytes::Bytes;

use crate::dispatch::{refusal, Reply};
use crate::Cache;

/// One client's MULTI / WATCH state over a [`Cache`]. Not `Sync`: a client is one
/// connection, used by one thread at a time (it is `Send`).
///
/// ```
/// use ferricache::{Cache, Reply};
///
/// let cache = Cache::new();
/// let mut client = cache.client();
/// client.execute(&["WATCH", "balance"]);
/// cache.set("balance", "90").unwrap(); // another client changes it
/// client.execute(&["MULTI"]);
/// assert_eq!(client.execute(&["INCRBY", "balance", "10"]), Reply::Status("QUEUED".into()));
/// assert_eq!(client.execute(&["EXEC"]), Reply::Nil); // nothing applied
/// assert_eq!(cache.get("balance").unwrap().unwrap(), "90");
/// ```
pub struct Client {
    cache: Cache,
    /// Commands queued since MULTI; `None` outside MULTI.
    queue: Option<Vec<Vec<Bytes>>>,
    /// A command was refused while queueing: EXEC answers EXECABORT.
    refused: bool,
    /// Set by any change to a watched key (see `store::watch`).
    dirty: Arc<AtomicBool>,
    /// (database, key) pairs.
    watched: Vec<(u8, Bytes)>,
    /// Near-cache mode: the transaction's side on the server.
    #[cfg(feature = "remote")]
    server: crate::remote::ServerSession,
}

impl Cache {
    /// A client of this cache with its own MULTI queue and WATCHed keys (see [`Client`]).
    pub fn client(&self) -> Client {
        Client {
            cache: self.clone(),
            queue: None,
            refused: false,
            dirty: Arc::new(AtomicBool::new(false)),
            watched: Vec::new(),
            #[cfg(feature = "remote")]
            server: Default::default(),
        }
    }
}

fn error(text: &str) -> Reply {
    Reply::Error(text.into())
}

impl Client {
    /// The cache this client runs on.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// True between MULTI and EXEC or DISCARD.
    pub fn in_multi(&self) -> bool {
        self.queue.is_some()
    }

    /// Runs one command as Redis runs it on this client's connection.
    pub fn execute<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> Reply {
        let argv: Vec<&[u8]> = argv.iter().map(AsRef::as_ref).collect();
        self.execute_slices(&argv)
    }

    /// [`Client::execute`] over borrowed slices.
    pub fn execute_slices(&mut self, argv: &[&[u8]]) -> Reply {
        let name = argv.first().map(|n| n.to_ascii_lowercase());
        let arity = |n: usize, exact: bool| {
            let ok = if exact {
                argv.len() == n
            } else {
                argv.len() >= n
            };
            (!ok).then(|| {
                Reply::Error(format!(
                    "ERR wrong number of arguments for '{}' command",
                    String::from_utf8_lossy(argv[0]).to_ascii_lowercase()
                ))
            })
        };
        match name.as_deref() {
            Some(b"multi") => arity(1, true).unwrap_or_else(|| self.multi()),
            Some(b"exec") => arity(1, true).unwrap_or_else(|| self.exec()),
            Some(b"discard") => arity(1, true).unwrap_or_else(|| self.discard()),
            Some(b"watch") => arity(2, false).unwrap_or_else(|| self.watch(&argv[1..])),
            Some(b"select") if self.queue.is_none() => {
                arity(2, true).unwrap_or_else(|| self.select(argv[1]))
            }
            Some(b"unwatch") if self.queue.is_none() => arity(1, true).unwrap_or_else(|| {
                self.unwatch();
                Reply::OK
            }),
            _ => match &mut self.queue {
                Some(queue) => {
                    let unwatch = name.as_deref() == Some(b"unwatch");
                    if let Some(refused) = (!unwatch).then(|| refusal(argv)).flatten() {
                        self.refused = true;
                        return refused;
                    }
                    queue.push(argv.iter().map(|a| Bytes::copy_from_slice(a)).collect());
                    Reply::Status("QUEUED".into())
                }
                None => self.cache.execute_slices(argv),
            },
        }
    }

    /// SELECT: this client's later commands run in database `db` (an ASCII integer).
    /// WATCHed keys stay watched in the database they were watched in.
    pub fn select(&mut self, db: &[u8]) -> Reply {
        let n = match crate::dispatch::db_index(db, None) {
            Ok(n) => n,
            Err(e) => return e.into(),
        };
        match self.cache.select(n) {
            Ok(cache) => {
                self.cache = cache;
                Reply::OK
            }
            Err(e) => e.into(),
        }
    }

    /// MULTI: starts queueing.
    pub fn multi(&mut self) -> Reply {
        if self.queue.is_some() {
            return error("ERR MULTI calls can not be nested");
        }
        self.queue = Some(Vec::new());
        Reply::OK
    }

    /// DISCARD: drops the queue and the watches.
    pub fn discard(&mut self) -> Reply {
        if self.queue.take().is_none() {
            return error("ERR DISCARD without MULTI");
        }
        self.refused = false;
        self.unwatch();
        Reply::OK
    }

    /// EXEC: runs the queue atomically; nil if a watched key changed, EXECABORT if a
    /// command was refused while queueing.
    pub fn exec(&mut self) -> Reply {
        let Some(queue) = self.queue.take() else {
            return error("ERR EXEC without MULTI");
        };
        if std::mem::take(&mut self.refused) {
            self.unwatch();
            return error("EXECABORT Transaction discarded because of previous errors.");
        }
        #[cfg(feature = "remote")]
        if let Some(remote) = crate::remote::routed(&self.cache.inner).cloned() {
            // The server runs it, checks the watches, and forgets them.
            return self.server.exec(&remote, &self.cache, &queue);
        }
        let cache = self.cache.clone();
        let all = cache.inner.ks.exclusive();
        // A watched key past its deadline counts as changed: looking at it removes it,
        // which marks this client.
        for (db, k) in &self.watched {
            let _local_cannot_fail = self.cache.in_db(*db).exists(&[k]);
        }
        let reply = if self.dirty.load(Relaxed) {
            Reply::Nil
        } else {
            Reply::Array(
                queue
                    .iter()
                    .map(|argv| {
                        let argv: Vec<&[u8]> = argv.iter().map(|a| &a[..]).collect();
                        if argv[0].eq_ignore_ascii_case(b"unwatch") {
                            Reply::OK
                        } else if argv[0].eq_ignore_ascii_case(b"select") {
                            self.select(argv[1])
                        } else {
                            self.cache.execute_slices(&argv)
                        }
                    })
                    .collect(),
            )
        };
        drop(all);
        self.unwatch();
        reply
    }

    /// WATCH: EXEC will fail if any of these keys changes before it.
    pub fn watch<K: AsRef<[u8]>>(&mut self, keys: &[K]) -> Reply {
        if self.queue.is_some() {
            return error("ERR WATCH inside MULTI is not allowed");
        }
        #[cfg(feature = "remote")]
        if let Some(remote) = crate::remote::routed(&self.cache.inner).cloned() {
            let keys: Vec<&[u8]> = keys.iter().map(AsRef::as_ref).collect();
            return self.server.watch(&remote, &keys);
        }
        for k in keys {
            let k = (self.cache.db, Bytes::copy_from_slice(k.as_ref()));
            if !self.watched.contains(&k) {
                self.cache
                    .inner
                    .ks
                    .watches
                    .watch(k.0, k.1.clone(), &self.dirty);
                self.watched.push(k);
            }
        }
        Reply::OK
    }

    /// UNWATCH: forgets the watched keys.
    pub fn unwatch(&mut self) {
        #[cfg(feature = "remote")]
        self.server.unwatch();
        for (db, k) in self.watched.drain(..) {
            self.cache.inner.ks.watches.unwatch(db, &k, &self.dirty);
        }
        self.dirty.store(false, Relaxed);
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.unwatch();
    }
}
