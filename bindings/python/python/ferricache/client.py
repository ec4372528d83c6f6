"""``ferricache.Cache``: redis-py's ``redis.Redis`` API over an in-process engine.

Every method has redis-py's name, parameters, defaults and return shapes. The hottest
(``get``, ``set``, ``incr``, ``delete``, ``exists``, ``mget``, ``hget``, ``ttl`` and the
blocking pops) are native; the rest build the command's arguments and run them through
``execute_command``, which shapes the reply with redis-py's response callbacks.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, NamedTuple, Optional, Sequence, Union

from ferricache._callbacks import CALLBACKS
from ferricache._native import NativeCache
from ferricache.exceptions import DataError, RedisError

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


def _period_ms(seconds: float) -> int:
    if seconds <= 0:
        raise DataError("a rate-limit period must be positive")
    return max(1, int(seconds * 1000))


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
    ``pubsub_queue_limit``. The first ``Cache()`` makes the shared engine with its options;
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
        of near-cache mode (as ``Cache(remote=url)``); without it the URL is ignored."""
        if near_cache:
            return cls(remote=url, **kwargs)
        return cls(**kwargs)

    # -- plumbing -----------------------------------------------------------------------

    def execute_command(self, *args: Any, **options: Any) -> ResponseT:
        """Runs a command given as arguments and shapes its reply as redis-py does."""
        if args and isinstance(args[0], str) and " " in args[0]:
            args = tuple(args[0].split()) + args[1:]
        response = self.execute(*args)
        name = str(args[0]).upper() if args else ""
        if len(args) > 1 and name in ("CONFIG", "PUBSUB"):
            name = f"{name} {str(args[1]).upper()}"
        callback = CALLBACKS.get(name)
        return callback(response, **options) if callback else response

    def close(self) -> None:
        """As ``Redis.close``: nothing to close."""

    def __enter__(self) -> "Cache":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> "Pipeline":
        """redis-py's ``Pipeline``: commands queue and run on ``execute()``, in order. With
        ``transaction`` (the default) a pipeline made only of GET, SET (plain or with
        ``ex``), SETEX, DELETE, EXISTS, INCR / INCRBY / DECR / DECRBY, EXPIRE and PTTL runs
        as one atomic batch, as MULTI/EXEC would: no other thread's command interleaves.
        Pipelines with other commands run in order without that guarantee."""
        return Pipeline(self, transaction)

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
        args: list[Any] = ["GETEX", name]
        if ex is not None:
            args += ["EX", _seconds(ex)]
        if px is not None:
            args += ["PX", _millis(px)]
        if exat is not None:
            args += ["EXAT", _unix(exat)]
        if pxat is not None:
            args += ["PXAT", _unix(pxat, millis=True)]
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
        if byscore and bylex:
            raise DataError("``byscore`` and ``bylex`` can not be specified together.")
        if (offset is not None and num is None) or (num is not None and offset is None):
            raise DataError("``offset`` and ``num`` must both be specified.")
        if bylex and withscores:
            raise DataError("``withscores`` not supported in combination with ``bylex``.")
        args: list[Any] = ["ZRANGE", name, start, end]
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
        return self.execute_command(*args)

    def _zstore(self, command: str, dest: KeyT, keys: Any, aggregate: Optional[str]) -> ResponseT:
        weights = None
        if isinstance(keys, dict):
            keys, weights = list(keys.keys()), list(keys.values())
        else:
            keys = list(keys)
        args: list[Any] = [command, dest, len(keys), *keys]
        if weights:
            args += ["WEIGHTS", *weights]
        if aggregate:
            if aggregate.upper() not in ("SUM", "MIN", "MAX"):
                raise DataError("aggregate can be sum, min or max.")
            args += ["AGGREGATE", aggregate]
        return self.execute_command(*args)

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


def _batch_op(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Optional[list[tuple[str, tuple[Any, ...]]]]:
    """A queued call as engine batch operations, or None if the batch cannot run it."""
    if name == "get" and len(args) == 1 and not kwargs:
        return [("GET", args)]
    if name == "set" and len(args) == 2:
        if not kwargs:
            return [("SET", args)]
        if set(kwargs) == {"ex"} and kwargs["ex"] is not None:
            return [("SETEX", (args[0], _seconds(kwargs["ex"]), args[1]))]
        return None
    if name == "setex" and len(args) == 3 and not kwargs:
        return [("SETEX", (args[0], _seconds(args[1]), args[2]))]
    if name in ("delete", "exists") and args and not kwargs:
        return [("DEL" if name == "delete" else "EXISTS", (k,)) for k in args]
    if name in ("incr", "incrby", "decr", "decrby") and 1 <= len(args) + len(kwargs) <= 2:
        amount = args[1] if len(args) > 1 else kwargs.get("amount", 1)
        sign = -1 if name.startswith("decr") else 1
        return [("INCRBY", (args[0], sign * int(amount)))]
    if name == "expire" and len(args) == 2 and not kwargs:
        return [("EXPIRE", (args[0], _seconds(args[1])))]
    if name == "pttl" and len(args) == 1 and not kwargs:
        return [("PTTL", args)]
    return None


class Pipeline:
    """Queues commands (each method returns the pipeline, so calls chain) and runs them
    on ``execute()``, returning their results in order (see :meth:`Cache.pipeline`)."""

    def __init__(self, cache: Cache, transaction: bool = True) -> None:
        self._cache = cache
        self._transaction = transaction
        self._queue: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.reset()

    def __len__(self) -> int:
        return len(self._queue)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or not callable(getattr(self._cache, name, None)):
            raise AttributeError(name)

        def queue(*args: Any, **kwargs: Any) -> "Pipeline":
            self._queue.append((name, args, kwargs))
            return self

        return queue

    def multi(self) -> None:
        """Accepted for redis-py code; ``execute()`` runs the queue."""

    def reset(self) -> None:
        self._queue.clear()

    def _run_atomic(self) -> Optional[list[Any]]:
        plans = [_batch_op(n, a, k) for n, a, k in self._queue]
        if not self._transaction or any(p is None for p in plans):
            return None
        ops = [op for plan in plans if plan is not None for op in plan]
        raw = iter(self._cache._atomic(ops))
        results: list[Any] = []
        for (name, _, _), plan in zip(self._queue, plans):
            assert plan is not None
            parts = [next(raw) for _ in plan]
            error = next((p for p in parts if isinstance(p, RedisError)), None)
            if error is not None:
                results.append(error)
            elif name in ("delete", "exists"):
                results.append(sum(parts))
            else:
                results.append(parts[0])
        return results

    def execute(self, raise_on_error: bool = True) -> list[Any]:
        """Runs the queued commands; with ``raise_on_error`` the first error is raised
        after all have run (as redis-py does), otherwise errors are returned in place."""
        results = self._run_atomic()
        if results is None:
            results = []
            for name, args, kwargs in self._queue:
                try:
                    results.append(getattr(self._cache, name)(*args, **kwargs))
                except RedisError as e:
                    results.append(e)
        self._queue.clear()
        if raise_on_error:
            for r in results:
                if isinstance(r, RedisError):
                    raise r
        return results


Redis = Cache
StrictRedis = Cache

from ferricache.pubsub import PubSub  # noqa: E402  (PubSub imports Cache's module)

__all__ = ["Cache", "Pipeline", "RateLimit", "Redis", "StrictRedis", "PubSub"]
