"""A Django cache backend on ferricache: the cache lives in the process, so reads cost no
network round trip.

    CACHES = {
        "default": {
            "BACKEND": "ferricache.contrib.django.FerriCache",
            "LOCATION": "default",          # caches with the same LOCATION share one engine
            "TIMEOUT": 300,
            "OPTIONS": {"max_memory": 256 * 2**20, "eviction_policy": "allkeys-lru"},
        }
    }

Timeouts follow Django's rules: None keeps a key forever, 0 or less expires it at once,
anything else is seconds (fractions honoured to the millisecond). Integers are stored as
decimal text, so ``incr`` / ``decr`` are single atomic INCRBY commands that keep the key's
TTL; everything else is pickled.
"""

from __future__ import annotations

import pickle
import threading
from typing import Any, Iterable, Optional

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache  # type: ignore[import-untyped]

from ferricache.client import Cache

_engines: dict[str, Cache] = {}
_engines_lock = threading.Lock()


def _engine(location: str, options: dict[str, Any]) -> Cache:
    with _engines_lock:
        engine = _engines.get(location)
        if engine is None:
            engine = _engines[location] = Cache(private=True, **options)
        return engine


def _dumps(value: Any) -> bytes:
    if type(value) is int:
        return str(value).encode()
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def _loads(raw: Optional[bytes]) -> Any:
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return pickle.loads(raw)


class FerriCache(BaseCache):  # type: ignore[misc]
    """``django.core.cache`` backend: ``BACKEND = "ferricache.contrib.django.FerriCache"``."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self._cache = _engine(server or "default", dict(params.get("OPTIONS") or {}))

    def _px(self, timeout: Any) -> Optional[int]:
        """Milliseconds to live: None for forever, 0 (or less) for "expire now"."""
        if timeout is DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        if timeout is None:
            return None
        return max(0, int(timeout * 1000))

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Optional[int] = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        px = self._px(timeout)
        if px == 0:
            return not self._cache.exists(key)
        return bool(self._cache.set(key, _dumps(value), px=px, nx=True))

    def get(self, key: Any, default: Any = None, version: Optional[int] = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        raw = self._cache._get_bytes(key)
        return default if raw is None else _loads(raw)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Optional[int] = None) -> None:
        key = self.make_and_validate_key(key, version=version)
        px = self._px(timeout)
        if px == 0:
            self._cache.delete(key)
        else:
            self._cache.set(key, _dumps(value), px=px)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Optional[int] = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        px = self._px(timeout)
        if px is None:
            return bool(self._cache.persist(key)) or bool(self._cache.exists(key))
        if px == 0:
            return bool(self._cache.delete(key))
        return bool(self._cache.pexpire(key, px))

    def delete(self, key: Any, version: Optional[int] = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return bool(self._cache.delete(key))

    def has_key(self, key: Any, version: Optional[int] = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return bool(self._cache.exists(key))

    def incr(self, key: Any, delta: int = 1, version: Optional[int] = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        if not self._cache.exists(key):
            raise ValueError(f"Key '{key}' not found.")
        return int(self._cache.incr(key, delta))

    def get_many(self, keys: Iterable[Any], version: Optional[int] = None) -> dict[Any, Any]:
        keys = list(keys)
        made = [self.make_and_validate_key(k, version=version) for k in keys]
        found = {}
        for original, key in zip(keys, made):
            raw = self._cache._get_bytes(key)
            if raw is not None:
                found[original] = _loads(raw)
        return found

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: Optional[int] = None) -> list[Any]:
        for key, value in data.items():
            self.set(key, value, timeout, version=version)
        return []

    def delete_many(self, keys: Iterable[Any], version: Optional[int] = None) -> None:
        made = [self.make_and_validate_key(k, version=version) for k in keys]
        if made:
            self._cache.delete(*made)

    def clear(self) -> None:
        """Empties this backend's engine (shared by every backend with its LOCATION)."""
        self._cache.flushall()

    def close(self, **kwargs: Any) -> None:
        """Nothing to close: the engine lives as long as the process."""
