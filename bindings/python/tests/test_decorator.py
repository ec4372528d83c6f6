"""@cached: TTL, single flight for threads and tasks, exceptions never cached."""

import asyncio
import threading
import time

import pytest

import ferricache
from ferricache import cached


def test_caches_results_with_a_ttl():
    cache = ferricache.Cache(decode_responses=True)
    calls = []

    @cached(cache, ttl=0.2)
    def lookup(user_id, *, detail=False):
        calls.append((user_id, detail))
        return {"id": user_id, "detail": detail}

    assert lookup(1) == lookup(1) == {"id": 1, "detail": False}
    assert lookup(1, detail=True)["detail"] is True
    assert calls == [(1, False), (1, True)]
    time.sleep(0.25)
    lookup(1)
    assert len(calls) == 3


def test_custom_keys():
    cache = ferricache.Cache()

    @cached(cache, key=lambda name: f"greeting:{name}")
    def greet(name):
        return f"hello {name}"

    greet("ada")
    assert cache.exists("greeting:ada") == 1


def test_concurrent_misses_compute_once():
    cache = ferricache.Cache()
    calls = []
    gate = threading.Event()

    @cached(cache, ttl=60)
    def slow(x):
        calls.append(x)
        gate.wait(2)
        return x * 2

    results = []
    ts = [threading.Thread(target=lambda: results.append(slow(21))) for _ in range(8)]
    for t in ts:
        t.start()
    time.sleep(0.1)
    gate.set()
    for t in ts:
        t.join()
    assert results == [42] * 8 and calls == [21]


def test_exceptions_are_not_cached():
    cache = ferricache.Cache()
    attempts = []

    @cached(cache, ttl=60)
    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("database down")
        return "ok"

    with pytest.raises(RuntimeError):
        flaky()
    assert flaky() == "ok" and len(attempts) == 2


def test_async_functions_single_flight_and_errors():
    cache = ferricache.Cache()
    calls = []

    @cached(cache, ttl=60)
    async def fetch(x):
        calls.append(x)
        await asyncio.sleep(0.05)
        if x < 0:
            raise ValueError("negative")
        return x + 1

    async def main():
        assert await asyncio.gather(*[fetch(1) for _ in range(10)]) == [2] * 10
        with pytest.raises(ValueError):
            await asyncio.gather(fetch(-1), fetch(-1))
        return await fetch(1)

    assert asyncio.run(main()) == 2
    assert calls == [1, -1]


def test_rejects_a_non_positive_ttl():
    with pytest.raises(ValueError):
        cached(ferricache.Cache(), ttl=0)
