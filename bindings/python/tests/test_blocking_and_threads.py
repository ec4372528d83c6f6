"""Blocking pops release the GIL and honour timeouts; many threads share one cache."""

import threading
import time

import pytest

import ferricache


def test_blocking_pop_times_out(r):
    t = time.monotonic()
    assert r.blpop("empty", timeout=0.2) is None
    assert 0.15 < time.monotonic() - t < 2
    assert r.bzpopmin(["z"], timeout=0.05) is None


def test_blocking_pop_is_served_by_another_thread(r):
    got = []
    waiter = threading.Thread(target=lambda: got.append(r.brpop(["a", "jobs"], timeout=5)))
    waiter.start()
    while r.stats()["blocked_clients"] == 0 and not got:
        time.sleep(0.001)
    r.lpush("jobs", "job-1")
    waiter.join(5)
    assert got == [("jobs", "job-1")]


def test_blocking_move_and_zset_pops(r):
    r.zadd("z", {"low": 1, "high": 2})
    assert r.bzpopmax("z", 1) == ("z", "high", 2.0)
    assert r.execute_command("BZPOPMIN", "z", 1) == ("z", "low", 1.0)
    done = []
    t = threading.Thread(target=lambda: done.append(r.blmove("src", "dst", 5, "LEFT", "RIGHT")))
    t.start()
    time.sleep(0.05)
    r.rpush("src", "x")
    t.join(5)
    assert done == ["x"] and r.lrange("dst", 0, -1) == ["x"]
    r.rpush("src", "y")
    assert r.brpoplpush("src", "dst", 1) == "y" and r.lrange("dst", 0, -1) == ["y", "x"]


def test_blmpop_and_bzmpop_wait_and_take_up_to_count(r):
    got = []
    waiter = threading.Thread(target=lambda: got.append(r.blmpop(5, 2, "a", "b", direction="RIGHT", count=2)))
    waiter.start()
    while r.stats()["blocked_clients"] == 0 and not got:
        time.sleep(0.001)
    r.rpush("b", "1", "2", "3")
    waiter.join(5)
    assert got == [["b", ["3", "2"]]] and r.lrange("b", 0, -1) == ["1"]
    r.zadd("z", {"low": 1, "mid": 2, "high": 3})
    # Scores as bytes, as redis-py 8 returns them.
    assert r.bzmpop(1, 1, ["z"], max=True, count=2) == ["z", [["high", b"3"], ["mid", b"2"]]]
    t = time.monotonic()
    assert r.blmpop(0.1, 1, "empty", direction="LEFT") is None
    assert 0.08 < time.monotonic() - t < 2
    with pytest.raises(ferricache.ResponseError, match="timeout is negative"):
        r.bzmpop(-1, 1, ["z"], min=True)


def test_the_gil_is_released_while_waiting(r):
    # While one thread waits in BLPOP, another runs Python code freely.
    waiter = threading.Thread(target=lambda: r.blpop("never", timeout=0.5))
    waiter.start()
    t, n = time.monotonic(), 0
    while time.monotonic() - t < 0.2:
        n += 1
    waiter.join()
    assert n > 10_000


def test_threads_hammering_one_cache_lose_nothing():
    c = ferricache.Cache()
    threads, rounds = 8, 5_000

    def work(i):
        for j in range(rounds):
            c.incr("counter")
            c.hincrby("per-thread", str(i), 1)
            c.set(f"k:{i}:{j % 10}", j)

    ts = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert int(c.get("counter")) == threads * rounds
    assert {k: int(v) for k, v in c.hgetall("per-thread").items()} == {str(i).encode(): rounds for i in range(threads)}


def test_producer_consumer_queue_across_threads(r):
    n, consumers = 2000, 4
    received = []
    lock = threading.Lock()

    def consume():
        while True:
            item = r.brpop("queue", timeout=2)
            if item is None or item[1] == "stop":
                return
            with lock:
                received.append(int(item[1]))

    ts = [threading.Thread(target=consume) for _ in range(consumers)]
    for t in ts:
        t.start()
    for i in range(n):
        r.lpush("queue", i)
    for _ in range(consumers):
        r.lpush("queue", "stop")
    for t in ts:
        t.join(10)
    assert sorted(received) == list(range(n))


def test_transactions_are_atomic_against_other_threads():
    # Transfers between two accounts in pipelines, audited by another thread that must
    # never see the money in neither or both.
    c = ferricache.Cache()
    c.set("a", 1000)
    c.set("b", 0)
    stop = threading.Event()
    bad = []

    def audit():
        while not stop.is_set():
            with c.pipeline() as p:
                a, b = p.get("a").get("b").execute()
            if int(a) + int(b) != 1000:
                bad.append((a, b))

    auditor = threading.Thread(target=audit)
    auditor.start()
    for _ in range(2000):
        with c.pipeline() as p:
            p.decrby("a", 1).incrby("b", 1).execute()
    stop.set()
    auditor.join()
    assert not bad and c.get("b") == b"2000"


def test_transaction_errors_are_per_command_as_with_exec():
    c = ferricache.Cache(decode_responses=True)
    c.rpush("list", "x")
    with c.pipeline() as p:
        p.set("k", "v", ex=100).incr("list").get("k").pttl("k").exists("k", "list", "nope")
        results = p.execute(raise_on_error=False)
    assert results[0] is True and isinstance(results[1], ferricache.exceptions.ResponseError)
    assert results[2] == "v" and 99_000 < results[3] <= 100_000 and results[4] == 2
