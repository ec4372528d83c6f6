//! Blocking pops for Python: wait with the GIL released (and Ctrl-C honoured), or, for
//! asyncio, be told through a socket when the element is there.

use std::io::Write;
use std::os::fd::{BorrowedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferricache::{PopWaiter, Served, Take};
use parking_lot::{Condvar, Mutex};
use pyo3::prelude::*;
use pyo3::IntoPyObjectExt;

use crate::reply::bytes_obj;

/// How long a wait sleeps between checks for signals (Ctrl-C).
pub(crate) const SIGNAL_SLICE: Duration = Duration::from_millis(50);

/// A readiness flag that wakes a thread (condvar) or an event loop (a byte on a socket).
#[derive(Default)]
pub(crate) struct Ready {
    flag: Mutex<bool>,
    cv: Condvar,
    notify: Mutex<Option<UnixStream>>,
}

impl Ready {
    /// Marks ready; called on the pushing or publishing thread, so it takes no GIL.
    pub fn set(&self) {
        *self.flag.lock() = true;
        self.cv.notify_all();
        if let Some(s) = self.notify.lock().as_ref() {
            // A full socket buffer already holds a wake-up byte.
            let _ = (&*s).write(b"x");
        }
    }

    pub fn clear(&self) {
        *self.flag.lock() = false;
    }

    /// Waits up to `slice` for the flag; true if it is set.
    pub fn wait(&self, slice: Duration) -> bool {
        let mut f = self.flag.lock();
        if !*f {
            self.cv.wait_for(&mut f, slice);
        }
        *f
    }

    /// Writes a byte to (a duplicate of) `fd` whenever ready from now on, and at once if
    /// ready already.
    pub fn notify_fd(&self, fd: RawFd) -> PyResult<()> {
        // SAFETY: the caller (the Python package) passes the fileno of a socket it keeps
        // open for this call; it is duplicated at once and the duplicate is owned here.
        let owned = unsafe { BorrowedFd::borrow_raw(fd) }.try_clone_to_owned()?;
        let stream = UnixStream::from(owned);
        stream.set_nonblocking(true)?;
        *self.notify.lock() = Some(stream);
        if *self.flag.lock() {
            self.set();
        }
        Ok(())
    }
}

/// Waits for `ready` until `deadline` with the GIL released, checking for signals between
/// slices. True if ready.
pub(crate) fn wait_ready(
    py: Python<'_>,
    ready: &Ready,
    deadline: Option<Instant>,
) -> PyResult<bool> {
    loop {
        let slice = match deadline {
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => left.min(SIGNAL_SLICE),
                _ => return Ok(ready.wait(Duration::ZERO)),
            },
            None => SIGNAL_SLICE,
        };
        if py.detach(|| ready.wait(slice)) {
            return Ok(true);
        }
        py.check_signals()?;
    }
}

/// A blocking pop in progress. `wait` blocks (GIL released); `try_take` polls; for
/// asyncio, `notify_fd` names a socket to receive a byte when the element is there.
#[pyclass(frozen, module = "ferricache._native")]
pub struct NativeWaiter {
    waiter: Mutex<Option<PopWaiter>>,
    ready: Arc<Ready>,
    zset: bool,
    decode: bool,
}

impl NativeWaiter {
    pub(crate) fn new(waiter: PopWaiter, take: Take, decode: bool) -> NativeWaiter {
        let ready = Arc::new(Ready::default());
        let r = ready.clone();
        waiter.on_ready(move || r.set());
        NativeWaiter {
            waiter: Mutex::new(Some(waiter)),
            ready,
            zset: matches!(take, Take::ZMin | Take::ZMax),
            decode,
        }
    }

    pub(crate) fn take(&self) -> Option<Served> {
        let mut w = self.waiter.lock();
        let served = w.as_ref()?.try_take();
        if served.is_some() {
            *w = None;
        }
        served
    }

    pub(crate) fn wait_served(&self, py: Python<'_>, timeout: f64) -> PyResult<Option<Served>> {
        let deadline = (timeout > 0.0).then(|| Instant::now() + Duration::from_secs_f64(timeout));
        loop {
            let slice = match deadline {
                Some(d) => d
                    .saturating_duration_since(Instant::now())
                    .min(SIGNAL_SLICE),
                None => SIGNAL_SLICE,
            };
            // The GIL is released while waiting; a push from any thread serves us.
            let got = py.detach(|| self.waiter.lock().as_ref().and_then(|w| w.wait_for(slice)));
            if let Some(s) = got {
                self.waiter.lock().take();
                return Ok(Some(s));
            }
            if let Err(e) = py.check_signals() {
                self.cancel();
                return Err(e);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                self.cancel();
                return Ok(None);
            }
        }
    }

    fn served_to_py(&self, py: Python<'_>, s: Served) -> PyResult<Py<PyAny>> {
        let (k, e) = (
            bytes_obj(py, &s.key, self.decode)?,
            bytes_obj(py, &s.element, self.decode)?,
        );
        if self.zset {
            (k, e, s.score).into_py_any(py)
        } else {
            (k, e).into_py_any(py)
        }
    }
}

#[pymethods]
impl NativeWaiter {
    /// Waits up to `timeout` seconds (0: forever): `(key, element)` (or `(key, member,
    /// score)`), or None on timeout.
    #[pyo3(signature = (timeout=0.0))]
    fn wait(&self, py: Python<'_>, timeout: f64) -> PyResult<Option<Py<PyAny>>> {
        self.wait_served(py, timeout)?
            .map(|s| self.served_to_py(py, s))
            .transpose()
    }

    /// The result if it has arrived, else None; never blocks.
    fn try_take(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.take().map(|s| self.served_to_py(py, s)).transpose()
    }

    /// Sends a byte to a duplicate of socket `fd` once the result is there.
    fn notify_fd(&self, fd: RawFd) -> PyResult<()> {
        self.ready.notify_fd(fd)
    }

    /// Gives up: leaves every queue; an element already served goes back.
    fn cancel(&self) {
        self.waiter.lock().take();
    }
}
