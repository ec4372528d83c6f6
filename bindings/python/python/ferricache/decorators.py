"""``@cached``: memoise a function's results in a ferricache ``Cache``, with a TTL and
single flight (concurrent misses on one key compute once), for sync and async functions.
Exceptions are not cached: every waiter of the failed flight gets the exception, and the
next call computes again.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import pickle
import threading
from typing import Any, Callable, Optional, TypeVar, Union, cast

from ferricache.client import Cache

F = TypeVar("F", bound=Callable[..., Any])
KeyFunc = Callable[..., Union[str, bytes]]


def _default_key(func: Callable[..., Any]) -> KeyFunc:
    prefix = f"cached:{func.__module__}.{func.__qualname__}:"

    def key(*args: Any, **kwargs: Any) -> str:
        return prefix + repr((args, sorted(kwargs.items())))

    return key


class _Flight:
    """One computation in progress, which concurrent callers wait for."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: Optional[BaseException] = None


def cached(
    cache: Cache,
    ttl: Optional[float] = None,
    key: Optional[KeyFunc] = None,
) -> Callable[[F], F]:
    """Caches ``func``'s return values (pickled) in ``cache`` for ``ttl`` seconds (None:
    until evicted). ``key(*args, **kwargs)`` names the entry; by default the function's
    qualified name and the ``repr`` of its arguments.

    >>> from ferricache import Cache, cached
    >>> cache = Cache()
    >>> calls = []
    >>> @cached(cache, ttl=60)
    ... def square(x):
    ...     calls.append(x)
    ...     return x * x
    >>> square(4), square(4), calls
    (16, 16, [4])
    """
    if ttl is not None and ttl <= 0:
        raise ValueError("ttl must be positive (or None)")
    px = None if ttl is None else max(1, int(ttl * 1000))

    def decorate(func: F) -> F:
        make_key = key or _default_key(func)
        flights: dict[Any, _Flight] = {}
        lock = threading.Lock()

        def load(k: Any) -> tuple[bool, Any]:
            raw = cache._get_bytes(k)
            return (False, None) if raw is None else (True, pickle.loads(raw))

        def store(k: Any, value: Any) -> None:
            cache.set(k, pickle.dumps(value), px=px)

        if inspect.iscoroutinefunction(func):
            tasks: dict[Any, asyncio.Future[Any]] = {}

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                k = make_key(*args, **kwargs)
                hit, value = load(k)
                if hit:
                    return value
                running = tasks.get(k)
                if running is not None:
                    return await asyncio.shield(running)
                future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
                tasks[k] = future
                try:
                    value = await func(*args, **kwargs)
                except BaseException as e:
                    future.set_exception(e)
                    future.exception()  # mark retrieved: waiters re-raise it themselves
                    raise
                else:
                    store(k, value)
                    future.set_result(value)
                    return value
                finally:
                    tasks.pop(k, None)

            return cast(F, async_wrapper)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            k = make_key(*args, **kwargs)
            hit, value = load(k)
            if hit:
                return value
            with lock:
                flight = flights.get(k)
                leader = flight is None
                if leader:
                    flight = flights[k] = _Flight()
            assert flight is not None
            if not leader:
                flight.done.wait()
                if flight.error is not None:
                    raise flight.error
                return flight.value
            try:
                flight.value = func(*args, **kwargs)
                store(k, flight.value)
                return flight.value
            except BaseException as e:
                flight.error = e
                raise
            finally:
                with lock:
                    flights.pop(k, None)
                flight.done.set()

        return cast(F, wrapper)

    return decorate
