//! Generic key commands and TTLs, checked against replies recorded from Redis 7.0.

mod common;

use common::{mock_cache, s, T0};
use ferricache::{Cache, Error, ExpireCondition, Expiry, ValueType};
use std::time::Duration;

#[test]
fn del_exists_touch_type() {
    let c = Cache::new();
    c.mset([("a", "1"), ("b", "2"), ("c", "3")]).unwrap();
    assert_eq!(c.exists(&["a", "a", "nope"]).unwrap(), 2);
    assert_eq!(c.touch(&["a", "nope"]).unwrap(), 1);
    assert_eq!(c.key_type("a").unwrap(), Some(ValueType::String));
    assert_eq!(c.key_type("nope").unwrap(), None);
    assert_eq!(c.del(&["a"]).unwrap(), 1);
    assert_eq!(c.del(&["a"]).unwrap(), 0);
    assert_eq!(c.del(&["b", "c", "nope", "b"]).unwrap(), 2);
    assert_eq!(c.unlink(&["b"]).unwrap(), 0);
    assert_eq!(c.dbsize().unwrap(), 0);
}

#[test]
fn rename_renamenx_copy() {
    let (c, _clock) = mock_cache();
    c.set_ex("src", 100, "v").unwrap();
    c.rename("src", "dst").unwrap();
    assert_eq!(c.exists(&["src"]).unwrap(), 0);
    assert_eq!(s(c.get("dst").unwrap()).as_deref(), Some("v"));
    assert_eq!(c.ttl("dst").unwrap(), 100, "RENAME keeps the TTL");
    assert!(matches!(c.rename("src", "x"), Err(Error::NoSuchKey)));
    assert_eq!(
        c.rename("src", "x").unwrap_err().to_string(),
        "ERR no such key"
    );
    c.rename("dst", "dst").unwrap();
    assert!(!c.renamenx("dst", "dst").unwrap());
    c.set("other", "o").unwrap();
    assert!(!c.renamenx("dst", "other").unwrap());
    assert!(c.renamenx("dst", "fresh").unwrap());
    // RENAME overwrites, dropping the destination's TTL for the source's.
    c.set_ex("t", 5, "t").unwrap();
    c.rename("other", "t").unwrap();
    assert_eq!(c.ttl("t").unwrap(), -1);
    // COPY
    assert!(c.copy("fresh", "copy", false).unwrap());
    assert_eq!(c.ttl("copy").unwrap(), 100);
    assert!(!c.copy("fresh", "copy", false).unwrap());
    c.set("copy", "changed").unwrap();
    assert!(c.copy("fresh", "copy", true).unwrap());
    assert_eq!(s(c.get("copy").unwrap()).as_deref(), Some("v"));
    assert!(!c.copy("missing", "copy", true).unwrap());
    assert_eq!(
        c.copy("copy", "copy", true).unwrap_err().to_string(),
        "ERR source and destination objects are the same"
    );
    // Many renames across shards keep the count right.
    for i in 0..200 {
        c.set(format!("r{i}"), "x").unwrap();
        c.rename(format!("r{i}"), format!("q{i}")).unwrap();
    }
    assert_eq!(c.keys("r*").unwrap().len(), 0);
    assert_eq!(c.keys("q*").unwrap().len(), 200);
}

#[test]
fn expire_family_and_ttl() {
    let (c, clock) = mock_cache();
    assert!(!c.expire("missing", 10).unwrap());
    assert_eq!(c.ttl("missing").unwrap(), -2);
    assert_eq!(c.pttl("missing").unwrap(), -2);
    assert_eq!(c.expiretime("missing").unwrap(), -2);
    c.set("k", "v").unwrap();
    assert_eq!(c.ttl("k").unwrap(), -1);
    assert_eq!(c.expiretime("k").unwrap(), -1);
    assert!(c.expire("k", 100).unwrap());
    assert_eq!(c.ttl("k").unwrap(), 100);
    assert_eq!(c.pexpiretime("k").unwrap(), (T0 + 100_000) as i64);
    assert!(c.pexpire("k", 1500).unwrap());
    assert_eq!(c.pttl("k").unwrap(), 1500);
    assert!(c.expire_at("k", (T0 / 1000 + 50) as i64).unwrap());
    assert_eq!(c.expiretime("k").unwrap(), (T0 / 1000 + 50) as i64);
    assert!(c.pexpire_at("k", (T0 + 1_800) as i64).unwrap());
    assert_eq!(
        c.expiretime("k").unwrap(),
        (T0 / 1000 + 2) as i64,
        "EXPIRETIME rounds as Redis"
    );
    assert!(c.persist("k").unwrap());
    assert!(!c.persist("k").unwrap());
    assert_eq!(c.ttl("k").unwrap(), -1);
    // A time in the past deletes the key and still replies 1.
    assert!(c.expire("k", -1).unwrap());
    assert_eq!(c.exists(&["k"]).unwrap(), 0);
    c.set("k", "v").unwrap();
    assert!(c.expire_at("k", 1).unwrap());
    assert_eq!(c.exists(&["k"]).unwrap(), 0);
    // Overflow is an error that changes nothing.
    c.set("k", "v").unwrap();
    assert_eq!(
        c.expire("k", 92_233_720_368_547_758)
            .unwrap_err()
            .to_string(),
        "ERR invalid expire time in 'expire' command"
    );
    assert_eq!(c.ttl("k").unwrap(), -1);
    assert!(c.pexpire_at("k", i64::MAX).unwrap());
    assert!(c.pttl("k").unwrap() > 0);
    clock.advance(Duration::from_secs(1));
}

#[test]
fn expire_conditions() {
    let (c, _clock) = mock_cache();
    let cond = ExpireCondition::new;
    c.set("k", "v").unwrap();
    assert!(!c.expire_with("k", Expiry::Ex(100), cond().xx()).unwrap());
    assert!(
        !c.expire_with("k", Expiry::Ex(100), cond().gt()).unwrap(),
        "no TTL counts as infinite for GT"
    );
    assert!(c.expire_with("k", Expiry::Ex(100), cond().lt()).unwrap());
    assert!(!c.expire_with("k", Expiry::Ex(50), cond().nx()).unwrap());
    assert!(!c.expire_with("k", Expiry::Ex(50), cond().gt()).unwrap());
    assert!(c.expire_with("k", Expiry::Ex(200), cond().gt()).unwrap());
    assert!(c
        .expire_with("k", Expiry::Ex(150), cond().xx().lt())
        .unwrap());
    assert_eq!(c.ttl("k").unwrap(), 150);
    assert_eq!(
        c.expire_with("k", Expiry::Ex(1), cond().nx().xx())
            .unwrap_err()
            .to_string(),
        "ERR NX and XX, GT or LT options at the same time are not compatible"
    );
    assert_eq!(
        c.expire_with("k", Expiry::Ex(1), cond().gt().lt())
            .unwrap_err()
            .to_string(),
        "ERR GT and LT options at the same time are not compatible"
    );
    assert_eq!(c.ttl("k").unwrap(), 150);
}

#[test]
fn keys_randomkey_flushall() {
    let c = Cache::new();
    assert_eq!(c.randomkey().unwrap(), None);
    for k in ["user:1", "user:2", "user:10", "car:1", ""] {
        c.set(k, "x").unwrap();
    }
    let mut users: Vec<String> = c
        .keys("user:?")
        .unwrap()
        .into_iter()
        .map(|b| s(Some(b)).unwrap())
        .collect();
    users.sort();
    assert_eq!(users, ["user:1", "user:2"]);
    assert_eq!(
        c.keys("*").unwrap().len(),
        5,
        "the lone * matches the empty key too"
    );
    assert_eq!(c.keys("user:[0-9][0-9]").unwrap().len(), 1);
    let k = c.randomkey().unwrap().unwrap();
    assert_eq!(c.exists(&[k]).unwrap(), 1);
    c.flushall().unwrap();
    assert_eq!(c.dbsize().unwrap(), 0);
    assert_eq!(c.keys("*").unwrap().len(), 0);
    assert_eq!(c.stats().used_memory, 0);
}

#[test]
fn expired_keys_are_invisible_to_every_command() {
    let (c, clock) = mock_cache();
    c.set_ex("gone", 1, "v").unwrap();
    clock.advance(Duration::from_millis(1000));
    assert_eq!(c.get("gone").unwrap(), None);
    assert_eq!(c.exists(&["gone"]).unwrap(), 0);
    assert_eq!(c.ttl("gone").unwrap(), -2);
    assert_eq!(c.key_type("gone").unwrap(), None);
    assert!(c.keys("*").unwrap().is_empty());
    assert_eq!(c.randomkey().unwrap(), None);
    assert_eq!(c.strlen("gone").unwrap(), 0);
    assert!(!c.expire("gone", 100).unwrap());
    assert!(!c.persist("gone").unwrap());
    assert_eq!(c.incr("gone").unwrap(), 1, "INCR starts from a fresh key");
    assert_eq!(c.ttl("gone").unwrap(), -1);
}

#[test]
fn sort_by_weights_with_get_limit_and_store() {
    use ferricache::SortOptions;
    let c = Cache::new();
    c.rpush("ids", ["3", "1", "2", "10"]).unwrap();
    c.mset([("w_1", "30"), ("w_2", "10"), ("w_3", "20")])
        .unwrap();
    c.hset("user:1", [("name", "ada")]).unwrap();
    c.hset("user:3", [("name", "linus")]).unwrap();
    let plain = |o: &SortOptions| -> Vec<String> {
        c.sort("ids", o)
            .unwrap()
            .into_iter()
            .map(|b| b.map_or("nil".into(), |b| String::from_utf8(b.to_vec()).unwrap()))
            .collect()
    };
    assert_eq!(plain(&SortOptions::default()), ["1", "2", "3", "10"]);
    let alpha = SortOptions {
        alpha: true,
        ..Default::default()
    };
    assert_eq!(plain(&alpha), ["1", "10", "2", "3"]);
    // A missing weight counts 0; equal weights fall back to the elements' order.
    let by = SortOptions {
        by: Some("w_*".into()),
        ..Default::default()
    };
    assert_eq!(plain(&by), ["10", "2", "3", "1"]);
    let get = SortOptions {
        get: vec!["#".into(), "user:*->name".into()],
        limit: Some((1, 2)),
        desc: true,
        ..Default::default()
    };
    assert_eq!(plain(&get), ["3", "linus", "2", "nil"]);
    let nosort = SortOptions {
        by: Some("nosort".into()),
        desc: true,
        ..Default::default()
    };
    assert_eq!(plain(&nosort), ["10", "2", "1", "3"]);
    assert_eq!(c.sort_store("ids", "out", &by).unwrap(), 4);
    assert_eq!(c.lrange("out", 0, -1).unwrap(), vec!["10", "2", "3", "1"]);
    c.rpush("words", ["b", "a"]).unwrap();
    assert!(c.sort("words", &SortOptions::default()).is_err());
    c.set("s", "x").unwrap();
    assert!(matches!(
        c.sort("s", &SortOptions::default()),
        Err(ferricache::Error::WrongType)
    ));
    assert_eq!(c.sort_store("missing", "out", &by).unwrap(), 0);
    assert_eq!(c.exists(&["out"]).unwrap(), 0);
}

#[test]
fn object_and_memory_usage_describe_a_key_without_touching_it() {
    use ferricache::{EvictionPolicy, MockClock};
    use std::time::Duration;
    let clock = MockClock::new(1_700_000_000_000);
    let c = Cache::builder()
        .clock(clock.clone())
        .eviction_policy(EvictionPolicy::AllKeysLru)
        .build()
        .unwrap();
    c.set("n", "42").unwrap();
    c.set("big", "x".repeat(100)).unwrap();
    c.sadd("ints", ["1", "2"]).unwrap();
    c.sadd("words", ["a"]).unwrap();
    c.rpush("l", ["a"]).unwrap();
    let enc = |k: &str| c.object_encoding(k).unwrap();
    assert_eq!(
        [
            enc("n"),
            enc("big"),
            enc("ints"),
            enc("words"),
            enc("l"),
            enc("none")
        ],
        [
            Some("int"),
            Some("raw"),
            Some("intset"),
            Some("hashtable"),
            Some("quicklist"),
            None
        ]
    );
    clock.advance(Duration::from_secs(7));
    // Looking does not count as an access: the idle time keeps growing.
    assert_eq!(c.object_idletime("n").unwrap(), Some(7));
    assert_eq!(c.object_idletime("n").unwrap(), Some(7));
    c.get("n").unwrap();
    assert_eq!(c.object_idletime("n").unwrap(), Some(0));
    // Under LRU Redis shares no integers; FREQ needs an LFU policy.
    assert_eq!(c.object_refcount("n").unwrap(), Some(1));
    assert!(c.object_freq("n").is_err());
    assert_eq!(c.object_freq("none").unwrap(), None);
    let usage = c.memory_usage("big").unwrap().unwrap();
    assert!(usage > 100 && usage <= c.stats().used_memory, "{usage}");
    assert_eq!(c.memory_usage("none").unwrap(), None);

    let lfu = Cache::builder()
        .eviction_policy(EvictionPolicy::AllKeysLfu)
        .build()
        .unwrap();
    lfu.set("k", "v").unwrap();
    assert!(lfu.object_freq("k").unwrap().unwrap() >= 5);
    assert!(lfu.object_idletime("k").is_err());
}
