//! Subscriptions in near-cache mode. PUBLISH goes to the server, so subscriptions must
//! listen there: one connection (started with the first subscription) holds the union of
//! this cache's channels and patterns, and relays what the server sends to the local
//! subscribers, which keep the engine's `Subscription` API.
//!
//! A change of the local set wakes the relay, which makes the server's subscriptions match
//! before the `subscribe` call returns (within the timeouts), so a message published after
//! it is received. A lost connection is made again with backoff and every subscription
//! restored; messages published meanwhile are lost, as they are for any Redis subscriber.

use std::collections::HashSet;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::{Condvar, Mutex};

use super::link::Fault;
use super::Remote;
use crate::pubsub::{Delivery, Registry, Upstream};

const THREAD: &str = "ferricache-relay";

/// How often the relay thread looks for subscription changes between messages.
const POLL: Duration = Duration::from_millis(10);

/// How long the connection may stay silent before the relay pings it.
const PING_AFTER: Duration = Duration::from_secs(1);

pub(crate) struct Relay {
    me: Weak<Relay>,
    remote: Arc<Remote>,
    registry: Weak<Registry>,
    /// Invariant: `applied <= wanted`; `running` is set once, by the first change, when
    /// the thread starts. Waiters sleep on `done` until `applied` reaches their `wanted`.
    state: Mutex<State>,
    done: Condvar,
}

#[derive(Default)]
struct State {
    wanted: u64,
    applied: u64,
    running: bool,
}

impl Relay {
    pub(crate) fn new(remote: Arc<Remote>, registry: &Arc<Registry>) -> Arc<Relay> {
        Arc::new_cyclic(|me| Relay {
            me: me.clone(),
            remote,
            registry: Arc::downgrade(registry),
            state: Mutex::default(),
            done: Condvar::new(),
        })
    }

    fn applied(&self, generation: u64) {
        let mut st = self.state.lock();
        st.applied = st.applied.max(generation);
        self.done.notify_all();
    }
}

impl Upstream for Relay {
    fn changed(&self) {
        let mut st = self.state.lock();
        st.wanted += 1;
        let target = st.wanted;
        if !st.running {
            let Some(me) = self.me.upgrade() else { return };
            let spawned = std::thread::Builder::new()
                .name(THREAD.into())
                .spawn(move || run(me));
            if spawned.is_err() {
                return; // no thread: subscriptions stay local, as without a server
            }
            st.running = true;
        }
        if std::thread::current().name() == Some(THREAD) {
            return; // a subscriber's callback, on the relay's own thread: it syncs next
        }
        let opts = &self.remote.options;
        let deadline = Instant::now() + opts.connect_timeout + opts.command_timeout;
        while st.applied < target {
            if self.done.wait_until(&mut st, deadline).timed_out() {
                return; // the server is away: the relay subscribes once it is back
            }
        }
    }
}

fn run(relay: Arc<Relay>) {
    super::signals::hold_for_life();
    let (first, max) = relay.remote.options.backoff;
    let mut wait = first;
    while relay.registry.strong_count() > 0 {
        match session(&relay) {
            Ok(()) => return,
            Err(_) => {
                std::thread::sleep(wait);
                wait = (wait * 2).min(max);
            }
        }
    }
}

/// One connection's life: subscribe to what is wanted, relay messages, follow changes;
/// `Ok` once the cache is gone.
fn session(relay: &Relay) -> Result<(), Fault> {
    let lost = |e: redis::RedisError| Fault::Lost(e.to_string());
    let node = relay.remote.any_node();
    let mut con = node.link.connect()?;
    let mut ps = con.as_pubsub();
    ps.set_read_timeout(Some(POLL)).map_err(lost)?;
    let (mut channels, mut patterns) = (HashSet::<Bytes>::new(), HashSet::<Bytes>::new());
    let mut synced = None;
    let mut heard = Instant::now();
    loop {
        let wanted = relay.state.lock().wanted;
        if synced != Some(wanted) {
            let Some(registry) = relay.registry.upgrade() else {
                return Ok(());
            };
            let (want_c, want_p) = registry.names();
            drop(registry);
            let (want_c, want_p): (HashSet<Bytes>, HashSet<Bytes>) =
                (want_c.into_iter().collect(), want_p.into_iter().collect());
            for c in want_c.difference(&channels) {
                ps.subscribe(&c[..]).map_err(lost)?;
            }
            for c in channels.difference(&want_c) {
                ps.unsubscribe(&c[..]).map_err(lost)?;
            }
            for p in want_p.difference(&patterns) {
                ps.psubscribe(&p[..]).map_err(lost)?;
            }
            for p in patterns.difference(&want_p) {
                ps.punsubscribe(&p[..]).map_err(lost)?;
            }
            (channels, patterns) = (want_c, want_p);
            synced = Some(wanted);
            relay.applied(wanted);
        }
        match ps.get_message() {
            Ok(msg) => {
                heard = Instant::now();
                let Some(registry) = relay.registry.upgrade() else {
                    return Ok(());
                };
                let payload = Bytes::copy_from_slice(msg.get_payload_bytes());
                let channel: Vec<u8> = msg.get_channel().map_err(lost)?;
                let to = if msg.from_pattern() {
                    let pattern: Vec<u8> = msg.get_pattern().map_err(lost)?;
                    Delivery::Pattern(pattern.into())
                } else {
                    Delivery::Channel
                };
                registry.deliver(&channel, &payload, to);
            }
            Err(e) if e.is_timeout() => {
                if relay.registry.strong_count() == 0 {
                    return Ok(());
                }
                if heard.elapsed() > PING_AFTER {
                    let _: redis::Value = ps.ping().map_err(lost)?;
                    heard = Instant::now();
                }
            }
            Err(e) => return Err(lost(e)),
        }
    }
}
