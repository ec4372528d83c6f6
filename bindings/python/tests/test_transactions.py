"""Transactions as redis-py has them: pipeline(transaction=True) with watch(), multi(),
unwatch(), reset(), and Cache.transaction(). Each scenario runs on redis-py against a real
redis-server and on ferricache, and the outcomes (values, exception classes and texts)
must be the same."""

from __future__ import annotations

import threading
from typing import Any, Callable

import pytest
import redis

import ferricache


def _norm(x: Any) -> Any:
    """Exceptions (inside results too) as their class name and text, to compare."""
    if isinstance(x, Exception):
        return (type(x).__name__, str(x))
    if isinstance(x, list):
        return [_norm(i) for i in x]
    return x


def _outcome(f: Callable[[], Any]) -> Any:
    try:
        return ("ok", _norm(f()))
    except Exception as e:  # noqa: BLE001 - the class and text are what is compared
        return ("raised", *_norm(e))


def _basic(r: Any) -> list[Any]:
    out = []
    with r.pipeline() as p:
        p.set("a", 1).incr("a").lpush("a", "x").get("a").delete("nope").exists("a")
        out.append(_outcome(lambda: p.execute(raise_on_error=False)))
    with r.pipeline() as p:
        p.set("b", 1).lpush("b", "x").incr("b")
        out.append(_outcome(p.execute))  # WRONGTYPE, annotated, after all ran
    out.append(r.get("b"))
    with r.pipeline() as p:
        p.set("c", 1)
        p.execute_command("NOSUCHCOMMAND", "x")
        p.set("d", 1)
        out.append(_outcome(p.execute))  # refused while queueing: nothing applied
    out.append((r.get("c"), r.get("d")))
    with r.pipeline() as p:
        out.append(p.execute())  # empty
    with r.pipeline(transaction=False) as p:
        p.set("e", 1).lpush("e", "x").incr("e")
        out.append(_outcome(p.execute))
    out.append(r.get("e"))
    return out


def _watch(r: Any) -> list[Any]:
    out = []
    r.set("w", 10)
    other = r  # another client's write: the same data, outside the pipeline's client
    with r.pipeline() as p:
        out.append(p.watch("w"))
        out.append(p.get("w"))  # immediate mode: a value, not the pipeline
        p.multi()
        p.set("w", 11).get("w")
        other.set("w", 20)
        out.append(_outcome(p.execute))  # WatchError
    out.append(r.get("w"))
    with r.pipeline() as p:
        p.watch("w")
        cur = int(p.get("w"))
        p.multi()
        p.set("w", cur + 1)
        out.append(p.execute())
    out.append(r.get("w"))
    with r.pipeline() as p:
        p.watch("w")
        p.unwatch()
        other.set("w", 0)
        p.multi()
        p.incr("w")
        out.append(p.execute())
    with r.pipeline() as p:
        p.multi()
        out.append(_outcome(p.multi))
        out.append(_outcome(lambda: p.watch("w")))
    with r.pipeline() as p:
        p.set("x", 1)
        out.append(_outcome(p.multi))
        p.reset()
        out.append(p.execute())
    # watch() then execute() with nothing queued: an empty transaction.
    with r.pipeline() as p:
        p.watch("w")
        out.append(p.execute())
    return out


def _transaction(r: Any) -> list[Any]:
    r.set("t", 1)
    calls = []

    def bump(pipe: Any) -> str:
        value = int(pipe.get("t"))
        if not calls:
            r.set("t", 100)  # a concurrent change: the first attempt must be retried
        calls.append(value)
        pipe.multi()
        pipe.set("t", value + 1)
        return "from callable"

    out = [r.transaction(bump, "t"), list(calls), r.get("t")]
    out.append(r.transaction(bump, "t", value_from_callable=True))
    return out


@pytest.mark.parametrize("scenario", [_basic, _watch, _transaction], ids=lambda f: f.__name__)
def test_the_same_as_redis_py_on_a_server(scenario: Callable[[Any], list[Any]], url: str) -> None:
    server = redis.Redis.from_url(url, decode_responses=True)
    server.flushall()
    expected = scenario(server)
    ours = scenario(ferricache.Cache(private=True, decode_responses=True))
    assert ours == expected


def test_exceptions_are_redis_pys() -> None:
    r = ferricache.Cache(private=True)
    r.set("w", 1)
    with r.pipeline() as p:
        p.watch("w")
        p.multi()
        p.incr("w")
        r.set("w", 5)
        with pytest.raises(redis.exceptions.WatchError):
            p.execute()
    with r.pipeline() as p:
        p.execute_command("SET")  # wrong arity, refused while queueing
        with pytest.raises(redis.exceptions.ResponseError, match="wrong number of arguments"):
            p.execute()


def test_check_and_set_from_many_threads_loses_no_update() -> None:
    r = ferricache.Cache(private=True)
    r.set("n", 0)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(200):
                r.transaction(lambda p: (v := int(p.get("n")), p.multi(), p.set("n", v + 1)), "n")
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert r.get("n") == b"1200"


def test_a_transaction_is_atomic_for_other_threads() -> None:
    r = ferricache.Cache(private=True)
    r.mset({"a": 1000, "b": 0})
    stop = threading.Event()
    bad = []

    def audit() -> None:
        while not stop.is_set():
            a, b = r.pipeline().get("a").get("b").execute()
            if int(a) + int(b) != 1000:
                bad.append((a, b))

    auditor = threading.Thread(target=audit)
    auditor.start()
    for _ in range(1000):
        # Any command, not only a batchable few: LPUSH and HINCRBY in the same step.
        r.pipeline().decrby("a", 1).lpush("log", "x").hincrby("h", "n", 1).incrby("b", 1).execute()
    stop.set()
    auditor.join()
    assert not bad and r.get("b") == b"1000" and r.llen("log") == 1000


def test_asyncio_pipeline_transaction_and_lock() -> None:
    import asyncio

    import ferricache.asyncio

    async def main() -> list[Any]:
        r = ferricache.asyncio.Cache(private=True, decode_responses=True)
        out: list[Any] = []
        async with r.pipeline() as p:
            p.set("a", 1).incr("a").get("a")
            out.append(await p.execute())
        async with r.pipeline() as p:
            await p.watch("a")
            out.append(await p.get("a"))  # immediate mode: awaited
            p.multi()
            p.incr("a")
            await r.set("a", 10)  # another client's change
            try:
                await p.execute()
            except redis.exceptions.WatchError:
                out.append("watch error")

        async def bump(pipe: Any) -> None:
            value = int(await pipe.get("a"))
            pipe.multi()
            pipe.set("a", value * 2)

        out.append(await r.transaction(bump, "a"))
        out.append(await r.get("a"))
        lock = r.lock("L", timeout=5, blocking_timeout=0.2)
        other = r.lock("L", timeout=5, blocking_timeout=0.05, sleep=0.01)
        out.append(await lock.acquire())
        out.append(await other.acquire())  # waits 50 ms without blocking the loop
        out.append(await lock.owned())
        await lock.release()
        async with r.lock("L", timeout=5):
            out.append(await r.exists("L"))
        return out

    assert asyncio.run(main()) == [
        [True, 2, "2"],
        "2",
        "watch error",
        [True],
        "20",
        True,
        False,
        True,
        1,
    ]
