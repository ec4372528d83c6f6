//! Signals held back while a thread waits on the server.
//!
//! redis-rs reads a reply through a parser that gives up on `EINTR`, and a socket read
//! with a timeout is never restarted after a signal handler runs (signal(7)). So a signal
//! landing mid-wait (Node's SIGCHLD from a child process, a Python handler, a profiler's
//! timer) would fail the command with its outcome unknown and, on the tracking
//! connection, drop every local copy. Instead, each wait blocks signals on the waiting
//! thread: a signal sent meanwhile stays pending, or goes to a thread that takes it, and
//! its handler runs as soon as the wait ends. Waits are bounded by the connect and
//! command timeouts, except blocking pops: once their command is sent, they let the
//! interrupts (SIGINT, SIGTERM, SIGQUIT, SIGHUP) through again ([`Held::admit_interrupts`]),
//! so Ctrl-C still ends `BLPOP key 0`, and an interrupt that came while the connection
//! was made and the command sent ends the wait before it starts. Signals raised by a
//! fault (SIGSEGV, SIGBUS, ...) are never blocked: runtimes such as V8 rely on them.
//! The cache's own threads hold every other signal back for their whole life.

use std::cell::Cell;

/// The signals that end a blocking pop: what a user sends to stop a program.
#[cfg(unix)]
const INTERRUPTS: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGQUIT, libc::SIGHUP];

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

/// Holds every asynchronous signal back on this thread until the guard drops. Nested
/// guards keep the outermost one's mask.
pub(crate) fn hold() -> Held {
    let depth = DEPTH.with(|d| {
        let v = d.get();
        d.set(v + 1);
        v
    });
    #[cfg(unix)]
    {
        let old = (depth == 0).then(block);
        Held { old }
    }
    #[cfg(not(unix))]
    {
        let _ = depth;
        Held {}
    }
}

impl Held {
    /// For a wait with no bound, once its command is sent: lets the interrupts through
    /// again (those the thread let through before the hold), so that one ends the wait.
    /// `false`, and the mask left as it is, when one of them already came during the hold:
    /// it stays pending (its handler runs when the guard drops) and the caller should not
    /// wait at all. Without this check, an interrupt that lands before the socket read
    /// starts would run its handler and leave the read waiting for good.
    ///
    /// One window stays: an interrupt landing between this check and the start of the
    /// read (a few instructions of redis-rs) runs its handler and the read goes on. The
    /// atomic form, `ppoll` with the interrupts unblocked, needs the socket, which
    /// redis-rs does not expose. And an interrupt sent to the whole process during the
    /// hold goes to another thread that lets it through, if there is one, as the kernel
    /// chooses. A nested guard changes nothing and returns `true`.
    pub(crate) fn admit_interrupts(&self) -> bool {
        #[cfg(unix)]
        if let Some(old) = &self.old {
            // SAFETY: both sets are plain data initialised by sigpending/sigemptyset
            // before they are read; `old` is the mask `block` filled. pthread_sigmask
            // changes only this thread's mask, and only for signals in `admit`.
            unsafe {
                let mut pending: libc::sigset_t = std::mem::zeroed();
                let mut admit: libc::sigset_t = std::mem::zeroed();
                libc::sigpending(&mut pending);
                libc::sigemptyset(&mut admit);
                for sig in INTERRUPTS {
                    if libc::sigismember(old, sig) == 1 {
                        continue; // the application holds it back itself
                    }
                    if libc::sigismember(&pending, sig) == 1 {
                        return false;
                    }
                    libc::sigaddset(&mut admit, sig);
                }
                libc::pthread_sigmask(libc::SIG_UNBLOCK, &admit, std::ptr::null_mut());
            }
        }
        true
    }
}

/// For a thread of the cache's own: holds every asynchronous signal back for good, so
/// the process's signals go to the application's threads.
pub(crate) fn hold_for_life() {
    #[cfg(unix)]
    block();
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

/// Adds every asynchronous signal to this thread's mask; the mask before.
#[cfg(unix)]
fn block() -> libc::sigset_t {
    const FAULTS: [libc::c_int; 6] = [
        libc::SIGSEGV,
        libc::SIGBUS,
        libc::SIGFPE,
        libc::SIGILL,
        libc::SIGTRAP,
        libc::SIGSYS,
    ];
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
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
        old
    }
}
