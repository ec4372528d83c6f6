"""redis-py's ``Lock`` over the engine's lock: SET NX PX with a random token, released by an
atomic compare-and-delete; waiters wake when the holder releases (no polling)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Optional, Union

from ferricache.exceptions import LockError, LockNotOwnedError

if TYPE_CHECKING:
    from ferricache.client import Cache

# A lock without a timeout still needs a TTL in the engine: a century.
_FOREVER_MS = 100 * 365 * 24 * 3600 * 1000


class Lock:
    """A distributed-lock object with redis-py's interface (``acquire``, ``release``,
    ``extend``, ``locked``, ``owned``, use as a context manager). ``timeout`` is the lock's
    TTL in seconds (None: no expiry); ``blocking_timeout`` how long ``acquire`` waits.
    The token is kept on the object, as redis-py's ``thread_local=False``."""

    def __init__(
        self,
        redis: "Cache",
        name: Any,
        timeout: Optional[float] = None,
        sleep: float = 0.1,
        blocking: bool = True,
        blocking_timeout: Optional[float] = None,
        thread_local: bool = True,
    ) -> None:
        self.redis = redis
        self.name = name
        self.timeout = timeout
        self.sleep = sleep
        self.blocking = blocking
        self.blocking_timeout = blocking_timeout
        self._held: Any = None

    def __enter__(self) -> "Lock":
        if self.acquire():
            return self
        raise LockError("Unable to acquire lock within the time specified")

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def _ttl_ms(self, seconds: Optional[float]) -> int:
        return _FOREVER_MS if seconds is None else max(1, int(seconds * 1000))

    def acquire(
        self,
        sleep: Optional[float] = None,
        blocking: Optional[bool] = None,
        blocking_timeout: Optional[float] = None,
        token: Optional[Union[str, bytes]] = None,
    ) -> bool:
        """Takes the lock; waits (without polling) when ``blocking``, up to
        ``blocking_timeout`` seconds (None: as long as it takes)."""
        if token is not None:
            raise NotImplementedError("ferricache locks make their own random token")
        blocking = self.blocking if blocking is None else blocking
        wait_for = self.blocking_timeout if blocking_timeout is None else blocking_timeout
        wait = (-1.0 if wait_for is None else float(wait_for)) if blocking else None
        held = self.redis._lock(self.name, self._ttl_ms(self.timeout), wait)
        if held is None:
            return False
        self._held = held
        return True

    def locked(self) -> bool:
        """Whether anyone holds the lock."""
        return bool(self.redis.exists(self.name))

    def owned(self) -> bool:
        """Whether this object holds the lock now."""
        if self._held is None:
            return False
        return bool(self.redis._get_bytes(self.name) == self._held.token)

    def release(self) -> None:
        """Releases the lock; LockNotOwnedError if it expired or changed hands."""
        if self._held is None:
            raise LockError("Cannot release an unlocked lock")
        held, self._held = self._held, None
        if not held.release():
            raise LockNotOwnedError("Cannot release a lock that's no longer owned")

    def extend(self, additional_time: float, replace_ttl: bool = False) -> bool:
        """Adds ``additional_time`` seconds to the lock's TTL (or sets it, with
        ``replace_ttl``); LockNotOwnedError if the lock is no longer ours."""
        if self._held is None:
            raise LockError("Cannot extend an unlocked lock")
        if self.timeout is None:
            raise LockError("Cannot extend a lock with no timeout")
        ms = int(additional_time * 1000)
        if not replace_ttl:
            ms += max(0, int(self.redis.pttl(self.name)))
        if not self._held.extend(max(1, ms)):
            raise LockNotOwnedError("Cannot extend a lock that's no longer owned")
        return True

    def reacquire(self) -> bool:
        """Resets the TTL to ``timeout``."""
        if self.timeout is None:
            raise LockError("Cannot reacquire a lock with no timeout")
        return self.extend(self.timeout, replace_ttl=True)
