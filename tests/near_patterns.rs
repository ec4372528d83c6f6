//! The lesson's distributed patterns in near-cache mode: several near caches (each with its
//! own connections and tracking, as separate processes have) on one server share their
//! rate limits, their locks and `get_or_set_with`'s single loader.
#![cfg(feature = "remote-test-hooks")]

#[path = "support/redis_server.rs"]
mod redis_server;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ferricache::{Cache, RemoteOptions};
use redis::Commands;
use redis_server::RedisServer;

fn near(server: &RedisServer) -> Cache {
    Cache::builder()
        .remote(server.url())
        .remote_options(RemoteOptions::new().fill_lock_ttl(Duration::from_secs(3)))
        .build()
        .unwrap()
}

/// Runs `f(cache, thread)` on `threads` threads for each of `caches` near caches.
fn on_all(caches: &[Cache], threads: usize, f: impl Fn(&Cache, usize) + Send + Sync + 'static) {
    let f = Arc::new(f);
    let mut handles = Vec::new();
    for c in caches {
        for t in 0..threads {
            let (c, f) = (c.clone(), f.clone());
            handles.push(std::thread::spawn(move || f(&c, t)));
        }
    }
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn rate_limits_are_shared_by_every_process() {
    let server = RedisServer::start();
    let caches: Vec<Cache> = (0..3).map(|_| near(&server)).collect();
    let allowed = Arc::new([
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    ]);
    let a = allowed.clone();
    let day = Duration::from_secs(86_400);
    on_all(&caches, 3, move |c, _| {
        for _ in 0..20 {
            let fixed = c.rate_limit_fixed("rl:fixed", 50, day).unwrap();
            let sliding = c.rate_limit_sliding("rl:sliding", 40, day).unwrap();
            let gcra = c.throttle("rl:gcra", 29, 1, day, 1).unwrap();
            for (i, r) in [fixed, sliding, gcra].iter().enumerate() {
                a[i].fetch_add(r.allowed as usize, Ordering::Relaxed);
            }
        }
    });
    // 180 attempts each, from 9 threads of 3 caches: exactly the limit goes through.
    let got: Vec<usize> = allowed.iter().map(|n| n.load(Ordering::Relaxed)).collect();
    assert_eq!(got, [50, 40, 30]);
    // The counts live on the server, with their windows as TTLs.
    let mut con = server.client();
    assert_eq!(con.get::<_, i64>("rl:fixed").unwrap(), 51);
    assert!(con.pttl::<_, i64>("rl:fixed").unwrap() > 86_000_000);
    assert!(con.pttl::<_, i64>("rl:gcra").unwrap() > 0);
    // A refused request says when to come back; a wrong type is the server's error.
    let r = caches[0].rate_limit_fixed("rl:fixed", 50, day).unwrap();
    assert!(!r.allowed && r.remaining == 0 && r.retry_after.unwrap() > Duration::from_secs(86_000));
    let _: () = con.hset("rl:hash", "f", "v").unwrap();
    assert!(matches!(
        caches[1].rate_limit_fixed("rl:hash", 5, day),
        Err(ferricache::Error::WrongType)
    ));
}

#[test]
fn a_rate_limiter_answers_as_the_local_engine_does() {
    let server = RedisServer::start();
    let n = near(&server);
    let l = Cache::new();
    let window = Duration::from_secs(3600);
    for i in 0..12 {
        let (a, b) = (
            n.rate_limit_fixed("k", 10, window).unwrap(),
            l.rate_limit_fixed("k", 10, window).unwrap(),
        );
        assert_eq!(
            (a.allowed, a.limit, a.remaining),
            (b.allowed, b.limit, b.remaining),
            "{i}"
        );
        let (a, b) = (
            n.throttle("g", 4, 10, window, 2).unwrap(),
            l.throttle("g", 4, 10, window, 2).unwrap(),
        );
        assert_eq!(
            (a.allowed, a.limit, a.remaining),
            (b.allowed, b.limit, b.remaining),
            "{i}"
        );
    }
}

#[test]
fn a_lock_excludes_every_process() {
    let server = RedisServer::start();
    let caches: Vec<Cache> = (0..3).map(|_| near(&server)).collect();
    // A read-modify-write that loses updates unless the lock excludes everyone else.
    on_all(&caches, 3, |c, _| {
        for _ in 0..10 {
            let guard = c
                .lock_wait(
                    "lock:counter",
                    Duration::from_secs(5),
                    Duration::from_secs(30),
                )
                .unwrap()
                .expect("the lock within 30 s");
            let n: i64 = match c.get("counter").unwrap() {
                Some(v) => std::str::from_utf8(&v).unwrap().parse().unwrap(),
                None => 0,
            };
            std::thread::sleep(Duration::from_millis(1));
            c.set("counter", (n + 1).to_string()).unwrap();
            assert!(guard.release(), "the lock was still ours");
        }
    });
    let mut con = server.client();
    assert_eq!(con.get::<_, i64>("counter").unwrap(), 90);
    assert!(!con.exists::<_, bool>("lock:counter").unwrap());

    // A holder whose lock expired and passed to another cannot release or extend it.
    let (a, b) = (&caches[0], &caches[1]);
    let old = a
        .lock("lock:x", Duration::from_millis(50))
        .unwrap()
        .unwrap();
    assert!(b.lock("lock:x", Duration::from_secs(5)).unwrap().is_none());
    std::thread::sleep(Duration::from_millis(120));
    let new = b.lock("lock:x", Duration::from_secs(5)).unwrap().unwrap();
    assert!(!old.extend(Duration::from_secs(10)).unwrap());
    assert!(!old.release());
    assert_eq!(
        con.get::<_, Vec<u8>>("lock:x").unwrap(),
        new.token().to_vec()
    );
    assert!(new.extend(Duration::from_secs(60)).unwrap());
    assert!(con.pttl::<_, i64>("lock:x").unwrap() > 50_000);
    drop(new);
    assert!(!con.exists::<_, bool>("lock:x").unwrap());
}

#[test]
fn a_stampede_across_processes_loads_once() {
    let server = RedisServer::start();
    let caches: Vec<Cache> = (0..3).map(|_| near(&server)).collect();
    let loads = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let (l, s) = (loads.clone(), seen.clone());
    on_all(&caches, 4, move |c, _| {
        let v = c
            .get_or_set_with("car:1", Some(Duration::from_secs(60)), || {
                l.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(200)); // the slow database
                Ok::<_, std::io::Error>("from the database".into())
            })
            .unwrap();
        s.lock().push(v);
    });
    assert_eq!(
        loads.load(Ordering::SeqCst),
        1,
        "one loader across 3 caches"
    );
    let seen = seen.lock();
    assert_eq!(seen.len(), 12);
    assert!(seen.iter().all(|v| v == "from the database"));
    let mut con = server.client();
    assert!(con.ttl::<_, i64>("car:1").unwrap() > 50);
    assert!(!con.exists::<_, bool>("ferricache:fill:car:1").unwrap());

    // A loader that fails leaves nothing behind: the next caller loads.
    let e = caches[0].get_or_set_with("car:2", None, || {
        Err::<ferricache::Bytes, _>(std::io::Error::other("db down"))
    });
    assert!(e.is_err());
    assert!(!con.exists::<_, bool>("ferricache:fill:car:2").unwrap());
    let v = caches[1]
        .get_or_set_with("car:2", None, || {
            Ok::<_, std::io::Error>("second try".into())
        })
        .unwrap();
    assert_eq!(v, "second try");
}

fn next(sub: &ferricache::Subscription) -> ferricache::Message {
    sub.recv_timeout(Duration::from_secs(3))
        .unwrap()
        .expect("a message within 3 s")
}

#[test]
fn subscriptions_hear_every_process_through_the_server() {
    let server = RedisServer::start();
    let (a, b) = (near(&server), near(&server));
    let mut sub = b.subscriber();
    sub.subscribe(["orders", "quotes:TATA"]);
    sub.psubscribe(["quotes:*"]);
    // Published by another near cache, and by a plain client of the server.
    assert_eq!(
        a.publish("orders", "o1").unwrap(),
        1,
        "one server-side subscriber: b's relay"
    );
    let m = next(&sub);
    assert_eq!(
        (m.pattern, &m.channel[..], &m.payload[..]),
        (None, &b"orders"[..], &b"o1"[..])
    );
    let mut con = server.client();
    let _: i64 = con.publish("quotes:TATA", "912.5").unwrap();
    let (first, second) = (next(&sub), next(&sub));
    let mut got = [first.pattern.clone(), second.pattern.clone()];
    got.sort();
    assert_eq!(got, [None, Some("quotes:*".into())]);
    assert!([first, second].iter().all(|m| m.payload == "912.5"));
    assert!(sub.try_recv().unwrap().is_none());
    // The server counts the relay's subscriptions.
    assert_eq!(
        a.pubsub_numsub(&["orders"]).unwrap(),
        [("orders".into(), 1)]
    );
    assert_eq!(a.pubsub_numpat().unwrap(), 1);
    sub.unsubscribe(&["orders"]);
    assert_eq!(
        a.pubsub_numsub(&["orders"]).unwrap(),
        [("orders".into(), 0)]
    );
    assert_eq!(a.publish("orders", "o2").unwrap(), 0);

    // The relay's connection killed: it comes back with every subscription.
    let _: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("pubsub")
        .query(&mut con)
        .unwrap();
    let back = redis_server::eventually(Duration::from_secs(5), || {
        a.publish("quotes:X", "again").unwrap();
        matches!(sub.recv_timeout(Duration::from_millis(50)), Ok(Some(_)))
    });
    assert!(
        back,
        "the relay resubscribed after its connection was killed"
    );
    drop(sub);
    assert!(redis_server::eventually(Duration::from_secs(2), || a
        .pubsub_numpat()
        .unwrap()
        == 0));
}

#[test]
fn keyspace_notifications_come_from_the_server() {
    let server = RedisServer::start();
    let mut con = server.client();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("notify-keyspace-events")
        .arg("E$")
        .query(&mut con)
        .unwrap();
    let (a, b) = (near(&server), near(&server));
    let mut sub = b.subscriber();
    sub.subscribe(["__keyevent@0__:set"]);
    a.set("car:1", "v").unwrap();
    b.get("car:1").unwrap(); // a local fill makes no event
    let m = next(&sub);
    assert_eq!(&m.payload[..], b"car:1");
    assert!(sub
        .recv_timeout(Duration::from_millis(200))
        .unwrap()
        .is_none());
    // The local engine's own notifications are refused: they would describe copies.
    assert!(b.set_notify_keyspace_events("KEA").is_err());
    let built = Cache::builder()
        .remote(server.url())
        .notify_keyspace_events("KEA")
        .build();
    assert!(matches!(built, Err(ferricache::Error::InvalidConfig(_))));
}

#[test]
fn atomic_batches_are_transactions_on_the_server() {
    let server = RedisServer::start();
    let caches: Vec<Cache> = (0..3).map(|_| near(&server)).collect();
    caches[0].set("acct:a", "500").unwrap();
    caches[0].set("acct:b", "500").unwrap();
    // Transfers from 9 threads of 3 caches; each batch sees a consistent pair (no other
    // batch's half), the total never changes, and a count written as read + 1 (so that
    // two batches that both ran on one reading would lose one) counts every batch.
    on_all(&caches, 3, |c, t| {
        for i in 0..15 {
            let (from, to) = if (t + i) % 2 == 0 {
                ("acct:a", "acct:b")
            } else {
                ("acct:b", "acct:a")
            };
            c.atomic(&["acct:a", "acct:b", "acct:n"], |tx| {
                let a: i64 = std::str::from_utf8(&tx.get("acct:a")?.unwrap())
                    .unwrap()
                    .parse()
                    .unwrap();
                let b: i64 = std::str::from_utf8(&tx.get("acct:b")?.unwrap())
                    .unwrap()
                    .parse()
                    .unwrap();
                assert_eq!(a + b, 1000, "a batch saw half of another");
                tx.incr_by(from, -7)?;
                tx.incr_by(to, 7)?;
                let n: i64 = tx
                    .get("acct:n")?
                    .map_or(0, |n| std::str::from_utf8(&n).unwrap().parse().unwrap());
                tx.set("acct:n", (n + 1).to_string())?;
                Ok(())
            })
            .unwrap();
        }
    });
    let mut con = server.client();
    let (a, b): (i64, i64) = (con.get("acct:a").unwrap(), con.get("acct:b").unwrap());
    assert_eq!(a + b, 1000);
    assert_eq!(con.get::<_, i64>("acct:n").unwrap(), 9 * 15);
    // Every cache reads the final balances (their copies were dropped on commit).
    for c in &caches {
        assert!(redis_server::eventually(Duration::from_secs(2), || {
            c.get("acct:a").unwrap().unwrap() == a.to_string().as_str()
        }));
    }
    // The batch's commands keep their semantics: reads see the batch's own writes, TTLs,
    // errors; and a batch that only reads changes nothing.
    let c = &caches[0];
    let out = c
        .atomic(&["k", "h"], |tx| {
            assert_eq!(tx.pttl("k")?, -2);
            assert!(!tx.exists("k")?);
            tx.set_ex("k", 100, "v")?;
            assert_eq!(tx.get("k")?.as_deref(), Some(&b"v"[..]));
            assert!(tx.expire("k", 200)?);
            let ttl = tx.pttl("k")?;
            assert!(matches!(
                tx.incr_by("k", 1),
                Err(ferricache::Error::NotInteger)
            ));
            assert!(tx.del("k")?);
            assert_eq!(tx.get("k")?, None);
            tx.incr_by("k", 5)?;
            Ok(ttl)
        })
        .unwrap();
    assert_eq!(out, 200_000);
    assert_eq!(con.get::<_, i64>("k").unwrap(), 5);
    assert_eq!(con.ttl::<_, i64>("k").unwrap(), -1);
    let _: () = con.hset("h", "f", "v").unwrap();
    let e = c.atomic(&["h"], |tx| tx.get("h")).unwrap_err();
    assert!(matches!(e, ferricache::Error::WrongType), "{e:?}");
    assert!(c.atomic(&["h"], |tx| tx.get("undeclared")).is_err());
}

#[test]
fn client_transactions_run_on_the_server() {
    use ferricache::Reply;
    let server = RedisServer::start();
    let (a, b) = (near(&server), near(&server));
    a.set("acct", "10").unwrap();
    assert_eq!(b.get("acct").unwrap().unwrap(), "10"); // b holds a copy now
    let mut client = a.client();
    // A watched key changed by another process: nil, nothing applied.
    assert_eq!(client.execute(&["WATCH", "acct"]), Reply::OK);
    b.set("acct", "20").unwrap();
    assert_eq!(client.execute(&["MULTI"]), Reply::OK);
    assert_eq!(
        client.execute(&["INCRBY", "acct", "5"]),
        Reply::Status("QUEUED".into())
    );
    assert_eq!(client.execute(&["EXEC"]), Reply::Nil);
    let mut con = server.client();
    assert_eq!(con.get::<_, i64>("acct").unwrap(), 20);
    // Unchanged: applied on the server, atomically, runtime errors in place; the client's
    // cache reads its own writes, and the other cache sees them through tracking.
    assert_eq!(a.get("acct").unwrap().unwrap(), "20");
    client.execute(&["WATCH", "acct"]);
    client.execute(&["MULTI"]);
    client.execute(&["INCRBY", "acct", "5"]);
    client.execute(&["LPUSH", "acct", "x"]);
    client.execute(&["SET", "other", "1"]);
    let Reply::Array(replies) = client.execute(&["EXEC"]) else {
        panic!("EXEC applied")
    };
    assert_eq!(replies[0], Reply::Integer(25));
    assert!(matches!(&replies[1], Reply::Error(e) if e.starts_with("WRONGTYPE")));
    assert_eq!(replies[2], Reply::OK);
    assert_eq!(a.get("acct").unwrap().unwrap(), "25");
    assert!(redis_server::eventually(Duration::from_secs(2), || {
        b.get("acct").unwrap().unwrap() == "25"
    }));
    // A command refused while queueing: EXECABORT, nothing sent.
    client.execute(&["MULTI"]);
    client.execute(&["SET", "acct", "0"]);
    assert!(matches!(client.execute(&["NOSUCH"]), Reply::Error(_)));
    assert!(matches!(client.execute(&["EXEC"]), Reply::Error(e) if e.starts_with("EXECABORT")));
    assert_eq!(con.get::<_, i64>("acct").unwrap(), 25);
}
