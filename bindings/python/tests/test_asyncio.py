"""ferricache.asyncio: coroutines with redis.asyncio's shape; waits never block the loop."""

import asyncio
import inspect
import time

import ferricache
import ferricache.asyncio as fca


def run(coro):
    return asyncio.run(coro)


def test_every_command_is_a_coroutine_with_the_same_signature():
    for name in ["get", "set", "zadd", "zrange", "hset", "expire", "execute_command", "scan", "info"]:
        method = getattr(fca.Cache, name)
        assert inspect.iscoroutinefunction(method), name
        assert inspect.signature(method) == inspect.signature(getattr(ferricache.Cache, name)), name


def test_commands_and_shared_engine():
    async def main():
        r = fca.Cache(decode_responses=True)
        assert await r.set("k", "v", ex=10) is True
        assert await r.get("k") == "v"
        assert await r.zadd("lb", {"a": 1, "b": 2}) == 2
        assert await r.zrevrange("lb", 0, 0, withscores=True) == [("b", 2.0)]
        keys = [k async for k in r.scan_iter("l*")]
        assert keys == ["lb"]
        # Shares data with the synchronous cache it runs on.
        assert r.sync.get("k") == "v"
        async with fca.Cache(cache=r.sync) as other:
            assert await other.get("k") == "v"

    run(main())


def test_blocking_pops_do_not_block_the_loop():
    async def main():
        r = fca.Cache(decode_responses=True)
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.005)

        t = asyncio.create_task(ticker())
        waiters = [asyncio.create_task(r.blpop(["q"], timeout=5)) for _ in range(20)]
        await asyncio.sleep(0.1)
        for i in range(20):
            await r.rpush("q", i)
        results = await asyncio.gather(*waiters)
        t.cancel()
        assert sorted(int(v) for _, v in results) == list(range(20))
        assert ticks > 5  # the loop kept running while 20 pops waited

    run(main())


def test_blocking_pop_timeout_and_cancellation():
    async def main():
        r = fca.Cache(decode_responses=True)
        start = time.monotonic()
        assert await r.brpop("nothing", timeout=0.1) is None
        assert 0.05 < time.monotonic() - start < 2
        task = asyncio.create_task(r.blpop("q", timeout=0))
        await asyncio.sleep(0.02)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        # A cancelled waiter leaves no trace: the element goes to the next reader.
        await r.rpush("q", "x")
        assert await r.lpop("q") == "x"
        await r.zadd("z", {"m": 3})
        assert await r.bzpopmin("z", 1) == ("z", "m", 3.0)
        await r.rpush("src", "e")
        assert await r.blmove("src", "dst", 1, "LEFT", "LEFT") == "e"

    run(main())


def test_async_pubsub():
    async def main():
        r = fca.Cache(decode_responses=True)
        p = r.pubsub()
        await p.subscribe("ch")
        assert (await p.get_message())["type"] == "subscribe"
        asyncio.get_running_loop().call_later(0.05, lambda: r.sync.publish("ch", "later"))
        message = await p.get_message(ignore_subscribe_messages=True, timeout=2)
        assert message["data"] == "later"
        got = []

        async def handler(m):
            got.append(m["data"])

        await p.subscribe(news=handler)
        runner = asyncio.create_task(p.run(poll_timeout=0.05))
        await r.publish("news", "n1")
        await asyncio.sleep(0.1)
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        assert got == ["n1"]
        await p.aclose()

    run(main())
