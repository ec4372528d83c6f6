//! Pub/sub from C: publish, and a subscriber that delivers by callback (on a thread of its
//! own) or by polling.

use std::ffi::c_void;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use ferricache::{Message, Subscription};
use parking_lot::{Condvar, Mutex, RwLock};

use crate::cache::fc_cache;
use crate::ptr::{bytes, get, out, out_required};
use crate::status::{fc_status, guard, Fail};

/// A message as C sees it: borrowed bytes, valid while the message is (see
/// `fc_subscriber_poll` and `fc_message_cb`).
#[repr(C)]
#[derive(Debug)]
pub struct fc_message {
    /// The channel it was published on.
    pub channel: *const u8,
    /// Length of `channel`.
    pub channel_len: usize,
    /// The pattern that matched, for a pattern subscription; NULL for a channel one.
    pub pattern: *const u8,
    /// Length of `pattern` (0 when NULL).
    pub pattern_len: usize,
    /// The payload.
    pub payload: *const u8,
    /// Length of `payload`.
    pub payload_len: usize,
}

/// A polled message: the C view first, then the bytes it points into.
#[repr(C)]
struct OwnedMessage {
    view: fc_message,
    _keep: Message,
}

fn view(m: &Message) -> fc_message {
    let (pattern, pattern_len) = match &m.pattern {
        Some(p) => (p.as_ptr(), p.len()),
        None => (std::ptr::null(), 0),
    };
    fc_message {
        channel: m.channel.as_ptr(),
        channel_len: m.channel.len(),
        pattern,
        pattern_len,
        payload: m.payload.as_ptr(),
        payload_len: m.payload.len(),
    }
}

/// Called with each message on the subscriber's delivery thread. `message` is valid only
/// during the call; `userdata` is the pointer given to `fc_subscriber_set_callback`. It
/// must not unwind (throw) and should return quickly: messages queue behind it.
pub type fc_message_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, message: *const fc_message)>;

/// The pointer the caller handed over for its callback.
struct UserData(*mut c_void);
// SAFETY: `fc_subscriber_set_callback` documents that `userdata` is used from the delivery
// thread; the caller promises it may be.
unsafe impl Send for UserData {}

/// Wakes the delivery thread: `(pending, stop)`.
#[derive(Default)]
struct Wake {
    state: Mutex<(bool, bool)>,
    cv: Condvar,
}

struct Listener {
    wake: Arc<Wake>,
    thread: JoinHandle<()>,
}

/// An opaque subscriber. Its functions may be called from any thread; subscribing waits
/// for a `fc_subscriber_poll` in progress on another thread.
pub struct fc_subscriber {
    /// Read-locked to receive, write-locked to change subscriptions.
    sub: Arc<RwLock<Subscription>>,
    /// The callback's delivery thread, if one is set.
    listener: Mutex<Option<Listener>>,
}

impl fc_subscriber {
    fn stop_listener(&self) {
        if let Some(l) = self.listener.lock().take() {
            self.sub.read().on_message(|| {});
            l.wake.state.lock().1 = true;
            l.wake.cv.notify_one();
            let _ = l.thread.join();
        }
    }
}

/// Creates a subscriber on `cache`, released with `fc_subscriber_free`.
///
/// # Safety
/// `cache` is a live handle; `out` is a valid place for a pointer.
#[no_mangle]
pub unsafe extern "C" fn fc_subscriber_new(
    cache: *mut fc_cache,
    out: *mut *mut fc_subscriber,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract each pointer is NULL or valid for its use.
        let (cache, out) = unsafe { (get(cache, "cache")?, out_required(out, "out")?) };
        let sub = Arc::new(RwLock::new(cache.cache.subscriber()));
        *out = Box::into_raw(Box::new(fc_subscriber {
            sub,
            listener: Mutex::new(None),
        }));
        Ok(())
    })
}

/// Unsubscribes from everything, stops the delivery thread (waiting for a callback in
/// progress) and releases the subscriber; NULL is ignored. Not to be called from its own
/// callback.
///
/// # Safety
/// `sub` is NULL or a subscriber from `fc_subscriber_new` not yet freed, which no other
/// thread is using.
#[no_mangle]
pub unsafe extern "C" fn fc_subscriber_free(sub: *mut fc_subscriber) {
    if sub.is_null() {
        return;
    }
    // SAFETY: a subscriber from `fc_subscriber_new`, freed once, by contract.
    let sub = unsafe { Box::from_raw(sub) };
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sub.stop_listener()));
}

enum Change {
    Subscribe,
    PSubscribe,
    Unsubscribe,
    PUnsubscribe,
}

/// # Safety
/// As the public functions below.
unsafe fn change(sub: *mut fc_subscriber, name: *const u8, len: usize, how: Change) -> fc_status {
    guard(|| {
        // SAFETY: by the calling function's contract each pointer is NULL or valid.
        let (sub, name) = unsafe { (get(sub, "sub")?, bytes(name, len, "channel")?) };
        let mut s = sub.sub.write();
        match how {
            Change::Subscribe => s.subscribe([Bytes::copy_from_slice(name)]),
            Change::PSubscribe => s.psubscribe([Bytes::copy_from_slice(name)]),
            Change::Unsubscribe => s.unsubscribe(&[name]),
            Change::PUnsubscribe => s.punsubscribe(&[name]),
        }
        Ok(())
    })
}

/// SUBSCRIBE to one channel.
///
/// # Safety
/// `sub` is a live subscriber; `channel` holds `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn fc_subscribe(
    sub: *mut fc_subscriber,
    channel: *const u8,
    len: usize,
) -> fc_status {
    // SAFETY: forwarded contract.
    unsafe { change(sub, channel, len, Change::Subscribe) }
}

/// PSUBSCRIBE to one glob pattern.
///
/// # Safety
/// `sub` is a live subscriber; `pattern` holds `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn fc_psubscribe(
    sub: *mut fc_subscriber,
    pattern: *const u8,
    len: usize,
) -> fc_status {
    // SAFETY: forwarded contract.
    unsafe { change(sub, pattern, len, Change::PSubscribe) }
}

/// UNSUBSCRIBE from one channel.
///
/// # Safety
/// `sub` is a live subscriber; `channel` holds `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn fc_unsubscribe(
    sub: *mut fc_subscriber,
    channel: *const u8,
    len: usize,
) -> fc_status {
    // SAFETY: forwarded contract.
    unsafe { change(sub, channel, len, Change::Unsubscribe) }
}

/// PUNSUBSCRIBE from one pattern.
///
/// # Safety
/// `sub` is a live subscriber; `pattern` holds `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn fc_punsubscribe(
    sub: *mut fc_subscriber,
    pattern: *const u8,
    len: usize,
) -> fc_status {
    // SAFETY: forwarded contract.
    unsafe { change(sub, pattern, len, Change::PUnsubscribe) }
}

/// Waits up to `timeout_ms` (0: do not wait, -1: forever) for the next message. On `FC_OK`
/// `*message` is the message, to release with `fc_message_free`, or NULL if none came in
/// time. `FC_DISCONNECTED` once the subscriber fell behind its queue limit and was cut off.
/// Use polling or a callback, not both.
///
/// # Safety
/// `sub` is a live subscriber; `message` is a valid place for a pointer.
#[no_mangle]
pub unsafe extern "C" fn fc_subscriber_poll(
    sub: *mut fc_subscriber,
    timeout_ms: i64,
    message: *mut *mut fc_message,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract each pointer is NULL or valid for its use.
        let (sub, message) = unsafe { (get(sub, "sub")?, out_required(message, "message")?) };
        let s = sub.sub.read();
        let got = match timeout_ms {
            0 => s.try_recv()?,
            -1 => s.recv_timeout(Duration::from_secs(u32::MAX as u64))?,
            t if t > 0 => s.recv_timeout(Duration::from_millis(t as u64))?,
            _ => return Err(Fail::invalid("timeout_ms must be -1, 0 or positive")),
        };
        *message = match got {
            Some(m) => Box::into_raw(Box::new(OwnedMessage {
                view: view(&m),
                _keep: m,
            }))
            .cast::<fc_message>(),
            None => std::ptr::null_mut(),
        };
        Ok(())
    })
}

/// Releases a message from `fc_subscriber_poll`; NULL is ignored.
///
/// # Safety
/// `message` is NULL or a message from `fc_subscriber_poll` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn fc_message_free(message: *mut fc_message) {
    if !message.is_null() {
        // SAFETY: `fc_subscriber_poll` allocated an `OwnedMessage`, whose first field (repr
        // C) is the `fc_message` it returned; freed once, by contract.
        drop(unsafe { Box::from_raw(message.cast::<OwnedMessage>()) });
    }
}

/// Delivers every message to `callback(userdata, message)` on a thread the subscriber
/// owns, in order, until the callback is replaced, cleared (NULL) or the subscriber freed.
/// Replacing waits for a callback in progress.
///
/// # Safety
/// `sub` is a live subscriber; `callback` is NULL or a function safe to call from another
/// thread with `userdata`, which must stay valid until the callback is replaced or the
/// subscriber freed.
#[no_mangle]
pub unsafe extern "C" fn fc_subscriber_set_callback(
    sub: *mut fc_subscriber,
    callback: fc_message_cb,
    userdata: *mut c_void,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract the pointer is NULL or a live subscriber.
        let sub = unsafe { get(sub, "sub")? };
        sub.stop_listener();
        let Some(cb) = callback else { return Ok(()) };
        let wake = Arc::new(Wake::default());
        let (w, shared, data) = (wake.clone(), sub.sub.clone(), UserData(userdata));
        let thread = std::thread::Builder::new()
            .name("fc-subscriber".into())
            .spawn(move || {
                let data = data;
                loop {
                    {
                        let mut st = w.state.lock();
                        while !st.0 && !st.1 {
                            w.cv.wait(&mut st);
                        }
                        if st.1 {
                            return;
                        }
                        st.0 = false;
                    }
                    while let Ok(Some(m)) = shared.read().try_recv() {
                        let v = view(&m);
                        // SAFETY: the caller promised a callback safe to call here with
                        // `userdata`; `v` points into `m`, alive for the call.
                        unsafe { cb(data.0, &v) };
                    }
                }
            })
            .map_err(|e| Fail::invalid(format!("cannot start the delivery thread: {e}")))?;
        let w = wake.clone();
        sub.sub.read().on_message(move || {
            w.state.lock().0 = true;
            w.cv.notify_one();
        });
        // Messages queued before the callback was set are delivered too.
        wake.state.lock().0 = true;
        wake.cv.notify_one();
        *sub.listener.lock() = Some(Listener { wake, thread });
        Ok(())
    })
}

/// PUBLISH; optional `*receivers` gets the number of subscriptions that received it.
///
/// # Safety
/// `cache` is a live handle; `channel` and `payload` hold `channel_len` and `payload_len`
/// bytes; `receivers` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fc_publish(
    cache: *mut fc_cache,
    channel: *const u8,
    channel_len: usize,
    payload: *const u8,
    payload_len: usize,
    receivers: *mut usize,
) -> fc_status {
    guard(|| {
        // SAFETY: by the function's contract each pointer is NULL or valid for its use.
        let (cache, channel, payload, receivers) = unsafe {
            (
                get(cache, "cache")?,
                bytes(channel, channel_len, "channel")?,
                bytes(payload, payload_len, "payload")?,
                out(receivers),
            )
        };
        let n = cache
            .cache
            .publish(channel, Bytes::copy_from_slice(payload))?;
        if let Some(r) = receivers {
            *r = n;
        }
        Ok(())
    })
}
