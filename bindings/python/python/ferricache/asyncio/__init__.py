"""``ferricache.asyncio``: the same API as coroutines, in the shape of ``redis.asyncio``.

Ordinary commands run inline (they take well under a microsecond and never wait). Blocking
pops and pub/sub waits never block the event loop: the engine signals readiness through a
socket that the loop watches. In near-cache mode (``Cache(remote=...)``) a command is first
tried inline with round trips forbidden, so hits stay inline; one that needs the server
(a miss, a write) runs on a thread (``asyncio.to_thread``) and the loop goes on.

>>> import asyncio, ferricache.asyncio
>>> async def main():
...     r = ferricache.asyncio.Cache(decode_responses=True)
...     await r.rpush("jobs", "job-1")
...     return await r.blpop("jobs", timeout=1)
>>> asyncio.run(main())
('jobs', 'job-1')
"""

from __future__ import annotations

import asyncio
import inspect
import socket
from typing import Any, AsyncIterator, Awaitable, Callable, Optional

from ferricache.client import Cache as SyncCache
from ferricache.client import BitFieldOperation as SyncBitFieldOperation
from ferricache.client import _url_db
from ferricache.client import Pipeline as SyncPipeline
from ferricache.exceptions import WatchError, WouldBlockError
from ferricache.lock import Lock as SyncLock
from ferricache.pubsub import PubSub as SyncPubSub

__all__ = ["Cache", "Lock", "Pipeline", "PubSub", "Redis", "StrictRedis"]


async def _readable(sock: socket.socket, timeout: Optional[float]) -> bool:
    """Waits until ``sock`` has a byte (True) or ``timeout`` passes (False)."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def on_readable() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(sock.fileno(), on_readable)
    try:
        await asyncio.wait_for(ready, timeout)
        return True
    except asyncio.TimeoutError:
        return False
    finally:
        loop.remove_reader(sock.fileno())


async def _await_waiter(waiter: Any, timeout: float) -> Any:
    """The result of a native blocking pop, awaited without blocking the loop."""
    got = waiter.try_take()
    if got is not None:
        return got
    rsock, wsock = socket.socketpair()
    try:
        rsock.setblocking(False)
        waiter.notify_fd(wsock.fileno())
        if await _readable(rsock, timeout or None):
            got = waiter.try_take()
        return got
    finally:
        if got is None:
            waiter.cancel()
        rsock.close()
        wsock.close()


def _timeout(timeout: Any) -> float:
    if timeout is None:
        return 0.0
    if hasattr(timeout, "total_seconds"):
        return float(timeout.total_seconds())
    return float(timeout)


class Cache:
    """``redis.asyncio.Redis``'s API over a ferricache engine. Every command method of
    :class:`ferricache.Cache` is here as a coroutine with the same parameters.

    Pass the same options as to :class:`ferricache.Cache`, or ``Cache(cache=sync_cache)``
    to share an engine with synchronous code.
    """

    def __init__(self, *, cache: Optional[SyncCache] = None, **kwargs: Any) -> None:
        self._sync = cache if cache is not None else SyncCache(**kwargs)

    @classmethod
    def from_url(cls, url: str, near_cache: bool = False, **kwargs: Any) -> "Cache":
        if near_cache:
            return cls(remote=url, **kwargs)
        return cls(**_url_db(url, kwargs))

    @property
    def sync(self) -> SyncCache:
        """The synchronous cache this one runs on (same data)."""
        return self._sync

    @property
    def decode_responses(self) -> bool:
        return self._sync.decode_responses

    async def __aenter__(self) -> "Cache":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """As ``redis.asyncio.Redis.aclose``: nothing to close."""

    async def close(self) -> None:
        """Deprecated alias of ``aclose`` in redis-py; kept for old code."""

    async def initialize(self) -> "Cache":
        return self

    @property
    def response_callbacks(self) -> dict[str, Callable[..., Any]]:
        return self._sync.response_callbacks

    def set_response_callback(self, command: str, callback: Callable[..., Any]) -> None:
        self._sync.set_response_callback(command, callback)

    @property
    def connection_pool(self) -> Any:
        return self._sync.connection_pool

    def get_connection_kwargs(self) -> dict[str, Any]:
        return self._sync.get_connection_kwargs()

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> "Pipeline":
        """``redis.asyncio``'s pipeline: commands queue (and return the pipeline);
        ``await pipe.execute()`` runs them, as MULTI / EXEC with ``transaction``; after
        ``await pipe.watch(...)`` commands run at once and are awaited, until
        ``pipe.multi()``."""
        return Pipeline(self._sync.pipeline(transaction, shard_hint))

    async def transaction(
        self,
        func: Callable[["Pipeline"], Any],
        *watches: Any,
        shard_hint: Any = None,
        value_from_callable: bool = False,
        watch_delay: Optional[float] = None,
    ) -> Any:
        """As ``redis.asyncio``'s: runs ``func(pipe)`` (a function or a coroutine
        function) with ``watches`` WATCHed, then the transaction it queued, again while a
        watched key changes."""
        async with self.pipeline(True, shard_hint) as pipe:
            while True:
                try:
                    if watches:
                        await pipe.watch(*watches)
                    func_value = func(pipe)
                    if inspect.isawaitable(func_value):
                        func_value = await func_value
                    exec_value = await pipe.execute()
                    return func_value if value_from_callable else exec_value
                except WatchError:
                    if watch_delay is not None and watch_delay > 0:
                        await asyncio.sleep(watch_delay)
                    continue

    def lock(
        self,
        name: Any,
        timeout: Optional[float] = None,
        sleep: float = 0.1,
        blocking: bool = True,
        blocking_timeout: Optional[float] = None,
        lock_class: Any = None,
        thread_local: bool = True,
    ) -> "Lock":
        """``redis.asyncio``'s ``lock()``: the same lock, with coroutine methods; waiting
        for it never blocks the event loop."""
        return (lock_class or Lock)(
            self, name, timeout=timeout, sleep=sleep, blocking=blocking, blocking_timeout=blocking_timeout
        )

    def pubsub(self, ignore_subscribe_messages: bool = False) -> "PubSub":
        return PubSub(self._sync, ignore_subscribe_messages=ignore_subscribe_messages)

    def bitfield(self, key: Any, default_overflow: Optional[str] = None) -> "BitFieldOperation":
        """redis-py's BITFIELD builder; ``await ... .execute()`` runs it."""
        return BitFieldOperation(self, key, default_overflow=default_overflow)

    async def _pop(self, keys: Any, timeout: Any, take: str) -> Any:
        if self._sync.is_near_cache:
            # The pop waits on the server: on a thread, on a connection of its own.
            pop = {"lhead": "blpop", "ltail": "brpop", "zmin": "bzpopmin", "zmax": "bzpopmax"}[take]
            return await asyncio.to_thread(getattr(self._sync, pop), keys, timeout)
        waiter = self._sync._pop_waiter(keys, take)
        return await _await_waiter(waiter, _timeout(timeout))

    async def blpop(self, keys: Any, timeout: Any = 0) -> Any:
        return await self._pop(keys, timeout, "lhead")

    async def brpop(self, keys: Any, timeout: Any = 0) -> Any:
        return await self._pop(keys, timeout, "ltail")

    async def bzpopmin(self, keys: Any, timeout: Any = 0) -> Any:
        return await self._pop(keys, timeout, "zmin")

    async def bzpopmax(self, keys: Any, timeout: Any = 0) -> Any:
        return await self._pop(keys, timeout, "zmax")

    async def blmove(self, first_list: Any, second_list: Any, timeout: Any, src: str = "LEFT", dest: str = "RIGHT") -> Any:
        if self._sync.is_near_cache:
            return await asyncio.to_thread(self._sync.blmove, first_list, second_list, timeout, src, dest)
        moved = self._sync.lmove(first_list, second_list, src, dest)
        if moved is not None:
            return moved
        got = await self._pop([first_list], timeout, "lhead" if src.upper() == "LEFT" else "ltail")
        if got is None:
            return None
        _, element = got
        try:
            (self._sync.lpush if dest.upper() == "LEFT" else self._sync.rpush)(second_list, element)
        except Exception:
            (self._sync.lpush if src.upper() == "LEFT" else self._sync.rpush)(first_list, element)
            raise
        return element

    async def brpoplpush(self, src: Any, dst: Any, timeout: Any = 0) -> Any:
        return await self.blmove(src, dst, timeout, "RIGHT", "LEFT")

    async def scan_iter(self, match: Any = None, count: Optional[int] = None, _type: Optional[str] = None, **kwargs: Any) -> AsyncIterator[Any]:
        for key in self._sync.scan_iter(match=match, count=count, _type=_type):
            yield key

    async def hscan_iter(self, name: Any, match: Any = None, count: Optional[int] = None, no_values: Optional[bool] = None) -> AsyncIterator[Any]:
        for item in self._sync.hscan_iter(name, match=match, count=count, no_values=no_values):
            yield item

    async def sscan_iter(self, name: Any, match: Any = None, count: Optional[int] = None) -> AsyncIterator[Any]:
        for item in self._sync.sscan_iter(name, match=match, count=count):
            yield item

    async def zscan_iter(self, name: Any, match: Any = None, count: Optional[int] = None, score_cast_func: Any = float) -> AsyncIterator[Any]:
        for item in self._sync.zscan_iter(name, match=match, count=count, score_cast_func=score_cast_func):
            yield item


# Every other command of the synchronous client, as a coroutine with the same signature.
_SPECIAL = set(vars(Cache)) | {
    "pubsub", "pipeline", "transaction", "lock", "close", "from_url", "stats", "execute", "bitfield",
    "set_response_callback", "get_connection_kwargs",
}


def _coroutine(name: str) -> Callable[..., Awaitable[Any]]:
    method = getattr(SyncCache, name)

    async def call(self: Cache, *args: Any, **kwargs: Any) -> Any:
        sync = self._sync
        if not sync.is_near_cache:
            return method(sync, *args, **kwargs)
        try:
            return sync._no_wait(method, sync, *args, **kwargs)
        except WouldBlockError:
            return await asyncio.to_thread(method, sync, *args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = method.__doc__
    try:
        call.__signature__ = inspect.signature(method)  # type: ignore[attr-defined]
    except (TypeError, ValueError):  # pragma: no cover - every method has one today
        pass
    return call


COMMANDS = sorted(
    n
    for n in dir(SyncCache)
    if not n.startswith("_") and n not in _SPECIAL and callable(getattr(SyncCache, n))
)
for _name in COMMANDS:
    setattr(Cache, _name, _coroutine(_name))


class BitFieldOperation(SyncBitFieldOperation):
    """``redis.asyncio``'s BITFIELD builder: as the synchronous one, with ``execute`` a
    coroutine."""

    async def execute(self) -> Any:  # type: ignore[override]
        command = self.command
        self.reset()
        return await self.client.execute_command(*command)


async def _value(value: Any) -> Any:
    return value


async def _run(sync: SyncCache, f: Callable[..., Any], *args: Any) -> Any:
    """Runs ``f`` inline, or on a thread in near-cache mode (it may wait for the server)."""
    if sync.is_near_cache:
        return await asyncio.to_thread(f, *args)
    return f(*args)


class Pipeline:
    """``redis.asyncio``'s ``Pipeline`` over the synchronous one: queued commands return
    the pipeline; commands run at once (after ``watch()``) return an awaitable."""

    def __init__(self, pipe: SyncPipeline) -> None:
        self._pipe = pipe

    async def __aenter__(self) -> "Pipeline":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.reset()

    def __len__(self) -> int:
        return len(self._pipe)

    def __bool__(self) -> bool:
        return True

    def __await__(self) -> Any:
        return _value(self).__await__()

    def _wrap(self, result: Any) -> Any:
        return self if result is self._pipe else _value(result)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._pipe, name)
        return lambda *args, **kwargs: self._wrap(method(*args, **kwargs))

    def execute_command(self, *args: Any, **options: Any) -> Any:
        return self._wrap(self._pipe.execute_command(*args, **options))

    @property
    def watching(self) -> bool:
        return self._pipe.watching

    async def watch(self, *names: Any) -> bool:
        return self._pipe.watch(*names)

    async def unwatch(self) -> bool:
        return self._pipe.unwatch()

    def multi(self) -> None:
        self._pipe.multi()

    async def reset(self) -> None:
        self._pipe.reset()

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        return await _run(self._pipe._cache, self._pipe.execute, raise_on_error)  # type: ignore[no-any-return]


class Lock:
    """``redis.asyncio``'s ``Lock``: the synchronous lock's operations as coroutines; a
    blocking ``acquire`` tries again every ``sleep`` seconds with ``asyncio.sleep``."""

    def __init__(
        self,
        redis: Cache,
        name: Any,
        timeout: Optional[float] = None,
        sleep: float = 0.1,
        blocking: bool = True,
        blocking_timeout: Optional[float] = None,
    ) -> None:
        self._lock = SyncLock(redis.sync, name, timeout=timeout, sleep=sleep)
        self.name, self.timeout, self.sleep = name, timeout, sleep
        self.blocking, self.blocking_timeout = blocking, blocking_timeout

    async def __aenter__(self) -> "Lock":
        if await self.acquire():
            return self
        from ferricache.exceptions import LockError

        raise LockError("Unable to acquire lock within the time specified")

    async def __aexit__(self, *exc: Any) -> None:
        await self.release()

    async def acquire(
        self,
        sleep: Optional[float] = None,
        blocking: Optional[bool] = None,
        blocking_timeout: Optional[float] = None,
        token: Any = None,
    ) -> bool:
        sleep = self.sleep if sleep is None else sleep
        blocking = self.blocking if blocking is None else blocking
        wait_for = self.blocking_timeout if blocking_timeout is None else blocking_timeout
        loop = asyncio.get_running_loop()
        deadline = None if wait_for is None else loop.time() + wait_for
        while True:
            if await _run(self._lock.redis, self._lock.acquire, None, False, None, token):
                return True
            if not blocking or (deadline is not None and loop.time() >= deadline):
                return False
            await asyncio.sleep(sleep)

    async def locked(self) -> bool:
        return bool(await _run(self._lock.redis, self._lock.locked))

    async def owned(self) -> bool:
        return bool(await _run(self._lock.redis, self._lock.owned))

    async def release(self) -> None:
        await _run(self._lock.redis, self._lock.release)

    async def extend(self, additional_time: float, replace_ttl: bool = False) -> bool:
        return bool(await _run(self._lock.redis, self._lock.extend, additional_time, replace_ttl))

    async def reacquire(self) -> bool:
        return bool(await _run(self._lock.redis, self._lock.reacquire))


async def _maybe_await(result: Any) -> None:
    if inspect.isawaitable(result):
        await result


class PubSub:
    """``redis.asyncio.client.PubSub``: coroutines for subscribing and reading; handlers
    may be plain functions or coroutine functions."""

    def __init__(self, cache: SyncCache, ignore_subscribe_messages: bool = False) -> None:
        self._sub = SyncPubSub(cache, ignore_subscribe_messages=ignore_subscribe_messages)
        self._rsock, self._wsock = socket.socketpair()
        self._rsock.setblocking(False)
        self._sub._native.notify_fd(self._wsock.fileno())

    @property
    def channels(self) -> dict[Any, Any]:
        return self._sub.channels

    @property
    def patterns(self) -> dict[Any, Any]:
        return self._sub.patterns

    @property
    def subscribed(self) -> bool:
        return self._sub.subscribed

    async def __aenter__(self) -> "PubSub":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._sub.reset()
        self._rsock.close()
        self._wsock.close()

    async def reset(self) -> None:
        await self.aclose()

    async def subscribe(self, *args: Any, **kwargs: Any) -> None:
        self._sub.subscribe(*args, **kwargs)

    async def psubscribe(self, *args: Any, **kwargs: Any) -> None:
        self._sub.psubscribe(*args, **kwargs)

    async def unsubscribe(self, *args: Any) -> None:
        self._sub.unsubscribe(*args)

    async def punsubscribe(self, *args: Any) -> None:
        self._sub.punsubscribe(*args)

    async def get_message(self, ignore_subscribe_messages: bool = False, timeout: Optional[float] = 0.0) -> Optional[dict[str, Any]]:
        """The next message, waiting up to ``timeout`` seconds (None: until one comes)
        without blocking the loop."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            message = self._sub._next(0.0)
            if message is not None:
                kind = message["type"]
                handler = None
                if kind == "message":
                    handler = self._sub.channels.get(message["channel"])
                elif kind == "pmessage":
                    handler = self._sub.patterns.get(message["pattern"])
                if handler is not None:
                    await _maybe_await(handler(message))
                    return None
                return self._sub.handle_message(message, ignore_subscribe_messages)
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                return None
            if await _readable(self._rsock, left):
                try:
                    self._rsock.recv(4096)
                except BlockingIOError:
                    pass

    async def listen(self) -> AsyncIterator[dict[str, Any]]:
        while self.subscribed:
            message = await self.get_message(timeout=None)
            if message is not None:
                yield message

    async def run(self, *, exception_handler: Optional[Callable[..., Any]] = None, poll_timeout: float = 1.0) -> None:
        """Delivers messages to their handlers until cancelled."""
        while True:
            try:
                await self.get_message(ignore_subscribe_messages=True, timeout=poll_timeout)
            except asyncio.CancelledError:
                raise
            except BaseException as e:
                if exception_handler is None:
                    raise
                await _maybe_await(exception_handler(e, self))


Redis = Cache
StrictRedis = Cache
