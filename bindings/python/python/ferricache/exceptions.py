"""redis-py's exception hierarchy, so that ``except redis.exceptions.X`` code keeps working.

The classes that ferricache raises itself come from the native module (ConnectionError and
TimeoutError only in near-cache mode, when the server cannot answer); the others exist so
that code naming them still imports.
"""

from ferricache._native import (  # noqa: A004 - redis-py's names
    ConnectionError,
    DataError,
    OutOfMemoryError,
    PubSubError,
    RedisError,
    ResponseError,
    TimeoutError,
    WouldBlockError,
)


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
    "WouldBlockError",
]
