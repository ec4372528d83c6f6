"""The web benchmark's Python app (benches/web/run.sh): a WSGI app, run by gunicorn with 2
worker processes, whose one route does cache-aside over a key set: GET /item/<n> answers
the cached value of item n, or makes it (the "database": a value built from n) and caches
it for 300 s. BACKEND picks the cache: "ferricache" (a near cache on REDIS_URL) or "redis"
(redis-py on REDIS_URL)."""

import os

URL = os.environ["REDIS_URL"]
if os.environ["BACKEND"] == "ferricache":
    import ferricache

    cache = ferricache.Cache(remote=URL, private=True, max_memory=256 << 20)
else:
    import redis

    cache = redis.Redis.from_url(URL)


def load(n: str) -> bytes:
    return (n * 64).encode()[:64].ljust(64, b".")  # the "database"


def app(environ, start_response):
    n = environ["PATH_INFO"].rsplit("/", 1)[-1]
    key = "item:" + n
    value = cache.get(key)
    if value is None:
        value = load(n)
        cache.set(key, value, ex=300)
    start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(value)))])
    return [value]
