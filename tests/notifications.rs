//! Keyspace notifications on Redis's channels, for each event class.

mod common;

use common::{drain, mock_cache, T0};
use ferricache::{Cache, EvictionPolicy, MockClock, Subscription};
use std::time::Duration;

fn listen(c: &Cache) -> Subscription {
    let mut s = c.subscriber();
    s.psubscribe(["__key*__:*"]);
    s
}

fn pair(ch: &str, payload: &str) -> (String, String) {
    (ch.to_string(), payload.to_string())
}

#[test]
fn off_by_default_and_configurable_at_run_time() {
    let c = Cache::new();
    let s = listen(&c);
    c.set("k", "v").unwrap();
    assert!(drain(&s).is_empty());
    assert_eq!(c.notify_keyspace_events(), "");
    c.set_notify_keyspace_events("KEA").unwrap();
    assert_eq!(c.notify_keyspace_events(), "AKE");
    c.set("k", "v").unwrap();
    assert_eq!(
        drain(&s),
        [
            pair("__keyspace@0__:k", "set"),
            pair("__keyevent@0__:set", "k")
        ]
    );
    assert!(c.set_notify_keyspace_events("Q").is_err());
    assert_eq!(
        c.notify_keyspace_events(),
        "AKE",
        "a bad value changes nothing"
    );
    assert!(Cache::builder()
        .notify_keyspace_events("?")
        .build()
        .is_err());
}

#[test]
fn each_command_family_signals_its_events() {
    let c = Cache::builder()
        .notify_keyspace_events("Eg$lshz")
        .build()
        .unwrap();
    let s = listen(&c);
    let events = |s: &Subscription| {
        drain(s)
            .into_iter()
            .map(|(ch, key)| format!("{} {key}", ch.trim_start_matches("__keyevent@0__:")))
            .collect::<Vec<_>>()
    };
    c.set_with("a", "1", &ferricache::SetOptions::new().ex(10))
        .unwrap();
    c.incr("a").unwrap();
    c.append("a", "0").unwrap();
    c.rename("a", "b").unwrap();
    c.copy("b", "c", false).unwrap();
    c.expire("c", 100).unwrap();
    c.persist("c").unwrap();
    c.del(&["b", "c", "missing"]).unwrap();
    assert_eq!(
        events(&s),
        [
            "set a",
            "expire a",
            "incrby a",
            "append a",
            "rename_from a",
            "rename_to b",
            "copy_to c",
            "expire c",
            "persist c",
            "del b",
            "del c"
        ]
    );
    c.rpush("l", ["x"]).unwrap();
    c.lpop("l").unwrap();
    c.hset("h", [("f", "v")]).unwrap();
    c.hsetnx("h", "f", "v").unwrap(); // no change: no event
    c.sadd("s", ["m"]).unwrap();
    c.sadd("s", ["m"]).unwrap(); // no change: no event
    c.zadd("z", [(1.0, "m")]).unwrap();
    c.zincrby("z", 2.0, "m").unwrap();
    c.zrem("z", &["m"]).unwrap();
    assert_eq!(
        events(&s),
        [
            "rpush l", "lpop l", "del l", "hset h", "sadd s", "zadd z", "zincr z", "zrem z",
            "del z"
        ]
    );
}

#[test]
fn class_filters_and_keyspace_only() {
    let c = Cache::builder()
        .notify_keyspace_events("Kl")
        .build()
        .unwrap();
    let s = listen(&c);
    c.set("str", "v").unwrap();
    c.lpush("list", ["a"]).unwrap();
    assert_eq!(drain(&s), [pair("__keyspace@0__:list", "lpush")]);
    // n (new keys) is not part of A.
    c.set_notify_keyspace_events("KA").unwrap();
    c.set("fresh", "v").unwrap();
    assert_eq!(drain(&s), [pair("__keyspace@0__:fresh", "set")]);
    c.set_notify_keyspace_events("En").unwrap();
    c.set("fresh", "again").unwrap();
    c.set("newer", "v").unwrap();
    assert_eq!(drain(&s), [pair("__keyevent@0__:new", "newer")]);
}

#[test]
fn expired_fires_when_the_key_is_removed_lazily_or_by_the_wheel() {
    let (c, clock) = mock_cache();
    c.set_notify_keyspace_events("Ex").unwrap();
    let s = listen(&c);
    c.set_ex("lazy", 1, "v").unwrap();
    c.set_ex("wheel", 1, "v").unwrap();
    assert!(drain(&s).is_empty(), "x alone signals no SET");
    clock.advance(Duration::from_secs(1));
    assert_eq!(c.get("lazy").unwrap(), None);
    assert_eq!(drain(&s), [pair("__keyevent@0__:expired", "lazy")]);
    // Active expiry removes the other key: this call, or the expiry thread if it came
    // first, which publishes once it lets go of the shard, so wait for the event.
    c.run_pending_tasks();
    let m = s
        .recv_timeout(Duration::from_secs(5))
        .unwrap()
        .expect("the expired event");
    assert_eq!(
        (&m.channel[..], &m.payload[..]),
        (&b"__keyevent@0__:expired"[..], &b"wheel"[..])
    );
    assert!(drain(&s).is_empty());
    let _ = T0;
}

#[test]
fn evicted_fires_when_eviction_removes_a_key() {
    let clock = MockClock::new(T0);
    let c = Cache::builder()
        .clock(clock)
        .max_entries(10)
        .eviction_policy(EvictionPolicy::AllKeysRandom)
        .notify_keyspace_events("Ee")
        .build()
        .unwrap();
    let s = listen(&c);
    for i in 0..15 {
        c.set(format!("k{i}"), "v").unwrap();
    }
    let evicted = drain(&s);
    assert_eq!(evicted.len(), 5);
    assert!(evicted.iter().all(|(ch, _)| ch == "__keyevent@0__:evicted"));
    for (_, key) in &evicted {
        assert_eq!(
            c.exists(&[key]).unwrap(),
            0,
            "{key} was reported evicted but is still there"
        );
    }
}
