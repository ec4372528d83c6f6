"""ferricache raises redis-py's own exception classes when redis-py is importable, and
classes of the same names and hierarchy when it is not."""

import inspect
import subprocess
import sys

import pytest
import redis
import redis.exceptions

import ferricache
import ferricache.exceptions
from ferricache import _exceptions


def test_the_classes_are_redis_pys(r: ferricache.Cache) -> None:
    assert ferricache.exceptions.FROM_REDIS_PY
    assert ferricache.ResponseError is redis.ResponseError
    assert ferricache.exceptions.ExecAbortError is redis.exceptions.ExecAbortError
    r.set("s", "v")
    with pytest.raises(redis.exceptions.ResponseError, match="^WRONGTYPE Operation against a key"):
        r.lpush("s", "x")
    with pytest.raises(redis.exceptions.ResponseError) as e:
        r.incr("s")
    assert str(e.value) == "value is not an integer or out of range"
    with pytest.raises(redis.exceptions.DataError):
        r.set("k", {"not": "encodable"})  # type: ignore[arg-type]
    small = ferricache.Cache(max_memory=1, eviction_policy="noeviction", private=True)
    with pytest.raises(redis.exceptions.OutOfMemoryError):
        small.set("k", "v" * 1000)
    lock = r.lock("L", timeout=10)
    with pytest.raises(redis.exceptions.LockError):
        lock.release()  # not acquired
    assert lock.acquire()
    r.delete("L")
    with pytest.raises(redis.exceptions.LockNotOwnedError):
        lock.release()


def test_argument_checks_answer_as_the_server_does(r: ferricache.Cache) -> None:
    # redis-py sends these as given; the server's replies are what its users see.
    with pytest.raises(redis.exceptions.ResponseError, match="^value is not an integer or out of range$"):
        r.incr("n", 1.5)  # type: ignore[arg-type]
    with pytest.raises(redis.exceptions.ResponseError, match="^value is not an integer or out of range$"):
        r.decr("n", "x")  # type: ignore[arg-type]
    assert r.incr("n", "5") == 5  # type: ignore[arg-type]
    assert r.get("n") == "5"
    with pytest.raises(redis.exceptions.ResponseError, match="^timeout is negative$"):
        r.blpop(["l"], -1)
    with pytest.raises(redis.exceptions.ResponseError, match="^timeout is not a float or out of range$"):
        r.brpop(["l"], "soon")  # type: ignore[arg-type]
    with pytest.raises(redis.exceptions.ResponseError, match="^timeout is negative$"):
        r.brpoplpush("a", "b", -0.5)  # type: ignore[arg-type]
    with pytest.raises(redis.exceptions.ResponseError, match="^syntax error$"):
        r.blmove("a", "b", 0.01, "UP", "LEFT")
    assert r.exists("n", "l", "a", "b") == 1  # nothing else was written


def _hierarchy(module: object) -> dict[str, list[str]]:
    return {
        name: [b.__name__ for b in cls.__mro__]
        for name, cls in vars(module).items()
        if inspect.isclass(cls) and issubclass(cls, BaseException) and name in ferricache.exceptions._NAMES
    }


def test_without_redis_py_the_same_names_and_hierarchy() -> None:
    # Every name of ferricache.exceptions exists in redis-py with the same bases.
    assert _hierarchy(_exceptions) == _hierarchy(redis.exceptions)
    # In a process where redis-py cannot be imported, ferricache raises its own classes.
    code = """
import sys
sys.modules["redis"] = None
import ferricache
from ferricache import exceptions as x
assert not x.FROM_REDIS_PY and x.ResponseError.__module__ == "ferricache._exceptions"
r = ferricache.Cache(private=True)
r.set("s", "v")
try:
    r.lpush("s", "x")
except ferricache.ResponseError as e:
    assert isinstance(e, x.RedisError) and str(e).startswith("WRONGTYPE"), e
else:
    raise SystemExit("no error")
assert issubclass(x.LockNotOwnedError, ValueError)
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
