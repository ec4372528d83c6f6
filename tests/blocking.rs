//! Blocking pops across threads: handoff, fairness, timeouts that leave no trace.

use ferricache::{Cache, End};
use std::collections::HashSet;
use std::thread;
use std::time::{Duration, Instant};

/// Waits (bounded) until `n` clients are blocked: thread scheduling, not expiry.
fn until_blocked(c: &Cache, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.stats().blocked_clients != n {
        assert!(
            Instant::now() < deadline,
            "never reached {n} blocked clients"
        );
        thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn write_behind_queue_delivers_every_job_exactly_once() {
    let c = Cache::new();
    let consumers: Vec<_> = (0..4)
        .map(|_| {
            let c = c.clone();
            thread::spawn(move || {
                let mut got = Vec::new();
                while let Some((_, job)) = c.brpop(&["db-write-queue"], 2.0).unwrap() {
                    if &job[..] == b"stop" {
                        break;
                    }
                    got.push(String::from_utf8(job.to_vec()).unwrap());
                }
                got
            })
        })
        .collect();
    let producers: Vec<_> = (0..4)
        .map(|p| {
            let c = c.clone();
            thread::spawn(move || {
                for i in 0..2500 {
                    c.lpush("db-write-queue", [format!("{p}:{i}")]).unwrap();
                }
            })
        })
        .collect();
    producers.into_iter().for_each(|h| h.join().unwrap());
    c.lpush("db-write-queue", ["stop", "stop", "stop", "stop"])
        .unwrap();
    let mut all = Vec::new();
    for h in consumers {
        all.extend(h.join().unwrap());
    }
    assert_eq!(all.len(), 10_000);
    assert_eq!(
        all.iter().collect::<HashSet<_>>().len(),
        10_000,
        "no job twice"
    );
    assert_eq!(c.exists(&["db-write-queue"]).unwrap(), 0);
}

#[test]
fn waiters_are_served_first_come_first_served() {
    let c = Cache::new();
    let mut waiters = Vec::new();
    for w in 0..3 {
        let c2 = c.clone();
        waiters.push(thread::spawn(move || {
            (w, c2.blpop(&["q"], 0.0).unwrap().unwrap().1)
        }));
        until_blocked(&c, w + 1);
    }
    for e in ["first", "second", "third"] {
        c.rpush("q", [e]).unwrap();
    }
    let got: Vec<(usize, String)> = waiters
        .into_iter()
        .map(|h| {
            let (w, e) = h.join().unwrap();
            (w, String::from_utf8(e.to_vec()).unwrap())
        })
        .collect();
    assert_eq!(
        got,
        [
            (0, "first".into()),
            (1, "second".into()),
            (2, "third".into())
        ]
    );
}

#[test]
fn a_push_of_many_elements_serves_many_waiters() {
    let c = Cache::new();
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let c = c.clone();
            thread::spawn(move || c.brpop(&["q"], 0.0).unwrap().unwrap().1)
        })
        .collect();
    until_blocked(&c, 3);
    c.lpush("q", ["a", "b", "c", "d"]).unwrap();
    let mut got: Vec<_> = waiters.into_iter().map(|h| h.join().unwrap()).collect();
    got.sort();
    assert_eq!(got, ["a", "b", "c"]);
    assert_eq!(c.lrange("q", 0, -1).unwrap(), ["d"]);
}

#[test]
fn timeouts_return_none_and_leave_no_trace() {
    let c = Cache::new();
    let t = Instant::now();
    assert_eq!(c.brpop(&["a", "b"], 0.05).unwrap(), None);
    assert!(t.elapsed() >= Duration::from_millis(50));
    assert_eq!(c.stats().blocked_clients, 0);
    // A later push is not taken by the waiter that gave up.
    c.rpush("a", ["x"]).unwrap();
    assert_eq!(c.llen("a").unwrap(), 1);
    assert_eq!(
        c.blpop(&["a"], -1.0).unwrap_err().to_string(),
        "ERR timeout is negative"
    );
    assert!(c.blpop(&["a"], f64::NAN).is_err());
}

#[test]
fn first_non_empty_key_from_the_left_wins() {
    let c = Cache::new();
    c.rpush("b", ["b1"]).unwrap();
    c.rpush("c", ["c1"]).unwrap();
    let (k, e) = c.blpop(&["a", "b", "c"], 1.0).unwrap().unwrap();
    assert_eq!((&k[..], &e[..]), (&b"b"[..], &b"b1"[..]));
    c.set("str", "x").unwrap();
    assert!(matches!(
        c.blpop(&["str"], 0.1),
        Err(ferricache::Error::WrongType)
    ));
}

#[test]
fn a_waiter_on_several_keys_takes_exactly_one_element() {
    let c = Cache::new();
    let c2 = c.clone();
    let w = thread::spawn(move || c2.blpop(&["x", "y"], 0.0).unwrap().unwrap());
    until_blocked(&c, 1);
    c.mset([("unrelated", "1")]).unwrap();
    c.rpush("y", ["from-y"]).unwrap();
    c.rpush("x", ["from-x"]).unwrap();
    let (k, e) = w.join().unwrap();
    assert_eq!((&k[..], &e[..]), (&b"y"[..], &b"from-y"[..]));
    assert_eq!(c.lrange("x", 0, -1).unwrap(), ["from-x"]);
}

#[test]
fn bzpopmin_is_served_by_zadd_and_blmove_moves() {
    let c = Cache::new();
    let c2 = c.clone();
    let w = thread::spawn(move || c2.bzpopmin(&["lb"], 0.0).unwrap().unwrap());
    until_blocked(&c, 1);
    c.zadd("lb", [(5.0, "five"), (1.0, "one")]).unwrap();
    let (k, m, s) = w.join().unwrap();
    assert_eq!((&k[..], &m[..], s), (&b"lb"[..], &b"one"[..], 1.0));
    assert_eq!(c.zcard("lb").unwrap(), 1);
    let c3 = c.clone();
    let w = thread::spawn(move || {
        c3.blmove("src", "dst", End::Left, End::Right, 0.0)
            .unwrap()
            .unwrap()
    });
    until_blocked(&c, 1);
    c.rpush("src", ["job"]).unwrap();
    assert_eq!(w.join().unwrap(), "job");
    assert_eq!(c.lrange("dst", 0, -1).unwrap(), ["job"]);
    assert_eq!(c.exists(&["src"]).unwrap(), 0);
    assert_eq!(c.bzpopmax(&["nothing"], 0.01).unwrap(), None);
}

#[test]
fn pop_waiter_calls_back_and_a_dropped_waiter_gives_its_element_back() {
    use ferricache::Take;
    use std::sync::mpsc;
    let c = Cache::new();
    let w = c.pop_waiter(&["jobs"], Take::ListHead).unwrap();
    let (tx, rx) = mpsc::channel();
    w.on_ready(move || tx.send(()).unwrap());
    assert!(rx.try_recv().is_err());
    c.rpush("jobs", ["j1", "j2"]).unwrap();
    rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(w.try_take().unwrap().element, "j1");
    assert_eq!(c.lrange("jobs", 0, -1).unwrap(), ["j2"]);
    drop(w);
    // Served but never taken: the element goes back to the head.
    let w = c.pop_waiter(&["empty", "jobs"], Take::ListHead).unwrap();
    drop(w);
    assert_eq!(c.lrange("jobs", 0, -1).unwrap(), ["j2"]);
    let w = c.pop_waiter(&["q2"], Take::ZMin).unwrap();
    c.zadd("q2", [(3.0, "m")]).unwrap();
    assert_eq!(c.zcard("q2").unwrap(), 0, "served to the waiter");
    drop(w);
    assert_eq!(
        c.zscore("q2", "m").unwrap(),
        Some(3.0),
        "given back with its score"
    );
    assert_eq!(c.stats().blocked_clients, 0);
}

#[test]
fn blmpop_and_bzmpop_wait_then_take_up_to_count_from_the_served_key() {
    let c = Cache::new();
    let lists = {
        let c = c.clone();
        thread::spawn(move || c.blmpop(&["a", "b"], End::Right, 3, 5.0))
    };
    until_blocked(&c, 1);
    c.rpush("b", ["1", "2", "3", "4"]).unwrap();
    let (key, items) = lists.join().unwrap().unwrap().unwrap();
    assert_eq!(key, "b");
    assert_eq!(items, vec!["4", "3", "2"]);
    assert_eq!(c.lrange("b", 0, -1).unwrap(), vec!["1"]);

    let zsets = {
        let c = c.clone();
        thread::spawn(move || c.bzmpop(&["z"], false, 2, 5.0))
    };
    until_blocked(&c, 1);
    c.zadd("z", [(3.0, "c"), (1.0, "a"), (2.0, "b")]).unwrap();
    let (key, members) = zsets.join().unwrap().unwrap().unwrap();
    assert_eq!(key, "z");
    assert_eq!(members, vec![("a".into(), 1.0), ("b".into(), 2.0)]);
    assert_eq!(c.zcard("z").unwrap(), 1);

    // Elements already there are taken at once, `count` at a time; a timeout is None.
    assert_eq!(
        c.blmpop(&["b"], End::Left, 5, 0.01).unwrap(),
        Some(("b".into(), vec!["1".into()]))
    );
    let started = Instant::now();
    assert_eq!(c.bzmpop(&["none"], true, 1, 0.05).unwrap(), None);
    assert!(started.elapsed() >= Duration::from_millis(50));
    assert_eq!(c.stats().blocked_clients, 0);
    assert!(c.blmpop(&["b"], End::Left, 1, -1.0).is_err());
}
