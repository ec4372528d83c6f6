//! A subscription whose messages wake the JS thread through a thread-safe function.

use ferricache::Subscription;
use napi::threadsafe_function::ThreadsafeFunctionCallMode;
use napi_derive::napi;
use std::sync::Mutex;

use crate::reply::{arg_bytes, arg_owned, text, Arg, JsReply};
use crate::waiter::Notify;

/// One subscriber. While it has subscriptions its callback keeps the process alive, as a
/// node-redis subscriber connection does; `close` releases it.
#[napi]
pub struct NativeSubscriber {
    sub: Mutex<Option<Subscription>>,
    buffers: bool,
}

impl NativeSubscriber {
    pub fn new(sub: Subscription, buffers: bool, ready: Notify) -> NativeSubscriber {
        sub.on_message(move || {
            ready.call((), ThreadsafeFunctionCallMode::NonBlocking);
        });
        NativeSubscriber {
            sub: Mutex::new(Some(sub)),
            buffers,
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Subscription) -> R) -> napi::Result<R> {
        let mut guard = self.sub.lock().unwrap_or_else(|p| p.into_inner());
        let sub = guard
            .as_mut()
            .ok_or_else(|| napi::Error::from_reason("The client is closed"))?;
        Ok(f(sub))
    }
}

#[napi]
impl NativeSubscriber {
    #[napi]
    pub fn subscribe(&self, channels: Vec<Arg>) -> napi::Result<()> {
        self.with(|s| s.subscribe(channels.into_iter().map(arg_owned)))
    }

    #[napi]
    pub fn psubscribe(&self, patterns: Vec<Arg>) -> napi::Result<()> {
        self.with(|s| s.psubscribe(patterns.into_iter().map(arg_owned)))
    }

    /// Unsubscribes from these channels (all when empty).
    #[napi]
    pub fn unsubscribe(&self, channels: Vec<Arg>) -> napi::Result<()> {
        let names: Vec<&[u8]> = channels.iter().map(arg_bytes).collect();
        self.with(|s| s.unsubscribe(&names))
    }

    #[napi]
    pub fn punsubscribe(&self, patterns: Vec<Arg>) -> napi::Result<()> {
        let names: Vec<&[u8]> = patterns.iter().map(arg_bytes).collect();
        self.with(|s| s.punsubscribe(&names))
    }

    /// Channels and patterns subscribed to.
    #[napi]
    pub fn subscriptions(&self) -> napi::Result<u32> {
        self.with(|s| s.subscriptions() as u32)
    }

    /// The queued messages as `[pattern | null, channel, message]` triples.
    #[napi]
    pub fn drain(&self) -> napi::Result<Vec<Vec<JsReply>>> {
        let buffers = self.buffers;
        self.with(|s| {
            let mut out = Vec::new();
            while let Ok(Some(m)) = s.try_recv() {
                out.push(vec![
                    m.pattern.map_or(JsReply::Nil, |p| text(&p, buffers)),
                    text(&m.channel, buffers),
                    text(&m.payload, buffers),
                ]);
            }
            out
        })
    }

    /// Unsubscribes from everything and releases the callback, so that the process may
    /// exit.
    #[napi]
    pub fn close(&self) {
        self.sub.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}
