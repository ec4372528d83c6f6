//! Active expiry: the timing wheel gives memory back without anyone reading the keys.

mod common;

use common::{mock_cache, T0};
use ferricache::{Cache, MockClock};
use std::time::{Duration, Instant};

#[test]
fn run_pending_tasks_reclaims_exactly_the_expired() {
    let (c, clock) = mock_cache();
    let baseline = c.stats().used_memory;
    for i in 0..3000u64 {
        // TTLs from 1 ms to 3000 s, spread over every level of the wheel.
        c.pset_ex(format!("k{i}"), 1 + i * i % 3_000_000, "v")
            .unwrap();
    }
    c.set("forever", "v").unwrap();
    assert_eq!(c.stats().keys_with_ttl, 3000);
    let mut last = 0;
    for step in [1u64, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 3_000_000] {
        clock.set_ms(T0 + step);
        c.run_pending_tasks();
        let alive = (0..3000u64)
            .filter(|i| 1 + i * i % 3_000_000 > step)
            .count();
        assert_eq!(c.dbsize().unwrap(), alive + 1, "after {step} ms");
        assert!(c.stats().expirations as usize >= last);
        last = c.stats().expirations as usize;
    }
    assert_eq!(c.dbsize().unwrap(), 1);
    assert_eq!(c.stats().expirations, 3000);
    assert_eq!(c.stats().keys_with_ttl, 0);
    assert!(c.stats().used_memory > baseline);
    c.del(&["forever"]).unwrap();
    assert_eq!(c.stats().used_memory, baseline);
}

#[test]
fn writers_reclaim_expired_keys_of_their_shard() {
    let (c, clock) = mock_cache();
    for i in 0..2000 {
        c.set_ex(format!("old{i}"), 10, "v").unwrap();
    }
    clock.advance(Duration::from_secs(11));
    // No read touches the old keys; writes on other keys reclaim them bit by bit.
    for i in 0..4000 {
        c.set(format!("new{i}"), "v").unwrap();
    }
    assert_eq!(c.stats().expirations, 2000);
    assert_eq!(c.dbsize().unwrap(), 4000);
}

#[test]
fn changed_ttls_fire_at_the_new_deadline_only() {
    let (c, clock) = mock_cache();
    c.set_ex("k", 10, "v").unwrap();
    c.expire("k", 100).unwrap();
    clock.advance(Duration::from_secs(50));
    c.run_pending_tasks();
    assert_eq!(
        c.exists(&["k"]).unwrap(),
        1,
        "the stale 10 s timer must not remove the key"
    );
    c.persist("k").unwrap();
    clock.advance(Duration::from_secs(100));
    c.run_pending_tasks();
    assert_eq!(c.exists(&["k"]).unwrap(), 1);
    assert_eq!(c.stats().expirations, 0);
}

#[test]
fn lazy_expiry_reclaims_on_read() {
    let (c, clock) = mock_cache();
    c.set_ex("k", 1, "v").unwrap();
    clock.advance(Duration::from_secs(1));
    assert_eq!(c.get("k").unwrap(), None);
    assert_eq!(c.dbsize().unwrap(), 0, "the read removed the expired key");
    assert_eq!(c.stats().expirations, 1);
}

#[test]
fn background_reaper_reclaims_without_any_call() {
    let clock = MockClock::new(T0);
    let c = Cache::builder()
        .clock(clock.clone())
        .background_expiry(Duration::from_millis(5))
        .build()
        .unwrap();
    for i in 0..500 {
        c.set_ex(format!("k{i}"), 1, "v").unwrap();
    }
    clock.advance(Duration::from_secs(2));
    // Wait for the reaper thread to run (the expiry itself needs no waiting: the clock moved).
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.dbsize().unwrap() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(c.dbsize().unwrap(), 0);
    assert_eq!(c.stats().expirations, 500);
}

#[test]
fn default_ttl_applies_to_created_keys() {
    let clock = MockClock::new(T0);
    let c = Cache::builder()
        .clock(clock.clone())
        .default_ttl(Duration::from_secs(60))
        .build()
        .unwrap();
    c.set("a", "v").unwrap();
    c.incr("n").unwrap();
    c.set_ex("b", 5, "v").unwrap();
    assert_eq!(c.ttl("a").unwrap(), 60);
    assert_eq!(c.ttl("n").unwrap(), 60);
    assert_eq!(c.ttl("b").unwrap(), 5);
    assert!(c.persist("a").unwrap());
    clock.advance(Duration::from_secs(61));
    assert_eq!(c.exists(&["a", "n", "b"]).unwrap(), 1);
}

#[test]
fn invalid_configuration_is_an_error() {
    assert!(Cache::builder().shards(3).build().is_err());
    assert!(Cache::builder().shards(0).build().is_err());
    assert!(Cache::builder()
        .default_ttl(Duration::ZERO)
        .build()
        .is_err());
    assert!(Cache::builder()
        .background_expiry(Duration::ZERO)
        .build()
        .is_err());
    assert!("allkeys-lru".parse::<ferricache::EvictionPolicy>().is_ok());
    assert_eq!(
        "most-recent"
            .parse::<ferricache::EvictionPolicy>()
            .unwrap_err()
            .to_string(),
        "ERR unknown eviction policy 'most-recent'"
    );
}

#[test]
fn active_expiry_is_on_by_default_and_fires_expired_events_on_time() {
    // Real clock, loose bounds (shared machines): keys that nobody touches expire and
    // their `expired` event comes within about 1/hz + 10 ms of the deadline.
    let hz = 100;
    let c = Cache::builder()
        .hz(hz)
        .notify_keyspace_events("Ex")
        .build()
        .unwrap();
    let mut sub = c.subscriber();
    sub.subscribe(["__keyevent@0__:expired"]);
    let mut deadlines = std::collections::HashMap::new();
    for i in 0..20u64 {
        let key = format!("session:{i}");
        c.set(&key, "v").unwrap();
        // The clock is read before the call: the engine's deadline is at least this one,
        // whereas a reading after the call would be late by any preemption in between.
        let before = Instant::now();
        c.pexpire(&key, (50 + 10 * i) as i64).unwrap();
        deadlines.insert(key, before + Duration::from_millis(50 + 10 * i));
    }
    let mut lateness = Vec::new();
    while lateness.len() < 20 {
        let m = sub
            .recv_timeout(Duration::from_secs(5))
            .unwrap()
            .expect("an expired event for an untouched key");
        let arrived = Instant::now();
        let key = String::from_utf8(m.payload.to_vec()).unwrap();
        let deadline = deadlines[&key];
        // Never early: the key is due at its deadline (1 ms clock granularity).
        assert!(
            arrived + Duration::from_millis(1) >= deadline,
            "{key} expired early"
        );
        lateness.push(arrived.saturating_duration_since(deadline));
    }
    lateness.sort();
    // The target is 1/hz + 10 ms; the slack is for a loaded machine's scheduling.
    let target = Duration::from_millis(1000 / u64::from(hz) + 10);
    let median = lateness[lateness.len() / 2];
    println!("lateness: median {median:?}, worst {:?}", lateness[19]);
    assert!(
        median <= target + Duration::from_millis(40),
        "median lateness {median:?}"
    );
    assert!(
        lateness[19] < Duration::from_secs(1),
        "worst {:?}",
        lateness[19]
    );
    assert_eq!(c.dbsize().unwrap(), 0);
}

#[test]
fn the_expiry_thread_sleeps_while_nothing_is_due_and_can_be_turned_off() {
    let c = Cache::new();
    c.set("plain", "v").unwrap(); // no TTL: nothing to wake for
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        c.stats().active_expiry_cycles <= 2,
        "{}",
        c.stats().active_expiry_cycles
    );
    // A far deadline does not make it poll at hz either.
    c.set_ex("far", 3600, "v").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        c.stats().active_expiry_cycles <= 4,
        "{}",
        c.stats().active_expiry_cycles
    );

    let off = Cache::builder().active_expiry(false).build().unwrap();
    off.set("k", "v").unwrap();
    off.pexpire("k", 1).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(
        off.dbsize().unwrap(),
        1,
        "nothing reclaims it without the thread"
    );
    assert_eq!(off.get("k").unwrap(), None, "yet it is invisible");
    assert_eq!(off.stats().active_expiry_cycles, 0);
    assert!(Cache::builder().hz(0).build().is_err());
    assert!(Cache::builder().hz(501).build().is_err());
}

#[test]
fn with_a_mock_clock_keys_expire_exactly_at_their_deadline() {
    let clock = MockClock::new(T0);
    let c = Cache::builder()
        .clock(clock.clone())
        .notify_keyspace_events("Ex")
        .build()
        .unwrap();
    let mut sub = c.subscriber();
    sub.subscribe(["__keyevent@0__:expired"]);
    c.set_ex("k", 10, "v").unwrap();
    clock.advance(Duration::from_millis(9_999));
    // The thread looks at the clock at least once a second; a ms early, nothing goes.
    assert!(sub
        .recv_timeout(Duration::from_millis(1500))
        .unwrap()
        .is_none());
    assert_eq!(c.dbsize().unwrap(), 1);
    clock.advance(Duration::from_millis(1));
    let m = sub.recv_timeout(Duration::from_secs(5)).unwrap().unwrap();
    assert_eq!(&m.payload[..], b"k");
    assert_eq!(c.dbsize().unwrap(), 0);
}

#[test]
fn hz_is_a_config_setting_as_in_redis() {
    let c = Cache::new();
    let get = |c: &Cache| c.execute(&["CONFIG", "GET", "hz"]);
    assert_eq!(
        get(&c),
        ferricache::Reply::Array(vec![
            ferricache::Reply::Bulk("hz".into()),
            ferricache::Reply::Bulk("10".into())
        ])
    );
    assert_eq!(
        c.execute(&["CONFIG", "SET", "hz", "1000"]),
        ferricache::Reply::OK
    );
    assert_eq!(c.hz(), 500, "clamped as Redis does");
    assert_eq!(
        c.execute(&["CONFIG", "SET", "hz", "0"]),
        ferricache::Reply::OK
    );
    assert_eq!(c.hz(), 1);
    assert!(c.execute(&["CONFIG", "SET", "hz", "x"]).is_error());
}
