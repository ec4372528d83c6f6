"""redis-py's exception hierarchy, so that ``except redis.exceptions.X`` code keeps working.

The classes that ferricache raises itself come from the native module; the others exist so
that code naming them still imports, and are never raised (there is no connection).
"""

from ferricache._native import (
    DataError,
    OutOfMemoryError,
    PubSubError,
    RedisError,
    ResponseError,
)


class ConnectionError(RedisError):  # noqa: A001 - redis-py's name
    """Never raised: there is no connection."""


class TimeoutError(RedisError):  # noqa: A001 - redis-py's name
    """Never raised: there is no connection."""


class AuthenticationError(ConnectionError):
    """Never raised: there is no server to authenticate to."""


class InvalidResponse(RedisError):
    """Never raised: replies come from the engine, not a parser."""


class WatchError(RedisError):
    """Never raised: WATCH is not offered."""


class LockError(RedisError, ValueError):
    """A lock could not be taken, released or extended (redis-py's ``Lock`` errors)."""


class LockNotOwnedError(LockError):
    """The lock expired or changed hands before release or extend."""


__all__ = [
    "AuthenticationError",
    "ConnectionError",
    "DataError",
    "InvalidResponse",
    "LockError",
    "LockNotOwnedError",
    "OutOfMemoryError",
    "PubSubError",
    "RedisError",
    "ResponseError",
    "TimeoutError",
    "WatchError",
]
