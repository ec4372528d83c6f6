"""redis-py's API surface: names, parameters and return shapes for every family."""

import datetime

import pytest

import ferricache
from ferricache.exceptions import DataError, OutOfMemoryError, RedisError, ResponseError


def test_bytes_by_default_and_str_when_decoding(rb, r):
    assert rb.set("k", "v") is True
    assert rb.get("k") == b"v"
    assert r.set("k", "v") is True
    assert r.get("k") == "v"
    assert rb.get("missing") is None


def test_inputs_encode_as_redis_py_does(rb):
    rb.set("int", 42)
    rb.set("float", 1.5)
    rb.set("bytes", b"\x00\xff")
    rb.set("view", memoryview(b"mv"))
    rb.set("array", bytearray(b"ba"))
    assert rb.mget("int", "float", "bytes", "view", "array") == [b"42", b"1.5", b"\x00\xff", b"mv", b"ba"]
    for bad in ({"a": 1}, None, True, [1]):
        with pytest.raises(DataError):
            rb.set("k", bad)
    assert rb.get("k") is None  # nothing was written


def test_set_options(r):
    assert r.set("k", "1", nx=True) is True
    assert r.set("k", "2", nx=True) is None
    assert r.set("other", "1", xx=True) is None
    assert r.set("k", "3", get=True) == "1"
    assert r.set("k", "4", ex=100) is True and 99 <= r.ttl("k") <= 100
    assert r.set("k", "5", px=datetime.timedelta(seconds=50)) is True and r.pttl("k") <= 50000
    assert r.set("k", "6", keepttl=True) and r.ttl("k") > 0
    at = datetime.datetime.now() + datetime.timedelta(seconds=30)
    assert r.set("k", "7", exat=at) and 28 <= r.ttl("k") <= 30
    with pytest.raises(DataError):
        r.set("k", "8", ex=1, px=1)
    with pytest.raises(DataError):
        r.set("k", "8", nx=True, xx=True)
    with pytest.raises(ResponseError, match="invalid expire time"):
        r.set("k", "9", ex=0)
    assert r.get("k") == "7"


def test_strings(r):
    assert r.setex("a", 10, "x") is True and r.ttl("a") == 10
    assert r.psetex("b", datetime.timedelta(seconds=5), "y") is True
    assert r.setnx("a", "z") is False
    assert r.getset("a", "new") == "x"
    assert r.getdel("a") == "new" and r.get("a") is None
    assert r.mset({"m1": "1", "m2": "2"}) is True
    assert r.msetnx({"m1": "x", "m3": "3"}) is False
    assert r.mget(["m1", "m2", "nope"]) == ["1", "2", None]
    assert r.append("m1", "23") == 3 and r.strlen("m1") == 3
    assert r.getrange("m1", 0, 1) == "12" and r.setrange("m1", 1, "X") == 3
    assert r.incr("n") == 1 and r.incr("n", 10) == 11 and r.incrby("n", 2) == 13
    assert r.decr("n") == 12 and r.decrby("n", 2) == 10
    assert r.incrbyfloat("f", 0.1) == pytest.approx(0.1)
    assert r.getex("m2", ex=100) == "2" and r.ttl("m2") == 100
    assert r.getex("m2", persist=True) == "2" and r.ttl("m2") == -1
    with pytest.raises(ResponseError, match="^value is not an integer or out of range$"):
        r.incr("m1")


def test_keys_and_ttls(r):
    r.set("a", 1)
    r.set("b", 2)
    assert r.exists("a", "b", "c", "a") == 3
    assert r.type("a") == "string" and r.type("nope") == "none"
    assert r.expire("a", 100) is True and r.expire("a", 50, gt=True) is False
    assert r.expire("nope", 10) is False
    assert r.pexpire("a", datetime.timedelta(seconds=20)) is True and r.pttl("a") <= 20000
    assert r.expireat("b", datetime.datetime.now() + datetime.timedelta(minutes=1)) is True
    assert r.expiretime("b") > 0 and r.pexpiretime("nope") == -2
    assert r.persist("b") is True and r.ttl("b") == -1
    assert r.rename("b", "c") is True and r.renamenx("c", "a") is False
    assert r.copy("c", "d") is True and r.get("d") == "2"
    assert r.touch("a", "zz") == 1 and r.unlink("d") == 1 and r.delete("a", "zz") == 1
    assert sorted(r.keys("*")) == ["c"]
    assert r.dbsize() == 1 and r.randomkey() == "c"
    assert r.flushall() is True and r.dbsize() == 0


def test_scan_family(r):
    for i in range(50):
        r.set(f"user:{i}", i)
        r.set(f"car:{i}", i)
    cursor, keys = r.scan(0, match="user:*", count=10)
    assert isinstance(cursor, int)
    seen = set(r.scan_iter(match="user:*", count=7))
    assert seen == {f"user:{i}" for i in range(50)}
    assert set(r.scan_iter(_type="string")) >= seen
    r.hset("h", mapping={f"f{i}": i for i in range(30)})
    assert dict(r.hscan_iter("h")) == {f"f{i}": str(i) for i in range(30)}
    cursor, page = r.hscan("h", 0, count=100)
    assert cursor == 0 and len(page) == 30
    r.sadd("s", *range(30))
    assert set(r.sscan_iter("s")) == {str(i) for i in range(30)}
    r.zadd("z", {f"m{i}": i for i in range(30)})
    assert dict(r.zscan_iter("z")) == {f"m{i}": float(i) for i in range(30)}


def test_lists(r):
    assert r.rpush("l", "a", "b", "c") == 3 and r.lpush("l", "z") == 4
    assert r.lpushx("nope", "x") == 0 and r.rpushx("l", "d") == 5
    assert r.lrange("l", 0, -1) == ["z", "a", "b", "c", "d"]
    assert r.llen("l") == 5 and r.lindex("l", -1) == "d"
    assert r.lset("l", 0, "Z") is True
    assert r.linsert("l", "BEFORE", "b", "bb") == 6
    assert r.lpos("l", "b") == 3 and r.lpos("l", "b", count=0) == [3]
    assert r.lrem("l", 0, "bb") == 1 and r.ltrim("l", 0, 3) is True
    assert r.lpop("l") == "Z" and r.rpop("l", 2) == ["c", "b"]
    assert r.lpop("nope", 2) is None
    assert r.lmove("l", "l2") == "a" and r.rpoplpush("l2", "l3") == "a"
    with pytest.raises(ResponseError, match="no such key"):
        r.lset("nope", 0, "x")


def test_hashes(r):
    assert r.hset("h", "f", "v") == 1
    assert r.hset("h", mapping={"a": 1, "b": 2}, items=["c", 3]) == 3
    assert r.hsetnx("h", "f", "x") == 0
    assert r.hget("h", "f") == "v" and r.hmget("h", ["a", "nope"]) == ["1", None]
    assert r.hgetall("h") == {"f": "v", "a": "1", "b": "2", "c": "3"}
    assert r.hgetall("nope") == {}
    assert r.hexists("h", "a") is True and r.hlen("h") == 4
    assert sorted(r.hkeys("h")) == ["a", "b", "c", "f"] and len(r.hvals("h")) == 4
    assert r.hstrlen("h", "f") == 1 and r.hdel("h", "a", "zz") == 1
    assert r.hincrby("h", "b", 5) == 7 and r.hincrbyfloat("h", "x", 1.5) == 1.5
    assert r.hrandfield("h") in r.hkeys("h")
    assert len(r.hrandfield("h", 2, withvalues=True)) == 4
    assert r.hmset("h2", {"k": "v"}) is True
    with pytest.raises(DataError):
        r.hset("h")


def test_sets(r):
    assert r.sadd("s1", "a", "b", "c") == 3 and r.sadd("s2", "b", "c", "d") == 3
    assert r.smembers("s1") == {"a", "b", "c"} and r.smembers("nope") == set()
    assert r.sismember("s1", "a") == 1 and r.smismember("s1", ["a", "z"]) == [1, 0]
    assert r.scard("s1") == 3
    assert r.sinter("s1", "s2") == {"b", "c"} and r.sunion(["s1", "s2"]) == {"a", "b", "c", "d"}
    assert r.sdiff("s1", "s2") == {"a"}
    assert r.sinterstore("d", ["s1", "s2"]) == 2 and r.sunionstore("u", "s1", "s2") == 4
    assert r.sdiffstore("x", "s1", "s2") == 1
    assert r.sintercard(2, ["s1", "s2"]) == 2 and r.sintercard(2, ["s1", "s2"], limit=1) == 1
    assert r.smove("s1", "s2", "a") is True and r.srem("s2", "a", "q") == 1
    assert r.spop("s1") in {"b", "c"} and len(r.srandmember("s2", 2)) == 2
    assert r.spop("nope") is None and r.spop("nope", 2) == []


def test_sorted_sets(r):
    assert r.zadd("z", {"a": 1, "b": 2, "c": 3}) == 3
    assert r.zadd("z", {"a": 10}, xx=True, ch=True) == 1
    assert r.zadd("z", {"d": 4}, nx=True) == 1
    assert r.zadd("z", {"b": 5}, incr=True) == 7.0
    assert r.zadd("z", {"b": 1}, gt=True, ch=True) == 0
    assert r.zincrby("z", 1.5, "c") == 4.5 and r.zscore("z", "c") == 4.5 and r.zscore("z", "x") is None
    assert r.zmscore("z", ["a", "x"]) == [10.0, None]
    assert r.zcard("z") == 4 and r.zrank("z", "d") == 0 and r.zrevrank("z", "a") == 0
    assert r.zrank("z", "d", withscore=True) == [0, 4.0]
    assert r.zrange("z", 0, -1) == ["d", "c", "b", "a"]
    assert r.zrange("z", 0, 1, withscores=True) == [("d", 4.0), ("c", 4.5)]
    assert r.zrange("z", 0, 1, desc=True) == ["a", "b"]
    assert r.zrange("z", "(4", "+inf", byscore=True, offset=0, num=2) == ["c", "b"]
    assert r.zrange("z", 0, -1, withscores=True, score_cast_func=int) == [("d", 4), ("c", 4), ("b", 7), ("a", 10)]
    assert r.zrevrange("z", 0, 0, withscores=True) == [("a", 10.0)]
    assert r.zrangebyscore("z", 4, 7) == ["d", "c", "b"]
    assert r.zrangebyscore("z", "-inf", "+inf", start=1, num=1, withscores=True) == [("c", 4.5)]
    assert r.zrevrangebyscore("z", "+inf", 7) == ["a", "b"]
    assert r.zcount("z", "-inf", "(7") == 2
    r.zadd("lex", {m: 0 for m in "abcde"})
    assert r.zrangebylex("lex", "[b", "(d") == ["b", "c"]
    assert r.zrevrangebylex("lex", "+", "[d") == ["e", "d"]
    assert r.zlexcount("lex", "-", "+") == 5
    assert r.zremrangebylex("lex", "-", "(b") == 1 and r.zremrangebyrank("lex", 0, 0) == 1
    assert r.zremrangebyscore("z", 0, 4) == 1 and r.zrem("z", "c", "q") == 1
    assert r.zpopmin("z") == [("b", 7.0)] and r.zpopmax("z", 5) == [("a", 10.0)]
    r.zadd("z1", {"a": 1, "b": 2})
    r.zadd("z2", {"b": 10, "c": 20})
    assert r.zunionstore("out", ["z1", "z2"]) == 3
    assert r.zrange("out", 0, -1, withscores=True) == [("a", 1.0), ("b", 12.0), ("c", 20.0)]
    assert r.zinterstore("out", {"z1": 2, "z2": 1}, aggregate="MAX") == 1
    assert r.zrange("out", 0, -1, withscores=True) == [("b", 10.0)]
    assert r.zrandmember("z1") in ("a", "b") and len(r.zrandmember("z1", 2, withscores=True)) == 4
    with pytest.raises(ResponseError, match="not a valid float"):
        r.zadd("z", {"x": float("nan")})
    with pytest.raises(DataError):
        r.zadd("z", {"a": 1, "b": 2}, incr=True)


def test_server_commands(r):
    assert r.ping() is True and r.echo("hi") == "hi"
    secs, micros = r.time()
    assert secs > 1_700_000_000 and 0 <= micros < 1_000_000
    r.set("a", 1)
    info = r.info()
    assert info["db0"]["keys"] == 1 and "used_memory" in info
    assert r.info("stats")["keyspace_hits"] >= 0
    assert r.config_set("maxmemory", "1mb") is True
    assert r.config_get("maxmemory") == {"maxmemory": "1048576"}
    assert r.execute_command("SET", "x", "1") is True
    assert r.execute_command("ZADD", "z", 1, "m") == 1
    assert r.execute_command("CONFIG GET", "maxmemory-policy") == {"maxmemory-policy": "s3-fifo"}
    with pytest.raises(ResponseError, match="unknown command"):
        r.execute_command("NOPE")


def test_errors_follow_redis_py(r):
    r.rpush("l", "a")
    with pytest.raises(ResponseError) as e:
        r.get("l")
    assert str(e.value).startswith("WRONGTYPE")
    assert issubclass(ResponseError, RedisError) and issubclass(OutOfMemoryError, ResponseError)
    small = ferricache.Cache(max_memory=1, eviction_policy="noeviction", private=True)
    with pytest.raises(OutOfMemoryError):
        small.set("k", "v" * 1000)


def test_constructor_options():
    c = ferricache.Cache(max_entries=10, eviction_policy="allkeys-lru", default_ttl=60, shards=2,
                         private=True)
    for i in range(100):
        c.set(i, i)
    assert c.dbsize() <= 10
    assert 0 < c.ttl(99) <= 60
    assert ferricache.Cache.from_url("redis://localhost:6379/0").ping()
    with pytest.raises(TypeError):
        ferricache.Cache(max_memroy=5)
    with pytest.raises(DataError):
        ferricache.Cache(eviction_policy="bogus", private=True)
    stats = c.stats()
    assert stats["keys"] <= 10 and stats["evictions"] >= 90


def test_redis_aliases_and_context_manager():
    assert ferricache.Redis is ferricache.Cache and ferricache.StrictRedis is ferricache.Cache
    with ferricache.Cache() as c:
        assert c.set("a", 1)


def test_pipeline_runs_queued_commands_in_order(r):
    with r.pipeline() as pipe:
        pipe.set("a", 1).incr("a").get("a")
        pipe.lpush("a", "x")  # WRONGTYPE, reported after all ran
        assert len(pipe) == 4
        results = pipe.execute(raise_on_error=False)
    assert results[:3] == [True, 2, "2"]
    assert isinstance(results[3], ferricache.exceptions.ResponseError)
    pipe = r.pipeline()
    pipe.lpush("a", "x")
    with pytest.raises(ResponseError):
        pipe.execute()


def test_locks_as_redis_py(r):
    lock = r.lock("lock:order:42", timeout=5, blocking_timeout=0.05)
    assert lock.acquire() is True and lock.locked() and lock.owned()
    other = r.lock("lock:order:42", timeout=5, blocking_timeout=0.05)
    assert other.acquire() is False
    with pytest.raises(ferricache.exceptions.LockError):
        with other:
            pass
    assert lock.extend(5) is True and r.pttl("lock:order:42") > 5000
    lock.release()
    assert not lock.locked()
    with pytest.raises(ferricache.exceptions.LockError):
        lock.release()
    with r.lock("lock:order:42", timeout=1) as held:
        assert held.owned()
    expiring = r.lock("short", timeout=0.05)
    assert expiring.acquire()
    import time

    time.sleep(0.1)
    assert r.lock("short", timeout=1).acquire(blocking=False)
    with pytest.raises(ferricache.exceptions.LockNotOwnedError):
        expiring.release()


def test_a_waiting_lock_is_woken_by_the_release(r):
    import threading
    import time

    held = r.lock("job", timeout=10)
    assert held.acquire()
    got = []
    t = threading.Thread(target=lambda: got.append(r.lock("job", timeout=10).acquire(blocking_timeout=5)))
    t.start()
    time.sleep(0.05)
    start = time.monotonic()
    held.release()
    t.join(5)
    assert got == [True] and time.monotonic() - start < 1


def test_rate_limiters(r):
    for _ in range(3):
        assert r.rate_limit_fixed("rl", 3, 60).allowed
    refused = r.rate_limit_fixed("rl", 3, 60)
    assert not refused.allowed and refused.retry_after is not None and refused.remaining == 0
    assert r.rate_limit_sliding("sl", 2, 60).allowed
    g = r.throttle("user:7", 15, 30, 60)
    assert g.allowed and (g.limit, g.remaining) == (16, 15)
    with pytest.raises(DataError):
        r.throttle("user:7", 1, 1, 0)


def test_caches_share_one_engine_unless_private():
    a, b = ferricache.Cache(), ferricache.Cache(decode_responses=True)
    a.set("who", "a")
    assert b.get("who") == "a"
    assert ferricache.Cache.from_url("redis://ignored:1/0").get("who") == b"a"
    own = ferricache.Cache(private=True)
    assert own.get("who") is None
    own.set("who", "own")
    assert a.get("who") == b"a"


def test_the_shared_engine_refuses_other_options_and_keeps_its_data():
    a = ferricache.Cache()
    a.set("kept", 1)
    with pytest.raises(DataError, match="shared cache was made with the default options.*max_entries=10"):
        ferricache.Cache(max_entries=10)
    with pytest.raises(DataError, match="private=True"):
        ferricache.Cache(eviction_policy="allkeys-lru")
    assert ferricache.Cache(max_entries=10, private=True).dbsize() == 0
    assert a.get("kept") == b"1"


def test_active_expiry_fires_expired_events_for_untouched_keys() -> None:
    import time

    c = ferricache.Cache(private=True, notify_keyspace_events="Ex", hz=100)
    p = c.pubsub()
    p.subscribe("__keyevent@0__:expired")
    assert p.get_message(timeout=1)["type"] == "subscribe"
    c.set("session", "s", px=50)
    deadline = time.monotonic() + 0.05
    message = p.get_message(timeout=5)
    assert message is not None and message["data"] == b"session"
    assert time.monotonic() - deadline < 0.5
    off = ferricache.Cache(private=True, active_expiry=False)
    off.set("k", "v", px=1)
    time.sleep(0.05)
    assert off.dbsize() == 1 and off.get("k") is None
    assert c.config_get("hz") == {"hz": "100"}


def test_what_libraries_read_from_a_redis_py_client() -> None:
    r = ferricache.Cache(private=True, decode_responses=True)
    r["k"] = "v"
    assert r["k"] == "v" and "k" in r and "nope" not in r
    del r["k"]
    with pytest.raises(KeyError):
        r["k"]
    assert r.connection_pool.connection_kwargs["host"] == "in-process"
    assert r.get_connection_kwargs()["db"] == 0
    r.set_response_callback("HGETALL", lambda response, **options: sorted(response))
    r.hset("h", mapping={"a": "1", "b": "2"})
    assert r.hgetall("h") == ["1", "2", "a", "b"]
    assert r.response_callbacks["HGETALL"] is not None
    assert ferricache.Cache(private=True).hgetall("h") == {}  # another client's table is its own
    with r.pipeline() as p:
        p.hgetall("h")
        assert p.execute() == [["1", "2", "a", "b"]]


def test_pubsub_parse_response_as_redis_py() -> None:
    r = ferricache.Cache(private=True)
    p = r.pubsub()
    p.subscribe("ch")
    assert p.parse_response(block=False, timeout=1) == [b"subscribe", b"ch", 1]
    r.publish("ch", "hello")
    assert p.parse_response(block=False, timeout=1) == [b"message", b"ch", b"hello"]
    assert p.parse_response(block=False, timeout=0.01) is None


def test_bitmaps_as_redis_py(r: ferricache.Cache) -> None:
    assert r.setbit("seen", 7, 1) == 0 and r.setbit("seen", 7, True) == 1
    assert r.getbit("seen", 7) == 1 and r.getbit("seen", 8) == 0
    r.set("s", "foobar")
    assert r.bitcount("s") == 26 and r.bitcount("s", 1, 1) == 6 and r.bitcount("s", 5, 30, "BIT") == 17
    with pytest.raises(DataError):
        r.bitcount("s", 1)
    assert r.bitpos("seen", 1) == 7 and r.bitpos("s", 0, 1, 2) == 8
    r.set("a", "abc")
    assert r.bitop("NOT", "n", "a") == 3 and r.bitop("AND", "x", "a", "s") == 6
    assert r.substr("s", 1, 3) == "oob"
    with pytest.raises(ResponseError, match="bit offset is not an integer or out of range"):
        r.setbit("seen", -1, 1)


def test_object_memory_and_command_as_redis_py(r: ferricache.Cache) -> None:
    r.set("n", "42")
    r.set("text", "x" * 100)
    r.zadd("z", {"a": 1})
    assert [r.object("encoding", k) for k in ("n", "text", "z")] == ["int", "raw", "listpack"]
    assert r.object("refcount", "n") == 2147483647 and r.object("refcount", "text") == 1
    assert r.object("encoding", "missing") is None and r.object("idletime", "n") == 0
    with pytest.raises(ResponseError, match="LFU maxmemory policy is not selected"):
        r.object("freq", "n")
    assert r.memory_usage("text") > 100 and r.memory_usage("missing") is None  # type: ignore[operator]
    assert r.memory_usage("z", samples=0) > 0  # type: ignore[operator]
    assert r.command_count() == len(r.execute_command("COMMAND LIST")) > 100  # type: ignore[arg-type]


def test_sort_as_redis_py(r: ferricache.Cache) -> None:
    r.rpush("ids", "3", "1", "2")
    r.mset({"name_1": "ada", "name_2": "grace", "name_3": "linus", "age_1": "36", "age_2": "85", "age_3": "28"})
    assert r.sort("ids") == ["1", "2", "3"] and r.sort("ids", desc=True, start=0, num=2) == ["3", "2"]
    assert r.sort("ids", by="age_*", get="name_*") == ["linus", "ada", "grace"]
    assert r.sort("ids", get=["#", "name_*"], groups=True) == [("1", "ada"), ("2", "grace"), ("3", "linus")]
    assert r.sort("ids", by="age_*", store="by_age") == 3 and r.lrange("by_age", 0, -1) == ["3", "1", "2"]
    assert r.sort_ro("ids", alpha=True, desc=True) == ["3", "2", "1"]
    r.rpush("words", "b", "a")
    with pytest.raises(ResponseError, match="can't be converted into double"):
        r.sort("words")
    with pytest.raises(DataError):
        r.sort("ids", start=1)


def test_lcs_as_redis_py(r: ferricache.Cache) -> None:
    r.mset({"a": "ohmytext", "b": "mynewtext"})
    assert r.lcs("a", "b") == "mytext" and r.lcs("a", "b", len=True) == 6
    assert r.lcs("a", "b", idx=True, minmatchlen=4, withmatchlen=True) == [
        "matches",
        [[[4, 7], [5, 8], 4]],
        "len",
        6,
    ]
    r.rpush("l", "x")
    with pytest.raises(ResponseError, match="must contain string values"):
        r.lcs("a", "l")


def test_hyperloglog_as_redis_py(r: ferricache.Cache) -> None:
    assert r.pfadd("day1", "ada", "grace", "ada") == 1 and r.pfadd("day1", "grace") == 0
    r.pfadd("day2", *[f"user{i}" for i in range(1000)])
    # An estimate (Redis's, to the byte: tests/differential.rs), within HyperLogLog's ~1%.
    union = r.pfcount("day1", "day2", "missing")
    assert r.pfcount("day1") == 2 and abs(union - 1000) < 30  # type: ignore[operator]
    assert r.pfmerge("both", "day1", "day2") is True and r.pfcount("both") == union
    with pytest.raises(UnicodeDecodeError):  # Redis's bytes, which are not UTF-8
        r.get("day1")
    r.set("text", "plain")
    with pytest.raises(ResponseError, match="not a valid HyperLogLog"):
        r.pfadd("text", "x")


def test_zunion_zinter_zdiff_as_redis_py(r: ferricache.Cache) -> None:
    r.zadd("a", {"x": 1, "y": 2, "z": 3})
    r.zadd("b", {"y": 4, "z": 5, "w": 6})
    assert r.zunion(["a", "b"]) == ["x", "w", "y", "z"]  # w and y tie at 6: by member
    assert r.zunion({"a": 2, "b": 1}, withscores=True) == [("x", 2.0), ("w", 6.0), ("y", 8.0), ("z", 11.0)]
    assert r.zinter(["a", "b"], aggregate="MAX", withscores=True) == [("y", 4.0), ("z", 5.0)]
    assert r.zdiff(["a", "b"], withscores=True) == ["x", b"1"]  # redis-py 8's flat shape
    assert r.zdiffstore("d", ["a", "b"]) == 1 and r.zrange("d", 0, -1) == ["x"]
    assert r.zintercard(2, ["a", "b"]) == 2 and r.zintercard(2, ["a", "b"], limit=1) == 1


def test_lmpop_and_zmpop_as_redis_py(r: ferricache.Cache) -> None:
    r.rpush("l2", "a", "b", "c")
    assert r.lmpop(2, "l1", "l2", direction="LEFT") == ["l2", ["a"]]
    assert r.lmpop(2, "l1", "l2", direction="RIGHT", count=5) == ["l2", ["c", "b"]]
    assert r.lmpop(2, "l1", "l2", direction="LEFT") is None
    r.zadd("z", {"a": 1, "b": 2})
    assert r.zmpop(2, ["y", "z"], max=True) == ["z", [["b", b"2"]]]  # scores as bytes, as redis-py 8
    with pytest.raises(DataError):
        r.zmpop(1, ["z"])


def test_zrangestore_as_redis_py(r: ferricache.Cache) -> None:
    r.zadd("z", {"a": 1, "b": 2, "c": 3})
    assert r.zrangestore("top", "z", 0, 1, desc=True) == 2
    assert r.zrange("top", 0, -1) == ["b", "c"]
    assert r.zrangestore("mid", "z", "(1", "+inf", byscore=True, offset=0, num=1) == 1
    assert r.zrange("mid", 0, -1) == ["b"]


def test_bitfield_builder_as_redis_py() -> None:
    import asyncio

    import ferricache.asyncio

    c = ferricache.Cache(private=True)
    op = c.bitfield("counters", default_overflow="SAT")
    assert op.incrby("u8", 0, 200).incrby("u8", "#1", 1).execute() == [200, 1]
    assert op.incrby("u8", 0, 100).get("u8", 8).execute() == [255, 1], "SAT, then a new call"
    assert c.bitfield("counters").overflow("FAIL").incrby("u8", 0, 1).execute() == [None]
    assert c.bitfield("counters").set("i4", 16, -3).get("i4", 16).execute() == [0, -3]
    assert c.bitfield_ro("counters", "u8", 0, items=[("i4", 16)]) == [255, -3]
    with pytest.raises(ResponseError, match="Invalid bitfield type"):
        c.bitfield("counters").get("u64", 0).execute()

    async def main() -> None:
        a = ferricache.asyncio.Cache(cache=c)
        assert await a.bitfield("counters").incrby("u8", 8, 5).execute() == [6]
        assert await a.bitfield_ro("counters", "u8", 8) == [6]

    asyncio.run(main())


def test_dump_and_restore_as_redis_py() -> None:
    c = ferricache.Cache(private=True, decode_responses=True)
    c.hset("h", mapping={"f": "v"})
    payload = c.dump("h")
    assert isinstance(payload, bytes), "a payload is never decoded"
    assert c.restore("h2", 0, payload) == "OK"
    assert c.hgetall("h2") == {"f": "v"}
    with pytest.raises(ResponseError, match="BUSYKEY"):
        c.restore("h2", 0, payload)
    assert c.restore("h2", 5000, payload, replace=True) == "OK"
    assert 0 < c.pttl("h2") <= 5000
    with pytest.raises(ResponseError, match="DUMP payload version or checksum are wrong"):
        c.restore("h3", 0, payload[:-1])
    assert c.dump("missing") is None


def test_snapshots_as_redis_py(tmp_path: "pathlib.Path") -> None:
    import pathlib  # noqa: F401 - for the annotation

    path = tmp_path / "dump.rdb"
    c = ferricache.Cache(private=True, snapshot_path=str(path))
    c.set("user:1", "Ada")
    c.zadd("lb", {"ada": 3})
    assert c.save() is True
    assert path.exists()
    assert isinstance(c.lastsave(), datetime.datetime)
    # A warm restart: a new engine on the same file starts with the keys.
    warm = ferricache.Cache(private=True, snapshot_path=path)
    assert warm.get("user:1") == b"Ada" and warm.zscore("lb", "ada") == 3.0
    c.set("user:2", "Bob")
    assert c.bgsave() is True
    import time

    for _ in range(200):
        if ferricache.Cache(private=True, snapshot_path=path).get("user:2"):
            break
        time.sleep(0.01)
    assert ferricache.Cache(private=True, snapshot_path=path).get("user:2") == b"Bob"
    path.write_bytes(b"REDIS0010 garbage")
    with pytest.raises(Exception, match="dump.rdb"):
        ferricache.Cache(private=True, snapshot_path=path)
    with pytest.raises(ResponseError, match="no snapshot path"):
        ferricache.Cache(private=True).save()


def test_a_lenient_snapshot_load_skips_streams_and_functions(tmp_path: "pathlib.Path") -> None:
    import pathlib

    # Written by redis-server 7.0 (tests/data/make_stream_rdb.sh): a string, a stream with
    # a consumer group, and a function library.
    fixture = pathlib.Path(__file__).parents[3] / "tests" / "data" / "redis7-stream-and-function.rdb"
    path = tmp_path / "backup.rdb"
    path.write_bytes(fixture.read_bytes())
    with pytest.raises(Exception, match="not supported"):
        ferricache.Cache(private=True, snapshot_path=path)
    c = ferricache.Cache(private=True, snapshot_path=path, snapshot_lenient=True)
    assert c.get("kept") == b"yes"
    assert c.dbsize() == 1
    info = c.info("persistence")
    assert info["rdb_load_skipped_streams"] == 1
    assert info["rdb_load_skipped_functions"] == 1
    assert info["rdb_load_skipped_modules"] == 0
