"""Reply shaping as redis-py does it by command name: its RESP2 response callbacks, with the
few shapes redis-py 8 gives by default where they differ (scores as bytes in ZDIFF,
ZRANDMEMBER and ZMPOP)."""

from __future__ import annotations

import datetime
from typing import Any, Callable


def _str(x: Any) -> Any:
    return x.decode() if isinstance(x, bytes) else x


def bool_ok(r: Any, **_: Any) -> bool:
    return bool(_str(r) == "OK")


def _bool(r: Any, **_: Any) -> bool:
    return bool(r)


def _float(r: Any, **_: Any) -> float | None:
    return None if r is None else float(r)


def parse_set(r: Any, **options: Any) -> Any:
    if options.get("get"):
        return r
    return r is not None and _str(r) == "OK"


def pairs_to_dict(r: list[Any]) -> dict[Any, Any]:
    it = iter(r)
    return dict(zip(it, it))


def zset_score_pairs(r: Any, **options: Any) -> Any:
    if not r or not options.get("withscores"):
        return r
    cast: Callable[[Any], Any] = options.get("score_cast_func", float)
    it = iter(r)
    return [(m, cast(s)) for m, s in zip(it, it)]


def parse_scan(r: Any, **_: Any) -> tuple[int, list[Any]]:
    return int(r[0]), r[1]


def parse_hscan(r: Any, **options: Any) -> tuple[int, Any]:
    cursor, items = r
    if options.get("no_values"):
        it = iter(items)
        return int(cursor), [f for f, _ in zip(it, it)]
    return int(cursor), pairs_to_dict(items)


def parse_zscan(r: Any, **options: Any) -> tuple[int, list[tuple[Any, Any]]]:
    cursor, items = r
    cast = options.get("score_cast_func", float)
    it = iter(items)
    return int(cursor), [(m, cast(s)) for m, s in zip(it, it)]


def parse_info(r: Any, **_: Any) -> dict[str, Any]:
    """INFO's text as redis-py parses it: numbers as numbers, `a=1,b=2` values as dicts."""
    info: dict[str, Any] = {}

    def value(v: str) -> Any:
        if "," not in v and "=" not in v:
            for kind in (int, float):
                try:
                    return kind(v)
                except ValueError:
                    pass
            return v
        sub: dict[str, Any] = {}
        for item in v.split(","):
            if "=" in item:
                k, _, x = item.partition("=")
                sub[k] = value(x)
        return sub

    for line in _str(r).splitlines():
        if line and not line.startswith("#") and ":" in line:
            k, _, v = line.partition(":")
            info[k] = value(v)
    return info


def parse_config_get(r: Any, **_: Any) -> dict[Any, Any]:
    return pairs_to_dict([_str(x) for x in r])


def parse_zadd(r: Any, **options: Any) -> Any:
    if r is None:
        return None
    return float(r) if options.get("as_score") else int(r)


def parse_numsub(r: Any, **_: Any) -> list[tuple[Any, int]]:
    it = iter(r)
    return list(zip(it, it))


def _score_bytes(s: Any) -> bytes:
    """A score as the bytes Redis sends (``%.17g``), as redis-py 8 re-encodes it."""
    if isinstance(s, bytes):
        return s
    if isinstance(s, str):
        return s.encode()
    return format(float(s), ".17g").encode()


def zset_flat_bytes(r: Any, **options: Any) -> Any:
    """ZDIFF and ZRANDMEMBER WITHSCORES as redis-py 8 shapes them by default: the flat
    RESP2 list, scores as bytes."""
    if not r or not options.get("withscores"):
        return r
    return [x if i % 2 == 0 else _score_bytes(x) for i, x in enumerate(r)]


def zmpop_bytes(r: Any, **_: Any) -> Any:
    """ZMPOP / BZMPOP as redis-py 8 shapes them by default: scores as bytes."""
    if not r:
        return r
    return [r[0], [[m, _score_bytes(s)] for m, s in r[1]]]


def sort_return_tuples(r: Any, **options: Any) -> Any:
    """SORT with ``groups``: the GET values in tuples, one per element."""
    if not r or not options.get("groups"):
        return r
    n = options["groups"]
    return list(zip(*[r[i::n] for i in range(n)]))


def _set(r: Any, **_: Any) -> set[Any]:
    return set(r) if r else set()


def _tuple_or_none(r: Any, **_: Any) -> Any:
    return tuple(r) if r else None


def _bzpop(r: Any, **_: Any) -> Any:
    return (r[0], r[1], float(r[2])) if r else None


CALLBACKS: dict[str, Callable[..., Any]] = {
    **dict.fromkeys(
        "COPY EXPIRE EXPIREAT HEXISTS HMSET MOVE MSETNX PERSIST PSETEX PEXPIRE PEXPIREAT "
        "RENAMENX SETEX SETNX SMOVE".split(),
        _bool,
    ),
    **dict.fromkeys("HINCRBYFLOAT INCRBYFLOAT".split(), _float),
    **dict.fromkeys("FLUSHALL FLUSHDB LSET LTRIM MSET PFMERGE RENAME SAVE SELECT SWAPDB WATCH UNWATCH".split(), bool_ok),
    **dict.fromkeys("SDIFF SINTER SMEMBERS SUNION".split(), _set),
    **dict.fromkeys(
        "ZINTER ZPOPMAX ZPOPMIN ZRANGE ZRANGEBYSCORE ZREVRANGE ZREVRANGEBYSCORE ZUNION".split(),
        zset_score_pairs,
    ),
    **dict.fromkeys("ZINCRBY ZSCORE".split(), _float),
    **dict.fromkeys("ZDIFF ZRANDMEMBER".split(), zset_flat_bytes),
    **dict.fromkeys("ZMPOP BZMPOP".split(), zmpop_bytes),
    **dict.fromkeys("BLPOP BRPOP".split(), _tuple_or_none),
    **dict.fromkeys("BZPOPMAX BZPOPMIN".split(), _bzpop),
    "CONFIG GET": parse_config_get,
    "CONFIG SET": bool_ok,
    "BGSAVE": lambda r, **_: True,
    "LASTSAVE": lambda r, **_: datetime.datetime.fromtimestamp(int(r)) if r else None,
    "HGETALL": lambda r, **_: pairs_to_dict(r) if r else {},
    "HSCAN": parse_hscan,
    "INFO": parse_info,
    "PING": lambda r, **_: _str(r) == "PONG",
    "PUBSUB NUMSUB": parse_numsub,
    "SCAN": parse_scan,
    "SSCAN": parse_scan,
    "SET": parse_set,
    "SORT": sort_return_tuples,
    "TIME": lambda r, **_: (int(r[0]), int(r[1])),
    "ZADD": parse_zadd,
    "ZMSCORE": lambda r, **_: [None if s is None else float(s) for s in r],
    "ZSCAN": parse_zscan,
}
