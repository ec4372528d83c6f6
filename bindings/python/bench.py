"""get / set / incr rates of ferricache beside a dict, cachetools.TTLCache,
functools.lru_cache and redis-py against a local redis-server, in one run.

    bash scripts/bench-python.sh     (starts redis-server, runs this, stops it)

Each cell is the median of 5 rounds of N operations on 1,000 keys.
"""

from __future__ import annotations

import functools
import os
import statistics
import sys
import time
from typing import Any, Callable, Optional

import cachetools
import redis

import ferricache

KEYS = [f"key:{i}" for i in range(1000)]
VALUE = b"x" * 64
ROUNDS = 5


def rate(op: Callable[[str], Any], n: int) -> float:
    keys = (KEYS * (n // len(KEYS) + 1))[:n]
    samples = []
    for _ in range(ROUNDS):
        t = time.perf_counter()
        for k in keys:
            op(k)
        samples.append(n / (time.perf_counter() - t))
    return statistics.median(samples)


def main() -> None:
    port = int(os.environ.get("REDIS_PORT", "0"))
    n = int(os.environ.get("BENCH_N", "200000"))
    fc = ferricache.Cache()
    d: dict[str, Any] = {}
    ttl = cachetools.TTLCache(maxsize=100_000, ttl=3600)
    for k in KEYS:
        fc.set(k, VALUE)
        d[k] = VALUE
        ttl[k] = VALUE

    @functools.lru_cache(maxsize=100_000)
    def lru(k: str) -> bytes:
        return VALUE

    for k in KEYS:
        lru(k)

    def incr_dict(store: Any) -> Callable[[str], Any]:
        def op(k: str) -> None:
            store["n:" + k] = store.get("n:" + k, 0) + 1

        return op

    rows: list[tuple[str, Optional[float], Optional[float], Optional[float]]] = [
        ("ferricache.Cache", rate(fc.get, n), rate(lambda k: fc.set(k, VALUE), n), rate(lambda k: fc.incr("n:" + k), n)),
        ("dict", rate(d.get, n), rate(lambda k: d.__setitem__(k, VALUE), n), rate(incr_dict(d), n)),
        ("cachetools.TTLCache", rate(ttl.get, n), rate(lambda k: ttl.__setitem__(k, VALUE), n), rate(incr_dict(ttl), n)),
        ("functools.lru_cache", rate(lru, n), None, None),
    ]
    if port:
        r = redis.Redis(port=port)
        for k in KEYS:
            r.set(k, VALUE)
        m = max(2000, n // 50)
        rows.append(("redis-py, loopback", rate(r.get, m), rate(lambda k: r.set(k, VALUE), m), rate(lambda k: r.incr("n:" + k), m)))
        r.flushall()

    def cell(v: Optional[float]) -> str:
        return "n/a" if v is None else f"{v / 1e6:.2f} M/s" if v >= 1e5 else f"{v / 1e3:.1f} k/s"

    print(f"Python {sys.version.split()[0]}, {n} operations a round, median of {ROUNDS} rounds\n")
    print("| store | get | set | incr |\n|---|---:|---:|---:|")
    for name, *vals in rows:
        print(f"| {name} | " + " | ".join(cell(v) for v in vals) + " |")
    base = dict((name, vals) for name, *vals in rows)
    fcv = base["ferricache.Cache"]
    print("\n| ferricache speed-up | get | set | incr |\n|---|---:|---:|---:|")
    for peer in ("cachetools.TTLCache", "redis-py, loopback"):
        if peer in base:
            ratios = [f"{a / b:.1f}x" if a and b else "n/a" for a, b in zip(fcv, base[peer])]
            print(f"| vs {peer} | " + " | ".join(ratios) + " |")


if __name__ == "__main__":
    main()
