import os
import shutil
import socket
import subprocess
import tempfile
import time
from typing import Iterator

import pytest
import redis

import ferricache


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def url() -> Iterator[str]:
    """A real redis-server (or FERRICACHE_TEST_SERVER) of the test's own, on a free
    loopback port, in a temporary --dir with --save ''."""
    binary = os.environ.get("FERRICACHE_TEST_SERVER", "redis-server")
    port = _free_port()
    workdir = tempfile.mkdtemp(prefix="ferricache-py-redis-")
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", workdir, "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    deadline = time.time() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.time() < deadline, f"{binary} did not start"
            time.sleep(0.02)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(workdir, ignore_errors=True)


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
