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

/// What a blocking pop takes when it is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// The head of a list (BLPOP, BLMOVE ... LEFT).
    ListHead,
    /// The tail of a list (BRPOP, BLMOVE ... RIGHT).
    ListTail,
    /// The lowest-scored member of a sorted set (BZPOPMIN).
    ZMin,
    /// The highest-scored member (BZPOPMAX).
    ZMax,
}

/// What a served blocking pop received.
#[derive(Debug, Clone, PartialEq)]
pub struct Served {
    /// The key the element came from.
    pub key: Bytes,
    /// The list element or sorted-set member.
    pub element: Bytes,
    /// The member's score (sorted sets; 0 for lists).
    pub score: f64,
}

type Notify = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct State {
    served: Option<Served>,
    notify: Option<Notify>,
}

pub(crate) struct Waiter {
    pub take: Take,
    claimed: AtomicBool,
    state: Mutex<State>,
    ready: Condvar,
}

impl Waiter {
    pub fn new(take: Take) -> Waiter {
        Waiter {
            take,
            claimed: AtomicBool::new(false),
            state: Mutex::new(State::default()),
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

    /// Hands over an element; only after a successful [`Waiter::claim`]. Wakes the waiting
    /// thread and runs the callback set by [`Waiter::on_ready`], if any.
    pub fn serve(&self, served: Served) {
        let notify = {
            let mut st = self.state.lock();
            st.served = Some(served);
            st.notify.take()
        };
        self.ready.notify_all();
        if let Some(f) = notify {
            f();
        }
    }

    /// Runs `f` once an element is here: now if it already is, else from [`Waiter::serve`].
    pub fn on_ready(&self, f: Notify) {
        let mut st = self.state.lock();
        if st.served.is_some() {
            drop(st);
            f();
        } else {
            st.notify = Some(f);
        }
    }

    /// The element, if served and not yet taken.
    pub fn try_take(&self) -> Option<Served> {
        self.state.lock().served.take()
    }

    /// Waits until served or `until`, without giving up: on timeout the waiter stays
    /// queued, so a caller can wait in slices (to check for signals between them).
    pub fn wait_a_while(&self, until: Instant) -> Option<Served> {
        let mut st = self.state.lock();
        loop {
            if let Some(s) = st.served.take() {
                return Some(s);
            }
            if self.ready.wait_until(&mut st, until).timed_out() {
                return st.served.take();
            }
        }
    }

    /// Sleeps until served or `deadline` (`None`: forever). On timeout the waiter claims
    /// itself, so no pusher can serve it afterwards; if a pusher claimed it first, its
    /// element is on the way and is waited for.
    pub fn wait(&self, mut deadline: Option<Instant>) -> Option<Served> {
        let mut st = self.state.lock();
        loop {
            if let Some(s) = st.served.take() {
                return Some(s);
            }
            match deadline {
                None => self.ready.wait(&mut st),
                Some(d) => {
                    if self.ready.wait_until(&mut st, d).timed_out() && st.served.is_none() {
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
