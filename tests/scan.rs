//! SCAN's contract: every key present for the whole iteration comes back (here: exactly
//! once), however the keyspace grows or shrinks between calls.

mod common;

use common::mock_cache;
use ferricache::{Cache, ScanOptions, ValueType};
use std::collections::HashMap;
use std::time::Duration;

fn count_all(
    c: &Cache,
    opts: &ScanOptions,
    mut between: impl FnMut(usize),
) -> HashMap<Vec<u8>, usize> {
    let mut seen = HashMap::new();
    let mut cursor = 0;
    let mut calls = 0;
    loop {
        let (next, keys) = c.scan(cursor, opts).unwrap();
        for k in keys {
            *seen.entry(k.to_vec()).or_insert(0) += 1;
        }
        calls += 1;
        between(calls);
        if next == 0 {
            return seen;
        }
        cursor = next;
    }
}

#[test]
fn stable_keys_come_back_exactly_once_while_the_table_grows_and_shrinks() {
    let c = Cache::builder().shards(16).build().unwrap();
    for i in 0..2000 {
        c.set(format!("stable:{i}"), "v").unwrap();
        c.set(format!("churn:{i}"), "v").unwrap();
    }
    let mut next_new = 0;
    let seen = count_all(&c, &ScanOptions::new().count(40), |call| {
        // Grow, then shrink: hash tables resize several times meanwhile.
        if call % 2 == 0 {
            for _ in 0..60 {
                c.set(format!("new:{next_new}"), "v").unwrap();
                next_new += 1;
            }
        } else {
            let doomed: Vec<String> = (0..30)
                .map(|k| format!("churn:{}", (call * 30 + k) % 2000))
                .collect();
            c.del(&doomed).unwrap();
            let old: Vec<String> = (0..20)
                .map(|k| format!("new:{}", (call * 20 + k) % next_new.max(1)))
                .collect();
            c.del(&old).unwrap();
        }
    });
    for i in 0..2000 {
        assert_eq!(
            seen.get(format!("stable:{i}").as_bytes()),
            Some(&1),
            "stable:{i}"
        );
    }
    assert!(seen.values().all(|&n| n == 1), "no key is returned twice");
    assert!(next_new > 2000, "the keyspace grew during the scan");
}

#[test]
fn match_count_and_type() {
    let c = Cache::new();
    for i in 0..300 {
        c.set(format!("car:{i}"), "v").unwrap();
        c.set(format!("user:{i}"), "v").unwrap();
    }
    let cars = count_all(&c, &ScanOptions::new().pattern("car:*").count(50), |_| {});
    assert_eq!(cars.len(), 300);
    assert!(cars.keys().all(|k| k.starts_with(b"car:")));
    let strings = count_all(
        &c,
        &ScanOptions::new().value_type(ValueType::String).count(1000),
        |_| {},
    );
    assert_eq!(strings.len(), 600);
    let lists = count_all(&c, &ScanOptions::new().value_type(ValueType::List), |_| {});
    assert!(lists.is_empty());
    let all: Vec<_> = c
        .scan_iter(ScanOptions::new().pattern("user:1?"))
        .map(Result::unwrap)
        .collect();
    assert_eq!(all.len(), 10);
    // COUNT is a hint that bounds the work of one call.
    let (_, batch) = c.scan(0, &ScanOptions::new().count(5)).unwrap();
    assert!(batch.len() <= 5);
}

#[test]
fn expired_keys_are_never_returned() {
    let (c, clock) = mock_cache();
    for i in 0..100 {
        c.set_ex(format!("short:{i}"), 1, "v").unwrap();
        c.set(format!("long:{i}"), "v").unwrap();
    }
    clock.advance(Duration::from_secs(2));
    let seen = count_all(&c, &ScanOptions::new(), |_| {});
    assert_eq!(seen.len(), 100);
    assert!(seen.keys().all(|k| k.starts_with(b"long:")));
}

#[test]
fn empty_cache_and_foreign_cursors_end_at_zero() {
    let c = Cache::new();
    assert_eq!(c.scan(0, &ScanOptions::new()).unwrap(), (0, vec![]));
    assert_eq!(c.scan(u64::MAX, &ScanOptions::new()).unwrap().0, 0);
}

#[test]
fn pattern_invalidation_of_the_lesson() {
    let c = Cache::new();
    for i in 0..1000 {
        c.set(format!("car:{i}"), "{}").unwrap();
    }
    c.set("user:1", "{}").unwrap();
    let mut cursor = 0;
    loop {
        let (next, keys) = c
            .scan(cursor, &ScanOptions::new().pattern("car:*").count(100))
            .unwrap();
        c.del(&keys).unwrap();
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    assert_eq!(c.dbsize().unwrap(), 1);
}
