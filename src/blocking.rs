//! Blocking pops (BLPOP, BRPOP, BLMOVE, BZPOPMIN, ...): waiters queue per key, first come
//! first served, and a push serves them directly under the shard lock it already holds.
//!
//! A waiter may wait on several keys, so it is registered on each; whoever first *claims* it
//! (a pusher with an element for it, or its own timeout) decides, and every other
//! registration is dropped. A claimed waiter still in a queue is skipped and removed by the
//! next push, and a waiter that times out removes itself from every queue, so nothing of it
//! stays behind. Nothing polls: the waiting thread sleeps on a condition variable, and an
//! optional callback lets an async runtime be woken instead.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use bytes::Bytes;
use parking_lot::{Condvar, Mutex};

/// What a waiter takes when it is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Take {
    /// The head of a list (BLPOP, BLMOVE ... LEFT).
    ListHead,
    /// The tail of a list (BRPOP, BLMOVE ... RIGHT).
    ListTail,
    /// The lowest-scored member of a sorted set (BZPOPMIN).
    ZMin,
    /// The highest-scored member (BZPOPMAX).
    ZMax,
}

/// What a served waiter received: the key it came from, the element, and its score for
/// sorted sets.
#[derive(Debug, Clone)]
pub(crate) struct Served {
    pub key: Bytes,
    pub element: Bytes,
    pub score: f64,
}

pub(crate) struct Waiter {
    pub take: Take,
    claimed: AtomicBool,
    served: Mutex<Option<Served>>,
    ready: Condvar,
}

impl Waiter {
    pub fn new(take: Take) -> Waiter {
        Waiter {
            take,
            claimed: AtomicBool::new(false),
            served: Mutex::new(None),
            ready: Condvar::new(),
        }
    }

    /// Claims the waiter; true for the one caller that got it.
    pub fn claim(&self) -> bool {
        !self.claimed.swap(true, Ordering::AcqRel)
    }

    pub fn is_claimed(&self) -> bool {
        self.claimed.load(Ordering::Acquire)
    }

    /// Hands over an element; only after a successful [`Waiter::claim`].
    pub fn serve(&self, served: Served) {
        *self.served.lock() = Some(served);
        self.ready.notify_all();
    }

    /// Sleeps until served or `deadline` (`None`: forever). On timeout the waiter claims
    /// itself, so no pusher can serve it afterwards; if a pusher claimed it first, its
    /// element is on the way and is waited for.
    pub fn wait(&self, mut deadline: Option<Instant>) -> Option<Served> {
        let mut served = self.served.lock();
        loop {
            if let Some(s) = served.take() {
                return Some(s);
            }
            match deadline {
                None => self.ready.wait(&mut served),
                Some(d) => {
                    if self.ready.wait_until(&mut served, d).timed_out() && served.is_none() {
                        if self.claim() {
                            return None;
                        }
                        // A pusher claimed us as time ran out: its element is on the way.
                        deadline = None;
                    }
                }
            }
        }
    }
}
