//! Blocking pops without blocking: the engine calls back (through a thread-safe function,
//! from whichever thread pushed) when the element is there; JavaScript then takes it.

use ferricache::{PopWaiter, Served, Take};
use napi::bindgen_prelude::Unknown;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;
use std::sync::Mutex;

use crate::reply::{text, JsReply};

/// A callback from JavaScript that the engine may call from any thread.
pub type Notify = ThreadsafeFunction<(), Unknown<'static>, (), Status, false>;

/// A blocking pop in progress (see `Cache.brPop` in `client.js`).
#[napi]
pub struct NativeWaiter {
    waiter: Mutex<Option<PopWaiter>>,
    zset: bool,
    buffers: bool,
}

impl NativeWaiter {
    pub fn new(waiter: PopWaiter, take: Take, buffers: bool, ready: Notify) -> NativeWaiter {
        // Called once, on the pushing thread: it only queues a call on the JS thread.
        waiter.on_ready(move || {
            ready.call((), ThreadsafeFunctionCallMode::NonBlocking);
        });
        NativeWaiter {
            waiter: Mutex::new(Some(waiter)),
            zset: matches!(take, Take::ZMin | Take::ZMax),
            buffers,
        }
    }

    fn take(&self) -> Option<Served> {
        let mut w = self.waiter.lock().unwrap_or_else(|p| p.into_inner());
        let served = w.as_ref()?.try_take();
        if served.is_some() {
            // Done: dropping the waiter releases the callback (and its hold on the loop).
            *w = None;
        }
        served
    }
}

#[napi]
impl NativeWaiter {
    /// `[key, element]` (or `[key, member, score]`) if it has arrived, else null.
    #[napi]
    pub fn try_take(&self) -> Option<Vec<JsReply>> {
        let s = self.take()?;
        let mut out = vec![text(&s.key, self.buffers), text(&s.element, self.buffers)];
        if self.zset {
            out.push(JsReply::Str(ferricache::format_score(s.score)));
        }
        Some(out)
    }

    /// Gives up: leaves every queue; an element already served goes back.
    #[napi]
    pub fn cancel(&self) {
        self.waiter.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}
