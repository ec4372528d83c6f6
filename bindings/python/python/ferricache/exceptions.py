"""The errors ferricache raises: redis-py's own classes when redis-py is importable, so that
``except redis.exceptions.ResponseError`` (or any other of its classes) catches them; else
classes of the same names and hierarchy (``ferricache._exceptions``).

>>> import ferricache, redis
>>> r = ferricache.Cache(private=True)
>>> r.set("k", "v")
True
>>> try:
...     r.incr("k")
... except redis.exceptions.ResponseError as e:
...     print(e)
value is not an integer or out of range
"""

from typing import TYPE_CHECKING

# ruff: noqa: A004 - redis-py's names shadow builtins, as in redis-py
_NAMES = (  # the classes redis-py has; __all__ repeats them for type checkers
    "AskError",
    "AuthenticationError",
    "AuthenticationWrongNumberOfArgsError",
    "AuthorizationError",
    "BusyLoadingError",
    "ChildDeadlockedError",
    "ClusterCrossSlotError",
    "ClusterDownError",
    "ClusterError",
    "ConnectionError",
    "DataError",
    "ExecAbortError",
    "InvalidResponse",
    "LockError",
    "LockNotOwnedError",
    "MasterDownError",
    "ModuleError",
    "MovedError",
    "NoPermissionError",
    "NoScriptError",
    "OutOfMemoryError",
    "PubSubError",
    "ReadOnlyError",
    "RedisClusterException",
    "RedisError",
    "ResponseError",
    "SlotNotCoveredError",
    "TimeoutError",
    "TryAgainError",
    "WatchError",
)

if TYPE_CHECKING:
    from ferricache._exceptions import (
        AskError,
        AuthenticationError,
        AuthenticationWrongNumberOfArgsError,
        AuthorizationError,
        BusyLoadingError,
        ChildDeadlockedError,
        ClusterCrossSlotError,
        ClusterDownError,
        ClusterError,
        ConnectionError,
        DataError,
        ExecAbortError,
        InvalidResponse,
        LockError,
        LockNotOwnedError,
        MasterDownError,
        ModuleError,
        MovedError,
        NoPermissionError,
        NoScriptError,
        OutOfMemoryError,
        PubSubError,
        ReadOnlyError,
        RedisClusterException,
        RedisError,
        ResponseError,
        SlotNotCoveredError,
        TimeoutError,
        TryAgainError,
        WatchError,
    )
else:
    try:
        import redis.exceptions as _source
    except ImportError:
        from ferricache import _exceptions as _source
    if not all(hasattr(_source, n) for n in _NAMES):  # a redis-py older than 4.1
        from ferricache import _exceptions as _source
    globals().update({n: getattr(_source, n) for n in _NAMES})
    del _source

#: True when the classes above are redis-py's own.
FROM_REDIS_PY: bool = RedisError.__module__ == "redis.exceptions"


class WouldBlockError(RedisError):
    """Near-cache mode, inside a no-wait call: the call needs the server and did nothing
    (the asyncio client then runs it on a thread). ferricache's own class."""


__all__ = [
    "AskError",
    "AuthenticationError",
    "AuthenticationWrongNumberOfArgsError",
    "AuthorizationError",
    "BusyLoadingError",
    "ChildDeadlockedError",
    "ClusterCrossSlotError",
    "ClusterDownError",
    "ClusterError",
    "ConnectionError",
    "DataError",
    "ExecAbortError",
    "InvalidResponse",
    "LockError",
    "LockNotOwnedError",
    "MasterDownError",
    "ModuleError",
    "MovedError",
    "NoPermissionError",
    "NoScriptError",
    "OutOfMemoryError",
    "PubSubError",
    "ReadOnlyError",
    "RedisClusterException",
    "RedisError",
    "ResponseError",
    "SlotNotCoveredError",
    "TimeoutError",
    "TryAgainError",
    "WatchError",
    "FROM_REDIS_PY",
    "WouldBlockError",
]
