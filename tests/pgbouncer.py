"""The tests through PgBouncer (`XUNCHA_TEST_PGBOUNCER=1`, as .ci/run does after the main suite):
a PgBouncer in transaction mode, started on a free port in front of the tests' server, with a
generated configuration (any database, trust for the server's user). The app's engine goes
through it as a deployment behind PgBouncer would (`XUNCHA_PGBOUNCER`); creating and dropping
the tests' databases and LISTEN go to the server directly."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

from backend.db import async_database_url
from bench.common import free_port

ENABLED = os.environ.get("XUNCHA_TEST_PGBOUNCER", "") in {"1", "true"}


def unprivileged_user(host: str) -> str:
    """Whom PgBouncer, started as root (which it refuses to run as), becomes (`-u`): the owner of
    the server's socket directory (the embedded server's is private to it), else `postgres`."""
    if host.startswith("/"):
        return pwd.getpwuid(os.stat(host).st_uid).pw_name
    try:
        return pwd.getpwnam("postgres").pw_name
    except KeyError:
        return "nobody"


def server_host(server_url: str) -> str:
    server = make_url(async_database_url(server_url))
    host = server.query.get("host") or server.host or "127.0.0.1"
    return host if isinstance(host, str) else host[0]


def configuration(server_url: str, port: int, auth_file: Path) -> str:
    """pgbouncer.ini for a PgBouncer on `port` in front of `server_url`'s server, any database."""
    server = make_url(async_database_url(server_url))
    host = server_host(server_url)
    password = f" password={server.password}" if server.password else ""
    return f"""[databases]
* = host={host} port={server.port or 5432} user={server.username}{password}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {auth_file}
pool_mode = transaction
max_client_conn = 500
default_pool_size = 10
server_idle_timeout = 10
ignore_startup_parameters = extra_float_digits
"""


def wait_for(port: int, process: subprocess.Popen, log: Path, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"PgBouncer exited: {log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"PgBouncer did not listen on {port} within {seconds}s")


@contextlib.contextmanager
def running_pgbouncer(server_url: str) -> Iterator[str]:
    """A PgBouncer in front of `server_url`'s server while the block runs: `server_url` as it
    reaches the same database through PgBouncer."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        raise RuntimeError("XUNCHA_TEST_PGBOUNCER is set but pgbouncer is not installed (apt-get install pgbouncer)")
    server = make_url(async_database_url(server_url))
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="xuncha-pgbouncer-") as directory:
        folder = Path(directory)
        folder.chmod(0o755)  # readable by the unprivileged user PgBouncer becomes
        auth_file = folder / "users.txt"
        auth_file.write_text(f'"{server.username}" ""\n')
        ini = folder / "pgbouncer.ini"
        ini.write_text(configuration(server_url, port, auth_file))
        as_user = ["-u", unprivileged_user(server_host(server_url))] if os.geteuid() == 0 else []
        log = folder / "pgbouncer.log"
        with log.open("w") as output:
            process = subprocess.Popen([binary, *as_user, str(ini)], stdout=output, stderr=subprocess.STDOUT)
        try:
            wait_for(port, process, log)
            yield server.set(host="127.0.0.1", port=port, password=None, query={}).render_as_string(hide_password=False)
        finally:
            process.terminate()
            process.wait(timeout=10)
