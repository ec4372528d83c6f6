//! MULTI / EXEC / DISCARD / WATCH / UNWATCH on a `Client`, with Redis's semantics, and
//! EXEC's atomicity under many threads.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ferricache::{Cache, EvictionPolicy, MockClock, Reply};

fn status(s: &'static str) -> Reply {
    Reply::Status(s.into())
}

fn bulk(s: &str) -> Reply {
    Reply::Bulk(s.as_bytes().to_vec().into())
}

#[test]
fn exec_runs_the_queue_and_errors_do_not_roll_back() {
    let cache = Cache::new();
    let mut c = cache.client();
    assert_eq!(c.execute(&["MULTI"]), Reply::OK);
    assert!(c.in_multi());
    assert_eq!(c.execute(&["SET", "a", "1"]), status("QUEUED"));
    assert_eq!(c.execute(&["LPUSH", "a", "x"]), status("QUEUED"));
    assert_eq!(c.execute(&["INCR", "a"]), status("QUEUED"));
    assert_eq!(c.execute(&["GET", "a"]), status("QUEUED"));
    // Nothing ran yet.
    assert_eq!(cache.get("a").unwrap(), None);
    let Reply::Array(replies) = c.execute(&["EXEC"]) else {
        panic!("EXEC answers an array");
    };
    assert_eq!(replies[0], Reply::OK);
    assert!(matches!(&replies[1], Reply::Error(e) if e.starts_with("WRONGTYPE")));
    assert_eq!(replies[2], Reply::Integer(2));
    assert_eq!(replies[3], bulk("2"));
    assert!(!c.in_multi());
}

#[test]
fn a_command_refused_while_queueing_aborts_exec() {
    let cache = Cache::new();
    let mut c = cache.client();
    c.execute(&["MULTI"]);
    assert_eq!(c.execute(&["SET", "a", "1"]), status("QUEUED"));
    assert!(
        matches!(c.execute(&["NOSUCH", "x"]), Reply::Error(e) if e.starts_with("ERR unknown command 'NOSUCH'"))
    );
    assert!(
        matches!(c.execute(&["GET"]), Reply::Error(e) if e == "ERR wrong number of arguments for 'get' command")
    );
    assert_eq!(
        c.execute(&["EXEC"]),
        Reply::Error("EXECABORT Transaction discarded because of previous errors.".into())
    );
    assert_eq!(cache.get("a").unwrap(), None, "nothing applied");
    // The client is usable again, and a new transaction is clean.
    c.execute(&["MULTI"]);
    c.execute(&["SET", "a", "1"]);
    assert_eq!(c.execute(&["EXEC"]), Reply::Array(vec![Reply::OK]));
}

#[test]
fn misuse_answers_as_redis() {
    let cache = Cache::new();
    let mut c = cache.client();
    assert_eq!(
        c.execute(&["EXEC"]),
        Reply::Error("ERR EXEC without MULTI".into())
    );
    assert_eq!(
        c.execute(&["DISCARD"]),
        Reply::Error("ERR DISCARD without MULTI".into())
    );
    c.execute(&["MULTI"]);
    assert_eq!(
        c.execute(&["MULTI"]),
        Reply::Error("ERR MULTI calls can not be nested".into())
    );
    assert_eq!(
        c.execute(&["WATCH", "k"]),
        Reply::Error("ERR WATCH inside MULTI is not allowed".into())
    );
    c.execute(&["SET", "k", "v"]);
    assert_eq!(c.execute(&["DISCARD"]), Reply::OK);
    assert_eq!(cache.get("k").unwrap(), None);
    assert_eq!(
        c.execute(&["WATCH"]),
        Reply::Error("ERR wrong number of arguments for 'watch' command".into())
    );
    // The plain dispatcher points to the client.
    assert!(matches!(cache.execute(&["MULTI"]), Reply::Error(e) if e.contains("Cache::client")));
}

#[test]
fn a_watched_key_changed_by_anyone_fails_exec() {
    let cache = Cache::new();
    let mut c = cache.client();
    let run = |c: &mut ferricache::Client| {
        c.execute(&["MULTI"]);
        c.execute(&["SET", "out", "applied"]);
        c.execute(&["EXEC"])
    };
    // Changed, deleted, flushed: nil, nothing applied.
    for change in [
        |cache: &Cache| drop(cache.set("w", "2")),
        |cache: &Cache| {
            cache.del(&["w"]).unwrap();
        },
        |cache: &Cache| cache.flushall().unwrap(),
        |cache: &Cache| drop(cache.execute(&["APPEND", "w", "x"])),
        |cache: &Cache| drop(cache.expire("w", 100)),
    ] {
        cache.set("w", "1").unwrap();
        cache.del(&["out"]).unwrap();
        assert_eq!(c.execute(&["WATCH", "w", "other"]), Reply::OK);
        change(&cache);
        assert_eq!(run(&mut c), Reply::Nil);
        assert_eq!(cache.get("out").unwrap(), None);
    }
    // Unchanged (read only), or unwatched: applied.
    cache.set("w", "1").unwrap();
    c.execute(&["WATCH", "w"]);
    cache.get("w").unwrap();
    assert_eq!(run(&mut c), Reply::Array(vec![Reply::OK]));
    c.execute(&["WATCH", "w"]);
    cache.set("w", "3").unwrap();
    c.execute(&["UNWATCH"]);
    assert_eq!(run(&mut c), Reply::Array(vec![Reply::OK]));
    // EXEC forgets the watches: the next transaction is not failed by an old change.
    c.execute(&["WATCH", "w"]);
    cache.set("w", "4").unwrap();
    assert_eq!(run(&mut c), Reply::Nil);
    cache.set("w", "5").unwrap();
    assert_eq!(run(&mut c), Reply::Array(vec![Reply::OK]));
    // A change through another client's transaction counts too.
    let mut other = cache.client();
    c.execute(&["WATCH", "w"]);
    other.execute(&["MULTI"]);
    other.execute(&["INCR", "w"]);
    other.execute(&["EXEC"]);
    assert_eq!(run(&mut c), Reply::Nil);
}

#[test]
fn a_watched_key_that_expires_or_is_evicted_fails_exec() {
    let clock = MockClock::new(1_700_000_000_000);
    let cache = Cache::builder().clock(clock.clone()).build().unwrap();
    let mut c = cache.client();
    cache.set_ex("session", 10, "s").unwrap();
    c.execute(&["WATCH", "session"]);
    clock.advance(Duration::from_secs(11));
    c.execute(&["MULTI"]);
    c.execute(&["SET", "out", "1"]);
    assert_eq!(c.execute(&["EXEC"]), Reply::Nil);

    let small = Cache::builder()
        .max_entries(4)
        .eviction_policy(EvictionPolicy::AllKeysLru)
        .build()
        .unwrap();
    let mut c = small.client();
    small.set("victim", "v").unwrap();
    c.execute(&["WATCH", "victim"]);
    for i in 0..20 {
        small.set(format!("k{i}"), "v").unwrap();
    }
    assert_eq!(small.get("victim").unwrap(), None, "evicted");
    c.execute(&["MULTI"]);
    c.execute(&["SET", "out", "1"]);
    assert_eq!(c.execute(&["EXEC"]), Reply::Nil);
}

#[test]
fn blocking_commands_inside_exec_do_not_block() {
    let cache = Cache::new();
    let mut c = cache.client();
    c.execute(&["MULTI"]);
    c.execute(&["BLPOP", "empty", "0"]);
    c.execute(&["RPUSH", "l", "a"]);
    c.execute(&["BLPOP", "l", "0"]);
    let started = std::time::Instant::now();
    let reply = c.execute(&["EXEC"]);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        reply,
        Reply::Array(vec![
            Reply::Nil,
            Reply::Integer(1),
            Reply::Array(vec![bulk("l"), bulk("a")]),
        ])
    );
}

#[test]
fn exec_is_atomic_for_every_thread() {
    // Writers move 1 from a to b in transactions; readers read both in transactions and
    // must always see a total of 0; plain commands from other threads (INCR c, typed and
    // through the dispatcher) keep running meanwhile.
    let cache = Cache::builder().shards(16).build().unwrap();
    cache.set("a", "0").unwrap();
    cache.set("b", "0").unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    for _ in 0..3 {
        let cache = cache.clone();
        threads.push(std::thread::spawn(move || {
            let mut c = cache.client();
            for _ in 0..2000 {
                c.execute(&["MULTI"]);
                c.execute(&["DECR", "a"]);
                c.execute(&["INCR", "b"]);
                let Reply::Array(r) = c.execute(&["EXEC"]) else {
                    panic!()
                };
                assert_eq!(r.len(), 2);
            }
        }));
    }
    for _ in 0..3 {
        let (cache, stop) = (cache.clone(), stop.clone());
        threads.push(std::thread::spawn(move || {
            let mut c = cache.client();
            let mut reads = 0;
            while !stop.load(Ordering::Relaxed) || reads < 100 {
                c.execute(&["MULTI"]);
                c.execute(&["GET", "a"]);
                c.execute(&["GET", "b"]);
                let Reply::Array(r) = c.execute(&["EXEC"]) else {
                    panic!()
                };
                let n = |r: &Reply| -> i64 {
                    std::str::from_utf8(&r.to_bytes().unwrap())
                        .unwrap()
                        .parse()
                        .unwrap()
                };
                assert_eq!(n(&r[0]) + n(&r[1]), 0, "a reader saw half a transaction");
                reads += 1;
            }
        }));
    }
    let plain = {
        let (cache, stop) = (cache.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                cache.incr("c").unwrap();
                cache.execute(&["INCR", "c"]);
                n += 2;
            }
            n
        })
    };
    for t in threads.drain(..3) {
        t.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let n = plain.join().unwrap();
    assert_eq!(cache.get("a").unwrap().unwrap(), "-6000");
    assert_eq!(cache.get("b").unwrap().unwrap(), "6000");
    assert_eq!(cache.get("c").unwrap().unwrap(), n.to_string().as_str());
}

#[test]
fn optimistic_increments_with_watch_lose_no_update() {
    // The classic check-and-set loop, from 8 threads: WATCH, read, MULTI, SET read+1, EXEC,
    // again on nil. Every increment lands exactly once.
    let cache = Cache::builder().shards(8).build().unwrap();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let cache = cache.clone();
            std::thread::spawn(move || {
                let mut c = cache.client();
                let mut retries = 0;
                for _ in 0..300 {
                    loop {
                        c.execute(&["WATCH", "counter"]);
                        let cur: i64 = cache
                            .get("counter")
                            .unwrap()
                            .map_or(0, |v| std::str::from_utf8(&v).unwrap().parse().unwrap());
                        c.execute(&["MULTI"]);
                        c.execute(&["SET", "counter", &(cur + 1).to_string()]);
                        match c.execute(&["EXEC"]) {
                            Reply::Array(_) => break,
                            Reply::Nil => retries += 1,
                            other => panic!("{other:?}"),
                        }
                    }
                }
                retries
            })
        })
        .collect();
    let retries: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(cache.get("counter").unwrap().unwrap(), "2400");
    // Without WATCH the races would lose updates; with it they show as retries.
    println!("{retries} retries");
}
