//! A subscription for Python's PubSub objects: subscribe and receive, waiting with the GIL
//! released, or waking an asyncio loop through a socket.

use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferricache::{Message, Subscription};
use parking_lot::Mutex;
use pyo3::prelude::*;
use pyo3::IntoPyObjectExt;

use crate::args::encode;
use crate::errors::from_error;
use crate::reply::bytes_obj;
use crate::waiter::{wait_ready, Ready};

/// One subscriber: its channels and patterns and its message queue.
#[pyclass(frozen, module = "ferricache._native")]
pub struct NativeSubscription {
    /// Held only for short operations, never across a wait.
    sub: Mutex<Subscription>,
    ready: Arc<Ready>,
    decode: bool,
}

impl NativeSubscription {
    pub(crate) fn new(sub: Subscription, decode: bool) -> NativeSubscription {
        let ready = Arc::new(Ready::default());
        let r = ready.clone();
        sub.on_message(move || r.set());
        NativeSubscription {
            sub: Mutex::new(sub),
            ready,
            decode,
        }
    }

    fn next(&self) -> PyResult<Option<Message>> {
        let sub = self.sub.lock();
        // Clear before looking, so a message that lands after the look sets it again.
        self.ready.clear();
        sub.try_recv().map_err(from_error)
    }

    fn message_to_py(&self, py: Python<'_>, m: Message) -> PyResult<Py<PyAny>> {
        let pattern = m
            .pattern
            .map(|p| bytes_obj(py, &p, self.decode))
            .transpose()?;
        (
            pattern,
            bytes_obj(py, &m.channel, self.decode)?,
            bytes_obj(py, &m.payload, self.decode)?,
        )
            .into_py_any(py)
    }
}

fn names(items: &Bound<'_, PyAny>) -> PyResult<Vec<Bytes>> {
    items
        .try_iter()?
        .map(|i| Ok(Bytes::copy_from_slice(&encode(&i?)?)))
        .collect()
}

#[pymethods]
impl NativeSubscription {
    fn subscribe(&self, channels: &Bound<'_, PyAny>) -> PyResult<()> {
        let channels = names(channels)?;
        self.sub.lock().subscribe(channels);
        Ok(())
    }

    fn psubscribe(&self, patterns: &Bound<'_, PyAny>) -> PyResult<()> {
        let patterns = names(patterns)?;
        self.sub.lock().psubscribe(patterns);
        Ok(())
    }

    /// Unsubscribes from these channels (all of them when empty).
    fn unsubscribe(&self, channels: &Bound<'_, PyAny>) -> PyResult<()> {
        let channels = names(channels)?;
        self.sub.lock().unsubscribe(&channels);
        Ok(())
    }

    fn punsubscribe(&self, patterns: &Bound<'_, PyAny>) -> PyResult<()> {
        let patterns = names(patterns)?;
        self.sub.lock().punsubscribe(&patterns);
        Ok(())
    }

    /// Channels and patterns subscribed to, in all.
    fn subscriptions(&self) -> usize {
        self.sub.lock().subscriptions()
    }

    /// The next message as `(pattern or None, channel, data)`, waiting up to `timeout`
    /// seconds (None: forever; 0: not at all) with the GIL released.
    #[pyo3(signature = (timeout=None))]
    fn get(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<Py<PyAny>>> {
        let deadline = match timeout {
            Some(t) if t.is_finite() && t >= 0.0 => {
                Some(Instant::now() + Duration::from_secs_f64(t))
            }
            Some(_) => return Err(crate::errors::DataError::new_err("timeout must be >= 0")),
            None => None,
        };
        loop {
            if let Some(m) = self.next()? {
                return self.message_to_py(py, m).map(Some);
            }
            if !wait_ready(py, &self.ready, deadline)? {
                return Ok(None);
            }
        }
    }

    /// Sends a byte to a duplicate of socket `fd` whenever a message arrives.
    fn notify_fd(&self, fd: RawFd) -> PyResult<()> {
        self.ready.notify_fd(fd)
    }

    /// Unsubscribes from everything.
    fn close(&self) {
        let mut s = self.sub.lock();
        s.unsubscribe::<&[u8]>(&[]);
        s.punsubscribe::<&[u8]>(&[]);
    }
}
