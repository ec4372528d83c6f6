//! Databases: SELECT, FLUSHDB, MOVE, COPY ... DB, SWAPDB, per-database DBSIZE, SCAN, KEYS,
//! RANDOMKEY, INFO keyspace and notifications; WATCH and blocked clients across them; the
//! shared memory bound; and many threads in many databases against a model.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use common::{drain, mock_cache, T0};
use ferricache::{Cache, DbStats, EvictionPolicy, Reply, ScanOptions};

fn text(r: &Reply) -> String {
    match r {
        Reply::Status(s) => s.to_string(),
        Reply::Error(s) => s.clone(),
        Reply::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        Reply::Integer(n) => n.to_string(),
        Reply::Nil => "nil".into(),
        other => format!("{other:?}"),
    }
}

#[test]
fn databases_hold_separate_keys_of_any_type() {
    let c = Cache::new();
    let one = c.select(1).unwrap();
    c.set("k", "zero").unwrap();
    one.rpush("k", ["a", "b"]).unwrap();
    assert_eq!(c.get("k").unwrap().unwrap(), "zero");
    assert_eq!(one.lrange("k", 0, -1).unwrap(), ["a", "b"]);
    assert!(one.get("k").is_err(), "WRONGTYPE in db 1, a string in db 0");
    assert_eq!((c.dbsize().unwrap(), one.dbsize().unwrap()), (1, 1));
    one.set("only-in-1", "x").unwrap();
    assert_eq!(c.keys("*").unwrap(), ["k"]);
    let mut in_one = one.keys("*").unwrap();
    in_one.sort();
    assert_eq!(in_one, ["k", "only-in-1"]);
    let all: Vec<_> = one
        .scan_iter(ScanOptions::new())
        .map(Result::unwrap)
        .collect();
    assert_eq!(all.len(), 2);
    assert_eq!(c.randomkey().unwrap().unwrap(), "k");
    assert_eq!(c.select(2).unwrap().randomkey().unwrap(), None);
    assert_eq!(c.stats().keys, 3, "the stats count every database");
    assert_eq!(
        c.keyspace(),
        [
            DbStats {
                db: 0,
                keys: 1,
                expires: 0
            },
            DbStats {
                db: 1,
                keys: 2,
                expires: 0
            }
        ]
    );
    assert!(c.select(16).is_err());
    assert_eq!(c.databases(), 16);
    let four = Cache::builder().databases(4).build().unwrap();
    assert!(four.select(3).is_ok() && four.select(4).is_err());
    assert!(Cache::builder().databases(0).build().is_err());
    assert!(Cache::builder().databases(257).build().is_err());
}

#[test]
fn flushdb_empties_one_database_and_flushall_every_one() {
    let c = Cache::new();
    let one = c.select(1).unwrap();
    for i in 0..100 {
        c.set(format!("k{i}"), "0").unwrap();
        one.set_ex(format!("k{i}"), 100, "1").unwrap();
    }
    let used = c.stats().used_memory;
    one.flushdb().unwrap();
    assert_eq!((c.dbsize().unwrap(), one.dbsize().unwrap()), (100, 0));
    assert!(
        c.stats().used_memory < used,
        "the flushed keys' memory is returned"
    );
    assert_eq!(c.stats().keys_with_ttl, 0);
    one.set("again", "1").unwrap();
    c.flushall().unwrap();
    assert_eq!(
        (
            c.dbsize().unwrap(),
            one.dbsize().unwrap(),
            c.stats().used_memory
        ),
        (0, 0, 0)
    );
}

#[test]
fn move_keeps_the_ttl_and_never_overwrites() {
    let c = Cache::new();
    let two = c.select(2).unwrap();
    c.set_ex("session", 100, "ada").unwrap();
    assert!(c.move_to_db("session", 2).unwrap());
    assert_eq!(c.exists(&["session"]).unwrap(), 0);
    assert_eq!(two.get("session").unwrap().unwrap(), "ada");
    assert!((99..=100).contains(&two.ttl("session").unwrap()));
    assert!(!c.move_to_db("session", 2).unwrap(), "missing here");
    c.set("session", "other").unwrap();
    assert!(!c.move_to_db("session", 2).unwrap(), "present there");
    assert_eq!(c.get("session").unwrap().unwrap(), "other");
    let same = c.move_to_db("session", 0).unwrap_err();
    assert_eq!(
        same.to_string(),
        "ERR source and destination objects are the same"
    );
    assert_eq!(
        c.move_to_db("session", 16).unwrap_err().to_string(),
        "ERR DB index is out of range"
    );
    assert_eq!(c.keyspace()[1].expires, 1);
}

#[test]
fn copy_into_another_database() {
    let c = Cache::new();
    let three = c.select(3).unwrap();
    c.zadd("lb", [(1.0, "a"), (2.0, "b")]).unwrap();
    assert!(c.copy_to_db("lb", "lb", 3, false).unwrap());
    assert!(!c.copy_to_db("lb", "lb", 3, false).unwrap(), "exists there");
    c.zadd("lb", [(5.0, "c")]).unwrap();
    assert!(c.copy_to_db("lb", "lb", 3, true).unwrap());
    assert_eq!(three.zcard("lb").unwrap(), 3);
    c.zadd("lb", [(6.0, "d")]).unwrap();
    assert_eq!(three.zcard("lb").unwrap(), 3, "a copy, not a shared value");
    assert!(c.copy_to_db("lb", "lb", 0, false).is_err());
    assert!(!c.copy_to_db("missing", "x", 3, false).unwrap());
}

#[test]
fn swapdb_exchanges_contents_and_counts() {
    let c = Cache::new();
    let one = c.select(1).unwrap();
    c.set("a", "in0").unwrap();
    one.set_ex("b", 50, "in1").unwrap();
    one.set("c", "in1").unwrap();
    c.swapdb(0, 1).unwrap();
    assert_eq!((c.dbsize().unwrap(), one.dbsize().unwrap()), (2, 1));
    assert_eq!(c.get("b").unwrap().unwrap(), "in1");
    assert_eq!(one.get("a").unwrap().unwrap(), "in0");
    assert_eq!(c.keyspace()[0].expires, 1);
    c.swapdb(1, 1).unwrap();
    assert_eq!(
        c.swapdb(0, 16).unwrap_err().to_string(),
        "ERR DB index is out of range"
    );
    assert_eq!(c.get("b").unwrap().unwrap(), "in1");
}

#[test]
fn clients_select_and_watch_per_database() {
    let c = Cache::new();
    let mut client = c.client();
    assert_eq!(text(&client.execute(&["SELECT", "5"])), "OK");
    client.execute(&["SET", "k", "five"]);
    assert_eq!(c.select(5).unwrap().get("k").unwrap().unwrap(), "five");
    assert_eq!(c.get("k").unwrap(), None);
    assert_eq!(
        text(&client.execute(&["SELECT", "16"])),
        "ERR DB index is out of range"
    );
    assert_eq!(
        text(&client.execute(&["SELECT", "x"])),
        "ERR value is not an integer or out of range"
    );
    // SELECT inside MULTI applies from there on, as in Redis.
    client.execute(&["MULTI"]);
    client.execute(&["SELECT", "6"]);
    client.execute(&["SET", "k", "six"]);
    let r = client.execute(&["EXEC"]);
    assert_eq!(r, Reply::Array(vec![Reply::OK, Reply::OK]));
    assert_eq!(c.select(6).unwrap().get("k").unwrap().unwrap(), "six");
    assert_eq!(text(&client.execute(&["GET", "k"])), "six");

    // A watched key is that key of the database it was watched in.
    client.execute(&["WATCH", "k"]);
    c.set("k", "db0 changes").unwrap();
    client.execute(&["MULTI"]);
    client.execute(&["SET", "done", "1"]);
    assert_eq!(client.execute(&["EXEC"]), Reply::Array(vec![Reply::OK]));
    client.execute(&["WATCH", "k"]);
    c.select(6).unwrap().set("k", "changed").unwrap();
    client.execute(&["MULTI"]);
    client.execute(&["SET", "done", "2"]);
    assert_eq!(client.execute(&["EXEC"]), Reply::Nil);
    // FLUSHDB and SWAPDB touch the watched keys they change.
    client.execute(&["WATCH", "k"]);
    c.select(6).unwrap().flushdb().unwrap();
    client.execute(&["MULTI"]);
    assert_eq!(client.execute(&["EXEC"]), Reply::Nil);
    client.execute(&["WATCH", "k"]);
    c.select(7).unwrap().set("k", "seven").unwrap();
    c.swapdb(6, 7).unwrap();
    client.execute(&["MULTI"]);
    assert_eq!(client.execute(&["EXEC"]), Reply::Nil);
    // The stateless dispatcher cannot switch; it says how to.
    assert!(text(&c.execute(&["SELECT", "1"])).contains("SELECT needs a connection"));
    assert_eq!(c.execute(&["SELECT", "0"]), Reply::OK);
}

#[test]
fn blocked_clients_wait_in_their_database() {
    let c = Cache::new();
    let one = c.select(1).unwrap();
    let waiter = {
        let one = one.clone();
        thread::spawn(move || one.blpop(&["jobs"], 5.0).unwrap())
    };
    while c.stats().blocked_clients == 0 {
        thread::sleep(Duration::from_millis(1));
    }
    c.rpush("jobs", ["for db 0"]).unwrap();
    thread::sleep(Duration::from_millis(50));
    assert_eq!(
        c.llen("jobs").unwrap(),
        1,
        "db 0's push serves no db-1 client"
    );
    // MOVE brings the list into db 1: the waiter is served from it.
    assert!(c.move_to_db("jobs", 1).unwrap());
    let (key, job) = waiter.join().unwrap().unwrap();
    assert_eq!((&key[..], &job[..]), (&b"jobs"[..], &b"for db 0"[..]));

    let waiter = {
        let one = one.clone();
        thread::spawn(move || one.blpop(&["jobs"], 5.0).unwrap())
    };
    while c.stats().blocked_clients == 0 {
        thread::sleep(Duration::from_millis(1));
    }
    c.rpush("jobs", ["swapped in"]).unwrap();
    c.swapdb(0, 1).unwrap();
    let (_, job) = waiter.join().unwrap().unwrap();
    assert_eq!(
        job, "swapped in",
        "SWAPDB serves clients blocked on keys it brings"
    );
}

#[test]
fn notifications_name_the_database() {
    let (c, clock) = mock_cache();
    c.set_notify_keyspace_events("KEA").unwrap();
    let mut s = c.subscriber();
    s.psubscribe(["__key*__:*"]);
    let three = c.select(3).unwrap();
    three.set("k", "v").unwrap();
    assert_eq!(
        drain(&s),
        [
            ("__keyspace@3__:k".into(), "set".into()),
            ("__keyevent@3__:set".into(), "k".into())
        ]
    );
    three.pexpire("k", 100).unwrap();
    drain(&s);
    c.move_to_db("nothing", 3).unwrap();
    three.move_to_db("k", 4).unwrap();
    assert_eq!(
        drain(&s),
        [
            ("__keyspace@3__:k".into(), "move_from".into()),
            ("__keyevent@3__:move_from".into(), "k".into()),
            ("__keyspace@4__:k".into(), "move_to".into()),
            ("__keyevent@4__:move_to".into(), "k".into())
        ]
    );
    clock.set_ms(T0 + 200);
    c.run_pending_tasks();
    assert_eq!(
        drain(&s),
        [
            ("__keyspace@4__:k".into(), "expired".into()),
            ("__keyevent@4__:expired".into(), "k".into())
        ]
    );
}

#[test]
fn the_memory_bound_is_shared_by_every_database() {
    let c = Cache::builder()
        .max_memory(200_000)
        .eviction_policy(EvictionPolicy::AllKeysLru)
        .build()
        .unwrap();
    let one = c.select(1).unwrap();
    for i in 0..2000 {
        c.set(format!("zero:{i}"), vec![b'x'; 100]).unwrap();
    }
    let before = c.dbsize().unwrap();
    for i in 0..2000 {
        one.set(format!("one:{i}"), vec![b'y'; 100]).unwrap();
    }
    assert!(c.stats().used_memory <= 200_000);
    assert!(
        c.dbsize().unwrap() < before,
        "db 1's writes evicted db 0's keys"
    );
    assert!(one.dbsize().unwrap() > 0);
    let noeviction = Cache::builder()
        .max_memory(10_000)
        .eviction_policy(EvictionPolicy::NoEviction)
        .build()
        .unwrap();
    while noeviction
        .set(format!("k{}", noeviction.dbsize().unwrap()), vec![0u8; 100])
        .is_ok()
    {}
    assert!(
        noeviction.select(1).unwrap().set("k", "v").is_err(),
        "OOM in every db"
    );
}

#[test]
fn info_and_config_show_the_databases() {
    let c = Cache::new();
    c.select(9).unwrap().set_ex("k", 10, "v").unwrap();
    let info = text(&c.execute(&["INFO", "keyspace"]));
    assert!(info.contains("db9:keys=1,expires=1,avg_ttl=0"), "{info}");
    assert!(!info.contains("db0:"));
    assert_eq!(
        c.execute(&["CONFIG", "GET", "databases"]),
        Reply::Array(vec![
            Reply::Bulk("databases".into()),
            Reply::Bulk("16".into())
        ])
    );
    assert!(text(&c.execute(&["CONFIG", "SET", "databases", "4"])).contains("immutable"));
}

/// Eight threads, each in its own database, run random writes on the same key names
/// against a model of their database; another thread moves keys back and forth between
/// two more databases. Every database must end as its model, and the moved keys exactly
/// once each.
#[test]
fn many_threads_in_many_databases_match_a_model() {
    let c = Cache::builder().shards(4).build().unwrap();
    let barrier = Arc::new(Barrier::new(10));
    let mut handles = Vec::new();
    for t in 1..=8usize {
        let db = c.select(t).unwrap();
        let barrier = barrier.clone();
        handles.push(thread::spawn(move || {
            barrier.wait();
            let mut model: HashMap<String, i64> = HashMap::new();
            let mut x = (t as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            for _ in 0..20_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let key = format!("k{}", x % 64);
                match x % 3 {
                    0 => {
                        db.del(&[&key]).unwrap();
                        model.remove(&key);
                    }
                    _ => {
                        let by = (x % 7) as i64;
                        let n = db.incr_by(&key, by).unwrap();
                        let m = model.entry(key).or_default();
                        *m += by;
                        assert_eq!(n, *m);
                    }
                }
            }
            (db, model)
        }));
    }
    let mover = {
        let c = c.clone();
        let barrier = barrier.clone();
        let (nine, ten) = (c.select(9).unwrap(), c.select(10).unwrap());
        for i in 0..200 {
            nine.set(format!("m{i}"), i.to_string()).unwrap();
        }
        thread::spawn(move || {
            barrier.wait();
            for _ in 0..20 {
                for i in 0..200 {
                    assert!(nine.move_to_db(format!("m{i}"), 10).unwrap());
                }
                assert_eq!((nine.dbsize().unwrap(), ten.dbsize().unwrap()), (0, 200));
                // Back in 9 at once.
                c.swapdb(9, 10).unwrap();
            }
        })
    };
    barrier.wait();
    for h in handles {
        let (db, model) = h.join().unwrap();
        assert_eq!(db.dbsize().unwrap(), model.len());
        for (k, v) in model {
            assert_eq!(db.get(&k).unwrap().unwrap(), v.to_string());
        }
    }
    mover.join().unwrap();
    let (nine, ten) = (c.select(9).unwrap(), c.select(10).unwrap());
    assert_eq!(nine.dbsize().unwrap() + ten.dbsize().unwrap(), 200);
    for i in 0..200 {
        let k = format!("m{i}");
        assert_eq!(
            nine.exists(&[&k]).unwrap() + ten.exists(&[&k]).unwrap(),
            1,
            "{k}"
        );
    }
    assert_eq!(c.dbsize().unwrap(), 0);
}
