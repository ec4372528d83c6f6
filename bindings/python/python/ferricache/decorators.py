"""``@cached``: memoise a function's results in a ferricache ``Cache``, with a TTL and
single flight (concurrent misses on one key compute once; for sync functions in near-cache
mode, once across processes), for sync and async functions.
Exceptions are not cached: every waiter of the failed flight gets the exception, and the
next call computes again.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import pickle
from typing import Any, Callable, Optional, TypeVar, Union, cast

from ferricache.client import Cache

F = TypeVar("F", bound=Callable[..., Any])
KeyFunc = Callable[..., Union[str, bytes]]


def _default_key(func: Callable[..., Any]) -> KeyFunc:
    prefix = f"cached:{func.__module__}.{func.__qualname__}:"

    def key(*args: Any, **kwargs: Any) -> str:
        return prefix + repr((args, sorted(kwargs.items())))

    return key


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
            # The engine's single flight: one computation per key at a time, in this
            # process, and across processes in near-cache mode.
            k = make_key(*args, **kwargs)
            raw = cache._get_or_set(k, lambda: pickle.dumps(func(*args, **kwargs)), px)
            return pickle.loads(raw)

        return cast(F, wrapper)

    return decorate
