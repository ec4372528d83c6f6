//! Signals that land while a thread waits on the server (Node's SIGCHLD from child
//! processes, Python's handlers, a profiler's timer) neither fail the call nor cost the
//! connection; an interrupt (SIGINT) still ends a blocking pop that waits without a bound.
//!
//! The handlers are installed without `SA_RESTART`, as Python installs its own: a socket
//! read with a timeout is never restarted after a signal anyway (signal(7)).
#![cfg(all(unix, feature = "remote-test-hooks"))]

#[path = "support/redis_server.rs"]
mod redis_server;

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use ferricache::{Cache, RemoteOptions};
use redis::Commands;
use redis_server::RedisServer;

static CAUGHT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// SIGINTs handled on this thread (tests run side by side, each on a thread). A
    /// const-initialised `Cell` needs no lazy set-up, so the handler may touch it.
    static INTERRUPTS: Cell<usize> = const { Cell::new(0) };
}

extern "C" fn on_signal(sig: libc::c_int) {
    CAUGHT.fetch_add(1, SeqCst);
    if sig == libc::SIGINT {
        INTERRUPTS.with(|n| n.set(n.get() + 1));
    }
}

/// Catches `sig` with a handler that only counts, interrupting system calls.
fn catch(sig: libc::c_int) {
    // SAFETY: a zeroed sigaction is valid (empty mask, no flags); the handler only touches
    // an atomic, which is async-signal-safe.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = 0;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(libc::sigaction(sig, &action, std::ptr::null_mut()), 0);
    }
}

/// A helper thread that runs until dropped: it is given a flag that the drop raises, and
/// the drop joins it.
struct Background {
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Background {
    fn spawn(f: impl FnOnce(&AtomicBool) + Send + 'static) -> Background {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        Background {
            stop,
            thread: Some(thread::spawn(move || f(&flag))),
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop.store(true, SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

/// Sends SIGUSR1 to `target` (and to the whole process) every few microseconds until
/// dropped.
fn pelter(target: libc::pthread_t) -> Background {
    Background::spawn(move |stop| {
        while !stop.load(SeqCst) {
            // SAFETY: `target` is the test thread, alive until this thread is joined (the
            // pelter is dropped on it); SIGUSR1 is caught by `on_signal`.
            unsafe {
                libc::pthread_kill(target, libc::SIGUSR1);
                libc::kill(libc::getpid(), libc::SIGUSR1);
            }
            thread::sleep(Duration::from_micros(50));
        }
    })
}

/// Pushes `watchdog` onto `list` if it is not dropped within 20 s, so a pop on the list
/// that was never ended fails the test's assertions instead of hanging the run.
fn watchdog(server: &RedisServer, list: &'static str) -> Background {
    let url = server.url();
    Background::spawn(move |stop| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !stop.load(SeqCst) {
            if Instant::now() > deadline {
                let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
                let _: i64 = con.rpush(list, "watchdog").unwrap();
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
    })
}

fn near(server: &RedisServer) -> ferricache::Result<Cache> {
    Cache::builder()
        .remote(server.url())
        .remote_options(RemoteOptions::new().max_staleness(Duration::from_millis(400)))
        .build()
}

#[test]
fn signals_during_round_trips_fail_nothing_and_keep_the_connections() {
    catch(libc::SIGUSR1);
    let server = RedisServer::start();
    // SAFETY: pthread_self has no preconditions.
    let me = unsafe { libc::pthread_self() };
    let caught_before = CAUGHT.load(SeqCst);
    let mut failures = Vec::new();
    let mut increments = 0;
    let mut last = None;
    {
        let _pelter = pelter(me);
        for round in 0..6 {
            // A fresh cache each round: its connects and handshakes are signalled too.
            let cache = match near(&server) {
                Ok(c) => c,
                Err(e) => {
                    failures.push(format!("connect: {e}"));
                    continue;
                }
            };
            for i in 0..150 {
                let key = format!("k:{round}:{i}");
                if let Err(e) = cache.set(&key, "v") {
                    failures.push(format!("SET: {e}"));
                }
                match cache.get(format!("missing:{round}:{i}")) {
                    Ok(None) => {}
                    other => failures.push(format!("GET of a missing key: {other:?}")),
                }
                match cache.incr("counter") {
                    Ok(_) => increments += 1,
                    Err(e) => failures.push(format!("INCR: {e}")),
                }
            }
            last = Some(cache);
        }
    }
    let caught = CAUGHT.load(SeqCst) - caught_before;
    assert!(caught > 100, "only {caught} signals were handled");
    assert!(
        failures.is_empty(),
        "{} of the calls failed while {caught} signals landed, first: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    let n: i64 = server.client().get("counter").unwrap();
    assert_eq!(n, increments, "every INCR that answered ran once");
    let stats = last.unwrap().near_cache_stats().unwrap();
    assert!(stats.connected, "{stats:?}");
    assert_eq!(
        stats.reconnects, 0,
        "the tracking connection was not lost: {stats:?}"
    );
}

#[test]
fn an_interrupt_ends_a_blocking_pop_and_other_signals_do_not() {
    catch(libc::SIGUSR1);
    catch(libc::SIGINT);
    let server = RedisServer::start();
    let cache = near(&server).unwrap();
    // SAFETY: pthread_self has no preconditions.
    let me = unsafe { libc::pthread_self() };

    // Other signals: the pop keeps waiting, and takes what another client pushes.
    let url = server.url();
    let pusher = thread::spawn(move || {
        thread::sleep(Duration::from_millis(300));
        let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
        let _: i64 = con.rpush("jobs", "job-1").unwrap();
    });
    let popped = {
        let _watchdog = watchdog(&server, "jobs");
        let _pelter = pelter(me);
        cache.blpop(&["jobs"], 0.0)
    };
    pusher.join().unwrap();
    assert_eq!(
        popped.unwrap().map(|(k, v)| (k.to_vec(), v.to_vec())),
        Some((b"jobs".to_vec(), b"job-1".to_vec()))
    );

    // SIGINT: a pop with no timeout returns soon, as Ctrl-C in a script expects.
    let interrupter = thread::spawn(move || {
        thread::sleep(Duration::from_millis(300));
        // SAFETY: the test thread is alive: it joins this thread below.
        unsafe { libc::pthread_kill(me, libc::SIGINT) };
    });
    let started = Instant::now();
    let interrupted = {
        let _watchdog = watchdog(&server, "never");
        cache.blpop(&["never"], 0.0)
    };
    interrupter.join().unwrap();
    let error = interrupted.unwrap_err().to_string();
    assert_eq!(error, "ERR the blocking wait was interrupted by a signal");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The cache goes on working.
    cache.set("after", "1").unwrap();
    assert_eq!(cache.get("after").unwrap().as_deref(), Some(&b"1"[..]));
}

#[test]
fn an_interrupt_that_lands_before_the_wait_still_ends_it() {
    catch(libc::SIGINT);
    let server = RedisServer::start();
    let cache = near(&server).unwrap();
    // The interrupt comes after the pop is sent and before its wait starts: if it ran its
    // handler there, the wait would never see it.
    cache.set_wait_hook(|| {
        // SAFETY: raise has no preconditions; SIGINT is caught by `on_signal`.
        unsafe { libc::raise(libc::SIGINT) };
    });
    let before = INTERRUPTS.with(Cell::get);
    let started = Instant::now();
    let interrupted = {
        let _watchdog = watchdog(&server, "early");
        cache.blpop(&["early"], 0.0)
    };
    let error = interrupted.unwrap_err().to_string();
    assert_eq!(error, "ERR the blocking wait was interrupted by a signal");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        INTERRUPTS.with(Cell::get) - before,
        1,
        "the handler ran once, when the pop returned"
    );
    // The server's client was let go, so a later push stays in the list.
    let mut con = server.client();
    let blocked = |con: &mut redis::Connection| {
        let info: String = redis::cmd("INFO").arg("clients").query(con).unwrap();
        info.lines()
            .find_map(|l| l.strip_prefix("blocked_clients:"))
            .map(|n| n.trim().parse::<u64>().unwrap())
            .unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while blocked(&mut con) > 0 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(blocked(&mut con), 0, "the server still blocks a client");
    let _: i64 = con.rpush("early", "kept").unwrap();
    let left: Vec<String> = con.lrange("early", 0, -1).unwrap();
    assert_eq!(left, ["kept"]);
}
