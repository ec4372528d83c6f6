//! Every typed method in near-cache mode, side by side with a plain local engine: each
//! call must return what the local engine returns for the same calls, and at the end the
//! server must hold what the local engine holds (so no write stayed local and no read
//! answered from a stale or half-made copy).
#![cfg(feature = "remote-test-hooks")]

#[path = "support/redis_server.rs"]
mod redis_server;
#[path = "support/replies.rs"]
mod replies;

use std::time::Duration;

use ferricache::{
    Aggregate, Cache, End, Error, ExpireCondition, Expiry, LexBound, Position, RangeBy,
    RemoteOptions, Reply, ScanOptions, ScoreBound, SetOptions, ValueType, ZAddOptions,
};
use redis_server::RedisServer;
use replies::{direct, norm};

fn near(server: &RedisServer) -> Cache {
    Cache::builder()
        .remote(server.url())
        .remote_options(RemoteOptions::new().max_staleness(Duration::from_millis(400)))
        .build()
        .unwrap()
}

/// Runs `$call` on the near cache and on the local engine and asserts that both answer
/// alike (errors by their text).
macro_rules! same {
    ($near:expr, $local:expr, |$c:ident| $call:expr) => {{
        let a = {
            let $c = &$near;
            shown($call)
        };
        let b = {
            let $c = &$local;
            shown($call)
        };
        assert_eq!(a, b, "{}", stringify!($call));
    }};
}

trait Shown {
    fn shown(self) -> String;
}

impl<T: std::fmt::Debug> Shown for Result<T, Error> {
    fn shown(self) -> String {
        match self {
            Ok(v) => format!("Ok({v:?})"),
            Err(e) => format!("Err({e})"),
        }
    }
}

macro_rules! shown_plain {
    ($($t:ty),*) => {$(
        impl Shown for $t {
            fn shown(self) -> String {
                format!("{self:?}")
            }
        }
    )*};
}
shown_plain!(
    usize,
    i64,
    bool,
    Option<ValueType>,
    Vec<Option<ferricache::Bytes>>,
    Option<ferricache::Bytes>,
    Vec<ferricache::Bytes>,
    ()
);

fn shown<T: Shown>(t: T) -> String {
    t.shown()
}

/// A key's type, contents (in a stable order) and whether it has a TTL, as `execute`
/// replies through the given runner.
fn snapshot(run: &mut dyn FnMut(&[&str]) -> Reply, key: &str) -> String {
    let t = match run(&["TYPE", key]) {
        Reply::Status(t) => t.to_string(),
        other => panic!("TYPE {key}: {other:?}"),
    };
    let sorted = |r: Reply| match r {
        Reply::Array(mut items) => {
            items.sort_by_key(|i| format!("{i:?}"));
            format!("{items:?}")
        }
        other => format!("{other:?}"),
    };
    let body = match &t[..] {
        "string" => format!("{:?}", run(&["GET", key])),
        "hash" => sorted(run(&["HGETALL", key])),
        "list" => format!("{:?}", run(&["LRANGE", key, "0", "-1"])),
        "set" => sorted(run(&["SMEMBERS", key])),
        "zset" => format!("{:?}", run(&["ZRANGE", key, "0", "-1", "WITHSCORES"])),
        _ => String::new(),
    };
    let ttl = match run(&["PTTL", key]) {
        Reply::Integer(n) => n.signum(),
        other => panic!("PTTL {key}: {other:?}"),
    };
    format!("{t} {body} ttl:{ttl}")
}

#[test]
fn every_typed_method_answers_as_the_local_engine_and_lands_on_the_server() {
    let server = RedisServer::start();
    let n = near(&server);
    let l = Cache::new();
    let both = [&n, &l];
    let far = 4_102_444_800i64; // 2100-01-01

    // Strings.
    same!(n, l, |c| c.set("s", "hello"));
    same!(n, l, |c| c.get("s"));
    same!(n, l, |c| c.set_with(
        "s2",
        "v",
        &SetOptions::new().nx().px(60_000)
    ));
    same!(n, l, |c| c.set_nx("s2", "w"));
    same!(n, l, |c| c.getset("s2", "w"));
    same!(n, l, |c| c.set_ex("s3", 100, "x"));
    same!(n, l, |c| c.pset_ex("s4", 100_000, "y"));
    same!(n, l, |c| c.mset([("m1", "1"), ("m2", "2")]));
    same!(n, l, |c| c.msetnx([("m2", "9"), ("m3", "3")]));
    same!(n, l, |c| c.msetnx([("m4", "4"), ("m5", "5")]));
    same!(n, l, |c| c.mget(&["m1", "m3", "m4"]).unwrap());
    same!(n, l, |c| c.getdel("m5"));
    same!(n, l, |c| c.getex("m4", Some(Expiry::Ex(500))));
    same!(n, l, |c| c.getex("m4", Some(Expiry::Persist)));
    same!(n, l, |c| c.getrange("s", 1, -2));
    same!(n, l, |c| c.setrange("s", 6, "world"));
    same!(n, l, |c| c.append("s", "!"));
    same!(n, l, |c| c.strlen("s"));
    same!(n, l, |c| c.incr("ctr"));
    same!(n, l, |c| c.decr_by("ctr", 10));
    same!(n, l, |c| c.incr_by_float("f", 2.5));
    same!(n, l, |c| c.setbit("bits", 9, true));
    same!(n, l, |c| c.getbit("bits", 9));
    same!(n, l, |c| c.bitcount("bits", None));
    same!(n, l, |c| c.bitpos(
        "bits",
        0,
        None,
        None,
        ferricache::BitUnit::Byte
    ));
    same!(n, l, |c| c.bitop(
        ferricache::BitOp::Not,
        "nbits",
        &["bits"]
    ));
    same!(n, l, |c| c.incr_by_float("f", -0.25));
    same!(n, l, |c| c.incr("s"));
    same!(n, l, |c| c.incr_by_float("s", 1.0));

    // Keys.
    same!(n, l, |c| c.exists(&["s", "nope", "s"]).unwrap());
    same!(n, l, |c| c.touch(&["s"]).unwrap());
    same!(n, l, |c| c.key_type("s").unwrap());
    same!(n, l, |c| c.key_type("nope").unwrap());
    same!(n, l, |c| c.rename("m1", "m1b"));
    same!(n, l, |c| c.renamenx("m1b", "m2"));
    same!(n, l, |c| c.rename("nope", "x"));
    same!(n, l, |c| c.copy("m2", "m2c", false));
    same!(n, l, |c| c.copy("m2", "m2c", true));
    same!(n, l, |c| c.expire("m2c", 1000));
    same!(n, l, |c| c.expire_with(
        "m2c",
        Expiry::Ex(10),
        ExpireCondition::new().gt()
    ));
    same!(n, l, |c| c.expire_with(
        "m2c",
        Expiry::Px(2_000_000),
        ExpireCondition::new().gt()
    ));
    same!(n, l, |c| c.expire_at("m3", far));
    same!(n, l, |c| c.pexpire_at("m2", far * 1000));
    same!(n, l, |c| c.expiretime("m3").unwrap());
    same!(n, l, |c| c.pexpiretime("m2").unwrap());
    same!(n, l, |c| c.persist("m3").unwrap());
    same!(n, l, |c| c.persist("m3").unwrap());
    same!(n, l, |c| c.expire_at("gone", 1));
    same!(n, l, |c| c.del(&["m1b", "nope"]).unwrap());
    same!(n, l, |c| c.unlink(&["m2c"]).unwrap());

    // Hashes.
    same!(n, l, |c| c.hset("h", [("a", "1"), ("b", "2")]));
    same!(n, l, |c| c.hsetnx("h", "a", "9"));
    same!(n, l, |c| c.hsetnx("h", "c", "3"));
    same!(n, l, |c| c.hmget("h", &["a", "x", "c"]));
    same!(n, l, |c| c.hexists("h", "b"));
    same!(n, l, |c| c.hstrlen("h", "a"));
    same!(n, l, |c| c.hincrby("h", "a", 41));
    same!(n, l, |c| c.hincrbyfloat("h", "f", 0.5));
    same!(n, l, |c| c.hincrby("h", "f", 1));
    same!(n, l, |c| c.hdel("h", &["b", "zz"]));
    same!(n, l, |c| c.hlen("h"));
    same!(n, l, |c| c.hget("h", "a"));
    same!(n, l, |c| c.hset("h1", [("only", "v")]));
    same!(n, l, |c| c.hrandfield("h1"));
    same!(n, l, |c| c.hrandfield_count("h1", 3));
    same!(n, l, |c| c.hscan("h1", 0, None, 10));
    same!(n, l, |c| c.hincrby("s", "a", 1));

    // Lists.
    same!(n, l, |c| c.rpush("q", ["a", "b", "c", "b"]));
    same!(n, l, |c| c.lpush("q", ["z"]));
    same!(n, l, |c| c.lpushx("nolist", ["z"]));
    same!(n, l, |c| c.rpushx("q", ["e"]));
    same!(n, l, |c| c.lindex("q", -1));
    same!(n, l, |c| c.lset("q", 0, "y"));
    same!(n, l, |c| c.lset("q", 99, "y"));
    same!(n, l, |c| c.linsert("q", Position::Before, "c", "bc"));
    same!(n, l, |c| c.linsert("q", Position::After, "nope", "x"));
    same!(n, l, |c| c.lpos("q", "b", 1, None, 0));
    same!(n, l, |c| c.lpos("q", "b", -1, Some(0), 0));
    same!(n, l, |c| c.lrem("q", -1, "b"));
    same!(n, l, |c| c.lpop("q"));
    same!(n, l, |c| c.rpop("q"));
    same!(n, l, |c| c.lpop_count("q", 2));
    same!(n, l, |c| c.lmpop(
        &["nolist", "q"],
        ferricache::End::Right,
        1
    ));
    same!(n, l, |c| c.rpop_count("nolist", 2));
    same!(n, l, |c| c.rpush("q", ["1", "2", "3", "4"]));
    same!(n, l, |c| c.ltrim("q", 1, -2));
    same!(n, l, |c| c.lmove("q", "q2", End::Left, End::Right));
    same!(n, l, |c| c.rpoplpush("q", "q2"));
    same!(n, l, |c| c.lrange("q2", 0, -1));
    same!(n, l, |c| c.llen("q"));
    same!(n, l, |c| c.blpop(&["q2"], 0.1));
    same!(n, l, |c| c.brpop(&["empty"], 0.05));
    same!(n, l, |c| c.blmove("q2", "q3", End::Right, End::Left, 0.1));
    same!(n, l, |c| c.brpoplpush("empty", "q3", 0.05));
    same!(n, l, |c| c.lpush("s", ["x"]));

    // Sets.
    same!(n, l, |c| c.sadd("a", ["1", "2", "3"]));
    same!(n, l, |c| c.sadd("b", ["2", "3", "4"]));
    same!(n, l, |c| c.smismember("a", &["1", "4"]));
    same!(n, l, |c| c.srem("a", &["9"]));
    same!(n, l, |c| c.smove("a", "b", "1"));
    same!(n, l, |c| c.smove("a", "b", "nope"));
    same!(n, l, |c| c.sinter(&["a", "b"]).map(sorted));
    same!(n, l, |c| c.sunion(&["a", "b"]).map(sorted));
    same!(n, l, |c| c.sdiff(&["b", "a"]).map(sorted));
    same!(n, l, |c| c.sinterstore("ab", &["a", "b"]));
    same!(n, l, |c| c.sunionstore("aub", &["a", "b"]));
    same!(n, l, |c| c.sdiffstore("bma", &["b", "a"]));
    same!(n, l, |c| c.sintercard(&["a", "b"], 0));
    same!(n, l, |c| c.sintercard(&["a", "b"], 1));
    same!(n, l, |c| c.sadd("one", ["m"]));
    same!(n, l, |c| c.srandmember("one"));
    same!(n, l, |c| c.srandmember_count("one", -2));
    same!(n, l, |c| c.sscan("one", 0, Some(b"m*"), 10));
    same!(n, l, |c| c.spop("one"));
    same!(n, l, |c| c.spop_count("one", 3));
    same!(n, l, |c| c.smembers("bma").map(sorted));
    same!(n, l, |c| c.scard("aub"));
    same!(n, l, |c| c.sadd("s", ["x"]));

    // Sorted sets.
    same!(n, l, |c| c
        .zadd("z", [(1.0, "a"), (2.0, "b"), (3.0, "c"), (3.0, "d")]));
    same!(n, l, |c| c.zadd_with(
        "z",
        [(5.0, "a")],
        ZAddOptions {
            gt: true,
            ch: true,
            ..Default::default()
        }
    ));
    same!(n, l, |c| c.zadd_incr("z", 1.5, "b", ZAddOptions::default()));
    same!(n, l, |c| c.zadd_incr(
        "z",
        1.0,
        "new",
        ZAddOptions {
            xx: true,
            ..Default::default()
        }
    ));
    same!(n, l, |c| c.zincrby("z", -1.0, "c"));
    same!(n, l, |c| c.zscore("z", "b"));
    same!(n, l, |c| c.zmscore("z", &["a", "x"]));
    same!(n, l, |c| c.zrank("z", "c"));
    same!(n, l, |c| c.zrevrank("z", "c"));
    same!(n, l, |c| c.zrank_withscore("z", "d", false));
    same!(n, l, |c| c.zrank_withscore("z", "d", true));
    same!(n, l, |c| c.zrank_withscore("z", "nope", true));
    same!(n, l, |c| c.zrange("z", 0, -1));
    same!(n, l, |c| c.zrevrange("z", 0, 1));
    same!(n, l, |c| c.zrange_withscores("z", 1, -1));
    same!(n, l, |c| c.zrevrange_withscores("z", 0, -1));
    let (inc, exc) = (ScoreBound::Inclusive, ScoreBound::Exclusive);
    same!(n, l, |c| c.zrangebyscore(
        "z",
        inc(2.0),
        inc(f64::INFINITY),
        None
    ));
    same!(n, l, |c| c.zrangebyscore(
        "z",
        exc(2.0),
        inc(5.0),
        Some((1, 2))
    ));
    same!(n, l, |c| c.zrevrangebyscore(
        "z",
        inc(f64::INFINITY),
        inc(f64::NEG_INFINITY),
        Some((0, 2))
    ));
    same!(n, l, |c| c.zrange_by(
        "z",
        &RangeBy::Score(inc(1.0), exc(5.0)),
        true,
        None
    ));
    same!(n, l, |c| c.zrange_by(
        "z",
        &RangeBy::Index(0, 0),
        true,
        None
    ));
    same!(n, l, |c| c.zcount("z", exc(2.0), inc(f64::INFINITY)));
    same!(n, l, |c| c
        .zadd("lex", [(0.0, "a"), (0.0, "b"), (0.0, "c"), (0.0, "d")]));
    let m = |s: &str| ferricache::Bytes::copy_from_slice(s.as_bytes());
    same!(n, l, |c| c.zrangebylex(
        "lex",
        LexBound::Inclusive(m("b")),
        LexBound::Max,
        None
    ));
    same!(n, l, |c| c.zrevrangebylex(
        "lex",
        LexBound::Exclusive(m("d")),
        LexBound::Min,
        Some((0, 2))
    ));
    same!(n, l, |c| c.zrange_by(
        "lex",
        &RangeBy::Lex(LexBound::Min, LexBound::Exclusive(m("c"))),
        false,
        None
    ));
    same!(n, l, |c| c.zrange_by(
        "lex",
        &RangeBy::Lex(LexBound::Min, LexBound::Max),
        true,
        Some((1, 2))
    ));
    same!(n, l, |c| c.zlexcount(
        "lex",
        LexBound::Exclusive(m("a")),
        LexBound::Max
    ));
    same!(n, l, |c| c.zremrangebylex(
        "lex",
        LexBound::Min,
        LexBound::Inclusive(m("a"))
    ));
    same!(n, l, |c| c.zremrangebyrank("lex", -1, -1));
    same!(n, l, |c| c.zremrangebyscore(
        "z",
        inc(f64::NEG_INFINITY),
        exc(2.0)
    ));
    same!(n, l, |c| c.zrem("z", &["nope", "d"]));
    same!(n, l, |c| c.zcard("z"));
    same!(n, l, |c| c.zadd("z2", [(1.0, "b"), (10.0, "x")]));
    same!(n, l, |c| c.zunionstore(
        "zu",
        &["z", "z2"],
        Some(&[1.0, 2.0]),
        Aggregate::Max
    ));
    same!(n, l, |c| c.zinterstore(
        "zi",
        &["z", "z2"],
        None,
        Aggregate::Sum
    ));
    same!(n, l, |c| c.zrange_withscores("zu", 0, -1));
    same!(n, l, |c| c.zunion(
        &["z", "z2"],
        Some(&[1.0, 3.0]),
        Aggregate::Sum
    ));
    same!(n, l, |c| c.zinter(&["z", "z2"], None, Aggregate::Min));
    same!(n, l, |c| c.zdiff(&["z", "z2"]));
    same!(n, l, |c| c.zdiffstore("zd", &["z", "z2"]));
    same!(n, l, |c| c.zrangestore(
        "zr",
        "z",
        &ferricache::RangeBy::Index(0, 1),
        true,
        None
    ));
    same!(n, l, |c| c.zrange_withscores("zr", 0, -1));
    same!(n, l, |c| c.zintercard(&["z", "z2"], 0));
    same!(n, l, |c| c.zmpop(&["nozset", "zd"], true, 2));
    same!(n, l, |c| c.zpopmin("zu", 2));
    same!(n, l, |c| c.zpopmax("zu", 1));
    same!(n, l, |c| c.bzpopmin(&["zu"], 0.1));
    same!(n, l, |c| c.bzpopmax(&["nozset"], 0.05));
    same!(n, l, |c| c.bzmpop(&["nozset", "zu"], false, 2, 0.1));
    same!(n, l, |c| c.rpush("bl", ["a", "b", "c"]));
    same!(n, l, |c| c.blmpop(&["none", "bl"], End::Right, 2, 0.1));

    // HyperLogLog, LCS, SORT and introspection.
    same!(n, l, |c| c.pfadd("hll", &["a", "b", "c"]));
    same!(n, l, |c| c.pfadd("hll", &["a"]));
    same!(n, l, |c| c.pfmerge("hll2", &["hll", "nohll"]));
    same!(n, l, |c| c.pfcount(&["hll2"]));
    same!(n, l, |c| c.pfcount(&["hll", "hll2"]));
    same!(n, l, |c| c.pfadd("s", &["x"]));
    same!(n, l, |c| c
        .mset([("lcs1", "ohmytext"), ("lcs2", "mynewtext")]));
    same!(n, l, |c| c.lcs("lcs1", "lcs2"));
    same!(n, l, |c| c.lcs_len("lcs1", "lcs2"));
    same!(n, l, |c| c.lcs_idx("lcs1", "lcs2", 2));
    same!(n, l, |c| c.rpush("ids", ["3", "1", "2"]));
    same!(n, l, |c| c.mset([("w_1", "9"), ("w_2", "8"), ("w_3", "7")]));
    let by_weight = ferricache::SortOptions {
        by: Some("w_*".into()),
        get: vec!["#".into(), "w_*".into()],
        ..Default::default()
    };
    same!(n, l, |c| c.sort("ids", &by_weight));
    same!(n, l, |c| c.sort_store("ids", "sorted", &Default::default()));
    // A list's encoding is the server's own (Valkey 8 and Redis 7.2 keep small lists as
    // listpacks).
    assert!(matches!(
        n.object_encoding("ids").unwrap(),
        Some("quicklist" | "listpack")
    ));
    same!(n, l, |c| c.object_encoding("lcs1"));
    same!(n, l, |c| c.object_freq("ids"));
    same!(n, l, |c| c.memory_usage("nokey"));
    same!(n, l, |c| c.zadd("zone", [(7.0, "m")]));
    same!(n, l, |c| c.zrandmember("zone"));
    same!(n, l, |c| c.zrandmember_count("zone", 2));
    same!(n, l, |c| c.zscan("zone", 0, None, 10));
    same!(n, l, |c| c.zadd("s", [(1.0, "x")]));
    same!(n, l, |c| c.zadd("z", [(f64::NAN, "x")]));
    let (u8t, i5t): (ferricache::BitFieldType, ferricache::BitFieldType) =
        ("u8".parse().unwrap(), "i5".parse().unwrap());
    same!(n, l, |c| c.bitfield(
        "bf",
        &[
            ferricache::BitFieldOp::IncrBy(u8t, 0, 250),
            ferricache::BitFieldOp::Overflow(ferricache::Overflow::Fail),
            ferricache::BitFieldOp::IncrBy(u8t, 0, 10),
            ferricache::BitFieldOp::Set(i5t, 11, -3),
            ferricache::BitFieldOp::Get(i5t, 11),
        ]
    ));
    same!(n, l, |c| c.bitfield_ro("bf", &[(u8t, 0), (i5t, 11)]));
    same!(n, l, |c| c.bitfield_ro("s", &[(u8t, 0)]));
    // DUMP and RESTORE: the engine's payload restores on the server (the server's own is
    // of its RDB version, which Valkey numbers past Redis's).
    let theirs = n.dump("bf").unwrap().unwrap();
    l.restore("bf3", 0, &theirs, &Default::default()).unwrap();
    assert_eq!(l.get("bf3").unwrap(), l.get("bf").unwrap());
    l.del(&["bf3"]).unwrap();
    let payload = l.dump("bf").unwrap().unwrap();
    same!(n, l, |c| c.restore("bf2", 0, &payload, &Default::default()));
    same!(n, l, |c| c.restore("bf2", 0, &payload, &Default::default()));
    same!(n, l, |c| c.get("bf2"));
    same!(n, l, |c| c.dump("nokey"));

    // The keyspace as a whole.
    same!(n, l, |c| c.dbsize().unwrap());
    same!(n, l, |c| sorted(c.keys("m*").unwrap()));
    same!(n, l, |c| sorted(
        c.scan_iter(ScanOptions::new().pattern("z*"))
            .map(Result::unwrap)
            .collect()
    ));
    same!(n, l, |c| sorted(
        c.scan_iter(ScanOptions::new().value_type(ValueType::Set))
            .map(Result::unwrap)
            .collect()
    ));
    same!(n, l, |c| c.randomkey().unwrap().is_some());

    // The server holds what the local engine holds; a second near cache reads it so.
    let mut con = server.client();
    let mut keys: Vec<String> = l
        .keys("*")
        .unwrap()
        .iter()
        .map(|k| String::from_utf8(k.to_vec()).unwrap())
        .collect();
    keys.sort();
    let mut on_server: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut con).unwrap();
    on_server.sort();
    assert_eq!(keys, on_server);
    let other = near(&server);
    for key in &keys {
        let want = snapshot(&mut |a: &[&str]| norm(l.execute(a)), key);
        let got = snapshot(&mut |a: &[&str]| direct(&mut con, a), key);
        assert_eq!(got, want, "on the server: {key}");
        let read = snapshot(&mut |a: &[&str]| norm(other.execute(a)), key);
        assert_eq!(read, want, "through another near cache: {key}");
    }

    // FLUSHALL through the typed API empties the server.
    for c in both {
        c.flushall().unwrap();
    }
    assert_eq!(n.dbsize().unwrap(), 0);
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut con).unwrap(), 0);
}

fn sorted(mut v: Vec<ferricache::Bytes>) -> Vec<ferricache::Bytes> {
    v.sort();
    v
}

#[test]
fn apis_without_a_server_form_say_so() {
    let server = RedisServer::start();
    let n = near(&server);
    let Err(e) = n.pop_waiter(&["q"], ferricache::Take::ListHead) else {
        panic!("a pop waiter in near-cache mode")
    };
    assert!(e.to_string().contains("near-cache mode"), "{e}");
}
