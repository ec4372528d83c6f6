"""redis-py's ``PubSub`` over an in-process subscription."""

from __future__ import annotations

import collections
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

from ferricache.exceptions import PubSubError

if TYPE_CHECKING:
    from ferricache.client import Cache

Handler = Callable[[dict[str, Any]], Any]


class PubSub:
    """Subscribes to channels and patterns and reads messages as redis-py's ``PubSub`` does:
    ``subscribe`` / ``psubscribe`` (handlers as keyword arguments), ``get_message``,
    ``listen``, ``run_in_thread``. Messages are dicts with ``type``, ``pattern``, ``channel``
    and ``data``; subscribe and unsubscribe confirmations come first, as from a server.
    Waiting releases the GIL.
    """

    PUBLISH_MESSAGE_TYPES = ("message", "pmessage")
    UNSUBSCRIBE_MESSAGE_TYPES = ("unsubscribe", "punsubscribe")

    def __init__(self, cache: "Cache", ignore_subscribe_messages: bool = False) -> None:
        self._cache = cache
        self._native = cache._subscription()
        self.ignore_subscribe_messages = ignore_subscribe_messages
        self.channels: dict[Any, Optional[Handler]] = {}
        self.patterns: dict[Any, Optional[Handler]] = {}
        self._pending: collections.deque[dict[str, Any]] = collections.deque()
        self._lock = threading.Lock()

    # -- context and lifecycle ------------------------------------------------------------

    def __enter__(self) -> "PubSub":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.reset()

    def __del__(self) -> None:
        try:
            self.reset()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass

    def reset(self) -> None:
        """Unsubscribes from everything and forgets handlers and pending messages."""
        self._native.close()
        self.channels.clear()
        self.patterns.clear()
        self._pending.clear()

    def close(self) -> None:
        self.reset()

    @property
    def subscribed(self) -> bool:
        return bool(self.channels or self.patterns or self._pending)

    def _key(self, name: Any) -> Any:
        """A channel or pattern as messages will name it (bytes, or str when decoding)."""
        if isinstance(name, (memoryview, bytearray)):
            name = bytes(name)
        elif not isinstance(name, (bytes, str)):
            name = str(name)
        if self._cache.decode_responses:
            return name.decode() if isinstance(name, bytes) else name
        return name.encode() if isinstance(name, str) else name

    def _confirm(self, kind: str, name: Any) -> None:
        self._pending.append(
            {"type": kind, "pattern": None, "channel": name, "data": len(self.channels) + len(self.patterns)}
        )

    # -- subscriptions ----------------------------------------------------------------------

    def subscribe(self, *args: Any, **kwargs: Handler) -> None:
        """SUBSCRIBE to channels; keyword arguments name channels with their handlers."""
        new: dict[Any, Optional[Handler]] = {self._key(c): None for c in args}
        new.update({self._key(c): h for c, h in kwargs.items()})
        with self._lock:
            self._native.subscribe(list(new))
            for c, h in new.items():
                self.channels[c] = h
                self._confirm("subscribe", c)

    def psubscribe(self, *args: Any, **kwargs: Handler) -> None:
        """PSUBSCRIBE to glob patterns; keyword arguments name patterns with handlers."""
        new: dict[Any, Optional[Handler]] = {self._key(p): None for p in args}
        new.update({self._key(p): h for p, h in kwargs.items()})
        with self._lock:
            self._native.psubscribe(list(new))
            for p, h in new.items():
                self.patterns[p] = h
                self._confirm("psubscribe", p)

    def unsubscribe(self, *args: Any) -> None:
        """UNSUBSCRIBE from these channels, or from all of them."""
        names = [self._key(c) for c in args] or list(self.channels)
        with self._lock:
            self._native.unsubscribe(names)
            for c in names:
                self.channels.pop(c, None)
                self._confirm("unsubscribe", c)

    def punsubscribe(self, *args: Any) -> None:
        """PUNSUBSCRIBE from these patterns, or from all of them."""
        names = [self._key(p) for p in args] or list(self.patterns)
        with self._lock:
            self._native.punsubscribe(names)
            for p in names:
                self.patterns.pop(p, None)
                self._confirm("punsubscribe", p)

    def ping(self, message: Any = None) -> None:
        """As redis-py: queues a ``pong`` message."""
        self._pending.append({"type": "pong", "pattern": None, "channel": None, "data": message or b""})

    # -- reading ----------------------------------------------------------------------------

    def _next(self, timeout: Optional[float]) -> Optional[dict[str, Any]]:
        if self._pending:
            return self._pending.popleft()
        got = self._native.get(timeout)
        if got is None:
            return None
        pattern, channel, data = got
        return {
            "type": "pmessage" if pattern is not None else "message",
            "pattern": pattern,
            "channel": channel,
            "data": data,
        }

    def parse_response(self, block: bool = True, timeout: float = 0) -> Optional[list[Any]]:
        """As redis-py's: the next message as the server's reply array (``[b"message",
        channel, data]``, ``[b"subscribe", channel, count]`` ...), waiting (``block``) or
        up to ``timeout`` seconds; None if none came."""
        message = self._next(None if block else timeout)
        if message is None:
            return None
        kind = message["type"]
        name = kind if self._cache.decode_responses else kind.encode()
        if kind == "pmessage":
            return [name, message["pattern"], message["channel"], message["data"]]
        if kind == "pong":
            return [name, message["data"]]
        return [name, message["channel"], message["data"]]

    def handle_message(
        self, message: Optional[dict[str, Any]], ignore_subscribe_messages: bool = False
    ) -> Optional[dict[str, Any]]:
        """Runs a message's handler (then returns None) or returns the message."""
        if message is None:
            return None
        kind = message["type"]
        if kind in self.PUBLISH_MESSAGE_TYPES:
            handler = (
                self.patterns.get(message["pattern"]) if kind == "pmessage" else self.channels.get(message["channel"])
            )
            if handler:
                handler(message)
                return None
        elif kind != "pong" and (ignore_subscribe_messages or self.ignore_subscribe_messages):
            return None
        return message

    def get_message(
        self, ignore_subscribe_messages: bool = False, timeout: Optional[float] = 0.0
    ) -> Optional[dict[str, Any]]:
        """The next message, waiting up to ``timeout`` seconds (None: until one comes);
        None if there is none, or if a handler took it."""
        if not self.subscribed:
            if timeout:
                time.sleep(timeout)
            return None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            message = self._next(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if message is None:
                return None
            handled = self.handle_message(message, ignore_subscribe_messages)
            # A skipped confirmation or a handled message: look for the next one in time.
            if handled is not None or message["type"] in self.PUBLISH_MESSAGE_TYPES:
                return handled
            if deadline is not None and time.monotonic() >= deadline:
                return None

    def listen(self) -> Iterator[dict[str, Any]]:
        """Messages as they come, until unsubscribed from everything."""
        while self.subscribed:
            message = self.handle_message(self._next(None))
            if message is not None:
                yield message

    def run_in_thread(
        self,
        sleep_time: float = 0.0,
        daemon: bool = False,
        exception_handler: Optional[Callable[[BaseException, "PubSub", "PubSubWorkerThread"], None]] = None,
    ) -> "PubSubWorkerThread":
        """Delivers every message to its handler on a thread; every subscription needs one."""
        for name, handler in {**self.channels, **self.patterns}.items():
            if handler is None:
                raise PubSubError(f"Channel: '{name!r}' has no handler registered")
        thread = PubSubWorkerThread(self, sleep_time, daemon=daemon, exception_handler=exception_handler)
        thread.start()
        return thread


class PubSubWorkerThread(threading.Thread):
    """redis-py's worker: calls ``get_message`` in a loop until ``stop()``."""

    def __init__(
        self,
        pubsub: PubSub,
        sleep_time: float,
        daemon: bool = False,
        exception_handler: Optional[Callable[[BaseException, PubSub, "PubSubWorkerThread"], None]] = None,
    ) -> None:
        super().__init__(daemon=daemon)
        self.pubsub = pubsub
        self.sleep_time = sleep_time or 0.05
        self.exception_handler = exception_handler
        self._running = threading.Event()

    def run(self) -> None:
        if self._running.is_set():
            return
        self._running.set()
        while self._running.is_set():
            try:
                self.pubsub.get_message(ignore_subscribe_messages=True, timeout=self.sleep_time)
            except BaseException as e:
                if self.exception_handler is None:
                    raise
                self.exception_handler(e, self.pubsub, self)
        self.pubsub.close()

    def stop(self) -> None:
        self._running.clear()
