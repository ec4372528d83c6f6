//! The invalidation stream: one connection subscribed to `__redis__:invalidate`, which
//! every pool connection names in `CLIENT TRACKING on REDIRECT <id>` (RESP2 and RESP3
//! servers alike). Its thread drops the local copies of the keys the server reports, and
//! everything on a flush (a null message: FLUSHALL, FLUSHDB) or when the stream breaks.
//!
//! Liveness is the staleness bound: the thread pings when the stream has been quiet for a
//! heartbeat (a quarter of `max_staleness`) and declares it broken when the ping goes
//! unanswered for another, so a copy is never trusted longer than `max_staleness` after
//! the last moment the stream was known to work.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use redis::Value;

use super::cluster::Node;
use super::link::Fault;
use super::Remote;
use crate::cache::Inner;
use crate::Cache;

const CHANNEL: &str = "__redis__:invalidate";

/// Starts the tracker thread of one server node; it ends when the cache is dropped or
/// the node leaves the cluster's topology.
pub(crate) fn spawn(
    cache: Weak<Inner>,
    remote: Arc<Remote>,
    node: Arc<Node>,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("ferricache-tracker".into())
        .spawn(move || run(cache, remote, node))
        .map(drop)
}

fn heartbeat(remote: &Remote) -> Duration {
    (remote.options.max_staleness / 4).max(Duration::from_millis(5))
}

fn run(cache: Weak<Inner>, remote: Arc<Remote>, node: Arc<Node>) {
    super::signals::hold_for_life();
    let (first, max) = remote.options.backoff;
    let mut wait = first;
    loop {
        if cache.strong_count() == 0 || node.retired.load(Ordering::SeqCst) {
            return;
        }
        match session(&cache, &remote, &node) {
            Ok(()) => return, // the cache was dropped, or the node retired
            Err(fault) => {
                let was_up = remote.set_healthy(&node, false);
                node.link.set_redirect(0);
                if let Some(inner) = cache.upgrade() {
                    let cache = Cache::internal(inner);
                    remote.flush_local(&cache);
                    if remote.is_cluster() {
                        remote.refresh(&cache); // a failover may have moved its slots
                    }
                }
                if was_up {
                    wait = first;
                    remote.stats.reconnects.fetch_add(1, Ordering::Relaxed);
                }
                *remote.last_fault.lock() = Some(format!("{fault:?}"));
            }
        }
        std::thread::sleep(wait);
        wait = (wait * 2).min(max);
    }
}

/// One connection's life: set up, then deliver invalidations until it breaks (`Err`) or
/// the cache is dropped (`Ok`).
fn session(cache: &Weak<Inner>, remote: &Remote, node: &Node) -> Result<(), Fault> {
    let fault = |e: redis::RedisError| {
        if e.is_timeout() {
            Fault::Timeout(e.to_string())
        } else {
            Fault::Lost(e.to_string())
        }
    };
    let mut con = node.link.connect()?;
    let id: i64 = redis::cmd("CLIENT")
        .arg("ID")
        .query(&mut con)
        .map_err(fault)?;
    // BCAST is registered once, on a connection of its own that lives with this one.
    let mut owner = match &remote.options.tracking {
        super::Tracking::PerKey => None,
        super::Tracking::Broadcast(prefixes) => {
            let mut owner = node.link.connect()?;
            let mut on = redis::cmd("CLIENT");
            on.arg("TRACKING")
                .arg("on")
                .arg("REDIRECT")
                .arg(id)
                .arg("BCAST");
            for p in prefixes {
                on.arg("PREFIX").arg(&p[..]);
            }
            let _: Value = on.query(&mut owner).map_err(fault)?;
            Some(owner)
        }
    };
    let mut pubsub = con.as_pubsub();
    pubsub.subscribe(CHANNEL).map_err(fault)?;
    pubsub
        .set_read_timeout(Some(heartbeat(remote)))
        .map_err(fault)?;
    // Copies made before this stream existed may have missed invalidations.
    match cache.upgrade() {
        Some(inner) => remote.flush_local(&Cache::internal(inner)),
        None => return Ok(()),
    }
    node.link.set_redirect(id);
    remote.set_healthy(node, true);
    loop {
        match pubsub.get_message() {
            Ok(msg) => {
                let Some(inner) = cache.upgrade() else {
                    return Ok(());
                };
                let cache = Cache::internal(inner);
                match msg.get_payload::<Value>() {
                    Ok(Value::Array(keys)) => {
                        for key in keys {
                            if let Value::BulkString(key) = key {
                                remote.stats.invalidations.fetch_add(1, Ordering::Relaxed);
                                remote.invalidate(&cache, &key);
                            }
                        }
                    }
                    // A null message: the server flushed (FLUSHALL / FLUSHDB).
                    _ => remote.flush_local(&cache),
                }
            }
            Err(e) if e.is_timeout() => {
                if cache.strong_count() == 0 || node.retired.load(Ordering::SeqCst) {
                    return Ok(());
                }
                let _: Value = pubsub.ping().map_err(fault)?;
                if let Some(owner) = owner.as_mut() {
                    let _: Value = redis::cmd("PING").query(owner).map_err(fault)?;
                }
            }
            Err(e) => return Err(fault(e)),
        }
    }
}
