import pytest

import ferricache


@pytest.fixture(autouse=True)
def _empty_shared_cache() -> None:
    """Every ``Cache()`` of the process shares one engine: each test starts with it empty."""
    ferricache.Cache().flushall()


@pytest.fixture
def r() -> ferricache.Cache:
    return ferricache.Cache(decode_responses=True)


@pytest.fixture
def rb() -> ferricache.Cache:
    return ferricache.Cache()
