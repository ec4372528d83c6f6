"""Databases as redis-py reaches them: ``db=``, the URL's database, SELECT in a pipeline,
MOVE, SWAPDB, COPY with ``destination_db``, FLUSHDB, INFO keyspace and notifications."""

import pytest
import redis

import ferricache
import ferricache.asyncio


def fresh(**kwargs: object) -> ferricache.Cache:
    """An engine of the test's own."""
    return ferricache.Cache(private=True, **kwargs)  # type: ignore[arg-type]


def test_db_argument_and_url_choose_the_database() -> None:
    base = ferricache.Cache()
    base.flushall()
    three = ferricache.Cache(db=3)
    three.set("k", "three")
    assert base.get("k") is None
    assert ferricache.Cache.from_url("redis://localhost:6379/3").get("k") == b"three"
    assert ferricache.Cache.from_url("redis://localhost?db=3").get("k") == b"three"
    assert ferricache.Cache.from_url("redis://localhost").get("k") is None
    assert three.connection_pool.connection_kwargs["db"] == 3
    assert (base.dbsize(), three.dbsize()) == (0, 1)
    with pytest.raises(redis.ResponseError, match="DB index is out of range"):
        ferricache.Cache(db=16)
    with pytest.raises(ValueError, match="Invalid database number"):
        ferricache.Cache.from_url("redis://localhost/x")
    base.flushall()


def test_move_swapdb_copy_and_flushdb() -> None:
    zero = fresh()
    zero.set("job", "1", ex=100)
    assert zero.move("job", 2) is True
    assert zero.move("job", 2) is False
    with pytest.raises(redis.ResponseError, match="source and destination objects are the same"):
        zero.move("job", 0)
    with pytest.raises(redis.ResponseError, match="DB index is out of range"):
        zero.move("job", 99)
    zero.rpush("q", "a")
    assert zero.copy("q", "q", destination_db=2) is True
    assert zero.swapdb(0, 2) is True
    assert zero.get("job") == b"1" and 0 < zero.ttl("job") <= 100
    assert zero.lrange("q", 0, -1) == [b"a"]
    assert zero.info("keyspace") == {
        "db0": {"keys": 2, "expires": 1, "avg_ttl": 0},
        "db2": {"keys": 1, "expires": 0, "avg_ttl": 0},
    }
    assert zero.flushdb() is True
    assert zero.dbsize() == 0
    assert zero.info("keyspace") == {"db2": {"keys": 1, "expires": 0, "avg_ttl": 0}}


def test_select_switches_a_transaction_not_a_cache() -> None:
    c = ferricache.Cache(db=4)
    c.flushdb()
    assert c.select(4) is True
    with pytest.raises(redis.ResponseError, match="SELECT needs a connection"):
        c.select(5)
    pipe = c.pipeline()
    pipe.select(5).set("x", "in five").get("x")
    assert pipe.execute() == [True, True, b"in five"]
    assert ferricache.Cache(db=5).get("x") == b"in five"
    assert c.get("x") is None
    ferricache.Cache(db=5).flushdb()


def test_watch_in_a_database() -> None:
    c = ferricache.Cache(db=6)
    c.set("balance", 10)
    with c.pipeline() as pipe:
        pipe.watch("balance")
        ferricache.Cache(db=0).set("balance", 99)  # another database: not a change
        pipe.multi()
        pipe.incr("balance")
        assert pipe.execute() == [11]
    with c.pipeline() as pipe:
        pipe.watch("balance")
        c.set("balance", 0)
        pipe.multi()
        pipe.incr("balance")
        with pytest.raises(redis.WatchError):
            pipe.execute()
    c.flushdb()
    ferricache.Cache(db=0).delete("balance")


def test_notifications_name_the_database() -> None:
    c = fresh(notify_keyspace_events="KEA", db=7)
    p = c.pubsub()
    p.psubscribe("__keyspace@7__:*")
    assert p.get_message(timeout=1)["type"] == "psubscribe"
    c.set("k", "v")
    m = p.get_message(timeout=1)
    assert (m["channel"], m["data"]) == (b"__keyspace@7__:k", b"set")


def test_asyncio_client_chooses_the_database() -> None:
    import asyncio

    async def main() -> None:
        c = ferricache.asyncio.Cache.from_url("redis://localhost/8")
        await c.set("k", "eight")
        assert await ferricache.asyncio.Cache(db=8).get("k") == b"eight"
        assert await ferricache.asyncio.Cache().get("k") is None
        assert await c.move("k", 9) is True
        assert await ferricache.asyncio.Cache(db=9).get("k") == b"eight"
        await ferricache.asyncio.Cache(db=9).flushdb()

    asyncio.run(main())
