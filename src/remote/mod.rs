//! Near-cache mode: the engine as a coherent L1 in front of a Redis-protocol server
//! (Redis 6+, Valkey, ElastiCache), which stays the shared source of truth.
//!
//! - Reads of keys held locally are answered by the engine; a key not held is fetched
//!   whole (type, value and TTL, in one server-side script) with tracking on, installed,
//!   and answered; a tracked miss is remembered, so looking up a missing key costs no
//!   round trip either.
//! - Everything else goes to the server; a write drops the local copies of the keys it
//!   names before it returns, so a thread reads its own writes.
//! - The server reports changes through `CLIENT TRACKING` ([`tracker`]); fills that race
//!   an invalidation are discarded ([`copies`]); losing a connection drops every copy.
//!
//! Built with the `remote` cargo feature; without it the engine has none of this.

mod batch;
mod cluster;
mod contention;
mod copies;
mod link;
mod options;
mod patterns;
mod relay;
mod route;
mod session;
mod signals;
mod tracker;
pub(crate) mod typed;

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed, Ordering::SeqCst};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use redis::{ConnectionLike, Script, Value};

pub(crate) use batch::ServerBatch;
pub use options::{RemoteOptions, Tracking, WhenStale};
pub(crate) use patterns::FillTurn;
pub(crate) use relay::Relay;
pub(crate) use session::ServerSession;

use cluster::{Node, Topology};
use copies::{Copies, Held};
use link::{to_reply, Fault};
use route::{Route, Target};

use crate::cache::Inner;
use crate::dispatch::Reply;
use crate::error::{Error, Result};
use crate::Cache;

/// One round trip that reads a whole key: its type, its TTL in ms (-1: none) and its
/// contents; only the first two when it exceeds the local limits (ARGV: bytes, elements)
/// or is of a type the engine lacks.
const FETCH: &str = r#"
local k = KEYS[1]
local t = redis.call('TYPE', k)['ok']
if t == 'none' then return {t} end
local ttl = redis.call('PTTL', k)
local n, limit = 0, tonumber(ARGV[2])
if t == 'string' then n, limit = redis.call('STRLEN', k), tonumber(ARGV[1])
elseif t == 'hash' then n = redis.call('HLEN', k)
elseif t == 'list' then n = redis.call('LLEN', k)
elseif t == 'set' then n = redis.call('SCARD', k)
elseif t == 'zset' then n = redis.call('ZCARD', k)
else return {t, ttl} end
if n > limit then return {t, ttl} end
if t == 'string' then return {t, ttl, redis.call('GET', k)} end
if t == 'hash' then return {t, ttl, redis.call('HGETALL', k)} end
if t == 'list' then return {t, ttl, redis.call('LRANGE', k, 0, -1)} end
if t == 'set' then return {t, ttl, redis.call('SMEMBERS', k)} end
return {t, ttl, redis.call('ZRANGE', k, 0, -1, 'WITHSCORES')}
"#;

thread_local! {
    /// Set while this thread runs commands on the local copies alone (the router's own
    /// local runs and installs), so that the typed methods they call are not routed again.
    static LOCAL_ONLY: Cell<bool> = const { Cell::new(false) };
    /// Set inside [`Cache::without_waiting`]: any round trip fails with `WouldBlock`.
    static NO_WAIT: Cell<bool> = const { Cell::new(false) };
}

/// Whether this thread is inside [`Cache::without_waiting`].
pub(crate) fn waiting_forbidden() -> bool {
    NO_WAIT.with(Cell::get)
}

/// Runs `f` with round trips forbidden on this thread (restored after, even on a panic).
pub(crate) fn without_waiting<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            NO_WAIT.with(|w| w.set(self.0));
        }
    }
    let _reset = Reset(NO_WAIT.with(|w| w.replace(true)));
    f()
}

/// The remote to route a typed call to: none without near-cache mode, and none while the
/// router itself runs commands on the local copies.
#[inline]
pub(crate) fn routed(inner: &Inner) -> Option<&Arc<Remote>> {
    inner
        .remote
        .as_ref()
        .filter(|_| !LOCAL_ONLY.with(Cell::get))
}

/// The error of an API that near-cache mode does not offer.
pub(crate) fn not_offered(what: &str) -> Error {
    Error::Remote(format!("ERR {what}: not offered in near-cache mode"))
}

/// Marks this thread as running local-only commands until dropped (nests).
pub(crate) struct LocalOnly(bool);

impl LocalOnly {
    pub(crate) fn enter() -> LocalOnly {
        LocalOnly(LOCAL_ONLY.with(|l| l.replace(true)))
    }
}

impl Drop for LocalOnly {
    fn drop(&mut self) {
        LOCAL_ONLY.with(|l| l.set(self.0));
    }
}

/// The near cache's counters, from [`Cache::near_cache_stats`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NearCacheStats {
    /// Reads answered from local copies or known-missing entries, without a round trip.
    pub local_hits: u64,
    /// Round trips that local answers saved: local hits plus stale serves.
    pub round_trips_saved: u64,
    /// Whole keys fetched from the server (misses of the L1).
    pub fetches: u64,
    /// Lookups of keys known to be missing, answered without a round trip.
    pub negative_hits: u64,
    /// Commands sent to the server.
    pub forwarded: u64,
    /// Keys the server reported changed.
    pub invalidations: u64,
    /// Times every local copy was dropped (a server flush, a lost connection).
    pub flushes: u64,
    /// Fills discarded because their key changed while they were in flight.
    pub discarded_fills: u64,
    /// Reads answered from copies while the invalidation stream was down
    /// ([`WhenStale::ServeStale`]).
    pub stale_serves: u64,
    /// Times the invalidation stream was lost and made again.
    pub reconnects: u64,
    /// Whether the invalidation stream is up now (copies are trusted): for a cluster,
    /// every node's.
    pub connected: bool,
    /// The server nodes in use: 1, or a cluster's masters.
    pub nodes: usize,
}

#[cfg(any(test, feature = "remote-test-hooks"))]
type FillHook = Box<dyn Fn(&[u8]) + Send + Sync>;
#[cfg(any(test, feature = "remote-test-hooks"))]
type WaitHook = Box<dyn Fn() + Send + Sync>;

#[derive(Default)]
struct Counters {
    local_hits: AtomicU64,
    fetches: AtomicU64,
    negative_hits: AtomicU64,
    forwarded: AtomicU64,
    invalidations: AtomicU64,
    flushes: AtomicU64,
    discarded_fills: AtomicU64,
    stale_serves: AtomicU64,
    reconnects: AtomicU64,
}

pub(crate) struct Remote {
    me: Weak<Remote>,
    options: RemoteOptions,
    url: String,
    /// The server's nodes (one, or a cluster's masters). Replaced whole by a refresh.
    topology: RwLock<Arc<Topology>>,
    /// Held while the topology is refreshed, so that one refresh runs at a time.
    refreshing: Mutex<()>,
    /// Every node's invalidation stream is up (copies may be served). Invariant: written
    /// only under `trust_lock`, right after a node's `healthy` flag or the topology
    /// changed, from the flags of the topology in force; so it is never left true while a
    /// node of the current topology is down.
    trusted: AtomicBool,
    trust_lock: Mutex<()>,
    /// The cache, for the trackers of nodes found later; set once by `attach`.
    cache: OnceLock<Weak<Inner>>,
    copies: Copies,
    /// A sequence lock over the copies: odd while an invalidation or flush is dropping
    /// copies (bumped under the copies lock before and after), even otherwise. A read that
    /// sees the same even value before and after its local run saw its keys throughout.
    generation: AtomicU64,
    stats: Counters,
    last_fault: Mutex<Option<String>>,
    fetch: Script,
    /// Test hook: runs between a fill's fetch and its install.
    #[cfg(any(test, feature = "remote-test-hooks"))]
    pub(crate) before_install: Mutex<Option<FillHook>>,
    /// Test hook: runs on a blocking command's thread once it is sent, before the wait.
    #[cfg(any(test, feature = "remote-test-hooks"))]
    pub(crate) before_wait: Mutex<Option<WaitHook>>,
}

impl Remote {
    /// Connects (checking the server answers) and starts the tracker for `inner`'s cache.
    pub(crate) fn start(url: &str, options: RemoteOptions) -> Result<Arc<Remote>> {
        options.validate().map_err(Error::InvalidConfig)?;
        let topology = Topology::discover(url, &options, &[])?;
        Ok(Arc::new_cyclic(|me| Remote {
            me: me.clone(),
            copies: Copies::new(options.negative_entries),
            options,
            url: url.to_string(),
            topology: RwLock::new(Arc::new(topology)),
            refreshing: Mutex::new(()),
            trusted: AtomicBool::new(false),
            trust_lock: Mutex::new(()),
            cache: OnceLock::new(),
            generation: AtomicU64::new(0),
            stats: Counters::default(),
            last_fault: Mutex::new(None),
            fetch: Script::new(FETCH),
            #[cfg(any(test, feature = "remote-test-hooks"))]
            before_install: Mutex::new(None),
            #[cfg(any(test, feature = "remote-test-hooks"))]
            before_wait: Mutex::new(None),
        }))
    }

    /// Starts each node's tracker and waits (up to the connect timeout) for their streams.
    pub(crate) fn attach(self: &Arc<Self>, inner: &Arc<Inner>) -> Result<()> {
        let _ = self.cache.set(Arc::downgrade(inner));
        for node in &self.topology().nodes {
            self.track(node.clone())?;
        }
        let deadline = Instant::now() + self.options.connect_timeout;
        while !self.trusted() {
            if Instant::now() > deadline {
                let why = self.last_fault.lock().clone().unwrap_or_default();
                return Err(Error::RemoteUnavailable(format!(
                    "no invalidation stream within the connect timeout {why}"
                )));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        Ok(())
    }

    fn track(&self, node: Arc<Node>) -> Result<()> {
        let cache = self.cache.get().cloned().unwrap_or_default();
        let me = self.me.upgrade().ok_or(Error::Disconnected)?;
        tracker::spawn(cache, me, node)
            .map_err(|e| Error::InvalidConfig(format!("cannot start an invalidation thread: {e}")))
    }

    fn topology(&self) -> Arc<Topology> {
        self.topology.read().clone()
    }

    /// A node for keyless work (the relay's subscriptions).
    pub(crate) fn any_node(&self) -> Arc<Node> {
        self.topology().node(None).clone()
    }

    pub(crate) fn is_cluster(&self) -> bool {
        self.topology().is_cluster()
    }

    /// Every node's invalidation stream is up: copies may be served. One atomic load: the
    /// read path asks on every hit.
    fn trusted(&self) -> bool {
        self.trusted.load(SeqCst)
    }

    /// Records whether `node`'s invalidation stream is up (its tracker calls this), and
    /// whether all of them are; returns what the node was.
    pub(crate) fn set_healthy(&self, node: &Node, up: bool) -> bool {
        let _one = self.trust_lock.lock();
        let was = node.healthy.swap(up, SeqCst);
        self.recompute_trust();
        was
    }

    /// Under `trust_lock`: every node of the current topology is up.
    fn recompute_trust(&self) {
        let all = self.topology().nodes.iter().all(|n| n.healthy.load(SeqCst));
        self.trusted.store(all, SeqCst);
    }

    /// Asks the cluster for its topology again (after a MOVED, or a node's stream lost),
    /// starts trackers for new nodes, retires the others, and drops every copy (keys may
    /// have moved between nodes).
    pub(crate) fn refresh(&self, cache: &Cache) {
        let Some(_one) = self.refreshing.try_lock() else {
            return; // another thread is refreshing
        };
        let old = self.topology();
        let seeds = std::iter::once(self.url.clone())
            .chain(old.nodes.iter().map(|n| n.link.url().to_string()));
        let Some(next) = seeds
            .filter_map(|url| Topology::discover(&url, &self.options, &old.nodes).ok())
            .next()
        else {
            return;
        };
        old.retire_missing(&next);
        let new: Vec<Arc<Node>> = next
            .nodes
            .iter()
            .filter(|n| !old.nodes.iter().any(|o| Arc::ptr_eq(n, o)))
            .cloned()
            .collect();
        {
            let _one = self.trust_lock.lock();
            *self.topology.write() = Arc::new(next);
            self.recompute_trust();
        }
        for node in new {
            let _ = self.track(node);
        }
        self.flush_local(cache);
    }

    pub(crate) fn stats(&self) -> NearCacheStats {
        let s = &self.stats;
        let (local_hits, stale_serves) = (s.local_hits.load(Relaxed), s.stale_serves.load(Relaxed));
        NearCacheStats {
            local_hits,
            round_trips_saved: local_hits + stale_serves,
            fetches: s.fetches.load(Relaxed),
            negative_hits: s.negative_hits.load(Relaxed),
            forwarded: s.forwarded.load(Relaxed),
            invalidations: s.invalidations.load(Relaxed),
            flushes: s.flushes.load(Relaxed),
            discarded_fills: s.discarded_fills.load(Relaxed),
            stale_serves,
            reconnects: s.reconnects.load(Relaxed),
            connected: self.trusted(),
            nodes: self.topology().nodes.len(),
        }
    }

    /// Drops the local copy of `key` and what is known of it.
    pub(crate) fn invalidate(&self, cache: &Cache, key: &[u8]) {
        self.copies.invalidate(key, || {
            self.generation.fetch_add(1, SeqCst);
            cache.del_local(key);
            self.generation.fetch_add(1, SeqCst);
        });
    }

    /// Drops every local copy.
    pub(crate) fn flush_local(&self, cache: &Cache) {
        self.copies.flush(|| {
            self.generation.fetch_add(1, SeqCst);
            self.stats.flushes.fetch_add(1, Relaxed);
            cache.inner.ks.flush();
            self.generation.fetch_add(1, SeqCst);
        });
    }

    fn on_fault(&self, cache: &Cache, fault: &Fault) {
        if let Fault::Lost(_) = fault {
            // Keys read through the lost connection are no longer tracked.
            self.flush_local(cache);
        }
    }

    /// Runs one command given as argv in near-cache mode.
    pub(crate) fn execute(&self, cache: &Cache, argv: &[&[u8]]) -> Reply {
        match route::route(argv[0]) {
            Route::ReadOne if argv.len() >= 2 => self.read(cache, argv, &argv[1..2]),
            Route::ReadAll if argv.len() >= 2 => self.read(cache, argv, &argv[1..]),
            Route::Engine => cache.execute_local(argv),
            Route::ServerRead => self.forward(cache, argv, None),
            Route::Refused => Reply::Error(format!(
                "ERR '{}' is not offered in near-cache mode",
                String::from_utf8_lossy(argv[0]).to_ascii_lowercase()
            )),
            Route::Flush => {
                let reply = self.forward(cache, argv, None);
                if !reply.is_error() {
                    self.flush_local(cache);
                }
                reply
            }
            Route::Blocking => self.blocking(cache, argv),
            _ => self.write(cache, argv),
        }
    }

    /// A read: answered locally once every key is held (fetched when it is not), else
    /// by the server.
    fn read(&self, cache: &Cache, argv: &[&[u8]], keys: &[&[u8]]) -> Reply {
        if !self.trusted() {
            return self.untrusted_read(cache, argv, keys);
        }
        let mut fetched = false;
        for _ in 0..8 {
            let before = self.generation.load(SeqCst);
            if before & 1 == 1 {
                std::thread::yield_now(); // copies are being dropped right now
                continue;
            }
            for key in keys {
                match self.held(cache, key, &mut fetched) {
                    Ok(Held::Local | Held::Missing) => {}
                    Ok(Held::Remote) => return self.forward(cache, argv, None),
                    Err(e) => return e.into(),
                }
            }
            let reply = cache.execute_local(argv);
            if self.generation.load(SeqCst) == before {
                if !fetched {
                    self.stats.local_hits.fetch_add(1, Relaxed);
                }
                return reply;
            }
        }
        self.forward(cache, argv, None)
    }

    fn untrusted_read(&self, cache: &Cache, argv: &[&[u8]], keys: &[&[u8]]) -> Reply {
        if self.options.when_stale == WhenStale::ServeStale
            && keys.iter().all(|k| cache.contains_local(k))
        {
            self.stats.stale_serves.fetch_add(1, Relaxed);
            return cache.execute_local(argv);
        }
        self.forward(cache, argv, None)
    }

    /// Where a read of `key` is answered, fetching the key if nothing is known of it.
    /// `fetched` is set when this took a round trip.
    fn held(&self, cache: &Cache, key: &[u8], fetched: &mut bool) -> Result<Held> {
        if !self.options.cacheable(key) {
            return Ok(Held::Remote);
        }
        if cache.contains_local(key) {
            return Ok(Held::Local);
        }
        match self.copies.known(key) {
            Some(Held::Missing) => {
                self.stats.negative_hits.fetch_add(1, Relaxed);
                Ok(Held::Missing)
            }
            Some(h) => Ok(h),
            None => {
                *fetched = true;
                self.fill(cache, key)
            }
        }
    }

    /// Fetches `key` whole with tracking on and installs it, unless an invalidation came
    /// while it was in flight.
    fn fill(&self, cache: &Cache, key: &[u8]) -> Result<Held> {
        let Some(fill) = self.copies.begin(key) else {
            return Ok(Held::Remote); // another thread is fetching it
        };
        let started = Instant::now();
        let (bytes, elements) = (self.options.max_value_bytes, self.options.max_elements);
        let node = self.topology().node(Some(key)).clone();
        let fetched = node.link.with(true, |con| {
            self.fetch
                .key(key)
                .arg(bytes)
                .arg(elements)
                .invoke::<Value>(con)
        });
        let value = match fetched {
            Ok(v) => {
                self.stats.fetches.fetch_add(1, Relaxed);
                v
            }
            Err(Fault::Redirected) => {
                // The key's slot moved: learn where, and let the read go to the server.
                self.copies.abandon(fill);
                self.refresh(cache);
                return Ok(Held::Remote);
            }
            Err(f) => {
                self.copies.abandon(fill);
                self.on_fault(cache, &f);
                return Err(f.into());
            }
        };
        #[cfg(any(test, feature = "remote-test-hooks"))]
        if let Some(hook) = self.before_install.lock().as_ref() {
            hook(key);
        }
        let elapsed = started.elapsed().as_millis() as i64;
        match self
            .copies
            .finish(fill, || install(cache, key, value, elapsed))
        {
            Some(held) => Ok(held),
            None => {
                self.stats.discarded_fills.fetch_add(1, Relaxed);
                Ok(Held::Remote)
            }
        }
    }

    /// Sends a command to the server and returns its reply. `track`: the keys to drop
    /// locally once the server may have applied it.
    fn forward(&self, cache: &Cache, argv: &[&[u8]], drop: Option<&[&[u8]]>) -> Reply {
        self.stats.forwarded.fetch_add(1, Relaxed);
        let result = match route::target(argv) {
            Target::All if self.topology().is_cluster() => self.on_every_node(argv),
            Target::Key(i) => self.run_routed(cache, Some(argv[i]), &command(argv)),
            _ => self.run_routed(cache, None, &command(argv)),
        };
        let applied_maybe = !matches!(&result, Ok(Value::ServerError(_)) | Err(Fault::WouldBlock));
        if let (Some(keys), true) = (drop, applied_maybe) {
            for k in keys {
                self.invalidate(cache, k);
            }
        }
        match result {
            Ok(v) => to_reply(v),
            Err(f) => {
                self.on_fault(cache, &f);
                Error::from(f).into()
            }
        }
    }

    /// Runs `cmd` on the node that serves `key`, following MOVED (after refreshing the
    /// topology) and ASK (once, on the node named, after ASKING).
    fn run_routed(
        &self,
        cache: &Cache,
        key: Option<&[u8]>,
        cmd: &redis::Cmd,
    ) -> Result<Value, Fault> {
        let _held = signals::hold();
        for _ in 0..4 {
            let node = self.topology().node(key).clone();
            let value = node.link.run(cmd)?;
            let Value::ServerError(e) = &value else {
                return Ok(value);
            };
            match e.kind() {
                Some(redis::ServerErrorKind::Moved) => self.refresh(cache),
                Some(redis::ServerErrorKind::Ask) => {
                    let addr = e.details().and_then(|d| d.split(' ').nth(1)).unwrap_or("");
                    let link =
                        link::Link::new(&cluster::with_host_port(&self.url, addr), &self.options)
                            .map_err(|e| Fault::Lost(e.to_string()))?;
                    let mut con = link.connect()?;
                    let asked = redis::cmd("ASKING").query::<Value>(&mut con);
                    return asked
                        .and_then(|_| con.req_packed_command(&cmd.get_packed_command()))
                        .map_err(|e| Fault::Lost(e.to_string()));
                }
                _ => return Ok(value),
            }
        }
        Err(Fault::Lost(
            "the cluster kept redirecting the command".into(),
        ))
    }

    /// A keyspace-wide command on a cluster: FLUSHALL, DBSIZE and KEYS on every master,
    /// their replies combined; SCAN walks the masters one after the other (the node's
    /// index in the cursor's top 16 bits).
    fn on_every_node(&self, argv: &[&[u8]]) -> Result<Value, Fault> {
        let topology = self.topology();
        if argv[0].eq_ignore_ascii_case(b"scan") {
            const LOW: u64 = (1 << 48) - 1;
            let cursor: u64 = std::str::from_utf8(argv.get(1).copied().unwrap_or(b"0"))
                .ok()
                .and_then(|c| c.parse().ok())
                .unwrap_or(u64::MAX);
            let index = (cursor >> 48) as usize;
            let Some(node) = topology.nodes.get(index) else {
                let done = [Value::BulkString(b"0".to_vec()), Value::Array(Vec::new())];
                return Ok(Value::Array(done.to_vec()));
            };
            let mut args: Vec<Vec<u8>> = argv.iter().map(|a| a.to_vec()).collect();
            args[1] = (cursor & LOW).to_string().into_bytes();
            let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
            let Value::Array(mut reply) = node.link.run(&command(&args))? else {
                return Err(Fault::Lost("unexpected SCAN reply".into()));
            };
            let next: u64 = match reply.first() {
                Some(Value::BulkString(c)) => std::str::from_utf8(c)
                    .ok()
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0),
                _ => 0,
            };
            let next = match next {
                0 if index + 1 < topology.nodes.len() => (index as u64 + 1) << 48,
                0 => 0,
                n => ((index as u64) << 48) | (n & LOW),
            };
            reply[0] = Value::BulkString(next.to_string().into_bytes());
            return Ok(Value::Array(reply));
        }
        let cmd = command(argv);
        let mut combined: Option<Value> = None;
        for node in &topology.nodes {
            let value = node.link.run(&cmd)?;
            combined = Some(match (combined, value) {
                (Some(e @ Value::ServerError(_)), _) | (_, e @ Value::ServerError(_)) => e,
                (Some(Value::Int(a)), Value::Int(b)) => Value::Int(a + b),
                (Some(Value::Array(mut a)), Value::Array(b)) => {
                    a.extend(b);
                    Value::Array(a)
                }
                (_, v) => v,
            });
        }
        Ok(combined.unwrap_or(Value::Nil))
    }

    /// A command for the server. Its key positions vary by command, so every argument is
    /// treated as a key that may have changed: dropping a copy is always safe.
    fn write(&self, cache: &Cache, argv: &[&[u8]]) -> Reply {
        self.forward(cache, argv, Some(&argv[1..]))
    }

    /// A blocking command, on a connection of its own whose read timeout covers the
    /// command's own (its last argument, in seconds; 0 waits forever). Signals are held
    /// back while it connects and sends; then the interrupts may end the wait.
    fn blocking(&self, cache: &Cache, argv: &[&[u8]]) -> Reply {
        let held = signals::hold();
        let secs = std::str::from_utf8(argv[argv.len() - 1])
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0);
        let Some(secs) = secs else {
            return self.write(cache, argv); // let the server word the error
        };
        let key = match route::target(argv) {
            Target::Key(i) => Some(argv[i]),
            _ => None,
        };
        let mut con = match self.topology().node(key).link.connect() {
            Ok(c) => c,
            Err(f) => return Error::from(f).into(),
        };
        let timeout = (secs > 0.0)
            .then(|| Duration::from_secs_f64(secs.min(1e9)) + self.options.command_timeout);
        if let Err(e) = con.set_read_timeout(timeout) {
            return Error::RemoteUnavailable(e.to_string()).into();
        }
        self.stats.forwarded.fetch_add(1, Relaxed);
        let packed = command(argv).get_packed_command();
        let result = con.send_packed_command(&packed).and_then(|()| {
            #[cfg(any(test, feature = "remote-test-hooks"))]
            if let Some(hook) = self.before_wait.lock().as_ref() {
                hook();
            }
            match held.admit_interrupts() {
                true => con.recv_response().map(Some),
                // An interrupt came first: no wait (dropping the connection ends the
                // server's).
                false => Ok(None),
            }
        });
        for k in &argv[1..] {
            self.invalidate(cache, k);
        }
        let interrupted =
            || Error::Remote("ERR the blocking wait was interrupted by a signal".into()).into();
        match result {
            Ok(Some(v)) => to_reply(v),
            Ok(None) => interrupted(),
            Err(e) if e.is_timeout() => Error::RemoteTimeout(e.to_string()).into(),
            Err(e) if signals::interrupted(&e) => interrupted(),
            Err(e) => Error::RemoteUnavailable(e.to_string()).into(),
        }
    }

    /// GET in near-cache mode, for the typed API: `f` sees the value.
    pub(crate) fn get_with<R>(
        &self,
        cache: &Cache,
        key: &[u8],
        mut f: impl FnMut(&[u8]) -> R,
    ) -> Result<Option<R>> {
        if !self.trusted() {
            if self.options.when_stale == WhenStale::ServeStale && cache.contains_local(key) {
                self.stats.stale_serves.fetch_add(1, Relaxed);
                return cache.get_with_local(key, f);
            }
            return reply_value(self.forward(cache, &[b"GET", key], None), f);
        }
        let mut fetched = false;
        let hit = |fetched: bool| {
            if !fetched {
                self.stats.local_hits.fetch_add(1, Relaxed);
            }
        };
        for _ in 0..4 {
            if let Some(v) = cache.get_with_local(key, &mut f)? {
                hit(fetched);
                return Ok(Some(v)); // a copy: right as of the last invalidation
            }
            match self.held(cache, key, &mut fetched)? {
                Held::Missing => {
                    hit(fetched);
                    return Ok(None);
                }
                Held::Remote => break,
                Held::Local => continue, // just installed (or refilled): read it
            }
        }
        reply_value(self.forward(cache, &[b"GET", key], None), f)
    }

    /// A write through the typed API: on the server, then the key's copy dropped.
    pub(crate) fn write_argv(&self, cache: &Cache, argv: &[&[u8]]) -> Result<Reply> {
        match self.write(cache, argv) {
            Reply::Error(e) => Err(Error::from_reply(e)),
            r => Ok(r),
        }
    }
}

/// A command for redis-rs from an argv.
fn command(argv: &[&[u8]]) -> redis::Cmd {
    let mut cmd = redis::cmd(&String::from_utf8_lossy(argv[0]));
    for a in &argv[1..] {
        cmd.arg(*a);
    }
    cmd
}

fn reply_value<R>(reply: Reply, mut f: impl FnMut(&[u8]) -> R) -> Result<Option<R>> {
    match reply {
        Reply::Nil => Ok(None),
        Reply::Bulk(b) => Ok(Some(f(&b))),
        Reply::Error(e) => Err(Error::from_reply(e)),
        other => Err(Error::RemoteUnavailable(format!(
            "unexpected reply to GET: {other:?}"
        ))),
    }
}

/// Makes the local copy of a fetched key; `None` when it cannot be kept (expired in
/// flight, or refused by the local memory bound): the read then goes to the server.
fn install(cache: &Cache, key: &[u8], fetched: Value, elapsed_ms: i64) -> Option<Held> {
    let Value::Array(mut parts) = fetched else {
        return None;
    };
    let kind = match parts.first() {
        Some(Value::BulkString(t)) => t.clone(),
        _ => return None,
    };
    if kind == b"none" {
        return Some(Held::Missing);
    }
    if parts.len() == 2 {
        return Some(Held::Remote); // too large to copy, or a type the engine lacks
    }
    let (Some(payload), Some(Value::Int(ttl))) = (parts.pop(), parts.get(1).cloned()) else {
        return None;
    };
    let items: Vec<Bytes> = match payload {
        Value::BulkString(b) => vec![b.into()],
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::BulkString(b) => Some(Bytes::from(b)),
                _ => None,
            })
            .collect::<Option<_>>()?,
        _ => return None,
    };
    let ttl = match ttl {
        -1 => None,
        t if t - elapsed_ms > 0 => Some(t - elapsed_ms),
        _ => return None, // expires (or expired) in flight
    };
    let mut argv: Vec<&[u8]> = Vec::with_capacity(items.len() * 2 + 2);
    let zadd_pairs: Vec<[&[u8]; 2]>;
    match &kind[..] {
        b"string" => argv.extend([&b"SET"[..], key, &items[0]]),
        b"hash" => {
            argv.extend([&b"HSET"[..], key]);
            argv.extend(items.iter().map(|b| &b[..]));
        }
        b"list" => {
            argv.extend([&b"RPUSH"[..], key]);
            argv.extend(items.iter().map(|b| &b[..]));
        }
        b"set" => {
            argv.extend([&b"SADD"[..], key]);
            argv.extend(items.iter().map(|b| &b[..]));
        }
        b"zset" => {
            argv.extend([&b"ZADD"[..], key]);
            zadd_pairs = items.chunks(2).map(|p| [&p[1][..], &p[0][..]]).collect();
            argv.extend(zadd_pairs.iter().flatten().copied());
        }
        _ => return Some(Held::Remote),
    }
    cache.del_local(key);
    if argv.len() > 2 && cache.execute_local(&argv).is_error() {
        cache.del_local(key);
        return None;
    }
    if let Some(ms) = ttl {
        let ms = ms.to_string();
        cache.execute_local(&[&b"PEXPIRE"[..], key, ms.as_bytes()]);
    }
    Some(Held::Local)
}

impl Cache {
    /// Whether this cache is a near cache ([`CacheBuilder::remote`](crate::CacheBuilder::remote)).
    pub fn is_near_cache(&self) -> bool {
        self.inner.remote.is_some()
    }

    /// The near cache's counters, or `None` without [`CacheBuilder::remote`](crate::CacheBuilder::remote).
    pub fn near_cache_stats(&self) -> Option<NearCacheStats> {
        self.inner.remote.as_ref().map(|r| r.stats())
    }

    pub(crate) fn contains_local(&self, key: &[u8]) -> bool {
        self.ks().peek(key, false, |e| e.is_some())
    }

    pub(crate) fn del_local(&self, key: &[u8]) {
        let _ = self.ks().write(key, 0, |tx| {
            if let Some(i) = tx.find(key) {
                tx.remove(i);
            }
            Ok(())
        });
    }

    /// Sets the hook that runs between a fill's fetch and its install (tests of the race).
    #[cfg(feature = "remote-test-hooks")]
    #[doc(hidden)]
    pub fn set_fill_hook(&self, hook: impl Fn(&[u8]) + Send + Sync + 'static) {
        if let Some(r) = &self.inner.remote {
            *r.before_install.lock() = Some(Box::new(hook));
        }
    }

    /// Sets the hook that runs on a blocking command's thread between its send and its
    /// wait (tests of signals that land before the wait).
    #[cfg(feature = "remote-test-hooks")]
    #[doc(hidden)]
    pub fn set_wait_hook(&self, hook: impl Fn() + Send + Sync + 'static) {
        if let Some(r) = &self.inner.remote {
            *r.before_wait.lock() = Some(Box::new(hook));
        }
    }
}

impl Remote {
    /// SET with options through the typed API.
    pub(crate) fn set_with(
        &self,
        cache: &Cache,
        key: &[u8],
        value: &[u8],
        opts: &crate::SetOptions,
    ) -> Result<crate::SetOutcome> {
        use crate::commands::{Expiry, SetCondition};
        let mut argv: Vec<Vec<u8>> = vec![b"SET".to_vec(), key.to_vec(), value.to_vec()];
        let mut push = |a: &str, n: Option<i64>| {
            argv.push(a.as_bytes().to_vec());
            if let Some(n) = n {
                argv.push(n.to_string().into_bytes());
            }
        };
        match opts.expiry {
            Some(Expiry::Ex(s)) => push("EX", Some(s)),
            Some(Expiry::Px(ms)) => push("PX", Some(ms)),
            Some(Expiry::ExAt(s)) => push("EXAT", Some(s)),
            Some(Expiry::PxAt(ms)) => push("PXAT", Some(ms)),
            Some(Expiry::KeepTtl) => push("KEEPTTL", None),
            Some(Expiry::Persist) => return Err(Error::Syntax),
            None => {}
        }
        match opts.condition {
            SetCondition::Nx => push("NX", None),
            SetCondition::Xx => push("XX", None),
            SetCondition::Always => {}
        }
        if opts.get {
            push("GET", None);
        }
        let argv: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        let reply = self.write_argv(cache, &argv)?;
        Ok(if opts.get {
            let previous: Option<Bytes> = typed::FromReply::from_reply(reply)?;
            let written = match opts.condition {
                SetCondition::Always => true,
                SetCondition::Nx => previous.is_none(),
                SetCondition::Xx => previous.is_some(),
            };
            crate::SetOutcome { written, previous }
        } else {
            crate::SetOutcome {
                written: reply != Reply::Nil,
                previous: None,
            }
        })
    }
}
