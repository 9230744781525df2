"""Where Redis is, from REDIS_URL: `redis://` or `rediss://` (one server, as redis-py reads it),
`unix://` (a socket), or `redis+sentinel://[:password@]host:port[,host:port…]/master[/db]`:
Sentinel names the master, and the clients follow it when Sentinel fails over to a replica."""

from __future__ import annotations

from urllib.parse import unquote

from arq.connections import RedisSettings

SENTINEL_SCHEME = "redis+sentinel://"
SENTINEL_PORT = 26379


def redis_settings(url: str) -> RedisSettings:
    if not url.startswith(SENTINEL_SCHEME):
        return RedisSettings.from_dsn(url)
    credentials, _, location = url.removeprefix(SENTINEL_SCHEME).rpartition("@")
    hosts, _, path = location.partition("/")
    master, _, database = path.partition("/")
    sentinels = [_host_and_port(host) for host in hosts.split(",")]
    if not master or not (database == "" or database.isdigit()):
        raise SystemExit(f"REDIS_URL 的 Sentinel 地址须为 {SENTINEL_SCHEME}主机:端口[,主机:端口…]/主节点名称[/库号]，收到 {url!r}")
    password = unquote(credentials.partition(":")[2]) or None
    return RedisSettings(host=sentinels, sentinel=True, sentinel_master=master, database=int(database or 0), password=password)


def _host_and_port(text: str) -> tuple[str, int]:
    host, _, port = text.strip().rpartition(":") if ":" in text else (text.strip(), ":", str(SENTINEL_PORT))
    if not host or not port.isdigit():
        raise SystemExit(f"REDIS_URL 中的 Sentinel 地址 {text!r} 须为 主机:端口")
    return host, int(port)
