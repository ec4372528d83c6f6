"""redis-py's PubSub behaviour: confirmations, messages, patterns, handlers, threads,
keyspace notifications."""

import threading
import time

import pytest

import ferricache
from ferricache.exceptions import PubSubError


def test_subscribe_confirmations_then_messages(r):
    p = r.pubsub()
    p.subscribe("news", "sport")
    assert p.get_message() == {"type": "subscribe", "pattern": None, "channel": "news", "data": 1}
    assert p.get_message()["data"] == 2
    assert p.get_message() is None
    assert r.publish("news", "hello") == 1
    assert p.get_message(timeout=1) == {"type": "message", "pattern": None, "channel": "news", "data": "hello"}
    p.psubscribe("price:*")
    p.get_message()
    r.publish("price:ACME", "12.5")
    assert p.get_message(timeout=1) == {"type": "pmessage", "pattern": "price:*", "channel": "price:ACME", "data": "12.5"}
    p.unsubscribe("news")
    assert p.get_message()["type"] == "unsubscribe"
    assert r.publish("news", "x") == 0
    p.close()
    assert not p.subscribed


def test_bytes_channels_without_decoding(rb):
    p = rb.pubsub(ignore_subscribe_messages=True)
    p.subscribe("ch")
    assert p.get_message() is None  # the confirmation is skipped
    rb.publish("ch", b"\x00\x01")
    assert p.get_message(timeout=1)["data"] == b"\x00\x01"


def test_handlers_and_run_in_thread(r):
    got = []
    p = r.pubsub()
    p.subscribe(**{"orders": got.append})
    with pytest.raises(PubSubError):
        other = r.pubsub()
        other.subscribe("no-handler")
        other.run_in_thread()
    worker = p.run_in_thread(sleep_time=0.01, daemon=True)
    for i in range(20):
        r.publish("orders", i)
    deadline = time.monotonic() + 5
    while len(got) < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.stop()
    worker.join(2)
    assert [m["data"] for m in got] == [str(i) for i in range(20)]


def test_listen_blocks_until_a_message_arrives(r):
    p = r.pubsub(ignore_subscribe_messages=True)
    p.subscribe("ch")
    threading.Timer(0.05, lambda: r.publish("ch", "late")).start()
    for message in p.listen():
        assert message["data"] == "late"
        break


def test_keyspace_notifications_arrive_through_pubsub():
    c = ferricache.Cache(decode_responses=True, notify_keyspace_events="KEA", private=True)
    p = c.pubsub(ignore_subscribe_messages=True)
    p.psubscribe("__keyspace@0__:user:*")
    c.set("user:1", "ada")
    c.delete("user:1")
    events = [p.get_message(timeout=1)["data"] for _ in range(2)]
    assert events == ["set", "del"]
