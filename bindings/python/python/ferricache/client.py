"""``ferricache.Cache``: redis-py's ``redis.Redis`` API over an in-process engine.

Every method has redis-py's name, parameters, defaults and return shapes. The hottest
(``get``, ``set``, ``incr``, ``delete``, ``exists``, ``mget``, ``hget``, ``ttl`` and the
blocking pops) are native; the rest build the command's arguments and run them through
``execute_command``, which shapes the reply with redis-py's response callbacks.
"""

from __future__ import annotations

import datetime
import textwrap
import time
import urllib.parse
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, NamedTuple, Optional, Sequence, Union

from ferricache._callbacks import CALLBACKS
from ferricache._native import NativeCache
from ferricache.exceptions import DataError, ExecAbortError, RedisError, ResponseError, WatchError

KeyT = Union[bytes, str, memoryview]
EncodableT = Union[bytes, bytearray, memoryview, str, int, float]
ExpiryT = Union[int, datetime.timedelta]
AbsExpiryT = Union[int, datetime.datetime]
ResponseT = Any

if TYPE_CHECKING:
    from ferricache.lock import Lock


def _list_or_args(keys: Any, args: Sequence[Any]) -> list[Any]:
    items: list[Any] = [keys] if isinstance(keys, (bytes, str, memoryview)) else list(keys)
    return items + list(args)


def _seconds(t: ExpiryT) -> int:
    return int(t.total_seconds()) if isinstance(t, datetime.timedelta) else t


def _millis(t: ExpiryT) -> int:
    return int(t.total_seconds() * 1000) if isinstance(t, datetime.timedelta) else t


def _unix(t: AbsExpiryT, millis: bool = False) -> int:
    if isinstance(t, datetime.datetime):
        return int(t.timestamp() * 1000) if millis else int(t.timestamp())
    return t


def _expiry_args(
    ex: Optional[ExpiryT], px: Optional[ExpiryT], exat: Optional[AbsExpiryT], pxat: Optional[AbsExpiryT]
) -> list[Any]:
    """EX / PX / EXAT / PXAT and the time, checked as redis-py's ``extract_expire_flags``."""
    if ex is not None:
        if isinstance(ex, str) and ex.isdigit():
            ex = int(ex)
        if not isinstance(ex, (int, datetime.timedelta)):
            raise DataError("ex must be datetime.timedelta or int")
        return ["EX", _seconds(ex)]
    if px is not None:
        if not isinstance(px, (int, datetime.timedelta)):
            raise DataError("px must be datetime.timedelta or int")
        return ["PX", _millis(px)]
    if exat is not None:
        return ["EXAT", _unix(exat)]
    if pxat is not None:
        return ["PXAT", _unix(pxat, millis=True)]
    return []


def _period_ms(seconds: float) -> int:
    if seconds <= 0:
        raise DataError("a rate-limit period must be positive")
    return max(1, int(seconds * 1000))


def _url_db(url: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` with the database that a redis:// URL names (its path, or ``?db=``), as
    ``redis.Redis.from_url`` reads it."""
    parsed = urllib.parse.urlparse(url)
    query = urllib.parse.parse_qs(parsed.query)
    db = query.get("db", [None])[0] or parsed.path.lstrip("/") or None
    if db is not None and "db" not in kwargs:
        try:
            kwargs = {**kwargs, "db": int(db)}
        except ValueError:
            raise ValueError(f"Invalid database number in URL: {db!r}") from None
    return kwargs


class BitFieldOperation:
    """A BITFIELD call being built, as redis-py's ``BitFieldOperation``: ``get``, ``set``,
    ``incrby`` and ``overflow`` queue operations (and return the builder); ``execute`` runs
    them as one command and starts over."""

    def __init__(self, client: Any, key: KeyT, default_overflow: Optional[str] = None) -> None:
        self.client = client
        self.key = key
        self._default_overflow = default_overflow
        self.operations: list[tuple[Any, ...]] = []
        self._last_overflow = "WRAP"
        self.reset()

    def reset(self) -> None:
        self.operations = []
        self._last_overflow = "WRAP"
        self.overflow(self._default_overflow or self._last_overflow)

    def overflow(self, overflow: str) -> "BitFieldOperation":
        overflow = overflow.upper()
        if overflow != self._last_overflow:
            self._last_overflow = overflow
            self.operations.append(("OVERFLOW", overflow))
        return self

    def incrby(
        self, fmt: str, offset: Union[int, str], increment: int, overflow: Optional[str] = None
    ) -> "BitFieldOperation":
        if overflow is not None:
            self.overflow(overflow)
        self.operations.append(("INCRBY", fmt, offset, increment))
        return self

    def get(self, fmt: str, offset: Union[int, str]) -> "BitFieldOperation":
        self.operations.append(("GET", fmt, offset))
        return self

    def set(self, fmt: str, offset: Union[int, str], value: int) -> "BitFieldOperation":
        self.operations.append(("SET", fmt, offset, value))
        return self

    @property
    def command(self) -> list[Any]:
        cmd: list[Any] = ["BITFIELD", self.key]
        for op in self.operations:
            cmd.extend(op)
        return cmd

    def execute(self) -> Any:
        command = self.command
        self.reset()
        return self.client.execute_command(*command)


class RateLimit(NamedTuple):
    """A rate limiter's answer."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: Optional[float]
    reset_after: float


def _expire_flags(nx: bool, xx: bool, gt: bool, lt: bool) -> list[str]:
    return [f for f, on in (("NX", nx), ("XX", xx), ("GT", gt), ("LT", lt)) if on]


class Cache(NativeCache):
    """An in-process cache with redis-py's ``Redis`` API.

    >>> from ferricache import Cache
    >>> r = Cache(decode_responses=True)
    >>> r.set("greeting", "hello", ex=60)
    True
    >>> r.get("greeting")
    'hello'

    Every ``Cache()`` of a process reaches one shared engine, as every ``redis.Redis()`` of
    a program reaches one server's data; ``Cache(private=True)`` makes an engine of its
    own. Engine options: ``max_memory`` (bytes), ``max_entries``, ``eviction_policy``
    (Redis's names, or ``"s3-fifo"``, the default), ``default_ttl`` (seconds or
    ``timedelta``), ``notify_keyspace_events`` (Redis's flags), ``shards``,
    ``pubsub_queue_limit``, ``hz`` (active expiry's runs per second at most, as Redis's,
    default 10) and ``active_expiry`` (``False``: no background thread; expired keys are
    then reclaimed by reads and writes only). The first ``Cache()`` makes the shared engine with its options;
    a later one that gives none, or the same, shares it, and one that gives others raises
    ``DataError`` (it would not get them). redis-py's connection options (``host``,
    ``port``, ``db``, ...) are accepted and ignored, unless ``remote=True``.

    Near-cache mode (see the README's "Scaling out"): ``Cache(remote="redis://host:6379/0")``
    keeps this engine as a coherent L1 in front of a Redis / Valkey / ElastiCache server
    (or cluster) that every process shares. ``remote=True`` takes the URL from redis-py's
    ``host``, ``port``, ``db``, ``username``, ``password`` and ``ssl``, so that
    ``redis.Redis(host=..., port=...)`` converts by renaming the class and adding
    ``remote=True``. The core's options are keywords of the same names:
    ``local_prefixes``, ``max_value_bytes``, ``max_elements``, ``max_staleness``,
    ``when_stale`` (``"fail_fast"`` or ``"serve_stale"``), ``connect_timeout``,
    ``command_timeout``, ``pool_size``, ``negative_entries``, ``fill_lock_ttl``,
    ``tracking`` (``"per_key"`` or ``"broadcast"``) and ``tls_root_certificate`` (PEM
    bytes; or redis-py's ``ssl_ca_certs`` path). Hits are answered locally; misses and
    writes wait for the server, and a server that cannot answer raises
    ``ConnectionError`` or ``TimeoutError``.

    >>> a, b = Cache(), Cache()
    >>> a.set("shared", 1) and b.get("shared")
    b'1'
    >>> Cache(private=True).get("shared") is None
    True
    """

    @classmethod
    def from_url(cls, url: str, near_cache: bool = False, **kwargs: Any) -> "Cache":
        """As ``redis.Redis.from_url``. With ``near_cache=True`` the URL names the server
        of near-cache mode (as ``Cache(remote=url)``); without it only the URL's database
        is used (``redis://host/3`` or ``?db=3``: ``Cache(db=3)``)."""
        if near_cache:
            return cls(remote=url, **kwargs)
        return cls(**_url_db(url, kwargs))

    # -- plumbing -----------------------------------------------------------------------

    def execute_command(self, *args: Any, **options: Any) -> ResponseT:
        """Runs a command given as arguments and shapes its reply as redis-py does."""
        if args and isinstance(args[0], str) and " " in args[0]:
            args = tuple(args[0].split()) + args[1:]
        return _shape(args, self.execute(*args), options, self.__dict__.get("_response_callbacks"))

    # -- what libraries read from a redis-py client -------------------------------------

    @property
    def response_callbacks(self) -> dict[str, Callable[..., Any]]:
        """redis-py's reply shaping by command name (upper case), this client's own copy:
        ``execute_command`` and the methods built on it apply it."""
        callbacks = self.__dict__.get("_response_callbacks")
        if callbacks is None:
            callbacks = self.__dict__["_response_callbacks"] = dict(CALLBACKS)
        return callbacks

    def set_response_callback(self, command: str, callback: Callable[..., Any]) -> None:
        """As redis-py's: shape ``command``'s replies with ``callback``."""
        self.response_callbacks[command.upper()] = callback

    @property
    def connection_pool(self) -> "InProcessPool":
        """A stand-in for redis-py's pool, for libraries that read its settings: there is
        no connection, and ``connection_kwargs`` says so (``host`` ``"in-process"``)."""
        return InProcessPool(self)

    def get_connection_kwargs(self) -> dict[str, Any]:
        """As redis-py's: the pool's ``connection_kwargs``."""
        return self.connection_pool.connection_kwargs

    def __getitem__(self, name: KeyT) -> Any:
        value = self.get(name)
        if value is not None:
            return value
        raise KeyError(name)

    def __setitem__(self, name: KeyT, value: EncodableT) -> None:
        self.set(name, value)

    def __delitem__(self, name: KeyT) -> None:
        self.delete(name)

    def __contains__(self, name: KeyT) -> bool:
        return bool(self.exists(name))

    def close(self) -> None:
        """As ``Redis.close``: nothing to close."""

    def __enter__(self) -> "Cache":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> "Pipeline":
        """redis-py's ``Pipeline``: commands queue and run on ``execute()``, in order. With
        ``transaction`` (the default) they run as MULTI / EXEC on a client of their own:
        atomically (no other thread's command interleaves), with ``watch()`` for
        optimistic locking (``WatchError`` when a watched key changed) and redis-py's
        errors (a command refused while queueing raises and nothing is applied; errors
        while running are raised after all ran, annotated with the command's number)."""
        return Pipeline(self, transaction)

    def transaction(
        self,
        func: Callable[["Pipeline"], Any],
        *watches: KeyT,
        shard_hint: Any = None,
        value_from_callable: bool = False,
        watch_delay: Optional[float] = None,
    ) -> Any:
        """As redis-py's: runs ``func(pipe)`` with ``watches`` WATCHed, then the
        transaction it queued, again while a watched key changes (``WatchError``)."""
        with self.pipeline(True, shard_hint) as pipe:
            while True:
                try:
                    if watches:
                        pipe.watch(*watches)
                    func_value = func(pipe)
                    exec_value = pipe.execute()
                    return func_value if value_from_callable else exec_value
                except WatchError:
                    if watch_delay is not None and watch_delay > 0:
                        time.sleep(watch_delay)
                    continue

    def lock(
        self,
        name: KeyT,
        timeout: Optional[float] = None,
        sleep: float = 0.1,
        blocking: bool = True,
        blocking_timeout: Optional[float] = None,
        lock_class: Any = None,
        thread_local: bool = True,
    ) -> "Lock":
        """redis-py's ``lock()``: a :class:`ferricache.lock.Lock` on ``name``."""
        from ferricache.lock import Lock

        cls = lock_class or Lock
        return cls(self, name, timeout=timeout, sleep=sleep, blocking=blocking,
                   blocking_timeout=blocking_timeout, thread_local=thread_local)

    def rate_limit_fixed(self, key: KeyT, limit: int, window: float) -> "RateLimit":
        """Fixed window: at most ``limit`` requests per ``window`` seconds (INCR and EXPIRE
        in one atomic step)."""
        return RateLimit(*self._rate_limit("fixed", key, limit, _period_ms(window)))

    def rate_limit_sliding(self, key: KeyT, limit: int, window: float) -> "RateLimit":
        """Sliding window: at most ``limit`` requests in any ``window`` seconds."""
        return RateLimit(*self._rate_limit("sliding", key, limit, _period_ms(window)))

    def throttle(self, key: KeyT, max_burst: int, count: int, period: float, quantity: int = 1) -> "RateLimit":
        """GCRA, as redis-cell's ``CL.THROTTLE``: ``count`` requests per ``period`` seconds,
        bursts of up to ``max_burst + 1``."""
        return RateLimit(*self._rate_limit("gcra", key, max_burst, _period_ms(period), count, quantity))

    def pubsub(self, ignore_subscribe_messages: bool = False) -> "PubSub":
        """A redis-py ``PubSub`` object for this cache."""
        from ferricache.pubsub import PubSub

        return PubSub(self, ignore_subscribe_messages=ignore_subscribe_messages)

    # -- strings --------------------------------------------------------------------------

    def setex(self, name: KeyT, time: ExpiryT, value: EncodableT) -> ResponseT:
        return self.execute_command("SETEX", name, _seconds(time), value)

    def psetex(self, name: KeyT, time_ms: ExpiryT, value: EncodableT) -> ResponseT:
        return self.execute_command("PSETEX", name, _millis(time_ms), value)

    def setnx(self, name: KeyT, value: EncodableT) -> ResponseT:
        return self.execute_command("SETNX", name, value)

    def getset(self, name: KeyT, value: EncodableT) -> ResponseT:
        return self.execute_command("GETSET", name, value)

    def getdel(self, name: KeyT) -> ResponseT:
        return self.execute_command("GETDEL", name)

    def getex(
        self,
        name: KeyT,
        ex: Optional[ExpiryT] = None,
        px: Optional[ExpiryT] = None,
        exat: Optional[AbsExpiryT] = None,
        pxat: Optional[AbsExpiryT] = None,
        persist: bool = False,
    ) -> ResponseT:
        given = [o for o in (ex, px, exat, pxat) if o is not None] + ([True] if persist else [])
        if len(given) > 1:
            raise DataError("``ex``, ``px``, ``exat``, ``pxat``, and ``persist`` are mutually exclusive.")
        args: list[Any] = ["GETEX", name, *_expiry_args(ex, px, exat, pxat)]
        if persist:
            args.append("PERSIST")
        return self.execute_command(*args)

    def mset(self, mapping: Mapping[KeyT, EncodableT]) -> ResponseT:
        items: list[Any] = []
        for pair in mapping.items():
            items.extend(pair)
        return self.execute_command("MSET", *items)

    def msetnx(self, mapping: Mapping[KeyT, EncodableT]) -> ResponseT:
        items: list[Any] = []
        for pair in mapping.items():
            items.extend(pair)
        return self.execute_command("MSETNX", *items)

    def append(self, key: KeyT, value: EncodableT) -> ResponseT:
        return self.execute_command("APPEND", key, value)

    def strlen(self, name: KeyT) -> ResponseT:
        return self.execute_command("STRLEN", name)

    def getrange(self, key: KeyT, start: int, end: int) -> ResponseT:
        return self.execute_command("GETRANGE", key, start, end)

    def substr(self, name: KeyT, start: int, end: int = -1) -> ResponseT:
        return self.execute_command("SUBSTR", name, start, end)

    # -- bitmaps --------------------------------------------------------------------------

    def setbit(self, name: KeyT, offset: int, value: int) -> ResponseT:
        return self.execute_command("SETBIT", name, offset, 1 if value else 0)

    def getbit(self, name: KeyT, offset: int) -> ResponseT:
        return self.execute_command("GETBIT", name, offset)

    def bitcount(
        self, key: KeyT, start: Optional[int] = None, end: Optional[int] = None, mode: Optional[str] = None
    ) -> ResponseT:
        params: list[Any] = [key]
        if start is not None and end is not None:
            params += [start, end]
        elif start is not None or end is not None:
            raise DataError("Both start and end must be specified")
        if mode is not None:
            params.append(mode)
        return self.execute_command("BITCOUNT", *params)

    def bitpos(
        self,
        key: KeyT,
        bit: int,
        start: Optional[int] = None,
        end: Optional[int] = None,
        mode: Optional[str] = None,
    ) -> ResponseT:
        if bit not in (0, 1):
            raise DataError("bit must be 0 or 1")
        params: list[Any] = [key, bit]
        if start is not None:
            params.append(start)
        if start is not None and end is not None:
            params.append(end)
        elif start is None and end is not None:
            raise DataError("start argument is not set, when end is specified")
        if mode is not None:
            params.append(mode)
        return self.execute_command("BITPOS", *params)

    def bitop(self, operation: str, dest: KeyT, *keys: KeyT) -> ResponseT:
        return self.execute_command("BITOP", operation, dest, *keys)

    def bitfield(self, key: KeyT, default_overflow: Optional[str] = None) -> "BitFieldOperation":
        """redis-py's BITFIELD builder: ``cache.bitfield("k").incrby("u8", 0, 1).get("i4",
        "#1").execute()`` runs the queued operations as one command."""
        return BitFieldOperation(self, key, default_overflow=default_overflow)

    def bitfield_ro(
        self, key: KeyT, encoding: str, offset: Union[int, str], items: Optional[list[tuple[str, Union[int, str]]]] = None
    ) -> ResponseT:
        params: list[Any] = [key, "GET", encoding, offset]
        for enc, off in items or []:
            params += ["GET", enc, off]
        return self.execute_command("BITFIELD_RO", *params)

    def dump(self, name: KeyT) -> ResponseT:
        """DUMP: the key's value serialized as Redis serializes it (bytes, never decoded),
        for ``restore`` here or on a Redis server."""
        return self.execute_command("DUMP", name)

    def restore(
        self,
        name: KeyT,
        ttl: float,
        value: EncodableT,
        replace: bool = False,
        absttl: bool = False,
        idletime: Optional[int] = None,
        frequency: Optional[int] = None,
    ) -> ResponseT:
        params: list[Any] = [name, ttl, value]
        if replace:
            params.append("REPLACE")
        if absttl:
            params.append("ABSTTL")
        if idletime is not None:
            try:
                params += ["IDLETIME", int(idletime)]
            except ValueError:
                raise DataError("idletimemust be an integer") from None
        if frequency is not None:
            try:
                params += ["FREQ", int(frequency)]
            except ValueError:
                raise DataError("frequency must be an integer") from None
        return self.execute_command("RESTORE", *params)

    def object(self, infotype: str, key: KeyT, **kwargs: Any) -> ResponseT:
        """OBJECT ENCODING / FREQ / IDLETIME / REFCOUNT of a key (None if it is missing)."""
        return self.execute_command("OBJECT", infotype, key, infotype=infotype, **kwargs)

    def memory_usage(self, key: KeyT, samples: Optional[int] = None, **kwargs: Any) -> ResponseT:
        """MEMORY USAGE: the bytes the key costs the engine (None if it is missing)."""
        args: list[Any] = []
        if isinstance(samples, int):
            args += ["SAMPLES", samples]
        return self.execute_command("MEMORY USAGE", key, *args, **kwargs)

    def command_count(self, **kwargs: Any) -> ResponseT:
        """COMMAND COUNT: how many commands the engine offers."""
        return self.execute_command("COMMAND COUNT", **kwargs)

    def sort(
        self,
        name: KeyT,
        start: Optional[int] = None,
        num: Optional[int] = None,
        by: Optional[str] = None,
        get: Optional[Any] = None,
        desc: bool = False,
        alpha: bool = False,
        store: Optional[KeyT] = None,
        groups: Optional[bool] = False,
    ) -> ResponseT:
        """SORT: a list, set or sorted set sorted (BY, LIMIT, GET, DESC, ALPHA, STORE)."""
        if (start is not None and num is None) or (num is not None and start is None):
            raise DataError("``start`` and ``num`` must both be specified")
        pieces: list[Any] = [name]
        if by is not None:
            pieces += ["BY", by]
        if start is not None and num is not None:
            pieces += ["LIMIT", start, num]
        if get is not None:
            for g in [get] if isinstance(get, (bytes, str)) else get:
                pieces += ["GET", g]
        if desc:
            pieces.append("DESC")
        if alpha:
            pieces.append("ALPHA")
        if store is not None:
            pieces += ["STORE", store]
        if groups and (not get or isinstance(get, (bytes, str)) or len(get) < 2):
            raise DataError(
                'when using "groups" the "get" argument must be specified and contain at least two keys'
            )
        return self.execute_command("SORT", *pieces, groups=len(get) if groups and get else None)

    def sort_ro(
        self,
        key: KeyT,
        start: Optional[int] = None,
        num: Optional[int] = None,
        by: Optional[str] = None,
        get: Optional[Any] = None,
        desc: bool = False,
        alpha: bool = False,
    ) -> ResponseT:
        """SORT_RO (sent as SORT without STORE, as redis-py does)."""
        return self.sort(key, start=start, num=num, by=by, get=get, desc=desc, alpha=alpha)

    def lcs(
        self,
        key1: KeyT,
        key2: KeyT,
        len: bool = False,
        idx: bool = False,
        minmatchlen: int = 0,
        withmatchlen: bool = False,
    ) -> ResponseT:
        """LCS: the longest common subsequence of two strings (or its length, or its runs)."""
        pieces: list[Any] = [key1, key2]
        if len:
            pieces.append("LEN")
        if idx:
            pieces.append("IDX")
        if minmatchlen:
            pieces += ["MINMATCHLEN", minmatchlen]
        if withmatchlen:
            pieces.append("WITHMATCHLEN")
        return self.execute_command("LCS", *pieces)

    # -- HyperLogLog ----------------------------------------------------------------------

    def pfadd(self, name: KeyT, *values: EncodableT) -> ResponseT:
        return self.execute_command("PFADD", name, *values)

    def pfcount(self, *sources: KeyT) -> ResponseT:
        return self.execute_command("PFCOUNT", *sources)

    def pfmerge(self, dest: KeyT, *sources: KeyT) -> ResponseT:
        return self.execute_command("PFMERGE", dest, *sources)

    def setrange(self, name: KeyT, offset: int, value: EncodableT) -> ResponseT:
        return self.execute_command("SETRANGE", name, offset, value)

    def incrbyfloat(self, name: KeyT, amount: float = 1.0) -> ResponseT:
        return self.execute_command("INCRBYFLOAT", name, amount)

    # -- keys -----------------------------------------------------------------------------

    def unlink(self, *names: KeyT) -> ResponseT:
        return self.execute_command("UNLINK", *names)

    def touch(self, *args: KeyT) -> ResponseT:
        return self.execute_command("TOUCH", *args)

    def type(self, name: KeyT) -> ResponseT:
        return self.execute_command("TYPE", name)

    def rename(self, src: KeyT, dst: KeyT) -> ResponseT:
        return self.execute_command("RENAME", src, dst)

    def renamenx(self, src: KeyT, dst: KeyT) -> ResponseT:
        return self.execute_command("RENAMENX", src, dst)

    def copy(
        self, source: KeyT, destination: KeyT, destination_db: Optional[int] = None, replace: bool = False
    ) -> ResponseT:
        args: list[Any] = ["COPY", source, destination]
        if destination_db is not None:
            args += ["DB", destination_db]
        if replace:
            args.append("REPLACE")
        return self.execute_command(*args)

    def expire(
        self, name: KeyT, time: ExpiryT, nx: bool = False, xx: bool = False, gt: bool = False, lt: bool = False
    ) -> ResponseT:
        return self.execute_command("EXPIRE", name, _seconds(time), *_expire_flags(nx, xx, gt, lt))

    def pexpire(
        self, name: KeyT, time: ExpiryT, nx: bool = False, xx: bool = False, gt: bool = False, lt: bool = False
    ) -> ResponseT:
        return self.execute_command("PEXPIRE", name, _millis(time), *_expire_flags(nx, xx, gt, lt))

    def expireat(
        self, name: KeyT, when: AbsExpiryT, nx: bool = False, xx: bool = False, gt: bool = False, lt: bool = False
    ) -> ResponseT:
        return self.execute_command("EXPIREAT", name, _unix(when), *_expire_flags(nx, xx, gt, lt))

    def pexpireat(
        self, name: KeyT, when: AbsExpiryT, nx: bool = False, xx: bool = False, gt: bool = False, lt: bool = False
    ) -> ResponseT:
        return self.execute_command("PEXPIREAT", name, _unix(when, millis=True), *_expire_flags(nx, xx, gt, lt))

    def pttl(self, name: KeyT) -> ResponseT:
        return self.execute_command("PTTL", name)

    def expiretime(self, key: KeyT) -> ResponseT:
        return self.execute_command("EXPIRETIME", key)

    def pexpiretime(self, key: KeyT) -> ResponseT:
        return self.execute_command("PEXPIRETIME", key)

    def persist(self, name: KeyT) -> ResponseT:
        return self.execute_command("PERSIST", name)

    def keys(self, pattern: KeyT = "*", **kwargs: Any) -> ResponseT:
        return self.execute_command("KEYS", pattern)

    def scan(
        self,
        cursor: int = 0,
        match: Optional[KeyT] = None,
        count: Optional[int] = None,
        _type: Optional[str] = None,
        **kwargs: Any,
    ) -> ResponseT:
        args: list[Any] = ["SCAN", cursor]
        if match is not None:
            args += ["MATCH", match]
        if count is not None:
            args += ["COUNT", count]
        if _type is not None:
            args += ["TYPE", _type]
        return self.execute_command(*args)

    def scan_iter(
        self, match: Optional[KeyT] = None, count: Optional[int] = None, _type: Optional[str] = None, **kwargs: Any
    ) -> Iterator[Any]:
        cursor = None
        while cursor != 0:
            cursor, keys = self.scan(cursor or 0, match=match, count=count, _type=_type)
            yield from keys

    def randomkey(self, **kwargs: Any) -> ResponseT:
        return self.execute_command("RANDOMKEY")

    def dbsize(self, **kwargs: Any) -> ResponseT:
        return self.execute_command("DBSIZE")

    def flushall(self, asynchronous: bool = False, **kwargs: Any) -> ResponseT:
        return self.execute_command("FLUSHALL", *(["ASYNC"] if asynchronous else []))

    def flushdb(self, asynchronous: bool = False, **kwargs: Any) -> ResponseT:
        return self.execute_command("FLUSHDB", *(["ASYNC"] if asynchronous else []))

    def save(self, **kwargs: Any) -> ResponseT:
        """SAVE: writes the snapshot file (``Cache(snapshot_path=...)``), synced when it
        returns."""
        return self.execute_command("SAVE")

    def bgsave(self, schedule: bool = True, **kwargs: Any) -> ResponseT:
        """BGSAVE: takes the snapshot now and writes it on a thread of its own."""
        return self.execute_command("BGSAVE", *(["SCHEDULE"] if schedule else []))

    def lastsave(self, **kwargs: Any) -> ResponseT:
        """LASTSAVE: when the last save finished, as a ``datetime``."""
        return self.execute_command("LASTSAVE")

    def swapdb(self, first: int, second: int, **kwargs: Any) -> ResponseT:
        return self.execute_command("SWAPDB", first, second)

    def select(self, index: int, **kwargs: Any) -> ResponseT:
        """SELECT: a ``Cache``'s database is fixed (``Cache(db=n)``), as a pooled
        ``redis.Redis``'s should be, so only its own number is accepted; a pipeline with
        ``transaction=True`` can switch for the commands that follow it."""
        return self.execute_command("SELECT", index)

    def move(self, name: KeyT, db: int) -> ResponseT:
        return self.execute_command("MOVE", name, db)

    # -- lists ----------------------------------------------------------------------------

    def lpush(self, name: KeyT, *values: EncodableT) -> ResponseT:
        return self.execute_command("LPUSH", name, *values)

    def rpush(self, name: KeyT, *values: EncodableT) -> ResponseT:
        return self.execute_command("RPUSH", name, *values)

    def lpushx(self, name: KeyT, *values: EncodableT) -> ResponseT:
        return self.execute_command("LPUSHX", name, *values)

    def rpushx(self, name: KeyT, *values: EncodableT) -> ResponseT:
        return self.execute_command("RPUSHX", name, *values)

    def lpop(self, name: KeyT, count: Optional[int] = None) -> ResponseT:
        return self.execute_command("LPOP", name, *([count] if count is not None else []))

    def rpop(self, name: KeyT, count: Optional[int] = None) -> ResponseT:
        return self.execute_command("RPOP", name, *([count] if count is not None else []))

    def lrange(self, name: KeyT, start: int, end: int) -> ResponseT:
        return self.execute_command("LRANGE", name, start, end)

    def llen(self, name: KeyT) -> ResponseT:
        return self.execute_command("LLEN", name)

    def lindex(self, name: KeyT, index: int) -> ResponseT:
        return self.execute_command("LINDEX", name, index)

    def lset(self, name: KeyT, index: int, value: EncodableT) -> ResponseT:
        return self.execute_command("LSET", name, index, value)

    def lrem(self, name: KeyT, count: int, value: EncodableT) -> ResponseT:
        return self.execute_command("LREM", name, count, value)

    def ltrim(self, name: KeyT, start: int, end: int) -> ResponseT:
        return self.execute_command("LTRIM", name, start, end)

    def linsert(self, name: KeyT, where: str, refvalue: EncodableT, value: EncodableT) -> ResponseT:
        return self.execute_command("LINSERT", name, where, refvalue, value)

    def lmpop(self, num_keys: int, *args: KeyT, direction: str, count: Optional[int] = 1) -> ResponseT:
        """LMPOP: ``[key, [elements]]`` from the first non-empty list, or None."""
        cmd_args: list[Any] = [num_keys, *args, direction]
        if count != 1:
            cmd_args += ["COUNT", count]
        return self.execute_command("LMPOP", *cmd_args)

    def blmpop(
        self, timeout: float, numkeys: int, *args: KeyT, direction: str, count: Optional[int] = 1
    ) -> ResponseT:
        """BLMPOP: LMPOP that waits up to ``timeout`` seconds (0: forever)."""
        cmd_args: list[Any] = [timeout, numkeys, *args, direction, "COUNT", count]
        return self.execute_command("BLMPOP", *cmd_args)

    def lpos(
        self,
        name: KeyT,
        value: EncodableT,
        rank: Optional[int] = None,
        count: Optional[int] = None,
        maxlen: Optional[int] = None,
    ) -> ResponseT:
        args: list[Any] = ["LPOS", name, value]
        if rank is not None:
            args += ["RANK", rank]
        if count is not None:
            args += ["COUNT", count]
        if maxlen is not None:
            args += ["MAXLEN", maxlen]
        return self.execute_command(*args)

    def lmove(self, first_list: KeyT, second_list: KeyT, src: str = "LEFT", dest: str = "RIGHT") -> ResponseT:
        return self.execute_command("LMOVE", first_list, second_list, src, dest)

    def rpoplpush(self, src: KeyT, dst: KeyT) -> ResponseT:
        return self.execute_command("RPOPLPUSH", src, dst)

    # -- hashes ---------------------------------------------------------------------------

    def hset(
        self,
        name: KeyT,
        key: Optional[KeyT] = None,
        value: Optional[EncodableT] = None,
        mapping: Optional[Mapping[Any, EncodableT]] = None,
        items: Optional[list[Any]] = None,
    ) -> ResponseT:
        if key is None and not mapping and not items:
            raise DataError("'hset' with no key value pairs")
        pieces: list[Any] = []
        if items:
            pieces.extend(items)
        if key is not None:
            pieces.extend((key, value))
        if mapping:
            for pair in mapping.items():
                pieces.extend(pair)
        return self.execute_command("HSET", name, *pieces)

    def hmset(self, name: KeyT, mapping: Mapping[Any, EncodableT]) -> ResponseT:
        if not mapping:
            raise DataError("'hmset' with 'mapping' of length 0")
        items: list[Any] = []
        for pair in mapping.items():
            items.extend(pair)
        return self.execute_command("HMSET", name, *items)

    def hsetnx(self, name: KeyT, key: KeyT, value: EncodableT) -> ResponseT:
        return self.execute_command("HSETNX", name, key, value)

    def hmget(self, name: KeyT, keys: Any, *args: Any) -> ResponseT:
        return self.execute_command("HMGET", name, *_list_or_args(keys, args))

    def hgetall(self, name: KeyT) -> ResponseT:
        return self.execute_command("HGETALL", name)

    def hdel(self, name: KeyT, *keys: KeyT) -> ResponseT:
        return self.execute_command("HDEL", name, *keys)

    def hexists(self, name: KeyT, key: KeyT) -> ResponseT:
        return self.execute_command("HEXISTS", name, key)

    def hlen(self, name: KeyT) -> ResponseT:
        return self.execute_command("HLEN", name)

    def hkeys(self, name: KeyT) -> ResponseT:
        return self.execute_command("HKEYS", name)

    def hvals(self, name: KeyT) -> ResponseT:
        return self.execute_command("HVALS", name)

    def hstrlen(self, name: KeyT, key: KeyT) -> ResponseT:
        return self.execute_command("HSTRLEN", name, key)

    def hincrby(self, name: KeyT, key: KeyT, amount: int = 1) -> ResponseT:
        return self.execute_command("HINCRBY", name, key, amount)

    def hincrbyfloat(self, name: KeyT, key: KeyT, amount: float = 1.0) -> ResponseT:
        return self.execute_command("HINCRBYFLOAT", name, key, amount)

    def hrandfield(self, key: KeyT, count: Optional[int] = None, withvalues: bool = False) -> ResponseT:
        args: list[Any] = ["HRANDFIELD", key]
        if count is not None:
            args.append(count)
        if withvalues:
            args.append("WITHVALUES")
        return self.execute_command(*args)

    def hscan(
        self,
        name: KeyT,
        cursor: int = 0,
        match: Optional[KeyT] = None,
        count: Optional[int] = None,
        no_values: Optional[bool] = None,
    ) -> ResponseT:
        args: list[Any] = ["HSCAN", name, cursor]
        if match is not None:
            args += ["MATCH", match]
        if count is not None:
            args += ["COUNT", count]
        return self.execute_command(*args, no_values=no_values)

    def hscan_iter(
        self, name: KeyT, match: Optional[KeyT] = None, count: Optional[int] = None, no_values: Optional[bool] = None
    ) -> Iterator[Any]:
        cursor = None
        while cursor != 0:
            cursor, data = self.hscan(name, cursor or 0, match=match, count=count, no_values=no_values)
            if no_values:
                yield from data
            else:
                yield from data.items()

    # -- sets -----------------------------------------------------------------------------

    def sadd(self, name: KeyT, *values: EncodableT) -> ResponseT:
        return self.execute_command("SADD", name, *values)

    def srem(self, name: KeyT, *values: EncodableT) -> ResponseT:
        return self.execute_command("SREM", name, *values)

    def smembers(self, name: KeyT) -> ResponseT:
        return self.execute_command("SMEMBERS", name)

    def sismember(self, name: KeyT, value: EncodableT) -> ResponseT:
        return self.execute_command("SISMEMBER", name, value)

    def smismember(self, name: KeyT, values: Any, *args: Any) -> ResponseT:
        return self.execute_command("SMISMEMBER", name, *_list_or_args(values, args))

    def scard(self, name: KeyT) -> ResponseT:
        return self.execute_command("SCARD", name)

    def spop(self, name: KeyT, count: Optional[int] = None) -> ResponseT:
        return self.execute_command("SPOP", name, *([count] if count is not None else []))

    def srandmember(self, name: KeyT, number: Optional[int] = None) -> ResponseT:
        return self.execute_command("SRANDMEMBER", name, *([number] if number is not None else []))

    def smove(self, src: KeyT, dst: KeyT, value: EncodableT) -> ResponseT:
        return self.execute_command("SMOVE", src, dst, value)

    def sinter(self, keys: Any, *args: Any) -> ResponseT:
        return self.execute_command("SINTER", *_list_or_args(keys, args))

    def sunion(self, keys: Any, *args: Any) -> ResponseT:
        return self.execute_command("SUNION", *_list_or_args(keys, args))

    def sdiff(self, keys: Any, *args: Any) -> ResponseT:
        return self.execute_command("SDIFF", *_list_or_args(keys, args))

    def sinterstore(self, dest: KeyT, keys: Any, *args: Any) -> ResponseT:
        return self.execute_command("SINTERSTORE", dest, *_list_or_args(keys, args))

    def sunionstore(self, dest: KeyT, keys: Any, *args: Any) -> ResponseT:
        return self.execute_command("SUNIONSTORE", dest, *_list_or_args(keys, args))

    def sdiffstore(self, dest: KeyT, keys: Any, *args: Any) -> ResponseT:
        return self.execute_command("SDIFFSTORE", dest, *_list_or_args(keys, args))

    def sintercard(self, numkeys: int, keys: list[KeyT], limit: int = 0) -> ResponseT:
        return self.execute_command("SINTERCARD", numkeys, *keys, "LIMIT", limit)

    def sscan(
        self, name: KeyT, cursor: int = 0, match: Optional[KeyT] = None, count: Optional[int] = None
    ) -> ResponseT:
        args: list[Any] = ["SSCAN", name, cursor]
        if match is not None:
            args += ["MATCH", match]
        if count is not None:
            args += ["COUNT", count]
        return self.execute_command(*args)

    def sscan_iter(self, name: KeyT, match: Optional[KeyT] = None, count: Optional[int] = None) -> Iterator[Any]:
        cursor = None
        while cursor != 0:
            cursor, data = self.sscan(name, cursor or 0, match=match, count=count)
            yield from data

    # -- sorted sets ----------------------------------------------------------------------

    def zadd(
        self,
        name: KeyT,
        mapping: Mapping[Any, float],
        nx: bool = False,
        xx: bool = False,
        ch: bool = False,
        incr: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> ResponseT:
        if not mapping:
            raise DataError("ZADD requires at least one element/score pair")
        if nx and xx:
            raise DataError("ZADD allows either 'nx' or 'xx', not both")
        if gt and lt:
            raise DataError("ZADD allows either 'gt' or 'lt', not both")
        if incr and len(mapping) != 1:
            raise DataError("ZADD option 'incr' only works when passing a single element/score pair")
        if nx and (gt or lt):
            raise DataError("Only one of 'nx', 'lt', or 'gr' may be defined.")
        flags = [f for f, on in (("NX", nx), ("XX", xx), ("GT", gt), ("LT", lt), ("CH", ch), ("INCR", incr)) if on]
        pieces: list[Any] = []
        for member, score in mapping.items():
            pieces += [score, member]
        return self.execute_command("ZADD", name, *flags, *pieces, as_score=incr)

    def zincrby(self, name: KeyT, amount: float, value: EncodableT) -> ResponseT:
        return self.execute_command("ZINCRBY", name, amount, value)

    def zscore(self, name: KeyT, value: EncodableT) -> ResponseT:
        return self.execute_command("ZSCORE", name, value)

    def zmscore(self, key: KeyT, members: list[EncodableT]) -> ResponseT:
        if not members:
            raise DataError("ZMSCORE members must be a non-empty list")
        return self.execute_command("ZMSCORE", key, *members)

    def zrank(self, name: KeyT, value: EncodableT, withscore: bool = False) -> ResponseT:
        return self.execute_command("ZRANK", name, value, *(["WITHSCORE"] if withscore else []))

    def zrevrank(self, name: KeyT, value: EncodableT, withscore: bool = False) -> ResponseT:
        return self.execute_command("ZREVRANK", name, value, *(["WITHSCORE"] if withscore else []))

    def zrange(
        self,
        name: KeyT,
        start: Any,
        end: Any,
        desc: bool = False,
        withscores: bool = False,
        score_cast_func: Any = float,
        byscore: bool = False,
        bylex: bool = False,
        offset: Optional[int] = None,
        num: Optional[int] = None,
    ) -> ResponseT:
        return self._zrange("ZRANGE", None, name, start, end, desc, byscore, bylex, withscores, score_cast_func, offset, num)

    def zrangestore(
        self,
        dest: KeyT,
        name: KeyT,
        start: Any,
        end: Any,
        byscore: bool = False,
        bylex: bool = False,
        desc: bool = False,
        offset: Optional[int] = None,
        num: Optional[int] = None,
    ) -> ResponseT:
        return self._zrange("ZRANGESTORE", dest, name, start, end, desc, byscore, bylex, False, None, offset, num)

    def _zrange(
        self,
        command: str,
        dest: Optional[KeyT],
        name: KeyT,
        start: Any,
        end: Any,
        desc: bool,
        byscore: bool,
        bylex: bool,
        withscores: bool,
        score_cast_func: Any,
        offset: Optional[int],
        num: Optional[int],
    ) -> ResponseT:
        if byscore and bylex:
            raise DataError("``byscore`` and ``bylex`` can not be specified together.")
        if (offset is not None and num is None) or (num is not None and offset is None):
            raise DataError("``offset`` and ``num`` must both be specified.")
        if bylex and withscores:
            raise DataError("``withscores`` not supported in combination with ``bylex``.")
        args: list[Any] = [command] + ([] if dest is None else [dest]) + [name, start, end]
        if byscore:
            args.append("BYSCORE")
        if bylex:
            args.append("BYLEX")
        if desc:
            args.append("REV")
        if offset is not None and num is not None:
            args += ["LIMIT", offset, num]
        if withscores:
            args.append("WITHSCORES")
        return self.execute_command(*args, withscores=withscores, score_cast_func=score_cast_func)

    def zrevrange(
        self, name: KeyT, start: int, end: int, withscores: bool = False, score_cast_func: Any = float
    ) -> ResponseT:
        return self.zrange(name, start, end, desc=True, withscores=withscores, score_cast_func=score_cast_func)

    def _range_by(
        self, command: str, name: KeyT, lo: Any, hi: Any, start: Optional[int], num: Optional[int],
        withscores: bool, score_cast_func: Any,
    ) -> ResponseT:
        if (start is not None and num is None) or (num is not None and start is None):
            raise DataError("``start`` and ``num`` must both be specified")
        args: list[Any] = [command, name, lo, hi]
        if start is not None and num is not None:
            args += ["LIMIT", start, num]
        if withscores:
            args.append("WITHSCORES")
        return self.execute_command(*args, withscores=withscores, score_cast_func=score_cast_func)

    def zrangebyscore(
        self, name: KeyT, min: Any, max: Any, start: Optional[int] = None, num: Optional[int] = None,
        withscores: bool = False, score_cast_func: Any = float,
    ) -> ResponseT:
        return self._range_by("ZRANGEBYSCORE", name, min, max, start, num, withscores, score_cast_func)

    def zrevrangebyscore(
        self, name: KeyT, max: Any, min: Any, start: Optional[int] = None, num: Optional[int] = None,
        withscores: bool = False, score_cast_func: Any = float,
    ) -> ResponseT:
        return self._range_by("ZREVRANGEBYSCORE", name, max, min, start, num, withscores, score_cast_func)

    def zrangebylex(
        self, name: KeyT, min: EncodableT, max: EncodableT, start: Optional[int] = None, num: Optional[int] = None
    ) -> ResponseT:
        return self._range_by("ZRANGEBYLEX", name, min, max, start, num, False, float)

    def zrevrangebylex(
        self, name: KeyT, max: EncodableT, min: EncodableT, start: Optional[int] = None, num: Optional[int] = None
    ) -> ResponseT:
        return self._range_by("ZREVRANGEBYLEX", name, max, min, start, num, False, float)

    def zcount(self, name: KeyT, min: Any, max: Any) -> ResponseT:
        return self.execute_command("ZCOUNT", name, min, max)

    def zlexcount(self, name: KeyT, min: EncodableT, max: EncodableT) -> ResponseT:
        return self.execute_command("ZLEXCOUNT", name, min, max)

    def zcard(self, name: KeyT) -> ResponseT:
        return self.execute_command("ZCARD", name)

    def zrem(self, name: KeyT, *values: EncodableT) -> ResponseT:
        return self.execute_command("ZREM", name, *values)

    def zremrangebyrank(self, name: KeyT, min: int, max: int) -> ResponseT:
        return self.execute_command("ZREMRANGEBYRANK", name, min, max)

    def zremrangebyscore(self, name: KeyT, min: Any, max: Any) -> ResponseT:
        return self.execute_command("ZREMRANGEBYSCORE", name, min, max)

    def zremrangebylex(self, name: KeyT, min: EncodableT, max: EncodableT) -> ResponseT:
        return self.execute_command("ZREMRANGEBYLEX", name, min, max)

    def bzmpop(
        self,
        timeout: float,
        numkeys: int,
        keys: list[KeyT],
        min: bool = False,
        max: bool = False,
        count: int = 1,
    ) -> ResponseT:
        """BZMPOP: ZMPOP that waits up to ``timeout`` seconds (0: forever)."""
        if min == max:
            raise DataError("Either min or max, but not both must be set")
        args: list[Any] = [timeout, numkeys, *keys, "MIN" if min else "MAX", "COUNT", count]
        return self.execute_command("BZMPOP", *args)

    def zmpop(
        self, num_keys: int, keys: list[KeyT], min: bool = False, max: bool = False, count: int = 1
    ) -> ResponseT:
        """ZMPOP: ``[key, [[member, score], ...]]`` from the first non-empty sorted set."""
        if min == max:
            raise DataError()
        args: list[Any] = [num_keys, *keys, "MIN" if min else "MAX"]
        if count != 1:
            args += ["COUNT", count]
        return self.execute_command("ZMPOP", *args)

    def zpopmin(self, name: KeyT, count: Optional[int] = None) -> ResponseT:
        args = [count] if count is not None else []
        return self.execute_command("ZPOPMIN", name, *args, withscores=True)

    def zpopmax(self, name: KeyT, count: Optional[int] = None) -> ResponseT:
        args = [count] if count is not None else []
        return self.execute_command("ZPOPMAX", name, *args, withscores=True)

    def zrandmember(self, key: KeyT, count: Optional[int] = None, withscores: bool = False) -> ResponseT:
        args: list[Any] = ["ZRANDMEMBER", key]
        if count is not None:
            args.append(count)
        if withscores:
            args.append("WITHSCORES")
        return self.execute_command(*args, withscores=withscores)

    def _zstore(
        self,
        command: str,
        dest: Optional[KeyT],
        keys: Any,
        aggregate: Optional[str],
        withscores: bool = False,
        score_cast_func: Any = float,
    ) -> ResponseT:
        weights = None
        if isinstance(keys, dict):
            keys, weights = list(keys.keys()), list(keys.values())
        else:
            keys = list(keys)
        args: list[Any] = [command] + ([] if dest is None else [dest]) + [len(keys), *keys]
        if weights:
            args += ["WEIGHTS", *weights]
        if aggregate:
            if aggregate.upper() not in ("SUM", "MIN", "MAX"):
                raise DataError("aggregate can be sum, min or max.")
            args += ["AGGREGATE", aggregate]
        if withscores:
            args.append("WITHSCORES")
        return self.execute_command(*args, withscores=withscores, score_cast_func=score_cast_func)

    def zunion(
        self, keys: Any, aggregate: Optional[str] = None, withscores: bool = False, score_cast_func: Any = float
    ) -> ResponseT:
        return self._zstore("ZUNION", None, keys, aggregate, withscores, score_cast_func)

    def zinter(self, keys: Any, aggregate: Optional[str] = None, withscores: bool = False) -> ResponseT:
        return self._zstore("ZINTER", None, keys, aggregate, withscores)

    def zdiff(self, keys: Any, withscores: bool = False) -> ResponseT:
        keys = list(keys)
        args: list[Any] = ["ZDIFF", len(keys), *keys] + (["WITHSCORES"] if withscores else [])
        return self.execute_command(*args, withscores=withscores)

    def zdiffstore(self, dest: KeyT, keys: Any) -> ResponseT:
        keys = list(keys)
        return self.execute_command("ZDIFFSTORE", dest, len(keys), *keys)

    def zintercard(self, numkeys: int, keys: list[KeyT], limit: int = 0) -> ResponseT:
        return self.execute_command("ZINTERCARD", numkeys, *keys, "LIMIT", limit)

    def zunionstore(self, dest: KeyT, keys: Any, aggregate: Optional[str] = None) -> ResponseT:
        return self._zstore("ZUNIONSTORE", dest, keys, aggregate)

    def zinterstore(self, dest: KeyT, keys: Any, aggregate: Optional[str] = None) -> ResponseT:
        return self._zstore("ZINTERSTORE", dest, keys, aggregate)

    def zscan(
        self, name: KeyT, cursor: int = 0, match: Optional[KeyT] = None, count: Optional[int] = None,
        score_cast_func: Any = float,
    ) -> ResponseT:
        args: list[Any] = ["ZSCAN", name, cursor]
        if match is not None:
            args += ["MATCH", match]
        if count is not None:
            args += ["COUNT", count]
        return self.execute_command(*args, score_cast_func=score_cast_func)

    def zscan_iter(
        self, name: KeyT, match: Optional[KeyT] = None, count: Optional[int] = None, score_cast_func: Any = float
    ) -> Iterator[Any]:
        cursor = None
        while cursor != 0:
            cursor, data = self.zscan(name, cursor or 0, match=match, count=count, score_cast_func=score_cast_func)
            yield from data

    # -- server and pub/sub ---------------------------------------------------------------

    def ping(self, **kwargs: Any) -> ResponseT:
        return self.execute_command("PING")

    def echo(self, value: EncodableT, **kwargs: Any) -> ResponseT:
        return self.execute_command("ECHO", value)

    def time(self, **kwargs: Any) -> ResponseT:
        return self.execute_command("TIME")

    def info(self, section: Optional[str] = None, *args: str, **kwargs: Any) -> ResponseT:
        return self.execute_command("INFO", *([section] if section else []), *args)

    def config_get(self, pattern: str = "*", *args: str, **kwargs: Any) -> ResponseT:
        return self.execute_command("CONFIG GET", pattern, *args)

    def config_set(self, name: str, value: EncodableT, *args: Any, **kwargs: Any) -> ResponseT:
        return self.execute_command("CONFIG SET", name, value, *args)

    def publish(self, channel: KeyT, message: EncodableT, **kwargs: Any) -> ResponseT:
        return self.execute_command("PUBLISH", channel, message)

    def pubsub_channels(self, pattern: KeyT = "*", **kwargs: Any) -> ResponseT:
        return self.execute_command("PUBSUB CHANNELS", pattern)

    def pubsub_numsub(self, *args: KeyT, **kwargs: Any) -> ResponseT:
        return self.execute_command("PUBSUB NUMSUB", *args)

    def pubsub_numpat(self, **kwargs: Any) -> ResponseT:
        return self.execute_command("PUBSUB NUMPAT")


def _shape(
    args: Sequence[Any],
    response: Any,
    options: Mapping[str, Any],
    callbacks: Optional[Mapping[str, Callable[..., Any]]] = None,
) -> Any:
    """A reply shaped by redis-py's response callback for its command (the client's own
    table when it has one)."""
    name = str(args[0]).upper() if args else ""
    if len(args) > 1 and name in ("CONFIG", "PUBSUB"):
        name = f"{name} {str(args[1]).upper()}"
    callback = (CALLBACKS if callbacks is None else callbacks).get(name)
    return callback(response, **options) if callback else response


_Call = tuple[tuple[Any, ...], dict[str, Any]]


def _set_call(
    name: KeyT,
    value: EncodableT,
    ex: Optional[ExpiryT] = None,
    px: Optional[ExpiryT] = None,
    nx: bool = False,
    xx: bool = False,
    keepttl: bool = False,
    get: bool = False,
    exat: Optional[AbsExpiryT] = None,
    pxat: Optional[AbsExpiryT] = None,
) -> _Call:
    pieces: list[Any] = ["SET", name, value]
    if ex is not None:
        pieces += ["EX", _seconds(ex)]
    if px is not None:
        pieces += ["PX", _millis(px)]
    if exat is not None:
        pieces += ["EXAT", _unix(exat)]
    if pxat is not None:
        pieces += ["PXAT", _unix(pxat, millis=True)]
    if keepttl:
        pieces.append("KEEPTTL")
    if nx:
        pieces.append("NX")
    if xx:
        pieces.append("XX")
    if get:
        pieces.append("GET")
    return tuple(pieces), {"get": True} if get else {}


def _pop_call(command: str) -> Callable[..., _Call]:
    def call(keys: Any, timeout: Any = 0) -> _Call:
        return (command, *_list_or_args(keys, ()), 0 if timeout is None else timeout), {}

    return call


# The native methods as the commands they send (the others call execute_command).
_NATIVE_CALLS: dict[str, Callable[..., _Call]] = {
    "get": lambda name: (("GET", name), {}),
    "set": _set_call,
    "hget": lambda name, key: (("HGET", name, key), {}),
    "incr": lambda name, amount=1: (("INCRBY", name, amount), {}),
    "incrby": lambda name, amount=1: (("INCRBY", name, amount), {}),
    "decr": lambda name, amount=1: (("DECRBY", name, amount), {}),
    "decrby": lambda name, amount=1: (("DECRBY", name, amount), {}),
    "delete": lambda *names: (("DEL", *names), {}),
    "exists": lambda *names: (("EXISTS", *names), {}),
    "mget": lambda keys, *args: (("MGET", *_list_or_args(keys, args)), {}),
    "ttl": lambda name: (("TTL", name), {}),
    "blpop": _pop_call("BLPOP"),
    "brpop": _pop_call("BRPOP"),
    "bzpopmin": _pop_call("BZPOPMIN"),
    "bzpopmax": _pop_call("BZPOPMAX"),
    "blmove": lambda first_list, second_list, timeout, src="LEFT", dest="RIGHT": (
        ("BLMOVE", first_list, second_list, src, dest, timeout),
        {},
    ),
    "brpoplpush": lambda src, dst, timeout=0: (("BRPOPLPUSH", src, dst, 0 if timeout is None else timeout), {}),
}


class _Recorder:
    """Stands for the cache while a pipeline records a method call: the commands the
    method would send are collected instead of run."""

    def __init__(self, cache: Cache) -> None:
        self._cache = cache
        self.calls: list[_Call] = []

    def execute_command(self, *args: Any, **options: Any) -> None:
        if args and isinstance(args[0], str) and " " in args[0]:
            args = tuple(args[0].split()) + args[1:]
        self.calls.append((args, options))

    def __getattr__(self, name: str) -> Any:
        if name in _NATIVE_CALLS:
            return lambda *a, **k: self.calls.append(_NATIVE_CALLS[name](*a, **k))
        method = getattr(Cache, name, None)
        if callable(method) and not name.startswith("_"):
            return lambda *a, **k: method(self, *a, **k)
        return getattr(self._cache, name)


def _record(cache: Cache, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[_Call]:
    recorder = _Recorder(cache)
    getattr(recorder, name)(*args, **kwargs)
    return recorder.calls


def _safe_str(value: Any) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)


def _annotate(error: Exception, number: int, argv: Sequence[Any]) -> None:
    """redis-py's annotation of a pipeline command's error."""
    cmd = textwrap.shorten(" ".join(map(_safe_str, argv)), width=100, placeholder="...", break_long_words=True)
    msg = f"Command # {number} ({cmd}) of pipeline caused error: {error.args[0]}"
    error.args = (msg,) + error.args[1:]


class Pipeline:
    """redis-py's ``Pipeline`` (see :meth:`Cache.pipeline`): each command method queues the
    command and returns the pipeline, so calls chain; ``execute()`` runs the queue and
    returns the results in order. After ``watch()`` commands run at once and return their
    results, until ``multi()`` starts queueing the transaction."""

    def __init__(self, cache: Cache, transaction: bool = True) -> None:
        self._cache = cache
        self._callbacks = cache.__dict__.get("_response_callbacks")
        self._client = cache._client()
        self.transaction = transaction
        self.command_stack: list[_Call] = []
        self.watching = False
        self.explicit_transaction = False

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.reset()

    def __len__(self) -> int:
        return len(self.command_stack)

    def __bool__(self) -> bool:
        return True

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or not (name in _NATIVE_CALLS or callable(getattr(Cache, name, None))):
            raise AttributeError(name)

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._calls(_record(self._cache, name, args, kwargs))

        return call

    def execute_command(self, *args: Any, **options: Any) -> Any:
        if args and isinstance(args[0], str) and " " in args[0]:
            args = tuple(args[0].split()) + args[1:]
        return self._calls([(args, options)])

    def _calls(self, calls: list[_Call]) -> Any:
        if self.watching and not self.explicit_transaction:
            # Immediate mode, between watch() and multi(): run now.
            result = None
            for args, options in calls:
                result = _shape(args, self._client.execute(*args), options, self._callbacks)
            return result
        self.command_stack.extend(calls)
        return self

    def watch(self, *names: KeyT) -> bool:
        """WATCH: ``execute()`` raises ``WatchError`` if any of these keys changes first."""
        if self.explicit_transaction:
            raise RedisError("Cannot issue a WATCH after a MULTI")
        response = self._client.execute("WATCH", *names)
        self.watching = True
        return bool(_shape(("WATCH",), response, {}))

    def unwatch(self) -> bool:
        """UNWATCH."""
        if not self.watching:
            return True
        self.watching = False
        return bool(_shape(("UNWATCH",), self._client.execute("UNWATCH"), {}))

    def multi(self) -> None:
        """Starts queueing the transaction (after ``watch()``)."""
        if self.explicit_transaction:
            raise RedisError("Cannot issue nested calls to MULTI")
        if self.command_stack:
            raise RedisError("Commands without an initial WATCH have already been issued")
        self.explicit_transaction = True

    def reset(self) -> None:
        """Drops the queue and the watches."""
        self.command_stack = []
        if self._client.in_multi:
            self._client.execute("DISCARD")
        if self.watching:
            self._client.execute("UNWATCH")
        self.watching = False
        self.explicit_transaction = False

    def execute(self, raise_on_error: bool = True) -> list[Any]:
        """Runs the queue (as MULTI / EXEC when a transaction) and returns the results."""
        stack = self.command_stack
        if not stack and not self.watching:
            return []
        try:
            if self.transaction or self.explicit_transaction:
                return self._execute_transaction(stack, raise_on_error)
            return self._execute_pipeline(stack, raise_on_error)
        finally:
            self.reset()

    def _execute_transaction(self, stack: list[_Call], raise_on_error: bool) -> list[Any]:
        client = self._client
        client.execute("MULTI")
        errors: list[tuple[int, Exception]] = []
        try:
            for i, (args, _) in enumerate(stack):
                try:
                    client.execute(*args)
                except ResponseError as e:
                    _annotate(e, i + 1, args)
                    errors.append((i, e))
        except BaseException:
            client.execute("DISCARD")
            raise
        try:
            response = client.execute("EXEC")
        except ExecAbortError:
            if errors:
                raise errors[0][1] from None
            raise
        self.watching = False
        if response is None:
            raise WatchError("Watched variable changed.")
        if raise_on_error:
            self._raise_first_error(stack, response)
        return [
            r if isinstance(r, Exception) else _shape(args, r, options, self._callbacks)
            for r, (args, options) in zip(response, stack)
        ]

    def _execute_pipeline(self, stack: list[_Call], raise_on_error: bool) -> list[Any]:
        response: list[Any] = []
        for args, options in stack:
            try:
                response.append(_shape(args, self._client.execute(*args), options, self._callbacks))
            except ResponseError as e:
                response.append(e)
        if raise_on_error:
            self._raise_first_error(stack, response)
        return response

    @staticmethod
    def _raise_first_error(stack: list[_Call], response: list[Any]) -> None:
        for i, r in enumerate(response):
            if isinstance(r, ResponseError):
                _annotate(r, i + 1, stack[i][0])
                raise r


class InProcessPool:
    """What libraries read from ``redis.Redis().connection_pool``, for an engine in this
    process: ``connection_kwargs`` with ``host="in-process"``, ``port=0``, ``db=0``."""

    connection_class = None

    def __init__(self, cache: Cache) -> None:
        self.connection_kwargs: dict[str, Any] = {
            "host": "in-process",
            "port": 0,
            "db": cache._db,
            "username": None,
            "password": None,
            "decode_responses": cache.decode_responses,
        }
        self.max_connections = 1

    def reset(self) -> None:
        """Nothing to reset."""

    def disconnect(self, inuse_connections: bool = True) -> None:
        """Nothing to disconnect."""


Redis = Cache
StrictRedis = Cache

from ferricache.pubsub import PubSub  # noqa: E402  (PubSub imports Cache's module)

__all__ = ["Cache", "InProcessPool", "Pipeline", "RateLimit", "Redis", "StrictRedis", "PubSub"]
