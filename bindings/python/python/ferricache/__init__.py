"""ferricache: Redis's data structures inside the process, behind redis-py's API.

>>> import ferricache
>>> r = ferricache.Cache(decode_responses=True)   # was: redis.Redis(decode_responses=True)
>>> r.zadd("leaderboard", {"alice": 50, "bob": 70})
2
>>> r.zrevrange("leaderboard", 0, 0, withscores=True)
[('bob', 70.0)]
"""

from ferricache import exceptions
from ferricache.client import Cache, Redis, StrictRedis
from ferricache.decorators import cached
from ferricache.exceptions import (  # noqa: A004 - redis-py's top-level names, as `redis.X`
    AuthenticationError,
    AuthenticationWrongNumberOfArgsError,
    BusyLoadingError,
    ChildDeadlockedError,
    ConnectionError,
    DataError,
    InvalidResponse,
    OutOfMemoryError,
    PubSubError,
    ReadOnlyError,
    RedisError,
    ResponseError,
    TimeoutError,
    WatchError,
)
from ferricache.pubsub import PubSub

__version__ = "0.1.0"

__all__ = [
    "AuthenticationError",
    "AuthenticationWrongNumberOfArgsError",
    "BusyLoadingError",
    "Cache",
    "ChildDeadlockedError",
    "ConnectionError",
    "DataError",
    "InvalidResponse",
    "OutOfMemoryError",
    "PubSub",
    "PubSubError",
    "ReadOnlyError",
    "Redis",
    "RedisError",
    "ResponseError",
    "StrictRedis",
    "TimeoutError",
    "WatchError",
    "cached",
    "exceptions",
    "__version__",
]
