//! Near-cache mode at the JavaScript boundary: the remote options, commands that try the
//! local copies first without waiting (`executeNoWait`, `undefined` when the server is
//! needed) and commands run on the libuv thread pool (`executeAsync`), so that the promise
//! client never blocks the event loop.

use std::time::Duration;

use ferricache::{Cache, CacheBuilder, RemoteOptions, Reply, WhenStale};
use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Error, Result, Task};
use napi_derive::napi;

use crate::cache::NativeCache;
use crate::reply::{arg_bytes, to_js, Arg, JsReply};

/// Near-cache mode's settings, beside the engine options (all optional but `remote`).
#[napi(object)]
#[derive(Default)]
pub struct RemoteSettings {
    /// The server's URL: redis:// or rediss://, or any node of a Redis Cluster.
    pub remote: Option<String>,
    /// Keep local copies only of keys under these prefixes.
    pub local_prefixes: Option<Vec<String>>,
    /// The largest string kept locally, in bytes.
    pub max_value_bytes: Option<u32>,
    /// The most elements of a collection kept locally.
    pub max_elements: Option<u32>,
    /// Seconds after which copies are not trusted if the invalidation stream is silent.
    pub max_staleness: Option<f64>,
    /// "fail_fast" (the default) or "serve_stale".
    pub when_stale: Option<String>,
    /// Seconds.
    pub connect_timeout: Option<f64>,
    /// Seconds.
    pub command_timeout: Option<f64>,
    /// Connections per server node.
    pub pool_size: Option<u32>,
    /// Seconds a cross-process loader holds its key's fill lock.
    pub fill_lock_ttl: Option<f64>,
    /// PEM text of the CA that signed the server's certificate (rediss://).
    pub tls_root_certificate: Option<String>,
}

fn secs(v: f64, what: &str) -> Result<Duration> {
    Duration::try_from_secs_f64(v)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| Error::from_reason(format!("{what} must be a positive number of seconds")))
}

/// Adds the remote settings to a builder (nothing without `remote`).
pub fn configure(b: CacheBuilder, s: RemoteSettings) -> Result<CacheBuilder> {
    let Some(url) = s.remote else {
        return Ok(b);
    };
    let mut o = RemoteOptions::new();
    if let Some(p) = s.local_prefixes {
        o = o.local_prefixes(p);
    }
    if let Some(n) = s.max_value_bytes {
        o = o.max_value_bytes(n as usize);
    }
    if let Some(n) = s.max_elements {
        o = o.max_elements(n as usize);
    }
    if let Some(t) = s.max_staleness {
        o = o.max_staleness(secs(t, "maxStaleness")?);
    }
    if let Some(w) = s.when_stale {
        o = o.when_stale(match w.as_str() {
            "fail_fast" => WhenStale::FailFast,
            "serve_stale" => WhenStale::ServeStale,
            _ => {
                return Err(Error::from_reason(format!(
                    "whenStale must be 'fail_fast' or 'serve_stale', not {w:?}"
                )))
            }
        });
    }
    if let Some(t) = s.connect_timeout {
        o = o.connect_timeout(secs(t, "connectTimeout")?);
    }
    if let Some(t) = s.command_timeout {
        o = o.command_timeout(secs(t, "commandTimeout")?);
    }
    if let Some(n) = s.pool_size {
        o = o.pool_size(n as usize);
    }
    if let Some(t) = s.fill_lock_ttl {
        o = o.fill_lock_ttl(secs(t, "fillLockTtl")?);
    }
    if let Some(pem) = s.tls_root_certificate {
        o = o.tls_root_certificate(pem.into_bytes());
    }
    Ok(b.remote(url).remote_options(o))
}

/// A command run on the libuv thread pool.
pub struct Execute {
    cache: Cache,
    argv: Vec<Vec<u8>>,
    buffers: bool,
}

impl Task for Execute {
    type Output = Reply;
    type JsValue = JsReply;

    fn compute(&mut self) -> Result<Reply> {
        let argv: Vec<&[u8]> = self.argv.iter().map(Vec::as_slice).collect();
        Ok(self.cache.execute_slices(&argv))
    }

    fn resolve(&mut self, _env: Env, reply: Reply) -> Result<JsReply> {
        to_js(reply, self.buffers)
    }
}

/// Near-cache mode's counters.
#[napi(object)]
pub struct NearCacheStats {
    pub local_hits: f64,
    pub round_trips_saved: f64,
    pub fetches: f64,
    pub negative_hits: f64,
    pub forwarded: f64,
    pub invalidations: f64,
    pub flushes: f64,
    pub discarded_fills: f64,
    pub stale_serves: f64,
    pub reconnects: f64,
    pub connected: bool,
    pub nodes: u32,
}

#[napi]
impl NativeCache {
    /// Whether this cache is a near cache (made with `remote`).
    #[napi(getter)]
    pub fn is_near_cache(&self) -> bool {
        self.engine().is_near_cache()
    }

    /// Near-cache mode's counters (null without `remote`).
    #[napi]
    pub fn near_cache_stats(&self) -> Option<NearCacheStats> {
        self.engine().near_cache_stats().map(|s| NearCacheStats {
            local_hits: s.local_hits as f64,
            round_trips_saved: s.round_trips_saved as f64,
            fetches: s.fetches as f64,
            negative_hits: s.negative_hits as f64,
            forwarded: s.forwarded as f64,
            invalidations: s.invalidations as f64,
            flushes: s.flushes as f64,
            discarded_fills: s.discarded_fills as f64,
            stale_serves: s.stale_serves as f64,
            reconnects: s.reconnects as f64,
            connected: s.connected,
            nodes: s.nodes as u32,
        })
    }

    /// Any command as argv, answered only if no round trip is needed (a hit, or a
    /// command the local engine answers); otherwise `undefined`, having done nothing (no
    /// exception: making one costs more than the hit it replaces).
    #[napi]
    pub fn execute_no_wait(&self, args: Vec<Arg>, buffers: Option<bool>) -> Result<JsReply> {
        let argv: Vec<&[u8]> = args.iter().map(arg_bytes).collect();
        let reply = self
            .engine()
            .without_waiting(|| self.engine().execute_slices(&argv));
        if let Reply::Error(e) = &reply {
            if matches!(
                ferricache::Error::from_reply_text(e),
                ferricache::Error::WouldBlock
            ) {
                return Ok(JsReply::Undefined);
            }
        }
        to_js(reply, buffers.unwrap_or(false))
    }

    /// Any command as argv (blocking ones included), run on the libuv thread pool; a
    /// promise of its reply.
    #[napi]
    pub fn execute_async(&self, args: Vec<Arg>, buffers: Option<bool>) -> AsyncTask<Execute> {
        AsyncTask::new(Execute {
            cache: self.engine().clone(),
            argv: args.iter().map(|a| arg_bytes(a).to_vec()).collect(),
            buffers: buffers.unwrap_or(false),
        })
    }
}
