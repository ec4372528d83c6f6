"""Near-cache mode from Python, and the lesson's patterns across OS processes.

Every test starts its own redis-server (or the server named by FERRICACHE_TEST_SERVER:
scripts/test-python.sh runs this file again against Valkey 9), on a free loopback port in
a temporary --dir with --save ''. The multi-process tests run three worker processes
(multiprocessing, spawned), each with its own near cache on that server, and check the
outcome with redis-py talking to the server directly.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from typing import Any, Callable, Iterator

import pytest
import redis

import ferricache
import ferricache.asyncio
from conftest import _free_port

BOUND = 0.5  # seconds: how long a process may see an old value after a write elsewhere


def _server(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True)


def _near(url: str) -> ferricache.Cache:
    return ferricache.Cache(remote=url, private=True, decode_responses=True, max_staleness=0.4)


def _in_processes(target: Callable[..., Any], *args_per_process: tuple[Any, ...]) -> list[Any]:
    """Runs ``target(*args)`` in one spawned process per argument tuple; their results."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(len(args_per_process)) as pool:
        return pool.starmap(target, args_per_process, chunksize=1)


def _wait_for(server: redis.Redis, key: str, n: int, within: float = 20.0) -> None:
    """Waits until the server's counter ``key`` reaches ``n`` (processes' rendezvous)."""
    deadline = time.time() + within
    while int(server.get(key) or 0) < n:
        assert time.time() < deadline, f"rendezvous {key} never reached {n}"
        time.sleep(0.005)


# -- the surface ------------------------------------------------------------------------


def test_a_near_cache_reads_locally_and_sees_other_clients_writes(url: str) -> None:
    r = _near(url)
    server = _server(url)
    assert r.is_near_cache and not ferricache.Cache(private=True).is_near_cache
    server.set("user:1", "ada")
    assert [r.get("user:1") for _ in range(50)] == ["ada"] * 50
    stats = r.near_cache_stats()
    assert stats is not None and stats["fetches"] == 1 and stats["local_hits"] == 49
    assert stats["connected"] is True and stats["nodes"] == 1
    server.set("user:1", "grace")
    deadline = time.time() + BOUND
    while r.get("user:1") != "grace":
        assert time.time() < deadline, "another client's write never reached the copy"
    assert r.set("hits", 0) and r.incr("hits", 5) == 5 and server.get("hits") == "5"
    with pytest.raises(ferricache.exceptions.ResponseError):
        r.hset("user:1", "f", "v")
    info = r.info("nearcache")
    assert info["near_cache_connected"] == 1 and info["near_cache_fetches"] >= 1


def test_ctrl_c_ends_a_blocking_pop_with_keyboard_interrupt(url: str) -> None:
    """As with redis-py: SIGINT during ``blpop(key, 0)`` raises KeyboardInterrupt."""
    import signal
    import threading

    r = _near(url)
    server = _server(url)
    interrupter = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    # If the wait were never ended, this push would end it, and the test fail on time.
    watchdog = threading.Timer(20, lambda: server.rpush("never", "watchdog"))
    interrupter.start()
    watchdog.start()
    started = time.time()
    try:
        with pytest.raises(KeyboardInterrupt) as raised:
            r.blpop("never", 0)
    finally:
        interrupter.join()
        watchdog.cancel()
    assert time.time() - started < 5
    # Raised by the call itself, not after an error that `except ResponseError` would take.
    assert raised.value.__context__ is None
    assert server.llen("never") == 0
    assert r.set("after", "1") and r.get("after") == "1"


def test_signals_during_round_trips_fail_nothing(url: str) -> None:
    """Python's handlers interrupt system calls; a signal mid-wait must not fail the call."""
    import signal
    import subprocess

    caught = []
    previous = signal.signal(signal.SIGUSR1, lambda *_: caught.append(1))
    pelter = subprocess.Popen(["sh", "-c", f"while kill -USR1 {os.getpid()} 2>/dev/null; do sleep 0.001; done"])
    try:
        increments = 0
        # Rounds go on until enough signals have landed (how fast they come depends on the
        # machine), with at least four rounds and a generous cap.
        deadline = time.time() + 60
        rnd = 0
        while rnd < 4 or (len(caught) <= 50 and time.time() < deadline):
            rnd += 1
            r = _near(url)  # connects while signalled
            for i in range(100):
                assert r.set(f"k:{rnd}:{i}", "v")
                assert r.get(f"missing:{rnd}:{i}") is None
                r.incr("counter")
                increments += 1
            stats = r.near_cache_stats()
            assert stats is not None and stats["reconnects"] == 0
    finally:
        pelter.kill()
        pelter.wait()
        signal.signal(signal.SIGUSR1, previous)
    assert len(caught) > 50, f"only {len(caught)} signals were handled in {rnd} rounds"
    assert int(_server(url).get("counter")) == increments


def test_a_call_waiting_on_the_server_lets_other_threads_run(url: str) -> None:
    """A round trip waits without the GIL, whichever method makes it; a hit keeps it."""
    import threading

    # A staleness bound and timeouts longer than the pause, so that it does not end the
    # invalidation stream (the stream's own heartbeat waits on the server too).
    r = ferricache.Cache(remote=url, private=True, decode_responses=True, max_staleness=5,
                         command_timeout=5, connect_timeout=5)
    server = _server(url)
    server.hset("h", "f", "v")
    calls: list[Callable[[], Any]] = [
        lambda: r.get("missing"),
        lambda: r.set("k", "v"),
        lambda: r.incr("n"),
        lambda: r.decr("m"),
        lambda: r.delete("gone"),
        lambda: r.exists("k"),
        lambda: r.mget(["a", "b"]),
        lambda: r.hget("h", "f"),
        lambda: r.ttl("k"),
        lambda: r.rate_limit_fixed("rl", 10, 60),
        lambda: r.lock("l", timeout=5).acquire(blocking=False),
        lambda: r.execute_command("ZSCORE", "z", "m"),
    ]
    # The server holds every client's commands for 0.8 s, so each call made meanwhile
    # waits for it (CLIENT PAUSE; a busy script would do on Redis, but Valkey answers
    # BUSY at once).
    assert server.client_pause(800, all=True)
    failures: list[BaseException] = []

    def run(call: Callable[[], Any]) -> None:
        try:
            call()
        except BaseException as e:  # noqa: BLE001 - reported below
            failures.append(e)

    workers = [threading.Thread(target=run, args=(c,)) for c in calls]
    ticks = [time.perf_counter()]  # this thread's progress while the calls wait
    for w in workers:
        w.start()
        ticks.append(time.perf_counter())
    while any(w.is_alive() for w in workers):
        time.sleep(0.001)
        ticks.append(time.perf_counter())
    gap = max(b - a for a, b in zip(ticks, ticks[1:]))
    waited = ticks[-1] - ticks[0]
    assert waited > 0.4, f"the calls did not wait on the busy server ({waited:.2f} s)"
    assert gap < 0.35, f"this thread was held up {gap:.2f} s: a call kept the GIL while waiting"
    assert not failures, [str(f) for f in failures]
    assert r.get("k") == "v" and server.get("n") == "1" and server.get("m") == "-1"


def test_a_server_gone_is_an_error_for_every_method_not_a_zero_or_a_miss(url: str) -> None:
    r = ferricache.Cache(remote=url, private=True, command_timeout=0.5)
    assert r.set("k", "v") and r.delete("k") == 1 and r.exists("k") == 0
    try:
        _server(url).shutdown(nosave=True)
    except redis.ConnectionError:
        pass  # the server closes the connection as it goes
    calls: list[Callable[[], Any]] = [
        lambda: r.delete("k"),
        lambda: r.exists("k"),
        lambda: r.mget(["k", "j"]),
        lambda: r.get("k"),
        lambda: r.incr("n"),
    ]
    for call in calls:
        with pytest.raises((ferricache.exceptions.ConnectionError, ferricache.exceptions.TimeoutError)):
            call()


def test_redis_py_connection_keywords_form_the_url_with_remote_true(url: str) -> None:
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    _server(url).set("k", "from the server")
    r = ferricache.Cache(host="127.0.0.1", port=port, db=0, remote=True, private=True)
    assert r.get("k") == b"from the server"
    # Without remote the keywords are ignored, as before: a local cache.
    assert ferricache.Cache(host="127.0.0.1", port=port, private=True).get("k") is None
    f = ferricache.Cache.from_url(url, near_cache=True, private=True, decode_responses=True)
    assert f.get("k") == "from the server"
    with pytest.raises(ferricache.exceptions.DataError):
        ferricache.Cache(max_staleness=1, private=True)  # a remote option without remote


def test_a_server_that_cannot_answer_raises_connection_error() -> None:
    port = _free_port()  # nothing listens there
    with pytest.raises(ferricache.exceptions.ConnectionError):
        ferricache.Cache(remote=f"redis://127.0.0.1:{port}/0", private=True, connect_timeout=0.3)


def test_asyncio_answers_hits_inline_and_waits_for_the_rest_on_a_thread(url: str) -> None:
    import asyncio

    server = _server(url)
    server.set("k", "v")

    async def main() -> None:
        r = ferricache.asyncio.Cache(remote=url, private=True, decode_responses=True)
        assert await r.get("k") == "v"  # a miss: fetched on a thread
        fetches = r.sync.near_cache_stats()["fetches"]
        assert [await r.get("k") for _ in range(20)] == ["v"] * 20
        assert r.sync.near_cache_stats()["fetches"] == fetches, "hits stayed local"
        assert await r.set("k", "w") and server.get("k") == "w"
        # A blocking pop waits on the server without blocking the loop.
        popped = asyncio.ensure_future(r.blpop("jobs", timeout=5))
        await asyncio.sleep(0.05)
        assert not popped.done()
        server.rpush("jobs", "job-1")
        assert await popped == ("jobs", "job-1")

    asyncio.run(main())


# -- the lesson across processes --------------------------------------------------------


def _cache_aside_writer(url: str, versions: int) -> list[tuple[float, int]]:
    r, db = _near(url), _server(url)
    db.incr("ready")
    _wait_for(db, "ready", 3)
    acked = []
    for v in range(1, versions + 1):
        db.set("db:user:1", v)  # the database
        r.delete("user:1")  # invalidate on update
        r.set("user:1", v, ex=60)  # and refill (write-through)
        acked.append((time.time(), v))
        time.sleep(0.01)
    db.set("done", 1)
    return acked


def _cache_aside_reader(url: str, _: int) -> list[tuple[float, int]]:
    r, db = _near(url), _server(url)
    db.incr("ready")
    _wait_for(db, "ready", 3)
    reads = []
    while not db.exists("done"):
        started = time.time()
        v = r.get("user:1")
        if v is None:  # a miss: the database answers
            v = db.get("db:user:1") or 0
        reads.append((started, int(v)))
    return reads


def _loader_stampede(url: str, _: int) -> str:
    r, db = _near(url), _server(url)
    db.incr("ready")
    _wait_for(db, "ready", 3)

    def load() -> bytes:
        db.incr("loads")
        time.sleep(0.3)  # the slow database
        return b"from the database"

    return r._get_or_set("car:1", load, 60_000).decode()


def test_cache_aside_invalidation_reaches_every_process_and_a_stampede_loads_once(url: str) -> None:
    db = _server(url)
    results = _in_processes(_dispatch_cache_aside, (url, 0), (url, 1), (url, 2))
    acked, reads = results[0], results[1] + results[2]
    assert len(reads) > 100, "the readers read"
    stale = [
        (t, v)
        for t, v in reads
        if v < max((av for at, av in acked if at < t - BOUND), default=0)
    ]
    assert not stale, f"{len(stale)} reads older than the last write acknowledged {BOUND}s before"
    db.delete("ready")
    values = _in_processes(_loader_stampede, (url, 0), (url, 1), (url, 2))
    assert values == ["from the database"] * 3
    assert db.get("loads") == "1", "one loader across three processes"


def _dispatch_cache_aside(url: str, i: int) -> list[tuple[float, int]]:
    return _cache_aside_writer(url, 60) if i == 0 else _cache_aside_reader(url, i)


def _sessions(url: str, i: int) -> str:
    import django
    from django.conf import settings

    settings.configure(
        CACHES={
            "default": {
                "BACKEND": "ferricache.contrib.django.FerriCache",
                "LOCATION": "sessions",
                "OPTIONS": {"remote": url},
            }
        },
        SESSION_ENGINE="django.contrib.sessions.backends.cache",
        USE_TZ=True,
    )
    django.setup()
    from django.contrib.sessions.backends.cache import SessionStore

    db = _server(url)
    if i == 0:  # logs in
        s = SessionStore()
        s["user_id"] = 42
        s.create()
        db.set("session_key", s.session_key)
        _wait_for(db, "seen", 2)
        s.delete()  # logs out, here
        db.set("logged_out", 1)
        return "logged in and out"
    while not db.get("session_key"):
        time.sleep(0.005)
    key = db.get("session_key")
    s = SessionStore(session_key=key)
    seen = s.get("user_id")
    db.incr("seen")
    _wait_for(db, "logged_out", 1)
    deadline = time.time() + BOUND
    while SessionStore(session_key=key).get("user_id") is not None:
        if time.time() > deadline:
            return "still logged in after the logout"
        time.sleep(0.005)
    return f"saw user {seen}, then the logout"


def test_a_django_session_is_shared_and_a_logout_ends_it_everywhere(url: str) -> None:
    results = _in_processes(_sessions, (url, 0), (url, 1), (url, 2))
    assert results == ["logged in and out", "saw user 42, then the logout", "saw user 42, then the logout"]


def _rate_limits(url: str, _: int) -> tuple[int, int, int]:
    r, db = _near(url), _server(url)
    db.incr("ready")
    _wait_for(db, "ready", 3)
    by_hand = fixed = gcra = 0
    for _ in range(40):
        n = r.incr("rate:by-hand")  # the lesson's INCR + EXPIRE window
        if n == 1:
            r.expire("rate:by-hand", 60)
        by_hand += n <= 50
        fixed += r.rate_limit_fixed("rate:fixed", 50, 60).allowed
        gcra += r.throttle("rate:gcra", 29, 1, 3600).allowed
    return by_hand, fixed, gcra


def test_rate_limits_hold_across_processes(url: str) -> None:
    results = _in_processes(_rate_limits, (url, 0), (url, 1), (url, 2))
    totals = tuple(sum(r[i] for r in results) for i in range(3))
    assert totals == (50, 50, 30)  # 120 attempts each: exactly the limit goes through
    assert 0 < _server(url).ttl("rate:by-hand") <= 60


def _locked_increments(url: str, _: int) -> int:
    r, db = _near(url), _server(url)
    db.incr("ready")
    _wait_for(db, "ready", 3)
    for _ in range(10):
        with r.lock("lock:counter", timeout=5, blocking_timeout=30):
            n = int(r.get("counter") or 0)
            time.sleep(0.001)
            r.set("counter", n + 1)
    return 10


def test_a_lock_excludes_every_process(url: str) -> None:
    assert sum(_in_processes(_locked_increments, (url, 0), (url, 1), (url, 2))) == 30
    db = _server(url)
    assert db.get("counter") == "30" and not db.exists("lock:counter")
    # A holder whose lock expired and went to another cannot release the new holder's.
    a, b = _near(url), _near(url)
    old = a.lock("lock:x", timeout=0.05)
    assert old.acquire(blocking=False)
    time.sleep(0.15)
    new = b.lock("lock:x", timeout=10)
    assert new.acquire(blocking=False)
    with pytest.raises(ferricache.exceptions.LockNotOwnedError):
        old.release()
    assert db.exists("lock:x")
    new.release()
    assert not db.exists("lock:x")


def _queue(url: str, i: int) -> list[str]:
    r, db = _near(url), _server(url)
    db.incr("ready")
    _wait_for(db, "ready", 3)
    if i < 2:  # producers
        for n in range(50):
            r.lpush("queue:db-writes", f"p{i}:{n}")
        return []
    jobs: list[str] = []
    while len(jobs) < 100:
        got = r.brpop("queue:db-writes", timeout=10)
        if got is None:
            break
        jobs.append(got[1])
    return jobs


def test_a_write_behind_queue_delivers_every_job_exactly_once(url: str) -> None:
    jobs = _in_processes(_queue, (url, 0), (url, 1), (url, 2))[2]
    assert sorted(jobs) == sorted(f"p{i}:{n}" for i in range(2) for n in range(50))
    # Each producer's jobs come out in the order it pushed them.
    for i in range(2):
        mine = [int(j.split(":")[1]) for j in jobs if j.startswith(f"p{i}:")]
        assert mine == sorted(mine)


def _leaderboard(url: str, i: int) -> tuple[list[Any], Any]:
    r, db = _near(url), _server(url)
    db.incr("ready")
    _wait_for(db, "ready", 3)
    for n in range(50):
        r.zincrby("lb", 1, f"player:{i}")
        r.zincrby("lb", 1 + i, "everyone")
    db.incr("finished")
    _wait_for(db, "finished", 3)
    want = db.zrevrange("lb", 0, -1, withscores=True)
    deadline = time.time() + BOUND
    while r.zrevrange("lb", 0, -1, withscores=True) != want:
        assert time.time() < deadline, "the local leaderboard never caught up"
        time.sleep(0.005)
    return r.zrange("lb", 0, -1, withscores=True), r.zrevrank("lb", "everyone")


def test_a_leaderboard_updated_by_every_process_reads_the_same_everywhere(url: str) -> None:
    results = _in_processes(_leaderboard, (url, 0), (url, 1), (url, 2))
    assert all(res == results[0] for res in results)
    ranking, rank = results[0]
    assert rank == 0 and ranking[-1] == ("everyone", 300.0)
    assert sorted(ranking[:-1]) == [(f"player:{i}", 50.0) for i in range(3)]


def _pubsub(url: str, i: int) -> Any:
    r, db = _near(url), _server(url)
    if i == 0:
        _wait_for(db, "subscribed", 2)
        return r.publish("news", "hello")
    p = r.pubsub(ignore_subscribe_messages=True)
    p.subscribe("news")
    db.incr("subscribed")
    deadline = time.time() + 5
    while time.time() < deadline:
        m = p.get_message(timeout=0.1)
        if m is not None:
            return m["data"]
    return None


def test_a_message_published_in_one_process_reaches_the_others(url: str) -> None:
    published, *received = _in_processes(_pubsub, (url, 0), (url, 1), (url, 2))
    assert published == 2  # each subscribing process's relay, once
    assert received == ["hello", "hello"]


def test_pipeline_transactions_run_on_the_server(url: str) -> None:
    near, other, server = _near(url), _near(url), _server(url)
    near.set("n", 1)
    with near.pipeline() as p:
        p.watch("n")
        value = int(p.get("n"))
        p.multi()
        p.set("n", value + 1).incr("hits")
        other.set("n", 100)  # another process's write: the transaction applies nothing
        with pytest.raises(redis.exceptions.WatchError):
            p.execute()
    assert server.get("n") == "100" and server.get("hits") is None
    assert near.transaction(lambda p: (v := int(p.get("n")), p.multi(), p.set("n", v + 1)), "n") == [True]
    assert server.get("n") == "101" and near.get("n") == "101"
