//! Signals held back while a thread waits on the server.
//!
//! redis-rs reads a reply through a parser that gives up on `EINTR`, and a socket read
//! with a timeout is never restarted after a signal handler runs (signal(7)). So a signal
//! landing mid-wait (Node's SIGCHLD from a child process, a Python handler, a profiler's
//! timer) would fail the command with its outcome unknown and, on the tracking
//! connection, drop every local copy. Instead, each wait blocks signals on the waiting
//! thread: a signal sent meanwhile stays pending, or goes to a thread that takes it, and
//! its handler runs as soon as the wait ends. Waits are bounded by the connect and
//! command timeouts, except blocking pops, which leave the interrupts (SIGINT, SIGTERM,
//! SIGQUIT, SIGHUP) deliverable, so Ctrl-C still ends `BLPOP key 0`. Signals raised by a
//! fault (SIGSEGV, SIGBUS, ...) are never blocked: runtimes such as V8 rely on them.
//! The cache's own threads hold every other signal back for their whole life.

use std::cell::Cell;

/// How long the wait may last.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Within the connect or command timeout: every asynchronous signal is held back.
    Bounded,
    /// As long as the server keeps the client blocked: interrupts still come through.
    Unbounded,
}

thread_local! {
    /// How many `Held` guards are alive on this thread; only the outermost one changes
    /// the mask (and restores it when dropped).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Holds signals back on this thread until dropped.
pub(crate) struct Held {
    #[cfg(unix)]
    old: Option<libc::sigset_t>,
}

/// Holds signals back on this thread for a wait of kind `wait`, until the guard drops.
/// Nested guards keep the outermost one's mask.
pub(crate) fn hold(wait: Wait) -> Held {
    let depth = DEPTH.with(|d| {
        let v = d.get();
        d.set(v + 1);
        v
    });
    #[cfg(unix)]
    {
        let old = (depth == 0).then(|| block(wait));
        Held { old }
    }
    #[cfg(not(unix))]
    {
        let _ = (depth, wait);
        Held {}
    }
}

/// For a thread of the cache's own: holds every asynchronous signal back for good, so
/// the process's signals go to the application's threads.
pub(crate) fn hold_for_life() {
    #[cfg(unix)]
    block(Wait::Bounded);
}

impl Drop for Held {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get() - 1));
        #[cfg(unix)]
        if let Some(old) = &self.old {
            // SAFETY: `old` is the mask pthread_sigmask filled in `block`; restoring it
            // has no other precondition. It cannot fail with a valid `how` and set.
            unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, old, std::ptr::null_mut()) };
        }
    }
}

/// Whether `e` is a wait that a signal interrupted (redis-rs keeps the `io::Error` to
/// itself, so its text is compared).
pub(crate) fn interrupted(e: &redis::RedisError) -> bool {
    #[cfg(unix)]
    {
        e.is_io_error()
            && e.to_string() == std::io::Error::from_raw_os_error(libc::EINTR).to_string()
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Adds the signals a wait of kind `wait` holds back to this thread's mask; the mask
/// before.
#[cfg(unix)]
fn block(wait: Wait) -> libc::sigset_t {
    const FAULTS: [libc::c_int; 6] = [
        libc::SIGSEGV,
        libc::SIGBUS,
        libc::SIGFPE,
        libc::SIGILL,
        libc::SIGTRAP,
        libc::SIGSYS,
    ];
    const INTERRUPTS: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGQUIT, libc::SIGHUP];
    // SAFETY: both sets are plain data initialised by sigfillset/sigemptyset before use;
    // the calls take valid pointers to them and signal numbers from libc; pthread_sigmask
    // changes only this thread's mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut set);
        for sig in FAULTS {
            libc::sigdelset(&mut set, sig);
        }
        if wait == Wait::Unbounded {
            for sig in INTERRUPTS {
                libc::sigdelset(&mut set, sig);
            }
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
        old
    }
}
