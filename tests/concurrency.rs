//! Many threads on one cache, checked against what a sequential model says must hold.

mod common;

use common::T0;
use ferricache::{Cache, EvictionPolicy, MockClock, ScanOptions};
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

const THREADS: usize = 8;

#[test]
fn no_increment_is_lost() {
    let c = Cache::new();
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let c = c.clone();
            thread::spawn(move || {
                for i in 0..20_000 {
                    c.incr_by(format!("counter:{}", i % 16), (t + 1) as i64)
                        .unwrap();
                }
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    let per_key: i64 = (1..=THREADS as i64).sum::<i64>() * (20_000 / 16);
    for k in 0..16 {
        assert_eq!(
            c.get(format!("counter:{k}")).unwrap().unwrap(),
            per_key.to_string()
        );
    }
    assert_eq!(c.stats().commands, 20_000 * THREADS as u64 + 16);
}

#[test]
fn memory_bound_holds_under_concurrent_writers() {
    let max = 1 << 20;
    for policy in [
        EvictionPolicy::S3Fifo,
        EvictionPolicy::AllKeysLru,
        EvictionPolicy::AllKeysRandom,
    ] {
        let c = Cache::builder()
            .max_memory(max)
            .eviction_policy(policy)
            .build()
            .unwrap();
        let peak = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (c, peak) = (c.clone(), peak.clone());
                thread::spawn(move || {
                    for i in 0..20_000 {
                        c.set(format!("t{t}:k{i}"), vec![b'x'; 50 + (i * 7) % 400])
                            .unwrap();
                        peak.fetch_max(c.stats().used_memory, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        handles.into_iter().for_each(|h| h.join().unwrap());
        let used = c.stats().used_memory;
        assert!(used <= max, "{policy}: {used} > {max} once quiescent");
        // While writers run, each may be over by at most one entry.
        assert!(
            peak.load(Ordering::Relaxed) <= max + THREADS * 600,
            "{policy}: peak {}",
            peak.load(Ordering::Relaxed)
        );
        assert!(c.stats().evictions > 0);
    }
}

#[test]
fn no_key_is_visible_after_its_deadline() {
    let clock = MockClock::new(T0);
    let c = Cache::builder().clock(clock.clone()).build().unwrap();
    // Key i expires at T0 + 10 * i ms.
    for i in 1..=500u64 {
        c.pset_ex(format!("k{i}"), 10 * i, "v").unwrap();
    }
    let stop = Arc::new(AtomicUsize::new(0));
    let readers: Vec<_> = (0..THREADS - 1)
        .map(|t| {
            let (c, clock, stop) = (c.clone(), clock.clone(), stop.clone());
            thread::spawn(move || {
                use ferricache::Clock;
                let mut violations = 0;
                let mut i = t as u64;
                while stop.load(Ordering::Relaxed) == 0 {
                    i = i % 500 + 1;
                    let before = clock.now_ms();
                    let seen = c.get(format!("k{i}")).unwrap().is_some();
                    if seen && before >= T0 + 10 * i {
                        violations += 1;
                    }
                    // Writers on other keys drive the wheel meanwhile.
                    c.set(format!("noise{t}:{}", i % 50), "x").unwrap();
                }
                violations
            })
        })
        .collect();
    for _ in 0..5100 {
        clock.advance(Duration::from_millis(1));
        thread::yield_now();
    }
    stop.store(1, Ordering::Relaxed);
    let violations: usize = readers.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(violations, 0);
    c.run_pending_tasks();
    assert_eq!(c.keys("k*").unwrap().len(), 0);
}

#[test]
fn msetnx_is_atomic_across_shards() {
    let c = Cache::new();
    let rounds = 300;
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (c, barrier) = (c.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                (0..rounds)
                    .filter(|r| {
                        let v = t.to_string();
                        c.msetnx([
                            (format!("{r}:a"), v.clone()),
                            (format!("{r}:b"), v.clone()),
                            (format!("{r}:c"), v),
                        ])
                        .unwrap()
                    })
                    .count()
            })
        })
        .collect();
    let wins: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(wins, rounds, "exactly one writer wins each round");
    for r in 0..rounds {
        let vals = c
            .mget(&[format!("{r}:a"), format!("{r}:b"), format!("{r}:c")])
            .unwrap();
        assert!(
            vals[0].is_some() && vals.iter().all(|v| *v == vals[0]),
            "round {r}: {vals:?}"
        );
    }
}

#[test]
fn threads_on_disjoint_keys_match_their_models() {
    let c = Cache::builder().shards(4).build().unwrap();
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let c = c.clone();
            thread::spawn(move || {
                let mut model: BTreeMap<String, String> = BTreeMap::new();
                let mut x = 0x9E37_79B9u64 + t as u64;
                for _ in 0..20_000 {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let key = format!("t{t}:{}", x % 64);
                    match x % 5 {
                        0 | 1 => {
                            let v = (x % 1000).to_string();
                            c.set(&key, v.clone()).unwrap();
                            model.insert(key.clone(), v);
                        }
                        2 => {
                            assert_eq!(
                                c.del(&[&key]).unwrap(),
                                model.remove(&key).is_some() as usize
                            );
                        }
                        3 => {
                            let n: i64 = model.get(&key).map_or(0, |v| v.parse().unwrap()) + 1;
                            assert_eq!(c.incr(&key).unwrap(), n);
                            model.insert(key.clone(), n.to_string());
                        }
                        _ => {
                            let dst = format!("t{t}:{}", (x >> 8) % 64);
                            match model.remove(&key) {
                                Some(v) => {
                                    c.rename(&key, &dst).unwrap();
                                    model.insert(dst, v);
                                }
                                None => assert!(c.rename(&key, &dst).is_err()),
                            }
                        }
                    }
                    if let Some(v) = model.get(&key) {
                        assert_eq!(c.get(&key).unwrap().unwrap(), v.as_bytes());
                    }
                }
                model
            })
        })
        .collect();
    let mut total = 0;
    for h in handles {
        let model = h.join().unwrap();
        total += model.len();
        for (k, v) in model {
            assert_eq!(c.get(&k).unwrap().unwrap(), v.as_bytes());
        }
    }
    assert_eq!(c.dbsize().unwrap(), total);
}

#[test]
fn scan_under_concurrent_writers_returns_every_stable_key() {
    let c = Cache::new();
    for i in 0..5000 {
        c.set(format!("stable:{i}"), "v").unwrap();
    }
    let stop = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..3)
        .map(|t| {
            let (c, stop) = (c.clone(), stop.clone());
            thread::spawn(move || {
                let mut i = 0;
                while stop.load(Ordering::Relaxed) == 0 {
                    c.set(format!("w{t}:{}", i % 3000), "v").unwrap();
                    if i % 3 == 0 {
                        c.del(&[format!("w{t}:{}", (i / 3) % 3000)]).unwrap();
                    }
                    i += 1;
                }
            })
        })
        .collect();
    let seen: HashSet<Vec<u8>> = c
        .scan_iter(ScanOptions::new().pattern("stable:*").count(20))
        .map(|k| k.unwrap().to_vec())
        .collect();
    stop.store(1, Ordering::Relaxed);
    writers.into_iter().for_each(|h| h.join().unwrap());
    assert_eq!(seen.len(), 5000);
}

#[test]
fn single_flight_loads_once_and_shares_errors() {
    let c = Cache::new();
    let loads = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (c, loads, barrier) = (c.clone(), loads.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                c.get_or_set_with("car:1", Some(Duration::from_secs(60)), || {
                    loads.fetch_add(1, Ordering::SeqCst);
                    // Hold the flight open long enough for every thread to join it.
                    thread::sleep(Duration::from_millis(100));
                    Ok::<_, std::io::Error>("loaded".into())
                })
                .unwrap()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(&h.join().unwrap()[..], b"loaded");
    }
    assert_eq!(loads.load(Ordering::SeqCst), 1);

    // A failing loader: every waiter sees the error, nothing is cached.
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (c, barrier) = (c.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                c.get_or_set_with("car:2", None, || {
                    thread::sleep(Duration::from_millis(100));
                    Err::<bytes::Bytes, _>(std::io::Error::other("database down"))
                })
            })
        })
        .collect();
    for h in handles {
        let err = h.join().unwrap().unwrap_err();
        assert!(err.to_string().contains("database down"), "{err}");
    }
    assert_eq!(c.exists(&["car:2"]).unwrap(), 0);
    assert_eq!(
        &c.get_or_set_with("car:2", None, || Ok::<_, std::io::Error>("ok".into()))
            .unwrap()[..],
        b"ok"
    );
}

#[test]
fn a_panicking_loader_releases_its_waiters() {
    let c = Cache::new();
    let c2 = c.clone();
    let leader = thread::spawn(move || {
        let _ = c2.get_or_set_with("k", None, || -> Result<bytes::Bytes, std::io::Error> {
            thread::sleep(Duration::from_millis(100));
            panic!("loader bug")
        });
    });
    thread::sleep(Duration::from_millis(20));
    let waited = c.get_or_set_with("k", None, || Ok::<_, std::io::Error>("second".into()));
    assert!(leader.join().is_err());
    // Either we joined the panicking flight (and got its error) or ran our own loader.
    match waited {
        Ok(v) => assert_eq!(&v[..], b"second"),
        Err(e) => assert!(e.to_string().contains("panicked")),
    }
    assert_eq!(
        &c.get_or_set_with("k", None, || Ok::<_, std::io::Error>("third".into()))
            .unwrap()[..],
        b"third"
    );
}

#[test]
fn atomic_transfers_keep_the_total_for_every_observer() {
    const ACCOUNTS: usize = 16;
    let c = Cache::new();
    let names: Vec<String> = (0..ACCOUNTS).map(|i| format!("account:{i}")).collect();
    for n in &names {
        c.set(n, "1000").unwrap();
    }
    let stop = Arc::new(AtomicUsize::new(0));
    let auditor = {
        let (c, names, stop) = (c.clone(), names.clone(), stop.clone());
        thread::spawn(move || {
            let mut audits = 0;
            while stop.load(Ordering::Relaxed) == 0 {
                let total: i64 = c
                    .atomic(&names, |tx| {
                        names
                            .iter()
                            .map(|n| {
                                Ok(tx.get(n)?.map_or(0, |v| {
                                    std::str::from_utf8(&v).unwrap().parse::<i64>().unwrap()
                                }))
                            })
                            .sum()
                    })
                    .unwrap();
                assert_eq!(
                    total,
                    1000 * ACCOUNTS as i64,
                    "an audit saw a half-done transfer"
                );
                audits += 1;
            }
            audits
        })
    };
    let movers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (c, names) = (c.clone(), names.clone());
            thread::spawn(move || {
                let mut x = 0x2545_F491u64 + t as u64;
                for _ in 0..5_000 {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let (a, b) = (
                        (x % ACCOUNTS as u64) as usize,
                        ((x >> 8) % ACCOUNTS as u64) as usize,
                    );
                    let amount = (x >> 16) as i64 % 50;
                    c.atomic(&[&names[a], &names[b]], |tx| {
                        tx.incr_by(&names[a], -amount)?;
                        tx.incr_by(&names[b], amount)
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    movers.into_iter().for_each(|h| h.join().unwrap());
    stop.store(1, Ordering::Relaxed);
    assert!(auditor.join().unwrap() > 0);
    let total: i64 = names
        .iter()
        .map(|n| {
            std::str::from_utf8(&c.get(n).unwrap().unwrap())
                .unwrap()
                .parse::<i64>()
                .unwrap()
        })
        .sum();
    assert_eq!(total, 1000 * ACCOUNTS as i64);
    // Undeclared keys are refused.
    let err = c
        .atomic(&["account:0"], |tx| tx.get("account:1"))
        .unwrap_err();
    assert_eq!(err.to_string(), "ERR key not declared in the atomic batch");
}
