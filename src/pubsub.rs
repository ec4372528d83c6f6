//! Pub/sub with Redis's semantics: PUBLISH returns how many subscriptions received the
//! message, patterns match as Redis's glob, and a subscriber on both a channel and a
//! matching pattern gets the message twice (once as `message`, once as `pmessage`).
//!
//! Each subscriber has a bounded queue. Publishers never wait for subscribers: a subscriber
//! whose queue is full is disconnected, as Redis disconnects a client over its pub/sub
//! output-buffer limit. It keeps the messages already queued, then
//! [`Subscription::recv_timeout`] reports [`Error::Disconnected`](crate::Error). What that
//! drops is counted in [`Stats`](crate::Stats).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hashbrown::HashMap;
use parking_lot::{Condvar, Mutex, RwLock};

use crate::error::{Error, Result};
use crate::glob::glob_match;

/// Messages a subscriber may have queued before it is disconnected (the default).
pub const DEFAULT_QUEUE_LIMIT: usize = 65_536;

/// A message delivered to a subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The pattern that matched (`pmessage`), `None` for a channel subscription (`message`).
    pub pattern: Option<Bytes>,
    /// The channel it was published on.
    pub channel: Bytes,
    /// The payload.
    pub payload: Bytes,
}

type Notify = Box<dyn Fn() + Send + Sync>;

struct Subscriber {
    queue: Mutex<VecDeque<Message>>,
    ready: Condvar,
    limit: usize,
    /// Set once the queue overflowed; the subscriber then receives nothing more.
    disconnected: AtomicBool,
    notify: Mutex<Option<Notify>>,
}

impl Subscriber {
    /// Queues a message; false if the subscriber is (now) disconnected.
    fn deliver(&self, msg: Message) -> bool {
        if self.disconnected.load(Ordering::Acquire) {
            return false;
        }
        {
            let mut q = self.queue.lock();
            if q.len() >= self.limit {
                self.disconnected.store(true, Ordering::Release);
                drop(q);
                self.ready.notify_all();
                return false;
            }
            q.push_back(msg);
        }
        self.ready.notify_one();
        if let Some(f) = &*self.notify.lock() {
            f();
        }
        true
    }
}

/// Where a cache's subscriptions also live when it has a server (near-cache mode): told
/// after each change to the set of subscribed channels and patterns, it makes the server's
/// subscriptions match (see [`Registry::names`]) before it returns, and delivers what the
/// server sends with [`Registry::deliver`].
pub(crate) trait Upstream: Send + Sync {
    fn changed(&self);
}

/// Channel and pattern subscriptions of one cache.
#[derive(Default)]
pub(crate) struct Registry {
    /// Subscribers by channel. Invariant: no empty vectors.
    channels: RwLock<HashMap<Bytes, Vec<Arc<Subscriber>>, ahash::RandomState>>,
    /// Pattern subscriptions, in subscription order.
    patterns: RwLock<Vec<(Bytes, Arc<Subscriber>)>>,
    pub dropped: AtomicU64,
    pub disconnected: AtomicU64,
    /// Set once, at build, in near-cache mode.
    pub upstream: std::sync::OnceLock<Arc<dyn Upstream>>,
}

impl Registry {
    /// PUBLISH: delivers to every matching subscription; returns how many received it.
    /// Subscribers are collected under the read locks and served after they are released,
    /// so a subscriber's callback may subscribe or publish in turn.
    pub fn publish(&self, channel: &[u8], payload: &Bytes) -> usize {
        self.deliver(channel, payload, Delivery::All)
    }

    /// Delivers a message to this cache's subscriptions: every matching one (a local
    /// PUBLISH), or, for a message relayed from a server, the channel's subscribers
    /// (`message`) or one pattern's (`pmessage`).
    pub fn deliver(&self, channel: &[u8], payload: &Bytes, to: Delivery) -> usize {
        let channel_b = Bytes::copy_from_slice(channel);
        let mut targets: Vec<(Option<Bytes>, Arc<Subscriber>)> = Vec::new();
        if let Delivery::All | Delivery::Channel = to {
            if let Some(subs) = self.channels.read().get(channel) {
                targets.extend(subs.iter().map(|s| (None, s.clone())));
            }
        }
        for (p, s) in self.patterns.read().iter() {
            let wanted = match &to {
                Delivery::All => glob_match(p, channel),
                Delivery::Channel => false,
                Delivery::Pattern(q) => p == q,
            };
            if wanted {
                targets.push((Some(p.clone()), s.clone()));
            }
        }
        let mut received = 0;
        for (pattern, s) in targets {
            let msg = Message {
                pattern,
                channel: channel_b.clone(),
                payload: payload.clone(),
            };
            if s.deliver(msg) {
                received += 1;
            } else {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                self.disconnect(&s);
            }
        }
        received
    }

    /// The channels and the patterns subscribed to now (each once).
    #[cfg_attr(not(feature = "remote"), allow(dead_code))]
    pub fn names(&self) -> (Vec<Bytes>, Vec<Bytes>) {
        let channels = self.channels.read().keys().cloned().collect();
        let mut patterns: Vec<Bytes> = self
            .patterns
            .read()
            .iter()
            .map(|(p, _)| p.clone())
            .collect();
        patterns.sort();
        patterns.dedup();
        (channels, patterns)
    }

    /// Tells the upstream, if any, that the subscriptions changed (no lock held).
    fn changed(&self) {
        if let Some(up) = self.upstream.get() {
            up.changed();
        }
    }

    /// Removes every subscription of a subscriber whose queue overflowed (once).
    fn disconnect(&self, s: &Arc<Subscriber>) {
        let mut chans = self.channels.write();
        let before: usize = chans.values().map(Vec::len).sum();
        chans.retain(|_, v| {
            v.retain(|x| !Arc::ptr_eq(x, s));
            !v.is_empty()
        });
        let after: usize = chans.values().map(Vec::len).sum();
        drop(chans);
        let mut pats = self.patterns.write();
        let pbefore = pats.len();
        pats.retain(|(_, x)| !Arc::ptr_eq(x, s));
        if before != after || pbefore != pats.len() {
            self.disconnected.fetch_add(1, Ordering::Relaxed);
            drop(pats);
            self.changed();
        }
    }

    fn subscribe(&self, s: &Arc<Subscriber>, channel: Bytes) {
        let mut chans = self.channels.write();
        let subs = chans.entry(channel).or_default();
        let first = subs.is_empty();
        if !subs.iter().any(|x| Arc::ptr_eq(x, s)) {
            subs.push(s.clone());
        }
        drop(chans);
        if first {
            self.changed();
        }
    }

    fn unsubscribe(&self, s: &Arc<Subscriber>, channel: &[u8]) {
        let mut chans = self.channels.write();
        let mut last = false;
        if let Some(subs) = chans.get_mut(channel) {
            subs.retain(|x| !Arc::ptr_eq(x, s));
            if subs.is_empty() {
                chans.remove(channel);
                last = true;
            }
        }
        drop(chans);
        if last {
            self.changed();
        }
    }

    fn psubscribe(&self, s: &Arc<Subscriber>, pattern: Bytes) {
        let mut pats = self.patterns.write();
        let first = !pats.iter().any(|(p, _)| *p == pattern);
        if !pats.iter().any(|(p, x)| *p == pattern && Arc::ptr_eq(x, s)) {
            pats.push((pattern, s.clone()));
        }
        drop(pats);
        if first {
            self.changed();
        }
    }

    fn punsubscribe(&self, s: &Arc<Subscriber>, pattern: &[u8]) {
        let mut pats = self.patterns.write();
        pats.retain(|(p, x)| !(&p[..] == pattern && Arc::ptr_eq(x, s)));
        let last = !pats.iter().any(|(p, _)| &p[..] == pattern);
        drop(pats);
        if last {
            self.changed();
        }
    }

    /// PUBSUB CHANNELS pattern: channels with at least one subscriber.
    pub fn channels(&self, pattern: Option<&[u8]>) -> Vec<Bytes> {
        self.channels
            .read()
            .keys()
            .filter(|c| pattern.is_none_or(|p| glob_match(p, c)))
            .cloned()
            .collect()
    }

    /// PUBSUB NUMSUB: subscribers of each channel (patterns not counted).
    pub fn numsub(&self, channel: &[u8]) -> usize {
        self.channels.read().get(channel).map_or(0, Vec::len)
    }

    /// PUBSUB NUMPAT: pattern subscriptions in all.
    pub fn numpat(&self) -> usize {
        self.patterns.read().len()
    }
}

/// Which of a cache's subscriptions a message goes to.
#[cfg_attr(not(feature = "remote"), allow(dead_code))]
pub(crate) enum Delivery {
    /// Every subscription that matches (a local PUBLISH).
    All,
    /// The channel's subscribers only (a server's `message`).
    Channel,
    /// This pattern's subscribers only (a server's `pmessage`).
    Pattern(Bytes),
}

/// A subscriber: the channels and patterns it listens to and the queue of what it received.
/// Dropping it unsubscribes from everything.
///
/// ```
/// use ferricache::Cache;
/// use std::time::Duration;
///
/// let cache = Cache::new();
/// let mut sub = cache.subscriber();
/// sub.subscribe(["quotes:TATA"]);
/// sub.psubscribe(["quotes:*"]);
/// assert_eq!(cache.publish("quotes:TATA", "912.5").unwrap(), 2);
/// let first = sub.recv_timeout(Duration::from_secs(1)).unwrap().unwrap();
/// assert_eq!((first.pattern, &first.payload[..]), (None, &b"912.5"[..]));
/// let second = sub.try_recv().unwrap().unwrap();
/// assert_eq!(second.pattern.as_deref(), Some(&b"quotes:*"[..]));
/// ```
pub struct Subscription {
    registry: Arc<Registry>,
    sub: Arc<Subscriber>,
    channels: Vec<Bytes>,
    patterns: Vec<Bytes>,
}

impl Subscription {
    pub(crate) fn new(registry: Arc<Registry>, limit: usize) -> Subscription {
        Subscription {
            registry,
            sub: Arc::new(Subscriber {
                queue: Mutex::new(VecDeque::new()),
                ready: Condvar::new(),
                limit,
                disconnected: AtomicBool::new(false),
                notify: Mutex::new(None),
            }),
            channels: Vec::new(),
            patterns: Vec::new(),
        }
    }

    /// SUBSCRIBE channel ...
    pub fn subscribe<C: Into<Bytes>>(&mut self, channels: impl IntoIterator<Item = C>) {
        for c in channels {
            let c = c.into();
            if !self.channels.contains(&c) {
                self.registry.subscribe(&self.sub, c.clone());
                self.channels.push(c);
            }
        }
    }

    /// PSUBSCRIBE pattern ... (Redis's glob patterns).
    pub fn psubscribe<P: Into<Bytes>>(&mut self, patterns: impl IntoIterator<Item = P>) {
        for p in patterns {
            let p = p.into();
            if !self.patterns.contains(&p) {
                self.registry.psubscribe(&self.sub, p.clone());
                self.patterns.push(p);
            }
        }
    }

    /// UNSUBSCRIBE channel ... (all channels when given none).
    pub fn unsubscribe<C: AsRef<[u8]>>(&mut self, channels: &[C]) {
        let all = channels.is_empty();
        let registry = &self.registry;
        let sub = &self.sub;
        self.channels.retain(|c| {
            let go = all || channels.iter().any(|x| x.as_ref() == &c[..]);
            if go {
                registry.unsubscribe(sub, c);
            }
            !go
        });
    }

    /// PUNSUBSCRIBE pattern ... (all patterns when given none).
    pub fn punsubscribe<P: AsRef<[u8]>>(&mut self, patterns: &[P]) {
        let all = patterns.is_empty();
        let registry = &self.registry;
        let sub = &self.sub;
        self.patterns.retain(|p| {
            let go = all || patterns.iter().any(|x| x.as_ref() == &p[..]);
            if go {
                registry.punsubscribe(sub, p);
            }
            !go
        });
    }

    /// The channels and patterns subscribed to, in all.
    pub fn subscriptions(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    fn take(&self, q: &mut VecDeque<Message>) -> Result<Option<Message>> {
        match q.pop_front() {
            Some(m) => Ok(Some(m)),
            None if self.sub.disconnected.load(Ordering::Acquire) => Err(Error::Disconnected),
            None => Ok(None),
        }
    }

    /// The next message, without waiting; `None` if there is none.
    /// `Err(Disconnected)` once the queue overflowed and has been drained.
    pub fn try_recv(&self) -> Result<Option<Message>> {
        self.take(&mut self.sub.queue.lock())
    }

    /// The next message, waiting up to `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Option<Message>> {
        let deadline = Instant::now() + timeout;
        let mut q = self.sub.queue.lock();
        loop {
            if let Some(m) = self.take(&mut q)? {
                return Ok(Some(m));
            }
            if self.sub.ready.wait_until(&mut q, deadline).timed_out() {
                return self.take(&mut q);
            }
        }
    }

    /// Messages as they come, blocking between them; ends when disconnected.
    pub fn iter(&self) -> impl Iterator<Item = Message> + '_ {
        std::iter::from_fn(move || loop {
            match self.recv_timeout(Duration::from_secs(3600)) {
                Ok(Some(m)) => return Some(m),
                Ok(None) => continue,
                Err(_) => return None,
            }
        })
    }

    /// Calls `f` each time a message is queued, on the publishing thread: it should only
    /// wake something (an event loop, a future), which then drains with
    /// [`Subscription::try_recv`].
    pub fn on_message(&self, f: impl Fn() + Send + Sync + 'static) {
        *self.sub.notify.lock() = Some(Box::new(f));
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.unsubscribe::<&[u8]>(&[]);
        self.punsubscribe::<&[u8]>(&[]);
    }
}
