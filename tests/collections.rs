//! Lists, hashes, sets and sorted sets, checked against replies recorded from Redis 7.0.

mod common;

use bytes::Bytes;
use common::mock_cache;
use ferricache::{
    Aggregate, Cache, End, Error, LexBound, Position, RangeBy, ScoreBound, ValueType, ZAddOptions,
};
use std::time::Duration;

fn strs(v: Vec<Bytes>) -> Vec<String> {
    v.into_iter()
        .map(|b| String::from_utf8(b.to_vec()).unwrap())
        .collect()
}

fn scored(v: Vec<(Bytes, f64)>) -> Vec<(String, f64)> {
    v.into_iter()
        .map(|(b, s)| (String::from_utf8(b.to_vec()).unwrap(), s))
        .collect()
}

#[test]
fn wrongtype_everywhere_and_nothing_changes() {
    let c = Cache::new();
    c.set("str", "x").unwrap();
    c.lpush("list", ["a"]).unwrap();
    assert!(matches!(c.lpush("str", ["a"]), Err(Error::WrongType)));
    assert!(matches!(
        c.hset("list", [("f", "v")]),
        Err(Error::WrongType)
    ));
    assert!(matches!(c.sadd("list", ["m"]), Err(Error::WrongType)));
    assert!(matches!(
        c.zadd("list", [(1.0, "m")]),
        Err(Error::WrongType)
    ));
    assert!(matches!(c.get("list"), Err(Error::WrongType)));
    assert!(matches!(c.incr("list"), Err(Error::WrongType)));
    assert!(matches!(c.append("list", "x"), Err(Error::WrongType)));
    assert!(matches!(c.llen("str"), Err(Error::WrongType)));
    assert!(matches!(
        c.set_with("list", "v", &ferricache::SetOptions::new().get()),
        Err(Error::WrongType)
    ));
    assert_eq!(
        c.mget(&["list", "str"]).unwrap()[0],
        None,
        "MGET gives nil for other types"
    );
    assert_eq!(
        Error::WrongType.to_string(),
        "WRONGTYPE Operation against a key holding the wrong kind of value"
    );
    assert_eq!(strs(c.lrange("list", 0, -1).unwrap()), ["a"]);
    assert_eq!(c.key_type("list").unwrap(), Some(ValueType::List));
    // SET overwrites any type.
    c.set("list", "now a string").unwrap();
    assert_eq!(c.key_type("list").unwrap(), Some(ValueType::String));
}

#[test]
fn lists() {
    let c = Cache::new();
    assert_eq!(c.rpush("l", ["a", "b", "c", "a", "b", "a"]).unwrap(), 6);
    assert_eq!(c.lpos("l", "a", 1, None, 0).unwrap(), [0]);
    assert_eq!(c.lpos("l", "a", 2, None, 0).unwrap(), [3]);
    assert_eq!(c.lpos("l", "a", -1, None, 0).unwrap(), [5]);
    assert_eq!(c.lpos("l", "a", 1, Some(0), 0).unwrap(), [0, 3, 5]);
    assert_eq!(c.lpos("l", "a", -2, Some(2), 0).unwrap(), [3, 0]);
    assert_eq!(c.lpos("l", "a", 1, Some(0), 3).unwrap(), [0]);
    assert_eq!(c.lpos("l", "a", -1, Some(0), 2).unwrap(), [5]);
    assert!(c.lpos("l", "a", 0, None, 0).is_err());
    assert_eq!(c.lrem("l", -2, "a").unwrap(), 2);
    assert_eq!(strs(c.lrange("l", 0, -1).unwrap()), ["a", "b", "c", "b"]);
    assert_eq!(c.linsert("l", Position::Before, "b", "X").unwrap(), 5);
    assert_eq!(c.linsert("l", Position::After, "zz", "X").unwrap(), -1);
    assert_eq!(c.linsert("nol", Position::After, "a", "X").unwrap(), 0);
    assert_eq!(
        c.lset("l", 100, "x").unwrap_err().to_string(),
        "ERR index out of range"
    );
    assert_eq!(
        c.lset("nol", 0, "x").unwrap_err().to_string(),
        "ERR no such key"
    );
    assert_eq!(c.lpop_count("l", 0).unwrap(), Some(vec![]));
    assert_eq!(c.lpop_count("nol", 2).unwrap(), None);
    c.ltrim("l", 1, -2).unwrap();
    assert_eq!(strs(c.lrange("l", 0, -1).unwrap()), ["X", "b", "c"]);
    assert_eq!(c.lindex("l", -1).unwrap().unwrap(), "c");
    assert_eq!(c.lindex("l", 3).unwrap(), None);
    c.lset("l", -1, "C").unwrap();
    assert_eq!(
        strs(c.rpop_count("l", 5).unwrap().unwrap()),
        ["C", "b", "X"]
    );
    assert_eq!(c.exists(&["l"]).unwrap(), 0, "an emptied list is removed");
    assert_eq!(c.lpushx("l", ["a"]).unwrap(), 0);
    assert_eq!(c.exists(&["l"]).unwrap(), 0);
    c.rpush("src", ["1", "2", "3"]).unwrap();
    assert_eq!(
        c.lmove("src", "dst", End::Right, End::Left)
            .unwrap()
            .unwrap(),
        "3"
    );
    assert_eq!(c.rpoplpush("src", "dst").unwrap().unwrap(), "2");
    assert_eq!(strs(c.lrange("dst", 0, -1).unwrap()), ["2", "3"]);
    assert_eq!(
        c.lmove("src", "src", End::Left, End::Right)
            .unwrap()
            .unwrap(),
        "1",
        "rotation of a one-element list"
    );
    assert_eq!(strs(c.lrange("src", 0, -1).unwrap()), ["1"]);
    c.set("s", "x").unwrap();
    assert!(matches!(
        c.lmove("src", "s", End::Left, End::Left),
        Err(Error::WrongType)
    ));
    assert_eq!(
        c.llen("src").unwrap(),
        1,
        "nothing popped when the destination is of the wrong type"
    );
}

#[test]
fn hashes() {
    let c = Cache::new();
    assert_eq!(c.hset("h", [("f", "1"), ("g", "x")]).unwrap(), 2);
    assert_eq!(c.hset("h", [("f", "1"), ("new", "y")]).unwrap(), 1);
    assert_eq!(c.hincrby("h", "f", 2).unwrap(), 3);
    assert_eq!(
        c.hincrby("h", "g", 1).unwrap_err().to_string(),
        "ERR hash value is not an integer"
    );
    assert_eq!(
        c.hincrbyfloat("h", "g", 1.0).unwrap_err().to_string(),
        "ERR hash value is not a float"
    );
    assert_eq!(c.hincrbyfloat("h", "f", 0.5).unwrap(), 3.5);
    assert_eq!(c.hget("h", "f").unwrap().unwrap(), "3.5");
    assert!(!c.hsetnx("h", "f", "9").unwrap());
    assert!(c.hsetnx("h", "z", "9").unwrap());
    assert_eq!(c.hlen("h").unwrap(), 4);
    assert_eq!(
        c.hmget("h", &["f", "nope"]).unwrap(),
        vec![Some(Bytes::from("3.5")), None]
    );
    assert_eq!(c.hstrlen("h", "new").unwrap(), 1);
    assert!(c.hexists("h", "z").unwrap());
    let mut keys = strs(c.hkeys("h").unwrap());
    keys.sort();
    assert_eq!(keys, ["f", "g", "new", "z"]);
    assert_eq!(c.hgetall("h").unwrap().len(), 4);
    assert_eq!(c.hrandfield_count("h", 10).unwrap().len(), 4);
    assert_eq!(c.hrandfield_count("h", -10).unwrap().len(), 10);
    let picks = c.hrandfield_count("h", 3).unwrap();
    let mut distinct: Vec<_> = picks.iter().map(|(f, _)| f.clone()).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3);
    assert_eq!(
        c.hscan("h", 0, Some(b"n*"), 100).unwrap(),
        (0, vec![(Bytes::from("new"), Bytes::from("y"))])
    );
    assert_eq!(c.hdel("h", &["f", "g", "new", "z", "nope"]).unwrap(), 4);
    assert_eq!(c.exists(&["h"]).unwrap(), 0);
}

#[test]
fn sets() {
    let c = Cache::new();
    assert_eq!(c.sadd("s", ["a", "b", "c", "a"]).unwrap(), 3);
    c.sadd("s2", ["b", "c", "d"]).unwrap();
    assert_eq!(c.sintercard(&["s", "s2"], 1).unwrap(), 1);
    assert_eq!(c.sintercard(&["s", "s2"], 0).unwrap(), 2);
    let mut inter = strs(c.sinter(&["s", "s2"]).unwrap());
    inter.sort();
    assert_eq!(inter, ["b", "c"]);
    assert_eq!(c.sunion(&["s", "s2", "missing"]).unwrap().len(), 4);
    assert_eq!(strs(c.sdiff(&["s", "s2"]).unwrap()), ["a"]);
    assert!(c.sinter(&["s", "missing"]).unwrap().is_empty());
    assert_eq!(c.sunionstore("u", &["s", "s2"]).unwrap(), 4);
    assert_eq!(c.scard("u").unwrap(), 4);
    assert_eq!(c.sdiffstore("u", &["s", "s"]).unwrap(), 0);
    assert_eq!(
        c.exists(&["u"]).unwrap(),
        0,
        "an empty result deletes the destination"
    );
    assert!(c.smove("s", "s2", "a").unwrap());
    assert!(!c.smove("s", "s2", "a").unwrap());
    assert!(c.sismember("s2", "a").unwrap());
    assert_eq!(c.smismember("s2", &["a", "z"]).unwrap(), [true, false]);
    assert_eq!(c.srandmember_count("s2", -7).unwrap().len(), 7);
    assert_eq!(c.srandmember_count("s2", 2).unwrap().len(), 2);
    let popped = c.spop_count("s2", 10).unwrap();
    assert_eq!(popped.len(), 4);
    assert_eq!(c.exists(&["s2"]).unwrap(), 0);
    c.set("str", "x").unwrap();
    assert!(matches!(c.sunion(&["s", "str"]), Err(Error::WrongType)));
    assert_eq!(c.srem("s", &["b", "c", "zz"]).unwrap(), 2);
    assert_eq!(c.exists(&["s"]).unwrap(), 0);
}

#[test]
fn sorted_sets() {
    let c = Cache::new();
    let inf = f64::INFINITY;
    assert_eq!(
        c.zadd(
            "z",
            [
                (0.1, "a"),
                (1e20, "b"),
                (inf, "c"),
                (-inf, "d"),
                (3.0, "e"),
                (1.5, "f")
            ]
        )
        .unwrap(),
        6
    );
    assert_eq!(
        scored(c.zrange_withscores("z", 0, -1).unwrap()),
        [
            ("d".into(), -inf),
            ("a".into(), 0.1),
            ("f".into(), 1.5),
            ("e".into(), 3.0),
            ("b".into(), 1e20),
            ("c".into(), inf)
        ]
    );
    assert_eq!(
        c.zadd("z", [(f64::NAN, "x")]).unwrap_err().to_string(),
        "ERR value is not a valid float"
    );
    let o = |nx, xx, gt, lt, ch| ZAddOptions { nx, xx, gt, lt, ch };
    assert_eq!(
        c.zadd_with("z", [(1.0, "a")], o(true, true, false, false, false))
            .unwrap_err()
            .to_string(),
        "ERR XX and NX options at the same time are not compatible"
    );
    assert_eq!(
        c.zadd_with("z", [(1.0, "a")], o(false, false, true, true, false))
            .unwrap_err()
            .to_string(),
        "ERR GT, LT, and/or NX options at the same time are not compatible"
    );
    assert_eq!(
        c.zadd_incr("z", 5.0, "a", o(true, false, false, false, false))
            .unwrap(),
        None
    );
    assert_eq!(
        c.zadd_with(
            "z",
            [(0.0, "a"), (10.0, "e")],
            o(false, false, true, false, true)
        )
        .unwrap(),
        1
    );
    assert_eq!(c.zscore("z", "e").unwrap(), Some(10.0));
    assert_eq!(c.zscore("z", "a").unwrap(), Some(0.1));
    assert_eq!(
        c.zincrby("z", inf, "d").unwrap_err().to_string(),
        "ERR resulting score is not a number (NaN)"
    );
    assert!(c
        .zrange_by("z", &RangeBy::Index(0, -1), false, Some((0, 2)))
        .is_err());
    let open = ScoreBound::Exclusive(1.0);
    assert_eq!(
        scored(
            c.zrangebyscore("z", open, ScoreBound::Inclusive(inf), None)
                .unwrap()
        ),
        [
            ("f".into(), 1.5),
            ("e".into(), 10.0),
            ("b".into(), 1e20),
            ("c".into(), inf)
        ]
    );
    assert_eq!(strs(c.zrevrange("z", 0, 1).unwrap()), ["c", "b"]);
    assert_eq!(c.zrank("z", "f").unwrap(), Some(2));
    assert_eq!(c.zrevrank("z", "f").unwrap(), Some(3));
    assert_eq!(c.zrank_withscore("z", "e", false).unwrap(), Some((3, 10.0)));
    assert_eq!(c.zrank("z", "nope").unwrap(), None);
    assert_eq!(
        c.zcount("z", ScoreBound::Inclusive(-inf), ScoreBound::Inclusive(inf))
            .unwrap(),
        6
    );
    assert_eq!(
        c.zcount("z", ScoreBound::Exclusive(0.1), ScoreBound::Exclusive(10.0))
            .unwrap(),
        1
    );
    assert_eq!(
        scored(
            c.zrevrangebyscore(
                "z",
                ScoreBound::Inclusive(inf),
                ScoreBound::Inclusive(1.0),
                Some((1, 2))
            )
            .unwrap()
        ),
        [("b".into(), 1e20), ("e".into(), 10.0)]
    );
    assert_eq!(c.zcard("z").unwrap(), 6);
    assert_eq!(c.zmscore("z", &["a", "nope"]).unwrap(), [Some(0.1), None]);
    assert_eq!(
        scored(c.zpopmin("z", 2).unwrap()),
        [("d".into(), -inf), ("a".into(), 0.1)]
    );
    assert_eq!(scored(c.zpopmax("z", 1).unwrap()), [("c".into(), inf)]);
    assert_eq!(
        c.zremrangebyscore("z", ScoreBound::Inclusive(10.0), ScoreBound::Inclusive(inf))
            .unwrap(),
        2
    );
    assert_eq!(c.zrem("z", &["f", "nope"]).unwrap(), 1);
    assert_eq!(c.exists(&["z"]).unwrap(), 0);
}

#[test]
fn sorted_sets_by_lex_and_rank_removal() {
    let c = Cache::new();
    c.zadd("lex", ["a", "b", "c", "d", "e", "f", "g"].map(|m| (0.0, m)))
        .unwrap();
    let (i, x) = (
        |s: &str| LexBound::Inclusive(Bytes::copy_from_slice(s.as_bytes())),
        |s: &str| LexBound::Exclusive(Bytes::copy_from_slice(s.as_bytes())),
    );
    assert_eq!(
        strs(c.zrangebylex("lex", LexBound::Min, i("c"), None).unwrap()),
        ["a", "b", "c"]
    );
    assert_eq!(
        strs(c.zrangebylex("lex", LexBound::Min, x("c"), None).unwrap()),
        ["a", "b"]
    );
    assert_eq!(
        strs(c.zrangebylex("lex", i("aaa"), x("g"), None).unwrap()),
        ["b", "c", "d", "e", "f"]
    );
    assert_eq!(
        strs(
            c.zrevrangebylex("lex", LexBound::Max, x("e"), Some((1, 1)))
                .unwrap()
        ),
        ["f"]
    );
    assert_eq!(c.zlexcount("lex", LexBound::Min, LexBound::Max).unwrap(), 7);
    assert_eq!(c.zlexcount("lex", i("b"), x("f")).unwrap(), 4);
    assert_eq!(c.zremrangebylex("lex", x("e"), LexBound::Max).unwrap(), 2);
    assert_eq!(c.zremrangebyrank("lex", 0, 1).unwrap(), 2);
    assert_eq!(strs(c.zrange("lex", 0, -1).unwrap()), ["c", "d", "e"]);
    assert_eq!(c.zrandmember_count("lex", -5).unwrap().len(), 5);
    assert_eq!(c.zscan("lex", 0, Some(b"[cd]"), 100).unwrap().1.len(), 2);
}

#[test]
fn zunionstore_and_zinterstore() {
    let c = Cache::new();
    c.zadd("z", [(1.0, "a"), (2.0, "b")]).unwrap();
    c.sadd("s2", ["b", "c", "d", "a"]).unwrap();
    assert_eq!(
        c.zunionstore("out", &["z", "s2"], Some(&[2.0, 3.0]), Aggregate::Sum)
            .unwrap(),
        4
    );
    assert_eq!(
        scored(c.zrange_withscores("out", 0, -1).unwrap()),
        [
            ("c".into(), 3.0),
            ("d".into(), 3.0),
            ("a".into(), 5.0),
            ("b".into(), 7.0)
        ]
    );
    assert_eq!(
        c.zinterstore("out", &["z", "s2"], None, Aggregate::Max)
            .unwrap(),
        2
    );
    assert_eq!(
        scored(c.zrange_withscores("out", 0, -1).unwrap()),
        [("a".into(), 1.0), ("b".into(), 2.0)]
    );
    assert_eq!(
        c.zinterstore("out", &["z", "missing"], None, Aggregate::Sum)
            .unwrap(),
        0
    );
    assert_eq!(c.exists(&["out"]).unwrap(), 0);
    c.set("str", "x").unwrap();
    assert!(matches!(
        c.zunionstore("out", &["z", "str"], None, Aggregate::Sum),
        Err(Error::WrongType)
    ));
}

#[test]
fn ttl_is_kept_across_modifications_and_collections_count_in_memory() {
    let (c, clock) = mock_cache();
    let before = c.stats().used_memory;
    c.rpush("l", ["a"]).unwrap();
    c.expire("l", 10).unwrap();
    c.rpush("l", ["b"]).unwrap();
    c.lpop("l").unwrap();
    assert_eq!(c.ttl("l").unwrap(), 10);
    c.hset("h", [("f", "v")]).unwrap();
    let one = c.stats().used_memory;
    c.hset(
        "h",
        (0..100).map(|i| (format!("field{i}"), "x".repeat(100))),
    )
    .unwrap();
    assert!(
        c.stats().used_memory > one + 100 * 100,
        "hash fields are charged"
    );
    c.del(&["h"]).unwrap();
    clock.advance(Duration::from_secs(10));
    assert_eq!(c.llen("l").unwrap(), 0);
    c.run_pending_tasks();
    assert_eq!(c.stats().used_memory, before);
}

#[test]
fn leaderboard_scenario() {
    let c = Cache::new();
    for i in 0..1000 {
        c.zadd("lb", [((i * 37 % 1000) as f64, format!("player{i}"))])
            .unwrap();
    }
    c.zincrby("lb", 5000.0, "player1").unwrap();
    let top = scored(c.zrevrange_withscores("lb", 0, 2).unwrap());
    assert_eq!(top[0], ("player1".into(), 5037.0));
    assert_eq!(c.zrevrank("lb", "player1").unwrap(), Some(0));
    // Rank agrees with a sort of the scores for every member.
    let all = scored(c.zrevrange_withscores("lb", 0, -1).unwrap());
    for (r, (m, _)) in all.iter().enumerate().step_by(97) {
        assert_eq!(c.zrevrank("lb", m).unwrap(), Some(r));
    }
}

#[test]
fn hscan_sscan_and_zscan_return_every_stable_element_while_the_collection_changes() {
    let c = Cache::new();
    let stable: Vec<String> = (0..300).map(|i| format!("stable{i}")).collect();
    c.hset("h", stable.iter().map(|f| (f.clone(), "v")))
        .unwrap();
    c.sadd("s", stable.clone()).unwrap();
    c.hset("h", (0..300).map(|i| (format!("churn{i}"), "v")))
        .unwrap();
    c.sadd("s", (0..300).map(|i| format!("churn{i}"))).unwrap();
    c.zadd("z", stable.iter().map(|m| (1.0, m.clone())))
        .unwrap();
    c.zadd("z", (0..300).map(|i| (2.0, format!("churn{i}"))))
        .unwrap();
    let (mut hc, mut sc, mut zc, mut calls) = (0u64, 0u64, 0u64, 0);
    let (mut hseen, mut sseen, mut zseen) = (Vec::new(), Vec::new(), Vec::new());
    loop {
        let (next_h, fields) = c.hscan("h", hc, None, 7).unwrap();
        let (next_s, members) = c.sscan("s", sc, None, 7).unwrap();
        let (next_z, scored) = c.zscan("z", zc, None, 7).unwrap();
        hseen.extend(fields.into_iter().map(|(f, _)| f));
        sseen.extend(members);
        zseen.extend(scored.into_iter().map(|(m, _)| m));
        calls += 1;
        // Between calls, remove some churn elements (swap-removal moves others) and add new.
        let gone = [
            format!("churn{}", calls * 3 % 300),
            format!("churn{}", calls * 7 % 300),
        ];
        c.hdel("h", &gone).unwrap();
        c.srem("s", &gone).unwrap();
        c.zrem("z", &gone).unwrap();
        c.hset("h", [(format!("new{calls}"), "v")]).unwrap();
        c.sadd("s", [format!("new{calls}")]).unwrap();
        c.zadd("z", [(0.5, format!("new{calls}"))]).unwrap();
        (hc, sc, zc) = (next_h, next_s, next_z);
        if hc == 0 && sc == 0 && zc == 0 {
            break;
        }
    }
    for f in &stable {
        assert!(hseen.iter().any(|x| x == f.as_str()), "HSCAN missed {f}");
        assert!(sseen.iter().any(|x| x == f.as_str()), "SSCAN missed {f}");
        assert!(zseen.iter().any(|x| x == f.as_str()), "ZSCAN missed {f}");
    }
    assert_eq!(c.sscan("missing", 0, None, 10).unwrap(), (0, vec![]));
    let (_, first) = c.sscan("s", 0, Some(b"stable1?"), 1000).unwrap();
    assert_eq!(first.len(), 10);
    // Small (packed) collections come back whole in one page, as Redis 7.0 returns a
    // listpack or an intset; a small set of strings, a hash table in Redis 7.0, walks by
    // its cursor.
    c.sadd("small", ["1", "2", "3"]).unwrap();
    c.zadd("zsmall", [(1.0, "a"), (2.0, "b"), (3.0, "c")])
        .unwrap();
    let (cursor, mut members) = c.sscan("small", 0, None, 1).unwrap();
    members.sort();
    assert_eq!(
        (cursor, members),
        (0, vec!["1".into(), "2".into(), "3".into()])
    );
    c.sadd("strings", ["a", "b", "c"]).unwrap();
    let (mut cursor, mut pages, mut members) = (0, 0, Vec::new());
    loop {
        let (next, page) = c.sscan("strings", cursor, None, 1).unwrap();
        (pages, cursor) = (pages + 1, next);
        members.extend(page);
        if cursor == 0 {
            break;
        }
    }
    members.sort();
    assert_eq!(
        (pages, members),
        (3, vec!["a".into(), "b".into(), "c".into()])
    );
    let (cursor, scored) = c.zscan("zsmall", 0, Some(b"[ab]"), 1).unwrap();
    assert_eq!(
        (cursor, scored),
        (0, vec![("a".into(), 1.0), ("b".into(), 2.0)])
    );
}
