//! Bounded memory: every policy keeps the bounds, and each evicts the keys it should.

mod common;

use common::T0;
use ferricache::{Cache, Error, EvictionPolicy, MockClock, SetOptions};
use std::time::Duration;

const ALL: [EvictionPolicy; 9] = EvictionPolicy::ALL;

fn bounded(policy: EvictionPolicy, max_memory: usize, max_entries: usize) -> (Cache, MockClock) {
    let clock = MockClock::new(T0);
    let c = Cache::builder()
        .eviction_policy(policy)
        .max_memory(max_memory)
        .max_entries(max_entries)
        .clock(clock.clone())
        .build()
        .unwrap();
    (c, clock)
}

#[test]
fn every_evicting_policy_keeps_the_entry_bound() {
    for policy in ALL.into_iter().filter(|p| *p != EvictionPolicy::NoEviction) {
        let (c, _clock) = bounded(policy, 0, 1000);
        for i in 0..10_000 {
            c.set_ex(format!("k{i}"), 3600, "v").unwrap();
            assert!(
                c.dbsize().unwrap() <= 1000,
                "{policy}: {} keys",
                c.dbsize().unwrap()
            );
        }
        assert_eq!(c.dbsize().unwrap(), 1000, "{policy}");
        assert_eq!(c.stats().evictions, 9000, "{policy}");
    }
}

#[test]
fn every_evicting_policy_keeps_the_memory_bound() {
    let max = 256 << 10;
    for policy in ALL.into_iter().filter(|p| *p != EvictionPolicy::NoEviction) {
        let (c, _clock) = bounded(policy, max, 0);
        for i in 0..20_000 {
            let value = vec![b'x'; 10 + i % 300];
            c.set_with(format!("key:{i}"), value, &SetOptions::new().ex(3600))
                .unwrap();
            assert!(
                c.stats().used_memory <= max,
                "{policy}: {} bytes",
                c.stats().used_memory
            );
        }
        assert!(
            c.stats().used_memory > max * 3 / 4,
            "{policy} evicted far too much"
        );
    }
}

#[test]
fn noeviction_refuses_writes_and_loses_nothing() {
    let (c, _clock) = bounded(EvictionPolicy::NoEviction, 64 << 10, 0);
    let mut stored = 0;
    let err = loop {
        match c.set(format!("k{stored}"), vec![b'v'; 100]) {
            Ok(()) => stored += 1,
            Err(e) => break e,
        }
    };
    assert!(matches!(err, Error::OutOfMemory));
    assert_eq!(
        err.to_string(),
        "OOM command not allowed when used memory > 'maxmemory'."
    );
    assert_eq!(c.dbsize().unwrap(), stored);
    assert!(c.stats().used_memory <= 64 << 10);
    assert!(matches!(
        c.append("k0", vec![b'm'; 200]),
        Err(Error::OutOfMemory)
    ));
    assert_eq!(c.mget(&["k0", "k1"]).unwrap().iter().flatten().count(), 2);
    // Deleting makes room again.
    assert_eq!(c.del(&["k0", "k1", "k2"]).unwrap(), 3);
    c.set("again", vec![b'v'; 100]).unwrap();
    assert_eq!(c.stats().evictions, 0);
}

#[test]
fn values_larger_than_max_memory_are_refused_by_every_policy() {
    for policy in ALL {
        let (c, _clock) = bounded(policy, 10_000, 0);
        c.set("small", "v").unwrap();
        assert!(
            matches!(c.set("huge", vec![0u8; 20_000]), Err(Error::OutOfMemory)),
            "{policy}"
        );
        assert_eq!(c.exists(&["small"]).unwrap(), 1, "{policy} lost data");
    }
}

#[test]
fn a_large_value_fits_under_a_global_bound() {
    // quick_cache#55: per-shard budgets refuse values above max/shards. Here 40% of the
    // bound goes into one of 64 shards.
    let c = Cache::builder()
        .shards(64)
        .max_memory(1 << 20)
        .build()
        .unwrap();
    for i in 0..5000 {
        c.set(format!("k{i}"), vec![1u8; 100]).unwrap();
    }
    c.set("big", vec![7u8; 400 << 10]).unwrap();
    assert_eq!(c.strlen("big").unwrap(), 400 << 10);
    assert!(c.stats().used_memory <= 1 << 20);
}

#[test]
fn volatile_policies_refuse_when_no_key_has_a_ttl() {
    for policy in [
        EvictionPolicy::VolatileLru,
        EvictionPolicy::VolatileLfu,
        EvictionPolicy::VolatileRandom,
        EvictionPolicy::VolatileTtl,
    ] {
        let (c, _clock) = bounded(policy, 0, 100);
        for i in 0..100 {
            c.set(format!("persistent{i}"), "v").unwrap();
        }
        // As in Redis, the bound is checked before a command: one write may go over it,
        // the next is refused.
        let results: Vec<bool> = (0..3)
            .map(|i| c.set(format!("more{i}"), "v").is_ok())
            .collect();
        assert!(
            results.iter().filter(|ok| **ok).count() <= 1,
            "{policy}: {results:?}"
        );
        assert!(
            matches!(c.set("x", "v"), Err(Error::OutOfMemory)),
            "{policy}"
        );
        assert_eq!(c.stats().evictions, 0);
        // Volatile keys are evicted, persistent ones are not.
        let (c, _clock) = bounded(policy, 0, 100);
        for i in 0..50 {
            c.set(format!("p{i}"), "v").unwrap();
        }
        for i in 0..500 {
            c.set_ex(format!("v{i}"), 100 + i, "v").unwrap();
        }
        assert_eq!(
            c.keys("p*").unwrap().len(),
            50,
            "{policy} evicted a persistent key"
        );
    }
}

#[test]
fn volatile_ttl_evicts_the_soonest_deadline() {
    let (c, _clock) = bounded(EvictionPolicy::VolatileTtl, 0, 100);
    for i in 0..100 {
        c.set_ex(format!("k{i}"), 1000 + i, "v").unwrap();
    }
    for i in 0..50 {
        c.set_ex(format!("late{i}"), 100_000, "v").unwrap();
    }
    let survivors_of_first_half = (0..50)
        .filter(|i| c.exists(&[format!("k{i}")]).unwrap() == 1)
        .count();
    let survivors_of_second_half = (50..100)
        .filter(|i| c.exists(&[format!("k{i}")]).unwrap() == 1)
        .count();
    assert!(
        survivors_of_second_half > survivors_of_first_half,
        "{survivors_of_first_half} vs {survivors_of_second_half}"
    );
}

/// Fills a cache of `cap` keys, keeps reading a hot half while a stream of new keys goes
/// through; returns how many hot keys survived.
fn hot_survivors(policy: EvictionPolicy) -> usize {
    let cap = 1000;
    let (c, clock) = bounded(policy, 0, cap);
    for i in 0..cap {
        c.set(format!("hot{i}"), "v").unwrap();
    }
    for round in 0..2000 {
        clock.advance(Duration::from_millis(50));
        for i in (round % 10..cap / 2).step_by(10) {
            c.get(format!("hot{i}")).unwrap();
        }
        c.set(format!("cold{round}"), "v").unwrap();
    }
    (0..cap / 2)
        .filter(|i| c.exists(&[format!("hot{i}")]).unwrap() == 1)
        .count()
}

#[test]
fn recency_and_frequency_policies_keep_the_hot_set() {
    for policy in [
        EvictionPolicy::AllKeysLru,
        EvictionPolicy::AllKeysLfu,
        EvictionPolicy::S3Fifo,
    ] {
        let hot = hot_survivors(policy);
        assert!(hot >= 400, "{policy}: only {hot} of 500 hot keys survived");
    }
    // Random eviction has no such preference: a sanity check that the test can fail.
    let hot = hot_survivors(EvictionPolicy::AllKeysRandom);
    assert!(hot < 400, "random kept {hot}");
}

#[test]
fn bounds_and_policy_change_at_run_time() {
    let c = Cache::new();
    for i in 0..1000 {
        c.set(format!("k{i}"), "v").unwrap();
    }
    c.set_max_entries(100);
    c.set_eviction_policy(EvictionPolicy::AllKeysRandom);
    c.set("trigger", "v").unwrap();
    assert!(c.dbsize().unwrap() <= 100);
    assert_eq!(c.eviction_policy(), EvictionPolicy::AllKeysRandom);
    c.set_eviction_policy(EvictionPolicy::NoEviction);
    assert!(matches!(c.set("refused", "v"), Err(Error::OutOfMemory)));
    let key = c.randomkey().unwrap().unwrap();
    assert_eq!(c.del(&[key]).unwrap(), 1, "DEL runs at the bound");
    c.set("accepted", "v").unwrap();
}
