//! Locks and rate limiters, with the mock clock where time matters.

mod common;

use common::mock_cache;
use ferricache::Cache;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

#[test]
fn an_expired_holder_cannot_release_the_next_holders_lock() {
    let (c, clock) = mock_cache();
    let a = c
        .lock("lock:job", Duration::from_millis(100))
        .unwrap()
        .unwrap();
    clock.advance(Duration::from_millis(100));
    let b = c
        .lock("lock:job", Duration::from_secs(10))
        .unwrap()
        .expect("expired lock is free");
    assert!(!a.extend(Duration::from_secs(5)).unwrap());
    assert!(!a.release(), "A's token no longer matches");
    assert_eq!(c.get("lock:job").unwrap().as_ref(), Some(b.token()));
    assert!(b.extend(Duration::from_secs(60)).unwrap());
    assert_eq!(c.ttl("lock:job").unwrap(), 60);
    assert!(b.release());
    assert_eq!(c.exists(&["lock:job"]).unwrap(), 0);
    assert!(c.lock("k", Duration::ZERO).is_err());
}

#[test]
fn no_two_threads_ever_hold_the_lock() {
    let c = Cache::new();
    let inside = Arc::new(AtomicUsize::new(0));
    let entries = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (c, inside, entries) = (c.clone(), inside.clone(), entries.clone());
            thread::spawn(move || {
                for _ in 0..200 {
                    let g = c
                        .lock_wait("lock:x", Duration::from_secs(10), Duration::from_secs(30))
                        .unwrap()
                        .unwrap();
                    assert_eq!(
                        inside.fetch_add(1, Ordering::SeqCst),
                        0,
                        "two holders at once"
                    );
                    entries.fetch_add(1, Ordering::SeqCst);
                    inside.fetch_sub(1, Ordering::SeqCst);
                    drop(g);
                }
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    assert_eq!(entries.load(Ordering::SeqCst), 1600);
}

#[test]
fn a_waiter_is_woken_by_release_and_by_a_crashed_holders_ttl() {
    let c = Cache::new();
    let g = c.lock("lock:a", Duration::from_secs(60)).unwrap().unwrap();
    let c2 = c.clone();
    let waiter = thread::spawn(move || {
        let t = Instant::now();
        let got = c2
            .lock_wait("lock:a", Duration::from_secs(60), Duration::from_secs(30))
            .unwrap();
        (got.is_some(), t.elapsed())
    });
    thread::sleep(Duration::from_millis(50));
    drop(g);
    let (got, waited) = waiter.join().unwrap();
    assert!(got);
    assert!(
        waited < Duration::from_secs(5),
        "woken by the release, not by a timeout"
    );
    // A holder that never releases (it crashed): its TTL frees the lock.
    std::mem::forget(
        c.lock("lock:b", Duration::from_millis(100))
            .unwrap()
            .unwrap(),
    );
    let t = Instant::now();
    let held = c
        .lock_wait("lock:b", Duration::from_secs(1), Duration::from_secs(10))
        .unwrap();
    assert!(held.is_some());
    assert!(t.elapsed() >= Duration::from_millis(90));
    assert!(c
        .lock_wait("lock:b", Duration::from_secs(1), Duration::from_millis(30))
        .unwrap()
        .is_none());
}

#[test]
fn fixed_window() {
    let (c, clock) = mock_cache();
    let w = Duration::from_secs(60);
    for n in 1..=100 {
        let r = c.rate_limit_fixed("rate:ip", 100, w).unwrap();
        assert!(r.allowed);
        assert_eq!(r.remaining, 100 - n);
    }
    let r = c.rate_limit_fixed("rate:ip", 100, w).unwrap();
    assert!(!r.allowed);
    assert_eq!(r.retry_after, Some(w));
    assert_eq!(
        c.ttl("rate:ip").unwrap(),
        60,
        "the counter always has its TTL"
    );
    clock.advance(Duration::from_secs(30));
    assert_eq!(
        c.rate_limit_fixed("rate:ip", 100, w).unwrap().retry_after,
        Some(Duration::from_secs(30))
    );
    clock.advance(Duration::from_secs(30));
    assert!(c.rate_limit_fixed("rate:ip", 100, w).unwrap().allowed);
    // A counter left without a TTL gets its window.
    c.set("rate:legacy", "5").unwrap();
    c.rate_limit_fixed("rate:legacy", 10, w).unwrap();
    assert_eq!(c.ttl("rate:legacy").unwrap(), 60);
}

#[test]
fn sliding_window_limits_any_window() {
    let (c, clock) = mock_cache();
    let w = Duration::from_secs(10);
    // Start at a window boundary for a predictable test.
    let now = common::T0;
    clock.set_ms(now - now % 10_000 + 10_000);
    for _ in 0..10 {
        assert!(c.rate_limit_sliding("s", 10, w).unwrap().allowed);
    }
    assert!(!c.rate_limit_sliding("s", 10, w).unwrap().allowed);
    // Half-way through the next window half the old ones still count.
    clock.advance(Duration::from_secs(15));
    let allowed = (0..10)
        .filter(|_| c.rate_limit_sliding("s", 10, w).unwrap().allowed)
        .count();
    assert_eq!(allowed, 5);
    let refused = c.rate_limit_sliding("s", 10, w).unwrap();
    assert!(!refused.allowed && refused.retry_after.unwrap() > Duration::ZERO);
    clock.advance(Duration::from_secs(30));
    assert_eq!(c.rate_limit_sliding("s", 10, w).unwrap().remaining, 9);
}

#[test]
fn gcra_matches_redis_cell() {
    let (c, clock) = mock_cache();
    let period = Duration::from_secs(60);
    // CL.THROTTLE user123 15 30 60 1 -> 0 16 15 -1 2 (redis-cell's README)
    let r = c.throttle("user123", 15, 30, period, 1).unwrap();
    assert_eq!(
        (
            r.allowed,
            r.limit,
            r.remaining,
            r.retry_after,
            r.reset_after
        ),
        (true, 16, 15, None, Duration::from_secs(2))
    );
    for _ in 0..15 {
        assert!(c.throttle("user123", 15, 30, period, 1).unwrap().allowed);
    }
    let refused = c.throttle("user123", 15, 30, period, 1).unwrap();
    assert!(!refused.allowed);
    assert_eq!(refused.remaining, 0);
    assert_eq!(refused.retry_after, Some(Duration::from_secs(2)));
    clock.advance(Duration::from_secs(2));
    assert!(c.throttle("user123", 15, 30, period, 1).unwrap().allowed);
    // A request heavier than the burst can never pass.
    assert_eq!(
        c.throttle("big", 1, 30, period, 5).unwrap().retry_after,
        None
    );
    assert!(c.throttle("x", 1, 0, period, 1).is_err());
}
