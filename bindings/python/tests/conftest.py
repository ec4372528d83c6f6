import pytest

import ferricache


@pytest.fixture
def r() -> ferricache.Cache:
    return ferricache.Cache(decode_responses=True)


@pytest.fixture
def rb() -> ferricache.Cache:
    return ferricache.Cache()
