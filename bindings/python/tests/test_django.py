"""The Django backend against the expectations of Django's own cache-backend tests
(tests/cache/tests.py, BaseCacheTests), as far as they apply to a non-persistent cache."""

import time

import django
import pytest
from django.conf import settings

if not settings.configured:
    settings.configure(
        CACHES={
            "default": {"BACKEND": "ferricache.contrib.django.FerriCache", "LOCATION": "tests"},
            "prefixed": {
                "BACKEND": "ferricache.contrib.django.FerriCache",
                "LOCATION": "tests",
                "KEY_PREFIX": "p",
                "VERSION": 2,
            },
        },
        USE_TZ=True,
    )
    django.setup()

from django.core.cache import cache, caches  # noqa: E402
from django.core.cache.backends.base import CacheKeyWarning  # noqa: E402


@pytest.fixture(autouse=True)
def clear():
    cache.clear()
    yield
    cache.clear()


def test_simple_get_set_and_defaults():
    cache.set("key", "value")
    assert cache.get("key") == "value"
    assert cache.get("missing") is None
    assert cache.get("missing", "default") == "default"


def test_add():
    assert cache.add("addkey1", "value") is True
    assert cache.add("addkey1", "newvalue") is False
    assert cache.get("addkey1") == "value"


def test_prefix_and_version_separate_keys():
    cache.set("somekey", "value")
    assert caches["prefixed"].get("somekey") is None
    caches["prefixed"].set("somekey", "other")
    assert cache.get("somekey") == "value"


def test_get_many_delete_many_set_many():
    cache.set_many({"a": "a", "b": "b", "c": "c"})
    assert cache.get_many(["a", "c", "d"]) == {"a": "a", "c": "c"}
    assert cache.set_many({"x": 1}) == []
    cache.delete_many(["a", "b"])
    assert cache.get_many(["a", "b", "c"]) == {"c": "c"}


def test_delete_has_key_and_in():
    cache.set("key1", "spam")
    assert cache.has_key("key1") and "key1" in cache
    assert cache.delete("key1") is True and cache.delete("key1") is False
    assert not cache.has_key("key1")
    cache.set("none", None)
    assert cache.has_key("none")


def test_incr_decr_are_atomic_counters_that_keep_the_ttl():
    cache.set("answer", 41, 100)
    assert cache.incr("answer") == 42 and cache.get("answer") == 42
    assert cache.incr("answer", 10) == 52 and cache.decr("answer", 2) == 50
    assert cache._cache.ttl(cache.make_key("answer")) > 0
    with pytest.raises(ValueError):
        cache.incr("does_not_exist")
    with pytest.raises(ValueError):
        cache.decr("does_not_exist")


def test_data_types_round_trip():
    stuff = {"string": "this is a string", "int": 42, "bool": True, "list": [1, 2, 3, 4],
             "tuple": (1, 2, 3, 4), "dict": {"A": 1, "B": 2}, "float": 1.5, "bytes": b"\x00\xff"}
    cache.set("stuff", stuff)
    assert cache.get("stuff") == stuff
    cache.set("true", True)
    assert cache.get("true") is True  # bools are not stored as ints


def test_expiration_and_touch():
    cache.set("expire1", "very quickly", 0.2)
    cache.set("expire2", "very quickly", 0.2)
    assert cache.touch("expire2", 100) is True
    time.sleep(0.3)
    assert cache.get("expire1") is None and cache.get("expire2") == "very quickly"
    assert cache.touch("nonexistent") is False
    assert cache.add("expire1", "newvalue") is True


def test_forever_zero_and_negative_timeouts():
    cache.set("forever", "v", None)
    assert cache._cache.ttl(cache.make_key("forever")) == -1
    cache.set("zero", "v", 0)
    assert cache.get("zero") is None
    cache.set("neg", "v", -1)
    assert cache.get("neg") is None
    assert cache.add("zero", "v", 0) is True and cache.get("zero") is None
    cache.set("k", "v")
    cache.touch("k", None)
    assert cache._cache.ttl(cache.make_key("k")) == -1


def test_get_or_set():
    assert cache.get_or_set("projector", 42) == 42
    assert cache.get_or_set("projector", 43) == 42
    assert cache.get_or_set("callable", lambda: "computed") == "computed"
    assert cache.get_or_set("null", None) is None


def test_versioning():
    cache.set("answer1", 42, version=2)
    assert cache.get("answer1") is None and cache.get("answer1", version=2) == 42
    assert cache.incr_version("answer1", version=2) == 3
    assert cache.get("answer1", version=3) == 42 and cache.get("answer1", version=2) is None
    assert cache.decr_version("answer1", version=3) == 2


def test_unicode_and_long_values():
    cache.set("ascii", "ąćęłńóśźż")
    assert cache.get("ascii") == "ąćęłńóśźż"
    big = "x" * 1_000_000
    cache.set("big", big)
    assert cache.get("big") == big


def test_memcached_unsafe_keys_warn_as_in_django_and_still_work():
    with pytest.warns(CacheKeyWarning):
        cache.set("key with spaces", "v")
    with pytest.warns(CacheKeyWarning):
        assert cache.get("key with spaces") == "v"


def test_backends_with_one_location_share_an_engine():
    cache.set("shared", "yes")
    assert caches["default"]._cache is caches["prefixed"]._cache
